/*
 * SQL generation: the exact text of a small migration in every dialect
 * (testdata/gen/golden/, so a change shows in review), table names from
 * locations, quoting of odd names, each conversion, and every case that
 * must become a manual item rather than a guess.
 *
 * HONK_UPDATE_GOLDEN=1 lib/sqlgen_test rewrites the golden files from
 * the current output instead of comparing (then review the diff).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "catalog.h"
#include "error.h"
#include "sqlgen.h"
#include "banned.h"

#define GOLDEN_DIR "testdata/gen/golden/"

static const char settings[] = "honk: 1\n";

struct fixture {
	struct honk_catalog cat;
	struct honk_sqlgen g;
	struct honk_buf out;
};

static void load(struct fixture *fx, const char *path, const char *yaml)
{
	struct honk_catalog_file files[2] = {
		{ "honk.yaml", settings, sizeof(settings) - 1 },
		{ path, yaml, strlen(yaml) },
	};
	struct honk_diags d = HONK_DIAGS_INIT;
	size_t i;
	int err;

	memset(fx, 0, sizeof(*fx));
	honk_buf_init(&fx->out, 0);
	err = honk_catalog_parse_files(&fx->cat, files, 2, &d);
	for (i = 0; i < d.n; i++)
		print_message("%s:%u:%u: %s\n", d.v[i].path, d.v[i].line,
			      d.v[i].col, d.v[i].msg);
	honk_diags_release(&d);
	assert_int_equal(err, 0);
	assert_int_equal(fx->cat.ndatasets, 1);
}

/* Load one dataset file (datasets/t/x.yaml) and build from -> to. */
static void build(struct fixture *fx, const char *yaml, int64_t from,
		  int64_t to)
{
	int err;

	load(fx, "datasets/t/x.yaml", yaml);
	err = honk_sqlgen_build(&fx->g, &fx->cat.datasets[0], from, to);
	if (err)
		fail_msg("build: %s", honk_error_last());
}

static void release(struct fixture *fx)
{
	honk_sqlgen_release(&fx->g);
	honk_catalog_release(&fx->cat);
	honk_buf_release(&fx->out);
}

static const char *transform(struct fixture *fx, enum honk_dialect d)
{
	honk_buf_reset(&fx->out);
	assert_int_equal(honk_sqlgen_transform(&fx->out, &fx->g, d), 0);
	return fx->out.buf;
}

static const char *compat(struct fixture *fx, enum honk_dialect d)
{
	honk_buf_reset(&fx->out);
	assert_int_equal(honk_sqlgen_compat(&fx->out, &fx->g, d), 0);
	return fx->out.buf;
}

static void contains(const char *text, const char *want)
{
	if (!strstr(text, want)) {
		printf("expected\n%s\nin\n%s", want, text);
		fail_msg("text not found");
	}
}

static void lacks(const char *text, const char *unwanted)
{
	if (strstr(text, unwanted)) {
		printf("did not expect\n%s\nin\n%s", unwanted, text);
		fail_msg("unwanted text found");
	}
}

static void dialect_names(void **state)
{
	enum honk_dialect d;

	(void)state;
	assert_int_equal(honk_dialect_parse(&d, "sqlite"), 0);
	assert_int_equal(d, HONK_DIALECT_SQLITE);
	assert_int_equal(honk_dialect_parse(&d, "postgres"), 0);
	assert_int_equal(d, HONK_DIALECT_POSTGRES);
	assert_int_equal(honk_dialect_parse(&d, "bigquery"), 0);
	assert_int_equal(d, HONK_DIALECT_BIGQUERY);
	assert_int_equal(honk_dialect_parse(&d, "mysql"), HONK_EINVALID);
	assert_string_equal(
		honk_error_last(),
		"unknown dialect 'mysql' (sqlite, postgres, bigquery)");
	assert_null(honk_dialect_names[HONK_DIALECT__COUNT]);
}

/* The golden pair: testdata/gen/catalog, plays.user_plays 3 -> 4. */
static char *read_file(const char *path)
{
	struct honk_buf b = HONK_BUF_INIT;

	if (honk_buf_read_file(&b, path) < 0)
		fail_msg("%s", honk_error_last());
	return honk_buf_detach(&b, NULL);
}

static void golden_compare(const char *name, const char *got)
{
	char path[256];
	char *want;
	FILE *f;

	snprintf(path, sizeof(path), GOLDEN_DIR "%s", name);
	if (getenv("HONK_UPDATE_GOLDEN")) {
		f = fopen(path, "wb");
		assert_non_null(f);
		assert_int_equal(fwrite(got, 1, strlen(got), f), strlen(got));
		assert_int_equal(fclose(f), 0);
		return;
	}
	want = read_file(path);
	if (strcmp(want, got) != 0) {
		printf("--- %s\n%s--- generated\n%s", path, want, got);
		free(want);
		fail_msg("%s differs (HONK_UPDATE_GOLDEN=1 rewrites it)", path);
	}
	free(want);
}

static void golden_files(void **state)
{
	char *yaml = read_file(
		"testdata/gen/catalog/datasets/plays/user_plays.yaml");
	struct fixture fx;
	char name[128];
	int d;

	(void)state;
	load(&fx, "datasets/plays/user_plays.yaml", yaml);
	assert_int_equal(honk_sqlgen_build(&fx.g, &fx.cat.datasets[0], 3, 4),
			 0);
	assert_int_equal(fx.g.nmanual, 0);
	for (d = 0; d < HONK_DIALECT__COUNT; d++) {
		snprintf(name, sizeof(name),
			 "plays.user_plays.v3-v4.transform.%s.sql",
			 honk_dialect_names[d]);
		golden_compare(name, transform(&fx, (enum honk_dialect)d));
		snprintf(name, sizeof(name),
			 "plays.user_plays.v3-v4.compat.%s.sql",
			 honk_dialect_names[d]);
		golden_compare(name, compat(&fx, (enum honk_dialect)d));
	}
	release(&fx);
	free(yaml);
}

