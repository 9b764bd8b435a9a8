/*
 * Composing one message from the database: who it is for, what the session
 * is, the course type's own template if staff wrote one, and the
 * invitation that puts the session in (or takes it out of) the person's
 * calendar. The sender's workers compose on their own connections at the
 * moment of sending, so a message always tells the session as it is; the
 * admin API's preview composes on the loop's connection.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "calendars.h"
#include "kursusd.h"
#include "notifier.h"

enum { Q_PERSON, Q_EVENT, Q_SESSION, Q_SEAT, Q_TEMPLATE, Q_VENUE, Q_DATE,
    Q_COUNT };

static const char *message_sql[Q_COUNT] = {
	[Q_PERSON] = "SELECT p.name, " SQL_SMS_TO("p") ", " SQL_EMAIL_TO("p")
	    ", p.language, p.feed_token_sealed FROM participant p "
	    "WHERE p.id = ?1 AND p.anonymised_at IS NULL",
	/* Q_EVENT is event_sql_one */
	/* The venue's phone only when it is public, as in the feeds. */
	[Q_SESSION] = "SELECT s.course_id, v.name, CASE WHEN "
	    "v.contact_public THEN v.contact_phone END, "
	    "(SELECT group_concat(i.name, ', ') FROM session_staff st JOIN "
	    "instructor i ON i.id = st.instructor_id WHERE st.session_id = s.id "
	    "AND st.role = 'instructor'), c.bring, v.access_notes, "
	    "v.address, v.postcode, v.city, c.bring_en "
	    "FROM session s JOIN venue v ON v.id = s.venue_id JOIN course c ON "
	    "c.id = s.course_id WHERE s.id = ?1",
	/* The person's running number, waitlist place if waiting, and
	 * cancel link. */
	[Q_SEAT] = "SELECT r.number, CASE WHEN r.status = 'waitlisted' THEN "
	    "(SELECT count(*) FROM registration w WHERE w.session_id = "
	    "r.session_id AND w.status = 'waitlisted' AND w.queue <= r.queue) "
	    "END, r.cancel_token_sealed FROM registration r WHERE r.session_id = ?1 AND "
	    "r.participant_id = ?2 AND r.status != 'cancelled'",
	[Q_TEMPLATE] = "SELECT subject, body FROM template WHERE course_id = ?1 "
	    "AND kind = ?2 AND channel = ?3 AND language = ?4",
	[Q_VENUE] = "SELECT name FROM venue WHERE id = ?1",
	/* One date of a series notice: its registration's session. */
	[Q_DATE] = "SELECT s.start_at, v.timezone, r.status != 'cancelled' AND "
	    "s.status = 'scheduled', CASE WHEN r.status = 'waitlisted' THEN "
	    "(SELECT count(*) FROM registration w WHERE w.session_id = "
	    "r.session_id AND w.status = 'waitlisted' AND w.queue <= r.queue) "
	    "ELSE 0 END FROM registration r JOIN session s ON s.id = "
	    "r.session_id JOIN venue v ON v.id = s.venue_id WHERE r.id = ?1",
};

/*
 * The notice's instants as wall-clock times in tzid, for the notifier,
 * which knows no time zones. An unknown zone leaves them unset (the
 * notifier then refuses the notice, saying so).
 */
void
message_notice_times(struct notice *n, const char *tzid)
{
	const struct {
		time_t			 t;
		struct notice_time	*at;
	} w[] = {
		{ n->start, &n->start_at }, { n->end, &n->end_at },
		{ n->old_start, &n->old_at },
	};
	struct cal_local	 l;
	size_t			 i;

	for (i = 0; i < sizeof w / sizeof w[0]; i++) {
		memset(w[i].at, 0, sizeof *w[i].at);
		if ((w[i].t == 0 && i == 2) || tzid == NULL ||
		    zone_utc_to_local(tzid, w[i].t, &l) != 0)
			continue;
		w[i].at->year = l.year;
		w[i].at->month = l.month;
		w[i].at->day = l.day;
		w[i].at->wday = l.wday;
		w[i].at->hour = l.hour;
		w[i].at->minute = l.minute;
	}
}


/*
 * The dates of a series notice, from the registrations its detail names:
 * for a confirmation those still live (with their place in the queue),
 * for a withdrawal all of them. *out is the caller's to free.
 */
