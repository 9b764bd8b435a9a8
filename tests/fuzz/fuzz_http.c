/*
 * Fuzz target for the request parser both doors share (request.c): the
 * input is what a client sends on one connection, any number of pipelined
 * requests, each head followed by the body its Content-Length announces.
 * The heads are read twice, all at once and as if they arrived a byte at a
 * time; both must take the same requests, and refuse at the same point
 * with the same status. Every request taken has a path; every refusal has
 * a status the doors document and a sentence. The path and query of each
 * request taken are read as the public pages read them (pages_key()):
 * a cache key that reads back as itself, a refusal with a sentence, or
 * no page.
 *
 * Built with libFuzzer under --enable-fuzzing; otherwise replay.c gives it
 * a main() that replays the corpus, so `make check` keeps it honest.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "kursusd.h"
#include "server.h"

int	LLVMFuzzerTestOneInput(const unsigned char *, size_t);

#define FUZZ_MAX	64	/* requests compared */

struct fuzz_step {
	int	 r;
	size_t	 head_len;
	int	 status;
};

static void
fuzz_check(int r, const struct request *rq, size_t len)
{
	if (r == 1) {
		if (rq->head_len == 0 || rq->head_len > len ||
		    rq->head_len > REQUEST_HEAD_MAX || rq->status != 0 ||
		    (rq->path != NULL && rq->path[0] != '/') ||
		    rq->content_length < -1 ||
		    (rq->transfer_encoding && rq->content_length >= 0))
			abort();
		return;
	}
	if (r == -1) {
		switch (rq->status) {
		case 400: case 414: case 417: case 431: case 505:
			break;
		default:
			abort();
		}
		if (rq->why[0] == '\0' ||
		    memchr(rq->why, '\0', sizeof rq->why) == NULL)
			abort();
		return;
	}
	if (r != 0)
		abort();
}

/* A request's path and query as a public page's (feedkind.c). */
static void
fuzz_page(const struct request *rq)
{
	char		*key, *key2, *why, *q;
	int		 flags, flags2, r;

	if (rq->path == NULL)
		return;
	r = pages_key(rq->path, rq->query, &key, &flags, &why);
	if (r == 1) {
		if (key != NULL || why != NULL)
			abort();
		return;
	}
	if (r == -1) {
		if (key != NULL || why == NULL || *why == '\0')
			abort();
		free(why);
		return;
	}
	if (r != 0 || key == NULL || key[0] != '/' || why != NULL ||
	    strlen(key) > 200)
		abort();
	/* The cache key is a page's path and query too: itself again. */
	if ((q = strchr(key, '?')) != NULL)
		*q++ = '\0';
	if (pages_key(key, q, &key2, &flags2, &why) != 0 || flags2 != flags)
		abort();
	if (q != NULL)
		q[-1] = '?';
	if (strcmp(key, key2) != 0)
		abort();
	free(key);
	free(key2);
}

/* The bytes a request takes: its head and the body it announces. */
static size_t
fuzz_taken(const struct request *rq, size_t left)
{
	size_t	 body = rq->content_length > 0 ?
		    (size_t)rq->content_length : 0;

	return (rq->head_len + (body > left - rq->head_len ?
	    left - rq->head_len : body));
}

/* All at once: the steps until the input ends or is refused. */
static size_t
fuzz_whole(const unsigned char *data, size_t size, struct fuzz_step *st)
{
	struct request_scan	 scan;
	struct request	 rq;
	char			*buf = malloc(size > 0 ? size : 1);
	size_t			 off = 0, n = 0;
	int			 r;

	if (buf == NULL)
		abort();
	memcpy(buf, data, size);
	memset(&scan, 0, sizeof scan);
	while (n < FUZZ_MAX) {
		r = request_parse(buf + off, size - off, &scan, &rq);
		fuzz_check(r, &rq, size - off);
		if (r == 1)
			fuzz_page(&rq);
		st[n].r = r;
		st[n].head_len = rq.head_len;
		st[n].status = rq.status;
		n++;
		if (r != 1)
			break;
		off += fuzz_taken(&rq, size - off);
		memset(&scan, 0, sizeof scan);
	}
	free(buf);
	return (n);
}

/* A byte at a time, the scan kept between calls, as a slow client. */
static void
fuzz_bytewise(const unsigned char *data, size_t size,
    const struct fuzz_step *st, size_t nst)
{
	struct request_scan	 scan;
	struct request	 rq;
	char			*buf = malloc(size > 0 ? size : 1);
	size_t			 off = 0, len, n = 0;
	int			 r = 0;

	if (buf == NULL)
		abort();
	memcpy(buf, data, size);
	memset(&scan, 0, sizeof scan);
	for (len = 0; len <= size && n < nst; len++) {
		if (len <= off)
			continue;
		r = request_parse(buf + off, len - off, &scan, &rq);
		fuzz_check(r, &rq, len - off);
		if (r == 0)
			continue;
		if (r != st[n].r || rq.status != st[n].status ||
		    (r == 1 && rq.head_len != st[n].head_len))
			abort();
		n++;
		if (r != 1)
			break;
		off += fuzz_taken(&rq, size - off);
		memset(&scan, 0, sizeof scan);
	}
	/* What the whole input left unfinished is unfinished here too. */
	if (n < nst && !(n == nst - 1 && st[n].r == 0))
		abort();
	free(buf);
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct fuzz_step	 st[FUZZ_MAX];
	size_t			 n;

	if (size > 4 * REQUEST_HEAD_MAX)
		return (0);
	n = fuzz_whole(data, size, st);
	fuzz_bytewise(data, size, st, n);
	return (0);
}
