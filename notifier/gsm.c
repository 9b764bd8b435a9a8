#include "config.h"

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "notifier.h"

/* Septets in one SMS, and in each part of a concatenated one. */
#define GSM_SINGLE	160
#define GSM_PART	153
/* UTF-16 units likewise, when the text goes as UCS-2. */
#define UCS2_SINGLE	70
#define UCS2_PART	67

/*
 * The GSM 03.38 default alphabet as Unicode, indexed by septet. 0x1b is the
 * escape to the extension table and stands for no character (0 here: a C
 * string never holds U+0000).
 */
static const uint16_t gsm_basic[128] = {
	0x0040, 0x00a3, 0x0024, 0x00a5, 0x00e8, 0x00e9, 0x00f9, 0x00ec,
	0x00f2, 0x00c7, 0x000a, 0x00d8, 0x00f8, 0x000d, 0x00c5, 0x00e5,
	0x0394, 0x005f, 0x03a6, 0x0393, 0x039b, 0x03a9, 0x03a0, 0x03a8,
	0x03a3, 0x0398, 0x039e, 0x0000, 0x00c6, 0x00e6, 0x00df, 0x00c9,
	0x0020, 0x0021, 0x0022, 0x0023, 0x00a4, 0x0025, 0x0026, 0x0027,
	0x0028, 0x0029, 0x002a, 0x002b, 0x002c, 0x002d, 0x002e, 0x002f,
	0x0030, 0x0031, 0x0032, 0x0033, 0x0034, 0x0035, 0x0036, 0x0037,
	0x0038, 0x0039, 0x003a, 0x003b, 0x003c, 0x003d, 0x003e, 0x003f,
	0x00a1, 0x0041, 0x0042, 0x0043, 0x0044, 0x0045, 0x0046, 0x0047,
	0x0048, 0x0049, 0x004a, 0x004b, 0x004c, 0x004d, 0x004e, 0x004f,
	0x0050, 0x0051, 0x0052, 0x0053, 0x0054, 0x0055, 0x0056, 0x0057,
	0x0058, 0x0059, 0x005a, 0x00c4, 0x00d6, 0x00d1, 0x00dc, 0x00a7,
	0x00bf, 0x0061, 0x0062, 0x0063, 0x0064, 0x0065, 0x0066, 0x0067,
	0x0068, 0x0069, 0x006a, 0x006b, 0x006c, 0x006d, 0x006e, 0x006f,
	0x0070, 0x0071, 0x0072, 0x0073, 0x0074, 0x0075, 0x0076, 0x0077,
	0x0078, 0x0079, 0x007a, 0x00e4, 0x00f6, 0x00f1, 0x00fc, 0x00e0
};

/* The extension table: each is sent as escape plus one septet. */
static const uint16_t gsm_extension[] = {
	0x000c,	/* form feed */
	0x005e,	/* ^ */
	0x007b,	/* { */
	0x007d,	/* } */
	0x005c,	/* \ */
	0x005b,	/* [ */
	0x007e,	/* ~ */
	0x005d,	/* ] */
	0x007c,	/* | */
	0x20ac	/* € */
};

static int	 gsm_decode(const u_char **, uint32_t *);
static size_t	 gsm_septets(uint32_t);

/*
 * Reads one UTF-8 character and advances past it. A byte that does not
 * start a well-formed character (stray continuation, overlong form,
 * surrogate, beyond U+10FFFF, cut short) is consumed alone and -1 returned.
 */
static int
gsm_decode(const u_char **pp, uint32_t *cp)
{
	const u_char	*p = *pp;
	uint32_t	 c, min;
	size_t		 n, i;

	c = p[0];
	if (c < 0x80) {
		*cp = c;
		*pp = p + 1;
		return (0);
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 1;
		c &= 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 2;
		c &= 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 3;
		c &= 0x07;
		min = 0x10000;
	} else
		goto bad;
	for (i = 1; i <= n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			goto bad;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		goto bad;
	*cp = c;
	*pp = p + n + 1;
	return (0);

bad:
	*pp = p + 1;
	return (-1);
}

/* Septets for one character: 1 in the alphabet, 2 in the extension, else 0. */
static size_t
gsm_septets(uint32_t c)
{
	size_t	i;

	if (c == 0)
		return (0);
	for (i = 0; i < sizeof gsm_basic / sizeof gsm_basic[0]; i++) {
		if (gsm_basic[i] == c)
			return (1);
	}
	for (i = 0; i < sizeof gsm_extension / sizeof gsm_extension[0]; i++) {
		if (gsm_extension[i] == c)
			return (2);
	}
	return (0);
}

int
gsm_segments(const char *utf8, int *ucs2, size_t *units)
{
	const u_char	*p;
	uint32_t	 c;
	size_t		 w, total = 0, used = 0, single, part;
	int		 wide = 0, segments = 1;

	if (utf8 == NULL)
		utf8 = "";

	/* Any character outside GSM 03.38, or a broken one, means UCS-2. */
	p = (const u_char *)utf8;
	while (*p != '\0') {
		if (gsm_decode(&p, &c) != 0 || gsm_septets(c) == 0) {
			wide = 1;
			break;
		}
	}
	single = wide ? UCS2_SINGLE : GSM_SINGLE;
	part = wide ? UCS2_PART : GSM_PART;

	/*
	 * Fill parts the way a gateway does: an escape pair or a surrogate
	 * pair is never split across two parts, so it moves whole to the next
	 * part and the gap is lost.
	 */
	p = (const u_char *)utf8;
	while (*p != '\0') {
		if (gsm_decode(&p, &c) != 0)
			w = 1;		/* goes as U+FFFD */
		else if (wide)
			w = c > 0xffff ? 2 : 1;
		else
			w = gsm_septets(c);
		total += w;
		if (used + w > part) {
			segments++;
			used = 0;
		}
		used += w;
	}
	if (total <= single)
		segments = 1;

	if (ucs2 != NULL)
		*ucs2 = wide;
	if (units != NULL)
		*units = total;
	return (segments);
}
