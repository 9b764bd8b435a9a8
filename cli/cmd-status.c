/*
 * stats, status and settings: the numbers over a period, how the daemon
 * and its senders are (and whether that needs someone's attention, for
 * cron and monitoring checks), and the few settings kept in the database.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "kursusctl.h"

static int	cmd_stats(struct cmd_ctx *);
static int	cmd_status(struct cmd_ctx *);
static int	cmd_settings(struct cmd_ctx *);

static const struct cmd_option opt_range[] = {
	{ "from", OPT_TEXT, "from", "TIME", N_("from this time"), 0, 0, NULL, 0 },
	{ "to", OPT_TEXT, "to", "TIME", N_("until this time"), 0, 0, NULL, 0 },
	OPT_END
};

/* Minutes a pending message may be past its time before status says so. */
#define STATUS_LATE	15

static const struct cmd_option opt_status[] = {
	{ "late", OPT_INT, "late", "MINUTES", N_("a message this many minutes "
	  "past its time to be sent needs attention (default 15)"), 0, 0, NULL,
	  0 },
	OPT_END
};

static const struct cmd_option opt_settings[] = {
	{ "number-start", OPT_INT, "number_start", "N", N_("where the running "
	  "participant number (\"kursist nr.\") starts"), 0, 0, NULL, 0 },
	OPT_END
};

const struct cmd_entry cmd_stats_entry = {
	"stats", NULL, "[--from TIME] [--to TIME] [--csv[=excel]]", 0, 0, 0,
	{ opt_range, cmd_opt_csv, NULL }, cmd_stats,
	N_("Show statistics: totals, by course, venue and month.\nWith --csv, "
	"the report for the municipality: a line per month, venue and course "
	"type (sessions, registrations, attended, no-show, attendance rate in "
	"per cent) and a last line with the totals and the number of people "
	"(each counted once)."), 0, NULL
};

const struct cmd_entry cmd_status_entry = {
	"status", NULL, "[--late MINUTES]", 0, 0, 0, { opt_status, NULL },
	cmd_status,
	N_("Show the daemon's version, uptime, database and counts.\nAnd the "
	"outbox (pending, failed, next due) and whether the SMTP server and "
	"SMS gateway answer. Exits 3, saying why in one line each, when "
	"something needs attention: a server that does not answer or "
	"refuses every message, failed messages about sessions not yet "
	"started, a message late to be sent."), 0, NULL
};

const struct cmd_entry cmd_settings_entry = {
	"settings", NULL, "[--number-start N]", 0, 0, 0,
	{ opt_settings, NULL }, cmd_settings,
	N_("Show or change settings."), 0, NULL
};

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
	printf("\n%s\n", _(title));
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

/* A breakdown row's figures, the rate in per cent. */
static void
cmd_stats_cells(struct table *t, json_t *row)
{
	json_t	*rate;

	cmd_cell(t, row, "sessions", V_INT);
	cmd_cell(t, row, "registrations", V_INT);
	cmd_cell(t, row, "attended", V_INT);
	cmd_cell(t, row, "no_show", V_INT);
	rate = json_object_get(row, "attendance_rate");
	if (json_is_number(rate))
		table_decimal(t, json_number_value(rate) * 100.0, 1);
	else
		table_none(t);
}

/* stats --csv: a line per month, venue and course type, then the totals. */
static void
cmd_print_stats_csv(json_t *answer)
{
	struct table	*t;
	json_t		*row;
	size_t		 i;

	t = table_new("MONTH|VENUE|COURSE|SESSIONS|REGISTRATIONS|ATTENDED|"
	    "NO-SHOW|ATTENDANCE %|PARTICIPANTS");
	json_array_foreach(json_object_get(answer, "by_month_venue_course"),
	    i, row) {
		table_row(t);
		cmd_cell(t, row, "month", V_TEXT);
		cmd_cell(t, row, "venue_name", V_TEXT);
		cmd_cell(t, row, "course_title", V_TEXT);
		cmd_stats_cells(t, row);
		table_none(t);
	}
	table_row(t);
	table_cell(t, "total");
	table_none(t);
	table_none(t);
	cmd_stats_cells(t, answer);
	cmd_cell(t, answer, "participants", V_INT);
	table_print(t, stdout);
	table_free(t);
}

