/*
 * Unit tests for notifier/template.c and notifier/gsm.c: every built-in
 * text renders, typical Danish SMS reminders and confirmations fit one
 * segment, dates read right on both sides of the 2026 DST changes in
 * Copenhagen, staff overrides, and GSM 03.38 segment counting.
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

#define NKINDS	(KIND_STAFF + 1)

static time_t	 utc(int, int, int, int, int);
static struct notice_time at(int, int, int, int, int);
static void	 typical(struct notice *, int, const char *);
static void	 minimal(struct notice *, int, const char *);
static void	 render_ok(const struct notice *, int, const char *,
		     const char *, char **, char **);
static char	*render_refused(const struct notice *, int, const char *,
		     const char *);
static void	 assert_date(struct notice_time, const char *, const char *);
static void	 assert_contains(const char *, const char *);
static void	 assert_lacks(const char *, const char *);
static char	*repeat(const char *, size_t);
static void	 assert_gsm(const char *, int, int, size_t);

/* A UTC instant from its fields. */
static time_t
utc(int y, int mo, int d, int h, int mi)
{
	struct tm	tm;

	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	return (timegm(&tm));
}

/*
 * A wall-clock time as the daemon hands it over: the notifier knows no
 * zones. The weekday is the date's, worked out from noon UTC that day.
 */
static struct notice_time
at(int y, int mo, int d, int h, int mi)
{
	struct notice_time	 l;
	time_t			 noon = utc(y, mo, d, 12, 0);
	struct tm		 tm;

	assert_non_null(gmtime_r(&noon, &tm));
	memset(&l, 0, sizeof l);
	l.year = y;
	l.month = mo;
	l.day = d;
	l.wday = tm.tm_wday;
	l.hour = h;
	l.minute = mi;
	return (l);
}

/* The typical values the SMS lengths are promised for. */
static void
typical(struct notice *n, int kind, const char *lang)
{
	memset(n, 0, sizeof *n);
	n->kind = kind;
	n->lang = lang;
	n->name = "Hanne-Lise Sørensen";
	n->course = "NemID/MitID for begyndere";
	n->venue = "Malernes Seniorklub";
	n->address = "Borgergade 1, 8700 Horsens";
	n->access = "Indgang fra gården, elevator til 1. sal";
	n->bring = "Din mobil og dit sundhedskort";
	n->instructor = "Birthe Holm";
	n->contact_phone = "75 62 12 34";
	n->feed_url = "https://kursus.example.dk/feed/p/3f9c2a1b.ics";
	n->start = utc(2026, 12, 3, 9, 0);
	n->end = utc(2026, 12, 3, 11, 0);
	n->start_at = at(2026, 12, 3, 10, 0);
	n->end_at = at(2026, 12, 3, 12, 0);
	n->number = 7;
	n->position = 3;
	if (kind == KIND_MOVED) {
		n->old_start = utc(2026, 12, 1, 9, 0);
		n->old_at = at(2026, 12, 1, 10, 0);
		n->old_venue = "Hovedbiblioteket";
	}
	if (kind == KIND_CANCELLED)
		n->reason = "Underviseren er syg";
	if (kind == KIND_STAFF)
		n->message = "Vi mødes i lokale 2 i stedet for lokale 1.";
}

/* Only what every notice has. */
static void
minimal(struct notice *n, int kind, const char *lang)
{
	memset(n, 0, sizeof *n);
	n->kind = kind;
	n->lang = lang;
	n->course = "Kom godt i gang med iPad";
	n->venue = "Hovedbiblioteket";
	n->start = utc(2026, 6, 18, 12, 30);
	n->start_at = at(2026, 6, 18, 14, 30);
}

static void
render_ok(const struct notice *n, int channel, const char *subject_tpl,
    const char *body_tpl, char **subject, char **body)
{
	char	*cause = NULL;

	assert_int_equal(template_render(n, channel, subject_tpl, body_tpl,
	    subject, body, &cause), 0);
	if (cause != NULL)
		fail_msg("refused: %s", cause);
	assert_non_null(*body);
	if (channel == CHANNEL_SMS)
		assert_null(*subject);
	else
		assert_non_null(*subject);
}

