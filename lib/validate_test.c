/*
 * Validation: the generated SQLite transform and compat view of a pair
 * covering every flat type pass on generated rows and on samples; wrong
 * transforms planted by hand fail the check they break, with a detail
 * that names the field; bad samples are reported with their positions;
 * SQL from review cannot reach outside the in-memory database.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "catalog.h"
#include "error.h"
#include "sqlgen.h"
#include "validate.h"
#include "banned.h"

static const char settings[] = "honk: 1\n";

/* Every flat type, each change the generator handles without a person. */
static const char flat_yaml[] =
	"dataset: t.all\n"
	"versions:\n"
	"  - version: 1\n"
	"    schema:\n"
	"      - {name: id, type: string, required: true}\n"
	"      - {name: flag, type: boolean}\n"
	"      - {name: n32, type: int32, required: true}\n"
	"      - {name: n64, type: int64}\n"
	"      - {name: i2l, type: int32}\n"
	"      - {name: i2d, type: int32}\n"
	"      - {name: l2d, type: int64}\n"
	"      - {name: f2d, type: float32}\n"
	"      - {name: f64, type: float64}\n"
	"      - {name: price, type: decimal, precision: 10, scale: 2}\n"
	"      - {name: body, type: string}\n"
	"      - {name: raw, type: bytes}\n"
	"      - {name: day, type: date}\n"
	"      - {name: at, type: time}\n"
	"      - {name: ts, type: timestamp}\n"
	"      - {name: kind, type: enum, symbols: [song, podcast]}\n"
	"      - {name: rank, type: int32}\n"
	"      - {name: gone, type: string}\n"
	"  - version: 2\n"
	"    schema:\n"
	"      - {name: id, type: string, required: true}\n"
	"      - {name: flag, type: boolean}\n"
	"      - {name: n32, type: int32, required: true}\n"
	"      - {name: n64, type: int64}\n"
	"      - {name: i2l, type: int64}\n"
	"      - {name: i2d, type: float64}\n"
	"      - {name: l2d, type: float64}\n"
	"      - {name: f2d, type: float64}\n"
	"      - {name: f64, type: float64}\n"
	"      - {name: price, type: decimal, precision: 10, scale: 2}\n"
	"      - {name: body, type: bytes}\n"
	"      - {name: raw, type: bytes}\n"
	"      - {name: day, type: date}\n"
	"      - {name: at, type: time}\n"
	"      - {name: played_at, type: timestamp, renamed_from: ts}\n"
	"      - {name: kind, type: enum, symbols: [song, podcast, audiobook]}\n"
	"      - {name: position, type: int32, renamed_from: rank}\n"
	"      - {name: country, type: string, default: unknown}\n"
	"      - {name: added, type: string}\n";

static const char flat_samples[] =
	"{\"id\": \"u1\", \"flag\": true, \"n32\": -2147483648, "
	"\"n64\": 9223372036854775807, \"i2l\": 2147483647, \"i2d\": -7, "
	"\"l2d\": 4503599627370496, \"f2d\": 0.25, \"f64\": 0.1, "
	"\"price\": \"-99999999.99\", \"body\": \"it's \\\"q\\\" \\u00e9\\n\", "
	"\"raw\": \"AP8=\", \"day\": \"2000-02-29\", \"at\": \"23:59:59.5\", "
	"\"ts\": \"2026-01-01T00:00:00+01:00\", \"kind\": \"podcast\", "
	"\"rank\": 3, \"gone\": \"bye\"}\n"
	"\n"
	"{\"id\": \"\", \"n32\": 0}\r\n"
	"{\"id\": \"u3\", \"n32\": 1, \"flag\": null, \"body\": \"\", "
	"\"raw\": \"\", \"kind\": \"song\", \"ts\": \"1970-01-01T00:00:00Z\"}\n";

struct fixture {
	struct honk_catalog cat;
	struct honk_sqlgen g;
	char *transform, *compat;
	struct honk_validation v;
	struct honk_diags diags;
};

static void setup(struct fixture *fx, const char *yaml)
{
	struct honk_catalog_file files[2] = {
		{ "honk.yaml", settings, sizeof(settings) - 1 },
		{ "datasets/t/all.yaml", yaml, strlen(yaml) },
	};
	struct honk_diags d = HONK_DIAGS_INIT;
	struct honk_buf b = HONK_BUF_INIT;

	memset(fx, 0, sizeof(*fx));
	fx->diags.max = HONK_DIAGS_MAX_DEFAULT;
	assert_int_equal(honk_catalog_parse_files(&fx->cat, files, 2, &d), 0);
	honk_diags_release(&d);
	assert_int_equal(honk_sqlgen_build(&fx->g, &fx->cat.datasets[0], 1, 2),
			 0);
	assert_int_equal(honk_sqlgen_transform(&b, &fx->g, HONK_DIALECT_SQLITE),
			 0);
	fx->transform = honk_buf_detach(&b, NULL);
	assert_int_equal(honk_sqlgen_compat(&b, &fx->g, HONK_DIALECT_SQLITE),
			 0);
	fx->compat = honk_buf_detach(&b, NULL);
}

