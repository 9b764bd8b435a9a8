/*
 * The sender's workers: threads, one per SMTP connection and one for SMS,
 * each with two SQLite connections of its own. A worker claims a batch of
 * due rows, composes each message as the session is now, writes the texts
 * into the rows, sends them, and records each outcome as soon as the
 * server has answered, holding the seal (see sender.c) meanwhile. While
 * one batch is sent, the other connection (on a thread of its own)
 * settles the batch it sent before and claims, composes and builds the
 * next: each connection has its own sent log, so a settle never empties
 * lines of the batch being sent. One message of a batch, from its claim
 * to its recorded outcome, is sendjob.c's.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commit.h"
#include "sender.h"


/* --- one round of a worker */

/*
 * Claims a batch of due rows of w's channel on db, within its share of
 * [outbox] max_in_flight (given back in batch_finish()): their jobs in
 * *out; how many.
 */
static size_t
worker_claim(struct worker *w, struct wdb *db, struct sender_conf *c,
    struct job **out)
{
	sqlite3_stmt	*stmt = db->stmt[W_CLAIM];
	struct job	*jobs, *j;
	const char	*text;
	size_t		 n = 0, max = (size_t)c->batch[w->channel];
	int64_t		 claim;
	int		 rc, room;

	/* A share of [outbox] max_in_flight, reserved before the claim. */
	pthread_mutex_lock(&w->s->mtx);
	room = c->max_in_flight - w->s->in_flight;
	if (room <= 0) {
		pthread_mutex_unlock(&w->s->mtx);
		return (0);
	}
	if (max > (size_t)room)
		max = (size_t)room;
	w->s->in_flight += (int)max;
	claim = w->s->claim++;
	sender_hold(w->s, claim);
	pthread_mutex_unlock(&w->s->mtx);

	jobs = xcalloc(max, sizeof *jobs);
	sqlite3_bind_text(stmt, 1, sender_channel_names[w->channel], -1,
	    SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, (int64_t)time(NULL));
	sqlite3_bind_int64(stmt, 3, (int64_t)max);
	sqlite3_bind_int64(stmt, 4, claim);
	pthread_mutex_lock(db->wlock);
	rc = SQLITE_ROW;
	while (n < max && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		j = &jobs[n++];
		j->id = sqlite3_column_int64(stmt, 0);
		j->kind = kind_parse((const char *)
		    sqlite3_column_text(stmt, 1));
		j->sid = sqlite3_column_int64(stmt, 2);
		j->pid = sqlite3_column_int64(stmt, 3);
		j->recipient = store_col_dup(stmt, 4);
		text = store_col(stmt, 5);
		j->detail = text != NULL ? json_loads(text, 0, NULL) : NULL;
		j->attempts = sqlite3_column_int(stmt, 6);
		j->claim = claim;
		j->due = (time_t)sqlite3_column_int64(stmt, 7);
		j->created = (time_t)sqlite3_column_int64(stmt, 8);
		j->planned = j->kind == KIND_REMINDER &&
		    sqlite3_column_type(stmt, 9) == SQLITE_NULL;
		j->w = w;
		j->wdb = db;
		j->c = c;
	}
	/*
	 * RETURNING rows come before the statement is done: step to its end,
	 * but not past it. A step after SQLITE_DONE (or an error) resets the
	 * statement and runs it anew: the rows that second claim took (those
	 * queued a moment after the first) were lost, left "sending" with
	 * nobody sending them until the next start.
	 */
	while (rc == SQLITE_ROW)
		rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE) {
		/*
		 * The claim did not commit: its rows are still "pending",
		 * and sending them now could send them twice.
		 */
		log_warnx("outbox: claiming %s messages: %s",
		    sender_channel_names[w->channel], sqlite3_errmsg(db->db));
		while (n > 0)
			job_free(&jobs[--n]);
	}
	pthread_mutex_unlock(db->wlock);
	pthread_mutex_lock(&w->s->mtx);
	w->s->in_flight -= (int)(max - n);
	if (n == 0)
		sender_release(w->s, claim);
	pthread_mutex_unlock(&w->s->mtx);
	if (n == 0)
		free(jobs);
	else
		*out = jobs;
	return (n);
}

/*
 * A batch: rows claimed and composed, their texts in the rows, and (for
 * e-mail) their mails built.
 */
