/*
 * Time zones and times of the import. A TZID is the file's own VTIMEZONE
 * for it, an IANA name, possibly behind a "/vendor/" prefix, or a Windows
 * name (import_tzid()); a time without one is UTC or floating, read in
 * default_tzid (X-WR-TIMEZONE is not used). Local times are read as RFC
 * 5545 says: the repeated autumn hour is its first pass, a time in the
 * spring gap takes the offset from before it (import_to_utc()).
 *
 * Work is bounded: libical has slow paths, so each VTIMEZONE's rules are
 * checked before libical computes its changes (import_tzcheck()), and
 * what it costs is counted against the allowance an event and the whole
 * file have (import_work()), which the expansion of the events' rules
 * (import-expand.c) draws on too.
 */
#include "config.h"

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <libical/ical.h>

#include "calendars.h"
#include "calendars-private.h"
#include "import-private.h"
#include "cause.h"
#include "xmalloc.h"

/*
 * Work units one event (or VTIMEZONE), and the whole file, may use: a
 * step of libical's recurrence iterator, or a month tried by
 * recur_reach(). Either takes about a microsecond.
 */
#define IMPORT_WORK_EVENT	50000
#define IMPORT_WORK_FILE	500000
#define IMPORT_WORK_TZ_CHANGE	4
/* A VTIMEZONE's STANDARD and DAYLIGHT parts, and its RDATEs. */
#define IMPORT_TZ_PARTS_MAX	64
#define IMPORT_TZ_RDATES_MAX	1000
/* Time zone changes libical may compute, over every VTIMEZONE. */
#define IMPORT_TZ_CHANGES_MAX	200000
/* libical computes zone changes up to this year (ICALTIMEZONE_MAX_YEAR). */
#define IMPORT_TZ_YEAR_MAX	2582
#define IMPORT_TZ_YEAR_MIN	1583

/*
 * Windows time zone names, as Outlook and Exchange write them, and the
 * IANA zones with the same rules (the first one the system knows is used).
 * Europe first, then a few a Danish library meets, and the display names
 * older Outlook versions put in TZID.
 */
static const struct import_windows {
	const char	*windows;
	const char	*iana[2];
} import_windows[] = {
	{ "Romance Standard Time", { "Europe/Copenhagen", "Europe/Paris" } },
	{ "W. Europe Standard Time", { "Europe/Berlin", NULL } },
	{ "Central Europe Standard Time", { "Europe/Budapest", NULL } },
	{ "Central European Standard Time", { "Europe/Warsaw", NULL } },
	{ "GMT Standard Time", { "Europe/London", NULL } },
	{ "Greenwich Standard Time", { "Atlantic/Reykjavik", NULL } },
	{ "GTB Standard Time", { "Europe/Bucharest", NULL } },
	{ "E. Europe Standard Time", { "Europe/Chisinau", NULL } },
	{ "FLE Standard Time", { "Europe/Helsinki", NULL } },
	{ "Kaliningrad Standard Time", { "Europe/Kaliningrad", NULL } },
	{ "Russian Standard Time", { "Europe/Moscow", NULL } },
	{ "Belarus Standard Time", { "Europe/Minsk", NULL } },
	{ "Turkey Standard Time", { "Europe/Istanbul", NULL } },
	{ "Greenland Standard Time", { "America/Nuuk", "America/Godthab" } },
	{ "Azores Standard Time", { "Atlantic/Azores", NULL } },
	{ "UTC", { "UTC", NULL } },
	{ "Coordinated Universal Time", { "UTC", NULL } },
	{ "tzone://Microsoft/Utc", { "UTC", NULL } },
	{ "Eastern Standard Time", { "America/New_York", NULL } },
	{ "Central Standard Time", { "America/Chicago", NULL } },
	{ "Mountain Standard Time", { "America/Denver", NULL } },
	{ "Pacific Standard Time", { "America/Los_Angeles", NULL } },
	{ "(UTC+01:00) Brussels, Copenhagen, Madrid, Paris",
	    { "Europe/Copenhagen", NULL } },
	{ "(GMT+01:00) Brussels, Copenhagen, Madrid, Paris",
	    { "Europe/Copenhagen", NULL } },
	{ "(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna",
	    { "Europe/Berlin", NULL } },
	{ "(GMT+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna",
	    { "Europe/Berlin", NULL } },
	{ "(UTC+00:00) Dublin, Edinburgh, Lisbon, London",
	    { "Europe/London", NULL } },
	{ "(UTC) Dublin, Edinburgh, Lisbon, London",
	    { "Europe/London", NULL } },
};