static void
cmd_print_stats(struct cmd_ctx *ctx, json_t *answer)
{
	struct table	*t;
	char		*rate;

	if (table_csv()) {
		cmd_print_stats_csv(answer);
		return;
	}

	t = table_kv_new();
	cmd_kv(t, answer, "sessions", N_("sessions"), V_INT);
	cmd_kv(t, answer, "registrations", N_("registrations"), V_INT);
	cmd_kv(t, answer, "participants", N_("participants"), V_INT);
	cmd_kv(t, answer, "attended", N_("attended"), V_INT);
	cmd_kv(t, answer, "no_show", N_("no-show"), V_INT);
	rate = cmd_rate(answer);
	table_kv(t, N_("attendance rate"), "%s", rate);
	free(rate);
	cmd_kv(t, answer, "next_number", N_("next number"), V_INT);
	if (json_is_integer(json_object_get(answer, "next_milestone")))
		table_kv(t, N_("next milestone"), _("kursist nr. %lld (%lld to "
		    "go)"),
		    cmd_int(answer, "next_milestone"),
		    cmd_int(answer, "to_milestone"));
	table_print(t, stdout);
	table_free(t);
	cmd_print_breakdown(N_("By course:"), "COURSE",
	    json_object_get(answer, "by_course"));
	cmd_print_breakdown(N_("By venue:"), "VENUE",
	    json_object_get(answer, "by_venue"));
	cmd_print_breakdown(N_("By month:"), "MONTH",
	    json_object_get(answer, "by_month"));
}

static int
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
	if (due != NULL)
		table_kv(t, N_("outbox"), _("%lld pending, %lld sending, %lld "
		    "failed; next due %s"), cmd_int(o, "pending"),
		    cmd_int(o, "sending"), cmd_int(o, "failed"), due);
	else
		table_kv(t, N_("outbox"), _("%lld pending, %lld sending, %lld "
		    "failed"), cmd_int(o, "pending"), cmd_int(o, "sending"),
		    cmd_int(o, "failed"));
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
		table_kv(t, label, "%s", _("not configured"));
		return;
	}
	cmd_join(&text, " ", state == NULL ? _("unknown") :
	    strcmp(state, "ok") == 0 ? _("ok") :
	    strcmp(state, "unreachable") == 0 ? _("unreachable") :
	    strcmp(state, "waiting") == 0 ? _("waiting") : state);
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
		xasprintf(&part, _("- checked %s"), when);
		cmd_join(&text, " ", part);
		free(part);
		free(when);
	}
	table_kv(t, label, "%s", text);
	free(text);
}

/* The label of one of status' counts: a known key's, else the key. */
static const char *
cmd_status_count_label(const char *key)
{
	static const char *const labels[][2] = {
		{ "venues", N_("venues") },
		{ "courses", N_("course types") },
		{ "instructors", N_("instructors") },
		{ "sessions", N_("sessions") },
		{ "participants", N_("participants") },
		{ "registrations", N_("registrations") },
		{ "outbox_pending", N_("messages waiting") },
	};
	size_t	i;

	for (i = 0; i < sizeof labels / sizeof labels[0]; i++)
		if (strcmp(labels[i][0], key) == 0)
			return (labels[i][1]);
	return (key);
}

