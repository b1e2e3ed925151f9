/*
 * Catalog validation: the model built from valid files, and every
 * cross-file check with its message and position.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "catalog.h"
#include "banned.h"

static const char settings[] =
	"honk: 1\n"
	"compatibility: full\n"
	"rollout:\n"
	"  waves: [1, 10%, 100%]\n"
	"  backoff: 1m\n"
	"  wave_gap: manual\n"
	"  apply: ./ops/apply.sh --now\n"
	"  health:\n"
	"    command: [./ops/health.sh]\n"
	"    thresholds: {cpu: \"< 0.85\", errors: \">= 1\"}\n";

static const char plays[] =
	"dataset: plays.user_plays\n"
	"owner: team-playback\n"
	"versions:\n"
	"  - version: 3\n"
	"    deprecated: 2026-12-31\n"
	"    schema:\n"
	"      - {name: user_id, type: string, required: true}\n"
	"      - {name: ts, type: timestamp}\n"
	"      - name: device\n"
	"        type: record\n"
	"        fields:\n"
	"          - {name: os, type: string}\n"
	"  - version: 4\n"
	"    schema:\n"
	"      - {name: user_id, type: string, required: true}\n"
	"      - {name: played_at, type: timestamp, renamed_from: ts}\n";

static const char daily[] = "dataset: royalty.daily\n"
			    "compatibility: none\n"
			    "versions:\n"
			    "  - version: 1\n"
			    "    schema: [{name: total, type: int64}]\n";

static const char reports[] = "consumer: reports\n"
			      "criticality: high\n"
			      "reads:\n"
			      "  - {dataset: plays.user_plays, version: 3,\n"
			      "     fields: [user_id, device.os]}\n"
			      "produces: [royalty.daily]\n"
			      "wave: 2\n";

struct files {
	struct honk_catalog_file v[8];
	size_t n;
};

static void add(struct files *f, const char *path, const char *data)
{
	f->v[f->n].path = path;
	f->v[f->n].data = data;
	f->v[f->n].len = strlen(data);
	f->n++;
}

/* Load and return all diagnostics as one "line:col: msg\n..." string. */
static char *load(struct files *f, struct honk_catalog *cat, int *err)
{
	struct honk_diags d = HONK_DIAGS_INIT;
	struct honk_buf out = HONK_BUF_INIT;
	size_t i;

	*err = honk_catalog_parse_files(cat, f->v, f->n, &d);
	honk_diags_sort(&d);
	for (i = 0; i < d.n; i++)
		honk_buf_addf(&out, "%s:%u:%u: %s\n", d.v[i].path, d.v[i].line,
			      d.v[i].col, d.v[i].msg);
	honk_diags_release(&d);
	return honk_buf_detach(&out, NULL);
}

