/*
 * The detection run.
 *
 * Invariants: one run at a time per repository (a flock on the git dir;
 * a second run gets HONK_EBUSY at once); every ref moves by compare-and-
 * swap, so two runs that slip past each other (two clones, say) cannot
 * lose or duplicate a proposal: the loser's CAS fails and it reports the
 * branch as there. A proposal branch is honk's only while every commit
 * on it since main carries the "Honk-Actor: honk-detect" trailer; once a
 * person has committed to it, it is never rewritten (as Renovate does).
 * Runs are incremental: the main commit a run scanned is recorded on
 * honk/state, and the next run looks only at the datasets whose files,
 * schema files or consumers changed since, and at those upstream of them
 * (their plans list the changed ones as transitive); a change to
 * honk.yaml, a scanned commit that is gone, or --full looks at all.
 *
 * A plan already on main is approved and not proposed again; a proposal
 * is refreshed only when its plan changed, by a merge of the current main
 * into it, so a branch only moves forward. With a remote the run fetches
 * first, follows the remote's branches, and pushes what it wrote without
 * force; a refused push means someone moved the branch: fetch, decide
 * again, a bounded number of times.
 * A run that finds nothing to change writes nothing, not even state.
 */
#include "detect.h"

#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "catalog.h"
#include "diag.h"
#include "error.h"
#include "names.h"
#include "impact.h"
#include "plan.h"
#include "banned.h"

#define STATE_REF "refs/heads/honk/state"
#define TRAILER	  "Honk-Actor: honk-detect"

struct run {
	struct honk_repo *repo;
	const struct honk_detect_opts *o;
	honk_detect_cb cb;
	void *payload;
	struct honk_catalog cat;
	struct honk_snapshot *snap;
	struct honk_readers ix;
	const char *remote; /* fetch before, push after; NULL: none */
	git_oid main;
	int wrote;
	struct pending *pending; /* the writes queued in the open batch */
	size_t npending, apending;
};

/* A migration to decide: dataset (an index into the catalog), from, to. */
struct todo {
	size_t ds;
	int64_t from, to;
};

/* A proposal written in the batch, told once the batch is on disk. */
struct pending {
	struct todo t;
	char *id;
	char *detail;
	int refresh;
};

static void say(struct run *r, const char *event, const char *id,
		const char *fmt, ...) HONK_PRINTF(4, 5);

static void say(struct run *r, const char *event, const char *id,
		const char *fmt, ...)
{
	struct honk_buf b = HONK_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	honk_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	r->cb(event, id, b.buf, r->payload);
	honk_buf_release(&b);
}

static int wanted(const struct run *r, const char *id)
{
	size_t i;

	if (!r->o->datasets)
		return 1;
	for (i = 0; i < r->o->ndatasets; i++)
		if (!strcmp(r->o->datasets[i], id))
			return 1;
	return 0;
}

/* Read path at a commit into out; HONK_ENOTFOUND when absent. */
static int read_at(struct honk_buf *out, struct honk_repo *repo,
		   const git_oid *commit, const char *path)
{
	struct honk_source src = HONK_SOURCE_INIT;
	struct honk_snapshot *snap = NULL;
	char hex[GIT_OID_HEXSZ + 1];
	int err;

	git_oid_tostr(hex, sizeof(hex), commit);
	src.rev = hex;
	if ((err = honk_snapshot_open(&snap, repo, &src)) < 0)
		return err;
	err = honk_snapshot_read(out, snap, path);
	honk_snapshot_free(snap);
	return err;
}

/* Has anyone but honk-detect committed between main and tip? */
static int touched_by_person(struct run *r, const git_oid *tip, int *touched)
{
	git_revwalk *walk = NULL;
	git_oid id;
	int err = 0;

	*touched = 0;
	if (git_revwalk_new(&walk, r->repo->git) < 0 ||
	    git_revwalk_push(walk, tip) < 0 ||
	    git_revwalk_hide(walk, &r->main) < 0) {
		git_revwalk_free(walk);
		return honk_error_git(HONK_ERROR,
				      "cannot walk a proposal branch");
	}
	while (git_revwalk_next(&id, walk) == 0) {
		git_commit *c = NULL;

		if (git_commit_lookup(&c, r->repo->git, &id) < 0) {
			err = honk_error_git(HONK_ERROR,
					     "cannot read a commit");
			break;
		}
		if (!strstr(git_commit_message(c), TRAILER))
			*touched = 1;
		git_commit_free(c);
		if (*touched)
			break;
	}
	git_revwalk_free(walk);
	return err;
}

