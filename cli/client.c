#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "buf.h"
#include "conv.h"
#include "kursusctl.h"

/*
 * Answers larger than this are not something kursusd sends; stop reading
 * rather than fill memory if the URL points at something else.
 */
#define CLIENT_MAX_ANSWER	(256 * 1024 * 1024)

struct client {
	CURL		*curl;
	char		*socket;	/* unix socket path, or NULL */
	char		*base;		/* "http://localhost" or the TCP URL */
	char		*auth;		/* "Authorization: Bearer ..." or NULL */
	char		*cacert;	/* verifies https://; NULL: the system's */
	char		*where;		/* for messages */
};

struct client_answer {
	struct buf	 b;
	int		 too_big;
	char		 reason[128];	/* reason phrase of the status line */
	char		 api[32];	/* X-Kursus-API value */
	int		 has_api;
	/* A 2xx answer of type goes to fd, not into b (fd -1: none). */
	CURL		*curl;
	int		 fd;
	const char	*type;
	int		 to_file;	/* -1 not known yet, 0 no, 1 yes */
	long long	 written;
	int		 write_errno;
};

/* Wipes a secret before freeing it, so the token does not linger. */
static void
client_burn(char *s)
{
	if (s == NULL)
		return;
#ifdef HAVE_EXPLICIT_BZERO
	explicit_bzero(s, strlen(s));
#else
	{
		volatile char	*v = s;

		while (*v != '\0')
			*v++ = '\0';
	}
#endif
	free(s);
}

struct client *
client_new(const char *socket, const char *url, const char *token,
    const char *cacert)
{
	struct client	*c;
	size_t		 len;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		fatalx("curl_global_init failed");
	c = xcalloc(1, sizeof *c);
	if ((c->curl = curl_easy_init()) == NULL)
		fatalx("curl_easy_init failed");
	if (url != NULL) {
		c->base = xstrdup(url);
		/* "http://host:8081/" and "http://host:8081" mean the same. */
		len = strlen(c->base);
		while (len > 0 && c->base[len - 1] == '/')
			c->base[--len] = '\0';
		c->where = xstrdup(c->base);
		if (token != NULL)
			xasprintf(&c->auth, "Authorization: Bearer %s", token);
		if (cacert != NULL)
			c->cacert = xstrdup(cacert);
	} else {
		c->socket = xstrdup(socket);
		/* The host part is ignored on a unix socket. */
		c->base = xstrdup("http://localhost");
		c->where = xstrdup(socket);
	}
	return (c);
}

void
client_free(struct client *c)
{
	if (c == NULL)
		return;
	if (c->curl != NULL)
		curl_easy_cleanup(c->curl);
	free(c->socket);
	free(c->base);
	free(c->cacert);
	client_burn(c->auth);
	free(c->where);
	free(c);
	curl_global_cleanup();
}

const char *
client_where(struct client *c)
{
	return (c->where);
}

int
client_read_token(const char *path, char **token, char **cause)
{
	FILE	*f;
	char	 line[1024];
	size_t	 len;

	if ((f = fopen(path, "r")) == NULL) {
		xasprintf(cause, _("cannot read token file %s: %s"), path,
		    strerror(errno));
		return (-1);
	}
	if (fgets(line, sizeof line, f) == NULL)
		line[0] = '\0';
	fclose(f);
	len = strlen(line);
	while (len > 0 && isspace((unsigned char)line[len - 1]))
		line[--len] = '\0';
	if (len == 0) {
		xasprintf(cause, _("token file %s is empty"), path);
		return (-1);
	}
	*token = xstrdup(line);
#ifdef HAVE_EXPLICIT_BZERO
	explicit_bzero(line, sizeof line);
#endif
	return (0);
}

char *
client_escape(const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const unsigned char	*p;
	char			*out, *o;

	/* Unreserved characters (RFC 3986) pass, everything else is %XX. */
	o = out = xmalloc(strlen(s) * 3 + 1);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (isalnum(*p) || *p == '-' || *p == '.' || *p == '_' ||
		    *p == '~')
			*o++ = *p;
		else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 0xf];
		}
	}
	*o = '\0';
	return (out);
}