/* The golden text, spelled out once here too, for the sqlite transform. */
static void golden_sqlite_transform_text(void **state)
{
	char *yaml = read_file(
		"testdata/gen/catalog/datasets/plays/user_plays.yaml");
	struct fixture fx;

	(void)state;
	load(&fx, "datasets/plays/user_plays.yaml", yaml);
	assert_int_equal(honk_sqlgen_build(&fx.g, &fx.cat.datasets[0], 3, 4),
			 0);
	assert_string_equal(
		transform(&fx, HONK_DIALECT_SQLITE),
		"-- honk transform: plays.user_plays version 3 to 4 (sqlite)\n"
		"-- fills \"analytics.user_plays_v4\" from \"analytics.user_plays_v3\"\n"
		"\n"
		"BEGIN;\n"
		"\n"
		"CREATE TABLE IF NOT EXISTS \"analytics.user_plays_v4\" (\n"
		"  \"user_id\" TEXT NOT NULL,\n"
		"  \"played_at\" TEXT,\n"
		"  \"ms_played\" INTEGER,\n"
		"  \"score\" REAL,\n"
		"  \"kind\" TEXT CHECK (\"kind\" IN ('song', 'podcast', 'audiobook')),\n"
		"  \"note\" BLOB,\n"
		"  \"country\" TEXT,\n"
		"  \"device\" TEXT\n"
		") STRICT;\n"
		"\n"
		"INSERT INTO \"analytics.user_plays_v4\" (\n"
		"  \"user_id\",\n"
		"  \"played_at\",\n"
		"  \"ms_played\",\n"
		"  \"score\",\n"
		"  \"kind\",\n"
		"  \"note\",\n"
		"  \"country\",\n"
		"  \"device\"\n"
		")\n"
		"SELECT\n"
		"  \"user_id\",\n"
		"  \"ts\" AS \"played_at\",\n"
		"  \"ms_played\",\n"
		"  \"score\",\n"
		"  \"kind\",\n"
		"  CAST(\"note\" AS BLOB) AS \"note\",\n"
		"  'unknown' AS \"country\",\n"
		"  NULL AS \"device\"\n"
		"FROM \"analytics.user_plays_v3\"\n"
		"WHERE NOT EXISTS (SELECT 1 FROM \"analytics.user_plays_v4\");\n"
		"\n"
		"COMMIT;\n");
	release(&fx);
	free(yaml);
}

static void output_is_deterministic(void **state)
{
	char *yaml = read_file(
		"testdata/gen/catalog/datasets/plays/user_plays.yaml");
	struct fixture a, b;
	int d;

	(void)state;
	load(&a, "datasets/plays/user_plays.yaml", yaml);
	load(&b, "datasets/plays/user_plays.yaml", yaml);
	assert_int_equal(honk_sqlgen_build(&a.g, &a.cat.datasets[0], 3, 4), 0);
	assert_int_equal(honk_sqlgen_build(&b.g, &b.cat.datasets[0], 3, 4), 0);
	for (d = 0; d < HONK_DIALECT__COUNT; d++) {
		struct honk_buf x = HONK_BUF_INIT, y = HONK_BUF_INIT;

		assert_int_equal(honk_sqlgen_transform(&x, &a.g, d), 0);
		assert_int_equal(honk_sqlgen_compat(&x, &a.g, d), 0);
		assert_int_equal(honk_sqlgen_transform(&y, &b.g, d), 0);
		assert_int_equal(honk_sqlgen_compat(&y, &b.g, d), 0);
		assert_string_equal(x.buf, y.buf);
		assert_null(strchr(x.buf, '\r'));
		assert_int_equal(x.buf[x.len - 1], '\n');
		honk_buf_release(&x);
		honk_buf_release(&y);
	}
	release(&a);
	release(&b);
	free(yaml);
}

static const char names_yaml[] = "dataset: t.x\n"
				 "versions:\n"
				 "  - version: 1\n"
				 "    location: %s\n"
				 "    schema: [{name: a, type: string}]\n"
				 "  - version: 2\n"
				 "    location: %s\n"
				 "    schema: [{name: a, type: string}]\n";

static void tables(const char *loc1, const char *loc2, const char *from,
		   const char *to, size_t nmanual)
{
	char yaml[512];
	struct fixture fx;

	snprintf(yaml, sizeof(yaml), names_yaml, loc1, loc2);
	build(&fx, yaml, 1, 2);
	assert_string_equal(fx.g.from_table, from);
	assert_string_equal(fx.g.to_table, to);
	assert_int_equal(fx.g.nmanual, nmanual);
	release(&fx);
}

static void table_names_from_locations(void **state)
{
	struct fixture fx;

	(void)state;
	tables("bq://analytics.plays_v1", "bq://analytics.plays_v2",
	       "analytics.plays_v1", "analytics.plays_v2", 0);
	tables("bq://my-project.analytics.plays", "pg://plays_2",
	       "my-project.analytics.plays", "plays_2", 0);
	/* a path, four parts, a bad character: the fallback */
	tables("s3://bucket/plays/", "a.b.c.d", "t_x_v1", "t_x_v2", 0);
	tables("\"gcs://x y\"", "bq://a..b", "t_x_v1", "t_x_v2", 0);
	/* one table for both versions: the new one is set apart, manual */
	tables("bq://a.plays", "bq://a.plays", "a.plays", "a.plays_v2", 1);

	build(&fx,
	      "dataset: t.x\n"
	      "versions:\n"
	      "  - {version: 1, schema: [{name: a, type: string}]}\n"
	      "  - {version: 2, schema: [{name: a, type: string}]}\n",
	      1, 2);
	assert_string_equal(fx.g.from_table, "t_x_v1");
	assert_string_equal(fx.g.compat_view, "t_x_v1_compat");
	release(&fx);
}

