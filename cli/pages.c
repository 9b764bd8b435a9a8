/*
 * Lists that come a page at a time (the daemon's `limit`, `cursor` and
 * `next`): the first page and a word on how to go on, or with --all
 * every page, printed as it comes, so kursusctl's memory holds one page
 * however long the list: one table whose columns only widen, one CSV
 * header, one JSON array.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "kursusctl.h"

const struct cmd_option pages_options[] = {
	{ "all", OPT_TRUE, "all", NULL, N_("every page of the list, printed "
	  "as it comes (default: the first page)"), 0, 0, NULL, 0 },
	{ "limit", OPT_INT, "limit", "N", N_("rows a page, 1-1000 (default "
	  "100)"), 0, 0, NULL, 0 },
	{ "cursor", OPT_TEXT, "cursor", "CURSOR", N_("the page after the one "
	  "that ended with this cursor"), 0, 0, NULL, 0 },
	OPT_END
};

/* One page's rows as JSON array elements, after those printed before. */
static void
pages_json(json_t *arr, size_t *printed)
{
	json_t	*v;
	size_t	 i;

	json_array_foreach(arr, i, v) {
		fputs(*printed == 0 ? "[\n" : ",\n", stdout);
		json_dumpf(v, stdout, JSON_INDENT(2));
		(*printed)++;
	}
}

int
pages_list(struct cmd_ctx *ctx, const char *collection, const char *key,
    void (*rows)(struct table **, json_t *, const void *), const void *arg,
    const char *none)
{
	struct table	*t = NULL;
	json_t		*query, *answer, *arr, *all, *last = NULL, *v;
	const char	*k, *next;
	char		*path, *cause;
	size_t		 printed = 0, want;
	int		 every, wrap, ret = 0;

	query = ctx->opts != NULL ? json_copy(ctx->opts) : json_object();
	/* --all; the inbox's own --all (all=1) asks for every page too. */
	all = json_object_get(query, "all");
	every = json_is_true(all) || json_is_string(all);
	/*
	 * The inbox's --all was there before the pages: with --json it keeps
	 * its answer's shape, {"messages": [...], "unhandled": n}.
	 */
	wrap = json_is_string(all);
	if (json_is_true(all))
		json_object_del(query, "all");
	want = json_is_integer(json_object_get(query, "limit")) ?
	    (size_t)json_integer_value(json_object_get(query, "limit")) :
	    KURSUS_API_PAGE;
	path = cmd_path(collection, NULL, NULL);
	for (;;) {
		if ((ret = client_call(ctx->client, "GET", path, query, NULL,
		    &answer, &cause)) != 0) {
			kursusctl_error("%s", cause);
			free(cause);
			break;
		}
		arr = json_object_get(answer, key);
		next = json_string_value(json_object_get(answer, "next"));
		if (ctx->json && (!every || (wrap && printed == 0 &&
		    next == NULL))) {
			/* One page: the answer as it came. */
			cmd_print_json(answer);
			every = 0;
		} else if (ctx->json) {
			if (wrap && printed == 0)
				printf("{\n\"%s\": ", key);
			pages_json(arr, &printed);
			if (wrap) {
				json_decref(last);
				last = json_incref(answer);
			}
		} else if (json_array_size(arr) > 0 || table_csv()) {
			if (t != NULL)
				table_continue(t);
			rows(&t, arr, arg);
			table_print(t, stdout);
			printed += json_array_size(arr);
		}
		fflush(stdout);
		/*
		 * A page may come short (the outbox stops reading after a
		 * while when few notices match): go on to show a page's worth.
		 */
		if (next != NULL && !every && !ctx->json && printed < want) {
			json_object_set_new(query, "cursor", json_string(next));
			json_decref(answer);
			continue;
		}
		if (next == NULL || !every) {
			if (next != NULL && !ctx->json)
				fprintf(stderr, _("More follow: add --all for "
				    "every page, or --cursor %s for the next "
				    "one.\n"), next);
			json_decref(answer);
			break;
		}
		json_object_set_new(query, "cursor", json_string(next));
		json_decref(answer);
	}
	if (ret == 0 && ctx->json && every) {
		fputs(printed == 0 ? "[]" : "\n]", stdout);
		/* The inbox's other members, from its last page. */
		json_object_foreach(last, k, v) {
			if (strcmp(k, key) == 0 || strcmp(k, "next") == 0)
				continue;
			printf(",\n\"%s\": ", k);
			json_dumpf(v, stdout, JSON_INDENT(2) | JSON_ENCODE_ANY);
		}
		fputs(wrap ? "\n}\n" : "\n", stdout);
	} else if (ret == 0 && !ctx->json && printed == 0 && !table_csv())
		printf("%s\n", _(none));
	table_free(t);
	json_decref(last);
	json_decref(query);
	free(path);
	return (ret);
}
