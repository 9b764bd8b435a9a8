/*
 * GET /v1/export: the sessions of a span (every session when no span is
 * given), as one calendar file in a JSON answer. A file of every session
 * cannot be bounded: it is made by a read job (readjob.c) while the loop
 * goes on serving the feeds. The texts are those of the feeds
 * (render_texts()), but the table of event texts is neither read nor
 * filled: an export of years does not crowd out what the feeds keep.
 */
#include "config.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "feeds.h"
#include "readjob.h"

/* ?1 from, ?2 to, ?3 venue or NULL, ?4 course or NULL */
static const char *export_sql = FEED_MEMBER_COLS " 0" FEED_SESSION " WHERE"
    " s.start_at >= coalesce(?1, -1)"
    " AND s.start_at < coalesce(?2, 9223372036854775807)"
    " AND (?3 IS NULL OR s.venue_id = ?3)"
    " AND (?4 IS NULL OR s.course_id = ?4)" FEED_ORDER;

struct export_job {
	time_t			 from, to;
	int			 has_from, has_to;
	int64_t			 venue, course;
	char			*url;
	int			 refresh_minutes;
};

static void
export_job_free(void *arg)
{
	struct export_job	*j = arg;

	free(j->url);
	free(j);
}

/* The answer, {"calendar": text, "events": n}, read through st. */
static char *
export_make(void *arg, struct store *st, const atomic_int *stop,
    size_t *len, struct fail *f)
{
	struct export_job	*j = arg;
	const struct cal_feed cf = { "Kurser", store_default_timezone(st),
	    j->refresh_minutes };
	sqlite3_stmt	*stmt = store_stmt(st, export_sql);
	struct members	 m;
	json_t		*out;
	time_t		 now = time(NULL);
	size_t		*lens, n;
	char		**texts, *text = NULL, *answer = NULL;
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
		    (const char *const *)texts, lens, m.n, &n);
	}
	/* Each copy goes as the next is made: a year's file is large. */
	for (i = 0; i < m.n; i++)
		free(texts[i]);
	free(texts);
	if (text != NULL) {
		out = json_pack("{s:s%, s:I}", "calendar", text, n,
		    "events", (json_int_t)m.n);
		free(text);
		if (out == NULL ||
		    (answer = json_dumps(out, JSON_COMPACT)) == NULL)
			fail_set(f, 500, NULL, "internal error: the answer "
			    "could not be written as JSON");
		else
			*len = strlen(answer);
		json_decref(out);
	} else
		fail_set(f, 503, NULL, "kursusd is stopping; no export was "
		    "made");
	free(lens);
	members_free(&m);
	return (answer);
}

/* GET /v1/export: the sessions of a span, as one calendar file. */
int
export_run(struct api_req *req)
{
	static const struct readjob_ops ops = { "export", export_make,
	    export_job_free };
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
	return (readjob_run(req, &ops, j));
}
