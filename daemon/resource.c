/*
 * Venues, course types, instructors and participants: plain records whose
 * routes all have one shape. Each is a table of fields (JSON name, type,
 * flags, check); from it come the refusal of unknown fields, validation,
 * defaults, and the SQL (built once, kept for the life of the process).
 *
 * Create and edit work on a row object (column -> value): defaults, then
 * the stored row (edit), then the body, each value checked and normalised;
 * a check of the whole row; one INSERT or UPDATE of every column. The
 * checks themselves are in resource-check.c.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "kursusd.h"
#include "resource-private.h"

struct resource {
	const char		*name;		/* "venues": route and list key */
	const char		*table;
	const char		*what;		/* "venue", for messages */
	const char		*key;		/* "slug" or "id" */
	const char		*order;
	const char		*search;	/* kmatch()'s words, after ?1 */
	const struct rfield	*fields;
	size_t			 nfields;
	int			(*row_check)(struct store *, json_t *,
				    struct fail *);
	/* Built on first use. */
	char			*sql_show, *sql_list, *sql_row, *sql_insert,
				*sql_insert_token, *sql_update, *sql_id,
				*sql_delete,
				*sql_search, *sql_search_tail;
	json_t			*defaults;	/* a new row's; rows: json_copy() */
};

static json_t	*resource_defaults(const struct resource *);

#define F_ID		{ "id", FT_INT, RF_READONLY, NULL, NULL, 0, 0, NULL }
#define F_SLUG		{ "slug", FT_TEXT, RF_REQUIRED | RF_IMMUTABLE, NULL, \
			  check_slug, 1, 64, NULL }
#define F_STAMPS	{ "created_at", FT_TEXT, RF_READONLY, \
			  "utc_iso(created_at)", NULL, 0, 0, NULL }, \
			{ "updated_at", FT_TEXT, RF_READONLY, \
			  "utc_iso(updated_at)", NULL, 0, 0, NULL }
#define F_TEXT(n, flags, max) \
			{ n, FT_TEXT, flags, NULL, check_text, 1, max, NULL }

static const struct rfield venue_fields[] = {
	F_ID, F_SLUG,
	F_TEXT("name", RF_REQUIRED, 200),
	F_TEXT("address", 0, 200),
	F_TEXT("postcode", 0, 16),
	F_TEXT("city", 0, 100),
	{ "capacity", FT_INT, 0, NULL, check_int, 1, 1000, "8" },
	F_TEXT("access_notes", 0, 2000),
	F_TEXT("equipment_notes", 0, 2000),
	F_TEXT("contact_name", 0, 200),
	{ "contact_phone", FT_TEXT, 0, NULL, check_phone, 0, 0, NULL },
	/* Whether feeds and public pages show the contact person. */
	{ "contact_public", FT_BOOL, 0, NULL, check_bool, 0, 0, "false" },
	{ "timezone", FT_TEXT, 0, NULL, check_zone, 0, 0, NULL },
	{ "latitude", FT_REAL, 0, NULL, check_real, -90, 90, NULL },
	{ "longitude", FT_REAL, 0, NULL, check_real, -180, 180, NULL },
	F_STAMPS,
};

static const struct rfield course_fields[] = {
	F_ID, F_SLUG,
	F_TEXT("title", RF_REQUIRED, 200),
	F_TEXT("description", 0, 4000),
	{ "duration", FT_INT, RF_REQUIRED, NULL, check_int, 5, 1440, NULL },
	{ "capacity", FT_INT, 0, NULL, check_int, 1, 1000, "8" },
	{ "min_participants", FT_INT, 0, NULL, check_int, 0, 1000, "0" },
	F_TEXT("bring", 0, 2000),
	/* For English readers; NULL: the Danish above. */
	F_TEXT("title_en", 0, 200),
	F_TEXT("description_en", 0, 4000),
	F_TEXT("bring_en", 0, 2000),
	{ "language", FT_TEXT, 0, NULL, check_language, 0, 0, "\"da\"" },
	/* When reminders go out; NULL: [reminders] rules, "": none. */
	{ "reminders", FT_TEXT, 0, NULL, check_reminders, 0, 200, NULL },
	F_STAMPS,
};

