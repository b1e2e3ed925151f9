/*
 * The JSON Schema importer: draft-07 objects, written as JSON or YAML,
 * onto the honk schema model.
 *
 * Mapping: object with properties -> record (its `required` list sets
 * required), object with only additionalProperties -> map, array ->
 * array of its items, string -> string (format date-time, date, time ->
 * timestamp, date, time; contentEncoding base64 -> bytes), integer ->
 * int64, number -> float64, boolean -> boolean, a string enum -> enum. A
 * type list or anyOf/oneOf with "null" makes a field optional. $ref is
 * followed within the file (JSON pointers), with a depth bound so a
 * recursive schema is an error, not a loop.
 *
 * What has no place in the model (allOf, not, if/then/else,
 * patternProperties, tuple items, a union of two real types) is an error
 * with its position, never dropped. Validation-only keywords (lengths,
 * bounds, patterns) and annotations (title, $id, examples) are ignored:
 * they do not change the shape of the data. Any other keyword is refused
 * with a suggestion, so a typo such as "propertise" cannot quietly turn
 * a record into one with no fields.
 */
#include "jsonschema.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "banned.h"

#define MAX_REF_DEPTH 32

struct js {
	struct honk_yctx c;
	const struct honk_ynode *root;
	unsigned ref_depth;
};

/* Keywords understood or safely ignored (they do not change the shape). */
static const char *const known[] = { "title",
				     "description",
				     "$id",
				     "$schema",
				     "$comment",
				     "examples",
				     "default",
				     "format",
				     "maxLength",
				     "minLength",
				     "pattern",
				     "maximum",
				     "minimum",
				     "exclusiveMaximum",
				     "exclusiveMinimum",
				     "multipleOf",
				     "maxItems",
				     "minItems",
				     "uniqueItems",
				     "maxProperties",
				     "minProperties",
				     "additionalProperties",
				     "required",
				     "properties",
				     "items",
				     "enum",
				     "type",
				     "definitions",
				     "$defs",
				     "$ref",
				     "readOnly",
				     "writeOnly",
				     "contentEncoding",
				     "contentMediaType",
				     "deprecated",
				     "anyOf",
				     "oneOf",
				     "const",
				     NULL };

static const char *const refused[] = { "allOf",
				       "not",
				       "if",
				       "then",
				       "else",
				       "patternProperties",
				       "dependencies",
				       "propertyNames",
				       "contains",
				       "additionalItems",
				       NULL };

static int in(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return 1;
	return 0;
}

static int map_schema(struct js *j, const struct honk_ynode *n,
		      struct honk_field *f, int *nullable);

/* Follow "#/a/b" from the document root. */
static const struct honk_ynode *
resolve(struct js *j, const struct honk_ynode *at, const char *ref)
{
	const struct honk_ynode *n = j->root;
	char part[256];
	const char *p;

	if (ref[0] != '#' || (ref[1] != '/' && ref[1] != '\0')) {
		honk_yerror(
			&j->c, at,
			"$ref '%s' points outside this file; only '#/...' references are supported",
			ref);
		return NULL;
	}
	for (p = ref + 1; *p == '/';) {
		size_t len = strcspn(p + 1, "/"), o = 0, i;

		if (len >= sizeof(part))
			break;
		for (i = 0; i < len; i++) {
			/* JSON pointer escapes: ~1 is '/', ~0 is '~' */
			if (p[1 + i] == '~' && i + 1 < len &&
			    (p[2 + i] == '0' || p[2 + i] == '1')) {
				part[o++] = p[2 + i] == '1' ? '/' : '~';
				i++;
			} else {
				part[o++] = p[1 + i];
			}
		}
		part[o] = '\0';
		n = honk_ymap_get(n, part);
		if (!n)
			break;
		p += 1 + len;
	}
	if (!n || *p) {
		honk_yerror(&j->c, at,
			    "$ref '%s' does not resolve in this file", ref);
		return NULL;
	}
	return n;
}

static const char *type_of(const struct honk_ynode *t, int *nullable,
			   struct js *j)
{
	const struct honk_ynode *it;
	const char *real = NULL;

	if (t->type == HONK_YSCALAR)
		return t->str;
	if (t->type != HONK_YSEQ) {
		honk_yerror(&j->c, t,
			    "'type' must be a name or a list of names");
		return NULL;
	}
	for (it = t->first; it; it = it->next) {
		if (it->type != HONK_YSCALAR) {
			honk_yerror(&j->c, it,
				    "'type' must be a name or a list of names");
			return NULL;
		}
		if (!strcmp(it->str, "null")) {
			*nullable = 1;
			continue;
		}
		if (real) {
			honk_yerror(
				&j->c, t,
				"a union of '%s' and '%s' cannot be mapped onto one type",
				real, it->str);
			return NULL;
		}
		real = it->str;
	}
	if (!real)
		honk_yerror(&j->c, t,
			    "a field of type null only cannot be mapped");
	return real;
}

