/*
 * UTF-8 as RFC 3629 defines it: no overlong forms, no surrogates, nothing
 * past U+10FFFF. One check for the daemon, the libraries and the CLI.
 */
#ifndef UTF8_H
#define UTF8_H

#include <stddef.h>

/* Octets of the well-formed character at p (1 for ASCII), or 0. */
size_t	utf8_char_len(const unsigned char *p, size_t left);
/* Offset of the first octet not part of well-formed UTF-8, or len. */
size_t	utf8_first_bad(const unsigned char *s, size_t len);
/* src as well-formed UTF-8 in dst, bad octets written \xNN; strlen(dst). */
size_t	utf8_clean(char *dst, size_t dstsize, const char *src);

#endif
