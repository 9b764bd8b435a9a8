#include "config.h"

#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "kursusctl.h"

struct table {
	size_t		  ncols;
	char		**head;		/* NULL for a key-value block */
	int		 *right;	/* right-aligned columns */
	int		  kv;
	char		**cells;	/* nrows * ncols, row by row */
	size_t		  nrows;
	size_t		  ncells;	/* cells filled in the last row */
	/* Once printed and continued (table_continue()): the widths so far,
	 * and no header again. */
	size_t		 *widths;
	int		  cont;
};

/* Set when LC_CTYPE speaks UTF-8; otherwise widths count code points. */
static int	table_utf8;

/* How table_print() writes (enum table_format), and whether the CSV's
 * byte-order mark has gone out: one file, one mark. */
static int	table_fmt = TABLE_TEXT;
static int	table_bom_done;

/*
 * The headings the tables use, for xgettext: table_new() takes them in a
 * spec string ("ID|>SEATS"), where it cannot find them.
 */
static const char *const table_headings[] __attribute__((unused)) = {
	N_("ADDRESS"), N_("ATTENDANCE"), N_("ATTENDED"), N_("BODY"),
	N_("CALLED"), N_("CANCELLED"), N_("CHANGE"), N_("CHANNEL"),
	N_("COMPANION"), N_("COURSE"), N_("DUE"), N_("DURATION"),
	N_("EMAIL"), N_("FROM"), N_("HANDLED"), N_("HOLIDAY"), N_("ID"),
	N_("KEY"), N_("KIND"), N_("LANG"), N_("MIN"), N_("MONTH"),
	N_("NAME"), N_("NOTE"), N_("NR"), N_("NO-SHOW"), N_("PARTICIPANT"),
	N_("PHONE"), N_("POS"), N_("RATE"), N_("REACH"), N_("REASON"),
	N_("RECEIVED"), N_("RECIPIENT"), N_("REGISTRATIONS"), N_("ROLE"),
	N_("ROOM"), N_("SEATS"), N_("SENDER"), N_("SESSION"),
	N_("SESSIONS"), N_("SLUG"), N_("START"), N_("STATE"), N_("STATUS"),
	N_("SUBJECT"), N_("TAKEN"), N_("TEXT"), N_("TITLE"), N_("TO"),
	N_("UPDATED"), N_("VENUE"), N_("WAIT"), N_("WHY")
};

/*
 * A heading or a key-value label in the CLI's language: a table on the
 * screen is for people; CSV, like --json, is for programs and spreadsheets
 * and keeps the same English headings in every language.
 */
static const char *
table_label(const char *s)
{
	if (table_fmt != TABLE_TEXT || *s == '\0')
		return (s);
	return (_(s));
}

void
table_set_format(int fmt)
{
	table_fmt = fmt;
}

int
table_csv(void)
{
	return (table_fmt != TABLE_TEXT);
}

void
table_init(void)
{
	/*
	 * The daemon always sends UTF-8, whatever the user's locale says, so
	 * ask for a UTF-8 LC_CTYPE outright; only LC_CTYPE, so numbers keep
	 * their '.' and nothing else changes.
	 */
	if (setlocale(LC_CTYPE, "C.UTF-8") != NULL ||
	    setlocale(LC_CTYPE, "C.utf8") != NULL)
		table_utf8 = 1;
}

size_t
table_width(const char *s)
{
	return (table_width_n(s, strlen(s)));
}

size_t
table_width_n(const char *s, size_t len)
{
	mbstate_t	 ps;
	wchar_t		 wc;
	size_t		 n, width = 0;
	int		 w;

	if (!table_utf8) {
		/* Count code points: every byte that does not continue one. */
		for (; len > 0; s++, len--)
			if (((unsigned char)*s & 0xc0) != 0x80)
				width++;
		return (width);
	}
	memset(&ps, 0, sizeof ps);
	while (len > 0) {
		n = mbrtowc(&wc, s, len, &ps);
		if (n == (size_t)-1 || n == (size_t)-2) {
			/* A broken byte still takes a column on screen. */
			memset(&ps, 0, sizeof ps);
			width++;
			s++;
			len--;
			continue;
		}
		if (n == 0)
			break;
		w = wcwidth(wc);
		if (w > 0)
			width += w;
		s += n;
		len -= n;
	}
	return (width);
}

/* Prints text from column col, wrapped before 80 columns at indent. */
void
table_wrap(FILE *f, size_t col, size_t indent, const char *text)
{
	const char	*p = text, *sp;
	size_t		 len, w;

	while (*p != '\0') {
		sp = strchr(p, ' ');
		len = sp != NULL ? (size_t)(sp - p) : strlen(p);
		w = table_width_n(p, len);
		if (col > indent && col + 1 + w > 79) {
			fputc('\n', f);
			for (col = 0; col < indent; col++)
				fputc(' ', f);
		} else if (col > indent)
			col += fprintf(f, " ");
		fwrite(p, 1, len, f);
		col += w;
		p += len;
		while (*p == ' ')
			p++;
	}
	fputc('\n', f);
}

