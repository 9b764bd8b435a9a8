/*
 * Pages of a list that can grow without bound (sessions, participants,
 * the outbox, the inbox): the one place that reads `limit` and `cursor` from the query
 * and writes `next` into the answer. A page is a keyset: the statement
 * returns the rows after the cursor's keys in the list's own order, never
 * an OFFSET, so a walk gives every row once however rows come and go
 * meanwhile, and a page costs the same at the end of the list as at its
 * start.
 *
 * The cursor is opaque to clients: the hex of a JSON array holding the
 * list's name and the keys of the page's last row (and whatever else the
 * list needs to go on the same way, such as the end of a default range).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hex.h"
#include "kursusd.h"

static void	paging_end(struct paging *);

/* The cursor's array, or NULL when it is not one this daemon makes. */
static json_t *
paging_decode(const char *text)
{
	size_t		 len = strlen(text);
	unsigned char	*raw;
	json_t		*a;

	if (len == 0 || len % 2 != 0 || len > PAGING_MAXCURSOR)
		return (NULL);
	raw = xmalloc(len / 2 + 1);
	if (hex_decode(text, raw, len / 2) != 0) {
		free(raw);
		return (NULL);
	}
	a = json_loadb((const char *)raw, len / 2, JSON_REJECT_DUPLICATES,
	    NULL);
	free(raw);
	if (a != NULL && (!json_is_array(a) || json_array_size(a) < 2 ||
	    !json_is_string(json_array_get(a, 0)))) {
		json_decref(a);
		return (NULL);
	}
	return (a);
}

static int
paging_malformed(struct api_req *req, const char *text)
{
	return (fail_set(&req->fail, 400, "cursor", "cursor \"%.40s%s\" is "
	    "malformed; pass back the \"next\" of an answer as it came",
	    text, strlen(text) > 40 ? "..." : ""));
}

int
paging_start(struct api_req *req, struct paging *pg, const char *list,
    const char *keys)
{
	const char	*text;
	json_t		*v, *k;
	char		*end;
	long long	 n;
	size_t		 i;
	int		 ok;

	memset(pg, 0, sizeof *pg);
	pg->list = list;
	pg->keys = keys;
	pg->limit = PAGING_DEFAULT;
	if ((v = json_object_get(req->query, "limit")) != NULL) {
		text = json_is_string(v) ? json_string_value(v) : "";
		n = strtoll(text, &end, 10);
		if (*text == '\0' || *end != '\0' || n < 1 || n > PAGING_MAX)
			return (fail_set(&req->fail, 422, "limit", "limit "
			    "\"%.32s\" is not a number from 1 to %d", text,
			    PAGING_MAX));
		pg->limit = n;
	}
	if ((v = json_object_get(req->query, "cursor")) == NULL)
		return (0);
	text = json_is_string(v) ? json_string_value(v) : "";
	if ((pg->key = paging_decode(text)) == NULL)
		return (paging_malformed(req, text));
	if (strcmp(json_string_value(json_array_get(pg->key, 0)), list) !=
	    0) {
		fail_set(&req->fail, 422, "cursor", "the cursor is one of the "
		    "list of %.32s, not of %s", json_string_value(
		    json_array_get(pg->key, 0)), list);
		return (paging_end(pg), -1);
	}
	ok = json_array_size(pg->key) == strlen(keys) + 1;
	for (i = 0; ok && keys[i] != '\0'; i++) {
		k = json_array_get(pg->key, i + 1);
		ok = keys[i] == 'i' ? json_is_integer(k) : json_is_string(k);
	}
	if (!ok) {
		paging_end(pg);
		return (paging_malformed(req, text));
	}
	return (0);
}

int
paging_given(const struct paging *pg)
{
	return (pg->key != NULL);
}

int64_t
paging_int(const struct paging *pg, size_t i)
{
	return (json_integer_value(json_array_get(pg->key, i + 1)));
}

