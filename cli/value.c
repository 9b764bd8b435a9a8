/*
 * The values the daemon sends that tables and messages show ("confirmed",
 * "sent", "attended"), in the CLI's language on screen. --json and --csv
 * keep them as they came: the same in every language, for programs and for
 * the spreadsheets several desks (some in English) put together.
 *
 * English uses one word in several senses that Danish tells apart (a
 * registration "cancelled" is afmeldt, a session aflyst, a notice
 * annulleret), so each value has a context (msgctxt) naming what it is
 * about: NC_() marks it, value_shown() translates it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kursusctl.h"

static const struct value {
	const char	*what;
	const char	*value;
	const char	*shown;		/* NC_(what, value) */
} values[] = {
	{ "registration", "confirmed", NC_("registration", "confirmed") },
	{ "registration", "waitlisted", NC_("registration", "waitlisted") },
	{ "registration", "cancelled", NC_("registration", "cancelled") },
	{ "attendance", "attended", NC_("attendance", "attended") },
	{ "attendance", "no-show", NC_("attendance", "no-show") },
	{ "session", "scheduled", NC_("session", "scheduled") },
	{ "session", "cancelled", NC_("session", "cancelled") },
	{ "session", "done", NC_("session", "done") },
	{ "notice", "pending", NC_("notice", "pending") },
	{ "notice", "sending", NC_("notice", "sending") },
	{ "notice", "sent", NC_("notice", "sent") },
	{ "notice", "failed", NC_("notice", "failed") },
	{ "notice", "skipped", NC_("notice", "skipped") },
	{ "notice", "cancelled", NC_("notice", "cancelled") },
	{ "channel", "sms", NC_("channel", "sms") },
	{ "channel", "email", NC_("channel", "email") },
	{ "channel", "call", NC_("channel", "call") },
	{ "via", "link", NC_("via", "link") },
	{ "bool", "yes", NC_("bool", "yes") },
	{ "bool", "no", NC_("bool", "no") },
	{ NULL, NULL, NULL }
};

const char *
value_shown(const char *what, const char *value)
{
	const struct value	*v;
	const char		*t;

	if (value == NULL || table_csv())
		return (value);
	for (v = values; v->what != NULL; v++) {
		if (strcmp(v->what, what) != 0 || strcmp(v->value, value) != 0)
			continue;
		/* Untranslated, gettext hands back the "what\004value" key. */
		t = _(v->shown);
		return (t == v->shown ? value : t);
	}
	return (value);
}

const char *
value_bool(int yes)
{
	return (value_shown("bool", yes ? "yes" : "no"));
}
