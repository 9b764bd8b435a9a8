/*
 * Unit tests for daemon/contact.c: phone numbers, e-mail addresses and
 * keeping CPR numbers out.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kursusd.h"

struct accept {
	const char	*in;
	const char	*want;
};

struct refuse {
	const char	*in;
	const char	*cause;		/* exact, or NULL to skip */
	const char	*part;		/* must appear in the cause */
};

/* contact_phone_normalise() and contact_email_check() take the same shape. */
typedef int	(*check_fn)(const char *, char **, char **);

static void
check_accepted(check_fn check, const struct accept *cases, size_t n)
{
	size_t	 i;
	char	*out, *cause;

	for (i = 0; i < n; i++) {
		out = cause = NULL;
		if (check(cases[i].in, &out, &cause) != 0)
			fail_msg("\"%s\" refused: %s", cases[i].in, cause);
		assert_null(cause);
		assert_string_equal(out, cases[i].want);
		free(out);
	}
}

static void
check_refused(check_fn check, const struct refuse *cases, size_t n)
{
	size_t	 i;
	char	*out, *cause;

	for (i = 0; i < n; i++) {
		out = cause = NULL;
		if (check(cases[i].in, &out, &cause) != -1)
			fail_msg("\"%s\" accepted as %s", cases[i].in, out);
		assert_null(out);
		assert_non_null(cause);
		if (cases[i].cause != NULL)
			assert_string_equal(cause, cases[i].cause);
		if (cases[i].part != NULL && strstr(cause, cases[i].part) == NULL)
			fail_msg("cause for \"%s\" is \"%s\"", cases[i].in,
			    cause);
		free(cause);
		assert_int_equal(check(cases[i].in, &out, NULL), -1);
	}
}

static void
test_phone_accepted(void **state)
{
	static const struct accept	cases[] = {
		{ "12345678", "+4512345678" },
		{ "12 34 56 78", "+4512345678" },
		{ "1234 5678", "+4512345678" },
		{ "12-34-56-78", "+4512345678" },
		{ "12.34.56.78", "+4512345678" },
		{ "  12 34 56 78\t", "+4512345678" },
		{ "+4512345678", "+4512345678" },
		{ "+45 12 34 56 78", "+4512345678" },
		{ "+45 1234 5678", "+4512345678" },
		{ "+45-12345678", "+4512345678" },
		{ "(+45) 12 34 56 78", "+4512345678" },
		{ "+45 (0)12 34 56 78", "+4512345678" },
		{ "0045 12 34 56 78", "+4512345678" },
		{ "004512345678", "+4512345678" },
		{ "20 30 40 50", "+4520304050" },
		{ "+46 70 123 45 67", "+46701234567" },
		{ "0046 70-123 45 67", "+46701234567" },
		{ "+46 (0)70 123 45 67", "+46701234567" },
		{ "+49 30 1234567", "+49301234567" },
		{ "+1 (212) 555-1234", "+12125551234" },
		{ "+354 123 4567", "+3541234567" },
		{ "+47 22 33 44 55", "+4722334455" },
		{ "+86 139 1234 5678", "+8613912345678" },
		{ "+123456789012345", "+123456789012345" },	/* 15 digits */
	};

	(void)state;
	check_accepted(contact_phone_normalise, cases,
	    sizeof cases / sizeof cases[0]);
}

