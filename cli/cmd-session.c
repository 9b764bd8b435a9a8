/*
 * session add, list, show, edit, move and cancel: scheduling sessions and
 * series of them, and changing them (which tells everyone registered).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "kursusctl.h"

static int	cmd_session_add(struct cmd_ctx *);
static int	cmd_session_list(struct cmd_ctx *);
static int	cmd_session_show(struct cmd_ctx *);
static int	cmd_session_edit(struct cmd_ctx *);
static int	cmd_session_move(struct cmd_ctx *);
static int	cmd_session_cancel(struct cmd_ctx *);

static const struct cmd_option opt_session_list[] = {
	{ "from", OPT_TEXT, "from", "TIME", N_("from this time (default: since "
	  "yesterday)"), 0, 0, NULL, 0 },
	{ "to", OPT_TEXT, "to", "TIME", N_("until this time"), 0, 0, NULL, 0 },
	{ "venue", OPT_TEXT, "venue", "SLUG", N_("only at this venue"), 0, 0,
	  NULL, CMPL_VENUE },
	{ "course", OPT_TEXT, "course", "SLUG", N_("only of this course type"),
	  0, 0, NULL, CMPL_COURSE },
	{ "status", OPT_TEXT, "status", "STATUS", N_("scheduled, cancelled or "
	  "done"), 0, 0, "scheduled cancelled done", CMPL_VALUES },
	OPT_END
};

static const struct cmd_option opt_session_add[] = {
	{ "course", OPT_TEXT, "course", "SLUG", N_("course type"), OPT_REQUIRED,
	  0, NULL, CMPL_COURSE },
	{ "venue", OPT_TEXT, "venue", "SLUG", N_("venue"), OPT_REQUIRED, 0, NULL,
	  CMPL_VENUE },
	{ "start", OPT_TEXT, "start", "TIME", N_("start in the venue's local "
	  "time: \"2026-12-03 10:00\", ISO 8601, \"tomorrow 10:00\", "
	  "\"i morgen 10:00\""), OPT_REQUIRED, 0, NULL, 0 },
	{ "duration", OPT_DURATION, "duration", "DURATION", N_("length: 90m, "
	  "1h30m, 1.5h (default the course's)"), 0, 1, NULL, 0 },
	{ "end", OPT_TEXT, "end", "TIME", N_("end, instead of --duration"), 0, 1,
	  NULL, 0 },
	{ "capacity", OPT_INT, "capacity", "N", N_("seats (default the "
	  "course's)"), 0, 0, NULL, 0 },
	{ "instructor", OPT_LIST, "instructors", "SLUG", N_("instructor "
	  "(repeat for more)"), 0, 0, NULL, CMPL_INSTRUCTOR },
	{ "helper", OPT_LIST, "helpers", "SLUG", N_("helper (repeat for more)"),
	  0, 0, NULL, CMPL_INSTRUCTOR },
	{ "notes", OPT_TEXT, "notes", "TEXT", N_("notes for staff, never shown "
	  "to the public"), 0, 0, NULL, 0 },
	{ "description", OPT_TEXT, "description", "TEXT", N_("what feeds and "
	  "public pages show about this session"), 0, 0, NULL, 0 },
	{ "weekly", OPT_INT, "weekly", "N", N_("a series of N weekly sessions "
	  "(1-260)"), 0, 2, NULL, 0 },
	{ "repeat", OPT_TEXT, "rrule", "RRULE", N_("a series by RFC 5545 rule, "
	  "e.g. FREQ=WEEKLY;BYDAY=TU;COUNT=6"), 0, 2, NULL, 0 },
	{ "room", OPT_TEXT, "room", "NAME", N_("the venue's room (venue room "
	  "list)"), 0, 0, NULL, 0 },
	OPT_END
};

/* What the venue's calendar refuses unless told (add and move). */
static const struct cmd_option opt_session_allow[] = {
	{ "allow-overlap", OPT_TRUE, "allow_overlap", NULL, N_("even when "
	  "another session is in the room at that time"), 0, 0, NULL, 0 },
	{ "allow-closed", OPT_TRUE, "allow_closed", NULL, N_("even on a closed "
	  "day (closure list); a series then skips none"), 0, 0, NULL, 0 },
	{ "past", OPT_TRUE, "past", NULL, N_("a start in the past, for "
	  "entering history"), 0, 0, NULL, 0 },
	{ "far", OPT_TRUE, "far", NULL, N_("a start more than two years ahead"),
	  0, 0, NULL, 0 },
	OPT_END
};

