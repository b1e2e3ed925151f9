/*
 * Migration plans: wave arithmetic and the plan as YAML.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "plan.h"
#include "banned.h"

static void waves_follow_cumulative_sizes(void **state)
{
	struct honk_wave_size std[] = {
		{ 1, 0 }, { 10, 1 }, { 50, 1 }, { 100, 1 }
	};
	struct honk_wave_size counts[] = { { 2, 0 }, { 5, 0 } };
	int64_t w[20], pins[20] = { 0 };
	size_t i;

	(void)state;
	/* 20 consumers: 1, then up to 2 (10%), 10 (50%), 20 (100%) */
	honk_waves_assign(w, NULL, 20, std, 4);
	assert_int_equal(w[0], 1);
	assert_int_equal(w[1], 2);
	for (i = 2; i < 10; i++)
		assert_int_equal(w[i], 3);
	for (i = 10; i < 20; i++)
		assert_int_equal(w[i], 4);
	/* one consumer: the canary wave */
	honk_waves_assign(w, NULL, 1, std, 4);
	assert_int_equal(w[0], 1);
	/* counts: 2, then up to 5; the rest stay in the last wave */
	honk_waves_assign(w, NULL, 7, counts, 2);
	assert_int_equal(w[0], 1);
	assert_int_equal(w[1], 1);
	assert_int_equal(w[4], 2);
	assert_int_equal(w[6], 2);
	/* a pinned wave wins, and a pin past the last wave is the last */
	pins[0] = 3;
	pins[1] = 9;
	honk_waves_assign(w, pins, 3, std, 4);
	assert_int_equal(w[0], 3);
	assert_int_equal(w[1], 4);
	assert_int_equal(w[2], 1);
}

static void plan_yaml_is_deterministic(void **state)
{
	static const char plays[] =
		"dataset: plays.p\n"
		"versions:\n"
		"  - {version: 3, location: l3, schema: [{name: ts, type: timestamp}, {name: k, type: enum, symbols: [a]}]}\n"
		"  - {version: 4, location: l4, schema: [{name: at, type: timestamp, renamed_from: ts}, {name: k, type: enum, symbols: [a, b]}]}\n";
	static const char daily[] =
		"dataset: plays.daily\nversions: [{version: 1, schema: [{name: n, type: int64}]}]\n";
	struct honk_catalog_file f[6] = {
		{ "honk.yaml", "honk: 1\nrollout: {waves: [1, 100%]}\n", 0 },
		{ "datasets/plays/p.yaml", plays, 0 },
		{ "datasets/plays/daily.yaml", daily, 0 },
		{ "consumers/b.yaml",
		  "consumer: b\ncriticality: high\nreads: [{dataset: plays.p, version: 3, fields: [k]}]\n",
		  0 },
		{ "consumers/a.yaml",
		  "consumer: a\nreads: [{dataset: plays.p, version: 3, fields: [ts]}]\nproduces: [plays.daily]\n",
		  0 },
		{ "consumers/c.yaml",
		  "consumer: c\nreads: [{dataset: plays.daily, version: 1}]\n",
		  0 },
	};
	struct honk_catalog cat = HONK_CATALOG_INIT;
	struct honk_diags d = HONK_DIAGS_INIT;
	struct honk_plan plan;
	struct honk_buf one = HONK_BUF_INIT, two = HONK_BUF_INIT;

	size_t i;

	(void)state;
	for (i = 0; i < 6; i++)
		f[i].len = strlen(f[i].data);
	assert_int_equal(honk_catalog_parse_files(&cat, f, 6, &d), 0);
	assert_int_equal(honk_plan_build(&plan, &cat, NULL,
					 honk_catalog_dataset(&cat, "plays.p"),
					 3, 4),
			 0);
	assert_int_equal(honk_plan_write(&one, &plan), 0);
	assert_int_equal(honk_plan_write(&two, &plan), 0);
	assert_string_equal(one.buf, two.buf);
	assert_string_equal(
		one.buf,
		"migration: plays.p.v3-v4\n"
		"dataset: plays.p\n"
		"from: 3\n"
		"to: 4\n"
		"policy: backward\n"
		"verdict: compatible\n"
		"changes:\n"
		"- {change: location-changed, path: \"\", backward: true, forward: true}\n"
		"- {change: enum-symbol-added, path: k, symbol: b, backward: true, forward: false}\n"
		"- {change: field-renamed, path: ts, to: at, backward: true, forward: false}\n"
		"consumers:\n"
		"- {consumer: a, impact: breaking, fields: [ts], wave: 1}\n"
		"- {consumer: b, impact: breaking, fields: [k], wave: 2}\n"
		"- {consumer: c, impact: transitive, via: plays.daily, wave: 2}\n"
		"excluded: []\n"
		"rollout: {}\n");
	honk_plan_release(&plan);
	assert_int_equal(honk_plan_build(&plan, &cat, NULL,
					 honk_catalog_dataset(&cat, "plays.p"),
					 3, 9),
			 HONK_ENOTFOUND);
	honk_plan_release(&plan);
	honk_buf_release(&one);
	honk_buf_release(&two);
	honk_diags_release(&d);
	honk_catalog_release(&cat);
}

