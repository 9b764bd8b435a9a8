/*
 * The occurrences of the import's events. Each event is expanded in the
 * wall-clock time of its own zone with libical's recurrence iterator,
 * RDATEs are added, EXDATEs removed, and overridden occurrences (same UID
 * and a RECURRENCE-ID) replace the generated ones. Events that cannot
 * become sessions (all-day, no end, an unknown zone, a rule finer than
 * daily or one that never matches) are skipped with a reason. Each rule is
 * checked before libical iterates it, and an event that would need more
 * than its share of the work allowance (import-zone.c) is skipped.
 */
#include "config.h"

#include <sys/types.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libical/ical.h>

#include "calendars.h"
#include "calendars-private.h"
#include "import-private.h"
#include "cause.h"
#include "xmalloc.h"

/* One occurrence of a series inside the window. */
struct import_instance {
	time_t		 recid;
	time_t		 start, end;
	int		 line;		/* of the RDATE or the event */
};

static int	 import_rule_check(struct import_state *, unsigned long *,
		    const struct icalrecurrencetype *,
		    const struct icaltimetype *, char **);
static int	 import_expand(struct import_state *, struct import_event *,
		    unsigned long *, struct import_instance **, size_t *,
		    size_t *);
static int	 import_rrule(struct import_state *, struct import_event *,
		    icalproperty *, unsigned long *, struct import_instance **,
		    size_t *, size_t *, char **);
static void	 import_add(struct import_instance **, size_t *, size_t *,
		    time_t, time_t, time_t, int);
static time_t	 import_end_of(const struct import_event *, time_t);
static int	 import_excluded(const struct import_event *, time_t);
static size_t	 import_find_override(struct import_state *, const char *,
		    time_t);
static int	 import_emit(struct import_state *, struct import_event *,
		    struct import_event *, char *, time_t, time_t, int);
static const char *import_key_of(const struct import_event *);
static char	*import_made_uid(struct import_event *);
static int	 import_cmp_time(const void *, const void *);
static int	 import_cmp_instance(const void *, const void *);
static int	 import_cancelled(icalcomponent *, int);

/*
 * Whether an event's RRULE can be expanded here: one that can give
 * sessions (recur_fit()), at most once a day, with the BY parts
 * recur_reach() can tell will ever match, and that do.
 */
static int
import_rule_check(struct import_state *st, unsigned long *work,
    const struct icalrecurrencetype *r, const struct icaltimetype *dt,
    char **why)
{
	unsigned long	units = 0;
	size_t		n;
	int		per, reach;

	switch (recur_fit(r)) {
	case RECUR_NO_FREQ:
		*why = xstrdup("the rule has no FREQ");
		return (-1);
	case RECUR_TOO_OFTEN:
		*why = xprintf("sessions repeat at most daily, not %s",
		    icalrecur_freq_to_string(r->freq));
		return (-1);
	case RECUR_NOT_GREGORIAN:
		*why = xstrdup("only the Gregorian calendar is supported");
		return (-1);
	case RECUR_FITS:
		break;
	}
	for (n = 0; n < ICAL_BY_HOUR_SIZE &&
	    r->by_hour[n] != ICAL_RECURRENCE_ARRAY_MAX; n++)
		/* nothing */;
	if (n > 1 || (r->by_minute[0] != ICAL_RECURRENCE_ARRAY_MAX &&
	    r->by_minute[1] != ICAL_RECURRENCE_ARRAY_MAX) ||
	    (r->by_second[0] != ICAL_RECURRENCE_ARRAY_MAX &&
	    r->by_second[1] != ICAL_RECURRENCE_ARRAY_MAX)) {
		*why = xstrdup("the rule repeats more than once a day");
		return (-1);
	}
	if (r->by_year_day[0] != ICAL_RECURRENCE_ARRAY_MAX ||
	    r->by_week_no[0] != ICAL_RECURRENCE_ARRAY_MAX) {
		*why = xstrdup("BYYEARDAY and BYWEEKNO are not supported");
		return (-1);
	}
	if (r->by_set_pos[0] != ICAL_RECURRENCE_ARRAY_MAX &&
	    r->freq != ICAL_MONTHLY_RECURRENCE &&
	    r->freq != ICAL_YEARLY_RECURRENCE) {
		*why = xstrdup("BYSETPOS is supported in MONTHLY and YEARLY "
		    "rules only");
		return (-1);
	}
	if (r->freq == ICAL_MONTHLY_RECURRENCE ||
	    r->freq == ICAL_YEARLY_RECURRENCE) {
		reach = recur_reach(r, dt, 0, &units,
		    import_work_left(st, *work), &per);
		if (import_work(st, work, units) || reach < 0) {
			*why = xstrdup("the rule needs too much work to "
			    "expand");
			return (-1);
		}
		if (!reach) {
			*why = xstrdup("the rule never matches a day");
			return (-1);
		}
	}
	return (0);
}

