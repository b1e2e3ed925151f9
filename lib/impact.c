/*
 * Consumer impact: who must do what when a dataset moves to a version.
 *
 * A direct consumer's impact comes from the diff between the version it
 * reads and the target, restricted to the fields it reads (all of them
 * when it did not declare any: the conservative choice). Transitive
 * consumers are found breadth-first through the datasets impacted
 * consumers produce, each consumer listed once, at its smallest depth;
 * the walk is bounded by the number of consumers, so even a catalog that
 * slipped a cycle past lint cannot make it loop.
 */
#include "impact.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "banned.h"

const char *const honk_impact_names[] = { "none", "relocate", "breaking",
					  "transitive", NULL };

/* Is `path` the field `f`, inside it, or a record holding it? */
static int related(const char *path, const char *f)
{
	size_t lp = strlen(path), lf = strlen(f);
	size_t n = lp < lf ? lp : lf;

	if (strncmp(path, f, n) != 0)
		return 0;
	if (lp == lf)
		return 1;
	/* the longer one continues with a '.', "[]" or "{}" */
	return (lp > lf ? path[n] : f[n]) == '.' ||
	       (lp > lf ? path[n] : f[n]) == '[' ||
	       (lp > lf ? path[n] : f[n]) == '{';
}

int honk_change_hits(const struct honk_change *c, const char *field)
{
	if (c->kind == HONK_LOCATION_CHANGED || !related(c->path, field))
		return 0;
	return !c->forward || c->kind == HONK_FIELD_REMOVED ||
	       c->kind == HONK_FIELD_RENAMED;
}

int honk_readers_build(struct honk_readers *ix, const struct honk_catalog *cat)
{
	size_t n = cat->ndatasets, i, j, total = 0;
	size_t *fill = NULL;

	ix->first = calloc(n + 1, sizeof(*ix->first));
	fill = calloc(n + 1, sizeof(*fill));
	if (!ix->first || !fill)
		goto oom;
	for (i = 0; i < cat->nconsumers; i++) {
		const struct honk_consumer *co = &cat->consumers[i];

		for (j = 0; j < co->nreads; j++) {
			const struct honk_dataset *ds =
				honk_catalog_dataset(cat, co->reads[j].dataset);

			if (ds)
				fill[ds - cat->datasets]++;
		}
	}
	for (i = 0; i < n; i++) {
		ix->first[i + 1] = ix->first[i] + fill[i];
		total += fill[i];
		fill[i] = ix->first[i];
	}
	ix->v = malloc((total ? total : 1) * sizeof(*ix->v));
	if (!ix->v)
		goto oom;
	for (i = 0; i < cat->nconsumers; i++) {
		const struct honk_consumer *co = &cat->consumers[i];

		for (j = 0; j < co->nreads; j++) {
			const struct honk_dataset *ds =
				honk_catalog_dataset(cat, co->reads[j].dataset);
			struct honk_reader *rd;

			if (!ds)
				continue;
			rd = &ix->v[fill[ds - cat->datasets]++];
			rd->consumer = (uint32_t)i;
			rd->read = (uint32_t)j;
		}
	}
	free(fill);
	return 0;
oom:
	free(fill);
	honk_readers_release(ix);
	return honk_error_set(HONK_ERROR, "out of memory");
}

void honk_readers_release(struct honk_readers *ix)
{
	if (!ix)
		return;
	free(ix->first);
	free(ix->v);
	ix->first = NULL;
	ix->v = NULL;
}

static struct honk_impacted *add(struct honk_impact *im)
{
	struct honk_impacted *e;

	if (honk_arena_reserve(&im->arena, &im->v, im->n, &im->alloc,
			       sizeof(*im->v)) < 0)
		return NULL;
	e = &im->v[im->n++];
	memset(e, 0, sizeof(*e));
	return e;
}

/* Classify one direct consumer reading version `from` of ds. */
static int classify(struct honk_impact *im, struct honk_impacted *e,
		    const struct honk_read *r, const struct honk_version *vf,
		    const struct honk_version *vt)
{
	struct honk_diff d = HONK_DIFF_INIT;
	const char **hit;
	size_t i, k, nhit = 0;
	int err;

	if ((err = honk_diff_schemas(&d, &vf->schema, &vt->schema, vf->location,
				     vt->location)) < 0)
		return err;
	e->fields_declared = r->fields != NULL;
	hit = honk_arena_alloc(&im->arena,
			       (d.n + r->nfields + 1) * sizeof(*hit));
	if (!hit) {
		honk_diff_release(&d);
		return HONK_ERROR;
	}
	for (k = 0; k < d.n; k++) {
		const struct honk_change *c = &d.v[k];

		if (r->fields) {
			for (i = 0; i < r->nfields; i++)
				if (honk_change_hits(c, r->fields[i]))
					break;
			if (i == r->nfields)
				continue;
			hit[nhit++] =
				honk_arena_strdup(&im->arena, r->fields[i]);
		} else if (honk_change_hits(c, c->path)) {
			hit[nhit++] = honk_arena_strdup(&im->arena, c->path);
		}
	}
	/* one entry per field, in the order found */
	for (i = 0; i < nhit; i++)
		for (k = i + 1; k < nhit;)
			if (!strcmp(hit[i], hit[k]))
				hit[k] = hit[--nhit];
			else
				k++;
	e->fields = hit;
	e->nfields = nhit;
	e->impact = nhit ? HONK_IMPACT_BREAKING : HONK_IMPACT_RELOCATE;
	honk_diff_release(&d);
	return 0;
}

