/*
 * Spools (readjob.h): a read job's answer written through a small buffer.
 * While the answer is small it stays in that buffer, and is sent from
 * memory as before; once it outgrows SPOOL_CHUNK, the buffer goes into a
 * file in kursusd's state directory (the database's) each time it fills,
 * and the answer is sent from the file (blob_file(): sendfile(2)). A
 * year's statistics (17 MB on a national system) or an export of years
 * then never sits in kursusd's memory: its bytes go from the job's
 * buffer to the page cache and from there to the socket.
 *
 * The file is made unlinked (O_TMPFILE; where the file system has none,
 * a private name removed at once): it has no name from the start, holds
 * what a person's registrations add up to only while the answer is being
 * sent, and its room goes back when the blob sending it is let go (the
 * answer sent, or its connection closed). Not a memory file (memfd,
 * tmpfs): its pages would be memory all the same.
 *
 * A file that cannot be made or written (the disk full, a state
 * directory kursusd may not write) is said as the answer's refusal: 507
 * or 500 naming why, never part of an answer.
 *
 * Only the job writes the file; the loop only sends it, from the page
 * cache where the job has just put its bytes (should memory be short,
 * the kernel reads back what it dropped, as it does for the database's
 * own pages, which the loop reads too).
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kursusd.h"
#include "readjob.h"

void
spool_init(struct spool *s, const char *dir)
{
	memset(s, 0, sizeof *s);
	s->dir = dir;
	s->fd = -1;
}

/* The answer's file in s->dir, unlinked: its descriptor, or -1. */
static int
spool_open(struct spool *s)
{
	char	*tmp;
	int	 fd;

#ifdef O_TMPFILE
	if ((fd = open(s->dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600)) != -1)
		return (fd);
	/* A file system without O_TMPFILE: a name, removed at once. */
	if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
		return (-1);
#endif
	/* mkostemp(3)'s template: it puts a unique name in place of the X's. */
	tmp = xprintf("%s/.answer-XXXXXX", s->dir);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) != -1)
		unlink(tmp);
	free(tmp);
	return (fd);
}

/* What went wrong with the file, kept for spool_blob(): nothing more is
 * kept. -1. */
static int
spool_failed(struct spool *s, int making, int err)
{
	if (s->err == 0) {
		s->err = err;
		s->making = making;
	}
	buf_reset(&s->b);
	return (-1);
}

int
spool_flush(struct spool *s)
{
	const char	*p;
	size_t		 left;
	ssize_t		 w;

	if (s->err != 0)	/* nothing more is kept */
		return (spool_failed(s, s->making, s->err));
	if (s->b.len == 0)
		return (0);
	if (s->fd == -1 && (s->fd = spool_open(s)) == -1)
		return (spool_failed(s, 1, errno));
	for (p = s->b.data, left = s->b.len; left > 0; p += w,
	    left -= (size_t)w) {
		if ((w = write(s->fd, p, left)) == -1) {
			if (errno == EINTR) {
				w = 0;
				continue;
			}
			return (spool_failed(s, 0, errno));
		}
		s->filed += (size_t)w;
	}
	buf_reset(&s->b);
	return (0);
}

struct blob *
spool_blob(struct spool *s, struct fail *f)
{
	struct blob	*b;
	char		*data;
	size_t		 len;

	if (s->fd == -1 && s->err == 0) {
		data = buf_detach(&s->b, &len);
		return (blob_adopt(data, len));
	}
	if (spool_flush(s) != 0) {
		if (s->err == ENOSPC || s->err == EDQUOT)
			fail_set(f, 507, NULL, "the disk is full: no room in "
			    "%s for the answer (%zu bytes of it written): %s",
			    s->dir, s->filed, strerror(s->err));
		else if (s->making)
			fail_set(f, 500, NULL, "cannot make a file for the "
			    "answer in %s: %s", s->dir, strerror(s->err));
		else
			fail_set(f, 500, NULL, "cannot write the answer to "
			    "its file in %s: %s", s->dir, strerror(s->err));
		return (NULL);
	}
	b = blob_file(s->fd, s->filed);
	s->fd = -1;
	return (b);
}

void
spool_free(struct spool *s)
{
	buf_free(&s->b);
	if (s->fd != -1)
		close(s->fd);
	s->fd = -1;
}