static const struct rfield instructor_fields[] = {
	F_ID, F_SLUG,
	F_TEXT("name", RF_REQUIRED, 200),
	{ "email", FT_TEXT, 0, NULL, check_email, 0, 0, NULL },
	{ "phone", FT_TEXT, 0, NULL, check_phone, 0, 0, NULL },
	{ "volunteer", FT_BOOL, 0, NULL, check_bool, 0, 0, "false" },
	F_STAMPS,
};

static const struct rfield participant_fields[] = {
	F_ID,
	F_TEXT("name", RF_REQUIRED, 200),
	{ "email", FT_TEXT, 0, NULL, check_email, 0, 0, NULL },
	{ "phone", FT_TEXT, 0, NULL, check_phone, 0, 0, NULL },
	{ "phone_type", FT_TEXT, 0, NULL, check_phone_type, 0, 0, NULL },
	{ "no_contact", FT_BOOL, 0, NULL, check_bool, 0, 0, "false" },
	{ "sms_consent", FT_BOOL, RF_READONLY,
	  "json(CASE WHEN phone IS NOT NULL AND phone_type = 'mobile' AND "
	  "NOT no_sms THEN 'true' ELSE 'false' END)", NULL, 0, 0, NULL },
	{ "email_consent", FT_BOOL, RF_READONLY,
	  "json(CASE WHEN email IS NOT NULL AND NOT no_email THEN 'true' "
	  "ELSE 'false' END)", NULL, 0, 0, NULL },
	{ "no_sms", FT_BOOL, RF_WRITEONLY, NULL, check_bool, 0, 0, "false" },
	{ "no_email", FT_BOOL, RF_WRITEONLY, NULL, check_bool, 0, 0, "false" },
	{ "language", FT_TEXT, 0, NULL, check_language, 0, 0, "\"da\"" },
	F_TEXT("notes", 0, 2000),
	F_STAMPS,
};

#define NF(a)	(sizeof (a) / sizeof (a)[0])
/* A participant search answers at most this many unless given a limit. */
#define RESOURCE_SEARCH_LIMIT	200
static struct resource resources[] = {
	{ .name = "venues", .table = "venue", .what = "venue",
	  .key = "slug", .order = "name COLLATE NOCASE",
	  .search = "name || ' ' || slug || ' ' || coalesce(address, '') || "
	  "' ' || coalesce(city, ''), NULL, NULL",
	  .fields = venue_fields, .nfields = NF(venue_fields),
	  .row_check = venue_row_check },
	{ .name = "courses", .table = "course", .what = "course type",
	  .key = "slug", .order = "title COLLATE NOCASE",
	  .search = "title || ' ' || slug, NULL, NULL",
	  .fields = course_fields, .nfields = NF(course_fields),
	  .row_check = course_row_check },
	{ .name = "instructors", .table = "instructor", .what = "instructor",
	  .key = "slug", .order = "name COLLATE NOCASE",
	  .search = "name || ' ' || slug, phone, email",
	  .fields = instructor_fields, .nfields = NF(instructor_fields) },
	{ .name = "participants", .table = "participant",
	  .what = "participant", .key = "id",
	  .order = "name COLLATE NOCASE, id",
	  .search = "name, phone, email",
	  .fields = participant_fields, .nfields = NF(participant_fields),
	  .row_check = participant_row_check },
};

static int
writable(const struct rfield *f)
{
	return ((f->flags & RF_READONLY) == 0);
}

