/*
 * notifier: what kursusd says to people and how it reaches them. The
 * message templates (Danish by default, English on request), MIME mail
 * (GMime) sent through libesmtp, SMS through an HTTP gateway (libcurl),
 * and GSM 03.38 segment counting. It sends what it is handed and reports
 * the outcome; it never decides who gets what, and knows nothing of the
 * daemon or its database. Self-contained: includes nothing of the daemon's.
 *
 * Sending blocks (libesmtp, libcurl): the daemon calls the senders from
 * worker threads. Errors: -1 with *cause set to a sentence the caller
 * frees.
 */
#ifndef NOTIFIER_H
#define NOTIFIER_H

#include <stddef.h>
#include <time.h>

#include "kind.h"

enum notice_channel { CHANNEL_EMAIL, CHANNEL_SMS };

/* What a message is about: plain values the caller owns. */
/*
 * A wall-clock time where the session is held. The notifier knows no time
 * zones: the caller works these out (the daemon with the calendars
 * library) and hands them over with the instants.
 */
struct notice_time {
	int	 year, month, day;	/* month 1..12; 0: not given */
	int	 wday;			/* 0 = Sunday */
	int	 hour, minute;
};

/*
 * The library that sends the messages, from [library]: plain values the
 * caller owns; any may be NULL or "" when not configured (the name then
 * reads "Biblioteket", or "The library").
 */
struct notice_library {
	const char	*name;		/* "Horsens Bibliotek" */
	const char	*phone;		/* E.164: "+4576292300" */
	const char	*email;
	const char	*url;		/* the library's web site */
	const char	*signature;	/* an extra line above the name */
};

/* One date of a series notice: when, and the place in the queue. */
struct notice_date {
	struct notice_time at;
	int		 position;	/* on the waitlist, or 0: a seat */
};

struct notice {
	int		 kind;		/* enum notice_kind */
	const char	*lang;		/* "da" (default) or "en" */
	const char	*name;		/* the participant */
	const char	*course;	/* course title, in lang if it has one */
	const char	*venue;		/* venue name */
	const char	*address;	/* "Borgergade 1, 8700 Horsens" */
	const char	*access;	/* access notes (Danish), or NULL */
	const char	*bring;		/* what to bring, or NULL */
	int		 bring_danish;	/* bring is Danish for an English reader */
	const char	*instructor;	/* names, or NULL */
	const char	*venue_phone;	/* the venue's public phone, or NULL */
	const char	*calendar_url;	/* "add to calendar" page, or NULL */
	const char	*cancel_url;	/* the personal cancel link, or NULL */
	struct notice_library library;
	time_t		 start, end;	/* instants, to compare */
	time_t		 old_start;	/* KIND_MOVED: when it was, or 0 */
	struct notice_time start_at, end_at, old_at;	/* the same, local */
	const char	*old_venue;	/* KIND_MOVED: or NULL if unchanged */
	int		 number;	/* running number, "kursist nr." (staff's) */
	int		 position;	/* waitlist position */
	const char	*message;	/* KIND_STAFF, or an added line */
	const char	*reason;	/* KIND_CANCELLED: or NULL */
	const struct notice_date *dates;	/* KIND_SERIES*: or NULL */
	size_t		 ndates;
};

/* template.c */
/*
 * Renders subject and body for a channel (the subject is NULL for SMS;
 * *subject and *body are the caller's to free). lang "en" (or "en-GB",
 * "en_US") is English, anything else Danish. subject_tpl and body_tpl
 * override the built-in texts when not NULL (staff's own per course type;
 * subject_tpl is ignored for SMS). Placeholders: {name}, {first_name},
 * {course} (the title), {the_course} ("kurset »borger.dk«"), {date}
 * ("torsdag den 3. december kl. 10.00"), {when} ("torsdag den 3. december
 * kl. 10.00–11.30"), {time} ("10.00"), {end} ("11.30"), {venue},
 * {address}, {access}, {bring}, {bring_line} ("Medbring: ..." or the
 * text itself when it says "Medbring ..."), {instructor}, {phone} (the
 * library's, else the venue's), {venue_phone} (the venue's when it is not
 * {phone}), {library}, {library_phone}, {library_email}, {library_url},
 * {signature}, {link} (the "add to calendar" page), {cancel_link} (the
 * person's own cancel page, in e-mail only), {number},
 * {position}, {old_date}, {old_venue}, {message}, {reason}, {dates} (a
 * series' dates, one a line, in a body) and {dates_short} (the same,
 * shorter, for SMS). Phone numbers
 * are written the Danish way ("76 29 23 00"; "+45 76 29 23 00" in
 * English). "{{" is a literal "{"; a lone "}" is literal. An unknown or
 * unclosed placeholder is refused, naming it with its line and column.
 * {course}, {the_course}, {date}, {when}, {time} and {venue} are required
 * (a notice without them is refused); a line holding any other
 * placeholder that has no value (NULL, "", 0, an old date equal to the
 * new) is left out whole, and blank lines left behind are squeezed.
 * Values are put on one line, except {message} in a body. In an SMS
 * {the_course} and {when} keep to GSM 03.38 ("kurset \"borger.dk\"",
 * "10.00-11.30"). A built-in SMS is the fullest text with the fewest
 * segments (see gsm_segments()), and always names the library. A notice
 * without its local start time, an unknown kind or channel, or a text
 * that comes out empty, is refused. No dependence on the machine's
 * locales.
 */
