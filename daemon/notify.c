/*
 * Telling the service manager how kursusd is: systemd's notify protocol
 * (sd_notify(3)), written out here so that kursusd needs no libsystemd.
 *
 * The manager names a datagram socket in $NOTIFY_SOCKET: a path, or an
 * abstract address when it starts with '@'. Each state is one datagram
 * of newline-separated "KEY=value" lines: READY=1 when kursusd serves,
 * RELOADING=1 (with MONOTONIC_USEC) and READY=1 around a SIGHUP,
 * STOPPING=1 when it begins to stop, STATUS= a line for `systemctl
 * status`. Without $NOTIFY_SOCKET every call here does nothing, so
 * kursusd behaves the same outside systemd.
 *
 * The variable is read and removed once at start, before any thread
 * exists (setenv and unsetenv are not thread-safe), and the socket made
 * then, non-blocking: a stalled manager may lose a state, never hold
 * the event loop.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kursusd.h"
#include "service.h"

/* How long one datagram may wait for room in the manager's queue. */

static int			 notify_fd = -1;
static struct sockaddr_un	 notify_sun;
static socklen_t		 notify_len;

void
notify_init(void)
{
	const char	*env = getenv("NOTIFY_SOCKET");
	size_t		 len;

	if (env == NULL || *env == '\0')
		return;
	len = strlen(env);
	memset(&notify_sun, 0, sizeof notify_sun);
	notify_sun.sun_family = AF_UNIX;
	if ((*env != '/' && *env != '@') || len >= sizeof notify_sun.sun_path) {
		log_warnx("NOTIFY_SOCKET=%s: not a unix socket path or "
		    "abstract address; the service manager is not told "
		    "when kursusd is ready", env);
		goto out;
	}
	memcpy(notify_sun.sun_path, env, len);
	if (*env == '@') {
		/* Abstract: a leading NUL, and the length says where it ends. */
		notify_sun.sun_path[0] = '\0';
		notify_len = (socklen_t)(offsetof(struct sockaddr_un,
		    sun_path) + len);
	} else
		notify_len = (socklen_t)(offsetof(struct sockaddr_un,
		    sun_path) + len + 1);
	if ((notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) == -1) {
		log_warn("NOTIFY_SOCKET: socket");
		goto out;
	}
	log_debug("notify socket %s", env);
out:
	/* Nothing kursusd runs is the service the manager waits for. */
	unsetenv("NOTIFY_SOCKET");
}

void
notify_send(const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	if (notify_fd == -1)
		return;
	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	if (sendto(notify_fd, msg, strlen(msg), MSG_NOSIGNAL,
	    (struct sockaddr *)&notify_sun, notify_len) == -1)
		log_warn("telling the service manager \"%.*s\"",
		    (int)strcspn(msg, "\n"), msg);
	else
		log_debug("told the service manager \"%.*s\"",
		    (int)strcspn(msg, "\n"), msg);
	free(msg);
}

/*
 * The manager (systemd 253 and later, for Type=notify-reload) matches a
 * reload to its request by the monotonic clock; older ones ignore it.
 */
void
notify_reloading(void)
{
	struct timespec	 ts;

	if (notify_fd == -1)
		return;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
		notify_send("RELOADING=1");
		return;
	}
	notify_send("RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000ULL +
	    (unsigned long long)ts.tv_nsec / 1000ULL);
}
