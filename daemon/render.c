/*
 * Event texts: each session's VEVENT, rendered once per rev and variant
 * and kept in a hash table until no feed has used it for an hour. The
 * many texts of a cold feed are read by bulk queries and rendered on
 * every core, each thread with a read-only connection of its own; after
 * a start, the next sessions' are rendered ahead (render_warm()).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "feeds.h"

#define BULK_MISSING	32		/* this many missing: one bulk query */
#define BULK_THREADED	256		/* this many: render on every core */
#define BULK_PIECE	512		/* sessions to a bulk query */
#define READER_BUSY_MS	5000		/* a renderer's connection waits */
#define READER_CACHE_KB	256		/* and keeps this many KiB of pages */

/*
 * One event to render: the values copied out of the database row, so the
 * rendering can run on another thread.
 */
struct job {
	struct session_event	 se;
	int			 variant;
	struct chunk		*c;
};

/*
 * The event texts' shared tails (struct tail): the table is each struct
 * feeds' own, and this lock, the renderers' and the loop's, guards them
 * all. A 10,000-session feed of one venue and course type keeps some
 * 4 MB of texts instead of 9.
 */
static pthread_mutex_t	 render_tail_lock = PTHREAD_MUTEX_INITIALIZER;

/* A hash of the len octets at p, eight at a time. */
static uint64_t
render_hash(const char *p, size_t len)
{
	uint64_t	 h = len, w;

	for (; len >= 8; p += 8, len -= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * UINT64_C(0x9E3779B97F4A7C15);
		h ^= h >> 32;
	}
	w = 0;
	memcpy(&w, p, len);
	h = (h ^ w) * UINT64_C(0x9E3779B97F4A7C15);
	return (h ^ (h >> 29));
}

/* The tail of len octets at p from the table, put there when new. */
static struct tail *
render_tail(struct feeds *fs, const char *p, size_t len)
{
	uint64_t	  hash = render_hash(p, len);
	struct tail	**tp, *t;

	pthread_mutex_lock(&render_tail_lock);
	for (tp = &fs->tails[hash % TAIL_BUCKETS]; (t = *tp) != NULL;
	    tp = &t->next) {
		if (t->hash == hash && t->len == len &&
		    memcmp(t->text, p, len) == 0)
			break;
	}
	if (t == NULL) {
		t = xmalloc(sizeof *t + len);
		t->hash = hash;
		t->refs = 0;
		t->len = len;
		t->next = NULL;
		memcpy(t->text, p, len);
		*tp = t;
	}
	t->refs++;
	pthread_mutex_unlock(&render_tail_lock);
	return (t);
}

/* Another reference to a tail in the table. Any thread. */
static struct tail *
render_tail_ref(struct tail *t)
{
	pthread_mutex_lock(&render_tail_lock);
	t->refs++;
	pthread_mutex_unlock(&render_tail_lock);
	return (t);
}

/*
 * The chunk of an event text: its own hlen octets at head copied in, the
 * tail (NULL: none) taken over. Any thread.
 */
static struct chunk *
render_chunk_new(int64_t id, int variant, int64_t rev, const char *head,
    size_t hlen, struct tail *tail)
{
	struct chunk	*c;

	c = xmalloc(sizeof *c + hlen);
	c->id = id;
	c->variant = variant;
	c->rev = rev;
	c->used = 0;
	c->hlen = (uint32_t)hlen;
	c->ahead = 0;
	c->tail = tail;
	c->next = NULL;
	if (hlen > 0)
		memcpy(c->head, head, hlen);
	return (c);
}

static void
render_chunk_free(struct feeds *fs, struct chunk *c)
{
	struct tail	**tp, *t;

	if (c == NULL)
		return;
	if ((t = c->tail) != NULL) {
		pthread_mutex_lock(&render_tail_lock);
		if (--t->refs == 0) {
			for (tp = &fs->tails[t->hash % TAIL_BUCKETS]; *tp != t;
			    tp = &(*tp)->next)
				;
			*tp = t->next;
			free(t);
		}
		pthread_mutex_unlock(&render_tail_lock);
	}
	free(c);
}

/*
 * Fills a job from the current row of an event query (event_sql_one), with
 * the feeds' link and alarm settings.
 */
