/*
 * MIME mail with GMime 3. GMime does the RFC 2047 encoding of the Subject
 * and of display names, picks quoted-printable or base64 for the parts,
 * and folds the headers; this file only says what goes where.
 *
 * Threads: g_mime_init() is not thread-safe and must run once before any
 * other GMime call. mail_build() runs it under pthread_once(), so the
 * daemon may call mail_build() from several workers at once; each call
 * builds and frees its own objects and its own format options (the global
 * default options are never modified). g_mime_shutdown() is never called:
 * the library lives as long as the process.
 */

#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#include "buf.h"
#include "notifier.h"
#include "random.h"
#include "xmalloc.h"

static pthread_once_t	 mail_once = PTHREAD_ONCE_INIT;

static void
mail_init(void)
{
	g_mime_init();
}

/* Puts text into a part as its content, not yet encoded. */
static void
mail_part_content(GMimePart *part, const char *text)
{
	GMimeStream		*stream;
	GMimeDataWrapper	*content;

	stream = g_mime_stream_mem_new_with_buffer(text, strlen(text));
	content = g_mime_data_wrapper_new_with_stream(stream,
	    GMIME_CONTENT_ENCODING_DEFAULT);
	g_mime_part_set_content(part, content);
	g_object_unref(content);
	g_object_unref(stream);
}

/*
 * The encoding that suits text best within 7 bits: what
 * g_mime_part_get_best_content_encoding() finds, by its filter run over
 * the text at once rather than through a null stream, a filter stream
 * and the content's stream (objects made and freed for each part).
 */
static GMimeContentEncoding
mail_best(const char *text)
{
	GMimeFilter		*best;
	GMimeContentEncoding	 enc;
	char			*out;
	size_t			 outlen, outprespace;

	best = g_mime_filter_best_new(GMIME_FILTER_BEST_ENCODING);
	g_mime_filter_complete(best, (char *)text, strlen(text), 0, &out,
	    &outlen, &outprespace);
	enc = g_mime_filter_best_encoding(GMIME_FILTER_BEST(best),
	    GMIME_ENCODING_CONSTRAINT_7BIT);
	g_object_unref(best);
	return (enc);
}

/* A text part's content: the text, in the encoding that suits it best. */
static void
mail_text_set(GMimeTextPart *part, const char *text)
{
	GMimeContentEncoding	 enc = mail_best(text);

	mail_part_content(GMIME_PART(part), text);
	/* The header set again only when it changes: GMime formats it
	 * anew each time it is set. */
	if (g_mime_part_get_content_encoding(GMIME_PART(part)) != enc)
		g_mime_part_set_content_encoding(GMIME_PART(part), enc);
}

/*
 * A text part holding UTF-8 text as it is, encoded to survive a 7-bit
 * path. (g_mime_text_part_set_text() would recode it to the "best"
 * legacy charset, Latin-1 for Danish; mail readers all do UTF-8.)
 */
static GMimeTextPart *
mail_text_part(const char *subtype, const char *text)
{
	GMimeTextPart		*part;

	part = g_mime_text_part_new_with_subtype(subtype);
	g_mime_text_part_set_charset(part, "utf-8");
	mail_text_set(part, text);
	return (part);
}

/* Adds a mailbox whose display name is encoded as UTF-8 when it must be. */
static void
mail_address(GMimeMessage *msg, GMimeAddressType type, const char *name,
    const char *addr)
{
	InternetAddress	*ia;

	ia = internet_address_mailbox_new(name != NULL ? name : "", addr);
	internet_address_set_charset(ia, "utf-8");
	internet_address_list_add(g_mime_message_get_addresses(msg, type), ia);
	g_object_unref(ia);
}

/*
 * Appends one line of text: escaped, its web links ("http://" or
 * "https://" up to a blank, less a last full stop, comma and the like)
 * made links.
 */
static void
mail_html_line(struct buf *b, const char *s, size_t len)
{
	const char	*end = s + len, *p = s, *url;
	size_t		 n;

	while (p < end) {
		url = NULL;
		/* An "h" first: a call of strncmp() for each byte was a
		 * tenth of making a mail. */
		for (; p < end && (p = memchr(p, 'h', (size_t)(end - p))) !=
		    NULL; p++) {
			if ((end - p > 8 && strncmp(p, "https://", 8) == 0) ||
			    (end - p > 7 && strncmp(p, "http://", 7) == 0)) {
				url = p;
				break;
			}
		}
		if (p == NULL)
			p = end;
		buf_add_html(b, s, (size_t)(p - s));
		if (url == NULL)
			break;
		for (n = 0; url + n < end && url[n] != ' ' &&
		    url[n] != '\t' && url[n] != '<' && url[n] != '>' &&
		    url[n] != '"'; n++)
			;
		while (n > 0 && strchr(".,;:!?)'", url[n - 1]) != NULL)
			n--;
		buf_adds(b, "<a href=\"");
		buf_add_html(b, url, n);
		buf_adds(b, "\" style=\"color:#0645ad;\">");
		buf_add_html(b, url, n);
		buf_adds(b, "</a>");
		s = p = url + n;
	}
}

