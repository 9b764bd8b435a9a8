/*
 * The words kursusd sends: built-in texts for every notice kind, in Danish
 * (the default) and English (template-text.c holds them), and the small
 * template language staff use to write their own.
 *
 * A template is plain text with placeholders in braces. "{{" is a literal
 * "{"; a "}" outside a placeholder is literal as it stands. A line holding
 * a placeholder without a value (no access notes, no phone number) is left
 * out whole, so optional details sit on lines of their own; the few values
 * every notice has (course, date, time, venue) are required, and a notice
 * without one is refused. Runs of blank lines left behind are squeezed to
 * one.
 *
 * The readers are mostly seniors: the texts say who, what, when, where,
 * what to bring and whom to call, in short sentences. SMS texts are built
 * from parts on a ladder, fullest first; the first rung that needs the
 * fewest segments wins, which keeps reminders and confirmations to one
 * GSM 03.38 segment with ordinary names and addresses.
 *
 * Dates are the wall-clock times the caller gives (the notifier knows no
 * time zones), with the names spelled out here: no setlocale(), no
 * strftime().
 */

#include "config.h"

#include <sys/types.h>

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "cause.h"
#include "notifier.h"
#include "template-private.h"
#include "xmalloc.h"

/* Placeholder names quoted in a cause are cut to this many bytes. */
#define TEMPLATE_QUOTE_MAX	40


static const char *template_weekday_da[7] = { "søndag", "mandag", "tirsdag",
    "onsdag", "torsdag", "fredag", "lørdag" };
static const char *template_weekday_en[7] = { "Sunday", "Monday", "Tuesday",
    "Wednesday", "Thursday", "Friday", "Saturday" };
static const char *template_month_da[12] = { "januar", "februar", "marts",
    "april", "maj", "juni", "juli", "august", "september", "oktober",
    "november", "december" };
static const char *template_month_en[12] = { "January", "February", "March",
    "April", "May", "June", "July", "August", "September", "October",
    "November", "December" };

/* The rungs of the SMS ladder: which parts, fullest first. */
#define SMS_GREETING	0x001
#define SMS_CORE	0x002
#define SMS_CORE_SHORT	0x004
#define SMS_EXTRA	0x008
#define SMS_ADDRESS	0x010
#define SMS_ACCESS	0x020
#define SMS_BRING	0x040
#define SMS_MESSAGE	0x080
#define SMS_PHONE	0x100
#define SMS_PHONE_SHORT	0x200
static const int template_ladder[] = {
	SMS_GREETING|SMS_CORE|SMS_EXTRA|SMS_ADDRESS|SMS_ACCESS|SMS_BRING|
	    SMS_MESSAGE|SMS_PHONE,
	SMS_GREETING|SMS_CORE|SMS_EXTRA|SMS_ADDRESS|SMS_BRING|SMS_MESSAGE|
	    SMS_PHONE,
	SMS_GREETING|SMS_CORE|SMS_EXTRA|SMS_ADDRESS|SMS_MESSAGE|SMS_PHONE,
	SMS_GREETING|SMS_CORE|SMS_EXTRA|SMS_ADDRESS|SMS_MESSAGE|
	    SMS_PHONE_SHORT,
	SMS_CORE|SMS_EXTRA|SMS_ADDRESS|SMS_MESSAGE|SMS_PHONE_SHORT,
	SMS_CORE|SMS_ADDRESS|SMS_MESSAGE|SMS_PHONE_SHORT,
	SMS_CORE|SMS_MESSAGE|SMS_PHONE_SHORT,
	SMS_CORE_SHORT|SMS_MESSAGE|SMS_PHONE_SHORT,
	SMS_CORE_SHORT|SMS_MESSAGE,
};

/* One rendering: the notice, its language, and values worked out so far. */
struct template_ctx {
	const struct notice	*n;
	int			 en;
	char			**values;
	int			*done;
};

/* A placeholder: its name, whether a notice must have it, its value. */
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

static int	 template_english(const char *);
static char	*template_string(const char *);
static char	*template_clock(struct template_ctx *,
		     const struct notice_time *);
static char	*template_v_first_name(struct template_ctx *);
static char	*template_v_date(struct template_ctx *);
static char	*template_v_time(struct template_ctx *);
static char	*template_v_end(struct template_ctx *);
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
	TF_FN("date", 1, template_v_date),
	TF_FN("time", 1, template_v_time),
	TF_FN("end", 0, template_v_end),
	TF_TEXT("venue", 1, 0, venue),
	TF_TEXT("address", 0, 0, address),
	TF_TEXT("access", 0, 0, access),
	TF_TEXT("bring", 0, 0, bring),
	TF_TEXT("instructor", 0, 0, instructor),
	TF_TEXT("phone", 0, 0, contact_phone),
	TF_TEXT("link", 0, 0, feed_url),
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

char *
template_date(const struct notice_time *l, const char *lang)
{
	if (!template_time_ok(l))
		return (NULL);
	if (template_english(lang)) {
		return (xprintf("%s %d %s at %02d:%02d",
		    template_weekday_en[l->wday], l->day,
		    template_month_en[l->month - 1], l->hour, l->minute));
	}
	return (xprintf("%s den %d. %s kl. %02d.%02d",
	    template_weekday_da[l->wday], l->day,
	    template_month_da[l->month - 1], l->hour, l->minute));
}

/* A copy of s, or NULL when there is nothing in it. */
static char *
template_string(const char *s)
{
	if (s == NULL || *s == '\0')
		return (NULL);
	return (xstrdup(s));
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

static char *
template_v_date(struct template_ctx *ctx)
{
	return (template_date(&ctx->n->start_at, ctx->en ? "en" : "da"));
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
	return (template_date(&ctx->n->old_at, ctx->en ? "en" : "da"));
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
 * "(venteliste, nr. 2)" after one waited for; short: "tir 8/12 kl.
 * 10.00". NULL when the notice has none.
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

	buf_add(&b, "", 0);
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
			date = template_date(&d->at, ctx->en ? "en" : "da");
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
			buf_add(&b, p, 1);
			p++;
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
	const char		*lines[10];
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
	if (parts & SMS_PHONE)
		lines[n++] = ts->phone;
	if (parts & SMS_PHONE_SHORT)
		lines[n++] = ts->phone_short;

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
