/*
 * kursusd as a service: the user it runs as, the directories it keeps its
 * files in, the sockets it opens before it lets go of root, the drop
 * itself, and the pid file.
 *
 * Started as root, kursusd looks up [daemon] user and group, makes its
 * state directory (the database's) and its runtime directory (the admin
 * socket's and the pid file's) and gives them to that user, takes the
 * database's lock, binds its sockets (a port below 1024 needs root, and
 * so does giving the admin socket to a group the user is not in), and
 * then becomes the user for good: before it opens the database, starts a
 * thread or reads a request. The admin TCP listener's TLS certificate and
 * key are read before the drop too, so that a key only root may read
 * serves (tls.c). What it opens after that (the database, the
 * feed key, the admin token, password files, and on SIGHUP the
 * configuration file again) it opens as the user. Started by anyone else
 * it stays who it is; the checks of its directories are the same.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kursusd.h"
#include "service.h"
#include "server.h"

/* Looks up [daemon] user and group; refuses either missing or root. */
static int
service_lookup(const struct config *conf, struct service *svc, char **cause)
{
	struct passwd	*pw;
	struct group	*gr;

	errno = 0;
	if ((pw = getpwnam(conf->daemon_user)) == NULL) {
		if (errno != 0 && errno != ENOENT && errno != ESRCH)
			xasprintf(cause, "daemon.user: looking up \"%s\": %s",
			    conf->daemon_user, strerror(errno));
		else
			xasprintf(cause, "daemon.user: no user \"%s\" on this "
			    "system: create it (useradd --system %s) or name "
			    "another", conf->daemon_user, conf->daemon_user);
		return (-1);
	}
	if (pw->pw_uid == 0) {
		xasprintf(cause, "daemon.user: \"%s\" is root (uid 0); kursusd "
		    "runs as an unprivileged user", conf->daemon_user);
		return (-1);
	}
	svc->uid = pw->pw_uid;
	svc->gid = pw->pw_gid;
	svc->user = xstrdup(pw->pw_name);
	if (*conf->daemon_group != '\0') {
		errno = 0;
		if ((gr = getgrnam(conf->daemon_group)) == NULL) {
			xasprintf(cause, "daemon.group: no group \"%s\" on this "
			    "system", conf->daemon_group);
			return (-1);
		}
		svc->gid = gr->gr_gid;
	}
	if (svc->gid == 0) {
		xasprintf(cause, "daemon.%s: kursusd does not run in group "
		    "root (gid 0)", *conf->daemon_group != '\0' ? "group" :
		    "user's primary group");
		return (-1);
	}
	return (0);
}

int
service_user(const struct config *conf, struct service *svc, char **cause)
{
	struct passwd	*pw;

	memset(svc, 0, sizeof *svc);
	svc->admin_fd = svc->tcp_fd = svc->public_fd = -1;
	if (geteuid() == 0) {
		svc->drop = 1;
		return (service_lookup(conf, svc, cause));
	}
	svc->uid = geteuid();
	svc->gid = getegid();
	if ((pw = getpwuid(svc->uid)) != NULL)
		svc->user = xstrdup(pw->pw_name);
	else
		svc->user = xprintf("uid %ld", (long)svc->uid);
	return (0);
}

int
service_check(const struct config *conf, char **cause)
{
	struct service	 svc;
	struct tls	*tls;
	char		*err = NULL;
	int		 rc = 0, denied = 0;

	memset(&svc, 0, sizeof svc);
	if (service_lookup(conf, &svc, &err) != 0) {
		if (geteuid() == 0) {
			*cause = err;
			err = NULL;
			rc = -1;
		} else
			log_warnx("%s (kursusd started as root would not "
			    "start)", err);
		svc.uid = geteuid();
	}
	free(err);
	err = NULL;
	if (rc == 0 && *conf->admin_tls_cert != '\0') {
		if ((tls = tls_new(conf->admin_tls_cert, conf->admin_tls_key,
		    svc.uid, &denied, &err)) != NULL)
			tls_free(tls);
		else if (denied) {
			log_warnx("%s", err);
			free(err);
		} else {
			*cause = err;
			rc = -1;
		}
	}
	free(svc.user);
	return (rc);
}

