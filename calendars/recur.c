/*
 * Recurrence: the daemon's series (recur_expand(), recur_weekly(),
 * recur_shift()), and the layer under them that the import's expansion
 * (import-expand.c) and its VTIMEZONE checks (import-zone.c) use too:
 * which rules can give sessions (recur_fit()), how UNTIL is applied
 * (recur_until_take()), libical's iterator driven in floating wall-clock
 * time with a limit on its steps (recur_iter_new() and the rest), and
 * whether a monthly or yearly rule ever matches (recur_reach()).
 */
#include "config.h"

#include <sys/types.h>

#include <ctype.h>
#include <limits.h>
#include <stdint.h>
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
/* Units recur_reach() may take: one 400-year cycle of months is 4800. */
#define RECUR_REACH_WORK	10000

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

/* --- the recurrence layer */

enum recur_fit
recur_fit(const struct icalrecurrencetype *r)
{
	if (r->freq == ICAL_NO_RECURRENCE)
		return (RECUR_NO_FREQ);
	/*
	 * Sessions repeat daily at the finest. Finer rules are no use here,
	 * and libical can spin for a very long time on one that never matches
	 * (FREQ=MINUTELY;BYMONTH=2;BYMONTHDAY=30).
	 */
	if (r->freq < ICAL_DAILY_RECURRENCE)
		return (RECUR_TOO_OFTEN);
	if (r->rscale != NULL && strcasecmp(r->rscale, "GREGORIAN") != 0)
		return (RECUR_NOT_GREGORIAN);
	return (RECUR_FITS);
}

/*
 * UNTIL is applied by the caller rather than by libical: a date UNTIL
 * should include the occurrences on that day (libical compares it as
 * midnight and drops them), and a UTC UNTIL must be compared with each
 * occurrence's instant, while libical iterates in floating time
 * (recur_iter_new()). A date or floating UNTIL is wall-clock time, which
 * recur_iter_next() applies.
 */
void
recur_until_take(struct icalrecurrencetype *rule, struct recur_until *u)
{
	u->at = rule->until;
	if (icaltime_is_null_time(u->at))
		u->kind = RECUR_UNTIL_NONE;
	else if (icaltime_is_utc(u->at) && !u->at.is_date)
		u->kind = RECUR_UNTIL_UTC;
	else {
		u->kind = RECUR_UNTIL_LOCAL;
		if (u->at.is_date) {
			u->at.is_date = 0;
			u->at.hour = 23;
			u->at.minute = 59;
			u->at.second = 59;
		}
		u->at.zone = NULL;
	}
	rule->until = icaltime_null_time();
}

/*
 * Iterate in floating wall-clock time so 10:00 stays 10:00 whatever the
 * offset. Given a zone, libical shifts an occurrence that falls in the
 * spring gap and then keeps the shifted time for every later occurrence;
 * floating, it does not, and the caller turns each wall-clock time into
 * an instant, as it reads the gap.
 *
 * libical does not say whether it understood a rule except through
 * icalerrno, which is sticky and shared, and its iterator reads it: so it
 * is cleared before, and after a failure.
 */
int
recur_iter_new(struct recur_iter *ri, struct icalrecurrencetype rule,
    struct icaltimetype dtstart, const struct recur_until *until,
    unsigned long limit)
{
	memset(ri, 0, sizeof *ri);
	ri->until = *until;
	ri->limit = limit;
	icalerror_clear_errno();
	if ((ri->it = icalrecur_iterator_new(rule, dtstart)) == NULL) {
		icalerror_clear_errno();
		return (-1);
	}
	return (0);
}

int
recur_iter_from(struct recur_iter *ri, struct icaltimetype from)
{
	return (icalrecur_iterator_set_start(ri->it, from) ? 0 : -1);
}

int
recur_iter_next(struct recur_iter *ri, struct icaltimetype *tt)
{
	if (++ri->steps > ri->limit)
		return (-1);
	*tt = icalrecur_iterator_next(ri->it);
	if (icaltime_is_null_time(*tt))
		return (0);
	if (ri->until.kind == RECUR_UNTIL_LOCAL &&
	    recur_cmp(tt, &ri->until.at) > 0)
		return (0);
	return (1);
}

void
recur_iter_free(struct recur_iter *ri)
{
	if (ri->it != NULL)
		icalrecur_iterator_free(ri->it);
	ri->it = NULL;
}

