/*
 * The HTTP/1.1 request head parser both doors share (server.c reads the
 * bytes, public.c and admin.c answer). No I/O and no allocation, so that
 * the fuzz target can drive it alone: it finds the end of a head within
 * the limits, then reads the request line and the header fields it knows,
 * refusing what is malformed or ambiguous with a status and one sentence.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kursusd.h"
#include "server.h"

static const struct {
	const char	*name;
	int		 method;
} request_methods[] = {
	{ "GET", API_GET }, { "HEAD", API_HEAD },
	{ "POST", API_POST }, { "PUT", API_PUT },
	{ "PATCH", API_PATCH }, { "DELETE", API_DELETE },
};

/*
 * What each byte may be, looked up rather than tested: the parser reads
 * every byte of every request, and a table is a load where strchr() was
 * a call for each '-' of a header name.
 */
#define RQ_TCHAR	1	/* tchar (RFC 9110 5.6.2): methods, field names */
#define RQ_VCHAR	2	/* visible, or obs-text: targets and values */
#define RQ_SP		4	/* ' ' */
#define RQ_HT		8	/* '\t' */
static const unsigned char request_class[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	4, 3, 2, 3, 3, 3, 3, 3, 2, 2, 3, 3, 2, 3, 3, 2,
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2,
	2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 2, 2, 2, 3, 3,
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 2, 3, 2, 3, 0,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
};

/* The length of the bytes at p[0, len) all of class mask. */
static size_t
request_span(const char *p, size_t len, int mask)
{
	size_t	 i;

	for (i = 0; i < len && (request_class[(unsigned char)p[i]] & mask);
	    i++)
		;
	return (i);
}

static int
request_refused(struct request *rq, int status, const char *why)
{
	rq->status = status;
	snprintf(rq->why, sizeof rq->why, "%s", why);
	return (-1);
}

/* The tokens of a Connection header: close, keep-alive. */
static void
request_connection_tokens(const char *v, struct request *rq)
{
	size_t	 len;

	while (*v != '\0') {
		v += strspn(v, " \t,");
		len = strcspn(v, ",");
		while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
			len--;
		if (len == 5 && strncasecmp(v, "close", 5) == 0)
			rq->conn_close = 1;
		else if (len == 10 && strncasecmp(v, "keep-alive", 10) == 0)
			rq->conn_keep_alive = 1;
		v += strcspn(v, ",");
	}
}

static int
request_content_length(struct request *rq, const char *value)
{
	const char		*p;
	unsigned long long	 cl = 0;

	if (*value == '\0')
		return (request_refused(rq, 400, "Content-Length is empty"));
	for (p = value; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return (request_refused(rq, 400, "Content-Length is not "
			    "a number"));
		if (cl < 1000000000000ULL)
			cl = cl * 10 + (unsigned long long)(*p - '0');
	}
	/* Two different lengths are how requests are smuggled. */
	if (rq->content_length >= 0 &&
	    (unsigned long long)rq->content_length != cl)
		return (request_refused(rq, 400, "two different Content-Length "
		    "values"));
	rq->content_length = (long long)cl;
	return (0);
}

/* Takes one header field; value is NUL-terminated and trimmed. */
static int
request_field(struct request *rq, const char *name, size_t nlen,
    const char *value)
{
#define IS(s)	(nlen == sizeof(s) - 1 && strncasecmp(name, s, nlen) == 0)
	if (IS("Host")) {
		if (rq->hosts++ > 0)
			return (request_refused(rq, 400, "more than one Host "
			    "header"));
	} else if (IS("Connection"))
		request_connection_tokens(value, rq);
	else if (IS("Accept-Encoding")) {
		if (rq->nae < REQUEST_REPEAT)
			rq->ae[rq->nae++] = value;
	} else if (IS("If-None-Match")) {
		if (rq->ninm < REQUEST_REPEAT)
			rq->inm[rq->ninm++] = value;
	} else if (IS("If-Modified-Since")) {
		if (rq->ims == NULL)
			rq->ims = value;
	} else if (IS("Authorization")) {
		if (rq->authorization != NULL)
			return (request_refused(rq, 400, "more than one "
			    "Authorization header"));
		rq->authorization = value;
	} else if (IS("Content-Type")) {
		if (rq->content_type != NULL)
			return (request_refused(rq, 400, "more than one "
			    "Content-Type header"));
		rq->content_type = value;
	} else if (IS("Origin")) {
		if (rq->origin != NULL)
			return (request_refused(rq, 400, "more than one "
			    "Origin header"));
		rq->origin = value;
	} else if (IS("Sec-Fetch-Site")) {
		if (rq->fetch_site != NULL)
			return (request_refused(rq, 400, "more than one "
			    "Sec-Fetch-Site header"));
		rq->fetch_site = value;
	} else if (IS("X-Kursus-Timestamp")) {
		if (rq->stamp != NULL)
			return (request_refused(rq, 400, "more than one "
			    "X-Kursus-Timestamp header"));
		rq->stamp = value;
	} else if (IS("X-Kursus-Signature")) {
		if (rq->signature != NULL)
			return (request_refused(rq, 400, "more than one "
			    "X-Kursus-Signature header"));
		rq->signature = value;
	} else if (IS("Content-Length"))
		return (request_content_length(rq, value));
	else if (IS("Transfer-Encoding"))
		rq->transfer_encoding = 1;
	else if (IS("Expect")) {
		if (strcasecmp(value, "100-continue") != 0)
			return (request_refused(rq, 417, "Expect: only "
			    "100-continue is understood"));
		rq->expect_continue = 1;
	}
#undef IS
	return (0);
}

