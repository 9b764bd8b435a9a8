/*
 * Dates and phone numbers in the words people use, for the messages and
 * (later) the public pages: "tirsdag den 8. december kl. 10.00–11.30",
 * "76 29 23 00". The names are spelled out here: no setlocale(), no
 * strftime(), so the machine's locales change nothing.
 *
 * The times are wall-clock times where the session is held, worked out by
 * the caller (the notifier knows no time zones): on the day summer time
 * begins, a session from 01.30 to 03.30 lasts one hour, and it is written
 * as the clocks on the wall will show it.
 */

#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "notifier.h"
#include "phone.h"
#include "xmalloc.h"

static const char *words_weekday_da[7] = { "søndag", "mandag", "tirsdag",
    "onsdag", "torsdag", "fredag", "lørdag" };
static const char *words_weekday_en[7] = { "Sunday", "Monday", "Tuesday",
    "Wednesday", "Thursday", "Friday", "Saturday" };
static const char *words_month_da[12] = { "januar", "februar", "marts",
    "april", "maj", "juni", "juli", "august", "september", "oktober",
    "november", "december" };
static const char *words_month_en[12] = { "January", "February", "March",
    "April", "May", "June", "July", "August", "September", "October",
    "November", "December" };

/* Whether a local time is there and makes sense. */
static int
words_time_ok(const struct notice_time *l)
{
	return (l != NULL && l->wday >= 0 && l->wday <= 6 && l->month >= 1 &&
	    l->month <= 12 && l->day >= 1 && l->day <= 31 && l->hour >= 0 &&
	    l->hour <= 23 && l->minute >= 0 && l->minute <= 59);
}

/* Days since 1970-01-01 of a date (proleptic Gregorian). */
static int64_t
words_days(const struct notice_time *l)
{
	int64_t	 y = l->year, era, yoe, doy, doe;
	int	 m = l->month;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + l->day - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (era * 146097 + doe - 719468);
}

/* "kl. 10.00" or "10:00"; hour 24 for the midnight that ends a day. */
static char *
words_clock(int hour, int minute, int en)
{
	return (xprintf("%02d%c%02d", hour, en ? ':' : '.', minute));
}

/* The day alone: "tirsdag den 8. december", "Tuesday 8 December". */
static char *
words_day(const struct notice_time *l, int en)
{
	if (en)
		return (xprintf("%s %d %s", words_weekday_en[l->wday], l->day,
		    words_month_en[l->month - 1]));
	return (xprintf("%s den %d. %s", words_weekday_da[l->wday], l->day,
	    words_month_da[l->month - 1]));
}

char *
words_date(const struct notice_time *l, int flags)
{
	char	*day, *clock, *s;
	int	 en = (flags & WORDS_EN) != 0;

	if (!words_time_ok(l))
		return (NULL);
	day = words_day(l, en);
	clock = words_clock(l->hour, l->minute, en);
	s = xprintf("%s %s %s", day, en ? "at" : "kl.", clock);
	free(day);
	free(clock);
	return (s);
}

char *
words_when(const struct notice_time *start, const struct notice_time *end,
    int flags)
{
	const char	*dash = (flags & WORDS_GSM) ? "-" : "\xe2\x80\x93";
	char		*day, *from, *to, *s;
	int64_t		 days;
	int		 en = (flags & WORDS_EN) != 0, hour;

	if (!words_time_ok(start))
		return (NULL);
	if (!words_time_ok(end))
		return (words_date(start, flags));
	days = words_days(end) - words_days(start);
	if (days == 0 || (days == 1 && end->hour == 0 && end->minute == 0)) {
		/* The same day, or to the midnight that ends it: "24.00". */
		hour = days == 0 ? end->hour : 24;
		day = words_day(start, en);
		from = words_clock(start->hour, start->minute, en);
		to = words_clock(hour, end->minute, en);
		s = xprintf("%s%s %s%s%s", day, en ? "," : " kl.", from, dash,
		    to);
		free(day);
		free(from);
		free(to);
		return (s);
	}
	from = words_date(start, flags);
	to = words_date(end, flags);
	s = xprintf("%s %s %s", from, en ? "to" : "til", to);
	free(from);
	free(to);
	return (s);
}

char *
words_phone(const char *p, int flags)
{
	if (p == NULL || *p == '\0')
		return (NULL);
	return (phone_words(p, flags & WORDS_EN));
}

char *
words_month(int year, int month, int flags)
{
	if (month < 1 || month > 12)
		return (xprintf("%d", year));
	return (xprintf("%s %d", (flags & WORDS_EN) ?
	    words_month_en[month - 1] : words_month_da[month - 1], year));
}
