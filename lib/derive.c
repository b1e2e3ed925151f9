/*
 * Rewrite rules derived from a migration's plan.
 *
 * A derived rule must be one a reviewer can trust without reading every
 * file it touches: it matches whole names only, it is ordered so that no
 * rule sees another's output (locations, then pins, then renames), and a
 * rename is only proposed for the consumers that read the field and
 * where the old name cannot mean anything else. Whatever fails that test
 * is a manual item with its reason: honk never guesses.
 *
 * The output is deterministic (same plan and catalog, same bytes), so
 * a second honk-gen run with nothing new writes nothing.
 */
#include "derive.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "diff.h"
#include "error.h"
#include "impact.h"
#include "yaml.h"
#include "banned.h"

/* Words a column name shares with SQL (keywords and common functions). */
static const char *const sql_words[] = {
	"all",	   "and",	"any",	    "array",  "as",	    "avg",
	"between", "by",	"case",	    "cast",   "check",	    "count",
	"create",  "current",	"date",	    "day",    "default",    "delete",
	"desc",	   "distinct",	"else",	    "end",    "exists",	    "false",
	"first",   "from",	"group",    "having", "hour",	    "in",
	"index",   "insert",	"interval", "into",   "is",	    "join",
	"key",	   "last",	"like",	    "limit",  "map",	    "max",
	"min",	   "minute",	"month",    "name",   "not",	    "null",
	"number",  "of",	"offset",   "on",     "or",	    "order",
	"over",	   "partition", "primary",  "range",  "references", "row",
	"rows",	   "second",	"select",   "set",    "some",	    "struct",
	"sum",	   "table",	"then",	    "time",   "timestamp",  "to",
	"true",	   "type",	"union",    "update", "user",	    "value",
	"values",  "view",	"when",	    "where",  "with",	    "year",
	NULL
};

struct rule {
	char *pattern, *replace;
	int config; /* only YAML and JSON files */
	const char **consumers;
	size_t nconsumers;
};

struct derive {
	struct honk_derived *out;
	const struct honk_catalog *cat;
	const struct honk_planfile *pf;
	const struct honk_dataset *ds;
	const struct honk_version *vf, *vt;
	struct honk_diff diff;
	struct rule *rules;
	size_t nrules, crules;
};

static int is_word(unsigned char c)
{
	return isalnum(c) || c == '_';
}

/* A literal as a PCRE2 pattern: metacharacters escaped, whole names. */
static char *literal_pattern(struct honk_arena *a, const char *s)
{
	struct honk_buf b = HONK_BUF_INIT;
	size_t n = strlen(s);
	char *out;

	if (n && is_word((unsigned char)s[0]))
		honk_buf_addstr(&b, "\\b");
	for (; *s; s++) {
		if (strchr("\\^$.|?*+()[]{}", *s))
			honk_buf_addch(&b, '\\');
		honk_buf_addch(&b, *s);
	}
	if (n && is_word((unsigned char)s[-1]))
		honk_buf_addstr(&b, "\\b");
	out = honk_arena_strdup(a, b.buf);
	honk_buf_release(&b);
	return out;
}

/* Pattern text for a literal inside a larger pattern (no boundaries). */
static void add_escaped(struct honk_buf *b, const char *s)
{
	for (; *s; s++) {
		if (strchr("\\^$.|?*+()[]{}", *s))
			honk_buf_addch(b, '\\');
		honk_buf_addch(b, *s);
	}
}

/* A replacement that is the literal s ('$' doubled). */
static char *literal_replacement(struct honk_arena *a, const char *s)
{
	struct honk_buf b = HONK_BUF_INIT;
	char *out;

	for (; *s; s++) {
		if (*s == '$')
			honk_buf_addch(&b, '$');
		honk_buf_addch(&b, *s);
	}
	out = honk_arena_strdup(a, b.buf);
	honk_buf_release(&b);
	return out;
}

/* A location without its scheme: bq://a.t_v3 -> a.t_v3. */
static const char *without_scheme(const char *loc)
{
	const char *p = strstr(loc, "://");

	return p && p[3] ? p + 3 : loc;
}

static struct rule *add_rule(struct derive *d)
{
	struct rule *r;

	if (honk_arena_reserve(&d->out->arena, &d->rules, d->nrules, &d->crules,
			       sizeof(*d->rules)) < 0)
		return NULL;
	r = &d->rules[d->nrules++];
	memset(r, 0, sizeof(*r));
	return r;
}

