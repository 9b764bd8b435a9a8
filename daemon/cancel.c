/*
 * Cancelling without phoning: the personal cancel link of a registration
 * ([public] url + /afmeld/<token>) and its page on the public listener.
 *
 * The token is kept like the feed tokens (token.c): hashed to know it,
 * sealed to put the link in the next message. One of the new form names
 * its registration; one of the old form is found by its hash. It works
 * until the session starts.
 *
 * GET shows the session and a button; only the POST of that form
 * cancels, since mail scanners and link previews fetch links with GET.
 * The form carries a companion of the token that only kursusd can make
 * (token_mac()), and a POST another site makes is refused by its Origin
 * or Sec-Fetch-Site, whatever the browser does with SameSite. Every
 * address gets public.cancel_per_minute requests a minute (429 past
 * that), but for public.trusted ones: a proxy in front, which limits.
 * The person is told of the cancelling and the waitlist moves up, as
 * when staff cancel (registration_drop()).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kursusd.h"
#include "server.h"
#include "citizen.h"
#include "notifier.h"
#include "page.h"

#define CANCEL_SLOTS	1024	/* addresses counted at once, at most */

struct cancel_slot {
	unsigned char	addr[16];
	time_t		window;		/* start of its minute; 0: free */
	int		count;
};
static struct cancel_slot	cancel_slots[CANCEL_SLOTS];

/* What the page says about a registration found by its token. */
struct cancel_reg {
	int64_t	 id, session_id;
	char	*status, *via, *session_status, *tz;
	char	*course, *venue, *address;
	time_t	 start, end;
};

/*
 * Cancel links for up to `limit` registrations ahead that have none, in
 * the order of their sessions from *at (start, session id; 0 0 at first),
 * which is moved on: each call reads only the sessions after the last
 * one done, not all of them again. The number made, or -1.
 */
int
cancel_tokens_fill(struct store *st, int limit, int64_t at[2],
    struct fail *f)
{
	static const char *sql = "SELECT r.id, s.start_at, s.id FROM "
	    "session s JOIN registration r ON r.session_id = s.id WHERE "
	    "r.cancel_token_sealed IS NULL AND r.status != 'cancelled' AND "
	    "s.start_at >= max(?1 + 1, ?2) AND (s.start_at > ?2 OR "
	    "s.id >= ?3) "
	    "ORDER BY s.start_at, s.id LIMIT ?4";
	sqlite3_stmt	*stmt;
	int64_t		*ids;
	int		 i, n = 0, rc = 0;

	if (store_begin(st, f) != 0)
		return (-1);
	ids = xcalloc((size_t)limit, sizeof *ids);
	stmt = store_stmt(st, sql);
	sqlite3_bind_int64(stmt, 1, (int64_t)store_now(st));
	sqlite3_bind_int64(stmt, 2, at[0]);
	sqlite3_bind_int64(stmt, 3, at[1]);
	sqlite3_bind_int(stmt, 4, limit);
	while (n < limit && sqlite3_step(stmt) == SQLITE_ROW) {
		ids[n++] = sqlite3_column_int64(stmt, 0);
		at[0] = sqlite3_column_int64(stmt, 1);
		at[1] = sqlite3_column_int64(stmt, 2);
	}
	sqlite3_reset(stmt);
	for (i = 0; i < n && rc == 0; i++)
		rc = registration_token(st, ids[i], f);
	free(ids);
	if (rc != 0 || store_commit(st, f) != 0) {
		store_rollback(st);
		return (-1);
	}
	return (n);
}

/*
 * Counts a request of an address: 0 while it is within the limit of its
 * minute, -1 past it (or when every slot is taken by a busy address).
 */
