#include "config.h"

#include <sys/random.h>

#include <errno.h>
#include <stdlib.h>

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
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		*raw = xmalloc(nbytes);
	char			*s = xmalloc(2 * nbytes + 1);
	size_t			 i;

	random_bytes(raw, nbytes);
	for (i = 0; i < nbytes; i++) {
		s[2 * i] = hex[raw[i] >> 4];
		s[2 * i + 1] = hex[raw[i] & 0xf];
	}
	s[2 * nbytes] = '\0';
	free(raw);
	return (s);
}