static void tables_quoted_per_dialect(void **state)
{
	struct fixture fx;
	const char *t;

	(void)state;
	build(&fx,
	      "dataset: t.x\n"
	      "versions:\n"
	      "  - {version: 1, location: 'bq://p.ds.t1',\n"
	      "     schema: [{name: a, type: string}]}\n"
	      "  - {version: 2, location: 'bq://p.ds.t2',\n"
	      "     schema: [{name: a, type: string}]}\n",
	      1, 2);
	t = transform(&fx, HONK_DIALECT_SQLITE);
	contains(t, "CREATE TABLE IF NOT EXISTS \"p.ds.t2\" (\n");
	contains(t, "FROM \"p.ds.t1\"\n");
	t = transform(&fx, HONK_DIALECT_POSTGRES);
	contains(t, "BEGIN;\n\nCREATE SCHEMA IF NOT EXISTS \"ds\";\n\n");
	contains(t, "CREATE TABLE IF NOT EXISTS \"ds\".\"t2\" (\n");
	contains(t, "FROM \"ds\".\"t1\"\n");
	t = transform(&fx, HONK_DIALECT_BIGQUERY);
	contains(t, "CREATE TABLE IF NOT EXISTS `p.ds.t2` (\n");
	lacks(t, "BEGIN");
	t = compat(&fx, HONK_DIALECT_SQLITE);
	contains(t, "DROP VIEW IF EXISTS \"p.ds.t1_compat\";\n"
		    "CREATE VIEW \"p.ds.t1_compat\" AS\n");
	t = compat(&fx, HONK_DIALECT_POSTGRES);
	contains(t, "CREATE OR REPLACE VIEW \"ds\".\"t1_compat\" AS\n");
	t = compat(&fx, HONK_DIALECT_BIGQUERY);
	contains(t, "CREATE OR REPLACE VIEW `p.ds.t1_compat` AS\n");
	release(&fx);

	/* unqualified: no schema to create */
	build(&fx,
	      "dataset: t.x\n"
	      "versions:\n"
	      "  - {version: 1, schema: [{name: a, type: string}]}\n"
	      "  - {version: 2, schema: [{name: a, type: string}]}\n",
	      1, 2);
	t = transform(&fx, HONK_DIALECT_POSTGRES);
	lacks(t, "CREATE SCHEMA");
	contains(t, "CREATE TABLE IF NOT EXISTS \"t_x_v2\" (\n");
	release(&fx);
}

static void odd_names_are_quoted(void **state)
{
	struct honk_buf b = HONK_BUF_INIT;

	(void)state;
	assert_int_equal(honk_sql_quote_ident(&b, "we\"ird `x` \\ y",
					      HONK_DIALECT_SQLITE),
			 0);
	assert_string_equal(b.buf, "\"we\"\"ird `x` \\ y\"");
	honk_buf_reset(&b);
	assert_int_equal(honk_sql_quote_ident(&b, "we\"ird `x` \\ y",
					      HONK_DIALECT_POSTGRES),
			 0);
	assert_string_equal(b.buf, "\"we\"\"ird `x` \\ y\"");
	honk_buf_reset(&b);
	assert_int_equal(honk_sql_quote_ident(&b, "we\"ird `x` \\ y",
					      HONK_DIALECT_BIGQUERY),
			 0);
	assert_string_equal(b.buf, "`we\"ird \\`x\\` \\\\ y`");
	honk_buf_reset(&b);
	assert_int_equal(
		honk_sql_quote_table(&b, "a.b.c", HONK_DIALECT_POSTGRES), 0);
	assert_string_equal(b.buf, "\"b\".\"c\"");
	honk_buf_release(&b);
}

/* A record field name from an imported schema, and symbols with quotes. */
static void odd_names_in_generated_sql(void **state)
{
	struct honk_schema s;
	struct honk_field f[2];
	const char *syms[] = { "it's", "a\\b" };
	struct honk_buf b = HONK_BUF_INIT;

	(void)state;
	memset(f, 0, sizeof(f));
	memset(&s, 0, sizeof(s));
	f[0].name = "na\"me";
	f[0].type = HONK_T_STRING;
	f[1].name = "e`num";
	f[1].type = HONK_T_ENUM;
	f[1].symbols = syms;
	f[1].nsymbols = 2;
	s.fields = f;
	s.nfields = 2;
	assert_int_equal(honk_sqlgen_table(&b, &s, "t", HONK_DIALECT_SQLITE),
			 0);
	assert_string_equal(
		b.buf,
		"CREATE TABLE IF NOT EXISTS \"t\" (\n"
		"  \"na\"\"me\" TEXT,\n"
		"  \"e`num\" TEXT CHECK (\"e`num\" IN ('it''s', 'a\\b'))\n"
		") STRICT;\n");
	honk_buf_reset(&b);
	assert_int_equal(
		honk_sqlgen_table(&b, &s, "d.t", HONK_DIALECT_BIGQUERY), 0);
	assert_string_equal(b.buf, "CREATE TABLE IF NOT EXISTS `d.t` (\n"
				   "  `na\"me` STRING,\n"
				   "  `e\\`num` STRING\n"
				   ");\n");
	honk_buf_release(&b);
}