static const struct cmd_option opt_session_edit[] = {
	{ "capacity", OPT_INT, "capacity", "N", N_("seats"), 0, 0, NULL, 0 },
	{ "force", OPT_TRUE, "force", NULL, N_("lower --capacity below the "
	  "seats taken, moving the latest to the waitlist"), 0, 0, NULL, 0 },
	{ "notes", OPT_TEXT, "notes", "TEXT", N_("notes for staff, never shown "
	  "to the public"), 0, 0, NULL, 0 },
	{ "description", OPT_TEXT, "description", "TEXT", N_("what feeds and "
	  "public pages show about this session"), 0, 0, NULL, 0 },
	{ "status", OPT_TEXT, "status", "STATUS", N_("done or scheduled"), 0, 0,
	  "done scheduled", CMPL_VALUES },
	{ "instructor", OPT_LIST, "instructors", "SLUG", N_("instructor; "
	  "replaces the list (repeat for more)"), 0, 0, NULL,
	  CMPL_INSTRUCTOR },
	{ "helper", OPT_LIST, "helpers", "SLUG", N_("helper; replaces the list "
	  "(repeat for more)"), 0, 0, NULL, CMPL_INSTRUCTOR },
	{ "room", OPT_TEXT, "room", "NAME", N_("the venue's room it is held in "
	  "('' for none: the whole venue)"), 0, 0, NULL, 0 },
	{ "allow-overlap", OPT_TRUE, "allow_overlap", NULL, N_("even when "
	  "another session is in that room then"), 0, 0, NULL, 0 },
	OPT_END
};

static const struct cmd_option opt_session_move[] = {
	{ "start", OPT_TEXT, "start", "TIME", N_("new start in local time"),
	  OPT_REQUIRED, 0, NULL, 0 },
	{ "end", OPT_TEXT, "end", "TIME", N_("new end"), 0, 1, NULL, 0 },
	{ "duration", OPT_DURATION, "duration", "DURATION", N_("new length "
	  "(default: keep it)"), 0, 1, NULL, 0 },
	{ "venue", OPT_TEXT, "venue", "SLUG", N_("move to this venue"), 0, 0,
	  NULL, CMPL_VENUE },
	{ "room", OPT_TEXT, "room", "NAME", N_("move to this room of the venue"),
	  0, 0, NULL, 0 },
	{ "following", OPT_CONST, "scope", NULL, N_("also the later sessions "
	  "of its series, shifted alike"), 0, 0, "following", 0 },
	OPT_END
};

static const struct cmd_option opt_session_cancel[] = {
	{ "reason", OPT_TEXT, "reason", "TEXT", N_("reason told to the people "
	  "registered"), 0, 0, NULL, 0 },
	{ "following", OPT_CONST, "scope", NULL, N_("also the later sessions "
	  "of its series"), 0, 0, "following", 0 },
	OPT_END
};

const struct cmd_entry cmd_session_add_entry = {
	"session", "add", "--course SLUG --venue SLUG --start TIME "
	"[--duration DURATION | --end TIME] [--weekly N | --repeat RRULE] "
	"[--room NAME] [options]", 0, 0, 0,
	{ opt_session_add, opt_session_allow, NULL }, cmd_session_add,
	N_("Schedule a session, or a series of them.\nTimes are the venue's "
	"local time; a series keeps its local time across daylight "
	"saving changes. Refused: a start in the past (--past) or more than "
	"two years ahead (--far), a clash with another session in the room "
	"(--allow-overlap), a closed day (--allow-closed). A series skips "
	"closed days and says which; --weekly N still makes N sessions."),
	0, NULL
};

