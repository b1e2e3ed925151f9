/*
 * Unit tests for the honk schema model read from YAML: the shapes the
 * model accepts, every refusal with its message and position, and
 * looking fields up by dotted path.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "diag.h"
#include "error.h"
#include "schema.h"
#include "yaml.h"
#include "banned.h"

struct parsed {
	struct honk_ydoc doc;
	struct honk_arena arena;
	struct honk_diags diags;
	struct honk_yctx c;
	struct honk_schema s;
	int err;
};

static void parse(struct parsed *p, const char *src)
{
	struct honk_ydoc doc = HONK_YDOC_INIT;
	struct honk_arena arena = HONK_ARENA_INIT;
	struct honk_diags diags = HONK_DIAGS_INIT;

	memset(&p->s, 0, sizeof(p->s));
	p->doc = doc;
	p->arena = arena;
	p->diags = diags;
	assert_int_equal(honk_ydoc_parse(&p->doc, "s.yaml", src, strlen(src),
					 NULL, &p->diags),
			 0);
	assert_non_null(p->doc.root);
	honk_yctx_init(&p->c, "s.yaml", &p->diags, &p->arena);
	p->err = honk_schema_from_yaml(&p->s, &p->c, p->doc.root);
	honk_diags_sort(&p->diags);
}

static void release(struct parsed *p)
{
	honk_ydoc_release(&p->doc);
	honk_diags_release(&p->diags);
	honk_arena_release(&p->arena);
}

static void dump(const struct honk_diags *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		print_message("  %u:%u: %s\n", d->v[i].line, d->v[i].col,
			      d->v[i].msg);
}

static void parsed_ok(struct parsed *p, const char *src)
{
	parse(p, src);
	if (p->err || p->diags.n) {
		dump(&p->diags);
		fail_msg("schema refused");
	}
	assert_int_equal(p->c.errors, 0);
}

/* Refused, and diagnostic i is line:col: msg. */
static void diag_is(const struct parsed *p, size_t i, unsigned line,
		    unsigned col, const char *msg)
{
	const struct honk_diags *d = &p->diags;

	assert_int_equal(p->err, HONK_EINVALID);
	if (i >= d->n || d->v[i].line != line || d->v[i].col != col ||
	    strcmp(d->v[i].msg, msg) != 0) {
		dump(d);
		fail_msg("expected #%zu %u:%u: %s", i, line, col, msg);
	}
}

static void refused(const char *src, unsigned line, unsigned col,
		    const char *msg)
{
	struct parsed p;

	parse(&p, src);
	diag_is(&p, 0, line, col, msg);
	if (p.diags.n != 1) {
		dump(&p.diags);
		fail_msg("expected one diagnostic, got %zu", p.diags.n);
	}
	release(&p);
}

static void test_nested_record(void **state)
{
	struct parsed p;
	const struct honk_field *f, *d;

	(void)state;
	parsed_ok(
		&p,
		"- {name: user_id, type: string, required: true,\n"
		"   description: who played}\n"
		"- {name: ts, type: timestamp, renamed_from: played_at}\n"
		"- {name: plays, type: int64, default: 0}\n"
		"- name: device\n"
		"  type: record\n"
		"  fields:\n"
		"    - {name: os, type: string}\n"
		"    - name: screen\n"
		"      type: record\n"
		"      fields: [{name: w, type: int32}, {name: h, type: int32}]\n");
	assert_int_equal(p.s.nfields, 4);
	f = &p.s.fields[0];
	assert_string_equal(f->name, "user_id");
	assert_int_equal(f->type, HONK_T_STRING);
	assert_int_equal(f->required, 1);
	assert_string_equal(f->description, "who played");
	assert_null(f->default_value);
	assert_int_equal(f->line, 1);
	assert_int_equal(f->col, 3);
	f = &p.s.fields[1];
	assert_int_equal(f->type, HONK_T_TIMESTAMP);
	assert_int_equal(f->required, 0);
	assert_string_equal(f->renamed_from, "played_at");
	assert_string_equal(p.s.fields[2].default_value, "0");
	f = &p.s.fields[3];
	assert_string_equal(f->name, "device");
	assert_int_equal(f->type, HONK_T_RECORD);
	assert_int_equal(f->line, 5);
	assert_int_equal(f->col, 3);
	assert_int_equal(f->nfields, 2);
	assert_string_equal(f->fields[0].name, "os");
	d = &f->fields[1];
	assert_int_equal(d->type, HONK_T_RECORD);
	assert_int_equal(d->nfields, 2);
	assert_string_equal(d->fields[1].name, "h");
	assert_int_equal(d->fields[1].type, HONK_T_INT32);
	assert_int_equal(d->fields[1].line, 11);

	/* the model outlives the document it came from */
	honk_ydoc_release(&p.doc);
	assert_string_equal(p.s.fields[3].fields[1].fields[0].name, "w");
	release(&p);
}

