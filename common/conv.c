#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "conv.h"
#include "xmalloc.h"

/* Past a width or precision: digits, or '*' (an int argument). */
static const char *
conv_width(const char *p, struct conv *c)
{
	if (*p == '*') {
		c->stars++;
		return (p + 1);
	}
	while (*p >= '0' && *p <= '9')
		p++;
	return (p);
}

enum conv_type
conv_next(const char *fmt, size_t *pos, struct conv *c)
{
	const char	*p, *start;
	int		 mod = 0;	/* 'h', 'l', 'L' (ll), 'z', 'j', 't' */
	int		 sign;

	memset(c, 0, sizeof *c);
	for (p = fmt + *pos; *p != '\0'; p++) {
		if (*p != '%')
			continue;
		if (p[1] == '%') {
			p++;
			continue;
		}
		break;
	}
	if (*p == '\0') {
		*pos = p - fmt;
		return (c->type = CONV_END);
	}
	start = p++;
	c->off = start - fmt;
	*pos = c->off + 1;
	while (*p != '\0' && strchr("-+ #0'", *p) != NULL)
		p++;
	p = conv_width(p, c);
	if (*p == '$')
		return (c->type = CONV_BAD);
	if (*p == '.')
		p = conv_width(p + 1, c);
	if (*p == 'h') {
		mod = 'h';
		if (*++p == 'h')
			p++;
	} else if (*p == 'l') {
		mod = 'l';
		if (*++p == 'l') {
			mod = 'L';
			p++;
		}
	} else if (*p == 'z' || *p == 'j' || *p == 't')
		mod = *p++;
	if (*p == '\0')
		return (c->type = CONV_BAD);
	sign = strchr("di", *p) != NULL;
	if (sign || strchr("ouxX", *p) != NULL) {
		switch (mod) {
		case 0:
		case 'h':
			c->type = sign ? CONV_INT : CONV_UINT;
			break;
		case 'l':
			c->type = sign ? CONV_LONG : CONV_ULONG;
			break;
		case 'L':
			c->type = sign ? CONV_LLONG : CONV_ULLONG;
			break;
		case 'z':
			c->type = CONV_SIZE;
			break;
		case 'j':
			c->type = sign ? CONV_INTMAX : CONV_UINTMAX;
			break;
		default:
			c->type = CONV_PTRDIFF;
			break;
		}
	} else if (*p == 'c' && mod == 0)
		c->type = CONV_INT;
	else if (*p == 's' && mod == 0)
		c->type = CONV_STRING;
	else if (*p == 'p' && mod == 0)
		c->type = CONV_POINTER;
	else if (strchr("eEfFgGaA", *p) != NULL && (mod == 0 || mod == 'l'))
		c->type = CONV_DOUBLE;
	else
		return (c->type = CONV_BAD);
	c->len = p + 1 - start;
	*pos = c->off + c->len;
	return (c->type);
}

/* The formats are the daemon's own, checked by the compiler at each call. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
int
conv_args(char *out, size_t outsize, const char *fmt, va_list ap)
{
	struct conv	 c;
	char		 spec[32];
	size_t		 pos = 0, used = 0, left;
	int		 n = 0, w[2] = { 0, 0 }, i, len;

	while (conv_next(fmt, &pos, &c) != CONV_END) {
		if (c.type == CONV_BAD || c.len >= sizeof spec)
			return (-1);
		memcpy(spec, fmt + c.off, c.len);
		spec[c.len] = '\0';
		for (i = 0; i < c.stars; i++)
			w[i] = va_arg(ap, int);
		left = outsize - used;
#define CONV_PRINT(type) do {						\
	type	v = va_arg(ap, type);					\
	len = c.stars == 2 ? snprintf(out + used, left, spec, w[0], w[1], v) : \
	    c.stars == 1 ? snprintf(out + used, left, spec, w[0], v) :	\
	    snprintf(out + used, left, spec, v);			\
} while (0)
		switch (c.type) {
		case CONV_INT:
			CONV_PRINT(int);
			break;
		case CONV_UINT:
			CONV_PRINT(unsigned int);
			break;
		case CONV_LONG:
			CONV_PRINT(long);
			break;
		case CONV_ULONG:
			CONV_PRINT(unsigned long);
			break;
		case CONV_LLONG:
			CONV_PRINT(long long);
			break;
		case CONV_ULLONG:
			CONV_PRINT(unsigned long long);
			break;
		case CONV_SIZE:
			CONV_PRINT(size_t);
			break;
		case CONV_INTMAX:
			CONV_PRINT(intmax_t);
			break;
		case CONV_UINTMAX:
			CONV_PRINT(uintmax_t);
			break;
		case CONV_PTRDIFF:
			CONV_PRINT(ptrdiff_t);
			break;
		case CONV_DOUBLE:
			CONV_PRINT(double);
			break;
		case CONV_STRING:
			CONV_PRINT(const char *);
			break;
		default:
			CONV_PRINT(void *);
			break;
		}
#undef CONV_PRINT
		if (len < 0 || (size_t)len >= left)
			return (-1);
		used += len + 1;
		n++;
	}
	return (n);
}

/*
 * One argument's text where a conversion of a translation stands: as it
 * is, but for a string with the translation's own width or precision
 * ("%.0s" leaves out an English plural "s" that Danish has no use for).
 */
static void
conv_fill_one(struct buf *b, const char *fmt, const struct conv *c,
    const char *arg)
{
	char	 spec[32];

	if (c->type != CONV_STRING || c->stars != 0 || c->len == 2 ||
	    c->len >= sizeof spec) {
		buf_adds(b, arg);
		return;
	}
	memcpy(spec, fmt + c->off, c->len);
	spec[c->len] = '\0';
	buf_addf(b, spec, arg);
}
#pragma GCC diagnostic pop

char *
conv_fill(const char *fmt, const char *const *args, int nargs)
{
	struct buf	 b = BUF_INIT;
	struct conv	 c;
	size_t		 pos = 0, from = 0, i;
	int		 n = 0;

	for (;;) {
		if (conv_next(fmt, &pos, &c) == CONV_END)
			c.off = pos;
		for (i = from; i < c.off; i++) {
			buf_add(&b, fmt + i, 1);
			if (fmt[i] == '%')
				i++;		/* "%%" */
		}
		if (c.type == CONV_END)
			break;
		if (c.type == CONV_BAD || n >= nargs) {
			buf_free(&b);
			return (NULL);
		}
		conv_fill_one(&b, fmt, &c, args[n]);
		n++;
		from = pos;
	}
	if (n != nargs) {
		buf_free(&b);
		return (NULL);
	}
	return (buf_detach(&b, NULL));
}
