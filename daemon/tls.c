/*
 * TLS for a door of the server (server.c): the admin TCP listener speaks
 * it when [admin] tls_cert and tls_key are set, so that the bearer token
 * and people's data do not cross the network in clear. This file owns the
 * door's context (certificate, key, settings) and each connection's
 * record layer; conn.c reads and writes through tls_read() and
 * tls_writev() as it would through read(2) and sendmsg(2), and when
 * either says EAGAIN, waits for what tls_want() names: a TLS connection
 * may have to write before it can read on (the handshake, a key update),
 * or read before it can write.
 *
 * Settings: TLS 1.2 and 1.3 only; in 1.2 only ECDHE key exchange with
 * AES-GCM or ChaCha20-Poly1305 (forward secrecy, AEAD); OpenSSL's
 * security level 2 at least (no RSA key under 2048 bits, no SHA-1
 * signatures); no compression, no renegotiation; no session tickets or
 * cache (kursusctl makes one connection per run); ALPN says http/1.1 when
 * the client asks.
 *
 * The key is read like the token and key files (token.c): a regular file
 * that no one but its owner may read or write, the owner root, kursusd's
 * user or whoever runs kursusd. kursusd reads it before it drops root, so
 * a key only root may read serves. SIGHUP reads both files again into a
 * new context, as the user; should that fail (a key only root may read,
 * a certificate that is not the key's), the old context stays and the
 * cause is logged. A connection keeps the context it began with.
 *
 * Outgoing bytes are gathered into records of up to 16 KiB here (a head
 * and its body in one record), so that an SSL_write() retried after
 * WANT_READ or WANT_WRITE always sees the same bytes. What goes wrong on
 * one connection (a port scan, a client that does not trust the
 * certificate) is logged at debug only.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "kursusd.h"
#include "server.h"

#define TLS_RECORD	16384	/* bytes gathered into one record */
#define TLS_WARN_DAYS	14	/* a certificate this close to its end */
/* TLS 1.2: forward secrecy and AEAD only (TLS 1.3's are all such). */
#define TLS_CIPHERS	"ECDHE+AESGCM:ECDHE+CHACHA20"

struct tls {
	SSL_CTX		*ctx;
	char		*about;		/* the certificate, for the log */
};

struct tls_conn {
	SSL		*ssl;
	const char	*peer;		/* the connection's, for the log */
	int		 want[2];	/* what reading, writing wait for */
	int		 failed;	/* no SSL call but SSL_free() */
	int		 plain;		/* the peer spoke plain HTTP */
	int		 shut;		/* close_notify sent */
	unsigned char	*wbuf;		/* taken, not yet written */
	size_t		 wlen, woff;
};

/* OpenSSL's reason for the first error queued (the deepest), or what. */
static const char *
tls_reason(const char *what)
{
	unsigned long	 e = ERR_peek_error();
	const char	*r;

	if (e == 0 || (r = ERR_reason_error_string(e)) == NULL)
		return (what);
	return (r);
}

/* A key with a passphrase is refused: kursusd starts unattended. */
static int
tls_no_passphrase(char *buf, int size, int rwflag, void *arg)
{
	*(int *)arg = 1;
	return (-1);
}

/*
 * The private key in path: a regular file of root's, of user's or of
 * ours that no one else may read, nor anyone but its owner write.
 */
