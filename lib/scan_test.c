/*
 * The scanning engine: multi-literal matching with word boundaries, user
 * patterns with limits, globs, binary detection.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "scan.h"
#include "banned.h"

struct hits {
	struct honk_buf b;
	const char *data;
};

static int record(size_t lit, size_t start, size_t end, void *payload)
{
	struct hits *h = payload;

	honk_buf_addf(&h->b, "%zu:%.*s ", lit, (int)(end - start),
		      h->data + start);
	return 0;
}

static char *scan(const char *const *lits, size_t n, const char *text)
{
	struct honk_matcher *m = NULL;
	struct hits h = { HONK_BUF_INIT, text };

	assert_int_equal(honk_matcher_new(&m, lits, n), 0);
	assert_int_equal(honk_matcher_scan(m, text, strlen(text), record, &h),
			 0);
	honk_matcher_free(m);
	return honk_buf_detach(&h.b, NULL);
}

static void literals_as_words(void **state)
{
	const char *lits[] = { "plays.user_plays",
			       "bq://analytics.user_plays_v3",
			       "analytics.user_plays_v3",
			       "plays",
			       "he",
			       "she",
			       "hers" };
	char *got;

	(void)state;
	got = scan(
		lits, 7,
		"FROM `analytics.user_plays_v3` -- plays.user_plays, not plays.user_plays_x");
	/* like grep -w: "plays" is a word in "plays.user_plays" */
	assert_string_equal(
		got,
		"2:analytics.user_plays_v3 3:plays 0:plays.user_plays 3:plays ");
	free(got);
	got = scan(lits, 7, "source: bq://analytics.user_plays_v3\n");
	assert_string_equal(
		got,
		"1:bq://analytics.user_plays_v3 2:analytics.user_plays_v3 ");
	free(got);
	/* overlapping literals are all found */
	got = scan(lits + 4, 3, "ushers she he hers");
	assert_string_equal(got, "1:she 0:he 2:hers ");
	free(got);
	got = scan(lits, 7, "");
	assert_string_equal(got, "");
	free(got);
}

static void many_literals(void **state)
{
	const char *lits[2000];
	char names[2000][24];
	struct honk_buf text = HONK_BUF_INIT;
	char *got;
	size_t i;

	(void)state;
	for (i = 0; i < 2000; i++) {
		snprintf(names[i], sizeof(names[i]), "domain%zu.table_%zu",
			 i % 37, i);
		lits[i] = names[i];
	}
	honk_buf_addstr(
		&text,
		"x domain5.table_1999 y domain1.table_1 domain1.table_10z\n");
	got = scan(lits, 2000, text.buf);
	/* table_1999 is domain1 (1999 % 37 == 1), so domain5.table_1999 is no
	 * name */
	assert_string_equal(got, "1:domain1.table_1 ");
	free(got);
	honk_buf_release(&text);
}

static int count(size_t lit, size_t start, size_t end, void *payload)
{
	(void)lit;
	(void)start;
	(void)end;
	(*(int *)payload)++;
	return 0;
}

static void patterns_have_limits(void **state)
{
	struct honk_regex *re = NULL;
	struct honk_buf text = HONK_BUF_INIT;
	int n = 0, i;

	(void)state;
	assert_int_equal(honk_regex_new(&re, "user_plays_v[0-9]+"), 0);
	assert_int_equal(honk_regex_scan(re,
					 "a user_plays_v3 b user_plays_v4\n",
					 32, count, &n),
			 0);
	assert_int_equal(n, 2);
	honk_regex_free(re);

	assert_int_equal(honk_regex_new(&re, "(a+"), HONK_EINVALID);
	assert_non_null(strstr(honk_error_last(), "pattern '(a+' at offset 3"));

	/* catastrophic backtracking is an error, not "no match" */
	for (i = 0; i < 40; i++)
		honk_buf_addch(&text, 'a');
	honk_buf_addstr(&text, "b\n");
	assert_int_equal(honk_regex_new(&re, "(a+)+$"), 0);
	n = 0;
	assert_int_equal(honk_regex_scan(re, text.buf, text.len, count, &n),
			 HONK_ELIMIT);
	assert_non_null(
		strstr(honk_error_last(), "backtracks catastrophically"));
	honk_regex_free(re);
	honk_buf_release(&text);
}

static void globs(void **state)
{
	(void)state;
	assert_true(honk_glob_match("sql/**/*.sql", "sql/daily.sql"));
	assert_true(honk_glob_match("sql/**/*.sql", "sql/lib/a/b.sql"));
	assert_false(honk_glob_match("sql/**/*.sql", "other/x.sql"));
	assert_true(honk_glob_match("conf/*.yaml", "conf/pipeline.yaml"));
	assert_false(honk_glob_match("conf/*.yaml", "conf/sub/pipeline.yaml"));
	assert_true(honk_glob_match("**/*.sql", "a.sql"));
	assert_true(honk_glob_match("q?eries/[a-s]*.sql", "queries/skips.sql"));
	assert_false(
		honk_glob_match("queries/[!a-s]*.sql", "queries/skips.sql"));
	assert_false(honk_glob_match("*.sql", "a/b.sql"));
	assert_true(honk_glob_match("Makefile", "Makefile"));
	assert_true(honk_glob_match("**/x", "x"));
	assert_false(honk_glob_match("***/x", "x"));
	assert_true(honk_glob_match("a/*/**/b", "a/c/d/e/b"));
	assert_false(honk_glob_match("a/*/b", "a/c/d/b"));
	assert_true(honk_glob_match("*x*y*", "axbyc"));
	assert_false(honk_glob_match("*[a", "xa"));
	/* many stars cost polynomial time, not exponential: instant */
	assert_false(honk_glob_match(
		"***************************************(****",
		"sql/reports/a_very_long_file_name_without_the_paren.sql"));
	assert_false(honk_glob_match(
		"*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
	assert_false(honk_glob_match(
		"**a**a**a**a**a**a**a**a**a**a**a**a**a**a**a**a**a**b",
		"a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a"));
}

static void binary_like_git(void **state)
{
	char buf[9000];

	(void)state;
	memset(buf, 'a', sizeof(buf));
	assert_false(honk_is_binary(buf, sizeof(buf)));
	buf[8500] = '\0';
	assert_false(honk_is_binary(buf, sizeof(buf)));
	buf[10] = '\0';
	assert_true(honk_is_binary(buf, sizeof(buf)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(literals_as_words),
		cmocka_unit_test(many_literals),
		cmocka_unit_test(patterns_have_limits),
		cmocka_unit_test(globs),
		cmocka_unit_test(binary_like_git),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
