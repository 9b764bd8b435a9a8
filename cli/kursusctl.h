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
 * Messages in the user's language (po/, domain "kursusctl"): _() marks a
 * string to translate where it is used, N_() one kept in a table and
 * translated where it is shown. Only what kursusctl says itself: never a
 * JSON key or value (--json is the same in every language). An "error"
 * the daemon sent is said in the user's language through its "msgid" and
 * "args" (client.c), the daemon's formats being in the same catalogue.
 */
#ifdef ENABLE_NLS
#include <libintl.h>
#define _(s)		gettext(s)
#else
#define _(s)		(s)
#define ngettext(s, p, n) ((n) == 1 ? (s) : (p))
#endif
#define N_(s)		(s)
/* A string with a context (msgctxt) for words English uses in several
 * senses: value_shown() translates it (value.c). */
#define NC_(c, s)	c "\004" s
#define KURSUSCTL_DOMAIN	"kursusctl"

/*
 * Exit codes. 1 means the daemon understood the request and refused it; the
 * others follow sysexits(3) so scripts can tell "you typed it wrong" (64)
 * from "kursusd is not there" (69).
 */
#define KCTL_EXIT_OK		0
#define KCTL_EXIT_REFUSED	1
#define KCTL_EXIT_ATTENTION	3	/* status: something needs attention */
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
/* The value only after '=' ("--csv=excel"); given alone the option takes
 * the empty string, and the next word is never its value. */
#define OPT_OPTVAL	0x2
/* How to print, not what to ask: stored in cmd_ctx's output, never sent
 * to the daemon. */
#define OPT_OUTPUT	0x4
/* The group of the OPT_OUTPUT options: one way to print at a time. */
#define OPT_GROUP_OUTPUT	90

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
/* Ends a list of options. */
#define OPT_END		{ NULL, 0, NULL, NULL, NULL, 0, 0, NULL, 0 }

#define CMD_HIDDEN	0x1	/* not in help or completion */
#define CMD_RAW		0x2	/* gets argv untouched, no option parsing */
#define CMD_LOCAL	0x4	/* does not talk to the daemon */

struct cmd_ctx;
struct cmd_resource;
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
	/* What the handlers shared by venues, course types, instructors and
	 * participants work on (cmd-resource.c); NULL for other commands. */
	const struct cmd_resource *resource;
};
/* An entry's options[] when it has none. */
#define CMD_NOOPT	{ NULL }

/* One parsed invocation, handed to a handler. */
struct cmd_ctx {
	const struct cmd_entry	*entry;
	int			 argc;		/* positional arguments */
	char		       **argv;
	json_t			*opts;		/* field -> value, from the options */
	int			 json;		/* --json: print the daemon's answer */
	/* Options with OPT_OUTPUT (--csv, --print): field -> value. */
	json_t			*output;
	struct client		*client;	/* NULL for CMD_LOCAL commands */
};

/* How a value of the daemon's answer is shown to people (cmd_format()). */
enum cmd_kind {
	V_TEXT,
	V_INT,
	V_REAL,
	V_BOOL,		/* yes / no */
	V_MINUTES,	/* 90 -> "90 min" */
	V_LOCAL,	/* "2026-12-03T10:00:00+01:00" -> "Thu 2026-12-03 10:00"
			   (the venue's time; Danish: "tor 3.12.2026 10:00") */
	V_UTC,		/* "2026-12-03T09:00:00Z" -> "Thu 2026-12-03 10:00" in
			   the local zone; with --utc "2026-12-03 09:00 UTC" */
	V_ROLE,		/* volunteer: "volunteer" / "staff" */
	V_REACH,	/* how staff reach a participant, from several fields */
	V_ADDRESS,	/* "Borgergade 5, 8700 Horsens" from three fields */
	V_PHONETYPE,	/* phone with "(landline)" */
	V_REMINDERS,	/* a course's rules: null is the default, "" none */
	/* A value in the CLI's language on screen (value_shown()): */
	V_ATTENDANCE,	/* "attended", "no-show" */
	V_STATE,	/* a notice's "pending", "sent", ... */
	V_CHANNEL	/* "sms", "email", "call" */
};

/* One line of a "key: value" block. */
struct cmd_field {
	const char	*key;
	const char	*label;
	int		 kind;
};

