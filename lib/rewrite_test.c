/*
 * The rewrite engine: rules files and their errors, sed's order of
 * application (and the one-pass path that must agree with it), globs,
 * groups, limits, bytes kept as they are.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <unistd.h>

#include "diag.h"
#include "error.h"
#include "repo.h"
#include "rewrite.h"
#include "banned.h"

static struct honk_rule_set *load(const char *yaml)
{
	struct honk_diags d = HONK_DIAGS_INIT;
	struct honk_rule_set *rs = NULL;

	if (honk_rules_parse(&rs, "rewrite.yaml", yaml, strlen(yaml), &d) !=
	    0) {
		honk_diags_print(&d, stderr);
		fail_msg("rules did not load");
	}
	honk_diags_release(&d);
	return rs;
}

/* The rules on text, at path; the result, or text when unchanged. */
static char *apply(const struct honk_rule_set *rs, const char *path,
		   const char *text)
{
	struct honk_buf out = HONK_BUF_INIT;
	int changed = -1;

	assert_int_equal(honk_rules_apply(&out, &changed, rs, path, text,
					  strlen(text)),
			 0);
	assert_true(changed == 0 || changed == 1);
	if (!changed) {
		honk_buf_reset(&out);
		honk_buf_addstr(&out, text);
	}
	return honk_buf_detach(&out, NULL);
}

static void check(const char *yaml, const char *path, const char *in,
		  const char *want)
{
	struct honk_rule_set *rs = load(yaml);
	char *got = apply(rs, path, in);

	assert_string_equal(got, want);
	free(got);
	honk_rules_free(rs);
}

static void errors_have_positions(void **state)
{
	struct honk_diags d = HONK_DIAGS_INIT;
	struct honk_rule_set *rs = NULL;
	struct honk_buf all = HONK_BUF_INIT;
	const char *bad = "rules:\n"
			  "  - {pattern: 'a(', replace: b}\n"
			  "  - {pattern: x, replace: y, fils: [a]}\n"
			  "  - {pattern: z}\n";
	size_t i;

	(void)state;
	assert_int_equal(honk_rules_parse(&rs, "r.yaml", bad, strlen(bad), &d),
			 HONK_EINVALID);
	assert_null(rs);
	honk_diags_sort(&d);
	for (i = 0; i < d.n; i++)
		honk_buf_addf(&all, "%s:%u:%u: %s\n", d.v[i].path, d.v[i].line,
			      d.v[i].col, d.v[i].msg);
	assert_non_null(strstr(
		all.buf,
		"r.yaml:2:15: pattern 'a(' at offset 2: missing closing parenthesis"));
	assert_non_null(strstr(all.buf, "r.yaml:3:30: unknown key 'fils'"));
	assert_non_null(strstr(all.buf, "did you mean 'files'?"));
	assert_non_null(strstr(all.buf, "r.yaml:4:5:"));
	assert_non_null(strstr(all.buf, "replace"));
	honk_buf_release(&all);
	honk_diags_release(&d);

	/* not a list, not a map, aliases: refused like every YAML of honk */
	assert_int_equal(honk_rules_parse(&rs, "r.yaml", "rules: 3\n", 9, &d),
			 HONK_EINVALID);
	assert_int_equal(honk_rules_parse(&rs, "r.yaml", "- a\n", 4, &d),
			 HONK_EINVALID);
	assert_int_equal(honk_rules_parse(&rs, "r.yaml", "rules: &a [*a]\n", 15,
					  &d),
			 HONK_EINVALID);
	honk_diags_release(&d);
}

static void words_as_words(void **state)
{
	(void)state;
	/* every rule a word rename: the one-pass path */
	check("rules:\n"
	      "  - {pattern: '\\bcol_1\\b', replace: column_1}\n"
	      "  - {pattern: '\\bts\\b', replace: played_at}\n",
	      "a.sql", "col_1 col_10 xcol_1 col_1x (col_1) ts,ts_x\n",
	      "column_1 col_10 xcol_1 col_1x (column_1) played_at,ts_x\n");
}

