/*
 * The kinds of feed, in one table: what a public path names, how its key
 * is looked up, which sessions it shows, whether a patch can follow its
 * changes, and what staff give to get its link. A new kind or filter is
 * a row here (and its documentation and tests).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "feeds.h"

#define ENGLISH	"language = 'en'"

const struct feed_kind feed_kinds[] = {
	{
		.name = "all",
		.title = { "Kurser", "Kurser" },
		.members = FEED_MEMBER_COLS " 0" FEED_SESSION " WHERE"
		    FEED_WINDOW FEED_ORDER,
		.changed = FEED_MEMBER_COLS " 0" FEED_CHANGED FEED_WINDOW
		    FEED_ORDER,
	},
	{
		.name = "venue",
		.argument = "SLUG",
		.complete = "venues",
		.title = { "Kurser", "Kurser" },
		.titled = 1,
		.resolve = "SELECT id, name, 0 FROM venue WHERE slug = ?1",
		.owner = "SELECT id, name, 0 FROM venue WHERE slug = ?1",
		.members = FEED_MEMBER_COLS " 0" FEED_SESSION " WHERE"
		    FEED_WINDOW " AND s.venue_id = ?3" FEED_ORDER,
		.changed = FEED_MEMBER_COLS " 0" FEED_CHANGED FEED_WINDOW
		    " AND s.venue_id = ?3" FEED_ORDER,
	},
	{
		.name = "course",
		.argument = "SLUG",
		.complete = "courses",
		.title = { "Kurser", "Kurser" },
		.titled = 1,
		.resolve = "SELECT id, title, 0 FROM course WHERE slug = ?1",
		.owner = "SELECT id, title, 0 FROM course WHERE slug = ?1",
		.members = FEED_MEMBER_COLS " 0" FEED_SESSION " WHERE"
		    FEED_WINDOW " AND s.course_id = ?3" FEED_ORDER,
		.changed = FEED_MEMBER_COLS " 0" FEED_CHANGED FEED_WINDOW
		    " AND s.course_id = ?3" FEED_ORDER,
	},
	{
		/* What they teach or help at. */
		.name = "instructor",
		.argument = "SLUG",
		.complete = "instructors",
		.flags = FK_TOKEN,
		.title = { "Undervisning", "Undervisning" },
		.titled = 1,
		.resolve = "SELECT id, name, 0 FROM instructor WHERE "
		    "feed_token_hash = ?1",
		.owner = "SELECT id, name, 0 FROM instructor WHERE slug = ?1",
		.token_get = "SELECT feed_token_sealed FROM instructor WHERE "
		    "id = ?1",
		.token_set = "UPDATE instructor SET feed_token_hash = ?1, "
		    "feed_token_sealed = ?2 WHERE id = ?3",
		.members = FEED_MEMBER_COLS " 0" FEED_SESSION " WHERE"
		    FEED_WINDOW " AND s.id IN (SELECT session_id FROM "
		    "session_staff WHERE instructor_id = ?3)" FEED_ORDER,
		.changed = FEED_MEMBER_COLS " 0" FEED_CHANGED FEED_WINDOW
		    " AND EXISTS (SELECT 1 FROM session_staff st WHERE"
		    " st.session_id = s.id AND st.instructor_id = ?3)"
		    FEED_ORDER,
	},
	{
		/* Their sessions, the waitlisted ones marked. */
		.name = "participant",
		.argument = "ID",
		.flags = FK_TOKEN | FK_PERSON,
		.title = { "Mine kurser", "My courses" },
		.resolve = "SELECT id, name, " ENGLISH " FROM participant "
		    "WHERE feed_token_hash = ?1 AND anonymised_at IS NULL",
		.owner = "SELECT id, name, " ENGLISH " FROM participant "
		    "WHERE id = ?1 AND anonymised_at IS NULL",
		.token_get = "SELECT feed_token_sealed FROM participant WHERE "
		    "id = ?1",
		.token_set = "UPDATE participant SET feed_token_hash = ?1, "
		    "feed_token_sealed = ?2 WHERE id = ?3",
		.members = FEED_MEMBER_COLS " r.status = 'waitlisted'"
		    FEED_SESSION " JOIN registration r ON r.session_id = s.id"
		    " AND r.participant_id = ?3 AND r.status != 'cancelled'"
		    " WHERE" FEED_WINDOW FEED_ORDER,
	},
};
const size_t nfeed_kinds = sizeof feed_kinds / sizeof feed_kinds[0];

static const struct feed_kind *
feeds_kind(const char *name)
{
	size_t	 i;

	for (i = 0; i < nfeed_kinds; i++) {
		if (strcmp(feed_kinds[i].name, name) == 0)
			return (&feed_kinds[i]);
	}
	return (NULL);
}

