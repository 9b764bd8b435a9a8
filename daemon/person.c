/*
 * One person per caller: someone registered again by name and phone or
 * e-mail is found among the participants already known (the phone in
 * E.164, the e-mail case-folded, the name folded as fold.h does), two
 * records of one person are merged, and participants are searched by the
 * words the participant_word table keeps (schema step 8).
 *
 * This file reads and writes through the store only; registration.c
 * calls it, never the other way round, so the model's files stay out of
 * one circle of calls.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "buf.h"
#include "fold.h"
#include "kursusd.h"

/* At most this many people are named when a number is someone else's. */
#define PERSON_MATCHES_SHOWN	4

/* who's phone (E.164) and e-mail (lower case), NULL when absent or bad. */
static void
person_keys(json_t *who, char **phone, char **email)
{
	const char	*s;
	char		*cause = NULL, *p;

	*phone = *email = NULL;
	if ((s = param_text(who, "phone")) != NULL && *s != '\0' &&
	    contact_phone_normalise(s, phone, &cause) != 0) {
		free(cause);
		*phone = NULL;
	}
	cause = NULL;
	if ((s = param_text(who, "email")) != NULL && *s != '\0') {
		if (contact_email_check(s, email, &cause) != 0) {
			free(cause);
			*email = NULL;
		} else {
			for (p = *email; *p != '\0'; p++) {
				if (*p >= 'A' && *p <= 'Z')
					*p = (char)(*p - 'A' + 'a');
			}
		}
	}
}

