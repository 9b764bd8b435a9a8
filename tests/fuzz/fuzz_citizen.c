/*
 * Fuzz target for the public door's two writes: the cancel link's page
 * and form (cancel.c) and the SMS replies (smsin.c). The input is one
 * request: "METHOD URI" on the first line (GET, HEAD or POST), header
 * lines ("Origin: ...", "Sec-Fetch-Site: ...", "X-Kursus-Timestamp: ...",
 * "X-Kursus-Signature: ...") up to an empty line, then the body.
 * "@TOKEN@" in the URI stands for a live registration's cancel token,
 * "@FORM@" in the body for its form token; a timestamp "now" is the
 * clock's, and a signature "sha256=good" is made right for the body, so
 * that the fuzzer gets past the secret to the parsers. Every answer must
 * have a status from 200 to 599 and a body; a refused SMS reply is JSON
 * with an "error"; a HEAD writes nothing.
 *
 * Built with libFuzzer under --enable-fuzzing; otherwise replay.c gives it
 * a main() that replays the corpus, so `make check` keeps it honest.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "kursusd.h"
#include "server.h"
#include "citizen.h"
#include "page.h"
#include "fuzzstore.h"

int	LLVMFuzzerTestOneInput(const unsigned char *, size_t);

#define FUZZ_KANNEL	"fuzz-kannel-secret-0123456789"
#define FUZZ_WEBHOOK	"fuzz-webhook-secret-0123456789"

static struct store		*fuzz_st;
static struct config		*fuzz_conf;
static struct page_site		*fuzz_site;
static struct citizen_conf	 fuzz_cc;
static char			*fuzz_token, *fuzz_form;

/* Runs before fuzzstore.c's clean-up, which closes the store. */
static void
fuzz_cleanup(void)
{
	page_site_free(fuzz_site);
	config_free(fuzz_conf);
	free(fuzz_token);
	free(fuzz_form);
}

/* A session ahead, two registrations (one waiting), and their tokens. */
static void
fuzz_setup(void)
{
	const char	*setup[][2] = {
		{ "/v1/venues", "{\"slug\":\"v\",\"name\":\"Seniorklubben\"}" },
		{ "/v1/courses", "{\"slug\":\"c\",\"title\":\"MitID\","
		    "\"duration\":90,\"capacity\":1}" },
		{ "/v1/sessions", "{\"course\":\"c\",\"venue\":\"v\","
		    "\"start\":\"2040-01-03 10:00\",\"far\":true}" },
		{ "/v1/sessions/1/registrations", "{\"participant\":{\"name\":"
		    "\"Anna\",\"phone\":\"20304050\"}}" },
		{ "/v1/sessions/1/registrations", "{\"participant\":{\"name\":"
		    "\"Bent\",\"phone\":\"30405060\"}}" },
	};
	sqlite3_stmt	*stmt;
	char		*cause;
	char		*over[] = { "library.name=Fuzz Bibliotek",
	    "library.phone=76292300", "public.url=http://127.0.0.1:8080" };
	size_t		 i;

	fuzz_st = fuzz_store_open();
	atexit(fuzz_cleanup);
	if (config_load(NULL, over, 3, &fuzz_conf, &cause) != 0)
		fatalx("%s", cause);
	for (i = 0; i < sizeof setup / sizeof setup[0]; i++)
		fuzz_store_post(fuzz_st, setup[i][0], setup[i][1]);
	fuzz_site = page_site_new(fuzz_conf);
	fuzz_cc.public_url = fuzz_conf->public_url;
	fuzz_cc.site = fuzz_site;
	fuzz_cc.kannel_secret = FUZZ_KANNEL;
	fuzz_cc.webhook_secret = FUZZ_WEBHOOK;
	stmt = store_stmt(fuzz_st, "SELECT cancel_token_sealed FROM "
	    "registration WHERE id = 1");
	if (sqlite3_step(stmt) != SQLITE_ROW ||
	    (fuzz_token = token_open(store_col(stmt, 0))) == NULL)
		fatalx("fuzz: no cancel token");
	sqlite3_reset(stmt);
	fuzz_form = token_mac("afmeld", fuzz_token);
}

