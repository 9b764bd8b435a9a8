/*
 * register, unregister, registrations, waitlist and attendance: who comes
 * to a session, who waits for a seat, and who came.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "kursusctl.h"

static int	cmd_register(struct cmd_ctx *);
static int	cmd_unregister(struct cmd_ctx *);
static int	cmd_registrations(struct cmd_ctx *);
static int	cmd_waitlist(struct cmd_ctx *);
static int	cmd_attendance(struct cmd_ctx *);

static const struct cmd_option opt_register[] = {
	{ "companion", OPT_TRUE, "companion", NULL, N_("brings a companion "
	  "(\"ledsager\") who takes a second seat"), 0, 0, NULL, 0 },
	{ "walk-in", OPT_TRUE, "walk_in", NULL, N_("came in on the day: "
	  "registered and marked present, from an hour before the start to "
	  "the end of the day, over the capacity if need be"), 0, 0, NULL, 0 },
	{ "series", OPT_INT, "series", "SERIES", N_("every remaining session of "
	  "the series (no SESSION): a seat where there is one, the waitlist "
	  "where not, one message with all the dates"), 0, 0, NULL, 0 },
	{ "participant", OPT_INT, "participant", "ID", N_("the participant, by "
	  "id (the same as giving it after SESSION)"), 0, 1, NULL, 0 },
	{ "new", OPT_TRUE, "new_participant", NULL, N_("with --name: a new "
	  "participant even when another already has the phone or e-mail "
	  "(spouses sharing a landline)"), 0, 1, NULL, 0 },
	OPT_END
};

static const struct cmd_option opt_unregister[] = {
	{ "series", OPT_INT, "series", "SERIES", N_("from every remaining "
	  "session of the series (no SESSION), with one message"), 0, 0, NULL,
	  0 },
	{ "number", OPT_INT, "number", "NR", N_("the registration's running "
	  "number (kursist nr.) instead of the participant id"), 0, 0, NULL,
	  0 },
	OPT_END
};

static const struct cmd_option opt_registrations[] = {
	{ "status", OPT_TEXT, "status", "STATUS", N_("confirmed, waitlisted or "
	  "cancelled"), 0, 0, "confirmed waitlisted cancelled", CMPL_VALUES },
	OPT_END
};

static const struct cmd_option opt_print[] = {
	{ "print", OPT_TEXT, "print", "html", N_("the participant list to take "
	  "along: a page of plain text, or =html a page to print from a "
	  "browser; names, phones, companions, what to bring, a column to "
	  "tick"), OPT_OPTVAL | OPT_OUTPUT, OPT_GROUP_OUTPUT, "html",
	  CMPL_VALUES },
	OPT_END
};

static const struct cmd_option opt_attendance[] = {
	{ "present", OPT_LIST, "present", "WHO,...", N_("people who came: "
	  "participant ids, kursist numbers (nr:3000) or names, separated by "
	  "commas or the option repeated"), 0, 0, NULL, 0 },
	{ "absent", OPT_LIST, "absent", "WHO,...", N_("people who did not "
	  "come, named the same way"), 0, 0, NULL, 0 },
	{ "all-present", OPT_TRUE, "all_present", NULL, N_("everyone confirmed "
	  "came (but those named by --absent)"), 0, 0, NULL, 0 },
	OPT_END
};

const struct cmd_entry cmd_register_entry = {
	"register", NULL, "SESSION PARTICIPANT [--companion] [--walk-in]\n"
	"       kursusctl register SESSION --participant ID [options]\n"
	"       kursusctl register SESSION --name NAME [--phone PHONE] "
	"[--email ADDRESS | --no-contact] [--new] [options]\n"
	"       kursusctl register --series SERIES (PARTICIPANT | --name NAME "
	"...) [--companion]", 0, 2, 0,
	{ opt_register, cmd_participant_opt, NULL }, cmd_register,
	N_("Register a participant for a session.\nWith --name instead of a "
	"participant id, the participant who already has that phone or "
	"e-mail and name is registered (a caller is one person, however "
	"often they ring); nobody known: a new participant is created in the "
	"same step. The same phone or e-mail under another name is refused "
	"with the matches: choose one with --participant ID, or --new. The "
	"registration is confirmed while seats remain, else waitlisted."),
	0, NULL
};

const struct cmd_entry cmd_unregister_entry = {
	"unregister", NULL, "SESSION PARTICIPANT|nr:NUMBER\n"
	"       kursusctl unregister SESSION --number NUMBER\n"
	"       kursusctl unregister --series SERIES PARTICIPANT", 1, 2, 0,
	{ opt_unregister, NULL }, cmd_unregister, N_("Cancel a registration.\n"
	"Name it by participant id (3) or by its running number, the "
	"kursist nr. (nr:3000 or --number 3000). The first people on the "
	"waitlist move up while they fit. With --series, every remaining "
	"registration of the series, told in one message."), 0, NULL
};

const struct cmd_entry cmd_registrations_entry = {
	"registrations", NULL, "SESSION [--status STATUS] [--csv[=excel] | "
	"--print[=html]]", 1, 1, 0,
	{ opt_registrations, opt_print, cmd_opt_csv, NULL }, cmd_registrations,
	N_("List a session's registrations.\nWith --print, the list of everyone "
	"confirmed for the instructor to take along, sorted by name: course, "
	"time, venue and address at the top, a line to tick for each, and "
	"empty lines for people who come without registering."), 0, NULL
};

const struct cmd_entry cmd_waitlist_entry = {
	"waitlist", NULL, "SESSION [--csv[=excel]]", 1, 1, 0,
	{ cmd_opt_csv, NULL }, cmd_waitlist,
	N_("Show a session's waitlist in order."), 0, NULL
};

const struct cmd_entry cmd_attendance_entry = {
	"attendance", NULL, "SESSION [--present WHO,...] [--absent WHO,...] "
	"[--all-present]", 1, 1, 0, { opt_attendance, NULL }, cmd_attendance,
	N_("Record who came to a session.\nName people by participant id, by "
	"kursist nr. as on the printed list (nr:3000; a bare number is taken "
	"as whichever of the two it is in the session), or by name (a part "
	"of it will do when it fits one person only). --all-present marks "
	"everyone confirmed at once. Nothing is recorded unless every name "
	"fits."), 0, NULL
};

/* How a registration stands: "confirmed", "waitlisted, position 2", with
 * ", with companion" and ", present" after it. Caller frees. */
