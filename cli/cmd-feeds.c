/*
 * feeds: the links to subscribe to a calendar feed, with how to do it in
 * each calendar app; and rotate-token (an instructor's or participant's
 * entry names it): a new personal link.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "kursusctl.h"

static int	cmd_feeds(struct cmd_ctx *);

const struct cmd_entry cmd_feeds_entry = {
	"feeds", NULL, "[all | venue SLUG | course SLUG | instructor SLUG "
	"| participant ID]", 0, 2, CMPL_FEED, CMD_NOOPT, cmd_feeds,
	"Show the links to subscribe to a calendar feed.\nWithout an "
	"argument, the feed of all sessions. Prints the link in https:// "
	"(or http://) and webcal:// form, and how to subscribe in Google "
	"Calendar, Outlook and Apple Calendar, in Danish to read out to "
	"people. An instructor's or participant's personal link is made the "
	"first time it is asked for.", 0, NULL
};

/* The feeds `kursusctl feeds` knows, named as in /v1/feeds/<kind>. */
static const struct cmd_feed {
	const char	*kind;
	const char	*arg;		/* "SLUG", "ID", or NULL for none */
	int		 complete;	/* what the argument completes with */
	int		 personal;	/* a person's own link, not to share */
} cmd_feeds_known[] = {
	{ "all", NULL, CMPL_NONE, 0 },
	{ "venue", "SLUG", CMPL_VENUE, 0 },
	{ "course", "SLUG", CMPL_COURSE, 0 },
	{ "instructor", "SLUG", CMPL_INSTRUCTOR, 1 },
	{ "participant", "ID", CMPL_NONE, 1 },
};
#define CMD_NFEEDS	(sizeof cmd_feeds_known / sizeof cmd_feeds_known[0])

static const struct cmd_feed *
cmd_feed_find(const char *kind)
{
	size_t	i;

	for (i = 0; kind != NULL && i < CMD_NFEEDS; i++)
		if (strcmp(cmd_feeds_known[i].kind, kind) == 0)
			return (&cmd_feeds_known[i]);
	return (NULL);
}

int
cmd_complete_feed(int npos, const char *kind)
{
	const struct cmd_feed	*f;
	size_t			 i;

	if (npos == 0) {
		for (i = 0; i < CMD_NFEEDS; i++)
			printf("%s\n", cmd_feeds_known[i].kind);
		return (CMPL_NONE);
	}
	if (npos == 1 && (f = cmd_feed_find(kind)) != NULL)
		return (f->complete);
	return (CMPL_NONE);
}

/* "http" or "https": how the link starts, so the hints name it. */
static char *
cmd_scheme(const char *url)
{
	const char	*p;

	if (url != NULL && (p = strstr(url, "://")) != NULL && p > url &&
	    p - url < 16)
		return (xstrndup(url, p - url));
	return (xstrdup("link"));
}

/*
 * A feed's links and, in Danish because staff read them out to the people
 * who subscribe, one line for each calendar app on how to do it.
 */
static void
cmd_print_feed(json_t *link, int personal)
{
	struct table	*t;
	char		*scheme;

	scheme = cmd_scheme(cmd_str(link, "url"));
	t = table_kv_new();
	cmd_kv(t, link, "name", "feed", V_TEXT);
	cmd_kv(t, link, "url", scheme, V_TEXT);
	cmd_kv(t, link, "webcal", "webcal", V_TEXT);
	table_print(t, stdout);
	table_free(t);

	printf("\nSådan abonnerer man på kalenderen:\n");
	printf("  Google Kalender (på computer): Andre kalendere → + → Fra "
	    "webadresse, indsæt %s-linket.\n", scheme);
	printf("  Outlook: Tilføj kalender → Abonner fra internettet, indsæt "
	    "%s-linket.\n", scheme);
	printf("  Apple Kalender: På Mac: Arkiv → Nyt kalenderabonnement, "
	    "indsæt webcal-linket. På iPhone/iPad: åbn webcal-linket.\n");
	if (personal)
		printf("  Linket er personligt: giv det ikke til andre.\n");
	free(scheme);
}

/* The kind of feed a feeds command asks for: its first argument, or all. */
static const char *
cmd_feed_kind(struct cmd_ctx *ctx)
{
	return (ctx->argc > 0 ? ctx->argv[0] : "all");
}

static void
cmd_print_feed_answer(struct cmd_ctx *ctx, json_t *answer)
{
	cmd_print_feed(answer, cmd_feed_find(cmd_feed_kind(ctx))->personal);
}

static int
cmd_feeds(struct cmd_ctx *ctx)
{
	const struct cmd_feed	*f;
	const char		*kind = cmd_feed_kind(ctx);
	long long		 id;
	char			*collection, *names = NULL, *one;
	size_t			 i;
	int			 ret;

	if ((f = cmd_feed_find(kind)) == NULL) {
		for (i = 0; i < CMD_NFEEDS; i++) {
			f = &cmd_feeds_known[i];
			xasprintf(&one, "%s%s%s", f->kind, f->arg != NULL ?
			    " " : "", f->arg != NULL ? f->arg : "");
			cmd_join(&names, ", ", one);
			free(one);
		}
		ret = kursusctl_usage_error(ctx->entry, "unknown feed \"%s\"; "
		    "one of: %s", kind, names);
		free(names);
		return (ret);
	}
	if (f->arg == NULL && ctx->argc > 1)
		return (kursusctl_usage_error(ctx->entry, "unexpected argument "
		    "\"%s\"", ctx->argv[1]));
	if (f->arg != NULL && ctx->argc < 2)
		return (kursusctl_usage_error(ctx->entry, "missing %s after "
		    "\"%s\"", f->arg, f->kind));
	if (f->arg != NULL && strcmp(f->arg, "ID") == 0 &&
	    (ret = cmd_arg_id(ctx, 1, f->kind, &id)) != 0)
		return (ret);

	xasprintf(&collection, "feeds/%s", f->kind);
	ret = cmd_call(ctx, "GET", collection, f->arg != NULL ?
	    ctx->argv[1] : NULL, NULL, NULL, cmd_print_feed_answer);
	free(collection);
	return (ret);
}

static void
cmd_print_rotated(struct cmd_ctx *ctx, json_t *answer)
{
	printf("New personal calendar link for %s %s.\n",
	    cmd_resource(ctx)->what, ctx->argv[0]);
	printf("The old link no longer works: calendars subscribed to it stop "
	    "updating until they subscribe to this one.\n\n");
	cmd_print_feed(answer, 1);
}

int
cmd_rotate_token(struct cmd_ctx *ctx)
{
	const struct cmd_resource	*res = cmd_resource(ctx);
	int				 ret;

	if ((ret = cmd_resource_arg(ctx, res)) != 0)
		return (ret);
	return (cmd_call(ctx, "POST", res->path, ctx->argv[0],
	    "/rotate-token", ctx->opts, cmd_print_rotated));
}
