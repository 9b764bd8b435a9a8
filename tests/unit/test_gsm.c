/*
 * Unit tests for notifier/gsm.c: GSM 03.38 segment counting, its
 * extension table, UCS-2 and text that is not UTF-8.
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

/* s repeated n times; caller frees. */
static char *
repeat(const char *s, size_t n)
{
	size_t	 len = strlen(s), i;
	char	*out;

	out = malloc(len * n + 1);
	assert_non_null(out);
	for (i = 0; i < n; i++)
		memcpy(out + i * len, s, len);
	out[len * n] = '\0';
	return (out);
}

static void
assert_gsm(const char *text, int segments, int ucs2, size_t units)
{
	size_t	got_units = 12345;
	int	got_ucs2 = -1;

	assert_int_equal(gsm_segments(text, &got_ucs2, &got_units), segments);
	assert_int_equal(got_ucs2, ucs2);
	assert_int_equal(got_units, units);
}

static void
test_gsm_lengths(void **state)
{
	char	*s;

	(void)state;
	assert_gsm("", 1, 0, 0);
	assert_gsm(NULL, 1, 0, 0);

	s = repeat("a", 160);
	assert_gsm(s, 1, 0, 160);
	free(s);
	s = repeat("a", 161);
	assert_gsm(s, 2, 0, 161);
	free(s);
	s = repeat("a", 306);
	assert_gsm(s, 2, 0, 306);
	free(s);
	s = repeat("a", 307);
	assert_gsm(s, 3, 0, 307);
	free(s);

	/* Danish letters and the rest of the alphabet are one septet. */
	assert_gsm("æøåÆØÅ", 1, 0, 6);
	assert_gsm("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./"
	    "0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
	    "abcdefghijklmnopqrstuvwxyzäöñüà", 1, 0, 127);
	s = repeat("ø", 160);
	assert_gsm(s, 1, 0, 160);
	free(s);
}

static void
test_gsm_extension(void **state)
{
	char	*s, *t;

	(void)state;
	assert_gsm("€", 1, 0, 2);
	assert_gsm("[]{}\\~^|€\f", 1, 0, 20);

	/* 80 euro signs are 160 septets; 81 need two parts. */
	s = repeat("€", 80);
	assert_gsm(s, 1, 0, 160);
	free(s);
	s = repeat("€", 81);
	assert_gsm(s, 2, 0, 162);
	free(s);

	/* 159 letters and one escape pair: 161 septets, two parts. */
	s = repeat("a", 159);
	t = malloc(strlen(s) + 4);
	assert_non_null(t);
	strcpy(t, s);
	strcat(t, "[");
	assert_gsm(t, 2, 0, 161);
	free(t);
	free(s);

	/*
	 * 152 letters, "€", 152 letters: 306 septets, which would be two
	 * parts of 153, but the escape pair cannot straddle them.
	 */
	s = repeat("a", 152);
	t = malloc(2 * 152 + 4);
	assert_non_null(t);
	strcpy(t, s);
	strcat(t, "€");
	strcat(t, s);
	assert_gsm(t, 3, 0, 306);
	free(t);
	free(s);
}

static void
test_gsm_ucs2(void **state)
{
	char	*s, *t;

	(void)state;
	/* One emoji is two UTF-16 units and makes it all UCS-2. */
	assert_gsm("\xf0\x9f\x98\x80", 1, 1, 2);
	assert_gsm("Hej \xf0\x9f\x98\x80", 1, 1, 6);
	s = repeat("a", 68);
	t = malloc(68 + 5);
	assert_non_null(t);
	strcpy(t, s);
	strcat(t, "\xf0\x9f\x98\x80");
	assert_gsm(t, 1, 1, 70);
	free(t);
	free(s);

	/* Characters outside GSM 03.38: backtick, c cedilla, Cyrillic. */
	assert_gsm("`", 1, 1, 1);
	assert_gsm("ç", 1, 1, 1);
	assert_gsm("€ж", 1, 1, 2);

	s = repeat("ж", 70);
	assert_gsm(s, 1, 1, 70);
	free(s);
	s = repeat("ж", 71);
	assert_gsm(s, 2, 1, 71);
	free(s);
	s = repeat("ж", 134);
	assert_gsm(s, 2, 1, 134);
	free(s);
	s = repeat("ж", 135);
	assert_gsm(s, 3, 1, 135);
	free(s);

	/* A surrogate pair is not split: 66 + 2 + 66 = 134 but 3 parts. */
	s = repeat("ж", 66);
	t = malloc(2 * strlen(s) + 5);
	assert_non_null(t);
	strcpy(t, s);
	strcat(t, "\xf0\x9f\x98\x80");
	strcat(t, s);
	assert_gsm(t, 3, 1, 134);
	free(t);
	free(s);
}

/* Broken UTF-8 goes as UCS-2, each bad byte one unit (U+FFFD). */
static void
test_gsm_invalid(void **state)
{
	(void)state;
	assert_gsm("\xff", 1, 1, 1);
	assert_gsm("abc\x80", 1, 1, 4);
	assert_gsm("\xc3", 1, 1, 1);		/* cut short */
	assert_gsm("\xc3\xa6\xc3", 1, 1, 2);	/* "æ" and a cut one */
	assert_gsm("\xc0\xaf", 1, 1, 2);	/* overlong "/" */
	assert_gsm("\xed\xa0\x80", 1, 1, 3);	/* a surrogate */
	assert_gsm("\xf4\x90\x80\x80", 1, 1, 4); /* beyond U+10FFFF */
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_gsm_lengths),
		cmocka_unit_test(test_gsm_extension),
		cmocka_unit_test(test_gsm_ucs2),
		cmocka_unit_test(test_gsm_invalid),
	};

	return (cmocka_run_group_tests_name("gsm", tests, NULL,
	    NULL));
}