static void test_every_type_name(void **state)
{
	struct honk_buf b = HONK_BUF_INIT;
	struct parsed p;
	int t;

	(void)state;
	for (t = 0; t < HONK_T__COUNT; t++) {
		honk_buf_addf(&b, "- {name: f%d, type: %s", t,
			      honk_ftype_names[t]);
		if (t == HONK_T_RECORD)
			honk_buf_addstr(&b,
					", fields: [{name: x, type: string}]");
		else if (t == HONK_T_ARRAY)
			honk_buf_addstr(&b, ", items: string");
		else if (t == HONK_T_MAP)
			honk_buf_addstr(&b, ", values: int64");
		else if (t == HONK_T_ENUM)
			honk_buf_addstr(&b, ", symbols: [a]");
		else if (t == HONK_T_DECIMAL)
			honk_buf_addstr(&b, ", precision: 10, scale: 2");
		honk_buf_addstr(&b, "}\n");
	}
	parsed_ok(&p, b.buf);
	assert_int_equal(p.s.nfields, HONK_T__COUNT);
	for (t = 0; t < HONK_T__COUNT; t++)
		assert_int_equal(p.s.fields[t].type, t);
	assert_true(p.s.fields[HONK_T_DECIMAL].precision == 10);
	assert_true(p.s.fields[HONK_T_DECIMAL].scale == 2);
	assert_null(honk_ftype_names[HONK_T__COUNT]);
	release(&p);
	honk_buf_release(&b);
}

static void test_array_items(void **state)
{
	struct parsed p;
	const struct honk_field *f;

	(void)state;
	parsed_ok(
		&p,
		"- {name: tags, type: array, items: string}\n"
		"- name: events\n"
		"  type: array\n"
		"  items:\n"
		"    type: record\n"
		"    fields: [{name: kind, type: string}]\n"
		"- {name: grid, type: array, items: {type: array, items: int32}}\n");
	f = &p.s.fields[0];
	assert_int_equal(f->type, HONK_T_ARRAY);
	assert_non_null(f->items);
	assert_null(f->items->name);
	assert_int_equal(f->items->type, HONK_T_STRING);
	assert_int_equal(f->items->line, 1);
	assert_int_equal(f->items->col, 36);
	f = &p.s.fields[1];
	assert_int_equal(f->items->type, HONK_T_RECORD);
	assert_null(f->items->name);
	assert_int_equal(f->items->nfields, 1);
	assert_string_equal(f->items->fields[0].name, "kind");
	f = &p.s.fields[2];
	assert_int_equal(f->items->type, HONK_T_ARRAY);
	assert_int_equal(f->items->items->type, HONK_T_INT32);
	release(&p);

	refused("- {name: a, type: array}\n", 1, 3,
		"an array needs 'items' (at [0])");
	refused("- {name: a, type: array, items: strng}\n", 1, 33,
		"unknown value 'strng', did you mean 'string'? (one of: boolean, int32, int64, float32, float64, decimal, string, bytes, date, time, timestamp, record, array, map, enum) (at [0].items)");
	refused("- {name: a, type: array, items: record}\n", 1, 33,
		"type record needs a mapping with its details (at [0].items)");
	refused("- {name: a, type: array, items: {name: x, type: int32}}\n", 1,
		40, "an item type has no name (at [0].items.name)");
	refused("- {name: a, type: array, items: [string]}\n", 1, 33,
		"expected an item type as a mapping, found a list (at [0].items)");
}

