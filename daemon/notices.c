/*
 * The staff's side of the notifier: the outbox as staff see it (list,
 * show, retry, cancel), reminders sent now to a whole session, the preview
 * of what one person would get, the call list of those no message
 * reaches, and the course types' own message templates.
 *
 * Who can be reached on which channel is decided as outbox_notify()
 * decides it: SMS needs a mobile number with consent, e-mail an address
 * with consent. The reasons staff read when someone cannot be reached come
 * from notices_why(), so the remind answer and the call list agree.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "kursusd.h"
#include "notifier.h"
#include "random.h"

/* Longest staff message, in characters. */
#define NOTICES_MESSAGE_MAX	1000
/* Longest template text, in bytes. */
#define NOTICES_TEMPLATE_MAX	8000

static const char *notices_states[] = { "pending", "sending", "sent",
    "failed", "skipped", "cancelled" };
#define NOTICES_NSTATES	(sizeof notices_states / sizeof notices_states[0])

/* Characters (not bytes) of UTF-8 text. */
static size_t
notices_chars(const char *s)
{
	size_t	n = 0;

	for (; *s != '\0'; s++) {
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	}
	return (n);
}

/* A positive id in a query parameter; 0 when absent. */
static int
notices_query_id(struct api_req *req, const char *name, int64_t *id)
{
	const char	*s;
	char		*end;
	long long	 v;

	*id = 0;
	s = json_string_value(json_object_get(req->query, name));
	if (s == NULL)
		return (0);
	v = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v <= 0)
		return (fail_set(&req->fail, 422, name, "%s \"%s\" is not an "
		    "id", name, s));
	*id = v;
	return (0);
}

/* --- who can be reached */

/* The channels kursusd can send on, as outbox_notify() sees them. */
struct notices_can {
	int	 email, sms;
};

static void
notices_can(struct store *st, struct notices_can *can)
{
	can->email = outbox_can_send(st, CHANNEL_EMAIL);
	can->sms = outbox_can_send(st, CHANNEL_SMS);
}

/*
 * Why person (a participant row as JSON: phone, phone_type, no_sms,
 * email, no_email, no_contact) cannot get channel ("sms", "email"), or
 * NULL when they can. The person's own reasons come first; can (NULL:
 * ignore) adds a channel kursusd cannot send on. Static strings.
 */
static const char *
notices_why_channel(json_t *p, const char *channel,
    const struct notices_can *can)
{
	const char	*phone_type;

	if (strcmp(channel, "sms") == 0) {
		if (!json_is_string(json_object_get(p, "phone")))
			return ("no mobile number");
		phone_type = json_string_value(json_object_get(p,
		    "phone_type"));
		if (phone_type != NULL && strcmp(phone_type, "mobile") != 0)
			return ("landline only");
		if (json_integer_value(json_object_get(p, "no_sms")) != 0)
			return ("no consent to SMS");
		if (can != NULL && !can->sms)
			return ("SMS is not configured");
		return (NULL);
	}
	if (!json_is_string(json_object_get(p, "email")))
		return ("no e-mail address");
	if (json_integer_value(json_object_get(p, "no_email")) != 0)
		return ("no consent to e-mail");
	if (can != NULL && !can->email)
		return ("e-mail is not configured");
	return (NULL);
}

/*
 * Why person cannot be reached by via ("sms", "email" or "both"), or NULL
 * when some channel of via reaches them. Caller frees.
 */
static char *
notices_why(json_t *p, const char *via, const struct notices_can *can)
{
	const char	*sms, *email;
	int		 phone, mail;

	if (strcmp(via, "both") != 0) {
		sms = notices_why_channel(p, via, can);
		return (xstrdupnull(sms));
	}
	sms = notices_why_channel(p, "sms", can);
	email = notices_why_channel(p, "email", can);
	if (sms == NULL || email == NULL)
		return (NULL);
	phone = json_is_string(json_object_get(p, "phone"));
	mail = json_is_string(json_object_get(p, "email"));
	if (!phone && !mail)
		return (xstrdup("no contact details"));
	if (!mail && strcmp(sms, "landline only") == 0)
		return (xstrdup("landline only"));
	if (strcmp(sms, "no consent to SMS") == 0 &&
	    strcmp(email, "no consent to e-mail") == 0)
		return (xstrdup("no consent to SMS or e-mail"));
	if (strcmp(sms, "SMS is not configured") == 0 &&
	    strcmp(email, "e-mail is not configured") == 0)
		return (xstrdup("neither SMS nor e-mail is configured"));
	return (xprintf("%s, %s", sms, email));
}

/* What the rules need of a person, as JSON, for registration columns r
 * and participant columns p. */
