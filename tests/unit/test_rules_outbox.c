/*
 * Unit tests of the outbox rows the registration rules make: the channels
 * and kinds of the notices, and the reminders planned by the rules. Driven through
 * api_dispatch() on a real store with the clock pinned (apitest.c), as
 * test_rules.c.
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
#include <unistd.h>

#include <cmocka.h>

#include "apitest.h"
#include "rulestest.h"

/* --- the outbox */

static void
test_outbox_channels(void **state)
{
	struct fx	*fx = *state;
	struct store	*st = fx->st;
	int64_t		 sid, sms, mail, both, none, nosms, land, nosms_mail;
	char		 buf[64], uri[64];
	json_t		*j, *r;
	size_t		 i;

	sid = mksession(st, DEC3, 20);
	sms = mkperson(st, "Mobil", "\"phone\": \"20 30 40 50\"");
	mail = mkperson(st, "Mail", "\"email\": \"mail@Example.DK\"");
	both = mkperson(st, "Begge", "\"phone\": \"20304051\", \"email\": "
	    "\"begge@example.dk\"");
	none = mkperson(st, "Ingen", "\"no_contact\": true");
	nosms = mkperson(st, "Nej tak", "\"phone\": \"20304052\", "
	    "\"no_sms\": true");
	land = mkperson(st, "Fastnet", "\"phone\": \"75 62 00 00\", "
	    "\"phone_type\": \"landline\"");
	nosms_mail = mkperson(st, "Kun mail", "\"phone\": \"20304053\", "
	    "\"email\": \"kunmail@example.dk\", \"no_sms\": true");

	reg_as(st, sid, sms, 0, "confirmed");
	reg_as(st, sid, mail, 0, "confirmed");
	reg_as(st, sid, both, 0, "confirmed");
	reg_as(st, sid, none, 0, "confirmed");
	reg_as(st, sid, nosms, 0, "confirmed");
	reg_as(st, sid, land, 0, "confirmed");
	reg_as(st, sid, nosms_mail, 0, "confirmed");

	assert_string_equal(outbox_channels(st, sid, "confirmation", sms, buf,
	    sizeof buf), "sms");
	assert_string_equal(outbox_channels(st, sid, "confirmation", mail, buf,
	    sizeof buf), "email");
	assert_string_equal(outbox_channels(st, sid, "confirmation", both, buf,
	    sizeof buf), "email,sms");
	assert_string_equal(outbox_channels(st, sid, "confirmation", none, buf,
	    sizeof buf), "call");
	assert_string_equal(outbox_channels(st, sid, "confirmation", nosms,
	    buf, sizeof buf), "call");
	assert_string_equal(outbox_channels(st, sid, "confirmation", land, buf,
	    sizeof buf), "call");
	assert_string_equal(outbox_channels(st, sid, "confirmation",
	    nosms_mail, buf, sizeof buf), "email");
	assert_int_equal(outbox_count(st, sid), 8);

	/* Recipients: the normalised number and address; none for a call. */
	snprintf(uri, sizeof uri, "/v1/outbox?session=%lld", (long long)sid);
	j = call_ok(st, "GET", uri, NULL, 200);
	json_array_foreach(json_object_get(j, "outbox"), i, r) {
		if (jint(r, "participant_id") == sms)
			assert_string_equal(jstr(r, "recipient"),
			    "+4520304050");
		else if (jint(r, "participant_id") == mail)
			assert_string_equal(jstr(r, "recipient"),
			    "mail@example.dk");
		else if (strcmp(jstr(r, "channel"), "call") == 0)
			assert_true(json_is_null(json_object_get(r,
			    "recipient")));
	}
	json_decref(j);
}