static void test_map_values(void **state)
{
	struct parsed p;
	const struct honk_field *f;

	(void)state;
	parsed_ok(
		&p,
		"- {name: counts, type: map, values: int64}\n"
		"- {name: attrs, type: map, values: {type: enum, symbols: [x, y]}}\n");
	f = &p.s.fields[0];
	assert_int_equal(f->type, HONK_T_MAP);
	assert_int_equal(f->values->type, HONK_T_INT64);
	assert_null(f->items);
	f = &p.s.fields[1];
	assert_int_equal(f->values->type, HONK_T_ENUM);
	assert_int_equal(f->values->nsymbols, 2);
	assert_string_equal(f->values->symbols[1], "y");
	release(&p);

	refused("- {name: m, type: map}\n", 1, 3,
		"a map needs 'values' (at [0])");
	refused("- {name: m, type: map, values: enum}\n", 1, 32,
		"type enum needs a mapping with its details (at [0].values)");
}

static void test_enum_symbols(void **state)
{
	struct parsed p;

	(void)state;
	parsed_ok(&p, "- {name: kind, type: enum, symbols: [song, podcast]}\n");
	assert_int_equal(p.s.fields[0].nsymbols, 2);
	assert_string_equal(p.s.fields[0].symbols[0], "song");
	assert_string_equal(p.s.fields[0].symbols[1], "podcast");
	release(&p);

	refused("- {name: kind, type: enum}\n", 1, 3,
		"an enum needs 'symbols' (at [0])");
	refused("- {name: kind, type: enum, symbols: []}\n", 1, 37,
		"an enum needs at least one symbol (at [0])");
	refused("- {name: kind, type: enum, symbols: [song, podcast, song]}\n",
		1, 53, "duplicate enum symbol 'song' (at [0].symbols)");
	refused("- {name: kind, type: enum, symbols: song}\n", 1, 37,
		"expected a list of strings, found a scalar (at [0].symbols)");
}

static void test_duplicate_fields(void **state)
{
	struct parsed p;

	(void)state;
	refused("- {name: a, type: string}\n"
		"- {name: b, type: string}\n"
		"- {name: a, type: int32}\n",
		3, 3, "duplicate field 'a' (first at line 1)");
	/* in a nested record, with the key path of the record */
	refused("- name: r\n"
		"  type: record\n"
		"  fields:\n"
		"    - {name: x, type: string}\n"
		"    - {name: x, type: string}\n",
		5, 7, "duplicate field 'x' (first at line 4) (at [0].fields)");
	/* the same name at different levels is fine */
	parsed_ok(
		&p,
		"- {name: x, type: record, fields: [{name: x, type: string}]}\n");
	release(&p);
}

static void test_type_refusals(void **state)
{
	(void)state;
	refused("- {name: a, type: strng}\n", 1, 19,
		"unknown value 'strng', did you mean 'string'? (one of: boolean, int32, int64, float32, float64, decimal, string, bytes, date, time, timestamp, record, array, map, enum) (at [0].type)");
	refused("- {name: a, type: varchar}\n", 1, 19,
		"unknown value 'varchar' (one of: boolean, int32, int64, float32, float64, decimal, string, bytes, date, time, timestamp, record, array, map, enum) (at [0].type)");
	refused("- {name: a}\n", 1, 3,
		"missing required key 'type' in a field (at [0])");
	refused("- {type: string}\n", 1, 3,
		"missing required key 'name' in a field (at [0])");
	refused("- {name: a, type: string, requierd: true}\n", 1, 27,
		"unknown key 'requierd' in a field, did you mean 'required'? (at [0])");
	refused("- {name: User, type: string}\n", 1, 10,
		"invalid field name 'User': upper-case letters are not allowed (at [0].name)");
	refused("- {name: a, type: string, required: 1}\n", 1, 37,
		"expected true or false, found '1' (at [0].required)");
	refused("- {name: a, type: string, default: [1]}\n", 1, 36,
		"a default must be a scalar (at [0].default)");
	refused("{name: a, type: string}\n", 1, 1, "expected a list of fields");
	refused("- a\n", 1, 3,
		"expected a field as a mapping, found a scalar (at [0])");
}