/* Whether the answer whose body begins is the file that was asked for. */
static int
client_is_file(struct client_answer *a)
{
	long	 status = 0;
	char	*type = NULL;
	size_t	 n = strlen(a->type);

	curl_easy_getinfo(a->curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(a->curl, CURLINFO_CONTENT_TYPE, &type);
	return (a->has_api && status >= 200 && status <= 299 && type != NULL &&
	    strncasecmp(type, a->type, n) == 0 && (type[n] == '\0' ||
	    type[n] == ';' || type[n] == ' '));
}

/* Writes a piece of the file asked for; 0 (curl stops) when it cannot. */
static size_t
client_write_file(struct client_answer *a, const char *data, size_t len)
{
	size_t	 done = 0;
	ssize_t	 w;

	while (done < len) {
		if ((w = write(a->fd, data + done, len - done)) == -1) {
			if (errno == EINTR)
				continue;
			a->write_errno = errno;
			return (0);
		}
		done += (size_t)w;
	}
	a->written += (long long)len;
	return (len);
}

static size_t
client_write_cb(char *data, size_t size, size_t n, void *arg)
{
	struct client_answer	*a = arg;
	size_t			 len = size * n;

	if (a->fd != -1 && a->to_file == -1)
		a->to_file = client_is_file(a);
	if (a->to_file == 1)
		return (client_write_file(a, data, len));
	if (a->b.len + len > CLIENT_MAX_ANSWER) {
		a->too_big = 1;
		return (0);
	}
	buf_add(&a->b, data, len);
	return (len);
}

/* Copies a header value, without surrounding space, into dst. */
static void
client_header_value(char *dst, size_t dstlen, const char *v, size_t len)
{
	while (len > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)v[len - 1]))
		len--;
	if (len >= dstlen)
		len = dstlen - 1;
	memcpy(dst, v, len);
	dst[len] = '\0';
}

static size_t
client_header_cb(char *data, size_t size, size_t n, void *arg)
{
	struct client_answer	*a = arg;
	size_t			 len = size * n, hlen;
	const char		*p;

	if (len > 5 && strncmp(data, "HTTP/", 5) == 0) {
		/* A new status line (after a 100 Continue, say) starts over. */
		a->has_api = 0;
		a->reason[0] = '\0';
		/* "HTTP/1.1 404 Not Found": the reason follows the code. */
		if ((p = memchr(data, ' ', len)) != NULL &&
		    (p = memchr(p + 1, ' ', len - (p + 1 - data))) != NULL)
			client_header_value(a->reason, sizeof a->reason, p,
			    len - (p - data));
		return (len);
	}
	hlen = strlen(KURSUS_API_HEADER);
	if (len > hlen && data[hlen] == ':' &&
	    strncasecmp(data, KURSUS_API_HEADER, hlen) == 0) {
		client_header_value(a->api, sizeof a->api, data + hlen + 1,
		    len - hlen - 1);
		a->has_api = 1;
	}
	return (len);
}

/* Appends "?k=v&k=v" for the scalar members of query to *url. */
static void
client_query(char **url, json_t *query)
{
	const char	*key;
	json_t		*v;
	char		*val, *ek, *ev, *next;
	char		 sep = '?';

	json_object_foreach(query, key, v) {
		if (json_is_string(v))
			val = xstrdup(json_string_value(v));
		else if (json_is_integer(v))
			xasprintf(&val, "%" JSON_INTEGER_FORMAT,
			    json_integer_value(v));
		else if (json_is_true(v))
			val = xstrdup("true");
		else if (json_is_false(v))
			val = xstrdup("false");
		else
			continue;
		ek = client_escape(key);
		ev = client_escape(val);
		xasprintf(&next, "%s%c%s=%s", *url, sep, ek, ev);
		free(*url);
		*url = next;
		sep = '&';
		free(ek);
		free(ev);
		free(val);
	}
}

