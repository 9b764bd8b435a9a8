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
#include <unistd.h>

#include "kursusd.h"

int	LLVMFuzzerTestOneInput(const unsigned char *, size_t);

static struct store	*fuzz_st;
static char		 fuzz_dir[] = "/tmp/kursus-fuzz-XXXXXX";

/* Leaves no database behind in /tmp. */
static void
fuzz_cleanup(void)
{
	const char	*names[] = { "fuzz.db", "fuzz.db-wal", "fuzz.db-shm",
	    "fuzz.key" };
	char		*path;
	size_t		 i;

	store_close(fuzz_st);
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		path = xprintf("%s/%s", fuzz_dir, names[i]);
		unlink(path);
		free(path);
	}
	rmdir(fuzz_dir);
}

static struct store *
fuzz_store(void)
{
	struct store		*st;
	char			*path, *cause;
	const char		*setup[] = {
		"{\"slug\":\"v\",\"name\":\"Malernes Seniorklub\"}",
		"{\"slug\":\"c\",\"title\":\"NemID\",\"duration\":90}",
		"{\"course\":\"c\",\"venue\":\"v\",\"start\":\"2030-01-08 10:00\","
		    "\"weekly\":3,\"capacity\":2,\"far\":true}",
	};
	const char		*paths[] = { "/v1/venues", "/v1/courses",
	    "/v1/sessions" };
	char			*out;
	size_t			 i;

	if (fuzz_st != NULL)
		return (fuzz_st);
	if (mkdtemp(fuzz_dir) == NULL)
		abort();
	/* Registrations get cancel tokens, sealed under a key. */
	path = xprintf("%s/fuzz.key", fuzz_dir);
	if (token_init(path, &cause) != 0)
		fatalx("%s", cause);
	free(path);
	path = xprintf("%s/fuzz.db", fuzz_dir);
	if (store_open(path, CONFIG_SYNC_NORMAL, &st, &cause) != 0)
		fatalx("%s", cause);
	free(path);
	fuzz_st = st;
	atexit(fuzz_cleanup);
	for (i = 0; i < 3; i++) {
		api_dispatch(st, API_POST, paths[i], setup[i],
		    strlen(setup[i]), 0, "fuzz", &out);
		free(out);
	}
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
