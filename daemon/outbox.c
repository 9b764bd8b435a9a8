/*
 * The outbox: every notice people must get is a row, written in the
 * transaction of the change that caused it. One row per channel the person
 * consented to; a person reachable by neither SMS nor e-mail gets a "call"
 * row (skipped, never sent), which puts them on the session's call list.
 * The key makes a notice unique (kind, registration, its status version,
 * the session's sequence, channel), so replaying a change never queues it
 * twice. Reminders are planned here too, by the course type's rules or
 * the configured default, and SMS kept out of the quiet hours.
 */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kursusd.h"
#include "notifier.h"

/*
 * The settings the outbox plans by: the channels the daemon can send on
 * (people are reached only by these), the default reminder rules and the
 * SMS quiet hours. The store carries them (store_set_outbox()); without
 * any (the unit tests), both channels, no reminders, no quiet hours.
 */
struct outbox_conf {
	int			 email, sms;
	struct reminder_rule	*rules;
	size_t			 nrules;
	struct quiet		 quiet;
	struct reminder_spacing	 spacing;
};
static const struct outbox_conf outbox_defaults = { 1, 1, NULL, 0, { 0, 0 },
    { 0, 0 } };

const char *const outbox_sql_near = "SELECT count(*) FROM outbox WHERE "
    "participant_id = ?1 AND id != ?2 AND channel != 'call' AND (state IN "
    "('sent', 'pending') OR (state = 'sending' AND id < ?2)) AND CASE WHEN "
    "state = 'sent' THEN sent_at ELSE next_attempt END >= ?3 AND CASE WHEN "
    "state = 'sent' THEN sent_at ELSE next_attempt END < ?4";

static const struct outbox_conf *
outbox_conf(struct store *st)
{
	const struct outbox_conf	*oc = store_outbox(st);

	return (oc != NULL ? oc : &outbox_defaults);
}

/* The kinds still to come for a registration, taken back when it ends. */
static unsigned int
outbox_withdraw_all(void)
{
	unsigned int	 mask = 0;
	int		 k;

	for (k = 0; k < KIND_COUNT; k++) {
		if (kinds[k].flags & KIND_WITHDRAW)
			mask |= 1u << k;
	}
	return (mask);
}

int
outbox_can_send(struct store *st, int channel)
{
	const struct outbox_conf	*oc = outbox_conf(st);

	return (channel == CHANNEL_SMS ? oc->sms : oc->email);
}

struct outbox_conf *
outbox_conf_new(const struct config *conf)
{
	struct outbox_conf	*oc = xcalloc(1, sizeof *oc);
	char			*cause = NULL;

	oc->email = *conf->smtp_host != '\0';
	oc->sms = conf->sms_driver != SMS_NONE;
	reminder_spacing_set(&oc->spacing, conf);
	/* config_load() checked both. */
	if (reminder_rules_parse(conf->reminders_rules, &oc->rules,
	    &oc->nrules, &cause) != 0 ||
	    quiet_hours_parse(conf->reminders_quiet_hours, &oc->quiet,
	    &cause) != 0)
		fatalx("outbox_conf_new: %s", cause);
	return (oc);
}

struct outbox_conf *
outbox_conf_copy(const struct outbox_conf *oc)
{
	struct outbox_conf	*c = xmalloc(sizeof *c);

	*c = oc != NULL ? *oc : outbox_defaults;
	if (c->nrules > 0) {
		c->rules = xreallocarray(NULL, c->nrules, sizeof *c->rules);
		memcpy(c->rules, oc->rules, c->nrules * sizeof *c->rules);
	} else
		c->rules = NULL;
	return (c);
}

void
outbox_conf_free(struct outbox_conf *oc)
{
	if (oc == NULL)
		return;
	free(oc->rules);
	free(oc);
}

/* --- reminder rules */

/* "HH:MM" to minutes after midnight; -1 if it is not one. */
static int
outbox_clock(const char *s, size_t len)
{
	int	 h, m;

	if (len != 5 || !isdigit((unsigned char)s[0]) ||
	    !isdigit((unsigned char)s[1]) || s[2] != ':' ||
	    !isdigit((unsigned char)s[3]) || !isdigit((unsigned char)s[4]))
		return (-1);
	h = (s[0] - '0') * 10 + (s[1] - '0');
	m = (s[3] - '0') * 10 + (s[4] - '0');
	if (h > 23 || m > 59)
		return (-1);
	return (h * 60 + m);
}

