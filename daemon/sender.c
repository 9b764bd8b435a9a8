/*
 * The sender: takes due rows from the outbox and sends them, never on the
 * event loop.
 *
 * The loop keeps one timer, armed for the earliest next_attempt of a
 * pending row (one index lookup, done after every commit that may have
 * queued something and after every round of the workers). When it fires,
 * the workers of the channels with rows due are woken (and the timer
 * armed for the next row, should the others' come due while these are
 * busy). A worker has two SQLite
 * connections of its own, used in turn: on one it claims a batch of due rows (pending -> sending, one short
 * transaction), composes each message as the session is now and writes the
 * texts into the rows (a second), sends them (libesmtp: one connection per
 * batch; libcurl: one request per SMS), and records each outcome as soon
 * as the server has answered (a message it took: a line in that
 * connection's sent log, sentlog.c; any other: its own commit), settled
 * into the rows when the batch is done, while the next goes on the other.
 *
 * The seal: a message the server may have taken but whose outcome is not
 * yet recorded holds it, from the moment the end of its data goes (for an
 * SMS: its whole request) until its outcome is recorded (a line in a
 * sent log, sentlog.c, or a commit); all connections
 * of all channels take turns with it. A crash therefore repeats at most
 * one message: at start, rows left "sending" are sent again. It never
 * loses one: a row leaves "pending" only in the commit that claims it. At
 * most [outbox] max_in_flight rows are "sending" at once. Rows a batch
 * left "sending" while kursusd runs (their update and the outcome
 * recorded instead both failed) are taken back by a sweep once the
 * database takes writes again (sender_sweep()), by the start's code.
 *
 * Outcomes: delivered -> sent. Temporary (SMTP 4xx, no connection, a
 * timeout, gateway 5xx or 429) -> pending again after a backoff that
 * doubles from [outbox] retry_seconds up to retry_max_seconds, until the
 * session starts or expire_hours have passed since it was due: then
 * failed. Permanent (SMTP 5xx, a number the gateway refuses) -> failed.
 * A failed row puts its person on the session's call list. A message
 * whose session has started by the time it would go is skipped, with the
 * reason; an SMS that would go in the quiet hours waits for their end if
 * that is still before the session, else goes now.
 *
 * Workers tell the loop they are done through a pipe, so the loop needs
 * no locking of its own (libevent is not set up for threads).
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "random.h"
#include "sender.h"

const char *const sender_channel_names[SENDER_CHANNELS] = { "email", "sms" };

/* --- settings */

static void
sender_conf_unref(struct sender_conf *c)
{
	if (c == NULL || --c->refs > 0)
		return;
	free(c->smtp_host);
	free(c->smtp_user);
	free(c->smtp_password);
	free(c->from);
	free(c->from_name);
	free(c->reply_to);
	free(c->domain);
	free(c->sms_url);
	free(c->sms_user);
	free(c->sms_password);
	free(c->sms_sender);
	free(c->sms_header);
	free(c->sms_body);
	free(c->public_url);
	free(c->library);
	free(c->library_phone);
	free(c->library_email);
	free(c->library_url);
	free(c->signature);
	free(c);
}

/*
 * A password from its file: the first line. A file others may read is
 * used, with a warning: refusing it would stop every reminder.
 */
static int
sender_password(const char *key, const char *path, char **out, char **cause)
{
	struct stat	 sb;
	char		 buf[1024];
	ssize_t		 n;
	int		 fd;

	*out = NULL;
	if (path == NULL || *path == '\0')
		return (0);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		xasprintf(cause, "%s: %s: %s", key, path, strerror(errno));
		return (-1);
	}
	if (fstat(fd, &sb) == 0 && (sb.st_mode & 0077) != 0)
		log_warnx("%s: %s can be read by others than its owner; "
		    "chmod 0600 it", key, path);
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n < 0) {
		xasprintf(cause, "%s: %s: %s", key, path, strerror(errno));
		return (-1);
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (*buf == '\0') {
		xasprintf(cause, "%s: %s is empty", key, path);
		return (-1);
	}
	*out = xstrdup(buf);
	explicit_bzero(buf, sizeof buf);
	return (0);
}

