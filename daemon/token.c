/*
 * Secrets: the files that hold them, and the personal tokens (the feed
 * links and the cancel links).
 *
 * A token is 128 bits a link carries. The database keeps its SHA-256
 * (to know it) and the token sealed with AES-256-GCM under a key that
 * lives in a file outside the database (to show the link again). A copy
 * of the database alone therefore yields no usable link, yet staff can
 * print a person's link as often as needed; rotating makes a new token
 * and the old link answers 404.
 *
 * Two forms. The old one, 32 hex digits of random bits, is found by its
 * hash through an index of its own. The new one, 26 characters of
 * Crockford's base 32 in lower case, is one AES-256 block under a key
 * derived from the same file: the kind of row it names and the row's
 * id (the selector) and 64 random bits. It is found by the row's id and
 * known by its hash, compared in constant time, so a new row writes no
 * entry into an index of random hashes. The block is encrypted, so a
 * link says nothing about how many people registered before; a block
 * made up decrypts to a kind and id that hold with a chance of 2^-64,
 * and then its hash must match. Links of the old form keep working.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nettle/aes.h>
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

/*
 * The key and what is made of it: the selectors' key and the key
 * schedules. A seal runs its own small state (struct gcm_ctx, 64 bytes)
 * against the GCM key's hash subkey and cipher, not a copy of the whole
 * context: its 4 KiB of tables, copied and wiped per token, were half of
 * making a token.
 *
 * Tokens are made and opened on several threads (the loop: a token
 * sealed per registration, links shown and read; the sender's workers:
 * the links in messages), and a reload may read another key
 * (token_init(), by feeds_key()). So a key's state is made whole aside,
 * read-only once published, and published by one atomic store of the
 * pointer; each use loads the pointer once (token_keys_now(): an
 * acquire load, a plain load on x86) and makes or opens its token under
 * that state alone. A state once published is never freed: a use on
 * another thread may still hold the one before. So each key has one
 * state, made the first time it is read (~4.6 KB) and published again
 * whenever it comes back: reloads that swap between two key files hold
 * two, not one more per reload (test_token's test_reload_memory).
 */
struct token_keys {
	unsigned char		 key[KEY_BYTES];
	unsigned char		 sel_key[KEY_BYTES];	/* the selectors' */
	struct gcm_aes256_ctx	 gcm;
	struct aes256_ctx	 sel_enc, sel_dec;
	struct token_keys	*next;		/* in token_made */
};
static _Atomic(struct token_keys *) token_keys;
/* Every state made, one a key, under token_init_mtx. */
static struct token_keys	*token_made;
static pthread_mutex_t		 token_init_mtx = PTHREAD_MUTEX_INITIALIZER;
#define TOKEN_AES	((nettle_cipher_func *)aes256_encrypt)

/* The key state in use, or NULL before token_init(). */
static const struct token_keys *
token_keys_now(void)
{
	return (atomic_load_explicit(&token_keys, memory_order_acquire));
}

/* The new form: 26 characters of Crockford's base 32, the first < 8. */
#define SEL_CHARS	26
static const char	token_b32[] = "0123456789abcdefghjkmnpqrstvwxyz";

