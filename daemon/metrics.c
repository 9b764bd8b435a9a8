/*
 * What GET /metrics counts, and the page itself in Prometheus' text
 * format (version 0.0.4): the requests of each door by status and how
 * long they took, feeds rendered and served from the cache, registrations
 * made, cancelled and promoted, and the messages handed to the SMTP
 * server and the SMS gateway.
 *
 * A leaf: the files that count call it, and it calls none of them back.
 * What a scrape reads from the database and the sender is handed in
 * (struct metrics_scrape, which stats.c fills) and written out here with
 * the counters, so that no circle of calls goes through this file.
 *
 * The loop thread's counters are plain integers; the workers' (send
 * attempts and failures) are C11 atomics. Registrations count once the
 * transaction that made them is committed: the store says when
 * (metrics_commit(), metrics_abort()), and a request refused inside a
 * batch takes back what it counted (metrics_mark(), metrics_undo()).
 */
#include "config.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kursusd.h"
#include "notifier.h"

/* Upper bounds of the latency buckets, in seconds (+Inf follows). */
static const double metrics_le[] = { 0.0005, 0.001, 0.0025, 0.005, 0.01,
    0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 };
#define METRICS_BUCKETS	(sizeof metrics_le / sizeof metrics_le[0] + 1)
#define METRICS_STATUS_MIN	100
#define METRICS_STATUS_MAX	599

static const char *const metrics_doors[METRICS_DOORS] = {
	[METRICS_SOCKET] = "admin_socket",
	[METRICS_TCP] = "admin_tcp",
	[METRICS_PUBLIC] = "public",
};
static const char *const metrics_channels[METRICS_CHANNELS] = {
	[CHANNEL_EMAIL] = "email",
	[CHANNEL_SMS] = "sms",
};
static const char *const metrics_states[METRICS_STATES] = {
	"pending", "sending", "failed"
};

/* The counters of events, each with its name and help. */
static const struct {
	const char	*name;
	const char	*help;
} metrics_events[METRICS_EVENTS] = {
	[METRICS_FEED_RENDER] = { "feed_renders_total",
	    "Feeds whose bytes were assembled anew (first request, or the "
	    "sessions they show changed)." },
	[METRICS_FEED_HIT] = { "feed_cache_hits_total",
	    "Feed requests answered with the bytes already cached." },
	[METRICS_FEED_EVENTS] = { "feed_events_rendered_total",
	    "Event texts (one session's VEVENT) rendered for feeds." },
	[METRICS_REG_MADE] = { "registrations_made_total",
	    "Registrations made (confirmed or waitlisted)." },
	[METRICS_REG_CANCELLED] = { "registrations_cancelled_total",
	    "Registrations cancelled." },
	[METRICS_REG_PROMOTED] = { "registrations_promoted_total",
	    "Registrations moved up from the waitlist to a seat." },
};

/* The loop thread's. */
static uint64_t	 metrics_status[METRICS_DOORS][METRICS_STATUS_MAX -
		    METRICS_STATUS_MIN + 1];
static uint64_t	 metrics_bucket[METRICS_DOORS][METRICS_BUCKETS];
static double	 metrics_seconds[METRICS_DOORS];
static uint64_t	 metrics_counts[METRICS_EVENTS];
/* Counted by the open transaction, not yet committed. */
static uint64_t	 metrics_pending[METRICS_EVENTS];

/* The workers'. */
static atomic_ulong	 metrics_attempts[METRICS_CHANNELS];
static atomic_ulong	 metrics_failures[METRICS_CHANNELS];

/* Registrations live and die with their transaction; the rest count now. */
static int
metrics_transactional(int event)
{
	return (event == METRICS_REG_MADE || event == METRICS_REG_CANCELLED ||
	    event == METRICS_REG_PROMOTED);
}

void
metrics_request(int door, int status, double seconds)
{
	size_t	 i;

	if (door < 0 || door >= METRICS_DOORS)
		return;
	if (status >= METRICS_STATUS_MIN && status <= METRICS_STATUS_MAX)
		metrics_status[door][status - METRICS_STATUS_MIN]++;
	if (seconds < 0)
		seconds = 0;
	for (i = 0; i < METRICS_BUCKETS - 1; i++)
		if (seconds <= metrics_le[i])
			break;
	metrics_bucket[door][i]++;
	metrics_seconds[door] += seconds;
}