static void
test_phone_refused(void **state)
{
	static const struct refuse	cases[] = {
		{ "12 34", "phone \"12 34\": too short for a Danish number "
		  "(8 digits)", NULL },
		{ "1234567", "phone \"1234567\": too short for a Danish number "
		  "(8 digits)", NULL },
		{ "123456789", NULL, "too long for a Danish number (8 digits); "
		  "write a foreign number with + and its country code" },
		{ "01234567", "phone \"01234567\": a Danish number does not "
		  "start with 0", NULL },
		{ "+45 1234567", "phone \"+45 1234567\": a Danish number has "
		  "8 digits after +45", NULL },
		{ "+45 123456789", NULL, "8 digits after +45" },
		{ "+45 0123 4567", NULL, "does not start with 0" },
		{ "0045 0123 4567", NULL, "does not start with 0" },
		{ "12a45678", "phone \"12a45678\": letters are not allowed; use "
		  "digits, spaces and + - . ( )", NULL },
		{ "ring 12345678", NULL, "letters are not allowed" },
		{ "12345678 ext. 12", NULL, "letters are not allowed" },
		{ "1234#5678", NULL, "unexpected character" },
		{ "12/34/56/78", NULL, "unexpected character" },
		{ "+", "phone \"+\": no digits", NULL },
		{ "- - -", "phone \"- - -\": no digits", NULL },
		{ "", "phone number is empty", NULL },
		{ "   ", "phone number is empty", NULL },
		{ NULL, "phone number is empty", NULL },
		{ "12+345678", NULL, "'+' may only start the number" },
		{ "++4512345678", NULL, "'+' may only start the number" },
		{ "00", NULL, "no number after the international prefix" },
		{ "+0 12345678", NULL, "country code cannot start with 0" },
		{ "000 12345678", NULL, "country code cannot start with 0" },
		{ "+46 1234", NULL, "too short for an international number "
		  "(8 to 15 digits with the country code)" },
		{ "+46 1234 5678 9012 345", NULL,
		  "too long for an international number" },
		{ "+46 12345678901234567890123456789", NULL,
		  "too long for an international number" },
		{ "3213901234", NULL, "too long for a Danish number" },
	};

	(void)state;
	check_refused(contact_phone_normalise, cases,
	    sizeof cases / sizeof cases[0]);
}

static void
test_phone_cpr_refused(void **state)
{
	static const char	*cases[] = { "010190-1234", "0101901234",
	    "01 01 90 12 34", "010190 1234", "290200-1234", "311299-4321",
	    "+45 010190-1234", NULL };
	size_t			 i;
	char			*out, *cause;

	(void)state;
	for (i = 0; cases[i] != NULL; i++) {
		out = cause = NULL;
		if (contact_phone_normalise(cases[i], &out, &cause) != -1)
			fail_msg("\"%s\" accepted as %s", cases[i], out);
		assert_non_null(cause);
		if (strstr(cause, "looks like a CPR number; kursusd never "
		    "stores CPR numbers") == NULL)
			fail_msg("cause for \"%s\" is \"%s\"", cases[i], cause);
		/* The number itself must not travel on into a log. */
		assert_null(strstr(cause, "1234"));
		assert_null(strstr(cause, "4321"));
		assert_null(strstr(cause, "0101"));
		free(cause);
	}
}

