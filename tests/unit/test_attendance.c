/*
 * Attendance as staff record it from the printed list (attendance.c): by
 * participant id, by kursist nr., by a bare number that can only be one of
 * the two, by name; everyone at once; and a request with one entry that
 * does not fit records nothing.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "apitest.h"

struct people {
	int64_t	 sid;
	int64_t	 pid[5];	/* Anna, Bent, Jørgen S. and H., Eva */
	char	 uri[64];
};

/*
 * Numbers start at 3: Anna (participant 1) has nr. 3, Bent nr. 4, Jørgen
 * S. (participant 3) nr. 5, Jørgen H. nr. 6 and Eva, waitlisted, nr. 7.
 * So "3" is unclear (participant 3 and nr. 3 are two people), "1" can
 * only be Anna's id and "6" only Jørgen H.'s number.
 */
static void
setup_people(struct store *st, struct people *p)
{
	static const char	*names[] = { "Anna Berg", "Bent Holm",
				    "Jørgen Smidstrup", "JØRGEN Hansen",
				    "Eva Ærø" };
	char			 uri[64], body[96], extra[64];
	json_t			*j;
	size_t			 i;

	json_decref(call_ok(st, "PATCH", "/v1/settings",
	    "{\"number_start\": 3}", 200));
	p->sid = mksession(st, DEC3, 4);
	snprintf(uri, sizeof uri, "/v1/sessions/%lld/registrations",
	    (long long)p->sid);
	for (i = 0; i < 5; i++) {
		snprintf(extra, sizeof extra, "\"phone\": \"2040%04zu\"", i);
		p->pid[i] = mkperson(st, names[i], extra);
		snprintf(body, sizeof body, "{\"participant\": %lld}",
		    (long long)p->pid[i]);
		j = call_ok(st, "POST", uri, body, 201);
		assert_int_equal(jint(j, "number"), 3 + (json_int_t)i);
		assert_string_equal(jstr(j, "status"), i < 4 ? "confirmed" :
		    "waitlisted");
		json_decref(j);
	}
	snprintf(p->uri, sizeof p->uri, "/v1/sessions/%lld/attendance",
	    (long long)p->sid);
	store_set_now(st, DEC3_T + 3600);
}

/* The attendance of each of the five, "-" for none, as "a,b,c,d,e". */
static char *
marks(struct store *st, struct people *p)
{
	char		 uri[64], *out;
	json_t		*j, *r;
	const char	*a[5] = { "-", "-", "-", "-", "-" };
	size_t		 i, k;

	snprintf(uri, sizeof uri, "/v1/sessions/%lld/registrations",
	    (long long)p->sid);
	j = call_ok(st, "GET", uri, NULL, 200);
	json_array_foreach(json_object_get(j, "registrations"), i, r)
		for (k = 0; k < 5; k++)
			if (jint(r, "participant_id") == p->pid[k] &&
			    json_is_string(json_object_get(r, "attendance")))
				a[k] = jstr(r, "attendance");
	xasprintf(&out, "%s,%s,%s,%s,%s", a[0], a[1], a[2], a[3], a[4]);
	json_decref(j);
	return (out);
}

static void
assert_marks(struct store *st, struct people *p, const char *want)
{
	char	*got = marks(st, p);

	assert_string_equal(got, want);
	free(got);
}

/* A refusal that names field and holds each of words; nothing written. */
static void
refused_with(struct store *st, struct people *p, const char *body,
    const char *field, const char *w1, const char *w2)
{
	json_t		*j;
	const char	*msg;
	char		*before;
	int		 status;

	before = marks(st, p);
	j = call(st, "POST", p->uri, body, &status);
	assert_int_equal(status, 422);
	assert_string_equal(jstr(j, "field"), field);
	msg = jstr(j, "error");
	if (w1 != NULL && strstr(msg, w1) == NULL)
		fail_msg("\"%s\" does not say \"%s\"", msg, w1);
	if (w2 != NULL && strstr(msg, w2) == NULL)
		fail_msg("\"%s\" does not say \"%s\"", msg, w2);
	json_decref(j);
	assert_marks(st, p, before);
	free(before);
}

static void
test_by_number_and_id(void **state)
{
	struct fx	*fx = *state;
	struct store	*st = fx->st;
	struct people	 p;

	setup_people(st, &p);
	refused_with(st, &p, "{\"present\": [\"3\"]}", "present", "id:3",
	    "nr:3");
	/* One that fits and one that does not: nothing recorded. */
	refused_with(st, &p, "{\"present\": [\"nr:4\", \"nr:99\"]}",
	    "present", "99", NULL);
	refused_with(st, &p, "{\"present\": [\"77\"]}", "present", "77",
	    NULL);
	/* nr. 7 is Eva, who waits for a seat. */
	refused_with(st, &p, "{\"absent\": [\"NR 7\"]}", "absent",
	    "waitlisted", NULL);
	json_decref(call_ok(st, "POST", p.uri, "{\"present\": [\"nr:4\", "
	    "\"1\", \"6\"], \"absent\": [3]}", 200));
	assert_marks(st, &p, "attended,attended,no-show,attended,-");
}

static void
test_by_name(void **state)
{
	struct fx	*fx = *state;
	struct store	*st = fx->st;
	struct people	 p;
	json_t		*j;

	setup_people(st, &p);
	refused_with(st, &p, "{\"present\": [\"jørgen\"]}", "present",
	    "Jørgen Smidstrup (nr. 5", "JØRGEN Hansen (nr. 6");
	refused_with(st, &p, "{\"present\": [\"Karen\"]}", "present",
	    "Karen", NULL);
	refused_with(st, &p, "{\"present\": [\"Anna Berg\", \"anna\"]}",
	    "present", "twice", NULL);
	j = call_ok(st, "POST", p.uri, "{\"present\": [\"  anna   BERG \", "
	    "\"jørgen s\", \"jørgen hansen\"], \"absent\": [\"holm\"]}",
	    200);
	assert_int_equal(jint(j, "marked_present"), 3);
	assert_int_equal(jint(j, "marked_absent"), 1);
	json_decref(j);
	assert_marks(st, &p, "attended,no-show,attended,attended,-");
}

static void
test_all_present(void **state)
{
	struct fx	*fx = *state;
	struct store	*st = fx->st;
	struct people	 p;
	json_t		*j;
	int		 status;

	setup_people(st, &p);
	json_decref(call_ok(st, "POST", p.uri, "{\"absent\": [\"anna\"]}",
	    200));
	j = call_ok(st, "POST", p.uri, "{\"all_present\": true, "
	    "\"absent\": [\"bent\"]}", 200);
	assert_int_equal(jint(j, "marked_present"), 3);
	assert_int_equal(jint(j, "marked_absent"), 1);
	json_decref(j);
	/* Everyone confirmed but Bent; Eva on the waitlist untouched. */
	assert_marks(st, &p, "attended,no-show,attended,attended,-");
	j = call(st, "POST", p.uri, "{\"all_present\": \"yes\"}", &status);
	refused(j, status, 400, "all_present");
	assert_marks(st, &p, "attended,no-show,attended,attended,-");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_by_number_and_id,
		    api_setup, api_teardown),
		cmocka_unit_test_setup_teardown(test_by_name, api_setup,
		    api_teardown),
		cmocka_unit_test_setup_teardown(test_all_present, api_setup,
		    api_teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