/* Renders an e-mail that must be refused; returns the cause. */
static char *
render_refused(const struct notice *n, int channel, const char *subject_tpl,
    const char *body_tpl)
{
	char	*subject = NULL, *body = NULL, *cause = NULL;

	assert_int_equal(template_render(n, channel, subject_tpl, body_tpl,
	    &subject, &body, &cause), -1);
	assert_null(subject);
	assert_null(body);
	assert_non_null(cause);
	return (cause);
}

static void
assert_date(struct notice_time t, const char *lang, const char *want)
{
	char	*got;

	got = template_date(&t, lang);
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void
assert_contains(const char *s, const char *what)
{
	if (strstr(s, what) == NULL)
		fail_msg("\"%s\" not in:\n%s", what, s);
}

static void
assert_lacks(const char *s, const char *what)
{
	if (strstr(s, what) != NULL)
		fail_msg("\"%s\" should not be in:\n%s", what, s);
}

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

/* Every kind, channel and language, with every detail and with none. */
static void
test_render_all(void **state)
{
	static const char	*langs[] = { "da", "en" };
	struct notice		 n;
	char			*subject, *body;
	size_t			 k, c, l, full;

	(void)state;
	for (k = 0; k < NKINDS; k++)
	for (c = 0; c < 2; c++)
	for (l = 0; l < 2; l++)
	for (full = 0; full < 2; full++) {
		if (full)
			typical(&n, k, langs[l]);
		else
			minimal(&n, k, langs[l]);
		render_ok(&n, c, NULL, NULL, &subject, &body);
		if (strpbrk(body, "{}") != NULL)
			fail_msg("kind %zu: braces left in:\n%s", k, body);
		assert_contains(body, n.course);
		assert_lacks(body, "\n\n\n");
		assert_lacks(body, " \n");
		if (c == CHANNEL_SMS) {
			assert_true(body[strlen(body) - 1] != '\n');
			if (full && k != KIND_STAFF)
				assert_int_equal(gsm_segments(body, NULL,
				    NULL), 1);
		} else {
			assert_true(strpbrk(subject, "{}\n") == NULL);
			assert_contains(subject, n.course);
			assert_true(body[strlen(body) - 1] == '\n');
			assert_lacks(body, "\n\n\n");
			assert_true(body[0] != '\n');
			assert_contains(body, l == 0 ? "Biblioteket\n" :
			    "The library\n");
			/* Lines without a value are gone, not left blank. */
			if (!full) {
				assert_lacks(body, l == 0 ? "Adgang" :
				    "Access");
				assert_lacks(body, l == 0 ? "Kære" : "Dear");
				assert_lacks(body, ": \n");
			}
		}
		if (full && k == KIND_STAFF)
			assert_contains(body, n.message);
		if (full && k == KIND_CANCELLED)
			assert_contains(body, n.reason);
		free(subject);
		free(body);
	}
}

/* The details a senior needs are in the e-mails that announce a session. */
static void
test_render_email_details(void **state)
{
	static const int	 some[] = { KIND_CONFIRMATION,
	    KIND_PROMOTED, KIND_REMINDER, KIND_MOVED };
	struct notice		 n;
	char			*subject, *body;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof some / sizeof some[0]; i++) {
		typical(&n, some[i], NULL);
		render_ok(&n, CHANNEL_EMAIL, NULL, NULL, &subject, &body);
		assert_contains(subject, "torsdag den 3. december kl. 10.00");
		assert_contains(body, "Kære Hanne-Lise Sørensen\n");
		assert_contains(body,
		    "Hvornår: torsdag den 3. december kl. 10.00\n");
		assert_contains(body, "Vi slutter kl. 12.00.\n");
		assert_contains(body, "Hvor: Malernes Seniorklub\n");
		assert_contains(body, "Adresse: Borgergade 1, 8700 Horsens\n");
		assert_contains(body, "Adgang: Indgang fra gården");
		assert_contains(body, "Medbring: Din mobil");
		assert_contains(body, "75 62 12 34");
		assert_contains(body, n.feed_url);
		free(subject);
		free(body);

		n.lang = "en";
		render_ok(&n, CHANNEL_EMAIL, NULL, NULL, &subject, &body);
		assert_contains(subject, "Thursday 3 December at 10:00");
		assert_contains(body, "Dear Hanne-Lise Sørensen\n");
		assert_contains(body, "When: Thursday 3 December at 10:00\n");
		assert_contains(body, "Ends at 12:00.\n");
		assert_contains(body, "Where: Malernes Seniorklub\n");
		assert_contains(body, "75 62 12 34");
		assert_contains(body, n.feed_url);
		free(subject);
		free(body);
	}

	/* A move of place alone says nothing of an old time. */
	typical(&n, KIND_MOVED, "da");
	render_ok(&n, CHANNEL_EMAIL, NULL, NULL, &subject, &body);
	assert_contains(body, "Tidligere tid: tirsdag den 1. december");
	assert_contains(body, "Tidligere sted: Hovedbiblioteket\n");
	free(subject);
	free(body);
	n.old_start = n.start;
	render_ok(&n, CHANNEL_EMAIL, NULL, NULL, &subject, &body);
	assert_lacks(body, "Tidligere tid");
	assert_contains(body, "Tidligere sted: Hovedbiblioteket\n");
	free(subject);
	free(body);
}