static void
import_add(struct import_instance **list, size_t *n, size_t *size, time_t recid,
    time_t start, time_t end, int line)
{
	if (*n == *size) {
		*size = *size == 0 ? 16 : *size * 2;
		*list = xreallocarray(*list, *size, sizeof **list);
	}
	(*list)[*n].recid = recid;
	(*list)[*n].start = start;
	(*list)[*n].end = end;
	(*list)[*n].line = line;
	(*n)++;
}

/* The end of an occurrence of e that starts at t. */
static time_t
import_end_of(const struct import_event *e, time_t t)
{
	struct icaltimetype	tt;

	if (!e->length.nominal)
		return (t + e->length.seconds);
	tt = import_to_local(e->zone, t);
	icaltime_adjust(&tt, e->length.days, 0, 0, 0);
	return (import_to_utc(e->zone, &tt) + e->length.seconds);
}

/* Whether an EXDATE of master e removes the occurrence at t. */
static int
import_excluded(const struct import_event *e, time_t t)
{
	struct icaltimetype	tt;
	struct import_exdate	key;

	key.is_date = 0;
	key.t = t;
	if (e->nexdates > 0 && bsearch(&key, e->exdates, e->nexdates,
	    sizeof *e->exdates, import_cmp_time) != NULL)
		return (1);
	/* Dates sort after instants. */
	if (e->nexdates == 0 || !e->exdates[e->nexdates - 1].is_date)
		return (0);
	tt = import_to_local(e->zone, t);
	key.is_date = 1;
	key.t = tt.year * 10000 + tt.month * 100 + tt.day;
	return (bsearch(&key, e->exdates, e->nexdates, sizeof *e->exdates,
	    import_cmp_time) != NULL);
}

static int
import_cmp_time(const void *a, const void *b)
{
	const struct import_exdate	*x = a, *y = b;

	if (x->is_date != y->is_date)
		return (x->is_date < y->is_date ? -1 : 1);
	return (x->t < y->t ? -1 : x->t > y->t);
}

/*
 * Expands one RRULE of e into the occurrences that start in the window,
 * with recur.c's iterator in floating wall-clock time, turning each time
 * into an instant in e's zone: so 10:00 stays 10:00 across DST, and a
 * time in the spring gap moves only that occurrence.
 */
