/*
 * What the unit tests of calendars/import.c share (importtest.c): the
 * sample files read and parsed, refusals, the events and skips found by
 * their keys, and the checks every import must pass.
 */
#ifndef IMPORTTEST_H
#define IMPORTTEST_H

#include <stddef.h>
#include <time.h>

#include "calendars.h"

#define CPH	"Europe/Copenhagen"

/* tests/data/ics/name from the source tree; caller frees. */
char	*sample(const char *name, size_t *len);
/* text (or the sample file name) parsed in zone tz between from and
 * until, at most max occurrences; it must parse and be sane. */
struct cal_import *parse_text(const char *text, const char *tz,
	    time_t from, time_t until, size_t max);
struct cal_import *parse_file(const char *name, const char *tz,
	    time_t from, time_t until, size_t max);
/* text that must be refused: the cause (caller frees), after checking
 * nothing was returned. */
char	*refuse_text(const char *text, size_t len, const char *tz,
	    time_t from, time_t until, size_t max);
/* The sample file name must be refused with want as its cause. */
void	 assert_refused_file(const char *name, const char *want);
/* The occurrence or the skip with this key (NULL: none). */
const struct cal_import_event *find(const struct cal_import *,
	    const char *key);
const struct cal_import_skip *find_skip(const struct cal_import *,
	    const char *key);
/* The occurrence with this key starts at want, in Copenhagen time. */
void	 assert_start(const struct cal_import *, const char *key,
	    const char *want);
/* The occurrence with this key was skipped, the reason holding want. */
void	 assert_skip(const struct cal_import *, const char *key,
	    const char *want);
/* What every result must be, whatever went in. */
void	 assert_sane(const struct cal_import *, time_t from, time_t until);
/* cmocka group teardown: libical's builtin zones given back. */
int	 teardown_zones(void **state);

#endif
