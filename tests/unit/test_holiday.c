/*
 * Unit tests for calendars/holiday.c: Easter Sunday and the Danish
 * holidays by the setting, against dates known from the almanac.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "calendars.h"

/* Easter Sunday: known dates, the earliest and latest possible. */
static void
test_holiday_easter(void **state)
{
	static const int known[][3] = {
		{ 1943, 4, 25 }, { 2019, 4, 21 }, { 2023, 4, 9 },
		{ 2024, 3, 31 }, { 2025, 4, 20 }, { 2026, 4, 5 },
		{ 2027, 3, 28 }, { 2028, 4, 16 }, { 2038, 4, 25 },
		{ 2285, 3, 22 },
	};
	size_t	 i;
	int	 m, d;

	(void)state;
	for (i = 0; i < sizeof known / sizeof known[0]; i++) {
		holiday_easter(known[i][0], &m, &d);
		assert_int_equal(m, known[i][1]);
		assert_int_equal(d, known[i][2]);
	}
}

static void
assert_holiday(int y, int m, int d, int set, const char *want)
{
	const char	*got = holiday_name(y, m, d, set);

	if (want == NULL) {
		if (got != NULL)
			fail_msg("%04d-%02d-%02d: got %s, want no holiday", y, m,
			    d, got);
		return;
	}
	if (got == NULL || strcmp(got, want) != 0)
		fail_msg("%04d-%02d-%02d: got %s, want %s", y, m, d,
		    got != NULL ? got : "no holiday", want);
}

/* Every holiday of 2027 and 2028, the days around them, and the sets. */
static void
test_holiday_names(void **state)
{
	enum { C = HOLIDAYS_CUSTOMARY, O = HOLIDAYS_OFFICIAL };
	static const struct {
		int		 y, m, d, set;
		const char	*want;
	} days[] = {
		/* 2027: Easter 28 March, the day DST begins. */
		{ 2027, 1, 1, O, "nytårsdag" },
		{ 2027, 3, 24, C, NULL },
		{ 2027, 3, 25, O, "skærtorsdag" },
		{ 2027, 3, 26, O, "langfredag" },
		{ 2027, 3, 27, C, NULL },
		{ 2027, 3, 28, O, "påskedag" },
		{ 2027, 3, 29, O, "2. påskedag" },
		{ 2027, 3, 30, C, NULL },
		{ 2027, 4, 23, C, NULL },	/* no store bededag */
		{ 2027, 5, 6, O, "Kristi himmelfartsdag" },
		{ 2027, 5, 16, O, "pinsedag" },
		{ 2027, 5, 17, O, "2. pinsedag" },
		{ 2027, 6, 5, C, "grundlovsdag" },
		{ 2027, 6, 5, O, NULL },
		{ 2027, 12, 24, C, "juleaftensdag" },
		{ 2027, 12, 24, O, NULL },
		{ 2027, 12, 25, O, "juledag" },
		{ 2027, 12, 26, O, "2. juledag" },
		{ 2027, 12, 27, C, NULL },
		{ 2027, 12, 31, C, "nytårsaftensdag" },
		{ 2027, 12, 31, O, NULL },
		/* 2028: Easter 16 April; 2. pinsedag falls on grundlovsdag. */
		{ 2028, 4, 13, O, "skærtorsdag" },
		{ 2028, 4, 14, O, "langfredag" },
		{ 2028, 4, 16, O, "påskedag" },
		{ 2028, 4, 17, O, "2. påskedag" },
		{ 2028, 5, 12, C, NULL },
		{ 2028, 5, 25, O, "Kristi himmelfartsdag" },
		{ 2028, 6, 4, O, "pinsedag" },
		{ 2028, 6, 5, O, "2. pinsedag" },
		{ 2028, 6, 5, C, "2. pinsedag" },
		{ 2028, 2, 29, C, NULL },
		/* Store bededag: 5 May 2023 was the last. */
		{ 2023, 5, 5, O, "store bededag" },
		{ 2024, 4, 26, O, NULL },
		{ 2026, 5, 1, C, NULL },
		/* Turned off, nothing is a holiday. */
		{ 2026, 12, 25, HOLIDAYS_NONE, NULL },
		{ 2027, 3, 28, HOLIDAYS_NONE, NULL },
		/* Ordinary days of December 2026 are open. */
		{ 2026, 12, 22, C, NULL },
		{ 2026, 12, 29, C, NULL },
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof days / sizeof days[0]; i++)
		assert_holiday(days[i].y, days[i].m, days[i].d, days[i].set,
		    days[i].want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_holiday_easter),
		cmocka_unit_test(test_holiday_names),
	};

	return (cmocka_run_group_tests_name("holiday", tests, NULL, NULL));
}