#define NOTICES_PERSON \
	"'participant_id', p.id, 'name', p.name, 'phone', p.phone, " \
	"'phone_type', p.phone_type, 'email', p.email, 'no_sms', p.no_sms, " \
	"'no_email', p.no_email, 'no_contact', p.no_contact"

/* --- the outbox */

int
notices_outbox_list(struct api_req *req)
{
	static const char *sql = "SELECT j, id FROM outbox_json WHERE "
	    "(?1 IS NULL OR state = ?1) AND "
	    "(?2 IS NULL OR session_id = CAST(?2 AS INTEGER)) AND "
	    "(?3 IS NULL OR batch = ?3) AND (?4 IS NULL OR kind = ?4) AND "
	    "(?5 IS NULL OR participant_id = CAST(?5 AS INTEGER)) AND "
	    "id > ?6 AND id <= ?7 ORDER BY id LIMIT ?8";
	struct paging	 pg;
	sqlite3_stmt	*stmt;
	int64_t		 maxid;
	const char	*state, *kind, *batch;
	char		 list[256], sid[32], pid[32];
	int64_t		 session, participant;
	size_t		 i;
	int		 k;

	if (param_check_query(req, "state", "session", "batch", "kind",
	    "participant", "limit", "cursor", (char *)NULL) != 0)
		return (-1);
	state = json_string_value(json_object_get(req->query, "state"));
	if (state != NULL) {
		for (i = 0; i < NOTICES_NSTATES; i++) {
			if (strcmp(state, notices_states[i]) == 0)
				break;
		}
		if (i == NOTICES_NSTATES)
			return (fail_set(&req->fail, 422, "state", "state "
			    "\"%s\" is not one of pending, sending, sent, "
			    "failed, skipped, cancelled", state));
	}
	kind = json_string_value(json_object_get(req->query, "kind"));
	if (kind != NULL) {
		if ((k = kind_parse(kind)) < 0)
			return (fail_set(&req->fail, 422, "kind", "kind \"%s\" "
			    "is not one of %s", kind, kind_list(list,
			    sizeof list, 0, 1, ", ")));
		kind = kind_name(k);
	}
	batch = json_string_value(json_object_get(req->query, "batch"));
	if (notices_query_id(req, "session", &session) != 0 ||
	    notices_query_id(req, "participant", &participant) != 0)
		return (-1);
	if (paging_start(req, &pg, "outbox", "i") != 0)
		return (-1);
	snprintf(sid, sizeof sid, "%lld", (long long)session);
	snprintf(pid, sizeof pid, "%lld", (long long)participant);
	/* A state or kind among ten million notices: read by ranges. */
	maxid = store_int(req->store, 0, "SELECT max(id) FROM outbox", NULL);
	stmt = store_stmt_bound(req->store, sql, "ttttt", state, session != 0 ?
	    sid : NULL, batch, kind, participant != 0 ? pid : NULL);
	return (paging_scan(req, &pg, stmt, 6, maxid));
}

/* The outbox row of path parameter 0: its state and channel. */
static int
notices_row(struct api_req *req, int64_t *id, char *state, size_t slen,
    char *channel, size_t clen)
{
	static const char *sql = "SELECT state, channel FROM outbox WHERE "
	    "id = ?";
	sqlite3_stmt	*stmt;

	if (param_id(req, 0, "notice", id) != 0)
		return (-1);
	stmt = store_stmt(req->store, sql);
	sqlite3_bind_int64(stmt, 1, *id);
	if (sqlite3_step(stmt) != SQLITE_ROW) {
		sqlite3_reset(stmt);
		return (fail_set(&req->fail, 404, "notice", "no notice with "
		    "id %lld", (long long)*id));
	}
	snprintf(state, slen, "%s", (const char *)sqlite3_column_text(stmt,
	    0));
	snprintf(channel, clen, "%s", (const char *)sqlite3_column_text(stmt,
	    1));
	sqlite3_reset(stmt);
	return (0);
}

int
notices_outbox_show(struct api_req *req)
{
	static const char *sql = "SELECT j FROM outbox_full_json WHERE id = ?";
	int64_t	 id;

	if (param_check_query(req, (char *)NULL) != 0 ||
	    param_id(req, 0, "notice", &id) != 0)
		return (-1);
	if ((req->out = store_json(req->store, sql, "i", id)) == NULL)
		return (fail_set(&req->fail, 404, "notice", "no notice with "
		    "id %lld", (long long)id));
	return (0);
}