struct batch {
	struct worker		*w;
	struct wdb		*db;	/* the connection that claimed it */
	struct job		*jobs;
	size_t			 n;
	struct smtp_message	*msgs;
	size_t			 nmsgs;
};

static void	 batch_finish(struct batch *);

/*
 * Defers a batch's ready rows, pending again after wait, when its texts
 * could not be written. Once a row's deferral and the outcome recorded
 * instead both failed (the database locked by another past
 * SENDER_BUSY_MS, each write a busy wait with the workers' write lock
 * held), the rest are not tried: they stay "sending", as that row
 * does, said in one line by their ids, until a sweep takes them back.
 */
static void
batch_defer(struct batch *bt, time_t now, time_t wait)
{
	struct buf	 left = BUF_INIT;
	struct job	*j;
	size_t		 i, n = 0;

	for (i = 0; i < bt->n; i++) {
		j = &bt->jobs[i];
		if (!j->ready)
			continue;
		j->ready = 0;
		if (n == 0 && job_settle_row(j, now, W_DEFER, now + wait,
		    NULL) == 0)
			continue;
		buf_addf(&left, "%s%lld", n++ == 0 ? "" : ", ",
		    (long long)j->id);
	}
	if (n > 0)
		sender_left(bt->db->log, 0, left.data);
	buf_free(&left);
}

/* Claims and composes a batch on db; NULL when nothing is due, or when
 * its texts could not be written (then none of it is sent). */
static struct batch *
batch_prepare(struct worker *w, struct wdb *db, struct sender_conf *c)
{
	struct batch	*bt;
	struct job	*jobs = NULL, *j;
	time_t		 now;
	size_t		 n, i, k;
	int		 ok;

	if (db->mc == NULL || db->mc_conf != c) {
		message_ctx_free(db->mc);
		db->mc = message_ctx_new(db->db, &c->mconf);
		db->mc_conf = c;
	}
	message_ctx_forget(db->mc);
	if ((n = worker_claim(w, db, c, &jobs)) == 0)
		return (NULL);
	bt = xcalloc(1, sizeof *bt);
	bt->w = w;
	bt->db = db;
	bt->jobs = jobs;
	bt->n = n;

	/* Composed outside any transaction; then the texts go into the
	 * rows, in one commit, before any is sent. */
	now = time(NULL);
	for (i = 0; i < n; i++)
		jobs[i].ready = job_prepare(&jobs[i], now);
	if ((ok = wdb_begin(db) == 0)) {
		for (i = 0; i < n && ok; i++) {
			j = &jobs[i];
			if (j->ready && wdb_run(db, W_TEXTS, "ittt", j->id,
			    j->m.subject, j->m.body, j->m.calendar) != 0)
				ok = 0;
		}
		ok = wdb_end(db, ok) == 0;
	}
	if (!ok) {
		/*
		 * The texts are not in the rows (the database locked by
		 * another past SENDER_BUSY_MS, the disk full): none is sent.
		 * They wait and go again, not an attempt; what was recorded
		 * instead of an update is settled as a sent batch's is.
		 */
		batch_defer(bt, now, job_wait(c));
		log_warnx("outbox: %s messages not sent: their texts could "
		    "not be written; again in %lld s",
		    sender_channel_names[w->channel], (long long)job_wait(c));
		batch_finish(bt);
		return (NULL);
	}
	if (w->channel != CHANNEL_EMAIL)
		return (bt);

	/*
	 * The mails, by the connection's builder: the parts a session's
	 * mails share are made once, each person's put in (mail.c). This
	 * runs beside the sending of the batch before (worker_rounds()).
	 * The builder (and GMime, ~0.5 MB) only once there is a mail to
	 * build: not while every row is failed for want of a server.
	 */
	bt->msgs = xcalloc(n, sizeof *bt->msgs);
	for (i = k = 0; i < n; i++) {
		if (!jobs[i].ready)
			continue;
		if (db->mb == NULL)
			db->mb = mail_builder_new();
		job_build_mail(&jobs[i], db->mb);
		bt->msgs[k++] = jobs[i].sm;
	}
	bt->nmsgs = k;
	return (bt);
}

/* Sends a batch (one SMTP connection for its mails) and records each
 * outcome as it comes, in its connection's sent log or a commit. */
