#include "config.h"

#include <sys/types.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kursusd.h"
#include "utf8.h"
#include "cause.h"

/* Quoted values in a cause are cut to this many bytes. */
#define CONTACT_QUOTE_MAX	64

/* E.164: at most 15 digits with the country code; we ask for at least 8. */
#define PHONE_DIGITS_MIN	8
#define PHONE_DIGITS_MAX	15
/* Danish numbers are eight digits after +45. */
#define PHONE_DK_DIGITS		8

#define EMAIL_MAX		254
#define EMAIL_LOCAL_MAX		64
#define EMAIL_LABEL_MAX		63

static char	*contact_trim(const char *);
static int	 contact_cpr_date(const char *);
static int	 contact_email_local_char(u_char);

/* A copy of s without surrounding whitespace. */
static char *
contact_trim(const char *s)
{
	char	*copy, *end;

	while (isspace((u_char)*s))
		s++;
	copy = xstrdup(s);
	end = copy + strlen(copy);
	while (end > copy && isspace((u_char)end[-1]))
		*--end = '\0';
	return (copy);
}

/*
 * 1 when the six digits in d make a date DDMMYY. The year's century lives
 * in the serial part, so 29 February is allowed whenever YY is a multiple
 * of four (2000 was a leap year, 1900 was not; either may be meant).
 */
static int
contact_cpr_date(const char *d)
{
	static const int	 mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31,
	    30, 31, 30, 31 };
	int			 i, dd, mm, yy;

	for (i = 0; i < 6; i++) {
		if (!isdigit((u_char)d[i]))
			return (0);
	}
	dd = (d[0] - '0') * 10 + (d[1] - '0');
	mm = (d[2] - '0') * 10 + (d[3] - '0');
	yy = (d[4] - '0') * 10 + (d[5] - '0');
	if (mm < 1 || mm > 12 || dd < 1 || dd > mdays[mm - 1])
		return (0);
	if (mm == 2 && dd == 29 && yy % 4 != 0)
		return (0);
	return (1);
}

/*
 * The digit at p, ASCII or full-width (U+FF10 to U+FF19, which a phone's
 * keyboard may give): its value in *d and its length in octets, or 0.
 */
static size_t
contact_cpr_digit(const u_char *p, char *d)
{
	if (*p >= '0' && *p <= '9') {
		*d = (char)*p;
		return (1);
	}
	if (p[0] == 0xef && p[1] == 0xbc && p[2] >= 0x90 && p[2] <= 0x99) {
		*d = (char)('0' + (p[2] - 0x90));
		return (3);
	}
	return (0);
}

/* Whether the octets just before p end a digit. */
static int
contact_cpr_after_digit(const u_char *start, const u_char *p)
{
	char	 d;

	if (p > start && p[-1] >= '0' && p[-1] <= '9')
		return (1);
	return (p - start >= 3 && contact_cpr_digit(p - 3, &d) == 3);
}

/*
 * A separator between the date and the serial number: a hyphen, a dash
 * (en, em, minus, Unicode hyphens), a slash, a dot or a space, with spaces
 * around it allowed; its length in octets, 0 when none.
 */
static size_t
contact_cpr_sep(const u_char *p)
{
	static const char	*dashes[] = { "\xe2\x80\x90", "\xe2\x80\x91",
	    "\xe2\x80\x92", "\xe2\x80\x93", "\xe2\x80\x94",
	    "\xe2\x88\x92", "-", "/", "." };
	const u_char		*q = p;
	size_t			 i, n;

	while (*q == ' ' || (q[0] == 0xc2 && q[1] == 0xa0))
		q += *q == ' ' ? 1 : 2;
	for (i = 0; i < sizeof dashes / sizeof dashes[0]; i++) {
		n = strlen(dashes[i]);
		if (strncmp((const char *)q, dashes[i], n) == 0) {
			q += n;
			while (*q == ' ' || (q[0] == 0xc2 && q[1] == 0xa0))
				q += *q == ' ' ? 1 : 2;
			break;
		}
	}
	return ((size_t)(q - p));
}

