/*
 * kursusd's private header: the daemon's structs and one prototype block
 * per .c file. Nothing outside daemon/ (and the unit tests) includes it.
 */
#ifndef KURSUSD_H
#define KURSUSD_H

#include <sys/types.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <jansson.h>
#include <sqlite3.h>

#include "calendars.h"
#include "buf.h"
#include "kind.h"
#include "kursus-protocol.h"
#include "log.h"
#include "xmalloc.h"

struct event;
struct event_base;
struct evhttp;

/* fail.c */
/*
 * A refusal on its way to the client: HTTP status, the field it is about
 * (empty when none) and one sentence. The STYLE's char **cause carries only
 * the sentence; API errors also need the status and the field, so they
 * travel in this fixed-size struct that needs no freeing. Beside the
 * sentence it keeps the format it was made from and the text each of the
 * format's conversions made, so that kursusctl can say it in its own
 * language ("msgid" and "args" in the error JSON).
 */
struct fail {
	int	status;
	char	field[64];
	char	msg[512];
	char	msgid[512];	/* the format, "" when there is none to give */
	int	nargs;
	char	args[512];	/* nargs texts, each ending in NUL */
};
/* Fills f (when not NULL) and returns -1, so `return fail_set(...)` reads well. */
int	fail_set(struct fail *f, int status, const char *field,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The API's error object for f: "error", "field", and "msgid" and "args". */
json_t	*fail_json(const struct fail *f);

/* config.c */
enum config_sync { CONFIG_SYNC_NORMAL, CONFIG_SYNC_FULL };
struct config {
	char	*file;			/* file it was read from, or NULL */

	char	*database;
	char	*pidfile;
	char	*timezone;
	int	 log_level;
	int	 retention_days;
	int	 go_no_go_hours;
	int	 calendar_holidays;	/* enum holiday_set */
	int	 synchronous;		/* enum config_sync */
	char	*daemon_user;		/* started as root, kursusd becomes */
	char	*daemon_group;		/* these; "": the user's own group */

	char	*admin_socket;
	int	 admin_socket_mode;
	char	*admin_socket_group;
	char	*admin_listen;
	char	*admin_token_file;
	char	*admin_allow;
	int	 admin_max_failures;
	int	 admin_max_failures_total;
	int	 admin_max_connections;
	char	*admin_tls_cert;	/* TLS on the TCP listener: both */
	char	*admin_tls_key;
	char	*admin_tls_cacert;	/* kursusctl's; kursusd ignores it */

	char	*public_listen;
	char	*public_url;
	int	 public_max_per_address;
	char	*public_trusted;
	int	 public_cancel_per_minute;

	int	 feeds_refresh_minutes;
	int	 feeds_cache_seconds;
	int	 feeds_past_days;
	int	 feeds_cancelled_days;
	int	 feeds_alarm_minutes;
	int	 feeds_recheck_seconds;
	char	*feeds_key_file;

	char	*smtp_host;
	int	 smtp_port;
	int	 smtp_starttls;		/* enum smtp_tls */
	char	*smtp_user;
	char	*smtp_password_file;
	char	*smtp_from;
	char	*smtp_from_name;
	char	*smtp_reply_to;
	int	 smtp_html;		/* 0 off, 1 on */
	int	 smtp_timeout;
	int	 smtp_connections;
	int	 smtp_batch;

	int	 sms_driver;		/* enum sms_driver */
	char	*sms_url;
	char	*sms_user;
	char	*sms_password_file;
	char	*sms_sender;
	char	*sms_header;
	char	*sms_body;
	int	 sms_timeout;
	char	*sms_kannel_secret_file, *sms_webhook_secret_file;

	char	*reminders_rules;
	char	*reminders_quiet_hours;
	int	 reminders_min_gap_hours;
	int	 reminders_one_a_day;	/* 0 off, 1 on */

	char	*library_name;
	char	*library_phone;		/* E.164 once loaded */
	char	*library_email;
	char	*library_url;
	char	*library_signature;
	char	*library_header;
	char	*library_colour;	/* "#rrggbb" once loaded */

	int	 outbox_max_in_flight;
	int	 outbox_retry_seconds;
	int	 outbox_retry_max_seconds;
	int	 outbox_expire_hours;
	int	 outbox_probe_seconds;
};
/*
 * Reads file (NULL: defaults only), then applies the "section.key=value"
 * overrides in order. On error *cause says where ("kursusd.conf:12: ...").
 * The keys whose default follows another are filled in: feeds.key_file
 * and admin.token_file beside the database, public.url from
 * public.listen. Relative paths are taken from the directory kursusd was
 * in when it first read its configuration (a detached daemon is in /).
 */
int	 config_load(const char *file, char *const *overrides, size_t noverrides,
	    struct config **, char **cause);
void	 config_free(struct config *);
/* Prints every key with its default and help (for --help and the man page). */
void	 config_print_keys(FILE *);

/* store.c */
struct store;
int	 store_open(const char *path, int synchronous, struct store **,
	    char **cause);
void	 store_close(struct store *);
/* A worker's store: st's settings now (on the loop), its own connection
 * opened by the worker with store_clone_open(); see store.c. */
struct store *store_clone(struct store *st);
/* The same, to read only (its connection opened read-only). */
struct store *store_clone_reader(struct store *st);
int	 store_clone_open(struct store *, int busy_ms, char **cause);
void	 store_note_commit(struct store *);
/*
 * Every other connection kursusd opens, for one thread at a time: busy_ms
 * is how long a statement waits for another connection's lock; a writer
 * has foreign keys on and synchronous FULL with STORE_DURABLE, else NORMAL.
 */
#define STORE_READ	0x1	/* read-only */
#define STORE_CREATE	0x2	/* makes the file when missing */
#define STORE_DURABLE	0x4	/* a commit waits for the disk */
#define STORE_GATHER	0x8	/* the log's writes of a commit gathered
				   (walbuf.c): the loop's */
int	 store_connect(const char *path, int flags, int busy_ms, sqlite3 **,
	    char **cause);
/* walbuf.c: the VFS STORE_GATHER opens with; registered by its first use */
#define WALBUF_VFS	"kursusd-wal"
int	 walbuf_register(void);
/* Keeps kb KiB of a connection's pages: SQLite's result code. */
int	 store_cache_kb(sqlite3 *, int kb);
/*
 * Copies src's database into dest, an empty file, as it was when the copy
 * began (one read transaction), in small steps; a set *stop breaks off.
 * 0, or -1 with f filled (507: the disk is full).
 */
int	 store_copy(sqlite3 *src, const char *dest, const _Atomic int *stop,
	    struct fail *);
/* A copy at path, 0600, written whole or not at all (a temporary file
 * beside it, synced, renamed, the directory synced). */
int	 store_save_copy(sqlite3 *src, const char *path, char **cause);
/* Locks path for this process: one daemon per database. The descriptor. */
int	 store_lock(const char *path, int create, char **cause);
void	 store_lock_pid(int fd);
sqlite3	*store_db(struct store *);
const char *store_path(struct store *);
int	 store_durable(struct store *);
int	 store_sync_wait(struct store *, int, struct fail *);
/* Prepared once per SQL text (keyed by the pointer) and reset on return. */
sqlite3_stmt *store_stmt(struct store *, const char *sql);
/* Counts COMMITs: whatever was read before may be stale once it moves. */
uint64_t store_generation(struct store *);
/* BEGIN IMMEDIATE; refused (503) when the file was deleted under us. */
int	 store_begin(struct store *, struct fail *);
int	 store_commit(struct store *, struct fail *);
void	 store_rollback(struct store *);
/* Runs sql (one statement) with printf-free binding: "i" int64, "t" text
 * (NULL binds NULL), "d" double, "n" NULL. Returns changes() or -1. */
int	 store_exec(struct store *, struct fail *, const char *sql,
	    const char *types, ...);
/* Column i of the current row as text, NULL for NULL; and a copy of it
 * (caller frees). For statements of any connection. */
const char *store_col(sqlite3_stmt *, int i);
char	*store_col_dup(sqlite3_stmt *, int i);
/* The cached statement of sql with store_exec()'s bindings, to step. */
sqlite3_stmt *store_stmt_bound(struct store *, const char *sql,
	    const char *types, ...);
/* First column of the first row as int64, or dflt when no row. */
int64_t	 store_int(struct store *, int64_t dflt, const char *sql,
	    const char *types, ...);
/* First column of the first row parsed as JSON (a view's json_object), or
 * NULL when no row. Caller owns the reference. */
json_t	*store_json(struct store *, const char *sql, const char *types, ...);
/* Every row's first column parsed as JSON, into a new array. */
json_t	*store_json_array(struct store *, const char *sql, const char *types,
	    ...);
int	 store_schema_version(struct store *);
/* Maps a failed sqlite call to a fail (500, or 409 for a constraint). */
int	 store_fail(struct store *, struct fail *);
/* Its 503 for a lock another connection holds: the write may be tried again. */
int	 store_locked(const struct fail *);
/* The clock used for rules; tests may pin it with store_set_now(). */
time_t	 store_now(struct store *);
void	 store_set_now(struct store *, time_t);
void	 store_set_go_no_go_hours(struct store *, int);
/* Which holidays are closed days (enum holiday_set); customary unless set. */
void	 store_set_holidays(struct store *, int);
int	 store_holidays(struct store *);
void	 store_set_default_timezone(struct store *, const char *);
struct outbox_conf;
/* The outbox's settings (outbox_conf_new()), which the store holds but does
 * not own; NULL: the defaults. */
void	 store_set_outbox(struct store *, struct outbox_conf *);
struct outbox_conf *store_outbox(struct store *);
const char *store_default_timezone(struct store *);

/* schema.c */
#define SCHEMA_VERSION	25
/* The database's schema version (PRAGMA user_version), or -1. */
int	 schema_version(sqlite3 *);
/* Brings the database forward to SCHEMA_VERSION, each step in a transaction. */
int	 schema_migrate(sqlite3 *, char **cause);
/* Runs sql on db: 0, or -1 with *cause (the caller frees it). */
int	 schema_exec(sqlite3 *, const char *sql, char **cause);
/* schema-views.c */
/* Temporary views and SQL functions the API reads through; per connection. */
int	 schema_views(sqlite3 *, char **cause);

/* stats-month.c */
/* kmonths(), and the triggers that add a venue's zone: per connection. */
void	 stats_month_functions(sqlite3 *);
int	 stats_month_views(sqlite3 *, char **cause);
/*
 * At the start: the months of every venue's time zone (stats_month), and
 * the statistics' summary rows counted afresh when a zone was missing
 * (after the upgrade to step 14, or venues written without kursusd).
 */
int	 stats_month_prepare(sqlite3 *, char **cause);

/* contact.c */
/* "+4512345678" from "12 34 56 78", "+45 1234 5678", "0045...", "+46..." */
int	 contact_phone_normalise(const char *in, char **out, char **cause);
/* Trims, checks syntax, lower-cases the domain. */
int	 contact_email_check(const char *in, char **out, char **cause);
/* 1 when text holds something shaped like a CPR number (DDMMYY-NNNN). */
int	 contact_looks_like_cpr(const char *text);
/* Refuses (422) text in field that holds something shaped like a CPR
 * number; 0 when it is clean or NULL. */
int	 contact_refuse_cpr(const char *field, const char *text, struct fail *);

/* api.c */
/* What the routes work with: the store, and the feeds, the sender and the
 * backups the daemon runs (NULL in the unit tests, which have none). */
struct backups;
struct api_ctx {
	struct store	*store;
	struct feeds	*feeds;
	struct sender	*sender;
	struct backups	*backups;
	struct jobs	*jobs;		/* the workers: NULL runs work inline */
};
struct blob;
/* An answer that is a file, not JSON: its media type and bytes. */
struct api_file {
	const char	*type;
	struct blob	*body;		/* borrowed: blob_ref() to keep it */
};
/*
 * How a door takes an answer that comes later (GET /v1/backup): done()
 * runs once on the loop thread, never from within the request, with the
 * file (status 200) or the refusal.
 */
struct api_later {
	void	(*done)(void *arg, const struct api_file *,
		    const struct fail *);
	void	*arg;
};
/* What api_run() returns when the route answers later. */
#define API_LATER	0
struct api_req {
	struct store	*store;
	struct feeds	*feeds;
	struct sender	*sender;
	struct backups	*backups;
	struct jobs	*jobs;
	const struct api_later *later;	/* NULL: the caller cannot wait */
	int		 method;	/* API_GET, ... */
	const char	*param[3];	/* path parts matched by '*' */
	json_t		*query;		/* object of query parameters */
	json_t		*body;		/* object, or NULL for no body */
	const char	*raw;		/* or the file a route takes */
	size_t		 rawlen;
	const char	*arg;		/* the route's argument */
	json_t		*out;		/* answer object, set by the handler */
	char		*text;		/* or the answer as JSON text, written
					 * already (the statistics, a page of a
					 * list: paging.c) */
	int		 status;	/* 200 unless the handler sets 201, or
					 * API_LATER: it took req->later */
	struct fail	 fail;
	uid_t		 peer_uid;	/* (uid_t)-1 when not known */
	const char	*peer;		/* "uid 1000" or "127.0.0.1" for logs */
};
enum api_method { API_GET = 1, API_POST = 2, API_PATCH = 4, API_DELETE = 8,
    API_HEAD = 16, API_PUT = 32 };
/* One request as it came. */
struct api_call {
	int		 method;
	const char	*uri;		/* the path with its query string */
	const char	*type;		/* Content-Type, or NULL */
	const char	*body;		/* NUL-terminated, or NULL */
	size_t		 len;
	uid_t		 peer_uid;	/* (uid_t)-1 when not known */
	const char	*peer;		/* "uid 1000" or "127.0.0.1" for logs */
	const struct api_later *later;	/* NULL: answers only now */
};
/*
 * Runs one API request, its body JSON. Returns the HTTP status; *out is
 * the JSON answer (caller frees). Or, with call->later, API_LATER and
 * *out NULL: the answer comes through call->later.
 */
int	 api_dispatch(struct store *, int method, const char *uri,
	    const char *body, size_t bodylen, uid_t peer_uid, const char *peer,
	    char **out);
/* The same with the daemon's feeds and sender, and, batched, inside a
 * transaction the caller opened (store_begin) and commits before sending
 * any answer; each write is its own savepoint. */
int	 api_run(const struct api_ctx *, const struct api_call *, int batched,
	    char **out);

/* paging.c */
/*
 * A page of a list that grows without bound: `limit` (default
 * PAGING_DEFAULT, at most PAGING_MAX) and `cursor` from the query, `next`
 * in the answer while more remain. keys: the types of the list's order
 * keys after its JSON column, 'i' integer or 't' text ("ii": start, id).
 */
#define PAGING_DEFAULT		KURSUS_API_PAGE
#define PAGING_MAX		KURSUS_API_PAGE_MAX
#define PAGING_MAXCURSOR	512	/* hex digits */
#define PAGING_CHUNK		5000	/* ids a paging_scan() reads at once */
#define PAGING_BUDGET_MS	10	/* and for how long, at most */
#define PAGING_SPAN	(7 * 86400)	/* seconds a paging_span() reads */
struct paging {
	const char	*list;		/* the answer's key and the cursor's tag */
	const char	*keys;
	int64_t		 limit;
	json_t		*key;		/* the cursor's array, or NULL */
};
/* Reads limit and cursor; -1 with req->fail naming the field. */
int	 paging_start(struct api_req *, struct paging *, const char *list,
	    const char *keys);
/* Whether a cursor came, and its i-th key. */
int	 paging_given(const struct paging *);
int64_t	 paging_int(const struct paging *, size_t);
const char *paging_text(const struct paging *, size_t);
int64_t	 paging_limit(const struct paging *);
/* Steps the statement into req->out and ends the paging. */
int	 paging_answer(struct api_req *, struct paging *, sqlite3_stmt *);
/* The same over ranges of ids, for a few rows among many (paging.c). */
int	 paging_scan(struct api_req *, struct paging *, sqlite3_stmt *,
	    int idx, int64_t maxid);
/* The same over spans of time, for a list by time and id (paging.c). */
int	 paging_span(struct api_req *, struct paging *, sqlite3_stmt *,
	    int idx, int64_t from, int64_t to);

/* param.c: what a route reads from its request */
enum field_type { FT_TEXT, FT_INT, FT_BOOL, FT_REAL, FT_ARRAY, FT_ANY };
struct field {
	const char	*name;
	int		 type;
};
/* Refuses unknown fields and wrong types; NULL body counts as {}. */
int	 param_check_fields(json_t *body, const struct field *, size_t,
	    struct fail *);
/* Optional text field: NULL when absent or null. */
const char *param_text(json_t *body, const char *name);
int	 param_has(json_t *body, const char *name);
/* A "from"/"to" query time; a bare day covers the whole day. */
int	 param_time(struct api_req *, const char *name, time_t *,
	    int *given);
/* Refuses query parameters other than the NULL-ended names given. */
int	 param_check_query(struct api_req *, ...) __attribute__((sentinel));
/* Parses an id path parameter or fails with 404. */
int	 param_id(struct api_req *, int idx, const char *what, int64_t *);

/* resource.c: venues, course types, instructors and participants */
/* Checks a client's free text: trimmed copy in *out, NULL when empty. */
int	 resource_text(const char *field, const char *, long max, int required,
	    char **out, struct fail *);
int	 resource_list(struct api_req *);
/* A "venue"/"course" query filter as an id (0 when not given); 404 when
 * no such slug. */
int	 resource_query(struct api_req *, const char *name, const char *table,
	    int64_t *);
int	 resource_create(struct api_req *);
int	 resource_show(struct api_req *);
int	 resource_edit(struct api_req *);
int	 resource_remove(struct api_req *);
/* Creates a participant from a body object inside the caller's transaction,
 * with its feed token (for a registration). */
int	 resource_participant_create(struct store *, json_t *body,
	    int64_t *id, struct fail *);
/* Looks up a venue/course/instructor id by slug; 404 names the field. */
int	 resource_id(struct store *, const char *table, const char *slug,
	    const char *field, int64_t *, struct fail *);

/* session.c */
/* The facts about one session the rules need. */
struct session_row {
	int64_t	 id, series_id, venue_id, course_id;
	time_t	 start, end;
	int	 capacity, sequence;
	char	 status[16];
	char	 tz[64];		/* the venue's time zone */
};
/* Fills s from session id; 404 in f when there is none. */
int	 session_load(struct store *, int64_t id, struct session_row *,
	    struct fail *);
int	 session_list(struct api_req *);
int	 session_create(struct api_req *);
int	 session_show(struct api_req *);
int	 session_edit(struct api_req *);
int	 session_move(struct api_req *);
int	 session_cancel(struct api_req *);
json_t	*session_json(struct store *, int64_t id);
/*
 * A session's texts: notes for staff only, and the description that feeds
 * and the public pages show. Checked (resource_text()) and owned.
 */
struct session_texts {
	char	*notes, *description;
};
/* What making a session takes, for the import too. */
int	 session_insert(struct store *, int64_t series_id, int64_t course_id,
	    int64_t venue_id, time_t start, time_t end, int64_t capacity,
	    const struct session_texts *, const char *import_key, int64_t *id,
	    struct fail *);
int	 session_when(struct store *, json_t *body, const char *field,
	    const char *tzid, time_t *, struct fail *);
int	 session_venue(struct store *, const char *slug, int64_t *id,
	    char *tz, size_t tzlen, struct fail *);
void	 session_defaults(struct store *, int64_t course_id, int64_t venue_id,
	    int *duration, json_int_t *capacity);

/* calendar.c: closed days, rooms and clashes, as scheduling asks */
/* The local date of t in tz, "YYYY-MM-DD". */
int	 calendar_day(const char *tz, time_t t, char *day, size_t len);
/* Why a session at venue_id from start to end (its local days in tz) may
 * not be held: a holiday or a closure, as a sentence; NULL when open.
 * Caller frees. */
char	*calendar_closed(struct store *, int64_t venue_id, const char *tz,
	    time_t start, time_t end);
/* The same as a refusal (409 on start, -1), or 0 when open. */
int	 calendar_closed_fail(struct store *, int64_t venue_id,
	    const char *tz, time_t start, time_t end, struct fail *);
/* The room of venue_id called name: its id and seats (0: the venue's);
 * 422 naming the venue's rooms when there is none. */
int	 calendar_room(struct store *, int64_t venue_id, const char *name,
	    int64_t *id, int *capacity, struct fail *);
/* 409 naming the first live session other than self at the venue that
 * overlaps [start, end) in room_id (0: the whole venue); else 0. */
int	 calendar_clash(struct store *, int64_t venue_id, int64_t room_id,
	    time_t start, time_t end, int64_t self, struct fail *);

/* closure.c: the library's closed days (POST, GET, DELETE /v1/closures) */
int	 closure_add(struct api_req *);
int	 closure_list(struct api_req *);
int	 closure_remove(struct api_req *);

/* room.c: a venue's rooms (/v1/venues/SLUG/rooms) */
int	 room_add(struct api_req *);
int	 room_list(struct api_req *);
int	 room_remove(struct api_req *);

/* series.c: signing up for every remaining session of a series at once */
int	 series_register(struct api_req *);
int	 series_unregister(struct api_req *);

/* calimport.c: sessions from a calendar file */
int	 calimport_run(struct api_req *);

/* attendance.c: who came, named by id, running number or name */
int	 attendance_record(struct api_req *);
/* search.c */
/* Registers kwords(name, phone, email) and kmatch(query, name, phone,
 * email), the folded search words (fold.h), on db. */
void	 search_functions(sqlite3 *);

/* person.c: one person per caller */
/*
 * The participant who (a new person's object: name, phone, e-mail) names
 * already, by phone or e-mail and the same name folded: *pid, or 0 when
 * nobody is known by them. Refuses (409) when the phone or e-mail is
 * someone else's, naming them.
 */
int	 person_match(struct store *, json_t *who, int64_t *pid,
	    struct fail *);
/* The body of a new participant (POST /v1/participants) without its
 * new_participant flag, or NULL with f filled: 409 when the person is
 * known already (person_match()) and the flag is not true. */
json_t	*person_new(struct store *, json_t *body, struct fail *);
/* Participants found by the words of q through the index: sql_head
 * "SELECT json_object(...) FROM participant WHERE id IN (", sql_tail
 * ") AND ... ORDER BY ..."; at most limit, *more set when there were
 * more. NULL when q has no word. Caller owns the array. */
json_t	*person_search(struct store *, const char *sql_head,
	    const char *sql_tail, const char *q, int64_t limit, int *more);
/* Indexes the search words of up to limit new participants (above
 * words_upto), in its own transaction: 1 when more wait, 0, or -1. */
int	 person_index(struct store *, int limit, struct fail *);
/* How many participants wait to be indexed: a count, for the log. */
int64_t	 person_unindexed(struct store *);
/* Whether enough wait for person_index() to write their words now. */
int	 person_index_due(struct store *);
/* After each new participant; before a batch's COMMIT, the words of
 * those not indexed, once enough wait; ev (a timer running
 * person_index()) is armed when more wait than a batch takes. */
void	 person_added(void);
void	 person_words_batch(struct store *);
void	 person_words_catchup(struct event *ev);
/* POST /v1/participants/ID/merge {"other": ID} */
int	 person_merge(struct api_req *);

/* registration.c */
/*
 * The kursist nr. the next registration takes (an SQL expression): the
 * one after the highest given, or number_start's setting (next_number)
 * when that is higher. Read, not kept up per registration.
 */
#define REGISTRATION_NEXT_NUMBER					\
	"max(coalesce((SELECT CAST(value AS INTEGER) FROM settings WHERE "	\
	"key = 'next_number'), 1), coalesce((SELECT max(number) FROM "	\
	"registration), 0) + 1)"
/* Drops what identifies a participant, keeping statistics: their
 * live seats too (the waitlist moves). */
int	 registration_anonymise(struct store *, int64_t id, struct fail *);
/* The live registration of session sid that text names: a participant id
 * ("3") or a kursist nr. ("nr:3000"); 404 saying which kind was meant. */
int	 registration_named(struct store *, int64_t sid, const char *text,
	    int64_t *rid, struct fail *);
int	 registration_list(struct api_req *);
int	 registration_create(struct api_req *);
int	 registration_cancel(struct api_req *);
int	 registration_waitlist(struct api_req *);
/* Fills free seats from the waitlist, in order, while the head fits. */
int	 registration_promote(struct store *, int64_t session_id,
	    json_t *promoted, struct fail *);
/* Cancels every live registration of a participant in sessions not yet
 * started (used when a participant is removed). */
int	 registration_cancel_participant(struct store *, int64_t participant_id,
	    struct fail *);
json_t	*registration_json(struct store *, int64_t id);
/* The participant a request names: an id, or an object naming someone
 * known already (*known set; person_match()) or, else or with
 * new_participant, creating one. */
int	 registration_person(struct store *, json_t *who,
	    int new_participant, int64_t *pid, int *known, struct fail *);
/*
 * Takes a seat for pid in s, or a place at the end of its queue (a
 * walk-in always a seat, *over set when past the capacity; *confirmed
 * set with a seat): the row and its running number, no message. 409 when
 * pid holds one already.
 */
int	 registration_seat(struct store *, const struct session_row *,
	    int64_t pid, int companion, int walk_in, int64_t *rid, int *over,
	    int *confirmed, struct fail *);
/*
 * Cancels a live registration (via "staff", "link" or "sms": who did)
 * with a notice of kind (-1: none, only what was pending taken back),
 * then fills from the waitlist; promoted (may be NULL) gets those who
 * moved up.
 */
int	 registration_drop(struct store *, int64_t rid, const char *via,
	    json_t *promoted, int kind, struct fail *);
/* Seats taken in a session by confirmed registrations and companions. */
int64_t	 registration_taken(struct store *, int64_t session_id);
int	 registration_settings_show(struct api_req *);
int	 registration_settings_edit(struct api_req *);

/*
 * Where participant p may be sent a message, in SQL: the mobile number
 * when SMS is allowed, the address when e-mail is, else NULL. The one
 * statement of the consent rules for whoever writes or composes a message.
 */
#define SQL_SMS_TO(p) "CASE WHEN " p ".phone_type = 'mobile' AND NOT " p \
	".no_sms AND NOT " p ".no_contact THEN " p ".phone END"
#define SQL_EMAIL_TO(p) "CASE WHEN NOT " p ".no_email AND NOT " p \
	".no_contact THEN " p ".email END"

/* outbox.c: the kinds of message are enum kind (kind.h) */
/*
 * The outbox's settings from the configuration: the channels, the default
 * reminder rules, the SMS quiet hours. The store carries them
 * (store_set_outbox()); the caller frees them once the store no longer
 * does.
 */
struct outbox_conf;
struct outbox_conf *outbox_conf_new(const struct config *);
void	 outbox_conf_free(struct outbox_conf *);
/* A copy of oc, for a worker that may outlive a reload. */
struct outbox_conf *outbox_conf_copy(const struct outbox_conf *oc);
/* 1 when the channel (enum notice_channel) is configured; both are while
 * the store carries no settings (the unit tests). */
int	 outbox_can_send(struct store *, int channel);
/*
 * Records the notice of kind for one registration, one row per channel the
 * person consented to (or one "call" row, state skipped, which puts them on
 * the call list), inside the caller's transaction. detail (may be NULL) is
 * stored as JSON. A confirmation or promotion also plans the reminders; a
 * demotion, cancellation or withdrawal takes back what is still pending.
 */
int	 outbox_notify(struct store *, int kind, int64_t registration_id,
	    json_t *detail, struct fail *);
/* Notices for every live registration of a session (moved, cancelled). */
int	 outbox_notify_session(struct store *, int kind, int64_t session_id,
	    json_t *detail, struct fail *);
/* Takes back what is still pending for a registration that ended without
 * a notice of its own (a series' withdrawal says it for all). */
int	 outbox_end(struct store *, int64_t registration_id, struct fail *);
/* Plans the reminders of one confirmed registration by its course type's
 * rules (or [reminders] rules), SMS out of quiet hours, none in the past. */
int	 outbox_plan_reminders(struct store *, int64_t registration_id,
	    struct fail *);
/* Marks what is still pending for a registration cancelled, with reason;
 * kinds is a bit mask of (1 << OUTBOX_...). */
int	 outbox_withdraw(struct store *, int64_t registration_id,
	    unsigned kinds, const char *reason, struct fail *);
/*
 * Queues kind (KIND_REMINDER or KIND_STAFF), due now, under batch (the
 * key), for each pair of pairs, a JSON array of [registration id,
 * "email" or "sms"], in one statement; detail may carry {"message":
 * ...}. The new rows' ids are appended to ids in the order of pairs
 * (none for a row queued before). 0; or -1 (422 naming the first pair
 * that cannot be reached), and nothing is queued.
 */
int	 outbox_queue_all(struct store *, int kind, const char *pairs,
	    const char *batch, json_t *detail, json_t *ids, struct fail *);

/* Reminder rules: "email:2d,sms:1d@10:00" (also 90m, 3h; "" for none). */
struct reminder_rule {
	int	 channel;	/* enum notice_channel */
	int	 amount;	/* how many units before */
	int	 unit;		/* 'd', 'h' or 'm' */
	int	 at;		/* minutes after local midnight, or -1 */
};
int	 reminder_rules_parse(const char *, struct reminder_rule **, size_t *,
	    char **cause);
int	 reminder_rules_check(const char *, char **cause);
/* When a rule fires for a session starting at start in tzid. */
int	 reminder_rule_due(const struct reminder_rule *, time_t start,
	    const char *tzid, time_t *due);

/*
 * How a reminder keeps its distance from the other messages to the same
 * person ([reminders] min_gap_hours, one_a_day): none within gap seconds
 * of another, and with one_a_day none on a local day the person gets
 * another message. Only reminders kursusd plans itself are held back;
 * a message about a change always goes.
 */
struct reminder_spacing {
	int	 gap;		/* seconds; 0: none */
	int	 one_a_day;
};
void	 reminder_spacing_set(struct reminder_spacing *, const struct config *);
/*
 * Where another message to the person keeps a reminder at t (in tzid)
 * from being planned: [*from, *until). *from == *until when spacing is
 * off.
 */
void	 reminder_spacing_span(const struct reminder_spacing *,
	    const char *tzid, time_t t, time_t *from, time_t *until);
/*
 * The number of messages to participant ?1, other than row ?2, that reach
 * them in [?3, ?4): sent then, or pending or being sent for then (a row
 * being sent only when older than ?2, so that of two at once one goes).
 */
extern const char *const outbox_sql_near;

/* SMS quiet hours "21:00-08:00" (local time); "" for none. */
struct quiet {
	int	 from, to;	/* minutes after midnight; from == to: none */
};
int	 quiet_hours_parse(const char *, struct quiet *, char **cause);
/* 1 when t falls in the quiet hours, in tzid. */
int	 quiet_in(const struct quiet *, const char *tzid, time_t t);
/* t, or when it is quiet then, the last allowed minute before. */
time_t	 quiet_before(const struct quiet *, const char *tzid, time_t t);
/* t, or when it is quiet then, the moment the quiet hours end. */
time_t	 quiet_after(const struct quiet *, const char *tzid, time_t t);

/* message.c: one message composed from the database */
struct notice;
/* Fills a notice's local times from its instants, in tzid. */
void	 message_notice_times(struct notice *, const char *tzid);
struct message_conf {
	const char	*public_url;	/* base of personal links */
	const char	*from, *from_name;	/* ORGANIZER of invitations */
	/* [library]: who signs the messages; NULL or "" when not set */
	const char	*library, *library_phone, *library_email;
	const char	*library_url, *signature;
};
struct message {
	int		 channel;	/* enum notice_channel */
	char		*recipient;	/* e-mail address or E.164 number */
	char		*name;		/* the participant */
	char		*subject;	/* NULL for SMS */
	char		*body;
	int		 english;	/* written in English */
	char		*calendar;	/* text/calendar, or NULL */
	const char	*method;	/* "REQUEST", "CANCEL" or NULL */
	int64_t		 session_id;
	time_t		 session_start;
	char		 tzid[64];	/* the venue's zone */
};
struct message_ctx;
/* Statements on db, prepared once; usable from the thread owning db. */
struct message_ctx *message_ctx_new(sqlite3 *db, const struct message_conf *);
void	 message_ctx_free(struct message_ctx *);
/* Forgets the session it read last: what follows reads it afresh. Call
 * before each batch; within one, a session's messages share one read. */
void	 message_ctx_forget(struct message_ctx *);
/*
 * Composes what kind says to participant about session on channel: the
 * course type's own template for kind, channel and the person's language
 * if staff made one, else the built-in; for e-mail of a confirmation,
 * promotion, reminder or change an invitation (REQUEST), of a
 * cancellation, demotion or withdrawal a CANCEL. detail is the outbox
 * row's (old time and place, message, reason). recipient NULL: the
 * person's own address for the channel. -1 with *cause when the person
 * has no address for it or a template cannot be rendered.
 */
int	 message_compose(struct message_ctx *, int kind, int channel,
	    int64_t session_id, int64_t participant_id, const char *recipient,
	    json_t *detail, struct message *, char **cause);
void	 message_clear(struct message *);

/* sender.c: sends the outbox (worker threads) */
struct sender;
struct event_base;
struct sender *sender_start(struct event_base *, const char *database,
	    const struct config *, char **cause);
/* Takes new settings (SIGHUP). */
int	 sender_configure(struct sender *, const struct config *,
	    char **cause);
/* Something was queued or changed: look at the outbox again soon. */
void	 sender_kick(struct sender *);
/* {"email": {...}, "sms": {...}, "in_flight": n} for GET /v1/status. */
json_t	*sender_status(struct sender *);
const struct message_conf *sender_message_conf(struct sender *);
/* Stops the workers after the messages in flight; waits for them. */
void	 sender_stop(struct sender *);
/* The sender the API's preview and status routes use. */

/* notices.c: the staff's side of the notifier (admin API) */
int	 notices_outbox_list(struct api_req *);
int	 notices_outbox_show(struct api_req *);
int	 notices_outbox_retry(struct api_req *);
int	 notices_outbox_cancel(struct api_req *);
int	 notices_remind(struct api_req *);
int	 notices_preview(struct api_req *);
int	 notices_calllist(struct api_req *);
int	 notices_template_list(struct api_req *);
int	 notices_template_set(struct api_req *);
int	 notices_template_unset(struct api_req *);

/* event.c: one session as a calendar event */
struct session_event {
	struct cal_event	 ev;
	char			*own[6];	/* the strings ev points to */
	const char		*lang;		/* "da" or "en" */
	int64_t			 id, rev;	/* the session's */
};
/* The event query: by session id (?1), or by a JSON array of ids. */
extern const char *const event_sql_one;
extern const char *const event_sql_many;
/* Copies the current row of an event query; url is the public base. */
void	 event_fill(struct session_event *, sqlite3_stmt *, const char *url,
	    int english);
void	 event_clear(struct session_event *);

/* feeds.c */
struct feeds;
struct blob;
struct feed_answer {
	struct blob	*body;		/* borrowed: blob_ref() to keep it */
	const char	*etag;		/* strong, quoted */
	time_t		 last_modified;
	const char	*last_modified_http;	/* the same as an HTTP-date */
	const char	*disposition;	/* Content-Disposition value */
	int		 page;		/* an HTML page, not a calendar */
	int		 personal;	/* behind a person's token */
	void		**head;		/* the public listener's response head
					 * for it, kept with the feed, which
					 * frees it with free() */
};
struct feeds	*feeds_new(struct store *, const struct config *);
/* Takes new settings; the cache starts afresh. */
void		 feeds_configure(struct feeds *, const struct config *);
void		 feeds_free(struct feeds *);
/* Sessions were written through another connection (a worker's): every
 * feed lists its sessions again. */
void		 feeds_note_written(struct feeds *);
/* The feed at a URL path, plain or gzip; -1 for anything unknown (404). */
int		 feeds_get(struct feeds *, const char *path, int gzip,
		    struct feed_answer *);
/* A page's cache key when the request is its canonical form, else NULL. */
const char	*feeds_known(struct feeds *, const char *path,
		    const char *query);
/* export.c: GET /v1/export, made by a job */
int		 export_run(struct api_req *);
/* feedkind.c: the admin's links and the kinds of feed and page */
int		 feeds_link(struct api_req *);
int		 feeds_kinds(struct api_req *);
/*
 * A public page's request, path and query (NULL for none), as the cache
 * key feeds_get() takes: 0 with *key (the caller frees it); 1 when the
 * path is no page's (404); -1 when the query is refused, *why saying
 * why (the caller frees it). *flags: PAGE_EN and PAGE_EMBED as asked
 * for, for the answer's page whatever the outcome.
 */
int		 pages_key(const char *path, const char *query, char **key,
		    int *flags, char **why);
/* blob.c: bytes shared by the cache and the answers still being sent */
struct blob {
	int	 refs;
	size_t	 len;
	size_t	 size;		/* allocated, at least len + 1; 0 mapped */
	char	*data;		/* NULL: only in the file fd (blob_file());
				 * else with fd, its pages (blob_filed()) */
	int	 fd;		/* the file of blob_filed(), blob_file(), or -1 */
};
struct blob	*blob_adopt(char *data, size_t len);
/* The len bytes of the file fd (taken), sent from it, never read in. */
struct blob	*blob_file(int fd, size_t len);
/* blob_filed()'s memory files at most: each holds a descriptor, which the
 * doors count on (server.c leaves SERVER_FD_RESERVE to all else). */
#define BLOB_FILED_MAX	32
/* b's bytes into a sealed memory file, sent with sendfile(): 0, or -1. */
int		 blob_filed(struct blob *);
struct blob	*blob_ref(struct blob *);
void		 blob_unref(struct blob *);
const char	*blob_data(const struct blob *);
size_t		 blob_len(const struct blob *);

/* memory.c: freed memory given back to the system between requests */
void		 memory_init(struct event_base *);	/* on the loop's thread */
/* Before SQLite is first used. */
void		 memory_sqlite(void);
/* Called by the loop thread for each admin request and render. */
void		 memory_touch(void);
void		 memory_free(void);
/* malloc_trim(0) from any thread; nothing under AddressSanitizer */
void		 memory_give_back(void);

/* job.c: work on a thread of its own, answered on the loop */
struct jobs;
struct jobs	*jobs_new(struct event_base *);
/* Tells each job to stop, waits for it and runs its done(arg, 1). */
void		 jobs_free(struct jobs *);
/* work(arg, stop) on a thread, then done(arg, 0) on the loop; -1 (503 in
 * f) when no thread could be started, and neither runs. work() looks at
 * *stop between steps and breaks off when it is set. */
int		 job_start(struct jobs *, void (*work)(void *, const _Atomic int *),
		    void (*done)(void *, int), void *arg, struct fail *);

/* backup.c: copies of the live database (GET /v1/backup) */
struct backups	*backups_new(struct event_base *, struct jobs *,
		    const char *database);
/* Breaks off a copy being made; whoever waits is told kursusd stops. */
void		 backups_free(struct backups *);
int		 backup_route(struct api_req *);

/* token.c: token.h */
#include "token.h"

/* stats.c */
/*
 * The statistics' summary rows (schema step 14). A session's local month:
 * where it starts in stats_month, by its venue's time zone (-1 while the
 * zone is not there: stats_month_prepare() mends that).
 */
#define STATS_MONTH_OF(s)						\
	"coalesce((SELECT m.at FROM stats_month m WHERE m.timezone = "	\
	"(SELECT timezone FROM venue WHERE id = " s ".venue_id) AND "	\
	"m.at <= " s ".start_at ORDER BY m.at DESC LIMIT 1), -1)"
/*
 * The seats session id (an SQL expression) has taken: its confirmed
 * registrations and their companions, as the triggers keep them
 * (session_taken, schema step 25).
 */
#define SESSION_TAKEN(id)						\
	"coalesce((SELECT taken FROM session_taken WHERE session_id = "	\
	id "), 0)"
/* What GET /v1/status reports as version and start time. */
void	 stats_set_started(const char *version, time_t started);
int	 stats_show(struct api_req *);
int	 stats_status(struct api_req *);
/* The page of GET /metrics (metrics_text()); the caller frees it. */
char	*stats_metrics(struct store *, struct sender *, size_t *len);
/*
 * Anonymises participants whose last session ended more than days ago:
 * reads the next limit of them after at (created_at, id; {0, 0} to begin,
 * and again when done); returns how many it read, fewer than limit at the
 * end.
 */
int	 stats_retention_sweep(struct store *, int days, int limit,
	    int64_t *at, struct fail *);

/* metrics.c: what GET /metrics counts, and the page; calls nothing back */
enum metrics_door { METRICS_SOCKET, METRICS_TCP, METRICS_PUBLIC,
    METRICS_DOORS };
enum metrics_event { METRICS_FEED_RENDER, METRICS_FEED_HIT,
    METRICS_FEED_EVENTS, METRICS_REG_MADE, METRICS_REG_CANCELLED,
    METRICS_REG_PROMOTED, METRICS_EVENTS };
#define METRICS_CHANNELS	2	/* enum notice_channel: email, sms */
#define METRICS_STATES		3	/* outbox: pending, sending, failed */
/* What a scrape reads elsewhere (stats_metrics()), handed in. */
struct metrics_scrape {
	const char	*version;
	time_t		 started, now;
	int64_t		 db_size;
	int64_t		 outbox[METRICS_CHANNELS][METRICS_STATES];
	int64_t		 failed_upcoming;	/* about sessions not yet started */
	int64_t		 oldest_due;	/* seconds the oldest due has waited */
	int64_t		 inbox_unhandled;	/* SMS replies for staff */
	int		 configured[METRICS_CHANNELS];
	int		 known[METRICS_CHANNELS];	/* reachable says */
	int		 reachable[METRICS_CHANNELS];
	int64_t		 in_flight;
};
/* The loop thread's: an answer of a door (its time from the whole
 * request), and n events. Registrations wait for their commit. */
void	 metrics_request(int door, int status, double seconds);
void	 metrics_count(int event, uint64_t n);
/* Any thread: a message handed to its channel's server, taken or not. */
void	 metrics_send(int channel, int failed);
/* The store's transaction committed, or rolled back; a savepoint set
 * (what it had counted then kept in a mark), and rolled back to. */
struct metrics_mark {
	uint64_t	 pending[METRICS_EVENTS];
};
void	 metrics_commit(void);
void	 metrics_abort(void);
void	 metrics_mark(struct metrics_mark *);
void	 metrics_undo(const struct metrics_mark *);
/* The page in Prometheus' text format 0.0.4; the caller frees it. */
char	*metrics_text(const struct metrics_scrape *, size_t *len);

#endif
