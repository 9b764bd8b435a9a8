/*
 * The words kursusd sends: built-in texts for every notice kind, in Danish
 * (the default) and English, and the small template language staff use to
 * write their own.
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

/* The parts an SMS is built from, for one kind in one language. */
struct template_sms {
	const char	*core;		/* what and when, one line */
	const char	*core_short;	/* the same, shorter */
	const char	*extra;		/* one more line, or NULL */
	int		 where;		/* address, access and bring apply */
	const char	*phone;		/* the line with the contact phone */
	const char	*phone_short;
};

/* Built-in texts for one kind in one language. */
struct template_text {
	const char		*subject;
	const char		*body;
	struct template_sms	 sms;
};

/* What every SMS of a language shares. */
struct template_lang {
	const char			*greeting;
	const char			*address;
	const char			*access;
	const char			*bring;
	const struct template_text	*kinds;	/* KIND_COUNT of them */
};

/* The e-mail block saying when and where, shared by several kinds. */
#define DA_WHEN_WHERE \
	"Hvornår: {date}\n" \
	"Vi slutter kl. {end}.\n" \
	"Hvor: {venue}\n" \
	"Adresse: {address}\n" \
	"Adgang: {access}\n" \
	"Medbring: {bring}\n" \
	"Underviser: {instructor}\n"
#define DA_SIGNATURE \
	"Venlig hilsen\n" \
	"Biblioteket\n"
#define DA_CALENDAR \
	"Din personlige kalender med dine kurser: {link}\n"

#define EN_WHEN_WHERE \
	"When: {date}\n" \
	"Ends at {end}.\n" \
	"Where: {venue}\n" \
	"Address: {address}\n" \
	"Access: {access}\n" \
	"Please bring: {bring}\n" \
	"Instructor: {instructor}\n"
#define EN_SIGNATURE \
	"Kind regards\n" \
	"The library\n"
#define EN_CALENDAR \
	"Your personal calendar with your courses: {link}\n"

