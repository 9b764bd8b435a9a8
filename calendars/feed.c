#include "config.h"

#include <sys/types.h>

#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libical/ical.h>

#include "buf.h"
#include "calendars.h"
#include "calendars-private.h"
#include "utf8.h"
#include "xmalloc.h"

/*
 * iCalendar feeds. The VEVENTs, thousands to a feed, are written as text
 * by feed_event() (see there), byte for byte what libical would write.
 * Everything else is built with libical, and libical writes every value
 * and parameter (the escaping of TEXT, the quoting of parameters, dates,
 * rules, offsets). feed_write() puts the lines together itself instead of
 * calling icalcomponent_as_ical_string_r(), for speed (see
 * feed_property()) and because libical 3.0.16 gets these wrong:
 *
 * - CATEGORIES and X- properties are TEXT, but libical leaves their commas
 *   and semicolons unescaped (for CATEGORIES a comma separates values; we
 *   write one category, so "Borger.dk, NemID" must not become two).
 * - Its folding counts the line's CR LF as text and can cut it in two
 *   ("...z\r\r\n \n": a bare CR and a bare LF) or leave a continuation
 *   line holding only the space; it also cuts escapes such as "\," in
 *   two. It does not split UTF-8 characters. We fold at 75 octets, never
 *   inside a UTF-8 character or an escape.
 *
 * Text from the caller is cleaned first (feed_clean): invalid UTF-8 becomes
 * U+FFFD, CR LF and lone CR become LF, other control bytes a space, so no
 * control byte reaches the output.
 */

#define FEED_LINE_MAX		75	/* octets in a line, before CR LF */
#define FEED_ALARM_MAX		(28 * 24 * 60)	/* minutes: four weeks */
#define FEED_REFRESH_DEFAULT	60	/* minutes */
#define FEED_REFRESH_MAX	(7 * 24 * 60)
#define FEED_YEAR_MIN		1970	/* no VTIMEZONE history before this */
#define FEED_YEAR_MAX		2500	/* as zone.c */
#define FEED_ZONE_CACHE		16
#define FEED_TZID_MAX		64	/* as zone.c */

/* One zone's compact VTIMEZONE for a range of years, as folded text. */
struct feed_zone {
	char	 tzid[FEED_TZID_MAX + 1];
	int	 from_year, until_year;
	char	*text;
	size_t	 len;
};

/*
 * VTIMEZONE text is cached: building it costs libical a few hundred
 * microseconds and a feed needs it on every render. The cache is a small
 * static array, replaced round-robin, so it stays bounded and reachable.
 */
static struct feed_zone	 feed_zones[FEED_ZONE_CACHE];
static u_int		 feed_zones_next;
static pthread_mutex_t	 feed_zones_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t	 feed_geo_lock = PTHREAD_MUTEX_INITIALIZER;

static size_t		 feed_char(const char *, size_t);
static size_t		 feed_unit(const char *, size_t);
static const char	*feed_clean(const char *, char **);
static char		*feed_clean_uri(const char *);
static void		 feed_property(struct buf *, struct buf *,
			    icalproperty *);
static void		 feed_component(struct buf *, struct buf *,
			    icalcomponent *);
static void		 feed_write(struct buf *, icalcomponent *);
static icaltimezone	*feed_find_zone(const char *);
static icalproperty	*feed_time(icalproperty *(*)(struct icaltimetype),
			    time_t, const char *);
static icalproperty	*feed_utc(icalproperty *(*)(struct icaltimetype),
			    time_t);
static void		 feed_add_text(icalcomponent *,
			    icalproperty *(*)(const char *), const char *);
static icalproperty	*feed_x(const char *, const char *);
static char		*feed_summary(const struct cal_event *, const char *);
struct feed_out;
static void		 feed_out_ascii(struct feed_out *, const char *,
			    size_t);
static void		 feed_out_str(struct feed_out *, const char *);
static void		 feed_out_unit(struct feed_out *, const char *, size_t);
static void		 feed_out_end(struct feed_out *);
static void		 feed_out_text(struct feed_out *, const char *);
static void		 feed_digits(char *, int, int);
static void		 feed_out_int(struct feed_out *, int);
static void		 feed_civil(int64_t, struct cal_local *);
static void		 feed_out_stamp(struct feed_out *,
			    const struct cal_local *, int);
static void		 feed_out_value(struct feed_out *, icalproperty *);
static void		 feed_out_utc(struct feed_out *, time_t);
static int		 feed_plain_tzid(const char *);
static void		 feed_out_time(struct feed_out *, const char *, time_t,
			    const char *, icaltimezone *);
static size_t		 feed_float(char *, size_t, double);
static void		 feed_out_geo(struct feed_out *, double, double);
static int		 feed_year(time_t);
static int		 feed_same_rule(icalproperty *, icalproperty *);
static icalcomponent	**feed_vtz_list(icalcomponent *, size_t *);
static int		 feed_vtz_from(icalcomponent *);
static int		 feed_vtz_to(icalcomponent *);
static void		 feed_vtz_remove(icalcomponent *, icalcomponent **,
			    size_t);
static void		 feed_vtz_merge(icalcomponent *);
static void		 feed_vtz_prune(icalcomponent *, int);
static int		 feed_vtz_check(icalcomponent *);
static int		 feed_vtz_same(icaltimezone *, icaltimezone *, time_t);
static int		 feed_vtz_verify(icalcomponent *, icaltimezone *, int,
			    int);
static void		 feed_vtz_rename(icalcomponent *, const char *);
static char		*feed_vtimezone(const char *, icaltimezone *, int, int,
			    size_t *);
static char		*feed_zone_text(const char *, int, int, size_t *);

/* Octets in the UTF-8 character at s, by its first octet. */
static size_t
feed_char(const char *s, size_t left)
{
	u_char	c = (u_char)s[0];
	size_t	n;

	if (c < 0xc0)
		n = 1;
	else if (c < 0xe0)
		n = 2;
	else if (c < 0xf0)
		n = 3;
	else
		n = 4;
	return (n < left ? n : left);
}

/*
 * Octets that must stay on one line from s: a UTF-8 character, or a
 * backslash with the character it escapes.
 */
static size_t
feed_unit(const char *s, size_t left)
{
	if (s[0] == '\\' && left > 1)
		return (1 + feed_char(s + 1, left - 1));
	return (feed_char(s, left));
}

/*
 * s fit for a TEXT value: well-formed UTF-8, LF as the only line break,
 * tab kept, other control bytes replaced by a space. Returns s itself when
 * it is fine as it is (nearly always), else a cleaned copy, also left in
 * *copy for the caller to free.
 */
static const char *
feed_clean(const char *s, char **copy)
{
	const u_char	*p = (const u_char *)s;
	size_t		 len, i, n;
	char		*o;

	*copy = NULL;
	len = strlen(s);
	for (i = 0; i < len; i += n) {
		if ((p[i] >= 0x20 && p[i] < 0x7f) || p[i] == '\n' ||
		    p[i] == '\t')
			n = 1;
		else if ((n = utf8_char_len(p + i, len - i)) <= 1)
			break;
	}
	if (i >= len)
		return (s);

	/* U+FFFD is three octets for every bad one. */
	o = *copy = xmalloc(len * 3 + 1);
	memcpy(o, s, i);
	o += i;
	while (i < len) {
		if (p[i] == '\r') {
			*o++ = '\n';
			i += (p[i + 1] == '\n') ? 2 : 1;
			continue;
		}
		if ((p[i] < 0x20 && p[i] != '\n' && p[i] != '\t') ||
		    p[i] == 0x7f) {
			*o++ = ' ';
			i++;
			continue;
		}
		if ((n = utf8_char_len(p + i, len - i)) == 0) {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
			continue;
		}
		memcpy(o, p + i, n);
		o += n;
		i += n;
	}
	*o = '\0';
	return (*copy);
}

