/*
 * The fuzz targets that need a database share this: a store in a fresh
 * directory under /tmp with a token key, closed and removed at exit.
 */
#ifndef FUZZSTORE_H
#define FUZZSTORE_H

struct store;

struct store	*fuzz_store_open(void);
void		 fuzz_store_post(struct store *, const char *, const char *);

#endif
