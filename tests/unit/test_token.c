/*
 * Unit tests for daemon/token.c: the new form of the personal tokens
 * (the row's kind and id, encrypted, in 26 characters of Crockford's base
 * 32), its hash and sealed form, and what the old form still reads.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <nettle/gcm.h>

#include "kursusd.h"
#include "unittest.h"

#define ALPHABET	"0123456789abcdefghjkmnpqrstvwxyz"

static char	 dir[300], *key_a, *key_b;

/* Two key files, made by token_init() itself; key a in use. */
static int
setup(void **state)
{
	char		*cause = NULL;

	(void)state;
	if (unit_tmpdir(dir, sizeof dir, "token") != 0)
		return (-1);
	key_a = xprintf("%s/a.key", dir);
	key_b = xprintf("%s/b.key", dir);
	if (token_init(key_b, &cause) != 0 || token_init(key_a, &cause) != 0) {
		fprintf(stderr, "token_init: %s\n", cause);
		free(cause);
		return (-1);
	}
	return (0);
}

static int
teardown(void **state)
{
	(void)state;
	unlink(key_a);
	unlink(key_b);
	rmdir(dir);
	free(key_a);
	free(key_b);
	return (0);
}

static void
use_key(const char *path)
{
	char	*cause = NULL;

	if (token_init(path, &cause) != 0)
		fail_msg("token_init %s: %s", path, cause);
}

/* A token of kind for id: the token, its hash and sealed form. */
struct made {
	char	*token, *hash, *sealed;
};

static void
make(struct made *m, int kind, int64_t id)
{
	m->token = token_make(kind, id, &m->hash, &m->sealed);
}

static void
made_free(struct made *m)
{
	free(m->token);
	free(m->hash);
	free(m->sealed);
}

static void
test_round_trip(void **state)
{
	static const int64_t	 ids[] = { 1, 2, 255, 256, 65537, 1000000,
				    ((int64_t)1 << 56) - 1 };
	static const int	 token_kinds[] = { TOKEN_CANCEL,
				    TOKEN_PARTICIPANT, TOKEN_INSTRUCTOR };
	struct made		 m;
	int64_t			 id;
	char			*h, *opened;
	size_t			 i, k;

	(void)state;
	for (k = 0; k < sizeof token_kinds / sizeof token_kinds[0]; k++) {
		for (i = 0; i < sizeof ids / sizeof ids[0]; i++) {
			make(&m, token_kinds[k], ids[i]);
			assert_int_equal(strlen(m.token), 26);
			assert_int_equal(strspn(m.token, ALPHABET), 26);
			assert_non_null(memchr("01234567", m.token[0], 8));
			assert_true(token_valid(m.token));
			assert_int_equal(token_read(m.token, token_kinds[k],
			    &id), TOKEN_NEW);
			assert_int_equal(id, ids[i]);
			h = token_hash(m.token);
			assert_string_equal(h, m.hash);
			assert_true(token_check(m.hash, h));
			assert_false(token_check(NULL, h));
			free(h);
			opened = token_open(m.sealed);
			assert_non_null(opened);
			assert_string_equal(opened, m.token);
			free(opened);
			made_free(&m);
		}
	}
}

/* The hex digits of s into n bytes (the test's own reading). */
static void
unhex(const char *s, unsigned char *out, size_t n)
{
	size_t	 i;

	assert_true(strlen(s) >= 2 * n);
	for (i = 0; i < n; i++)
		assert_int_equal(sscanf(s + 2 * i, "%2hhx", &out[i]), 1);
}

/*
 * The sealed form, opened by nettle's own AES-256-GCM (not token.c's):
 * a 12-byte nonce, the token under the key file's key, a 16-byte tag.
 */
