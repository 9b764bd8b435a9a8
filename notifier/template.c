/*
 * The template language staff use to write their own texts, and the
 * engine that renders the built-in ones (template-texts.c): for every
 * notice kind, in Danish (the default) and English.
 *
 * A template is plain text with placeholders in braces. "{{" is a literal
 * "{"; a "}" outside a placeholder is literal as it stands. A line holding
 * a placeholder without a value (no access notes, no phone number) is left
 * out whole, so optional details sit on lines of their own; the few values
 * every notice has (course, date, time, venue) are required, and a notice
 * without one is refused. Runs of blank lines left behind are squeezed to
 * one.
 *
 * SMS texts are built from parts on a ladder, fullest first; the first
 * rung that needs the fewest segments wins, which keeps reminders and
 * confirmations to one GSM 03.38 segment with ordinary names and
 * addresses. Every rung keeps the number to call and the library's name.
 *
 * Dates are the wall-clock times the caller gives (the notifier knows no
 * time zones), in words (words.c).
 */

#include "config.h"

#include <sys/types.h>

#include <ctype.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buf.h"
#include "cause.h"
#include "notifier.h"
#include "template-private.h"
#include "xmalloc.h"

/* Placeholder names quoted in a cause are cut to this many bytes. */
#define TEMPLATE_QUOTE_MAX	40

/* The rungs of the SMS ladder: which parts, fullest first. */
#define SMS_GREETING	0x001
#define SMS_CORE	0x002
#define SMS_CORE_SHORT	0x004
#define SMS_EXTRA	0x008
#define SMS_ADDRESS	0x010
#define SMS_ACCESS	0x020
#define SMS_BRING	0x040
#define SMS_MESSAGE	0x080
#define SMS_VENUE_PHONE	0x100
#define SMS_CONTACT	0x200
#define SMS_CONTACT_SHORT 0x400
#define SMS_SIGN	0x800
#define SMS_SIGN_SHORT	0x1000
#define SMS_EXTRA_FIRST	0x2000	/* a rung only for kinds whose extra counts */
#define SMS_FULL	(SMS_GREETING|SMS_CORE|SMS_EXTRA|SMS_ADDRESS|SMS_MESSAGE)
#define SMS_TAIL	(SMS_MESSAGE|SMS_CONTACT_SHORT|SMS_SIGN_SHORT)
static const int template_ladder[] = {
	SMS_FULL|SMS_ACCESS|SMS_BRING|SMS_VENUE_PHONE|SMS_CONTACT|SMS_SIGN,
	SMS_FULL|SMS_ACCESS|SMS_BRING|SMS_CONTACT|SMS_SIGN,
	SMS_FULL|SMS_BRING|SMS_CONTACT|SMS_SIGN,
	SMS_FULL|SMS_CONTACT|SMS_SIGN,
	SMS_FULL|SMS_CONTACT_SHORT|SMS_SIGN_SHORT,
	SMS_CORE|SMS_EXTRA|SMS_ADDRESS|SMS_TAIL,
	/* The reason of a cancellation before the venue's name. */
	SMS_EXTRA_FIRST|SMS_CORE_SHORT|SMS_EXTRA|SMS_TAIL,
	SMS_CORE|SMS_ADDRESS|SMS_MESSAGE|SMS_CONTACT_SHORT|SMS_SIGN_SHORT,
	SMS_CORE|SMS_MESSAGE|SMS_CONTACT_SHORT|SMS_SIGN_SHORT,
	SMS_CORE_SHORT|SMS_MESSAGE|SMS_CONTACT_SHORT|SMS_SIGN_SHORT,
};

/* One rendering: the notice, its language, and values worked out so far. */
struct template_ctx {
	const struct notice	*n;
	int			 en;
	int			 sms;	/* GSM 03.38 where we choose the words */
	char			**values;
	int			*done;
};

