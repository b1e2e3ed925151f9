/*
 * The catalog's reverse index on honk/state (see catindex.h).
 *
 * Who reads a dataset is a question about every consumer file; answering
 * it by loading them all makes every detection run cost as much as the
 * catalog. This index answers it from one small blob per dataset, so an
 * incremental run loads only the files its change reaches and rewrites
 * only the shards that change.
 *
 * Invariants: shards are sorted by path and hold one line per consumer
 * file, so the same catalog always gives the same bytes; a shard with no
 * lines is removed, never written empty; a consumer file registered as
 * changed is taken from the change, never from the stored shards.
 */
#include "catindex.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "banned.h"

#define FORMAT	  "honk-catindex 2\n"
#define SHARD_MAX ((size_t)256 << 20) /* 50,000 readers take a few MiB */

struct honk_ichange {
	const char *path;
	struct honk_ientry *was, *is;
};

static const char *const kind_dir[2] = { "index/readers/", "index/producers/" };

/*
 * A dataset's shard: index/<kind>/<domain>/<name>, so a change rewrites
 * one domain's directory, not one as large as the catalog.
 */
static void shard_rel(struct honk_buf *out, const char *ds)
{
	const char *dot = strchr(ds, '.');

	if (dot)
		honk_buf_addf(out, "%.*s/%s", (int)(dot - ds), ds, dot + 1);
	else
		honk_buf_addf(out, "%s", ds);
}

static void shard_path(struct honk_buf *out, int kind, const char *ds)
{
	honk_buf_reset(out);
	honk_buf_addf(out, "%s", kind_dir[kind]);
	shard_rel(out, ds);
}

static int plain(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '/' ||
	       c == '-';
}

