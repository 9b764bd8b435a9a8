/*
 * The first pass of the import: reading an .ics file into libical's
 * components.
 *
 * The text is unfolded into content lines here, so each one's line number
 * is known, their syntax and the nesting of BEGIN and END are checked, and
 * libical's parser is handed only what import uses: VCALENDAR, VEVENT and
 * VTIMEZONE with the properties that decide when an event takes place and
 * what it is called. Alarms, to-dos, attendees and the X- properties of
 * every app are checked for syntax and otherwise left alone, so a quirk
 * there cannot refuse a file. Each line handed to libical carries an
 * X-KURSUS-LINE parameter (each component an X-KURSUS-LINE property) with
 * its line number, so later messages can name it (import_comp_line(),
 * import_prop_line()). Anything libical cannot read refuses the whole
 * file with that line; nothing is returned then.
 */
#include "config.h"

#include <sys/types.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libical/ical.h>

#include "buf.h"
#include "import-private.h"
#include "utf8.h"
#include "cause.h"
#include "xmalloc.h"

/* Components nested deeper than this are refused. */
#define IMPORT_DEPTH_MAX	16
#define IMPORT_LINE_NAME	"X-KURSUS-LINE"

enum import_kind {
	IMPORT_OTHER,		/* X- or unknown: anywhere in VCALENDAR */
	IMPORT_VCALENDAR,		/* top level only */
	IMPORT_VEVENT,		/* in VCALENDAR */
	IMPORT_VTIMEZONE,		/* in VCALENDAR */
	IMPORT_ENTRY,		/* VTODO and the like: in VCALENDAR */
	IMPORT_TZPART,		/* STANDARD, DAYLIGHT: in VTIMEZONE */
	IMPORT_ALARM		/* VALARM: in VEVENT or VTODO */
};

static const struct import_comp {
	const char	*name;
	enum import_kind	 kind;
	int		 fed;		/* handed to libical */
} import_comps[] = {
	{ "VCALENDAR", IMPORT_VCALENDAR, 1 },
	{ "VEVENT", IMPORT_VEVENT, 1 },
	{ "VTIMEZONE", IMPORT_VTIMEZONE, 1 },
	{ "STANDARD", IMPORT_TZPART, 1 },
	{ "DAYLIGHT", IMPORT_TZPART, 1 },
	{ "VALARM", IMPORT_ALARM, 0 },
	{ "VTODO", IMPORT_ENTRY, 0 },
	{ "VJOURNAL", IMPORT_ENTRY, 0 },
	{ "VFREEBUSY", IMPORT_ENTRY, 0 },
	{ "VAVAILABILITY", IMPORT_ENTRY, 0 },
};

/* The properties handed to libical, by the component they are in. */
static const struct import_prop {
	enum import_kind	 kind;
	const char	*name;
} import_props[] = {
	{ IMPORT_VEVENT, "UID" },
	{ IMPORT_VEVENT, "DTSTART" },
	{ IMPORT_VEVENT, "DTEND" },
	{ IMPORT_VEVENT, "DURATION" },
	{ IMPORT_VEVENT, "RRULE" },
	{ IMPORT_VEVENT, "RDATE" },
	{ IMPORT_VEVENT, "EXDATE" },
	{ IMPORT_VEVENT, "EXRULE" },
	{ IMPORT_VEVENT, "RECURRENCE-ID" },
	{ IMPORT_VEVENT, "SUMMARY" },
	{ IMPORT_VEVENT, "DESCRIPTION" },
	{ IMPORT_VEVENT, "LOCATION" },
	{ IMPORT_VEVENT, "STATUS" },
	{ IMPORT_VTIMEZONE, "TZID" },
	{ IMPORT_TZPART, "DTSTART" },
	{ IMPORT_TZPART, "TZOFFSETFROM" },
	{ IMPORT_TZPART, "TZOFFSETTO" },
	{ IMPORT_TZPART, "RRULE" },
	{ IMPORT_TZPART, "RDATE" },
};

/* One open component while reading. */
struct import_frame {
	char			*name;
	int			 line;
	enum import_kind	 kind;
	int			 fed;
};