const struct cmd_entry cmd_session_list_entry = {
	"session", "list", "[--from TIME] [--to TIME] [--venue SLUG] "
	"[--course SLUG] [--status STATUS] [--all] [--limit N] [--cursor "
	"CURSOR] [--csv[=excel]]", 0, 0, 0,
	{ opt_session_list, pages_options, cmd_opt_csv }, cmd_session_list,
	N_("List sessions.\nSessions below their course's minimum shortly "
	"before they start are flagged UNDER MIN. The list comes a page at "
	"a time (100 sessions unless --limit says); --all prints every "
	"page."), 0, NULL
};

const struct cmd_entry cmd_session_show_entry = {
	"session", "show", "SESSION", 1, 1, 0, CMD_NOOPT, cmd_session_show,
	N_("Show a session and who is registered."), 0, NULL
};

const struct cmd_entry cmd_session_edit_entry = {
	"session", "edit", "SESSION [options]", 1, 1, 0,
	{ opt_session_edit, NULL }, cmd_session_edit,
	N_("Change a session's seats, notes, status or instructors."), 0, NULL
};

const struct cmd_entry cmd_session_move_entry = {
	"session", "move", "SESSION --start TIME [--end TIME | --duration "
	"DURATION] [--venue SLUG] [--room NAME] [--following] [options]", 1,
	1, 0, { opt_session_move, opt_session_allow, NULL }, cmd_session_move,
	N_("Move a session (or the rest of its series).\nTo another time or "
	"venue, or both. Everyone registered gets a change notice."), 0, NULL
};

const struct cmd_entry cmd_session_cancel_entry = {
	"session", "cancel", "SESSION [--reason TEXT] [--following]", 1, 1,
	0, { opt_session_cancel, NULL }, cmd_session_cancel,
	N_("Cancel a session (or the rest of its series).\nEveryone "
	"registered gets a cancellation notice."), 0, NULL
};

/* A page of sessions as rows of *tp (cmd_list_rows()'s shape). */
static void
cmd_session_rows(struct table **tp, json_t *arr, const void *arg)
{
	struct table	*t;
	json_t		*s;
	size_t		 i;
	char		*v;

	(void)arg;
	/* A spreadsheet would read "3/8" as the 3rd of August: two columns. */
	if (*tp == NULL)
		*tp = table_new(table_csv() ? "ID|START|COURSE|VENUE|TAKEN|"
		    "SEATS|WAIT|STATUS" : ">ID|START|COURSE|VENUE|>SEATS|>WAIT|"
		    "STATUS");
	t = *tp;
	json_array_foreach(arr, i, s) {
		table_row(t);
		cmd_cell(t, s, "id", V_INT);
		cmd_cell(t, s, "start", V_LOCAL);
		cmd_cell(t, s, "course_title", V_TEXT);
		cmd_cell(t, s, "venue_name", V_TEXT);
		if (table_csv()) {
			cmd_cell(t, s, "seats_taken", V_INT);
			cmd_cell(t, s, "capacity", V_INT);
		} else
			table_cell(t, "%lld/%lld", cmd_int(s, "seats_taken"),
			    cmd_int(s, "capacity"));
		cmd_cell(t, s, "waitlisted", V_INT);
		v = cmd_session_status(s);
		table_cell(t, "%s", v);
		free(v);
	}
}

static void
cmd_print_sessions(json_t *arr)
{
	struct table	*t = NULL;

	if (json_array_size(arr) == 0 && !table_csv()) {
		printf(_("No sessions.\n"));
		return;
	}
	cmd_session_rows(&t, arr, NULL);
	table_print(t, stdout);
	table_free(t);
}

/* Instructors or helpers of a session, as "Name (slug), ...". */
static char *
cmd_session_people(json_t *s, const char *role)
{
	json_t		*p;
	size_t		 i;
	const char	*r;
	char		*out = NULL, *one;

	json_array_foreach(json_object_get(s, "instructors"), i, p) {
		r = cmd_str(p, "role");
		if (r == NULL || strcmp(r, role) != 0)
			continue;
		xasprintf(&one, "%s (%s)", cmd_str(p, "name") != NULL ?
		    cmd_str(p, "name") : "?", cmd_str(p, "slug") != NULL ?
		    cmd_str(p, "slug") : "?");
		cmd_join(&out, ", ", one);
		free(one);
	}
	return (out);
}

