/*
 * registrations SESSION --print: the participant list the instructor takes
 * along to the class (to a senior club's rooms, say), as a plain-text page
 * of 80 columns or, with --print=html, a standalone page to print from a
 * browser. Names and phone numbers are on it, as staff need them; it goes
 * to standard output and nowhere else.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "buf.h"
#include "kursusctl.h"
#include "phone.h"

/* Empty lines at the end, for people who come without registering. */
#define PRINT_BLANK	3
/* The plain-text page's width. */
#define PRINT_WIDTH	80

/* A confirmed registration's line, made once for both pages. */
struct print_row {
	char	*nr;		/* kursist nr., or NULL */
	char	*name;		/* or NULL */
	char	*phone;		/* "20 30 40 50"; "" for none */
	int	 companion;
};

/* What the page says about the session, each text or NULL. */
struct print_page {
	struct print_row *rows;	/* the confirmed, by name */
	size_t	 nrows;
	char	*title;		/* course title */
	char	*when;		/* "Tue 2026-12-08 10:00-11:30" */
	char	*place;		/* venue name and address */
	char	*instructors;
	char	*bring;
	char	*access;
	char	*footer;	/* "8 registered ..." */
	long long session;
};

/* "20 30 40 50" for a Danish number, others as given. */
static char *
print_phone(const char *e164)
{
	return (e164 == NULL ? xstrdup("") : phone_words(e164, 0));
}

/* The first whole characters of s that fit in width columns, "..." ending
 * one that was cut. Caller frees. */
static char *
print_fit(const char *s, size_t width)
{
	size_t	 len, cut = 0, next;

	if (table_width(s) <= width)
		return (xstrdup(s));
	len = strlen(s);
	while (cut < len) {
		next = cut + 1;
		while (next < len && ((unsigned char)s[next] & 0xc0) == 0x80)
			next++;
		if (table_width_n(s, next) + 3 > width)
			break;
		cut = next;
	}
	return (xprintf("%.*s...", (int)cut, s));
}

static int
print_cmp_name(const void *a, const void *b)
{
	const char	*x, *y;

	x = cmd_str(*(json_t *const *)a, "participant_name");
	y = cmd_str(*(json_t *const *)b, "participant_name");
	return (strcasecmp(x != NULL ? x : "", y != NULL ? y : ""));
}

/* The page's rows: the session's registrations, sorted by name, a list
 * to find people in. */
static void
print_rows(struct print_page *pg, json_t *regs)
{
	json_t			**sorted;
	struct print_row	 *row;
	size_t			  i, n = json_array_size(regs);

	sorted = xcalloc(n + 1, sizeof *sorted);
	for (i = 0; i < n; i++)
		sorted[i] = json_array_get(regs, i);
	qsort(sorted, n, sizeof *sorted, print_cmp_name);
	pg->rows = xcalloc(n + 1, sizeof *pg->rows);
	pg->nrows = n;
	for (i = 0; i < n; i++) {
		row = &pg->rows[i];
		row->nr = cmd_format(sorted[i], "number", V_INT);
		if (cmd_str(sorted[i], "participant_name") != NULL)
			row->name = xstrdup(cmd_str(sorted[i],
			    "participant_name"));
		row->phone = print_phone(cmd_str(sorted[i], "phone"));
		row->companion = json_is_true(json_object_get(sorted[i],
		    "companion"));
	}
	free(sorted);
}

/* "Name, Name" of a session's instructors and helpers; NULL: none. */
static char *
print_instructors(json_t *s)
{
	json_t	*p;
	char	*out = NULL;
	size_t	 i;

	json_array_foreach(json_object_get(s, "instructors"), i, p)
		cmd_join(&out, ", ", cmd_str(p, "name"));
	return (out);
}

/* Gathers the page from the session, its venue and course, and who is
 * confirmed: 0, or the exit code after saying why. */