static void
render_job_as(const char *url, int alarm_minutes, sqlite3_stmt *stmt,
    int variant, struct job *j)
{
	struct cal_event	*ev = &j->se.ev;

	event_fill(&j->se, stmt, url, (variant & VAR_EN) != 0);
	ev->waitlisted = (variant & VAR_WAITLIST) != 0;
	if (ev->waitlisted && ev->status != CAL_CANCELLED)
		ev->status = CAL_TENTATIVE;
	ev->alarm_minutes = (variant & VAR_ALARM) ? alarm_minutes : 0;
	j->variant = variant;
	j->c = NULL;
}

static void
render_job(struct feeds *fs, sqlite3_stmt *stmt, int variant, struct job *j)
{
	render_job_as(fs->url, fs->alarm_minutes, stmt, variant, j);
}

static void
job_free(struct job *j)
{
	event_clear(&j->se);
}

/*
 * Renders the job's text into b, which a thread keeps from one text to
 * the next: the only memory left behind is the chunk's, so the chunks of
 * a bulk lie side by side instead of between freed texts. The tail (the
 * lines after LAST-MODIFIED) is the one of prev, the job rendered just
 * before, when their values say it is the same: the sessions of a venue's
 * course type follow each other, and their tails are most of the text.
 */
static void
render_job_run(struct feeds *fs, struct job *j, const struct job *prev,
    struct buf *b)
{
	struct tail	*t = NULL;
	size_t		 hlen = 0;

	b->len = 0;
	if (feed_event_add_head(&j->se.ev, j->se.lang, b) == 0) {
		hlen = b->len;
		if (prev != NULL && prev->c != NULL && prev->c->tail != NULL &&
		    feed_event_same_tail(&prev->se.ev, &j->se.ev))
			t = render_tail_ref(prev->c->tail);
		else {
			feed_event_add_tail(&j->se.ev, j->se.lang, b);
			t = render_tail(fs, b->data + hlen, b->len - hlen);
		}
	}
	j->c = render_chunk_new(j->se.id, j->variant, j->se.rev, b->data, hlen,
	    t);
}

/* Renders the row's event; the loop thread's way for one session. */
static struct chunk *
render_row(struct feeds *fs, sqlite3_stmt *stmt, int variant)
{
	struct job	 j;
	struct buf	 b = BUF_INIT;

	render_job(fs, stmt, variant, &j);
	render_job_run(fs, &j, NULL, &b);
	buf_free(&b);
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
		render_chunk_free(fs, *cp);
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
		if (c->ahead) {
			/* For the feed's debug line: not rendered now. */
			c->ahead = 0;
			fs->taken++;
		}
		return (c);
	}
	if (fs->warm != NULL) {
		render_warm_end(fs);
		return (render_chunk(fs, id, variant, rev, now));
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

/* Sessions read and rendered by one query: a piece of a cold feed. */
struct piece {
	const int64_t	*ids;
	struct chunk	**chunks;	/* room for max */
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
	struct chunk	**chunks;	/* the pieces' */
	size_t		 npieces, next;
	atomic_int	 waited;	/* the loop waits for its end */
};

/* A thread's part in a bulk, with its statement on its own connection. */
struct share {
	pthread_t	 thread;
	int		 started;
	struct bulk	*bulk;
	sqlite3		*db;		/* its own, or NULL: the loop's */
	sqlite3_stmt	*stmt;		/* event_sql_many */
};

/*
 * A renderer's own read-only connection, with its statement, opened for
 * one bulk and closed after it (render_unread()): between cold feeds the
 * daemon keeps no schema or pages for it. -1 when the database cannot be
 * opened again (a memory database): the loop thread then reads what this
 * thread would have.
 */
static int
render_reader(struct feeds *fs, struct share *sh)
{
	const char	*path = store_path(fs->st);
	char		*cause = NULL;

	sh->db = NULL;
	sh->stmt = NULL;
	if (path == NULL || *path == '\0' || strcmp(path, ":memory:") == 0)
		return (-1);
	if (store_connect(path, STORE_READ, READER_BUSY_MS, &sh->db,
	    &cause) != 0) {
		log_warnx("feeds: a renderer's connection: %s", cause);
		free(cause);
		return (-1);
	}
	/*
	 * A bulk reads each row once: a small cache keeps the tables' upper
	 * pages, the kernel's the rest. (The default 2 MB, taken among the
	 * texts in the thread's arena, stayed there in pieces.)
	 */
	(void)store_cache_kb(sh->db, READER_CACHE_KB);
	if (sqlite3_prepare_v2(sh->db, event_sql_many, -1, &sh->stmt,
	    NULL) != SQLITE_OK) {
		log_warnx("feeds: %s, opened once more to read: %s", path,
		    sqlite3_errmsg(sh->db));
		sqlite3_close(sh->db);
		sh->db = NULL;
		return (-1);
	}
	return (0);
}

static void
render_unread(struct share *sh)
{
	if (sh->db == NULL)
		return;
	sqlite3_finalize(sh->stmt);
	sqlite3_close(sh->db);
	sh->db = NULL;
	sh->stmt = NULL;
}

/*
 * Reads and renders pieces until none is left, leaving the chunks: a
 * thread touches only its own connection, pieces and chunks (and
 * the settings, which stay put).
 */
static void
render_share(struct share *sh)
{
	struct bulk	*bk = sh->bulk;
	struct piece	*pc;
	struct job	 jobs[2], *j, *prev = NULL;
	struct buf	 b = BUF_INIT;
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
			/* The job before stays, for its tail. */
			j = prev != &jobs[0] ? &jobs[0] : &jobs[1];
			render_job(bk->fs, sh->stmt, bk->variant, j);
			render_job_run(bk->fs, j, prev, &b);
			if (prev != NULL)
				job_free(prev);
			prev = j;
			pc->chunks[pc->n++] = j->c;
		}
		sqlite3_reset(sh->stmt);
		sqlite3_clear_bindings(sh->stmt);
		free(list);
	}
	if (prev != NULL)
		job_free(prev);
	buf_free(&b);
}

