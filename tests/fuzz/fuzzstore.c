/*
 * A store for a fuzz target (fuzzstore.h): the directory, the token key
 * that seals cancel tokens, and clean-up at exit so that no database is
 * left behind in /tmp.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kursusd.h"
#include "fuzzstore.h"

static struct store	*fuzz_st;
static char		 fuzz_dir[] = "/tmp/kursus-fuzz-XXXXXX";

static void
fuzz_store_cleanup(void)
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

/*
 * Opens the store the first time; the same store after. A clean-up the
 * caller registers with atexit() later runs before the store is closed.
 */
struct store *
fuzz_store_open(void)
{
	char	*path, *cause;

	if (fuzz_st != NULL)
		return (fuzz_st);
	if (mkdtemp(fuzz_dir) == NULL)
		abort();
	path = xprintf("%s/fuzz.key", fuzz_dir);
	if (token_init(path, &cause) != 0)
		fatalx("%s", cause);
	free(path);
	path = xprintf("%s/fuzz.db", fuzz_dir);
	if (store_open(path, CONFIG_SYNC_NORMAL, &fuzz_st, &cause) != 0)
		fatalx("%s", cause);
	free(path);
	atexit(fuzz_store_cleanup);
	return (fuzz_st);
}

/* POSTs body to the admin API's path, as set-up; the answer is dropped. */
void
fuzz_store_post(struct store *st, const char *path, const char *body)
{
	char	*out;

	api_dispatch(st, API_POST, path, body, strlen(body), 0, "fuzz", &out);
	free(out);
}
