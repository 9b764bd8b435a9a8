/*
 * What config.c and config-keys.c share: the shape of the one table of
 * keys. Private to those two files.
 */
#ifndef CONFIG_PRIVATE_H
#define CONFIG_PRIVATE_H

#include <stddef.h>

/* The feed key's name beside the database, when feeds.key_file is empty. */
#define CONFIG_KEY_NAME	"feeds.key"

enum config_type { CT_STRING, CT_PATH, CT_INT, CT_MODE, CT_LOGLEVEL, CT_SYNC,
    CT_ZONE, CT_CHOICE };

struct config_key {
	const char	*section;
	const char	*name;
	int		 type;
	size_t		 off;
	const char	*dflt;
	long		 min, max;
	const char	*help;
};

/* The words a CT_CHOICE key takes, stored as their index 0, 1, 2. */
struct config_choices {
	const char	*section, *name;
	const char	*words;		/* "a|b|c" */
};

/* config-keys.c */
extern const struct config_key		config_keys[];
extern const size_t			config_nkeys;
extern const struct config_choices	config_choices[];
extern const size_t			config_nchoices;

#endif
