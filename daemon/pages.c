/*
 * The public pages: upcoming courses at /, /venue/SLUG and /course/SLUG
 * (and under /embed for an iframe), and a person's "add to calendar" page
 * at /kalender/TOKEN. They are cached as the feeds are (feeds.c calls
 * pages_render() once per change of what a page shows); their chrome is
 * page.c's.
 *
 * Nothing personal on a public page: seats are counts, and the person's
 * own page shows no name.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "feeds.h"
#include "notifier.h"
#include "page.h"

#define PAGES_SHORT	280	/* bytes of a description shown in a list */
#define SEATS_CODE(rev)	(((rev) / 2) % 1048576)	/* PAGE_MEMBER_COLS */

/* One month of a page's sessions: members [from, to). */
struct pages_month {
	int	 ym;		/* year * 12 + month - 1 */
	size_t	 from, to;
};

/* The session columns of a page, for a list ?1 of ids. */
static const char *pages_sql =
    "SELECT s.id, s.start_at, s.end_at, c.slug, c.title, c.title_en,"
    " c.description, c.description_en, c.bring, c.bring_en, v.slug, v.name,"
    " v.address, v.postcode, v.city, v.latitude, v.longitude,"
    " v.access_notes, v.timezone, s.capacity"
    " FROM json_each(?1) j CROSS JOIN session s ON s.id = j.value"
    " JOIN course c ON c.id = s.course_id JOIN venue v ON v.id = s.venue_id"
    " ORDER BY s.start_at, s.id";

/* Text in the page's language, or the Danish marked as Danish. */
static void
pages_lang_text(struct page *p, const char *da, const char *en)
{
	if ((p->flags & PAGE_EN) && en != NULL && *en != '\0')
		page_text(p, en);
	else if (p->flags & PAGE_EN) {
		page_raw(p, "<span lang=\"da\">");
		page_text(p, da);
		page_raw(p, "</span>");
	} else
		page_text(p, da);
}

/* The first PAGES_SHORT bytes or so of a description, at a space. */
static char *
pages_short(const char *s)
{
	size_t	 len = strlen(s), cut;

	if (len <= PAGES_SHORT)
		return (xstrdup(s));
	for (cut = PAGES_SHORT; cut > 0 && s[cut] != ' '; cut--)
		;
	if (cut == 0)
		return (xstrdup(s));
	return (xprintf("%.*s …", (int)cut, s));
}

/* Splits m into months in tzid; *n months, the caller frees them. */
static struct pages_month *
pages_months(const struct members *m, const char *tzid, size_t *n)
{
	struct pages_month	*ms = NULL;
	struct cal_local	 l;
	time_t			 bound;
	size_t			 i = 0, j;
	char			*cause = NULL;

	*n = 0;
	while (i < m->n) {
		if (zone_utc_to_local(tzid, m->rows[i].start, &l) != 0 &&
		    zone_utc_to_local("UTC", m->rows[i].start, &l) != 0) {
			log_warnx("pages: no time zone %s", tzid);
			break;
		}
		ms = xreallocarray(ms, *n + 1, sizeof *ms);
		ms[*n].ym = l.year * 12 + l.month - 1;
		ms[*n].from = i;
		memset(&l, 0, sizeof l);
		l.year = (ms[*n].ym + 1) / 12;
		l.month = (ms[*n].ym + 1) % 12 + 1;
		l.day = 1;
		if (zone_local_to_utc(tzid, &l, &bound, &cause) != 0) {
			free(cause);
			cause = NULL;
			bound = m->rows[i].start + 1;
		}
		for (j = i; j < m->n && m->rows[j].start < bound; j++)
			;
		if (j == i)
			j = i + 1;
		ms[*n].to = j;
		(*n)++;
		i = j;
	}
	return (ms);
}

/* "/venue/SLUG" of a cache key "/embed/venue/SLUG?...", for links. */
static char *
pages_base(const char *path)
{
	if (strncmp(path, "/embed", 6) == 0)
		path += 6;
	if (*path == '\0' || *path == '?')
		return (xstrdup("/"));
	return (xstrndup(path, strcspn(path, "?")));
}

/* The link to the same page in month ym (0: none), in the language. */
static char *
pages_href(const char *base, int en, int ym)
{
	if (ym == 0)
		return (xprintf("%s%s", base, en ? "?lang=en" : ""));
	return (xprintf("%s?%smonth=%04d-%02d", base, en ? "lang=en&" : "",
	    ym / 12, ym % 12 + 1));
}