static void
test_seal_is_gcm(void **state)
{
	struct gcm_aes256_ctx	 ctx;
	unsigned char		 key[32], sealed[12 + 26 + 16], tag[16];
	char			 plain[27], hex[65];
	struct made		 m;
	FILE			*fp;

	(void)state;
	fp = fopen(key_a, "r");
	assert_non_null(fp);
	assert_non_null(fgets(hex, sizeof hex, fp));
	fclose(fp);
	unhex(hex, key, sizeof key);
	make(&m, TOKEN_PARTICIPANT, 4711);
	assert_int_equal(strlen(m.sealed), 2 * sizeof sealed);
	unhex(m.sealed, sealed, sizeof sealed);
	gcm_aes256_set_key(&ctx, key);
	gcm_aes256_set_iv(&ctx, 12, sealed);
	gcm_aes256_decrypt(&ctx, 26, (uint8_t *)plain, sealed + 12);
	gcm_aes256_digest(&ctx, sizeof tag, tag);
	plain[26] = '\0';
	assert_string_equal(plain, m.token);
	assert_memory_equal(tag, sealed + 12 + 26, sizeof tag);
	made_free(&m);
}

/* 64 random bits: the same row gets another token each time. */
static void
test_random(void **state)
{
	struct made	 a, b;

	(void)state;
	make(&a, TOKEN_CANCEL, 42);
	make(&b, TOKEN_CANCEL, 42);
	assert_string_not_equal(a.token, b.token);
	assert_string_not_equal(a.hash, b.hash);
	made_free(&a);
	made_free(&b);
}

/*
 * Each character changed to each other one of the alphabet: no longer
 * the same row's token, and its hash is not the row's check.
 */
static void
test_changed_character(void **state)
{
	struct made	 m;
	char		*t, *h;
	const char	*c;
	int64_t		 id;
	size_t		 i;
	int		 form;

	(void)state;
	make(&m, TOKEN_PARTICIPANT, 4711);
	t = xstrdup(m.token);
	for (i = 0; i < 26; i++) {
		for (c = ALPHABET; *c != '\0'; c++) {
			if (*c == m.token[i])
				continue;
			t[i] = *c;
			form = token_read(t, TOKEN_PARTICIPANT, &id);
			if (i == 0 && *c >= '8') {
				assert_int_equal(form, -1);
				assert_false(token_valid(t));
			} else
				assert_false(form == TOKEN_NEW && id == 4711);
			h = token_hash(t);
			assert_false(token_check(m.hash, h));
			free(h);
		}
		t[i] = m.token[i];
	}
	free(t);
	made_free(&m);
}

/* A token of one kind of row names no row of another. */
static void
test_wrong_kind(void **state)
{
	struct made	 m;
	int64_t		 id;

	(void)state;
	make(&m, TOKEN_CANCEL, 7);
	assert_int_equal(token_read(m.token, TOKEN_CANCEL, &id), TOKEN_NEW);
	assert_int_equal(id, 7);
	assert_int_equal(token_read(m.token, TOKEN_PARTICIPANT, &id), -1);
	assert_int_equal(id, 0);
	assert_int_equal(token_read(m.token, TOKEN_INSTRUCTOR, &id), -1);
	made_free(&m);
}

/* Under another key the token names nothing, and its seal does not open. */
static void
test_wrong_key(void **state)
{
	struct made	 m;
	int64_t		 id;
	char		*opened;
	int		 form;

	(void)state;
	make(&m, TOKEN_INSTRUCTOR, 123456);
	use_key(key_b);
	form = token_read(m.token, TOKEN_INSTRUCTOR, &id);
	assert_false(form == TOKEN_NEW && id == 123456);
	assert_null(token_open(m.sealed));
	use_key(key_a);
	assert_int_equal(token_read(m.token, TOKEN_INSTRUCTOR, &id),
	    TOKEN_NEW);
	assert_int_equal(id, 123456);
	opened = token_open(m.sealed);
	assert_string_equal(opened, m.token);
	free(opened);
	made_free(&m);
}