/*
 * A URI is written as it is, without escaping, so every octet that may not
 * appear in one (control bytes, space, quotes, anything past ASCII) is
 * percent-encoded.
 */
static char *
feed_clean_uri(const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const u_char		*p;
	char			*out, *o;

	o = out = xmalloc(strlen(s) * 3 + 1);
	for (p = (const u_char *)s; *p != '\0'; p++) {
		if (*p <= 0x20 || *p >= 0x7f || strchr("\"<>\\^`{|}", *p)) {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 0xf];
		} else
			*o++ = *p;
	}
	*o = '\0';
	return (out);
}

/* Appends one logical line, folded at FEED_LINE_MAX octets, and CR LF. */
void
feed_fold(struct buf *b, const char *line, size_t len)
{
	size_t	i = 0, start = 0, col = 0, n;

	if (len <= FEED_LINE_MAX) {
		buf_add(b, line, len);
		buf_add(b, "\r\n", 2);
		return;
	}
	while (i < len) {
		if ((u_char)line[i] < 0x80 && line[i] != '\\')
			n = 1;
		else
			n = feed_unit(line + i, len - i);
		if (col + n > FEED_LINE_MAX) {
			buf_add(b, line + start, i - start);
			buf_add(b, "\r\n ", 3);
			start = i;
			col = 1;
		}
		col += n;
		i += n;
	}
	buf_add(b, line + start, len - start);
	buf_add(b, "\r\n", 2);
}

/*
 * Appends one property: its name, each parameter and the value as libical
 * writes them, folded by us.
 *
 * libical's own icalproperty_as_ical_string_r() allocates and clears a
 * kilobyte per property and per parameter and folds the line (which we
 * would undo): most of the time of a whole event. One difference: it adds
 * VALUE= itself when a value is not of the property's default type, from
 * a table it does not export; here VALUE= is written only when the
 * property carries the parameter, which every property built in
 * calendars/ does when it needs it (REFRESH-INTERVAL).
 */
static void
feed_property(struct buf *b, struct buf *line, icalproperty *p)
{
	icalproperty_kind	 kind = icalproperty_isa(p);
	icalparameter		*param;
	icalvalue		*value;
	const char		*name;
	char			*s, *v;

	if (kind == ICAL_X_PROPERTY)
		name = icalproperty_get_x_name(p);
	else
		name = icalproperty_kind_to_string(kind);
	if (name == NULL)
		return;
	line->len = 0;
	buf_add(line, name, strlen(name));
	for (param = icalproperty_get_first_parameter(p, ICAL_ANY_PARAMETER);
	    param != NULL;
	    param = icalproperty_get_next_parameter(p, ICAL_ANY_PARAMETER)) {
		if ((s = icalparameter_as_ical_string_r(param)) == NULL)
			continue;
		buf_add(line, ";", 1);
		buf_add(line, s, strlen(s));
		free(s);
	}
	buf_add(line, ":", 1);

	value = icalproperty_get_value(p);
	/*
	 * libical writes a GEO value between two setlocale() calls, which
	 * change the whole process: one thread at a time, so events can be
	 * rendered on several threads.
	 */
	if (value != NULL && icalvalue_isa(value) == ICAL_GEO_VALUE) {
		pthread_mutex_lock(&feed_geo_lock);
		s = icalvalue_as_ical_string_r(value);
		pthread_mutex_unlock(&feed_geo_lock);
	} else
		s = value != NULL ? icalvalue_as_ical_string_r(value) : NULL;
	if (s == NULL) {
		feed_fold(b, line->data, line->len);
		return;
	}
	if (kind != ICAL_CATEGORIES_PROPERTY && kind != ICAL_X_PROPERTY)
		buf_add(line, s, strlen(s));
	else {
		/*
		 * TEXT, but libical leaves commas and semicolons unescaped
		 * here. What it did escape ("\\", "\n") is copied as it is.
		 */
		for (v = s; *v != '\0'; v++) {
			if (v[0] == '\\' && v[1] != '\0') {
				buf_add(line, v, 2);
				v++;
				continue;
			}
			if (*v == ',' || *v == ';')
				buf_add(line, "\\", 1);
			buf_add(line, v, 1);
		}
	}
	free(s);
	feed_fold(b, line->data, line->len);
}

static void
feed_component(struct buf *b, struct buf *line, icalcomponent *c)
{
	icalproperty	*p;
	icalcomponent	*sub;
	const char	*name;

	name = icalcomponent_kind_to_string(icalcomponent_isa(c));
	line->len = 0;
	buf_add(line, "BEGIN:", 6);
	buf_add(line, name, strlen(name));
	feed_fold(b, line->data, line->len);
	for (p = icalcomponent_get_first_property(c, ICAL_ANY_PROPERTY);
	    p != NULL; p = icalcomponent_get_next_property(c,
	    ICAL_ANY_PROPERTY))
		feed_property(b, line, p);
	for (sub = icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT);
	    sub != NULL; sub = icalcomponent_get_next_component(c,
	    ICAL_ANY_COMPONENT))
		feed_component(b, line, sub);
	line->len = 0;
	buf_add(line, "END:", 4);
	buf_add(line, name, strlen(name));
	feed_fold(b, line->data, line->len);
}

/* Appends c as iCalendar text. */
static void
feed_write(struct buf *b, icalcomponent *c)
{
	struct buf	line = BUF_INIT;

	feed_component(b, &line, c);
	free(line.data);
}

/*
 * The zone an event's times are written in with a TZID, or NULL to write
 * them in UTC: for UTC itself, and for a name libical does not know, so
 * the instant is still right.
 *
 * libical 3.0 looks a name up by a linear search through some 400 zones
 * (its binary search is disabled), 1.5 us a time, so the answers for the
 * last few names are kept. The zones belong to libical and stay valid
 * until zone_cleanup(), which is called once at exit after the last use.
 */
static icaltimezone *
feed_find_zone(const char *tzid)
{
	static struct {
		char		 tzid[FEED_TZID_MAX + 1];
		icaltimezone	*zone;
	}			 found[FEED_ZONE_CACHE];
	static u_int		 next;
	static pthread_mutex_t	 lock = PTHREAD_MUTEX_INITIALIZER;
	icaltimezone		*zone = NULL;
	size_t			 i;

	if (tzid == NULL || strlen(tzid) > FEED_TZID_MAX)
		return (NULL);
	pthread_mutex_lock(&lock);
	for (i = 0; i < FEED_ZONE_CACHE; i++) {
		if (strcmp(found[i].tzid, tzid) == 0) {
			zone = found[i].zone;
			goto out;
		}
	}
	if (zone_valid(tzid) &&
	    (zone = icaltimezone_get_builtin_timezone(tzid)) != NULL &&
	    (zone == icaltimezone_get_utc_timezone() ||
	    icaltimezone_get_component(zone) == NULL))
		zone = NULL;
	/* Unknown names are not kept: they must not push the real ones out. */
	if (zone != NULL) {
		snprintf(found[next].tzid, sizeof found[next].tzid, "%s", tzid);
		found[next].zone = zone;
		next = (next + 1) % FEED_ZONE_CACHE;
	}
out:
	pthread_mutex_unlock(&lock);
	return (zone);
}

