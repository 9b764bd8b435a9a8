/*
 * Sessions from a calendar file: the VEVENTs of an .ics file expanded into
 * occurrences in a window of time.
 *
 * Reading happens in two passes. The first unfolds the text into content
 * lines itself, so it knows the line each one starts on, checks their
 * syntax and the nesting of BEGIN and END, and hands libical's parser only
 * what import uses: VCALENDAR, VEVENT and VTIMEZONE with the properties
 * that decide when an event takes place and what it is called. Alarms,
 * to-dos, attendees and the X- properties of every app are checked for
 * syntax and otherwise left alone, so a quirk there cannot refuse a file.
 * Each line handed to libical carries an X-KURSUS-LINE parameter (each
 * component an X-KURSUS-LINE property) with its line number, so later
 * messages can name it. Anything libical cannot read refuses the whole
 * file with that line; nothing is returned then.
 *
 * The second pass resolves time zones (the file's own VTIMEZONE, an IANA
 * name, possibly behind a "/vendor/" prefix, a Windows name, UTC, or
 * floating times read in default_tzid; X-WR-TIMEZONE is not used),
 * expands each event in the wall-clock time of its own zone with libical's
 * recurrence iterator, adds RDATEs, removes EXDATEs, and lets overridden
 * occurrences (same UID and a RECURRENCE-ID) replace the generated ones.
 * Local times are read as RFC 5545 says: the repeated autumn hour is its
 * first pass, a time in the spring gap takes the offset from before it.
 * Events that cannot become sessions (all-day, no end, an unknown zone, a
 * rule finer than daily or one that never matches) are listed as skips
 * with a reason. More than max occurrences in the window refuse the whole
 * file. Work is bounded: libical has slow paths (it searches thousands of
 * years for a rule that never matches), so each rule and each VTIMEZONE is
 * checked before libical iterates it, and an event that would need more
 * than its share of a fixed allowance is skipped.
 *
 * Keys: a one-off event's key is its UID; each occurrence of a recurring
 * event (RRULE or RDATE) is UID "/" RECURRENCE-ID, the original start of
 * the occurrence in UTC basic format ("20261201T090000Z"), which an
 * overridden occurrence keeps when it moves. An event without a UID gets
 * "nouid-" and 16 hex digits of a 64-bit FNV-1a hash of its SUMMARY, its
 * DTSTART (as a UTC instant) and its LOCATION: importing the same file
 * again finds the same sessions, while a changed copy of such an event is
 * a new one (there is nothing else to recognise it by).
 *
 * The files: import-lex.c reads the text (the first pass), import-zone.c
 * resolves time zones and reads times, import-expand.c expands each event
 * into its occurrences; this one collects the events, pairs overrides with
 * their series and puts the result together.
 */
#include "config.h"

#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libical/ical.h>

#include "calendars.h"
#include "import-private.h"
#include "cause.h"
#include "xmalloc.h"

/* Bigger files are refused before anything is read. */
#define IMPORT_SIZE_MAX		(4 * 1024 * 1024)
#define IMPORT_UID_MAX		1024

static void	 import_collect(struct import_state *, icalcomponent **,
		    size_t);
static int	 import_cmp_tzdef(const void *, const void *);
static int	 import_cmp_out(const void *, const void *);
static int	 import_cmp_skip(const void *, const void *);
static void	 import_pair(struct import_state *);
static void	 import_state_free(struct import_state *);

