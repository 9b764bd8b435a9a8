/*
 * Unit tests for common/conv.c: the conversions of a printf format, the
 * texts the daemon records for them, and a translation filled with those
 * texts, as kursusctl does with a refusal's msgid and args. The expected
 * texts are written out here, not made by printf.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cause.h"
#include "conv.h"

/* conv_args() through a varargs call, as fail_set() makes it. */
static int
args_of(char *out, size_t size, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = conv_args(out, size, fmt, ap);
	va_end(ap);
	return (n);
}

/* The i-th text of out. */
static const char *
nth(const char *out, int i)
{
	while (i-- > 0)
		out += strlen(out) + 1;
	return (out);
}

static void
test_conv_types(void **state)
{
	const char	*fmt = "a %s, %d%% %lld %zu %jd %c %.5s %.*s %ld %u "
			    "%02d %g %x|";
	char		 out[256];
	size_t		 pos = 0;
	struct conv	 c;
	int		 n = 0;

	(void)state;
	while (conv_next(fmt, &pos, &c) != CONV_END) {
		assert_int_not_equal(c.type, CONV_BAD);
		n++;
	}
	assert_int_equal(n, 13);
	assert_int_equal(args_of(out, sizeof out, fmt, "Jørgen", -3,
	    (long long)3000, (size_t)7, (intmax_t)-9, 'x', "2026-12-08 10:00",
	    4, "Horsens", 12L, 4u, 5, 2.5, 255), 13);
	assert_string_equal(nth(out, 0), "Jørgen");
	assert_string_equal(nth(out, 1), "-3");
	assert_string_equal(nth(out, 2), "3000");
	assert_string_equal(nth(out, 3), "7");
	assert_string_equal(nth(out, 4), "-9");
	assert_string_equal(nth(out, 5), "x");
	assert_string_equal(nth(out, 6), "2026-");
	assert_string_equal(nth(out, 7), "Hors");
	assert_string_equal(nth(out, 8), "12");
	assert_string_equal(nth(out, 9), "4");
	assert_string_equal(nth(out, 10), "05");
	assert_string_equal(nth(out, 11), "2.5");
	assert_string_equal(nth(out, 12), "ff");
}

static void
test_conv_refused(void **state)
{
	char	out[16];

	(void)state;
	/* Positional, %n, long double: not taken. */
	assert_int_equal(args_of(out, sizeof out, "%1$s", "a"), -1);
	assert_int_equal(args_of(out, sizeof out, "%n", (int *)NULL), -1);
	assert_int_equal(args_of(out, sizeof out, "%Lf", 1.0L), -1);
	/* Texts that do not fit. */
	assert_int_equal(args_of(out, sizeof out, "%s", "a text longer than "
	    "sixteen bytes"), -1);
	assert_int_equal(args_of(out, sizeof out, "no conversion, 100%%"), 0);
}

static void
test_conv_fill(void **state)
{
	const char	*two[] = { "3", "Jørgen" };
	const char	*plural[] = { "2", "s" };
	char		*s;

	(void)state;
	s = conv_fill("%s er tilmeldt kursusgang %lld (100%%)", two, 2);
	assert_string_equal(s, "3 er tilmeldt kursusgang Jørgen (100%)");
	free(s);
	/* Flags and widths of a number do not reformat its text. */
	s = conv_fill("[%05lld] %-3s|", two, 2);
	assert_string_equal(s, "[3] Jørgen|");
	free(s);
	/* A string's precision applies: "%.0s" leaves out an English "s". */
	s = conv_fill("%lld kursusgang(e)%.0s", plural, 2);
	assert_string_equal(s, "2 kursusgang(e)");
	free(s);
	/* Too few, too many, positional: NULL, and the English is shown. */
	assert_null(conv_fill("%s %s %s", two, 2));
	assert_null(conv_fill("%s", two, 2));
	assert_null(conv_fill("%2$s %1$s", two, 2));
	s = conv_fill("ingen værdier", NULL, 0);
	assert_string_equal(s, "ingen værdier");
	free(s);
}

static void
test_cause_format(void **state)
{
	const char	*fmt, *args;
	char		*cause;

	(void)state;
	cause_set(&cause, "phone \"%s\": too short (%d digits)", "2030", 8);
	assert_int_equal(cause_format(cause, &fmt, &args), 2);
	assert_string_equal(fmt, "phone \"%s\": too short (%d digits)");
	assert_string_equal(nth(args, 0), "2030");
	assert_string_equal(nth(args, 1), "8");
	/* Another text than the last cause's: nothing. */
	assert_int_equal(cause_format("phone", &fmt, &args), -1);
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conv_types),
		cmocka_unit_test(test_conv_refused),
		cmocka_unit_test(test_conv_fill),
		cmocka_unit_test(test_cause_format),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