static void in_order_like_sed(void **state)
{
	(void)state;
	/* a later rule sees what an earlier one wrote */
	check("rules:\n"
	      "  - {pattern: '\\bts\\b', replace: time}\n"
	      "  - {pattern: '\\btime\\b', replace: t2}\n",
	      "a.sql", "ts time x\n", "t2 t2 x\n");
	/* an earlier one does not see what a later one wrote */
	check("rules:\n"
	      "  - {pattern: '\\btime\\b', replace: t2}\n"
	      "  - {pattern: '\\bts\\b', replace: time}\n",
	      "a.sql", "ts time x\n", "time t2 x\n");
	/* the same word twice: the first rule has it */
	check("rules:\n"
	      "  - {pattern: '\\bts\\b', replace: one}\n"
	      "  - {pattern: '\\bts\\b', replace: two}\n",
	      "a.sql", "ts\n", "one\n");
	/* rules that undo each other change nothing */
	check("rules:\n"
	      "  - {pattern: a, replace: b}\n"
	      "  - {pattern: b, replace: a}\n",
	      "a.sql", "a\n", "a\n");
}

static void literals_never_skip_a_match(void **state)
{
	(void)state;
	check("rules: [{pattern: 'colou?r', replace: C}]\n", "f",
	      "color colour\n", "C C\n");
	check("rules: [{pattern: 'ab+c', replace: X}]\n", "f", "abbbc ac\n",
	      "X ac\n");
	check("rules: [{pattern: 'x{0,1}yz', replace: Q}]\n", "f", "yz xyz\n",
	      "Q Q\n");
	check("rules: [{pattern: 'a(bc)*d', replace: R}]\n", "f", "ad abcd\n",
	      "R R\n");
	check("rules: [{pattern: 'v[0-9]+_x', replace: W}]\n", "f", "v12_x\n",
	      "W\n");
	check("rules: [{pattern: 'one|two', replace: N}]\n", "f", "two\n",
	      "N\n");
	check("rules: [{pattern: '(?i)abc', replace: L}]\n", "f", "ABC\n",
	      "L\n");
	check("rules: [{pattern: 'a\\.b', replace: D}]\n", "f", "a.b axb\n",
	      "D axb\n");
	/* octal: \012 is a newline, not the text "12" */
	check("rules: [{pattern: 'a\\012b', replace: O}]\n", "f", "a\nb\n",
	      "O\n");
	check("rules: [{pattern: '(x)y\\1z', replace: B}]\n", "f", "xyxz\n",
	      "B\n");
}

static void groups_lines_and_bytes(void **state)
{
	(void)state;
	check("rules: [{pattern: '(\\w+)_v3\\b', replace: '${1}_v4'}]\n", "f",
	      "user_plays_v3 x_v31\n", "user_plays_v4 x_v31\n");
	/* ^ and $ at every line, CRLF and invalid UTF-8 kept */
	check("rules: [{pattern: '^-- (\\w+)$', replace: '-- [$1]'}]\n", "f",
	      "-- a\n-- b c\n-- d\n", "-- [a]\n-- b c\n-- [d]\n");
	check("rules: [{pattern: '\\bts\\b', replace: t}]\n", "f",
	      "ts\r\n\xff\xfe ts\r\n", "t\r\n\xff\xfe t\r\n");
	check("rules: [{pattern: 'x', replace: '$$'}]\n", "f", "axb\n",
	      "a$b\n");
}

static void globs_choose_files(void **state)
{
	const char *yaml =
		"rules:\n"
		"  - {pattern: '\\bts\\b', replace: sql, files: ['sql/*.sql']}\n"
		"  - {pattern: '\\bts\\b', replace: conf, files: ['**/*.yaml']}\n";

	(void)state;
	check(yaml, "sql/a.sql", "ts\n", "sql\n");
	check(yaml, "sql/deep/a.sql", "ts\n", "ts\n");
	check(yaml, "conf/x/a.yaml", "ts\n", "conf\n");
	check(yaml, "README", "ts\n", "ts\n");
}

