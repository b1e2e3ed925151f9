/*
 * The Backstage export: the exact stream for a small catalog, names that
 * Backstage would refuse mapped (and a mapping that collides refused),
 * owners, and free text that must stay inside its scalar.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "backstage.h"
#include "yaml.h"
#include "banned.h"

static void parse(struct honk_catalog *cat, const char *const (*files)[2],
		  size_t n)
{
	struct honk_catalog_file v[8];
	struct honk_diags d = HONK_DIAGS_INIT;
	size_t i;
	int err;

	for (i = 0; i < n; i++) {
		v[i].path = files[i][0];
		v[i].data = files[i][1];
		v[i].len = strlen(files[i][1]);
	}
	err = honk_catalog_parse_files(cat, v, n, &d);
	if (d.n)
		fail_msg("%s:%u:%u: %s", d.v[0].path, d.v[0].line, d.v[0].col,
			 d.v[0].msg);
	assert_int_equal(err, 0);
	honk_diags_release(&d);
}

static void names(void **state)
{
	struct honk_buf b = HONK_BUF_INIT;
	char longname[130];

	(void)state;
	assert_int_equal(honk_backstage_name(&b, "plays.user_plays"), 0);
	assert_string_equal(b.buf, "plays.user_plays");

	/* a trailing '_' or '-' is a honk name, not a Backstage one */
	honk_buf_reset(&b);
	honk_backstage_name(&b, "plays.raw_");
	assert_int_equal(b.len, strlen("plays.raw-") + 8);
	assert_memory_equal(b.buf, "plays.raw-", 10);
	assert_true(strspn(b.buf + 10, "0123456789abcdef") == 8);

	/* 128 characters: 54 kept, then the hash; 63 in all */
	memset(longname, 'a', 128);
	longname[128] = '\0';
	longname[54] = '.';
	honk_buf_reset(&b);
	honk_backstage_name(&b, longname);
	assert_int_equal(b.len, 63);
	assert_int_equal(b.buf[54], '-');
	{
		/* the cut never ends on a '.', '-' or '_' */
		struct honk_buf c = HONK_BUF_INIT;

		longname[53] = '_';
		honk_backstage_name(&c, longname);
		assert_int_equal(c.len, 62);
		assert_int_equal(c.buf[52], 'a');
		assert_int_equal(c.buf[53], '-');
		honk_buf_release(&c);
	}
	/* 63 exactly is kept */
	longname[53] = 'a';
	longname[54] = 'a';
	longname[63] = '\0';
	honk_buf_reset(&b);
	honk_backstage_name(&b, longname);
	assert_string_equal(b.buf, longname);
	honk_buf_release(&b);
}

static const char *const demo[][2] = {
	{ "honk.yaml", "honk: 1\n" },
	{ "datasets/plays/user_plays.yaml",
	  "dataset: plays.user_plays\n"
	  "owner: team-playback\n"
	  "description: \"One row per play: 'yes', #1, - and \\\"quotes\\\"\\nsecond line\"\n"
	  "versions:\n"
	  "  - {version: 3, deprecated: 2026-12-31, schema: [{name: x, type: int64}]}\n"
	  "  - {version: 4, schema: [{name: x, type: int64}]}\n" },
	{ "datasets/royalty/daily.yaml",
	  "dataset: royalty.daily\n"
	  "versions: [{version: 1, schema: [{name: x, type: int64}]}]\n" },
	{ "consumers/reports.yaml",
	  "consumer: reports\n"
	  "owner: team-royalty\n"
	  "criticality: high\n"
	  "reads: [{dataset: plays.user_plays, version: 3}, {dataset: plays.user_plays, version: 4}]\n"
	  "produces: [royalty.daily]\n" },
	{ "consumers/dash.yaml",
	  "consumer: dash\n"
	  "reads: [{dataset: royalty.daily, version: 1}]\n" },
};

