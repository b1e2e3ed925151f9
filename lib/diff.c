/*
 * Schema diff and compatibility verdicts.
 *
 * The walk pairs fields by name, or by renamed_from when the old name is
 * gone from the new schema, and recurses into records, array items and
 * map values; array items add "[]" to the path, map values "{}". Every
 * change carries both verdicts, so a policy is only a choice of which
 * verdicts must hold. Output is sorted by path, then kind, then symbol,
 * so the same two schemas always give the same bytes.
 */
#include "diff.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "banned.h"

const char *const honk_change_names[] = {
	"field-added",	     "field-removed",
	"field-renamed",     "type-widened",
	"type-narrowed",     "type-changed",
	"required-added",    "required-removed",
	"enum-symbol-added", "enum-symbol-removed",
	"default-changed",   "description-changed",
	"location-changed",  NULL
};

static struct honk_change *add(struct honk_diff *d, enum honk_change_kind k,
			       const char *path, int backward, int forward)
{
	struct honk_change *c;

	if (honk_arena_reserve(&d->arena, &d->v, d->n, &d->alloc,
			       sizeof(*d->v)) < 0)
		return NULL;
	c = &d->v[d->n++];
	memset(c, 0, sizeof(*c));
	c->kind = k;
	c->path = path;
	c->backward = backward;
	c->forward = forward;
	return c;
}

static const char *join(struct honk_diff *d, const char *base, const char *name)
{
	struct honk_buf b = HONK_BUF_INIT;
	const char *s;

	if (*base)
		honk_buf_addf(&b, "%s.%s", base, name);
	else
		honk_buf_addstr(&b, name);
	s = honk_arena_strdup(&d->arena, b.buf);
	honk_buf_release(&b);
	return s;
}

static const char *suffix(struct honk_diff *d, const char *base,
			  const char *sfx)
{
	struct honk_buf b = HONK_BUF_INIT;
	const char *s;

	honk_buf_addf(&b, "%s%s", base, sfx);
	s = honk_arena_strdup(&d->arena, b.buf);
	honk_buf_release(&b);
	return s;
}

/* Avro's promotions: the old type's values fit the new type. */
static int widens(enum honk_ftype from, enum honk_ftype to)
{
	switch (from) {
	case HONK_T_INT32:
		return to == HONK_T_INT64 || to == HONK_T_FLOAT32 ||
		       to == HONK_T_FLOAT64;
	case HONK_T_INT64:
		return to == HONK_T_FLOAT32 || to == HONK_T_FLOAT64;
	case HONK_T_FLOAT32:
		return to == HONK_T_FLOAT64;
	case HONK_T_STRING:
		return to == HONK_T_BYTES;
	case HONK_T_BYTES:
		return to == HONK_T_STRING;
	default:
		return 0;
	}
}

static int streq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return !strcmp(a, b);
}

static int diff_fields(struct honk_diff *d, const char *base,
		       const struct honk_field *from, size_t nfrom,
		       const struct honk_field *to, size_t nto);

/* The types a field can hold: a union's variants, or its one type. */
static size_t members(const struct honk_field *f, const enum honk_ftype **v)
{
	if (f->type == HONK_T_UNION) {
		*v = f->variants;
		return f->nvariants;
	}
	*v = &f->type;
	return 1;
}

static int holds(const enum honk_ftype *v, size_t n, enum honk_ftype t)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] == t)
			return 1;
	return 0;
}

/* "union(array|record|string)", or the type's name. */
static const char *type_label(struct honk_diff *d, const struct honk_field *f)
{
	struct honk_buf b = HONK_BUF_INIT;
	const char *s;
	size_t i;

	if (f->type != HONK_T_UNION)
		return honk_ftype_names[f->type];
	honk_buf_addstr(&b, "union(");
	for (i = 0; i < f->nvariants; i++)
		honk_buf_addf(&b, "%s%s", i ? "|" : "",
			      honk_ftype_names[f->variants[i]]);
	honk_buf_addch(&b, ')');
	s = honk_arena_strdup(&d->arena, b.buf);
	honk_buf_release(&b);
	return s;
}

/*
 * A union on either side: a type that joins is a widening (a new reader
 * takes every old value; an old one may meet a value it does not know),
 * a type that leaves a narrowing, both at once a change.
 */
static int diff_union(struct honk_diff *d, const char *path,
		      const struct honk_field *a, const struct honk_field *b)
{
	const enum honk_ftype *va, *vb;
	size_t na = members(a, &va), nb = members(b, &vb), i;
	int added = 0, removed = 0;
	enum honk_change_kind k;
	struct honk_change *c;

	for (i = 0; i < nb; i++)
		added |= !holds(va, na, vb[i]);
	for (i = 0; i < na; i++)
		removed |= !holds(vb, nb, va[i]);
	if (!added && !removed)
		return 0;
	k = !removed ? HONK_TYPE_WIDENED
	    : !added ? HONK_TYPE_NARROWED
		     : HONK_TYPE_CHANGED;
	c = add(d, k, path, k == HONK_TYPE_WIDENED, k == HONK_TYPE_NARROWED);
	if (!c)
		return HONK_ERROR;
	c->from_type = type_label(d, a);
	c->to_type = type_label(d, b);
	return c->from_type && c->to_type ? 0 : HONK_ERROR;
}

