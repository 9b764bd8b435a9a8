/*
 * Unit tests for daemon/feeds.c's cache of feeds: with its limit
 * (fs->max, FEEDS_MAX in the daemon) lowered, it never holds more, the
 * feeds it let go are rendered again on their next request, byte for
 * byte the same (plain and gzip, and their ETags), and those it kept are
 * served as they were. Run under ASan (--enable-asan), nothing leaks.
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
#include "feeds.h"

/* Feeds of every public kind: the whole list, venues and a course. */
static const char *const paths[] = {
	"/feeds/all.ics",
	"/feeds/venue/malernes.ics",
	"/feeds/course/mitid.ics",
	"/feeds/venue/kirkehuset.ics",
	"/feeds/venue/hovedbiblioteket.ics",
	"/feeds/course/borgerdk.ics",
};
#define NPATHS	(sizeof paths / sizeof paths[0])
#define LIMIT	2

/* What a request answered: its bytes (a reference) and ETag, plain [0]
 * and gzip [1]. */
struct got {
	struct blob	*body[2];
	char		*etag[2];
};

static void
got_free(struct got *g)
{
	int	 z;

	for (z = 0; z < 2; z++) {
		blob_unref(g->body[z]);
		free(g->etag[z]);
	}
	memset(g, 0, sizeof *g);
}

/* Venues and course types for the paths, a session at each venue of
 * each course type, and the feeds with the default settings but for a
 * recheck that never comes during the test. */
static struct feeds *
feeds_fixture(struct store *st)
{
	static const char *venues[] = { "kirkehuset", "hovedbiblioteket" };
	char		*o[1] = { "feeds.recheck_seconds=3600" };
	char		 body[512], *cause = NULL;
	struct config	*conf;
	struct feeds	*fs;
	size_t		 i;
	json_t		*j;

	for (i = 0; i < 2; i++) {
		snprintf(body, sizeof body, "{\"slug\": \"%s\", \"name\": "
		    "\"Sted %zu\", \"address\": \"Torvet %zu\", \"postcode\": "
		    "\"8700\", \"city\": \"Horsens\", \"capacity\": 30}",
		    venues[i], i + 1, i + 1);
		json_decref(call_ok(st, "POST", "/v1/venues", body, 201));
	}
	json_decref(call_ok(st, "POST", "/v1/courses", "{\"slug\": "
	    "\"borgerdk\", \"title\": \"Borger.dk og Digital Post\", "
	    "\"duration\": 90, \"capacity\": 8}", 201));
	for (i = 0; i < 6; i++) {
		snprintf(body, sizeof body, "{\"course\": \"%s\", \"venue\": "
		    "\"%s\", \"start\": \"2027-0%zu-1%zu 10:00\"}",
		    i % 2 ? "borgerdk" : "mitid", i < 2 ? "malernes" :
		    venues[i / 2 - 1], i / 2 + 1, i);
		j = call_ok(st, "POST", "/v1/sessions", body, 201);
		json_decref(j);
	}
	if (config_load(NULL, o, 1, &conf, &cause) != 0)
		fail_msg("config: %s", cause);
	fs = feeds_new(st, conf);
	config_free(conf);
	return (fs);
}

/* Asks for path, plain and gzip, into *g; the cache keeps at most
 * bound feeds. */
static void
get(struct feeds *fs, const char *path, struct got *g, size_t bound)
{
	struct feed_answer	 a;
	int			 z;

	for (z = 0; z < 2; z++) {
		if (feeds_get(fs, path, z, &a) != 0)
			fail_msg("%s: not answered", path);
		assert_non_null(a.body);
		assert_non_null(blob_data(a.body));
		assert_true(blob_len(a.body) > 0);
		g->body[z] = blob_ref(a.body);
		g->etag[z] = xstrdup(a.etag);
		if (fs->nfeeds > bound)
			fail_msg("%s: %zu feeds kept, the limit is %zu", path,
			    fs->nfeeds, bound);
	}
}