/*
 * DTSTART or DTEND as wall-clock time with TZID=<IANA name>. libical would
 * write its own "/freeassociation.sourceforge.net/" name (or, in 3.0, the
 * local time with a "Z"), so the time is made floating and the TZID added
 * by hand.
 */
static icalproperty *
feed_time(icalproperty *(*fn)(struct icaltimetype), time_t t,
    const char *tzid)
{
	icaltimezone		*zone;
	struct icaltimetype	 tt;
	icalproperty		*prop;

	if ((zone = feed_find_zone(tzid)) == NULL)
		return (feed_utc(fn, t));
	tt = icaltime_from_timet_with_zone(t, 0, zone);
	tt.zone = NULL;
	tt.is_daylight = 0;
	prop = fn(tt);
	icalproperty_add_parameter(prop, icalparameter_new_tzid(tzid));
	return (prop);
}

static icalproperty *
feed_utc(icalproperty *(*fn)(struct icaltimetype), time_t t)
{
	return (fn(icaltime_from_timet_with_zone(t, 0,
	    icaltimezone_get_utc_timezone())));
}

/* Adds a TEXT property when s has something in it. */
static void
feed_add_text(icalcomponent *c, icalproperty *(*fn)(const char *),
    const char *s)
{
	char	*copy;

	if (s == NULL || *s == '\0')
		return;
	icalcomponent_add_property(c, fn(feed_clean(s, &copy)));
	free(copy);
}

static icalproperty *
feed_x(const char *name, const char *value)
{
	icalproperty	*prop;
	char		*copy;

	prop = icalproperty_new_x(feed_clean(value, &copy));
	icalproperty_set_x_name(prop, name);
	free(copy);
	return (prop);
}

/* SUMMARY: the title, marked when cancelled or waitlisted. */
static char *
feed_summary(const struct cal_event *ev, const char *lang)
{
	const char	*cancelled = "AFLYST: ", *waiting = " (venteliste)";
	char		*s, *copy;

	if (lang != NULL && strncmp(lang, "en", 2) == 0) {
		cancelled = "CANCELLED: ";
		waiting = " (waiting list)";
	}
	s = xprintf("%s%s%s", ev->status == CAL_CANCELLED ? cancelled : "",
	    feed_clean(ev->title != NULL ? ev->title : "", &copy),
	    ev->waitlisted ? waiting : "");
	free(copy);
	return (s);
}

/*
 * The VEVENT built with libical, as feed_event() wrote it before it wrote
 * the text itself: kept as the reference the unit tests hold feed_event()
 * to, byte for byte. Slow (tens of microseconds), and not used otherwise.
 */
char *
feed_event_ical(const struct cal_event *ev, const char *lang, size_t *len)
{
	icalcomponent		*c, *alarm;
	icalproperty		*prop;
	struct buf		 b = BUF_INIT;
	struct icalgeotype	 geo;
	struct icaltriggertype	 trigger;
	enum icalproperty_status status;
	char			*summary, *s;

	if (len != NULL)
		*len = 0;
	if (ev == NULL || ev->uid == NULL || *ev->uid == '\0')
		return (NULL);

	if (ev->status == CAL_CANCELLED)
		status = ICAL_STATUS_CANCELLED;
	else if (ev->status == CAL_TENTATIVE || ev->waitlisted)
		status = ICAL_STATUS_TENTATIVE;
	else
		status = ICAL_STATUS_CONFIRMED;
	summary = feed_summary(ev, lang);

	c = icalcomponent_new(ICAL_VEVENT_COMPONENT);
	feed_add_text(c, icalproperty_new_uid, ev->uid);
	icalcomponent_add_property(c,
	    feed_utc(icalproperty_new_dtstamp, ev->last_modified));
	icalcomponent_add_property(c,
	    feed_time(icalproperty_new_dtstart, ev->start, ev->tzid));
	if (ev->end > ev->start) {
		icalcomponent_add_property(c,
		    feed_time(icalproperty_new_dtend, ev->end, ev->tzid));
	}
	icalcomponent_add_property(c, icalproperty_new_summary(summary));
	icalcomponent_add_property(c, icalproperty_new_status(status));
	icalcomponent_add_property(c,
	    icalproperty_new_sequence(ev->sequence > 0 ? ev->sequence : 0));
	if (ev->created > 0) {
		icalcomponent_add_property(c,
		    feed_utc(icalproperty_new_created, ev->created));
	}
	icalcomponent_add_property(c,
	    feed_utc(icalproperty_new_lastmodified, ev->last_modified));
	feed_add_text(c, icalproperty_new_location, ev->location);
	if (ev->has_geo && ev->lat >= -90.0 && ev->lat <= 90.0 &&
	    ev->lon >= -180.0 && ev->lon <= 180.0) {
		geo.lat = ev->lat;
		geo.lon = ev->lon;
		icalcomponent_add_property(c, icalproperty_new_geo(geo));
	}
	feed_add_text(c, icalproperty_new_description, ev->description);
	if (ev->url != NULL && *ev->url != '\0') {
		s = feed_clean_uri(ev->url);
		icalcomponent_add_property(c, icalproperty_new_url(s));
		free(s);
	}
	feed_add_text(c, icalproperty_new_categories, ev->category);
	icalcomponent_add_property(c,
	    icalproperty_new_transp(ICAL_TRANSP_OPAQUE));

	/* No reminder for a session that is not going to happen. */
	if (ev->alarm_minutes > 0 && ev->status != CAL_CANCELLED) {
		memset(&trigger, 0, sizeof trigger);
		trigger.time = icaltime_null_time();
		trigger.duration = icaldurationtype_null_duration();
		trigger.duration.is_neg = 1;
		trigger.duration.minutes = ev->alarm_minutes > FEED_ALARM_MAX ?
		    FEED_ALARM_MAX : ev->alarm_minutes;
		alarm = icalcomponent_new(ICAL_VALARM_COMPONENT);
		icalcomponent_add_property(alarm,
		    icalproperty_new_action(ICAL_ACTION_DISPLAY));
		prop = icalproperty_new_trigger(trigger);
		icalcomponent_add_property(alarm, prop);
		icalcomponent_add_property(alarm,
		    icalproperty_new_description(summary));
		icalcomponent_add_component(c, alarm);
	}
	free(summary);

	feed_write(&b, c);
	icalcomponent_free(c);
	if (b.data == NULL)
		return (NULL);
	if (len != NULL)
		*len = b.len;
	return (b.data);
}

/*
 * --- feed_event(): the VEVENT written as text
 *
 * A cold 10,000-session feed spent most of its time in libical building
 * and taking apart components, so the event is written here directly:
 * the same bytes feed_event_ical() gets from libical 3.0 (the unit tests
 * compare the two over many generated events).
 *
 * - TEXT: cleaned as feed_clean() does, then backslash, semicolon and
 *   comma escaped with a backslash, LF as "\n", tab as it is; CATEGORIES
 *   too (see feed_property());
 * - DATE-TIME: "20261203T100000" with TZID=<IANA name>, at libical's UTC
 *   offset for the zone and instant, or "20261203T090000Z" in UTC;
 * - GEO: "%f;%f" with a full stop, as libical writes it in the C locale;
 * - the alarm's TRIGGER: a negative duration in minutes, "-PT15M".
 *
 * Lines are folded as they are written, by feed_fold()'s rule: a unit (an
 * octet, a UTF-8 character, a backslash escape) that would pass octet 75
 * starts a continuation line. What this writer does not expect (a time
 * outside the years 1970-3000, a zone name that would need quoting) is
 * handed to libical, value by value.
 */

