/*
 * Folding for search (fold.h). Works on UTF-8: the Latin-1 letters Danes,
 * Swedes and Germans write fold to ASCII, other letters are kept as they
 * are (lower-cased when ASCII), so a name in another script still finds
 * itself.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fold.h"
#include "utf8.h"
#include "xmalloc.h"

/* U+00C0 to U+00FF folded; NULL: not a letter (×, ÷). */
static const char *latin1[64] = {
	"a", "a", "a", "a", "ae", "a", "ae", "c",	/* ÀÁÂÃÄÅÆÇ */
	"e", "e", "e", "e", "i", "i", "i", "i",		/* ÈÉÊËÌÍÎÏ */
	"d", "n", "o", "o", "o", "o", "o", NULL,	/* ÐÑÒÓÔÕÖ× */
	"o", "u", "u", "u", "u", "y", "th", "ss",	/* ØÙÚÛÜÝÞß */
	"a", "a", "a", "a", "ae", "a", "ae", "c",	/* àáâãäåæç */
	"e", "e", "e", "e", "i", "i", "i", "i",		/* èéêëìíîï */
	"d", "n", "o", "o", "o", "o", "o", NULL,	/* ðñòóôõö÷ */
	"o", "u", "u", "u", "u", "y", "th", "y",	/* øùúûüýþÿ */
};

/*
 * Appends folded letters to a word: "aa" is one "a" (Aase, Åse, Ase) and
 * "oe" one "o" (Joergen, Jørgen, Jorgen).
 */
static void
fold_add(struct buf *b, size_t word, const char *s, size_t n)
{
	size_t	 i;
	char	 last;

	for (i = 0; i < n; i++) {
		last = b->len > word ? b->data[b->len - 1] : '\0';
		if ((s[i] == 'a' && last == 'a') || (s[i] == 'e' && last == 'o'))
			continue;
		buf_add(b, &s[i], 1);
	}
}

char *
fold_text(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	struct buf		 b = BUF_INIT;
	size_t			 n, left = strlen(s), word = 0;
	const char		*f;
	char			 c;
	int			 in = 0;

	while (left > 0) {
		n = utf8_char_len(p, left);
		f = NULL;
		if (n == 0)
			n = 1;	/* a stray octet ends a word */
		else if (n == 1 && isalnum(*p)) {
			c = (char)tolower(*p);
			f = &c;
		} else if (n == 2 && p[0] == 0xc3 && p[1] >= 0x80)
			f = latin1[p[1] - 0x80];
		else if (n > 1 && !(n == 2 && p[0] == 0xc2) &&
		    !(n == 3 && p[0] == 0xe2 && (p[1] == 0x80 || p[1] == 0x81)))
			f = "";	/* another script: kept as it is; not
				   Latin-1's or general punctuation */
		if (f == NULL) {
			in = 0;
		} else {
			if (!in) {
				if (b.len > 0)
					buf_add(&b, " ", 1);
				word = b.len;
				in = 1;
			}
			if (f == &c)
				fold_add(&b, word, &c, 1);
			else if (*f == '\0')
				buf_add(&b, p, n);
			else
				fold_add(&b, word, f, strlen(f));
		}
		p += n;
		left -= n;
	}
	return (buf_detach(&b, NULL));
}

char *
fold_phone(const char *s)
{
	struct buf	 b = BUF_INIT;
	const char	*p;

	for (p = s; *p != '\0'; p++) {
		if (isdigit((unsigned char)*p))
			buf_add(&b, p, 1);
		else if (strchr(" \t+-./()", *p) == NULL) {
			buf_free(&b);
			return (NULL);
		}
	}
	if (b.len == 0) {
		buf_free(&b);
		return (NULL);
	}
	/* "0045 ..." is "+45 ...". */
	if (b.len > 2 && strncmp(b.data, "00", 2) == 0) {
		memmove(b.data, b.data + 2, b.len - 1);
		b.len -= 2;
	}
	return (buf_detach(&b, NULL));
}

char *
fold_person(const char *name, const char *phone, const char *email)
{
	struct buf	 b = BUF_INIT;
	char		*w;

	if (name != NULL) {
		w = fold_text(name);
		buf_adds(&b, w);
		free(w);
	}
	if (email != NULL && (w = fold_text(email)) != NULL) {
		if (*w != '\0')
			buf_addf(&b, "%s%s", b.len > 0 ? " " : "", w);
		free(w);
	}
	if (phone != NULL && (w = fold_phone(phone)) != NULL) {
		buf_addf(&b, "%s%s", b.len > 0 ? " " : "", w);
		/* A Danish number is also found by its eight digits. */
		if (strncmp(phone, "+45", 3) == 0 && strlen(w) == 10)
			buf_addf(&b, " %s", w + 2);
		free(w);
	}
	return (buf_detach(&b, NULL));
}

char *
fold_query(const char *query)
{
	char	*w;

	if ((w = fold_phone(query)) != NULL)
		return (w);
	return (fold_text(query));
}

/* 1 when the n bytes at q begin a word of words. */
static int
fold_word_in(const char *q, size_t n, const char *words)
{
	const char	*w = words;

	while (*w != '\0') {
		if (strncmp(w, q, n) == 0)
			return (1);
		w += strcspn(w, " ");
		w += strspn(w, " ");
	}
	return (0);
}

int
fold_match(const char *query, const char *words)
{
	const char	*q = query;
	size_t		 n;

	q += strspn(q, " ");
	while (*q != '\0') {
		n = strcspn(q, " ");
		if (!fold_word_in(q, n, words))
			return (0);
		q += n;
		q += strspn(q, " ");
	}
	return (1);
}

int
fold_same(const char *a, const char *b)
{
	char	*fa = fold_text(a), *fb = fold_text(b);
	int	 same = strcmp(fa, fb) == 0;

	free(fa);
	free(fb);
	return (same);
}
