/*
 * Configuration: one table of keys (section, name, type, bounds, default,
 * help) drives parsing of the INI file (inih), the -o overrides, defaults
 * and the key list printed by --help.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <ini.h>

#include "calendars.h"
#include "kursusd.h"
#include "page.h"
#include "notifier.h"

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
static const struct config_choices {
	const char	*section, *name;
	const char	*words;		/* "a|b|c" */
} config_choices[] = {
	{ "smtp", "starttls", "off|optional|required" },
	{ "sms", "driver", "none|kannel|rest" },
	{ "smtp", "html", "off|on" },
	{ "reminders", "one_a_day", "off|on" },
};

#define OFF(f)	offsetof(struct config, f)
static const struct config_key config_keys[] = {
	{ "daemon", "database", CT_PATH, OFF(database), KURSUS_DB_PATH, 0, 0,
	  "SQLite database file; its directory is kursusd's state directory, "
	  "made 0750 at start" },
	{ "daemon", "pidfile", CT_PATH, OFF(pidfile),
	  KURSUS_RUN_DIR "/kursusd.pid", 0, 0,
	  "pid file; empty for none" },
	{ "daemon", "user", CT_STRING, OFF(daemon_user), "kursusd", 0, 0,
	  "started as root, kursusd runs as this user once its sockets are "
	  "open" },
	{ "daemon", "group", CT_STRING, OFF(daemon_group), "", 0, 0,
	  "the group kursusd runs as when started as root; empty: the "
	  "user's primary group" },
	{ "daemon", "timezone", CT_ZONE, OFF(timezone), "Europe/Copenhagen",
	  0, 0, "default time zone of venues and of times without a venue" },
	{ "daemon", "log_level", CT_LOGLEVEL, OFF(log_level), "info", 0, 0,
	  "warn, info or debug" },
	{ "daemon", "retention_days", CT_INT, OFF(retention_days), "730", 0,
	  36500, "anonymise participants this many days after their last "
	  "session; 0 never" },
	{ "daemon", "go_no_go_hours", CT_INT, OFF(go_no_go_hours), "48", 0,
	  24 * 60, "flag sessions below their minimum this close to start" },
	{ "daemon", "synchronous", CT_SYNC, OFF(synchronous), "full", 0, 0,
	  "full (a registration survives power loss) or normal" },
	{ "admin", "socket", CT_PATH, OFF(admin_socket), KURSUS_SOCKET_PATH,
	  0, 0, "admin API unix socket; its directory is kursusd's runtime "
	  "directory, made 0755 at start" },
	{ "admin", "socket_mode", CT_MODE, OFF(admin_socket_mode), "0660", 0,
	  0777, "permissions of the admin socket" },
	{ "admin", "socket_group", CT_STRING, OFF(admin_socket_group), "", 0,
	  0, "group of the admin socket; empty keeps the daemon's" },
	{ "admin", "listen", CT_STRING, OFF(admin_listen), "", 0, 0,
	  "host:port for the admin API over TCP with a token; empty for none" },
	{ "admin", "token_file", CT_PATH, OFF(admin_token_file), "", 0, 0,
	  "bearer token for TCP admin; created 0600 if missing; empty: "
	  KURSUS_TOKEN_NAME " beside the database" },
	{ "admin", "allow", CT_STRING, OFF(admin_allow), "127.0.0.1/8,::1", 0,
	  0, "addresses (CIDR, comma-separated) allowed on TCP admin" },
	{ "admin", "max_failures", CT_INT, OFF(admin_max_failures), "5", 1,
	  1000, "failed token attempts per address per minute before 429" },
	{ "admin", "max_failures_total", CT_INT,
	  OFF(admin_max_failures_total), "100", 1, 1000, "failed token "
	  "attempts per minute from all addresses together before 429" },
	{ "admin", "max_connections", CT_INT, OFF(admin_max_connections),
	  "64", 4, 4096, "connections at once on the admin TCP listener" },
	{ "public", "listen", CT_STRING, OFF(public_listen), "127.0.0.1:8080",
	  0, 0, "host:port of the public listener (feeds and course pages)" },
	{ "public", "url", CT_STRING, OFF(public_url), "", 0, 0,
	  "public base URL used in links; empty: http:// and public.listen "
	  "(the host name for a wildcard address)" },
	{ "public", "max_per_address", CT_INT, OFF(public_max_per_address),
	  "64", 0, 4096, "connections at once from one address; 0 no limit" },
	{ "public", "trusted", CT_STRING, OFF(public_trusted),
	  "127.0.0.1, ::1", 0, 0, "addresses without that limit, e.g. a "
	  "cache in front (CIDR, comma-separated)" },
	{ "public", "cancel_per_minute", CT_INT,
	  OFF(public_cancel_per_minute), "20", 0, 10000, "requests a minute "
	  "one address may make of cancel links (/afmeld/...) before 429; "
	  "0 no limit; public.trusted addresses (a proxy, which limits "
	  "instead) have none" },
	{ "feeds", "refresh_minutes", CT_INT, OFF(feeds_refresh_minutes), "60",
	  5, 7 * 24 * 60, "how often calendars should fetch a feed "
	  "(REFRESH-INTERVAL, X-PUBLISHED-TTL)" },
	{ "feeds", "cache_seconds", CT_INT, OFF(feeds_cache_seconds), "300", 0,
	  86400, "how long an HTTP cache in front may keep a feed" },
	{ "feeds", "past_days", CT_INT, OFF(feeds_past_days), "30", 0, 3650,
	  "feeds show sessions that started up to this many days ago" },
	{ "feeds", "cancelled_days", CT_INT, OFF(feeds_cancelled_days), "30", 0,
	  3650, "a cancelled session stays in feeds this many days, so "
	  "calendars remove it" },
	{ "feeds", "alarm_minutes", CT_INT, OFF(feeds_alarm_minutes), "0", 0,
	  7 * 24 * 60, "reminder alarm in personal feeds this long before; "
	  "0 none" },
	{ "feeds", "recheck_seconds", CT_INT, OFF(feeds_recheck_seconds), "60",
	  1, 3600, "a cached feed looks for changes made outside kursusd "
	  "(another program writing the database) this often" },
	{ "feeds", "key_file", CT_PATH, OFF(feeds_key_file), "", 0, 0,
	  "key that seals personal feed tokens in the database; created 0600 "
	  "at start if missing; empty: " CONFIG_KEY_NAME " beside the "
	  "database" },
	{ "smtp", "host", CT_STRING, OFF(smtp_host), "", 0, 0,
	  "SMTP server for e-mail; empty: no e-mail is sent" },
	{ "smtp", "port", CT_INT, OFF(smtp_port), "25", 1, 65535,
	  "SMTP port (587 for submission)" },
	{ "smtp", "starttls", CT_CHOICE, OFF(smtp_starttls), "optional", 0, 0,
	  "off, optional or required" },
	{ "smtp", "user", CT_STRING, OFF(smtp_user), "", 0, 0,
	  "user for SMTP AUTH; empty: no AUTH" },
	{ "smtp", "password_file", CT_PATH, OFF(smtp_password_file), "", 0, 0,
	  "file holding the SMTP password (mode 0600)" },
	{ "smtp", "from", CT_STRING, OFF(smtp_from), "", 0, 0,
	  "envelope sender and From address; required with smtp.host" },
	{ "smtp", "from_name", CT_STRING, OFF(smtp_from_name), "Biblioteket",
	  0, 0, "display name in From; not set: library.name when that is "
	  "set" },
	{ "smtp", "reply_to", CT_STRING, OFF(smtp_reply_to), "", 0, 0,
	  "Reply-To address; not set: library.email; empty for none" },
	{ "smtp", "html", CT_CHOICE, OFF(smtp_html), "on", 0, 0,
	  "on or off: an HTML part beside the plain text, with the same "
	  "words in larger type" },
	{ "smtp", "timeout", CT_INT, OFF(smtp_timeout), "30", 1, 600,
	  "seconds to wait for each answer of the server" },
	{ "smtp", "connections", CT_INT, OFF(smtp_connections), "2", 1, 16,
	  "SMTP connections at most at once" },
	{ "smtp", "batch", CT_INT, OFF(smtp_batch), "50", 1, 1000,
	  "messages sent over one connection before it is closed" },
	{ "sms", "driver", CT_CHOICE, OFF(sms_driver), "none", 0, 0,
	  "none, kannel or rest" },
	{ "sms", "url", CT_STRING, OFF(sms_url), "", 0, 0,
	  "Kannel's sendsms URL or the REST gateway's endpoint" },
	{ "sms", "user", CT_STRING, OFF(sms_user), "", 0, 0,
	  "gateway user" },
	{ "sms", "password_file", CT_PATH, OFF(sms_password_file), "", 0, 0,
	  "file holding the gateway password or API key (mode 0600)" },
	{ "sms", "sender", CT_STRING, OFF(sms_sender), "Biblioteket", 0, 0,
	  "sender name (up to 11 letters) or number" },
	{ "sms", "header", CT_STRING, OFF(sms_header), "", 0, 0,
	  "rest: a request header, may hold {user} and {password}" },
	{ "sms", "body", CT_STRING, OFF(sms_body), "", 0, 0,
	  "rest: JSON body template with {to}, {from} and {text}" },
	{ "sms", "timeout", CT_INT, OFF(sms_timeout), "15", 1, 600,
	  "seconds to wait for the gateway" },
	{ "sms", "kannel_secret_file", CT_PATH, OFF(sms_kannel_secret_file),
	  "", 0, 0, "file holding the secret Kannel's sms-service puts in "
	  "its get-url to /sms/kannel (mode 0600); empty: replies from "
	  "Kannel are refused" },
	{ "sms", "webhook_secret_file", CT_PATH, OFF(sms_webhook_secret_file),
	  "", 0, 0, "file holding the key of the HMAC-SHA256 that signs the "
	  "REST gateway's POST /sms/webhook (mode 0600); empty: refused" },
	{ "reminders", "rules", CT_STRING, OFF(reminders_rules),
	  "email:2d,sms:1d@10:00", 0, 0, "when reminders go out, for course "
	  "types without their own rules" },
	{ "reminders", "quiet_hours", CT_STRING, OFF(reminders_quiet_hours),
	  "21:00-08:00", 0, 0, "no SMS in these local hours; empty for none" },
	{ "reminders", "min_gap_hours", CT_INT, OFF(reminders_min_gap_hours),
	  "12", 0, 168, "no reminder this many hours after another message "
	  "to the same person (the confirmation, say); 0 none" },
	{ "reminders", "one_a_day", CT_CHOICE, OFF(reminders_one_a_day), "on",
	  0, 0, "on or off: no reminder on a day the person gets another "
	  "message" },
	{ "library", "name", CT_STRING, OFF(library_name), "", 0, 0,
	  "the library's name, which signs every message" },
	{ "library", "phone", CT_STRING, OFF(library_phone), "", 0, 0,
	  "the library's phone number, in every message" },
	{ "library", "email", CT_STRING, OFF(library_email), "", 0, 0,
	  "the library's e-mail address, in every e-mail" },
	{ "library", "url", CT_STRING, OFF(library_url), "", 0, 0,
	  "the library's web site (http:// or https://), in every e-mail" },
	{ "library", "signature", CT_STRING, OFF(library_signature), "", 0, 0,
	  "a line above the library's name in e-mails, e.g. the course "
	  "team's name; empty for none" },
	{ "library", "header", CT_STRING, OFF(library_header), "", 0, 0,
	  "text at the top of the public pages; empty: library.name" },
	{ "library", "colour", CT_STRING, OFF(library_colour), "#1d4f7c", 0, 0,
	  "the public pages' colour, #rrggbb, dark enough for white text" },
	{ "outbox", "max_in_flight", CT_INT, OFF(outbox_max_in_flight), "100",
	  1, 10000, "messages at most being sent at once, over all "
	  "connections" },
	{ "outbox", "retry_seconds", CT_INT, OFF(outbox_retry_seconds), "60", 1,
	  86400, "first wait after a temporary failure; doubles each time" },
	{ "outbox", "retry_max_seconds", CT_INT, OFF(outbox_retry_max_seconds),
	  "3600", 1, 86400, "longest wait between two attempts" },
	{ "outbox", "expire_hours", CT_INT, OFF(outbox_expire_hours), "24", 1,
	  24 * 30, "give a message up this long after it was due" },
	{ "outbox", "probe_seconds", CT_INT, OFF(outbox_probe_seconds), "60", 0,
	  86400, "how often to check that the SMTP server and SMS gateway "
	  "answer; 0 never" },
};
#define NKEYS	(sizeof config_keys / sizeof config_keys[0])