/*
 * A placeholder: a text field of struct notice (at off), or, where the
 * value needs working out, a function.
 */
struct template_field {
	const char	*name;
	int		 required;
	int		 multiline;	/* newlines in the value are kept */
	char		*(*value)(struct template_ctx *);
	size_t		 off;		/* when value is NULL */
};

/* Words that begin a text about what to bring which says it itself. */
static const char *template_bring_da[] = { "medbring", "husk", "tag ",
    "ta' ", NULL };
static const char *template_bring_en[] = { "bring", "please", "remember",
    "don't", "do not", "take", NULL };

static int	 template_english(const char *);
static int	 template_time_ok(const struct notice_time *);
static char	*template_string(const char *);
static int	 template_flags(struct template_ctx *);
static char	*template_clock(struct template_ctx *,
		     const struct notice_time *);
static char	*template_v_first_name(struct template_ctx *);
static char	*template_v_the_course(struct template_ctx *);
static char	*template_v_date(struct template_ctx *);
static char	*template_v_when(struct template_ctx *);
static char	*template_v_time(struct template_ctx *);
static char	*template_v_end(struct template_ctx *);
static char	*template_v_bring_line(struct template_ctx *);
static char	*template_v_phone(struct template_ctx *);
static char	*template_v_venue_phone(struct template_ctx *);
static char	*template_v_library(struct template_ctx *);
static char	*template_v_library_phone(struct template_ctx *);
static char	*template_v_number(struct template_ctx *);
static char	*template_v_position(struct template_ctx *);
static char	*template_v_old_date(struct template_ctx *);
static char	*template_v_old_venue(struct template_ctx *);
static char	*template_v_dates(struct template_ctx *);
static char	*template_v_dates_short(struct template_ctx *);
static void	 template_add_value(struct buf *, const char *, int);
static size_t	 template_columns(const char *, size_t);
static int	 template_expand(struct template_ctx *, const char *, int,
		     char **, char **);
static char	*template_tidy(const char *, int);
static char	*template_sms_text(const struct template_lang *,
		     const struct template_sms *, int);
static int	 template_sms(struct template_ctx *,
		     const struct template_lang *, const struct template_sms *,
		     char **, char **);

#define TF_TEXT(name, required, multiline, field) \
	{ name, required, multiline, NULL, offsetof(struct notice, field) }
#define TF_FN(name, required, fn) \
	{ name, required, 0, fn, 0 }
static const struct template_field template_fields[] = {
	TF_TEXT("name", 0, 0, name),
	TF_FN("first_name", 0, template_v_first_name),
	TF_TEXT("course", 1, 0, course),
	TF_FN("the_course", 1, template_v_the_course),
	TF_FN("date", 1, template_v_date),
	TF_FN("when", 1, template_v_when),
	TF_FN("time", 1, template_v_time),
	TF_FN("end", 0, template_v_end),
	TF_TEXT("venue", 1, 0, venue),
	TF_TEXT("address", 0, 0, address),
	TF_TEXT("access", 0, 0, access),
	TF_TEXT("bring", 0, 0, bring),
	TF_FN("bring_line", 0, template_v_bring_line),
	TF_TEXT("instructor", 0, 0, instructor),
	TF_FN("phone", 0, template_v_phone),
	TF_FN("venue_phone", 0, template_v_venue_phone),
	TF_FN("library", 0, template_v_library),
	TF_FN("library_phone", 0, template_v_library_phone),
	TF_TEXT("library_email", 0, 0, library.email),
	TF_TEXT("library_url", 0, 0, library.url),
	TF_TEXT("signature", 0, 0, library.signature),
	TF_TEXT("link", 0, 0, calendar_url),
	TF_TEXT("cancel_link", 0, 0, cancel_url),
	TF_FN("number", 0, template_v_number),
	TF_FN("position", 0, template_v_position),
	TF_FN("old_date", 0, template_v_old_date),
	TF_FN("old_venue", 0, template_v_old_venue),
	TF_TEXT("message", 0, 1, message),
	TF_TEXT("reason", 0, 0, reason),
	{ "dates", 0, 1, template_v_dates, 0 },
	{ "dates_short", 0, 1, template_v_dates_short, 0 },
};
#define TEMPLATE_NFIELDS \
	(sizeof template_fields / sizeof template_fields[0])