/* The first pass. */
struct import_reader {
	icalparser		*parser;
	icalcomponent		**roots;
	size_t			 nroots;
	struct import_frame	 stack[IMPORT_DEPTH_MAX];
	int			 depth;
	struct buf		 buf;		/* the logical line */
	int			 line;		/* where it starts */
};

static int	 import_read(struct import_reader *, const char *, size_t,
		    char **);
static int	 import_line(struct import_reader *, char **);
static int	 import_begin(struct import_reader *, const char *, int,
		    char **);
static int	 import_end(struct import_reader *, const char *, int,
		    char **);
static int	 import_property(struct import_reader *, const char *, size_t,
		    const char *, int, char **);
static int	 import_feed(struct import_reader *, char *, int,
		    const char *, char **);
static char	*import_rebuild(const char *, const char *, int);
static int	 import_syntax(const char *, size_t *, const char **,
		    const char **, const char **);
static const struct import_comp *import_comp_find(const char *);
static int	 import_fits(enum import_kind, const struct import_frame *);
static void	 import_reader_free(struct import_reader *);
static int	 import_errors(icalcomponent *, char **);

/*
 * Checks a content line, NAME *(";" param) ":" value, where a parameter is
 * NAME "=" value *("," value) and a value is quoted or free of ";:,\"".
 * Sets the name's length, where the parameters (or ':') begin, the value,
 * and on failure what is wrong.
 */
static int
import_syntax(const char *s, size_t *namelen, const char **rest,
    const char **value, const char **why)
{
	const char	*p = s, *q;

#define IMPORT_NAMECHAR(c) (isalnum((u_char)(c)) || (c) == '-' || (c) == '_')
	while (IMPORT_NAMECHAR(*p))
		p++;
	if (p == s) {
		*why = "expected a name such as SUMMARY or DTSTART first";
		return (-1);
	}
	*namelen = p - s;
	*rest = p;
	while (*p == ';') {
		q = ++p;
		while (IMPORT_NAMECHAR(*p))
			p++;
		if (p == q || *p != '=') {
			*why = "a parameter needs a name and '='";
			return (-1);
		}
		p++;
		for (;;) {
			if (*p == '"') {
				if ((q = strchr(p + 1, '"')) == NULL) {
					*why = "a quoted parameter value does "
					    "not end";
					return (-1);
				}
				p = q + 1;
			} else {
				while (*p != '\0' && strchr(";:,\"", *p) ==
				    NULL)
					p++;
			}
			if (*p != ',')
				break;
			p++;
		}
	}
#undef IMPORT_NAMECHAR
	if (*p != ':') {
		*why = "expected ':' before the value";
		return (-1);
	}
	*value = p + 1;
	return (0);
}

static const struct import_comp *
import_comp_find(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof import_comps / sizeof import_comps[0]; i++) {
		if (strcasecmp(import_comps[i].name, name) == 0)
			return (&import_comps[i]);
	}
	return (NULL);
}

/* Whether a component of this kind may be directly inside parent. */
static int
import_fits(enum import_kind kind, const struct import_frame *parent)
{
	if (parent == NULL)
		return (kind == IMPORT_VCALENDAR);
	switch (kind) {
	case IMPORT_VCALENDAR:
		return (0);
	case IMPORT_VEVENT:
	case IMPORT_VTIMEZONE:
	case IMPORT_ENTRY:
		return (parent->kind == IMPORT_VCALENDAR);
	case IMPORT_TZPART:
		return (parent->kind == IMPORT_VTIMEZONE);
	case IMPORT_ALARM:
		return (parent->kind == IMPORT_VEVENT ||
		    parent->kind == IMPORT_ENTRY);
	case IMPORT_OTHER:
		break;
	}
	return (1);
}

/* Hands one line to libical; refuses the file if libical cannot read it. */
static int
import_feed(struct import_reader *r, char *text, int line, const char *shown,
    char **cause)
{
	icalcomponent	*c;
	char		 q[IMPORT_QUOTE_MAX];

	icalerror_clear_errno();
	c = icalparser_add_line(r->parser, text);
	if (icalparser_get_state(r->parser) == ICALPARSER_ERROR) {
		if (c != NULL)
			icalcomponent_free(c);
		cause_quote(shown, q, sizeof q);
		return (cause_set(cause, "line %d: cannot read \"%s\"", line,
		    q));
	}
	if (c != NULL) {
		r->roots = xreallocarray(r->roots, r->nroots + 1,
		    sizeof *r->roots);
		r->roots[r->nroots++] = c;
	}
	return (0);
}