/* Whether the user kursusd runs as may make and remove files in a
 * directory like sb. */
static int
service_may_write(const struct service *svc, const char *dir,
    const struct stat *sb)
{
	if (!svc->drop)
		return (access(dir, W_OK | X_OK) == 0);
	if (sb->st_uid == svc->uid)
		return ((sb->st_mode & (S_IWUSR | S_IXUSR)) ==
		    (S_IWUSR | S_IXUSR));
	if (sb->st_gid == svc->gid)
		return ((sb->st_mode & (S_IWGRP | S_IXGRP)) ==
		    (S_IWGRP | S_IXGRP));
	return ((sb->st_mode & (S_IWOTH | S_IXOTH)) == (S_IWOTH | S_IXOTH));
}

/* The first directory above dir that the user kursusd becomes may not
 * pass through (root has no such bounds), or NULL. */
static char *
service_closed_above(const struct service *svc, const char *dir)
{
	struct stat	 sb;
	char		*up;
	size_t		 i;
	int		 pass;

	for (i = 0; dir[i] != '\0'; i++) {
		if (dir[i] != '/')
			continue;
		up = xstrndup(dir, i == 0 ? 1 : i);
		if (stat(up, &sb) != 0)
			pass = 1;	/* missing: mkdir says so */
		else if (sb.st_uid == svc->uid)
			pass = (sb.st_mode & S_IXUSR) != 0;
		else if (sb.st_gid == svc->gid)
			pass = (sb.st_mode & S_IXGRP) != 0;
		else
			pass = (sb.st_mode & S_IXOTH) != 0;
		if (!pass)
			return (up);
		free(up);
	}
	return (NULL);
}

/*
 * One of kursusd's directories (what: "state directory"): one the user can
 * reach, made with mode and given to the user when missing (its parent
 * must exist); otherwise it must be a directory that belongs to the user
 * or to root, that no one may write to without the sticky bit, and that
 * the user can write to.
 * The directory `make install` made (dflt), root's and closed to others,
 * is given to the user.
 */
static int
service_dir(struct service *svc, const char *dir, mode_t mode,
    const char *what, const char *dflt, char **cause)
{
	struct stat	 sb;
	char		*up;

	if (svc->drop && (up = service_closed_above(svc, dir)) != NULL) {
		xasprintf(cause, "%s %s: %s may not reach it, %s is closed to "
		    "it", what, dir, svc->user, up);
		free(up);
		return (-1);
	}
	if (stat(dir, &sb) != 0) {
		if (errno != ENOENT) {
			xasprintf(cause, "%s %s: %s", what, dir,
			    strerror(errno));
			return (-1);
		}
		if (mkdir(dir, mode) != 0 || chmod(dir, mode) != 0 ||
		    (svc->drop && chown(dir, svc->uid, svc->gid) != 0)) {
			xasprintf(cause, "creating %s %s: %s", what, dir,
			    strerror(errno));
			return (-1);
		}
		log_info("created %s %s (mode %04o, owner %s)", what, dir,
		    (unsigned)mode, svc->user);
		return (0);
	}
	if (!S_ISDIR(sb.st_mode)) {
		xasprintf(cause, "%s %s is not a directory", what, dir);
		return (-1);
	}
	if (svc->drop && sb.st_uid == 0 && strcmp(dir, dflt) == 0 &&
	    (sb.st_mode & (S_IWGRP | S_IWOTH)) == 0) {
		if (chown(dir, svc->uid, svc->gid) != 0) {
			xasprintf(cause, "giving %s %s to %s: %s", what, dir,
			    svc->user, strerror(errno));
			return (-1);
		}
		log_info("gave %s %s to %s", what, dir, svc->user);
		sb.st_uid = svc->uid;
		sb.st_gid = svc->gid;
	}
	if ((sb.st_mode & S_IWOTH) && !(sb.st_mode & S_ISVTX)) {
		xasprintf(cause, "%s %s is writable by everyone", what, dir);
		return (-1);
	}
	if (sb.st_uid != svc->uid && sb.st_uid != 0) {
		xasprintf(cause, "%s %s belongs to uid %ld, not to %s or root",
		    what, dir, (long)sb.st_uid, svc->user);
		return (-1);
	}
	if (!service_may_write(svc, dir, &sb)) {
		xasprintf(cause, "%s %s: %s may not make files there (owner "
		    "uid %ld, mode %04o); give it to %s, or name a directory "
		    "of its own", what, dir, svc->user, (long)sb.st_uid,
		    (unsigned)(sb.st_mode & 07777), svc->user);
		return (-1);
	}
	return (0);
}

