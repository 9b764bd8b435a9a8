/*
 * SMS replies: what people answer to kursusd's SMS, from Kannel's
 * sms-service (GET /sms/kannel, the shared secret in the query) or from
 * the REST gateway's webhook (POST /sms/webhook, JSON signed with
 * HMAC-SHA256 over the timestamp and the body).
 *
 * "AFMELD", "nej", "kan ikke" and their like (case, spacing, æøå and
 * closing punctuation folded) cancel the sender's next registration when
 * the number belongs to exactly one participant: the seat goes to the
 * waitlist, and the person is told (by SMS too) as after the cancel link.
 * Everything else, and every number kursusd does not know, goes to the
 * inbox for staff (kursusctl inbox). Logs name registrations and inbox
 * rows by id: never the number, never the text.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kursusd.h"
#include "server.h"
#include "citizen.h"
#include "utf8.h"

#define SMSIN_MAX_CHARS	1600	/* characters of a reply, at most */
#define SMSIN_SKEW	300	/* s a webhook's timestamp may be off */
#define SMSIN_SEEN	256	/* webhook signatures remembered */

/* Signatures of webhooks taken in the last SMSIN_SKEW * 2 seconds. */
static struct {
	char	sig[65];
	time_t	at;
} smsin_seen[SMSIN_SEEN];
static size_t	smsin_next;

/* The words that cancel, folded (smsin_fold()). */
static const char *const smsin_words[] = {
	"afmeld", "afmeldt", "afmelde", "afmelding", "afmeld mig",
	"jeg afmelder", "nej", "nej tak", "kan ikke", "kan ikke komme",
	"jeg kan ikke", "jeg kan ikke komme", "cancel", NULL
};

/*
 * text folded: lower case, æ ø å (and Æ Ø Å) as ae oe aa, runs of
 * white space as one space, none at the ends, closing . ! and , gone.
 * "Kan  ikke!" and "kan ikke" fold alike; so do "afmeld" and "AFMELD".
 */
char *
smsin_fold(const char *text)
{
	static const struct {
		const char	*utf8, *ascii;
	} letters[] = {
		{ "\xc3\xa6", "ae" }, { "\xc3\x86", "ae" },
		{ "\xc3\xb8", "oe" }, { "\xc3\x98", "oe" },
		{ "\xc3\xa5", "aa" }, { "\xc3\x85", "aa" },
	};
	struct buf	 b = BUF_INIT;
	const char	*p = text;
	size_t		 i;
	int		 space = 0;

	buf_adds(&b, "");
	while (*p != '\0') {
		for (i = 0; i < sizeof letters / sizeof letters[0]; i++) {
			if (strncmp(p, letters[i].utf8, 2) == 0)
				break;
		}
		if (i < sizeof letters / sizeof letters[0]) {
			if (space && b.len > 0)
				buf_addc(&b, ' ');
			space = 0;
			buf_adds(&b, letters[i].ascii);
			p += 2;
		} else if (isspace((unsigned char)*p)) {
			space = 1;
			p++;
		} else {
			if (space && b.len > 0)
				buf_addc(&b, ' ');
			space = 0;
			buf_addc(&b, (char)tolower((unsigned char)*p));
			p++;
		}
	}
	while (b.len > 0 && strchr(".!,", b.data[b.len - 1]) != NULL)
		b.data[--b.len] = '\0';
	while (b.len > 0 && b.data[b.len - 1] == ' ')
		b.data[--b.len] = '\0';
	return (buf_detach(&b, NULL));
}

int
smsin_cancels(const char *text)
{
	char	*folded = smsin_fold(text);
	size_t	 i;
	int	 yes = 0;

	for (i = 0; smsin_words[i] != NULL && !yes; i++)
		yes = strcmp(folded, smsin_words[i]) == 0;
	free(folded);
	return (yes);
}

