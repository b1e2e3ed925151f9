/*
 * Write batches for the Git layer.
 *
 * An object database backend of honk's own sits in front of the
 * repository's loose and pack backends, at a higher priority. Outside a
 * batch it holds nothing and passes every write through, so honk's
 * ordinary writes are loose objects as before. Inside a batch it keeps
 * each new object in a hash table (reads are served from it, so a
 * commit can be built on a tree written a moment ago), and the ref
 * updates are queued. The commit writes the table as one pack and its
 * index, both fsynced (pack.c), refreshes the object database so the
 * pack is seen, and then moves the refs,
 * all of them with one sync (reftx.c).
 *
 * Invariants: no queued ref is applied before every object of the batch
 * is in a pack on disk; the table is empty whenever no batch is open; a
 * failure before the pack is written leaves nothing on disk at all.
 */
#include "batch.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <git2/sys/odb_backend.h>

#include "buf.h"
#include "error.h"
#include "pack.h"
#include "reftx.h"
#include "banned.h"

struct object {
	git_oid id;
	git_object_t type;
	size_t len;
	unsigned char *data;
};

struct batch_odb {
	git_odb_backend parent;
	int active;
	struct object *v; /* in the order written */
	size_t n, alloc;
	size_t *slot; /* open addressing: index into v + 1; 0 is empty */
	size_t nslot; /* a power of two, more than twice n; 0 before use */
};

struct queued {
	char *refname;
	char *message;
	git_oid target, expected;
	int has_expected;
};

struct honk_batch {
	struct batch_odb *odb; /* owned by the repository's git_odb */
	struct queued *q;
	size_t nq, aq;
};

static size_t hash_oid(const git_oid *id)
{
	size_t h;

	memcpy(&h, id->id, sizeof(h)); /* already a hash */
	return h;
}

static struct object *find(const struct batch_odb *b, const git_oid *id)
{
	size_t mask, i;

	if (!b->nslot)
		return NULL;
	mask = b->nslot - 1;
	for (i = hash_oid(id) & mask; b->slot[i]; i = (i + 1) & mask) {
		struct object *o = &b->v[b->slot[i] - 1];

		if (git_oid_equal(&o->id, id))
			return o;
	}
	return NULL;
}

static int grow_slots(struct batch_odb *b)
{
	size_t nslot = b->nslot ? b->nslot * 2 : 1024, i, mask = nslot - 1;
	size_t *slot = calloc(nslot, sizeof(*slot));

	if (!slot)
		return -1;
	for (i = 0; i < b->n; i++) {
		size_t j = hash_oid(&b->v[i].id) & mask;

		while (slot[j])
			j = (j + 1) & mask;
		slot[j] = i + 1;
	}
	free(b->slot);
	b->slot = slot;
	b->nslot = nslot;
	return 0;
}

static void clear(struct batch_odb *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		free(b->v[i].data);
	free(b->v);
	free(b->slot);
	b->v = NULL;
	b->slot = NULL;
	b->n = b->alloc = b->nslot = 0;
}

static int b_write(git_odb_backend *be, const git_oid *id, const void *data,
		   size_t len, git_object_t type)
{
	struct batch_odb *b = (struct batch_odb *)be;
	struct object *o;

	if (!b->active)
		return GIT_PASSTHROUGH;
	if (find(b, id))
		return 0;
	if ((b->n + 1) * 2 > b->nslot && grow_slots(b) < 0)
		goto oom;
	if (honk_array_reserve(&b->v, b->n, &b->alloc, sizeof(*b->v)) < 0)
		goto oom;
	o = &b->v[b->n];
	o->data = malloc(len ? len : 1);
	if (!o->data)
		goto oom;
	if (len)
		memcpy(o->data, data, len);
	git_oid_cpy(&o->id, id);
	o->type = type;
	o->len = len;
	{
		size_t mask = b->nslot - 1, j = hash_oid(id) & mask;

		while (b->slot[j])
			j = (j + 1) & mask;
		b->slot[j] = ++b->n;
	}
	return 0;
oom:
	git_error_set_oom();
	return GIT_ERROR;
}

/*
 * Blobs are written through a stream, bound to a backend when it is
 * opened: outside a batch, pass so the loose backend's stream is used.
 */
struct wstream {
	git_odb_stream parent;
	git_object_t type;
	unsigned char *data;
	size_t len, cap;
};

