#ifndef HONK_REPO_H
#define HONK_REPO_H

#include <stddef.h>

#include <git2.h>

#include "buf.h"

/*
 * The Git layer: open a repository the way git does, read committed
 * content (a rev's tree or the index, never the worktree), write commits
 * from path updates without a worktree, move refs only by compare-and-swap,
 * and fetch/push treating a rejected ref as an error.
 */

struct honk_batch;

struct honk_repo {
	git_repository *git;
	struct honk_batch *batch; /* see batch.h; NULL until one is begun */
};

/*
 * Open like git: GIT_DIR, GIT_OBJECT_DIRECTORY,
 * GIT_ALTERNATE_OBJECT_DIRECTORIES (a pre-receive hook's quarantine),
 * GIT_INDEX_FILE, GIT_CEILING_DIRECTORIES..., else discover from the
 * current directory upwards. Bare repositories work. (`-C DIR` is a chdir
 * done by the command before this call, as git does.) Calls
 * git_libgit2_init() and enables fsync of objects and refs.
 */
int honk_repo_open(struct honk_repo **out);
void honk_repo_free(struct honk_repo *r);

/* Where catalog files are read from. */
enum honk_source_kind {
	HONK_SOURCE_REV = 0, /* a revision's tree; rev NULL = HEAD */
	HONK_SOURCE_INDEX    /* the index (for pre-commit hooks) */
};

struct honk_source {
	enum honk_source_kind kind;
	const char *rev;
};

#define HONK_SOURCE_INIT              \
	{                             \
		HONK_SOURCE_REV, NULL \
	}

/* A resolved, immutable view of committed (or staged) files. */
struct honk_snapshot;

/*
 * Resolve `src`. HONK_ENOTFOUND when the rev does not exist (or HEAD is
 * unborn), with a message naming it.
 */
int honk_snapshot_open(struct honk_snapshot **out, struct honk_repo *r,
		       const struct honk_source *src);
void honk_snapshot_free(struct honk_snapshot *s);

/* "commit 1a2b3c4" or "index", for messages. */
const char *honk_snapshot_describe(const struct honk_snapshot *s);

/* The commit id for a rev source; NULL for the index. */
const git_oid *honk_snapshot_commit(const struct honk_snapshot *s);

/*
 * Call cb for every regular file (blob, mode 100644 or 100755) whose path
 * starts with `prefix` (a directory, "" for all), in path order. Symlinks
 * and submodules are passed with their mode so callers can refuse them.
 * A non-zero return from cb stops the walk and is returned.
 */
typedef int (*honk_file_cb)(const char *path, const git_oid *blob,
			    unsigned int mode, void *payload);
int honk_snapshot_foreach(struct honk_snapshot *s, const char *prefix,
			  honk_file_cb cb, void *payload);

/* The blob id and mode at path; HONK_ENOTFOUND when absent. */
int honk_snapshot_entry(git_oid *out, unsigned int *mode,
			struct honk_snapshot *s, const char *path);

/* Read one file; HONK_ENOTFOUND when absent. Honours out->max (HONK_ELIMIT). */
int honk_snapshot_read(struct honk_buf *out, struct honk_snapshot *s,
		       const char *path);

/*
 * Read a blob into out (appending). Checks the size from the object header
 * first, so a blob larger than out->max is refused with HONK_ELIMIT
 * without being inflated.
 */
int honk_repo_read_blob(struct honk_buf *out, struct honk_repo *r,
			const git_oid *id);

/* Look a ref up; HONK_ENOTFOUND when it does not exist. */
int honk_ref_lookup(git_oid *out, struct honk_repo *r, const char *refname);

/*
 * Compare-and-swap: move refname from `expected` to `target`.
 * expected == NULL: the ref must not exist. target == NULL: delete it.
 * Anything else found there: HONK_ECONFLICT and nothing is written.
 */
int honk_ref_update(struct honk_repo *r, const char *refname,
		    const git_oid *target, const git_oid *expected,
		    const char *log_message);

/* One change of a tree: write data at path, or remove path. */
struct honk_tree_update {
	const char *path;
	const void *data;
	size_t len;
	int remove;
};

/*
 * Build a commit whose tree is `parent`'s tree (or the empty tree when
 * parent is NULL: an orphan) with the updates applied, written without a
 * worktree or index, then move refname from parent to it by
 * compare-and-swap (HONK_ECONFLICT when the ref moved). `author` NULL =
 * honk_repo_signature(). out (optional) receives the new commit id.
 * With a write batch open (batch.h) the objects stay in memory and the
 * ref update is queued until honk_batch_commit().
 */
