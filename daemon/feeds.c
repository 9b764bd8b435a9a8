/*
 * Feeds: iCalendar subscriptions served from memory.
 *
 * A feed is rendered once per change of what it shows and kept as bytes
 * (and, on first demand, gzip bytes), with a strong ETag. Whether it is
 * still right is known without the database as long as nothing has been
 * committed since it was checked (store_generation) and the check is
 * recent (sessions leave the window as time passes). Otherwise one
 * index query lists its sessions with their rev; if the list is the same,
 * the bytes stand. If not, the feed is assembled again from per-session
 * event texts, of which only the changed ones are rendered anew.
 *
 * Between two such listings ([feeds] recheck_seconds), a feed's list is patched
 * instead: the connection's update hook keeps the ids of the sessions
 * written (the journal), and only those are read again. The many events
 * of a cold feed are read and rendered on every core, each thread with a
 * read-only connection of its own.
 */
#include "config.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <zlib.h>

#include "calendars.h"
#include "kursusd.h"

#define CHUNK_BITS	14		/* 16384 buckets of event texts */
#define CHUNK_BUCKETS	(1 << CHUNK_BITS)
#define FEEDS_MAX	4096		/* feeds kept in memory */
#define CHUNK_IDLE	3600		/* unused event texts are dropped */
#define BULK_MISSING	32		/* this many missing: one bulk query */
#define BULK_THREADED	256		/* this many: render on every core */
#define BULK_PIECE	512		/* sessions to a bulk query */
#define FEEDS_THREADS	4
#define READER_BUSY_MS	5000		/* a renderer's connection waits */
#define JOURNAL_MAX	4096		/* session writes a patch can follow */
#define SPARE_MIN	(1024 * 1024)	/* feed bytes worth keeping memory for */

enum feed_kind { FEED_ALL, FEED_VENUE, FEED_COURSE, FEED_INSTRUCTOR,
    FEED_PARTICIPANT, FEED_EXPORT };

/* Variants of one session's event text. */
#define VAR_EN		0x1
#define VAR_WAITLIST	0x2
#define VAR_ALARM	0x4

struct blob {
	int	 refs;
	size_t	 len;
	size_t	 size;		/* allocated, at least len + 1 */
	char	*data;
};

struct chunk {
	int64_t		 id;
	int		 variant;
	int64_t		 rev;
	time_t		 used;
	char		*text;
	size_t		 len;
	struct chunk	*next;
};

struct feed {
	char		*path;		/* the URL path: the cache key */
	int		 kind;
	int64_t		 arg;		/* venue, course, instructor, person */
	int		 variant;	/* language and alarm */
	char		*name;
	uint64_t	 generation;
	time_t		 checked, used;
	time_t		 listed;	/* last full listing */
	time_t		 expires;	/* a session leaves it by time */
	uint64_t	 mark;		/* the journal's count then */
	size_t		 n;
	int64_t		*ids, *revs;	/* revs carry the waitlist bit */
	struct member	*rows;		/* and the rest of each session */
	struct blob	*plain, *gz;
	char		 etag[40], etag_gz[44];
	time_t		 last_modified;
	char		 last_modified_http[40];	/* its HTTP-date */
	char		*disposition;	/* Content-Disposition value */
	void		*head[2];	/* the public listener's, plain and gzip */
	struct feed	*next;
};

/* A renderer's own read-only connection (feeds_reader()). */
struct reader {
	sqlite3		*db;
	sqlite3_stmt	*stmt;		/* event_sql_many */
	int		 failed;
};

struct feeds {
	struct store	*st;
	int		 refresh_minutes, past_days, cancelled_days;
	int		 alarm_minutes;
	int		 recheck;	/* seconds a check stays good */
	char		*key_file;
	int		 have_key;
	char		*url;
	struct chunk	*chunks[CHUNK_BUCKETS];
	size_t		 nchunks;
	struct feed	*feeds;
	size_t		 nfeeds;
	time_t		 last_gc;
	size_t		 rendered;	/* event texts rendered, ever */
	int64_t		 journal[JOURNAL_MAX];	/* ids of sessions written */
	uint64_t	 njournal;	/* written ever; journal is a ring */
	char		*spare;		/* memory for the next large feed */
	size_t		 spare_size;
	time_t		 spare_time;
	struct reader	 readers[FEEDS_THREADS - 1];
};

/* What a feed keeps of each session beyond its id and rev. */
struct member {
	time_t		 start, end, updated;
	int64_t		 venue, course;
	int		 cancelled;
};

/* The sessions a feed shows, as one query lists them. */
struct members {
	size_t		 n, cap;
	int64_t		*ids, *revs;
	struct member	*rows;
	char		**tzids;	/* distinct zones */
	size_t		 ntz;
	time_t		 from, until, last_modified;
};

/* --- blobs: bytes shared by the cache and the replies still sending */

/* A blob owning data, which was allocated with malloc. */
struct blob *
blob_adopt(char *data, size_t len)
{
	struct blob	*b = xmalloc(sizeof *b);

	b->refs = 1;
	b->len = len;
	b->size = len + 1;
	b->data = data;
	return (b);
}

void
blob_unref(struct blob *b)
{
	if (b != NULL && --b->refs == 0) {
		free(b->data);
		free(b);
	}
}

struct blob *
blob_ref(struct blob *b)
{
	b->refs++;
	return (b);
}

const char *
blob_data(const struct blob *b)
{
	return (b->data);
}

size_t
blob_len(const struct blob *b)
{
	return (b->len);
}

/* --- set-up */

/*
 * SQLite calls this for each row written through the store's connection,
 * what triggers write included (a change of venue, course type or staff
 * raises the rev of their sessions). The ids of sessions go into the
 * journal, a ring: a feed patches its list from what was written since
 * it was listed, and lists again when more was. (A connection has one
 * update hook; this is it.)
 */
static void
feeds_hook(void *arg, int op, const char *db, const char *table,
    sqlite3_int64 rowid)
{
	struct feeds	*fs = arg;

	(void)op;
	(void)db;
	if (strcmp(table, "session") == 0)
		fs->journal[fs->njournal++ % JOURNAL_MAX] = rowid;
}

struct feeds *
feeds_new(struct store *st, const struct config *conf)
{
	struct feeds	*fs = xcalloc(1, sizeof *fs);

	fs->st = st;
	feeds_configure(fs, conf);
	sqlite3_update_hook(store_db(st), feeds_hook, fs);
	return (fs);
}

static void
feed_free(struct feed *f)
{
	free(f->disposition);
	free(f->path);
	free(f->name);
	free(f->ids);
	free(f->revs);
	free(f->rows);
	blob_unref(f->plain);
	blob_unref(f->gz);
	free(f->head[0]);
	free(f->head[1]);
	free(f);
}

static void
feeds_drop_all(struct feeds *fs)
{
	struct feed	*f, *fnext;
	struct chunk	*c, *cnext;
	size_t		 i;

	for (f = fs->feeds; f != NULL; f = fnext) {
		fnext = f->next;
		feed_free(f);
	}
	fs->feeds = NULL;
	fs->nfeeds = 0;
	for (i = 0; i < CHUNK_BUCKETS; i++) {
		for (c = fs->chunks[i]; c != NULL; c = cnext) {
			cnext = c->next;
			free(c->text);
			free(c);
		}
		fs->chunks[i] = NULL;
	}
	fs->nchunks = 0;
}

