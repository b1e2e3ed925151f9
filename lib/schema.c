/*
 * The honk schema model and its own YAML form.
 *
 * Invariants after a successful honk_schema_from_yaml(): every field of a
 * record (and the top level) has a unique valid name; every type is known;
 * records have fields, arrays items, maps values, enums unique symbols;
 * decimal scale never exceeds precision. Keys that belong to another type
 * (symbols on a string) are refused, so typos cannot hide.
 */
#include "schema.h"

#include <string.h>

#include "avro.h"
#include "bigquery.h"
#include "error.h"
#include "jsonschema.h"
#include "names.h"
#include "banned.h"

const char *const honk_ftype_names[] = {
	"boolean", "int32", "int64", "float32", "float64",   "decimal",
	"string",  "bytes", "date",  "time",	"timestamp", "record",
	"array",   "map",   "enum",  NULL,	"union"
};

const char *const honk_schema_formats[] = { "avro", "jsonschema", "bigquery",
					    "honk", NULL };

struct field_ctx {
	struct honk_field *f;
	const struct honk_ynode *node;
	int has_type;
	int anonymous; /* items/values: no name allowed */
};

static int parse_fields(struct honk_yctx *c, const struct honk_ynode *n,
			struct honk_field **out, size_t *nout);
static int parse_anon(struct honk_yctx *c, const struct honk_ynode *n,
		      struct honk_field **out);

static int k_name(struct honk_yctx *c, const struct honk_ynode *n, void *obj)
{
	struct field_ctx *fc = obj;

	if (fc->anonymous)
		return honk_yerror(c, n, "an item type has no name");
	return honk_y_name(c, n, "field", &fc->f->name);
}

static int k_type(struct honk_yctx *c, const struct honk_ynode *n, void *obj)
{
	struct field_ctx *fc = obj;
	int t;

	if (honk_y_enum(c, n, honk_ftype_names, &t) < 0)
		return HONK_EINVALID;
	fc->f->type = (enum honk_ftype)t;
	fc->has_type = 1;
	return 0;
}

static int k_required(struct honk_yctx *c, const struct honk_ynode *n,
		      void *obj)
{
	return honk_y_bool(c, n, &((struct field_ctx *)obj)->f->required);
}

static int k_default(struct honk_yctx *c, const struct honk_ynode *n, void *obj)
{
	struct field_ctx *fc = obj;

	if (n->type != HONK_YSCALAR)
		return honk_yerror(c, n, "a default must be a scalar");
	if (!n->quoted && honk_ynode_is_null(n))
		return 0; /* default: null is no default */
	fc->f->default_value = honk_arena_strndup(c->arena, n->str, n->len);
	return fc->f->default_value ? 0 : HONK_ERROR;
}

static int k_renamed(struct honk_yctx *c, const struct honk_ynode *n, void *obj)
{
	return honk_y_name(c, n, "field",
			   &((struct field_ctx *)obj)->f->renamed_from);
}

static int k_description(struct honk_yctx *c, const struct honk_ynode *n,
			 void *obj)
{
	return honk_y_str(c, n, &((struct field_ctx *)obj)->f->description);
}

static int k_fields(struct honk_yctx *c, const struct honk_ynode *n, void *obj)
{
	struct field_ctx *fc = obj;

	return parse_fields(c, n, &fc->f->fields, &fc->f->nfields);
}

static int k_items(struct honk_yctx *c, const struct honk_ynode *n, void *obj)
{
	return parse_anon(c, n, &((struct field_ctx *)obj)->f->items);
}

static int k_values(struct honk_yctx *c, const struct honk_ynode *n, void *obj)
{
	return parse_anon(c, n, &((struct field_ctx *)obj)->f->values);
}