/* The number of characters in text, or -1 when it is not UTF-8. */
static long
smsin_chars(const char *text)
{
	const unsigned char	*p = (const unsigned char *)text;
	size_t			 left = strlen(text), n;
	long			 count = 0;

	while (left > 0) {
		if ((n = utf8_char_len(p, left)) == 0)
			return (-1);
		p += n;
		left -= n;
		count++;
	}
	return (count);
}

/* A JSON answer; for the webhook, and Kannel's refusals. */
static void
smsin_answer(struct citizen_answer *a, int status, json_t *o)
{
	char	*text = json_dumps(o, JSON_COMPACT);

	a->status = status;
	a->type = "application/json";
	a->body = xprintf("%s\n", text);
	a->len = strlen(a->body);
	free(text);
	json_decref(o);
}

static void
smsin_refuse(struct citizen_answer *a, const struct fail *f)
{
	smsin_answer(a, f->status, json_pack("{s:s, s:s?}", "error", f->msg,
	    "field", f->field[0] != '\0' ? f->field : NULL));
}

/*
 * Checks a reply's fields: from a phone number (made E.164 in *e164), to
 * (may be NULL), text UTF-8 of at most SMSIN_MAX_CHARS characters.
 */
static int
smsin_check(const char *from, const char *text, char **e164, struct fail *f)
{
	char	*cause = NULL, *plus;
	long	 n;

	if (from == NULL || *from == '\0')
		return (fail_set(f, 400, "from", "from (the sender's number) "
		    "is required"));
	if (text == NULL)
		return (fail_set(f, 400, "text", "text is required"));
	if ((n = smsin_chars(text)) < 0)
		return (fail_set(f, 400, "text", "text is not valid UTF-8"));
	if (n > SMSIN_MAX_CHARS)
		return (fail_set(f, 413, "text", "text is %ld characters long; "
		    "an SMS reply holds at most %d", n, SMSIN_MAX_CHARS));
	if (contact_phone_normalise(from, e164, &cause) == 0)
		return (0);
	/* Operators give international numbers without the "+" too. */
	if (strlen(from) > 8 && strspn(from, "0123456789") == strlen(from)) {
		plus = xprintf("+%s", from);
		n = contact_phone_normalise(plus, e164, NULL);
		free(plus);
		if (n == 0) {
			free(cause);
			return (0);
		}
	}
	fail_set(f, 422, "from", "from: %s", cause);
	free(cause);
	return (-1);
}

/* One reply as the gateway gave it; from in E.164 once checked. */
struct smsin_reply {
	const char	*via;		/* "kannel" or "webhook" */
	const char	*from, *to, *text;
	const char	*id;		/* the gateway's, or NULL */
};

/*
 * Takes one reply, in the caller's transaction: cancels, or leaves it for
 * staff; either way it is kept in the inbox (handled by kursusd when it
 * cancelled). Fills out ({"result": "cancelled", "registration": id,
 * "inbox": id}, {"result": "inbox", "inbox": id}, or for a message the
 * gateway sent before, "result": "duplicate" and what it was).
 */
static int
smsin_take(struct store *st, const struct smsin_reply *r, json_t **out,
    struct fail *f)
{
	static const char *sql_seen = "SELECT json_object('result', "
	    "'duplicate', 'inbox', id, 'registration', registration_id) FROM "
	    "inbox WHERE via = ? AND provider_id = ?";
	static const char *sql_people = "SELECT count(*), min(id) FROM "
	    "participant WHERE phone = ? AND anonymised_at IS NULL";
	static const char *sql_next = "SELECT r.id FROM registration r JOIN "
	    "session s ON s.id = r.session_id WHERE r.participant_id = ?1 AND "
	    "r.status != 'cancelled' AND s.status = 'scheduled' AND "
	    "s.start_at > ?2 ORDER BY s.start_at, r.id LIMIT 1";
	static const char *sql_inbox = "INSERT INTO inbox (sender, receiver, "
	    "text, via, participant_id, registration_id, provider_id, "
	    "received_at, handled_at, handled_by) VALUES (?1, ?2, ?3, ?4, "
	    "nullif(?5, 0), nullif(?6, 0), ?7, ?8, CASE WHEN ?6 != 0 THEN ?8 "
	    "END, CASE WHEN ?6 != 0 THEN 'kursusd' END)";
	sqlite3_stmt	*stmt;
	int64_t		 people = 0, pid = 0, rid = 0, id;

