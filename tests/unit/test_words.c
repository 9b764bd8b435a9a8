/*
 * Unit tests for notifier/words.c: dates in words over their edge cases
 * (midnight, both DST days, every weekday and month), spans, and phone
 * numbers the Danish way.
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

#include "notifier.h"
#include "notifiertest.h"
#include "unittest.h"

static void
assert_date(struct notice_time t, int flags, const char *want)
{
	char	*got;

	got = words_date(&t, flags);
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void
assert_when(struct notice_time from, struct notice_time to, int flags,
    const char *want)
{
	char	*got;

	got = words_when(&from, &to, flags);
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

/*
 * The wall-clock time as given, whatever the day: the hour that a change
 * to summer time skips and the one it repeats are the daemon's to work
 * out (test_notices), not the notifier's.
 */
static void
test_date_clock(void **state)
{
	(void)state;
	assert_date(at(2026, 3, 29, 1, 59), 0,
	    "søndag den 29. marts kl. 01.59");
	assert_date(at(2026, 3, 29, 3, 0), 0,
	    "søndag den 29. marts kl. 03.00");
	assert_date(at(2026, 10, 25, 10, 0), WORDS_EN,
	    "Sunday 25 October at 10:00");
	assert_date(at(2027, 1, 1, 0, 30), 0,
	    "fredag den 1. januar kl. 00.30");
	assert_date(at(2027, 1, 1, 0, 30), WORDS_EN,
	    "Friday 1 January at 00:30");
	/* Midnight is 00.00, the start of its day. */
	assert_date(at(2026, 12, 8, 0, 0), 0,
	    "tirsdag den 8. december kl. 00.00");
	assert_date(at(2026, 12, 8, 0, 0), WORDS_GSM,
	    "tirsdag den 8. december kl. 00.00");
}

/* Every weekday, and the language forms. */
static void
test_date_weekdays(void **state)
{
	static const char	*da[] = { "mandag", "tirsdag", "onsdag",
	    "torsdag", "fredag", "lørdag", "søndag" };
	static const char	*en[] = { "Monday", "Tuesday", "Wednesday",
	    "Thursday", "Friday", "Saturday", "Sunday" };
	static const struct {
		const char	*lang;
		const char	*want;
	} langs[] = {
		{ NULL, "torsdag den 3. december kl. 10.00" },
		{ "fr", "torsdag den 3. december kl. 10.00" },
		{ "en-GB", "Thursday 3 December at 10:00" },
		{ "en_US", "Thursday 3 December at 10:00" },
		{ "eng", "torsdag den 3. december kl. 10.00" },
	};
	struct notice_time	 none;
	struct notice		 n;
	char			*want, *got, *subject;
	int			 i;

	(void)state;
	/* Monday 30 November to Sunday 6 December 2026. */
	for (i = 0; i < 7; i++) {
		assert_true(asprintf(&want, "%s den %d. %s kl. 09.05", da[i],
		    i == 0 ? 30 : i, i == 0 ? "november" : "december") > 0);
		assert_date(at(2026, i == 0 ? 11 : 12, i == 0 ? 30 : i, 9, 5),
		    0, want);
		free(want);

		assert_true(asprintf(&want, "%s %d %s at 09:05", en[i],
		    i == 0 ? 30 : i, i == 0 ? "November" : "December") > 0);
		assert_date(at(2026, i == 0 ? 11 : 12, i == 0 ? 30 : i, 9, 5),
		    WORDS_EN, want);
		free(want);

		/* From 9.05 to 10.35 the same day. */
		assert_true(asprintf(&want, "%s den %d. %s kl. 09.05\xe2\x80\x93"
		    "10.35", da[i], i == 0 ? 30 : i, i == 0 ? "november" :
		    "december") > 0);
		assert_when(at(2026, i == 0 ? 11 : 12, i == 0 ? 30 : i, 9, 5),
		    at(2026, i == 0 ? 11 : 12, i == 0 ? 30 : i, 10, 35), 0,
		    want);
		free(want);
	}

	/* Danish is the default; "en-GB" is English, "eng" is not. */
	typical(&n, KIND_REMINDER, NULL);
	for (i = 0; i < (int)(sizeof langs / sizeof langs[0]); i++) {
		n.lang = langs[i].lang;
		render_ok(&n, CHANNEL_SMS, NULL, "{date}", &subject, &got);
		assert_string_equal(got, langs[i].want);
		free(got);
	}

	/* No time given (the daemon did not know the zone): none. */
	memset(&none, 0, sizeof none);
	assert_null(words_date(&none, 0));
	assert_null(words_when(&none, &none, 0));
	none = at(2026, 13, 3, 10, 0);
	assert_null(words_date(&none, 0));
	none = at(2026, 12, 3, 24, 0);
	assert_null(words_date(&none, WORDS_EN));
}