int
person_match(struct store *st, json_t *who, int64_t *pid, struct fail *f)
{
	static const char *sql = "SELECT id, name, phone, email FROM "
	    "participant WHERE anonymised_at IS NULL AND (phone = ?1 OR "
	    "lower(email) = ?2) ORDER BY id";
	sqlite3_stmt	*stmt;
	const char	*name = param_text(who, "name"), *rname, *contact;
	char		*phone, *email, *one = NULL, *one_contact = NULL;
	int64_t		 one_id = 0;
	struct buf	 others = BUF_INIT;
	int		 n = 0;

	*pid = 0;
	if (name == NULL)
		return (0);	/* creating them says what is missing */
	person_keys(who, &phone, &email);
	if (phone == NULL && email == NULL)
		return (0);
	stmt = store_stmt(st, sql);
	sqlite3_bind_text(stmt, 1, phone, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(stmt, 2, email, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		rname = store_col(stmt, 1);
		if (fold_same(name, rname)) {
			*pid = sqlite3_column_int64(stmt, 0);
			break;
		}
		contact = store_col(stmt, 2) != NULL && phone != NULL &&
		    strcmp(store_col(stmt, 2), phone) == 0 ?
		    store_col(stmt, 2) : store_col(stmt, 3);
		if (n == 0) {
			one = xstrdup(rname);
			one_id = sqlite3_column_int64(stmt, 0);
			one_contact = xstrdup(contact != NULL ? contact : "");
		}
		if (n++ < PERSON_MATCHES_SHOWN)
			buf_addf(&others, "%s%s (participant %lld, %s)",
			    others.len > 0 ? "; " : "", rname,
			    (long long)sqlite3_column_int64(stmt, 0), contact);
	}
	sqlite3_reset(stmt);
	/* One sentence each, so that kursusctl can say them in Danish. */
	if (*pid == 0 && n == 1)
		fail_set(f, 409, "participant", "%s is already known under "
		    "another name: %s (participant %lld, %s). Register one of "
		    "them by participant id (--participant ID), or a new "
		    "participant with the same contact (--new)", phone != NULL ?
		    phone : email, one, (long long)one_id, one_contact);
	else if (*pid == 0 && n > PERSON_MATCHES_SHOWN)
		fail_set(f, 409, "participant", "%s is already known under "
		    "other names: %s; and more. Register one of them by "
		    "participant id (--participant ID), or a new participant "
		    "with the same contact (--new)", phone != NULL ? phone :
		    email, others.data);
	else if (*pid == 0 && n > 0)
		fail_set(f, 409, "participant", "%s is already known under "
		    "other names: %s. Register one of them by participant id "
		    "(--participant ID), or a new participant with the same "
		    "contact (--new)", phone != NULL ? phone : email,
		    others.data);
	free(one);
	free(one_contact);
	if (*pid == 0 && n > 0) {
		buf_free(&others);
		free(phone);
		free(email);
		return (-1);
	}
	buf_free(&others);
	free(phone);
	free(email);
	return (0);
}

json_t *
person_new(struct store *st, json_t *body, struct fail *f)
{
	static const char *sql_name = "SELECT json_object('name', name) FROM "
	    "participant WHERE id = ?";
	json_t	*v, *copy, *who;
	int64_t	 pid;

	v = json_object_get(body, "new_participant");
	if (v != NULL && !json_is_boolean(v)) {
		fail_set(f, 400, "new_participant", "new_participant must be "
		    "true or false");
		return (NULL);
	}
	if (!json_is_true(v)) {
		if (person_match(st, body, &pid, f) != 0)
			return (NULL);
		if (pid != 0) {
			who = store_json(st, sql_name, "i", pid);
			fail_set(f, 409, "participant", "%s is known already: "
			    "participant %lld has the same name and phone or "
			    "e-mail. Use participant %lld, or make a new "
			    "participant with the same contact (--new)",
			    json_string_value(json_object_get(who, "name")),
			    (long long)pid, (long long)pid);
			json_decref(who);
			return (NULL);
		}
	}
	copy = json_copy(body);
	json_object_del(copy, "new_participant");
	return (copy);
}

/* A search reads at most this many words of what was typed. */
#define PERSON_SEARCH_WORDS	8
/*
 * And at most this many of the newest people not yet indexed, one by one
 * (the last registrations', fewer than PERSON_WORDS_AT after a commit;
 * not a bulk load's million, which the catch-up indexes first). A batch
 * indexes the waiting ones from PERSON_WORDS_AT up to this many.
 */
#define PERSON_UNINDEXED_READ	2000

/* The last participant whose search words are written (a subquery). */
#define WORDS_UPTO	"(SELECT CAST(value AS INTEGER) FROM settings " \
	"WHERE key = 'words_upto')"

/*
 * Participants found by q (fold.h): those who have, for each word of q, a
 * word that begins with it. Each word is a range of the participant_word
 * index; the ranges are intersected before a row is read. The newest of
 * those not yet indexed (above words_upto: the last few registrations',
 * see person_words_batch(), or a bulk load's) are matched row by row.
 * At most limit, in the order of sql_tail ("... ORDER BY ..."), each
 * made by sql_head ("SELECT json_object(...) FROM participant WHERE id
 * IN ("); *more is 1 when there were more. NULL when q holds no word.
 */
json_t *
person_search(struct store *st, const char *sql_head, const char *sql_tail,
    const char *q, int64_t limit, int *more)
{
	struct buf	 sql = BUF_INIT;
	sqlite3_stmt	*stmt;
	char		*words, *w, *hi;
	const char	*next, *kq;
	json_t		*out, *row;
	size_t		 n;
	int		 col = 1, k = 0;

	*more = 0;
	words = fold_query(q);
	if (*words == '\0') {
		free(words);
		return (NULL);
	}
	buf_adds(&sql, sql_head);
	for (w = words; *w != '\0' && k < PERSON_SEARCH_WORDS; k++) {
		w += n = strcspn(w, " ");
		w += *w == ' ';
		buf_addf(&sql, "%sSELECT participant_id FROM participant_word "
		    "WHERE word >= ? AND word < ?", k > 0 ? " INTERSECT " : "");
	}
	/*
	 * The same words for those not yet indexed, read one by one: what
	 * was typed, or its first words (folded) when it had more.
	 */
	kq = q;
	if (*w != '\0') {
		w[-1] = '\0';
		kq = words;
	}
	buf_addf(&sql, " UNION SELECT id FROM participant WHERE id > max("
	    WORDS_UPTO ", (SELECT max(id) FROM participant) - %d) AND "
	    "kmatch(?, name, phone, email)%s LIMIT ?", PERSON_UNINDEXED_READ,
	    sql_tail);
	if (sqlite3_prepare_v2(store_db(st), sql.data, -1, &stmt, NULL) !=
	    SQLITE_OK)
		fatalx("person_search: %s", sqlite3_errmsg(store_db(st)));
	buf_free(&sql);
	for (next = words, k = 0; *next != '\0' && k < PERSON_SEARCH_WORDS;
	    k++) {
		n = strcspn(next, " ");
		/* Above every word it begins: U+10FFFF sorts last. */
		xasprintf(&hi, "%.*s\xf4\x8f\xbf\xbf", (int)n, next);
		sqlite3_bind_text(stmt, col++, next, (int)n, SQLITE_TRANSIENT);
		sqlite3_bind_text(stmt, col++, hi, -1, free);
		next += n;
		next += *next == ' ';
	}
	sqlite3_bind_text(stmt, col++, kq, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(stmt, col, limit + 1);
	out = json_array();
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		if ((int64_t)json_array_size(out) == limit) {
			*more = 1;
			break;
		}
		if ((row = json_loads(store_col(stmt, 0), 0, NULL)) != NULL)
			json_array_append_new(out, row);
	}
	sqlite3_finalize(stmt);
	free(words);
	return (out);
}

/* The words of the participants after upto up to last, in one statement;
 * words_upto is last then. In the caller's transaction. */
static int
person_index_range(struct store *st, int64_t upto, int64_t last,
    struct fail *f)
{
	static const char *sql_words = "INSERT OR IGNORE INTO participant_word "
	    "SELECT j.value, p.id FROM participant p, json_each(kwords(p.name, "
	    "p.phone, p.email)) j WHERE p.id > ?1 AND p.id <= ?2 AND "
	    "p.anonymised_at IS NULL";
	static const char *sql_set = "UPDATE settings SET value = ?1 WHERE "
	    "key = 'words_upto'";
	char	 buf[32];

	snprintf(buf, sizeof buf, "%lld", (long long)last);
	if (store_exec(st, f, sql_words, "ii", upto, last) < 0 ||
	    store_exec(st, f, sql_set, "t", buf) < 0)
		return (-1);
	return (0);
}

int
person_index(struct store *st, int limit, struct fail *f)
{
	static const char *sql_upto = "SELECT " WORDS_UPTO;
	static const char *sql_last = "SELECT coalesce(max(id), ?1) FROM "
	    "(SELECT id FROM participant WHERE id > ?1 ORDER BY id LIMIT ?2)";
	static const char *sql_more = "SELECT EXISTS (SELECT 1 FROM "
	    "participant WHERE id > ?)";
	int64_t	 upto, last, more;

	if (store_begin(st, f) != 0)
		return (-1);
	upto = store_int(st, 0, sql_upto, NULL);
	last = store_int(st, upto, sql_last, "ii", upto, (int64_t)limit);
	if (last > upto && person_index_range(st, upto, last, f) != 0) {
		store_rollback(st);
		return (-1);
	}
	more = store_int(st, 0, sql_more, "i", last);
	if (store_commit(st, f) != 0) {
		store_rollback(st);
		return (-1);
	}
	return (more != 0);
}

/* People were added since the last batch's commit (person_added()). */
static int	person_fresh;

/*
 * New people's words wait until this many are not indexed. Written for
 * many at once, the leaves of participant_word they touch are written
 * once for all of them, not in every group commit: a batch of
 * registrations wrote ~14 of its ~64 pages there, two for each new
 * person (issue 9). Fewer than PERSON_UNINDEXED_READ, so a search finds
 * each of them row by row meanwhile; the catch-up leaves fewer alone
 * too, so that nothing is written but by a request. More than
 * PERSON_UNINDEXED_READ (people written by another program while
 * kursusd runs) are the catch-up's, a batch a turn: the timer given to
 * person_words_catchup(), armed by the batch that finds them.
 */
#define PERSON_WORDS_AT		256
static struct event	*person_catchup;

void
person_words_catchup(struct event *ev)
{
	person_catchup = ev;
}

void
person_added(void)
{
	person_fresh = 1;
}

/*
 * The last participant whose words are written and the last of all, as
 * person_words_batch(), person_index_due() and the search count those
 * waiting (by the ids); -1 when SQLite fails.
 */
static int
person_gap(struct store *st, int64_t *upto, int64_t *last)
{
	static const char *sql = "SELECT " WORDS_UPTO ", coalesce((SELECT "
	    "max(id) FROM participant), 0)";
	sqlite3_stmt	*stmt;
	int		 rc = -1;

	stmt = store_stmt(st, sql);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		*upto = sqlite3_column_int64(stmt, 0);
		*last = sqlite3_column_int64(stmt, 1);
		rc = 0;
	}
	sqlite3_reset(stmt);
	return (rc);
}