	if (r->id != NULL &&
	    (*out = store_json(st, sql_seen, "tt", r->via, r->id)) != NULL) {
		log_info("SMS reply %s again (inbox %lld): taken before",
		    r->via, (long long)json_integer_value(json_object_get(*out,
		    "inbox")));
		return (0);
	}
	stmt = store_stmt(st, sql_people);
	sqlite3_bind_text(stmt, 1, r->from, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		people = sqlite3_column_int64(stmt, 0);
		pid = sqlite3_column_int64(stmt, 1);
	}
	sqlite3_reset(stmt);
	/* A number two people share says not whose place it is. */
	if (people == 1 && smsin_cancels(r->text))
		rid = store_int(st, 0, sql_next, "ii", pid,
		    (int64_t)store_now(st));
	if (rid != 0 && registration_drop(st, rid, "sms", NULL,
	    KIND_UNREGISTERED, f) != 0)
		return (-1);
	if (store_exec(st, f, sql_inbox, "ttttiiti", r->from, r->to, r->text,
	    r->via, people == 1 ? pid : 0, rid, r->id,
	    (int64_t)store_now(st)) < 0)
		return (-1);
	id = sqlite3_last_insert_rowid(store_db(st));
	if (rid != 0) {
		log_info("registration %lld cancelled by SMS reply (inbox "
		    "%lld)", (long long)rid, (long long)id);
		*out = json_pack("{s:s, s:I, s:I}", "result", "cancelled",
		    "registration", (json_int_t)rid, "inbox", (json_int_t)id);
		return (0);
	}
	log_info("SMS reply put in the inbox as %lld%s", (long long)id,
	    people == 1 ? "" : " (number not known as one participant's)");
	*out = json_pack("{s:s, s:I}", "result", "inbox", "inbox",
	    (json_int_t)id);
	return (0);
}

/* A reply's fields from the query or the JSON object o (which keeps
 * them). */
static void
smsin_reply(struct smsin_reply *r, const char *via, json_t *o)
{
	r->via = via;
	r->from = json_string_value(json_object_get(o, "from"));
	r->to = json_string_value(json_object_get(o, "to"));
	r->text = json_string_value(json_object_get(o, "text"));
	r->id = json_string_value(json_object_get(o, "id"));
}

/*
 * Checks, then takes a reply in its own transaction. Should another
 * connection hold the database, a->busy says so: the gateway would not
 * always send the reply again, so public.c calls again for a while.
 */
static void
smsin_run(const struct citizen_call *cl, struct smsin_reply *r,
    struct citizen_answer *a)
{
	struct fail	 f;
	json_t		*out = NULL;
	char		*e164 = NULL;

	memset(&f, 0, sizeof f);
	if (smsin_check(r->from, r->text, &e164, &f) != 0) {
		/* The field, not the message: that may quote the number. */
		log_warnx("SMS reply from %s (%s) refused (%d, %s)", r->via,
		    cl->peer, f.status, f.field);
		smsin_refuse(a, &f);
		return;
	}
	if (r->id != NULL && (*r->id == '\0' || strlen(r->id) > 200)) {
		fail_set(&f, 400, "id", "id must be 1 to 200 characters");
		free(e164);
		smsin_refuse(a, &f);
		return;
	}
	r->from = e164;
	if (store_begin(cl->store, &f) != 0 ||
	    smsin_take(cl->store, r, &out, &f) != 0 ||
	    store_commit(cl->store, &f) != 0) {
		store_rollback(cl->store);
		json_decref(out);
		free(e164);
		/* Waiting is public.c's to say; the rest is said here
		 * (the field, not the message, which may name someone). */
		if (!(a->busy = store_locked(&f)))
			log_warnx("SMS reply from %s (%s) not taken (%d, %s)",
			    r->via, cl->peer, f.status, f.field);
		smsin_refuse(a, &f);
		return;
	}
	free(e164);
	a->wrote = 1;
	smsin_answer(a, 200, out);
}

