/*
 * honk-gen's run: the migration code for one proposal.
 *
 * Invariants:
 *  - What runs comes from main. Schemas, consumers and their test
 *    commands are read at main, never from the proposal branch, which
 *    anyone who can push may have changed. The plan and the artifacts
 *    are read from the proposal.
 *  - People's edits win, as Renovate leaves a branch alone once a person
 *    pushed to it. An artifact is honk's while the last commit on the
 *    proposal that changed it is honk-gen's (a "Honk-Actor: honk-gen"
 *    trailer); a file a person changed is kept and used as it is, so a
 *    reviewer can add rewrite rules or fix the SQL and run honk-gen
 *    again. A consumer branch honk/<id> a person committed to is left
 *    alone.
 *  - Everything moves forward: the proposal gets one commit on its tip
 *    by compare-and-swap (pushed without force, fetched and redone when
 *    refused); a consumer's honk/<id> only ever gets commits or merges
 *    on top.
 *  - Nothing new, nothing written: artifacts are deterministic, and
 *    validation is run again only when its inputs (the SQL, the schemas,
 *    the samples, each consumer's tested commit and command) changed;
 *    their fingerprint is kept in validation.yaml.
 */
#include "gen.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "batch.h"
#include "catalog.h"
#include "crepo.h"
#include "derive.h"
#include "diag.h"
#include "error.h"
#include "exec.h"
#include "names.h"
#include "plan.h"
#include "rewrite.h"
#include "sha1.h"
#include "sqlgen.h"
#include "validate.h"
#include "yaml.h"
#include "banned.h"

#define PUSH_TRIES    3
#define TAIL_LINES    20
#define TEST_TAIL_MAX (64 * 1024)

struct update {
	char *path;
	char *data;
	size_t len;
	int remove;
};

/* A consumer the run rewrites or tests. */
struct target {
	const struct honk_consumer *co;
	git_oid test; /* the commit its test runs on */
	int have_test;
	struct honk_crepo cr; /* its repository, once opened */
	int left_alone;
};

struct gen {
	struct honk_repo *repo;
	const struct honk_gen_opts *o;
	honk_gen_cb cb;
	void *payload;
	struct honk_gen_result *res;
	char *remote;
	struct honk_buf ref, dir; /* the proposal's ref; migrations/<id> */
	git_oid main, tip;
	struct honk_snapshot *main_snap, *tip_snap;
	struct honk_catalog cat; /* at main */
	struct honk_planfile pf;
	const struct honk_dataset *ds;
	const struct honk_version *vf, *vt;
	struct honk_arena arena;
	struct update *ups;
	size_t nups, cups;
	struct honk_plan_manual *manual; /* honk's, for the plan */
	size_t nmanual, cmanual;
	struct honk_buf rules;		   /* the rewrite.yaml in effect */
	struct honk_buf transform, compat; /* the sqlite SQL in effect */
	int have_sql;
	struct target *targets;
	size_t ntargets;
	struct honk_diags diags;
};

static void say(struct gen *g, const char *event, const char *subject, int ok,
		const char *fmt, ...) HONK_PRINTF(5, 6);

static void say(struct gen *g, const char *event, const char *subject, int ok,
		const char *fmt, ...)
{
	struct honk_buf b = HONK_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	honk_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	g->cb(event, subject, b.buf, ok, g->payload);
	honk_buf_release(&b);
}

static int oom(void)
{
	return honk_error_set(HONK_ERROR, "out of memory");
}

static char *adup(struct gen *g, const char *s)
{
	return honk_arena_strdup(&g->arena, s);
}

/* ---- where things are ------------------------------------------------- */

static int snap_at(struct honk_snapshot **out, struct honk_repo *r,
		   const git_oid *commit)
{
	struct honk_source src = HONK_SOURCE_INIT;
	char hex[GIT_OID_HEXSZ + 1];

	git_oid_tostr(hex, sizeof(hex), commit);
	src.rev = hex;
	return honk_snapshot_open(out, r, &src);
}

/*
 * main per honk.yaml (read at HEAD, else refs/heads/main), after a fetch
 * when there is a remote; g->cat then holds honk.yaml only.
 */
static int find_main(struct gen *g)
{
	struct honk_source src = HONK_SOURCE_INIT;
	struct honk_snapshot *head = NULL;
	struct honk_buf ref = HONK_BUF_INIT;
	struct honk_catalog settings = HONK_CATALOG_INIT;
	int err;

	err = honk_snapshot_open(&head, g->repo, &src);
	if (err == HONK_ENOTFOUND) {
		src.rev = "refs/heads/main";
		err = honk_snapshot_open(&head, g->repo, &src);
	}
	if (err < 0)
		return err;
	err = honk_catalog_load_paths(&settings, g->repo, head, NULL, 0,
				      &g->diags);
	honk_snapshot_free(head);
	if (err < 0)
		goto cleanup;
	if (!g->o->no_remote && (g->o->remote || settings.settings.remote)) {
		g->remote = strdup(g->o->remote ? g->o->remote
						: settings.settings.remote);
		if (!g->remote) {
			err = oom();
			goto cleanup;
		}
		if (!g->o->dry_run &&
		    (err = honk_remote_fetch(g->repo, g->remote, NULL, 0)) < 0)
			goto cleanup;
		honk_buf_addf(&ref, "refs/remotes/%s/%s", g->remote,
			      settings.settings.main);
		if (honk_ref_lookup(&g->main, g->repo, ref.buf) == 0)
			goto cleanup;
		honk_buf_reset(&ref);
	}
	honk_buf_addf(&ref, "refs/heads/%s", settings.settings.main);
	if ((err = honk_ref_lookup(&g->main, g->repo, ref.buf)) < 0)
		honk_error_set(
			err, "the main branch '%s' (honk.yaml) does not exist",
			settings.settings.main);
cleanup:
	honk_buf_release(&ref);
	honk_catalog_release(&settings);
	return err;
}

/* ---- the files of the proposal ---------------------------------------- */

