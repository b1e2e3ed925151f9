/*
 * The strict JSON reader: the tree it builds with positions, every
 * refusal with its column, canonical output, and UTF-8 checking.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "jsonread.h"
#include "banned.h"

static const struct honk_jval *parse(struct honk_arena *a, struct honk_buf *tmp,
				     const char *s, const char **err,
				     unsigned *col)
{
	*err = NULL;
	*col = 0;
	return honk_jread(a, tmp, s, strlen(s), err, col);
}

static void tree_with_positions(void **state)
{
	struct honk_arena a = HONK_ARENA_INIT;
	struct honk_buf tmp = HONK_BUF_INIT;
	const struct honk_jval *v, *k, *x;
	const char *err;
	unsigned col;

	(void)state;
	v = parse(&a, &tmp,
		  " {\"a\": [1, -2.5e3, true, null], \"b\\u00e9\": \"x\\ny\","
		  " \"c\": {}, \"d\": \"\\ud83c\\udfb5\\u0000\"}",
		  &err, &col);
	assert_non_null(v);
	assert_int_equal(v->type, HONK_J_OBJECT);
	assert_int_equal(v->col, 2);
	assert_int_equal(v->count, 4);
	k = v->first;
	assert_int_equal(k->type, HONK_J_STRING);
	assert_string_equal(k->str, "a");
	assert_int_equal(k->col, 3);
	x = k->next;
	assert_int_equal(x->type, HONK_J_ARRAY);
	assert_int_equal(x->count, 4);
	assert_int_equal(x->first->type, HONK_J_NUMBER);
	assert_true(x->first->integral);
	assert_string_equal(x->first->str, "1");
	assert_false(x->first->next->integral);
	assert_string_equal(x->first->next->str, "-2.5e3");
	assert_int_equal(x->first->next->col, 12);
	assert_true(x->first->next->next->boolean);
	assert_int_equal(x->first->next->next->next->type, HONK_J_NULL);
	k = x->next;
	assert_string_equal(k->str, "b\xc3\xa9");
	assert_string_equal(k->next->str, "x\ny");
	assert_int_equal(k->next->rawlen, 6);
	k = k->next->next->next->next;
	assert_string_equal(k->str, "d");
	assert_int_equal(k->next->len, 5);
	assert_memory_equal(k->next->str, "\xf0\x9f\x8e\xb5\0", 5);
	honk_buf_release(&tmp);
	honk_arena_release(&a);
}

static void refused(const char *s, unsigned col, const char *msg)
{
	struct honk_arena a = HONK_ARENA_INIT;
	struct honk_buf tmp = HONK_BUF_INIT;
	const char *err;
	unsigned c;

	if (parse(&a, &tmp, s, &err, &c))
		fail_msg("accepted: %s", s);
	if (c != col || strcmp(err, msg) != 0)
		fail_msg("%s: got %u: %s, want %u: %s", s, c, err, col, msg);
	honk_buf_release(&tmp);
	honk_arena_release(&a);
}

static void refusals_with_columns(void **state)
{
	char deep[2 * HONK_JREAD_MAX_DEPTH + 8];
	size_t i;

	(void)state;
	refused("", 1, "a value is missing");
	refused("{\"a\": 1,}", 9, "expected a key string");
	refused("[1 2]", 4, "expected ',' or ']'");
	refused("{\"a\" 1}", 6, "expected ':'");
	refused("01", 2, "text after the value");
	refused("1.", 3, "a digit must follow '.'");
	refused("1e", 3, "a digit must follow the exponent");
	refused("nul", 1, "not a JSON value");
	refused("'a'", 1, "not a JSON value");
	refused("\"a\tb\"", 3, "a control character inside a string");
	refused("\"\\x\"", 2, "an unknown escape");
	refused("\"\\u12\"", 2, "a bad \\u escape");
	refused("\"\\udc00\"", 2, "a lone low surrogate");
	refused("\"\\ud800x\"", 2, "a lone high surrogate");
	refused("\"abc", 1, "a string without its closing quote");
	refused("\"a\xc3\"", 3, "not valid UTF-8");
	refused("\"\xed\xa0\x80\"", 2, "not valid UTF-8"); /* a surrogate */
	refused("\"\xc0\xaf\"", 2, "not valid UTF-8");	   /* overlong */
	refused("{} {}", 4, "text after the value");
	for (i = 0; i <= HONK_JREAD_MAX_DEPTH; i++)
		deep[i] = '[';
	deep[i] = '\0';
	refused(deep, HONK_JREAD_MAX_DEPTH + 1, "nested too deeply");
}

static void canonical_form(void **state)
{
	struct honk_arena a = HONK_ARENA_INIT;
	struct honk_buf tmp = HONK_BUF_INIT, out = HONK_BUF_INIT;
	const struct honk_jval *v;
	const char *err;
	unsigned col;

	(void)state;
	v = parse(&a, &tmp,
		  "{ \"b\": [1, {\"z\": null, \"a\": \"\\u0001\\\"\"}],"
		  " \"a\": 1.50, \"\\/\": false }",
		  &err, &col);
	assert_non_null(v);
	assert_int_equal(honk_jread_canon(&out, v), 0);
	assert_string_equal(out.buf, "{\"/\":false,\"a\":1.50,\"b\":[1,{\"a\":"
				     "\"\\u0001\\\"\",\"z\":null}]}");
	honk_buf_reset(&out);
	honk_jread_quote(&out, "a\0\\", 3);
	assert_memory_equal(out.buf, "\"a\\u0000\\\\\"", 11);
	honk_buf_release(&out);
	honk_buf_release(&tmp);
	honk_arena_release(&a);
}

static void utf8_prefixes(void **state)
{
	(void)state;
	assert_int_equal(honk_utf8_valid("abc", 3), 3);
	assert_int_equal(honk_utf8_valid("\xf0\x9f\x8e\xb5", 4), 4);
	assert_int_equal(honk_utf8_valid("a\xf0\x9f\x8e", 4), 1);
	assert_int_equal(honk_utf8_valid("ab\xff", 3), 2);
	assert_int_equal(honk_utf8_valid("\xf4\x90\x80\x80", 4), 0);
	assert_int_equal(honk_utf8_valid("\xe0\x80\x80", 3), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tree_with_positions),
		cmocka_unit_test(refusals_with_columns),
		cmocka_unit_test(canonical_form),
		cmocka_unit_test(utf8_prefixes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
