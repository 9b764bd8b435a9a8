#include "config.h"

#include <sys/random.h>

#include <errno.h>
#include <stdlib.h>

#include "hex.h"
#include "log.h"
#include "random.h"
#include "xmalloc.h"

void
random_bytes(void *buf, size_t len)
{
	unsigned char	*p = buf;
	ssize_t		 n;

	while (len > 0) {
		n = getrandom(p, len, 0);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			fatal("getrandom");
		}
		p += n;
		len -= (size_t)n;
	}
}

char *
random_hex(size_t nbytes)
{
	unsigned char		*raw = xmalloc(nbytes);
	char			*s = xmalloc(2 * nbytes + 1);

	random_bytes(raw, nbytes);
	hex_encode(raw, nbytes, s);
	free(raw);
	return (s);
}
