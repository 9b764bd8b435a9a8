/*
 * What the unit tests of calendars/feed.c and calendars/invite.c share
 * (feedtest.c): a base event, rendering that must succeed, and checks of
 * the iCalendar text (well formed, folded, its lines) and libical's
 * reading of it.
 */
#ifndef FEEDTEST_H
#define FEEDTEST_H

#include <sys/types.h>

#include <stddef.h>
#include <time.h>

#include <libical/ical.h>

#include "unittest.h"

struct cal_event;

#define CPH		"Europe/Copenhagen"
#define LINE_MAX_OCTETS	75

/* The earliest DTSTART a compact VTIMEZONE may carry. */
#define VTZ_YEAR_MIN	1970

/* Long Danish text: every fold falls among two-octet characters. */
#define DANISH \
    "Ærøskøbing Bibliotek, Søndergade 28; 5970 Ærø – Kursus i MitID for " \
    "ældre: Sådan bruger du Digital Post på din telefon. Tag din " \
    "mobiltelefon, dit pas eller kørekort og din kode med. Vi går trin " \
    "for trin igennem: åbn appen, log på, læs dine breve, svar på dem. " \
    "ÆØÅæøåÆØÅæøåÆØÅæøåÆØÅæøåÆØÅæøåÆØÅæøåÆØÅæøåÆØÅæøåÆØÅæøåÆØÅæøåÆØÅ" \
    "æøåÆØÅæøåÆØÅæøåÆØÅæøå€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€" \
    "\xf0\x9f\x93\x85\xf0\x9f\x93\x85\xf0\x9f\x93\x85\xf0\x9f\x93\x85" \
    "\xf0\x9f\x93\x85\xf0\x9f\x93\x85\xf0\x9f\x93\x85\xf0\x9f\x93\x85" \
    "\xf0\x9f\x93\x85\xf0\x9f\x93\x85\xf0\x9f\x93\x85\xf0\x9f\x93\x85" \
    "\xf0\x9f\x93\x85\xf0\x9f\x93\x85\xf0\x9f\x93\x85\xf0\x9f\x93\x85" \
    "\xf0\x9f\x93\x85\xf0\x9f\x93\x85\xf0\x9f\x93\x85\xf0\x9f\x93\x85" \
    " slut."

void	 base_event(struct cal_event *);
char	*render(const struct cal_event *, const char *, size_t *);
size_t	 utf8_len(const u_char *, size_t);
int	 utf8_valid(const char *, size_t);
void	 assert_wellformed(const char *, size_t);
char	*unfold(const char *);
char	*find_line(const char *, const char *);
void	 assert_line(const char *, const char *);
void	 assert_no_line(const char *, const char *);
size_t	 count(const char *, const char *);
char	*calendar(const char *const *, size_t, time_t, time_t,
		    const char *const *, const size_t *, size_t, size_t *);
icalcomponent *parse(const char *);
icaltimezone *parsed_zone(icalcomponent *, const char *);
void	 assert_offset_form(const char *);

/* The builtin zones belong to libical; hand them back for leak checkers. */
int	 teardown_zones(void **);

#endif
