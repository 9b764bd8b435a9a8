#include "config.h"

#include <sys/types.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <libical/ical.h>

#include "calendars.h"
#include "calendars-private.h"
#include "cause.h"
#include "xmalloc.h"

#define RECUR_EXAMPLE	"FREQ=WEEKLY;BYDAY=TU;COUNT=6"

/* Quoted rules in a cause are cut to this many bytes. */
#define RECUR_QUOTE_MAX	80

/* How UNTIL is compared. */
enum recur_until {
	RECUR_UNTIL_NONE,
	RECUR_UNTIL_UTC,	/* an instant: compare in UTC */
	RECUR_UNTIL_LOCAL	/* a date or floating time: wall-clock */
};

static void	 recur_quote(const char *, char *, size_t);
static int	 recur_cmp(const struct icaltimetype *,
		    const struct icaltimetype *);
static int	 recur_same(const struct cal_local *,
		    const struct cal_local *);

/*
 * Copies a rule for a cause, control bytes as '?', cut when long. Unlike
 * cause_quote() every byte outside printable ASCII becomes '?' too: a rule
 * is ASCII, so anything else in it is shown as not belonging there.
 */
static void
recur_quote(const char *s, char *buf, size_t len)
{
	size_t	 i, max = len - 4;

	for (i = 0; s[i] != '\0' && i < max; i++)
		buf[i] = isprint((u_char)s[i]) ? s[i] : '?';
	if (s[i] != '\0')
		memcpy(buf + i, "...", 4);
	else
		buf[i] = '\0';
}

/* Wall-clock order of two times, ignoring any zone. */
static int
recur_cmp(const struct icaltimetype *a, const struct icaltimetype *b)
{
	int	 av[6], bv[6], i;

	av[0] = a->year; av[1] = a->month; av[2] = a->day;
	av[3] = a->hour; av[4] = a->minute; av[5] = a->second;
	bv[0] = b->year; bv[1] = b->month; bv[2] = b->day;
	bv[3] = b->hour; bv[4] = b->minute; bv[5] = b->second;
	for (i = 0; i < 6; i++) {
		if (av[i] != bv[i])
			return (av[i] < bv[i] ? -1 : 1);
	}
	return (0);
}

static int
recur_same(const struct cal_local *a, const struct cal_local *b)
{
	return (a->year == b->year && a->month == b->month &&
	    a->day == b->day && a->hour == b->hour && a->minute == b->minute &&
	    a->second == b->second);
}

int
recur_expand(const char *tzid, time_t start, const char *rrule, size_t max,
    time_t **out, size_t *n, char **cause)
{
	struct icalrecurrencetype	 rule;
	struct icaltimetype		 dtstart, until, tt;
	icalrecur_iterator		*it;
	struct cal_local		 first, l;
	enum recur_until		 until_kind;
	time_t				*list = NULL, t, until_t = 0;
	size_t				 count = 0, size = 0;
	const char			*p;
	char				*text, *end, *why = NULL, *when;
	char				 quoted[RECUR_QUOTE_MAX + 4];

	*out = NULL;
	*n = 0;

	if (zone_utc_to_local(tzid, start, &first) != 0) {
		return (cause_set(cause, "unknown time zone \"%s\"",
		    tzid == NULL ? "" : tzid));
	}
	if (rrule == NULL)
		rrule = "";

	/* Forgive the property name and surrounding space a paste brings. */
	for (p = rrule; isspace((u_char)*p); p++)
		/* nothing */;
	if (strncasecmp(p, "RRULE:", 6) == 0)
		p += 6;
	text = xstrdup(p);
	end = text + strlen(text);
	while (end > text && isspace((u_char)end[-1]))
		*--end = '\0';
	recur_quote(text, quoted, sizeof quoted);

	if (*text == '\0') {
		cause_set(cause, "recurrence rule is empty; write for "
		    "example %s", RECUR_EXAMPLE);
		goto fail;
	}

	/*
	 * libical does not say whether it understood the rule except through
	 * icalerrno, which is sticky and shared, so clear it before and after.
	 * An empty or unknown FREQ leaves it alone but yields
	 * ICAL_NO_RECURRENCE, so check both.
	 */
	icalerror_clear_errno();
	rule = icalrecurrencetype_from_string(text);
	if (icalerrno != ICAL_NO_ERROR || rule.freq == ICAL_NO_RECURRENCE) {
		icalerror_clear_errno();
		cause_set(cause, "cannot read recurrence rule \"%s\"; "
		    "write for example %s", quoted, RECUR_EXAMPLE);
		goto fail;
	}
	/*
	 * Sessions repeat daily at the finest. Finer rules are no use here,
	 * and libical can spin for a very long time on one that never matches
	 * (FREQ=MINUTELY;BYMONTH=2;BYMONTHDAY=30).
	 */
	if (rule.freq < ICAL_DAILY_RECURRENCE) {
		cause_set(cause, "recurrence rule \"%s\": sessions can "
		    "repeat at most daily, not %s", quoted,
		    icalrecur_freq_to_string(rule.freq));
		goto fail;
	}
	if (rule.rscale != NULL && strcasecmp(rule.rscale, "GREGORIAN") != 0) {
		cause_set(cause, "recurrence rule \"%s\": only the "
		    "Gregorian calendar is supported", quoted);
		goto fail;
	}
	if (rule.count == 0 && icaltime_is_null_time(rule.until)) {
		cause_set(cause, "recurrence rule \"%s\" never ends; "
		    "add COUNT or UNTIL", quoted);
		goto fail;
	}
	if (rule.count > 0 && (size_t)rule.count > max) {
		cause_set(cause, "recurrence rule \"%s\" asks for %d "
		    "sessions, more than the %zu allowed", quoted,
		    rule.count, max);
		goto fail;
	}

	/*
	 * UNTIL is applied here rather than by libical: a date UNTIL should
	 * include sessions on that day (libical compares it as midnight and
	 * drops them), and a UTC UNTIL must be compared with each session's
	 * instant, while libical iterates in floating time (below).
	 */
	until = rule.until;
	if (icaltime_is_null_time(until))
		until_kind = RECUR_UNTIL_NONE;
	else if (icaltime_is_utc(until)) {
		until_kind = RECUR_UNTIL_UTC;
		until_t = icaltime_as_timet(until);
	} else {
		until_kind = RECUR_UNTIL_LOCAL;
		if (until.is_date) {
			until.is_date = 0;
			until.hour = 23;
			until.minute = 59;
			until.second = 59;
		}
	}
	rule.until = icaltime_null_time();

	/*
	 * Iterate in floating wall-clock time so 10:00 stays 10:00 whatever
	 * the offset. Given a zone, libical shifts an occurrence that falls in
	 * the spring gap and then keeps the shifted time for every later
	 * occurrence; floating, it does not, and each wall-clock time is
	 * turned into an instant by zone_local_to_utc, which refuses the gap.
	 */
	dtstart = cal_local_to_ical(&first);

	icalerror_clear_errno();
	if ((it = icalrecur_iterator_new(rule, dtstart)) == NULL) {
		icalerror_clear_errno();
		cause_set(cause, "recurrence rule \"%s\" is not valid "
		    "(do its BY parts fit its FREQ?)", quoted);
		goto fail;
	}
	for (;;) {
		tt = icalrecur_iterator_next(it);
		if (icaltime_is_null_time(tt))
			break;
		if (until_kind == RECUR_UNTIL_LOCAL &&
		    recur_cmp(&tt, &until) > 0)
			break;

		cal_local_from_ical(&tt, &l);
		/*
		 * start itself may be the second pass of the repeated autumn
		 * hour, which zone_local_to_utc would map to the first.
		 */
		if (recur_same(&l, &first))
			t = start;
		else if (zone_local_to_utc(tzid, &l, &t, &why) != 0) {
			icalrecur_iterator_free(it);
			cause_set(cause, "session %zu of \"%s\": %s",
			    count + 1, quoted, why);
			free(why);
			goto fail;
		}
		if (until_kind == RECUR_UNTIL_UTC && t > until_t)
			break;

		if (count == max) {
			icalrecur_iterator_free(it);
			cause_set(cause, "recurrence rule \"%s\" gives "
			    "more than the %zu sessions allowed",
			    quoted, max);
			goto fail;
		}
		if (count == size) {
			size = (size == 0) ? 16 : size * 2;
			list = xreallocarray(list, size, sizeof *list);
		}
		list[count++] = t;
	}
	icalrecur_iterator_free(it);
	icalerror_clear_errno();

	if (count == 0) {
		when = zone_format_local(tzid, start);
		cause_set(cause, "recurrence rule \"%s\" gives no sessions "
		    "from %s", quoted, when);
		free(when);
		goto fail;
	}
	free(text);
	*out = list;
	*n = count;
	return (0);

fail:
	icalerror_clear_errno();
	free(list);
	free(text);
	return (-1);
}