static EVP_PKEY *
tls_key(const char *path, uid_t user, int *denied, char **cause)
{
	struct stat	 sb;
	EVP_PKEY	*pkey;
	FILE		*f;
	int		 fd, asked = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK)) == -1) {
		if (errno == EACCES && geteuid() != 0) {
			*denied = 1;
			xasprintf(cause, "admin.tls_key: %s: %s (uid %ld may "
			    "not read it; kursusd started as root reads it "
			    "before it drops root)", path, strerror(errno),
			    (long)geteuid());
		} else
			xasprintf(cause, "admin.tls_key: %s: %s", path,
			    strerror(errno));
		return (NULL);
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		xasprintf(cause, "admin.tls_key: %s is not a regular file",
		    path);
		close(fd);
		return (NULL);
	}
	if (sb.st_uid != 0 && sb.st_uid != user && sb.st_uid != geteuid()) {
		xasprintf(cause, "admin.tls_key: %s belongs to uid %ld, not "
		    "to root or kursusd's user (uid %ld); chown it", path,
		    (long)sb.st_uid, (long)user);
		close(fd);
		return (NULL);
	}
	if (sb.st_mode & (S_IROTH | S_IWOTH | S_IWGRP)) {
		xasprintf(cause, "admin.tls_key: %s can be read or written by "
		    "others (mode %04o); chmod 600 it", path,
		    (unsigned)(sb.st_mode & 07777));
		close(fd);
		return (NULL);
	}
	if ((f = fdopen(fd, "r")) == NULL) {
		xasprintf(cause, "admin.tls_key: %s: %s", path,
		    strerror(errno));
		close(fd);
		return (NULL);
	}
	pkey = PEM_read_PrivateKey(f, NULL, tls_no_passphrase, &asked);
	fclose(f);
	if (pkey == NULL && asked)
		xasprintf(cause, "admin.tls_key: %s is protected by a "
		    "passphrase; kursusd needs the key without one (mode "
		    "0600)", path);
	else if (pkey == NULL)
		xasprintf(cause, "admin.tls_key: %s holds no PEM private key "
		    "(%s)", path, tls_reason("unreadable"));
	return (pkey);
}

/* The certificate's end date, "2027-05-01". */
static void
tls_date(const ASN1_TIME *t, char *buf, size_t size)
{
	struct tm	 tm;

	if (ASN1_TIME_to_tm(t, &tm) != 1 ||
	    strftime(buf, size, "%Y-%m-%d", &tm) == 0)
		snprintf(buf, size, "?");
}

/* Says what the certificate is; warns when it is out of its dates. */
static char *
tls_about_cert(const char *path, X509 *x)
{
	const ASN1_TIME	*end = X509_get0_notAfter(x);
	char		 subject[256], date[32];
	int		 days = 0, secs = 0;

	if (X509_NAME_oneline(X509_get_subject_name(x), subject,
	    sizeof subject) == NULL)
		snprintf(subject, sizeof subject, "?");
	tls_date(end, date, sizeof date);
	if (X509_cmp_current_time(X509_get0_notBefore(x)) > 0)
		log_warnx("admin.tls_cert: %s is not valid yet: clients will "
		    "refuse it", path);
	if (X509_cmp_current_time(end) < 0)
		log_warnx("admin.tls_cert: %s expired on %s: clients will "
		    "refuse it", path, date);
	else if (ASN1_TIME_diff(&days, &secs, NULL, end) == 1 &&
	    days < TLS_WARN_DAYS)
		log_warnx("admin.tls_cert: %s expires on %s; renew it and "
		    "send kursusd SIGHUP", path, date);
	return (xprintf("%s, valid until %s", subject, date));
}

/* ALPN: http/1.1 when offered; else none (the client then assumes it). */
static int
tls_alpn(SSL *ssl, const unsigned char **out, unsigned char *outlen,
    const unsigned char *in, unsigned int inlen, void *arg)
{
	static const unsigned char	 http11[] = "\x08http/1.1";

	if (SSL_select_next_proto((unsigned char **)out, outlen, http11,
	    sizeof http11 - 1, in, inlen) == OPENSSL_NPN_NEGOTIATED)
		return (SSL_TLSEXT_ERR_OK);
	return (SSL_TLSEXT_ERR_NOACK);
}