static size_t
message_dates(sqlite3_stmt *stmt, int kind, json_t *detail,
    struct notice_date **out)
{
	json_t			*rids = json_object_get(detail, "registrations"), *v;
	struct notice_date	*d;
	struct notice		 n;
	size_t			 i, count = 0;

	*out = NULL;
	if (json_array_size(rids) == 0)
		return (0);
	*out = xcalloc(json_array_size(rids), sizeof **out);
	json_array_foreach(rids, i, v) {
		sqlite3_bind_int64(stmt, 1, json_integer_value(v));
		if (sqlite3_step(stmt) == SQLITE_ROW && (kind != KIND_SERIES ||
		    sqlite3_column_int(stmt, 2))) {
			d = &(*out)[count++];
			memset(&n, 0, sizeof n);
			n.start = n.end = (time_t)sqlite3_column_int64(stmt, 0);
			message_notice_times(&n, store_col(stmt, 1));
			d->at = n.start_at;
			d->position = kind == KIND_SERIES ?
			    sqlite3_column_int(stmt, 3) : 0;
		}
		sqlite3_reset(stmt);
	}
	return (count);
}

/* What a session's messages share, in the words of a notice. */
struct message_session {
	int64_t			 id;
	int			 english;	/* the event's language */
	struct session_event	 se;
	int64_t			 course_id;
	char			*venue, *venue_phone, *instructor, *bring;
	char			*access, *address;
	int			 bring_danish;	/* for an English reader */
	/* The invitation less its people, as last made (none: no method). */
	struct cal_invite_frame	 frame;
	const char		*frame_method;
	int			 frame_gone, frame_sequence;
};

struct message_ctx {
	sqlite3			*db;
	sqlite3_stmt		*stmt[Q_COUNT];
	struct message_conf	 conf;
	struct message_session	*ms;	/* the last session, until forgotten */
};

static void
message_session_free(struct message_session *ms)
{
	if (ms == NULL)
		return;
	event_clear(&ms->se);
	invite_frame_clear(&ms->frame);
	free(ms->venue);
	free(ms->venue_phone);
	free(ms->instructor);
	free(ms->bring);
	free(ms->access);
	free(ms->address);
	free(ms);
}

void
message_ctx_forget(struct message_ctx *mc)
{
	message_session_free(mc->ms);
	mc->ms = NULL;
}

struct message_ctx *
message_ctx_new(sqlite3 *db, const struct message_conf *conf)
{
	struct message_ctx	*mc = xcalloc(1, sizeof *mc);
	const char		*sql;
	int			 i;

	mc->db = db;
	for (i = 0; i < Q_COUNT; i++) {
		sql = i == Q_EVENT ? event_sql_one : message_sql[i];
		if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT,
		    &mc->stmt[i], NULL) != SQLITE_OK)
			fatalx("message_ctx_new: %s: %s", sql,
			    sqlite3_errmsg(db));
	}
	mc->conf.public_url = xstrdup(conf->public_url != NULL ?
	    conf->public_url : "");
	mc->conf.from = xstrdup(conf->from != NULL ? conf->from : "");
	mc->conf.from_name = xstrdup(conf->from_name != NULL ?
	    conf->from_name : "");
	mc->conf.library = xstrdupnull(conf->library);
	mc->conf.library_phone = xstrdupnull(conf->library_phone);
	mc->conf.library_email = xstrdupnull(conf->library_email);
	mc->conf.library_url = xstrdupnull(conf->library_url);
	mc->conf.signature = xstrdupnull(conf->signature);
	return (mc);
}

void
message_ctx_free(struct message_ctx *mc)
{
	int	 i;

	if (mc == NULL)
		return;
	message_ctx_forget(mc);
	for (i = 0; i < Q_COUNT; i++)
		sqlite3_finalize(mc->stmt[i]);
	free((char *)mc->conf.public_url);
	free((char *)mc->conf.from);
	free((char *)mc->conf.from_name);
	free((char *)mc->conf.library);
	free((char *)mc->conf.library_phone);
	free((char *)mc->conf.library_email);
	free((char *)mc->conf.library_url);
	free((char *)mc->conf.signature);
	free(mc);
}

void
message_clear(struct message *m)
{
	free(m->recipient);
	free(m->name);
	free(m->subject);
	free(m->body);
	free(m->calendar);
	memset(m, 0, sizeof *m);
}

/* Everything that goes into a notice, owned here. */
struct message_parts {
	char	*name, *phone, *email, *lang, *sealed;
	char	*old_venue, *calendar_url, *cancel_url;
	int	 number, position;
};