static void
test_cpr_detection(void **state)
{
	static const struct {
		const char	*text;
		int		 want;
	} cases[] = {
		{ "010190-1234", 1 },
		{ "0101901234", 1 },
		{ "mit cpr-nr. er 010190-1234, tak", 1 },
		{ "cpr:0101901234.", 1 },
		{ "x010190-1234y", 1 },
		{ "311290-1234", 1 },
		{ "290204-1234", 1 },	/* 2004 was a leap year */
		{ "290200-1234", 1 },	/* 2000 too */
		{ "Ring 12 34 56 78 efter kl. 16", 0 },
		{ "+4512345678", 0 },
		{ "010190-12345", 0 },	/* five serial digits */
		{ "01019012345", 0 },	/* eleven digits */
		{ "12010190-1234", 0 },	/* part of a longer number */
		{ "010190--1234", 0 },
		{ "010190-123", 0 },
		{ "320190-1234", 0 },	/* no 32nd */
		{ "011390-1234", 0 },	/* no 13th month */
		{ "000190-1234", 0 },
		{ "310490-1234", 0 },	/* 31 April */
		{ "290201-1234", 0 },	/* 2001 was not a leap year */
		{ "Kursus 2026-12-03 kl. 10", 0 },
		{ "", 0 },
		/* The ways people write one. */
		{ "010203 1234", 1 },
		{ "01.02.03-1234", 1 },
		{ "01.02.03 1234", 1 },
		{ "01-02-03-1234", 1 },
		{ "01/02/03/1234", 1 },
		{ "010203/1234", 1 },
		{ "010203 - 1234", 1 },
		{ "010203\xe2\x80\x93" "1234", 1 },	/* en dash */
		{ "010203 \xe2\x80\x93 1234", 1 },
		{ "010203\xe2\x80\x94" "1234", 1 },	/* em dash */
		{ "010203\xe2\x88\x92" "1234", 1 },	/* minus sign */
		{ "010203\xc2\xa0" "1234", 1 },	/* no-break space */
		/* full-width ０１０２０３－１２３４ with an ASCII hyphen */
		{ "\xef\xbc\x90\xef\xbc\x91\xef\xbc\x90\xef\xbc\x92"
		  "\xef\xbc\x90\xef\xbc\x93-\xef\xbc\x91\xef\xbc\x92"
		  "\xef\xbc\x93\xef\xbc\x94", 1 },
		{ "010203-1234@example.org", 1 },
		{ "anna.010203-1234@example.org", 1 },
		/* Ordinary numbers pass. */
		{ "01.02-03-1234", 0 },	/* mixed separators in the date */
		{ "991203 1234", 0 },	/* no 99th day */
		{ "011303 1234", 0 },
		{ "Tlf. 20 30 40 50, lokal 1234", 0 },
		{ "Kursus 1.-3. december 2026 kl. 10-12", 0 },
		{ "Pris 120 kr, 2026 1234", 0 },
		{ "\xef\xbc\x91\xef\xbc\x92", 0 },
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (contact_looks_like_cpr(cases[i].text) != cases[i].want)
			fail_msg("\"%s\": expected %d", cases[i].text,
			    cases[i].want);
	}
	assert_int_equal(contact_looks_like_cpr(NULL), 0);
}

static void
test_email_accepted(void **state)
{
	static const struct accept	cases[] = {
		{ "anna@example.dk", "anna@example.dk" },
		{ "  Anna.Hansen@Example.DK \n", "Anna.Hansen@example.dk" },
		{ "a+kursus@sub.example.co.uk", "a+kursus@sub.example.co.uk" },
		{ "o'brien@example.ie", "o'brien@example.ie" },
		{ "x_y-z@ex-ample.dk", "x_y-z@ex-ample.dk" },
		{ "1@2a.dk", "1@2a.dk" },
		{ "bib@xn--smidstrup-ble-5cb.dk", "bib@xn--smidstrup-ble-5cb.dk" },
		{ "jørgen@smidstrup-æble.dk", "jørgen@smidstrup-æble.dk" },
		{ "JØRGEN@SMIDSTRUP-ÆBLE.DK", "JØRGEN@smidstrup-æble.dk" },
		{ "åse@ÅRHUS-BIBLIOTEK.DK", "åse@århus-bibliotek.dk" },
		{ "a@b.c.d.e.dk", "a@b.c.d.e.dk" },
	};

	(void)state;
	check_accepted(contact_email_check, cases,
	    sizeof cases / sizeof cases[0]);
}

