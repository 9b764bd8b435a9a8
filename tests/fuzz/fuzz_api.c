/*
 * Fuzz target for the admin API: the input is one request, "METHOD URI"
 * on the first line and the body after it. Every answer must be a JSON
 * object with a status the API documents; nothing may crash or leak.
 *
 * Built with libFuzzer under --enable-fuzzing; otherwise replay.c gives it
 * a main() that replays the corpus, so `make check` keeps it honest.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "kursusd.h"
#include "fuzzstore.h"

int	LLVMFuzzerTestOneInput(const unsigned char *, size_t);

/* A store with a venue, a course and three weekly sessions. */
static struct store *
fuzz_store(void)
{
	static struct store	*st;
	const char		*setup[] = {
		"{\"slug\":\"v\",\"name\":\"Malernes Seniorklub\"}",
		"{\"slug\":\"c\",\"title\":\"NemID\",\"duration\":90}",
		"{\"course\":\"c\",\"venue\":\"v\",\"start\":\"2030-01-08 10:00\","
		    "\"weekly\":3,\"capacity\":2,\"far\":true}",
	};
	const char		*paths[] = { "/v1/venues", "/v1/courses",
	    "/v1/sessions" };
	size_t			 i;

	if (st != NULL)
		return (st);
	/* Registrations get cancel tokens, sealed under the store's key. */
	st = fuzz_store_open();
	for (i = 0; i < 3; i++)
		fuzz_store_post(st, paths[i], setup[i]);
	return (st);
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static const struct { const char *name; int method; } methods[] = {
		{ "GET", API_GET }, { "POST", API_POST },
		{ "PATCH", API_PATCH }, { "DELETE", API_DELETE },
	};
	struct api_ctx		 ctx = { .store = NULL };
	struct api_call		 call;
	const unsigned char	*nl, *sp;
	char			*uri, *out;
	json_t			*j;
	size_t			 i;
	int			 status, method = 0;

	log_set_level(-1);
	if ((nl = memchr(data, '\n', size)) == NULL ||
	    (sp = memchr(data, ' ', (size_t)(nl - data))) == NULL)
		return (0);
	for (i = 0; i < sizeof methods / sizeof methods[0]; i++) {
		if ((size_t)(sp - data) == strlen(methods[i].name) &&
		    memcmp(data, methods[i].name, (size_t)(sp - data)) == 0)
			method = methods[i].method;
	}
	if (method == 0)
		return (0);
	uri = xstrndup((const char *)sp + 1, (size_t)(nl - sp - 1));
	if (memchr(uri, '\0', (size_t)(nl - sp - 1)) != NULL) {
		free(uri);
		return (0);
	}
	/* The import takes a calendar file; every other route JSON. */
	ctx.store = fuzz_store();
	call.method = method;
	call.uri = uri;
	call.type = strncmp(uri, "/v1/import", 10) == 0 ? "text/calendar" :
	    "application/json";
	call.body = (const char *)nl + 1;
	call.len = size - (size_t)(nl + 1 - data);
	call.peer_uid = 0;
	call.peer = "fuzz";
	call.later = NULL;	/* a route that would answer later refuses */
	status = api_run(&ctx, &call, 0, &out);
	if (status < 200 || status > 599)
		abort();
	if ((j = json_loads(out, 0, NULL)) == NULL || !json_is_object(j))
		abort();
	if (status >= 400 && !json_is_string(json_object_get(j, "error")))
		abort();
	json_decref(j);
	free(out);
	free(uri);
	return (0);
}
