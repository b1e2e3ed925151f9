/*
 * The Git layer.
 *
 * honk reads committed content only: a snapshot is a commit's tree or
 * the index, never the worktree, so the same code runs in bare server
 * repositories and inside hooks (where GIT_DIR, GIT_OBJECT_DIRECTORY and
 * GIT_ALTERNATE_OBJECT_DIRECTORIES point at a quarantine).
 *
 * Writes never go through a worktree either: blobs and trees are built
 * from path updates and a ref moves only by compare-and-swap against the
 * value the caller saw, so two writers can never lose each other's
 * updates; the loser gets HONK_ECONFLICT and nothing of its attempt is
 * visible. Objects and refs are fsynced (libgit2's fsync option) before a
 * ref points at them.
 */
#include "repo.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "batch.h"
#include "error.h"
#include "names.h"
#include "banned.h"

struct honk_snapshot {
	struct honk_repo *repo;
	git_commit *commit;
	git_tree *tree;
	git_index *index;
	char desc[64];
};

int honk_repo_open(struct honk_repo **out)
{
	struct honk_repo *r = NULL;
	int err;

	*out = NULL;
	if (git_libgit2_init() < 0)
		return honk_error_git(HONK_ERROR, "cannot initialise libgit2");
	git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, 1);
	/* keep parsed trees of any size: the catalog's and the index's
	 * directories are looked into again and again */
	git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_TREE,
			 (size_t)16 << 20);
	r = calloc(1, sizeof(*r));
	if (!r)
		return honk_error_set(HONK_ERROR, "out of memory");
	err = git_repository_open_ext(&r->git, NULL,
				      GIT_REPOSITORY_OPEN_FROM_ENV, NULL);
	if (err == GIT_ENOTFOUND) {
		free(r);
		return honk_error_set(
			HONK_ENOTFOUND,
			"not a git repository (or any of the parent directories)");
	} else if (err < 0) {
		free(r);
		return honk_error_git(HONK_ERROR, "cannot open the repository");
	}
	*out = r;
	return 0;
}

void honk_repo_free(struct honk_repo *r)
{
	if (!r)
		return;
	honk_batch_abort(r);
	honk_batch_free(r->batch);
	git_repository_free(r->git);
	free(r);
	git_libgit2_shutdown();
}

int honk_snapshot_open(struct honk_snapshot **out, struct honk_repo *r,
		       const struct honk_source *src)
{
	struct honk_snapshot *s = NULL;
	git_object *obj = NULL;
	const char *rev = src->rev ? src->rev : "HEAD";
	char hex[GIT_OID_HEXSZ + 1];
	int err;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return honk_error_set(HONK_ERROR, "out of memory");
	s->repo = r;
	if (src->kind == HONK_SOURCE_INDEX) {
		if (git_repository_is_bare(r->git) &&
		    !getenv("GIT_INDEX_FILE")) {
			err = honk_error_set(
				HONK_ENOTFOUND,
				"--index needs a repository with an index, not a bare one");
			goto fail;
		}
		if (git_repository_index(&s->index, r->git) < 0) {
			err = honk_error_git(HONK_ERROR,
					     "cannot read the index");
			goto fail;
		}
		snprintf(s->desc, sizeof(s->desc), "the index");
		*out = s;
		return 0;
	}
	if (rev[0] == '-') {
		err = honk_error_set(HONK_ENOTFOUND, "invalid revision '%s'",
				     rev);
		goto fail;
	}
	err = git_revparse_single(&obj, r->git, rev);
	if (err == GIT_ENOTFOUND || err == GIT_EAMBIGUOUS ||
	    err == GIT_EINVALIDSPEC || err == GIT_EUNBORNBRANCH) {
		err = honk_error_set(
			HONK_ENOTFOUND, "revision '%s' not found%s", rev,
			!src->rev ? " (the repository has no commit yet?)"
				  : "");
		goto fail;
	} else if (err < 0) {
		err = honk_error_git(HONK_ERROR, "cannot resolve '%s'", rev);
		goto fail;
	}
	if (git_object_peel((git_object **)&s->commit, obj, GIT_OBJECT_COMMIT) <
	    0) {
		err = honk_error_set(HONK_ENOTFOUND,
				     "revision '%s' is not a commit", rev);
		goto fail;
	}
	if (git_commit_tree(&s->tree, s->commit) < 0) {
		err = honk_error_git(HONK_ERROR, "cannot read the tree of '%s'",
				     rev);
		goto fail;
	}
	git_oid_tostr(hex, 8, git_commit_id(s->commit));
	snprintf(s->desc, sizeof(s->desc), "commit %s", hex);
	git_object_free(obj);
	*out = s;
	return 0;
fail:
	git_object_free(obj);
	honk_snapshot_free(s);
	return err;
}

void honk_snapshot_free(struct honk_snapshot *s)
{
	if (!s)
		return;
	git_tree_free(s->tree);
	git_commit_free(s->commit);
	git_index_free(s->index);
	free(s);
}

const char *honk_snapshot_describe(const struct honk_snapshot *s)
{
	return s ? s->desc : "nothing";
}

const git_oid *honk_snapshot_commit(const struct honk_snapshot *s)
{
	return s && s->commit ? git_commit_id(s->commit) : NULL;
}