/*
 * The daemon's sentence in the user's language: its "msgid" translated by
 * the catalogue, with the "args" put into the translation's conversions;
 * NULL when there is no translation or it does not fit the args.
 */
static char *
client_translated(json_t *j)
{
	json_t		*id = json_object_get(j, "msgid");
	json_t		*args = json_object_get(j, "args"), *v;
	const char	*tr, **texts;
	char		*msg;
	size_t		 i, n;

	if (!json_is_string(id) || !json_is_array(args) ||
	    *json_string_value(id) == '\0')
		return (NULL);
	tr = _(json_string_value(id));
	if (strcmp(tr, json_string_value(id)) == 0)
		return (NULL);
	n = json_array_size(args);
	texts = xcalloc(n + 1, sizeof *texts);
	json_array_foreach(args, i, v) {
		if (!json_is_string(v)) {
			free(texts);
			return (NULL);
		}
		texts[i] = json_string_value(v);
	}
	msg = conv_fill(tr, texts, (int)n);
	free(texts);
	return (msg);
}

/* Turns a refusal into the one line the user sees. */
static char *
client_refusal(long status, struct client_answer *a)
{
	json_t		*j, *e, *f;
	char		*msg, *said;

	j = a->b.data == NULL ? NULL : json_loads(a->b.data, 0, NULL);
	e = json_object_get(j, "error");
	f = json_object_get(j, "field");
	if (json_is_string(e)) {
		if ((said = client_translated(j)) == NULL)
			said = xstrdup(json_string_value(e));
		if (json_is_string(f) && *json_string_value(f) != '\0')
			xasprintf(&msg, _("%s (field: %s)"), said,
			    json_string_value(f));
		else
			msg = xstrdup(said);
		free(said);
	} else if (a->reason[0] != '\0')
		xasprintf(&msg, "HTTP %ld %s", status, a->reason);
	else
		xasprintf(&msg, "HTTP %ld", status);
	json_decref(j);
	return (msg);
}

/*
 * The one line for a TLS failure (1), or 0 when rc is none: a certificate
 * not trusted or not naming the host, a handshake that failed.
 */
static int
client_tls_failed(struct client *c, CURLcode rc, const char *errbuf,
    char **cause)
{
	const char	*why = errbuf[0] != '\0' ? errbuf :
			    curl_easy_strerror(rc);

	switch (rc) {
	case CURLE_PEER_FAILED_VERIFICATION:
		if (c->cacert == NULL && (strstr(why, "issuer") != NULL ||
		    strstr(why, "self-signed") != NULL ||
		    strstr(why, "self signed") != NULL))
			xasprintf(cause, _("kursusd at %s: its certificate is "
			    "not trusted (%s); name the CA that signed it with "
			    "--cacert FILE or [admin] tls_cacert"), c->where,
			    why);
		else
			xasprintf(cause, _("kursusd at %s: its certificate is "
			    "not accepted (%s)"), c->where, why);
		return (1);
	case CURLE_SSL_CONNECT_ERROR:
		xasprintf(cause, _("cannot reach kursusd at %s: the TLS "
		    "handshake failed (%s)"), c->where, why);
		return (1);
	case CURLE_SSL_CACERT_BADFILE:
		xasprintf(cause, _("cannot use the CA certificate %s: %s"),
		    c->cacert != NULL ? c->cacert : "of the system", why);
		return (1);
	default:
		return (0);
	}
}

/*
 * Sends the request: a body of type (data, len), or none with type NULL.
 * The answer lands in a (set up by the caller: a->fd and a->type for a
 * file). Returns 0 for a 2xx answer of the admin API, else an exit code
 * with *cause.
 */
static int
client_exchange(struct client *c, const char *method, const char *path,
    json_t *query, const char *type, const char *data, size_t len,
    struct client_answer *a, char **cause)
{
	struct curl_slist	*hdr = NULL;
	char			 errbuf[CURL_ERROR_SIZE];
	char			*url, *ct;
	CURLcode		 rc;
	long			 status = 0, oserr = 0;

	*cause = NULL;
	errbuf[0] = '\0';
	a->curl = c->curl;

