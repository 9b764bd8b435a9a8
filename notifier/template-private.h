/*
 * What template.c and template-text.c share: the shape of the built-in
 * texts. Private to the notifier.
 */
#ifndef TEMPLATE_PRIVATE_H
#define TEMPLATE_PRIVATE_H

#include "kind.h"

/* The parts an SMS is built from, for one kind in one language. */
struct template_sms {
	const char	*core;		/* what and when, one line */
	const char	*core_short;	/* the same, shorter */
	const char	*extra;		/* one more line, or NULL */
	int		 where;		/* address, access and bring apply */
	const char	*phone;		/* the line with the contact phone */
	const char	*phone_short;
};

/* Built-in texts for one kind in one language. */
struct template_text {
	const char		*subject;
	const char		*body;
	struct template_sms	 sms;
};

/* What every SMS of a language shares. */
struct template_lang {
	const char			*greeting;
	const char			*address;
	const char			*access;
	const char			*bring;
	const struct template_text	*kinds;	/* KIND_COUNT of them */
};

/* Danish (0) and English (1). */
extern const struct template_lang template_langs[2];

#endif