/* Walk a tree depth-first in git's order, calling cb for files. */
static int walk_tree(struct honk_snapshot *s, const git_tree *tree,
		     struct honk_buf *path, honk_file_cb cb, void *payload,
		     unsigned depth)
{
	size_t i, n = git_tree_entrycount(tree), base = path->len;
	int err = 0;

	if (depth > 64)
		return honk_error_set(HONK_EINVALID,
				      "tree '%s' is nested too deeply",
				      path->buf);
	for (i = 0; i < n && !err; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(tree, i);
		git_filemode_t mode = git_tree_entry_filemode(e);

		honk_buf_setlen(path, base);
		if ((err = honk_buf_addstr(path, git_tree_entry_name(e))) < 0)
			break;
		if (mode == GIT_FILEMODE_TREE) {
			git_tree *sub = NULL;

			if (git_tree_lookup(&sub, s->repo->git,
					    git_tree_entry_id(e)) < 0)
				return honk_error_git(HONK_ERROR,
						      "cannot read tree '%s'",
						      path->buf);
			if ((err = honk_buf_addch(path, '/')) == 0)
				err = walk_tree(s, sub, path, cb, payload,
						depth + 1);
			git_tree_free(sub);
		} else {
			err = cb(path->buf, git_tree_entry_id(e),
				 (unsigned)mode, payload);
		}
	}
	honk_buf_setlen(path, base);
	return err;
}

int honk_snapshot_foreach(struct honk_snapshot *s, const char *prefix,
			  honk_file_cb cb, void *payload)
{
	struct honk_buf path = HONK_BUF_INIT;
	size_t plen = strlen(prefix);
	int err = 0;

	if (s->index) {
		size_t i, n = git_index_entrycount(s->index);

		for (i = 0; i < n && !err; i++) {
			const git_index_entry *e =
				git_index_get_byindex(s->index, i);

			if (git_index_entry_stage(e) != 0)
				continue; /* unmerged: skip all but stage 0 */
			if (strncmp(e->path, prefix, plen) != 0)
				continue;
			err = cb(e->path, &e->id, e->mode, payload);
		}
		return err;
	}
	if (plen) {
		git_tree_entry *te = NULL;
		git_tree *sub = NULL;
		char *dir = strdup(prefix);

		if (!dir)
			return honk_error_set(HONK_ERROR, "out of memory");
		if (dir[plen - 1] == '/')
			dir[plen - 1] = '\0';
		err = git_tree_entry_bypath(&te, s->tree, dir);
		free(dir);
		if (err == GIT_ENOTFOUND)
			return 0;
		if (err < 0)
			return honk_error_git(HONK_ERROR, "cannot read '%s'",
					      prefix);
		if (git_tree_entry_type(te) != GIT_OBJECT_TREE) {
			git_tree_entry_free(te);
			return 0;
		}
		if (git_tree_lookup(&sub, s->repo->git, git_tree_entry_id(te)) <
		    0) {
			git_tree_entry_free(te);
			return honk_error_git(HONK_ERROR,
					      "cannot read tree '%s'", prefix);
		}
		git_tree_entry_free(te);
		err = honk_buf_addstr(&path, prefix);
		if (!err && path.buf[path.len - 1] != '/')
			err = honk_buf_addch(&path, '/');
		if (!err)
			err = walk_tree(s, sub, &path, cb, payload, 0);
		git_tree_free(sub);
	} else {
		err = walk_tree(s, s->tree, &path, cb, payload, 0);
	}
	honk_buf_release(&path);
	return err;
}

int honk_repo_read_blob(struct honk_buf *out, struct honk_repo *r,
			const git_oid *id)
{
	git_odb *odb = NULL;
	git_odb_object *obj = NULL;
	git_object_t type;
	size_t size;
	char hex[GIT_OID_HEXSZ + 1];
	int err = 0;

	if (git_repository_odb(&odb, r->git) < 0)
		return honk_error_git(HONK_ERROR,
				      "cannot open the object database");
	if (out->max) {
		if (git_odb_read_header(&size, &type, odb, id) < 0) {
			git_oid_tostr(hex, sizeof(hex), id);
			err = honk_error_git(HONK_ERROR,
					     "cannot read object %s", hex);
			goto cleanup;
		}
		if (size > out->max - out->len) {
			err = honk_error_set(
				HONK_ELIMIT,
				"file is %zu bytes, larger than the limit of %zu bytes",
				size, out->max);
			goto cleanup;
		}
	}
	if (git_odb_read(&obj, odb, id) < 0) {
		git_oid_tostr(hex, sizeof(hex), id);
		err = honk_error_git(HONK_ERROR, "cannot read object %s", hex);
		goto cleanup;
	}
	if (git_odb_object_type(obj) != GIT_OBJECT_BLOB) {
		git_oid_tostr(hex, sizeof(hex), id);
		err = honk_error_set(HONK_ERROR, "object %s is not a blob",
				     hex);
		goto cleanup;
	}
	err = honk_buf_add(out, git_odb_object_data(obj),
			   git_odb_object_size(obj));
cleanup:
	git_odb_object_free(obj);
	git_odb_free(odb);
	return err;
}

int honk_snapshot_entry(git_oid *out, unsigned int *mode,
			struct honk_snapshot *s, const char *path)
{
	git_tree_entry *te = NULL;
	int err;

	if (s->index) {
		const git_index_entry *e =
			git_index_get_bypath(s->index, path, 0);

		if (!e)
			return honk_error_set(HONK_ENOTFOUND,
					      "'%s' is not in the index", path);
		git_oid_cpy(out, &e->id);
		*mode = e->mode;
		return 0;
	}
	err = git_tree_entry_bypath(&te, s->tree, path);
	if (err == GIT_ENOTFOUND)
		return honk_error_set(HONK_ENOTFOUND,
				      "'%s' does not exist at %s", path,
				      s->desc);
	if (err < 0)
		return honk_error_git(HONK_ERROR, "cannot look up '%s'", path);
	git_oid_cpy(out, git_tree_entry_id(te));
	*mode = git_tree_entry_filemode_raw(te);
	git_tree_entry_free(te);
	return 0;
}