void
feeds_configure(struct feeds *fs, const struct config *conf)
{
	size_t	 len;

	/* Every setting shows in the bytes: start afresh. */
	feeds_drop_all(fs);
	fs->refresh_minutes = conf->feeds_refresh_minutes;
	fs->past_days = conf->feeds_past_days;
	fs->cancelled_days = conf->feeds_cancelled_days;
	fs->alarm_minutes = conf->feeds_alarm_minutes;
	fs->recheck = conf->feeds_recheck_seconds;
	free(fs->url);
	fs->url = xstrdup(conf->public_url);
	len = strlen(fs->url);
	while (len > 0 && fs->url[len - 1] == '/')
		fs->url[--len] = '\0';
	if (fs->key_file == NULL || strcmp(fs->key_file,
	    conf->feeds_key_file) != 0) {
		free(fs->key_file);
		fs->key_file = xstrdup(conf->feeds_key_file);
		fs->have_key = 0;
	}
}

void
feeds_free(struct feeds *fs)
{
	size_t	 i;

	if (fs == NULL)
		return;
	sqlite3_update_hook(store_db(fs->st), NULL, NULL);
	for (i = 0; i < FEEDS_THREADS - 1; i++) {
		sqlite3_finalize(fs->readers[i].stmt);
		sqlite3_close(fs->readers[i].db);
	}
	feeds_drop_all(fs);
	free(fs->spare);
	free(fs->key_file);
	free(fs->url);
	free(fs);
}

/* The token key is read when first needed: daemons that never publish a
 * personal feed never touch the file. */
static int
feeds_key(struct feeds *fs, struct fail *f)
{
	char	*cause = NULL;

	if (fs->have_key)
		return (0);
	if (token_init(fs->key_file, &cause) != 0) {
		log_warnx("feeds.key_file: %s", cause);
		fail_set(f, 500, NULL, "feeds.key_file: %s", cause);
		free(cause);
		return (-1);
	}
	fs->have_key = 1;
	return (0);
}

/* --- the queries */

/* Which sessions a feed shows: ?1 start after, ?2 cancelled after, ?3 arg. */
#define FEED_WINDOW \
	" s.start_at >= ?1 AND (s.status != 'cancelled' OR s.updated_at >= ?2)"
#define FEED_PERSON_JOIN \
	" JOIN registration r ON r.session_id = s.id AND r.participant_id = ?3" \
	" AND r.status != 'cancelled'"
/* Only the session's own columns: the feed index covers them all. */
#define FEED_MEMBER_COLS \
	"SELECT s.id, s.rev, s.venue_id, s.start_at, s.end_at, s.updated_at," \
	" s.course_id, s.status = 'cancelled',"
#define FEED_SESSION	" FROM session s"
#define FEED_ORDER	" ORDER BY s.start_at, s.id"

static const char *sql_members[] = {
	[FEED_ALL] = FEED_MEMBER_COLS " 0" FEED_SESSION " WHERE" FEED_WINDOW
	    FEED_ORDER,
	[FEED_VENUE] = FEED_MEMBER_COLS " 0" FEED_SESSION " WHERE"
	    FEED_WINDOW " AND s.venue_id = ?3" FEED_ORDER,
	[FEED_COURSE] = FEED_MEMBER_COLS " 0" FEED_SESSION " WHERE"
	    FEED_WINDOW " AND s.course_id = ?3" FEED_ORDER,
	[FEED_INSTRUCTOR] = FEED_MEMBER_COLS " 0" FEED_SESSION " WHERE"
	    FEED_WINDOW " AND s.id IN (SELECT session_id FROM session_staff"
	    " WHERE instructor_id = ?3)" FEED_ORDER,
	[FEED_PARTICIPANT] = FEED_MEMBER_COLS " r.status = 'waitlisted'"
	    FEED_SESSION FEED_PERSON_JOIN " WHERE" FEED_WINDOW FEED_ORDER,
	/* ?1 from, ?2 to, ?3 venue or NULL, ?4 course or NULL */
	[FEED_EXPORT] = FEED_MEMBER_COLS " 0" FEED_SESSION " WHERE"
	    " s.start_at >= coalesce(?1, -1)"
	    " AND s.start_at < coalesce(?2, 9223372036854775807)"
	    " AND (?3 IS NULL OR s.venue_id = ?3)"
	    " AND (?4 IS NULL OR s.course_id = ?4)" FEED_ORDER,
};

/*
 * The same, for the sessions of a list ?4 (a JSON array of ids) only:
 * what a patch reads again. The list drives (CROSS JOIN keeps SQLite
 * from walking the feed's index instead); participants' feeds are always
 * listed whole, since their registrations are not in the journal.
 */
#define FEED_CHANGED \
	" FROM json_each(?4) j CROSS JOIN session s ON s.id = j.value WHERE"
static const char *sql_changed[] = {
	[FEED_ALL] = FEED_MEMBER_COLS " 0" FEED_CHANGED FEED_WINDOW FEED_ORDER,
	[FEED_VENUE] = FEED_MEMBER_COLS " 0" FEED_CHANGED FEED_WINDOW
	    " AND s.venue_id = ?3" FEED_ORDER,
	[FEED_COURSE] = FEED_MEMBER_COLS " 0" FEED_CHANGED FEED_WINDOW
	    " AND s.course_id = ?3" FEED_ORDER,
	[FEED_INSTRUCTOR] = FEED_MEMBER_COLS " 0" FEED_CHANGED FEED_WINDOW
	    " AND EXISTS (SELECT 1 FROM session_staff st WHERE"
	    " st.session_id = s.id AND st.instructor_id = ?3)" FEED_ORDER,
};

static void	feeds_members_finish(struct store *, struct members *);

/*
 * One event to render: the values copied out of the database row, so the
 * rendering can run on another thread.
 */
struct job {
	struct session_event	 se;
	struct chunk		*c;
};

/* Fills a job from the current row of an event query (event_sql_one). */
static void
feeds_job(struct feeds *fs, sqlite3_stmt *stmt, int variant, struct job *j)
{
	struct cal_event	*ev = &j->se.ev;

	event_fill(&j->se, stmt, fs->url, (variant & VAR_EN) != 0);
	ev->waitlisted = (variant & VAR_WAITLIST) != 0;
	if (ev->waitlisted && ev->status != CAL_CANCELLED)
		ev->status = CAL_TENTATIVE;
	ev->alarm_minutes = (variant & VAR_ALARM) ? fs->alarm_minutes : 0;
	j->c = xcalloc(1, sizeof *j->c);
	j->c->id = j->se.id;
	j->c->variant = variant;
	j->c->rev = j->se.rev;
}

static void
job_free(struct job *j)
{
	event_clear(&j->se);
}

static void
feeds_job_run(struct job *j)
{
	j->c->text = feed_event(&j->se.ev, j->se.lang, &j->c->len);
}