static const struct template_text template_da[KIND_COUNT] = {
	[KIND_CONFIRMATION] = {
		"Du er tilmeldt {course} {date}",
		"Kære {name}\n\n"
		"Tak for din tilmelding. Du har fået en plads på {course}.\n"
		"Du er kursist nr. {number}.\n\n"
		DA_WHEN_WHERE "\n"
		"{message}\n\n"
		"Bliver du forhindret, så ring på {phone},"
		" så en anden kan få pladsen.\n"
		DA_CALENDAR "\n"
		DA_SIGNATURE,
		{ "Du er tilmeldt {course} {date} i {venue}",
		  "Tilmeldt: {course} {date}", NULL, 1,
		  "Afbud: ring {phone}", "Afbud: {phone}" }
	},
	[KIND_WAITLISTED] = {
		"Du er på venteliste til {course} {date}",
		"Kære {name}\n\n"
		"Tak for din tilmelding til {course}.\n"
		"Holdet er desværre fuldt, så du står på ventelisten.\n"
		"Du er nr. {position} på ventelisten.\n\n"
		"Hvornår: {date}\n"
		"Hvor: {venue}\n"
		"Adresse: {address}\n\n"
		"{message}\n\n"
		"Får du en plads, sender vi dig besked med det samme.\n"
		"Du skal ikke gøre noget nu.\n"
		"Har du spørgsmål, så ring på {phone}.\n\n"
		DA_SIGNATURE,
		{ "Du står på venteliste til {course} {date} i {venue}."
		  " Vi skriver, hvis du får en plads.",
		  "Venteliste: {course} {date}",
		  "Du er nr. {position} på listen.", 0,
		  "Spørgsmål: ring {phone}", "Tlf. {phone}" }
	},
	[KIND_PROMOTED] = {
		"Du har fået en plads på {course} {date}",
		"Kære {name}\n\n"
		"Godt nyt! Der er blevet en plads ledig, og den er din.\n"
		"Du er nu tilmeldt {course}.\n"
		"Du er kursist nr. {number}.\n\n"
		DA_WHEN_WHERE "\n"
		"{message}\n\n"
		"Bliver du forhindret, så ring på {phone},"
		" så en anden kan få pladsen.\n"
		DA_CALENDAR "\n"
		DA_SIGNATURE,
		{ "Godt nyt! Du har fået plads på {course} {date} i {venue}",
		  "Du har fået plads: {course} {date}", NULL, 1,
		  "Afbud: ring {phone}", "Afbud: {phone}" }
	},
	[KIND_DEMOTED] = {
		"Du er flyttet til ventelisten: {course} {date}",
		"Kære {name}\n\n"
		"Vi må desværre skrive, at du ikke længere har en plads på"
		" {course} {date}.\n"
		"Du står i stedet på ventelisten.\n"
		"Du er nr. {position} på ventelisten.\n\n"
		"{message}\n\n"
		"Får du en plads igen, sender vi dig besked med det samme.\n"
		"Vi beklager meget. Har du spørgsmål, så ring på {phone}.\n\n"
		DA_SIGNATURE,
		{ "Beklager: Du har ikke længere plads på {course} {date}."
		  " Du står nu på ventelisten, og vi skriver, hvis du får"
		  " plads igen.",
		  "Beklager: Du er flyttet til venteliste: {course} {date}",
		  "Du er nr. {position} på listen.", 0,
		  "Spørgsmål: ring {phone}", "Tlf. {phone}" }
	},
	[KIND_REMINDER] = {
		"Påmindelse: {course} {date}",
		"Kære {name}\n\n"
		"Vi glæder os til at se dig til {course}.\n\n"
		DA_WHEN_WHERE "\n"
		"{message}\n\n"
		"Bliver du forhindret, så ring på {phone},"
		" så en anden kan få pladsen.\n"
		DA_CALENDAR "\n"
		DA_SIGNATURE,
		{ "Husk {course} {date} i {venue}",
		  "Husk {course} {date}", NULL, 1,
		  "Afbud: ring {phone}", "Afbud: {phone}" }
	},
	[KIND_MOVED] = {
		"Ændring: {course} {date}",
		"Kære {name}\n\n"
		"Der er sket en ændring for {course}.\n"
		"Her kan du se, hvornår og hvor kurset nu foregår.\n\n"
		"Hvornår: {date}\n"
		"Tidligere tid: {old_date}\n"
		"Vi slutter kl. {end}.\n"
		"Hvor: {venue}\n"
		"Adresse: {address}\n"
		"Tidligere sted: {old_venue}\n"
		"Adgang: {access}\n"
		"Medbring: {bring}\n\n"
		"{message}\n\n"
		"Du har stadig din plads.\n"
		"Kan du ikke komme nu, så ring på {phone},"
		" så en anden kan få pladsen.\n"
		DA_CALENDAR "\n"
		DA_SIGNATURE,
		{ "Ændring: {course} er nu {date} i {venue}",
		  "Ændring: {course} er nu {date}",
		  "Tidligere: {old_date}", 1,
		  "Afbud: ring {phone}", "Afbud: {phone}" }
	},
	[KIND_CANCELLED] = {
		"Aflyst: {course} {date}",
		"Kære {name}\n\n"
		"Vi må desværre aflyse {course} {date} i {venue}.\n"
		"Årsag: {reason}\n\n"
		"{message}\n\n"
		"Vi beklager. Du skal ikke gøre noget.\n"
		"Har du spørgsmål, så ring på {phone}.\n\n"
		DA_SIGNATURE,
		{ "Aflyst: {course} {date} i {venue}. Vi beklager.",
		  "Aflyst: {course} {date}",
		  "Årsag: {reason}", 0,
		  "Spørgsmål: ring {phone}", "Tlf. {phone}" }
	},
	[KIND_STAFF] = {
		"Besked om {course} {date}",
		"Kære {name}\n\n"
		"{message}\n\n"
		"Det drejer sig om {course} {date} i {venue}.\n"
		"Har du spørgsmål, så ring på {phone}.\n\n"
		DA_SIGNATURE,
		{ "Besked om {course} {date}:",
		  "{course} {date}:", NULL, 0,
		  "Spørgsmål: ring {phone}", "Tlf. {phone}" }
	},
	[KIND_WITHDRAWN] = {
		"Afmeldt: {course} {date}",
		"Kære {name}\n\n"
		"Du er nu afmeldt {course} {date} i {venue}.\n"
		"Pladsen går videre til en anden.\n\n"
		"{message}\n\n"
		"Var det en fejl, så ring på {phone}.\n\n"
		DA_SIGNATURE,
		{ "Du er afmeldt {course} {date} i {venue}.",
		  "Afmeldt: {course} {date}", NULL, 0,
		  "Fejl? Ring {phone}", "Tlf. {phone}" }
	},
};