static void
cmd_print_status(struct cmd_ctx *ctx, json_t *answer)
{
	struct table	*t;
	json_t		*db, *v, *senders;
	const char	*key;
	char		*s, *label, *p;

	t = table_kv_new();
	table_kv(t, N_("version"), _("kursusd %s (admin API %lld)"),
	    cmd_str(answer, "version") != NULL ? cmd_str(answer, "version") :
	    "?", cmd_int(answer, "api_version"));
	table_kv(t, N_("admin"), "%s", client_where(ctx->client));
	s = cmd_uptime(cmd_int(answer, "uptime"));
	if (cmd_str(answer, "started_at") != NULL) {
		p = cmd_utc_time(cmd_str(answer, "started_at"));
		table_kv(t, N_("uptime"), _("%s (since %s)"), s, p);
		free(p);
	} else
		table_kv(t, N_("uptime"), "%s", s);
	free(s);
	db = json_object_get(answer, "database");
	cmd_kv(t, db, "path", N_("database"), V_TEXT);
	s = cmd_size(cmd_int(db, "size"));
	table_kv(t, N_("database size"), "%s", s);
	free(s);
	cmd_kv(t, db, "schema_version", N_("schema version"), V_INT);
	/* Counts are listed as they come, so new ones show up unasked; the
	 * ones known have a label in the CLI's language. */
	json_object_foreach(json_object_get(answer, "counts"), key, v) {
		label = xstrdup(cmd_status_count_label(key));
		for (p = label; *p != '\0'; p++)
			if (*p == '_')
				*p = ' ';
		cmd_kv(t, json_object_get(answer, "counts"), key, label,
		    V_INT);
		free(label);
	}
	cmd_status_outbox(t, json_object_get(answer, "outbox"));
	if (json_is_object(json_object_get(answer, "inbox")))
		table_kv(t, N_("inbox"), ngettext("%lld SMS reply unhandled",
		    "%lld SMS replies unhandled", cmd_int(json_object_get(
		    answer, "inbox"), "unhandled")), cmd_int(json_object_get(
		    answer, "inbox"), "unhandled"));
	senders = json_object_get(answer, "senders");
	cmd_status_sender(t, N_("e-mail (SMTP)"), json_object_get(senders,
	    "email"));
	cmd_status_sender(t, N_("SMS gateway"), json_object_get(senders,
	    "sms"));
	table_print(t, stdout);
	table_free(t);
}

/* Adds a reason, made one line (the server's words may hold more). */
static void __attribute__((format(printf, 2, 3)))
cmd_status_why(json_t *why, const char *fmt, ...)
{
	va_list	 ap;
	char	*s, *p;

	va_start(ap, fmt);
	xvasprintf(&s, fmt, ap);
	va_end(ap);
	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	json_array_append_new(why, json_string(s));
	free(s);
}

/* A sentence of cmd_status_attention(): in the CLI's language for people
 * (tr), in English for --json, which is the same in every language. */
static const char *cmd_status_fmt(int, const char *)
	    __attribute__((format_arg(2)));
static const char *cmd_status_nfmt(int, const char *, const char *,
	    long long) __attribute__((format_arg(2)));

static const char *
cmd_status_fmt(int tr, const char *s)
{
	return (tr ? _(s) : s);
}

static const char *
cmd_status_nfmt(int tr, const char *one, const char *more, long long n)
{
	return (tr ? ngettext(one, more, n) : n == 1 ? one : more);
}

/* A server that does not answer, or refuses every message. */
static void
cmd_status_server(json_t *why, int tr, const char *channel,
    const char *what, json_t *s)
{
	const char	*state = cmd_str(s, "state"), *error = cmd_str(s, "error");
	const char	*server = cmd_str(s, "server");
	char		*since;

	if (state == NULL)
		return;
	if (strcmp(state, "unreachable") == 0)
		cmd_status_why(why, cmd_status_fmt(tr, N_("%s: %s%s%s does "
		    "not answer: %s")), cmd_status_fmt(tr, channel),
		    cmd_status_fmt(tr, what), server != NULL ? " " : "",
		    server != NULL ? server : "", error != NULL ? error :
		    cmd_status_fmt(tr, N_("no reason given")));
	else if (strcmp(state, "waiting") == 0) {
		since = cmd_str(s, "waiting_since") != NULL ?
		    cmd_utc_time(cmd_str(s, "waiting_since")) : xstrdup("?");
		cmd_status_why(why, cmd_status_fmt(tr, N_("%s: messages wait "
		    "since %s: %s%s%s takes none of them: %s")),
		    cmd_status_fmt(tr, channel), since,
		    cmd_status_fmt(tr, what), server != NULL ? " " : "",
		    server != NULL ? server : "", error != NULL ? error :
		    cmd_status_fmt(tr, N_("no reason given")));
		free(since);
	}
}

/*
 * What needs someone's attention, one sentence each: a server down or
 * refusing every message; failed messages about sessions still ahead
 * (their people are on the sessions' call lists, to be phoned); a
 * pending message more than late seconds past its time.
 */