/* path's blob in a commit; zero when the commit does not have it. */
static int blob_in(git_oid *out, struct gen *g, const git_commit *c,
		   const char *path)
{
	git_tree *tree = NULL;
	git_tree_entry *e = NULL;
	int err;

	memset(out, 0, sizeof(*out));
	if (git_commit_tree(&tree, c) < 0)
		return honk_error_git(HONK_ERROR, "cannot read a tree");
	err = git_tree_entry_bypath(&e, tree, path);
	if (err == 0)
		git_oid_cpy(out, git_tree_entry_id(e));
	else if (err != GIT_ENOTFOUND)
		err = honk_error_git(HONK_ERROR, "cannot read '%s'", path);
	else
		err = 0;
	git_tree_entry_free(e);
	git_tree_free(tree);
	(void)g;
	return err;
}

/*
 * Who last changed path on the proposal (its commits not on main, newest
 * first, each against its first parent, so merges that only bring main
 * in do not count)? 1 when honk-gen did, 0 when a person did or nobody.
 */
static int changed_by_honk(struct gen *g, const char *path)
{
	git_revwalk *walk = NULL;
	git_oid id, mine, theirs;
	int err = 0, who = 0, found = 0;

	if (git_revwalk_new(&walk, g->repo->git) < 0 ||
	    git_revwalk_push(walk, &g->tip) < 0 ||
	    git_revwalk_hide(walk, &g->main) < 0) {
		git_revwalk_free(walk);
		return honk_error_git(HONK_ERROR,
				      "cannot walk the proposal branch");
	}
	git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL);
	while (!found && git_revwalk_next(&id, walk) == 0) {
		git_commit *c = NULL, *parent = NULL;

		if (git_commit_lookup(&c, g->repo->git, &id) < 0) {
			err = honk_error_git(HONK_ERROR,
					     "cannot read a commit");
			break;
		}
		memset(&theirs, 0, sizeof(theirs));
		if ((err = blob_in(&mine, g, c, path)) == 0 &&
		    git_commit_parentcount(c) > 0) {
			if (git_commit_parent(&parent, c, 0) < 0)
				err = honk_error_git(HONK_ERROR,
						     "cannot read a commit");
			else
				err = blob_in(&theirs, g, parent, path);
		}
		if (err == 0 && !git_oid_equal(&mine, &theirs)) {
			found = 1;
			who = strstr(git_commit_message(c),
				     "\nHonk-Actor: honk-gen\n") != NULL;
		}
		git_commit_free(parent);
		git_commit_free(c);
		if (err < 0)
			break;
	}
	git_revwalk_free(walk);
	return err < 0 ? err : who;
}

/*
 * Is path honk's to write? Yes when the proposal does not have it, or
 * honk-gen made its last change there. *data (may be NULL) receives the
 * proposal's content when there is one.
 */
static int owned(struct gen *g, const char *path, struct honk_buf *data,
		 int *have)
{
	git_oid at_tip;
	unsigned int mode;
	int err;

	*have = 0;
	err = honk_snapshot_entry(&at_tip, &mode, g->tip_snap, path);
	if (err == HONK_ENOTFOUND)
		return 1;
	if (err < 0)
		return err;
	*have = 1;
	if (data) {
		honk_buf_reset(data);
		if ((err = honk_snapshot_read(data, g->tip_snap, path)) < 0)
			return err;
	}
	return changed_by_honk(g, path);
}

static int queue(struct gen *g, const char *path, const char *data, size_t len,
		 int remove)
{
	struct update *u;

	if (honk_array_reserve(&g->ups, g->nups, &g->cups, sizeof(*g->ups)) < 0)
		return HONK_ERROR;
	u = &g->ups[g->nups];
	memset(u, 0, sizeof(*u));
	u->path = adup(g, path);
	u->data = data ? honk_arena_strndup(&g->arena, data, len) : NULL;
	u->len = len;
	u->remove = remove;
	if (!u->path || (data && !u->data))
		return oom();
	g->nups++;
	return 0;
}

/*
 * Write path with want (NULL: remove it) unless a person owns it; *used
 * receives what is in effect (theirs when they own it).
 */
static int put(struct gen *g, const char *path, const char *want, size_t len,
	       struct honk_buf *used)
{
	struct honk_buf cur = HONK_BUF_INIT;
	int have, mine, err = 0;

	if ((mine = owned(g, path, &cur, &have)) < 0) {
		err = mine;
		goto cleanup;
	}
	if (!mine) {
		say(g, "kept", path, 1, "edited in review; honk-gen keeps it");
		if (used) {
			honk_buf_reset(used);
			err = honk_buf_add(used, cur.buf, cur.len);
		}
		goto cleanup;
	}
	if (used) {
		honk_buf_reset(used);
		if (want && (err = honk_buf_add(used, want, len)) < 0)
			goto cleanup;
	}
	if (!want) {
		if (have)
			err = queue(g, path, NULL, 0, 1);
	} else if (!have || cur.len != len || memcmp(cur.buf, want, len)) {
		err = queue(g, path, want, len, 0);
	}
cleanup:
	honk_buf_release(&cur);
	return err;
}

static int path_in(struct honk_buf *out, const struct gen *g, const char *fmt,
		   ...) HONK_PRINTF(3, 4);

static int path_in(struct honk_buf *out, const struct gen *g, const char *fmt,
		   ...)
{
	va_list ap;
	int err;

	honk_buf_reset(out);
	honk_buf_addf(out, "%s/", g->dir.buf);
	va_start(ap, fmt);
	err = honk_buf_vaddf(out, fmt, ap);
	va_end(ap);
	return err;
}

static int add_manual(struct gen *g, const char *what, const char *path,
		      const char *consumer, const char *reason)
{
	struct honk_plan_manual *m;

	if (honk_array_reserve(&g->manual, g->nmanual, &g->cmanual,
			       sizeof(*g->manual)) < 0)
		return HONK_ERROR;
	m = &g->manual[g->nmanual++];
	m->what = what;
	m->path = path;
	m->consumer = consumer;
	m->reason = reason;
	m->by_honk = 1;
	say(g, "manual",
	    consumer ? consumer
	    : path   ? path
		     : what,
	    1, "%s: %s", what, reason);
	return 0;
}

/* ---- SQL --------------------------------------------------------------- */