/* "refs/remotes/<remote>/<branch>" for a local "refs/heads/<branch>". */
static void tracking(struct honk_buf *out, const struct run *r, const char *ref)
{
	honk_buf_reset(out);
	honk_buf_addf(out, "refs/remotes/%s/%s", r->remote, ref + 11);
}

/*
 * With a remote, the remote's branch is the truth: point the local one at
 * what was fetched, so the decisions below see what others wrote.
 */
static int sync_from_remote(struct run *r, const char *ref)
{
	struct honk_buf tr = HONK_BUF_INIT;
	git_oid theirs, ours;
	int err, have;

	tracking(&tr, r, ref);
	err = honk_ref_lookup(&theirs, r->repo, tr.buf);
	honk_buf_release(&tr);
	if (err == HONK_ENOTFOUND)
		return 0;
	if (err < 0)
		return err;
	err = honk_ref_lookup(&ours, r->repo, ref);
	if (err < 0 && err != HONK_ENOTFOUND)
		return err;
	have = err == 0;
	if (have && git_oid_equal(&ours, &theirs))
		return 0;
	return honk_ref_update(r->repo, ref, &theirs, have ? &ours : NULL,
			       "honk: follow the remote");
}

/* Does the local ref hold something the remote does not have yet? */
static int unpushed(struct run *r, const char *ref)
{
	struct honk_buf tr = HONK_BUF_INIT;
	git_oid theirs, ours;
	int differs;

	if (honk_ref_lookup(&ours, r->repo, ref) < 0)
		return 0;
	tracking(&tr, r, ref);
	differs = honk_ref_lookup(&theirs, r->repo, tr.buf) < 0 ||
		  !git_oid_equal(&ours, &theirs);
	honk_buf_release(&tr);
	return differs;
}

/* Push one ref, never forced; HONK_ECONFLICT when the remote moved. */
static int push_ref(struct run *r, const char *ref)
{
	struct honk_buf spec = HONK_BUF_INIT;
	const char *specs[1];
	int err;

	honk_buf_addf(&spec, "%s:%s", ref, ref);
	specs[0] = spec.buf;
	err = honk_remote_push(r->repo, r->remote, specs, 1);
	honk_buf_release(&spec);
	if (err == 0)
		err = honk_remote_fetch(r->repo, r->remote, NULL, 0);
	return err;
}

#define PUSH_TRIES 3

static int add_pending(struct run *r, const struct todo *t, const char *id,
		       const char *detail, int refresh)
{
	struct pending *p;

	if (r->npending == r->apending) {
		size_t a = r->apending ? r->apending * 2 : 64;
		struct pending *v = realloc(r->pending, a * sizeof(*v));

		if (!v)
			return honk_error_set(HONK_ERROR, "out of memory");
		r->pending = v;
		r->apending = a;
	}
	p = &r->pending[r->npending];
	p->t = *t;
	p->id = strdup(id);
	p->detail = strdup(detail);
	p->refresh = refresh;
	if (!p->id || !p->detail) {
		free(p->id);
		free(p->detail);
		return honk_error_set(HONK_ERROR, "out of memory");
	}
	r->npending++;
	return 0;
}

static void drop_pending(struct run *r)
{
	size_t i;

	for (i = 0; i < r->npending; i++) {
		free(r->pending[i].id);
		free(r->pending[i].detail);
	}
	r->npending = 0;
}

/*
 * Decide what one migration needs and, in the open batch, queue its
 * commit: nothing (approved, left alone, unchanged), a new proposal, or
 * a refresh. The outcome of a queued write is told by on_written().
 */