/* "en", "en-GB", "en_US" are English; anything else is Danish. */
static int
template_english(const char *lang)
{
	if (lang == NULL || strncmp(lang, "en", 2) != 0)
		return (0);
	return (lang[2] == '\0' || lang[2] == '-' || lang[2] == '_');
}

/* Whether a local time is there and makes sense. */
static int
template_time_ok(const struct notice_time *l)
{
	return (l->wday >= 0 && l->wday <= 6 && l->month >= 1 &&
	    l->month <= 12 && l->day >= 1 && l->day <= 31 && l->hour >= 0 &&
	    l->hour <= 23 && l->minute >= 0 && l->minute <= 59);
}

/* A copy of s, or NULL when there is nothing in it. */
static char *
template_string(const char *s)
{
	if (s == NULL || *s == '\0')
		return (NULL);
	return (xstrdup(s));
}

/* The words.c flags of this rendering. */
static int
template_flags(struct template_ctx *ctx)
{
	return ((ctx->en ? WORDS_EN : 0) | (ctx->sms ? WORDS_GSM : 0));
}

/* The time of day alone: "10.00", or "10:00" in English. */
static char *
template_clock(struct template_ctx *ctx, const struct notice_time *l)
{
	if (!template_time_ok(l))
		return (NULL);
	return (xprintf("%02d%c%02d", l->hour, ctx->en ? ':' : '.',
	    l->minute));
}

/* The first word of the name: "Hanne-Lise" of "Hanne-Lise Sørensen". */
static char *
template_v_first_name(struct template_ctx *ctx)
{
	const char	*s = ctx->n->name;
	size_t		 len;

	if (s == NULL)
		return (NULL);
	s += strspn(s, " \t");
	len = strcspn(s, " \t");
	if (len == 0)
		return (NULL);
	return (xstrndup(s, len));
}

/*
 * The course named as a course, so that "borger.dk" is not read as the
 * web site: "kurset »borger.dk«", "the course “borger.dk”"; in an SMS
 * with straight quotes, which GSM 03.38 has.
 */
static char *
template_v_the_course(struct template_ctx *ctx)
{
	const char	*c = ctx->n->course;

	if (c == NULL || *c == '\0')
		return (NULL);
	if (ctx->sms)
		return (xprintf("%s \"%s\"", ctx->en ? "the course" : "kurset",
		    c));
	if (ctx->en)
		return (xprintf("the course \xe2\x80\x9c%s\xe2\x80\x9d", c));
	return (xprintf("kurset \xc2\xbb%s\xc2\xab", c));
}

static char *
template_v_date(struct template_ctx *ctx)
{
	return (words_date(&ctx->n->start_at, template_flags(ctx)));
}

/* From start to end, when the session has an end. */
static char *
template_v_when(struct template_ctx *ctx)
{
	const struct notice	*n = ctx->n;

	return (words_when(&n->start_at, n->end > n->start ? &n->end_at :
	    NULL, template_flags(ctx)));
}

static char *
template_v_time(struct template_ctx *ctx)
{
	return (template_clock(ctx, &ctx->n->start_at));
}

static char *
template_v_end(struct template_ctx *ctx)
{
	if (ctx->n->end <= ctx->n->start)
		return (NULL);
	return (template_clock(ctx, &ctx->n->end_at));
}

/*
 * What to bring as a line: "Medbring: din telefon", or the text as it
 * stands when it says so itself ("Medbring din telefon ...": never
 * "Medbring: Medbring ..."). For an English reader of a course type
 * without an English text, the Danish one marked as Danish, and left out
 * of an SMS.
 */
