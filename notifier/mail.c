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
mail_best(GMimeFilter *best, const char *text)
{
	GMimeContentEncoding	 enc;
	char			*out;
	size_t			 outlen, outprespace;
	int			 own = best == NULL;

	/* a builder's filter, reset: as new (g_mime_filter_best_new()) */
	if (own)
		best = g_mime_filter_best_new(GMIME_FILTER_BEST_ENCODING);
	else
		g_mime_filter_reset(best);
	g_mime_filter_complete(best, (char *)text, strlen(text), 0, &out,
	    &outlen, &outprespace);
	enc = g_mime_filter_best_encoding(GMIME_FILTER_BEST(best),
	    GMIME_ENCODING_CONSTRAINT_7BIT);
	if (own)
		g_object_unref(best);
	return (enc);
}

/* A text part's content: the text, in the encoding that suits it best. */
static void
mail_text_set(GMimeTextPart *part, const char *text)
{
	GMimeContentEncoding	 enc = mail_best(NULL, text);

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
 * A builder makes a session's mails from a frame: the bytes GMime writes
 * for a mail of their shape, with stand-ins where each person's pieces
 * go (the To and Message-Id lines, the boundaries, the parts' contents).
 * Each mail is the frame with the pieces put in, each made as GMime
 * makes it: the To line by internet_address_list_encode() (what GMime
 * stores for To), each content through GMime's own filters, its encoder
 * and then the one for CRLF (write_content() in gmime-part.c). The frame
 * is made again when the shape, the Subject, the Date or a part's
 * encoding changes. A frame whose stand-ins cannot all be found (a
 * Subject holding one) is not used: mail_build() makes that mail.
 */
#define MAIL_FRAME_TO	"kursusd-frame-to@frame.invalid"
#define MAIL_FRAME_ID	"kursusd-frame-id@frame.invalid"
/* As long as a boundary mail_boundary() makes: "=-" and 20 more. */
#define MAIL_FRAME_ALT	"=-KursusdFrameAltern"
#define MAIL_FRAME_MIX	"=-KursusdFrameMixedB"
#define MAIL_BOUNDARY	22

enum mail_leaf { LEAF_TEXT, LEAF_HTML, LEAF_CAL, LEAF_ATT, LEAVES };
enum mail_hole { HOLE_TO, HOLE_ID, HOLE_ALT, HOLE_MIX, HOLE_LEAF };
#define MAIL_HOLES	24

struct mail_hole_at {
	size_t		 off, len;
	int		 what;		/* enum mail_hole, + leaf for a leaf */
};

/*
 * A part's last text in quoted-printable, line by line: a session's
 * mails share most of their lines, and a line that ends in a newline is
 * encoded the same wherever it stands (the encoder starts each line
 * afresh: g_mime_encoding_quoted_encode_step()), as is the last line.
 */
struct mail_lines {
	char		*text;
	GMimeContentEncoding how;	/* text's in enc */
	struct buf	 enc;		/* with CRLF line ends */
	size_t		*ends;		/* each line's end in text and in enc */
	size_t		 n, size;
};

struct mail_builder {
	GMimeFormatOptions	*fo;
	/* the frame, or NULL */
	char			*frame;
	size_t			 framelen;
	struct mail_hole_at	 holes[MAIL_HOLES];
	size_t			 nholes;
	int			 usable;
	/* what it was made for */
	char			*from, *from_name, *reply_to, *lang, *method;
	char			*subject;
	int			 html, calendar, id;
	time_t			 date;
	GMimeContentEncoding	 enc[LEAVES];
	/* each person's To, and the filters of the contents */
	InternetAddressList	*to_list;
	InternetAddress		*to;
	GMimeFilter		*qp, *b64, *crlf[2], *best;
	struct mail_lines	 lines[LEAVES];
};

struct mail_builder *
mail_builder_new(void)
{
	struct mail_builder	*b;

	pthread_once(&mail_once, mail_init);
	b = xcalloc(1, sizeof *b);
	b->fo = mail_format();
	b->to_list = internet_address_list_new();
	b->to = internet_address_mailbox_new("", MAIL_FRAME_TO);
	internet_address_set_charset(b->to, "utf-8");
	internet_address_list_add(b->to_list, b->to);
	b->qp = g_mime_filter_basic_new(GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE,
	    TRUE);
	b->b64 = g_mime_filter_basic_new(GMIME_CONTENT_ENCODING_BASE64, TRUE);
	b->crlf[0] = g_mime_format_options_create_newline_filter(b->fo, FALSE);
	b->crlf[1] = g_mime_format_options_create_newline_filter(b->fo, TRUE);
	b->best = g_mime_filter_best_new(GMIME_FILTER_BEST_ENCODING);
	return (b);
}

static void
mail_builder_clear(struct mail_builder *b)
{
	free(b->frame);
	b->frame = NULL;
	free(b->from);
	free(b->from_name);
	free(b->reply_to);
	free(b->lang);
	free(b->method);
	free(b->subject);
}

void
mail_builder_free(struct mail_builder *b)
{
	int	 i;

	if (b == NULL)
		return;
	mail_builder_clear(b);
	for (i = 0; i < LEAVES; i++) {
		free(b->lines[i].text);
		buf_free(&b->lines[i].enc);
		free(b->lines[i].ends);
	}
	g_mime_format_options_free(b->fo);
	g_object_unref(b->to);
	g_object_unref(b->to_list);
	g_object_unref(b->qp);
	g_object_unref(b->b64);
	g_object_unref(b->crlf[0]);
	g_object_unref(b->crlf[1]);
	g_object_unref(b->best);
	free(b);
}

static int
mail_same(const char *a, const char *b)
{
	return (strcmp(a != NULL ? a : "", b != NULL ? b : "") == 0);
}

/* Whether b's frame is the one for m, its parts in the encodings enc. */
static int
mail_builder_fits(const struct mail_builder *b, const struct mail *m,
    const GMimeContentEncoding enc[LEAVES])
{
	return (b->frame != NULL && mail_same(b->from, m->from) &&
	    mail_same(b->from_name, m->from_name) &&
	    mail_same(b->reply_to, m->reply_to) &&
	    mail_same(b->lang, m->lang) && b->html == (m->html != 0) &&
	    b->calendar == (m->calendar != NULL) &&
	    (m->calendar == NULL || mail_same(b->method, m->calendar_method)) &&
	    b->id == (m->message_id != NULL) &&
	    mail_same(b->subject, m->subject) && b->date == m->date &&
	    memcmp(b->enc, enc, sizeof b->enc) == 0);
}

/* A new boundary, made as GMime makes one ("=-" and 16 random bytes in
 * base64), from our random source rather than an open of /dev/urandom. */
static void
mail_boundary(char buf[MAIL_BOUNDARY + 1])
{
	unsigned char	 digest[16];
	guint32		 save = 0;
	int		 state = 0;
	size_t		 n;

	random_bytes(digest, sizeof digest);
	memcpy(buf, "=-", 2);
	n = g_mime_encoding_base64_encode_step(digest, sizeof digest,
	    (unsigned char *)buf + 2, &state, &save);
	buf[2 + n] = '\0';
}

/* A leaf's stand-in: a line of its own, written as it is. */
static void
mail_frame_leaf(GMimePart *part, int leaf, GMimeContentEncoding enc)
{
	GMimeStream		*stream;
	GMimeDataWrapper	*content;
	char			 s[32];

	if (part == NULL)
		return;
	snprintf(s, sizeof s, "\001kursusd-frame-leaf-%d\n", leaf);
	/* Content already in the part's encoding is written unchanged. */
	stream = g_mime_stream_mem_new_with_buffer(s, strlen(s));
	content = g_mime_data_wrapper_new_with_stream(stream, enc);
	g_mime_part_set_content(part, content);
	g_object_unref(content);
	g_object_unref(stream);
	g_mime_part_set_content_encoding(part, enc);
}

/* Notes each place of s in the frame as a hole; how many there were. */
static int
mail_frame_find(struct mail_builder *b, const char *s, int what, int line)
{
	const char	*p, *end = b->frame + b->framelen, *q;
	size_t		 len = strlen(s);
	int		 n = 0;

	for (p = b->frame; (p = memmem(p, (size_t)(end - p), s, len)) !=
	    NULL; p += len, n++) {
		if (b->nholes == MAIL_HOLES)
			return (-1);
		b->holes[b->nholes].what = what;
		if (line) {
			/* the whole line it is on, with its CRLF */
			for (q = p; q > b->frame && q[-1] != '\n'; q--)
				;
			b->holes[b->nholes].off = (size_t)(q - b->frame);
			q = memchr(p, '\n', (size_t)(end - p));
			if (q == NULL)
				return (-1);
			b->holes[b->nholes].len = (size_t)(q + 1 - b->frame) -
			    b->holes[b->nholes].off;
		} else {
			b->holes[b->nholes].off = (size_t)(p - b->frame);
			b->holes[b->nholes].len = len;
		}
		b->nholes++;
	}
	return (n);
}

static int
mail_hole_cmp(const void *a, const void *b)
{
	const struct mail_hole_at	*x = a, *y = b;

	return (x->off < y->off ? -1 : x->off > y->off);
}

/* Makes the frame for m, its parts' contents in the encodings enc. */
static void
mail_frame(struct mail_builder *b, const struct mail *m,
    const GMimeContentEncoding enc[LEAVES])
{
	struct mail		 fm = *m;
	struct mail_parts	 p;
	GMimeMessage		*msg;
	InternetAddress		*to;
	char			 s[32];
	int			 i, ok, alt, mix;

	mail_builder_clear(b);
	fm.to = MAIL_FRAME_TO;
	fm.to_name = NULL;
	if (m->message_id != NULL)
		fm.message_id = "<" MAIL_FRAME_ID ">";
	fm.body = "";
	if (m->calendar != NULL)
		fm.calendar = "";
	msg = mail_message(&fm, &p, &to);
	mail_frame_leaf(GMIME_PART(p.text), LEAF_TEXT, enc[LEAF_TEXT]);
	if (p.html != NULL)
		mail_frame_leaf(GMIME_PART(p.html), LEAF_HTML, enc[LEAF_HTML]);
	if (p.cal != NULL)
		mail_frame_leaf(GMIME_PART(p.cal), LEAF_CAL, enc[LEAF_CAL]);
	if (p.att != NULL)
		mail_frame_leaf(p.att, LEAF_ATT, enc[LEAF_ATT]);
	if (p.alt != NULL)
		g_mime_multipart_set_boundary(p.alt, MAIL_FRAME_ALT);
	if (p.mixed != NULL)
		g_mime_multipart_set_boundary(p.mixed, MAIL_FRAME_MIX);
	b->frame = mail_write(msg, b->fo, &b->framelen);
	/* Each stand-in where it must be, and only there: a multipart's
	 * boundary in its header, before each part and at its end. */
	alt = p.alt != NULL ? 2 + g_mime_multipart_get_count(p.alt) : 0;
	mix = p.mixed != NULL ? 2 + g_mime_multipart_get_count(p.mixed) : 0;
	g_object_unref(msg);
	b->nholes = 0;
	ok = mail_frame_find(b, MAIL_FRAME_TO, HOLE_TO, 1) == 1 &&
	    mail_frame_find(b, MAIL_FRAME_ID, HOLE_ID, 0) ==
	    (m->message_id != NULL) &&
	    mail_frame_find(b, MAIL_FRAME_ALT, HOLE_ALT, 0) == alt &&
	    mail_frame_find(b, MAIL_FRAME_MIX, HOLE_MIX, 0) == mix;
	for (i = 0; i < LEAVES && ok; i++) {
		snprintf(s, sizeof s, "\001kursusd-frame-leaf-%d\r\n", i);
		ok = mail_frame_find(b, s, HOLE_LEAF + i, 0) ==
		    (i == LEAF_TEXT || (i == LEAF_HTML && m->html) ||
		    (i >= LEAF_CAL && m->calendar != NULL));
	}
	b->usable = ok;
	qsort(b->holes, b->nholes, sizeof *b->holes, mail_hole_cmp);

	b->from = xstrdupnull(m->from);
	b->from_name = xstrdupnull(m->from_name);
	b->reply_to = xstrdupnull(m->reply_to);
	b->lang = xstrdupnull(m->lang);
	b->method = xstrdupnull(m->calendar_method);
	b->subject = xstrdupnull(m->subject);
	b->html = m->html != 0;
	b->calendar = m->calendar != NULL;
	b->id = m->message_id != NULL;
	b->date = m->date;
	memcpy(b->enc, enc, sizeof b->enc);
}

/* Appends len bytes of text through filter f (if any), then with CRLF
 * line ends (and a newline at the end when ensure). */
static void
mail_filter(struct mail_builder *b, struct buf *out, GMimeFilter *f,
    const char *text, size_t len, int ensure)
{
	char	*p = (char *)text;
	size_t	 pre;

	if (f != NULL) {
		g_mime_filter_reset(f);
		g_mime_filter_complete(f, p, len, 0, &p, &len, &pre);
	}
	g_mime_filter_reset(b->crlf[ensure]);
	g_mime_filter_complete(b->crlf[ensure], p, len, 0, &p, &len, &pre);
	buf_add(out, p, len);
}

/*
 * Appends text in quoted-printable with CRLF line ends, each line the
 * last text's (l) had at the same place taken from it; l becomes text's.
 * Quoted-printable has no CR of its own (a CR before a newline goes, any
 * other is encoded), so the CRLF filter works line by line too.
 */
static void
mail_qp(struct mail_builder *b, struct buf *out, struct mail_lines *l,
    const char *text, int ensure)
{
	struct buf	 enc = BUF_INIT;
	const char	*p, *eol;
	size_t		*ends = NULL, n = 0, size = 0, len, at, pat, peat;

	if (l->how != GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE)
		l->n = 0;
	for (p = text, at = 0; *p != '\0'; p += len, at += len, n++) {
		eol = strchr(p, '\n');
		len = eol != NULL ? (size_t)(eol + 1 - p) : strlen(p);
		if (n < l->n) {
			pat = n > 0 ? l->ends[2 * (n - 1)] : 0;
			peat = n > 0 ? l->ends[2 * (n - 1) + 1] : 0;
		}
		if (n < l->n && l->ends[2 * n] - pat == len &&
		    memcmp(l->text + pat, p, len) == 0)
			buf_add(&enc, l->enc.data + peat,
			    l->ends[2 * n + 1] - peat);
		else
			mail_filter(b, &enc, b->qp, p, len, 0);
		if (n == size) {
			size = size == 0 ? 32 : size * 2;
			ends = xreallocarray(ends, size, 2 * sizeof *ends);
		}
		ends[2 * n] = at + len;
		ends[2 * n + 1] = enc.len;
	}
	buf_add(out, enc.data != NULL ? enc.data : "", enc.len);
	/* the CRLF filter's newline at the end of the message's only part */
	if (ensure && (enc.len == 0 || enc.data[enc.len - 1] != '\n'))
		buf_add(out, "\r\n", 2);
	free(l->text);
	buf_free(&l->enc);
	free(l->ends);
	l->text = xstrdup(text);
	l->how = GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE;
	l->enc = enc;
	l->ends = ends;
	l->n = n;
}

/*
 * Appends text in base64 with CRLF line ends, the lines of the last
 * text's (l) that it begins with taken from there: the encoder writes a
 * line of 76 characters for each 57 bytes and starts the next line as
 * afresh (g_mime_encoding_base64_encode_step()), so the lines of a
 * common beginning cut at a multiple of 57 bytes are the same; the
 * calendars of a session differ in their attendee, near their end.
 */
static void
mail_b64(struct mail_builder *b, struct buf *out, struct mail_lines *l,
    const char *text)
{
	struct buf	 enc = BUF_INIT;
	size_t		 same = 0, len = strlen(text);

	if (l->text != NULL && l->how == GMIME_CONTENT_ENCODING_BASE64) {
		while (text[same] != '\0' && text[same] == l->text[same])
			same++;
		same -= same % 57;
		if (same / 57 * 78 > l->enc.len)
			same = 0;
	}
	if (same > 0)
		buf_add(&enc, l->enc.data, same / 57 * 78);
	mail_filter(b, &enc, b->b64, text + same, len - same, 0);
	buf_add(out, enc.data, enc.len);
	free(l->text);
	buf_free(&l->enc);
	l->text = xstrdup(text);
	l->how = GMIME_CONTENT_ENCODING_BASE64;
	l->enc = enc;
	l->n = 0;
}

/*
 * Appends text as GMime writes a part's content in the encoding enc:
 * through the encoder, then with CRLF line ends (a newline added at the
 * end when ensure: the message's only part).
 */
static void
mail_content(struct mail_builder *b, struct buf *out, int leaf,
    const char *text, GMimeContentEncoding enc, int ensure)
{
	if (enc == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE)
		mail_qp(b, out, &b->lines[leaf], text, ensure);
	else if (enc == GMIME_CONTENT_ENCODING_BASE64 && !ensure)
		mail_b64(b, out, &b->lines[leaf], text);
	else
		mail_filter(b, out, enc == GMIME_CONTENT_ENCODING_BASE64 ?
		    b->b64 : NULL, text, strlen(text), ensure);
}

/* Appends the To line for m, as GMime writes it. */
static void
mail_to(struct mail_builder *b, struct buf *out, const struct mail *m)
{
	GString		*str;

	internet_address_set_name(b->to, m->to_name != NULL ? m->to_name : "");
	internet_address_mailbox_set_addr(INTERNET_ADDRESS_MAILBOX(b->to),
	    m->to);
	str = g_string_new("To: ");
	internet_address_list_encode(b->to_list, NULL, str);
	mail_filter(b, out, NULL, str->str, str->len, 0);
	g_string_free(str, TRUE);
}

char *
mail_builder_build(struct mail_builder *b, const struct mail *m, size_t *len)
{
	GMimeContentEncoding	 enc[LEAVES];
	const char		*leaf[LEAVES];
	struct buf		 out = BUF_INIT;
	struct mail_hole_at	*h;
	char			*html = NULL, alt[MAIL_BOUNDARY + 1];
	char			 mix[MAIL_BOUNDARY + 1];
	size_t			 i, at, n;
	int			 k;

	memset(leaf, 0, sizeof leaf);
	memset(enc, 0, sizeof enc);
	leaf[LEAF_TEXT] = m->body != NULL ? m->body : "";
	if (m->html)
		leaf[LEAF_HTML] = html = mail_html(leaf[LEAF_TEXT], m->lang,
		    m->subject);
	if (m->calendar != NULL) {
		leaf[LEAF_CAL] = leaf[LEAF_ATT] = m->calendar;
		enc[LEAF_ATT] = GMIME_CONTENT_ENCODING_BASE64;
	}
	for (k = LEAF_TEXT; k <= LEAF_CAL; k++)
		if (leaf[k] != NULL)
			enc[k] = mail_best(b->best, leaf[k]);
	if (!mail_builder_fits(b, m, enc))
		mail_frame(b, m, enc);
	if (!b->usable) {
		free(html);
		return (mail_build(m, len));
	}

	mail_boundary(alt);
	mail_boundary(mix);
	buf_grow(&out, b->framelen + 2 * strlen(leaf[LEAF_TEXT]) +
	    (html != NULL ? 2 * strlen(html) : 0) +
	    (m->calendar != NULL ? 3 * strlen(m->calendar) : 0));
	for (i = 0, at = 0; i < b->nholes; i++) {
		h = &b->holes[i];
		buf_add(&out, b->frame + at, h->off - at);
		at = h->off + h->len;
		switch (h->what) {
		case HOLE_TO:
			mail_to(b, &out, m);
			break;
		case HOLE_ID:
			/* without its own "<" and ">": GMime's are around
			 * it (mail_headers_id()) */
			n = strlen(m->message_id);
			k = *m->message_id == '<';
			n -= (size_t)k;
			if (n > 0 && m->message_id[k + n - 1] == '>')
				n--;
			buf_add(&out, m->message_id + k, n);
			break;
		case HOLE_ALT:
			buf_add(&out, alt, MAIL_BOUNDARY);
			break;
		case HOLE_MIX:
			buf_add(&out, mix, MAIL_BOUNDARY);
			break;
		default:
			k = h->what - HOLE_LEAF;
			mail_content(b, &out, k, leaf[k], enc[k], !m->html &&
			    m->calendar == NULL);
			break;
		}
	}
	buf_add(&out, b->frame + at, b->framelen - at);
	free(html);
	return (buf_detach(&out, len));
}