char *
mail_html(const char *text, const char *lang, const char *title)
{
	struct buf	 b = BUF_INIT;
	const char	*p, *eol;
	int		 open = 0;

	buf_addf(&b, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n<meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\">\n<title>",
	    lang != NULL && strncmp(lang, "en", 2) == 0 ? "en" : "da");
	buf_add_html(&b, title != NULL ? title : "",
	    title != NULL ? strlen(title) : 0);
	buf_adds(&b, "</title>\n</head>\n<body style=\"margin:0; "
	    "padding:16px; background-color:#ffffff; color:#1a1a1a; "
	    "font-family:Verdana, Arial, sans-serif; font-size:18px; "
	    "line-height:1.5;\">\n<div style=\"max-width:40em;\">\n");
	for (p = text; *p != '\0'; p = *eol != '\0' ? eol + 1 : eol) {
		eol = p + strcspn(p, "\n");
		if (eol == p || (eol == p + 1 && *p == '\r')) {
			if (open)
				buf_adds(&b, "</p>\n");
			open = 0;
			continue;
		}
		if (open)
			buf_adds(&b, "<br>\n");
		else
			buf_adds(&b, "<p style=\"margin:0 0 1em 0;\">");
		open = 1;
		mail_html_line(&b, p, (size_t)(eol - p) - (eol[-1] == '\r'));
	}
	if (open)
		buf_adds(&b, "</p>\n");
	buf_adds(&b, "</div>\n</body>\n</html>\n");
	return (buf_detach(&b, NULL));
}

/* The calendar again, as the file invitation.ics. */
static GMimePart *
mail_attachment(const char *calendar)
{
	GMimePart		*part;

	part = g_mime_part_new_with_type("application", "ics");
	mail_part_content(part, calendar);
	g_mime_object_set_disposition(GMIME_OBJECT(part),
	    GMIME_DISPOSITION_ATTACHMENT);
	g_mime_part_set_filename(part, "invitation.ics");
	g_mime_part_set_content_encoding(part, GMIME_CONTENT_ENCODING_BASE64);
	return (part);
}

/*
 * The parts of a message that change from one person to the next, kept
 * by a mail_builder (none of them referenced: the message holds them).
 */
struct mail_parts {
	GMimeTextPart	*text, *html, *cal;
	GMimePart	*att;
	GMimeMultipart	*alt, *mixed;
};

/*
 * The body: the text alone, or the alternatives (text, HTML, calendar),
 * and with a calendar all that and the calendar as an attachment. Its
 * parts go into *p.
 */
static GMimeObject *
mail_body(const struct mail *m, struct mail_parts *p)
{
	GMimeTextPart	*text, *html_part, *cal;
	GMimeMultipart	*alt, *mixed;
	GMimePart	*att;
	char		*html;

	memset(p, 0, sizeof *p);
	text = mail_text_part("plain", m->body != NULL ? m->body : "");
	p->text = text;
	if (m->calendar == NULL && !m->html)
		return (GMIME_OBJECT(text));

	alt = g_mime_multipart_new_with_subtype("alternative");
	p->alt = alt;
	g_mime_multipart_add(alt, GMIME_OBJECT(text));
	g_object_unref(text);
	if (m->html) {
		html = mail_html(m->body != NULL ? m->body : "", m->lang,
		    m->subject);
		html_part = mail_text_part("html", html);
		p->html = html_part;
		free(html);
		g_mime_multipart_add(alt, GMIME_OBJECT(html_part));
		g_object_unref(html_part);
	}
	if (m->calendar == NULL)
		return (GMIME_OBJECT(alt));

	/*
	 * The calendar last among the alternatives, inline with its method,
	 * which Outlook turns into a meeting request and Gmail into its
	 * card, and again as a file for the programs that show neither. The
	 * text comes first, so nobody sees an invitation and nothing else.
	 */
	cal = mail_text_part("calendar", m->calendar);
	p->cal = cal;
	g_mime_object_set_content_type_parameter(GMIME_OBJECT(cal), "method",
	    m->calendar_method != NULL ? m->calendar_method : "REQUEST");
	g_mime_multipart_add(alt, GMIME_OBJECT(cal));
	g_object_unref(cal);
	mixed = g_mime_multipart_new_with_subtype("mixed");
	p->mixed = mixed;
	g_mime_multipart_add(mixed, GMIME_OBJECT(alt));
	g_object_unref(alt);
	att = mail_attachment(m->calendar);
	p->att = att;
	g_mime_multipart_add(mixed, GMIME_OBJECT(att));
	g_object_unref(att);
	return (GMIME_OBJECT(mixed));
}