static const char types_yaml[] =
	"dataset: t.x\n"
	"versions:\n"
	"  - version: 1\n"
	"    location: bq://d.t\n"
	"    schema:\n"
	"      - {name: b, type: boolean, required: true}\n"
	"      - {name: i, type: int32}\n"
	"      - {name: l, type: int64}\n"
	"      - {name: f, type: float32}\n"
	"      - {name: d, type: float64}\n"
	"      - {name: n, type: decimal, precision: 10, scale: 2}\n"
	"      - {name: big, type: decimal, precision: 40, scale: 10}\n"
	"      - {name: any, type: decimal}\n"
	"      - {name: s, type: string}\n"
	"      - {name: y, type: bytes}\n"
	"      - {name: day, type: date}\n"
	"      - {name: t, type: time}\n"
	"      - {name: ts, type: timestamp}\n"
	"      - {name: e, type: enum, symbols: [x, y], required: true}\n"
	"      - name: r\n"
	"        type: record\n"
	"        required: true\n"
	"        fields:\n"
	"          - {name: a, type: int32, required: true}\n"
	"          - {name: tags, type: array, items: string, required: true}\n"
	"      - {name: arr, type: array, items: {type: array, items: int64}}\n"
	"      - {name: m, type: map, values: {type: int32, required: true},\n"
	"         required: true}\n";

static void table_ddl_in_every_dialect(void **state)
{
	struct fixture fx;

	(void)state;
	load(&fx, "datasets/t/x.yaml", types_yaml);
	assert_int_equal(
		honk_sqlgen_table(&fx.out,
				  &fx.cat.datasets[0].versions[0].schema, "d.t",
				  HONK_DIALECT_SQLITE),
		0);
	assert_string_equal(
		fx.out.buf,
		"CREATE TABLE IF NOT EXISTS \"d.t\" (\n"
		"  \"b\" INTEGER NOT NULL CHECK (\"b\" IN (0, 1)),\n"
		"  \"i\" INTEGER CHECK (\"i\" BETWEEN -2147483648 AND 2147483647),\n"
		"  \"l\" INTEGER,\n"
		"  \"f\" REAL,\n"
		"  \"d\" REAL,\n"
		"  \"n\" TEXT,\n"
		"  \"big\" TEXT,\n"
		"  \"any\" TEXT,\n"
		"  \"s\" TEXT,\n"
		"  \"y\" BLOB,\n"
		"  \"day\" TEXT,\n"
		"  \"t\" TEXT,\n"
		"  \"ts\" TEXT,\n"
		"  \"e\" TEXT NOT NULL CHECK (\"e\" IN ('x', 'y')),\n"
		"  \"r\" TEXT NOT NULL,\n"
		"  \"arr\" TEXT,\n"
		"  \"m\" TEXT NOT NULL\n"
		") STRICT;\n");
	honk_buf_reset(&fx.out);
	assert_int_equal(
		honk_sqlgen_table(&fx.out,
				  &fx.cat.datasets[0].versions[0].schema, "d.t",
				  HONK_DIALECT_POSTGRES),
		0);
	assert_string_equal(
		fx.out.buf,
		"CREATE TABLE IF NOT EXISTS \"d\".\"t\" (\n"
		"  \"b\" BOOLEAN NOT NULL,\n"
		"  \"i\" INTEGER,\n"
		"  \"l\" BIGINT,\n"
		"  \"f\" REAL,\n"
		"  \"d\" DOUBLE PRECISION,\n"
		"  \"n\" NUMERIC(10, 2),\n"
		"  \"big\" NUMERIC(40, 10),\n"
		"  \"any\" NUMERIC,\n"
		"  \"s\" TEXT,\n"
		"  \"y\" BYTEA,\n"
		"  \"day\" DATE,\n"
		"  \"t\" TIME,\n"
		"  \"ts\" TIMESTAMPTZ,\n"
		"  \"e\" TEXT NOT NULL CHECK (\"e\" IN ('x', 'y')),\n"
		"  \"r\" JSONB NOT NULL,\n"
		"  \"arr\" JSONB,\n"
		"  \"m\" JSONB NOT NULL\n"
		");\n");
	honk_buf_reset(&fx.out);
	assert_int_equal(
		honk_sqlgen_table(&fx.out,
				  &fx.cat.datasets[0].versions[0].schema, "d.t",
				  HONK_DIALECT_BIGQUERY),
		0);
	assert_string_equal(
		fx.out.buf,
		"CREATE TABLE IF NOT EXISTS `d.t` (\n"
		"  `b` BOOL NOT NULL,\n"
		"  `i` INT64,\n"
		"  `l` INT64,\n"
		"  `f` FLOAT64,\n"
		"  `d` FLOAT64,\n"
		"  `n` NUMERIC(10, 2),\n"
		"  `big` BIGNUMERIC(40, 10),\n"
		"  `any` BIGNUMERIC,\n"
		"  `s` STRING,\n"
		"  `y` BYTES,\n"
		"  `day` DATE,\n"
		"  `t` TIME,\n"
		"  `ts` TIMESTAMP,\n"
		"  `e` STRING NOT NULL,\n"
		"  `r` STRUCT<`a` INT64 NOT NULL, `tags` ARRAY<STRING>> NOT NULL,\n"
		"  `arr` ARRAY<STRUCT<`item` ARRAY<INT64>>>,\n"
		"  `m` ARRAY<STRUCT<`key` STRING NOT NULL, `value` INT64 NOT NULL>>\n"
		");\n");
	release(&fx);
}

