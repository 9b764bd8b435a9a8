/*
 * The kinds of feed, in one table: what a public path names, how its key
 * is looked up, which sessions it shows, whether a patch can follow its
 * changes, and what staff give to get its link. A new kind or filter is
 * a row here (and its documentation and tests).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "feeds.h"
#include "page.h"

#define ENGLISH	"language = 'en'"
/* A person a token of the new form names, and the token's check. */
#define PARTICIPANT_BY_ID "SELECT id, name, " ENGLISH ", feed_token_check " \
	"FROM participant WHERE id = ?1 AND anonymised_at IS NULL"

static int	feeds_lookup(struct feeds *, const struct feed_kind *,
		    const char *, const char *, int64_t, int64_t *, int *,
		    char **);
static int	feeds_token_lookup(struct feeds *, const struct feed_kind *,
		    const char *, int64_t *, int *, char **);

const struct feed_kind feed_kinds[] = {
	{
		.name = "all",
		.title = { "Kurser", "Kurser" },
		.members = FEED_MEMBER_COLS " 0" FEED_SESSION " WHERE"
		    FEED_WINDOW FEED_ORDER,
		.changed = FEED_MEMBER_COLS " 0" FEED_CHANGED FEED_WINDOW
		    FEED_ORDER,
	},
	{
		.name = "venue",
		.argument = "SLUG",
		.complete = "venues",
		.title = { "Kurser", "Kurser" },
		.titled = 1,
		.resolve = "SELECT id, name, 0 FROM venue WHERE slug = ?1",
		.owner = "SELECT id, name, 0 FROM venue WHERE slug = ?1",
		.members = FEED_MEMBER_COLS " 0" FEED_SESSION " WHERE"
		    FEED_WINDOW " AND s.venue_id = ?3" FEED_ORDER,
		.changed = FEED_MEMBER_COLS " 0" FEED_CHANGED FEED_WINDOW
		    " AND s.venue_id = ?3" FEED_ORDER,
	},
	{
		.name = "course",
		.argument = "SLUG",
		.complete = "courses",
		.title = { "Kurser", "Kurser" },
		.titled = 1,
		.resolve = "SELECT id, title, 0 FROM course WHERE slug = ?1",
		.owner = "SELECT id, title, 0 FROM course WHERE slug = ?1",
		.members = FEED_MEMBER_COLS " 0" FEED_SESSION " WHERE"
		    FEED_WINDOW " AND s.course_id = ?3" FEED_ORDER,
		.changed = FEED_MEMBER_COLS " 0" FEED_CHANGED FEED_WINDOW
		    " AND s.course_id = ?3" FEED_ORDER,
	},
	{
		/* What they teach or help at. */
		.name = "instructor",
		.argument = "SLUG",
		.complete = "instructors",
		.flags = FK_TOKEN,
		.title = { "Undervisning", "Undervisning" },
		.titled = 1,
		.resolve = "SELECT id, name, 0 FROM instructor WHERE "
		    "feed_token_hash = ?1",
		.resolve_id = "SELECT id, name, 0, feed_token_check FROM "
		    "instructor WHERE id = ?1",
		.token_kind = TOKEN_INSTRUCTOR,
		.owner = "SELECT id, name, 0 FROM instructor WHERE slug = ?1",
		.token_get = "SELECT feed_token_sealed FROM instructor WHERE "
		    "id = ?1",
		.token_set = "UPDATE instructor SET feed_token_hash = NULL, "
		    "feed_token_check = ?1, feed_token_sealed = ?2 WHERE id = ?3",
		.members = FEED_MEMBER_COLS " 0" FEED_SESSION " WHERE"
		    FEED_WINDOW " AND s.id IN (SELECT session_id FROM "
		    "session_staff WHERE instructor_id = ?3)" FEED_ORDER,
		.changed = FEED_MEMBER_COLS " 0" FEED_CHANGED FEED_WINDOW
		    " AND EXISTS (SELECT 1 FROM session_staff st WHERE"
		    " st.session_id = s.id AND st.instructor_id = ?3)"
		    FEED_ORDER,
	},
	{
		/* Their sessions, the waitlisted ones marked. */
		.name = "participant",
		.argument = "ID",
		.flags = FK_TOKEN | FK_PERSON,
		.title = { "Mine kurser", "My courses" },
		.resolve = "SELECT id, name, " ENGLISH " FROM participant "
		    "WHERE feed_token_hash = ?1 AND anonymised_at IS NULL",
		.resolve_id = PARTICIPANT_BY_ID,
		.token_kind = TOKEN_PARTICIPANT,
		.owner = "SELECT id, name, " ENGLISH " FROM participant "
		    "WHERE id = ?1 AND anonymised_at IS NULL",
		.token_get = "SELECT feed_token_sealed FROM participant WHERE "
		    "id = ?1",
		.token_set = "UPDATE participant SET feed_token_hash = NULL, "
		    "feed_token_check = ?1, feed_token_sealed = ?2 WHERE id = ?3",
		.members = FEED_MEMBER_COLS " r.status = 'waitlisted'"
		    FEED_SESSION " JOIN registration r ON r.session_id = s.id"
		    " AND r.participant_id = ?3 AND r.status != 'cancelled'"
		    " WHERE" FEED_WINDOW FEED_ORDER,
	},
};
const size_t nfeed_kinds = sizeof feed_kinds / sizeof feed_kinds[0];