static int propose_once(struct run *r, const struct todo *t,
			const struct honk_plan *plan)
{
	struct honk_buf ref = HONK_BUF_INIT, path = HONK_BUF_INIT;
	struct honk_buf yaml = HONK_BUF_INIT, old = HONK_BUF_INIT,
			msg = HONK_BUF_INIT;
	struct honk_tree_update up;
	git_oid tip;
	size_t steps = 0, breaking = 0, i;
	int err, exists, touched;

	for (i = 0; i < plan->nconsumers; i++) {
		steps += plan->consumers[i].impact != HONK_IMPACT_TRANSITIVE;
		breaking += plan->consumers[i].impact == HONK_IMPACT_BREAKING;
	}
	if ((err = honk_ref_proposal(&ref, plan->id)) < 0 ||
	    (err = honk_path_migration(&path, plan->id)) < 0 ||
	    (err = honk_plan_write(&yaml, plan)) < 0)
		goto cleanup;
	/* approved: the plan is on main, however it got there */
	err = honk_snapshot_read(&old, r->snap, path.buf);
	if (err == 0) {
		say(r, "approved", plan->id, "already on main");
		goto cleanup;
	} else if (err != HONK_ENOTFOUND) {
		goto cleanup;
	}
	honk_buf_reset(&old);
	err = honk_ref_lookup(&tip, r->repo, ref.buf);
	if (err < 0 && err != HONK_ENOTFOUND)
		goto cleanup;
	exists = err == 0;
	if (exists) {
		if ((err = touched_by_person(r, &tip, &touched)) < 0)
			goto cleanup;
		if (touched) {
			say(r, "left-alone", plan->id,
			    "a person committed to %s; honk does not rewrite it",
			    ref.buf + 11);
			goto cleanup;
		}
		err = read_at(&old, r->repo, &tip, path.buf);
		if (err < 0 && err != HONK_ENOTFOUND)
			goto cleanup;
		/* refreshed only when the plan changed, not whenever main moves
		 */
		if (err == 0 && old.len == yaml.len &&
		    !memcmp(old.buf, yaml.buf, yaml.len)) {
			say(r, "unchanged", plan->id, "%s is up to date",
			    ref.buf + 11);
			err = 0;
			goto cleanup;
		}
	}
	if (r->o->dry_run) {
		say(r, exists ? "would-refresh" : "would-propose", plan->id,
		    "%s: %zu consumer%s to move (%zu breaking), %zu transitive",
		    plan->breaking ? "breaking" : "compatible", steps,
		    steps == 1 ? "" : "s", breaking, plan->nconsumers - steps);
		err = 0;
		goto cleanup;
	}
	honk_buf_addf(
		&msg,
		"honk: %s %s\n\n%s v%lld to v%lld is %s under %s: "
		"%zu consumer%s to move (%zu breaking), %zu transitive.\n\n"
		"Honk-Migration: %s\nHonk-Event: %s\n" TRAILER "\n",
		exists ? "refresh" : "propose", plan->id, plan->dataset->id,
		(long long)plan->from, (long long)plan->to,
		plan->breaking ? "breaking" : "compatible",
		honk_policy_names[plan->policy], steps, steps == 1 ? "" : "s",
		breaking, plan->nconsumers - steps, plan->id,
		exists ? "refreshed" : "proposed");
	up.path = path.buf;
	up.data = yaml.buf;
	up.len = yaml.len;
	up.remove = 0;
	/* a refresh merges main into the branch: it only moves forward */
	err = exists ? honk_repo_commit_merge(NULL, r->repo, ref.buf, &tip,
					      &r->main, &up, 1, msg.buf, NULL)
		     : honk_repo_commit_onto(NULL, r->repo, ref.buf, NULL,
					     &r->main, &up, 1, msg.buf, NULL);
	if (err < 0)
		goto cleanup;
	honk_buf_reset(&msg);
	honk_buf_addf(
		&msg,
		"%s: %zu consumer%s to move (%zu breaking), %zu transitive, on %s",
		plan->breaking ? "breaking" : "compatible", steps,
		steps == 1 ? "" : "s", breaking, plan->nconsumers - steps,
		ref.buf + 11);
	err = add_pending(r, t, plan->id, msg.buf, exists);
cleanup:
	honk_buf_release(&ref);
	honk_buf_release(&path);
	honk_buf_release(&yaml);
	honk_buf_release(&old);
	honk_buf_release(&msg);
	return err;
}

