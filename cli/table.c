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
};

/* Set when LC_CTYPE speaks UTF-8; otherwise widths count code points. */
static int	table_utf8;

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
		t->head[i++] = xstrdup(name);
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
	table_clean(s, t->kv && t->ncells == 1);
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

void
table_kv(struct table *t, const char *key, const char *fmt, ...)
{
	va_list	ap;

	table_row(t);
	table_cell(t, "%s:", key);
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

void
table_print(struct table *t, FILE *f)
{
	struct table_out	 o;
	size_t			*widths, r, c, w;
	char			**row;
	size_t			 gap = t->kv ? 1 : 2;

	table_finish_row(t);

	widths = xcalloc(t->ncols, sizeof *widths);
	for (c = 0; t->head != NULL && c < t->ncols; c++)
		widths[c] = table_width(t->head[c]);
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			w = table_width(t->cells[r * t->ncols + c]);
			if (w > widths[c])
				widths[c] = w;
		}
	}

	o.f = f;
	o.pending = 0;
	if (t->head != NULL) {
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
	free(widths);
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
	free(t);
}
