/*
 * instructor add, list, show, edit, remove (cmd-resource.c's handlers)
 * and rotate-token (cmd-feeds.c's): staff and volunteer digital
 * ambassadors who teach the sessions.
 */
#include "config.h"

#include "kursusctl.h"

static const struct cmd_option opt_instructor[] = {
	{ "name", OPT_TEXT, "name", "NAME", "name", 0, 0, NULL, 0 },
	{ "email", OPT_TEXT, "email", "ADDRESS", "e-mail address", 0, 0,
	  NULL, 0 },
	{ "phone", OPT_TEXT, "phone", "PHONE", "phone number", 0, 0, NULL,
	  0 },
	{ "volunteer", OPT_TRUE, "volunteer", NULL, "a volunteer digital "
	  "ambassador", 0, 0, NULL, 0 },
	{ "no-volunteer", OPT_FALSE, "volunteer", NULL, "staff, not a "
	  "volunteer", 0, 0, NULL, 0 },
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

static const struct cmd_resource cmd_instructor_resource = {
	"instructor", "instructors", 0, { "name", NULL },
	cmd_instructor_columns, cmd_instructor_fields
};

CMD_RESOURCE_ENTRIES(cmd_instructor, "instructor", "an", "instructor",
    "SLUG --name NAME [--volunteer] [options]", CMPL_INSTRUCTOR,
    opt_instructor, NULL, &cmd_instructor_resource);

const struct cmd_entry cmd_instructor_rotate_token_entry = {
	"instructor", "rotate-token", "SLUG", 1, 1, CMPL_INSTRUCTOR, CMD_NOOPT,
	cmd_rotate_token, "Give an instructor a new personal calendar "
	"link.\nThe old link stops working at once: calendars subscribed to "
	"it stop updating until they subscribe to the new one.", 0,
	&cmd_instructor_resource
};
