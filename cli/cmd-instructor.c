/*
 * instructor add, list, show, edit, remove (cmd-resource.c's handlers)
 * and rotate-token (cmd-feeds.c's): staff and volunteer digital
 * ambassadors who teach the sessions.
 */
#include "config.h"

#include "kursusctl.h"

static const struct cmd_option opt_instructor[] = {
	{ "name", OPT_TEXT, "name", "NAME", N_("name"), 0, 0, NULL, 0 },
	{ "email", OPT_TEXT, "email", "ADDRESS", N_("e-mail address"), 0, 0,
	  NULL, 0 },
	{ "phone", OPT_TEXT, "phone", "PHONE", N_("phone number"), 0, 0, NULL,
	  0 },
	{ "volunteer", OPT_TRUE, "volunteer", NULL, N_("a volunteer digital "
	  "ambassador"), 0, 0, NULL, 0 },
	{ "no-volunteer", OPT_FALSE, "volunteer", NULL, N_("staff, not a "
	  "volunteer"), 0, 0, NULL, 0 },
	OPT_END
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
	{ "id", N_("id"), V_INT },
	{ "slug", N_("slug"), V_TEXT },
	{ "name", N_("name"), V_TEXT },
	{ "volunteer", N_("role"), V_ROLE },
	{ "phone", N_("phone"), V_TEXT },
	{ "email", N_("email"), V_TEXT },
	{ "created_at", N_("created"), V_UTC },
	{ "updated_at", N_("updated"), V_UTC },
	{ NULL, NULL, 0 }
};

static const struct cmd_resource cmd_instructor_resource = {
	N_("instructor"), "instructors", 0, { "name", NULL },
	cmd_instructor_columns, cmd_instructor_fields, N_("No instructors."),
	N_("More instructors are found than shown: add a word to the "
	"search.\n"), N_("Removed instructor \"%s\".\n")
};

CMD_RESOURCE_ENTRIES(cmd_instructor, "instructor",
    "SLUG --name NAME [--volunteer] [options]", CMPL_INSTRUCTOR,
    opt_instructor, NULL, &cmd_instructor_resource,
    N_("Create an instructor."),
    N_("List instructors.\nA search finds every word given at the start of a "
    "word, in any case, \"Aarhus\" and \"Århus\" alike."),
    N_("Show an instructor."),
    N_("Change an instructor.\nOnly the fields given change; an empty value "
    "(--notes '') clears a text field."),
    N_("Remove an instructor."));

const struct cmd_entry cmd_instructor_rotate_token_entry = {
	"instructor", "rotate-token", "SLUG", 1, 1, CMPL_INSTRUCTOR, CMD_NOOPT,
	cmd_rotate_token, N_("Give an instructor a new personal calendar "
	"link.\nThe old link stops working at once: calendars subscribed to "
	"it stop updating until they subscribe to the new one."), 0,
	&cmd_instructor_resource
};
