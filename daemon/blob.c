/*
 * Blobs: bytes shared by the feed cache and the answers still sending
 * them, freed when the last of them lets go. Only the loop thread holds
 * them, so the count needs no lock.
 */
#include "config.h"

#include <stdlib.h>

#include "kursusd.h"

/* A blob owning data, which was allocated with malloc. */
struct blob *
blob_adopt(char *data, size_t len)
{
	struct blob	*b = xmalloc(sizeof *b);

	b->refs = 1;
	b->len = len;
	b->size = len + 1;
	b->data = data;
	return (b);
}

void
blob_unref(struct blob *b)
{
	if (b != NULL && --b->refs == 0) {
		free(b->data);
		free(b);
	}
}

struct blob *
blob_ref(struct blob *b)
{
	b->refs++;
	return (b);
}

const char *
blob_data(const struct blob *b)
{
	return (b->data);
}

size_t
blob_len(const struct blob *b)
{
	return (b->len);
}
