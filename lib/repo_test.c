/*
 * The Git layer: opening like git, snapshots, compare-and-swap, pushes
 * the remote rejects, locks. Each test works in its own temporary
 * directory with HOME pinned, so no user configuration leaks in.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "batch.h"
#include "error.h"
#include "reftx.h"
#include "repo.h"
#include "banned.h"

static char top[4096];

static void sh(const char *fmt, ...)
{
	struct honk_buf cmd = HONK_BUF_INIT;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	honk_buf_vaddf(&cmd, fmt, ap);
	va_end(ap);
	rc = system(cmd.buf);
	if (rc != 0)
		fail_msg("command failed (%d): %s", rc, cmd.buf);
	honk_buf_release(&cmd);
}

static int setup(void **state)
{
	char tmpl[] = "/tmp/honk-repo-test.XXXXXX";

	(void)state;
	if (!mkdtemp(tmpl))
		return -1;
	snprintf(top, sizeof(top), "%s", tmpl);
	if (chdir(top) < 0)
		return -1;
	setenv("HOME", top, 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("GIT_AUTHOR_NAME", "Test", 1);
	setenv("GIT_AUTHOR_EMAIL", "test@example.com", 1);
	setenv("GIT_COMMITTER_NAME", "Test", 1);
	setenv("GIT_COMMITTER_EMAIL", "test@example.com", 1);
	unsetenv("GIT_DIR");
	unsetenv("GIT_INDEX_FILE");
	unsetenv("GIT_OBJECT_DIRECTORY");
	unsetenv("GIT_ALTERNATE_OBJECT_DIRECTORIES");
	setenv("GIT_CEILING_DIRECTORIES", "/tmp", 1);
	sh("git init -q -b main work && cd work && mkdir -p datasets/a consumers/x &&"
	   " echo 'honk: 1' >honk.yaml && echo one >datasets/a/one.yaml &&"
	   " echo two >datasets/a/two.yaml && echo c >consumers/x/c.yaml &&"
	   " git add -A && git commit -q -m first && git clone -q --bare . ../bare.git");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (chdir("/") < 0)
		return -1;
	sh("rm -rf '%s'", top);
	return 0;
}

static struct honk_repo *open_in(const char *dir)
{
	struct honk_repo *r = NULL;
	char cwd[4096];

	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(dir), 0);
	assert_int_equal(honk_repo_open(&r), 0);
	assert_int_equal(chdir(cwd), 0);
	return r;
}

struct seen {
	struct honk_buf paths;
};

static int collect(const char *path, const git_oid *blob, unsigned int mode,
		   void *payload)
{
	struct seen *s = payload;

	(void)blob;
	(void)mode;
	honk_buf_addf(&s->paths, "%s\n", path);
	return 0;
}

static void snapshot_reads_a_rev_and_the_index(void **state)
{
	struct honk_source src = HONK_SOURCE_INIT;
	struct honk_snapshot *snap = NULL;
	struct honk_buf b = HONK_BUF_INIT;
	struct seen s = { HONK_BUF_INIT };
	struct honk_repo *r = open_in("work/datasets");

	(void)state;
	assert_int_equal(honk_snapshot_open(&snap, r, &src), 0);
	assert_non_null(honk_snapshot_commit(snap));
	assert_int_equal(honk_snapshot_foreach(snap, "datasets/", collect, &s),
			 0);
	assert_string_equal(s.paths.buf,
			    "datasets/a/one.yaml\ndatasets/a/two.yaml\n");
	honk_buf_reset(&s.paths);
	assert_int_equal(honk_snapshot_foreach(snap, "nope/", collect, &s), 0);
	assert_string_equal(s.paths.buf, "");
	assert_int_equal(honk_snapshot_read(&b, snap, "honk.yaml"), 0);
	assert_string_equal(b.buf, "honk: 1\n");
	assert_int_equal(honk_snapshot_read(&b, snap, "missing.yaml"),
			 HONK_ENOTFOUND);
	honk_snapshot_free(snap);

	/* staged, not committed: only the index sees it */
	sh("cd work && echo new >consumers/x/new.yaml && git add consumers/x/new.yaml");
	src.kind = HONK_SOURCE_INDEX;
	assert_int_equal(honk_snapshot_open(&snap, r, &src), 0);
	assert_null(honk_snapshot_commit(snap));
	honk_buf_reset(&s.paths);
	assert_int_equal(honk_snapshot_foreach(snap, "consumers/", collect, &s),
			 0);
	assert_string_equal(s.paths.buf,
			    "consumers/x/c.yaml\nconsumers/x/new.yaml\n");
	honk_snapshot_free(snap);

	src.kind = HONK_SOURCE_REV;
	src.rev = "no-such-branch";
	assert_int_equal(honk_snapshot_open(&snap, r, &src), HONK_ENOTFOUND);
	src.rev = "--output=/tmp/x";
	assert_int_equal(honk_snapshot_open(&snap, r, &src), HONK_ENOTFOUND);
	honk_buf_release(&b);
	honk_buf_release(&s.paths);
	honk_repo_free(r);
}

