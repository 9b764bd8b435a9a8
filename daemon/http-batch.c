/*
 * The admin door's group commit (see http.c): a write runs in a
 * savepoint of the open batch; the batch commits when the loop has
 * nothing else to do, or at BATCH_MAX requests, and its answers go once
 * the durable thread (durable.c) has the log on disk. When another
 * program holds the database, the writes wait, BEGIN tried again on a
 * timer, and get 503 after BUSY_WAIT (busy.c).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "http-private.h"

/* A batch is committed when the loop has nothing else to do, or at this
 * many requests, whichever comes first. */
#define BATCH_MAX	64

/*
 * Tells the owner once a drain has nothing left to wait for: every
 * connection closed, every request answered.
 */
void
http_drain_check(struct http *h)
{
	if (h->draining && h->drained != NULL && h->waiting == NULL &&
	    server_connections(h->srv) == 0) {
		h->drained(h->drained_arg);
		h->drained = NULL;
	}
}

/*
 * Answers each request of the list (by next) with what it made, or, when
 * f is given, with f; a write among them that stands may have queued a
 * message, and the outbox looks again.
 */
static void
http_answer_list(struct http *h, struct http_req *list,
    const struct fail *f)
{
	struct http_req	*q, *next;
	char		*out;
	int		 wrote = 0;

	for (q = list; q != NULL; q = next) {
		next = q->next;
		wrote |= q->write;
		out = q->out;
		q->out = NULL;
		if (f != NULL) {
			free(out);
			http_answer_fail(q, f);
		} else
			http_answer(q, q->status, out);
	}
	if (wrote && f == NULL)
		sender_kick(h->ctx.sender);
}

/*
 * After a batch, the loop's commits wait for the disk again; should
 * SQLite not take that now, it is tried again at each flush (every write
 * outside a batch comes after one) and said once.
 */
static void
http_sync_wait(struct http *h)
{
	struct fail	 f;

	if (store_sync_wait(h->store, 1, &f) == 0) {
		h->deferred = 0;
		return;
	}
	if (!h->deferred)
		log_warnx("after a group commit: %s", f.msg);
	h->deferred = 1;
}

/*
 * Commits the open batch, then answers every request in it. Should the
 * COMMIT fail, nothing of the batch was written, and every request in it
 * is told so (reads too: they may have seen the batch's writes). Then,
 * with wait, the loop's commits wait for the disk again, as each write
 * outside a batch (after http_flush()) must; a group commit leaves that to
 * the next flush: a PRAGMA acts as it is parsed, and a batch undoes it.
 */
static void
http_commit(struct http *h, int wait)
{
	struct http_req	*q;
	struct fail	 f, g;
	int		 ok = 1;

	if (h == NULL)
		return;
	if (wait && h->deferred && !h->batch_open)
		http_sync_wait(h);
	if (!h->batch_open)
		return;
	person_words_batch(h->store);	/* new people's words, if enough */
	if (store_commit(h->store, &f) != 0) {
		log_warnx("group commit of %zu request%s failed: %s",
		    h->nbatch, h->nbatch == 1 ? "" : "s", f.msg);
		ok = 0;
	}
	log_release();		/* the batch's lines, before any answer */
	h->batch_open = 0;
	if (h->dur != NULL) {
		if (wait)
			http_sync_wait(h);
		/* The answers wait for the fsync (http_synced()). */
		if (ok && h->batch != NULL) {
			h->ticket = durable_ask(h->dur);
			for (q = h->batch; q != NULL; q = q->next)
				q->ticket = h->ticket;
			*h->unsynced_tail = h->batch;
			h->unsynced_tail = h->batch_tail;
			h->batch = NULL;
		}
	}
	if (!ok)
		fail_set(&g, 503, NULL, "the database could not commit (%s); "
		    "nothing was written, retry", f.msg);
	http_answer_list(h, h->batch, ok ? NULL : &g);
	h->batch = NULL;
	h->batch_tail = &h->batch;
	h->nbatch = 0;
}

void
http_flush(struct http *h)
{
	http_commit(h, 1);
}

/*
 * The sweeps' batches (kursusd.c): the open batch committed, then their
 * own transaction commits without waiting for the disk, which takes it
 * with the next group commit's fsync (the whole log) or checkpoint.
 * Nobody waits for them: a power loss before that leaves the rows for
 * the next sweep (issue 9: an fsync on the loop held a turn 30 to 250 ms
 * while an import wrote). -1: not now, while a job copies the log.
 */
int
http_background_begin(struct http *h)
{
	struct fail	 f;

	if (checkpointer_copying(h->ckpt))
		return (-1);	/* not now: see checkpoint.c */
	http_flush(h);
	if (h->dur != NULL && durable_failed(h->dur) == 0 &&
	    store_sync_wait(h->store, 0, &f) == 0)
		h->deferred = 1;
	return (0);
}

void
http_background_end(struct http *h)
{
	if (h->dur != NULL && h->deferred)
		http_sync_wait(h);
}

void
http_commit_cb(evutil_socket_t fd, short ev, void *arg)
{
	http_commit(arg, 0);
}

/*
 * The disk has every batch up to ticket upto (durable.c): their answers
 * go out, or, should the fsync have failed, each is told what is known.
 */
