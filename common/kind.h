/*
 * The kinds of message kursusd sends people, in one table that every part
 * reads: the outbox names its rows by kind, the notifier keeps its texts
 * by kind, staff may call some by another word, the database refuses a
 * row of an unknown kind, and kursusctl completes and explains them.
 * Adding a kind is a row here, its texts in notifier/template.c, and what
 * makes one (the daemon's code that queues it).
 */
#ifndef KIND_H
#define KIND_H

#include <stddef.h>

enum kind {
	KIND_CONFIRMATION, KIND_WAITLISTED, KIND_PROMOTED, KIND_DEMOTED,
	KIND_MOVED, KIND_CANCELLED, KIND_REMINDER, KIND_STAFF, KIND_WITHDRAWN,
	KIND_SERIES, KIND_SERIES_WITHDRAWN, KIND_UNREGISTERED,
	KIND_COUNT
};

/* The invitation an e-mail of a kind carries. */
enum kind_invite { INVITE_NONE, INVITE_REQUEST, INVITE_CANCEL };

/* What staff may do with a kind. */
#define KIND_PREVIEW	0x01	/* show what one person would get */
#define KIND_TEMPLATE	0x02	/* give a course type its own text */
#define KIND_WITHDRAW	0x04	/* taken back when the registration ends */

struct kind_info {
	const char	*name;		/* in the outbox, the API, templates */
	const char	*alias;		/* staff's other word for it, or NULL */
	int		 invite;	/* enum kind_invite */
	unsigned int	 flags;		/* KIND_PREVIEW, ... */
	const char	*help;		/* what it is, for kursusctl's help */
};

extern const struct kind_info kinds[KIND_COUNT];

/* The kind of a name or alias; -1 when none. */
int		 kind_parse(const char *);
/* The name of a kind; NULL when there is none. */
const char	*kind_name(int);
/*
 * The names (and aliases, with aliases set) of the kinds that have every
 * flag in flags, joined by sep, into buf; returns buf.
 */
char		*kind_list(char *buf, size_t len, unsigned int flags,
		    int aliases, const char *sep);

#endif