/* Every month, with the weekday worked out here independently. */
static void
test_date_months(void **state)
{
	static const char	*da_wd[] = { "søndag", "mandag", "tirsdag",
	    "onsdag", "torsdag", "fredag", "lørdag" };
	static const char	*en_wd[] = { "Sunday", "Monday", "Tuesday",
	    "Wednesday", "Thursday", "Friday", "Saturday" };
	static const char	*da[] = { "januar", "februar", "marts",
	    "april", "maj", "juni", "juli", "august", "september",
	    "oktober", "november", "december" };
	static const char	*en[] = { "January", "February", "March",
	    "April", "May", "June", "July", "August", "September",
	    "October", "November", "December" };
	struct tm		 tm;
	time_t			 day;
	char			*want;
	int			 m;

	(void)state;
	for (m = 1; m <= 12; m++) {
		day = utc(2026, m, 15, 12, 0, 0);
		assert_non_null(gmtime_r(&day, &tm));
		assert_true(asprintf(&want, "%s den 15. %s kl. 18.45",
		    da_wd[tm.tm_wday], da[m - 1]) > 0);
		assert_date(at(2026, m, 15, 18, 45), 0, want);
		free(want);
		assert_true(asprintf(&want, "%s 15 %s at 18:45",
		    en_wd[tm.tm_wday], en[m - 1]) > 0);
		assert_date(at(2026, m, 15, 18, 45), WORDS_EN, want);
		free(want);
		assert_true(asprintf(&want, "%s den 15. %s kl. 18.45-20.15",
		    da_wd[tm.tm_wday], da[m - 1]) > 0);
		assert_when(at(2026, m, 15, 18, 45), at(2026, m, 15, 20, 15),
		    WORDS_GSM, want);
		free(want);
		assert_true(asprintf(&want, "%s 15 %s, 18:45\xe2\x80\x93"
		    "20:15", en_wd[tm.tm_wday], en[m - 1]) > 0);
		assert_when(at(2026, m, 15, 18, 45), at(2026, m, 15, 20, 15),
		    WORDS_EN, want);
		free(want);
	}
}

/*
 * From start to end over the edges: midnight at either end, a session
 * across midnight, the last day of a month and of a year, a leap day,
 * and the two days of 2026 on which the clocks change in Copenhagen
 * (the wall times as the caller gives them: on 29 March 01.30 to 03.30
 * is one hour; on 25 October 02.30 summer time to 02.15 winter time is
 * 45 minutes, and reads as the clocks show it).
 */
