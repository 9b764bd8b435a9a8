/*
 * venue add, list, show, edit and remove: the places sessions are held,
 * library branches and the rooms of senior clubs alike. The handlers are
 * cmd-resource.c's. venue room add, list and remove: a venue's rooms.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "kursusctl.h"

static const struct cmd_option opt_venue[] = {
	{ "name", OPT_TEXT, "name", "NAME", N_("name, e.g. \"Malernes "
	  "Seniorklub\""), 0, 0, NULL, 0 },
	{ "address", OPT_TEXT, "address", "TEXT", N_("street and number"),
	  0, 0, NULL, 0 },
	{ "postcode", OPT_TEXT, "postcode", "CODE", N_("postcode"), 0, 0, NULL,
	  0 },
	{ "city", OPT_TEXT, "city", "CITY", N_("city"), 0, 0, NULL, 0 },
	{ "capacity", OPT_INT, "capacity", "N", N_("default seats of sessions "
	  "here (1-1000, default 8)"), 0, 0, NULL, 0 },
	{ "access", OPT_TEXT, "access_notes", "TEXT", N_("access notes, e.g. "
	  "\"Trinfri adgang, teleslynge\""), 0, 0, NULL, 0 },
	{ "equipment", OPT_TEXT, "equipment_notes", "TEXT", N_("equipment "
	  "notes, e.g. \"Wi-Fi; medbring egen tablet\""), 0, 0, NULL, 0 },
	{ "contact-name", OPT_TEXT, "contact_name", "NAME", N_("contact person "
	  "at the venue"), 0, 0, NULL, 0 },
	{ "contact-phone", OPT_TEXT, "contact_phone", "PHONE", N_("contact "
	  "person's phone"), 0, 0, NULL, 0 },
	{ "contact-public", OPT_TRUE, "contact_public", NULL, N_("show the "
	  "contact person in feeds and public pages"), 0, 0, NULL, 0 },
	{ "contact-private", OPT_FALSE, "contact_public", NULL, N_("keep the "
	  "contact person for staff (the default)"), 0, 0, NULL, 0 },
	{ "timezone", OPT_TEXT, "timezone", "ZONE", N_("IANA time zone "
	  "(default the daemon's, Europe/Copenhagen)"), 0, 0, NULL, 0 },
	{ "lat", OPT_REAL, "latitude", "DEGREES", N_("latitude (with --lon)"),
	  0, 0, NULL, 0 },
	{ "lon", OPT_REAL, "longitude", "DEGREES", N_("longitude (with --lat)"),
	  0, 0, NULL, 0 },
	OPT_END
};

static const struct cmd_column cmd_venue_columns[] = {
	{ "SLUG", "slug", V_TEXT },
	{ "NAME", "name", V_TEXT },
	{ "ADDRESS", NULL, V_ADDRESS },
	{ ">SEATS", "capacity", V_INT },
	COLS_END
};

static const struct cmd_field cmd_venue_fields[] = {
	{ "id", N_("id"), V_INT },
	{ "slug", N_("slug"), V_TEXT },
	{ "name", N_("name"), V_TEXT },
	{ "address", N_("address"), V_TEXT },
	{ "postcode", N_("postcode"), V_TEXT },
	{ "city", N_("city"), V_TEXT },
	{ "capacity", N_("seats"), V_INT },
	{ "access_notes", N_("access"), V_TEXT },
	{ "equipment_notes", N_("equipment"), V_TEXT },
	{ "contact_name", N_("contact"), V_TEXT },
	{ "contact_phone", N_("contact phone"), V_TEXT },
	{ "contact_public", N_("contact shown publicly"), V_BOOL },
	{ "timezone", N_("time zone"), V_TEXT },
	{ "latitude", N_("latitude"), V_REAL },
	{ "longitude", N_("longitude"), V_REAL },
	{ "created_at", N_("created"), V_UTC },
	{ "updated_at", N_("updated"), V_UTC },
	{ NULL, NULL, 0 }
};

static const struct cmd_resource cmd_venue_resource = {
	N_("venue"), "venues", 0, { "name", NULL },
	cmd_venue_columns, cmd_venue_fields, N_("No venues."),
	N_("More venues are found than shown: add a word to the search.\n"),
	N_("Removed venue \"%s\".\n")
};

CMD_RESOURCE_ENTRIES(cmd_venue, "venue",
    "SLUG --name NAME [options]", CMPL_VENUE, opt_venue, NULL,
    &cmd_venue_resource,
    N_("Create a venue."),
    N_("List venues.\nA search finds every word given at the start of a "
    "word, in any case, \"Aarhus\" and \"Århus\" alike."),
    N_("Show a venue."),
    N_("Change a venue.\nOnly the fields given change; an empty value "
    "(--notes '') clears a text field."),
    N_("Remove a venue."));

/* --- venue room add, list, remove: the rooms sessions are held in */

