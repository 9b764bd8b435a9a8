/*
 * Unit tests for common/log.c's held lines (log_hold(), log_release()): a
 * group commit's lines are written in one go at its commit, in the order
 * logged, none lost when more are held than the buffer takes; fatal(), in
 * the holding thread or another, and exit() write what is held. stderr
 * is an anonymous file here, read back after each step.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <pthread.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"

/* stderr's file: an anonymous one (tmpfile()), on descriptor 2. */
static FILE	*out;

/* Starts stderr's file afresh. */
static void
fresh(void)
{
	fflush(stderr);
	assert_int_equal(ftruncate(STDERR_FILENO, 0), 0);
	assert_true(lseek(STDERR_FILENO, 0, SEEK_SET) == 0);
}

/* What stderr's file holds now. */
static char *
written(void)
{
	struct stat	 sb;
	char		*s;

	fflush(stderr);
	assert_int_equal(fstat(fileno(out), &sb), 0);
	s = calloc(1, (size_t)sb.st_size + 1);
	assert_non_null(s);
	assert_int_equal(pread(fileno(out), s, (size_t)sb.st_size, 0),
	    sb.st_size);
	return (s);
}

static int
setup(void **state)
{
	(void)state;
	assert_non_null(out = tmpfile());
	assert_int_equal(dup2(fileno(out), STDERR_FILENO), STDERR_FILENO);
	log_init("kursusd", 0, LOG_LEVEL_INFO);
	return (0);
}

static int
teardown(void **state)
{
	(void)state;
	fclose(out);
	return (0);
}

static void
test_held_then_written(void **state)
{
	char	*s;

	(void)state;
	fresh();
	log_info("before");
	log_hold();
	log_info("one %d", 1);
	log_warnx("two");
	s = written();
	assert_string_equal(s, "kursusd: before\n");
	free(s);
	log_release();
	s = written();
	assert_string_equal(s, "kursusd: before\nkursusd: one 1\n"
	    "kursusd: two\n");
	free(s);
	/* Released: a line goes at once again. */
	log_info("after");
	s = written();
	assert_string_equal(s, "kursusd: before\nkursusd: one 1\n"
	    "kursusd: two\nkursusd: after\n");
	free(s);
	log_release();		/* nothing held: nothing written */
	s = written();
	assert_string_equal(s, "kursusd: before\nkursusd: one 1\n"
	    "kursusd: two\nkursusd: after\n");
	free(s);
}

static void
test_more_than_held(void **state)
{
	char	*s, *p, want[64];
	int	 i;

	(void)state;
	fresh();
	log_hold();
	for (i = 0; i < 2000; i++)
		log_info("line %04d of many, each some forty octets", i);
	s = written();
	/* The buffer filled: some were written, in order, whole lines. */
	assert_true(strlen(s) > 0);
	assert_int_equal(s[strlen(s) - 1], '\n');
	free(s);
	log_release();
	s = written();
	for (i = 0, p = s; i < 2000; i++) {
		snprintf(want, sizeof want, "kursusd: line %04d of many, each "
		    "some forty octets\n", i);
		assert_memory_equal(p, want, strlen(want));
		p += strlen(want);
	}
	assert_int_equal(*p, '\0');
	free(s);
}

/* What a child that holds a line and then runs end() leaves: its exit
 * status and the file's text. */
static void
child_leaves(void (*end)(void), int status_want, const char *want)
{
	pid_t	 pid;
	int	 status;
	char	*s;

	fresh();
	if ((pid = fork()) == 0) {
		log_hold();
		log_info("held");
		end();
		_exit(3);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), status_want);
	s = written();
	assert_string_equal(s, want);
	free(s);
}

static void
end_exit(void)
{
	exit(0);
}

static void
end_fatal(void)
{
	fatalx("the end");
}

static void *
fatal_thread(void *arg)
{
	(void)arg;
	fatalx("elsewhere");
}

static void
end_fatal_elsewhere(void)
{
	pthread_t	 t;

	pthread_create(&t, NULL, fatal_thread, NULL);
	pthread_join(t, NULL);
}

static void
test_exit_writes_held(void **state)
{
	(void)state;
	child_leaves(end_exit, 0, "kursusd: held\n");
}

static void
test_fatal_writes_held(void **state)
{
	(void)state;
	child_leaves(end_fatal, 1, "kursusd: held\nkursusd: the end\n");
}

static void
test_fatal_elsewhere_writes_held(void **state)
{
	(void)state;
	child_leaves(end_fatal_elsewhere, 1, "kursusd: held\n"
	    "kursusd: elsewhere\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_held_then_written),
		cmocka_unit_test(test_more_than_held),
		cmocka_unit_test(test_fatal_writes_held),
		cmocka_unit_test(test_exit_writes_held),
		cmocka_unit_test(test_fatal_elsewhere_writes_held),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