int honk_snapshot_read(struct honk_buf *out, struct honk_snapshot *s,
		       const char *path)
{
	unsigned int mode;
	git_oid id;
	int err;

	if ((err = honk_snapshot_entry(&id, &mode, s, path)) < 0)
		return err;
	if (mode != GIT_FILEMODE_BLOB && mode != GIT_FILEMODE_BLOB_EXECUTABLE)
		return honk_error_set(HONK_EINVALID,
				      "'%s' is not a regular file", path);
	return honk_repo_read_blob(out, s->repo, &id);
}

int honk_ref_lookup(git_oid *out, struct honk_repo *r, const char *refname)
{
	int err = git_reference_name_to_id(out, r->git, refname);

	if (err == GIT_ENOTFOUND)
		return honk_error_set(HONK_ENOTFOUND, "ref '%s' does not exist",
				      refname);
	if (err < 0)
		return honk_error_git(HONK_ERROR, "cannot read ref '%s'",
				      refname);
	return 0;
}

static int ref_conflict(struct honk_repo *r, const char *refname,
			const git_oid *expected)
{
	char want[GIT_OID_HEXSZ + 1], have[GIT_OID_HEXSZ + 1];
	git_oid now;

	if (!expected)
		return honk_error_set(HONK_ECONFLICT, "ref '%s' already exists",
				      refname);
	git_oid_tostr(want, sizeof(want), expected);
	if (git_reference_name_to_id(&now, r->git, refname) < 0)
		return honk_error_set(
			HONK_ECONFLICT,
			"ref '%s' moved: expected %s, found it deleted",
			refname, want);
	git_oid_tostr(have, sizeof(have), &now);
	return honk_error_set(HONK_ECONFLICT,
			      "ref '%s' moved: expected %s, found %s", refname,
			      want, have);
}

int honk_ref_update(struct honk_repo *r, const char *refname,
		    const git_oid *target, const git_oid *expected,
		    const char *log_message)
{
	git_reference *ref = NULL;
	git_transaction *tx = NULL;
	git_oid now;
	int err;

	if (target) {
		if (expected)
			err = git_reference_create_matching(&ref, r->git,
							    refname, target, 1,
							    expected,
							    log_message);
		else
			err = git_reference_create(&ref, r->git, refname,
						   target, 0, log_message);
		git_reference_free(ref);
		if (err == GIT_EMODIFIED || err == GIT_EEXISTS)
			return ref_conflict(r, refname, expected);
		if (err == GIT_ELOCKED)
			return honk_error_set(
				HONK_EBUSY,
				"ref '%s' is locked by another process",
				refname);
		if (err < 0)
			return honk_error_git(HONK_ERROR, "cannot update '%s'",
					      refname);
		return 0;
	}
	/* delete: lock the ref, check its value under the lock, remove */
	if (!expected)
		return honk_error_set(HONK_EUSAGE,
				      "deleting '%s' needs its expected value",
				      refname);
	if (git_transaction_new(&tx, r->git) < 0)
		return honk_error_git(HONK_ERROR,
				      "cannot start a ref transaction");
	err = git_transaction_lock_ref(tx, refname);
	if (err == GIT_ELOCKED) {
		err = honk_error_set(HONK_EBUSY,
				     "ref '%s' is locked by another process",
				     refname);
		goto cleanup;
	} else if (err < 0) {
		err = honk_error_git(HONK_ERROR, "cannot lock '%s'", refname);
		goto cleanup;
	}
	if (git_reference_name_to_id(&now, r->git, refname) < 0 ||
	    !git_oid_equal(&now, expected)) {
		err = ref_conflict(r, refname, expected);
		goto cleanup;
	}
	if (git_transaction_remove(tx, refname) < 0 ||
	    git_transaction_commit(tx) < 0) {
		err = honk_error_git(HONK_ERROR, "cannot delete '%s'", refname);
		goto cleanup;
	}
	err = 0;
cleanup:
	git_transaction_free(tx);
	return err;
}

int honk_commit_by_honk(const char *message)
{
	static const char *const actors[] = { "honk-detect", "honk-gen" };
	const char *p = message;
	size_t k, n;

	while ((p = strstr(p, "Honk-Actor: "))) {
		int bol = p == message || p[-1] == '\n';

		p += strlen("Honk-Actor: ");
		for (k = 0; bol && k < sizeof(actors) / sizeof(actors[0]);
		     k++) {
			n = strlen(actors[k]);
			if (!strncmp(p, actors[k], n) &&
			    (p[n] == '\n' || p[n] == '\0'))
				return 1;
		}
	}
	return 0;
}

int honk_repo_signature(git_signature **out, struct honk_repo *r)
{
	const char *name = getenv("GIT_COMMITTER_NAME");
	const char *email = getenv("GIT_COMMITTER_EMAIL");
	git_config *cfg = NULL;
	git_buf cname = GIT_BUF_INIT, cemail = GIT_BUF_INIT;
	int err;

	if (!name || !email) {
		if (git_repository_config_snapshot(&cfg, r->git) == 0) {
			if (!name && git_config_get_string_buf(
					     &cname, cfg, "user.name") == 0)
				name = cname.ptr;
			if (!email && git_config_get_string_buf(
					      &cemail, cfg, "user.email") == 0)
				email = cemail.ptr;
		}
	}
	if (!name || !*name)
		name = "honk";
	if (!email || !*email)
		email = "honk@localhost";
	err = git_signature_now(out, name, email);
	git_buf_dispose(&cname);
	git_buf_dispose(&cemail);
	git_config_free(cfg);
	if (err < 0)
		return honk_error_git(HONK_ERROR, "cannot make a signature");
	return 0;
}

