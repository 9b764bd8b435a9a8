/*
 * Event texts: each session's VEVENT, rendered once per rev and variant
 * and kept in a hash table until no feed has used it for an hour. The
 * many texts of a cold feed are read by bulk queries and rendered on
 * every core, each thread with a read-only connection of its own.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "feeds.h"

#define BULK_MISSING	32		/* this many missing: one bulk query */
#define BULK_THREADED	256		/* this many: render on every core */
#define BULK_PIECE	512		/* sessions to a bulk query */
#define READER_BUSY_MS	5000		/* a renderer's connection waits */

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
render_job(struct feeds *fs, sqlite3_stmt *stmt, int variant, struct job *j)
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
render_job_run(struct job *j)
{
	j->c->text = feed_event(&j->se.ev, j->se.lang, &j->c->len);
}

/* Renders the row's event; the loop thread's way for one session. */
static struct chunk *
render_row(struct feeds *fs, sqlite3_stmt *stmt, int variant)
{
	struct job	 j;

	render_job(fs, stmt, variant, &j);
	render_job_run(&j);
	job_free(&j);
	fs->rendered++;
	return (j.c);
}

static struct chunk *
render_session(struct feeds *fs, int64_t id, int variant)
{
	sqlite3_stmt	*stmt = store_stmt(fs->st, event_sql_one);
	struct chunk	*c = NULL;

	sqlite3_bind_int64(stmt, 1, id);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		c = render_row(fs, stmt, variant);
	sqlite3_reset(stmt);
	return (c);
}

static struct chunk **
render_slot(struct feeds *fs, int64_t id, int variant)
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
render_put(struct feeds *fs, struct chunk **cp, struct chunk *c,
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
struct chunk *
render_chunk(struct feeds *fs, int64_t id, int variant, int64_t rev,
    time_t now)
{
	struct chunk	**cp = render_slot(fs, id, variant), *c;

	if ((c = *cp) != NULL && c->rev == rev) {
		c->used = now;
		return (c);
	}
	if ((c = render_session(fs, id, variant)) == NULL)
		return (NULL);
	render_put(fs, cp, c, now);
	return (c);
}

/* ids as a JSON array, "[1,2,3]", for json_each(); caller frees. */
char *
render_id_list(const int64_t *ids, size_t n)
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
render_reader(struct feeds *fs, size_t i)
{
	struct reader	*r = &fs->readers[i];
	const char	*path = store_path(fs->st);
	char		*cause = NULL;

	if (r->stmt != NULL || r->failed)
		return (r->stmt);
	r->failed = 1;
	if (path == NULL || *path == '\0' || strcmp(path, ":memory:") == 0)
		return (NULL);
	if (store_connect(path, STORE_READ, READER_BUSY_MS, &r->db,
	    &cause) != 0) {
		log_warnx("feeds: a renderer's connection: %s", cause);
		free(cause);
		return (NULL);
	}
	if (sqlite3_prepare_v3(r->db, event_sql_many, -1,
	    SQLITE_PREPARE_PERSISTENT, &r->stmt, NULL) != SQLITE_OK) {
		log_warnx("feeds: %s, opened once more to read: %s", path,
		    sqlite3_errmsg(r->db));
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
render_share(void *arg)
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
		list = render_id_list(pc->ids, pc->max);
		sqlite3_bind_text(sh->stmt, 1, list, -1, SQLITE_STATIC);
		while (pc->n < pc->max &&
		    sqlite3_step(sh->stmt) == SQLITE_ROW) {
			render_job(bk->fs, sh->stmt, bk->variant,
			    &pc->jobs[pc->n]);
			render_job_run(&pc->jobs[pc->n]);
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
 * to render_chunk().
 */
void
render_prefetch(struct feeds *fs, const struct members *m, int variant,
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
		cp = render_slot(fs, m->ids[i], variant);
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
		if (i > 0 && (sh[i].stmt = render_reader(fs, i - 1)) != NULL)
			sh[i].started = pthread_create(&sh[i].thread, NULL,
			    render_share, &sh[i]) == 0;
	}
	/* The loop thread's part: what no thread takes, all if none runs. */
	sh[0].stmt = store_stmt(fs->st, event_sql_many);
	render_share(&sh[0]);
	for (i = 1; i < nw; i++) {
		if (sh[i].started)
			pthread_join(sh[i].thread, NULL);
	}
	pthread_mutex_destroy(&bk.lock);
	for (i = 0; i < bk.npieces; i++) {
		pc = &bk.pieces[i];
		for (k = 0; k < pc->n; k++) {
			c = pc->jobs[k].c;
			render_put(fs, render_slot(fs, c->id,
			    variant), c, now);
		}
		fs->rendered += pc->n;
	}
	free(bk.pieces);
	free(jobs);
	free(ids);
}

/* Drops event texts no feed has used for a while. */
void
render_gc(struct feeds *fs, time_t now)
{
	struct chunk	**cp, *c;
	size_t		  i;

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

void
render_drop(struct feeds *fs, int free_readers)
{
	struct chunk	*c, *cnext;
	size_t		 i;

	for (i = 0; i < CHUNK_BUCKETS; i++) {
		for (c = fs->chunks[i]; c != NULL; c = cnext) {
			cnext = c->next;
			free(c->text);
			free(c);
		}
		fs->chunks[i] = NULL;
	}
	fs->nchunks = 0;
	if (!free_readers)
		return;
	for (i = 0; i < FEEDS_THREADS - 1; i++) {
		sqlite3_finalize(fs->readers[i].stmt);
		sqlite3_close(fs->readers[i].db);
		fs->readers[i].stmt = NULL;
		fs->readers[i].db = NULL;
	}
}