static int gen_sql(struct gen *g)
{
	struct honk_sqlgen sg;
	struct honk_buf path = HONK_BUF_INIT, text = HONK_BUF_INIT,
			used = HONK_BUF_INIT;
	unsigned want = g->o->dialects ? g->o->dialects
				       : (1u << HONK_DIALECT__COUNT) - 1;
	size_t i;
	int d, err;

	memset(&sg, 0, sizeof(sg));
	if ((err = honk_sqlgen_build(&sg, g->ds, g->pf.from, g->pf.to)) < 0)
		return err;
	for (i = 0; i < sg.nmanual; i++)
		if ((err = add_manual(g, adup(g, sg.manual[i].what),
				      sg.manual[i].path
					      ? adup(g, sg.manual[i].path)
					      : NULL,
				      NULL, adup(g, sg.manual[i].reason))) < 0)
			goto cleanup;
	for (d = 0; d < HONK_DIALECT__COUNT; d++) {
		int sqlite = d == HONK_DIALECT_SQLITE;

		/* sqlite always: it is what validation runs */
		if (!(want & (1u << d)) && !sqlite)
			continue;
		honk_buf_reset(&text);
		if ((err = honk_sqlgen_transform(&text, &sg,
						 (enum honk_dialect)d)) < 0 ||
		    (err = path_in(&path, g, "transform.%s.sql",
				   honk_dialect_names[d])) < 0 ||
		    (err = put(g, path.buf, text.buf, text.len,
			       sqlite ? &g->transform : NULL)) < 0)
			goto cleanup;
		honk_buf_reset(&text);
		if ((err = honk_sqlgen_compat(&text, &sg,
					      (enum honk_dialect)d)) < 0 ||
		    (err = path_in(&path, g, "compat.%s.sql",
				   honk_dialect_names[d])) < 0 ||
		    (err = put(g, path.buf, text.buf, text.len,
			       sqlite ? &g->compat : NULL)) < 0)
			goto cleanup;
	}
	g->have_sql = 1;
cleanup:
	honk_sqlgen_release(&sg);
	honk_buf_release(&path);
	honk_buf_release(&text);
	honk_buf_release(&used);
	return err;
}

/* honk-gen validate: the SQL as the proposal has it. */
static int read_sql(struct gen *g)
{
	struct honk_buf path = HONK_BUF_INIT;
	int err;

	if ((err = path_in(&path, g, "transform.sqlite.sql")) < 0 ||
	    (err = honk_snapshot_read(&g->transform, g->tip_snap, path.buf)) <
		    0 ||
	    (err = path_in(&path, g, "compat.sqlite.sql")) < 0 ||
	    (err = honk_snapshot_read(&g->compat, g->tip_snap, path.buf)) < 0) {
		if (err == HONK_ENOTFOUND)
			err = honk_error_set(
				HONK_ENOTFOUND,
				"%s has no %s: run honk-gen %s first",
				g->ref.buf + strlen("refs/heads/"), path.buf,
				g->o->id);
	} else {
		g->have_sql = 1;
	}
	honk_buf_release(&path);
	return err;
}

/* ---- consumers --------------------------------------------------------- */

static int wanted(const struct gen *g, const char *name)
{
	size_t i;

	if (!g->o->consumers)
		return 1;
	for (i = 0; i < g->o->nconsumers; i++)
		if (!strcmp(g->o->consumers[i], name))
			return 1;
	return 0;
}

static int open_target(struct gen *g, struct target *t)
{
	return honk_crepo_open(&t->cr, g->repo, t->co,
			       g->o->dry_run ? NULL : g->o->id, g->o->dry_run);
}

/* Has anyone but honk committed to target since the consumer's branch? */
static int touched(struct target *t, const git_oid *target, const git_oid *base,
		   int *out)
{
	git_revwalk *walk = NULL;
	git_oid id;
	int err = 0;

	*out = 0;
	if (git_revwalk_new(&walk, t->cr.repo.git) < 0 ||
	    git_revwalk_push(walk, target) < 0 ||
	    git_revwalk_hide(walk, base) < 0) {
		git_revwalk_free(walk);
		return honk_error_git(HONK_ERROR, "cannot walk honk/%s",
				      t->co->name);
	}
	while (!*out && git_revwalk_next(&id, walk) == 0) {
		git_commit *c = NULL;

		if (git_commit_lookup(&c, t->cr.repo.git, &id) < 0) {
			err = honk_error_git(HONK_ERROR,
					     "cannot read a commit");
			break;
		}
		*out = !honk_commit_by_honk(git_commit_message(c));
		git_commit_free(c);
	}
	git_revwalk_free(walk);
	return err;
}

static int collect_patch(const char *path, const char *patch, size_t len,
			 void *payload)
{
	(void)path;
	return honk_buf_add(payload, patch, len);
}

