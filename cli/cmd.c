/*
 * What the command files (cmd-*.c) share: reading arguments and the
 * daemon's answers, formatting values and tables for people, and the
 * request-and-print steps most commands are made of. Nothing here knows a
 * command; a helper that only one group needs stays in that group's file.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "kursusctl.h"
#include "phone.h"

/* --csv, which every listing command takes among its options. */
const struct cmd_option cmd_opt_csv[] = {
	{ "csv", OPT_TEXT, "csv", "excel", N_("print the list as CSV for a "
	  "spreadsheet (RFC 4180, UTF-8 with a byte-order mark, CRLF); "
	  "=excel separates with ';' as Danish Excel expects"), OPT_OPTVAL |
	  OPT_OUTPUT, OPT_GROUP_OUTPUT, "excel", CMPL_VALUES },
	OPT_END
};

int
cmd_output(struct cmd_ctx *ctx)
{
	const char	*csv, *key;
	json_t		*v;

	json_object_foreach(ctx->output, key, v)
		if (ctx->json)
			return (kursusctl_usage_error(ctx->entry, _("--%s and "
			    "--json cannot be used together"), key));
	csv = json_string_value(json_object_get(ctx->output, "csv"));
	if (csv == NULL)
		return (0);
	if (*csv == '\0')
		table_set_format(TABLE_CSV);
	else if (strcmp(csv, "excel") == 0)
		table_set_format(TABLE_EXCEL);
	else
		return (kursusctl_usage_error(ctx->entry, _("--csv=%s: give "
		    "--csv, or --csv=excel for ';' between fields"), csv));
	return (0);
}

void
cmd_print_json(json_t *j)
{
	json_dumpf(j, stdout, JSON_INDENT(2));
	putchar('\n');
}

/* A positional argument that must be a positive id. */
int
cmd_arg_id(struct cmd_ctx *ctx, int idx, const char *what, long long *id)
{
	const char	*s = ctx->argv[idx];
	char		*end;

	errno = 0;
	*id = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || *id <= 0)
		return (kursusctl_usage_error(ctx->entry, _("%s \"%s\": not an "
		    "id (a number)"), _(what), s));
	return (0);
}

/* A positional argument cmd_arg_id() has checked already. */
long long
cmd_argv_id(struct cmd_ctx *ctx, int idx)
{
	return (strtoll(ctx->argv[idx], NULL, 10));
}

const char *
cmd_str(json_t *o, const char *key)
{
	return (json_string_value(json_object_get(o, key)));
}

long long
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

/*
 * The locale from the environment, for messages (gettext) and for the
 * weekdays and dates cmd_danish() decides. Numbers keep their '.', as in
 * --json; table_init() sets LC_CTYPE to UTF-8 after this, since the daemon
 * always sends UTF-8. KURSUS_LOCALEDIR points at another tree of
 * LANG/LC_MESSAGES/kursusctl.mo (the tests use the build's).
 */
void
cmd_locale_init(void)
{
	const char	*dir;

	setlocale(LC_ALL, "");
	setlocale(LC_NUMERIC, "C");
#ifdef ENABLE_NLS
	if ((dir = getenv("KURSUS_LOCALEDIR")) == NULL || *dir == '\0')
		dir = LOCALEDIR;
	bindtextdomain(KURSUSCTL_DOMAIN, dir);
	bind_textdomain_codeset(KURSUSCTL_DOMAIN, "UTF-8");
	textdomain(KURSUSCTL_DOMAIN);
#else
	(void)dir;
#endif
}

/*
 * 1 when the CLI speaks Danish: the same decision gettext makes, the
 * locale setlocale(3) took for messages. A Danish locale the machine does
 * not have (locale -a) is "C": English throughout, not half of each.
 */
int
cmd_danish(void)
{
	const char	*v = setlocale(LC_MESSAGES, NULL);

	return (v != NULL && strncmp(v, "da", 2) == 0);
}

/*
 * A date and time for staff, with the weekday in the CLI's language:
 * "Tue 2026-12-08 10:00", or in Danish "tir 8.12.2026 10:00".
 */