static int	cmd_venue_room_add(struct cmd_ctx *);
static int	cmd_venue_room_list(struct cmd_ctx *);
static int	cmd_venue_room_remove(struct cmd_ctx *);

static const struct cmd_option opt_venue_room[] = {
	{ "capacity", OPT_INT, "capacity", "N", N_("seats of sessions in this "
	  "room (default the venue's)"), 0, 0, NULL, 0 },
	OPT_END
};

const struct cmd_entry cmd_venue_room_add_entry = {
	"venue", "room add", "VENUE NAME [--capacity N]", 2, 2, CMPL_VENUE,
	{ opt_venue_room, NULL }, cmd_venue_room_add,
	N_("Add a room to a venue.\nSessions at a venue with rooms clash only "
	"with sessions in the same room (session add --room); a session "
	"that names no room takes the whole venue."), 0, NULL
};

const struct cmd_entry cmd_venue_room_list_entry = {
	"venue", "room list", "VENUE", 1, 1, CMPL_VENUE, CMD_NOOPT,
	cmd_venue_room_list, N_("List a venue's rooms."), 0, NULL
};

const struct cmd_entry cmd_venue_room_remove_entry = {
	"venue", "room remove", "VENUE NAME", 2, 2, CMPL_VENUE, CMD_NOOPT,
	cmd_venue_room_remove, N_("Remove a room from a venue.\nRefused while "
	"sessions to come are held in it."), 0, NULL
};

static const struct cmd_column cmd_room_columns[] = {
	{ "ROOM", "name", V_TEXT },
	{ ">SEATS", "capacity", V_INT },
	COLS_END
};

static void
cmd_print_room(struct cmd_ctx *ctx, json_t *answer)
{
	printf(_("Added room \"%s\" to venue %s.\n"), cmd_str(answer, "name") !=
	    NULL ? cmd_str(answer, "name") : ctx->argv[1], ctx->argv[0]);
}

static int
cmd_venue_room_add(struct cmd_ctx *ctx)
{
	json_t	*body = json_deep_copy(ctx->opts);
	int	 ret;

	json_object_set_new(body, "name", json_string(ctx->argv[1]));
	ret = cmd_call(ctx, "POST", "venues", ctx->argv[0], "/rooms", body,
	    cmd_print_room);
	json_decref(body);
	return (ret);
}

static void
cmd_print_rooms(struct cmd_ctx *ctx, json_t *answer)
{
	char	*none;

	xasprintf(&none, _("Venue %s has no rooms: it is one room."),
	    ctx->argv[0]);
	cmd_print_list(json_object_get(answer, "rooms"), cmd_room_columns,
	    none);
	free(none);
}

static int
cmd_venue_room_list(struct cmd_ctx *ctx)
{
	return (cmd_call(ctx, "GET", "venues", ctx->argv[0], "/rooms", NULL,
	    cmd_print_rooms));
}

static void
cmd_print_room_removed(struct cmd_ctx *ctx, json_t *answer)
{
	(void)answer;
	printf(_("Removed room \"%s\" from venue %s.\n"), ctx->argv[1],
	    ctx->argv[0]);
}

static int
cmd_venue_room_remove(struct cmd_ctx *ctx)
{
	char	*name = client_escape(ctx->argv[1]), *tail;
	int	 ret;

	xasprintf(&tail, "/rooms/%s", name);
	ret = cmd_call(ctx, "DELETE", "venues", ctx->argv[0], tail, NULL,
	    cmd_print_room_removed);
	free(tail);
	free(name);
	return (ret);
}