static int
reminder_rule_parse(const char *s, size_t len, struct reminder_rule *r,
    char **cause)
{
	const char	*colon, *at, *end = s + len, *cp;
	long		 amount = 0;

	while (s < end && isspace((unsigned char)*s))
		s++;
	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	len = (size_t)(end - s);
	if ((colon = memchr(s, ':', len)) == NULL) {
		xasprintf(cause, "rule \"%.*s\" has no channel (write it as "
		    "email:2d or sms:1d@10:00)", (int)len, s);
		return (-1);
	}
	if ((size_t)(colon - s) == 5 && strncmp(s, "email", 5) == 0)
		r->channel = CHANNEL_EMAIL;
	else if ((size_t)(colon - s) == 3 && strncmp(s, "sms", 3) == 0)
		r->channel = CHANNEL_SMS;
	else {
		xasprintf(cause, "rule \"%.*s\": channel \"%.*s\" is not "
		    "email or sms", (int)len, s, (int)(colon - s), s);
		return (-1);
	}
	at = memchr(colon, '@', (size_t)(end - colon));
	for (cp = colon + 1; cp < end && isdigit((unsigned char)*cp); cp++) {
		amount = amount * 10 + (*cp - '0');
		if (amount > 100000)
			break;
	}
	if (cp == colon + 1 || cp >= end || (*cp != 'd' && *cp != 'h' &&
	    *cp != 'm') || cp + 1 != (at != NULL ? at : end)) {
		xasprintf(cause, "rule \"%.*s\": \"%.*s\" is not a time "
		    "before the session such as 2d, 3h or 90m", (int)len, s,
		    (int)((at != NULL ? at : end) - colon - 1), colon + 1);
		return (-1);
	}
	r->amount = (int)amount;
	r->unit = *cp;
	if ((r->unit == 'd' && amount > 60) || (r->unit == 'h' &&
	    amount > 60 * 24) || (r->unit == 'm' && amount > 60 * 24 * 60)) {
		xasprintf(cause, "rule \"%.*s\": more than 60 days before the "
		    "session", (int)len, s);
		return (-1);
	}
	r->at = -1;
	if (at != NULL) {
		if (r->unit != 'd') {
			xasprintf(cause, "rule \"%.*s\": a time of day (@HH:MM) "
			    "goes with days, as in sms:1d@10:00", (int)len, s);
			return (-1);
		}
		if ((r->at = outbox_clock(at + 1, (size_t)(end - at - 1))) <
		    0) {
			xasprintf(cause, "rule \"%.*s\": \"%.*s\" is not a time "
			    "of day HH:MM", (int)len, s, (int)(end - at - 1),
			    at + 1);
			return (-1);
		}
	}
	return (0);
}

int
reminder_rules_parse(const char *text, struct reminder_rule **out,
    size_t *n, char **cause)
{
	struct reminder_rule	*rules = NULL, r;
	const char		*cp = text, *comma;
	size_t			 len, count = 0;

	*out = NULL;
	*n = 0;
	while (cp != NULL && isspace((unsigned char)*cp))
		cp++;
	if (cp == NULL || *cp == '\0')
		return (0);	/* no reminders */
	while (cp != NULL) {
		comma = strchr(cp, ',');
		len = comma != NULL ? (size_t)(comma - cp) : strlen(cp);
		if (strspn(cp, " \t") >= len) {
			xasprintf(cause, "an empty rule (a comma too many?) in "
			    "\"%s\"", text);
			free(rules);
			return (-1);
		}
		if (reminder_rule_parse(cp, len, &r, cause) != 0) {
			free(rules);
			return (-1);
		}
		if (count == 8) {
			xasprintf(cause, "more than 8 rules");
			free(rules);
			return (-1);
		}
		rules = xreallocarray(rules, count + 1, sizeof *rules);
		rules[count++] = r;
		cp = comma != NULL ? comma + 1 : NULL;
	}
	*out = rules;
	*n = count;
	return (0);
}

int
reminder_rules_check(const char *text, char **cause)
{
	struct reminder_rule	*rules;
	size_t			 n;

	if (reminder_rules_parse(text, &rules, &n, cause) != 0)
		return (-1);
	free(rules);
	return (0);
}

