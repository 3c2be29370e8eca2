/*
 * Unit tests of the two SHA-256s (common/util.c sha256_buf, libmd's, for
 * names; common/sha256.c, libcrypto's, streamed, for content): both give
 * the FIPS 180-2 digests, and the same digest for the same bytes, whole
 * or streamed in pieces, so a name and a content hash never disagree on
 * what SHA-256 is.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "sha256.h"
#include "util.h"

static void
hex_buf(const void *p, size_t n, char hex[2 * SHA256_LEN + 1])
{
	uint8_t	h[SHA256_LEN];

	assert_int_equal(sha256_buf(p, n, h), 0);
	sha256_hex(h, hex);
}

/* p streamed in pieces of at most piece bytes (0: one update). */
static void
hex_stream(const void *p, size_t n, size_t piece,
    char hex[2 * SHA256_LEN + 1])
{
	struct sha256	*s;
	uint8_t		 h[SHA256_LEN];
	size_t		 off, k;

	assert_non_null(s = sha256_new());
	assert_int_equal(sha256_begin(s), 0);
	for (off = 0; off < n || (off == 0 && n == 0); off += k) {
		k = piece == 0 || n - off < piece ? n - off : piece;
		assert_int_equal(sha256_update(s, (const char *)p + off, k),
		    0);
		if (n == 0)
			break;
	}
	assert_int_equal(sha256_end(s, h), 0);
	sha256_free(s);
	sha256_hex(h, hex);
}

static void
test_vectors(void **state)
{
	static const struct {
		const char	*in;
		const char	*want;
	} v[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495"
		    "991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb4"
		    "10ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd"
		    "419db06c1" },
	};
	char	a[2 * SHA256_LEN + 1], b[2 * SHA256_LEN + 1];
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		hex_buf(v[i].in, strlen(v[i].in), a);
		assert_string_equal(a, v[i].want);
		hex_stream(v[i].in, strlen(v[i].in), 0, b);
		assert_string_equal(b, v[i].want);
	}
}

/* Random bytes of every length around the block's edges, and longer. */
static void
test_same(void **state)
{
	unsigned char	 buf[4096];
	char		 a[2 * SHA256_LEN + 1], b[2 * SHA256_LEN + 1];
	size_t		 n, i;

	(void)state;
	srandom(256);
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)random();
	for (n = 0; n <= sizeof(buf); n += n < 200 ? 1 : 97) {
		hex_buf(buf, n, a);
		hex_stream(buf, n, 1 + (size_t)random() % 130, b);
		if (strcmp(a, b) != 0)
			fail_msg("%zu bytes: %s whole (libmd), %s streamed "
			    "(libcrypto)", n, a, b);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_same),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