static void teardown(struct fixture *fx)
{
	honk_validation_release(&fx->v);
	honk_diags_release(&fx->diags);
	free(fx->transform);
	free(fx->compat);
	honk_sqlgen_release(&fx->g);
	honk_catalog_release(&fx->cat);
}

static void dump(const struct fixture *fx)
{
	size_t i;

	for (i = 0; i < fx->v.nchecks; i++)
		printf("  %s %s: %s\n", fx->v.checks[i].name,
		       fx->v.checks[i].passed ? "passed" : "FAILED",
		       fx->v.checks[i].detail);
	for (i = 0; i < fx->diags.n; i++)
		printf("  %s:%u:%u: %s\n", fx->diags.v[i].path,
		       fx->diags.v[i].line, fx->diags.v[i].col,
		       fx->diags.v[i].msg);
}

/* Validate; samples NULL: generated rows. */
static int run(struct fixture *fx, const char *samples)
{
	struct honk_validate_input in = HONK_VALIDATE_INPUT_INIT;

	honk_validation_release(&fx->v);
	honk_diags_release(&fx->diags);
	in.g = &fx->g;
	in.transform_sql = fx->transform;
	in.compat_sql = fx->compat;
	if (samples) {
		in.samples_path = "samples/all_v1.jsonl";
		in.samples = samples;
		in.samples_len = strlen(samples);
	}
	return honk_validate_sql(&fx->v, &in, &fx->diags);
}

static const struct honk_validate_check *check(const struct fixture *fx,
					       const char *name)
{
	size_t i;

	for (i = 0; i < fx->v.nchecks; i++)
		if (!strcmp(fx->v.checks[i].name, name))
			return &fx->v.checks[i];
	fail_msg("no check %s", name);
	return NULL;
}

static void passes(struct fixture *fx, const char *samples)
{
	int err = run(fx, samples);

	if (err || !fx->v.passed) {
		dump(fx);
		fail_msg("validation failed (%d): %s", err,
			 err ? honk_error_last() : "");
	}
	assert_int_equal(fx->v.nchecks, 4);
}

/* Only `name` failed, and its detail is `detail` exactly. */
static void fails(struct fixture *fx, const char *name, const char *detail)
{
	const struct honk_validate_check *c;
	int err = run(fx, NULL);

	assert_int_equal(err, 0);
	c = check(fx, name);
	if (fx->v.passed || c->passed || strcmp(c->detail, detail) != 0) {
		dump(fx);
		fail_msg("expected %s to fail with: %s", name, detail);
	}
}

/* Replace the first `old` after `marker` in *text. */
static void plant(char **text, const char *marker, const char *old,
		  const char *new)
{
	struct honk_buf b = HONK_BUF_INIT;
	char *m = strstr(*text, marker), *at;

	assert_non_null(m);
	at = strstr(m, old);
	if (!at)
		fail_msg("'%s' is not after '%s'", old, marker);
	honk_buf_add(&b, *text, (size_t)(at - *text));
	honk_buf_addstr(&b, new);
	honk_buf_addstr(&b, at + strlen(old));
	free(*text);
	*text = honk_buf_detach(&b, NULL);
}

static void generated_sql_passes_on_generated_rows(void **state)
{
	struct fixture fx;

	(void)state;
	setup(&fx, flat_yaml);
	assert_int_equal(fx.g.nmanual, 0);
	passes(&fx, NULL);
	assert_int_equal(fx.v.rows, HONK_VALIDATE_ROWS_DEFAULT);
	assert_string_equal(fx.v.source, "generated");
	assert_string_equal(fx.v.checks[0].name, "load");
	assert_string_equal(fx.v.checks[0].detail, "32 generated rows");
	assert_string_equal(fx.v.checks[1].name, "transform");
	assert_string_equal(fx.v.checks[1].detail, "ran");
	assert_string_equal(fx.v.checks[2].name, "new-schema");
	assert_string_equal(fx.v.checks[2].detail,
			    "32 rows, every value fits version 2");
	assert_string_equal(fx.v.checks[3].name, "compat");
	assert_string_equal(
		fx.v.checks[3].detail,
		"32 of 32 rows given back; not compared, not in version 2: gone");
	teardown(&fx);
}