int
reminder_rule_due(const struct reminder_rule *r, time_t start,
    const char *tzid, time_t *due)
{
	struct cal_local	 l;
	time_t			 day;

	switch (r->unit) {
	case 'm':
		*due = start - (time_t)r->amount * 60;
		return (0);
	case 'h':
		*due = start - (time_t)r->amount * 3600;
		return (0);
	}
	if (r->at < 0) {
		*due = start - (time_t)r->amount * 86400;
		return (0);
	}
	/* Calendar days back from the session's local date, at r->at. */
	if (zone_utc_to_local(tzid, start, &l) != 0)
		return (-1);
	l.hour = 12;
	l.minute = l.second = 0;
	if (zone_local_to_utc(tzid, &l, &day, NULL) != 0 ||
	    zone_utc_to_local(tzid, day - (time_t)r->amount * 86400, &l) != 0)
		return (-1);
	l.hour = r->at / 60;
	l.minute = r->at % 60;
	l.second = 0;
	if (zone_local_to_utc(tzid, &l, due, NULL) != 0) {
		/* In the spring gap: an hour later exists. */
		l.hour++;
		if (zone_local_to_utc(tzid, &l, due, NULL) != 0)
			return (-1);
	}
	return (0);
}

/* --- spacing */

void
reminder_spacing_set(struct reminder_spacing *sp, const struct config *conf)
{
	sp->gap = conf->reminders_min_gap_hours * 3600;
	sp->one_a_day = conf->reminders_one_a_day;
}

static time_t quiet_mark(const char *, time_t, int, int);

void
reminder_spacing_span(const struct reminder_spacing *sp, const char *tzid,
    time_t t, time_t *from, time_t *until)
{
	time_t	 day;

	*from = *until = t;
	if (sp->gap > 0) {
		*from = t - sp->gap;
		*until = t + sp->gap;
	}
	if (sp->one_a_day) {
		/* The local day of t, midnight to midnight. */
		if ((day = quiet_mark(tzid, t, 0, 0)) < *from)
			*from = day;
		if ((day = quiet_mark(tzid, t, -1, 0)) > *until)
			*until = day;
	}
}

/* --- quiet hours */

int
quiet_hours_parse(const char *text, struct quiet *q, char **cause)
{
	const char	*dash;
	int		 from, to;

	if (text == NULL || *text == '\0') {
		if (q != NULL)
			q->from = q->to = 0;
		return (0);
	}
	if ((dash = strchr(text, '-')) == NULL ||
	    (from = outbox_clock(text, (size_t)(dash - text))) < 0 ||
	    (to = outbox_clock(dash + 1, strlen(dash + 1))) < 0) {
		xasprintf(cause, "\"%s\" is not a span of local time such as "
		    "21:00-08:00", text);
		return (-1);
	}
	if (from == to) {
		xasprintf(cause, "\"%s\" is empty; leave the key empty for no "
		    "quiet hours", text);
		return (-1);
	}
	if (q != NULL) {
		q->from = from;
		q->to = to;
	}
	return (0);
}

/* Minutes after local midnight of t, or -1. */
static int
quiet_minute(const char *tzid, time_t t, struct cal_local *l)
{
	if (zone_utc_to_local(tzid, t, l) != 0)
		return (-1);
	return (l->hour * 60 + l->minute);
}

int
quiet_in(const struct quiet *q, const char *tzid, time_t t)
{
	struct cal_local	 l;
	int			 m;

	if (q->from == q->to || (m = quiet_minute(tzid, t, &l)) < 0)
		return (0);
	if (q->from < q->to)
		return (m >= q->from && m < q->to);
	return (m >= q->from || m < q->to);
}

/* The local minute mark of t's day (or the day before) in tzid. */
static time_t
quiet_mark(const char *tzid, time_t t, int days_back, int minute)
{
	struct cal_local	 l;
	time_t			 noon, out;

	if (zone_utc_to_local(tzid, t, &l) != 0)
		return (t);
	l.hour = 12;
	l.minute = l.second = 0;
	if (zone_local_to_utc(tzid, &l, &noon, NULL) != 0 ||
	    zone_utc_to_local(tzid, noon - (time_t)days_back * 86400, &l) != 0)
		return (t);
	l.hour = minute / 60;
	l.minute = minute % 60;
	l.second = 0;
	if (zone_local_to_utc(tzid, &l, &out, NULL) != 0) {
		l.hour++;
		if (zone_local_to_utc(tzid, &l, &out, NULL) != 0)
			return (t);
	}
	return (out);
}