/* One column of a list table; a leading '>' in head aligns right, a
 * leading '~' shows it only in CSV (too long for a screen's table). */
struct cmd_column {
	const char	*head;
	const char	*key;
	int		 kind;
};

#define COLS_END	{ NULL, NULL, 0 }

/*
 * Venues, course types, instructors and participants share the API's shape
 * (list, create, show, edit, delete), so one set of handlers
 * (cmd-resource.c) serves them, told by the entry which of them it is.
 */
struct cmd_resource {
	const char		*what;		/* N_("venue") */
	const char		*path;		/* "/v1/<path>" */
	int			 by_id;		/* numeric id, not a slug */
	const char		*required[3];	/* options needed to create */
	const struct cmd_column	*columns;
	const struct cmd_field	*fields;
	/* Whole sentences, each its own msgid (N_()): the empty list, a
	 * search that found more than shown, and the one removed ("%s" its
	 * slug or id). */
	const char		*none;
	const char		*more;
	const char		*removed;
};

/*
 * The add, list, show, edit and remove entries of a resource named by
 * slug, defined as v_add_entry and so on: the usage of add, what a slug
 * completes with, its options, res, and each entry's help, a whole text
 * of its own (N_()) since a sentence glued from "Create", "a" and "venue"
 * cannot be translated.
 */
#define CMD_RESOURCE_ENTRIES(v, name, addusage, cmpl, fields,		\
    editfields, res, addhelp, listhelp, showhelp, edithelp, removehelp)	\
const struct cmd_entry v##_add_entry = {				\
	name, "add", addusage, 0, 1, 0,					\
	{ cmd_resource_opt_slug, fields, NULL }, cmd_resource_add,	\
	addhelp, 0, res							\
};									\
const struct cmd_entry v##_list_entry = {				\
	name, "list", "[--search TEXT] [--csv[=excel]]", 0, 0, 0,		\
	{ cmd_resource_opt_search, cmd_opt_csv, NULL }, cmd_resource_list,	\
	listhelp, 0, res						\
};									\
const struct cmd_entry v##_show_entry = {				\
	name, "show", "SLUG", 1, 1, cmpl, CMD_NOOPT, cmd_resource_show,	\
	showhelp, 0, res						\
};									\
const struct cmd_entry v##_edit_entry = {				\
	name, "edit", "SLUG [options]", 1, 1, cmpl,			\
	{ fields, editfields, NULL }, cmd_resource_edit,		\
	edithelp, 0, res						\
};									\
const struct cmd_entry v##_remove_entry = {				\
	name, "remove", "SLUG", 1, 1, cmpl, CMD_NOOPT,			\
	cmd_resource_remove, removehelp, 0, res				\
}

/* Registrations, in the shape each caller needs: cmd_print_registrations(). */
enum cmd_reg_mode { REG_SESSION, REG_WAITLIST, REG_PARTICIPANT };

/*
 * One block per .c file, the leaves first: a file calls only the files
 * whose blocks come before its own, so no two call each other (the
 * structure test checks this on the objects). kursusctl.c, main() and the
 * command table, comes last and declares nothing.
 */

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
 * with a bearer token; an https:// url's certificate is verified with the
 * CA certificates in cacert, or the system's (NULL). Copies its
 * arguments; nothing connects yet.
 */
struct client	*client_new(const char *socket, const char *url,
		    const char *token, const char *cacert);
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
/* The same with a file of the media type as the body. */
int		 client_send_file(struct client *, const char *method,
		    const char *path, json_t *query, const char *type,
		    const char *data, size_t len, json_t **answer,
		    char **cause);
/*
 * GETs path, whose answer is a file of the media type: its bytes are
 * written to fd as they come (*len of them). 0, or an exit code with
 * *cause: a refusal (the daemon's JSON error), or KCTL_EXIT_CANTCREAT
 * when fd could not take them.
 */
int		 client_get_file(struct client *, const char *path,
		    const char *type, int fd, long long *len, char **cause);

/* pages.c */
struct table;
/* --all, --limit and --cursor of a list that comes in pages; the same
 * without --all (+ 1) for a command that has its own. */
