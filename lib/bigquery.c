/*
 * The BigQuery importer: a table schema in BigQuery's JSON form (a list
 * of fields, or {"fields": [...]}, or {"schema": {"fields": [...]}}) onto
 * the honk model.
 *
 * Mapping: mode REQUIRED -> required, NULLABLE (the default) -> optional,
 * REPEATED -> an array of the type; RECORD/STRUCT -> record; INTEGER/
 * INT64 -> int64, FLOAT/FLOAT64 -> float64, NUMERIC -> decimal(38, 9) and
 * BIGNUMERIC -> decimal(76, 38) unless precision and scale say otherwise,
 * BOOLEAN/BOOL, STRING, BYTES, DATE, TIME, TIMESTAMP and DATETIME ->
 * timestamp. GEOGRAPHY, JSON, INTERVAL and RANGE have no place in the
 * model and are errors with their position. Keys BigQuery adds that do
 * not change the shape (policyTags, maxLength, collation,
 * defaultValueExpression, roundingMode) are ignored; any other key is an
 * error, so a typo cannot pass.
 */
#include "bigquery.h"

#include <string.h>
#include <strings.h>

#include "error.h"
#include "parse.h"
#include "yaml.h"
#include "banned.h"

static const char *const known[] = { "name",
				     "type",
				     "mode",
				     "fields",
				     "description",
				     "policyTags",
				     "maxLength",
				     "precision",
				     "scale",
				     "collation",
				     "defaultValueExpression",
				     "roundingMode",
				     NULL };

static const struct {
	const char *bq;
	enum honk_ftype type;
} types[] = {
	{ "STRING", HONK_T_STRING },	   { "BYTES", HONK_T_BYTES },
	{ "INTEGER", HONK_T_INT64 },	   { "INT64", HONK_T_INT64 },
	{ "FLOAT", HONK_T_FLOAT64 },	   { "FLOAT64", HONK_T_FLOAT64 },
	{ "NUMERIC", HONK_T_DECIMAL },	   { "BIGNUMERIC", HONK_T_DECIMAL },
	{ "BOOLEAN", HONK_T_BOOLEAN },	   { "BOOL", HONK_T_BOOLEAN },
	{ "TIMESTAMP", HONK_T_TIMESTAMP }, { "DATETIME", HONK_T_TIMESTAMP },
	{ "DATE", HONK_T_DATE },	   { "TIME", HONK_T_TIME },
	{ "RECORD", HONK_T_RECORD },	   { "STRUCT", HONK_T_RECORD },
};

static int map_fields(struct honk_yctx *c, const struct honk_ynode *list,
		      struct honk_field **out, size_t *nout, unsigned depth);

/* BigQuery writes numbers as strings ("18"); take either form. */
static int number(struct honk_yctx *c, const struct honk_ynode *n, int64_t min,
		  int64_t max, int64_t *out)
{
	if (n->type != HONK_YSCALAR ||
	    honk_parse_int(out, n->str, min, max) < 0)
		return honk_yerror(c, n, "expected a number in [%lld, %lld]",
				   (long long)min, (long long)max);
	return 0;
}

static int map_field(struct honk_yctx *c, const struct honk_ynode *n,
		     struct honk_field *f, unsigned depth)
{
	const struct honk_ynode *k, *v;
	const char *type, *mode = "NULLABLE";
	struct honk_field *elem = f;
	size_t i;