static int ws_write(git_odb_stream *st, const char *data, size_t len)
{
	struct wstream *w = (struct wstream *)st;

	if (len > w->cap - w->len) {
		size_t cap = w->cap ? w->cap : 256;
		unsigned char *p;

		while (cap - w->len < len) {
			if (cap > SIZE_MAX / 2)
				goto oom;
			cap *= 2;
		}
		p = realloc(w->data, cap);
		if (!p)
			goto oom;
		w->data = p;
		w->cap = cap;
	}
	if (len)
		memcpy(w->data + w->len, data, len);
	w->len += len;
	return 0;
oom:
	git_error_set_oom();
	return GIT_ERROR;
}

static int ws_finalize(git_odb_stream *st, const git_oid *id)
{
	struct wstream *w = (struct wstream *)st;

	return b_write(st->backend, id, w->data, w->len, w->type);
}

static void ws_free(git_odb_stream *st)
{
	struct wstream *w = (struct wstream *)st;

	free(w->data);
	free(w);
}

static int b_writestream(git_odb_stream **out, git_odb_backend *be,
			 git_object_size_t size, git_object_t type)
{
	struct batch_odb *b = (struct batch_odb *)be;
	struct wstream *w;

	(void)size;
	if (!b->active)
		return GIT_PASSTHROUGH;
	w = calloc(1, sizeof(*w));
	if (!w) {
		git_error_set_oom();
		return GIT_ERROR;
	}
	w->parent.backend = be;
	w->parent.mode = GIT_STREAM_WRONLY;
	w->parent.write = ws_write;
	w->parent.finalize_write = ws_finalize;
	w->parent.free = ws_free;
	w->type = type;
	*out = &w->parent;
	return 0;
}

static int b_read(void **out, size_t *len, git_object_t *type,
		  git_odb_backend *be, const git_oid *id)
{
	struct object *o = find((struct batch_odb *)be, id);

	if (!o)
		return GIT_ENOTFOUND;
	*out = git_odb_backend_data_alloc(be, o->len ? o->len : 1);
	if (!*out)
		return GIT_ERROR;
	if (o->len)
		memcpy(*out, o->data, o->len);
	*len = o->len;
	*type = o->type;
	return 0;
}

static int b_read_header(size_t *len, git_object_t *type, git_odb_backend *be,
			 const git_oid *id)
{
	struct object *o = find((struct batch_odb *)be, id);

	if (!o)
		return GIT_ENOTFOUND;
	*len = o->len;
	*type = o->type;
	return 0;
}

static int b_exists(git_odb_backend *be, const git_oid *id)
{
	return find((struct batch_odb *)be, id) != NULL;
}

static int b_freshen(git_odb_backend *be, const git_oid *id)
{
	return find((struct batch_odb *)be, id) ? 0 : GIT_ENOTFOUND;
}

static void b_free(git_odb_backend *be)
{
	struct batch_odb *b = (struct batch_odb *)be;

	clear(b);
	free(b);
}

int honk_batch_put(git_oid *out, struct honk_repo *r, git_object_t type,
		   const void *data, size_t len)
{
	if (!honk_batch_active(r))
		return honk_error_set(HONK_EUSAGE, "no write batch is open");
	if (git_odb_hash(out, data, len, type) < 0 ||
	    b_write(&r->batch->odb->parent, out, data, len, type) < 0)
		return honk_error_git(HONK_ERROR, "cannot hold an object");
	return 0;
}

/* A tree entry being rebuilt. */
struct tent {
	char *name;
	unsigned mode;
	git_oid id;
};

/* git's order: a tree's name compares as if it ended in '/'. */
static int tent_cmp(const void *pa, const void *pb)
{
	const struct tent *a = pa, *b = pb;
	size_t la = strlen(a->name), lb = strlen(b->name);
	size_t n = la < lb ? la : lb;
	int c = memcmp(a->name, b->name, n);
	unsigned char ca, cb;

	if (c)
		return c;
	ca = la > n ? (unsigned char)a->name[n] : a->mode == 040000 ? '/' : 0;
	cb = lb > n ? (unsigned char)b->name[n] : b->mode == 040000 ? '/' : 0;
	return (int)ca - (int)cb;
}

/*
 * The entries of one tree being rebuilt: the base tree's first, sorted
 * by name (for binary search), then the new ones; a removed entry has
 * mode 0 until the tree is written.
 */
struct tents {
	struct tent *v;
	size_t n, alloc;
	size_t nbase;
};

static void tents_release(struct tents *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->v[i].name);
	free(t->v);
}

