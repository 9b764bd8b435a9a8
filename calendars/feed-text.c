/*
 * The feeds' text. What is built with libical (the calendar's head, the
 * VTIMEZONEs) is written here property by property, and libical writes
 * every value and parameter (the escaping of TEXT, the quoting of
 * parameters, dates, rules, offsets). feed_write() puts the lines together
 * itself instead of calling icalcomponent_as_ical_string_r(), for speed
 * (see feed_property()) and because libical 3.0.16 gets these wrong:
 *
 * - CATEGORIES and X- properties are TEXT, but libical leaves their commas
 *   and semicolons unescaped (for CATEGORIES a comma separates values; we
 *   write one category, so "Borger.dk, NemID" must not become two).
 * - Its folding counts the line's CR LF as text and can cut it in two
 *   ("...z\r\r\n \n": a bare CR and a bare LF) or leave a continuation
 *   line holding only the space; it also cuts escapes such as "\," in
 *   two. It does not split UTF-8 characters. We fold at 75 octets, never
 *   inside a UTF-8 character or an escape.
 *
 * Text from the caller is cleaned first (feed_clean): invalid UTF-8 becomes
 * U+FFFD, CR LF and lone CR become LF, other control bytes a space, so no
 * control byte reaches the output.
 */
#include "config.h"

#include <sys/types.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libical/ical.h>

#include "buf.h"
#include "calendars.h"
#include "calendars-private.h"
#include "utf8.h"
#include "xmalloc.h"

static pthread_mutex_t	 feed_geo_lock = PTHREAD_MUTEX_INITIALIZER;

static size_t		 feed_char(const char *, size_t);
static size_t		 feed_unit(const char *, size_t);
static void		 feed_property(struct buf *, struct buf *,
			    icalproperty *);
static void		 feed_component(struct buf *, struct buf *,
			    icalcomponent *);

/* Octets in the UTF-8 character at s, by its first octet. */
static size_t
feed_char(const char *s, size_t left)
{
	u_char	c = (u_char)s[0];
	size_t	n;

	if (c < 0xc0)
		n = 1;
	else if (c < 0xe0)
		n = 2;
	else if (c < 0xf0)
		n = 3;
	else
		n = 4;
	return (n < left ? n : left);
}

/*
 * Octets that must stay on one line from s: a UTF-8 character, or a
 * backslash with the character it escapes.
 */
static size_t
feed_unit(const char *s, size_t left)
{
	if (s[0] == '\\' && left > 1)
		return (1 + feed_char(s + 1, left - 1));
	return (feed_char(s, left));
}

/*
 * s fit for a TEXT value: well-formed UTF-8, LF as the only line break,
 * tab kept, other control bytes replaced by a space. Returns s itself when
 * it is fine as it is (nearly always), else a cleaned copy, also left in
 * *copy for the caller to free.
 */
const char *
feed_clean(const char *s, char **copy)
{
	const u_char	*p = (const u_char *)s;
	size_t		 len, i, n;
	char		*o;

	*copy = NULL;
	len = strlen(s);
	for (i = 0; i < len; i += n) {
		if ((p[i] >= 0x20 && p[i] < 0x7f) || p[i] == '\n' ||
		    p[i] == '\t')
			n = 1;
		else if ((n = utf8_char_len(p + i, len - i)) <= 1)
			break;
	}
	if (i >= len)
		return (s);

	/* U+FFFD is three octets for every bad one. */
	o = *copy = xmalloc(len * 3 + 1);
	memcpy(o, s, i);
	o += i;
	while (i < len) {
		if (p[i] == '\r') {
			*o++ = '\n';
			i += (p[i + 1] == '\n') ? 2 : 1;
			continue;
		}
		if ((p[i] < 0x20 && p[i] != '\n' && p[i] != '\t') ||
		    p[i] == 0x7f) {
			*o++ = ' ';
			i++;
			continue;
		}
		if ((n = utf8_char_len(p + i, len - i)) == 0) {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
			continue;
		}
		memcpy(o, p + i, n);
		o += n;
		i += n;
	}
	*o = '\0';
	return (*copy);
}

/*
 * A URI is written as it is, without escaping, so every octet that may not
 * appear in one (control bytes, space, quotes, anything past ASCII) is
 * percent-encoded.
 */
char *
feed_clean_uri(const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const u_char		*p;
	char			*out, *o;

	o = out = xmalloc(strlen(s) * 3 + 1);
	for (p = (const u_char *)s; *p != '\0'; p++) {
		if (*p <= 0x20 || *p >= 0x7f || strchr("\"<>\\^`{|}", *p)) {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 0xf];
		} else
			*o++ = *p;
	}
	*o = '\0';
	return (out);
}

