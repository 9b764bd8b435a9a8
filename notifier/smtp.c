/*
 * SMTP with libesmtp: one session (one connection) carries every message
 * of a batch; the outcome of each is read from libesmtp's status codes
 * after the session ends.
 *
 * Threads: auth_client_init() runs once under pthread_once(); after it,
 * each call of smtp_send() uses only its own session and auth context,
 * so workers may send concurrently. libesmtp writes to a socket that the
 * peer may close: the daemon ignores SIGPIPE (it does, see STYLE.md).
 *
 * Round trips (bench/notifier BENCH_PERF=turns counts them): libesmtp
 * 1.1.0 writes MAIL FROM alone and waits for its answer even when the
 * server offers PIPELINING: cmd_mail() in its protocol.c (lines
 * 1038-1045) ends "#if 0 cmd_state = S_rcpt; #else cmd_state = -1",
 * its authors' TODO until a refused MAIL could stop the RCPTs pipelined
 * behind it. Then RCPT TO and DATA go together, then the data with its
 * "." (the seal's round trip): three turns a message. No option,
 * callback or order of ours changes the first; a server that offers
 * CHUNKING gets BDAT (smtp-bdat.c), RCPT and the chunks in one turn,
 * two in all, the message the same bytes (seen by hand with a server
 * made for it: neither aiosmtpd nor smtp-sink offers CHUNKING, so no
 * test does), and the seal still taken before "BDAT 0 LAST" (our
 * callback's end comes first in cmd_bdat2()). Postfix's smtp-source
 * does not pipeline at all: four.
 */

#include "config.h"

#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <dirent.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <auth-client.h>
#include <libesmtp.h>

#include "cause.h"
#include "notifier.h"
#include "xmalloc.h"

static pthread_once_t	 smtp_once = PTHREAD_ONCE_INIT;

/* What the callbacks of one session need. */
struct smtp_state {
	const struct smtp_config *config;
	char			*event;	/* a session-wide failure, or NULL */
};

static void
smtp_init(void)
{
	auth_client_init();
}

/*
 * libesmtp reads each message through this callback: len NULL means
 * rewind; otherwise hand out the whole message once, then NULL, after
 * which libesmtp sends the end of the data. *ctx is ours, and libesmtp
 * releases it with free().
 */
static const char *
smtp_read(void **ctx, int *len, void *arg)
{
	struct smtp_message	*sm = arg;
	int			*done;

	if (*ctx == NULL)
		*ctx = xcalloc(1, sizeof *done);
	done = *ctx;
	if (len == NULL) {
		*done = 0;
		return (NULL);
	}
	if (*done) {
		if (!sm->sealed && sm->seal != NULL) {
			sm->sealed = 1;
			sm->seal(sm, sm->arg);
		}
		*len = 0;
		return (NULL);
	}
	*done = 1;
	*len = (int)sm->len;
	return (sm->data);
}

/* AUTH: the user name and the password, whatever the mechanism asks. */
static int
smtp_interact(auth_client_request_t request, char **result, int fields,
    void *arg)
{
	struct smtp_state	*st = arg;
	int			 i;

	for (i = 0; i < fields; i++) {
		if (request[i].flags & AUTH_USER)
			result[i] = (char *)st->config->user;
		else if (request[i].flags & AUTH_PASS)
			result[i] = (char *)st->config->password;
		else
			result[i] = NULL;
		if (result[i] == NULL)
			return (0);
	}
	return (1);
}

/*
 * Session-wide troubles that leave no status code behind. The events
 * that ask whether to go on (certificates, weak ciphers) are left to
 * libesmtp's default, which is to refuse.
 */
static int smtp_outcome(struct smtp_message *, smtp_message_t,
    smtp_recipient_t, const char *, int);

/* smtp_enumerate_recipients() callback: keeps the first. */
static void
smtp_first_recipient(smtp_recipient_t r, const char *mailbox, void *arg)
{
	smtp_recipient_t	*first = arg;

	(void)mailbox;
	if (*first == NULL)
		*first = r;
}

/* Tells the caller of one message's outcome, once. */
static void
smtp_report(struct smtp_message *sm)
{
	if (sm->reported)
		return;
	sm->reported = 1;
	if (sm->done != NULL)
		sm->done(sm, sm->arg);
}