/* Subject: set, or set again in its place. */
static void
mail_subject(GMimeMessage *msg, const struct mail *m)
{
	g_mime_message_set_subject(msg, m->subject != NULL ? m->subject : "",
	    "utf-8");
}

/* Date: set, or set again in its place. */
static void
mail_date(GMimeMessage *msg, const struct mail *m)
{
	GDateTime	*dt;

	dt = g_date_time_new_from_unix_utc((gint64)m->date);
	g_mime_message_set_date(msg, dt);
	g_date_time_unref(dt);
}

/* Message-ID: set, or set again in its place. */
static void
mail_headers_id(GMimeMessage *msg, const struct mail *m)
{
	char		*id;
	size_t		 n;

	if (m->message_id != NULL) {
		/* GMime wants the id without its angle brackets. */
		id = xstrdup(m->message_id + (*m->message_id == '<'));
		n = strlen(id);
		if (n > 0 && id[n - 1] == '>')
			id[n - 1] = '\0';
		g_mime_message_set_message_id(msg, id);
		free(id);
	}
}

/* Subject, Date and Message-ID: set, or set again in their places. */
static void
mail_headers(GMimeMessage *msg, const struct mail *m)
{
	mail_subject(msg, m);
	mail_date(msg, m);
	mail_headers_id(msg, m);
}

/* The whole message, its parts in *p and its To mailbox in *to. */
static GMimeMessage *
mail_message(const struct mail *m, struct mail_parts *p,
    InternetAddress **to)
{
	GMimeMessage		*msg;
	GMimeObject		*body;
	InternetAddressList	*list;

	pthread_once(&mail_once, mail_init);

	msg = g_mime_message_new(TRUE);
	mail_address(msg, GMIME_ADDRESS_TYPE_FROM, m->from_name, m->from);
	mail_address(msg, GMIME_ADDRESS_TYPE_TO, m->to_name, m->to);
	list = g_mime_message_get_addresses(msg, GMIME_ADDRESS_TYPE_TO);
	*to = internet_address_list_get_address(list, 0);
	if (m->reply_to != NULL && *m->reply_to != '\0')
		mail_address(msg, GMIME_ADDRESS_TYPE_REPLY_TO, NULL,
		    m->reply_to);
	mail_headers(msg, m);
	g_mime_object_set_header(GMIME_OBJECT(msg), "MIME-Version", "1.0",
	    NULL);
	g_mime_object_set_header(GMIME_OBJECT(msg), "Auto-Submitted",
	    "auto-generated", NULL);
	if (m->lang != NULL && *m->lang != '\0')
		g_mime_object_set_header(GMIME_OBJECT(msg), "Content-Language",
		    strncmp(m->lang, "en", 2) == 0 ? "en" : "da", NULL);

	body = mail_body(m, p);
	g_mime_message_set_mime_part(msg, body);
	g_object_unref(body);
	return (msg);
}

/* The message's bytes, with CRLF as SMTP wants them. */
static char *
mail_write(GMimeMessage *msg, GMimeFormatOptions *fo, size_t *len)
{
	GMimeStream	*stream;
	GByteArray	*bytes;
	char		*out;

	stream = g_mime_stream_mem_new();
	g_mime_object_write_to_stream(GMIME_OBJECT(msg), fo, stream);
	bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(stream));
	out = xmalloc(bytes->len + 1);
	memcpy(out, bytes->data, bytes->len);
	out[bytes->len] = '\0';
	if (len != NULL)
		*len = bytes->len;
	g_object_unref(stream);
	return (out);
}

/* Our own format options, never the shared default. */
static GMimeFormatOptions *
mail_format(void)
{
	GMimeFormatOptions	*fo;

	fo = g_mime_format_options_new();
	g_mime_format_options_set_newline_format(fo, GMIME_NEWLINE_FORMAT_DOS);
	return (fo);
}

char *
mail_build(const struct mail *m, size_t *len)
{
	GMimeMessage		*msg;
	GMimeFormatOptions	*fo;
	InternetAddress		*to;
	struct mail_parts	 p;
	char			*out;

	msg = mail_message(m, &p, &to);
	fo = mail_format();
	out = mail_write(msg, fo, len);
	g_mime_format_options_free(fo);
	g_object_unref(msg);
	return (out);
}

/*
 * A builder keeps the last message it made, and makes the next by putting
 * the person's lines into it: To, Subject, Date, Message-ID, the texts and
 * the calendar, new boundaries. The rest (the objects, the headers that
 * are the same for all, their encoding) is made once, again only when
 * the shape changes.
 */
