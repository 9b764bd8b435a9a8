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
 * Between two such listings ([feeds] recheck_seconds), a feed's list is
 * patched instead: the connection's update hook keeps the ids of the
 * sessions written (the journal), and only those are read again.
 *
 * What a path shows is the kind's (feedkind.c); the event texts and the
 * threads that render them are render.c's.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <nettle/sha2.h>
#include <zlib.h>

#include "feeds.h"
#include "hash.h"
#include "page.h"

#define FEEDS_MAX	4096		/* feeds kept in memory (fs->max) */
#define SPARE_MIN	(1024 * 1024)	/* feed bytes worth keeping memory for */
#define FEEDS_FILED_MIN	(32 * 1024)	/* bytes sent with sendfile() */

struct feed {
	char		*path;		/* the URL path: the cache key */
	const struct feed_kind *kind;
	int64_t		 arg;		/* venue, course, instructor, person */
	int		 variant;	/* language and alarm */
	char		*name;
	uint64_t	 generation;
	time_t		 checked;
	uint64_t	 used;		/* fs->uses at its last request */
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
	uint32_t	 hash;		/* of path (feeds_hash()) */
	struct feed	*hnext;		/* in its bucket of fs->bypath */
};

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

/*
 * Sessions were written through a connection the hook does not see (a
 * worker's): the journal cannot say which, so every feed is listed whole
 * again (feeds_patchable() says no to each).
 */
void
feeds_note_written(struct feeds *fs)
{
	if (fs != NULL)
		fs->njournal += JOURNAL_MAX + 1;
}

struct feeds *
feeds_new(struct store *st, const struct config *conf)
{
	struct feeds	*fs = xcalloc(1, sizeof *fs);

	fs->st = st;
	fs->max = FEEDS_MAX;
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

	for (f = fs->feeds; f != NULL; f = fnext) {
		fnext = f->next;
		feed_free(f);
	}
	fs->feeds = NULL;
	memset(fs->bypath, 0, sizeof fs->bypath);
	fs->nfeeds = 0;
	render_drop(fs);
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
	page_site_free(fs->site);
	fs->site = page_site_new(conf);
	len = strlen(fs->url);
	while (len > 0 && fs->url[len - 1] == '/')
		fs->url[--len] = '\0';
	if (fs->key_file == NULL || strcmp(fs->key_file,
	    conf->feeds_key_file) != 0) {
		free(fs->key_file);
		fs->key_file = xstrdup(conf->feeds_key_file);
		fs->have_key = 0;
	}
	/* The cache is empty: the next sessions' texts are rendered ahead. */
	render_warm(fs);
}

void
feeds_free(struct feeds *fs)
{
	if (fs == NULL)
		return;
	sqlite3_update_hook(store_db(fs->st), NULL, NULL);
	feeds_drop_all(fs);
	free(fs->spare);
	free(fs->key_file);
	free(fs->url);
	page_site_free(fs->site);
	free(fs);
}

/* Lets go of what no feed has used for a while. */
static void
feeds_gc(struct feeds *fs, time_t now)
{
	if (now - fs->last_gc < CHUNK_IDLE / 4)
		return;
	fs->last_gc = now;
	if (fs->spare != NULL && now - fs->spare_time > CHUNK_IDLE) {
		free(fs->spare);
		fs->spare = NULL;
		fs->spare_size = 0;
	}
	render_gc(fs, now);
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
	struct sha256_ctx ctx;
	unsigned char	 md[SHA256_DIGEST_SIZE];
	int		 settings[5] = { fs->refresh_minutes, fs->past_days,
			    fs->cancelled_days, fs->alarm_minutes, variant };
	const char	*site[] = { fs->site->name, fs->site->header,
			    fs->site->colour, fs->site->phone, fs->site->email,
			    fs->site->url };
	size_t		 i;

	/* Nettle's, as token.c's (OpenSSL's first use costs 1.9 MB). */
	sha256_init(&ctx);
	sha256_update(&ctx, sizeof PACKAGE_VERSION,
	    (const uint8_t *)PACKAGE_VERSION);
	sha256_update(&ctx, sizeof settings, (const uint8_t *)settings);
	sha256_update(&ctx, strlen(fs->url) + 1, (const uint8_t *)fs->url);
	for (i = 0; i < sizeof site / sizeof site[0]; i++)
		sha256_update(&ctx, strlen(site[i]) + 1,
		    (const uint8_t *)site[i]);
	sha256_update(&ctx, strlen(name) + 1, (const uint8_t *)name);
	for (i = 0; i < m->ntz; i++)
		sha256_update(&ctx, strlen(m->tzids[i]) + 1,
		    (const uint8_t *)m->tzids[i]);
	sha256_update(&ctx, m->n * sizeof *m->ids, (const uint8_t *)m->ids);
	sha256_update(&ctx, m->n * sizeof *m->revs,
	    (const uint8_t *)m->revs);
	sha256_digest(&ctx, sizeof md, md);
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
	return (buf_block(need));
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

	render_prefetch(fs, m, variant, now);
	chunks = xcalloc(m->n + 1, sizeof *chunks);
	total = sizeof footer - 1;
	for (i = 0; i < m->n; i++) {
		c = render_chunk(fs, m->ids[i], variant | ((m->revs[i] & 1) ?
		    VAR_WAITLIST : 0), m->revs[i] / 2, now);
		if (c == NULL)
			continue;
		chunks[k++] = c;
		total += CHUNK_LEN(c);
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
		c = chunks[i];
		memcpy(o, c->head, c->hlen);
		o += c->hlen;
		if (c->tail != NULL) {
			memcpy(o, c->tail->text, c->tail->len);
			o += c->tail->len;
		}
	}
	memcpy(o, footer, sizeof footer);
	free(head);
	free(chunks);
	*len = total;
	return (out);
}