	xasprintf(&url, "%s%s", c->base, path);
	if (query != NULL)
		client_query(&url, query);

	curl_easy_reset(c->curl);
	curl_easy_setopt(c->curl, CURLOPT_URL, url);
	if (c->socket != NULL)
		curl_easy_setopt(c->curl, CURLOPT_UNIX_SOCKET_PATH, c->socket);
	/*
	 * The admin API is local, and a proxy from the environment would see
	 * the bearer token; never use one.
	 */
	curl_easy_setopt(c->curl, CURLOPT_PROXY, "");
	curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT, 10L);
	if (a->fd == -1)
		curl_easy_setopt(c->curl, CURLOPT_TIMEOUT, 120L);
	else {
		/*
		 * A file takes as long as it takes, but kursusd makes it
		 * first: give up only when nothing comes for ten minutes.
		 */
		curl_easy_setopt(c->curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
		curl_easy_setopt(c->curl, CURLOPT_LOW_SPEED_TIME, 600L);
	}
	curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c->curl, CURLOPT_USERAGENT,
	    "kursusctl/" PACKAGE_VERSION);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, client_write_cb);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, a);
	curl_easy_setopt(c->curl, CURLOPT_HEADERFUNCTION, client_header_cb);
	curl_easy_setopt(c->curl, CURLOPT_HEADERDATA, a);
	/* Redirects would carry the token somewhere else. */
	curl_easy_setopt(c->curl, CURLOPT_FOLLOWLOCATION, 0L);
	/*
	 * https://: the certificate must chain to a CA trusted here and name
	 * the host of the URL; TLS 1.2 at least, as kursusd speaks; HTTP/1.1,
	 * the daemon's only version.
	 */
	curl_easy_setopt(c->curl, CURLOPT_HTTP_VERSION,
	    (long)CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(c->curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c->curl, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c->curl, CURLOPT_SSLVERSION,
	    (long)CURL_SSLVERSION_TLSv1_2);
	if (c->cacert != NULL) {
		/* Only these: not also the system's directory of CAs. */
		curl_easy_setopt(c->curl, CURLOPT_CAINFO, c->cacert);
		curl_easy_setopt(c->curl, CURLOPT_CAPATH, NULL);
	}

	if (a->fd != -1) {
		xasprintf(&ct, "Accept: %s, application/json", a->type);
		hdr = curl_slist_append(hdr, ct);
		free(ct);
	} else
		hdr = curl_slist_append(hdr, "Accept: application/json");
	/*
	 * A body gains nothing from a 100-continue round trip: the daemon
	 * reads at most 4 MiB, and refuses more before reading it.
	 */
	hdr = curl_slist_append(hdr, "Expect:");
	if (c->auth != NULL)
		hdr = curl_slist_append(hdr, c->auth);
	if (type != NULL) {
		xasprintf(&ct, "Content-Type: %s", type);
		hdr = curl_slist_append(hdr, ct);
		free(ct);
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, data);
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)len);
	}
	if (strcmp(method, "GET") != 0)
		curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, method);
	else
		curl_easy_setopt(c->curl, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, hdr);

	rc = curl_easy_perform(c->curl);
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(hdr);
	free(url);

	if (rc != CURLE_OK && a->too_big) {
		xasprintf(cause, _("answer from %s is too large"), c->where);
		return (KCTL_EXIT_PROTOCOL);
	}
	if (rc != CURLE_OK && a->write_errno != 0) {
		xasprintf(cause, _("cannot write what kursusd at %s sent: %s"),
		    c->where, strerror(a->write_errno));
		return (KCTL_EXIT_CANTCREAT);
	}
	if (rc != CURLE_OK && client_tls_failed(c, rc, errbuf, cause))
		return (KCTL_EXIT_UNAVAILABLE);
	if (rc != CURLE_OK) {
		/*
		 * On a unix socket curl's own words name "localhost port 80";
		 * the system's reason (ENOENT, ECONNREFUSED, EACCES) says
		 * what is wrong.
		 */
		curl_easy_getinfo(c->curl, CURLINFO_OS_ERRNO, &oserr);
		if (status == 0 && oserr != 0)
			xasprintf(cause, _("cannot reach kursusd at %s: %s"),
			    c->where, strerror((int)oserr));
		else if (status == 0)
			xasprintf(cause, _("cannot reach kursusd at %s: %s"),
			    c->where, errbuf[0] != '\0' ? errbuf :
			    curl_easy_strerror(rc));
		else
			xasprintf(cause, _("connection to kursusd at %s "
			    "failed: %s"), c->where, errbuf[0] != '\0' ?
			    errbuf : curl_easy_strerror(rc));
		return (KCTL_EXIT_UNAVAILABLE);
	}

	if (a->has_api && strcmp(a->api, "1") != 0) {
		xasprintf(cause, _("kursusd at %s speaks admin API version "
		    "%s; this kursusctl speaks version %d"), c->where, a->api,
		    KURSUS_API_VERSION);
		return (KCTL_EXIT_PROTOCOL);
	}
	if (status < 200 || status > 299) {
		*cause = client_refusal(status, a);
		return (status >= 500 ? KCTL_EXIT_UNAVAILABLE :
		    KCTL_EXIT_REFUSED);
	}
	if (!a->has_api) {
		/* Something answered, but not kursusd's admin API. */
		xasprintf(cause, _("%s is not a kursusd admin API (no %s "
		    "header in the answer)"), c->where, KURSUS_API_HEADER);
		return (KCTL_EXIT_PROTOCOL);
	}
	return (KCTL_EXIT_OK);
}