/* Paths honk writes: relative, no empty, ".", ".." or ".git" component. */
static int check_path(const char *path)
{
	const char *p = path;

	if (!*p || *p == '/')
		goto bad;
	while (*p) {
		const char *end = strchr(p, '/');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n == 0 || (n == 1 && p[0] == '.') ||
		    (n == 2 && !memcmp(p, "..", 2)) ||
		    (n == 4 && !strncasecmp(p, ".git", 4)))
			goto bad;
		if (!end)
			break;
		p = end + 1;
		if (!*p)
			goto bad;
	}
	return 0;
bad:
	return honk_error_set(HONK_EINVALID, "refusing to write path '%s'",
			      path);
}

static int commit(git_oid *out, struct honk_repo *r, const char *refname,
		  const git_oid *expected, const git_oid *parent,
		  const git_oid *first_parent,
		  const struct honk_tree_update *updates, size_t n,
		  const char *message, const git_signature *author)
{
	git_commit *pcommit = NULL, *fcommit = NULL;
	const git_commit *parents[2];
	git_tree *base = NULL, *tree = NULL;
	git_treebuilder *tb = NULL;
	git_tree_update *ups = NULL;
	git_signature *sig = NULL;
	git_oid tree_id, commit_id, empty;
	git_buf cbuf = GIT_BUF_INIT;
	size_t i, nparents;
	int err, batch = honk_batch_active(r);

	for (i = 0; i < n; i++)
		if ((err = check_path(updates[i].path)) < 0)
			return err;
	ups = calloc(n ? n : 1, sizeof(*ups));
	if (!ups)
		return honk_error_set(HONK_ERROR, "out of memory");
	if (parent) {
		if (git_commit_lookup(&pcommit, r->git, parent) < 0 ||
		    git_commit_tree(&base, pcommit) < 0) {
			err = honk_error_git(HONK_ERROR,
					     "cannot read the parent commit");
			goto cleanup;
		}
	} else {
		if (git_treebuilder_new(&tb, r->git, NULL) < 0 ||
		    git_treebuilder_write(&empty, tb) < 0 ||
		    git_tree_lookup(&base, r->git, &empty) < 0) {
			err = honk_error_git(HONK_ERROR,
					     "cannot write the empty tree");
			goto cleanup;
		}
	}
	for (i = 0; i < n; i++) {
		ups[i].path = updates[i].path;
		if (updates[i].remove) {
			ups[i].action = GIT_TREE_UPDATE_REMOVE;
			continue;
		}
		ups[i].action = GIT_TREE_UPDATE_UPSERT;
		ups[i].filemode = GIT_FILEMODE_BLOB;
		if (batch) {
			if ((err = honk_batch_put(
				     &ups[i].id, r, GIT_OBJECT_BLOB,
				     updates[i].data, updates[i].len)) < 0)
				goto cleanup;
		} else if (git_blob_create_from_buffer(&ups[i].id, r->git,
						       updates[i].data,
						       updates[i].len) < 0) {
			err = honk_error_git(HONK_ERROR, "cannot write '%s'",
					     updates[i].path);
			goto cleanup;
		}
	}
	if (batch) {
		if ((err = honk_batch_tree(&tree_id, r, base, ups, n)) < 0)
			goto cleanup;
	} else if (git_tree_create_updated(&tree_id, r->git, base, n, ups) <
		   0) {
		err = honk_error_git(HONK_ERROR, "cannot write the tree");
		goto cleanup;
	}
	if (git_tree_lookup(&tree, r->git, &tree_id) < 0) {
		err = honk_error_git(HONK_ERROR, "cannot read the new tree");
		goto cleanup;
	}
	if (!author) {
		if ((err = honk_repo_signature(&sig, r)) < 0)
			goto cleanup;
		author = sig;
	}
	if (first_parent &&
	    git_commit_lookup(&fcommit, r->git, first_parent) < 0) {
		err = honk_error_git(HONK_ERROR,
				     "cannot read the branch's tip");
		goto cleanup;
	}
	parents[0] = fcommit ? fcommit : pcommit;
	parents[1] = pcommit;
	nparents = fcommit ? 2 : pcommit ? 1 : 0;
	if (batch) {
		if (git_commit_create_buffer(&cbuf, r->git, author, author,
					     NULL, message, tree, nparents,
					     parents) < 0) {
			err = honk_error_git(HONK_ERROR,
					     "cannot write the commit");
			goto cleanup;
		}
		if ((err = honk_batch_put(&commit_id, r, GIT_OBJECT_COMMIT,
					  cbuf.ptr, cbuf.size)) < 0)
			goto cleanup;
	} else if (git_commit_create(&commit_id, r->git, NULL, author, author,
				     NULL, message, tree, nparents,
				     parents) < 0) {
		err = honk_error_git(HONK_ERROR, "cannot write the commit");
		goto cleanup;
	}
	err = batch ? honk_batch_queue_ref(r, refname, &commit_id, expected,
					   message)
		    : honk_ref_update(r, refname, &commit_id, expected,
				      message);
	if (err < 0)
		goto cleanup;
	if (out)
		git_oid_cpy(out, &commit_id);
cleanup:
	git_buf_dispose(&cbuf);
	git_signature_free(sig);
	git_treebuilder_free(tb);
	git_tree_free(tree);
	git_tree_free(base);
	git_commit_free(pcommit);
	git_commit_free(fcommit);
	free(ups);
	return err;
}

int honk_repo_commit(git_oid *out, struct honk_repo *r, const char *refname,
		     const git_oid *parent,
		     const struct honk_tree_update *updates, size_t n,
		     const char *message, const git_signature *author)
{
	return honk_repo_commit_onto(out, r, refname, parent, parent, updates,
				     n, message, author);
}

int honk_repo_commit_onto(git_oid *out, struct honk_repo *r,
			  const char *refname, const git_oid *expected,
			  const git_oid *parent,
			  const struct honk_tree_update *updates, size_t n,
			  const char *message, const git_signature *author)
{
	return commit(out, r, refname, expected, parent, NULL, updates, n,
		      message, author);
}

