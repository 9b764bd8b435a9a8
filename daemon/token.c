/*
 * Secrets: the files that hold them, and the personal feed tokens.
 *
 * A feed token is 128 random bits, shown as 32 hex digits in a link. The
 * database keeps its SHA-256 (to find the person) and the token sealed
 * with AES-256-GCM under a key that lives in a file outside the database
 * (to show the link again). A copy of the database alone therefore yields
 * no usable link, yet staff can print a person's link as often as needed;
 * rotating makes a new token and the old link answers 404.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "kursusd.h"
#include "citizen.h"
#include "hex.h"
#include "random.h"

#define TOKEN_BYTES	16
#define KEY_BYTES	32
#define NONCE_BYTES	12
#define TAG_BYTES	16

static unsigned char	token_key[KEY_BYTES];
static int		token_have_key;

/*
 * SHA-256 and AES-256-GCM fetched once: EVP_sha256() and
 * EVP_aes_256_gcm() look their implementation up again at every use,
 * twice for each registration. Kept for the process's life.
 */
static EVP_MD		*token_sha256;
static EVP_CIPHER	*token_gcm;
static pthread_once_t	 token_once = PTHREAD_ONCE_INIT;

static void
token_fetch(void)
{
	if ((token_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL ||
	    (token_gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL)) == NULL)
		fatalx("OpenSSL has no SHA-256 or AES-256-GCM");
}

static const EVP_MD *
token_md(void)
{
	pthread_once(&token_once, token_fetch);
	return (token_sha256);
}

static const EVP_CIPHER *
token_cipher(void)
{
	pthread_once(&token_once, token_fetch);
	return (token_gcm);
}

static int
token_not_ours(const char *path, const struct stat *sb, char **cause)
{
	xasprintf(cause, "%s belongs to uid %ld, not to kursusd's uid %ld; "
	    "chown it", path, (long)sb->st_uid, (long)geteuid());
	return (-1);
}

int
token_file_load(const char *path, size_t nbytes, char **out, char **cause)
{
	struct stat	 sb;
	char		 buf[512], *secret;
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1 &&
	    errno == ENOENT) {
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd == -1) {
			xasprintf(cause, "creating %s: %s", path,
			    strerror(errno));
			return (-1);
		}
		secret = random_hex(nbytes);
		n = write(fd, secret, strlen(secret));
		if (n != (ssize_t)strlen(secret) || write(fd, "\n", 1) != 1 ||
		    fsync(fd) != 0) {
			xasprintf(cause, "writing %s: %s", path,
			    strerror(errno));
			close(fd);
			free(secret);
			return (-1);
		}
		close(fd);
		explicit_bzero(secret, strlen(secret));
		free(secret);
		log_info("created secret file %s", path);
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	}
	/* Another user's file: say so, also when we may not open it. */
	if (fd == -1 && errno == EACCES && stat(path, &sb) == 0 &&
	    sb.st_uid != geteuid())
		return (token_not_ours(path, &sb, cause));
	if (fd == -1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return (-1);
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		xasprintf(cause, "%s is not a regular file", path);
		close(fd);
		return (-1);
	}
	if (sb.st_uid != geteuid()) {
		close(fd);
		return (token_not_ours(path, &sb, cause));
	}
	if (sb.st_mode & (S_IROTH | S_IWOTH | S_IWGRP)) {
		xasprintf(cause, "%s can be read or written by others (mode "
		    "%04o); chmod 600 it", path,
		    (unsigned)(sb.st_mode & 07777));
		close(fd);
		return (-1);
	}
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n < 0) {
		xasprintf(cause, "reading %s: %s", path, strerror(errno));
		return (-1);
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n \t")] = '\0';
	if (strlen(buf) < 16) {
		xasprintf(cause, "%s holds a secret shorter than 16 characters",
		    path);
		explicit_bzero(buf, sizeof buf);
		return (-1);
	}
	*out = xstrdup(buf);
	explicit_bzero(buf, sizeof buf);
	return (0);
}

int
token_init(const char *key_file, char **cause)
{
	char	*hex;
	int	 rc;

	if (token_file_load(key_file, KEY_BYTES, &hex, cause) != 0)
		return (-1);
	rc = hex_decode(hex, token_key, KEY_BYTES);
	explicit_bzero(hex, strlen(hex));
	free(hex);
	if (rc != 0) {
		xasprintf(cause, "%s does not hold a key of %d hex digits",
		    key_file, 2 * KEY_BYTES);
		return (-1);
	}
	token_have_key = 1;
	return (0);
}

char *
token_hash(const char *token)
{
	unsigned char	 md[32];
	unsigned int	 len = 0;
	char		*out = xmalloc(65);

	if (EVP_Digest(token, strlen(token), md, &len, token_md(),
	    NULL) != 1 || len != sizeof md)
		fatalx("SHA-256 failed");
	hex_encode(md, sizeof md, out);
	return (out);
}