/* Renders the row's event; the loop thread's way for one session. */
static struct chunk *
feeds_render_row(struct feeds *fs, sqlite3_stmt *stmt, int variant)
{
	struct job	 j;

	feeds_job(fs, stmt, variant, &j);
	feeds_job_run(&j);
	job_free(&j);
	fs->rendered++;
	return (j.c);
}

static struct chunk *
feeds_render(struct feeds *fs, int64_t id, int variant)
{
	sqlite3_stmt	*stmt = store_stmt(fs->st, event_sql_one);
	struct chunk	*c = NULL;

	sqlite3_bind_int64(stmt, 1, id);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		c = feeds_render_row(fs, stmt, variant);
	sqlite3_reset(stmt);
	return (c);
}

static struct chunk **
feeds_chunk_slot(struct feeds *fs, int64_t id, int variant)
{
	struct chunk	**cp;

	/* Fibonacci hashing: ids are consecutive, the top bits spread them. */
	cp = &fs->chunks[(((uint64_t)id * 8 + (uint64_t)variant) *
	    UINT64_C(0x9E3779B97F4A7C15)) >> (64 - CHUNK_BITS)];
	for (; *cp != NULL; cp = &(*cp)->next) {
		if ((*cp)->id == id && (*cp)->variant == variant)
			break;
	}
	return (cp);
}

/* Puts c in the slot cp, in place of what was there. */
static void
feeds_chunk_put(struct feeds *fs, struct chunk **cp, struct chunk *c,
    time_t now)
{
	c->used = now;
	if (*cp != NULL) {
		c->next = (*cp)->next;
		free((*cp)->text);
		free(*cp);
	} else
		fs->nchunks++;
	*cp = c;
}

/* The event text of a session at rev, rendered when missing or stale. */
static struct chunk *
feeds_chunk(struct feeds *fs, int64_t id, int variant, int64_t rev,
    time_t now)
{
	struct chunk	**cp = feeds_chunk_slot(fs, id, variant), *c;

	if ((c = *cp) != NULL && c->rev == rev) {
		c->used = now;
		return (c);
	}
	if ((c = feeds_render(fs, id, variant)) == NULL)
		return (NULL);
	feeds_chunk_put(fs, cp, c, now);
	return (c);
}

/* ids as a JSON array, "[1,2,3]", for json_each(); caller frees. */
static char *
feeds_id_list(const int64_t *ids, size_t n)
{
	char	*list, *o;
	size_t	 i;

	/* 20 digits, a sign and a comma each at most. */
	o = list = xreallocarray(NULL, n + 1, 22);
	*o++ = '[';
	for (i = 0; i < n; i++)
		o += snprintf(o, 23, "%s%lld", i > 0 ? "," : "",
		    (long long)ids[i]);
	memcpy(o, "]", 2);
	return (list);
}

/*
 * The renderers' own read-only connections, opened when first needed.
 * NULL when the database cannot be opened again (a memory database): the
 * loop thread then reads what that thread would have.
 */