static void test_keys_of_other_types(void **state)
{
	(void)state;
	refused("- {name: a, type: string, symbols: [x]}\n", 1, 36,
		"'symbols' is only allowed on type enum, not string (at [0])");
	refused("- {name: a, type: int32, fields: [{name: b, type: string}]}\n",
		1, 34,
		"'fields' is only allowed on type record, not int32 (at [0])");
	refused("- {name: a, type: string, items: string}\n", 1, 34,
		"'items' is only allowed on type array, not string (at [0])");
	refused("- {name: a, type: array, items: string, values: string}\n", 1,
		49, "'values' is only allowed on type map, not array (at [0])");
	refused("- {name: a, type: float64, precision: 10}\n", 1, 39,
		"'precision' is only allowed on type decimal, not float64 (at [0])");
}

static void test_decimal(void **state)
{
	struct parsed p;

	(void)state;
	parsed_ok(&p, "- {name: a, type: decimal, precision: 10, scale: 10}\n"
		      "- {name: b, type: decimal}\n");
	assert_true(p.s.fields[0].precision == 10);
	assert_true(p.s.fields[0].scale == 10);
	assert_true(p.s.fields[1].precision == 0);
	release(&p);

	refused("- {name: a, type: decimal, precision: 3, scale: 5}\n", 1, 49,
		"scale 5 is larger than precision 3 (at [0])");
	refused("- {name: a, type: decimal, precision: 0}\n", 1, 39,
		"'0' is out of range [1, 76] (at [0].precision)");
	refused("- {name: a, type: decimal, precision: 77}\n", 1, 39,
		"'77' is out of range [1, 76] (at [0].precision)");
	refused("- {name: a, type: decimal, precision: \"10\"}\n", 1, 39,
		"expected an integer, found a quoted string (at [0].precision)");
}

static void test_all_problems_reported(void **state)
{
	struct parsed p;

	(void)state;
	parse(&p, "- {name: a, type: strng}\n"
		  "- {name: b, type: enum}\n"
		  "- {name: a, type: string}\n");
	assert_int_equal(p.diags.n, 3);
	diag_is(&p, 0, 1, 19,
		"unknown value 'strng', did you mean 'string'? (one of: boolean, int32, int64, float32, float64, decimal, string, bytes, date, time, timestamp, record, array, map, enum) (at [0].type)");
	diag_is(&p, 1, 2, 3, "an enum needs 'symbols' (at [1])");
	diag_is(&p, 2, 3, 3, "duplicate field 'a' (first at line 1)");
	release(&p);
}

static void test_find(void **state)
{
	struct parsed p;
	const struct honk_field *f;

	(void)state;
	parsed_ok(
		&p,
		"- {name: user_id, type: string}\n"
		"- name: device\n"
		"  type: record\n"
		"  fields:\n"
		"    - {name: os, type: string}\n"
		"    - {name: screen, type: record, fields: [{name: w, type: int32}]}\n"
		"- name: events\n"
		"  type: array\n"
		"  items: {type: record, fields: [{name: kind, type: string}]}\n"
		"- name: attrs\n"
		"  type: map\n"
		"  values: {type: record, fields: [{name: v, type: bytes}]}\n"
		"- {name: tags, type: array, items: string}\n");
	f = honk_schema_find(&p.s, "user_id");
	assert_ptr_equal(f, &p.s.fields[0]);
	f = honk_schema_find(&p.s, "device");
	assert_ptr_equal(f, &p.s.fields[1]);
	f = honk_schema_find(&p.s, "device.os");
	assert_ptr_equal(f, &p.s.fields[1].fields[0]);
	f = honk_schema_find(&p.s, "device.screen.w");
	assert_non_null(f);
	assert_string_equal(f->name, "w");
	assert_int_equal(f->type, HONK_T_INT32);
	f = honk_schema_find(&p.s, "events.kind");
	assert_ptr_equal(f, &p.s.fields[2].items->fields[0]);
	f = honk_schema_find(&p.s, "attrs.v");
	assert_non_null(f);
	assert_int_equal(f->type, HONK_T_BYTES);

	assert_null(honk_schema_find(&p.s, "missing"));
	assert_null(honk_schema_find(&p.s, "device.missing"));
	assert_null(honk_schema_find(&p.s, "device.os.deeper"));
	assert_null(honk_schema_find(&p.s, "tags.x"));
	assert_null(honk_schema_find(&p.s, "user"));
	assert_null(honk_schema_find(&p.s, "user_id_x"));
	assert_null(honk_schema_find(&p.s, "devic.os"));
	assert_null(honk_schema_find(&p.s, ""));
	assert_null(honk_schema_find(&p.s, "device."));
	assert_null(honk_schema_find(&p.s, ".device"));
	release(&p);
}