static int k_symbols(struct honk_yctx *c, const struct honk_ynode *n, void *obj)
{
	struct field_ctx *fc = obj;
	const struct honk_ynode *it;
	size_t i, j;

	if (honk_y_strlist(c, n, &fc->f->symbols, &fc->f->nsymbols) < 0)
		return HONK_EINVALID;
	for (i = 0, it = n->first; i < fc->f->nsymbols; i++, it = it->next)
		for (j = 0; j < i; j++)
			if (!strcmp(fc->f->symbols[i], fc->f->symbols[j]))
				honk_yerror(c, it, "duplicate enum symbol '%s'",
					    fc->f->symbols[i]);
	return 0;
}

static int k_precision(struct honk_yctx *c, const struct honk_ynode *n,
		       void *obj)
{
	return honk_y_int(c, n, 1, 76,
			  &((struct field_ctx *)obj)->f->precision);
}

static int k_scale(struct honk_yctx *c, const struct honk_ynode *n, void *obj)
{
	return honk_y_int(c, n, 0, 76, &((struct field_ctx *)obj)->f->scale);
}

static const struct honk_ykey field_keys[] = {
	{ "name", 0, k_name },
	{ "type", HONK_YKEY_REQUIRED, k_type },
	{ "required", 0, k_required },
	{ "default", 0, k_default },
	{ "renamed_from", 0, k_renamed },
	{ "description", 0, k_description },
	{ "fields", 0, k_fields },
	{ "items", 0, k_items },
	{ "values", 0, k_values },
	{ "symbols", 0, k_symbols },
	{ "precision", 0, k_precision },
	{ "scale", 0, k_scale },
};

/* The keys that only make sense for one type, checked after the walk. */
static void check_shape(struct honk_yctx *c, const struct field_ctx *fc)
{
	const struct honk_field *f = fc->f;
	const struct honk_ynode *n = fc->node;
	static const struct {
		const char *key;
		enum honk_ftype type;
	} owned[] = {
		{ "fields", HONK_T_RECORD },	 { "items", HONK_T_ARRAY },
		{ "values", HONK_T_MAP },	 { "symbols", HONK_T_ENUM },
		{ "precision", HONK_T_DECIMAL }, { "scale", HONK_T_DECIMAL },
	};
	size_t i;

	if (!fc->has_type)
		return;
	for (i = 0; i < sizeof(owned) / sizeof(owned[0]); i++) {
		const struct honk_ynode *v = honk_ymap_get(n, owned[i].key);

		if (v && f->type != owned[i].type)
			honk_yerror(c, v,
				    "'%s' is only allowed on type %s, not %s",
				    owned[i].key,
				    honk_ftype_names[owned[i].type],
				    honk_ftype_names[f->type]);
	}
	switch (f->type) {
	case HONK_T_RECORD:
		if (!honk_ymap_get(n, "fields"))
			honk_yerror(c, n, "a record needs 'fields'");
		break;
	case HONK_T_ARRAY:
		if (!honk_ymap_get(n, "items"))
			honk_yerror(c, n, "an array needs 'items'");
		break;
	case HONK_T_MAP:
		if (!honk_ymap_get(n, "values"))
			honk_yerror(c, n, "a map needs 'values'");
		break;
	case HONK_T_ENUM: {
		const struct honk_ynode *v = honk_ymap_get(n, "symbols");

		if (!v)
			honk_yerror(c, n, "an enum needs 'symbols'");
		else if (v->type == HONK_YSEQ && v->n == 0)
			honk_yerror(c, v, "an enum needs at least one symbol");
		break;
	}
	case HONK_T_DECIMAL:
		if (f->scale > f->precision && f->precision)
			honk_yerror(c, honk_ymap_get(n, "scale"),
				    "scale %lld is larger than precision %lld",
				    (long long)f->scale,
				    (long long)f->precision);
		break;
	default:
		break;
	}
}

static int parse_field(struct honk_yctx *c, const struct honk_ynode *n,
		       struct honk_field *f, int anonymous)
{
	struct field_ctx fc = { f, n, 0, anonymous };
	int err;