static char *
cmd_outcome_state(json_t *r)
{
	const char	*status = cmd_str(r, "status");
	char		*s;

	if (status != NULL && strcmp(status, "waitlisted") == 0 &&
	    json_is_integer(json_object_get(r, "waitlist_position")))
		s = xprintf(_("waitlisted, position %lld"), cmd_int(r,
		    "waitlist_position"));
	else
		s = xstrdup(status != NULL ? value_shown("registration",
		    status) : "?");
	if (json_is_true(json_object_get(r, "companion")))
		cmd_join(&s, ", ", _("with companion"));
	if (json_is_string(json_object_get(r, "attendance")) &&
	    strcmp(cmd_str(r, "attendance"), "attended") == 0)
		cmd_join(&s, ", ", _("present"));
	return (s);
}

/* What a registration's answer tells, one whole sentence for each way it
 * came about (each its own msgid: the Danish order differs). */
enum cmd_outcome { OUTCOME_REGISTERED, OUTCOME_KNOWN, OUTCOME_PROMOTED };

/* "Jørgen Smidstrup registered for session 4 (confirmed), kursist nr.
 * 3000"; who names the person when the answer does not. */
static void
cmd_print_outcome(json_t *r, int how, const char *who, long long session)
{
	const char	*name = cmd_str(r, "participant_name");
	char		*state = cmd_outcome_state(r);
	long long	 nr = cmd_int(r, "number");

	if (name == NULL)
		name = who;
	switch (how) {
	case OUTCOME_KNOWN:
		if (nr > 0)
			printf(_("%s (participant %lld) is known already – "
			    "registered for session %lld (%s), kursist nr. "
			    "%lld\n"), name, cmd_int(r, "participant_id"),
			    session, state, nr);
		else
			printf(_("%s (participant %lld) is known already – "
			    "registered for session %lld (%s)\n"), name,
			    cmd_int(r, "participant_id"), session, state);
		break;
	case OUTCOME_PROMOTED:
		if (nr > 0)
			printf(_("%s moved up from the waitlist for session "
			    "%lld (%s), kursist nr. %lld\n"), name, session,
			    state, nr);
		else
			printf(_("%s moved up from the waitlist for session "
			    "%lld (%s)\n"), name, session, state);
		break;
	default:
		if (nr > 0)
			printf(_("%s registered for session %lld (%s), kursist "
			    "nr. %lld\n"), name, session, state, nr);
		else
			printf(_("%s registered for session %lld (%s)\n"),
			    name, session, state);
		break;
	}
	free(state);
}

