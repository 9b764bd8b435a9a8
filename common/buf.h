/*
 * The one growable buffer: bytes appended at the end, always followed by
 * a NUL once anything is in it, so that the data is also a C string when
 * it holds text. The memory is the buffer's until buf_detach() hands it
 * over (the caller then frees it with free()) or buf_free() frees it.
 */
#ifndef BUF_H
#define BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

struct buf {
	char	*data;		/* NULL until something is added */
	size_t	 len;
	size_t	 size;		/* allocated, at least len + 1 */
};
#define BUF_INIT	{ NULL, 0, 0 }

/* Makes room for n more bytes and the NUL. */
void	 buf_grow(struct buf *, size_t n);
/*
 * size octets of memory, freed with free(): in huge pages where the
 * kernel gives them when it is large, as a large buffer's.
 */
char	*buf_block(size_t size);

static inline void
buf_add(struct buf *b, const void *p, size_t n)
{
	if (b->len + n + 1 > b->size)
		buf_grow(b, n);
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static inline void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static inline void
buf_addc(struct buf *b, char c)
{
	buf_add(b, &c, 1);
}

void	 buf_addf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	 buf_vaddf(struct buf *, const char *, va_list)
	    __attribute__((format(printf, 2, 0)));
/* Forgets what is in it, keeping the memory. */
/* Appends n bytes of s with &, <, >, " and ' escaped for HTML text and
 * attribute values. */
void	 buf_add_html(struct buf *, const char *s, size_t n);
/* Appends n bytes of s as the inside of a JSON string, escaped as
 * jansson's json_dumps() escapes them: '"', '\\' and the control
 * characters; the rest (UTF-8, '/') as it is. */
void	 buf_add_json(struct buf *, const char *s, size_t n);
void	 buf_reset(struct buf *);
/* The data for the caller to free ("" when empty, never NULL), *len its
 * length when len is not NULL; the buffer is empty again. */
char	*buf_detach(struct buf *, size_t *len);
void	 buf_free(struct buf *);

#endif
