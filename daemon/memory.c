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
 */
#include "config.h"

#include <malloc.h>
#include <stdlib.h>

#include <event2/event.h>

#include "kursusd.h"

#define MEMORY_MMAP_THRESHOLD	(128 * 1024)
#define MEMORY_TRIM_THRESHOLD	(256 * 1024)
#define MEMORY_ARENAS		2

#if defined(__SANITIZE_ADDRESS__)
#define MEMORY_SANITIZED	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MEMORY_SANITIZED	1
#endif
#endif

static struct event	*memory_ev;

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
