/*
 * The SQL functions of search (fold.h), registered on kursusd's writing
 * connection: kwords() for the participant_word triggers and
 * person_index(), kmatch() for the searches that read every row (venues,
 * course types, instructors). A leaf: it calls nothing of the daemon's.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fold.h"
#include "kursusd.h"

static const char *
search_text(sqlite3_value *v)
{
	return ((const char *)sqlite3_value_text(v));
}

/*
 * SQL function kwords(name, phone, email): a person's search words
 * (fold.h) as a JSON array, for the participant_word table's triggers.
 */
static void
search_fn_kwords(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct buf	 b = BUF_INIT;
	char		*words, *w, *next;
	size_t		 n;

	words = fold_person(search_text(argv[0]),
	    search_text(argv[1]), search_text(argv[2]));
	buf_addc(&b, '[');
	for (w = words; *w != '\0'; w = next) {
		n = strcspn(w, " ");
		next = w + n + (w[n] == ' ');
		/* Words are letters and digits: nothing to escape. */
		if (b.len > 1)
			buf_addc(&b, ',');
		buf_addc(&b, '"');
		buf_add(&b, w, n);
		buf_addc(&b, '"');
	}
	buf_addc(&b, ']');
	free(words);
	sqlite3_result_text(ctx, buf_detach(&b, NULL), -1, free);
}

/*
 * SQL function kmatch(query, name, phone, email): 1 when each word of the
 * query begins one of the person's (or the venue's, the course's) words;
 * 1 for a NULL query, 0 for one without a word.
 * The folded query is kept for the statement's other rows.
 */
static void
search_fn_kmatch(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char	*q;
	char		*own = NULL, *words;

	if (search_text(argv[0]) == NULL) {
		sqlite3_result_int(ctx, 1);
		return;
	}
	if ((q = sqlite3_get_auxdata(ctx, 0)) == NULL) {
		q = own = fold_query(search_text(argv[0]));
		sqlite3_set_auxdata(ctx, 0, xstrdup(own), free);
	}
	words = fold_person(search_text(argv[1]),
	    search_text(argv[2]), search_text(argv[3]));
	/* A query without a word ("%", "_") matches nothing. */
	sqlite3_result_int(ctx, *q != '\0' && fold_match(q, words));
	free(words);
	free(own);
}

void
search_functions(sqlite3 *db)
{
	sqlite3_create_function(db, "kwords", 3, SQLITE_UTF8 |
	    SQLITE_DETERMINISTIC, NULL, search_fn_kwords, NULL, NULL);
	sqlite3_create_function(db, "kmatch", 4, SQLITE_UTF8 |
	    SQLITE_DETERMINISTIC, NULL, search_fn_kmatch, NULL, NULL);
}