int
notices_outbox_retry(struct api_req *req)
{
	/* Due now, as staff asked: its expiry counts from now too. */
	static const char *sql = "UPDATE outbox SET state = 'pending', "
	    "due_at = ?1, next_attempt = ?1, updated_at = ?1 WHERE id = ?2";
	static const char *sql_show = "SELECT j FROM outbox_json WHERE id = ?";
	char		 state[16], channel[16];
	int64_t		 id, now = store_now(req->store);

	if (param_check_fields(req->body, NULL, 0, &req->fail) != 0 ||
	    notices_row(req, &id, state, sizeof state, channel,
	    sizeof channel) != 0)
		return (-1);
	if (strcmp(channel, "call") == 0)
		return (fail_set(&req->fail, 409, "notice", "notice %lld is a "
		    "call-list record, not a message; it is never sent",
		    (long long)id));
	if (strcmp(state, "failed") != 0 && strcmp(state, "skipped") != 0 &&
	    strcmp(state, "cancelled") != 0)
		return (fail_set(&req->fail, 409, "notice", "notice %lld is "
		    "%s; only a failed, skipped or cancelled notice can be "
		    "retried", (long long)id, state));
	if (store_exec(req->store, &req->fail, sql, "ii", now, id) < 0)
		return (-1);
	req->out = store_json(req->store, sql_show, "i", id);
	return (0);
}

int
notices_outbox_cancel(struct api_req *req)
{
	static const char *sql = "UPDATE outbox SET state = 'cancelled', "
	    "last_error = ?1, updated_at = ?2 WHERE id = ?3 AND "
	    "state = 'pending'";
	static const char *sql_show = "SELECT j FROM outbox_json WHERE id = ?";
	char		 state[16], channel[16], *why;
	int64_t		 id;
	int		 n;

	if (param_check_fields(req->body, NULL, 0, &req->fail) != 0 ||
	    notices_row(req, &id, state, sizeof state, channel,
	    sizeof channel) != 0)
		return (-1);
	if (strcmp(state, "pending") != 0)
		return (fail_set(&req->fail, 409, "notice", "notice %lld is "
		    "%s; only a pending notice can be cancelled",
		    (long long)id, state));
	why = xprintf("cancelled by staff (%s)", req->peer != NULL ?
	    req->peer : "unknown");
	n = store_exec(req->store, &req->fail, sql, "tii", why,
	    (int64_t)store_now(req->store), id);
	free(why);
	if (n < 0)
		return (-1);
	req->out = store_json(req->store, sql_show, "i", id);
	return (0);
}

/* --- a session's reminders, now */

/* The session of path parameter 0, which must be neither cancelled nor
 * over. */
static int
notices_session_open(struct api_req *req, struct session_row *s)
{
	struct cal_local	 l;
	int64_t			 id;

	if (param_id(req, 0, "session", &id) != 0 ||
	    session_load(req->store, id, s, &req->fail) != 0)
		return (-1);
	if (strcmp(s->status, "cancelled") == 0)
		return (fail_set(&req->fail, 409, "session", "session %lld is "
		    "cancelled; its people were told when it was",
		    (long long)id));
	if (s->end <= store_now(req->store) || strcmp(s->status, "done") == 0) {
		if (zone_utc_to_local(s->tz, s->end, &l) != 0)
			return (fail_set(&req->fail, 409, "session", "session "
			    "%lld has ended", (long long)id));
		return (fail_set(&req->fail, 409, "session", "session %lld "
		    "has ended (at %04d-%02d-%02d %02d:%02d)", (long long)id,
		    l.year, l.month, l.day, l.hour, l.minute));
	}
	return (0);
}

