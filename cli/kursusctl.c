#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ini.h>
#include <jansson.h>

#include "kursusctl.h"

static int	kursusctl_help_cmd(struct cmd_ctx *);
static int	kursusctl_complete(struct cmd_ctx *);

static const struct cmd_option kursusctl_globals[] = {
	{ "config", OPT_TEXT, "config", "FILE",
	  "configuration file to read [admin] from (default "
	  KURSUS_CONF_PATH " if it exists)", 0, 0, NULL, CMPL_FILE },
	{ "socket", OPT_TEXT, "socket", "PATH",
	  "admin socket (default " KURSUS_SOCKET_PATH ")", 0, 0, NULL,
	  CMPL_FILE },
	{ "url", OPT_TEXT, "url", "URL",
	  "admin API over TCP, e.g. http://127.0.0.1:8081", 0, 0, NULL,
	  CMPL_NONE },
	{ "token-file", OPT_TEXT, "token_file", "FILE",
	  "bearer token for --url (default [admin] token_file, else "
	  KURSUS_TOKEN_PATH ")", 0, 0, NULL, CMPL_FILE },
	{ "json", OPT_TRUE, "json", NULL,
	  "print the daemon's answer as JSON", 0, 0, NULL, 0 },
	{ "help", OPT_TRUE, "help", NULL, "show help", 0, 0, NULL, 0 },
	{ "version", OPT_TRUE, "version", NULL, "show the version", 0, 0,
	  NULL, 0 },
	OPT_END
};

/* Short spellings of global options. */
static const struct {
	char		 letter;
	const char	*name;
} kursusctl_short[] = {
	{ 'c', "config" },
	{ 'h', "help" },
};

/*
 * The command table: every command, in the order help and completion list
 * them. Each group's entries, with their options and help, are declared in
 * its cmd-*.c file; the parser, --help, the man page's structure and
 * `kursusctl __complete` all read this table.
 */
static const struct cmd_entry kursusctl_help_entry = {
	"help", NULL, "[COMMAND [SUBCOMMAND]]", 0, 3, 0, CMD_NOOPT,
	kursusctl_help_cmd, "Show help for a command.", CMD_LOCAL, NULL
};

static const struct cmd_entry kursusctl_complete_entry = {
	"__complete", NULL, "WORDS...", 0, INT_MAX, 0, CMD_NOOPT,
	kursusctl_complete, "Print completions for the shell.",
	CMD_HIDDEN | CMD_RAW | CMD_LOCAL, NULL
};

static const struct cmd_entry *const kursusctl_commands[] = {
	&cmd_venue_add_entry,
	&cmd_venue_list_entry,
	&cmd_venue_show_entry,
	&cmd_venue_edit_entry,
	&cmd_venue_remove_entry,
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
	&cmd_feeds_entry,
	&cmd_export_entry,
	&cmd_import_entry,
	&kursusctl_help_entry,
	&kursusctl_complete_entry,
	NULL
};

/* Global options given so far, field -> value. */
static json_t	*kursusctl_set;

static const struct cmd_option *
kursusctl_lookup(const struct cmd_option *list, const char *name, size_t len)
{
	for (; list != NULL && list->name != NULL; list++)
		if (strlen(list->name) == len &&
		    strncmp(list->name, name, len) == 0)
			return (list);
	return (NULL);
}

/* Finds an option of ce (NULL: none) by name; *global says where. */
static const struct cmd_option *
kursusctl_option(const struct cmd_entry *ce, const char *name, size_t len,
    int *global)
{
	const struct cmd_option	*o;
	size_t			 i;

	*global = 0;
	for (i = 0; ce != NULL && ce->options[i] != NULL; i++)
		if ((o = kursusctl_lookup(ce->options[i], name, len)) != NULL)
			return (o);
	*global = 1;
	return (kursusctl_lookup(kursusctl_globals, name, len));
}

/* The global option a short letter stands for ('c' is --config), or NULL. */
static const struct cmd_option *
kursusctl_short_option(char letter)
{
	const char	*name;
	size_t		 k;
	int		 global;

	for (k = 0; k < sizeof kursusctl_short / sizeof kursusctl_short[0];
	    k++) {
		if (kursusctl_short[k].letter != letter)
			continue;
		name = kursusctl_short[k].name;
		return (kursusctl_option(NULL, name, strlen(name), &global));
	}
	return (NULL);
}

int
kursusctl_duration(const char *s, long long *out)
{
	long long	 total = 0, mant, scale;
	int		 seen_h = 0, seen_m = 0, digits;
	const char	*p = s;

	/*
	 * Each part is a decimal number followed by 'h', 'm' (or "min") or
	 * nothing, which means minutes. A number is kept as mant / scale
	 * (1.5 is 15 / 10) so 1.5h is exactly 90 and 1.33h is refused
	 * rather than rounded.
	 */
	if (*p == '\0')
		return (-1);
	while (*p != '\0') {
		mant = 0;
		scale = 1;
		digits = 0;
		for (; *p >= '0' && *p <= '9'; p++, digits++) {
			if (digits >= 9)
				return (-1);
			mant = mant * 10 + (*p - '0');
		}
		if (*p == '.') {
			for (p++; *p >= '0' && *p <= '9'; p++, digits++) {
				if (digits >= 9)
					return (-1);
				mant = mant * 10 + (*p - '0');
				scale *= 10;
			}
		}
		if (digits == 0)
			return (-1);
		if (*p == 'h' && !seen_h && !seen_m) {
			seen_h = 1;
			mant *= 60;
			p++;
		} else if ((*p == 'm' || *p == '\0') && !seen_m) {
			seen_m = 1;
			if (*p == 'm') {
				p++;
				if (strncmp(p, "in", 2) == 0)
					p += 2;
			}
		} else
			return (-1);
		if (mant % scale != 0)
			return (-1);	/* not a whole number of minutes */
		total += mant / scale;
	}
	*out = total;
	return (0);
}