void
metrics_count(int event, uint64_t n)
{
	if (event < 0 || event >= METRICS_EVENTS)
		return;
	if (metrics_transactional(event))
		metrics_pending[event] += n;
	else
		metrics_counts[event] += n;
}

void
metrics_commit(void)
{
	size_t	 i;

	for (i = 0; i < METRICS_EVENTS; i++)
		metrics_counts[i] += metrics_pending[i];
	metrics_abort();
}

void
metrics_abort(void)
{
	memset(metrics_pending, 0, sizeof metrics_pending);
}

void
metrics_mark(struct metrics_mark *mk)
{
	memcpy(mk->pending, metrics_pending, sizeof mk->pending);
}

void
metrics_undo(const struct metrics_mark *mk)
{
	memcpy(metrics_pending, mk->pending, sizeof metrics_pending);
}

void
metrics_send(int channel, int failed)
{
	if (channel < 0 || channel >= METRICS_CHANNELS)
		return;
	atomic_fetch_add_explicit(&metrics_attempts[channel], 1,
	    memory_order_relaxed);
	if (failed)
		atomic_fetch_add_explicit(&metrics_failures[channel], 1,
		    memory_order_relaxed);
}

/* --- the page */

/* A label value as the format wants it: \, " and newline escaped. */
static void
metrics_label(struct buf *b, const char *v)
{
	for (; *v != '\0'; v++) {
		if (*v == '\\' || *v == '"')
			buf_addc(b, '\\');
		if (*v == '\n')
			buf_adds(b, "\\n");
		else
			buf_addc(b, *v);
	}
}

static void
metrics_head(struct buf *b, const char *name, const char *type,
    const char *help)
{
	buf_addf(b, "# HELP kursusd_%s %s\n# TYPE kursusd_%s %s\n", name, help,
	    name, type);
}

static void
metrics_one(struct buf *b, const char *name, const char *type,
    const char *help, long long v)
{
	metrics_head(b, name, type, help);
	buf_addf(b, "kursusd_%s %lld\n", name, v);
}

/* A gauge or counter with one value per channel. */
static void
metrics_by_channel(struct buf *b, const char *name, const char *type,
    const char *help, const long long *v, const int *shown)
{
	int	 ch;

	metrics_head(b, name, type, help);
	for (ch = 0; ch < METRICS_CHANNELS; ch++)
		if (shown == NULL || shown[ch])
			buf_addf(b, "kursusd_%s{channel=\"%s\"} %lld\n", name,
			    metrics_channels[ch], v[ch]);
}

static void
metrics_requests(struct buf *b)
{
	uint64_t	 n;
	size_t		 d, i;

	metrics_head(b, "http_requests_total", "counter", "Requests "
	    "answered, by door (admin_socket, admin_tcp, public) and HTTP "
	    "status; refusals of malformed requests included.");
	for (d = 0; d < METRICS_DOORS; d++)
		for (i = 0; i < METRICS_STATUS_MAX - METRICS_STATUS_MIN + 1;
		    i++)
			if (metrics_status[d][i] != 0)
				buf_addf(b, "kursusd_http_requests_total{door="
				    "\"%s\",status=\"%zu\"} %llu\n",
				    metrics_doors[d], i + METRICS_STATUS_MIN,
				    (unsigned long long)metrics_status[d][i]);
	metrics_head(b, "http_request_duration_seconds", "histogram",
	    "Time from a whole request to its answer being queued, by door.");
	for (d = 0; d < METRICS_DOORS; d++) {
		for (i = n = 0; i < METRICS_BUCKETS; i++) {
			n += metrics_bucket[d][i];
			buf_addf(b, "kursusd_http_request_duration_seconds_bucket"
			    "{door=\"%s\",le=\"", metrics_doors[d]);
			if (i < METRICS_BUCKETS - 1)
				buf_addf(b, "%g", metrics_le[i]);
			else
				buf_adds(b, "+Inf");
			buf_addf(b, "\"} %llu\n", (unsigned long long)n);
		}
		buf_addf(b, "kursusd_http_request_duration_seconds_sum{door="
		    "\"%s\"} %.6f\n", metrics_doors[d], metrics_seconds[d]);
		buf_addf(b, "kursusd_http_request_duration_seconds_count{door="
		    "\"%s\"} %llu\n", metrics_doors[d], (unsigned long long)n);
	}
}