/*
 * The public pages' sessions: upcoming ones (?1 is now), and cancelled
 * ones while feeds keep them. Their rev carries what the page shows of
 * the seats, which no session write follows: 0 cancelled, else 1 + the
 * seats taken (session_taken, schema step 25), so a registration changes
 * the list and the page with it.
 * (Seats taken, not left: the capacity is no column of the feed indexes,
 * and its change raises the rev anyway; pages.c reads it for the
 * sessions it shows.)
 */
#define PAGE_MEMBER_COLS \
	"SELECT s.id, s.rev * 1048576 + CASE WHEN s.status = 'cancelled'" \
	" THEN 0 ELSE 1 + min(524286, " SESSION_TAKEN("s.id") ") END," \
	" s.venue_id, s.start_at, s.end_at, s.updated_at, s.course_id," \
	" s.status = 'cancelled', 0" FEED_SESSION " WHERE" FEED_WINDOW
#define PAGE_SLUG_MAX	64
#define PAGE_QUERY_MAX	512
#define PAGE_MONTHS	120	/* months ahead a page may show */

const struct feed_kind page_kinds[] = {
	{
		.name = "",
		.flags = FK_PAGE,
		.title = { "Kurser", "Courses" },
		.members = PAGE_MEMBER_COLS FEED_ORDER,
	},
	{
		.name = "venue",
		.flags = FK_PAGE,
		.title = { "Kurser", "Courses" },
		.resolve = "SELECT id, name, 0 FROM venue WHERE slug = ?1",
		.members = PAGE_MEMBER_COLS " AND s.venue_id = ?3" FEED_ORDER,
	},
	{
		.name = "course",
		.flags = FK_PAGE,
		.title = { "Kurser", "Courses" },
		.resolve = "SELECT id, title, 0 FROM course WHERE slug = ?1",
		.members = PAGE_MEMBER_COLS " AND s.course_id = ?3" FEED_ORDER,
	},
	{
		/* A person's "add to calendar" page: no sessions listed. */
		.name = "kalender",
		.flags = FK_PAGE | FK_TOKEN | FK_PERSON,
		.title = { "Kalender", "Calendar" },
		.resolve = "SELECT id, name, " ENGLISH " FROM participant "
		    "WHERE feed_token_hash = ?1 AND anonymised_at IS NULL",
		.resolve_id = PARTICIPANT_BY_ID,
		.token_kind = TOKEN_PARTICIPANT,
		.members = FEED_MEMBER_COLS " 0" FEED_SESSION
		    " WHERE ?1 IS NULL AND ?2 IS NULL AND ?3 IS NULL",
	},
};
#define NPAGE_KINDS	(sizeof page_kinds / sizeof page_kinds[0])

/* What a page's path and query ask for. */
struct page_req {
	const struct feed_kind	*k;
	char			 key[2 * PAGE_SLUG_MAX + 1];	/* slug, token */
	int			 variant;	/* PV_* */
	int			 flags;		/* PAGE_* */
	char			*canon;		/* the cache key */
};

/*
 * Each month asked for is a page of its own in the cache: a month gone
 * by (an old bookmark) or beyond PAGE_MONTHS ahead, where no upcoming
 * session is, shows the first month with sessions, as none would, and
 * makes no new page.
 */
