/*
 * Unit tests for notifier/template.c, words.c, mail.c's HTML and gsm.c:
 * every built-in text renders and names the library with its phone
 * number, typical Danish SMS reminders and confirmations fit one
 * segment, the course is named as a course, what to bring is never said
 * twice, English readers get no Danish run into their sentences, dates
 * in words over their edge cases (midnight, both DST days, every weekday
 * and month), phone numbers the Danish way, staff overrides, the HTML
 * alternative, and GSM 03.38 segment counting.
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
#include "unittest.h"

#define NKINDS	KIND_COUNT

static struct notice_time at(int, int, int, int, int);
static void	 typical(struct notice *, int, const char *);
static void	 minimal(struct notice *, int, const char *);
static void	 render_ok(const struct notice *, int, const char *,
		     const char *, char **, char **);
static char	*render_refused(const struct notice *, int, const char *,
		     const char *);
static void	 assert_date(struct notice_time, int, const char *);
static void	 assert_when(struct notice_time, struct notice_time, int,
		     const char *);
static void	 assert_contains(const char *, const char *);
static void	 assert_lacks(const char *, const char *);
static char	*repeat(const char *, size_t);
static void	 assert_gsm(const char *, int, int, size_t);

/*
 * A wall-clock time as the daemon hands it over: the notifier knows no
 * zones. The weekday is the date's, worked out from noon UTC that day.
 */
