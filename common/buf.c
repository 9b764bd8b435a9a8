#include "config.h"

#include <sys/mman.h>

#include <stdio.h>
#include <stdlib.h>

#include "buf.h"
#include "log.h"
#include "xmalloc.h"

#define BUF_MIN	256

/*
 * A buffer of BUF_HUGE or more (a year's statistics, a large feed, an
 * export) is asked for in transparent huge pages, where the kernel gives
 * them on request (its "madvise" mode, Debian's default). Fresh 4 KiB
 * pages cost a fault each: writing 17 MB of statistics into them took
 * longer than building the answer (bench/national, issue 9). The block is
 * still a malloc() block, freed with free() as any other. buf_block()
 * gives such a block, of its size, to what fills it whole at once (a
 * feed's bytes assembled: 6 ms of faults for a cold 10,000-session feed
 * of 8.6 MB, 0.5 ms in huge pages).
 */
#define BUF_HUGE	((size_t)4 << 20)
#define BUF_HUGE_PAGE	((size_t)2 << 20)

static char *
buf_huge(char *old, size_t len, size_t size)
{
	void	*p;

	if (posix_memalign(&p, BUF_HUGE_PAGE, size) != 0)
		fatalx("buf_grow: out of memory for %zu bytes", size);
#ifdef MADV_HUGEPAGE
	(void)madvise(p, size & ~(BUF_HUGE_PAGE - 1), MADV_HUGEPAGE);
#endif
	if (old != NULL) {
		memcpy(p, old, len + 1);
		free(old);
	}
	return (p);
}

char *
buf_block(size_t size)
{
	return (size >= BUF_HUGE ? buf_huge(NULL, 0, size) : xmalloc(size));
}

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
	if (size >= BUF_HUGE && b->size < BUF_HUGE)
		b->data = buf_huge(b->data, b->len, size);
	else
		b->data = xreallocarray(b->data, 1, size);
	b->size = size;
}

void
buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
	va_list	 ap2;
	size_t	 room;
	int	 n;

	/*
	 * Formatted once into the room there is; a second time only when
	 * it did not fit (a search word, a header line: once was enough).
	 */
	if (b->data == NULL)
		buf_grow(b, 0);
	room = b->size - b->len;
	va_copy(ap2, ap);
	n = vsnprintf(b->data + b->len, room, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		fatalx("buf_vaddf: cannot format \"%s\"", fmt);
	if ((size_t)n >= room) {
		buf_grow(b, (size_t)n);
		vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	}
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

void
buf_add_json(struct buf *b, const char *s, size_t n)
{
	/* The characters with a short escape, and the letter of each. */
	static const char	 esc[] = "\"\\\b\f\n\r\t", letter[] = "\"\\bfnrt";
	const char		*run, *end = s + n, *e;
	char			 two[2] = { '\\', 0 };

	for (run = s; s < end; s++) {
		if (*s != '"' && *s != '\\' && (unsigned char)*s >= 0x20)
			continue;
		buf_add(b, run, (size_t)(s - run));
		run = s + 1;
		if (*s != '\0' && (e = strchr(esc, *s)) != NULL) {
			two[1] = letter[e - esc];
			buf_add(b, two, 2);
		} else
			buf_addf(b, "\\u%04X", (unsigned int)(unsigned char)*s);
	}
	buf_add(b, run, (size_t)(s - run));
}
