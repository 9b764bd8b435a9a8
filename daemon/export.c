/*
 * GET /v1/export: the sessions of a span (every session when no span is
 * given), as one calendar file in a JSON answer. A file of every session
 * cannot be bounded: it is made by a read job (readjob.c) while the loop
 * goes on serving the feeds. The texts are those of the feeds
 * (render_texts()), but the table of event texts is neither read nor
 * filled: an export of years does not crowd out what the feeds keep.
 * The answer is written as it is made into the job's spool (spool.c): a
 * large one goes to a file and is sent from there.
 */
#include "config.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "feeds.h"
#include "readjob.h"

#define EXPORT_PIECE	256	/* event texts rendered at a time */

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

/*
 * The answer, {"calendar": text, "events": n}, read through st and
 * written into out as json_dumps() wrote it: the calendar's head, then
 * the events' texts EXPORT_PIECE at a time, each escaped into out as it
 * comes and let go, then its end. A file of years is never whole in
 * memory, neither as a calendar nor as JSON.
 */
static int
export_make(void *arg, struct store *st, const atomic_int *stop,
    struct spool *out, struct fail *f)
{
	struct export_job	*j = arg;
	const struct cal_feed cf = { "Kurser", store_default_timezone(st),
	    j->refresh_minutes };
	sqlite3_stmt	*stmt = store_stmt(st, export_sql);
	struct members	 m;
	time_t		 now = time(NULL);
	size_t		 lens[EXPORT_PIECE], n, at, k, i;
	char		*texts[EXPORT_PIECE], *head;
	int		 rc = 0;

	if (j->has_from)
		sqlite3_bind_int64(stmt, 1, j->from);
	if (j->has_to)
		sqlite3_bind_int64(stmt, 2, j->to);
	if (j->venue != 0)
		sqlite3_bind_int64(stmt, 3, j->venue);
	if (j->course != 0)
		sqlite3_bind_int64(stmt, 4, j->course);
	feeds_members(st, stmt, &m);
	if ((head = feed_calendar_head(&cf, (const char *const *)m.tzids,
	    m.ntz, m.n ? m.from : now, m.n ? m.until : now, &n)) == NULL) {
		members_free(&m);
		return (fail_set(f, 500, NULL, "internal error: the "
		    "calendar's head could not be written"));
	}
	buf_adds(&out->b, "{\"calendar\":\"");
	buf_add_json(&out->b, head, n);
	free(head);
	for (at = 0; at < m.n && rc == 0; at += k) {
		k = m.n - at < EXPORT_PIECE ? m.n - at : EXPORT_PIECE;
		memset(texts, 0, sizeof texts);
		if (render_texts(j->url, store_stmt(st, event_sql_many),
		    m.ids + at, k, texts, lens, stop) != 0)
			rc = fail_set(f, 503, NULL, "kursusd is stopping; no "
			    "export was made");
		for (i = 0; i < k; i++) {
			if (texts[i] != NULL && rc == 0) {
				buf_add_json(&out->b, texts[i], lens[i]);
				spool_check(out);
			}
			free(texts[i]);
		}
	}
	if (rc == 0) {
		buf_add_json(&out->b, FEED_CALENDAR_END,
		    sizeof FEED_CALENDAR_END - 1);
		buf_addf(&out->b, "\",\"events\":%zu}", m.n);
	}
	members_free(&m);
	return (rc);
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