time_t
quiet_before(const struct quiet *q, const char *tzid, time_t t)
{
	struct cal_local	 l;
	int			 m, back;

	if (!quiet_in(q, tzid, t) || (m = quiet_minute(tzid, t, &l)) < 0)
		return (t);
	/* The quiet span began today, or (past midnight) yesterday. */
	back = (q->from > q->to && m < q->to) ? 1 : 0;
	return (quiet_mark(tzid, t, back, q->from) - 60);
}

time_t
quiet_after(const struct quiet *q, const char *tzid, time_t t)
{
	struct cal_local	 l;
	int			 m, ahead;

	if (!quiet_in(q, tzid, t) || (m = quiet_minute(tzid, t, &l)) < 0)
		return (t);
	ahead = (q->from > q->to && m >= q->from) ? 1 : 0;
	return (quiet_mark(tzid, t, -ahead, q->to));
}

/* --- notices */

/* Who a registration's person is and how they may be reached. */
struct outbox_who {
	int64_t	 pid, sid, version, sequence, course_id;
	char	*phone, *email, *lang, *status, *rules;
	char	 tz[64];
	time_t	 start;
	int	 session_live;
	int	 could_sms, could_email;	/* were the channel configured */
};

static void
outbox_who_free(struct outbox_who *w)
{
	free(w->phone);
	free(w->email);
	free(w->lang);
	free(w->status);
	free(w->rules);
}

static int
outbox_who(struct store *st, int64_t rid, struct outbox_who *w,
    struct fail *f)
{
	static const char *sql = "SELECT p.id, " SQL_SMS_TO("p") ", "
	    SQL_EMAIL_TO("p") ", "
	    "p.language, r.session_id, r.version, s.sequence, r.status, "
	    "s.start_at, v.timezone, s.status = 'scheduled', c.id, "
	    "c.reminders FROM registration r JOIN participant p ON "
	    "p.id = r.participant_id JOIN session s ON s.id = r.session_id "
	    "JOIN venue v ON v.id = s.venue_id JOIN course c ON "
	    "c.id = s.course_id WHERE r.id = ?";
	sqlite3_stmt	*stmt = store_stmt(st, sql);

	memset(w, 0, sizeof *w);
	sqlite3_bind_int64(stmt, 1, rid);
	if (sqlite3_step(stmt) != SQLITE_ROW) {
		sqlite3_reset(stmt);
		return (fail_set(f, 500, NULL, "notice for unknown "
		    "registration %lld", (long long)rid));
	}
	w->pid = sqlite3_column_int64(stmt, 0);
	w->could_sms = sqlite3_column_type(stmt, 1) != SQLITE_NULL;
	w->could_email = sqlite3_column_type(stmt, 2) != SQLITE_NULL;
	w->phone = outbox_conf(st)->sms ? store_col_dup(stmt, 1) : NULL;
	w->email = outbox_conf(st)->email ? store_col_dup(stmt, 2) : NULL;
	w->lang = store_col_dup(stmt, 3);
	w->sid = sqlite3_column_int64(stmt, 4);
	w->version = sqlite3_column_int64(stmt, 5);
	w->sequence = sqlite3_column_int64(stmt, 6);
	w->status = store_col_dup(stmt, 7);
	w->start = (time_t)sqlite3_column_int64(stmt, 8);
	snprintf(w->tz, sizeof w->tz, "%s", sqlite3_column_text(stmt, 9));
	w->session_live = sqlite3_column_int(stmt, 10);
	w->course_id = sqlite3_column_int64(stmt, 11);
	w->rules = store_col_dup(stmt, 12);
	sqlite3_reset(stmt);
	return (0);
}

static const char *sql_add = "INSERT INTO outbox (key, kind, channel, "
    "recipient, participant_id, session_id, registration_id, sequence, "
    "language, detail, batch, due_at, next_attempt, state, last_error, "
    "created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
    "?10, ?11, ?12, ?12, ?13, ?14, ?15, ?15) ON CONFLICT (key) DO NOTHING";