/*
 * Whether a MONTHLY or YEARLY rule from dtstart ever gives an occurrence,
 * found without libical: for a rule that never matches (February 30th,
 * the 7th Monday of a month), libical's iterator searches on for
 * thousands of years. The calendar repeats every 400 years, so one cycle
 * of the months or years the rule visits decides it. Sets *per to the
 * most occurrences one period gives (one cycle is tried when all is set;
 * otherwise it stops at the first period with any). BYHOUR and the like
 * are not counted, BYYEARDAY and BYWEEKNO must not be there. Each month
 * tried is a unit of work; past limit units, gives up with -1.
 */
int
recur_reach(const struct icalrecurrencetype *r,
    const struct icaltimetype *dt, int all, unsigned long *work,
    unsigned long limit, int *per)
{
	uint64_t	pos[7], neg[7];
	int		plain[7], months[13], mpos[32], mneg[32];
	int		has_month = 0, has_md = 0, has_bd = 0, found = 0;
	int		interval, cycle, a, b, k, y, m, d, first, last, dim;
	int		n, w, doy, diy, v, c;
	long		idx;
	size_t		i;

	memset(pos, 0, sizeof pos);
	memset(neg, 0, sizeof neg);
	memset(plain, 0, sizeof plain);
	memset(months, 0, sizeof months);
	memset(mpos, 0, sizeof mpos);
	memset(mneg, 0, sizeof mneg);
	*per = 0;

	for (i = 0; i < ICAL_BY_MONTH_SIZE &&
	    r->by_month[i] != ICAL_RECURRENCE_ARRAY_MAX; i++) {
		has_month = 1;
		v = icalrecurrencetype_month_month(r->by_month[i]);
		if (!icalrecurrencetype_month_is_leap(r->by_month[i]) &&
		    v >= 1 && v <= 12)
			months[v] = 1;
	}
	for (i = 0; i < ICAL_BY_MONTHDAY_SIZE &&
	    r->by_month_day[i] != ICAL_RECURRENCE_ARRAY_MAX; i++) {
		has_md = 1;
		v = r->by_month_day[i];
		if (v >= 1 && v <= 31)
			mpos[v] = 1;
		else if (v <= -1 && v >= -31)
			mneg[-v] = 1;
	}
	for (i = 0; i < ICAL_BY_DAY_SIZE &&
	    r->by_day[i] != ICAL_RECURRENCE_ARRAY_MAX; i++) {
		has_bd = 1;
		w = (int)icalrecurrencetype_day_day_of_week(r->by_day[i]) - 1;
		v = icalrecurrencetype_day_position(r->by_day[i]);
		if (w < 0 || w > 6)
			continue;
		if (v == 0)
			plain[w] = 1;
		else if (v >= 1 && v <= 53)
			pos[w] |= (uint64_t)1 << v;
		else if (v <= -1 && v >= -53)
			neg[w] |= (uint64_t)1 << -v;
	}

	interval = r->interval < 1 ? 1 : r->interval;
	a = r->freq == ICAL_MONTHLY_RECURRENCE ? 4800 : 400;
	b = interval;
	while (b != 0) {
		c = a % b;
		a = b;
		b = c;
	}
	cycle = (r->freq == ICAL_MONTHLY_RECURRENCE ? 4800 : 400) / a;

	for (k = 0; k < cycle; k++) {
		*work += r->freq == ICAL_MONTHLY_RECURRENCE ? 1 : 12;
		if (*work > limit)
			return (-1);
		if (r->freq == ICAL_MONTHLY_RECURRENCE) {
			idx = (long)dt->year * 12 + (dt->month - 1) +
			    (long)k * interval;
			y = (int)(idx / 12);
			first = last = (int)(idx % 12) + 1;
		} else {
			y = dt->year + (int)((long)k * interval % 400);
			first = 1;
			last = 12;
		}
		/* Only the place in the 400-year cycle matters. */
		y = 2000 + ((y - 2000) % 400 + 400) % 400;
		diy = cal_mdays(y, 2) == 29 ? 366 : 365;
		n = 0;
		doy = 0;
		for (m = 1; m < first; m++)
			doy += cal_mdays(y, m);
		for (m = first; m <= last; m++) {
			dim = cal_mdays(y, m);
			if (has_month && !months[m]) {
				doy += dim;
				continue;
			}
			if (r->freq == ICAL_YEARLY_RECURRENCE && !has_month &&
			    !has_md && !has_bd) {
				/* Once a year, on DTSTART's month and day. */
				if (m == dt->month && dt->day <= dim)
					n++;
				doy += dim;
				continue;
			}
			w = cal_wday(y, m, 1);
			for (d = 1; d <= dim; d++, w = (w + 1) % 7) {
				doy++;
				if (has_md && !mpos[d] && !mneg[dim + 1 - d])
					continue;
				if (!has_md && !has_bd && d != dt->day)
					continue;
				if (!has_bd || plain[w]) {
					n++;
					continue;
				}
				/* Ordinals count in the month, or the year. */
				if (r->freq == ICAL_MONTHLY_RECURRENCE ||
				    has_month) {
					v = (d - 1) / 7 + 1;
					c = (dim - d) / 7 + 1;
				} else {
					v = (doy - 1) / 7 + 1;
					c = (diy - doy) / 7 + 1;
				}
				if ((pos[w] >> v & 1) || (neg[w] >> c & 1))
					n++;
			}
		}
		if (r->by_set_pos[0] != ICAL_RECURRENCE_ARRAY_MAX) {
			c = 0;
			for (i = 0; i < ICAL_BY_SETPOS_SIZE &&
			    r->by_set_pos[i] != ICAL_RECURRENCE_ARRAY_MAX;
			    i++) {
				v = r->by_set_pos[i];
				if ((v > 0 && v <= n) || (v < 0 && -v <= n))
					c++;
			}
			n = c < n ? c : n;
		}
		if (n > *per)
			*per = n;
		if (n > 0) {
			found = 1;
			if (!all)
				break;
		}
	}
	return (found);
}

