/*
 * Unit tests for daemon/blob.c's memory files (blob_filed()): the bytes
 * are the same after the move, the file is sealed, and no more than 32
 * are held at once (BLOB_FILED_MAX: they hold descriptors the doors count
 * on). The count must be right on every path: a move refused (shared
 * bytes, empty bytes, a blob already of a file, the limit) counts
 * nothing; a blob only in its file (blob_file()) is never counted, so
 * letting it go frees no place; letting a moved blob go frees its place.
 */
#include "config.h"

#include <sys/mman.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "kursusd.h"

/* A file of n bytes with no name, for blob_file(). */
static int
nameless(size_t n)
{
	int	 fd = memfd_create("test-blob", MFD_CLOEXEC);

	assert_true(fd != -1);
	assert_int_equal(ftruncate(fd, (off_t)n), 0);
	return (fd);
}

/* A blob of its own n bytes, each telling i and its place. */
static struct blob *
bytes(int i, size_t n)
{
	char	*p = xmalloc(n + 1);
	size_t	 k;

	for (k = 0; k < n; k++)
		p[k] = (char)('a' + (i + (int)k) % 26);
	p[n] = '\0';
	return (blob_adopt(p, n));
}

static int
same_bytes(const struct blob *b, int i, size_t n)
{
	struct blob	*want = bytes(i, n);
	int		 same = blob_len(b) == n &&
			    memcmp(blob_data(b), blob_data(want), n) == 0;

	blob_unref(want);
	return (same);
}

/* Moved: the same bytes, from a sealed file. */
static void
test_moved(void **state)
{
	struct blob	*b = bytes(1, 100000);
	int		 seals;

	(void)state;
	assert_int_equal(blob_filed(b), 0);
	assert_int_not_equal(b->fd, -1);
	assert_int_equal(b->size, 0);
	assert_true(same_bytes(b, 1, 100000));
	seals = fcntl(b->fd, F_GET_SEALS);
	assert_int_equal(seals & (F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK |
	    F_SEAL_SEAL), F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK |
	    F_SEAL_SEAL);
	assert_int_equal(pwrite(b->fd, "x", 1, 0), -1);
	assert_int_equal(errno, EPERM);
	/* Moved once: a second move is refused, b unchanged. */
	assert_int_equal(blob_filed(b), -1);
	assert_true(same_bytes(b, 1, 100000));
	blob_unref(b);
}

/* 32 at most; the place of one let go is taken by the next. */
static void
test_limit(void **state)
{
	struct blob	*b[BLOB_FILED_MAX + 1];
	int		 i;

	(void)state;
	for (i = 0; i <= BLOB_FILED_MAX; i++)
		b[i] = bytes(i, 4096);
	for (i = 0; i < BLOB_FILED_MAX; i++)
		assert_int_equal(blob_filed(b[i]), 0);
	/* The 33rd stays in memory as it was, and is whole. */
	assert_int_equal(blob_filed(b[BLOB_FILED_MAX]), -1);
	assert_int_equal(b[BLOB_FILED_MAX]->fd, -1);
	assert_int_equal(b[BLOB_FILED_MAX]->size, 4097);
	assert_true(same_bytes(b[BLOB_FILED_MAX], BLOB_FILED_MAX, 4096));
	/* A place freed is taken again. */
	blob_unref(b[0]);
	assert_int_equal(blob_filed(b[BLOB_FILED_MAX]), 0);
	assert_true(same_bytes(b[BLOB_FILED_MAX], BLOB_FILED_MAX, 4096));
	for (i = 1; i <= BLOB_FILED_MAX; i++) {
		assert_true(same_bytes(b[i], i, 4096));
		blob_unref(b[i]);
	}
}

/* Refused moves and files of their own count nothing. */
static void
test_not_counted(void **state)
{
	struct blob	*b[BLOB_FILED_MAX], *shared, *empty, *file, *last;
	int		 i, k;

	(void)state;
	shared = bytes(0, 4096);
	blob_ref(shared);
	empty = blob_adopt(xstrdup(""), 0);
	/* Refused, again and again: none of it may count. */
	for (k = 0; k < BLOB_FILED_MAX + 1; k++) {
		assert_int_equal(blob_filed(shared), -1);
		assert_int_equal(blob_filed(empty), -1);
	}
	for (k = 0; k < BLOB_FILED_MAX + 1; k++) {
		file = blob_file(nameless(3), 3);
		assert_int_equal(blob_filed(file), -1);
		blob_unref(file);	/* frees no place */
	}
	for (i = 0; i < BLOB_FILED_MAX; i++) {
		b[i] = bytes(i, 4096);
		assert_int_equal(blob_filed(b[i]), 0);
	}
	/* Full: a blob of a file let go now frees no place either. */
	file = blob_file(nameless(0), 0);
	blob_unref(file);
	last = bytes(99, 4096);
	assert_int_equal(blob_filed(last), -1);
	blob_unref(shared);
	blob_unref(shared);
	blob_unref(empty);
	for (i = 0; i < BLOB_FILED_MAX; i++)
		blob_unref(b[i]);
	/* All let go: all places free again. */
	assert_int_equal(blob_filed(last), 0);
	blob_unref(last);
	for (i = 0; i < BLOB_FILED_MAX; i++) {
		b[i] = bytes(i, 100);
		assert_int_equal(blob_filed(b[i]), 0);
	}
	for (i = 0; i < BLOB_FILED_MAX; i++)
		blob_unref(b[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_moved),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_not_counted),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