static int
import_begin(struct import_reader *r, const char *name, int line, char **cause)
{
	const struct import_comp	*c;
	struct import_frame		*top, *f;
	enum import_kind		 kind = IMPORT_OTHER;
	char				*text;
	int				 i, fed = 0, rc;

	if ((c = import_comp_find(name)) != NULL) {
		kind = c->kind;
		fed = c->fed;
	}
	top = r->depth > 0 ? &r->stack[r->depth - 1] : NULL;
	if (!import_fits(kind, top)) {
		if (top == NULL) {
			return (cause_set(cause, "line %d: BEGIN:%s is "
			    "outside BEGIN:VCALENDAR and END:VCALENDAR", line,
			    name));
		}
		/*
		 * If a component further out could hold it, the ones in
		 * between were not closed; name the innermost.
		 */
		for (i = r->depth - 2; i >= -1; i--) {
			if (import_fits(kind, i >= 0 ? &r->stack[i] : NULL))
				break;
		}
		if (i >= -1) {
			return (cause_set(cause, "line %d: BEGIN:%s has no "
			    "END:%s before BEGIN:%s on line %d", top->line,
			    top->name, top->name, name, line));
		}
		return (cause_set(cause, "line %d: BEGIN:%s cannot be inside "
		    "%s (line %d)", line, name, top->name, top->line));
	}
	if (r->depth == IMPORT_DEPTH_MAX) {
		return (cause_set(cause, "line %d: components are nested more "
		    "than %d deep", line, IMPORT_DEPTH_MAX));
	}
	if (top != NULL && !top->fed)
		fed = 0;
	f = &r->stack[r->depth++];
	f->name = xstrdup(name);
	f->line = line;
	f->kind = kind;
	f->fed = fed;
	if (!fed)
		return (0);

	text = xprintf("BEGIN:%s", c->name);
	rc = import_feed(r, text, line, text, cause);
	free(text);
	if (rc != 0)
		return (-1);
	text = xprintf("%s:%d", IMPORT_LINE_NAME, line);
	rc = import_feed(r, text, line, text, cause);
	free(text);
	return (rc);
}

static int
import_end(struct import_reader *r, const char *name, int line, char **cause)
{
	struct import_frame	*top;
	char			*text;
	int			 i, rc = 0;

	if (r->depth == 0) {
		return (cause_set(cause, "line %d: END:%s without BEGIN:%s",
		    line, name, name));
	}
	top = &r->stack[r->depth - 1];
	if (strcasecmp(top->name, name) != 0) {
		for (i = r->depth - 2; i >= 0; i--) {
			if (strcasecmp(r->stack[i].name, name) == 0)
				break;
		}
		if (i >= 0) {
			return (cause_set(cause, "line %d: BEGIN:%s has no "
			    "END:%s before END:%s on line %d", top->line,
			    top->name, top->name, name, line));
		}
		return (cause_set(cause, "line %d: END:%s does not match "
		    "BEGIN:%s on line %d", line, name, top->name, top->line));
	}
	if (top->fed) {
		text = xprintf("END:%s", import_comp_find(top->name)->name);
		rc = import_feed(r, text, line, text, cause);
		free(text);
	}
	free(top->name);
	top->name = NULL;
	r->depth--;
	return (rc);
}

static int
import_property(struct import_reader *r, const char *text, size_t namelen,
    const char *rest, int line, char **cause)
{
	struct import_frame		*top;
	const struct import_prop	*p = NULL;
	char				*fed, q[IMPORT_QUOTE_MAX];
	size_t				 i;
	int				 rc;

	if (r->depth == 0) {
		cause_quote(text, q, sizeof q);
		return (cause_set(cause, "line %d: \"%s\" is outside "
		    "BEGIN:VCALENDAR and END:VCALENDAR", line, q));
	}
	top = &r->stack[r->depth - 1];
	if (!top->fed)
		return (0);
	for (i = 0; i < sizeof import_props / sizeof import_props[0]; i++) {
		if (import_props[i].kind == top->kind &&
		    strlen(import_props[i].name) == namelen &&
		    strncasecmp(import_props[i].name, text, namelen) == 0) {
			p = &import_props[i];
			break;
		}
	}
	if (p == NULL)
		return (0);

	/*
	 * libical refuses a property without a value, and Google writes
	 * "DESCRIPTION:" and "LOCATION:" for every event that has none:
	 * leave such a property out, as if it were not there.
	 */
	if ((fed = import_rebuild(p->name, rest, line)) == NULL)
		return (0);
	rc = import_feed(r, fed, line, text, cause);
	free(fed);
	return (rc);
}