static struct sender_conf *
sender_conf_new(const struct config *conf, char **cause)
{
	struct sender_conf	*c = xcalloc(1, sizeof *c);
	const char		*at;

	c->refs = 1;
	if (sender_password("smtp.password_file", conf->smtp_password_file,
	    &c->smtp_password, cause) != 0 ||
	    sender_password("sms.password_file", conf->sms_password_file,
	    &c->sms_password, cause) != 0) {
		sender_conf_unref(c);
		return (NULL);
	}
	c->smtp_host = xstrdup(conf->smtp_host);
	c->smtp_user = xstrdup(conf->smtp_user);
	c->from = xstrdup(conf->smtp_from);
	c->from_name = xstrdup(conf->smtp_from_name);
	c->reply_to = xstrdup(conf->smtp_reply_to);
	at = strrchr(conf->smtp_from, '@');
	c->domain = xstrdup(at != NULL && at[1] != '\0' ? at + 1 :
	    "kursusd.invalid");
	c->smtp.host = c->smtp_host;
	c->smtp.port = conf->smtp_port;
	c->smtp.starttls = conf->smtp_starttls;
	c->smtp.user = *c->smtp_user != '\0' ? c->smtp_user : NULL;
	c->smtp.password = c->smtp_password;
	c->smtp.timeout = conf->smtp_timeout;
	c->configured[CHANNEL_EMAIL] = *c->smtp_host != '\0';
	/*
	 * Without a server there are no connections to send on: one worker
	 * fails the rows (and skips those it would skip), and the others
	 * come when a reload names a server (sender_spawn()). Each holds a
	 * database connection while it works (issue 9: < 30 MB).
	 */
	c->workers[CHANNEL_EMAIL] = c->configured[CHANNEL_EMAIL] ?
	    conf->smtp_connections : 1;
	c->batch[CHANNEL_EMAIL] = conf->smtp_batch;

	c->sms_url = xstrdup(conf->sms_url);
	c->sms_user = xstrdup(conf->sms_user);
	c->sms_sender = xstrdup(conf->sms_sender);
	c->sms_header = xstrdup(conf->sms_header);
	c->sms_body = xstrdup(conf->sms_body);
	c->sms.driver = conf->sms_driver;
	c->sms.url = c->sms_url;
	c->sms.user = c->sms_user;
	c->sms.password = c->sms_password;
	c->sms.sender = c->sms_sender;
	c->sms.header = *c->sms_header != '\0' ? c->sms_header : NULL;
	c->sms.body = c->sms_body;
	c->sms.timeout = conf->sms_timeout;
	c->configured[CHANNEL_SMS] = conf->sms_driver != SMS_NONE;
	/* An SMS holds the seal for its whole request: one at a time. */
	c->workers[CHANNEL_SMS] = 1;
	c->batch[CHANNEL_SMS] = SENDER_SMS_BATCH;

	c->public_url = xstrdup(conf->public_url);
	c->mconf.public_url = c->public_url;
	c->mconf.from = c->from;
	c->mconf.from_name = c->from_name;
	c->library = xstrdup(conf->library_name);
	c->library_phone = xstrdup(conf->library_phone);
	c->library_email = xstrdup(conf->library_email);
	c->library_url = xstrdup(conf->library_url);
	c->signature = xstrdup(conf->library_signature);
	c->mconf.library = c->library;
	c->mconf.library_phone = c->library_phone;
	c->mconf.library_email = c->library_email;
	c->mconf.library_url = c->library_url;
	c->mconf.signature = c->signature;
	c->html = conf->smtp_html;
	reminder_spacing_set(&c->spacing, conf);
	(void)quiet_hours_parse(conf->reminders_quiet_hours, &c->quiet, NULL);
	c->max_in_flight = conf->outbox_max_in_flight;
	c->retry = conf->outbox_retry_seconds;
	c->retry_max = conf->outbox_retry_max_seconds;
	c->expire = conf->outbox_expire_hours * 3600;
	c->probe = conf->outbox_probe_seconds;
	return (c);
}

struct sender_conf *
sender_conf_get(struct sender *s)
{
	struct sender_conf	*c;

	pthread_mutex_lock(&s->mtx);
	c = s->conf;
	c->refs++;
	pthread_mutex_unlock(&s->mtx);
	return (c);
}

void
sender_conf_put(struct sender *s, struct sender_conf *c)
{
	pthread_mutex_lock(&s->mtx);
	sender_conf_unref(c);
	pthread_mutex_unlock(&s->mtx);
}

/* --- the servers' health */

