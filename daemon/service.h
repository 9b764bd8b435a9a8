/*
 * How kursusd runs as a service: service.c (the user, the directories,
 * the sockets opened before the privileges are dropped) and notify.c
 * (the service manager's notify socket). Used by main() and the doors
 * that take the sockets over.
 */
#ifndef KURSUSD_SERVICE_H
#define KURSUSD_SERVICE_H

#include "kursusd.h"

/* service.c: the user, the directories, the sockets opened before the drop */
struct service {
	int	 drop;		/* started as root: becomes uid:gid */
	uid_t	 uid;		/* who kursusd runs as */
	gid_t	 gid;
	char	*user;		/* its name, for messages */
	int	 admin_fd;	/* the admin socket, bound; or -1 */
	char	*admin_path;	/* unlinked by service_close() with admin_fd */
	int	 tcp_fd;	/* the admin TCP listener, or -1 */
	struct tls *tls;	/* its TLS, or NULL */
	int	 public_fd;	/* the public listener, or -1 */
};
/* Who kursusd will run as: started as root, [daemon] user and group
 * (missing or root: -1); otherwise who it is. Fills in svc. */
int	 service_user(const struct config *, struct service *, char **cause);
/* For -n: [daemon] user and group missing is an error as root, else
 * said; the admin TCP listener's certificate and key as service_tls()
 * would read them (a key only root may read is said to others). */
int	 service_check(const struct config *, char **cause);
/* Makes or checks the state and runtime directories (giving them and the
 * daemon's own files in them to the user). */
int	 service_dirs(struct service *, const struct config *, char **cause);
/* Gives the file open on fd (what names it) to the user. */
int	 service_own(const struct service *, int fd, const char *what,
	    char **cause);
/* Reads [admin] tls_cert and tls_key, when set, into svc (before the
 * drop: the key may be root's alone). */
int	 service_tls(struct service *, const struct config *, char **cause);
/* Binds the admin socket (refused while a live kursusd answers on it; a
 * stale one is removed) and the TCP listeners into svc. */
int	 service_listen(struct service *, const struct config *, char **cause);
/* Becomes the user for good (setgroups, setresgid, setresuid), checked. */
int	 service_drop(struct service *, char **cause);
int	 service_pidfile(const char *path, char **cause);
/* Closes what was not handed on (unlinking the socket) and frees. */
void	 service_close(struct service *);

/* notify.c: the service manager's notify socket (sd_notify(3)'s protocol) */
/* Takes $NOTIFY_SOCKET and clears it; once, before any thread starts.
 * Without it the others do nothing. */
void		 notify_init(void);
/* One datagram of "KEY=value" lines: "READY=1", "STOPPING=1", "STATUS=". */
void		 notify_send(const char *, ...)
		    __attribute__((format(printf, 1, 2)));
/* RELOADING=1 with the MONOTONIC_USEC newer managers match reloads by. */
void		 notify_reloading(void);

#endif