static char *
template_v_bring_line(struct template_ctx *ctx)
{
	const struct notice	*n = ctx->n;
	const char		**lead, *b = n->bring;
	int			 en_text = ctx->en && !n->bring_danish;

	if (b == NULL || *b == '\0')
		return (NULL);
	if (ctx->en && n->bring_danish)
		return (ctx->sms ? NULL : xprintf("What to bring (in Danish): "
		    "%s", b));
	for (lead = en_text ? template_bring_en : template_bring_da;
	    *lead != NULL; lead++) {
		if (strncasecmp(b, *lead, strlen(*lead)) == 0 &&
		    !isalpha((u_char)b[strlen(*lead)])) {
			if (islower((u_char)*b))
				return (xprintf("%c%s", toupper((u_char)*b),
				    b + 1));
			return (xstrdup(b));
		}
	}
	return (xprintf("%s: %s", en_text ? "Please bring" : "Medbring", b));
}

/* The number to call: the library's, else the venue's. */
static char *
template_v_phone(struct template_ctx *ctx)
{
	const struct notice	*n = ctx->n;
	const char		*p = n->library.phone;

	if (p == NULL || *p == '\0')
		p = n->venue_phone;
	return (words_phone(p, template_flags(ctx)));
}

/* The venue's own number, for the place, unless it is {phone} already. */
static char *
template_v_venue_phone(struct template_ctx *ctx)
{
	const struct notice	*n = ctx->n;

	if (n->library.phone == NULL || *n->library.phone == '\0' ||
	    (n->venue_phone != NULL &&
	    strcmp(n->venue_phone, n->library.phone) == 0))
		return (NULL);
	return (words_phone(n->venue_phone, template_flags(ctx)));
}

/* The library's name, or "Biblioteket" where none is configured. */
static char *
template_v_library(struct template_ctx *ctx)
{
	const char	*name = ctx->n->library.name;

	if (name == NULL || *name == '\0')
		name = template_langs[ctx->en].library;
	return (xstrdup(name));
}

static char *
template_v_library_phone(struct template_ctx *ctx)
{
	return (words_phone(ctx->n->library.phone, template_flags(ctx)));
}

static char *
template_v_number(struct template_ctx *ctx)
{
	if (ctx->n->number <= 0)
		return (NULL);
	return (xprintf("%d", ctx->n->number));
}

static char *
template_v_position(struct template_ctx *ctx)
{
	if (ctx->n->position <= 0)
		return (NULL);
	return (xprintf("%d", ctx->n->position));
}

/* Only when the time changed: a move of place alone has no old date. */
static char *
template_v_old_date(struct template_ctx *ctx)
{
	if (ctx->n->old_start == 0 || ctx->n->old_start == ctx->n->start)
		return (NULL);
	return (words_date(&ctx->n->old_at, template_flags(ctx)));
}

/* Only when the place changed. */
static char *
template_v_old_venue(struct template_ctx *ctx)
{
	const struct notice	*n = ctx->n;

	if (n->old_venue == NULL || *n->old_venue == '\0')
		return (NULL);
	if (n->venue != NULL && strcmp(n->old_venue, n->venue) == 0)
		return (NULL);
	return (xstrdup(n->old_venue));
}

/*
 * A series' dates, one a line: "- tirsdag den 8. december kl. 10.00",
 * "(venteliste, nr. 2)" after one waited for; brief, for SMS: "tir 8/12
 * kl. 10.00". NULL when the notice has none.
 */
