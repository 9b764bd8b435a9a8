#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "kursusctl.h"
#include "utf8.h"

/* How a value is shown to people. */
enum cmd_kind {
	V_TEXT,
	V_INT,
	V_REAL,
	V_BOOL,		/* yes / no */
	V_MINUTES,	/* 90 -> "90 min" */
	V_LOCAL,	/* "2026-12-03T10:00:00+01:00" -> "Thu 2026-12-03 10:00" */
	V_UTC,		/* "2026-12-03T09:00:00Z" -> "2026-12-03 09:00 UTC" */
	V_ROLE,		/* volunteer: "volunteer" / "staff" */
	V_REACH,	/* how staff reach a participant, from several fields */
	V_ADDRESS,	/* "Borgergade 5, 8700 Horsens" from three fields */
	V_PHONETYPE,	/* phone with "(landline)" */
	V_REMINDERS	/* a course's rules: null is the default, "" none */
};

/* One line of a "key: value" block. */
struct cmd_field {
	const char	*key;
	const char	*label;
	int		 kind;
};

/* One column of a list table; a leading '>' in head aligns right. */
struct cmd_column {
	const char	*head;
	const char	*key;
	int		 kind;
};

/*
 * Venues, course types, instructors and participants share the API's shape
 * (list, create, show, edit, delete), so one set of handlers serves them,
 * picked by the command's name from this table.
 */
struct cmd_resource {
	const char		*name;		/* command name */
	const char		*what;		/* for messages */
	const char		*path;		/* "/v1/<path>" */
	int			 by_id;		/* numeric id, not a slug */
	const char		*required[3];	/* options needed to create */
	const struct cmd_column	*columns;
	const struct cmd_field	*fields;
};

#define COLS_END	{ NULL, NULL, 0 }

static const struct cmd_column cmd_venue_columns[] = {
	{ "SLUG", "slug", V_TEXT },
	{ "NAME", "name", V_TEXT },
	{ "ADDRESS", NULL, V_ADDRESS },
	{ ">SEATS", "capacity", V_INT },
	COLS_END
};
static const struct cmd_field cmd_venue_fields[] = {
	{ "id", "id", V_INT },
	{ "slug", "slug", V_TEXT },
	{ "name", "name", V_TEXT },
	{ "address", "address", V_TEXT },
	{ "postcode", "postcode", V_TEXT },
	{ "city", "city", V_TEXT },
	{ "capacity", "seats", V_INT },
	{ "access_notes", "access", V_TEXT },
	{ "equipment_notes", "equipment", V_TEXT },
	{ "contact_name", "contact", V_TEXT },
	{ "contact_phone", "contact phone", V_TEXT },
	{ "contact_public", "contact shown publicly", V_BOOL },
	{ "timezone", "time zone", V_TEXT },
	{ "latitude", "latitude", V_REAL },
	{ "longitude", "longitude", V_REAL },
	{ "created_at", "created", V_UTC },
	{ "updated_at", "updated", V_UTC },
	{ NULL, NULL, 0 }
};

static const struct cmd_column cmd_course_columns[] = {
	{ "SLUG", "slug", V_TEXT },
	{ "TITLE", "title", V_TEXT },
	{ ">DURATION", "duration", V_MINUTES },
	{ ">SEATS", "capacity", V_INT },
	{ ">MIN", "min_participants", V_INT },
	{ "LANG", "language", V_TEXT },
	COLS_END
};
static const struct cmd_field cmd_course_fields[] = {
	{ "id", "id", V_INT },
	{ "slug", "slug", V_TEXT },
	{ "title", "title", V_TEXT },
	{ "description", "description", V_TEXT },
	{ "duration", "duration", V_MINUTES },
	{ "capacity", "seats", V_INT },
	{ "min_participants", "minimum", V_INT },
	{ "bring", "bring", V_TEXT },
	{ "language", "language", V_TEXT },
	{ "reminders", "reminders", V_REMINDERS },
	{ "created_at", "created", V_UTC },
	{ "updated_at", "updated", V_UTC },
	{ NULL, NULL, 0 }
};

static const struct cmd_column cmd_instructor_columns[] = {
	{ "SLUG", "slug", V_TEXT },
	{ "NAME", "name", V_TEXT },
	{ "ROLE", "volunteer", V_ROLE },
	{ "PHONE", "phone", V_TEXT },
	{ "EMAIL", "email", V_TEXT },
	COLS_END
};
static const struct cmd_field cmd_instructor_fields[] = {
	{ "id", "id", V_INT },
	{ "slug", "slug", V_TEXT },
	{ "name", "name", V_TEXT },
	{ "volunteer", "role", V_ROLE },
	{ "phone", "phone", V_TEXT },
	{ "email", "email", V_TEXT },
	{ "created_at", "created", V_UTC },
	{ "updated_at", "updated", V_UTC },
	{ NULL, NULL, 0 }
};

static const struct cmd_column cmd_participant_columns[] = {
	{ ">ID", "id", V_INT },
	{ "NAME", "name", V_TEXT },
	{ "PHONE", "phone", V_PHONETYPE },
	{ "EMAIL", "email", V_TEXT },
	{ "REACH", NULL, V_REACH },
	{ "LANG", "language", V_TEXT },
	COLS_END
};
static const struct cmd_field cmd_participant_fields[] = {
	{ "id", "id", V_INT },
	{ "name", "name", V_TEXT },
	{ "phone", "phone", V_PHONETYPE },
	{ "email", "email", V_TEXT },
	{ NULL, "reach by", V_REACH },
	{ "sms_consent", "SMS consent", V_BOOL },
	{ "email_consent", "e-mail consent", V_BOOL },
	{ "no_contact", "no contact", V_BOOL },
	{ "language", "language", V_TEXT },
	{ "notes", "notes", V_TEXT },
	{ "created_at", "created", V_UTC },
	{ "updated_at", "updated", V_UTC },
	{ NULL, NULL, 0 }
};

static const struct cmd_resource cmd_resources[] = {
	{ "venue", "venue", "venues", 0, { "name", NULL },
	  cmd_venue_columns, cmd_venue_fields },
	{ "course", "course type", "courses", 0, { "title", "duration", NULL },
	  cmd_course_columns, cmd_course_fields },
	{ "instructor", "instructor", "instructors", 0, { "name", NULL },
	  cmd_instructor_columns, cmd_instructor_fields },
	{ "participant", "participant", "participants", 1, { "name", NULL },
	  cmd_participant_columns, cmd_participant_fields },
};

/* The option that sets a body field, for messages ("--min"). */
static const char *
cmd_option_for(const struct cmd_entry *ce, const char *field)
{
	const struct cmd_option	*o;
	size_t			 i;

	for (i = 0; ce->options[i] != NULL; i++)
		for (o = ce->options[i]; o->name != NULL; o++)
			if (strcmp(o->field, field) == 0)
				return (o->name);
	return (field);
}

static const struct cmd_resource *
cmd_resource(struct cmd_ctx *ctx)
{
	size_t	i;

	for (i = 0; i < sizeof cmd_resources / sizeof cmd_resources[0]; i++)
		if (strcmp(cmd_resources[i].name, ctx->entry->name) == 0)
			return (&cmd_resources[i]);
	fatalx("no resource for %s", ctx->entry->name);
}

static void
cmd_print_json(json_t *j)
{
	json_dumpf(j, stdout, JSON_INDENT(2));
	putchar('\n');
}

/* A positional argument that must be a positive id. */
static int
cmd_arg_id(struct cmd_ctx *ctx, int idx, const char *what, long long *id)
{
	const char	*s = ctx->argv[idx];
	char		*end;

	errno = 0;
	*id = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || *id <= 0)
		return (kursusctl_usage_error(ctx->entry, "%s \"%s\": not an "
		    "id (a number)", what, s));
	return (0);
}

/* A positional argument cmd_arg_id() has checked already. */
static long long
cmd_argv_id(struct cmd_ctx *ctx, int idx)
{
	return (strtoll(ctx->argv[idx], NULL, 10));
}

static const char *
cmd_str(json_t *o, const char *key)
{
	return (json_string_value(json_object_get(o, key)));
}

static long long
cmd_int(json_t *o, const char *key)
{
	return (json_integer_value(json_object_get(o, key)));
}

/* Sakamoto's day of week for a proleptic Gregorian date; 0 is Sunday. */
static int
cmd_weekday(int y, int m, int d)
{
	static const int	t[] = { 0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4 };

	if (m < 3)
		y--;
	return ((y + y / 4 - y / 100 + y / 400 + t[m - 1] + d) % 7);
}

static char *
cmd_local_time(const char *s)
{
	static const char	*days[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
				    "Fri", "Sat" };
	int			 y, m, d;
	char			*out;

	/* The daemon already gives the venue's local time; only trim it. */
	if (strlen(s) < 16 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
	    sscanf(s, "%4d-%2d-%2d", &y, &m, &d) != 3 || m < 1 || m > 12)
		return (xstrdup(s));
	xasprintf(&out, "%s %.10s %.5s", days[cmd_weekday(y, m, d)], s,
	    s + 11);
	return (out);
}

static char *
cmd_utc_time(const char *s)
{
	char	*out;

	if (strlen(s) < 16 || s[10] != 'T' || s[strlen(s) - 1] != 'Z')
		return (xstrdup(s));
	xasprintf(&out, "%.10s %.5s UTC", s, s + 11);
	return (out);
}

/* Text join: appends part to *s with sep, skipping empty parts. */
static void
cmd_join(char **s, const char *sep, const char *part)
{
	char	*next;

	if (part == NULL || *part == '\0')
		return;
	if (*s == NULL)
		*s = xstrdup(part);
	else {
		xasprintf(&next, "%s%s%s", *s, sep, part);
		free(*s);
		*s = next;
	}
}

/* Formats obj's key as kind; NULL when there is nothing to show. */
static char *
cmd_format(json_t *obj, const char *key, int kind)
{
	json_t		*v = key != NULL ? json_object_get(obj, key) : NULL;
	char		*s = NULL, *place = NULL;

	switch (kind) {
	case V_REACH:
		if (json_is_true(json_object_get(obj, "no_contact")))
			return (xstrdup("phone or meet (no contact)"));
		if (json_is_true(json_object_get(obj, "sms_consent")))
			cmd_join(&s, ", ", "SMS");
		if (json_is_true(json_object_get(obj, "email_consent")))
			cmd_join(&s, ", ", "e-mail");
		if (s == NULL)
			s = xstrdup("call");
		return (s);
	case V_REMINDERS:
		if (v == NULL || json_is_null(v))
			return (xstrdup("kursusd's default ([reminders] rules)"));
		if (json_is_string(v) && *json_string_value(v) == '\0')
			return (xstrdup("none"));
		break;
	case V_ADDRESS:
		cmd_join(&place, " ", cmd_str(obj, "postcode"));
		cmd_join(&place, " ", cmd_str(obj, "city"));
		cmd_join(&s, ", ", cmd_str(obj, "address"));
		cmd_join(&s, ", ", place);
		free(place);
		return (s);
	}
	if (v == NULL || json_is_null(v))
		return (NULL);
	switch (kind) {
	case V_LOCAL:
		if (json_is_string(v))
			return (cmd_local_time(json_string_value(v)));
		break;
	case V_UTC:
		if (json_is_string(v))
			return (cmd_utc_time(json_string_value(v)));
		break;
	case V_MINUTES:
		if (json_is_integer(v)) {
			xasprintf(&s, "%" JSON_INTEGER_FORMAT " min",
			    json_integer_value(v));
			return (s);
		}
		break;
	case V_BOOL:
		if (json_is_boolean(v))
			return (xstrdup(json_is_true(v) ? "yes" : "no"));
		break;
	case V_ROLE:
		if (json_is_boolean(v))
			return (xstrdup(json_is_true(v) ? "volunteer" :
			    "staff"));
		break;
	case V_PHONETYPE:
		if (json_is_string(v)) {
			if (json_is_string(json_object_get(obj, "phone_type")) &&
			    strcmp(cmd_str(obj, "phone_type"), "landline") ==
			    0)
				xasprintf(&s, "%s (landline)",
				    json_string_value(v));
			else
				s = xstrdup(json_string_value(v));
			return (s);
		}
		break;
	}
	/* Whatever the kind, show what came rather than nothing. */
	if (json_is_string(v))
		return (xstrdup(json_string_value(v)));
	if (json_is_integer(v)) {
		xasprintf(&s, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return (s);
	}
	if (json_is_real(v)) {
		xasprintf(&s, "%.6g", json_real_value(v));
		return (s);
	}
	if (json_is_boolean(v))
		return (xstrdup(json_is_true(v) ? "yes" : "no"));
	return (json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY));
}

