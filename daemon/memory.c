/*
 * The daemon's memory between requests (issue 9: < 30 MB resident after a
 * mixed run on a national database). Two things kept freed memory
 * resident:
 *
 * - glibc raises its mmap threshold each time a large block is freed, up
 *   to 32 MiB, so after one big answer (a year's statistics, a full list)
 *   every later big block comes from the heap and stays there when freed.
 *   A fixed threshold keeps big blocks in their own mappings, given back
 *   at free(), and a fixed trim threshold gives back the heap's top.
 * - Freed blocks in the middle of a heap or of a thread's arena (render
 *   threads, senders) stay resident until malloc_trim() returns their
 *   pages. memory_touch() is called for each admin request and each
 *   render; a second later, once, the loop trims every arena. While
 *   requests keep coming that is once a second; an idle daemon does not
 *   wake up for it. A read job (readjob.c), a renderer (render.c) and a
 *   worker closing its connections (worker.c) give theirs back at once,
 *   on their threads: what comes next (the next job, a feed's bytes)
 *   would come on top of what the last one left. A read job gives back
 *   the loop's page cache too, when it starts.
 * - Each thread that allocates gets an arena of its own, up to eight per
 *   core, and each keeps its free pieces and its top apart from the
 *   others': with the outbox workers busy beside a cold feed's
 *   renderers and the loop, five arenas held 1 MB more at the peak than
 *   two (bench/national with rows due, issue 9). Two: the loop's heap
 *   and one the other threads share (glibc hands a thread whichever is
 *   not locked); their small blocks come and go through the thread's
 *   own cache (tcache) without the lock, and the notifier's CPU per
 *   message was no higher.
 * - glibc keeps freed blocks of up to 128 bytes that the thread's cache
 *   has no room for on its arena's fast lists, not merged with their
 *   neighbours, and merges all of them at the next request for a large
 *   block (malloc_consolidate()). Any thread may free into the loop's
 *   heap (above), and after bench/registrations' loop probe (an import,
 *   a full list and the statistics at once) so many waited there that a
 *   list page's buffer, growing, merged them inside one turn of the
 *   loop: 19 to 35 ms, three quarters of it in malloc_consolidate() and
 *   unlink_chunk() (perf, the turn's samples). Without fast lists each
 *   block is merged as it is freed, and no long turn had them among its
 *   samples again (21 probe runs); registrations and reminders a second
 *   did not move out of the noise (four and three runs in turn).
 *
 * And one thing cost the loop's time: Debian's SQLite is built without
 * lookaside memory (SQLITE_OMIT_LOOKASIDE), so each of its small blocks
 * is a malloc() and a free(), ~200 a registration besides the statement
 * journals: each request of a group commit runs in a savepoint, each
 * statement with triggers in a transaction opens another, and their
 * journal is kept in memory in blocks of 1 KiB, five for each page
 * changed, freed when the savepoint ends (~90 a registration). The
 * thread cache holds seven blocks of a size, so most went through
 * malloc's bins both ways (issue 9: ~63 k of the loop's ~479 k
 * instructions a registration). The loop keeps SQLite's freed blocks
 * of up to 1 KiB on lists of its own, one for each eight bytes of size,
 * up to 4 KiB on each (the journal's: 128 KiB), and gives them back
 * with the rest a second after the last request.
 */
#include "config.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "kursusd.h"

#define MEMORY_MMAP_THRESHOLD	(128 * 1024)
#define MEMORY_TRIM_THRESHOLD	(256 * 1024)
#define MEMORY_ARENAS		2
/*
 * SQLite's blocks the loop keeps: those up to the size of the memory
 * journal's (memjournal.c), at most MEMORY_KEEP bytes of a size, of the
 * journal's MEMORY_KEEP_JOURNAL (a registration's journal is ~90 KiB).
 */
#define MEMORY_SMALL		1024
#define MEMORY_KEEP		(4 * 1024)
#define MEMORY_KEEP_JOURNAL	(128 * 1024)

#if defined(__SANITIZE_ADDRESS__)
#define MEMORY_SANITIZED	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MEMORY_SANITIZED	1
#endif
#endif

static struct event	*memory_ev;
static sqlite3_mem_methods memory_sqlite_base;	/* SQLite's own */
/*
 * The loop's kept blocks, a list for each eight bytes of size (SQLite's
 * own allocator keeps the size asked for before each block: list i holds
 * blocks of 8 i to 8 i + 7 bytes, given for 8 i - 7 to 8 i), each block
 * holding the next; only the loop keeps any (memory_keep is 0 on every
 * other thread).
 */
