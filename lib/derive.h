#ifndef HONK_DERIVE_H
#define HONK_DERIVE_H

#include <stddef.h>

#include "arena.h"
#include "buf.h"
#include "catalog.h"
#include "plan.h"

/*
 * The rewrite rules a migration's plan implies (DESIGN section 5), as the
 * rewrite.yaml honk-gen proposes, and what honk cannot rewrite safely, as
 * manual items for the plan:
 *
 *   - the old version's location names the new one (bq://a.t_v3 and
 *     `a.t_v3` both become a.t_v4), in every file;
 *   - version pins next to the dataset's name in configuration
 *     (dataset: d, version: 3 -> 4, in either order, flow or block
 *     style), in YAML and JSON files;
 *   - each renamed field, as a whole word, in the code of the consumers
 *     that read it; not where the old name is also a field of another
 *     dataset the consumer reads, an SQL word, or shorter than two
 *     characters: a blind rename would change the wrong thing there, so
 *     it is a manual item instead.
 *
 * Changes no rule can carry (a field removed, narrowed or of another
 * type, enum symbols added or removed, for a consumer that reads the
 * field; a consumer with no repository) are manual items too.
 * Consumers excluded by the plan get nothing.
 */
struct honk_derived {
	struct honk_arena arena;
	struct honk_buf yaml; /* rewrite.yaml */
	size_t nrules;
	struct honk_plan_manual *manual;
	size_t nmanual, cmanual;
};

#define HONK_DERIVED_INIT                                     \
	{                                                     \
		HONK_ARENA_INIT, HONK_BUF_INIT, 0, NULL, 0, 0 \
	}

int honk_derive_rules(struct honk_derived *out, const struct honk_catalog *cat,
		      const struct honk_planfile *pf);
void honk_derived_release(struct honk_derived *d);

#endif