static void open_honours_git_dir_and_bare_repos(void **state)
{
	struct honk_source src = HONK_SOURCE_INIT;
	struct honk_snapshot *snap = NULL;
	struct honk_repo *r;

	(void)state;
	r = open_in("bare.git");
	assert_int_equal(honk_snapshot_open(&snap, r, &src), 0);
	honk_snapshot_free(snap);
	/* a bare repository has no index to read */
	src.kind = HONK_SOURCE_INDEX;
	assert_int_equal(honk_snapshot_open(&snap, r, &src), HONK_ENOTFOUND);
	honk_repo_free(r);

	sh("mkdir -p elsewhere");
	setenv("GIT_DIR", "../bare.git", 1);
	r = open_in("elsewhere");
	unsetenv("GIT_DIR");
	assert_true(git_repository_is_bare(r->git));
	honk_repo_free(r);

	/* outside any repository */
	sh("mkdir -p %s/outside", top);
	setenv("GIT_CEILING_DIRECTORIES", top, 1);
	assert_int_equal(chdir("outside"), 0);
	assert_int_equal(honk_repo_open(&r), HONK_ENOTFOUND);
	assert_int_equal(chdir(".."), 0);
	setenv("GIT_CEILING_DIRECTORIES", "/tmp", 1);
}

static void quarantined_objects_are_readable(void **state)
{
	struct honk_buf b = HONK_BUF_INIT;
	struct honk_repo *r;
	git_oid id;
	char hex[GIT_OID_HEXSZ + 1];
	FILE *f;

	(void)state;
	/* an object that exists only in a quarantine directory, as during
	 * a pre-receive hook */
	sh("mkdir -p quarantine && GIT_OBJECT_DIRECTORY=$PWD/quarantine "
	   "git -C bare.git hash-object -w --stdin </dev/null >/dev/null && "
	   "echo quarantined | GIT_OBJECT_DIRECTORY=$PWD/quarantine "
	   "git -C bare.git hash-object -w --stdin >oid");
	f = fopen("oid", "r");
	assert_non_null(f);
	assert_non_null(fgets(hex, sizeof(hex), f));
	fclose(f);
	assert_int_equal(git_oid_fromstr(&id, hex), 0);

	r = open_in("bare.git");
	assert_int_not_equal(honk_repo_read_blob(&b, r, &id), 0);
	honk_repo_free(r);

	{
		struct honk_buf q = HONK_BUF_INIT, alt = HONK_BUF_INIT;

		honk_buf_addf(&q, "%s/quarantine", top);
		honk_buf_addf(&alt, "%s/bare.git/objects", top);
		setenv("GIT_OBJECT_DIRECTORY", q.buf, 1);
		setenv("GIT_ALTERNATE_OBJECT_DIRECTORIES", alt.buf, 1);
		r = open_in("bare.git");
		unsetenv("GIT_OBJECT_DIRECTORY");
		unsetenv("GIT_ALTERNATE_OBJECT_DIRECTORIES");
		honk_buf_release(&q);
		honk_buf_release(&alt);
	}
	honk_buf_reset(&b);
	assert_int_equal(honk_repo_read_blob(&b, r, &id), 0);
	assert_string_equal(b.buf, "quarantined\n");
	honk_buf_release(&b);
	honk_repo_free(r);
}

static void blob_over_the_limit_is_refused_unread(void **state)
{
	struct honk_source src = HONK_SOURCE_INIT;
	struct honk_snapshot *snap = NULL;
	struct honk_buf b = HONK_BUF_INIT;
	struct honk_repo *r = open_in("work");

	(void)state;
	honk_buf_init(&b, 4);
	assert_int_equal(honk_snapshot_open(&snap, r, &src), 0);
	assert_int_equal(honk_snapshot_read(&b, snap, "honk.yaml"),
			 HONK_ELIMIT);
	assert_int_equal(b.len, 0);
	honk_snapshot_free(snap);
	honk_buf_release(&b);
	honk_repo_free(r);
}