static int add_manual(struct derive *d, const char *what, const char *path,
		      const char *consumer, const char *fmt, ...)
	HONK_PRINTF(5, 6);

static int add_manual(struct derive *d, const char *what, const char *path,
		      const char *consumer, const char *fmt, ...)
{
	struct honk_derived *o = d->out;
	struct honk_plan_manual *m;
	struct honk_buf b = HONK_BUF_INIT;
	va_list ap;

	if (honk_arena_reserve(&o->arena, &o->manual, o->nmanual, &o->cmanual,
			       sizeof(*o->manual)) < 0)
		return HONK_ERROR;
	m = &o->manual[o->nmanual];
	memset(m, 0, sizeof(*m));
	va_start(ap, fmt);
	honk_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	m->what = what;
	m->path = path ? honk_arena_strdup(&o->arena, path) : NULL;
	m->consumer = consumer;
	m->reason = honk_arena_strdup(&o->arena, b.buf);
	m->by_honk = 1;
	honk_buf_release(&b);
	if ((path && !m->path) || !m->reason)
		return HONK_ERROR;
	o->nmanual++;
	return 0;
}

static int location_rule(struct derive *d)
{
	const char *from, *to;
	struct rule *r;

	if (!d->vf->location || !d->vt->location)
		return 0;
	from = without_scheme(d->vf->location);
	to = without_scheme(d->vt->location);
	if (!strcmp(from, to))
		return 0;
	if (!(r = add_rule(d)))
		return HONK_ERROR;
	r->pattern = literal_pattern(&d->out->arena, from);
	r->replace = literal_replacement(&d->out->arena, to);
	return r->pattern && r->replace ? 0 : HONK_ERROR;
}

#define KEY(k) "[\"']?" k "[\"']?[ \\t]*:[ \\t]*[\"']?"
#define SEP    "[\"']?[ \\t]*(?:,[ \\t]*|\\r?\\n[ \\t]*)"

/* dataset: D, version: F -> T, in either order, flow or block style. */
static int pin_rules(struct derive *d)
{
	struct honk_buf p = HONK_BUF_INIT, q = HONK_BUF_INIT;
	struct rule *r;
	int err = 0;

	honk_buf_addstr(&p, "(\\b" KEY("dataset"));
	add_escaped(&p, d->ds->id);
	honk_buf_addf(&p, SEP KEY("version") ")%lld\\b",
		      (long long)d->pf->from);
	honk_buf_addf(&q, "${1}%lld", (long long)d->pf->to);
	if (!(r = add_rule(d)))
		goto oom;
	r->pattern = honk_arena_strdup(&d->out->arena, p.buf);
	r->replace = honk_arena_strdup(&d->out->arena, q.buf);
	r->config = 1;
	honk_buf_reset(&p);
	honk_buf_reset(&q);
	honk_buf_addf(&p, "(\\b" KEY("version") ")%lld(" SEP KEY("dataset"),
		      (long long)d->pf->from);
	add_escaped(&p, d->ds->id);
	honk_buf_addstr(&p, "\\b)");
	honk_buf_addf(&q, "${1}%lld${2}", (long long)d->pf->to);
	if (!(r = add_rule(d)))
		goto oom;
	r->pattern = honk_arena_strdup(&d->out->arena, p.buf);
	r->replace = honk_arena_strdup(&d->out->arena, q.buf);
	r->config = 1;
	if (!r->pattern || !r->replace)
		goto oom;
	goto done;
oom:
	err = honk_error_set(HONK_ERROR, "out of memory");
done:
	honk_buf_release(&p);
	honk_buf_release(&q);
	return err;
}

/* Fields named `name` at any depth. */
static size_t count_named(const struct honk_field *v, size_t n,
			  const char *name)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++) {
		const struct honk_field *f = &v[i];

		if (f->name && !strcmp(f->name, name))
			c++;
		c += count_named(f->fields, f->nfields, name);
		if (f->items)
			c += count_named(f->items, 1, name);
		if (f->values)
			c += count_named(f->values, 1, name);
	}
	return c;
}

static const char *leaf_of(const char *path)
{
	const char *dot = strrchr(path, '.');

	return dot ? dot + 1 : path;
}

static int sql_word(const char *s)
{
	size_t i;

	for (i = 0; sql_words[i]; i++)
		if (!strcasecmp(s, sql_words[i]))
			return 1;
	return 0;
}