static void
batch_send(struct batch *bt, struct sender_conf *c)
{
	struct job	*j;
	char		*provider_id, *error;
	size_t		 i, n = bt->n;
	int		 result;

	if (bt->w->channel == CHANNEL_EMAIL) {
		if (bt->nmsgs > 0)
			smtp_send(&c->smtp, bt->msgs, bt->nmsgs);
		for (i = 0; i < bt->nmsgs; i++)
			free(bt->msgs[i].error);
		free(bt->msgs);
	} else {
		for (i = 0; i < n; i++) {
			j = &bt->jobs[i];
			if (!j->ready)
				continue;
			seal_take(bt->w->s, j);
			result = sms_send(&c->sms, j->m.recipient, j->m.body,
			    &provider_id, &error);
			job_record(j, result, provider_id, error != NULL ?
			    error : "the gateway refused the message");
			free(provider_id);
			free(error);
		}
	}
}

/* Settles a sent batch's outcomes into its rows, lets its claim go (a
 * sweep may take back what it left "sending") and frees it. */
static void
batch_finish(struct batch *bt)
{
	size_t	 i, n = bt->n;
	int	 settled;

	settled = worker_settle(bt->db) == 0;
	pthread_mutex_lock(&bt->w->s->mtx);
	bt->w->s->in_flight -= (int)n;
	sender_release(bt->w->s, bt->jobs[0].claim);
	pthread_mutex_unlock(&bt->w->s->mtx);
	if (settled)
		sender_sweep(bt->w->s, bt->db);
	for (i = 0; i < n; i++)
		job_free(&bt->jobs[i]);
	free(bt->jobs);
	free(bt);
}

/*
 * The work on one connection while a batch is sent on the other: the
 * batch it sent before settled, then (more) its next claimed, composed
 * and built.
 */
struct ahead {
	struct worker		*w;
	struct wdb		*db;
	struct sender_conf	*c;
	struct batch		*done;	/* sent on db, to settle, or NULL */
	int			 more;
	struct batch		*out;
};

static void *
ahead_main(void *arg)
{
	struct ahead	*a = arg;

	if (a->done != NULL)
		batch_finish(a->done);
	a->out = a->more ? batch_prepare(a->w, a->db, a->c) : NULL;
	return (NULL);
}

/* Whether a batch has anything to send (not all of it settled unsent). */
static int
batch_sends(const struct batch *bt)
{
	size_t	 i;

	if (bt->w->channel == CHANNEL_EMAIL)
		return (bt->nmsgs > 0);
	for (i = 0; i < bt->n; i++)
		if (bt->jobs[i].ready)
			return (1);
	return (0);
}

static int	worker_second(struct worker *, struct wdb *);

/*
 * Sends what is due, batch after batch, on db[0] and db[1] in turn:
 * while one is sent (its outcomes recorded in its connection's sent log),
 * the other connection settles the batch it sent before and claims,
 * composes and builds the next, so the server seldom waits for kursusd.
 * A batch with nothing to send (every row skipped, held back or failed,
 * as when the channel is not configured) has nothing to overlap: its own
 * connection settles it and claims the next, on this thread, and the
 * second connection is not opened for it (its schema, statements and
 * pages are ~0.7 MB of a daemon that must stay under 30 MB: issue 9).
 * Stops when nothing more is due, at a stop, or when the settings
 * changed (the caller comes back with the new ones). The number of rows
 * it had.
 */
static size_t
worker_rounds(struct worker *w, struct wdb *db, struct sender_conf *c)
{
	struct sender	*s = w->s;
	struct batch	*cur, *done = NULL;
	struct wdb	*own;
	struct ahead	 a;
	pthread_t	 t;
	size_t		 total = 0;
	int		 more, started;

	cur = batch_prepare(w, &db[0], c);
	while (cur != NULL) {
		pthread_mutex_lock(&s->mtx);
		more = !s->stopping && s->conf == c;
		pthread_mutex_unlock(&s->mtx);
		total += cur->n;
		if (!batch_sends(cur) || worker_second(w, db) != 0) {
			/* One after the other, on cur's connection. */
			batch_send(cur, c);
			if (done != NULL)
				batch_finish(done);
			done = NULL;
			own = cur->db;
			batch_finish(cur);
			cur = more ? batch_prepare(w, own, c) : NULL;
			continue;
		}
		a.w = w;
		a.db = cur->db == &db[0] ? &db[1] : &db[0];
		a.c = c;
		a.done = done;
		a.more = more;
		started = pthread_create(&t, NULL, ahead_main, &a) == 0;
		batch_send(cur, c);
		if (started)
			pthread_join(t, NULL);
		else
			ahead_main(&a);
		done = cur;
		cur = a.out;
	}
	if (done != NULL)
		batch_finish(done);
	return (total);
}