/* The batch is on disk: tell each queued proposal's outcome. */
static void on_written(size_t i, const char *refname, const git_oid *target,
		       int err, void *payload)
{
	struct run *r = payload;
	const struct pending *p = &r->pending[i];

	(void)target;
	if (err == 0) {
		r->wrote = 1;
		say(r, p->refresh ? "refreshed" : "proposed", p->id, "%s",
		    p->detail);
	} else {
		/* another run got there first: its branch stands */
		say(r, "raced", p->id,
		    "%s moved meanwhile; left as the other run wrote it",
		    refname + 11);
	}
}

/*
 * Decide every migration of todo, queue what each needs in one write
 * batch, and write it: one pack for all of them, then the refs by
 * compare-and-swap. With a remote, each branch first follows the
 * remote's.
 */
static int propose_all(struct run *r, const struct todo *todo, size_t n)
{
	struct honk_buf ref = HONK_BUF_INIT;
	size_t i;
	int err = 0;

	drop_pending(r);
	if (!r->o->dry_run && (err = honk_batch_begin(r->repo)) < 0)
		return err;
	for (i = 0; i < n && err >= 0; i++) {
		const struct honk_dataset *ds = &r->cat.datasets[todo[i].ds];
		struct honk_plan plan;

		if ((err = honk_plan_build(&plan, &r->cat, &r->ix, ds,
					   todo[i].from, todo[i].to)) < 0)
			break;
		if (r->remote && !r->o->dry_run) {
			honk_buf_reset(&ref);
			if ((err = honk_ref_proposal(&ref, plan.id)) == 0)
				err = sync_from_remote(r, ref.buf);
		}
		if (err >= 0)
			err = propose_once(r, &todo[i], &plan);
		honk_plan_release(&plan);
	}
	honk_buf_release(&ref);
	if (r->o->dry_run)
		return err;
	if (err < 0) {
		honk_batch_abort(r->repo);
		return err;
	}
	return honk_batch_commit(r->repo, on_written, r);
}

/* The proposal branch of a migration to decide. */
static int todo_ref(struct honk_buf *out, const struct run *r,
		    const struct todo *t)
{
	struct honk_buf id = HONK_BUF_INIT;
	int err;

	honk_buf_reset(out);
	if ((err = honk_migration_id(&id, r->cat.datasets[t->ds].id,
				     (long)t->from, (long)t->to)) == 0)
		err = honk_ref_proposal(out, id.buf);
	honk_buf_release(&id);
	return err;
}

/*
 * With a remote: push every branch this run wrote, in one push, never
 * forced. When the remote moved meanwhile, fetch, follow it, decide the
 * refused migrations again and push those, a bounded number of times.
 */
static int propose_and_push(struct run *r, struct todo *todo, size_t n)
{
	struct honk_buf ref = HONK_BUF_INIT;
	struct honk_buf *specs = NULL;
	const char **argv = NULL;
	size_t i, k, nspecs = n;
	int err, tries;

	if ((err = propose_all(r, todo, n)) < 0 || !r->remote || r->o->dry_run)
		return err;
	specs = calloc(n ? n : 1, sizeof(*specs));
	argv = calloc(n ? n : 1, sizeof(*argv));
	if (!specs || !argv) {
		err = honk_error_set(HONK_ERROR, "out of memory");
		goto cleanup;
	}
	for (tries = 0;; tries++) {
		/* what the remote does not have yet: the rest is settled */
		for (i = k = 0; i < n; i++) {
			if ((err = todo_ref(&ref, r, &todo[i])) < 0)
				goto cleanup;
			if (!unpushed(r, ref.buf))
				continue;
			todo[k] = todo[i];
			honk_buf_reset(&specs[k]);
			honk_buf_addf(&specs[k], "%s:%s", ref.buf, ref.buf);
			argv[k] = specs[k].buf;
			k++;
		}
		n = k;
		if (!n)
			break;
		if (tries == PUSH_TRIES) {
			err = honk_error_set(
				HONK_ECONFLICT,
				"%zu proposal%s kept moving on '%s' after %d tries; run again later",
				n, n == 1 ? "" : "s", r->remote, PUSH_TRIES);
			break;
		}
		err = honk_remote_push(r->repo, r->remote, argv, n);
		if (err < 0 && err != HONK_ECONFLICT)
			break;
		if ((err = honk_remote_fetch(r->repo, r->remote, NULL, 0)) < 0)
			break;
		/* refused ones: decide again on what the remote has now */
		for (i = k = 0; i < n; i++) {
			if ((err = todo_ref(&ref, r, &todo[i])) < 0)
				goto cleanup;
			if (unpushed(r, ref.buf))
				todo[k++] = todo[i];
		}
		n = k;
		if (n && (err = propose_all(r, todo, n)) < 0)
			break;
	}
cleanup:
	for (i = 0; specs && i < nspecs; i++)
		honk_buf_release(&specs[i]);
	free(specs);
	free(argv);
	honk_buf_release(&ref);
	return err;
}

