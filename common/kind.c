#include "config.h"

#include <stdio.h>
#include <string.h>

#include "kind.h"

/* A kind's help is marked for kursusctl's translations (po/, where
 * `kursusctl help kinds' shows it); the daemon never shows it. */
#ifndef N_
#define N_(s)	(s)
#endif

const struct kind_info kinds[KIND_COUNT] = {
	[KIND_CONFIRMATION] = { "confirmation", NULL, INVITE_REQUEST,
	    KIND_PREVIEW | KIND_TEMPLATE | KIND_WITHDRAW,
	    N_("a seat is theirs") },
	[KIND_WAITLISTED] = { "waitlisted", NULL, INVITE_NONE,
	    KIND_PREVIEW | KIND_TEMPLATE | KIND_WITHDRAW,
	    N_("they are on the waitlist, and where") },
	[KIND_PROMOTED] = { "promoted", NULL, INVITE_REQUEST,
	    KIND_PREVIEW | KIND_TEMPLATE | KIND_WITHDRAW,
	    N_("a seat came free for them") },
	[KIND_DEMOTED] = { "demoted", NULL, INVITE_CANCEL, KIND_TEMPLATE,
	    N_("the seats were cut and they are back on the waitlist") },
	[KIND_MOVED] = { "moved", "change", INVITE_REQUEST,
	    KIND_PREVIEW | KIND_TEMPLATE | KIND_WITHDRAW,
	    N_("the session moved in time or place") },
	[KIND_CANCELLED] = { "cancelled", "cancellation", INVITE_CANCEL,
	    KIND_PREVIEW | KIND_TEMPLATE,
	    N_("the session is cancelled") },
	[KIND_REMINDER] = { "reminder", NULL, INVITE_REQUEST,
	    KIND_PREVIEW | KIND_TEMPLATE | KIND_WITHDRAW,
	    N_("the session is coming up") },
	[KIND_STAFF] = { "staff", NULL, INVITE_NONE,
	    KIND_PREVIEW | KIND_TEMPLATE | KIND_WITHDRAW,
	    N_("staff's own message to those registered") },
	[KIND_WITHDRAWN] = { "withdrawn", NULL, INVITE_CANCEL, KIND_TEMPLATE,
	    N_("their registration is cancelled") },
	/* One message for a whole series, listing its dates ({dates}). */
	[KIND_SERIES] = { "series-confirmation", NULL, INVITE_NONE,
	    KIND_TEMPLATE, N_("they signed up for a series: its dates, with a "
	    "seat or on the waitlist") },
	[KIND_SERIES_WITHDRAWN] = { "series-withdrawn", NULL, INVITE_NONE,
	    KIND_TEMPLATE, N_("their registrations for a series are "
	    "cancelled") },
	[KIND_UNREGISTERED] = { "unregistered", NULL, INVITE_CANCEL,
	    KIND_PREVIEW | KIND_TEMPLATE,
	    N_("they cancelled their own place (cancel link or SMS reply)") },
};

int
kind_parse(const char *name)
{
	int	 i;

	if (name == NULL)
		return (-1);
	for (i = 0; i < KIND_COUNT; i++) {
		if (strcmp(kinds[i].name, name) == 0 ||
		    (kinds[i].alias != NULL &&
		    strcmp(kinds[i].alias, name) == 0))
			return (i);
	}
	return (-1);
}

const char *
kind_name(int k)
{
	return (k >= 0 && k < KIND_COUNT ? kinds[k].name : NULL);
}

char *
kind_list(char *buf, size_t len, unsigned int flags, int aliases,
    const char *sep)
{
	size_t	 used;
	int	 i;

	if (len == 0)
		return (buf);
	buf[0] = '\0';
	for (i = 0; i < KIND_COUNT; i++) {
		if ((kinds[i].flags & flags) != flags)
			continue;
		used = strlen(buf);
		snprintf(buf + used, len - used, "%s%s", used > 0 ? sep : "",
		    kinds[i].name);
		if (aliases && kinds[i].alias != NULL) {
			used = strlen(buf);
			snprintf(buf + used, len - used, "%s%s", sep,
			    kinds[i].alias);
		}
	}
	return (buf);
}
