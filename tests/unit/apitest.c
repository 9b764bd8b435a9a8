/*
 * What the unit tests that drive the admin API through api_dispatch()
 * share: a fresh store per test (a SQLite file, WAL needs one) with the
 * clock pinned, one venue and one course type in it, and calls that check
 * their answers.
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
#include "unittest.h"


/* --- plumbing */

int
method_of(const char *name)
{
	if (strcmp(name, "GET") == 0)
		return (API_GET);
	if (strcmp(name, "POST") == 0)
		return (API_POST);
	if (strcmp(name, "PATCH") == 0)
		return (API_PATCH);
	if (strcmp(name, "DELETE") == 0)
		return (API_DELETE);
	if (strcmp(name, "PUT") == 0)
		return (API_PUT);
	fail_msg("unknown method %s", name);
	return (0);
}

/* One API request; the answer parsed (caller frees), the status in *status. */
json_t *
call(struct store *st, const char *method, const char *uri, const char *body,
    int *status)
{
	char		*out = NULL;
	json_t		*j;
	json_error_t	 err;

	*status = api_dispatch(st, method_of(method), uri, body,
	    body != NULL ? strlen(body) : 0, (uid_t)-1, "test", &out);
	assert_non_null(out);
	if ((j = json_loads(out, 0, &err)) == NULL)
		fail_msg("%s %s answered bad JSON (%s): %s", method, uri,
		    err.text, out);
	free(out);
	return (j);
}

/* call() that must answer want; returns the answer. */
json_t *
call_ok(struct store *st, const char *method, const char *uri,
    const char *body, int want)
{
	json_t	*j;
	int	 status;

	j = call(st, method, uri, body, &status);
	if (status != want) {
		char *s = json_dumps(j, JSON_COMPACT);

		fail_msg("%s %s %s: status %d, wanted %d: %s", method, uri,
		    body != NULL ? body : "", status, want, s);
	}
	return (j);
}

/* Checks a refusal: status, the field it names (NULL: none), and frees it. */
void
refused(json_t *j, int status, int want, const char *field)
{
	json_t	*f;

	if (status != want) {
		char *s = json_dumps(j, JSON_COMPACT);

		fail_msg("status %d, wanted %d: %s", status, want, s);
	}
	assert_true(json_is_string(json_object_get(j, "error")));
	assert_true(strlen(json_string_value(json_object_get(j, "error"))) > 0);
	f = json_object_get(j, "field");
	if (field == NULL)
		assert_true(f == NULL || json_is_null(f));
	else {
		assert_true(json_is_string(f));
		assert_string_equal(json_string_value(f), field);
	}
	json_decref(j);
}

json_int_t
jint(json_t *j, const char *key)
{
	json_t	*v = json_object_get(j, key);

	if (!json_is_integer(v))
		fail_msg("\"%s\" is not an integer", key);
	return (json_integer_value(v));
}

const char *
jstr(json_t *j, const char *key)
{
	json_t	*v = json_object_get(j, key);

	if (!json_is_string(v))
		fail_msg("\"%s\" is not a string", key);
	return (json_string_value(v));
}

int
api_setup(void **state)
{
	struct fx	*fx;
	char		*cause = NULL, key[300];
	json_t		*j;

	fx = calloc(1, sizeof *fx);
	if (fx == NULL)
		return (-1);
	if (unit_tmpdir(fx->dir, sizeof fx->dir, "unit") != 0) {
		free(fx);
		return (-1);
	}
	snprintf(fx->path, sizeof fx->path, "%s/kursusd.db", fx->dir);
	/* A registration makes its cancel token, sealed under the key. */
	snprintf(key, sizeof key, "%s/feeds.key", fx->dir);
	if (token_init(key, &cause) != 0) {
		print_error("token_init: %s\n", cause);
		free(cause);
		rmdir(fx->dir);
		free(fx);
		return (-1);
	}
	if (store_open(fx->path, CONFIG_SYNC_NORMAL, &fx->st, &cause) != 0) {
		print_error("store_open: %s\n", cause);
		free(cause);
		rmdir(fx->dir);
		free(fx);
		return (-1);
	}
	store_set_now(fx->st, NOW);
	j = call_ok(fx->st, "POST", "/v1/venues", "{\"slug\": \"malernes\", "
	    "\"name\": \"Malernes Seniorklub\", \"address\": \"Borgergade\", "
	    "\"postcode\": \"8700\", \"city\": \"Horsens\", \"capacity\": 20, "
	    "\"timezone\": \"Europe/Copenhagen\"}", 201);
	json_decref(j);
	j = call_ok(fx->st, "POST", "/v1/courses", "{\"slug\": \"mitid\", "
	    "\"title\": \"NemID/MitID for begyndere\", \"duration\": 90, "
	    "\"capacity\": 8, \"bring\": \"Telefon, n\\u00f8glekort og "
	    "l\\u00e6sebriller\"}", 201);
	json_decref(j);
	*state = fx;
	return (0);
}

int
api_teardown(void **state)
{
	struct fx	*fx = *state;
	char		 p[320];

	store_close(fx->st);
	unlink(fx->path);
	snprintf(p, sizeof p, "%s-wal", fx->path);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", fx->path);
	unlink(p);
	snprintf(p, sizeof p, "%s/feeds.key", fx->dir);
	unlink(p);
	rmdir(fx->dir);
	free(fx);
	return (0);
}

/* --- the model */

/* A single session at the venue; returns its id. */
int64_t
mksession(struct store *st, const char *start, int capacity)
{
	char	 body[256];
	json_t	*j;
	int64_t	 id;

	snprintf(body, sizeof body, "{\"course\": \"mitid\", \"venue\": "
	    "\"malernes\", \"start\": \"%s\", \"capacity\": %d}", start,
	    capacity);
	j = call_ok(st, "POST", "/v1/sessions", body, 201);
	assert_int_equal(json_array_size(json_object_get(j, "sessions")), 1);
	id = jint(json_array_get(json_object_get(j, "sessions"), 0), "id");
	json_decref(j);
	return (id);
}

/* A participant from extra JSON members ("\"phone\": \"...\""). */
int64_t
mkperson(struct store *st, const char *name, const char *extra)
{
	char	 body[512];
	json_t	*j;
	int64_t	 id;

	snprintf(body, sizeof body, "{\"name\": \"%s\", %s}", name, extra);
	j = call_ok(st, "POST", "/v1/participants", body, 201);
	id = jint(j, "id");
	json_decref(j);
	return (id);
}