static const char expected[] =
	"# honk-status export backstage: a Resource per dataset, a Component\n"
	"# per consumer; owners are groups (group:unknown where the catalog\n"
	"# names none).\n"
	"---\n"
	"apiVersion: backstage.io/v1alpha1\n"
	"kind: Resource\n"
	"metadata:\n"
	"  name: plays.user_plays\n"
	"  description: 'One row per play: ''yes'', #1, - and \"quotes\"\n"
	"\n"
	"    second line'\n"
	"  annotations:\n"
	"    honk.dev/dataset: plays.user_plays\n"
	"    honk.dev/source-path: datasets/plays/user_plays.yaml\n"
	"    honk.dev/versions: \"3, 4\"\n"
	"    honk.dev/deprecated: v3 2026-12-31\n"
	"spec:\n"
	"  type: dataset\n"
	"  owner: group:team-playback\n"
	"  dependencyOf:\n"
	"  - component:reports\n"
	"---\n"
	"apiVersion: backstage.io/v1alpha1\n"
	"kind: Resource\n"
	"metadata:\n"
	"  name: royalty.daily\n"
	"  annotations:\n"
	"    honk.dev/dataset: royalty.daily\n"
	"    honk.dev/source-path: datasets/royalty/daily.yaml\n"
	"    honk.dev/versions: \"1\"\n"
	"spec:\n"
	"  type: dataset\n"
	"  owner: group:unknown\n"
	"  dependsOn:\n"
	"  - component:reports\n"
	"  dependencyOf:\n"
	"  - component:dash\n"
	"---\n"
	"apiVersion: backstage.io/v1alpha1\n"
	"kind: Component\n"
	"metadata:\n"
	"  name: dash\n"
	"  description: Reads royalty.daily v1.\n"
	"  annotations:\n"
	"    honk.dev/consumer: dash\n"
	"    honk.dev/source-path: consumers/dash.yaml\n"
	"    honk.dev/criticality: low\n"
	"    honk.dev/reads: royalty.daily v1\n"
	"spec:\n"
	"  type: service\n"
	"  lifecycle: production\n"
	"  owner: group:unknown\n"
	"  dependsOn:\n"
	"  - resource:royalty.daily\n"
	"---\n"
	"apiVersion: backstage.io/v1alpha1\n"
	"kind: Component\n"
	"metadata:\n"
	"  name: reports\n"
	"  description: Reads plays.user_plays v3 and plays.user_plays v4; produces royalty.daily.\n"
	"  annotations:\n"
	"    honk.dev/consumer: reports\n"
	"    honk.dev/source-path: consumers/reports.yaml\n"
	"    honk.dev/criticality: high\n"
	"    honk.dev/reads: plays.user_plays v3, plays.user_plays v4\n"
	"spec:\n"
	"  type: pipeline\n"
	"  lifecycle: production\n"
	"  owner: group:team-royalty\n"
	"  dependsOn:\n"
	"  - resource:plays.user_plays\n"
	"  dependencyOf:\n"
	"  - resource:royalty.daily\n";

static void export_stream(void **state)
{
	struct honk_catalog cat = HONK_CATALOG_INIT;
	struct honk_buf out = HONK_BUF_INIT, again = HONK_BUF_INIT;

	(void)state;
	parse(&cat, demo, sizeof(demo) / sizeof(demo[0]));
	assert_int_equal(honk_backstage_export(&out, &cat), 0);
	assert_string_equal(out.buf, expected);
	/* same catalog, same bytes */
	assert_int_equal(honk_backstage_export(&again, &cat), 0);
	assert_string_equal(out.buf, again.buf);
	honk_buf_release(&out);
	honk_buf_release(&again);
	honk_catalog_release(&cat);
}

