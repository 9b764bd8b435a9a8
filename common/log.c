#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

static const char	*log_ident = "kursusd";
static int		 log_syslog;
static int		 log_level = LOG_LEVEL_INFO;

void
log_init(const char *ident, int use_syslog, int level)
{
	log_ident = ident;
	log_level = level;
	if (log_syslog)
		closelog();
	log_syslog = use_syslog;
	if (log_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	tzset();
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
	log_level = level;
}

int
log_get_level(void)
{
	return (log_level);
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
		if (with_errno)
			fprintf(stderr, "%s: %s: %s\n", log_ident, msg,
			    strerror(saved));
		else
			fprintf(stderr, "%s: %s\n", log_ident, msg);
		fflush(stderr);
	}
	errno = saved;
}

#define LOG_FN(name, pri, minlevel, with_errno)			\
void									\
name(const char *fmt, ...)						\
{									\
	va_list	 ap;							\
									\
	if (log_level < (minlevel))					\
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

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, 1);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, 0);
	va_end(ap);
	exit(1);
}