/* Prints an SMS as a TAP comment, with its length. */
static void
show_sms(const char *what, const char *text)
{
	size_t		 units;
	int		 ucs2, segments;
	const char	*p;

	segments = gsm_segments(text, &ucs2, &units);
	printf("# %s: %zu %s, %d segment%s\n#   ", what, units,
	    ucs2 ? "UCS-2 units" : "septets", segments,
	    segments == 1 ? "" : "s");
	for (p = text; *p != '\0'; p++) {
		if (*p == '\n')
			fputs("\n#   ", stdout);
		else
			putchar(*p);
	}
	putchar('\n');
	fflush(stdout);
}

/* Danish reminder and confirmation by SMS: one GSM 03.38 segment. */
static void
test_sms_typical(void **state)
{
	static const int	 some[] = { KIND_REMINDER,
	    KIND_CONFIRMATION };
	static const char	*names[] = { "reminder", "confirmation" };
	struct notice		 n;
	char			*subject, *body, what[64];
	size_t			 i, units;
	int			 ucs2;

	(void)state;
	for (i = 0; i < sizeof some / sizeof some[0]; i++) {
		typical(&n, some[i], "da");
		render_ok(&n, CHANNEL_SMS, NULL, NULL, &subject, &body);
		snprintf(what, sizeof what, "da %s", names[i]);
		show_sms(what, body);
		assert_int_equal(gsm_segments(body, &ucs2, &units), 1);
		assert_int_equal(ucs2, 0);
		assert_true(units <= 160);
		assert_contains(body, "Hej Hanne-Lise\n");
		assert_lacks(body, "Sørensen");
		assert_contains(body, "NemID/MitID for begyndere");
		assert_contains(body, "torsdag den 3. december kl. 10.00");
		assert_contains(body, "Malernes Seniorklub");
		assert_contains(body, "Borgergade 1, 8700 Horsens");
		assert_contains(body, "75 62 12 34");
		free(body);

		/* Without access notes or bring it is the same text. */
		n.access = n.bring = NULL;
		render_ok(&n, CHANNEL_SMS, NULL, NULL, &subject, &body);
		assert_int_equal(gsm_segments(body, NULL, NULL), 1);
		free(body);

		/* A longer name still fits: the ladder drops the greeting. */
		n.name = "Marie-Louise Christensen";
		n.address = "Nørregade 112, 8700 Horsens";
		n.contact_phone = "+45 75 62 12 34";
		render_ok(&n, CHANNEL_SMS, NULL, NULL, &subject, &body);
		snprintf(what, sizeof what, "da %s, longer values", names[i]);
		show_sms(what, body);
		assert_int_equal(gsm_segments(body, NULL, NULL), 1);
		assert_contains(body, "torsdag den 3. december kl. 10.00");
		assert_contains(body, "Malernes Seniorklub");
		free(body);

		/* A short one gets the access notes too. */
		typical(&n, some[i], "da");
		n.course = "iPad 1";
		n.venue = "Hovedbiblioteket";
		n.address = "Torvet 1, Horsens";
		n.access = "Elevator i gården";
		n.bring = NULL;
		render_ok(&n, CHANNEL_SMS, NULL, NULL, &subject, &body);
		assert_contains(body, "Adgang: Elevator i gården");
		assert_int_equal(gsm_segments(body, NULL, NULL), 1);
		free(body);
	}

	/* For the report: the other kinds and English. */
	for (i = 0; i < NKINDS; i++) {
		typical(&n, i, "en");
		render_ok(&n, CHANNEL_SMS, NULL, NULL, &subject, &body);
		snprintf(what, sizeof what, "en kind %zu", i);
		show_sms(what, body);
		free(body);
		typical(&n, i, "da");
		render_ok(&n, CHANNEL_SMS, NULL, NULL, &subject, &body);
		snprintf(what, sizeof what, "da kind %zu", i);
		show_sms(what, body);
		free(body);
	}
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
	assert_date(at(2026, 3, 29, 1, 59), "da",
	    "søndag den 29. marts kl. 01.59");
	assert_date(at(2026, 3, 29, 3, 0), "da",
	    "søndag den 29. marts kl. 03.00");
	assert_date(at(2026, 10, 25, 10, 0), "en",
	    "Sunday 25 October at 10:00");
	assert_date(at(2027, 1, 1, 0, 30), "da",
	    "fredag den 1. januar kl. 00.30");
	assert_date(at(2027, 1, 1, 0, 30), "en",
	    "Friday 1 January at 00:30");
}