/* Consumers still reading deprecated versions near or past the deadline. */
static void report_deadlines(struct run *r, const struct honk_dataset *ds)
{
	size_t k, i, j;

	for (k = 0; k < ds->nversions; k++) {
		const struct honk_version *v = &ds->versions[k];
		int64_t left = v->deprecated_days - r->o->today;

		if (!v->deprecated || left > (int64_t)r->o->near_days)
			continue;
		for (i = 0; i < r->cat.nconsumers; i++) {
			const struct honk_consumer *co = &r->cat.consumers[i];

			for (j = 0; j < co->nreads; j++) {
				if (co->reads[j].version != v->version ||
				    strcmp(co->reads[j].dataset, ds->id))
					continue;
				if (left < 0)
					say(r, "overdue", ds->id,
					    "%s still reads v%lld, deprecated since %s (%lld days overdue)",
					    co->name, (long long)v->version,
					    v->deprecated, (long long)-left);
				else
					say(r, "deadline", ds->id,
					    "%s still reads v%lld, deprecated on %s (%lld days left)",
					    co->name, (long long)v->version,
					    v->deprecated, (long long)left);
			}
		}
	}
}

static int record_state_once(struct run *r)
{
	struct honk_buf yaml = HONK_BUF_INIT, old = HONK_BUF_INIT;
	struct honk_tree_update up;
	char hex[GIT_OID_HEXSZ + 1];
	git_oid state;
	int err, have;

	git_oid_tostr(hex, sizeof(hex), &r->main);
	honk_buf_addf(&yaml, "scanned: %s\n", hex);
	err = honk_ref_lookup(&state, r->repo, STATE_REF);
	if (err < 0 && err != HONK_ENOTFOUND)
		goto cleanup;
	have = err == 0;
	if (have && read_at(&old, r->repo, &state, "detect.yaml") == 0 &&
	    old.len == yaml.len && !memcmp(old.buf, yaml.buf, yaml.len)) {
		err = 0;
		goto cleanup;
	}
	up.path = "detect.yaml";
	up.data = yaml.buf;
	up.len = yaml.len;
	up.remove = 0;
	honk_buf_reset(&old);
	honk_buf_addf(&old,
		      "honk: detection scanned main at %.12s\n\n"
		      "Honk-Event: detected\n" TRAILER "\n",
		      hex);
	err = honk_repo_commit(NULL, r->repo, STATE_REF, have ? &state : NULL,
			       &up, 1, old.buf, NULL);
	if (err == 0)
		r->wrote = 1;
cleanup:
	honk_buf_release(&yaml);
	honk_buf_release(&old);
	return err;
}

static int record_state(struct run *r)
{
	int err, tries;

	if (!r->remote)
		return record_state_once(r);
	for (tries = 0; tries < PUSH_TRIES; tries++) {
		if ((err = sync_from_remote(r, STATE_REF)) < 0 ||
		    (err = record_state_once(r)) < 0)
			return err;
		if (!unpushed(r, STATE_REF))
			return 0;
		err = push_ref(r, STATE_REF);
		if (err != HONK_ECONFLICT)
			return err;
		if ((err = honk_remote_fetch(r->repo, r->remote, NULL, 0)) < 0)
			return err;
	}
	return honk_error_set(
		HONK_ECONFLICT,
		"honk/state kept moving on '%s' after %d tries; run again later",
		r->remote, PUSH_TRIES);
}

