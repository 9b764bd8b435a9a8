#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "buf.h"
#include "log.h"
#include "xmalloc.h"

#define BUF_MIN	256

void
buf_grow(struct buf *b, size_t n)
{
	size_t	 want = b->len + n + 1, size;

	if (want < b->len)
		fatalx("buf_grow: %zu more bytes overflow", n);
	if (want <= b->size)
		return;
	size = b->size > BUF_MIN ? b->size : BUF_MIN;
	while (size < want) {
		if (size > ((size_t)-1) / 2) {
			size = want;
			break;
		}
		size *= 2;
	}
	b->data = xreallocarray(b->data, 1, size);
	b->size = size;
}

void
buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
	va_list	 ap2;
	int	 n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		fatalx("buf_vaddf: cannot format \"%s\"", fmt);
	buf_grow(b, (size_t)n);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void
buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	buf_vaddf(b, fmt, ap);
	va_end(ap);
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

char *
buf_detach(struct buf *b, size_t *len)
{
	char	*data = b->data != NULL ? b->data : xstrdup("");

	if (len != NULL)
		*len = b->len;
	b->data = NULL;
	b->len = b->size = 0;
	return (data);
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->size = 0;
}

void
buf_add_html(struct buf *b, const char *s, size_t n)
{
	size_t	 i, run;

	for (i = 0; i < n; i++) {
		/* The bytes that need no escape go in one piece. */
		for (run = i; run < n && s[run] != '&' && s[run] != '<' &&
		    s[run] != '>' && s[run] != '"' && s[run] != '\''; run++)
			;
		if (run > i) {
			buf_add(b, s + i, run - i);
			if ((i = run) == n)
				break;
		}
		switch (s[i]) {
		case '&':
			buf_adds(b, "&amp;");
			break;
		case '<':
			buf_adds(b, "&lt;");
			break;
		case '>':
			buf_adds(b, "&gt;");
			break;
		case '"':
			buf_adds(b, "&quot;");
			break;
		case '\'':
			buf_adds(b, "&#39;");
			break;
		default:
			buf_addc(b, s[i]);
		}
	}
}