/* The VEVENTs and VTIMEZONEs of every VCALENDAR read. */
static void
import_collect(struct import_state *st, icalcomponent **roots, size_t nroots)
{
	icalcomponent		*c;
	icalproperty		*p;
	struct import_event	*e;
	struct import_tzdef	*z;
	size_t			 i, nev = 0, ntz = 0;
	int			 line;

	for (i = 0; i < nroots; i++) {
		for (c = icalcomponent_get_first_component(roots[i],
		    ICAL_ANY_COMPONENT); c != NULL;
		    c = icalcomponent_get_next_component(roots[i],
		    ICAL_ANY_COMPONENT)) {
			switch (icalcomponent_isa(c)) {
			case ICAL_VEVENT_COMPONENT:
				nev++;
				break;
			case ICAL_VTIMEZONE_COMPONENT:
				ntz++;
				break;
			default:
				break;
			}
		}
	}
	st->events = xcalloc(nev + 1, sizeof *st->events);
	st->tzdefs = xcalloc(ntz + 1, sizeof *st->tzdefs);
	for (i = 0; i < nroots; i++) {
		for (c = icalcomponent_get_first_component(roots[i],
		    ICAL_ANY_COMPONENT); c != NULL;
		    c = icalcomponent_get_next_component(roots[i],
		    ICAL_ANY_COMPONENT)) {
			line = import_comp_line(c);
			if (icalcomponent_isa(c) == ICAL_VTIMEZONE_COMPONENT) {
				p = icalcomponent_get_first_property(c,
				    ICAL_TZID_PROPERTY);
				if (p == NULL || icalproperty_get_tzid(p) ==
				    NULL)
					continue;
				z = &st->tzdefs[st->ntzdefs++];
				z->tzid = icalproperty_get_tzid(p);
				z->comp = c;
				z->line = line;
				continue;
			}
			if (icalcomponent_isa(c) != ICAL_VEVENT_COMPONENT)
				continue;
			e = &st->events[st->nevents++];
			e->comp = c;
			e->line = line;
			e->master = SIZE_MAX;
			e->uid = import_text(c, ICAL_UID_PROPERTY);
			if (e->uid != NULL && *e->uid == '\0')
				e->uid = NULL;
			if (e->uid != NULL && strlen(e->uid) > IMPORT_UID_MAX) {
				e->uid = NULL;
				e->skipped = 1;
				import_skipped(st, e, NULL, 0, "the UID is "
				    "longer than %d bytes", IMPORT_UID_MAX);
			}
			e->has_recid = (icalcomponent_get_first_property(c,
			    ICAL_RECURRENCEID_PROPERTY) != NULL);
		}
	}
	/* The first VTIMEZONE of a TZID counts. */
	if (st->ntzdefs > 1) {
		qsort(st->tzdefs, st->ntzdefs, sizeof *st->tzdefs,
		    import_cmp_tzdef);
	}
}

static int
import_cmp_tzdef(const void *a, const void *b)
{
	const struct import_tzdef	*x = a, *y = b;
	int				 c;

	if ((c = strcmp(x->tzid, y->tzid)) != 0)
		return (c);
	return (x->line < y->line ? -1 : x->line > y->line);
}

static int
import_cmp_out(const void *a, const void *b)
{
	const struct cal_import_event	*x = a, *y = b;

	if (x->start != y->start)
		return (x->start < y->start ? -1 : 1);
	return (strcmp(x->key, y->key));
}

static int
import_cmp_skip(const void *a, const void *b)
{
	const struct import_skip	*x = a, *y = b;

	if (x->line != y->line)
		return (x->line < y->line ? -1 : 1);
	return (x->order < y->order ? -1 : x->order > y->order);
}

/*
 * Pairs each override with its master (same UID, no RECURRENCE-ID),
 * works out its RECURRENCE-ID, and skips repeated masters and overrides.
 */
