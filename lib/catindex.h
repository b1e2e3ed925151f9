#ifndef HONK_CATINDEX_H
#define HONK_CATINDEX_H

#include <stddef.h>

#include "arena.h"
#include "catalog.h"
#include "repo.h"

/*
 * The catalog's reverse index, kept on honk/state beside detect.yaml so
 * an incremental detection run reads only what its change reaches:
 *
 *   index/format                    "honk-catindex 2"
 *   index/readers/<domain>/<name>   the consumer files that read the
 *                                   dataset <domain>.<name>
 *   index/producers/<domain>/<name> the consumer files that produce it
 *
 * Each shard lists one consumer file a line, sorted by path:
 * "<path> <read,...|-> <produced,...|->", the path %-escaped outside
 * [A-Za-z0-9._/-]. The index always describes the main commit recorded
 * in detect.yaml; the consumer files changed since are laid over it.
 */
struct honk_ientry {
	const char *path;
	const char **reads;
	size_t nreads;
	const char **produces;
	size_t nproduces;
};

struct honk_ichange;

struct honk_catindex {
	struct honk_repo *repo;
	git_tree *tree; /* honk/state's tree */
	struct honk_arena arena;
	struct honk_ichange *ch; /* consumer files changed since */
	size_t nch, ach;
};

#define HONK_CATINDEX_INIT                    \
	{                                     \
		NULL, NULL, { 0 }, NULL, 0, 0 \
	}

/* The index on the state commit; HONK_ENOTFOUND when it has none. */
int honk_catindex_open(struct honk_catindex *ix, struct honk_repo *repo,
		       const git_oid *state_commit);
void honk_catindex_release(struct honk_catindex *ix);

/*
 * A consumer file changed since the index was written: what it was
 * (NULL: it did not exist) and what it is (NULL: deleted).
 */
int honk_catindex_change(struct honk_catindex *ix, const char *path,
			 const struct honk_consumer *was,
			 const struct honk_consumer *is);

typedef int (*honk_ientry_cb)(const struct honk_ientry *e, void *payload);

/* Every consumer file that now reads (producers: produces) dataset. */
int honk_catindex_each(struct honk_catindex *ix, int producers,
		       const char *dataset, honk_ientry_cb cb, void *payload);

/* Tree updates for honk/state, their data in arena. */
struct honk_iupdates {
	struct honk_tree_update *v;
	size_t n, cap;
	struct honk_arena arena;
};

void honk_iupdates_release(struct honk_iupdates *u);

/* The shards the recorded changes touch, rewritten. */
int honk_catindex_updates(struct honk_iupdates *out, struct honk_catindex *ix);

/*
 * The whole index for cat, replacing whatever the state tree (NULL:
 * none) holds under index/.
 */
int honk_catindex_full(struct honk_iupdates *out,
		       const struct honk_catalog *cat, struct honk_repo *repo,
		       const git_oid *state_commit);

#endif
