/*
 * What kursusctl and kursusd share about the admin API: its version, the
 * path prefix and the defaults both sides fall back to. doc/api.md is the
 * specification; change them together.
 */
#ifndef KURSUS_PROTOCOL_H
#define KURSUS_PROTOCOL_H

#define KURSUS_API_VERSION	1
#define KURSUS_API_PREFIX	"/v1"
/* Every response carries this header with KURSUS_API_VERSION. */
#define KURSUS_API_HEADER	"X-Kursus-API"

/* Largest request body the API reads; larger ones get 413. */
#define KURSUS_API_MAX_BODY	(64 * 1024)
/* The exception: POST /v1/import carries a whole calendar file. */
#define KURSUS_API_MAX_CALENDAR	(4 * 1024 * 1024)
/* A page of a long list (`limit`): by default, and at most. */
#define KURSUS_API_PAGE		100
#define KURSUS_API_PAGE_MAX	1000

#ifndef SYSCONFDIR
#define SYSCONFDIR		"/etc"
#endif
#ifndef RUNSTATEDIR
#define RUNSTATEDIR		"/run"
#endif
#ifndef LOCALSTATEDIR
#define LOCALSTATEDIR		"/var"
#endif
/* In a directory of its own, as systemd's ConfigurationDirectory=kursusd
 * and Debian have it: /etc/kursusd/kursusd.conf. */
#define KURSUS_CONF_PATH	SYSCONFDIR "/kursusd/kursusd.conf"
/*
 * The daemon's own directories: its state (the database, its key and
 * token) and its runtime directory (the admin socket, the pid file).
 * `make install` makes the state directory; kursusd makes both at start.
 */
#define KURSUS_STATE_DIR	LOCALSTATEDIR "/lib/kursusd"
#define KURSUS_RUN_DIR		RUNSTATEDIR "/kursusd"
#define KURSUS_SOCKET_PATH	KURSUS_RUN_DIR "/admin.sock"
#define KURSUS_DB_PATH		KURSUS_STATE_DIR "/kursusd.db"
/* The admin token lives beside the database unless [admin] token_file
 * says otherwise; KURSUS_TOKEN_PATH is where that is by default. */
#define KURSUS_TOKEN_NAME	"admin.token"
#define KURSUS_TOKEN_PATH	KURSUS_STATE_DIR "/" KURSUS_TOKEN_NAME
/* Environment variable that names the admin socket for kursusctl. */
#define KURSUS_SOCKET_ENV	"KURSUS_SOCKET"

#endif
