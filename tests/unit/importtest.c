/*
 * The helpers the unit tests of calendars/import.c share (importtest.h).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "calendars.h"
#include "importtest.h"
#include "unittest.h"

/*
 * Reads tests/data/ics/name from the source tree: $KURSUS_SRCDIR (set by
 * make check), else the directory this file was compiled from.
 */
char *
sample(const char *name, size_t *len)
{
	static const char	 self[] = "tests/unit/importtest.c";
	const char		*src = getenv("KURSUS_SRCDIR");
	char			 dir[4096], path[4200], *buf;
	size_t			 n;
	long			 size;
	FILE			*f;

	if (src != NULL)
		snprintf(dir, sizeof dir, "%s/", src);
	else {
		snprintf(dir, sizeof dir, "%s", __FILE__);
		n = strlen(dir);
		if (n >= sizeof self - 1 &&
		    strcmp(dir + n - (sizeof self - 1), self) == 0)
			dir[n - (sizeof self - 1)] = '\0';
		else
			snprintf(dir, sizeof dir, "./");
	}
	snprintf(path, sizeof path, "%stests/data/ics/%s", dir, name);
	if ((f = fopen(path, "rb")) == NULL)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)size + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	buf[size] = '\0';
	*len = (size_t)size;
	return (buf);
}

struct cal_import *
parse_text(const char *text, const char *tz, time_t from, time_t until,
    size_t max)
{
	struct cal_import	*imp = NULL;
	char			*cause = NULL;

	if (import_parse(text, strlen(text), tz, from, until, max, &imp,
	    &cause) != 0)
		fail_msg("refused: %s", cause);
	assert_null(cause);
	assert_non_null(imp);
	assert_sane(imp, from, until);
	return (imp);
}

struct cal_import *
parse_file(const char *name, const char *tz, time_t from, time_t until,
    size_t max)
{
	struct cal_import	*imp = NULL;
	char			*text, *cause = NULL;
	size_t			 len;

	text = sample(name, &len);
	if (import_parse(text, len, tz, from, until, max, &imp, &cause) != 0)
		fail_msg("%s refused: %s", name, cause);
	free(text);
	assert_null(cause);
	assert_non_null(imp);
	assert_sane(imp, from, until);
	return (imp);
}

/* The cause (caller frees) after checking nothing was returned. */
char *
refuse_text(const char *text, size_t len, const char *tz, time_t from,
    time_t until, size_t max)
{
	static struct cal_import	 sentinel;
	struct cal_import		*imp = &sentinel;
	char				*cause = NULL;

	assert_int_equal(import_parse(text, len, tz, from, until, max, &imp,
	    &cause), -1);
	assert_null(imp);
	assert_non_null(cause);
	/* Without a cause it must not crash either. */
	imp = &sentinel;
	assert_int_equal(import_parse(text, len, tz, from, until, max, &imp,
	    NULL), -1);
	assert_null(imp);
	return (cause);
}

void
assert_refused_file(const char *name, const char *want)
{
	char	*text, *cause;
	size_t	 len;

	text = sample(name, &len);
	cause = refuse_text(text, len, CPH, utc(2026, 1, 1, 0, 0, 0),
	    utc(2027, 1, 1, 0, 0, 0), RECUR_MAX);
	assert_string_equal(cause, want);
	free(cause);
	free(text);
}

const struct cal_import_event *
find(const struct cal_import *imp, const char *key)
{
	size_t	i;

	for (i = 0; i < imp->nevents; i++) {
		if (strcmp(imp->events[i].key, key) == 0)
			return (&imp->events[i]);
	}
	return (NULL);
}

const struct cal_import_skip *
find_skip(const struct cal_import *imp, const char *key)
{
	size_t	i;

	for (i = 0; i < imp->nskips; i++) {
		if (strcmp(imp->skips[i].key, key) == 0)
			return (&imp->skips[i]);
	}
	return (NULL);
}

/* The occurrence with this key starts at want, in Copenhagen time. */
void
assert_start(const struct cal_import *imp, const char *key, const char *want)
{
	const struct cal_import_event	*e;
	char				*s;

	if ((e = find(imp, key)) == NULL)
		fail_msg("no occurrence %s", key);
	s = zone_format_local(CPH, e->start);
	if (strcmp(s, want) != 0)
		fail_msg("%s starts %s, not %s", key, s, want);
	free(s);
}

void
assert_skip(const struct cal_import *imp, const char *key, const char *want)
{
	const struct cal_import_skip	*s;

	if ((s = find_skip(imp, key)) == NULL)
		fail_msg("%s was not skipped", key);
	if (strstr(s->reason, want) == NULL)
		fail_msg("%s skipped with \"%s\", not \"%s\"", key, s->reason,
		    want);
}

/* What every result must be, whatever went in. */
void
assert_sane(const struct cal_import *imp, time_t from, time_t until)
{
	const struct cal_import_event	*e;
	size_t				 i, n;

	for (i = 0; i < imp->nevents; i++) {
		e = &imp->events[i];
		assert_non_null(e->key);
		assert_non_null(e->uid);
		n = strlen(e->uid);
		assert_true(n > 0);
		assert_memory_equal(e->key, e->uid, n);
		assert_true(e->key[n] == '\0' || e->key[n] == '/');
		assert_true(e->end > e->start);
		assert_true(e->start >= from && e->start < until);
		if (i > 0)
			assert_true(imp->events[i - 1].start <= e->start);
	}
	for (i = 0; i < imp->nskips; i++) {
		assert_true(imp->skips[i].key[0] != '\0');
		assert_true(strncmp(imp->skips[i].reason, "line ", 5) == 0);
	}
}

/* The builtin zones belong to libical; hand them back for leak checkers. */
int
teardown_zones(void **state)
{
	(void)state;
	zone_cleanup();
	return (0);
}