/*
 * "Abonnér i din kalender": the feed at feed_path (under [public] url),
 * as webcal (Apple's calendars, and most others), Google Calendar and
 * Outlook links, and the address itself.
 */
static void
pages_subscribe(struct page *p, struct feeds *fs, const char *feed_path,
    const char *name, int download)
{
	char	*https, *webcal, *enc, *encname, *href;

	https = xprintf("%s%s", fs->url, feed_path);
	webcal = page_webcal(https);
	page_raw(p, "<ul class=\"links\">\n<li>");
	page_link(p, webcal, page_t(p, "iPhone, iPad eller Mac",
	    "iPhone, iPad or Mac"));
	page_text(p, page_t(p, " (og de fleste andre kalendere)",
	    " (and most other calendars)"));
	page_raw(p, "</li>\n<li>");
	enc = page_urlencode(webcal);
	href = xprintf("https://calendar.google.com/calendar/render?cid=%s",
	    enc);
	page_link(p, href, page_t(p, "Google Kalender", "Google Calendar"));
	page_text(p, page_t(p, " (Android-telefoner)", " (Android phones)"));
	free(enc);
	free(href);
	page_raw(p, "</li>\n<li>");
	enc = page_urlencode(https);
	encname = page_urlencode(name);
	href = xprintf("https://outlook.live.com/calendar/0/addfromweb?url=%s"
	    "&name=%s", enc, encname);
	page_link(p, href, "Outlook");
	free(enc);
	free(encname);
	free(href);
	page_raw(p, "</li>\n");
	if (download) {
		page_raw(p, "<li>");
		page_link(p, https, page_t(p, "Hent kalenderfilen (.ics)",
		    "Download the calendar file (.ics)"));
		page_raw(p, "</li>\n");
	}
	page_raw(p, "</ul>\n<p>");
	page_text(p, page_t(p, "Adressen til andre kalender-programmer: ",
	    "The address for other calendar programs: "));
	page_raw(p, "<code>");
	page_text(p, https);
	page_raw(p, "</code></p>\n");
	free(https);
	free(webcal);
}

/*
 * The seats: code as the member's rev carries it (0 cancelled, else 1 +
 * the seats taken) and the capacity.
 */
static void
pages_seats(struct page *p, int64_t code, int64_t capacity)
{
	int64_t	 left = capacity - (code - 1);

	if (code == 0) {
		page_raw(p, "<p class=\"seats cancelled\">");
		page_text(p, page_t(p, "Aflyst", "Cancelled"));
	} else if (left <= 0) {
		page_raw(p, "<p class=\"seats full\">");
		page_text(p, page_t(p, "Fuldt – der er venteliste",
		    "Full – there is a waiting list"));
	} else if (left == 1) {
		page_raw(p, "<p class=\"seats\">");
		page_text(p, page_t(p, "1 ledig plads", "1 seat left"));
	} else {
		page_raw(p, "<p class=\"seats\">");
		page_textf(p, (p->flags & PAGE_EN) ? "%lld seats left" :
		    "%lld ledige pladser", (long long)left);
	}
	page_raw(p, "</p>\n");
}

/* The venue: its name, address and a map. Row columns as pages_sql. */
static void
pages_venue(struct page *p, sqlite3_stmt *q)
{
	const char	*addr = store_col(q, 12), *pc = store_col(q, 13);
	const char	*city = store_col(q, 14);
	char		*full, *enc, *href = NULL;
	double		 lat, lon;

	page_raw(p, "<p><strong>");
	page_text(p, page_t(p, "Sted:", "Where:"));
	page_raw(p, "</strong> ");
	href = xprintf("/venue/%s", store_col(q, 10));
	page_link(p, href, store_col(q, 11));
	free(href);
	full = xprintf("%s%s%s%s%s", addr != NULL ? addr : "",
	    addr != NULL && (pc != NULL || city != NULL) ? ", " : "",
	    pc != NULL ? pc : "", pc != NULL && city != NULL ? " " : "",
	    city != NULL ? city : "");
	if (*full != '\0') {
		page_raw(p, ", ");
		page_text(p, full);
	}
	page_raw(p, "</p>\n");
	href = NULL;
	if (sqlite3_column_type(q, 15) != SQLITE_NULL &&
	    sqlite3_column_type(q, 16) != SQLITE_NULL) {
		lat = sqlite3_column_double(q, 15);
		lon = sqlite3_column_double(q, 16);
		href = xprintf("https://www.openstreetmap.org/?mlat=%.6f&"
		    "mlon=%.6f#map=17/%.6f/%.6f", lat, lon, lat, lon);
	} else if (*full != '\0') {
		enc = page_urlencode(full);
		href = xprintf("https://www.openstreetmap.org/search?query=%s",
		    enc);
		free(enc);
	}
	if (href != NULL) {
		page_raw(p, "<p>");
		page_link(p, href, page_t(p, "Se stedet på kortet "
		    "(OpenStreetMap)", "See the place on the map "
		    "(OpenStreetMap)"));
		page_raw(p, "</p>\n");
	}
	free(href);
	free(full);
}