static char *
template_dates(struct template_ctx *ctx, int brief)
{
	static const char *wd_da[7] = { "søn", "man", "tir", "ons", "tor",
	    "fre", "lør" };
	static const char *wd_en[7] = { "Sun", "Mon", "Tue", "Wed", "Thu",
	    "Fri", "Sat" };
	const struct notice_date	*d;
	struct buf			 b = BUF_INIT;
	char				*date;
	size_t				 i;

	for (i = 0; i < ctx->n->ndates; i++) {
		d = &ctx->n->dates[i];
		if (!template_time_ok(&d->at))
			continue;
		if (b.len > 0)
			buf_add(&b, "\n", 1);
		if (brief)
			buf_addf(&b, ctx->en ? "%s %d/%d %02d:%02d" :
			    "%s %d/%d kl. %02d.%02d", (ctx->en ? wd_en :
			    wd_da)[d->at.wday], d->at.day, d->at.month,
			    d->at.hour, d->at.minute);
		else {
			date = words_date(&d->at, template_flags(ctx));
			buf_addf(&b, "- %s", date);
			free(date);
		}
		if (d->position > 0 && brief)
			buf_adds(&b, ctx->en ? " (waiting list)" :
			    " (venteliste)");
		else if (d->position > 0)
			buf_addf(&b, ctx->en ? " (waiting list, number %d)" :
			    " (venteliste, nr. %d)", d->position);
	}
	if (b.len == 0) {
		buf_free(&b);
		return (NULL);
	}
	return (b.data);
}

static char *
template_v_dates(struct template_ctx *ctx)
{
	return (template_dates(ctx, 0));
}

static char *
template_v_dates_short(struct template_ctx *ctx)
{
	return (template_dates(ctx, 1));
}

/*
 * Adds a value. Control characters become spaces, except that newlines in
 * a multi-line value (staff's message) are kept; carriage returns go.
 */
static void
template_add_value(struct buf *b, const char *v, int multiline)
{
	const u_char	*p;
	char		 c;

	for (p = (const u_char *)v; *p != '\0'; p++) {
		if (*p == '\r')
			continue;
		if (*p == '\n' && multiline)
			c = '\n';
		else if (*p < 0x20 || *p == 0x7f)
			c = ' ';
		else
			c = (char)*p;
		buf_add(b, &c, 1);
	}
}

/* Characters (not bytes) in the first n bytes of s. */
static size_t
template_columns(const char *s, size_t n)
{
	size_t	i, cols = 0;

	for (i = 0; i < n; i++) {
		if (((u_char)s[i] & 0xc0) != 0x80)
			cols++;
	}
	return (cols);
}

/*
 * Expands tpl into *out. A line with a placeholder that has no value is
 * left out; flat (subjects) turns every newline into a space.
 */