/* Threads to render on: one a core, at most FEEDS_THREADS. */
static size_t
render_cores(void)
{
	long	 cores = sysconf(_SC_NPROCESSORS_ONLN);
	size_t	 nw = cores > 1 ? (size_t)cores : 1;

	return (nw > FEEDS_THREADS ? FEEDS_THREADS : nw);
}

/* A bulk of the n ids, in pieces of per, with room for their texts. */
static void
render_bulk_init(struct bulk *bk, struct feeds *fs, int variant,
    const int64_t *ids, size_t n, size_t per)
{
	struct piece	 *pc;
	struct chunk	**chunks;
	size_t		  i;

	memset(bk, 0, sizeof *bk);
	atomic_init(&bk->waited, 0);
	pthread_mutex_init(&bk->lock, NULL);
	bk->fs = fs;
	bk->variant = variant;
	bk->npieces = (n + per - 1) / per;
	bk->pieces = xcalloc(bk->npieces + 1, sizeof *bk->pieces);
	chunks = bk->chunks = xcalloc(n + 1, sizeof *chunks);
	for (i = 0; i < bk->npieces; i++) {
		pc = &bk->pieces[i];
		pc->ids = ids + i * per;
		pc->chunks = chunks + i * per;
		pc->max = n - i * per;
		if (pc->max > per)
			pc->max = per;
	}
}

/*
 * A helper: its part of the bulk on a connection of its own. The
 * connection (schema, pages, statement) and rows it freed lie in the
 * middle of the arena that its texts keep: they go back at once, on this
 * thread, beside the loop's last piece (some 0.8 ms of CPU). The feed's
 * bytes come next, and on top of them, until the loop's trim a second
 * later (memory.c), they were the national set's high-water mark: the
 * first feed of a venue, 1,181 events, VmHWM 29.9 -> 28.7 MB. Not when
 * the loop has joined in on the render-ahead and waits for its end (a
 * first feed right after a start): that feed's cold render goes first.
 */
static void *
render_helper(void *arg)
{
	struct share	*sh = arg;

	if (render_reader(sh->bulk->fs, sh) == 0) {
		render_share(sh);
		render_unread(sh);
		if (!atomic_load(&sh->bulk->waited))
			memory_give_back();
	}
	return (NULL);
}

/*
 * Starts helpers from..to-1 of sh on bk; one that cannot open its
 * connection leaves its part to the others.
 */
static void
render_helpers(struct share *sh, struct bulk *bk, size_t from, size_t to)
{
	size_t	 i;

	for (i = from; i < to; i++) {
		sh[i].bulk = bk;
		sh[i].started = pthread_create(&sh[i].thread, NULL,
		    render_helper, &sh[i]) == 0;
	}
}

static void
render_join(struct share *sh, size_t from, size_t to)
{
	size_t	 i;

	for (i = from; i < to; i++) {
		if (sh[i].started)
			pthread_join(sh[i].thread, NULL);
	}
}

/*
 * Puts what a finished bulk rendered in the table and frees the bulk; with
 * keep (the render-ahead's), a text already there stays (it may be newer)
 * and those put are marked as rendered ahead. The texts put.
 */