/*
 * The status code an error names ("RCPT: 550 ...", "HTTP 400: ..."), as
 * "550" or "HTTP 400", or "" when it names none. What follows the code is
 * the server's own text, which may quote the address or the message: it
 * goes to the outbox row and the debug log, not to the default log.
 */
void
sender_error_code(const char *error, char *buf, size_t len)
{
	const char	*p;
	size_t		 n;

	*buf = '\0';
	if (error == NULL)
		return;
	if (strncmp(error, "HTTP ", 5) == 0 &&
	    (n = strspn(error + 5, "0123456789")) > 0 && n < 4) {
		snprintf(buf, len, "HTTP %.*s", (int)n, error + 5);
		return;
	}
	/* SMTP: "STAGE: CODE text", the stage a word such as RCPT. */
	if ((p = strstr(error, ": ")) != NULL && p - error <= 8 &&
	    strspn(p + 2, "0123456789") == 3 && (p[5] == ' ' || p[5] == '\0'))
		snprintf(buf, len, "%.*s %.3s", (int)(p - error), error, p + 2);
}

/*
 * What a server's error may say in the log: its status code ("MAIL FROM
 * 501", "HTTP 500"), or a connection's error, which names no person. The
 * server's own words may quote an address or a message's text.
 */
static void
sender_error_brief(const char *error, char *buf, size_t len)
{
	sender_error_code(error, buf, len);
	if (*buf == '\0')
		snprintf(buf, len, "%s", error != NULL ? error : "?");
}

/*
 * The probe's finding: the server answers or not. Said in the log when it
 * changes, unless messages already wait for the server (said then).
 */
void
sender_health_set(struct sender *s, int channel, int ok, const char *error)
{
	struct sender_health	*h = &s->health[channel];
	char			 brief[256];
	int			 was;

	pthread_mutex_lock(&s->mtx);
	was = !h->known || h->ok;
	h->known = 1;
	h->ok = ok;
	h->checked = time(NULL);
	free(h->error);
	h->error = xstrdupnull(error);
	if (!h->fault && was && !ok) {
		sender_error_brief(error, brief, sizeof brief);
		log_warnx("%s: the server does not answer (%s)",
		    sender_channel_names[channel], brief);
	} else if (!h->fault && !was && ok)
		log_info("%s: the server answers again", sender_channel_names[channel]);
	pthread_mutex_unlock(&s->mtx);
}

/*
 * A message's outcome says whether the server, or the settings, refuse
 * every message (fault 1, with why) or take them on their merits (0).
 * Said in the log once per such outage.
 */
void
sender_fault_set(struct sender *s, int channel, int fault, const char *error)
{
	struct sender_health	*h = &s->health[channel];
	char			 brief[256];

	pthread_mutex_lock(&s->mtx);
	if (fault && !h->fault) {
		h->fault = 1;
		h->fault_since = time(NULL);
		sender_error_brief(error, brief, sizeof brief);
		log_warnx("%s: messages wait: the server or the settings refuse "
		    "them (%s); see kursusctl status", sender_channel_names[channel],
		    brief);
	} else if (!fault && h->fault) {
		h->fault = 0;
		log_info("%s: the server takes messages again; sending goes on",
		    sender_channel_names[channel]);
	}
	if (fault) {
		free(h->fault_error);
		h->fault_error = xstrdupnull(error);
	}
	pthread_mutex_unlock(&s->mtx);
}

/* --- the loop's side */

/* Arms the timer for the earliest pending row due after after. */
static void
sender_arm_after(struct sender *s, int64_t after)
{
	sqlite3_stmt	*stmt = s->next_stmt;
	struct timeval	 tv;
	time_t		 now = time(NULL), next = -1;

	sqlite3_bind_int64(stmt, 1, after);
	if (sqlite3_step(stmt) == SQLITE_ROW &&
	    sqlite3_column_type(stmt, 0) != SQLITE_NULL)
		next = (time_t)sqlite3_column_int64(stmt, 0);
	sqlite3_reset(stmt);
	if (next < 0) {
		evtimer_del(s->timer);
		return;
	}
	tv.tv_sec = next > now ? next - now : 0;
	tv.tv_usec = 0;
	/* Due, but the last wake found nothing to claim: not yet committed
	 * (the loop sees its own open batch), or the workers are busy. */
	if (tv.tv_sec == 0 && s->idle_round)
		tv.tv_usec = SENDER_IDLE_RETRY_MS * 1000;
	evtimer_add(s->timer, &tv);
}