static void generated_sql_passes_on_samples(void **state)
{
	struct fixture fx;

	(void)state;
	setup(&fx, flat_yaml);
	passes(&fx, flat_samples);
	assert_int_equal(fx.v.rows, 3);
	assert_string_equal(fx.v.source, "samples/all_v1.jsonl");
	assert_string_equal(fx.v.checks[0].detail,
			    "3 rows from samples/all_v1.jsonl");
	assert_string_equal(fx.v.checks[3].detail,
			    "3 of 3 rows given back; not compared, not in "
			    "version 2: gone");
	teardown(&fx);
}

/* The generator and the samples checker agree: generated rows load back. */
static void generated_rows_are_valid_samples(void **state)
{
	struct fixture fx;
	struct honk_buf a = HONK_BUF_INIT, b = HONK_BUF_INIT;

	(void)state;
	setup(&fx, flat_yaml);
	assert_int_equal(
		honk_validate_generated_rows(&a, fx.g.from_schema, 0, 0), 0);
	assert_int_equal(
		honk_validate_generated_rows(&b, fx.g.from_schema, 0, 0), 0);
	assert_string_equal(a.buf, b.buf);
	passes(&fx, a.buf);
	assert_int_equal(fx.v.rows, 32);
	/* another seed, other rows, still valid */
	honk_buf_reset(&b);
	assert_int_equal(
		honk_validate_generated_rows(&b, fx.g.from_schema, 40, 7), 0);
	assert_string_not_equal(a.buf, b.buf);
	passes(&fx, b.buf);
	assert_int_equal(fx.v.rows, 40);
	honk_buf_release(&a);
	honk_buf_release(&b);
	teardown(&fx);
}

static void generated_rows_walk_the_edges(void **state)
{
	struct fixture fx;
	struct honk_buf a = HONK_BUF_INIT;
	char *line2;

	(void)state;
	setup(&fx, flat_yaml);
	assert_int_equal(
		honk_validate_generated_rows(&a, fx.g.from_schema, 32, 0), 0);
	line2 = strchr(a.buf, '\n') + 1;
	line2[-1] = '\0';
	*strchr(line2, '\n') = '\0';
	assert_string_equal(
		a.buf,
		"{\"id\": \"\", \"flag\": false, \"n32\": 0, \"n64\": 0, "
		"\"i2l\": 0, \"i2d\": null, \"l2d\": 0, \"f2d\": 0, "
		"\"f64\": 0, \"price\": \"0\", \"body\": \"\", \"raw\": null, "
		"\"day\": \"2000-02-29\", \"at\": \"00:00:00\", "
		"\"ts\": \"1970-01-01T00:00:00Z\", \"kind\": \"song\", "
		"\"rank\": 0, \"gone\": null}");
	assert_string_equal(
		line2,
		"{\"id\": \"plain\", \"flag\": true, \"n32\": 1, \"n64\": -1, "
		"\"i2l\": null, \"i2d\": 0, \"l2d\": -1, \"f2d\": 1.5, "
		"\"f64\": 0.10000000000000001, \"price\": \"99999999.99\", "
		"\"body\": null, \"raw\": \"\", "
		"\"day\": \"1970-01-01\", \"at\": \"23:59:59\", "
		"\"ts\": \"2000-02-29T12:34:56.123456Z\", "
		"\"kind\": \"podcast\", \"rank\": null, \"gone\": \"\"}");
	line2[-1] = '\n';
	*strchr(line2, '\0') = '\n';
	/* every edge shows up: limits, 0x00/0xff, unicode, offsets */
	assert_non_null(strstr(a.buf, "\"n32\": -2147483648"));
	assert_non_null(strstr(a.buf, "\"n32\": 2147483647"));
	assert_non_null(strstr(a.buf, "\"n64\": 2147483648"));
	assert_non_null(strstr(a.buf, "\"n64\": -9007199254740992"));
	assert_non_null(strstr(a.buf, "\"raw\": \"AAH+/w==\""));
	assert_non_null(strstr(a.buf, "\xe6\x97\xa5\xe6\x9c\xac"));
	assert_non_null(strstr(a.buf, "it's \\\"quoted\\\""));
	assert_non_null(strstr(a.buf, "\"ts\": \"2026-06-01T08:00:00+02:00\""));
	assert_non_null(strstr(a.buf, "\"at\": \"23:59:59.999999\""));
	assert_non_null(strstr(a.buf, "\"price\": \"-99999999.99\""));
	assert_non_null(strstr(a.buf, "\"price\": \"0.01\""));
	assert_null(strstr(a.buf, "\"id\": null")); /* required: never */
	honk_buf_release(&a);
	teardown(&fx);
}

