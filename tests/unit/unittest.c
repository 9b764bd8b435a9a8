/*
 * The helpers every unit test may share (unittest.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "unittest.h"

time_t
utc(int y, int mo, int d, int h, int mi, int s)
{
	struct tm	tm;

	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	return (timegm(&tm));
}

int
unit_tmpdir(char *dir, size_t size, const char *name)
{
	const char	*tmp = getenv("TMPDIR");

	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	if ((size_t)snprintf(dir, size, "%s/kursus-%s.XXXXXX", tmp, name) >=
	    size || mkdtemp(dir) == NULL) {
		fprintf(stderr, "mkdtemp %s failed\n", dir);
		return (-1);
	}
	return (0);
}