/* Appends to a growing string; *s may be NULL. */
static void
resource_build(struct resource *r)
{
	const struct rfield	*f;
	struct buf		 o = BUF_INIT, w = BUF_INIT, c = BUF_INIT,
				 v = BUF_INIT, u = BUF_INIT;
	const char		*obj, *row, *cols, *vals, *sets;
	size_t			 i;

	if (r->sql_show != NULL)
		return;
	for (i = 0; i < r->nfields; i++) {
		f = &r->fields[i];
		if (!(f->flags & RF_WRITEONLY)) {
			if (f->expr != NULL)
				buf_addf(&o, "%s'%s', %s", o.len ? ", " : "",
				    f->name, f->expr);
			else if (f->type == FT_BOOL)
				buf_addf(&o, "%s'%s', json(CASE WHEN %s THEN "
				    "'true' ELSE 'false' END)", o.len ? ", " :
				    "", f->name, f->name);
			else
				buf_addf(&o, "%s'%s', %s", o.len ? ", " : "",
				    f->name, f->name);
		}
		if (!writable(f))
			continue;
		buf_addf(&w, "%s'%s', %s", w.len ? ", " : "", f->name, f->name);
		buf_addf(&c, "%s%s", c.len ? ", " : "", f->name);
		buf_addf(&v, "%s?", v.len ? ", " : "");
		buf_addf(&u, "%s%s = ?", u.len ? ", " : "", f->name);
	}
	obj = o.data;
	row = w.data;
	cols = c.data;
	vals = v.data;
	sets = u.data;
	/*
	 * A key is matched as the text it is: "1.0", "1e0" or "+1" would
	 * equal the integer id 1 after SQLite's numeric affinity.
	 */
	r->sql_show = xprintf("SELECT json_object(%s) FROM %s WHERE %s = ?1 "
	    "AND CAST(%s AS TEXT) = ?1", obj, r->table, r->key, r->key);
	/*
	 * Search (fold.h): participants through the index of their words
	 * (?2 to ?3: those the longest word of the query begins), the few
	 * venues, course types and instructors by reading them.
	 */
	if (strcmp(r->table, "participant") == 0) {
		/* Without a search, a page (paging.c) by name and id. */
		r->sql_list = xprintf("SELECT json_object(%s), name, id FROM "
		    "%s WHERE anonymised_at IS NULL AND name COLLATE NOCASE >= "
		    "coalesce(?1, '') AND (?1 IS NULL OR (name COLLATE NOCASE, "
		    "id) > (?1, ?2)) ORDER BY %s LIMIT ?3", obj, r->table,
		    r->order);
		r->sql_search = xprintf("SELECT json_object(%s) FROM %s WHERE "
		    "id IN (", obj, r->table);
		r->sql_search_tail = xprintf(") AND anonymised_at IS NULL "
		    "ORDER BY %s", r->order);
	} else
		r->sql_list = xprintf("SELECT json_object(%s) FROM %s WHERE "
		    "kmatch(?1, %s) ORDER BY %s", obj, r->table, r->search,
		    r->order);
	r->sql_row = xprintf("SELECT json_object(%s) FROM %s WHERE %s = ?1 "
	    "AND CAST(%s AS TEXT) = ?1", row, r->table, r->key, r->key);
	r->sql_insert = xprintf("INSERT INTO %s (%s, created_at, updated_at) "
	    "VALUES (%s, ?, ?)", r->table, cols, vals);
	/* A participant made for a registration: with its feed token. */
	r->sql_insert_token = xprintf("INSERT INTO %s (%s, created_at, "
	    "updated_at, feed_token_check, feed_token_sealed, id) VALUES "
	    "(%s, ?, ?, ?, ?, ?)", r->table, cols, vals);
	r->sql_update = xprintf("UPDATE %s SET %s, updated_at = ? WHERE id = ?",
	    r->table, sets);
	r->sql_id = xprintf("SELECT id FROM %s WHERE %s = ?1 AND "
	    "CAST(%s AS TEXT) = ?1", r->table, r->key, r->key);
	r->sql_delete = xprintf("DELETE FROM %s WHERE id = ?", r->table);
	r->defaults = resource_defaults(r);
	buf_free(&o);
	buf_free(&w);
	buf_free(&c);
	buf_free(&v);
	buf_free(&u);
}