static int name_cmp(const char *key, size_t len, const char *name)
{
	size_t nlen = strlen(name), n = len < nlen ? len : nlen;
	int c = memcmp(key, name, n);

	return c ? c : (len > nlen) - (len < nlen);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct tent *)a)->name,
		      ((const struct tent *)b)->name);
}

static struct tent *tents_find(struct tents *t, const char *name, size_t len)
{
	size_t lo = 0, hi = t->nbase, i;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = name_cmp(name, len, t->v[mid].name);

		if (c == 0)
			return t->v[mid].mode ? &t->v[mid] : NULL;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	/* names new to this tree: few, one per update at most */
	for (i = t->nbase; i < t->n; i++)
		if (t->v[i].mode && !name_cmp(name, len, t->v[i].name))
			return &t->v[i];
	return NULL;
}

static int tents_set(struct tents *t, const char *name, size_t len,
		     unsigned mode, const git_oid *id)
{
	struct tent *e = tents_find(t, name, len);

	if (!e) {
		if (honk_array_reserve(&t->v, t->n, &t->alloc, sizeof(*t->v)) <
		    0)
			return -1;
		e = &t->v[t->n];
		if (!(e->name = malloc(len + 1)))
			return -1;
		memcpy(e->name, name, len);
		e->name[len] = '\0';
		t->n++;
	}
	e->mode = mode;
	git_oid_cpy(&e->id, id);
	return 0;
}

static void tents_remove(struct tents *t, const char *name, size_t len)
{
	struct tent *e = tents_find(t, name, len);

	if (e)
		e->mode = 0;
}

/*
 * base (NULL: empty) with ups applied, every path relative after skip
 * bytes; ups sorted by path. *empty is set when nothing is left.
 */
static int tree_update(git_oid *out, int *empty, struct honk_repo *r,
		       const git_oid *base, const git_tree_update *ups,
		       size_t n, size_t skip)
{
	struct tents t = { NULL, 0, 0, 0 };
	struct honk_buf buf = HONK_BUF_INIT;
	git_tree *tree = NULL;
	const char *last = NULL;
	size_t i, j, k, live;
	int err = 0;

	if (base) {
		if (git_tree_lookup(&tree, r->git, base) < 0) {
			err = honk_error_git(HONK_ERROR, "cannot read a tree");
			goto cleanup;
		}
		for (k = 0; k < git_tree_entrycount(tree); k++) {
			const git_tree_entry *e =
				git_tree_entry_byindex(tree, k);
			const char *name = git_tree_entry_name(e);

			if (tents_set(&t, name, strlen(name),
				      (unsigned)git_tree_entry_filemode_raw(e),
				      git_tree_entry_id(e)) < 0)
				goto oom;
		}
		if (t.n > 1)
			qsort(t.v, t.n, sizeof(*t.v), by_name);
		t.nbase = t.n;
	}
	for (i = 0; i < n; i = j) {
		const char *rel = ups[i].path + skip;
		const char *slash = strchr(rel, '/');
		size_t len = slash ? (size_t)(slash - rel) : strlen(rel);
		struct tent *sub;
		git_oid sub_id;
		int sub_empty = 0;

		if (!slash) {
			j = i + 1;
			if (ups[i].action == GIT_TREE_UPDATE_REMOVE) {
				if (!tents_find(&t, rel, len)) {
					err = honk_error_set(
						HONK_ENOTFOUND,
						"cannot remove '%s': not in the tree",
						ups[i].path);
					goto cleanup;
				}
				tents_remove(&t, rel, len);
			} else if (tents_set(&t, rel, len, ups[i].filemode,
					     &ups[i].id) < 0)
				goto oom;
			continue;
		}
		for (j = i + 1; j < n; j++) {
			const char *o = ups[j].path + skip;

			if (strncmp(o, rel, len + 1) != 0)
				break;
		}
		sub = tents_find(&t, rel, len);
		err = tree_update(&sub_id, &sub_empty, r,
				  sub && sub->mode == 040000 ? &sub->id : NULL,
				  ups + i, j - i, skip + len + 1);
		if (err < 0)
			goto cleanup;
		if (sub_empty)
			tents_remove(&t, rel, len);
		else if (tents_set(&t, rel, len, 040000, &sub_id) < 0)
			goto oom;
	}
	if (t.n > 1)
		qsort(t.v, t.n, sizeof(*t.v), tent_cmp);
	for (k = 0, live = 0; k < t.n; k++) {
		if (!t.v[k].mode)
			continue;
		if (live && !strcmp(t.v[k].name, last)) {
			err = honk_error_set(
				HONK_EINVALID,
				"'%s' is both a file and a directory",
				t.v[k].name);
			goto cleanup;
		}
		honk_buf_addf(&buf, "%o %s", t.v[k].mode, t.v[k].name);
		honk_buf_add(&buf, "", 1);
		honk_buf_add(&buf, t.v[k].id.id, GIT_OID_RAWSZ);
		last = t.v[k].name;
		live++;
	}
	*empty = live == 0;
	err = honk_batch_put(out, r, GIT_OBJECT_TREE, buf.buf, buf.len);
	goto cleanup;
oom:
	err = honk_error_set(HONK_ERROR, "out of memory");
cleanup:
	honk_buf_release(&buf);
	git_tree_free(tree);
	tents_release(&t);
	return err;
}