static void
message_parts_free(struct message_parts *p)
{
	free(p->name);
	free(p->phone);
	free(p->email);
	free(p->lang);
	free(p->sealed);
	free(p->old_venue);
	free(p->calendar_url);
	free(p->cancel_url);
}

static int
message_person(struct message_ctx *mc, int64_t pid, struct message_parts *p,
    char **cause)
{
	sqlite3_stmt	*stmt = mc->stmt[Q_PERSON];
	int		 rc = 0;

	sqlite3_bind_int64(stmt, 1, pid);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		p->name = store_col_dup(stmt, 0);
		p->phone = store_col_dup(stmt, 1);
		p->email = store_col_dup(stmt, 2);
		p->lang = store_col_dup(stmt, 3);
		p->sealed = store_col_dup(stmt, 4);
	} else {
		xasprintf(cause, "participant %lld does not exist or was "
		    "anonymised", (long long)pid);
		rc = -1;
	}
	sqlite3_reset(stmt);
	return (rc);
}

/*
 * The session as its messages tell it: from the cache when the last
 * message was about the same session in the same language, else read.
 */
static struct message_session *
message_session(struct message_ctx *mc, int64_t sid, int english,
    char **cause)
{
	struct message_session	*ms;
	sqlite3_stmt		*stmt = mc->stmt[Q_SESSION];
	char			*line, *town;

	if (mc->ms != NULL && mc->ms->id == sid && mc->ms->english == english)
		return (mc->ms);
	message_ctx_forget(mc);
	ms = xcalloc(1, sizeof *ms);
	ms->id = sid;
	ms->english = english;
	sqlite3_bind_int64(stmt, 1, sid);
	if (sqlite3_step(stmt) != SQLITE_ROW) {
		sqlite3_reset(stmt);
		free(ms);
		xasprintf(cause, "session %lld does not exist",
		    (long long)sid);
		return (NULL);
	}
	ms->course_id = sqlite3_column_int64(stmt, 0);
	ms->venue = store_col_dup(stmt, 1);
	ms->venue_phone = store_col_dup(stmt, 2);
	ms->instructor = store_col_dup(stmt, 3);
	/* An English reader gets the English text, else the Danish, marked. */
	if (english && store_col(stmt, 9) != NULL)
		ms->bring = store_col_dup(stmt, 9);
	else {
		ms->bring = store_col_dup(stmt, 4);
		ms->bring_danish = english && ms->bring != NULL;
	}
	ms->access = store_col_dup(stmt, 5);
	/* "Borgergade 1, 8700 Horsens" */
	line = store_col_dup(stmt, 6);
	xasprintf(&town, "%s%s%s",
	    sqlite3_column_type(stmt, 7) != SQLITE_NULL ?
	    (const char *)sqlite3_column_text(stmt, 7) : "",
	    sqlite3_column_type(stmt, 7) != SQLITE_NULL &&
	    sqlite3_column_type(stmt, 8) != SQLITE_NULL ? " " : "",
	    sqlite3_column_type(stmt, 8) != SQLITE_NULL ?
	    (const char *)sqlite3_column_text(stmt, 8) : "");
	if (line != NULL && *town != '\0')
		xasprintf(&ms->address, "%s, %s", line, town);
	else if (line != NULL)
		ms->address = xstrdup(line);
	else if (*town != '\0')
		ms->address = xstrdup(town);
	free(line);
	free(town);
	sqlite3_reset(stmt);

	/* The event row gives times, zone, title as the feeds show them. */
	stmt = mc->stmt[Q_EVENT];
	sqlite3_bind_int64(stmt, 1, sid);
	if (sqlite3_step(stmt) != SQLITE_ROW) {
		sqlite3_reset(stmt);
		message_session_free(ms);
		xasprintf(cause, "session %lld does not exist", (long long)sid);
		return (NULL);
	}
	event_fill(&ms->se, stmt, mc->conf.public_url, english);
	sqlite3_reset(stmt);
	return (mc->ms = ms);
}

/*
 * The person's running number, waitlist place and cancel link in the
 * session (the link in the reader's language).
 */
static void
message_seat(struct message_ctx *mc, int64_t sid, int64_t pid,
    struct message_parts *p, int english)
{
	sqlite3_stmt	*stmt = mc->stmt[Q_SEAT];
	char		*token;

