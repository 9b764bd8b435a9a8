/*
 * A phone number as people read it, one way for the CLI's lists and
 * print page and the notifier's messages and pages.
 */
#ifndef PHONE_H
#define PHONE_H

/*
 * e164 as people read it: a Danish number (+45 and eight digits) as
 * "76 29 23 00", or "+45 76 29 23 00" when international is set; any
 * other as given. Caller frees.
 */
char	*phone_words(const char *e164, int international);

#endif