static icaltimezone *import_tzid(struct import_state *, const char *,
		    const char **);
static int	 import_tzcheck(struct import_state *, icalcomponent *,
		    char **);

/* Counts work against the event's and the file's allowance. */
int
import_work(struct import_state *st, unsigned long *event, unsigned long n)
{
	*event += n;
	st->work += n;
	return (*event > IMPORT_WORK_EVENT || st->work > IMPORT_WORK_FILE);
}

/* What is left of both allowances. */
unsigned long
import_work_left(struct import_state *st, unsigned long event)
{
	unsigned long	a, b;

	a = event < IMPORT_WORK_EVENT ? IMPORT_WORK_EVENT - event : 0;
	b = st->work < IMPORT_WORK_FILE ? IMPORT_WORK_FILE - st->work : 0;
	return (a < b ? a : b);
}

/*
 * A zone libical knows by IANA name. zone_valid() lets only the characters
 * of IANA names through, so a TZID cannot make libical open another path
 * under the zoneinfo directory. The zone belongs to libical.
 */
icaltimezone *
import_builtin(const char *name)
{
	if (!zone_valid(name))
		return (NULL);
	return (icaltimezone_get_builtin_timezone(name));
}

/*
 * The zone a TZID names: the file's own VTIMEZONE for it, an IANA name
 * (also behind a prefix such as "/freeassociation.sourceforge.net/" or
 * "/mozilla.org/20050126_1/"), or a Windows name. NULL with *why set if
 * none fits.
 */
static icaltimezone *
import_tzid(struct import_state *st, const char *tzid, const char **why)
{
	struct import_zone	*z;
	struct import_tzdef	*def = NULL;
	icaltimezone		*zone = NULL;
	const char		*p;
	char			 q[IMPORT_QUOTE_MAX], *bad = NULL;
	size_t			 i, j, lo, hi, mid, n;

	for (i = 0; i < st->nzones; i++) {
		if (strcmp(st->zones[i].tzid, tzid) == 0) {
			*why = st->zones[i].why;
			return (st->zones[i].zone);
		}
	}
	if (st->nzones == IMPORT_ZONES_MAX) {
		*why = "the file uses too many different time zones";
		return (NULL);
	}
	z = &st->zones[st->nzones++];
	z->tzid = xstrdup(tzid);

	/* The first VTIMEZONE with this TZID. */
	lo = 0;
	hi = st->ntzdefs;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strcmp(st->tzdefs[mid].tzid, tzid) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < st->ntzdefs && strcmp(st->tzdefs[lo].tzid, tzid) == 0)
		def = &st->tzdefs[lo];
	if (def != NULL && import_tzcheck(st, def->comp, &bad) == 0) {
		zone = icaltimezone_new();
		if (icaltimezone_set_component(zone,
		    icalcomponent_new_clone(def->comp)))
			z->owned = 1;
		else {
			icaltimezone_free(zone, 1);
			zone = NULL;
		}
	}

	if (zone == NULL && tzid[0] == '/') {
		for (p = tzid; zone == NULL && p != NULL;
		    p = strchr(p + 1, '/'))
			zone = import_builtin(p + 1);
	} else if (zone == NULL)
		zone = import_builtin(tzid);

	n = strlen(tzid);
	while (n > 0 && tzid[n - 1] == ' ')
		n--;
	for (i = 0; zone == NULL &&
	    i < sizeof import_windows / sizeof import_windows[0]; i++) {
		if (strlen(import_windows[i].windows) != n ||
		    strncasecmp(import_windows[i].windows, tzid, n) != 0)
			continue;
		for (j = 0; zone == NULL && j < 2 &&
		    import_windows[i].iana[j] != NULL; j++)
			zone = import_builtin(import_windows[i].iana[j]);
	}

	z->zone = zone;
	if (zone == NULL) {
		cause_quote(tzid, q, sizeof q);
		if (def != NULL) {
			z->why = xprintf("time zone \"%s\": its VTIMEZONE on "
			    "line %d cannot be used: %s", q, def->line,
			    bad != NULL ? bad : "libical refuses it");
		} else {
			z->why = xprintf("unknown time zone \"%s\" (no "
			    "VTIMEZONE for it in the file, and not a zone "
			    "name kursusd knows)", q);
		}
	}
	free(bad);
	*why = z->why;
	return (zone);
}

/*
 * Checks a VTIMEZONE before libical computes its changes: libical steps
 * through each part's RRULE from its DTSTART (Outlook writes 1601) up to
 * the year asked for, so a rule that repeats often or never matches, or an
 * offset that makes no sense, would cost seconds or give nonsense.
 */