/*
 * Where each key got its value, so that a check that fails after the
 * whole file was read still names file:line (or the -o that set it).
 */
struct config_parse {
	struct config	*conf;
	const char	*file;
	FILE		*f;
	int		 line;		/* of the last line read */
	int		 indented;	/* that line starts with a space */
	char		*cause;		/* first error, without position */
	int		 set_line[NKEYS];	/* 0: not in the file */
	const char	*set_override[NKEYS];	/* the -o that set it last */
};

static const struct config_key *
config_find(const char *section, const char *name)
{
	size_t	 i;

	for (i = 0; i < NKEYS; i++) {
		if (strcmp(config_keys[i].section, section) == 0 &&
		    strcmp(config_keys[i].name, name) == 0)
			return (&config_keys[i]);
	}
	return (NULL);
}

/* value as its index in k->choices ("a|b|c"). */
static int
config_choice(const struct config_key *k, const char *value, int *ip,
    char **cause)
{
	const char	*cp = NULL, *bar;
	size_t		 len = strlen(value), i;

	for (i = 0; i < sizeof config_choices / sizeof config_choices[0]; i++)
		if (strcmp(config_choices[i].section, k->section) == 0 &&
		    strcmp(config_choices[i].name, k->name) == 0)
			cp = config_choices[i].words;
	if (cp == NULL)
		fatalx("config: no choices for %s.%s", k->section, k->name);

	for (i = 0; cp != NULL; i++) {
		bar = strchr(cp, '|');
		if ((size_t)(bar != NULL ? bar - cp : (ptrdiff_t)strlen(cp)) ==
		    len && strncmp(cp, value, len) == 0) {
			*ip = (int)i;
			return (0);
		}
		cp = bar != NULL ? bar + 1 : NULL;
	}
	xasprintf(cause, "%s.%s: \"%s\" is not %s", k->section, k->name,
	    value, k->help);
	return (-1);
}

