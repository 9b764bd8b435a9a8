/*
 * Text folded for search, as Danes type it: lower case, æ as "ae", ø as
 * "o" (and "oe"), å as "a" (and "aa"), accents dropped, so that "Jorgen",
 * "Joergen", "Jørgen" and "JØRGEN" are one word. One folding for the
 * daemon's stored search words and for what staff type.
 */
#ifndef FOLD_H
#define FOLD_H

/*
 * The words of s, folded, separated by one space (letters and digits; any
 * other character ends a word). Caller frees; "" when s has no word.
 */
char	*fold_text(const char *s);
/*
 * The digits of a query that is a phone number however written ("20 30 40
 * 50", "+45 2030-4050", "0045 20304050" without the 00), or NULL when s
 * holds anything but digits, spaces and "+-./()". Caller frees.
 */
char	*fold_phone(const char *s);
/*
 * The search words of a person: their folded name and e-mail, and their
 * phone's digits (an E.164 number: with and without the country code).
 * Space-separated; caller frees.
 */
char	*fold_person(const char *name, const char *phone, const char *email);
/*
 * The words of query (a phone number is one word of digits); caller frees.
 * "" when it holds none.
 */
char	*fold_query(const char *query);
/* 1 when each word of query (fold_query()) begins a word of words. */
int	 fold_match(const char *query, const char *words);
/* 1 when a and b are the same name, folded. */
int	 fold_same(const char *a, const char *b);

#endif
