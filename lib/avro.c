/*
 * The Avro importer: an .avsc record schema onto the honk model.
 *
 * Mapping: null-unions (["null", T]) make a field optional, aliases
 * become renamed_from, doc becomes description, primitive types map
 * one to one (int -> int32, long -> int64, float -> float32, double ->
 * float64), fixed -> bytes, and logical types refine them (date, time-*,
 * timestamp-* and local-timestamp-*, decimal with precision and scale;
 * an unknown logical type falls back to its underlying type, as the Avro
 * specification says). Named types (records, enums, fixed) may be used
 * again by name, full or short, after their definition. A union of two
 * real types, a field with several aliases, or a name used before it is
 * defined is an error with its position.
 */
#include "avro.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "yaml.h"
#include "banned.h"

struct named {
	const char *name;
	const char *fullname;
	const struct honk_field *type;
	int busy; /* a record still being defined: a use is recursion */
};

struct av {
	struct honk_yctx c;
	struct named names[256];
	size_t nnames;
	const char *ns; /* the enclosing namespace */
	unsigned depth;
};

static int map_type(struct av *a, const struct honk_ynode *t,
		    struct honk_field *f, int *nullable);

static const struct {
	const char *avro;
	enum honk_ftype type;
} primitives[] = {
	{ "boolean", HONK_T_BOOLEAN }, { "int", HONK_T_INT32 },
	{ "long", HONK_T_INT64 },      { "float", HONK_T_FLOAT32 },
	{ "double", HONK_T_FLOAT64 },  { "bytes", HONK_T_BYTES },
	{ "string", HONK_T_STRING },
};

static const char *str_of(const struct honk_ynode *n)
{
	return n && n->type == HONK_YSCALAR ? n->str : NULL;
}

static int define(struct av *a, const struct honk_ynode *at, const char *name,
		  const char *ns, const struct honk_field *type)
{
	struct honk_buf full = HONK_BUF_INIT;
	struct named *e;

	if (a->nnames == sizeof(a->names) / sizeof(a->names[0]))
		return honk_yerror(&a->c, at, "too many named types");
	if (strchr(name, '.') || !ns || !*ns)
		honk_buf_addstr(&full, name);
	else
		honk_buf_addf(&full, "%s.%s", ns, name);
	e = &a->names[a->nnames++];
	e->fullname = honk_arena_strdup(a->c.arena, full.buf);
	e->name = strrchr(e->fullname, '.') ? strrchr(e->fullname, '.') + 1
					    : e->fullname;
	e->type = type;
	honk_buf_release(&full);
	return 0;
}

static const struct named *lookup(struct av *a, const char *name)
{
	size_t i;

	for (i = 0; i < a->nnames; i++)
		if (!strcmp(a->names[i].fullname, name))
			return &a->names[i];
	for (i = 0; i < a->nnames; i++)
		if (!strcmp(a->names[i].name, name))
			return &a->names[i];
	return NULL;
}

static int map_fields(struct av *a, const struct honk_ynode *fields,
		      struct honk_field *rec)
{
	const struct honk_ynode *it;
	size_t i = 0;

	if (!fields || fields->type != HONK_YSEQ)
		return honk_yerror(&a->c, fields,
				   "a record needs a list of 'fields'");
	rec->fields = honk_arena_alloc(
		a->c.arena, (fields->n ? fields->n : 1) * sizeof(*rec->fields));
	if (!rec->fields)
		return HONK_ERROR;
	for (it = fields->first; it; it = it->next) {
		struct honk_field *f = &rec->fields[i];
		const struct honk_ynode *t = honk_ymap_get(it, "type");
		const struct honk_ynode *al = honk_ymap_get(it, "aliases");
		const struct honk_ynode *def = honk_ymap_get(it, "default");
		const char *name = str_of(honk_ymap_get(it, "name"));
		int nullable = 0;

		if (it->type != HONK_YMAP || !name || !t) {
			honk_yerror(&a->c, it,
				    "a field needs a 'name' and a 'type'");
			continue;
		}
		f->name = honk_arena_strdup(a->c.arena, name);
		f->line = it->line;
		f->col = it->col;
		if (str_of(honk_ymap_get(it, "doc")))
			f->description = honk_arena_strdup(
				a->c.arena, str_of(honk_ymap_get(it, "doc")));
		if (al) {
			if (al->type != HONK_YSEQ || al->n > 1 ||
			    (al->n == 1 && !str_of(al->first))) {
				honk_yerror(
					&a->c, al,
					"only one alias per field can be mapped (to renamed_from)");
			} else if (al->n == 1) {
				f->renamed_from = honk_arena_strdup(
					a->c.arena, al->first->str);
			}
		}
		if (map_type(a, t, f, &nullable) < 0) {
			i++;
			continue;
		}
		f->required = !nullable;
		/* the schema's text dies with its document: keep a copy */
		if (def &&
		    !(def->type == HONK_YSCALAR && honk_ynode_is_null(def)))
			f->default_value =
				def->type == HONK_YSCALAR
					? honk_arena_strdup(a->c.arena,
							    def->str)
				: def->type == HONK_YSEQ ? "[]"
							 : "{}";
		i++;
	}
	rec->nfields = i;
	return honk_fields_unique(&a->c, rec->fields, rec->nfields);
}

