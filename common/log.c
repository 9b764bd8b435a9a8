#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static const char	*log_ident = "kursusd";
static int		 log_syslog;
/* Set by a reload on the loop, read by every thread that logs: relaxed
 * atomics (plain loads and stores on x86), so no torn or racy read. */
static atomic_int	 log_level = LOG_LEVEL_INFO;
/* What a line on stderr starts with: the ident, the time and the ident
 * (on a terminal), or the syslog priority (for the journal). */
static enum { LOG_PLAIN, LOG_STAMP, LOG_JOURNAL } log_form = LOG_PLAIN;
/*
 * The lines the one thread that holds them (log_hold(): the loop, in a
 * group commit) has logged until log_release() writes them at once: on
 * stderr, a write per line otherwise. A line that would not fit writes
 * those held first. fatal() in any thread and exit() write them too; a
 * crash loses them: a group commit's, whose answers never went out.
 */
#define LOG_HOLD_MAX	16384
static char		 log_held[LOG_HOLD_MAX];
static size_t		 log_held_len;
static atomic_int	 log_held_taken;	/* a thread holds lines */
static __thread int	 log_holding;		/* it is this one */

static void
log_put(const char *line, size_t len)
{
	fwrite(line, 1, len, stderr);
	fflush(stderr);
}

static void	log_held_out(void);

void
log_init(const char *ident, int use_syslog, int level)
{
	static int	 once;

	if (!once) {
		once = 1;
		atexit(log_held_out);
	}
	log_ident = ident;
	atomic_store_explicit(&log_level, level, memory_order_relaxed);
	if (log_syslog)
		closelog();
	log_syslog = use_syslog;
	if (log_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	tzset();
}

/*
 * A daemon in the foreground: its stderr is the journal when
 * JOURNAL_STREAM names that very file (systemd's rule), and the journal
 * stamps lines itself and reads their priority from a "<N>" prefix; a
 * terminal gets the time on each line; anything else plain lines, for
 * whatever collects them to stamp.
 */
void
log_foreground(void)
{
	const char		*js = getenv("JOURNAL_STREAM");
	struct stat		 sb;
	unsigned long long	 dev, ino;

	if (js != NULL && sscanf(js, "%llu:%llu", &dev, &ino) == 2 &&
	    fstat(STDERR_FILENO, &sb) == 0 && (unsigned long long)sb.st_dev ==
	    dev && (unsigned long long)sb.st_ino == ino)
		log_form = LOG_JOURNAL;
	else if (isatty(STDERR_FILENO))
		log_form = LOG_STAMP;
	else
		log_form = LOG_PLAIN;
}

void
log_reopen(void)
{
	if (log_syslog) {
		closelog();
		openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	}
}

void
log_set_level(int level)
{
	atomic_store_explicit(&log_level, level, memory_order_relaxed);
}

int
log_get_level(void)
{
	return (atomic_load_explicit(&log_level, memory_order_relaxed));
}

int
log_level_parse(const char *s)
{
	if (strcmp(s, "warn") == 0 || strcmp(s, "warning") == 0)
		return (LOG_LEVEL_WARN);
	if (strcmp(s, "info") == 0)
		return (LOG_LEVEL_INFO);
	if (strcmp(s, "debug") == 0)
		return (LOG_LEVEL_DEBUG);
	return (-1);
}

static void
vlog(int pri, const char *fmt, va_list ap, int with_errno)
{
	int	 saved = errno;
	char	 msg[2048];

	vsnprintf(msg, sizeof msg, fmt, ap);
	if (log_syslog) {
		if (with_errno)
			syslog(pri, "%s: %s", msg, strerror(saved));
		else
			syslog(pri, "%s", msg);
	} else {
		char		 head[96];
		struct tm	 tm;
		time_t		 now;

		switch (log_form) {
		case LOG_JOURNAL:
			snprintf(head, sizeof head, "<%d>", pri);
			break;
		case LOG_STAMP:
			now = time(NULL);
			if (localtime_r(&now, &tm) == NULL ||
			    strftime(head, sizeof head, "%Y-%m-%d %H:%M:%S ",
			    &tm) == 0)
				*head = '\0';
			snprintf(head + strlen(head), sizeof head - strlen(head),
			    "%s: ", log_ident);
			break;
		default:
			snprintf(head, sizeof head, "%s: ", log_ident);
			break;
		}
		char		 line[sizeof head + sizeof msg + 256];
		int		 n;

		if (with_errno)
			n = snprintf(line, sizeof line, "%s%s: %s\n", head, msg,
			    strerror(saved));
		else
			n = snprintf(line, sizeof line, "%s%s\n", head, msg);
		if (n < 0)
			n = 0;
		else if ((size_t)n >= sizeof line) {
			n = sizeof line - 1;
			line[n - 1] = '\n';
		}
		if (!log_holding)
			log_put(line, (size_t)n);
		else {
			if (log_held_len + (size_t)n > sizeof log_held) {
				log_put(log_held, log_held_len);
				log_held_len = 0;
			}
			memcpy(log_held + log_held_len, line, (size_t)n);
			log_held_len += (size_t)n;
		}
	}
	errno = saved;
}

void
log_hold(void)
{
	int	 free_ = 0;

	if (!log_holding && atomic_compare_exchange_strong(&log_held_taken,
	    &free_, 1))
		log_holding = 1;
}

void
log_release(void)
{
	if (!log_holding)
		return;
	if (log_held_len > 0) {
		log_put(log_held, log_held_len);
		log_held_len = 0;
	}
	log_holding = 0;
	atomic_store(&log_held_taken, 0);
}

/*
 * At the end (fatal(), exit()), from whichever thread: what is held is
 * written, and this thread's lines go at once from now on.
 */
static void
log_held_out(void)
{
	if (atomic_load(&log_held_taken) && log_held_len > 0) {
		log_put(log_held, log_held_len);
		log_held_len = 0;
	}
	log_holding = 0;
}

#define LOG_FN(name, pri, minlevel, with_errno)			\
void									\
name(const char *fmt, ...)						\
{									\
	va_list	 ap;							\
									\
	if (atomic_load_explicit(&log_level, memory_order_relaxed) <	\
	    (minlevel))							\
		return;							\
	va_start(ap, fmt);						\
	vlog((pri), fmt, ap, (with_errno));				\
	va_end(ap);							\
}
LOG_FN(log_warn, LOG_WARNING, LOG_LEVEL_WARN, 1)
LOG_FN(log_warnx, LOG_WARNING, LOG_LEVEL_WARN, 0)
LOG_FN(log_info, LOG_INFO, LOG_LEVEL_INFO, 0)
LOG_FN(log_debug, LOG_DEBUG, LOG_LEVEL_DEBUG, 0)

void
fatal(const char *fmt, ...)
{
	va_list	 ap;

	log_held_out();
	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, 1);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	log_held_out();
	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, 0);
	va_end(ap);
	exit(1);
}