static size_t
render_bulk_put(struct feeds *fs, struct bulk *bk, int keep, time_t now)
{
	struct piece	 *pc;
	struct chunk	**cp, *c;
	size_t		  i, k, n = 0;

	pthread_mutex_destroy(&bk->lock);
	for (i = 0; i < bk->npieces; i++) {
		pc = &bk->pieces[i];
		for (k = 0; k < pc->n; k++) {
			c = pc->chunks[k];
			cp = render_slot(fs, c->id, bk->variant);
			if (keep && *cp != NULL) {
				render_chunk_free(fs, c);
				continue;
			}
			render_put(fs, cp, c, now);
			c->ahead = keep != 0;
			n++;
		}
	}
	free(bk->chunks);
	free(bk->pieces);
	bk->pieces = NULL;
	bk->npieces = 0;
	return (n);
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
	struct chunk	**cp;
	int64_t		 *ids;
	size_t		  i, missing = 0, nw;

	/* What was rendered ahead goes in first (render_warm()). */
	render_warm_end(fs);
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

	nw = render_cores();
	if (missing < BULK_THREADED)
		nw = 1;
	render_bulk_init(&bk, fs, variant, ids, missing, BULK_PIECE);
	memset(sh, 0, sizeof sh);
	render_helpers(sh, &bk, 1, nw);
	/* The loop thread's part: what no thread takes, all if none runs. */
	sh[0].bulk = &bk;
	sh[0].stmt = store_stmt(fs->st, event_sql_many);
	render_share(&sh[0]);
	render_join(sh, 1, nw);
	fs->rendered += render_bulk_put(fs, &bk, 0, now);
	free(ids);
}

/* An id and where it stands in a list: render_texts()' lookup. */
struct place {
	int64_t		 id;
	size_t		 i;
};

static int
render_place_cmp(const void *a, const void *b)
{
	const struct place *pa = a, *pb = b;

	return (pa->id < pb->id ? -1 : pa->id > pb->id);
}

/*
 * The event texts of the n sessions ids, in the common variant (Danish,
 * no alarm, as the feeds' and the export's), read through stmt
 * (event_sql_many, on a connection of the calling thread's) BULK_PIECE
 * at a time, without the table of texts: for a thread of its own (an
 * export). texts[i] and lens[i] are ids[i]'s, NULL for a session that is
 * gone; the caller frees them. -1 when *stop was set on the way.
 */
int
render_texts(const char *url, sqlite3_stmt *stmt, const int64_t *ids,
    size_t n, char **texts, size_t *lens, const atomic_int *stop)
{
	struct place	*pl, key, *hit;
	struct job	 j;
	size_t		 at, k, max;
	char		*list;

	pl = xcalloc(BULK_PIECE, sizeof *pl);
	for (at = 0; at < n; at += max) {
		if (stop != NULL && atomic_load(stop))
			break;
		max = n - at < BULK_PIECE ? n - at : BULK_PIECE;
		for (k = 0; k < max; k++) {
			pl[k].id = ids[at + k];
			pl[k].i = at + k;
		}
		qsort(pl, max, sizeof *pl, render_place_cmp);
		list = render_id_list(ids + at, max);
		sqlite3_bind_text(stmt, 1, list, -1, SQLITE_STATIC);
		while (sqlite3_step(stmt) == SQLITE_ROW) {
			render_job_as(url, 0, stmt, 0, &j);
			key.id = j.se.id;
			hit = bsearch(&key, pl, max, sizeof *pl,
			    render_place_cmp);
			if (hit != NULL && texts[hit->i] == NULL)
				texts[hit->i] = feed_event(&j.se.ev, j.se.lang,
				    &lens[hit->i]);
			job_free(&j);
		}
		sqlite3_reset(stmt);
		sqlite3_clear_bindings(stmt);
		free(list);
	}
	free(pl);
	return (at < n ? -1 : 0);
}

/* --- rendering ahead, after a start */

/*
 * After a start (or a reload, which empties the cache) the event texts of
 * the next WARM_MAX sessions that feeds show are rendered ahead, in the
 * common variant (Danish, no alarm), by threads of their own on the
 * renderers' connections: the first feed asked for then finds most of
 * its texts ready. The loop neither waits for it nor is held by it: the
 * first render that needs texts joins in on what is left (taking pieces
 * as the threads do) and then puts them all in the table. WARM_MAX bounds
 * the memory (some 4 MB, the tails shared): a municipality's whole year;
 * for the whole country the next month or so. It trades the resident
 * memory of an idle daemon (< 30 MB on the national set; the sender's
 * workers give theirs back when idle, worker.c) against the first render
 * of a very large feed: at 8,192 one of 10,000 sessions rendered the
 * rest itself, a median of ~52 ms against ~43 ms now (six cold starts
 * each, the page cache dropped).
 */
