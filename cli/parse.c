/*
 * Reading the command line: the global options, which command the words
 * name, and a command's options and positional arguments, each value
 * checked and stored by its option's type. The command table is handed in
 * by whoever holds it (kursusctl.c); nothing here names it.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "kursusctl.h"

const struct cmd_option parse_globals[] = {
	{ "config", OPT_TEXT, "config", "FILE",
	  N_("configuration file to read [admin] from (default %s if it "
	  "exists)"), 0, 0, NULL, CMPL_FILE },
	{ "socket", OPT_TEXT, "socket", "PATH",
	  N_("admin socket (default %s)"), 0, 0, NULL, CMPL_FILE },
	{ "url", OPT_TEXT, "url", "URL",
	  N_("admin API over TCP: https://HOST:PORT (kursusd's [admin] "
	  "tls_cert), or http:// to a loopback address"), 0, 0, NULL,
	  CMPL_NONE },
	{ "cacert", OPT_TEXT, "cacert", "FILE",
	  N_("CA certificate that verifies an https:// --url (default [admin] "
	  "tls_cacert, else the system's CAs)"), 0, 0, NULL, CMPL_FILE },
	{ "token-file", OPT_TEXT, "token_file", "FILE",
	  N_("bearer token for --url (default [admin] token_file, else %s "
	  "beside [daemon] database, else %s)"), 0, 0, NULL, CMPL_FILE },
	{ "json", OPT_TRUE, "json", NULL,
	  N_("print the daemon's answer as JSON"), 0, 0, NULL, 0 },
	{ "utc", OPT_TRUE, "utc", NULL,
	  N_("show times in UTC; without it they are local time"), 0, 0, NULL,
	  0 },
	{ "help", OPT_TRUE, "help", NULL, N_("show help"), 0, 0, NULL, 0 },
	{ "version", OPT_TRUE, "version", NULL, N_("show the version"), 0, 0,
	  NULL, 0 },
	OPT_END
};

/*
 * An option's help in the CLI's language; the global options that name a
 * path set at build time have it put in for their %s. Caller frees.
 */
char *
parse_help(const struct cmd_option *o)
{
	char	*s;

	if (o->help == NULL || *o->help == '\0')
		return (xstrdup(""));
	if (o == &parse_globals[0])
		xasprintf(&s, _("configuration file to read [admin] from "
		    "(default %s if it exists)"), KURSUS_CONF_PATH);
	else if (o == &parse_globals[1])
		xasprintf(&s, _("admin socket (default %s)"),
		    KURSUS_SOCKET_PATH);
	else if (o == &parse_globals[4])
		xasprintf(&s, _("bearer token for --url (default [admin] "
		    "token_file, else %s beside [daemon] database, else %s)"),
		    KURSUS_TOKEN_NAME, KURSUS_TOKEN_PATH);
	else
		s = xstrdup(_(o->help));
	return (s);
}

/* Short spellings of global options. */
static const struct {
	char		 letter;
	const char	*name;
} parse_short[] = {
	{ 'c', "config" },
	{ 'h', "help" },
};

/* Global options given so far, field -> value. */
static json_t	*parse_set;

json_t *
parse_global(const char *field)
{
	return (json_object_get(parse_set, field));
}

void
parse_free(void)
{
	json_decref(parse_set);
	parse_set = NULL;
}

const struct cmd_option *
parse_lookup(const struct cmd_option *list, const char *name, size_t len)
{
	for (; list != NULL && list->name != NULL; list++)
		if (strlen(list->name) == len &&
		    strncmp(list->name, name, len) == 0)
			return (list);
	return (NULL);
}

/* Finds an option of ce (NULL: none) by name; *global says where. */
const struct cmd_option *
parse_option(const struct cmd_entry *ce, const char *name, size_t len,
    int *global)
{
	const struct cmd_option	*o;
	size_t			 i;

	*global = 0;
	for (i = 0; ce != NULL && ce->options[i] != NULL; i++)
		if ((o = parse_lookup(ce->options[i], name, len)) != NULL)
			return (o);
	*global = 1;
	return (parse_lookup(parse_globals, name, len));
}

/* The global option a short letter stands for ('c' is --config), or NULL. */
const struct cmd_option *
parse_short_option(char letter)
{
	const char	*name;
	size_t		 k;
	int		 global;

	for (k = 0; k < sizeof parse_short / sizeof parse_short[0]; k++) {
		if (parse_short[k].letter != letter)
			continue;
		name = parse_short[k].name;
		return (parse_option(NULL, name, strlen(name), &global));
	}
	return (NULL);
}