static void catastrophic_is_an_error(void **state)
{
	struct honk_rule_set *rs =
		load("rules: [{pattern: '(a+)+$', replace: x}]\n");
	struct honk_buf out = HONK_BUF_INIT;
	char line[4096];
	int changed;

	(void)state;
	memset(line, 'a', sizeof(line) - 2);
	line[sizeof(line) - 2] = 'b';
	line[sizeof(line) - 1] = '\0';
	assert_int_equal(honk_rules_apply(&out, &changed, rs, "slow.txt", line,
					  strlen(line)),
			 HONK_ELIMIT);
	assert_non_null(strstr(
		honk_error_last(),
		"rewrite.yaml:1:19: pattern '(a+)+$' hit the match limit on slow.txt"));
	honk_buf_release(&out);
	honk_rules_free(rs);
}

/* A rule for some consumers applies to their code only. */
static void consumers_choose_rules(void **state)
{
	static const char yaml[] =
		"rules:\n"
		"  - {pattern: '\\bts\\b', replace: at, consumers: [a, b]}\n"
		"  - {pattern: v3, replace: v4}\n";
	struct honk_diags d = HONK_DIAGS_INIT;
	static const char bad[] =
		"rules: [{pattern: a, replace: b, consumers: ['-rf']}]\n";
	struct honk_rule_set *rs = NULL;
	char *got;

	(void)state;
	assert_int_equal(honk_rules_parse_for(&rs, "r.yaml", yaml, strlen(yaml),
					      "b", &d),
			 0);
	assert_int_equal(honk_rules_count(rs), 2);
	got = apply(rs, "x.sql", "ts v3");
	assert_string_equal(got, "at v4");
	free(got);
	honk_rules_free(rs);
	assert_int_equal(honk_rules_parse_for(&rs, "r.yaml", yaml, strlen(yaml),
					      "c", &d),
			 0);
	got = apply(rs, "x.sql", "ts v3");
	assert_string_equal(got, "ts v4");
	free(got);
	honk_rules_free(rs);
	/* no consumer: only the rules for everyone */
	rs = load(yaml);
	assert_int_equal(honk_rules_count(rs), 1);
	honk_rules_free(rs);
	/* a bad name is an error even when the rule is not kept */
	assert_int_equal(honk_rules_parse_for(&rs, "r.yaml", bad, strlen(bad),
					      "c", &d),
			 HONK_EINVALID);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.v[0].line, 1);
	assert_non_null(strstr(d.v[0].msg, "invalid consumer name '-rf'"));
	honk_diags_release(&d);
}

static void sh(const char *fmt, ...)
{
	struct honk_buf cmd = HONK_BUF_INIT;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	honk_buf_vaddf(&cmd, fmt, ap);
	va_end(ap);
	rc = system(cmd.buf);
	if (rc != 0)
		fail_msg("command failed (%d): %s", rc, cmd.buf);
	honk_buf_release(&cmd);
}

static int collect(const char *path, const char *patch, size_t len,
		   void *payload)
{
	(void)path;
	return honk_buf_add(payload, patch, len);
}

static void rewrite_branch(git_oid *out, const struct honk_rule_set *rs,
			   struct honk_buf *patch)
{
	static const char *const paths[] = { "sql/**", "conf/*.yaml" };
	struct honk_rewrite_branch_opts o = {
		"main", paths, 2, "refs/heads/honk/x", "honk: rewrite\n", 0
	};
	struct honk_repo *r = NULL;

	assert_int_equal(honk_repo_open(&r), 0);
	honk_buf_reset(patch);
	if (honk_rewrite_branch(out, rs, r, &o, collect, patch) != 0)
		fail_msg("%s", honk_error_last());
	honk_repo_free(r);
}

/*
 * A consumer's branch rewritten from Git objects: only files within its
 * paths, never through a link; the commit's diff is the patch; again with
 * nothing new, nothing; when main moves, the branch moves forward.
 */