/* Every weekday, and the language forms. */
static void
test_date_weekdays(void **state)
{
	static const char	*da[] = { "mandag", "tirsdag", "onsdag",
	    "torsdag", "fredag", "lørdag", "søndag" };
	static const char	*en[] = { "Monday", "Tuesday", "Wednesday",
	    "Thursday", "Friday", "Saturday", "Sunday" };
	struct notice_time	 none;
	char			*want, *got;
	int			 i;

	(void)state;
	/* Monday 30 November to Sunday 6 December 2026. */
	for (i = 0; i < 7; i++) {
		want = i == 0 ? strdup("mandag den 30. november kl. 09.05") :
		    NULL;
		if (want == NULL) {
			assert_true(asprintf(&want, "%s den %d. december kl. "
			    "09.05", da[i], i) > 0);
		}
		assert_date(at(2026, i == 0 ? 11 : 12, i == 0 ? 30 : i, 9, 5),
		    "da", want);
		free(want);

		assert_true(asprintf(&want, "%s %d %s at 09:05", en[i],
		    i == 0 ? 30 : i, i == 0 ? "November" : "December") > 0);
		assert_date(at(2026, i == 0 ? 11 : 12, i == 0 ? 30 : i, 9, 5),
		    "en", want);
		free(want);
	}

	/* Danish is the default; "en-GB" is English. */
	assert_date(at(2026, 12, 3, 10, 0), NULL,
	    "torsdag den 3. december kl. 10.00");
	assert_date(at(2026, 12, 3, 10, 0), "fr",
	    "torsdag den 3. december kl. 10.00");
	assert_date(at(2026, 12, 3, 10, 0), "en-GB",
	    "Thursday 3 December at 10:00");
	assert_date(at(2026, 12, 3, 10, 0), "eng",
	    "torsdag den 3. december kl. 10.00");

	/* No time given (the daemon did not know the zone): none. */
	memset(&none, 0, sizeof none);
	got = template_date(&none, "da");
	assert_null(got);
	none = at(2026, 13, 3, 10, 0);
	got = template_date(&none, "da");
	assert_null(got);
}

