#include "config.h"

#include <sys/types.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calendars.h"
#include "cause.h"
#include "xmalloc.h"

/* Shown whenever the text cannot be read, so the person sees what works. */
#define WHEN_FORMS	"use 2026-12-03 10:00, 3.12.2026 10:00, 3/12 10.00, " \
	"3. december kl. 10, torsdag kl. 10, 2026-12-03, " \
	"2026-12-03T10:00:00+01:00, today 10:00, tomorrow 10:00, " \
	"i dag 10:00 or i morgen kl. 10.00"

/* Quoted text in a cause is cut to this many bytes. */
#define WHEN_QUOTE_MAX	64

/* What the scanner found. */
struct when_parsed {
	int	relative;	/* 0 = date given, 1 = today, 2 = tomorrow,
				   3 = the next weekday */
	int	weekday;	/* 0 Sunday .. 6, or -1 when none was named */
	int	no_year;	/* day and month only: the next such date */
	int	has_offset;
	int	offset;		/* seconds east of UTC */
	struct cal_local l;
};

static int	 when_digits(const char **, int, int, int *);
static int	 when_two(const char **, int *);
static int	 when_word(const char **, const char *);
static void	 when_spaces(const char **);
static int	 when_time(const char **, int, struct when_parsed *);
static int	 when_offset(const char **, struct when_parsed *);
static int	 when_scan(const char *, struct when_parsed *);

/* Reads min..max decimal digits. */
static int
when_digits(const char **pp, int min, int max, int *out)
{
	const char	*p = *pp;
	int		 n = 0, v = 0;

	while (n < max && isdigit((u_char)*p)) {
		v = v * 10 + (*p - '0');
		p++;
		n++;
	}
	if (n < min || isdigit((u_char)*p))
		return (-1);
	*out = v;
	*pp = p;
	return (0);
}

/* Reads exactly two digits, whatever follows ("+0530" has no separator). */
static int
when_two(const char **pp, int *out)
{
	const char	*p = *pp;

	if (!isdigit((u_char)p[0]) || !isdigit((u_char)p[1]))
		return (-1);
	*out = (p[0] - '0') * 10 + (p[1] - '0');
	*pp = p + 2;
	return (0);
}

/*
 * Matches a word, case-insensitively; a space in word matches one or more
 * spaces. The word must not run on into a letter.
 */
static int
when_word(const char **pp, const char *word)
{
	const char	*p = *pp;

	for (; *word != '\0'; word++) {
		if (*word == ' ') {
			if (*p != ' ' && *p != '\t')
				return (-1);
			when_spaces(&p);
			continue;
		}
		if (tolower((u_char)*p) != (u_char)*word)
			return (-1);
		p++;
	}
	if (isalpha((u_char)*p))
		return (-1);
	*pp = p;
	return (0);
}

static void
when_spaces(const char **pp)
{
	while (**pp == ' ' || **pp == '\t')
		(*pp)++;
}

/*
 * Reads "HH:MM[:SS]" or, as Danes write it, "HH.MM[.SS]". After "kl." a
 * bare hour ("kl. 10") is enough.
 */
static int
when_time(const char **pp, int bare_hour, struct when_parsed *wp)
{
	const char	*p = *pp;
	char		 sep;

	if (when_digits(&p, 1, 2, &wp->l.hour) != 0)
		return (-1);
	if (*p != ':' && *p != '.') {
		if (!bare_hour)
			return (-1);
		wp->l.minute = wp->l.second = 0;
		*pp = p;
		return (0);
	}
	sep = *p++;
	if (when_digits(&p, 2, 2, &wp->l.minute) != 0)
		return (-1);
	wp->l.second = 0;
	if (*p == sep) {
		p++;
		if (when_digits(&p, 2, 2, &wp->l.second) != 0)
			return (-1);
	}
	*pp = p;
	return (0);
}

