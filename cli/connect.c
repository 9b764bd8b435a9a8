/*
 * Where kursusd is: --socket or --url, the environment, the configuration
 * file's [admin] section, or the default socket; and for TCP the token and
 * the CA certificate that verifies the daemon's.
 *
 * The token goes over TCP only inside TLS (https://), or to a loopback
 * address: kursusd itself refuses a plain-HTTP listener others can reach,
 * so an http:// URL to another machine is a mistake that would show the
 * token to the network, and kursusctl refuses it before connecting.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <ini.h>
#include <jansson.h>

#include "kursusctl.h"
#include "loopback.h"

/* kursusd.conf's keys that say how to reach the daemon: [admin] socket,
 * listen and token_file, tls_cert (the listener speaks TLS) and
 * tls_cacert, and [daemon] database, beside which the token is by
 * default. */
struct connect_conf {
	char	*socket;
	char	*listen;
	char	*token_file;
	char	*tls_cert;
	char	*tls_cacert;
	char	*database;
};

static int
connect_ini(void *arg, const char *section, const char *name,
    const char *value)
{
	struct connect_conf	*conf = arg;
	char			**slot = NULL;

	/* The daemon's other keys are its business. */
	if (strcmp(section, "daemon") == 0 && strcmp(name, "database") == 0)
		slot = &conf->database;
	else if (strcmp(section, "admin") != 0)
		return (1);
	else if (strcmp(name, "socket") == 0)
		slot = &conf->socket;
	else if (strcmp(name, "listen") == 0)
		slot = &conf->listen;
	else if (strcmp(name, "token_file") == 0)
		slot = &conf->token_file;
	else if (strcmp(name, "tls_cert") == 0)
		slot = &conf->tls_cert;
	else if (strcmp(name, "tls_cacert") == 0)
		slot = &conf->tls_cacert;
	if (slot != NULL) {
		free(*slot);
		*slot = *value != '\0' ? xstrdup(value) : NULL;
	}
	return (1);
}

/*
 * "127.0.0.1:8081" as the daemon listens -> the URL a client connects to;
 * https:// when the file says the listener speaks TLS (its tls_cert, or a
 * client's copy that names the CA).
 */
static char *
connect_listen_url(const char *listen, int tls)
{
	const char	*scheme = tls ? "https" : "http";
	char		*url;

	if (strstr(listen, "://") != NULL)
		return (xstrdup(listen));
	/* A wildcard address is reached through loopback. */
	if (strncmp(listen, "0.0.0.0:", 8) == 0)
		xasprintf(&url, "%s://127.0.0.1:%s", scheme, listen + 8);
	else if (strncmp(listen, "[::]:", 5) == 0)
		xasprintf(&url, "%s://[::1]:%s", scheme, listen + 5);
	else if (strncmp(listen, "*:", 2) == 0)
		xasprintf(&url, "%s://127.0.0.1:%s", scheme, listen + 2);
	else if (listen[0] == ':')
		xasprintf(&url, "%s://127.0.0.1%s", scheme, listen);
	else
		xasprintf(&url, "%s://%s", scheme, listen);
	return (url);
}

/*
 * An https:// URL, or an http:// one to a loopback address: 0; otherwise
 * an exit code with *cause.
 */
static int
connect_url_check(const char *url, int explicit, char **cause)
{
	char		*host;
	int		 loop;

	if (strncasecmp(url, "https://", 8) == 0)
		return (0);
	if (strncasecmp(url, "http://", 7) != 0) {
		xasprintf(cause, _("%s is not an https:// or http:// URL"),
		    url);
		return (explicit ? KCTL_EXIT_USAGE : KCTL_EXIT_CONFIG);
	}
	host = loopback_url_host(url);
	loop = host != NULL && loopback_host(host, 1);
	free(host);
	if (loop)
		return (0);
	xasprintf(cause, _("refusing to send the token in clear to %s: use an "
	    "https:// URL (kursusd's [admin] tls_cert), or an SSH tunnel to "
	    "a loopback address"), url);
	return (explicit ? KCTL_EXIT_USAGE : KCTL_EXIT_CONFIG);
}