static void decimal_too_wide_for_bigquery(void **state)
{
	struct honk_field f;
	struct honk_schema s;
	struct honk_buf b = HONK_BUF_INIT;

	(void)state;
	memset(&f, 0, sizeof(f));
	memset(&s, 0, sizeof(s));
	f.name = "n";
	f.type = HONK_T_DECIMAL;
	f.precision = 76;
	s.fields = &f;
	s.nfields = 1;
	assert_int_equal(honk_sqlgen_table(&b, &s, "t", HONK_DIALECT_BIGQUERY),
			 HONK_EINVALID);
	assert_string_equal(
		honk_error_last(),
		"decimal(76,0) fits neither BigQuery's NUMERIC nor its BIGNUMERIC");
	honk_buf_reset(&b);
	assert_int_equal(honk_sqlgen_table(&b, &s, "t", HONK_DIALECT_POSTGRES),
			 0);
	contains(b.buf, "\"n\" NUMERIC(76, 0)\n");
	honk_buf_release(&b);
}

static const char widen_yaml[] =
	"dataset: t.x\n"
	"versions:\n"
	"  - version: 1\n"
	"    schema:\n"
	"      - {name: i2l, type: int32}\n"
	"      - {name: i2d, type: int32}\n"
	"      - {name: l2d, type: int64}\n"
	"      - {name: f2d, type: float32}\n"
	"      - {name: s2y, type: string}\n"
	"      - {name: y2s, type: bytes}\n"
	"      - {name: dec, type: decimal, precision: 10, scale: 2}\n"
	"      - {name: opt, type: int32}\n"
	"  - version: 2\n"
	"    schema:\n"
	"      - {name: i2l, type: int64}\n"
	"      - {name: i2d, type: float64}\n"
	"      - {name: l2d, type: float64}\n"
	"      - {name: f2d, type: float64}\n"
	"      - {name: s2y, type: bytes}\n"
	"      - {name: y2s, type: string}\n"
	"      - {name: dec, type: decimal, precision: 12, scale: 4}\n"
	"      - {name: opt, type: int32, required: true, default: -1}\n"
	"      - {name: on, type: boolean, default: true}\n"
	"      - {name: day, type: date, default: 2000-02-29}\n"
	"      - {name: ratio, type: float64, default: 1}\n"
	"      - {name: raw, type: bytes, default: hi}\n"
	"      - {name: amount, type: decimal, precision: 10, scale: 2,\n"
	"         default: '1.50'}\n"
	"      - {name: big, type: int64, default: 5}\n"
	"      - {name: label, type: string, default: \"it's\"}\n"
	"      - {name: nothing, type: timestamp}\n";

static void widenings_cast_per_dialect(void **state)
{
	struct fixture fx;
	const char *t;

	(void)state;
	build(&fx, widen_yaml, 1, 2);
	assert_int_equal(fx.g.nmanual, 0);
	t = transform(&fx, HONK_DIALECT_SQLITE);
	contains(t,
		 "SELECT\n"
		 "  \"i2l\",\n"
		 "  CAST(\"i2d\" AS REAL) AS \"i2d\",\n"
		 "  CAST(\"l2d\" AS REAL) AS \"l2d\",\n"
		 "  \"f2d\",\n"
		 "  CAST(\"s2y\" AS BLOB) AS \"s2y\",\n"
		 "  CAST(\"y2s\" AS TEXT) AS \"y2s\",\n"
		 "  \"dec\",\n"
		 "  COALESCE(\"opt\", -1) AS \"opt\", -- honk: note: NULL in "
		 "version 1 becomes the default\n"
		 "  1 AS \"on\",\n"
		 "  '2000-02-29' AS \"day\",\n"
		 "  1.0 AS \"ratio\",\n"
		 "  X'6869' AS \"raw\",\n"
		 "  '1.50' AS \"amount\",\n"
		 "  5 AS \"big\",\n"
		 "  'it''s' AS \"label\",\n"
		 "  NULL AS \"nothing\"\n"
		 "FROM \"t_x_v1\"\n");
	t = transform(&fx, HONK_DIALECT_POSTGRES);
	contains(
		t,
		"SELECT\n"
		"  CAST(\"i2l\" AS BIGINT) AS \"i2l\",\n"
		"  CAST(\"i2d\" AS DOUBLE PRECISION) AS \"i2d\",\n"
		"  CAST(\"l2d\" AS DOUBLE PRECISION) AS \"l2d\",\n"
		"  CAST(\"f2d\" AS DOUBLE PRECISION) AS \"f2d\",\n"
		"  convert_to(\"s2y\", 'UTF8') AS \"s2y\",\n"
		"  convert_from(\"y2s\", 'UTF8') AS \"y2s\",\n"
		"  CAST(\"dec\" AS NUMERIC(12, 4)) AS \"dec\",\n"
		"  COALESCE(\"opt\", CAST(-1 AS INTEGER)) AS \"opt\", -- honk: "
		"note: NULL in version 1 becomes the default\n"
		"  TRUE AS \"on\",\n"
		"  DATE '2000-02-29' AS \"day\",\n"
		"  CAST(1 AS DOUBLE PRECISION) AS \"ratio\",\n"
		"  decode('6869', 'hex') AS \"raw\",\n"
		"  CAST(1.50 AS NUMERIC(10, 2)) AS \"amount\",\n"
		"  CAST(5 AS BIGINT) AS \"big\",\n"
		"  'it''s' AS \"label\",\n"
		"  CAST(NULL AS TIMESTAMPTZ) AS \"nothing\"\n"
		"FROM \"t_x_v1\"\n");
	t = transform(&fx, HONK_DIALECT_BIGQUERY);
	contains(
		t,
		"SELECT\n"
		"  `i2l`,\n"
		"  CAST(`i2d` AS FLOAT64) AS `i2d`,\n"
		"  CAST(`l2d` AS FLOAT64) AS `l2d`,\n"
		"  `f2d`,\n"
		"  CAST(`s2y` AS BYTES) AS `s2y`,\n"
		"  CAST(`y2s` AS STRING) AS `y2s`,\n"
		"  CAST(`dec` AS NUMERIC(12, 4)) AS `dec`,\n"
		"  COALESCE(`opt`, -1) AS `opt`, -- honk: note: NULL in version 1 "
		"becomes the default\n"
		"  TRUE AS `on`,\n"
		"  DATE '2000-02-29' AS `day`,\n"
		"  1.0 AS `ratio`,\n"
		"  FROM_HEX('6869') AS `raw`,\n"
		"  NUMERIC '1.50' AS `amount`,\n"
		"  5 AS `big`,\n"
		"  'it\\'s' AS `label`,\n"
		"  CAST(NULL AS TIMESTAMP) AS `nothing`\n"
		"FROM `t_x_v1`\n");

	/* the view casts back, and says what old readers may meet */
	t = compat(&fx, HONK_DIALECT_POSTGRES);
	contains(
		t,
		"SELECT\n"
		"  CAST(\"i2l\" AS INTEGER) AS \"i2l\", -- honk: note: narrows int64 to int32: new values may not fit\n"
		"  CAST(\"i2d\" AS INTEGER) AS \"i2d\", -- honk: note: narrows float64 to int32: new values may not fit\n"
		"  CAST(\"l2d\" AS BIGINT) AS \"l2d\", -- honk: note: narrows float64 to int64: new values may not fit\n"
		"  CAST(\"f2d\" AS REAL) AS \"f2d\", -- honk: note: narrows float64 to float32: new values may not fit\n"
		"  convert_from(\"s2y\", 'UTF8') AS \"s2y\",\n"
		"  convert_to(\"y2s\", 'UTF8') AS \"y2s\",\n"
		"  CAST(\"dec\" AS NUMERIC(10, 2)) AS \"dec\", -- honk: note: narrows decimal(12,4) to decimal(10,2): new values may not fit\n"
		"  \"opt\"\n"
		"FROM \"t_x_v2\";\n");
	t = compat(&fx, HONK_DIALECT_SQLITE);
	contains(t, "  CAST(\"i2d\" AS INTEGER) AS \"i2d\", -- honk: note: "
		    "narrows float64 to int32: new values may not fit\n");
	contains(t, "  \"i2l\", -- honk: note: narrows int64 to int32: new "
		    "values may not fit\n");
	release(&fx);
}