static sqlite3_stmt *
feeds_reader(struct feeds *fs, size_t i)
{
	struct reader	*r = &fs->readers[i];
	const char	*path = store_path(fs->st);

	if (r->stmt != NULL || r->failed)
		return (r->stmt);
	r->failed = 1;
	if (path == NULL || *path == '\0' || strcmp(path, ":memory:") == 0)
		return (NULL);
	if (sqlite3_open_v2(path, &r->db, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
	    sqlite3_busy_timeout(r->db, READER_BUSY_MS) != SQLITE_OK ||
	    sqlite3_prepare_v3(r->db, event_sql_many, -1,
	    SQLITE_PREPARE_PERSISTENT, &r->stmt, NULL) != SQLITE_OK) {
		log_warnx("feeds: %s, opened once more to read: %s", path,
		    r->db != NULL ? sqlite3_errmsg(r->db) : "out of memory");
		sqlite3_close(r->db);
		r->db = NULL;
		r->stmt = NULL;
		return (NULL);
	}
	r->failed = 0;
	return (r->stmt);
}

/* Sessions read and rendered by one query: a piece of a cold feed. */
struct piece {
	const int64_t	*ids;
	struct job	*jobs;		/* room for max */
	size_t		 max, n;
};

/*
 * A cold feed's pieces, taken one at a time by the loop thread and the
 * renderer threads until none is left: who is faster (on a busy machine,
 * who gets a core) does more.
 */
struct bulk {
	pthread_mutex_t	 lock;
	struct feeds	*fs;
	int		 variant;
	struct piece	*pieces;
	size_t		 npieces, next;
};

/* A thread's part in a bulk, with its statement on its own connection. */
struct share {
	pthread_t	 thread;
	int		 started;
	struct bulk	*bulk;
	sqlite3_stmt	*stmt;		/* event_sql_many */
};

/*
 * Reads and renders pieces until none is left, leaving the chunks: a
 * thread touches only its own connection, pieces, jobs and chunks (and
 * the settings, which stay put).
 */
static void *
feeds_share(void *arg)
{
	struct share	*sh = arg;
	struct bulk	*bk = sh->bulk;
	struct piece	*pc;
	char		*list;

	for (;;) {
		pthread_mutex_lock(&bk->lock);
		pc = bk->next < bk->npieces ? &bk->pieces[bk->next++] : NULL;
		pthread_mutex_unlock(&bk->lock);
		if (pc == NULL)
			break;
		list = feeds_id_list(pc->ids, pc->max);
		sqlite3_bind_text(sh->stmt, 1, list, -1, SQLITE_STATIC);
		while (pc->n < pc->max &&
		    sqlite3_step(sh->stmt) == SQLITE_ROW) {
			feeds_job(bk->fs, sh->stmt, bk->variant,
			    &pc->jobs[pc->n]);
			feeds_job_run(&pc->jobs[pc->n]);
			job_free(&pc->jobs[pc->n]);
			pc->n++;
		}
		sqlite3_reset(sh->stmt);
		sqlite3_clear_bindings(sh->stmt);
		free(list);
	}
	return (NULL);
}

/*
 * Renders the event texts of a feed that are missing or stale when there
 * are many (a cold start), by bulk queries of BULK_PIECE sessions instead
 * of one per session. With very many, every core takes pieces: the loop
 * thread reads through the store, the other threads through connections
 * of their own, so a cold 10,000-session feed costs about half its
 * reading and rendering. Waitlisted members of personal feeds are left
 * to feeds_chunk().
 */
static void
feeds_prefetch(struct feeds *fs, const struct members *m, int variant,
    time_t now)
{
	struct share	  sh[FEEDS_THREADS];
	struct bulk	  bk;
	struct piece	 *pc;
	struct chunk	**cp, *c;
	struct job	 *jobs;
	int64_t		 *ids;
	long		  cores = sysconf(_SC_NPROCESSORS_ONLN);
	size_t		  i, k, missing = 0, nw;

	ids = xcalloc(m->n + 1, sizeof *ids);
	for (i = 0; i < m->n; i++) {
		if (m->revs[i] & 1)
			continue;
		cp = feeds_chunk_slot(fs, m->ids[i], variant);
		if (*cp != NULL && (*cp)->rev == m->revs[i] / 2)
			continue;
		ids[missing++] = m->ids[i];
	}
	if (missing < BULK_MISSING) {
		free(ids);
		return;
	}

	nw = cores > 1 ? (size_t)cores : 1;
	if (nw > FEEDS_THREADS)
		nw = FEEDS_THREADS;
	if (missing < BULK_THREADED)
		nw = 1;
	memset(&bk, 0, sizeof bk);
	pthread_mutex_init(&bk.lock, NULL);
	bk.fs = fs;
	bk.variant = variant;
	bk.npieces = (missing + BULK_PIECE - 1) / BULK_PIECE;
	bk.pieces = xcalloc(bk.npieces, sizeof *bk.pieces);
	jobs = xcalloc(missing, sizeof *jobs);
	for (i = 0; i < bk.npieces; i++) {
		pc = &bk.pieces[i];
		pc->ids = ids + i * BULK_PIECE;
		pc->jobs = jobs + i * BULK_PIECE;
		pc->max = missing - i * BULK_PIECE;
		if (pc->max > BULK_PIECE)
			pc->max = BULK_PIECE;
	}
	memset(sh, 0, sizeof sh);
	for (i = 0; i < nw; i++) {
		sh[i].bulk = &bk;
		if (i > 0 && (sh[i].stmt = feeds_reader(fs, i - 1)) != NULL)
			sh[i].started = pthread_create(&sh[i].thread, NULL,
			    feeds_share, &sh[i]) == 0;
	}
	/* The loop thread's part: what no thread takes, all if none runs. */
	sh[0].stmt = store_stmt(fs->st, event_sql_many);
	feeds_share(&sh[0]);
	for (i = 1; i < nw; i++) {
		if (sh[i].started)
			pthread_join(sh[i].thread, NULL);
	}
	pthread_mutex_destroy(&bk.lock);
	for (i = 0; i < bk.npieces; i++) {
		pc = &bk.pieces[i];
		for (k = 0; k < pc->n; k++) {
			c = pc->jobs[k].c;
			feeds_chunk_put(fs, feeds_chunk_slot(fs, c->id,
			    variant), c, now);
		}
		fs->rendered += pc->n;
	}
	free(bk.pieces);
	free(jobs);
	free(ids);
}

/* Drops event texts no feed has used for a while. */
static void
feeds_gc(struct feeds *fs, time_t now)
{
	struct chunk	**cp, *c;
	size_t		  i;

	if (now - fs->last_gc < CHUNK_IDLE / 4)
		return;
	fs->last_gc = now;
	if (fs->spare != NULL && now - fs->spare_time > CHUNK_IDLE) {
		free(fs->spare);
		fs->spare = NULL;
		fs->spare_size = 0;
	}
	for (i = 0; i < CHUNK_BUCKETS; i++) {
		for (cp = &fs->chunks[i]; (c = *cp) != NULL;) {
			if (now - c->used > CHUNK_IDLE) {
				*cp = c->next;
				free(c->text);
				free(c);
				fs->nchunks--;
			} else
				cp = &c->next;
		}
	}
}


static void
members_free(struct members *m)
{
	size_t	 i;

	free(m->ids);
	free(m->revs);
	free(m->rows);
	for (i = 0; i < m->ntz; i++)
		free(m->tzids[i]);
	free(m->tzids);
}

/* Adds id to a small set; returns 1 if it was new. */
static int
feeds_set_add(int64_t **set, size_t *n, int64_t id)
{
	size_t	 i;

	for (i = 0; i < *n; i++) {
		if ((*set)[i] == id)
			return (0);
	}
	*set = xreallocarray(*set, *n + 1, sizeof **set);
	(*set)[(*n)++] = id;
	return (1);
}

/* Appends one member; m has room for it (members_room()). */
static void
members_add(struct members *m, int64_t id, int64_t rev,
    const struct member *row)
{
	m->ids[m->n] = id;
	m->revs[m->n] = rev;
	m->rows[m->n] = *row;
	m->n++;
}

static void
members_room(struct members *m, size_t n)
{
	if (m->cap >= n && m->ids != NULL)
		return;
	m->cap = n > 64 ? n : 64;
	m->ids = xreallocarray(m->ids, m->cap, sizeof *m->ids);
	m->revs = xreallocarray(m->revs, m->cap, sizeof *m->revs);
	m->rows = xreallocarray(m->rows, m->cap, sizeof *m->rows);
}

/* Reads the rows of a membership query whose parameters are bound. */
static void
feeds_members_read(sqlite3_stmt *stmt, struct members *m)
{
	struct member	 row;

	memset(m, 0, sizeof *m);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		if (m->n == m->cap || m->ids == NULL)
			members_room(m, 2 * m->cap);
		row.venue = sqlite3_column_int64(stmt, 2);
		row.start = (time_t)sqlite3_column_int64(stmt, 3);
		row.end = (time_t)sqlite3_column_int64(stmt, 4);
		row.updated = (time_t)sqlite3_column_int64(stmt, 5);
		row.course = sqlite3_column_int64(stmt, 6);
		row.cancelled = sqlite3_column_int(stmt, 7);
		/* The waitlist bit rides on the rev: a promotion changes it. */
		members_add(m, sqlite3_column_int64(stmt, 0),
		    sqlite3_column_int64(stmt, 1) * 2 +
		    sqlite3_column_int(stmt, 8), &row);
	}
	sqlite3_reset(stmt);
}

/*
 * Runs a membership query whose parameters are already bound, then reads
 * the zones and change times of the few venues and course types used.
 */
static void
feeds_members(struct store *st, sqlite3_stmt *stmt, struct members *m)
{
	feeds_members_read(stmt, m);
	feeds_members_finish(st, m);
}

/*
 * What follows from the list: its first start and last end, its zones
 * (in the order their venues first appear) and when anything in it last
 * changed, with the few venues and course types read.
 */
static void
feeds_members_finish(struct store *st, struct members *m)
{
	static const char *sql_venue = "SELECT timezone, updated_at FROM "
	    "venue WHERE id = ?";
	static const char *sql_course = "SELECT updated_at FROM course WHERE "
	    "id = ?";
	const struct member *row;
	int64_t		*venues = NULL, *courses = NULL;
	size_t		 nv = 0, nc = 0, i, k;
	sqlite3_stmt	*q;
	const char	*tz;
	time_t		 lm;

	m->from = m->until = m->last_modified = 0;
	for (i = 0; i < m->n; i++) {
		row = &m->rows[i];
		if (nv == 0 || venues[nv - 1] != row->venue)
			feeds_set_add(&venues, &nv, row->venue);
		if (nc == 0 || courses[nc - 1] != row->course)
			feeds_set_add(&courses, &nc, row->course);
		if (i == 0 || row->start < m->from)
			m->from = row->start;
		if (i == 0 || row->end > m->until)
			m->until = row->end;
		if (row->updated > m->last_modified)
			m->last_modified = row->updated;
	}

	for (i = 0; i < nv; i++) {
		q = store_stmt(st, sql_venue);
		sqlite3_bind_int64(q, 1, venues[i]);
		if (sqlite3_step(q) == SQLITE_ROW) {
			tz = store_col(q, 0);
			for (k = 0; k < m->ntz; k++) {
				if (strcmp(m->tzids[k], tz) == 0)
					break;
			}
			if (k == m->ntz) {
				m->tzids = xreallocarray(m->tzids, m->ntz + 1,
				    sizeof *m->tzids);
				m->tzids[m->ntz++] = xstrdup(tz);
			}
			if ((time_t)sqlite3_column_int64(q, 1) >
			    m->last_modified)
				m->last_modified = sqlite3_column_int64(q, 1);
		}
		sqlite3_reset(q);
	}
	for (i = 0; i < nc; i++) {
		lm = (time_t)store_int(st, 0, sql_course, "i", courses[i]);
		if (lm > m->last_modified)
			m->last_modified = lm;
	}
	free(venues);
	free(courses);
}