	if (n->type != HONK_YMAP)
		return honk_yerror(c, n, "a field must be a mapping");
	for (k = n->first; k && k->next; k = k->next->next) {
		const char *s;
		size_t j;

		for (j = 0; known[j]; j++)
			if (!strcmp(k->str, known[j]))
				break;
		if (known[j])
			continue;
		s = honk_suggest(k->str, known);
		if (s)
			honk_yerror(
				c, k,
				"unknown key '%s' in a BigQuery field, did you mean '%s'?",
				k->str, s);
		else
			honk_yerror(c, k,
				    "unknown key '%s' in a BigQuery field",
				    k->str);
	}
	f->line = n->line;
	f->col = n->col;
	v = honk_ymap_get(n, "name");
	if (!v || v->type != HONK_YSCALAR || !v->len)
		return honk_yerror(c, n, "a field needs a 'name'");
	f->name = honk_arena_strndup(c->arena, v->str, v->len);
	if ((v = honk_ymap_get(n, "description")) && v->type == HONK_YSCALAR)
		f->description = honk_arena_strndup(c->arena, v->str, v->len);
	v = honk_ymap_get(n, "type");
	if (!v || v->type != HONK_YSCALAR)
		return honk_yerror(c, n, "a field needs a 'type'");
	type = v->str;
	if ((k = honk_ymap_get(n, "mode"))) {
		if (k->type != HONK_YSCALAR)
			return honk_yerror(
				c, k,
				"'mode' must be REQUIRED, NULLABLE or REPEATED");
		mode = k->str;
	}
	if (!strcasecmp(mode, "REPEATED")) {
		f->type = HONK_T_ARRAY;
		f->items = honk_arena_alloc(c->arena, sizeof(*f->items));
		if (!f->items)
			return HONK_ERROR;
		elem = f->items;
		elem->line = n->line;
		elem->col = n->col;
	} else if (!strcasecmp(mode, "REQUIRED")) {
		f->required = 1;
	} else if (strcasecmp(mode, "NULLABLE") != 0) {
		return honk_yerror(
			c, k,
			"'mode' must be REQUIRED, NULLABLE or REPEATED, not '%s'",
			mode);
	}
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcasecmp(type, types[i].bq))
			break;
	if (i == sizeof(types) / sizeof(types[0]))
		return honk_yerror(
			c, v,
			"BigQuery type '%s' cannot be mapped onto honk's schema model",
			type);
	elem->type = types[i].type;
	if (elem->type == HONK_T_DECIMAL) {
		int big = !strcasecmp(type, "BIGNUMERIC");
		const struct honk_ynode *p = honk_ymap_get(n, "precision");
		const struct honk_ynode *s = honk_ymap_get(n, "scale");

		elem->precision = big ? 76 : 38;
		elem->scale = big ? 38 : 9;
		if (p && number(c, p, 1, 76, &elem->precision) < 0)
			return HONK_EINVALID;
		if (s && number(c, s, 0, elem->precision, &elem->scale) < 0)
			return HONK_EINVALID;
	}
	if (elem->type == HONK_T_RECORD) {
		const struct honk_ynode *sub = honk_ymap_get(n, "fields");

		if (depth >= 15)
			return honk_yerror(
				c, n,
				"records nested deeper than BigQuery's 15 levels");
		if (!sub)
			return honk_yerror(c, n, "a RECORD needs its 'fields'");
		return map_fields(c, sub, &elem->fields, &elem->nfields,
				  depth + 1);
	}
	if (honk_ymap_get(n, "fields"))
		return honk_yerror(c, honk_ymap_get(n, "fields"),
				   "'fields' is only allowed on RECORD");
	return 0;
}

static int map_fields(struct honk_yctx *c, const struct honk_ynode *list,
		      struct honk_field **out, size_t *nout, unsigned depth)
{
	const struct honk_ynode *it;
	size_t i = 0;

	if (!list || list->type != HONK_YSEQ)
		return honk_yerror(c, list, "expected a list of fields");
	*out = honk_arena_alloc(c->arena,
				(list->n ? list->n : 1) * sizeof(**out));
	if (!*out)
		return HONK_ERROR;
	for (it = list->first; it; it = it->next)
		map_field(c, it, &(*out)[i++], depth);
	*nout = i;
	return honk_fields_unique(c, *out, i);
}

int honk_bigquery_import(struct honk_schema *out, struct honk_arena *arena,
			 const char *path, const char *data, size_t len,
			 struct honk_diags *diags)
{
	struct honk_ydoc doc = HONK_YDOC_INIT;
	const struct honk_ynode *list;
	struct honk_yctx c;
	int err;

	memset(out, 0, sizeof(*out));
	if ((err = honk_ydoc_parse(&doc, path, data, len, NULL, diags)) < 0)
		goto cleanup;
	if (!doc.root) {
		err = honk_diag_add(diags, path, 1, 1, "schema file is empty");
		goto cleanup;
	}
	honk_yctx_init(&c, path, diags, arena);
	list = doc.root;
	if (list->type == HONK_YMAP && honk_ymap_get(list, "schema"))
		list = honk_ymap_get(list, "schema");
	if (list->type == HONK_YMAP)
		list = honk_ymap_get(list, "fields");
	if (!list) {
		err = honk_yerror(
			&c, doc.root,
			"expected a list of fields, {\"fields\": [...]} or {\"schema\": {\"fields\": [...]}}");
		goto cleanup;
	}
	map_fields(&c, list, &out->fields, &out->nfields, 0);
	err = c.errors ? HONK_EINVALID : 0;
cleanup:
	honk_ydoc_release(&doc);
	return err;
}