static struct table *
table_alloc(size_t ncols)
{
	struct table	*t;

	t = xcalloc(1, sizeof *t);
	t->ncols = ncols;
	t->right = xcalloc(ncols, sizeof *t->right);
	t->ncells = ncols;	/* so the first table_row() starts row 0 */
	return (t);
}

struct table *
table_new(const char *columns)
{
	struct table	*t;
	char		*copy, *p, *name;
	size_t		 n = 1, i = 0;

	for (p = (char *)columns; *p != '\0'; p++)
		if (*p == '|')
			n++;
	t = table_alloc(n);
	t->head = xcalloc(n, sizeof *t->head);
	copy = p = xstrdup(columns);
	while ((name = strsep(&p, "|")) != NULL) {
		if (*name == '>') {
			t->right[i] = 1;
			name++;
		}
		t->head[i++] = xstrdup(table_label(name));
	}
	free(copy);
	return (t);
}

struct table *
table_kv_new(void)
{
	struct table	*t;

	t = table_alloc(2);
	t->kv = 1;
	return (t);
}

/* Pads a short last row so every row has ncols cells. */
static void
table_finish_row(struct table *t)
{
	for (; t->ncells < t->ncols; t->ncells++)
		t->cells[(t->nrows - 1) * t->ncols + t->ncells] = xstrdup("");
}

void
table_row(struct table *t)
{
	table_finish_row(t);
	t->cells = xreallocarray(t->cells, (t->nrows + 1) * t->ncols,
	    sizeof *t->cells);
	t->nrows++;
	t->ncells = 0;
}

/*
 * Text comes from the daemon and so, in the end, from whoever typed a name
 * at the desk: control characters would break the alignment or drive the
 * terminal, so they become spaces. A key-value block keeps newlines, which
 * table_print indents.
 */
static void
table_clean(char *s, int keep_newline)
{
	for (; *s != '\0'; s++) {
		if (*s == '\n' && keep_newline)
			continue;
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
	}
}

static void
table_vcell(struct table *t, const char *fmt, va_list ap)
{
	char	*s;

	if (t->nrows == 0 || t->ncells >= t->ncols)
		fatalx("table: cell outside a row");
	xvasprintf(&s, fmt, ap);
	/* CSV quotes a field with line breaks; a table on screen cannot. */
	table_clean(s, (t->kv && t->ncells == 1) || table_fmt != TABLE_TEXT);
	t->cells[(t->nrows - 1) * t->ncols + t->ncells++] = s;
}

void
table_cell(struct table *t, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	table_vcell(t, fmt, ap);
	va_end(ap);
}

/* A cell with nothing in it: "-" on screen, an empty field in CSV. */
void
table_none(struct table *t)
{
	if (t->nrows == 0 || t->ncells >= t->ncols)
		fatalx("table: cell outside a row");
	t->cells[(t->nrows - 1) * t->ncols + t->ncells++] = NULL;
}

/* A number with decimals: "91.8", or "91,8" for Danish Excel. */
void
table_decimal(struct table *t, double v, int decimals)
{
	char	*s, *p;

	xasprintf(&s, "%.*f", decimals, v);
	if (table_fmt == TABLE_EXCEL && (p = strchr(s, '.')) != NULL)
		*p = ',';
	table_cell(t, "%s", s);
	free(s);
}

void
table_kv(struct table *t, const char *key, const char *fmt, ...)
{
	va_list	ap;

	table_row(t);
	table_cell(t, "%s:", table_label(key));
	if (fmt == NULL) {
		table_cell(t, "-");
		return;
	}
	va_start(ap, fmt);
	table_vcell(t, fmt, ap);
	va_end(ap);
}

size_t
table_rows(struct table *t)
{
	return (t->nrows);
}

/*
 * Padding is held back until something follows it, so no line ends in
 * spaces when its last cells are empty.
 */
struct table_out {
	FILE	*f;
	size_t	 pending;
};

static void
table_pad(struct table_out *o, size_t n)
{
	o->pending += n;
}

static void
table_put(struct table_out *o, const char *s, size_t len)
{
	if (len == 0)
		return;
	for (; o->pending > 0; o->pending--)
		fputc(' ', o->f);
	fwrite(s, 1, len, o->f);
}

static void
table_end_line(struct table_out *o)
{
	o->pending = 0;
	fputc('\n', o->f);
}

static void
table_print_cell(struct table *t, struct table_out *o, size_t col,
    const char *s, size_t *widths)
{
	const char	*nl;
	size_t		 w, indent, i;

	if (s == NULL)
		s = "-";
	if (t->kv && col == 1 && strchr(s, '\n') != NULL) {
		/* Continuation lines start under the value column. */
		indent = 0;
		for (i = 0; i < col; i++)
			indent += widths[i] + 1;
		while ((nl = strchr(s, '\n')) != NULL) {
			table_put(o, s, nl - s);
			table_end_line(o);
			table_pad(o, indent);
			s = nl + 1;
		}
		table_put(o, s, strlen(s));
		return;
	}
	w = table_width(s);
	if (t->right[col])
		table_pad(o, widths[col] - w);
	table_put(o, s, strlen(s));
	if (!t->right[col])
		table_pad(o, widths[col] - w);
}