/*
 * A reload swaps the key (token_init(), by feeds_key() on the loop) while
 * other threads make and open tokens (the sender's workers open the
 * sealed tokens of the links in messages; the loop seals one per
 * registration). Each token made meanwhile is made under one key, whole:
 * its selector reads, and its seal opens, under the same one of the two,
 * never under a mixture of both. Built with clang -fsanitize=thread,
 * ThreadSanitizer also finds no race in it.
 *
 * That both keys were in use is made sure of, not left to the
 * scheduler (on a loaded machine the racers could make every token
 * before the swapping thread ran once): key a stands until a token is
 * made under it; each racer makes its last RACE_TAIL tokens only after
 * the first swap, to b, which stands until more tokens are made than
 * were in flight when it came (RACERS), so one at least under b alone.
 * From then on they race freely.
 */
#define RACERS		3
#define RACE_TOKENS	1500
#define RACE_TAIL	10
#define RACE_SWAPS	100

static pthread_barrier_t	race_start;
static atomic_int		race_done, race_made, race_swaps;

struct racer {
	pthread_t	 thread;
	int64_t		 first;		/* the ids it makes tokens for */
	struct made	 m[RACE_TOKENS];
	int		 opened;	/* its seal opened at once */
};

static void *
racer_main(void *arg)
{
	struct racer	*r = arg;
	char		*t;
	int		 i;

	pthread_barrier_wait(&race_start);
	for (i = 0; i < RACE_TOKENS; i++) {
		if (i == RACE_TOKENS - RACE_TAIL)
			while (atomic_load(&race_swaps) == 0)
				sched_yield();
		make(&r->m[i], TOKEN_PARTICIPANT, r->first + i);
		atomic_fetch_add(&race_made, 1);
		if ((t = token_open(r->m[i].sealed)) != NULL) {
			r->opened += strcmp(t, r->m[i].token) == 0;
			free(t);
		}
	}
	atomic_fetch_add(&race_done, 1);
	return (NULL);
}

/* 1 when m's token names id and its seal opens to it under the key in
 * use. */
static int
whole(const struct made *m, int64_t id)
{
	int64_t	 got;
	char	*t;
	int	 ok;

	if (token_read(m->token, TOKEN_PARTICIPANT, &got) != TOKEN_NEW ||
	    got != id || (t = token_open(m->sealed)) == NULL)
		return (0);
	ok = strcmp(t, m->token) == 0;
	free(t);
	return (ok);
}

static void
test_reload_race(void **state)
{
	static struct racer	 r[RACERS];
	int			 i, k, under_a, under_b, torn = 0;
	int			 made_a = 0, made_b = 0, opened = 0, swaps;
	int			 made;

	(void)state;
	use_key(key_a);
	pthread_barrier_init(&race_start, NULL, RACERS + 1);
	atomic_store(&race_done, 0);
	atomic_store(&race_made, 0);
	atomic_store(&race_swaps, 0);
	for (k = 0; k < RACERS; k++) {
		r[k].first = 1 + (int64_t)k * RACE_TOKENS;
		r[k].opened = 0;
		assert_int_equal(pthread_create(&r[k].thread, NULL,
		    racer_main, &r[k]), 0);
	}
	/* Swapped to and fro for as long as they make tokens. */
	pthread_barrier_wait(&race_start);
	while (atomic_load(&race_made) == 0)
		sched_yield();
	for (i = 0; i < RACE_SWAPS || atomic_load(&race_done) < RACERS; i++) {
		use_key(i % 2 == 0 ? key_b : key_a);
		made = atomic_load(&race_made);
		atomic_fetch_add(&race_swaps, 1);
		while (i == 0 && atomic_load(&race_made) - made <= RACERS)
			sched_yield();
	}
	swaps = i;
	pthread_barrier_destroy(&race_start);
	for (k = 0; k < RACERS; k++) {
		assert_int_equal(pthread_join(r[k].thread, NULL), 0);
		opened += r[k].opened;
	}
	for (k = 0; k < RACERS; k++) {
		for (i = 0; i < RACE_TOKENS; i++) {
			use_key(key_a);
			under_a = whole(&r[k].m[i], r[k].first + i);
			use_key(key_b);
			under_b = whole(&r[k].m[i], r[k].first + i);
			torn += under_a == under_b;
			made_a += under_a;
			made_b += under_b;
			made_free(&r[k].m[i]);
		}
	}
	use_key(key_a);
	print_message("%d swaps; %d tokens made under key a, %d under b, %d "
	    "opened at once\n", swaps, made_a, made_b, opened);
	assert_int_equal(torn, 0);
	assert_int_equal(made_a + made_b, RACERS * RACE_TOKENS);
	/* The keys did swap while tokens were made: a race was run. */
	assert_true(made_a > 0 && made_b > 0);
}