/* Reads "Z", "+HH:MM" or "+HHMM" (or '-'). */
static int
when_offset(const char **pp, struct when_parsed *wp)
{
	const char	*p = *pp;
	int		 sign, hh, mm;

	if (*p == 'Z' || *p == 'z') {
		wp->has_offset = 1;
		wp->offset = 0;
		*pp = p + 1;
		return (0);
	}
	if (*p != '+' && *p != '-')
		return (-1);
	sign = (*p++ == '-') ? -1 : 1;
	if (when_two(&p, &hh) != 0)
		return (-1);
	if (*p == ':')
		p++;
	if (when_two(&p, &mm) != 0)
		return (-1);
	/* Real offsets run from -12:00 to +14:00. */
	if (hh > 14 || mm > 59)
		return (-1);
	wp->has_offset = 1;
	wp->offset = sign * (hh * 3600 + mm * 60);
	*pp = p;
	return (0);
}

/* Weekdays from Sunday, Danish and English; months from January. */
static const char *when_days[2][7] = {
	{ "søndag", "mandag", "tirsdag", "onsdag", "torsdag", "fredag",
	  "lørdag" },
	{ "sunday", "monday", "tuesday", "wednesday", "thursday", "friday",
	  "saturday" },
};
static const char *when_months[3][12] = {
	{ "januar", "februar", "marts", "april", "maj", "juni", "juli",
	  "august", "september", "oktober", "november", "december" },
	{ "january", "february", "march", "april", "may", "june", "july",
	  "august", "september", "october", "november", "december" },
	{ "jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep",
	  "okt", "nov", "dec" },
};

/* A weekday's name (0 Sunday), or -1. */
static int
when_weekday(const char **pp)
{
	int	 l, d;

	for (l = 0; l < 2; l++) {
		for (d = 0; d < 7; d++) {
			if (when_word(pp, when_days[l][d]) == 0)
				return (d);
		}
	}
	return (-1);
}

/* A month's name, whole or cut to three letters and a dot: 1..12, or -1. */
static int
when_month(const char **pp)
{
	int	 l, m;

	for (l = 0; l < 3; l++) {
		for (m = 0; m < 12; m++) {
			if (when_word(pp, when_months[l][m]) == 0) {
				if (**pp == '.')
					(*pp)++;
				return (m + 1);
			}
		}
	}
	if (when_word(pp, "oct") == 0 || when_word(pp, "may") == 0) {
		if ((*pp)[-1] == 'y')
			return (5);
		if (**pp == '.')
			(*pp)++;
		return (10);
	}
	return (-1);
}

/*
 * Reads a date as Danes write it: "8.12.2026", "8.12.", "8/12",
 * "8/12/2026", "8. december [2026]", "8 dec". Without a year, no_year is
 * set.
 */
static int
when_dmy(const char **pp, struct when_parsed *wp)
{
	const char	*p = *pp, *q;
	char		 sep;

	if (when_digits(&p, 1, 2, &wp->l.day) != 0)
		return (-1);
	sep = *p;
	if (sep == '.' || sep == '/') {
		q = p + 1;
		if (when_digits(&q, 1, 2, &wp->l.month) == 0) {
			p = q;
			if (*p == sep && isdigit((u_char)p[1])) {
				p++;
				if (when_digits(&p, 4, 4, &wp->l.year) != 0)
					return (-1);
			} else {
				if (*p == '.' && sep == '.')
					p++;	/* "8.12." */
				wp->no_year = 1;
			}
			*pp = p;
			return (0);
		}
		if (sep == '/')
			return (-1);
		p++;	/* "8." before a month's name */
	}
	when_spaces(&p);
	if ((wp->l.month = when_month(&p)) < 0)
		return (-1);
	q = p;
	when_spaces(&q);
	if (q > p && when_digits(&q, 4, 4, &wp->l.year) == 0)
		p = q;
	else
		wp->no_year = 1;
	*pp = p;
	return (0);
}

