/*
 * Unit tests for the growable buffer: the invariants callers rely on
 * (never NULL, always NUL-terminated, max honoured, a failed grow leaves
 * the contents as they were) and reading whole files.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "banned.h"

static void test_init_is_empty_string(void **state)
{
	struct honk_buf b = HONK_BUF_INIT;
	struct honk_buf c;

	(void)state;
	assert_non_null(b.buf);
	assert_string_equal(b.buf, "");
	assert_int_equal(b.len, 0);

	honk_buf_init(&c, 10);
	assert_non_null(c.buf);
	assert_string_equal(c.buf, "");
	assert_int_equal(c.max, 10);

	/* release and reset of a never-grown buffer keep it usable */
	honk_buf_reset(&c);
	honk_buf_release(&c);
	assert_non_null(c.buf);
	assert_string_equal(c.buf, "");
	assert_int_equal(c.max, 10);
	honk_buf_release(NULL);
}

static void test_add_grows_and_terminates(void **state)
{
	struct honk_buf b = HONK_BUF_INIT;
	size_t i;

	(void)state;
	assert_int_equal(honk_buf_addstr(&b, "abc"), 0);
	assert_int_equal(b.len, 3);
	assert_string_equal(b.buf, "abc");
	assert_int_equal(honk_buf_addch(&b, 'd'), 0);
	assert_int_equal(honk_buf_add(&b, "efgh", 2), 0);
	assert_string_equal(b.buf, "abcdef");
	assert_int_equal(b.len, 6);
	assert_true(b.alloc > b.len);

	/* many small appends across several reallocations */
	for (i = 0; i < 10000; i++)
		assert_int_equal(honk_buf_addch(&b, 'a' + (int)(i % 26)), 0);
	assert_int_equal(b.len, 10006);
	assert_int_equal(strlen(b.buf), b.len);
	assert_true(b.alloc > b.len);
	assert_int_equal(b.buf[6], 'a');
	assert_int_equal(b.buf[10005], 'a' + 9999 % 26);
	honk_buf_release(&b);
	assert_string_equal(b.buf, "");
	assert_int_equal(b.len, 0);
}

static void test_add_binary_with_nul(void **state)
{
	struct honk_buf b = HONK_BUF_INIT;

	(void)state;
	assert_int_equal(honk_buf_add(&b, "a\0b", 3), 0);
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.buf, "a\0b", 4);
	honk_buf_release(&b);
}

static void test_setlen_and_reset(void **state)
{
	struct honk_buf b = HONK_BUF_INIT;

	(void)state;
	honk_buf_addstr(&b, "hello world");
	honk_buf_setlen(&b, 5);
	assert_string_equal(b.buf, "hello");
	assert_int_equal(b.len, 5);
	/* setlen never extends into uninitialised bytes */
	honk_buf_setlen(&b, 100);
	assert_int_equal(b.len, 5);
	assert_string_equal(b.buf, "hello");
	honk_buf_reset(&b);
	assert_string_equal(b.buf, "");
	assert_int_equal(b.len, 0);
	assert_true(b.alloc > 0);
	honk_buf_release(&b);
}

static void test_max_limit_leaves_buffer_unchanged(void **state)
{
	struct honk_buf b;

	(void)state;
	honk_buf_init(&b, 8);
	assert_int_equal(honk_buf_addstr(&b, "12345"), 0);
	assert_int_equal(honk_buf_addstr(&b, "6789"), HONK_ELIMIT);
	assert_string_equal(honk_error_last(),
			    "larger than the limit of 8 bytes");
	assert_int_equal(b.len, 5);
	assert_string_equal(b.buf, "12345");
	assert_int_equal(honk_buf_addch(&b, 'x'), 0);
	assert_int_equal(honk_buf_addstr(&b, "yz"), 0);
	assert_int_equal(b.len, 8);
	assert_string_equal(b.buf, "12345xyz");
	/* exactly full: one more byte is too many */
	assert_int_equal(honk_buf_addch(&b, '!'), HONK_ELIMIT);
	assert_string_equal(b.buf, "12345xyz");
	assert_int_equal(honk_buf_grow(&b, 1), HONK_ELIMIT);
	assert_int_equal(honk_buf_grow(&b, 0), 0);
	honk_buf_release(&b);
	assert_int_equal(b.max, 8);
}