int honk_repo_commit_merge(git_oid *out, struct honk_repo *r,
			   const char *refname, const git_oid *tip,
			   const git_oid *base,
			   const struct honk_tree_update *updates, size_t n,
			   const char *message, const git_signature *author)
{
	return commit(out, r, refname, tip, base, tip, updates, n, message,
		      author);
}

static int check_refspecs(const char *const *refspecs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (refspecs[i][0] == '+')
			return honk_error_set(HONK_EUSAGE,
					      "refusing a forced refspec '%s'",
					      refspecs[i]);
	return 0;
}

int honk_remote_is_url(const char *s)
{
	const char *colon = strchr(s, ':');

	/* scheme://..., or scp-like user@host:path */
	return strstr(s, "://") != NULL ||
	       (colon && memchr(s, '@', (size_t)(colon - s)) != NULL &&
		!memchr(s, '/', (size_t)(colon - s)));
}

static int lookup_remote(git_remote **out, struct honk_repo *r,
			 const char *name)
{
	int err;

	if (honk_remote_is_url(name)) {
		if (git_remote_create_anonymous(out, r->git, name) < 0)
			return honk_error_git(HONK_ERROR,
					      "cannot use remote '%s'", name);
		return 0;
	}
	err = git_remote_lookup(out, r->git, name);

	if (err == GIT_ENOTFOUND || err == GIT_EINVALIDSPEC)
		return honk_error_set(HONK_ENOTFOUND, "no remote named '%s'",
				      name);
	if (err < 0)
		return honk_error_git(HONK_ERROR, "cannot read remote '%s'",
				      name);
	return 0;
}

/*
 * A libgit2 failure that is another process holding a ref's lock file
 * (libgit2 does not always return GIT_ELOCKED for it, and says "failed
 * to create locked file" when the lock exists): worth a retry.
 */
static int ref_locked(int e)
{
	const git_error *ge;

	if (e == GIT_ELOCKED)
		return 1;
	ge = e < 0 ? git_error_last() : NULL;
	return ge && ge->message &&
	       (strstr(ge->message, "failed to lock") ||
		strstr(ge->message, "failed to create locked file"));
}

int honk_remote_fetch(struct honk_repo *r, const char *remote,
		      const char *const *refspecs, size_t n)
{
	git_fetch_options fo;
	git_strarray specs = { (char **)(uintptr_t)refspecs, n };
	git_remote *rem = NULL;
	int err, tries;

	if ((err = lookup_remote(&rem, r, remote)) < 0)
		return err;
	git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
	for (tries = 0;; tries++) {
		int e = git_remote_fetch(rem, n ? &specs : NULL, &fo,
					 "honk: fetch");

		if (e == 0)
			break;
		/* another process updates the same tracking refs: a moment */
		if (ref_locked(e) && tries < 20) {
			struct timespec ts = { 0, 50000000L * (tries + 1) };

			nanosleep(&ts, NULL);
			continue;
		}
		err = honk_error_git(ref_locked(e) ? HONK_EBUSY : HONK_ERROR,
				     "fetch from '%s' failed", remote);
		break;
	}
	git_remote_free(rem);
	return err;
}

struct push_result {
	struct honk_buf rejected;
};

static int on_push_update(const char *refname, const char *status,
			  void *payload)
{
	struct push_result *pr = payload;

	if (status)
		honk_buf_addf(&pr->rejected, "%s%s (%s)",
			      pr->rejected.len ? ", " : "", refname, status);
	return 0;
}

/*
 * The directory of a remote on this machine (a path, or file:///path),
 * where libgit2 would use its local transport; NULL for anything else.
 */
static const char *local_remote_path(const git_remote *rem)
{
	const char *url = git_remote_pushurl(rem);
	struct stat st;

	if (!url)
		url = git_remote_url(rem);
	if (!url)
		return NULL;
	if (!strncmp(url, "file://", 7))
		return url[7] == '/' && !strchr(url, '%') ? url + 7 : NULL;
	if (honk_remote_is_url(url) || stat(url, &st) < 0 ||
	    !S_ISDIR(st.st_mode))
		return NULL;
	return url;
}

static int hide_remote_ref(git_reference *ref, void *payload)
{
	git_revwalk *walk = payload;
	const git_oid *id = git_reference_target(ref);

	/* what the remote has and we have too need not go over */
	if (id && git_revwalk_hide(walk, id) < 0)
		git_error_clear();
	git_reference_free(ref);
	return 0;
}

/* As git push does: the remote-tracking refs follow what was pushed. */
static void track_pushed(struct honk_repo *r, const git_remote *rem,
			 const char *dst, const git_oid *id)
{
	size_t k;

	for (k = 0; k < git_remote_refspec_count(rem); k++) {
		const git_refspec *spec = git_remote_get_refspec(rem, k);
		git_buf name = GIT_BUF_INIT;

		if (git_refspec_direction(spec) == GIT_DIRECTION_FETCH &&
		    git_refspec_src_matches(spec, dst) &&
		    git_refspec_transform(&name, spec, dst) == 0)
			git_reference_create(NULL, r->git, name.ptr, id, 1,
					     "update by push");
		git_buf_dispose(&name);
	}
	git_error_clear();
}

/*
 * A push to a bare repository on this machine. libgit2's local transport
 * checks the fast-forward against the remote ref as it read it on
 * connecting, then sets the ref without comparing: two pushes at once
 * both pass the check and the later one drops the other's commits (and
 * no receive-pack runs, so receive.denyNonFastForwards cannot refuse
 * it). Here the objects go over in a pack first, then each ref moves by
 * compare-and-swap from the value its fast-forward was checked against,
 * as receive-pack does. 1: not such a remote, libgit2 pushes.
 */
