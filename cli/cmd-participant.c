/*
 * participant add, list, show, edit, remove (cmd-resource.c's handlers)
 * and rotate-token (cmd-feeds.c's): the people who come to the courses,
 * known by number rather than slug.
 */
#include "config.h"

#include <stdio.h>

#include <jansson.h>

#include "kursusctl.h"

const struct cmd_option cmd_participant_opt[] = {
	{ "name", OPT_TEXT, "name", "NAME", N_("full name"), 0, 0, NULL, 0 },
	{ "phone", OPT_TEXT, "phone", "PHONE", N_("phone; 8 digits are a Danish "
	  "number"), 0, 0, NULL, 0 },
	{ "email", OPT_TEXT, "email", "ADDRESS", N_("e-mail address"), 0, 0,
	  NULL, 0 },
	{ "landline", OPT_CONST, "phone_type", NULL, N_("the phone is a "
	  "landline (no SMS)"), 0, 0, "landline", 0 },
	{ "mobile", OPT_CONST, "phone_type", NULL, N_("the phone is a mobile "
	  "(the default)"), 0, 0, "mobile", 0 },
	{ "no-contact", OPT_TRUE, "no_contact", NULL, N_("no phone and no "
	  "e-mail on purpose: staff phone or meet them"), 0, 0, NULL, 0 },
	{ "no-sms", OPT_TRUE, "no_sms", NULL, N_("withdraw consent to SMS"),
	  0, 0, NULL, 0 },
	{ "no-email", OPT_TRUE, "no_email", NULL, N_("withdraw consent to "
	  "e-mail"), 0, 0, NULL, 0 },
	{ "language", OPT_TEXT, "language", "LANG", N_("messages in da "
	  "(default) or en"), 0, 0, "da en", CMPL_VALUES },
	{ "notes", OPT_TEXT, "notes", "TEXT", N_("notes for staff (never a CPR "
	  "number)"), 0, 0, NULL, 0 },
	OPT_END
};

static const struct cmd_option opt_participant_add[] = {
	{ "new", OPT_TRUE, "new_participant", NULL, N_("a new participant even "
	  "when another already has the phone or e-mail"), 0, 0, NULL, 0 },
	OPT_END
};

static const struct cmd_option opt_participant_edit[] = {
	{ "sms", OPT_FALSE, "no_sms", NULL, N_("give consent to SMS again"),
	  0, 0, NULL, 0 },
	{ "sms-ok", OPT_FALSE, "no_sms", NULL, N_("the same as --sms"), 0, 0,
	  NULL, 0 },
	{ "email-ok", OPT_FALSE, "no_email", NULL, N_("give consent to e-mail "
	  "again"), 0, 0, NULL, 0 },
	{ "contact", OPT_FALSE, "no_contact", NULL, N_("undo --no-contact "
	  "(give --phone or --email with it)"), 0, 0, NULL, 0 },
	OPT_END
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
	{ "id", N_("id"), V_INT },
	{ "name", N_("name"), V_TEXT },
	{ "phone", N_("phone"), V_PHONETYPE },
	{ "email", N_("email"), V_TEXT },
	{ NULL, N_("reach by"), V_REACH },
	{ "sms_consent", N_("SMS consent"), V_BOOL },
	{ "email_consent", N_("e-mail consent"), V_BOOL },
	{ "no_contact", N_("no contact"), V_BOOL },
	{ "language", N_("language"), V_TEXT },
	{ "notes", N_("notes"), V_TEXT },
	{ "created_at", N_("created"), V_UTC },
	{ "updated_at", N_("updated"), V_UTC },
	{ NULL, NULL, 0 }
};

static const struct cmd_resource cmd_participant_resource = {
	N_("participant"), "participants", 1, { "name", NULL },
	cmd_participant_columns, cmd_participant_fields, N_("No participants."),
	N_("More participants are found than shown: add a word to the "
	"search.\n"), N_("Removed participant %s: future registrations "
	"cancelled, personal data anonymised.\n")
};

const struct cmd_entry cmd_participant_add_entry = {
	"participant", "add", "--name NAME [--phone PHONE] [--email "
	"ADDRESS | --no-contact] [--new] [options]", 0, 0, 0,
	{ cmd_participant_opt, opt_participant_add, NULL }, cmd_resource_add,
	N_("Create a participant.\nA participant needs a phone, an e-mail or "
	"--no-contact. Giving a number or address is consent to course "
	"messages on it. Someone already known by that phone or e-mail is "
	"not made twice: the same name is refused naming them, another name "
	"needs --new."), 0, &cmd_participant_resource
};