static int
import_tzcheck(struct import_state *st, icalcomponent *vtz, char **why)
{
	icalcomponent			*c;
	icalproperty			*p;
	struct icalrecurrencetype	 rule;
	struct icaltimetype		 dt;
	struct icaldatetimeperiodtype	 rd;
	unsigned long			 changes = 0, work = 0, units;
	int				 parts = 0, rdates = 0, off, per, n;

	for (c = icalcomponent_get_first_component(vtz, ICAL_ANY_COMPONENT);
	    c != NULL; c = icalcomponent_get_next_component(vtz,
	    ICAL_ANY_COMPONENT)) {
		if (++parts > IMPORT_TZ_PARTS_MAX) {
			*why = xprintf("more than %d STANDARD and DAYLIGHT "
			    "parts", IMPORT_TZ_PARTS_MAX);
			return (-1);
		}
		if (import_count(c, ICAL_DTSTART_PROPERTY) != 1 ||
		    import_count(c, ICAL_TZOFFSETTO_PROPERTY) != 1 ||
		    import_count(c, ICAL_TZOFFSETFROM_PROPERTY) > 1 ||
		    import_count(c, ICAL_RRULE_PROPERTY) > 1) {
			*why = xprintf("the part on line %d needs one DTSTART, "
			    "one TZOFFSETTO and at most one TZOFFSETFROM and "
			    "RRULE", import_comp_line(c));
			return (-1);
		}
		dt = icalproperty_get_dtstart(icalcomponent_get_first_property(
		    c, ICAL_DTSTART_PROPERTY));
		if (dt.is_date || !import_fields_ok(&dt, IMPORT_TZ_YEAR_MIN,
		    IMPORT_TZ_YEAR_MAX)) {
			*why = xprintf("the part on line %d has no usable "
			    "DTSTART", import_comp_line(c));
			return (-1);
		}
		for (p = icalcomponent_get_first_property(c,
		    ICAL_ANY_PROPERTY); p != NULL;
		    p = icalcomponent_get_next_property(c, ICAL_ANY_PROPERTY)) {
			switch (icalproperty_isa(p)) {
			case ICAL_TZOFFSETTO_PROPERTY:
			case ICAL_TZOFFSETFROM_PROPERTY:
				off = icalproperty_isa(p) ==
				    ICAL_TZOFFSETTO_PROPERTY ?
				    icalproperty_get_tzoffsetto(p) :
				    icalproperty_get_tzoffsetfrom(p);
				if (off < -IMPORT_OFFSET_MAX ||
				    off > IMPORT_OFFSET_MAX) {
					*why = xprintf("line %d: UTC offset "
					    "out of range",
					    import_prop_line(p));
					return (-1);
				}
				break;
			case ICAL_RDATE_PROPERTY:
				rd = icalproperty_get_rdate(p);
				if (++rdates > IMPORT_TZ_RDATES_MAX ||
				    !icalperiodtype_is_null_period(rd.period) ||
				    !import_fields_ok(&rd.time,
				    IMPORT_TZ_YEAR_MIN, IMPORT_TZ_YEAR_MAX)) {
					*why = xprintf("line %d: RDATE not "
					    "usable here", import_prop_line(p));
					return (-1);
				}
				changes++;
				break;
			case ICAL_RRULE_PROPERTY:
				rule = icalproperty_get_rrule(p);
				n = import_prop_line(p);
				if (rule.freq != ICAL_YEARLY_RECURRENCE ||
				    rule.by_second[0] !=
				    ICAL_RECURRENCE_ARRAY_MAX ||
				    rule.by_minute[0] !=
				    ICAL_RECURRENCE_ARRAY_MAX ||
				    rule.by_hour[0] !=
				    ICAL_RECURRENCE_ARRAY_MAX ||
				    rule.by_year_day[0] !=
				    ICAL_RECURRENCE_ARRAY_MAX ||
				    rule.by_week_no[0] !=
				    ICAL_RECURRENCE_ARRAY_MAX ||
				    (rule.rscale != NULL && strcasecmp(
				    rule.rscale, "GREGORIAN") != 0)) {
					*why = xprintf("line %d: a time zone "
					    "rule must be yearly, on a day",
					    n);
					return (-1);
				}
				units = 0;
				n = recur_reach(&rule, &dt, 1, &units,
				    import_work_left(st, work), &per);
				if (import_work(st, &work, units) || n < 0) {
					*why = xstrdup("its rules need too "
					    "much work");
					return (-1);
				}
				if (!n) {
					*why = xprintf("line %d: the rule "
					    "never matches",
					    import_prop_line(p));
					return (-1);
				}
				changes += (unsigned long)per *
				    (IMPORT_TZ_YEAR_MAX + 1 - dt.year);
				break;
			default:
				break;
			}
			if (st->tz_changes + changes > IMPORT_TZ_CHANGES_MAX) {
				*why = xstrdup("its rules change the offset "
				    "too often");
				return (-1);
			}
		}
	}
	if (parts == 0) {
		*why = xstrdup("it has no STANDARD or DAYLIGHT part");
		return (-1);
	}
	/*
	 * libical finds each change with its recurrence iterator, here built
	 * with ICU: a yearly step costs about four units.
	 */
	if (import_work(st, &work, changes * IMPORT_WORK_TZ_CHANGE)) {
		*why = xstrdup("its rules need too much work");
		return (-1);
	}
	st->tz_changes += changes;
	return (0);
}