	f->line = n->line;
	f->col = n->col;
	err = honk_ymap_walk(c, n, anonymous ? "an item type" : "a field",
			     field_keys,
			     sizeof(field_keys) / sizeof(field_keys[0]), &fc);
	if (n->type != HONK_YMAP)
		return err;
	check_shape(c, &fc);
	return err;
}

/* items/values: a type name ("string") or a mapping without a name. */
static int parse_anon(struct honk_yctx *c, const struct honk_ynode *n,
		      struct honk_field **out)
{
	struct honk_field *f = honk_arena_alloc(c->arena, sizeof(*f));
	int t;

	if (!f)
		return HONK_ERROR;
	*out = f;
	f->line = n->line;
	f->col = n->col;
	if (n->type == HONK_YSCALAR) {
		if (honk_y_enum(c, n, honk_ftype_names, &t) < 0)
			return HONK_EINVALID;
		f->type = (enum honk_ftype)t;
		if (t == HONK_T_RECORD || t == HONK_T_ARRAY ||
		    t == HONK_T_MAP || t == HONK_T_ENUM)
			return honk_yerror(
				c, n,
				"type %s needs a mapping with its details",
				honk_ftype_names[t]);
		return 0;
	}
	return parse_field(c, n, f, 1);
}

struct fields_ctx {
	struct honk_field *v;
};

static int field_item(struct honk_yctx *c, const struct honk_ynode *n, size_t i,
		      void *obj)
{
	struct fields_ctx *fc = obj;
	int err = parse_field(c, n, &fc->v[i], 0);

	if (n->type == HONK_YMAP && !honk_ymap_get(n, "name"))
		return honk_yerror(c, n,
				   "missing required key 'name' in a field");
	return err;
}

static int parse_fields(struct honk_yctx *c, const struct honk_ynode *n,
			struct honk_field **out, size_t *nout)
{
	struct fields_ctx fc;
	int err;

	if (n->type != HONK_YSEQ)
		return honk_yerror(c, n, "expected a list of fields");
	fc.v = honk_arena_alloc(c->arena, (n->n ? n->n : 1) * sizeof(*fc.v));
	if (!fc.v)
		return HONK_ERROR;
	err = honk_yseq_walk(c, n, field_item, &fc);
	*out = fc.v;
	*nout = n->n;
	if (honk_fields_unique(c, fc.v, n->n) < 0)
		err = HONK_EINVALID;
	return err;
}

int honk_fields_unique(struct honk_yctx *c, const struct honk_field *v,
		       size_t n)
{
	size_t i, j;
	int err = 0;

	/* quadratic, but records with thousands of fields do not exist */
	for (i = 1; i < n; i++) {
		if (!v[i].name)
			continue;
		for (j = 0; j < i; j++) {
			if (v[j].name && !strcmp(v[i].name, v[j].name)) {
				struct honk_ynode at = { 0 };

				at.line = v[i].line;
				at.col = v[i].col;
				err = honk_yerror(
					c, &at,
					"duplicate field '%s' (first at line %u)",
					v[i].name, v[j].line);
				break;
			}
		}
	}
	return err;
}

int honk_schema_from_yaml(struct honk_schema *out, struct honk_yctx *c,
			  const struct honk_ynode *n)
{
	return parse_fields(c, n, &out->fields, &out->nfields);
}

const struct honk_field *honk_schema_find(const struct honk_schema *s,
					  const char *path)
{
	const struct honk_field *fields = s->fields;
	size_t nfields = s->nfields;
	const char *p = path;

	for (;;) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);
		const struct honk_field *hit = NULL;
		size_t i;

		for (i = 0; i < nfields; i++) {
			if (fields[i].name && strlen(fields[i].name) == len &&
			    !memcmp(fields[i].name, p, len)) {
				hit = &fields[i];
				break;
			}
		}
		if (!hit || !dot)
			return hit;
		while (hit->type == HONK_T_ARRAY && hit->items)
			hit = hit->items;
		while (hit->type == HONK_T_MAP && hit->values)
			hit = hit->values;
		if (hit->type != HONK_T_RECORD)
			return NULL;
		fields = hit->fields;
		nfields = hit->nfields;
		p = dot + 1;
	}
}

