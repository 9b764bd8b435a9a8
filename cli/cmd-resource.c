/*
 * The handlers that venues, course types, instructors and participants
 * share, since the API gives them one shape (list, create, show, edit,
 * delete); each entry names its struct cmd_resource. The entries
 * themselves are in cmd-venue.c, cmd-course.c, cmd-instructor.c and
 * cmd-participant.c.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "kursusctl.h"

const struct cmd_option cmd_resource_opt_search[] = {
	{ "search", OPT_TEXT, "q", "TEXT", N_("only those matching every word: "
	  "names in any case, \"Jorgen\", \"Joergen\" and \"Jørgen\" "
	  "alike; a phone number however written"), 0, 0, NULL, 0 },
	OPT_END
};

const struct cmd_option cmd_resource_opt_slug[] = {
	{ "slug", OPT_TEXT, "slug", "SLUG",
	  N_("short name in URLs and commands: a-z, 0-9 and '-' "
	  "(or give it as the first argument)"), 0, 0, NULL, 0 },
	OPT_END
};

/* The option that sets a body field, for messages ("--min"). */
static const char *
cmd_option_for(const struct cmd_entry *ce, const char *field)
{
	const struct cmd_option	*o;
	size_t			 i;

	for (i = 0; ce->options[i] != NULL; i++)
		for (o = ce->options[i]; o->name != NULL; o++)
			if (strcmp(o->field, field) == 0)
				return (o->name);
	return (field);
}

const struct cmd_resource *
cmd_resource(struct cmd_ctx *ctx)
{
	if (ctx->entry->resource == NULL)
		fatalx("no resource for %s", ctx->entry->name);
	return (ctx->entry->resource);
}

/* add and edit: the object as the daemon now has it. */
static void
cmd_print_resource(struct cmd_ctx *ctx, json_t *answer)
{
	cmd_print_fields(answer, cmd_resource(ctx)->fields);
}

int
cmd_resource_add(struct cmd_ctx *ctx)
{
	const struct cmd_resource	*res = cmd_resource(ctx);
	json_t				*slug;
	size_t				 i;

	if (!res->by_id) {
		slug = json_object_get(ctx->opts, "slug");
		if (ctx->argc == 1 && slug != NULL &&
		    strcmp(json_string_value(slug), ctx->argv[0]) != 0)
			return (kursusctl_usage_error(ctx->entry, _("two slugs "
			    "given: \"%s\" and --slug \"%s\""), ctx->argv[0],
			    json_string_value(slug)));
		if (ctx->argc == 1)
			json_object_set_new(ctx->opts, "slug",
			    json_string(ctx->argv[0]));
		else if (slug == NULL)
			return (kursusctl_usage_error(ctx->entry, _("a slug is "
			    "required (as the first argument or --slug)")));
	}
	for (i = 0; res->required[i] != NULL; i++)
		if (json_object_get(ctx->opts, res->required[i]) == NULL)
			return (kursusctl_usage_error(ctx->entry, _("--%s is "
			    "required"), cmd_option_for(ctx->entry,
			    res->required[i])));

	return (cmd_call(ctx, "POST", res->path, NULL, NULL, ctx->opts,
	    cmd_print_resource));
}

static void
cmd_print_resources(struct cmd_ctx *ctx, json_t *answer)
{
	const struct cmd_resource	*res = cmd_resource(ctx);

	cmd_print_list(json_object_get(answer, res->path), res->columns,
	    res->none);
	if (json_is_true(json_object_get(answer, "more")))
		printf("%s", _(res->more));
}

int
cmd_resource_list(struct cmd_ctx *ctx)
{
	return (cmd_call(ctx, "GET", cmd_resource(ctx)->path, NULL, NULL,
	    ctx->opts, cmd_print_resources));
}

/* The object's slug or id argument, checked when it must be a number. */
int
cmd_resource_arg(struct cmd_ctx *ctx, const struct cmd_resource *res)
{
	long long	id;

	if (res->by_id)
		return (cmd_arg_id(ctx, 0, res->what, &id));
	return (0);
}

static void
cmd_print_resource_show(struct cmd_ctx *ctx, json_t *answer)
{
	json_t	*regs;

	cmd_print_fields(answer, cmd_resource(ctx)->fields);
	regs = json_object_get(answer, "registrations");
	if (json_array_size(regs) > 0) {
		printf(_("\nRegistrations:\n"));
		cmd_print_registrations(regs, REG_PARTICIPANT);
	}
}

int
cmd_resource_show(struct cmd_ctx *ctx)
{
	const struct cmd_resource	*res = cmd_resource(ctx);
	int				 ret;

	if ((ret = cmd_resource_arg(ctx, res)) != 0)
		return (ret);
	return (cmd_call(ctx, "GET", res->path, ctx->argv[0], NULL, NULL,
	    cmd_print_resource_show));
}

int
cmd_resource_edit(struct cmd_ctx *ctx)
{
	const struct cmd_resource	*res = cmd_resource(ctx);
	int				 ret;

	if ((ret = cmd_resource_arg(ctx, res)) != 0)
		return (ret);
	if (json_object_size(ctx->opts) == 0)
		return (kursusctl_usage_error(ctx->entry, _("nothing to change; "
		    "give at least one option")));
	cmd_empty_to_null(ctx->opts);
	return (cmd_call(ctx, "PATCH", res->path, ctx->argv[0], NULL,
	    ctx->opts, cmd_print_resource));
}

static void
cmd_print_removed(struct cmd_ctx *ctx, json_t *answer)
{
	/* One of the resources' N_() sentences, each with one %s; msgfmt -c
	 * holds their translations to it. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	printf(_(cmd_resource(ctx)->removed), ctx->argv[0]);
#pragma GCC diagnostic pop
}

int
cmd_resource_remove(struct cmd_ctx *ctx)
{
	const struct cmd_resource	*res = cmd_resource(ctx);
	int				 ret;

	if ((ret = cmd_resource_arg(ctx, res)) != 0)
		return (ret);
	return (cmd_call(ctx, "DELETE", res->path, ctx->argv[0], NULL, NULL,
	    cmd_print_removed));
}
