/*
 * Where kursusd is: --socket or --url, the environment, the configuration
 * file's [admin] section, or the default socket; and the token for TCP.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ini.h>
#include <jansson.h>

#include "kursusctl.h"

/* kursusd.conf's keys that say how to reach the daemon: [admin] socket,
 * listen and token_file, and [daemon] database, beside which the token is
 * by default. */
struct connect_conf {
	char	*socket;
	char	*listen;
	char	*token_file;
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
	if (slot != NULL) {
		free(*slot);
		*slot = *value != '\0' ? xstrdup(value) : NULL;
	}
	return (1);
}

/* "127.0.0.1:8081" as the daemon listens -> the URL a client connects to. */
static char *
connect_listen_url(const char *listen)
{
	char	*url;

	if (strstr(listen, "://") != NULL)
		return (xstrdup(listen));
	/* A wildcard address is reached through loopback. */
	if (strncmp(listen, "0.0.0.0:", 8) == 0)
		xasprintf(&url, "http://127.0.0.1:%s", listen + 8);
	else if (strncmp(listen, "[::]:", 5) == 0)
		xasprintf(&url, "http://[::1]:%s", listen + 5);
	else if (strncmp(listen, "*:", 2) == 0)
		xasprintf(&url, "http://127.0.0.1:%s", listen + 2);
	else if (listen[0] == ':')
		xasprintf(&url, "http://127.0.0.1%s", listen);
	else
		xasprintf(&url, "http://%s", listen);
	return (url);
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
	const char		*slash;
	char			*listen_url = NULL, *token = NULL, *beside = NULL;
	int			 explicit, r, ret = 0;

	*cp = NULL;
	memset(&conf, 0, sizeof conf);
	socket = connect_global("socket");
	url = connect_global("url");
	token_file = connect_global("token_file");
	if (socket != NULL && url != NULL) {
		xasprintf(cause, "--socket and --url cannot be used together");
		return (KCTL_EXIT_USAGE);
	}

	path = connect_global("config");
	explicit = path != NULL;
	if (path == NULL && access(KURSUS_CONF_PATH, F_OK) == 0)
		path = KURSUS_CONF_PATH;
	if (path != NULL) {
		r = ini_parse(path, connect_ini, &conf);
		if (r < 0 && (explicit || errno != EACCES)) {
			xasprintf(cause, "cannot read %s: %s", path,
			    strerror(errno));
			ret = KCTL_EXIT_CONFIG;
			goto out;
		}
		if (r > 0) {
			xasprintf(cause, "%s:%d: syntax error", path, r);
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
			url = listen_url = connect_listen_url(conf.listen);
		else
			socket = KURSUS_SOCKET_PATH;
	}
	if (url != NULL) {
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
	*cp = client_new(socket, url, token);
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
	return (ret);
}