char *
feeds_name(const struct feed_kind *k, const char *owner, int variant)
{
	const char	*title = k->title[(variant & VAR_EN) ? 1 : 0];

	if (k->titled && owner != NULL)
		return (xprintf("%s – %s", title, owner));
	return (xstrdup(title));
}

/*
 * Reads one row of a kind's resolve or owner query: the id, the name and
 * the variant it gives. 0 when found.
 */
static int
feeds_lookup(struct feeds *fs, const struct feed_kind *k, const char *sql,
    const char *key, int64_t id, int64_t *arg, int *variant, char **name)
{
	sqlite3_stmt	*stmt = store_stmt(fs->st, sql);
	int		 found;

	if (key != NULL)
		sqlite3_bind_text(stmt, 1, key, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_int64(stmt, 1, id);
	*variant = 0;
	if ((found = sqlite3_step(stmt) == SQLITE_ROW)) {
		*arg = sqlite3_column_int64(stmt, 0);
		if ((k->flags & FK_PERSON) && sqlite3_column_int(stmt, 2))
			*variant |= VAR_EN;
		if ((k->flags & FK_PERSON) && fs->alarm_minutes > 0)
			*variant |= VAR_ALARM;
		*name = xstrdup(store_col(stmt, 1));
	}
	sqlite3_reset(stmt);
	return (found ? 0 : -1);
}

int
feeds_resolve(struct feeds *fs, const char *path,
    const struct feed_kind **kp, int64_t *arg, int *variant, char **name)
{
	const struct feed_kind	*k;
	const char		*rest;
	char			*kind, *key, *hash = NULL, *owner;
	size_t			 len;
	int			 ret;

	*variant = 0;
	if (strncmp(path, "/feeds/", 7) != 0)
		return (-1);
	path += 7;
	if ((rest = strchr(path, '/')) == NULL) {
		/* A kind of one feed: /feeds/all.ics */
		len = strlen(path);
		if (len <= 4 || strcmp(path + len - 4, ".ics") != 0)
			return (-1);
		kind = xstrndup(path, len - 4);
		k = feeds_kind(kind);
		free(kind);
		if (k == NULL || k->resolve != NULL)
			return (-1);
		*kp = k;
		*arg = 0;
		*name = feeds_name(k, NULL, 0);
		return (0);
	}
	kind = xstrndup(path, rest - path);
	k = feeds_kind(kind);
	free(kind);
	rest++;
	if (k == NULL || k->resolve == NULL)
		return (-1);
	len = strlen(rest);
	if (len <= 4 || strcmp(rest + len - 4, ".ics") != 0 || len > 200)
		return (-1);
	key = xstrndup(rest, len - 4);
	if (k->flags & FK_TOKEN) {
		if (!token_valid(key)) {
			free(key);
			return (-1);
		}
		hash = token_hash(key);
	}
	ret = feeds_lookup(fs, k, k->resolve, hash != NULL ? hash : key, 0,
	    arg, variant, &owner);
	if (ret == 0) {
		*kp = k;
		*name = feeds_name(k, owner, *variant);
		free(owner);
	}
	free(key);
	free(hash);
	return (ret);
}

/* --- the admin side: links and token rotation */

/* The token key is read when first needed: daemons that never publish a
 * personal feed never touch the file. */
static int
feeds_key(struct feeds *fs, struct fail *f)
{
	char	*cause = NULL;

	if (fs->have_key)
		return (0);
	if (token_init(fs->key_file, &cause) != 0) {
		log_warnx("feeds.key_file: %s", cause);
		fail_set(f, 500, NULL, "feeds.key_file: %s", cause);
		free(cause);
		return (-1);
	}
	fs->have_key = 1;
	return (0);
}

/* The person's token, made (and sealed) when they have none or rotate. */
static char *
feeds_token(struct feeds *fs, const struct feed_kind *k, int64_t id,
    int rotate, struct fail *f)
{
	sqlite3_stmt	*stmt;
	char		*token = NULL, *hash, *sealed;

	if (feeds_key(fs, f) != 0)
		return (NULL);
	if (!rotate) {
		stmt = store_stmt(fs->st, k->token_get);
		sqlite3_bind_int64(stmt, 1, id);
		if (sqlite3_step(stmt) == SQLITE_ROW && store_col(stmt, 0) != NULL)
			token = token_open(store_col(stmt, 0));
		sqlite3_reset(stmt);
		if (token != NULL)
			return (token);
		/* None yet, or sealed under a key since replaced: a new one. */
	}
	token = token_new(&hash, &sealed);
	if (store_exec(fs->st, f, k->token_set, "tti", hash, sealed, id) < 0) {
		free(token);
		token = NULL;
	}
	free(hash);
	free(sealed);
	return (token);
}

static json_t *
feeds_link_json(struct feeds *fs, const struct feed_kind *k,
    const char *owner, int variant, const char *path)
{
	char	*https, *webcal, *name = feeds_name(k, owner, variant);
	json_t	*j;

	https = xprintf("%s%s", fs->url, path);
	if (strncmp(https, "https://", 8) == 0)
		webcal = xprintf("webcal://%s", https + 8);
	else if (strncmp(https, "http://", 7) == 0)
		webcal = xprintf("webcal://%s", https + 7);
	else
		webcal = xstrdup(https);
	j = json_pack("{s:s, s:s?, s:s, s:s, s:s, s:b}", "name", name,
	    "owner", owner, "path", path, "url", https, "webcal", webcal,
	    "personal", (k->flags & FK_TOKEN) != 0);
	free(name);
	free(https);
	free(webcal);
	return (j);
}

/* "all, venue SLUG, ...": the kinds, for a refusal. */
static char *
feeds_kind_list(void)
{
	struct buf	 b = BUF_INIT;
	size_t		 i;

	for (i = 0; i < nfeed_kinds; i++)
		buf_addf(&b, "%s%s%s%s", i > 0 ? ", " : "",
		    feed_kinds[i].name, feed_kinds[i].argument != NULL ?
		    " " : "", feed_kinds[i].argument != NULL ?
		    feed_kinds[i].argument : "");
	return (buf_detach(&b, NULL));
}

/*
 * GET /v1/feeds/KIND[/KEY] and POST /v1/KINDs/KEY/rotate-token (the
 * route's argument names the kind): a feed's links, a personal one's
 * token made or, rotating, made anew.
 */
int
feeds_link(struct api_req *req)
{
	struct feeds		*fs = req->feeds;
	const struct feed_kind	*k;
	const char		*kind, *key;
	int			 rotate = req->method == API_POST;
	char			*path, *token = NULL, *name = NULL, *list;
	int64_t			 id = 0, arg;
	int			 variant = 0, at, ret;

	/* The rotate-token routes name the kind; the feeds routes hold it. */
	at = req->arg != NULL ? 0 : 1;
	kind = req->arg != NULL ? req->arg : req->param[0];
	key = req->param[at];
	if ((k = feeds_kind(kind)) == NULL) {
		list = feeds_kind_list();
		ret = fail_set(&req->fail, 404, "kind", "no feed \"%s\"; one "
		    "of: %s", kind, list);
		free(list);
		return (ret);
	}
	if (k->argument == NULL && key != NULL)
		return (fail_set(&req->fail, 404, "kind", "the feed \"%s\" "
		    "takes no argument", k->name));
	if (k->argument != NULL && key == NULL)
		return (fail_set(&req->fail, 404, "kind", "the feed \"%s\" "
		    "takes a %s", k->name, k->argument));
	if (k->argument == NULL) {
		path = xprintf("/feeds/%s.ics", k->name);
		req->out = feeds_link_json(fs, k, NULL, 0, path);
		free(path);
		return (0);
	}
	if (strcmp(k->argument, "ID") == 0) {
		if (param_id(req, at, k->name, &id) != 0)
			return (-1);
		if (feeds_lookup(fs, k, k->owner, NULL, id, &arg, &variant,
		    &name) != 0)
			return (fail_set(&req->fail, 404, k->name, "no %s with "
			    "id %lld", k->name, (long long)id));
	} else if (feeds_lookup(fs, k, k->owner, key, 0, &arg, &variant,
	    &name) != 0)
		return (fail_set(&req->fail, 404, k->name, "no %s \"%s\"",
		    strcmp(k->name, "course") == 0 ? "course type" : k->name,
		    key));
	variant &= VAR_EN;
	if (k->flags & FK_TOKEN) {
		if ((token = feeds_token(fs, k, arg, rotate,
		    &req->fail)) == NULL) {
			free(name);
			return (-1);
		}
		path = xprintf("/feeds/%s/%s.ics", k->name, token);
		explicit_bzero(token, strlen(token));
		free(token);
	} else
		path = xprintf("/feeds/%s/%s.ics", k->name, key);
	req->out = feeds_link_json(fs, k, name, variant, path);
	free(path);
	free(name);
	return (0);
}

/* GET /v1/feeds: the kinds of feed, for kursusctl. */
int
feeds_kinds(struct api_req *req)
{
	const struct feed_kind	*k;
	json_t			*list = json_array();
	size_t			 i;

	if (param_check_query(req, (char *)NULL) != 0) {
		json_decref(list);
		return (-1);
	}
	for (i = 0; i < nfeed_kinds; i++) {
		k = &feed_kinds[i];
		json_array_append_new(list, json_pack("{s:s, s:s?, s:s?, "
		    "s:b}", "kind", k->name, "argument", k->argument,
		    "complete", k->complete, "personal",
		    (k->flags & FK_TOKEN) != 0));
	}
	req->out = json_pack("{s:o}", "kinds", list);
	return (0);
}
