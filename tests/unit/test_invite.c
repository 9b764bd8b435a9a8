/*
 * Unit tests for calendars/invite.c: single-event invitations
 * (METHOD:REQUEST and CANCEL), checked byte by byte and read back with
 * libical's own parser.
 */
#include "config.h"

#include <sys/types.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <libical/ical.h>

#include "buf.h"
#include "calendars.h"
#include "calendars-private.h"
#include "feedtest.h"

static void
invite_base(struct cal_invite *inv, const char *method)
{
	memset(inv, 0, sizeof *inv);
	inv->method = method;
	inv->organizer_name = "Hovedbiblioteket, Kursusafdelingen";
	inv->organizer_email = "kursus@bibliotek.example.dk";
	inv->attendee_name = "Søren Ærø Ødegård";
	inv->attendee_email = "soeren@example.dk";
}

static void
test_invite_request(void **state)
{
	struct cal_event	 ev;
	struct cal_invite	 inv;
	icalcomponent		*c, *vev;
	icalproperty		*p;
	char			*s, *event, *line, *alarm, *vevent, *added, *rest;
	size_t			 len, added_lines;

	(void)state;
	base_event(&ev);
	ev.alarm_minutes = 60;
	invite_base(&inv, "REQUEST");
	s = invite_render(&ev, &inv, "da", &len);
	assert_non_null(s);
	assert_int_equal(len, strlen(s));
	assert_wellformed(s, len);
	assert_memory_equal(s, "BEGIN:VCALENDAR\r\nPRODID:-//kursusd//kursusd "
	    PACKAGE_VERSION "//DA\r\nVERSION:2.0\r\nCALSCALE:GREGORIAN\r\n"
	    "METHOD:REQUEST\r\nBEGIN:VTIMEZONE\r\nTZID:Europe/Copenhagen\r\n",
	    strlen("BEGIN:VCALENDAR\r\nPRODID:-//kursusd//kursusd "
	    PACKAGE_VERSION "//DA\r\nVERSION:2.0\r\nCALSCALE:GREGORIAN\r\n"
	    "METHOD:REQUEST\r\nBEGIN:VTIMEZONE\r\nTZID:Europe/Copenhagen\r\n"));
	assert_string_equal(s + len - 27, "END:VEVENT\r\nEND:VCALENDAR\r\n");
	assert_line(s, "ORGANIZER;CN=\"Hovedbiblioteket, Kursusafdelingen\":"
	    "mailto:kursus@bibliotek.example.dk");
	assert_line(s, "ATTENDEE;CN=\"Søren Ærø Ødegård\";"
	    "ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=FALSE:"
	    "mailto:soeren@example.dk");
	assert_line(s, "UID:session-42@kursus.example.dk");
	assert_line(s, "SEQUENCE:3");
	assert_line(s, "STATUS:CONFIRMED");
	assert_line(s, "DTSTAMP:20261120T081530Z");
	assert_line(s, "DTSTART;TZID=Europe/Copenhagen:20261203T100000");
	/* ORGANIZER and ATTENDEE sit in the event, before its alarm. */
	assert_true(strstr(s, "BEGIN:VEVENT") < strstr(s, "ORGANIZER"));
	assert_true(strstr(s, "ATTENDEE") < strstr(s, "BEGIN:VALARM"));
	assert_int_equal(count(s, "BEGIN:VTIMEZONE"), 1);

	/*
	 * The event is the feed's, with the two lines added before its
	 * alarm: the feed's bytes up to BEGIN:VALARM, ORGANIZER and
	 * ATTENDEE (two unfolded lines), then the rest of the feed's bytes.
	 */
	event = feed_event(&ev, "da", NULL);
	assert_non_null(event);
	alarm = strstr(event, "BEGIN:VALARM\r\n");
	assert_non_null(alarm);
	vevent = strstr(s, "BEGIN:VEVENT\r\n");
	assert_non_null(vevent);
	assert_memory_equal(vevent, event, alarm - event);
	added = vevent + (alarm - event);
	assert_memory_equal(added, "ORGANIZER", 9);
	rest = strstr(added, "BEGIN:VALARM\r\n");
	assert_non_null(rest);
	added_lines = 0;
	for (line = added; line < rest; line = strstr(line, "\r\n") + 2) {
		if (line[0] != ' ')
			added_lines++;
	}
	assert_int_equal(added_lines, 2);
	line = find_line(added, "ATTENDEE;");
	assert_non_null(line);
	assert_true(strstr(added, "\r\nATTENDEE;") < rest);
	free(line);
	assert_int_equal(strlen(rest), strlen(alarm) +
	    strlen("END:VCALENDAR\r\n"));
	assert_memory_equal(rest, alarm, strlen(alarm));
	free(event);

	c = parse(s);
	assert_int_equal(icalcomponent_get_method(c), ICAL_METHOD_REQUEST);
	vev = icalcomponent_get_first_component(c, ICAL_VEVENT_COMPONENT);
	p = icalcomponent_get_first_property(vev, ICAL_ATTENDEE_PROPERTY);
	assert_string_equal(icalproperty_get_attendee(p),
	    "mailto:soeren@example.dk");
	assert_string_equal(icalparameter_get_cn(
	    icalproperty_get_first_parameter(p, ICAL_CN_PARAMETER)),
	    "Søren Ærø Ødegård");
	p = icalcomponent_get_first_property(vev, ICAL_ORGANIZER_PROPERTY);
	assert_string_equal(icalparameter_get_cn(
	    icalproperty_get_first_parameter(p, ICAL_CN_PARAMETER)),
	    "Hovedbiblioteket, Kursusafdelingen");
	icalcomponent_free(c);
	free(s);

	/* No name: no CN. A quote in a name would end the parameter. */
	inv.organizer_name = NULL;
	inv.attendee_name = "Karen \"Kis\" Ærbø";
	s = invite_render(&ev, &inv, "da", &len);
	assert_non_null(s);
	assert_line(s, "ORGANIZER:mailto:kursus@bibliotek.example.dk");
	line = find_line(s, "ATTENDEE;");
	assert_non_null(line);
	assert_memory_equal(line, "ATTENDEE;CN=\"Karen 'Kis' Ærbø\";", 33);
	free(line);
	free(s);
}

