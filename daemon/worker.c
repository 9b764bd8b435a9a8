/*
 * The sender's workers: threads, one per SMTP connection and one for SMS,
 * each with two SQLite connections of its own. A worker claims a batch of
 * due rows, composes each message as the session is now, writes the texts
 * into the rows, sends them, and records each outcome as soon as the
 * server has answered, holding the seal (see sender.c) meanwhile. The next
 * batch is claimed, composed and its mails built on the other connection
 * (and its thread) while one is sent.
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


/* --- a worker's database */

enum { W_CLAIM, W_TEXTS, W_OUTCOME, W_FAILED, W_SKIPPED, W_DEFER, W_NEAR,
    W_COUNT };

/*
 * The outcomes recorded inside the seal, settled into their rows when the
 * batch is done (and at start-up, sender_recover()): state, attempts
 * given back (-1: it waited for the server, not an attempt), when to try
 * again, the error, the provider's id, when.
 */
const char *const worker_sql_settle =
	"UPDATE outbox SET state = o.state, attempts = outbox.attempts + "
	"o.attempts, next_attempt = coalesce(o.next_attempt, "
	"outbox.next_attempt), last_error = o.last_error, provider_id = "
	"CASE o.state WHEN 'sent' THEN o.provider_id ELSE outbox.provider_id "
	"END, sent_at = CASE o.state WHEN 'sent' THEN o.at ELSE "
	"outbox.sent_at END, updated_at = o.at FROM outbox_outcome o "
	"WHERE outbox.id = o.outbox_id AND outbox.state = 'sending'; "
	"DELETE FROM outbox_outcome";

static const char *worker_sql[W_COUNT] = {
	/* ?1 channel, ?2 now, ?3 how many, ?4 the claim (sentlog.c) */
	[W_CLAIM] = "UPDATE outbox SET state = 'sending', attempts = "
	    "attempts + 1, updated_at = ?2, claim = ?4 WHERE id IN (SELECT "
	    "id FROM outbox WHERE state = 'pending' AND next_attempt <= ?2 "
	    "AND channel = ?1 ORDER BY next_attempt, id LIMIT ?3) RETURNING "
	    "id, kind, session_id, participant_id, recipient, detail, "
	    "attempts, due_at, created_at, batch",
	[W_TEXTS] = "INSERT OR REPLACE INTO outbox_text (outbox_id, subject, "
	    "body, attachment) VALUES (?1, ?2, ?3, ?4)",
	/*
	 * One small row, no index, no trigger: what is committed inside the
	 * seal. ?1 id, ?2 now, ?3 state, ?4 attempts given back, ?5 next
	 * attempt, ?6 error, ?7 provider's id.
	 */
	[W_OUTCOME] = "INSERT OR REPLACE INTO outbox_outcome (outbox_id, at, "
	    "state, attempts, next_attempt, last_error, provider_id) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[W_FAILED] = "UPDATE outbox SET state = 'failed', updated_at = ?2, "
	    "last_error = ?3 WHERE id = ?1 AND state = 'sending'",
	[W_SKIPPED] = "UPDATE outbox SET state = 'skipped', updated_at = ?2, "
	    "last_error = ?3 WHERE id = ?1 AND state = 'sending'",
	/* Not an attempt: it waits for the quiet hours to end. */
	[W_DEFER] = "UPDATE outbox SET state = 'pending', attempts = "
	    "attempts - 1, next_attempt = ?3, updated_at = ?2 WHERE id = ?1 "
	    "AND state = 'sending'",
	/* NULL: outbox_sql_near, set at the first open */
	[W_NEAR] = NULL,
};

struct wdb {
	sqlite3		*db;
	pthread_mutex_t	*wlock;		/* the workers write one at a time */
	int		 in_txn;
	sqlite3_stmt	*stmt[W_COUNT];
	struct message_ctx *mc;
	struct sender_conf *mc_conf;	/* the settings mc was made with */
	int		 wal_pages;	/* the log's length at the last commit */
	sqlite3_stmt	*settle[2];	/* worker_sql_settle's two */
	struct mail_builder *mb;	/* the mails of its batches */
	struct sentlog	*log;		/* its worker's, shared by both */
};

