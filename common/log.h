/*
 * One log family for the daemon and the CLI. stderr until log_init() is told
 * to use syslog; errno is preserved across every call. log_warn() and fatal()
 * append strerror(errno). Plain "ident: message" lines on stderr unless
 * log_foreground() says otherwise.
 */
#ifndef LOG_H
#define LOG_H

#include <stdarg.h>

enum log_level { LOG_LEVEL_WARN = 0, LOG_LEVEL_INFO = 1, LOG_LEVEL_DEBUG = 2 };

void	log_init(const char *ident, int use_syslog, int level);
void	log_set_level(int level);
int	log_get_level(void);
/* Parses "warn", "info" or "debug"; returns -1 for anything else. */
int	log_level_parse(const char *);
void	log_reopen(void);
/* A daemon in the foreground: lines on stderr get the time on a terminal,
 * and their syslog priority ("<6>") when stderr is the journal. */
void	log_foreground(void);
/*
 * The calling thread's lines on stderr are held from log_hold() and
 * written at once by log_release() (or fatal()): a group commit's lines
 * in one write, not one each. Not for syslog, which takes them one by one.
 */
void	log_hold(void);
void	log_release(void);
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif
