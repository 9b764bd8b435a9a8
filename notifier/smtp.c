/*
 * SMTP with libesmtp: one session (one connection) carries every message
 * of a batch; the outcome of each is read from libesmtp's status codes
 * after the session ends.
 *
 * Threads: auth_client_init() runs once under pthread_once(); after it,
 * each call of smtp_send() uses only its own session and auth context,
 * so workers may send concurrently. libesmtp writes to a socket that the
 * peer may close: the daemon ignores SIGPIPE (it does, see STYLE.md).
 */

#include "config.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
 * rewind; otherwise hand out the whole message once, then NULL. *ctx is
 * ours, and libesmtp releases it with free().
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
static void
smtp_event(smtp_session_t session, int event, void *arg, ...)
{
	struct smtp_state	*st = arg;
	const char		*what = NULL;

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
	int			 how, which;

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
	for (i = 0; i < n; i++) {
		sm = &msgs[i];
		status = smtp_reverse_path_status(em[i]);
		if (status != NULL && status->code >= 400 &&
		    smtp_status_set(sm, status, "MAIL FROM"))
			continue;
		status = smtp_recipient_status(er[i]);
		if (status != NULL && status->code >= 400 &&
		    smtp_status_set(sm, status, "RCPT TO"))
			continue;
		status = smtp_message_transfer_status(em[i]);
		if (smtp_status_set(sm, status, "DATA"))
			continue;
		sm->result = SEND_TEMPORARY;
		free(sm->error);
		sm->error = xstrdup(failure != NULL ? failure :
		    "no reply from the server");
	}
	free(failure);
	failure = NULL;

out:
	if (failure != NULL) {
		for (i = 0; i < n; i++) {
			msgs[i].result = SEND_TEMPORARY;
			msgs[i].error = xstrdup(failure);
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