/* 2a: a narrowing cast planted in the transform. */
static void planted_narrowing_fails_compat(void **state)
{
	struct fixture fx;

	(void)state;
	setup(&fx, flat_yaml);
	plant(&fx.transform, "SELECT\n", "  \"f64\",\n",
	      "  CAST(\"f64\" AS INTEGER) AS \"f64\",\n");
	fails(&fx, "compat",
	      "22 of 32 rows not given back; first, row 2: f64: "
	      "0.10000000000000001 became 0.0");
	assert_true(check(&fx, "new-schema")->passed);
	teardown(&fx);

	setup(&fx, flat_yaml);
	plant(&fx.transform, "SELECT\n", "  \"n64\",\n",
	      "  \"n64\" % 2147483648 AS \"n64\",\n");
	fails(&fx, "compat",
	      "19 of 32 rows not given back; first, row 4: n64: 2147483648 "
	      "became 0");
	teardown(&fx);
}

/* 2b: a required field left out of the transform. */
static void planted_dropped_required_field_fails_transform(void **state)
{
	struct fixture fx;

	(void)state;
	setup(&fx, flat_yaml);
	plant(&fx.transform, "INSERT INTO", "  \"id\",\n", "");
	plant(&fx.transform, "SELECT\n", "  \"id\",\n", "");
	fails(&fx, "transform", "NOT NULL constraint failed: t_all_v2.id");
	assert_string_equal(check(&fx, "new-schema")->detail,
			    "not run: transform failed");
	assert_string_equal(check(&fx, "compat")->detail,
			    "not run: transform failed");
	teardown(&fx);
}

/* 2c: a renamed field filled from the wrong column. */
static void planted_wrong_rename_fails(void **state)
{
	struct fixture fx;

	(void)state;
	setup(&fx, flat_yaml);
	plant(&fx.transform, "SELECT\n", "\"rank\" AS \"position\"",
	      "\"n32\" AS \"position\"");
	fails(&fx, "compat",
	      "31 of 32 rows not given back; first, row 2: rank: NULL became "
	      "1");
	teardown(&fx);
}

static void planted_wrong_rename_of_another_type(void **state)
{
	struct fixture fx;

	(void)state;
	setup(&fx, flat_yaml);
	plant(&fx.transform, "SELECT\n", "\"ts\" AS \"played_at\"",
	      "\"day\" AS \"played_at\"");
	fails(&fx, "new-schema",
	      "row 1: played_at: '2000-02-29' is not a timestamp "
	      "(YYYY-MM-DDTHH:MM:SS[.ffffff] and Z or +hh:mm)\n"
	      "row 2: played_at: '1970-01-01' is not a timestamp "
	      "(YYYY-MM-DDTHH:MM:SS[.ffffff] and Z or +hh:mm)\n"
	      "row 3: played_at: '1999-12-31' is not a timestamp "
	      "(YYYY-MM-DDTHH:MM:SS[.ffffff] and Z or +hh:mm)\n"
	      "row 4: played_at: '2026-12-31' is not a timestamp "
	      "(YYYY-MM-DDTHH:MM:SS[.ffffff] and Z or +hh:mm)\n"
	      "row 5: played_at: '0001-01-01' is not a timestamp "
	      "(YYYY-MM-DDTHH:MM:SS[.ffffff] and Z or +hh:mm)\n"
	      "and 22 more");
	assert_false(check(&fx, "compat")->passed);
	assert_non_null(strstr(check(&fx, "compat")->detail,
			       "ts: '1970-01-01T00:00:00Z' became "
			       "'2000-02-29'"));
	teardown(&fx);
}

