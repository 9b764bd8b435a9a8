/*
 * SMS through an HTTP gateway with libcurl: Kannel's sendsms interface,
 * or a generic JSON REST endpoint configured by URL, one header and a
 * body template.
 *
 * Threads: curl_global_init() runs once under pthread_once(); each
 * sms_send() uses its own easy handle, with CURLOPT_NOSIGNAL so that
 * timeouts do not use signals, and may run in several workers at once.
 */

#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "cause.h"
#include "buf.h"
#include "notifier.h"
#include "xmalloc.h"

/* The most of an answer kept: gateways say what they mean early. */
#define SMS_ANSWER_MAX	16384

static pthread_once_t	 sms_once = PTHREAD_ONCE_INIT;

/* The gateway's answer, its first SMS_ANSWER_MAX bytes. */
struct sms_answer {
	struct buf	 b;
};

static void
sms_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t
sms_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct sms_answer	*a = arg;
	size_t			 n = size * nmemb, keep;

	keep = n;
	if (a->b.len + keep > SMS_ANSWER_MAX)
		keep = SMS_ANSWER_MAX - a->b.len;
	buf_add(&a->b, ptr, keep);
	return (n);
}

/*
 * Replaces the placeholders in tpl: names[i] ("{to}") by values[i].
 * Text that is no placeholder is copied as it is.
 */
static char *
sms_subst(const char *tpl, const char **names, const char **values,
    size_t count)
{
	struct buf	 out = BUF_INIT;
	size_t		 i, n;
	const char	*cp = tpl;

	while (*cp != '\0') {
		for (i = 0; i < count; i++) {
			n = strlen(names[i]);
			if (strncmp(cp, names[i], n) == 0)
				break;
		}
		if (i < count) {
			if (values[i] != NULL)
				buf_adds(&out, values[i]);
			cp += strlen(names[i]);
		} else
			buf_addc(&out, *cp++);
	}
	return (buf_detach(&out, NULL));
}

/*
 * Walks the parsed body template and fills the placeholders in every
 * string; jansson does the escaping when the result is written out.
 */
static int
sms_fill(json_t *j, const char **names, const char **values, size_t count)
{
	const char	*key;
	json_t		*v;
	size_t		 i;
	char		*s;

	if (json_is_object(j)) {
		json_object_foreach(j, key, v) {
			if (sms_fill(v, names, values, count) != 0)
				return (-1);
		}
	} else if (json_is_array(j)) {
		json_array_foreach(j, i, v) {
			if (sms_fill(v, names, values, count) != 0)
				return (-1);
		}
	} else if (json_is_string(j)) {
		s = sms_subst(json_string_value(j), names, values, count);
		i = json_string_set(j, s);
		free(s);
		return (i == 0 ? 0 : -1);
	}
	return (0);
}

/*
 * 2xx sent; 429 (too fast) and anything but 4xx and 5xx not now; 401 and
 * 403 (our credentials) and 5xx the gateway's or the settings' fault;
 * another 4xx this message's (a number the gateway refuses).
 */
static int
sms_class(long code)
{
	if (code >= 200 && code < 300)
		return (SEND_OK);
	if (code == 401 || code == 403 || (code >= 500 && code < 600))
		return (SEND_SERVER);
	if (code == 429 || code < 400 || code >= 600)
		return (SEND_TEMPORARY);
	return (SEND_PERMANENT);
}

/* The gateway's words for *error: its status and the start of its body. */
static char *
sms_words(long code, const struct sms_answer *a)
{
	char	 buf[256];

	cause_quote(a->b.data != NULL ? a->b.data : "", buf, sizeof buf);
	return (xprintf("HTTP %ld: %s", code, buf));
}

/* A message id in the REST gateway's JSON answer, or NULL. */
static char *
sms_rest_id(const struct sms_answer *a)
{
	json_t		*root, *v;
	const char	*keys[] = { "id", "message_id", "messageId" };
	char		*id = NULL;
	size_t		 i;

	if (a->b.data == NULL)
		return (NULL);
	if ((root = json_loadb(a->b.data, a->b.len, 0, NULL)) == NULL)
		return (NULL);
	for (i = 0; id == NULL && i < sizeof keys / sizeof keys[0]; i++) {
		if (!json_is_object(root))
			break;
		v = json_object_get(root, keys[i]);
		if (json_is_string(v) && *json_string_value(v) != '\0')
			id = xstrdup(json_string_value(v));
		else if (json_is_integer(v))
			id = xprintf("%lld", (long long)json_integer_value(v));
	}
	json_decref(root);
	return (id);
}

static char *
sms_escape(CURL *curl, const char *s)
{
	char	*e, *out;

	if ((e = curl_easy_escape(curl, s != NULL ? s : "", 0)) == NULL)
		return (xstrdup(""));
	out = xstrdup(e);
	curl_free(e);
	return (out);
}