static const char manual_yaml[] =
	"dataset: t.x\n"
	"versions:\n"
	"  - version: 1\n"
	"    schema:\n"
	"      - {name: id, type: string, required: true}\n"
	"      - {name: big, type: int64}\n"
	"      - {name: code, type: string}\n"
	"      - {name: kind, type: enum, symbols: [a, b, c]}\n"
	"      - name: dev\n"
	"        type: record\n"
	"        fields:\n"
	"          - {name: os, type: string}\n"
	"      - {name: tags, type: array, items: int32}\n"
	"      - {name: opt, type: string}\n"
	"      - {name: opt2, type: string}\n"
	"      - {name: gone, type: string, required: true}\n"
	"      - {name: count, type: int32}\n"
	"  - version: 2\n"
	"    schema:\n"
	"      - {name: id, type: string, required: true}\n"
	"      - {name: big, type: int32}\n"
	"      - {name: code, type: int64}\n"
	"      - {name: kind, type: enum, symbols: [a, b]}\n"
	"      - name: dev\n"
	"        type: record\n"
	"        fields:\n"
	"          - {name: os, type: string}\n"
	"          - {name: model, type: string}\n"
	"      - {name: tags, type: array, items: int64}\n"
	"      - {name: opt, type: string, required: true}\n"
	"      - {name: opt2, type: string, required: true, default: none}\n"
	"      - {name: must, type: string, required: true}\n"
	"      - {name: bad_default, type: int32, default: abc}\n"
	"      - {name: count, type: float32}\n";

