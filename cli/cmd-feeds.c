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
	"feeds", NULL, "[KIND [SLUG | ID]]", 0, 2, CMPL_FEED, CMD_NOOPT,
	cmd_feeds,
	N_("Show the links to subscribe to a calendar feed.\nKIND is a kind of "
	"feed as kursusd knows them (all, the default; venue SLUG; "
	"participant ID; ...: an unknown KIND lists them). Prints the link in "
	"https:// (or http://) and webcal:// form, and how to subscribe in "
	"Google Calendar, Outlook and Apple Calendar, in Danish to read out "
	"to people. An instructor's or participant's personal link is made "
	"the first time it is asked for."), 0, NULL
};

/*
 * The kinds of feed, as GET /v1/feeds lists them. 0, or an exit code and
 * *cause.
 */
static int
cmd_feed_kinds(struct client *c, json_t **list, char **cause)
{
	json_t	*answer;
	int	 ret;

	*list = NULL;
	if ((ret = client_call(c, "GET", KURSUS_API_PREFIX "/feeds", NULL,
	    NULL, &answer, cause)) != 0)
		return (ret);
	*list = json_incref(json_object_get(answer, "kinds"));
	json_decref(answer);
	if (!json_is_array(*list)) {
		json_decref(*list);
		*list = NULL;
		*cause = xstrdup(_("kursusd did not send its list of feeds"));
		return (KCTL_EXIT_PROTOCOL);
	}
	return (0);
}

static json_t *
cmd_feed_find(json_t *list, const char *kind)
{
	json_t	*k;
	size_t	 i;

	json_array_foreach(list, i, k) {
		if (kind != NULL && cmd_str(k, "kind") != NULL &&
		    strcmp(cmd_str(k, "kind"), kind) == 0)
			return (k);
	}
	return (NULL);
}

void
cmd_complete_feed(struct client *c, int npos, const char *kind)
{
	json_t	*list, *k;
	char	*cause = NULL;
	size_t	 i;

	/* A daemon that is down simply completes nothing. */
	if (cmd_feed_kinds(c, &list, &cause) != 0) {
		free(cause);
		return;
	}
	if (npos == 0) {
		json_array_foreach(list, i, k)
			printf("%s\n", cmd_str(k, "kind"));
	} else if (npos == 1 && (k = cmd_feed_find(list, kind)) != NULL &&
	    cmd_str(k, "complete") != NULL)
		cmd_print_slugs(c, cmd_str(k, "complete"));
	json_decref(list);
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

static void
cmd_print_feed_answer(struct cmd_ctx *ctx, json_t *answer)
{
	(void)ctx;
	cmd_print_feed(answer, json_is_true(json_object_get(answer,
	    "personal")));
}

/* "all, venue SLUG, ...": the list, for a usage error. */
static char *
cmd_feed_names(json_t *list)
{
	json_t		*k;
	const char	*arg;
	char		*names = NULL, *one;
	size_t		 i;

	json_array_foreach(list, i, k) {
		arg = cmd_str(k, "argument");
		xasprintf(&one, "%s%s%s", cmd_str(k, "kind"), arg != NULL ?
		    " " : "", arg != NULL ? arg : "");
		cmd_join(&names, ", ", one);
		free(one);
	}
	return (names);
}

static int
cmd_feeds(struct cmd_ctx *ctx)
{
	const char	*kind = ctx->argc > 0 ? ctx->argv[0] : "all";
	const char	*arg;
	json_t		*list, *k;
	long long	 id;
	char		*collection, *names, *cause = NULL;
	int		 ret;

	if ((ret = cmd_feed_kinds(ctx->client, &list, &cause)) != 0) {
		kursusctl_error("%s", cause);
		free(cause);
		return (ret);
	}
	if ((k = cmd_feed_find(list, kind)) == NULL) {
		names = cmd_feed_names(list);
		ret = kursusctl_usage_error(ctx->entry, "unknown feed \"%s\"; "
		    "one of: %s", kind, names);
		free(names);
		json_decref(list);
		return (ret);
	}
	arg = cmd_str(k, "argument");
	ret = 0;
	if (arg == NULL && ctx->argc > 1)
		ret = kursusctl_usage_error(ctx->entry, _("unexpected "
		    "argument \"%s\""), ctx->argv[1]);
	else if (arg != NULL && ctx->argc < 2)
		ret = kursusctl_usage_error(ctx->entry, _("missing %s after "
		    "\"%s\""), arg, kind);
	else if (arg != NULL && strcmp(arg, "ID") == 0)
		ret = cmd_arg_id(ctx, 1, kind, &id);
	if (ret == 0) {
		xasprintf(&collection, "feeds/%s", kind);
		ret = cmd_call(ctx, "GET", collection, arg != NULL ?
		    ctx->argv[1] : NULL, NULL, NULL, cmd_print_feed_answer);
		free(collection);
	}
	json_decref(list);
	return (ret);
}
static void
cmd_print_rotated(struct cmd_ctx *ctx, json_t *answer)
{
	if (cmd_resource(ctx)->by_id)
		printf(_("New personal calendar link for participant %s.\n"),
		    ctx->argv[0]);
	else
		printf(_("New personal calendar link for instructor %s.\n"),
		    ctx->argv[0]);
	printf(_("The old link no longer works: calendars subscribed to it "
	    "stop updating until they subscribe to this one.\n\n"));
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