/* The commit main points at, per honk.yaml (read at HEAD first). */
static int load_main(struct run *r, struct honk_diags *d)
{
	struct honk_source src = HONK_SOURCE_INIT;
	struct honk_buf ref = HONK_BUF_INIT;
	char hex[GIT_OID_HEXSZ + 1];
	int err;

	err = honk_catalog_open(&r->cat, &r->snap, r->repo, &src, d);
	if (err == HONK_ENOTFOUND) {
		/* HEAD unborn (a bare repository whose HEAD names another
		 * branch): honk.yaml's default main is the next guess */
		honk_snapshot_free(r->snap);
		r->snap = NULL;
		src.rev = "refs/heads/main";
		err = honk_catalog_open(&r->cat, &r->snap, r->repo, &src, d);
	}
	if (err < 0 && err != HONK_EINVALID)
		return err;
	/* the remote: the option, else honk.yaml's, unless --no-remote */
	if (!r->o->no_remote && (r->o->remote || r->cat.settings.remote)) {
		r->remote = strdup(r->o->remote ? r->o->remote
						: r->cat.settings.remote);
		if (!r->remote)
			return honk_error_set(HONK_ERROR, "out of memory");
		if ((err = honk_remote_fetch(r->repo, r->remote, NULL, 0)) < 0)
			return err;
		honk_buf_addf(&ref, "refs/remotes/%s/%s", r->remote,
			      r->cat.settings.main);
		if (honk_ref_lookup(&r->main, r->repo, ref.buf) == 0) {
			honk_buf_release(&ref);
			goto reload;
		}
		honk_buf_reset(&ref);
	}
	honk_buf_addf(&ref, "refs/heads/%s", r->cat.settings.main);
	err = honk_ref_lookup(&r->main, r->repo, ref.buf);
	if (err < 0) {
		honk_error_set(
			err, "the main branch '%s' (honk.yaml) does not exist",
			r->cat.settings.main);
		honk_buf_release(&ref);
		return err;
	}
	honk_buf_release(&ref);
	if (honk_snapshot_commit(r->snap) &&
	    git_oid_equal(honk_snapshot_commit(r->snap), &r->main) && !d->n)
		return 0;
reload:
	/* HEAD is not main: read the catalog where it counts */
	honk_catalog_release(&r->cat);
	honk_snapshot_free(r->snap);
	r->snap = NULL;
	honk_diags_release(d);
	git_oid_tostr(hex, sizeof(hex), &r->main);
	src.rev = hex;
	return honk_catalog_open(&r->cat, &r->snap, r->repo, &src, d);
}

/* The main commit the last run scanned, from honk/state; 0 if none. */
static int last_scanned(struct run *r, git_oid *out)
{
	struct honk_buf yaml = HONK_BUF_INIT;
	git_oid state;
	const char *p;
	int found = 0;

	if (honk_ref_lookup(&state, r->repo, STATE_REF) == 0 &&
	    read_at(&yaml, r->repo, &state, "detect.yaml") == 0 &&
	    (p = strstr(yaml.buf, "scanned: ")) &&
	    git_oid_fromstrn(out, p + 9, GIT_OID_HEXSZ) == 0) {
		git_commit *c = NULL;

		/* a scanned commit that is gone (history rewritten): full run
		 */
		found = git_commit_lookup(&c, r->repo->git, out) == 0;
		git_commit_free(c);
	}
	honk_buf_release(&yaml);
	return found;
}

/* Mark the datasets a consumer file (new or old version) reads. */
static void mark_reads(struct run *r, unsigned char *mark,
		       const struct honk_consumer *co)
{
	size_t j;

	for (j = 0; co && j < co->nreads; j++) {
		const struct honk_dataset *ds =
			honk_catalog_dataset(&r->cat, co->reads[j].dataset);

		if (ds)
			mark[ds - r->cat.datasets] = 1;
	}
}

/*
 * Which datasets can have a different plan since `since`: those whose
 * file or schema file changed, those a changed consumer reads (before or
 * after), and, upstream, every dataset whose plans list them as
 * transitive. *full is set when honk.yaml changed (waves move).
 */