static int
import_rrule(struct import_state *st, struct import_event *e, icalproperty *p,
    unsigned long *work, struct import_instance **list, size_t *n,
    size_t *size, char **why)
{
	struct icalrecurrencetype	 rule;
	struct icaltimetype		 dtstart, tt, horizon, from;
	struct recur_until		 until;
	struct recur_iter		 ri;
	time_t				 until_t = 0, naive, t, end;
	int				 rc;

	rule = icalproperty_get_rrule(p);
	dtstart = e->start.tt;
	dtstart.zone = NULL;
	dtstart.is_date = 0;
	if (import_rule_check(st, work, &rule, &dtstart, why) != 0)
		return (-1);

	/*
	 * UNTIL is applied here, as in recur.c: a date UNTIL includes that
	 * day, a UTC one is compared with each instant, a floating one with
	 * the wall-clock time.
	 */
	recur_until_take(&rule, &until);
	if (until.kind == RECUR_UNTIL_UTC)
		until_t = cal_naive(&until.at);
	/*
	 * libical stops at UNTIL, here the end of the window and a day, so
	 * a rule that never ends, or never matches again, costs no more than
	 * the window.
	 */
	end = st->until;
	if (end > cal_days(IMPORT_YEAR_MAX, 12, 31) * 86400)
		end = cal_days(IMPORT_YEAR_MAX, 12, 31) * 86400;
	horizon = import_to_local(e->zone, end + 86400);
	horizon.zone = NULL;
	rule.until = horizon;

	/* Each step is a unit of work; the last one past the limit fails. */
	if (recur_iter_new(&ri, rule, dtstart, &until,
	    import_work_left(st, *work)) != 0) {
		*why = xstrdup("the rule is not valid (do its BY parts fit "
		    "its FREQ?)");
		return (-1);
	}
	/*
	 * A rule without COUNT can start at the window instead of at
	 * DTSTART, possibly years before.
	 */
	if (rule.count == 0 && st->from > e->start_t + 2 * 86400) {
		from = import_to_local(e->zone, st->from - 86400);
		from.zone = NULL;
		from.is_date = 0;
		if (recur_iter_from(&ri, from) != 0) {
			recur_iter_free(&ri);
			icalerror_clear_errno();
			*why = xstrdup("libical cannot start the rule at the "
			    "import window");
			return (-1);
		}
	}
	while ((rc = recur_iter_next(&ri, &tt)) == 1) {
		if (!import_fields_ok(&tt, IMPORT_YEAR_MIN, IMPORT_YEAR_MAX))
			break;
		naive = cal_naive(&tt);
		if (until.kind == RECUR_UNTIL_UTC &&
		    naive - IMPORT_OFFSET_MAX > until_t)
			break;
		if (naive + IMPORT_OFFSET_MAX < st->from)
			continue;
		if (naive - IMPORT_OFFSET_MAX >= st->until)
			break;
		t = import_to_utc(e->zone, &tt);
		if (until.kind == RECUR_UNTIL_UTC && t > until_t)
			break;
		if (t < st->from || t >= st->until)
			continue;
		import_add(list, n, size, t, t, import_end_of(e, t), e->line);
	}
	(void)import_work(st, work, ri.steps);
	recur_iter_free(&ri);
	if (rc == -1) {
		*why = xstrdup("the rule needs too much work to expand");
		return (-1);
	}
	icalerror_clear_errno();
	return (0);
}

/*
 * The occurrences of master e in the window: DTSTART, its RRULEs and
 * RDATEs, sorted and without repeats (EXDATE and overrides are applied by
 * the caller). Skips e and returns -1 when it cannot be expanded.
 */
