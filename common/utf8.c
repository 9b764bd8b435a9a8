#include "config.h"

#include <string.h>

#include "utf8.h"

size_t
utf8_char_len(const unsigned char *p, size_t left)
{
	size_t		 n, i;
	unsigned char	 lo = 0x80, hi = 0xbf;

	if (left == 0)
		return (0);
	if (p[0] < 0x80)
		return (1);
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		if (p[0] == 0xe0)
			lo = 0xa0;		/* overlong */
		else if (p[0] == 0xed)
			hi = 0x9f;		/* surrogates */
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		if (p[0] == 0xf0)
			lo = 0x90;		/* overlong */
		else if (p[0] == 0xf4)
			hi = 0x8f;		/* past U+10FFFF */
	} else
		return (0);
	if (left < n)
		return (0);
	/* Only the octet after the lead has the narrower range. */
	if (p[1] < lo || p[1] > hi)
		return (0);
	for (i = 2; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return (0);
	}
	return (n);
}

size_t
utf8_first_bad(const unsigned char *s, size_t len)
{
	size_t	 i = 0, n;

	while (i < len) {
		if ((n = utf8_char_len(s + i, len - i)) == 0)
			return (i);
		i += n;
	}
	return (len);
}

/*
 * Copies src into dst (of size dstsize, > 0) as well-formed UTF-8, for a
 * message that quotes outside input: each octet that is not part of a
 * well-formed character becomes the four characters \xNN. Cut, if it must
 * be, between characters, never inside one. Returns strlen(dst).
 */
size_t
utf8_clean(char *dst, size_t dstsize, const char *src)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*s = (const unsigned char *)src;
	size_t			 len = strlen(src), i = 0, o = 0, n;

	while (i < len) {
		if ((n = utf8_char_len(s + i, len - i)) != 0) {
			if (o + n >= dstsize)
				break;
			memcpy(dst + o, s + i, n);
			o += n;
			i += n;
			continue;
		}
		if (o + 4 >= dstsize)
			break;
		dst[o++] = '\\';
		dst[o++] = 'x';
		dst[o++] = hex[s[i] >> 4];
		dst[o++] = hex[s[i] & 0xf];
		i++;
	}
	dst[o] = '\0';
	return (o);
}
