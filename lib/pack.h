#ifndef HONK_PACK_H
#define HONK_PACK_H

#include <stddef.h>

#include <git2.h>

#include "repo.h"

/* One object to pack: its id (as libgit2 computed it) and content. */
struct honk_packobj {
	git_oid id;
	git_object_t type;
	const void *data;
	size_t len;
};

/*
 * Write the objects as one pack and its version-2 index into the
 * repository's objects/pack: every object whole (no deltas: git repacks
 * later), both files fsynced, the pack renamed into place before its
 * index (readers find packs by their index) and the directory fsynced.
 * The ids must be distinct. Nothing is left behind on failure.
 */
int honk_pack_write(struct honk_repo *r, const struct honk_packobj *v,
		    size_t n);

#endif
