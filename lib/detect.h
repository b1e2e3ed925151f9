#ifndef HONK_DETECT_H
#define HONK_DETECT_H

#include <stddef.h>
#include <stdint.h>

#include "repo.h"

/*
 * The detection run (DESIGN sections 2 and 4): load the catalog at the
 * main branch, find every consumer on an older version than its
 * dataset's latest, and open or refresh one proposal branch per migration.
 */
struct honk_detect_opts {
	int dry_run;
	int full;		     /* every dataset, not only what changed */
	const char *const *datasets; /* only these (NULL: all) */
	size_t ndatasets;
	int64_t today;	    /* days since 1970-01-01, for deadlines */
	unsigned near_days; /* report deadlines closer than this */
	const char *remote; /* fetch before, push after (NULL: honk.yaml's) */
	int no_remote;	    /* not even honk.yaml's */
};

#define HONK_DETECT_OPTS_INIT                 \
	{                                     \
		0, 0, NULL, 0, 0, 30, NULL, 0 \
	}

/* What happened, one call per event: "proposed", "refreshed", ... */
typedef void (*honk_detect_cb)(const char *event, const char *id,
			       const char *detail, void *payload);

/*
 * One run. HONK_EBUSY when another run holds the repository's detect
 * lock, HONK_EINVALID (with diagnostics through cb as "invalid") when
 * the catalog at main is invalid. *wrote tells whether any ref moved.
 */
int honk_detect_run(struct honk_repo *repo, const struct honk_detect_opts *o,
		    honk_detect_cb cb, void *payload, int *wrote);

#endif