/* Does the consumer's plan entry read what the change touches? */
static int reads_change(const struct honk_planfile_consumer *pc,
			const struct honk_change *c)
{
	size_t i;

	for (i = 0; i < pc->nfields; i++)
		if (honk_change_hits(c, pc->fields[i]))
			return 1;
	return 0;
}

/* Another dataset the consumer reads with a field of that name, or NULL. */
static const char *also_read(const struct derive *d,
			     const struct honk_consumer *co, const char *name)
{
	size_t i;

	for (i = 0; i < co->nreads; i++) {
		const struct honk_dataset *o;
		const struct honk_version *v;

		if (!strcmp(co->reads[i].dataset, d->ds->id))
			continue;
		o = honk_catalog_dataset(d->cat, co->reads[i].dataset);
		v = o ? honk_dataset_version(o, co->reads[i].version) : NULL;
		if (v && count_named(v->schema.fields, v->schema.nfields, name))
			return o->id;
	}
	return NULL;
}

/* The consumers that take part: steps the plan lists and does not exclude. */
static const struct honk_consumer *
step_consumer(const struct derive *d, const struct honk_planfile_consumer *pc)
{
	if (pc->impact != HONK_IMPACT_BREAKING &&
	    pc->impact != HONK_IMPACT_RELOCATE)
		return NULL;
	if (honk_planfile_excluded(d->pf, pc->consumer))
		return NULL;
	return honk_catalog_consumer(d->cat, pc->consumer);
}

static int rename_rule(struct derive *d, const struct honk_change *c)
{
	const char *old = leaf_of(c->path), *why = NULL, *other;
	size_t i, n = 0;
	const char **who;
	struct rule *r;
	int err;

	if (strlen(old) < 2)
		why = "is too short to find as a word";
	else if (sql_word(old))
		why = "is also an SQL word";
	else if (count_named(d->vf->schema.fields, d->vf->schema.nfields, old) >
		 1)
		why = "names more than one field of the dataset";
	who = honk_arena_alloc(&d->out->arena,
			       (d->pf->nconsumers + 1) * sizeof(*who));
	if (!who)
		return HONK_ERROR;
	for (i = 0; i < d->pf->nconsumers; i++) {
		const struct honk_planfile_consumer *pc = &d->pf->consumers[i];
		const struct honk_consumer *co = step_consumer(d, pc);

		if (!co || !reads_change(pc, c))
			continue;
		err = 0;
		if (why)
			err = add_manual(d, "rewrite", c->path, co->name,
					 "rename '%s' to '%s' by hand: '%s' %s",
					 old, c->to, old, why);
		else if ((other = also_read(d, co, old)))
			err = add_manual(
				d, "rewrite", c->path, co->name,
				"rename '%s' to '%s' by hand: '%s' is also a field of %s, which it reads",
				old, c->to, old, other);
		else
			who[n++] = co->name;
		if (err < 0)
			return err;
	}
	if (!n)
		return 0;
	if (!(r = add_rule(d)))
		return HONK_ERROR;
	r->pattern = literal_pattern(&d->out->arena, old);
	r->replace = literal_replacement(&d->out->arena, c->to);
	r->consumers = who;
	r->nconsumers = n;
	return r->pattern && r->replace ? 0 : HONK_ERROR;
}

/* What a consumer's code must handle that no rule can change. */
static int consumer_items(struct derive *d)
{
	size_t i, k;
	int err = 0;

	for (i = 0; i < d->pf->nconsumers && !err; i++) {
		const struct honk_planfile_consumer *pc = &d->pf->consumers[i];
		const struct honk_consumer *co = step_consumer(d, pc);

		if (!co)
			continue;
		if (!co->repo)
			err = add_manual(
				d, "consumer", NULL, co->name,
				"has no repo in the catalog: its code is moved by hand");
		for (k = 0; k < d->diff.n && !err; k++) {
			const struct honk_change *c = &d->diff.v[k];

			if (pc->impact != HONK_IMPACT_BREAKING ||
			    !reads_change(pc, c))
				continue;
			switch (c->kind) {
			case HONK_FIELD_REMOVED:
				err = add_manual(
					d, "consumer", c->path, co->name,
					"reads '%s', which v%lld no longer has",
					c->path, (long long)d->pf->to);
				break;
			case HONK_TYPE_NARROWED:
			case HONK_TYPE_CHANGED:
				err = add_manual(
					d, "consumer", c->path, co->name,
					"reads '%s', whose type changes from %s to %s in v%lld",
					c->path, c->from_type, c->to_type,
					(long long)d->pf->to);
				break;
			case HONK_ENUM_SYMBOL_ADDED:
				err = add_manual(
					d, "consumer", c->path, co->name,
					"reads '%s', which gains the symbol '%s' in v%lld: check that its code handles it",
					c->path, c->symbol,
					(long long)d->pf->to);
				break;
			case HONK_ENUM_SYMBOL_REMOVED:
				err = add_manual(
					d, "consumer", c->path, co->name,
					"reads '%s', which loses the symbol '%s' in v%lld",
					c->path, c->symbol,
					(long long)d->pf->to);
				break;
			default:
				break;
			}
		}
	}
	return err;
}

