#include "config.h"

#include <sys/types.h>

#include <stdlib.h>
#include <string.h>

#include <libical/ical.h>

#include "buf.h"
#include "calendars.h"
#include "calendars-private.h"
#include "xmalloc.h"

/*
 * Invitations (RFC 5546 iTIP): one session for one attendee, as METHOD:
 * REQUEST or METHOD:CANCEL. The event is feed_event()'s, so an invitation
 * and the feeds always agree (UID, SEQUENCE, times, text), and the
 * VTIMEZONE is feed_calendar()'s. What is added here, the calendar's head
 * and ORGANIZER and ATTENDEE, is built with libical like the rest.
 *
 * libical quotes a CN only when it holds ';', ':' or ','; we always quote
 * it, as Outlook and Apple do, so "Søren Ærø" reads the same everywhere.
 * That changes the line after libical folded it, so these two lines are
 * unfolded and folded again here, by the rule feed.c uses: 75 octets,
 * never inside a UTF-8 character.
 */

#define INVITE_NAME_MAX	200	/* octets of a CN */

static int	 invite_address_ok(const char *);
static char	*invite_name(const char *);
static void	 invite_person(struct buf *, int, const char *,
		    const char *);
static char	*invite_head(const char *, size_t *);
static const char *invite_find(const char *, size_t, const char *, int);

/*
 * An address fit for a mailto: URI: something@something, no space,
 * control byte, quote or colon that would end the value or the parameter.
 */
static int
invite_address_ok(const char *s)
{
	const u_char	*p;
	const char	*at;

	if (s == NULL || *s == '\0' || strlen(s) > 254)
		return (0);
	if ((at = strchr(s, '@')) == NULL || at == s || at[1] == '\0' ||
	    strchr(at + 1, '@') != NULL)
		return (0);
	for (p = (const u_char *)s; *p != '\0'; p++) {
		if (*p <= 0x20 || *p == 0x7f || strchr("\"<>:;,\\", *p))
			return (0);
	}
	return (1);
}

/*
 * A name for CN: a double quote cannot appear inside a quoted parameter
 * (libical would write RFC 6868's ^', which few apps read) and becomes
 * an apostrophe, and a control byte (a line break, say) a space. Long
 * names are cut at a character boundary.
 */