/* The cursor of a list's name and keys a: the hex of its JSON. */
static char *
paging_encode(json_t *a)
{
	char	*dump, *hex;
	size_t	 len;

	dump = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	len = strlen(dump);
	hex = xmalloc(len * 2 + 1);
	hex_encode((const unsigned char *)dump, len, hex);
	free(dump);
	return (hex);
}

/* The keys of the row stmt stands on: the cursor after it. */
static char *
paging_cursor(const struct paging *pg, sqlite3_stmt *stmt)
{
	json_t		*a = json_array();
	size_t		 i;

	json_array_append_new(a, json_string(pg->list));
	for (i = 0; pg->keys[i] != '\0'; i++) {
		if (pg->keys[i] == 'i')
			json_array_append_new(a, json_integer(
			    sqlite3_column_int64(stmt, (int)i + 1)));
		else
			json_array_append_new(a, json_string((const char *)
			    sqlite3_column_text(stmt, (int)i + 1)));
	}
	return (paging_encode(a));
}

static int64_t
paging_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/*
 * Steps stmt (column 0 a row's JSON, the next ones its keys, as
 * paging_start()'s keys say) into rows, the JSON text as SQLite wrote it
 * (json_object()), separated by commas, until the page is full (*n rows).
 * Returns 1 when one more row follows the page (*next then its cursor),
 * 0 when the statement ran out, -1 on an error of SQLite.
 */
static int
paging_rows(struct paging *pg, sqlite3_stmt *stmt, struct buf *rows,
    int64_t *n, char **next)
{
	const char	*text;
	int		 rc;

	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (*n == pg->limit)
			break;		/* one more: the page ends before it */
		if ((text = (const char *)sqlite3_column_text(stmt, 0)) ==
		    NULL)
			continue;
		if ((*n)++ > 0)
			buf_addc(rows, ',');
		buf_add(rows, text, (size_t)sqlite3_column_bytes(stmt, 0));
		if (*n == pg->limit) {
			free(*next);
			*next = paging_cursor(pg, stmt);
		}
	}
	sqlite3_reset(stmt);
	if (rc == SQLITE_ROW)
		return (1);
	return (rc == SQLITE_DONE ? 0 : -1);
}

/*
 * The answer, written here: {"<list>": [rows], "next": the cursor when
 * the rows stopped short of the end (rc 1), and what the handler put in
 * req->out before}. Ends the paging.
 */
static int
paging_finish(struct api_req *req, struct paging *pg, struct buf *rows,
    char *next, int rc)
{
	struct buf	 b = BUF_INIT;
	const char	*key;
	json_t		*v;
	char		*s;

	if (rc != 1) {
		free(next);
		next = NULL;
	}
	if (rc < 0) {
		paging_end(pg);
		buf_free(rows);
		return (store_fail(req->store, &req->fail));
	}
	buf_addf(&b, "{\"%s\":[", pg->list);
	if (rows->len > 0)
		buf_add(&b, rows->data, rows->len);
	buf_addc(&b, ']');
	if (next != NULL)
		buf_addf(&b, ",\"next\":\"%s\"", next);
	json_object_foreach(req->out, key, v) {
		s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		buf_addf(&b, ",\"%s\":%s", key, s != NULL ? s : "null");
		free(s);
	}
	buf_addc(&b, '}');
	free(req->text);
	req->text = buf_detach(&b, NULL);
	paging_end(pg);
	free(next);
	buf_free(rows);
	return (0);
}

/*
 * Steps stmt, bound with paging_limit() as its LIMIT: one row more than
 * the page, so that `next` is given only when more remain.
 */
int
paging_answer(struct api_req *req, struct paging *pg, sqlite3_stmt *stmt)
{
	struct buf	 rows = BUF_INIT;
	char		*next = NULL;
	int64_t		 n = 0;
	int		 rc;

	rc = paging_rows(pg, stmt, &rows, &n, &next);
	return (paging_finish(req, pg, &rows, next, rc));
}