/* 3000-12-31T23:59:59Z: libical writes no later time (but zeros). */
#define FEED_TIME_MAX	INT64_C(32535215999)

/* Where the line being written stands. */
struct feed_out {
	struct buf	*b;
	size_t		 col;		/* octets on the current line */
};

/* Octets that are each a unit; folded where the line is full. */
static void
feed_out_ascii(struct feed_out *o, const char *s, size_t n)
{
	size_t	 room;

	while (n > 0) {
		if (o->col >= FEED_LINE_MAX) {
			buf_add(o->b, "\r\n ", 3);
			o->col = 1;
		}
		room = FEED_LINE_MAX - o->col;
		if (room > n)
			room = n;
		buf_add(o->b, s, room);
		o->col += room;
		s += room;
		n -= room;
	}
}

static void
feed_out_str(struct feed_out *o, const char *s)
{
	feed_out_ascii(o, s, strlen(s));
}

/* n octets that stay on one line: an escape or a UTF-8 character. */
static void
feed_out_unit(struct feed_out *o, const char *s, size_t n)
{
	if (o->col + n > FEED_LINE_MAX) {
		buf_add(o->b, "\r\n ", 3);
		o->col = 1;
	}
	buf_add(o->b, s, n);
	o->col += n;
}

/* Ends the line. */
static void
feed_out_end(struct feed_out *o)
{
	buf_add(o->b, "\r\n", 2);
	o->col = 0;
}

/*
 * s as a TEXT value: feed_clean() and the escaping in one pass. Invalid
 * UTF-8 becomes U+FFFD, CR LF and lone CR a line break, other control
 * bytes a space; tab stays.
 */
static void
feed_out_text(struct feed_out *o, const char *s)
{
	const u_char	*p = (const u_char *)s, *q;
	char		 esc[2] = { '\\', 0 };
	size_t		 n;

	for (;;) {
		for (q = p; (*q >= 0x20 && *q < 0x7f && *q != '\\' &&
		    *q != ';' && *q != ',') || *q == '\t'; q++)
			;
		if (q > p)
			feed_out_ascii(o, (const char *)p, (size_t)(q - p));
		p = q;
		if (*p == '\0')
			break;
		if (*p == '\\' || *p == ';' || *p == ',') {
			esc[1] = (char)*p++;
			feed_out_unit(o, esc, 2);
		} else if (*p == '\n' || *p == '\r') {
			feed_out_unit(o, "\\n", 2);
			p += (p[0] == '\r' && p[1] == '\n') ? 2 : 1;
		} else if (*p < 0x80) {
			feed_out_ascii(o, " ", 1);
			p++;
		} else if ((n = utf8_char_len(p, strnlen((const char *)p,
		    4))) == 0) {
			feed_out_unit(o, "\xef\xbf\xbd", 3);
			p++;
		} else {
			feed_out_unit(o, (const char *)p, n);
			p += n;
		}
	}
}

/* n as width digits, leading zeros; n fits. */
static void
feed_digits(char *out, int n, int width)
{
	while (width-- > 0) {
		out[width] = (char)('0' + n % 10);
		n /= 10;
	}
}

/* A number that is not negative, in decimal. */
static void
feed_out_int(struct feed_out *o, int n)
{
	char	s[16];
	int	i = sizeof s;

	do {
		s[--i] = (char)('0' + n % 10);
		n /= 10;
	} while (n > 0 && i > 0);
	feed_out_ascii(o, s + i, sizeof s - (size_t)i);
}

/* The calendar date and time of day of t (Howard Hinnant's algorithm). */
static void
feed_civil(int64_t t, struct cal_local *l)
{
	int64_t	 days, rest, era, doe, yoe, doy, mp;

	days = t / 86400;
	rest = t % 86400;
	if (rest < 0) {
		rest += 86400;
		days--;
	}
	days += 719468;
	era = (days >= 0 ? days : days - 146096) / 146097;
	doe = days - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	l->day = (int)(doy - (153 * mp + 2) / 5 + 1);
	l->month = (int)(mp < 10 ? mp + 3 : mp - 9);
	l->year = (int)(yoe + era * 400 + (l->month <= 2));
	l->hour = (int)(rest / 3600);
	l->minute = (int)(rest / 60 % 60);
	l->second = (int)(rest % 60);
}

/* "YYYYMMDDTHHMMSS", and "Z" when utc; year 0-9999. */
static void
feed_out_stamp(struct feed_out *o, const struct cal_local *l, int utc)
{
	char	s[16];

	feed_digits(s, l->year, 4);
	feed_digits(s + 4, l->month, 2);
	feed_digits(s + 6, l->day, 2);
	s[8] = 'T';
	feed_digits(s + 9, l->hour, 2);
	feed_digits(s + 11, l->minute, 2);
	feed_digits(s + 13, l->second, 2);
	s[15] = 'Z';
	feed_out_ascii(o, s, utc ? 16 : 15);
}

/* The value of prop as libical writes it, for what this writer does not. */
static void
feed_out_value(struct feed_out *o, icalproperty *prop)
{
	char	*s;

	if ((s = icalvalue_as_ical_string_r(icalproperty_get_value(prop))) !=
	    NULL) {
		feed_out_str(o, s);
		free(s);
	}
	icalproperty_free(prop);
}

/* A UTC DATE-TIME. */
static void
feed_out_utc(struct feed_out *o, time_t t)
{
	struct cal_local	l;

	if (t < 0 || (int64_t)t > FEED_TIME_MAX) {
		feed_out_value(o, feed_utc(icalproperty_new_dtstamp, t));
		return;
	}
	feed_civil((int64_t)t, &l);
	feed_out_stamp(o, &l, 1);
}

/* A zone name libical would write as it is, unquoted and unescaped. */
static int
feed_plain_tzid(const char *tzid)
{
	const char	*p;

	for (p = tzid; *p != '\0'; p++) {
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '/' || *p == '_' ||
		    *p == '+' || *p == '-' || *p == '.'))
			return (0);
	}
	return (p != tzid);
}

/*
 * "DTSTART;TZID=Europe/Copenhagen:20261203T100000": name, then t as
 * wall-clock time in zone, or in UTC when zone is NULL (feed_time()).
 * The wall-clock time is libical's (icaltimezone_convert_time()): the
 * zone's offset at the UTC time, added.
 */
static void
feed_out_time(struct feed_out *o, const char *name, time_t t,
    const char *tzid, icaltimezone *zone)
{
	struct icaltimetype	 tt;
	struct cal_local	 l;
	icalparameter		*param;
	char			*s;
	int			 offset;

	feed_out_str(o, name);
	if (zone == NULL) {
		feed_out_ascii(o, ":", 1);
		feed_out_utc(o, t);
		return;
	}
	if (feed_plain_tzid(tzid)) {
		feed_out_ascii(o, ";TZID=", 6);
		feed_out_str(o, tzid);
	} else {
		param = icalparameter_new_tzid(tzid);
		if ((s = icalparameter_as_ical_string_r(param)) != NULL) {
			feed_out_ascii(o, ";", 1);
			feed_out_str(o, s);
			free(s);
		}
		icalparameter_free(param);
	}
	feed_out_ascii(o, ":", 1);
	if (t < 0 || (int64_t)t > FEED_TIME_MAX) {
		feed_out_value(o, feed_time(icalproperty_new_dtstart, t,
		    tzid));
		return;
	}
	feed_civil((int64_t)t, &l);
	tt = cal_local_to_ical(&l);
	tt.zone = icaltimezone_get_utc_timezone();
	offset = icaltimezone_get_utc_offset_of_utc_time(zone, &tt, NULL);
	feed_civil((int64_t)t + offset, &l);
	feed_out_stamp(o, &l, 0);
}