void
smsin_kannel(const struct citizen_call *cl, struct citizen_answer *a)
{
	struct smsin_reply reply;
	struct fail	 f;
	json_t		*q;
	const char	*secret;

	memset(&f, 0, sizeof f);
	if (cl->conf->kannel_secret == NULL) {
		fail_set(&f, 404, NULL, "SMS replies from Kannel are not set "
		    "up (sms.kannel_secret_file)");
		smsin_refuse(a, &f);
		return;
	}
	/* The GET is an act (Kannel's get-url); a HEAD would take the reply
	 * and drop the answer that says so. */
	if (cl->method != API_GET) {
		fail_set(&f, 405, NULL, "/sms/kannel takes GET only");
		smsin_refuse(a, &f);
		snprintf(a->fields, sizeof a->fields, "Allow: GET\r\n");
		return;
	}
	if ((q = param_query(cl->query, &f)) == NULL) {
		if (strstr(f.msg, "\"text\"") != NULL) {
			fail_set(&f, 400, "text", "text is not valid UTF-8");
		}
		log_warnx("SMS reply from kannel (%s) refused (%d, %s)",
		    cl->peer, f.status, f.field);
		smsin_refuse(a, &f);
		return;
	}
	secret = json_string_value(json_object_get(q, "secret"));
	if (secret == NULL || !token_equal(secret, cl->conf->kannel_secret)) {
		log_warnx("SMS reply from Kannel (%s): %s secret", cl->peer,
		    secret == NULL ? "no" : "wrong");
		fail_set(&f, 403, "secret", "the secret is %s",
		    secret == NULL ? "missing" : "wrong");
		smsin_refuse(a, &f);
		json_decref(q);
		return;
	}
	smsin_reply(&reply, "kannel", q);
	smsin_run(cl, &reply, a);
	/* Kannel sends a body back as an SMS: say nothing when all is well. */
	if (a->status == 200) {
		free(a->body);
		a->body = xstrdup("");
		a->len = 0;
		a->type = "text/plain; charset=utf-8";
	}
	json_decref(q);
}

/*
 * The webhook's signature: X-Kursus-Timestamp (seconds since the epoch,
 * within SMSIN_SKEW of our clock when the POST came: one that waited for
 * the database is not older for it) and X-Kursus-Signature "sha256="
 * and the HMAC-SHA256 of "<timestamp>.<body>" under the shared secret.
 * A signature seen before is a replay.
 */