/*
 * Gives a file of kursusd's own in its state directory to the user when
 * root owns it (root ran kursusd before, or made the file for it): never
 * through a symbolic link, nor a file with other names. A file of another
 * user stays theirs, and is refused when opened.
 */
static int
service_give(const struct service *svc, const char *path, char **cause)
{
	struct stat	 sb;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY |
	    O_CLOEXEC)) == -1)
		return (0);	/* missing; or opened later, with the reason */
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_uid != 0 ||
	    sb.st_nlink != 1) {
		close(fd);
		return (0);
	}
	if (fchown(fd, svc->uid, svc->gid) != 0) {
		xasprintf(cause, "giving %s to %s: %s", path, svc->user,
		    strerror(errno));
		close(fd);
		return (-1);
	}
	close(fd);
	log_info("gave %s (root's before) to %s", path, svc->user);
	return (0);
}

/* The directory of path, or NULL for a bare name. */
static char *
service_dirname(const char *path)
{
	const char	*slash = strrchr(path, '/');

	if (slash == NULL)
		return (NULL);
	if (slash == path)
		return (xstrdup("/"));
	return (xstrndup(path, (size_t)(slash - path)));
}

/* file, when it lies in dir, given to the user. */
static int
service_give_in(const struct service *svc, const char *dir, const char *file,
    char **cause)
{
	char	*d = service_dirname(file);
	int	 rc = 0;

	if (d != NULL && strcmp(d, dir) == 0)
		rc = service_give(svc, file, cause);
	free(d);
	return (rc);
}

int
service_dirs(struct service *svc, const struct config *conf, char **cause)
{
	static const char	*suffix[] = { "", "-wal", "-shm", ".lock" };
	struct stat		 sb;
	char			*state, *run, *pid = NULL, *file;
	size_t			 i;
	int			 rc = -1;

	state = service_dirname(conf->database);
	run = service_dirname(conf->admin_socket);
	if (*conf->pidfile != '\0')
		pid = service_dirname(conf->pidfile);
	if (state != NULL && service_dir(svc, state, 0750, "state directory",
	    KURSUS_STATE_DIR, cause) != 0)
		goto out;
	if (run != NULL && service_dir(svc, run, 0755, "runtime directory",
	    KURSUS_RUN_DIR, cause) != 0)
		goto out;
	if (pid != NULL && (run == NULL || strcmp(pid, run) != 0) &&
	    service_dir(svc, pid, 0755, "runtime directory", KURSUS_RUN_DIR,
	    cause) != 0)
		goto out;
	/* What root made in the user's own state directory is the user's. */
	if (svc->drop && state != NULL && stat(state, &sb) == 0 &&
	    sb.st_uid == svc->uid) {
		for (i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
			file = xprintf("%s%s", conf->database, suffix[i]);
			if (service_give(svc, file, cause) != 0) {
				free(file);
				goto out;
			}
			free(file);
		}
		if (service_give_in(svc, state, conf->feeds_key_file,
		    cause) != 0 || service_give_in(svc, state,
		    conf->admin_token_file, cause) != 0)
			goto out;
	}
	rc = 0;
out:
	free(state);
	free(run);
	free(pid);
	return (rc);
}