/* Appends "--name" or "-c" spelling of an option for messages. */
static const char *
kursusctl_spell(const struct cmd_option *o)
{
	static char	buf[64];

	snprintf(buf, sizeof buf, "--%s", o->name);
	return (buf);
}

/*
 * Stores one option's value in obj. seen maps field -> option name, so two
 * options that set the same field (--sms and --no-sms) are caught.
 */
static int
kursusctl_store(const struct cmd_entry *ce, const struct cmd_option *o,
    const char *value, json_t *obj, json_t *seen, int global)
{
	json_t		*v = NULL, *arr, *prev;
	char		*end, *copy, *p, *word;
	long long	 n;
	double		 d;

	prev = json_object_get(seen, o->field);
	if (!global && prev != NULL && o->type != OPT_LIST &&
	    o->type != OPT_IDS) {
		if (strcmp(json_string_value(prev), o->name) == 0)
			return (kursusctl_usage_error(ce, "--%s given twice",
			    o->name));
		return (kursusctl_usage_error(ce, "--%s and --%s cannot be "
		    "used together", json_string_value(prev), o->name));
	}
	json_object_set_new(seen, o->field, json_string(o->name));

	switch (o->type) {
	case OPT_TEXT:
		if ((v = json_string(value)) == NULL)
			return (kursusctl_usage_error(ce, "%s: not valid "
			    "UTF-8", kursusctl_spell(o)));
		break;
	case OPT_INT:
		errno = 0;
		n = strtoll(value, &end, 10);
		if (*value == '\0' || *end != '\0' || errno != 0)
			return (kursusctl_usage_error(ce, "%s \"%s\": not a "
			    "whole number", kursusctl_spell(o), value));
		v = json_integer(n);
		break;
	case OPT_REAL:
		errno = 0;
		d = strtod(value, &end);
		if (*value == '\0' || *end != '\0' || errno != 0 ||
		    d != d || d > 1e300 || d < -1e300)
			return (kursusctl_usage_error(ce, "%s \"%s\": not a "
			    "number", kursusctl_spell(o), value));
		v = json_real(d);
		break;
	case OPT_DURATION:
		if (kursusctl_duration(value, &n) != 0)
			return (kursusctl_usage_error(ce, "%s \"%s\": not a "
			    "duration (try 90m, 1h30m or 1.5h)",
			    kursusctl_spell(o), value));
		v = json_integer(n);
		break;
	case OPT_TRUE:
		v = json_true();
		break;
	case OPT_FALSE:
		v = json_false();
		break;
	case OPT_CONST:
		v = json_string(o->value);
		break;
	case OPT_LIST:
		if ((v = json_string(value)) == NULL)
			return (kursusctl_usage_error(ce, "%s: not valid "
			    "UTF-8", kursusctl_spell(o)));
		if ((arr = json_object_get(obj, o->field)) == NULL) {
			arr = json_array();
			json_object_set_new(obj, o->field, arr);
		}
		json_array_append_new(arr, v);
		return (0);
	case OPT_IDS:
		if ((arr = json_object_get(obj, o->field)) == NULL) {
			arr = json_array();
			json_object_set_new(obj, o->field, arr);
		}
		copy = p = xstrdup(value);
		while ((word = strsep(&p, ", ")) != NULL) {
			if (*word == '\0')
				continue;
			errno = 0;
			n = strtoll(word, &end, 10);
			if (*end != '\0' || errno != 0 || n <= 0) {
				kursusctl_usage_error(ce, "%s \"%s\": \"%s\" "
				    "is not an id", kursusctl_spell(o), value,
				    word);
				free(copy);
				return (KCTL_EXIT_USAGE);
			}
			json_array_append_new(arr, json_integer(n));
		}
		free(copy);
		return (0);
	}
	json_object_set_new(obj, o->field, v);
	return (0);
}

static int
kursusctl_takes_value(const struct cmd_option *o)
{
	return (o->arg != NULL);
}

/*
 * Takes the option at argv[*i] (which starts with '-'), and its value,
 * advancing *i past both. ce NULL means only global options are known.
 */
static int
kursusctl_take(const struct cmd_entry *ce, int argc, char **argv, int *i,
    struct cmd_ctx *ctx, json_t *seen)
{
	const struct cmd_option	*o;
	const char		*arg = argv[*i], *name, *eq, *value = NULL;
	size_t			 len;
	int			 global;

	if (arg[1] != '-') {
		/* "-c FILE", "-cFILE", "-h" */
		o = kursusctl_short_option(arg[1]);
		global = 1;
		if (o == NULL)
			return (kursusctl_usage_error(ce, "unknown option %s",
			    arg));
		if (arg[2] != '\0') {
			if (!kursusctl_takes_value(o))
				return (kursusctl_usage_error(ce, "unknown "
				    "option %s", arg));
			value = arg + 2;
		}
	} else {
		name = arg + 2;
		eq = strchr(name, '=');
		len = eq != NULL ? (size_t)(eq - name) : strlen(name);
		o = kursusctl_option(ce, name, len, &global);
		if (o == NULL)
			return (kursusctl_usage_error(ce, "unknown option "
			    "--%.*s", (int)len, name));
		if (eq != NULL) {
			if (!kursusctl_takes_value(o))
				return (kursusctl_usage_error(ce, "--%s takes "
				    "no value", o->name));
			value = eq + 1;
		}
	}
	(*i)++;
	if (kursusctl_takes_value(o) && value == NULL) {
		/* The next word is the value, even if it starts with '-'. */
		if (*i >= argc)
			return (kursusctl_usage_error(ce, "--%s needs a value "
			    "(%s)", o->name, o->arg));
		value = argv[(*i)++];
	}
	if (global)
		return (kursusctl_store(ce, o, value, kursusctl_set, seen, 1));
	return (kursusctl_store(ce, o, value, ctx->opts, seen, 0));
}