/*
 * A number as "%f" in the C locale. printf() writes the decimal point of
 * LC_NUMERIC, which the daemon never sets, but libical forces "C": so
 * whatever stands between the integer digits and the six decimals becomes
 * a full stop.
 */
static size_t
feed_float(char *out, size_t size, double v)
{
	char	s[64];
	int	n;
	size_t	i;

	n = snprintf(s, sizeof s, "%f", v);
	if (n < 8 || (size_t)n >= sizeof s)
		return (0);
	i = s[0] == '-' ? 1 : 0;
	while (s[i] >= '0' && s[i] <= '9')
		i++;
	if (i + 7 >= size)
		return (0);
	memcpy(out, s, i);
	out[i] = '.';
	memcpy(out + i + 1, s + n - 6, 6);
	return (i + 7);
}

/*
 * "55.860900;9.846700". The last one is kept per thread: a venue's
 * sessions all stand at the same place, and printf() is slow at this.
 */
static void
feed_out_geo(struct feed_out *o, double lat, double lon)
{
	static _Thread_local double	 last[2];
	static _Thread_local char	 text[160];
	static _Thread_local size_t	 len;
	double				 now[2] = { lat, lon };
	size_t				 n;

	if (len == 0 || memcmp(now, last, sizeof now) != 0) {
		len = 0;
		if ((n = feed_float(text, 70, lat)) == 0)
			return;
		text[n] = ';';
		if ((len = feed_float(text + n + 1, 70, lon)) == 0)
			return;
		len += n + 1;
		memcpy(last, now, sizeof last);
	}
	feed_out_ascii(o, text, len);
}

char *
feed_event(const struct cal_event *ev, const char *lang, size_t *len)
{
	struct buf	 b = BUF_INIT;
	struct feed_out	 o = { &b, 0 };
	icaltimezone	*zone;
	const char	*status;
	char		*summary, *url;

	if (len != NULL)
		*len = 0;
	if (ev == NULL || ev->uid == NULL || *ev->uid == '\0')
		return (NULL);

	if (ev->status == CAL_CANCELLED)
		status = "STATUS:CANCELLED\r\n";
	else if (ev->status == CAL_TENTATIVE || ev->waitlisted)
		status = "STATUS:TENTATIVE\r\n";
	else
		status = "STATUS:CONFIRMED\r\n";
	summary = feed_summary(ev, lang);
	zone = feed_find_zone(ev->tzid);

	/*
	 * Most events fit: one allocation, made to measure at the end. Short
	 * lines that are always the same go in whole.
	 */
	b.data = xmalloc(2048);
	b.size = 2048;
	buf_add(&b, "BEGIN:VEVENT\r\n", 14);
	feed_out_str(&o, "UID:");
	feed_out_text(&o, ev->uid);
	feed_out_end(&o);
	feed_out_str(&o, "DTSTAMP:");
	feed_out_utc(&o, ev->last_modified);
	feed_out_end(&o);
	feed_out_time(&o, "DTSTART", ev->start, ev->tzid, zone);
	feed_out_end(&o);
	if (ev->end > ev->start) {
		feed_out_time(&o, "DTEND", ev->end, ev->tzid, zone);
		feed_out_end(&o);
	}
	feed_out_str(&o, "SUMMARY:");
	feed_out_text(&o, summary);
	feed_out_end(&o);
	buf_add(&b, status, strlen(status));
	feed_out_str(&o, "SEQUENCE:");
	feed_out_int(&o, ev->sequence > 0 ? ev->sequence : 0);
	feed_out_end(&o);
	if (ev->created > 0) {
		feed_out_str(&o, "CREATED:");
		feed_out_utc(&o, ev->created);
		feed_out_end(&o);
	}
	feed_out_str(&o, "LAST-MODIFIED:");
	feed_out_utc(&o, ev->last_modified);
	feed_out_end(&o);
	if (ev->location != NULL && *ev->location != '\0') {
		feed_out_str(&o, "LOCATION:");
		feed_out_text(&o, ev->location);
		feed_out_end(&o);
	}
	if (ev->has_geo && ev->lat >= -90.0 && ev->lat <= 90.0 &&
	    ev->lon >= -180.0 && ev->lon <= 180.0) {
		feed_out_str(&o, "GEO:");
		feed_out_geo(&o, ev->lat, ev->lon);
		feed_out_end(&o);
	}
	if (ev->description != NULL && *ev->description != '\0') {
		feed_out_str(&o, "DESCRIPTION:");
		feed_out_text(&o, ev->description);
		feed_out_end(&o);
	}
	if (ev->url != NULL && *ev->url != '\0') {
		/* Percent-encoded: ASCII without backslashes, octet units. */
		url = feed_clean_uri(ev->url);
		feed_out_str(&o, "URL:");
		feed_out_str(&o, url);
		feed_out_end(&o);
		free(url);
	}
	if (ev->category != NULL && *ev->category != '\0') {
		feed_out_str(&o, "CATEGORIES:");
		feed_out_text(&o, ev->category);
		feed_out_end(&o);
	}
	buf_add(&b, "TRANSP:OPAQUE\r\n", 15);

	/* No reminder for a session that is not going to happen. */
	if (ev->alarm_minutes > 0 && ev->status != CAL_CANCELLED) {
		buf_add(&b, "BEGIN:VALARM\r\nACTION:DISPLAY\r\n", 30);
		feed_out_str(&o, "TRIGGER:-PT");
		feed_out_int(&o, ev->alarm_minutes > FEED_ALARM_MAX ?
		    FEED_ALARM_MAX : ev->alarm_minutes);
		feed_out_ascii(&o, "M", 1);
		feed_out_end(&o);
		feed_out_str(&o, "DESCRIPTION:");
		feed_out_text(&o, summary);
		feed_out_end(&o);
		buf_add(&b, "END:VALARM\r\n", 12);
	}
	buf_add(&b, "END:VEVENT\r\n", 12);
	free(summary);

	/* Kept for as long as the session does not change: no slack. */
	b.data = xreallocarray(b.data, 1, b.len + 1);
	if (len != NULL)
		*len = b.len;
	return (b.data);
}

static int
feed_year(time_t t)
{
	struct tm	tm;
	int		year;

	if (gmtime_r(&t, &tm) == NULL)
		return (FEED_YEAR_MIN);
	year = tm.tm_year + 1900;
	if (year < FEED_YEAR_MIN)
		return (FEED_YEAR_MIN);
	if (year > FEED_YEAR_MAX)
		return (FEED_YEAR_MAX);
	return (year);
}

/* Do two RRULEs say the same, UNTIL and COUNT aside? */
static int
feed_same_rule(icalproperty *a, icalproperty *b)
{
	struct icalrecurrencetype	 ra, rb;
	char				*sa, *sb;
	int				 same;

	ra = icalproperty_get_rrule(a);
	rb = icalproperty_get_rrule(b);
	ra.until = rb.until = icaltime_null_time();
	ra.count = rb.count = 0;
	sa = icalrecurrencetype_as_string_r(&ra);
	sb = icalrecurrencetype_as_string_r(&rb);
	same = (sa != NULL && sb != NULL && strcmp(sa, sb) == 0);
	free(sa);
	free(sb);
	return (same);
}

