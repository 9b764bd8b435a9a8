/*
 * The admin API under test (apitest.c): every test starts with one venue
 * (Malernes Seniorklub, Europe/Copenhagen) and one course type (mitid, 90
 * minutes), and the clock reads NOW.
 */
#ifndef APITEST_H
#define APITEST_H

#include "calendars.h"
#include "kursusd.h"

/* 2026-09-01T00:00:00Z: months before every session of the tests. */
#define NOW		((time_t)1788220800)
/* "2026-12-03 10:00" in Copenhagen (+01:00) is 09:00Z, a Thursday. */
#define DEC3		"2026-12-03 10:00"
#define DEC3_T		((time_t)1796288400)
#define DEC10		"2026-12-10 10:00"

struct fx {
	char		 dir[256];
	char		 path[300];
	struct store	*st;
};

/* cmocka group setup and teardown: *state is the struct fx. */
int	 api_setup(void **state);
int	 api_teardown(void **state);

int	 method_of(const char *name);
/* One API request; the answer parsed (caller frees), the status in *status. */
json_t	*call(struct store *, const char *method, const char *uri,
	    const char *body, int *status);
/* call() that must answer want; returns the answer. */
json_t	*call_ok(struct store *, const char *method, const char *uri,
	    const char *body, int want);
/* Checks a refusal: status, the field it names (NULL: none); frees it. */
void	 refused(json_t *j, int status, int want, const char *field);
json_int_t jint(json_t *j, const char *key);
const char *jstr(json_t *j, const char *key);
/* A single session at the venue; returns its id. */
int64_t	 mksession(struct store *, const char *start, int capacity);
/* A participant from extra JSON members ("\"phone\": \"...\""). */
int64_t	 mkperson(struct store *, const char *name, const char *extra);

#endif