static int push_local(struct honk_repo *r, const git_remote *rem,
		      const char *remote, const char *path,
		      const char *const *refspecs, size_t n)
{
	git_repository *there = NULL;
	git_revwalk *walk = NULL;
	git_packbuilder *pb = NULL;
	git_buf objects = GIT_BUF_INIT;
	struct honk_buf src = HONK_BUF_INIT, dir = HONK_BUF_INIT,
			rejected = HONK_BUF_INIT;
	git_oid *news = NULL, *olds = NULL;
	int *had = NULL, err = 0, e;
	size_t i;

	for (i = 0; i < n; i++)
		if (refspecs[i][0] == ':')
			return 1; /* a delete */
	if (git_repository_open_ext(&there, path, GIT_REPOSITORY_OPEN_NO_SEARCH,
				    NULL) < 0) {
		git_error_clear();
		return 1;
	}
	if (!git_repository_is_bare(there)) {
		git_repository_free(there);
		return 1;
	}
	news = calloc(n + 1, sizeof(*news));
	olds = calloc(n + 1, sizeof(*olds));
	had = calloc(n + 1, sizeof(*had));
	if (!news || !olds || !had) {
		err = honk_error_set(HONK_ERROR, "out of memory");
		goto cleanup;
	}
	if (git_revwalk_new(&walk, r->git) < 0 ||
	    git_packbuilder_new(&pb, r->git) < 0 ||
	    git_reference_foreach(there, hide_remote_ref, walk) < 0) {
		err = honk_error_git(HONK_ERROR, "push to '%s' failed", remote);
		goto cleanup;
	}
	for (i = 0; i < n; i++) {
		const char *colon = strchr(refspecs[i], ':');
		const char *dst = colon ? colon + 1 : refspecs[i];

		honk_buf_reset(&src);
		honk_buf_add(&src, refspecs[i],
			     colon ? (size_t)(colon - refspecs[i])
				   : strlen(refspecs[i]));
		if (git_reference_name_to_id(&news[i], r->git, src.buf) < 0) {
			err = honk_error_git(HONK_ERROR,
					     "push to '%s' failed: no ref '%s'",
					     remote, src.buf);
			goto cleanup;
		}
		e = git_reference_name_to_id(&olds[i], there, dst);
		if (e < 0 && e != GIT_ENOTFOUND) {
			err = honk_error_git(
				HONK_ERROR,
				"push to '%s' failed: cannot read '%s'", remote,
				dst);
			goto cleanup;
		}
		git_error_clear();
		had[i] = e == 0;
		/* an old value we do not have is not one we descend from */
		if (had[i] && !git_oid_equal(&olds[i], &news[i]) &&
		    git_graph_descendant_of(r->git, &news[i], &olds[i]) != 1)
			honk_buf_addf(&rejected, "%s%s (non-fast-forward)",
				      rejected.len ? ", " : "", dst);
		if (git_revwalk_push(walk, &news[i]) < 0) {
			err = honk_error_git(HONK_ERROR, "push to '%s' failed",
					     remote);
			goto cleanup;
		}
	}
	if (rejected.len)
		goto cleanup;
	if (git_packbuilder_insert_walk(pb, walk) < 0 ||
	    git_repository_item_path(&objects, there,
				     GIT_REPOSITORY_ITEM_OBJECTS) < 0) {
		err = honk_error_git(HONK_ERROR, "push to '%s' failed", remote);
		goto cleanup;
	}
	honk_buf_addf(&dir, "%spack", objects.ptr);
	if (git_packbuilder_object_count(pb) &&
	    git_packbuilder_write(pb, dir.buf, 0, NULL, NULL) < 0) {
		err = honk_error_git(HONK_ERROR, "push to '%s' failed", remote);
		goto cleanup;
	}
	for (i = 0; i < n; i++) {
		const char *colon = strchr(refspecs[i], ':');
		const char *dst = colon ? colon + 1 : refspecs[i];

		if (had[i] && git_oid_equal(&olds[i], &news[i]))
			continue;
		e = had[i] ? git_reference_create_matching(NULL, there, dst,
							   &news[i], 1,
							   &olds[i], "push")
			   : git_reference_create(NULL, there, dst, &news[i], 0,
						  "push");
		if (e == GIT_EMODIFIED || e == GIT_EEXISTS ||
		    e == GIT_ELOCKED) {
			git_error_clear();
			honk_buf_addf(&rejected, "%s%s (the remote moved)",
				      rejected.len ? ", " : "", dst);
		} else if (e < 0) {
			err = honk_error_git(HONK_ERROR,
					     "push to '%s' failed: '%s'",
					     remote, dst);
			goto cleanup;
		} else {
			track_pushed(r, rem, dst, &news[i]);
		}
	}
cleanup:
	if (!err && rejected.len)
		err = honk_error_set(HONK_ECONFLICT,
				     "push to '%s' rejected: %s", remote,
				     rejected.buf);
	free(news);
	free(olds);
	free(had);
	git_buf_dispose(&objects);
	honk_buf_release(&src);
	honk_buf_release(&dir);
	honk_buf_release(&rejected);
	git_packbuilder_free(pb);
	git_revwalk_free(walk);
	git_repository_free(there);
	return err;
}