/*
 * The line handed to libical: the property's name, its parameters with
 * TZID always quoted, an X-KURSUS-LINE parameter last (so TZID never is:
 * libical's own fix-up for an unquoted TZID with a colon misreads the line
 * when another parameter comes first), and the value. Like libical, an
 * unquoted TZID that is the last parameter runs to the last colon:
 * "DTSTART;TZID=GMT+05:30:20120904T020000" (Google did this). NULL if the
 * value is empty. rest is checked by import_syntax(). Caller frees.
 */
static char *
import_rebuild(const char *name, const char *rest, int line)
{
	const char	*p = rest, *q, *v, *last;
	char		*out, *text;
	size_t		 len, n;
	int		 dates;

	/* Only these have a TZID, and values without a colon. */
	dates = strcmp(name, "DTSTART") == 0 || strcmp(name, "DTEND") == 0 ||
	    strcmp(name, "RDATE") == 0 || strcmp(name, "EXDATE") == 0 ||
	    strcmp(name, "RECURRENCE-ID") == 0;
	len = strlen(name) + 2 * strlen(rest) + 64;
	out = xmalloc(len);
	n = snprintf(out, len, "%s", name);
	while (*p == ';') {
		q = p + 1;
		v = strchr(q, '=') + 1;
		if (v - q == 5 && strncasecmp(q, "TZID", 4) == 0 &&
		    *v != '"') {
			for (p = v; *p != '\0' && strchr(";:", *p) == NULL;
			    p++)
				/* nothing */;
			if (dates && *p == ':' && strchr(p, ';') == NULL &&
			    (last = strrchr(p, ':')) != p)
				p = last;
			n += snprintf(out + n, len - n, ";TZID=\"%.*s\"",
			    (int)(p - v), v);
			continue;
		}
		/* Any other parameter as it is. */
		for (p = v;;) {
			if (*p == '"')
				p = strchr(p + 1, '"') + 1;
			else {
				while (*p != '\0' && strchr(";:,", *p) == NULL)
					p++;
			}
			if (*p != ',')
				break;
			p++;
		}
		n += snprintf(out + n, len - n, "%.*s", (int)(p - q + 1),
		    q - 1);
	}
	/* p is at the ':' before the value. */
	text = (char *)p + 1;
	text += strspn(text, " \t");
	if (*text == '\0') {
		free(out);
		return (NULL);
	}
	n += snprintf(out + n, len - n, ";%s=%d:", IMPORT_LINE_NAME, line);
	/*
	 * RFC 5545 escapes only \\, \; \, and \n; libical turns any other
	 * escaped byte into a space, which cuts a UTF-8 character in two
	 * when the byte is the first of one ("\ø"). The backslash goes.
	 */
	for (q = p + 1; *q != '\0' && n + 1 < len; q++) {
		if (*q == '\\' && (u_char)q[1] >= 0x80)
			continue;
		out[n++] = *q;
		if (*q == '\\' && q[1] != '\0')
			out[n++] = *++q;
	}
	out[n] = '\0';
	return (out);
}