/* How long after its start a session stays: pages show upcoming ones. */
static time_t
feeds_past(const struct feeds *fs, const struct feed_kind *kind)
{
	return ((kind->flags & FK_PAGE) ? 0 : (time_t)fs->past_days * 86400);
}

/* Binds the window of ordinary feeds. */
static void
feeds_bind_window(struct feeds *fs, const struct feed_kind *kind,
    sqlite3_stmt *stmt, int64_t arg)
{
	time_t	 now = store_now(fs->st);

	sqlite3_bind_int64(stmt, 1, now - feeds_past(fs, kind));
	sqlite3_bind_int64(stmt, 2, now - (time_t)fs->cancelled_days * 86400);
	sqlite3_bind_int64(stmt, 3, arg);
}

/*
 * The hash of a cache key: path, or path?query when query is not NULL
 * (FNV-1a), so that a page asked for by path and query is found without
 * making its key.
 */
static uint32_t
feeds_hash(const char *path, const char *query)
{
	uint32_t	 h = hash_str(HASH_INIT, path);

	return (query != NULL ? hash_str(hash_byte(h, '?'), query) : h);
}

/*
 * The feed cached under path and query (NULL: none): its path is
 * "path" or "path?query". One bucket looked through, however many feeds
 * the cache holds.
 */
static struct feed *
feeds_find(struct feeds *fs, const char *path, const char *query)
{
	struct feed	*f;
	uint32_t	 h = feeds_hash(path, query);
	size_t		 plen;

	for (f = fs->bypath[h % FEED_BUCKETS]; f != NULL; f = f->hnext) {
		if (f->hash != h)
			continue;
		if (query == NULL) {
			if (strcmp(f->path, path) == 0)
				return (f);
			continue;
		}
		plen = strlen(path);
		if (strncmp(f->path, path, plen) == 0 &&
		    f->path[plen] == '?' && strcmp(f->path + plen + 1,
		    query) == 0)
			return (f);
	}
	return (NULL);
}

/*
 * The cache key of a page asked for as path and query (NULL: none) when
 * the cache holds one under exactly that: its key is the request's own
 * target when it was asked for in its canonical form (the usual case: a
 * link the pages themselves give), so such a request needs no parsing of
 * its query. NULL otherwise (pages_key() makes the key). The key is the
 * cache's, good until the next call into it.
 */
