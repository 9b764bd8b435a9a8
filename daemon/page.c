/*
 * The chrome of the public HTML pages: see page.h. The pages are for
 * people who are often over 70, on a phone: large type, strong contrast,
 * one column that fits 390 px, links that look like links, no script.
 */
#include "config.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kursusd.h"
#include "notifier.h"
#include "page.h"

/*
 * The stylesheet: small enough to send with each page, so that a page is
 * one request. The library's colour is the header's background and the
 * links' colour (page_colour_check() holds it to 4.5:1 both ways).
 */
static const char page_css[] =
    "*{box-sizing:border-box}"
    "html{-webkit-text-size-adjust:100%;text-size-adjust:100%}"
    "body{margin:0;font-family:system-ui,-apple-system,'Segoe UI',Roboto,"
    "Arial,sans-serif;font-size:1.25rem;line-height:1.5;color:#111;"
    "background:#fff;overflow-wrap:anywhere}"
    "header.site{background:var(--c);color:#fff;padding:.75rem 1rem}"
    "header.site p{margin:0;font-size:1.5rem;font-weight:bold}"
    "header.site a{color:#fff}"
    "header.site .lang{font-size:1.1rem;font-weight:normal;margin-top:.25rem}"
    "main,footer.site{max-width:42rem;margin:0 auto;padding:0 1rem}"
    "h1{font-size:1.9rem;line-height:1.2;margin:1rem 0 .5rem}"
    "h2{font-size:1.5rem;line-height:1.25;margin:1.5rem 0 .5rem}"
    "h3{font-size:1.35rem;line-height:1.3;margin:0 0 .25rem}"
    "a{color:var(--c);text-decoration:underline;text-underline-offset:.15em}"
    "a:focus,button:focus{outline:3px solid #111;outline-offset:2px}"
    "button{font:inherit;font-weight:bold;color:#fff;background:var(--c);"
    "border:0;border-radius:.5rem;padding:.75rem 1.25rem;margin:.5rem 0;"
    "cursor:pointer}"
    "ul.list{list-style:none;padding:0;margin:0}"
    "article{border:2px solid #555;border-radius:.5rem;padding:.75rem 1rem;"
    "margin:0 0 1rem}"
    "article p,section p{margin:.25rem 0}"
    ".when{font-weight:bold}"
    ".seats{font-weight:bold}"
    ".full{color:#8a1c00}"
    "p.cancelled{color:#8a1c00}"
    "article.cancelled h3{text-decoration:line-through}"
    "nav.months ul,ul.links{padding-left:1.25rem}"
    "nav.months li,ul.links li{margin:.4rem 0}"
    "dt{font-weight:bold}dd{margin:0 0 .75rem}"
    "footer.site{border-top:2px solid #555;margin-top:2rem;"
    "padding-top:.5rem;padding-bottom:2rem}";

struct page_site *
page_site_new(const struct config *conf)
{
	struct page_site	*s = xcalloc(1, sizeof *s);
	size_t			 len;

	s->name = xstrdup(*conf->library_name != '\0' ? conf->library_name :
	    "Biblioteket");
	s->header = xstrdup(*conf->library_header != '\0' ?
	    conf->library_header : s->name);
	s->colour = xstrdup(*conf->library_colour != '\0' ?
	    conf->library_colour : "#1d4f7c");
	s->phone = xstrdup(conf->library_phone);
	s->email = xstrdup(conf->library_email);
	s->url = xstrdup(conf->library_url);
	s->public_url = xstrdup(conf->public_url);
	len = strlen(s->public_url);
	while (len > 0 && s->public_url[len - 1] == '/')
		s->public_url[--len] = '\0';
	return (s);
}

void
page_site_free(struct page_site *s)
{
	if (s == NULL)
		return;
	free(s->name);
	free(s->header);
	free(s->colour);
	free(s->phone);
	free(s->email);
	free(s->url);
	free(s->public_url);
	free(s);
}

char *
page_escape(const char *s)
{
	struct buf	 b = BUF_INIT;

	if (s != NULL)
		buf_add_html(&b, s, strlen(s));
	return (buf_detach(&b, NULL));
}