static int map_logical(struct av *a, const struct honk_ynode *t,
		       struct honk_field *f)
{
	const char *lt = str_of(honk_ymap_get(t, "logicalType"));
	const struct honk_ynode *p = honk_ymap_get(t, "precision");
	const struct honk_ynode *s = honk_ymap_get(t, "scale");

	if (!lt)
		return 0;
	if (!strcmp(lt, "date") && f->type == HONK_T_INT32)
		f->type = HONK_T_DATE;
	else if (!strcmp(lt, "time-millis") && f->type == HONK_T_INT32)
		f->type = HONK_T_TIME;
	else if (!strcmp(lt, "time-micros") && f->type == HONK_T_INT64)
		f->type = HONK_T_TIME;
	else if (!strncmp(lt, "timestamp-", 10) && f->type == HONK_T_INT64)
		f->type = HONK_T_TIMESTAMP;
	else if (!strncmp(lt, "local-timestamp-", 16) &&
		 f->type == HONK_T_INT64)
		f->type = HONK_T_TIMESTAMP;
	else if (!strcmp(lt, "decimal") && f->type == HONK_T_BYTES) {
		f->type = HONK_T_DECIMAL;
		if (!p || honk_y_int(&a->c, p, 1, 76, &f->precision) < 0)
			return honk_yerror(
				&a->c, t,
				"a decimal needs a precision of 1..76");
		if (s && honk_y_int(&a->c, s, 0, f->precision, &f->scale) < 0)
			return HONK_EINVALID;
	}
	return 0;
}

static int map_type(struct av *a, const struct honk_ynode *t,
		    struct honk_field *f, int *nullable)
{
	const char *s, *type;
	size_t i;
	int err;