static void test_max_limit_on_first_grow(void **state)
{
	struct honk_buf b;

	(void)state;
	honk_buf_init(&b, 3);
	assert_int_equal(honk_buf_addstr(&b, "abcd"), HONK_ELIMIT);
	assert_int_equal(b.len, 0);
	assert_non_null(b.buf);
	assert_string_equal(b.buf, "");
	honk_buf_release(&b);
}

static void test_grow_overflow(void **state)
{
	struct honk_buf b = HONK_BUF_INIT;

	(void)state;
	honk_buf_addstr(&b, "x");
	assert_int_equal(honk_buf_grow(&b, SIZE_MAX), HONK_ELIMIT);
	assert_string_equal(honk_error_last(), "buffer size overflow");
	assert_string_equal(b.buf, "x");
	honk_buf_release(&b);
}

static void test_addf(void **state)
{
	struct honk_buf b = HONK_BUF_INIT;

	(void)state;
	assert_int_equal(honk_buf_addf(&b, "%s=%d", "n", 42), 0);
	assert_string_equal(b.buf, "n=42");
	assert_int_equal(honk_buf_addf(&b, "%s", ""), 0);
	assert_int_equal(b.len, 4);
	assert_int_equal(honk_buf_addf(&b, ",%lld", (long long)INT64_MIN), 0);
	assert_string_equal(b.buf, "n=42,-9223372036854775808");
	assert_int_equal(b.len, strlen(b.buf));
	honk_buf_release(&b);
}

static void test_addf_long_strings(void **state)
{
	struct honk_buf b = HONK_BUF_INIT;
	char big[5000];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(big) - 1; i++)
		big[i] = 'a' + (char)(i % 26);
	big[sizeof(big) - 1] = '\0';

	/* into an unallocated buffer */
	assert_int_equal(honk_buf_addf(&b, "<%s>", big), 0);
	assert_int_equal(b.len, sizeof(big) + 1);
	assert_int_equal(b.buf[0], '<');
	assert_memory_equal(b.buf + 1, big, sizeof(big) - 1);
	assert_string_equal(b.buf + sizeof(big), ">");

	/* into a partly filled buffer that must grow mid-format */
	honk_buf_reset(&b);
	honk_buf_addstr(&b, "head:");
	assert_int_equal(honk_buf_addf(&b, "%s|%s", big, big), 0);
	assert_int_equal(b.len, 5 + 2 * (sizeof(big) - 1) + 1);
	assert_int_equal(strlen(b.buf), b.len);
	assert_memory_equal(b.buf, "head:", 5);
	assert_memory_equal(b.buf + 5, big, sizeof(big) - 1);
	assert_int_equal(b.buf[5 + sizeof(big) - 1], '|');
	assert_memory_equal(b.buf + 5 + sizeof(big), big, sizeof(big) - 1);
	honk_buf_release(&b);
}

static void test_addf_respects_max(void **state)
{
	struct honk_buf b;

	(void)state;
	honk_buf_init(&b, 10);
	assert_int_equal(honk_buf_addstr(&b, "abc"), 0);
	/* fits in the allocation but not under max */
	assert_int_equal(honk_buf_addf(&b, "%s", "0123456789"), HONK_ELIMIT);
	assert_int_equal(b.len, 3);
	assert_string_equal(b.buf, "abc");
	assert_int_equal(honk_buf_addf(&b, "%d", 1234567), 0);
	assert_string_equal(b.buf, "abc1234567");
	assert_int_equal(honk_buf_addf(&b, "%c", 'x'), HONK_ELIMIT);
	assert_string_equal(b.buf, "abc1234567");
	honk_buf_release(&b);

	/* and past the allocation */
	honk_buf_init(&b, 100);
	honk_buf_addstr(&b, "keep");
	assert_int_equal(honk_buf_addf(&b, "%0200d", 7), HONK_ELIMIT);
	assert_string_equal(b.buf, "keep");
	assert_int_equal(b.len, 4);
	honk_buf_release(&b);
}

static void test_detach(void **state)
{
	struct honk_buf b;
	size_t len = 99;
	char *s;

	(void)state;
	honk_buf_init(&b, 50);
	honk_buf_addstr(&b, "payload");
	s = honk_buf_detach(&b, &len);
	assert_string_equal(s, "payload");
	assert_int_equal(len, 7);
	assert_non_null(b.buf);
	assert_string_equal(b.buf, "");
	assert_int_equal(b.len, 0);
	assert_int_equal(b.alloc, 0);
	assert_int_equal(b.max, 50);
	free(s);

	/* detaching an empty buffer still hands out a string to free */
	s = honk_buf_detach(&b, &len);
	assert_non_null(s);
	assert_string_equal(s, "");
	assert_int_equal(len, 0);
	assert_true(s != b.buf);
	free(s);
	s = honk_buf_detach(&b, NULL);
	assert_non_null(s);
	free(s);
}

