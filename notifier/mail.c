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
#include "xmalloc.h"

static pthread_once_t	 mail_once = PTHREAD_ONCE_INIT;

static void
mail_init(void)
{
	g_mime_init();
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
	GMimeStream		*stream;
	GMimeDataWrapper	*content;
	GMimeContentEncoding	 enc;

	part = g_mime_text_part_new_with_subtype(subtype);
	stream = g_mime_stream_mem_new_with_buffer(text, strlen(text));
	content = g_mime_data_wrapper_new_with_stream(stream,
	    GMIME_CONTENT_ENCODING_DEFAULT);
	g_mime_part_set_content(GMIME_PART(part), content);
	g_object_unref(content);
	g_object_unref(stream);
	g_mime_text_part_set_charset(part, "utf-8");
	enc = g_mime_part_get_best_content_encoding(GMIME_PART(part),
	    GMIME_ENCODING_CONSTRAINT_7BIT);
	g_mime_part_set_content_encoding(GMIME_PART(part), enc);
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
		for (; p < end; p++) {
			if ((end - p > 8 && strncmp(p, "https://", 8) == 0) ||
			    (end - p > 7 && strncmp(p, "http://", 7) == 0)) {
				url = p;
				break;
			}
		}
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
	GMimeStream		*stream;
	GMimeDataWrapper	*content;

	part = g_mime_part_new_with_type("application", "ics");
	stream = g_mime_stream_mem_new_with_buffer(calendar, strlen(calendar));
	content = g_mime_data_wrapper_new_with_stream(stream,
	    GMIME_CONTENT_ENCODING_DEFAULT);
	g_mime_part_set_content(part, content);
	g_object_unref(content);
	g_object_unref(stream);
	g_mime_object_set_disposition(GMIME_OBJECT(part),
	    GMIME_DISPOSITION_ATTACHMENT);
	g_mime_part_set_filename(part, "invitation.ics");
	g_mime_part_set_content_encoding(part, GMIME_CONTENT_ENCODING_BASE64);
	return (part);
}

/*
 * The body: the text alone, or the alternatives (text, HTML, calendar),
 * and with a calendar all that and the calendar as an attachment.
 */
static GMimeObject *
mail_body(const struct mail *m)
{
	GMimeTextPart	*text, *html_part, *cal;
	GMimeMultipart	*alt, *mixed;
	GMimePart	*att;
	char		*html;

	text = mail_text_part("plain", m->body != NULL ? m->body : "");
	if (m->calendar == NULL && !m->html)
		return (GMIME_OBJECT(text));

	alt = g_mime_multipart_new_with_subtype("alternative");
	g_mime_multipart_add(alt, GMIME_OBJECT(text));
	g_object_unref(text);
	if (m->html) {
		html = mail_html(m->body != NULL ? m->body : "", m->lang,
		    m->subject);
		html_part = mail_text_part("html", html);
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
	g_mime_object_set_content_type_parameter(GMIME_OBJECT(cal), "method",
	    m->calendar_method != NULL ? m->calendar_method : "REQUEST");
	g_mime_multipart_add(alt, GMIME_OBJECT(cal));
	g_object_unref(cal);
	mixed = g_mime_multipart_new_with_subtype("mixed");
	g_mime_multipart_add(mixed, GMIME_OBJECT(alt));
	g_object_unref(alt);
	att = mail_attachment(m->calendar);
	g_mime_multipart_add(mixed, GMIME_OBJECT(att));
	g_object_unref(att);
	return (GMIME_OBJECT(mixed));
}

char *
mail_build(const struct mail *m, size_t *len)
{
	GMimeMessage		*msg;
	GMimeObject		*body;
	GMimeFormatOptions	*fo;
	GMimeStream		*stream;
	GByteArray		*bytes;
	GDateTime		*dt;
	char			*id, *out;
	size_t			 n;

	pthread_once(&mail_once, mail_init);

	msg = g_mime_message_new(TRUE);
	mail_address(msg, GMIME_ADDRESS_TYPE_FROM, m->from_name, m->from);
	mail_address(msg, GMIME_ADDRESS_TYPE_TO, m->to_name, m->to);
	if (m->reply_to != NULL && *m->reply_to != '\0')
		mail_address(msg, GMIME_ADDRESS_TYPE_REPLY_TO, NULL,
		    m->reply_to);
	g_mime_message_set_subject(msg, m->subject != NULL ? m->subject : "",
	    "utf-8");

	dt = g_date_time_new_from_unix_utc((gint64)m->date);
	g_mime_message_set_date(msg, dt);
	g_date_time_unref(dt);

	if (m->message_id != NULL) {
		/* GMime wants the id without its angle brackets. */
		id = xstrdup(m->message_id + (*m->message_id == '<'));
		n = strlen(id);
		if (n > 0 && id[n - 1] == '>')
			id[n - 1] = '\0';
		g_mime_message_set_message_id(msg, id);
		free(id);
	}
	g_mime_object_set_header(GMIME_OBJECT(msg), "MIME-Version", "1.0",
	    NULL);
	g_mime_object_set_header(GMIME_OBJECT(msg), "Auto-Submitted",
	    "auto-generated", NULL);
	if (m->lang != NULL && *m->lang != '\0')
		g_mime_object_set_header(GMIME_OBJECT(msg), "Content-Language",
		    strncmp(m->lang, "en", 2) == 0 ? "en" : "da", NULL);

	body = mail_body(m);
	g_mime_message_set_mime_part(msg, body);
	g_object_unref(body);

	/* SMTP wants CRLF; our own options, never the shared default. */
	fo = g_mime_format_options_new();
	g_mime_format_options_set_newline_format(fo, GMIME_NEWLINE_FORMAT_DOS);
	stream = g_mime_stream_mem_new();
	g_mime_object_write_to_stream(GMIME_OBJECT(msg), fo, stream);
	bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(stream));

	out = xmalloc(bytes->len + 1);
	memcpy(out, bytes->data, bytes->len);
	out[bytes->len] = '\0';
	if (len != NULL)
		*len = bytes->len;

	g_object_unref(stream);
	g_mime_format_options_free(fo);
	g_object_unref(msg);
	return (out);
}