int
notices_remind(struct api_req *req)
{
	static const struct field fields[] = {
		{ "via", FT_TEXT },
		{ "message", FT_TEXT },
		{ "include_waitlist", FT_BOOL },
	};
	static const char *sql = "SELECT json_object('registration_id', r.id, "
	    "'status', r.status, " NOTICES_PERSON ") FROM registration r "
	    "JOIN participant p ON p.id = r.participant_id WHERE "
	    "r.session_id = ?1 AND (r.status = 'confirmed' OR (?2 AND "
	    "r.status = 'waitlisted')) ORDER BY r.number";
	static const char *channels[] = { "email", "sms" };
	struct session_row	 s;
	const char		*via, *message, *b, *e;
	char			*batch = NULL, *why;
	json_t			*people, *p, *detail = NULL, *ids, *unreach;
	const char		*chs[2];
	size_t			 i, nch, c, len;
	struct notices_can	 can;
	struct buf		 pairs = BUF_INIT;
	int			 waitlist, kind, rc = -1;

	if (param_check_fields(req->body, fields, sizeof fields /
	    sizeof fields[0], &req->fail) != 0)
		return (-1);
	via = param_text(req->body, "via");
	if (via == NULL)
		via = "both";
	if (strcmp(via, "email") != 0 && strcmp(via, "sms") != 0 &&
	    strcmp(via, "both") != 0)
		return (fail_set(&req->fail, 422, "via", "via \"%s\" is not "
		    "one of email, sms, both", via));
	message = param_text(req->body, "message");
	if (message != NULL) {
		for (b = message; *b == ' ' || *b == '\n' || *b == '\t'; b++)
			;
		if (*b == '\0')
			return (fail_set(&req->fail, 422, "message", "message "
			    "is empty; leave it out (or null) to send the "
			    "reminder text"));
		if ((len = notices_chars(message)) > NOTICES_MESSAGE_MAX)
			return (fail_set(&req->fail, 422, "message", "message "
			    "is %zu characters long; at most %d are allowed",
			    len, NOTICES_MESSAGE_MAX));
		for (e = message; *e != '\0'; e++) {
			if (((unsigned char)*e < 0x20 && *e != '\n' &&
			    *e != '\t' && *e != '\r') || *e == 0x7f)
				return (fail_set(&req->fail, 422, "message",
				    "message holds control characters"));
		}
	}
	waitlist = json_is_true(json_object_get(req->body,
	    "include_waitlist"));
	if (notices_session_open(req, &s) != 0)
		return (-1);

	notices_can(req->store, &can);
	kind = message != NULL ? KIND_STAFF : KIND_REMINDER;
	if (message != NULL)
		detail = json_pack("{s:s}", "message", message);
	batch = random_hex(8);
	ids = json_array();
	unreach = json_array();
	buf_addc(&pairs, '[');
	people = store_json_array(req->store, sql, "ii", s.id,
	    (int64_t)waitlist);
	json_array_foreach(people, i, p) {
		if ((why = notices_why(p, via, &can)) != NULL) {
			json_array_append_new(unreach, json_pack("{s:O?, s:O?, "
			    "s:O?, s:O?, s:s}", "participant_id",
			    json_object_get(p, "participant_id"), "name",
			    json_object_get(p, "name"), "phone",
			    json_object_get(p, "phone"), "status",
			    json_object_get(p, "status"), "reason", why));
			free(why);
			continue;
		}
		/* One call for the person's channels: one read of them. */
		for (c = nch = 0; c < 2; c++) {
			if (strcmp(via, "both") != 0 &&
			    strcmp(via, channels[c]) != 0)
				continue;
			if (notices_why_channel(p, channels[c], &can) == NULL)
				chs[nch++] = channels[c];
		}
		if (nch == 0)
			fatalx("%s: nobody to send to", __func__);
		for (c = 0; c < nch; c++)
			buf_addf(&pairs, "%s[%lld,\"%s\"]", pairs.len > 1 ?
			    "," : "", (long long)json_integer_value(
			    json_object_get(p, "registration_id")), chs[c]);
	}
	/* The rows in one statement: a session of 1,000 at once. */
	buf_addc(&pairs, ']');
	if (outbox_queue_all(req->store, kind, pairs.data, batch, detail, ids,
	    &req->fail) != 0)
		goto out;
	req->out = json_pack("{s:s, s:I, s:I, s:O, s:O}", "batch", batch,
	    "session_id", (json_int_t)s.id, "queued",
	    (json_int_t)json_array_size(ids), "messages", ids, "unreachable",
	    unreach);
	req->status = 201;
	rc = 0;
out:
	buf_free(&pairs);
	json_decref(people);
	json_decref(ids);
	json_decref(unreach);
	json_decref(detail);
	free(batch);
	return (rc);
}

/* --- what one person would get */