/* The observances (STANDARD, DAYLIGHT) of vtz; caller frees the array. */
static icalcomponent **
feed_vtz_list(icalcomponent *vtz, size_t *n)
{
	icalcomponent	**list = NULL, *c;
	size_t		  size = 0;

	*n = 0;
	for (c = icalcomponent_get_first_component(vtz, ICAL_ANY_COMPONENT);
	    c != NULL; c = icalcomponent_get_next_component(vtz,
	    ICAL_ANY_COMPONENT)) {
		if (*n == size) {
			size = size == 0 ? 8 : size * 2;
			list = xreallocarray(list, size, sizeof *list);
		}
		list[(*n)++] = c;
	}
	return (list);
}

/* An observance's offsets in seconds east of UTC; INT_MIN if missing. */
static int
feed_vtz_from(icalcomponent *c)
{
	icalproperty	*p;

	p = icalcomponent_get_first_property(c, ICAL_TZOFFSETFROM_PROPERTY);
	return (p == NULL ? INT_MIN : icalproperty_get_tzoffsetfrom(p));
}

static int
feed_vtz_to(icalcomponent *c)
{
	icalproperty	*p;

	p = icalcomponent_get_first_property(c, ICAL_TZOFFSETTO_PROPERTY);
	return (p == NULL ? INT_MIN : icalproperty_get_tzoffsetto(p));
}

/* Removes and frees observance i of list. */
static void
feed_vtz_remove(icalcomponent *vtz, icalcomponent **list, size_t i)
{
	icalcomponent_remove_component(vtz, list[i]);
	icalcomponent_free(list[i]);
	list[i] = NULL;
}

/*
 * libical builds zones from the TZif files, whose explicit transitions end
 * in 2037; after that it adds a second pair of observances for the POSIX
 * rule. So Copenhagen comes out as "last Sunday of March, until 2037" plus
 * "last Sunday of March, from 2038". Outlook wants one STANDARD and one
 * DAYLIGHT: when an observance with an UNTIL is continued by an otherwise
 * equal one starting the year after, the two become one.
 */
static void
feed_vtz_merge(icalcomponent *vtz)
{
	icalcomponent			**list, *a, *b;
	icalproperty			 *ra, *rb;
	struct icalrecurrencetype	  rule, next;
	struct icaltimetype		  sa, sb;
	size_t				  n, i, j;

	list = feed_vtz_list(vtz, &n);
	for (i = 0; i < n; i++) {
		if ((a = list[i]) == NULL)
			continue;
		ra = icalcomponent_get_first_property(a, ICAL_RRULE_PROPERTY);
		if (ra == NULL)
			continue;
		for (j = 0; j < n; j++) {
			if (j == i || (b = list[j]) == NULL)
				continue;
			rule = icalproperty_get_rrule(ra);
			if (icaltime_is_null_time(rule.until))
				break;
			if (icalcomponent_isa(a) != icalcomponent_isa(b))
				continue;
			rb = icalcomponent_get_first_property(b,
			    ICAL_RRULE_PROPERTY);
			if (rb == NULL || !feed_same_rule(ra, rb))
				continue;
			if (feed_vtz_from(a) != feed_vtz_from(b) ||
			    feed_vtz_to(a) != feed_vtz_to(b))
				continue;
			sa = icalcomponent_get_dtstart(a);
			sb = icalcomponent_get_dtstart(b);
			if (sb.hour != sa.hour || sb.minute != sa.minute ||
			    sb.second != sa.second)
				continue;
			if (sb.year != rule.until.year + 1 &&
			    !(sb.year == rule.until.year &&
			    icaltime_compare(sb, rule.until) > 0))
				continue;
			next = icalproperty_get_rrule(rb);
			rule.until = next.until;
			rule.count = next.count;
			icalproperty_set_rrule(ra, rule);
			feed_vtz_remove(vtz, list, j);
			/* a may go on in yet another one: look again. */
			j = (size_t)-1;
		}
	}
	free(list);
}

/*
 * Drops what cannot matter before the horizon year: observances that
 * start there, RDATEs there, and transitions that change nothing (libical
 * adds one where the 32-bit TZif data end, 2038-01-19 at a time with
 * seconds, sometimes with a made-up RRULE). libical 3.0's reading of the
 * TZif footer is wrong for some zones after 2037 (America/St_Johns gets
 * daylight time at -0130), so nothing past the horizon is trusted. The
 * earliest observance stays: it gives the offset at the start.
 */
static void
feed_vtz_prune(icalcomponent *vtz, int horizon)
{
	icalcomponent			**list, *c;
	icalproperty			 *p, **rdates = NULL;
	struct icaltimetype		  t;
	struct icaldatetimeperiodtype	  rdate;
	size_t				  n, i, first = 0, nr, size = 0, k;

	list = feed_vtz_list(vtz, &n);
	for (i = 1; i < n; i++) {
		if (icaltime_compare(icalcomponent_get_dtstart(list[i]),
		    icalcomponent_get_dtstart(list[first])) < 0)
			first = i;
	}
	for (i = 0; i < n; i++) {
		c = list[i];
		if (i != first &&
		    (icalcomponent_get_dtstart(c).year >= horizon ||
		    (feed_vtz_from(c) == feed_vtz_to(c) &&
		    icalcomponent_get_first_property(c,
		    ICAL_RRULE_PROPERTY) == NULL))) {
			feed_vtz_remove(vtz, list, i);
			continue;
		}
		nr = 0;
		for (p = icalcomponent_get_first_property(c,
		    ICAL_RDATE_PROPERTY); p != NULL;
		    p = icalcomponent_get_next_property(c,
		    ICAL_RDATE_PROPERTY)) {
			rdate = icalproperty_get_rdate(p);
			t = icaltime_is_null_time(rdate.time) ?
			    rdate.period.start : rdate.time;
			if (t.year < horizon)
				continue;
			if (nr == size) {
				size = size == 0 ? 8 : size * 2;
				rdates = xreallocarray(rdates, size,
				    sizeof *rdates);
			}
			rdates[nr++] = p;
		}
		for (k = 0; k < nr; k++) {
			icalcomponent_remove_property(c, rdates[k]);
			icalproperty_free(rdates[k]);
		}
	}
	free(rdates);
	free(list);
}

/*
 * The compact form we promise: at least one observance; each with DTSTART
 * in or after FEED_YEAR_MIN and its offsets in whole minutes (+0100, not
 * libical's +005020 for the 1890s).
 */
static int
feed_vtz_check(icalcomponent *vtz)
{
	icalcomponent		*c;
	struct icaltimetype	 start;
	int			 n = 0, from, to;

	for (c = icalcomponent_get_first_component(vtz, ICAL_ANY_COMPONENT);
	    c != NULL; c = icalcomponent_get_next_component(vtz,
	    ICAL_ANY_COMPONENT)) {
		n++;
		start = icalcomponent_get_dtstart(c);
		if (icaltime_is_null_time(start) || start.year < FEED_YEAR_MIN)
			return (-1);
		from = feed_vtz_from(c);
		to = feed_vtz_to(c);
		if (from == INT_MIN || to == INT_MIN || from % 60 != 0 ||
		    to % 60 != 0)
			return (-1);
	}
	return (n == 0 ? -1 : 0);
}