static int
cancel_limit(const unsigned char *addr, int per_minute)
{
	struct cancel_slot	*s, *free_slot = NULL;
	time_t			 now = time(NULL);
	size_t			 i;

	if (per_minute <= 0)
		return (0);
	for (i = 0; i < CANCEL_SLOTS; i++) {
		s = &cancel_slots[i];
		if (s->window != 0 && now - s->window >= 60)
			s->window = 0;
		if (s->window != 0 && memcmp(s->addr, addr, 16) == 0)
			return (++s->count > per_minute ? -1 : 0);
		if (s->window == 0 && free_slot == NULL)
			free_slot = s;
	}
	if (free_slot == NULL)
		return (-1);
	memcpy(free_slot->addr, addr, 16);
	free_slot->window = now;
	free_slot->count = 1;
	return (0);
}

static void
cancel_reg_free(struct cancel_reg *r)
{
	free(r->status);
	free(r->via);
	free(r->session_status);
	free(r->tz);
	free(r->course);
	free(r->venue);
	free(r->address);
}

/*
 * The registration of a token, or -1 when there is none or its session
 * has started: the link has expired. A token of the new form names its
 * registration, whose check must be the token's hash; one of the old
 * form is looked up by its hash.
 */
static int
cancel_find(struct store *st, const char *token, int english,
    struct cancel_reg *r)
{
#define CANCEL_FIND(where) "SELECT r.id, r.session_id, r.status, "	\
	    "r.cancelled_via, s.status, s.start_at, s.end_at, v.timezone, " \
	    "c.title, v.name, trim(coalesce(v.address, '') || ', ' || "	\
	    "trim(coalesce(v.postcode, '') || ' ' || coalesce(v.city, '')), " \
	    "', '), r.cancel_token_check, c.title_en FROM registration r "	\
	    "JOIN session s ON s.id = r.session_id JOIN venue v ON v.id = "	\
	    "s.venue_id JOIN course c ON c.id = s.course_id WHERE " where
	static const char *sql_old = CANCEL_FIND("r.cancel_token_hash = ?1");
	static const char *sql_new = CANCEL_FIND("r.id = ?1");
#undef CANCEL_FIND
	sqlite3_stmt	*stmt;
	int		 rc = -1;

	memset(r, 0, sizeof *r);
	if ((stmt = token_row(st, token, TOKEN_CANCEL, sql_old, sql_new,
	    11)) == NULL)
		return (-1);
	if (sqlite3_column_int64(stmt, 5) > store_now(st)) {
		r->id = sqlite3_column_int64(stmt, 0);
		r->session_id = sqlite3_column_int64(stmt, 1);
		r->status = store_col_dup(stmt, 2);
		r->via = store_col_dup(stmt, 3);
		r->session_status = store_col_dup(stmt, 4);
		r->start = (time_t)sqlite3_column_int64(stmt, 5);
		r->end = (time_t)sqlite3_column_int64(stmt, 6);
		r->tz = store_col_dup(stmt, 7);
		/* The English title where there is one. */
		r->course = store_col_dup(stmt, english &&
		    sqlite3_column_type(stmt, 12) != SQLITE_NULL ? 12 : 8);
		r->venue = store_col_dup(stmt, 9);
		r->address = store_col_dup(stmt, 10);
		rc = 0;
	}
	sqlite3_reset(stmt);
	return (rc);
}

/* The session's time in words: "tirsdag den 8. december kl. 10.00–11.30". */
static char *
cancel_when(const struct cancel_reg *r, int english)
{
	struct notice	 n;
	char		*s;

	memset(&n, 0, sizeof n);
	n.start = r->start;
	n.end = r->end;
	message_notice_times(&n, r->tz);
	s = words_when(&n.start_at, &n.end_at, english ? WORDS_EN : 0);
	return (s != NULL ? s : xstrdup("?"));
}