int
notices_preview(struct api_req *req)
{
	static const char *sql_person = "SELECT json_object(" NOTICES_PERSON
	    ") FROM participant p WHERE p.id = ? AND p.anonymised_at IS NULL";
	static const struct message_conf none = { .public_url = "",
	    .from = "", .from_name = "" };
	const struct message_conf *conf = &none;
	struct message_conf	 stand_in;
	struct session_row	 s;
	struct message_ctx	*mc;
	struct message		 m;
	const char		*kname, *via, *message, *why, *to = NULL;
	char			*cause = NULL, list[256];
	json_t			*person = NULL, *detail = NULL;
	int64_t			 sid, pid;
	size_t			 units = 0;
	int			 kind, channel, ucs2 = 0, segments, rc;

	if (param_check_query(req, "participant", "kind", "via", "message",
	    (char *)NULL) != 0)
		return (-1);
	if (param_id(req, 0, "session", &sid) != 0 ||
	    session_load(req->store, sid, &s, &req->fail) != 0)
		return (-1);
	if (notices_query_id(req, "participant", &pid) != 0)
		return (-1);
	if (pid == 0)
		return (fail_set(&req->fail, 422, "participant", "participant "
		    "is required: whose message to show"));
	kname = json_string_value(json_object_get(req->query, "kind"));
	if (kname == NULL)
		kname = "reminder";
	if ((kind = kind_parse(kname)) < 0 ||
	    !(kinds[kind].flags & KIND_PREVIEW))
		return (fail_set(&req->fail, 422, "kind", "kind \"%s\" is not "
		    "one of %s", kname, kind_list(list, sizeof list,
		    KIND_PREVIEW, 1, ", ")));
	message = json_string_value(json_object_get(req->query, "message"));
	if (message != NULL && contact_refuse_cpr("message", message,
	    &req->fail) != 0)
		return (-1);
	if ((person = store_json(req->store, sql_person, "i", pid)) == NULL)
		return (fail_set(&req->fail, 404, "participant", "no "
		    "participant with id %lld", (long long)pid));
	via = json_string_value(json_object_get(req->query, "via"));
	if (via == NULL)
		via = notices_why_channel(person, "sms", NULL) == NULL ?
		    "sms" : "email";
	if (strcmp(via, "sms") == 0)
		channel = CHANNEL_SMS;
	else if (strcmp(via, "email") == 0)
		channel = CHANNEL_EMAIL;
	else {
		json_decref(person);
		return (fail_set(&req->fail, 422, "via", "via \"%s\" is not "
		    "one of sms, email", via));
	}
	if (kind == KIND_STAFF || message != NULL)
		detail = json_pack("{s:s}", "message", message != NULL ?
		    message : "(your message)");
	/*
	 * Someone the channel does not reach still has a text staff may read
	 * out on the phone: compose it for the number or address on record,
	 * or a stand-in, and say why it would not be sent.
	 */
	if ((why = notices_why_channel(person, via, NULL)) != NULL) {
		to = json_string_value(json_object_get(person,
		    channel == CHANNEL_SMS ? "phone" : "email"));
		if (to == NULL)
			to = channel == CHANNEL_SMS ? "+4500000000" :
			    "nobody@example.invalid";
	}

	if (req->sender != NULL)
		conf = sender_message_conf(req->sender);
	/* Without [smtp] from no invitation is made; show one anyway, from a
	 * stand-in organizer, so staff see what an e-mail would carry. */
	stand_in = *conf;
	if (stand_in.from == NULL || *stand_in.from == '\0') {
		stand_in.from = "kursusd@example.invalid";
		if (stand_in.from_name == NULL || *stand_in.from_name == '\0')
			stand_in.from_name = "kursusd";
	}
	mc = message_ctx_new(store_db(req->store), &stand_in);
	memset(&m, 0, sizeof m);
	rc = message_compose(mc, kind, channel, sid, pid, to, detail, &m,
	    &cause);
	message_ctx_free(mc);
	json_decref(detail);
	json_decref(person);
	if (rc != 0) {
		fail_set(&req->fail, 422, "kind", "%s", cause);
		free(cause);
		return (-1);
	}

	req->out = json_pack("{s:s, s:s, s:s?, s:b, s:s?, s:s?, s:s, s:s?, "
	    "s:s?}", "kind", kind_name(kind), "channel",
	    channel == CHANNEL_SMS ? "sms" : "email", "recipient",
	    why == NULL ? m.recipient : NULL, "reachable", why == NULL,
	    "reason", why, "subject", m.subject, "body", m.body != NULL ?
	    m.body : "", "calendar_method", m.method, "calendar",
	    m.calendar);
	if (channel == CHANNEL_SMS) {
		segments = gsm_segments(m.body != NULL ? m.body : "", &ucs2,
		    &units);
		json_object_set_new(req->out, "segments",
		    json_integer(segments));
		json_object_set_new(req->out, "ucs2", json_boolean(ucs2));
		json_object_set_new(req->out, "units",
		    json_integer((json_int_t)units));
	} else {
		json_object_set_new(req->out, "segments", json_null());
		json_object_set_new(req->out, "ucs2", json_null());
		json_object_set_new(req->out, "units", json_null());
	}
	message_clear(&m);
	return (0);
}

/* --- who staff must phone */