/* One session, the current row of pages_sql. */
static void
pages_session(struct page *p, sqlite3_stmt *q, int64_t code, int course)
{
	struct notice	 n;
	char		*when, *href, *d;
	const char	*bring, *access;

	page_rawf(p, "<li><article%s>\n<h3>", code == 0 ?
	    " class=\"cancelled\"" : "");
	href = xprintf("/course/%s", store_col(q, 3));
	page_raw(p, "<a href=\"");
	page_text(p, href);
	page_raw(p, "\">");
	pages_lang_text(p, store_col(q, 4), store_col(q, 5));
	page_raw(p, "</a></h3>\n");
	free(href);

	memset(&n, 0, sizeof n);
	n.start = (time_t)sqlite3_column_int64(q, 1);
	n.end = (time_t)sqlite3_column_int64(q, 2);
	message_notice_times(&n, store_col(q, 18));
	when = words_when(&n.start_at, &n.end_at, (p->flags & PAGE_EN) ?
	    WORDS_EN : 0);
	page_raw(p, "<p class=\"when\">");
	page_text(p, when != NULL ? when : "");
	page_raw(p, "</p>\n");
	free(when);
	pages_seats(p, code, sqlite3_column_int64(q, 19));

	if (!course && store_col(q, 6) != NULL) {
		page_raw(p, "<p>");
		if ((p->flags & PAGE_EN) && store_col(q, 7) != NULL) {
			d = pages_short(store_col(q, 7));
			page_text(p, d);
		} else {
			d = pages_short(store_col(q, 6));
			pages_lang_text(p, d, NULL);
		}
		free(d);
		page_raw(p, "</p>\n");
	}
	pages_venue(p, q);
	if ((bring = store_col(q, 8)) != NULL && *bring != '\0') {
		page_raw(p, "<p><strong>");
		page_text(p, page_t(p, "Medbring:", "Bring:"));
		page_raw(p, "</strong> ");
		pages_lang_text(p, bring, store_col(q, 9));
		page_raw(p, "</p>\n");
	}
	if ((access = store_col(q, 17)) != NULL && *access != '\0') {
		page_raw(p, "<p><strong>");
		page_text(p, page_t(p, "Adgang:", "Access:"));
		page_raw(p, "</strong> ");
		pages_lang_text(p, access, NULL);
		page_raw(p, "</p>\n");
	}
	page_raw(p, "</article></li>\n");
}

/* The sessions of one month, members [from, to) of m. */
static void
pages_list(struct page *p, struct feeds *fs, const struct members *m,
    size_t from, size_t to, int course)
{
	sqlite3_stmt	*q;
	char		*list;
	size_t		 i = from;
	int64_t		 id;

	list = render_id_list(m->ids + from, to - from);
	q = store_stmt(fs->st, pages_sql);
	sqlite3_bind_text(q, 1, list, -1, SQLITE_TRANSIENT);
	page_raw(p, "<ul class=\"list\">\n");
	while (sqlite3_step(q) == SQLITE_ROW) {
		id = sqlite3_column_int64(q, 0);
		/* The same order as the members: find its seats. */
		while (i < to && m->ids[i] != id)
			i++;
		if (i == to)
			i = from;
		while (i < to && m->ids[i] != id)
			i++;
		if (i == to)
			continue;
		pages_session(p, q, SEATS_CODE(m->revs[i]), course);
	}
	sqlite3_reset(q);
	page_raw(p, "</ul>\n");
	free(list);
}

/* "3 kurser" */
static void
pages_count(struct page *p, size_t n)
{
	if (p->flags & PAGE_EN)
		page_textf(p, "%zu session%s", n, n == 1 ? "" : "s");
	else
		page_textf(p, "%zu %s", n, n == 1 ? "kursus" : "kurser");
}

