#ifndef HONK_CATALOG_H
#define HONK_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "diag.h"
#include "repo.h"
#include "schema.h"
#include "yaml.h"

/*
 * The catalog: honk.yaml, datasets/<domain>/<name>.yaml and
 * consumers/ (any depth) at one snapshot, loaded, validated and cross-checked.
 * DESIGN section 3 is the contract for every key.
 */

enum honk_policy {
	HONK_POLICY_BACKWARD,
	HONK_POLICY_FORWARD,
	HONK_POLICY_FULL,
	HONK_POLICY_NONE,
	HONK_POLICY_BACKWARD_TRANSITIVE,
	HONK_POLICY_FORWARD_TRANSITIVE,
	HONK_POLICY_FULL_TRANSITIVE,
	HONK_POLICY_UNSET = -1
};
extern const char *const honk_policy_names[];

enum honk_criticality { HONK_CRIT_LOW, HONK_CRIT_MEDIUM, HONK_CRIT_HIGH };
extern const char *const honk_criticality_names[];

enum honk_on_failure { HONK_ON_FAILURE_PAUSE, HONK_ON_FAILURE_ROLLBACK };
extern const char *const honk_on_failure_names[];

enum honk_cmp {
	HONK_CMP_LT,
	HONK_CMP_LE,
	HONK_CMP_GT,
	HONK_CMP_GE,
	HONK_CMP_EQ,
	HONK_CMP_NE
};

struct honk_threshold {
	const char *key;
	enum honk_cmp op;
	double value;
};

struct honk_wave_size {
	int64_t size;
	int percent;
};

/* Which keys of a rollout block were given (overrides merge key by key). */
enum {
	HONK_RO_WAVES = 1 << 0,
	HONK_RO_MAX_PARALLEL = 1 << 1,
	HONK_RO_MAX_FAILURES = 1 << 2,
	HONK_RO_RETRIES = 1 << 3,
	HONK_RO_BACKOFF = 1 << 4,
	HONK_RO_STEP_TIMEOUT = 1 << 5,
	HONK_RO_WAVE_GAP = 1 << 6,
	HONK_RO_ON_FAILURE = 1 << 7,
	HONK_RO_APPLY = 1 << 8,
	HONK_RO_VERIFY = 1 << 9,
	HONK_RO_ROLLBACK = 1 << 10,
	HONK_RO_HEALTH = 1 << 11,
	HONK_RO_NOTIFY = 1 << 12
};

struct honk_argv {
	const char **v;
	size_t n;
};

struct honk_rollout_cfg {
	unsigned set;
	struct honk_wave_size *waves;
	size_t nwaves;
	int64_t max_parallel, max_failures, retries;
	int64_t backoff_ms, step_timeout_ms, wave_gap_ms;
	int wave_gap_manual;
	enum honk_on_failure on_failure;
	struct honk_argv apply, verify, rollback, notify;
	struct {
		struct honk_argv command;
		struct honk_threshold *thresholds;
		size_t nthresholds;
		int64_t interval_ms;
	} health;
};

/* The defaults of DESIGN section 3.1, applied under honk.yaml's values. */
void honk_rollout_cfg_defaults(struct honk_rollout_cfg *cfg);

/*
 * Walk a rollout block (honk.yaml's, a consumer's or a plan's) into cfg;
 * cfg->set says which keys were given, so blocks merge key by key.
 */
int honk_rollout_cfg_parse(struct honk_yctx *c, const struct honk_ynode *n,
			   struct honk_rollout_cfg *cfg);

struct honk_settings {
	int64_t format;	    /* honk: 1 */
	const char *main;   /* branch name */
	const char *remote; /* NULL when none */
	enum honk_policy compatibility;
	struct honk_rollout_cfg rollout;
};

struct honk_version {
	int64_t version;
	const char *location;
	const char *deprecated; /* YYYY-MM-DD or NULL */
	int64_t deprecated_days;
	const char *samples;
	const char *schema_file;
	const char *schema_format;
	struct honk_schema schema;
	unsigned line, col;
};

struct honk_dataset {
	const char *id;
	const char *path;
	const char *owner;
	const char *description;
	enum honk_policy compatibility; /* HONK_POLICY_UNSET: honk.yaml's */
	struct honk_version *versions;
	size_t nversions;
};

struct honk_read {
	const char *dataset;
	int64_t version;
	const char **fields; /* NULL: not declared */
	size_t nfields;
	unsigned line, col;
	unsigned version_line, version_col;
};

struct honk_consumer {
	const char *name;
	const char *path;
	const char *owner;
	enum honk_criticality criticality;
	struct honk_read *reads;
	size_t nreads;
	const char **produces;
	unsigned *produces_pos; /* line, col pairs */
	size_t nproduces;
	const char *repo;
	const char *branch;
	const char **paths;
	size_t npaths;
	struct honk_argv test;
	int64_t wave; /* 0: not pinned */
	int auto_merge;
	struct honk_rollout_cfg rollout; /* overrides; see .set */
	unsigned line, col;
};

struct honk_catalog {
	struct honk_arena arena;
	struct honk_settings settings;
	struct honk_dataset *datasets; /* sorted by id */
	size_t ndatasets;
	struct honk_consumer *consumers; /* sorted by name */
	size_t nconsumers;
	size_t nfiles; /* catalog files read */
};

#define HONK_CATALOG_INIT \
	{                 \
		0         \
	}

/*
 * Load and validate everything at snap. Every problem goes to diags;
 * returns HONK_EINVALID when there was any, another negative code for
 * a git or system failure, 0 for a clean catalog.
 */
int honk_catalog_load(struct honk_catalog *cat, struct honk_repo *repo,
		      struct honk_snapshot *snap, struct honk_diags *diags);
void honk_catalog_release(struct honk_catalog *cat);

/*
 * Load honk.yaml and only the catalog files named (paths under datasets/
 * or consumers/; one that is not at snap is skipped), with every check of
 * honk_catalog_load() among them. For incremental work: the caller names
 * every file the cross-file checks need (the datasets each consumer
 * named reads or produces).
 */
int honk_catalog_load_paths(struct honk_catalog *cat, struct honk_repo *repo,
			    struct honk_snapshot *snap,
			    const char *const *paths, size_t n,
			    struct honk_diags *diags);

/* honk_snapshot_open() then honk_catalog_load(); *snap is the caller's. */
int honk_catalog_open(struct honk_catalog *cat, struct honk_snapshot **snap,
		      struct honk_repo *repo, const struct honk_source *src,
		      struct honk_diags *diags);

/*
 * The same validation over files given as bytes (no repository): for
 * tests, fuzzing and checking single files. Paths decide the kind:
 * "honk.yaml", "datasets/...", "consumers/..."; others are ignored.
 * A schema_file cannot be read this way and is reported missing.
 */
struct honk_catalog_file {
	const char *path;
	const char *data;
	size_t len;
};

int honk_catalog_parse_files(struct honk_catalog *cat,
			     const struct honk_catalog_file *files, size_t n,
			     struct honk_diags *diags);

const struct honk_dataset *honk_catalog_dataset(const struct honk_catalog *cat,
						const char *id);
const struct honk_consumer *
honk_catalog_consumer(const struct honk_catalog *cat, const char *name);
const struct honk_version *honk_dataset_version(const struct honk_dataset *ds,
						int64_t version);

/* The dataset's policy, falling back to honk.yaml's. */
enum honk_policy honk_dataset_policy(const struct honk_catalog *cat,
				     const struct honk_dataset *ds);

#endif
