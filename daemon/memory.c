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
 *
 * And one thing cost the loop's time: SQLite keeps the statement journal
 * of a savepoint (each request of a group commit runs in one, and each
 * statement with triggers in a transaction opens another) in memory in
 * blocks of 1 KiB, five for each page a statement changes, freed when the
 * savepoint ends. A registration took ~90 of them and gave them back; the
 * thread cache holds seven blocks of a size, so nearly every one went
 * through malloc's bins both ways (issue 9: ~50 k of the loop's ~480 k
 * instructions a registration). The loop keeps up to MEMORY_BLOCKS of
 * them on a list of its own, given back with the rest a second after the
 * last request.
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
/* SQLite's memory journal's block (memjournal.c), and how many the loop
 * keeps: a registration's journal is ~90. */
#define MEMORY_BLOCK		1024
#define MEMORY_BLOCKS		128

#if defined(__SANITIZE_ADDRESS__)
#define MEMORY_SANITIZED	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MEMORY_SANITIZED	1
#endif
#endif

static struct event	*memory_ev;
static sqlite3_mem_methods memory_sqlite_base;	/* SQLite's own */
/* The kept blocks, each holding the next; only the loop keeps any. */
static _Thread_local void *memory_blocks;
static _Thread_local int memory_nblocks, memory_keep;

static void *
memory_sqlite_malloc(int n)
{
	void	*p = memory_blocks;

	if (n != MEMORY_BLOCK || p == NULL)
		return (memory_sqlite_base.xMalloc(n));
	memcpy(&memory_blocks, p, sizeof memory_blocks);
	memory_nblocks--;
	return (p);
}

static void
memory_sqlite_free(void *p)
{
	if (p == NULL || memory_nblocks >= memory_keep ||
	    memory_sqlite_base.xSize(p) != MEMORY_BLOCK) {
		memory_sqlite_base.xFree(p);
		return;
	}
	memcpy(p, &memory_blocks, sizeof memory_blocks);
	memory_blocks = p;
	memory_nblocks++;
}

/* The kept blocks go back to malloc. */
static void
memory_sqlite_drop(void)
{
	void	*p;

	while ((p = memory_blocks) != NULL) {
		memcpy(&memory_blocks, p, sizeof memory_blocks);
		memory_sqlite_base.xFree(p);
	}
	memory_nblocks = 0;
}

/*
 * Before SQLite is first used, on the loop's thread: SQLite's allocator
 * with the loop's list of journal blocks in front. Not under
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
		memory_keep = MEMORY_BLOCKS;
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
	memory_ev = evtimer_new(base, memory_trim, NULL);
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
}
