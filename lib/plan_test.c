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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(waves_follow_cumulative_sizes),
		cmocka_unit_test(plan_yaml_is_deterministic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