static void
test_when_edges(void **state)
{
	(void)state;
	/* A session that starts at midnight. */
	assert_when(at(2026, 12, 8, 0, 0), at(2026, 12, 8, 1, 30), 0,
	    "tirsdag den 8. december kl. 00.00\xe2\x80\x93" "01.30");
	/* One that ends at the midnight that ends its day. */
	assert_when(at(2026, 12, 8, 22, 0), at(2026, 12, 9, 0, 0), 0,
	    "tirsdag den 8. december kl. 22.00\xe2\x80\x93" "24.00");
	assert_when(at(2026, 12, 8, 22, 0), at(2026, 12, 9, 0, 0), WORDS_EN,
	    "Tuesday 8 December, 22:00\xe2\x80\x93" "24:00");
	/* The whole of a day. */
	assert_when(at(2026, 12, 8, 0, 0), at(2026, 12, 9, 0, 0), WORDS_GSM,
	    "tirsdag den 8. december kl. 00.00-24.00");
	/* Across midnight: both days said in full. */
	assert_when(at(2026, 12, 8, 23, 0), at(2026, 12, 9, 1, 0), 0,
	    "tirsdag den 8. december kl. 23.00 til onsdag den 9. december "
	    "kl. 01.00");
	assert_when(at(2026, 12, 8, 23, 0), at(2026, 12, 9, 1, 0), WORDS_EN,
	    "Tuesday 8 December at 23:00 to Wednesday 9 December at 01:00");
	/* The end of a month, of a year, and a leap day. */
	assert_when(at(2026, 11, 30, 22, 0), at(2026, 12, 1, 0, 0), 0,
	    "mandag den 30. november kl. 22.00\xe2\x80\x93" "24.00");
	assert_when(at(2026, 12, 31, 23, 0), at(2027, 1, 1, 0, 30), 0,
	    "torsdag den 31. december kl. 23.00 til fredag den 1. januar "
	    "kl. 00.30");
	assert_when(at(2026, 12, 31, 23, 0), at(2027, 1, 1, 0, 0), 0,
	    "torsdag den 31. december kl. 23.00\xe2\x80\x93" "24.00");
	assert_when(at(2028, 2, 28, 23, 0), at(2028, 2, 29, 0, 0), 0,
	    "mandag den 28. februar kl. 23.00\xe2\x80\x93" "24.00");
	assert_when(at(2028, 2, 29, 10, 0), at(2028, 2, 29, 11, 30), 0,
	    "tirsdag den 29. februar kl. 10.00\xe2\x80\x93" "11.30");
	assert_when(at(2028, 2, 29, 23, 0), at(2028, 3, 1, 0, 0), 0,
	    "tirsdag den 29. februar kl. 23.00\xe2\x80\x93" "24.00");
	/* A week apart: not the same day, whatever the clock says. */
	assert_when(at(2026, 12, 1, 10, 0), at(2026, 12, 8, 10, 0), 0,
	    "tirsdag den 1. december kl. 10.00 til tirsdag den 8. december "
	    "kl. 10.00");
	/* The days the clocks change. */
	assert_when(at(2026, 3, 29, 1, 30), at(2026, 3, 29, 3, 30), 0,
	    "søndag den 29. marts kl. 01.30\xe2\x80\x93" "03.30");
	assert_when(at(2026, 10, 25, 2, 30), at(2026, 10, 25, 2, 15), 0,
	    "søndag den 25. oktober kl. 02.30\xe2\x80\x93" "02.15");
	assert_when(at(2026, 3, 29, 10, 0), at(2026, 3, 29, 11, 30),
	    WORDS_EN, "Sunday 29 March, 10:00\xe2\x80\x93" "11:30");
	/* No end: the start alone. */
	{
		struct notice_time	 s = at(2026, 12, 8, 10, 0), e;
		char			*got;

		memset(&e, 0, sizeof e);
		got = words_when(&s, &e, 0);
		assert_string_equal(got, "tirsdag den 8. december kl. 10.00");
		free(got);
		got = words_when(&s, NULL, WORDS_EN);
		assert_string_equal(got, "Tuesday 8 December at 10:00");
		free(got);
	}
}

/* Danish numbers the Danish way; others as they are. */
static void
test_words_phone(void **state)
{
	static const struct {
		const char	*in;
		int		 flags;
		const char	*want;
	} cases[] = {
		{ "+4576292300", 0, "76 29 23 00" },
		{ "+4576292300", WORDS_GSM, "76 29 23 00" },
		{ "+4576292300", WORDS_EN, "+45 76 29 23 00" },
		{ "+4520304050", 0, "20 30 40 50" },
		{ "+46812345678", 0, "+46812345678" },
		{ "+457629230", 0, "+457629230" },
		{ "+45762923001", 0, "+45762923001" },
		{ "75 62 12 34", 0, "75 62 12 34" },
		{ "+45a6292300", 0, "+45a6292300" },
	};
	size_t	 i;
	char	*got;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		got = words_phone(cases[i].in, cases[i].flags);
		assert_non_null(got);
		assert_string_equal(got, cases[i].want);
		free(got);
	}
	assert_null(words_phone(NULL, 0));
	assert_null(words_phone("", 0));
}


int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_date_clock),
		cmocka_unit_test(test_date_weekdays),
		cmocka_unit_test(test_date_months),
		cmocka_unit_test(test_when_edges),
		cmocka_unit_test(test_words_phone),
	};

	return (cmocka_run_group_tests_name("words", tests, NULL,
	    NULL));
}