static void commit_then_stale_cas_fails_and_writes_nothing(void **state)
{
	struct honk_tree_update up[2] = {
		{ "state/a.yaml", "phase: approved\n", 16, 0 },
		{ "detect.yaml", "scanned: x\n", 11, 0 },
	};
	struct honk_repo *r = open_in("bare.git");
	git_oid first, second, now, stale;

	(void)state;
	/* an orphan branch, then a child */
	assert_int_equal(honk_repo_commit(&first, r, "refs/heads/honk/state",
					  NULL, up, 2, "honk: start\n", NULL),
			 0);
	up[0].data = "phase: rolling-out\n";
	up[0].len = 19;
	assert_int_equal(honk_repo_commit(&second, r, "refs/heads/honk/state",
					  &first, up, 1, "honk: roll\n", NULL),
			 0);
	assert_int_equal(honk_ref_lookup(&now, r, "refs/heads/honk/state"), 0);
	assert_true(git_oid_equal(&now, &second));

	/* someone else's view: first is stale now */
	git_oid_cpy(&stale, &first);
	up[0].data = "phase: paused\n";
	up[0].len = 14;
	assert_int_equal(honk_repo_commit(NULL, r, "refs/heads/honk/state",
					  &stale, up, 1, "honk: pause\n", NULL),
			 HONK_ECONFLICT);
	assert_int_equal(honk_ref_lookup(&now, r, "refs/heads/honk/state"), 0);
	assert_true(git_oid_equal(&now, &second));

	/* a plain CAS with a stale old value */
	assert_int_equal(honk_ref_update(r, "refs/heads/honk/state", &first,
					 &stale, "x"),
			 HONK_ECONFLICT);
	assert_int_equal(honk_ref_lookup(&now, r, "refs/heads/honk/state"), 0);
	assert_true(git_oid_equal(&now, &second));

	/* must-not-exist on an existing ref */
	assert_int_equal(honk_ref_update(r, "refs/heads/honk/state", &first,
					 NULL, "x"),
			 HONK_ECONFLICT);
	/* delete with a stale value, then with the right one */
	assert_int_equal(honk_ref_update(r, "refs/heads/honk/state", NULL,
					 &stale, "x"),
			 HONK_ECONFLICT);
	assert_int_equal(honk_ref_lookup(&now, r, "refs/heads/honk/state"), 0);
	assert_int_equal(honk_ref_update(r, "refs/heads/honk/state", NULL,
					 &second, "x"),
			 0);
	assert_int_equal(honk_ref_lookup(&now, r, "refs/heads/honk/state"),
			 HONK_ENOTFOUND);
	/* no lock file left behind */
	assert_int_equal(access("bare.git/refs/heads/honk/state.lock", F_OK),
			 -1);
	sh("git -C bare.git fsck --no-progress 2>&1 | (! grep -v '^dangling')");
	honk_repo_free(r);
}

/* The packs in a repository's object directory. */
static int count_packs(const char *gitdir)
{
	struct honk_buf cmd = HONK_BUF_INIT;
	FILE *f;
	int n = -1;

	honk_buf_addf(&cmd, "ls %s/objects/pack | grep -c '\\.pack$'", gitdir);
	f = popen(cmd.buf, "r");
	if (f && fscanf(f, "%d", &n) != 1)
		n = -1;
	if (f)
		pclose(f);
	honk_buf_release(&cmd);
	return n;
}

static int on_disk(const char *gitdir, const git_oid *id)
{
	struct honk_buf cmd = HONK_BUF_INIT;
	char hex[GIT_OID_HEXSZ + 1];
	int rc;

	git_oid_tostr(hex, sizeof(hex), id);
	honk_buf_addf(&cmd, "git -C %s cat-file -e %s 2>/dev/null", gitdir,
		      hex);
	rc = system(cmd.buf);
	honk_buf_release(&cmd);
	return rc == 0;
}

struct outcomes {
	int err[8];
	size_t n;
};

static void note(size_t i, const char *refname, const git_oid *target, int err,
		 void *payload)
{
	struct outcomes *o = payload;

	(void)refname;
	(void)target;
	assert_int_equal(i, o->n);
	o->err[o->n++] = err;
}

static void tree_of(git_oid *out, struct honk_repo *r, const git_oid *commit)
{
	git_commit *c = NULL;

	assert_int_equal(git_commit_lookup(&c, r->git, commit), 0);
	git_oid_cpy(out, git_commit_tree_id(c));
	git_commit_free(c);
}

