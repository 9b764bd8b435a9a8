/*
 * Blobs: bytes shared by the feed cache and the answers still sending
 * them, freed when the last of them lets go. Only the loop thread holds
 * them, so the count needs no lock. A blob is memory of its own, or a
 * file mapped read-only (a copy of the database: the kernel's page cache
 * holds it, not the heap, and every answer sending it shares it).
 */
#include "config.h"

#include <sys/mman.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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
	b->mapped = 0;
	return (b);
}

/*
 * A blob of the len bytes of the file fd, mapped; the descriptor may be
 * closed (and the file unlinked) once it returns. NULL with *cause.
 */
struct blob *
blob_map(int fd, size_t len, char **cause)
{
	struct blob	*b;
	void		*p;

	if (len == 0) {
		xasprintf(cause, "the file is empty");
		return (NULL);
	}
	if ((p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0)) ==
	    MAP_FAILED) {
		xasprintf(cause, "mmap: %s", strerror(errno));
		return (NULL);
	}
	/* Sent from start to end, once: read ahead, drop behind. */
	madvise(p, len, MADV_SEQUENTIAL);
	b = xmalloc(sizeof *b);
	b->refs = 1;
	b->len = len;
	b->size = 0;		/* nothing to reuse */
	b->data = p;
	b->mapped = 1;
	return (b);
}

void
blob_unref(struct blob *b)
{
	if (b != NULL && --b->refs == 0) {
		if (b->mapped)
			munmap(b->data, b->len);
		else
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