static char *
cmd_when(int y, int m, int d, int hh, int mm)
{
	static const char	*en[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
				    "Fri", "Sat" };
	static const char	*da[] = { "søn", "man", "tir", "ons", "tor",
				    "fre", "lør" };
	int			 wd = cmd_weekday(y, m, d);
	char			*out;

	if (cmd_danish())
		xasprintf(&out, "%s %d.%d.%04d %02d:%02d", da[wd], d, m, y, hh,
		    mm);
	else
		xasprintf(&out, "%s %04d-%02d-%02d %02d:%02d", en[wd], y, m, d,
		    hh, mm);
	return (out);
}

/* "2026-12-03 09:00 UTC", for --utc. */
static char *
cmd_when_utc(time_t t)
{
	struct tm	 tm;
	char		*out;

	if (gmtime_r(&t, &tm) == NULL)
		return (xstrdup("?"));
	xasprintf(&out, "%04d-%02d-%02d %02d:%02d UTC", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min);
	return (out);
}

/* Reads "2026-12-03T10:00:00" and an offset ("Z", "+01:00") as an instant. */
static int
cmd_instant(const char *s, time_t *t, int *y, int *m, int *d, int *hh,
    int *mm)
{
	struct tm	 tm;
	int		 ss, oh, om, n = 0;
	char		 sign;

	if (strlen(s) < 19 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
	    sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", y, m, d, hh, mm, &ss,
	    &n) != 6 || *m < 1 || *m > 12 || *d < 1 || *d > 31)
		return (-1);
	memset(&tm, 0, sizeof tm);
	tm.tm_year = *y - 1900;
	tm.tm_mon = *m - 1;
	tm.tm_mday = *d;
	tm.tm_hour = *hh;
	tm.tm_min = *mm;
	tm.tm_sec = ss;
	*t = timegm(&tm);
	if (strcmp(s + n, "Z") == 0)
		return (0);
	if (sscanf(s + n, "%c%2d:%2d", &sign, &oh, &om) != 3 ||
	    (sign != '+' && sign != '-'))
		return (-1);
	*t -= (sign == '-' ? -1 : 1) * (oh * 3600 + om * 60);
	return (0);
}

/*
 * A time from the daemon for staff: as given (a venue's local time) or,
 * for an instant, in the local time zone (TZ); in UTC with --utc.
 */
static char *
cmd_time(const char *s, int as_given)
{
	struct tm	 tm;
	time_t		 t;
	int		 y, m, d, hh, mm;

	if (cmd_instant(s, &t, &y, &m, &d, &hh, &mm) != 0)
		return (xstrdup(s));
	if (json_is_true(parse_global("utc")))
		return (cmd_when_utc(t));
	if (as_given)
		return (cmd_when(y, m, d, hh, mm));
	if (localtime_r(&t, &tm) == NULL)
		return (cmd_when_utc(t));
	return (cmd_when(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
	    tm.tm_hour, tm.tm_min));
}

char *
cmd_local_time(const char *s)
{
	return (cmd_time(s, 1));
}

char *
cmd_utc_time(const char *s)
{
	return (cmd_time(s, 0));
}

/* Text join: appends part to *s with sep, skipping empty parts. */
void
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

/* A word of kursusctl's own in a cell: translated on screen, as written
 * in CSV (whose headings and values are the same in every language). */
static const char *
cmd_shown(const char *s)
{
	return (table_csv() ? s : _(s));
}