/* One unfolded content line, in r->buf, starting on line r->line. */
static int
import_line(struct import_reader *r, char **cause)
{
	const char	*rest, *value, *why;
	char		 q[IMPORT_QUOTE_MAX], *name, *end;
	size_t		 namelen, i;
	int		 line = r->line;

	for (i = 0; i < r->buf.len; i++) {
		if (r->buf.data[i] != ' ' && r->buf.data[i] != '\t')
			break;
	}
	if (i == r->buf.len)
		return (0);
	if (utf8_first_bad((u_char *)r->buf.data, r->buf.len) != r->buf.len)
		return (cause_set(cause, "line %d is not valid UTF-8", line));
	if (import_syntax(r->buf.data, &namelen, &rest, &value, &why) != 0) {
		cause_quote(r->buf.data, q, sizeof q);
		return (cause_set(cause, "line %d: cannot read \"%s\": %s",
		    line, q, why));
	}

	if ((namelen == 5 && strncasecmp(r->buf.data, "BEGIN", 5) == 0) ||
	    (namelen == 3 && strncasecmp(r->buf.data, "END", 3) == 0)) {
		name = xstrdup(value + strspn(value, " \t"));
		end = name + strlen(name);
		while (end > name && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		for (i = 0; name[i] != '\0'; i++) {
			if (!isalnum((u_char)name[i]) && name[i] != '-' &&
			    name[i] != '_')
				break;
		}
		if (*rest != ':' || i == 0 || name[i] != '\0' || i > 64) {
			free(name);
			cause_quote(r->buf.data, q, sizeof q);
			return (cause_set(cause, "line %d: cannot read \"%s\": "
			    "expected BEGIN or END and a component name such "
			    "as VEVENT", line, q));
		}
		if (namelen == 5) {
			if (import_begin(r, name, line, cause) != 0) {
				free(name);
				return (-1);
			}
		} else if (import_end(r, name, line, cause) != 0) {
			free(name);
			return (-1);
		}
		free(name);
		return (0);
	}
	return (import_property(r, r->buf.data, namelen, rest, line, cause));
}

/*
 * Unfolds the text into content lines: a physical line ends at CRLF, LF
 * or a lone CR, and one that begins with a space or tab continues the line
 * before it (that character removed). Line numbers count physical lines,
 * as an editor shows them.
 */
static int
import_read(struct import_reader *r, const char *text, size_t len, char **cause)
{
	const char	*p = text, *end = text + len, *q;
	size_t		 n;
	int		 line = 0, open = 0;

	/* A byte order mark is no part of the first line. */
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	/* Windows programs save "Unicode" text as UTF-16. */
	if (end - p >= 2 && (memcmp(p, "\xff\xfe", 2) == 0 ||
	    memcmp(p, "\xfe\xff", 2) == 0))
		return (cause_set(cause, "line 1: the file is UTF-16 text; save "
		    "or convert it as UTF-8 (e.g. iconv -f UTF-16 -t UTF-8) and "
		    "import it again"));
	while (p < end) {
		q = p;
		while (q < end && *q != '\n' && *q != '\r' && *q != '\0')
			q++;
		line++;
		if (q < end && *q == '\0') {
			return (cause_set(cause, "line %d: the file holds a "
			    "NUL byte, so it is not a calendar file", line));
		}
		n = q - p;
		if (n > 0 && open && (*p == ' ' || *p == '\t')) {
			p++;
			n--;
		} else {
			if (open && import_line(r, cause) != 0)
				return (-1);
			buf_reset(&r->buf);
			r->line = line;
			open = (n > 0);
		}
		buf_add(&r->buf, p, n);

		if (q < end && *q == '\r' && q + 1 < end && q[1] == '\n')
			q++;
		p = (q < end) ? q + 1 : q;
	}
	if (open && import_line(r, cause) != 0)
		return (-1);
	if (r->depth > 0) {
		return (cause_set(cause, "line %d: BEGIN:%s has no END:%s (the "
		    "file ends on line %d)", r->stack[r->depth - 1].line,
		    r->stack[r->depth - 1].name, r->stack[r->depth - 1].name,
		    line));
	}
	if (r->nroots == 0) {
		return (cause_set(cause, "line %d: no calendar in the file "
		    "(expected BEGIN:VCALENDAR)", line == 0 ? 1 : line));
	}
	return (0);
}

static void
import_reader_free(struct import_reader *r)
{
	size_t	i;
	int	d;

	for (d = 0; d < r->depth; d++)
		free(r->stack[d].name);
	for (i = 0; i < r->nroots; i++)
		icalcomponent_free(r->roots[i]);
	free(r->roots);
	if (r->parser != NULL)
		icalparser_free(r->parser);
	buf_free(&r->buf);
}

/* The line a component began on (its X-KURSUS-LINE property). */
int
import_comp_line(icalcomponent *c)
{
	icalproperty	*p;
	const char	*name, *v;

	for (p = icalcomponent_get_first_property(c, ICAL_X_PROPERTY);
	    p != NULL; p = icalcomponent_get_next_property(c,
	    ICAL_X_PROPERTY)) {
		name = icalproperty_get_x_name(p);
		if (name == NULL || strcmp(name, IMPORT_LINE_NAME) != 0)
			continue;
		if ((v = icalproperty_get_x(p)) != NULL)
			return (atoi(v));
	}
	return (0);
}

/* The line a property is on (its X-KURSUS-LINE parameter). */
int
import_prop_line(icalproperty *p)
{
	icalparameter	*a;
	const char	*name, *v;

	for (a = icalproperty_get_first_parameter(p, ICAL_X_PARAMETER);
	    a != NULL; a = icalproperty_get_next_parameter(p,
	    ICAL_X_PARAMETER)) {
		name = icalparameter_get_xname(a);
		if (name == NULL || strcmp(name, IMPORT_LINE_NAME) != 0)
			continue;
		if ((v = icalparameter_get_xvalue(a)) != NULL)
			return (atoi(v));
	}
	return (0);
}

/*
 * What libical could not read without saying so through its state (an
 * unknown VALUE or parameter value: it notes the error, then carries on):
 * an X-LIC-ERROR property it added, here or further in. It adds that right
 * after the property it is about, so the line is that property's.
 */
static int
import_errors(icalcomponent *c, char **cause)
{
	icalproperty	*p;
	icalcomponent	*sub;
	const char	*text;
	char		 q[IMPORT_QUOTE_MAX * 2];
	int		 line = import_comp_line(c), n;

	for (p = icalcomponent_get_first_property(c, ICAL_ANY_PROPERTY);
	    p != NULL; p = icalcomponent_get_next_property(c,
	    ICAL_ANY_PROPERTY)) {
		if (icalproperty_isa(p) != ICAL_XLICERROR_PROPERTY) {
			if ((n = import_prop_line(p)) != 0)
				line = n;
			continue;
		}
		text = icalproperty_get_xlicerror(p);
		cause_quote(text != NULL ? text : "?", q, sizeof q);
		return (cause_set(cause, "line %d: %s", line, q));
	}
	for (sub = icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT);
	    sub != NULL; sub = icalcomponent_get_next_component(c,
	    ICAL_ANY_COMPONENT)) {
		if (import_errors(sub, cause) != 0)
			return (-1);
	}
	return (0);
}