/* The short spelling of a global option, or 0. */
char
parse_letter(const struct cmd_option *o)
{
	size_t	k;

	for (k = 0; k < sizeof parse_short / sizeof parse_short[0]; k++)
		if (o >= parse_globals &&
		    o < parse_globals + sizeof parse_globals /
		    sizeof parse_globals[0] &&
		    strcmp(parse_short[k].name, o->name) == 0)
			return (parse_short[k].letter);
	return (0);
}

/* Parses "90m", "90", "1h30m", "1h30", "1.5h" into minutes. */
static int
parse_duration(const char *s, long long *out)
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
parse_spell(const struct cmd_option *o)
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
parse_store(const struct cmd_entry *ce, const struct cmd_option *o,
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
			return (kursusctl_usage_error(ce, _("--%s given twice"),
			    o->name));
		return (kursusctl_usage_error(ce, _("--%s and --%s cannot be "
		    "used together"), json_string_value(prev), o->name));
	}
	json_object_set_new(seen, o->field, json_string(o->name));

	switch (o->type) {
	case OPT_TEXT:
		if ((v = json_string(value)) == NULL)
			return (kursusctl_usage_error(ce, _("%s: not valid "
			    "UTF-8"), parse_spell(o)));
		break;
	case OPT_INT:
		errno = 0;
		n = strtoll(value, &end, 10);
		if (*value == '\0' || *end != '\0' || errno != 0)
			return (kursusctl_usage_error(ce, _("%s \"%s\": not a "
			    "whole number"), parse_spell(o), value));
		v = json_integer(n);
		break;
	case OPT_REAL:
		errno = 0;
		d = strtod(value, &end);
		if (*value == '\0' || *end != '\0' || errno != 0 ||
		    d != d || d > 1e300 || d < -1e300)
			return (kursusctl_usage_error(ce, _("%s \"%s\": not a "
			    "number"), parse_spell(o), value));
		v = json_real(d);
		break;
	case OPT_DURATION:
		if (parse_duration(value, &n) != 0)
			return (kursusctl_usage_error(ce, _("%s \"%s\": not a "
			    "duration (try 90m, 1h30m or 1.5h)"),
			    parse_spell(o), value));
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
			return (kursusctl_usage_error(ce, _("%s: not valid "
			    "UTF-8"), parse_spell(o)));
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
				kursusctl_usage_error(ce, _("%s \"%s\": \"%s\" "
				    "is not an id"), parse_spell(o), value,
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
parse_takes_value(const struct cmd_option *o)
{
	return (o->arg != NULL);
}

/*
 * Takes the option at argv[*i] (which starts with '-'), and its value,
 * advancing *i past both. ce NULL means only global options are known.
 */
int
parse_take(const struct cmd_entry *ce, int argc, char **argv, int *i,
    struct cmd_ctx *ctx, json_t *seen)
{
	const struct cmd_option	*o;
	const char		*arg = argv[*i], *name, *eq, *value = NULL;
	size_t			 len;
	int			 global;

	if (arg[1] != '-') {
		/* "-c FILE", "-cFILE", "-h" */
		o = parse_short_option(arg[1]);
		global = 1;
		if (o == NULL)
			return (kursusctl_usage_error(ce, _("unknown option %s"),
			    arg));
		if (arg[2] != '\0') {
			if (!parse_takes_value(o))
				return (kursusctl_usage_error(ce, _("unknown "
				    "option %s"), arg));
			value = arg + 2;
		}
	} else {
		name = arg + 2;
		eq = strchr(name, '=');
		len = eq != NULL ? (size_t)(eq - name) : strlen(name);
		o = parse_option(ce, name, len, &global);
		if (o == NULL)
			return (kursusctl_usage_error(ce, _("unknown option "
			    "--%.*s"), (int)len, name));
		if (eq != NULL) {
			if (!parse_takes_value(o))
				return (kursusctl_usage_error(ce, _("--%s takes "
				    "no value"), o->name));
			value = eq + 1;
		}
	}
	(*i)++;
	if ((o->flags & OPT_OPTVAL) && value == NULL)
		value = "";
	if (parse_takes_value(o) && value == NULL) {
		/* The next word is the value, even if it starts with '-'. */
		if (*i >= argc)
			return (kursusctl_usage_error(ce, _("--%s needs a value "
			    "(%s)"), o->name, o->arg));
		value = argv[(*i)++];
	}
	if (global) {
		if (parse_set == NULL)
			parse_set = json_object();
		return (parse_store(ce, o, value, parse_set, seen, 1));
	}
	if (o->flags & OPT_OUTPUT) {
		if (ctx->output == NULL)
			ctx->output = json_object();
		return (parse_store(ce, o, value, ctx->output, seen, 0));
	}
	return (parse_store(ce, o, value, ctx->opts, seen, 0));
}

/* Whether this very option (not another setting its field) was given. */
static int
parse_given(json_t *seen, const struct cmd_option *o)
{
	json_t	*v;

	v = json_object_get(seen, o->field);
	return (v != NULL && strcmp(json_string_value(v), o->name) == 0);
}

int
parse_is_option(const char *arg)
{
	return (arg[0] == '-' && arg[1] != '\0');
}

/*
 * Names the positional arguments from have on that the command needs:
 * the leading words of its usage ("SESSION PARTICIPANT ...") up to the
 * first option or optional part.
 */
static char *
parse_missing(const struct cmd_entry *ce, int have)
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
int
parse_command(const struct cmd_entry *ce, int argc, char **argv,
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
		} else if (!dashdash && parse_is_option(argv[i])) {
			if ((ret = parse_take(ce, argc, argv, &i, ctx,
			    seen)) != 0)
				goto out;
		} else
			ctx->argv[ctx->argc++] = argv[i++];
	}

	if (ctx->argc > ce->maxargs) {
		ret = kursusctl_usage_error(ce, _("unexpected argument \"%s\""),
		    ctx->argv[ce->maxargs]);
		goto out;
	}
	if (ctx->argc < ce->minargs) {
		missing = parse_missing(ce, ctx->argc);
		ret = kursusctl_usage_error(ce, _("missing %s"), missing);
		free(missing);
		goto out;
	}

	ngiven = 0;
	for (a = 0; ce->options[a] != NULL; a++) {
		for (o = ce->options[a]; o->name != NULL; o++) {
			if ((o->flags & OPT_REQUIRED) &&
			    json_object_get(seen, o->field) == NULL) {
				ret = kursusctl_usage_error(ce, _("--%s is "
				    "required"), o->name);
				goto out;
			}
			if (o->group != 0 && parse_given(seen, o) &&
			    ngiven < sizeof given / sizeof given[0])
				given[ngiven++] = o;
		}
	}
	/* Options of one group exclude each other (--duration and --end). */
	for (a = 0; a < ngiven; a++) {
		for (b = a + 1; b < ngiven; b++) {
			if (given[a]->group != given[b]->group)
				continue;
			ret = kursusctl_usage_error(ce, _("--%s and --%s cannot "
			    "be used together"), given[a]->name,
			    given[b]->name);
			goto out;
		}
	}
out:
	json_decref(seen);
	return (ret);
}