static char *
invite_name(const char *s)
{
	char	*name, *p;
	size_t	 len;

	len = strlen(s);
	if (len > INVITE_NAME_MAX) {
		len = INVITE_NAME_MAX;
		while (len > 0 && ((u_char)s[len] & 0xc0) == 0x80)
			len--;
	}
	name = xstrndup(s, len);
	for (p = name; *p != '\0'; p++) {
		if (*p == '"')
			*p = '\'';
		else if ((u_char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	}
	return (name);
}

/*
 * Appends ORGANIZER (attendee 0) or ATTENDEE, with CN when there is a
 * name, always quoted.
 */
static void
invite_person(struct buf *b, int attendee, const char *name,
    const char *email)
{
	icalproperty	*prop;
	char		*mailto, *cn = NULL, *text, *in, *out, *p, *end;
	size_t		 len, at;

	mailto = xprintf("mailto:%s", email);
	if (attendee)
		prop = icalproperty_new_attendee(mailto);
	else
		prop = icalproperty_new_organizer(mailto);
	free(mailto);
	if (name != NULL && *name != '\0') {
		cn = invite_name(name);
		icalproperty_add_parameter(prop, icalparameter_new_cn(cn));
		free(cn);
	}
	if (attendee) {
		icalproperty_add_parameter(prop,
		    icalparameter_new_role(ICAL_ROLE_REQPARTICIPANT));
		icalproperty_add_parameter(prop,
		    icalparameter_new_partstat(ICAL_PARTSTAT_NEEDSACTION));
		icalproperty_add_parameter(prop,
		    icalparameter_new_rsvp(ICAL_RSVP_FALSE));
	}
	text = icalproperty_as_ical_string_r(prop);
	icalproperty_free(prop);

	/*
	 * Unfold: take out libical's folds, then every CR and LF left. Its
	 * folding can cut the line's own CR LF in two ("\r\r\n \n"), and no
	 * CR or LF belongs inside the line: libical writes a line break in a
	 * parameter as ^n, and addresses with one are refused.
	 */
	for (in = out = text; *in != '\0'; in++) {
		if (in[0] == '\r' && in[1] == '\n' && in[2] == ' ') {
			in += 2;
			continue;
		}
		if (*in != '\r' && *in != '\n')
			*out++ = *in;
	}
	*out = '\0';
	len = out - text;

	/* CN comes first; quote it when libical did not. */
	p = strchr(text, ';');
	if (p != NULL && strncmp(p, ";CN=", 4) == 0 && p[4] != '"') {
		at = p + 4 - text;
		end = p + 4 + strcspn(p + 4, ";:");
		out = xprintf("%.*s\"%.*s\"%s", (int)at, text,
		    (int)(end - (p + 4)), p + 4, end);
		free(text);
		text = out;
		len = strlen(text);
	}
	feed_fold(b, text, len);
	free(text);
}

/* BEGIN:VCALENDAR and the calendar's properties, built with libical. */
static char *
invite_head(const char *method, size_t *len)
{
	static const char	 footer[] = "END:VCALENDAR\r\n";
	icalcomponent		*c;
	char			*prodid, *text;
	size_t			 n;

	c = icalcomponent_new(ICAL_VCALENDAR_COMPONENT);
	prodid = xprintf("-//kursusd//kursusd %s//DA", PACKAGE_VERSION);
	icalcomponent_add_property(c, icalproperty_new_prodid(prodid));
	free(prodid);
	icalcomponent_add_property(c, icalproperty_new_version("2.0"));
	icalcomponent_add_property(c, icalproperty_new_calscale("GREGORIAN"));
	icalcomponent_add_property(c, icalproperty_new_method(
	    strcmp(method, "CANCEL") == 0 ? ICAL_METHOD_CANCEL :
	    ICAL_METHOD_REQUEST));
	text = icalcomponent_as_ical_string_r(c);
	icalcomponent_free(c);
	if (text == NULL)
		return (NULL);
	n = strlen(text);
	if (n < sizeof footer - 1 ||
	    strcmp(text + n - (sizeof footer - 1), footer) != 0) {
		free(text);
		return (NULL);
	}
	*len = n - (sizeof footer - 1);
	text[*len] = '\0';
	return (text);
}

/*
 * The first (or, with last, the last) line of text that is exactly line
 * (without its CR LF), or NULL.
 */
static const char *
invite_find(const char *text, size_t len, const char *line, int last)
{
	const char	*p, *found = NULL;
	size_t		 n = strlen(line);

	for (p = text; p + n + 2 <= text + len; ) {
		if (memcmp(p, line, n) == 0 && p[n] == '\r' &&
		    p[n + 1] == '\n') {
			found = p;
			if (!last)
				break;
		}
		if ((p = memchr(p, '\n', text + len - p)) == NULL)
			break;
		p++;
	}
	return (found);
}

int
invite_frame(const struct cal_event *ev, const struct cal_invite *inv,
    const char *lang, struct cal_invite_frame *f)
{
	struct cal_event	 copy;
	struct cal_feed		 feed;
	struct buf		 b = BUF_INIT;
	const char		*tzids[1], *zb, *ze, *at;
	char			*head = NULL, *event = NULL, *cal = NULL;
	size_t			 hlen, elen, clen;
	int			 cancel;

	memset(f, 0, sizeof *f);
	if (ev == NULL || inv == NULL || inv->method == NULL)
		return (-1);
	if (strcmp(inv->method, "REQUEST") == 0)
		cancel = 0;
	else if (strcmp(inv->method, "CANCEL") == 0)
		cancel = 1;
	else
		return (-1);

	/*
	 * A cancellation says so in STATUS and sets no alarm, and its
	 * SUMMARY why: her own withdrawal is not the course being cancelled.
	 * The caller has raised SEQUENCE.
	 */
	copy = *ev;
	if (cancel) {
		copy.status = CAL_CANCELLED;
		copy.gone = inv->gone;
		copy.alarm_minutes = 0;
	}
	if ((event = feed_event(&copy, lang, &elen)) == NULL)
		goto fail;
	if ((head = invite_head(inv->method, &hlen)) == NULL)
		goto fail;

	memset(&feed, 0, sizeof feed);
	tzids[0] = ev->tzid;
	cal = feed_calendar(&feed, tzids, ev->tzid != NULL ? 1 : 0, ev->start,
	    ev->end > ev->start ? ev->end : ev->start, NULL, NULL, 0, &clen);
	if (cal == NULL)
		goto fail;

	buf_add(&b, head, hlen);
	zb = invite_find(cal, clen, "BEGIN:VTIMEZONE", 0);
	ze = invite_find(cal, clen, "END:VTIMEZONE", 1);
	if (zb != NULL && ze != NULL && ze > zb)
		buf_add(&b, zb, ze + strlen("END:VTIMEZONE\r\n") - zb);

	/* ORGANIZER and ATTENDEE go before the alarm, or the end. */
	if ((at = invite_find(event, elen, "BEGIN:VALARM", 0)) == NULL &&
	    (at = invite_find(event, elen, "END:VEVENT", 1)) == NULL)
		goto fail;
	buf_add(&b, event, at - event);
	f->before = buf_detach(&b, &f->before_len);
	buf_add(&b, at, event + elen - at);
	buf_add(&b, "END:VCALENDAR\r\n", strlen("END:VCALENDAR\r\n"));
	f->after = buf_detach(&b, &f->after_len);
	/* The organizer is the same for every attendee: its line once. */
	if (invite_address_ok(inv->organizer_email)) {
		invite_person(&b, 0, inv->organizer_name, inv->organizer_email);
		f->organizer = buf_detach(&b, &f->organizer_len);
		/* no name and an empty one make the same line (no CN) */
		f->organizer_name = xstrdup(inv->organizer_name != NULL ?
		    inv->organizer_name : "");
		f->organizer_email = xstrdup(inv->organizer_email);
	}

	free(head);
	free(event);
	free(cal);
	return (0);

fail:
	free(head);
	free(event);
	free(cal);
	free(b.data);
	return (-1);
}

void
invite_frame_clear(struct cal_invite_frame *f)
{
	free(f->before);
	free(f->after);
	free(f->organizer);
	free(f->organizer_name);
	free(f->organizer_email);
	memset(f, 0, sizeof *f);
}

char *
invite_frame_render(const struct cal_invite_frame *f,
    const struct cal_invite *inv, size_t *len)
{
	struct buf	 b = BUF_INIT;

	if (len != NULL)
		*len = 0;
	if (f->before == NULL || inv == NULL ||
	    !invite_address_ok(inv->organizer_email) ||
	    !invite_address_ok(inv->attendee_email))
		return (NULL);
	buf_add(&b, f->before, f->before_len);
	if (f->organizer != NULL && strcmp(f->organizer_email,
	    inv->organizer_email) == 0 && strcmp(f->organizer_name,
	    inv->organizer_name != NULL ? inv->organizer_name : "") == 0)
		buf_add(&b, f->organizer, f->organizer_len);
	else
		invite_person(&b, 0, inv->organizer_name,
		    inv->organizer_email);
	invite_person(&b, 1, inv->attendee_name, inv->attendee_email);
	buf_add(&b, f->after, f->after_len);
	if (len != NULL)
		*len = b.len;
	return (b.data);
}

char *
invite_render(const struct cal_event *ev, const struct cal_invite *inv,
    const char *lang, size_t *len)
{
	struct cal_invite_frame	 f;
	char			*text;

	if (len != NULL)
		*len = 0;
	if (inv == NULL || !invite_address_ok(inv->organizer_email) ||
	    !invite_address_ok(inv->attendee_email) ||
	    invite_frame(ev, inv, lang, &f) != 0)
		return (NULL);
	text = invite_frame_render(&f, inv, len);
	invite_frame_clear(&f);
	return (text);
}