static void batch_writes_objects_then_moves_refs(void **state)
{
	struct honk_tree_update up[2] = {
		{ "migrations/a.v1-v2.yaml", "migration: a.v1-v2\n", 19, 0 },
		{ "honk.yaml", "honk: 1\nmain: main\n", 19, 0 },
	};
	struct honk_repo *r = open_in("bare.git");
	struct outcomes o = { { 0 }, 0 };
	struct honk_buf name = HONK_BUF_INIT;
	git_oid main, a, b, now, last;
	int packs = count_packs("bare.git");
	char *big;
	size_t k;

	(void)state;
	assert_true(packs >= 0);
	assert_int_equal(honk_ref_lookup(&main, r, "refs/heads/main"), 0);
	assert_int_equal(honk_batch_begin(r), 0);
	assert_int_equal(honk_batch_begin(r), HONK_EUSAGE);
	assert_int_equal(honk_repo_commit_onto(&a, r,
					       "refs/heads/honk/propose/a",
					       NULL, &main, up, 2, "a\n", NULL),
			 0);
	/* a commit on top of one that is only in memory */
	up[0].path = "migrations/b.v1-v2.yaml";
	assert_int_equal(honk_repo_commit_onto(&b, r,
					       "refs/heads/honk/propose/b",
					       NULL, &a, up, 1, "b\n", NULL),
			 0);
	/* must not exist, but main does: a conflict, told at commit */
	assert_int_equal(honk_repo_commit_onto(NULL, r, "refs/heads/main", NULL,
					       &main, up, 1, "x\n", NULL),
			 0);
	assert_int_equal(honk_batch_queued(r), 3);
	/* nothing is visible before the batch is written */
	assert_int_equal(honk_ref_lookup(&now, r, "refs/heads/honk/propose/a"),
			 HONK_ENOTFOUND);
	assert_false(on_disk("bare.git", &a));
	assert_false(on_disk("bare.git", &b));

	assert_int_equal(honk_batch_commit(r, note, &o), 0);
	assert_int_equal(o.n, 3);
	assert_int_equal(o.err[0], 0);
	assert_int_equal(o.err[1], 0);
	assert_int_equal(o.err[2], HONK_ECONFLICT);
	assert_false(honk_batch_active(r));
	/* a handful of objects: loose, no pack of its own */
	assert_int_equal(count_packs("bare.git"), packs);
	assert_true(on_disk("bare.git", &a));
	assert_int_equal(honk_ref_lookup(&now, r, "refs/heads/honk/propose/b"),
			 0);
	assert_true(git_oid_equal(&now, &b));
	assert_int_equal(honk_ref_lookup(&now, r, "refs/heads/main"), 0);
	assert_true(git_oid_equal(&now, &main));
	sh("test \"$(git -C bare.git show honk/propose/b:migrations/a.v1-v2.yaml)\" = 'migration: a.v1-v2'");
	sh("test \"$(git -C bare.git rev-parse honk/propose/b^)\" = \"$(git -C bare.git rev-parse honk/propose/a)\"");
	sh("git -C bare.git fsck --strict --no-progress 2>&1 | (! grep -v '^dangling')");

	/* outside a batch, writes are loose objects as ever */
	assert_int_equal(honk_repo_commit(&now, r, "refs/heads/honk/propose/b",
					  &b, up, 1, "c\n", NULL),
			 0);
	assert_int_equal(count_packs("bare.git"), packs);
	assert_true(on_disk("bare.git", &now));

	/* forty commits (blob, two trees, commit each): one pack for all,
	 * one blob of them large (a long size header, many zlib chunks) */
	big = malloc(100000);
	assert_non_null(big);
	for (k = 0; k < 100000; k++)
		big[k] = (char)("honk\n"[k % 5] ^
				(char)((k * 2654435761u) >> 29));
	assert_int_equal(honk_batch_begin(r), 0);
	for (k = 0; k < 40; k++) {
		honk_buf_reset(&name);
		honk_buf_addf(&name, "refs/heads/honk/propose/m%zu", k);
		up[0].data = k == 7 ? big : name.buf;
		up[0].len = k == 7 ? 100000 : name.len;
		assert_int_equal(honk_repo_commit_onto(&last, r, name.buf, NULL,
						       &main, up, 1, "m\n",
						       NULL),
				 0);
	}
	assert_false(on_disk("bare.git", &last));
	assert_int_equal(honk_batch_commit(r, NULL, NULL), 0);
	assert_int_equal(count_packs("bare.git"), packs + 1);
	assert_true(on_disk("bare.git", &last));
	assert_int_equal(honk_ref_lookup(&now, r, name.buf), 0);
	assert_true(git_oid_equal(&now, &last));
	/* git checks every byte of the pack and its index */
	sh("for p in bare.git/objects/pack/*.idx; do git verify-pack \"$p\" || exit 1; done");
	sh("test \"$(git -C bare.git cat-file -s honk/propose/m7:migrations/b.v1-v2.yaml)\" = 100000");
	sh("git -C bare.git fsck --strict --no-progress 2>&1 | (! grep -v '^dangling')");
	free(big);
	honk_buf_release(&name);
	honk_repo_free(r);
}

static void batch_abort_leaves_nothing(void **state)
{
	struct honk_tree_update up = { "detect.yaml", "scanned: y\n", 11, 0 };
	struct honk_repo *r = open_in("bare.git");
	int packs = count_packs("bare.git");
	git_oid id, now;

	(void)state;
	assert_int_equal(honk_batch_begin(r), 0);
	assert_int_equal(honk_repo_commit(&id, r, "refs/heads/honk/state", NULL,
					  &up, 1, "s\n", NULL),
			 0);
	honk_batch_abort(r);
	assert_false(honk_batch_active(r));
	assert_int_equal(honk_batch_queued(r), 0);
	assert_int_equal(honk_ref_lookup(&now, r, "refs/heads/honk/state"),
			 HONK_ENOTFOUND);
	assert_false(on_disk("bare.git", &id));
	assert_int_equal(count_packs("bare.git"), packs);
	/* an empty batch writes no pack */
	assert_int_equal(honk_batch_begin(r), 0);
	assert_int_equal(honk_batch_commit(r, NULL, NULL), 0);
	assert_int_equal(count_packs("bare.git"), packs);
	honk_repo_free(r);
}