static int update_cmp(const void *a, const void *b)
{
	return strcmp(((const git_tree_update *)a)->path,
		      ((const git_tree_update *)b)->path);
}

int honk_batch_tree(git_oid *out, struct honk_repo *r, const git_tree *base,
		    git_tree_update *ups, size_t n)
{
	size_t i;
	int empty;

	if (n > 1)
		qsort(ups, n, sizeof(*ups), update_cmp);
	for (i = 1; i < n; i++)
		if (!strcmp(ups[i - 1].path, ups[i].path))
			return honk_error_set(
				HONK_EINVALID,
				"'%s' is updated twice in one commit",
				ups[i].path);
	return tree_update(out, &empty, r, base ? git_tree_id(base) : NULL, ups,
			   n, 0);
}

/* The backend, attached to the repository's object database once. */
static int attach(struct honk_batch *batch, struct honk_repo *r)
{
	struct batch_odb *b;
	git_odb *odb = NULL;

	if (batch->odb)
		return 0;
	b = calloc(1, sizeof(*b));
	if (!b)
		return honk_error_set(HONK_ERROR, "out of memory");
	if (git_odb_init_backend(&b->parent, GIT_ODB_BACKEND_VERSION) < 0) {
		free(b);
		return honk_error_git(HONK_ERROR,
				      "cannot set up a write batch");
	}
	b->parent.write = b_write;
	b->parent.writestream = b_writestream;
	b->parent.read = b_read;
	b->parent.read_header = b_read_header;
	b->parent.exists = b_exists;
	b->parent.freshen = b_freshen;
	b->parent.free = b_free;
	if (git_repository_odb(&odb, r->git) < 0 ||
	    git_odb_add_backend(odb, &b->parent, 1000) < 0) {
		git_odb_free(odb);
		free(b);
		return honk_error_git(HONK_ERROR,
				      "cannot open the object database");
	}
	git_odb_free(odb); /* the repository keeps it, and it keeps b */
	batch->odb = b;
	return 0;
}

int honk_batch_begin(struct honk_repo *r)
{
	int err;

	if (!r->batch) {
		r->batch = calloc(1, sizeof(*r->batch));
		if (!r->batch)
			return honk_error_set(HONK_ERROR, "out of memory");
	}
	if (r->batch->odb && r->batch->odb->active)
		return honk_error_set(HONK_EUSAGE, "a write batch is open");
	if ((err = attach(r->batch, r)) < 0)
		return err;
	r->batch->odb->active = 1;
	return 0;
}

int honk_batch_active(const struct honk_repo *r)
{
	return r->batch && r->batch->odb && r->batch->odb->active;
}

size_t honk_batch_queued(const struct honk_repo *r)
{
	return r->batch ? r->batch->nq : 0;
}

int honk_batch_queue_ref(struct honk_repo *r, const char *refname,
			 const git_oid *target, const git_oid *expected,
			 const char *message)
{
	struct honk_batch *b = r->batch;
	struct queued *q;

	if (!honk_batch_active(r))
		return honk_error_set(HONK_EUSAGE, "no write batch is open");
	if (honk_array_reserve(&b->q, b->nq, &b->aq, sizeof(*b->q)) < 0)
		return HONK_ERROR;
	q = &b->q[b->nq];
	memset(q, 0, sizeof(*q));
	q->refname = strdup(refname);
	q->message = strdup(message ? message : "honk");
	if (!q->refname || !q->message) {
		free(q->refname);
		free(q->message);
		return honk_error_set(HONK_ERROR, "out of memory");
	}
	git_oid_cpy(&q->target, target);
	if (expected) {
		git_oid_cpy(&q->expected, expected);
		q->has_expected = 1;
	}
	b->nq++;
	return 0;
}