/*
 * The request line: METHOD SP request-target SP HTTP/1.x, in line[0, len),
 * which the caller has checked for length. Sets the method, the path and
 * query (NUL-terminated in place) and the version.
 */
static int
request_line(char *line, size_t len, struct request *rq)
{
	char	*sp1, *sp2, *target, *path, *v, *end;
	size_t	 i, tlen;

	if (request_span(line, len, RQ_VCHAR | RQ_SP) != len)
		return (request_refused(rq, 400, "the request line "
		    "holds a control character"));
	if ((sp1 = memchr(line, ' ', len)) == NULL || sp1 == line ||
	    (sp2 = memchr(sp1 + 1, ' ', len - (size_t)(sp1 + 1 - line))) ==
	    NULL || sp2 == sp1 + 1)
		return (request_refused(rq, 400, "malformed request line: "
		    "expected METHOD /path HTTP/1.1"));
	if (request_span(line, (size_t)(sp1 - line), RQ_TCHAR) !=
	    (size_t)(sp1 - line))
		return (request_refused(rq, 400, "malformed request "
		    "line: the method is not a token"));
	rq->method_name = line;
	rq->method_len = (size_t)(sp1 - line);
	rq->method = 0;
	for (i = 0; i < sizeof request_methods / sizeof request_methods[0];
	    i++) {
		if (rq->method_len == strlen(request_methods[i].name) &&
		    memcmp(line, request_methods[i].name, rq->method_len) == 0)
			rq->method = request_methods[i].method;
	}

	v = sp2 + 1;
	end = line + len;
	if (end - v != 8 || memcmp(v, "HTTP/", 5) != 0 || v[5] < '0' ||
	    v[5] > '9' || v[6] != '.' || v[7] < '0' || v[7] > '9')
		return (request_refused(rq, 400, "malformed request line: "
		    "expected METHOD /path HTTP/1.1"));
	if (v[5] != '1') {
		rq->status = 505;
		snprintf(rq->why, sizeof rq->why, "HTTP/%c.%c is not "
		    "supported: kursusd speaks HTTP/1.1 and 1.0", v[5], v[7]);
		return (-1);
	}
	rq->http10 = v[7] == '0';

	target = sp1 + 1;
	tlen = (size_t)(sp2 - target);
	*sp2 = '\0';
	path = NULL;	/* refused once the method is known */
	if (*target == '/')
		path = target;
	else if ((tlen > 7 && strncasecmp(target, "http://", 7) == 0) ||
	    (tlen > 8 && strncasecmp(target, "https://", 8) == 0)) {
		/* absolute-form: the path follows the authority */
		v = strchr(target, ':') + 3;
		if ((path = strchr(v, '/')) == NULL)
			rq->path = "/";
	}
	if (path != NULL) {
		/* the path ends at the query or the fragment */
		for (v = path; *v != '\0' && *v != '?' && *v != '#'; v++)
			;
		if (*v == '?') {
			*v++ = '\0';
			rq->query = v;
			v += strcspn(v, "#");
		}
		*v = '\0';
		rq->path = path;
	}
	return (0);
}

/*
 * Reads one request head from buf[0, len): 1 when it is whole (rq filled,
 * rq->head_len bytes taken), 0 when more bytes are needed (scan says how
 * far it looked; keep it for the next call on the same bytes), -1 when it
 * is refused (rq->status and rq->why). Only a whole head is written to: its
 * path, query and header values are NUL-terminated in place. Which methods
 * a door answers, and whether it takes a body, is the door's to say.
 */
int
request_parse(char *buf, size_t len, struct request_scan *scan,
    struct request *rq)
{
	char	*nl, *line, *colon, *value, *vend;
	size_t	 pos = scan->pos, llen, eff, end;
	int	 n;