static void manual_items_for_what_is_not_safe(void **state)
{
	static const struct {
		const char *what, *path, *reason;
	} want[] = {
		{ "transform", "big",
		  "type narrowed from int64 to int32: values may not fit" },
		{ "transform", "code",
		  "type changed from string to int64: no safe conversion" },
		{ "transform", "kind",
		  "enum symbols c removed: rows holding them have no value" },
		{ "transform", "dev",
		  "a change inside record dev needs a nested conversion (dev.model: field-added)" },
		{ "transform", "tags",
		  "a change inside array tags needs a nested conversion (tags[]: type-widened int32 to int64)" },
		{ "transform", "opt",
		  "optional in version 1, required now, no default: rows where it is NULL have no value" },
		{ "transform", "must",
		  "required field added without a default: old rows have no value" },
		{ "transform", "bad_default",
		  "default 'abc' is not a valid int32" },
		{ "transform", "count",
		  "int32 to float32: a float32 holds integers exactly only up to 2^24" },
		{ "compat", "code",
		  "type changed from int64 to string: no safe conversion" },
		{ "compat", "dev",
		  "a change inside record dev needs a nested conversion (dev.model: field-removed)" },
		{ "compat", "tags",
		  "a change inside array tags needs a nested conversion (tags[]: type-narrowed int64 to int32)" },
		{ "compat", "gone",
		  "required, and not in version 2: no value to give" },
		{ "compat", "count",
		  "type changed from float32 to int32: no safe conversion" },
	};
	struct fixture fx;
	const char *t;
	size_t i;
	int d;

	(void)state;
	build(&fx, manual_yaml, 1, 2);
	for (i = 0; i < fx.g.nmanual; i++)
		print_message("%s %s: %s\n", fx.g.manual[i].what,
			      fx.g.manual[i].path, fx.g.manual[i].reason);
	assert_int_equal(fx.g.nmanual, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < fx.g.nmanual; i++) {
		assert_string_equal(fx.g.manual[i].what, want[i].what);
		assert_string_equal(fx.g.manual[i].path, want[i].path);
		assert_string_equal(fx.g.manual[i].reason, want[i].reason);
	}

	/* the column is the source unchanged, or NULL, with the comment */
	t = transform(&fx, HONK_DIALECT_SQLITE);
	contains(t, "-- 9 manual items: see \"honk: manual\" below\n");
	contains(t, "  \"big\", -- honk: manual: type narrowed from int64 to "
		    "int32: values may not fit\n");
	contains(t, "  \"code\", -- honk: manual: type changed from string "
		    "to int64: no safe conversion\n");
	contains(t, "  \"kind\", -- honk: manual: enum symbols c removed: "
		    "rows holding them have no value\n");
	contains(t, "  \"dev\", -- honk: manual: a change inside record dev "
		    "needs a nested conversion (dev.model: field-added)\n");
	contains(t, "  \"opt\", -- honk: manual: optional in version 1, "
		    "required now, no default: rows where it is NULL have no "
		    "value\n");
	contains(t, "  COALESCE(\"opt2\", 'none') AS \"opt2\", -- honk: note: "
		    "NULL in version 1 becomes the default\n");
	contains(t, "  NULL AS \"must\", -- honk: manual: required field added "
		    "without a default: old rows have no value\n");
	contains(t, "  NULL AS \"bad_default\", -- honk: manual: default 'abc' "
		    "is not a valid int32\n");
	contains(t, "  \"count\" -- honk: manual: int32 to float32: a float32 "
		    "holds integers exactly only up to 2^24\n");
	for (d = 0; d < HONK_DIALECT__COUNT; d++) {
		t = transform(&fx, (enum honk_dialect)d);
		contains(t, "-- honk: manual: type narrowed from int64 to "
			    "int32: values may not fit\n");
		contains(t, "-- honk: manual: required field added without a "
			    "default: old rows have no value\n");
		t = compat(&fx, (enum honk_dialect)d);
		contains(t, "-- 5 manual items: see \"honk: manual\" below\n");
		contains(t, "-- honk: manual: required, and not in version 2: "
			    "no value to give\n");
	}
	t = compat(&fx, HONK_DIALECT_BIGQUERY);
	contains(t, "  CAST(NULL AS STRING) AS `gone`, -- honk: manual: "
		    "required, and not in version 2: no value to give\n");
	release(&fx);
}

static void required_removed_and_dropped_fields_in_compat(void **state)
{
	struct fixture fx;
	const char *t;

	(void)state;
	build(&fx,
	      "dataset: t.x\n"
	      "versions:\n"
	      "  - version: 1\n"
	      "    schema:\n"
	      "      - {name: a, type: string, required: true}\n"
	      "      - {name: b, type: string, required: true, default: x}\n"
	      "      - {name: c, type: int32, default: 3}\n"
	      "      - {name: d, type: int32}\n"
	      "  - version: 2\n"
	      "    schema:\n"
	      "      - {name: a, type: string}\n"
	      "      - {name: b, type: string}\n",
	      1, 2);
	assert_int_equal(fx.g.nmanual, 0);
	t = compat(&fx, HONK_DIALECT_SQLITE);
	contains(
		t,
		"SELECT\n"
		"  \"a\", -- honk: note: optional in version 2: new rows "
		"may leave it NULL\n"
		"  COALESCE(\"b\", 'x') AS \"b\", -- honk: note: NULL in version 2 "
		"becomes the default\n"
		"  3 AS \"c\", -- honk: note: not in version 2: always the "
		"default\n"
		"  NULL AS \"d\" -- honk: note: not in version 2: always "
		"NULL\n"
		"FROM \"t_x_v2\";\n");
	release(&fx);
}

static void unchanged_nested_types_pass_through(void **state)
{
	struct fixture fx;
	const char *t;

	(void)state;
	build(&fx,
	      "dataset: t.x\n"
	      "versions:\n"
	      "  - version: 1\n"
	      "    schema:\n"
	      "      - name: dev\n"
	      "        type: record\n"
	      "        fields: [{name: os, type: string, description: old}]\n"
	      "      - {name: m, type: map, values: {type: int64}}\n"
	      "  - version: 2\n"
	      "    schema:\n"
	      "      - name: device\n"
	      "        renamed_from: dev\n"
	      "        type: record\n"
	      "        fields: [{name: os, type: string, description: new}]\n"
	      "      - {name: m, type: map, values: {type: int64}}\n",
	      1, 2);
	assert_int_equal(fx.g.nmanual, 0);
	t = transform(&fx, HONK_DIALECT_BIGQUERY);
	contains(t, "SELECT\n  `dev` AS `device`,\n  `m`\nFROM");
	t = compat(&fx, HONK_DIALECT_POSTGRES);
	contains(t, "SELECT\n  \"device\" AS \"dev\",\n  \"m\"\nFROM");
	release(&fx);
}