static int
import_expand(struct import_state *st, struct import_event *e,
    unsigned long *work, struct import_instance **list, size_t *n, size_t *size)
{
	icalproperty			*p;
	struct icaldatetimeperiodtype	 rd;
	struct import_time		 it, et;
	struct icaltimetype		 tt;
	struct icaldurationtype		 dur;
	time_t				 t, end;
	char				*why = NULL;
	size_t				 i, j;

	*n = 0;
	if (e->start_t >= st->from && e->start_t < st->until) {
		import_add(list, n, size, e->start_t, e->start_t,
		    import_end_of(e, e->start_t), e->line);
	}
	for (p = icalcomponent_get_first_property(e->comp,
	    ICAL_RRULE_PROPERTY); p != NULL;
	    p = icalcomponent_get_next_property(e->comp,
	    ICAL_RRULE_PROPERTY)) {
		if (import_rrule(st, e, p, work, list, n, size, &why) != 0) {
			import_skipped(st, e, NULL, import_prop_line(p), "%s",
			    why);
			free(why);
			return (-1);
		}
	}
	for (p = icalcomponent_get_first_property(e->comp,
	    ICAL_RDATE_PROPERTY); p != NULL;
	    p = icalcomponent_get_next_property(e->comp,
	    ICAL_RDATE_PROPERTY)) {
		rd = icalproperty_get_rdate(p);
		tt = icalperiodtype_is_null_period(rd.period) ? rd.time :
		    rd.period.start;
		if (tt.is_date) {
			/* A date means DTSTART's time on that day. */
			tt.is_date = 0;
			tt.hour = e->start.tt.hour;
			tt.minute = e->start.tt.minute;
			tt.second = e->start.tt.second;
			tt.zone = NULL;
		}
		if (import_prop_time(st, p, tt, e->zone, &it, &why) != 0) {
			/* A date out of range cannot be in the window. */
			if (import_fields_ok(&tt, IMPORT_YEAR_MIN,
			    IMPORT_YEAR_MAX)) {
				import_skipped(st, e, NULL, import_prop_line(p),
				    "%s", why);
				free(why);
				return (-1);
			}
			free(why);
			why = NULL;
			continue;
		}
		if (it.zone == NULL)
			it.zone = e->zone;
		t = import_to_utc(it.zone, &it.tt);
		if (t < st->from || t >= st->until)
			continue;
		end = import_end_of(e, t);
		if (!icalperiodtype_is_null_period(rd.period)) {
			if (!icaltime_is_null_time(rd.period.end)) {
				if (import_prop_time(st, p, rd.period.end,
				    it.zone, &et, &why) != 0) {
					import_skipped(st, e, NULL, it.line,
					    "%s", why);
					free(why);
					return (-1);
				}
				end = import_to_utc(et.zone != NULL ? et.zone :
				    it.zone, &et.tt);
			} else {
				dur = rd.period.duration;
				end = t + (time_t)icaldurationtype_as_int(dur);
			}
			if (end <= t) {
				import_skipped(st, e, NULL, it.line, "the "
				    "RDATE period does not end after it "
				    "starts");
				return (-1);
			}
		}
		import_add(list, n, size, t, t, end, it.line);
	}
	if (*n > 1)
		qsort(*list, *n, sizeof **list, import_cmp_instance);
	for (i = j = 0; i < *n; i++) {
		if (j > 0 && (*list)[j - 1].recid == (*list)[i].recid)
			continue;
		(*list)[j++] = (*list)[i];
	}
	*n = j;
	return (0);
}

static int
import_cmp_instance(const void *a, const void *b)
{
	const struct import_instance	*x = a, *y = b;

	if (x->recid != y->recid)
		return (x->recid < y->recid ? -1 : 1);
	return (x->line < y->line ? -1 : x->line > y->line);
}

/* An event's UID, or the one made for it. */
static const char *
import_key_of(const struct import_event *e)
{
	return (e->uid != NULL ? e->uid : e->made_uid);
}

/*
 * A UID for an event without one: "nouid-" and FNV-1a (64 bit) of its
 * SUMMARY, DTSTART in UTC and LOCATION, each followed by a 0x1f byte.
 */
static char *
import_made_uid(struct import_event *e)
{
	const char	*parts[3];
	char		 when[IMPORT_RID_LEN];
	uint64_t	 h = 0xcbf29ce484222325ULL;
	size_t		 i;
	const u_char	*s;

	import_basic(e->start_t, when, sizeof when);
	parts[0] = import_text(e->comp, ICAL_SUMMARY_PROPERTY);
	parts[1] = when;
	parts[2] = import_text(e->comp, ICAL_LOCATION_PROPERTY);
	for (i = 0; i < 3; i++) {
		for (s = (const u_char *)(parts[i] != NULL ? parts[i] : "");
		    *s != '\0'; s++) {
			h ^= *s;
			h *= 0x100000001b3ULL;
		}
		h ^= 0x1f;
		h *= 0x100000001b3ULL;
	}
	return (xprintf("nouid-%016llx", (unsigned long long)h));
}