/*
 * Instead of SQLite's automatic checkpoint, which would run in whichever
 * commit finds the log long, inside the seal: worker_settle() runs it
 * after the batch, outside the seal and the workers' lock.
 */
static int
wdb_wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct wdb	*w = arg;

	(void)db;
	(void)name;
	w->wal_pages = pages;
	return (SQLITE_OK);
}

static int
wdb_open(const char *path, pthread_mutex_t *wlock, struct wdb *w,
    char **cause)
{
	const char	*tail;
	int		 i;

	memset(w, 0, sizeof *w);
	w->wlock = wlock;
	/*
	 * An outcome is recorded without waiting for the disk (synchronous
	 * NORMAL): a crash of kursusd loses nothing (the WAL is in the
	 * kernel's hands), and a power loss can at worst turn a sent message
	 * back into one to send again, never lose one, since its claim was
	 * durable.
	 */
	if (store_connect(path, 0, SENDER_BUSY_MS, &w->db, cause) != 0)
		return (-1);
	for (i = 0; i < W_COUNT; i++)
		if (sqlite3_prepare_v3(w->db, i == W_NEAR ? outbox_sql_near :
		    worker_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &w->stmt[i],
		    NULL) != SQLITE_OK)
			goto fail;
	/* The settle, prepared once rather than at each batch. */
	if (sqlite3_prepare_v3(w->db, worker_sql_settle, -1,
	    SQLITE_PREPARE_PERSISTENT, &w->settle[0], &tail) != SQLITE_OK ||
	    sqlite3_prepare_v3(w->db, tail, -1, SQLITE_PREPARE_PERSISTENT,
	    &w->settle[1], NULL) != SQLITE_OK)
		goto fail;
	sqlite3_wal_hook(w->db, wdb_wal_hook, w);
	return (0);
fail:
	xasprintf(cause, "%s: %s", path, sqlite3_errmsg(w->db));
	for (i = 0; i < W_COUNT; i++)
		sqlite3_finalize(w->stmt[i]);
	sqlite3_finalize(w->settle[0]);
	sqlite3_finalize(w->settle[1]);
	sqlite3_close(w->db);
	return (-1);
}

static void
wdb_close(struct wdb *w)
{
	int	 i;

	message_ctx_free(w->mc);
	mail_builder_free(w->mb);
	for (i = 0; i < W_COUNT; i++)
		sqlite3_finalize(w->stmt[i]);
	sqlite3_finalize(w->settle[0]);
	sqlite3_finalize(w->settle[1]);
	sqlite3_close(w->db);
}

/*
 * Runs a prepared update with "i" (int64_t), "n" (int64_t, 0 for NULL) and
 * "t" (text or NULL) arguments; logs a failure.
 */
static int
wdb_run(struct wdb *w, int q, const char *types, ...)
{
	sqlite3_stmt	*stmt = w->stmt[q];
	va_list		 ap;
	const char	*t;
	int64_t		 v;
	int		 i, rc;

	va_start(ap, types);
	for (i = 1; *types != '\0'; types++, i++) {
		if (*types == 'i' || *types == 'n') {
			v = va_arg(ap, int64_t);
			if (*types == 'n' && v == 0)
				sqlite3_bind_null(stmt, i);
			else
				sqlite3_bind_int64(stmt, i, v);
		} else if ((t = va_arg(ap, const char *)) == NULL)
			sqlite3_bind_null(stmt, i);
		else
			sqlite3_bind_text(stmt, i, t, -1, SQLITE_TRANSIENT);
	}
	va_end(ap);
	if (!w->in_txn)
		pthread_mutex_lock(w->wlock);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		;
	sqlite3_reset(stmt);
	if (!w->in_txn)
		pthread_mutex_unlock(w->wlock);
	sqlite3_clear_bindings(stmt);
	if (rc != SQLITE_DONE) {
		log_warnx("outbox: %s", sqlite3_errmsg(w->db));
		return (-1);
	}
	return (0);
}

