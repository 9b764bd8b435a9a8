/*
 * GET /v1/stats made both ways its month rows can be summed: in the
 * dense table of venue by course type (a national system's 100 by 20)
 * and by hash and qsort() (beyond REPORT_DENSE pairs, which no test data
 * set reaches: report_dense_max is lowered instead). Both must give the
 * same text, byte for byte, with and without a range cutting months.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "apitest.h"
#include "stats-report.h"

/* Sessions at two venues of two course types over two months, and
 * registrations, a different number at each. */
static void
stats_data(struct store *st)
{
	static const char *venues[] = { "malernes", "aero" };
	static const char *courses[] = { "mitid", "post" };
	static const char *days[] = { "2026-12-01", "2026-12-02",
	    "2026-12-03", "2026-12-04", "2027-01-05", "2027-01-06",
	    "2027-01-07", "2027-01-08" };
	char	 body[256], uri[64], phone[32];
	json_t	*j;
	int64_t	 sid, pid;
	size_t	 i, k;
	int	 people = 0;

	json_decref(call_ok(st, "POST", "/v1/venues", "{\"slug\": \"aero\", "
	    "\"name\": \"\\u00c6r\\u00f8 Bibliotek\", \"address\": "
	    "\"S\\u00f8ndergade 28\", \"postcode\": \"5970\", \"city\": "
	    "\"\\u00c6r\\u00f8sk\\u00f8bing\", \"capacity\": 20, "
	    "\"timezone\": \"Europe/Copenhagen\"}", 201));
	json_decref(call_ok(st, "POST", "/v1/courses", "{\"slug\": \"post\", "
	    "\"title\": \"Digital Post\", \"duration\": 60, \"capacity\": 8}",
	    201));
	for (i = 0; i < sizeof days / sizeof days[0]; i++) {
		/* The venues and course types in an order of their own. */
		snprintf(body, sizeof body, "{\"course\": \"%s\", \"venue\": "
		    "\"%s\", \"start\": \"%s 10:00\", \"capacity\": 8}",
		    courses[(i / 2) % 2], venues[(i + i / 4) % 2], days[i]);
		j = call_ok(st, "POST", "/v1/sessions", body, 201);
		sid = jint(json_array_get(json_object_get(j, "sessions"), 0),
		    "id");
		json_decref(j);
		snprintf(uri, sizeof uri, "/v1/sessions/%lld/registrations",
		    (long long)sid);
		for (k = 0; k <= i % 3; k++) {
			snprintf(phone, sizeof phone, "\"phone\": \"2030%04d\"",
			    ++people);
			pid = mkperson(st, "Karen Jensen", phone);
			snprintf(body, sizeof body, "{\"participant\": %lld}",
			    (long long)pid);
			json_decref(call_ok(st, "POST", uri, body, 201));
		}
	}
}

/* The report's text as sent. */
static char *
stats_text(struct store *st, const char *uri)
{
	char	*out = NULL;
	int	 status;

	status = api_dispatch(st, API_GET, uri, NULL, 0, (uid_t)-1, "test",
	    &out);
	assert_int_equal(status, 200);
	assert_non_null(out);
	return (out);
}

static void
test_stats_dense_or_not(void **state)
{
	static const char *uris[] = { "/v1/stats",
	    "/v1/stats?from=2026-12-02&to=2027-01-07" };
	struct fx	*fx = *state;
	json_t		*j;
	char		*dense, *hashed;
	size_t		 i, keep = report_dense_max;

	stats_data(fx->st);
	for (i = 0; i < sizeof uris / sizeof uris[0]; i++) {
		report_dense_max = keep;
		dense = stats_text(fx->st, uris[i]);
		report_dense_max = 0;
		hashed = stats_text(fx->st, uris[i]);
		report_dense_max = keep;
		assert_string_equal(dense, hashed);
		/* Rows of every pair in each month: a table worth sorting. */
		j = json_loads(dense, 0, NULL);
		assert_non_null(j);
		assert_true(json_array_size(json_object_get(j,
		    "by_month_venue_course")) >= (i == 0 ? 8 : 6));
		json_decref(j);
		free(dense);
		free(hashed);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_stats_dense_or_not,
		    api_setup, api_teardown),
	};
	int	 rc;

	log_init("test_stats", 0, LOG_LEVEL_WARN);
	rc = cmocka_run_group_tests_name("stats", tests, NULL, NULL);
	zone_cleanup();
	return (rc);
}