/* Whether this very option (not another setting its field) was given. */
static int
kursusctl_given(json_t *seen, const struct cmd_option *o)
{
	json_t	*v;

	v = json_object_get(seen, o->field);
	return (v != NULL && strcmp(json_string_value(v), o->name) == 0);
}

static int
kursusctl_is_option(const char *arg)
{
	return (arg[0] == '-' && arg[1] != '\0');
}

/*
 * Names the positional arguments from have on that the command needs:
 * the leading words of its usage ("SESSION PARTICIPANT ...") up to the
 * first option or optional part.
 */
static char *
kursusctl_missing(const struct cmd_entry *ce, int have)
{
	char	*copy, *p, *word, *out = NULL, *next;
	int	 n = 0;

	copy = p = xstrdup(ce->usage);
	while ((word = strsep(&p, " \n")) != NULL && n < ce->minargs) {
		if (*word == '\0')
			continue;
		if (*word == '-' || *word == '[')
			break;
		if (n++ < have)
			continue;
		if (out == NULL)
			out = xstrdup(word);
		else {
			xasprintf(&next, "%s %s", out, word);
			free(out);
			out = next;
		}
	}
	free(copy);
	return (out != NULL ? out : xstrdup("arguments"));
}

/* Parses a command's arguments: options and positionals in any order. */
static int
kursusctl_parse(const struct cmd_entry *ce, int argc, char **argv,
    struct cmd_ctx *ctx)
{
	const struct cmd_option	*o, *given[16];
	json_t			*seen;
	size_t			 a, b, ngiven;
	char			*missing;
	int			 i = 0, ret = 0, dashdash = 0;

	ctx->entry = ce;
	ctx->opts = json_object();
	ctx->argv = xcalloc(argc + 1, sizeof *ctx->argv);
	ctx->argc = 0;
	seen = json_object();

	while (i < argc) {
		if (!dashdash && strcmp(argv[i], "--") == 0) {
			dashdash = 1;
			i++;
		} else if (!dashdash && kursusctl_is_option(argv[i])) {
			if ((ret = kursusctl_take(ce, argc, argv, &i, ctx,
			    seen)) != 0)
				goto out;
		} else
			ctx->argv[ctx->argc++] = argv[i++];
	}

	if (ctx->argc > ce->maxargs) {
		ret = kursusctl_usage_error(ce, "unexpected argument \"%s\"",
		    ctx->argv[ce->maxargs]);
		goto out;
	}
	if (ctx->argc < ce->minargs) {
		missing = kursusctl_missing(ce, ctx->argc);
		ret = kursusctl_usage_error(ce, "missing %s", missing);
		free(missing);
		goto out;
	}

	ngiven = 0;
	for (a = 0; ce->options[a] != NULL; a++) {
		for (o = ce->options[a]; o->name != NULL; o++) {
			if ((o->flags & OPT_REQUIRED) &&
			    json_object_get(seen, o->field) == NULL) {
				ret = kursusctl_usage_error(ce, "--%s is "
				    "required", o->name);
				goto out;
			}
			if (o->group != 0 && kursusctl_given(seen, o) &&
			    ngiven < sizeof given / sizeof given[0])
				given[ngiven++] = o;
		}
	}
	/* Options of one group exclude each other (--duration and --end). */
	for (a = 0; a < ngiven; a++) {
		for (b = a + 1; b < ngiven; b++) {
			if (given[a]->group != given[b]->group)
				continue;
			ret = kursusctl_usage_error(ce, "--%s and --%s cannot "
			    "be used together", given[a]->name,
			    given[b]->name);
			goto out;
		}
	}
out:
	json_decref(seen);
	return (ret);
}

/* Prints text from column col, wrapped before 80 columns at indent. */
static void
kursusctl_wrap(FILE *f, size_t col, size_t indent, const char *text)
{
	const char	*p = text, *sp;
	size_t		 len, w;

	while (*p != '\0') {
		sp = strchr(p, ' ');
		len = sp != NULL ? (size_t)(sp - p) : strlen(p);
		w = table_width_n(p, len);
		if (col > indent && col + 1 + w > 79) {
			fputc('\n', f);
			for (col = 0; col < indent; col++)
				fputc(' ', f);
		} else if (col > indent)
			col += fprintf(f, " ");
		fwrite(p, 1, len, f);
		col += w;
		p += len;
		while (*p == ' ')
			p++;
	}
	fputc('\n', f);
}

/* The short spelling of a global option, or 0. */
static char
kursusctl_letter(const struct cmd_option *o)
{
	size_t	k;

	for (k = 0; k < sizeof kursusctl_short / sizeof kursusctl_short[0];
	    k++)
		if (o >= kursusctl_globals &&
		    o < kursusctl_globals + sizeof kursusctl_globals /
		    sizeof kursusctl_globals[0] &&
		    strcmp(kursusctl_short[k].name, o->name) == 0)
			return (kursusctl_short[k].letter);
	return (0);
}

