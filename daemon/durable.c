/*
 * Group commit without the fsync on the loop. With synchronous=FULL a
 * batch's COMMIT (http.c) waited for the disk on the loop, and nothing
 * else ran meanwhile. Instead the batch commits with synchronous=NORMAL,
 * which writes the log but does not wait, and asks here for a ticket:
 * a thread of its own runs fdatasync() on the log and then tells the
 * loop, which sends the answers of every batch committed before that
 * fsync began. The loop runs the next batch meanwhile, and one fsync
 * serves every batch that asked while the one before it ran. Nothing is
 * answered before it is on disk, as with FULL; a crash of kursusd loses
 * nothing either way (the log is in the kernel's hands). What a power
 * loss can take is what nobody was told was saved, though a feed, a
 * sender or a read job (readjob.c: an export, the statistics) may have
 * read it in the fsync's time (well under a millisecond to a few).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "commit.h"

struct durable {
	pthread_t	 thread;
	pthread_mutex_t	 lock;
	pthread_cond_t	 cond;
	char		*log;		/* the database's -wal file */
	int		 fd;		/* it, opened once (the thread's) */
	int		 pipe[2];	/* thread -> loop: a ticket is synced */
	struct event	*ev;
	/* Under lock. */
	uint64_t	 asked;		/* the last ticket handed out */
	uint64_t	 synced;	/* every ticket up to it is on disk */
	int		 err;		/* errno of the first failed fsync */
	int		 stop;
	void		(*done)(void *, uint64_t, int);
	void		*arg;
};

static void *
durable_main(void *arg)
{
	struct durable	*d = arg;
	uint64_t	 upto;
	char		 c = 's';
	int		 err;

	pthread_mutex_lock(&d->lock);
	for (;;) {
		while (!d->stop && d->synced == d->asked)
			pthread_cond_wait(&d->cond, &d->lock);
		if (d->synced == d->asked)
			break;
		upto = d->asked;
		pthread_mutex_unlock(&d->lock);
		err = fdatasync(d->fd) == 0 ? 0 : errno;
		pthread_mutex_lock(&d->lock);
		d->synced = upto;
		/*
		 * A failure stays: the kernel may have dropped the pages it
		 * could not write and answer the next fsync with 0, and the
		 * log's checksums chain every later frame to the lost ones.
		 */
		if (d->err == 0)
			d->err = err;
		while (write(d->pipe[1], &c, 1) == -1 && errno == EINTR)
			;
	}
	pthread_mutex_unlock(&d->lock);
	return (NULL);
}

/* On the loop: tells the owner how far the disk has come. */
static void
durable_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct durable	*d = arg;
	char		 buf[64];
	uint64_t	 upto;
	int		 err;

	(void)ev;
	while (read(fd, buf, sizeof buf) > 0)
		;
	pthread_mutex_lock(&d->lock);
	upto = d->synced;
	err = d->err;
	pthread_mutex_unlock(&d->lock);
	d->done(d->arg, upto, err);
}

/* Frees d and what it holds; its thread is not running. */
static void
durable_release(struct durable *d)
{
	if (d->ev != NULL)
		event_free(d->ev);
	if (d->pipe[0] != -1) {
		close(d->pipe[0]);
		close(d->pipe[1]);
	}
	if (d->fd != -1)
		close(d->fd);
	pthread_mutex_destroy(&d->lock);
	pthread_cond_destroy(&d->cond);
	free(d->log);
	free(d);
}

/*
 * For the database at path: done(arg, upto, err) is run on the loop once
 * every ticket up to upto is on disk (err 0), or an fsync has failed
 * (err, its errno; from then on every call says so: see durable_failed()).
 * NULL with *cause set when no thread can be had.
 */
struct durable *
durable_new(struct event_base *base, const char *path,
    void (*done)(void *, uint64_t, int), void *arg, char **cause)
{
	struct durable	*d = xcalloc(1, sizeof *d);

	d->fd = d->pipe[0] = d->pipe[1] = -1;
	d->log = xprintf("%s-wal", path);
	d->done = done;
	d->arg = arg;
	pthread_mutex_init(&d->lock, NULL);
	pthread_cond_init(&d->cond, NULL);
	/*
	 * The log SQLite writes while the loop's connection is open (it is
	 * made anew only after the last connection closes); SQLite synced
	 * its directory when it made it.
	 */
	if ((d->fd = open(d->log, O_RDONLY | O_CLOEXEC)) == -1 ||
	    pipe2(d->pipe, O_NONBLOCK | O_CLOEXEC) != 0 ||
	    (d->ev = event_new(base, d->pipe[0], EV_READ | EV_PERSIST,
	    durable_cb, d)) == NULL || event_add(d->ev, NULL) != 0 ||
	    (errno = pthread_create(&d->thread, NULL, durable_main, d)) != 0) {
		xasprintf(cause, "%s: %s", d->log, strerror(errno));
		durable_release(d);
		return (NULL);
	}
	return (d);
}

/* The errno of a failed fsync: nothing more can be promised; or 0. */
int
durable_failed(struct durable *d)
{
	int	 err;

	pthread_mutex_lock(&d->lock);
	err = d->err;
	pthread_mutex_unlock(&d->lock);
	return (err);
}

/* After a COMMIT: the ticket that done() will name once it is on disk. */
uint64_t
durable_ask(struct durable *d)
{
	uint64_t	 t;

	pthread_mutex_lock(&d->lock);
	t = ++d->asked;
	pthread_cond_signal(&d->cond);
	pthread_mutex_unlock(&d->lock);
	return (t);
}

/*
 * Syncs what was asked for, stops the thread, and runs done() a last
 * time before it returns.
 */
void
durable_free(struct durable *d)
{
	if (d == NULL)
		return;
	pthread_mutex_lock(&d->lock);
	d->stop = 1;
	pthread_cond_signal(&d->cond);
	pthread_mutex_unlock(&d->lock);
	pthread_join(d->thread, NULL);
	d->done(d->arg, d->synced, d->err);
	durable_release(d);
}
