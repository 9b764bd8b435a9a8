/*
 * Danish holidays, computed: the fixed days, and those that follow Easter
 * Sunday (the Gregorian computus of Meeus, Jones and Butcher). Store
 * bededag (the fourth Friday after Easter) was a public holiday until
 * 2023 and is not from 2024, when it was abolished.
 *
 * Juleaftensdag, nytårsaftensdag and grundlovsdag are not public holidays,
 * but libraries and citizen-service desks close on them by custom (and
 * public employees have them, or grundlovsdag's afternoon, off by their
 * agreements): HOLIDAYS_CUSTOMARY counts them as closed too.
 */
#include "config.h"

#include <string.h>

#include "calendars.h"
#include "calendars-private.h"

void
holiday_easter(int year, int *month, int *day)
{
	int	 a, b, c, d, e, f, g, h, i, k, l, m;

	a = year % 19;
	b = year / 100;
	c = year % 100;
	d = b / 4;
	e = b % 4;
	f = (b + 8) / 25;
	g = (b - f + 1) / 3;
	h = (19 * a + b - d - g + 15) % 30;
	i = c / 4;
	k = c % 4;
	l = (32 + 2 * e + 2 * i - h - k) % 7;
	m = (a + 11 * h + 22 * l) / 451;
	*month = (h + l - 7 * m + 114) / 31;
	*day = (h + l - 7 * m + 114) % 31 + 1;
}

static const struct {
	int		 month, day;	/* a fixed date, or month 0: */
	int		 easter;	/* days after Easter Sunday */
	int		 customary;	/* only in HOLIDAYS_CUSTOMARY */
	int		 until;		/* a holiday up to this year, or 0 */
	const char	*name;
} holidays[] = {
	{ 1, 1, 0, 0, 0, "nytårsdag" },
	{ 0, 0, -3, 0, 0, "skærtorsdag" },
	{ 0, 0, -2, 0, 0, "langfredag" },
	{ 0, 0, 0, 0, 0, "påskedag" },
	{ 0, 0, 1, 0, 0, "2. påskedag" },
	{ 0, 0, 26, 0, 2023, "store bededag" },
	{ 0, 0, 39, 0, 0, "Kristi himmelfartsdag" },
	{ 0, 0, 49, 0, 0, "pinsedag" },
	{ 0, 0, 50, 0, 0, "2. pinsedag" },
	{ 6, 5, 0, 1, 0, "grundlovsdag" },
	{ 12, 24, 0, 1, 0, "juleaftensdag" },
	{ 12, 25, 0, 0, 0, "juledag" },
	{ 12, 26, 0, 0, 0, "2. juledag" },
	{ 12, 31, 0, 1, 0, "nytårsaftensdag" },
};

const char *
holiday_name(int year, int month, int day, int set)
{
	size_t	 i;
	time_t	 easter, date;
	int	 em, ed;

	if (set == HOLIDAYS_NONE || year < 1900 || year > 9999)
		return (NULL);
	holiday_easter(year, &em, &ed);
	/* Days since 1970 (zone.c), so Easter offsets cross month ends. */
	easter = cal_days(year, em, ed);
	date = cal_days(year, month, day);
	for (i = 0; i < sizeof holidays / sizeof holidays[0]; i++) {
		if (holidays[i].customary && set != HOLIDAYS_CUSTOMARY)
			continue;
		if (holidays[i].until != 0 && year > holidays[i].until)
			continue;
		if (holidays[i].month != 0 ? (holidays[i].month == month &&
		    holidays[i].day == day) :
		    date - easter == holidays[i].easter)
			return (holidays[i].name);
	}
	return (NULL);
}
