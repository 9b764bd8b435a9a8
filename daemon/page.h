/*
 * page.c: the chrome of every public HTML page, in one place.
 *
 * A page is written into a struct page: page_begin() writes the doctype,
 * <html lang>, the head with its title and the one small stylesheet
 * (inline), the header with the library's name in its colour, and opens
 * <main>; the caller adds its content with page_text() (escaped) and
 * page_raw() (markup it made itself); page_end() closes <main>, writes
 * the footer with the library's phone and e-mail, and hands the bytes
 * over. With PAGE_EMBED there is neither header nor footer, for an
 * <iframe> in the library's own site, and links open in the whole window.
 *
 * No JavaScript, no outside resources: a page stands alone.
 *
 * Everything from the database or a request goes through page_text() or
 * page_escape(); page_raw() and page_rawf() take only the caller's own
 * markup (their %s arguments are not escaped).
 */
#ifndef PAGE_H
#define PAGE_H

#include <stddef.h>

#include "buf.h"

struct config;

/*
 * The header fields every page's answer carries: the page runs no script
 * and loads nothing from elsewhere (its forms post to its own address),
 * and no link on it tells another site the page's address.
 */
#define PAGE_HTTP_FIELDS \
	"Content-Security-Policy: default-src 'none'; style-src " \
	"'unsafe-inline'; base-uri 'none'; form-action 'self'\r\n" \
	"Referrer-Policy: no-referrer\r\n"

#define PAGE_EN		0x1	/* English; else Danish (lang="da") */
#define PAGE_EMBED	0x2	/* no header or footer: for an iframe */

/* What every page shows of the library, from [library] and [public]. */
struct page_site {
	char	*name;		/* library.name, or "Biblioteket" */
	char	*header;	/* library.header, or the name */
	char	*colour;	/* library.colour, "#rrggbb" */
	char	*phone;		/* E.164, or "" */
	char	*email;		/* or "" */
	char	*url;		/* the library's web site, or "" */
	char	*public_url;	/* [public] url without a trailing '/' */
};

/* The site as conf says; page_site_free() it. */
struct page_site *page_site_new(const struct config *);
void	 page_site_free(struct page_site *);

/* One page being written. Its members are the writer's own. */
struct page {
	struct buf		 b;
	const struct page_site	*site;
	int			 flags;		/* PAGE_* */
};

/*
 * Starts a page: title is plain text (escaped here); lang_href, when not
 * NULL, is the URL of the same page in the other language (a link in the
 * header; escaped here).
 */
void	 page_begin(struct page *, const struct page_site *, int flags,
	    const char *title, const char *lang_href);
/* Ends it: the bytes for the caller to free, *len their length. */
char	*page_end(struct page *, size_t *len);

/* Plain text, escaped for text and for attribute values alike. */
void	 page_text(struct page *, const char *);
void	 page_textf(struct page *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* The caller's own markup, as it is. */
void	 page_raw(struct page *, const char *);
void	 page_rawf(struct page *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* A link: href and text are both escaped here. */
void	 page_link(struct page *, const char *href, const char *text);
/* "Danish" or "English" as the page's language says. */
const char *page_t(const struct page *, const char *da, const char *en);

/*
 * How to reach the library, as one paragraph: its phone (a tel: link,
 * written the Danish way) and e-mail; lead is the sentence before, plain
 * text, e.g. "Spørgsmål?"; NULL for none.
 */
void	 page_contact(struct page *, const char *lead);

/*
 * A whole short page: a heading and one paragraph of text (both plain
 * text), then how to reach the library. For 404s, refusals and the
 * answers of forms. The caller frees the bytes.
 */
char	*page_message(const struct page_site *, int flags, const char *title,
	    const char *text, size_t *len);
/* The 404 page: "not found" and the library's phone. */
char	*page_not_found(const struct page_site *, int flags, size_t *len);

/* s escaped for HTML text and attributes; the caller frees it. */
char	*page_escape(const char *s);
/* s percent-encoded for a URL's query; the caller frees it. */
char	*page_urlencode(const char *s);
/* An http(s):// feed address as webcal://; the caller frees it. */
char	*page_webcal(const char *url);

/*
 * Checks library.colour: "#rrggbb" (or "#rgb") dark enough that white
 * text on it, and it as text on white, reach WCAG's 4.5:1. *out is the
 * normal form ("#rrggbb", lower case); the caller frees *out or *cause.
 */
int	 page_colour_check(const char *in, char **out, char **cause);

#endif
