/*
 * What the unit tests of the registration rules share (rulestest.c), in
 * the model's words: registering and unregistering, a session's seats
 * and waitlist, its outbox rows, and a refusal that must leave every
 * table as it was. They run through api_dispatch() on apitest.c's store.
 */
#ifndef RULESTEST_H
#define RULESTEST_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct store;

/* A participant reachable by SMS, named for the test. */
int64_t	 mkmobile(struct store *st, const char *name, int n);
/* One registration; the answer, its status in *status. */
json_t	*reg(struct store *st, int64_t sid, int64_t pid,
	    int companion, int *status);
/* Registers and checks the resulting status; returns the running number. */
json_int_t	 reg_as(struct store *st, int64_t sid, int64_t pid,
	    int companion, const char *want);
/* Cancels pid's registration for sid. */
json_t	*unreg(struct store *st, int64_t sid, int64_t pid, int *status);
/* Cancels and checks who was promoted (pids in order, n of them). */
void	 unreg_promotes(struct store *st, int64_t sid, int64_t pid,
	    const int64_t *promoted, size_t n);
/* GET of the session, which must answer. */
json_t	*session_get(struct store *st, int64_t sid);
/* PATCH of the session with body. */
json_t	*session_patch(struct store *st, int64_t sid,
	    const char *body, int *status);
/* Seats taken, confirmed and waitlisted counts as the session shows them. */
void	 assert_seats(struct store *st, int64_t sid, int taken,
	    int confirmed, int waitlisted);
/* The waitlist is exactly pids, in order, with positions 1..n. */
void	 assert_waitlist(struct store *st, int64_t sid,
	    const int64_t *pids, size_t n);
/* The status of pid's live (or last) registration for sid. */
void	 assert_reg_status(struct store *st, int64_t sid, int64_t pid,
	    const char *want);
/*
 * The outbox rows of one kind for one participant in a session: the sorted
 * channels joined by ',' ("" for none) into buf.
 */
const char *outbox_channels(struct store *st, int64_t sid,
	    const char *kind, int64_t pid, char *buf, size_t len);
/* The outbox rows of a session. */
size_t	 outbox_count(struct store *st, int64_t sid);
/*
 * Every row of every table of the database, as text: the row counts first
 * (readable when a test fails), then the content.
 */
char	*snapshot(struct store *st);
/* A request that must be refused and leave the database as it was. */
void	 refused_unchanged(struct store *st, const char *method,
	    const char *uri, const char *body, int want, const char *field);

#endif