static void new_schema_names_each_problem(void **state)
{
	struct fixture fx;

	(void)state;
	/* an integer into a timestamp; NULL into a required column */
	setup(&fx, flat_yaml);
	plant(&fx.transform, "CREATE TABLE", "\"id\" TEXT NOT NULL",
	      "\"id\" TEXT");
	plant(&fx.transform, "SELECT\n", "  \"id\",\n", "  NULL AS \"id\",\n");
	plant(&fx.transform, "SELECT\n", "\"ts\" AS \"played_at\"",
	      "1735689600 AS \"played_at\"");
	plant(&fx.transform, "SELECT\n", "  CAST(\"i2d\" AS REAL) AS \"i2d\"",
	      "  'x' AS \"i2d\"");
	fails(&fx, "transform",
	      "cannot store TEXT value in REAL column t_all_v2.i2d");
	teardown(&fx);

	setup(&fx, flat_yaml);
	plant(&fx.transform, "CREATE TABLE", "\"id\" TEXT NOT NULL",
	      "\"id\" TEXT");
	plant(&fx.transform, "SELECT\n", "  \"id\",\n", "  NULL AS \"id\",\n");
	plant(&fx.transform, "SELECT\n", "\"ts\" AS \"played_at\"",
	      "1735689600 AS \"played_at\"");
	fails(&fx, "new-schema",
	      "row 1: id: NULL in a required field\n"
	      "row 1: played_at: '1735689600' is not a timestamp "
	      "(YYYY-MM-DDTHH:MM:SS[.ffffff] and Z or +hh:mm)\n"
	      "row 2: id: NULL in a required field\n"
	      "row 2: played_at: '1735689600' is not a timestamp "
	      "(YYYY-MM-DDTHH:MM:SS[.ffffff] and Z or +hh:mm)\n"
	      "row 3: id: NULL in a required field\n"
	      "and 59 more");
	teardown(&fx);

	/* a column too many, one missing, and rows lost */
	setup(&fx, flat_yaml);
	plant(&fx.transform, "CREATE TABLE", "  \"added\" TEXT\n",
	      "  \"extra\" TEXT\n");
	plant(&fx.transform, "INSERT INTO", "  \"added\"\n", "  \"extra\"\n");
	plant(&fx.transform, "FROM", "WHERE NOT EXISTS",
	      "WHERE \"n32\" <> 0 AND NOT EXISTS");
	fails(&fx, "new-schema",
	      "the new table has no column 'added'\n"
	      "the new table has a column 'extra' that version 2 does not\n"
	      "26 rows in the new table for 32 loaded");
	teardown(&fx);

	/* an untyped column lets anything through to the checker */
	setup(&fx, flat_yaml);
	plant(&fx.transform, "CREATE TABLE",
	      "\"flag\" INTEGER CHECK (\"flag\" "
	      "IN (0, 1))",
	      "\"flag\" ANY");
	plant(&fx.transform, "CREATE TABLE",
	      "\"n32\" INTEGER NOT NULL CHECK "
	      "(\"n32\" BETWEEN -2147483648 AND "
	      "2147483647)",
	      "\"n32\" ANY NOT NULL");
	plant(&fx.transform, "SELECT\n", "  \"flag\",\n",
	      "  \"flag\" * 2 AS \"flag\",\n");
	plant(&fx.transform, "SELECT\n", "  \"n32\",\n",
	      "  \"n32\" * 2 + 0.5 AS \"n32\",\n");
	fails(&fx, "new-schema",
	      "row 1: n32: 0.5 is a real, not an int32\n"
	      "row 2: flag: 2 is not 0 or 1 (a boolean)\n"
	      "row 2: n32: 2.5 is a real, not an int32\n"
	      "row 3: n32: -1.5 is a real, not an int32\n"
	      "row 4: flag: 2 is not 0 or 1 (a boolean)\n"
	      "and 40 more");
	teardown(&fx);
}

static void transform_sql_errors_are_the_detail(void **state)
{
	struct fixture fx;

	(void)state;
	setup(&fx, flat_yaml);
	plant(&fx.transform, "SELECT\n", "FROM", "FORM");
	fails(&fx, "transform", "near \"FORM\": syntax error");
	teardown(&fx);

	setup(&fx, flat_yaml);
	plant(&fx.compat, "SELECT\n", "  \"played_at\" AS \"ts\",\n", "");
	fails(&fx, "compat", "the view has no column 'ts'");
	assert_true(check(&fx, "new-schema")->passed);
	teardown(&fx);

	setup(&fx, flat_yaml);
	plant(&fx.compat, "SELECT\n", "  \"kind\",",
	      "  \"kind\", 1 AS \"more\",");
	fails(&fx, "compat",
	      "the view has a column 'more' that version 1 does not");
	teardown(&fx);

	setup(&fx, flat_yaml);
	plant(&fx.compat, "SELECT\n", "FROM \"t_all_v2\"",
	      "FROM \"t_all_v2\" WHERE \"n32\" > 0");
	fails(&fx, "compat",
	      "16 of 32 rows not given back; the view has 16 rows for 32; "
	      "first missing: row 1");
	teardown(&fx);
}

