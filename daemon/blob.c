/*
 * Blobs: bytes shared by the feed cache and the answers still sending
 * them, freed when the last of them lets go. Only the loop thread holds
 * them, so the count needs no lock. A blob is memory of its own, or a
 * file on disk without a name that is only ever sent (blob_file(): a copy
 * of the database, a read job's large answer): the kernel's page cache
 * holds it, neither the heap nor a mapping, and every answer sending it
 * shares it. Bytes sent often and whole (a large feed's gzip bytes, a
 * mid-sized feed's plain bytes asked for again) may be moved into a
 * memory file (blob_filed(), BLOB_FILED_MAX of them at most): answers
 * then hand its pages to the socket with sendfile(2) instead of copying
 * them in, as a file server does.
 */
#include "config.h"

#include <sys/mman.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
	b->fd = -1;
	return (b);
}

/*
 * A blob of the len bytes of the file fd (taken), neither read nor
 * mapped: answers send it with sendfile(2) (pread(2) through TLS), so
 * its bytes stay in the page cache, never in kursusd's memory (a large
 * answer of a read job, spool.c). blob_data() is NULL for it.
 */
struct blob *
blob_file(int fd, size_t len)
{
	struct blob	*b = blob_adopt(NULL, len);

	b->size = 0;		/* no memory of its own */
	b->fd = fd;
	return (b);
}

/* Memory files held now: BLOB_FILED_MAX at most, the first bytes to ask
 * keeping theirs. */
static unsigned	 blob_nfiled;

/*
 * Moves the bytes of b, which nothing shares yet, into a memory file,
 * sealed and mapped read-only in their place; b->fd is the file, for
 * sendfile(). -1 (b unchanged) when that cannot be done.
 */
int
blob_filed(struct blob *b)
{
	const char	*p;
	void		*map;
	size_t		 left;
	ssize_t		 w;
	int		 fd;

	if (b->refs != 1 || b->fd != -1 || b->len == 0 ||
	    blob_nfiled >= BLOB_FILED_MAX)
		return (-1);
	if ((fd = memfd_create("kursusd-feed", MFD_CLOEXEC |
	    MFD_ALLOW_SEALING)) == -1)
		return (-1);
	for (p = b->data, left = b->len; left > 0; p += w, left -= (size_t)w) {
		if ((w = write(fd, p, left)) == -1) {
			if (errno == EINTR) {
				w = 0;
				continue;
			}
			close(fd);
			return (-1);
		}
	}
	/*
	 * Nobody, kursusd included, changes them now. Sealed before they
	 * are mapped: a shared mapping of a file open for writing may be
	 * made writable, so the kernel refuses F_SEAL_WRITE while one
	 * exists (EBUSY), and refuses a shared mapping after it on kernels
	 * before 6.7. A private read-only mapping of the sealed file shows
	 * its pages all the same, and never has copies of its own.
	 */
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW |
	    F_SEAL_WRITE | F_SEAL_SEAL) == -1 ||
	    (map = mmap(NULL, b->len, PROT_READ, MAP_PRIVATE, fd, 0)) ==
	    MAP_FAILED) {
		close(fd);
		return (-1);
	}
	free(b->data);
	b->data = map;
	b->size = 0;
	b->fd = fd;
	blob_nfiled++;
	return (0);
}

void
blob_unref(struct blob *b)
{
	if (b != NULL && --b->refs == 0) {
		if (b->fd != -1 && b->data != NULL) {	/* blob_filed() */
			munmap(b->data, b->len);
			blob_nfiled--;
		} else
			free(b->data);
		if (b->fd != -1)
			close(b->fd);
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