/*
 * Reads DDMMYY?NNNN at p, the way people write a CPR number: 0102031234,
 * 010203-1234, 010203 1234, 01.02.03-1234, 01-02-03/1234, with en dashes
 * or full-width digits. Between day, month and year one separator, the
 * same each time (a dot, a hyphen or a slash), or none. 1 when it is one
 * and stands alone (no digit right before or after).
 */
static int
contact_cpr_at(const u_char *start, const u_char *p)
{
	char		 d[11];
	size_t		 n, i, k;
	u_char		 sep = 0;

	if (contact_cpr_after_digit(start, p))
		return (0);
	for (i = 0; i < 6; i++) {
		if (i == 2 || i == 4) {
			if (i == 2 && (*p == '.' || *p == '-' || *p == '/'))
				sep = *p;
			if (sep != 0) {
				if (*p != sep)
					return (0);
				p++;
			}
		}
		if ((n = contact_cpr_digit(p, &d[i])) == 0)
			return (0);
		p += n;
	}
	if (!contact_cpr_date(d))
		return (0);
	p += contact_cpr_sep(p);
	for (k = 0; k < 4; k++) {
		if ((n = contact_cpr_digit(p, &d[6 + k])) == 0)
			return (0);
		p += n;
	}
	return (contact_cpr_digit(p, &d[10]) == 0);
}

int
contact_looks_like_cpr(const char *text)
{
	const u_char	*start = (const u_char *)text, *p;
	char		 d;

	if (text == NULL)
		return (0);
	for (p = start; *p != '\0'; p++) {
		if (contact_cpr_digit(p, &d) != 0 && contact_cpr_at(start, p))
			return (1);
	}
	return (0);
}

int
contact_phone_normalise(const char *in, char **out, char **cause)
{
	char		*value, digits[PHONE_DIGITS_MAX + 8];
	char		 quoted[CONTACT_QUOTE_MAX + 4];
	const char	*p, *national;
	size_t		 nd = 0, ncc;
	int		 plus = 0, international;

	*out = NULL;
	value = contact_trim(in == NULL ? "" : in);
	cause_quote(value, quoted, sizeof quoted);
	if (*value == '\0') {
		cause_set(cause, "phone number is empty");
		goto fail;
	}

	for (p = value; *p != '\0'; p++) {
		if (isdigit((u_char)*p)) {
			/* Too long either way; stop before overflowing. */
			if (nd == sizeof digits - 1)
				break;
			digits[nd++] = *p;
			continue;
		}
		if (*p == '+') {
			if (nd != 0 || plus) {
				cause_set(cause, "phone \"%s\": '+' "
				    "may only start the number", quoted);
				goto fail;
			}
			plus = 1;
			continue;
		}
		/*
		 * "+45 (0)12 34 56 78" and "+46 (0)70 ..." mark the trunk
		 * prefix dialled only at home; dropping just the parentheses
		 * would keep a 0 that must not be there.
		 */
		if (strncmp(p, "(0)", 3) == 0 && nd > 0 && (plus ||
		    (nd >= 2 && digits[0] == '0' && digits[1] == '0'))) {
			p += 2;
			continue;
		}
		if (*p == ' ' || *p == '\t' || *p == '-' || *p == '.' ||
		    *p == '(' || *p == ')')
			continue;
		cause_set(cause, "phone \"%s\": %s; use digits, spaces "
		    "and + - . ( )", quoted, isalpha((u_char)*p) ?
		    "letters are not allowed" : "unexpected character");
		goto fail;
	}
	digits[nd] = '\0';
	if (nd == 0) {
		cause_set(cause, "phone \"%s\": no digits", quoted);
		goto fail;
	}

	/*
	 * Ten digits that open with a date are a CPR number typed into the
	 * wrong field (so is DDMMYY-NNNN behind a +45). Say so without
	 * echoing it: causes are logged.
	 */
	if ((!plus && nd == 10 && contact_cpr_date(digits)) ||
	    contact_looks_like_cpr(value)) {
		cause_set(cause, "phone number looks like a CPR number; "
		    "kursusd never stores CPR numbers");
		goto fail;
	}

	/* "+CC..." or the "00CC..." international prefix. */
	international = plus;
	national = digits;
	if (!plus && nd >= 2 && digits[0] == '0' && digits[1] == '0') {
		international = 1;
		national = digits + 2;
	}

	if (international) {
		ncc = strlen(national);
		if (ncc == 0) {
			cause_set(cause, "phone \"%s\": no number after "
			    "the international prefix", quoted);
			goto fail;
		}
		if (strncmp(national, "45", 2) == 0) {
			national += 2;
			if (strlen(national) != PHONE_DK_DIGITS) {
				cause_set(cause, "phone \"%s\": a Danish "
				    "number has %d digits after +45",
				    quoted, PHONE_DK_DIGITS);
				goto fail;
			}
			goto danish;
		}
		if (national[0] == '0') {
			cause_set(cause, "phone \"%s\": a country code "
			    "cannot start with 0", quoted);
			goto fail;
		}
		if (ncc < PHONE_DIGITS_MIN) {
			cause_set(cause, "phone \"%s\": too short for "
			    "an international number (%d to %d digits "
			    "with the country code)", quoted,
			    PHONE_DIGITS_MIN, PHONE_DIGITS_MAX);
			goto fail;
		}
		if (ncc > PHONE_DIGITS_MAX) {
			cause_set(cause, "phone \"%s\": too long for "
			    "an international number (%d to %d digits "
			    "with the country code)", quoted,
			    PHONE_DIGITS_MIN, PHONE_DIGITS_MAX);
			goto fail;
		}
		xasprintf(out, "+%s", national);
		free(value);
		return (0);
	}

	if (nd < PHONE_DK_DIGITS) {
		cause_set(cause, "phone \"%s\": too short for a Danish "
		    "number (%d digits)", quoted, PHONE_DK_DIGITS);
		goto fail;
	}
	if (nd > PHONE_DK_DIGITS) {
		cause_set(cause, "phone \"%s\": too long for a Danish "
		    "number (%d digits); write a foreign number with + "
		    "and its country code", quoted, PHONE_DK_DIGITS);
		goto fail;
	}

danish:
	/*
	 * No Danish subscriber number starts with 0 (a few short service
	 * numbers start with 1 but are not eight digits long).
	 */
	if (national[0] == '0') {
		cause_set(cause, "phone \"%s\": a Danish number does "
		    "not start with 0", quoted);
		goto fail;
	}
	xasprintf(out, "+45%s", national);
	free(value);
	return (0);

fail:
	free(value);
	return (-1);
}