/* A context with the settings above, the certificate and its key. */
static SSL_CTX *
tls_ctx(const char *cert, const char *key, uid_t user, int *denied,
    char **about, char **cause)
{
	SSL_CTX		*ctx;
	EVP_PKEY	*pkey;
	int		 fd;

	*denied = 0;
	ERR_clear_error();
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		xasprintf(cause, "TLS: %s", tls_reason("no context"));
		return (NULL);
	}
	if (SSL_CTX_get_security_level(ctx) < 2)
		SSL_CTX_set_security_level(ctx, 2);
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_set_cipher_list(ctx, TLS_CIPHERS) != 1 ||
	    SSL_CTX_set_num_tickets(ctx, 0) != 1) {
		xasprintf(cause, "TLS: %s", tls_reason("settings refused"));
		goto fail;
	}
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION |
	    SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
	    SSL_OP_NO_TICKET);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_alpn_select_cb(ctx, tls_alpn, NULL);

	/* The system's words for a file that is not there, not OpenSSL's. */
	if ((fd = open(cert, O_RDONLY | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK)) == -1) {
		if (errno == EACCES && geteuid() != 0)
			*denied = 1;
		xasprintf(cause, "admin.tls_cert: %s: %s", cert,
		    strerror(errno));
		goto fail;
	}
	close(fd);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		xasprintf(cause, "admin.tls_cert: %s holds no usable PEM "
		    "certificate (%s)", cert, tls_reason("unreadable"));
		goto fail;
	}
	if ((pkey = tls_key(key, user, denied, cause)) == NULL)
		goto fail;
	if (SSL_CTX_use_PrivateKey(ctx, pkey) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		xasprintf(cause, "admin.tls_key: %s is not the key of the "
		    "certificate in %s (%s)", key, cert,
		    tls_reason("mismatch"));
		EVP_PKEY_free(pkey);
		goto fail;
	}
	EVP_PKEY_free(pkey);
	*about = tls_about_cert(cert, SSL_CTX_get0_certificate(ctx));
	ERR_clear_error();
	return (ctx);
fail:
	SSL_CTX_free(ctx);
	ERR_clear_error();
	return (NULL);
}

struct tls *
tls_new(const char *cert, const char *key, uid_t user, int *denied,
    char **cause)
{
	struct tls	*t = xcalloc(1, sizeof *t);
	int		 no;

	if ((t->ctx = tls_ctx(cert, key, user, denied != NULL ? denied : &no,
	    &t->about, cause)) == NULL) {
		free(t);
		return (NULL);
	}
	return (t);
}

int
tls_reload(struct tls *t, const char *cert, const char *key, char **cause)
{
	SSL_CTX	*ctx;
	char	*about;
	int	 denied;

	if ((ctx = tls_ctx(cert, key, geteuid(), &denied, &about,
	    cause)) == NULL)
		return (-1);
	/* Connections hold a reference to the context they began with. */
	SSL_CTX_free(t->ctx);
	t->ctx = ctx;
	free(t->about);
	t->about = about;
	return (0);
}

const char *
tls_about(const struct tls *t)
{
	return (t->about);
}

void
tls_free(struct tls *t)
{
	if (t == NULL)
		return;
	SSL_CTX_free(t->ctx);
	free(t->about);
	free(t);
}

/* --- connections */

struct tls_conn *
tls_conn_new(struct tls *t, int fd, const char *peer)
{
	struct tls_conn	*tc = xcalloc(1, sizeof *tc);

	ERR_clear_error();
	if ((tc->ssl = SSL_new(t->ctx)) == NULL ||
	    SSL_set_fd(tc->ssl, fd) != 1)
		fatalx("TLS: a connection: %s", tls_reason("out of memory"));
	SSL_set_accept_state(tc->ssl);
	tc->peer = peer;
	tc->want[0] = TLS_WANT_READ;
	tc->want[1] = TLS_WANT_WRITE;
	return (tc);
}

/*
 * An SSL call of one side (0 reading, 1 writing) returned ret: -1 with
 * errno EAGAIN when it waits (tls_want() says for what), else the end
 * of the connection: 0 when reading met the peer's end, -1 otherwise.
 */
static ssize_t
tls_io_error(struct tls_conn *tc, int writing, int ret)
{
	unsigned long	 e;
	int		 err = SSL_get_error(tc->ssl, ret), saved = errno;
	const char	*stage;

	switch (err) {
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		tc->want[writing] = err == SSL_ERROR_WANT_READ ?
		    TLS_WANT_READ : TLS_WANT_WRITE;
		errno = EAGAIN;
		return (-1);
	case SSL_ERROR_ZERO_RETURN:
		/* The peer's close_notify: ours may still go. */
		ERR_clear_error();
		if (writing) {
			errno = EPIPE;
			return (-1);
		}
		return (0);
	}
	tc->failed = 1;
	stage = SSL_is_init_finished(tc->ssl) ? "" : "handshake: ";
	e = ERR_peek_error();
	if (err == SSL_ERROR_SSL && ERR_GET_LIB(e) == ERR_LIB_SSL &&
	    ERR_GET_REASON(e) == SSL_R_HTTP_REQUEST) {
		tc->plain = 1;
		log_debug("TLS: %s: plain HTTP on a TLS door", tc->peer);
	} else if (err == SSL_ERROR_SYSCALL && e == 0)
		log_debug("TLS: %s: %s%s", tc->peer, stage, saved != 0 ?
		    strerror(saved) : "the peer closed");
	else
		log_debug("TLS: %s: %s%s", tc->peer, stage,
		    tls_reason("error"));
	ERR_clear_error();
	if (!writing && err == SSL_ERROR_SYSCALL && saved == 0)
		return (0);
	errno = err == SSL_ERROR_SYSCALL && saved != 0 ? saved : EPROTO;
	return (-1);
}

