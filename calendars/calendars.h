/*
 * calendars: time zones, date input, recurrence expansion and (later)
 * iCalendar feeds, built on libical. No SQL and no network in here; the
 * daemon hands in plain values. Self-contained: includes nothing of the
 * daemon's.
 *
 * Errors: functions that can fail return -1 and, when cause is not NULL,
 * set *cause to a newly allocated sentence the caller frees.
 */
#ifndef CALENDARS_H
#define CALENDARS_H

#include <stddef.h>
#include <time.h>

/* A wall-clock time in some zone. */
struct cal_local {
	int	year, month, day;	/* month 1..12 */
	int	hour, minute, second;
	int	wday;			/* 0 = Sunday */
	int	utc_offset;		/* seconds east of UTC */
};

/* zone.c */
/* 1 if libical knows this IANA zone name, else 0. */
int	 zone_valid(const char *tzid);
/*
 * Local wall-clock time in tzid to UTC. A time inside the spring DST gap
 * does not exist and is refused; a time in the repeated autumn hour means
 * its first occurrence.
 */
int	 zone_local_to_utc(const char *tzid, const struct cal_local *,
	    time_t *, char **cause);
/* UTC to wall-clock time in tzid (fills every field of cal_local). */
int	 zone_utc_to_local(const char *tzid, time_t, struct cal_local *);
/* "2026-12-03T10:00:00+01:00"; caller frees. */
char	*zone_format_local(const char *tzid, time_t);
/* "2026-12-03T09:00:00Z"; caller frees. */
char	*zone_format_utc(time_t);
/* Frees libical's cached zones; call once at exit, after the last use. */
void	 zone_cleanup(void);

/* when.c */
/*
 * Parses a date and time typed by a person or a program:
 *   "2026-12-03 10:00", "2026-12-03T10:00[:SS]"  local time in tzid
 *   "2026-12-03"                                  local midnight
 *   "2026-12-03T10:00:00+01:00", "...Z"           absolute
 *   "today 10:00", "tomorrow 10:00", "i dag 10:00", "i morgen 10:00"
 *                                                 relative to now, in tzid
 * Stores the instant in *out.
 */
int	 when_parse(const char *text, const char *tzid, time_t now,
	    time_t *out, char **cause);

/* recur.c */
#define RECUR_MAX	260
/*
 * Expands an RFC 5545 RRULE (without the "RRULE:" prefix) whose first
 * occurrence is start, in the wall-clock time of tzid, so 10:00 stays 10:00
 * across DST changes. The rule must end (COUNT or UNTIL) and yield at most
 * max occurrences, else it is refused. *out is allocated (caller frees),
 * *n set to the count, the first element is start itself when it matches.
 */
int	 recur_expand(const char *tzid, time_t start, const char *rrule,
	    size_t max, time_t **out, size_t *n, char **cause);
/* Weekly series of count sessions starting at start, same wall-clock time. */
int	 recur_weekly(const char *tzid, time_t start, size_t count,
	    time_t **out, size_t *n, char **cause);
/*
 * Shifts t by the wall-clock difference between from and to (all in tzid):
 * moving a series from Tuesday 10:00 to Wednesday 11:00 moves each later
 * occurrence by one day and one hour of local time.
 */
int	 recur_shift(const char *tzid, time_t t, time_t from, time_t to,
	    time_t *out, char **cause);

/* holiday.c: Danish holidays, computed */
/*
 * Which days count as holidays: none; the public holidays (nytårsdag,
 * skærtorsdag, langfredag, påskedag, 2. påskedag, Kristi himmelfartsdag,
 * pinsedag, 2. pinsedag, juledag, 2. juledag; store bededag until 2023);
 * or those and the days libraries close by custom: grundlovsdag (5 June),
 * juleaftensdag (24 December) and nytårsaftensdag (31 December).
 */
enum holiday_set { HOLIDAYS_NONE, HOLIDAYS_OFFICIAL, HOLIDAYS_CUSTOMARY };
/* Easter Sunday of a Gregorian year. */
void	 holiday_easter(int year, int *month, int *day);
/* The Danish name of the holiday on a date ("juledag"), or NULL. */
const char *holiday_name(int year, int month, int day, int set);

/* feed.c: iCalendar output (RFC 5545), built with libical */
enum cal_status { CAL_CONFIRMED, CAL_TENTATIVE, CAL_CANCELLED };
/*
 * Why a CAL_CANCELLED event is gone from a person's calendar, which its
 * SUMMARY says: the session is cancelled ("AFLYST: "), or only the
 * person's place is gone, as she unregistered ("Afmeldt: ") or was moved
 * to the waitlist ("Venteliste: ").
 */
enum cal_gone { CAL_GONE_CANCELLED, CAL_GONE_WITHDRAWN, CAL_GONE_WAITLISTED };

/* One session as a calendar event: plain values the caller owns. */
struct cal_event {
	const char	*uid;		/* stable across every change */
	int		 sequence;	/* raised on every change people care about */
	int		 status;	/* enum cal_status */
	int		 gone;		/* enum cal_gone, when cancelled */
	int		 waitlisted;	/* personal feed: TENTATIVE, "(venteliste)" */
	time_t		 start, end;
	const char	*tzid;		/* the venue's IANA zone */
	const char	*title;		/* SUMMARY: the course title */
	const char	*category;	/* CATEGORIES: the course type */
	const char	*location;	/* venue name and full address */
	int		 has_geo;
	double		 lat, lon;
	const char	*description;	/* course, what to bring, access, ... */
	const char	*url;		/* or NULL */
	time_t		 created;
	time_t		 last_modified;	/* also DTSTAMP, so the text is stable */
	int		 alarm_minutes;	/* VALARM this long before; 0 none */
};