/* Asks the channel's server whether it answers; for the status route. */
static void
worker_probe(struct worker *w, struct sender_conf *c)
{
	char	*error = NULL;
	int	 rc;

	if (!c->configured[w->channel])
		return;
	if (w->channel == CHANNEL_EMAIL)
		rc = smtp_probe(&c->smtp, &error);
	else
		rc = sms_probe(&c->sms, &error);
	sender_health_set(w->s, w->channel, rc == 0, error);
	free(error);
}

/* Tells the loop that a worker has finished a round. */
static void
worker_notify(struct sender *s)
{
	char	 c = 'w';

	/* A full pipe already holds a wake-up: nothing is lost. */
	while (write(s->pipe[1], &c, 1) < 0 && errno == EINTR)
		;
}

/*
 * A worker holds its connections only while it has work: the first is
 * opened when it is woken, the second when a batch with messages to send
 * can be overlapped (worker_rounds()) or its sent log settled again, and
 * both are closed once it has waited WORKER_IDLE seconds for more, its
 * memory given back (about 1 MB a worker, of a daemon that stays under
 * 30 MB when idle: issue 9).
 */
#define WORKER_IDLE	2

static int
worker_open(struct sender *s, struct wdb *db, struct sentlog log[2])
{
	char	*cause = NULL;

	memset(db, 0, 2 * sizeof *db);
	if (wdb_open(s->database, &s->wlock, &db[0], &cause) == 0) {
		db[0].log = &log[0];
		db[1].log = &log[1];
		return (0);
	}
	log_warnx("outbox worker: %s", cause);
	free(cause);
	memset(db, 0, 2 * sizeof *db);
	return (-1);
}

/*
 * The second connection, opened once; -1 when it cannot be. Tried again
 * for each batch that could use it, it is said once (not for every
 * batch) until it opens again.
 */
static int
worker_second(struct worker *w, struct wdb *db)
{
	struct sentlog	*log = db[1].log;
	char		*cause = NULL;

	if (db[1].db != NULL)
		return (0);
	if (wdb_open(w->s->database, &w->s->wlock, &db[1], &cause) != 0) {
		if (!w->second_failing)
			log_warnx("outbox worker: %s", cause);
		else
			log_debug("outbox worker: %s", cause);
		w->second_failing = 1;
		free(cause);
		memset(&db[1], 0, sizeof db[1]);
		db[1].log = log;
		return (-1);
	}
	if (w->second_failing)
		log_info("outbox: %s worker %d: its second connection opened "
		    "again", sender_channel_names[w->channel], w->index);
	w->second_failing = 0;
	db[1].log = log;
	return (0);
}

/*
 * Settles again the outcomes of each connection whose settle (or sweep,
 * sender_sweep()) failed, once its time to try again has come (now 0: at
 * once): the second connection opened for its own sent log if need be,
 * and if it cannot be, the next try waits longer.
 */
static void
worker_resettle(struct worker *w, struct wdb *db, time_t now)
{
	struct sentlog	*l;
	int		 k;

	for (k = 0; k < 2; k++) {
		l = db[k].log;
		if (l->retry == 0 || (now != 0 && now < l->retry_at))
			continue;
		if (k == 1 && worker_second(w, db) != 0)
			sentlog_failed(l, 1, time(NULL));
		else if (worker_settle(&db[k]) == 0)
			sender_sweep(w->s, &db[k]);
	}
}

static void
worker_close(struct wdb *db)
{
	wdb_close(&db[0]);
	wdb_close(&db[1]);
	memset(db, 0, 2 * sizeof *db);
	memory_give_back();
}