static void test_importer_find(void **state)
{
	const struct honk_importer *imp, *js;

	(void)state;
	imp = honk_importer_find("honk", NULL);
	assert_non_null(imp);
	assert_string_equal(imp->format, "honk");
	js = honk_importer_find("jsonschema", NULL);
	assert_non_null(js);
	/* by extension: .yaml, .yml and .json are JSON Schema, .avsc Avro */
	assert_ptr_equal(honk_importer_find(NULL, "schemas/a/1.yaml"), js);
	assert_ptr_equal(honk_importer_find(NULL, "schemas/a/1.yml"), js);
	assert_ptr_equal(honk_importer_find(NULL, "schemas/a/1.json"), js);
	assert_string_equal(
		honk_importer_find(NULL, "schemas/a/1.avsc")->format, "avro");
	assert_null(honk_importer_find(NULL, ".yaml"));
	assert_null(honk_importer_find(NULL, "schemas/a/1.txt"));
	assert_string_equal(honk_importer_find("bigquery", "x.yaml")->format,
			    "bigquery");
	assert_null(honk_importer_find("nope", NULL));
	/* sniffing: a JSON list is BigQuery, a record is Avro */
	assert_string_equal(honk_importer_sniff("x.json",
						" [{\"name\": \"a\"}]", 17)
				    ->format,
			    "bigquery");
	assert_string_equal(honk_importer_sniff("x.json",
						"{\"type\": \"record\"}", 18)
				    ->format,
			    "avro");
	assert_ptr_equal(
		honk_importer_sniff("x.json", "{\"properties\": {}}", 18), js);
}

static void test_import_honk_file(void **state)
{
	static const char good[] = "fields:\n  - {name: a, type: string}\n";
	static const char bad[] = "fields: []\nextra: 1\n";
	struct honk_arena arena = HONK_ARENA_INIT;
	struct honk_diags diags = HONK_DIAGS_INIT;
	struct honk_schema s = { NULL, 0, NULL };
	const struct honk_importer *imp = honk_importer_find("honk", NULL);

	(void)state;
	assert_int_equal(imp->import(&s, &arena, "x.yaml", good,
				     sizeof(good) - 1, &diags),
			 0);
	assert_int_equal(s.nfields, 1);
	assert_string_equal(s.fields[0].name, "a");
	assert_int_equal(diags.n, 0);

	assert_int_equal(imp->import(&s, &arena, "x.yaml", bad, sizeof(bad) - 1,
				     &diags),
			 HONK_EINVALID);
	assert_int_equal(diags.n, 1);
	assert_string_equal(diags.v[0].msg,
			    "unknown key 'extra' in a schema file");
	assert_int_equal(diags.v[0].line, 2);

	assert_int_equal(imp->import(&s, &arena, "x.yaml", "", 0, &diags),
			 HONK_EINVALID);
	assert_string_equal(diags.v[1].msg, "schema file is empty");
	honk_diags_release(&diags);
	honk_arena_release(&arena);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nested_record),
		cmocka_unit_test(test_every_type_name),
		cmocka_unit_test(test_array_items),
		cmocka_unit_test(test_map_values),
		cmocka_unit_test(test_enum_symbols),
		cmocka_unit_test(test_duplicate_fields),
		cmocka_unit_test(test_type_refusals),
		cmocka_unit_test(test_keys_of_other_types),
		cmocka_unit_test(test_decimal),
		cmocka_unit_test(test_all_problems_reported),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_importer_find),
		cmocka_unit_test(test_import_honk_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