struct cal_feed {
	const char	*name;		/* NAME and X-WR-CALNAME */
	const char	*tzid;		/* X-WR-TIMEZONE */
	int		 refresh_minutes; /* REFRESH-INTERVAL, X-PUBLISHED-TTL */
};

/*
 * One VEVENT as folded iCalendar text with CRLF line ends (caller frees),
 * safe to call from several threads at once,
 * in lang ("da" or "en": "AFLYST: " and "(venteliste)" or their English).
 * The same event always gives the same bytes: the daemon caches them per
 * session and assembles feeds from them.
 */
char	*feed_event(const struct cal_event *, const char *lang, size_t *len);
/*
 * The same text appended to b (common/buf.h), whose memory a caller
 * rendering many may keep from one event to the next; -1 (nothing
 * appended) where feed_event() gives NULL.
 */
struct buf;
int	 feed_event_add(const struct cal_event *, const char *lang,
	    struct buf *b);
/*
 * The same in two parts: the event's own lines, up to and with
 * LAST-MODIFIED (-1 as above), then the rest, its tail (where, what,
 * who), which the events of a venue's course type share. Whether two
 * events' tails are the same bytes is told from the values, far faster
 * than writing one.
 */
int	 feed_event_add_head(const struct cal_event *, const char *lang,
	    struct buf *b);
void	 feed_event_add_tail(const struct cal_event *, const char *lang,
	    struct buf *b);
int	 feed_event_same_tail(const struct cal_event *,
	    const struct cal_event *);
/*
 * A whole VCALENDAR (METHOD:PUBLISH): the header, one VTIMEZONE for each
 * of the ntz zones in its compact RRULE form covering [from, until], the
 * n pre-rendered events in order, and the footer. Caller frees.
 */
char	*feed_calendar(const struct cal_feed *, const char *const *tzids,
	    size_t ntz, time_t from, time_t until, const char *const *events,
	    const size_t *lens, size_t n, size_t *len);
/*
 * What feed_calendar() writes before the first event (the header and the
 * VTIMEZONEs), for a caller that puts the events and FEED_CALENDAR_END
 * after it in a buffer of its own. Caller frees.
 */
#define FEED_CALENDAR_END	"END:VCALENDAR\r\n"
char	*feed_calendar_head(const struct cal_feed *, const char *const *tzids,
	    size_t ntz, time_t from, time_t until, size_t *len);
/*
 * Builds ahead, into their cache, the VTIMEZONEs a head of these zones
 * and times would take (a few milliseconds each, libical's): any thread.
 */
void	 feed_calendar_zones(const char *const *tzids, size_t ntz,
	    time_t from, time_t until);

/* invite.c: a calendar for one session and one attendee, to mail */
struct cal_invite {
	const char	*method;	/* "REQUEST" or "CANCEL" */
	const char	*organizer_name, *organizer_email;
	const char	*attendee_name, *attendee_email;
	int		 gone;		/* CANCEL: enum cal_gone */
};
/*
 * METHOD:REQUEST or CANCEL with ORGANIZER and ATTENDEE (RSVP=FALSE: no
 * answer is asked for); a CANCEL's SUMMARY says why (gone). Caller
 * frees.
 */
char	*invite_render(const struct cal_event *, const struct cal_invite *,
	    const char *lang, size_t *len);
/*
 * The same in two steps, for many attendees of one session: the frame
 * (the calendar less ORGANIZER and ATTENDEE: the same for all of them;
 * inv's method and gone count, its people not), then each attendee's
 * calendar from it, the bytes invite_render() makes. invite_frame() -1:
 * none made; invite_frame_render() NULL: an address it refuses.
 */
struct cal_invite_frame {
	char	*before, *after;	/* the text around the people */
	size_t	 before_len, after_len;
	/* the ORGANIZER line, made once, and whom it names */
	char	*organizer, *organizer_name, *organizer_email;
	size_t	 organizer_len;
};
int	 invite_frame(const struct cal_event *, const struct cal_invite *,
	    const char *lang, struct cal_invite_frame *);
char	*invite_frame_render(const struct cal_invite_frame *,
	    const struct cal_invite *, size_t *len);
void	 invite_frame_clear(struct cal_invite_frame *);

/* import.c: sessions from a calendar file */
struct cal_import_event {
	char	*key;		/* UID, plus "/" RECURRENCE-ID of an occurrence */
	char	*uid;
	time_t	 start, end;
	char	*summary, *description, *location;	/* may be NULL */
	int	 cancelled;	/* STATUS:CANCELLED */
};
struct cal_import_skip {
	char	*key;		/* what was skipped (UID or "line N") */
	char	*reason;
};
struct cal_import {
	struct cal_import_event	*events;
	size_t			 nevents;
	struct cal_import_skip	*skips;
	size_t			 nskips;
};
/*
 * Parses a calendar file and expands every VEVENT into occurrences in
 * [from, until): RRULE, RDATE, EXDATE and overridden occurrences
 * (RECURRENCE-ID). Times are taken from the file's VTIMEZONE, a known IANA
 * TZID or a Windows zone name ("Romance Standard Time"), UTC, or floating
 * (read in default_tzid). At most max occurrences. A file that does not
 * parse is refused with the line that broke it; events that cannot be used
 * are listed as skips with the reason (their key may be UID/RECURRENCE-ID).
 * More than max occurrences in the window refuse the whole file, as do a
 * NUL byte and an unknown default_tzid; text need not be NUL-terminated.
 * X-WR-TIMEZONE is not used: floating times are read in default_tzid.
 */
int	 import_parse(const char *text, size_t len, const char *default_tzid,
	    time_t from, time_t until, size_t max, struct cal_import **,
	    char **cause);
void	 import_free(struct cal_import *);

#endif