const char *
feeds_known(struct feeds *fs, const char *path, const char *query)
{
	struct feed	*f = feeds_find(fs, path, query);

	return (f != NULL ? f->path : NULL);
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
	for (fp = &fs->bypath[f->hash % FEED_BUCKETS]; *fp != f;
	    fp = &(*fp)->hnext)
		;
	*fp = f->hnext;
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
feeds_patchable(struct feeds *fs, const struct feed *f,
    const struct feed_kind *kind,
    int64_t arg, time_t now)
{
	if (f->plain == NULL || f->kind != kind || f->arg != arg)
		return (0);
	if (kind->changed == NULL)
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
feeds_patch(struct feeds *fs, struct feed *f, const struct feed_kind *kind,
    int64_t arg,
    struct members *m)
{
	struct members	 add, old;
	sqlite3_stmt	*stmt;
	int64_t		*changed;
	size_t		 n, nch = 0, i, j;
	time_t		 now = store_now(fs->st), after, cancelled_after;
	char		*list;

	after = now - feeds_past(fs, kind);
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
		list = render_id_list(changed, nch);
		stmt = store_stmt(fs->st, kind->changed);
		feeds_bind_window(fs, kind, stmt, arg);
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
feeds_expires(const struct feeds *fs, const struct feed_kind *kind,
    const struct members *m)
{
	const struct member	*row;
	time_t			 first = INT64_MAX, t;
	size_t			 i;

	for (i = 0; i < m->n; i++) {
		row = &m->rows[i];
		t = row->start + feeds_past(fs, kind) + 1;
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
 * A page keeps no rows: they serve only patching, which pages never do
 * (their seats are not journalled), and a month page of 10,000 sessions
 * would keep 480 KB of them.
 */
static void
feeds_page_rows(struct feed *f)
{
	if (f->kind != NULL && (f->kind->flags & FK_PAGE)) {
		free(f->rows);
		f->rows = NULL;
	}
}

/* A refresh begins: memory in use again, the clocks read (the wall's and
 * the loop thread's CPU time) for its debug line. */
static void
feeds_clock(struct timespec t0[2])
{
	memory_touch();
	clock_gettime(CLOCK_MONOTONIC, &t0[0]);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0[1]);
}

/*
 * Brings f up to date: re-resolves its path, lists its sessions (or, when
 * it was listed less than recheck_seconds ago and the journal still holds all
 * that was written since, patches its list), and re-assembles it when the
 * list differs: 1, else 0 (the bytes stand). -1 when the path no longer
 * resolves (token rotated, venue removed). fresh: a new entry, holding
 * what its path resolved to a moment ago (feeds_get()), not resolved
 * again, and when that began on the wall's clock and the loop thread's
 * (else NULL).
 */
static int
feeds_refresh(struct feeds *fs, struct feed *f, time_t now,
    const struct timespec *fresh)
{
	struct members	 m;
	sqlite3_stmt	*stmt;
	char		*name = NULL, *text;
	size_t		 len, size, rendered, taken;
	const struct feed_kind *kind;
	int64_t		 arg;
	int		 variant, patched = 0;
	struct timespec	 t0[2], t1, c1;
	struct tm	 tm;

	if (fresh != NULL) {
		t0[0] = fresh[0];
		t0[1] = fresh[1];
		kind = f->kind;
		arg = f->arg;
		variant = f->variant;
		name = f->name;
		f->name = NULL;
	} else {
		feeds_clock(t0);
		if (feeds_resolve(fs, f->path, &kind, &arg, &variant,
		    &name) != 0)
			return (-1);
	}
	if (feeds_patchable(fs, f, kind, arg, now)) {
		feeds_patch(fs, f, kind, arg, &m);
		patched = 1;
	} else {
		stmt = store_stmt(fs->st, kind->members);
		feeds_bind_window(fs, kind, stmt, arg);
		feeds_members(fs->st, stmt, &m);
		f->listed = now;
	}
	f->mark = fs->njournal;
	f->generation = store_generation(fs->st);
	f->checked = now;
	f->expires = feeds_expires(fs, kind, &m);
	if (f->plain != NULL && f->kind == kind && f->arg == arg &&
	    f->variant == variant && strcmp(f->name, name) == 0 &&
	    f->n == m.n && (m.n == 0 ||
	    (memcmp(f->ids, m.ids, m.n * sizeof *m.ids) == 0 &&
	    memcmp(f->revs, m.revs, m.n * sizeof *m.revs) == 0))) {
		/* The bytes stand; the rows may say newer things. */
		free(f->rows);
		f->rows = m.rows;
		m.rows = NULL;
		feeds_page_rows(f);
		free(name);
		members_free(&m);
		return (0);
	}
	rendered = fs->rendered;
	taken = fs->taken;
	/* The old bytes may lend their memory to the new (feeds_release()). */
	feeds_release(fs, f->plain, now);
	blob_unref(f->gz);
	f->plain = f->gz = NULL;
	if (kind->flags & FK_PAGE) {
		text = pages_render(fs, f->path, kind, arg, variant, &m, &len);
		size = len + 1;
	} else
		text = feeds_assemble(fs, name, store_default_timezone(fs->st),
		    &m, variant, &len, &size);
	f->plain = blob_adopt(text, len);
	f->plain->size = size;
	f->gz = NULL;
	feeds_etag(fs, name, variant, &m, f->etag, sizeof f->etag);
	snprintf(f->etag_gz, sizeof f->etag_gz, "%.*s-gz\"",
	    (int)strlen(f->etag) - 1, f->etag);
	/*
	 * A session leaving the feed changes no session's time: once the
	 * bytes have changed under a cached copy, they changed now. So
	 * does a registration, which a page's seats show: its bytes are as
	 * of now.
	 */
	if (f->last_modified != 0 || (kind->flags & FK_PAGE))
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
	feeds_page_rows(f);
	m.ids = m.revs = NULL;
	m.rows = NULL;
	members_free(&m);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
	/* The loop thread's CPU time: on a busy machine, beside the wall's. */
	log_debug("feed %s: %zu sessions, %zu rendered now, %zu taken from the"
	    " render-ahead, %zu bytes in %.1f ms (list %s), %.1f ms CPU on"
	    " the loop", f->path, f->n, fs->rendered - rendered,
	    fs->taken - taken, len,
	    (double)(t1.tv_sec - t0[0].tv_sec) * 1e3 +
	    (double)(t1.tv_nsec - t0[0].tv_nsec) / 1e6,
	    patched ? "patched" : "read",
	    (double)(c1.tv_sec - t0[1].tv_sec) * 1e3 +
	    (double)(c1.tv_nsec - t0[1].tv_nsec) / 1e6);
	metrics_count(METRICS_FEED_EVENTS, fs->rendered - rendered);
	return (1);
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
	/*
	 * Large gzip bytes are sent whole, many times: from a memory file,
	 * the kernel sends them without copying each answer's (as nginx's
	 * gzip_static does from its files).
	 */
	if (out->len >= FEEDS_FILED_MIN)
		(void)blob_filed(out);
	return (out);
}

int
feeds_get(struct feeds *fs, const char *path, int gzip,
    struct feed_answer *a)
{
	struct feed	*f;
	time_t		 now = time(NULL);
	const struct feed_kind *kind;
	int		 variant;
	int64_t		 arg;
	char		*name;
	int		 made = 0;
	struct timespec	 t0[2], *fresh = NULL;

	memset(a, 0, sizeof a[0]);
	if ((f = feeds_find(fs, path, NULL)) == NULL) {
		feeds_clock(t0);
		/*
		 * Only paths that resolve get an entry: no cache of misses.
		 * What it resolved to is the entry's until feeds_refresh()
		 * makes its bytes, which resolves it no second time.
		 */
		if (feeds_resolve(fs, path, &kind, &arg, &variant, &name) != 0)
			return (-1);
		while (fs->nfeeds > 0 && fs->nfeeds >= fs->max)
			feeds_evict(fs);
		f = xcalloc(1, sizeof *f);
		f->path = xstrdup(path);
		if (!(kind->flags & FK_PAGE))
			f->disposition = xprintf("inline; filename=\"%s\"",
			    strrchr(path, '/') + 1);
		f->kind = kind;
		f->arg = arg;
		f->variant = variant;
		f->name = name;
		f->next = fs->feeds;
		fs->feeds = f;
		f->hash = feeds_hash(path, NULL);
		f->hnext = fs->bypath[f->hash % FEED_BUCKETS];
		fs->bypath[f->hash % FEED_BUCKETS] = f;
		fs->nfeeds++;
		fresh = t0;
	}
	if (f->plain == NULL || f->generation != store_generation(fs->st) ||
	    now - f->checked >= fs->recheck || now >= f->expires) {
		if ((made = feeds_refresh(fs, f, now, fresh)) < 0) {
			blob_unref(f->plain);
			f->plain = NULL;
			return (-1);
		}
	}
	metrics_count(made ? METRICS_FEED_RENDER : METRICS_FEED_HIT, 1);
	f->used = ++fs->uses;
	/*
	 * Plain bytes asked for again as they stand go from a memory file
	 * from now on, as large gzip bytes do (feeds_gzip()); not those
	 * kept as the spare for the next bytes (feeds_release()).
	 */
	if (!made && !gzip && f->plain->len >= FEEDS_FILED_MIN &&
	    f->plain->size < SPARE_MIN)
		(void)blob_filed(f->plain);
	if (gzip && f->gz == NULL)
		f->gz = feeds_gzip(f->plain);
	a->body = gzip ? f->gz : f->plain;
	a->etag = gzip ? f->etag_gz : f->etag;
	a->last_modified = f->last_modified;
	a->last_modified_http = f->last_modified_http;
	a->disposition = f->disposition;
	a->page = (f->kind->flags & FK_PAGE) != 0;
	a->personal = (f->kind->flags & FK_TOKEN) != 0;
	a->head = &f->head[gzip ? 1 : 0];
	feeds_gc(fs, now);
	return (0);
}

/* --- what a worker copies */

const char *
feeds_url(const struct feeds *fs)
{
	return (fs->url);
}

int
feeds_refresh_minutes(const struct feeds *fs)
{
	return (fs->refresh_minutes);
}