/*
 * The batch's own tree writer must give exactly the trees libgit2's
 * git_tree_create_updated gives: git's entry order ("a.b" < "a/" <
 * "a0"), nested upserts, removals that empty a directory.
 */
static void batch_trees_equal_libgit2s(void **state)
{
	struct honk_tree_update base[] = {
		{ "a/x.yaml", "x\n", 2, 0 }, { "a.b", "ab\n", 3, 0 },
		{ "a0", "a0\n", 3, 0 },	     { "d/e/f.yaml", "f\n", 2, 0 },
		{ "d/g.yaml", "g\n", 2, 0 }, { "z", "z\n", 2, 0 },
	};
	struct honk_tree_update change[] = {
		{ "d/e/f.yaml", NULL, 0, 1 }, { "a/y.yaml", "y\n", 2, 0 },
		{ "a.b", "ab2\n", 4, 0 },     { "a-c/q.yaml", "q\n", 2, 0 },
		{ "z", NULL, 0, 1 },	      { "new/deep/er/n", "n\n", 2, 0 },
	};
	struct honk_repo *r = open_in("bare.git");
	git_oid start, plain, batched, t1, t2;
	size_t k;
	int err;

	(void)state;
	for (k = 0; k < 2; k++) {
		const char *ref = k ? "refs/heads/t-batch"
				    : "refs/heads/t-plain";
		git_oid *out = k ? &batched : &plain;

		if (k)
			assert_int_equal(honk_batch_begin(r), 0);
		assert_int_equal(honk_repo_commit(&start, r, ref, NULL, base, 6,
						  "base\n", NULL),
				 0);
		err = honk_repo_commit(out, r, ref, &start, change, 6,
				       "change\n", NULL);
		if (err != 0)
			fail_msg("%d: %s", err, honk_error_last());
		if (k)
			assert_int_equal(honk_batch_commit(r, NULL, NULL), 0);
	}
	tree_of(&t1, r, &plain);
	tree_of(&t2, r, &batched);
	assert_true(git_oid_equal(&t1, &t2));
	sh("git -C bare.git ls-tree -r --name-only t-batch >names && printf '%%s\\n' a-c/q.yaml a.b a/x.yaml a/y.yaml a0 d/g.yaml new/deep/er/n | cmp - names");
	/* removing what is not there is an error, as in libgit2 */
	change[0].path = "d/e/nothing.yaml";
	assert_int_equal(honk_batch_begin(r), 0);
	assert_int_equal(honk_repo_commit(NULL, r, "refs/heads/t-batch",
					  &batched, change, 1, "rm\n", NULL),
			 HONK_ENOTFOUND);
	honk_batch_abort(r);
	/* the same path twice in one commit is refused */
	change[1].path = "a.b";
	assert_int_equal(honk_batch_begin(r), 0);
	assert_int_equal(honk_repo_commit(NULL, r, "refs/heads/t-batch",
					  &batched, change, 6, "twice\n", NULL),
			 HONK_EINVALID);
	honk_batch_abort(r);
	sh("git -C bare.git fsck --strict --no-progress 2>&1 | (! grep -v '^dangling')");
	honk_repo_free(r);
}

static void set_update(struct honk_refupdate *u, const char *name,
		       const git_oid *target, const git_oid *expected)
{
	memset(u, 0, sizeof(*u));
	u->refname = name;
	u->message = "honk: test\nsecond line";
	git_oid_cpy(&u->target, target);
	if (expected) {
		git_oid_cpy(&u->expected, expected);
		u->has_expected = 1;
	}
}

