/*
 * SHA-1 against the FIPS 180 test vectors, whole and fed in pieces of
 * every size (the block boundary is where such code goes wrong).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sha1.h"
#include "banned.h"

static void hex(char out[41], const unsigned char sum[20])
{
	int i;

	for (i = 0; i < 20; i++)
		snprintf(out + 2 * i, 3, "%02x", sum[i]);
}

static void check(const char *data, size_t len, const char *want)
{
	struct honk_sha1 s;
	unsigned char sum[20];
	char got[41];
	size_t step, i;

	for (step = 1; step <= 130; step++) {
		honk_sha1_init(&s);
		for (i = 0; i < len; i += step)
			honk_sha1_update(&s, data + i,
					 len - i < step ? len - i : step);
		honk_sha1_final(&s, sum);
		hex(got, sum);
		assert_string_equal(got, want);
		if (len < 2)
			break;
	}
}

static void fips_vectors(void **state)
{
	(void)state;
	check("", 0, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
	check("abc", 3, "a9993e364706816aba3e25717850c26c9cd0d89d");
	check("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
	      "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
	/* 55, 56 and 64 bytes: the padding takes one block or two */
	check("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 55,
	      "c1c8bbdc22796e28c0e15163d20899b65621d65a");
	check("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	      64, "0098ba824b5c16427bd7a1122a5a442a25ec644d");
}

static void a_million_as(void **state)
{
	char *a = malloc(1000000);

	(void)state;
	assert_non_null(a);
	memset(a, 'a', 1000000);
	check(a, 1000000, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
	free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fips_vectors),
		cmocka_unit_test(a_million_as),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