/*
 * Reads stmt one range of its order's first key at a time, lo < key <= hi
 * bound at ?idx and ?idx+1 and its LIMIT at ?idx+2, from lo to max in
 * steps of step, until the page is full or PAGING_BUDGET_MS have gone:
 * all of the time, or with barren only the time of the ranges that gave
 * no row (the rows of a page cost what its limit allows; reading on
 * through ranges that a filter leaves empty has no such bound). A page
 * cut short by the budget carries fewer rows (even none) and, as next,
 * the place the reading reached: [list, hi, tail...].
 */
static int
paging_ranges(struct api_req *req, struct paging *pg, sqlite3_stmt *stmt,
    int idx, int64_t lo, int64_t max, int64_t step, int barren,
    const json_int_t *tail, size_t ntail)
{
	struct buf	 rows = BUF_INIT;
	json_t		*a;
	char		*next = NULL;
	int64_t		 hi, n = 0, had, spent = 0, t0, t1;
	size_t		 i;
	int		 rc = 0;

	t0 = paging_ms();
	while (lo < max) {
		hi = max - lo > step ? lo + step : max;
		sqlite3_bind_int64(stmt, idx, lo);
		sqlite3_bind_int64(stmt, idx + 1, hi);
		sqlite3_bind_int64(stmt, idx + 2, pg->limit + 1 - n);
		had = n;
		if ((rc = paging_rows(pg, stmt, &rows, &n, &next)) != 0)
			break;
		lo = hi;
		if (n == pg->limit) {
			/* Full: the next page starts after its last row. */
			rc = lo < max;
			break;
		}
		t1 = paging_ms();
		if (!barren || n == had)
			spent += t1 - t0;
		t0 = t1;
		if (spent >= PAGING_BUDGET_MS && lo < max) {
			free(next);
			a = json_pack("[sI]", pg->list, (json_int_t)lo);
			for (i = 0; i < ntail; i++)
				json_array_append_new(a, json_integer(tail[i]));
			next = paging_encode(a);
			rc = 1;
			break;
		}
	}
	return (paging_finish(req, pg, &rows, next, rc));
}

/*
 * A list by id (key "i") whose filters no index may follow: stmt reads
 * one range of ids at a time, lo < id <= hi bound at ?idx and ?idx+1 and
 * its LIMIT at ?idx+2, from the cursor's id to maxid, PAGING_CHUNK ids at
 * a time (paging_ranges()), so that no request holds the loop for long
 * however few rows match among many.
 */
int
paging_scan(struct api_req *req, struct paging *pg, sqlite3_stmt *stmt,
    int idx, int64_t maxid)
{
	return (paging_ranges(req, pg, stmt, idx, paging_given(pg) ?
	    paging_int(pg, 0) : 0, maxid, PAGING_CHUNK, 0, NULL, 0));
}

/*
 * A list by time and id (keys "ii", then the end of its range) of the
 * rows from <= time < to, the cursor's place bound by the caller: stmt
 * reads PAGING_SPAN seconds at a time, lo < time <= hi bound at ?idx and
 * ?idx+1 and its LIMIT at ?idx+2 (paging_ranges()), so that a page costs
 * about the same wherever it starts and whatever filter leaves few rows:
 * after PAGING_BUDGET_MS spent in spans that gave no row, the page ends
 * with what it has and, as next, the end of what was read.
 */
int
paging_span(struct api_req *req, struct paging *pg, sqlite3_stmt *stmt,
    int idx, int64_t from, int64_t to)
{
	const json_int_t tail[2] = { INT64_MAX, to };

	return (paging_ranges(req, pg, stmt, idx, from - 1, to - 1,
	    PAGING_SPAN, 1, tail, 2));
}

/* The number to bind as the statement's LIMIT. */
int64_t
paging_limit(const struct paging *pg)
{
	return (pg->limit + 1);
}

const char *
paging_text(const struct paging *pg, size_t i)
{
	return (json_string_value(json_array_get(pg->key, i + 1)));
}

static void
paging_end(struct paging *pg)
{
	json_decref(pg->key);
	pg->key = NULL;
}
