/*
 * The name allowlist and everything built from names.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "names.h"
#include "banned.h"

static void allowlist(void **state)
{
	static const char *const good[] = { "a", "0", "plays.user_plays",
					    "team-playback", "a_b-c.d0",
					    "plays.user_plays.v3-v4" };
	static const char *const bad[] = { "", "$(id)", "../x", "-rf", "a;b",
					   "A", "a..b", "a.", ".a", "_a",
					   "a b", "a/b", "a\nb", "é", "a.-b" };
	char long_name[130];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(honk_name_valid(good[i], strlen(good[i])));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_false(honk_name_valid(bad[i], strlen(bad[i])));
		assert_int_equal(honk_name_check("dataset", bad[i]), HONK_EINVALID);
	}
	/* a NUL inside the length is not a name */
	assert_false(honk_name_valid("a\0b", 3));
	memset(long_name, 'a', 128);
	long_name[128] = '\0';
	assert_true(honk_name_valid(long_name, 128));
	long_name[128] = 'a';
	long_name[129] = '\0';
	assert_false(honk_name_valid(long_name, 129));
	assert_int_equal(honk_name_check("consumer", long_name), HONK_EINVALID);
	assert_non_null(strstr(honk_error_last(), "...' is longer than 128 bytes"));
}

static void messages_say_why(void **state)
{
	(void)state;
	honk_name_check("consumer", "-rf");
	assert_string_equal(honk_error_last(),
			    "invalid consumer name '-rf': each segment must start with [a-z0-9]");
	honk_name_check("dataset", "Plays");
	assert_string_equal(honk_error_last(),
			    "invalid dataset name 'Plays': upper-case letters are not allowed");
	honk_name_check("owner", "a;b");
	assert_string_equal(honk_error_last(),
			    "invalid owner name 'a;b': only [a-z0-9_-] and '.' between segments are allowed");
	honk_name_check("dataset", "a.");
	assert_string_equal(honk_error_last(),
			    "invalid dataset name 'a.': must not end with '.'");
	honk_name_check("dataset", "x\n'y");
	assert_string_equal(honk_error_last(),
			    "invalid dataset name 'x\\x0a\\x27y': only [a-z0-9_-] and '.' between segments are allowed");
	honk_name_check("dataset", "");
	assert_string_equal(honk_error_last(), "dataset name is empty");
}

static void builders_refuse_bad_names(void **state)
{
	struct honk_buf b = HONK_BUF_INIT;

	(void)state;
	assert_int_equal(honk_path_dataset(&b, "plays.user_plays"), 0);
	assert_string_equal(b.buf, "datasets/plays/user_plays.yaml");
	assert_int_equal(honk_path_dataset(&b, "a.b.c"), 0);
	assert_string_equal(b.buf, "datasets/a/b.c.yaml");
	assert_int_equal(honk_path_dataset(&b, "nodomain"), HONK_EINVALID);
	assert_int_equal(honk_path_dataset(&b, "../etc.passwd"), HONK_EINVALID);
	assert_int_equal(honk_path_migration(&b, "plays.user_plays.v3-v4"), 0);
	assert_string_equal(b.buf, "migrations/plays.user_plays.v3-v4.yaml");
	assert_int_equal(honk_ref_proposal(&b, "x.v1-v2"), 0);
	assert_string_equal(b.buf, "refs/heads/honk/propose/x.v1-v2");
	assert_int_equal(honk_ref_proposal(&b, "$(id)"), HONK_EINVALID);
	assert_int_equal(honk_ref_consumer_branch(&b, "x.v1-v2"), 0);
	assert_string_equal(b.buf, "refs/heads/honk/x.v1-v2");
	assert_int_equal(honk_env_entry(&b, "HONK_CONSUMER", "charts"), 0);
	assert_string_equal(b.buf, "HONK_CONSUMER=charts");
	assert_int_equal(honk_env_entry(&b, "HONK_CONSUMER", "a;rm -rf /"), HONK_EINVALID);
	assert_int_equal(honk_migration_id(&b, "plays.user_plays", 3, 4), 0);
	assert_string_equal(b.buf, "plays.user_plays.v3-v4");
	assert_int_equal(honk_migration_id(&b, "-x", 3, 4), HONK_EINVALID);
	assert_int_equal(honk_migration_id(&b, "a.b", -1, 4), HONK_EINVALID);
	honk_buf_release(&b);
}

static void dataset_ids_from_paths(void **state)
{
	struct honk_buf b = HONK_BUF_INIT;

	(void)state;
	assert_int_equal(honk_dataset_id_from_path(&b, "datasets/a/b.yaml"), 0);
	assert_string_equal(b.buf, "a.b");
	assert_int_equal(honk_dataset_id_from_path(&b, "datasets/a/b.c.yaml"), 0);
	assert_string_equal(b.buf, "a.b.c");
	assert_int_equal(honk_dataset_id_from_path(&b, "datasets/a.b/c.yaml"), HONK_EINVALID);
	assert_int_equal(honk_dataset_id_from_path(&b, "datasets/a/b/c.yaml"), HONK_EINVALID);
	assert_int_equal(honk_dataset_id_from_path(&b, "datasets/A/b.yaml"), HONK_EINVALID);
	assert_int_equal(honk_dataset_id_from_path(&b, "datasets/b.yaml"), HONK_EINVALID);
	assert_int_equal(honk_dataset_id_from_path(&b, "datasets/a/.yaml"), HONK_EINVALID);
	assert_int_equal(honk_dataset_id_from_path(&b, "datasets/a/b.yml"), HONK_EINVALID);
	assert_int_equal(honk_dataset_id_from_path(&b, "other/a/b.yaml"), HONK_EINVALID);
	honk_buf_release(&b);
}

static void branch_names(void **state)
{
	static const char *const good[] = { "main", "release/2026", "honk/x.v1-v2",
					    "feature_a" };
	static const char *const bad[] = { "", "-evil", "/x", "x/", "a..b",
					   "a b", "a~1", "a^", "a:b", "a?", "a*",
					   "a[", "a\\b", ".hidden", "x/.y",
					   "x.lock", "a@{1}", "@", "x.", "a//b" };
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
		cmocka_unit_test(allowlist),
		cmocka_unit_test(messages_say_why),
		cmocka_unit_test(builders_refuse_bad_names),
		cmocka_unit_test(dataset_ids_from_paths),
		cmocka_unit_test(branch_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