static void refs_update_follows_gits_protocol(void **state)
{
	struct honk_refupdate v[9];
	struct honk_repo *r = open_in("work");
	git_oid main, second, now;

	(void)state;
	sh("cd work && echo 2 >x && git add x && git commit -q -m second &&"
	   " git branch -q packed HEAD~1 && git branch -q honkfile &&"
	   " git branch -q dir/inside && git pack-refs --all &&"
	   " git branch -q loosefile && : >.git/refs/heads/busy.lock");
	assert_int_equal(honk_ref_lookup(&main, r, "refs/heads/packed"), 0);
	assert_int_equal(honk_ref_lookup(&second, r, "refs/heads/main"), 0);

	set_update(&v[0], "refs/heads/honk/new", &main, NULL);
	set_update(&v[1], "refs/heads/busy", &main, NULL);
	set_update(&v[2], "refs/heads/packed", &second, &main);	  /* packed only
								   */
	set_update(&v[3], "refs/heads/main", &main, &main);	  /* stale */
	set_update(&v[4], "refs/heads/honkfile/x", &main, NULL);  /* D/F */
	set_update(&v[5], "refs/heads/dir", &main, NULL);	  /* F/D */
	set_update(&v[6], "refs/heads/honk/new", &second, &main); /* chained */
	set_update(&v[7], "refs/heads/honk/new", &main, &main);	  /* not */
	set_update(&v[8], "refs/heads/loosefile/y", &main, NULL); /* D/F */
	if (honk_refs_update(r, v, 9) != 0)
		fail_msg("%s", honk_error_last());
	assert_int_equal(v[0].err, 0);
	assert_int_equal(v[1].err, HONK_EBUSY);
	assert_int_equal(v[2].err, 0);
	assert_int_equal(v[3].err, HONK_ECONFLICT);
	assert_int_equal(v[4].err, HONK_ECONFLICT);
	assert_int_equal(v[5].err, HONK_ECONFLICT);
	assert_int_equal(v[6].err, 0);
	assert_int_equal(v[7].err, HONK_ECONFLICT);
	assert_int_equal(v[8].err, HONK_ECONFLICT);

	/* what git sees */
	assert_int_equal(honk_ref_lookup(&now, r, "refs/heads/honk/new"), 0);
	assert_true(git_oid_equal(&now, &second));
	assert_int_equal(honk_ref_lookup(&now, r, "refs/heads/packed"), 0);
	assert_true(git_oid_equal(&now, &second));
	assert_int_equal(honk_ref_lookup(&now, r, "refs/heads/main"), 0);
	assert_true(git_oid_equal(&now, &second));
	sh("cd work && test \"$(git rev-parse packed)\" = \"$(git rev-parse main)\"");
	/* the foreign lock stays; none of ours is left */
	sh("test -f work/.git/refs/heads/busy.lock && rm work/.git/refs/heads/busy.lock");
	sh("test -z \"$(find work/.git/refs -name '*.lock')\"");
	/* one reflog line per ref, as git writes them: old new who when msg */
	sh("cd work && git reflog show --format='%%gs' refs/heads/honk/new >log &&"
	   " test \"$(cat log)\" = 'honk: test' &&"
	   " grep -q '^0\\{40\\} [0-9a-f]\\{40\\} Test <test@example.com> [0-9]* [-+][0-9]\\{4\\}	honk: test$' .git/logs/refs/heads/honk/new");
	sh("git -C work fsck --strict --no-progress 2>&1 | (! grep -v '^dangling')");
	/* creating a ref that lives only in packed-refs: it exists */
	set_update(&v[0], "refs/heads/dir/inside", &main, NULL);
	assert_int_equal(honk_refs_update(r, v, 1), 0);
	assert_int_equal(v[0].err, HONK_ECONFLICT);
	assert_int_equal(honk_ref_lookup(&now, r, "refs/heads/dir/inside"), 0);
	assert_true(git_oid_equal(&now, &second)); /* as it was */
	honk_repo_free(r);

	/* a bare repository keeps no reflogs by default */
	r = open_in("bare.git");
	assert_int_equal(honk_ref_lookup(&main, r, "refs/heads/main"), 0);
	set_update(&v[0], "refs/heads/honk/b", &main, NULL);
	assert_int_equal(honk_refs_update(r, v, 1), 0);
	assert_int_equal(v[0].err, 0);
	sh("test ! -e bare.git/logs/refs/heads/honk/b");
	/* and a name honk does not write is refused before anything */
	set_update(&v[0], "refs/heads/../x", &main, NULL);
	assert_int_equal(honk_refs_update(r, v, 1), HONK_EUSAGE);
	assert_int_equal(v[0].err, 1);
	honk_repo_free(r);
}

static void commit_refuses_unsafe_paths(void **state)
{
	static const char *const bad[] = {
		"../x", "/etc/passwd", "a/../b", ".git/config", "a//b", "a/",
		"",	"a/.GIT/x",    "./a"
	};
	struct honk_repo *r = open_in("bare.git");
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct honk_tree_update up = { bad[i], "x", 1, 0 };

		assert_int_equal(honk_repo_commit(NULL, r, "refs/heads/evil",
						  NULL, &up, 1, "evil\n", NULL),
				 HONK_EINVALID);
	}
	{
		git_oid id;

		assert_int_equal(honk_ref_lookup(&id, r, "refs/heads/evil"),
				 HONK_ENOTFOUND);
	}
	honk_repo_free(r);
}

