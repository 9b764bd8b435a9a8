/*
 * How long the loop waits for SQLite's write lock (issue 9: no request
 * holds the loop for more than 20 ms). The loop's connection used a
 * busy timeout of 20 ms, which is right for the senders, whose threads
 * hold the lock for a moment to record an outcome. But a calendar import
 * (calimport.c) holds it on its worker for the whole file, seconds: each
 * write the loop tried meanwhile slept the full 20 ms in SQLite's busy
 * handler, and one turn could try several (the cancel links, the
 * retention sweep and the search words each begin a transaction of their
 * own): 65 ms of a turn. So the loop's connection has this handler:
 *
 * - while a job of ours holds the lock (busy_job_begin() to
 *   busy_job_end()), it does not wait at all; what wanted to write tries
 *   again later (http.c's timer, the sweeps' next run);
 * - otherwise it waits up to BUSY_MS as before, and once such a wait ran
 *   out (a lock held long: another program), the loop's next tries give
 *   up at once for BUSY_REST s instead of sleeping the same again.
 *
 * A leaf: it calls only SQLite.
 */
#include "config.h"

#include <stdatomic.h>
#include <time.h>

#include "commit.h"

#define BUSY_MS		20	/* the loop's longest wait for the lock */
#define BUSY_REST	1	/* s with no wait after one ran out (and
				   the rest of that second) */

static atomic_int	busy_jobs;	/* jobs holding the lock, or about to */
static time_t		busy_gave_up;	/* when a wait ran out */

/*
 * SQLite's busy handler for the loop's connection: 1 to wait (it slept)
 * and try again, 0 to give up (SQLITE_BUSY). The steps of SQLite's own
 * handler, up to BUSY_MS.
 */
static int
busy_loop_handler(void *arg, int count)
{
	static const int	 delays[] = { 1, 2, 5, 10 };
	const int		 n = sizeof delays / sizeof delays[0];
	int			 waited = 0, delay, i;
	time_t			 now = time(NULL);

	(void)arg;
	if (atomic_load(&busy_jobs) > 0)
		return (0);
	if (busy_gave_up != 0 && now - busy_gave_up <= BUSY_REST)
		return (0);
	for (i = 0; i < count && i < n; i++)
		waited += delays[i];
	if (count >= n)
		waited += (count - n) * delays[n - 1];
	if (waited >= BUSY_MS) {
		busy_gave_up = now;
		return (0);
	}
	delay = count < n ? delays[count] : delays[n - 1];
	if (delay > BUSY_MS - waited)
		delay = BUSY_MS - waited;
	sqlite3_sleep(delay);
	return (1);
}

/* The loop's connection waits for the lock as above. */
void
busy_loop(sqlite3 *db)
{
	sqlite3_busy_handler(db, busy_loop_handler, NULL);
}

/*
 * A job's connection is about to take the write lock (before its BEGIN
 * IMMEDIATE): the loop stops waiting for it. Any thread.
 */
void
busy_job_begin(void)
{
	atomic_fetch_add(&busy_jobs, 1);
}

/* The job's transaction is over (committed, rolled back, never begun). */
void
busy_job_end(void)
{
	atomic_fetch_sub(&busy_jobs, 1);
}

/*
 * Whether a write that first found the lock taken at *since waits on
 * (both doors, on a timer: the admin door's batch, the public door's SMS
 * replies): BUSY_WAIT s for another program; while a job of ours holds
 * the lock (an import, which ends), as long as it does, and BUSY_WAIT
 * after.
 */
int
busy_may_wait(time_t *since)
{
	time_t	 now = time(NULL);

	if (atomic_load(&busy_jobs) > 0)
		*since = now;
	return (now - *since < BUSY_WAIT);
}

/* Whether a job holds the lock (http.c's writes wait for it, not 5 s). */
int
busy_job_holds(void)
{
	return (atomic_load(&busy_jobs) > 0);
}