/* Compare the type of one field (or item/value) and recurse. */
static int diff_type(struct honk_diff *d, const char *path,
		     const struct honk_field *a, const struct honk_field *b)
{
	struct honk_change *c;
	size_t i, j;

	if (a->type == HONK_T_UNION || b->type == HONK_T_UNION)
		return diff_union(d, path, a, b);
	if (a->type != b->type) {
		int w = widens(a->type, b->type), n = widens(b->type, a->type);
		/* string <-> bytes goes both ways: Avro reads either as either
		 */
		enum honk_change_kind k = w   ? HONK_TYPE_WIDENED
					  : n ? HONK_TYPE_NARROWED
					      : HONK_TYPE_CHANGED;

		if (w && n)
			k = HONK_TYPE_WIDENED;
		c = add(d, k, path, k == HONK_TYPE_WIDENED,
			k == HONK_TYPE_NARROWED);
		if (!c)
			return HONK_ERROR;
		c->from_type = honk_ftype_names[a->type];
		c->to_type = honk_ftype_names[b->type];
		return 0;
	}
	switch (a->type) {
	case HONK_T_RECORD:
		return diff_fields(d, path, a->fields, a->nfields, b->fields,
				   b->nfields);
	case HONK_T_ARRAY:
		if (a->items && b->items)
			return diff_type(d, suffix(d, path, "[]"), a->items,
					 b->items);
		return 0;
	case HONK_T_MAP:
		if (a->values && b->values)
			return diff_type(d, suffix(d, path, "{}"), a->values,
					 b->values);
		return 0;
	case HONK_T_ENUM:
		for (i = 0; i < b->nsymbols; i++) {
			for (j = 0; j < a->nsymbols; j++)
				if (!strcmp(b->symbols[i], a->symbols[j]))
					break;
			if (j == a->nsymbols) {
				c = add(d, HONK_ENUM_SYMBOL_ADDED, path, 1, 0);
				if (!c)
					return HONK_ERROR;
				c->symbol = b->symbols[i];
			}
		}
		for (j = 0; j < a->nsymbols; j++) {
			for (i = 0; i < b->nsymbols; i++)
				if (!strcmp(b->symbols[i], a->symbols[j]))
					break;
			if (i == b->nsymbols) {
				c = add(d, HONK_ENUM_SYMBOL_REMOVED, path, 0,
					1);
				if (!c)
					return HONK_ERROR;
				c->symbol = a->symbols[j];
			}
		}
		return 0;
	case HONK_T_DECIMAL:
		if (a->precision == b->precision && a->scale == b->scale)
			return 0;
		{
			/* more digits on both sides of the point holds every
			 * old value */
			int w = b->scale >= a->scale &&
				b->precision - b->scale >=
					a->precision - a->scale;
			int n = a->scale >= b->scale &&
				a->precision - a->scale >=
					b->precision - b->scale;

			c = add(d,
				w   ? HONK_TYPE_WIDENED
				: n ? HONK_TYPE_NARROWED
				    : HONK_TYPE_CHANGED,
				path, w, n && !w);
			if (!c)
				return HONK_ERROR;
			c->from_type = c->to_type = "decimal";
		}
		return 0;
	default:
		return 0;
	}
}

static const struct honk_field *by_name(const struct honk_field *v, size_t n,
					const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].name && !strcmp(v[i].name, name))
			return &v[i];
	return NULL;
}

static int diff_pair(struct honk_diff *d, const char *base,
		     const struct honk_field *a, const struct honk_field *b)
{
	const char *path = join(d, base, b->name);
	struct honk_change *c;

	if (!path)
		return HONK_ERROR;
	if (a->required != b->required) {
		if (b->required)
			c = add(d, HONK_REQUIRED_ADDED, path, 0, 1);
		else
			c = add(d, HONK_REQUIRED_REMOVED, path, 1, 0);
		if (!c)
			return HONK_ERROR;
	}
	if (!streq(a->default_value, b->default_value) &&
	    !add(d, HONK_DEFAULT_CHANGED, path, 1, 1))
		return HONK_ERROR;
	if (!streq(a->description, b->description) &&
	    !add(d, HONK_DESCRIPTION_CHANGED, path, 1, 1))
		return HONK_ERROR;
	return diff_type(d, path, a, b);
}