static void kv(struct honk_ywriter *w, const char *k, const char *v)
{
	honk_yw_str(w, k);
	honk_yw_str(w, v);
}

static int write_yaml(struct derive *d)
{
	static const char *const config[] = { "**/*.yaml", "**/*.yml",
					      "**/*.json" };
	struct honk_buf *y = &d->out->yaml;
	struct honk_ywriter *w = NULL;
	size_t i, k;
	int err;

	honk_buf_reset(y);
	honk_buf_addf(
		y,
		"# The rewrite rules of %s, derived by honk-gen\n"
		"# from the plan: the consumers' code moves from v%lld to v%lld.\n"
		"# Rules apply in order, as sed -E applies its expressions. Edit\n"
		"# or add rules in review: honk-gen then keeps this file as it is.\n",
		d->pf->id, (long long)d->pf->from, (long long)d->pf->to);
	if ((err = honk_yw_new(&w, y)) < 0)
		return err;
	honk_yw_map_begin(w, 0);
	honk_yw_str(w, "rules");
	honk_yw_seq_begin(w, 0);
	for (i = 0; i < d->nrules; i++) {
		const struct rule *r = &d->rules[i];

		honk_yw_map_begin(w, 0);
		kv(w, "pattern", r->pattern);
		kv(w, "replace", r->replace);
		if (r->config) {
			honk_yw_str(w, "files");
			honk_yw_seq_begin(w, 1);
			for (k = 0; k < sizeof(config) / sizeof(config[0]); k++)
				honk_yw_str(w, config[k]);
			honk_yw_seq_end(w);
		}
		if (r->consumers) {
			honk_yw_str(w, "consumers");
			honk_yw_seq_begin(w, 1);
			for (k = 0; k < r->nconsumers; k++)
				honk_yw_str(w, r->consumers[k]);
			honk_yw_seq_end(w);
		}
		honk_yw_map_end(w);
	}
	honk_yw_seq_end(w);
	honk_yw_map_end(w);
	err = honk_yw_finish(w);
	honk_yw_free(w);
	return err;
}

int honk_derive_rules(struct honk_derived *out, const struct honk_catalog *cat,
		      const struct honk_planfile *pf)
{
	struct derive d;
	size_t i;
	int err;

	memset(&d, 0, sizeof(d));
	d.out = out;
	d.cat = cat;
	d.pf = pf;
	d.ds = honk_catalog_dataset(cat, pf->dataset);
	if (!d.ds)
		return honk_error_set(
			HONK_ENOTFOUND,
			"the plan's dataset '%s' is not in the catalog",
			pf->dataset);
	d.vf = honk_dataset_version(d.ds, pf->from);
	d.vt = honk_dataset_version(d.ds, pf->to);
	if (!d.vf || !d.vt)
		return honk_error_set(HONK_ENOTFOUND, "%s has no version %lld",
				      d.ds->id,
				      (long long)(d.vf ? pf->to : pf->from));
	if ((err = honk_diff_schemas(&d.diff, &d.vf->schema, &d.vt->schema,
				     d.vf->location, d.vt->location)) < 0)
		return err;
	if ((err = location_rule(&d)) < 0 || (err = pin_rules(&d)) < 0)
		goto cleanup;
	for (i = 0; i < d.diff.n && !err; i++)
		if (d.diff.v[i].kind == HONK_FIELD_RENAMED)
			err = rename_rule(&d, &d.diff.v[i]);
	if (err < 0 || (err = consumer_items(&d)) < 0)
		goto cleanup;
	out->nrules = d.nrules;
	err = write_yaml(&d);
cleanup:
	honk_diff_release(&d.diff);
	return err;
}

void honk_derived_release(struct honk_derived *d)
{
	if (!d)
		return;
	honk_buf_release(&d->yaml);
	honk_arena_release(&d->arena);
	memset(d, 0, sizeof(*d));
}
