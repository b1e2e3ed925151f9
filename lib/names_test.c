/*
 * Unit tests for the name allowlist and the builders of paths, refs and
 * environment entries: nothing that could reach a shell, a path or a ref
 * gets through, and what does is built exactly as documented.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "names.h"
#include "banned.h"

static int valid(const char *s)
{
	return honk_name_valid(s, strlen(s));
}

static void test_valid_names(void **state)
{
	static const char *const ok[] = {
		"a",
		"0",
		"plays",
		"plays.user_plays",
		"a-b_c",
		"a1.b2.c3",
		"x-",
		"x_",
		"9lives",
		"a.0",
		"team-playback",
		"plays.user_plays.v3-v4",
	};
	char max[HONK_NAME_MAX + 1];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (!valid(ok[i]))
			fail_msg("'%s' refused", ok[i]);
		assert_int_equal(honk_name_check("dataset", ok[i]), 0);
	}
	memset(max, 'a', HONK_NAME_MAX);
	max[HONK_NAME_MAX] = '\0';
	assert_true(valid(max));
	assert_int_equal(honk_name_check("dataset", max), 0);
	/* only len bytes are looked at */
	assert_true(honk_name_valid("ab;rm", 2));
}

static void test_invalid_names(void **state)
{
	static const char *const bad[] = {
		"$(id)", "../x", "-rf",	 "a;b",	  "A",		"",
		"a..b",	 "a.",	 ".a",	 "a\nb",  "a b",	"a/b",
		"_a",	 "a._b", "a.-b", "`id`",  "a\\b",	"caf\xc3\xa9",
		"a\tb",	 ".",	 "..",	 "a\x7f", "Plays.user",
	};
	char long_name[HONK_NAME_MAX + 2];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (valid(bad[i]))
			fail_msg("'%s' accepted", bad[i]);
		assert_int_equal(honk_name_check("dataset", bad[i]),
				 HONK_EINVALID);
	}
	memset(long_name, 'a', HONK_NAME_MAX + 1);
	long_name[HONK_NAME_MAX + 1] = '\0';
	assert_false(valid(long_name));
	assert_int_equal(honk_name_check("dataset", long_name), HONK_EINVALID);

	/* an embedded NUL is not a terminator for honk_name_valid */
	assert_false(honk_name_valid("a\0b", 3));
	assert_false(honk_name_valid("ab\0", 3));
	assert_false(honk_name_valid("abc", 0));
}

static void check_msg(const char *what, const char *name, const char *msg)
{
	assert_int_equal(honk_name_check(what, name), HONK_EINVALID);
	assert_string_equal(honk_error_last(), msg);
}

static void test_check_messages(void **state)
{
	char long_name[HONK_NAME_MAX + 2], want[256];

	(void)state;
	check_msg(
		"dataset", "-rf",
		"invalid dataset name '-rf': each segment must start with [a-z0-9]");
	check_msg(
		"consumer", "$(id)",
		"invalid consumer name '$(id)': each segment must start with [a-z0-9]");
	check_msg(
		"dataset", "a;b",
		"invalid dataset name 'a;b': only [a-z0-9_-] and '.' between segments are allowed");
	check_msg(
		"migration", "A",
		"invalid migration name 'A': upper-case letters are not allowed");
	check_msg("dataset", "", "dataset name is empty");
	check_msg("dataset", "a..b",
		  "invalid dataset name 'a..b': empty segment between dots");
	check_msg("dataset", "a.",
		  "invalid dataset name 'a.': must not end with '.'");
	check_msg("dataset", "../x",
		  "invalid dataset name '../x': empty segment between dots");
	/* control characters and quotes are escaped in the message */
	check_msg(
		"wave", "a\nb",
		"invalid wave name 'a\\x0ab': only [a-z0-9_-] and '.' between segments are allowed");
	check_msg(
		"wave", "a'b",
		"invalid wave name 'a\\x27b': only [a-z0-9_-] and '.' between segments are allowed");

	/* a long name is cut short in the message */
	memset(long_name, 'a', HONK_NAME_MAX + 1);
	long_name[HONK_NAME_MAX + 1] = '\0';
	snprintf(want, sizeof(want),
		 "dataset name '%.59s...' is longer than 128 bytes", long_name);
	check_msg("dataset", long_name, want);
}

