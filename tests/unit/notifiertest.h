/*
 * What the unit tests of the notifier's texts and words share
 * (notifiertest.c): times as the daemon hands them over, the notices
 * they render, and checks of the text.
 */
#ifndef NOTIFIERTEST_H
#define NOTIFIERTEST_H

#include "notifier.h"

/*
 * A wall-clock time as the daemon hands it over: the notifier knows no
 * zones. The weekday is the date's.
 */
struct notice_time at(int y, int mo, int d, int h, int mi);
/* The typical values the SMS lengths are promised for. */
void	 typical(struct notice *, int kind, const char *lang);
/* Only what every notice has. */
void	 minimal(struct notice *, int kind, const char *lang);
/* Renders a notice that must render: its subject (none for an SMS) and
 * body. */
void	 render_ok(const struct notice *, int channel,
	    const char *subject_tpl, const char *body_tpl, char **subject,
	    char **body);
/* Renders an e-mail that must be refused; returns the cause. */
char	*render_refused(const struct notice *, int channel,
	    const char *subject_tpl, const char *body_tpl);
/* s holds what, or (assert_lacks) does not. */
void	 assert_contains(const char *s, const char *what);
void	 assert_lacks(const char *s, const char *what);

#endif