/* Kannel's sendsms: a GET with everything in the query. */
static char *
sms_kannel_url(CURL *curl, const struct sms_config *sc, const char *to,
    const char *text)
{
	char	*user, *pass, *from, *eto, *etext, *url;
	int	 ucs2 = 0;

	if (gsm_segments(text, &ucs2, NULL) < 0)
		ucs2 = 1;
	user = sms_escape(curl, sc->user);
	pass = sms_escape(curl, sc->password);
	from = sms_escape(curl, sc->sender);
	eto = sms_escape(curl, to);
	etext = sms_escape(curl, text);
	url = xprintf("%s%susername=%s&password=%s&from=%s&to=%s&text=%s"
	    "&charset=UTF-8%s", sc->url, strchr(sc->url, '?') != NULL ? "&" :
	    "?", user, pass, from, eto, etext, ucs2 ? "&coding=2" : "");
	free(user);
	free(pass);
	free(from);
	free(eto);
	free(etext);
	return (url);
}

int
sms_send(const struct sms_config *sc, const char *to, const char *text,
    char **provider_id, char **error)
{
	CURL			*curl;
	CURLcode		 rc;
	struct curl_slist	*headers = NULL;
	struct sms_answer	 answer;
	char			 errbuf[CURL_ERROR_SIZE], *url = NULL;
	char			*body = NULL, *header = NULL;
	const char		*names[] = { "{to}", "{from}", "{text}",
				    "{user}", "{password}" };
	const char		*values[5];
	json_t			*tpl;
	json_error_t		 jerr;
	long			 code = 0;
	int			 result;

	*provider_id = NULL;
	*error = NULL;
	if (sc->driver != SMS_KANNEL && sc->driver != SMS_REST) {
		*error = xstrdup("no SMS gateway is configured");
		return (SEND_PERMANENT);
	}
	if (sc->url == NULL || *sc->url == '\0') {
		*error = xstrdup("no SMS gateway URL is configured");
		return (SEND_PERMANENT);
	}
	pthread_once(&sms_once, sms_init);
	if ((curl = curl_easy_init()) == NULL) {
		*error = xstrdup("cannot start libcurl");
		return (SEND_TEMPORARY);
	}
	memset(&answer, 0, sizeof answer);
	values[0] = to;
	values[1] = sc->sender;
	values[2] = text;
	values[3] = sc->user;
	values[4] = sc->password;

	if (sc->driver == SMS_KANNEL)
		url = sms_kannel_url(curl, sc, to, text);
	else {
		url = xstrdup(sc->url);
		if (sc->body == NULL || (tpl = json_loads(sc->body, 0,
		    &jerr)) == NULL) {
			*error = xprintf("the SMS body template is not JSON: "
			    "%s", sc->body == NULL ? "none" : jerr.text);
			result = SEND_PERMANENT;
			goto out;
		}
		if (sms_fill(tpl, names, values, 3) != 0 ||
		    (body = json_dumps(tpl, JSON_COMPACT)) == NULL) {
			json_decref(tpl);
			*error = xstrdup("the SMS text is not valid UTF-8");
			result = SEND_PERMANENT;
			goto out;
		}
		json_decref(tpl);
		headers = curl_slist_append(headers,
		    "Content-Type: application/json");
		if (sc->header != NULL && *sc->header != '\0') {
			header = sms_subst(sc->header, names + 3, values + 3,
			    2);
			if (strpbrk(header, "\r\n") != NULL) {
				*error = xstrdup("the SMS header holds a "
				    "line break");
				result = SEND_PERMANENT;
				goto out;
			}
			headers = curl_slist_append(headers, header);
		}
		curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	}

	errbuf[0] = '\0';
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT,
	    (long)(sc->timeout > 0 ? sc->timeout : 30));
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT,
	    (long)(sc->timeout > 0 ? sc->timeout : 30));
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, sms_write);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "kursusd/" PACKAGE_VERSION);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");

	if ((rc = curl_easy_perform(curl)) != CURLE_OK) {
		*error = xprintf("%s", errbuf[0] != '\0' ? errbuf :
		    curl_easy_strerror(rc));
		result = SEND_SERVER;
		goto out;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
	result = sms_class(code);
	if (result != SEND_OK)
		*error = sms_words(code, &answer);
	else if (sc->driver == SMS_REST)
		*provider_id = sms_rest_id(&answer);

out:
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	free(header);
	free(body);
	free(url);
	buf_free(&answer.b);
	return (result);
}

int
sms_probe(const struct sms_config *sc, char **error)
{
	char		 errbuf[CURL_ERROR_SIZE] = "";
	CURL		*curl;
	CURLcode	 rc;
	long		 t = sc->timeout > 0 ? sc->timeout : 30;

	pthread_once(&sms_once, sms_init);
	if ((curl = curl_easy_init()) == NULL) {
		*error = xstrdup("cannot set up libcurl");
		return (-1);
	}
	/* Only the connection: no message, no cost. */
	curl_easy_setopt(curl, CURLOPT_URL, sc->url);
	curl_easy_setopt(curl, CURLOPT_CONNECT_ONLY, 1L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, t);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, t);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	rc = curl_easy_perform(curl);
	curl_easy_cleanup(curl);
	if (rc != CURLE_OK) {
		xasprintf(error, "%s", *errbuf != '\0' ? errbuf :
		    curl_easy_strerror(rc));
		return (-1);
	}
	return (0);
}