static int
smsin_signed(const struct citizen_call *cl, char **sig, struct fail *f)
{
	struct buf		 b = BUF_INIT;
	char			*end, *want;
	long long		 stamp;
	time_t			 now = cl->at;
	size_t			 i;
	int			 ok;

	if (cl->stamp == NULL)
		return (fail_set(f, 401, "X-Kursus-Timestamp", "the "
		    "X-Kursus-Timestamp header is required"));
	errno = 0;
	stamp = strtoll(cl->stamp, &end, 10);
	if (errno != 0 || end == cl->stamp || *end != '\0')
		return (fail_set(f, 400, "X-Kursus-Timestamp", "the "
		    "X-Kursus-Timestamp header is not a number of seconds"));
	if (stamp < (long long)now - SMSIN_SKEW ||
	    stamp > (long long)now + SMSIN_SKEW)
		return (fail_set(f, 401, "X-Kursus-Timestamp", "the timestamp "
		    "is more than %d seconds from kursusd's clock (a replay, "
		    "or a clock that is wrong)", SMSIN_SKEW));
	if (cl->signature == NULL || strncmp(cl->signature, "sha256=", 7) != 0)
		return (fail_set(f, 401, "X-Kursus-Signature", "the "
		    "X-Kursus-Signature header (sha256=<hex>) is required"));
	buf_addf(&b, "%lld.", stamp);
	buf_add(&b, cl->body != NULL ? cl->body : "", cl->len);
	want = token_hmac(cl->conf->webhook_secret, b.data, b.len);
	buf_free(&b);
	ok = token_equal(cl->signature + 7, want);
	if (!ok) {
		free(want);
		return (fail_set(f, 401, "X-Kursus-Signature", "the signature "
		    "does not match the body"));
	}
	for (i = 0; i < SMSIN_SEEN; i++) {
		if (smsin_seen[i].at != 0 &&
		    now - smsin_seen[i].at <= 2 * SMSIN_SKEW &&
		    strcmp(smsin_seen[i].sig, want) == 0) {
			free(want);
			return (fail_set(f, 409, "X-Kursus-Signature", "this "
			    "message was taken before (a replay)"));
		}
	}
	*sig = want;
	return (0);
}

/* A webhook taken: its signature is not taken again. */
static void
smsin_remember(const char *sig)
{
	snprintf(smsin_seen[smsin_next].sig, sizeof smsin_seen[0].sig, "%s",
	    sig);
	smsin_seen[smsin_next].at = time(NULL);
	smsin_next = (smsin_next + 1) % SMSIN_SEEN;
}

void
smsin_webhook(const struct citizen_call *cl, struct citizen_answer *a)
{
	struct fail	 f;
	json_error_t	 err;
	json_t		*o;
	struct smsin_reply reply;
	const char	*fields[] = { "from", "to", "text", "id" };
	char		*sig = NULL;
	size_t		 i;

	memset(&f, 0, sizeof f);
	if (cl->conf->webhook_secret == NULL) {
		fail_set(&f, 404, NULL, "SMS replies by webhook are not set up "
		    "(sms.webhook_secret_file)");
		smsin_refuse(a, &f);
		return;
	}
	if (cl->method != API_POST) {
		fail_set(&f, 405, NULL, "/sms/webhook takes POST only");
		smsin_refuse(a, &f);
		snprintf(a->fields, sizeof a->fields, "Allow: POST\r\n");
		return;
	}
	if (smsin_signed(cl, &sig, &f) != 0) {
		log_warnx("SMS webhook (%s) refused: %s", cl->peer, f.msg);
		smsin_refuse(a, &f);
		return;
	}
	if ((o = json_loadb(cl->body != NULL ? cl->body : "", cl->len, 0,
	    &err)) == NULL || !json_is_object(o)) {
		if (o == NULL)
			fail_set(&f, 400, NULL, "the body is not JSON (%s, at "
			    "character %d)", err.text, err.position);
		else
			fail_set(&f, 400, NULL, "the body must be a JSON "
			    "object");
		json_decref(o);
		free(sig);
		smsin_refuse(a, &f);
		return;
	}
	for (i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		json_t	*v = json_object_get(o, fields[i]);

		if (v != NULL && !json_is_string(v) && !json_is_null(v)) {
			fail_set(&f, 400, fields[i], "%s must be a string",
			    fields[i]);
			json_decref(o);
			free(sig);
			smsin_refuse(a, &f);
			return;
		}
	}
	smsin_reply(&reply, "webhook", o);
	smsin_run(cl, &reply, a);
	/* Refused or failed, the gateway may send it again. */
	if (a->status == 200)
		smsin_remember(sig);
	free(sig);
	json_decref(o);
}