int	 template_render(const struct notice *, int channel,
	    const char *subject_tpl, const char *body_tpl, char **subject,
	    char **body, char **cause);

/* words.c: dates and phone numbers as people write them */
#define WORDS_EN	0x1	/* English; else Danish */
#define WORDS_GSM	0x2	/* GSM 03.38 only: "-" for the dash */
/*
 * "torsdag den 3. december kl. 10.00", or "Thursday 3 December at
 * 10:00"; caller frees. NULL if the time is not given.
 */
char	*words_date(const struct notice_time *, int flags);
/*
 * From start to end: "tirsdag den 8. december kl. 10.00–11.30"
 * ("Tuesday 8 December, 10:00–11:30"); an end at the midnight after
 * the start's day is "24.00"; an end on another day is said in full,
 * "... kl. 23.00 til onsdag den 9. december kl. 01.00". Without an end
 * (NULL or not given) the start alone, as words_date(). The times are
 * taken as they are: the caller decides whether there is an end. Caller
 * frees; NULL if start is not given.
 */
char	*words_when(const struct notice_time *start,
	    const struct notice_time *end, int flags);
/*
 * A phone number as people read it: a Danish one (+45 and eight digits)
 * "76 29 23 00", or "+45 76 29 23 00" in English; any other as given.
 * Caller frees; NULL for NULL or "".
 */
char	*words_phone(const char *, int flags);
/* A month: "december 2026", "December 2026"; month 1..12. Caller frees. */
char	*words_month(int year, int month, int flags);

/* gsm.c */
/*
 * The SMS segments text needs: 160 GSM 03.38 septets (153 each when
 * concatenated), extension-table characters counting two; any character
 * outside GSM 03.38 makes it UCS-2 (70, or 67 each, in UTF-16 units, so a
 * character beyond the BMP counts two). An escape or surrogate pair is
 * never split between two parts. Bytes that are not well-formed UTF-8
 * make it UCS-2 and count one unit each (they would go as U+FFFD). Empty
 * text is one segment. Never fails: the result is at least 1. *ucs2 and
 * *units (septets or UTF-16 units) are set when not NULL.
 */
int	 gsm_segments(const char *utf8, int *ucs2, size_t *units);

/* mail.c */
struct mail {
	const char	*from, *from_name;	/* envelope and header */
	const char	*reply_to;		/* or NULL */
	const char	*to, *to_name;
	const char	*subject, *body;	/* UTF-8 */
	const char	*lang;			/* "da" or "en", or NULL */
	int		 html;			/* add a text/html alternative */
	const char	*calendar;		/* text/calendar part, or NULL */
	const char	*calendar_method;	/* "REQUEST" or "CANCEL" */
	const char	*message_id;		/* "<...@host>", stable per row */
	time_t		 date;
};
/*
 * A complete RFC 5322 message, MIME built with GMime: RFC 2047 encoded
 * Subject and display names, Date, Message-ID, Auto-Submitted:
 * auto-generated, MIME-Version, Content-Language when lang is set,
 * Reply-To when set. The body is text/plain; charset=utf-8; with html,
 * multipart/alternative of it and mail_html() of it. With a calendar,
 * the shape mail programs expect of an invitation:
 *
 *   multipart/mixed
 *     multipart/alternative
 *       text/plain; charset=utf-8
 *       text/html; charset=utf-8             (with html)
 *       text/calendar; charset=utf-8; method=REQUEST (or CANCEL)
 *     application/ics; name="invitation.ics"  (attachment, the same)
 *
 * the text first. CRLF line ends. Thread-safe (GMime is set up once
 * inside). Caller frees.
 */