static void push_rejected_by_the_remote_is_an_error(void **state)
{
	const char *spec[] = { "refs/heads/main:refs/heads/main" };
	const char *forced[] = { "+refs/heads/main:refs/heads/main" };
	struct honk_repo *r;

	(void)state;
	sh("git clone -q bare.git one && git clone -q bare.git two &&"
	   " cd one && echo a >a && git add a && git commit -q -m a && git push -q origin main &&"
	   " cd ../two && echo b >b && git add b && git commit -q -m b");
	/* two is behind: a non-fast-forward push must fail loudly */
	r = open_in("two");
	{
		int e = honk_remote_push(r, "origin", spec, 1);
		assert_int_equal(e, HONK_ECONFLICT);
	}
	assert_non_null(strstr(honk_error_last(), "rejected"));
	assert_int_equal(honk_remote_push(r, "origin", forced, 1), HONK_EUSAGE);
	assert_int_equal(honk_remote_push(r, "nope", spec, 1), HONK_ENOTFOUND);
	/* after a fetch and a rebase it goes through */
	assert_int_equal(honk_remote_fetch(r, "origin", NULL, 0), 0);
	sh("cd two && git rebase -q origin/main");
	assert_int_equal(honk_remote_push(r, "origin", spec, 1), 0);
	honk_repo_free(r);

	/*
	 * A remote whose pre-receive hook refuses, served by git daemon on
	 * loopback (libgit2's local transport runs no hooks): libgit2
	 * returns 0 and reports the refusal only per ref; honk must fail.
	 */
	{
		int port = 20000 + (int)(getpid() % 20000), err;
		const char *url_fmt = "git://127.0.0.1:%d/bare.git";

		sh("printf '#!/bin/sh\\necho no >&2\\nexit 1\\n' >bare.git/hooks/pre-receive &&"
		   " chmod +x bare.git/hooks/pre-receive &&"
		   " git daemon --reuseaddr --base-path=%s --export-all"
		   " --enable=receive-pack --listen=127.0.0.1 --port=%d"
		   " --pid-file=%s/daemon.pid --detach && sleep 0.3",
		   top, port, top);
		sh("cd one && git pull -q --rebase && echo c >c && git add c &&"
		   " git commit -q -m c");
		{
			struct honk_buf url = HONK_BUF_INIT;

			honk_buf_addf(&url, url_fmt, port);
			sh("git -C one remote set-url origin %s", url.buf);
			honk_buf_release(&url);
		}
		r = open_in("one");
		err = honk_remote_push(r, "origin", spec, 1);
		sh("kill $(cat %s/daemon.pid)", top);
		assert_int_equal(err, HONK_ECONFLICT);
		assert_non_null(
			strstr(honk_error_last(), "pre-receive hook declined"));
		honk_repo_free(r);
	}
}

/* A URL is a remote too: fetched from and pushed to without a name. */
static void urls_are_remotes(void **state)
{
	const char *fetch[] = { "refs/heads/main:refs/heads/main" };
	const char *push[] = { "refs/heads/main:refs/heads/side" };
	struct honk_buf url = HONK_BUF_INIT;
	struct honk_repo *r;
	git_oid id;

	(void)state;
	assert_true(honk_remote_is_url("file:///srv/x.git"));
	assert_true(honk_remote_is_url("git@example.com:team/x.git"));
	assert_false(honk_remote_is_url("origin"));
	assert_false(honk_remote_is_url("../x.git"));
	assert_false(honk_remote_is_url("./a@b:c"));
	sh("git init -q --bare mirror.git");
	r = open_in("mirror.git");
	honk_buf_addf(&url, "file://%s/bare.git", top);
	assert_int_equal(honk_remote_fetch(r, url.buf, fetch, 1), 0);
	assert_int_equal(honk_ref_lookup(&id, r, "refs/heads/main"), 0);
	assert_int_equal(honk_remote_push(r, url.buf, push, 1), 0);
	sh("git -C bare.git rev-parse --verify -q refs/heads/side >/dev/null");
	honk_repo_free(r);
	honk_buf_release(&url);
}

/* A commit's files in a directory; nothing written outside it. */
static void export_writes_inside_only(void **state)
{
	struct honk_repo *r;
	git_oid id;
	char link[64];
	ssize_t n;
	struct stat st;

	(void)state;
	sh("cd work && mkdir -p sql/lib && echo q >sql/lib/q.sql &&"
	   " printf '#!/bin/sh\n' >run.sh && chmod +x run.sh &&"
	   " ln -s /etc etc-link && git add -A && git commit -q -m more");
	r = open_in("work");
	assert_int_equal(honk_ref_lookup(&id, r, "refs/heads/main"), 0);
	sh("mkdir out");
	assert_int_equal(honk_repo_export(r, &id, "out"), 0);
	sh("cmp out/sql/lib/q.sql work/sql/lib/q.sql && test -x out/run.sh &&"
	   " ! test -x out/honk.yaml && cmp out/datasets/a/one.yaml work/datasets/a/one.yaml");
	n = readlink("out/etc-link", link, sizeof(link) - 1);
	assert_true(n > 0);
	link[n] = '\0';
	assert_string_equal(link, "/etc");
	/* not into a directory that holds something already */
	assert_int_equal(honk_repo_export(r, &id, "out"), HONK_ERROR);
	/* a tree made by hand with an entry named "..": refused */
	sh("cd work && blob=$(echo evil | git hash-object -w --stdin) &&"
	   " perl -e 'print \"100644 ..\\0\", pack(\"H*\", $ARGV[0])' $blob >t &&"
	   " tree=$(git hash-object -t tree -w --literally t) &&"
	   " git update-ref refs/heads/evil $(git commit-tree -m evil $tree)");
	assert_int_equal(honk_ref_lookup(&id, r, "refs/heads/evil"), 0);
	sh("mkdir out2");
	assert_int_equal(honk_repo_export(r, &id, "out2"), HONK_EINVALID);
	assert_non_null(
		strstr(honk_error_last(), "refusing the tree entry '..'"));
	assert_int_equal(stat("evil", &st), -1);
	honk_repo_free(r);
}