int
service_own(const struct service *svc, int fd, const char *what,
    char **cause)
{
	if (!svc->drop || fchown(fd, svc->uid, svc->gid) == 0)
		return (0);
	xasprintf(cause, "giving %s to %s: %s", what, svc->user,
	    strerror(errno));
	return (-1);
}

/* Checks that no live kursusd answers on path; unlinks a stale socket. */
static int
service_socket_probe(const char *path, char **cause)
{
	struct sockaddr_un	 sun;
	struct stat		 sb;
	int			 fd, rc;

	if (lstat(path, &sb) != 0)
		return (0);
	if (!S_ISSOCK(sb.st_mode)) {
		xasprintf(cause, "%s exists and is not a socket", path);
		return (-1);
	}
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		xasprintf(cause, "socket: %s", strerror(errno));
		return (-1);
	}
	rc = connect(fd, (struct sockaddr *)&sun, sizeof sun);
	close(fd);
	if (rc == 0) {
		xasprintf(cause, "another kursusd is running: it answers on "
		    "%s", path);
		return (-1);
	}
	if (errno != ECONNREFUSED && errno != ENOENT) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return (-1);
	}
	log_info("removing stale socket %s", path);
	if (unlink(path) != 0 && errno != ENOENT) {
		xasprintf(cause, "removing stale socket %s: %s", path,
		    strerror(errno));
		return (-1);
	}
	return (0);
}

/*
 * The admin socket: bound under a tight umask, then given to the user and
 * to [admin] socket_group (or the user's group), with [admin] socket_mode.
 */
static int
service_unix(struct service *svc, const struct config *conf, char **cause)
{
	struct sockaddr_un	 sun;
	struct group		*gr;
	gid_t			 gid = svc->drop ? svc->gid : (gid_t)-1;
	mode_t			 old;
	int			 fd;

	if (service_socket_probe(conf->admin_socket, cause) != 0)
		return (-1);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", conf->admin_socket);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		xasprintf(cause, "socket: %s", strerror(errno));
		return (-1);
	}
	old = umask(0177);
	if (bind(fd, (struct sockaddr *)&sun, sizeof sun) != 0 ||
	    listen(fd, 128) != 0) {
		xasprintf(cause, "cannot listen on %s: %s", conf->admin_socket,
		    strerror(errno));
		umask(old);
		close(fd);
		return (-1);
	}
	umask(old);
	svc->admin_fd = fd;
	svc->admin_path = xstrdup(conf->admin_socket);
	if (*conf->admin_socket_group != '\0') {
		if ((gr = getgrnam(conf->admin_socket_group)) == NULL) {
			xasprintf(cause, "admin.socket_group: no group \"%s\"",
			    conf->admin_socket_group);
			return (-1);
		}
		gid = gr->gr_gid;
	}
	if (chown(conf->admin_socket, svc->drop ? svc->uid : (uid_t)-1,
	    gid) != 0) {
		xasprintf(cause, "chown %s: %s", conf->admin_socket,
		    strerror(errno));
		return (-1);
	}
	if (chmod(conf->admin_socket, (mode_t)conf->admin_socket_mode) != 0) {
		xasprintf(cause, "chmod %s: %s", conf->admin_socket,
		    strerror(errno));
		return (-1);
	}
	return (0);
}

int
service_tls(struct service *svc, const struct config *conf, char **cause)
{
	if (*conf->admin_listen == '\0' || *conf->admin_tls_cert == '\0')
		return (0);
	if ((svc->tls = tls_new(conf->admin_tls_cert, conf->admin_tls_key,
	    svc->uid, NULL, cause)) == NULL)
		return (-1);
	return (0);
}

