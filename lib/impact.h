#ifndef HONK_IMPACT_H
#define HONK_IMPACT_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "catalog.h"
#include "diff.h"

/*
 * Consumer impact (DESIGN section 4): what a consumer moving from the
 * version it reads to the target version must do.
 */
enum honk_impact_class {
	HONK_IMPACT_NONE,
	HONK_IMPACT_RELOCATE, /* only the version/location moves */
	HONK_IMPACT_BREAKING, /* a field it reads changes in a way its code sees
			       */
	HONK_IMPACT_TRANSITIVE /* it reads a dataset an impacted consumer
				  produces */
};
extern const char *const honk_impact_names[];

struct honk_impacted {
	const struct honk_consumer *consumer;
	enum honk_impact_class impact;
	const char *dataset; /* the dataset it reads that is affected */
	int64_t from;	     /* the version it reads */
	const char *via;     /* transitive: the dataset that carries it */
	unsigned depth;	     /* 1 direct, 2.. transitive */
	const char **fields; /* breaking: the fields it reads that change */
	size_t nfields;
	int fields_declared; /* 0: the consumer did not say; all were assumed */
};

struct honk_impact {
	struct honk_arena arena;
	struct honk_impacted *v;
	size_t n, alloc;
};

#define HONK_IMPACT_INIT                    \
	{                                   \
		HONK_ARENA_INIT, NULL, 0, 0 \
	}

/*
 * Who reads each dataset: an index built once per catalog so impact is
 * proportional to the consumers of a dataset, not to the catalog.
 */
struct honk_reader {
	uint32_t consumer; /* index into cat->consumers */
	uint32_t read;	   /* index into that consumer's reads */
};

struct honk_readers {
	size_t *first; /* per dataset index: readers first[i] .. first[i+1] */
	struct honk_reader *v;
};

int honk_readers_build(struct honk_readers *ix, const struct honk_catalog *cat);
void honk_readers_release(struct honk_readers *ix);

/*
 * Consumers of ds that read version `from` (or any version older than
 * `to` when from < 0), classified against version `to`, then transitive
 * consumers through `produces` up to max_depth (0 = no limit). Direct
 * consumers first by name, then transitive ones by depth and name.
 */
int honk_impact_compute(struct honk_impact *out, const struct honk_catalog *cat,
			const struct honk_readers *ix,
			const struct honk_dataset *ds, int64_t from, int64_t to,
			unsigned max_depth);
void honk_impact_release(struct honk_impact *im);

/*
 * Does a change break a consumer reading `field`? It does when the change
 * touches that field (or a part of it, or a record that holds it) and an
 * old reader cannot read the new data (forward is false), or the field
 * is gone.
 */
int honk_change_hits(const struct honk_change *c, const char *field);

#endif
