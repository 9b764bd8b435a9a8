/*
 * Phone numbers as people read them (phone.h).
 */
#include "config.h"

#include <string.h>

#include "phone.h"
#include "xmalloc.h"

char *
phone_words(const char *e164, int international)
{
	size_t	i;

	if (strlen(e164) != 11 || strncmp(e164, "+45", 3) != 0)
		return (xstrdup(e164));
	for (i = 3; i < 11; i++)
		if (e164[i] < '0' || e164[i] > '9')
			return (xstrdup(e164));
	return (xprintf("%s%.2s %.2s %.2s %.2s", international ? "+45 " : "",
	    e164 + 3, e164 + 5, e164 + 7, e164 + 9));
}