/* Arms the timer for the earliest pending row. */
static void
sender_arm(struct sender *s)
{
	sender_arm_after(s, INT64_MIN);
}

/*
 * Which channels have rows due now: the first SENDER_DUE_PEEK of them
 * (by the index of pending rows, so never more than that is read); all
 * channels when there are more, or the rows cannot be read. A worker
 * woken for nothing opens a connection (its schema and statements, ~0.6
 * MB, held for WORKER_IDLE seconds): with reminders coming due one by
 * one, the e-mail workers held theirs all the time for the SMS (issue 9).
 */
static void
sender_due(struct sender *s, time_t now, int due[SENDER_CHANNELS])
{
	sqlite3_stmt	*stmt = s->due_stmt;
	const char	*ch;
	int		 i, n = 0, rc;

	for (i = 0; i < SENDER_CHANNELS; i++)
		due[i] = 0;
	sqlite3_bind_int64(stmt, 1, (int64_t)now);
	sqlite3_bind_int(stmt, 2, SENDER_DUE_PEEK);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		n++;
		if ((ch = (const char *)sqlite3_column_text(stmt, 0)) == NULL)
			continue;
		for (i = 0; i < SENDER_CHANNELS; i++)
			if (strcmp(ch, sender_channel_names[i]) == 0)
				due[i] = 1;
	}
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE || n >= SENDER_DUE_PEEK)
		for (i = 0; i < SENDER_CHANNELS; i++)
			due[i] = 1;
}

static void
sender_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sender	*s = arg;
	time_t		 now = time(NULL);
	int		 i, due[SENDER_CHANNELS], kicked = 0;

	(void)fd;
	(void)what;
	sender_due(s, now, due);
	pthread_mutex_lock(&s->mtx);
	for (i = 0; i < SENDER_CHANNELS; i++) {
		if (due[i]) {
			s->kick[i]++;
			kicked++;
		}
	}
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->mtx);
	s->idle_round = 1;
	/*
	 * A worker that is done says so, and the timer is armed again then.
	 * Nothing due after all (claimed meanwhile): no worker will say it,
	 * so the timer is armed here for the next. A channel not woken has
	 * no worker to say it either, and those woken may be busy a long
	 * while (a slow server, a backlog): the timer is armed here for the
	 * next row to come due, which may be the other channel's.
	 */
	if (kicked == 0)
		sender_arm(s);
	else if (kicked < SENDER_CHANNELS)
		sender_arm_after(s, (int64_t)now);
}

static void
sender_wake_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sender	*s = arg;
	char		 buf[256];

	(void)what;
	while (read(fd, buf, sizeof buf) > 0)
		;
	sender_arm(s);
}

static void
sender_kicked_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sender	*s = arg;

	(void)fd;
	(void)what;
	s->idle_round = 0;
	sender_arm(s);
}

/*
 * New rows may be due: the timer is armed for the earliest, once the
 * loop has nothing more urgent (the lowest priority). A group commit's
 * answers go first: the query (a read transaction of the sender's
 * connection) held all of them ~20 us, 2 % of the loop's time at 8
 * clients registering (issue 9), and now runs while the clients send
 * their next requests. Should requests never leave the loop a turn for
 * the lowest priority (a flood), the timer, at the default priority,
 * looks within SENDER_KICK_MS anyway (sender_timer_cb()).
 */
void
sender_kick(struct sender *s)
{
	struct timeval	 when, now, soon = { 0, SENDER_KICK_MS * 1000 };

	if (s == NULL)
		return;
	event_active(s->kicked, EV_TIMEOUT, 0);
	event_base_gettimeofday_cached(s->base, &now);
	timeradd(&now, &soon, &now);
	if (!evtimer_pending(s->timer, &when) || timercmp(&when, &now, >))
		evtimer_add(s->timer, &soon);
}

/*
 * Rows a stopped kursusd left "sending": those whose outcome was recorded
 * (in outbox_outcome or a worker's sent log) get it; the others may have
 * gone: send them again.
 */