/* Idle long enough: closes the connections, s->mtx let go meanwhile. */
static void
worker_idle(struct worker *w, struct wdb *db)
{
	pthread_mutex_unlock(&w->s->mtx);
	worker_close(db);
	log_debug("outbox: %s worker %d idle: its connections closed",
	    sender_channel_names[w->channel], w->index);
	pthread_mutex_lock(&w->s->mtx);
}

/*
 * Waits on s->cond (s->mtx held) until woken, or until at (0: no end);
 * 1 when at came.
 */
static int
worker_wait(struct sender *s, time_t at)
{
	struct timespec	 until;

	if (at == 0) {
		pthread_cond_wait(&s->cond, &s->mtx);
		return (0);
	}
	until.tv_sec = at;
	until.tv_nsec = 0;
	return (pthread_cond_timedwait(&s->cond, &s->mtx, &until) ==
	    ETIMEDOUT);
}

void *
worker_main(void *arg)
{
	struct worker		*w = arg;
	struct sender		*s = w->s;
	struct sender_conf	*c;
	struct wdb		 db[2];
	struct sentlog		 log[2];
	uint64_t		 seen, looked = 0;
	time_t			 last_probe = 0, now, at, idle_at, retry_at;
	int			 probe, open = 0, idle, k;

	memset(db, 0, sizeof db);
	for (k = 0; k < 2; k++)
		sentlog_init(&log[k], s->database, 2 * (int)(w - s->workers) +
		    k);
	for (;;) {
		pthread_mutex_lock(&s->mtx);
		seen = s->kick[w->channel];
		pthread_mutex_unlock(&s->mtx);

		/*
		 * Kicked by the loop's timer (rows due, at the start too) or
		 * with outcomes to settle: the connections, if they can be
		 * had; else the rows wait for the next kick. A start or a
		 * probe with nothing due opens none (700 KB a worker).
		 */
		if (!open && (seen != looked || sentlog_retry_at(log) != 0)) {
			open = worker_open(s, db, log) == 0;
			/* Nor can its outcomes be settled: their next try
			 * waits longer, not at once again and again. */
			for (k = 0; !open && k < 2; k++)
				if (log[k].retry != 0)
					sentlog_failed(&log[k], 1, time(NULL));
		}
		looked = seen;
		/* Outcomes a settle failed to settle: again when due. */
		if (open)
			worker_resettle(w, db, time(NULL));
		c = sender_conf_get(s);
		while (open && worker_rounds(w, db, c) > 0) {
			sender_conf_put(s, c);
			c = sender_conf_get(s);
			pthread_mutex_lock(&s->mtx);
			if (s->stopping) {
				pthread_mutex_unlock(&s->mtx);
				break;
			}
			pthread_mutex_unlock(&s->mtx);
		}
		probe = c->probe;
		now = time(NULL);
		if (w->index == 0 && probe > 0 && now - last_probe >= probe) {
			worker_probe(w, c);
			last_probe = now;
		}
		sender_conf_put(s, c);
		worker_notify(s);

		pthread_mutex_lock(&s->mtx);
		idle_at = open ? time(NULL) + WORKER_IDLE : 0;
		while (!s->stopping && s->kick[w->channel] == seen) {
			/* Woken for the probe, or to settle again. */
			at = w->index == 0 && probe > 0 ? last_probe + probe :
			    0;
			retry_at = sentlog_retry_at(log);
			if (retry_at != 0 && (at == 0 || retry_at < at))
				at = retry_at;
			/* Idle long enough: the connections go. */
			idle = idle_at != 0 && retry_at == 0 &&
			    (at == 0 || idle_at < at);
			if (!worker_wait(s, idle ? idle_at : at))
				continue;
			if (!idle)
				break;
			if (s->kick[w->channel] == seen && !s->stopping) {
				worker_idle(w, db);
				open = 0;
				idle_at = 0;
			}
		}
		if (s->stopping) {
			pthread_mutex_unlock(&s->mtx);
			break;
		}
		pthread_mutex_unlock(&s->mtx);
	}
	/* Settled now, or the file stays for the next start. */
	if (sentlog_retry_at(log) != 0 && !open)
		open = worker_open(s, db, log) == 0;
	if (open) {
		worker_resettle(w, db, 0);
		worker_close(db);
	}
	sentlog_close(&log[0]);
	sentlog_close(&log[1]);
	pthread_mutex_lock(&s->mtx);
	s->running--;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->mtx);
	return (NULL);
}