int
notices_calllist(struct api_req *req)
{
	static const char *sql = "SELECT json_object(" NOTICES_PERSON ", "
	    "'status', (SELECT r.status FROM registration r WHERE "
	    "r.session_id = ?1 AND r.participant_id = p.id ORDER BY "
	    "r.status = 'cancelled', r.id DESC LIMIT 1), "
	    "'waitlist_position', (SELECT count(*) FROM registration r JOIN "
	    "registration w ON w.session_id = r.session_id AND w.status = "
	    "'waitlisted' AND w.queue <= r.queue WHERE r.session_id = ?1 AND "
	    "r.participant_id = p.id AND r.status = 'waitlisted'), "
	    "'failed', json((SELECT json_group_array(json_object('channel', "
	    "o.channel, 'error', o.last_error)) FROM outbox o WHERE "
	    "o.session_id = ?1 AND o.participant_id = p.id AND "
	    "o.state = 'failed'))) FROM participant p WHERE p.id IN ("
	    "SELECT participant_id FROM registration WHERE session_id = ?1 AND "
	    "status IN ('confirmed', 'waitlisted') UNION SELECT "
	    "participant_id FROM outbox WHERE session_id = ?1 AND "
	    "state = 'failed') ORDER BY p.name COLLATE NOCASE, p.id";
	struct session_row	 s;
	struct notices_can	 can;
	const char		*status, *err, *ch;
	char			*reasons, *why, *one;
	json_t			*people, *p, *f, *list, *seen;
	int64_t			 sid;
	size_t			 i, j;
	int			 live;

	if (param_check_query(req, (char *)NULL) != 0 ||
	    param_id(req, 0, "session", &sid) != 0 ||
	    session_load(req->store, sid, &s, &req->fail) != 0)
		return (-1);
	notices_can(req->store, &can);
	list = json_array();
	people = store_json_array(req->store, sql, "i", sid);
	json_array_foreach(people, i, p) {
		reasons = NULL;
		seen = json_object();
		status = json_string_value(json_object_get(p, "status"));
		live = status != NULL && (strcmp(status, "confirmed") == 0 ||
		    strcmp(status, "waitlisted") == 0);
		if (live && (why = notices_why(p, "both", &can)) != NULL) {
			reasons = why;
			json_object_set_new(seen, why, json_true());
		}
		json_array_foreach(json_object_get(p, "failed"), j, f) {
			ch = json_string_value(json_object_get(f, "channel"));
			err = json_string_value(json_object_get(f, "error"));
			one = xprintf("%s failed: %s", ch != NULL &&
			    strcmp(ch, "sms") == 0 ? "SMS" : "e-mail",
			    err != NULL ? err : "no reason recorded");
			if (json_object_get(seen, one) == NULL) {
				json_object_set_new(seen, one, json_true());
				why = reasons == NULL ? xstrdup(one) :
				    xprintf("%s; %s", reasons, one);
				free(reasons);
				reasons = why;
			}
			free(one);
		}
		json_decref(seen);
		if (reasons == NULL)
			continue;
		json_array_append_new(list, json_pack("{s:O?, s:O?, s:O?, "
		    "s:O?, s:O?, s:O?, s:O?, s:s}", "participant_id",
		    json_object_get(p, "participant_id"), "name",
		    json_object_get(p, "name"), "phone", json_object_get(p,
		    "phone"), "phone_type", json_object_get(p, "phone_type"),
		    "email", json_object_get(p, "email"), "status",
		    json_object_get(p, "status"), "waitlist_position",
		    json_integer_value(json_object_get(p,
		    "waitlist_position")) > 0 ? json_object_get(p,
		    "waitlist_position") : json_null(), "reasons", reasons));
		free(reasons);
	}
	json_decref(people);
	req->out = json_pack("{s:o, s:o}", "session",
	    session_json(req->store, sid), "calllist", list);
	return (0);
}

/* --- the course types' own templates */

static const char *notices_template_json =
    "SELECT json_object('course', c.slug, 'kind', t.kind, "
    "'channel', t.channel, 'language', t.language, 'subject', t.subject, "
    "'body', t.body, 'updated_at', utc_iso(t.updated_at)) "
    "FROM template t JOIN course c ON c.id = t.course_id ";

int
notices_template_list(struct api_req *req)
{
	static char	*sql;
	int64_t		 cid;

	if (sql == NULL)
		sql = xprintf("%s WHERE t.course_id = ? ORDER BY t.kind, "
		    "t.channel, t.language", notices_template_json);
	if (param_check_query(req, (char *)NULL) != 0 ||
	    resource_id(req->store, "course", req->param[0], "course", &cid,
	    &req->fail) != 0)
		return (-1);
	req->out = json_pack("{s:s, s:o}", "course", req->param[0],
	    "templates", store_json_array(req->store, sql, "i", cid));
	return (0);
}

