/*
 * Unit tests for common/fold.c: search as Danes type it.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fold.h"

static void
assert_fold(const char *in, const char *want)
{
	char	*out = fold_text(in);

	if (strcmp(out, want) != 0)
		fail_msg("fold_text(\"%s\") = \"%s\", not \"%s\"", in, out,
		    want);
	free(out);
}

static void
test_fold_danish(void **state)
{
	(void)state;
	assert_fold("Jørgen Smidstrup", "jorgen smidstrup");
	assert_fold("JØRGEN", "jorgen");
	assert_fold("Joergen", "jorgen");
	assert_fold("Jorgen", "jorgen");
	assert_fold("Ærø", "aero");
	assert_fold("Aase", "ase");
	assert_fold("Åse", "ase");
	assert_fold("Ase", "ase");
	assert_fold("Kåre-Søren  Møller", "kare soren moller");
	assert_fold("Bräuer Zoë Sjöberg Müller", "braeuer zo sjoberg muller");
	assert_fold("Café Åbyhøj", "cafe abyhoj");
	assert_fold("", "");
	assert_fold("  -- ", "");
	/* Another script is kept, a stray octet ends a word. */
	assert_fold("Ωmega x\xff" "y", "Ωmega x y");
	assert_fold("a\xe2\x80\x93" "b", "a b");
}

static void
test_fold_phone(void **state)
{
	static const char *same[] = { "20 30 40 50", "20304050",
	    "2030-4050", "(20) 30.40.50" };
	char	*w;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof same / sizeof same[0]; i++) {
		w = fold_phone(same[i]);
		assert_non_null(w);
		assert_string_equal(w, "20304050");
		free(w);
	}
	w = fold_phone("+45 20304050");
	assert_string_equal(w, "4520304050");
	free(w);
	w = fold_phone("0045 20 30 40 50");
	assert_string_equal(w, "4520304050");
	free(w);
	assert_null(fold_phone("Jørgen 20"));
	assert_null(fold_phone(" - "));
}

static void
test_fold_match(void **state)
{
	static const char *finds[] = { "20 30 40 50", "+45 20304050",
	    "20304050", "2030", "Jorgen", "Joergen", "Jørgen", "JØRGEN",
	    "jørg", "smidstrup jorgen", "jorgen@example", "EXAMPLE.DK" };
	static const char *misses[] = { "Karen", "40 50", "jorgensen",
	    "+46 20304050" };
	char	*words, *q;
	size_t	 i;

	(void)state;
	words = fold_person("Jørgen Smidstrup", "+4520304050",
	    "Jorgen@Example.dk");
	assert_string_equal(words, "jorgen smidstrup jorgen example dk "
	    "4520304050 20304050");
	for (i = 0; i < sizeof finds / sizeof finds[0]; i++) {
		q = fold_query(finds[i]);
		if (!fold_match(q, words))
			fail_msg("\"%s\" (%s) does not find %s", finds[i], q,
			    words);
		free(q);
	}
	for (i = 0; i < sizeof misses / sizeof misses[0]; i++) {
		q = fold_query(misses[i]);
		if (fold_match(q, words))
			fail_msg("\"%s\" finds %s", misses[i], words);
		free(q);
	}
	free(words);
	assert_true(fold_same("Jørgen Smidstrup", "jorgen  SMIDSTRUP"));
	assert_true(fold_same("Joergen Smidstrup", "Jørgen Smidstrup"));
	assert_false(fold_same("Karen Smidstrup", "Jørgen Smidstrup"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fold_danish),
		cmocka_unit_test(test_fold_phone),
		cmocka_unit_test(test_fold_match),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