static struct resource *
resource_find(const char *name)
{
	size_t	 i;

	for (i = 0; i < NF(resources); i++) {
		if (strcmp(resources[i].name, name) == 0) {
			resource_build(&resources[i]);
			return (&resources[i]);
		}
	}
	fatalx("no resource %s", name);
}

/* --- the shared machinery */

static const struct rfield *
resource_field(const struct resource *r, const char *name)
{
	size_t	 i;

	for (i = 0; i < r->nfields; i++) {
		if (strcmp(r->fields[i].name, name) == 0)
			return (&r->fields[i]);
	}
	return (NULL);
}

/* Applies body values onto row after checking them; create=1 on create. */
static int
resource_apply(struct store *st, const struct resource *r, json_t *body,
    json_t *row, int create, struct fail *fl)
{
	const struct rfield	*f;
	const char		*key;
	json_t			*v, *norm;
	size_t			 i;
	struct field		 allowed[32];
	size_t			 n = 0;

	for (i = 0; i < r->nfields && n < 32; i++) {
		if (writable(&r->fields[i])) {
			allowed[n].name = r->fields[i].name;
			allowed[n++].type = r->fields[i].type;
		}
	}
	if (param_check_fields(body, allowed, n, fl) != 0) {
		/* Say why a known, read-only field is refused. */
		if (fl->status == 400 && (f = resource_field(r, fl->field)) !=
		    NULL && !writable(f))
			fail_set(fl, 400, f->name, "field \"%s\" is read-only",
			    f->name);
		return (-1);
	}
	json_object_foreach(body, key, v) {
		f = resource_field(r, key);
		if (!create && (f->flags & RF_IMMUTABLE)) {
			if (json_equal(v, json_object_get(row, key)))
				continue;
			return (fail_set(fl, 422, key, "%s cannot be changed",
			    key));
		}
		if (json_is_null(v)) {
			if (f->flags & RF_REQUIRED)
				return (fail_set(fl, 422, key, "%s must not "
				    "be empty", key));
			json_object_set(row, key, v);
			continue;
		}
		norm = NULL;
		if (f->check != NULL && f->check(f, v, &norm, fl) != 0)
			return (-1);
		json_object_set_new(row, key, norm != NULL ? norm :
		    json_incref(v));
	}
	if (create) {
		for (i = 0; i < r->nfields; i++) {
			f = &r->fields[i];
			if ((f->flags & RF_REQUIRED) && row_null(row, f->name))
				return (fail_set(fl, 422, f->name, "%s is "
				    "required", f->name));
		}
	}
	if (r->row_check != NULL && r->row_check(st, row, fl) != 0)
		return (-1);
	return (0);
}

/* Binds every writable column from row, in field order, from index 1. */
static int
resource_bind(const struct resource *r, sqlite3_stmt *stmt, json_t *row)
{
	const struct rfield	*f;
	json_t			*v;
	size_t			 i;
	int			 col = 1;

	for (i = 0; i < r->nfields; i++) {
		f = &r->fields[i];
		if (!writable(f))
			continue;
		v = json_object_get(row, f->name);
		if (v == NULL || json_is_null(v))
			sqlite3_bind_null(stmt, col);
		else if (json_is_string(v))
			sqlite3_bind_text(stmt, col, json_string_value(v), -1,
			    SQLITE_TRANSIENT);
		else if (json_is_integer(v))
			sqlite3_bind_int64(stmt, col, json_integer_value(v));
		else if (json_is_boolean(v))
			sqlite3_bind_int(stmt, col, json_is_true(v));
		else
			sqlite3_bind_double(stmt, col, json_number_value(v));
		col++;
	}
	return (col);
}