/* How many types other than null a type list names. */
static size_t real_types(const struct honk_ynode *t)
{
	const struct honk_ynode *it;
	size_t n = 0;

	for (it = t->first; it; it = it->next)
		n += it->type != HONK_YSCALAR || strcmp(it->str, "null") != 0;
	return n;
}

static int cmp_ftype(const void *a, const void *b)
{
	return (int)*(const enum honk_ftype *)a -
	       (int)*(const enum honk_ftype *)b;
}

/*
 * A type list of several real types ("type: [array, object, string]"):
 * a union of those types. Only their names are kept, so a union that
 * also describes structure (properties, items, an enum, a format, a
 * schema for additionalProperties) cannot be mapped and is refused.
 */
static int map_union(struct js *j, const struct honk_ynode *n,
		     const struct honk_ynode *t, struct honk_field *f,
		     int *nullable)
{
	static const char *const detail[] = {
		"properties", "items",	"enum",
		"const",      "format", "patternProperties"
	};
	static const struct {
		const char *name;
		enum honk_ftype type;
	} types[] = {
		{ "array", HONK_T_ARRAY },   { "boolean", HONK_T_BOOLEAN },
		{ "integer", HONK_T_INT64 }, { "number", HONK_T_FLOAT64 },
		{ "object", HONK_T_RECORD }, { "string", HONK_T_STRING }
	};
	const struct honk_ynode *it,
		*ap = honk_ymap_get(n, "additionalProperties");
	size_t i, k;

	for (i = 0; i < sizeof(detail) / sizeof(detail[0]); i++)
		if ((it = honk_ymap_get(n, detail[i])))
			return honk_yerror(
				&j->c, it,
				"a union of types with '%s' cannot be mapped: only the types of a union are kept",
				detail[i]);
	if (ap && ap->type != HONK_YSCALAR)
		return honk_yerror(
			&j->c, ap,
			"a union of types with an 'additionalProperties' schema cannot be mapped");
	f->type = HONK_T_UNION;
	f->variants = honk_arena_alloc(j->c.arena,
				       real_types(t) * sizeof(*f->variants));
	if (!f->variants)
		return HONK_ERROR;
	for (it = t->first; it; it = it->next) {
		if (it->type != HONK_YSCALAR)
			return honk_yerror(
				&j->c, it,
				"'type' must be a name or a list of names");
		if (!strcmp(it->str, "null")) {
			*nullable = 1;
			continue;
		}
		for (k = 0; k < sizeof(types) / sizeof(types[0]); k++)
			if (!strcmp(it->str, types[k].name))
				break;
		if (k == sizeof(types) / sizeof(types[0]))
			return honk_yerror(&j->c, it,
					   "unknown JSON Schema type '%s'",
					   it->str);
		for (i = 0; i < f->nvariants; i++)
			if (f->variants[i] == types[k].type)
				return honk_yerror(&j->c, it,
						   "type '%s' is listed twice",
						   it->str);
		f->variants[f->nvariants++] = types[k].type;
	}
	qsort(f->variants, f->nvariants, sizeof(*f->variants), cmp_ftype);
	return 0;
}

struct prop_ctx {
	struct js *j;
	struct honk_field *fields;
	size_t n;
	const struct honk_ynode *required;
};

static int is_required(const struct honk_ynode *req, const char *name)
{
	const struct honk_ynode *it;

	if (!req || req->type != HONK_YSEQ)
		return 0;
	for (it = req->first; it; it = it->next)
		if (it->type == HONK_YSCALAR && !strcmp(it->str, name))
			return 1;
	return 0;
}

static int valid_field_name(const char *s, size_t len)
{
	size_t i;

	if (!len || len > 128)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f || c == '.' || c == '[' || c == ']' ||
		    c == '{' || c == '}')
			return 0;
	}
	return 1;
}

static int map_object(struct js *j, const struct honk_ynode *n,
		      struct honk_field *f)
{
	const struct honk_ynode *props = honk_ymap_get(n, "properties");
	const struct honk_ynode *addl =
		honk_ymap_get(n, "additionalProperties");
	const struct honk_ynode *req = honk_ymap_get(n, "required");
	const struct honk_ynode *k;
	size_t i = 0;