/* The texts of the pages, Danish and English. */
enum {
	T_TITLE, T_INTRO, T_WAITING, T_COURSE, T_WHEN, T_WHERE, T_ASK,
	T_BUTTON, T_DONE_TITLE, T_DONE, T_GONE_TITLE, T_GONE,
	T_OFF_TITLE, T_OFF, T_404_TITLE, T_404, T_CALL, T_QUESTIONS,
	T_403_TITLE, T_403, T_429_TITLE, T_429, T_MISTAKE, T_FAIL_TITLE,
	T_FAIL, T_COUNT
};
static const char *const cancel_texts[2][T_COUNT] = { {
	"Afmeld din plads",
	"Du er tilmeldt dette kursus:",
	"Du står på venteliste til dette kursus:",
	"Kursus", "Hvornår", "Hvor",
	"Kan du ikke komme? Tryk på knappen, så går din plads videre til en "
	"anden. Der sker ikke noget, før du trykker.",
	"Afmeld min plads",
	"Du er afmeldt",
	"Du er nu afmeldt kurset »%s« %s. Tak fordi du gav besked – din "
	"plads går videre til en anden. Du får også en besked om, at du er "
	"afmeldt.",
	"Du er allerede afmeldt",
	"Din plads på kurset »%s« %s er allerede afmeldt. Du skal ikke gøre "
	"mere.",
	"Kurset er aflyst",
	"Kurset »%s« %s er aflyst. Du skal ikke gøre noget.",
	"Linket virker ikke",
	"Linket virker ikke længere. Det kan være, at kurset allerede er "
	"begyndt, eller at linket er skrevet forkert.",
	"Kan du ikke bruge knappen?",
	"Spørgsmål?",
	"Afmeldingen blev ikke gennemført",
	"Afmeldingen skal sendes fra knappen på siden. Åbn linket fra din "
	"e-mail igen, og tryk på knappen.",
	"Vent lidt",
	"Der er kommet for mange forsøg fra din forbindelse. Vent et minut, "
	"og prøv så igen.",
	"Var det en fejl?",
	"Det gik galt",
	"Afmeldingen kunne ikke gemmes lige nu. Prøv igen om lidt.",
}, {
	"Cancel your place",
	"You are registered for this course:",
	"You are on the waiting list for this course:",
	"Course", "When", "Where",
	"Cannot come? Press the button and your place goes to someone else. "
	"Nothing happens until you press it.",
	"Cancel my place",
	"Your place is cancelled",
	"You are no longer registered for the course \"%s\", %s. Thank you "
	"for letting us know – your place goes to someone else. You will "
	"also get a message saying so.",
	"Already cancelled",
	"Your place on the course \"%s\", %s, is already cancelled. There is "
	"nothing more to do.",
	"The course is cancelled",
	"The course \"%s\", %s, is cancelled. You do not need to do anything.",
	"This link does not work",
	"This link no longer works. The course may have started already, or "
	"the link may be mistyped.",
	"Cannot use the button?",
	"Questions?",
	"Your place was not cancelled",
	"Please use the button on the page to cancel. Open the link from "
	"your e-mail again and press the button.",
	"Please wait",
	"There have been too many attempts from your connection. Please wait "
	"a minute and try again.",
	"Was this a mistake?",
	"Something went wrong",
	"Your cancelling could not be saved just now. Please try again in a "
	"moment.",
} };

/* A paragraph of text, its first two "%s" standing for a1 and a2; all
 * escaped. */
static void
cancel_para(struct page *pg, const char *text, const char *a1,
    const char *a2)
{
	const char	*args[2] = { a1, a2 }, *p;
	struct buf	 b = BUF_INIT;
	int		 i = 0;

	for (p = text; *p != '\0'; p++) {
		if (p[0] == '%' && p[1] == 's' && i < 2) {
			buf_adds(&b, args[i] != NULL ? args[i] : "");
			i++;
			p++;
		} else
			buf_addc(&b, *p);
	}
	page_raw(pg, "<p>");
	page_text(pg, b.data != NULL ? b.data : "");
	page_raw(pg, "</p>\n");
	buf_free(&b);
}

/* Starts a page of a cancel link, its heading text t. */
static void
cancel_begin(struct page *pg, const struct citizen_conf *cc, int en, int t,
    const char *lang_href)
{
	page_begin(pg, cc->site, en ? PAGE_EN : 0, cancel_texts[en][t],
	    lang_href);
	page_raw(pg, "<h1>");
	page_text(pg, cancel_texts[en][t]);
	page_raw(pg, "</h1>\n");
}