static void
cmd_print_registered(struct cmd_ctx *ctx, json_t *answer)
{
	int	known;

	known = json_is_true(json_object_get(answer, "participant_known"));
	if (!known && ctx->argc == 1 && json_object_get(ctx->opts,
	    "participant") == NULL)
		printf(_("Created participant %lld.\n"),
		    cmd_int(answer, "participant_id"));
	cmd_print_outcome(answer, known ? OUTCOME_KNOWN : OUTCOME_REGISTERED,
	    ctx->argc == 2 ? ctx->argv[1] : _("participant"),
	    cmd_argv_id(ctx, 0));
	if (json_is_true(json_object_get(answer, "over_capacity")))
		printf(_("Note: session %lld now has more people than seats.\n"),
		    cmd_argv_id(ctx, 0));
}

static int
cmd_register(struct cmd_ctx *ctx)
{
	json_t		*body, *person, *v;
	long long	 session, participant = 0;
	int		 ret, by_id;
	static const char *flags[] = { "companion", "walk_in",
	    "new_participant" };
	size_t		 i;

	if (json_object_get(ctx->opts, "series") != NULL)
		return (cmd_series_register(ctx));
	if (ctx->argc == 0)
		return (kursusctl_usage_error(ctx->entry, _("give a SESSION, or "
		    "--series SERIES")));
	if ((ret = cmd_arg_id(ctx, 0, N_("session"), &session)) != 0)
		return (ret);
	if (ctx->argc == 2 &&
	    (ret = cmd_arg_id(ctx, 1, N_("participant"), &participant)) != 0)
		return (ret);
	if ((v = json_object_get(ctx->opts, "participant")) != NULL) {
		if (ctx->argc == 2)
			return (kursusctl_usage_error(ctx->entry, _("give the "
			    "participant once: after SESSION or as "
			    "--participant")));
		participant = json_integer_value(v);
	}
	by_id = ctx->argc == 2 || v != NULL;

	/* Everything but the flags is about a new person. */
	person = json_deep_copy(ctx->opts);
	json_object_del(person, "participant");
	body = json_object();
	for (i = 0; i < sizeof flags / sizeof flags[0]; i++) {
		if ((v = json_object_get(ctx->opts, flags[i])) != NULL)
			json_object_set(body, flags[i], v);
		json_object_del(person, flags[i]);
	}
	if (by_id && json_object_size(person) > 0)
		ret = kursusctl_usage_error(ctx->entry, _("give a participant "
		    "id or --name and contact details, not both"));
	else if (!by_id && json_object_get(person, "name") == NULL)
		ret = kursusctl_usage_error(ctx->entry, _("give a participant "
		    "id, or --name to create one"));
	else if (by_id && json_object_get(body, "new_participant") != NULL)
		ret = kursusctl_usage_error(ctx->entry, _("--new goes with "
		    "--name, not with a participant id"));
	if (ret != 0) {
		json_decref(person);
		json_decref(body);
		return (ret);
	}
	if (by_id) {
		json_object_set_new(body, "participant",
		    json_integer(participant));
		json_decref(person);
	} else
		json_object_set_new(body, "participant", person);

	ret = cmd_call(ctx, "POST", "sessions", ctx->argv[0],
	    "/registrations", body, cmd_print_registered);
	json_decref(body);
	return (ret);
}

static void
cmd_print_unregistered(struct cmd_ctx *ctx, json_t *answer)
{
	json_t		*r, *cancelled;
	long long	 session;
	const char	*name;
	size_t		 i;

	session = cmd_argv_id(ctx, 0);
	cancelled = json_object_get(answer, "cancelled");
	name = cmd_str(cancelled, "participant_name");
	printf(_("%s (participant %lld, kursist nr. %lld) unregistered from "
	    "session %lld.\n"), name != NULL ? name : "?",
	    cmd_int(cancelled, "participant_id"), cmd_int(cancelled, "number"),
	    session);
	json_array_foreach(json_object_get(answer, "promoted"), i, r)
		cmd_print_outcome(r, OUTCOME_PROMOTED, _("someone"), session);
}

