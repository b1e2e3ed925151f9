#ifndef HONK_NAMES_H
#define HONK_NAMES_H

#include <stddef.h>

#include "buf.h"

/*
 * Names of datasets, consumers, migrations and waves, and everything
 * derived from them. A name matches
 *
 *     [a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)*
 *
 * and is at most HONK_NAME_MAX bytes. File paths, ref names and
 * environment values are built only by the functions below, which refuse
 * anything that is not a valid name, so no caller can smuggle "../", "-rf"
 * or "$(id)" into a path, an argv or a ref.
 */

#define HONK_NAME_MAX 128

/* 1 when s[0..len) is a valid name. */
int honk_name_valid(const char *s, size_t len);

/*
 * 0 when s is a valid name; otherwise HONK_EINVALID with a message saying
 * why, e.g. "invalid dataset name '-rf': must start with [a-z0-9]".
 * `what` is "dataset", "consumer", ...
 */
int honk_name_check(const char *what, const char *s);

/* "datasets/<domain>/<name>.yaml" for the dataset id "<domain>.<name>". */
int honk_path_dataset(struct honk_buf *out, const char *id);

/*
 * The dataset id a catalog path stands for: "datasets/a/b.c.yaml" gives
 * "a.b.c". HONK_EINVALID when the path is not datasets/<d>/<n>.yaml with
 * valid names.
 */
int honk_dataset_id_from_path(struct honk_buf *out, const char *path);

/* "migrations/<id>.yaml" */
int honk_path_migration(struct honk_buf *out, const char *id);

/*
 * "refs/heads/honk/propose/<id>"; HONK_EINVALID also for a valid name
 * git cannot take as a branch (one ending in ".lock").
 */
int honk_ref_proposal(struct honk_buf *out, const char *id);

/* "refs/heads/honk/<id>" (in a consumer repo); as honk_ref_proposal(). */
int honk_ref_consumer_branch(struct honk_buf *out, const char *id);

/* "NAME=value" for the environment of a step; value must be a name. */
int honk_env_entry(struct honk_buf *out, const char *var, const char *value);

/*
 * 1 when s is a branch name git accepts (check-ref-format's rules) and
 * does not start with '-', so it can never be taken for an option.
 */
int honk_branch_name_valid(const char *s);

/* "<dataset>.v<from>-v<to>" */
int honk_migration_id(struct honk_buf *out, const char *dataset, long from,
		      long to);

#endif