/* Width of the "  --name ARG" column over all lists. */
static size_t
kursusctl_option_column(const struct cmd_option *const *lists)
{
	const struct cmd_option	*o;
	size_t			 i, w, max = 0;

	for (i = 0; lists[i] != NULL; i++) {
		for (o = lists[i]; o->name != NULL; o++) {
			w = 4 + strlen(o->name) + (o->arg != NULL ?
			    1 + strlen(o->arg) : 0);
			if (kursusctl_letter(o) != 0)
				w += 4;		/* "-c, " */
			if (w > max)
				max = w;
		}
	}
	return (max > 30 ? 30 : max);
}

static void
kursusctl_print_option(FILE *f, const struct cmd_option *o, size_t width)
{
	char	 head[128], *text;
	size_t	 col;
	char	 letter = kursusctl_letter(o);

	if (letter != 0)
		snprintf(head, sizeof head, "  -%c, --%s%s%s", letter, o->name,
		    o->arg != NULL ? " " : "", o->arg != NULL ? o->arg : "");
	else
		snprintf(head, sizeof head, "  --%s%s%s", o->name,
		    o->arg != NULL ? " " : "", o->arg != NULL ? o->arg : "");
	fputs(head, f);
	col = strlen(head);
	if (col + 2 > width + 2) {
		fputc('\n', f);
		col = 0;
	}
	for (; col < width + 2; col++)
		fputc(' ', f);
	if (o->flags & OPT_REQUIRED)
		xasprintf(&text, "%s (required)", o->help);
	else
		text = xstrdup(o->help);
	kursusctl_wrap(f, width + 2, width + 2, text);
	free(text);
}

static void
kursusctl_help(FILE *f)
{
	const struct cmd_entry	*const *cp;
	const struct cmd_entry	*ce;
	const struct cmd_option	*o;
	const struct cmd_option	*lists[] = { kursusctl_globals, NULL };
	size_t			 width, w;
	const char		*nl;

	fprintf(f, "usage: kursusctl [global options] COMMAND [arguments] "
	    "[options]\n\nkursusctl manages kursusd: venues, courses, "
	    "sessions and the people\nregistered for them, through the "
	    "daemon's admin API.\n\nGlobal options (also accepted after the "
	    "command):\n");
	width = kursusctl_option_column(lists);
	for (o = kursusctl_globals; o->name != NULL; o++)
		kursusctl_print_option(f, o, width);

	fprintf(f, "\nCommands:\n");
	width = 0;
	for (cp = kursusctl_commands; (ce = *cp) != NULL; cp++) {
		w = strlen(kursusctl_command_name(ce));
		if (!(ce->flags & CMD_HIDDEN) && w > width)
			width = w;
	}
	for (cp = kursusctl_commands; (ce = *cp) != NULL; cp++) {
		if (ce->flags & CMD_HIDDEN)
			continue;
		nl = strchr(ce->help, '\n');
		fprintf(f, "  %-*s  %.*s\n", (int)width,
		    kursusctl_command_name(ce),
		    nl != NULL ? (int)(nl - ce->help) : (int)strlen(ce->help),
		    ce->help);
	}
	fprintf(f, "\nRun 'kursusctl COMMAND --help' for a command's "
	    "arguments and options.\n");
}

static void
kursusctl_group_help(const char *name, FILE *f)
{
	const struct cmd_entry	*const *cp;
	const struct cmd_entry	*ce;
	const char		*nl;

	fprintf(f, "usage: kursusctl %s COMMAND [arguments] [options]\n\n"
	    "Commands:\n", name);
	for (cp = kursusctl_commands; (ce = *cp) != NULL; cp++) {
		if (strcmp(ce->name, name) != 0)
			continue;
		nl = strchr(ce->help, '\n');
		fprintf(f, "  kursusctl %s%s%s\n      %.*s\n",
		    kursusctl_command_name(ce), ce->usage[0] != '\0' ? " " : "",
		    ce->usage,
		    nl != NULL ? (int)(nl - ce->help) : (int)strlen(ce->help),
		    ce->help);
	}
	fprintf(f, "\nRun 'kursusctl %s COMMAND --help' for its options.\n",
	    name);
}

static void
kursusctl_command_help(const struct cmd_entry *ce, FILE *f)
{
	const struct cmd_option	*o;
	const struct cmd_option	*lists[5];
	struct cmd_option	 local[3];
	size_t			 i, width;
	const char		*nl;

	/* --json and --help belong to every command. */
	memset(local, 0, sizeof local);
	local[0] = *kursusctl_lookup(kursusctl_globals, "json", 4);
	local[1] = *kursusctl_lookup(kursusctl_globals, "help", 4);

	fprintf(f, "usage: kursusctl %s%s%s\n\n", kursusctl_command_name(ce),
	    ce->usage[0] != '\0' ? " " : "", ce->usage);
	nl = strchr(ce->help, '\n');
	if (nl == NULL)
		kursusctl_wrap(f, 0, 0, ce->help);
	else {
		fprintf(f, "%.*s\n", (int)(nl - ce->help), ce->help);
		kursusctl_wrap(f, 0, 0, nl + 1);
	}
	for (i = 0; ce->options[i] != NULL; i++)
		lists[i] = ce->options[i];
	lists[i++] = local;
	lists[i] = NULL;
	width = kursusctl_option_column(lists);
	fprintf(f, "\nOptions:\n");
	for (i = 0; lists[i] != NULL; i++)
		for (o = lists[i]; o->name != NULL; o++)
			kursusctl_print_option(f, o, width);
	fprintf(f, "\nGlobal options such as --socket may also be given; see "
	    "'kursusctl --help'.\n");
}

