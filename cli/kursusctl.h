/*
 * kursusctl's private header: the command table's types and one prototype
 * block per .c file. kursusctl knows the daemon only through the admin API
 * (doc/api.md); it includes nothing from daemon/.
 */
#ifndef KURSUSCTL_H
#define KURSUSCTL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "kind.h"
#include "kursus-protocol.h"
#include "log.h"
#include "xmalloc.h"

/*
 * Exit codes. 1 means the daemon understood the request and refused it; the
 * others follow sysexits(3) so scripts can tell "you typed it wrong" (64)
 * from "kursusd is not there" (69).
 */
#define KCTL_EXIT_OK		0
#define KCTL_EXIT_REFUSED	1
#define KCTL_EXIT_USAGE		64	/* EX_USAGE */
#define KCTL_EXIT_DATAERR	65	/* EX_DATAERR: an input file kursusd
					   cannot take (too large, not UTF-8) */
#define KCTL_EXIT_NOINPUT	66	/* EX_NOINPUT: token or input file
					   unreadable */
#define KCTL_EXIT_UNAVAILABLE	69	/* EX_UNAVAILABLE */
#define KCTL_EXIT_SOFTWARE	70	/* EX_SOFTWARE */
#define KCTL_EXIT_CANTCREAT	73	/* EX_CANTCREAT: --output not written */
#define KCTL_EXIT_PROTOCOL	76	/* EX_PROTOCOL: not our API version */
#define KCTL_EXIT_CONFIG	78	/* EX_CONFIG */

/* How an option's value lands in the command's option object. */
enum opt_type {
	OPT_TEXT,		/* string */
	OPT_INT,		/* integer */
	OPT_REAL,		/* number */
	OPT_DURATION,		/* "1h30m" -> integer minutes */
	OPT_TRUE,		/* flag -> true */
	OPT_FALSE,		/* flag -> false */
	OPT_CONST,		/* flag -> the string in value */
	OPT_LIST,		/* repeatable string -> array */
	OPT_IDS			/* repeatable "1,2,3" -> array of integers */
};

/* What the shell completes an argument with. */
enum opt_complete {
	CMPL_NONE,
	CMPL_FILE,
	CMPL_VALUES,		/* the words in the option's values */
	CMPL_VENUE,		/* slugs fetched from the daemon */
	CMPL_COURSE,
	CMPL_INSTRUCTOR,
	/* A feed: its kind ("venue"), then a slug of that kind. */
	CMPL_FEED,
	/* A template: course slug, notice kind, channel. */
	CMPL_TEMPLATE,
	CMPL_KIND,		/* a kind of message (kind.h), aliases too */
	CMPL_KIND_PREVIEW	/* one staff may preview */
};

#define OPT_REQUIRED	0x1	/* the command refuses to run without it */

/* Prints the kinds of message with every flag in flags, one a line. */
void	 kursusctl_complete_kinds(unsigned int flags);

struct cmd_option {
	const char	*name;		/* long name without the dashes */
	int		 type;		/* enum opt_type */
	const char	*field;		/* key it sets in the option object */
	const char	*arg;		/* metavariable, NULL for flags */
	const char	*help;
	int		 flags;
	/* Options that share a non-zero group exclude each other. */
	int		 group;
	/* OPT_CONST: the string it sets; CMPL_VALUES: space-separated words. */
	const char	*value;
	int		 complete;	/* enum opt_complete */
};

#define CMD_HIDDEN	0x1	/* not in help or completion */
#define CMD_RAW		0x2	/* gets argv untouched, no option parsing */
#define CMD_LOCAL	0x4	/* does not talk to the daemon */

struct cmd_ctx;
struct cmd_entry {
	const char	*name;		/* "session" */
	const char	*sub;		/* "add", or NULL for a single word */
	const char	*usage;		/* after "kursusctl name sub " */
	int		 minargs;	/* positional arguments */
	int		 maxargs;
	int		 complete;	/* what the positionals complete with */
	/* Up to three option arrays, each ended by an entry with no name, so
	 * commands can share the field lists of one object. */
	const struct cmd_option *options[4];
	int		(*exec)(struct cmd_ctx *);
	const char	*help;
	int		 flags;
};

/* One parsed invocation, handed to a handler. */
struct cmd_ctx {
	const struct cmd_entry	*entry;
	int			 argc;		/* positional arguments */
	char		       **argv;
	json_t			*opts;		/* field -> value, from the options */
	int			 json;		/* --json: print the daemon's answer */
	struct client		*client;	/* NULL for CMD_LOCAL commands */
};

/* kursusctl.c */
extern const struct cmd_entry kursusctl_commands[];
/* Parses "90m", "90", "1h30m", "1h30", "1.5h" into minutes. */
int	 kursusctl_duration(const char *, long long *);

/* error.c */
/* Prints "kursusctl: " and the message on stderr, one line. */
void	 kursusctl_error(const char *, ...)
	    __attribute__((format(printf, 1, 2)));