static int
template_expand(struct template_ctx *ctx, const char *tpl, int flat,
    char **out, char **cause)
{
	const struct template_field	*f;
	struct buf		 b = BUF_INIT;
	const char			*p, *q, *bol;
	char				 quoted[TEMPLATE_QUOTE_MAX], *name;
	size_t				 i, line_start = 0, line = 1, col;
	int				 missing = 0;

	buf_add(&b, "", 0);
	bol = tpl;
	for (p = tpl;;) {
		if (*p == '\0' || *p == '\n') {
			if (missing)
				b.len = line_start;
			else if (*p == '\n')
				buf_add(&b, flat ? " " : "\n", 1);
			b.data[b.len] = '\0';
			if (*p == '\0')
				break;
			p++;
			bol = p;
			line++;
			line_start = b.len;
			missing = 0;
			continue;
		}
		if (*p != '{') {
			/* the run of text up to a brace or the line's end */
			i = strcspn(p, "{\n");
			buf_add(&b, p, i);
			p += i;
			continue;
		}
		if (p[1] == '{') {
			buf_add(&b, "{", 1);
			p += 2;
			continue;
		}

		col = template_columns(bol, p - bol) + 1;
		q = p + 1 + strcspn(p + 1, "{}\n");
		if (*q != '}') {
			buf_free(&b);
			return (cause_set(cause, "unclosed placeholder at line "
			    "%zu, column %zu (write {{ for a brace)", line,
			    col));
		}
		for (i = 0; i < TEMPLATE_NFIELDS; i++) {
			f = &template_fields[i];
			if (strlen(f->name) == (size_t)(q - p - 1) &&
			    strncmp(f->name, p + 1, q - p - 1) == 0)
				break;
		}
		if (i == TEMPLATE_NFIELDS) {
			name = xstrndup(p + 1, q - p - 1);
			cause_quote(name, quoted, sizeof quoted);
			free(name);
			buf_free(&b);
			return (cause_set(cause, "unknown placeholder {%s} at "
			    "line %zu, column %zu", quoted, line, col));
		}
		if (!ctx->done[i]) {
			ctx->values[i] = f->value != NULL ? f->value(ctx) :
			    template_string(*(const char *const *)(const void *)
			    ((const char *)ctx->n + f->off));
			ctx->done[i] = 1;
		}
		if (ctx->values[i] != NULL)
			template_add_value(&b, ctx->values[i],
			    f->multiline && !flat);
		else if (f->required) {
			buf_free(&b);
			return (cause_set(cause, "the notice has no value for "
			    "{%s} (line %zu, column %zu)", f->name, line,
			    col));
		} else
			missing = 1;
		p = q + 1;
	}

	*out = template_tidy(b.data, flat);
	buf_free(&b);
	if (**out == '\0') {
		free(*out);
		*out = NULL;
		return (cause_set(cause, "the text is empty once lines without "
		    "values are left out"));
	}
	return (0);
}

/*
 * Trailing blanks off every line, runs of blank lines squeezed to one, no
 * blank lines first or last. A body (not flat) ends in one newline.
 */
static char *
template_tidy(const char *s, int flat)
{
	struct buf	 b = BUF_INIT;
	const char		*eol;
	size_t			 len;
	int			 blank = 0;

	buf_add(&b, "", 0);
	while (*s != '\0') {
		eol = s + strcspn(s, "\n");
		len = eol - s;
		while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
			len--;
		if (len == 0)
			blank = 1;
		else {
			if (b.len > 0)
				buf_add(&b, blank ? "\n\n" : "\n",
				    blank ? 2 : 1);
			buf_add(&b, s, len);
			blank = 0;
		}
		s = *eol == '\n' ? eol + 1 : eol;
	}
	if (flat) {
		/* Leading blanks too: a subject may not start with one. */
		len = strspn(b.data, " \t");
		memmove(b.data, b.data + len, b.len - len + 1);
	} else if (b.len > 0)
		buf_add(&b, "\n", 1);
	return (b.data);
}

/* The SMS template for one rung of the ladder. */
static char *
template_sms_text(const struct template_lang *tl,
    const struct template_sms *ts, int parts)
{
	struct buf	 b = BUF_INIT;
	const char		*lines[13];
	size_t			 i, n = 0;

	if (parts & SMS_GREETING)
		lines[n++] = tl->greeting;
	if (parts & SMS_CORE)
		lines[n++] = ts->core;
	if (parts & SMS_CORE_SHORT)
		lines[n++] = ts->core_short;
	if ((parts & SMS_EXTRA) && ts->extra != NULL)
		lines[n++] = ts->extra;
	if ((parts & SMS_ADDRESS) && ts->where)
		lines[n++] = tl->address;
	if ((parts & SMS_ACCESS) && ts->where)
		lines[n++] = tl->access;
	if ((parts & SMS_BRING) && ts->where)
		lines[n++] = tl->bring;
	if (parts & SMS_MESSAGE)
		lines[n++] = "{message}";
	if ((parts & SMS_VENUE_PHONE) && ts->where)
		lines[n++] = tl->venue_phone;
	if (parts & SMS_CONTACT)
		lines[n++] = ts->contact;
	if (parts & SMS_CONTACT_SHORT)
		lines[n++] = ts->contact_short;
	if (parts & SMS_SIGN)
		lines[n++] = tl->sign;
	if (parts & SMS_SIGN_SHORT)
		lines[n++] = tl->sign_short;

	buf_add(&b, "", 0);
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_add(&b, "\n", 1);
		buf_add(&b, lines[i], strlen(lines[i]));
	}
	return (b.data);
}