/* The months with sessions, as links; the one shown is marked. */
static void
pages_month_nav(struct page *p, const char *base,
    const struct pages_month *ms, size_t n, int shown)
{
	char	*href, *name;
	size_t	 i;
	int	 en = (p->flags & PAGE_EN) != 0;

	page_rawf(p, "<nav class=\"months\" aria-labelledby=\"months\">\n"
	    "<h2 id=\"months\">%s</h2>\n<ul>\n", page_t(p, "Vælg måned",
	    "Choose a month"));
	for (i = 0; i < n; i++) {
		href = pages_href(base, en, ms[i].ym);
		name = words_month(ms[i].ym / 12, ms[i].ym % 12 + 1,
		    en ? WORDS_EN : 0);
		page_raw(p, "<li><a href=\"");
		page_text(p, href);
		page_rawf(p, "\"%s%s>", (p->flags & PAGE_EMBED) ?
		    " target=\"_self\"" : "", ms[i].ym == shown ?
		    " aria-current=\"page\"" : "");
		page_text(p, name);
		page_raw(p, "</a> (");
		pages_count(p, ms[i].to - ms[i].from);
		page_raw(p, ")</li>\n");
		free(href);
		free(name);
	}
	page_raw(p, "</ul>\n</nav>\n");
}

/*
 * The title of a venue's or course's page (NULL for the others), in the
 * language when it has one; a course's description, Danish and English.
 */
static char *
pages_title(struct feeds *fs, const struct feed_kind *k, int64_t arg,
    int en, char **da, char **english)
{
	static const char *sql_venue = "SELECT name, NULL, NULL, NULL FROM "
	    "venue WHERE id = ?1";
	static const char *sql_course = "SELECT title, nullif(title_en, ''),"
	    " nullif(description, ''), nullif(description_en, '') FROM course"
	    " WHERE id = ?1";
	sqlite3_stmt	*q;
	char		*title = NULL;

	*da = *english = NULL;
	if (strcmp(k->name, "venue") != 0 && strcmp(k->name, "course") != 0)
		return (NULL);
	q = store_stmt(fs->st, strcmp(k->name, "venue") == 0 ? sql_venue :
	    sql_course);
	sqlite3_bind_int64(q, 1, arg);
	if (sqlite3_step(q) == SQLITE_ROW) {
		title = xstrdup(store_col(q, en && store_col(q, 1) != NULL ?
		    1 : 0));
		if (store_col(q, 2) != NULL)
			*da = xstrdup(store_col(q, 2));
		if (store_col(q, 3) != NULL)
			*english = xstrdup(store_col(q, 3));
	}
	sqlite3_reset(q);
	return (title);
}