/* Formats obj's key as kind; NULL when there is nothing to show. */
char *
cmd_format(json_t *obj, const char *key, int kind)
{
	json_t		*v = key != NULL ? json_object_get(obj, key) : NULL;
	char		*s = NULL, *place = NULL;

	switch (kind) {
	case V_REACH:
		if (json_is_true(json_object_get(obj, "no_contact")))
			return (xstrdup(cmd_shown(N_("phone or meet (no "
			    "contact)"))));
		if (json_is_true(json_object_get(obj, "sms_consent")))
			cmd_join(&s, ", ", "SMS");
		if (json_is_true(json_object_get(obj, "email_consent")))
			cmd_join(&s, ", ", cmd_shown(N_("e-mail")));
		if (s == NULL)
			s = xstrdup(value_shown("channel", "call"));
		return (s);
	case V_REMINDERS:
		if (v == NULL || json_is_null(v))
			return (xstrdup(cmd_shown(N_("kursusd's default "
			    "([reminders] rules)"))));
		if (json_is_string(v) && *json_string_value(v) == '\0')
			return (xstrdup(cmd_shown(N_("none"))));
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
		/* A spreadsheet sorts and reads "2026-12-03 10:00". */
		if (json_is_string(v) && table_csv() &&
		    strlen(json_string_value(v)) >= 16) {
			xasprintf(&s, "%.10s %.5s", json_string_value(v),
			    json_string_value(v) + 11);
			return (s);
		}
		if (json_is_string(v))
			return (cmd_local_time(json_string_value(v)));
		break;
	case V_UTC:
		if (json_is_string(v))
			return (cmd_utc_time(json_string_value(v)));
		break;
	case V_ATTENDANCE:
	case V_STATE:
	case V_CHANNEL:
		if (json_is_string(v))
			return (xstrdup(value_shown(kind == V_ATTENDANCE ?
			    "attendance" : kind == V_STATE ? "notice" :
			    "channel", json_string_value(v))));
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
			return (xstrdup(value_bool(json_is_true(v))));
		break;
	case V_ROLE:
		if (json_is_boolean(v))
			return (xstrdup(cmd_shown(json_is_true(v) ?
			    N_("volunteer") : N_("staff"))));
		break;
	case V_PHONETYPE:
		if (json_is_string(v)) {
			if (json_is_string(json_object_get(obj, "phone_type")) &&
			    strcmp(cmd_str(obj, "phone_type"), "landline") ==
			    0)
				xasprintf(&s, table_csv() ? "%s (landline)" :
				    _("%s (landline)"), json_string_value(v));
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
		return (xstrdup(value_bool(json_is_true(v))));
	return (json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY));
}

void
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

void
cmd_print_fields(json_t *obj, const struct cmd_field *fields)
{
	struct table	*t;

	t = table_kv_new();
	for (; fields->label != NULL; fields++)
		cmd_kv(t, obj, fields->key, fields->label, fields->kind);
	table_print(t, stdout);
	table_free(t);
}

/* Whether a column is printed: a '~' one only in CSV. */
static int
cmd_column_shown(const struct cmd_column *c)
{
	return (*c->head != '~' || table_csv());
}

/* A table's column spec "SLUG|NAME|>SEATS" from a column list. */
static struct table *
cmd_table(const struct cmd_column *cols)
{
	struct table	*t;
	char		*spec = NULL;

	for (; cols->head != NULL; cols++)
		if (cmd_column_shown(cols))
			cmd_join(&spec, "|", cols->head + (*cols->head == '~'));
	t = table_new(spec);
	free(spec);
	return (t);
}

/*
 * An empty cell is shown as "-": every row then has the same number of
 * words before a name, which keeps the table readable and lets awk and
 * cut pick columns.
 */
void
cmd_cell(struct table *t, json_t *obj, const char *key, int kind)
{
	char	*s;

	s = cmd_format(obj, key, kind);
	if (s != NULL && *s != '\0')
		table_cell(t, "%s", s);
	else
		table_none(t);
	free(s);
}

void
cmd_list_rows(struct table **tp, json_t *arr, const void *arg)
{
	const struct cmd_column	*cols = arg, *c;
	json_t			*obj;
	size_t			 i;

	if (*tp == NULL)
		*tp = cmd_table(cols);
	json_array_foreach(arr, i, obj) {
		table_row(*tp);
		for (c = cols; c->head != NULL; c++)
			if (cmd_column_shown(c))
				cmd_cell(*tp, obj, c->key, c->kind);
	}
}

void
cmd_print_list(json_t *arr, const struct cmd_column *cols, const char *none)
{
	struct table	*t = NULL;

	if (json_array_size(arr) == 0 && !table_csv()) {
		printf("%s\n", _(none));
		return;
	}
	cmd_list_rows(&t, arr, cols);
	table_print(t, stdout);
	table_free(t);
}

/* "/v1/venues/<escaped slug>" and the like. */
char *
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
 * What a request came to: 0, or the exit code ret after printing the
 * refusal, cause. With --json the answer is printed here and *answer is
 * NULL, leaving the caller nothing to do; otherwise the caller prints
 * *answer its own way and frees it.
 */
static int
cmd_sent(struct cmd_ctx *ctx, int ret, char *cause, json_t **answer)
{
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

/* Sends method to path with query and a JSON body (either may be NULL). */
int
cmd_send(struct cmd_ctx *ctx, const char *method, const char *path,
    json_t *query, json_t *body, json_t **answer)
{
	char	*cause;
	int	 ret;

	ret = client_call(ctx->client, method, path, query, body, answer,
	    &cause);
	return (cmd_sent(ctx, ret, cause, answer));
}

/*
 * Prints the slugs of a collection ("venues"), one a line, for completion;
 * a daemon that is down simply gives none.
 */
void
cmd_print_slugs(struct client *c, const char *collection)
{
	json_t	*answer, *o;
	char	*cause, *path;
	size_t	 i;

	if (collection == NULL)
		return;
	path = cmd_path(collection, NULL, NULL);
	if (client_call(c, "GET", path, NULL, NULL, &answer, &cause) != 0) {
		free(cause);
		free(path);
		return;
	}
	free(path);
	json_array_foreach(json_object_get(answer, collection), i, o)
		if (cmd_str(o, "slug") != NULL)
			printf("%s\n", cmd_str(o, "slug"));
	json_decref(answer);
}

/* The same with a file of the media type as the body. */
int
cmd_send_file(struct cmd_ctx *ctx, const char *method, const char *path,
    json_t *query, const char *type, const char *data, size_t len,
    json_t **answer)
{
	char	*cause;
	int	 ret;

	ret = client_send_file(ctx->client, method, path, query, type, data,
	    len, answer, &cause);
	return (cmd_sent(ctx, ret, cause, answer));
}

/*
 * cmd_send() to /v1/collection[/id[tail]] with opts as the query string of
 * a GET or the JSON body of anything else (opts may be NULL).
 */
int
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
int
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
int
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
int
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
void
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

/*
 * "confirmed", "waitlisted #2", "cancelled"; or, when the person
 * cancelled themselves, "afmeldt via link, 2026-12-06 14:03 UTC" (or
 * "via SMS"), so the desk sees who let go of a seat and when.
 */
static char *
cmd_reg_status(json_t *r)
{
	const char	*status = cmd_str(r, "status");
	const char	*via = cmd_str(r, "cancelled_via");
	const char	*at = cmd_str(r, "cancelled_at");
	char		*s, *when;

	if (status == NULL)
		return (xstrdup("-"));
	if (strcmp(status, "cancelled") == 0 && via != NULL &&
	    strcmp(via, "staff") != 0) {
		when = cmd_utc_time(at != NULL ? at : "?");
		/* CSV keeps the words of kursusd's first spreadsheets. */
		if (table_csv())
			xasprintf(&s, "afmeldt via %s, %s", strcmp(via,
			    "sms") == 0 ? "SMS" : via, when);
		else
			xasprintf(&s, _("cancelled via %s, %s"),
			    strcmp(via, "sms") == 0 ? "SMS" :
			    value_shown("via", via), when);
		free(when);
		return (s);
	}
	if (strcmp(status, "waitlisted") == 0 &&
	    json_is_integer(json_object_get(r, "waitlist_position"))) {
		xasprintf(&s, table_csv() ? "waitlisted #%lld" :
		    _("waitlisted #%lld"), cmd_int(r, "waitlist_position"));
		return (s);
	}
	return (xstrdup(value_shown("registration", status)));
}

void
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
		if (table_csv())
			table_cell(t, "%s", value_bool(json_is_true(
			    json_object_get(r, "companion"))));
		else
			table_cell(t, "%s", json_is_true(json_object_get(r,
			    "companion")) ? "+1" : "-");
		if (mode != REG_WAITLIST)
			cmd_cell(t, r, "attendance", V_ATTENDANCE);
	}
	table_print(t, stdout);
	table_free(t);
}