static void valid_catalog_builds_the_model(void **state)
{
	struct honk_catalog cat = HONK_CATALOG_INIT;
	struct files f = { .n = 0 };
	const struct honk_dataset *ds;
	const struct honk_consumer *co;
	char *msgs;
	int err;

	(void)state;
	add(&f, "honk.yaml", settings);
	add(&f, "datasets/royalty/daily.yaml", daily);
	add(&f, "datasets/plays/user_plays.yaml", plays);
	add(&f, "consumers/royalty/reports.yaml", reports);
	msgs = load(&f, &cat, &err);
	assert_string_equal(msgs, "");
	assert_int_equal(err, 0);
	free(msgs);

	assert_int_equal(cat.ndatasets, 2);
	assert_string_equal(cat.datasets[0].id, "plays.user_plays");
	ds = honk_catalog_dataset(&cat, "royalty.daily");
	assert_non_null(ds);
	assert_int_equal(honk_dataset_policy(&cat, ds), HONK_POLICY_NONE);
	ds = honk_catalog_dataset(&cat, "plays.user_plays");
	assert_int_equal(honk_dataset_policy(&cat, ds), HONK_POLICY_FULL);
	assert_int_equal(ds->nversions, 2);
	assert_string_equal(ds->versions[0].deprecated, "2026-12-31");
	assert_int_equal(ds->versions[0].deprecated_days, 20818);
	assert_string_equal(ds->versions[1].schema.fields[1].renamed_from,
			    "ts");
	assert_null(honk_catalog_dataset(&cat, "plays.nope"));

	co = honk_catalog_consumer(&cat, "reports");
	assert_non_null(co);
	assert_int_equal(co->criticality, HONK_CRIT_HIGH);
	assert_int_equal(co->wave, 2);
	assert_int_equal(co->nreads, 1);
	assert_int_equal(co->reads[0].nfields, 2);
	assert_string_equal(co->produces[0], "royalty.daily");

	assert_int_equal(cat.settings.rollout.nwaves, 3);
	assert_int_equal(cat.settings.rollout.waves[1].percent, 1);
	assert_int_equal(cat.settings.rollout.backoff_ms, 60000);
	assert_int_equal(cat.settings.rollout.wave_gap_manual, 1);
	assert_int_equal(cat.settings.rollout.retries, 2); /* default kept */
	assert_int_equal(cat.settings.rollout.apply.n, 3);
	assert_string_equal(cat.settings.rollout.apply.v[0], "/bin/sh");
	assert_string_equal(cat.settings.rollout.apply.v[2],
			    "./ops/apply.sh --now");
	assert_int_equal(cat.settings.rollout.health.nthresholds, 2);
	assert_int_equal(cat.settings.rollout.health.thresholds[1].op,
			 HONK_CMP_GE);
	honk_catalog_release(&cat);
}

static void expect_messages(struct files *f, const char *expected)
{
	struct honk_catalog cat = HONK_CATALOG_INIT;
	char *msgs;
	int err;

	msgs = load(f, &cat, &err);
	assert_string_equal(msgs, expected);
	assert_int_equal(err, HONK_EINVALID);
	free(msgs);
	honk_catalog_release(&cat);
}

static void dangling_references_are_reported(void **state)
{
	struct files f = { .n = 0 };

	(void)state;
	add(&f, "honk.yaml", settings);
	add(&f, "datasets/plays/user_plays.yaml", plays);
	add(&f, "consumers/a.yaml",
	    "consumer: a\n"
	    "reads:\n"
	    "  - {dataset: plays.nope, version: 1}\n"
	    "  - {dataset: plays.user_plays, version: 9}\n"
	    "  - {dataset: plays.user_plays, version: 4, fields: [ts]}\n"
	    "produces: [royalty.none]\n");
	expect_messages(
		&f,
		"consumers/a.yaml:3:5: reads dataset 'plays.nope', which is not in the catalog\n"
		"consumers/a.yaml:4:42: reads version 9 of 'plays.user_plays', which has no such version\n"
		"consumers/a.yaml:5:5: reads field 'ts', which version 4 of 'plays.user_plays' does not have\n"
		"consumers/a.yaml:6:12: produces dataset 'royalty.none', which is not in the catalog\n");
}

static void produces_cycle_is_reported_once(void **state)
{
	struct files f = { .n = 0 };

	(void)state;
	add(&f, "honk.yaml", settings);
	add(&f, "datasets/plays/user_plays.yaml", plays);
	add(&f, "datasets/royalty/daily.yaml", daily);
	add(&f, "consumers/reports.yaml", reports);
	add(&f, "consumers/payouts.yaml",
	    "consumer: payouts\n"
	    "reads: [{dataset: royalty.daily, version: 1}]\n"
	    "produces: [plays.user_plays]\n");
	expect_messages(
		&f,
		"consumers/payouts.yaml:3:12: produces makes a cycle: "
		"plays.user_plays -> reports -> royalty.daily -> payouts -> plays.user_plays\n");
}

