/*
 * closure add, list and remove: the days the library, or one venue, is
 * closed. A series skips them; a single session on one is refused unless
 * --allow-closed. The holidays are built in ([calendar] holidays in
 * kursusd.conf) and listed with the closures.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "kursusctl.h"

static int	cmd_closure_add(struct cmd_ctx *);
static int	cmd_closure_list(struct cmd_ctx *);
static int	cmd_closure_remove(struct cmd_ctx *);

static const struct cmd_option opt_closure_add[] = {
	{ "from", OPT_TEXT, "from", "DATE", N_("first closed day, e.g. "
	  "2026-12-21"), OPT_REQUIRED, 0, NULL, 0 },
	{ "to", OPT_TEXT, "to", "DATE", N_("last closed day (the same as "
	  "--from for one day)"), OPT_REQUIRED, 0, NULL, 0 },
	{ "venue", OPT_TEXT, "venue", "SLUG", N_("only this venue (default: "
	  "the whole library)"), 0, 0, NULL, CMPL_VENUE },
	{ "reason", OPT_TEXT, "reason", "TEXT", N_("why, e.g. \"Juleferie\""),
	  OPT_REQUIRED, 0, NULL, 0 },
	OPT_END
};

static const struct cmd_option opt_closure_list[] = {
	{ "from", OPT_TEXT, "from", "DATE", N_("from this day (default today)"),
	  0, 0, NULL, 0 },
	{ "to", OPT_TEXT, "to", "DATE", N_("until this day (default a year "
	  "on)"), 0, 0, NULL, 0 },
	{ "venue", OPT_TEXT, "venue", "SLUG", N_("the closures of this venue "
	  "and the library's"), 0, 0, NULL, CMPL_VENUE },
	OPT_END
};

const struct cmd_entry cmd_closure_add_entry = {
	"closure", "add", "--from DATE --to DATE [--venue SLUG] --reason "
	"TEXT", 0, 0, 0, { opt_closure_add, NULL }, cmd_closure_add,
	N_("Close the library, or one venue, for some days.\nSessions already "
	"scheduled then are listed, not cancelled: move or cancel them."),
	0, NULL
};

const struct cmd_entry cmd_closure_list_entry = {
	"closure", "list", "[--from DATE] [--to DATE] [--venue SLUG]", 0, 0,
	0, { opt_closure_list, NULL }, cmd_closure_list,
	N_("List closed days: closures and holidays."), 0, NULL
};

const struct cmd_entry cmd_closure_remove_entry = {
	"closure", "remove", "ID", 1, 1, 0, CMD_NOOPT, cmd_closure_remove,
	N_("Remove a closure."), 0, NULL
};

static const struct cmd_column cmd_closure_columns[] = {
	{ ">ID", "id", V_INT },
	{ "FROM", "from", V_TEXT },
	{ "TO", "to", V_TEXT },
	{ "VENUE", "venue_name", V_TEXT },
	{ "REASON", "reason", V_TEXT },
	COLS_END
};

static const struct cmd_column cmd_holiday_columns[] = {
	{ "HOLIDAY", "date", V_TEXT },
	{ "NAME", "name", V_TEXT },
	COLS_END
};

/* "Sessions still scheduled then:" and their table, when there are. */
static void
cmd_print_closed_sessions(json_t *sessions)
{
	json_t	*s;
	size_t	 i;
	char	*start;

	if (json_array_size(sessions) == 0)
		return;
	printf(ngettext("%zu session is still scheduled on these days (move or "
	    "cancel it):\n", "%zu sessions are still scheduled on these days "
	    "(move or cancel them):\n", json_array_size(sessions)),
	    json_array_size(sessions));
	json_array_foreach(sessions, i, s) {
		start = cmd_format(s, "start", V_LOCAL);
		printf(_("  %lld  %s  %s, %s (%lld registered)\n"), cmd_int(s, "id"),
		    start != NULL ? start : "-", cmd_str(s, "course_title") !=
		    NULL ? cmd_str(s, "course_title") : "-",
		    cmd_str(s, "venue_name") != NULL ? cmd_str(s, "venue_name") :
		    "-", cmd_int(s, "confirmed") + cmd_int(s, "waitlisted"));
		free(start);
	}
}

static void
cmd_print_closure_added(struct cmd_ctx *ctx, json_t *answer)
{
	json_t	*c = json_object_get(answer, "closure");

	(void)ctx;
	printf(_("Closure %lld: %s to %s, %s: %s.\n"), cmd_int(c, "id"),
	    cmd_str(c, "from") != NULL ? cmd_str(c, "from") : "?",
	    cmd_str(c, "to") != NULL ? cmd_str(c, "to") : "?",
	    cmd_str(c, "venue_name") != NULL ? cmd_str(c, "venue_name") :
	    _("the whole library"), cmd_str(c, "reason") != NULL ?
	    cmd_str(c, "reason") : "");
	cmd_print_closed_sessions(json_object_get(answer, "sessions"));
}

static int
cmd_closure_add(struct cmd_ctx *ctx)
{
	return (cmd_call(ctx, "POST", "closures", NULL, NULL, ctx->opts,
	    cmd_print_closure_added));
}

static void
cmd_print_closures(struct cmd_ctx *ctx, json_t *answer)
{
	json_t	*c;
	size_t	 i;

	(void)ctx;
	/* The library's own closures say "the whole library". */
	json_array_foreach(json_object_get(answer, "closures"), i, c) {
		if (!json_is_string(json_object_get(c, "venue_name")))
			json_object_set_new(c, "venue_name",
			    json_string(table_csv() ? "(all)" : _("(all)")));
	}
	cmd_print_list(json_object_get(answer, "closures"),
	    cmd_closure_columns, N_("No closures."));
	if (json_array_size(json_object_get(answer, "holidays")) > 0) {
		printf("\n");
		cmd_print_list(json_object_get(answer, "holidays"),
		    cmd_holiday_columns, NULL);
	}
}

static int
cmd_closure_list(struct cmd_ctx *ctx)
{
	return (cmd_call(ctx, "GET", "closures", NULL, NULL, ctx->opts,
	    cmd_print_closures));
}

static void
cmd_print_closure_removed(struct cmd_ctx *ctx, json_t *answer)
{
	json_t	*c = json_object_get(answer, "closure");

	(void)ctx;
	printf(_("Removed closure %lld (%s to %s).\n"), cmd_int(c, "id"),
	    cmd_str(c, "from") != NULL ? cmd_str(c, "from") : "?",
	    cmd_str(c, "to") != NULL ? cmd_str(c, "to") : "?");
}

static int
cmd_closure_remove(struct cmd_ctx *ctx)
{
	return (cmd_call_id(ctx, N_("closure"), "DELETE", "closures", NULL,
	    NULL, cmd_print_closure_removed));
}