/* Every month, with the weekday worked out here independently. */
static void
test_date_months(void **state)
{
	static const char	*da_wd[] = { "søndag", "mandag", "tirsdag",
	    "onsdag", "torsdag", "fredag", "lørdag" };
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
		day = utc(2026, m, 15, 12, 0);
		assert_non_null(gmtime_r(&day, &tm));
		assert_true(asprintf(&want, "%s den 15. %s kl. 18.45",
		    da_wd[tm.tm_wday], da[m - 1]) > 0);
		assert_date(at(2026, m, 15, 18, 45), "da", want);
		free(want);
		assert_true(asprintf(&want, "15 %s at 18:45", en[m - 1]) > 0);
		{
			struct notice_time	 l = at(2026, m, 15, 18, 45);
			char			*got;

			got = template_date(&l, "en");
			assert_non_null(got);
			assert_contains(got, want);
			free(got);
		}
		free(want);
	}
}

/* Staff's own texts. */
static void
test_override(void **state)
{
	struct notice	 n;
	char		*subject, *body;

	(void)state;
	typical(&n, KIND_REMINDER, "da");
	render_ok(&n, CHANNEL_EMAIL, "Husk {course} på {venue}",
	    "Hej {first_name}\n"
	    "Vi ses {date} (vi starter {time} og slutter {end}).\n"
	    "Kursist nr. {number}, plads {position} - {instructor}\n"
	    "\n"
	    "Besked: {message}\n"
	    "\n"
	    "\n"
	    "{link}\n",
	    &subject, &body);
	assert_string_equal(subject,
	    "Husk NemID/MitID for begyndere på Malernes Seniorklub");
	assert_string_equal(body,
	    "Hej Hanne-Lise\n"
	    "Vi ses torsdag den 3. december kl. 10.00 (vi starter 10.00 og "
	    "slutter 12.00).\n"
	    "Kursist nr. 7, plads 3 - Birthe Holm\n"
	    "\n"
	    "https://kursus.example.dk/feed/p/3f9c2a1b.ics\n");
	free(subject);
	free(body);

	/* A multi-line subject becomes one line; SMS ignore the subject. */
	n.message = "Første linje\r\nAnden linje";
	render_ok(&n, CHANNEL_EMAIL, "{course}\n{message}", "{message}",
	    &subject, &body);
	assert_string_equal(subject,
	    "NemID/MitID for begyndere Første linje Anden linje");
	assert_string_equal(body, "Første linje\nAnden linje\n");
	free(subject);
	free(body);

	n.lang = "en";
	render_ok(&n, CHANNEL_SMS, "ignored {nonsense", "{course} {date}\n",
	    &subject, &body);
	assert_string_equal(body,
	    "NemID/MitID for begyndere Thursday 3 December at 10:00");
	free(body);

	/* Values cannot start lines of their own, except the message. */
	n.course = "Tablet\nfor begyndere";
	render_ok(&n, CHANNEL_SMS, NULL, "{course}|{time}", &subject, &body);
	assert_string_equal(body, "Tablet for begyndere|10:00");
	free(body);
}

/* "{{" is a literal brace; "}" alone is literal as it stands. */
static void
test_override_braces(void **state)
{
	struct notice	 n;
	char		*subject, *body;

	(void)state;
	typical(&n, KIND_STAFF, "da");
	render_ok(&n, CHANNEL_SMS, NULL, "{{name} er {name}; a}b {{{course}",
	    &subject, &body);
	assert_string_equal(body,
	    "{name} er Hanne-Lise Sørensen; a}b {NemID/MitID for begyndere");
	free(body);
}