/*
 * Strong ETag: a digest of everything the bytes are made from (the
 * program's version, the settings, the feed's name and variant, and each
 * session with its rev), which is far less to hash than the bytes.
 */
static void
feeds_etag(struct feeds *fs, const char *name, int variant,
    const struct members *m, char *out, size_t outlen)
{
	EVP_MD_CTX	*ctx = EVP_MD_CTX_new();
	unsigned char	 md[32];
	unsigned int	 mdlen = 0;
	int		 settings[5] = { fs->refresh_minutes, fs->past_days,
			    fs->cancelled_days, fs->alarm_minutes, variant };
	size_t		 i;

	if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		fatalx("SHA-256 failed");
	EVP_DigestUpdate(ctx, PACKAGE_VERSION, sizeof PACKAGE_VERSION);
	EVP_DigestUpdate(ctx, settings, sizeof settings);
	EVP_DigestUpdate(ctx, fs->url, strlen(fs->url) + 1);
	EVP_DigestUpdate(ctx, name, strlen(name) + 1);
	for (i = 0; i < m->ntz; i++)
		EVP_DigestUpdate(ctx, m->tzids[i], strlen(m->tzids[i]) + 1);
	EVP_DigestUpdate(ctx, m->ids, m->n * sizeof *m->ids);
	EVP_DigestUpdate(ctx, m->revs, m->n * sizeof *m->revs);
	if (EVP_DigestFinal_ex(ctx, md, &mdlen) != 1)
		fatalx("SHA-256 failed");
	EVP_MD_CTX_free(ctx);
	snprintf(out, outlen, "\"%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x\"",
	    md[0], md[1], md[2], md[3], md[4], md[5], md[6], md[7], md[8],
	    md[9]);
}

/*
 * Memory for need octets of a feed: the spare when it fits (and is not
 * more than twice too big), else new. *size is what was allocated.
 */
static char *
feeds_buffer(struct feeds *fs, size_t need, size_t *size)
{
	char	*p;

	if (fs->spare != NULL && fs->spare_size >= need &&
	    fs->spare_size / 2 <= need) {
		p = fs->spare;
		*size = fs->spare_size;
		fs->spare = NULL;
		fs->spare_size = 0;
		return (p);
	}
	*size = need;
	return (xmalloc(need));
}

/*
 * Lets go of a feed's bytes. Large bytes no answer is still sending are
 * kept as the spare, for the feed's next bytes: pages touched before cost
 * far less to write than new ones (for 9 MB, some 1 ms against 5).
 */
static void
feeds_release(struct feeds *fs, struct blob *b, time_t now)
{
	if (b == NULL)
		return;
	if (b->refs == 1 && b->size >= SPARE_MIN &&
	    b->size > fs->spare_size) {
		free(fs->spare);
		fs->spare = b->data;
		fs->spare_size = b->size;
		fs->spare_time = now;
		free(b);
		return;
	}
	blob_unref(b);
}

/*
 * Assembles the calendar of members from event texts into one buffer:
 * the head, then each event text copied in, then the end. With size, the
 * buffer may be the spare and *size says how large it is.
 */
static char *
feeds_assemble(struct feeds *fs, const char *name, const char *tzid,
    struct members *m, int variant, size_t *len, size_t *size)
{
	static const char	 footer[] = FEED_CALENDAR_END;
	const struct cal_feed	 cf = { name, tzid, fs->refresh_minutes };
	struct chunk		**chunks, *c;
	size_t			  i, k = 0, hlen = 0, total;
	time_t			  now = time(NULL);
	char			 *head, *out, *o;

	feeds_prefetch(fs, m, variant, now);
	chunks = xcalloc(m->n + 1, sizeof *chunks);
	total = sizeof footer - 1;
	for (i = 0; i < m->n; i++) {
		c = feeds_chunk(fs, m->ids[i], variant | ((m->revs[i] & 1) ?
		    VAR_WAITLIST : 0), m->revs[i] / 2, now);
		if (c == NULL)
			continue;
		chunks[k++] = c;
		total += c->len;
	}
	head = feed_calendar_head(&cf, (const char *const *)m->tzids, m->ntz,
	    m->n ? m->from : now, m->n ? m->until : now, &hlen);
	total += hlen;
	if (size != NULL)
		out = feeds_buffer(fs, total + 1, size);
	else
		out = xmalloc(total + 1);
	o = out;
	if (head != NULL) {
		memcpy(o, head, hlen);
		o += hlen;
	}
	for (i = 0; i < k; i++) {
		memcpy(o, chunks[i]->text, chunks[i]->len);
		o += chunks[i]->len;
	}
	memcpy(o, footer, sizeof footer);
	free(head);
	free(chunks);
	*len = total;
	return (out);
}

/* Binds the window of ordinary feeds. */
static void
feeds_bind_window(struct feeds *fs, sqlite3_stmt *stmt, int64_t arg)
{
	time_t	 now = store_now(fs->st);

	sqlite3_bind_int64(stmt, 1, now - (time_t)fs->past_days * 86400);
	sqlite3_bind_int64(stmt, 2, now - (time_t)fs->cancelled_days * 86400);
	sqlite3_bind_int64(stmt, 3, arg);
}

/* The calendar's name, as calendar apps show it (NAME, X-WR-CALNAME). */
static char *
feeds_name(int kind, const char *what, int variant)
{
	switch (kind) {
	case FEED_VENUE:
	case FEED_COURSE:
		return (xprintf("Kurser – %s", what));
	case FEED_INSTRUCTOR:
		return (xprintf("Undervisning – %s", what));
	case FEED_PARTICIPANT:
		return (xstrdup((variant & VAR_EN) ? "My courses" :
		    "Mine kurser"));
	}
	return (xstrdup("Kurser"));
}

/*
 * Resolves a feed path to what it shows. 0 when found; -1 for anything
 * unknown, which the caller answers 404 without saying why.
 */
