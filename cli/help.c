/*
 * kursusctl --help, a group's and a command's --help and `kursusctl help`,
 * all made from the command table (handed in) and the options' own help,
 * wrapped to 80 columns.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "kursusctl.h"

/* A command's or an option's help in the CLI's language. */
static const char *
help_text(const char *s)
{
	return (s == NULL || *s == '\0' ? s : _(s));
}

/* " ARG", "[=ARG]" for a value only given after '=', or "" for a flag. */
static const char *
help_arg(const struct cmd_option *o)
{
	static char	buf[64];

	if (o->arg == NULL)
		return ("");
	snprintf(buf, sizeof buf, (o->flags & OPT_OPTVAL) ? "[=%s]" : " %s",
	    o->arg);
	return (buf);
}

/* Width of the "  --name ARG" column over all lists. */
static size_t
help_option_column(const struct cmd_option *const *lists)
{
	const struct cmd_option	*o;
	size_t			 i, w, max = 0;

	for (i = 0; lists[i] != NULL; i++) {
		for (o = lists[i]; o->name != NULL; o++) {
			w = 4 + strlen(o->name) + strlen(help_arg(o));
			if (parse_letter(o) != 0)
				w += 4;		/* "-c, " */
			if (w > max)
				max = w;
		}
	}
	return (max > 30 ? 30 : max);
}

static void
help_print_option(FILE *f, const struct cmd_option *o, size_t width)
{
	char	 head[128], *text, *help;
	size_t	 col;
	char	 letter = parse_letter(o);

	if (letter != 0)
		snprintf(head, sizeof head, "  -%c, --%s%s", letter, o->name,
		    help_arg(o));
	else
		snprintf(head, sizeof head, "  --%s%s", o->name, help_arg(o));
	fputs(head, f);
	col = strlen(head);
	if (col + 2 > width + 2) {
		fputc('\n', f);
		col = 0;
	}
	for (; col < width + 2; col++)
		fputc(' ', f);
	help = parse_help(o);
	if (o->flags & OPT_REQUIRED)
		xasprintf(&text, _("%s (required)"), help);
	else
		text = xstrdup(help);
	table_wrap(f, width + 2, width + 2, text);
	free(text);
	free(help);
}

void
help_usage(const struct cmd_entry *const *table, FILE *f)
{
	const struct cmd_entry	*const *cp;
	const struct cmd_entry	*ce;
	const struct cmd_option	*o;
	const struct cmd_option	*lists[] = { parse_globals, NULL };
	size_t			 width, w;
	const char		*help, *nl;

	fprintf(f, _("usage: kursusctl [global options] COMMAND [arguments] "
	    "[options]\n\nkursusctl manages kursusd: venues, courses, "
	    "sessions and the people\nregistered for them, through the "
	    "daemon's admin API.\n\nGlobal options (also accepted after the "
	    "command):\n"));
	width = help_option_column(lists);
	for (o = parse_globals; o->name != NULL; o++)
		help_print_option(f, o, width);

	fprintf(f, _("\nCommands:\n"));
	width = 0;
	for (cp = table; (ce = *cp) != NULL; cp++) {
		w = strlen(kursusctl_command_name(ce));
		if (!(ce->flags & CMD_HIDDEN) && w > width)
			width = w;
	}
	for (cp = table; (ce = *cp) != NULL; cp++) {
		if (ce->flags & CMD_HIDDEN)
			continue;
		help = help_text(ce->help);
		nl = strchr(help, '\n');
		fprintf(f, "  %-*s  %.*s\n", (int)width,
		    kursusctl_command_name(ce),
		    nl != NULL ? (int)(nl - help) : (int)strlen(help), help);
	}
	fprintf(f, _("\nRun 'kursusctl COMMAND --help' for a command's "
	    "arguments and options.\n"));
}

void
help_group(const struct cmd_entry *const *table, const char *name, FILE *f)
{
	const struct cmd_entry	*const *cp;
	const struct cmd_entry	*ce;
	const char		*help, *nl;

	fprintf(f, _("usage: kursusctl %s COMMAND [arguments] [options]\n\n"
	    "Commands:\n"), name);
	for (cp = table; (ce = *cp) != NULL; cp++) {
		if (strcmp(ce->name, name) != 0)
			continue;
		help = help_text(ce->help);
		nl = strchr(help, '\n');
		fprintf(f, "  kursusctl %s%s%s\n      %.*s\n",
		    kursusctl_command_name(ce), ce->usage[0] != '\0' ? " " : "",
		    ce->usage,
		    nl != NULL ? (int)(nl - help) : (int)strlen(help), help);
	}
	fprintf(f, _("\nRun 'kursusctl %s COMMAND --help' for its options.\n"),
	    name);
}