static void
pages_month_window(struct page_req *r)
{
	time_t		 now = time(NULL);
	struct tm	 tm;
	int		 ym = PV_MONTH(r->variant), cur;

	gmtime_r(&now, &tm);
	/* A day's slack either way: the zones' months turn at other hours. */
	cur = (tm.tm_year + 1900) * 12 + tm.tm_mon - (tm.tm_mday == 1);
	if (ym != 0 && (ym < cur || ym > cur + PAGE_MONTHS))
		r->variant &= (1 << PV_MONTH_SHIFT) - 1;
}

/* What is wrong with a page's query, in Danish and English. */
static const char *pages_why[][2] = {
	{ "Adressen er for lang.", "The address is too long." },
	{ "Sproget (lang=) kan være da (dansk) eller en (English).",
	  "The language (lang=) can be da (dansk) or en (English)." },
	{ "Måneden (month=) skrives som 2026-12.",
	  "The month (month=) is written as 2026-12." },
};

/*
 * ?lang= and ?month=; other parameters (a campaign's) are let be. -1 and
 * *bad (an index of pages_why) for one refused.
 */
static int
pages_query(const char *query, struct page_req *r, int *bad)
{
	const char	*q, *v;
	size_t		 len, vlen;
	int		 year, month;

	if (query == NULL)
		return (0);
	if (strlen(query) > PAGE_QUERY_MAX) {
		*bad = 0;
		return (-1);
	}
	for (q = query; *q != '\0'; q += len + (q[len] == '&')) {
		len = strcspn(q, "&");
		if (len > 5 && strncmp(q, "lang=", 5) == 0) {
			v = q + 5;
			vlen = len - 5;
			r->variant |= PV_LANG;
			if (vlen == 2 && strncmp(v, "en", 2) == 0)
				r->variant |= PV_EN;
			else if (vlen == 2 && strncmp(v, "da", 2) == 0)
				r->variant &= ~PV_EN;
			else {
				*bad = 1;
				return (-1);
			}
		} else if (len >= 6 && strncmp(q, "month=", 6) == 0) {
			v = q + 6;
			if (len != 13 || strspn(v, "0123456789") != 4 ||
			    v[4] != '-' || strspn(v + 5, "0123456789") < 2 ||
			    (year = atoi(v)) < 2000 || year > 2199 ||
			    (month = atoi(v + 5)) < 1 || month > 12) {
				*bad = 2;
				return (-1);
			}
			r->variant = (r->variant & ((1 << PV_MONTH_SHIFT) -
			    1)) | ((year * 12 + month - 1) << PV_MONTH_SHIFT);
		}
	}
	pages_month_window(r);
	return (0);
}

/* A slug as staff may make one (resource.c), or a token. */
static int
pages_slug(const char *s, int token)
{
	size_t	 len = strlen(s);

	if (token)
		return (token_valid(s));
	return (len > 0 && len <= PAGE_SLUG_MAX && s[0] != '-' &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == len);
}

/*
 * Reads a page's path and query: -1 with *why for a query refused, 1
 * for a path that is no page's, 0 with r filled in and r->canon made.
 */
static int
pages_parse(const char *path, const char *query, struct page_req *r,
    char **why)
{
	struct buf	 b = BUF_INIT;
	const char	*rest;
	size_t		 i, len;
	int		 embed = 0, bad;

	memset(r, 0, sizeof *r);
	*why = NULL;
	if (pages_query(query, r, &bad) != 0) {
		r->flags = (r->variant & PV_EN) ? PAGE_EN : 0;
		*why = xstrdup(pages_why[bad][(r->variant & PV_EN) ? 1 : 0]);
		return (-1);
	}
	if (strncmp(path, "/embed", 6) == 0 && (path[6] == '\0' ||
	    path[6] == '/')) {
		embed = 1;
		path += 6;
		if (*path == '\0' || strcmp(path, "/") == 0)
			path = "/";
	}
	r->flags = ((r->variant & PV_EN) ? PAGE_EN : 0) |
	    (embed ? PAGE_EMBED : 0);
	if (embed)
		r->variant |= PV_EMBED;
	if (strcmp(path, "/") == 0)
		r->k = &page_kinds[0];
	else {
		for (i = 1; i < NPAGE_KINDS; i++) {
			len = strlen(page_kinds[i].name);
			if (path[0] == '/' && strncmp(path + 1,
			    page_kinds[i].name, len) == 0 &&
			    path[len + 1] == '/')
				break;
		}
		if (i == NPAGE_KINDS)
			return (1);
		rest = path + strlen(page_kinds[i].name) + 2;
		if ((embed && (page_kinds[i].flags & FK_TOKEN)) ||
		    strlen(rest) >= sizeof r->key ||
		    !pages_slug(rest, page_kinds[i].flags & FK_TOKEN))
			return (1);
		r->k = &page_kinds[i];
		memcpy(r->key, rest, strlen(rest) + 1);
	}
	/* Danish is the default but for a person's page: one page, one key. */
	if (!(r->k->flags & FK_TOKEN) && !(r->variant & PV_EN))
		r->variant &= ~PV_LANG;
	buf_adds(&b, embed ? "/embed" : "");
	if (*r->key != '\0')
		buf_addf(&b, "/%s/%s", r->k->name, r->key);
	else if (!embed)
		buf_adds(&b, "/");
	if (r->variant & PV_LANG)
		buf_addf(&b, "?lang=%s", (r->variant & PV_EN) ? "en" : "da");
	if (PV_MONTH(r->variant) != 0)
		buf_addf(&b, "%cmonth=%04d-%02d", (r->variant & PV_LANG) ?
		    '&' : '?', PV_MONTH(r->variant) / 12,
		    PV_MONTH(r->variant) % 12 + 1);
	r->canon = buf_detach(&b, NULL);
	return (0);
}

