#ifndef HONK_REFTX_H
#define HONK_REFTX_H

#include <stddef.h>

#include <git2.h>

#include "repo.h"

/*
 * Many ref updates at once, each a compare-and-swap, made durable with
 * one sync instead of two fsyncs per ref.
 */
struct honk_refupdate {
	const char *refname;
	const char *message; /* for the reflog; its first line is kept */
	git_oid target;
	git_oid expected; /* when has_expected; else the ref must not exist */
	int has_expected;
	int err; /* out: 0, HONK_ECONFLICT, HONK_EBUSY; 1: not tried */
};

/*
 * Apply every update by git's loose-ref protocol: take each ref's lock
 * file (O_EXCL; held by another: HONK_EBUSY), check the value under it
 * (loose, else packed-refs; another value: HONK_ECONFLICT), write the new
 * value into the lock, then sync the file system once so every lock's
 * content is on disk, rename each lock over its ref (with its reflog
 * entry where git would write one), and fsync each directory once. Each
 * ref ends at its old or its new value whatever happens. Returns 0 or
 * the failure that stopped it (the updates not made keep err 1; every
 * lock taken is released).
 */
int honk_refs_update(struct honk_repo *r, struct honk_refupdate *v, size_t n);

#endif
