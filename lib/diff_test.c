/*
 * Every row of DESIGN section 4's table, at the top level, inside a
 * record and inside an array of records, with both verdicts; every policy,
 * the transitive ones against every earlier version.
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
#include "diff.h"
#include "banned.h"

/* Load one dataset whose versions are the given field lists. */
static void load(struct honk_catalog *cat, const char *const *schemas,
		 const char *const *locations, size_t n)
{
	struct honk_buf doc = HONK_BUF_INIT;
	struct honk_diags d = HONK_DIAGS_INIT;
	struct honk_catalog_file f[2];
	size_t i;

	honk_buf_addstr(&doc, "dataset: t.d\nversions:\n");
	for (i = 0; i < n; i++)
		honk_buf_addf(
			&doc,
			"  - version: %zu\n    location: %s\n    schema: %s\n",
			i + 1, locations ? locations[i] : "x", schemas[i]);
	f[0].path = "honk.yaml";
	f[0].data = "honk: 1\n";
	f[0].len = 8;
	f[1].path = "datasets/t/d.yaml";
	f[1].data = doc.buf;
	f[1].len = doc.len;
	if (honk_catalog_parse_files(cat, f, 2, &d) != 0) {
		honk_diags_print(&d, stdout);
		fail_msg("bad test schema:\n%s", doc.buf);
	}
	honk_diags_release(&d);
	honk_buf_release(&doc);
}

struct row {
	const char *name;
	const char *old, *new; /* field lists, where "f" is the field */
	enum honk_change_kind kind;
	const char *path; /* relative to the context */
	int backward, forward;
};

static const struct row rows[] = {
	{ "optional field added", "[{name: k, type: string}]",
	  "[{name: k, type: string}, {name: f, type: string}]",
	  HONK_FIELD_ADDED, "f", 1, 1 },
	{ "field with default added", "[{name: k, type: string}]",
	  "[{name: k, type: string}, {name: f, type: string, required: true, default: x}]",
	  HONK_FIELD_ADDED, "f", 1, 1 },
	{ "required field added", "[{name: k, type: string}]",
	  "[{name: k, type: string}, {name: f, type: string, required: true}]",
	  HONK_FIELD_ADDED, "f", 0, 1 },
	{ "optional field removed",
	  "[{name: k, type: string}, {name: f, type: string}]",
	  "[{name: k, type: string}]", HONK_FIELD_REMOVED, "f", 1, 1 },
	{ "required field removed",
	  "[{name: k, type: string}, {name: f, type: string, required: true}]",
	  "[{name: k, type: string}]", HONK_FIELD_REMOVED, "f", 1, 0 },
	{ "field renamed", "[{name: ts, type: timestamp}]",
	  "[{name: f, type: timestamp, renamed_from: ts}]", HONK_FIELD_RENAMED,
	  "ts", 1, 0 },
	{ "int32 widened to int64", "[{name: f, type: int32}]",
	  "[{name: f, type: int64}]", HONK_TYPE_WIDENED, "f", 1, 0 },
	{ "int64 widened to float64", "[{name: f, type: int64}]",
	  "[{name: f, type: float64}]", HONK_TYPE_WIDENED, "f", 1, 0 },
	{ "float32 widened to float64", "[{name: f, type: float32}]",
	  "[{name: f, type: float64}]", HONK_TYPE_WIDENED, "f", 1, 0 },
	{ "string to bytes", "[{name: f, type: string}]",
	  "[{name: f, type: bytes}]", HONK_TYPE_WIDENED, "f", 1, 0 },
	{ "int64 narrowed to int32", "[{name: f, type: int64}]",
	  "[{name: f, type: int32}]", HONK_TYPE_NARROWED, "f", 0, 1 },
	{ "float64 narrowed to float32", "[{name: f, type: float64}]",
	  "[{name: f, type: float32}]", HONK_TYPE_NARROWED, "f", 0, 1 },
	{ "string changed to int64", "[{name: f, type: string}]",
	  "[{name: f, type: int64}]", HONK_TYPE_CHANGED, "f", 0, 0 },
	{ "record changed to string",
	  "[{name: f, type: record, fields: [{name: x, type: string}]}]",
	  "[{name: f, type: string}]", HONK_TYPE_CHANGED, "f", 0, 0 },
	{ "decimal widened",
	  "[{name: f, type: decimal, precision: 10, scale: 2}]",
	  "[{name: f, type: decimal, precision: 12, scale: 2}]",
	  HONK_TYPE_WIDENED, "f", 1, 0 },
	{ "required added", "[{name: f, type: string}]",
	  "[{name: f, type: string, required: true}]", HONK_REQUIRED_ADDED, "f",
	  0, 1 },
	{ "required removed", "[{name: f, type: string, required: true}]",
	  "[{name: f, type: string}]", HONK_REQUIRED_REMOVED, "f", 1, 0 },
	{ "enum symbol added", "[{name: f, type: enum, symbols: [a, b]}]",
	  "[{name: f, type: enum, symbols: [a, b, c]}]", HONK_ENUM_SYMBOL_ADDED,
	  "f", 1, 0 },
	{ "enum symbol removed", "[{name: f, type: enum, symbols: [a, b]}]",
	  "[{name: f, type: enum, symbols: [a]}]", HONK_ENUM_SYMBOL_REMOVED,
	  "f", 0, 1 },
	{ "default changed", "[{name: f, type: string, default: a}]",
	  "[{name: f, type: string, default: b}]", HONK_DEFAULT_CHANGED, "f", 1,
	  1 },
	{ "description changed", "[{name: f, type: string, description: a}]",
	  "[{name: f, type: string, description: b}]", HONK_DESCRIPTION_CHANGED,
	  "f", 1, 1 },
	{ "array items widened", "[{name: f, type: array, items: int32}]",
	  "[{name: f, type: array, items: int64}]", HONK_TYPE_WIDENED, "f[]", 1,
	  0 },
	{ "map values narrowed", "[{name: f, type: map, values: float64}]",
	  "[{name: f, type: map, values: float32}]", HONK_TYPE_NARROWED, "f{}",
	  0, 1 },
};