/* Whether the fields are a real date (and time) within the years given. */
int
import_fields_ok(const struct icaltimetype *tt, int ymin, int ymax)
{
	if (tt->year < ymin || tt->year > ymax || tt->month < 1 ||
	    tt->month > 12 || tt->day < 1 ||
	    tt->day > cal_mdays(tt->year, tt->month))
		return (0);
	if (tt->is_date)
		return (1);
	return (tt->hour >= 0 && tt->hour <= 23 && tt->minute >= 0 &&
	    tt->minute <= 59 && tt->second >= 0 && tt->second <= 59);
}

struct icaltimetype
import_to_local(icaltimezone *zone, time_t t)
{
	return (icaltime_from_timet_with_zone(t, 0, zone));
}

/*
 * Wall-clock time in zone to UTC, as RFC 5545 reads it: the repeated
 * autumn hour means its first occurrence, and a time in the spring gap is
 * read with the offset from before the gap (02:30 becomes 03:30 summer
 * time), which is what cal_to_utc() gives for it, as zone.c refuses it.
 */
time_t
import_to_utc(icaltimezone *zone, const struct icaltimetype *tt)
{
	time_t	t;

	(void)cal_to_utc(zone, tt, &t);
	return (t);
}

/* "20261201T090000Z" */
void
import_basic(time_t t, char *buf, size_t len)
{
	struct tm	tm;

	if (gmtime_r(&t, &tm) == NULL)
		memset(&tm, 0, sizeof tm);
	snprintf(buf, len, "%04d%02d%02dT%02d%02d%02dZ", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* "2026-12-01 10:00 (09:00 UTC)" for messages; caller frees. */
char *
import_when(icaltimezone *zone, time_t t)
{
	struct icaltimetype	tt = import_to_local(zone, t);
	struct tm		tm;

	if (zone == icaltimezone_get_utc_timezone() ||
	    gmtime_r(&t, &tm) == NULL) {
		return (xprintf("%04d-%02d-%02d %02d:%02d UTC", tt.year,
		    tt.month, tt.day, tt.hour, tt.minute));
	}
	return (xprintf("%04d-%02d-%02d %02d:%02d (%02d:%02d UTC)", tt.year,
	    tt.month, tt.day, tt.hour, tt.minute, tm.tm_hour, tm.tm_min));
}

/*
 * Reads a DATE or DATE-TIME value of p with its zone: its TZID, UTC, or
 * floating (then in the zone given). Fails with *why set (caller frees).
 */
int
import_prop_time(struct import_state *st, icalproperty *p,
    struct icaltimetype tt, icaltimezone *floating, struct import_time *out,
    char **why)
{
	icalparameter	*a;
	const char	*tzid, *bad;
	int		 line = import_prop_line(p);

	memset(out, 0, sizeof *out);
	out->tt = tt;
	out->line = line;
	if (!import_fields_ok(&tt, IMPORT_YEAR_MIN, IMPORT_YEAR_MAX)) {
		*why = xprintf("%s is not a date between %d and %d",
		    icalproperty_get_property_name(p), IMPORT_YEAR_MIN,
		    IMPORT_YEAR_MAX);
		return (-1);
	}
	if (tt.is_date)
		return (0);
	if (icaltime_is_utc(tt)) {
		out->zone = icaltimezone_get_utc_timezone();
		return (0);
	}
	a = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);
	if (a != NULL && (tzid = icalparameter_get_tzid(a)) != NULL) {
		if ((out->zone = import_tzid(st, tzid, &bad)) == NULL) {
			*why = xstrdup(bad);
			return (-1);
		}
		return (0);
	}
	out->zone = floating;
	return (0);
}
