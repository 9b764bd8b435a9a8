/*
 * remind and calllist: sending a reminder (or staff's own message) now and
 * following it out, and the list of people staff must phone instead.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "kursusctl.h"

static int	cmd_remind(struct cmd_ctx *);
static int	cmd_calllist(struct cmd_ctx *);

static const struct cmd_option opt_remind[] = {
	{ "via", OPT_TEXT, "via", "CHANNEL", N_("email, sms or both (the "
	  "default): both sends on every channel a person consented to"), 0,
	  0, "email sms both", CMPL_VALUES },
	{ "message", OPT_TEXT, "message", "TEXT", N_("your own message instead "
	  "of the reminder text (at most 1000 characters; never a CPR "
	  "number)"), 0, 0, NULL, 0 },
	{ "include-waitlist", OPT_TRUE, "include_waitlist", NULL, N_("also the "
	  "people on the waitlist"), 0, 0, NULL, 0 },
	{ "wait", OPT_INT, "wait", "SECONDS", N_("wait this long for the "
	  "messages to go out (default 120)"), 0, 3, NULL, 0 },
	{ "no-wait", OPT_TRUE, "no_wait", NULL, N_("queue the messages and "
	  "return at once"), 0, 3, NULL, 0 },
	OPT_END
};

const struct cmd_entry cmd_remind_entry = {
	"remind", NULL, "SESSION [--via email|sms|both] [--message TEXT] "
	"[--include-waitlist] [--wait SECONDS | --no-wait]", 1, 1, 0,
	{ opt_remind, NULL }, cmd_remind,
	N_("Send a reminder, or your own message, now to everyone "
	"confirmed.\nShows how sending goes, then a summary: sent, failed "
	"and why, and who cannot be reached (put them on the call list). "
	"Exits 1 if anything failed, is still waiting when the wait ends, "
	"or someone could not be reached."), 0, NULL
};

const struct cmd_entry cmd_calllist_entry = {
	"calllist", NULL, "SESSION [--csv[=excel]]", 1, 1, 0,
	{ cmd_opt_csv, NULL }, cmd_calllist,
	N_("Print who to phone about a session, and why.\nEveryone registered "
	"who gets neither SMS nor e-mail (landline only, no consent, no "
	"contact details), and everyone a message to has failed; sorted by "
	"name, to print."), 0, NULL
};

/* "SMS to +45 20 30 40 50" or "e-mail to a@b.dk" for an outbox row. */
static char *
cmd_notice_to(json_t *row)
{
	const char	*channel = cmd_str(row, "channel");
	char		*to, *s;
	int		 sms;

	if (channel != NULL && strcmp(channel, "call") == 0)
		return (xstrdup(_("call list")));
	sms = channel != NULL && strcmp(channel, "sms") == 0;
	to = cmd_recipient(row, sms);
	xasprintf(&s, sms ? _("SMS to %s") : _("e-mail to %s"), to);
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

	xasprintf(&s, ngettext("%lld message: %lld sent, %lld failed, %lld "
	    "waiting", "%lld messages: %lld sent, %lld failed, %lld waiting",
	    t->total), t->total, t->sent, t->failed, t->waiting);
	if (t->other > 0) {
		char *more;

		xasprintf(&more, _("%s, %lld not sent"), s, t->other);
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
 * Every row of a batch, page after page (a session's batch is as large as
 * its list of people); 0, or the exit code after saying why not.
 */
static int
cmd_remind_batch(struct cmd_ctx *ctx, const char *path, json_t *query,
    json_t **answer)
{
	json_t		*q = json_copy(query), *page;
	const char	*next;
	char		*cause;
	int		 ret;

	*answer = NULL;
	for (;;) {
		if ((ret = client_call(ctx->client, "GET", path, q, NULL, &page,
		    &cause)) != 0) {
			kursusctl_error("%s", cause);
			free(cause);
			json_decref(*answer);
			*answer = NULL;
			break;
		}
		if (*answer == NULL)
			*answer = json_incref(page);
		else
			json_array_extend(json_object_get(*answer, "outbox"),
			    json_object_get(page, "outbox"));
		next = json_string_value(json_object_get(page, "next"));
		if (next == NULL) {
			json_decref(page);
			json_object_del(*answer, "next");
			break;
		}
		json_object_set_new(q, "cursor", json_string(next));
		json_decref(page);
	}
	json_decref(q);
	return (ret);
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
	char			*path, *line, *shown = NULL;
	int			 tty = isatty(STDERR_FILENO);

	path = cmd_path("outbox", NULL, NULL);
	query = json_pack("{s:s, s:i}", "batch", batch, "limit",
	    KURSUS_API_PAGE_MAX);
	for (;;) {
		if ((*ret = cmd_remind_batch(ctx, path, query, &answer)) != 0) {
			if (tty && shown != NULL)
				fputc('\n', stderr);
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
	printf(_("Unreachable: %zu (phone them; see 'kursusctl calllist %s'):\n"),
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

static int
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
	int			 ret, nowait, bad = 0, failed;

	if ((ret = cmd_arg_id(ctx, 0, N_("session"), &session)) != 0)
		return (ret);
	if ((v = json_object_get(ctx->opts, "wait")) != NULL) {
		wait = json_integer_value(v);
		if (wait < 0 || wait > 86400)
			return (kursusctl_usage_error(ctx->entry, _("--wait %lld: "
			    "give 0 to 86400 seconds"), wait));
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
		printf(_("Nothing sent for session %lld: %s.\n"), session,
		    json_array_size(json_object_get(answer, "unreachable")) >
		    0 ? _("nobody registered can get it") : _("nobody is "
		    "registered"));
	else if (nowait || rows == NULL)
		printf(ngettext("Queued %lld message for session %lld (batch "
		    "%s).\nFollow it with 'kursusctl outbox --batch %s'.\n",
		    "Queued %lld messages for session %lld (batch %s).\n"
		    "Follow them with 'kursusctl outbox --batch %s'.\n",
		    queued), queued, session, batch, batch);
	else {
		printf(ngettext("Session %lld, batch %s: %lld message.\n",
		    "Session %lld, batch %s: %lld messages.\n", queued),
		    session, batch, queued);
		printf(_("Sent: %lld\n"), t.sent);
		printf(_("Failed: %lld\n"), t.failed + t.other);
		json_array_foreach(rows, i, r) {
			state = cmd_str(r, "state");
			if (state == NULL || strcmp(state, "sent") == 0 ||
			    strcmp(state, "pending") == 0 ||
			    strcmp(state, "sending") == 0)
				continue;
			to = cmd_notice_to(r);
			err = cmd_str(r, "last_error");
			failed = strcmp(state, "failed") == 0;
			printf("  %s: %s%s%s\n", to, failed ? "" :
			    value_shown("notice", state), failed ||
			    err == NULL ? "" : ": ", err != NULL ? err :
			    failed ? _("no reason given") : "");
			free(to);
		}
		if (t.waiting > 0)
			printf(_("Still waiting: %lld (see 'kursusctl outbox "
			    "--batch %s')\n"), t.waiting, batch);
	}
	cmd_print_unreachable(json_object_get(answer, "unreachable"),
	    ctx->argv[0]);
out:
	json_decref(rows);
	json_decref(answer);
	return (bad ? KCTL_EXIT_REFUSED : 0);
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
	if (table_csv())
		goto table;
	when = cmd_str(s, "start") != NULL ? cmd_local_time(cmd_str(s,
	    "start")) : xstrdup("?");
	printf(cmd_str(s, "status") != NULL && strcmp(cmd_str(s, "status"),
	    "cancelled") == 0 ? _("Call list for session %lld: %s, %s, %s "
	    "(CANCELLED)\n\n") : _("Call list for session %lld: %s, %s, "
	    "%s\n\n"), session, cmd_str(s, "course_title") != NULL ?
	    cmd_str(s, "course_title") : "?", when, cmd_str(s, "venue_name") !=
	    NULL ? cmd_str(s, "venue_name") : "?");
	free(when);
	if (json_array_size(list) == 0) {
		printf(_("Nobody to phone: everyone registered gets SMS or "
		    "e-mail, and nothing has failed.\n"));
		return;
	}
table:
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
			table_cell(t, table_csv() ? "waitlisted #%lld" :
			    _("waitlisted #%lld"), cmd_int(p,
			    "waitlist_position"));
		else
			table_cell(t, "%s", status != NULL ?
			    value_shown("registration", status) : "-");
		cmd_cell(t, p, "reasons", V_TEXT);
		if (table_csv())
			table_cell(t, "%s", "");
		else
			table_cell(t, "[ ]");
	}
	table_print(t, stdout);
	table_free(t);
	if (!table_csv())
		printf(ngettext("\n%zu person to phone.\n",
		    "\n%zu people to phone.\n", json_array_size(list)),
		    json_array_size(list));
}

static int
cmd_calllist(struct cmd_ctx *ctx)
{
	return (cmd_call_id(ctx, N_("session"), "GET", "sessions", "/calllist",
	    NULL, cmd_print_calllist));
}