/* A new row's values before its body: made once, by resource_build(). */
static json_t *
resource_defaults(const struct resource *r)
{
	json_t		*row = json_object(), *v;
	size_t		 i;

	for (i = 0; i < r->nfields; i++) {
		if (!writable(&r->fields[i]))
			continue;
		v = r->fields[i].dflt != NULL ?
		    json_loads(r->fields[i].dflt, JSON_DECODE_ANY, NULL) :
		    json_null();
		if (json_is_boolean(v))	/* true, false: never freed */
			v = json_integer(json_is_true(v));
		json_object_set_new(row, r->fields[i].name, v);
	}
	return (row);
}

/* Shows one record by its key (slug or id as text). */
static json_t *
resource_get(struct store *st, const struct resource *r, const char *key)
{
	return (store_json(st, r->sql_show, "t", key));
}

/* 404 on field: no r called key; a sentence per kind, for translations. */
static int
resource_missing(const struct resource *r, const char *field,
    const char *key, struct fail *f)
{
	if (strcmp(r->table, "venue") == 0)
		return (fail_set(f, 404, field, "no venue \"%s\"", key));
	if (strcmp(r->table, "course") == 0)
		return (fail_set(f, 404, field, "no course type \"%s\"", key));
	if (strcmp(r->table, "instructor") == 0)
		return (fail_set(f, 404, field, "no instructor \"%s\"", key));
	if (strcmp(r->table, "participant") == 0)
		return (fail_set(f, 404, field, "no participant \"%s\"", key));
	return (fail_set(f, 404, field, "no %s \"%s\"", r->what, key));
}

static int
resource_not_found(const struct resource *r, const char *key,
    struct fail *f)
{
	return (resource_missing(r, r->key, key, f));
}

/* A new row's feed token, written with it: its check, sealed form, id. */
struct resource_token {
	char	*check, *sealed;
	int64_t	 id;
};

static int
resource_insert(struct store *st, const struct resource *r, json_t *body,
    const struct resource_token *tk, int64_t *id, struct fail *fl)
{
	sqlite3_stmt	*stmt;
	json_t		*row = json_copy(r->defaults);
	int		 col, rc;
	time_t		 now = store_now(st);

	if (resource_apply(st, r, body, row, 1, fl) != 0) {
		json_decref(row);
		return (-1);
	}
	stmt = store_stmt(st, tk != NULL ? r->sql_insert_token :
	    r->sql_insert);
	col = resource_bind(r, stmt, row);
	sqlite3_bind_int64(stmt, col++, now);
	sqlite3_bind_int64(stmt, col++, now);
	if (tk != NULL) {
		sqlite3_bind_text(stmt, col++, tk->check, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, col++, tk->sealed, -1, SQLITE_STATIC);
		sqlite3_bind_int64(stmt, col, tk->id);
	}
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE) {
		if ((sqlite3_extended_errcode(store_db(st)) & 0xff) ==
		    SQLITE_CONSTRAINT && !row_null(row, "slug"))
			fail_set(fl, 409, "slug", "a %s with slug \"%s\" "
			    "already exists", r->what,
			    json_string_value(json_object_get(row, "slug")));
		else
			store_fail(st, fl);
		json_decref(row);
		return (-1);
	}
	*id = sqlite3_last_insert_rowid(store_db(st));
	json_decref(row);
	if (strcmp(r->table, "participant") == 0)
		person_added();	/* their search words, once enough wait */
	return (0);
}

/*
 * A participant made for a registration, with the feed token every
 * message's link needs (registration.c makes one for a person who has
 * none): in the same INSERT, under the row id it names (SQLite's own
 * choice, the largest plus one), not written again by an UPDATE.
 */
int
resource_participant_create(struct store *st, json_t *body, int64_t *id,
    struct fail *f)
{
	static const char *sql_next = "SELECT coalesce(max(id), 0) + 1 FROM "
	    "participant";
	struct resource_token	 tk;
	int			 rc;