/*
 * RFC 5322 atext plus dots, and UTF-8 (RFC 6531) so "jørgen@" passes.
 * Quoted local parts are legal but never seen in practice; refusing them
 * keeps the check short.
 */
static int
contact_email_local_char(u_char c)
{
	if (c >= 0x80 || isalnum(c))
		return (1);
	return (strchr("!#$%&'*+/=?^_`{|}~.-", c) != NULL && c != '\0');
}

int
contact_email_check(const char *in, char **out, char **cause)
{
	char		*value, *at, *domain, *label, *dot;
	char		 quoted[CONTACT_QUOTE_MAX + 4];
	u_char		*u;
	const char	*p;
	size_t		 len, llen;
	int		 alldigits;

	*out = NULL;
	value = contact_trim(in == NULL ? "" : in);
	cause_quote(value, quoted, sizeof quoted);

	if (*value == '\0') {
		cause_set(cause, "e-mail address is empty");
		goto fail;
	}
	if (utf8_first_bad((const u_char *)value, strlen(value)) !=
	    strlen(value)) {
		cause_set(cause, "e-mail address is not valid UTF-8");
		goto fail;
	}
	/* Before anything quotes it: causes are shown and may be logged. */
	if (contact_looks_like_cpr(value)) {
		cause_set(cause, "e-mail address looks like a CPR number; "
		    "kursusd never stores CPR numbers");
		goto fail;
	}
	if ((len = strlen(value)) > EMAIL_MAX) {
		cause_set(cause, "e-mail \"%s\": longer than %d "
		    "characters", quoted, EMAIL_MAX);
		goto fail;
	}
	for (p = value; *p != '\0'; p++) {
		if (isspace((u_char)*p)) {
			cause_set(cause, "e-mail \"%s\": contains a "
			    "space", quoted);
			goto fail;
		}
		if (iscntrl((u_char)*p)) {
			cause_set(cause, "e-mail \"%s\": contains a "
			    "control character", quoted);
			goto fail;
		}
	}
	if ((at = strchr(value, '@')) == NULL) {
		cause_set(cause, "e-mail \"%s\": no @", quoted);
		goto fail;
	}
	if (strchr(at + 1, '@') != NULL) {
		cause_set(cause, "e-mail \"%s\": more than one @",
		    quoted);
		goto fail;
	}

	/* The part before the @. */
	llen = at - value;
	if (llen == 0) {
		cause_set(cause, "e-mail \"%s\": nothing before the @",
		    quoted);
		goto fail;
	}
	if (llen > EMAIL_LOCAL_MAX) {
		cause_set(cause, "e-mail \"%s\": more than %d "
		    "characters before the @", quoted, EMAIL_LOCAL_MAX);
		goto fail;
	}
	for (p = value; p < at; p++) {
		if (!contact_email_local_char((u_char)*p)) {
			cause_set(cause, "e-mail \"%s\": '%c' is not "
			    "allowed before the @", quoted, *p);
			goto fail;
		}
	}
	if (value[0] == '.' || at[-1] == '.' ||
	    memmem(value, llen, "..", 2) != NULL) {
		cause_set(cause, "e-mail \"%s\": a dot before the @ "
		    "cannot come first, last or twice in a row", quoted);
		goto fail;
	}

	/* The domain: dot-separated labels, IDN labels in UTF-8. */
	domain = at + 1;
	if (*domain == '\0') {
		cause_set(cause, "e-mail \"%s\": no domain after the @",
		    quoted);
		goto fail;
	}
	if (strchr(domain, '.') == NULL) {
		cause_set(cause, "e-mail \"%s\": the domain has no dot",
		    quoted);
		goto fail;
	}
	label = domain;
	alldigits = 1;
	for (;;) {
		dot = strchr(label, '.');
		llen = (dot == NULL) ? strlen(label) : (size_t)(dot - label);
		if (llen == 0) {
			cause_set(cause, "e-mail \"%s\": the domain has "
			    "an empty part (a dot first, last or twice)",
			    quoted);
			goto fail;
		}
		if (llen > EMAIL_LABEL_MAX) {
			cause_set(cause, "e-mail \"%s\": a part of the "
			    "domain is longer than %d characters",
			    quoted, EMAIL_LABEL_MAX);
			goto fail;
		}
		if (label[0] == '-' || label[llen - 1] == '-') {
			cause_set(cause, "e-mail \"%s\": a part of the "
			    "domain cannot start or end with '-'", quoted);
			goto fail;
		}
		alldigits = 1;
		for (p = label; p < label + llen; p++) {
			if ((u_char)*p >= 0x80 || isalnum((u_char)*p) ||
			    *p == '-') {
				if (!isdigit((u_char)*p))
					alldigits = 0;
				continue;
			}
			cause_set(cause, "e-mail \"%s\": '%c' is not "
			    "allowed in the domain (letters, digits and "
			    "'-')", quoted, *p);
			goto fail;
		}
		if (dot == NULL)
			break;
		label = dot + 1;
	}
	/* "user@10.0.0.1" is an address literal in disguise. */
	if (alldigits) {
		cause_set(cause, "e-mail \"%s\": the domain must end in "
		    "a name, not a number", quoted);
		goto fail;
	}

	/*
	 * Domains are case-insensitive, so store them lower-case. Beyond
	 * ASCII only Latin-1 capitals are folded (Æ, Ø, Å and friends; U+00C0
	 * to U+00DE but U+00D7 is the multiplication sign): two-byte UTF-8 C3
	 * 80..9E, whose small letter is 0x20 further on.
	 */
	for (u = (u_char *)domain; *u != '\0'; u++) {
		if (*u < 0x80)
			*u = (u_char)tolower(*u);
		else if (*u == 0xc3 && u[1] >= 0x80 && u[1] <= 0x9e &&
		    u[1] != 0x97) {
			u[1] += 0x20;
			u++;
		}
	}
	*out = value;
	return (0);

fail:
	free(value);
	return (-1);
}

int
contact_refuse_cpr(const char *field, const char *text, struct fail *f)
{
	if (text == NULL || !contact_looks_like_cpr(text))
		return (0);
	return (fail_set(f, 422, field, "%s looks like it holds a CPR number; "
	    "kursusd never stores CPR numbers", field));
}