/* Whether name has subcommands ("venue"), is a command ("status") or not. */
static const struct cmd_entry *
kursusctl_find_name(const char *name)
{
	const struct cmd_entry	*const *cp;
	const struct cmd_entry	*ce;

	for (cp = kursusctl_commands; (ce = *cp) != NULL; cp++)
		if (strcmp(ce->name, name) == 0)
			return (ce);
	return (NULL);
}

/* Whether name has subcommands ("venue", "outbox") or is one command. */
static int
kursusctl_is_group(const char *name)
{
	const struct cmd_entry	*const *cp;
	const struct cmd_entry	*ce;

	for (cp = kursusctl_commands; (ce = *cp) != NULL; cp++)
		if (strcmp(ce->name, name) == 0 && ce->sub != NULL)
			return (1);
	return (0);
}

/* The entry of a group that runs when no subcommand is given ("outbox
 * --state failed"), or NULL. */
static const struct cmd_entry *
kursusctl_default(const char *name)
{
	const struct cmd_entry	*const *cp;
	const struct cmd_entry	*ce;

	for (cp = kursusctl_commands; (ce = *cp) != NULL; cp++)
		if (strcmp(ce->name, name) == 0 && ce->sub == NULL)
			return (ce);
	return (NULL);
}

/*
 * Words of a subcommand: "show" is one, "template set" two. Returns how
 * many of the argc words in argv it matches in full (0: it does not).
 */
static int
kursusctl_sub_match(const char *sub, int argc, char **argv)
{
	const char	*p = sub, *sp;
	size_t		 len;
	int		 n = 0;

	while (*p != '\0') {
		sp = strchr(p, ' ');
		len = sp != NULL ? (size_t)(sp - p) : strlen(p);
		if (n >= argc || strlen(argv[n]) != len ||
		    strncmp(argv[n], p, len) != 0)
			return (0);
		n++;
		p += len;
		while (*p == ' ')
			p++;
	}
	return (n);
}

