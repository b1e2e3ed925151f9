#ifndef HONK_GEN_H
#define HONK_GEN_H

#include <stddef.h>
#include <stdint.h>

#include "repo.h"

/*
 * Generation (DESIGN section 5): from a proposal's plan, the migration
 * code onto the proposal branch honk/propose/<id>:
 *
 *   migrations/<id>/transform.<dialect>.sql   fills the new version
 *   migrations/<id>/compat.<dialect>.sql      the old shape over the new
 *   migrations/<id>/rewrite.yaml              the code rewrite rules
 *   migrations/<id>/consumers/<name>.patch    each consumer's change
 *   migrations/<id>/validation.yaml           what was run, what happened
 *
 * plus manual items in the plan, and in each consumer repository a
 * commit on honk/<id> whose diff is the patch (pushed when the repo is a
 * URL). The catalog (schemas, consumers, their commands) is read at
 * main: a proposal branch cannot change what runs.
 */
enum { HONK_GEN_DIALECTS_ALL = 0 };

struct honk_gen_opts {
	const char *id;
	const char *const *consumers; /* only these (NULL: all) */
	size_t nconsumers;
	unsigned dialects; /* bit 1 << enum honk_dialect; 0: all three */
	int no_validate;
	int validate_only;  /* honk-gen validate: the artifacts as they are */
	int dry_run;	    /* decide, write nothing, run no command */
	const char *remote; /* fetch before, push after (NULL: honk.yaml's) */
	int no_remote;
	int64_t test_timeout_ms; /* 0: the consumer's step_timeout */
};

#define HONK_GEN_OPTS_INIT                            \
	{                                             \
		NULL, NULL, 0, 0, 0, 0, 0, NULL, 0, 0 \
	}

/*
 * What happened, one call per event: "wrote" (a file of the proposal),
 * "kept" (a file a person edited in review: theirs stays), "branch" (a
 * consumer's honk/<id>), "left-alone", "manual", "check" (a validation
 * check), "test" (a consumer's test), "reused" (validation inputs
 * unchanged), "committed", "unchanged", "pushed".
 * ok is 0 for a failure (a check, a test), 1 otherwise.
 */
typedef void (*honk_gen_cb)(const char *event, const char *subject,
			    const char *detail, int ok, void *payload);

struct honk_gen_result {
	int validated;	 /* validation ran or was reused */
	int failed;	 /* validation failed: exit 1 */
	int wrote;	 /* a ref moved */
	char commit[41]; /* the proposal's new tip, "" if none */
	size_t nmanual;	 /* manual items honk left in the plan */
};

/*
 * One run. HONK_ENOTFOUND when there is no proposal for id,
 * HONK_EINVALID (diagnostics through cb as "invalid") for a bad catalog,
 * plan, rules file or samples, HONK_EBUSY when another honk-gen runs,
 * HONK_ECONFLICT when the branch kept moving.
 */
int honk_gen_run(struct honk_repo *repo, const struct honk_gen_opts *o,
		 honk_gen_cb cb, void *payload, struct honk_gen_result *res);

#endif
