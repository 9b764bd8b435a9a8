/*
 * The seal (see sender.c): at most one message the server may have taken
 * whose outcome is not yet recorded, across all connections of all
 * channels. Who holds it, and who waits for it, in turn: each waiter is
 * handed the seal by the one before it and woken alone (a broadcast woke
 * every waiting connection for one of them to take it, the others to
 * sleep again). A leaf.
 *
 * What it costs: the holder's part is one round trip with the server
 * (the end of the data out, its answer read, measured from taking the
 * seal to the answer: all but ~4 us of the hold), and each hand-over a
 * wake-up of the next connection. However many connections send, the
 * messages go no faster than one per (round trip + hand-over): on 2 CPUs
 * with 4 connections into smtp-sink, ~175-200 us + ~65-90 us, about
 * 4,000 a second, where smtp-source (no such rule) sends ~6,300-8,800.
 */
#include "config.h"

#include <pthread.h>

#include "sender.h"

/* A waiter, on its own stack, in s->seal_waiting's queue. */
struct seal_wait {
	const struct job	*j;
	pthread_cond_t		 cond;
	struct seal_wait	*next;
};

void
seal_take(struct sender *s, const struct job *j)
{
	struct seal_wait	 me, **wp;

	pthread_mutex_lock(&s->seal_mtx);
	if (s->sealed == NULL) {
		s->sealed = j;
		pthread_mutex_unlock(&s->seal_mtx);
		return;
	}
	me.j = j;
	me.next = NULL;
	pthread_cond_init(&me.cond, NULL);
	for (wp = &s->seal_waiting; *wp != NULL; wp = &(*wp)->next)
		;
	*wp = &me;
	while (s->sealed != j)
		pthread_cond_wait(&me.cond, &s->seal_mtx);
	pthread_mutex_unlock(&s->seal_mtx);
	pthread_cond_destroy(&me.cond);
}

void
seal_give(struct sender *s, const struct job *j)
{
	struct seal_wait	*next;

	pthread_mutex_lock(&s->seal_mtx);
	if (s->sealed == j) {
		if ((next = s->seal_waiting) != NULL) {
			s->seal_waiting = next->next;
			s->sealed = next->j;
			/* Under the lock: the waiter's cond lives on its
			 * stack, gone once it has seen the seal is its. */
			pthread_cond_signal(&next->cond);
		} else
			s->sealed = NULL;
	}
	pthread_mutex_unlock(&s->seal_mtx);
}