/*
 * A key state is never freed (a use on another thread may still hold
 * it), so a reload back to a key read before takes its state again:
 * reloads that swap between two key files (a SIGHUP loop) hold two
 * states, not one more per reload (~4.9 KB each: 1000 swaps, ~4.9 MB).
 * Measured by the allocator's count of bytes in use: glibc's, or the
 * sanitizer's in an ASan (or TSan) build, whose malloc glibc never sees.
 */
#define MEMORY_SWAPS	1000
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SANITIZER_MALLOC	1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZER_MALLOC	1
#endif

static size_t
in_use(void)
{
#ifdef SANITIZER_MALLOC
	size_t	 __sanitizer_get_current_allocated_bytes(void);

	return (__sanitizer_get_current_allocated_bytes());
#else
	return (mallinfo2().uordblks);
#endif
}

static void
test_reload_memory(void **state)
{
	size_t		 before, after, grew;
	char		*probe;
	int		 i;

	(void)state;
	/* Both keys read once already (setup). */
	use_key(key_b);
	use_key(key_a);
	/* The count sees an allocation of the size of a few states. */
	before = in_use();
	probe = xmalloc(16 * 1024);
	after = in_use();
	free(probe);
	assert_true(after >= before + 16 * 1024);
	before = in_use();
	for (i = 0; i < MEMORY_SWAPS; i++)
		use_key(i % 2 == 0 ? key_b : key_a);
	after = in_use();
	grew = after > before ? after - before : 0;
	print_message("%d swaps: %zu bytes more in use\n", MEMORY_SWAPS,
	    grew);
	assert_true(grew < 16 * 1024);
	use_key(key_a);
}

/* Only 26 characters of the alphabet, or the old form's 32 hex digits. */
static void
test_length(void **state)
{
	static const char	*bad[] = {
		"",
		"0",
		"0123456789abcdefghjkmnpqr",		/* 25 */
		"0123456789abcdefghjkmnpqrst",		/* 27 */
		"0123456789abcdefghjkmnpqrstvwxyz",	/* 32, not hex */
		"0123456789abcdefghjkmnpqri",		/* i: not in it */
		"0123456789ABCDEFGHJKMNPQRS",		/* upper case */
		"8123456789abcdefghjkmnpqrs",		/* a 129th bit */
		"0123456789abcdef0123456789abcde",	/* 31 hex */
		"0123456789abcdef0123456789abcdef0",	/* 33 hex */
		"0123456789ABCDEF0123456789ABCDEF",	/* upper-case hex */
	};
	struct made	 m;
	char		*t;
	int64_t		 id;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(token_read(bad[i], TOKEN_CANCEL, &id), -1);
		assert_false(token_valid(bad[i]));
	}
	assert_int_equal(token_read("0123456789abcdef0123456789abcdef",
	    TOKEN_CANCEL, &id), TOKEN_OLD);
	assert_true(token_valid("0123456789abcdef0123456789abcdef"));
	/* A real token cut short or made longer. */
	make(&m, TOKEN_CANCEL, 99);
	t = xstrndup(m.token, 25);
	assert_int_equal(token_read(t, TOKEN_CANCEL, &id), -1);
	free(t);
	t = xprintf("%s0", m.token);
	assert_int_equal(token_read(t, TOKEN_CANCEL, &id), -1);
	free(t);
	made_free(&m);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_seal_is_gcm),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_changed_character),
		cmocka_unit_test(test_wrong_kind),
		cmocka_unit_test(test_wrong_key),
		cmocka_unit_test(test_length),
		cmocka_unit_test(test_reload_race),
		cmocka_unit_test(test_reload_memory),
	};

	return (cmocka_run_group_tests_name("token", tests, setup, teardown));
}
