/*
 * The feeds' own parts, for feeds.c (the cache), feedkind.c (the kinds of
 * feed and page: what a path shows, and the admin's links), render.c
 * (event texts and the threads that render them), pages.c (the public
 * HTML pages, cached as the feeds are) and export.c (GET /v1/export) only.
 */
#ifndef FEEDS_H
#define FEEDS_H

#include <pthread.h>

#include "calendars.h"
#include "kursusd.h"

#define CHUNK_BITS	14		/* 16384 buckets of event texts */
#define CHUNK_BUCKETS	(1 << CHUNK_BITS)
#define CHUNK_IDLE	3600		/* unused event texts are dropped */
#define TAIL_BUCKETS	4096		/* of the texts' shared tails */
#define FEED_BUCKETS	4096		/* of the cached feeds, by path */
#define FEEDS_THREADS	4
#define JOURNAL_MAX	4096		/* session writes a patch can follow */

/* Variants of one session's event text. */
#define VAR_EN		0x1
#define VAR_WAITLIST	0x2
#define VAR_ALARM	0x4

/*
 * The membership queries: which sessions a feed shows, ?1 start after,
 * ?2 cancelled after, ?3 what the feed is of. Only the session's own
 * columns, which the feed index covers, and last whether the person is
 * waitlisted (0 but for a participant's feed).
 */
#define FEED_WINDOW \
	" s.start_at >= ?1 AND (s.status != 'cancelled' OR s.updated_at >= ?2)"
#define FEED_MEMBER_COLS \
	"SELECT s.id, s.rev, s.venue_id, s.start_at, s.end_at, s.updated_at," \
	" s.course_id, s.status = 'cancelled',"
#define FEED_SESSION	" FROM session s"
#define FEED_ORDER	" ORDER BY s.start_at, s.id"
/*
 * The same for the sessions of a list ?4 (a JSON array of ids) only: what
 * a patch reads again. The list drives (CROSS JOIN keeps SQLite from
 * walking the feed's index instead).
 */
#define FEED_CHANGED \
	" FROM json_each(?4) j CROSS JOIN session s ON s.id = j.value WHERE"

/* How a kind's feeds are keyed and what their events carry. */
#define FK_TOKEN	0x1	/* a person's secret token: not to share */
#define FK_PERSON	0x2	/* a participant's: their language, alarms */
#define FK_PAGE		0x4	/* an HTML page (pages.c), not a calendar */

/*
 * A page's variant: its language, whether it is embedded, and the month
 * asked for (year * 12 + month - 1; 0: the first month with sessions).
 */
#define PV_EN		VAR_EN
#define PV_EMBED	0x2
#define PV_LANG		0x4	/* the language was asked for (?lang=) */
#define PV_MONTH_SHIFT	4
#define PV_MONTH(v)	((v) >> PV_MONTH_SHIFT)

/*
 * A kind of feed: everything that differs between them, read by the
 * public paths (feeds_resolve), the cache (members, changed), the admin's
 * links (feeds_link) and, through GET /v1/feeds, by kursusctl.
 */
struct feed_kind {
	const char	*name;		/* /feeds/NAME/KEY.ics, /v1/feeds/NAME */
	const char	*argument;	/* staff give it: "SLUG", "ID" or NULL */
	const char	*complete;	/* the collection the argument is of */
	int		 flags;		/* FK_* */
	const char	*title[2];	/* the calendar's name, Danish, English */
	int		 titled;	/* the title is followed by the owner's */
	/* ?1 the path's key (an old token's hash) -> id, name, English */
	const char	*resolve;
	/* ?1 the id a new token names -> id, name, English, its check */
	const char	*resolve_id;
	int		 token_kind;	/* TOKEN_*: what its tokens name */
	/* ?1 staff's argument -> id, name, English */
	const char	*owner;
	/* ?1 id -> the sealed token; ?1 check, ?2 sealed, ?3 id */
	const char	*token_get, *token_set;
	const char	*members;
	/* NULL: listed whole each time (registrations are not journalled) */
	const char	*changed;
};
extern const struct feed_kind feed_kinds[];
extern const size_t nfeed_kinds;
/* The kinds of public page: "" (all), venue, course, kalender. */
extern const struct feed_kind page_kinds[];

/*
 * The lines of event texts after LAST-MODIFIED (where, what, to bring,
 * who teaches: the same for a venue's sessions of a course type), kept
 * once for all the texts that end so (render.c).
 */
struct tail {
	uint64_t	 hash;
	size_t		 refs;		/* under render.c's lock */
	size_t		 len;
	struct tail	*next;
	char		 text[];
};

/*
 * One session's event text, in one variant, as of one rev: its own lines
 * (head, hlen octets) followed by tail's (none: NULL). Some 10,000 are
 * kept after a start: no field more than it needs.
 */
