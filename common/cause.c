#include "config.h"

#include <sys/types.h>

#include <ctype.h>
#include <stdarg.h>
#include <string.h>

#include "cause.h"
#include "xmalloc.h"

int
cause_set(char **cause, const char *fmt, ...)
{
	va_list	ap;

	if (cause != NULL) {
		va_start(ap, fmt);
		xvasprintf(cause, fmt, ap);
		va_end(ap);
	}
	return (-1);
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