int honk_remote_push(struct honk_repo *r, const char *remote,
		     const char *const *refspecs, size_t n)
{
	git_push_options po;
	git_strarray specs = { (char **)(uintptr_t)refspecs, n };
	struct push_result pr = { HONK_BUF_INIT };
	git_remote *rem = NULL;
	const char *path;
	int err, tries;

	if ((err = check_refspecs(refspecs, n)) < 0)
		return err;
	if ((err = lookup_remote(&rem, r, remote)) < 0)
		return err;
	if ((path = local_remote_path(rem)) &&
	    (err = push_local(r, rem, remote, path, refspecs, n)) <= 0) {
		git_remote_free(rem);
		return err;
	}
	git_push_options_init(&po, GIT_PUSH_OPTIONS_VERSION);
	po.callbacks.push_update_reference = on_push_update;
	po.callbacks.payload = &pr;
	for (tries = 0;; tries++) {
		err = git_remote_push(rem, &specs, &po);
		/* a ref there (or our tracking ref) locked by another push */
		if (!ref_locked(err) || tries == 20)
			break;
		{
			struct timespec ts = { 0, 50000000L * (tries + 1) };

			nanosleep(&ts, NULL);
		}
		honk_buf_reset(&pr.rejected);
	}
	if (ref_locked(err))
		err = honk_error_git(HONK_EBUSY, "push to '%s' failed", remote);
	else if (err == GIT_ENONFASTFORWARD)
		err = honk_error_git(
			HONK_ECONFLICT,
			"push to '%s' rejected: the remote moved (fetch and retry)",
			remote);
	else if (err < 0)
		err = honk_error_git(HONK_ERROR, "push to '%s' failed", remote);
	else if (pr.rejected.len)
		err = honk_error_set(HONK_ECONFLICT,
				     "push to '%s' rejected: %s", remote,
				     pr.rejected.buf);
	honk_buf_release(&pr.rejected);
	git_remote_free(rem);
	return err;
}

/* "refs/remotes/<remote>/<branch>" for a local "refs/heads/<branch>". */
static void tracking(struct honk_buf *out, const char *remote, const char *ref)
{
	honk_buf_reset(out);
	honk_buf_addf(out, "refs/remotes/%s/%s", remote,
		      ref + strlen("refs/heads/"));
}

int honk_ref_follow(struct honk_repo *r, const char *remote, const char *ref)
{
	struct honk_buf tr = HONK_BUF_INIT;
	git_oid theirs, ours;
	int err, have;

	tracking(&tr, remote, ref);
	err = honk_ref_lookup(&theirs, r, tr.buf);
	honk_buf_release(&tr);
	if (err == HONK_ENOTFOUND)
		return 0;
	if (err < 0)
		return err;
	err = honk_ref_lookup(&ours, r, ref);
	if (err < 0 && err != HONK_ENOTFOUND)
		return err;
	have = err == 0;
	if (have && git_oid_equal(&ours, &theirs))
		return 0;
	return honk_ref_update(r, ref, &theirs, have ? &ours : NULL,
			       "honk: follow the remote");
}

int honk_ref_unpushed(struct honk_repo *r, const char *remote, const char *ref)
{
	struct honk_buf tr = HONK_BUF_INIT;
	git_oid theirs, ours;
	int differs;

	if (honk_ref_lookup(&ours, r, ref) < 0)
		return 0;
	tracking(&tr, remote, ref);
	differs = honk_ref_lookup(&theirs, r, tr.buf) < 0 ||
		  !git_oid_equal(&ours, &theirs);
	honk_buf_release(&tr);
	return differs;
}

int honk_lock_acquire(struct honk_lock *l, const char *path)
{
	char holder[128], host[64];
	ssize_t n;
	int fd;

	l->fd = -1;
	l->path = NULL;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0666);
	if (fd < 0)
		return honk_error_errno(HONK_ERROR, "cannot open lock '%s'",
					path);
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int busy = errno == EWOULDBLOCK;

		n = busy ? pread(fd, holder, sizeof(holder) - 1, 0) : -1;
		close(fd);
		if (!busy)
			return honk_error_errno(HONK_ERROR,
						"cannot take lock '%s'", path);
		if (n > 0) {
			holder[n] = '\0';
			holder[strcspn(holder, "\n")] = '\0';
		} else {
			holder[0] = '\0';
		}
		return honk_error_set(
			HONK_EBUSY,
			"lock '%s' is held%s%s: another honk is running, retry later",
			path, *holder ? " by " : "", holder);
	}
	if (gethostname(host, sizeof(host)) < 0)
		host[0] = '\0';
	host[sizeof(host) - 1] = '\0';
	n = snprintf(holder, sizeof(holder), "pid %ld on %s\n", (long)getpid(),
		     *host ? host : "unknown host");
	if (ftruncate(fd, 0) < 0 || pwrite(fd, holder, (size_t)n, 0) != n) {
		/* the lock is ours even if the note could not be written */
	}
	l->fd = fd;
	l->path = strdup(path);
	return 0;
}

void honk_lock_release(struct honk_lock *l)
{
	if (!l || l->fd < 0)
		return;
	close(l->fd); /* releases the flock; the file stays, by design */
	l->fd = -1;
	free(l->path);
	l->path = NULL;
}

int honk_repo_lock(struct honk_lock *l, struct honk_repo *r, const char *name)
{
	struct honk_buf path = HONK_BUF_INIT;
	int err;

	if ((err = honk_name_check("lock", name)) < 0)
		return err;
	if ((err = honk_buf_addf(&path, "%shonk-%s.lock",
				 git_repository_commondir(r->git), name)) < 0)
		return err;
	err = honk_lock_acquire(l, path.buf);
	honk_buf_release(&path);
	return err;
}