static int rewrite_one(struct gen *g, struct target *t)
{
	struct honk_rewrite_branch_opts ro;
	struct honk_rule_set *rs = NULL;
	struct honk_buf target = HONK_BUF_INIT, msg = HONK_BUF_INIT,
			patch = HONK_BUF_INIT, path = HONK_BUF_INIT,
			bref = HONK_BUF_INIT;
	git_oid made, tip, cur;
	int err, tries, person = 0;

	if ((err = open_target(g, t)) < 0) {
		if (err == HONK_ENOTFOUND && g->o->dry_run &&
		    honk_remote_is_url(t->co->repo)) {
			say(g, "skipped", t->co->name, 1, "%s",
			    honk_error_last());
			err = 0;
		}
		goto cleanup;
	}
	if ((err = honk_ref_consumer_branch(&target, g->o->id)) < 0)
		goto cleanup;
	honk_buf_addf(&bref, "refs/heads/%s", t->cr.branch);
	if ((err = honk_ref_lookup(&tip, &t->cr.repo, bref.buf)) < 0) {
		if (err == HONK_ENOTFOUND)
			honk_error_set(err,
				       "%s: its repo '%s' has no branch '%s'",
				       t->co->name, t->co->repo, t->cr.branch);
		goto cleanup;
	}
	git_oid_cpy(&t->test, &tip);
	t->have_test = 1;
	err = honk_ref_lookup(&cur, &t->cr.repo, target.buf);
	if (err < 0 && err != HONK_ENOTFOUND)
		goto cleanup;
	if (err == 0 && (err = touched(t, &cur, &tip, &person)) < 0)
		goto cleanup;
	if (person) {
		/* theirs now: tested as it is, its patch left as it was */
		t->left_alone = 1;
		git_oid_cpy(&t->test, &cur);
		say(g, "left-alone", t->co->name, 1,
		    "a person committed to honk/%s in %s; honk does not rewrite it",
		    g->o->id, t->co->repo);
		err = 0;
		goto cleanup;
	}
	if ((err = path_in(&path, g, "rewrite.yaml")) < 0 ||
	    (err = honk_rules_parse_for(&rs, path.buf, g->rules.buf,
					g->rules.len, t->co->name, &g->diags)) <
		    0)
		goto cleanup;
	honk_buf_addf(&msg,
		      "honk: move %s to %s v%lld\n\n"
		      "The rewrite rules of %s, applied to %s.\n\n"
		      "Honk-Migration: %s\nHonk-Consumer: %s\n"
		      "Honk-Event: rewritten\nHonk-Actor: honk-gen\n",
		      t->co->name, g->ds->id, (long long)g->pf.to, g->o->id,
		      t->cr.branch, g->o->id, t->co->name);
	memset(&ro, 0, sizeof(ro));
	ro.branch = t->cr.branch;
	ro.paths = t->co->paths;
	ro.npaths = t->co->npaths;
	ro.target = target.buf;
	ro.message = msg.buf;
	ro.dry_run = g->o->dry_run;
	for (tries = 0;; tries++) {
		git_oid was;

		if (honk_ref_lookup(&was, &t->cr.repo, target.buf) < 0)
			memset(&was, 0, sizeof(was));
		honk_buf_reset(&patch);
		err = honk_rewrite_branch(&made, rs, &t->cr.repo, &ro,
					  collect_patch, &patch);
		if (err < 0) {
			/* which consumer's file it was */
			char *why = strdup(honk_error_last());

			if (why)
				honk_error_set(err, "%s: %s", t->co->name, why);
			free(why);
			goto cleanup;
		}
		/* a URL gets what its mirror (as fetched) does not have */
		if (git_oid_is_zero(&made) || g->o->dry_run ||
		    !honk_remote_is_url(t->co->repo) ||
		    git_oid_equal(&made, &was))
			break;
		if ((err = honk_crepo_push(&t->cr, target.buf)) == 0)
			say(g, "pushed", t->co->name, 1, "%s to %s",
			    target.buf + strlen("refs/heads/"), t->co->repo);
		if (err != HONK_ECONFLICT || tries + 1 == PUSH_TRIES)
			break;
		if ((err = honk_crepo_fetch(&t->cr, g->o->id)) < 0)
			break;
	}
	if (err < 0)
		goto cleanup;
	if (!git_oid_is_zero(&made)) {
		char hex[8];

		git_oid_tostr(hex, sizeof(hex), &made);
		git_oid_cpy(&t->test, &made);
		say(g, "branch", t->co->name, 1, "honk/%s at %s in %s",
		    g->o->id, hex, t->co->repo);
	} else if (!g->o->dry_run) {
		say(g, "branch", t->co->name, 1, "the rules change nothing");
	}
	if ((err = path_in(&path, g, "consumers/%s.patch", t->co->name)) < 0)
		goto cleanup;
	err = put(g, path.buf, patch.len ? patch.buf : NULL, patch.len, NULL);
cleanup:
	honk_rules_free(rs);
	honk_buf_release(&target);
	honk_buf_release(&msg);
	honk_buf_release(&patch);
	honk_buf_release(&path);
	honk_buf_release(&bref);
	return err;
}

/* The consumers this run looks at: the plan's steps, not excluded. */
static int pick_targets(struct gen *g)
{
	size_t i;

	g->targets = honk_arena_alloc(&g->arena, (g->pf.nconsumers + 1) *
							 sizeof(*g->targets));
	if (!g->targets)
		return HONK_ERROR;
	for (i = 0; i < g->pf.nconsumers; i++) {
		const struct honk_planfile_consumer *pc = &g->pf.consumers[i];
		const struct honk_consumer *co;

		if ((pc->impact != HONK_IMPACT_BREAKING &&
		     pc->impact != HONK_IMPACT_RELOCATE) ||
		    honk_planfile_excluded(&g->pf, pc->consumer) ||
		    !wanted(g, pc->consumer))
			continue;
		co = honk_catalog_consumer(&g->cat, pc->consumer);
		if (!co) {
			say(g, "skipped", pc->consumer, 1,
			    "in the plan but not in the catalog at main");
			continue;
		}
		if (!co->repo)
			continue;
		g->targets[g->ntargets++].co = co;
	}
	return 0;
}

/* honk-gen validate: each consumer's branch as it is. */
static int find_branches(struct gen *g)
{
	struct honk_buf ref = HONK_BUF_INIT;
	size_t i;
	int err = 0;

	for (i = 0; i < g->ntargets && !err; i++) {
		struct target *t = &g->targets[i];

		if ((err = open_target(g, t)) < 0)
			break;
		honk_buf_reset(&ref);
		honk_ref_consumer_branch(&ref, g->o->id);
		err = honk_ref_lookup(&t->test, &t->cr.repo, ref.buf);
		if (err == HONK_ENOTFOUND) {
			honk_buf_reset(&ref);
			honk_buf_addf(&ref, "refs/heads/%s", t->cr.branch);
			err = honk_ref_lookup(&t->test, &t->cr.repo, ref.buf);
		}
		t->have_test = err == 0;
	}
	honk_buf_release(&ref);
	return err;
}

/* ---- validation ---------------------------------------------------------- */

static void fp_add(struct honk_sha1 *s, const char *data, size_t len)
{
	char n[32];
	int k = snprintf(n, sizeof(n), "%zu:", len);

	honk_sha1_update(s, n, (size_t)k);
	honk_sha1_update(s, data, len);
}

static void fp_blob(struct gen *g, struct honk_sha1 *s, const char *path)
{
	char hex[GIT_OID_HEXSZ + 1] = "-";
	unsigned int mode;
	git_oid id;

	if (path && honk_snapshot_entry(&id, &mode, g->main_snap, path) == 0)
		git_oid_tostr(hex, sizeof(hex), &id);
	fp_add(s, hex, strlen(hex));
}

