#ifndef HONK_PLAN_H
#define HONK_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "buf.h"
#include "catalog.h"
#include "diff.h"
#include "impact.h"

/*
 * A migration plan (DESIGN section 3.4): one dataset moving from one
 * version to another, the classified changes, and every consumer with its
 * impact and wave.
 */
struct honk_plan_consumer {
	const struct honk_consumer *consumer;
	enum honk_impact_class impact;
	const char **fields; /* breaking: the fields that change */
	size_t nfields;
	const char *via; /* transitive: the dataset that carries it */
	int64_t wave;
};

struct honk_plan {
	struct honk_arena arena;
	const char *id;
	const struct honk_dataset *dataset;
	int64_t from, to;
	enum honk_policy policy;
	int breaking;
	struct honk_diff diff;
	struct honk_impact impact;
	struct honk_plan_consumer *consumers;
	size_t nconsumers;
};

/*
 * Build the plan moving ds's consumers of version `from` to `to` (ix: the
 * catalog's reader index, or NULL to build one): the diff,
 * the impact, and waves from honk.yaml's rollout settings (pinned wave,
 * then criticality, low first, then name; cumulative wave sizes).
 */
int honk_plan_build(struct honk_plan *plan, const struct honk_catalog *cat,
		    const struct honk_readers *ix,
		    const struct honk_dataset *ds, int64_t from, int64_t to);
void honk_plan_release(struct honk_plan *plan);

/* The plan as YAML, deterministic: same plan, same bytes. */
int honk_plan_write(struct honk_buf *out, const struct honk_plan *plan);

/*
 * An item left for a person (DESIGN section 5): what honk-gen cannot do
 * safely, or a note people add in review. `by: honk-gen` marks honk's
 * own, which each run of honk-gen replaces; people's are kept.
 */
struct honk_plan_manual {
	const char *what;     /* transform | compat | rewrite | consumer */
	const char *path;     /* a field path, or NULL */
	const char *consumer; /* or NULL */
	const char *reason;
	int by_honk;
};

extern const char *const honk_manual_whats[];

/* A consumer as the plan file lists it (people may edit waves). */
struct honk_planfile_consumer {
	const char *consumer;
	enum honk_impact_class impact;
	const char **fields;
	size_t nfields;
	const char *via;
	int64_t wave;
	unsigned line, col;
};

struct honk_plan_exclusion {
	const char *consumer;
	const char *reason; /* NULL when none was given */
};

/*
 * A plan read back from migrations/<id>.yaml, with the edits people made
 * in review: waves, exclusions, rollout overrides, manual items.
 */
struct honk_planfile {
	struct honk_arena arena;
	const char *path;
	const char *id, *dataset;
	int64_t from, to;
	enum honk_policy policy;
	int breaking;
	struct honk_planfile_consumer *consumers;
	size_t nconsumers, cconsumers;
	struct honk_plan_exclusion *excluded;
	size_t nexcluded, cexcluded;
	struct honk_rollout_cfg rollout; /* overrides; see .set */
	struct honk_plan_manual *manual;
	size_t nmanual, cmanual;
};

/*
 * Read a plan file strictly (unknown and duplicate keys, bad names,
 * impacts and waves are diagnostics at their position; the migration id
 * must be <dataset>.v<from>-v<to> and match the file name).
 * HONK_EINVALID when anything was reported.
 */
int honk_planfile_parse(struct honk_planfile *out, const char *path,
			const char *data, size_t len, struct honk_diags *diags);
void honk_planfile_release(struct honk_planfile *pf);

/* The plan's entry for a consumer, or NULL. */
const struct honk_planfile_consumer *
honk_planfile_consumer(const struct honk_planfile *pf, const char *name);

/* The exclusion of a consumer, or NULL when it is not excluded. */
const struct honk_plan_exclusion *
honk_planfile_excluded(const struct honk_planfile *pf, const char *name);

/*
 * Give plan text data[0..len) a new `manual:` list: the people's items
 * already there (when keep_people is set), then items[0..n); everything
 * else in the file stays byte for byte (comments and layout included),
 * and the list goes last. No items at all: no `manual:` key. The plan
 * must be a block mapping (each top-level key on a line of its own).
 */
int honk_plan_set_manual(struct honk_buf *out, const char *path,
			 const char *data, size_t len, int keep_people,
			 const struct honk_plan_manual *items, size_t n,
			 struct honk_diags *diags);

/*
 * Assign waves to n consumers already in rollout order: cumulative sizes
 * (counts or percentages of n); a pinned wave (pins[i] > 0) wins.
 * waves[i] receives 1-based wave numbers.
 */
void honk_waves_assign(int64_t *waves, const int64_t *pins, size_t n,
		       const struct honk_wave_size *sizes, size_t nsizes);

#endif
