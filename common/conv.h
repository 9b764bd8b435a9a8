/*
 * The conversions of a printf format, read the one way for both sides of
 * a refusal: the daemon records each argument as the text its conversion
 * made of it (conv_args()), and kursusctl puts those texts into the
 * conversions of a translated format (conv_fill()).
 */
#ifndef CONV_H
#define CONV_H

#include <stdarg.h>
#include <stddef.h>

enum conv_type {
	CONV_END,		/* no more conversions */
	CONV_BAD,		/* not one we take: positional (%1$s), %n, %L... */
	CONV_INT,		/* d i c, and h hh: an int */
	CONV_UINT,		/* o u x X, and h hh: an unsigned int */
	CONV_LONG,		/* l with d i */
	CONV_ULONG,		/* l with o u x X */
	CONV_LLONG,		/* ll with d i */
	CONV_ULLONG,		/* ll with o u x X */
	CONV_SIZE,		/* z: a size_t */
	CONV_INTMAX,		/* j with d i */
	CONV_UINTMAX,		/* j with o u x X */
	CONV_PTRDIFF,		/* t */
	CONV_DOUBLE,		/* e E f F g G a A */
	CONV_STRING,		/* s */
	CONV_POINTER		/* p */
};

/* One conversion: where its '%' is, its length to the letter, its type. */
struct conv {
	size_t		 off;
	size_t		 len;
	int		 stars;		/* '*' width or precision: an int each */
	enum conv_type	 type;
};

/*
 * The next conversion of fmt from *pos on ("%%" is text, not one), and
 * *pos past it. CONV_END at the end of fmt; CONV_BAD for one this reader
 * does not take, with *pos past the '%'.
 */
enum conv_type	 conv_next(const char *fmt, size_t *pos, struct conv *c);
/*
 * The text each conversion of fmt makes of its argument in ap, one after
 * another into out (each ending in NUL): their number, or -1 when they do
 * not fit in outsize bytes or fmt has a conversion conv_next() refuses.
 */
int		 conv_args(char *out, size_t outsize, const char *fmt,
		    va_list ap);
/*
 * fmt with its conversions replaced, in order, by the nargs texts of args
 * (and "%%" by "%"): a new string the caller frees, or NULL when fmt's
 * conversions are not exactly nargs of those conv_next() takes.
 */
char		*conv_fill(const char *fmt, const char *const *args,
		    int nargs);

#endif