static int64_t test_timeout(const struct gen *g, const struct honk_consumer *co)
{
	if (g->o->test_timeout_ms)
		return g->o->test_timeout_ms;
	if (co->rollout.set & HONK_RO_STEP_TIMEOUT)
		return co->rollout.step_timeout_ms;
	return g->cat.settings.rollout.step_timeout_ms;
}

/* The fingerprint of everything validation depends on, as hex. */
static void fingerprint(struct gen *g, char out[41])
{
	static const char digits[] = "0123456789abcdef";
	struct honk_sha1 s;
	unsigned char sum[20];
	char hex[GIT_OID_HEXSZ + 1], n[32];
	size_t i, k;

	honk_sha1_init(&s);
	fp_add(&s, "honk-gen validation 1", 21);
	fp_add(&s, g->transform.buf, g->transform.len);
	fp_add(&s, g->compat.buf, g->compat.len);
	fp_blob(g, &s, g->ds->path);
	fp_blob(g, &s, g->vf->schema_file);
	fp_blob(g, &s, g->vt->schema_file);
	fp_blob(g, &s, g->vf->samples);
	for (i = 0; i < g->ntargets; i++) {
		const struct target *t = &g->targets[i];

		if (!t->co->test.n || !t->have_test)
			continue;
		fp_add(&s, t->co->name, strlen(t->co->name));
		git_oid_tostr(hex, sizeof(hex), &t->test);
		fp_add(&s, hex, strlen(hex));
		for (k = 0; k < t->co->test.n; k++)
			fp_add(&s, t->co->test.v[k], strlen(t->co->test.v[k]));
		snprintf(n, sizeof(n), "%lld",
			 (long long)test_timeout(g, t->co));
		fp_add(&s, n, strlen(n));
	}
	honk_sha1_final(&s, sum);
	for (i = 0; i < 20; i++) {
		out[2 * i] = digits[sum[i] >> 4];
		out[2 * i + 1] = digits[sum[i] & 15];
	}
	out[40] = '\0';
}

/*
 * The validation.yaml on the proposal, when it is honk's and was made
 * from the same inputs: its result stands. 1 when reused.
 */
static int reuse(struct gen *g, const char *path, const char *fp,
		 struct honk_buf *text)
{
	struct honk_ydoc doc = HONK_YDOC_INIT;
	struct honk_diags d = HONK_DIAGS_INIT;
	const struct honk_ynode *n;
	int have, mine, hit = 0;

	if ((mine = owned(g, path, text, &have)) < 0)
		return mine;
	if (!mine || !have)
		return 0;
	if (honk_ydoc_parse(&doc, path, text->buf, text->len, NULL, &d) == 0 &&
	    doc.root && doc.root->type == HONK_YMAP &&
	    (n = honk_ymap_get(doc.root, "inputs")) && n->str &&
	    !strcmp(n->str, fp) && (n = honk_ymap_get(doc.root, "result")) &&
	    n->str) {
		hit = 1;
		g->res->failed = strcmp(n->str, "passed") != 0;
	}
	honk_ydoc_release(&doc);
	honk_diags_release(&d);
	return hit;
}

static void kv(struct honk_ywriter *w, const char *k, const char *v)
{
	honk_yw_str(w, k);
	honk_yw_str(w, v);
}

/* The last lines of a test's output, at most TAIL_LINES. */
static void last_lines(struct honk_buf *out, const struct honk_buf *tail)
{
	size_t end = tail->len, start = end, lines = 0;

	if (end && tail->buf[end - 1] == '\n')
		end--;
	start = end;
	while (start > 0) {
		if (tail->buf[start - 1] == '\n' && ++lines == TAIL_LINES)
			break;
		start--;
	}
	honk_buf_reset(out);
	honk_buf_add(out, tail->buf + start, end - start);
}

/* A consumer's test, as validation.yaml records it. */
struct outcome {
	const struct target *t;
	char commit[GIT_OID_HEXSZ + 1];
	struct honk_buf status, log;
	int ok;
};

/* Run one consumer's test in a checkout of the commit it is to be on. */
static int run_test(struct gen *g, const struct target *t, struct outcome *out)
{
	struct honk_exec_opts eo = HONK_EXEC_OPTS_INIT;
	struct honk_exec_result er;
	struct honk_buf env[6];
	const char *envp[6];
	char dir[4096], from[24], to[24];
	const char *tmp = getenv("TMPDIR");
	size_t i;
	int err;

	memset(&er, 0, sizeof(er));
	honk_buf_init(&out->status, 0);
	honk_buf_init(&out->log, 0);
	out->t = t;
	git_oid_tostr(out->commit, sizeof(out->commit), &t->test);
	for (i = 0; i < 6; i++)
		honk_buf_init(&env[i], 0);
	snprintf(dir, sizeof(dir), "%s/honk-test.XXXXXX",
		 tmp && *tmp == '/' ? tmp : "/tmp");
	if (!mkdtemp(dir))
		return honk_error_errno(
			HONK_ERROR, "cannot make a directory for %s's test at '%s'",
			t->co->name, dir);
	snprintf(from, sizeof(from), "%lld", (long long)g->pf.from);
	snprintf(to, sizeof(to), "%lld", (long long)g->pf.to);
	if ((err = honk_repo_export((struct honk_repo *)&t->cr.repo, &t->test,
				    dir)) < 0 ||
	    (err = honk_env_entry(&env[0], "HONK_MIGRATION", g->o->id)) < 0 ||
	    (err = honk_env_entry(&env[1], "HONK_DATASET", g->ds->id)) < 0 ||
	    (err = honk_env_entry(&env[2], "HONK_FROM", from)) < 0 ||
	    (err = honk_env_entry(&env[3], "HONK_TO", to)) < 0 ||
	    (err = honk_env_entry(&env[4], "HONK_CONSUMER", t->co->name)) < 0 ||
	    (err = honk_env_entry(&env[5], "HONK_PHASE", "test")) < 0)
		goto cleanup;
	for (i = 0; i < 6; i++)
		envp[i] = env[i].buf;
	eo.argv = t->co->test.v;
	eo.argc = t->co->test.n;
	eo.cwd = dir;
	eo.env = envp;
	eo.nenv = 6;
	eo.timeout_ms = test_timeout(g, t->co);
	eo.tail_max = TEST_TAIL_MAX;
	err = honk_exec_run(&er, &eo);
	if (err == HONK_ENOTFOUND) {
		/* a command that cannot start is a failed test */
		out->ok = 0;
		honk_buf_addstr(&out->status, honk_error_last());
		err = 0;
	} else if (err == 0) {
		out->ok = honk_exec_succeeded(&er);
		honk_exec_describe(&out->status, &er);
		last_lines(&out->log, &er.tail);
	}
	if (err == 0)
		say(g, "test", t->co->name, out->ok, "%s%s%s", out->status.buf,
		    !out->ok && out->log.len ? "\n" : "",
		    !out->ok ? out->log.buf : "");
cleanup:
	honk_remove_tree(dir);
	honk_exec_result_release(&er);
	for (i = 0; i < 6; i++)
		honk_buf_release(&env[i]);
	return err;
}

