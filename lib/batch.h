#ifndef HONK_BATCH_H
#define HONK_BATCH_H

#include <stddef.h>

#include <git2.h>

#include "repo.h"

/*
 * Write batches: many commits and ref updates written as one.
 *
 * Between honk_batch_begin() and honk_batch_commit(), the objects that
 * honk_repo_commit*() write are held in memory, and the ref updates they
 * would make are queued. honk_batch_commit() writes every held object as
 * one pack (fewer than 64 objects: loose ones), fsynced like every object
 * honk writes, and only then
 * applies the queued updates in the order they were queued, each by
 * compare-and-swap against the value its writer saw. So a ref never
 * points at an object that is not on disk, and a thousand proposals cost
 * one pack instead of thousands of loose objects and fsyncs.
 *
 * honk_batch_abort() drops what is held: nothing of it was visible.
 * A repository has at most one batch open at a time.
 */

/*
 * Told the outcome of the i-th queued update (0-based, in queue order):
 * err is 0, HONK_ECONFLICT (the ref moved since it was read; nothing was
 * written to it) or HONK_EBUSY (locked by another process).
 */
typedef void (*honk_batch_cb)(size_t i, const char *refname,
			      const git_oid *target, int err, void *payload);

int honk_batch_begin(struct honk_repo *r);

/* Is a batch open on r? */
int honk_batch_active(const struct honk_repo *r);

/* Queue a compare-and-swap ref update (see honk_ref_update()). */
int honk_batch_queue_ref(struct honk_repo *r, const char *refname,
			 const git_oid *target, const git_oid *expected,
			 const char *message);

/* How many ref updates are queued. */
size_t honk_batch_queued(const struct honk_repo *r);

/*
 * Write the objects, then apply the updates, telling cb (may be NULL)
 * each outcome. Conflicts do not stop the others; any other failure
 * stops at once and is returned. The batch is closed either way.
 */
int honk_batch_commit(struct honk_repo *r, honk_batch_cb cb, void *payload);

void honk_batch_abort(struct honk_repo *r);

/*
 * For the Git layer's writers while a batch is open: hold an object
 * (its id in out), and write base's tree (NULL: the empty tree) with ups
 * applied (sorted in place; a path twice is HONK_EINVALID). Neither asks
 * the disk whether the object exists, which is what makes a batch cheap.
 */
int honk_batch_put(git_oid *out, struct honk_repo *r, git_object_t type,
		   const void *data, size_t len);
int honk_batch_tree(git_oid *out, struct honk_repo *r, const git_tree *base,
		    git_tree_update *ups, size_t n);

/* Called by honk_repo_free(). */
void honk_batch_free(struct honk_batch *b);

#endif