	memset(rq, 0, sizeof *rq);
	rq->content_length = -1;
	/* First find the end of the head, checking the limits. */
	for (;;) {
		nl = memchr(buf + pos, '\n', len - pos);
		if (nl == NULL) {
			/* (+ 1: the line's CR may be there already) */
			if (!scan->started && len - pos > REQUEST_LINE_MAX + 1)
				goto long_line;
			if (len > REQUEST_HEAD_MAX)
				goto long_head;
			scan->pos = pos;
			return (0);
		}
		llen = (size_t)(nl - (buf + pos));
		eff = llen > 0 && buf[pos + llen - 1] == '\r' ? llen - 1 : llen;
		if (!scan->started) {
			if (eff > REQUEST_LINE_MAX)
				goto long_line;
			if (eff > 0) {
				/* blank lines before the request line are
				 * skipped (RFC 9112 2.2) */
				scan->started = 1;
				scan->start = pos;
			}
		} else if (eff == 0) {
			end = pos + llen + 1;
			break;
		} else if (++scan->fields > REQUEST_FIELDS_MAX) {
			snprintf(rq->why, sizeof rq->why, "the request has "
			    "more than %d header lines", REQUEST_FIELDS_MAX);
			rq->status = 431;
			return (-1);
		}
		pos += llen + 1;
		if (pos > REQUEST_HEAD_MAX)
			goto long_head;
	}
	if (end > REQUEST_HEAD_MAX)
		goto long_head;
	rq->head_len = end;

	/* Then read it. */
	line = buf + scan->start;
	nl = memchr(line, '\n', end - scan->start);
	llen = (size_t)(nl - line);
	eff = llen > 0 && line[llen - 1] == '\r' ? llen - 1 : llen;
	if (request_line(line, eff, rq) != 0)
		return (-1);
	for (n = 1, line = nl + 1; line < buf + end; line = nl + 1, n++) {
		nl = memchr(line, '\n', (size_t)(buf + end - line));
		llen = (size_t)(nl - line);
		eff = llen > 0 && line[llen - 1] == '\r' ? llen - 1 : llen;
		if (eff == 0)
			break;
		if (*line == ' ' || *line == '\t') {
			snprintf(rq->why, sizeof rq->why, "header line %d is "
			    "folded onto the line before; that is not "
			    "accepted", n);
			rq->status = 400;
			return (-1);
		}
		colon = memchr(line, ':', eff);
		if (colon == NULL || colon == line ||
		    request_span(line, (size_t)(colon - line), RQ_TCHAR) !=
		    (size_t)(colon - line)) {
			snprintf(rq->why, sizeof rq->why, "malformed header "
			    "line %d: expected Name: value", n);
			rq->status = 400;
			return (-1);
		}
		value = colon + 1;
		vend = line + eff;
		while (value < vend && (*value == ' ' || *value == '\t'))
			value++;
		while (vend > value && (vend[-1] == ' ' || vend[-1] == '\t'))
			vend--;
		if (request_span(value, (size_t)(vend - value),
		    RQ_VCHAR | RQ_SP | RQ_HT) != (size_t)(vend - value)) {
			snprintf(rq->why, sizeof rq->why, "header line "
			    "%d holds a control character", n);
			rq->status = 400;
			return (-1);
		}
		*vend = '\0';
		if (request_field(rq, line, (size_t)(colon - line), value) != 0)
			return (-1);
	}

	if (!rq->http10 && rq->hosts == 0)
		return (request_refused(rq, 400, "an HTTP/1.1 request needs a "
		    "Host header"));
	if (rq->transfer_encoding && rq->content_length >= 0)
		return (request_refused(rq, 400, "both Transfer-Encoding and "
		    "Content-Length"));
	rq->close = rq->http10 ? !rq->conn_keep_alive : rq->conn_close;
	return (1);

long_line:
	rq->status = 414;
	snprintf(rq->why, sizeof rq->why, "the request line is longer than "
	    "%d bytes", REQUEST_LINE_MAX);
	return (-1);
long_head:
	rq->status = 431;
	snprintf(rq->why, sizeof rq->why, "the request head is larger than "
	    "%d bytes", REQUEST_HEAD_MAX);
	return (-1);
}

/* The name of a method, for messages and logs. */
const char *
request_method_name(int method)
{
	size_t	 i;

	for (i = 0; i < sizeof request_methods / sizeof request_methods[0];
	    i++) {
		if (request_methods[i].method == method)
			return (request_methods[i].name);
	}
	return ("?");
}

/* The reason phrase of a status. */
const char *
request_reason(int status)
{
	switch (status) {
	case 100:	return ("Continue");
	case 200:	return ("OK");
	case 201:	return ("Created");
	case 204:	return ("No Content");
	case 304:	return ("Not Modified");
	case 400:	return ("Bad Request");
	case 401:	return ("Unauthorized");
	case 403:	return ("Forbidden");
	case 404:	return ("Not Found");
	case 405:	return ("Method Not Allowed");
	case 408:	return ("Request Timeout");
	case 409:	return ("Conflict");
	case 411:	return ("Length Required");
	case 413:	return ("Content Too Large");
	case 414:	return ("URI Too Long");
	case 417:	return ("Expectation Failed");
	case 422:	return ("Unprocessable Content");
	case 429:	return ("Too Many Requests");
	case 431:	return ("Request Header Fields Too Large");
	case 500:	return ("Internal Server Error");
	case 501:	return ("Not Implemented");
	case 503:	return ("Service Unavailable");
	case 505:	return ("HTTP Version Not Supported");
	case 507:	return ("Insufficient Storage");
	}
	return ("Error");
}
