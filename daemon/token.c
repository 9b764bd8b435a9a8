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
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nettle/gcm.h>
#include <nettle/hmac.h>
#include <nettle/memops.h>
#include <nettle/sha2.h>

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
 * SHA-256, HMAC-SHA256 and AES-256-GCM are Nettle's, not OpenSSL's: the
 * first use of OpenSSL's EVP fetches its providers' tables and touched
 * 1.9 MB of libcrypto, resident from the first feed or registration on
 * (issue 9: < 30 MB after a mixed run). Nettle is there already, under
 * GnuTLS (which libcurl's LDAP support loads), and needs no set-up. The
 * bytes are the same: these are the same algorithms.
 */

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
	struct sha256_ctx	 ctx;
	unsigned char		 md[SHA256_DIGEST_SIZE];
	char			*out = xmalloc(65);

	sha256_init(&ctx);
	sha256_update(&ctx, strlen(token), (const uint8_t *)token);
	sha256_digest(&ctx, sizeof md, md);
	hex_encode(md, sizeof md, out);
	return (out);
}

/* AES-256-GCM; out is hex of nonce | ciphertext | tag. */
static char *
token_seal(const char *token)
{
	unsigned char		 buf[NONCE_BYTES + TOKEN_BYTES * 2 + TAG_BYTES];
	struct gcm_aes256_ctx	 ctx;
	size_t			 plen = strlen(token);
	char			*out;

	if (!token_have_key)
		fatalx("token_seal before token_init");
	if (plen > TOKEN_BYTES * 2)
		fatalx("token_seal: a token of %zu octets", plen);
	random_bytes(buf, NONCE_BYTES);
	gcm_aes256_set_key(&ctx, token_key);
	gcm_aes256_set_iv(&ctx, NONCE_BYTES, buf);
	gcm_aes256_encrypt(&ctx, plen, buf + NONCE_BYTES,
	    (const uint8_t *)token);
	gcm_aes256_digest(&ctx, TAG_BYTES, buf + NONCE_BYTES + plen);
	explicit_bzero(&ctx, sizeof ctx);
	out = xmalloc(2 * (NONCE_BYTES + plen + TAG_BYTES) + 1);
	hex_encode(buf, NONCE_BYTES + plen + TAG_BYTES, out);
	return (out);
}

char *
token_open(const char *sealed)
{
	unsigned char		 buf[NONCE_BYTES + TOKEN_BYTES * 2 + TAG_BYTES];
	unsigned char		 plain[TOKEN_BYTES * 2 + 1], tag[TAG_BYTES];
	struct gcm_aes256_ctx	 ctx;
	size_t			 len = strlen(sealed) / 2, clen;
	int			 ok;

	if (!token_have_key || len <= NONCE_BYTES + TAG_BYTES ||
	    len > sizeof buf || hex_decode(sealed, buf, len) != 0)
		return (NULL);
	clen = len - NONCE_BYTES - TAG_BYTES;
	gcm_aes256_set_key(&ctx, token_key);
	gcm_aes256_set_iv(&ctx, NONCE_BYTES, buf);
	gcm_aes256_decrypt(&ctx, clen, plain, buf + NONCE_BYTES);
	gcm_aes256_digest(&ctx, TAG_BYTES, tag);
	explicit_bzero(&ctx, sizeof ctx);
	/* Another key, or tampered with. */
	ok = memeql_sec(tag, buf + NONCE_BYTES + clen, TAG_BYTES);
	if (!ok) {
		explicit_bzero(plain, sizeof plain);
		return (NULL);
	}
	plain[clen] = '\0';
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

/* HMAC-SHA256 of data under key; n octets of it, as hex. */
static char *
token_hmac_hex(const uint8_t *key, size_t klen, const void *data,
    size_t len, size_t n)
{
	struct hmac_sha256_ctx	 ctx;
	unsigned char		 md[SHA256_DIGEST_SIZE];
	char			*out;

	hmac_sha256_set_key(&ctx, klen, key);
	hmac_sha256_update(&ctx, len, data);
	hmac_sha256_digest(&ctx, sizeof md, md);
	explicit_bzero(&ctx, sizeof ctx);
	out = xmalloc(2 * n + 1);
	hex_encode(md, n, out);
	return (out);
}

char *
token_hmac(const char *key, const void *data, size_t len)
{
	return (token_hmac_hex((const uint8_t *)key, strlen(key), data, len,
	    SHA256_DIGEST_SIZE));
}

char *
token_mac(const char *purpose, const char *token)
{
	char	*msg, *out;

	if (!token_have_key)
		fatalx("token_mac before token_init");
	msg = xprintf("%s:%s", purpose, token);
	/* 128 bits are plenty */
	out = token_hmac_hex(token_key, KEY_BYTES, msg, strlen(msg),
	    TOKEN_BYTES);
	free(msg);
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