	if (++a->depth > 64) {
		a->depth--;
		return honk_yerror(&a->c, t, "types nested deeper than 64");
	}
	f->line = t->line;
	f->col = t->col;
	if (t->type == HONK_YSEQ) {
		const struct honk_ynode *it, *real = NULL;

		for (it = t->first; it; it = it->next) {
			if ((s = str_of(it)) && !strcmp(s, "null")) {
				*nullable = 1;
				continue;
			}
			if (real) {
				a->depth--;
				return honk_yerror(
					&a->c, t,
					"a union of several non-null types cannot be mapped onto one type");
			}
			real = it;
		}
		if (!real) {
			a->depth--;
			return honk_yerror(
				&a->c, t,
				"a union of null only cannot be mapped");
		}
		err = map_type(a, real, f, nullable);
		a->depth--;
		return err;
	}
	type = t->type == HONK_YSCALAR ? t->str
				       : str_of(honk_ymap_get(t, "type"));
	if (!type) {
		a->depth--;
		return honk_yerror(
			&a->c, t,
			"a type must be a name, a union or a mapping with 'type'");
	}
	err = 0;
	for (i = 0; i < sizeof(primitives) / sizeof(primitives[0]); i++)
		if (!strcmp(type, primitives[i].avro))
			break;
	if (i < sizeof(primitives) / sizeof(primitives[0])) {
		f->type = primitives[i].type;
		if (t->type == HONK_YMAP)
			err = map_logical(a, t, f);
	} else if (!strcmp(type, "null")) {
		err = honk_yerror(&a->c, t,
				  "a field of type null cannot be mapped");
	} else if (t->type == HONK_YSCALAR) {
		const struct named *n = lookup(a, type);

		if (!n) {
			err = honk_yerror(
				&a->c, t,
				"unknown type '%s' (named types must be defined before use)",
				type);
		} else if (n->busy) {
			err = honk_yerror(
				&a->c, t,
				"recursive type '%s' cannot be mapped", type);
		} else {
			const char *name = f->name;

			*f = *n->type;
			f->name = name;
			f->line = t->line;
			f->col = t->col;
		}
	} else if (!strcmp(type, "record") || !strcmp(type, "error")) {
		const char *name = str_of(honk_ymap_get(t, "name"));
		const char *ns = str_of(honk_ymap_get(t, "namespace"));
		const char *outer = a->ns;

		size_t idx = a->nnames;

		f->type = HONK_T_RECORD;
		if (name && define(a, t, name, ns ? ns : a->ns, f) == 0)
			a->names[idx].busy = 1;
		if (ns)
			a->ns = ns;
		err = map_fields(a, honk_ymap_get(t, "fields"), f);
		a->ns = outer;
		if (name && idx < a->nnames)
			a->names[idx].busy = 0;
	} else if (!strcmp(type, "enum")) {
		const struct honk_ynode *sym = honk_ymap_get(t, "symbols");
		const char *name = str_of(honk_ymap_get(t, "name"));
		const char *ns = str_of(honk_ymap_get(t, "namespace"));

		f->type = HONK_T_ENUM;
		if (!sym)
			err = honk_yerror(&a->c, t, "an enum needs 'symbols'");
		else
			err = honk_y_strlist(&a->c, sym, &f->symbols,
					     &f->nsymbols);
		if (name && !err)
			define(a, t, name, ns ? ns : a->ns, f);
	} else if (!strcmp(type, "array")) {
		int inner = 0;

		f->type = HONK_T_ARRAY;
		f->items = honk_arena_alloc(a->c.arena, sizeof(*f->items));
		if (!f->items || !honk_ymap_get(t, "items"))
			err = honk_yerror(&a->c, t, "an array needs 'items'");
		else
			err = map_type(a, honk_ymap_get(t, "items"), f->items,
				       &inner);
	} else if (!strcmp(type, "map")) {
		int inner = 0;

		f->type = HONK_T_MAP;
		f->values = honk_arena_alloc(a->c.arena, sizeof(*f->values));
		if (!f->values || !honk_ymap_get(t, "values"))
			err = honk_yerror(&a->c, t, "a map needs 'values'");
		else
			err = map_type(a, honk_ymap_get(t, "values"), f->values,
				       &inner);
	} else if (!strcmp(type, "fixed")) {
		const char *name = str_of(honk_ymap_get(t, "name"));

		f->type = HONK_T_BYTES;
		err = map_logical(a, t, f);
		if (name && !err)
			define(a, t, name, a->ns, f);
	} else {
		err = honk_yerror(&a->c, t, "unknown Avro type '%s'", type);
	}
	a->depth--;
	return err;
}

int honk_avro_import(struct honk_schema *out, struct honk_arena *arena,
		     const char *path, const char *data, size_t len,
		     struct honk_diags *diags)
{
	struct honk_ydoc doc = HONK_YDOC_INIT;
	struct honk_field top;
	struct av *a = NULL;
	int err, nullable = 0;

	memset(out, 0, sizeof(*out));
	memset(&top, 0, sizeof(top));
	if ((err = honk_ydoc_parse(&doc, path, data, len, NULL, diags)) < 0)
		goto cleanup;
	if (!doc.root) {
		err = honk_diag_add(diags, path, 1, 1, "schema file is empty");
		goto cleanup;
	}
	a = calloc(1, sizeof(*a));
	if (!a) {
		err = honk_error_set(HONK_ERROR, "out of memory");
		goto cleanup;
	}
	honk_yctx_init(&a->c, path, diags, arena);
	map_type(a, doc.root, &top, &nullable);
	if (!a->c.errors && top.type != HONK_T_RECORD)
		honk_yerror(&a->c, doc.root,
			    "the top of an Avro schema must be a record");
	out->fields = top.fields;
	out->nfields = top.nfields;
	err = a->c.errors ? HONK_EINVALID : 0;
cleanup:
	free(a);
	honk_ydoc_release(&doc);
	return err;
}