/*
 * SHA-256, HMAC-SHA256, AES-256 and AES-256-GCM are Nettle's, not OpenSSL's: the
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
	struct hmac_sha256_ctx	 hctx;
	struct token_keys	*k;
	unsigned char		 key[KEY_BYTES];
	char			*hex;
	int			 rc;

	if (token_file_load(key_file, KEY_BYTES, &hex, cause) != 0)
		return (-1);
	rc = hex_decode(hex, key, KEY_BYTES);
	explicit_bzero(hex, strlen(hex));
	free(hex);
	if (rc != 0) {
		explicit_bzero(key, sizeof key);
		xasprintf(cause, "%s does not hold a key of %d hex digits",
		    key_file, 2 * KEY_BYTES);
		return (-1);
	}
	pthread_mutex_lock(&token_init_mtx);
	for (k = token_made; k != NULL; k = k->next) {
		if (memcmp(k->key, key, KEY_BYTES) != 0)
			continue;
		/* A key read before (the same one at the first personal
		 * link after a start, or a reload back to an earlier file):
		 * its state, whole since it was made. */
		atomic_store_explicit(&token_keys, k, memory_order_release);
		pthread_mutex_unlock(&token_init_mtx);
		explicit_bzero(key, sizeof key);
		return (0);
	}
	k = xcalloc(1, sizeof *k);
	memcpy(k->key, key, KEY_BYTES);
	explicit_bzero(key, sizeof key);
	/* The selectors' key, apart from the sealing key's use. */
	hmac_sha256_set_key(&hctx, KEY_BYTES, k->key);
	hmac_sha256_update(&hctx, 22,
	    (const uint8_t *)"kursusd token selector");
	hmac_sha256_digest(&hctx, KEY_BYTES, k->sel_key);
	explicit_bzero(&hctx, sizeof hctx);
	gcm_aes256_set_key(&k->gcm, k->key);
	aes256_set_encrypt_key(&k->sel_enc, k->sel_key);
	aes256_set_decrypt_key(&k->sel_dec, k->sel_key);
	k->next = token_made;
	token_made = k;
	/* Whole before it is seen: the release pairs with the uses'
	 * acquire. */
	atomic_store_explicit(&token_keys, k, memory_order_release);
	pthread_mutex_unlock(&token_init_mtx);
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