/*
 * The directory relative paths are taken from: the one kursusd was in when
 * it first read its configuration, so that a detached daemon (which works
 * from /) finds the same files again on SIGHUP.
 */
static const char *
config_cwd(void)
{
	static char	*cwd;

	if (cwd == NULL)
		cwd = getcwd(NULL, 0);
	return (cwd);
}

static int
config_set(struct config *conf, const struct config_key *k,
    const char *value, char **cause)
{
	char	**sp = (char **)((char *)conf + k->off);
	int	 *ip = (int *)((char *)conf + k->off);
	char	 *end;
	long	  l;
	int	  base = 10;

	switch (k->type) {
	case CT_ZONE:
		if (!zone_valid(value)) {
			xasprintf(cause, "%s.%s: unknown time zone \"%s\"",
			    k->section, k->name, value);
			return (-1);
		}
		/* FALLTHROUGH */
	case CT_STRING:
		free(*sp);
		*sp = xstrdup(value);
		return (0);
	case CT_PATH:
		/*
		 * Relative to the directory kursusd was started in, made
		 * absolute now: a detached daemon works from /.
		 */
		free(*sp);
		if (*value == '\0' || *value == '/')
			*sp = xstrdup(value);
		else {
			const char *cwd = config_cwd();

			if (cwd == NULL) {
				xasprintf(cause, "%s.%s: cannot resolve \"%s\": "
				    "%s", k->section, k->name, value,
				    strerror(errno));
				*sp = NULL;
				return (-1);
			}
			*sp = xprintf("%s/%s", cwd, value);
		}
		return (0);
	case CT_MODE:
		base = 8;
		/* FALLTHROUGH */
	case CT_INT:
		errno = 0;
		l = strtol(value, &end, base);
		if (*value == '\0' || *end != '\0' || errno != 0 ||
		    l < k->min || l > k->max) {
			if (base == 8)
				xasprintf(cause, "%s.%s: \"%s\" is not an octal "
				    "mode between 0 and 0%lo", k->section, k->name,
				    value, (unsigned long)k->max);
			else
				xasprintf(cause, "%s.%s: \"%s\" is not a number "
				    "between %ld and %ld", k->section, k->name,
				    value, k->min, k->max);
			return (-1);
		}
		*ip = (int)l;
		return (0);
	case CT_LOGLEVEL:
		if ((*ip = log_level_parse(value)) < 0) {
			xasprintf(cause, "%s.%s: \"%s\" is not warn, info or "
			    "debug", k->section, k->name, value);
			return (-1);
		}
		return (0);
	case CT_CHOICE:
		return (config_choice(k, value, ip, cause));
	case CT_SYNC:
		if (strcmp(value, "full") == 0)
			*ip = CONFIG_SYNC_FULL;
		else if (strcmp(value, "normal") == 0)
			*ip = CONFIG_SYNC_NORMAL;
		else {
			xasprintf(cause, "%s.%s: \"%s\" is not full or normal",
			    k->section, k->name, value);
			return (-1);
		}
		return (0);
	}
	fatalx("config_set: type %d", k->type);
}