static void
cmd_kv(struct table *t, json_t *obj, const char *key, const char *label,
    int kind)
{
	char	*s;

	s = cmd_format(obj, key, kind);
	if (s == NULL)
		table_kv(t, label, NULL);
	else
		table_kv(t, label, "%s", s);
	free(s);
}

static void
cmd_print_fields(json_t *obj, const struct cmd_field *fields)
{
	struct table	*t;

	t = table_kv_new();
	for (; fields->label != NULL; fields++)
		cmd_kv(t, obj, fields->key, fields->label, fields->kind);
	table_print(t, stdout);
	table_free(t);
}

/* A table's column spec "SLUG|NAME|>SEATS" from a column list. */
static struct table *
cmd_table(const struct cmd_column *cols)
{
	struct table	*t;
	char		*spec = NULL;

	for (; cols->head != NULL; cols++)
		cmd_join(&spec, "|", cols->head);
	t = table_new(spec);
	free(spec);
	return (t);
}

/*
 * An empty cell is shown as "-": every row then has the same number of
 * words before a name, which keeps the table readable and lets awk and
 * cut pick columns.
 */
static void
cmd_cell(struct table *t, json_t *obj, const char *key, int kind)
{
	char	*s;

	s = cmd_format(obj, key, kind);
	table_cell(t, "%s", s != NULL && *s != '\0' ? s : "-");
	free(s);
}

static void
cmd_print_list(json_t *arr, const struct cmd_column *cols, const char *none)
{
	const struct cmd_column	*c;
	struct table		*t;
	json_t			*obj;
	size_t			 i;

	if (json_array_size(arr) == 0) {
		printf("%s\n", none);
		return;
	}
	t = cmd_table(cols);
	json_array_foreach(arr, i, obj) {
		table_row(t);
		for (c = cols; c->head != NULL; c++)
			cmd_cell(t, obj, c->key, c->kind);
	}
	table_print(t, stdout);
	table_free(t);
}

/* "/v1/venues/<escaped slug>" and the like. */
static char *
cmd_path(const char *collection, const char *id, const char *tail)
{
	char	*e, *path;

	if (id == NULL) {
		xasprintf(&path, KURSUS_API_PREFIX "/%s", collection);
		return (path);
	}
	e = client_escape(id);
	xasprintf(&path, KURSUS_API_PREFIX "/%s/%s%s", collection, e,
	    tail != NULL ? tail : "");
	free(e);
	return (path);
}

/*
 * Sends method to path with query and body (either may be NULL). Returns 0
 * or the exit code after printing the refusal. With --json the answer is
 * printed here and *answer is NULL, leaving the caller nothing to do;
 * otherwise the caller prints *answer its own way and frees it.
 */
static int
cmd_send(struct cmd_ctx *ctx, const char *method, const char *path,
    json_t *query, json_t *body, json_t **answer)
{
	char	*cause;
	int	 ret;

	ret = client_call(ctx->client, method, path, query, body, answer,
	    &cause);
	if (ret != 0) {
		kursusctl_error("%s", cause);
		free(cause);
		return (ret);
	}
	if (ctx->json) {
		cmd_print_json(*answer);
		json_decref(*answer);
		*answer = NULL;
	}
	return (0);
}

/*
 * cmd_send() to /v1/collection[/id[tail]] with opts as the query string of
 * a GET or the JSON body of anything else (opts may be NULL).
 */
static int
cmd_request(struct cmd_ctx *ctx, const char *method, const char *collection,
    const char *id, const char *tail, json_t *opts, json_t **answer)
{
	char	*path;
	int	 get, ret;

	get = strcmp(method, "GET") == 0;
	path = cmd_path(collection, id, tail);
	ret = cmd_send(ctx, method, path, get ? opts : NULL,
	    get ? NULL : opts, answer);
	free(path);
	return (ret);
}

/*
 * After cmd_send() returned ret and answer: prints the answer with print
 * (unless there is none: a refusal, or --json printed it already) and frees
 * it. Returns ret.
 */
static int
cmd_answer(struct cmd_ctx *ctx, int ret, json_t *answer,
    void (*print)(struct cmd_ctx *, json_t *))
{
	if (ret != 0 || answer == NULL)
		return (ret);
	print(ctx, answer);
	json_decref(answer);
	return (0);
}

/*
 * cmd_request() and cmd_answer(): what most commands do once their
 * arguments are checked. Returns 0 or the exit code.
 */
static int
cmd_call(struct cmd_ctx *ctx, const char *method, const char *collection,
    const char *id, const char *tail, json_t *opts,
    void (*print)(struct cmd_ctx *, json_t *))
{
	json_t	*answer;
	int	 ret;

	ret = cmd_request(ctx, method, collection, id, tail, opts, &answer);
	return (cmd_answer(ctx, ret, answer, print));
}

/*
 * cmd_call() on /v1/collection/<id>tail once the first argument is checked
 * to be an id; what names it in the usage error ("session").
 */
static int
cmd_call_id(struct cmd_ctx *ctx, const char *what, const char *method,
    const char *collection, const char *tail, json_t *opts,
    void (*print)(struct cmd_ctx *, json_t *))
{
	long long	 id;
	int		 ret;

	if ((ret = cmd_arg_id(ctx, 0, what, &id)) != 0)
		return (ret);
	return (cmd_call(ctx, method, collection, ctx->argv[0], tail, opts,
	    print));
}

/*
 * An empty option value on edit ("--email ''") clears the field: the API
 * takes null for absent optional text.
 */
static void
cmd_empty_to_null(json_t *body)
{
	const char	*key;
	json_t		*v;
	void		*tmp;

	json_object_foreach_safe(body, tmp, key, v) {
		if (json_is_string(v) && *json_string_value(v) == '\0')
			json_object_set_new(body, key, json_null());
	}
}

/* Registrations, in the shape each caller needs. */
enum cmd_reg_mode { REG_SESSION, REG_WAITLIST, REG_PARTICIPANT };

static char *
cmd_reg_status(json_t *r)
{
	const char	*status = cmd_str(r, "status");
	char		*s;

	if (status == NULL)
		return (xstrdup("-"));
	if (strcmp(status, "waitlisted") == 0 &&
	    json_is_integer(json_object_get(r, "waitlist_position"))) {
		xasprintf(&s, "waitlisted #%lld",
		    cmd_int(r, "waitlist_position"));
		return (s);
	}
	return (xstrdup(status));
}

static void
cmd_print_registrations(json_t *arr, int mode)
{
	struct table	*t;
	json_t		*r;
	size_t		 i;
	char		*s;

	if (mode == REG_WAITLIST)
		t = table_new(">POS|>NR|>ID|NAME|COMPANION");
	else if (mode == REG_PARTICIPANT)
		t = table_new(">SESSION|>NR|STATUS|COMPANION|ATTENDANCE");
	else
		t = table_new(">NR|>ID|NAME|PHONE|STATUS|COMPANION|"
		    "ATTENDANCE");
	json_array_foreach(arr, i, r) {
		table_row(t);
		if (mode == REG_WAITLIST)
			cmd_cell(t, r, "waitlist_position", V_INT);
		if (mode == REG_PARTICIPANT)
			cmd_cell(t, r, "session_id", V_INT);
		cmd_cell(t, r, "number", V_INT);
		if (mode != REG_PARTICIPANT) {
			cmd_cell(t, r, "participant_id", V_INT);
			cmd_cell(t, r, "participant_name", V_TEXT);
		}
		/*
		 * The desk phones people who get neither SMS nor e-mail; the
		 * number beside the name saves a lookup per person.
		 */
		if (mode == REG_SESSION)
			cmd_cell(t, r, "phone", V_TEXT);
		if (mode != REG_WAITLIST) {
			s = cmd_reg_status(r);
			table_cell(t, "%s", s);
			free(s);
		}
		table_cell(t, "%s", json_is_true(json_object_get(r,
		    "companion")) ? "+1" : "-");
		if (mode != REG_WAITLIST)
			cmd_cell(t, r, "attendance", V_TEXT);
	}
	table_print(t, stdout);
	table_free(t);
}

/* add and edit: the object as the daemon now has it. */
static void
cmd_print_resource(struct cmd_ctx *ctx, json_t *answer)
{
	cmd_print_fields(answer, cmd_resource(ctx)->fields);
}

int
cmd_resource_add(struct cmd_ctx *ctx)
{
	const struct cmd_resource	*res = cmd_resource(ctx);
	json_t				*slug;
	size_t				 i;

	if (!res->by_id) {
		slug = json_object_get(ctx->opts, "slug");
		if (ctx->argc == 1 && slug != NULL &&
		    strcmp(json_string_value(slug), ctx->argv[0]) != 0)
			return (kursusctl_usage_error(ctx->entry, "two slugs "
			    "given: \"%s\" and --slug \"%s\"", ctx->argv[0],
			    json_string_value(slug)));
		if (ctx->argc == 1)
			json_object_set_new(ctx->opts, "slug",
			    json_string(ctx->argv[0]));
		else if (slug == NULL)
			return (kursusctl_usage_error(ctx->entry, "a slug is "
			    "required (as the first argument or --slug)"));
	}
	for (i = 0; res->required[i] != NULL; i++)
		if (json_object_get(ctx->opts, res->required[i]) == NULL)
			return (kursusctl_usage_error(ctx->entry, "--%s is "
			    "required", cmd_option_for(ctx->entry,
			    res->required[i])));

	return (cmd_call(ctx, "POST", res->path, NULL, NULL, ctx->opts,
	    cmd_print_resource));
}

static void
cmd_print_resources(struct cmd_ctx *ctx, json_t *answer)
{
	const struct cmd_resource	*res = cmd_resource(ctx);
	char				*none;

	xasprintf(&none, "No %ss.", res->what);
	cmd_print_list(json_object_get(answer, res->path), res->columns, none);
	free(none);
}

int
cmd_resource_list(struct cmd_ctx *ctx)
{
	return (cmd_call(ctx, "GET", cmd_resource(ctx)->path, NULL, NULL,
	    ctx->opts, cmd_print_resources));
}

/* The object's slug or id argument, checked when it must be a number. */
static int
cmd_resource_arg(struct cmd_ctx *ctx, const struct cmd_resource *res)
{
	long long	id;

	if (res->by_id)
		return (cmd_arg_id(ctx, 0, res->what, &id));
	return (0);
}

static void
cmd_print_resource_show(struct cmd_ctx *ctx, json_t *answer)
{
	json_t	*regs;

	cmd_print_fields(answer, cmd_resource(ctx)->fields);
	regs = json_object_get(answer, "registrations");
	if (json_array_size(regs) > 0) {
		printf("\nRegistrations:\n");
		cmd_print_registrations(regs, REG_PARTICIPANT);
	}
}

int
cmd_resource_show(struct cmd_ctx *ctx)
{
	const struct cmd_resource	*res = cmd_resource(ctx);
	int				 ret;

	if ((ret = cmd_resource_arg(ctx, res)) != 0)
		return (ret);
	return (cmd_call(ctx, "GET", res->path, ctx->argv[0], NULL, NULL,
	    cmd_print_resource_show));
}

