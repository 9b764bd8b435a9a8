/*
 * The checks of resource.c's records: each field's value (trimmed,
 * bounded, normalised) and each kind of whole row.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "calendars.h"
#include "kursusd.h"
#include "resource-private.h"

/* --- value checks: each may replace the value with a normalised one. */

int
check_slug(const struct rfield *f, json_t *v, json_t **out, struct fail *fl)
{
	const char	*s = json_string_value(v);
	size_t		 len = strlen(s), i;

	if (len == 0 || len > 64)
		return (fail_set(fl, 422, f->name, "slug \"%s\" must be 1 to "
		    "64 characters", s));
	for (i = 0; i < len; i++) {
		if (!(islower((unsigned char)s[i]) ||
		    isdigit((unsigned char)s[i]) || (s[i] == '-' && i > 0)))
			return (fail_set(fl, 422, f->name, "slug \"%s\" may "
			    "hold only a-z, 0-9 and '-' (not first)", s));
	}
	return (0);
}

/* Valid UTF-8 without control characters other than newline and tab. */
static int
text_clean(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;

	for (; *p != '\0'; p++) {
		if (*p < 0x20 && *p != '\n' && *p != '\t')
			return (0);
		if (*p == 0x7f)
			return (0);
	}
	return (1);	/* jansson has already refused invalid UTF-8 */
}

/*
 * Checks a free text a client sent for field: trimmed, at most max bytes,
 * no control characters but newline and tab. *out is the trimmed text
 * (caller frees), or NULL when it is empty and not required.
 */
