/*
 * The helpers the unit tests of the notifier share (notifiertest.h).
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

/*
 * A wall-clock time as the daemon hands it over: the notifier knows no
 * zones. The weekday is the date's, worked out from noon UTC that day.
 */
struct notice_time
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
void
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
void
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

void
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
char *
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

void
assert_contains(const char *s, const char *what)
{
	if (strstr(s, what) == NULL)
		fail_msg("\"%s\" not in:\n%s", what, s);
}

void
assert_lacks(const char *s, const char *what)
{
	if (strstr(s, what) != NULL)
		fail_msg("\"%s\" should not be in:\n%s", what, s);
}