/* The honk format as a file: a YAML list of fields, or {fields: [...]}. */
static int import_honk(struct honk_schema *out, struct honk_arena *arena,
		       const char *path, const char *data, size_t len,
		       struct honk_diags *diags)
{
	struct honk_ydoc doc = HONK_YDOC_INIT;
	struct honk_yctx c;
	const struct honk_ynode *root;
	int err;

	memset(out, 0, sizeof(*out));
	if ((err = honk_ydoc_parse(&doc, path, data, len, NULL, diags)) < 0)
		goto cleanup;
	honk_yctx_init(&c, path, diags, arena);
	root = doc.root;
	if (!root) {
		err = honk_diag_add(diags, path, 1, 1, "schema file is empty");
		goto cleanup;
	}
	if (root->type == HONK_YMAP) {
		const struct honk_ynode *f = honk_ymap_get(root, "fields");
		const struct honk_ynode *k;

		for (k = root->first; k && k->next; k = k->next->next)
			if (strcmp(k->str, "fields") != 0)
				honk_yerror(&c, k,
					    "unknown key '%s' in a schema file",
					    k->str);
		if (!f) {
			err = honk_yerror(
				&c, root,
				"missing required key 'fields' in a schema file");
			goto cleanup;
		}
		root = f;
	}
	err = honk_schema_from_yaml(out, &c, root);
	if (c.errors)
		err = HONK_EINVALID;
cleanup:
	honk_ydoc_release(&doc);
	return err;
}

static const char *const no_exts[] = { NULL };
static const char *const avro_exts[] = { ".avsc", NULL };
static const char *const jsonschema_exts[] = { ".json", ".yaml", ".yml", NULL };

/*
 * By extension the first match wins: .avsc is Avro, .json and .yaml are
 * JSON Schema unless the content says otherwise (see honk_importer_sniff);
 * the honk format and BigQuery are chosen with schema_format.
 */
static const struct honk_importer importers[] = {
	{ "avro", avro_exts, honk_avro_import },
	{ "jsonschema", jsonschema_exts, honk_jsonschema_import },
	{ "bigquery", no_exts, honk_bigquery_import },
	{ "honk", no_exts, import_honk },
};

const struct honk_importer *honk_importer_find(const char *format,
					       const char *path)
{
	size_t i, len = path ? strlen(path) : 0;

	for (i = 0; i < sizeof(importers) / sizeof(importers[0]); i++) {
		const char *const *e;

		if (format) {
			if (!strcmp(format, importers[i].format))
				return &importers[i];
			continue;
		}
		for (e = importers[i].extensions; *e; e++) {
			size_t el = strlen(*e);

			if (len > el && !strcmp(path + len - el, *e))
				return &importers[i];
		}
	}
	return NULL;
}

static int contains(const char *data, size_t len, const char *word)
{
	size_t n = strlen(word), i;

	for (i = 0; i + n <= len; i++)
		if (data[i] == word[0] && !memcmp(data + i, word, n))
			return 1;
	return 0;
}

const struct honk_importer *honk_importer_sniff(const char *path,
						const char *data, size_t len)
{
	size_t i = 0;

	/* skip blanks and a UTF-8 byte order mark */
	if (len >= 3 && !memcmp(data, "\xef\xbb\xbf", 3))
		i = 3;
	while (i < len && (data[i] == ' ' || data[i] == '\t' ||
			   data[i] == '\n' || data[i] == '\r'))
		i++;
	if (i < len && data[i] == '[')
		return honk_importer_find("bigquery", NULL);
	if (contains(data, len, "\"type\": \"record\"") ||
	    contains(data, len, "\"type\":\"record\""))
		return honk_importer_find("avro", NULL);
	if (i < len && data[i] == '{' && contains(data, len, "\"mode\"") &&
	    !contains(data, len, "\"properties\""))
		return honk_importer_find("bigquery", NULL);
	return honk_importer_find(NULL, path);
}
