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
#define WHEN_FORMS	"use 2026-12-03 10:00, 2026-12-03, " \
	"2026-12-03T10:00:00+01:00, today 10:00, tomorrow 10:00, " \
	"i dag 10:00 or i morgen kl. 10.00"

/* Quoted text in a cause is cut to this many bytes. */
#define WHEN_QUOTE_MAX	64

/* What the scanner found. */
struct when_parsed {
	int	relative;	/* 0 = date given, 1 = today, 2 = tomorrow */
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
		if (tolower((u_char)*p) != *word)
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

/* Fills wp from text (already trimmed); 0 when the whole text was read. */
static int
when_scan(const char *text, struct when_parsed *wp)
{
	const char	*p = text;
	int		 kl = 0;

	memset(wp, 0, sizeof *wp);
	if (when_word(&p, "today") == 0 || when_word(&p, "i dag") == 0)
		wp->relative = 1;
	else if (when_word(&p, "tomorrow") == 0 ||
	    when_word(&p, "i morgen") == 0)
		wp->relative = 2;

	if (wp->relative != 0) {
		/* A day alone is refused: midnight is rarely what was meant. */
		if (*p != ' ' && *p != '\t')
			return (-1);
	} else {
		if (when_digits(&p, 4, 4, &wp->l.year) != 0 || *p++ != '-')
			return (-1);
		if (when_digits(&p, 1, 2, &wp->l.month) != 0 || *p++ != '-')
			return (-1);
		if (when_digits(&p, 1, 2, &wp->l.day) != 0)
			return (-1);
		if (*p == '\0')
			return (0);
		if (*p == 'T' || *p == 't') {
			p++;
			if (when_time(&p, 0, wp) != 0)
				return (-1);
			goto offset;
		}
		if (*p != ' ' && *p != '\t')
			return (-1);
	}

	when_spaces(&p);
	if (when_word(&p, "kl") == 0) {
		if (*p == '.')
			p++;
		when_spaces(&p);
		kl = 1;
	}
	if (when_time(&p, kl, wp) != 0)
		return (-1);

offset:
	/* Only a written-out date may carry an offset. */
	if (wp->relative == 0 && *p != '\0' && when_offset(&p, wp) != 0)
		return (-1);
	return (*p == '\0' ? 0 : -1);
}

int
when_parse(const char *text, const char *tzid, time_t now, time_t *out,
    char **cause)
{
	struct when_parsed	 wp;
	struct cal_local	 today;
	struct tm		 tm;
	time_t			 t, day;
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
	if (when_scan(trimmed, &wp) != 0) {
		cause_set(cause, "cannot read \"%s\" as a date and time; %s",
		    quoted, WHEN_FORMS);
		goto fail;
	}

	if (wp.relative != 0) {
		if (zone_utc_to_local(tzid, now, &today) != 0) {
			cause_set(cause, "unknown time zone \"%s\"",
			    tzid == NULL ? "" : tzid);
			goto fail;
		}
		/* Step the calendar date at noon, well clear of any DST. */
		memset(&tm, 0, sizeof tm);
		tm.tm_year = today.year - 1900;
		tm.tm_mon = today.month - 1;
		tm.tm_mday = today.day + (wp.relative == 2 ? 1 : 0);
		tm.tm_hour = 12;
		day = timegm(&tm);
		if (gmtime_r(&day, &tm) == NULL) {
			cause_set(cause, "\"%s\": the date is out of range",
			    quoted);
			goto fail;
		}
		wp.l.year = tm.tm_year + 1900;
		wp.l.month = tm.tm_mon + 1;
		wp.l.day = tm.tm_mday;
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
	free(trimmed);
	*out = t - wp.offset;
	return (0);

fail:
	free(trimmed);
	return (-1);
}