/* AES-256-GCM under k; out is hex of nonce | ciphertext | tag. */
static char *
token_seal(const struct token_keys *k, const char *token)
{
	unsigned char		 buf[NONCE_BYTES + TOKEN_BYTES * 2 + TAG_BYTES];
	struct gcm_ctx		 ctx;
	size_t			 plen = strlen(token);
	char			*out;

	if (plen > TOKEN_BYTES * 2)
		fatalx("token_seal: a token of %zu octets", plen);
	random_bytes(buf, NONCE_BYTES);
	gcm_set_iv(&ctx, &k->gcm.key, NONCE_BYTES, buf);
	gcm_encrypt(&ctx, &k->gcm.key, &k->gcm.cipher, TOKEN_AES, plen,
	    buf + NONCE_BYTES, (const uint8_t *)token);
	gcm_digest(&ctx, &k->gcm.key, &k->gcm.cipher, TOKEN_AES,
	    TAG_BYTES, buf + NONCE_BYTES + plen);
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
	const struct token_keys	*k = token_keys_now();
	struct gcm_ctx		 ctx;
	size_t			 len = strlen(sealed) / 2, clen;
	int			 ok;

	if (k == NULL || len <= NONCE_BYTES + TAG_BYTES ||
	    len > sizeof buf || hex_decode(sealed, buf, len) != 0)
		return (NULL);
	clen = len - NONCE_BYTES - TAG_BYTES;
	gcm_set_iv(&ctx, &k->gcm.key, NONCE_BYTES, buf);
	gcm_decrypt(&ctx, &k->gcm.key, &k->gcm.cipher, TOKEN_AES, clen,
	    plain, buf + NONCE_BYTES);
	gcm_digest(&ctx, &k->gcm.key, &k->gcm.cipher, TOKEN_AES,
	    TAG_BYTES, tag);
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

/* One AES-256 block through k's selectors' key, either way. */
static void
token_block(const struct token_keys *k, unsigned char *block, int encrypt)
{
	unsigned char		 out[TOKEN_BYTES];

	if (encrypt)
		aes256_encrypt(&k->sel_enc, TOKEN_BYTES, out, block);
	else
		aes256_decrypt(&k->sel_dec, TOKEN_BYTES, out, block);
	memcpy(block, out, TOKEN_BYTES);
}

/*
 * The 130 bits the new form spells, two 0s then the block, five to a
 * character: a window of bits taken a byte at a time, not bit by bit.
 */
static void
token_spell(const unsigned char *block, char *token)
{
	uint32_t	 acc = 0;
	int		 i, n = 2, k = 0;

	for (i = 0; i < SEL_CHARS; i++) {
		if (n < 5) {
			acc = acc << 8 | block[k++];
			n += 8;
		}
		n -= 5;
		token[i] = token_b32[(acc >> n) & 31];
	}
	token[SEL_CHARS] = '\0';
}

char *
token_make(int kind, int64_t id, char **hash, char **sealed)
{
	const struct token_keys	*k = token_keys_now();
	unsigned char		 block[TOKEN_BYTES];
	char			*token;
	int			 i;

	if (k == NULL)
		fatalx("token_make before token_init");
	if (id <= 0 || id >= (int64_t)1 << 56)
		fatalx("token_make: id %lld", (long long)id);
	token = xmalloc(SEL_CHARS + 1);
	block[0] = (unsigned char)kind;
	for (i = 1; i < 8; i++)
		block[i] = (unsigned char)(id >> (8 * (7 - i)));
	random_bytes(block + 8, 8);
	token_block(k, block, 1);
	token_spell(block, token);
	explicit_bzero(block, sizeof block);
	*hash = token_hash(token);
	*sealed = token_seal(k, token);
	return (token);
}

void
token_make_kept(int kind, int64_t id, char **hash, char **sealed)
{
	char	*token = token_make(kind, id, hash, sealed);

	explicit_bzero(token, strlen(token));
	free(token);
}

/* 1 if token is of the old form: 32 lower-case hex digits. */
static int
token_old_form(const char *token)
{
	return (strlen(token) == 2 * TOKEN_BYTES &&
	    strspn(token, "0123456789abcdef") == 2 * TOKEN_BYTES);
}

/*
 * 1 if token is of the new form: 26 characters of the alphabet, the
 * first one of its first 8 (a higher one sets a bit beyond the 128).
 */
static int
token_new_form(const char *token)
{
	return (strlen(token) == SEL_CHARS && strspn(token, token_b32) ==
	    SEL_CHARS && memchr(token_b32, token[0], 8) != NULL);
}

/* The block of a token of the new form, or -1: not of that form. */
static int
token_unspell(const char *token, unsigned char *block)
{
	int	 i, b, bit, v;

	if (!token_new_form(token))
		return (-1);
	memset(block, 0, TOKEN_BYTES);
	for (i = 0; i < SEL_CHARS; i++) {
		v = (int)(strchr(token_b32, token[i]) - token_b32);
		for (b = 0; b < 5; b++) {
			bit = 5 * i + b - 2;
			if (bit >= 0 && (v >> (4 - b) & 1))
				block[bit / 8] |= (unsigned char)(1 <<
				    (7 - bit % 8));
		}
	}
	return (0);
}

int
token_read(const char *token, int kind, int64_t *id)
{
	const struct token_keys	*k;
	unsigned char		 block[TOKEN_BYTES];
	int64_t			 v = 0;
	int			 i;

	*id = 0;
	if (token_unspell(token, block) != 0)
		return (token_old_form(token) ? TOKEN_OLD : -1);
	if ((k = token_keys_now()) == NULL)
		return (-1);
	token_block(k, block, 0);
	for (i = 1; i < 8; i++)
		v = v << 8 | block[i];
	explicit_bzero(block + 8, 8);
	if (block[0] != kind || v <= 0)
		return (-1);
	*id = v;
	return (TOKEN_NEW);
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

int
token_check(const char *check, const char *hash)
{
	return (check != NULL && token_equal(check, hash));
}

sqlite3_stmt *
token_row(struct store *st, const char *token, int kind, const char *by_hash,
    const char *by_id, int check)
{
	sqlite3_stmt	*stmt;
	int64_t		 id;
	char		*hash;
	int		 form;

	if ((form = token_read(token, kind, &id)) < 0)
		return (NULL);
	hash = token_hash(token);
	if (form == TOKEN_NEW)
		stmt = store_stmt_bound(st, by_id, "i", id);
	else
		stmt = store_stmt_bound(st, by_hash, "t", hash);
	if (sqlite3_step(stmt) != SQLITE_ROW || (form == TOKEN_NEW &&
	    !token_check(store_col(stmt, check), hash))) {
		sqlite3_reset(stmt);
		stmt = NULL;
	}
	free(hash);
	return (stmt);
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
	const struct token_keys	*k = token_keys_now();
	char			*msg, *out;

	if (k == NULL)
		fatalx("token_mac before token_init");
	msg = xprintf("%s:%s", purpose, token);
	/* 128 bits are plenty */
	out = token_hmac_hex(k->key, KEY_BYTES, msg, strlen(msg),
	    TOKEN_BYTES);
	free(msg);
	return (out);
}

/* The shape alone: the token is decoded once, by token_read(). */
int
token_valid(const char *token)
{
	return (token_new_form(token) || token_old_form(token));
}
