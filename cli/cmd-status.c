/*
 * stats, status and settings: the numbers over a period, how the daemon
 * and its senders are, and the few settings kept in the database.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "kursusctl.h"

static int	cmd_stats(struct cmd_ctx *);
static int	cmd_status(struct cmd_ctx *);
static int	cmd_settings(struct cmd_ctx *);

static const struct cmd_option opt_range[] = {
	{ "from", OPT_TEXT, "from", "TIME", "from this time", 0, 0, NULL, 0 },
	{ "to", OPT_TEXT, "to", "TIME", "until this time", 0, 0, NULL, 0 },
	OPT_END
};

static const struct cmd_option opt_settings[] = {
	{ "number-start", OPT_INT, "number_start", "N", "where the running "
	  "participant number (\"kursist nr.\") starts", 0, 0, NULL, 0 },
	OPT_END
};

const struct cmd_entry cmd_stats_entry = {
	"stats", NULL, "[--from TIME] [--to TIME]", 0, 0, 0,
	{ opt_range, NULL }, cmd_stats,
	"Show statistics: totals, by course, venue and month.", 0, NULL
};

const struct cmd_entry cmd_status_entry = {
	"status", NULL, "", 0, 0, 0, CMD_NOOPT, cmd_status,
	"Show the daemon's version, uptime, database and counts.\nAnd the "
	"outbox (pending, failed, next due) and whether the SMTP server and "
	"SMS gateway answer.", 0, NULL
};

const struct cmd_entry cmd_settings_entry = {
	"settings", NULL, "[--number-start N]", 0, 0, 0,
	{ opt_settings, NULL }, cmd_settings,
	"Show or change settings.", 0, NULL
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

static int
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