static json_t *
cmd_status_attention(json_t *answer, long long late, int tr)
{
	json_t		*why = json_array(), *senders, *o, *ids, *v;
	long long	 n, waited;
	char		*list = NULL, *id;
	size_t		 i;

	senders = json_object_get(answer, "senders");
	cmd_status_server(why, tr, N_("e-mail"), N_("the SMTP server"),
	    json_object_get(senders, "email"));
	cmd_status_server(why, tr, "SMS", N_("the SMS gateway"),
	    json_object_get(senders, "sms"));
	o = json_object_get(answer, "outbox");
	if ((n = cmd_int(o, "failed_upcoming")) > 0) {
		ids = json_object_get(o, "failed_sessions");
		json_array_foreach(ids, i, v) {
			xasprintf(&id, "%lld", (long long)json_integer_value(v));
			cmd_join(&list, ", ", id);
			free(id);
		}
		cmd_status_why(why, cmd_status_nfmt(tr, N_("outbox: %lld "
		    "message failed for sessions not yet started (%s%s): "
		    "phone those people, see 'kursusctl calllist %lld'"),
		    N_("outbox: %lld messages failed for sessions not yet "
		    "started (%s%s): phone those people, see 'kursusctl "
		    "calllist %lld'"), n), n,
		    list != NULL ? list : "?", json_array_size(ids) >= 10 ?
		    ", ..." : "",
		    (long long)json_integer_value(json_array_get(ids, 0)));
		free(list);
	}
	if ((n = cmd_int(json_object_get(answer, "inbox"), "unhandled")) > 0)
		cmd_status_why(why, cmd_status_nfmt(tr, N_("inbox: %lld SMS "
		    "reply waits for staff: see 'kursusctl inbox'"),
		    N_("inbox: %lld SMS replies wait for staff: see "
		    "'kursusctl inbox'"), n), n);
	if ((waited = cmd_int(o, "oldest_due_seconds")) > late)
		cmd_status_why(why, cmd_status_fmt(tr, N_("outbox: a message "
		    "has waited %lld min past its time to be sent (more than "
		    "%lld min)")), waited / 60,
		    late / 60);
	return (why);
}

static int
cmd_status(struct cmd_ctx *ctx)
{
	json_t		*answer, *why, *v;
	char		*cause;
	long long	 late = STATUS_LATE;
	size_t		 i;
	int		 ret;

	if ((v = json_object_get(ctx->opts, "late")) != NULL) {
		late = json_integer_value(v);
		if (late < 1 || late > 10080)
			return (kursusctl_usage_error(ctx->entry, _("--late %lld: "
			    "give 1 to 10080 minutes"), late));
	}
	ret = client_call(ctx->client, "GET", KURSUS_API_PREFIX "/status",
	    NULL, NULL, &answer, &cause);
	if (ret != 0) {
		kursusctl_error("%s", cause);
		free(cause);
		return (ret);
	}
	if (ctx->json) {
		why = cmd_status_attention(answer, late * 60, 0);
		json_object_set(answer, "attention", why);
		cmd_print_json(answer);
		json_decref(why);
	} else
		cmd_print_status(ctx, answer);
	why = cmd_status_attention(answer, late * 60, 1);
	json_array_foreach(why, i, v)
		kursusctl_error(_("needs attention: %s"), json_string_value(v));
	ret = json_array_size(why) > 0 ? KCTL_EXIT_ATTENTION : 0;
	json_decref(why);
	json_decref(answer);
	return (ret);
}

static void
cmd_print_settings(struct cmd_ctx *ctx, json_t *answer)
{
	struct table	*t;

	t = table_kv_new();
	cmd_kv(t, answer, "number_start", N_("number start"), V_INT);
	cmd_kv(t, answer, "next_number", N_("next number"), V_INT);
	table_print(t, stdout);
	table_free(t);
}

static int
cmd_settings(struct cmd_ctx *ctx)
{
	/* No options: show the settings; any option: change them. */
	if (json_object_size(ctx->opts) == 0)
		return (cmd_call(ctx, "GET", "settings", NULL, NULL, NULL,
		    cmd_print_settings));
	return (cmd_call(ctx, "PATCH", "settings", NULL, NULL, ctx->opts,
	    cmd_print_settings));
}
