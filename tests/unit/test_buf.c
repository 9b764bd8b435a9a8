/*
 * Unit tests for common/buf.c's buf_add_json(): the inside of a JSON
 * string, byte for byte as jansson's json_dumps() writes it (the read
 * jobs' answers, written without jansson, must stay the bytes they were
 * when jansson wrote them). jansson is the oracle: every ASCII byte alone
 * and together, an embedded NUL, and random UTF-8 text of every length of
 * sequence, Danish letters, U+2028 and the rest.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "buf.h"

/* s[0, n) through buf_add_json() and through jansson: the same text. */
static void
same_as_jansson(const char *s, size_t n)
{
	struct buf	 b = BUF_INIT;
	json_t		*j;
	char		*want;

	j = json_stringn(s, n);
	assert_non_null(j);
	want = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
	assert_non_null(want);
	buf_addc(&b, '"');
	buf_add_json(&b, s, n);
	buf_addc(&b, '"');
	assert_int_equal(b.len, strlen(want));
	assert_memory_equal(b.data, want, b.len);
	free(want);
	json_decref(j);
	buf_free(&b);
}

static void
test_buf_json_ascii(void **state)
{
	char	 all[128];
	int	 c;

	(void)state;
	for (c = 0; c < 128; c++) {
		all[c] = (char)c;
		same_as_jansson(all + c, 1);
	}
	same_as_jansson(all, sizeof all);
	same_as_jansson("", 0);
	same_as_jansson("BEGIN:VCALENDAR\r\nSUMMARY:a\\, b\\; \"c\"\r\n", 38);
}

/* c as UTF-8 at p: its length. */
static size_t
utf8(char *p, uint32_t c)
{
	if (c < 0x80) {
		p[0] = (char)c;
		return (1);
	}
	if (c < 0x800) {
		p[0] = (char)(0xC0 | c >> 6);
		p[1] = (char)(0x80 | (c & 0x3F));
		return (2);
	}
	if (c < 0x10000) {
		p[0] = (char)(0xE0 | c >> 12);
		p[1] = (char)(0x80 | (c >> 6 & 0x3F));
		p[2] = (char)(0x80 | (c & 0x3F));
		return (3);
	}
	p[0] = (char)(0xF0 | c >> 18);
	p[1] = (char)(0x80 | (c >> 12 & 0x3F));
	p[2] = (char)(0x80 | (c >> 6 & 0x3F));
	p[3] = (char)(0x80 | (c & 0x3F));
	return (4);
}

static void
test_buf_json_utf8(void **state)
{
	static const uint32_t	 pick[] = { 0xE6, 0xF8, 0xE5, 0xC6, 0xD8, 0xC5,
				    0x7F, 0x80, 0x2028, 0x2029, 0xFEFF, 0xFFFD,
				    0x1F600, 0x10FFFF, '/', '"', '\\', 0 };
	char		 s[4096];
	size_t		 n;
	uint32_t	 c;
	int		 round, i;

	(void)state;
	srandom(9);
	for (round = 0; round < 2000; round++) {
		n = 0;
		for (i = random() % 200; i > 0; i--) {
			switch (random() % 4) {
			case 0:
				c = pick[random() % (sizeof pick /
				    sizeof *pick)];
				break;
			case 1:
				c = (uint32_t)(random() % 0x80);
				break;
			case 2:
				c = (uint32_t)(random() % 0x800);
				break;
			default:
				c = (uint32_t)(random() % 0x110000);
			}
			if (c >= 0xD800 && c <= 0xDFFF)	/* not UTF-8 */
				c = 'x';
			n += utf8(s + n, c);
		}
		same_as_jansson(s, n);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_json_ascii),
		cmocka_unit_test(test_buf_json_utf8),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
