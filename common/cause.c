#include "config.h"

#include <sys/types.h>

#include <ctype.h>
#include <stdarg.h>
#include <string.h>

#include "cause.h"
#include "conv.h"
#include "xmalloc.h"

/* The last cause this thread made: its text, format and arguments. */
static _Thread_local struct {
	char	text[512];
	char	fmt[512];
	char	args[512];
	int	nargs;		/* -1: none to give */
} cause_last = { .nargs = -1 };

int
cause_set(char **cause, const char *fmt, ...)
{
	va_list	ap;

	if (cause == NULL)
		return (-1);
	va_start(ap, fmt);
	xvasprintf(cause, fmt, ap);
	va_end(ap);
	cause_last.nargs = -1;
	if (strlen(*cause) >= sizeof cause_last.text ||
	    strlen(fmt) >= sizeof cause_last.fmt)
		return (-1);
	va_start(ap, fmt);
	cause_last.nargs = conv_args(cause_last.args, sizeof cause_last.args,
	    fmt, ap);
	va_end(ap);
	memcpy(cause_last.text, *cause, strlen(*cause) + 1);
	memcpy(cause_last.fmt, fmt, strlen(fmt) + 1);
	return (-1);
}

int
cause_format(const char *cause, const char **fmt, const char **args)
{
	if (cause == NULL || cause_last.nargs < 0 ||
	    strcmp(cause, cause_last.text) != 0)
		return (-1);
	*fmt = cause_last.fmt;
	*args = cause_last.args;
	return (cause_last.nargs);
}

void
cause_quote(const char *s, char *buf, size_t len)
{
	size_t	 i, max = len - 4;

	for (i = 0; s[i] != '\0' && i < max; i++)
		buf[i] = iscntrl((u_char)s[i]) ? '?' : s[i];
	if (s[i] != '\0') {
		while (i > 0 && ((u_char)s[i] & 0xc0) == 0x80)
			i--;
		memcpy(buf + i, "...", 4);
	} else
		buf[i] = '\0';
}