/*
 * libesmtp writes a message in 2 KiB pieces with Nagle's algorithm on, so
 * the last piece of every message waited ~40 ms for the server's delayed
 * ACK: a few dozen messages a second per connection. libesmtp offers no
 * hook for its socket; when it reports the connection made, its socket is
 * one of this process's TCP sockets connected to the server's port, and
 * each of those gets TCP_NODELAY (harmless on another worker's connection
 * to the same server, and on libcurl's, which sets it itself).
 */
static void
smtp_nodelay(int port)
{
	struct sockaddr_storage	 ss;
	struct dirent		*de;
	socklen_t		 len;
	DIR			*d;
	char			*end;
	long			 fd;
	int			 type, one = 1, peer;

	if ((d = opendir("/proc/self/fd")) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		fd = strtol(de->d_name, &end, 10);
		if (*de->d_name == '\0' || *end != '\0' || fd == dirfd(d))
			continue;
		len = sizeof type;
		if (getsockopt((int)fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 ||
		    type != SOCK_STREAM)
			continue;
		len = sizeof ss;
		if (getpeername((int)fd, (struct sockaddr *)&ss, &len) != 0)
			continue;
		if (ss.ss_family == AF_INET)
			peer = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		else if (ss.ss_family == AF_INET6)
			peer = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
		else
			continue;
		if (peer == port)
			(void)setsockopt((int)fd, IPPROTO_TCP, TCP_NODELAY, &one,
			    sizeof one);
	}
	closedir(d);
}

static void
smtp_event(smtp_session_t session, int event, void *arg, ...)
{
	struct smtp_state	*st = arg;
	const char		*what = NULL;
	struct smtp_message	*sm;
	smtp_message_t		 em;
	va_list			 ap;

	if (event == SMTP_EV_CONNECT) {
		smtp_nodelay(st->config->port);
		return;
	}
	if (event == SMTP_EV_MESSAGESENT) {
		/* The server has answered the data: record it now. */
		va_start(ap, arg);
		em = va_arg(ap, smtp_message_t);
		va_end(ap);
		if ((sm = smtp_message_get_application_data(em)) != NULL &&
		    smtp_outcome(sm, em, NULL, NULL, 0))
			smtp_report(sm);
		return;
	}
	switch (event) {
	case SMTP_EV_EXTNA_STARTTLS:
		what = "the server does not offer STARTTLS";
		break;
	case SMTP_EV_INVALID_PEER_CERTIFICATE:
	case SMTP_EV_NO_PEER_CERTIFICATE:
	case SMTP_EV_WRONG_PEER_CERTIFICATE:
		what = "the server's TLS certificate was not accepted";
		break;
	case SMTP_EV_WEAK_CIPHER:
		what = "the server's TLS cipher is too weak";
		break;
	}
	if (what != NULL && st->event == NULL)
		st->event = xstrdup(what);
}

static int
smtp_class(int code)
{
	if (code >= 200 && code < 300)
		return (SEND_OK);
	if (code >= 500 && code < 600)
		return (SEND_PERMANENT);
	return (SEND_TEMPORARY);
}

/* Sets result and error from a status that holds a reply (code != 0). */
static int
smtp_status_set(struct smtp_message *sm, const smtp_status_t *status,
    const char *stage)
{
	char	 buf[512], *cp;

	if (status == NULL || status->code == 0)
		return (0);
	sm->result = smtp_class(status->code);
	if (sm->result == SEND_OK)
		return (1);
	cause_quote(status->text != NULL ? status->text : "", buf, sizeof buf);
	cp = buf + strlen(buf);
	while (cp > buf && (cp[-1] == '?' || cp[-1] == ' '))
		*--cp = '\0';	/* the reply's CRLF */
	free(sm->error);
	xasprintf(&sm->error, "%s: %d %s", stage, status->code, buf);
	return (1);
}

/*
 * The first reply that refused the message decides: MAIL FROM, then RCPT
 * TO, then the answer to the data. With cutoff (the session's failure)
 * a message with no reply at all gets it as a temporary failure; without,
 * 0 says the outcome is not known yet. er NULL: the message's only
 * recipient.
 */
static int
smtp_outcome(struct smtp_message *sm, smtp_message_t em, smtp_recipient_t er,
    const char *cutoff, int cutoff_result)
{
	const smtp_status_t	*status;

	status = smtp_reverse_path_status(em);
	if (status != NULL && status->code >= 400 &&
	    smtp_status_set(sm, status, "MAIL FROM")) {
		/* Our sender address is refused: the settings' fault. */
		if (sm->result == SEND_PERMANENT)
			sm->result = SEND_SERVER;
		return (1);
	}
	if (er == NULL)
		smtp_enumerate_recipients(em, smtp_first_recipient, &er);
	status = er != NULL ? smtp_recipient_status(er) : NULL;
	if (status != NULL && status->code >= 400 &&
	    smtp_status_set(sm, status, "RCPT TO"))
		return (1);
	status = smtp_message_transfer_status(em);
	if (smtp_status_set(sm, status, "DATA"))
		return (1);
	if (cutoff == NULL)
		return (0);
	sm->result = cutoff_result;
	free(sm->error);
	sm->error = xstrdup(cutoff);
	return (1);
}

void
smtp_send(const struct smtp_config *sc, struct smtp_message *msgs, size_t n)
{
	smtp_session_t		 session;
	smtp_message_t		*em;
	smtp_recipient_t	*er;
	auth_context_t		 auth = NULL;
	struct smtp_state	 st;
	struct smtp_message	*sm;
	const smtp_status_t	*status;
	char			*server, buf[256], *failure = NULL;
	long			 ms;
	size_t			 i;
	int			 how, which, replied;

	if (n == 0)
		return;
	pthread_once(&smtp_once, smtp_init);
	memset(&st, 0, sizeof st);
	st.config = sc;

	em = xcalloc(n, sizeof *em);
	er = xcalloc(n, sizeof *er);
	for (i = 0; i < n; i++) {
		msgs[i].result = SEND_TEMPORARY;
		msgs[i].error = NULL;
		msgs[i].reported = 0;
		msgs[i].sealed = 0;
	}

	if ((session = smtp_create_session()) == NULL) {
		failure = xstrdup("cannot create an SMTP session");
		goto out;
	}
	xasprintf(&server, "%s:%d", sc->host, sc->port);
	smtp_set_server(session, server);
	free(server);
	smtp_set_eventcb(session, smtp_event, &st);

	/*
	 * Every wait for the server is bounded by the configured timeout,
	 * below RFC 5321's minutes-long minimums: a server that accepts
	 * and never answers must not hold a worker for ten minutes.
	 * libesmtp counts in milliseconds.
	 */
	ms = (sc->timeout > 0 ? sc->timeout : 30) * 1000L;
	for (which = Timeout_GREETING; which <= Timeout_DATA2; which++)
		smtp_set_timeout(session,
		    which | Timeout_OVERRIDE_RFC2822_MINIMUM, ms);

	switch (sc->starttls) {
	case SMTP_TLS_REQUIRED:
		how = Starttls_REQUIRED;
		break;
	case SMTP_TLS_OPTIONAL:
		how = Starttls_ENABLED;
		break;
	default:
		how = Starttls_DISABLED;
		break;
	}
	if (!smtp_starttls_enable(session, how) && how == Starttls_REQUIRED) {
		failure = xstrdup("this libesmtp cannot do STARTTLS");
		goto out;
	}

	if (sc->user != NULL && *sc->user != '\0') {
		auth = auth_create_context();
		/* PLAIN and LOGIN too: the password travels under TLS
		 * when starttls asks for it, and that is for the config
		 * to decide. */
		auth_set_mechanism_flags(auth, AUTH_PLUGIN_PLAIN, 0);
		auth_set_interact_cb(auth, smtp_interact, &st);
		smtp_auth_set_context(session, auth);
	}

	for (i = 0; i < n; i++) {
		sm = &msgs[i];
		em[i] = smtp_add_message(session);
		smtp_set_reverse_path(em[i], sm->from);
		er[i] = smtp_add_recipient(em[i], sm->to);
		smtp_set_messagecb(em[i], smtp_read, sm);
		smtp_message_set_application_data_release(em[i], sm, NULL);
	}

	if (!smtp_start_session(session)) {
		failure = xstrdup(smtp_strerror(smtp_errno(), buf, sizeof buf));
		if (st.event != NULL) {
			free(failure);
			failure = xstrdup(st.event);
		}
	} else if (st.event != NULL)
		failure = xstrdup(st.event);

	/*
	 * The first reply that refused the message decides: MAIL FROM,
	 * then RCPT TO, then the answer to the data. A message with no
	 * reply at all was cut off by the session's failure.
	 */
	/*
	 * A session that never got to a MAIL FROM (no connection, no
	 * greeting, EHLO, AUTH or STARTTLS refused) is the server's or the
	 * settings' fault; one cut off later leaves its last messages to
	 * be tried again.
	 */
	for (i = 0, replied = 0; i < n && !replied; i++) {
		status = smtp_reverse_path_status(em[i]);
		replied = status != NULL && status->code != 0;
	}
	for (i = 0; i < n; i++) {
		if (msgs[i].reported)
			continue;
		smtp_outcome(&msgs[i], em[i], er[i], failure != NULL ?
		    failure : "no reply from the server", replied ?
		    SEND_TEMPORARY : SEND_SERVER);
		smtp_report(&msgs[i]);
	}
	free(failure);
	failure = NULL;

out:
	if (failure != NULL) {
		for (i = 0; i < n; i++) {
			msgs[i].result = SEND_SERVER;
			msgs[i].error = xstrdup(failure);
			smtp_report(&msgs[i]);
		}
		free(failure);
	}
	if (session != NULL)
		smtp_destroy_session(session);
	if (auth != NULL)
		auth_destroy_context(auth);
	free(st.event);
	free(er);
	free(em);
}

/* Waits for fd to be ready for events, at most ms; 1 ready, 0 not. */
static int
smtp_wait(int fd, short events, int ms)
{
	struct pollfd	 pfd;
	int		 n;

	pfd.fd = fd;
	pfd.events = events;
	do
		n = poll(&pfd, 1, ms);
	while (n < 0 && errno == EINTR);
	return (n > 0);
}

int
smtp_probe(const struct smtp_config *sc, char **error)
{
	struct addrinfo	 hints, *res = NULL, *ai;
	char		 port[16], buf[512];
	ssize_t		 n;
	size_t		 got = 0;
	socklen_t	 len;
	int		 fd = -1, err = 0, ms, rc = -1;

	ms = (sc->timeout > 0 ? sc->timeout : 30) * 1000;
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof port, "%d", sc->port);
	if ((err = getaddrinfo(sc->host, port, &hints, &res)) != 0) {
		xasprintf(error, "%s: %s", sc->host, gai_strerror(err));
		return (-1);
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, ai->ai_protocol)) < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ||
		    (errno == EINPROGRESS && smtp_wait(fd, POLLOUT, ms))) {
			len = sizeof err;
			if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err,
			    &len) == 0 && err == 0)
				break;
		} else
			err = errno != EINPROGRESS ? errno : ETIMEDOUT;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		xasprintf(error, "cannot connect to %s:%d: %s", sc->host,
		    sc->port, strerror(err != 0 ? err : ECONNREFUSED));
		return (-1);
	}
	/* The greeting: "220 ..." (perhaps over several lines). */
	while (got < sizeof buf - 1) {
		if (!smtp_wait(fd, POLLIN, ms)) {
			xasprintf(error, "%s:%d accepted the connection but "
			    "sent no greeting within %d s", sc->host, sc->port,
			    ms / 1000);
			goto out;
		}
		if ((n = read(fd, buf + got, sizeof buf - 1 - got)) <= 0) {
			xasprintf(error, "%s:%d closed the connection before "
			    "its greeting", sc->host, sc->port);
			goto out;
		}
		got += (size_t)n;
		buf[got] = '\0';
		if (strchr(buf, '\n') != NULL)
			break;
	}
	if (strncmp(buf, "220", 3) != 0) {
		buf[strcspn(buf, "\r\n")] = '\0';
		cause_quote(buf, port, sizeof port);
		xasprintf(error, "%s:%d greeted with \"%.60s\", not 220",
		    sc->host, sc->port, buf);
		goto out;
	}
	(void)write(fd, "QUIT\r\n", 6);
	rc = 0;
out:
	close(fd);
	return (rc);
}