/* The same bytes and ETags. */
static void
same(const char *path, const struct got *was, const struct got *now)
{
	int	 z;

	for (z = 0; z < 2; z++) {
		if (blob_len(was->body[z]) != blob_len(now->body[z]) ||
		    memcmp(blob_data(was->body[z]), blob_data(now->body[z]),
		    blob_len(was->body[z])) != 0)
			fail_msg("%s%s: other bytes when rendered again", path,
			    z ? " (gzip)" : "");
		assert_string_equal(was->etag[z], now->etag[z]);
	}
}

static void
test_eviction(void **state)
{
	struct fx	*fx = *state;
	struct feeds	*fs = feeds_fixture(fx->st);
	struct got	 first[NPATHS], again[NPATHS], extra;
	size_t		 i, rendered = 0;

	assert_int_equal(fs->max, 4096);
	fs->max = LIMIT;
	for (i = 0; i < NPATHS; i++)
		get(fs, paths[i], &first[i], LIMIT);
	assert_int_equal(fs->nfeeds, LIMIT);
	/*
	 * Each again: the feeds let go are rendered anew (new bytes, the
	 * first still held here), the same to the byte. A round through
	 * more feeds than the cache holds finds none of them kept: each
	 * was let go, the one used longest ago, before its turn came.
	 */
	for (i = 0; i < NPATHS; i++) {
		get(fs, paths[i], &again[i], LIMIT);
		same(paths[i], &first[i], &again[i]);
		if (again[i].body[0] != first[i].body[0])
			rendered++;
	}
	assert_int_equal(rendered, NPATHS);
	assert_int_equal(fs->nfeeds, LIMIT);

	/*
	 * A lower limit holds from the next feed made (a feed still kept
	 * is served, and the cache stays as it is, until then): once
	 * round, the same bytes again.
	 */
	fs->max = 1;
	for (i = 0; i < NPATHS; i++) {
		get(fs, paths[i], &extra, LIMIT);
		same(paths[i], &first[i], &extra);
		got_free(&extra);
	}
	assert_int_equal(fs->nfeeds, 1);
	for (i = 0; i < NPATHS; i++) {
		got_free(&first[i]);
		got_free(&again[i]);
	}
	feeds_free(fs);
}

/*
 * The feed let go is the one used longest ago, also among feeds used in
 * the same second (the test takes well under one): a, b, c with room for
 * two lets a go; b used again, then d, lets c go; both come back the
 * same.
 */
static void
test_least_recent(void **state)
{
	struct fx	*fx = *state;
	struct feeds	*fs = feeds_fixture(fx->st);
	struct got	 g[4], again;
	size_t		 i;

	fs->max = LIMIT;
	for (i = 0; i < 3; i++)
		get(fs, paths[i], &g[i], LIMIT);
	/* c came in: a went, used before b. */
	get(fs, paths[1], &again, LIMIT);
	assert_ptr_equal(again.body[0], g[1].body[0]);	/* b kept */
	got_free(&again);
	get(fs, paths[3], &g[3], LIMIT);	/* d: c goes, b was used since */
	get(fs, paths[1], &again, LIMIT);
	assert_ptr_equal(again.body[0], g[1].body[0]);	/* b kept */
	got_free(&again);
	get(fs, paths[2], &again, LIMIT);
	assert_ptr_not_equal(again.body[0], g[2].body[0]); /* c rendered */
	same(paths[2], &g[2], &again);
	got_free(&again);
	get(fs, paths[0], &again, LIMIT);
	assert_ptr_not_equal(again.body[0], g[0].body[0]); /* a rendered */
	same(paths[0], &g[0], &again);
	got_free(&again);
	for (i = 0; i < 4; i++)
		got_free(&g[i]);
	feeds_free(fs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_eviction, api_setup,
		    api_teardown),
		cmocka_unit_test_setup_teardown(test_least_recent, api_setup,
		    api_teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