/* SQL from review stays inside the in-memory database. */
static void outside_sql_is_fenced(void **state)
{
	struct fixture fx;
	char path[] = "/tmp/honk-validate-XXXXXX";
	FILE *f;

	(void)state;
	setup(&fx, flat_yaml);
	plant(&fx.transform, "BEGIN;\n", "\n",
	      "\nATTACH '/tmp/honk-validate-attach.db' AS x;\n");
	fails(&fx, "transform", "not authorized");
	f = fopen("/tmp/honk-validate-attach.db", "rb");
	assert_null(f);
	teardown(&fx);

	setup(&fx, flat_yaml);
	assert_non_null(mkdtemp(path));
	free(fx.compat);
	fx.compat = malloc(128);
	snprintf(fx.compat, 128, "VACUUM INTO '%s/copy.db';", path);
	fails(&fx, "compat", "authorization denied");
	assert_int_equal(rmdir(path), 0); /* still empty */
	teardown(&fx);

	setup(&fx, flat_yaml);
	plant(&fx.transform, "BEGIN;\n", "\n",
	      "\nWITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 "
	      "FROM c) SELECT count(*) FROM c;\n");
	fails(&fx, "transform",
	      "interrupted: more than 13200000 steps of work");
	teardown(&fx);
}

static void bad_samples_are_reported_with_positions(void **state)
{
	static const char bad[] =
		"{\"id\": \"a\", \"n32\": 1,}\n"
		"{\"id\": \"a\", \"n32\": 1, \"nn64\": 5}\n"
		"{\"id\": \"a\", \"n32\": 1.5, \"ts\": 1735689600}\n"
		"{\"n32\": 1}\n"
		"\n"
		"[1]\n"
		"{\"id\": \"a\", \"n32\": 3000000000, \"raw\": \"abc\", "
		"\"kind\": \"jazz\", \"day\": \"2001-02-29\"}\n"
		"{\"id\": \"a\", \"n32\": 1, \"id\": \"b\", \"flag\": 1}\n"
		"{\"id\": \"\\ud800\", \"n32\": 1}\n"
		"{\"id\": \"a\xff\", \"n32\": 1}\n"
		"{\"id\": \"ok\", \"n32\": 1}\n";
	static const char *const want[] = {
		"1:22: not JSON: expected a key string",
		"2:23: unknown field 'nn64' (not in version 1), did you mean 'n64'?",
		"3:20: n32: 1.5 is not an integer",
		"3:31: ts: 1735689600 is a number, not a timestamp",
		"4:1: missing required field 'id'",
		"6:1: a row must be a JSON object, not an array",
		"7:20: n32: 3000000000 is out of int32's range",
		"7:39: raw: \"abc\" is not base64 (bytes)",
		"7:54: kind: \"jazz\" is not one of song, podcast",
		"7:69: day: \"2001-02-29\" is not a date (YYYY-MM-DD)",
		"8:23: field 'id' given twice",
		"8:42: flag: 1 is a number, not a boolean",
		"9:9: not JSON: a lone high surrogate",
		"10:10: not JSON: not valid UTF-8",
	};
	struct fixture fx;
	char msg[256];
	size_t i;

	(void)state;
	setup(&fx, flat_yaml);
	assert_int_equal(run(&fx, bad), HONK_EINVALID);
	assert_string_equal(honk_error_last(),
			    "samples/all_v1.jsonl: bad samples");
	if (fx.diags.n != sizeof(want) / sizeof(want[0]))
		dump(&fx);
	assert_int_equal(fx.diags.n, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < fx.diags.n; i++) {
		assert_string_equal(fx.diags.v[i].path, "samples/all_v1.jsonl");
		snprintf(msg, sizeof(msg), "%u:%u: %s", fx.diags.v[i].line,
			 fx.diags.v[i].col, fx.diags.v[i].msg);
		assert_string_equal(msg, want[i]);
	}
	assert_false(fx.v.passed);
	assert_string_equal(check(&fx, "load")->detail,
			    "9 bad rows in samples/all_v1.jsonl");
	assert_string_equal(check(&fx, "transform")->detail,
			    "not run: load failed");
	assert_string_equal(check(&fx, "compat")->detail,
			    "not run: load failed");
	teardown(&fx);

	setup(&fx, flat_yaml);
	assert_int_equal(run(&fx, "\n  \n"), HONK_EINVALID);
	assert_int_equal(fx.diags.n, 1);
	assert_int_equal(fx.diags.v[0].line, 0);
	assert_string_equal(fx.diags.v[0].msg, "no rows");
	teardown(&fx);
}