#define WARM_MAX	10240
#define WARM_NICE	10		/* the threads' priority: below the loop */
/*
 * Sessions to a piece rendered ahead: when the first render joins in,
 * it waits for the pieces the threads have begun, at their low priority
 * (at BULK_PIECE, 13 ms on a busy machine).
 */
#define WARM_PIECE	128
#define WARM_ZONES	4		/* the listed sessions' zones built ahead */
#define WARM_HELP	8		/* pieces left: a helper joins the loop */

struct warm {
	pthread_t	 thread;
	pthread_mutex_t	 lock;
	pthread_cond_t	 cond;
	int		 listed;	/* under lock: the bulk is set up */
	struct feeds	*fs;
	time_t		 after, cancelled_after;
	int64_t		*ids;
	size_t		 n;
	time_t		 from, until;	/* the first start, the last end */
	struct bulk	 bk;
	struct share	 sh[FEEDS_THREADS];
	size_t		 nw;
	struct timespec	 t0;
};

/*
 * Lists the sessions to render ahead on connection db: their ids, and
 * the times they span.
 */
static void
render_warm_list(struct warm *w, sqlite3 *db)
{
	static const char *sql = "SELECT s.id, s.start_at, s.end_at FROM"
	    " session s WHERE" FEED_WINDOW FEED_ORDER " LIMIT ?3";
	sqlite3_stmt	*stmt;
	time_t		 end;

	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(stmt, 1, w->after);
	sqlite3_bind_int64(stmt, 2, w->cancelled_after);
	sqlite3_bind_int64(stmt, 3, WARM_MAX);
	w->ids = xcalloc(WARM_MAX, sizeof *w->ids);
	while (w->n < WARM_MAX && sqlite3_step(stmt) == SQLITE_ROW) {
		if (w->n == 0)
			w->from = (time_t)sqlite3_column_int64(stmt, 1);
		end = (time_t)sqlite3_column_int64(stmt, 2);
		if (w->n == 0 || end > w->until)
			w->until = end;
		w->ids[w->n++] = sqlite3_column_int64(stmt, 0);
	}
	sqlite3_finalize(stmt);
}

/*
 * Builds the VTIMEZONEs of the zones of the listed sessions' venues, the
 * most frequent first, for the listed times into their cache: the head of
 * a feed that spans them all (a large one) then costs the first render
 * nothing (a few ms of libical's each).
 */
static void
render_warm_zones(struct warm *w, sqlite3 *db)
{
	static const char *sql = "SELECT v.timezone FROM (SELECT s.venue_id"
	    " FROM session s WHERE" FEED_WINDOW FEED_ORDER " LIMIT ?3) l"
	    " JOIN venue v ON v.id = l.venue_id GROUP BY v.timezone"
	    " ORDER BY count(*) DESC, v.timezone LIMIT ?4";
	sqlite3_stmt	*stmt;
	char		*tz[WARM_ZONES];
	size_t		 n = 0;

	if (w->n == 0 ||
	    sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(stmt, 1, w->after);
	sqlite3_bind_int64(stmt, 2, w->cancelled_after);
	sqlite3_bind_int64(stmt, 3, WARM_MAX);
	sqlite3_bind_int(stmt, 4, WARM_ZONES);
	while (n < WARM_ZONES && sqlite3_step(stmt) == SQLITE_ROW)
		tz[n++] = xstrdup(store_col(stmt, 0));
	sqlite3_finalize(stmt);
	feed_calendar_zones((const char *const *)tz, n, w->from, w->until);
	while (n > 0)
		free(tz[--n]);
}

/* The rendering-ahead thread: lists, then renders with its helpers. */
static void *
render_warm_run(void *arg)
{
	struct warm	*w = arg;
	struct feeds	*fs = w->fs;

	/*
	 * Idle cores are taken, the loop's turn is not: this thread and the
	 * helpers it starts (which inherit it) run at nice WARM_NICE. (Not
	 * where a system call filter refuses it; then as the loop.) A
	 * small database was read ahead whole before SQLite opened it
	 * (store_private()): closing a descriptor of its own now would
	 * drop the process's POSIX locks on it, SQLite's included.
	 */
	(void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), WARM_NICE);
	if (render_reader(fs, &w->sh[0]) == 0)
		render_warm_list(w, w->sh[0].db);
	render_bulk_init(&w->bk, fs, 0, w->ids, w->n, WARM_PIECE);
	pthread_mutex_lock(&w->lock);
	w->listed = 1;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	if (w->sh[0].db != NULL)
		render_warm_zones(w, w->sh[0].db);
	if (w->n > 0) {
		w->sh[0].bulk = &w->bk;
		render_helpers(w->sh, &w->bk, 1, w->nw);
		render_share(&w->sh[0]);
		render_join(w->sh, 1, w->nw);
	}
	render_unread(&w->sh[0]);
	/* As a helper's (render_helper()), and for the same reason. */
	if (!atomic_load(&w->bk.waited))
		memory_give_back();
	return (NULL);
}