/* Appends one logical line, folded at FEED_LINE_MAX octets, and CR LF. */
void
feed_fold(struct buf *b, const char *line, size_t len)
{
	size_t	i = 0, start = 0, col = 0, n;

	if (len <= FEED_LINE_MAX) {
		buf_add(b, line, len);
		buf_add(b, "\r\n", 2);
		return;
	}
	while (i < len) {
		if ((u_char)line[i] < 0x80 && line[i] != '\\')
			n = 1;
		else
			n = feed_unit(line + i, len - i);
		if (col + n > FEED_LINE_MAX) {
			buf_add(b, line + start, i - start);
			buf_add(b, "\r\n ", 3);
			start = i;
			col = 1;
		}
		col += n;
		i += n;
	}
	buf_add(b, line + start, len - start);
	buf_add(b, "\r\n", 2);
}

/*
 * Appends one property: its name, each parameter and the value as libical
 * writes them, folded by us.
 *
 * libical's own icalproperty_as_ical_string_r() allocates and clears a
 * kilobyte per property and per parameter and folds the line (which we
 * would undo): most of the time of a whole event. One difference: it adds
 * VALUE= itself when a value is not of the property's default type, from
 * a table it does not export; here VALUE= is written only when the
 * property carries the parameter, which every property built in
 * calendars/ does when it needs it (REFRESH-INTERVAL).
 */
static void
feed_property(struct buf *b, struct buf *line, icalproperty *p)
{
	icalproperty_kind	 kind = icalproperty_isa(p);
	icalparameter		*param;
	icalvalue		*value;
	const char		*name;
	char			*s, *v;

	if (kind == ICAL_X_PROPERTY)
		name = icalproperty_get_x_name(p);
	else
		name = icalproperty_kind_to_string(kind);
	if (name == NULL)
		return;
	line->len = 0;
	buf_add(line, name, strlen(name));
	for (param = icalproperty_get_first_parameter(p, ICAL_ANY_PARAMETER);
	    param != NULL;
	    param = icalproperty_get_next_parameter(p, ICAL_ANY_PARAMETER)) {
		if ((s = icalparameter_as_ical_string_r(param)) == NULL)
			continue;
		buf_add(line, ";", 1);
		buf_add(line, s, strlen(s));
		free(s);
	}
	buf_add(line, ":", 1);

	value = icalproperty_get_value(p);
	/*
	 * libical writes a GEO value between two setlocale() calls, which
	 * change the whole process: one thread at a time, so events can be
	 * rendered on several threads.
	 */
	if (value != NULL && icalvalue_isa(value) == ICAL_GEO_VALUE) {
		pthread_mutex_lock(&feed_geo_lock);
		s = icalvalue_as_ical_string_r(value);
		pthread_mutex_unlock(&feed_geo_lock);
	} else
		s = value != NULL ? icalvalue_as_ical_string_r(value) : NULL;
	if (s == NULL) {
		feed_fold(b, line->data, line->len);
		return;
	}
	if (kind != ICAL_CATEGORIES_PROPERTY && kind != ICAL_X_PROPERTY)
		buf_add(line, s, strlen(s));
	else {
		/*
		 * TEXT, but libical leaves commas and semicolons unescaped
		 * here. What it did escape ("\\", "\n") is copied as it is.
		 */
		for (v = s; *v != '\0'; v++) {
			if (v[0] == '\\' && v[1] != '\0') {
				buf_add(line, v, 2);
				v++;
				continue;
			}
			if (*v == ',' || *v == ';')
				buf_add(line, "\\", 1);
			buf_add(line, v, 1);
		}
	}
	free(s);
	feed_fold(b, line->data, line->len);
}

static void
feed_component(struct buf *b, struct buf *line, icalcomponent *c)
{
	icalproperty	*p;
	icalcomponent	*sub;
	const char	*name;

	name = icalcomponent_kind_to_string(icalcomponent_isa(c));
	line->len = 0;
	buf_add(line, "BEGIN:", 6);
	buf_add(line, name, strlen(name));
	feed_fold(b, line->data, line->len);
	for (p = icalcomponent_get_first_property(c, ICAL_ANY_PROPERTY);
	    p != NULL; p = icalcomponent_get_next_property(c,
	    ICAL_ANY_PROPERTY))
		feed_property(b, line, p);
	for (sub = icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT);
	    sub != NULL; sub = icalcomponent_get_next_component(c,
	    ICAL_ANY_COMPONENT))
		feed_component(b, line, sub);
	line->len = 0;
	buf_add(line, "END:", 4);
	buf_add(line, name, strlen(name));
	feed_fold(b, line->data, line->len);
}

/* Appends c as iCalendar text. */
void
feed_write(struct buf *b, icalcomponent *c)
{
	struct buf	line = BUF_INIT;

	feed_component(b, &line, c);
	free(line.data);
}

/* Adds a TEXT property when s has something in it. */
void
feed_add_text(icalcomponent *c, icalproperty *(*fn)(const char *),
    const char *s)
{
	char	*copy;

	if (s == NULL || *s == '\0')
		return;
	icalcomponent_add_property(c, fn(feed_clean(s, &copy)));
	free(copy);
}

icalproperty *
feed_x(const char *name, const char *value)
{
	icalproperty	*prop;
	char		*copy;

	prop = icalproperty_new_x(feed_clean(value, &copy));
	icalproperty_set_x_name(prop, name);
	free(copy);
	return (prop);
}