static const struct template_text template_en[KIND_COUNT] = {
	[KIND_CONFIRMATION] = {
		"You are registered: {course}, {date}",
		"Dear {name}\n\n"
		"Thank you for signing up. You have a place on {course}.\n"
		"Your participant number is {number}.\n\n"
		EN_WHEN_WHERE "\n"
		"{message}\n\n"
		"If you cannot come after all, please call {phone}"
		" so someone else can have your place.\n"
		EN_CALENDAR "\n"
		EN_SIGNATURE,
		{ "You are registered for {course}, {date}, {venue}",
		  "Registered: {course}, {date}", NULL, 1,
		  "Can't come? Call {phone}", "Tel. {phone}" }
	},
	[KIND_WAITLISTED] = {
		"Waiting list: {course}, {date}",
		"Dear {name}\n\n"
		"Thank you for signing up for {course}.\n"
		"The course is full, so you are on the waiting list.\n"
		"You are number {position} on the waiting list.\n\n"
		"When: {date}\n"
		"Where: {venue}\n"
		"Address: {address}\n\n"
		"{message}\n\n"
		"If a place becomes free, we will tell you straight away.\n"
		"You do not need to do anything now.\n"
		"If you have questions, please call {phone}.\n\n"
		EN_SIGNATURE,
		{ "You are on the waiting list for {course}, {date}, {venue}."
		  " We will tell you if a place opens up.",
		  "Waiting list: {course}, {date}",
		  "You are number {position} on the list.", 0,
		  "Questions? Call {phone}", "Tel. {phone}" }
	},
	[KIND_PROMOTED] = {
		"Good news: you have a place on {course}, {date}",
		"Dear {name}\n\n"
		"Good news! A place has become free, and it is yours.\n"
		"You are now registered for {course}.\n"
		"Your participant number is {number}.\n\n"
		EN_WHEN_WHERE "\n"
		"{message}\n\n"
		"If you cannot come after all, please call {phone}"
		" so someone else can have your place.\n"
		EN_CALENDAR "\n"
		EN_SIGNATURE,
		{ "Good news! You now have a place on {course}, {date},"
		  " {venue}",
		  "You have a place: {course}, {date}", NULL, 1,
		  "Can't come? Call {phone}", "Tel. {phone}" }
	},
	[KIND_DEMOTED] = {
		"Moved to the waiting list: {course}, {date}",
		"Dear {name}\n\n"
		"We are sorry to tell you that you no longer have a place on"
		" {course}, {date}.\n"
		"You are on the waiting list instead.\n"
		"You are number {position} on the waiting list.\n\n"
		"{message}\n\n"
		"If a place becomes free again, we will tell you straight"
		" away.\n"
		"We apologise. If you have questions, please call {phone}.\n\n"
		EN_SIGNATURE,
		{ "We are sorry: you no longer have a place on {course},"
		  " {date}. You are on the waiting list and we will tell you"
		  " if a place opens up.",
		  "Sorry, moved to the waiting list: {course}, {date}",
		  "You are number {position} on the list.", 0,
		  "Questions? Call {phone}", "Tel. {phone}" }
	},
	[KIND_REMINDER] = {
		"Reminder: {course}, {date}",
		"Dear {name}\n\n"
		"We look forward to seeing you at {course}.\n\n"
		EN_WHEN_WHERE "\n"
		"{message}\n\n"
		"If you cannot come after all, please call {phone}"
		" so someone else can have your place.\n"
		EN_CALENDAR "\n"
		EN_SIGNATURE,
		{ "Reminder: {course}, {date}, {venue}",
		  "Reminder: {course}, {date}", NULL, 1,
		  "Can't come? Call {phone}", "Tel. {phone}" }
	},
	[KIND_MOVED] = {
		"Change: {course}, {date}",
		"Dear {name}\n\n"
		"There has been a change to {course}.\n"
		"Here is when and where it now takes place.\n\n"
		"When: {date}\n"
		"Previously: {old_date}\n"
		"Ends at {end}.\n"
		"Where: {venue}\n"
		"Address: {address}\n"
		"Previously at: {old_venue}\n"
		"Access: {access}\n"
		"Please bring: {bring}\n\n"
		"{message}\n\n"
		"You still have your place.\n"
		"If you cannot come now, please call {phone}"
		" so someone else can have your place.\n"
		EN_CALENDAR "\n"
		EN_SIGNATURE,
		{ "Change: {course} is now {date}, {venue}",
		  "Change: {course} is now {date}",
		  "Previously: {old_date}", 1,
		  "Can't come? Call {phone}", "Tel. {phone}" }
	},
	[KIND_CANCELLED] = {
		"Cancelled: {course}, {date}",
		"Dear {name}\n\n"
		"We are sorry to cancel {course}, {date}, at {venue}.\n"
		"Reason: {reason}\n\n"
		"{message}\n\n"
		"We apologise. You do not need to do anything.\n"
		"If you have questions, please call {phone}.\n\n"
		EN_SIGNATURE,
		{ "Cancelled: {course}, {date}, {venue}. We are sorry.",
		  "Cancelled: {course}, {date}",
		  "Reason: {reason}", 0,
		  "Questions? Call {phone}", "Tel. {phone}" }
	},
	[KIND_STAFF] = {
		"Message about {course}, {date}",
		"Dear {name}\n\n"
		"{message}\n\n"
		"This is about {course}, {date}, at {venue}.\n"
		"If you have questions, please call {phone}.\n\n"
		EN_SIGNATURE,
		{ "About {course}, {date}:",
		  "{course}, {date}:", NULL, 0,
		  "Questions? Call {phone}", "Tel. {phone}" }
	},
	[KIND_WITHDRAWN] = {
		"Registration cancelled: {course}, {date}",
		"Dear {name}\n\n"
		"Your place on {course}, {date}, at {venue} is cancelled.\n"
		"It goes to someone else.\n\n"
		"{message}\n\n"
		"If this is a mistake, please call {phone}.\n\n"
		EN_SIGNATURE,
		{ "Your place on {course}, {date}, {venue} is cancelled.",
		  "Cancelled: {course}, {date}", NULL, 0,
		  "Mistake? Call {phone}", "Tel. {phone}" }
	},
};

static const struct template_lang template_langs[] = {
	{ "Hej {first_name}", "{address}", "Adgang: {access}",
	  "Medbring: {bring}", template_da },
	{ "Hi {first_name}", "{address}", "Access: {access}",
	  "Bring: {bring}", template_en },
};

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