void
render_warm(struct feeds *fs)
{
	struct warm	*w;
	time_t		 now = store_now(fs->st);
	const char	*path = store_path(fs->st);

	render_warm_end(fs);
	/* Only a database that other connections can open (not :memory:). */
	if (path == NULL || *path == '\0' || strcmp(path, ":memory:") == 0)
		return;
	w = xcalloc(1, sizeof *w);
	w->fs = fs;
	w->after = now - (time_t)fs->past_days * 86400;
	w->cancelled_after = now - (time_t)fs->cancelled_days * 86400;
	/*
	 * Every core, at a lower priority (render_warm_run()); the loop is
	 * one more when it joins in.
	 */
	w->nw = render_cores();
	if (w->nw > FEEDS_THREADS - 1)
		w->nw = FEEDS_THREADS - 1;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	clock_gettime(CLOCK_MONOTONIC, &w->t0);
	if (pthread_create(&w->thread, NULL, render_warm_run, w) != 0) {
		log_warnx("feeds: cannot start rendering ahead");
		pthread_mutex_destroy(&w->lock);
		pthread_cond_destroy(&w->cond);
		free(w);
		return;
	}
	fs->warm = w;
}

void
render_warm_end(struct feeds *fs)
{
	struct warm	*w = fs->warm;
	struct share	 me, help[1];
	struct timespec	 t1;
	size_t		 n, left;

	if (w == NULL)
		return;
	fs->warm = NULL;
	/* Join in on what is left, through the store's own connection. */
	pthread_mutex_lock(&w->lock);
	while (!w->listed)
		pthread_cond_wait(&w->cond, &w->lock);
	pthread_mutex_unlock(&w->lock);
	atomic_store(&w->bk.waited, 1);
	memset(&me, 0, sizeof me);
	memset(help, 0, sizeof help);
	me.bulk = &w->bk;
	if (w->n > 0) {
		pthread_mutex_lock(&w->bk.lock);
		left = w->bk.npieces - w->bk.next;
		pthread_mutex_unlock(&w->bk.lock);
		/*
		 * Much left: a helper at the loop's priority takes pieces
		 * too. The render-ahead's threads run below every other
		 * process and get little of a busy machine.
		 */
		if (left >= WARM_HELP && render_cores() > 1)
			render_helpers(help, &w->bk, 0, 1);
		me.stmt = store_stmt(fs->st, event_sql_many);
		render_share(&me);
		render_join(help, 0, 1);
	}
	pthread_join(w->thread, NULL);
	n = render_bulk_put(fs, &w->bk, 1, time(NULL));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	log_debug("feeds: %zu event texts rendered ahead of %zu sessions, "
	    "%.1f ms after the start", n, w->n,
	    (double)(t1.tv_sec - w->t0.tv_sec) * 1e3 +
	    (double)(t1.tv_nsec - w->t0.tv_nsec) / 1e6);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
	free(w->ids);
	free(w);
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
				render_chunk_free(fs, c);
				fs->nchunks--;
			} else
				cp = &c->next;
		}
	}
}

void
render_drop(struct feeds *fs)
{
	struct chunk	*c, *cnext;
	size_t		 i;

	render_warm_end(fs);
	for (i = 0; i < CHUNK_BUCKETS; i++) {
		for (c = fs->chunks[i]; c != NULL; c = cnext) {
			cnext = c->next;
			render_chunk_free(fs, c);
		}
		fs->chunks[i] = NULL;
	}
	fs->nchunks = 0;
}