char	*mail_build(const struct mail *, size_t *len);
/*
 * The same messages, made one after another by one builder: the parts
 * that are the same for everyone are made once and only what belongs to
 * the person (To, Subject, Date, Message-ID, the texts, the calendar,
 * the boundaries) is put in anew; the bytes are those mail_build() makes
 * but for Message-ID, Date and the boundaries. A builder is used by one
 * thread at a time. mail_builder_build()'s result: caller frees.
 */
struct mail_builder;
struct mail_builder *mail_builder_new(void);
char	*mail_builder_build(struct mail_builder *, const struct mail *,
	    size_t *len);
void	 mail_builder_free(struct mail_builder *);
/*
 * The text of a mail as a simple HTML page with the same content: its
 * paragraphs (blank-line separated) as <p>, its lines kept, web links
 * made links, large type. lang ("da" or "en") and title (the subject)
 * go into the page's head. Caller frees.
 */
char	*mail_html(const char *text, const char *lang, const char *title);

/* smtp.c */
enum smtp_tls { SMTP_TLS_OFF, SMTP_TLS_OPTIONAL, SMTP_TLS_REQUIRED };
struct smtp_config {
	const char	*host;
	int		 port;
	int		 starttls;		/* enum smtp_tls */
	const char	*user, *password;	/* or NULL: no AUTH */
	int		 timeout;		/* seconds per exchange */
};
/*
 * The outcome of one message: sent; not now (try it again later); never
 * (this message cannot be delivered: an unknown address or number); or
 * not sent because the server or the settings are at fault, not the
 * message (no connection, no answer, a refused greeting, AUTH or STARTTLS,
 * a 5xx to MAIL FROM, a gateway refusing our credentials or failing): it
 * waits until the server answers, and is not counted as an attempt.
 */
enum send_result { SEND_OK, SEND_TEMPORARY, SEND_PERMANENT, SEND_SERVER };
struct smtp_message {
	const char	*from;		/* envelope sender */
	const char	*to;		/* envelope recipient */
	const char	*data;		/* mail_build() output */
	size_t		 len;
	int		 result;	/* out: enum send_result */
	char		*error;		/* out: the server's words, or NULL */
	/* Called once per message as soon as its outcome is known (for
	 * a message the server took: right after its 250, before the next
	 * message goes), or NULL. */
	void		(*done)(struct smtp_message *, void *arg);
	/* Or NULL: called once, from smtp_send(), when the whole message is
	 * in libesmtp's hands and its end not yet sent; from then until
	 * done, the server may have taken it. */
	void		(*seal)(struct smtp_message *, void *arg);
	void		*arg;
	int		 reported;	/* private */
	int		 sealed;	/* private */
};
/*
 * Sends n messages over one connection (libesmtp), filling each result:
 * 2xx OK; 4xx TEMPORARY; 5xx to RCPT or DATA PERMANENT; 5xx to MAIL FROM,
 * and a session that failed before the message had an answer (refused
 * connection, timeout, greeting, AUTH, STARTTLS) SERVER. Blocks; call
 * from a worker thread.
 */
void	 smtp_send(const struct smtp_config *, struct smtp_message *, size_t n);
/* Whether the server answers: connects and waits for its 220 greeting.
 * 0, or -1 with *error (caller frees). Blocks at most timeout. */
int	 smtp_probe(const struct smtp_config *, char **error);

/* sms.c */
enum sms_driver { SMS_NONE, SMS_KANNEL, SMS_REST };
struct sms_config {
	int		 driver;	/* enum sms_driver */
	const char	*url;		/* Kannel's sendsms, or the REST endpoint */
	const char	*user, *password;
	const char	*sender;	/* sender name or number */
	const char	*header;	/* REST: e.g. "Authorization: Bearer {password}" */
	const char	*body;		/* REST: JSON template with {to}, {from}, {text} */
	int		 timeout;	/* seconds */
};
/*
 * Sends one SMS to an E.164 number (libcurl). Gateway 2xx OK (with its
 * message id in *provider_id when it gives one); 429 TEMPORARY; 5xx, 401,
 * 403, refused or timed out SERVER; other 4xx, or a number the gateway
 * rejects, PERMANENT; the gateway's words in *error. Returns the enum
 * send_result; *provider_id and *error are NULL or the caller's to free.
 * Kannel: coding=2 (UCS-2) when gsm_segments() says the text needs it.
 * REST: body must be JSON; the placeholders are filled inside its
 * strings and jansson escapes them; header may hold {user}, {password}.
 * Blocks.
 */
int	 sms_send(const struct sms_config *, const char *to, const char *text,
	    char **provider_id, char **error);
/* Whether the gateway's host accepts a connection (the URL's host and
 * port). 0, or -1 with *error (caller frees). Blocks at most timeout. */
int	 sms_probe(const struct sms_config *, char **error);

#endif