/*
 * One CSV field (RFC 4180): quoted when it holds the separator, a quote or
 * a line break, a quote doubled. A value a spreadsheet would take for a
 * formula (starting with =, +, -, @, a tab or a carriage return: a name
 * typed as "=HYPERLINK(...)", or a phone "+45 ...") gets a single quote
 * in front, so it stays text: the quote shows, and nothing runs.
 */
static void
table_csv_field(FILE *f, const char *s, char sep)
{
	int	quote, formula;

	if (s == NULL)
		return;
	formula = *s != '\0' && strchr("=+-@\t\r", *s) != NULL;
	quote = strchr(s, sep) != NULL || strpbrk(s, "\"\r\n") != NULL;
	if (quote)
		fputc('"', f);
	if (formula)
		fputc('\'', f);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', f);
		if (*s == '\n')	/* a line break is CRLF throughout */
			fputc('\r', f);
		fputc(*s, f);
	}
	if (quote)
		fputc('"', f);
}

/* A line of CSV fields, ending in CRLF. */
static void
table_csv_line(FILE *f, char **cells, size_t n, int strip_colon)
{
	char	 sep = table_fmt == TABLE_EXCEL ? ';' : ',';
	char	*s;
	size_t	 c, len;

	for (c = 0; c < n; c++) {
		if (c > 0)
			fputc(sep, f);
		if (c == 0 && strip_colon && cells[c] != NULL &&
		    (len = strlen(cells[c])) > 0 && cells[c][len - 1] == ':') {
			s = xstrdup(cells[c]);
			s[len - 1] = '\0';
			table_csv_field(f, s, sep);
			free(s);
		} else
			table_csv_field(f, cells[c], sep);
	}
	fputs("\r\n", f);
}

/*
 * CSV for spreadsheets: UTF-8 with a byte-order mark (so Excel reads
 * "Jørgen" right), CRLF, a header line of the column names, and ';'
 * between fields for --csv=excel (Danish Excel takes ',' for the decimal
 * comma). A key-value block is two columns, its keys without the colon.
 */
static void
table_print_csv(struct table *t, FILE *f)
{
	size_t	r;

	if (!table_bom_done) {
		fputs("\xef\xbb\xbf", f);
		table_bom_done = 1;
	}
	if (t->head != NULL && !t->cont)
		table_csv_line(f, t->head, t->ncols, 0);
	for (r = 0; r < t->nrows; r++)
		table_csv_line(f, &t->cells[r * t->ncols], t->ncols, t->kv);
}

void
table_print(struct table *t, FILE *f)
{
	struct table_out	 o;
	size_t			*widths, r, c, w;
	char			**row;
	size_t			 gap = t->kv ? 1 : 2;

	table_finish_row(t);
	if (table_fmt != TABLE_TEXT) {
		table_print_csv(t, f);
		return;
	}

	if ((widths = t->widths) == NULL)
		widths = xcalloc(t->ncols, sizeof *widths);
	t->widths = NULL;
	for (c = 0; t->head != NULL && c < t->ncols; c++)
		if (table_width(t->head[c]) > widths[c])
			widths[c] = table_width(t->head[c]);
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			if (t->cells[r * t->ncols + c] == NULL)
				w = 1;		/* "-" */
			else
				w = table_width(t->cells[r * t->ncols + c]);
			if (w > widths[c])
				widths[c] = w;
		}
	}

	o.f = f;
	o.pending = 0;
	if (t->head != NULL && !t->cont) {
		for (c = 0; c < t->ncols; c++) {
			if (c > 0)
				table_pad(&o, gap);
			table_print_cell(t, &o, c, t->head[c], widths);
		}
		table_end_line(&o);
	}
	for (r = 0; r < t->nrows; r++) {
		row = &t->cells[r * t->ncols];
		for (c = 0; c < t->ncols; c++) {
			if (c > 0)
				table_pad(&o, gap);
			table_print_cell(t, &o, c, row[c], widths);
		}
		table_end_line(&o);
	}
	free(t->widths);
	t->widths = widths;
}

/* Forgets the rows printed, keeping the columns' widths (they only grow)
 * and leaving the header out of the next table_print(). */
void
table_continue(struct table *t)
{
	size_t	i, n;

	table_finish_row(t);
	n = t->nrows * t->ncols;
	for (i = 0; i < n; i++)
		free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
	t->nrows = 0;
	t->ncells = t->ncols;
	t->cont = 1;
}

void
table_free(struct table *t)
{
	size_t	i, n;

	if (t == NULL)
		return;
	/* Cells of the current (possibly partial) row are counted too. */
	n = t->nrows == 0 ? 0 : (t->nrows - 1) * t->ncols + t->ncells;
	for (i = 0; i < n; i++)
		free(t->cells[i]);
	free(t->cells);
	for (i = 0; t->head != NULL && i < t->ncols; i++)
		free(t->head[i]);
	free(t->head);
	free(t->right);
	free(t->widths);
	free(t);
}