int honk_repo_commit(git_oid *out, struct honk_repo *r, const char *refname,
		     const git_oid *parent,
		     const struct honk_tree_update *updates, size_t n,
		     const char *message, const git_signature *author);

/*
 * The same, for a ref that does not simply advance: the commit has
 * `parent` (NULL: none) while the ref moves from `expected` (NULL: must
 * not exist), as when a proposal branch is rebuilt on a newer main.
 */
int honk_repo_commit_onto(git_oid *out, struct honk_repo *r,
			  const char *refname, const git_oid *expected,
			  const git_oid *parent,
			  const struct honk_tree_update *updates, size_t n,
			  const char *message, const git_signature *author);

/*
 * A merge of the current main into a branch honk owns: the tree is
 * base's with the updates applied, the parents are tip (the branch as it
 * was) and base, and the ref moves from tip by compare-and-swap. The
 * branch only ever moves forward, so pushing it never needs force.
 */
int honk_repo_commit_merge(git_oid *out, struct honk_repo *r,
			   const char *refname, const git_oid *tip,
			   const git_oid *base,
			   const struct honk_tree_update *updates, size_t n,
			   const char *message, const git_signature *author);

/*
 * The identity honk writes with: GIT_COMMITTER_NAME/EMAIL, then
 * user.name/user.email, then "honk <honk@localhost>".
 */
int honk_repo_signature(git_signature **out, struct honk_repo *r);

/*
 * Is a commit message one of honk's own (a "Honk-Actor: honk-detect" or
 * "Honk-Actor: honk-gen" trailer line)? A branch holding only such
 * commits on top of main is honk's to refresh.
 */
int honk_commit_by_honk(const char *message);

/*
 * Is s a URL (scheme://... or scp-like user@host:path) rather than the
 * name of a configured remote? The fetch and push below take either.
 */
int honk_remote_is_url(const char *s);

/*
 * Fetch refspecs (NULL: the remote's configured ones) from a named remote
 * or a URL. A forced refspec ("+src:dst") moves only local refs: for
 * honk's own mirrors of consumer repositories.
 */
int honk_remote_fetch(struct honk_repo *r, const char *remote,
		      const char *const *refspecs, size_t n);

/*
 * Push refspecs (never forced: a leading '+' is refused with
 * HONK_EUSAGE). A ref the remote rejects (non-fast-forward, hook refusal)
 * is HONK_ECONFLICT with the remote's reason, although libgit2 itself
 * returns 0 for it. To a bare repository on this machine (a path or
 * file://) honk pushes by itself, each ref by compare-and-swap from the
 * value its fast-forward was checked against: libgit2's local transport
 * does not compare, so a push at the same moment could be overwritten.
 */
int honk_remote_push(struct honk_repo *r, const char *remote,
		     const char *const *refspecs, size_t n);

/*
 * With a remote, the remote's branch is the truth: point the local
 * branch ref ("refs/heads/...") at what the last fetch brought into
 * refs/remotes/<remote>/..., by compare-and-swap; nothing when the remote
 * has no such branch.
 */
int honk_ref_follow(struct honk_repo *r, const char *remote, const char *ref);

/* Does the local branch hold what the remote's (as last fetched) does not? */
int honk_ref_unpushed(struct honk_repo *r, const char *remote, const char *ref);

/*
 * Write the files of a commit into dir (an existing, empty directory),
 * as a checkout would: blobs with their modes, symbolic links as links
 * (never followed while writing), submodules left out. A tree entry
 * named "", ".", "..", ".git" or holding '/' is refused (HONK_EINVALID):
 * nothing is ever written outside dir.
 */
int honk_repo_export(struct honk_repo *r, const git_oid *commit,
		     const char *dir);

/*
 * A lock held for the life of a process: a file taken with
 * flock(LOCK_EX | LOCK_NB) and never deleted, so a crashed holder never
 * leaves a stale lock and nobody can delete a live holder's lock. A held
 * lock is HONK_EBUSY at once, naming the holder's pid and host.
 */
struct honk_lock {
	int fd;
	char *path;
};

#define HONK_LOCK_INIT   \
	{                \
		-1, NULL \
	}

int honk_lock_acquire(struct honk_lock *l, const char *path);
void honk_lock_release(struct honk_lock *l);

/* The lock <common git dir>/honk-<name>.lock; name must be a valid name. */
int honk_repo_lock(struct honk_lock *l, struct honk_repo *r, const char *name);

/* Write all of data to fd, again on EINTR; -1 (errno set) on failure. */
int honk_write_all(int fd, const void *data, size_t len);

/*
 * Replace path atomically: write path.lock (O_EXCL: HONK_EBUSY when it
 * exists), fsync, rename over path, fsync the directory.
 */
int honk_file_write_atomic(const char *path, const void *data, size_t len);

#endif
