/*
 * Whether a host is this machine's loopback: where the admin API may go
 * without TLS. kursusd asks it of [admin] listen, kursusctl of an http://
 * URL.
 */
#ifndef LOOPBACK_H
#define LOOPBACK_H

/*
 * 1 when host (a name, or an address without brackets) is loopback:
 * 127.0.0.0/8, ::1, ::ffff:127.x, localhost and *.localhost; with lookup,
 * also a name whose every address is (it is looked up now). "" (the
 * wildcard address) is not.
 */
int	 loopback_host(const char *host, int lookup);

/*
 * The host of a URL, for loopback_host() ("http://u@[::1]:8080/x" gives
 * "::1"); NULL without "://" or with a "[" that does not close.
 */
char	*loopback_url_host(const char *url);

#endif