static int
sender_recover(const char *database, char **cause)
{
	sqlite3	*db;
	char	*why = NULL;
	int	 n = 0, rc = 0;

	/*
	 * One transaction: settled and reset, or neither; committed durably
	 * (synchronous FULL) before the sent logs are removed, so that no
	 * power loss can undo the one and keep the other.
	 */
	if (store_connect(database, STORE_DURABLE, SENDER_BUSY_MS, &db,
	    cause) != 0)
		return (-1);
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK || sentlog_recover(db, database, &why) != 0 ||
	    wdb_take_back(db, "", "", &n) != 0 ||
	    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		if (why != NULL)
			*cause = why;
		else
			xasprintf(cause, "%s: %s", database,
			    sqlite3_errmsg(db));
		rc = -1;
	} else {
		/* Settled and on the disk: the sent logs are done with. */
		sentlog_remove(database);
		if (n > 0)
			log_warnx("outbox: %d message%s %s being sent when "
			    "kursusd stopped; sending again (a person may get "
			    "one twice)", n, n == 1 ? "" : "s", n == 1 ?
			    "was" : "were");
	}
	sqlite3_close(db);
	return (rc);
}

/* --- rows left "sending" while kursusd runs */

static void
sender_list_add(int64_t **list, size_t *n, size_t *size, int64_t v)
{
	if (*n == *size) {
		*size = *size == 0 ? 8 : *size * 2;
		*list = xreallocarray(*list, *size, sizeof **list);
	}
	(*list)[(*n)++] = v;
}

/* Appends a list to b, comma-separated. */
static void
sender_list_text(struct buf *b, const int64_t *list, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		buf_addf(b, "%s%lld", b->len > 0 ? "," : "",
		    (long long)list[i]);
}

void
sender_hold(struct sender *s, int64_t claim)
{
	sender_list_add(&s->live, &s->nlive, &s->live_size, claim);
}

void
sender_release(struct sender *s, int64_t claim)
{
	size_t	 i;

	for (i = 0; i < s->nlive; i++) {
		if (s->live[i] == claim) {
			s->live[i] = s->live[--s->nlive];
			return;
		}
	}
}

void
sender_keep(struct sender *s, int64_t id)
{
	pthread_mutex_lock(&s->mtx);
	sender_list_add(&s->kept, &s->nkept, &s->kept_size, id);
	pthread_mutex_unlock(&s->mtx);
	log_warnx("outbox %lld: sent, but that could not be recorded: left "
	    "\"sending\" until the next start", (long long)id);
}

void
sender_left(struct sentlog *l, int64_t id, const char *ids)
{
	char	 one[24];

	l->sweep = 1;
	if (ids == NULL) {
		(void)snprintf(one, sizeof one, "%lld", (long long)id);
		ids = one;
	}
	log_warnx("outbox %s: left \"sending\" until the database takes "
	    "writes again", ids);
}

/*
 * The sweep: takes back the rows left "sending" (their update and the
 * outcome recorded instead both failed: the database locked by another,
 * the disk full) after a settle on db succeeded, as the start-up does
 * (sender_recover(), wdb_take_back()), but for the rows something still
 * holds: those of the batches under way (their claims), those a sent log
 * says went (their lines wait for a settle that failed), and those the
 * server took that could not be recorded (sender_keep()). So a crash
 * still repeats at most one message, and a message that may have gone
 * is never sent again by the sweep. A failure is tried again on the sent
 * log's timer.
 */
void
sender_sweep(struct sender *s, struct wdb *db)
{
	struct buf	 claims = BUF_INIT, ids = BUF_INIT;
	char		*cause = NULL;
	int		 n = 0, ok;

	if (!db->log->sweep)
		return;
	if ((ok = wdb_begin(db) == 0)) {
		/* Under the workers' write lock: no claim commits, and no
		 * sent log is settled or emptied, until this is done. */
		pthread_mutex_lock(&s->mtx);
		sender_list_text(&claims, s->live, s->nlive);
		sender_list_text(&ids, s->kept, s->nkept);
		pthread_mutex_unlock(&s->mtx);
		if (sentlog_claims(s->database, &claims, &cause) != 0 ||
		    wdb_take_back(db->db, claims.len > 0 ? claims.data : "",
		    ids.len > 0 ? ids.data : "", &n) != 0) {
			if (cause == NULL)
				cause = xstrdup(sqlite3_errmsg(db->db));
			ok = 0;
		}
		ok = wdb_end(db, ok) == 0;
	}
	buf_free(&claims);
	buf_free(&ids);
	if (!ok) {
		if (cause != NULL)
			log_warnx("outbox: taking back messages left "
			    "\"sending\": %s", cause);
		free(cause);
		sentlog_failed(db->log, 1, time(NULL));
		return;
	}
	db->log->sweep = 0;
	sentlog_failed(db->log, 0, time(NULL));
	if (n > 0)
		log_info("outbox: %d message%s left \"sending\" taken back; "
		    "sending again", n, n == 1 ? "" : "s");
}