static void held_lock_is_busy_never_deleted(void **state)
{
	struct honk_lock a = HONK_LOCK_INIT, b = HONK_LOCK_INIT;
	int fds[2];
	pid_t pid;
	char c;

	(void)state;
	assert_int_equal(honk_lock_acquire(&a, "run.lock"), 0);
	/* a second open file description conflicts, even in this process */
	assert_int_equal(honk_lock_acquire(&b, "run.lock"), HONK_EBUSY);
	assert_non_null(strstr(honk_error_last(), "pid"));
	honk_lock_release(&a);
	assert_int_equal(access("run.lock", F_OK), 0);

	/* a holder in another process; when it dies the lock is free */
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct honk_lock l = HONK_LOCK_INIT;

		if (honk_lock_acquire(&l, "run.lock") < 0)
			_exit(1);
		if (write(fds[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	assert_int_equal(read(fds[0], &c, 1), 1);
	assert_int_equal(honk_lock_acquire(&b, "run.lock"), HONK_EBUSY);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	assert_int_equal(honk_lock_acquire(&b, "run.lock"), 0);
	honk_lock_release(&b);
	close(fds[0]);
	close(fds[1]);
}

static void repo_lock_lives_in_the_git_dir(void **state)
{
	struct honk_lock a = HONK_LOCK_INIT, b = HONK_LOCK_INIT;
	struct honk_repo *r = open_in("bare.git");

	(void)state;
	assert_int_equal(honk_repo_lock(&a, r, "detect"), 0);
	assert_int_equal(access("bare.git/honk-detect.lock", F_OK), 0);
	assert_int_equal(honk_repo_lock(&b, r, "detect"), HONK_EBUSY);
	assert_int_equal(honk_repo_lock(&b, r, "../evil"), HONK_EINVALID);
	honk_lock_release(&a);
	honk_repo_free(r);
}

static void atomic_write_respects_an_existing_lock(void **state)
{
	struct honk_buf b = HONK_BUF_INIT;

	(void)state;
	assert_int_equal(honk_file_write_atomic("out.html", "one\n", 4), 0);
	assert_int_equal(honk_buf_read_file(&b, "out.html"), 0);
	assert_string_equal(b.buf, "one\n");
	sh("echo someone >out.html.lock");
	assert_int_equal(honk_file_write_atomic("out.html", "two\n", 4),
			 HONK_EBUSY);
	honk_buf_reset(&b);
	assert_int_equal(honk_buf_read_file(&b, "out.html"), 0);
	assert_string_equal(b.buf, "one\n");
	honk_buf_reset(&b);
	assert_int_equal(honk_buf_read_file(&b, "out.html.lock"), 0);
	assert_string_equal(b.buf, "someone\n");
	honk_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			snapshot_reads_a_rev_and_the_index, setup, teardown),
		cmocka_unit_test_setup_teardown(
			open_honours_git_dir_and_bare_repos, setup, teardown),
		cmocka_unit_test_setup_teardown(
			quarantined_objects_are_readable, setup, teardown),
		cmocka_unit_test_setup_teardown(
			blob_over_the_limit_is_refused_unread, setup, teardown),
		cmocka_unit_test_setup_teardown(
			commit_then_stale_cas_fails_and_writes_nothing, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			batch_writes_objects_then_moves_refs, setup, teardown),
		cmocka_unit_test_setup_teardown(batch_abort_leaves_nothing,
						setup, teardown),
		cmocka_unit_test_setup_teardown(batch_trees_equal_libgit2s,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			refs_update_follows_gits_protocol, setup, teardown),
		cmocka_unit_test_setup_teardown(commit_refuses_unsafe_paths,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			push_rejected_by_the_remote_is_an_error, setup,
			teardown),
		cmocka_unit_test_setup_teardown(urls_are_remotes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(export_writes_inside_only,
						setup, teardown),
		cmocka_unit_test_setup_teardown(held_lock_is_busy_never_deleted,
						setup, teardown),
		cmocka_unit_test_setup_teardown(repo_lock_lives_in_the_git_dir,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			atomic_write_respects_an_existing_lock, setup,
			teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