static void
test_invite_cancel(void **state)
{
	struct cal_event	 ev;
	struct cal_invite	 inv;
	icalcomponent		*c;
	char			*s;
	size_t			 len;

	(void)state;
	base_event(&ev);
	ev.alarm_minutes = 60;
	ev.sequence = 4;
	invite_base(&inv, "CANCEL");
	s = invite_render(&ev, &inv, "da", &len);
	assert_non_null(s);
	assert_wellformed(s, len);
	assert_line(s, "METHOD:CANCEL");
	assert_line(s, "STATUS:CANCELLED");
	assert_line(s, "SEQUENCE:4");
	assert_line(s, "UID:session-42@kursus.example.dk");
	assert_line(s, "SUMMARY:AFLYST: Kom godt i gang med MitID");
	assert_line(s, "ATTENDEE;CN=\"Søren Ærø Ødegård\";"
	    "ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=FALSE:"
	    "mailto:soeren@example.dk");
	assert_null(strstr(s, "VALARM"));
	c = parse(s);
	assert_int_equal(icalcomponent_get_method(c), ICAL_METHOD_CANCEL);
	icalcomponent_free(c);
	free(s);

	s = invite_render(&ev, &inv, "en", &len);
	assert_line(s, "SUMMARY:CANCELLED: Kom godt i gang med MitID");
	free(s);
}

/*
 * Long names and addresses fold at 75 octets without splitting a
 * character, wherever the folds fall. libical's own folding would cut the
 * line's CR LF in two for two of these addresses.
 */
static void
test_invite_folding(void **state)
{
	static const char	*names[] = {
	    "Ærø Søndergård Åkjær-Østergaard Æbelø Ølstykke Årø Ærøskøbing "
	    "Bøgebjerg €€€ \xf0\x9f\x93\x85",
	    "abcdefghijklmnopqrstuvwxyz abcdefghijklmnopqrstuvwxyz "
	    "abcdefghijklmnopqrstuvwxyz",
	};
	struct cal_event	 ev;
	struct cal_invite	 inv;
	char			*s, *line, name[240], mail[240], want[260];
	size_t			 len, shift, i;
	icalcomponent		*c, *vev;
	icalproperty		*p;

	(void)state;
	base_event(&ev);
	invite_base(&inv, "REQUEST");
	for (shift = 0; shift < 80; shift++) {
		memset(mail, 'x', shift);
		snprintf(mail + shift, sizeof mail - shift, "%s",
		    "soeren.oedegaard.aeroe.hansen.med.et.meget.langt.navn"
		    "@eksempel.dk");
		inv.attendee_email = mail;
		s = invite_render(&ev, &inv, "da", &len);
		assert_non_null(s);
		assert_wellformed(s, len);
		c = parse(s);
		vev = icalcomponent_get_first_component(c,
		    ICAL_VEVENT_COMPONENT);
		p = icalcomponent_get_first_property(vev,
		    ICAL_ATTENDEE_PROPERTY);
		snprintf(want, sizeof want, "mailto:%s", mail);
		assert_string_equal(icalproperty_get_attendee(p), want);
		icalcomponent_free(c);
		free(s);
	}
	invite_base(&inv, "REQUEST");
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		for (shift = 0; shift < 80; shift++) {
			memset(name, 'x', shift);
			snprintf(name + shift, sizeof name - shift, "%s",
			    names[i]);
			inv.attendee_name = name;
			s = invite_render(&ev, &inv, "da", &len);
			assert_non_null(s);
			assert_wellformed(s, len);
			line = find_line(s, "ATTENDEE;CN=\"");
			assert_non_null(line);
			free(line);
			c = parse(s);
			vev = icalcomponent_get_first_component(c,
			    ICAL_VEVENT_COMPONENT);
			p = icalcomponent_get_first_property(vev,
			    ICAL_ATTENDEE_PROPERTY);
			assert_string_equal(icalparameter_get_cn(
			    icalproperty_get_first_parameter(p,
			    ICAL_CN_PARAMETER)), name);
			icalcomponent_free(c);
			free(s);
		}
	}
}