/* The subcommand of name that the words in argv spell; *used words. */
static const struct cmd_entry *
kursusctl_find_sub_words(const char *name, int argc, char **argv, int *used)
{
	const struct cmd_entry	*const *cp;
	const struct cmd_entry	*ce, *best = NULL;
	int			 n;

	*used = 0;
	for (cp = kursusctl_commands; (ce = *cp) != NULL; cp++) {
		if (strcmp(ce->name, name) != 0 || ce->sub == NULL)
			continue;
		if ((n = kursusctl_sub_match(ce->sub, argc, argv)) > *used) {
			best = ce;
			*used = n;
		}
	}
	return (best);
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

/* `kursusctl help kinds': the table of kinds of message. */
static void
kursusctl_help_kinds(FILE *f)
{
	char	 name[64];
	int	 k;

	fprintf(f, "The kinds of message kursusd sends (KIND in outbox "
	    "--kind, preview --kind,\ncourse template):\n\n");
	for (k = 0; k < KIND_COUNT; k++) {
		snprintf(name, sizeof name, "%s%s%s%s", kinds[k].name,
		    kinds[k].alias != NULL ? " (" : "", kinds[k].alias != NULL ?
		    kinds[k].alias : "", kinds[k].alias != NULL ? ")" : "");
		fprintf(f, "  %-26s %s%s%s\n", name, kinds[k].help,
		    kinds[k].invite == INVITE_REQUEST ? "; e-mail with the "
		    "invitation" : kinds[k].invite == INVITE_CANCEL ?
		    "; e-mail takes the invitation back" : "",
		    kinds[k].flags & KIND_PREVIEW ? "" : "; no preview");
	}
}

static int
kursusctl_help_cmd(struct cmd_ctx *ctx)
{
	const struct cmd_entry	*ce;
	int			 used;

	if (ctx->argc == 0) {
		kursusctl_help(stdout);
		return (0);
	}
	if (strcmp(ctx->argv[0], "kinds") == 0) {
		kursusctl_help_kinds(stdout);
		return (0);
	}
	if ((ce = kursusctl_find_name(ctx->argv[0])) == NULL ||
	    (ce->flags & CMD_HIDDEN))
		return (kursusctl_usage_error(ctx->entry, "unknown command "
		    "\"%s\"", ctx->argv[0]));
	if (!kursusctl_is_group(ce->name)) {
		kursusctl_command_help(ce, stdout);
		return (0);
	}
	if (ctx->argc == 1) {
		kursusctl_group_help(ce->name, stdout);
		return (0);
	}
	ce = kursusctl_find_sub_words(ctx->argv[0], ctx->argc - 1,
	    ctx->argv + 1, &used);
	if (ce == NULL || used != ctx->argc - 1)
		return (kursusctl_usage_error(ctx->entry, "unknown command "
		    "\"%s %s%s%s\"", ctx->argv[0], ctx->argv[1],
		    ctx->argc > 2 ? " " : "", ctx->argc > 2 ? ctx->argv[2] :
		    ""));
	kursusctl_command_help(ce, stdout);
	return (0);
}

/* kursusd.conf's [admin] keys that say how to reach the daemon. */
struct kursusctl_conf {
	char	*socket;
	char	*listen;
	char	*token_file;
};

static int
kursusctl_ini(void *arg, const char *section, const char *name,
    const char *value)
{
	struct kursusctl_conf	*conf = arg;
	char			**slot = NULL;

	/* The daemon's keys in other sections are its business. */
	if (strcmp(section, "admin") != 0)
		return (1);
	if (strcmp(name, "socket") == 0)
		slot = &conf->socket;
	else if (strcmp(name, "listen") == 0)
		slot = &conf->listen;
	else if (strcmp(name, "token_file") == 0)
		slot = &conf->token_file;
	if (slot != NULL) {
		free(*slot);
		*slot = *value != '\0' ? xstrdup(value) : NULL;
	}
	return (1);
}

/* "127.0.0.1:8081" as the daemon listens -> the URL a client connects to. */
static char *
kursusctl_listen_url(const char *listen)
{
	char	*url;

	if (strstr(listen, "://") != NULL)
		return (xstrdup(listen));
	/* A wildcard address is reached through loopback. */
	if (strncmp(listen, "0.0.0.0:", 8) == 0)
		xasprintf(&url, "http://127.0.0.1:%s", listen + 8);
	else if (strncmp(listen, "[::]:", 5) == 0)
		xasprintf(&url, "http://[::1]:%s", listen + 5);
	else if (strncmp(listen, "*:", 2) == 0)
		xasprintf(&url, "http://127.0.0.1:%s", listen + 2);
	else if (listen[0] == ':')
		xasprintf(&url, "http://127.0.0.1%s", listen);
	else
		xasprintf(&url, "http://%s", listen);
	return (url);
}

static const char *
kursusctl_global(const char *field)
{
	return (json_string_value(json_object_get(kursusctl_set, field)));
}

/*
 * Works out where the daemon is: --url or --socket, else KURSUS_SOCKET,
 * else the configuration file's [admin] socket, else the default socket.
 * A configuration that names only [admin] listen (a client's copy on
 * another machine, say) is used over TCP when the default socket is absent.
 */
static int
kursusctl_connect(struct client **cp, char **cause)
{
	struct kursusctl_conf	 conf;
	const char		*socket, *url, *token_file, *path, *env;
	char			*listen_url = NULL, *token = NULL;
	int			 explicit, r, ret = 0;

	*cp = NULL;
	memset(&conf, 0, sizeof conf);
	socket = kursusctl_global("socket");
	url = kursusctl_global("url");
	token_file = kursusctl_global("token_file");
	if (socket != NULL && url != NULL) {
		xasprintf(cause, "--socket and --url cannot be used together");
		return (KCTL_EXIT_USAGE);
	}

	path = kursusctl_global("config");
	explicit = path != NULL;
	if (path == NULL && access(KURSUS_CONF_PATH, F_OK) == 0)
		path = KURSUS_CONF_PATH;
	if (path != NULL) {
		r = ini_parse(path, kursusctl_ini, &conf);
		if (r < 0 && (explicit || errno != EACCES)) {
			xasprintf(cause, "cannot read %s: %s", path,
			    strerror(errno));
			ret = KCTL_EXIT_CONFIG;
			goto out;
		}
		if (r > 0) {
			xasprintf(cause, "%s:%d: syntax error", path, r);
			ret = KCTL_EXIT_CONFIG;
			goto out;
		}
		/* An unreadable default file is the daemon's, not ours. */
	}

	if (socket == NULL && url == NULL) {
		env = getenv(KURSUS_SOCKET_ENV);
		if (env != NULL && *env != '\0')
			socket = env;
		else if (conf.socket != NULL)
			socket = conf.socket;
		else if (conf.listen != NULL &&
		    access(KURSUS_SOCKET_PATH, F_OK) != 0)
			url = listen_url = kursusctl_listen_url(conf.listen);
		else
			socket = KURSUS_SOCKET_PATH;
	}
	if (url != NULL) {
		if (token_file == NULL)
			token_file = conf.token_file;
		if (token_file == NULL)
			token_file = KURSUS_TOKEN_PATH;
		if (client_read_token(token_file, &token, cause) != 0) {
			ret = KCTL_EXIT_NOINPUT;
			goto out;
		}
	}
	*cp = client_new(socket, url, token);
out:
	if (token != NULL) {
		memset(token, 0, strlen(token));
		free(token);
	}
	free(listen_url);
	free(conf.socket);
	free(conf.listen);
	free(conf.token_file);
	return (ret);
}

/* Prints the slugs of one kind (enum opt_complete), one a line. */
static void
kursusctl_complete_slugs(struct client *c, int kind)
{
	const char	*what;
	json_t		*answer, *o;
	char		*cause, *path;
	size_t		 i;

	switch (kind) {
	case CMPL_VENUE:
		what = "venues";
		break;
	case CMPL_COURSE:
		what = "courses";
		break;
	case CMPL_INSTRUCTOR:
		what = "instructors";
		break;
	default:
		return;
	}
	path = cmd_path(what, NULL, NULL);
	/* A daemon that is down simply completes nothing. */
	if (client_call(c, "GET", path, NULL, NULL, &answer, &cause) != 0) {
		free(cause);
		free(path);
		return;
	}
	free(path);
	json_array_foreach(json_object_get(answer, what), i, o)
		if (cmd_str(o, "slug") != NULL)
			printf("%s\n", cmd_str(o, "slug"));
	json_decref(answer);
}

/* Prints the completions for an option's value. */
static void
kursusctl_complete_value(const struct cmd_option *o)
{
	struct client	*c;
	char		*cause, *copy, *p, *word;

	switch (o->complete) {
	case CMPL_FILE:
		/* The completion script offers file names for this. */
		printf("@file\n");
		break;
	case CMPL_VALUES:
		copy = p = xstrdup(o->value);
		while ((word = strsep(&p, " ")) != NULL)
			printf("%s\n", word);
		free(copy);
		break;
	case CMPL_KIND:
	case CMPL_KIND_PREVIEW:
		cmd_print_kinds(o->complete == CMPL_KIND ? 0 :
		    KIND_PREVIEW);
		break;
	case CMPL_VENUE:
	case CMPL_COURSE:
	case CMPL_INSTRUCTOR:
		if (kursusctl_connect(&c, &cause) != 0) {
			free(cause);
			break;
		}
		kursusctl_complete_slugs(c, o->complete);
		client_free(c);
		break;
	}
}

/* The option at words[i] takes a value and it is the word being typed. */
static const struct cmd_option *
kursusctl_value_pending(const struct cmd_entry *ce, char **words, int i,
    int n)
{
	const struct cmd_option	*o = NULL;
	const char		*w = words[i];
	int			 global;

	if (i != n - 1)
		return (NULL);
	if (w[1] == '-') {
		if (strchr(w, '=') != NULL)
			return (NULL);
		o = kursusctl_option(ce, w + 2, strlen(w + 2), &global);
	} else if (w[2] == '\0')
		o = kursusctl_short_option(w[1]);
	if (o == NULL || o->arg == NULL)
		return (NULL);
	return (o);
}

/*
 * Steps over the option at w[*i] while completing. Returns 1 when it is the
 * word being typed and waits for a value, after printing the candidates for
 * that value; else 0, with a word that does not parse simply skipped.
 */
static int
kursusctl_complete_take(const struct cmd_entry *ce, char **w, int *i, int n,
    struct cmd_ctx *tmp, json_t *seen)
{
	const struct cmd_option	*o;
	int			 j = *i;

	if ((o = kursusctl_value_pending(ce, w, *i, n)) != NULL) {
		kursusctl_complete_value(o);
		return (1);
	}
	if (kursusctl_take(ce, n, w, i, tmp, seen) != 0)
		*i = j + 1;
	return (0);
}

static void
kursusctl_complete_options(const struct cmd_option *o)
{
	for (; o != NULL && o->name != NULL; o++)
		printf("--%s\n", o->name);
}

/*
 * Prints word number nwords of e's subcommand ("template set": "set" for
 * 1) when the words before it match those given.
 */
static void
kursusctl_sub_word(const struct cmd_entry *e, int nwords, char **words)
{
	const struct cmd_entry	*const *cp;
	const struct cmd_entry	*x;
	const char		*p = e->sub, *sp;
	size_t			 len;
	int			 k;

	for (k = 0;; k++) {
		sp = strchr(p, ' ');
		len = sp != NULL ? (size_t)(sp - p) : strlen(p);
		if (k == nwords)
			break;
		if (sp == NULL || strlen(words[k]) != len ||
		    strncmp(words[k], p, len) != 0)
			return;
		p = sp + 1;
	}
	/* A first word shared by several ("template ...") is printed once. */
	if (nwords == 0) {
		for (cp = kursusctl_commands; (x = *cp) != e; cp++)
			if (strcmp(x->name, e->name) == 0 && x->sub != NULL &&
			    strncmp(x->sub, p, len) == 0 &&
			    (x->sub[len] == ' ' || x->sub[len] == '\0'))
				return;
	}
	printf("%.*s\n", (int)len, p);
}

/*
 * After a group's name: completes its subcommand's words (and the
 * options of its own command, if it has one) and returns 1 when one of
 * them is the word being typed; else moves *cep to the subcommand, or
 * the group's own command, past *i and returns 0.
 */
static int
kursusctl_complete_sub(const struct cmd_entry **cep, char **w, int *i,
    int n)
{
	const struct cmd_entry	*const *cp;
	const struct cmd_entry	*ce = *cep, *e, *def, *sub;
	int			 used, k, typed;

	def = kursusctl_default(ce->name);
	if ((sub = kursusctl_find_sub_words(ce->name, n - *i, w + *i,
	    &used)) != NULL) {
		*cep = sub;
		*i += used;
		return (0);
	}
	/* How many words after the name are not options: subcommand words
	 * typed so far. */
	for (typed = 0; *i + typed < n && !kursusctl_is_option(w[*i +
	    typed]); typed++)
		;
	if (typed == n - *i && typed <= 1) {
		for (cp = kursusctl_commands; (e = *cp) != NULL; cp++)
			if (strcmp(e->name, ce->name) == 0 && e->sub != NULL)
				kursusctl_sub_word(e, typed, w + *i);
		if (typed == 0 && def != NULL)
			for (k = 0; def->options[k] != NULL; k++)
				kursusctl_complete_options(def->options[k]);
		return (1);
	}
	if (def == NULL)
		return (1);
	*cep = def;
	return (0);
}

/*
 * `kursusctl __complete WORDS...`: the words typed before the one being
 * completed; prints the candidates for that one, a line each. The shell
 * script stays a few lines and never learns a command name.
 */
static int
kursusctl_complete(struct cmd_ctx *ctx)
{
	const struct cmd_entry	*const *cp;
	const struct cmd_entry	*ce, *e;
	struct cmd_ctx		 tmp;
	struct cmd_option	 slug;
	json_t			*seen;
	const char		*first = NULL;
	char			**w = ctx->argv;
	int			 n = ctx->argc, i = 0, npos = 0, k;

	kursusctl_error_quiet();
	memset(&tmp, 0, sizeof tmp);
	tmp.opts = json_object();
	seen = json_object();

	while (i < n && kursusctl_is_option(w[i]))
		if (kursusctl_complete_take(NULL, w, &i, n, &tmp, seen))
			goto out;
	if (i == n) {
		for (cp = kursusctl_commands; (ce = *cp) != NULL; cp++) {
			if (ce->flags & CMD_HIDDEN)
				continue;
			if (cp != kursusctl_commands &&
			    strcmp(cp[-1]->name, ce->name) == 0)
				continue;
			printf("%s\n", ce->name);
		}
		kursusctl_complete_options(kursusctl_globals);
		goto out;
	}
	if ((ce = kursusctl_find_name(w[i++])) == NULL ||
	    (ce->flags & CMD_HIDDEN))
		goto out;
	if (kursusctl_is_group(ce->name) &&
	    kursusctl_complete_sub(&ce, w, &i, n))
		goto out;
	if (ce == kursusctl_find_name("help")) {
		/* help takes command names. */
		for (cp = kursusctl_commands; (e = *cp) != NULL; cp++) {
			if (e->flags & CMD_HIDDEN)
				continue;
			if (n - i == 0 && (cp == kursusctl_commands ||
			    strcmp(cp[-1]->name, e->name) != 0))
				printf("%s\n", e->name);
			if (n - i >= 1 && e->sub != NULL &&
			    strcmp(e->name, w[i]) == 0)
				kursusctl_sub_word(e, n - i - 1, w + i + 1);
		}
		goto out;
	}

	while (i < n) {
		if (strcmp(w[i], "--") == 0) {
			if (first == NULL && i + 1 < n)
				first = w[i + 1];
			npos += n - i - 1;
			break;
		}
		if (!kursusctl_is_option(w[i])) {
			if (first == NULL)
				first = w[i];
			npos++;
			i++;
			continue;
		}
		if (kursusctl_complete_take(ce, w, &i, n, &tmp, seen))
			goto out;
	}
	for (k = 0; ce->options[k] != NULL; k++)
		kursusctl_complete_options(ce->options[k]);
	printf("--json\n--help\n");
	if (npos < ce->maxargs && ce->complete != CMPL_NONE) {
		memset(&slug, 0, sizeof slug);
		slug.complete = ce->complete;
		/* A feed's kind first, then what that kind takes. */
		if (ce->complete == CMPL_FEED)
			slug.complete = cmd_complete_feed(npos, first);
		if (ce->complete == CMPL_TEMPLATE)
			slug.complete = cmd_complete_template(npos);
		kursusctl_complete_value(&slug);
	}
out:
	json_decref(seen);
	json_decref(tmp.opts);
	return (0);
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
	printf("kursusctl %s (admin API %d)\n", PACKAGE_VERSION,
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
	table_init();
	kursusctl_set = json_object();
	memset(&ctx, 0, sizeof ctx);

	/* Global options before the command. */
	seen = json_object();
	while (i < argc && kursusctl_is_option(argv[i]) &&
	    strcmp(argv[i], "--") != 0) {
		if ((ret = kursusctl_take(NULL, argc, argv, &i, &ctx,
		    seen)) != 0) {
			json_decref(seen);
			goto out;
		}
	}
	json_decref(seen);
	if (i < argc && strcmp(argv[i], "--") == 0)
		i++;

	if (json_is_true(json_object_get(kursusctl_set, "version"))) {
		kursusctl_version();
		goto out;
	}
	if (i == argc) {
		if (json_is_true(json_object_get(kursusctl_set, "help")))
			kursusctl_help(stdout);
		else
			ret = kursusctl_usage_error(NULL, "no command given");
		goto out;
	}

	if ((ce = kursusctl_find_name(argv[i])) == NULL) {
		ret = kursusctl_usage_error(NULL, "unknown command \"%s\"",
		    argv[i]);
		goto out;
	}
	i++;
	if (kursusctl_is_group(ce->name)) {
		name = ce->name;
		if ((sub = kursusctl_find_sub_words(name, argc - i, argv + i,
		    &used)) != NULL) {
			ce = sub;
			i += used;
		} else if ((i == argc || kursusctl_is_option(argv[i])) &&
		    (ce = kursusctl_default(name)) != NULL) {
			/* "outbox --state failed": the group's own command. */
		} else if (i == argc || kursusctl_is_option(argv[i]) ||
		    kursusctl_sub_prefix(name, argv[i])) {
			if (json_is_true(json_object_get(kursusctl_set,
			    "help")) || kursusctl_wants_help(argc - i,
			    argv + i)) {
				kursusctl_group_help(name, stdout);
				goto out;
			}
			subs = kursusctl_subs(name);
			kursusctl_error("%s: missing command, one of: %s (see "
			    "'kursusctl %s --help')", name, subs, name);
			free(subs);
			ret = KCTL_EXIT_USAGE;
			goto out;
		} else {
			subs = kursusctl_subs(name);
			kursusctl_error("%s: unknown command \"%s\", one of: "
			    "%s (see 'kursusctl %s --help')", name, argv[i],
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
		if (json_is_true(json_object_get(kursusctl_set, "help")) ||
		    kursusctl_wants_help(argc - i, argv + i)) {
			kursusctl_command_help(ce, stdout);
			goto out;
		}
		if ((ret = kursusctl_parse(ce, argc - i, argv + i, &ctx)) != 0)
			goto out;
		if (json_is_true(json_object_get(kursusctl_set, "version"))) {
			kursusctl_version();
			goto out;
		}
	}
	ctx.json = json_is_true(json_object_get(kursusctl_set, "json"));

	if (!(ce->flags & CMD_LOCAL)) {
		if ((ret = kursusctl_connect(&ctx.client, &cause)) != 0) {
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
	free(ctx.argv);
	json_decref(kursusctl_set);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		/* A full disk or closed pipe must not look like success. */
		kursusctl_error("cannot write output: %s", strerror(errno));
		if (ret == 0)
			ret = KCTL_EXIT_SOFTWARE;
	}
	return (ret);
}