static const char nested_yaml[] =
	"dataset: t.all\n"
	"versions:\n"
	"  - version: 1\n"
	"    schema:\n"
	"      - {name: id, type: int64, required: true}\n"
	"      - name: dev\n"
	"        type: record\n"
	"        fields:\n"
	"          - {name: os, type: string, required: true}\n"
	"          - {name: n, type: int32}\n"
	"          - {name: seen, type: timestamp}\n"
	"          - {name: raw, type: bytes}\n"
	"          - {name: tags, type: array, items: {type: string,\n"
	"             required: true}}\n"
	"      - {name: scores, type: array, items: float64}\n"
	"      - name: attrs\n"
	"        type: map\n"
	"        values: {type: decimal, precision: 4, scale: 1}\n"
	"      - {name: grid, type: array, items: {type: array, items: int32}}\n"
	"  - version: 2\n"
	"    schema:\n"
	"      - {name: id, type: int64, required: true}\n"
	"      - name: device\n"
	"        renamed_from: dev\n"
	"        type: record\n"
	"        fields:\n"
	"          - {name: os, type: string, required: true}\n"
	"          - {name: n, type: int32}\n"
	"          - {name: seen, type: timestamp}\n"
	"          - {name: raw, type: bytes}\n"
	"          - {name: tags, type: array, items: {type: string,\n"
	"             required: true}}\n"
	"      - {name: scores, type: array, items: float64}\n"
	"      - name: attrs\n"
	"        type: map\n"
	"        values: {type: decimal, precision: 4, scale: 1}\n"
	"      - {name: grid, type: array, items: {type: array, items: int32}}\n";

static void nested_values_are_checked_inside(void **state)
{
	struct fixture fx;

	(void)state;
	setup(&fx, nested_yaml);
	assert_int_equal(fx.g.nmanual, 0);
	passes(&fx, NULL);
	passes(&fx, "{\"id\": 1, \"dev\": {\"os\": \"x\", \"tags\": []},"
		    " \"attrs\": {\"a\": \"999.9\"}, \"grid\": [[1], []]}\n"
		    "{\"id\": 2, \"dev\": {\"tags\": [\"b\"], \"os\": \"y\","
		    " \"raw\": \"AA==\", \"n\": null}, \"scores\": [1e300]}\n");
	/* keys in another order and other spacing are the same JSON */
	plant(&fx.compat, "SELECT\n", "\"device\" AS \"dev\"",
	      "json_object('tags', json_extract(\"device\", '$.tags'), 'os', "
	      "json_extract(\"device\", '$.os')) AS \"dev\"");
	passes(&fx,
	       "{\"id\": 1, \"dev\": {\"os\": \"x\", \"tags\": [\"a\"]}}\n");
	teardown(&fx);

	setup(&fx, nested_yaml);
	plant(&fx.transform, "SELECT\n", "\"dev\" AS \"device\"",
	      "json_set(\"dev\", '$.os', 5, '$.n', 1.5) AS \"device\"");
	fails(&fx, "new-schema",
	      "row 1: device.os: 5 is a number, not a string\n"
	      "row 2: device.os: 5 is a number, not a string\n"
	      "row 3: device.os: 5 is a number, not a string\n"
	      "row 4: device.os: 5 is a number, not a string\n"
	      "row 6: device.os: 5 is a number, not a string\n"
	      "and 22 more");
	teardown(&fx);

	setup(&fx, nested_yaml);
	plant(&fx.transform, "SELECT\n", "  \"grid\"\n",
	      "  json_insert(\"grid\", '$[#]', json_array('x')) AS \"grid\"\n");
	plant(&fx.transform, "SELECT\n", "  \"attrs\",\n",
	      "  json_set(\"attrs\", '$.z', '1.25') AS \"attrs\",\n");
	plant(&fx.transform, "SELECT\n", "  \"scores\",\n",
	      "  'not json' AS \"scores\",\n");
	fails(&fx, "new-schema",
	      "row 1: scores: 'not json' is not JSON (not a JSON value at byte 1)\n"
	      "row 1: attrs[\"z\"]: \"1.25\" is not a decimal(4,1)\n"
	      "row 1: grid[0][0]: \"x\" is a string, not an int32\n"
	      "row 2: scores: 'not json' is not JSON (not a JSON value at byte 1)\n"
	      "row 2: attrs[\"z\"]: \"1.25\" is not a decimal(4,1)\n"
	      "and 80 more");
	teardown(&fx);
}