static int changed_since(struct run *r, const git_oid *since,
			 unsigned char *mark, int *full)
{
	git_commit *old_commit = NULL, *new_commit = NULL;
	git_tree *old_tree = NULL, *new_tree = NULL;
	git_diff *diff = NULL;
	struct honk_buf id = HONK_BUF_INIT, blob = HONK_BUF_INIT;
	size_t i, k, n, *queue = NULL, head = 0, tail = 0;
	int err = 0;

	*full = 0;
	if (git_commit_lookup(&old_commit, r->repo->git, since) < 0 ||
	    git_commit_lookup(&new_commit, r->repo->git, &r->main) < 0 ||
	    git_commit_tree(&old_tree, old_commit) < 0 ||
	    git_commit_tree(&new_tree, new_commit) < 0 ||
	    git_diff_tree_to_tree(&diff, r->repo->git, old_tree, new_tree,
				  NULL) < 0) {
		err = honk_error_git(HONK_ERROR,
				     "cannot compare main with the last scan");
		goto cleanup;
	}
	n = git_diff_num_deltas(diff);
	for (i = 0; i < n && !*full; i++) {
		const git_diff_delta *dd = git_diff_get_delta(diff, i);
		const char *path = dd->new_file.path ? dd->new_file.path
						     : dd->old_file.path;

		if (!strcmp(path, "honk.yaml")) {
			*full = 1;
		} else if (!strncmp(path, "datasets/", 9)) {
			const struct honk_dataset *ds;

			if (honk_dataset_id_from_path(&id, path) == 0 &&
			    (ds = honk_catalog_dataset(&r->cat, id.buf)))
				mark[ds - r->cat.datasets] = 1;
		} else if (!strncmp(path, "consumers/", 10)) {
			const char *base = strrchr(path, '/') + 1;
			size_t blen = strlen(base);

			if (blen > 5) {
				honk_buf_reset(&id);
				honk_buf_add(&id, base, blen - 5);
				mark_reads(r, mark,
					   honk_catalog_consumer(&r->cat,
								 id.buf));
			}
			/* what the consumer read before matters as much */
			if (!git_oid_is_zero(&dd->old_file.id)) {
				struct honk_catalog old = HONK_CATALOG_INIT;
				struct honk_diags dg = HONK_DIAGS_INIT;
				struct honk_catalog_file f;

				honk_buf_reset(&blob);
				if (honk_repo_read_blob(&blob, r->repo,
							&dd->old_file.id) ==
				    0) {
					f.path = dd->old_file.path;
					f.data = blob.buf;
					f.len = blob.len;
					honk_catalog_parse_files(&old, &f, 1,
								 &dg);
					for (k = 0; k < old.nconsumers; k++)
						mark_reads(r, mark,
							   &old.consumers[k]);
				}
				honk_catalog_release(&old);
				honk_diags_release(&dg);
			}
		} else if (!strncmp(path, "schemas/", 8)) {
			for (k = 0; k < r->cat.ndatasets; k++) {
				const struct honk_dataset *ds =
					&r->cat.datasets[k];
				size_t v;

				for (v = 0; v < ds->nversions; v++)
					if (ds->versions[v].schema_file &&
					    !strcmp(ds->versions[v].schema_file,
						    path))
						mark[k] = 1;
			}
		}
	}
	if (*full)
		goto cleanup;
	/* upstream: datasets read by consumers that produce a marked one */
	queue = malloc((r->cat.ndatasets + 1) * sizeof(*queue));
	if (!queue) {
		err = honk_error_set(HONK_ERROR, "out of memory");
		goto cleanup;
	}
	for (i = 0; i < r->cat.ndatasets; i++)
		if (mark[i])
			queue[tail++] = i;
	while (head < tail) {
		const char *id_x = r->cat.datasets[queue[head++]].id;

		for (i = 0; i < r->cat.nconsumers; i++) {
			const struct honk_consumer *co = &r->cat.consumers[i];

			for (k = 0; k < co->nproduces; k++) {
				size_t j;

				if (strcmp(co->produces[k], id_x) != 0)
					continue;
				for (j = 0; j < co->nreads; j++) {
					const struct honk_dataset *up =
						honk_catalog_dataset(
							&r->cat,
							co->reads[j].dataset);
					size_t u;

					if (!up)
						continue;
					u = (size_t)(up - r->cat.datasets);
					if (!mark[u]) {
						mark[u] = 1;
						queue[tail++] = u;
					}
				}
			}
		}
	}
cleanup:
	free(queue);
	honk_buf_release(&id);
	honk_buf_release(&blob);
	git_diff_free(diff);
	git_tree_free(old_tree);
	git_tree_free(new_tree);
	git_commit_free(old_commit);
	git_commit_free(new_commit);
	return err;
}