static void branch_rewrite_commits_its_patch(void **state)
{
	struct honk_rule_set *rs = load(
		"rules:\n"
		"  - {pattern: '\\bts\\b', replace: played_at}\n"
		"  - {pattern: 'analytics\\.user_plays_v3\\b', replace: analytics.user_plays_v4}\n");
	struct honk_buf patch = HONK_BUF_INIT;
	char tmpl[] = "/tmp/honk-rewrite-test.XXXXXX", top[4096];
	git_oid first, again, moved;
	char hex[GIT_OID_HEXSZ + 1];
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(tmpl));
	assert_int_equal(chdir(tmpl), 0);
	assert_non_null(getcwd(top, sizeof(top)));
	setenv("HOME", top, 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("GIT_AUTHOR_NAME", "Test", 1);
	setenv("GIT_AUTHOR_EMAIL", "test@example.com", 1);
	setenv("GIT_COMMITTER_NAME", "Test", 1);
	setenv("GIT_COMMITTER_EMAIL", "test@example.com", 1);
	setenv("GIT_CEILING_DIRECTORIES", "/tmp", 1);
	sh("git init -q -b main c && cd c && mkdir -p sql/lib conf &&"
	   " printf 'SELECT ts\\nFROM analytics.user_plays_v3\\n' >sql/lib/a.sql &&"
	   " printf 'ts: 1\\n' >conf/x.yaml && printf 'ts\\n' >README.sql &&"
	   " printf 'x\\000ts\\n' >sql/bin.sql && ln -s /etc sql/etc &&"
	   " ln -s ../README.sql sql/link.sql && git add -A && git commit -q -m one");
	assert_int_equal(chdir("c"), 0);

	rewrite_branch(&first, rs, &patch);
	assert_false(git_oid_is_zero(&first));
	f = fopen("../patch", "w");
	assert_non_null(f);
	assert_int_equal(fwrite(patch.buf, 1, patch.len, f), patch.len);
	fclose(f);
	/* the commit's diff is the patch, and only files within paths */
	sh("git diff main honk/x >../diff && cmp ../diff ../patch");
	sh("test \"$(git diff --name-only main honk/x | tr '\\n' ' ')\" = 'conf/x.yaml sql/lib/a.sql '");
	sh("test \"$(git rev-parse honk/x^)\" = \"$(git rev-parse main)\"");
	sh("git show honk/x:sql/lib/a.sql | grep -qx 'FROM analytics.user_plays_v4'");
	sh("test \"$(git ls-tree honk/x sql/etc sql/link.sql)\" = \"$(git ls-tree main sql/etc sql/link.sql)\"");

	/* nothing new: nothing written */
	rewrite_branch(&again, rs, &patch);
	assert_true(git_oid_equal(&again, &first));
	git_oid_tostr(hex, sizeof(hex), &first);
	sh("test \"$(git rev-parse honk/x)\" = %s", hex);

	/* main moves: a merge of it into the branch, which only goes on */
	sh("printf 'WHERE ts > 0\\n' >>sql/lib/a.sql && git commit -q -am two");
	rewrite_branch(&moved, rs, &patch);
	assert_false(git_oid_equal(&moved, &first));
	sh("git merge-base --is-ancestor %s honk/x", hex);
	sh("test \"$(git rev-parse honk/x^2)\" = \"$(git rev-parse main)\"");
	sh("git show honk/x:sql/lib/a.sql | grep -qx 'WHERE played_at > 0'");
	sh("git fsck --strict --no-progress 2>&1 | (! grep -v '^dangling')");

	honk_buf_release(&patch);
	honk_rules_free(rs);
	assert_int_equal(chdir("/"), 0);
	sh("rm -rf '%s'", tmpl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(errors_have_positions),
		cmocka_unit_test(words_as_words),
		cmocka_unit_test(in_order_like_sed),
		cmocka_unit_test(literals_never_skip_a_match),
		cmocka_unit_test(groups_lines_and_bytes),
		cmocka_unit_test(globs_choose_files),
		cmocka_unit_test(catastrophic_is_an_error),
		cmocka_unit_test(consumers_choose_rules),
		cmocka_unit_test(branch_rewrite_commits_its_patch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