/* Course, kind, channel and language of a template route. */
static int
notices_template_key(struct api_req *req, int64_t *cid, int *kind,
    int *channel, const char **lang)
{
	char	 list[256];

	if (param_check_query(req, "language", (char *)NULL) != 0 ||
	    resource_id(req->store, "course", req->param[0], "course", cid,
	    &req->fail) != 0)
		return (-1);
	if ((*kind = kind_parse(req->param[1])) < 0 ||
	    !(kinds[*kind].flags & KIND_TEMPLATE))
		return (fail_set(&req->fail, 404, "kind", "no notice kind "
		    "\"%s\" (%s)", req->param[1], kind_list(list, sizeof list,
		    KIND_TEMPLATE, 1, ", ")));
	if (strcmp(req->param[2], "email") == 0)
		*channel = CHANNEL_EMAIL;
	else if (strcmp(req->param[2], "sms") == 0)
		*channel = CHANNEL_SMS;
	else
		return (fail_set(&req->fail, 404, "channel", "no channel "
		    "\"%s\" (email or sms)", req->param[2]));
	*lang = json_string_value(json_object_get(req->query, "language"));
	if (*lang == NULL)
		*lang = "da";
	if (strcmp(*lang, "da") != 0 && strcmp(*lang, "en") != 0)
		return (fail_set(&req->fail, 422, "language", "language "
		    "\"%s\" is not supported (da or en)", *lang));
	return (0);
}

/* Checks a template text: size, control characters (api.c checked CPR). */
static int
notices_template_text(const char *field, const char *text, struct fail *f)
{
	const char	*p;

	if (strlen(text) > NOTICES_TEMPLATE_MAX)
		return (fail_set(f, 422, field, "%s is %zu bytes long; at most "
		    "%d are allowed", field, strlen(text),
		    NOTICES_TEMPLATE_MAX));
	for (p = text; *p != '\0' && (*p == ' ' || *p == '\n' || *p == '\t' ||
	    *p == '\r'); p++)
		;
	if (*p == '\0')
		return (fail_set(f, 422, field, "%s must not be empty", field));
	for (p = text; *p != '\0'; p++) {
		if (((unsigned char)*p < 0x20 && *p != '\n' && *p != '\t' &&
		    *p != '\r') || *p == 0x7f)
			return (fail_set(f, 422, field, "%s holds control "
			    "characters", field));
	}
	return (0);
}

/*
 * Renders subject and body against a notice with every value set, so an
 * unknown placeholder is refused now, not when a message is due. The
 * rendered sample goes into the answer.
 */
static int
notices_template_try(struct store *st, int64_t cid, int kind, int channel,
    const char *lang, const char *subject, const char *body, json_t **sample,
    struct fail *f)
{
	static const char *sql = "SELECT json_object('title', CASE WHEN "
	    "?2 = 'en' THEN coalesce(title_en, title) ELSE title END, "
	    "'bring', CASE WHEN ?2 = 'en' THEN coalesce(bring_en, bring) ELSE "
	    "bring END, 'danish', ?2 = 'en' AND bring_en IS NULL AND bring IS "
	    "NOT NULL) FROM course WHERE id = ?1";
	struct notice	 n;
	json_t		*course;
	char		*s = NULL, *b = NULL, *cause = NULL, *junk;
	time_t		 start = 1796288400;	/* 2026-12-03 10:00 CET */
	int		 rc;

	course = store_json(st, sql, "it", cid, lang);
	memset(&n, 0, sizeof n);
	n.kind = kind;
	n.lang = lang;
	n.name = "Jørgen Smidstrup";
	n.course = json_string_value(json_object_get(course, "title"));
	if (n.course == NULL)
		n.course = "NemID/MitID for begyndere";
	n.venue = "Malernes Seniorklub";
	n.address = "Borgergade 1, 8700 Horsens";
	n.access = "Trinfri adgang, teleslynge";
	n.bring = json_string_value(json_object_get(course, "bring"));
	n.bring_danish = json_integer_value(json_object_get(course,
	    "danish")) != 0;
	if (n.bring == NULL)
		n.bring = "telefon, nøglekort og læsebriller";
	n.instructor = "Karen Holm";
	n.venue_phone = "+4575620000";
	n.calendar_url = "https://kurser.example.dk/kalender/"
	    "0123456789abcdef0123456789abcdef";
	n.library.name = "Horsens Bibliotek";
	n.library.phone = "+4576292300";
	n.library.email = "kurser@horsens.example.dk";
	n.library.url = "https://bibliotek.horsens.example.dk";
	n.library.signature = "Kursusholdet";
	n.start = start;
	n.end = start + 90 * 60;
	n.old_start = start - 7 * 86400;
	message_notice_times(&n, "Europe/Copenhagen");
	n.old_venue = "Horsens Bibliotek";
	n.number = 3000;
	n.position = 2;
	n.message = "Husk at tage dit sundhedskort med.";
	n.reason = "underviseren er syg";

