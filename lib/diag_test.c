/*
 * Unit tests for collected diagnostics (order, repeats, the printed
 * format, the bound on how many are kept) and for the arena that owns
 * loaded documents.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "arena.h"
#include "diag.h"
#include "error.h"
#include "banned.h"

/* What honk_diags_print writes, as a malloc'ed string. */
static char *printed(const struct honk_diags *d)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	assert_non_null(f);
	assert_int_equal(honk_diags_print(d, f), 0);
	assert_int_equal(fclose(f), 0);
	return s;
}

static void test_add_and_print(void **state)
{
	struct honk_diags d = HONK_DIAGS_INIT;
	char *out;

	(void)state;
	assert_int_equal(honk_diag_add(&d, "datasets/a/b.yaml", 3, 7,
				       "unknown key '%s'", "x"),
			 HONK_EINVALID);
	assert_int_equal(honk_diag_add(&d, "honk.yaml", 0, 0, "file is empty"),
			 HONK_EINVALID);
	assert_int_equal(honk_diags_count(&d), 2);
	assert_int_equal(d.n, 2);
	out = printed(&d);
	assert_string_equal(out, "datasets/a/b.yaml:3:7: unknown key 'x'\n"
				 "honk.yaml: file is empty\n");
	free(out);
	honk_diags_release(&d);
	assert_int_equal(honk_diags_count(&d), 0);
	assert_null(d.v);
	honk_diags_release(NULL);
}

static void test_empty_prints_nothing(void **state)
{
	struct honk_diags d = HONK_DIAGS_INIT;
	char *out;

	(void)state;
	honk_diags_sort(&d);
	out = printed(&d);
	assert_string_equal(out, "");
	free(out);
	/* a NULL path is printed as empty, not a crash */
	honk_diag_add(&d, NULL, 1, 1, "m");
	out = printed(&d);
	assert_string_equal(out, ":1:1: m\n");
	free(out);
	honk_diags_release(&d);
}

static void test_sort_and_dedup(void **state)
{
	struct honk_diags d = HONK_DIAGS_INIT;
	char *out;

	(void)state;
	honk_diag_add(&d, "b.yaml", 1, 1, "z");
	honk_diag_add(&d, "a.yaml", 10, 1, "late");
	honk_diag_add(&d, "a.yaml", 2, 5, "second");
	honk_diag_add(&d, "a.yaml", 2, 5, "first");
	honk_diag_add(&d, "a.yaml", 2, 1, "col one");
	honk_diag_add(&d, "a.yaml", 10, 1, "late");
	honk_diag_add(&d, "a.yaml", 9, 30, "nine");
	honk_diag_add(&d, "b.yaml", 1, 1, "z");
	honk_diag_add(&d, "a.yaml", 0, 0, "whole file");
	honk_diag_add(&d, "b.yaml", 1, 1, "z");
	honk_diags_sort(&d);
	out = printed(&d);
	/* numeric, not lexical, order of lines: 2 < 9 < 10 */
	assert_string_equal(out, "a.yaml: whole file\n"
				 "a.yaml:2:1: col one\n"
				 "a.yaml:2:5: first\n"
				 "a.yaml:2:5: second\n"
				 "a.yaml:9:30: nine\n"
				 "a.yaml:10:1: late\n"
				 "b.yaml:1:1: z\n");
	free(out);
	assert_int_equal(d.n, 7);
	assert_int_equal(honk_diags_count(&d), 7);
	/* sorting again changes nothing */
	honk_diags_sort(&d);
	assert_int_equal(d.n, 7);
	honk_diags_release(&d);
}