/* The frame's calendar for inv is the one invite_render() makes. */
static void
invite_same(const struct cal_event *ev, const struct cal_invite_frame *f,
    const struct cal_invite *inv)
{
	char	*a, *b;
	size_t	 alen, blen;

	a = invite_render(ev, inv, "da", &alen);
	b = invite_frame_render(f, inv, &blen);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, alen);
	free(a);
	free(b);
}

/*
 * One frame for many attendees (the mails of a session): each calendar
 * the same bytes as invite_render() makes for that attendee alone, for a
 * REQUEST and a CANCEL; an address refused by both.
 */
static void
test_invite_frame(void **state)
{
	static const char	*methods[] = { "REQUEST", "CANCEL" };
	static const char	*names[] = { "Søren Ærø", "", "Anna",
	    "abcdefghijklmnopqrstuvwxyz abcdefghijklmnopqrstuvwxyz "
	    "abcdefghijklmnopqrstuvwxyz" };
	struct cal_invite_frame	 f;
	struct cal_event	 ev;
	struct cal_invite	 inv;
	char			 mail[64];
	size_t			 i, m;

	(void)state;
	base_event(&ev);
	for (m = 0; m < 2; m++) {
		invite_base(&inv, methods[m]);
		inv.gone = CAL_GONE_WITHDRAWN;
		assert_int_equal(invite_frame(&ev, &inv, "da", &f), 0);
		for (i = 0; i < sizeof names / sizeof names[0]; i++) {
			snprintf(mail, sizeof mail, "deltager%zu@eksempel.dk",
			    i);
			inv.attendee_name = names[i];
			inv.attendee_email = mail;
			invite_same(&ev, &f, &inv);
		}
		/* An organizer other than the frame's: its own line. */
		for (i = 0; i < 3; i++) {
			inv.organizer_name = i == 0 ? "Et andet bibliotek" :
			    i == 1 ? NULL : "Horsens Bibliotek";
			inv.organizer_email = i == 2 ? "andet@eksempel.dk" :
			    inv.organizer_email;
			invite_same(&ev, &f, &inv);
		}
		inv.attendee_email = "a@b.dk\r\nATTENDEE:mailto:x@y.dk";
		assert_null(invite_frame_render(&f, &inv, NULL));
		invite_frame_clear(&f);
	}
	invite_base(&inv, "PUBLISH");
	assert_int_equal(invite_frame(&ev, &inv, "da", &f), -1);
}

static void
test_invite_refused(void **state)
{
	struct cal_event	 ev;
	struct cal_invite	 inv;
	size_t			 len = 99;

	(void)state;
	base_event(&ev);
	invite_base(&inv, "REQUEST");
	inv.attendee_email = NULL;
	assert_null(invite_render(&ev, &inv, "da", &len));
	assert_int_equal(len, 0);
	inv.attendee_email = "";
	assert_null(invite_render(&ev, &inv, "da", NULL));
	inv.attendee_email = "not an address";
	assert_null(invite_render(&ev, &inv, "da", NULL));
	inv.attendee_email = "a@b.dk\r\nATTENDEE:mailto:x@y.dk";
	assert_null(invite_render(&ev, &inv, "da", NULL));
	inv.attendee_email = "soeren@example.dk";
	inv.organizer_email = NULL;
	assert_null(invite_render(&ev, &inv, "da", NULL));
	invite_base(&inv, "PUBLISH");
	assert_null(invite_render(&ev, &inv, "da", NULL));
	inv.method = NULL;
	assert_null(invite_render(&ev, &inv, "da", NULL));
	invite_base(&inv, "REQUEST");
	assert_null(invite_render(NULL, &inv, "da", NULL));
	assert_null(invite_render(&ev, NULL, "da", NULL));
	ev.uid = NULL;
	assert_null(invite_render(&ev, &inv, "da", NULL));
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_invite_request),
		cmocka_unit_test(test_invite_cancel),
		cmocka_unit_test(test_invite_folding),
		cmocka_unit_test(test_invite_frame),
		cmocka_unit_test(test_invite_refused),
	};

	return (cmocka_run_group_tests_name("invite", tests, NULL,
	    teardown_zones));
}