int
pages_key(const char *path, const char *query, char **key, int *flags,
    char **why)
{
	struct page_req	 r;
	int		 ret;

	*key = NULL;
	ret = pages_parse(path, query, &r, why);
	*flags = r.flags;
	if (ret == 0)
		*key = r.canon;
	return (ret);
}

/* What a page's cache key shows: as feeds_resolve(). */
static int
pages_resolve(struct feeds *fs, const char *key,
    const struct feed_kind **kp, int64_t *arg, int *variant, char **name)
{
	struct page_req	 r;
	const char	*q = strchr(key, '?');
	char		*path, *why = NULL;
	int		 ret, v = 0;

	path = q != NULL ? xstrndup(key, (size_t)(q - key)) : xstrdup(key);
	ret = pages_parse(path, q != NULL ? q + 1 : NULL, &r, &why);
	free(path);
	free(why);
	free(r.canon);
	if (ret != 0)
		return (-1);
	*kp = r.k;
	*arg = 0;
	*variant = r.variant;
	if (r.k->resolve == NULL) {
		*name = xstrdup("");
		return (0);
	}
	if (r.k->flags & FK_TOKEN)
		ret = feeds_token_lookup(fs, r.k, r.key, arg, &v, name);
	else
		ret = feeds_lookup(fs, r.k, r.k->resolve, r.key, 0, arg, &v,
		    name);
	/* A person's page speaks their language unless another is asked. */
	if (ret == 0 && !(r.variant & PV_LANG) && (v & VAR_EN))
		*variant |= PV_EN;
	return (ret);
}

static const struct feed_kind *
feeds_kind(const char *name)
{
	size_t	 i;

	for (i = 0; i < nfeed_kinds; i++) {
		if (strcmp(feed_kinds[i].name, name) == 0)
			return (&feed_kinds[i]);
	}
	return (NULL);
}

char *
feeds_name(const struct feed_kind *k, const char *owner, int variant)
{
	const char	*title = k->title[(variant & VAR_EN) ? 1 : 0];

	if (k->titled && owner != NULL)
		return (xprintf("%s – %s", title, owner));
	return (xstrdup(title));
}

/* The id, the name and the variant of the row stmt is on; resets it. */
static void
feeds_row(struct feeds *fs, const struct feed_kind *k, sqlite3_stmt *stmt,
    int64_t *arg, int *variant, char **name)
{
	*variant = 0;
	*arg = sqlite3_column_int64(stmt, 0);
	if ((k->flags & FK_PERSON) && sqlite3_column_int(stmt, 2))
		*variant |= VAR_EN;
	if ((k->flags & FK_PERSON) && fs->alarm_minutes > 0)
		*variant |= VAR_ALARM;
	*name = xstrdup(store_col(stmt, 1));
	sqlite3_reset(stmt);
}

/*
 * Reads one row of a kind's resolve or owner query (?1 key, or id when
 * key is NULL): the id, the name and the variant it gives (feeds_row()).
 * 0 when found; the outputs are left alone when not.
 */