static int
feeds_resolve(struct feeds *fs, const char *path, int *kind, int64_t *arg,
    int *variant, char **name)
{
	static const char *sql_venue = "SELECT id, name FROM venue WHERE "
	    "slug = ?";
	static const char *sql_course = "SELECT id, title FROM course WHERE "
	    "slug = ?";
	static const char *sql_instructor = "SELECT id, name FROM instructor "
	    "WHERE feed_token_hash = ?";
	static const char *sql_person = "SELECT id, language FROM participant "
	    "WHERE feed_token_hash = ? AND anonymised_at IS NULL";
	const char	*rest, *sql = NULL;
	char		*key, *hash = NULL;
	size_t		 len;
	sqlite3_stmt	*stmt;
	int		 found;

	*variant = 0;
	if (strcmp(path, "/feeds/all.ics") == 0) {
		*kind = FEED_ALL;
		*arg = 0;
		*name = feeds_name(FEED_ALL, NULL, 0);
		return (0);
	}
	if (strncmp(path, "/feeds/venue/", 13) == 0) {
		*kind = FEED_VENUE;
		rest = path + 13;
		sql = sql_venue;
	} else if (strncmp(path, "/feeds/course/", 14) == 0) {
		*kind = FEED_COURSE;
		rest = path + 14;
		sql = sql_course;
	} else if (strncmp(path, "/feeds/instructor/", 18) == 0) {
		*kind = FEED_INSTRUCTOR;
		rest = path + 18;
		sql = sql_instructor;
	} else if (strncmp(path, "/feeds/participant/", 19) == 0) {
		*kind = FEED_PARTICIPANT;
		rest = path + 19;
		sql = sql_person;
	} else
		return (-1);
	len = strlen(rest);
	if (len <= 4 || strcmp(rest + len - 4, ".ics") != 0 || len > 200)
		return (-1);
	key = xstrndup(rest, len - 4);
	if (*kind == FEED_INSTRUCTOR || *kind == FEED_PARTICIPANT) {
		if (!token_valid(key)) {
			free(key);
			return (-1);
		}
		hash = token_hash(key);
	}
	stmt = store_stmt(fs->st, sql);
	sqlite3_bind_text(stmt, 1, hash != NULL ? hash : key, -1,
	    SQLITE_TRANSIENT);
	found = sqlite3_step(stmt) == SQLITE_ROW;
	if (found) {
		*arg = sqlite3_column_int64(stmt, 0);
		if (*kind == FEED_PARTICIPANT) {
			if (strcmp(store_col(stmt, 1), "en") == 0)
				*variant |= VAR_EN;
			if (fs->alarm_minutes > 0)
				*variant |= VAR_ALARM;
		}
		*name = feeds_name(*kind, store_col(stmt, 1), *variant);
	}
	sqlite3_reset(stmt);
	free(key);
	free(hash);
	return (found ? 0 : -1);
}

static struct feed *
feeds_find(struct feeds *fs, const char *path)
{
	struct feed	*f;

	for (f = fs->feeds; f != NULL; f = f->next) {
		if (strcmp(f->path, path) == 0)
			return (f);
	}
	return (NULL);
}

/* Keeps the cache bounded: drops the feed used longest ago. */
static void
feeds_evict(struct feeds *fs)
{
	struct feed	**fp, **oldest = NULL, *f;

	for (fp = &fs->feeds; *fp != NULL; fp = &(*fp)->next) {
		if (oldest == NULL || (*fp)->used < (*oldest)->used)
			oldest = fp;
	}
	if (oldest == NULL)
		return;
	f = *oldest;
	*oldest = f->next;
	feed_free(f);
	fs->nfeeds--;
}

static int
feeds_cmp_id(const void *a, const void *b)
{
	int64_t	 x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x < y ? -1 : x > y);
}

/* Is the member still in the feed's window (FEED_WINDOW)? */
static int
feeds_in_window(const struct member *row, time_t after,
    time_t cancelled_after)
{
	return (row->start >= after &&
	    (!row->cancelled || row->updated >= cancelled_after));
}

/* Does member i of a come before member j of b (FEED_ORDER)? */
static int
feeds_before(const struct members *a, size_t i, const struct members *b,
    size_t j)
{
	if (a->rows[i].start != b->rows[j].start)
		return (a->rows[i].start < b->rows[j].start);
	return (a->ids[i] < b->ids[j]);
}

/*
 * May f's list be patched instead of read again? When it was read less
 * than recheck_seconds ago (a write from outside this connection shows within
 * that, as before), the journal still holds all that was written since,
 * and what the feed shows follows from its sessions' own rows: not a
 * participant's, whose registrations the journal does not follow.
 */
static int
feeds_patchable(struct feeds *fs, const struct feed *f, int kind,
    int64_t arg, time_t now)
{
	if (f->plain == NULL || f->kind != kind || f->arg != arg)
		return (0);
	if (kind < 0 || (size_t)kind >= sizeof sql_changed /
	    sizeof sql_changed[0] || sql_changed[kind] == NULL)
		return (0);
	if (now < f->listed || now - f->listed >= fs->recheck)
		return (0);
	return (fs->njournal - f->mark <= JOURNAL_MAX);
}

/*
 * f's list brought up to date without listing it again, as a listing now
 * would give it: the sessions written since f was listed (the journal)
 * are read again through the feed's filter and put in their places, the
 * others stay, but for those that left the window as time passed.
 */
static void
feeds_patch(struct feeds *fs, struct feed *f, int kind, int64_t arg,
    struct members *m)
{
	struct members	 add, old;
	sqlite3_stmt	*stmt;
	int64_t		*changed;
	size_t		 n, nch = 0, i, j;
	time_t		 now = store_now(fs->st), after, cancelled_after;
	char		*list;

	after = now - (time_t)fs->past_days * 86400;
	cancelled_after = now - (time_t)fs->cancelled_days * 86400;

	n = (size_t)(fs->njournal - f->mark);
	changed = xcalloc(n + 1, sizeof *changed);
	for (i = 0; i < n; i++)
		changed[i] = fs->journal[(f->mark + i) % JOURNAL_MAX];
	qsort(changed, n, sizeof *changed, feeds_cmp_id);
	for (i = 0; i < n; i++) {
		if (nch == 0 || changed[nch - 1] != changed[i])
			changed[nch++] = changed[i];
	}
	memset(&add, 0, sizeof add);
	if (nch > 0) {
		list = feeds_id_list(changed, nch);
		stmt = store_stmt(fs->st, sql_changed[kind]);
		feeds_bind_window(fs, stmt, arg);
		sqlite3_bind_text(stmt, 4, list, -1, SQLITE_TRANSIENT);
		feeds_members_read(stmt, &add);
		free(list);
	}

	/* Both lists are in FEED_ORDER: merged in one pass. */
	memset(&old, 0, sizeof old);
	old.n = f->n;
	old.ids = f->ids;
	old.revs = f->revs;
	old.rows = f->rows;
	memset(m, 0, sizeof *m);
	members_room(m, old.n + add.n);
	for (i = j = 0; i < old.n || j < add.n;) {
		if (i < old.n && ((nch > 0 && bsearch(&old.ids[i], changed,
		    nch, sizeof *changed, feeds_cmp_id) != NULL) ||
		    !feeds_in_window(&old.rows[i], after, cancelled_after))) {
			i++;
			continue;
		}
		if (j < add.n && (i == old.n || feeds_before(&add, j, &old,
		    i))) {
			members_add(m, add.ids[j], add.revs[j], &add.rows[j]);
			j++;
		} else {
			members_add(m, old.ids[i], old.revs[i], &old.rows[i]);
			i++;
		}
	}
	members_free(&add);
	free(changed);
	feeds_members_finish(fs->st, m);
}

