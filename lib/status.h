#ifndef HONK_STATUS_H
#define HONK_STATUS_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "buf.h"
#include "catalog.h"
#include "plan.h"
#include "repo.h"
#include "state.h"

/*
 * The portal (DESIGN section 7): where every migration stands, read from
 * main (the catalog, approved plans), the proposal branches and
 * honk/state; what waits on a person; the conflicts. Read-only.
 */

struct honk_status_mig {
	const char *id;
	const char *dataset;
	int64_t from, to;
	/* proposed, approved (not started), the state's phase, or invalid */
	const char *phase;
	/*
	 * Its plan (on main or the proposal) or its state file cannot be
	 * read: the first problem, "path:line:col: message"; NULL when all
	 * is well. The phase is then "invalid": what the file would say is
	 * not known.
	 */
	const char *invalid;
	int proposed;
	int stale;   /* proposed: main moved on under it */
	int touched; /* proposed: a person committed to it */
	const char *verdict;
	int64_t wave, waves;
	size_t total, succeeded, failed, running, pending, paused, skipped,
		rolled_back, waiting;
	int64_t since; /* ms: started, else approved, else proposed */
	const char *reason;
	const char *waits; /* what waits on a person; NULL: nothing */
	int gate_manual;
	const struct honk_mstate *st; /* NULL before its rollout starts */
	/* the plan (main's or the proposal's); NULL when the state stands in */
	const struct honk_planfile *pf;
	git_oid plan_blob; /* main's plan, read only when needed */
	int have_plan_blob;
};

struct honk_status_deadline {
	const char *dataset;
	int64_t version;
	const char *consumer;
	const char *deprecated; /* YYYY-MM-DD */
	int64_t days_left;	/* negative: past */
};

struct honk_status_conflict {
	const char *kind; /* shared-consumer, stale-proposal, cycle,
			     past-deadline, invalid */
	const char *detail;
};

struct honk_status {
	struct honk_arena arena;
	struct honk_catalog cat; /* at main */
	int cat_ok;
	char main_hex[41];
	struct honk_status_mig *migs; /* sorted by id */
	size_t nmigs, cmigs;
	struct honk_status_deadline *deadlines;
	size_t ndeadlines, cdeadlines;
	struct honk_status_conflict *conflicts;
	size_t nconflicts, cconflicts;
	/* owned state and plans */
	struct honk_mstate *states;
	size_t nstates;
	struct honk_planfile **plans;
	size_t nplans;
};

struct honk_status_opts {
	int64_t today;	  /* days since 1970-01-01, for deadlines */
	int64_t now;	  /* ms, for ages */
	int with_catalog; /* load the catalog at main (deadlines, conflicts) */
	int all_plans;	  /* read every plan, even where a state stands in */
};

int honk_status_load(struct honk_status *s, struct honk_repo *repo,
		     const struct honk_status_opts *o);
void honk_status_release(struct honk_status *s);

const struct honk_status_mig *honk_status_find(const struct honk_status *s,
					       const char *id);

/* The overview as JSON (the stable --json contract). */
int honk_status_json(struct honk_buf *out, const struct honk_status *s);

/* One migration in full as JSON: its plan's consumers with their state. */
int honk_status_show_json(struct honk_buf *out, const struct honk_status *s,
			  const struct honk_status_mig *m);

/*
 * approve: merge honk/propose/<id> into main (a merge commit, as a
 * hosting platform makes one; compare-and-swap; with a remote fetched
 * first and pushed, retried when refused). reject: delete the proposal
 * branch and record who and why on honk/state. *detail says what was
 * done.
 */
struct honk_decision_opts {
	const char *id;
	const char *reason;
	const char *actor;
	const char *remote;
	int no_remote;
	int64_t now;
};

int honk_status_approve(struct honk_repo *repo,
			const struct honk_decision_opts *o,
			struct honk_buf *detail);
int honk_status_reject(struct honk_repo *repo,
		       const struct honk_decision_opts *o,
		       struct honk_buf *detail);

#endif