	sqlite3_bind_int64(stmt, 1, sid);
	sqlite3_bind_int64(stmt, 2, pid);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		p->number = sqlite3_column_int(stmt, 0);
		p->position = sqlite3_column_int(stmt, 1);
		/* The same link cancel.c answers, /afmeld/<token>. */
		if (store_col(stmt, 2) != NULL &&
		    (token = token_open(store_col(stmt, 2))) != NULL) {
			xasprintf(&p->cancel_url, "%s/afmeld/%s%s",
			    mc->conf.public_url, token, english ?
			    "?lang=en" : "");
			free(token);
		}
	}
	sqlite3_reset(stmt);
}

/* The course type's own text for this message, if staff wrote one. */
static void
message_template(struct message_ctx *mc, const struct message_parts *p,
    int64_t course_id, int kind, int channel, char **subject, char **body)
{
	sqlite3_stmt	*stmt = mc->stmt[Q_TEMPLATE];

	*subject = *body = NULL;
	sqlite3_bind_int64(stmt, 1, course_id);
	sqlite3_bind_text(stmt, 2, kind_name(kind), -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, channel == CHANNEL_SMS ? "sms" : "email",
	    -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, p->lang != NULL && strncmp(p->lang, "en",
	    2) == 0 ? "en" : "da", -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		*subject = store_col_dup(stmt, 0);
		*body = store_col_dup(stmt, 1);
	}
	sqlite3_reset(stmt);
}

static char *
message_venue_name(struct message_ctx *mc, int64_t id)
{
	sqlite3_stmt	*stmt = mc->stmt[Q_VENUE];
	char		*name = NULL;

	sqlite3_bind_int64(stmt, 1, id);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		name = store_col_dup(stmt, 0);
	sqlite3_reset(stmt);
	return (name);
}

/* The invitation's method for a kind of e-mail, or NULL for none. */
static const char *
message_method(int kind)
{
	switch (kinds[kind].invite) {
	case INVITE_REQUEST:
		return ("REQUEST");
	case INVITE_CANCEL:
		return ("CANCEL");
	}
	return (NULL);
}

/*
 * Why the event leaves the person's calendar, for its summary: the
 * session is cancelled ("AFLYST"), or only her place is gone.
 */
static int
message_gone(int kind)
{
	switch (kind) {
	case KIND_WITHDRAWN:
	case KIND_UNREGISTERED:
		return (CAL_GONE_WITHDRAWN);
	case KIND_DEMOTED:
		return (CAL_GONE_WAITLISTED);
	}
	return (CAL_GONE_CANCELLED);
}

/*
 * The invitation from the session's event, as the feeds show it: its
 * frame made once for the session's messages of a kind, the people put
 * in for each.
 */
static char *
message_invite(struct message_ctx *mc, const struct message_parts *p,
    struct message_session *ms, int kind, const char *method, const char *to)
{
	struct session_event	*se = &ms->se;
	struct cal_invite	 inv;
	char			*text = NULL;
	size_t			 len;
	int			 sequence = se->ev.sequence;

	if (method != NULL && to != NULL && *mc->conf.from != '\0') {
		memset(&inv, 0, sizeof inv);
		inv.method = method;
		inv.organizer_name = mc->conf.from_name;
		inv.organizer_email = mc->conf.from;
		inv.attendee_name = p->name;
		inv.attendee_email = to;
		inv.gone = message_gone(kind);
		/*
		 * A CANCEL outranks the REQUEST the person holds for the
		 * same SEQUENCE (a cancelled registration leaves the
		 * session's SEQUENCE as it was).
		 */
		if (strcmp(method, "CANCEL") == 0 &&
		    se->ev.status != CAL_CANCELLED)
			se->ev.sequence++;
		if (ms->frame_method == NULL ||
		    strcmp(ms->frame_method, method) != 0 ||
		    ms->frame_gone != inv.gone ||
		    ms->frame_sequence != se->ev.sequence) {
			invite_frame_clear(&ms->frame);
			ms->frame_method = NULL;
			if (invite_frame(&se->ev, &inv, se->lang,
			    &ms->frame) == 0) {
				ms->frame_method = method;
				ms->frame_gone = inv.gone;
				ms->frame_sequence = se->ev.sequence;
			}
		}
		if (ms->frame_method != NULL)
			text = invite_frame_render(&ms->frame, &inv, &len);
		se->ev.sequence = sequence;
	}
	return (text);
}

