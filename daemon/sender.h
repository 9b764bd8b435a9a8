/*
 * The sender's own parts, for sender.c (the settings, the servers' health,
 * the loop's side) and worker.c (the threads that send) only.
 */
#ifndef SENDER_H
#define SENDER_H

#include <pthread.h>

#include "kursusd.h"
#include "notifier.h"

#define SENDER_CHANNELS		2	/* CHANNEL_EMAIL, CHANNEL_SMS */
#define SENDER_MAX_WORKERS	17	/* [smtp] connections (16) and one SMS */
#define SENDER_SMS_BATCH	8	/* SMS claimed at once per worker */
#define SENDER_IDLE_RETRY_MS	50	/* rows due but none claimable */
#define SENDER_KICK_MS		50	/* a kick looks by then at the latest */
#define SENDER_DUE_PEEK		64	/* due rows looked at for their channels */
#define SENDER_STOP_WAIT	10	/* seconds sender_stop() waits */
#define SENDER_BUSY_MS		10000	/* a worker waits for a lock */

extern const char *const sender_channel_names[SENDER_CHANNELS];


/*
 * The settings the workers use, read-only once made; a SIGHUP makes a new
 * one and the workers pick it up at their next batch.
 */
struct sender_conf {
	int			 refs;
	int			 configured[SENDER_CHANNELS];
	int			 workers[SENDER_CHANNELS];
	int			 batch[SENDER_CHANNELS];
	struct smtp_config	 smtp;
	struct sms_config	 sms;
	char			*smtp_host, *smtp_user, *smtp_password;
	char			*from, *from_name, *reply_to, *domain;
	char			*sms_url, *sms_user, *sms_password;
	char			*sms_sender, *sms_header, *sms_body;
	char			*public_url;
	char			*library, *library_phone, *library_email;
	char			*library_url, *signature;
	int			 html;		/* a text/html part too */
	struct message_conf	 mconf;
	struct quiet		 quiet;
	struct reminder_spacing	 spacing;
	int			 retry, retry_max, expire;
	int			 max_in_flight;
	int			 probe;
};

/*
 * What the status route shows of a channel's server: whether it answers
 * the probe, and whether messages wait because it, or the settings,
 * refuse them all (fault: set by a message's SEND_SERVER, cleared by the
 * next message the server takes or refuses on its own merits).
 */
struct sender_health {
	int	 known, ok;
	time_t	 checked;
	char	*error;
	int	 fault;
	time_t	 fault_since;
	char	*fault_error;
};

struct worker {
	struct sender	*s;
	int		 channel;
	int		 index;		/* among its channel's workers */
	pthread_t	 thread;
	int		 started;
	int		 second_failing; /* its second connection did not
					    open (worker_second()) */
};

struct sender {
	struct event_base	*base;
	char			*database;
	struct event		*timer;
	struct event		*wake;		/* the pipe's read end */
	struct event		*kicked;	/* sender_kick()'s, deferred */
	int			 pipe[2];

	pthread_mutex_t		 mtx;
	pthread_cond_t		 cond;
	pthread_mutex_t		 wlock;		/* the workers' writes */
	pthread_mutex_t		 seal_mtx;
	const struct job	*sealed;	/* holds the seal, under seal_mtx */
	struct seal_wait	*seal_waiting;	/* waiting for it, in turn */
	struct sender_conf	*conf;		/* under mtx */
	uint64_t		 kick[SENDER_CHANNELS];	/* under mtx */
	struct sender_health	 health[SENDER_CHANNELS]; /* under mtx */
	int			 in_flight;	/* under mtx */
	int64_t			 claim;		/* the next batch's, under mtx */
	int			 stopping;	/* under mtx */
	int			 running;	/* workers alive, under mtx */
	int			 idle_round;	/* loop: a wake claimed nothing */
	/*
	 * What a sweep of rows left "sending" (sender_sweep()) leaves alone,
	 * under mtx: the claims of the batches under way (from the claim's
	 * draw to the batch's settle), and the rows a server may have
	 * taken whose outcome could not be recorded (until the next start).
	 */
	int64_t			*live;
	size_t			 nlive, live_size;
	int64_t			*kept;
	size_t			 nkept, kept_size;

	sqlite3			*db;		/* the loop's reader */
	sqlite3_stmt		*next_stmt;
	sqlite3_stmt		*due_stmt;	/* the channels of rows due */
	struct worker		 workers[SENDER_MAX_WORKERS];
	int			 nworkers;
};

struct sentlog;
struct wdb;

/* sender.c */
/* The settings now, a reference the caller gives back. */
struct sender_conf *sender_conf_get(struct sender *);
void	 sender_conf_put(struct sender *, struct sender_conf *);
/* The probe's finding, and a message's word on the server's fault. */
void	 sender_health_set(struct sender *, int channel, int ok,
	    const char *error);
void	 sender_fault_set(struct sender *, int channel, int fault,
	    const char *error);
/* The status code an error names ("RCPT 550", "HTTP 400"), or "". */
void	 sender_error_code(const char *error, char *buf, size_t len);
/* A batch's claim is under way / done with (s->mtx held by the caller). */
void	 sender_hold(struct sender *, int64_t claim);
void	 sender_release(struct sender *, int64_t claim);
/* Row id went, but its outcome could not be recorded: no sweep takes it
 * back (said in the log). */
