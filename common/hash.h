/*
 * FNV-1a, 32 bits: the hash of the daemon's in-memory tables keyed by
 * text (the feed cache, the statistics' interned names). Start from
 * HASH_INIT and feed it each piece of the key in turn.
 */
#ifndef HASH_H
#define HASH_H

#include <stdint.h>

#define HASH_INIT	2166136261u

static inline uint32_t
hash_byte(uint32_t h, unsigned char c)
{
	return ((h ^ c) * 16777619u);
}

static inline uint32_t
hash_str(uint32_t h, const char *s)
{
	for (; *s != '\0'; s++)
		h = hash_byte(h, (unsigned char)*s);
	return (h);
}

#endif