/* Every document reads back with honk's strict loader. */
static void documents_read_back(void **state)
{
	struct honk_catalog cat = HONK_CATALOG_INIT;
	struct honk_buf out = HONK_BUF_INIT;
	const char *p, *end;
	size_t docs = 0;

	(void)state;
	parse(&cat, demo, sizeof(demo) / sizeof(demo[0]));
	assert_int_equal(honk_backstage_export(&out, &cat), 0);
	for (p = strstr(out.buf, "---\n"); p; p = end) {
		struct honk_ydoc doc = HONK_YDOC_INIT;
		struct honk_diags d = HONK_DIAGS_INIT;
		const struct honk_ynode *md;

		p += 4;
		end = strstr(p, "---\n");
		assert_int_equal(honk_ydoc_parse(&doc, "doc", p,
						 end ? (size_t)(end - p)
						     : strlen(p),
						 NULL, &d),
				 0);
		md = honk_ymap_get(doc.root, "metadata");
		assert_non_null(md);
		if (docs == 0)
			assert_string_equal(
				honk_ymap_get(md, "description")->str,
				"One row per play: 'yes', #1, - and \"quotes\"\nsecond line");
		honk_ydoc_release(&doc);
		honk_diags_release(&d);
		docs++;
	}
	assert_int_equal(docs, 4);
	honk_buf_release(&out);
	honk_catalog_release(&cat);
}

static void mapped_names_and_collisions(void **state)
{
	struct honk_catalog cat = HONK_CATALOG_INIT;
	struct honk_buf out = HONK_BUF_INIT, mapped = HONK_BUF_INIT;
	struct honk_buf path = HONK_BUF_INIT, file = HONK_BUF_INIT;
	const char *const one[][2] = {
		{ "honk.yaml", "honk: 1\n" },
		{ "datasets/raw/clicks_.yaml",
		  "dataset: raw.clicks_\n"
		  "versions: [{version: 1, schema: [{name: x, type: int64}]}]\n" },
		{ "consumers/c.yaml",
		  "consumer: c\nreads: [{dataset: raw.clicks_, version: 1}]\n" },
	};
	const char *two[4][2];
	char *expect;
	const char *dot;

	(void)state;
	parse(&cat, one, 3);
	assert_int_equal(honk_backstage_export(&out, &cat), 0);
	honk_backstage_name(&mapped, "raw.clicks_");
	honk_buf_addf(&path, "  name: %s\n  title: raw.clicks_\n", mapped.buf);
	assert_non_null(strstr(out.buf, path.buf));
	honk_buf_reset(&path);
	honk_buf_addf(&path, "  - resource:%s\n", mapped.buf);
	assert_non_null(strstr(out.buf, path.buf));
	honk_catalog_release(&cat);

	/* a dataset whose id is that mapped name: refused, not merged */
	memcpy(two, one, sizeof(one));
	dot = strchr(mapped.buf, '.');
	honk_buf_reset(&path);
	honk_buf_addf(&path, "datasets/raw/%s.yaml", dot + 1);
	honk_buf_addf(
		&file,
		"dataset: %s\n"
		"versions: [{version: 1, schema: [{name: x, type: int64}]}]\n",
		mapped.buf);
	two[3][0] = path.buf;
	two[3][1] = file.buf;
	memset(&cat, 0, sizeof(cat));
	parse(&cat, (const char *const(*)[2])two, 4);
	honk_buf_reset(&out);
	assert_int_equal(honk_backstage_export(&out, &cat), HONK_EINVALID);
	expect = malloc(256);
	assert_non_null(expect);
	snprintf(
		expect, 256,
		"the datasets '%s' and 'raw.clicks_' would both be the Backstage entity '%s'; rename one",
		mapped.buf, mapped.buf);
	assert_string_equal(honk_error_last(), expect);
	free(expect);
	honk_catalog_release(&cat);
	honk_buf_release(&out);
	honk_buf_release(&mapped);
	honk_buf_release(&path);
	honk_buf_release(&file);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names),
		cmocka_unit_test(export_stream),
		cmocka_unit_test(documents_read_back),
		cmocka_unit_test(mapped_names_and_collisions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