/* inih's line reader, counting lines so that the handler knows its own. */
static char *
config_read_line(char *str, int num, void *arg)
{
	struct config_parse	*p = arg;

	if (fgets(str, num, p->f) == NULL)
		return (NULL);
	p->line++;
	p->indented = (*str == ' ' || *str == '\t');
	return (str);
}

/* inih handler: returning 0 makes ini_parse report this line. */
static int
config_ini_handler(void *arg, const char *section, const char *name,
    const char *value)
{
	struct config_parse	*p = arg;
	const struct config_key	*k;
	char			*cause = NULL;
	size_t			 i;

	if (p->cause != NULL)
		return (1);
	if ((k = config_find(section, name)) == NULL) {
		if (*section == '\0')
			xasprintf(&p->cause, "key \"%s\" outside a section",
			    name);
		else
			xasprintf(&p->cause, "unknown key \"%s\" in [%s]", name,
			    section);
		return (0);
	}
	i = (size_t)(k - config_keys);
	if (p->set_line[i] != 0) {
		if (p->indented)
			xasprintf(&p->cause, "this line starts with a space, "
			    "which would continue %s.%s from line %d; "
			    "continued values are not accepted", section,
			    name, p->set_line[i]);
		else
			xasprintf(&p->cause, "%s.%s is given twice (first on "
			    "line %d)", section, name, p->set_line[i]);
		return (0);
	}
	p->set_line[i] = p->line;
	if (config_set(p->conf, k, value, &cause) != 0) {
		p->cause = cause;
		return (0);
	}
	return (1);
}

