/*
 * `kursusctl __complete WORDS...`, which the bash completion script calls:
 * the candidates for the word after WORDS, from the command table (handed
 * in), the options' values, and for slugs the daemon's lists.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "kursusctl.h"

/* The collection whose slugs complete an argument (enum opt_complete). */
static const char *
complete_collection(int kind)
{
	switch (kind) {
	case CMPL_VENUE:
		return ("venues");
	case CMPL_COURSE:
		return ("courses");
	case CMPL_INSTRUCTOR:
		return ("instructors");
	}
	return (NULL);
}

/* Prints the completions for an option's value. */
static void
complete_value(const struct cmd_option *o)
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
		cmd_print_kinds(o->complete == CMPL_KIND ? 0 : KIND_PREVIEW);
		break;
	case CMPL_VENUE:
	case CMPL_COURSE:
	case CMPL_INSTRUCTOR:
		if (connect_daemon(&c, &cause) != 0) {
			free(cause);
			break;
		}
		cmd_print_slugs(c, complete_collection(o->complete));
		client_free(c);
		break;
	}
}

/* A feed's kind first, then what that kind takes: kursusd knows them. */
static void
complete_feed(int npos, const char *kind)
{
	struct client	*c;
	char		*cause;

	if (connect_daemon(&c, &cause) != 0) {
		free(cause);
		return;
	}
	cmd_complete_feed(c, npos, kind);
	client_free(c);
}

/* The option at words[i] takes a value and it is the word being typed. */
static const struct cmd_option *
complete_value_pending(const struct cmd_entry *ce, char **words, int i,
    int n)
{
	const struct cmd_option	*o = NULL;
	const char		*w = words[i], *eq;
	int			 global;

	if (i != n - 1)
		return (NULL);
	if (w[1] == '-') {
		/* "--venue=" (the script's way): the value is being typed. */
		if ((eq = strchr(w, '=')) != NULL) {
			if (eq[1] != '\0')
				return (NULL);
			o = parse_option(ce, w + 2, eq - (w + 2), &global);
			return (o != NULL && o->arg != NULL ? o : NULL);
		}
		o = parse_option(ce, w + 2, strlen(w + 2), &global);
	} else if (w[2] == '\0')
		o = parse_short_option(w[1]);
	/* "--csv" alone is whole: its value comes only after '='. */
	if (o == NULL || o->arg == NULL || (o->flags & OPT_OPTVAL))
		return (NULL);
	return (o);
}

/*
 * Steps over the option at w[*i] while completing. Returns 1 when it is the
 * word being typed and waits for a value, after printing the candidates for
 * that value; else 0, with a word that does not parse simply skipped.
 */
static int
complete_take(const struct cmd_entry *ce, char **w, int *i, int n,
    struct cmd_ctx *tmp, json_t *seen)
{
	const struct cmd_option	*o;
	int			 j = *i;

	if ((o = complete_value_pending(ce, w, *i, n)) != NULL) {
		complete_value(o);
		return (1);
	}
	if (parse_take(ce, n, w, i, tmp, seen) != 0)
		*i = j + 1;
	return (0);
}

/* Each option; one whose value comes after '=' also with each value
 * ("--csv", "--csv=excel"). */
static void
complete_options(const struct cmd_option *o)
{
	char	*copy, *p, *word;

	for (; o != NULL && o->name != NULL; o++) {
		printf("--%s\n", o->name);
		if (!(o->flags & OPT_OPTVAL) || o->value == NULL)
			continue;
		copy = p = xstrdup(o->value);
		while ((word = strsep(&p, " ")) != NULL)
			printf("--%s=%s\n", o->name, word);
		free(copy);
	}
}

/*
 * Prints word number nwords of e's subcommand ("template set": "set" for
 * 1) when the words before it match those given.
 */
static void
complete_sub_word(const struct cmd_entry *const *table, const struct cmd_entry *e,
    int nwords, char **words)
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
		for (cp = table; (x = *cp) != e; cp++)
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
complete_sub(const struct cmd_entry *const *table, const struct cmd_entry **cep,
    char **w, int *i, int n)
{
	const struct cmd_entry	*const *cp;
	const struct cmd_entry	*ce = *cep, *e, *def, *sub;
	int			 used, k, typed;

	def = parse_default(table, ce->name);
	if ((sub = parse_sub_words(table, ce->name, n - *i, w + *i,
	    &used)) != NULL) {
		*cep = sub;
		*i += used;
		return (0);
	}
	/* How many words after the name are not options: subcommand words
	 * typed so far. */
	for (typed = 0; *i + typed < n && !parse_is_option(w[*i +
	    typed]); typed++)
		;
	if (typed == n - *i && typed <= 1) {
		for (cp = table; (e = *cp) != NULL; cp++)
			if (strcmp(e->name, ce->name) == 0 && e->sub != NULL)
				complete_sub_word(table, e, typed, w + *i);
		if (typed == 0 && def != NULL)
			for (k = 0; def->options[k] != NULL; k++)
				complete_options(def->options[k]);
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
int
complete_exec(const struct cmd_entry *const *table, struct cmd_ctx *ctx)
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

	while (i < n && parse_is_option(w[i]))
		if (complete_take(NULL, w, &i, n, &tmp, seen))
			goto out;
	if (i == n) {
		for (cp = table; (ce = *cp) != NULL; cp++) {
			if (ce->flags & CMD_HIDDEN)
				continue;
			if (cp != table &&
			    strcmp(cp[-1]->name, ce->name) == 0)
				continue;
			printf("%s\n", ce->name);
		}
		complete_options(parse_globals);
		goto out;
	}
	if ((ce = parse_find(table, w[i++])) == NULL ||
	    (ce->flags & CMD_HIDDEN))
		goto out;
	if (parse_is_group(table, ce->name) &&
	    complete_sub(table, &ce, w, &i, n))
		goto out;
	if (ce == parse_find(table, "help")) {
		/* help takes command names. */
		for (cp = table; (e = *cp) != NULL; cp++) {
			if (e->flags & CMD_HIDDEN)
				continue;
			if (n - i == 0 && (cp == table ||
			    strcmp(cp[-1]->name, e->name) != 0))
				printf("%s\n", e->name);
			if (n - i >= 1 && e->sub != NULL &&
			    strcmp(e->name, w[i]) == 0)
				complete_sub_word(table, e, n - i - 1,
				    w + i + 1);
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
		if (!parse_is_option(w[i])) {
			if (first == NULL)
				first = w[i];
			npos++;
			i++;
			continue;
		}
		if (complete_take(ce, w, &i, n, &tmp, seen))
			goto out;
	}
	for (k = 0; ce->options[k] != NULL; k++)
		complete_options(ce->options[k]);
	printf("--json\n--help\n");
	if (npos < ce->maxargs && ce->complete != CMPL_NONE) {
		memset(&slug, 0, sizeof slug);
		slug.complete = ce->complete;
		if (ce->complete == CMPL_TEMPLATE)
			slug.complete = cmd_complete_template(npos);
		if (ce->complete == CMPL_FEED)
			complete_feed(npos, first);
		else
			complete_value(&slug);
	}
out:
	json_decref(seen);
	json_decref(tmp.opts);
	json_decref(tmp.output);
	return (0);
}