char *
page_urlencode(const char *s)
{
	struct buf	 b = BUF_INIT;
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (isalnum(*p) || strchr("-._~", *p) != NULL)
			buf_addc(&b, (char)*p);
		else
			buf_addf(&b, "%%%02X", *p);
	}
	return (buf_detach(&b, NULL));
}

char *
page_webcal(const char *url)
{
	if (strncmp(url, "https://", 8) == 0)
		return (xprintf("webcal://%s", url + 8));
	if (strncmp(url, "http://", 7) == 0)
		return (xprintf("webcal://%s", url + 7));
	return (xstrdup(url));
}

const char *
page_t(const struct page *p, const char *da, const char *en)
{
	return ((p->flags & PAGE_EN) ? en : da);
}

void
page_text(struct page *p, const char *s)
{
	if (s != NULL)
		buf_add_html(&p->b, s, strlen(s));
}

void
page_textf(struct page *p, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	xvasprintf(&s, fmt, ap);
	va_end(ap);
	page_text(p, s);
	free(s);
}

void
page_raw(struct page *p, const char *s)
{
	buf_adds(&p->b, s);
}

void
page_rawf(struct page *p, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	buf_vaddf(&p->b, fmt, ap);
	va_end(ap);
}

void
page_link(struct page *p, const char *href, const char *text)
{
	page_raw(p, "<a href=\"");
	page_text(p, href);
	page_raw(p, "\">");
	page_text(p, text);
	page_raw(p, "</a>");
}

void
page_begin(struct page *p, const struct page_site *site, int flags,
    const char *title, const char *lang_href)
{
	memset(p, 0, sizeof *p);
	p->site = site;
	p->flags = flags;
	page_rawf(p, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\">\n<title>", (flags & PAGE_EN) ? "en" : "da");
	page_text(p, title);
	if (!(flags & PAGE_EMBED)) {
		page_raw(p, " – ");
		page_text(p, site->name);
	}
	page_raw(p, "</title>\n");
	if (flags & PAGE_EMBED)
		page_raw(p, "<base target=\"_top\">\n");
	/* The colour is checked (page_colour_check()): no escaping needed. */
	page_rawf(p, "<style>:root{--c:%s}%s</style>\n</head>\n<body>\n",
	    site->colour, page_css);
	if (!(flags & PAGE_EMBED)) {
		page_raw(p, "<header class=\"site\">\n<p>");
		if (*site->url != '\0')
			page_link(p, site->url, site->header);
		else
			page_text(p, site->header);
		page_raw(p, "</p>\n");
		if (lang_href != NULL) {
			page_raw(p, "<p class=\"lang\">");
			if (flags & PAGE_EN)
				page_raw(p, "<a lang=\"da\" hreflang=\"da\" "
				    "href=\"");
			else
				page_raw(p, "<a lang=\"en\" hreflang=\"en\" "
				    "href=\"");
			page_text(p, lang_href);
			page_rawf(p, "\">%s</a></p>\n", (flags & PAGE_EN) ?
			    "Dansk" : "English");
		}
		page_raw(p, "</header>\n");
	}
	page_raw(p, "<main>\n");
}

void
page_contact(struct page *p, const char *lead)
{
	const struct page_site	*s = p->site;
	char			*phone;
	const char		*d;
	size_t			 n;

	page_raw(p, "<p class=\"contact\">");
	if (lead != NULL) {
		page_text(p, lead);
		page_raw(p, " ");
	}
	if (*s->phone == '\0' && *s->email == '\0') {
		page_text(p, page_t(p, "Kontakt ", "Contact "));
		page_text(p, s->name);
		page_raw(p, ".");
		page_raw(p, "</p>\n");
		return;
	}
	if (*s->phone != '\0') {
		phone = words_phone(s->phone, (p->flags & PAGE_EN) ?
		    WORDS_EN : 0);
		page_text(p, page_t(p, "Ring til ", "Call "));
		page_text(p, s->name);
		page_text(p, page_t(p, " på ", " on "));
		page_raw(p, "<a href=\"tel:");
		page_text(p, s->phone);
		page_raw(p, "\">");
		/* The groups of digits never broken over two lines. */
		for (d = phone; *d != '\0'; d += n) {
			n = strcspn(d, " ");
			buf_add(&p->b, d, n);
			if (d[n] == ' ') {
				page_raw(p, "&nbsp;");
				n++;
			}
		}
		page_raw(p, "</a>");
		free(phone);
		if (*s->email != '\0')
			page_text(p, page_t(p, " eller skriv til ",
			    " or write to "));
	} else {
		page_text(p, page_t(p, "Skriv til ", "Write to "));
		page_text(p, s->name);
		page_text(p, page_t(p, " på ", " at "));
	}
	if (*s->email != '\0') {
		page_raw(p, "<a href=\"mailto:");
		page_text(p, s->email);
		page_raw(p, "\">");
		page_text(p, s->email);
		page_raw(p, "</a>");
	}
	page_raw(p, ".</p>\n");
}