/* One row; returns its id, 0 when the key was there already, -1. */
static int64_t
outbox_add(struct store *st, const char *key, int kind, const char *channel,
    const char *recipient, const struct outbox_who *w, int64_t rid,
    const char *detail, const char *batch, time_t due, const char *state,
    const char *why, struct fail *f)
{
	int	 n;

	n = store_exec(st, f, sql_add, "ttttiiiitttitti", key,
	    kinds[kind].name, channel, recipient, w->pid, w->sid, rid,
	    w->sequence, w->lang, detail, batch, (int64_t)due, state, why,
	    (int64_t)store_now(st));
	if (n < 0)
		return (-1);
	return (n == 0 ? 0 : sqlite3_last_insert_rowid(store_db(st)));
}

/* Why a person gets a call instead of a message. */
static const char *
outbox_why_call(struct store *st, const struct outbox_who *w)
{
	const struct outbox_conf	*oc = outbox_conf(st);

	if (!oc->email && !oc->sms)
		return ("neither e-mail nor SMS is configured: on the call "
		    "list");
	if (w->could_sms && !oc->sms)
		return ("SMS is not configured and there is no e-mail address "
		    "to send to: on the call list");
	if (w->could_email && !oc->email)
		return ("e-mail is not configured and there is no mobile "
		    "number to send to: on the call list");
	return ("no mobile number or e-mail address to send to: on the call "
	    "list");
}

static int	 outbox_plan(struct store *, int64_t,
		    const struct outbox_who *, struct fail *);

int
outbox_notify(struct store *st, int kind, int64_t rid, json_t *detail,
    struct fail *f)
{
	struct outbox_who	 w;
	const char		*channel[2], *recipient[2];
	char			*key, *dj = NULL;
	size_t			 n = 0, i;
	int			 rc = 0;

	if (outbox_who(st, rid, &w, f) != 0)
		return (-1);

	/* What was still to come no longer holds. */
	switch (kind) {
	case KIND_DEMOTED:
	case KIND_CANCELLED:
	case KIND_WITHDRAWN:
	case KIND_UNREGISTERED:
		if (outbox_withdraw(st, rid, outbox_withdraw_all(), kind ==
		    KIND_CANCELLED ? "the session was cancelled" : kind ==
		    KIND_DEMOTED ? "moved to the waitlist" :
		    "the registration was cancelled", f) != 0)
			rc = -1;
		break;
	case KIND_MOVED:
		if (outbox_withdraw(st, rid, 1u << KIND_REMINDER,
		    "the session moved; planned again", f) != 0)
			rc = -1;
		break;
	}

	if (w.phone != NULL) {
		channel[n] = "sms";
		recipient[n++] = w.phone;
	}
	if (w.email != NULL) {
		channel[n] = "email";
		recipient[n++] = w.email;
	}
	if (detail != NULL)
		dj = json_dumps(detail, JSON_COMPACT);
	for (i = 0; i < n && rc == 0; i++) {
		key = xprintf("%s:%lld:%lld:%lld:%s", kinds[kind].name,
		    (long long)rid, (long long)w.version,
		    (long long)w.sequence, channel[i]);
		if (outbox_add(st, key, kind, channel[i], recipient[i], &w,
		    rid, dj, NULL, store_now(st), "pending", NULL, f) < 0)
			rc = -1;
		free(key);
	}
	if (n == 0 && rc == 0) {
		key = xprintf("%s:%lld:%lld:%lld:call", kinds[kind].name,
		    (long long)rid, (long long)w.version,
		    (long long)w.sequence);
		if (outbox_add(st, key, kind, "call", NULL, &w, rid, dj, NULL,
		    store_now(st), "skipped", outbox_why_call(st, &w), f) < 0)
			rc = -1;
		free(key);
	}
	free(dj);

	/* Nothing above changed the registration, its person or session. */
	if (rc == 0 && (kind == KIND_CONFIRMATION ||
	    kind == KIND_PROMOTED || (kind == KIND_MOVED &&
	    strcmp(w.status, "confirmed") == 0)))
		rc = outbox_plan(st, rid, &w, f);
	outbox_who_free(&w);
	return (rc);
}

int
outbox_end(struct store *st, int64_t rid, struct fail *f)
{
	return (outbox_withdraw(st, rid, outbox_withdraw_all() |
	    1u << KIND_SERIES, "the registration was cancelled", f));
}

int
outbox_notify_session(struct store *st, int kind, int64_t sid,
    json_t *detail, struct fail *f)
{
	static const char *sql = "SELECT json_group_array(id) FROM registration "
	    "WHERE session_id = ? AND status != 'cancelled'";
	json_t	*ids, *v;
	size_t	 i;
	int	 rc = 0;

	ids = store_json(st, sql, "i", sid);
	json_array_foreach(ids, i, v) {
		if ((rc = outbox_notify(st, kind, json_integer_value(v), detail,
		    f)) != 0)
			break;
	}
	json_decref(ids);
	return (rc);
}