static void write_tests(struct honk_ywriter *w, const struct outcome *v,
			size_t n)
{
	size_t i, k;

	honk_yw_str(w, "consumers");
	honk_yw_seq_begin(w, 0);
	for (i = 0; i < n; i++) {
		const struct honk_consumer *co = v[i].t->co;

		honk_yw_map_begin(w, 0);
		kv(w, "consumer", co->name);
		kv(w, "commit", v[i].commit);
		honk_yw_str(w, "test");
		honk_yw_seq_begin(w, 1);
		for (k = 0; k < co->test.n; k++)
			honk_yw_str(w, co->test.v[k]);
		honk_yw_seq_end(w);
		kv(w, "result", v[i].ok ? "passed" : "failed");
		kv(w, "status", v[i].status.buf);
		if (!v[i].ok && v[i].log.len)
			kv(w, "log", v[i].log.buf);
		honk_yw_map_end(w);
	}
	honk_yw_seq_end(w);
}

static void write_sql(struct gen *g, struct honk_ywriter *w,
		      const struct honk_validation *v)
{
	size_t i;

	honk_yw_str(w, "sql");
	honk_yw_map_begin(w, 0);
	kv(w, "dialect", "sqlite");
	kv(w, "source", v->source);
	honk_yw_str(w, "rows");
	honk_yw_int(w, (int64_t)v->rows);
	kv(w, "result", v->passed ? "passed" : "failed");
	honk_yw_str(w, "checks");
	honk_yw_seq_begin(w, 0);
	for (i = 0; i < v->nchecks; i++) {
		const struct honk_validate_check *c = &v->checks[i];

		honk_yw_map_begin(w, 1);
		kv(w, "check", c->name);
		kv(w, "result", c->passed ? "passed" : "failed");
		if (c->detail && *c->detail)
			kv(w, "detail", c->detail);
		honk_yw_map_end(w);
		say(g, "check", c->name, c->passed, "%s%s%s",
		    c->passed ? "passed" : "failed",
		    c->detail && *c->detail ? ": " : "",
		    c->detail ? c->detail : "");
	}
	honk_yw_seq_end(w);
	honk_yw_map_end(w);
}

static int validate(struct gen *g)
{
	struct honk_validate_input in;
	struct honk_validation v;
	struct honk_sqlgen sg;
	struct honk_buf path = HONK_BUF_INIT, text = HONK_BUF_INIT,
			samples = HONK_BUF_INIT;
	struct honk_ywriter *w = NULL;
	struct outcome *tests = NULL;
	size_t i, ntests = 0;
	char fp[41];
	int err, hit;

	memset(&v, 0, sizeof(v));
	memset(&sg, 0, sizeof(sg));
	g->res->validated = 1;
	if ((err = path_in(&path, g, "validation.yaml")) < 0)
		goto cleanup;
	fingerprint(g, fp);
	if (!g->o->validate_only) {
		if ((hit = reuse(g, path.buf, fp, &text)) < 0) {
			err = hit;
			goto cleanup;
		}
		if (hit) {
			say(g, "reused", path.buf, !g->res->failed,
			    "nothing it depends on changed: %s",
			    g->res->failed ? "failed" : "passed");
			goto cleanup;
		}
	}
	memset(&in, 0, sizeof(in));
	if (g->vf->samples) {
		if ((err = honk_snapshot_read(&samples, g->main_snap,
					      g->vf->samples)) < 0) {
			if (err == HONK_ENOTFOUND)
				honk_error_set(
					err, "%s: samples '%s' are not at main",
					g->ds->path, g->vf->samples);
			goto cleanup;
		}
		in.samples_path = g->vf->samples;
		in.samples = samples.buf;
		in.samples_len = samples.len;
	}
	if ((err = honk_sqlgen_build(&sg, g->ds, g->pf.from, g->pf.to)) < 0)
		goto cleanup;
	in.g = &sg;
	in.from = &g->vf->schema;
	in.to = &g->vt->schema;
	in.transform_sql = g->transform.buf;
	in.compat_sql = g->compat.buf;
	if ((err = honk_validate_sql(&v, &in, &g->diags)) < 0)
		goto cleanup;
	if (!v.passed)
		g->res->failed = 1;
	tests = calloc(g->ntargets + 1, sizeof(*tests));
	if (!tests) {
		err = oom();
		goto cleanup;
	}
	for (i = 0; i < g->ntargets && err >= 0; i++) {
		const struct target *t = &g->targets[i];

		if (!t->co->test.n || !t->have_test || g->o->dry_run)
			continue;
		err = run_test(g, t, &tests[ntests++]);
		if (err == 0 && !tests[ntests - 1].ok)
			g->res->failed = 1;
	}
	if (err < 0)
		goto cleanup;
	honk_buf_reset(&text);
	if ((err = honk_yw_new(&w, &text)) < 0)
		goto cleanup;
	honk_yw_map_begin(w, 0);
	kv(w, "validation", g->o->id);
	kv(w, "result", g->res->failed ? "failed" : "passed");
	kv(w, "inputs", fp);
	write_sql(g, w, &v);
	write_tests(w, tests, ntests);
	honk_yw_map_end(w);
	if ((err = honk_yw_finish(w)) < 0)
		goto cleanup;
	err = put(g, path.buf, text.buf, text.len, NULL);
cleanup:
	for (i = 0; tests && i < ntests; i++) {
		honk_buf_release(&tests[i].status);
		honk_buf_release(&tests[i].log);
	}
	free(tests);
	honk_yw_free(w);
	honk_validation_release(&v);
	honk_sqlgen_release(&sg);
	honk_buf_release(&path);
	honk_buf_release(&text);
	honk_buf_release(&samples);
	return err;
}