void
import_skipped(struct import_state *st, const struct import_event *e,
    const char *key, int line, const char *fmt, ...)
{
	struct import_skip	*s;
	va_list			 ap;
	char			*text, rid[IMPORT_RID_LEN];

	if (st->nskips == st->skipsize) {
		st->skipsize = st->skipsize == 0 ? 16 : st->skipsize * 2;
		st->skips = xreallocarray(st->skips, st->skipsize,
		    sizeof *st->skips);
	}
	if (line == 0)
		line = e->line;
	s = &st->skips[st->nskips];
	s->order = st->nskips++;
	s->line = line;
	if (key != NULL)
		s->key = xstrdup(key);
	else if (e->uid != NULL && e->recid_ok) {
		import_basic(e->recid, rid, sizeof rid);
		s->key = xprintf("%s/%s", e->uid, rid);
	} else if (e->uid != NULL)
		s->key = xstrdup(e->uid);
	else
		s->key = xprintf("line %d", e->line);
	va_start(ap, fmt);
	xvasprintf(&text, fmt, ap);
	va_end(ap);
	s->reason = xprintf("line %d: %s", line, text);
	free(text);
}

/*
 * Adds an occurrence to the result, its text from e or, where e has none,
 * from master. Takes key. Fails once there would be more than max.
 */
static int
import_emit(struct import_state *st, struct import_event *e,
    struct import_event *master, char *key, time_t start, time_t end,
    int cancelled)
{
	struct cal_import_event	*o;
	const char		*s;
	char			*a, *b;
	icalproperty_kind	 kinds[3] = { ICAL_SUMMARY_PROPERTY,
	    ICAL_DESCRIPTION_PROPERTY, ICAL_LOCATION_PROPERTY };
	char			**fields[3];
	int			 i;

	if (st->nout == st->max) {
		a = import_when(icaltimezone_get_utc_timezone(), st->from);
		b = import_when(icaltimezone_get_utc_timezone(), st->until);
		cause_set(&st->cause, "line %d: the file gives more than the "
		    "%zu sessions taken in one import between %s and %s; "
		    "choose a shorter period (from, to)", e->line, st->max, a,
		    b);
		free(a);
		free(b);
		free(key);
		return (-1);
	}
	if (st->nout == st->outsize) {
		st->outsize = st->outsize == 0 ? 16 : st->outsize * 2;
		st->out = xreallocarray(st->out, st->outsize,
		    sizeof *st->out);
	}
	o = &st->out[st->nout++];
	memset(o, 0, sizeof *o);
	o->key = key;
	o->uid = xstrdup(import_key_of(master != NULL ? master : e));
	o->start = start;
	o->end = end;
	o->cancelled = cancelled;
	fields[0] = &o->summary;
	fields[1] = &o->description;
	fields[2] = &o->location;
	for (i = 0; i < 3; i++) {
		s = import_text(e->comp, kinds[i]);
		if (s == NULL && master != NULL)
			s = import_text(master->comp, kinds[i]);
		if (s != NULL)
			*fields[i] = xstrdup(s);
	}
	return (0);
}

static int
import_cancelled(icalcomponent *c, int dflt)
{
	icalproperty	*p;

	if ((p = icalcomponent_get_first_property(c,
	    ICAL_STATUS_PROPERTY)) == NULL)
		return (dflt);
	return (icalproperty_get_status(p) == ICAL_STATUS_CANCELLED);
}

/*
 * Reads a master (an event without RECURRENCE-ID) and emits its
 * occurrences in the window, or skips it with the reason.
 */