static void drop_queue(struct honk_batch *b)
{
	size_t i;

	for (i = 0; i < b->nq; i++) {
		free(b->q[i].refname);
		free(b->q[i].message);
	}
	b->nq = 0;
}

/*
 * A few objects are written loose, as git does with a small push (its
 * transfer.unpackLimit): a pack of each small batch would leave many
 * tiny packs, and pack building costs more than it saves there.
 */
#define BATCH_LOOSE_LIMIT 64

static int write_loose(struct honk_repo *r, struct batch_odb *b)
{
	git_odb *odb = NULL;
	git_oid id;
	size_t i;
	int err = 0;

	struct batch_odb held = *b;

	if (git_repository_odb(&odb, r->git) < 0)
		return honk_error_git(HONK_ERROR,
				      "cannot open the object database");
	/* out of the table, so nothing here claims to have them, and the
	 * writes pass through to disk */
	b->v = NULL;
	b->slot = NULL;
	b->n = b->alloc = b->nslot = 0;
	b->active = 0;
	for (i = 0; i < held.n && !err; i++)
		if (git_odb_write(&id, odb, held.v[i].data, held.v[i].len,
				  held.v[i].type) < 0)
			err = honk_error_git(HONK_ERROR,
					     "cannot write an object");
	b->active = 1;
	git_odb_free(odb);
	clear(&held);
	return err;
}

/* Every held object onto disk, as one pack; the table is emptied. */
static int write_pack(struct honk_repo *r, struct batch_odb *b)
{
	struct honk_packobj *v;
	git_odb *odb = NULL;
	size_t i;
	int err;

	if (!b->n)
		return 0;
	if (b->n < BATCH_LOOSE_LIMIT)
		return write_loose(r, b);
	v = malloc(b->n * sizeof(*v));
	if (!v)
		return honk_error_set(HONK_ERROR, "out of memory");
	for (i = 0; i < b->n; i++) {
		git_oid_cpy(&v[i].id, &b->v[i].id);
		v[i].type = b->v[i].type;
		v[i].data = b->v[i].data;
		v[i].len = b->v[i].len;
	}
	err = honk_pack_write(r, v, b->n);
	free(v);
	/* the pack is on disk: let the pack backend see it */
	if (err == 0 &&
	    (git_repository_odb(&odb, r->git) < 0 || git_odb_refresh(odb) < 0))
		err = honk_error_git(HONK_ERROR,
				     "cannot reread the object database");
	git_odb_free(odb);
	if (err == 0)
		clear(b);
	return err;
}

int honk_batch_commit(struct honk_repo *r, honk_batch_cb cb, void *payload)
{
	struct honk_batch *b = r->batch;
	struct honk_refupdate *v;
	size_t i;
	int err;

	if (!honk_batch_active(r))
		return honk_error_set(HONK_EUSAGE, "no write batch is open");
	err = write_pack(r, b->odb);
	b->odb->active = 0;
	if (err < 0) {
		clear(b->odb);
		drop_queue(b);
		return err;
	}
	v = calloc(b->nq ? b->nq : 1, sizeof(*v));
	if (!v) {
		drop_queue(b);
		return honk_error_set(HONK_ERROR, "out of memory");
	}
	for (i = 0; i < b->nq; i++) {
		v[i].refname = b->q[i].refname;
		v[i].message = b->q[i].message;
		git_oid_cpy(&v[i].target, &b->q[i].target);
		git_oid_cpy(&v[i].expected, &b->q[i].expected);
		v[i].has_expected = b->q[i].has_expected;
	}
	err = honk_refs_update(r, v, b->nq);
	for (i = 0; cb && i < b->nq; i++)
		if (v[i].err <= 0)
			cb(i, v[i].refname, &v[i].target, v[i].err, payload);
	free(v);
	drop_queue(b);
	return err;
}

void honk_batch_abort(struct honk_repo *r)
{
	if (!honk_batch_active(r))
		return;
	r->batch->odb->active = 0;
	clear(r->batch->odb);
	drop_queue(r->batch);
}

void honk_batch_free(struct honk_batch *b)
{
	if (!b)
		return;
	drop_queue(b);
	free(b->q);
	free(b); /* b->odb belongs to the object database */
}
