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
 * Assign waves to n consumers already in rollout order: cumulative sizes
 * (counts or percentages of n); a pinned wave (pins[i] > 0) wins.
 * waves[i] receives 1-based wave numbers.
 */
void honk_waves_assign(int64_t *waves, const int64_t *pins, size_t n,
		       const struct honk_wave_size *sizes, size_t nsizes);

#endif