static char tmpdir[64];

static int setup_dir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/honk-buf-test.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static void remove_file(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	unlink(path);
}

static int teardown_dir(void **state)
{
	(void)state;
	remove_file("small");
	remove_file("big");
	remove_file("empty");
	return rmdir(tmpdir);
}

static void write_file(const char *name, const char *data, size_t len,
		       char *path, size_t n)
{
	FILE *f;

	snprintf(path, n, "%s/%s", tmpdir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void test_read_file(void **state)
{
	struct honk_buf b = HONK_BUF_INIT;
	char path[128];

	(void)state;
	write_file("small", "line 1\nline\0 2\n", 15, path, sizeof(path));
	assert_int_equal(honk_buf_read_file(&b, path), 0);
	assert_int_equal(b.len, 15);
	assert_memory_equal(b.buf, "line 1\nline\0 2\n", 16);
	/* appends to what is there */
	assert_int_equal(honk_buf_read_file(&b, path), 0);
	assert_int_equal(b.len, 30);
	honk_buf_release(&b);

	write_file("empty", "", 0, path, sizeof(path));
	assert_int_equal(honk_buf_read_file(&b, path), 0);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.buf, "");
	honk_buf_release(&b);
}

static void test_read_file_large(void **state)
{
	struct honk_buf b = HONK_BUF_INIT;
	size_t n = 200000, i;
	char path[128];
	char *data = malloc(n);

	(void)state;
	assert_non_null(data);
	for (i = 0; i < n; i++)
		data[i] = (char)('0' + i % 10);
	write_file("big", data, n, path, sizeof(path));
	assert_int_equal(honk_buf_read_file(&b, path), 0);
	assert_int_equal(b.len, n);
	assert_memory_equal(b.buf, data, n);
	assert_int_equal(b.buf[n], '\0');
	honk_buf_release(&b);

	/* a limit below the size fails with a message naming the file */
	honk_buf_init(&b, 100000);
	assert_int_equal(honk_buf_read_file(&b, path), HONK_ELIMIT);
	{
		char want[256];

		snprintf(want, sizeof(want),
			 "'%s' is larger than the limit of 100000 bytes", path);
		assert_string_equal(honk_error_last(), want);
	}
	assert_true(b.len <= 100000);
	assert_int_equal(strlen(b.buf), b.len);
	honk_buf_release(&b);

	/* exactly at the limit is fine */
	honk_buf_init(&b, n);
	assert_int_equal(honk_buf_read_file(&b, path), 0);
	assert_int_equal(b.len, n);
	honk_buf_release(&b);
	free(data);
}

static void test_read_file_missing(void **state)
{
	struct honk_buf b = HONK_BUF_INIT;
	char path[128], want[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/no-such-file", tmpdir);
	assert_int_equal(honk_buf_read_file(&b, path), HONK_ENOTFOUND);
	snprintf(want, sizeof(want),
		 "cannot open '%s': No such file or directory", path);
	assert_string_equal(honk_error_last(), want);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.buf, "");

	/* a directory opens but cannot be read: a plain error */
	assert_int_equal(honk_buf_read_file(&b, tmpdir), HONK_ERROR);
	assert_int_equal(b.len, 0);
	honk_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_is_empty_string),
		cmocka_unit_test(test_add_grows_and_terminates),
		cmocka_unit_test(test_add_binary_with_nul),
		cmocka_unit_test(test_setlen_and_reset),
		cmocka_unit_test(test_max_limit_leaves_buffer_unchanged),
		cmocka_unit_test(test_max_limit_on_first_grow),
		cmocka_unit_test(test_grow_overflow),
		cmocka_unit_test(test_addf),
		cmocka_unit_test(test_addf_long_strings),
		cmocka_unit_test(test_addf_respects_max),
		cmocka_unit_test(test_detach),
		cmocka_unit_test(test_read_file),
		cmocka_unit_test(test_read_file_large),
		cmocka_unit_test(test_read_file_missing),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
