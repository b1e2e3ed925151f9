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
#include "catindex.h"
#include "diag.h"
#include "error.h"
#include "names.h"
#include "impact.h"
#include "plan.h"
#include "state.h"
#include "yaml.h"
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
	git_oid state, since; /* honk/state's tip and the main it scanned */
	int have_since;
	int incremental;	  /* r->cat holds what the change reaches */
	struct honk_catindex cix; /* the index on honk/state, if any */
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

/* Has anyone but honk (honk-detect, honk-gen) committed between main and tip?
 */
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
		if (!honk_commit_by_honk(git_commit_message(c)))
			*touched = 1;
		git_commit_free(c);
		if (*touched)
			break;
	}
	git_revwalk_free(walk);
	return err;
}

static int sync_from_remote(struct run *r, const char *ref)
{
	return honk_ref_follow(r->repo, r->remote, ref);
}

static int unpushed(struct run *r, const char *ref)
{
	return honk_ref_unpushed(r->repo, r->remote, ref);
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

	if (honk_array_reserve(&r->pending, r->npending, &r->apending,
			       sizeof(*r->pending)) < 0)
		return HONK_ERROR;
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
 * The manual items of the plan on the branch (honk-gen's and people's),
 * carried into the plan built now, so a refresh does not drop them and
 * an unchanged plan compares equal.
 */
static int keep_manual(struct honk_buf *yaml, const char *path,
		       const struct honk_buf *old)
{
	struct honk_planfile pf;
	struct honk_diags d = HONK_DIAGS_INIT;
	struct honk_buf out = HONK_BUF_INIT;
	int err;

	/* a plan honk cannot read back is replaced, as before */
	if (honk_planfile_parse(&pf, path, old->buf, old->len, &d) < 0) {
		honk_diags_release(&d);
		return 0;
	}
	err = pf.nmanual
		      ? honk_plan_set_manual(&out, path, yaml->buf, yaml->len,
					     0, pf.manual, pf.nmanual, &d)
		      : 0;
	if (err == 0 && pf.nmanual) {
		honk_buf_reset(yaml);
		err = honk_buf_add(yaml, out.buf, out.len);
	}
	honk_buf_release(&out);
	honk_planfile_release(&pf);
	honk_diags_release(&d);
	return err == HONK_EINVALID ? 0 : err;
}

/*
 * 1 when honk/state records the migration as rejected (why in out), 2
 * when its state file cannot be read (where and why in out: whether a
 * person rejected it is not known, so it is left alone), 0 when neither,
 * or a negative error.
 */
static int rejected(struct run *r, const char *id, struct honk_buf *out)
{
	struct honk_buf path = HONK_BUF_INIT, text = HONK_BUF_INIT;
	struct honk_diags d = HONK_DIAGS_INIT;
	struct honk_mstate st;
	git_oid tip;
	int err;

	if (honk_ref_lookup(&tip, r->repo, STATE_REF) < 0)
		return 0;
	if ((err = honk_path_state(&path, id)) < 0)
		goto cleanup;
	err = read_at(&text, r->repo, &tip, path.buf);
	if (err == HONK_ENOTFOUND) {
		err = 0;
		goto cleanup;
	}
	if (err < 0)
		goto cleanup;
	err = honk_mstate_parse(&st, path.buf, text.buf, text.len, &d);
	if (err == HONK_EINVALID) {
		if (d.n)
			honk_buf_addf(out, "honk/state:%s:%u:%u: %s",
				      d.v[0].path, d.v[0].line, d.v[0].col,
				      d.v[0].msg);
		else
			honk_buf_addf(out, "honk/state:%s cannot be read",
				      path.buf);
		err = 2;
	} else if (err == 0) {
		if (st.phase == HONK_PHASE_REJECTED) {
			honk_buf_addf(out, "rejected by %s: %s",
				      st.by ? st.by : "someone",
				      st.reason ? st.reason
						: "no reason given");
			err = 1;
		}
		honk_mstate_release(&st);
	}
cleanup:
	honk_buf_release(&path);
	honk_buf_release(&text);
	honk_diags_release(&d);
	return err;
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
	/* rejected: honk-status reject recorded it on honk/state */
	if ((err = rejected(r, plan->id, &old)) != 0) {
		if (err == 1)
			say(r, "rejected", plan->id,
			    "%s; honk-detect does not propose it again",
			    old.buf);
		else if (err == 2)
			say(r, "left-alone", plan->id,
			    "its state cannot be read (%s); honk-detect does not propose it until a person fixes it",
			    old.buf);
		err = err > 0 ? 0 : err;
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
		/* honk-gen's manual items stay with the plan */
		if (err == 0 && (err = keep_manual(&yaml, path.buf, &old)) < 0)
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

/* A set of strings (dataset ids, paths) for the incremental closure. */
struct sset {
	const char **v;	    /* open addressing; NULL is empty */
	size_t n, cap;	    /* cap a power of two */
	const char **order; /* the members in insertion order */
	struct honk_arena arena;
};

static size_t str_hash(const char *s)
{
	size_t h = 1469598103934665603ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static int sset_has(const struct sset *s, const char *str)
{
	size_t i;

	if (!s->cap)
		return 0;
	for (i = str_hash(str) & (s->cap - 1); s->v[i];
	     i = (i + 1) & (s->cap - 1))
		if (!strcmp(s->v[i], str))
			return 1;
	return 0;
}

/* 1 when added, 0 when there already, negative on failure. */
static int sset_add(struct sset *s, const char *str)
{
	size_t i;
	const char *copy;

	if (sset_has(s, str))
		return 0;
	if ((s->n + 1) * 2 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64, k;
		const char **v = calloc(cap, sizeof(*v));
		const char **order = realloc(s->order, cap * sizeof(*order));

		if (!v || !order) {
			free(v);
			if (order)
				s->order = order;
			return honk_error_set(HONK_ERROR, "out of memory");
		}
		s->order = order;
		for (k = 0; k < s->n; k++) {
			for (i = str_hash(order[k]) & (cap - 1); v[i];
			     i = (i + 1) & (cap - 1))
				;
			v[i] = order[k];
		}
		free(s->v);
		s->v = v;
		s->cap = cap;
	}
	if (!(copy = honk_arena_strdup(&s->arena, str)))
		return honk_error_set(HONK_ERROR, "out of memory");
	for (i = str_hash(str) & (s->cap - 1); s->v[i];
	     i = (i + 1) & (s->cap - 1))
		;
	s->v[i] = copy;
	s->order[s->n++] = copy;
	return 1;
}

static void sset_release(struct sset *s)
{
	free(s->v);
	free(s->order);
	honk_arena_release(&s->arena);
	memset(s, 0, sizeof(*s));
}

/* detect.yaml's scanned commit at a state commit; 0 when none. */
static int scanned_at(struct run *r, const git_oid *state, git_oid *out)
{
	struct honk_buf yaml = HONK_BUF_INIT;
	const char *p;
	int found;

	found = read_at(&yaml, r->repo, state, "detect.yaml") == 0 &&
		(p = strstr(yaml.buf, "scanned: ")) &&
		git_oid_fromstrn(out, p + 9, GIT_OID_HEXSZ) == 0;
	honk_buf_release(&yaml);
	return found;
}

/* Does any update change what the tree at commit holds? */
static int changes_tree(struct run *r, const git_oid *commit,
			const struct honk_tree_update *up, size_t n)
{
	git_commit *c = NULL;
	git_tree *t = NULL;
	size_t i;
	int differs = 0;

	if (git_commit_lookup(&c, r->repo->git, commit) < 0 ||
	    git_commit_tree(&t, c) < 0) {
		git_commit_free(c);
		return 1;
	}
	for (i = 0; i < n && !differs; i++) {
		git_tree_entry *te = NULL;
		git_oid id;

		if (git_tree_entry_bypath(&te, t, up[i].path) < 0) {
			differs = !up[i].remove;
			continue;
		}
		differs = up[i].remove ||
			  git_odb_hash(&id, up[i].data, up[i].len,
				       GIT_OBJECT_BLOB) < 0 ||
			  !git_oid_equal(&id, git_tree_entry_id(te));
		git_tree_entry_free(te);
	}
	git_tree_free(t);
	git_commit_free(c);
	return differs;
}

static void on_state_written(size_t i, const char *refname,
			     const git_oid *target, int err, void *payload)
{
	(void)i;
	(void)refname;
	(void)target;
	*(int *)payload = err;
}

/*
 * Record the scanned main and the catalog index on honk/state, in one
 * commit from the tip seen (compare-and-swap). The index updates hold
 * only while the tip still describes the scan this run started from:
 * a full run recomputes them against the tip; an incremental one whose
 * base another run replaced drops the index, so the next run is full.
 */
static int record_state_once(struct run *r)
{
	struct honk_buf yaml = HONK_BUF_INIT, msg = HONK_BUF_INIT;
	struct honk_iupdates u = { NULL, 0, 0, HONK_ARENA_INIT };
	struct honk_tree_update *up = NULL;
	char hex[GIT_OID_HEXSZ + 1];
	git_oid state, scanned;
	size_t nup;
	int err, have, outcome = 0, same_base, drop_index = 0;

	git_oid_tostr(hex, sizeof(hex), &r->main);
	honk_buf_addf(&yaml, "scanned: %s\n", hex);
	err = honk_ref_lookup(&state, r->repo, STATE_REF);
	if (err < 0 && err != HONK_ENOTFOUND)
		goto cleanup;
	have = err == 0;
	err = 0;
	if (have && scanned_at(r, &state, &scanned) &&
	    git_oid_equal(&scanned, &r->main) && r->cix.tree)
		goto cleanup; /* this scan is recorded already */
	same_base = have ? scanned_at(r, &state, &scanned) && r->have_since &&
				    git_oid_equal(&scanned, &r->since)
			 : !r->have_since;
	if (!r->incremental)
		err = honk_catindex_full(&u, &r->cat, r->repo,
					 have ? &state : NULL);
	else if (same_base)
		err = honk_catindex_updates(&u, &r->cix);
	else
		drop_index = have; /* another run's index: the next is full */
	if (err < 0)
		goto cleanup;
	up = malloc((u.n + 2) * sizeof(*up));
	if (!up) {
		err = honk_error_set(HONK_ERROR, "out of memory");
		goto cleanup;
	}
	up[0].path = "detect.yaml";
	up[0].data = yaml.buf;
	up[0].len = yaml.len;
	up[0].remove = 0;
	if (u.n)
		memcpy(up + 1, u.v, u.n * sizeof(*up));
	nup = u.n + 1;
	if (drop_index) {
		up[nup].path = "index/format";
		up[nup].data = NULL;
		up[nup].len = 0;
		up[nup].remove = 1;
		/* only when there is one to drop */
		nup += changes_tree(r, &state, &up[nup], 1);
	}
	if (have && !changes_tree(r, &state, up, nup))
		goto cleanup;
	honk_buf_addf(&msg,
		      "honk: detection scanned main at %.12s\n\n"
		      "Honk-Event: detected\n" TRAILER "\n",
		      hex);
	if ((err = honk_batch_begin(r->repo)) < 0)
		goto cleanup;
	err = honk_repo_commit(NULL, r->repo, STATE_REF, have ? &state : NULL,
			       up, nup, msg.buf, NULL);
	if (err < 0) {
		honk_batch_abort(r->repo);
		goto cleanup;
	}
	if ((err = honk_batch_commit(r->repo, on_state_written, &outcome)) == 0)
		err = outcome;
	if (err == 0)
		r->wrote = 1;
cleanup:
	free(up);
	honk_iupdates_release(&u);
	honk_buf_release(&yaml);
	honk_buf_release(&msg);
	return err;
}

static int record_state(struct run *r)
{
	int err, tries;

	for (tries = 0; tries < PUSH_TRIES; tries++) {
		if (r->remote && (err = sync_from_remote(r, STATE_REF)) < 0)
			return err;
		err = record_state_once(r);
		if (err == HONK_ECONFLICT)
			continue; /* moved locally meanwhile: again from it */
		if (err < 0 || !r->remote || !unpushed(r, STATE_REF))
			return err;
		err = push_ref(r, STATE_REF);
		if (err != HONK_ECONFLICT)
			return err;
		if ((err = honk_remote_fetch(r->repo, r->remote, NULL, 0)) < 0)
			return err;
	}
	return honk_error_set(
		HONK_ECONFLICT,
		"honk/state kept moving after %d tries; run again later",
		PUSH_TRIES);
}

/*
 * The commit main points at, per honk.yaml (read at HEAD first), and its
 * snapshot, with r->cat holding honk.yaml's settings only.
 */
static int find_main(struct run *r, struct honk_diags *d)
{
	struct honk_source src = HONK_SOURCE_INIT;
	struct honk_buf ref = HONK_BUF_INIT;
	char hex[GIT_OID_HEXSZ + 1];
	int err;

	err = honk_snapshot_open(&r->snap, r->repo, &src);
	if (err == HONK_ENOTFOUND) {
		/* HEAD unborn (a bare repository whose HEAD names another
		 * branch): honk.yaml's default main is the next guess */
		src.rev = "refs/heads/main";
		err = honk_snapshot_open(&r->snap, r->repo, &src);
	}
	if (err < 0)
		return err;
	err = honk_catalog_load_paths(&r->cat, r->repo, r->snap, NULL, 0, d);
	if (err < 0)
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
		if (honk_ref_lookup(&r->main, r->repo, ref.buf) == 0)
			goto found;
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
found:
	honk_buf_release(&ref);
	if (honk_snapshot_commit(r->snap) &&
	    git_oid_equal(honk_snapshot_commit(r->snap), &r->main))
		return 0;
	/* HEAD is not main: read honk.yaml where it counts */
	honk_catalog_release(&r->cat);
	honk_snapshot_free(r->snap);
	r->snap = NULL;
	git_oid_tostr(hex, sizeof(hex), &r->main);
	src.rev = hex;
	if ((err = honk_snapshot_open(&r->snap, r->repo, &src)) < 0)
		return err;
	return honk_catalog_load_paths(&r->cat, r->repo, r->snap, NULL, 0, d);
}

/*
 * The main commit the last run scanned and the state commit that says
 * so; 0 if none (or the scanned commit is gone: history rewritten).
 */
static int last_scanned(struct run *r)
{
	git_commit *c = NULL;

	if (honk_ref_lookup(&r->state, r->repo, STATE_REF) < 0 ||
	    !scanned_at(r, &r->state, &r->since))
		return 0;
	r->have_since = git_commit_lookup(&c, r->repo->git, &r->since) == 0;
	git_commit_free(c);
	return r->have_since;
}

/* The one consumer a catalog file holds, parsed alone; NULL if none. */
static int parse_consumer(struct honk_catalog *out, struct run *r,
			  const char *path, const git_oid *blob,
			  const struct honk_consumer **co)
{
	struct honk_buf data = HONK_BUF_INIT;
	struct honk_diags dg = HONK_DIAGS_INIT;
	struct honk_catalog_file f;
	int err;

	*co = NULL;
	honk_buf_init(&data, HONK_YAML_MAX_SIZE); /* as the full load caps */
	if ((err = honk_repo_read_blob(&data, r->repo, blob)) < 0) {
		honk_buf_release(&data);
		return err == HONK_ELIMIT ? 0 : err;
	}
	f.path = path;
	f.data = data.buf;
	f.len = data.len;
	/* cross-file problems are for the load that follows to report */
	honk_catalog_parse_files(out, &f, 1, &dg);
	if (out->nconsumers == 1)
		*co = &out->consumers[0];
	honk_diags_release(&dg);
	honk_buf_release(&data);
	return 0;
}

struct closure {
	struct run *r;
	struct sset *plan;  /* datasets whose plans can change */
	struct sset *queue; /* datasets whose readers are loaded */
	struct sset *load;  /* catalog files to load */
	int err;
};

static int add_dataset_file(struct closure *c, const char *id)
{
	struct honk_buf path = HONK_BUF_INIT;
	int err;

	if ((err = honk_path_dataset(&path, id)) == 0)
		err = sset_add(c->load, path.buf);
	honk_buf_release(&path);
	return err < 0 ? err : 0;
}

/* Upstream: a producer of a changed dataset makes its reads' plans change. */
static int up_one(const struct honk_ientry *e, void *payload)
{
	struct closure *c = payload;
	size_t k;
	int err;

	for (k = 0; k < e->nreads; k++)
		if ((err = sset_add(c->plan, e->reads[k])) < 0)
			return err;
	return 0;
}

/* Downstream: a reader is loaded with what it reads and produces. */
static int down_one(const struct honk_ientry *e, void *payload)
{
	struct closure *c = payload;
	size_t k;
	int err;

	if ((err = sset_add(c->load, e->path)) < 0)
		return err;
	for (k = 0; k < e->nreads; k++)
		if ((err = add_dataset_file(c, e->reads[k])) < 0)
			return err;
	for (k = 0; k < e->nproduces; k++)
		if ((err = add_dataset_file(c, e->produces[k])) < 0 ||
		    (err = sset_add(c->queue, e->produces[k])) < 0)
			return err;
	return 0;
}

/*
 * An incremental load: from the changes between the last scan and main
 * and the index on honk/state, the datasets whose plans can change (the
 * changed ones, those a changed consumer reads or read, and upstream
 * every dataset whose plans list those as transitive), and the catalog
 * files those plans need; only those are loaded into r->cat, with the
 * same checks as a full load. *full when only a full run will do:
 * honk.yaml or a schema file changed, or a changed consumer file cannot
 * be read alone.
 */
static int load_incremental(struct run *r, struct honk_diags *d,
			    unsigned char **mark, int *full)
{
	git_commit *old_commit = NULL, *new_commit = NULL;
	git_tree *old_tree = NULL, *new_tree = NULL;
	git_diff *diff = NULL;
	struct honk_buf id = HONK_BUF_INIT;
	struct sset plan = { 0 }, queue = { 0 }, load = { 0 };
	struct closure c;
	size_t i, n;
	int err = 0;

	*full = 0;
	c.r = r;
	c.plan = &plan;
	c.queue = &queue;
	c.load = &load;
	if (git_commit_lookup(&old_commit, r->repo->git, &r->since) < 0 ||
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
	for (i = 0; i < n && !*full && err >= 0; i++) {
		const git_diff_delta *dd = git_diff_get_delta(diff, i);
		const char *path = dd->new_file.path ? dd->new_file.path
						     : dd->old_file.path;

		if (!strcmp(path, "honk.yaml") ||
		    !strncmp(path, "schemas/", 8)) {
			*full = 1;
		} else if (!strncmp(path, "datasets/", 9)) {
			if (honk_dataset_id_from_path(&id, path) == 0 &&
			    (err = sset_add(&plan, id.buf)) >= 0)
				err = sset_add(&load, path);
		} else if (!strncmp(path, "consumers/", 10)) {
			struct honk_catalog was = HONK_CATALOG_INIT,
					    is = HONK_CATALOG_INIT;
			const struct honk_consumer *w = NULL, *s = NULL;
			size_t k;

			if (!git_oid_is_zero(&dd->old_file.id))
				err = parse_consumer(&was, r, path,
						     &dd->old_file.id, &w);
			if (err >= 0 && !git_oid_is_zero(&dd->new_file.id)) {
				err = parse_consumer(&is, r, path,
						     &dd->new_file.id, &s);
				if (err >= 0 && !s)
					*full = 1; /* it reports why */
			}
			if (err >= 0)
				err = honk_catindex_change(&r->cix, path, w, s);
			for (k = 0; w && err >= 0 && k < w->nreads; k++)
				err = sset_add(&plan, w->reads[k].dataset);
			for (k = 0; s && err >= 0 && k < s->nreads; k++)
				err = sset_add(&plan, s->reads[k].dataset);
			if (s && err >= 0)
				err = sset_add(&load, path);
			honk_catalog_release(&was);
			honk_catalog_release(&is);
		}
	}
	if (*full || err < 0)
		goto cleanup;
	/* upstream: whose plans list the changed datasets as transitive */
	for (i = 0; i < plan.n && err >= 0; i++)
		err = honk_catindex_each(&r->cix, 1, plan.order[i], up_one, &c);
	/* downstream: each plan's readers, and theirs through produces */
	for (i = 0; i < plan.n && err >= 0; i++)
		if ((err = sset_add(&queue, plan.order[i])) >= 0)
			err = add_dataset_file(&c, plan.order[i]);
	for (i = 0; i < queue.n && err >= 0; i++)
		err = honk_catindex_each(&r->cix, 0, queue.order[i], down_one,
					 &c);
	if (err == HONK_EINVALID) {
		/* a damaged index: the full run rebuilds it */
		*full = 1;
		err = 0;
		goto cleanup;
	}
	if (err < 0)
		goto cleanup;
	err = honk_catalog_load_paths(&r->cat, r->repo, r->snap, load.order,
				      load.n, d);
	if (err < 0)
		goto cleanup;
	*mark = calloc(r->cat.ndatasets + 1, 1);
	if (!*mark) {
		err = honk_error_set(HONK_ERROR, "out of memory");
		goto cleanup;
	}
	for (i = 0; i < r->cat.ndatasets; i++)
		(*mark)[i] =
			(unsigned char)sset_has(&plan, r->cat.datasets[i].id);
cleanup:
	sset_release(&plan);
	sset_release(&queue);
	sset_release(&load);
	honk_buf_release(&id);
	git_diff_free(diff);
	git_tree_free(old_tree);
	git_tree_free(new_tree);
	git_commit_free(old_commit);
	git_commit_free(new_commit);
	return err;
}

static void report_invalid(struct run *r, struct honk_diags *d)
{
	size_t i;

	honk_diags_sort(d);
	for (i = 0; i < d->n; i++)
		say(r, "invalid", d->v[i].path, "%u:%u: %s", d->v[i].line,
		    d->v[i].col, d->v[i].msg);
}

int honk_detect_run(struct honk_repo *repo, const struct honk_detect_opts *o,
		    honk_detect_cb cb, void *payload, int *wrote)
{
	struct honk_lock lock = HONK_LOCK_INIT;
	struct honk_diags d = HONK_DIAGS_INIT;
	unsigned char *mark = NULL; /* incremental: the datasets to look at */
	struct todo *todo = NULL;
	size_t ntodo = 0, atodo = 0;
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
	if ((err = find_main(&r, &d)) < 0)
		goto invalid;
	/* incremental: only what can have changed since the last scan */
	if (last_scanned(&r) && !o->datasets && !o->full) {
		int full = 0;
		size_t marked = 0;

		if (git_oid_equal(&r.since, &r.main)) {
			char hex[GIT_OID_HEXSZ + 1];

			git_oid_tostr(hex, sizeof(hex), &r.since);
			say(&r, "nothing-new", r.cat.settings.main,
			    "main is still at %.12s, as the last run saw it",
			    hex);
			goto cleanup;
		}
		err = honk_catindex_open(&r.cix, repo, &r.state);
		if (err == 0) {
			honk_catalog_release(&r.cat);
			err = load_incremental(&r, &d, &mark, &full);
			if (err < 0)
				goto invalid;
			if (!full) {
				r.incremental = 1;
				for (i = 0; i < r.cat.ndatasets; i++)
					marked += mark[i];
				say(&r, "incremental", r.cat.settings.main,
				    "%zu dataset%s can have changed since the last run",
				    marked, marked == 1 ? "" : "s");
			}
		} else if (err != HONK_ENOTFOUND) {
			goto cleanup;
		}
		err = 0;
	}
	if (!r.incremental) {
		honk_catalog_release(&r.cat);
		if ((err = honk_catalog_load(&r.cat, repo, r.snap, &d)) < 0)
			goto invalid;
	}
	if ((err = honk_readers_build(&r.ix, &r.cat)) < 0)
		goto cleanup;
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
			if ((err = honk_array_reserve(&todo, ntodo, &atodo,
						      sizeof(*todo))) < 0)
				goto cleanup;
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
	goto cleanup;
invalid:
	if (err == HONK_EINVALID)
		report_invalid(&r, &d);
cleanup:
	honk_catindex_release(&r.cix);
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
