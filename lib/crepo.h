#ifndef HONK_CREPO_H
#define HONK_CREPO_H

#include "catalog.h"
#include "repo.h"

/*
 * A consumer's code repository (its `repo` in the catalog): a path,
 * relative to the catalog's worktree (or git directory, when bare), or a
 * URL. A URL is mirrored in <catalog git dir>/honk/repos/<consumer>.git:
 * its branch and honk/<id> are fetched there (the mirror follows the
 * remote, forced: it is honk's cache), and what honk writes there is
 * pushed back, never forced.
 */
struct honk_crepo {
	struct honk_repo repo; /* .git NULL until opened */
	const struct honk_consumer *co;
	char *branch; /* its branch: `branch`, else its HEAD's, else main */
	int url;
};

/*
 * Open co's repository. A URL's mirror is made when missing (unless
 * no_create: then HONK_ENOTFOUND) and fetched when fetch_id is given
 * (the branch and honk/<fetch_id>). A path that cannot be opened is
 * HONK_ENOTFOUND naming the consumer.
 */
int honk_crepo_open(struct honk_crepo *out, struct honk_repo *catalog,
		    const struct honk_consumer *co, const char *fetch_id,
		    int no_create);

/* Fetch the branch and honk/<id> again (a URL; nothing for a path). */
int honk_crepo_fetch(struct honk_crepo *c, const char *id);

/* Push ref (refs/heads/...) to a URL consumer, never forced. */
int honk_crepo_push(struct honk_crepo *c, const char *ref);

void honk_crepo_close(struct honk_crepo *c);

#endif
