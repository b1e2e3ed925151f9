/*
 * The bounded buffer, the arena, diagnostics and the JSON writer: the
 * small pieces every command's output goes through.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "arena.h"
#include "buf.h"
#include "diag.h"
#include "json.h"
#include "banned.h"

static void buf_is_never_null_and_bounded(void **state)
{
	struct honk_buf b = HONK_BUF_INIT;
	char *s;
	size_t len;
	int i;

	(void)state;
	assert_non_null(b.buf);
	assert_string_equal(b.buf, "");
	honk_buf_release(&b); /* releasing an unused buffer is fine */
	for (i = 0; i < 1000; i++)
		assert_int_equal(honk_buf_addf(&b, "%d,", i), 0);
	assert_int_equal(strlen(b.buf), b.len);
	assert_int_equal(strncmp(b.buf, "0,1,2,", 6), 0);
	s = honk_buf_detach(&b, &len);
	assert_int_equal(strlen(s), len);
	free(s);
	assert_string_equal(b.buf, "");

	honk_buf_init(&b, 8);
	assert_int_equal(honk_buf_addstr(&b, "12345678"), 0);
	assert_int_equal(honk_buf_addch(&b, 'x'), HONK_ELIMIT);
	assert_string_equal(b.buf, "12345678");
	assert_int_equal(honk_buf_addf(&b, "%s", "more"), HONK_ELIMIT);
	assert_string_equal(b.buf, "12345678");
	honk_buf_setlen(&b, 2);
	assert_string_equal(b.buf, "12");
	honk_buf_release(&b);
}

static void buf_reads_files_within_the_limit(void **state)
{
	char path[] = "/tmp/honk-buf-test.XXXXXX";
	struct honk_buf b = HONK_BUF_INIT;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "hello world\n", 12), 12);
	close(fd);
	assert_int_equal(honk_buf_read_file(&b, path), 0);
	assert_string_equal(b.buf, "hello world\n");
	honk_buf_release(&b);
	honk_buf_init(&b, 5);
	assert_int_equal(honk_buf_read_file(&b, path), HONK_ELIMIT);
	honk_buf_release(&b);
	unlink(path);
	assert_int_equal(honk_buf_read_file(&b, path), HONK_ENOTFOUND);
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
	assert_int_equal(honk_diag_add(&d, "b.yaml", 2, 1, "second"), HONK_EINVALID);
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

static void json_escapes_and_separates(void **state)
{
	struct honk_buf b = HONK_BUF_INIT;
	struct honk_json j;

	(void)state;
	honk_json_init(&j, &b);
	honk_json_obj_begin(&j);
	honk_json_key(&j, "s");
	honk_json_str(&j, "q\"b\\n\n\t\x01\x7f é \xff end");
	honk_json_key(&j, "a");
	honk_json_arr_begin(&j);
	honk_json_int(&j, -3);
	honk_json_bool(&j, 1);
	honk_json_null(&j);
	honk_json_str(&j, NULL);
	honk_json_obj_begin(&j);
	honk_json_obj_end(&j);
	honk_json_arr_begin(&j);
	honk_json_arr_end(&j);
	honk_json_arr_end(&j);
	honk_json_key(&j, "n");
	honk_json_int(&j, INT64_MIN);
	honk_json_obj_end(&j);
	assert_string_equal(b.buf,
			    "{\"s\":\"q\\\"b\\\\n\\n\\t\\u0001\\u007f é \\ufffd end\","
			    "\"a\":[-3,true,null,null,{},[]],"
			    "\"n\":-9223372036854775808}");
	honk_buf_release(&b);
}

static void json_refuses_overlong_utf8(void **state)
{
	struct honk_buf b = HONK_BUF_INIT;

	(void)state;
	/* overlong '/', a surrogate, beyond U+10FFFF, a truncated sequence */
	honk_json_quote(&b, "\xc0\xaf|\xed\xa0\x80|\xf4\x90\x80\x80|\xe2\x82");
	assert_string_equal(b.buf, "\"\\ufffd\\ufffd|\\ufffd\\ufffd\\ufffd|"
				   "\\ufffd\\ufffd\\ufffd\\ufffd|\\ufffd\\ufffd\"");
	honk_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(buf_is_never_null_and_bounded),
		cmocka_unit_test(buf_reads_files_within_the_limit),
		cmocka_unit_test(arena_zeroes_resets_and_adopts),
		cmocka_unit_test(diags_sort_dedup_bound),
		cmocka_unit_test(json_escapes_and_separates),
		cmocka_unit_test(json_refuses_overlong_utf8),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