extern const struct cmd_option pages_options[];
/*
 * GET /v1/collection with the command's options, the list under key
 * printed page by page: rows(&table, page, arg) adds a page's rows to
 * the table (making it when NULL), which is printed and continued. Only
 * the first page unless --all, then a word on stderr on how to go on;
 * with --all every page as it comes, one header (CSV too), and with
 * --json one array of them. none: the line for an empty list.
 */
int	 pages_list(struct cmd_ctx *, const char *collection, const char *key,
	    void (*rows)(struct table **, json_t *, const void *),
	    const void *arg, const char *none);

/* table.c */
struct table;
/* How table_print() writes: aligned text, or CSV (--csv, --csv=excel). */
enum table_format { TABLE_TEXT, TABLE_CSV, TABLE_EXCEL };
void		 table_set_format(int);
/* Whether tables go out as CSV: commands then print nothing else. */
int		 table_csv(void);
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
/* An empty cell: "-" on screen, nothing in CSV. */
void		 table_none(struct table *);
/* A number with that many decimals, a decimal comma for --csv=excel. */
void		 table_decimal(struct table *, double, int decimals);
/* Adds a row to a key-value block; a NULL value prints as "-". */
void		 table_kv(struct table *, const char *key, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
size_t		 table_rows(struct table *);
void		 table_print(struct table *, FILE *);
/* After table_print(): the next rows continue the table printed, with
 * no header again and no column narrower than before (pages of a list). */
void		 table_continue(struct table *);
void		 table_free(struct table *);
/* Display width of a UTF-8 string in terminal columns. */
size_t		 table_width(const char *);
/* The same for the first len bytes. */
size_t		 table_width_n(const char *, size_t len);
/* Prints text from column col on, its words wrapped before column 80 to
 * lines starting at column indent, and a newline. */
void		 table_wrap(FILE *, size_t col, size_t indent,
		    const char *);
/* Sets up LC_CTYPE so wcwidth() knows UTF-8. */
void		 table_init(void);

/* value.c */
/*
 * A value the daemon sends about what ("registration", "session",
 * "notice", "attendance", "channel", "via", "bool") as shown on screen in
 * the CLI's language; as it came in CSV and for a value it does not know.
 */
const char	*value_shown(const char *what, const char *value);
/* "yes" or "no" as value_shown() has them. */
const char	*value_bool(int);

/* parse.c */
/* The global options, --config to --version. */
extern const struct cmd_option parse_globals[];
/* An option's help in the CLI's language, with the paths of the global
 * ones put in; caller frees. */
char	*parse_help(const struct cmd_option *);
/* A global option's value as given (NULL: not given), and freeing them. */
json_t	*parse_global(const char *field);
void	 parse_free(void);
/* The option of list named by the len bytes of name, or NULL. */
const struct cmd_option *parse_lookup(const struct cmd_option *list,
	     const char *name, size_t len);
/* An option of ce (NULL: none) or a global one; *global says which. */
const struct cmd_option *parse_option(const struct cmd_entry *ce,
	     const char *name, size_t len, int *global);
/* The global option a short letter stands for, or NULL; and back. */
const struct cmd_option *parse_short_option(char letter);
char	 parse_letter(const struct cmd_option *);
/* Whether a word starts with '-' and is not "-" alone (standard input). */
int	 parse_is_option(const char *);
/*
 * Takes the option at argv[*i] and its value, storing it in ctx->opts or
 * with the global options; ce NULL: only the global ones are known.
 * Returns 0 or KCTL_EXIT_USAGE after saying why.
 */
int	 parse_take(const struct cmd_entry *ce, int argc, char **argv, int *i,
	     struct cmd_ctx *ctx, json_t *seen);
/* Fills ctx from a command's arguments; 0 or KCTL_EXIT_USAGE. */
int	 parse_command(const struct cmd_entry *ce, int argc, char **argv,
	     struct cmd_ctx *ctx);
/*
 * In a command table (NULL-terminated): the first entry of a name, whether
 * the name has subcommands, the entry a group runs without one ("outbox"),
 * and the subcommand the words in argv spell (*used of them).
 */
const struct cmd_entry *parse_find(const struct cmd_entry *const *table,
	     const char *name);
int	 parse_is_group(const struct cmd_entry *const *table,
	     const char *name);
const struct cmd_entry *parse_default(const struct cmd_entry *const *table,
	     const char *name);
const struct cmd_entry *parse_sub_words(const struct cmd_entry *const *table,
	     const char *name, int argc, char **argv, int *used);

/* connect.c */
/*
 * A client for the daemon the global options, the environment or the
 * configuration file name. Returns 0, or an exit code with *cause.
 */
int	 connect_daemon(struct client **, char **cause);

/* cmd.c */
/* --csv[=excel], among the options of every command that lists. */
extern const struct cmd_option cmd_opt_csv[];
/* Sets up the output the command's OPT_OUTPUT options ask for (--csv);
 * 0 or KCTL_EXIT_USAGE after saying why. */
int	 cmd_output(struct cmd_ctx *);
/* Prints a JSON value as --json does. */
void	 cmd_print_json(json_t *);
/* Positional argument idx as a positive id, or a usage error naming what. */
int	 cmd_arg_id(struct cmd_ctx *, int idx, const char *what,
	     long long *);
/* Positional argument idx once cmd_arg_id() has checked it. */
long long cmd_argv_id(struct cmd_ctx *, int idx);
/* A member of an object as a string (NULL if none) or an integer (0). */
const char *cmd_str(json_t *, const char *key);
long long cmd_int(json_t *, const char *key);
/* Sets the locale from the environment and binds kursusctl's messages
 * (from $KURSUS_LOCALEDIR when set, else the installed LOCALEDIR). */
void	 cmd_locale_init(void);
/* 1 when the CLI speaks Danish: the messages' locale (LC_ALL, LC_MESSAGES
 * or LANG, as setlocale(3) took it) is "da...". */
int	 cmd_danish(void);
/* Times for staff, "Thu 2026-12-03 10:00" (Danish "tor 3.12.2026 10:00"):
 * a venue's local time as given, an instant ("...Z") in the local zone;
 * "2026-12-03 09:00 UTC" with --utc. Caller frees. */
char	*cmd_local_time(const char *);
char	*cmd_utc_time(const char *);
/* Appends part to *s after sep, skipping an empty part. */
void	 cmd_join(char **s, const char *sep, const char *part);
/* Formats obj's key as kind (enum cmd_kind); NULL: nothing to show. */
char	*cmd_format(json_t *obj, const char *key, int kind);
void	 cmd_kv(struct table *, json_t *obj, const char *key,
	     const char *label, int kind);
void	 cmd_print_fields(json_t *, const struct cmd_field *);
/* A cell of a list table, "-" when empty. */
void	 cmd_cell(struct table *, json_t *obj, const char *key, int kind);
/* arr's objects as rows of *tp, a new table of the columns (arg: a
 * struct cmd_column array) when *tp is NULL. */
void	 cmd_list_rows(struct table **tp, json_t *arr, const void *arg);
/* A table of arr's objects, or the line none when there are none. */
void	 cmd_print_list(json_t *arr, const struct cmd_column *,
	     const char *none);
/* "/v1/collection[/<escaped id>[tail]]"; caller frees. */
char	*cmd_path(const char *collection, const char *id, const char *tail);
/*
 * The requests of a command; each returns 0 or the exit code after saying
 * why not, and with --json prints the answer itself. See cmd.c.
 */
int	 cmd_send(struct cmd_ctx *, const char *method, const char *path,
	     json_t *query, json_t *body, json_t **answer);
int	 cmd_send_file(struct cmd_ctx *, const char *method, const char *path,
	     json_t *query, const char *type, const char *data, size_t len,
	     json_t **answer);
/* Prints the slugs of a collection ("venues") for completion. */
void	 cmd_print_slugs(struct client *, const char *collection);
int	 cmd_request(struct cmd_ctx *, const char *method,
	     const char *collection, const char *id, const char *tail,
	     json_t *opts, json_t **answer);
int	 cmd_answer(struct cmd_ctx *, int ret, json_t *answer,
	     void (*)(struct cmd_ctx *, json_t *));
int	 cmd_call(struct cmd_ctx *, const char *method,
	     const char *collection, const char *id, const char *tail,
	     json_t *opts, void (*)(struct cmd_ctx *, json_t *));
int	 cmd_call_id(struct cmd_ctx *, const char *what, const char *method,
	     const char *collection, const char *tail, json_t *opts,
	     void (*)(struct cmd_ctx *, json_t *));
/* Empty strings in an edit's body become null: the field is cleared. */
void	 cmd_empty_to_null(json_t *);
/* A table of registrations in mode (enum cmd_reg_mode). */
void	 cmd_print_registrations(json_t *, int mode);
/* A session's status, ", UNDER MIN" added when it is; caller frees. */
char	*cmd_session_status(json_t *);
/* "1.5 MiB" and the like; caller frees. */
char	*cmd_size(long long);
/* Whether a file argument is "-", standard input or output. */
int	 cmd_is_stdio(const char *);
/*
 * A file written whole or not at all: its bytes go to fd, a new file
 * beside path, which cmd_file_commit() syncs and renames to path (with
 * replace 0, never over a file that is there: errno EEXIST), syncing the
 * directory, or cmd_file_abort() removes. Each returns 0, or -1 with
 * *cause naming path and why; either way the file is then done with.
 */
struct cmd_file {
	char	*path;
	char	*tmp;
	int	 fd;
};
int	 cmd_file_open(struct cmd_file *, const char *path, unsigned int mode,
	     char **cause);
int	 cmd_file_commit(struct cmd_file *, int replace, char **cause);
void	 cmd_file_abort(struct cmd_file *);
/* "+45 20 30 40 50" for a Danish number; "-" for none; caller frees. */
char	*cmd_phone(const char *);
/* A notice's "recipient" as cmd_phone() has it for an SMS, else as it
 * came; "-" for none; caller frees. */
char	*cmd_recipient(json_t *, int sms);
/* A message's text after a blank line, ending in one newline. */
void	 cmd_print_body(const char *);
/* Prints the kinds of message with every flag in flags, one a line. */
void	 cmd_print_kinds(unsigned int flags);

/* cmd-resource.c */
/* --slug, the first option of a resource's add. */
extern const struct cmd_option cmd_resource_opt_slug[];
/* --search TEXT, the list commands'. */
extern const struct cmd_option cmd_resource_opt_search[];
/* The resource a command works on; it must have one. */
const struct cmd_resource *cmd_resource(struct cmd_ctx *);
/* Checks the resource's first argument when it must be an id. */
int	 cmd_resource_arg(struct cmd_ctx *, const struct cmd_resource *);
int	 cmd_resource_add(struct cmd_ctx *);
int	 cmd_resource_list(struct cmd_ctx *);
int	 cmd_resource_show(struct cmd_ctx *);
int	 cmd_resource_edit(struct cmd_ctx *);
int	 cmd_resource_remove(struct cmd_ctx *);

/* cmd-feeds.c */
extern const struct cmd_entry cmd_feeds_entry;
/*
 * Completes `feeds`' positional argument number npos: prints the feed kinds
 * for the first and returns CMPL_NONE; for the second returns what the
 * kind given first (NULL: none) takes, e.g. CMPL_VENUE.
 */
/* Prints what completes word npos of `feeds` (after kind), from kursusd. */
void	 cmd_complete_feed(struct client *, int npos, const char *kind);
/* The rotate-token command of instructors and participants. */
int	 cmd_rotate_token(struct cmd_ctx *);

/* cmd-venue.c */
extern const struct cmd_entry cmd_venue_add_entry;
extern const struct cmd_entry cmd_venue_list_entry;
extern const struct cmd_entry cmd_venue_show_entry;
extern const struct cmd_entry cmd_venue_edit_entry;
extern const struct cmd_entry cmd_venue_remove_entry;
extern const struct cmd_entry cmd_venue_room_add_entry;
extern const struct cmd_entry cmd_venue_room_list_entry;
extern const struct cmd_entry cmd_venue_room_remove_entry;

/* cmd-closure.c */
extern const struct cmd_entry cmd_closure_add_entry;
extern const struct cmd_entry cmd_closure_list_entry;
extern const struct cmd_entry cmd_closure_remove_entry;

/* cmd-course.c */
extern const struct cmd_entry cmd_course_add_entry;
extern const struct cmd_entry cmd_course_list_entry;
extern const struct cmd_entry cmd_course_show_entry;
extern const struct cmd_entry cmd_course_edit_entry;
extern const struct cmd_entry cmd_course_remove_entry;
extern const struct cmd_entry cmd_course_template_list_entry;
extern const struct cmd_entry cmd_course_template_set_entry;
extern const struct cmd_entry cmd_course_template_unset_entry;
/* Completes positional npos of a template command: returns CMPL_COURSE
 * for the first, prints the kinds or channels for the others. */
int	 cmd_complete_template(int npos);

/* cmd-instructor.c */
extern const struct cmd_entry cmd_instructor_add_entry;
extern const struct cmd_entry cmd_instructor_list_entry;
extern const struct cmd_entry cmd_instructor_show_entry;
extern const struct cmd_entry cmd_instructor_edit_entry;
extern const struct cmd_entry cmd_instructor_remove_entry;
extern const struct cmd_entry cmd_instructor_rotate_token_entry;

/* cmd-participant.c */
extern const struct cmd_entry cmd_participant_add_entry;
extern const struct cmd_entry cmd_participant_list_entry;
extern const struct cmd_entry cmd_participant_show_entry;
extern const struct cmd_entry cmd_participant_edit_entry;
extern const struct cmd_entry cmd_participant_remove_entry;
extern const struct cmd_entry cmd_participant_rotate_token_entry;
extern const struct cmd_entry cmd_participant_merge_entry;
/* A participant's options, which register takes to create one. */
extern const struct cmd_option cmd_participant_opt[];

/* cmd-print.c */
/* registrations SESSION --print[=how]: the page for the instructor, plain
 * text ("" or "text") or "html". 0 or the exit code after saying why. */
int	 cmd_print_roster(struct cmd_ctx *, const char *how);

/* cmd-series.c: register and unregister with --series */
int	 cmd_series_register(struct cmd_ctx *);
int	 cmd_series_unregister(struct cmd_ctx *);

/* cmd-register.c */
extern const struct cmd_entry cmd_register_entry;
extern const struct cmd_entry cmd_unregister_entry;
extern const struct cmd_entry cmd_registrations_entry;
extern const struct cmd_entry cmd_waitlist_entry;
extern const struct cmd_entry cmd_attendance_entry;

/* cmd-session.c */
extern const struct cmd_entry cmd_session_add_entry;
extern const struct cmd_entry cmd_session_list_entry;
extern const struct cmd_entry cmd_session_show_entry;
extern const struct cmd_entry cmd_session_edit_entry;
extern const struct cmd_entry cmd_session_move_entry;
extern const struct cmd_entry cmd_session_cancel_entry;

/* cmd-remind.c */
extern const struct cmd_entry cmd_remind_entry;
extern const struct cmd_entry cmd_calllist_entry;

/* cmd-inbox.c */
extern const struct cmd_entry cmd_inbox_entry;
extern const struct cmd_entry cmd_inbox_done_entry;

/* cmd-outbox.c */
extern const struct cmd_entry cmd_outbox_entry;
extern const struct cmd_entry cmd_outbox_show_entry;
extern const struct cmd_entry cmd_outbox_retry_entry;
extern const struct cmd_entry cmd_outbox_cancel_entry;
extern const struct cmd_entry cmd_preview_entry;

/* cmd-status.c */
extern const struct cmd_entry cmd_stats_entry;
extern const struct cmd_entry cmd_status_entry;
extern const struct cmd_entry cmd_settings_entry;

/* cmd-export.c */
extern const struct cmd_entry cmd_export_entry;

/* cmd-import.c */
extern const struct cmd_entry cmd_import_entry;

/* cmd-backup.c */
extern const struct cmd_entry cmd_backup_entry;

/* complete.c */
/* `kursusctl __complete WORDS...' over the command table. */
int	 complete_exec(const struct cmd_entry *const *table, struct cmd_ctx *);

/* help.c */
/* kursusctl --help; a group's (`kursusctl venue --help'); a command's. */
void	 help_usage(const struct cmd_entry *const *table, FILE *);
void	 help_group(const struct cmd_entry *const *table, const char *name,
	     FILE *);
void	 help_command(const struct cmd_entry *, FILE *);
/* `kursusctl help [COMMAND [SUBCOMMAND]]' and `kursusctl help kinds'. */
int	 help_exec(const struct cmd_entry *const *table, struct cmd_ctx *);

#endif