void	 sender_keep(struct sender *, int64_t id);
/* Row id (or the rows ids, comma-separated) was left "sending" by a batch
 * on l's connection: said in the log, taken back by sender_sweep(). */
void	 sender_left(struct sentlog *l, int64_t id, const char *ids);
/* Takes back what db's batches left "sending", if they left any. */
void	 sender_sweep(struct sender *, struct wdb *db);

/* sentlog.c */
#define SENTLOG_RETRY_MAX	60	/* seconds between tries to settle */
/* The sent logs a start may find: one per worker connection. */
#define SENTLOG_FILES		(2 * SENDER_MAX_WORKERS)
/* A worker connection's sent log (see sentlog.c): open on its first
 * line. */
struct sentlog {
	int	 fd;
	char	*path;
	int	 dirty;		/* holds lines not yet settled */
	int	 retry;		/* the last settle failed (0: it did not):
				   seconds to the next try, doubling */
	time_t	 retry_at;
	int	 sweep;		/* rows of its batches were left "sending":
				   take them back after its next settle */
};
char	*sentlog_path(const char *database, int n);
void	 sentlog_init(struct sentlog *, const char *database, int n);
/* Closes it; removed unless it holds lines still to settle. */
void	 sentlog_close(struct sentlog *);
/* Appends that outbox row id, claimed as claim at its attempts-th
 * attempt, was sent at at; -1 (logged) if it could not. */
int	 sentlog_add(struct sentlog *, int64_t id, int attempts,
	    int64_t claim, time_t at);
/* Its lines into outbox_outcome, in db's transaction; -1 logged. */
int	 sentlog_settle(struct sentlog *, sqlite3 *db);
/* Empties it, after the commit that settled its lines. */
void	 sentlog_clear(struct sentlog *);
/* Whether the last settle of the connection's outcomes failed; a
 * failure sets when to try again. */
void	 sentlog_failed(struct sentlog *, int failed, time_t now);
/* The earliest time to settle again of a worker's two logs; 0: none. */
time_t	 sentlog_retry_at(const struct sentlog l[2]);
/* Every sent log's lines into outbox_outcome, in db's transaction, at
 * start-up; sentlog_remove() after the durable commit. */
int	 sentlog_recover(sqlite3 *db, const char *database, char **cause);
/* Adds the claim of every line in every sent log to b, comma-separated
 * (the lines a settle has still to apply); -1 with why in *cause. */
int	 sentlog_claims(const char *database, struct buf *b, char **cause);
void	 sentlog_remove(const char *database);

/* seal.c */
/* Waits for the seal and takes it for j. */
void	 seal_take(struct sender *, const struct job *j);
/* Gives the seal back if j holds it: to the first waiter, if any. */
void	 seal_give(struct sender *, const struct job *j);

/* wdb.c: a worker's database connection */
enum { W_CLAIM, W_TEXTS, W_OUTCOME, W_FAILED, W_SKIPPED, W_DEFER, W_NEAR,
    W_COUNT };
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
	struct sentlog	*log;		/* its own (sentlog.c) */
};
/* Settles the outcomes in outbox_outcome into their outbox rows. */
extern const char *const worker_sql_settle;
int	 wdb_open(const char *path, pthread_mutex_t *wlock, struct wdb *,
	    char **cause);
void	 wdb_close(struct wdb *);
/* Runs statement q with "i" (int64_t), "n" (int64_t, 0 for NULL) and
 * "t" (text or NULL) arguments; -1 logged. */
int	 wdb_run(struct wdb *, int q, const char *types, ...);
/* A transaction under the workers' write lock; -1 (logged, no lock
 * held) when it could not begin. */
int	 wdb_begin(struct wdb *);
/* Commits it (ok) or rolls it back; -1 when it did not commit. */
int	 wdb_end(struct wdb *, int ok);
/* The sent log's lines and outbox_outcome's rows into their rows; -1
 * when that failed (tried again by the sent log's timer). */
int	 worker_settle(struct wdb *);
/*
 * In db's transaction: settles outbox_outcome's rows into theirs, then
 * takes back every row left "sending" but those of the claims and ids
 * listed (comma-separated, "" for none): pending again, due now, its
 * attempt given back. The number taken back in *n; -1 on an error.
 */
int	 wdb_take_back(sqlite3 *db, const char *claims, const char *ids,
	    int *n);

/* sendjob.c: one message of a batch */
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
void	 job_free(struct job *);
/* How long a row waits for what is not its fault; not an attempt. */
time_t	 job_wait(struct sender_conf *);
/* Composes j as its session is now; 1: to send; 0: settled otherwise. */
int	 job_prepare(struct job *, time_t now);
/* Builds j's mail with the connection's builder, ready for smtp_send(). */
void	 job_build_mail(struct job *, struct mail_builder *);
/* Records one outcome (enum send_result) and gives the seal back. */
void	 job_record(struct job *, int result, const char *provider_id,
	    const char *error);
/* Settles a row the batch does not send: q W_FAILED or W_SKIPPED with
 * why, or W_DEFER, pending again at next; -1 when it is left "sending". */
int	 job_settle_row(struct job *, time_t now, int q, time_t next,
	    const char *why);

/* worker.c */
/* A worker thread: sends its channel's due rows until the sender stops. */
void	*worker_main(void *);

#endif