static int
print_gather(struct cmd_ctx *ctx, struct print_page *pg)
{
	json_t		*s = NULL, *v = NULL, *c = NULL, *r = NULL;
	json_t		*q;
	const char	*end;
	char		*start, *addr, *waiting;
	long long	 companions = 0, seats;
	size_t		 i;
	int		 ret;

	if ((ret = cmd_request(ctx, "GET", "sessions", ctx->argv[0], NULL,
	    NULL, &s)) != 0)
		return (ret);
	if ((ret = cmd_request(ctx, "GET", "venues", cmd_str(s, "venue"),
	    NULL, NULL, &v)) != 0 ||
	    (ret = cmd_request(ctx, "GET", "courses", cmd_str(s, "course"),
	    NULL, NULL, &c)) != 0)
		goto out;
	q = json_pack("{s:s}", "status", "confirmed");
	ret = cmd_request(ctx, "GET", "sessions", ctx->argv[0],
	    "/registrations", q, &r);
	json_decref(q);
	if (ret != 0)
		goto out;

	pg->session = cmd_int(s, "id");
	print_rows(pg, json_object_get(r, "registrations"));
	pg->title = xstrdup(cmd_str(s, "course_title") != NULL ?
	    cmd_str(s, "course_title") : "?");
	start = cmd_format(s, "start", V_LOCAL);
	end = cmd_str(s, "end");
	pg->when = xprintf("%s%s%.5s", start != NULL ? start : "?",
	    end != NULL && strlen(end) >= 16 ? "-" : "",
	    end != NULL && strlen(end) >= 16 ? end + 11 : "");
	free(start);
	addr = cmd_format(v, NULL, V_ADDRESS);
	cmd_join(&pg->place, "", cmd_str(v, "name"));
	cmd_join(&pg->place, ", ", addr);
	free(addr);
	pg->instructors = print_instructors(s);
	cmd_join(&pg->bring, "", cmd_str(c, "bring"));
	cmd_join(&pg->access, "", cmd_str(v, "access_notes"));
	for (i = 0; i < pg->nrows; i++)
		companions += pg->rows[i].companion;
	seats = (long long)pg->nrows + companions;
	pg->footer = xprintf(_("%zu registered, %lld with a companion: "
	    "%lld of %lld seats."), pg->nrows, companions,
	    seats, cmd_int(s, "capacity"));
	if (cmd_int(s, "waitlisted") > 0) {
		waiting = xprintf(_("%lld on the waitlist (not listed)."),
		    cmd_int(s, "waitlisted"));
		cmd_join(&pg->footer, " ", waiting);
		free(waiting);
	}
out:
	json_decref(s);
	json_decref(v);
	json_decref(c);
	json_decref(r);
	return (ret);
}

static void
print_page_free(struct print_page *pg)
{
	size_t	i;

	for (i = 0; i < pg->nrows; i++) {
		free(pg->rows[i].nr);
		free(pg->rows[i].name);
		free(pg->rows[i].phone);
	}
	free(pg->rows);
	free(pg->title);
	free(pg->when);
	free(pg->place);
	free(pg->instructors);
	free(pg->bring);
	free(pg->access);
	free(pg->footer);
}

/* A labelled line of the text page's head, wrapped under its text. */
static void
print_text_line(const char *label, const char *text)
{
	size_t	col;

	if (text == NULL)
		return;
	printf("%s", label);
	col = table_width(label);
	table_wrap(stdout, col, col, text);
}

static void
print_text(struct print_page *pg)
{
	struct table		*t;
	const struct print_row	*row;
	size_t			 i, nrw = 2, phw = 5, namew, w;
	char			*name;

	printf(_("PARTICIPANT LIST - session %lld\n"), pg->session);
	print_text_line("", pg->title);
	print_text_line("", pg->when);
	print_text_line("", pg->place);
	print_text_line(_("Instructors: "), pg->instructors);
	print_text_line(_("Bring: "), pg->bring);
	print_text_line(_("Access: "), pg->access);
	for (i = 0; i < PRINT_WIDTH; i++)
		putchar('=');
	printf("\n\n");

	/* The name gets what the other columns leave of 80. */
	for (i = 0; i < pg->nrows; i++) {
		row = &pg->rows[i];
		if (row->nr != NULL && strlen(row->nr) > nrw)
			nrw = strlen(row->nr);
		if ((w = table_width(row->phone)) > phw)
			phw = w;
	}
	namew = PRINT_WIDTH - (3 + 2 + nrw + 2 + 2 + phw + 2 +
	    table_width(_("COMPANION")));
	t = table_new("|>NR|NAME|PHONE|COMPANION");
	for (i = 0; i < pg->nrows; i++) {
		row = &pg->rows[i];
		table_row(t);
		table_cell(t, "[ ]");
		if (row->nr != NULL && *row->nr != '\0')
			table_cell(t, "%s", row->nr);
		else
			table_none(t);
		name = print_fit(row->name != NULL ? row->name : "?", namew);
		table_cell(t, "%s", name);
		free(name);
		table_cell(t, "%s", row->phone);
		table_cell(t, "%s", row->companion ? "+1" : "");
	}
	for (i = 0; i < PRINT_BLANK; i++) {
		table_row(t);
		table_cell(t, "[ ]");
		table_cell(t, "%s", "");
		table_cell(t, "%.*s", (int)(namew < 30 ? namew : 30),
		    "______________________________");
		table_cell(t, "%.*s", (int)phw, "________________");
	}
	table_print(t, stdout);
	table_free(t);
	printf("\n");
	table_wrap(stdout, 0, 0, pg->footer);
}