static void
test_outbox_kinds(void **state)
{
	struct fx	*fx = *state;
	struct store	*st = fx->st;
	int64_t		 sid, a, b, c, d, e;
	char		 buf[64], uri[64];
	json_t		*j;
	int		 status;

	sid = mksession(st, DEC3, 2);
	a = mkperson(st, "Anna", "\"phone\": \"20304050\"");
	b = mkperson(st, "Bent", "\"email\": \"bent@example.dk\"");
	c = mkperson(st, "Carl", "\"no_contact\": true");
	d = mkperson(st, "Dorte", "\"phone\": \"20304051\", \"no_sms\": true");
	e = mkperson(st, "Erik", "\"phone\": \"20304052\", \"email\": "
	    "\"erik@example.dk\"");

	reg_as(st, sid, a, 0, "confirmed");
	reg_as(st, sid, b, 0, "confirmed");
	reg_as(st, sid, c, 0, "waitlisted");
	reg_as(st, sid, d, 0, "waitlisted");
	reg_as(st, sid, e, 0, "waitlisted");
	assert_string_equal(outbox_channels(st, sid, "confirmation", a, buf,
	    sizeof buf), "sms");
	assert_string_equal(outbox_channels(st, sid, "confirmation", b, buf,
	    sizeof buf), "email");
	assert_string_equal(outbox_channels(st, sid, "waitlisted", c, buf,
	    sizeof buf), "call");
	assert_string_equal(outbox_channels(st, sid, "waitlisted", d, buf,
	    sizeof buf), "call");
	assert_string_equal(outbox_channels(st, sid, "waitlisted", e, buf,
	    sizeof buf), "email,sms");
	assert_int_equal(outbox_count(st, sid), 6);

	/* a leaves (and is told so); c moves up. */
	unreg_promotes(st, sid, a, &c, 1);
	assert_string_equal(outbox_channels(st, sid, "withdrawn", a, buf,
	    sizeof buf), "sms");
	assert_string_equal(outbox_channels(st, sid, "promoted", c, buf,
	    sizeof buf), "call");
	assert_int_equal(outbox_count(st, sid), 8);

	/* Capacity cut: c goes back to the waitlist. */
	j = session_patch(st, sid, "{\"capacity\": 1, \"force\": true}",
	    &status);
	assert_int_equal(status, 200);
	json_decref(j);
	assert_string_equal(outbox_channels(st, sid, "demoted", c, buf,
	    sizeof buf), "call");
	assert_int_equal(outbox_count(st, sid), 9);

	/* Moved: everyone still registered (b, c, d, e), not a. */
	snprintf(uri, sizeof uri, "/v1/sessions/%lld/move", (long long)sid);
	j = call_ok(st, "POST", uri, "{\"start\": \"2026-12-04 13:00\"}", 200);
	assert_string_equal(jstr(json_array_get(json_object_get(j, "sessions"),
	    0), "start"), "2026-12-04T13:00:00+01:00");
	assert_int_equal(jint(json_array_get(json_object_get(j, "sessions"),
	    0), "sequence"), 1);
	json_decref(j);
	assert_string_equal(outbox_channels(st, sid, "moved", a, buf,
	    sizeof buf), "");
	assert_string_equal(outbox_channels(st, sid, "moved", b, buf,
	    sizeof buf), "email");
	assert_string_equal(outbox_channels(st, sid, "moved", c, buf,
	    sizeof buf), "call");
	assert_string_equal(outbox_channels(st, sid, "moved", d, buf,
	    sizeof buf), "call");
	assert_string_equal(outbox_channels(st, sid, "moved", e, buf,
	    sizeof buf), "email,sms");
	assert_int_equal(outbox_count(st, sid), 14);

	/* Cancelled: the same people. */
	snprintf(uri, sizeof uri, "/v1/sessions/%lld/cancel", (long long)sid);
	j = call_ok(st, "POST", uri, "{\"reason\": \"Instrukt\\u00f8ren er "
	    "syg\"}", 200);
	assert_int_equal(jint(json_array_get(json_object_get(j, "sessions"),
	    0), "sequence"), 2);
	json_decref(j);
	assert_string_equal(outbox_channels(st, sid, "cancelled", a, buf,
	    sizeof buf), "");
	assert_string_equal(outbox_channels(st, sid, "cancelled", b, buf,
	    sizeof buf), "email");
	assert_string_equal(outbox_channels(st, sid, "cancelled", c, buf,
	    sizeof buf), "call");
	assert_string_equal(outbox_channels(st, sid, "cancelled", d, buf,
	    sizeof buf), "call");
	assert_string_equal(outbox_channels(st, sid, "cancelled", e, buf,
	    sizeof buf), "email,sms");
	assert_int_equal(outbox_count(st, sid), 19);
}

/* The daemon's mail and SMS settings, with these reminder rules. */
static struct outbox_conf *reminders_conf;

static void
reminders_configure(struct store *st, const char *rules)
{
	struct config	*conf;
	char		*cause = NULL, *o[5];

	store_set_outbox(st, NULL);
	outbox_conf_free(reminders_conf);
	reminders_conf = NULL;
	if (rules == NULL)
		return;		/* back to the defaults */
	o[0] = xprintf("reminders.rules=%s", rules);
	o[1] = xstrdup("smtp.host=127.0.0.1");
	o[2] = xstrdup("smtp.from=kurser@bibliotek.example");
	o[3] = xstrdup("sms.driver=kannel");
	o[4] = xstrdup("sms.url=http://127.0.0.1/cgi-bin/sendsms");
	if (config_load(NULL, o, 5, &conf, &cause) != 0)
		fail_msg("config: %s", cause);
	reminders_conf = outbox_conf_new(conf);
	store_set_outbox(st, reminders_conf);
	config_free(conf);
	free(o[0]);
	free(o[1]);
	free(o[2]);
	free(o[3]);
	free(o[4]);
}

/* The pending reminders of a session, "channel@due_at;..." in id order. */
static char *
reminders_of(struct store *st, int64_t sid)
{
	static const char *sql = "SELECT group_concat(channel || '@' || "
	    "utc_iso(next_attempt), ';') FROM (SELECT * FROM outbox WHERE "
	    "session_id = ? AND kind = 'reminder' AND state = 'pending' "
	    "ORDER BY id)";
	sqlite3_stmt	*stmt = store_stmt(st, sql);
	char		*out;

	sqlite3_bind_int64(stmt, 1, sid);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	out = xstrdup(sqlite3_column_type(stmt, 0) == SQLITE_NULL ? "" :
	    (const char *)sqlite3_column_text(stmt, 0));
	sqlite3_reset(stmt);
	return (out);
}