static int
feeds_lookup(struct feeds *fs, const struct feed_kind *k, const char *sql,
    const char *key, int64_t id, int64_t *arg, int *variant, char **name)
{
	sqlite3_stmt	*stmt;

	stmt = key != NULL ? store_stmt_bound(fs->st, sql, "t", key) :
	    store_stmt_bound(fs->st, sql, "i", id);
	if (sqlite3_step(stmt) != SQLITE_ROW) {
		sqlite3_reset(stmt);
		return (-1);
	}
	feeds_row(fs, k, stmt, arg, variant, name);
	return (0);
}

/*
 * Looks a token up (token_row()): one of the new form by the row it
 * names, known by its hash in the fourth column; one of the old form by
 * its hash. As feeds_lookup().
 */
static int
feeds_token_lookup(struct feeds *fs, const struct feed_kind *k,
    const char *token, int64_t *arg, int *variant, char **name)
{
	sqlite3_stmt	*stmt;

	if ((stmt = token_row(fs->st, token, k->token_kind, k->resolve,
	    k->resolve_id, 3)) == NULL)
		return (-1);
	feeds_row(fs, k, stmt, arg, variant, name);
	return (0);
}

int
feeds_resolve(struct feeds *fs, const char *path,
    const struct feed_kind **kp, int64_t *arg, int *variant, char **name)
{
	const struct feed_kind	*k;
	const char		*rest;
	char			*kind, *key, *owner;
	size_t			 len;
	int			 ret;

	*variant = 0;
	if (strncmp(path, "/feeds/", 7) != 0)
		return (pages_resolve(fs, path, kp, arg, variant, name));
	path += 7;
	if ((rest = strchr(path, '/')) == NULL) {
		/* A kind of one feed: /feeds/all.ics */
		len = strlen(path);
		if (len <= 4 || strcmp(path + len - 4, ".ics") != 0)
			return (-1);
		kind = xstrndup(path, len - 4);
		k = feeds_kind(kind);
		free(kind);
		if (k == NULL || k->resolve != NULL)
			return (-1);
		*kp = k;
		*arg = 0;
		*name = feeds_name(k, NULL, 0);
		return (0);
	}
	kind = xstrndup(path, rest - path);
	k = feeds_kind(kind);
	free(kind);
	rest++;
	if (k == NULL || k->resolve == NULL)
		return (-1);
	len = strlen(rest);
	if (len <= 4 || strcmp(rest + len - 4, ".ics") != 0 || len > 200)
		return (-1);
	key = xstrndup(rest, len - 4);
	if (k->flags & FK_TOKEN)
		ret = feeds_token_lookup(fs, k, key, arg, variant, &owner);
	else
		ret = feeds_lookup(fs, k, k->resolve, key, 0, arg, variant,
		    &owner);
	if (ret == 0) {
		*kp = k;
		*name = feeds_name(k, owner, *variant);
		free(owner);
	}
	free(key);
	return (ret);
}

/* --- the admin side: links and token rotation */

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

/* The person's token, made (and sealed) when they have none or rotate. */
static char *
feeds_token(struct feeds *fs, const struct feed_kind *k, int64_t id,
    int rotate, struct fail *f)
{
	sqlite3_stmt	*stmt;
	char		*token = NULL, *hash, *sealed;

	if (feeds_key(fs, f) != 0)
		return (NULL);
	if (!rotate) {
		stmt = store_stmt(fs->st, k->token_get);
		sqlite3_bind_int64(stmt, 1, id);
		if (sqlite3_step(stmt) == SQLITE_ROW && store_col(stmt, 0) != NULL)
			token = token_open(store_col(stmt, 0));
		sqlite3_reset(stmt);
		if (token != NULL)
			return (token);
		/* None yet, or sealed under a key since replaced: a new one. */
	}
	token = token_make(k->token_kind, id, &hash, &sealed);
	if (store_exec(fs->st, f, k->token_set, "tti", hash, sealed, id) < 0) {
		free(token);
		token = NULL;
	}
	free(hash);
	free(sealed);
	return (token);
}

static json_t *
feeds_link_json(struct feeds *fs, const struct feed_kind *k,
    const char *owner, int variant, const char *path)
{
	char	*https, *webcal, *name = feeds_name(k, owner, variant);
	json_t	*j;

	https = xprintf("%s%s", fs->url, path);
	webcal = page_webcal(https);
	j = json_pack("{s:s, s:s?, s:s, s:s, s:s, s:b}", "name", name,
	    "owner", owner, "path", path, "url", https, "webcal", webcal,
	    "personal", (k->flags & FK_TOKEN) != 0);
	free(name);
	free(https);
	free(webcal);
	return (j);
}