static void
cmd_print_session(json_t *s)
{
	struct table	*t;
	char		*v;

	t = table_kv_new();
	cmd_kv(t, s, "id", N_("session"), V_INT);
	table_kv(t, N_("course"), "%s (%s)", cmd_str(s, "course_title") != NULL ?
	    cmd_str(s, "course_title") : "-", cmd_str(s, "course") != NULL ?
	    cmd_str(s, "course") : "-");
	table_kv(t, N_("venue"), "%s (%s)", cmd_str(s, "venue_name") != NULL ?
	    cmd_str(s, "venue_name") : "-", cmd_str(s, "venue") != NULL ?
	    cmd_str(s, "venue") : "-");
	cmd_kv(t, s, "start", N_("start"), V_LOCAL);
	cmd_kv(t, s, "end", N_("end"), V_LOCAL);
	cmd_kv(t, s, "room", N_("room"), V_TEXT);
	cmd_kv(t, s, "timezone", N_("time zone"), V_TEXT);
	v = cmd_session_status(s);
	table_kv(t, N_("status"), "%s", v);
	free(v);
	table_kv(t, N_("seats"), _("%lld taken of %lld, %lld free"),
	    cmd_int(s, "seats_taken"), cmd_int(s, "capacity"),
	    cmd_int(s, "seats_free"));
	table_kv(t, N_("registrations"), _("%lld confirmed, %lld waitlisted"),
	    cmd_int(s, "confirmed"), cmd_int(s, "waitlisted"));
	cmd_kv(t, s, "min_participants", N_("minimum"), V_INT);
	v = cmd_session_people(s, "instructor");
	table_kv(t, N_("instructors"), v != NULL ? "%s" : NULL, v);
	free(v);
	v = cmd_session_people(s, "helper");
	table_kv(t, N_("helpers"), v != NULL ? "%s" : NULL, v);
	free(v);
	cmd_kv(t, s, "description", N_("description"), V_TEXT);
	cmd_kv(t, s, "notes", N_("notes (staff)"), V_TEXT);
	cmd_kv(t, s, "series_id", N_("series"), V_INT);
	cmd_kv(t, s, "uid", N_("uid"), V_TEXT);
	cmd_kv(t, s, "sequence", N_("sequence"), V_INT);
	cmd_kv(t, s, "created_at", N_("created"), V_UTC);
	cmd_kv(t, s, "updated_at", N_("updated"), V_UTC);
	table_print(t, stdout);
	table_free(t);
}

static void
cmd_print_scheduled(struct cmd_ctx *ctx, json_t *answer)
{
	json_t		*sessions, *s;
	char		*start;
	size_t		 i;

	sessions = json_object_get(answer, "sessions");
	if (json_array_size(sessions) == 1 &&
	    !json_is_integer(json_object_get(answer, "series_id"))) {
		s = json_array_get(sessions, 0);
		start = cmd_format(s, "start", V_LOCAL);
		printf(_("Scheduled session %lld: %s, %s at %s.\n"),
		    cmd_int(s, "id"), start != NULL ? start : "-",
		    cmd_str(s, "course_title") != NULL ?
		    cmd_str(s, "course_title") : "-",
		    cmd_str(s, "venue_name") != NULL ?
		    cmd_str(s, "venue_name") : "-");
		free(start);
	} else {
		printf(ngettext("Scheduled series %lld: %zu session.\n",
		    "Scheduled series %lld: %zu sessions.\n",
		    json_array_size(sessions)), cmd_int(answer, "series_id"),
		    json_array_size(sessions));
		cmd_print_sessions(sessions);
	}
	json_array_foreach(json_object_get(answer, "skipped"), i, s) {
		if (i == 0)
			printf(_("Skipped, closed:\n"));
		start = cmd_format(s, "start", V_LOCAL);
		printf("  %s: %s\n", start != NULL ? start : "-",
		    cmd_str(s, "reason") != NULL ? cmd_str(s, "reason") : "");
		free(start);
	}
}