/*
 * Reminders are planned at confirmation by the rules (the course type's
 * own, else the configured), on the channel the person has, with SMS out
 * of the quiet hours; a move plans them again; leaving withdraws them.
 */
static void
test_reminders_planned(void **state)
{
	struct fx	*fx = *state;
	struct store	*st = fx->st;
	int64_t		 sid, both, mail, phone, waiting;
	char		*r, uri[96];
	json_t		*j;

	reminders_configure(st, "email:2d,sms:1d@10:00");
	sid = mksession(st, DEC3, 3);
	both = mkperson(st, "Begge", "\"phone\": \"20304050\", \"email\": "
	    "\"begge@example.dk\"");
	reg_as(st, sid, both, 0, "confirmed");
	/* 2 days before 10:00 +01 is Dec 1 09:00Z; Dec 2 10:00 local. */
	r = reminders_of(st, sid);
	assert_string_equal(r, "email@2026-12-01T09:00:00Z;"
	    "sms@2026-12-02T09:00:00Z");
	free(r);

	/* Only e-mail: the SMS rule goes by e-mail. */
	mail = mkperson(st, "Mail", "\"email\": \"mail@example.dk\"");
	reg_as(st, sid, mail, 0, "confirmed");
	r = reminders_of(st, sid);
	assert_string_equal(r, "email@2026-12-01T09:00:00Z;"
	    "sms@2026-12-02T09:00:00Z;email@2026-12-01T09:00:00Z;"
	    "email@2026-12-02T09:00:00Z");
	free(r);

	/* Waitlisted people get none until they move up. */
	phone = mkmobile(st, "Mobil", 1);
	reg_as(st, sid, phone, 0, "confirmed");
	waiting = mkmobile(st, "Venter", 2);
	reg_as(st, sid, waiting, 0, "waitlisted");
	r = reminders_of(st, sid);
	assert_string_equal(r, "email@2026-12-01T09:00:00Z;"
	    "sms@2026-12-02T09:00:00Z;email@2026-12-01T09:00:00Z;"
	    "email@2026-12-02T09:00:00Z;sms@2026-12-01T09:00:00Z;"
	    "sms@2026-12-02T09:00:00Z");
	free(r);

	/* Leaving withdraws; the one moving up gets them. */
	unreg_promotes(st, sid, phone, &waiting, 1);
	r = reminders_of(st, sid);
	assert_string_equal(r, "email@2026-12-01T09:00:00Z;"
	    "sms@2026-12-02T09:00:00Z;email@2026-12-01T09:00:00Z;"
	    "email@2026-12-02T09:00:00Z;sms@2026-12-01T09:00:00Z;"
	    "sms@2026-12-02T09:00:00Z");
	free(r);

	/* Moved a day later: planned again from the new start. */
	snprintf(uri, sizeof uri, "/v1/sessions/%lld/move", (long long)sid);
	j = call_ok(st, "POST", uri, "{\"start\": \"2026-12-04 10:00\"}", 200);
	json_decref(j);
	r = reminders_of(st, sid);
	assert_string_equal(r, "email@2026-12-02T09:00:00Z;"
	    "sms@2026-12-03T09:00:00Z;email@2026-12-02T09:00:00Z;"
	    "email@2026-12-03T09:00:00Z;sms@2026-12-02T09:00:00Z;"
	    "sms@2026-12-03T09:00:00Z");
	free(r);

	/* The course type's own rule; an SMS at 22:00 is quiet: 20:59. */
	j = call_ok(st, "PATCH", "/v1/courses/mitid",
	    "{\"reminders\": \"sms:1d@22:00\"}", 200);
	json_decref(j);
	sid = mksession(st, DEC10, 3);
	reg_as(st, sid, both, 0, "confirmed");
	r = reminders_of(st, sid);
	assert_string_equal(r, "sms@2026-12-09T19:59:00Z");
	free(r);

	/* Cancelling the session withdraws every reminder. */
	snprintf(uri, sizeof uri, "/v1/sessions/%lld/cancel", (long long)sid);
	j = call_ok(st, "POST", uri, "{}", 200);
	json_decref(j);
	r = reminders_of(st, sid);
	assert_string_equal(r, "");
	free(r);

	reminders_configure(st, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f)	cmocka_unit_test_setup_teardown(f, api_setup, api_teardown)
		T(test_outbox_channels),
		T(test_outbox_kinds),
		T(test_reminders_planned),
#undef T
	};
	int	 rc;

	log_init("test_rules_outbox", 0, LOG_LEVEL_WARN);
	rc = cmocka_run_group_tests_name("rules_outbox", tests, NULL, NULL);
	zone_cleanup();
	return (rc);
}