/*
 * Whether another message to the person keeps a reminder at due from
 * being planned (see struct reminder_spacing).
 */
static int
outbox_crowded(struct store *st, const struct outbox_who *w, time_t due)
{
	time_t	 from, until;

	reminder_spacing_span(&outbox_conf(st)->spacing, w->tz, due, &from,
	    &until);
	if (from == until)
		return (0);
	return (store_int(st, 0, outbox_sql_near, "iiii", w->pid,
	    (int64_t)INT64_MAX, (int64_t)from, (int64_t)until) > 0);
}

/* The reminders of registration rid, whose person and session w holds. */
static int
outbox_plan(struct store *st, int64_t rid, const struct outbox_who *w,
    struct fail *f)
{
	struct reminder_rule	*rules = NULL, *r;
	const char		*channel, *recipient;
	char			*key, *cause = NULL;
	size_t			 n = 0, i;
	time_t			 due, now = store_now(st);
	int			 rc = 0, ch;

	if (strcmp(w->status, "confirmed") != 0 || !w->session_live ||
	    w->start <= now)
		return (0);
	if (w->rules != NULL) {
		if (reminder_rules_parse(w->rules, &rules, &n, &cause) != 0) {
			/* Checked when stored; an old row may predate that. */
			log_warnx("course %lld: reminders \"%s\": %s",
			    (long long)w->course_id, w->rules, cause);
			free(cause);
			return (0);
		}
		r = rules;
	} else {
		r = outbox_conf(st)->rules;
		n = outbox_conf(st)->nrules;
	}
	for (i = 0; i < n && rc == 0; i++) {
		/* The rule's channel, else the one the person has. */
		ch = r[i].channel;
		if ((ch == CHANNEL_SMS && w->phone == NULL) ||
		    (ch == CHANNEL_EMAIL && w->email == NULL))
			ch = ch == CHANNEL_SMS ? CHANNEL_EMAIL : CHANNEL_SMS;
		if (ch == CHANNEL_SMS) {
			channel = "sms";
			recipient = w->phone;
		} else {
			channel = "email";
			recipient = w->email;
		}
		if (recipient == NULL)
			break;	/* neither: the call list has them */
		if (reminder_rule_due(&r[i], w->start, w->tz, &due) != 0)
			continue;
		if (ch == CHANNEL_SMS)
			due = quiet_before(&outbox_conf(st)->quiet, w->tz, due);
		/* Too late for it: the confirmation has just said it all. */
		if (due <= now || due >= w->start)
			continue;
		/*
		 * Too close to another message (the confirmation that plans
		 * it, another session's reminder): it would only crowd her.
		 */
		if (outbox_crowded(st, w, due))
			continue;
		key = xprintf("reminder:%lld:%lld:%zu:%s", (long long)rid,
		    (long long)w->sequence, i, channel);
		if (outbox_add(st, key, KIND_REMINDER, channel, recipient,
		    w, rid, NULL, NULL, due, "pending", NULL, f) < 0)
			rc = -1;
		free(key);
	}
	free(rules);
	return (rc);
}

int
outbox_plan_reminders(struct store *st, int64_t rid, struct fail *f)
{
	struct outbox_who	 w;
	int			 rc;

	if (outbox_who(st, rid, &w, f) != 0)
		return (-1);
	rc = outbox_plan(st, rid, &w, f);
	outbox_who_free(&w);
	return (rc);
}

int
outbox_withdraw(struct store *st, int64_t rid, unsigned mask,
    const char *reason, struct fail *f)
{
	static const char *sql = "UPDATE outbox SET state = 'cancelled', "
	    "last_error = ?1, updated_at = ?2 WHERE registration_id = ?3 AND "
	    "state = 'pending' AND kind IN (SELECT value FROM json_each(?4))";
	json_t	*names = json_array();
	char	*list;
	int	 i, rc;

	for (i = 0; i < KIND_COUNT; i++)
		if (mask & (1u << i))
			json_array_append_new(names,
			    json_string(kinds[i].name));
	list = json_dumps(names, JSON_COMPACT);
	json_decref(names);
	rc = store_exec(st, f, sql, "tiit", reason, (int64_t)store_now(st),
	    rid, list) < 0 ? -1 : 0;
	free(list);
	return (rc);
}