	tk.id = store_int(st, 1, sql_next, NULL);
	token_make_kept(TOKEN_PARTICIPANT, tk.id, &tk.check, &tk.sealed);
	rc = resource_insert(st, resource_find("participants"), body, &tk, id,
	    f);
	free(tk.check);
	free(tk.sealed);
	return (rc);
}

int
resource_id(struct store *st, const char *table, const char *slug,
    const char *field, int64_t *id, struct fail *f)
{
	struct resource	*r;
	size_t		 i;

	for (i = 0; i < NF(resources); i++) {
		if (strcmp(resources[i].table, table) == 0)
			break;
	}
	if (i == NF(resources))
		fatalx("resource_id: %s", table);
	r = resource_find(resources[i].name);
	if (slug == NULL)
		return (fail_set(f, 422, field, "%s is required", field));
	*id = store_int(st, 0, r->sql_id, "t", slug);
	if (*id == 0)
		return (resource_missing(r, field, slug, f));
	return (0);
}

/* A venue or course filter: the id of the slug in the query, 0 if none. */
int
resource_query(struct api_req *req, const char *name, const char *table,
    int64_t *id)
{
	const char	*slug;

	*id = 0;
	slug = json_string_value(json_object_get(req->query, name));
	if (slug == NULL)
		return (0);
	return (resource_id(req->store, table, slug, name, id, &req->fail));
}

/* Every participant, a page at a time by name and id (paging.c). */
static int
resource_page(struct api_req *req, struct resource *r)
{
	struct paging	 pg;
	sqlite3_stmt	*stmt;

	if (paging_start(req, &pg, r->name, "ti") != 0)
		return (-1);
	stmt = store_stmt(req->store, r->sql_list);
	if (paging_given(&pg)) {
		sqlite3_bind_text(stmt, 1, paging_text(&pg, 0), -1,
		    SQLITE_TRANSIENT);
		sqlite3_bind_int64(stmt, 2, paging_int(&pg, 1));
	}
	sqlite3_bind_int64(stmt, 3, paging_limit(&pg));
	return (paging_answer(req, &pg, stmt));
}

int
resource_list(struct api_req *req)
{
	struct resource	*r = resource_find(req->arg);
	const char	*q = json_string_value(json_object_get(req->query,
			    "q"));
	json_t		*found = NULL, *v;
	int64_t		 limit = RESOURCE_SEARCH_LIMIT;
	int		 more = 0;

	if (q != NULL && *q == '\0')
		q = NULL;
	if (q == NULL && r->sql_search != NULL)
		return (resource_page(req, r));
	if (r->sql_search != NULL && json_object_get(req->query, "cursor") !=
	    NULL)
		return (fail_set(&req->fail, 400, "cursor", "a cursor pages "
		    "the list of all %ss, not a search", r->what));
	if ((v = json_object_get(req->query, "limit")) != NULL) {
		limit = json_is_string(v) ? strtoll(json_string_value(v), NULL,
		    10) : 0;
		if (limit < 1 || limit > 100000)
			return (fail_set(&req->fail, 422, "limit", "limit "
			    "\"%s\" is not a number from 1 to 100000",
			    json_is_string(v) ? json_string_value(v) : ""));
	}
	/* A search without a word ("%", "_") finds no one. */
	if (q != NULL && r->sql_search != NULL &&
	    (found = person_search(req->store, r->sql_search,
	    r->sql_search_tail, q, limit, &more)) == NULL)
		found = json_array();
	if (found == NULL)
		found = store_json_array(req->store, r->sql_list, "t", q);
	req->out = json_pack("{s:o}", r->name, found);
	if (more)
		json_object_set_new(req->out, "more", json_true());
	return (0);
}