/* Climbs down the ladder; keeps the fullest text with the fewest segments. */
static int
template_sms(struct template_ctx *ctx, const struct template_lang *tl,
    const struct template_sms *ts, char **body, char **cause)
{
	char	*tpl, *text, *best = NULL;
	size_t	 i, len;
	int	 segments, fewest = 0;

	for (i = 0; i < sizeof template_ladder / sizeof template_ladder[0];
	    i++) {
		if ((template_ladder[i] & SMS_EXTRA_FIRST) && !ts->extra_first)
			continue;
		tpl = template_sms_text(tl, ts, template_ladder[i]);
		if (template_expand(ctx, tpl, 0, &text, cause) != 0) {
			free(tpl);
			free(best);
			return (-1);
		}
		free(tpl);

		/* An SMS carries no final newline. */
		len = strlen(text);
		if (len > 0 && text[len - 1] == '\n')
			text[len - 1] = '\0';

		segments = gsm_segments(text, NULL, NULL);
		if (best == NULL || segments < fewest) {
			free(best);
			best = text;
			fewest = segments;
		} else
			free(text);
		if (fewest == 1)
			break;
	}
	*body = best;
	return (0);
}

int
template_render(const struct notice *n, int channel, const char *subject_tpl,
    const char *body_tpl, char **subject, char **body, char **cause)
{
	const struct template_lang	*tl;
	const struct template_text	*tt;
	struct template_ctx		 ctx;
	char				*s = NULL, *text = NULL;
	size_t				 i, len;
	int				 rc = -1;

	*subject = NULL;
	*body = NULL;
	if (n->kind < 0 || n->kind >= KIND_COUNT)
		return (cause_set(cause, "unknown notice kind %d", n->kind));
	if (channel != CHANNEL_EMAIL && channel != CHANNEL_SMS)
		return (cause_set(cause, "unknown channel %d", channel));
	if (!template_time_ok(&n->start_at))
		return (cause_set(cause, "the session's local time is "
		    "missing (an unknown time zone?)"));

	memset(&ctx, 0, sizeof ctx);
	ctx.n = n;
	ctx.en = template_english(n->lang);
	ctx.sms = channel == CHANNEL_SMS;
	ctx.values = xcalloc(TEMPLATE_NFIELDS, sizeof *ctx.values);
	ctx.done = xcalloc(TEMPLATE_NFIELDS, sizeof *ctx.done);
	tl = &template_langs[ctx.en];
	tt = &tl->kinds[n->kind];

	if (channel == CHANNEL_SMS) {
		if (body_tpl == NULL) {
			if (template_sms(&ctx, tl, &tt->sms, &text, cause) != 0)
				goto out;
		} else {
			if (template_expand(&ctx, body_tpl, 0, &text,
			    cause) != 0)
				goto out;
			len = strlen(text);
			if (len > 0 && text[len - 1] == '\n')
				text[len - 1] = '\0';
		}
	} else {
		if (template_expand(&ctx, subject_tpl != NULL ? subject_tpl :
		    tt->subject, 1, &s, cause) != 0)
			goto out;
		if (template_expand(&ctx, body_tpl != NULL ? body_tpl :
		    tt->body, 0, &text, cause) != 0)
			goto out;
	}
	*subject = s;
	*body = text;
	s = text = NULL;
	rc = 0;

out:
	free(s);
	free(text);
	for (i = 0; i < TEMPLATE_NFIELDS; i++)
		free(ctx.values[i]);
	free(ctx.values);
	free(ctx.done);
	return (rc);
}