void
http_synced(void *arg, uint64_t upto, int err)
{
	struct http	*h = arg;
	struct http_req	*q, *done = NULL, **tail = &done;
	struct fail	 f;

	if (err != 0) {
		log_warnx("the database's log could not be synced to disk: %s",
		    strerror(err));
		fail_set(&f, 503, NULL, "the disk reported an error (%s) "
		    "while this was saved; it may not have been: look before "
		    "you retry", strerror(err));
	}
	while ((q = h->unsynced) != NULL && q->ticket <= upto) {
		if ((h->unsynced = q->next) == NULL)
			h->unsynced_tail = &h->unsynced;
		*tail = q;
		tail = &q->next;
	}
	*tail = NULL;
	http_answer_list(h, done, err != 0 ? &f : NULL);
	http_drain_check(h);
}

/*
 * Opens the batch: 0, or -1 with f filled (503: the database is locked by
 * another program, or its file is gone).
 */
static int
http_batch_open(struct http *h, struct fail *f)
{
	int	 err;

	if (h->batch_open)
		return (0);
	if (h->dur != NULL) {
		/* After a failed fsync nothing more is promised. */
		if ((err = durable_failed(h->dur)) != 0)
			return (fail_set(f, 503, NULL, "the disk failed (%s) "
			    "while kursusd saved changes; none are taken until "
			    "it is mended and kursusd restarted", strerror(err)));
		if (!h->deferred && store_sync_wait(h->store, 0, f) != 0)
			return (-1);
		h->deferred = 1;
	}
	if (store_begin(h->store, f) != 0) {
		if (h->dur != NULL)
			http_sync_wait(h);
		return (-1);
	}
	h->batch_open = 1;
	/*
	 * The lines the batch logs (a request each, api.c) are written in
	 * one go at its commit: a write each was 3 % of the loop's time at
	 * 8 clients registering (issue 9).
	 */
	log_hold();
	/* Lowest priority: runs once no request is ready to read. */
	event_active(h->commit_ev, EV_TIMEOUT, 0);
	return (0);
}

static int
http_api(struct http *h, struct http_req *q, int batched, char **out)
{
	const struct api_later	 later = { http_later, q };
	const struct api_call	 call = { q->method, q->uri, q->type, q->body,
				    q->len, q->uid, q->peer, &later };

	return (api_run(&h->ctx, &call, batched, out));
}

/* Runs q in the open batch; it is answered after the COMMIT. */
static void
http_run_batched(struct http *h, struct http_req *q)
{
	if ((q->status = http_api(h, q, 1, &q->out)) == API_LATER)
		return;
	*h->batch_tail = q;
	h->batch_tail = &q->next;
	if (++h->nbatch >= BATCH_MAX)
		http_commit(h, 0);
}

/* Another program holds the database: q waits, BEGIN is tried again. */
static void
http_wait(struct http *h, struct http_req *q)
{
	struct timeval	 tv = { 0, BUSY_RETRY * 1000 };

	if (h->waiting == NULL && busy_job_holds())
		log_info("an import is writing; changes wait for it");
	else if (h->waiting == NULL)
		log_warnx("the database is locked by another program; "
		    "changes wait up to %d s", BUSY_WAIT);
	if (h->waiting == NULL)
		h->waiting_since = time(NULL);
	q->next = NULL;
	*h->waiting_tail = q;
	h->waiting_tail = &q->next;
	if (!evtimer_pending(h->busy_ev, NULL))
		evtimer_add(h->busy_ev, &tv);
}

/* Tries BEGIN again for the requests that wait; gives up after a while. */
void
http_busy_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct http	*h = arg;
	struct http_req	*q, *list = h->waiting;
	struct timeval	 tv = { 0, BUSY_RETRY * 1000 };
	struct fail	 f;
	int		 rc;

	rc = http_batch_open(h, &f);
	if (rc != 0 && store_locked(&f) && busy_may_wait(&h->waiting_since)) {
		evtimer_add(h->busy_ev, &tv);
		return;
	}
	h->waiting = NULL;
	h->waiting_tail = &h->waiting;
	if (rc == 0)
		log_info("the database is free again");
	while ((q = list) != NULL) {
		list = q->next;
		q->next = NULL;
		if (rc == 0)
			http_run(h, q);
		else
			http_answer_fail(q, &f);
	}
	http_drain_check(h);
}

/*
 * Runs one request. A read outside a batch runs at once, on its own; one
 * that comes while a batch is open joins it (it may see the batch's
 * writes, so it is answered after the COMMIT). A write joins the batch,
 * or waits while another program holds the database.
 */
void
http_run(struct http *h, struct http_req *q)
{
	struct fail	 f;
	char		*out = NULL;
	int		 status;

	if (!q->write && !h->batch_open) {
		if ((status = http_api(h, q, 0, &out)) == API_LATER)
			return;
		/* It may have seen a batch not yet on disk: after it. */
		if (h->unsynced != NULL) {
			q->status = status;
			q->out = out;
			q->ticket = h->ticket;
			q->next = NULL;
			*h->unsynced_tail = q;
			h->unsynced_tail = &q->next;
		} else
			http_answer(q, status, out);
		return;
	}
	if (h->waiting != NULL) {
		http_wait(h, q);
		return;
	}
	if (http_batch_open(h, &f) != 0) {
		if (store_locked(&f)) {
			http_wait(h, q);
			return;
		}
		http_answer_fail(q, &f);
		return;
	}
	http_run_batched(h, q);
}