/* s with every "@NAME@" replaced by value; caller frees. */
static char *
fuzz_subst(const char *s, size_t len, const char *name, const char *value)
{
	struct buf	 b = BUF_INIT;
	size_t		 nlen = strlen(name), i;

	for (i = 0; i < len; i++) {
		if (len - i >= nlen && memcmp(s + i, name, nlen) == 0) {
			buf_adds(&b, value);
			i += nlen - 1;
		} else
			buf_addc(&b, s[i]);
	}
	buf_adds(&b, "");
	return (buf_detach(&b, NULL));
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct citizen_call	 cl;
	struct citizen_answer	 a;
	unsigned char		 addr[16] = { 127, 0, 0, 1 };
	const char		*p = (const char *)data, *end = p + size;
	const char		*nl, *sp, *colon, *v;
	char			*line, *uri, *q, *body = NULL, *stamp = NULL;
	char			*sig = NULL, *fields = NULL, *now;
	void			(*fn)(const struct citizen_call *,
				    struct citizen_answer *);
	json_t			*j;
	size_t			 n;

	log_set_level(-1);
	if (fuzz_st == NULL)
		fuzz_setup();
	if ((nl = memchr(p, '\n', size)) == NULL ||
	    (sp = memchr(p, ' ', (size_t)(nl - p))) == NULL ||
	    memchr(p, '\0', size) != NULL)
		return (0);
	memset(&cl, 0, sizeof cl);
	memset(&a, 0, sizeof a);
	if ((size_t)(sp - p) == 4 && memcmp(p, "POST", 4) == 0)
		cl.method = API_POST;
	else if ((size_t)(sp - p) == 3 && memcmp(p, "GET", 3) == 0)
		cl.method = API_GET;
	else if ((size_t)(sp - p) == 4 && memcmp(p, "HEAD", 4) == 0)
		cl.method = API_HEAD;
	else
		return (0);
	uri = fuzz_subst(sp + 1, (size_t)(nl - sp - 1), "@TOKEN@", fuzz_token);
	if ((q = strchr(uri, '?')) != NULL)
		*q++ = '\0';
	/* The header lines, then the body. */
	for (p = nl + 1; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (nl == p)
			break;
		line = xstrndup(p, (size_t)(nl - p));
		if ((colon = strchr(line, ':')) != NULL) {
			v = colon + 1 + strspn(colon + 1, " ");
			n = (size_t)(colon - line);
			/* A header given twice: the last counts. */
			if (n == 6 && strncmp(line, "Origin", 6) == 0) {
				free(fields);
				cl.origin = fields = xstrdup(v);
			} else if (n == 14 && strncmp(line, "Sec-Fetch-Site",
			    14) == 0) {
				free((char *)cl.fetch_site);
				cl.fetch_site = xstrdup(v);
			} else if (n == 18 && strncmp(line,
			    "X-Kursus-Timestamp", 18) == 0) {
				free(stamp);
				stamp = xstrdup(v);
			} else if (n == 18 && strncmp(line,
			    "X-Kursus-Signature", 18) == 0) {
				free(sig);
				sig = xstrdup(v);
			}
		}
		free(line);
		if (nl == end)
			break;
	}
	if (p < end && nl < end)
		body = fuzz_subst(nl + 1, (size_t)(end - nl - 1), "@FORM@",
		    fuzz_form);
	if (stamp != NULL && strcmp(stamp, "now") == 0) {
		free(stamp);
		stamp = xprintf("%lld", (long long)time(NULL));
	}
	if (sig != NULL && strcmp(sig, "sha256=good") == 0 && stamp != NULL) {
		now = xprintf("%s.%s", stamp, body != NULL ? body : "");
		free(sig);
		line = token_hmac(FUZZ_WEBHOOK, now, strlen(now));
		sig = xprintf("sha256=%s", line);
		free(line);
		free(now);
	}
	cl.stamp = stamp;
	cl.signature = sig;
	cl.store = fuzz_st;
	cl.conf = &fuzz_cc;
	cl.path = uri;
	cl.query = q;
	cl.body = body;
	cl.len = body != NULL ? strlen(body) : 0;
	cl.addr = addr;
	cl.peer = "fuzz";
	cl.at = time(NULL);
	if (strncmp(uri, "/afmeld/", 8) == 0)
		fn = cancel_request;
	else if (strcmp(uri, "/sms/kannel") == 0)
		fn = smsin_kannel;
	else if (strcmp(uri, "/sms/webhook") == 0)
		fn = smsin_webhook;
	else
		fn = NULL;
	if (fn != NULL) {
		fn(&cl, &a);
		if (a.status < 200 || a.status > 599 || a.body == NULL ||
		    a.type == NULL)
			abort();
		/* A HEAD's answer has no body to say what it did: it does
		 * nothing (a90fa91: one of /sms/kannel took the reply). */
		if (cl.method == API_HEAD && a.wrote)
			abort();
		if (fn != cancel_request && a.status >= 400) {
			if ((j = json_loads(a.body, 0, NULL)) == NULL ||
			    !json_is_string(json_object_get(j, "error")))
				abort();
			json_decref(j);
		}
		free(a.body);
	}
	free(uri);
	free(body);
	free(stamp);
	free(sig);
	free(fields);
	free((char *)cl.fetch_site);
	/* An open transaction left behind would be a bug of the code. */
	if (!sqlite3_get_autocommit(store_db(fuzz_st)))
		abort();
	return (0);
}