/* "scheduled", or "scheduled, UNDER MIN" when go/no-go says so. */
char *
cmd_session_status(json_t *s)
{
	const char	*status = cmd_str(s, "status"), *gng;
	char		*out;

	gng = cmd_str(s, "go_no_go");
	status = status != NULL ? value_shown("session", status) : "-";
	if (gng != NULL && strcmp(gng, "below-minimum") == 0) {
		xasprintf(&out, table_csv() ? "%s, UNDER MIN" :
		    _("%s, UNDER MIN"), status);
		return (out);
	}
	return (xstrdup(status));
}

char *
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

/* Whether path names standard input or output. */
int
cmd_is_stdio(const char *path)
{
	return (strcmp(path, "-") == 0);
}

int
cmd_file_open(struct cmd_file *f, const char *path, unsigned int mode,
    char **cause)
{
	f->path = xstrdup(path);
	xasprintf(&f->tmp, "%s.XXXXXX", path);
	if ((f->fd = mkostemp(f->tmp, O_CLOEXEC)) == -1 ||
	    fchmod(f->fd, (mode_t)mode) != 0) {
		xasprintf(cause, _("cannot write %s: %s"), path,
		    strerror(errno));
		if (f->fd == -1) {
			/* Nothing was made: the template names no file. */
			free(f->tmp);
			f->tmp = NULL;
		}
		cmd_file_abort(f);
		return (-1);
	}
	return (0);
}