/*
 * Fails the check of key section.name (which set the value the check is
 * about): the cause names where it was set, the file's line or the -o.
 */
static int __attribute__((format(printf, 5, 6)))
config_fail(struct config_parse *p, char **cause, const char *section,
    const char *name, const char *fmt, ...)
{
	const struct config_key	*k = config_find(section, name);
	size_t			 i;
	va_list			 ap;
	char			*msg;

	if (k == NULL)
		fatalx("config_fail: no key %s.%s", section, name);
	i = (size_t)(k - config_keys);
	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	if (p->set_override[i] != NULL)
		xasprintf(cause, "-o %s: %s", p->set_override[i], msg);
	else if (p->file != NULL && p->set_line[i] != 0)
		xasprintf(cause, "%s:%d: %s", p->file, p->set_line[i], msg);
	else if (p->file != NULL)
		xasprintf(cause, "%s: %s", p->file, msg);
	else
		*cause = xstrdup(msg);
	free(msg);
	return (-1);
}

/*
 * smtp.from as an address, or as "Name <address>": then the address is
 * the envelope sender and the name goes to smtp.from_name, unless that
 * is set too. The address must be one a server takes.
 */
static int
config_from(struct config_parse *p, char **cause)
{
	struct config	*conf = p->conf;
	const struct config_key *k = config_find("smtp", "from_name");
	char		*lt, *gt, *name, *addr, *err = NULL, *norm = NULL;
	size_t		 i = (size_t)(k - config_keys);
	int		 rc = 0;

	if ((lt = strrchr(conf->smtp_from, '<')) != NULL) {
		if ((gt = strchr(lt, '>')) == NULL || gt[1] != '\0')
			return (config_fail(p, cause, "smtp", "from", "smtp.from "
			    "\"%s\": write an address, or Name <address>",
			    conf->smtp_from));
		addr = xstrndup(lt + 1, (size_t)(gt - lt - 1));
		name = xstrndup(conf->smtp_from, (size_t)(lt - conf->smtp_from));
		while (*name != '\0' && (name[strlen(name) - 1] == ' ' ||
		    name[strlen(name) - 1] == '"'))
			name[strlen(name) - 1] = '\0';
		if (*name != '\0' && p->set_line[i] == 0 &&
		    p->set_override[i] == NULL) {
			free(conf->smtp_from_name);
			conf->smtp_from_name = xstrdup(name + strspn(name,
			    "\" "));
		}
		free(name);
	} else
		addr = xstrdup(conf->smtp_from);
	if (contact_email_check(addr, &norm, &err) != 0) {
		rc = config_fail(p, cause, "smtp", "from", "smtp.from: %s", err);
		free(err);
	} else {
		free(conf->smtp_from);
		conf->smtp_from = norm;
	}
	free(addr);
	return (rc);
}

/* Whether section.name was given, in the file or with -o. */
static int
config_given(struct config_parse *p, const char *section, const char *name)
{
	const struct config_key	*k = config_find(section, name);
	size_t			 i = (size_t)(k - config_keys);

	return (p->set_line[i] != 0 || p->set_override[i] != NULL);
}

/*
 * Puts *value (section.name) in its normal form by check, unless it is
 * empty; a refusal names where it was set.
 */
static int
config_normal(struct config_parse *p, const char *section, const char *name,
    char **value, int (*check)(const char *, char **, char **), char **cause)
{
	char	*norm = NULL, *err = NULL;
	int	 rc;

	if (**value == '\0')
		return (0);
	if (check(*value, &norm, &err) != 0) {
		rc = config_fail(p, cause, section, name, "%s.%s: %s", section,
		    name, err);
		free(err);
		return (rc);
	}
	free(*value);
	*value = norm;
	return (0);
}

/*
 * [library]: the phone number in E.164 and the address as a server takes
 * it, a web address a reader can follow; its name and address stand in
 * for smtp.from_name and smtp.reply_to when those are not given. What is
 * missing is said, not refused: the messages still go, less helpfully.
 */
