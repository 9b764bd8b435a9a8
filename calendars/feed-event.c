/*
 * feed_event(): one session's VEVENT, written as text.
 *
 * A cold 10,000-session feed spent most of its time in libical building
 * and taking apart components, so the event is written here directly:
 * the same bytes libical 3.0 gives for it (the unit tests compare the two
 * over many generated events, with a reference built with libical in
 * tests/unit/feedref.c).
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
#include "config.h"

#include <sys/types.h>

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

/* 3000-12-31T23:59:59Z: libical writes no later time (but zeros). */
#define FEED_TIME_MAX	INT64_C(32535215999)

/* Where the line being written stands. */
struct feed_out {
	struct buf	*b;
	size_t		 col;		/* octets on the current line */
};

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
static int		 feed_event_alarm(const struct cal_event *);
static int		 feed_event_geo(const struct cal_event *);
static int		 feed_same_value(const char *, const char *);

/*
 * DTSTART or DTEND as wall-clock time with TZID=<IANA name>. libical would
 * write its own "/freeassociation.sourceforge.net/" name (or, in 3.0, the
 * local time with a "Z"), so the time is made floating and the TZID added
 * by hand.
 */
icalproperty *
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

icalproperty *
feed_utc(icalproperty *(*fn)(struct icaltimetype), time_t t)
{
	return (fn(icaltime_from_timet_with_zone(t, 0,
	    icaltimezone_get_utc_timezone())));
}

/*
 * SUMMARY: the title, marked when cancelled (or, for one person, when
 * her place is gone) or waitlisted.
 */
char *
feed_summary(const struct cal_event *ev, const char *lang)
{
	static const char *gone_da[] = { "AFLYST: ", "Afmeldt: ",
	    "Venteliste: " };
	static const char *gone_en[] = { "CANCELLED: ", "Unregistered: ",
	    "Waiting list: " };
	const char	*cancelled, *waiting = " (venteliste)";
	char		*s, *copy;
	int		 gone = ev->gone >= 0 && ev->gone <= 2 ? ev->gone : 0;

	cancelled = gone_da[gone];
	if (lang != NULL && strncmp(lang, "en", 2) == 0) {
		cancelled = gone_en[gone];
		waiting = " (waiting list)";
	}
	s = xprintf("%s%s%s", ev->status == CAL_CANCELLED ? cancelled : "",
	    feed_clean(ev->title != NULL ? ev->title : "", &copy),
	    ev->waitlisted ? waiting : "");
	free(copy);
	return (s);
}

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

	if (len != NULL)
		*len = 0;
	/*
	 * Most events fit: one allocation, made to measure at the end.
	 * Kept for as long as the session does not change: no slack.
	 */
	b.data = xmalloc(2048);
	b.size = 2048;
	if (feed_event_add(ev, lang, &b) != 0) {	/* no UID */
		free(b.data);
		return (NULL);
	}
	b.data = xreallocarray(b.data, 1, b.len + 1);
	if (len != NULL)
		*len = b.len;
	return (b.data);
}

int
feed_event_add(const struct cal_event *ev, const char *lang,
    struct buf *b)
{
	if (feed_event_add_head(ev, lang, b) != 0)
		return (-1);
	feed_event_add_tail(ev, lang, b);
	return (0);
}

int
feed_event_add_head(const struct cal_event *ev, const char *lang,
    struct buf *bp)
{
	struct buf	 b = *bp;
	struct feed_out	 o = { &b, 0 };
	icaltimezone	*zone;
	const char	*status;
	char		*summary;

	if (ev == NULL || ev->uid == NULL || *ev->uid == '\0')
		return (-1);

	if (ev->status == CAL_CANCELLED)
		status = "STATUS:CANCELLED\r\n";
	else if (ev->status == CAL_TENTATIVE || ev->waitlisted)
		status = "STATUS:TENTATIVE\r\n";
	else
		status = "STATUS:CONFIRMED\r\n";
	summary = feed_summary(ev, lang);
	zone = feed_find_zone(ev->tzid);

	/* Short lines that are always the same go in whole. */
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
	free(summary);
	*bp = b;
	return (0);
}

/* Whether the event writes a reminder (VALARM), which names it. */
static int
feed_event_alarm(const struct cal_event *ev)
{
	/* No reminder for a session that is not going to happen. */
	return (ev->alarm_minutes > 0 && ev->status != CAL_CANCELLED);
}

/* Whether the event writes GEO: coordinates on the globe. */
static int
feed_event_geo(const struct cal_event *ev)
{
	return (ev->has_geo && ev->lat >= -90.0 && ev->lat <= 90.0 &&
	    ev->lon >= -180.0 && ev->lon <= 180.0);
}

/* Two values a TEXT line is written from: the same line, or both none? */
static int
feed_same_value(const char *a, const char *b)
{
	if (a == NULL || *a == '\0')
		return (b == NULL || *b == '\0');
	return (b != NULL && strcmp(a, b) == 0);
}

int
feed_event_same_tail(const struct cal_event *a, const struct cal_event *b)
{
	if (feed_event_alarm(a) || feed_event_alarm(b))
		return (0);
	if (feed_event_geo(a) != feed_event_geo(b) || (feed_event_geo(a) &&
	    (a->lat != b->lat || a->lon != b->lon)))
		return (0);
	return (feed_same_value(a->location, b->location) &&
	    feed_same_value(a->description, b->description) &&
	    feed_same_value(a->url, b->url) &&
	    feed_same_value(a->category, b->category));
}

void
feed_event_add_tail(const struct cal_event *ev, const char *lang,
    struct buf *bp)
{
	struct buf	 b = *bp;
	struct feed_out	 o = { &b, 0 };
	char		*summary, *url;

	if (ev->location != NULL && *ev->location != '\0') {
		feed_out_str(&o, "LOCATION:");
		feed_out_text(&o, ev->location);
		feed_out_end(&o);
	}
	if (feed_event_geo(ev)) {
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

	if (feed_event_alarm(ev)) {
		summary = feed_summary(ev, lang);
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
		free(summary);
	}
	buf_add(&b, "END:VEVENT\r\n", 12);
	*bp = b;
}
