/*
 * Between the template engine (template.c) and the built-in texts it
 * renders (template-texts.c); nothing else includes this.
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
	const char	*contact;	/* the line with the phone number */
	const char	*contact_short;
	int		 extra_first;	/* extra counts more than the venue */
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
	const char			*venue_phone;	/* about the place */
	const char			*sign;		/* names the library */
	const char			*sign_short;
	const char			*library;	/* the name unset */
	const struct template_text	*kinds;	/* KIND_COUNT of them */
};

/* template-texts.c: [0] Danish, [1] English */
extern const struct template_lang template_langs[2];

#endif
