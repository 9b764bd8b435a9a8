/*
 * kursusctl: main(), and the command table it dispatches on. The table is
 * the one place that names every command; help and completion, which read
 * it, are handed it from here, so no file calls back up into this one.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "kursusctl.h"

static int	kursusctl_help_cmd(struct cmd_ctx *);
static int	kursusctl_complete(struct cmd_ctx *);

/*
 * help and __complete read the command table, so their entries are here
 * with it: their handlers (below) hand the table to help.c and complete.c.
 */
static const struct cmd_entry kursusctl_help_entry = {
	"help", NULL, "[COMMAND [SUBCOMMAND]]", 0, 3, 0, CMD_NOOPT,
	kursusctl_help_cmd, N_("Show help for a command."), CMD_LOCAL, NULL
};

static const struct cmd_entry kursusctl_complete_entry = {
	"__complete", NULL, "WORDS...", 0, INT_MAX, 0, CMD_NOOPT,
	kursusctl_complete, N_("Print completions for the shell."),
	CMD_HIDDEN | CMD_RAW | CMD_LOCAL, NULL
};

/*
 * The command table: every command, in the order help and completion list
 * them. Each group's entries, with their options and help, are declared in
 * its cmd-*.c file; the parser, --help, the man page's structure and
 * `kursusctl __complete` all read this table.
 */
static const struct cmd_entry *const kursusctl_commands[] = {
	&cmd_venue_add_entry,
	&cmd_venue_list_entry,
	&cmd_venue_show_entry,
	&cmd_venue_edit_entry,
	&cmd_venue_remove_entry,
	&cmd_venue_room_add_entry,
	&cmd_venue_room_list_entry,
	&cmd_venue_room_remove_entry,
	&cmd_closure_add_entry,
	&cmd_closure_list_entry,
	&cmd_closure_remove_entry,
	&cmd_course_add_entry,
	&cmd_course_list_entry,
	&cmd_course_show_entry,
	&cmd_course_edit_entry,
	&cmd_course_remove_entry,
	&cmd_course_template_list_entry,
	&cmd_course_template_set_entry,
	&cmd_course_template_unset_entry,
	&cmd_instructor_add_entry,
	&cmd_instructor_list_entry,
	&cmd_instructor_show_entry,
	&cmd_instructor_edit_entry,
	&cmd_instructor_remove_entry,
	&cmd_instructor_rotate_token_entry,
	&cmd_participant_add_entry,
	&cmd_participant_list_entry,
	&cmd_participant_show_entry,
	&cmd_participant_edit_entry,
	&cmd_participant_remove_entry,
	&cmd_participant_merge_entry,
	&cmd_participant_rotate_token_entry,
	&cmd_session_add_entry,
	&cmd_session_list_entry,
	&cmd_session_show_entry,
	&cmd_session_edit_entry,
	&cmd_session_move_entry,
	&cmd_session_cancel_entry,
	&cmd_register_entry,
	&cmd_unregister_entry,
	&cmd_registrations_entry,
	&cmd_waitlist_entry,
	&cmd_attendance_entry,
	&cmd_remind_entry,
	&cmd_preview_entry,
	&cmd_calllist_entry,
	&cmd_stats_entry,
	&cmd_status_entry,
	&cmd_settings_entry,
	&cmd_outbox_entry,
	&cmd_outbox_show_entry,
	&cmd_outbox_retry_entry,
	&cmd_outbox_cancel_entry,
	&cmd_inbox_entry,
	&cmd_inbox_done_entry,
	&cmd_feeds_entry,
	&cmd_export_entry,
	&cmd_import_entry,
	&cmd_backup_entry,
	&kursusctl_help_entry,
	&kursusctl_complete_entry,
	NULL
};

static int
kursusctl_help_cmd(struct cmd_ctx *ctx)
{
	return (help_exec(kursusctl_commands, ctx));
}

static int
kursusctl_complete(struct cmd_ctx *ctx)
{
	return (complete_exec(kursusctl_commands, ctx));
}

/* Whether word starts a subcommand of two words ("template"). */
static int
kursusctl_sub_prefix(const char *name, const char *word)
{
	const struct cmd_entry	*const *cp;
	const struct cmd_entry	*ce;
	size_t			 len = strlen(word);

	for (cp = kursusctl_commands; (ce = *cp) != NULL; cp++)
		if (strcmp(ce->name, name) == 0 && ce->sub != NULL &&
		    strncmp(ce->sub, word, len) == 0 && ce->sub[len] == ' ')
			return (1);
	return (0);
}

/* "add, list, show, edit, remove" for messages. */
static char *
kursusctl_subs(const char *name)
{
	const struct cmd_entry	*const *cp;
	const struct cmd_entry	*ce;
	char			*list = NULL, *next;

	for (cp = kursusctl_commands; (ce = *cp) != NULL; cp++) {
		if (strcmp(ce->name, name) != 0 || ce->sub == NULL)
			continue;
		if (list == NULL)
			list = xstrdup(ce->sub);
		else {
			xasprintf(&next, "%s, %s", list, ce->sub);
			free(list);
			list = next;
		}
	}
	return (list);
}