/* 1 January of year, 00:00 UTC. */
static time_t
feed_year_start(int year)
{
	struct tm	 tm;

	memset(&tm, 0, sizeof tm);
	tm.tm_year = year - 1900;
	tm.tm_mday = 1;
	return (timegm(&tm));
}

/* The offset of both zones at t, or INT_MIN if they differ. */
static int
feed_vtz_same(icaltimezone *a, icaltimezone *b, time_t t)
{
	struct icaltimetype	tt;
	int			dst, off;

	tt = icaltime_from_timet_with_zone(t, 0,
	    icaltimezone_get_utc_timezone());
	off = icaltimezone_get_utc_offset_of_utc_time(a, &tt, &dst);
	if (off != icaltimezone_get_utc_offset_of_utc_time(b, &tt, &dst))
		return (INT_MIN);
	return (off);
}

/*
 * Does vtz give the same UTC offset as libical's own zone from the start
 * of from_year to the end of until_year? A calendar app only has the
 * VTIMEZONE to go by, so this is what it will compute. Compared once a
 * day, and hour by hour through each day on which the offset changes.
 */
static int
feed_vtz_verify(icalcomponent *vtz, icaltimezone *zone, int from_year,
    int until_year)
{
	icaltimezone		*ours;
	time_t			 t, h, end;
	int			 prev = INT_MIN, now;

	ours = icaltimezone_new();
	if (!icaltimezone_set_component(ours, icalcomponent_new_clone(vtz))) {
		icaltimezone_free(ours, 1);
		return (-1);
	}
	t = feed_year_start(from_year);
	end = feed_year_start(until_year + 1);
	for (; t <= end; t += 86400) {
		if ((now = feed_vtz_same(ours, zone, t)) == INT_MIN)
			break;
		if (prev != INT_MIN && now != prev) {
			for (h = t - 86400 + 3600; h < t; h += 3600) {
				if (feed_vtz_same(ours, zone, h) == INT_MIN)
					break;
			}
			if (h < t)
				break;
		}
		prev = now;
	}
	icaltimezone_free(ours, 1);
	return (t <= end ? -1 : 0);
}

/* Names the zone by its plain IANA name, not libical's prefixed one. */
static void
feed_vtz_rename(icalcomponent *vtz, const char *tzid)
{
	icalproperty	*prop;

	prop = icalcomponent_get_first_property(vtz, ICAL_TZID_PROPERTY);
	if (prop != NULL)
		icalproperty_set_tzid(prop, tzid);
	else
		icalcomponent_add_property(vtz, icalproperty_new_tzid(tzid));
}

/* A UTC offset in whole minutes, rounded: calendar apps refuse seconds. */
static int
feed_vtz_minutes(int off)
{
	return (off >= 0 ? (off + 30) / 60 * 60 : -((-off + 30) / 60 * 60));
}

/*
 * The name libical's own zone gives the observance of its kind (STANDARD
 * or DAYLIGHT) that has offset to and starts last before onset; NULL if
 * none does.
 */
static const char *
feed_vtz_name(icalcomponent *full, icalcomponent_kind kind, int to,
    struct icaltimetype onset)
{
	icalcomponent		*c;
	icalproperty		*p;
	struct icaltimetype	 start, best = icaltime_null_time();
	const char		*name = NULL;

	for (c = icalcomponent_get_first_component(full, kind); c != NULL;
	    c = icalcomponent_get_next_component(full, kind)) {
		if (feed_vtz_to(c) != to ||
		    (p = icalcomponent_get_first_property(c,
		    ICAL_TZNAME_PROPERTY)) == NULL)
			continue;
		start = icalcomponent_get_dtstart(c);
		if (icaltime_compare(start, onset) > 0)
			continue;
		if (name == NULL || icaltime_compare(start, best) > 0) {
			best = start;
			name = icalproperty_get_tzname(p);
		}
	}
	return (name);
}

/* Adds an observance: at local wall time onset, the offset from -> to. */
static void
feed_vtz_add(icalcomponent *vtz, icalcomponent *full, int dst, int from,
    int to, time_t onset)
{
	icalcomponent_kind	 kind;
	icalcomponent		*obs;
	struct icaltimetype	 t;
	const char		*name;

	kind = dst ? ICAL_XDAYLIGHT_COMPONENT : ICAL_XSTANDARD_COMPONENT;
	t = icaltime_from_timet_with_zone(onset, 0, NULL);
	obs = icalcomponent_new(kind);
	if ((name = feed_vtz_name(full, kind, to, t)) != NULL)
		icalcomponent_add_property(obs, icalproperty_new_tzname(name));
	icalcomponent_add_property(obs,
	    icalproperty_new_tzoffsetfrom(feed_vtz_minutes(from)));
	icalcomponent_add_property(obs,
	    icalproperty_new_tzoffsetto(feed_vtz_minutes(to)));
	icalcomponent_add_property(obs, icalproperty_new_dtstart(t));
	icalcomponent_add_component(vtz, obs);
}

/*
 * The zone as it is in the years [from_year, until_year + 1], written
 * transition by transition, read off libical's own offsets: for zones
 * whose rules the compact form cannot say (America/Vancouver in tzdata
 * 2026b, where daylight time becomes permanent, loses its winters when
 * libical truncates it). Offsets are rounded to whole minutes. The first
 * observance gives the offset at the start of the range.
 */
static icalcomponent *
feed_vtz_explicit(const char *tzid, icaltimezone *zone, int from_year,
    int until_year)
{
	icalcomponent		*vtz, *full = icaltimezone_get_component(zone);
	struct icaltimetype	 tt;
	icaltimezone		*utc = icaltimezone_get_utc_timezone();
	time_t			 t, end, lo, hi, mid;
	int			 off, prev, dst, pdst;

	vtz = icalcomponent_new(ICAL_VTIMEZONE_COMPONENT);
	feed_vtz_rename(vtz, tzid);
	t = feed_year_start(from_year);
	end = feed_year_start(until_year + 2);

	tt = icaltime_from_timet_with_zone(t, 0, utc);
	prev = icaltimezone_get_utc_offset_of_utc_time(zone, &tt, &pdst);
	feed_vtz_add(vtz, full, pdst, prev, prev, t + prev);
	for (t += 3600; t <= end; t += 3600) {
		tt = icaltime_from_timet_with_zone(t, 0, utc);
		off = icaltimezone_get_utc_offset_of_utc_time(zone, &tt, &dst);
		if (off == prev && dst == pdst)
			continue;
		/* The first second of the new offset, within this hour. */
		for (lo = t - 3600, hi = t; hi - lo > 1;) {
			mid = lo + (hi - lo) / 2;
			tt = icaltime_from_timet_with_zone(mid, 0, utc);
			if (icaltimezone_get_utc_offset_of_utc_time(zone, &tt,
			    NULL) == prev)
				lo = mid;
			else
				hi = mid;
		}
		feed_vtz_add(vtz, full, dst, prev, off, hi + prev);
		prev = off;
		pdst = dst;
	}
	return (vtz);
}

/*
 * The VTIMEZONE for tzid covering the years [from_year, until_year], as
 * folded text: the compact form (libical's rules, truncated) when it
 * passes the checks, else the zone's transitions in those years one by
 * one. Never libical's whole zone: its history goes back to 1890 with
 * offsets in seconds, which calendar apps refuse.
 */
