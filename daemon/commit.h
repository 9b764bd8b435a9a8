/*
 * The loop's commits and the disk: durable.c (the group commit's fsync
 * on a thread, the answers after it), checkpoint.c (the loop's log
 * copied into the database on a thread) and busy.c (the loop's waits for
 * the write lock).
 */
#ifndef KURSUSD_COMMIT_H
#define KURSUSD_COMMIT_H

#include "kursusd.h"

/*
 * The log's length, in pages, at which it is copied into the database:
 * four times SQLite's own wal_autocheckpoint (1,000). A page written
 * again and again between two checkpoints (an index's leaf, the tally)
 * is copied once, and the copies' writes and fsyncs share the disk with
 * the group commit's. bench/registrations' part 1, the two binaries run
 * in turn three times each: 4,190 registrations a second at 1,000 pages,
 * 4,498 at 4,000 (+7 %; 8,000 to 32,000 did no better). The log's file
 * then stays under ~25 MB.
 */
#define CHECKPOINT_PAGES	4000

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