void
person_words_batch(struct store *st)
{
	const struct timeval now = { 0, 0 };
	struct fail	 f;
	int64_t		 upto, last;

	if (!person_fresh)
		return;
	person_fresh = 0;
	if (person_gap(st, &upto, &last) != 0)
		return;
	/* A bulk load's people are the catch-up's (person_index()). */
	if (last - upto > PERSON_UNINDEXED_READ) {
		if (person_catchup != NULL &&
		    !evtimer_pending(person_catchup, NULL))
			evtimer_add(person_catchup, &now);
		return;
	}
	/* The last few wait for more. */
	if (last - upto < PERSON_WORDS_AT)
		return;
	if (person_index_range(st, upto, last, &f) != 0)
		log_warnx("search words of participants %lld to %lld: %s",
		    (long long)upto + 1, (long long)last, f.msg);
}

/* Should SQLite fail, due: person_index() then says why and is tried
 * again. */
int
person_index_due(struct store *st)
{
	int64_t	 upto, last;

	return (person_gap(st, &upto, &last) != 0 ||
	    last - upto >= PERSON_WORDS_AT);
}

int64_t
person_unindexed(struct store *st)
{
	static const char *sql = "SELECT count(*) FROM participant WHERE "
	    "id > " WORDS_UPTO;

	return (store_int(st, 0, sql, NULL));
}