static void
import_pair(struct import_state *st)
{
	struct import_event	*e, *m;
	icalproperty		*p;
	icalparameter		*range;
	struct icaltimetype	 tt;
	struct import_time	 rt;
	struct import_ref	*masters, *ref, key;
	size_t			 nmasters = 0, i, lo, hi, mid;
	char			*why = NULL;

	masters = xcalloc(st->nevents + 1, sizeof *masters);
	st->overrides = xcalloc(st->nevents + 1, sizeof *st->overrides);
	for (i = 0; i < st->nevents; i++) {
		e = &st->events[i];
		if (e->uid == NULL || e->has_recid || e->skipped)
			continue;
		ref = &masters[nmasters++];
		ref->uid = e->uid;
		ref->recid = 0;
		ref->line = e->line;
		ref->idx = i;
	}
	qsort(masters, nmasters, sizeof *masters, import_cmp_ref);
	for (i = 1; i < nmasters; i++) {
		if (strcmp(masters[i].uid, masters[i - 1].uid) != 0)
			continue;
		e = &st->events[masters[i].idx];
		e->skipped = 1;
		import_skipped(st, e, NULL, 0, "another event with this UID, "
		    "on line %d, comes first", masters[i - 1].line);
	}

	for (i = 0; i < st->nevents; i++) {
		e = &st->events[i];
		if (!e->has_recid || e->skipped)
			continue;
		if (e->uid == NULL) {
			import_skipped(st, e, NULL, 0, "RECURRENCE-ID without "
			    "a UID cannot be matched with its series");
			e->skipped = 1;
			continue;
		}
		key.uid = e->uid;
		key.recid = 0;
		key.line = 0;
		lo = 0;
		hi = nmasters;
		while (lo < hi) {
			mid = lo + (hi - lo) / 2;
			if (import_cmp_ref(&masters[mid], &key) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		m = NULL;
		if (lo < nmasters && strcmp(masters[lo].uid, e->uid) == 0) {
			e->master = masters[lo].idx;
			m = &st->events[e->master];
		}

		p = icalcomponent_get_first_property(e->comp,
		    ICAL_RECURRENCEID_PROPERTY);
		if (icalcomponent_get_next_property(e->comp,
		    ICAL_RECURRENCEID_PROPERTY) != NULL) {
			import_skipped(st, e, NULL, import_prop_line(p), "the "
			    "event has more than one RECURRENCE-ID");
			e->skipped = 1;
			continue;
		}
		range = icalproperty_get_first_parameter(p,
		    ICAL_RANGE_PARAMETER);
		if (range != NULL) {
			import_skipped(st, e, NULL, import_prop_line(p),
			    "RANGE=THISANDFUTURE is not supported; change the "
			    "series itself");
			e->skipped = 1;
			continue;
		}
		tt = icalproperty_get_recurrenceid(p);
		if (tt.is_date && m != NULL) {
			/*
			 * A date names the occurrence on that day, at the
			 * series' time (the master's DTSTART as written).
			 */
			struct icaltimetype	ms;

			ms = icalproperty_get_dtstart(
			    icalcomponent_get_first_property(m->comp,
			    ICAL_DTSTART_PROPERTY));
			if (!ms.is_date) {
				tt.is_date = 0;
				tt.hour = ms.hour;
				tt.minute = ms.minute;
				tt.second = ms.second;
				tt.zone = ms.zone;
			}
		}
		if (tt.is_date) {
			import_skipped(st, e, NULL, import_prop_line(p),
			    "all-day occurrence; a session needs a start and "
			    "an end time");
			e->skipped = 1;
			continue;
		}
		if (import_prop_time(st, p, tt, NULL, &rt, &why) != 0) {
			import_skipped(st, e, NULL, import_prop_line(p), "%s",
			    why);
			free(why);
			why = NULL;
			e->skipped = 1;
			continue;
		}
		if (rt.zone == NULL) {
			/* Floating: in the series' zone, once known. */
			if (m != NULL) {
				p = icalcomponent_get_first_property(m->comp,
				    ICAL_DTSTART_PROPERTY);
				if (import_prop_time(st, p,
				    icalproperty_get_dtstart(p), st->floating,
				    &rt, &why) != 0 || rt.zone == NULL) {
					free(why);
					why = NULL;
					rt.zone = st->floating;
				}
			} else
				rt.zone = st->floating;
			rt.tt = tt;
		}
		e->recid = import_to_utc(rt.zone, &rt.tt);
		e->recid_ok = 1;
		ref = &st->overrides[st->noverrides++];
		ref->uid = e->uid;
		ref->recid = e->recid;
		ref->line = e->line;
		ref->idx = i;
	}
	qsort(st->overrides, st->noverrides, sizeof *st->overrides,
	    import_cmp_ref);
	for (i = 1; i < st->noverrides; i++) {
		if (import_cmp_ref(&st->overrides[i], &st->overrides[i - 1]) ==
		    0 || strcmp(st->overrides[i].uid,
		    st->overrides[i - 1].uid) != 0 ||
		    st->overrides[i].recid != st->overrides[i - 1].recid)
			continue;
		e = &st->events[st->overrides[i].idx];
		e->skipped = 1;
		import_skipped(st, e, NULL, 0, "another event with this UID "
		    "and RECURRENCE-ID, on line %d, comes first",
		    st->overrides[i - 1].line);
	}
	free(masters);
}

static void
import_state_free(struct import_state *st)
{
	size_t	i;

	for (i = 0; i < st->nzones; i++) {
		if (st->zones[i].owned)
			icaltimezone_free(st->zones[i].zone, 1);
		free(st->zones[i].tzid);
		free(st->zones[i].why);
	}
	for (i = 0; i < st->nevents; i++) {
		free(st->events[i].made_uid);
		free(st->events[i].exdates);
	}
	free(st->events);
	free(st->tzdefs);
	free(st->overrides);
	for (i = 0; i < st->nout; i++) {
		free(st->out[i].key);
		free(st->out[i].uid);
		free(st->out[i].summary);
		free(st->out[i].description);
		free(st->out[i].location);
	}
	free(st->out);
	for (i = 0; i < st->nskips; i++) {
		free(st->skips[i].key);
		free(st->skips[i].reason);
	}
	free(st->skips);
	free(st->cause);
}

int
import_parse(const char *text, size_t len, const char *default_tzid,
    time_t from, time_t until, size_t max, struct cal_import **out,
    char **cause)
{
	struct import_state	 st;
	struct cal_import	*imp;
	icalcomponent		**roots = NULL;
	icalerrorstate		 es;
	size_t			 nroots = 0, i;
	int			 rc = -1;

	*out = NULL;
	memset(&st, 0, sizeof st);
	if (len > IMPORT_SIZE_MAX) {
		return (cause_set(cause, "the file is larger than %d MiB",
		    IMPORT_SIZE_MAX / (1024 * 1024)));
	}
	if ((st.floating = import_builtin(default_tzid)) == NULL) {
		return (cause_set(cause, "unknown time zone \"%s\" for "
		    "floating times", default_tzid == NULL ? "" :
		    default_tzid));
	}
	st.from = from;
	st.until = until;
	st.max = max;

	/*
	 * libical reports malformed data through icalerrno, and would abort
	 * on it if built to treat errors as fatal: make that error
	 * non-fatal while reading, as icalparser_parse() does.
	 */
	es = icalerror_get_error_state(ICAL_MALFORMEDDATA_ERROR);
	icalerror_set_error_state(ICAL_MALFORMEDDATA_ERROR,
	    ICAL_ERROR_NONFATAL);
	if (import_lex(text, len, &roots, &nroots, cause) != 0)
		goto done;
	import_collect(&st, roots, nroots);

	import_pair(&st);
	for (i = 0; i < st.nevents; i++) {
		if (st.events[i].skipped || st.events[i].has_recid)
			continue;
		if (import_master(&st, i) != 0)
			goto fail;
	}
	for (i = 0; i < st.nevents; i++) {
		if (!st.events[i].has_recid)
			continue;
		if (import_override(&st, i) != 0)
			goto fail;
	}

	imp = xcalloc(1, sizeof *imp);
	if (st.nout > 1)
		qsort(st.out, st.nout, sizeof *st.out, import_cmp_out);
	imp->events = st.out;
	imp->nevents = st.nout;
	st.out = NULL;
	st.nout = 0;
	if (st.nskips > 1)
		qsort(st.skips, st.nskips, sizeof *st.skips, import_cmp_skip);
	imp->skips = xcalloc(st.nskips + 1, sizeof *imp->skips);
	for (i = 0; i < st.nskips; i++) {
		imp->skips[i].key = st.skips[i].key;
		imp->skips[i].reason = st.skips[i].reason;
	}
	imp->nskips = st.nskips;
	st.nskips = 0;
	*out = imp;
	rc = 0;
	goto done;

fail:
	if (cause != NULL) {
		*cause = st.cause;
		st.cause = NULL;
	}
done:
	import_state_free(&st);
	import_lex_free(roots, nroots);
	icalerror_set_error_state(ICAL_MALFORMEDDATA_ERROR, es);
	icalerror_clear_errno();
	return (rc);
}

void
import_free(struct cal_import *imp)
{
	size_t	i;

	if (imp == NULL)
		return;
	for (i = 0; i < imp->nevents; i++) {
		free(imp->events[i].key);
		free(imp->events[i].uid);
		free(imp->events[i].summary);
		free(imp->events[i].description);
		free(imp->events[i].location);
	}
	free(imp->events);
	for (i = 0; i < imp->nskips; i++) {
		free(imp->skips[i].key);
		free(imp->skips[i].reason);
	}
	free(imp->skips);
	free(imp);
}