/*
 * A transaction of the worker's. The workers take turns to write (a
 * mutex, not SQLite's busy handler, which sleeps a millisecond or more
 * each time it finds the database locked).
 */
static void
wdb_begin(struct wdb *w)
{
	pthread_mutex_lock(w->wlock);
	sqlite3_exec(w->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	w->in_txn = 1;
}

static void
wdb_commit(struct wdb *w)
{
	if (sqlite3_exec(w->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		log_warnx("outbox: %s", sqlite3_errmsg(w->db));
		sqlite3_exec(w->db, "ROLLBACK", NULL, NULL, NULL);
	}
	w->in_txn = 0;
	pthread_mutex_unlock(w->wlock);
}

/* Runs worker_sql_settle's two statements; -1 when one failed. */
static int
worker_settle_run(struct wdb *w)
{
	int	 i, rc = SQLITE_DONE;

	for (i = 0; i < 2 && rc == SQLITE_DONE; i++) {
		rc = sqlite3_step(w->settle[i]);
		sqlite3_reset(w->settle[i]);
	}
	return (rc == SQLITE_DONE ? 0 : -1);
}

/*
 * Settles the outcomes recorded while a batch was sent (the sent log's
 * lines and outbox_outcome's rows) into their rows, in one commit; then,
 * when the log has grown long, a checkpoint. A failure is tried again
 * soon (worker_main()).
 */
static void
worker_settle(struct wdb *w)
{
	int	 failed = 0;

	pthread_mutex_lock(w->wlock);
	if (sqlite3_exec(w->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK || sentlog_settle(w->log, w->db) != 0 ||
	    worker_settle_run(w) != 0 || sqlite3_exec(w->db, "COMMIT", NULL,
	    NULL, NULL) != SQLITE_OK) {
		/* They stay where they are, tried again by the timer. */
		log_warnx("outbox: settling outcomes: %s",
		    sqlite3_errmsg(w->db));
		if (!sqlite3_get_autocommit(w->db))
			sqlite3_exec(w->db, "ROLLBACK", NULL, NULL, NULL);
		failed = 1;
	} else
		sentlog_clear(w->log);
	pthread_mutex_unlock(w->wlock);
	sentlog_failed(w->log, failed, time(NULL));
	if (w->wal_pages >= CHECKPOINT_PAGES) {
		w->wal_pages = 0;
		(void)sqlite3_wal_checkpoint_v2(w->db, NULL,
		    SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	}
}

/* --- one round of a worker */

struct job {
	int64_t		 id, sid, pid;
	int64_t		 claim;		/* its batch's (sentlog.c) */
	int		 kind, attempts;
	int		 planned;	/* a reminder kursusd planned itself */
	time_t		 due, created;
	char		*recipient;
	json_t		*detail;
	struct message	 m;
	int		 ready;		/* composed, to send */
	char		*data;		/* the mail as sent */
	size_t		 len;
	char		*message_id;
	struct smtp_message sm;
	struct worker	*w;
	struct wdb	*wdb;
	struct sender_conf *c;
};

static void
job_free(struct job *j)
{
	free(j->recipient);
	json_decref(j->detail);
	message_clear(&j->m);
	free(j->data);
	free(j->message_id);
	free(j->sm.error);
}

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
	if (rc != SQLITE_DONE)
		log_warnx("outbox: claiming %s messages: %s",
		    sender_channel_names[w->channel], sqlite3_errmsg(db->db));
	pthread_mutex_unlock(db->wlock);
	pthread_mutex_lock(&w->s->mtx);
	w->s->in_flight -= (int)(max - n);
	pthread_mutex_unlock(&w->s->mtx);
	if (n == 0)
		free(jobs);
	else
		*out = jobs;
	return (n);
}

/*
 * Logs what became of a message, naming the person by id only; the
 * recipient and the server's words go to the debug log (and the outbox
 * row, which staff read with kursusctl outbox show).
 */
static void
job_log_outcome(struct job *j, const char *what, const char *error,
    long long again)
{
	char	 code[32], retry[48] = "";

	sender_error_code(error, code, sizeof code);
	if (again >= 0)
		snprintf(retry, sizeof retry, "; again in %lld s", again);
	log_info("outbox %lld (participant %lld): %s %s%s%s%s",
	    (long long)j->id, (long long)j->pid, sender_channel_names[j->w->channel],
	    what, *code != '\0' ? ", " : "", code, retry);
	log_debug("outbox %lld: %s to %s: %s", (long long)j->id,
	    sender_channel_names[j->w->channel], j->recipient,
	    error != NULL ? error : "?");
}

/*
 * Commits an outcome into outbox_outcome, settled into the row when the
 * batch is done (worker_settle()).
 */
static void
job_outcome(struct job *j, time_t now, const char *state, int give_back,
    time_t next, const char *error, const char *provider_id)
{
	wdb_run(j->wdb, W_OUTCOME, "iitintt", j->id, (int64_t)now, state,
	    (int64_t)give_back, (int64_t)next, error, provider_id);
}

/* Records one outcome (enum send_result) in its own commit. */
static void
job_record_row(struct job *j, int result, const char *provider_id,
    const char *error)
{
	struct sender_conf	*c = j->c;
	time_t			 now = time(NULL), wait, next;
	char			*why;
	int			 shift;

	switch (result) {
	case SEND_SERVER:
		/* Not this message's fault: it waits, not an attempt. */
		wait = c->probe > 0 && c->probe < c->retry_max ? c->probe :
		    c->retry_max;
		if (wait > 60)
			wait = 60;
		why = xprintf("waiting for the server: %s", error);
		job_outcome(j, now, "pending", -1, now + wait, why, NULL);
		free(why);
		log_debug("outbox %lld: %s waits for the server: %s",
		    (long long)j->id, sender_channel_names[j->w->channel], error);
		return;
	case SEND_OK:
		/* One line in the sent log; a commit if it cannot be. */
		if (provider_id != NULL || sentlog_add(j->wdb->log, j->id,
		    j->attempts, j->claim, now) != 0)
			job_outcome(j, now, "sent", 0, 0, NULL, provider_id);
		log_debug("outbox %lld: %s to %s sent", (long long)j->id,
		    sender_channel_names[j->w->channel], j->recipient);
		return;
	case SEND_PERMANENT:
		job_outcome(j, now, "failed", 0, 0, error, NULL);
		job_log_outcome(j, "failed", error, -1);
		return;
	}
	/* Temporary: again after a backoff, unless it is too late. */
	shift = j->attempts > 1 ? j->attempts - 1 : 0;
	wait = shift >= 20 ? c->retry_max : (time_t)c->retry << shift;
	if (wait > c->retry_max)
		wait = c->retry_max;
	next = now + wait;
	if (next >= j->m.session_start || next - j->due > c->expire) {
		why = xprintf("gave up after %d attempt%s: %s", j->attempts,
		    j->attempts == 1 ? "" : "s", error);
		job_outcome(j, now, "failed", 0, 0, why, NULL);
		job_log_outcome(j, "failed, given up", why, -1);
		free(why);
	} else {
		job_outcome(j, now, "pending", 0, next, error, NULL);
		job_log_outcome(j, "not sent", error, (long long)wait);
	}
}

/*
 * Records one outcome (enum send_result) in its own commit; then the
 * message no longer holds the seal, and the server's health is noted.
 */
static void
job_record(struct job *j, int result, const char *provider_id,
    const char *error)
{
	struct sender	*s = j->w->s;

	job_record_row(j, result, provider_id, error);
	seal_give(s, j);
	/* What the status route and the metrics show, outside the seal:
	 * the server answered for this message (it is there, and fine), or
	 * it or the settings are at fault. */
	if (result == SEND_SERVER) {
		sender_fault_set(s, j->w->channel, 1, error);
		return;
	}
	sender_fault_set(s, j->w->channel, 0, NULL);
	sender_health_set(s, j->w->channel, 1, NULL);
	metrics_send(j->w->channel, result != SEND_OK);
}

/*
 * Whether a reminder kursusd planned would crowd the person now: another
 * message reached them (or is going) in the hours before, or earlier the
 * same day (struct reminder_spacing). Planning keeps clear of the
 * messages it knows of; this catches those that came since, such as the
 * confirmation of another registration made this morning.
 */
static int
job_crowded(struct job *j, time_t now)
{
	sqlite3_stmt	*stmt = j->wdb->stmt[W_NEAR];
	time_t		 from, until;
	int		 n = 0;

	if (!j->planned)
		return (0);
	reminder_spacing_span(&j->c->spacing, j->m.tzid, now, &from, &until);
	if (from == until)
		return (0);
	sqlite3_bind_int64(stmt, 1, j->pid);
	sqlite3_bind_int64(stmt, 2, j->id);
	sqlite3_bind_int64(stmt, 3, (int64_t)from);
	sqlite3_bind_int64(stmt, 4, (int64_t)now + 1);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		n = sqlite3_column_int(stmt, 0);
	sqlite3_reset(stmt);
	return (n > 0);
}

/*
 * Composes the message as the session is now, or settles the row without
 * sending: skipped when the session has started or when it is a reminder
 * that would crowd the person, deferred out of quiet hours, failed when
 * it cannot be composed. 1: to send.
 */
static int
job_prepare(struct job *j, time_t now)
{
	struct sender_conf	*c = j->c;
	char			*cause = NULL, *why, *when;
	time_t			 after;

	if (j->kind < 0 || message_compose(j->wdb->mc, j->kind,
	    j->w->channel, j->sid, j->pid, j->recipient, j->detail, &j->m,
	    &cause) != 0) {
		wdb_run(j->wdb, W_FAILED, "iit", j->id, (int64_t)now,
		    cause != NULL ? cause : "unknown kind of message");
		log_info("outbox %lld (participant %lld): not sent: it could "
		    "not be composed", (long long)j->id, (long long)j->pid);
		log_debug("outbox %lld: %s", (long long)j->id,
		    cause != NULL ? cause : "unknown kind");
		free(cause);
		return (0);
	}
	if (j->m.session_start <= now) {
		when = zone_format_local(j->m.tzid, j->m.session_start);
		why = xprintf("the session started at %s, before this could "
		    "be sent", when);
		wdb_run(j->wdb, W_SKIPPED, "iit", j->id, (int64_t)now, why);
		log_info("outbox %lld: skipped: %s", (long long)j->id, why);
		free(when);
		free(why);
		return (0);
	}
	if (job_crowded(j, now)) {
		why = xprintf("held back: another message reached them %s "
		    "([reminders] min_gap_hours %d, one_a_day %s)",
		    c->spacing.one_a_day ? "earlier that day or just before" :
		    "just before", c->spacing.gap / 3600,
		    c->spacing.one_a_day ? "on" : "off");
		wdb_run(j->wdb, W_SKIPPED, "iit", j->id, (int64_t)now, why);
		log_info("outbox %lld (participant %lld): reminder held back "
		    "by another message", (long long)j->id, (long long)j->pid);
		free(why);
		return (0);
	}
	if (j->w->channel == CHANNEL_SMS && quiet_in(&c->quiet, j->m.tzid,
	    now) && (after = quiet_after(&c->quiet, j->m.tzid, now)) <
	    j->m.session_start) {
		wdb_run(j->wdb, W_DEFER, "iii", j->id, (int64_t)now,
		    (int64_t)after);
		log_debug("outbox %lld: SMS waits for the quiet hours to end",
		    (long long)j->id);
		return (0);
	}
	if (!c->configured[j->w->channel]) {
		why = xprintf("%s is not configured (%s)", j->w->channel ==
		    CHANNEL_EMAIL ? "e-mail" : "SMS", j->w->channel ==
		    CHANNEL_EMAIL ? "smtp.host is empty" :
		    "sms.driver is none");
		wdb_run(j->wdb, W_FAILED, "iit", j->id, (int64_t)now, why);
		free(why);
		return (0);
	}
	return (1);
}

/*
 * smtp_send()'s report of one message, right after the server's answer:
 * recorded here and now, which gives back the seal. (Handing it to a
 * thread of its own cost a wake-up, ~110 us, inside the seal, and gained
 * nothing, as the next message's end waits for the seal anyway.)
 */
static void
job_smtp_done(struct smtp_message *sm, void *arg)
{
	job_record(arg, sm->result, NULL, sm->error != NULL ? sm->error :
	    "the server refused the message");
}

/* The end of the mail is about to go: from now on the server may take
 * it, so it holds the seal until its outcome is recorded. */
static void
job_smtp_seal(struct smtp_message *sm, void *arg)
{
	struct job	*j = arg;

	(void)sm;
	seal_take(j->w->s, j);
}

static void
job_build_mail(struct job *j, struct mail_builder *mb)
{
	struct sender_conf	*c = j->c;
	struct mail		 mail;

	j->message_id = xprintf("<outbox.%lld.%lld@%s>", (long long)j->id,
	    (long long)j->created, c->domain);
	memset(&mail, 0, sizeof mail);
	mail.from = c->from;
	mail.from_name = c->from_name;
	mail.reply_to = *c->reply_to != '\0' ? c->reply_to : NULL;
	mail.to = j->m.recipient;
	mail.to_name = j->m.name;
	mail.subject = j->m.subject;
	mail.body = j->m.body;
	mail.lang = j->m.english ? "en" : "da";
	mail.html = c->html;
	mail.calendar = j->m.calendar;
	mail.calendar_method = j->m.method;
	mail.message_id = j->message_id;
	mail.date = time(NULL);
	j->data = mail_builder_build(mb, &mail, &j->len);
	j->sm.from = c->from;
	j->sm.to = j->m.recipient;
	j->sm.data = j->data;
	j->sm.len = j->len;
	j->sm.done = job_smtp_done;
	j->sm.seal = job_smtp_seal;
	j->sm.arg = j;
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

/* Claims and composes a batch on db; NULL when nothing is due. */
static struct batch *
batch_prepare(struct worker *w, struct wdb *db, struct sender_conf *c)
{
	struct batch	*bt;
	struct job	*jobs = NULL, *j;
	time_t		 now;
	size_t		 n, i, k;

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
	wdb_begin(db);
	for (i = 0; i < n; i++) {
		j = &jobs[i];
		if (j->ready)
			wdb_run(db, W_TEXTS, "ittt", j->id, j->m.subject,
			    j->m.body, j->m.calendar);
	}
	wdb_commit(db);
	if (w->channel != CHANNEL_EMAIL)
		return (bt);

	/*
	 * The mails, by the connection's builder: the parts a session's
	 * mails share are made once, each person's put in (mail.c). This
	 * runs beside the sending of the batch before (worker_rounds()).
	 */
	if (db->mb == NULL)
		db->mb = mail_builder_new();
	bt->msgs = xcalloc(n, sizeof *bt->msgs);
	for (i = k = 0; i < n; i++) {
		if (!jobs[i].ready)
			continue;
		job_build_mail(&jobs[i], db->mb);
		bt->msgs[k++] = jobs[i].sm;
	}
	bt->nmsgs = k;
	return (bt);
}

/* Sends a batch (one SMTP connection for its mails), records each
 * outcome as it comes, and frees it; the number of rows it had. */
static size_t
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
	worker_settle(bt->db);
	for (i = 0; i < n; i++)
		job_free(&bt->jobs[i]);
	free(bt->jobs);
	pthread_mutex_lock(&bt->w->s->mtx);
	bt->w->s->in_flight -= (int)n;
	pthread_mutex_unlock(&bt->w->s->mtx);
	free(bt);
	return (n);
}

/* The next batch, prepared on its own thread while one is sent. */
struct ahead {
	struct worker		*w;
	struct wdb		*db;
	struct sender_conf	*c;
	struct batch		*out;
};

static void *
ahead_main(void *arg)
{
	struct ahead	*a = arg;

	a->out = batch_prepare(a->w, a->db, a->c);
	return (NULL);
}

/*
 * Sends what is due, batch after batch, each next one claimed, composed
 * and built (on db[1 - i]) while the one before is sent (its outcomes
 * recorded on db[i]), so the server seldom waits for kursusd. Stops when
 * nothing more is due, at a stop, or when the settings changed (the
 * caller comes back with the new ones). The number of rows it had.
 */
static size_t
worker_rounds(struct worker *w, struct wdb *db, struct sender_conf *c)
{
	struct sender	*s = w->s;
	struct batch	*cur;
	struct ahead	 a;
	pthread_t	 t;
	size_t		 total = 0;
	int		 i = 0, more, started;

	cur = batch_prepare(w, &db[0], c);
	while (cur != NULL) {
		pthread_mutex_lock(&s->mtx);
		more = !s->stopping && s->conf == c;
		pthread_mutex_unlock(&s->mtx);
		a.w = w;
		a.db = &db[1 - i];
		a.c = c;
		a.out = NULL;
		started = more && pthread_create(&t, NULL, ahead_main,
		    &a) == 0;
		total += batch_send(cur, c);
		if (started)
			pthread_join(t, NULL);
		else if (more)
			a.out = batch_prepare(w, a.db, c);
		cur = a.out;
		i = 1 - i;
	}
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
 * A worker holds its two connections only while it has work: they are
 * opened when it is woken and closed once it has waited WORKER_IDLE
 * seconds for more, its memory given back (about 1 MB a worker, of a
 * daemon that stays under 30 MB when idle: issue 9).
 */
#define WORKER_IDLE	2

static int
worker_open(struct sender *s, struct wdb *db, struct sentlog *log)
{
	char	*cause = NULL;

	memset(db, 0, 2 * sizeof *db);
	if (wdb_open(s->database, &s->wlock, &db[0], &cause) == 0) {
		if (wdb_open(s->database, &s->wlock, &db[1], &cause) == 0) {
			db[0].log = db[1].log = log;
			return (0);
		}
		wdb_close(&db[0]);
	}
	log_warnx("outbox worker: %s", cause);
	free(cause);
	memset(db, 0, 2 * sizeof *db);
	return (-1);
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
	struct sentlog		 log;
	uint64_t		 seen, looked = 0;
	time_t			 last_probe = 0, now, at, idle_at;
	int			 probe, open = 0, idle;

	memset(db, 0, sizeof db);
	sentlog_init(&log, s->database, (int)(w - s->workers));
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
		if (!open && (seen != looked || log.retry != 0))
			open = worker_open(s, db, &log) == 0;
		looked = seen;
		/* Outcomes a settle failed to settle: again when due. */
		if (open && log.retry != 0 && time(NULL) >= log.retry_at)
			worker_settle(&db[0]);
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
			if (log.retry != 0 && (at == 0 || log.retry_at < at))
				at = log.retry_at;
			/* Idle long enough: the connections go. */
			idle = idle_at != 0 && log.retry == 0 &&
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
	if (log.retry != 0 && !open)
		open = worker_open(s, db, &log) == 0;
	if (log.retry != 0 && open)
		worker_settle(&db[0]);
	if (open)
		worker_close(db);
	sentlog_close(&log);
	pthread_mutex_lock(&s->mtx);
	s->running--;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->mtx);
	return (NULL);
}