static _Thread_local void *memory_lists[MEMORY_SMALL / 8 + 1];
static _Thread_local size_t memory_counts[MEMORY_SMALL / 8 + 1];

#ifndef MEMORY_SANITIZED
static int memory_wrapped;		/* memory_sqlite() put ours in front */
static _Thread_local int memory_keep;

static void *
memory_sqlite_malloc(int n)
{
	void	*p;
	size_t	 i = ((size_t)n + 7) / 8;

	if (n <= 0 || n > MEMORY_SMALL || (p = memory_lists[i]) == NULL)
		return (memory_sqlite_base.xMalloc(n));
	memcpy(&memory_lists[i], p, sizeof p);
	memory_counts[i]--;
	return (p);
}

static void
memory_sqlite_free(void *p)
{
	size_t	 i;

	if (p == NULL || !memory_keep ||
	    (i = (size_t)memory_sqlite_base.xSize(p) / 8) == 0 ||
	    i > MEMORY_SMALL / 8 || memory_counts[i] >=
	    (i == MEMORY_SMALL / 8 ? MEMORY_KEEP_JOURNAL : MEMORY_KEEP) /
	    (i * 8)) {
		memory_sqlite_base.xFree(p);
		return;
	}
	memcpy(p, &memory_lists[i], sizeof p);
	memory_lists[i] = p;
	memory_counts[i]++;
}
#endif

/* The kept blocks go back to malloc. */
static void
memory_sqlite_drop(void)
{
	void	*p;
	size_t	 i;

	for (i = 0; i < MEMORY_SMALL / 8 + 1; i++) {
		while ((p = memory_lists[i]) != NULL) {
			memcpy(&memory_lists[i], p, sizeof p);
			memory_sqlite_base.xFree(p);
		}
		memory_counts[i] = 0;
	}
}

/*
 * Before SQLite is first used: SQLite's allocator with the loop's lists
 * of freed blocks in front, kept from memory_init() on (what the start
 * frees, the schema's statements, goes back). Not under
 * AddressSanitizer, which should see each block freed.
 */
void
memory_sqlite(void)
{
#ifndef MEMORY_SANITIZED
	sqlite3_mem_methods	m;

	if (sqlite3_config(SQLITE_CONFIG_GETMALLOC, &memory_sqlite_base) !=
	    SQLITE_OK || memory_sqlite_base.xMalloc == NULL)
		return;
	m = memory_sqlite_base;
	m.xMalloc = memory_sqlite_malloc;
	m.xFree = memory_sqlite_free;
	if (sqlite3_config(SQLITE_CONFIG_MALLOC, &m) == SQLITE_OK)
		memory_wrapped = 1;
#endif
}

/*
 * Any thread may call this. Under AddressSanitizer its own allocator owns
 * the heap and glibc's arenas are never set up: malloc_trim() would set
 * them up on first use, and two threads doing that at once crash.
 */
void
memory_give_back(void)
{
#ifndef MEMORY_SANITIZED
	malloc_trim(0);
#endif
}

static void
memory_trim(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	memory_sqlite_drop();
	memory_give_back();
}

void
memory_init(struct event_base *base)
{
	mallopt(M_MMAP_THRESHOLD, MEMORY_MMAP_THRESHOLD);
	mallopt(M_TRIM_THRESHOLD, MEMORY_TRIM_THRESHOLD);
	mallopt(M_ARENA_MAX, MEMORY_ARENAS);
	mallopt(M_MXFAST, 0);		/* no fast lists: see above */
	memory_ev = evtimer_new(base, memory_trim, NULL);
#ifndef MEMORY_SANITIZED
	memory_keep = memory_wrapped;	/* on the loop's thread */
#endif
}

void
memory_touch(void)
{
	struct timeval	tv = { 1, 0 };

	if (memory_ev != NULL && !evtimer_pending(memory_ev, NULL))
		evtimer_add(memory_ev, &tv);
}

void
memory_free(void)
{
	if (memory_ev != NULL)
		event_free(memory_ev);
	memory_ev = NULL;
	/* What SQLite frees from now on goes straight back. */
#ifndef MEMORY_SANITIZED
	memory_keep = 0;
#endif
	memory_sqlite_drop();
}