int
cmd_resource_edit(struct cmd_ctx *ctx)
{
	const struct cmd_resource	*res = cmd_resource(ctx);
	int				 ret;

	if ((ret = cmd_resource_arg(ctx, res)) != 0)
		return (ret);
	if (json_object_size(ctx->opts) == 0)
		return (kursusctl_usage_error(ctx->entry, "nothing to change; "
		    "give at least one option"));
	cmd_empty_to_null(ctx->opts);
	return (cmd_call(ctx, "PATCH", res->path, ctx->argv[0], NULL,
	    ctx->opts, cmd_print_resource));
}

static void
cmd_print_removed(struct cmd_ctx *ctx, json_t *answer)
{
	const struct cmd_resource	*res = cmd_resource(ctx);

	if (res->by_id)
		printf("Removed %s %s: future registrations cancelled, "
		    "personal data anonymised.\n", res->what, ctx->argv[0]);
	else
		printf("Removed %s \"%s\".\n", res->what, ctx->argv[0]);
}

int
cmd_resource_remove(struct cmd_ctx *ctx)
{
	const struct cmd_resource	*res = cmd_resource(ctx);
	int				 ret;

	if ((ret = cmd_resource_arg(ctx, res)) != 0)
		return (ret);
	return (cmd_call(ctx, "DELETE", res->path, ctx->argv[0], NULL, NULL,
	    cmd_print_removed));
}

/* "scheduled", or "scheduled, UNDER MIN" when go/no-go says so. */
static char *
cmd_session_status(json_t *s)
{
	const char	*status = cmd_str(s, "status"), *gng;
	char		*out;

	gng = cmd_str(s, "go_no_go");
	if (gng != NULL && strcmp(gng, "below-minimum") == 0) {
		xasprintf(&out, "%s, UNDER MIN", status != NULL ? status :
		    "-");
		return (out);
	}
	return (xstrdup(status != NULL ? status : "-"));
}

static void
cmd_print_sessions(json_t *arr)
{
	struct table	*t;
	json_t		*s;
	size_t		 i;
	char		*v;

	if (json_array_size(arr) == 0) {
		printf("No sessions.\n");
		return;
	}
	t = table_new(">ID|START|COURSE|VENUE|>SEATS|>WAIT|STATUS");
	json_array_foreach(arr, i, s) {
		table_row(t);
		cmd_cell(t, s, "id", V_INT);
		cmd_cell(t, s, "start", V_LOCAL);
		cmd_cell(t, s, "course_title", V_TEXT);
		cmd_cell(t, s, "venue_name", V_TEXT);
		table_cell(t, "%lld/%lld", cmd_int(s, "seats_taken"),
		    cmd_int(s, "capacity"));
		cmd_cell(t, s, "waitlisted", V_INT);
		v = cmd_session_status(s);
		table_cell(t, "%s", v);
		free(v);
	}
	table_print(t, stdout);
	table_free(t);
}

/* Instructors or helpers of a session, as "Name (slug), ...". */
static char *
cmd_session_people(json_t *s, const char *role)
{
	json_t		*p;
	size_t		 i;
	const char	*r;
	char		*out = NULL, *one;

	json_array_foreach(json_object_get(s, "instructors"), i, p) {
		r = cmd_str(p, "role");
		if (r == NULL || strcmp(r, role) != 0)
			continue;
		xasprintf(&one, "%s (%s)", cmd_str(p, "name") != NULL ?
		    cmd_str(p, "name") : "?", cmd_str(p, "slug") != NULL ?
		    cmd_str(p, "slug") : "?");
		cmd_join(&out, ", ", one);
		free(one);
	}
	return (out);
}

static void
cmd_print_session(json_t *s)
{
	struct table	*t;
	char		*v;

	t = table_kv_new();
	cmd_kv(t, s, "id", "session", V_INT);
	table_kv(t, "course", "%s (%s)", cmd_str(s, "course_title") != NULL ?
	    cmd_str(s, "course_title") : "-", cmd_str(s, "course") != NULL ?
	    cmd_str(s, "course") : "-");
	table_kv(t, "venue", "%s (%s)", cmd_str(s, "venue_name") != NULL ?
	    cmd_str(s, "venue_name") : "-", cmd_str(s, "venue") != NULL ?
	    cmd_str(s, "venue") : "-");
	cmd_kv(t, s, "start", "start", V_LOCAL);
	cmd_kv(t, s, "end", "end", V_LOCAL);
	cmd_kv(t, s, "timezone", "time zone", V_TEXT);
	v = cmd_session_status(s);
	table_kv(t, "status", "%s", v);
	free(v);
	table_kv(t, "seats", "%lld taken of %lld, %lld free",
	    cmd_int(s, "seats_taken"), cmd_int(s, "capacity"),
	    cmd_int(s, "seats_free"));
	table_kv(t, "registrations", "%lld confirmed, %lld waitlisted",
	    cmd_int(s, "confirmed"), cmd_int(s, "waitlisted"));
	cmd_kv(t, s, "min_participants", "minimum", V_INT);
	v = cmd_session_people(s, "instructor");
	table_kv(t, "instructors", v != NULL ? "%s" : NULL, v);
	free(v);
	v = cmd_session_people(s, "helper");
	table_kv(t, "helpers", v != NULL ? "%s" : NULL, v);
	free(v);
	cmd_kv(t, s, "description", "description", V_TEXT);
	cmd_kv(t, s, "notes", "notes (staff)", V_TEXT);
	cmd_kv(t, s, "series_id", "series", V_INT);
	cmd_kv(t, s, "uid", "uid", V_TEXT);
	cmd_kv(t, s, "sequence", "sequence", V_INT);
	cmd_kv(t, s, "created_at", "created", V_UTC);
	cmd_kv(t, s, "updated_at", "updated", V_UTC);
	table_print(t, stdout);
	table_free(t);
}

static void
cmd_print_scheduled(struct cmd_ctx *ctx, json_t *answer)
{
	json_t		*sessions, *s;
	char		*start;

	sessions = json_object_get(answer, "sessions");
	if (json_array_size(sessions) == 1 &&
	    !json_is_integer(json_object_get(answer, "series_id"))) {
		s = json_array_get(sessions, 0);
		start = cmd_format(s, "start", V_LOCAL);
		printf("Scheduled session %lld: %s, %s at %s.\n",
		    cmd_int(s, "id"), start != NULL ? start : "-",
		    cmd_str(s, "course_title") != NULL ?
		    cmd_str(s, "course_title") : "-",
		    cmd_str(s, "venue_name") != NULL ?
		    cmd_str(s, "venue_name") : "-");
		free(start);
	} else {
		printf("Scheduled series %lld: %zu sessions.\n",
		    cmd_int(answer, "series_id"), json_array_size(sessions));
		cmd_print_sessions(sessions);
	}
}

int
cmd_session_add(struct cmd_ctx *ctx)
{
	return (cmd_call(ctx, "POST", "sessions", NULL, NULL, ctx->opts,
	    cmd_print_scheduled));
}

static void
cmd_print_session_list(struct cmd_ctx *ctx, json_t *answer)
{
	cmd_print_sessions(json_object_get(answer, "sessions"));
}

int
cmd_session_list(struct cmd_ctx *ctx)
{
	return (cmd_call(ctx, "GET", "sessions", NULL, NULL, ctx->opts,
	    cmd_print_session_list));
}

static void
cmd_print_session_edit(struct cmd_ctx *ctx, json_t *answer)
{
	cmd_print_session(answer);
}

int
cmd_session_show(struct cmd_ctx *ctx)
{
	json_t		*answer, *regs;
	long long	 id;
	int		 ret;

	if ((ret = cmd_arg_id(ctx, 0, "session", &id)) != 0)
		return (ret);
	if ((ret = cmd_request(ctx, "GET", "sessions", ctx->argv[0], NULL,
	    NULL, &answer)) != 0 || answer == NULL)
		return (ret);
	cmd_print_session(answer);
	json_decref(answer);

	/* People at the desk want the list of names with the session. */
	if ((ret = cmd_request(ctx, "GET", "sessions", ctx->argv[0],
	    "/registrations", NULL, &answer)) != 0)
		return (ret);
	regs = json_object_get(answer, "registrations");
	if (json_array_size(regs) > 0) {
		printf("\nRegistrations:\n");
		cmd_print_registrations(regs, REG_SESSION);
	} else
		printf("\nNo registrations.\n");
	json_decref(answer);
	return (0);
}

int
cmd_session_edit(struct cmd_ctx *ctx)
{
	long long	 id;
	int		 ret;

	if ((ret = cmd_arg_id(ctx, 0, "session", &id)) != 0)
		return (ret);
	if (json_object_size(ctx->opts) == 0)
		return (kursusctl_usage_error(ctx->entry, "nothing to change; "
		    "give at least one option"));
	if (json_object_get(ctx->opts, "force") != NULL &&
	    json_object_get(ctx->opts, "capacity") == NULL)
		return (kursusctl_usage_error(ctx->entry, "--force goes with "
		    "--capacity"));
	cmd_empty_to_null(ctx->opts);
	return (cmd_call(ctx, "PATCH", "sessions", ctx->argv[0], NULL,
	    ctx->opts, cmd_print_session_edit));
}

/* The sessions a move or cancel changed, after "Moved" or "Cancelled". */
static void
cmd_print_changed(json_t *answer, const char *done)
{
	json_t	*sessions;
	size_t	 n;

	sessions = json_object_get(answer, "sessions");
	n = json_array_size(sessions);
	printf("%s %zu session%s; everyone registered will be told.\n", done,
	    n, n == 1 ? "" : "s");
	cmd_print_sessions(sessions);
}

static void
cmd_print_moved(struct cmd_ctx *ctx, json_t *answer)
{
	cmd_print_changed(answer, "Moved");
}

static void
cmd_print_cancelled(struct cmd_ctx *ctx, json_t *answer)
{
	cmd_print_changed(answer, "Cancelled");
}

/* move and cancel: POST to /v1/sessions/<id>/<action>, list the result. */
int
cmd_session_move(struct cmd_ctx *ctx)
{
	return (cmd_call_id(ctx, "session", "POST", "sessions", "/move",
	    ctx->opts, cmd_print_moved));
}

int
cmd_session_cancel(struct cmd_ctx *ctx)
{
	return (cmd_call_id(ctx, "session", "POST", "sessions", "/cancel",
	    ctx->opts, cmd_print_cancelled));
}

/* "(confirmed), kursist nr. 3000" or "(waitlisted, position 2), ...". */
static void
cmd_print_outcome(json_t *r, const char *who, const char *what,
    long long session)
{
	const char	*status = cmd_str(r, "status");
	const char	*name = cmd_str(r, "participant_name");
	int		 companion;

	companion = json_is_true(json_object_get(r, "companion"));
	printf("%s %s %lld (%s", name != NULL ? name : who, what, session,
	    status != NULL ? status : "?");
	if (status != NULL && strcmp(status, "waitlisted") == 0 &&
	    json_is_integer(json_object_get(r, "waitlist_position")))
		printf(", position %lld", cmd_int(r, "waitlist_position"));
	if (companion)
		printf(", with companion");
	printf(")");
	if (json_is_integer(json_object_get(r, "number")))
		printf(", kursist nr. %lld", cmd_int(r, "number"));
	printf("\n");
}

static void
cmd_print_registered(struct cmd_ctx *ctx, json_t *answer)
{
	if (ctx->argc == 1)
		printf("Created participant %lld.\n",
		    cmd_int(answer, "participant_id"));
	cmd_print_outcome(answer, ctx->argc == 2 ? ctx->argv[1] :
	    "participant", "registered for session", cmd_argv_id(ctx, 0));
}