int
import_master(struct import_state *st, size_t idx)
{
	struct import_event	*e = &st->events[idx], *o;
	icalproperty		*p, *pe, *pd;
	struct import_time	 end;
	struct import_instance	*list = NULL;
	struct icaldurationtype	 dur;
	struct icaltimetype	 tt;
	unsigned long		 work = 0;
	size_t			 n = 0, size = 0, i, k, ne;
	time_t			 end_t;
	char			*why = NULL, *a, *b, rid[IMPORT_RID_LEN];
	int			 cancelled, rc = 0;

	if (import_count(e->comp, ICAL_DTSTART_PROPERTY) != 1) {
		import_skipped(st, e, NULL, 0, "the event needs exactly one "
		    "DTSTART");
		return (0);
	}
	if (import_count(e->comp, ICAL_DTEND_PROPERTY) > 1 ||
	    import_count(e->comp, ICAL_DURATION_PROPERTY) > 1) {
		import_skipped(st, e, NULL, 0, "the event has more than one "
		    "DTEND or DURATION");
		return (0);
	}
	if (icalcomponent_get_first_property(e->comp,
	    ICAL_EXRULE_PROPERTY) != NULL) {
		import_skipped(st, e, NULL, 0, "EXRULE is not supported (RFC "
		    "5545 dropped it); list the dates with EXDATE");
		return (0);
	}
	p = icalcomponent_get_first_property(e->comp, ICAL_DTSTART_PROPERTY);
	tt = icalproperty_get_dtstart(p);
	if (tt.is_date) {
		import_skipped(st, e, NULL, import_prop_line(p), "all-day "
		    "event; a session needs a start and an end time");
		return (0);
	}
	if (import_prop_time(st, p, tt, st->floating, &e->start, &why) != 0) {
		import_skipped(st, e, NULL, import_prop_line(p), "%s", why);
		free(why);
		return (0);
	}
	e->zone = e->start.zone;
	e->start_t = import_to_utc(e->zone, &e->start.tt);

	pe = icalcomponent_get_first_property(e->comp, ICAL_DTEND_PROPERTY);
	pd = icalcomponent_get_first_property(e->comp,
	    ICAL_DURATION_PROPERTY);
	if (pe != NULL) {
		tt = icalproperty_get_dtend(pe);
		if (tt.is_date) {
			import_skipped(st, e, NULL, import_prop_line(pe),
			    "DTEND is a date, but DTSTART has a time");
			return (0);
		}
		if (import_prop_time(st, pe, tt, e->zone, &end, &why) != 0) {
			import_skipped(st, e, NULL, import_prop_line(pe), "%s",
			    why);
			free(why);
			return (0);
		}
		end_t = import_to_utc(end.zone, &end.tt);
		if (end_t <= e->start_t) {
			a = import_when(e->zone, e->start_t);
			b = import_when(end.zone, end_t);
			import_skipped(st, e, NULL, import_prop_line(pe),
			    "DTEND %s is not after DTSTART %s", b, a);
			free(a);
			free(b);
			return (0);
		}
		e->length.seconds = end_t - e->start_t;
	} else if (pd != NULL) {
		dur = icalproperty_get_duration(pd);
		if (dur.is_neg || icaldurationtype_as_int(dur) <= 0 ||
		    dur.weeks > 52 || dur.days > 366) {
			import_skipped(st, e, NULL, import_prop_line(pd),
			    "DURATION must be positive and at most a year");
			return (0);
		}
		e->length.nominal = 1;
		e->length.days = (int)(dur.weeks * 7 + dur.days);
		e->length.seconds = (time_t)dur.hours * 3600 +
		    (time_t)dur.minutes * 60 + dur.seconds;
	} else {
		import_skipped(st, e, NULL, 0, "the event has neither DTEND "
		    "nor DURATION, so its sessions would have no end");
		return (0);
	}
	if (e->uid == NULL)
		e->made_uid = import_made_uid(e);

	/* EXDATEs: instants, or local dates for VALUE=DATE. */
	ne = import_count(e->comp, ICAL_EXDATE_PROPERTY);
	e->exdates = xcalloc(ne + 1, sizeof *e->exdates);
	for (p = icalcomponent_get_first_property(e->comp,
	    ICAL_EXDATE_PROPERTY); p != NULL;
	    p = icalcomponent_get_next_property(e->comp,
	    ICAL_EXDATE_PROPERTY)) {
		struct import_time	 x;
		struct import_exdate	*d = &e->exdates[e->nexdates];

		tt = icalproperty_get_exdate(p);
		if (import_prop_time(st, p, tt, e->zone, &x, &why) != 0) {
			free(why);
			why = NULL;
			if (!import_fields_ok(&tt, IMPORT_YEAR_MIN,
			    IMPORT_YEAR_MAX))
				continue;	/* cannot match anything */
			import_skipped(st, e, NULL, import_prop_line(p),
			    "EXDATE: unknown time zone, so the dates it "
			    "removes are unknown");
			return (0);
		}
		if (tt.is_date) {
			d->is_date = 1;
			d->t = tt.year * 10000 + tt.month * 100 + tt.day;
		} else
			d->t = import_to_utc(x.zone, &x.tt);
		e->nexdates++;
	}
	if (e->nexdates > 1) {
		qsort(e->exdates, e->nexdates, sizeof *e->exdates,
		    import_cmp_time);
	}

	e->recurring = icalcomponent_get_first_property(e->comp,
	    ICAL_RRULE_PROPERTY) != NULL || icalcomponent_get_first_property(
	    e->comp, ICAL_RDATE_PROPERTY) != NULL;
	if (import_expand(st, e, &work, &list, &n, &size) != 0) {
		free(list);
		return (0);
	}
	e->expanded = 1;

	cancelled = import_cancelled(e->comp, 0);
	for (i = 0; i < n && rc == 0; i++) {
		if (import_excluded(e, list[i].recid))
			continue;
		/* An override replaces the generated occurrence. */
		k = import_find_override(st, import_key_of(e), list[i].recid);
		if (k != SIZE_MAX) {
			o = &st->events[k];
			if (!o->skipped && o->master == idx)
				continue;
		}
		if (e->recurring) {
			import_basic(list[i].recid, rid, sizeof rid);
			rc = import_emit(st, e, NULL, xprintf("%s/%s",
			    import_key_of(e), rid), list[i].start, list[i].end,
			    cancelled);
		} else {
			rc = import_emit(st, e, NULL, xstrdup(import_key_of(e)),
			    list[i].start, list[i].end, cancelled);
		}
	}
	free(list);
	return (rc);
}