	if (!props && addl && addl->type == HONK_YMAP) {
		int nullable = 0;

		f->type = HONK_T_MAP;
		f->values = honk_arena_alloc(j->c.arena, sizeof(*f->values));
		if (!f->values)
			return HONK_ERROR;
		return map_schema(j, addl, f->values, &nullable);
	}
	f->type = HONK_T_RECORD;
	if (req && req->type != HONK_YSEQ)
		honk_yerror(&j->c, req, "'required' must be a list of names");
	if (!props)
		return 0; /* an object of unknown shape: a record with no fields
			   */
	if (props->type != HONK_YMAP)
		return honk_yerror(&j->c, props,
				   "'properties' must be a mapping");
	f->fields = honk_arena_alloc(j->c.arena, (props->n ? props->n : 1) *
							 sizeof(*f->fields));
	if (!f->fields)
		return HONK_ERROR;
	for (k = props->first; k && k->next; k = k->next->next) {
		struct honk_field *sub = &f->fields[i];
		int nullable = 0;
		size_t old = j->c.keylen;

		if (!valid_field_name(k->str, k->len)) {
			honk_yerror(
				&j->c, k,
				"property name '%s' cannot be a field name (no '.', brackets or control characters)",
				k->str);
			continue;
		}
		sub->name = honk_arena_strndup(j->c.arena, k->str, k->len);
		sub->line = k->line;
		sub->col = k->col;
		if (old + k->len + 2 < sizeof(j->c.keypath)) {
			size_t dot = old ? 1 : 0;

			j->c.keypath[old] = '.';
			memcpy(j->c.keypath + old + dot, k->str, k->len + 1);
			j->c.keylen = old + dot + k->len;
		}
		map_schema(j, k->next, sub, &nullable);
		j->c.keylen = old;
		j->c.keypath[old] = '\0';
		sub->required = is_required(req, sub->name) && !nullable;
		i++;
	}
	f->nfields = i;
	if (req && req->type == HONK_YSEQ) {
		const struct honk_ynode *it;

		for (it = req->first; it; it = it->next)
			if (it->type == HONK_YSCALAR &&
			    !honk_ymap_get(props, it->str))
				honk_yerror(
					&j->c, it,
					"required property '%s' is not defined in 'properties'",
					it->str);
	}
	return 0;
}

static int map_enum(struct js *j, const struct honk_ynode *e,
		    struct honk_field *f, int *nullable)
{
	const struct honk_ynode *it;
	size_t i = 0;

	if (e->type != HONK_YSEQ || !e->n)
		return honk_yerror(&j->c, e, "'enum' must be a non-empty list");
	f->type = HONK_T_ENUM;
	f->symbols = honk_arena_alloc(j->c.arena, e->n * sizeof(*f->symbols));
	if (!f->symbols)
		return HONK_ERROR;
	for (it = e->first; it; it = it->next) {
		if (it->type != HONK_YSCALAR)
			return honk_yerror(
				&j->c, it,
				"enum values must be scalars to become symbols");
		if (!it->quoted && honk_ynode_is_null(it)) {
			*nullable = 1;
			continue;
		}
		f->symbols[i++] =
			honk_arena_strndup(j->c.arena, it->str, it->len);
	}
	f->nsymbols = i;
	return 0;
}

static int map_schema(struct js *j, const struct honk_ynode *n,
		      struct honk_field *f, int *nullable)
{
	const struct honk_ynode *t, *k, *v;
	const char *type;
	int err = 0;