static int
config_library(struct config_parse *p, char **cause)
{
	struct config	*conf = p->conf;
	const char	*missing[4], *u = conf->library_url;
	char		 list[96];
	size_t		 n = 0, i;

	if (config_normal(p, "library", "phone", &conf->library_phone,
	    contact_phone_normalise, cause) != 0 ||
	    config_normal(p, "library", "email", &conf->library_email,
	    contact_email_check, cause) != 0 ||
	    config_normal(p, "library", "colour", &conf->library_colour,
	    page_colour_check, cause) != 0)
		return (-1);
	if (*u != '\0' && ((strncmp(u, "http://", 7) != 0 &&
	    strncmp(u, "https://", 8) != 0) || strstr(u, "://")[3] == '\0' ||
	    strpbrk(u, " \t\"<>") != NULL))
		return (config_fail(p, cause, "library", "url", "library.url "
		    "\"%s\" is not a web address such as "
		    "https://www.horsensbibliotek.dk", u));

	if (*conf->library_name != '\0' &&
	    !config_given(p, "smtp", "from_name")) {
		free(conf->smtp_from_name);
		conf->smtp_from_name = xstrdup(conf->library_name);
	}
	if (*conf->library_email != '\0' &&
	    !config_given(p, "smtp", "reply_to")) {
		free(conf->smtp_reply_to);
		conf->smtp_reply_to = xstrdup(conf->library_email);
	}

	if (*conf->library_name == '\0')
		missing[n++] = "library.name";
	if (*conf->library_phone == '\0')
		missing[n++] = "library.phone";
	if (*conf->library_email == '\0')
		missing[n++] = "library.email";
	if (*conf->library_url == '\0')
		missing[n++] = "library.url";
	if (n > 0) {
		*list = '\0';
		for (i = 0; i < n; i++)
			snprintf(list + strlen(list), sizeof list -
			    strlen(list), "%s%s", i == 0 ? "" : i == n - 1 ?
			    " and " : ", ", missing[i]);
		log_warnx("%s %s not set: the messages people get should say "
		    "which library sent them and how to reach it", list,
		    n == 1 ? "is" : "are");
	}
	return (0);
}

/* name in the directory of path: the key and the token beside the database. */
static char *
config_beside(const char *path, const char *name)
{
	const char	*slash = strrchr(path, '/');

	if (slash == NULL)
		return (xstrdup(name));
	return (xprintf("%.*s/%s", (int)(slash - path), path, name));
}

/*
 * Where a public listener on spec ("host:port") is reached: its address,
 * or this machine's name for a wildcard address; no port for 80. "" when
 * spec is none (config_check() says why).
 */
static char *
config_listen_url(const char *spec)
{
	char		*host, *err = NULL, *url, name[256], port[8] = "";
	const char	*h;
	unsigned short	 n;

	if (*spec == '\0')
		return (xstrdup(""));
	if (server_split(spec, &host, &n, &err) != 0) {
		free(err);
		return (xstrdup(""));
	}
	h = host;
	if (*h == '\0' || strcmp(h, "*") == 0 || strcmp(h, "0.0.0.0") == 0 ||
	    strcmp(h, "::") == 0) {
		if (gethostname(name, sizeof name) != 0 || *name == '\0')
			snprintf(name, sizeof name, "localhost");
		name[sizeof name - 1] = '\0';
		h = name;
	}
	if (n != 80)
		snprintf(port, sizeof port, ":%u", n);
	if (strchr(h, ':') != NULL)
		url = xprintf("http://[%s]%s", h, port);
	else
		url = xprintf("http://%s%s", h, port);
	free(host);
	return (url);
}

/* The keys whose default follows another key's value. */
static void
config_derive(struct config *conf)
{
	if (*conf->feeds_key_file == '\0') {
		free(conf->feeds_key_file);
		conf->feeds_key_file = config_beside(conf->database,
		    CONFIG_KEY_NAME);
	}
	if (*conf->admin_token_file == '\0') {
		free(conf->admin_token_file);
		conf->admin_token_file = config_beside(conf->database,
		    KURSUS_TOKEN_NAME);
	}
	if (*conf->public_url == '\0') {
		free(conf->public_url);
		conf->public_url = config_listen_url(conf->public_listen);
	}
}

/* Whether host (a name or an address without brackets) is loopback. */
static int
config_loopback(const char *host)
{
	struct in_addr	 a4;
	struct in6_addr	 a6;
	size_t		 len = strlen(host);

	if (strcasecmp(host, "localhost") == 0 || (len > 10 &&
	    strcasecmp(host + len - 10, ".localhost") == 0))
		return (1);
	if (inet_pton(AF_INET, host, &a4) == 1)
		return ((ntohl(a4.s_addr) >> 24) == 127);
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return (IN6_IS_ADDR_LOOPBACK(&a6) ||
		    (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127));
	return (0);
}