/* --- the daemon's series */

int
recur_expand(const char *tzid, time_t start, const char *rrule, size_t max,
    time_t **out, size_t *n, char **cause)
{
	struct icalrecurrencetype	 rule;
	struct icaltimetype		 dtstart, tt;
	struct recur_until		 until;
	struct recur_iter		 ri;
	struct cal_local		 first, l;
	enum recur_fit			 fit;
	time_t				*list = NULL, t, until_t = 0;
	size_t				 count = 0, size = 0;
	unsigned long			 units = 0;
	const char			*p;
	char				*text, *end, *why = NULL, *when;
	char				 quoted[RECUR_QUOTE_MAX + 4];
	int				 per;

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
	fit = recur_fit(&rule);
	if (icalerrno != ICAL_NO_ERROR || fit == RECUR_NO_FREQ) {
		icalerror_clear_errno();
		cause_set(cause, "cannot read recurrence rule \"%s\"; "
		    "write for example %s", quoted, RECUR_EXAMPLE);
		goto fail;
	}
	if (fit == RECUR_TOO_OFTEN) {
		cause_set(cause, "recurrence rule \"%s\": sessions can "
		    "repeat at most daily, not %s", quoted,
		    icalrecur_freq_to_string(rule.freq));
		goto fail;
	}
	if (fit == RECUR_NOT_GREGORIAN) {
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
	 * Each wall-clock time is turned into an instant by
	 * zone_local_to_utc(), which refuses the spring gap. The rule ends and
	 * gives at most max sessions, so the steps are not limited.
	 */
	recur_until_take(&rule, &until);
	if (until.kind == RECUR_UNTIL_UTC)
		until_t = icaltime_as_timet(until.at);
	dtstart = cal_local_to_ical(&first);
	/*
	 * A monthly or yearly rule that never matches a day ("the 7th Monday")
	 * would have libical search on for a second or more: found at once.
	 */
	if ((rule.freq == ICAL_MONTHLY_RECURRENCE ||
	    rule.freq == ICAL_YEARLY_RECURRENCE) &&
	    rule.by_year_day[0] == ICAL_RECURRENCE_ARRAY_MAX &&
	    rule.by_week_no[0] == ICAL_RECURRENCE_ARRAY_MAX &&
	    recur_reach(&rule, &dtstart, 0, &units, RECUR_REACH_WORK,
	    &per) == 0) {
		when = zone_format_local(tzid, start);
		cause_set(cause, "recurrence rule \"%s\" gives no sessions "
		    "from %s", quoted, when);
		free(when);
		goto fail;
	}
	if (recur_iter_new(&ri, rule, dtstart, &until, ULONG_MAX) != 0) {
		cause_set(cause, "recurrence rule \"%s\" is not valid "
		    "(do its BY parts fit its FREQ?)", quoted);
		goto fail;
	}
	while (recur_iter_next(&ri, &tt) == 1) {
		cal_local_from_ical(&tt, &l);
		/*
		 * start itself may be the second pass of the repeated autumn
		 * hour, which zone_local_to_utc would map to the first.
		 */
		if (recur_same(&l, &first))
			t = start;
		else if (zone_local_to_utc(tzid, &l, &t, &why) != 0) {
			recur_iter_free(&ri);
			cause_set(cause, "session %zu of \"%s\": %s",
			    count + 1, quoted, why);
			free(why);
			goto fail;
		}
		if (until.kind == RECUR_UNTIL_UTC && t > until_t)
			break;

		if (count == max) {
			recur_iter_free(&ri);
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
	recur_iter_free(&ri);
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