char *
page_end(struct page *p, size_t *len)
{
	const struct page_site	*s = p->site;

	page_raw(p, "</main>\n");
	if (!(p->flags & PAGE_EMBED)) {
		page_raw(p, "<footer class=\"site\">\n<p><strong>");
		page_text(p, s->name);
		page_raw(p, "</strong></p>\n");
		page_contact(p, NULL);
		if (*s->url != '\0') {
			page_raw(p, "<p>");
			page_link(p, s->url, page_t(p, "Bibliotekets hjemmeside",
			    "The library's web site"));
			page_raw(p, "</p>\n");
		}
		page_raw(p, "</footer>\n");
	}
	page_raw(p, "</body>\n</html>\n");
	return (buf_detach(&p->b, len));
}

char *
page_message(const struct page_site *site, int flags, const char *title,
    const char *text, size_t *len)
{
	struct page	 p;

	page_begin(&p, site, flags, title, NULL);
	page_raw(&p, "<h1>");
	page_text(&p, title);
	page_raw(&p, "</h1>\n<p>");
	page_text(&p, text);
	page_raw(&p, "</p>\n");
	page_contact(&p, page_t(&p, "Spørgsmål?", "Questions?"));
	return (page_end(&p, len));
}

char *
page_not_found(const struct page_site *site, int flags, size_t *len)
{
	if (flags & PAGE_EN)
		return (page_message(site, flags, "Page not found",
		    "This page does not exist, or the link is no longer "
		    "valid.", len));
	return (page_message(site, flags, "Siden findes ikke",
	    "Siden findes ikke, eller linket gælder ikke længere.", len));
}

/* WCAG's relative luminance of one sRGB channel, 0..255. */
static double
page_channel(int v)
{
	double	 c = v / 255.0;

	return (c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4));
}

int
page_colour_check(const char *in, char **out, char **cause)
{
	char		 hex[7];
	unsigned int	 rgb;
	size_t		 n = strlen(in), i;
	double		 l, ratio;

	*out = NULL;
	if (in[0] != '#' || (n != 4 && n != 7) ||
	    strspn(in + 1, "0123456789abcdefABCDEF") != n - 1) {
		*cause = xprintf("\"%.40s\" is not a colour such as #1d4f7c "
		    "(#, then six hexadecimal digits)", in);
		return (-1);
	}
	for (i = 0; i < 6; i++)
		hex[i] = (char)tolower((unsigned char)(n == 4 ?
		    in[1 + i / 2] : in[1 + i]));
	hex[6] = '\0';
	rgb = (unsigned int)strtoul(hex, NULL, 16);
	l = 0.2126 * page_channel((int)(rgb >> 16)) +
	    0.7152 * page_channel((int)((rgb >> 8) & 0xff)) +
	    0.0722 * page_channel((int)(rgb & 0xff));
	ratio = 1.05 / (l + 0.05);
	if (ratio < 4.5) {
		*cause = xprintf("\"%s\" is too light: white text on it has a "
		    "contrast of %.1f:1, and at least 4.5:1 is needed to "
		    "read it (WCAG AA); choose a darker colour", in, ratio);
		return (-1);
	}
	*out = xprintf("#%s", hex);
	return (0);
}
