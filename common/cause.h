/*
 * Building the char **cause that recoverable errors hand back: the caller
 * prints it or turns it into a JSON error, then frees it.
 */
#ifndef CAUSE_H
#define CAUSE_H

#include <stddef.h>

/*
 * Sets *cause to a newly allocated sentence (the caller frees it), unless
 * cause is NULL; always returns -1, so a failing function can end with
 * "return (cause_set(cause, ...));".
 */
int	 cause_set(char **cause, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/*
 * When cause is the text the thread's last cause_set() made, its format
 * and the texts of its arguments (args: one after another, each ending in
 * NUL, valid until the next cause_set()) and their number; else -1. A
 * refusal that is only a cause is said through the cause's format.
 */
int	 cause_format(const char *cause, const char **fmt, const char **args);
/*
 * Copies s into buf (len bytes, at least 4) for quoting in a cause: control
 * bytes become '?' (causes end up in logs and JSON), and text that does not
 * fit is cut at a UTF-8 character boundary and ends in "...".
 */
void	 cause_quote(const char *s, char *buf, size_t len);

#endif