/* Wrap a field list in a context: top level, a record, an array of records. */
static void wrap(struct honk_buf *out, int ctx, const char *fields)
{
	honk_buf_reset(out);
	if (ctx == 0)
		honk_buf_addstr(out, fields);
	else if (ctx == 1)
		honk_buf_addf(out, "[{name: r, type: record, fields: %s}]",
			      fields);
	else
		honk_buf_addf(
			out,
			"[{name: a, type: array, items: {type: record, fields: %s}}]",
			fields);
}

static const char *const prefixes[] = { "", "r.", "a[]." };

static void every_row_in_every_context(void **state)
{
	struct honk_buf a = HONK_BUF_INIT, b = HONK_BUF_INIT,
			want = HONK_BUF_INIT;
	size_t r;
	int ctx;

	(void)state;
	for (r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		for (ctx = 0; ctx < 3; ctx++) {
			struct honk_catalog cat = HONK_CATALOG_INIT;
			struct honk_diff d = HONK_DIFF_INIT;
			const char *schemas[2];
			const struct honk_dataset *ds;
			size_t k, hits = 0;

			wrap(&a, ctx, rows[r].old);
			wrap(&b, ctx, rows[r].new);
			schemas[0] = a.buf;
			schemas[1] = b.buf;
			load(&cat, schemas, NULL, 2);
			ds = &cat.datasets[0];
			assert_int_equal(
				honk_diff_schemas(&d, &ds->versions[0].schema,
						  &ds->versions[1].schema, NULL,
						  NULL),
				0);
			honk_buf_reset(&want);
			honk_buf_addf(&want, "%s%s", prefixes[ctx],
				      rows[r].path);
			for (k = 0; k < d.n; k++) {
				const struct honk_change *c = &d.v[k];

				if (c->kind != rows[r].kind)
					continue;
				hits++;
				if (strcmp(c->path, want.buf) ||
				    c->backward != rows[r].backward ||
				    c->forward != rows[r].forward)
					fail_msg(
						"%s (context %d): got %s at %s %d/%d",
						rows[r].name, ctx,
						honk_change_names[c->kind],
						c->path, c->backward,
						c->forward);
			}
			if (hits != 1)
				fail_msg(
					"%s (context %d): %zu %s changes in %zu",
					rows[r].name, ctx, hits,
					honk_change_names[rows[r].kind], d.n);
			/* the policies follow from the two verdicts */
			assert_int_equal(
				honk_diff_breaking(&d, HONK_POLICY_NONE), 0);
			for (k = 0; k < d.n; k++) {
				const struct honk_change *c = &d.v[k];

				assert_int_equal(honk_change_breaks(
							 c,
							 HONK_POLICY_BACKWARD),
						 !c->backward);
				assert_int_equal(
					honk_change_breaks(c,
							   HONK_POLICY_FORWARD),
					!c->forward);
				assert_int_equal(
					honk_change_breaks(c, HONK_POLICY_FULL),
					!c->backward || !c->forward);
				assert_int_equal(
					honk_change_breaks(
						c,
						HONK_POLICY_BACKWARD_TRANSITIVE),
					!c->backward);
				assert_int_equal(
					honk_change_breaks(
						c,
						HONK_POLICY_FORWARD_TRANSITIVE),
					!c->forward);
				assert_int_equal(
					honk_change_breaks(
						c, HONK_POLICY_FULL_TRANSITIVE),
					!c->backward || !c->forward);
			}
			honk_diff_release(&d);
			honk_catalog_release(&cat);
		}
	}
	honk_buf_release(&a);
	honk_buf_release(&b);
	honk_buf_release(&want);
}

