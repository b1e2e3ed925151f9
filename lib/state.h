#ifndef HONK_STATE_H
#define HONK_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "buf.h"
#include "diag.h"

/*
 * A migration's state on the honk/state branch (DESIGN section 3.5):
 * state/<id>.yaml, written by honk-rollout's reconciler and verbs, read
 * by everything. The history of honk/state is the audit log; this file
 * is where things stand now.
 *
 *   migration: plays.user_plays.v3-v4
 *   phase: rolling-out
 *   verdict: breaking            # the plan's, when the rollout started
 *   approved: 1a2b...            # the main commit pinned at the start
 *   approved_by: A U Thor <a@example.com>
 *   approved_at: 2026-12-01T10:00:00Z
 *   started_at: ...   finished_at: ...
 *   wave: 2                      # the wave under way (1-based)
 *   waves: 4
 *   not_before: ...              # a wait: wave_gap, the next health check
 *   gate: manual                 # waiting for promote (wave_gap: manual)
 *   full: true                   # promote --full: no more gates
 *   failures: 1
 *   health: {wave: 1, result: healthy, at: ..., detail: "cpu=0.4"}
 *   health_next: ...             # the periodic check
 *   reason: why it paused, failed or is rolling back
 *   by: who did the last verb
 *   lease: {holder: host/pid/start, until: ...}
 *   consumers:
 *   - {consumer: a, wave: 1, state: succeeded, attempts: 1, step: apply,
 *      step_id: 0123..., started_at: ..., finished_at: ...}
 *
 * Times are RFC 3339 UTC at second resolution; the writer is
 * deterministic (same state, same bytes); the reader is strict, like
 * every honk file: unknown keys, bad values and names are diagnostics at
 * their position.
 */

enum honk_phase {
	HONK_PHASE_APPROVED,
	HONK_PHASE_ROLLING_OUT,
	HONK_PHASE_PAUSED,
	HONK_PHASE_COMPLETED,
	HONK_PHASE_FAILED,
	HONK_PHASE_ROLLING_BACK,
	HONK_PHASE_ROLLED_BACK,
	HONK_PHASE_REJECTED
};
extern const char *const honk_phase_names[];

enum honk_cstate {
	HONK_CS_PENDING,
	HONK_CS_RUNNING,
	HONK_CS_SUCCEEDED,
	HONK_CS_FAILED,
	HONK_CS_PAUSED,
	HONK_CS_ROLLED_BACK,
	HONK_CS_SKIPPED
};
extern const char *const honk_cstate_names[];

/* The step a consumer runs or ran last. */
enum honk_step {
	HONK_STEP_NONE,
	HONK_STEP_APPLY,
	HONK_STEP_VERIFY,
	HONK_STEP_ROLLBACK
};
extern const char *const honk_step_names[];

struct honk_cstate_entry {
	const char *consumer;
	int64_t wave;
	enum honk_cstate state;
	enum honk_step step;
	int64_t attempts; /* attempts of its apply started */
	const char *step_id;
	int64_t not_before; /* ms since the epoch; 0: none (a retry's backoff)
			     */
	int64_t started_at, finished_at;
	const char *error;   /* one line: what went wrong last */
	const char *tail;    /* the last lines of that step's output */
	const char *waiting; /* why it cannot start yet */
	const char *reason;  /* skipped or paused: why */
};

struct honk_mstate {
	struct honk_arena arena;
	const char *id;
	enum honk_phase phase;
	const char *verdict;  /* compatible | breaking; NULL: not recorded */
	const char *approved; /* commit id, hex */
	const char *approved_by;
	int64_t approved_at, started_at, finished_at;
	int64_t wave, waves;
	int64_t not_before;
	int gate_manual; /* waiting for promote */
	int full;	 /* promote --full: the rest in one go, no gates */
	int64_t failures;
	struct {
		int64_t wave;	    /* 0: none yet */
		const char *result; /* healthy | unhealthy | error */
		int64_t at;
		const char *detail;
	} health;
	int64_t health_next;
	const char *reason;
	const char *by;
	struct {
		const char *holder; /* NULL: none */
		int64_t until;
	} lease;
	struct honk_cstate_entry *consumers;
	size_t n, cap;
};

#define HONK_MSTATE_INIT        \
	{                       \
		HONK_ARENA_INIT \
	}

/* "state/<id>.yaml" */
int honk_path_state(struct honk_buf *out, const char *id);

/*
 * Read a state file strictly. When path has a directory (as it has on
 * honk/state), it must be state/<id>.yaml for the migration the file
 * names. HONK_EINVALID when anything was reported.
 */
int honk_mstate_parse(struct honk_mstate *out, const char *path,
		      const char *data, size_t len, struct honk_diags *diags);
int honk_mstate_write(struct honk_buf *out, const struct honk_mstate *s);
void honk_mstate_release(struct honk_mstate *s);

/*
 * A quick read for summaries of many files: 1 when data is a state file
 * in the shape honk_mstate_write() gives, with id, phase, verdict, wave,
 * waves, failures, gate, started_at, approved_at, reason and each
 * consumer's name, wave, state, attempts and waiting filled in (nothing
 * else); 0 when it is not that shape, and the full parser must read it
 * (which also says what is wrong, if anything). It never accepts what
 * honk_mstate_parse() would refuse, nor reads a value differently.
 */
int honk_mstate_scan(struct honk_mstate *out, const char *data, size_t len);

/* A copy of src in dst (dst's arena owns every string). */
int honk_mstate_copy(struct honk_mstate *dst, const struct honk_mstate *src);

/* A string owned by s (NULL stays NULL). */
const char *honk_mstate_str(struct honk_mstate *s, const char *str);

/* Append an entry for consumer (zeroed but for the name); NULL on OOM. */
struct honk_cstate_entry *honk_mstate_add(struct honk_mstate *s,
					  const char *consumer);

struct honk_cstate_entry *honk_mstate_find(const struct honk_mstate *s,
					   const char *consumer);

/* Is the phase one nothing more happens in by itself? */
int honk_phase_terminal(enum honk_phase p);

#endif
