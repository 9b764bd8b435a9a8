/*
 * Bytes as lower-case hexadecimal digits, and back.
 */
#ifndef HEX_H
#define HEX_H

#include <stddef.h>

/* Writes 2 * len digits and a NUL to out. */
void	 hex_encode(const unsigned char *in, size_t len, char *out);
/* Exactly 2 * len lower-case digits in into len bytes: 0, or -1. */
int	 hex_decode(const char *in, unsigned char *out, size_t len);

#endif