static void rename_carries_changes_of_the_renamed_field(void **state)
{
	const char *schemas[] = {
		"[{name: ts, type: int32, required: true}]",
		"[{name: at, type: int64, renamed_from: ts}]"
	};
	struct honk_catalog cat = HONK_CATALOG_INIT;
	struct honk_diff d = HONK_DIFF_INIT;
	const struct honk_dataset *ds;

	(void)state;
	load(&cat, schemas, NULL, 2);
	ds = &cat.datasets[0];
	assert_int_equal(honk_diff_schemas(&d, &ds->versions[0].schema,
					   &ds->versions[1].schema, NULL, NULL),
			 0);
	assert_int_equal(d.n, 3);
	assert_int_equal(d.v[0].kind, HONK_TYPE_WIDENED);
	assert_string_equal(d.v[0].path, "at");
	assert_int_equal(d.v[1].kind, HONK_REQUIRED_REMOVED);
	assert_int_equal(d.v[2].kind, HONK_FIELD_RENAMED);
	assert_string_equal(d.v[2].path, "ts");
	assert_string_equal(d.v[2].to, "at");
	honk_diff_release(&d);
	honk_catalog_release(&cat);
}

static void location_change_and_identity(void **state)
{
	const char *schemas[] = { "[{name: f, type: string}]",
				  "[{name: f, type: string}]" };
	const char *locs[] = { "bq://a.t_v1", "bq://a.t_v2" };
	struct honk_catalog cat = HONK_CATALOG_INIT;
	struct honk_diff d = HONK_DIFF_INIT;
	const struct honk_dataset *ds;

	(void)state;
	load(&cat, schemas, locs, 2);
	ds = &cat.datasets[0];
	assert_int_equal(honk_diff_schemas(&d, &ds->versions[0].schema,
					   &ds->versions[1].schema, locs[0],
					   locs[1]),
			 0);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.v[0].kind, HONK_LOCATION_CHANGED);
	assert_true(d.v[0].backward && d.v[0].forward);
	honk_diff_release(&d);
	assert_int_equal(honk_diff_schemas(&d, &ds->versions[0].schema,
					   &ds->versions[0].schema, locs[0],
					   locs[0]),
			 0);
	assert_int_equal(d.n, 0);
	honk_diff_release(&d);
	honk_catalog_release(&cat);
}

static void transitive_policies_check_every_earlier_version(void **state)
{
	/* v2 -> v3 is backward compatible, v1 -> v3 is not */
	const char *back[] = {
		"[{name: k, type: string}]",
		"[{name: k, type: string}, {name: x, type: string, required: true, default: a}]",
		"[{name: k, type: string}, {name: x, type: string, required: true}]"
	};
	/* v2 -> v3 is forward compatible, v1 -> v3 is not */
	const char *fwd[] = {
		"[{name: k, type: string}, {name: x, type: string, required: true}]",
		"[{name: k, type: string}, {name: x, type: string}]",
		"[{name: k, type: string}]"
	};
	struct honk_catalog cat = HONK_CATALOG_INIT;
	const struct honk_dataset *ds;
	int64_t against = -1;

	(void)state;
	load(&cat, back, NULL, 3);
	ds = &cat.datasets[0];
	assert_int_equal(
		honk_version_check(ds, 2, HONK_POLICY_BACKWARD, &against), 0);
	assert_int_equal(honk_version_check(ds, 2,
					    HONK_POLICY_BACKWARD_TRANSITIVE,
					    &against),
			 1);
	assert_int_equal(against, 1);
	assert_int_equal(honk_version_check(ds, 2, HONK_POLICY_FULL, &against),
			 0);
	assert_int_equal(honk_version_check(ds, 2, HONK_POLICY_FULL_TRANSITIVE,
					    &against),
			 1);
	assert_int_equal(honk_version_check(ds, 2,
					    HONK_POLICY_FORWARD_TRANSITIVE,
					    &against),
			 0);
	assert_int_equal(honk_version_check(ds, 2, HONK_POLICY_NONE, &against),
			 0);
	honk_catalog_release(&cat);

	load(&cat, fwd, NULL, 3);
	ds = &cat.datasets[0];
	assert_int_equal(
		honk_version_check(ds, 2, HONK_POLICY_FORWARD, &against), 0);
	against = -1;
	assert_int_equal(honk_version_check(ds, 2,
					    HONK_POLICY_FORWARD_TRANSITIVE,
					    &against),
			 1);
	assert_int_equal(against, 1);
	assert_int_equal(honk_version_check(ds, 2,
					    HONK_POLICY_BACKWARD_TRANSITIVE,
					    &against),
			 0);
	assert_int_equal(
		honk_version_check(ds, 1, HONK_POLICY_FORWARD, &against), 1);
	assert_int_equal(honk_version_check(ds, 0, HONK_POLICY_FULL, &against),
			 0);
	honk_catalog_release(&cat);
}