static int
sender_spawn(struct sender *s)
{
	struct worker	*w;
	int		 ch, i, n;

	for (ch = 0; ch < SENDER_CHANNELS; ch++) {
		/* Those the channel has already go on working. */
		for (i = n = 0; n < s->nworkers; n++)
			if (s->workers[n].channel == ch)
				i++;
		for (n = s->conf->workers[ch]; i < n &&
		    s->nworkers < SENDER_MAX_WORKERS; i++) {
			w = &s->workers[s->nworkers];
			w->s = s;
			w->channel = ch;
			w->index = i;
			w->second_failing = 0;
			pthread_mutex_lock(&s->mtx);
			s->running++;
			pthread_mutex_unlock(&s->mtx);
			if (pthread_create(&w->thread, NULL, worker_main,
			    w) != 0) {
				pthread_mutex_lock(&s->mtx);
				s->running--;
				pthread_mutex_unlock(&s->mtx);
				return (-1);
			}
			w->started = 1;
			s->nworkers++;
		}
	}
	return (0);
}

struct sender *
sender_start(struct event_base *base, const char *database,
    const struct config *conf, char **cause)
{
	static const char *sql_next = "SELECT min(next_attempt) FROM outbox "
	    "WHERE state = 'pending' AND next_attempt > ?1";
	static const char *sql_due = "SELECT channel FROM outbox WHERE "
	    "state = 'pending' AND next_attempt <= ?1 ORDER BY next_attempt "
	    "LIMIT ?2";
	struct sender	*s;

	if (sender_recover(database, cause) != 0)
		return (NULL);
	s = xcalloc(1, sizeof *s);
	s->base = base;
	s->database = xstrdup(database);
	s->pipe[0] = s->pipe[1] = -1;
	/* Claims (sentlog.c) from a number no other start or database drew,
	 * with room to count up. */
	random_bytes(&s->claim, sizeof s->claim);
	s->claim &= INT64_MAX >> 1;
	pthread_mutex_init(&s->mtx, NULL);
	pthread_cond_init(&s->cond, NULL);
	pthread_mutex_init(&s->wlock, NULL);
	pthread_mutex_init(&s->seal_mtx, NULL);
	if ((s->conf = sender_conf_new(conf, cause)) == NULL)
		goto fail;
	if (store_connect(database, STORE_READ, 0, &s->db, cause) != 0)
		goto fail;
	if (sqlite3_prepare_v3(s->db, sql_next, -1,
	    SQLITE_PREPARE_PERSISTENT, &s->next_stmt, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(s->db, sql_due, -1, SQLITE_PREPARE_PERSISTENT,
	    &s->due_stmt, NULL) != SQLITE_OK) {
		xasprintf(cause, "%s: %s", database, sqlite3_errmsg(s->db));
		goto fail;
	}
	if (pipe2(s->pipe, O_NONBLOCK | O_CLOEXEC) != 0) {
		xasprintf(cause, "pipe: %s", strerror(errno));
		goto fail;
	}
	s->timer = evtimer_new(base, sender_timer_cb, s);
	s->wake = event_new(base, s->pipe[0], EV_READ | EV_PERSIST,
	    sender_wake_cb, s);
	event_add(s->wake, NULL);
	s->kicked = event_new(base, -1, 0, sender_kicked_cb, s);
	event_priority_set(s->kicked, event_base_get_npriorities(base) - 1);
	/* The feed key that personal links in messages need: kursusd read
	 * it at start (token_init()). */
	if (sender_spawn(s) != 0) {
		xasprintf(cause, "cannot start the outbox workers: %s",
		    strerror(errno));
		goto fail;
	}
	sender_arm(s);
	return (s);
fail:
	sender_stop(s);
	return (NULL);
}

int
sender_configure(struct sender *s, const struct config *conf, char **cause)
{
	struct sender_conf	*c, *old;

	if ((c = sender_conf_new(conf, cause)) == NULL)
		return (-1);
	pthread_mutex_lock(&s->mtx);
	old = s->conf;
	s->conf = c;
	sender_conf_unref(old);
	/* The servers may be others now. */
	s->health[CHANNEL_EMAIL].known = s->health[CHANNEL_SMS].known = 0;
	pthread_mutex_unlock(&s->mtx);
	/* More connections than before: more workers (never fewer). */
	sender_spawn(s);
	sender_kick(s);
	return (0);
}

const struct message_conf *
sender_message_conf(struct sender *s)
{
	/* The loop's view: only the loop replaces s->conf. */
	return (&s->conf->mconf);
}

static json_t *
sender_channel_status(struct sender *s, int ch)
{
	struct sender_conf	*c = s->conf;
	struct sender_health	*h = &s->health[ch];
	const char		*state;
	char			*server, *checked = NULL;
	json_t			*j;

	if (!c->configured[ch])
		state = "not configured";
	else if (h->fault)
		state = "waiting";
	else if (!h->known)
		state = "unknown";
	else
		state = h->ok ? "ok" : "unreachable";
	if (ch == CHANNEL_EMAIL)
		server = *c->smtp_host != '\0' ? xprintf("%s:%d", c->smtp_host,
		    c->smtp.port) : NULL;
	else
		server = *c->sms_url != '\0' ? xstrdup(c->sms_url) : NULL;
	if (h->known)
		checked = zone_format_utc(h->checked);
	j = json_pack("{s:b, s:s, s:s?, s:s?, s:s?}", "configured",
	    c->configured[ch], "state", state, "checked_at", checked,
	    "error", h->fault ? h->fault_error : h->known && !h->ok ?
	    h->error : NULL, "server", server);
	if (h->fault) {
		free(checked);
		checked = zone_format_utc(h->fault_since);
		json_object_set_new(j, "waiting_since", json_string(checked));
	}
	free(server);
	free(checked);
	return (j);
}

json_t *
sender_status(struct sender *s)
{
	json_t	*j;

	if (s == NULL)
		return (json_object());
	pthread_mutex_lock(&s->mtx);
	j = json_pack("{s:o, s:o, s:i}", "email",
	    sender_channel_status(s, CHANNEL_EMAIL), "sms",
	    sender_channel_status(s, CHANNEL_SMS), "in_flight", s->in_flight);
	pthread_mutex_unlock(&s->mtx);
	return (j);
}

void
sender_stop(struct sender *s)
{
	struct timespec	 until;
	int		 i, left;

	if (s == NULL)
		return;
	pthread_mutex_lock(&s->mtx);
	s->stopping = 1;
	pthread_cond_broadcast(&s->cond);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += SENDER_STOP_WAIT;
	/* A batch under way finishes; a stalled server is not waited for
	 * past the limit (its rows stay "sending" and go again at start). */
	while (s->running > 0 && pthread_cond_timedwait(&s->cond, &s->mtx,
	    &until) != ETIMEDOUT)
		;
	left = s->running;
	pthread_mutex_unlock(&s->mtx);
	if (left > 0) {
		log_warnx("outbox: %d worker%s still waiting for a server; "
		    "not waiting longer", left, left == 1 ? "" : "s");
		return;	/* the process is ending: leave them be */
	}
	for (i = 0; i < s->nworkers; i++)
		if (s->workers[i].started)
			pthread_join(s->workers[i].thread, NULL);
	if (s->timer != NULL)
		event_free(s->timer);
	if (s->kicked != NULL)
		event_free(s->kicked);
	if (s->wake != NULL)
		event_free(s->wake);
	if (s->pipe[0] >= 0)
		close(s->pipe[0]);
	if (s->pipe[1] >= 0)
		close(s->pipe[1]);
	sqlite3_finalize(s->next_stmt);
	sqlite3_finalize(s->due_stmt);
	sqlite3_close(s->db);
	for (i = 0; i < SENDER_CHANNELS; i++) {
		free(s->health[i].error);
		free(s->health[i].fault_error);
	}
	sender_conf_unref(s->conf);
	free(s->live);
	free(s->kept);
	pthread_mutex_destroy(&s->mtx);
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->wlock);
	pthread_mutex_destroy(&s->seal_mtx);
	free(s->database);
	free(s);
}