int
cmd_register(struct cmd_ctx *ctx)
{
	json_t		*body, *person, *companion;
	long long	 session, participant = 0;
	int		 ret;

	if ((ret = cmd_arg_id(ctx, 0, "session", &session)) != 0)
		return (ret);
	if (ctx->argc == 2 &&
	    (ret = cmd_arg_id(ctx, 1, "participant", &participant)) != 0)
		return (ret);

	/* Everything but --companion describes a new participant. */
	person = json_deep_copy(ctx->opts);
	companion = json_object_get(ctx->opts, "companion");
	json_object_del(person, "companion");
	if (ctx->argc == 2 && json_object_size(person) > 0) {
		json_decref(person);
		return (kursusctl_usage_error(ctx->entry, "give a participant "
		    "id or --name and contact details, not both"));
	}
	if (ctx->argc == 1 && json_object_get(person, "name") == NULL) {
		json_decref(person);
		return (kursusctl_usage_error(ctx->entry, "give a participant "
		    "id, or --name to create one"));
	}

	body = json_object();
	if (ctx->argc == 2) {
		json_object_set_new(body, "participant",
		    json_integer(participant));
		json_decref(person);
	} else
		json_object_set_new(body, "participant", person);
	if (companion != NULL)
		json_object_set(body, "companion", companion);

	ret = cmd_call(ctx, "POST", "sessions", ctx->argv[0],
	    "/registrations", body, cmd_print_registered);
	json_decref(body);
	return (ret);
}

static void
cmd_print_unregistered(struct cmd_ctx *ctx, json_t *answer)
{
	json_t		*r, *cancelled;
	long long	 session, participant;
	const char	*name;
	size_t		 i;

	session = cmd_argv_id(ctx, 0);
	participant = cmd_argv_id(ctx, 1);
	cancelled = json_object_get(answer, "cancelled");
	name = cmd_str(cancelled, "participant_name");
	if (name != NULL)
		printf("%s unregistered from session %lld.\n", name, session);
	else
		printf("Participant %lld unregistered from session %lld.\n",
		    participant, session);
	json_array_foreach(json_object_get(answer, "promoted"), i, r)
		cmd_print_outcome(r, "someone", "moved up from the waitlist "
		    "for session", session);
}

int
cmd_unregister(struct cmd_ctx *ctx)
{
	long long	 session, participant;
	char		*tail;
	int		 ret;

	if ((ret = cmd_arg_id(ctx, 0, "session", &session)) != 0 ||
	    (ret = cmd_arg_id(ctx, 1, "participant", &participant)) != 0)
		return (ret);
	xasprintf(&tail, "/registrations/%lld", participant);
	ret = cmd_call(ctx, "DELETE", "sessions", ctx->argv[0], tail, NULL,
	    cmd_print_unregistered);
	free(tail);
	return (ret);
}

static void
cmd_print_session_regs(json_t *answer, long long session, int mode)
{
	json_t	*regs;

	regs = json_object_get(answer, "registrations");
	if (json_array_size(regs) == 0 && mode == REG_WAITLIST)
		printf("No one is waiting for session %lld.\n", session);
	else if (json_array_size(regs) == 0)
		printf("No registrations for session %lld.\n", session);
	else
		cmd_print_registrations(regs, mode);
}

static void
cmd_print_registration_list(struct cmd_ctx *ctx, json_t *answer)
{
	cmd_print_session_regs(answer, cmd_argv_id(ctx, 0), REG_SESSION);
}

static void
cmd_print_waitlist(struct cmd_ctx *ctx, json_t *answer)
{
	cmd_print_session_regs(answer, cmd_argv_id(ctx, 0), REG_WAITLIST);
}

int
cmd_registrations(struct cmd_ctx *ctx)
{
	return (cmd_call_id(ctx, "session", "GET", "sessions",
	    "/registrations", ctx->opts, cmd_print_registration_list));
}

int
cmd_waitlist(struct cmd_ctx *ctx)
{
	return (cmd_call_id(ctx, "session", "GET", "sessions", "/waitlist",
	    ctx->opts, cmd_print_waitlist));
}

static void
cmd_print_attendance(struct cmd_ctx *ctx, json_t *answer)
{
	json_t		*regs, *r;
	long long	 session, attended = 0, noshow = 0;
	const char	*a;
	size_t		 i;

	session = cmd_argv_id(ctx, 0);
	regs = json_object_get(answer, "registrations");
	json_array_foreach(regs, i, r) {
		if ((a = cmd_str(r, "attendance")) == NULL)
			continue;
		if (strcmp(a, "attended") == 0)
			attended++;
		else if (strcmp(a, "no-show") == 0)
			noshow++;
	}
	printf("Session %lld: %lld attended, %lld no-show, %lld not "
	    "recorded.\n", session, attended, noshow,
	    (long long)json_array_size(regs) - attended - noshow);
	if (json_array_size(regs) > 0)
		cmd_print_registrations(regs, REG_SESSION);
}

int
cmd_attendance(struct cmd_ctx *ctx)
{
	long long	 session;
	int		 ret;

	if ((ret = cmd_arg_id(ctx, 0, "session", &session)) != 0)
		return (ret);
	if (json_object_size(ctx->opts) == 0)
		return (kursusctl_usage_error(ctx->entry, "give --present, "
		    "--absent or both"));
	return (cmd_call(ctx, "POST", "sessions", ctx->argv[0],
	    "/attendance", ctx->opts, cmd_print_attendance));
}

static char *
cmd_rate(json_t *obj)
{
	json_t	*v = json_object_get(obj, "attendance_rate");
	char	*s;

	if (!json_is_number(v))
		return (xstrdup("-"));
	xasprintf(&s, "%.1f %%", json_number_value(v) * 100.0);
	return (s);
}

static void
cmd_print_breakdown(const char *title, const char *head, json_t *arr)
{
	struct table	*t;
	json_t		*row;
	size_t		 i;
	char		*spec, *rate;

	if (json_array_size(arr) == 0)
		return;
	printf("\n%s\n", title);
	xasprintf(&spec, "%s|>SESSIONS|>REGISTRATIONS|>ATTENDED|>NO-SHOW|"
	    ">RATE", head);
	t = table_new(spec);
	free(spec);
	json_array_foreach(arr, i, row) {
		table_row(t);
		cmd_cell(t, row, cmd_str(row, "name") != NULL ? "name" : "key",
		    V_TEXT);
		cmd_cell(t, row, "sessions", V_INT);
		cmd_cell(t, row, "registrations", V_INT);
		cmd_cell(t, row, "attended", V_INT);
		cmd_cell(t, row, "no_show", V_INT);
		rate = cmd_rate(row);
		table_cell(t, "%s", rate);
		free(rate);
	}
	table_print(t, stdout);
	table_free(t);
}

static void
cmd_print_stats(struct cmd_ctx *ctx, json_t *answer)
{
	struct table	*t;
	char		*rate;

	t = table_kv_new();
	cmd_kv(t, answer, "sessions", "sessions", V_INT);
	cmd_kv(t, answer, "registrations", "registrations", V_INT);
	cmd_kv(t, answer, "participants", "participants", V_INT);
	cmd_kv(t, answer, "attended", "attended", V_INT);
	cmd_kv(t, answer, "no_show", "no-show", V_INT);
	rate = cmd_rate(answer);
	table_kv(t, "attendance rate", "%s", rate);
	free(rate);
	cmd_kv(t, answer, "next_number", "next number", V_INT);
	if (json_is_integer(json_object_get(answer, "next_milestone")))
		table_kv(t, "next milestone", "kursist nr. %lld (%lld to go)",
		    cmd_int(answer, "next_milestone"),
		    cmd_int(answer, "to_milestone"));
	table_print(t, stdout);
	table_free(t);
	cmd_print_breakdown("By course:", "COURSE",
	    json_object_get(answer, "by_course"));
	cmd_print_breakdown("By venue:", "VENUE",
	    json_object_get(answer, "by_venue"));
	cmd_print_breakdown("By month:", "MONTH",
	    json_object_get(answer, "by_month"));
}

int
cmd_stats(struct cmd_ctx *ctx)
{
	return (cmd_call(ctx, "GET", "stats", NULL, NULL, ctx->opts,
	    cmd_print_stats));
}

static char *
cmd_uptime(long long s)
{
	char	*out;

	if (s >= 86400)
		xasprintf(&out, "%lldd %lldh %lldm", s / 86400,
		    (s % 86400) / 3600, (s % 3600) / 60);
	else if (s >= 3600)
		xasprintf(&out, "%lldh %lldm", s / 3600, (s % 3600) / 60);
	else if (s >= 60)
		xasprintf(&out, "%lldm %llds", s / 60, s % 60);
	else
		xasprintf(&out, "%llds", s);
	return (out);
}

static char *
cmd_size(long long n)
{
	char	*out;

	if (n >= 1024LL * 1024 * 1024)
		xasprintf(&out, "%.1f GiB", n / (1024.0 * 1024 * 1024));
	else if (n >= 1024 * 1024)
		xasprintf(&out, "%.1f MiB", n / (1024.0 * 1024));
	else if (n >= 1024)
		xasprintf(&out, "%.1f KiB", n / 1024.0);
	else
		xasprintf(&out, "%lld bytes", n);
	return (out);
}

/* The outbox line of `status`: "3 pending, 0 sending, 1 failed; next
 * due ...". Nothing when the daemon does not say. */
static void
cmd_status_outbox(struct table *t, json_t *o)
{
	char	*due;

	if (!json_is_object(o))
		return;
	due = cmd_str(o, "next_due") != NULL ? cmd_utc_time(cmd_str(o,
	    "next_due")) : NULL;
	table_kv(t, "outbox", "%lld pending, %lld sending, %lld failed%s%s",
	    cmd_int(o, "pending"), cmd_int(o, "sending"), cmd_int(o, "failed"),
	    due != NULL ? "; next due " : "", due != NULL ? due : "");
	free(due);
}

/* Whether the SMTP server or SMS gateway answers, as the daemon last
 * found out. */
static void
cmd_status_sender(struct table *t, const char *label, json_t *s)
{
	const char	*state, *server, *error;
	char		*when = NULL, *text = NULL, *part;

	if (!json_is_object(s))
		return;
	state = cmd_str(s, "state");
	server = cmd_str(s, "server");
	error = cmd_str(s, "error");
	if (json_is_false(json_object_get(s, "configured")) ||
	    (state != NULL && strcmp(state, "not configured") == 0)) {
		table_kv(t, label, "not configured");
		return;
	}
	cmd_join(&text, " ", state != NULL ? state : "unknown");
	if (server != NULL) {
		xasprintf(&part, "(%s)", server);
		cmd_join(&text, " ", part);
		free(part);
	}
	if (error != NULL) {
		xasprintf(&part, "- %s", error);
		cmd_join(&text, " ", part);
		free(part);
	}
	if (cmd_str(s, "checked_at") != NULL) {
		when = cmd_utc_time(cmd_str(s, "checked_at"));
		xasprintf(&part, "- checked %s", when);
		cmd_join(&text, " ", part);
		free(part);
		free(when);
	}
	table_kv(t, label, "%s", text);
	free(text);
}

static void
cmd_print_status(struct cmd_ctx *ctx, json_t *answer)
{
	struct table	*t;
	json_t		*db, *v, *senders;
	const char	*key;
	char		*s, *label, *p;

	t = table_kv_new();
	table_kv(t, "version", "kursusd %s (admin API %lld)",
	    cmd_str(answer, "version") != NULL ? cmd_str(answer, "version") :
	    "?", cmd_int(answer, "api_version"));
	table_kv(t, "admin", "%s", client_where(ctx->client));
	s = cmd_uptime(cmd_int(answer, "uptime"));
	if (cmd_str(answer, "started_at") != NULL) {
		p = cmd_utc_time(cmd_str(answer, "started_at"));
		table_kv(t, "uptime", "%s (since %s)", s, p);
		free(p);
	} else
		table_kv(t, "uptime", "%s", s);
	free(s);
	db = json_object_get(answer, "database");
	cmd_kv(t, db, "path", "database", V_TEXT);
	s = cmd_size(cmd_int(db, "size"));
	table_kv(t, "database size", "%s", s);
	free(s);
	cmd_kv(t, db, "schema_version", "schema version", V_INT);
	/* Counts are listed as they come, so new ones show up unasked. */
	json_object_foreach(json_object_get(answer, "counts"), key, v) {
		label = xstrdup(key);
		for (p = label; *p != '\0'; p++)
			if (*p == '_')
				*p = ' ';
		cmd_kv(t, json_object_get(answer, "counts"), key, label,
		    V_INT);
		free(label);
	}
	cmd_status_outbox(t, json_object_get(answer, "outbox"));
	senders = json_object_get(answer, "senders");
	cmd_status_sender(t, "e-mail (SMTP)", json_object_get(senders,
	    "email"));
	cmd_status_sender(t, "SMS gateway", json_object_get(senders, "sms"));
	table_print(t, stdout);
	table_free(t);
}