static struct notice_time
at(int y, int mo, int d, int h, int mi)
{
	struct notice_time	 l;
	time_t			 noon = utc(y, mo, d, 12, 0, 0);
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
	n->venue_phone = "+4575621234";
	n->calendar_url = "https://kursus.example.dk/kalender/3f9c2a1b";
	n->library.name = "Horsens Bibliotek";
	n->library.phone = "+4576292300";
	n->library.email = "kurser@horsens.example.dk";
	n->library.url = "https://horsensbibliotek.example.dk";
	n->start = utc(2026, 12, 3, 9, 0, 0);
	n->end = utc(2026, 12, 3, 11, 0, 0);
	n->start_at = at(2026, 12, 3, 10, 0);
	n->end_at = at(2026, 12, 3, 12, 0);
	n->number = 7;
	n->position = 3;
	if (kind == KIND_MOVED) {
		n->old_start = utc(2026, 12, 1, 9, 0, 0);
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
	n->start = utc(2026, 6, 18, 12, 30, 0);
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
		/* The running number is staff's, never told. */
		assert_lacks(body, "nr. 7");
		assert_lacks(body, "number 7");
		assert_lacks(body, "kursist");
		/* Every message says who sends it and how to reach them. */
		if (full) {
			assert_contains(body, "Horsens Bibliotek");
			assert_contains(body, l == 0 ? "76 29 23 00" :
			    "+45 76 29 23 00");
			assert_lacks(body, "+4576292300");
		}
		if (c == CHANNEL_SMS) {
			assert_true(body[strlen(body) - 1] != '\n');
			assert_contains(body, full ? "Horsens Bibliotek" :
			    l == 0 ? "Biblioteket" : "The library");
			/* Plain GSM 03.38: no guillemets, no dash. */
			assert_lacks(body, "\xc2\xbb");
			assert_lacks(body, "\xe2\x80");
			if (full && k != KIND_STAFF)
				assert_int_equal(gsm_segments(body, NULL,
				    NULL), 1);
		} else {
			assert_true(strpbrk(subject, "{}\n") == NULL);
			assert_contains(subject, n.course);
			assert_true(body[strlen(body) - 1] == '\n');
			assert_lacks(body, "\n\n\n");
			assert_true(body[0] != '\n');
			/* The course as a course, in the subject too. */
			assert_contains(subject, l == 0 ? "kurset \xc2\xbb" :
			    "the course \xe2\x80\x9c");
			/* Signed by the library, or a word for it. */
			if (full) {
				assert_contains(body, "\nHorsens Bibliotek\n");
				assert_contains(body, l == 0 ?
				    "Telefon 76 29 23 00\n" :
				    "Phone +45 76 29 23 00\n");
				assert_contains(body,
				    "kurser@horsens.example.dk\n");
			} else
				assert_contains(body, l == 0 ?
				    "\nBiblioteket\n" : "\nThe library\n");
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
		assert_contains(subject, "kurset \xc2\xbbNemID/MitID for "
		    "begyndere\xc2\xab torsdag den 3. december kl. 10.00");
		assert_contains(body, "Kære Hanne-Lise Sørensen\n");
		assert_contains(body, "Hvornår: torsdag den 3. december "
		    "kl. 10.00\xe2\x80\x93" "12.00\n");
		assert_contains(body, "Hvor: Malernes Seniorklub\n");
		assert_contains(body, "Adresse: Borgergade 1, 8700 Horsens\n");
		assert_contains(body, "Adgang: Indgang fra gården");
		assert_contains(body, "\nMedbring: Din mobil og dit "
		    "sundhedskort\n");
		/* The venue first about the place, then the library. */
		assert_contains(body, "så ring til Malernes Seniorklub på "
		    "75 62 12 34.\n");
		assert_contains(body, "så ring på 76 29 23 00, så en anden");
		assert_true(strstr(body, "75 62 12 34") <
		    strstr(body, "ring på 76 29 23 00"));
		/* The page that puts it in a calendar, not a feed's URL. */
		assert_contains(body, n.calendar_url);
		assert_lacks(body, ".ics");
		assert_lacks(body, "kursist");
		assert_lacks(body, "nr. 7");
		assert_contains(body, "\nVenlig hilsen\nHorsens Bibliotek\n"
		    "Telefon 76 29 23 00\nkurser@horsens.example.dk\n"
		    "https://horsensbibliotek.example.dk\n");
		free(subject);
		free(body);

		/* English: English sentences; Danish notes marked as such. */
		n.lang = "en";
		n.bring_danish = 1;
		n.library.signature = "The course team";
		render_ok(&n, CHANNEL_EMAIL, NULL, NULL, &subject, &body);
		assert_contains(subject, "the course \xe2\x80\x9cNemID/MitID "
		    "for begyndere\xe2\x80\x9d, Thursday 3 December at "
		    "10:00");
		assert_contains(body, "Dear Hanne-Lise Sørensen\n");
		assert_contains(body, "When: Thursday 3 December, "
		    "10:00\xe2\x80\x93" "12:00\n");
		assert_contains(body, "Where: Malernes Seniorklub\n");
		assert_contains(body, "Access (in Danish): Indgang fra "
		    "gården");
		assert_contains(body, "What to bring (in Danish): Din mobil "
		    "og dit sundhedskort\n");
		assert_lacks(body, "Please bring");
		assert_lacks(body, "Medbring");
		assert_lacks(body, "Adgang");
		assert_contains(body, "+45 75 62 12 34");
		assert_contains(body, "please call +45 76 29 23 00");
		assert_contains(body, n.calendar_url);
		assert_contains(body, "\nKind regards\nThe course team\n"
		    "Horsens Bibliotek\nPhone +45 76 29 23 00\n");
		free(subject);
		free(body);

		/* With the course type's English text, that. */
		n.bring = "Your phone and your health card";
		n.bring_danish = 0;
		render_ok(&n, CHANNEL_EMAIL, NULL, NULL, &subject, &body);
		assert_contains(body, "\nPlease bring: Your phone and your "
		    "health card\n");
		assert_lacks(body, "(in Danish): Your");
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

	/* Without a library phone, the venue's is the one to call. */
	typical(&n, KIND_REMINDER, "da");
	n.library.phone = NULL;
	render_ok(&n, CHANNEL_EMAIL, NULL, NULL, &subject, &body);
	assert_contains(body, "så ring på 75 62 12 34, så en anden");
	assert_lacks(body, "om stedet");
	assert_lacks(body, "Telefon");
	free(subject);
	free(body);
}

/*
 * What to bring, said once: "Medbring: X", or the text alone when it
 * says "Medbring ..." itself (never "Medbring: Medbring ..."), in English
 * the same with "Please bring"; Danish for an English reader marked, and
 * left out of an SMS.
 */
static void
test_bring_line(void **state)
{
	static const struct {
		const char	*lang, *bring;
		int		 danish, channel;
		const char	*want;
	} cases[] = {
		{ "da", "telefon og nøglekort", 0, CHANNEL_EMAIL,
		  "Medbring: telefon og nøglekort" },
		{ "da", "Medbring din telefon, dit nøglekort og dine "
		  "læsebriller", 0, CHANNEL_EMAIL, "Medbring din telefon, "
		  "dit nøglekort og dine læsebriller" },
		{ "da", "medbring: telefon", 0, CHANNEL_EMAIL,
		  "Medbring: telefon" },
		{ "da", "Husk at tage din telefon med", 0, CHANNEL_SMS,
		  "Husk at tage din telefon med" },
		{ "da", "Medbringer du egen tablet, så oplad den", 0,
		  CHANNEL_EMAIL, "Medbring: Medbringer du egen tablet, så "
		  "oplad den" },
		{ "en", "your phone", 0, CHANNEL_EMAIL,
		  "Please bring: your phone" },
		{ "en", "Please bring your phone", 0, CHANNEL_EMAIL,
		  "Please bring your phone" },
		{ "en", "bring a charged tablet", 0, CHANNEL_SMS,
		  "Bring a charged tablet" },
		{ "en", "Medbring din telefon", 1, CHANNEL_EMAIL,
		  "What to bring (in Danish): Medbring din telefon" },
	};
	struct notice	 n;
	char		*subject, *body, *want;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		typical(&n, KIND_REMINDER, cases[i].lang);
		n.bring = cases[i].bring;
		n.bring_danish = cases[i].danish;
		render_ok(&n, cases[i].channel, NULL, "[{bring_line}]",
		    &subject, &body);
		assert_true(asprintf(&want, "[%s]%s", cases[i].want,
		    cases[i].channel == CHANNEL_EMAIL ? "\n" : "") > 0);
		assert_string_equal(body, want);
		free(want);
		free(subject);
		free(body);
	}
	/* The case without a line: the whole template is empty. */
	typical(&n, KIND_REMINDER, "en");
	n.bring = "Medbring din telefon";
	n.bring_danish = 1;
	free(render_refused(&n, CHANNEL_SMS, NULL, "{bring_line}"));
	/* In an English SMS the bring line is not there at all. */
	render_ok(&n, CHANNEL_SMS, NULL, NULL, &subject, &body);
	assert_lacks(body, "Medbring");
	free(body);
}

/* The course named as a course, in each language and channel. */
static void
test_the_course(void **state)
{
	struct notice	 n;
	char		*subject, *body;

	(void)state;
	typical(&n, KIND_CONFIRMATION, "da");
	n.course = "borger.dk";
	render_ok(&n, CHANNEL_EMAIL, NULL, NULL, &subject, &body);
	assert_string_equal(subject, "Du er tilmeldt kurset \xc2\xbb"
	    "borger.dk\xc2\xab torsdag den 3. december kl. 10.00");
	assert_contains(body, "Du har fået en plads på kurset \xc2\xbb"
	    "borger.dk\xc2\xab.\n");
	assert_lacks(body, "plads på borger.dk");
	free(subject);
	free(body);
	render_ok(&n, CHANNEL_SMS, NULL, NULL, &subject, &body);
	assert_contains(body, "Du er tilmeldt kurset \"borger.dk\" torsdag");
	assert_int_equal(gsm_segments(body, NULL, NULL), 1);
	free(body);
	n.lang = "en";
	render_ok(&n, CHANNEL_EMAIL, NULL, NULL, &subject, &body);
	assert_string_equal(subject, "You are registered for the course "
	    "\xe2\x80\x9c" "borger.dk\xe2\x80\x9d, Thursday 3 December at "
	    "10:00");
	free(subject);
	free(body);
	render_ok(&n, CHANNEL_SMS, NULL, "{the_course}|{when}", &subject,
	    &body);
	assert_string_equal(body, "the course \"borger.dk\"|Thursday 3 "
	    "December, 10:00-12:00");
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
		assert_lacks(body, "Sørensen");
		assert_contains(body, "kurset \"NemID/MitID for begyndere\"");
		assert_contains(body, "torsdag den 3. december kl. 10.00");
		assert_contains(body, "Malernes Seniorklub");
		assert_contains(body, "76 29 23 00");
		assert_contains(body, "\nHorsens Bibliotek");
		if (some[i] == KIND_REMINDER)
			assert_contains(body, "Borgergade 1, 8700 Horsens");
		free(body);

		/* Without access notes or bring it is the same text. */
		n.access = n.bring = NULL;
		render_ok(&n, CHANNEL_SMS, NULL, NULL, &subject, &body);
		assert_int_equal(gsm_segments(body, NULL, NULL), 1);
		free(body);

		/* Longer values still fit: the ladder drops what it must. */
		n.name = "Marie-Louise Christensen";
		n.address = "Nørregade 112, 8700 Horsens";
		n.library.name = "Københavns Biblioteker";
		render_ok(&n, CHANNEL_SMS, NULL, NULL, &subject, &body);
		snprintf(what, sizeof what, "da %s, longer values", names[i]);
		show_sms(what, body);
		assert_int_equal(gsm_segments(body, NULL, NULL), 1);
		assert_contains(body, "torsdag den 3. december kl. 10.00");
		assert_contains(body, "Malernes Seniorklub");
		assert_contains(body, "76 29 23 00");
		assert_contains(body, "Københavns Biblioteker");
		free(body);

		/* A short one gets the greeting and the access notes. */
		typical(&n, some[i], "da");
		n.name = "Ib Holm";
		n.course = "iPad";
		n.venue = "Torvet";
		n.address = "Torvet 1";
		n.access = "Elevator i gården";
		n.bring = NULL;
		n.library.name = "Biblioteket";
		render_ok(&n, CHANNEL_SMS, NULL, NULL, &subject, &body);
		snprintf(what, sizeof what, "da %s, short values", names[i]);
		show_sms(what, body);
		assert_contains(body, "Hej Ib\n");
		assert_contains(body, "Adgang: Elevator i gården");
		assert_contains(body, "76 29 23 00\n");
		assert_int_equal(gsm_segments(body, NULL, NULL), 1);
		free(body);

		/* Without them, the venue's number about the place, first. */
		n.access = NULL;
		render_ok(&n, CHANNEL_SMS, NULL, NULL, &subject, &body);
		show_sms(what, body);
		assert_contains(body, "Om stedet: ring 75 62 12 34\n");
		assert_true(strstr(body, "75 62 12 34") <
		    strstr(body, "76 29 23 00"));
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

/* The HTML alternative: the same words, escaped, links, paragraphs. */
static void
test_html(void **state)
{
	char	*h;

	(void)state;
	h = mail_html("Kære Søren & Åse\n\nHvornår: i dag\nSe her: "
	    "https://k.example.dk/kalender/ab?x=1&y=<2>. Tak.\n\nHilsen\n"
	    "<Biblioteket> \"os\"\n", "da", "Husk <kurset> & mere");
	assert_contains(h, "<!DOCTYPE html>\n<html lang=\"da\">");
	assert_contains(h, "<meta charset=\"utf-8\">");
	assert_contains(h, "<title>Husk &lt;kurset&gt; &amp; mere</title>");
	assert_contains(h, ">Kære Søren &amp; Åse</p>\n");
	assert_contains(h, ">Hvornår: i dag<br>\nSe her: <a href=\""
	    "https://k.example.dk/kalender/ab?x=1&amp;y=\" style=\"color:"
	    "#0645ad;\">https://k.example.dk/kalender/ab?x=1&amp;y=</a>"
	    "&lt;2&gt;. Tak.</p>\n");
	assert_contains(h, ">Hilsen<br>\n&lt;Biblioteket&gt; &quot;os&quot;"
	    "</p>\n");
	assert_contains(h, "font-size:18px");
	assert_lacks(h, "<script");
	free(h);

	/* English, a link closing a sentence, CR LF line ends. */
	h = mail_html("See http://k.example.dk/a.\r\n\r\nBye\r\n", "en",
	    NULL);
	assert_contains(h, "<html lang=\"en\">");
	assert_contains(h, "<title></title>");
	assert_contains(h, "See <a href=\"http://k.example.dk/a\" style=\""
	    "color:#0645ad;\">http://k.example.dk/a</a>.</p>\n");
	assert_contains(h, ">Bye</p>\n");
	free(h);
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
	    "https://kursus.example.dk/kalender/3f9c2a1b\n");
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
	assert_contains(cause, "course}");
	free(cause);
	cause = render_refused(&n, CHANNEL_SMS, NULL, NULL);
	assert_contains(cause, "course}");
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
		cmocka_unit_test(test_bring_line),
		cmocka_unit_test(test_the_course),
		cmocka_unit_test(test_date_clock),
		cmocka_unit_test(test_date_weekdays),
		cmocka_unit_test(test_date_months),
		cmocka_unit_test(test_when_edges),
		cmocka_unit_test(test_words_phone),
		cmocka_unit_test(test_html),
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