int honk_detect_run(struct honk_repo *repo, const struct honk_detect_opts *o,
		    honk_detect_cb cb, void *payload, int *wrote)
{
	struct honk_lock lock = HONK_LOCK_INIT;
	struct honk_diags d = HONK_DIAGS_INIT;
	unsigned char *mark = NULL; /* incremental: the datasets to look at */
	struct todo *todo = NULL;
	size_t ntodo = 0, atodo = 0;
	git_oid since;
	struct run r;
	size_t i, k, j, found = 0;
	int err;

	memset(&r, 0, sizeof(r));
	r.repo = repo;
	r.o = o;
	r.cb = cb;
	r.payload = payload;
	*wrote = 0;
	if (!o->dry_run && (err = honk_repo_lock(&lock, repo, "detect")) < 0)
		return err;
	err = load_main(&r, &d);
	if (err == HONK_EINVALID) {
		honk_diags_sort(&d);
		for (i = 0; i < d.n; i++)
			say(&r, "invalid", d.v[i].path, "%u:%u: %s",
			    d.v[i].line, d.v[i].col, d.v[i].msg);
		goto cleanup;
	}
	if (err < 0)
		goto cleanup;
	if ((err = honk_readers_build(&r.ix, &r.cat)) < 0)
		goto cleanup;
	/* incremental: only what can have changed since the last scan */
	if (!o->datasets && !o->full && last_scanned(&r, &since)) {
		int full = 0;
		size_t marked = 0;

		if (git_oid_equal(&since, &r.main)) {
			char hex[GIT_OID_HEXSZ + 1];

			git_oid_tostr(hex, sizeof(hex), &since);
			say(&r, "nothing-new", r.cat.settings.main,
			    "main is still at %.12s, as the last run saw it",
			    hex);
			goto cleanup;
		}
		mark = calloc(r.cat.ndatasets + 1, 1);
		if (!mark) {
			err = honk_error_set(HONK_ERROR, "out of memory");
			goto cleanup;
		}
		if ((err = changed_since(&r, &since, mark, &full)) < 0)
			goto cleanup;
		if (full) {
			free(mark);
			mark = NULL;
		} else {
			for (i = 0; i < r.cat.ndatasets; i++)
				marked += mark[i];
			say(&r, "incremental", r.cat.settings.main,
			    "%zu dataset%s can have changed since the last run",
			    marked, marked == 1 ? "" : "s");
		}
	}
	for (i = 0; i < r.cat.ndatasets; i++) {
		const struct honk_dataset *ds = &r.cat.datasets[i];
		int64_t latest = ds->versions[ds->nversions - 1].version;

		if (!wanted(&r, ds->id) || (mark && !mark[i]))
			continue;
		found++;
		report_deadlines(&r, ds);
		/* one migration per older version someone still reads */
		for (k = 0; k + 1 < ds->nversions; k++) {
			int64_t from = ds->versions[k].version;
			int read = 0;

			for (j = r.ix.first[i]; j < r.ix.first[i + 1] && !read;
			     j++) {
				const struct honk_consumer *co =
					&r.cat.consumers[r.ix.v[j].consumer];

				read = co->reads[r.ix.v[j].read].version ==
				       from;
			}
			if (!read)
				continue;
			if (ntodo == atodo) {
				size_t a = atodo ? atodo * 2 : 64;
				struct todo *v = realloc(todo, a * sizeof(*v));

				if (!v) {
					err = honk_error_set(HONK_ERROR,
							     "out of memory");
					goto cleanup;
				}
				todo = v;
				atodo = a;
			}
			todo[ntodo].ds = i;
			todo[ntodo].from = from;
			todo[ntodo].to = latest;
			ntodo++;
		}
	}
	err = propose_and_push(&r, todo, ntodo);
	if (err >= 0 && o->datasets && found < o->ndatasets)
		err = honk_error_set(
			HONK_EINVALID,
			"--dataset names a dataset that is not in the catalog");
	if (err >= 0 && !o->dry_run)
		err = record_state(&r);
	*wrote = r.wrote;
cleanup:
	drop_pending(&r);
	free(r.pending);
	free(todo);
	free(mark);
	free((char *)r.remote);
	honk_readers_release(&r.ix);
	honk_diags_release(&d);
	honk_catalog_release(&r.cat);
	honk_snapshot_free(r.snap);
	honk_lock_release(&lock);
	return err;
}