/* Prints a usage error naming the command and returns KCTL_EXIT_USAGE. */
int	 kursusctl_usage_error(const struct cmd_entry *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* "session add", or "status": the command's full name. Static storage. */
const char *kursusctl_command_name(const struct cmd_entry *);
/* From now on the two above print nothing (completion: no messages for
 * half-typed words); kursusctl_usage_error() still returns its code. */
void	 kursusctl_error_quiet(void);

/* client.c */
struct client;
/*
 * A client for the admin API on a unix socket (url NULL) or on TCP at url
 * with a bearer token. Copies its arguments; nothing connects yet.
 */
struct client	*client_new(const char *socket, const char *url,
		    const char *token);
void		 client_free(struct client *);
/* "/run/kursusd/admin.sock" or "http://host:port", for messages. */
const char	*client_where(struct client *);
/* Reads the first line of a token file; returns 0 or -1 with *cause. */
int		 client_read_token(const char *path, char **token, char **cause);
/* Percent-encodes a path segment or query value; caller frees. */
char		*client_escape(const char *);
/*
 * Sends method path (from "/v1/..." on) with the scalar members of query
 * (may be NULL) as the query string and body (may be NULL) as JSON. On a 2xx
 * answer returns 0 and sets *answer (caller owns). Otherwise returns an exit
 * code and sets *cause to one line for stderr (caller frees).
 */
int		 client_call(struct client *, const char *method,
		    const char *path, json_t *query, json_t *body,
		    json_t **answer, char **cause);

/* table.c */
struct table;
/*
 * A table whose columns are named in one string separated by '|'; a name
 * starting with '>' is right-aligned (numbers). Cells are measured in
 * terminal columns, so "Jørgen" is six wide, not seven bytes.
 */
struct table	*table_new(const char *columns);
/* A two-column "key: value" block with no header. */
struct table	*table_kv_new(void);
void		 table_row(struct table *);
void		 table_cell(struct table *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
/* Adds a row to a key-value block; a NULL value prints as "-". */
void		 table_kv(struct table *, const char *key, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
size_t		 table_rows(struct table *);
void		 table_print(struct table *, FILE *);
void		 table_free(struct table *);
/* Display width of a UTF-8 string in terminal columns. */
size_t		 table_width(const char *);
/* The same for the first len bytes. */
size_t		 table_width_n(const char *, size_t len);
/* Sets up LC_CTYPE so wcwidth() knows UTF-8. */
void		 table_init(void);

/* commands.c */
int	 cmd_resource_add(struct cmd_ctx *);
int	 cmd_resource_list(struct cmd_ctx *);
int	 cmd_resource_show(struct cmd_ctx *);
int	 cmd_resource_edit(struct cmd_ctx *);
int	 cmd_resource_remove(struct cmd_ctx *);
int	 cmd_session_add(struct cmd_ctx *);
int	 cmd_session_list(struct cmd_ctx *);
int	 cmd_session_show(struct cmd_ctx *);
int	 cmd_session_edit(struct cmd_ctx *);
int	 cmd_session_move(struct cmd_ctx *);
int	 cmd_session_cancel(struct cmd_ctx *);
int	 cmd_register(struct cmd_ctx *);
int	 cmd_unregister(struct cmd_ctx *);
int	 cmd_registrations(struct cmd_ctx *);
int	 cmd_waitlist(struct cmd_ctx *);
int	 cmd_attendance(struct cmd_ctx *);
int	 cmd_stats(struct cmd_ctx *);
int	 cmd_status(struct cmd_ctx *);
int	 cmd_settings(struct cmd_ctx *);
int	 cmd_outbox(struct cmd_ctx *);
int	 cmd_outbox_show(struct cmd_ctx *);
int	 cmd_outbox_retry(struct cmd_ctx *);
int	 cmd_outbox_cancel(struct cmd_ctx *);
int	 cmd_remind(struct cmd_ctx *);
int	 cmd_preview(struct cmd_ctx *);
int	 cmd_calllist(struct cmd_ctx *);
int	 cmd_template_list(struct cmd_ctx *);
int	 cmd_template_set(struct cmd_ctx *);
int	 cmd_template_unset(struct cmd_ctx *);
int	 cmd_feeds(struct cmd_ctx *);
int	 cmd_rotate_token(struct cmd_ctx *);
int	 cmd_export(struct cmd_ctx *);
int	 cmd_import(struct cmd_ctx *);
/*
 * Completes `feeds`' positional argument number npos: prints the feed kinds
 * for the first and returns CMPL_NONE; for the second returns what the
 * kind given first (NULL: none) takes, e.g. CMPL_VENUE.
 */
int	 cmd_complete_feed(int npos, const char *kind);
/* Completes positional npos of a template command: returns CMPL_COURSE
 * for the first, prints the kinds or channels for the others. */
int	 cmd_complete_template(int npos);
/* Prints the slugs of one kind (enum opt_complete), one a line. */
void	 cmd_complete_slugs(struct client *, int);

#endif