/* "all, venue SLUG, ...": the kinds, for a refusal. */
static char *
feeds_kind_list(void)
{
	struct buf	 b = BUF_INIT;
	size_t		 i;

	for (i = 0; i < nfeed_kinds; i++)
		buf_addf(&b, "%s%s%s%s", i > 0 ? ", " : "",
		    feed_kinds[i].name, feed_kinds[i].argument != NULL ?
		    " " : "", feed_kinds[i].argument != NULL ?
		    feed_kinds[i].argument : "");
	return (buf_detach(&b, NULL));
}

/*
 * GET /v1/feeds/KIND[/KEY] and POST /v1/KINDs/KEY/rotate-token (the
 * route's argument names the kind): a feed's links, a personal one's
 * token made or, rotating, made anew.
 */
int
feeds_link(struct api_req *req)
{
	struct feeds		*fs = req->feeds;
	const struct feed_kind	*k;
	const char		*kind, *key;
	int			 rotate = req->method == API_POST;
	char			*path, *token = NULL, *name = NULL, *list;
	int64_t			 id = 0, arg;
	int			 variant = 0, at, ret;

	/* The rotate-token routes name the kind; the feeds routes hold it. */
	at = req->arg != NULL ? 0 : 1;
	kind = req->arg != NULL ? req->arg : req->param[0];
	key = req->param[at];
	if ((k = feeds_kind(kind)) == NULL) {
		list = feeds_kind_list();
		ret = fail_set(&req->fail, 404, "kind", "no feed \"%s\"; one "
		    "of: %s", kind, list);
		free(list);
		return (ret);
	}
	if (k->argument == NULL && key != NULL)
		return (fail_set(&req->fail, 404, "kind", "the feed \"%s\" "
		    "takes no argument", k->name));
	if (k->argument != NULL && key == NULL)
		return (fail_set(&req->fail, 404, "kind", "the feed \"%s\" "
		    "takes a %s", k->name, k->argument));
	if (k->argument == NULL) {
		path = xprintf("/feeds/%s.ics", k->name);
		req->out = feeds_link_json(fs, k, NULL, 0, path);
		free(path);
		return (0);
	}
	if (strcmp(k->argument, "ID") == 0) {
		if (param_id(req, at, k->name, &id) != 0)
			return (-1);
		if (feeds_lookup(fs, k, k->owner, NULL, id, &arg, &variant,
		    &name) != 0)
			return (fail_set(&req->fail, 404, k->name, "no %s with "
			    "id %lld", k->name, (long long)id));
	} else if (feeds_lookup(fs, k, k->owner, key, 0, &arg, &variant,
	    &name) != 0)
		return (fail_set(&req->fail, 404, k->name, "no %s \"%s\"",
		    strcmp(k->name, "course") == 0 ? "course type" : k->name,
		    key));
	variant &= VAR_EN;
	if (k->flags & FK_TOKEN) {
		if ((token = feeds_token(fs, k, arg, rotate,
		    &req->fail)) == NULL) {
			free(name);
			return (-1);
		}
		path = xprintf("/feeds/%s/%s.ics", k->name, token);
		explicit_bzero(token, strlen(token));
		free(token);
	} else
		path = xprintf("/feeds/%s/%s.ics", k->name, key);
	req->out = feeds_link_json(fs, k, name, variant, path);
	free(path);
	free(name);
	return (0);
}

/* GET /v1/feeds: the kinds of feed, for kursusctl. */
int
feeds_kinds(struct api_req *req)
{
	const struct feed_kind	*k;
	json_t			*list = json_array();
	size_t			 i;

	if (param_check_query(req, (char *)NULL) != 0) {
		json_decref(list);
		return (-1);
	}
	for (i = 0; i < nfeed_kinds; i++) {
		k = &feed_kinds[i];
		json_array_append_new(list, json_pack("{s:s, s:s?, s:s?, "
		    "s:b}", "kind", k->name, "argument", k->argument,
		    "complete", k->complete, "personal",
		    (k->flags & FK_TOKEN) != 0));
	}
	req->out = json_pack("{s:o}", "kinds", list);
	return (0);
}