	f->line = n->line;
	f->col = n->col;
	if (n->type != HONK_YMAP)
		return honk_yerror(&j->c, n, "a schema must be a mapping");
	for (k = n->first; k && k->next; k = k->next->next) {
		if (in(k->str, refused))
			return honk_yerror(
				&j->c, k,
				"'%s' cannot be mapped onto honk's schema model",
				k->str);
		if (!in(k->str, known)) {
			const char *s = honk_suggest(k->str, known);

			if (s)
				honk_yerror(
					&j->c, k,
					"unknown keyword '%s', did you mean '%s'?",
					k->str, s);
			else
				honk_yerror(&j->c, k, "unknown keyword '%s'",
					    k->str);
		}
	}
	if ((v = honk_ymap_get(n, "description")) && v->type == HONK_YSCALAR)
		f->description = honk_arena_strndup(j->c.arena, v->str, v->len);
	if ((v = honk_ymap_get(n, "default")) && v->type == HONK_YSCALAR)
		f->default_value =
			honk_arena_strndup(j->c.arena, v->str, v->len);
	if ((v = honk_ymap_get(n, "$ref"))) {
		const struct honk_ynode *target;

		if (v->type != HONK_YSCALAR)
			return honk_yerror(&j->c, v, "'$ref' must be a string");
		if (j->ref_depth >= MAX_REF_DEPTH)
			return honk_yerror(
				&j->c, v,
				"$ref '%s' is recursive or nested deeper than %d",
				v->str, MAX_REF_DEPTH);
		target = resolve(j, v, v->str);
		if (!target)
			return HONK_EINVALID;
		j->ref_depth++;
		err = map_schema(j, target, f, nullable);
		j->ref_depth--;
		return err;
	}
	v = honk_ymap_get(n, "anyOf");
	if (!v)
		v = honk_ymap_get(n, "oneOf");
	if (v) {
		const struct honk_ynode *it, *real = NULL;

		if (v->type != HONK_YSEQ)
			return honk_yerror(&j->c, v,
					   "expected a list of schemas");
		for (it = v->first; it; it = it->next) {
			const struct honk_ynode *ty = honk_ymap_get(it, "type");

			if (ty && ty->type == HONK_YSCALAR &&
			    !strcmp(ty->str, "null")) {
				*nullable = 1;
				continue;
			}
			if (real)
				return honk_yerror(
					&j->c, v,
					"a union of several schemas cannot be mapped onto one type");
			real = it;
		}
		if (!real)
			return honk_yerror(
				&j->c, v,
				"a union of null only cannot be mapped");
		return map_schema(j, real, f, nullable);
	}
	if ((v = honk_ymap_get(n, "enum")))
		return map_enum(j, v, f, nullable);
	t = honk_ymap_get(n, "type");
	if (!t) {
		if (honk_ymap_get(n, "properties"))
			return map_object(j, n, f);
		return honk_yerror(&j->c, n,
				   "a schema without 'type' cannot be mapped");
	}
	if (t->type == HONK_YSEQ && real_types(t) > 1)
		return map_union(j, n, t, f, nullable);
	type = type_of(t, nullable, j);
	if (!type)
		return HONK_EINVALID;
	if (!strcmp(type, "object"))
		return map_object(j, n, f);
	if (!strcmp(type, "array")) {
		const struct honk_ynode *items = honk_ymap_get(n, "items");
		int item_null = 0;

		f->type = HONK_T_ARRAY;
		if (!items)
			return honk_yerror(
				&j->c, n,
				"an array without 'items' cannot be mapped");
		if (items->type == HONK_YSEQ)
			return honk_yerror(
				&j->c, items,
				"tuple 'items' (a list of schemas) cannot be mapped");
		f->items = honk_arena_alloc(j->c.arena, sizeof(*f->items));
		if (!f->items)
			return HONK_ERROR;
		return map_schema(j, items, f->items, &item_null);
	}
	if (!strcmp(type, "string")) {
		const struct honk_ynode *fmt = honk_ymap_get(n, "format");
		const struct honk_ynode *enc =
			honk_ymap_get(n, "contentEncoding");

		f->type = HONK_T_STRING;
		if (fmt && fmt->type == HONK_YSCALAR) {
			if (!strcmp(fmt->str, "date-time"))
				f->type = HONK_T_TIMESTAMP;
			else if (!strcmp(fmt->str, "date"))
				f->type = HONK_T_DATE;
			else if (!strcmp(fmt->str, "time"))
				f->type = HONK_T_TIME;
		}
		if (enc && enc->type == HONK_YSCALAR &&
		    !strcmp(enc->str, "base64"))
			f->type = HONK_T_BYTES;
		return 0;
	}
	if (!strcmp(type, "integer")) {
		f->type = HONK_T_INT64;
		return 0;
	}
	if (!strcmp(type, "number")) {
		f->type = HONK_T_FLOAT64;
		return 0;
	}
	if (!strcmp(type, "boolean")) {
		f->type = HONK_T_BOOLEAN;
		return 0;
	}
	return honk_yerror(&j->c, t, "unknown JSON Schema type '%s'", type);
}

int honk_jsonschema_import(struct honk_schema *out, struct honk_arena *arena,
			   const char *path, const char *data, size_t len,
			   struct honk_diags *diags)
{
	struct honk_ydoc doc = HONK_YDOC_INIT;
	struct honk_field top;
	struct js j;
	int err, nullable = 0;

	memset(&j, 0, sizeof(j));
	memset(&top, 0, sizeof(top));
	if ((err = honk_ydoc_parse(&doc, path, data, len, NULL, diags)) < 0)
		goto cleanup;
	honk_yctx_init(&j.c, path, diags, arena);
	j.root = doc.root;
	if (!doc.root) {
		err = honk_diag_add(diags, path, 1, 1, "schema file is empty");
		goto cleanup;
	}
	map_schema(&j, doc.root, &top, &nullable);
	memset(out, 0, sizeof(*out));
	if (top.type == HONK_T_RECORD) {
		out->fields = top.fields;
		out->nfields = top.nfields;
	} else {
		out->root = honk_arena_alloc(arena, sizeof(*out->root));
		if (!out->root) {
			err = HONK_ERROR;
			goto cleanup;
		}
		*out->root = top;
	}
	err = j.c.errors ? HONK_EINVALID : 0;
cleanup:
	honk_ydoc_release(&doc);
	return err;
}
