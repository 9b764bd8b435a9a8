/*
 * Unit tests for notifier/template.c and mail.c's HTML: every built-in
 * text renders and names the library with its phone number, typical
 * Danish SMS reminders and confirmations fit one segment, the course is
 * named as a course, what to bring is never said twice, English readers
 * get no Danish run into their sentences, staff overrides and the HTML
 * alternative. Dates in words are test_words.c's, GSM 03.38 test_gsm.c's.
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

#define NKINDS	KIND_COUNT

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

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_render_all),
		cmocka_unit_test(test_render_email_details),
		cmocka_unit_test(test_sms_typical),
		cmocka_unit_test(test_bring_line),
		cmocka_unit_test(test_the_course),
		cmocka_unit_test(test_html),
		cmocka_unit_test(test_override),
		cmocka_unit_test(test_override_braces),
		cmocka_unit_test(test_override_refused),
	};

	return (cmocka_run_group_tests_name("notifier", tests, NULL,
	    NULL));
}