/* Whether args (before a "--") ask for help. */
static int
kursusctl_wants_help(int argc, char **argv)
{
	int	i;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0)
			return (1);
	}
	return (0);
}

static void
kursusctl_version(void)
{
	printf(_("kursusctl %s (admin API %d)\n"), PACKAGE_VERSION,
	    KURSUS_API_VERSION);
}

int
main(int argc, char **argv)
{
	const struct cmd_entry	*ce, *sub;
	struct cmd_ctx		 ctx;
	json_t			*seen;
	const char		*name;
	char			*cause, *subs;
	int			 i = 1, ret = 0, used;

	log_init("kursusctl", 0, LOG_LEVEL_WARN);
	cmd_locale_init();
	table_init();
	memset(&ctx, 0, sizeof ctx);

	/* Global options before the command. */
	seen = json_object();
	while (i < argc && parse_is_option(argv[i]) &&
	    strcmp(argv[i], "--") != 0) {
		if ((ret = parse_take(NULL, argc, argv, &i, &ctx,
		    seen)) != 0) {
			json_decref(seen);
			goto out;
		}
	}
	json_decref(seen);
	if (i < argc && strcmp(argv[i], "--") == 0)
		i++;

	if (json_is_true(parse_global("version"))) {
		kursusctl_version();
		goto out;
	}
	if (i == argc) {
		if (json_is_true(parse_global("help")))
			help_usage(kursusctl_commands, stdout);
		else
			ret = kursusctl_usage_error(NULL, _("no command given"));
		goto out;
	}

	if ((ce = parse_find(kursusctl_commands, argv[i])) == NULL) {
		ret = kursusctl_usage_error(NULL, _("unknown command \"%s\""),
		    argv[i]);
		goto out;
	}
	i++;
	if (parse_is_group(kursusctl_commands, ce->name)) {
		name = ce->name;
		if ((sub = parse_sub_words(kursusctl_commands, name,
		    argc - i, argv + i, &used)) != NULL) {
			ce = sub;
			i += used;
		} else if ((i == argc || parse_is_option(argv[i])) &&
		    (ce = parse_default(kursusctl_commands, name)) != NULL) {
			/* "outbox --state failed": the group's own command. */
		} else if (i == argc || parse_is_option(argv[i]) ||
		    kursusctl_sub_prefix(name, argv[i])) {
			if (json_is_true(parse_global("help")) ||
			    kursusctl_wants_help(argc - i, argv + i)) {
				help_group(kursusctl_commands, name, stdout);
				goto out;
			}
			subs = kursusctl_subs(name);
			kursusctl_error(_("%s: missing command, one of: %s (see "
			    "'kursusctl %s --help')"), name, subs, name);
			free(subs);
			ret = KCTL_EXIT_USAGE;
			goto out;
		} else {
			subs = kursusctl_subs(name);
			kursusctl_error(_("%s: unknown command \"%s\", one of: "
			    "%s (see 'kursusctl %s --help')"), name, argv[i],
			    subs, name);
			free(subs);
			ret = KCTL_EXIT_USAGE;
			goto out;
		}
	}

	if (ce->flags & CMD_RAW) {
		ctx.entry = ce;
		ctx.opts = json_object();
		ctx.argc = argc - i;
		ctx.argv = xcalloc(ctx.argc + 1, sizeof *ctx.argv);
		memcpy(ctx.argv, argv + i, ctx.argc * sizeof *ctx.argv);
	} else {
		if (json_is_true(parse_global("help")) ||
		    kursusctl_wants_help(argc - i, argv + i)) {
			help_command(ce, stdout);
			goto out;
		}
		if ((ret = parse_command(ce, argc - i, argv + i, &ctx)) != 0)
			goto out;
		if (json_is_true(parse_global("version"))) {
			kursusctl_version();
			goto out;
		}
	}
	ctx.json = json_is_true(parse_global("json"));
	if ((ret = cmd_output(&ctx)) != 0)
		goto out;

	if (!(ce->flags & CMD_LOCAL)) {
		if ((ret = connect_daemon(&ctx.client, &cause)) != 0) {
			if (ret == KCTL_EXIT_USAGE)
				kursusctl_usage_error(NULL, "%s", cause);
			else
				kursusctl_error("%s", cause);
			free(cause);
			goto out;
		}
	}
	ret = ce->exec(&ctx);

out:
	client_free(ctx.client);
	json_decref(ctx.opts);
	json_decref(ctx.output);
	free(ctx.argv);
	parse_free();
	if (fflush(stdout) != 0 || ferror(stdout)) {
		/* A full disk or closed pipe must not look like success. */
		kursusctl_error(_("cannot write output: %s"), strerror(errno));
		if (ret == 0)
			ret = KCTL_EXIT_SOFTWARE;
	}
	return (ret);
}