/* client_exchange() with a JSON object for an answer. */
static int
client_perform(struct client *c, const char *method, const char *path,
    json_t *query, const char *type, const char *data, size_t len,
    json_t **answer, char **cause)
{
	struct client_answer	 a;
	json_error_t		 jerr;
	int			 ret;

	*answer = NULL;
	memset(&a, 0, sizeof a);
	a.fd = -1;
	if ((ret = client_exchange(c, method, path, query, type, data, len,
	    &a, cause)) != 0)
		goto out;
	*answer = json_loadb(a.b.data == NULL ? "" : a.b.data, a.b.len, 0,
	    &jerr);
	if (*answer == NULL || !json_is_object(*answer)) {
		json_decref(*answer);
		*answer = NULL;
		xasprintf(cause, _("kursusd at %s sent an answer that is not a "
		    "JSON object"), c->where);
		ret = KCTL_EXIT_PROTOCOL;
		goto out;
	}
	ret = KCTL_EXIT_OK;
out:
	buf_free(&a.b);
	return (ret);
}

int
client_call(struct client *c, const char *method, const char *path,
    json_t *query, json_t *body, json_t **answer, char **cause)
{
	char	*data = NULL;
	int	 ret;

	if (body != NULL && (data = json_dumps(body, JSON_COMPACT)) == NULL)
		fatalx("json_dumps failed");
	ret = client_perform(c, method, path, query, body != NULL ?
	    "application/json" : NULL, data, data != NULL ? strlen(data) : 0,
	    answer, cause);
	free(data);
	return (ret);
}

int
client_send_file(struct client *c, const char *method, const char *path,
    json_t *query, const char *type, const char *data, size_t len,
    json_t **answer, char **cause)
{
	return (client_perform(c, method, path, query, type, data, len,
	    answer, cause));
}

int
client_get_file(struct client *c, const char *path, const char *type,
    int fd, long long *len, char **cause)
{
	struct client_answer	 a;
	int			 ret;

	memset(&a, 0, sizeof a);
	a.fd = fd;
	a.type = type;
	a.to_file = -1;
	if ((ret = client_exchange(c, "GET", path, NULL, NULL, NULL, 0, &a,
	    cause)) == 0 && a.to_file != 1) {
		xasprintf(cause, _("kursusd at %s sent no %s file"), c->where,
		    type);
		ret = KCTL_EXIT_PROTOCOL;
	}
	*len = a.written;
	buf_free(&a.b);
	return (ret);
}
