/*
 * inbox and inbox done: the SMS replies kursusd did not act on (anything
 * but a word that cancels, numbers it does not know), for staff to read,
 * answer by phone, and mark handled.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "kursusctl.h"

static int	cmd_inbox(struct cmd_ctx *);
static int	cmd_inbox_done(struct cmd_ctx *);

static const struct cmd_option opt_inbox[] = {
	{ "all", OPT_CONST, "all", NULL, N_("also the replies already "
	  "handled, and those that cancelled a registration (CANCELLED); "
	  "every page"),
	  0, 0, "1", 0 },
	OPT_END
};

const struct cmd_entry cmd_inbox_entry = {
	"inbox", NULL, "[--all] [--limit N] [--cursor CURSOR]", 0, 0, 0,
	{ opt_inbox, pages_options + 1, NULL }, cmd_inbox,
	N_("List SMS replies waiting for staff: sender, time, text.\nReplies "
	"that cancel (AFMELD, nej, kan ikke) are acted on and not listed. "
	"See also 'inbox done'."), 0, NULL
};

const struct cmd_entry cmd_inbox_done_entry = {
	"inbox", "done", "ID", 1, 1, 0, CMD_NOOPT, cmd_inbox_done,
	N_("Mark an SMS reply handled: it leaves the list."), 0, NULL
};

static const struct cmd_column cmd_inbox_columns[] = {
	{ ">ID", "id", V_INT },
	{ "RECEIVED", "received_at", V_UTC },
	{ "SENDER", "sender", V_TEXT },
	{ "PARTICIPANT", "participant_name", V_TEXT },
	{ "TEXT", "text", V_TEXT },
	{ "HANDLED", "handled_at", V_UTC },
	{ ">CANCELLED", "registration_id", V_INT },
	COLS_END
};

static int
cmd_inbox(struct cmd_ctx *ctx)
{
	return (pages_list(ctx, "inbox", "messages", cmd_list_rows,
	    cmd_inbox_columns, N_("No SMS replies waiting.")));
}

static void
cmd_print_done(struct cmd_ctx *ctx, json_t *answer)
{
	(void)answer;
	printf(_("SMS reply %lld is handled.\n"), cmd_argv_id(ctx, 0));
}

static int
cmd_inbox_done(struct cmd_ctx *ctx)
{
	return (cmd_call_id(ctx, N_("message"), "POST", "inbox", "/handled",
	    NULL, cmd_print_done));
}
