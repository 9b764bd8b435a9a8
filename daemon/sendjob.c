/*
 * One message of a worker's batch (worker.c, which claims the batch's
 * rows): composed as the session is now (or held back, deferred or
 * failed, with the reason), its mail built, and its outcome recorded
 * the moment the server has answered, inside the seal (sender.c): a
 * line in the connection's sent log for a message the server took, a
 * commit for any other.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sender.h"

void
job_free(struct job *j)
{
	free(j->recipient);
	json_decref(j->detail);
	message_clear(&j->m);
	free(j->data);
	free(j->message_id);
	free(j->sm.error);
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
 * batch is done (worker_settle()); -1 (logged) when it could not.
 */
static int
job_outcome(struct job *j, time_t now, const char *state, int give_back,
    time_t next, const char *error, const char *provider_id)
{
	return (wdb_run(j->wdb, W_OUTCOME, "iitintt", j->id, (int64_t)now,
	    state, (int64_t)give_back, (int64_t)next, error, provider_id));
}

/*
 * How long a row waits for what is not its fault (the server, the
 * database): the probe's interval, at most a minute; not an attempt.
 */
time_t
job_wait(struct sender_conf *c)
{
	time_t	 wait;

	wait = c->probe > 0 && c->probe < c->retry_max ? c->probe :
	    c->retry_max;
	return (wait > 60 ? 60 : wait);
}

/* Records one outcome (enum send_result) in its own commit; -1 when
 * neither that nor the sent log could take it. */
static int
job_record_row(struct job *j, int result, const char *provider_id,
    const char *error)
{
	struct sender_conf	*c = j->c;
	time_t			 now = time(NULL), wait, next;
	char			*why;
	int			 shift, rc = 0;

	switch (result) {
	case SEND_SERVER:
		/* Not this message's fault: it waits, not an attempt. */
		wait = job_wait(c);
		why = xprintf("waiting for the server: %s", error);
		rc = job_outcome(j, now, "pending", -1, now + wait, why, NULL);
		free(why);
		log_debug("outbox %lld: %s waits for the server: %s",
		    (long long)j->id, sender_channel_names[j->w->channel], error);
		return (rc);
	case SEND_OK:
		/* One line in the sent log; a commit if it cannot be. */
		if (provider_id != NULL || sentlog_add(j->wdb->log, j->id,
		    j->attempts, j->claim, now) != 0)
			rc = job_outcome(j, now, "sent", 0, 0, NULL,
			    provider_id);
		log_debug("outbox %lld: %s to %s sent", (long long)j->id,
		    sender_channel_names[j->w->channel], j->recipient);
		return (rc);
	case SEND_PERMANENT:
		rc = job_outcome(j, now, "failed", 0, 0, error, NULL);
		job_log_outcome(j, "failed", error, -1);
		return (rc);
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
		rc = job_outcome(j, now, "failed", 0, 0, why, NULL);
		job_log_outcome(j, "failed, given up", why, -1);
		free(why);
	} else {
		rc = job_outcome(j, now, "pending", 0, next, error, NULL);
		job_log_outcome(j, "not sent", error, (long long)wait);
	}
	return (rc);
}

/*
 * Records one outcome (enum send_result) in its own commit; then the
 * message no longer holds the seal, and the server's health is noted.
 * One that could not be recorded leaves the row "sending": one the
 * server took is kept so until the next start (a sweep must not send it
 * again), any other is taken back by the sweep.
 */
void
job_record(struct job *j, int result, const char *provider_id,
    const char *error)
{
	struct sender	*s = j->w->s;
	int		 rc;

	rc = job_record_row(j, result, provider_id, error);
	seal_give(s, j);
	if (rc != 0 && result == SEND_OK)
		sender_keep(s, j->id);
	else if (rc != 0)
		sender_left(j->wdb->log, j->id, NULL);
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
 * Settles a row the batch does not send, at once: q W_FAILED or W_SKIPPED
 * with why, or W_DEFER, pending again at next. Should that update fail,
 * the row is not left "sending" until the next start: its outcome is
 * recorded as a sent one's is, settled with the batch (and again on the
 * sent log's timer until that succeeds, worker_settle()). -1 when that
 * failed too: the row is left "sending" (the caller says so).
 */
int
job_settle_row(struct job *j, time_t now, int q, time_t next,
    const char *why)
{
	if ((q == W_DEFER ? wdb_run(j->wdb, q, "iii", j->id, (int64_t)now,
	    (int64_t)next) : wdb_run(j->wdb, q, "iit", j->id, (int64_t)now,
	    why)) == 0)
		return (0);
	return (job_outcome(j, now, q == W_FAILED ? "failed" : q ==
	    W_SKIPPED ? "skipped" : "pending", q == W_DEFER ? -1 : 0, next,
	    why, NULL));
}

/* job_settle_row(), saying when the row is left "sending". */
static void
job_settle(struct job *j, time_t now, int q, time_t next, const char *why)
{
	if (job_settle_row(j, now, q, next, why) != 0)
		sender_left(j->wdb->log, j->id, NULL);
}

/*
 * Composes the message as the session is now, or settles the row without
 * sending: skipped when the session has started or when it is a reminder
 * that would crowd the person, deferred out of quiet hours, failed when
 * it cannot be composed. 1: to send.
 */
int
job_prepare(struct job *j, time_t now)
{
	struct sender_conf	*c = j->c;
	char			*cause = NULL, *why, *when;
	time_t			 after;

	if (j->kind < 0 || message_compose(j->wdb->mc, j->kind,
	    j->w->channel, j->sid, j->pid, j->recipient, j->detail, &j->m,
	    &cause) != 0) {
		job_settle(j, now, W_FAILED, 0, cause != NULL ? cause :
		    "unknown kind of message");
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
		job_settle(j, now, W_SKIPPED, 0, why);
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
		job_settle(j, now, W_SKIPPED, 0, why);
		log_info("outbox %lld (participant %lld): reminder held back "
		    "by another message", (long long)j->id, (long long)j->pid);
		free(why);
		return (0);
	}
	if (j->w->channel == CHANNEL_SMS && quiet_in(&c->quiet, j->m.tzid,
	    now) && (after = quiet_after(&c->quiet, j->m.tzid, now)) <
	    j->m.session_start) {
		job_settle(j, now, W_DEFER, after, NULL);
		log_debug("outbox %lld: SMS waits for the quiet hours to end",
		    (long long)j->id);
		return (0);
	}
	if (!c->configured[j->w->channel]) {
		why = xprintf("%s is not configured (%s)", j->w->channel ==
		    CHANNEL_EMAIL ? "e-mail" : "SMS", j->w->channel ==
		    CHANNEL_EMAIL ? "smtp.host is empty" :
		    "sms.driver is none");
		job_settle(j, now, W_FAILED, 0, why);
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

void
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