int
resource_show(struct api_req *req)
{
	struct resource	*r = resource_find(req->arg);
	int64_t		 id;

	if ((req->out = resource_get(req->store, r, req->param[0])) == NULL)
		return (resource_not_found(r, req->param[0], &req->fail));
	if (strcmp(r->table, "participant") == 0) {
		id = json_integer_value(json_object_get(req->out, "id"));
		json_object_set_new(req->out, "registrations",
		    store_json_array(req->store, "SELECT j FROM "
		    "registration_json WHERE participant_id = ? ORDER BY id",
		    "i", id));
	}
	return (0);
}

int
resource_create(struct api_req *req)
{
	struct resource	*r = resource_find(req->arg);
	int64_t		 id;
	char		*key;

	json_t		*body;
	int		 rc;

	if (req->body == NULL)
		return (fail_set(&req->fail, 400, NULL, "a JSON object with "
		    "the %s's fields is required", r->what));
	/* A participant is not made twice (person.c). */
	if (strcmp(r->table, "participant") == 0) {
		if ((body = person_new(req->store, req->body,
		    &req->fail)) == NULL)
			return (-1);
	} else
		body = json_incref(req->body);
	rc = resource_insert(req->store, r, body, NULL, &id, &req->fail);
	json_decref(body);
	if (rc != 0)
		return (-1);
	if (strcmp(r->key, "id") == 0)
		key = xprintf("%lld", (long long)id);
	else
		key = xstrdup(param_text(req->body, r->key));
	req->out = resource_get(req->store, r, key);
	free(key);
	req->status = 201;
	return (0);
}

int
resource_edit(struct api_req *req)
{
	struct resource	*r = resource_find(req->arg);
	sqlite3_stmt	*stmt;
	json_t		*row;
	int64_t		 id;
	int		 col, rc;

	row = store_json(req->store, r->sql_row, "t", req->param[0]);
	if (row == NULL)
		return (resource_not_found(r, req->param[0], &req->fail));
	id = store_int(req->store, 0, r->sql_id, "t", req->param[0]);
	if (resource_apply(req->store, r, req->body, row, 0, &req->fail) != 0) {
		json_decref(row);
		return (-1);
	}
	stmt = store_stmt(req->store, r->sql_update);
	col = resource_bind(r, stmt, row);
	sqlite3_bind_int64(stmt, col++, store_now(req->store));
	sqlite3_bind_int64(stmt, col, id);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	json_decref(row);
	if (rc != SQLITE_DONE)
		return (store_fail(req->store, &req->fail));
	req->out = resource_get(req->store, r, req->param[0]);
	return (0);
}

int
resource_remove(struct api_req *req)
{
	struct resource	*r = resource_find(req->arg);
	int64_t		 id, n;

	id = store_int(req->store, 0, r->sql_id, "t", req->param[0]);
	if (id == 0)
		return (resource_not_found(r, req->param[0], &req->fail));

	if (strcmp(r->table, "participant") == 0) {
		if (registration_anonymise(req->store, id,
		    &req->fail) != 0)
			return (-1);
		req->out = json_pack("{s:I}", "deleted", (json_int_t)id);
		return (0);
	}

	if (strcmp(r->table, "instructor") == 0)
		n = store_int(req->store, 0, "SELECT count(*) FROM "
		    "session_staff WHERE instructor_id = ?", "i", id);
	else if (strcmp(r->table, "venue") == 0)
		n = store_int(req->store, 0, "SELECT count(*) FROM session "
		    "WHERE venue_id = ?", "i", id);
	else
		n = store_int(req->store, 0, "SELECT count(*) FROM session "
		    "WHERE course_id = ?", "i", id);
	if (n > 0)
		return (fail_set(&req->fail, 409, r->key, "%s \"%s\" is used "
		    "by %lld session%s; it cannot be removed", r->what,
		    req->param[0], (long long)n, n == 1 ? "" : "s"));
	if (store_exec(req->store, &req->fail, r->sql_delete, "i", id) < 0)
		return (-1);
	req->out = json_pack("{s:s}", "deleted", req->param[0]);
	return (0);
}
