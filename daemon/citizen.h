/*
 * The public door's two writes, private to the files that take part:
 * the cancel link (cancel.c), SMS replies (smsin.c) and their inbox
 * (inbox.c), and public.c, which hands them their requests; with what
 * they use of param.c, registration.c and token.c that nothing else
 * but those files (and http.c's constant-time token check) needs.
 */
#ifndef CITIZEN_H
#define CITIZEN_H

#include "kursusd.h"

/*
 * cancel.c and smsin.c: the public door's two writes, the cancel link and
 * SMS replies. public.c hands them a call and sends their answer.
 */
struct page_site;
struct citizen_conf {
	const char	*public_url;
	const struct page_site *site;		/* the pages' chrome */
	char		*kannel_secret;		/* NULL: not set up */
	char		*webhook_secret;
	int		 cancel_per_minute;	/* per address; 0 no limit */
};
/* What a call reads of its request, NULL when not given: a waiting
 * write (citizen_answer.busy) is called again with a copy of it. */
struct citizen_call {
	struct store		*store;
	const struct citizen_conf *conf;
	int			 method;
	const char		*path, *query;	/* query NULL when none */
	const char		*body;		/* NUL-terminated, or NULL */
	size_t			 len;
	const char		*origin;	/* Origin */
	const char		*fetch_site;	/* Sec-Fetch-Site */
	const char		*stamp;		/* X-Kursus-Timestamp */
	const char		*signature;	/* X-Kursus-Signature */
	const unsigned char	*addr;		/* 16 bytes, for limits */
	int			 trusted;	/* in public.trusted: no limit */
	const char		*peer;		/* for logs */
	time_t			 at;		/* it came: a waiting one's
						   timestamp is judged as then */
	int			 again;		/* made again after waiting:
						   counted once, when it came */
};
struct citizen_answer {
	int		 status;
	const char	*type;
	char		*body;		/* the caller frees */
	size_t		 len;
	char		 fields[256];	/* more header lines, CRLF each */
	int		 wrote;		/* committed a change: wake the sender */
	int		 busy;		/* the database was locked: nothing
					   written, the call may be made again
					   (public.c waits, then answers it) */
};
/* cancel.c */
/* Tokens for live registrations that have none (made before schema 9),
 * in a transaction of its own. */
int	 cancel_tokens_fill(struct store *, int limit, int64_t at[2],
	    struct fail *);
/* GET, HEAD or POST of /afmeld/<token>. */
void	 cancel_request(const struct citizen_call *, struct citizen_answer *);
/* smsin.c */
/* GET /sms/kannel and POST /sms/webhook. */
void	 smsin_kannel(const struct citizen_call *, struct citizen_answer *);
void	 smsin_webhook(const struct citizen_call *, struct citizen_answer *);
/* 1 when an SMS reply says the person cancels ("AFMELD", "kan ikke"). */
int	 smsin_cancels(const char *text);
/* The text folded for matching; caller frees. */
char	*smsin_fold(const char *text);

/* inbox.c: SMS replies for staff (admin API) */
int	 inbox_list(struct api_req *);
int	 inbox_handled(struct api_req *);
/* Unhandled messages in the inbox. */
int64_t	 inbox_unhandled(struct store *);

/* param.c */
/* A query string (or form body) as an object of strings, repeated keys
 * keeping the last; NULL (f filled) when malformed or not UTF-8. The
 * caller owns it. */
json_t	*param_query(const char *query, struct fail *);

/* registration.c */
/* A new cancel token for a registration, in the caller's transaction. */
int	 registration_token(struct store *, int64_t registration_id,
	    struct fail *);

/* token.c: the secrets of the two writes, and the admin token's check */
/* 1 when a and b are equal, in a time that does not tell where not. */
int	 token_equal(const char *a, const char *b);
/* HMAC-SHA256 of data under key, as 64 hex digits; caller frees. */
char	*token_hmac(const char *key, const void *data, size_t len);
/* A token's companion for purpose ("form"): 32 hex digits derived under
 * the key of token_init(), which only kursusd can make. Caller frees. */
char	*token_mac(const char *purpose, const char *token);

#endif
