#ifndef HONK_DIFF_H
#define HONK_DIFF_H

#include <stddef.h>

#include "arena.h"
#include "catalog.h"
#include "schema.h"

/*
 * Schema diff and compatibility (DESIGN section 4). A diff between two
 * versions is a list of changes, each with a path ("device.os",
 * "tags[]") and two verdicts: backward (a reader on the new version can
 * read data written with the old one) and forward (a reader on the old
 * version can read data written with the new one), with Avro's and
 * Confluent's semantics.
 */

enum honk_change_kind {
	HONK_FIELD_ADDED,
	HONK_FIELD_REMOVED,
	HONK_FIELD_RENAMED,
	HONK_TYPE_WIDENED,
	HONK_TYPE_NARROWED,
	HONK_TYPE_CHANGED,
	HONK_REQUIRED_ADDED,
	HONK_REQUIRED_REMOVED,
	HONK_ENUM_SYMBOL_ADDED,
	HONK_ENUM_SYMBOL_REMOVED,
	HONK_DEFAULT_CHANGED,
	HONK_DESCRIPTION_CHANGED,
	HONK_LOCATION_CHANGED
};

/* "field-added", ... indexed by enum honk_change_kind. */
extern const char *const honk_change_names[];

struct honk_change {
	enum honk_change_kind kind;
	const char *path;   /* in the new schema's names ("" for location) */
	const char *to;	    /* field-renamed: the new name */
	const char *symbol; /* enum-symbol-*: the symbol */
	const char *from_type, *to_type; /* type-*: the two types */
	int required; /* field-added/removed: the field was required */
	int backward, forward;
};

struct honk_diff {
	struct honk_arena arena;
	struct honk_change *v;
	size_t n, alloc;
};

#define HONK_DIFF_INIT                      \
	{                                   \
		HONK_ARENA_INIT, NULL, 0, 0 \
	}

/* Diff two schemas (and locations, either may be NULL). Sorted by path. */
int honk_diff_schemas(struct honk_diff *out, const struct honk_schema *from,
		      const struct honk_schema *to, const char *from_location,
		      const char *to_location);

void honk_diff_release(struct honk_diff *d);

/* Does a change fail the policy's direction(s)? */
int honk_change_breaks(const struct honk_change *c, enum honk_policy policy);

/* Is any change in the diff breaking under the policy? */
int honk_diff_breaking(const struct honk_diff *d, enum honk_policy policy);

/* A policy that is checked against every earlier version, not one. */
int honk_policy_transitive(enum honk_policy policy);

/*
 * Check version index i of ds against its predecessor, or against every
 * earlier version for a transitive policy. Returns 1 when breaking (and
 * *against = the first version it breaks with), 0 when compatible, or a
 * negative error.
 */
int honk_version_check(const struct honk_dataset *ds, size_t i,
		       enum honk_policy policy, int64_t *against);

#endif