static int diff_fields(struct honk_diff *d, const char *base,
		       const struct honk_field *from, size_t nfrom,
		       const struct honk_field *to, size_t nto)
{
	const struct honk_field *a;
	size_t i;
	int err;

	/* each new field: same name, else renamed from an old one, else added
	 */
	for (i = 0; i < nto; i++) {
		const struct honk_field *b = &to[i];
		struct honk_change *c;

		if (!b->name)
			continue;
		a = by_name(from, nfrom, b->name);
		if (!a && b->renamed_from && !by_name(to, nto, b->renamed_from))
			a = by_name(from, nfrom, b->renamed_from);
		if (a && strcmp(a->name, b->name) != 0) {
			c = add(d, HONK_FIELD_RENAMED, join(d, base, a->name),
				1, 0);
			if (!c)
				return HONK_ERROR;
			c->to = b->name;
		}
		if (a) {
			if ((err = diff_pair(d, base, a, b)) < 0)
				return err;
			continue;
		}
		/* a reader of the new version needs a value for it in old data
		 */
		c = add(d, HONK_FIELD_ADDED, join(d, base, b->name),
			!b->required || b->default_value != NULL, 1);
		if (!c)
			return HONK_ERROR;
		c->required = b->required;
	}
	/* each old field neither kept nor renamed away: removed */
	for (i = 0; i < nfrom; i++) {
		const struct honk_field *old = &from[i];
		struct honk_change *c;
		size_t j;

		if (!old->name || by_name(to, nto, old->name))
			continue;
		for (j = 0; j < nto; j++)
			if (to[j].renamed_from &&
			    !strcmp(to[j].renamed_from, old->name) &&
			    !by_name(from, nfrom, to[j].name))
				break;
		if (j < nto)
			continue;
		/* an old reader needs the field in new data if it requires it
		 */
		c = add(d, HONK_FIELD_REMOVED, join(d, base, old->name), 1,
			!old->required || old->default_value != NULL);
		if (!c)
			return HONK_ERROR;
		c->required = old->required;
	}
	return 0;
}

static int cmp_change(const void *pa, const void *pb)
{
	const struct honk_change *a = pa, *b = pb;
	int c = strcmp(a->path, b->path);

	if (c)
		return c;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	return strcmp(a->symbol ? a->symbol : "", b->symbol ? b->symbol : "");
}

int honk_diff_schemas(struct honk_diff *out, const struct honk_schema *from,
		      const struct honk_schema *to, const char *from_location,
		      const char *to_location)
{
	struct honk_field rec_a, rec_b;
	int err;

	if (from->root || to->root) {
		/* compare the tops as types; a plain schema is a record */
		memset(&rec_a, 0, sizeof(rec_a));
		memset(&rec_b, 0, sizeof(rec_b));
		rec_a.type = rec_b.type = HONK_T_RECORD;
		rec_a.fields = from->fields;
		rec_a.nfields = from->nfields;
		rec_b.fields = to->fields;
		rec_b.nfields = to->nfields;
		err = diff_type(out, "", from->root ? from->root : &rec_a,
				to->root ? to->root : &rec_b);
	} else {
		err = diff_fields(out, "", from->fields, from->nfields,
				  to->fields, to->nfields);
	}
	if (err < 0)
		return err;
	if (from_location && to_location &&
	    strcmp(from_location, to_location) &&
	    !add(out, HONK_LOCATION_CHANGED, "", 1, 1))
		return HONK_ERROR;
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), cmp_change);
	return 0;
}

void honk_diff_release(struct honk_diff *d)
{
	if (!d)
		return;
	honk_arena_release(&d->arena);
	d->v = NULL;
	d->n = d->alloc = 0;
}

int honk_policy_transitive(enum honk_policy policy)
{
	return policy == HONK_POLICY_BACKWARD_TRANSITIVE ||
	       policy == HONK_POLICY_FORWARD_TRANSITIVE ||
	       policy == HONK_POLICY_FULL_TRANSITIVE;
}

int honk_change_breaks(const struct honk_change *c, enum honk_policy policy)
{
	switch (policy) {
	case HONK_POLICY_BACKWARD:
	case HONK_POLICY_BACKWARD_TRANSITIVE:
		return !c->backward;
	case HONK_POLICY_FORWARD:
	case HONK_POLICY_FORWARD_TRANSITIVE:
		return !c->forward;
	case HONK_POLICY_FULL:
	case HONK_POLICY_FULL_TRANSITIVE:
		return !c->backward || !c->forward;
	default:
		return 0;
	}
}

int honk_diff_breaking(const struct honk_diff *d, enum honk_policy policy)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (honk_change_breaks(&d->v[i], policy))
			return 1;
	return 0;
}

int honk_version_check(const struct honk_dataset *ds, size_t i,
		       enum honk_policy policy, int64_t *against)
{
	size_t j = i, stop;

	if (i == 0 || i >= ds->nversions || policy == HONK_POLICY_NONE)
		return 0;
	stop = honk_policy_transitive(policy) ? 0 : i - 1;
	while (j-- > stop) {
		struct honk_diff d = HONK_DIFF_INIT;
		int err, breaking;

		err = honk_diff_schemas(&d, &ds->versions[j].schema,
					&ds->versions[i].schema, NULL, NULL);
		breaking = err < 0 ? err : honk_diff_breaking(&d, policy);
		honk_diff_release(&d);
		if (breaking) {
			if (breaking > 0 && against)
				*against = ds->versions[j].version;
			return breaking;
		}
	}
	return 0;
}
