#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <netdb.h>
#include <string.h>
#include <strings.h>

#include "loopback.h"
#include "xmalloc.h"

int
loopback_host(const char *host, int lookup)
{
	struct addrinfo	 hints, *ai = NULL, *a;
	struct in_addr	 a4;
	struct in6_addr	 a6;
	char		 name[INET6_ADDRSTRLEN];
	size_t		 len = strlen(host);
	int		 loop;

	if (strcasecmp(host, "localhost") == 0 || (len > 10 &&
	    strcasecmp(host + len - 10, ".localhost") == 0))
		return (1);
	if (inet_pton(AF_INET, host, &a4) == 1)
		return ((ntohl(a4.s_addr) >> 24) == 127);
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return (IN6_IS_ADDR_LOOPBACK(&a6) ||
		    (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127));
	if (!lookup || *host == '\0')
		return (0);
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, NULL, &hints, &ai) != 0 || ai == NULL)
		return (0);
	loop = 1;
	for (a = ai; a != NULL && loop; a = a->ai_next) {
		if (getnameinfo(a->ai_addr, a->ai_addrlen, name, sizeof name,
		    NULL, 0, NI_NUMERICHOST) != 0 ||
		    !loopback_host(name, 0))
			loop = 0;
	}
	freeaddrinfo(ai);
	return (loop);
}

char *
loopback_url_host(const char *url)
{
	const char	*p = strstr(url, "://"), *end, *at, *colon;

	if (p == NULL)
		return (NULL);
	p += 3;
	end = p + strcspn(p, "/?#");
	for (at = p; at < end; at++)
		if (*at == '@')
			p = at + 1;
	if (*p == '[') {
		if ((colon = memchr(p, ']', (size_t)(end - p))) == NULL)
			return (NULL);
		return (xstrndup(p + 1, (size_t)(colon - p - 1)));
	}
	if ((colon = memchr(p, ':', (size_t)(end - p))) != NULL)
		end = colon;
	return (xstrndup(p, (size_t)(end - p)));
}
