/*
 * GET /v1/export: the sessions of a span (every session when no span is
 * given), as one calendar file in a JSON answer. The query is checked on
 * the loop; the sessions are listed, read and rendered by a job (job.c)
 * with a read-only connection of its own, in one read transaction, since
 * a file of every session cannot be bounded: the loop goes on serving
 * the feeds meanwhile and answers when the job is done. The texts are
 * those of the feeds (render_texts()), but the table of event texts is
 * neither read nor filled: an export of years does not crowd out what
 * the feeds keep. Without workers (the unit tests) it runs in the route.
 */
#include "config.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "feeds.h"

#define EXPORT_BUSY_MS	5000		/* the job's reader waits for a lock */

/* ?1 from, ?2 to, ?3 venue or NULL, ?4 course or NULL */
static const char *export_sql = FEED_MEMBER_COLS " 0" FEED_SESSION " WHERE"
    " s.start_at >= coalesce(?1, -1)"
    " AND s.start_at < coalesce(?2, 9223372036854775807)"
    " AND (?3 IS NULL OR s.venue_id = ?3)"
    " AND (?4 IS NULL OR s.course_id = ?4)" FEED_ORDER;

struct export_job {
	struct api_later	 later;
	char			 peer[64];
	struct store		*st;		/* the job's, a clone */
	time_t			 from, to;
	int			 has_from, has_to;
	int64_t			 venue, course;
	char			*url;
	int			 refresh_minutes;
	/* Set by the job. */
	char			*text;
	size_t			 textlen;
	size_t			 events;
	struct fail		 fail;
};

static void
export_job_free(struct export_job *j)
{
	store_close(j->st);
	free(j->url);
	free(j->text);
	free(j);
}

/*
 * The answer, {"calendar": text, "events": n}, read through st: NULL
 * when *stop was set on the way.
 */
static json_t *
export_make(struct export_job *j, struct store *st, const atomic_int *stop)
{
	const struct cal_feed cf = { "Kurser", store_default_timezone(st),
	    j->refresh_minutes };
	sqlite3_stmt	*stmt = store_stmt(st, export_sql);
	struct members	 m;
	json_t		*out = NULL;
	time_t		 now = time(NULL);
	size_t		*lens, len;
	char		**texts, *text = NULL;
	size_t		 i;

	if (j->has_from)
		sqlite3_bind_int64(stmt, 1, j->from);
	if (j->has_to)
		sqlite3_bind_int64(stmt, 2, j->to);
	if (j->venue != 0)
		sqlite3_bind_int64(stmt, 3, j->venue);
	if (j->course != 0)
		sqlite3_bind_int64(stmt, 4, j->course);
	feeds_members(st, stmt, &m);
	texts = xcalloc(m.n + 1, sizeof *texts);
	lens = xcalloc(m.n + 1, sizeof *lens);
	if (render_texts(j->url, store_stmt(st, event_sql_many), m.ids, m.n,
	    texts, lens, stop) == 0) {
		text = feed_calendar(&cf, (const char *const *)m.tzids, m.ntz,
		    m.n ? m.from : now, m.n ? m.until : now,
		    (const char *const *)texts, lens, m.n, &len);
	}
	/* Each copy goes as the next is made: a year's file is large. */
	for (i = 0; i < m.n; i++)
		free(texts[i]);
	free(texts);
	if (text != NULL) {
		out = json_pack("{s:s%, s:I}", "calendar", text, len,
		    "events", (json_int_t)m.n);
		free(text);
	}
	free(lens);
	members_free(&m);
	return (out);
}

/* --- the thread */

static void
export_work(void *arg, const atomic_int *stop)
{
	struct export_job	*j = arg;
	json_t			*out;
	char			*cause = NULL;

	if (store_clone_open(j->st, EXPORT_BUSY_MS, &cause) != 0) {
		fail_set(&j->fail, 503, NULL, "%s", cause);
		free(cause);
		return;
	}
	/* One read transaction: the file is the database at one moment. */
	if (sqlite3_exec(store_db(j->st), "BEGIN", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		store_fail(j->st, &j->fail);
		return;
	}
	if ((out = export_make(j, j->st, stop)) != NULL)
		j->text = api_answer_text(out, &j->textlen, &j->fail);
	sqlite3_exec(store_db(j->st), "COMMIT", NULL, NULL, NULL);
}

/* --- the loop */

/* On the loop, once the job is done (or kursusd stops). */
static void
export_done(void *arg, int stopping)
{
	struct export_job	*j = arg;

	if (j->text == NULL && j->fail.status == 0)
		fail_set(&j->fail, 503, NULL, "kursusd is stopping; no export "
		    "was made");
	if (j->text != NULL)
		log_info("GET %s/export by %s: 200, %zu bytes",
		    KURSUS_API_PREFIX, j->peer, j->textlen);
	else
		log_info("GET %s/export by %s: refused: %d",
		    KURSUS_API_PREFIX, j->peer, j->fail.status);
	(void)stopping;
	api_later_answer(&j->later, j->text, j->textlen, &j->fail);
	j->text = NULL;
	export_job_free(j);
}

/* GET /v1/export: the sessions of a span, as one calendar file. */
int
export_run(struct api_req *req)
{
	struct export_job	*j;

	if (param_check_query(req, "from", "to", "venue", "course",
	    (char *)NULL) != 0)
		return (-1);
	j = xcalloc(1, sizeof *j);
	if (param_time(req, "from", &j->from, &j->has_from) != 0 ||
	    param_time(req, "to", &j->to, &j->has_to) != 0 ||
	    resource_query(req, "venue", "venue", &j->venue) != 0 ||
	    resource_query(req, "course", "course", &j->course) != 0) {
		export_job_free(j);
		return (-1);
	}
	if (feeds_url(req->feeds) != NULL)
		j->url = xstrdup(feeds_url(req->feeds));
	j->refresh_minutes = feeds_refresh_minutes(req->feeds);
	if (req->jobs == NULL || req->later == NULL ||
	    store_path(req->store) == NULL ||
	    strcmp(store_path(req->store), ":memory:") == 0) {
		req->out = export_make(j, req->store, NULL);
		export_job_free(j);
		return (0);
	}
	j->st = store_clone_reader(req->store);
	j->later = *req->later;
	snprintf(j->peer, sizeof j->peer, "%s", req->peer != NULL ?
	    req->peer : "?");
	if (job_start(req->jobs, export_work, export_done, j,
	    &req->fail) != 0) {
		export_job_free(j);
		return (-1);
	}
	req->status = API_LATER;
	return (0);
}