/* A manual column is the source unchanged: the database fails loudly. */
static void manual_columns_fail_loudly(void **state)
{
	struct fixture fx;

	(void)state;
	setup(&fx, "dataset: t.all\n"
		   "versions:\n"
		   "  - version: 1\n"
		   "    schema: [{name: big, type: int64},\n"
		   "             {name: kind, type: enum, symbols: [a, b]}]\n"
		   "  - version: 2\n"
		   "    schema: [{name: big, type: int32},\n"
		   "             {name: kind, type: enum, symbols: [a, b]}]\n");
	assert_int_equal(fx.g.nmanual, 1);
	fails(&fx, "transform", "CHECK constraint failed: big");
	teardown(&fx);

	setup(&fx, "dataset: t.all\n"
		   "versions:\n"
		   "  - version: 1\n"
		   "    schema: [{name: kind, type: enum, symbols: [a, b]}]\n"
		   "  - version: 2\n"
		   "    schema: [{name: kind, type: enum, symbols: [a]}]\n");
	assert_int_equal(fx.g.nmanual, 1);
	fails(&fx, "transform", "CHECK constraint failed: kind");
	teardown(&fx);
}

/* An imported JSON Schema type list: a union, stored as any JSON value. */
static void unions_pass_through(void **state)
{
	static enum honk_ftype variants[] = { HONK_T_INT64, HONK_T_STRING,
					      HONK_T_ARRAY, HONK_T_RECORD };
	struct honk_field f[2];
	struct honk_version v[2];
	struct honk_dataset ds;
	struct fixture fx;
	struct honk_buf b = HONK_BUF_INIT;

	(void)state;
	memset(f, 0, sizeof(f));
	memset(v, 0, sizeof(v));
	memset(&ds, 0, sizeof(ds));
	memset(&fx, 0, sizeof(fx));
	fx.diags.max = HONK_DIAGS_MAX_DEFAULT;
	f[0].name = "id";
	f[0].type = HONK_T_INT64;
	f[0].required = 1;
	f[1].name = "value";
	f[1].type = HONK_T_UNION;
	f[1].variants = variants;
	f[1].nvariants = 4;
	v[0].version = 1;
	v[0].schema.fields = f;
	v[0].schema.nfields = 2;
	v[1] = v[0];
	v[1].version = 2;
	ds.id = "t.u";
	ds.versions = v;
	ds.nversions = 2;
	assert_int_equal(honk_sqlgen_build(&fx.g, &ds, 1, 2), 0);
	assert_int_equal(fx.g.nmanual, 0);
	assert_int_equal(honk_sqlgen_transform(&b, &fx.g, HONK_DIALECT_SQLITE),
			 0);
	fx.transform = honk_buf_detach(&b, NULL);
	assert_int_equal(honk_sqlgen_compat(&b, &fx.g, HONK_DIALECT_SQLITE), 0);
	fx.compat = honk_buf_detach(&b, NULL);
	passes(&fx, NULL);
	passes(&fx, "{\"id\": 1, \"value\": [1, \"x\"]}\n"
		    "{\"id\": 2, \"value\": \"s\"}\n{\"id\": 3}\n");
	assert_int_equal(honk_sqlgen_table(&b, &v[0].schema, "u",
					   HONK_DIALECT_BIGQUERY),
			 0);
	assert_non_null(strstr(b.buf, "`value` JSON\n"));
	honk_buf_release(&b);
	teardown(&fx);
}

static void input_is_required(void **state)
{
	struct honk_validation v;
	struct honk_validate_input in = HONK_VALIDATE_INPUT_INIT;

	(void)state;
	assert_int_equal(honk_validate_sql(&v, &in, NULL), HONK_EUSAGE);
	honk_validation_release(&v);
	honk_validation_release(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(generated_sql_passes_on_generated_rows),
		cmocka_unit_test(generated_sql_passes_on_samples),
		cmocka_unit_test(generated_rows_are_valid_samples),
		cmocka_unit_test(generated_rows_walk_the_edges),
		cmocka_unit_test(planted_narrowing_fails_compat),
		cmocka_unit_test(
			planted_dropped_required_field_fails_transform),
		cmocka_unit_test(planted_wrong_rename_fails),
		cmocka_unit_test(planted_wrong_rename_of_another_type),
		cmocka_unit_test(new_schema_names_each_problem),
		cmocka_unit_test(transform_sql_errors_are_the_detail),
		cmocka_unit_test(outside_sql_is_fenced),
		cmocka_unit_test(bad_samples_are_reported_with_positions),
		cmocka_unit_test(nested_values_are_checked_inside),
		cmocka_unit_test(manual_columns_fail_loudly),
		cmocka_unit_test(unions_pass_through),
		cmocka_unit_test(input_is_required),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
