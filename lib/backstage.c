/*
 * Backstage entities from the catalog (see backstage.h for the mapping).
 *
 * Everything is written through honk's YAML emitter, one emitter per
 * document, so quoting follows the same rules as every file honk writes
 * and a description cannot break out of its scalar. Names are mapped
 * once per entity and checked for collisions before anything is written:
 * the export is all or nothing.
 */
#include "backstage.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "error.h"
#include "impact.h"
#include "sha1.h"
#include "yaml.h"
#include "banned.h"

#define NAME_MAX_LEN 63
#define NAME_KEEP    54 /* + '-' + 8 hex digits = 63 */

static int alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

static int valid_name(const char *s)
{
	size_t n = strlen(s), i;

	if (n < 1 || n > NAME_MAX_LEN || !alnum(s[0]) || !alnum(s[n - 1]))
		return 0;
	for (i = 0; i < n; i++)
		if (!alnum(s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
			return 0;
	return 1;
}

int honk_backstage_name(struct honk_buf *out, const char *name)
{
	static const char hex[] = "0123456789abcdef";
	struct honk_sha1 h;
	unsigned char sum[20];
	size_t keep, i;

	if (valid_name(name))
		return honk_buf_addstr(out, name);
	/* what is kept must be [A-Za-z0-9._-] and end alphanumeric */
	for (keep = 0; keep < NAME_KEEP && name[keep]; keep++)
		if (!alnum(name[keep]) && name[keep] != '-' &&
		    name[keep] != '_' && name[keep] != '.')
			break;
	while (keep && !alnum(name[keep - 1]))
		keep--;
	honk_sha1_init(&h);
	honk_sha1_update(&h, name, strlen(name));
	honk_sha1_final(&h, sum);
	if (keep && honk_buf_add(out, name, keep) < 0)
		return HONK_ERROR;
	if (keep)
		honk_buf_addch(out, '-');
	for (i = 0; i < 4; i++) {
		honk_buf_addch(out, hex[sum[i] >> 4]);
		honk_buf_addch(out, hex[sum[i] & 15]);
	}
	return 0;
}

struct named {
	const char *name; /* the Backstage name */
	const char *honk; /* the honk name */
};

static int by_name(const void *a, const void *b)
{
	const struct named *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : strcmp(x->honk, y->honk);
}

/* Map every name in src[0..n) into out[]; refuse two that end alike. */
static int map_names(const char **out, struct honk_arena *arena,
		     const char *const *src, size_t n, const char *kind)
{
	struct honk_buf b = HONK_BUF_INIT;
	struct named *v = malloc((n + 1) * sizeof(*v));
	size_t i;
	int err = 0;

	if (!v)
		return honk_error_set(HONK_ERROR, "out of memory");
	for (i = 0; i < n; i++) {
		honk_buf_reset(&b);
		if (honk_backstage_name(&b, src[i]) < 0 ||
		    !(out[i] = honk_arena_strdup(arena, b.buf))) {
			err = honk_error_set(HONK_ERROR, "out of memory");
			goto cleanup;
		}
		v[i].name = out[i];
		v[i].honk = src[i];
	}
	qsort(v, n, sizeof(*v), by_name);
	for (i = 1; i < n; i++)
		if (!strcmp(v[i - 1].name, v[i].name)) {
			err = honk_error_set(
				HONK_EINVALID,
				"the %ss '%s' and '%s' would both be the Backstage entity '%s'; rename one",
				kind, v[i - 1].honk, v[i].honk, v[i].name);
			goto cleanup;
		}
cleanup:
	free(v);
	honk_buf_release(&b);
	return err;
}

struct ctx {
	const struct honk_catalog *cat;
	struct honk_arena arena;
	const char **dname; /* per dataset */
	const char **cname; /* per consumer */
	struct honk_readers readers;
	size_t *prod_first; /* per dataset: producers[prod_first[i]..[i+1]) */
	size_t *producers;  /* consumer indexes */
	struct honk_buf tmp;
};

static int index_producers(struct ctx *x)
{
	const struct honk_catalog *cat = x->cat;
	size_t *fill, i, k, total = 0;

	x->prod_first = calloc(cat->ndatasets + 1, sizeof(*x->prod_first));
	fill = calloc(cat->ndatasets + 1, sizeof(*fill));
	if (!x->prod_first || !fill) {
		free(fill);
		return honk_error_set(HONK_ERROR, "out of memory");
	}
	for (i = 0; i < cat->nconsumers; i++)
		for (k = 0; k < cat->consumers[i].nproduces; k++) {
			const struct honk_dataset *ds = honk_catalog_dataset(
				cat, cat->consumers[i].produces[k]);

			if (ds) {
				fill[ds - cat->datasets]++;
				total++;
			}
		}
	for (i = 0; i < cat->ndatasets; i++) {
		x->prod_first[i + 1] = x->prod_first[i] + fill[i];
		fill[i] = x->prod_first[i];
	}
	x->producers = malloc((total + 1) * sizeof(*x->producers));
	if (!x->producers) {
		free(fill);
		return honk_error_set(HONK_ERROR, "out of memory");
	}
	for (i = 0; i < cat->nconsumers; i++)
		for (k = 0; k < cat->consumers[i].nproduces; k++) {
			const struct honk_dataset *ds = honk_catalog_dataset(
				cat, cat->consumers[i].produces[k]);

			if (ds)
				x->producers[fill[ds - cat->datasets]++] = i;
		}
	free(fill);
	return 0;
}

static void kv(struct honk_ywriter *w, const char *k, const char *v)
{
	honk_yw_str(w, k);
	honk_yw_str(w, v);
}

/* An entity ref list: "kind:name" for each. */
static void refs(struct ctx *x, struct honk_ywriter *w, const char *key,
		 const char *kind, const char *const *names, size_t n)
{
	size_t i;

	if (!n)
		return;
	honk_yw_str(w, key);
	honk_yw_seq_begin(w, 0);
	for (i = 0; i < n; i++) {
		honk_buf_reset(&x->tmp);
		honk_buf_addf(&x->tmp, "%s:%s", kind, names[i]);
		honk_yw_str(w, x->tmp.buf);
	}
	honk_yw_seq_end(w);
}

static void owner(struct ctx *x, struct honk_ywriter *w, const char *o)
{
	honk_buf_reset(&x->tmp);
	honk_buf_addstr(&x->tmp, "group:");
	if (o)
		honk_backstage_name(&x->tmp, o);
	else
		honk_buf_addstr(&x->tmp, "unknown");
	kv(w, "owner", x->tmp.buf);
}

static void header(struct honk_ywriter *w, const char *kind, const char *name,
		   const char *honk)
{
	kv(w, "apiVersion", "backstage.io/v1alpha1");
	kv(w, "kind", kind);
	honk_yw_str(w, "metadata");
	honk_yw_map_begin(w, 0);
	kv(w, "name", name);
	if (strcmp(name, honk) != 0)
		kv(w, "title", honk);
}

/*
 * Add s to a list of names (a malloc'ed array *v of *n, capacity *cap)
 * unless one of its last `window` entries is s already: a consumer that
 * reads two versions of a dataset depends on it once.
 */
static int push(const char ***v, size_t *n, size_t *cap, const char *s,
		size_t window)
{
	size_t k;

	for (k = *n; k > 0 && *n - k < window; k--)
		if (!strcmp((*v)[k - 1], s))
			return 0;
	if (honk_array_reserve(v, *n, cap, sizeof(**v)) < 0)
		return HONK_ERROR;
	(*v)[(*n)++] = s;
	return 0;
}

static int resource(struct ctx *x, struct honk_buf *out, size_t i)
{
	const struct honk_catalog *cat = x->cat;
	const struct honk_dataset *ds = &cat->datasets[i];
	struct honk_ywriter *w = NULL;
	const char **list = NULL;
	size_t n = 0, cap = 0, k;
	int err;

	if ((err = honk_yw_new(&w, out)) < 0)
		return err;
	honk_yw_map_begin(w, 0);
	header(w, "Resource", x->dname[i], ds->id);
	if (ds->description)
		kv(w, "description", ds->description);
	honk_yw_str(w, "annotations");
	honk_yw_map_begin(w, 0);
	kv(w, "honk.dev/dataset", ds->id);
	kv(w, "honk.dev/source-path", ds->path);
	honk_buf_reset(&x->tmp);
	for (k = 0; k < ds->nversions; k++)
		honk_buf_addf(&x->tmp, "%s%lld", k ? ", " : "",
			      (long long)ds->versions[k].version);
	kv(w, "honk.dev/versions", x->tmp.buf);
	honk_buf_reset(&x->tmp);
	for (k = 0; k < ds->nversions; k++)
		if (ds->versions[k].deprecated)
			honk_buf_addf(&x->tmp, "%sv%lld %s",
				      x->tmp.len ? ", " : "",
				      (long long)ds->versions[k].version,
				      ds->versions[k].deprecated);
	if (x->tmp.len)
		kv(w, "honk.dev/deprecated", x->tmp.buf);
	honk_yw_map_end(w);
	honk_yw_map_end(w); /* metadata */
	honk_yw_str(w, "spec");
	honk_yw_map_begin(w, 0);
	kv(w, "type", "dataset");
	owner(x, w, ds->owner);
	for (k = x->prod_first[i]; k < x->prod_first[i + 1]; k++)
		if ((err = push(&list, &n, &cap, x->cname[x->producers[k]],
				1)) < 0)
			goto cleanup;
	refs(x, w, "dependsOn", "component", list, n);
	n = 0;
	for (k = x->readers.first[i]; k < x->readers.first[i + 1]; k++)
		if ((err = push(&list, &n, &cap,
				x->cname[x->readers.v[k].consumer], 1)) < 0)
			goto cleanup;
	refs(x, w, "dependencyOf", "component", list, n);
	honk_yw_map_end(w); /* spec */
	honk_yw_map_end(w);
	err = honk_yw_finish(w);
cleanup:
	free(list);
	honk_yw_free(w);
	return err;
}

static const char *dataset_name(struct ctx *x, const char *id)
{
	const struct honk_dataset *ds = honk_catalog_dataset(x->cat, id);

	return ds ? x->dname[ds - x->cat->datasets] : NULL;
}

static int component(struct ctx *x, struct honk_buf *out, size_t i)
{
	const struct honk_consumer *co = &x->cat->consumers[i];
	struct honk_ywriter *w = NULL;
	struct honk_buf desc = HONK_BUF_INIT;
	const char **list = NULL;
	size_t n = 0, cap = 0, k;
	int err;

	if ((err = honk_yw_new(&w, out)) < 0)
		return err;
	honk_yw_map_begin(w, 0);
	header(w, "Component", x->cname[i], co->name);
	honk_buf_addstr(&desc, "Reads ");
	for (k = 0; k < co->nreads; k++)
		honk_buf_addf(&desc, "%s%s v%lld",
			      !k		    ? ""
			      : k + 1 == co->nreads ? " and "
						    : ", ",
			      co->reads[k].dataset,
			      (long long)co->reads[k].version);
	for (k = 0; k < co->nproduces; k++)
		honk_buf_addf(&desc, "%s%s",
			      !k		       ? "; produces "
			      : k + 1 == co->nproduces ? " and "
						       : ", ",
			      co->produces[k]);
	honk_buf_addch(&desc, '.');
	kv(w, "description", desc.buf);
	honk_yw_str(w, "annotations");
	honk_yw_map_begin(w, 0);
	kv(w, "honk.dev/consumer", co->name);
	kv(w, "honk.dev/source-path", co->path);
	kv(w, "honk.dev/criticality", honk_criticality_names[co->criticality]);
	honk_buf_reset(&x->tmp);
	for (k = 0; k < co->nreads; k++)
		honk_buf_addf(&x->tmp, "%s%s v%lld", k ? ", " : "",
			      co->reads[k].dataset,
			      (long long)co->reads[k].version);
	kv(w, "honk.dev/reads", x->tmp.buf);
	honk_yw_map_end(w);
	honk_yw_map_end(w); /* metadata */
	honk_yw_str(w, "spec");
	honk_yw_map_begin(w, 0);
	kv(w, "type", co->nproduces ? "pipeline" : "service");
	kv(w, "lifecycle", "production");
	owner(x, w, co->owner);
	for (k = 0; k < co->nreads; k++) {
		const char *d = dataset_name(x, co->reads[k].dataset);

		if (d && (err = push(&list, &n, &cap, d, n)) < 0)
			goto cleanup;
	}
	refs(x, w, "dependsOn", "resource", list, n);
	n = 0;
	for (k = 0; k < co->nproduces; k++) {
		const char *d = dataset_name(x, co->produces[k]);

		if (d && (err = push(&list, &n, &cap, d, n)) < 0)
			goto cleanup;
	}
	refs(x, w, "dependencyOf", "resource", list, n);
	honk_yw_map_end(w); /* spec */
	honk_yw_map_end(w);
	err = honk_yw_finish(w);
cleanup:
	free(list);
	honk_buf_release(&desc);
	honk_yw_free(w);
	return err;
}

int honk_backstage_export(struct honk_buf *out, const struct honk_catalog *cat)
{
	struct ctx x;
	const char **src = NULL;
	size_t i;
	int err;

	memset(&x, 0, sizeof(x));
	x.cat = cat;
	honk_buf_init(&x.tmp, 0);
	x.dname = calloc(cat->ndatasets + 1, sizeof(*x.dname));
	x.cname = calloc(cat->nconsumers + 1, sizeof(*x.cname));
	src = calloc(cat->ndatasets + cat->nconsumers + 1, sizeof(*src));
	if (!x.dname || !x.cname || !src) {
		err = honk_error_set(HONK_ERROR, "out of memory");
		goto cleanup;
	}
	for (i = 0; i < cat->ndatasets; i++)
		src[i] = cat->datasets[i].id;
	if ((err = map_names(x.dname, &x.arena, src, cat->ndatasets,
			     "dataset")) < 0)
		goto cleanup;
	for (i = 0; i < cat->nconsumers; i++)
		src[i] = cat->consumers[i].name;
	if ((err = map_names(x.cname, &x.arena, src, cat->nconsumers,
			     "consumer")) < 0)
		goto cleanup;
	if ((err = honk_readers_build(&x.readers, cat)) < 0 ||
	    (err = index_producers(&x)) < 0)
		goto cleanup;
	honk_buf_addstr(
		out,
		"# honk-status export backstage: a Resource per dataset, a Component\n"
		"# per consumer; owners are groups (group:unknown where the catalog\n"
		"# names none).\n");
	for (i = 0; i < cat->ndatasets; i++) {
		honk_buf_addstr(out, "---\n");
		if ((err = resource(&x, out, i)) < 0)
			goto cleanup;
	}
	for (i = 0; i < cat->nconsumers; i++) {
		honk_buf_addstr(out, "---\n");
		if ((err = component(&x, out, i)) < 0)
			goto cleanup;
	}
cleanup:
	free(src);
	free(x.dname);
	free(x.cname);
	free(x.prod_first);
	free(x.producers);
	honk_readers_release(&x.readers);
	honk_arena_release(&x.arena);
	honk_buf_release(&x.tmp);
	return err;
}