	/* The subject alone first, so the refusal names the field at fault. */
	if (channel == CHANNEL_EMAIL && subject != NULL) {
		if (template_render(&n, channel, subject, NULL, &s, &junk,
		    &cause) != 0) {
			rc = fail_set(f, 422, "subject", "subject: %s", cause);
			goto out;
		}
		free(s);
		free(junk);
		s = NULL;
	}
	if (template_render(&n, channel, subject, body, &s, &b, &cause) != 0) {
		rc = fail_set(f, 422, "body", "body: %s", cause);
		goto out;
	}
	*sample = json_pack("{s:s?, s:s}", "subject", s, "body", b);
	rc = 0;
out:
	free(cause);
	free(s);
	free(b);
	json_decref(course);
	return (rc);
}

int
notices_template_set(struct api_req *req)
{
	static const struct field fields[] = {
		{ "subject", FT_TEXT },
		{ "body", FT_TEXT },
	};
	static const char *sql = "INSERT INTO template (course_id, kind, "
	    "channel, language, subject, body, updated_at) VALUES (?1, ?2, ?3, "
	    "?4, ?5, ?6, ?7) ON CONFLICT (course_id, kind, channel, language) "
	    "DO UPDATE SET subject = ?5, body = ?6, updated_at = ?7";
	static const char *sql_had = "SELECT count(*) FROM template WHERE "
	    "course_id = ? AND kind = ? AND channel = ? AND language = ?";
	static char	*sql_show;
	const char	*lang, *subject, *body, *kname;
	json_t		*sample = NULL;
	int64_t		 cid, had;
	int		 kind, channel;

	if (sql_show == NULL)
		sql_show = xprintf("%s WHERE t.course_id = ? AND t.kind = ? AND "
		    "t.channel = ? AND t.language = ?", notices_template_json);
	if (notices_template_key(req, &cid, &kind, &channel, &lang) != 0 ||
	    param_check_fields(req->body, fields, sizeof fields /
	    sizeof fields[0], &req->fail) != 0)
		return (-1);
	kname = kind_name(kind);
	subject = param_text(req->body, "subject");
	body = param_text(req->body, "body");
	if (body == NULL)
		return (fail_set(&req->fail, 422, "body", "body is required: "
		    "the text of the message"));
	if (notices_template_text("body", body, &req->fail) != 0)
		return (-1);
	if (subject != NULL) {
		if (channel == CHANNEL_SMS)
			return (fail_set(&req->fail, 422, "subject", "an SMS "
			    "has no subject"));
		if (strchr(subject, '\n') != NULL)
			return (fail_set(&req->fail, 422, "subject", "subject "
			    "must be one line"));
		if (notices_template_text("subject", subject, &req->fail) != 0)
			return (-1);
	}
	if (notices_template_try(req->store, cid, kind, channel, lang,
	    subject, body, &sample, &req->fail) != 0)
		return (-1);
	had = store_int(req->store, 0, sql_had, "ittt", cid, kname,
	    req->param[2], lang);
	if (store_exec(req->store, &req->fail, sql, "ittttti", cid, kname,
	    req->param[2], lang, subject, body,
	    (int64_t)store_now(req->store)) < 0) {
		json_decref(sample);
		return (-1);
	}
	req->out = store_json(req->store, sql_show, "ittt", cid, kname,
	    req->param[2], lang);
	json_object_set_new(req->out, "sample", sample);
	req->status = had ? 200 : 201;
	return (0);
}

int
notices_template_unset(struct api_req *req)
{
	static const char *sql = "DELETE FROM template WHERE course_id = ? AND "
	    "kind = ? AND channel = ? AND language = ?";
	const char	*lang, *kname;
	int64_t		 cid;
	int		 kind, channel, n;

	if (param_check_fields(req->body, NULL, 0, &req->fail) != 0 ||
	    notices_template_key(req, &cid, &kind, &channel, &lang) != 0)
		return (-1);
	kname = kind_name(kind);
	if ((n = store_exec(req->store, &req->fail, sql, "ittt", cid, kname,
	    req->param[2], lang)) < 0)
		return (-1);
	if (n == 0)
		return (fail_set(&req->fail, 404, "kind", "course type \"%s\" "
		    "has no own %s %s template in %s; the built-in one is "
		    "used", req->param[0], kname, req->param[2], lang));
	req->out = json_pack("{s:{s:s, s:s, s:s, s:s}}", "deleted", "course",
	    req->param[0], "kind", kname, "channel", req->param[2],
	    "language", lang);
	return (0);
}