static int
cmd_session_add(struct cmd_ctx *ctx)
{
	return (cmd_call(ctx, "POST", "sessions", NULL, NULL, ctx->opts,
	    cmd_print_scheduled));
}

static int
cmd_session_list(struct cmd_ctx *ctx)
{
	return (pages_list(ctx, "sessions", "sessions", cmd_session_rows, NULL,
	    N_("No sessions.")));
}

static void
cmd_print_session_edit(struct cmd_ctx *ctx, json_t *answer)
{
	cmd_print_session(answer);
}

static int
cmd_session_show(struct cmd_ctx *ctx)
{
	json_t		*answer, *regs;
	long long	 id;
	int		 ret;

	if ((ret = cmd_arg_id(ctx, 0, N_("session"), &id)) != 0)
		return (ret);
	if ((ret = cmd_request(ctx, "GET", "sessions", ctx->argv[0], NULL,
	    NULL, &answer)) != 0 || answer == NULL)
		return (ret);
	cmd_print_session(answer);
	json_decref(answer);

	/* People at the desk want the list of names with the session. */
	if ((ret = cmd_request(ctx, "GET", "sessions", ctx->argv[0],
	    "/registrations", NULL, &answer)) != 0)
		return (ret);
	regs = json_object_get(answer, "registrations");
	if (json_array_size(regs) > 0) {
		printf(_("\nRegistrations:\n"));
		cmd_print_registrations(regs, REG_SESSION);
	} else
		printf(_("\nNo registrations.\n"));
	json_decref(answer);
	return (0);
}

static int
cmd_session_edit(struct cmd_ctx *ctx)
{
	long long	 id;
	int		 ret;

	if ((ret = cmd_arg_id(ctx, 0, N_("session"), &id)) != 0)
		return (ret);
	if (json_object_size(ctx->opts) == 0)
		return (kursusctl_usage_error(ctx->entry, _("nothing to change; "
		    "give at least one option")));
	if (json_object_get(ctx->opts, "force") != NULL &&
	    json_object_get(ctx->opts, "capacity") == NULL)
		return (kursusctl_usage_error(ctx->entry, _("--force goes with "
		    "--capacity")));
	cmd_empty_to_null(ctx->opts);
	return (cmd_call(ctx, "PATCH", "sessions", ctx->argv[0], NULL,
	    ctx->opts, cmd_print_session_edit));
}

/* The sessions a move or cancel changed, after "Moved" or "Cancelled". */
static void
cmd_print_changed(json_t *answer, int moved)
{
	json_t	*sessions;
	size_t	 n;

	sessions = json_object_get(answer, "sessions");
	n = json_array_size(sessions);
	if (moved)
		printf(ngettext("Moved %zu session; everyone registered will "
		    "be told.\n", "Moved %zu sessions; everyone registered "
		    "will be told.\n", n), n);
	else
		printf(ngettext("Cancelled %zu session; everyone registered "
		    "will be told.\n", "Cancelled %zu sessions; everyone "
		    "registered will be told.\n", n), n);
	cmd_print_sessions(sessions);
}

static void
cmd_print_moved(struct cmd_ctx *ctx, json_t *answer)
{
	cmd_print_changed(answer, 1);
}

static void
cmd_print_cancelled(struct cmd_ctx *ctx, json_t *answer)
{
	cmd_print_changed(answer, 0);
}

/* move and cancel: POST to /v1/sessions/<id>/<action>, list the result. */
static int
cmd_session_move(struct cmd_ctx *ctx)
{
	return (cmd_call_id(ctx, N_("session"), "POST", "sessions", "/move",
	    ctx->opts, cmd_print_moved));
}

static int
cmd_session_cancel(struct cmd_ctx *ctx)
{
	return (cmd_call_id(ctx, N_("session"), "POST", "sessions", "/cancel",
	    ctx->opts, cmd_print_cancelled));
}