/* A page of sessions: /, /venue/SLUG, /course/SLUG. */
static char *
pages_sessions(struct feeds *fs, const char *path,
    const struct feed_kind *k, int64_t arg, int variant,
    const struct members *m, size_t *len)
{
	struct page		 p;
	struct pages_month	*ms;
	size_t			 nms, sel;
	int			 en = (variant & PV_EN) != 0, shown;
	int			 course = strcmp(k->name, "course") == 0;
	char			*base, *title, *h1, *desc, *desc_en, *lang_href;
	char			*feed, *name;

	base = pages_base(path);
	ms = pages_months(m, store_default_timezone(fs->st), &nms);
	shown = PV_MONTH(variant);
	for (sel = 0; sel < nms && ms[sel].ym != shown; sel++)
		;
	if (shown == 0 && nms > 0) {
		sel = 0;
		shown = ms[0].ym;
	}
	title = pages_title(fs, k, arg, en, &desc, &desc_en);
	if (title == NULL)
		h1 = xstrdup(en ? "Courses at the library" :
		    "Kurser på biblioteket");
	else if (course)
		h1 = xstrdup(title);
	else
		h1 = xprintf("%s – %s", en ? "Courses" : "Kurser", title);
	lang_href = pages_href(base, !en, PV_MONTH(variant));
	page_begin(&p, fs->site, (en ? PAGE_EN : 0) | ((variant & PV_EMBED) ?
	    PAGE_EMBED : 0), h1, lang_href);
	page_raw(&p, "<h1>");
	page_text(&p, h1);
	page_raw(&p, "</h1>\n");
	if (course && desc != NULL) {
		page_raw(&p, "<p>");
		pages_lang_text(&p, desc, desc_en);
		page_raw(&p, "</p>\n");
	}
	page_contact(&p, page_t(&p, "Du tilmelder dig hos biblioteket.",
	    "You sign up with the library."));

	if (nms > 1)
		pages_month_nav(&p, base, ms, nms, shown);
	if (nms == 0) {
		page_raw(&p, "<p>");
		page_text(&p, page_t(&p, "Der er ingen kurser på programmet "
		    "lige nu. Kig forbi igen senere.", "There are no courses "
		    "on the programme just now. Please look again later."));
		page_raw(&p, "</p>\n");
	} else {
		name = words_month(shown / 12, shown % 12 + 1, en ?
		    WORDS_EN : 0);
		page_raw(&p, "<h2>");
		page_text(&p, name);
		page_raw(&p, "</h2>\n");
		free(name);
		if (sel == nms) {
			page_raw(&p, "<p>");
			page_text(&p, page_t(&p, "Ingen kurser i denne måned.",
			    "No courses this month."));
			page_raw(&p, "</p>\n");
		} else
			pages_list(&p, fs, m, ms[sel].from, ms[sel].to,
			    course);
	}

	page_rawf(&p, "<section aria-labelledby=\"subscribe\">\n"
	    "<h2 id=\"subscribe\">%s</h2>\n<p>", page_t(&p,
	    "Abonnér i din kalender", "Subscribe in your calendar"));
	page_text(&p, page_t(&p, "Få kurserne i kalenderen på din telefon "
	    "eller computer. Den holder sig selv opdateret, også når et "
	    "kursus bliver flyttet eller aflyst.", "Get the courses in the "
	    "calendar on your phone or computer. It keeps itself up to date, "
	    "also when a course is moved or cancelled."));
	page_raw(&p, "</p>\n");
	if (strcmp(base, "/") == 0)
		feed = xstrdup("/feeds/all.ics");
	else
		feed = xprintf("/feeds%s.ics", base);
	pages_subscribe(&p, fs, feed, h1, 0);
	page_raw(&p, "</section>\n");
	free(feed);
	free(ms);
	free(base);
	free(title);
	free(h1);
	free(desc);
	free(desc_en);
	free(lang_href);
	return (page_end(&p, len));
}

/* /kalender/TOKEN: a person's feed, put in their calendar. */
static char *
pages_calendar(struct feeds *fs, const char *path, int variant,
    size_t *len)
{
	struct page	 p;
	char		*token, *feed, *lang_href, *base;
	int		 en = (variant & PV_EN) != 0;
	const char	*title = en ? "Your courses in your calendar" :
			    "Dine kurser i din kalender";

	base = pages_base(path);
	token = strrchr(base, '/') + 1;
	lang_href = pages_href(base, !en, 0);
	page_begin(&p, fs->site, en ? PAGE_EN : 0, title, lang_href);
	page_raw(&p, "<h1>");
	page_text(&p, title);
	page_raw(&p, "</h1>\n<p>");
	page_text(&p, page_t(&p, "Tryk på din kalender herunder, så kommer "
	    "de kurser, du er tilmeldt, ind i kalenderen på din telefon "
	    "eller computer. Kalenderen holder sig selv opdateret, også hvis "
	    "et kursus bliver flyttet eller aflyst.", "Tap your calendar "
	    "below, and the courses you are signed up for appear in the "
	    "calendar on your phone or computer. It keeps itself up to date, "
	    "also when a course is moved or cancelled."));
	page_raw(&p, "</p>\n<h2>");
	page_text(&p, page_t(&p, "Vælg din kalender", "Choose your calendar"));
	page_raw(&p, "</h2>\n");
	feed = xprintf("/feeds/participant/%s.ics", token);
	pages_subscribe(&p, fs, feed, page_t(&p, "Mine kurser", "My courses"),
	    1);
	free(feed);
	page_raw(&p, "<p>");
	page_text(&p, page_t(&p, "Linket er kun til dig. Del det ikke med "
	    "andre.", "The link is yours alone. Do not share it."));
	page_raw(&p, "</p>\n");
	page_contact(&p, page_t(&p, "Brug for hjælp?", "Need help?"));
	free(lang_href);
	free(base);
	return (page_end(&p, len));
}

char *
pages_render(struct feeds *fs, const char *path, const struct feed_kind *k,
    int64_t arg, int variant, const struct members *m, size_t *len)
{
	if (k->flags & FK_TOKEN)
		return (pages_calendar(fs, path, variant, len));
	return (pages_sessions(fs, path, k, arg, variant, m, len));
}