/* The first entry named name ("venue", "status"), or NULL. */
const struct cmd_entry *
parse_find(const struct cmd_entry *const *table, const char *name)
{
	const struct cmd_entry	*const *cp;
	const struct cmd_entry	*ce;

	for (cp = table; (ce = *cp) != NULL; cp++)
		if (strcmp(ce->name, name) == 0)
			return (ce);
	return (NULL);
}

/* Whether name has subcommands ("venue", "outbox") or is one command. */
int
parse_is_group(const struct cmd_entry *const *table, const char *name)
{
	const struct cmd_entry	*const *cp;
	const struct cmd_entry	*ce;

	for (cp = table; (ce = *cp) != NULL; cp++)
		if (strcmp(ce->name, name) == 0 && ce->sub != NULL)
			return (1);
	return (0);
}

/* The entry of a group that runs when no subcommand is given ("outbox
 * --state failed"), or NULL. */
const struct cmd_entry *
parse_default(const struct cmd_entry *const *table, const char *name)
{
	const struct cmd_entry	*const *cp;
	const struct cmd_entry	*ce;

	for (cp = table; (ce = *cp) != NULL; cp++)
		if (strcmp(ce->name, name) == 0 && ce->sub == NULL)
			return (ce);
	return (NULL);
}

/*
 * Words of a subcommand: "show" is one, "template set" two. Returns how
 * many of the argc words in argv it matches in full (0: it does not).
 */
static int
parse_sub_match(const char *sub, int argc, char **argv)
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
const struct cmd_entry *
parse_sub_words(const struct cmd_entry *const *table, const char *name,
    int argc, char **argv, int *used)
{
	const struct cmd_entry	*const *cp;
	const struct cmd_entry	*ce, *best = NULL;
	int			 n;

	*used = 0;
	for (cp = table; (ce = *cp) != NULL; cp++) {
		if (strcmp(ce->name, name) != 0 || ce->sub == NULL)
			continue;
		if ((n = parse_sub_match(ce->sub, argc, argv)) > *used) {
			best = ce;
			*used = n;
		}
	}
	return (best);
}
