/*
 * What every unit test may share (unittest.c): plain C and libc only, so
 * that it links beside any one library.
 */
#ifndef UNITTEST_H
#define UNITTEST_H

#include <stddef.h>
#include <time.h>

/* A UTC instant from its fields (year, month 1-12, day, h, min, s). */
time_t	 utc(int y, int mo, int d, int h, int mi, int s);

/* A new directory under $TMPDIR (or /tmp), named kursus-name.XXXXXX,
 * into dir: 0, or -1 (said on stderr). */
int	 unit_tmpdir(char *dir, size_t size, const char *name);

#endif