/* A field of one type, or a union of the types given (-1 ends them). */
static struct honk_field field_of(const char *name, enum honk_ftype *store,
				  int t0, int t1, int t2)
{
	struct honk_field f;
	int ts[3] = { t0, t1, t2 };
	size_t i;

	memset(&f, 0, sizeof(f));
	f.name = name;
	if (t1 < 0) {
		f.type = (enum honk_ftype)t0;
		return f;
	}
	f.type = HONK_T_UNION;
	f.variants = store;
	for (i = 0; i < 3 && ts[i] >= 0; i++)
		store[f.nvariants++] = (enum honk_ftype)ts[i];
	return f;
}

static void one_change(struct honk_field a, struct honk_field b,
		       enum honk_change_kind kind, int backward, int forward,
		       const char *from, const char *to)
{
	struct honk_schema sa = { &a, 1, NULL }, sb = { &b, 1, NULL };
	struct honk_diff d = HONK_DIFF_INIT;

	assert_int_equal(honk_diff_schemas(&d, &sa, &sb, NULL, NULL), 0);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.v[0].kind, kind);
	assert_int_equal(d.v[0].backward, backward);
	assert_int_equal(d.v[0].forward, forward);
	assert_string_equal(d.v[0].from_type, from);
	assert_string_equal(d.v[0].to_type, to);
	honk_diff_release(&d);
}

/* Unions (JSON Schema type lists) compare as sets of types. */
static void unions_compare_as_sets(void **state)
{
	enum honk_ftype x[3], y[3];
	struct honk_schema sa, sb;
	struct honk_diff d = HONK_DIFF_INIT;
	struct honk_field a, b;

	(void)state;
	/* a type joins: widened; one leaves: narrowed; both: changed */
	one_change(field_of("p", x, HONK_T_STRING, HONK_T_ARRAY, -1),
		   field_of("p", y, HONK_T_STRING, HONK_T_RECORD, HONK_T_ARRAY),
		   HONK_TYPE_WIDENED, 1, 0, "union(string|array)",
		   "union(string|record|array)");
	one_change(field_of("p", x, HONK_T_STRING, HONK_T_RECORD, HONK_T_ARRAY),
		   field_of("p", y, HONK_T_STRING, HONK_T_ARRAY, -1),
		   HONK_TYPE_NARROWED, 0, 1, "union(string|record|array)",
		   "union(string|array)");
	one_change(field_of("p", x, HONK_T_STRING, HONK_T_ARRAY, -1),
		   field_of("p", y, HONK_T_STRING, HONK_T_RECORD, -1),
		   HONK_TYPE_CHANGED, 0, 0, "union(string|array)",
		   "union(string|record)");
	/* a type into a union that holds it, and back */
	one_change(field_of("p", x, HONK_T_STRING, -1, -1),
		   field_of("p", y, HONK_T_STRING, HONK_T_INT64, -1),
		   HONK_TYPE_WIDENED, 1, 0, "string", "union(string|int64)");
	one_change(field_of("p", x, HONK_T_STRING, HONK_T_INT64, -1),
		   field_of("p", y, HONK_T_INT64, -1, -1), HONK_TYPE_NARROWED,
		   0, 1, "union(string|int64)", "int64");
	one_change(field_of("p", x, HONK_T_BOOLEAN, -1, -1),
		   field_of("p", y, HONK_T_STRING, HONK_T_INT64, -1),
		   HONK_TYPE_CHANGED, 0, 0, "boolean", "union(string|int64)");
	/* the same set: nothing */
	a = field_of("p", x, HONK_T_STRING, HONK_T_ARRAY, -1);
	b = field_of("p", y, HONK_T_STRING, HONK_T_ARRAY, -1);
	sa.fields = &a;
	sa.nfields = 1;
	sa.root = NULL;
	sb.fields = &b;
	sb.nfields = 1;
	sb.root = NULL;
	assert_int_equal(honk_diff_schemas(&d, &sa, &sb, NULL, NULL), 0);
	assert_int_equal(d.n, 0);
	honk_diff_release(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_row_in_every_context),
		cmocka_unit_test(unions_compare_as_sets),
		cmocka_unit_test(rename_carries_changes_of_the_renamed_field),
		cmocka_unit_test(location_change_and_identity),
		cmocka_unit_test(
			transitive_policies_check_every_earlier_version),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