int
resource_text(const char *field, const char *s, long max, int required,
    char **out, struct fail *fl)
{
	const char	*b, *e;

	*out = NULL;
	if (s == NULL)
		s = "";
	b = s;
	while (*b == ' ' || *b == '\t' || *b == '\n')
		b++;
	e = b + strlen(b);
	while (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n'))
		e--;
	if (e == b) {
		if (required)
			return (fail_set(fl, 422, field, "%s must not be "
			    "empty", field));
		return (0);
	}
	if ((long)(e - b) > max)
		return (fail_set(fl, 422, field, "%s is %zu bytes long; at "
		    "most %ld are allowed", field, (size_t)(e - b), max));
	if (!text_clean(s))
		return (fail_set(fl, 422, field, "%s holds control "
		    "characters", field));
	*out = xstrndup(b, (size_t)(e - b));
	return (0);
}

int
check_text(const struct rfield *f, json_t *v, json_t **out, struct fail *fl)
{
	char	*text;

	if (resource_text(f->name, json_string_value(v), f->max,
	    (f->flags & RF_REQUIRED) != 0, &text, fl) != 0)
		return (-1);
	*out = text != NULL ? json_string(text) : json_null();
	free(text);
	return (0);
}

int
check_int(const struct rfield *f, json_t *v, json_t **out, struct fail *fl)
{
	json_int_t	 i = json_integer_value(v);

	if (i < f->min || i > f->max)
		return (fail_set(fl, 422, f->name, "%s %lld is out of range "
		    "(%ld to %ld)", f->name, (long long)i, f->min, f->max));
	return (0);
}

int
check_real(const struct rfield *f, json_t *v, json_t **out, struct fail *fl)
{
	double	 d = json_number_value(v);

	if (d < f->min || d > f->max)
		return (fail_set(fl, 422, f->name, "%s %g is out of range "
		    "(%ld to %ld)", f->name, d, f->min, f->max));
	*out = json_real(d);
	return (0);
}

int
check_zone(const struct rfield *f, json_t *v, json_t **out, struct fail *fl)
{
	const char	*s = json_string_value(v);

	if (!zone_valid(s))
		return (fail_set(fl, 422, f->name, "unknown time zone \"%s\" "
		    "(use an IANA name such as Europe/Copenhagen)", s));
	return (0);
}

static int
check_contact(const struct rfield *f, json_t *v, json_t **out,
    struct fail *fl, int (*fn)(const char *, char **, char **))
{
	char	*norm, *cause;

	if (*json_string_value(v) == '\0') {
		*out = json_null();
		return (0);
	}
	if (fn(json_string_value(v), &norm, &cause) != 0) {
		fail_set(fl, 422, f->name, "%s", cause);
		free(cause);
		return (-1);
	}
	*out = json_string(norm);
	free(norm);
	return (0);
}

int
check_phone(const struct rfield *f, json_t *v, json_t **out, struct fail *fl)
{
	return (check_contact(f, v, out, fl, contact_phone_normalise));
}

int
check_email(const struct rfield *f, json_t *v, json_t **out, struct fail *fl)
{
	return (check_contact(f, v, out, fl, contact_email_check));
}

int
check_language(const struct rfield *f, json_t *v, json_t **out,
    struct fail *fl)
{
	const char	*s = json_string_value(v);

	if (strcmp(s, "da") != 0 && strcmp(s, "en") != 0)
		return (fail_set(fl, 422, f->name, "language \"%s\" is not "
		    "supported (da or en)", s));
	return (0);
}

int
check_phone_type(const struct rfield *f, json_t *v, json_t **out,
    struct fail *fl)
{
	const char	*s = json_string_value(v);

	if (strcmp(s, "mobile") != 0 && strcmp(s, "landline") != 0)
		return (fail_set(fl, 422, f->name, "phone_type \"%s\" is "
		    "neither mobile nor landline", s));
	return (0);
}

int
check_bool(const struct rfield *f, json_t *v, json_t **out, struct fail *fl)
{
	/* Stored as 0/1 so SQL can test it. */
	*out = json_integer(json_is_true(v) ? 1 : 0);
	return (0);
}

/* Reminder rules ("email:2d,sms:1d@10:00"); "" or "none" for none. */
int
check_reminders(const struct rfield *f, json_t *v, json_t **out,
    struct fail *fl)
{
	const char	*s = json_string_value(v), *b, *e;
	char		*rules, *cause = NULL;
	int		 rc;

	for (b = s; *b == ' ' || *b == '\t'; b++)
		;
	e = b + strlen(b);
	while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	if ((long)(e - b) > f->max)
		return (fail_set(fl, 422, f->name, "%s is %zu bytes long; at "
		    "most %ld are allowed", f->name, (size_t)(e - b), f->max));
	rules = xstrndup(b, (size_t)(e - b));
	if (strcmp(rules, "none") == 0)
		rules[0] = '\0';
	if ((rc = reminder_rules_check(rules, &cause)) != 0) {
		fail_set(fl, 422, f->name, "reminders \"%s\": %s", rules,
		    cause);
		free(cause);
	} else
		*out = json_string(rules);
	free(rules);
	return (rc);
}

/* --- whole-row checks */

/* Whether row has no value for name (absent or null). */
int
row_null(json_t *row, const char *name)
{
	json_t	*v = json_object_get(row, name);

	return (v == NULL || json_is_null(v));
}

int
venue_row_check(struct store *st, json_t *row, struct fail *f)
{
	if (row_null(row, "timezone"))
		json_object_set_new(row, "timezone",
		    json_string(store_default_timezone(st)));
	if (row_null(row, "latitude") != row_null(row, "longitude"))
		return (fail_set(f, 422, row_null(row, "latitude") ?
		    "latitude" : "longitude", "give both latitude and "
		    "longitude, or neither"));
	return (0);
}

int
course_row_check(struct store *st, json_t *row, struct fail *f)
{
	json_int_t	 cap, min;

	cap = json_integer_value(json_object_get(row, "capacity"));
	min = json_integer_value(json_object_get(row, "min_participants"));
	if (min > cap)
		return (fail_set(f, 422, "min_participants", "min_participants "
		    "%lld is more than the capacity %lld", (long long)min,
		    (long long)cap));
	return (0);
}

int
participant_row_check(struct store *st, json_t *row, struct fail *f)
{
	int	 has_phone = !row_null(row, "phone");
	int	 has_email = !row_null(row, "email");
	int	 none = json_integer_value(json_object_get(row, "no_contact"));

	if (none && (has_phone || has_email))
		return (fail_set(f, 422, "no_contact", "no_contact is set but "
		    "a %s is given; drop one", has_phone ? "phone" : "e-mail"));
	if (!none && !has_phone && !has_email)
		return (fail_set(f, 422, "phone", "give a phone number, an "
		    "e-mail address, or no_contact (staff will phone or meet "
		    "them)"));
	if (!has_phone)
		json_object_set_new(row, "phone_type", json_null());
	else if (row_null(row, "phone_type"))
		json_object_set_new(row, "phone_type", json_string("mobile"));
	return (0);
}