int
recur_weekly(const char *tzid, time_t start, size_t count, time_t **out,
    size_t *n, char **cause)
{
	char	*rule;
	int	 rc;

	*out = NULL;
	*n = 0;
	if (count == 0) {
		cause_set(cause, "a weekly series needs at least one "
		    "session");
		return (-1);
	}
	if (count > RECUR_MAX) {
		cause_set(cause, "a weekly series has at most %d "
		    "sessions, not %zu", RECUR_MAX, count);
		return (-1);
	}
	rule = xprintf("FREQ=WEEKLY;COUNT=%zu", count);
	rc = recur_expand(tzid, start, rule, RECUR_MAX, out, n, cause);
	free(rule);
	return (rc);
}

int
recur_shift(const char *tzid, time_t t, time_t from, time_t to, time_t *out,
    char **cause)
{
	struct cal_local	 lt, lfrom, lto, moved;
	struct tm		 tm;
	time_t			 nt, nfrom, nto, nmoved;
	char			*why = NULL, *when;

	if (zone_utc_to_local(tzid, t, &lt) != 0 ||
	    zone_utc_to_local(tzid, from, &lfrom) != 0 ||
	    zone_utc_to_local(tzid, to, &lto) != 0) {
		cause_set(cause, "unknown time zone \"%s\"",
		    tzid == NULL ? "" : tzid);
		return (-1);
	}

	/*
	 * Work in wall-clock seconds (local fields read as if UTC), where
	 * every day has 24 hours: the difference from -> to is what a person
	 * means by the move, and adding it to t's wall-clock time keeps a
	 * later session at the moved time of day across a DST change.
	 */
	nt = (time_t)lt.utc_offset + t;
	nfrom = (time_t)lfrom.utc_offset + from;
	nto = (time_t)lto.utc_offset + to;
	nmoved = nt + (nto - nfrom);
	if (gmtime_r(&nmoved, &tm) == NULL) {
		cause_set(cause, "the moved time is out of range");
		return (-1);
	}
	memset(&moved, 0, sizeof moved);
	moved.year = tm.tm_year + 1900;
	moved.month = tm.tm_mon + 1;
	moved.day = tm.tm_mday;
	moved.hour = tm.tm_hour;
	moved.minute = tm.tm_min;
	moved.second = tm.tm_sec;
	if (zone_local_to_utc(tzid, &moved, out, &why) != 0) {
		when = zone_format_local(tzid, t);
		cause_set(cause, "cannot move the session at %s: %s", when,
		    why);
		free(when);
		free(why);
		return (-1);
	}
	return (0);
}
