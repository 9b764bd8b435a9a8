/*
 * Jobs: work that cannot be bounded (a copy of the database, a large
 * import) runs on a thread of its own, never on the loop, and is answered
 * when it is done. The thread does work(); it tells the loop through a
 * pipe (libevent is not set up for threads), its last act, and the
 * loop then runs done(); the thread is detached and ends by itself.
 * What work() needs of the database it reaches through a connection of
 * its own (store_connect(), store_clone()).
 *
 * When kursusd stops, jobs_free() raises each job's stop flag, which
 * work() looks at between steps, waits for its byte, and runs done()
 * with stopping set: whoever waits is told kursusd is stopping.
 */
#include "config.h"

#include <sys/queue.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "kursusd.h"

struct job {
	struct jobs		*jobs;
	pthread_t		 thread;
	int			 pipe[2];
	struct event		*ev;
	atomic_int		 stop;
	void			(*work)(void *, const atomic_int *);
	void			(*done)(void *, int);
	void			*arg;
	LIST_ENTRY(job)		 entry;
};

struct jobs {
	struct event_base	*base;
	LIST_HEAD(, job)	 running;
};

/* --- the thread */

static void *
job_main(void *arg)
{
	struct job	*j = arg;
	char		 c = 'j';

	j->work(j->arg, &j->stop);
	/*
	 * The last touch of j: once the byte is in the pipe the loop may
	 * free j (job_finish()), and nobody joins this thread.
	 */
	while (write(j->pipe[1], &c, 1) == -1 && errno == EINTR)
		;
	return (NULL);
}

/* --- the loop */

static void
job_free(struct job *j)
{
	if (j->ev != NULL)
		event_free(j->ev);
	if (j->pipe[0] != -1)
		close(j->pipe[0]);
	if (j->pipe[1] != -1)
		close(j->pipe[1]);
	free(j);
}

/*
 * The thread has written its byte (its last touch of j), or is waited for
 * here: it is detached, since joining one that wrote but was not yet
 * scheduled to exit held the loop up to 12 ms on a busy machine (issue
 * 9). Then runs done().
 */
static void
job_finish(struct job *j, int stopping)
{
	void		(*done)(void *, int) = j->done;
	void		*arg = j->arg;
	struct pollfd	 pfd = { j->pipe[0], POLLIN, 0 };

	while (poll(&pfd, 1, -1) == -1 && errno == EINTR)
		;
	LIST_REMOVE(j, entry);
	job_free(j);
	done(arg, stopping);
}

static void
job_done_cb(evutil_socket_t fd, short ev, void *arg)
{
	job_finish(arg, 0);
}

struct jobs *
jobs_new(struct event_base *base)
{
	struct jobs	*js = xcalloc(1, sizeof *js);

	js->base = base;
	LIST_INIT(&js->running);
	return (js);
}

/* Stops every job: each is told to stop, waited for, and done. */
void
jobs_free(struct jobs *js)
{
	struct job	*j;

	if (js == NULL)
		return;
	LIST_FOREACH(j, &js->running, entry)
		atomic_store(&j->stop, 1);
	while ((j = LIST_FIRST(&js->running)) != NULL)
		job_finish(j, 1);
	free(js);
}

/*
 * Runs work(arg, stop) on a new thread, then done(arg, 0) on the loop,
 * never from within this call. 0; or -1 with f filled (503), and neither
 * runs.
 */
int
job_start(struct jobs *js, void (*work)(void *, const atomic_int *),
    void (*done)(void *, int), void *arg, struct fail *f)
{
	struct job	*j = xcalloc(1, sizeof *j);

	j->jobs = js;
	j->pipe[0] = j->pipe[1] = -1;
	atomic_init(&j->stop, 0);
	j->work = work;
	j->done = done;
	j->arg = arg;
	if (pipe2(j->pipe, O_NONBLOCK | O_CLOEXEC) != 0 ||
	    (j->ev = event_new(js->base, j->pipe[0], EV_READ, job_done_cb,
	    j)) == NULL || event_add(j->ev, NULL) != 0 ||
	    (errno = pthread_create(&j->thread, NULL, job_main, j)) != 0) {
		fail_set(f, 503, NULL, "cannot start a worker: %s; retry "
		    "later", strerror(errno));
		job_free(j);
		return (-1);
	}
	pthread_detach(j->thread);
	LIST_INSERT_HEAD(&js->running, j, entry);
	return (0);
}