static const struct field merge_fields[] = {
	{ "other", FT_INT },
};

/*
 * Takes over a missing phone or e-mail (with its consent) and the notes
 * from the record merged into the one kept.
 */
static const char *sql_merge_contact = "UPDATE participant AS k SET "
    "phone = coalesce(k.phone, o.phone), "
    "phone_type = CASE WHEN k.phone IS NULL THEN o.phone_type ELSE "
    "k.phone_type END, "
    "no_sms = CASE WHEN k.phone IS NULL THEN o.no_sms ELSE k.no_sms END, "
    "email = coalesce(k.email, o.email), "
    "no_email = CASE WHEN k.email IS NULL THEN o.no_email ELSE k.no_email "
    "END, "
    "no_contact = k.no_contact AND o.no_contact, "
    "notes = CASE WHEN o.notes IS NULL THEN k.notes WHEN k.notes IS NULL "
    "THEN o.notes ELSE k.notes || char(10) || o.notes END, "
    "updated_at = ?3 FROM participant AS o WHERE k.id = ?1 AND o.id = ?2";

int
person_merge(struct api_req *req)
{
	static const char *sql_person = "SELECT count(*) FROM participant "
	    "WHERE id = ? AND anonymised_at IS NULL";
	static const char *sql_clash = "SELECT json_object('session', "
	    "a.session_id, 'kept', a.number, 'other', b.number) FROM "
	    "registration a JOIN registration b ON b.session_id = a.session_id "
	    "WHERE a.participant_id = ?1 AND b.participant_id = ?2 AND "
	    "a.status != 'cancelled' AND b.status != 'cancelled' "
	    "ORDER BY a.session_id LIMIT 1";
	static const char *sql_regs = "UPDATE registration SET "
	    "participant_id = ?1 WHERE participant_id = ?2";
	static const char *sql_outbox = "UPDATE outbox SET participant_id = ?1 "
	    "WHERE participant_id = ?2";
	static const char *sql_gone = "UPDATE participant SET name = "
	    "'(slettet)', email = NULL, phone = NULL, phone_type = NULL, "
	    "notes = NULL, no_contact = 1, feed_token_hash = NULL, "
	    "feed_token_check = NULL, feed_token_sealed = NULL, "
	    "anonymised_at = ?1, updated_at = ?1 WHERE id = ?2";
	static const char *sql_record = "INSERT INTO participant_merge "
	    "(kept_id, merged_id, registrations, created_at) VALUES "
	    "(?, ?, ?, ?)";
	static const char *sql_show = "SELECT json_object('id', p.id, "
	    "'name', p.name, 'phone', p.phone, 'email', p.email, "
	    "'registrations', json((SELECT json_group_array(json(j)) FROM "
	    "registration_json WHERE participant_id = p.id))) FROM "
	    "participant p WHERE p.id = ?";
	struct store	*st = req->store;
	struct fail	*f = &req->fail;
	int64_t		 keep, other, now = store_now(st);
	json_t		*clash;
	int		 moved;

	if (param_id(req, 0, "participant", &keep) != 0 ||
	    param_check_fields(req->body, merge_fields, 1, f) != 0)
		return (-1);
	if (!json_is_integer(json_object_get(req->body, "other")))
		return (fail_set(f, 422, "other", "other is required: the id "
		    "of the participant merged into participant %lld",
		    (long long)keep));
	other = json_integer_value(json_object_get(req->body, "other"));
	if (store_int(st, 0, sql_person, "i", keep) == 0)
		return (fail_set(f, 404, "participant", "no participant with "
		    "id %lld", (long long)keep));
	if (store_int(st, 0, sql_person, "i", other) == 0)
		return (fail_set(f, 404, "other", "no participant with id "
		    "%lld", (long long)other));
	if (keep == other)
		return (fail_set(f, 422, "other", "participant %lld cannot "
		    "be merged with itself", (long long)keep));
	if ((clash = store_json(st, sql_clash, "ii", keep, other)) != NULL) {
		fail_set(f, 409, "other", "participants %lld and %lld both "
		    "hold session %lld (kursist nr. %lld and kursist nr. %lld); "
		    "unregister one of them from it first", (long long)keep,
		    (long long)other,
		    (long long)json_integer_value(json_object_get(clash,
		    "session")),
		    (long long)json_integer_value(json_object_get(clash,
		    "kept")),
		    (long long)json_integer_value(json_object_get(clash,
		    "other")));
		json_decref(clash);
		return (-1);
	}
	/* Running numbers stay with their registrations. */
	if ((moved = store_exec(st, f, sql_regs, "ii", keep, other)) < 0 ||
	    store_exec(st, f, sql_outbox, "ii", keep, other) < 0 ||
	    store_exec(st, f, sql_merge_contact, "iii", keep, other, now) < 0 ||
	    store_exec(st, f, sql_gone, "ii", now, other) < 0 ||
	    store_exec(st, f, sql_record, "iiii", keep, other, (int64_t)moved,
	    now) < 0)
		return (-1);
	log_info("participant %lld merged into participant %lld (%d "
	    "registrations moved)", (long long)other, (long long)keep, moved);
	req->out = json_pack("{s:I, s:I, s:o}", "merged", (json_int_t)other,
	    "registrations_moved", (json_int_t)moved, "participant",
	    store_json(st, sql_show, "i", keep));
	return (0);
}