static void
test_override_refused(void **state)
{
	struct notice	 n;
	char		*cause;

	(void)state;
	typical(&n, KIND_REMINDER, "da");

	cause = render_refused(&n, CHANNEL_EMAIL, NULL,
	    "Kære {name}\nHusk {kursus} på {venue}");
	assert_string_equal(cause,
	    "unknown placeholder {kursus} at line 2, column 6");
	free(cause);

	/* Columns count characters, not bytes. */
	cause = render_refused(&n, CHANNEL_EMAIL, "Påmindelse: {dato}", NULL);
	assert_string_equal(cause,
	    "unknown placeholder {dato} at line 1, column 13");
	free(cause);

	/* Even on a line that would be left out for want of a value. */
	n.access = NULL;
	cause = render_refused(&n, CHANNEL_SMS, NULL, "{access} {Name}");
	assert_string_equal(cause,
	    "unknown placeholder {Name} at line 1, column 10");
	free(cause);

	cause = render_refused(&n, CHANNEL_SMS, NULL, "{}");
	assert_string_equal(cause,
	    "unknown placeholder {} at line 1, column 1");
	free(cause);

	cause = render_refused(&n, CHANNEL_SMS, NULL, "Hej {name\nx}");
	assert_string_equal(cause, "unclosed placeholder at line 1, column 5 "
	    "(write {{ for a brace)");
	free(cause);

	cause = render_refused(&n, CHANNEL_SMS, NULL, "Hej {na{me}");
	assert_contains(cause, "unclosed placeholder at line 1, column 5");
	free(cause);

	/* Control characters are not echoed into the cause. */
	cause = render_refused(&n, CHANNEL_SMS, NULL, "{a\tb}");
	assert_string_equal(cause,
	    "unknown placeholder {a?b} at line 1, column 1");
	free(cause);

	/* Nothing left to send. */
	cause = render_refused(&n, CHANNEL_SMS, NULL, "{access}\n\n");
	assert_contains(cause, "empty");
	free(cause);

	/* A notice without a course or with an unknown zone. */
	n.course = NULL;
	cause = render_refused(&n, CHANNEL_EMAIL, NULL, NULL);
	assert_contains(cause, "{course}");
	free(cause);
	cause = render_refused(&n, CHANNEL_SMS, NULL, NULL);
	assert_contains(cause, "{course}");
	free(cause);
	typical(&n, KIND_REMINDER, "da");
	memset(&n.start_at, 0, sizeof n.start_at);
	cause = render_refused(&n, CHANNEL_EMAIL, NULL, NULL);
	assert_string_equal(cause, "the session's local time is missing (an "
	    "unknown time zone?)");
	free(cause);
	n.start_at = at(2026, 12, 3, 10, 0);
	n.kind = 99;
	cause = render_refused(&n, CHANNEL_EMAIL, NULL, NULL);
	assert_string_equal(cause, "unknown notice kind 99");
	free(cause);
	n.kind = KIND_REMINDER;
	cause = render_refused(&n, 7, NULL, NULL);
	assert_string_equal(cause, "unknown channel 7");
	free(cause);
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
		cmocka_unit_test(test_render_all),
		cmocka_unit_test(test_render_email_details),
		cmocka_unit_test(test_sms_typical),
		cmocka_unit_test(test_date_clock),
		cmocka_unit_test(test_date_weekdays),
		cmocka_unit_test(test_date_months),
		cmocka_unit_test(test_override),
		cmocka_unit_test(test_override_braces),
		cmocka_unit_test(test_override_refused),
		cmocka_unit_test(test_gsm_lengths),
		cmocka_unit_test(test_gsm_extension),
		cmocka_unit_test(test_gsm_ucs2),
		cmocka_unit_test(test_gsm_invalid),
	};

	return (cmocka_run_group_tests_name("notifier", tests, NULL,
	    NULL));
}