/* ---- the plan's manual items and the commit ---------------------------- */

static int update_plan(struct gen *g, const struct honk_buf *plan,
		       const char *path)
{
	struct honk_buf out = HONK_BUF_INIT;
	int err;

	err = honk_plan_set_manual(&out, path, plan->buf, plan->len, 1,
				   g->manual, g->nmanual, &g->diags);
	if (err == 0 &&
	    (out.len != plan->len || memcmp(out.buf, plan->buf, plan->len)))
		err = queue(g, path, out.buf, out.len, 0);
	g->res->nmanual = g->nmanual;
	honk_buf_release(&out);
	return err;
}

static int commit(struct gen *g)
{
	struct honk_tree_update *tu = NULL;
	struct honk_buf msg = HONK_BUF_INIT;
	git_oid made;
	size_t i;
	int err;

	if (!g->nups) {
		say(g, "unchanged", g->ref.buf + strlen("refs/heads/"), 1,
		    "nothing new to write");
		return 0;
	}
	if (g->o->dry_run) {
		for (i = 0; i < g->nups; i++)
			say(g,
			    g->ups[i].remove ? "would-remove" : "would-write",
			    g->ups[i].path, 1, "on %s",
			    g->ref.buf + strlen("refs/heads/"));
		return 0;
	}
	if (!(tu = calloc(g->nups, sizeof(*tu))))
		return oom();
	for (i = 0; i < g->nups; i++) {
		tu[i].path = g->ups[i].path;
		tu[i].data = g->ups[i].data;
		tu[i].len = g->ups[i].len;
		tu[i].remove = g->ups[i].remove;
	}
	honk_buf_addf(&msg,
		      "honk: %s %s\n\n%zu file%s of the migration code%s.\n\n"
		      "Honk-Migration: %s\nHonk-Event: %s\n"
		      "Honk-Actor: honk-gen\n",
		      g->o->validate_only ? "validate" : "generate", g->o->id,
		      g->nups, g->nups == 1 ? "" : "s",
		      !g->res->validated ? ""
		      : g->res->failed	 ? "; validation failed"
					 : "; validation passed",
		      g->o->id,
		      g->o->validate_only ? "validated" : "generated");
	err = honk_repo_commit(&made, g->repo, g->ref.buf, &g->tip, tu, g->nups,
			       msg.buf, NULL);
	if (err == 0) {
		g->res->wrote = 1;
		git_oid_tostr(g->res->commit, sizeof(g->res->commit), &made);
		for (i = 0; i < g->nups; i++)
			say(g, g->ups[i].remove ? "removed" : "wrote",
			    g->ups[i].path, 1, "on %s",
			    g->ref.buf + strlen("refs/heads/"));
		say(g, "committed", g->ref.buf + strlen("refs/heads/"), 1,
		    "%.7s", g->res->commit);
	}
	free(tu);
	honk_buf_release(&msg);
	return err;
}

/* ---- the run ---------------------------------------------------------- */

static void reset_round(struct gen *g)
{
	size_t i;

	honk_snapshot_free(g->tip_snap);
	honk_snapshot_free(g->main_snap);
	g->tip_snap = g->main_snap = NULL;
	honk_catalog_release(&g->cat);
	honk_planfile_release(&g->pf);
	for (i = 0; i < g->ntargets; i++)
		honk_crepo_close(&g->targets[i].cr);
	g->targets = NULL;
	g->ntargets = 0;
	free(g->ups);
	g->ups = NULL;
	g->nups = g->cups = 0;
	free(g->manual);
	g->manual = NULL;
	g->nmanual = g->cmanual = 0;
	g->have_sql = 0;
	honk_buf_reset(&g->rules);
	honk_buf_reset(&g->transform);
	honk_buf_reset(&g->compat);
	honk_arena_release(&g->arena);
}