/* Text for HTML: escaped as buf_add_html() does, and control characters
 * (which no name needs) made spaces. */
static void
print_html_text(const char *s)
{
	struct buf	 b = BUF_INIT;
	size_t		 i;

	if (s == NULL || *s == '\0')
		return;
	buf_add_html(&b, s, strlen(s));
	for (i = 0; i < b.len; i++)
		if ((unsigned char)b.data[i] < 0x20 || b.data[i] == 0x7f)
			b.data[i] = ' ';
	fwrite(b.data, 1, b.len, stdout);
	buf_free(&b);
}

/* <p class="cls">label text</p>, nothing when there is no text. */
static void
print_html_p(const char *cls, const char *label, const char *text)
{
	if (text == NULL)
		return;
	printf("<p class=\"%s\">", cls);
	if (*label != '\0') {
		printf("<strong>");
		print_html_text(label);
		printf("</strong> ");
	}
	print_html_text(text);
	printf("</p>\n");
}

static void
print_html(struct print_page *pg)
{
	const struct print_row	*row;
	size_t			 i;
	char			*title;

	/* The page's language is the CLI's: its headings are in it. */
	printf("<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n<title>", cmd_danish() ? "da" : "en");
	title = xprintf(_("Participant list: %s, %s"), pg->title,
	    pg->when != NULL ? pg->when : "?");
	print_html_text(title);
	free(title);
	printf("</title>\n<style>\n"
	    "@page { size: A4; margin: 1.5cm; }\n"
	    "body { font-family: sans-serif; font-size: 12pt; "
	    "color: #000; background: #fff; margin: 1.5cm; }\n"
	    "@media print { body { margin: 0; } }\n"
	    "h1 { font-size: 16pt; margin: 0 0 .4em; }\n"
	    "p { margin: .2em 0; }\n"
	    "table { border-collapse: collapse; width: 100%%; "
	    "margin-top: 1em; }\n"
	    "th, td { border: 1px solid #000; padding: .4em .5em; "
	    "text-align: left; vertical-align: top; }\n"
	    "thead { display: table-header-group; }\n"
	    "tr { page-break-inside: avoid; }\n"
	    ".tick { width: 2.5em; text-align: center; }\n"
	    ".nr { text-align: right; white-space: nowrap; }\n"
	    ".phone { white-space: nowrap; }\n"
	    "tr.blank td { height: 1.6em; }\n"
	    "</style>\n</head>\n<body>\n<h1>");
	print_html_text(pg->title);
	printf("</h1>\n");
	print_html_p("when", "", pg->when);
	print_html_p("where", "", pg->place);
	print_html_p("instructors", _("Instructors:"), pg->instructors);
	print_html_p("bring", _("Bring:"), pg->bring);
	print_html_p("access", _("Access:"), pg->access);
	printf("<table>\n<thead><tr><th class=\"tick\">");
	print_html_text(_("Present"));
	printf("</th><th class=\"nr\">");
	print_html_text(_("Nr."));
	printf("</th><th>");
	print_html_text(_("Name"));
	printf("</th><th>");
	print_html_text(_("Phone"));
	printf("</th><th>");
	print_html_text(_("Companion"));
	printf("</th></tr></thead>\n<tbody>\n");
	for (i = 0; i < pg->nrows; i++) {
		row = &pg->rows[i];
		printf("<tr><td class=\"tick\">&#9744;</td><td class=\"nr\">");
		print_html_text(row->nr);
		printf("</td><td class=\"name\">");
		print_html_text(row->name);
		printf("</td><td class=\"phone\">");
		print_html_text(row->phone);
		printf("</td><td class=\"companion\">%s</td></tr>\n",
		    row->companion ? "+1" : "");
	}
	for (i = 0; i < PRINT_BLANK; i++)
		printf("<tr class=\"blank\"><td class=\"tick\">&#9744;</td>"
		    "<td></td><td></td><td></td><td></td></tr>\n");
	printf("</tbody>\n</table>\n");
	print_html_p("footer", "", pg->footer);
	printf("</body>\n</html>\n");
}

int
cmd_print_roster(struct cmd_ctx *ctx, const char *how)
{
	struct print_page	 pg;
	int			 ret;

	if (*how != '\0' && strcmp(how, "text") != 0 &&
	    strcmp(how, "html") != 0)
		return (kursusctl_usage_error(ctx->entry, _("--print=%s: give "
		    "--print (plain text) or --print=html"), how));
	memset(&pg, 0, sizeof pg);
	if ((ret = print_gather(ctx, &pg)) == 0) {
		if (strcmp(how, "html") == 0)
			print_html(&pg);
		else
			print_text(&pg);
	}
	print_page_free(&pg);
	return (ret);
}