static const char *
connect_global(const char *field)
{
	return (json_string_value(parse_global(field)));
}

/*
 * Works out where the daemon is: --url or --socket, else KURSUS_SOCKET,
 * else the configuration file's [admin] socket, else the default socket.
 * A configuration that names only [admin] listen (a client's copy on
 * another machine, say) is used over TCP when the default socket is absent.
 */
int
connect_daemon(struct client **cp, char **cause)
{
	struct connect_conf	 conf;
	const char		*socket, *url, *token_file, *path, *env;
	const char		*slash, *cacert;
	char			*listen_url = NULL, *token = NULL, *beside = NULL;
	int			 explicit, given, r, ret = 0;

	*cp = NULL;
	memset(&conf, 0, sizeof conf);
	socket = connect_global("socket");
	url = connect_global("url");
	given = url != NULL;
	token_file = connect_global("token_file");
	cacert = connect_global("cacert");
	if (socket != NULL && url != NULL) {
		xasprintf(cause, _("--socket and --url cannot be used "
		    "together"));
		return (KCTL_EXIT_USAGE);
	}

	path = connect_global("config");
	explicit = path != NULL;
	if (path == NULL && access(KURSUS_CONF_PATH, F_OK) == 0)
		path = KURSUS_CONF_PATH;
	if (path != NULL) {
		r = ini_parse(path, connect_ini, &conf);
		if (r < 0 && (explicit || errno != EACCES)) {
			xasprintf(cause, _("cannot read %s: %s"), path,
			    strerror(errno));
			ret = KCTL_EXIT_CONFIG;
			goto out;
		}
		if (r > 0) {
			xasprintf(cause, _("%s:%d: syntax error"), path, r);
			ret = KCTL_EXIT_CONFIG;
			goto out;
		}
		/* An unreadable default file is the daemon's, not ours. */
	}

	if (socket == NULL && url == NULL) {
		env = getenv(KURSUS_SOCKET_ENV);
		if (env != NULL && *env != '\0')
			socket = env;
		else if (conf.socket != NULL)
			socket = conf.socket;
		else if (conf.listen != NULL &&
		    access(KURSUS_SOCKET_PATH, F_OK) != 0)
			url = listen_url = connect_listen_url(conf.listen,
			    conf.tls_cert != NULL || conf.tls_cacert != NULL);
		else
			socket = KURSUS_SOCKET_PATH;
	}
	if (url != NULL) {
		if ((ret = connect_url_check(url, given, cause)) != 0)
			goto out;
		if (cacert == NULL)
			cacert = conf.tls_cacert;
		/* Said now: curl's words for it name no file. */
		if (cacert != NULL && access(cacert, R_OK) != 0) {
			xasprintf(cause, _("cannot read CA certificate %s: %s"),
			    cacert, strerror(errno));
			ret = KCTL_EXIT_NOINPUT;
			goto out;
		}
		if (token_file == NULL)
			token_file = conf.token_file;
		if (token_file == NULL && conf.database != NULL &&
		    (slash = strrchr(conf.database, '/')) != NULL)
			token_file = beside = xprintf("%.*s/%s",
			    (int)(slash - conf.database), conf.database,
			    KURSUS_TOKEN_NAME);
		if (token_file == NULL)
			token_file = KURSUS_TOKEN_PATH;
		if (client_read_token(token_file, &token, cause) != 0) {
			ret = KCTL_EXIT_NOINPUT;
			goto out;
		}
	}
	*cp = client_new(socket, url, token, url != NULL ? cacert : NULL);
out:
	if (token != NULL) {
		memset(token, 0, strlen(token));
		free(token);
	}
	free(listen_url);
	free(beside);
	free(conf.database);
	free(conf.socket);
	free(conf.listen);
	free(conf.token_file);
	free(conf.tls_cert);
	free(conf.tls_cacert);
	return (ret);
}