/* AES-256-GCM; out is hex of nonce | ciphertext | tag. */
static char *
token_seal(const char *token)
{
	unsigned char	 buf[NONCE_BYTES + TOKEN_BYTES * 2 + TAG_BYTES];
	size_t		 plen = strlen(token);
	EVP_CIPHER_CTX	*ctx;
	int		 n, m;
	char		*out;

	if (!token_have_key)
		fatalx("token_seal before token_init");
	random_bytes(buf, NONCE_BYTES);
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_EncryptInit_ex(ctx, token_cipher(), NULL, token_key,
	    buf) != 1 ||
	    EVP_EncryptUpdate(ctx, buf + NONCE_BYTES, &n,
	    (const unsigned char *)token, (int)plen) != 1 ||
	    EVP_EncryptFinal_ex(ctx, buf + NONCE_BYTES + n, &m) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_BYTES,
	    buf + NONCE_BYTES + n + m) != 1)
		fatalx("AES-GCM sealing failed");
	EVP_CIPHER_CTX_free(ctx);
	out = xmalloc(2 * (NONCE_BYTES + (size_t)(n + m) + TAG_BYTES) + 1);
	hex_encode(buf, NONCE_BYTES + (size_t)(n + m) + TAG_BYTES, out);
	return (out);
}

char *
token_open(const char *sealed)
{
	unsigned char	 buf[NONCE_BYTES + TOKEN_BYTES * 2 + TAG_BYTES];
	unsigned char	 plain[TOKEN_BYTES * 2 + 1];
	size_t		 len = strlen(sealed) / 2, clen;
	EVP_CIPHER_CTX	*ctx;
	int		 n, m, ok;

	if (!token_have_key || len <= NONCE_BYTES + TAG_BYTES ||
	    len > sizeof buf || hex_decode(sealed, buf, len) != 0)
		return (NULL);
	clen = len - NONCE_BYTES - TAG_BYTES;
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		fatalx("EVP_CIPHER_CTX_new");
	ok = EVP_DecryptInit_ex(ctx, token_cipher(), NULL, token_key,
	    buf) == 1 &&
	    EVP_DecryptUpdate(ctx, plain, &n, buf + NONCE_BYTES,
	    (int)clen) == 1 &&
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_BYTES,
	    buf + NONCE_BYTES + clen) == 1 &&
	    EVP_DecryptFinal_ex(ctx, plain + n, &m) == 1;
	EVP_CIPHER_CTX_free(ctx);
	if (!ok)
		return (NULL);	/* another key, or tampered with */
	plain[n + m] = '\0';
	return (xstrdup((const char *)plain));
}

char *
token_new(char **hash, char **sealed)
{
	char	*token = random_hex(TOKEN_BYTES);

	*hash = token_hash(token);
	*sealed = token_seal(token);
	return (token);
}

/* Constant-time comparison: the time taken does not depend on where the
 * strings differ. */
int
token_equal(const char *a, const char *b)
{
	size_t		 la = strlen(a), lb = strlen(b), i;
	unsigned char	 d = la != lb;

	for (i = 0; i < la; i++)
		d |= (unsigned char)a[i] ^ (unsigned char)b[i % (lb ? lb : 1)];
	return (d == 0);
}

char *
token_hmac(const char *key, const void *data, size_t len)
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0;
	char		*out;

	if (HMAC(EVP_sha256(), key, (int)strlen(key), data, len, md,
	    &mdlen) == NULL || mdlen != 32)
		fatalx("HMAC-SHA256 failed");
	out = xmalloc(2 * mdlen + 1);
	hex_encode(md, mdlen, out);
	return (out);
}

char *
token_mac(const char *purpose, const char *token)
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0;
	char		*msg, *out;

	if (!token_have_key)
		fatalx("token_mac before token_init");
	msg = xprintf("%s:%s", purpose, token);
	if (HMAC(EVP_sha256(), token_key, KEY_BYTES,
	    (const unsigned char *)msg, strlen(msg), md,
	    &mdlen) == NULL)
		fatalx("HMAC-SHA256 failed");
	free(msg);
	out = xmalloc(2 * TOKEN_BYTES + 1);
	hex_encode(md, TOKEN_BYTES, out);	/* 128 bits are plenty */
	return (out);
}

int
token_valid(const char *token)
{
	size_t	 i;

	if (strlen(token) != 2 * TOKEN_BYTES)
		return (0);
	for (i = 0; i < 2 * TOKEN_BYTES; i++) {
		if (!((token[i] >= '0' && token[i] <= '9') ||
		    (token[i] >= 'a' && token[i] <= 'f')))
			return (0);
	}
	return (1);
}