int honk_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int honk_file_write_atomic(const char *path, const void *data, size_t len)
{
	struct honk_buf lock = HONK_BUF_INIT, dir = HONK_BUF_INIT;
	struct honk_cleanup gone = { 0 };
	const char *slash;
	int fd = -1, dfd, err = 0;

	if ((err = honk_buf_addf(&lock, "%s.lock", path)) < 0)
		return err;
	fd = open(lock.buf, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0) {
		err = errno == EEXIST
			      ? honk_error_set(
					HONK_EBUSY,
					"'%s' exists: another process is writing '%s' (remove the lock only if none is)",
					lock.buf, path)
			      : honk_error_errno(HONK_ERROR,
						 "cannot create '%s'",
						 lock.buf);
		goto cleanup;
	}
	honk_cleanup_arm(&gone, lock.buf, 0);
	if (honk_write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		err = honk_error_errno(HONK_ERROR, "cannot write '%s'",
				       lock.buf);
		goto unlink_lock;
	}
	if (close(fd) < 0) {
		fd = -1;
		err = honk_error_errno(HONK_ERROR, "cannot write '%s'",
				       lock.buf);
		goto unlink_lock;
	}
	fd = -1;
	if (rename(lock.buf, path) < 0) {
		err = honk_error_errno(HONK_ERROR, "cannot rename '%s' to '%s'",
				       lock.buf, path);
		goto unlink_lock;
	}
	honk_cleanup_disarm(&gone);
	slash = strrchr(path, '/');
	if (slash)
		honk_buf_add(&dir, path,
			     slash == path ? 1 : (size_t)(slash - path));
	else
		honk_buf_addstr(&dir, ".");
	dfd = open(dir.buf, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		if (fsync(dfd) < 0 && errno != EINVAL)
			err = honk_error_errno(HONK_ERROR, "cannot sync '%s'",
					       dir.buf);
		close(dfd);
	}
	goto cleanup;
unlink_lock:
	if (fd >= 0)
		close(fd);
	unlink(lock.buf); /* ours: created with O_EXCL above */
	honk_cleanup_disarm(&gone);
cleanup:
	honk_buf_release(&lock);
	honk_buf_release(&dir);
	return err;
}

/* ---- a commit's files in a directory ------------------------------------ */

/* A tree entry name that is safe to create below a directory. */
static int entry_name_ok(const char *name)
{
	return *name && strcmp(name, ".") && strcmp(name, "..") &&
	       strcasecmp(name, ".git") && !strchr(name, '/');
}

/*
 * Write tree into the directory dirfd. Every name is created relative to
 * a directory descriptor opened with O_NOFOLLOW, and every file with
 * O_EXCL, so nothing in the tree can make a write land outside it.
 */
static int export_tree(struct honk_repo *r, const git_tree *tree, int dirfd,
		       struct honk_buf *at)
{
	size_t i, n = git_tree_entrycount(tree), len = at->len;
	int err = 0;

	for (i = 0; i < n && !err; i++) {
		const git_tree_entry *te = git_tree_entry_byindex(tree, i);
		const char *name = git_tree_entry_name(te);
		git_filemode_t mode = git_tree_entry_filemode(te);
		struct honk_buf data = HONK_BUF_INIT;
		git_tree *sub = NULL;
		int fd;

		if (!entry_name_ok(name))
			return honk_error_set(
				HONK_EINVALID,
				"%s: refusing the tree entry '%s'", at->buf,
				name);
		/* at: the path of what is written, for messages */
		honk_buf_setlen(at, len);
		honk_buf_addf(at, "/%s", name);
		switch (mode) {
		case GIT_FILEMODE_TREE:
			if (mkdirat(dirfd, name, 0755) < 0 ||
			    (fd = openat(dirfd, name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
						 O_CLOEXEC)) < 0)
				return honk_error_errno(
					HONK_ERROR, "cannot create '%s'",
					at->buf);
			if (git_tree_lookup(&sub, r->git,
					    git_tree_entry_id(te)) < 0)
				err = honk_error_git(HONK_ERROR,
						     "cannot read a tree");
			else
				err = export_tree(r, sub, fd, at);
			git_tree_free(sub);
			close(fd);
			break;
		case GIT_FILEMODE_BLOB:
		case GIT_FILEMODE_BLOB_EXECUTABLE:
			if ((err = honk_repo_read_blob(
				     &data, r, git_tree_entry_id(te))) < 0)
				break;
			fd = openat(dirfd, name,
				    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
					    O_CLOEXEC,
				    mode == GIT_FILEMODE_BLOB ? 0644 : 0755);
			if (fd < 0 ||
			    honk_write_all(fd, data.buf, data.len) < 0)
				err = honk_error_errno(HONK_ERROR,
						       "cannot write '%s'",
						       at->buf);
			if (fd >= 0 && close(fd) < 0 && !err)
				err = honk_error_errno(HONK_ERROR,
						       "cannot write '%s'",
						       at->buf);
			break;
		case GIT_FILEMODE_LINK:
			/* as git checks it out: a link, never followed here */
			if ((err = honk_repo_read_blob(
				     &data, r, git_tree_entry_id(te))) < 0)
				break;
			if (memchr(data.buf, '\0', data.len) ||
			    symlinkat(data.buf, dirfd, name) < 0)
				err = honk_error_errno(
					HONK_ERROR, "cannot create link '%s'",
					at->buf);
			break;
		default:
			break; /* submodules are not checked out */
		}
		honk_buf_release(&data);
	}
	honk_buf_setlen(at, len);
	return err;
}

int honk_repo_export(struct honk_repo *r, const git_oid *commit,
		     const char *dir)
{
	git_commit *c = NULL;
	git_tree *tree = NULL;
	int fd, err;

	if (git_commit_lookup(&c, r->git, commit) < 0 ||
	    git_commit_tree(&tree, c) < 0) {
		git_commit_free(c);
		return honk_error_git(HONK_ERROR, "cannot read a commit");
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		err = honk_error_errno(HONK_ERROR, "cannot open '%s'", dir);
	else {
		struct honk_buf at = HONK_BUF_INIT;

		honk_buf_addstr(&at, dir);
		err = export_tree(r, tree, fd, &at);
		honk_buf_release(&at);
	}
	if (fd >= 0)
		close(fd);
	git_tree_free(tree);
	git_commit_free(c);
	return err;
}