struct chunk {
	int64_t		 id;
	int64_t		 rev;
	time_t		 used;
	struct tail	*tail;
	struct chunk	*next;
	int		 variant;
	uint32_t	 hlen : 31;	/* an event's own lines: a few KB */
	uint32_t	 ahead : 1;	/* rendered ahead, no feed took it yet */
	char		 head[];
};
/* The length of c's text. */
#define CHUNK_LEN(c)	((c)->hlen + ((c)->tail != NULL ? (c)->tail->len : 0))

struct feed;
struct warm;

struct feeds {
	struct store	*st;
	int		 refresh_minutes, past_days, cancelled_days;
	int		 alarm_minutes;
	int		 recheck;	/* seconds a check stays good */
	char		*key_file;
	int		 have_key;
	char		*url;
	struct page_site *site;		/* what the pages show of the library */
	struct chunk	*chunks[CHUNK_BUCKETS];
	size_t		 nchunks;
	struct feed	*feeds;
	struct feed	*bypath[FEED_BUCKETS];	/* the same, by path's hash */
	size_t		 nfeeds;
	size_t		 max;		/* feeds kept: FEEDS_MAX (a unit test
					   sets fewer); more evict the one
					   used longest ago */
	uint64_t	 uses;		/* feeds_get() answers, ever: a feed's
					   last is its place in that order */
	time_t		 last_gc;
	size_t		 rendered;	/* event texts rendered, ever */
	size_t		 taken;		/* feeds took from the render-ahead */
	int64_t		 journal[JOURNAL_MAX];	/* ids of sessions written */
	uint64_t	 njournal;	/* written ever; journal is a ring */
	char		*spare;		/* memory for the next large feed */
	size_t		 spare_size;
	time_t		 spare_time;
	struct tail	*tails[TAIL_BUCKETS];	/* under render.c's lock */
	struct warm	*warm;		/* rendering ahead (render_warm()) */
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
	int64_t		*ids, *revs;	/* revs carry the waitlist bit */
	struct member	*rows;
	char		**tzids;	/* distinct zones */
	size_t		 ntz;
	time_t		 from, until, last_modified;
};

/* feedkind.c */
/*
 * What a feed path shows: its kind, whose it is, the variant and the
 * calendar's name. -1 for anything unknown, which is answered 404
 * without saying why.
 */
int	 feeds_resolve(struct feeds *, const char *path,
	    const struct feed_kind **, int64_t *arg, int *variant,
	    char **name);
/* The calendar's name, as calendar apps show it (NAME, X-WR-CALNAME). */
char	*feeds_name(const struct feed_kind *, const char *owner,
	    int variant);

/* pages.c */
/*
 * A public page of kind k (FK_PAGE) for the cache key path: the sessions
 * m (upcoming, in order), in the variant's language and month. The
 * caller frees the bytes; *len is their length.
 */
char	*pages_render(struct feeds *, const char *path,
	    const struct feed_kind *k, int64_t arg, int variant,
	    const struct members *m, size_t *len);

/* render.c */
/* The event text of a session at rev, rendered when missing or stale. */
struct chunk *render_chunk(struct feeds *, int64_t id, int variant,
	    int64_t rev, time_t now);
/* Renders the missing or stale texts of many members at once. */
void	 render_prefetch(struct feeds *, const struct members *, int variant,
	    time_t now);
/*
 * Starts rendering ahead the event texts of the next sessions feeds show,
 * on threads of their own; render_warm_end() (which every render calls
 * first) joins in on what is left and puts them in the table.
 */
void	 render_warm(struct feeds *);
void	 render_warm_end(struct feeds *);
/* Drops event texts no feed has used for a while. */
void	 render_gc(struct feeds *, time_t now);
/* Drops them all. */
void	 render_drop(struct feeds *);
/* ids as a JSON array, "[1,2,3]", for json_each(); caller frees. */
char	*render_id_list(const int64_t *, size_t);
/*
 * The event texts of ids (texts[i], lens[i]; NULL for one gone), read
 * through event_sql_many on the caller's own connection, without the
 * table: for a worker. -1 when *stop was set on the way.
 */
int	 render_texts(const char *url, sqlite3_stmt *, const int64_t *ids,
	    size_t n, char **texts, size_t *lens, const _Atomic int *stop);

/* members.c */
/* The sessions of a membership query whose parameters are bound. */
void	 feeds_members(struct store *, sqlite3_stmt *, struct members *);
/* Its rows only; then feeds_members_finish() once the list is whole. */
void	 feeds_members_read(sqlite3_stmt *, struct members *);
void	 feeds_members_finish(struct store *, struct members *);
/* Room for n rows; members_add() appends one. */
void	 members_room(struct members *, size_t n);
void	 members_add(struct members *, int64_t id, int64_t rev,
	    const struct member *);
void	 members_free(struct members *);

/* feeds.c */
/* The feeds' link (feeds.url) and refresh, for a worker to copy. */
const char *feeds_url(const struct feeds *);
int	 feeds_refresh_minutes(const struct feeds *);

#endif