/* The host of a URL ("http://[::1]:8080/x" gives "::1"), or NULL. */
static char *
config_url_host(const char *url)
{
	const char	*p = strstr(url, "://"), *end, *at, *colon;

	if (p == NULL)
		return (NULL);
	p += 3;
	end = p + strcspn(p, "/?#");
	for (at = p; at < end; at++)
		if (*at == '@')
			p = at + 1;
	if (*p == '[') {
		if ((colon = memchr(p, ']', (size_t)(end - p))) == NULL)
			return (NULL);
		return (xstrndup(p + 1, (size_t)(colon - p - 1)));
	}
	if ((colon = memchr(p, ':', (size_t)(end - p))) != NULL)
		end = colon;
	return (xstrndup(p, (size_t)(end - p)));
}

/*
 * Links that only this machine can follow while others reach the
 * listener: said, not refused (a proxy on this machine may be meant).
 */
static void
config_url_check(const struct config *conf)
{
	char		*uhost, *lhost, *err = NULL;
	unsigned short	 port;

	if (*conf->public_listen == '\0' ||
	    (uhost = config_url_host(conf->public_url)) == NULL)
		return;
	if (server_split(conf->public_listen, &lhost, &port, &err) != 0) {
		free(err);
		free(uhost);
		return;
	}
	if (config_loopback(uhost) && !config_loopback(lhost))
		log_warnx("public.url %s is a loopback address, but "
		    "public.listen %s is not: the links kursusd gives out "
		    "work only on this machine", conf->public_url,
		    conf->public_listen);
	free(lhost);
	free(uhost);
}

static int
config_check(struct config_parse *p, char **cause)
{
	struct config	*conf = p->conf;
	char		*err;
	int		 rc;

	if (*conf->database == '\0')
		return (config_fail(p, cause, "daemon", "database",
		    "daemon.database must not be empty"));
	if (*conf->daemon_user == '\0')
		return (config_fail(p, cause, "daemon", "user",
		    "daemon.user must not be empty"));
	if (*conf->admin_socket == '\0')
		return (config_fail(p, cause, "admin", "socket",
		    "admin.socket must not be empty"));
	if (strlen(conf->admin_socket) >= 100)
		return (config_fail(p, cause, "admin", "socket",
		    "admin.socket: path \"%s\" is too long for a unix socket "
		    "(at most 99 bytes)", conf->admin_socket));
	if (*conf->admin_listen != '\0') {
		if (http_listen_check(conf->admin_listen, &err) != 0) {
			rc = config_fail(p, cause, "admin", "listen",
			    "admin.listen: %s", err);
			free(err);
			return (rc);
		}
	}
	if (http_allow_parse(conf->admin_allow, NULL, NULL, &err) != 0) {
		rc = config_fail(p, cause, "admin", "allow", "admin.allow: %s",
		    err);
		free(err);
		return (rc);
	}
	if (http_allow_parse(conf->public_trusted, NULL, NULL, &err) != 0) {
		rc = config_fail(p, cause, "public", "trusted",
		    "public.trusted: %s", err);
		free(err);
		return (rc);
	}
	if (*conf->public_listen != '\0' &&
	    http_listen_check(conf->public_listen, &err) != 0) {
		rc = config_fail(p, cause, "public", "listen",
		    "public.listen: %s", err);
		free(err);
		return (rc);
	}
	config_url_check(conf);
	if (*conf->smtp_host != '\0' && *conf->smtp_from == '\0')
		return (config_fail(p, cause, "smtp", "host", "smtp.host needs "
		    "smtp.from, the address mail comes from"));
	if (config_library(p, cause) != 0)
		return (-1);
	if (*conf->smtp_from != '\0' && config_from(p, cause) != 0)
		return (-1);
	if (*conf->smtp_user != '\0' && *conf->smtp_password_file == '\0')
		return (config_fail(p, cause, "smtp", "user",
		    "smtp.user needs smtp.password_file"));
	if (conf->sms_driver != SMS_NONE && *conf->sms_url == '\0')
		return (config_fail(p, cause, "sms", "driver",
		    "sms.driver needs sms.url"));
	if (conf->sms_driver == SMS_REST && *conf->sms_body == '\0')
		return (config_fail(p, cause, "sms", "driver", "sms.driver "
		    "rest needs sms.body, the JSON template of a request"));
	if (*conf->sms_body != '\0') {
		json_t		*j;
		json_error_t	 jerr;

		if ((j = json_loads(conf->sms_body, 0, &jerr)) == NULL)
			return (config_fail(p, cause, "sms", "body",
			    "sms.body is not JSON: %s at character %d (a \" ;\" "
			    "in the file starts a comment)", jerr.text,
			    jerr.position));
		json_decref(j);
	}
	if (*conf->smtp_user != '\0' &&
	    conf->smtp_starttls != SMTP_TLS_REQUIRED)
		log_warnx("smtp.user is set but smtp.starttls is not "
		    "\"required\": the password may cross the network in "
		    "the clear");
	if (reminder_rules_check(conf->reminders_rules, &err) != 0) {
		rc = config_fail(p, cause, "reminders", "rules",
		    "reminders.rules: %s", err);
		free(err);
		return (rc);
	}
	if (quiet_hours_parse(conf->reminders_quiet_hours, NULL, &err) != 0) {
		rc = config_fail(p, cause, "reminders", "quiet_hours",
		    "reminders.quiet_hours: %s", err);
		free(err);
		return (rc);
	}
	return (0);
}

