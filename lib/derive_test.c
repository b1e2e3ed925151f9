/*
 * Rules derived from a plan: what they are, that they do what they say
 * on real text (run through the rewrite engine), and that every rename
 * honk cannot make safely is a manual item instead of a rule.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "catalog.h"
#include "derive.h"
#include "plan.h"
#include "rewrite.h"
#include "banned.h"

static const char plays[] =
	"dataset: plays.p\n"
	"versions:\n"
	"  - version: 3\n"
	"    location: bq://analytics.p_v3\n"
	"    schema:\n"
	"      - {name: user_id, type: string, required: true}\n"
	"      - {name: ts, type: timestamp}\n"
	"      - {name: date, type: date}\n"
	"      - {name: kind, type: enum, symbols: [song, podcast]}\n"
	"      - {name: gone, type: string}\n"
	"  - version: 4\n"
	"    location: bq://analytics.p_v4\n"
	"    schema:\n"
	"      - {name: user_id, type: string, required: true}\n"
	"      - {name: played_at, type: timestamp, renamed_from: ts}\n"
	"      - {name: day, type: date, renamed_from: date}\n"
	"      - {name: kind, type: enum, symbols: [song, podcast, book]}\n";

static const char skips[] = "dataset: plays.skips\n"
			    "versions:\n"
			    "  - version: 1\n"
			    "    schema:\n"
			    "      - {name: ts, type: timestamp}\n";

static const char plan[] =
	"migration: plays.p.v3-v4\n"
	"dataset: plays.p\n"
	"from: 3\n"
	"to: 4\n"
	"consumers:\n"
	"- {consumer: a, impact: breaking, fields: [ts, date, kind, gone], wave: 1}\n"
	"- {consumer: b, impact: breaking, fields: [ts], wave: 1}\n"
	"- {consumer: c, impact: relocate, wave: 2}\n"
	"- {consumer: d, impact: breaking, fields: [ts], wave: 2}\n"
	"- {consumer: e, impact: breaking, fields: [ts], wave: 2}\n"
	"excluded: [{consumer: d, reason: by hand}]\n";

struct fixture {
	struct honk_catalog cat;
	struct honk_planfile pf;
	struct honk_derived d;
};

static int setup(void **state)
{
	static struct fixture fx;
	struct honk_catalog_file f[] = {
		{ "honk.yaml", "honk: 1\n", 0 },
		{ "datasets/plays/p.yaml", plays, 0 },
		{ "datasets/plays/skips.yaml", skips, 0 },
		{ "consumers/a.yaml",
		  "consumer: a\nrepo: ../a.git\nreads: [{dataset: plays.p, version: 3}]\n",
		  0 },
		{ "consumers/b.yaml",
		  "consumer: b\nrepo: ../b.git\nreads: [{dataset: plays.p, version: 3, fields: [ts]}, "
		  "{dataset: plays.skips, version: 1}]\n",
		  0 },
		{ "consumers/c.yaml",
		  "consumer: c\nreads: [{dataset: plays.p, version: 3, fields: [user_id]}]\n",
		  0 },
		{ "consumers/d.yaml",
		  "consumer: d\nrepo: ../d.git\nreads: [{dataset: plays.p, version: 3, fields: [ts]}]\n",
		  0 },
		{ "consumers/e.yaml",
		  "consumer: e\nrepo: ../e.git\nreads: [{dataset: plays.p, version: 3, fields: [ts]}]\n",
		  0 },
	};
	struct honk_diags d = HONK_DIAGS_INIT;
	size_t i;

	memset(&fx, 0, sizeof(fx));
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		f[i].len = strlen(f[i].data);
	if (honk_catalog_parse_files(&fx.cat, f, sizeof(f) / sizeof(f[0]),
				     &d) != 0 ||
	    honk_planfile_parse(&fx.pf, "migrations/plays.p.v3-v4.yaml", plan,
				strlen(plan), &d) != 0) {
		honk_diags_print(&d, stderr);
		honk_diags_release(&d);
		return -1;
	}
	honk_diags_release(&d);
	if (honk_derive_rules(&fx.d, &fx.cat, &fx.pf) != 0)
		return -1;
	*state = &fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	honk_derived_release(&fx->d);
	honk_planfile_release(&fx->pf);
	honk_catalog_release(&fx->cat);
	return 0;
}

/* The rules for one consumer, applied to text at path. */
static char *apply(const struct fixture *fx, const char *consumer,
		   const char *path, const char *text)
{
	struct honk_diags d = HONK_DIAGS_INIT;
	struct honk_rule_set *rs = NULL;
	struct honk_buf out = HONK_BUF_INIT;
	int changed;

	if (honk_rules_parse_for(&rs, "rewrite.yaml", fx->d.yaml.buf,
				 fx->d.yaml.len, consumer, &d) != 0) {
		honk_diags_print(&d, stderr);
		fail_msg("derived rules do not parse");
	}
	assert_int_equal(honk_rules_apply(&out, &changed, rs, path, text,
					  strlen(text)),
			 0);
	if (!changed) {
		honk_buf_reset(&out);
		honk_buf_addstr(&out, text);
	}
	honk_rules_free(rs);
	honk_diags_release(&d);
	return honk_buf_detach(&out, NULL);
}

static void check(const struct fixture *fx, const char *consumer,
		  const char *path, const char *in, const char *want)
{
	char *got = apply(fx, consumer, path, in);

	assert_string_equal(got, want);
	free(got);
}

