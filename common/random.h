/*
 * Random tokens from the kernel's CSPRNG (getrandom). Never falls back to a
 * weaker source: without randomness the caller's secret would be guessable.
 */
#ifndef RANDOM_H
#define RANDOM_H

#include <stddef.h>

/* Fills buf with len random bytes or exits. */
void	 random_bytes(void *buf, size_t len);
/* Returns 2 * nbytes lower-case hex digits; caller frees. */
char	*random_hex(size_t nbytes);

#endif