static void self_loop_is_a_cycle(void **state)
{
	struct files f = { .n = 0 };

	(void)state;
	add(&f, "honk.yaml", settings);
	add(&f, "datasets/royalty/daily.yaml", daily);
	add(&f, "consumers/loop.yaml",
	    "consumer: loop\n"
	    "reads: [{dataset: royalty.daily, version: 1}]\n"
	    "produces: [royalty.daily]\n");
	expect_messages(&f, "consumers/loop.yaml:3:12: produces makes a cycle: "
			    "royalty.daily -> loop -> royalty.daily\n");
}

static void identity_follows_the_path(void **state)
{
	struct files f = { .n = 0 };

	(void)state;
	add(&f, "honk.yaml", settings);
	add(&f, "datasets/plays/user_plays.yaml",
	    "dataset: plays.other\nversions: [{version: 1, schema: []}]\n");
	add(&f, "consumers/x/a.yaml",
	    "consumer: b\nreads: [{dataset: plays.user_plays, version: 1}]\n");
	add(&f, "consumers/y/b.yaml",
	    "consumer: b\nreads: [{dataset: plays.user_plays, version: 1}]\n");
	add(&f, "consumers/z/b.yaml",
	    "consumer: b\nreads: [{dataset: plays.user_plays, version: 1}]\n");
	expect_messages(
		&f,
		"consumers/x/a.yaml:1:11: consumer 'b' does not match its file name 'a.yaml' (at consumer)\n"
		"consumers/z/b.yaml:1:1: consumer 'b' is also defined in consumers/y/b.yaml\n"
		"datasets/plays/user_plays.yaml:1:10: dataset 'plays.other' does not match its file, which says 'plays.user_plays' (at dataset)\n");
}

static void every_error_of_a_file_is_reported(void **state)
{
	struct files f = { .n = 0 };

	(void)state;
	add(&f, "honk.yaml", "honk: 1\ncompatibility: backwards\nmian: main\n");
	add(&f, "datasets/plays/user_plays.yaml", plays);
	add(&f, "consumers/a.yaml",
	    "consumer: a\n"
	    "criticality: urgent\n"
	    "reads: [{dataset: plays.user_plays, version: 4, feilds: [x]}]\n"
	    "wave: 0\n");
	expect_messages(
		&f,
		"consumers/a.yaml:2:14: unknown value 'urgent' (one of: low, medium, high) (at criticality)\n"
		"consumers/a.yaml:3:49: unknown key 'feilds' in a read, did you mean 'fields'? (at reads[0])\n"
		"consumers/a.yaml:4:7: '0' is out of range [1, 1000] (at wave)\n"
		"honk.yaml:2:16: unknown value 'backwards', did you mean 'backward'? "
		"(one of: backward, forward, full, none, backward_transitive, forward_transitive, full_transitive) (at compatibility)\n"
		"honk.yaml:3:1: unknown key 'mian' in honk.yaml, did you mean 'main'?\n");
}

static void schema_file_without_repository(void **state)
{
	struct files f = { .n = 0 };

	(void)state;
	add(&f, "honk.yaml", settings);
	add(&f, "datasets/plays/user_plays.yaml",
	    "dataset: plays.user_plays\n"
	    "versions:\n"
	    "  - {version: 1, schema_file: schemas/p/1.avsc, schema_format: avro}\n"
	    "  - {version: 2, schema_file: ../../etc/passwd}\n"
	    "  - {version: 3}\n");
	expect_messages(
		&f,
		"datasets/plays/user_plays.yaml:3:31: schema file 'schemas/p/1.avsc' does not exist (at versions[0])\n"
		"datasets/plays/user_plays.yaml:4:31: '../../etc/passwd' must be a relative path inside the repository (at versions[1].schema_file)\n"
		"datasets/plays/user_plays.yaml:5:5: a version needs 'schema' or 'schema_file' (at versions[2])\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(valid_catalog_builds_the_model),
		cmocka_unit_test(dangling_references_are_reported),
		cmocka_unit_test(produces_cycle_is_reported_once),
		cmocka_unit_test(self_loop_is_a_cycle),
		cmocka_unit_test(identity_follows_the_path),
		cmocka_unit_test(every_error_of_a_file_is_reported),
		cmocka_unit_test(schema_file_without_repository),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