static void the_rules_file(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(fx->d.nrules, 4);
	assert_string_equal(
		strstr(fx->d.yaml.buf, "rules:"),
		"rules:\n"
		"- pattern: \\banalytics\\.p_v3\\b\n"
		"  replace: analytics.p_v4\n"
		"- pattern: (\\b[\"']?dataset[\"']?[ \\t]*:[ \\t]*[\"']?plays\\.p[\"']?[ \\t]*(?:,[ \\t]*|\\r?\\n[ \\t]*)[\"']?version[\"']?[ \\t]*:[ \\t]*[\"']?)3\\b\n"
		"  replace: ${1}4\n"
		"  files: ['**/*.yaml', '**/*.yml', '**/*.json']\n"
		"- pattern: (\\b[\"']?version[\"']?[ \\t]*:[ \\t]*[\"']?)3([\"']?[ \\t]*(?:,[ \\t]*|\\r?\\n[ \\t]*)[\"']?dataset[\"']?[ \\t]*:[ \\t]*[\"']?plays\\.p\\b)\n"
		"  replace: ${1}4${2}\n"
		"  files: ['**/*.yaml', '**/*.yml', '**/*.json']\n"
		"- pattern: \\bts\\b\n"
		"  replace: played_at\n"
		"  consumers: [a, e]\n");
}

/* Locations and pins, in every form the rules promise. */
static void rules_do_what_they_say(void **state)
{
	struct fixture *fx = *state;

	check(fx, "c", "q.sql",
	      "SELECT * FROM `analytics.p_v3` JOIN analytics.p_v30",
	      "SELECT * FROM `analytics.p_v4` JOIN analytics.p_v30");
	check(fx, "c", "conf/x.yaml",
	      "src: {dataset: plays.p, version: 3, location: bq://analytics.p_v3}\n",
	      "src: {dataset: plays.p, version: 4, location: bq://analytics.p_v4}\n");
	check(fx, "c", "conf/x.yaml",
	      "source:\n  dataset: plays.p\n  version: 3\nother:\n  dataset: plays.pp\n  version: 3\n",
	      "source:\n  dataset: plays.p\n  version: 4\nother:\n  dataset: plays.pp\n  version: 3\n");
	check(fx, "c", "conf/x.json",
	      "{\"version\": 3, \"dataset\": \"plays.p\"}\n",
	      "{\"version\": 4, \"dataset\": \"plays.p\"}\n");
	/* pins only in configuration */
	check(fx, "c", "q.sql", "-- dataset: plays.p, version: 3\n",
	      "-- dataset: plays.p, version: 3\n");
	check(fx, "c", "conf/x.yaml", "dataset: plays.p\nversion: 33\n",
	      "dataset: plays.p\nversion: 33\n");
}

/* A rename reaches the consumers that read the field, and only them. */
static void renames_only_where_safe(void **state)
{
	struct fixture *fx = *state;

	check(fx, "a", "q.sql", "SELECT ts, tsx FROM t",
	      "SELECT played_at, tsx FROM t");
	check(fx, "e", "q.sql", "SELECT ts FROM t", "SELECT played_at FROM t");
	/* b also reads plays.skips, which has a ts of its own */
	check(fx, "b", "q.sql", "SELECT ts FROM t", "SELECT ts FROM t");
	/* c does not read ts; d is excluded */
	check(fx, "c", "q.sql", "SELECT ts FROM t", "SELECT ts FROM t");
	check(fx, "d", "q.sql", "SELECT ts FROM t", "SELECT ts FROM t");
}

static const struct honk_plan_manual *find(const struct fixture *fx,
					   const char *consumer,
					   const char *what, const char *path)
{
	size_t i;

	for (i = 0; i < fx->d.nmanual; i++) {
		const struct honk_plan_manual *m = &fx->d.manual[i];

		if (!strcmp(m->consumer, consumer) && !strcmp(m->what, what) &&
		    ((!path && !m->path) ||
		     (path && m->path && !strcmp(m->path, path))))
			return m;
	}
	fail_msg("no manual item %s %s %s", consumer, what, path ? path : "");
	return NULL;
}

static void what_honk_cannot_do_is_manual(void **state)
{
	struct fixture *fx = *state;
	size_t i;

	assert_string_equal(
		find(fx, "b", "rewrite", "ts")->reason,
		"rename 'ts' to 'played_at' by hand: 'ts' is also a field of plays.skips, which it reads");
	assert_string_equal(
		find(fx, "a", "rewrite", "date")->reason,
		"rename 'date' to 'day' by hand: 'date' is also an SQL word");
	assert_string_equal(find(fx, "a", "consumer", "gone")->reason,
			    "reads 'gone', which v4 no longer has");
	assert_string_equal(
		find(fx, "a", "consumer", "kind")->reason,
		"reads 'kind', which gains the symbol 'book' in v4: check that its code handles it");
	assert_string_equal(
		find(fx, "c", "consumer", NULL)->reason,
		"has no repo in the catalog: its code is moved by hand");
	for (i = 0; i < fx->d.nmanual; i++) {
		assert_true(fx->d.manual[i].by_honk);
		/* nothing for the excluded consumer */
		assert_string_not_equal(fx->d.manual[i].consumer, "d");
	}
	assert_int_equal(fx->d.nmanual, 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_rules_file),
		cmocka_unit_test(rules_do_what_they_say),
		cmocka_unit_test(renames_only_where_safe),
		cmocka_unit_test(what_honk_cannot_do_is_manual),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