static void test_path_dataset(void **state)
{
	struct honk_buf b = HONK_BUF_INIT;

	(void)state;
	assert_int_equal(honk_path_dataset(&b, "plays.user_plays"), 0);
	assert_string_equal(b.buf, "datasets/plays/user_plays.yaml");
	/* replaces, never appends */
	assert_int_equal(honk_path_dataset(&b, "a.b.c"), 0);
	assert_string_equal(b.buf, "datasets/a/b.c.yaml");

	assert_int_equal(honk_path_dataset(&b, "plays"), HONK_EINVALID);
	assert_string_equal(honk_error_last(),
			    "dataset id 'plays' must be <domain>.<name>");
	assert_int_equal(honk_path_dataset(&b, "../../etc.passwd"),
			 HONK_EINVALID);
	assert_int_equal(honk_path_dataset(&b, "a/b.c"), HONK_EINVALID);
	/* a refusal leaves the output alone */
	assert_string_equal(b.buf, "datasets/a/b.c.yaml");
	honk_buf_release(&b);
}

static void id_ok(const char *path, const char *want)
{
	struct honk_buf b = HONK_BUF_INIT;

	if (honk_dataset_id_from_path(&b, path) != 0)
		fail_msg("'%s' refused: %s", path, honk_error_last());
	assert_string_equal(b.buf, want);
	honk_buf_release(&b);
}

static void id_bad(const char *path)
{
	struct honk_buf b = HONK_BUF_INIT;

	if (honk_dataset_id_from_path(&b, path) != HONK_EINVALID)
		fail_msg("'%s' accepted as '%s'", path, b.buf);
	assert_string_equal(
		honk_error_last(),
		"dataset file must be datasets/<domain>/<name>.yaml with valid names");
	assert_int_equal(b.len, 0);
	honk_buf_release(&b);
}

static void test_dataset_id_from_path(void **state)
{
	char path[300];

	(void)state;
	id_ok("datasets/a/b.yaml", "a.b");
	id_ok("datasets/a/b.c.yaml", "a.b.c");
	id_ok("datasets/plays/user_plays.yaml", "plays.user_plays");

	id_bad("datasets/a.b/c.yaml");
	id_bad("datasets/a/b/c.yaml");
	id_bad("datasets/A/b.yaml");
	id_bad("datasets/a/B.yaml");
	id_bad("datasets/a/b.yml");
	id_bad("datasets/a/b.yaml.orig");
	id_bad("datasets/a/.yaml");
	id_bad("datasets//b.yaml");
	id_bad("datasets/b.yaml");
	id_bad("datasets/../b.yaml");
	id_bad("datasets/a/..yaml");
	id_bad("datasets/a/-rf.yaml");
	id_bad("consumers/a/b.yaml");
	id_bad("./datasets/a/b.yaml");
	id_bad("datasets/a/b..yaml");
	id_bad("");

	/* the id, not just each part, must fit HONK_NAME_MAX */
	snprintf(path, sizeof(path), "datasets/%0*d/%0*d.yaml", 63, 1, 64, 2);
	id_ok(path,
	      "000000000000000000000000000000000000000000000000000000000000001."
	      "0000000000000000000000000000000000000000000000000000000000000002");
	snprintf(path, sizeof(path), "datasets/%0*d/%0*d.yaml", 64, 1, 64, 2);
	id_bad(path);
}