static int
outbox_id_cmp(const void *a, const void *b)
{
	int64_t	 x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x < y ? -1 : x > y);
}

int
outbox_queue_all(struct store *st, int kind, const char *pairs,
    const char *batch, json_t *detail, json_t *ids, struct fail *f)
{
	/* ?1 pairs, ?2 SMS configured, ?3 e-mail configured */
	static const char *sql_none = "SELECT json_extract(j.value, '$[0]'), "
	    "json_extract(j.value, '$[1]') FROM json_each(?1) j LEFT JOIN "
	    "registration r ON r.id = json_extract(j.value, '$[0]') LEFT JOIN "
	    "participant p ON p.id = r.participant_id WHERE CASE WHEN "
	    "json_extract(j.value, '$[1]') = 'sms' THEN CASE WHEN ?2 THEN "
	    SQL_SMS_TO("p") " END ELSE CASE WHEN ?3 THEN " SQL_EMAIL_TO("p")
	    " END END IS NULL ORDER BY j.key LIMIT 1";
	/* ?1 kind, ?2 batch, ?3 detail, ?4 now, ?5 pairs, ?6 SMS, ?7 e-mail */
	static const char *sql_add_all = "INSERT INTO outbox (key, kind, "
	    "channel, recipient, participant_id, session_id, registration_id, "
	    "sequence, language, detail, batch, due_at, next_attempt, state, "
	    "last_error, created_at, updated_at) SELECT ?1 || ':' || ?2 || "
	    "':' || r.id || ':' || j.ch, ?1, j.ch, CASE WHEN j.ch = 'sms' "
	    "THEN CASE WHEN ?6 THEN " SQL_SMS_TO("p") " END ELSE CASE WHEN ?7 "
	    "THEN " SQL_EMAIL_TO("p") " END END, p.id, r.session_id, r.id, "
	    "s.sequence, p.language, ?3, ?2, ?4, ?4, 'pending', NULL, ?4, ?4 "
	    "FROM (SELECT key AS k, json_extract(value, '$[0]') AS rid, "
	    "json_extract(value, '$[1]') AS ch FROM json_each(?5)) j "
	    "JOIN registration r ON r.id = j.rid JOIN participant p ON "
	    "p.id = r.participant_id JOIN session s ON s.id = r.session_id "
	    "WHERE 1 ORDER BY j.k ON CONFLICT (key) DO NOTHING RETURNING id";
	const struct outbox_conf *oc = outbox_conf(st);
	sqlite3_stmt	*stmt;
	int64_t		*got = NULL;
	size_t		 n = 0, cap = 0, i;
	char		*dj = NULL;
	int		 rc;

	stmt = store_stmt(st, sql_none);
	sqlite3_bind_text(stmt, 1, pairs, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 2, oc->sms != 0);
	sqlite3_bind_int(stmt, 3, oc->email != 0);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		rc = fail_set(f, 422, "via", "registration %lld cannot be "
		    "reached by %s", (long long)sqlite3_column_int64(stmt, 0),
		    store_col(stmt, 1));
		sqlite3_reset(stmt);
		return (rc);
	}
	sqlite3_reset(stmt);
	if (detail != NULL)
		dj = json_dumps(detail, JSON_COMPACT);
	stmt = store_stmt(st, sql_add_all);
	sqlite3_bind_text(stmt, 1, kinds[kind].name, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, batch, -1, SQLITE_STATIC);
	if (dj != NULL)
		sqlite3_bind_text(stmt, 3, dj, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 4, (int64_t)store_now(st));
	sqlite3_bind_text(stmt, 5, pairs, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 6, oc->sms != 0);
	sqlite3_bind_int(stmt, 7, oc->email != 0);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			got = xreallocarray(got, cap, sizeof *got);
		}
		got[n++] = sqlite3_column_int64(stmt, 0);
	}
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	free(dj);
	if (rc != SQLITE_DONE) {
		free(got);
		return (store_fail(st, f));
	}
	/* In the order they were written: the order of pairs. */
	if (n > 0)
		qsort(got, n, sizeof *got, outbox_id_cmp);
	for (i = 0; i < n; i++)
		json_array_append_new(ids, json_integer(got[i]));
	free(got);
	return (0);
}