ssize_t
tls_read(struct tls_conn *tc, void *buf, size_t len)
{
	int	 n;

	if (tc->failed) {
		errno = EPROTO;
		return (-1);
	}
	ERR_clear_error();
	n = SSL_read(tc->ssl, buf, len > INT_MAX ? INT_MAX : (int)len);
	if (n > 0) {
		tc->want[0] = TLS_WANT_READ;
		return (n);
	}
	return (tls_io_error(tc, 0, n));
}

/* Writes what was taken: 0 when all of it went, else -1 (errno). */
static int
tls_flush(struct tls_conn *tc)
{
	int	 n;

	while (tc->woff < tc->wlen) {
		ERR_clear_error();
		n = SSL_write(tc->ssl, tc->wbuf + tc->woff,
		    (int)(tc->wlen - tc->woff));
		if (n <= 0)
			return ((int)tls_io_error(tc, 1, n));
		tc->woff += (size_t)n;
	}
	tc->woff = tc->wlen = 0;
	tc->want[1] = TLS_WANT_WRITE;
	return (0);
}

ssize_t
tls_writev(struct tls_conn *tc, const struct iovec *iov, int n)
{
	size_t	 taken = 0, k;
	int	 i;

	if (tc->failed) {
		errno = EPIPE;
		return (-1);
	}
	if (tls_flush(tc) != 0)
		return (-1);
	if (n == 0)
		return (0);
	if (tc->wbuf == NULL)
		tc->wbuf = xmalloc(TLS_RECORD);
	for (i = 0; i < n && tc->wlen < TLS_RECORD; i++) {
		k = iov[i].iov_len;
		if (k > TLS_RECORD - tc->wlen)
			k = TLS_RECORD - tc->wlen;
		memcpy(tc->wbuf + tc->wlen, iov[i].iov_base, k);
		tc->wlen += k;
		taken += k;
	}
	/* Taken, whether the socket has room for them now or later. */
	if (tls_flush(tc) != 0 && errno != EAGAIN)
		return (-1);
	return ((ssize_t)taken);
}

int
tls_want(const struct tls_conn *tc, int writing)
{
	return (tc->want[writing != 0]);
}

int
tls_pending(const struct tls_conn *tc)
{
	/*
	 * Decrypted bytes only: without read-ahead OpenSSL holds no more
	 * than part of one record besides, and the socket says when the
	 * rest of it comes (SSL_has_pending() would count that part, and a
	 * record trickling in would keep the loop spinning).
	 */
	return (!tc->failed && SSL_pending(tc->ssl) > 0);
}

int
tls_ready(const struct tls_conn *tc)
{
	return (SSL_is_init_finished(tc->ssl));
}

int
tls_plain(const struct tls_conn *tc)
{
	return (tc->plain);
}

/* Says close_notify once, when all else went and the socket has room. */
void
tls_shutdown(struct tls_conn *tc)
{
	if (tc->failed || tc->shut || tc->woff < tc->wlen ||
	    !SSL_is_init_finished(tc->ssl))
		return;
	tc->shut = 1;
	ERR_clear_error();
	(void)SSL_shutdown(tc->ssl);
	ERR_clear_error();
}

void
tls_conn_free(struct tls_conn *tc)
{
	if (tc == NULL)
		return;
	tls_shutdown(tc);
	SSL_free(tc->ssl);
	free(tc->wbuf);
	free(tc);
}