int
cmd_status(struct cmd_ctx *ctx)
{
	return (cmd_call(ctx, "GET", "status", NULL, NULL, NULL,
	    cmd_print_status));
}

static void
cmd_print_settings(struct cmd_ctx *ctx, json_t *answer)
{
	struct table	*t;

	t = table_kv_new();
	cmd_kv(t, answer, "number_start", "number start", V_INT);
	cmd_kv(t, answer, "next_number", "next number", V_INT);
	table_print(t, stdout);
	table_free(t);
}

int
cmd_settings(struct cmd_ctx *ctx)
{
	/* No options: show the settings; any option: change them. */
	if (json_object_size(ctx->opts) == 0)
		return (cmd_call(ctx, "GET", "settings", NULL, NULL, NULL,
		    cmd_print_settings));
	return (cmd_call(ctx, "PATCH", "settings", NULL, NULL, ctx->opts,
	    cmd_print_settings));
}

void
cmd_complete_slugs(struct client *c, int kind)
{
	const char	*what;
	json_t		*answer, *o;
	char		*cause, *path;
	size_t		 i;

	switch (kind) {
	case CMPL_VENUE:
		what = "venues";
		break;
	case CMPL_COURSE:
		what = "courses";
		break;
	case CMPL_INSTRUCTOR:
		what = "instructors";
		break;
	default:
		return;
	}
	path = cmd_path(what, NULL, NULL);
	/* A daemon that is down simply completes nothing. */
	if (client_call(c, "GET", path, NULL, NULL, &answer, &cause) != 0) {
		free(cause);
		free(path);
		return;
	}
	free(path);
	json_array_foreach(json_object_get(answer, what), i, o)
		if (cmd_str(o, "slug") != NULL)
			printf("%s\n", cmd_str(o, "slug"));
	json_decref(answer);
}

/* --- calendars: feed links, token rotation, export and import */

/* The feeds `kursusctl feeds` knows, named as in /v1/feeds/<kind>. */
static const struct cmd_feed {
	const char	*kind;
	const char	*arg;		/* "SLUG", "ID", or NULL for none */
	int		 complete;	/* what the argument completes with */
	int		 personal;	/* a person's own link, not to share */
} cmd_feeds_known[] = {
	{ "all", NULL, CMPL_NONE, 0 },
	{ "venue", "SLUG", CMPL_VENUE, 0 },
	{ "course", "SLUG", CMPL_COURSE, 0 },
	{ "instructor", "SLUG", CMPL_INSTRUCTOR, 1 },
	{ "participant", "ID", CMPL_NONE, 1 },
};
#define CMD_NFEEDS	(sizeof cmd_feeds_known / sizeof cmd_feeds_known[0])

static const struct cmd_feed *
cmd_feed_find(const char *kind)
{
	size_t	i;

	for (i = 0; kind != NULL && i < CMD_NFEEDS; i++)
		if (strcmp(cmd_feeds_known[i].kind, kind) == 0)
			return (&cmd_feeds_known[i]);
	return (NULL);
}

int
cmd_complete_feed(int npos, const char *kind)
{
	const struct cmd_feed	*f;
	size_t			 i;

	if (npos == 0) {
		for (i = 0; i < CMD_NFEEDS; i++)
			printf("%s\n", cmd_feeds_known[i].kind);
		return (CMPL_NONE);
	}
	if (npos == 1 && (f = cmd_feed_find(kind)) != NULL)
		return (f->complete);
	return (CMPL_NONE);
}

/* "http" or "https": how the link starts, so the hints name it. */
static char *
cmd_scheme(const char *url)
{
	const char	*p;

	if (url != NULL && (p = strstr(url, "://")) != NULL && p > url &&
	    p - url < 16)
		return (xstrndup(url, p - url));
	return (xstrdup("link"));
}

/*
 * A feed's links and, in Danish because staff read them out to the people
 * who subscribe, one line for each calendar app on how to do it.
 */
static void
cmd_print_feed(json_t *link, int personal)
{
	struct table	*t;
	char		*scheme;

	scheme = cmd_scheme(cmd_str(link, "url"));
	t = table_kv_new();
	cmd_kv(t, link, "name", "feed", V_TEXT);
	cmd_kv(t, link, "url", scheme, V_TEXT);
	cmd_kv(t, link, "webcal", "webcal", V_TEXT);
	table_print(t, stdout);
	table_free(t);

	printf("\nSådan abonnerer man på kalenderen:\n");
	printf("  Google Kalender (på computer): Andre kalendere → + → Fra "
	    "webadresse, indsæt %s-linket.\n", scheme);
	printf("  Outlook: Tilføj kalender → Abonner fra internettet, indsæt "
	    "%s-linket.\n", scheme);
	printf("  Apple Kalender: På Mac: Arkiv → Nyt kalenderabonnement, "
	    "indsæt webcal-linket. På iPhone/iPad: åbn webcal-linket.\n");
	if (personal)
		printf("  Linket er personligt: giv det ikke til andre.\n");
	free(scheme);
}

/* The kind of feed a feeds command asks for: its first argument, or all. */
static const char *
cmd_feed_kind(struct cmd_ctx *ctx)
{
	return (ctx->argc > 0 ? ctx->argv[0] : "all");
}

static void
cmd_print_feed_answer(struct cmd_ctx *ctx, json_t *answer)
{
	cmd_print_feed(answer, cmd_feed_find(cmd_feed_kind(ctx))->personal);
}

int
cmd_feeds(struct cmd_ctx *ctx)
{
	const struct cmd_feed	*f;
	const char		*kind = cmd_feed_kind(ctx);
	long long		 id;
	char			*collection, *names = NULL, *one;
	size_t			 i;
	int			 ret;

	if ((f = cmd_feed_find(kind)) == NULL) {
		for (i = 0; i < CMD_NFEEDS; i++) {
			f = &cmd_feeds_known[i];
			xasprintf(&one, "%s%s%s", f->kind, f->arg != NULL ?
			    " " : "", f->arg != NULL ? f->arg : "");
			cmd_join(&names, ", ", one);
			free(one);
		}
		ret = kursusctl_usage_error(ctx->entry, "unknown feed \"%s\"; "
		    "one of: %s", kind, names);
		free(names);
		return (ret);
	}
	if (f->arg == NULL && ctx->argc > 1)
		return (kursusctl_usage_error(ctx->entry, "unexpected argument "
		    "\"%s\"", ctx->argv[1]));
	if (f->arg != NULL && ctx->argc < 2)
		return (kursusctl_usage_error(ctx->entry, "missing %s after "
		    "\"%s\"", f->arg, f->kind));
	if (f->arg != NULL && strcmp(f->arg, "ID") == 0 &&
	    (ret = cmd_arg_id(ctx, 1, f->kind, &id)) != 0)
		return (ret);

	xasprintf(&collection, "feeds/%s", f->kind);
	ret = cmd_call(ctx, "GET", collection, f->arg != NULL ?
	    ctx->argv[1] : NULL, NULL, NULL, cmd_print_feed_answer);
	free(collection);
	return (ret);
}

static void
cmd_print_rotated(struct cmd_ctx *ctx, json_t *answer)
{
	printf("New personal calendar link for %s %s.\n",
	    cmd_resource(ctx)->what, ctx->argv[0]);
	printf("The old link no longer works: calendars subscribed to it stop "
	    "updating until they subscribe to this one.\n\n");
	cmd_print_feed(answer, 1);
}

int
cmd_rotate_token(struct cmd_ctx *ctx)
{
	const struct cmd_resource	*res = cmd_resource(ctx);
	int				 ret;

	if ((ret = cmd_resource_arg(ctx, res)) != 0)
		return (ret);
	return (cmd_call(ctx, "POST", res->path, ctx->argv[0],
	    "/rotate-token", ctx->opts, cmd_print_rotated));
}

/* Whether path names standard input or output. */
static int
cmd_is_stdio(const char *path)
{
	return (strcmp(path, "-") == 0);
}

/*
 * Writes len bytes to path through a temporary file beside it, renamed
 * over path once complete, so a reader never sees half a calendar and a
 * failure leaves the old file as it was. Returns 0, or -1 with *cause.
 */
static int
cmd_write_file(const char *path, const char *data, size_t len, char **cause)
{
	struct stat	 sb;
	char		*tmp;
	const char	*what = "write";
	size_t		 done = 0;
	ssize_t		 n;
	mode_t		 mode;
	int		 fd, saved;

	xasprintf(&tmp, "%s.XXXXXX", path);
	if ((fd = mkstemp(tmp)) == -1) {
		xasprintf(cause, "cannot write %s: %s", path, strerror(errno));
		free(tmp);
		return (-1);
	}
	/*
	 * The permissions a shell's "> FILE" would leave, not mkstemp's 0600:
	 * those of the file replaced, else 0666 less the umask.
	 */
	if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode))
		mode = sb.st_mode & 07777;
	else {
		mode = umask(0);
		umask(mode);
		mode = 0666 & ~mode;
	}
	if (fchmod(fd, mode) != 0)
		goto fail;
	while (done < len) {
		n = write(fd, data + done, len - done);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			goto fail;
		done += n;
	}
	what = "sync";
	if (fsync(fd) != 0)
		goto fail;
	what = "close";
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	what = "rename the new file to";
	if (rename(tmp, path) != 0)
		goto fail;
	free(tmp);
	return (0);

fail:
	saved = errno;
	if (fd != -1)
		close(fd);
	unlink(tmp);
	xasprintf(cause, "cannot %s %s: %s", what, path, strerror(saved));
	free(tmp);
	return (-1);
}

int
cmd_export(struct cmd_ctx *ctx)
{
	json_t		*query, *answer, *calendar;
	const char	*output;
	char		*cause;
	long long	 events;
	int		 ret;

	output = cmd_str(ctx->opts, "output");
	if (output != NULL && *output == '\0')
		return (kursusctl_usage_error(ctx->entry, "--output needs a "
		    "file name (or - for standard output)"));
	if (output != NULL && ctx->json && !cmd_is_stdio(output))
		return (kursusctl_usage_error(ctx->entry, "--json and --output "
		    "cannot be used together"));
	/* --output is ours; the rest are the daemon's filters. */
	query = json_copy(ctx->opts);
	json_object_del(query, "output");
	ret = cmd_request(ctx, "GET", "export", NULL, NULL, query, &answer);
	json_decref(query);
	if (ret != 0 || answer == NULL)
		return (ret);

	calendar = json_object_get(answer, "calendar");
	if (!json_is_string(calendar)) {
		json_decref(answer);
		kursusctl_error("kursusd at %s sent no calendar text",
		    client_where(ctx->client));
		return (KCTL_EXIT_PROTOCOL);
	}
	/* The calendar byte for byte: nothing added, nothing taken away. */
	if (output == NULL || cmd_is_stdio(output)) {
		fwrite(json_string_value(calendar), 1,
		    json_string_length(calendar), stdout);
		json_decref(answer);
		return (0);
	}
	if (cmd_write_file(output, json_string_value(calendar),
	    json_string_length(calendar), &cause) != 0) {
		json_decref(answer);
		kursusctl_error("%s", cause);
		free(cause);
		return (KCTL_EXIT_CANTCREAT);
	}
	events = cmd_int(answer, "events");
	fprintf(stderr, "Wrote %lld session%s to %s\n", events,
	    events == 1 ? "" : "s", output);
	json_decref(answer);
	return (0);
}