/*
 * The override (same UID, a RECURRENCE-ID) at recid, or SIZE_MAX. Of
 * several, the first in the file; the others are skipped.
 */
static size_t
import_find_override(struct import_state *st, const char *uid, time_t recid)
{
	struct import_ref	 key;
	size_t			 lo = 0, hi = st->noverrides, mid;

	key.uid = uid;
	key.recid = recid;
	key.line = 0;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (import_cmp_ref(&st->overrides[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == st->noverrides ||
	    strcmp(st->overrides[lo].uid, uid) != 0 ||
	    st->overrides[lo].recid != recid)
		return (SIZE_MAX);
	return (st->overrides[lo].idx);
}

/* By UID, then RECURRENCE-ID, then line. */
int
import_cmp_ref(const void *a, const void *b)
{
	const struct import_ref	*x = a, *y = b;
	int			 c;

	if ((c = strcmp(x->uid, y->uid)) != 0)
		return (c);
	if (x->recid != y->recid)
		return (x->recid < y->recid ? -1 : 1);
	return (x->line < y->line ? -1 : x->line > y->line);
}

/* Emits an override (an event with RECURRENCE-ID), or skips it. */
int
import_override(struct import_state *st, size_t idx)
{
	struct import_event	*e = &st->events[idx], *m = NULL;
	icalproperty		*p, *pe, *pd;
	struct import_time	 start, end;
	struct icaltimetype	 tt;
	struct icaldurationtype	 dur;
	icaltimezone		*zone;
	time_t			 s, t;
	char			*why = NULL, rid[IMPORT_RID_LEN], *key;
	int			 length_known = 0;

	if (e->skipped)
		return (0);
	if (e->master != SIZE_MAX) {
		m = &st->events[e->master];
		if (!m->expanded) {
			import_skipped(st, e, NULL, 0, "the series it changes "
			    "(line %d) was skipped", m->line);
			return (0);
		}
		if (import_excluded(m, e->recid)) {
			import_skipped(st, e, NULL, 0, "an EXDATE of the "
			    "series (line %d) removes this occurrence",
			    m->line);
			return (0);
		}
	}
	if (import_count(e->comp, ICAL_DTSTART_PROPERTY) > 1 ||
	    import_count(e->comp, ICAL_DTEND_PROPERTY) > 1 ||
	    import_count(e->comp, ICAL_DURATION_PROPERTY) > 1) {
		import_skipped(st, e, NULL, 0, "the event has more than one "
		    "DTSTART, DTEND or DURATION");
		return (0);
	}
	zone = m != NULL ? m->zone : st->floating;

	/* Without a DTSTART of its own the occurrence keeps its time. */
	if ((p = icalcomponent_get_first_property(e->comp,
	    ICAL_DTSTART_PROPERTY)) != NULL) {
		tt = icalproperty_get_dtstart(p);
		if (tt.is_date) {
			import_skipped(st, e, NULL, import_prop_line(p),
			    "all-day event; a session needs a start and an end "
			    "time");
			return (0);
		}
		if (import_prop_time(st, p, tt, zone, &start, &why) != 0) {
			import_skipped(st, e, NULL, import_prop_line(p), "%s",
			    why);
			free(why);
			return (0);
		}
		zone = start.zone;
		s = import_to_utc(zone, &start.tt);
	} else
		s = e->recid;

	pe = icalcomponent_get_first_property(e->comp, ICAL_DTEND_PROPERTY);
	pd = icalcomponent_get_first_property(e->comp,
	    ICAL_DURATION_PROPERTY);
	if (pe != NULL) {
		tt = icalproperty_get_dtend(pe);
		if (tt.is_date || import_prop_time(st, pe, tt, zone, &end,
		    &why) != 0) {
			import_skipped(st, e, NULL, import_prop_line(pe), "%s",
			    why != NULL ? why : "DTEND is a date, but DTSTART "
			    "has a time");
			free(why);
			return (0);
		}
		t = import_to_utc(end.zone, &end.tt);
		length_known = 1;
	} else if (pd != NULL) {
		dur = icalproperty_get_duration(pd);
		if (dur.is_neg || icaldurationtype_as_int(dur) <= 0 ||
		    dur.weeks > 52 || dur.days > 366) {
			import_skipped(st, e, NULL, import_prop_line(pd),
			    "DURATION must be positive and at most a year");
			return (0);
		}
		tt = import_to_local(zone, s);
		icaltime_adjust(&tt, (int)(dur.weeks * 7 + dur.days), 0, 0, 0);
		t = import_to_utc(zone, &tt) + (time_t)dur.hours * 3600 +
		    (time_t)dur.minutes * 60 + dur.seconds;
		length_known = 1;
	} else if (m != NULL)
		t = import_end_of(m, s);
	else
		t = s;
	if (!length_known && m == NULL) {
		import_skipped(st, e, NULL, 0, "the event has neither DTEND "
		    "nor DURATION, so the session would have no end");
		return (0);
	}
	if (t <= s) {
		import_skipped(st, e, NULL,
		    pe != NULL ? import_prop_line(pe) : 0, "the occurrence "
		    "does not end after it starts");
		return (0);
	}
	if (s < st->from || s >= st->until)
		return (0);

	import_basic(e->recid, rid, sizeof rid);
	if (m != NULL && !m->recurring && e->recid == m->start_t)
		key = xstrdup(e->uid);
	else
		key = xprintf("%s/%s", e->uid, rid);
	return (import_emit(st, e, m, key, s, t, import_cancelled(e->comp,
	    m != NULL ? import_cancelled(m->comp, 0) : 0)));
}