static char *
feed_vtimezone(const char *tzid, icaltimezone *zone, int from_year,
    int until_year, size_t *len)
{
	icalcomponent		*vtz;
	struct icaltimetype	 start;
	struct buf		 b = BUF_INIT;

	vtz = icalcomponent_new_clone(icaltimezone_get_component(zone));
	feed_vtz_rename(vtz, tzid);

	/*
	 * Cut the history before the range. No end: with one, libical adds
	 * TZUNTIL (which Outlook does not know) and gives every RRULE an
	 * UNTIL. ms_compatible keeps DTSTART of a running RRULE where it was,
	 * since Outlook mishandles RRULEs whose start was moved.
	 */
	start = icaltime_null_time();
	start.year = from_year;
	start.month = 1;
	start.day = 1;
	start = icaltime_set_timezone(&start, icaltimezone_get_utc_timezone());
	icaltimezone_truncate_vtimezone(vtz, start, icaltime_null_time(), 1);
	feed_vtz_merge(vtz);
	feed_vtz_prune(vtz, until_year + 2);

	if (feed_vtz_check(vtz) != 0 ||
	    feed_vtz_verify(vtz, zone, from_year, until_year) != 0) {
		icalcomponent_free(vtz);
		vtz = feed_vtz_explicit(tzid, zone, from_year, until_year);
	}
	feed_write(&b, vtz);
	icalcomponent_free(vtz);
	*len = b.len;
	return (b.data);
}

/*
 * A copy of the cached VTIMEZONE text for tzid and the years, built on a
 * miss. NULL (with *len 0) when the zone is written in UTC and needs none.
 */
static char *
feed_zone_text(const char *tzid, int from_year, int until_year, size_t *len)
{
	struct feed_zone	*fz;
	icaltimezone		*zone;
	char			*text = NULL;
	size_t			 i;

	*len = 0;
	pthread_mutex_lock(&feed_zones_lock);
	if ((zone = feed_find_zone(tzid)) == NULL)
		goto out;
	for (i = 0; i < FEED_ZONE_CACHE; i++) {
		fz = &feed_zones[i];
		if (fz->text != NULL && strcmp(fz->tzid, tzid) == 0 &&
		    fz->from_year == from_year &&
		    fz->until_year == until_year)
			break;
	}
	if (i == FEED_ZONE_CACHE) {
		fz = &feed_zones[feed_zones_next];
		feed_zones_next = (feed_zones_next + 1) % FEED_ZONE_CACHE;
		free(fz->text);
		memset(fz, 0, sizeof *fz);
		fz->text = feed_vtimezone(tzid, zone, from_year, until_year,
		    &fz->len);
		if (fz->text == NULL)
			goto out;
		snprintf(fz->tzid, sizeof fz->tzid, "%s", tzid);
		fz->from_year = from_year;
		fz->until_year = until_year;
	}
	text = xmalloc(fz->len + 1);
	memcpy(text, fz->text, fz->len + 1);
	*len = fz->len;
out:
	pthread_mutex_unlock(&feed_zones_lock);
	return (text);
}

char *
feed_calendar_head(const struct cal_feed *feed, const char *const *tzids,
    size_t ntz, time_t from, time_t until, size_t *len)
{
	static const char		 footer[] = FEED_CALENDAR_END;
	icalcomponent			*c;
	icalproperty			*prop;
	struct icaldurationtype		 refresh;
	struct buf			 head = BUF_INIT;
	char				**zones = NULL, *prodid, *ttl;
	size_t				*zlens = NULL, i, j;
	int				 minutes, from_year, until_year;

	if (len != NULL)
		*len = 0;
	if (feed == NULL || (ntz > 0 && tzids == NULL))
		return (NULL);

	minutes = feed->refresh_minutes;
	if (minutes <= 0)
		minutes = FEED_REFRESH_DEFAULT;
	if (minutes > FEED_REFRESH_MAX)
		minutes = FEED_REFRESH_MAX;
	refresh = icaldurationtype_from_int(minutes * 60);

	c = icalcomponent_new(ICAL_VCALENDAR_COMPONENT);
	prodid = xprintf("-//kursusd//kursusd %s//DA", PACKAGE_VERSION);
	icalcomponent_add_property(c, icalproperty_new_prodid(prodid));
	free(prodid);
	icalcomponent_add_property(c, icalproperty_new_version("2.0"));
	icalcomponent_add_property(c, icalproperty_new_calscale("GREGORIAN"));
	icalcomponent_add_property(c,
	    icalproperty_new_method(ICAL_METHOD_PUBLISH));
	if (feed->name != NULL && *feed->name != '\0') {
		feed_add_text(c, icalproperty_new_name, feed->name);
		icalcomponent_add_property(c,
		    feed_x("X-WR-CALNAME", feed->name));
	}
	if (feed->tzid != NULL && *feed->tzid != '\0')
		icalcomponent_add_property(c,
		    feed_x("X-WR-TIMEZONE", feed->tzid));
	prop = icalproperty_new_refreshinterval(refresh);
	icalproperty_add_parameter(prop,
	    icalparameter_new_value(ICAL_VALUE_DURATION));
	icalcomponent_add_property(c, prop);
	ttl = icaldurationtype_as_ical_string_r(refresh);
	icalcomponent_add_property(c, feed_x("X-PUBLISHED-TTL", ttl));
	free(ttl);
	feed_write(&head, c);
	icalcomponent_free(c);
	/* feed_write() closed the calendar; the zones and events go first. */
	head.len -= sizeof footer - 1;
	head.data[head.len] = '\0';

	from_year = feed_year(from);
	until_year = feed_year(until);
	if (until_year < from_year)
		until_year = from_year;
	if (ntz > 0) {
		zones = xcalloc(ntz, sizeof *zones);
		zlens = xcalloc(ntz, sizeof *zlens);
	}
	for (i = 0; i < ntz; i++) {
		if (tzids[i] == NULL || feed_find_zone(tzids[i]) == NULL)
			continue;
		for (j = 0; j < i; j++) {
			if (tzids[j] != NULL && strcmp(tzids[i], tzids[j]) == 0)
				break;
		}
		if (j < i)
			continue;
		zones[i] = feed_zone_text(tzids[i], from_year, until_year,
		    &zlens[i]);
		if (zones[i] != NULL)
			buf_add(&head, zones[i], zlens[i]);
		free(zones[i]);
	}
	free(zones);
	free(zlens);
	if (len != NULL)
		*len = head.len;
	return (head.data);
}

char *
feed_calendar(const struct cal_feed *feed, const char *const *tzids,
    size_t ntz, time_t from, time_t until, const char *const *events,
    const size_t *lens, size_t n, size_t *len)
{
	static const char	 footer[] = FEED_CALENDAR_END;
	char			*head, *out, *o;
	size_t			 hlen, total, i;

	if (len != NULL)
		*len = 0;
	if (n > 0 && (events == NULL || lens == NULL))
		return (NULL);
	if ((head = feed_calendar_head(feed, tzids, ntz, from, until,
	    &hlen)) == NULL)
		return (NULL);
	total = hlen + sizeof footer - 1;
	for (i = 0; i < n; i++) {
		if (events[i] != NULL)
			total += lens[i];
	}
	o = out = xmalloc(total + 1);
	memcpy(o, head, hlen);
	o += hlen;
	for (i = 0; i < n; i++) {
		if (events[i] != NULL) {
			memcpy(o, events[i], lens[i]);
			o += lens[i];
		}
	}
	memcpy(o, footer, sizeof footer);
	if (len != NULL)
		*len = total;
	free(head);
	return (out);
}