/*
 * RFC 5545 folds long lines by octets, and Outlook folds inside a UTF-8
 * character; unfolding makes it whole again. Such a fold is moved before
 * the character instead, so the text becomes valid UTF-8 (for the JSON
 * that carries it), means the same once unfolded, and keeps its line
 * numbers, which the daemon's refusals name.
 */
static void
cmd_mend_folds(unsigned char *s, size_t len)
{
	unsigned char	 tmp[3];
	size_t		 i, m, start, k, need;

	for (i = 1; i < len; i++) {
		if (s[i] == '\r' && i + 2 < len && s[i + 1] == '\n' &&
		    (s[i + 2] == ' ' || s[i + 2] == '\t'))
			m = 3;
		else if (s[i] == '\n' && i + 1 < len && s[i - 1] != '\r' &&
		    (s[i + 1] == ' ' || s[i + 1] == '\t'))
			m = 2;
		else
			continue;
		/* The character the fold interrupts: its lead byte. */
		start = i;
		while (start > 0 && i - start < 3 && (s[start - 1] & 0xc0) == 0x80)
			start--;
		if (start == 0 || s[start - 1] < 0xc2 || s[start - 1] > 0xf4)
			continue;
		start--;
		k = i - start;
		need = s[start] >= 0xf0 ? 4 : s[start] >= 0xe0 ? 3 : 2;
		if (k >= need)
			continue;
		memcpy(tmp, s + start, k);
		memmove(s + start, s + i, m);
		memcpy(s + start + m, tmp, k);
		i = start + m + k - 1;
	}
}

/* The 1-based line of byte offset off. */
static size_t
cmd_line_of(const char *s, size_t off)
{
	size_t	i, line = 1;

	for (i = 0; i < off; i++)
		if (s[i] == '\n')
			line++;
	return (line);
}

/*
 * "FILE is N bytes, more than ..." in one line; size NULL: not known, only
 * that it is too large. how says what the size is of.
 */
static void
cmd_too_large(const char *name, const char *size, const char *how)
{
	char	*limit;

	limit = cmd_size(KURSUS_API_MAX_CALENDAR);
	if (size != NULL)
		kursusctl_error("%s is %s%s, more than the %d bytes (%s) "
		    "kursusd imports at a time: split the calendar into "
		    "shorter periods", name, size, how, KURSUS_API_MAX_CALENDAR,
		    limit);
	else
		kursusctl_error("%s holds more than the %d bytes (%s) kursusd "
		    "imports at a time: split the calendar into shorter "
		    "periods", name, KURSUS_API_MAX_CALENDAR, limit);
	free(limit);
}

/*
 * Reads the calendar file to import: whole, at most KURSUS_API_MAX_CALENDAR
 * bytes, and UTF-8 text. Returns 0, or an exit code after saying why not.
 */
static int
cmd_read_calendar(const char *path, char **data, size_t *len)
{
	const char	*name = cmd_is_stdio(path) ? "standard input" : path;
	struct stat	 sb;
	char		*buf, *size;
	size_t		 have = 0, bad;
	ssize_t		 n = 0;
	int		 fd, saved;

	*data = NULL;
	*len = 0;
	if (cmd_is_stdio(path))
		fd = STDIN_FILENO;
	else if ((fd = open(path, O_RDONLY)) == -1) {
		kursusctl_error("cannot read %s: %s", path, strerror(errno));
		return (KCTL_EXIT_NOINPUT);
	}
	if (fstat(fd, &sb) != 0)
		saved = errno;
	else
		saved = S_ISDIR(sb.st_mode) ? EISDIR : 0;
	if (saved != 0) {
		kursusctl_error("cannot read %s: %s", name, strerror(saved));
		if (fd != STDIN_FILENO)
			close(fd);
		return (KCTL_EXIT_NOINPUT);
	}
	/* A regular file's size tells before reading; a pipe's does not. */
	if (S_ISREG(sb.st_mode) && sb.st_size > KURSUS_API_MAX_CALENDAR) {
		xasprintf(&size, "%lld bytes", (long long)sb.st_size);
		cmd_too_large(name, size, "");
		free(size);
		if (fd != STDIN_FILENO)
			close(fd);
		return (KCTL_EXIT_DATAERR);
	}

	/* One byte more than allowed tells a file that is too large. */
	buf = xmalloc(KURSUS_API_MAX_CALENDAR + 2);
	while (have <= KURSUS_API_MAX_CALENDAR) {
		n = read(fd, buf + have, KURSUS_API_MAX_CALENDAR + 1 - have);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += n;
	}
	saved = errno;
	if (fd != STDIN_FILENO)
		close(fd);
	if (n == -1) {
		kursusctl_error("cannot read %s: %s", name, strerror(saved));
		free(buf);
		return (KCTL_EXIT_NOINPUT);
	}
	buf[have] = '\0';
	if (have > KURSUS_API_MAX_CALENDAR) {
		cmd_too_large(name, NULL, "");
		free(buf);
		return (KCTL_EXIT_DATAERR);
	}
	if (have == 0) {
		kursusctl_error("%s is empty, not a calendar", name);
		free(buf);
		return (KCTL_EXIT_DATAERR);
	}

	if (have >= 2 && ((buf[0] == '\xff' && buf[1] == '\xfe') ||
	    (buf[0] == '\xfe' && buf[1] == '\xff'))) {
		kursusctl_error("%s is UTF-16 text; save or convert it as "
		    "UTF-8 (e.g. iconv -f UTF-16 -t UTF-8) and try again", name);
		free(buf);
		return (KCTL_EXIT_DATAERR);
	}
	if ((bad = strlen(buf)) < have) {
		kursusctl_error("%s is not a text file: a NUL byte at byte "
		    "offset %zu (line %zu)", name, bad, cmd_line_of(buf, bad));
		free(buf);
		return (KCTL_EXIT_DATAERR);
	}
	cmd_mend_folds((unsigned char *)buf, have);
	if ((bad = utf8_first_bad((unsigned char *)buf, have)) < have) {
		kursusctl_error("%s is not valid UTF-8: byte 0x%02X at byte "
		    "offset %zu (line %zu); save it as UTF-8 and try again",
		    name, (unsigned char)buf[bad], bad, cmd_line_of(buf, bad));
		free(buf);
		return (KCTL_EXIT_DATAERR);
	}
	*data = buf;
	*len = have;
	return (0);
}

static void
cmd_print_import(json_t *answer, const char *path)
{
	struct table	*t;
	json_t		*created, *updated, *skipped, *s;
	size_t		 i, k;
	int		 dry;
	char		*v;
	const char	*name = cmd_is_stdio(path) ? "standard input" : path;

	dry = json_is_true(json_object_get(answer, "dry_run"));
	created = json_object_get(answer, "created");
	updated = json_object_get(answer, "updated");
	skipped = json_object_get(answer, "skipped");

	if (dry)
		printf("Dry run of %s: nothing was written. The import would "
		    "give:\n\n", name);
	else
		printf("Imported %s:\n\n", name);
	t = table_kv_new();
	table_kv(t, "created", "%zu", json_array_size(created));
	table_kv(t, "updated", "%zu", json_array_size(updated));
	table_kv(t, "unchanged", "%lld", cmd_int(answer, "unchanged"));
	table_kv(t, "skipped", "%zu", json_array_size(skipped));
	table_print(t, stdout);
	table_free(t);

	if (json_array_size(created) + json_array_size(updated) > 0) {
		printf("\n");
		t = table_new(">ID|START|COURSE|VENUE|STATUS|CHANGE");
		for (k = 0; k < 2; k++) {
			json_array_foreach(k == 0 ? created : updated, i, s) {
				table_row(t);
				/* A dry run's new sessions get no id. */
				if (k == 0 && dry)
					table_cell(t, "-");
				else
					cmd_cell(t, s, "id", V_INT);
				cmd_cell(t, s, "start", V_LOCAL);
				cmd_cell(t, s, "course_title", V_TEXT);
				cmd_cell(t, s, "venue_name", V_TEXT);
				v = cmd_session_status(s);
				table_cell(t, "%s", v);
				free(v);
				table_cell(t, "%s", k == 0 ? "created" :
				    "updated");
			}
		}
		table_print(t, stdout);
		table_free(t);
	}
	if (json_array_size(skipped) > 0) {
		printf("\nSkipped:\n");
		t = table_new("KEY|REASON");
		json_array_foreach(skipped, i, s) {
			table_row(t);
			cmd_cell(t, s, "key", V_TEXT);
			cmd_cell(t, s, "reason", V_TEXT);
		}
		table_print(t, stdout);
		table_free(t);
	}
	if (json_array_size(updated) > 0)
		printf("\nEveryone registered for an updated session %s told.\n",
		    dry ? "would be" : "will be");
	if (dry)
		printf("\nDry run: nothing was written. Run the same command "
		    "without --dry-run to import.\n");
}

static void
cmd_print_imported(struct cmd_ctx *ctx, json_t *answer)
{
	cmd_print_import(answer, ctx->argv[0]);
}

int
cmd_import(struct cmd_ctx *ctx)
{
	json_t		*body;
	char		*data, *size;
	size_t		 len, encoded;
	int		 ret;

	if ((ret = cmd_read_calendar(ctx->argv[0], &data, &len)) != 0)
		return (ret);
	body = json_copy(ctx->opts);
	json_object_set_new(body, "calendar", json_stringn(data, len));
	free(data);
	/*
	 * The request may be twice the file, for quoting (every CRLF becomes
	 * \r\n); a file full of control characters could still pass that.
	 */
	encoded = json_dumpb(body, NULL, 0, JSON_COMPACT);
	if (encoded > KURSUS_API_MAX_IMPORT) {
		xasprintf(&size, "%zu bytes", encoded);
		cmd_too_large(cmd_is_stdio(ctx->argv[0]) ? "standard input" :
		    ctx->argv[0], size, " once quoted for the request (where "
		    "line ends and backslashes take two bytes)");
		free(size);
		json_decref(body);
		return (KCTL_EXIT_DATAERR);
	}
	ret = cmd_call(ctx, "POST", "import", NULL, NULL, body,
	    cmd_print_imported);
	json_decref(body);
	return (ret);
}

/* --- the notifier: reminders, the outbox, previews, the call list */

/* "+45 20 30 40 50" for a Danish number, others as they come; NULL: "-". */
static char *
cmd_phone(const char *e164)
{
	char	*s;
	size_t	 i;

	if (e164 == NULL)
		return (xstrdup("-"));
	if (strlen(e164) != 11 || strncmp(e164, "+45", 3) != 0)
		return (xstrdup(e164));
	for (i = 3; i < 11; i++)
		if (e164[i] < '0' || e164[i] > '9')
			return (xstrdup(e164));
	xasprintf(&s, "+45 %.2s %.2s %.2s %.2s", e164 + 3, e164 + 5,
	    e164 + 7, e164 + 9);
	return (s);
}

/* "SMS to +45 20 30 40 50" or "e-mail to a@b.dk" for an outbox row. */
static char *
cmd_notice_to(json_t *row)
{
	const char	*channel = cmd_str(row, "channel");
	char		*to, *s;

	if (channel != NULL && strcmp(channel, "call") == 0)
		return (xstrdup("call list"));
	to = channel != NULL && strcmp(channel, "sms") == 0 ?
	    cmd_phone(cmd_str(row, "recipient")) :
	    xstrdup(cmd_str(row, "recipient") != NULL ?
	    cmd_str(row, "recipient") : "-");
	xasprintf(&s, "%s to %s", channel != NULL && strcmp(channel, "sms") ==
	    0 ? "SMS" : "e-mail", to);
	free(to);
	return (s);
}

/* Counts of a batch's rows by what became of them. */
struct cmd_tally {
	long long	 sent, failed, waiting, other, total;
};

static void
cmd_tally(json_t *rows, struct cmd_tally *t)
{
	const char	*state;
	json_t		*r;
	size_t		 i;

	memset(t, 0, sizeof *t);
	json_array_foreach(rows, i, r) {
		state = cmd_str(r, "state");
		t->total++;
		if (state == NULL)
			t->other++;
		else if (strcmp(state, "sent") == 0)
			t->sent++;
		else if (strcmp(state, "failed") == 0)
			t->failed++;
		else if (strcmp(state, "pending") == 0 ||
		    strcmp(state, "sending") == 0)
			t->waiting++;
		else
			t->other++;
	}
}