static void add_escaped(struct honk_buf *b, const char *s)
{
	for (; *s; s++) {
		if (plain((unsigned char)*s))
			honk_buf_addch(b, *s);
		else
			honk_buf_addf(b, "%%%02X", (unsigned char)*s);
	}
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static char *unescape(struct honk_arena *a, const char *s, size_t len)
{
	char *out = honk_arena_alloc(a, len + 1), *o = out;
	size_t i;

	if (!out)
		return NULL;
	for (i = 0; i < len; i++) {
		if (s[i] == '%' && i + 2 < len && hexval(s[i + 1]) >= 0 &&
		    hexval(s[i + 2]) >= 0) {
			*o++ = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			i += 2;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

static int has(const char *const *v, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(v[i], s))
			return 1;
	return 0;
}

/* The entry for a consumer, in the arena; reads without repeats. */
static struct honk_ientry *entry_of(struct honk_arena *a, const char *path,
				    const struct honk_consumer *co)
{
	struct honk_ientry *e = honk_arena_alloc(a, sizeof(*e));
	size_t i;

	if (!e || !(e->path = honk_arena_strdup(a, path)))
		return NULL;
	e->reads = honk_arena_alloc(a, (co->nreads + 1) * sizeof(*e->reads));
	e->produces =
		honk_arena_alloc(a, (co->nproduces + 1) * sizeof(*e->produces));
	if (!e->reads || !e->produces)
		return NULL;
	/* copies: the consumer's catalog may go before the entry does */
	for (i = 0; i < co->nreads; i++)
		if (!has(e->reads, e->nreads, co->reads[i].dataset) &&
		    !(e->reads[e->nreads++] =
			      honk_arena_strdup(a, co->reads[i].dataset)))
			return NULL;
	for (i = 0; i < co->nproduces; i++)
		if (!has(e->produces, e->nproduces, co->produces[i]) &&
		    !(e->produces[e->nproduces++] =
			      honk_arena_strdup(a, co->produces[i])))
			return NULL;
	return e;
}

static void add_list(struct honk_buf *b, const char *const *v, size_t n)
{
	size_t i;

	if (!n)
		honk_buf_addch(b, '-');
	for (i = 0; i < n; i++)
		honk_buf_addf(b, "%s%s", i ? "," : "", v[i]);
}

static void add_line(struct honk_buf *b, const struct honk_ientry *e)
{
	add_escaped(b, e->path);
	honk_buf_addch(b, ' ');
	add_list(b, e->reads, e->nreads);
	honk_buf_addch(b, ' ');
	add_list(b, e->produces, e->nproduces);
	honk_buf_addch(b, '\n');
}

/* "a,b" or "-" into an arena array. */
static int parse_list(struct honk_arena *a, const char ***out, size_t *n,
		      const char *s, size_t len)
{
	size_t i, k, count = 1;

	*n = 0;
	if (len == 1 && s[0] == '-') {
		*out = NULL;
		return 0;
	}
	for (i = 0; i < len; i++)
		count += s[i] == ',';
	if (!(*out = honk_arena_alloc(a, count * sizeof(**out))))
		return -1;
	for (i = k = 0; i <= len; i++) {
		if (i == len || s[i] == ',') {
			if (i == k)
				return -1;
			if (!((*out)[(*n)++] =
				      honk_arena_strndup(a, s + k, i - k)))
				return -1;
			k = i + 1;
		}
	}
	return 0;
}

/* One shard's entries, in the arena. */
static int read_shard(struct honk_catindex *ix, int kind, const char *ds,
		      struct honk_ientry **out, size_t *n)
{
	struct honk_buf path = HONK_BUF_INIT, blob = HONK_BUF_INIT;
	git_tree_entry *te = NULL;
	size_t lines = 0, i;
	const char *p, *end;
	int err = 0;

	*out = NULL;
	*n = 0;
	honk_buf_init(&blob, SHARD_MAX);
	shard_path(&path, kind, ds);
	err = git_tree_entry_bypath(&te, ix->tree, path.buf);
	if (err == GIT_ENOTFOUND) {
		err = 0;
		goto cleanup;
	}
	if (err < 0)
		goto git_failed;
	err = honk_repo_read_blob(&blob, ix->repo, git_tree_entry_id(te));
	if (err == HONK_ELIMIT)
		goto bad; /* no shard is that large: damaged */
	if (err < 0)
		goto git_failed;
	for (i = 0; i < blob.len; i++)
		lines += blob.buf[i] == '\n';
	*out = honk_arena_alloc(&ix->arena, (lines + 1) * sizeof(**out));
	if (!*out)
		goto bad;
	for (p = blob.buf, end = blob.buf + blob.len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *s1, *s2;
		struct honk_ientry *e = &(*out)[*n];

		if (!nl)
			goto bad;
		s1 = memchr(p, ' ', (size_t)(nl - p));
		s2 = s1 ? memchr(s1 + 1, ' ', (size_t)(nl - s1 - 1)) : NULL;
		if (!s2 || s1 == p ||
		    !(e->path = unescape(&ix->arena, p, (size_t)(s1 - p))) ||
		    parse_list(&ix->arena, &e->reads, &e->nreads, s1 + 1,
			       (size_t)(s2 - s1 - 1)) < 0 ||
		    parse_list(&ix->arena, &e->produces, &e->nproduces, s2 + 1,
			       (size_t)(nl - s2 - 1)) < 0)
			goto bad;
		(*n)++;
		p = nl + 1;
	}
	goto cleanup;
git_failed:
	err = honk_error_git(HONK_ERROR, "cannot read '%s' on honk/state",
			     path.buf);
	goto cleanup;
bad:
	err = honk_error_set(HONK_EINVALID, "honk/state: '%s' is damaged",
			     path.buf);
cleanup:
	git_tree_entry_free(te);
	honk_buf_release(&path);
	honk_buf_release(&blob);
	return err;
}

int honk_catindex_open(struct honk_catindex *ix, struct honk_repo *repo,
		       const git_oid *state_commit)
{
	git_commit *c = NULL;
	git_tree_entry *te = NULL;
	struct honk_buf fmt = HONK_BUF_INIT;
	int err;

	memset(ix, 0, sizeof(*ix));
	ix->repo = repo;
	if (git_commit_lookup(&c, repo->git, state_commit) < 0 ||
	    git_commit_tree(&ix->tree, c) < 0) {
		err = honk_error_git(HONK_ERROR, "cannot read honk/state");
		goto cleanup;
	}
	if (git_tree_entry_bypath(&te, ix->tree, "index/format") < 0 ||
	    honk_repo_read_blob(&fmt, repo, git_tree_entry_id(te)) < 0 ||
	    fmt.len != strlen(FORMAT) || memcmp(fmt.buf, FORMAT, fmt.len)) {
		err = honk_error_set(HONK_ENOTFOUND,
				     "honk/state holds no catalog index");
		goto cleanup;
	}
	err = 0;
cleanup:
	honk_buf_release(&fmt);
	git_tree_entry_free(te);
	git_commit_free(c);
	if (err < 0)
		honk_catindex_release(ix);
	return err;
}

void honk_catindex_release(struct honk_catindex *ix)
{
	if (!ix)
		return;
	git_tree_free(ix->tree);
	free(ix->ch);
	honk_arena_release(&ix->arena);
	memset(ix, 0, sizeof(*ix));
}

static struct honk_ichange *find_change(const struct honk_catindex *ix,
					const char *path)
{
	size_t i;

	for (i = 0; i < ix->nch; i++)
		if (!strcmp(ix->ch[i].path, path))
			return &ix->ch[i];
	return NULL;
}

int honk_catindex_change(struct honk_catindex *ix, const char *path,
			 const struct honk_consumer *was,
			 const struct honk_consumer *is)
{
	struct honk_ichange *c = find_change(ix, path);

	if (!c) {
		if (honk_array_reserve(&ix->ch, ix->nch, &ix->ach,
				       sizeof(*ix->ch)) < 0)
			return HONK_ERROR;
		c = &ix->ch[ix->nch++];
		memset(c, 0, sizeof(*c));
		if (!(c->path = honk_arena_strdup(&ix->arena, path)))
			return honk_error_set(HONK_ERROR, "out of memory");
	}
	if ((was && !(c->was = entry_of(&ix->arena, path, was))) ||
	    (is && !(c->is = entry_of(&ix->arena, path, is))))
		return honk_error_set(HONK_ERROR, "out of memory");
	if (!is)
		c->is = NULL;
	return 0;
}

static int names(const struct honk_ientry *e, int kind, const char *ds)
{
	return kind ? has(e->produces, e->nproduces, ds)
		    : has(e->reads, e->nreads, ds);
}

int honk_catindex_each(struct honk_catindex *ix, int producers,
		       const char *dataset, honk_ientry_cb cb, void *payload)
{
	struct honk_ientry *v;
	size_t n, i;
	int err, kind = !!producers;

	if ((err = read_shard(ix, kind, dataset, &v, &n)) < 0)
		return err;
	for (i = 0; i < n; i++)
		if (!find_change(ix, v[i].path) && (err = cb(&v[i], payload)))
			return err;
	for (i = 0; i < ix->nch; i++)
		if (ix->ch[i].is && names(ix->ch[i].is, kind, dataset) &&
		    (err = cb(ix->ch[i].is, payload)))
			return err;
	return 0;
}

void honk_iupdates_release(struct honk_iupdates *u)
{
	if (!u)
		return;
	free(u->v);
	honk_arena_release(&u->arena);
	memset(u, 0, sizeof(*u));
}

static int push_update(struct honk_iupdates *u, const char *path,
		       const struct honk_buf *data)
{
	struct honk_tree_update *t;

	if (honk_array_reserve(&u->v, u->n, &u->cap, sizeof(*u->v)) < 0)
		return HONK_ERROR;
	t = &u->v[u->n];
	t->path = honk_arena_strdup(&u->arena, path);
	t->remove = data == NULL;
	t->len = data ? data->len : 0;
	t->data = data ? honk_arena_strndup(&u->arena, data->buf, data->len)
		       : NULL;
	if (!t->path || (data && !t->data))
		return honk_error_set(HONK_ERROR, "out of memory");
	u->n++;
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp((*(const struct honk_ientry *const *)a)->path,
		      (*(const struct honk_ientry *const *)b)->path);
}

/* A shard's bytes from its entries (sorted here); empty: no shard. */
static void shard_bytes(struct honk_buf *out, const struct honk_ientry **v,
			size_t n)
{
	size_t i;

	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_entry);
	honk_buf_reset(out);
	for (i = 0; i < n; i++)
		add_line(out, v[i]);
}

struct gather {
	const struct honk_ientry **v;
	size_t n, cap;
};

static int gather(const struct honk_ientry *e, void *payload)
{
	struct gather *g = payload;

	if (honk_array_reserve((void *)&g->v, g->n, &g->cap, sizeof(*g->v)) < 0)
		return HONK_ERROR;
	g->v[g->n++] = e;
	return 0;
}

/* Rewrite one shard from the index with the changes laid over it. */
static int rewrite(struct honk_iupdates *out, struct honk_catindex *ix,
		   int kind, const char *ds)
{
	struct honk_buf path = HONK_BUF_INIT, data = HONK_BUF_INIT;
	struct gather g = { NULL, 0, 0 };
	git_tree_entry *te = NULL;
	size_t i;
	int err;

	shard_path(&path, kind, ds);
	for (i = 0; i < out->n; i++)
		if (!strcmp(out->v[i].path, path.buf))
			goto done; /* already rewritten */
	if ((err = honk_catindex_each(ix, kind, ds, gather, &g)) < 0)
		goto cleanup;
	shard_bytes(&data, g.v, g.n);
	if (data.len)
		err = push_update(out, path.buf, &data);
	else if (git_tree_entry_bypath(&te, ix->tree, path.buf) == 0)
		err = push_update(out, path.buf, NULL);
	goto cleanup;
done:
	err = 0;
cleanup:
	git_tree_entry_free(te);
	free(g.v);
	honk_buf_release(&path);
	honk_buf_release(&data);
	return err;
}

int honk_catindex_updates(struct honk_iupdates *out, struct honk_catindex *ix)
{
	size_t i, k;
	int err = 0;

	for (i = 0; i < ix->nch && err >= 0; i++) {
		const struct honk_ientry *side[2] = { ix->ch[i].was,
						      ix->ch[i].is };
		size_t s;

		for (s = 0; s < 2 && err >= 0; s++) {
			const struct honk_ientry *e = side[s];

			for (k = 0; e && k < e->nreads && err >= 0; k++)
				err = rewrite(out, ix, 0, e->reads[k]);
			for (k = 0; e && k < e->nproduces && err >= 0; k++)
				err = rewrite(out, ix, 1, e->produces[k]);
		}
	}
	return err;
}

/* (dataset, entry) pairs of the whole catalog, for one kind. */
struct pair {
	const char *ds;
	const struct honk_ientry *e;
};

static int cmp_pair(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;
	int c = strcmp(x->ds, y->ds);

	return c ? c : strcmp(x->e->path, y->e->path);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * The shards under dir at a state commit, as "<domain>/<name>" paths,
 * sorted (to remove the stale ones in a full rebuild).
 */
static int old_shards(const char ***out, size_t *n, struct honk_arena *a,
		      struct honk_repo *repo, const git_oid *state,
		      const char *dir)
{
	git_commit *c = NULL;
	git_tree *t = NULL, *sub = NULL;
	git_tree_entry *te = NULL;
	size_t i, k, cap = 0;
	int err = 0;

	*out = NULL;
	*n = 0;
	if (!state)
		return 0;
	if (git_commit_lookup(&c, repo->git, state) < 0 ||
	    git_commit_tree(&t, c) < 0) {
		err = honk_error_git(HONK_ERROR, "cannot read honk/state");
		goto cleanup;
	}
	if (git_tree_entry_bypath(&te, t, dir) < 0 ||
	    git_tree_lookup(&sub, repo->git, git_tree_entry_id(te)) < 0)
		goto cleanup; /* none */
	for (i = 0; i < git_tree_entrycount(sub) && err >= 0; i++) {
		const git_tree_entry *d = git_tree_entry_byindex(sub, i);
		git_tree *dom = NULL;

		if (git_tree_entry_type(d) != GIT_OBJECT_TREE ||
		    git_tree_lookup(&dom, repo->git, git_tree_entry_id(d)) < 0)
			continue;
		for (k = 0; k < git_tree_entrycount(dom); k++) {
			struct honk_buf p = HONK_BUF_INIT;

			honk_buf_addf(&p, "%s/%s", git_tree_entry_name(d),
				      git_tree_entry_name(
					      git_tree_entry_byindex(dom, k)));
			if (honk_arena_reserve(a, out, *n, &cap,
					       sizeof(**out)) < 0 ||
			    !((*out)[(*n)++] = honk_arena_strdup(a, p.buf)))
				err = honk_error_set(HONK_ERROR,
						     "out of memory");
			honk_buf_release(&p);
			if (err < 0)
				break;
		}
		git_tree_free(dom);
	}
	if (*n > 1)
		qsort((void *)*out, *n, sizeof(**out), cmp_str);
cleanup:
	git_tree_entry_free(te);
	git_tree_free(sub);
	git_tree_free(t);
	git_commit_free(c);
	return err;
}

int honk_catindex_full(struct honk_iupdates *out,
		       const struct honk_catalog *cat, struct honk_repo *repo,
		       const git_oid *state_commit)
{
	struct honk_arena a = HONK_ARENA_INIT;
	struct honk_buf data = HONK_BUF_INIT, path = HONK_BUF_INIT,
			rel = HONK_BUF_INIT;
	const struct honk_ientry **group = NULL;
	struct pair *pairs = NULL;
	const char **old = NULL;
	size_t i, k, n, kind, nold, o;
	int err = 0;

	honk_buf_addf(&data, FORMAT);
	if ((err = push_update(out, "index/format", &data)) < 0)
		goto cleanup;
	for (kind = 0; kind < 2 && err >= 0; kind++) {
		size_t total = 0;

		for (i = 0; i < cat->nconsumers; i++)
			total += kind ? cat->consumers[i].nproduces
				      : cat->consumers[i].nreads;
		free(pairs);
		free(group);
		pairs = malloc((total + 1) * sizeof(*pairs));
		group = malloc((total + 1) * sizeof(*group));
		if (!pairs || !group) {
			err = honk_error_set(HONK_ERROR, "out of memory");
			goto cleanup;
		}
		for (i = n = 0; i < cat->nconsumers; i++) {
			const struct honk_consumer *co = &cat->consumers[i];
			struct honk_ientry *e = entry_of(&a, co->path, co);

			if (!e) {
				err = honk_error_set(HONK_ERROR,
						     "out of memory");
				goto cleanup;
			}
			for (k = 0; k < (kind ? e->nproduces : e->nreads);
			     k++) {
				pairs[n].ds = kind ? e->produces[k]
						   : e->reads[k];
				pairs[n++].e = e;
			}
		}
		if (n > 1)
			qsort(pairs, n, sizeof(*pairs), cmp_pair);
		honk_buf_reset(&path);
		honk_buf_addf(&path, "%.*s", (int)strlen(kind_dir[kind]) - 1,
			      kind_dir[kind]);
		if ((err = old_shards(&old, &nold, &a, repo, state_commit,
				      path.buf)) < 0)
			goto cleanup;
		/* the new shards in order; old ones not among them go */
		for (i = 0, o = 0; i < n && err >= 0; i = k) {
			size_t g = 0;

			for (k = i; k < n && !strcmp(pairs[k].ds, pairs[i].ds);
			     k++)
				group[g++] = pairs[k].e;
			honk_buf_reset(&rel);
			shard_rel(&rel, pairs[i].ds);
			for (; o < nold && strcmp(old[o], rel.buf) < 0 &&
			       err >= 0;
			     o++) {
				honk_buf_reset(&path);
				honk_buf_addf(&path, "%s%s", kind_dir[kind],
					      old[o]);
				err = push_update(out, path.buf, NULL);
			}
			if (o < nold && !strcmp(old[o], rel.buf))
				o++;
			shard_bytes(&data, group, g);
			shard_path(&path, (int)kind, pairs[i].ds);
			if (err >= 0)
				err = push_update(out, path.buf, &data);
		}
		for (; o < nold && err >= 0; o++) {
			honk_buf_reset(&path);
			honk_buf_addf(&path, "%s%s", kind_dir[kind], old[o]);
			err = push_update(out, path.buf, NULL);
		}
	}
cleanup:
	free(pairs);
	free(group);
	honk_buf_release(&data);
	honk_buf_release(&path);
	honk_buf_release(&rel);
	honk_arena_release(&a);
	return err;
}