/* Ends it, the answer's status and bytes. */
static void
cancel_end(struct page *pg, struct citizen_answer *a, int status)
{
	a->status = status;
	a->type = "text/html; charset=utf-8";
	a->body = page_end(pg, &a->len);
}

/* A short page: heading t, text (with up to two %s), how to reach the
 * library after lead. */
static void
cancel_short(struct citizen_answer *a, const struct citizen_conf *cc, int en,
    int status, int t, int text, const char *a1, const char *a2, int lead)
{
	struct page	 pg;

	cancel_begin(&pg, cc, en, t, NULL);
	cancel_para(&pg, cancel_texts[en][text], a1, a2);
	page_contact(&pg, cancel_texts[en][lead]);
	cancel_end(&pg, a, status);
}

/* The session as a list: course, when, where. */
static void
cancel_facts(struct page *pg, const struct cancel_reg *r, const char *when,
    int en)
{
	page_raw(pg, "<dl>\n<dt>");
	page_text(pg, cancel_texts[en][T_COURSE]);
	page_raw(pg, "</dt><dd>");
	page_text(pg, r->course);
	page_raw(pg, "</dd>\n<dt>");
	page_text(pg, cancel_texts[en][T_WHEN]);
	page_raw(pg, "</dt><dd>");
	page_text(pg, when);
	page_raw(pg, "</dd>\n<dt>");
	page_text(pg, cancel_texts[en][T_WHERE]);
	page_raw(pg, "</dt><dd>");
	page_text(pg, r->venue);
	if (r->address != NULL && *r->address != '\0') {
		page_raw(pg, "<br>");
		page_text(pg, r->address);
	}
	page_raw(pg, "</dd>\n</dl>\n");
}

/* The page with the button: the session, and the form that cancels. */
static void
cancel_form(struct citizen_answer *a, const struct citizen_conf *cc, int en,
    const struct cancel_reg *r, const char *when, const char *token)
{
	struct page	 pg;
	char		*mac, *other;

	other = xprintf("/afmeld/%s%s", token, en ? "" : "?lang=en");
	cancel_begin(&pg, cc, en, T_TITLE, other);
	free(other);
	cancel_para(&pg, cancel_texts[en][strcmp(r->status, "waitlisted") ==
	    0 ? T_WAITING : T_INTRO], NULL, NULL);
	cancel_facts(&pg, r, when, en);
	cancel_para(&pg, cancel_texts[en][T_ASK], NULL, NULL);
	mac = token_mac("afmeld", token);
	page_rawf(&pg, "<form method=\"post\">\n<input type=\"hidden\" "
	    "name=\"form\" value=\"%s\">\n<input type=\"hidden\" "
	    "name=\"lang\" value=\"%s\">\n<p><button type=\"submit\" "
	    "class=\"cancel\">", mac, en ? "en" : "da");
	free(mac);
	page_text(&pg, cancel_texts[en][T_BUTTON]);
	page_raw(&pg, "</button></p>\n</form>\n");
	page_contact(&pg, cancel_texts[en][T_CALL]);
	cancel_end(&pg, a, 200);
}

/*
 * Whether a POST comes from our own page: the browser says where it was
 * made (Sec-Fetch-Site) or from which site (Origin); either, when given,
 * must say ours. Then the form's companion of the token, which no other
 * site can make without the link.
 */
static int
cancel_same_site(const struct citizen_call *cl, const char *token,
    json_t *form)
{
	const char		*url = cl->conf->public_url, *p, *got;
	char			*want;
	size_t			 olen;
	int			 ok;

	if (cl->fetch_site != NULL && strcasecmp(cl->fetch_site,
	    "same-origin") != 0 && strcasecmp(cl->fetch_site, "none") != 0)
		return (0);
	if (cl->origin != NULL) {
		/* The origin of public.url: scheme://host[:port]. */
		p = strstr(url, "://");
		olen = p != NULL ? (size_t)(p + 3 - url) +
		    strcspn(p + 3, "/?#") : strlen(url);
		if (strlen(cl->origin) != olen ||
		    strncasecmp(cl->origin, url, olen) != 0)
			return (0);
	}
	if ((got = json_string_value(json_object_get(form, "form"))) == NULL)
		return (0);
	want = token_mac("afmeld", token);
	ok = token_equal(got, want);
	free(want);
	return (ok);
}

