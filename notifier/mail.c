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
#include <string.h>

#include <gmime/gmime.h>

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

char *
mail_build(const struct mail *m, size_t *len)
{
	GMimeMessage		*msg;
	GMimeTextPart		*text, *cal;
	GMimeMultipart		*alt;
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

	text = mail_text_part("plain", m->body != NULL ? m->body : "");
	if (m->calendar == NULL) {
		g_mime_message_set_mime_part(msg, GMIME_OBJECT(text));
		g_object_unref(text);
	} else {
		/*
		 * multipart/alternative with the calendar as an inline
		 * alternative to the text, as Google Calendar and Exchange
		 * send invitations themselves: Outlook makes a meeting
		 * request only of an inline text/calendar with a method
		 * parameter (in multipart/mixed, or with a disposition of
		 * attachment, it shows an .ics file instead), and Gmail
		 * shows its invitation card for either shape.
		 */
		cal = mail_text_part("calendar", m->calendar);
		g_mime_object_set_content_type_parameter(GMIME_OBJECT(cal),
		    "method", m->calendar_method != NULL ?
		    m->calendar_method : "REQUEST");
		alt = g_mime_multipart_new_with_subtype("alternative");
		g_mime_multipart_add(alt, GMIME_OBJECT(text));
		g_mime_multipart_add(alt, GMIME_OBJECT(cal));
		g_object_unref(text);
		g_object_unref(cal);
		g_mime_message_set_mime_part(msg, GMIME_OBJECT(alt));
		g_object_unref(alt);
	}

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
