/*
 * outbox, outbox show, retry and cancel: the notices kursusd has queued,
 * sent or given up on; and preview: the message a participant would get.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "kursusctl.h"

static int	cmd_outbox(struct cmd_ctx *);
static int	cmd_outbox_show(struct cmd_ctx *);
static int	cmd_outbox_retry(struct cmd_ctx *);
static int	cmd_outbox_cancel(struct cmd_ctx *);
static int	cmd_preview(struct cmd_ctx *);

static const struct cmd_option opt_outbox[] = {
	{ "state", OPT_TEXT, "state", "STATE", N_("only notices in this state: "
	  "pending, sending, sent, failed, skipped or cancelled"), 0, 0,
	  "pending sending sent failed skipped cancelled", CMPL_VALUES },
	{ "session", OPT_INT, "session", "ID", N_("only notices about this "
	  "session"), 0, 0, NULL, 0 },
	{ "batch", OPT_TEXT, "batch", "BATCH", N_("only the messages of one "
	  "`remind'"), 0, 0, NULL, 0 },
	{ "kind", OPT_TEXT, "kind", "KIND", N_("only notices of this kind (see "
	  "`kursusctl help kinds')"), 0, 0, NULL, CMPL_KIND },
	{ "participant", OPT_INT, "participant", "ID", N_("only notices to this "
	  "participant"), 0, 0, NULL, 0 },
	OPT_END
};

static const struct cmd_option opt_preview[] = {
	{ "kind", OPT_TEXT, "kind", "KIND", N_("the kind of message: reminder "
	  "(the default) or another (see `kursusctl help kinds')"), 0, 0,
	  NULL, CMPL_KIND_PREVIEW },
	{ "via", OPT_TEXT, "via", "CHANNEL", N_("sms or email (default: sms "
	  "when the person has a mobile number, else email)"), 0, 0,
	  "sms email", CMPL_VALUES },
	{ "message", OPT_TEXT, "message", "TEXT", N_("staff's message, for "
	  "--kind staff"), 0, 0, NULL, 0 },
	OPT_END
};

const struct cmd_entry cmd_outbox_entry = {
	"outbox", NULL, "[--state STATE] [--session ID] [--batch BATCH] "
	"[--kind KIND] [--participant ID] [--all] [--limit N] [--cursor "
	"CURSOR] [--csv[=excel]]", 0, 0, 0,
	{ opt_outbox, pages_options, cmd_opt_csv }, cmd_outbox,
	N_("List notices: waiting, sent, failed.\nA page at a time (100 "
	"notices unless --limit says); --all prints every page. See also "
	"'outbox show', 'outbox retry' and 'outbox cancel'."), 0, NULL
};

const struct cmd_entry cmd_outbox_show_entry = {
	"outbox", "show", "ID", 1, 1, 0, CMD_NOOPT, cmd_outbox_show,
	N_("Show one notice whole: its text and how sending went."), 0, NULL
};

const struct cmd_entry cmd_outbox_retry_entry = {
	"outbox", "retry", "ID", 1, 1, 0, CMD_NOOPT, cmd_outbox_retry,
	N_("Send a failed, skipped or cancelled notice again, now."), 0, NULL
};

const struct cmd_entry cmd_outbox_cancel_entry = {
	"outbox", "cancel", "ID", 1, 1, 0, CMD_NOOPT, cmd_outbox_cancel,
	N_("Stop a notice that has not gone out yet."), 0, NULL
};

const struct cmd_entry cmd_preview_entry = {
	"preview", NULL, "SESSION PARTICIPANT [--kind KIND] [--via "
	"sms|email]", 2, 2, 0, { opt_preview, NULL }, cmd_preview,
	N_("Show the message a participant would get.\nWith the SMS parts it "
	"takes, as the course type's own template or the built-in text "
	"gives it."), 0, NULL
};

static const struct cmd_column cmd_outbox_columns[] = {
	{ ">ID", "id", V_INT },
	{ "KIND", "kind", V_TEXT },
	{ "CHANNEL", "channel", V_CHANNEL },
	{ "RECIPIENT", "recipient", V_TEXT },
	{ ">PARTICIPANT", "participant_id", V_INT },
	{ ">SESSION", "session_id", V_INT },
	{ "STATE", "state", V_STATE },
	{ "DUE", "due_at", V_UTC },
	{ "NOTE", "last_error", V_TEXT },
	COLS_END
};

static int
cmd_outbox(struct cmd_ctx *ctx)
{
	return (pages_list(ctx, "outbox", "outbox", cmd_list_rows,
	    cmd_outbox_columns, N_("No notices.")));
}

static const struct cmd_field cmd_notice_fields[] = {
	{ "id", N_("id"), V_INT },
	{ "kind", N_("kind"), V_TEXT },
	{ "channel", N_("channel"), V_CHANNEL },
	{ "recipient", N_("recipient"), V_TEXT },
	{ "participant_id", N_("participant"), V_INT },
	{ "session_id", N_("session"), V_INT },
	{ "registration_id", N_("registration"), V_INT },
	{ "language", N_("language"), V_TEXT },
	{ "state", N_("state"), V_STATE },
	{ "attempts", N_("attempts"), V_INT },
	{ "due_at", N_("due"), V_UTC },
	{ "next_attempt", N_("next attempt"), V_UTC },
	{ "sent_at", N_("sent"), V_UTC },
	{ "last_error", N_("last error"), V_TEXT },
	{ "provider_id", N_("provider id"), V_TEXT },
	{ "batch", N_("batch"), V_TEXT },
	{ "sequence", N_("sequence"), V_INT },
	{ "created_at", N_("created"), V_UTC },
	{ "updated_at", N_("updated"), V_UTC },
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
		table_kv(t, N_("detail"), "%s", s);
		free(s);
	}
	if ((att = cmd_str(answer, "attachment")) != NULL) {
		method = cmd_calendar_method(att);
		table_kv(t, N_("attachment"), "text/calendar; method=%s (%zu "
		    "bytes)", method != NULL ? method : "?", strlen(att));
	}
	if (cmd_str(answer, "subject") != NULL)
		table_kv(t, N_("subject"), "%s", cmd_str(answer, "subject"));
	if (table_rows(t) > 0)
		table_print(t, stdout);
	table_free(t);
	if (cmd_str(answer, "body") != NULL)
		cmd_print_body(cmd_str(answer, "body"));
	else
		printf(_("\n(The text is written when the notice is sent.)\n"));
}

static int
cmd_outbox_show(struct cmd_ctx *ctx)
{
	return (cmd_call_id(ctx, N_("notice"), "GET", "outbox", NULL, NULL,
	    cmd_print_notice));
}

static void
cmd_print_retried(struct cmd_ctx *ctx, json_t *answer)
{
	const char	*state = cmd_str(answer, "state");

	printf(_("Notice %lld is %s again: it goes out shortly.\n"),
	    cmd_argv_id(ctx, 0), value_shown("notice", state != NULL ?
	    state : "pending"));
}

static void
cmd_print_withdrawn(struct cmd_ctx *ctx, json_t *answer)
{
	const char	*state = cmd_str(answer, "state");

	printf(_("Notice %lld is %s: it will not be sent.\n"),
	    cmd_argv_id(ctx, 0), value_shown("notice", state != NULL ?
	    state : "cancelled"));
}

static int
cmd_outbox_retry(struct cmd_ctx *ctx)
{
	return (cmd_call_id(ctx, N_("notice"), "POST", "outbox", "/retry", NULL,
	    cmd_print_retried));
}

static int
cmd_outbox_cancel(struct cmd_ctx *ctx)
{
	return (cmd_call_id(ctx, N_("notice"), "POST", "outbox", "/cancel",
	    NULL, cmd_print_withdrawn));
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
	to = cmd_recipient(answer, sms);
	printf(sms ? _("SMS to: %s\n") : _("E-mail to: %s\n"), to);
	free(to);
	if (json_is_false(json_object_get(answer, "reachable")))
		printf(_("(This is not sent to them: %s. Read it out on the "
		    "phone.)\n"), cmd_str(answer, "reason") != NULL ?
		    cmd_str(answer, "reason") : _("they cannot get it"));
	if (cmd_str(answer, "subject") != NULL)
		printf(_("Subject: %s\n"), cmd_str(answer, "subject"));
	cmd_print_body(cmd_str(answer, "body"));
	putchar('\n');
	if (sms) {
		segments = cmd_int(answer, "segments");
		units = cmd_int(answer, "units");
		ucs2 = json_is_true(json_object_get(answer, "ucs2"));
		if (segments <= 1)
			printf(_("1 SMS (%s, %lld of %d characters)\n"), ucs2 ?
			    "UCS-2" : "GSM 03.38", units, ucs2 ? 70 : 160);
		else {
			per = ucs2 ? 67 : 153;
			printf(_("%lld SMS (%s, %lld characters, %lld per "
			    "part)\n"), segments, ucs2 ? "UCS-2" : "GSM 03.38",
			    units, per);
		}
	} else if ((method = cmd_str(answer, "calendar_method")) != NULL)
		printf(_("With an invitation: text/calendar; method=%s\n"),
		    method);
}

static int
cmd_preview(struct cmd_ctx *ctx)
{
	json_t		*query;
	long long	 session, participant;
	int		 ret;

	if ((ret = cmd_arg_id(ctx, 0, N_("session"), &session)) != 0 ||
	    (ret = cmd_arg_id(ctx, 1, N_("participant"), &participant)) != 0)
		return (ret);
	query = json_deep_copy(ctx->opts);
	json_object_set_new(query, "participant", json_integer(participant));
	ret = cmd_call(ctx, "GET", "sessions", ctx->argv[0], "/preview",
	    query, cmd_print_preview);
	json_decref(query);
	return (ret);
}