/* One round: read, decide, write. */
static int round_(struct gen *g)
{
	struct honk_buf plan = HONK_BUF_INIT, path = HONK_BUF_INIT;
	struct honk_derived dr = HONK_DERIVED_INIT;
	size_t i;
	int err;

	if (g->remote && !g->o->dry_run &&
	    (err = honk_ref_follow(g->repo, g->remote, g->ref.buf)) < 0)
		return err;
	err = honk_ref_lookup(&g->tip, g->repo, g->ref.buf);
	if (err == HONK_ENOTFOUND) {
		struct honk_buf p = HONK_BUF_INIT;
		unsigned int mode;

		honk_path_migration(&p, g->o->id);
		if (snap_at(&g->main_snap, g->repo, &g->main) == 0 &&
		    honk_snapshot_entry(&g->tip, &mode, g->main_snap, p.buf) ==
			    0)
			honk_error_set(
				HONK_ENOTFOUND,
				"%s is approved (%s is on main): honk-gen works on proposals",
				g->o->id, p.buf);
		else
			honk_error_set(HONK_ENOTFOUND,
				       "no proposal %s: run honk-detect first",
				       g->ref.buf + strlen("refs/heads/"));
		honk_buf_release(&p);
		return HONK_ENOTFOUND;
	}
	if (err < 0)
		return err;
	if ((err = snap_at(&g->main_snap, g->repo, &g->main)) < 0 ||
	    (err = snap_at(&g->tip_snap, g->repo, &g->tip)) < 0)
		goto cleanup;
	/* the catalog at main: what runs is never the proposal's to say */
	if ((err = honk_catalog_load(&g->cat, g->repo, g->main_snap,
				     &g->diags)) < 0)
		goto cleanup;
	if ((err = honk_path_migration(&path, g->o->id)) < 0 ||
	    (err = honk_snapshot_read(&plan, g->tip_snap, path.buf)) < 0) {
		if (err == HONK_ENOTFOUND)
			honk_error_set(err, "%s has no %s",
				       g->ref.buf + strlen("refs/heads/"),
				       path.buf);
		goto cleanup;
	}
	if ((err = honk_planfile_parse(&g->pf, path.buf, plan.buf, plan.len,
				       &g->diags)) < 0)
		goto cleanup;
	g->ds = honk_catalog_dataset(&g->cat, g->pf.dataset);
	g->vf = g->ds ? honk_dataset_version(g->ds, g->pf.from) : NULL;
	g->vt = g->ds ? honk_dataset_version(g->ds, g->pf.to) : NULL;
	if (!g->vf || !g->vt) {
		err = honk_diag_add(
			&g->diags, path.buf, 1, 1,
			"%s v%lld or v%lld is not in the catalog at main",
			g->pf.dataset, (long long)g->pf.from,
			(long long)g->pf.to);
		goto cleanup;
	}
	if ((err = pick_targets(g)) < 0)
		goto cleanup;
	if (g->o->validate_only) {
		if ((err = read_sql(g)) < 0 || (err = find_branches(g)) < 0 ||
		    (err = validate(g)) < 0)
			goto cleanup;
		err = commit(g);
		goto cleanup;
	}
	if ((err = gen_sql(g)) < 0)
		goto cleanup;
	/* the rules: derived, unless a person edited the file */
	if ((err = honk_derive_rules(&dr, &g->cat, &g->pf)) < 0)
		goto cleanup;
	for (i = 0; i < dr.nmanual; i++)
		if ((err = add_manual(g, dr.manual[i].what,
				      adup(g, dr.manual[i].path
						      ? dr.manual[i].path
						      : ""),
				      dr.manual[i].consumer,
				      adup(g, dr.manual[i].reason))) < 0)
			goto cleanup;
		else if (!dr.manual[i].path)
			g->manual[g->nmanual - 1].path = NULL;
	if ((err = path_in(&path, g, "rewrite.yaml")) < 0 ||
	    (err = put(g, path.buf, dr.yaml.buf, dr.yaml.len, &g->rules)) < 0)
		goto cleanup;
	{
		/* a person's rules file must be valid before anything runs */
		struct honk_rule_set *rs = NULL;

		err = honk_rules_parse(&rs, path.buf, g->rules.buf,
				       g->rules.len, &g->diags);
		honk_rules_free(rs);
		if (err < 0)
			goto cleanup;
	}
	for (i = 0; i < g->ntargets && err >= 0; i++)
		err = rewrite_one(g, &g->targets[i]);
	if (err < 0)
		goto cleanup;
	if (!g->o->no_validate && (err = validate(g)) < 0)
		goto cleanup;
	if ((err = honk_path_migration(&path, g->o->id)) < 0 ||
	    (err = update_plan(g, &plan, path.buf)) < 0)
		goto cleanup;
	err = commit(g);
cleanup:
	honk_derived_release(&dr);
	honk_buf_release(&plan);
	honk_buf_release(&path);
	return err;
}

int honk_gen_run(struct honk_repo *repo, const struct honk_gen_opts *o,
		 honk_gen_cb cb, void *payload, struct honk_gen_result *res)
{
	struct honk_lock lock = HONK_LOCK_INIT;
	struct honk_diags *d;
	struct gen g;
	size_t i;
	int err, tries;

	memset(&g, 0, sizeof(g));
	memset(res, 0, sizeof(*res));
	g.repo = repo;
	g.o = o;
	g.cb = cb;
	g.payload = payload;
	g.res = res;
	g.diags.max = HONK_DIAGS_MAX_DEFAULT;
	d = &g.diags;
	if ((err = honk_name_check("migration", o->id)) < 0)
		return err;
	if ((err = honk_ref_proposal(&g.ref, o->id)) < 0 ||
	    (err = honk_buf_addf(&g.dir, "migrations/%s", o->id)) < 0)
		goto cleanup;
	if (!o->dry_run && (err = honk_repo_lock(&lock, repo, "gen")) < 0)
		goto cleanup;
	if ((err = find_main(&g)) < 0)
		goto cleanup;
	for (tries = 0;; tries++) {
		if ((err = round_(&g)) < 0 || !g.remote || o->dry_run ||
		    !res->wrote)
			break;
		{
			struct honk_buf spec = HONK_BUF_INIT;
			const char *specs[1];

			honk_buf_addf(&spec, "%s:%s", g.ref.buf, g.ref.buf);
			specs[0] = spec.buf;
			err = honk_remote_push(repo, g.remote, specs, 1);
			honk_buf_release(&spec);
		}
		if (err == 0) {
			say(&g, "pushed", g.ref.buf + strlen("refs/heads/"), 1,
			    "to %s", g.remote);
			err = honk_remote_fetch(repo, g.remote, NULL, 0);
			break;
		}
		if (err != HONK_ECONFLICT)
			break;
		if (tries + 1 == PUSH_TRIES) {
			err = honk_error_set(
				HONK_ECONFLICT,
				"%s kept moving on '%s' after %d tries; run again later",
				g.ref.buf + strlen("refs/heads/"), g.remote,
				PUSH_TRIES);
			break;
		}
		/* someone else wrote it: fetch, follow, decide again */
		if ((err = honk_remote_fetch(repo, g.remote, NULL, 0)) < 0)
			break;
		reset_round(&g);
		memset(res, 0, sizeof(*res));
	}
cleanup:
	if (honk_diags_count(d)) {
		honk_diags_sort(d);
		for (i = 0; i < d->n; i++) {
			struct honk_buf b = HONK_BUF_INIT;

			if (d->v[i].line)
				honk_buf_addf(&b, "%s:%u:%u: %s", d->v[i].path,
					      d->v[i].line, d->v[i].col,
					      d->v[i].msg);
			else
				honk_buf_addf(&b, "%s: %s", d->v[i].path,
					      d->v[i].msg);
			cb("invalid", d->v[i].path, b.buf, 0, payload);
			honk_buf_release(&b);
		}
		if (err >= 0 || err == HONK_EINVALID)
			err = honk_error_set(HONK_EINVALID, "%zu error%s",
					     honk_diags_count(d),
					     honk_diags_count(d) == 1 ? ""
								      : "s");
	}
	reset_round(&g);
	honk_diags_release(d);
	honk_buf_release(&g.ref);
	honk_buf_release(&g.dir);
	honk_buf_release(&g.rules);
	honk_buf_release(&g.transform);
	honk_buf_release(&g.compat);
	free(g.remote);
	honk_lock_release(&lock);
	return err;
}