/* The token from "/afmeld/<token>", or NULL. */
static const char *
cancel_path_token(const char *path)
{
	if (strncmp(path, "/afmeld/", 8) != 0)
		return (NULL);
	return (path + 8);
}

void
cancel_request(const struct citizen_call *cl, struct citizen_answer *a)
{
	const struct citizen_conf *cc = cl->conf;
	struct cancel_reg	 r;
	struct fail		 f;
	const char		*token = cancel_path_token(cl->path);
	const char		*lang;
	json_t			*query, *form = NULL;
	char			*when = NULL;
	int			 en, post = cl->method == API_POST;

	memset(&f, 0, sizeof f);
	memset(&r, 0, sizeof r);
	query = param_query(cl->query, &f);
	lang = json_string_value(json_object_get(query, "lang"));
	if (post && cl->len > 0) {
		form = param_query(cl->body, &f);
		if (lang == NULL)
			lang = json_string_value(json_object_get(form,
			    "lang"));
	}
	en = lang != NULL && strncmp(lang, "en", 2) == 0;
	if (!cl->trusted && !cl->again && cancel_limit(cl->addr,
	    cc->cancel_per_minute) != 0) {
		cancel_short(a, cc, en, 429, T_429_TITLE, T_429, NULL, NULL,
		    T_QUESTIONS);
		snprintf(a->fields, sizeof a->fields, "Retry-After: 60\r\n");
		goto out;
	}
	if (token == NULL || cancel_find(cl->store, token, en, &r) != 0) {
		cancel_short(a, cc, en, 404, T_404_TITLE, T_404, NULL, NULL,
		    T_QUESTIONS);
		goto out;
	}
	when = cancel_when(&r, en);
	if (strcmp(r.status, "cancelled") == 0)
		cancel_short(a, cc, en, 200, T_GONE_TITLE, T_GONE, r.course,
		    when, T_MISTAKE);
	else if (strcmp(r.session_status, "scheduled") != 0)
		cancel_short(a, cc, en, post ? 409 : 200, T_OFF_TITLE, T_OFF,
		    r.course, when, T_QUESTIONS);
	else if (post && !cancel_same_site(cl, token, form)) {
		log_warnx("cancel link: a cross-site or formless POST for "
		    "registration %lld from %s refused", (long long)r.id,
		    cl->peer);
		cancel_short(a, cc, en, 403, T_403_TITLE, T_403, NULL, NULL,
		    T_QUESTIONS);
	} else if (post) {
		if (store_begin(cl->store, &f) != 0 ||
		    registration_drop(cl->store, r.id, "link", NULL,
		    KIND_UNREGISTERED, &f) != 0 ||
		    store_commit(cl->store, &f) != 0) {
			store_rollback(cl->store);
			/*
			 * Locked by another connection: public.c makes the
			 * call again for a while and says so; this answer
			 * is sent only if the lock outlasts that.
			 */
			if (!(a->busy = store_locked(&f)))
				log_warnx("cancel link: registration %lld: %s",
				    (long long)r.id, f.msg);
			cancel_short(a, cc, en, f.status >= 500 ? f.status :
			    500, T_FAIL_TITLE, T_FAIL, NULL, NULL,
			    T_QUESTIONS);
			goto out;
		}
		a->wrote = 1;
		log_info("registration %lld cancelled through its link",
		    (long long)r.id);
		cancel_short(a, cc, en, 200, T_DONE_TITLE, T_DONE, r.course,
		    when, T_MISTAKE);
	} else
		cancel_form(a, cc, en, &r, when, token);
out:
	/* Never kept by a cache: the page is one person's. */
	snprintf(a->fields + strlen(a->fields), sizeof a->fields -
	    strlen(a->fields), "Cache-Control: no-store\r\n");
	cancel_reg_free(&r);
	free(when);
	json_decref(query);
	json_decref(form);
}