/* "[kl[.]] 10[:00]" up to an offset or the end; bare hour after "kl". */
static int
when_clock(const char **pp, struct when_parsed *wp)
{
	const char	*p = *pp;
	int		 kl = 0;

	when_spaces(&p);
	if (when_word(&p, "kl") == 0) {
		if (*p == '.')
			p++;
		when_spaces(&p);
		kl = 1;
	}
	if (when_time(&p, kl, wp) != 0)
		return (-1);
	*pp = p;
	return (0);
}

/*
 * A date and what follows it: ISO ("2026-12-03", a time after a space or
 * T, then perhaps an offset) or Danish ("8.12.2026 10:00", "8/12 kl. 10",
 * "8. december 10.00"; no offset, and a time unless the year is given).
 */
static int
when_date_time(const char *p, struct when_parsed *wp)
{
	const char	*iso = p;

	if (when_digits(&iso, 4, 4, &wp->l.year) == 0 && *iso == '-') {
		p = iso + 1;
		if (when_digits(&p, 1, 2, &wp->l.month) != 0 || *p++ != '-' ||
		    when_digits(&p, 1, 2, &wp->l.day) != 0)
			return (-1);
		if (*p == '\0')
			return (0);
		if (*p == 'T' || *p == 't') {
			p++;
			if (when_time(&p, 0, wp) != 0)
				return (-1);
		} else if ((*p != ' ' && *p != '\t') ||
		    when_clock(&p, wp) != 0)
			return (-1);
		if (*p != '\0' && when_offset(&p, wp) != 0)
			return (-1);
		return (*p == '\0' ? 0 : -1);
	}
	if (when_dmy(&p, wp) != 0)
		return (-1);
	if (*p == '\0')
		return (wp->no_year ? -1 : 0);
	if (*p == ',')
		p++;
	if ((*p != ' ' && *p != '\t') || when_clock(&p, wp) != 0)
		return (-1);
	return (*p == '\0' ? 0 : -1);
}

/* Fills wp from text (trimmed, lower case); 0 when all of it was read. */
static int
when_scan(const char *text, struct when_parsed *wp)
{
	const char	*p = text;

	memset(wp, 0, sizeof *wp);
	wp->weekday = -1;
	if (when_word(&p, "today") == 0 || when_word(&p, "i dag") == 0)
		wp->relative = 1;
	else if (when_word(&p, "tomorrow") == 0 ||
	    when_word(&p, "i morgen") == 0)
		wp->relative = 2;
	else if ((wp->weekday = when_weekday(&p)) < 0)
		return (when_date_time(p, wp));

	if (wp->weekday >= 0) {
		/* "tirsdag [den] 8. december ..." or "tirsdag kl. 10". */
		if (*p == ',')
			p++;
		when_spaces(&p);
		if (when_word(&p, "den") == 0)
			when_spaces(&p);
		if (when_date_time(p, wp) == 0)
			return (0);
		memset(&wp->l, 0, sizeof wp->l);
		wp->no_year = 0;
		wp->relative = 3;
	} else if (*p != ' ' && *p != '\t') {
		/* A day alone is refused: midnight is rarely what was meant. */
		return (-1);
	}
	if (when_clock(&p, wp) != 0)
		return (-1);
	return (*p == '\0' ? 0 : -1);
}

/* Day of the week of a date, 0 Sunday; and the date n days on. */
static int
when_wday(int y, int m, int d, int n, struct cal_local *out)
{
	struct tm	 tm;
	time_t		 day;

	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d + n;
	tm.tm_hour = 12;	/* well clear of any DST */
	day = timegm(&tm);
	if (gmtime_r(&day, &tm) == NULL)
		return (-1);
	if (out != NULL) {
		out->year = tm.tm_year + 1900;
		out->month = tm.tm_mon + 1;
		out->day = tm.tm_mday;
	}
	return (tm.tm_wday);
}