int
service_listen(struct service *svc, const struct config *conf, char **cause)
{
	if (service_unix(svc, conf, cause) != 0)
		return (-1);
	if (*conf->admin_listen != '\0' && (svc->tcp_fd =
	    server_listen_tcp(conf->admin_listen, cause)) == -1)
		return (-1);
	if (*conf->public_listen != '\0' && (svc->public_fd =
	    server_listen_tcp(conf->public_listen, cause)) == -1)
		return (-1);
	return (0);
}

int
service_drop(struct service *svc, char **cause)
{
	uid_t	 ru, eu, su;
	gid_t	 rg, eg, sg, groups[2];
	int	 n;

	if (!svc->drop)
		return (0);
	if (setgroups(1, &svc->gid) != 0) {
		xasprintf(cause, "dropping to %s: setgroups: %s", svc->user,
		    strerror(errno));
		return (-1);
	}
	if (setresgid(svc->gid, svc->gid, svc->gid) != 0) {
		xasprintf(cause, "dropping to %s: setresgid %ld: %s", svc->user,
		    (long)svc->gid, strerror(errno));
		return (-1);
	}
	if (setresuid(svc->uid, svc->uid, svc->uid) != 0) {
		xasprintf(cause, "dropping to %s: setresuid %ld: %s", svc->user,
		    (long)svc->uid, strerror(errno));
		return (-1);
	}
	/* Checked, not trusted: every id is the user's, and root is gone. */
	if (getresuid(&ru, &eu, &su) != 0 || ru != svc->uid ||
	    eu != svc->uid || su != svc->uid ||
	    getresgid(&rg, &eg, &sg) != 0 || rg != svc->gid ||
	    eg != svc->gid || sg != svc->gid ||
	    (n = getgroups(2, groups)) != 1 || groups[0] != svc->gid) {
		xasprintf(cause, "dropping to %s: the process still has other "
		    "user or group ids", svc->user);
		return (-1);
	}
	if (setuid(0) != -1 || seteuid(0) != -1 || setgid(0) != -1 ||
	    setegid(0) != -1) {
		xasprintf(cause, "dropping to %s: root could be regained",
		    svc->user);
		return (-1);
	}
	log_info("running as %s (uid %ld, gid %ld)", svc->user,
	    (long)svc->uid, (long)svc->gid);
	return (0);
}

/* Written to a temporary name, synced, then renamed into place. */
int
service_pidfile(const char *path, char **cause)
{
	char	*tmp, buf[32];
	int	 fd, len;

	if (*path == '\0')
		return (0);
	tmp = xprintf("%s.tmp", path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
	    O_NOFOLLOW, 0644)) == -1) {
		xasprintf(cause, "pid file %s: %s", tmp, strerror(errno));
		free(tmp);
		return (-1);
	}
	len = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
	/* Anyone may read a pid: 0644 whatever the umask. */
	if (fchmod(fd, 0644) != 0 ||
	    write(fd, buf, (size_t)len) != len || fsync(fd) != 0 ||
	    close(fd) != 0 || rename(tmp, path) != 0) {
		xasprintf(cause, "pid file %s: %s", path, strerror(errno));
		unlink(tmp);
		free(tmp);
		return (-1);
	}
	free(tmp);
	return (0);
}

void
service_close(struct service *svc)
{
	if (svc->admin_fd != -1) {
		close(svc->admin_fd);
		if (svc->admin_path != NULL)
			unlink(svc->admin_path);
	}
	if (svc->tcp_fd != -1)
		close(svc->tcp_fd);
	if (svc->public_fd != -1)
		close(svc->public_fd);
	svc->admin_fd = svc->tcp_fd = svc->public_fd = -1;
	tls_free(svc->tls);
	svc->tls = NULL;
	free(svc->admin_path);
	free(svc->user);
	svc->admin_path = svc->user = NULL;
}