/* Without --search, the list comes a page at a time (pages.c). */
static int
cmd_participant_list(struct cmd_ctx *ctx)
{
	if (json_object_get(ctx->opts, "q") != NULL &&
	    *json_string_value(json_object_get(ctx->opts, "q")) != '\0') {
		if (json_object_get(ctx->opts, "all") != NULL ||
		    json_object_get(ctx->opts, "cursor") != NULL)
			return (kursusctl_usage_error(ctx->entry, _("--all and "
			    "--cursor page the list of all participants, not "
			    "a search")));
		return (cmd_resource_list(ctx));
	}
	return (pages_list(ctx, "participants", "participants", cmd_list_rows,
	    cmd_participant_columns, N_("No participants.")));
}

const struct cmd_entry cmd_participant_list_entry = {
	"participant", "list", "[--search TEXT] [--all] [--limit N] "
	"[--cursor CURSOR] [--csv[=excel]]", 0, 0, 0,
	{ cmd_resource_opt_search, pages_options, cmd_opt_csv },
	cmd_participant_list,
	N_("List participants.\nA search finds those whose name, e-mail or "
	"phone has every word given at the start of a word: \"Jorgen\", "
	"\"Joergen\", \"Jørgen\" and \"JØRGEN\" alike, and \"20 30 40 "
	"50\", \"+45 20304050\" and \"20304050\" alike. Without a search "
	"the list comes a page at a time (100 by name unless --limit says); "
	"--all prints every page."), 0, &cmd_participant_resource
};

const struct cmd_entry cmd_participant_show_entry = {
	"participant", "show", "ID", 1, 1, 0, CMD_NOOPT, cmd_resource_show,
	N_("Show a participant and their registrations."), 0,
	&cmd_participant_resource
};

const struct cmd_entry cmd_participant_edit_entry = {
	"participant", "edit", "ID [options]", 1, 1, 0,
	{ cmd_participant_opt, opt_participant_edit, NULL }, cmd_resource_edit,
	N_("Change a participant.\nOnly the fields given change; an empty "
	"value (--email '') clears a text field."), 0, &cmd_participant_resource
};

const struct cmd_entry cmd_participant_remove_entry = {
	"participant", "remove", "ID", 1, 1, 0, CMD_NOOPT, cmd_resource_remove,
	N_("Remove a participant.\nCancels their future registrations "
	"(promoting people from the waitlist) and anonymises them, keeping "
	"the statistics."), 0, &cmd_participant_resource
};

static void
cmd_print_merged(struct cmd_ctx *ctx, json_t *answer)
{
	json_t	*p = json_object_get(answer, "participant");

	printf(_("Participant %lld merged into %s (participant %lld): %lld "
	    "registration%s moved, kursist nr. kept.\n"),
	    cmd_int(answer, "merged"), cmd_str(p, "name"), cmd_int(p, "id"),
	    cmd_int(answer, "registrations_moved"),
	    cmd_int(answer, "registrations_moved") == 1 ? "" : "s");
}

static int
cmd_participant_merge(struct cmd_ctx *ctx)
{
	json_t		*body;
	long long	 keep, other;
	int		 ret;

	if ((ret = cmd_arg_id(ctx, 0, N_("participant"), &keep)) != 0 ||
	    (ret = cmd_arg_id(ctx, 1, N_("participant"), &other)) != 0)
		return (ret);
	body = json_pack("{s:I}", "other", (json_int_t)other);
	ret = cmd_call(ctx, "POST", "participants", ctx->argv[0], "/merge",
	    body, cmd_print_merged);
	json_decref(body);
	return (ret);
}

const struct cmd_entry cmd_participant_merge_entry = {
	"participant", "merge", "KEEP OTHER", 2, 2, 0, CMD_NOOPT,
	cmd_participant_merge, N_("Merge two records of one person.\nOTHER's "
	"registrations (with their kursist nr.), attendance and messages "
	"move to KEEP, which takes over a phone or e-mail it lacks (with its "
	"consent); OTHER is then anonymised and the merge recorded. Refused "
	"when both hold a seat in the same session."), 0,
	&cmd_participant_resource
};

const struct cmd_entry cmd_participant_rotate_token_entry = {
	"participant", "rotate-token", "ID", 1, 1, 0, CMD_NOOPT,
	cmd_rotate_token, N_("Give a participant a new personal calendar "
	"link.\nThe old link stops working at once: calendars subscribed to "
	"it stop updating until they subscribe to the new one."), 0,
	&cmd_participant_resource
};