static void test_long_message(void **state)
{
	struct honk_diags d = HONK_DIAGS_INIT;
	char big[3000];

	(void)state;
	memset(big, 'm', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	honk_diag_add(&d, "f", 1, 2, "<%s>", big);
	assert_int_equal(strlen(d.v[0].msg), sizeof(big) + 1);
	assert_int_equal(d.v[0].msg[0], '<');
	assert_int_equal(d.v[0].msg[sizeof(big)], '>');
	honk_diags_release(&d);
}

/* Quoted input cannot break a diagnostic's line or drive a terminal. */
static void test_one_line(void **state)
{
	struct honk_diags d = HONK_DIAGS_INIT;
	char small[8];
	char *out;

	(void)state;
	honk_diag_add(&d, "consumers/a\nb.yaml", 2, 1,
		      "duplicate key '%s' (first at line 1)",
		      "k\tx\n\033[2Jdatasets/x.yaml:1:1: forged\x7f");
	out = printed(&d);
	assert_string_equal(
		out,
		"consumers/a\\x0ab.yaml:2:1: duplicate key 'k\\x09x\\x0a\\x1b[2Jdatasets/x.yaml:1:1: forged\\x7f' (first at line 1)\n");
	free(out);
	honk_diags_release(&d);
	/* the last error too, and an escape is never cut in half */
	honk_error_set(HONK_EINVALID, "'%s' is not an integer", "1\r\n2");
	assert_string_equal(honk_error_last(),
			    "'1\\x0d\\x0a2' is not an integer");
	assert_int_equal(honk_error_escape(small, 6, "ab\tcd"), 2);
	assert_string_equal(small, "ab");
	assert_int_equal(honk_error_escape(small, 7, "a\tb"), 6);
	assert_string_equal(small, "a\\x09b");
}

static void test_max_bound(void **state)
{
	struct honk_diags d = HONK_DIAGS_INIT;
	char *out;
	size_t i;

	(void)state;
	d.max = 3;
	for (i = 0; i < 10; i++)
		assert_int_equal(honk_diag_add(&d, "f.yaml", (unsigned)(10 - i),
					       1, "problem %zu", i),
				 HONK_EINVALID);
	assert_int_equal(d.n, 3);
	assert_int_equal(d.dropped, 7);
	assert_int_equal(honk_diags_count(&d), 10);
	honk_diags_sort(&d);
	out = printed(&d);
	/* the first ones reported are kept */
	assert_string_equal(out, "f.yaml:8:1: problem 2\n"
				 "f.yaml:9:1: problem 1\n"
				 "f.yaml:10:1: problem 0\n"
				 "... and 7 more\n");
	free(out);
	honk_diags_release(&d);
	assert_int_equal(d.dropped, 0);

	/* the default bound */
	{
		struct honk_diags e = HONK_DIAGS_INIT;

		for (i = 0; i < HONK_DIAGS_MAX_DEFAULT + 5; i++)
			honk_diag_add(&e, "f", 1, (unsigned)i + 1, "x");
		assert_int_equal(e.n, HONK_DIAGS_MAX_DEFAULT);
		assert_int_equal(honk_diags_count(&e),
				 HONK_DIAGS_MAX_DEFAULT + 5);
		honk_diags_release(&e);
	}

	/* max 0: no bound */
	d.max = 0;
	for (i = 0; i < 2000; i++)
		honk_diag_add(&d, "f", 1, 1, "same");
	assert_int_equal(d.n, 2000);
	assert_int_equal(d.dropped, 0);
	honk_diags_sort(&d);
	assert_int_equal(d.n, 1);
	honk_diags_release(&d);
}

/* ---- arena ------------------------------------------------------------ */

static int all_zero(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

static void test_arena_alloc(void **state)
{
	struct honk_arena a = HONK_ARENA_INIT;
	unsigned char *p[200];
	size_t i;

	(void)state;
	for (i = 0; i < 200; i++) {
		size_t size = i * 37 % 1000 + 1;

		p[i] = honk_arena_alloc(&a, size);
		assert_non_null(p[i]);
		assert_int_equal((uintptr_t)p[i] % 16, 0);
		assert_true(all_zero(p[i], size));
		memset(p[i], (int)i + 1, size);
	}
	/* nothing overlaps: every block still holds its own byte */
	for (i = 0; i < 200; i++) {
		size_t size = i * 37 % 1000 + 1, k;

		for (k = 0; k < size; k++)
			if (p[i][k] != (unsigned char)(i + 1))
				fail_msg("allocation %zu overwritten at %zu", i,
					 k);
	}
	assert_true(a.used >= 200);
	honk_arena_release(&a);
	assert_null(a.head);
	assert_int_equal(a.used, 0);
	honk_arena_release(&a);
	honk_arena_release(NULL);
}

static void test_arena_big_and_zero(void **state)
{
	struct honk_arena a = HONK_ARENA_INIT;
	unsigned char *small1, *big, *small2, *zero;

	(void)state;
	small1 = honk_arena_alloc(&a, 10);
	big = honk_arena_alloc(&a, 1 << 20);
	small2 = honk_arena_alloc(&a, 10);
	assert_non_null(small1);
	assert_non_null(big);
	assert_non_null(small2);
	assert_true(all_zero(big, 1 << 20));
	memset(big, 0xab, 1 << 20);
	/* a big request does not waste the current block */
	assert_int_equal(small2 - small1, 16);
	zero = honk_arena_alloc(&a, 0);
	assert_non_null(zero);
	assert_true(zero != small2);
	honk_arena_release(&a);
}

static void test_arena_strings(void **state)
{
	struct honk_arena a = HONK_ARENA_INIT;
	char *s;

	(void)state;
	s = honk_arena_strndup(&a, "hello world", 5);
	assert_string_equal(s, "hello");
	s = honk_arena_strdup(&a, "abc");
	assert_string_equal(s, "abc");
	s = honk_arena_strndup(&a, "ignored", 0);
	assert_string_equal(s, "");
	s = honk_arena_strndup(&a, "a\0b", 3);
	assert_memory_equal(s, "a\0b", 4);
	honk_arena_release(&a);
}

/* The exit status of a child asking a for a size that cannot be. */
static int exit_of_oom(struct honk_arena *a, int grow)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);

		dup2(fd, 2); /* its "out of memory" line */
		if (grow)
			honk_arena_grow(a, NULL, 0, SIZE_MAX / 2, 4);
		else
			honk_arena_alloc(a, SIZE_MAX - 8);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static void test_arena_grow_and_overflow(void **state)
{
	struct honk_arena a = HONK_ARENA_INIT;
	int *v, *w;
	int i;

	(void)state;
	v = honk_arena_grow(&a, NULL, 0, 4, sizeof(*v));
	assert_non_null(v);
	for (i = 0; i < 4; i++)
		v[i] = i * i;
	w = honk_arena_grow(&a, v, 4, 100, sizeof(*v));
	assert_non_null(w);
	for (i = 0; i < 4; i++)
		assert_int_equal(w[i], i * i);
	for (i = 4; i < 100; i++)
		assert_int_equal(w[i], 0);

	/* a size that cannot be: out of memory, which ends the process */
	assert_int_equal(exit_of_oom(&a, 1), HONK_EXIT_SYSTEM);
	assert_int_equal(exit_of_oom(&a, 0), HONK_EXIT_SYSTEM);
	assert_non_null(honk_arena_alloc(&a, 8));
	honk_arena_release(&a);
}

static void arena_zeroes_resets_and_adopts(void **state)
{
	struct honk_arena a = HONK_ARENA_INIT, other = HONK_ARENA_INIT;
	unsigned char *p, *big;
	char *s;
	size_t i;

	(void)state;
	p = honk_arena_alloc(&a, 100);
	for (i = 0; i < 100; i++)
		assert_int_equal(p[i], 0);
	memset(p, 0xff, 100);
	big = honk_arena_alloc(&a, 1 << 20);
	assert_non_null(big);
	assert_int_equal(big[(1 << 20) - 1], 0);
	honk_arena_reset(&a);
	p = honk_arena_alloc(&a, 100);
	for (i = 0; i < 100; i++)
		assert_int_equal(p[i], 0); /* reused memory is zeroed again */
	s = honk_arena_strdup(&other, "kept");
	honk_arena_adopt(&a, &other);
	assert_null(other.head);
	assert_string_equal(s, "kept");
	honk_arena_release(&a);
	honk_arena_release(&other);
}

static void diags_sort_dedup_bound(void **state)
{
	struct honk_diags d = HONK_DIAGS_INIT, more = HONK_DIAGS_INIT;
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_int_equal(honk_diag_add(&d, "b.yaml", 2, 1, "second"),
			 HONK_EINVALID);
	honk_diag_add(&d, "a.yaml", 10, 5, "x %d", 1);
	honk_diag_add(&d, "a.yaml", 9, 1, "first");
	honk_diag_add(&d, "a.yaml", 9, 1, "first");
	honk_diag_add(&d, "c.yaml", 0, 0, "whole file");
	honk_diags_sort(&d);
	assert_int_equal(d.n, 4);
	f = open_memstream(&out, &len);
	honk_diags_print(&d, f);
	fclose(f);
	assert_string_equal(out, "a.yaml:9:1: first\na.yaml:10:5: x 1\n"
				 "b.yaml:2:1: second\nc.yaml: whole file\n");
	free(out);

	more.max = 2;
	honk_diag_add(&more, "x", 1, 1, "1");
	honk_diag_add(&more, "x", 1, 1, "2");
	honk_diag_add(&more, "x", 1, 1, "3");
	assert_int_equal(honk_diags_count(&more), 3);
	d.max = 5;
	honk_diags_take(&d, &more);
	assert_int_equal(d.n, 5);
	assert_int_equal(honk_diags_count(&d), 7);
	assert_int_equal(more.n, 0);
	f = open_memstream(&out, &len);
	honk_diags_print(&d, f);
	fclose(f);
	assert_non_null(strstr(out, "... and 2 more\n"));
	free(out);
	honk_diags_release(&d);
	honk_diags_release(&more);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_and_print),
		cmocka_unit_test(test_empty_prints_nothing),
		cmocka_unit_test(test_sort_and_dedup),
		cmocka_unit_test(test_long_message),
		cmocka_unit_test(test_one_line),
		cmocka_unit_test(test_max_bound),
		cmocka_unit_test(test_arena_alloc),
		cmocka_unit_test(test_arena_big_and_zero),
		cmocka_unit_test(test_arena_strings),
		cmocka_unit_test(test_arena_grow_and_overflow),
		cmocka_unit_test(arena_zeroes_resets_and_adopts),
		cmocka_unit_test(diags_sort_dedup_bound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
