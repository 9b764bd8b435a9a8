/*
 * Configuration: one table of keys (section, name, type, bounds, default,
 * help) drives parsing of the INI file (inih), the -o overrides, defaults
 * and the key list printed by --help.
 */
#include "config.h"

#include <sys/stat.h>

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
#include "server.h"
#include "loopback.h"
#include "page.h"
#include "notifier.h"
#include "config-private.h"


#define NKEYS	config_nkeys

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
	int		*set_line;	/* per key; 0: not in the file */
	const char	**set_override;	/* per key: the -o that set it last */
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

	for (i = 0; i < config_nchoices; i++)
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

/* Whether "host:port" listens on loopback addresses only (not a wildcard). */
static int
config_listen_loopback(const char *spec)
{
	char		*host, *err = NULL;
	unsigned short	 port;
	int		 loop;

	if (server_split(spec, &host, &port, &err) != 0) {
		free(err);
		return (0);
	}
	loop = loopback_host(host, 1);
	free(host);
	return (loop);
}

/*
 * The admin TCP listener: TLS takes both files, and a listener others can
 * reach takes TLS, or the token and people's data cross the network in
 * clear. (Whether the files serve is service_check()'s.)
 */
static int
config_admin_tls(struct config_parse *p, char **cause)
{
	struct config	*conf = p->conf;

	if (*conf->admin_tls_cert != '\0' && *conf->admin_tls_key == '\0')
		return (config_fail(p, cause, "admin", "tls_cert",
		    "admin.tls_cert needs admin.tls_key, the certificate's "
		    "private key"));
	if (*conf->admin_tls_key != '\0' && *conf->admin_tls_cert == '\0')
		return (config_fail(p, cause, "admin", "tls_key",
		    "admin.tls_key needs admin.tls_cert, its certificate"));
	if (*conf->admin_listen == '\0') {
		if (*conf->admin_tls_cert != '\0')
			log_warnx("admin.tls_cert is set but admin.listen is "
			    "not: no TCP listener uses it");
		return (0);
	}
	if (*conf->admin_tls_cert == '\0' &&
	    !config_listen_loopback(conf->admin_listen))
		return (config_fail(p, cause, "admin", "listen",
		    "admin.listen %s is not a loopback address: set "
		    "admin.tls_cert and admin.tls_key, or the token and "
		    "people's data would cross the network in clear",
		    conf->admin_listen));
	return (0);
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
	    (uhost = loopback_url_host(conf->public_url)) == NULL)
		return;
	if (server_split(conf->public_listen, &lhost, &port, &err) != 0) {
		free(err);
		free(uhost);
		return;
	}
	if (loopback_host(uhost, 0) && !loopback_host(lhost, 0))
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
		if (server_listen_check(conf->admin_listen, &err) != 0) {
			rc = config_fail(p, cause, "admin", "listen",
			    "admin.listen: %s", err);
			free(err);
			return (rc);
		}
	}
	if (config_admin_tls(p, cause) != 0)
		return (-1);
	if (server_allow_parse(conf->admin_allow, NULL, NULL, &err) != 0) {
		rc = config_fail(p, cause, "admin", "allow", "admin.allow: %s",
		    err);
		free(err);
		return (rc);
	}
	if (server_allow_parse(conf->public_trusted, NULL, NULL, &err) != 0) {
		rc = config_fail(p, cause, "public", "trusted",
		    "public.trusted: %s", err);
		free(err);
		return (rc);
	}
	if (*conf->public_listen != '\0' &&
	    server_listen_check(conf->public_listen, &err) != 0) {
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

static void
config_parse_free(struct config_parse *p)
{
	free(p->cause);
	free(p->set_line);
	free(p->set_override);
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
	p.set_line = xcalloc(NKEYS, sizeof *p.set_line);
	p.set_override = xcalloc(NKEYS, sizeof *p.set_override);
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
	config_parse_free(&p);
	*out = conf;
	return (0);

fail:
	config_parse_free(&p);
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