int
message_compose(struct message_ctx *mc, int kind, int channel, int64_t sid,
    int64_t pid, const char *recipient, json_t *detail, struct message *m,
    char **cause)
{
	struct message_parts	 p;
	struct message_session	*ms;
	struct notice		 n;
	struct session_event	*se;
	struct notice_date	*dates = NULL;
	const char		*old;
	char			*stpl = NULL, *btpl = NULL, *token;
	json_t			*v;
	int			 rc = -1;

	memset(m, 0, sizeof *m);
	memset(&p, 0, sizeof p);
	memset(&n, 0, sizeof n);
	if (kind < 0 || kind >= KIND_COUNT) {
		xasprintf(cause, "unknown kind of message %d", kind);
		return (-1);
	}
	if (message_person(mc, pid, &p, cause) != 0 ||
	    (ms = message_session(mc, sid, p.lang != NULL &&
	    strncmp(p.lang, "en", 2) == 0, cause)) == NULL)
		goto out;
	se = &ms->se;
	if (recipient == NULL)
		recipient = channel == CHANNEL_SMS ? p.phone : p.email;
	if (recipient == NULL) {
		xasprintf(cause, "%s has no %s to send to", p.name,
		    channel == CHANNEL_SMS ? "mobile number that may get SMS" :
		    "e-mail address that may get mail");
		goto out;
	}
	message_seat(mc, sid, pid, &p, ms->english);

	n.kind = kind;
	n.lang = p.lang;
	n.name = p.name;
	n.course = se->ev.title;
	n.venue = ms->venue;
	n.address = ms->address;
	n.access = ms->access;
	n.bring = ms->bring;
	n.bring_danish = ms->bring_danish;
	n.instructor = ms->instructor;
	n.venue_phone = ms->venue_phone;
	n.library.name = mc->conf.library;
	n.library.phone = mc->conf.library_phone;
	n.library.email = mc->conf.library_email;
	n.library.url = mc->conf.library_url;
	n.library.signature = mc->conf.signature;
	n.start = se->ev.start;
	n.end = se->ev.end;
	n.number = p.number;
	n.position = p.position;
	n.cancel_url = p.cancel_url;
	/*
	 * Not the feed's own .ics address, which means nothing to most
	 * people, but the public page that helps put it in a calendar.
	 */
	if (p.sealed != NULL && (token = token_open(p.sealed)) != NULL) {
		xasprintf(&p.calendar_url, "%s/kalender/%s",
		    mc->conf.public_url, token);
		free(token);
		n.calendar_url = p.calendar_url;
	}
	if ((old = json_string_value(json_object_get(detail, "old_start"))) !=
	    NULL)
		(void)when_parse(old, se->ev.tzid, n.start, &n.old_start, NULL);
	message_notice_times(&n, se->ev.tzid);
	if ((v = json_object_get(detail, "old_venue_id")) != NULL &&
	    (p.old_venue = message_venue_name(mc, json_integer_value(v))) !=
	    NULL && ms->venue != NULL && strcmp(p.old_venue, ms->venue) != 0)
		n.old_venue = p.old_venue;
	n.message = json_string_value(json_object_get(detail, "message"));
	n.reason = json_string_value(json_object_get(detail, "reason"));
	if (kind == KIND_SERIES || kind == KIND_SERIES_WITHDRAWN) {
		n.ndates = message_dates(mc->stmt[Q_DATE], kind, detail,
		    &dates);
		n.dates = dates;
	}

	message_template(mc, &p, ms->course_id, kind, channel, &stpl, &btpl);
	if (template_render(&n, channel, stpl, btpl, &m->subject, &m->body,
	    cause) != 0)
		goto out;
	m->channel = channel;
	m->english = se->lang != NULL && strcmp(se->lang, "en") == 0;
	m->recipient = xstrdup(recipient);
	m->name = xstrdup(p.name);
	m->session_id = sid;
	m->session_start = se->ev.start;
	snprintf(m->tzid, sizeof m->tzid, "%s", se->ev.tzid);
	if (channel == CHANNEL_EMAIL && (m->method = message_method(kind)) !=
	    NULL)
		m->calendar = message_invite(mc, &p, ms, kind, m->method,
		    recipient);
	if (m->calendar == NULL)
		m->method = NULL;
	rc = 0;
out:
	if (rc != 0)
		message_clear(m);
	free(dates);
	free(stpl);
	free(btpl);
	message_parts_free(&p);
	return (rc);
}