static void
metrics_outbox(struct buf *b, const struct metrics_scrape *m)
{
	long long	 v[METRICS_CHANNELS];
	int		 ch, s;

	metrics_head(b, "outbox_messages", "gauge", "Messages in the outbox "
	    "now that are waiting to go, being sent, or failed, by channel "
	    "and state.");
	for (ch = 0; ch < METRICS_CHANNELS; ch++)
		for (s = 0; s < METRICS_STATES; s++)
			buf_addf(b, "kursusd_outbox_messages{channel=\"%s\","
			    "state=\"%s\"} %lld\n", metrics_channels[ch],
			    metrics_states[s], (long long)m->outbox[ch][s]);
	metrics_one(b, "outbox_failed_upcoming_messages", "gauge", "Failed "
	    "messages about sessions that have not started: people staff must "
	    "phone (the sessions' call lists).", (long long)m->failed_upcoming);
	metrics_one(b, "outbox_oldest_due_seconds", "gauge", "How long the "
	    "oldest pending message whose time has come has waited to be "
	    "sent; 0 when none waits.", (long long)m->oldest_due);
	metrics_one(b, "inbox_unhandled_messages", "gauge", "SMS replies "
	    "waiting for staff (kursusctl inbox).",
	    (long long)m->inbox_unhandled);
	for (ch = 0; ch < METRICS_CHANNELS; ch++)
		v[ch] = (long long)atomic_load_explicit(&metrics_attempts[ch],
		    memory_order_relaxed);
	metrics_by_channel(b, "send_attempts_total", "counter", "Messages "
	    "handed to the SMTP server or SMS gateway, by channel.", v, NULL);
	for (ch = 0; ch < METRICS_CHANNELS; ch++)
		v[ch] = (long long)atomic_load_explicit(&metrics_failures[ch],
		    memory_order_relaxed);
	metrics_by_channel(b, "send_failures_total", "counter", "Attempts "
	    "the server did not take (a temporary or permanent refusal, a "
	    "timeout), by channel.", v, NULL);
	for (ch = 0; ch < METRICS_CHANNELS; ch++)
		v[ch] = m->configured[ch];
	metrics_by_channel(b, "sender_configured", "gauge", "1 when the "
	    "channel is configured ([smtp] host, [sms] driver).", v, NULL);
	for (ch = 0; ch < METRICS_CHANNELS; ch++)
		v[ch] = m->reachable[ch];
	metrics_by_channel(b, "sender_reachable", "gauge", "1 when the server "
	    "answered the last probe or message, 0 when it did not or refuses "
	    "every message; absent before the first contact.", v, m->known);
	metrics_one(b, "sender_in_flight", "gauge", "Messages being sent now.",
	    (long long)m->in_flight);
}

char *
metrics_text(const struct metrics_scrape *m, size_t *len)
{
	struct buf	 b = BUF_INIT;
	size_t		 i;

	metrics_head(&b, "info", "gauge", "The version of kursusd running.");
	buf_adds(&b, "kursusd_info{version=\"");
	metrics_label(&b, m->version);
	buf_adds(&b, "\"} 1\n");
	metrics_one(&b, "start_time_seconds", "gauge", "When kursusd started, "
	    "in seconds since the Unix epoch.", (long long)m->started);
	metrics_one(&b, "uptime_seconds", "gauge", "Seconds since kursusd "
	    "started.", (long long)(m->now - m->started));
	metrics_requests(&b);
	for (i = 0; i < METRICS_EVENTS; i++)
		metrics_one(&b, metrics_events[i].name, "counter",
		    metrics_events[i].help, (long long)metrics_counts[i]);
	metrics_outbox(&b, m);
	metrics_one(&b, "database_size_bytes", "gauge", "The database file "
	    "and its write-ahead log, in bytes.", (long long)m->db_size);
	return (buf_detach(&b, len));
}
