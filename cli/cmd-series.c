/*
 * register --series and unregister --series: one person for every
 * remaining session of a series at once (POST and DELETE
 * /v1/series/SERIES/registrations), with one message listing the dates.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "kursusctl.h"

/* --series as a positive id, or a usage error. */
static int
cmd_series_id(struct cmd_ctx *ctx, long long *series)
{
	*series = json_integer_value(json_object_get(ctx->opts, "series"));
	if (*series <= 0)
		return (kursusctl_usage_error(ctx->entry, _("--series takes a "
		    "series id (session show names it)")));
	return (0);
}

/* method /v1/series/SERIES<tail> with body, printed by print. */
static int
cmd_series_call(struct cmd_ctx *ctx, const char *method, long long series,
    const char *tail, json_t *body, void (*print)(struct cmd_ctx *, json_t *))
{
	char	*id;
	int	 ret;

	xasprintf(&id, "%lld", series);
	ret = cmd_call(ctx, method, "series", id, tail, body, print);
	free(id);
	return (ret);
}

/* "  Tue 2026-12-08 10:00  session 1  confirmed, kursist nr. 3000" */
static void
cmd_series_line(json_t *r)
{
	const char	*status = cmd_str(r, "status");
	char		*start = cmd_format(r, "start", V_LOCAL);

	if (status != NULL && strcmp(status, "waitlisted") == 0)
		printf(_("  %s  session %lld  waitlisted, position %lld"),
		    start != NULL ? start : "-", cmd_int(r, "session_id"),
		    cmd_int(r, "waitlist_position"));
	else
		printf(_("  %s  session %lld  %s"), start != NULL ? start :
		    "-", cmd_int(r, "session_id"), status != NULL ?
		    value_shown("registration", status) : "?");
	if (json_is_integer(json_object_get(r, "number")))
		printf(_(", kursist nr. %lld"), cmd_int(r, "number"));
	printf("\n");
	free(start);
}

static void
cmd_print_series_registered(struct cmd_ctx *ctx, json_t *answer)
{
	json_t		*r;
	long long	 series = cmd_int(answer, "series_id");
	size_t		 i;

	if (ctx->argc == 0)
		printf(_("Created participant %lld.\n"),
		    cmd_int(answer, "participant_id"));
	printf(_("Participant %lld registered for series %lld: %lld confirmed, "
	    "%lld waitlisted; one message lists the dates.\n"),
	    cmd_int(answer, "participant_id"), series,
	    cmd_int(answer, "confirmed"), cmd_int(answer, "waitlisted"));
	json_array_foreach(json_object_get(answer, "registrations"), i, r)
		cmd_series_line(r);
	json_array_foreach(json_object_get(answer, "skipped"), i, r) {
		if (i == 0)
			printf(_("Registered before:\n"));
		cmd_series_line(json_object_get(r, "registration"));
	}
}

int
cmd_series_register(struct cmd_ctx *ctx)
{
	json_t		*body, *person, *v;
	long long	 series, participant;
	int		 ret;

	if ((ret = cmd_series_id(ctx, &series)) != 0)
		return (ret);
	person = json_deep_copy(ctx->opts);
	json_object_del(person, "series");
	json_object_del(person, "companion");
	if (json_object_get(person, "walk_in") != NULL) {
		json_decref(person);
		return (kursusctl_usage_error(ctx->entry, _("--walk-in is for "
		    "one session, not a series")));
	}
	body = json_object();
	if (ctx->argc == 1) {
		if (json_object_size(person) > 0) {
			json_decref(person);
			json_decref(body);
			return (kursusctl_usage_error(ctx->entry, _("give a "
			    "participant id or --name and contact details, not "
			    "both")));
		}
		json_decref(person);
		if ((ret = cmd_arg_id(ctx, 0, N_("participant"),
		    &participant)) != 0) {
			json_decref(body);
			return (ret);
		}
		json_object_set_new(body, "participant",
		    json_integer(participant));
	} else if (json_object_get(person, "name") == NULL) {
		json_decref(person);
		json_decref(body);
		return (kursusctl_usage_error(ctx->entry, _("give a participant "
		    "id, or --name to create one")));
	} else
		json_object_set_new(body, "participant", person);
	if ((v = json_object_get(ctx->opts, "companion")) != NULL)
		json_object_set(body, "companion", v);
	ret = cmd_series_call(ctx, "POST", series, "/registrations", body,
	    cmd_print_series_registered);
	json_decref(body);
	return (ret);
}

static void
cmd_print_series_unregistered(struct cmd_ctx *ctx, json_t *answer)
{
	json_t	*r;
	size_t	 i, n;

	(void)ctx;
	n = json_array_size(json_object_get(answer, "cancelled"));
	printf(ngettext("Participant %lld unregistered from %zu session of "
	    "series %lld; one message lists the dates.\n", "Participant %lld "
	    "unregistered from %zu sessions of series %lld; one message lists "
	    "the dates.\n", n), cmd_int(answer, "participant_id"), n,
	    cmd_int(answer, "series_id"));
	json_array_foreach(json_object_get(answer, "promoted"), i, r)
		printf(_("%s moved up from the waitlist for session %lld.\n"),
		    cmd_str(r, "participant_name") != NULL ?
		    cmd_str(r, "participant_name") : _("Someone"),
		    cmd_int(r, "session_id"));
}

int
cmd_series_unregister(struct cmd_ctx *ctx)
{
	long long	 series, participant;
	char		*tail;
	int		 ret;

	if ((ret = cmd_series_id(ctx, &series)) != 0)
		return (ret);
	if (ctx->argc != 1)
		return (kursusctl_usage_error(ctx->entry, _("with --series, give "
		    "the participant alone")));
	if ((ret = cmd_arg_id(ctx, 0, N_("participant"), &participant)) != 0)
		return (ret);
	xasprintf(&tail, "/registrations/%lld", participant);
	ret = cmd_series_call(ctx, "DELETE", series, tail, NULL,
	    cmd_print_series_unregistered);
	free(tail);
	return (ret);
}