/* Puts the finished file in place: over path, or only where none is. */
static int
cmd_file_place(struct cmd_file *f, int replace)
{
	struct stat	 sb;

	if (replace)
		return (rename(f->tmp, f->path));
	if (link(f->tmp, f->path) == 0) {
		unlink(f->tmp);		/* path holds the file now */
		return (0);
	}
	if (errno == EEXIST)
		return (-1);
	/* A file system without hard links: a look first, then rename. */
	if (lstat(f->path, &sb) == 0) {
		errno = EEXIST;
		return (-1);
	}
	return (rename(f->tmp, f->path));
}

int
cmd_file_commit(struct cmd_file *f, int replace, char **cause)
{
	int		 step = 0;	/* sync, close, rename */
	char		*dir, *slash;
	int		 fd, rc;

	if (fsync(f->fd) != 0)
		goto fail;
	step = 1;
	rc = close(f->fd);
	f->fd = -1;
	if (rc != 0)
		goto fail;
	step = 2;
	if (cmd_file_place(f, replace) != 0)
		goto fail;
	/* The rename itself is durable once the directory is synced. */
	dir = xstrdup(f->path);
	if ((slash = strrchr(dir, '/')) == NULL) {
		free(dir);
		dir = xstrdup(".");
	} else if (slash == dir)
		slash[1] = '\0';	/* "/" */
	else
		*slash = '\0';
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		fsync(fd);
		close(fd);
	}
	free(dir);
	free(f->tmp);
	f->tmp = NULL;
	cmd_file_abort(f);
	return (0);
fail:
	if (errno == EEXIST)
		xasprintf(cause, _("%s exists; nothing was replaced"),
		    f->path);
	else
		xasprintf(cause, step == 0 ? _("cannot sync %s: %s") :
		    step == 1 ? _("cannot close %s: %s") : _("cannot rename "
		    "the new file to %s: %s"), f->path, strerror(errno));
	cmd_file_abort(f);
	return (-1);
}

void
cmd_file_abort(struct cmd_file *f)
{
	if (f->fd != -1)
		close(f->fd);
	f->fd = -1;
	if (f->tmp != NULL)
		unlink(f->tmp);
	free(f->tmp);
	f->tmp = NULL;
	free(f->path);
	f->path = NULL;
}

/* "+45 20 30 40 50" for a Danish number, others as they come; NULL: "-". */
char *
cmd_phone(const char *e164)
{
	return (e164 == NULL ? xstrdup("-") : phone_words(e164, 1));
}

char *
cmd_recipient(json_t *row, int sms)
{
	const char	*to = cmd_str(row, "recipient");

	if (sms)
		return (cmd_phone(to));
	return (xstrdup(to != NULL ? to : "-"));
}

void
cmd_print_body(const char *body)
{
	size_t	len;

	if (body == NULL)
		return;
	len = strlen(body);
	printf("\n%s%s", body, len > 0 && body[len - 1] == '\n' ? "" : "\n");
}

/* The words for the kinds of message that have every flag in flags. */
void
cmd_print_kinds(unsigned int flags)
{
	int	 k;

	for (k = 0; k < KIND_COUNT; k++) {
		if ((kinds[k].flags & flags) != flags)
			continue;
		printf("%s\n", kinds[k].name);
		if (kinds[k].alias != NULL)
			printf("%s\n", kinds[k].alias);
	}
}