static void test_refs_and_paths(void **state)
{
	struct honk_buf b = HONK_BUF_INIT;
	static const char *const hostile[] = {
		"$(id)", "../x", "-rf", "a;b",	"A",
		"",	 "a..b", "a b", "x\ny", "refs/heads/main",
		"a.",
	};
	static const char *const not_branches[] = { "x.lock", "a.b.lock" };
	size_t i;

	(void)state;
	assert_int_equal(honk_path_migration(&b, "plays.user_plays.v3-v4"), 0);
	assert_string_equal(b.buf, "migrations/plays.user_plays.v3-v4.yaml");
	assert_int_equal(honk_ref_proposal(&b, "plays.user_plays.v3-v4"), 0);
	assert_string_equal(b.buf,
			    "refs/heads/honk/propose/plays.user_plays.v3-v4");
	assert_int_equal(honk_ref_consumer_branch(&b, "plays.user_plays.v3-v4"),
			 0);
	assert_string_equal(b.buf, "refs/heads/honk/plays.user_plays.v3-v4");
	assert_int_equal(honk_env_entry(&b, "HONK_CONSUMER", "royalty-reports"),
			 0);
	assert_string_equal(b.buf, "HONK_CONSUMER=royalty-reports");

	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		honk_buf_reset(&b);
		honk_buf_addstr(&b, "untouched");
		assert_int_equal(honk_path_migration(&b, hostile[i]),
				 HONK_EINVALID);
		assert_int_equal(honk_ref_proposal(&b, hostile[i]),
				 HONK_EINVALID);
		assert_int_equal(honk_ref_consumer_branch(&b, hostile[i]),
				 HONK_EINVALID);
		assert_int_equal(honk_env_entry(&b, "HONK_WAVE", hostile[i]),
				 HONK_EINVALID);
		assert_int_equal(honk_migration_id(&b, hostile[i], 1, 2),
				 HONK_EINVALID);
		assert_string_equal(b.buf, "untouched");
	}
	/* valid names, but git refuses a ref component ending in .lock */
	for (i = 0; i < sizeof(not_branches) / sizeof(not_branches[0]); i++) {
		honk_buf_reset(&b);
		honk_buf_addstr(&b, "untouched");
		assert_int_equal(honk_ref_proposal(&b, not_branches[i]),
				 HONK_EINVALID);
		assert_int_equal(honk_ref_consumer_branch(&b, not_branches[i]),
				 HONK_EINVALID);
		assert_string_equal(b.buf, "untouched");
	}
	assert_int_equal(honk_ref_proposal(&b, "x.lockx"), 0);
	assert_int_equal(honk_ref_proposal(&b, "-rf"), HONK_EINVALID);
	assert_string_equal(
		honk_error_last(),
		"invalid migration name '-rf': each segment must start with [a-z0-9]");
	assert_int_equal(honk_env_entry(&b, "HONK_DATASET", "$(id)"),
			 HONK_EINVALID);
	assert_string_equal(
		honk_error_last(),
		"invalid environment name '$(id)': each segment must start with [a-z0-9]");
	honk_buf_release(&b);
}

static void test_migration_id(void **state)
{
	struct honk_buf b = HONK_BUF_INIT;
	char ds[HONK_NAME_MAX + 1];

	(void)state;
	assert_int_equal(honk_migration_id(&b, "plays.user_plays", 3, 4), 0);
	assert_string_equal(b.buf, "plays.user_plays.v3-v4");
	assert_true(honk_name_valid(b.buf, b.len));
	assert_int_equal(honk_migration_id(&b, "a.b", 0, 10), 0);
	assert_string_equal(b.buf, "a.b.v0-v10");

	assert_int_equal(honk_migration_id(&b, "a.b", -1, 2), HONK_EINVALID);
	assert_string_equal(honk_error_last(), "versions must not be negative");
	assert_int_equal(honk_migration_id(&b, "a.b", 1, -2), HONK_EINVALID);

	/* a valid dataset name can still make an id that is too long */
	memset(ds, 'd', sizeof(ds) - 1);
	ds[sizeof(ds) - 1] = '\0';
	assert_int_equal(honk_migration_id(&b, ds, 1, 2), HONK_EINVALID);
	honk_buf_release(&b);
}

static void branch_names(void **state)
{
	static const char *const good[] = { "main", "release/2026",
					    "honk/x.v1-v2", "feature_a" };
	static const char *const bad[] = { "",	    "-evil",   "/x",   "x/",
					   "a..b",  "a b",     "a~1",  "a^",
					   "a:b",   "a?",      "a*",   "a[",
					   "a\\b",  ".hidden", "x/.y", "x.lock",
					   "a@{1}", "@",       "x.",   "a//b" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(honk_branch_name_valid(good[i]));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(honk_branch_name_valid(bad[i]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_names),
		cmocka_unit_test(test_invalid_names),
		cmocka_unit_test(test_check_messages),
		cmocka_unit_test(test_path_dataset),
		cmocka_unit_test(test_dataset_id_from_path),
		cmocka_unit_test(test_refs_and_paths),
		cmocka_unit_test(test_migration_id),
		cmocka_unit_test(branch_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
