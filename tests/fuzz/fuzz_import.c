/*
 * Fuzz target for calendar import: the input is an .ics file. It is either
 * refused, with nothing returned and a cause that names a line, or it gives
 * occurrences that start inside the window and end after they start, whose
 * keys are their UID (and "/" RECURRENCE-ID), with valid UTF-8 text, sorted
 * by start, at most max of them, and skips that each have a key and a
 * reason naming a line. The same input gives the same result twice.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendars.h"

#define FUZZ_FROM	1767225600	/* 2026-01-01 00:00 UTC */
#define FUZZ_UNTIL	1830297600	/* 2028-01-01 00:00 UTC */
#define FUZZ_MAX	RECUR_MAX
#define FUZZ_SIZE_MAX	(4 * 1024 * 1024)

int	LLVMFuzzerTestOneInput(const unsigned char *, size_t);

static int	fuzz_utf8(const char *);
static int	fuzz_names_line(const char *);
static void	fuzz_check(const struct cal_import *);
static void	fuzz_same(const struct cal_import *,
		    const struct cal_import *);

static int
fuzz_utf8(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n, k;

	while (*p != '\0') {
		if (*p < 0x80) {
			p++;
			continue;
		}
		if (*p >= 0xc2 && *p <= 0xdf)
			n = 1;
		else if (*p >= 0xe0 && *p <= 0xef)
			n = 2;
		else if (*p >= 0xf0 && *p <= 0xf4)
			n = 3;
		else
			return (0);
		for (k = 1; k <= n; k++) {
			if ((p[k] & 0xc0) != 0x80)
				return (0);
		}
		p += n + 1;
	}
	return (1);
}

/* "line " and a number somewhere in s. */
static int
fuzz_names_line(const char *s)
{
	const char	*p = s;

	while ((p = strstr(p, "line ")) != NULL) {
		p += 5;
		if (isdigit((unsigned char)*p))
			return (1);
	}
	return (0);
}

static void
fuzz_check(const struct cal_import *imp)
{
	const struct cal_import_event	*e;
	size_t				 i, n;

	if (imp->nevents > FUZZ_MAX)
		abort();
	for (i = 0; i < imp->nevents; i++) {
		e = &imp->events[i];
		if (e->key == NULL || e->uid == NULL || *e->uid == '\0')
			abort();
		n = strlen(e->uid);
		if (strncmp(e->key, e->uid, n) != 0 ||
		    (e->key[n] != '\0' && e->key[n] != '/'))
			abort();
		if (e->end <= e->start)
			abort();
		if (e->start < FUZZ_FROM || e->start >= FUZZ_UNTIL)
			abort();
		if (i > 0 && imp->events[i - 1].start > e->start)
			abort();
		if (!fuzz_utf8(e->key) ||
		    (e->summary != NULL && !fuzz_utf8(e->summary)) ||
		    (e->description != NULL && !fuzz_utf8(e->description)) ||
		    (e->location != NULL && !fuzz_utf8(e->location)))
			abort();
	}
	for (i = 0; i < imp->nskips; i++) {
		if (imp->skips[i].key == NULL || *imp->skips[i].key == '\0' ||
		    imp->skips[i].reason == NULL ||
		    strncmp(imp->skips[i].reason, "line ", 5) != 0 ||
		    !fuzz_utf8(imp->skips[i].key) ||
		    !fuzz_utf8(imp->skips[i].reason))
			abort();
	}
}

static void
fuzz_same(const struct cal_import *a, const struct cal_import *b)
{
	size_t	i;

	if (a->nevents != b->nevents || a->nskips != b->nskips)
		abort();
	for (i = 0; i < a->nevents; i++) {
		if (strcmp(a->events[i].key, b->events[i].key) != 0 ||
		    a->events[i].start != b->events[i].start ||
		    a->events[i].end != b->events[i].end ||
		    a->events[i].cancelled != b->events[i].cancelled)
			abort();
	}
	for (i = 0; i < a->nskips; i++) {
		if (strcmp(a->skips[i].reason, b->skips[i].reason) != 0)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct cal_import	*imp = NULL, *again = NULL;
	char			*cause = NULL, *cause2 = NULL;
	int			 rc;

	rc = import_parse((const char *)data, size, "Europe/Copenhagen",
	    FUZZ_FROM, FUZZ_UNTIL, FUZZ_MAX, &imp, &cause);
	if (rc == 0) {
		if (imp == NULL || cause != NULL)
			abort();
		fuzz_check(imp);
	} else {
		if (imp != NULL || cause == NULL || !fuzz_utf8(cause))
			abort();
		if (size <= FUZZ_SIZE_MAX && !fuzz_names_line(cause))
			abort();
	}

	if (import_parse((const char *)data, size, "Europe/Copenhagen",
	    FUZZ_FROM, FUZZ_UNTIL, FUZZ_MAX, &again, &cause2) != rc)
		abort();
	if (rc == 0)
		fuzz_same(imp, again);
	else if (strcmp(cause, cause2) != 0)
		abort();
	import_free(imp);
	import_free(again);
	free(cause);
	free(cause2);
	return (0);
}