static void comments_stay_on_their_line(void **state)
{
	struct honk_field a, b, ax, bx;
	struct honk_dataset ds;
	struct honk_version v[2];
	struct honk_sqlgen g;
	struct honk_buf out = HONK_BUF_INIT;

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(&ax, 0, sizeof(ax));
	memset(&ds, 0, sizeof(ds));
	memset(v, 0, sizeof(v));
	/* a name from an imported schema, nested so the reason names it */
	ax.name = "x";
	ax.type = HONK_T_INT32;
	bx = ax;
	bx.type = HONK_T_INT64;
	a.name = "line\nbreak";
	a.type = HONK_T_RECORD;
	a.fields = &ax;
	a.nfields = 1;
	b = a;
	b.fields = &bx;
	v[0].version = 1;
	v[0].schema.fields = &a;
	v[0].schema.nfields = 1;
	v[1].version = 2;
	v[1].schema.fields = &b;
	v[1].schema.nfields = 1;
	ds.id = "t.x";
	ds.versions = v;
	ds.nversions = 2;
	assert_int_equal(honk_sqlgen_build(&g, &ds, 1, 2), 0);
	assert_int_equal(g.nmanual, 2);
	assert_string_equal(
		g.manual[0].reason,
		"a change inside record line\nbreak needs a nested conversion "
		"(line\nbreak.x: type-widened int32 to int64)");
	assert_int_equal(honk_sqlgen_transform(&out, &g, HONK_DIALECT_SQLITE),
			 0);
	contains(out.buf, "  \"line\nbreak\" -- honk: manual: a change inside "
			  "record line?break needs a nested conversion "
			  "(line?break.x: type-widened int32 to int64)\n");
	honk_buf_release(&out);
	honk_sqlgen_release(&g);
}

static void build_refusals(void **state)
{
	struct fixture fx;
	struct honk_sqlgen g;

	(void)state;
	load(&fx, "datasets/t/x.yaml",
	     "dataset: t.x\n"
	     "versions:\n"
	     "  - {version: 1, schema: [{name: a, type: string}]}\n"
	     "  - {version: 2, schema: [{name: a, type: string}]}\n");
	assert_int_equal(honk_sqlgen_build(&g, &fx.cat.datasets[0], 1, 3),
			 HONK_ENOTFOUND);
	assert_string_equal(honk_error_last(), "t.x has no version 3");
	honk_sqlgen_release(&g);
	assert_int_equal(honk_sqlgen_build(&g, &fx.cat.datasets[0], 2, 2),
			 HONK_EINVALID);
	assert_string_equal(
		honk_error_last(),
		"a migration of t.x needs two versions, not 2 twice");
	honk_sqlgen_release(&g);
	/* backwards is allowed: a rollback's SQL */
	assert_int_equal(honk_sqlgen_build(&g, &fx.cat.datasets[0], 2, 1), 0);
	assert_string_equal(g.from_table, "t_x_v2");
	honk_sqlgen_release(&g);
	honk_sqlgen_release(NULL);
	release(&fx);
}

static void text_forms_of_the_contract(void **state)
{
	struct honk_field f;
	const char *syms[] = { "song", "podcast" };

	(void)state;
	memset(&f, 0, sizeof(f));
#define FITS(t, s) honk_sql_text_fits(&f, s, strlen(s))
	f.type = HONK_T_DATE;
	assert_true(FITS(f, "2000-02-29"));
	assert_true(FITS(f, "0001-01-01"));
	assert_false(FITS(f, "1900-02-29"));
	assert_false(FITS(f, "2026-13-01"));
	assert_false(FITS(f, "2026-1-01"));
	assert_false(FITS(f, "0000-01-01"));
	f.type = HONK_T_TIME;
	assert_true(FITS(f, "23:59:59"));
	assert_true(FITS(f, "00:00:00.123456"));
	assert_false(FITS(f, "00:00:00.1234567"));
	assert_false(FITS(f, "24:00:00"));
	assert_false(FITS(f, "12:00"));
	assert_false(FITS(f, "12:00:00."));
	f.type = HONK_T_TIMESTAMP;
	assert_true(FITS(f, "2026-01-01T00:00:00Z"));
	assert_true(FITS(f, "2026-01-01T00:00:00.5+05:30"));
	assert_true(FITS(f, "1999-12-31T23:59:59-08:00"));
	assert_false(FITS(f, "2026-01-01 00:00:00Z"));
	assert_false(FITS(f, "2026-01-01T00:00:00"));
	assert_false(FITS(f, "2026-01-01T00:00:00+0530"));
	assert_false(FITS(f, "1735689600"));
	f.type = HONK_T_DECIMAL;
	assert_true(FITS(f, "12345678901234567890.5"));
	assert_true(FITS(f, "-0.5"));
	assert_false(FITS(f, "1e5"));
	assert_false(FITS(f, "01.5"));
	assert_false(FITS(f, "1."));
	assert_false(FITS(f, ".5"));
	assert_false(FITS(f, "+1"));
	f.precision = 5;
	f.scale = 2;
	assert_true(FITS(f, "999.99"));
	assert_true(FITS(f, "0.01"));
	assert_true(FITS(f, "-12.5"));
	assert_false(FITS(f, "1000.00"));
	assert_false(FITS(f, "1.001"));
	f.type = HONK_T_ENUM;
	f.symbols = syms;
	f.nsymbols = 2;
	assert_true(FITS(f, "song"));
	assert_false(FITS(f, "son"));
	assert_false(FITS(f, "songs"));
	f.type = HONK_T_STRING;
	assert_false(FITS(f, "x"));
#undef FITS
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dialect_names),
		cmocka_unit_test(golden_files),
		cmocka_unit_test(golden_sqlite_transform_text),
		cmocka_unit_test(output_is_deterministic),
		cmocka_unit_test(table_names_from_locations),
		cmocka_unit_test(tables_quoted_per_dialect),
		cmocka_unit_test(odd_names_are_quoted),
		cmocka_unit_test(odd_names_in_generated_sql),
		cmocka_unit_test(table_ddl_in_every_dialect),
		cmocka_unit_test(decimal_too_wide_for_bigquery),
		cmocka_unit_test(widenings_cast_per_dialect),
		cmocka_unit_test(manual_items_for_what_is_not_safe),
		cmocka_unit_test(required_removed_and_dropped_fields_in_compat),
		cmocka_unit_test(unchanged_nested_types_pass_through),
		cmocka_unit_test(comments_stay_on_their_line),
		cmocka_unit_test(build_refusals),
		cmocka_unit_test(text_forms_of_the_contract),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