void
help_command(const struct cmd_entry *ce, FILE *f)
{
	const struct cmd_option	*o;
	const struct cmd_option	*lists[5];
	struct cmd_option	 local[3];
	size_t			 i, width;
	const char		*help, *nl;

	/* --json and --help belong to every command. */
	memset(local, 0, sizeof local);
	local[0] = *parse_lookup(parse_globals, "json", 4);
	local[1] = *parse_lookup(parse_globals, "help", 4);

	fprintf(f, _("usage: kursusctl %s%s%s\n\n"), kursusctl_command_name(ce),
	    ce->usage[0] != '\0' ? " " : "", ce->usage);
	help = help_text(ce->help);
	nl = strchr(help, '\n');
	if (nl == NULL)
		table_wrap(f, 0, 0, help);
	else {
		fprintf(f, "%.*s\n", (int)(nl - help), help);
		table_wrap(f, 0, 0, nl + 1);
	}
	for (i = 0; ce->options[i] != NULL; i++)
		lists[i] = ce->options[i];
	lists[i++] = local;
	lists[i] = NULL;
	width = help_option_column(lists);
	fprintf(f, _("\nOptions:\n"));
	for (i = 0; lists[i] != NULL; i++)
		for (o = lists[i]; o->name != NULL; o++)
			help_print_option(f, o, width);
	fprintf(f, _("\nGlobal options such as --socket may also be given; see "
	    "'kursusctl --help'.\n"));
}

/* `kursusctl help kinds': the table of kinds of message. */
static void
help_kinds(FILE *f)
{
	char	 name[64];
	int	 k;

	fprintf(f, _("The kinds of message kursusd sends (KIND in outbox "
	    "--kind, preview --kind,\ncourse template):\n\n"));
	for (k = 0; k < KIND_COUNT; k++) {
		snprintf(name, sizeof name, "%s%s%s%s", kinds[k].name,
		    kinds[k].alias != NULL ? " (" : "", kinds[k].alias != NULL ?
		    kinds[k].alias : "", kinds[k].alias != NULL ? ")" : "");
		fprintf(f, "  %-26s %s%s%s%s%s\n", name, _(kinds[k].help),
		    kinds[k].invite != INVITE_NONE ? "; " : "",
		    kinds[k].invite == INVITE_REQUEST ? _("e-mail with the "
		    "invitation") : kinds[k].invite == INVITE_CANCEL ?
		    _("e-mail takes the invitation back") : "",
		    kinds[k].flags & KIND_PREVIEW ? "" : "; ",
		    kinds[k].flags & KIND_PREVIEW ? "" : _("no preview"));
	}
}

/* `kursusctl help [COMMAND [SUBCOMMAND]]' and `kursusctl help kinds'. */
int
help_exec(const struct cmd_entry *const *table, struct cmd_ctx *ctx)
{
	const struct cmd_entry	*ce;
	int			 used;

	if (ctx->argc == 0) {
		help_usage(table, stdout);
		return (0);
	}
	if (strcmp(ctx->argv[0], "kinds") == 0) {
		help_kinds(stdout);
		return (0);
	}
	if ((ce = parse_find(table, ctx->argv[0])) == NULL ||
	    (ce->flags & CMD_HIDDEN))
		return (kursusctl_usage_error(ctx->entry, _("unknown command "
		    "\"%s\""), ctx->argv[0]));
	if (!parse_is_group(table, ce->name)) {
		help_command(ce, stdout);
		return (0);
	}
	if (ctx->argc == 1) {
		help_group(table, ce->name, stdout);
		return (0);
	}
	ce = parse_sub_words(table, ctx->argv[0], ctx->argc - 1,
	    ctx->argv + 1, &used);
	if (ce == NULL || used != ctx->argc - 1)
		return (kursusctl_usage_error(ctx->entry, _("unknown command "
		    "\"%s %s%s%s\""), ctx->argv[0], ctx->argv[1],
		    ctx->argc > 2 ? " " : "", ctx->argc > 2 ? ctx->argv[2] :
		    ""));
	help_command(ce, stdout);
	return (0);
}