static int
cmd_unregister(struct cmd_ctx *ctx)
{
	long long	 session, id;
	json_t		*nr = json_object_get(ctx->opts, "number");
	const char	*who;
	char		*tail;
	int		 ret;

	if (json_object_get(ctx->opts, "series") != NULL)
		return (cmd_series_unregister(ctx));
	if ((ret = cmd_arg_id(ctx, 0, N_("session"), &session)) != 0)
		return (ret);
	if ((ctx->argc == 2) == (nr != NULL))
		return (kursusctl_usage_error(ctx->entry, _("name the "
		    "registration once: a participant id, nr:NUMBER or "
		    "--number NUMBER")));
	if (nr != NULL)
		xasprintf(&tail, "/registrations/nr:%lld",
		    (long long)json_integer_value(nr));
	else {
		who = ctx->argv[1];
		if (strncmp(who, "nr:", 3) != 0 &&
		    (ret = cmd_arg_id(ctx, 1, N_("participant"), &id)) != 0)
			return (ret);
		if (strncmp(who, "nr:", 3) == 0 &&
		    strspn(who + 3, "0123456789") != strlen(who + 3))
			return (kursusctl_usage_error(ctx->entry, _("\"%s\" is "
			    "not a kursist nr.: write nr: and the number, "
			    "nr:3000"), who));
		xasprintf(&tail, "/registrations/%s", who);
	}
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
	if (table_csv())
		cmd_print_registrations(regs, mode);
	else if (json_array_size(regs) == 0 && mode == REG_WAITLIST)
		printf(_("No one is waiting for session %lld.\n"), session);
	else if (json_array_size(regs) == 0)
		printf(_("No registrations for session %lld.\n"), session);
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

static int
cmd_registrations(struct cmd_ctx *ctx)
{
	const char	*how;
	long long	 id;
	int		 ret;

	how = json_string_value(json_object_get(ctx->output, "print"));
	if (how != NULL) {
		if ((ret = cmd_arg_id(ctx, 0, N_("session"), &id)) != 0)
			return (ret);
		if (json_object_get(ctx->opts, "status") != NULL)
			return (kursusctl_usage_error(ctx->entry, _("--print "
			    "lists the people confirmed; --status does not go "
			    "with it")));
		return (cmd_print_roster(ctx, how));
	}
	return (cmd_call_id(ctx, N_("session"), "GET", "sessions",
	    "/registrations", ctx->opts, cmd_print_registration_list));
}

static int
cmd_waitlist(struct cmd_ctx *ctx)
{
	return (cmd_call_id(ctx, N_("session"), "GET", "sessions", "/waitlist",
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
	if (json_is_true(json_object_get(ctx->opts, "all_present"))) {
		if (cmd_int(answer, "marked_absent") > 0)
			printf(_("Marked %lld present and %lld absent.\n"),
			    cmd_int(answer, "marked_present"),
			    cmd_int(answer, "marked_absent"));
		else
			printf(_("Marked %lld present.\n"), cmd_int(answer,
			    "marked_present"));
	}
	json_array_foreach(regs, i, r) {
		if ((a = cmd_str(r, "attendance")) == NULL)
			continue;
		if (strcmp(a, "attended") == 0)
			attended++;
		else if (strcmp(a, "no-show") == 0)
			noshow++;
	}
	printf(_("Session %lld: %lld attended, %lld no-show, %lld not "
	    "recorded.\n"), session, attended, noshow,
	    (long long)json_array_size(regs) - attended - noshow);
	if (json_array_size(regs) > 0)
		cmd_print_registrations(regs, REG_SESSION);
}

/* "3000, nr:3001,Jørgen" as the words between the commas, trimmed. */
static void
cmd_attendance_split(json_t *opts, const char *field)
{
	json_t		*list, *v, *out;
	char		*copy, *p, *word, *end;
	size_t		 i;

	if ((list = json_object_get(opts, field)) == NULL)
		return;
	out = json_array();
	json_array_foreach(list, i, v) {
		copy = p = xstrdup(json_string_value(v));
		while ((word = strsep(&p, ",")) != NULL) {
			while (*word == ' ')
				word++;
			end = word + strlen(word);
			while (end > word && end[-1] == ' ')
				*--end = '\0';
			if (*word != '\0')
				json_array_append_new(out, json_string(word));
		}
		free(copy);
	}
	json_object_set_new(opts, field, out);
}

static int
cmd_attendance(struct cmd_ctx *ctx)
{
	long long	 session;
	int		 ret;

	if ((ret = cmd_arg_id(ctx, 0, N_("session"), &session)) != 0)
		return (ret);
	if (json_object_size(ctx->opts) == 0)
		return (kursusctl_usage_error(ctx->entry, _("give --present, "
		    "--absent, --all-present or some of them")));
	cmd_attendance_split(ctx->opts, "present");
	cmd_attendance_split(ctx->opts, "absent");
	return (cmd_call(ctx, "POST", "sessions", ctx->argv[0],
	    "/attendance", ctx->opts, cmd_print_attendance));
}