/*
 * When the first of the sessions listed leaves the feed with time alone:
 * past_days after it started, or cancelled_days after its cancellation.
 */
static time_t
feeds_expires(const struct feeds *fs, const struct members *m)
{
	const struct member	*row;
	time_t			 first = INT64_MAX, t;
	size_t			 i;

	for (i = 0; i < m->n; i++) {
		row = &m->rows[i];
		t = row->start + (time_t)fs->past_days * 86400 + 1;
		if (row->cancelled && row->updated +
		    (time_t)fs->cancelled_days * 86400 + 1 < t)
			t = row->updated + (time_t)fs->cancelled_days * 86400 +
			    1;
		if (t < first)
			first = t;
	}
	return (first);
}

/*
 * Brings f up to date: re-resolves its path, lists its sessions (or, when
 * it was listed less than recheck_seconds ago and the journal still holds all
 * that was written since, patches its list), and re-assembles it when the
 * list differs. -1 when the path no longer resolves (token rotated, venue
 * removed).
 */
static int
feeds_refresh(struct feeds *fs, struct feed *f, time_t now)
{
	struct members	 m;
	sqlite3_stmt	*stmt;
	char		*name = NULL, *text;
	size_t		 len, size, rendered;
	int64_t		 arg;
	int		 kind, variant, patched = 0;
	struct timespec	 t0, t1;
	struct tm	 tm;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (feeds_resolve(fs, f->path, &kind, &arg, &variant, &name) != 0)
		return (-1);
	if (feeds_patchable(fs, f, kind, arg, now)) {
		feeds_patch(fs, f, kind, arg, &m);
		patched = 1;
	} else {
		stmt = store_stmt(fs->st, sql_members[kind]);
		feeds_bind_window(fs, stmt, arg);
		feeds_members(fs->st, stmt, &m);
		f->listed = now;
	}
	f->mark = fs->njournal;
	f->generation = store_generation(fs->st);
	f->checked = now;
	f->expires = feeds_expires(fs, &m);
	if (f->plain != NULL && f->kind == kind && f->arg == arg &&
	    f->variant == variant && strcmp(f->name, name) == 0 &&
	    f->n == m.n && (m.n == 0 ||
	    (memcmp(f->ids, m.ids, m.n * sizeof *m.ids) == 0 &&
	    memcmp(f->revs, m.revs, m.n * sizeof *m.revs) == 0))) {
		/* The bytes stand; the rows may say newer things. */
		free(f->rows);
		f->rows = m.rows;
		m.rows = NULL;
		free(name);
		members_free(&m);
		return (0);
	}
	rendered = fs->rendered;
	/* The old bytes may lend their memory to the new (feeds_release()). */
	feeds_release(fs, f->plain, now);
	blob_unref(f->gz);
	f->plain = f->gz = NULL;
	text = feeds_assemble(fs, name, store_default_timezone(fs->st), &m,
	    variant, &len, &size);
	f->plain = blob_adopt(text, len);
	f->plain->size = size;
	f->gz = NULL;
	feeds_etag(fs, name, variant, &m, f->etag, sizeof f->etag);
	snprintf(f->etag_gz, sizeof f->etag_gz, "%.*s-gz\"",
	    (int)strlen(f->etag) - 1, f->etag);
	/*
	 * A session leaving the feed changes no session's time: once the
	 * bytes have changed under a cached copy, they changed now.
	 */
	if (f->last_modified != 0)
		f->last_modified = now;
	else
		f->last_modified = m.last_modified != 0 ? m.last_modified : now;
	gmtime_r(&f->last_modified, &tm);
	strftime(f->last_modified_http, sizeof f->last_modified_http,
	    "%a, %d %b %Y %H:%M:%S GMT", &tm);
	f->kind = kind;
	f->arg = arg;
	f->variant = variant;
	free(f->name);
	f->name = name;
	free(f->ids);
	free(f->revs);
	free(f->rows);
	f->ids = m.ids;
	f->revs = m.revs;
	f->rows = m.rows;
	f->n = m.n;
	m.ids = m.revs = NULL;
	m.rows = NULL;
	members_free(&m);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	log_debug("feed %s: %zu sessions, %zu rendered, %zu bytes in %.1f ms"
	    " (list %s)", f->path, f->n, fs->rendered - rendered, len,
	    (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6,
	    patched ? "patched" : "read");
	return (0);
}

static struct blob *
feeds_gzip(const struct blob *in)
{
	z_stream	 z;
	struct blob	*out;
	uLong		 bound;

	memset(&z, 0, sizeof z);
	/* windowBits 15 + 16: a gzip wrapper, as Content-Encoding: gzip says */
	/* Level 1: on the loop thread, fast beats a few percent smaller. */
	if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		fatalx("deflateInit2 failed");
	bound = deflateBound(&z, (uLong)in->len);
	out = blob_adopt(xmalloc(bound), 0);
	z.next_in = (Bytef *)(uintptr_t)in->data;
	z.avail_in = (uInt)in->len;
	z.next_out = (Bytef *)out->data;
	z.avail_out = (uInt)bound;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		fatalx("deflate did not finish");
	out->len = z.total_out;
	deflateEnd(&z);
	return (out);
}

int
feeds_get(struct feeds *fs, const char *path, int gzip,
    struct feed_answer *a)
{
	struct feed	*f;
	time_t		 now = time(NULL);
	int		 kind, variant;
	int64_t		 arg;
	char		*name;

	memset(a, 0, sizeof a[0]);
	if ((f = feeds_find(fs, path)) == NULL) {
		/* Only paths that resolve get an entry: no cache of misses. */
		if (feeds_resolve(fs, path, &kind, &arg, &variant, &name) != 0)
			return (-1);
		free(name);
		if (fs->nfeeds >= FEEDS_MAX)
			feeds_evict(fs);
		f = xcalloc(1, sizeof *f);
		f->path = xstrdup(path);
		f->disposition = xprintf("inline; filename=\"%s\"",
		    strrchr(path, '/') + 1);
		f->name = xstrdup("");
		f->next = fs->feeds;
		fs->feeds = f;
		fs->nfeeds++;
	}
	if (f->plain == NULL || f->generation != store_generation(fs->st) ||
	    now - f->checked >= fs->recheck || now >= f->expires) {
		if (feeds_refresh(fs, f, now) != 0) {
			blob_unref(f->plain);
			f->plain = NULL;
			return (-1);
		}
	}
	f->used = now;
	if (gzip && f->gz == NULL)
		f->gz = feeds_gzip(f->plain);
	a->body = gzip ? f->gz : f->plain;
	a->etag = gzip ? f->etag_gz : f->etag;
	a->last_modified = f->last_modified;
	a->last_modified_http = f->last_modified_http;
	a->disposition = f->disposition;
	a->head = &f->head[gzip ? 1 : 0];
	feeds_gc(fs, now);
	return (0);
}

/* --- the admin side: links, token rotation, export */

static json_t *
feeds_link_json(struct feeds *fs, int kind, const char *owner, int variant,
    const char *path)
{
	char	*https, *webcal, *name = feeds_name(kind, owner, variant);
	json_t	*j;

	https = xprintf("%s%s", fs->url, path);
	if (strncmp(https, "https://", 8) == 0)
		webcal = xprintf("webcal://%s", https + 8);
	else if (strncmp(https, "http://", 7) == 0)
		webcal = xprintf("webcal://%s", https + 7);
	else
		webcal = xstrdup(https);
	j = json_pack("{s:s, s:s?, s:s, s:s, s:s}", "name", name, "owner",
	    owner, "path", path, "url", https, "webcal", webcal);
	free(name);
	free(https);
	free(webcal);
	return (j);
}

/* The person's token, made (and sealed) when they have none or rotate. */
static char *
feeds_token(struct feeds *fs, const char *table, int64_t id, int rotate,
    struct fail *f)
{
	static const char *sql_get[] = {
	    "SELECT feed_token_sealed FROM participant WHERE id = ?",
	    "SELECT feed_token_sealed FROM instructor WHERE id = ?" };
	static const char *sql_set[] = {
	    "UPDATE participant SET feed_token_hash = ?, feed_token_sealed = ? "
	    "WHERE id = ?",
	    "UPDATE instructor SET feed_token_hash = ?, feed_token_sealed = ? "
	    "WHERE id = ?" };
	int		 t = strcmp(table, "participant") == 0 ? 0 : 1;
	sqlite3_stmt	*stmt;
	char		*token = NULL, *hash, *sealed;

	if (feeds_key(fs, f) != 0)
		return (NULL);
	if (!rotate) {
		stmt = store_stmt(fs->st, sql_get[t]);
		sqlite3_bind_int64(stmt, 1, id);
		if (sqlite3_step(stmt) == SQLITE_ROW && store_col(stmt, 0) != NULL)
			token = token_open(store_col(stmt, 0));
		sqlite3_reset(stmt);
		if (token != NULL)
			return (token);
		/* None yet, or sealed under a key since replaced: a new one. */
	}
	token = token_new(&hash, &sealed);
	if (store_exec(fs->st, f, sql_set[t], "tti", hash, sealed, id) < 0) {
		free(token);
		token = NULL;
	}
	free(hash);
	free(sealed);
	return (token);
}

int
feeds_link(struct api_req *req)
{
	static const char *sql_person = "SELECT name, language = 'en' FROM "
	    "participant WHERE id = ? AND anonymised_at IS NULL";
	static const char *sql_named[] = {
	    "SELECT name FROM venue WHERE slug = ?",
	    "SELECT title FROM course WHERE slug = ?",
	    "SELECT name FROM instructor WHERE slug = ?" };
	struct feeds	*fs = req->feeds;
	const char	*kind = req->arg, *key = req->param[0];
	int		 rotate = req->method == API_POST;
	char		*path, *token, *name;
	int64_t		 id;
	sqlite3_stmt	*stmt;
	int		 k, fk, variant = 0;

	if (strcmp(kind, "all") == 0) {
		req->out = feeds_link_json(fs, FEED_ALL, NULL, 0,
		    "/feeds/all.ics");
		return (0);
	}
	if (strcmp(kind, "participant") == 0) {
		if (param_id(req, 0, "participant", &id) != 0)
			return (-1);
		stmt = store_stmt(req->store, sql_person);
		sqlite3_bind_int64(stmt, 1, id);
		if (sqlite3_step(stmt) != SQLITE_ROW) {
			sqlite3_reset(stmt);
			return (fail_set(&req->fail, 404, "participant", "no "
			    "participant with id %lld", (long long)id));
		}
		name = xstrdup(store_col(stmt, 0));
		if (sqlite3_column_int(stmt, 1))
			variant |= VAR_EN;
		sqlite3_reset(stmt);
		fk = FEED_PARTICIPANT;
		if ((token = feeds_token(fs, "participant", id, rotate,
		    &req->fail)) == NULL) {
			free(name);
			return (-1);
		}
		path = xprintf("/feeds/participant/%s.ics", token);
	} else {
		k = strcmp(kind, "venue") == 0 ? 0 :
		    strcmp(kind, "course") == 0 ? 1 : 2;
		fk = k == 0 ? FEED_VENUE : k == 1 ? FEED_COURSE :
		    FEED_INSTRUCTOR;
		stmt = store_stmt(req->store, sql_named[k]);
		sqlite3_bind_text(stmt, 1, key, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(stmt) != SQLITE_ROW) {
			sqlite3_reset(stmt);
			return (fail_set(&req->fail, 404, kind, "no %s \"%s\"",
			    k == 1 ? "course type" : kind, key));
		}
		name = xstrdup(store_col(stmt, 0));
		sqlite3_reset(stmt);
		if (k < 2) {
			path = xprintf("/feeds/%s/%s.ics", kind, key);
			token = NULL;
		} else {
			if (resource_id(req->store, "instructor", key,
			    "instructor", &id, &req->fail) != 0 ||
			    (token = feeds_token(fs, "instructor", id, rotate,
			    &req->fail)) == NULL) {
				free(name);
				return (-1);
			}
			path = xprintf("/feeds/instructor/%s.ics", token);
		}
	}
	req->out = feeds_link_json(fs, fk, name, variant, path);
	if (token != NULL) {
		explicit_bzero(token, strlen(token));
		free(token);
	}
	free(path);
	free(name);
	return (0);
}

int
feeds_export(struct api_req *req)
{
	struct feeds	*fs = req->feeds;
	sqlite3_stmt	*stmt;
	struct members	 m;
	time_t		 from, to;
	int		 has_from, has_to;
	int64_t		 venue = 0, course = 0;
	char		*text;
	size_t		 len;

	if (param_check_query(req, "from", "to", "venue", "course",
	    (char *)NULL) != 0)
		return (-1);
	if (param_time(req, "from", &from, &has_from) != 0 ||
	    param_time(req, "to", &to, &has_to) != 0)
		return (-1);
	if (resource_query(req, "venue", "venue", &venue) != 0 ||
	    resource_query(req, "course", "course", &course) != 0)
		return (-1);
	stmt = store_stmt(req->store, sql_members[FEED_EXPORT]);
	if (has_from)
		sqlite3_bind_int64(stmt, 1, from);
	if (has_to)
		sqlite3_bind_int64(stmt, 2, to);
	if (venue != 0)
		sqlite3_bind_int64(stmt, 3, venue);
	if (course != 0)
		sqlite3_bind_int64(stmt, 4, course);
	feeds_members(req->store, stmt, &m);
	text = feeds_assemble(fs, "Kurser", store_default_timezone(req->store),
	    &m, 0, &len, NULL);
	req->out = json_pack("{s:s%, s:I}", "calendar", text, len, "events",
	    (json_int_t)m.n);
	free(text);
	members_free(&m);
	return (0);
}