/* Reads file into p->conf; 0, or -1 with *cause naming file:line. */
static int
config_read(struct config_parse *p, const char *file, char **cause)
{
	struct stat	 sb;
	int		 line;

	if ((p->f = fopen(file, "re")) == NULL) {
		xasprintf(cause, "%s: %s", file, strerror(errno));
		return (-1);
	}
	if (fstat(fileno(p->f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
		xasprintf(cause, "%s: %s", file, S_ISDIR(sb.st_mode) ?
		    "is a directory, not a configuration file" :
		    "is not a regular file");
		fclose(p->f);
		return (-1);
	}
	line = ini_parse_stream(config_read_line, p, config_ini_handler, p);
	fclose(p->f);
	p->f = NULL;
	if (line == -2) {
		xasprintf(cause, "%s: out of memory", file);
		return (-1);
	}
	if (line != 0) {
		xasprintf(cause, "%s:%d: %s", file, line,
		    p->cause != NULL ? p->cause : "syntax error");
		return (-1);
	}
	return (0);
}

int
config_load(const char *file, char *const *overrides, size_t noverrides,
    struct config **out, char **cause)
{
	struct config_parse	 p;
	struct config		*conf;
	const struct config_key	*k;
	char			*copy, *dot, *eq, *err = NULL;
	size_t			 i;

	conf = xcalloc(1, sizeof *conf);
	for (i = 0; i < NKEYS; i++) {
		if (config_set(conf, &config_keys[i], config_keys[i].dflt,
		    &err) != 0)
			fatalx("config default: %s", err);
	}
	memset(&p, 0, sizeof p);
	p.conf = conf;
	p.file = file;
	if (file != NULL) {
		conf->file = xstrdup(file);
		if (config_read(&p, file, cause) != 0)
			goto fail;
	}
	for (i = 0; i < noverrides; i++) {
		copy = xstrdup(overrides[i]);
		if ((eq = strchr(copy, '=')) == NULL ||
		    (dot = strchr(copy, '.')) == NULL || dot > eq) {
			xasprintf(cause, "-o %s: expected section.key=value",
			    overrides[i]);
			free(copy);
			goto fail;
		}
		*dot = *eq = '\0';
		if ((k = config_find(copy, dot + 1)) == NULL) {
			xasprintf(cause, "-o %s: unknown key \"%s.%s\"",
			    overrides[i], copy, dot + 1);
			free(copy);
			goto fail;
		}
		if (config_set(conf, k, eq + 1, &err) != 0) {
			xasprintf(cause, "-o: %s", err);
			free(err);
			free(copy);
			goto fail;
		}
		p.set_override[k - config_keys] = overrides[i];
		free(copy);
	}
	config_derive(conf);
	if (config_check(&p, cause) != 0)
		goto fail;
	free(p.cause);
	*out = conf;
	return (0);

fail:
	free(p.cause);
	config_free(conf);
	return (-1);
}

void
config_free(struct config *conf)
{
	size_t	 i;

	if (conf == NULL)
		return;
	for (i = 0; i < NKEYS; i++) {
		if (config_keys[i].type == CT_STRING ||
		    config_keys[i].type == CT_PATH ||
		    config_keys[i].type == CT_ZONE)
			free(*(char **)((char *)conf + config_keys[i].off));
	}
	free(conf->file);
	free(conf);
}

void
config_print_keys(FILE *f)
{
	size_t	 i;
	char	*name;

	for (i = 0; i < NKEYS; i++) {
		name = xprintf("%s.%s", config_keys[i].section,
		    config_keys[i].name);
		fprintf(f, "  %-22s %s (default \"%s\")\n", name,
		    config_keys[i].help, config_keys[i].dflt);
		free(name);
	}
}
