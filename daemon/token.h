/*
 * The personal tokens of the links (feeds, cancel links) and the secret
 * files: token.c. Part of the daemon's header, kursusd.h.
 */
#ifndef TOKEN_H
#define TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

struct store;

/* Reads a secret file, creating it (0600, nbytes random) if missing; a
 * file others can read or write is refused. */
int	 token_file_load(const char *path, size_t nbytes, char **out,
	    char **cause);
int	 token_init(const char *key_file, char **cause);
/* The kinds of row a token of the new form names. */
#define TOKEN_CANCEL		1	/* a registration's cancel link */
#define TOKEN_PARTICIPANT	2	/* a participant's feed */
#define TOKEN_INSTRUCTOR	3	/* an instructor's feed */
/* What token_read() found. */
#define TOKEN_OLD		0	/* 32 hex digits: look it up by hash */
#define TOKEN_NEW		1	/* the row's id: check its hash */
/*
 * A new token (of the new form) for row id of kind; its hash (the
 * check kept in the row) and sealed form too. All three are the
 * caller's.
 */
char	*token_make(int kind, int64_t id, char **hash, char **sealed);
/* The same, kept only as its hash and sealed form (the caller's): the
 * token itself is wiped. */
void	 token_make_kept(int kind, int64_t id, char **hash, char **sealed);
/*
 * The form of a token in a link: TOKEN_OLD, TOKEN_NEW with *id the row
 * of kind it names, or -1 (not a token, or not one of kind).
 */
int	 token_read(const char *token, int kind, int64_t *id);
/* 1 when a row's check (NULL: none) is hash, in constant time. */
int	 token_check(const char *check, const char *hash);
/*
 * The row a token of kind names, read by one of two statements with the
 * key in ?1: one of the new form by by_id, the row's id, and known by its
 * hash in column check; one of the old form by by_hash, its hash. The
 * statement on that row (the caller resets it), or NULL.
 */
sqlite3_stmt *token_row(struct store *, const char *token, int kind,
	    const char *by_hash, const char *by_id, int check);
char	*token_hash(const char *token);
/* The token from its sealed form, or NULL (other key, tampered). */
char	*token_open(const char *sealed);
/* 1 if text has the shape of a token, of either form. */
int	 token_valid(const char *text);

#endif