int
when_parse(const char *text, const char *tzid, time_t now, time_t *out,
    char **cause)
{
	struct when_parsed	 wp;
	struct cal_local	 today;
	time_t			 t;
	int			 wd, n;
	u_char			*lp;
	char			*trimmed, *end, *why = NULL;
	char			 quoted[WHEN_QUOTE_MAX + 4];
	const char		*start;

	if (text == NULL)
		return (cause_set(cause, "no date and time given; %s",
		    WHEN_FORMS));
	for (start = text; isspace((u_char)*start); start++)
		/* nothing */;
	trimmed = xstrdup(start);
	end = trimmed + strlen(trimmed);
	while (end > trimmed && isspace((u_char)end[-1]))
		*--end = '\0';
	cause_quote(trimmed, quoted, sizeof quoted);

	if (*trimmed == '\0') {
		cause_set(cause, "no date and time given; %s", WHEN_FORMS);
		goto fail;
	}
	/* Lower case, Æ, Ø and Å too, so TIRSDAG and SØNDAG read. */
	for (lp = (u_char *)trimmed; *lp != '\0'; lp++) {
		if (lp[0] == 0xc3 && lp[1] >= 0x80 && lp[1] <= 0x9e &&
		    lp[1] != 0x97)
			*++lp += 0x20;
		else
			*lp = (u_char)tolower(*lp);
	}
	if (when_scan(trimmed, &wp) != 0) {
		cause_set(cause, "cannot read \"%s\" as a date and time; %s",
		    quoted, WHEN_FORMS);
		goto fail;
	}

	if (wp.relative != 0 || wp.no_year) {
		if (zone_utc_to_local(tzid, now, &today) != 0) {
			cause_set(cause, "unknown time zone \"%s\"",
			    tzid == NULL ? "" : tzid);
			goto fail;
		}
	}
	if (wp.relative == 3) {
		/* The next such weekday, a week on when it is today. */
		wd = when_wday(today.year, today.month, today.day, 0, NULL);
		n = (wp.weekday - wd + 7) % 7;
		if (when_wday(today.year, today.month, today.day, n == 0 ? 7 :
		    n, &wp.l) < 0) {
			cause_set(cause, "\"%s\": the date is out of range",
			    quoted);
			goto fail;
		}
	} else if (wp.relative != 0) {
		/* Step the calendar date at noon, well clear of any DST. */
		if (when_wday(today.year, today.month, today.day,
		    wp.relative == 2 ? 1 : 0, &wp.l) < 0) {
			cause_set(cause, "\"%s\": the date is out of range",
			    quoted);
			goto fail;
		}
	} else if (wp.no_year) {
		/* "8/12": this year's, or next year's once it has passed. */
		wp.l.year = today.year;
		if (wp.l.month < today.month || (wp.l.month == today.month &&
		    wp.l.day < today.day))
			wp.l.year++;
	}
	/*
	 * With an offset the time is absolute: read the fields as UTC (which
	 * also checks their ranges) and take the offset off.
	 */
	if (zone_local_to_utc(wp.has_offset ? "UTC" : tzid, &wp.l, &t,
	    &why) != 0) {
		cause_set(cause, "\"%s\": %s", quoted, why);
		free(why);
		goto fail;
	}
	/* A weekday named with a date must be the date's. */
	if (wp.weekday >= 0 && wp.relative == 0 &&
	    (wd = when_wday(wp.l.year, wp.l.month, wp.l.day, 0, NULL)) !=
	    wp.weekday) {
		cause_set(cause, "\"%s\": %04d-%02d-%02d is a %s, not a %s",
		    quoted, wp.l.year, wp.l.month, wp.l.day,
		    when_days[1][wd < 0 ? 0 : wd], when_days[1][wp.weekday]);
		goto fail;
	}
	free(trimmed);
	*out = t - wp.offset;
	return (0);

fail:
	free(trimmed);
	return (-1);
}
