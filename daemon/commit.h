/*
 * The loop's commits and the disk: durable.c (the group commit's fsync
 * on a thread, the answers after it), checkpoint.c (the loop's log
 * copied into the database on a thread) and busy.c (the loop's waits for
 * the write lock).
 */
#ifndef KURSUSD_COMMIT_H
#define KURSUSD_COMMIT_H

#include "kursusd.h"

#define CHECKPOINT_PAGES	1000	/* SQLite's own wal_autocheckpoint */

struct durable	*durable_new(struct event_base *, const char *,
		    void (*)(void *, uint64_t, int), void *, char **);
uint64_t	 durable_ask(struct durable *);
int		 durable_failed(struct durable *);
void		 durable_free(struct durable *);

/* busy.c: how long the loop's connection waits for the write lock */
#define BUSY_WAIT	5	/* s a write of either door waits for a lock
				   another program holds (then 503) */
#define BUSY_RETRY	50	/* ms between its tries */
void		 busy_loop(sqlite3 *);
/* Whether a write that first found the lock taken at *since waits on. */
int		 busy_may_wait(time_t *since);
/* A job's connection takes the lock (before BEGIN) and lets it go: the
 * loop does not wait meanwhile. Any thread. */
void		 busy_job_begin(void);
void		 busy_job_end(void);
int		 busy_job_holds(void);

struct checkpointer *checkpointer_new(struct store *, struct jobs *);
int		 checkpointer_copying(struct checkpointer *);
void		 checkpointer_free(struct checkpointer *);

#endif