static const char written[] =
	"migration: plays.p.v3-v4\n"
	"dataset: plays.p\n"
	"from: 3\n"
	"to: 4\n"
	"policy: backward\n"
	"verdict: compatible\n"
	"changes:\n"
	"- {change: location-changed, path: \"\", backward: true, forward: true}\n"
	"- {change: field-renamed, path: ts, to: at, backward: true, forward: false}\n"
	"consumers:\n"
	"- {consumer: a, impact: breaking, fields: [ts], wave: 1}\n"
	"# a person moved b to the first wave\n"
	"- {consumer: b, impact: relocate, wave: 1}\n"
	"- {consumer: c, impact: transitive, via: plays.daily, wave: 2}\n"
	"excluded: [d, {consumer: e, reason: migrated by hand}]\n"
	"rollout: {max_parallel: 2}\n";

/* What people may edit is read back: waves, exclusions, overrides. */
static void plan_file_reads_back_edits(void **state)
{
	struct honk_planfile pf;
	struct honk_diags d = HONK_DIAGS_INIT;

	(void)state;
	assert_int_equal(honk_planfile_parse(&pf,
					     "migrations/plays.p.v3-v4.yaml",
					     written, strlen(written), &d),
			 0);
	assert_string_equal(pf.id, "plays.p.v3-v4");
	assert_string_equal(pf.dataset, "plays.p");
	assert_int_equal(pf.from, 3);
	assert_int_equal(pf.to, 4);
	assert_int_equal(pf.nconsumers, 3);
	assert_int_equal(honk_planfile_consumer(&pf, "b")->wave, 1);
	assert_int_equal(honk_planfile_consumer(&pf, "b")->impact,
			 HONK_IMPACT_RELOCATE);
	assert_string_equal(honk_planfile_consumer(&pf, "c")->via,
			    "plays.daily");
	assert_null(honk_planfile_consumer(&pf, "zz"));
	assert_non_null(honk_planfile_excluded(&pf, "d"));
	assert_null(honk_planfile_excluded(&pf, "d")->reason);
	assert_string_equal(honk_planfile_excluded(&pf, "e")->reason,
			    "migrated by hand");
	assert_null(honk_planfile_excluded(&pf, "a"));
	assert_true(pf.rollout.set & HONK_RO_MAX_PARALLEL);
	assert_int_equal(pf.rollout.max_parallel, 2);
	honk_planfile_release(&pf);
	honk_diags_release(&d);
}

static void expect_bad_plan(const char *path, const char *text,
			    const char *want)
{
	struct honk_planfile pf;
	struct honk_diags d = HONK_DIAGS_INIT;
	size_t i;
	int found = 0;

	assert_int_equal(honk_planfile_parse(&pf, path, text, strlen(text), &d),
			 HONK_EINVALID);
	for (i = 0; i < d.n; i++) {
		char line[512];

		snprintf(line, sizeof(line), "%s:%u:%u: %s", d.v[i].path,
			 d.v[i].line, d.v[i].col, d.v[i].msg);
		if (strstr(line, want))
			found = 1;
		else
			print_message("diag: %s\n", line);
	}
	if (!found)
		fail_msg("no diagnostic containing '%s'", want);
	honk_diags_release(&d);
}

static void plan_file_errors_have_positions(void **state)
{
	(void)state;
	expect_bad_plan(
		"migrations/plays.p.v3-v4.yaml",
		"migration: plays.p.v3-v9\ndataset: plays.p\nfrom: 3\nto: 4\nconsumers: []\n",
		"migrations/plays.p.v3-v4.yaml:1:12: migration 'plays.p.v3-v9' should be 'plays.p.v3-v4'");
	expect_bad_plan(
		"migrations/plays.p.v3-v4.yaml",
		"migration: plays.p.v3-v4\ndataset: plays.p\nfrom: 3\nto: 4\n"
		"consumers:\n- {consumer: a, impact: braking, wave: 1}\n",
		":6:25: unknown value 'braking', did you mean 'breaking'?");
	expect_bad_plan(
		"migrations/plays.p.v3-v4.yaml",
		"migration: plays.p.v3-v4\ndataset: plays.p\nfrom: 3\nto: 4\n"
		"consumers:\n- {consumer: '$(id)', impact: breaking}\n",
		":6:14: invalid consumer name '$(id)'");
	expect_bad_plan(
		"migrations/plays.p.v3-v4.yaml",
		"migration: plays.p.v3-v4\ndataset: plays.p\nfrom: 3\nto: 4\n"
		"consumers: []\nmanual: [{reasn: x}]\n",
		"unknown key 'reasn' in a manual item, did you mean 'reason'?");
	expect_bad_plan(
		"migrations/other.yaml",
		"migration: plays.p.v3-v4\ndataset: plays.p\nfrom: 3\nto: 4\nconsumers: []\n",
		"belongs in migrations/plays.p.v3-v4.yaml");
	expect_bad_plan(
		"migrations/plays.p.v4-v3.yaml",
		"migration: plays.p.v4-v3\ndataset: plays.p\nfrom: 4\nto: 3\nconsumers: []\n",
		":4:5: to (3) must be after from (4)");
	expect_bad_plan(
		"migrations/plays.p.v3-v4.yaml",
		"migration: plays.p.v3-v4\ndataset: plays.p\nfrom: 3\nto: 4\n"
		"consumers: [{consumer: a, impact: breaking}, {consumer: a, impact: relocate}]\n",
		"consumer 'a' is listed twice");
	/* a dataset name that leaves no room for the id: said, at the id */
	expect_bad_plan(
		"p.yaml",
		"migration: x\ndataset: "
		"d.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n"
		"from: 1\nto: 2\nconsumers: []\n",
		"p.yaml:1:12: migration id 'd.xxx");
}