static void
test_email_refused(void **state)
{
	static const struct refuse	cases[] = {
		{ "", "e-mail address is empty", NULL },
		{ " \t ", "e-mail address is empty", NULL },
		{ NULL, "e-mail address is empty", NULL },
		{ "anna", "e-mail \"anna\": no @", NULL },
		{ "anna.example.dk", NULL, "no @" },
		{ "anna@", "e-mail \"anna@\": no domain after the @", NULL },
		{ "@example.dk", "e-mail \"@example.dk\": nothing before the @",
		  NULL },
		{ "anna@example", "e-mail \"anna@example\": the domain has no "
		  "dot", NULL },
		{ "anna@@example.dk", NULL, "more than one @" },
		{ "anna@ex@ample.dk", NULL, "more than one @" },
		{ "an na@example.dk", "e-mail \"an na@example.dk\": contains a "
		  "space", NULL },
		{ "anna@exa mple.dk", NULL, "contains a space" },
		{ "anna@example.dk\x01", NULL, "control character" },
		{ ".anna@example.dk", NULL, "a dot before the @" },
		{ "anna.@example.dk", NULL, "a dot before the @" },
		{ "an..na@example.dk", NULL, "a dot before the @" },
		{ "an(na@example.dk", NULL, "'(' is not allowed before the @" },
		{ "\"anna\"@example.dk", NULL, "is not allowed before the @" },
		{ "an,na@example.dk", NULL, "',' is not allowed before the @" },
		{ "anna@-example.dk", NULL, "cannot start or end with '-'" },
		{ "anna@example-.dk", NULL, "cannot start or end with '-'" },
		{ "anna@example..dk", NULL, "empty part" },
		{ "anna@.example.dk", NULL, "empty part" },
		{ "anna@example.dk.", NULL, "empty part" },
		{ "anna@exam_ple.dk", NULL, "'_' is not allowed in the domain" },
		{ "anna@[10.0.0.1]", NULL, "'[' is not allowed in the domain" },
		{ "anna@10.0.0.1", NULL, "must end in a name, not a number" },
		{ "anna@example.dk>", NULL, "'>' is not allowed in the domain" },
		{ "\xff" "anna@example.dk", "e-mail address is not valid UTF-8",
		  NULL },
		{ "anna@exampl\xc3.dk", "e-mail address is not valid UTF-8",
		  NULL },
		{ "anna@\xc0\xae.dk", "e-mail address is not valid UTF-8", NULL },
		/* Said without quoting it: causes may be logged. */
		{ "010203-1234@example.org", "e-mail address looks like a CPR "
		  "number; kursusd never stores CPR numbers", NULL },
		{ "anna.010203 1234@example.org", NULL, "looks like a CPR" },
		{ "01.02.03-1234@example.org", NULL, "looks like a CPR" },
	};

	(void)state;
	check_refused(contact_email_check, cases,
	    sizeof cases / sizeof cases[0]);
}

static void
test_email_lengths(void **state)
{
	char	 addr[300], l63[64], l57[58], *out = NULL, *cause = NULL;

	(void)state;
	/* 64 characters before the @ is the most allowed. */
	memset(addr, 'a', 64);
	strcpy(addr + 64, "@example.dk");
	assert_int_equal(contact_email_check(addr, &out, &cause), 0);
	free(out);
	memset(addr, 'a', 65);
	strcpy(addr + 65, "@example.dk");
	assert_int_equal(contact_email_check(addr, &out, &cause), -1);
	assert_non_null(strstr(cause, "more than 64 characters before the @"));
	/* A long value is cut in the cause. */
	assert_non_null(strstr(cause, "...\""));
	free(cause);

	/* 63 characters in a domain label, not 64. */
	strcpy(addr, "a@");
	memset(addr + 2, 'b', 63);
	strcpy(addr + 65, ".dk");
	assert_int_equal(contact_email_check(addr, &out, &cause), 0);
	free(out);
	strcpy(addr, "a@");
	memset(addr + 2, 'b', 64);
	strcpy(addr + 66, ".dk");
	assert_int_equal(contact_email_check(addr, &out, &cause), -1);
	assert_non_null(strstr(cause, "longer than 63 characters"));
	free(cause);

	/* 254 in all is allowed, 255 is not. */
	memset(l63, 'c', 63);
	l63[63] = '\0';
	memset(l57, 'd', 57);
	l57[57] = '\0';
	snprintf(addr, sizeof addr, "a@%s.%s.%s.%s.dk", l63, l63, l63, l57);
	assert_int_equal(strlen(addr), 254);
	assert_int_equal(contact_email_check(addr, &out, &cause), 0);
	free(out);
	snprintf(addr, sizeof addr, "ab@%s.%s.%s.%s.dk", l63, l63, l63, l57);
	assert_int_equal(contact_email_check(addr, &out, &cause), -1);
	assert_non_null(strstr(cause, "longer than 254 characters"));
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_phone_accepted),
		cmocka_unit_test(test_phone_refused),
		cmocka_unit_test(test_phone_cpr_refused),
		cmocka_unit_test(test_cpr_detection),
		cmocka_unit_test(test_email_accepted),
		cmocka_unit_test(test_email_refused),
		cmocka_unit_test(test_email_lengths),
	};

	return (cmocka_run_group_tests_name("contact", tests, NULL, NULL));
}