static char *
cmd_tally_line(const struct cmd_tally *t)
{
	char	*s;

	xasprintf(&s, "%lld message%s: %lld sent, %lld failed, %lld waiting",
	    t->total, t->total == 1 ? "" : "s", t->sent, t->failed,
	    t->waiting);
	if (t->other > 0) {
		char *more;

		xasprintf(&more, "%s, %lld not sent", s, t->other);
		free(s);
		s = more;
	}
	return (s);
}

static double
cmd_clock(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/*
 * Follows a batch until nothing of it is pending or sending, or wait
 * seconds have passed, with a progress line on stderr: rewritten in place
 * on a terminal, else a plain line at most once a second when it changes.
 * Returns the batch's rows, or NULL after printing why it could not.
 */
static json_t *
cmd_remind_follow(struct cmd_ctx *ctx, const char *batch, long long wait,
    int *ret)
{
	struct cmd_tally	 t;
	struct timespec		 half = { 0, 500 * 1000 * 1000 };
	json_t			*query, *answer = NULL, *rows;
	double			 start = cmd_clock(), last = -10;
	char			*path, *cause, *line, *shown = NULL;
	int			 tty = isatty(STDERR_FILENO);

	path = cmd_path("outbox", NULL, NULL);
	query = json_pack("{s:s}", "batch", batch);
	for (;;) {
		if ((*ret = client_call(ctx->client, "GET", path, query, NULL,
		    &answer, &cause)) != 0) {
			if (tty && shown != NULL)
				fputc('\n', stderr);
			kursusctl_error("%s", cause);
			free(cause);
			answer = NULL;
			break;
		}
		cmd_tally(json_object_get(answer, "outbox"), &t);
		line = cmd_tally_line(&t);
		if (tty) {
			fprintf(stderr, "\r%s\033[K", line);
			fflush(stderr);
			free(shown);
			shown = line;
		} else if ((shown == NULL || strcmp(shown, line) != 0) &&
		    cmd_clock() - last >= 1.0) {
			fprintf(stderr, "%s\n", line);
			last = cmd_clock();
			free(shown);
			shown = line;
		} else
			free(line);
		if (t.waiting == 0 || cmd_clock() - start >= (double)wait)
			break;
		json_decref(answer);
		answer = NULL;
		nanosleep(&half, NULL);
	}
	if (tty && shown != NULL)
		fprintf(stderr, "\r\033[K");
	free(shown);
	free(path);
	json_decref(query);
	if (answer == NULL)
		return (NULL);
	rows = json_incref(json_object_get(answer, "outbox"));
	json_decref(answer);
	return (rows);
}

static void
cmd_print_unreachable(json_t *list, const char *session)
{
	struct table	*t;
	json_t		*u;
	size_t		 i;
	char		*phone;

	if (json_array_size(list) == 0)
		return;
	printf("Unreachable: %zu (phone them; see 'kursusctl calllist %s'):\n",
	    json_array_size(list), session);
	t = table_new("NAME|PHONE|WHY");
	json_array_foreach(list, i, u) {
		table_row(t);
		cmd_cell(t, u, "name", V_TEXT);
		phone = cmd_phone(cmd_str(u, "phone"));
		table_cell(t, "%s", phone);
		free(phone);
		cmd_cell(t, u, "reason", V_TEXT);
	}
	table_print(t, stdout);
	table_free(t);
}

int
cmd_remind(struct cmd_ctx *ctx)
{
	static const char	*pass[] = { "via", "message",
				    "include_waitlist" };
	struct cmd_tally	 t;
	json_t			*body, *answer, *rows = NULL, *v, *r;
	const char		*batch, *state, *err;
	long long		 session, wait = 120, queued;
	char			*path, *cause, *to;
	size_t			 i;
	int			 ret, nowait, bad = 0;

	if ((ret = cmd_arg_id(ctx, 0, "session", &session)) != 0)
		return (ret);
	if ((v = json_object_get(ctx->opts, "wait")) != NULL) {
		wait = json_integer_value(v);
		if (wait < 0 || wait > 86400)
			return (kursusctl_usage_error(ctx->entry, "--wait %lld: "
			    "give 0 to 86400 seconds", wait));
	}
	nowait = json_is_true(json_object_get(ctx->opts, "no_wait"));
	body = json_object();
	for (i = 0; i < sizeof pass / sizeof pass[0]; i++)
		if ((v = json_object_get(ctx->opts, pass[i])) != NULL)
			json_object_set(body, pass[i], v);
	path = cmd_path("sessions", ctx->argv[0], "/remind");
	ret = client_call(ctx->client, "POST", path, NULL, body, &answer,
	    &cause);
	free(path);
	json_decref(body);
	if (ret != 0) {
		kursusctl_error("%s", cause);
		free(cause);
		return (ret);
	}
	batch = cmd_str(answer, "batch");
	queued = cmd_int(answer, "queued");
	if (!nowait && queued > 0 && batch != NULL &&
	    (rows = cmd_remind_follow(ctx, batch, wait, &ret)) == NULL) {
		json_decref(answer);
		return (ret);
	}
	cmd_tally(rows, &t);
	if (nowait)
		t.waiting = 0;
	bad = t.failed > 0 || t.other > 0 || t.waiting > 0 ||
	    json_array_size(json_object_get(answer, "unreachable")) > 0;

	if (ctx->json) {
		json_object_set_new(answer, "outbox", rows != NULL ?
		    json_incref(rows) : json_array());
		cmd_print_json(answer);
		goto out;
	}
	if (queued == 0)
		printf("Nothing sent for session %lld: %s.\n", session,
		    json_array_size(json_object_get(answer, "unreachable")) >
		    0 ? "nobody registered can get it" : "nobody is "
		    "registered");
	else if (nowait || rows == NULL)
		printf("Queued %lld message%s for session %lld (batch %s).\n"
		    "Follow them with 'kursusctl outbox --batch %s'.\n", queued,
		    queued == 1 ? "" : "s", session, batch, batch);
	else {
		printf("Session %lld, batch %s: %lld message%s.\n", session,
		    batch, queued, queued == 1 ? "" : "s");
		printf("Sent: %lld\n", t.sent);
		printf("Failed: %lld\n", t.failed + t.other);
		json_array_foreach(rows, i, r) {
			state = cmd_str(r, "state");
			if (state == NULL || strcmp(state, "sent") == 0 ||
			    strcmp(state, "pending") == 0 ||
			    strcmp(state, "sending") == 0)
				continue;
			to = cmd_notice_to(r);
			err = cmd_str(r, "last_error");
			printf("  %s: %s%s%s\n", to, strcmp(state, "failed") ==
			    0 ? "" : state, strcmp(state, "failed") == 0 ||
			    err == NULL ? "" : ": ", err != NULL ? err :
			    (strcmp(state, "failed") == 0 ? "no reason given" :
			    ""));
			free(to);
		}
		if (t.waiting > 0)
			printf("Still waiting: %lld (see 'kursusctl outbox "
			    "--batch %s')\n", t.waiting, batch);
	}
	cmd_print_unreachable(json_object_get(answer, "unreachable"),
	    ctx->argv[0]);
out:
	json_decref(rows);
	json_decref(answer);
	return (bad ? KCTL_EXIT_REFUSED : 0);
}

static const struct cmd_column cmd_outbox_columns[] = {
	{ ">ID", "id", V_INT },
	{ "KIND", "kind", V_TEXT },
	{ "CHANNEL", "channel", V_TEXT },
	{ "RECIPIENT", "recipient", V_TEXT },
	{ ">PARTICIPANT", "participant_id", V_INT },
	{ ">SESSION", "session_id", V_INT },
	{ "STATE", "state", V_TEXT },
	{ "DUE", "due_at", V_UTC },
	{ "NOTE", "last_error", V_TEXT },
	COLS_END
};

static void
cmd_print_outbox(struct cmd_ctx *ctx, json_t *answer)
{
	cmd_print_list(json_object_get(answer, "outbox"), cmd_outbox_columns,
	    "No notices.");
}

int
cmd_outbox(struct cmd_ctx *ctx)
{
	return (cmd_call(ctx, "GET", "outbox", NULL, NULL, ctx->opts,
	    cmd_print_outbox));
}

static const struct cmd_field cmd_notice_fields[] = {
	{ "id", "id", V_INT },
	{ "kind", "kind", V_TEXT },
	{ "channel", "channel", V_TEXT },
	{ "recipient", "recipient", V_TEXT },
	{ "participant_id", "participant", V_INT },
	{ "session_id", "session", V_INT },
	{ "registration_id", "registration", V_INT },
	{ "language", "language", V_TEXT },
	{ "state", "state", V_TEXT },
	{ "attempts", "attempts", V_INT },
	{ "due_at", "due", V_UTC },
	{ "next_attempt", "next attempt", V_UTC },
	{ "sent_at", "sent", V_UTC },
	{ "last_error", "last error", V_TEXT },
	{ "provider_id", "provider id", V_TEXT },
	{ "batch", "batch", V_TEXT },
	{ "sequence", "sequence", V_INT },
	{ "created_at", "created", V_UTC },
	{ "updated_at", "updated", V_UTC },
	{ NULL, NULL, 0 }
};

/* "REQUEST" from a text/calendar's METHOD line; static storage. */
static const char *
cmd_calendar_method(const char *ics)
{
	static char	 method[32];
	const char	*p;
	size_t		 n;

	for (p = ics; p != NULL && *p != '\0'; p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		if (strncmp(p, "METHOD:", 7) == 0) {
			n = strcspn(p + 7, "\r\n");
			if (n >= sizeof method)
				n = sizeof method - 1;
			memcpy(method, p + 7, n);
			method[n] = '\0';
			return (method);
		}
	}
	return (NULL);
}

static void
cmd_print_body(const char *body)
{
	size_t	len;

	if (body == NULL)
		return;
	len = strlen(body);
	printf("\n%s%s", body, len > 0 && body[len - 1] == '\n' ? "" : "\n");
}

static void
cmd_print_notice(struct cmd_ctx *ctx, json_t *answer)
{
	struct table	*t;
	json_t		*detail;
	const char	*att, *method;
	char		*s;

	cmd_print_fields(answer, cmd_notice_fields);
	t = table_kv_new();
	detail = json_object_get(answer, "detail");
	if (json_is_object(detail) && json_object_size(detail) > 0) {
		s = json_dumps(detail, JSON_COMPACT);
		table_kv(t, "detail", "%s", s);
		free(s);
	}
	if ((att = cmd_str(answer, "attachment")) != NULL) {
		method = cmd_calendar_method(att);
		table_kv(t, "attachment", "text/calendar; method=%s (%zu "
		    "bytes)", method != NULL ? method : "?", strlen(att));
	}
	if (cmd_str(answer, "subject") != NULL)
		table_kv(t, "subject", "%s", cmd_str(answer, "subject"));
	if (table_rows(t) > 0)
		table_print(t, stdout);
	table_free(t);
	if (cmd_str(answer, "body") != NULL)
		cmd_print_body(cmd_str(answer, "body"));
	else
		printf("\n(The text is written when the notice is sent.)\n");
}

int
cmd_outbox_show(struct cmd_ctx *ctx)
{
	return (cmd_call_id(ctx, "notice", "GET", "outbox", NULL, NULL,
	    cmd_print_notice));
}

static void
cmd_print_retried(struct cmd_ctx *ctx, json_t *answer)
{
	const char	*state = cmd_str(answer, "state");

	printf("Notice %lld is %s again: it goes out shortly.\n",
	    cmd_argv_id(ctx, 0), state != NULL ? state : "pending");
}

static void
cmd_print_withdrawn(struct cmd_ctx *ctx, json_t *answer)
{
	const char	*state = cmd_str(answer, "state");

	printf("Notice %lld is %s: it will not be sent.\n",
	    cmd_argv_id(ctx, 0), state != NULL ? state : "cancelled");
}

int
cmd_outbox_retry(struct cmd_ctx *ctx)
{
	return (cmd_call_id(ctx, "notice", "POST", "outbox", "/retry", NULL,
	    cmd_print_retried));
}

int
cmd_outbox_cancel(struct cmd_ctx *ctx)
{
	return (cmd_call_id(ctx, "notice", "POST", "outbox", "/cancel", NULL,
	    cmd_print_withdrawn));
}

static void
cmd_print_preview(struct cmd_ctx *ctx, json_t *answer)
{
	const char	*channel, *method;
	char		*to;
	long long	 segments, units, per;
	int		 ucs2, sms;

	channel = cmd_str(answer, "channel");
	sms = channel != NULL && strcmp(channel, "sms") == 0;
	to = sms ? cmd_phone(cmd_str(answer, "recipient")) :
	    xstrdup(cmd_str(answer, "recipient") != NULL ?
	    cmd_str(answer, "recipient") : "-");
	printf("%s: %s\n", sms ? "SMS to" : "E-mail to", to);
	free(to);
	if (json_is_false(json_object_get(answer, "reachable")))
		printf("(This is not sent to them: %s. Read it out on the "
		    "phone.)\n", cmd_str(answer, "reason") != NULL ?
		    cmd_str(answer, "reason") : "they cannot get it");
	if (cmd_str(answer, "subject") != NULL)
		printf("Subject: %s\n", cmd_str(answer, "subject"));
	cmd_print_body(cmd_str(answer, "body"));
	putchar('\n');
	if (sms) {
		segments = cmd_int(answer, "segments");
		units = cmd_int(answer, "units");
		ucs2 = json_is_true(json_object_get(answer, "ucs2"));
		if (segments <= 1)
			printf("1 SMS (%s, %lld of %d characters)\n", ucs2 ?
			    "UCS-2" : "GSM 03.38", units, ucs2 ? 70 : 160);
		else {
			per = ucs2 ? 67 : 153;
			printf("%lld SMS (%s, %lld characters, %lld per "
			    "part)\n", segments, ucs2 ? "UCS-2" : "GSM 03.38",
			    units, per);
		}
	} else if ((method = cmd_str(answer, "calendar_method")) != NULL)
		printf("With an invitation: text/calendar; method=%s\n",
		    method);
}

int
cmd_preview(struct cmd_ctx *ctx)
{
	json_t		*query;
	long long	 session, participant;
	int		 ret;

	if ((ret = cmd_arg_id(ctx, 0, "session", &session)) != 0 ||
	    (ret = cmd_arg_id(ctx, 1, "participant", &participant)) != 0)
		return (ret);
	query = json_deep_copy(ctx->opts);
	json_object_set_new(query, "participant", json_integer(participant));
	ret = cmd_call(ctx, "GET", "sessions", ctx->argv[0], "/preview",
	    query, cmd_print_preview);
	json_decref(query);
	return (ret);
}

static void
cmd_print_calllist(struct cmd_ctx *ctx, json_t *answer)
{
	struct table	*t;
	json_t		*list, *s, *p;
	const char	*status;
	char		*when, *phone;
	long long	 session;
	size_t		 i;

	session = cmd_argv_id(ctx, 0);
	s = json_object_get(answer, "session");
	list = json_object_get(answer, "calllist");
	when = cmd_str(s, "start") != NULL ? cmd_local_time(cmd_str(s,
	    "start")) : xstrdup("?");
	printf("Call list for session %lld: %s, %s, %s%s\n\n", session,
	    cmd_str(s, "course_title") != NULL ? cmd_str(s, "course_title") :
	    "?", when, cmd_str(s, "venue_name") != NULL ? cmd_str(s,
	    "venue_name") : "?", cmd_str(s, "status") != NULL &&
	    strcmp(cmd_str(s, "status"), "cancelled") == 0 ?
	    " (CANCELLED)" : "");
	free(when);
	if (json_array_size(list) == 0) {
		printf("Nobody to phone: everyone registered gets SMS or "
		    "e-mail, and nothing has failed.\n");
		return;
	}
	t = table_new("NAME|PHONE|STATUS|WHY|CALLED");
	json_array_foreach(list, i, p) {
		table_row(t);
		cmd_cell(t, p, "name", V_TEXT);
		phone = cmd_phone(cmd_str(p, "phone"));
		table_cell(t, "%s", phone);
		free(phone);
		status = cmd_str(p, "status");
		if (status != NULL && strcmp(status, "waitlisted") == 0 &&
		    json_is_integer(json_object_get(p, "waitlist_position")))
			table_cell(t, "waitlisted #%lld", cmd_int(p,
			    "waitlist_position"));
		else
			table_cell(t, "%s", status != NULL ? status : "-");
		cmd_cell(t, p, "reasons", V_TEXT);
		table_cell(t, "[ ]");
	}
	table_print(t, stdout);
	table_free(t);
	printf("\n%zu %s to phone.\n", json_array_size(list),
	    json_array_size(list) == 1 ? "person" : "people");
}

int
cmd_calllist(struct cmd_ctx *ctx)
{
	return (cmd_call_id(ctx, "session", "GET", "sessions", "/calllist",
	    NULL, cmd_print_calllist));
}

/* --- course types' own templates */

static const struct cmd_column cmd_template_columns[] = {
	{ "KIND", "kind", V_TEXT },
	{ "CHANNEL", "channel", V_TEXT },
	{ "LANG", "language", V_TEXT },
	{ "SUBJECT", "subject", V_TEXT },
	{ "UPDATED", "updated_at", V_UTC },
	COLS_END
};

static void
cmd_print_templates(struct cmd_ctx *ctx, json_t *answer)
{
	json_t		*tpl;
	size_t		 i;

	cmd_print_list(json_object_get(answer, "templates"),
	    cmd_template_columns, "No own templates: the built-in texts are "
	    "used.");
	json_array_foreach(json_object_get(answer, "templates"), i, tpl) {
		printf("\n--- %s %s (%s)\n", cmd_str(tpl, "kind"),
		    cmd_str(tpl, "channel"), cmd_str(tpl, "language"));
		if (cmd_str(tpl, "subject") != NULL)
			printf("Subject: %s\n", cmd_str(tpl, "subject"));
		printf("%s%s", cmd_str(tpl, "body") != NULL ? cmd_str(tpl,
		    "body") : "", cmd_str(tpl, "body") != NULL &&
		    strlen(cmd_str(tpl, "body")) > 0 && cmd_str(tpl,
		    "body")[strlen(cmd_str(tpl, "body")) - 1] == '\n' ? "" :
		    "\n");
	}
}

int
cmd_template_list(struct cmd_ctx *ctx)
{
	return (cmd_call(ctx, "GET", "courses", ctx->argv[0], "/templates",
	    NULL, cmd_print_templates));
}

/* "/templates/KIND/CHANNEL" for the positional arguments; caller frees. */
static char *
cmd_template_tail(struct cmd_ctx *ctx)
{
	char	*kind, *channel, *tail;

	kind = client_escape(ctx->argv[1]);
	channel = client_escape(ctx->argv[2]);
	xasprintf(&tail, "/templates/%s/%s", kind, channel);
	free(kind);
	free(channel);
	return (tail);
}

/* Reads a template file (or - for standard input): UTF-8, at most 32 KiB. */
static int
cmd_read_text(const char *path, char **out)
{
	FILE		*f;
	char		*buf;
	size_t		 len = 0, cap = 32 * 1024, n, bad;

	if (cmd_is_stdio(path))
		f = stdin;
	else if ((f = fopen(path, "r")) == NULL) {
		kursusctl_error("cannot read %s: %s", path, strerror(errno));
		return (KCTL_EXIT_NOINPUT);
	}
	buf = xmalloc(cap + 1);
	while ((n = fread(buf + len, 1, cap + 1 - len, f)) > 0) {
		len += n;
		if (len > cap)
			break;
	}
	if (ferror(f)) {
		kursusctl_error("cannot read %s: %s", path, strerror(errno));
		if (f != stdin)
			fclose(f);
		free(buf);
		return (KCTL_EXIT_NOINPUT);
	}
	if (f != stdin)
		fclose(f);
	if (len > cap) {
		kursusctl_error("%s is larger than %zu KiB; a message template "
		    "is a few lines", path, cap / 1024);
		free(buf);
		return (KCTL_EXIT_DATAERR);
	}
	if ((bad = utf8_first_bad((unsigned char *)buf, len)) != len ||
	    memchr(buf, '\0', len) != NULL) {
		kursusctl_error("%s is not UTF-8 text (byte %zu)", path, bad);
		free(buf);
		return (KCTL_EXIT_DATAERR);
	}
	buf[len] = '\0';
	*out = buf;
	return (0);
}

static void
cmd_print_template_set(struct cmd_ctx *ctx, json_t *answer)
{
	json_t	*sample;

	printf("Course type \"%s\" now uses its own %s text for %s (%s).\n",
	    ctx->argv[0], cmd_str(answer, "channel"), cmd_str(answer, "kind"),
	    cmd_str(answer, "language"));
	sample = json_object_get(answer, "sample");
	if (sample != NULL) {
		printf("\nWith sample values it reads:\n");
		if (cmd_str(sample, "subject") != NULL)
			printf("\nSubject: %s\n", cmd_str(sample, "subject"));
		cmd_print_body(cmd_str(sample, "body"));
	}
}

int
cmd_template_set(struct cmd_ctx *ctx)
{
	json_t		*body, *query, *answer, *v;
	const char	*file;
	char		*path, *tail, *text;
	int		 ret;

	body = json_object();
	if ((v = json_object_get(ctx->opts, "subject")) != NULL)
		json_object_set(body, "subject", v);
	if ((v = json_object_get(ctx->opts, "body")) != NULL)
		json_object_set(body, "body", v);
	else if ((file = cmd_str(ctx->opts, "body_file")) != NULL) {
		if ((ret = cmd_read_text(file, &text)) != 0) {
			json_decref(body);
			return (ret);
		}
		json_object_set_new(body, "body", json_string(text));
		free(text);
	} else {
		json_decref(body);
		return (kursusctl_usage_error(ctx->entry, "give --body or "
		    "--body-file"));
	}
	query = json_object();
	if ((v = json_object_get(ctx->opts, "language")) != NULL)
		json_object_set(query, "language", v);
	tail = cmd_template_tail(ctx);
	path = cmd_path("courses", ctx->argv[0], tail);
	free(tail);
	/* A PUT with a query string: more than cmd_request() sends. */
	ret = cmd_send(ctx, "PUT", path, query, body, &answer);
	free(path);
	json_decref(query);
	json_decref(body);
	return (cmd_answer(ctx, ret, answer, cmd_print_template_set));
}

static void
cmd_print_template_unset(struct cmd_ctx *ctx, json_t *answer)
{
	const char	*lang = cmd_str(ctx->opts, "language");

	printf("Course type \"%s\" uses the built-in %s text for %s (%s) "
	    "again.\n", ctx->argv[0], ctx->argv[2], ctx->argv[1],
	    lang != NULL ? lang : "da");
}

int
cmd_template_unset(struct cmd_ctx *ctx)
{
	json_t		*answer;
	char		*tail, *path;
	int		 ret;

	tail = cmd_template_tail(ctx);
	path = cmd_path("courses", ctx->argv[0], tail);
	free(tail);
	/* A DELETE whose options go in the query string, not a body. */
	ret = cmd_send(ctx, "DELETE", path, ctx->opts, NULL, &answer);
	free(path);
	return (cmd_answer(ctx, ret, answer, cmd_print_template_unset));
}

int
cmd_complete_template(int npos)
{
	if (npos == 0)
		return (CMPL_COURSE);
	if (npos == 1)
		kursusctl_complete_kinds(KIND_TEMPLATE);
	else if (npos == 2)
		printf("email\nsms\n");
	return (CMPL_NONE);
}
