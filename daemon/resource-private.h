/*
 * What resource.c and resource-check.c share: the shape of a record's
 * field and the checks a field or a whole row goes through. Private to
 * those two files.
 */
#ifndef RESOURCE_PRIVATE_H
#define RESOURCE_PRIVATE_H

#include "kursusd.h"

#define RF_REQUIRED	0x1	/* must be given on create */
#define RF_READONLY	0x2	/* computed or bookkeeping; refused in input */
#define RF_WRITEONLY	0x4	/* accepted, not shown */
#define RF_IMMUTABLE	0x8	/* set on create only */

struct rfield {
	const char	*name;
	int		 type;
	int		 flags;
	const char	*expr;		/* SELECT expression; NULL: the column */
	int		(*check)(const struct rfield *, json_t *, json_t **,
			    struct fail *);
	long		 min, max;	/* for integers and text length */
	const char	*dflt;		/* JSON text of the default, or NULL */
};

/* Value checks: each may replace the value with a normalised one. */
int	check_slug(const struct rfield *, json_t *, json_t **,
	    struct fail *);
int	check_text(const struct rfield *, json_t *, json_t **,
	    struct fail *);
int	check_int(const struct rfield *, json_t *, json_t **,
	    struct fail *);
int	check_real(const struct rfield *, json_t *, json_t **,
	    struct fail *);
int	check_zone(const struct rfield *, json_t *, json_t **,
	    struct fail *);
int	check_phone(const struct rfield *, json_t *, json_t **,
	    struct fail *);
int	check_email(const struct rfield *, json_t *, json_t **,
	    struct fail *);
int	check_language(const struct rfield *, json_t *, json_t **,
	    struct fail *);
int	check_phone_type(const struct rfield *, json_t *, json_t **,
	    struct fail *);
int	check_bool(const struct rfield *, json_t *, json_t **,
	    struct fail *);
int	check_reminders(const struct rfield *, json_t *, json_t **,
	    struct fail *);

/* Whole-row checks, after every field's. */
int	row_null(json_t *row, const char *name);
int	venue_row_check(struct store *, json_t *, struct fail *);
int	course_row_check(struct store *, json_t *, struct fail *);
int	participant_row_check(struct store *, json_t *, struct fail *);

#endif