struct mail_builder {
	GMimeMessage		*msg;		/* NULL before the first */
	struct mail_parts	 p;
	InternetAddress		*to;
	GMimeFormatOptions	*fo;
	/* the shape msg was made for */
	char			*from, *from_name, *reply_to, *lang, *method;
	int			 html, calendar;
	/* its Subject and Date, which a session's mails mostly share */
	char			*subject;
	time_t			 date;
};

struct mail_builder *
mail_builder_new(void)
{
	pthread_once(&mail_once, mail_init);
	return (xcalloc(1, sizeof (struct mail_builder)));
}

static void
mail_builder_clear(struct mail_builder *b)
{
	if (b->msg != NULL)
		g_object_unref(b->msg);
	b->msg = NULL;
	free(b->from);
	free(b->from_name);
	free(b->reply_to);
	free(b->lang);
	free(b->method);
	free(b->subject);
	b->subject = NULL;
}

void
mail_builder_free(struct mail_builder *b)
{
	if (b == NULL)
		return;
	mail_builder_clear(b);
	if (b->fo != NULL)
		g_mime_format_options_free(b->fo);
	free(b);
}

static int
mail_same(const char *a, const char *b)
{
	return (strcmp(a != NULL ? a : "", b != NULL ? b : "") == 0);
}

/* Whether b's message has the shape m needs. */
static int
mail_builder_fits(const struct mail_builder *b, const struct mail *m)
{
	return (b->msg != NULL && mail_same(b->from, m->from) &&
	    mail_same(b->from_name, m->from_name) &&
	    mail_same(b->reply_to, m->reply_to) &&
	    mail_same(b->lang, m->lang) && b->html == (m->html != 0) &&
	    b->calendar == (m->calendar != NULL) &&
	    (m->calendar == NULL || mail_same(b->method, m->calendar_method)));
}

/* A new boundary, made as GMime makes one ("=-" and 16 random bytes in
 * base64), from our random source rather than an open of /dev/urandom. */
static void
mail_boundary(GMimeMultipart *mp)
{
	unsigned char	 digest[16];
	char		 buf[48];
	guint32		 save = 0;
	int		 state = 0;
	size_t		 n;

	if (mp == NULL)
		return;
	random_bytes(digest, sizeof digest);
	memcpy(buf, "=-", 2);
	n = g_mime_encoding_base64_encode_step(digest, sizeof digest,
	    (unsigned char *)buf + 2, &state, &save);
	buf[2 + n] = '\0';
	g_mime_multipart_set_boundary(mp, buf);
}

char *
mail_builder_build(struct mail_builder *b, const struct mail *m, size_t *len)
{
	struct mail_parts	*p = &b->p;
	char			*html;

	if (b->fo == NULL)
		b->fo = mail_format();
	if (!mail_builder_fits(b, m)) {
		mail_builder_clear(b);
		b->msg = mail_message(m, p, &b->to);
		b->from = m->from != NULL ? xstrdup(m->from) : NULL;
		b->from_name = m->from_name != NULL ? xstrdup(m->from_name) :
		    NULL;
		b->reply_to = m->reply_to != NULL ? xstrdup(m->reply_to) :
		    NULL;
		b->lang = m->lang != NULL ? xstrdup(m->lang) : NULL;
		b->method = m->calendar_method != NULL ?
		    xstrdup(m->calendar_method) : NULL;
		b->html = m->html != 0;
		b->calendar = m->calendar != NULL;
		b->subject = xstrdup(m->subject != NULL ? m->subject : "");
		b->date = m->date;
		return (mail_write(b->msg, b->fo, len));
	}
	internet_address_set_name(b->to, m->to_name != NULL ? m->to_name : "");
	internet_address_mailbox_set_addr(INTERNET_ADDRESS_MAILBOX(b->to),
	    m->to);
	/* The same Subject and Date as the last mail's are left as they
	 * are, encoded and folded. */
	if (!mail_same(b->subject, m->subject)) {
		free(b->subject);
		b->subject = xstrdup(m->subject != NULL ? m->subject : "");
		mail_subject(b->msg, m);
	}
	if (b->date != m->date) {
		b->date = m->date;
		mail_date(b->msg, m);
	}
	mail_headers_id(b->msg, m);
	mail_text_set(p->text, m->body != NULL ? m->body : "");
	if (p->html != NULL) {
		html = mail_html(m->body != NULL ? m->body : "", m->lang,
		    m->subject);
		mail_text_set(p->html, html);
		free(html);
	}
	if (p->cal != NULL) {
		mail_text_set(p->cal, m->calendar);
		mail_part_content(p->att, m->calendar);
	}
	mail_boundary(p->alt);
	mail_boundary(p->mixed);
	return (mail_write(b->msg, b->fo, len));
}