int
import_lex(const char *text, size_t len, icalcomponent ***roots,
    size_t *nroots, char **cause)
{
	struct import_reader	 r;
	size_t			 i;

	*roots = NULL;
	*nroots = 0;
	memset(&r, 0, sizeof r);
	r.parser = icalparser_new();
	if (import_read(&r, text, len, cause) != 0)
		goto fail;
	icalparser_free(r.parser);
	r.parser = NULL;
	for (i = 0; i < r.nroots; i++) {
		if (import_errors(r.roots[i], cause) != 0)
			goto fail;
	}
	*roots = r.roots;
	*nroots = r.nroots;
	r.roots = NULL;
	r.nroots = 0;
	import_reader_free(&r);
	return (0);

fail:
	import_reader_free(&r);
	return (-1);
}

void
import_lex_free(icalcomponent **roots, size_t nroots)
{
	size_t	i;

	for (i = 0; i < nroots; i++)
		icalcomponent_free(roots[i]);
	free(roots);
}

int
import_count(icalcomponent *c, icalproperty_kind kind)
{
	icalproperty	*p;
	int		 n = 0;

	for (p = icalcomponent_get_first_property(c, kind); p != NULL;
	    p = icalcomponent_get_next_property(c, kind))
		n++;
	return (n);
}

/* The text of the first property of this kind, or NULL. */
const char *
import_text(icalcomponent *c, icalproperty_kind kind)
{
	icalproperty	*p;
	icalvalue	*v;

	if ((p = icalcomponent_get_first_property(c, kind)) == NULL)
		return (NULL);
	if ((v = icalproperty_get_value(p)) == NULL)
		return (NULL);
	return (icalvalue_get_text(v));
}