static int cmp_direct(const void *pa, const void *pb)
{
	const struct honk_impacted *a = pa, *b = pb;

	if (a->depth != b->depth)
		return a->depth < b->depth ? -1 : 1;
	return strcmp(a->consumer->name, b->consumer->name);
}

int honk_impact_compute(struct honk_impact *im, const struct honk_catalog *cat,
			const struct honk_readers *ix,
			const struct honk_dataset *ds, int64_t from, int64_t to,
			unsigned max_depth)
{
	const struct honk_version *vt = honk_dataset_version(ds, to);
	struct honk_readers own = { NULL, NULL };
	size_t d = (size_t)(ds - cat->datasets), k, q, level_start, level_end;
	unsigned char *seen = NULL; /* per consumer: already listed */
	unsigned depth;
	int err = 0;

	if (!vt)
		return honk_error_set(HONK_ENOTFOUND, "%s has no version %lld",
				      ds->id, (long long)to);
	if (!ix) {
		if ((err = honk_readers_build(&own, cat)) < 0)
			return err;
		ix = &own;
	}
	seen = calloc(cat->nconsumers + 1, 1);
	if (!seen) {
		err = honk_error_set(HONK_ERROR, "out of memory");
		goto cleanup;
	}
	for (k = ix->first[d]; k < ix->first[d + 1]; k++) {
		const struct honk_consumer *co =
			&cat->consumers[ix->v[k].consumer];
		const struct honk_read *r = &co->reads[ix->v[k].read];
		const struct honk_version *vf;
		struct honk_impacted *e;

		if (from >= 0 ? r->version != from : r->version >= to)
			continue;
		vf = honk_dataset_version(ds, r->version);
		if (!vf || seen[ix->v[k].consumer])
			continue;
		seen[ix->v[k].consumer] = 1;
		if (!(e = add(im))) {
			err = HONK_ERROR;
			goto cleanup;
		}
		e->consumer = co;
		e->dataset = ds->id;
		e->from = r->version;
		e->depth = 1;
		if ((err = classify(im, e, r, vf, vt)) < 0)
			goto cleanup;
	}
	if (im->n > 1)
		qsort(im->v, im->n, sizeof(*im->v), cmp_direct);
	/* breadth-first through what impacted consumers produce */
	level_start = 0;
	level_end = im->n;
	for (depth = 2;
	     level_start < level_end && (!max_depth || depth <= max_depth);
	     depth++) {
		size_t before = im->n;

		for (k = level_start; k < level_end; k++) {
			const struct honk_consumer *p = im->v[k].consumer;

			for (q = 0; q < p->nproduces; q++) {
				const struct honk_dataset *pd =
					honk_catalog_dataset(cat,
							     p->produces[q]);
				size_t pi, x;

				if (!pd)
					continue;
				pi = (size_t)(pd - cat->datasets);
				for (x = ix->first[pi]; x < ix->first[pi + 1];
				     x++) {
					uint32_t ci = ix->v[x].consumer;
					const struct honk_consumer *co =
						&cat->consumers[ci];
					struct honk_impacted *e;

					if (seen[ci])
						continue;
					seen[ci] = 1;
					if (!(e = add(im))) {
						err = HONK_ERROR;
						goto cleanup;
					}
					e->consumer = co;
					e->impact = HONK_IMPACT_TRANSITIVE;
					e->dataset = pd->id;
					e->from =
						co->reads[ix->v[x].read].version;
					e->via = p->produces[q];
					e->depth = depth;
				}
			}
		}
		if (im->n - before > 1)
			qsort(im->v + before, im->n - before, sizeof(*im->v),
			      cmp_direct);
		level_start = level_end;
		level_end = im->n;
	}
cleanup:
	free(seen);
	honk_readers_release(&own);
	return err;
}

void honk_impact_release(struct honk_impact *im)
{
	if (!im)
		return;
	honk_arena_release(&im->arena);
	im->v = NULL;
	im->n = im->alloc = 0;
}