/* honk's manual items are replaced, people's kept, the rest untouched. */
static void manual_items_are_spliced(void **state)
{
	struct honk_plan_manual mine[2] = {
		{ "transform", "ms", NULL, "type-narrowed int64 to int32", 1 },
		{ "rewrite", "ts", "a", "'ts' is also read from plays.q", 1 },
	};
	struct honk_diags d = HONK_DIAGS_INIT;
	struct honk_buf one = HONK_BUF_INIT, two = HONK_BUF_INIT,
			three = HONK_BUF_INIT;
	struct honk_planfile pf;

	(void)state;
	assert_int_equal(honk_plan_set_manual(&one, "p.yaml", written,
					      strlen(written), 1, mine, 2, &d),
			 0);
	/* everything before stays byte for byte */
	assert_memory_equal(one.buf, written, strlen(written));
	assert_string_equal(
		one.buf + strlen(written),
		"manual:\n"
		"- {what: transform, path: ms, reason: type-narrowed int64 to int32, by: honk-gen}\n"
		"- {what: rewrite, path: ts, consumer: a, reason: '''ts'' is also read from plays.q', by: honk-gen}\n");
	/* a person adds a note in the middle of the file's keys */
	honk_buf_addstr(&one, "\n");
	honk_buf_reset(&two);
	honk_buf_add(&two, written, strlen(written));
	honk_buf_addstr(
		&two,
		"manual:\n- {consumer: b, reason: moved by hand}\n"
		"- {what: transform, path: ms, reason: old, by: honk-gen}\n"
		"# trailing comment of the person\n");
	/* honk's are replaced, the person's stays; nothing from honk: */
	assert_int_equal(honk_plan_set_manual(&three, "p.yaml", two.buf,
					      two.len, 1, mine, 1, &d),
			 0);
	assert_string_equal(
		three.buf + strlen(written),
		"manual:\n"
		"- {consumer: b, reason: moved by hand}\n"
		"- {what: transform, path: ms, reason: type-narrowed int64 to int32, by: honk-gen}\n");
	assert_int_equal(honk_planfile_parse(&pf, "p.yaml", three.buf,
					     three.len, &d),
			 0);
	assert_int_equal(pf.nmanual, 2);
	assert_false(pf.manual[0].by_honk);
	assert_true(pf.manual[1].by_honk);
	honk_planfile_release(&pf);
	/* no items at all: no manual key */
	assert_int_equal(honk_plan_set_manual(&one, "p.yaml", two.buf, two.len,
					      0, NULL, 0, &d),
			 0);
	assert_string_equal(one.buf, written);
	assert_int_equal(d.n, 0);
	honk_buf_release(&one);
	honk_buf_release(&two);
	honk_buf_release(&three);
	honk_diags_release(&d);
}

/*
 * Lines are counted as the YAML reader counts them: a lone CR and the
 * Unicode line breaks end a line too, so the splice cuts where it
 * should and keeps every other line.
 */
static void manual_items_follow_yaml_line_breaks(void **state)
{
	static const char text[] =
		"migration: plays.p.v3-v4\rdataset: plays.p\n"
		"from: 3\xe2\x80\xa8to: 4\r\n"
		"manual: [{reason: old, by: honk-gen}]\xc2\x85"
		"consumers: []\n";
	struct honk_plan_manual mine = { "transform", "ms", NULL, "new", 1 };
	struct honk_diags d = HONK_DIAGS_INIT;
	struct honk_buf one = HONK_BUF_INIT;

	(void)state;
	assert_int_equal(honk_plan_set_manual(&one, "p.yaml", text,
					      strlen(text), 1, &mine, 1, &d),
			 0);
	assert_string_equal(
		one.buf,
		"migration: plays.p.v3-v4\rdataset: plays.p\n"
		"from: 3\xe2\x80\xa8to: 4\r\n"
		"consumers: []\n"
		"manual:\n"
		"- {what: transform, path: ms, reason: new, by: honk-gen}\n");
	honk_buf_release(&one);
	honk_diags_release(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(waves_follow_cumulative_sizes),
		cmocka_unit_test(plan_yaml_is_deterministic),
		cmocka_unit_test(manual_items_follow_yaml_line_breaks),
		cmocka_unit_test(plan_file_reads_back_edits),
		cmocka_unit_test(plan_file_errors_have_positions),
		cmocka_unit_test(manual_items_are_spliced),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
