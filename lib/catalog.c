/*
 * Loading and validating the catalog.
 *
 * One pass reads every catalog file from the snapshot (never the
 * worktree), parses it with the strict loader and maps it onto the model
 * through key tables; a second pass checks what spans files: dataset ids
 * against their paths, unique consumer names, reads of datasets and
 * versions that exist, fields that exist in the version read, produced
 * datasets that exist, and no `produces` cycle.
 *
 * Invariants of a loaded catalog: datasets sorted by id, consumers by
 * name, so lookups are binary searches and output is deterministic; every
 * name in it passed the allowlist; all memory belongs to cat->arena.
 * Problems are collected, never fatal: one bad file does not hide the
 * errors of the others.
 *
 * Files are parsed by up to HONK_LOAD_THREADS workers, each with its own
 * arena, diagnostics and parse buffers; their results are spliced into the
 * catalog afterwards and sorted, so the outcome does not depend on the
 * number of workers or their timing.
 */
#include "catalog.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "names.h"
#include "parse.h"
#include "yaml.h"
#include "banned.h"

const char *const honk_policy_names[] = { "backward",
					  "forward",
					  "full",
					  "none",
					  "backward_transitive",
					  "forward_transitive",
					  "full_transitive",
					  NULL };
const char *const honk_criticality_names[] = { "low", "medium", "high", NULL };
const char *const honk_on_failure_names[] = { "pause", "rollback", NULL };

/* Everything one load needs, passed to the key functions as `obj` owners. */
/* One catalog file to load, found by walking the snapshot. */
struct job {
	const char *path;
	git_oid oid;
	unsigned int mode;
	int consumer;
	char *data; /* read ahead (see load_files); freed once parsed */
	size_t len;
	int read_err;
};

struct loadctx {
	struct honk_catalog *cat;
	struct honk_repo *repo;
	struct honk_snapshot *snap;
	struct honk_diags *diags;
	struct honk_buf blob;
	struct honk_buf tmp;
	struct honk_ydoc doc; /* reused for every file */
	const char *data; /* honk_catalog_parse_files(): the bytes, no repo */
	size_t len;
	const struct job *job; /* read ahead by load_files(), or NULL */
	size_t dcap, ccap;
	int sys_err;
};

/* ---- rollout blocks --------------------------------------------------- */

void honk_rollout_cfg_defaults(struct honk_rollout_cfg *cfg)
{
	static struct honk_wave_size waves[] = {
		{ 1, 0 }, { 10, 1 }, { 50, 1 }, { 100, 1 }
	};

	memset(cfg, 0, sizeof(*cfg));
	cfg->waves = waves;
	cfg->nwaves = 4;
	cfg->max_parallel = 4;
	cfg->max_failures = 0;
	cfg->retries = 2;
	cfg->backoff_ms = 30 * 1000;
	cfg->step_timeout_ms = 10 * 60 * 1000;
	cfg->wave_gap_ms = 0;
	cfg->on_failure = HONK_ON_FAILURE_PAUSE;
	cfg->health.interval_ms = 60 * 1000;
}

static int wave_item(struct honk_yctx *c, const struct honk_ynode *n, size_t i,
		     void *obj)
{
	struct honk_rollout_cfg *cfg = obj;
	struct honk_wave_size *w = &cfg->waves[i];

	if (n->type != HONK_YSCALAR || honk_ynode_is_null(n))
		return honk_yerror(c, n, "expected a count or a percentage");
	if (honk_parse_wave_size(&w->size, &w->percent, n->str) < 0)
		return honk_yerror(c, n, "%s", honk_error_last());
	if (i > 0) {
		const struct honk_wave_size *p = &cfg->waves[i - 1];

		if (p->percent == w->percent && w->size <= p->size)
			return honk_yerror(
				c, n,
				"wave sizes are cumulative and must grow: %s after %lld%s",
				n->str, (long long)p->size,
				p->percent ? "%" : "");
		if (p->percent && !w->percent)
			return honk_yerror(
				c, n, "a count cannot follow a percentage");
	}
	return 0;
}

static int k_waves(struct honk_yctx *c, const struct honk_ynode *n, void *obj)
{
	struct honk_rollout_cfg *cfg = obj;

	if (n->type != HONK_YSEQ || n->n == 0)
		return honk_yerror(c, n,
				   "expected a non-empty list of wave sizes");
	cfg->waves = honk_arena_alloc(c->arena, n->n * sizeof(*cfg->waves));
	if (!cfg->waves)
		return HONK_ERROR;
	cfg->nwaves = n->n;
	cfg->set |= HONK_RO_WAVES;
	return honk_yseq_walk(c, n, wave_item, cfg);
}

#define RO_INT(fn, field, bit, lo, hi)                                 \
	static int fn(struct honk_yctx *c, const struct honk_ynode *n, \
		      void *obj)                                       \
	{                                                              \
		struct honk_rollout_cfg *cfg = obj;                    \
		cfg->set |= bit;                                       \
		return honk_y_int(c, n, lo, hi, &cfg->field);          \
	}
RO_INT(k_max_parallel, max_parallel, HONK_RO_MAX_PARALLEL, 1, 10000)
RO_INT(k_max_failures, max_failures, HONK_RO_MAX_FAILURES, 0, 10000000)
RO_INT(k_retries, retries, HONK_RO_RETRIES, 0, 100)

#define RO_DUR(fn, field, bit)                                         \
	static int fn(struct honk_yctx *c, const struct honk_ynode *n, \
		      void *obj)                                       \
	{                                                              \
		struct honk_rollout_cfg *cfg = obj;                    \
		cfg->set |= bit;                                       \
		return honk_y_duration(c, n, &cfg->field);             \
	}
RO_DUR(k_backoff, backoff_ms, HONK_RO_BACKOFF)
RO_DUR(k_step_timeout, step_timeout_ms, HONK_RO_STEP_TIMEOUT)

static int k_wave_gap(struct honk_yctx *c, const struct honk_ynode *n,
		      void *obj)
{
	struct honk_rollout_cfg *cfg = obj;

	cfg->set |= HONK_RO_WAVE_GAP;
	if (n->type == HONK_YSCALAR && !strcmp(n->str, "manual")) {
		cfg->wave_gap_manual = 1;
		return 0;
	}
	return honk_y_duration(c, n, &cfg->wave_gap_ms);
}

static int k_on_failure(struct honk_yctx *c, const struct honk_ynode *n,
			void *obj)
{
	struct honk_rollout_cfg *cfg = obj;
	int v;

	cfg->set |= HONK_RO_ON_FAILURE;
	if (honk_y_enum(c, n, honk_on_failure_names, &v) < 0)
		return HONK_EINVALID;
	cfg->on_failure = (enum honk_on_failure)v;
	return 0;
}

#define RO_ARGV(fn, field, bit)                                         \
	static int fn(struct honk_yctx *c, const struct honk_ynode *n,  \
		      void *obj)                                        \
	{                                                               \
		struct honk_rollout_cfg *cfg = obj;                     \
		cfg->set |= bit;                                        \
		return honk_y_argv(c, n, &cfg->field.v, &cfg->field.n); \
	}
RO_ARGV(k_apply, apply, HONK_RO_APPLY)
RO_ARGV(k_verify, verify, HONK_RO_VERIFY)
RO_ARGV(k_rollback, rollback, HONK_RO_ROLLBACK)
RO_ARGV(k_notify, notify, HONK_RO_NOTIFY)

static int k_h_command(struct honk_yctx *c, const struct honk_ynode *n,
		       void *obj)
{
	struct honk_rollout_cfg *cfg = obj;

	return honk_y_argv(c, n, &cfg->health.command.v,
			   &cfg->health.command.n);
}

static int parse_threshold(struct honk_yctx *c, const struct honk_ynode *n,
			   struct honk_threshold *t)
{
	static const struct {
		const char *s;
		enum honk_cmp op;
	} ops[] = { { "<=", HONK_CMP_LE }, { ">=", HONK_CMP_GE },
		    { "==", HONK_CMP_EQ }, { "!=", HONK_CMP_NE },
		    { "<", HONK_CMP_LT },  { ">", HONK_CMP_GT } };
	const char *p;
	char *end;
	size_t i;

	if (n->type != HONK_YSCALAR || honk_ynode_is_null(n))
		return honk_yerror(c, n,
				   "expected a condition such as \"< 0.85\"");
	p = n->str;
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strncmp(p, ops[i].s, strlen(ops[i].s)))
			break;
	if (i == sizeof(ops) / sizeof(ops[0]))
		return honk_yerror(
			c, n,
			"condition '%s' must start with <, <=, >, >=, == or !=",
			n->str);
	t->op = ops[i].op;
	p += strlen(ops[i].s);
	while (*p == ' ')
		p++;
	errno = 0;
	t->value = strtod(p, &end);
	if (!*p || *end || errno || !isfinite(t->value))
		return honk_yerror(c, n, "condition '%s' needs a finite number",
				   n->str);
	return 0;
}

static int k_h_thresholds(struct honk_yctx *c, const struct honk_ynode *n,
			  void *obj)
{
	struct honk_rollout_cfg *cfg = obj;
	const struct honk_ynode *k;
	size_t i = 0;

	if (n->type != HONK_YMAP)
		return honk_yerror(c, n,
				   "expected a mapping of metric: condition");
	cfg->health.thresholds = honk_arena_alloc(
		c->arena, (n->n ? n->n : 1) * sizeof(*cfg->health.thresholds));
	if (!cfg->health.thresholds)
		return HONK_ERROR;
	for (k = n->first; k && k->next; k = k->next->next) {
		struct honk_threshold *t = &cfg->health.thresholds[i];

		if (honk_name_check("metric", k->str) < 0) {
			honk_yerror(c, k, "%s", honk_error_last());
			continue;
		}
		t->key = honk_arena_strdup(c->arena, k->str);
		if (parse_threshold(c, k->next, t) == 0)
			i++;
	}
	cfg->health.nthresholds = i;
	return 0;
}

static int k_h_interval(struct honk_yctx *c, const struct honk_ynode *n,
			void *obj)
{
	return honk_y_duration(
		c, n, &((struct honk_rollout_cfg *)obj)->health.interval_ms);
}

static const struct honk_ykey health_keys[] = {
	{ "command", HONK_YKEY_REQUIRED, k_h_command },
	{ "thresholds", 0, k_h_thresholds },
	{ "interval", 0, k_h_interval },
};

static int k_health(struct honk_yctx *c, const struct honk_ynode *n, void *obj)
{
	struct honk_rollout_cfg *cfg = obj;

	cfg->set |= HONK_RO_HEALTH;
	return honk_ymap_walk(c, n, "health", health_keys,
			      sizeof(health_keys) / sizeof(health_keys[0]),
			      cfg);
}

static const struct honk_ykey rollout_keys[] = {
	{ "waves", 0, k_waves },
	{ "max_parallel", 0, k_max_parallel },
	{ "max_failures", 0, k_max_failures },
	{ "retries", 0, k_retries },
	{ "backoff", 0, k_backoff },
	{ "step_timeout", 0, k_step_timeout },
	{ "wave_gap", 0, k_wave_gap },
	{ "on_failure", 0, k_on_failure },
	{ "apply", 0, k_apply },
	{ "verify", 0, k_verify },
	{ "rollback", 0, k_rollback },
	{ "health", 0, k_health },
	{ "notify", 0, k_notify },
};

int honk_rollout_cfg_parse(struct honk_yctx *c, const struct honk_ynode *n,
			   struct honk_rollout_cfg *cfg)
{
	return honk_ymap_walk(c, n, "rollout", rollout_keys,
			      sizeof(rollout_keys) / sizeof(rollout_keys[0]),
			      cfg);
}

/* ---- honk.yaml -------------------------------------------------------- */

static int k_s_honk(struct honk_yctx *c, const struct honk_ynode *n, void *obj)
{
	struct honk_settings *s = obj;

	if (honk_y_int(c, n, 0, 1000000, &s->format) < 0)
		return HONK_EINVALID;
	if (s->format != 1)
		return honk_yerror(
			c, n,
			"format version %lld is not supported (this honk reads version 1)",
			(long long)s->format);
	return 0;
}

static int k_s_main(struct honk_yctx *c, const struct honk_ynode *n, void *obj)
{
	const char **branch = &((struct honk_settings *)obj)->main;

	if (honk_y_name(c, n, "branch", branch) < 0)
		return HONK_EINVALID;
	if (!honk_branch_name_valid(*branch))
		return honk_yerror(c, n, "'%s' is not a valid branch name",
				   *branch);
	return 0;
}

static int k_s_remote(struct honk_yctx *c, const struct honk_ynode *n,
		      void *obj)
{
	return honk_y_name(c, n, "remote",
			   &((struct honk_settings *)obj)->remote);
}

static int y_policy(struct honk_yctx *c, const struct honk_ynode *n,
		    enum honk_policy *out)
{
	int v;

	if (honk_y_enum(c, n, honk_policy_names, &v) < 0)
		return HONK_EINVALID;
	*out = (enum honk_policy)v;
	return 0;
}

static int k_s_compat(struct honk_yctx *c, const struct honk_ynode *n,
		      void *obj)
{
	return y_policy(c, n, &((struct honk_settings *)obj)->compatibility);
}

static int k_s_rollout(struct honk_yctx *c, const struct honk_ynode *n,
		       void *obj)
{
	return honk_rollout_cfg_parse(c, n,
				      &((struct honk_settings *)obj)->rollout);
}

static const struct honk_ykey settings_keys[] = {
	{ "honk", HONK_YKEY_REQUIRED, k_s_honk },
	{ "main", 0, k_s_main },
	{ "remote", 0, k_s_remote },
	{ "compatibility", 0, k_s_compat },
	{ "rollout", 0, k_s_rollout },
};

/* ---- datasets --------------------------------------------------------- */

struct version_ctx {
	struct loadctx *l;
	struct honk_version *v;
	const struct honk_ynode *node;
};

static int k_v_version(struct honk_yctx *c, const struct honk_ynode *n,
		       void *obj)
{
	struct version_ctx *vc = obj;

	return honk_y_int(c, n, 0, 1000000000, &vc->v->version);
}

static int k_v_location(struct honk_yctx *c, const struct honk_ynode *n,
			void *obj)
{
	struct version_ctx *vc = obj;

	return honk_y_str(c, n, &vc->v->location);
}

static int k_v_deprecated(struct honk_yctx *c, const struct honk_ynode *n,
			  void *obj)
{
	struct version_ctx *vc = obj;

	if (honk_y_date(c, n, &vc->v->deprecated_days) < 0)
		return HONK_EINVALID;
	return honk_y_str(c, n, &vc->v->deprecated);
}

/* A path inside the catalog repository: relative, no "..", no ".git". */
static int y_repo_path(struct honk_yctx *c, const struct honk_ynode *n,
		       const char **out)
{
	const char *p, *s;

	if (honk_y_str(c, n, out) < 0)
		return HONK_EINVALID;
	s = *out;
	if (!*s || *s == '/' || *s == '-')
		goto bad;
	for (p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == '\\')
			goto bad;
	for (p = s; p; p = strchr(p, '/')) {
		if (*p == '/')
			p++;
		if (!strncmp(p, "..", 2) && (p[2] == '/' || !p[2]))
			goto bad;
		if (!strncmp(p, ".git", 4) && (p[4] == '/' || !p[4]))
			goto bad;
		if (*p == '/' || !*p || (p[0] == '.' && (p[1] == '/' || !p[1])))
			goto bad;
	}
	return 0;
bad:
	*out = NULL;
	return honk_yerror(
		c, n, "'%s' must be a relative path inside the repository", s);
}

static int k_v_samples(struct honk_yctx *c, const struct honk_ynode *n,
		       void *obj)
{
	return y_repo_path(c, n, &((struct version_ctx *)obj)->v->samples);
}

static int k_v_schema(struct honk_yctx *c, const struct honk_ynode *n,
		      void *obj)
{
	struct version_ctx *vc = obj;

	return honk_schema_from_yaml(&vc->v->schema, c, n);
}

static int k_v_schema_file(struct honk_yctx *c, const struct honk_ynode *n,
			   void *obj)
{
	return y_repo_path(c, n, &((struct version_ctx *)obj)->v->schema_file);
}

static int k_v_schema_format(struct honk_yctx *c, const struct honk_ynode *n,
			     void *obj)
{
	struct version_ctx *vc = obj;
	int v;

	if (honk_y_enum(c, n, honk_schema_formats, &v) < 0)
		return HONK_EINVALID;
	vc->v->schema_format = honk_schema_formats[v];
	return 0;
}

static const struct honk_ykey version_keys[] = {
	{ "version", HONK_YKEY_REQUIRED, k_v_version },
	{ "location", 0, k_v_location },
	{ "deprecated", 0, k_v_deprecated },
	{ "samples", 0, k_v_samples },
	{ "schema", 0, k_v_schema },
	{ "schema_file", 0, k_v_schema_file },
	{ "schema_format", 0, k_v_schema_format },
};

static void load_schema_file(struct loadctx *l, struct honk_yctx *c,
			     struct version_ctx *vc)
{
	const struct honk_ynode *at = honk_ymap_get(vc->node, "schema_file");
	const struct honk_importer *imp;
	struct honk_version *v = vc->v;
	int err;

	imp = honk_importer_find(v->schema_format, v->schema_file);
	if (!imp) {
		if (v->schema_format)
			honk_yerror(
				c, honk_ymap_get(vc->node, "schema_format"),
				"schema format '%s' has no importer in this version of honk",
				v->schema_format);
		else
			honk_yerror(
				c, at,
				"cannot tell the format of '%s': set schema_format",
				v->schema_file);
		return;
	}
	honk_buf_reset(&l->tmp);
	err = l->snap ? honk_snapshot_read(&l->tmp, l->snap, v->schema_file)
		      : HONK_ENOTFOUND;
	if (err == HONK_ENOTFOUND) {
		honk_yerror(c, at, "schema file '%s' does not exist",
			    v->schema_file);
		return;
	} else if (err < 0) {
		honk_yerror(c, at, "cannot read '%s': %s", v->schema_file,
			    honk_error_last());
		if (err != HONK_ELIMIT)
			l->sys_err = err;
		return;
	}
	l->cat->nfiles++;
	imp->import(&v->schema, c->arena, v->schema_file, l->tmp.buf,
		    l->tmp.len, l->diags);
}

struct dataset_ctx {
	struct loadctx *l;
	struct honk_dataset *ds;
	const struct honk_ynode *node;
};

static int version_item(struct honk_yctx *c, const struct honk_ynode *n,
			size_t i, void *obj)
{
	struct dataset_ctx *dc = obj;
	struct version_ctx vc;
	int err;

	vc.l = dc->l;
	vc.v = &dc->ds->versions[i];
	vc.node = n;
	vc.v->line = n->line;
	vc.v->col = n->col;
	vc.v->version = -1;
	err = honk_ymap_walk(c, n, "a version", version_keys,
			     sizeof(version_keys) / sizeof(version_keys[0]),
			     &vc);
	if (n->type != HONK_YMAP)
		return err;
	if (honk_ymap_get(n, "schema") && honk_ymap_get(n, "schema_file"))
		honk_yerror(
			c, honk_ymap_get(n, "schema_file"),
			"a version has either 'schema' or 'schema_file', not both");
	else if (!honk_ymap_get(n, "schema") &&
		 !honk_ymap_get(n, "schema_file"))
		honk_yerror(c, n, "a version needs 'schema' or 'schema_file'");
	if (honk_ymap_get(n, "schema_format") &&
	    !honk_ymap_get(n, "schema_file"))
		honk_yerror(c, honk_ymap_get(n, "schema_format"),
			    "'schema_format' goes with 'schema_file'");
	if (vc.v->schema_file && !honk_ymap_get(n, "schema"))
		load_schema_file(vc.l, c, &vc);
	return err;
}

static int k_d_dataset(struct honk_yctx *c, const struct honk_ynode *n,
		       void *obj)
{
	struct dataset_ctx *dc = obj;
	const char *id;

	if (honk_y_name(c, n, "dataset", &id) < 0)
		return HONK_EINVALID;
	if (strcmp(id, dc->ds->id) != 0)
		return honk_yerror(
			c, n,
			"dataset '%s' does not match its file, which says '%s'",
			id, dc->ds->id);
	return 0;
}

static int k_d_owner(struct honk_yctx *c, const struct honk_ynode *n, void *obj)
{
	return honk_y_name(c, n, "owner",
			   &((struct dataset_ctx *)obj)->ds->owner);
}

static int k_d_description(struct honk_yctx *c, const struct honk_ynode *n,
			   void *obj)
{
	return honk_y_str(c, n, &((struct dataset_ctx *)obj)->ds->description);
}

static int k_d_compat(struct honk_yctx *c, const struct honk_ynode *n,
		      void *obj)
{
	return y_policy(c, n, &((struct dataset_ctx *)obj)->ds->compatibility);
}

static int k_d_versions(struct honk_yctx *c, const struct honk_ynode *n,
			void *obj)
{
	struct dataset_ctx *dc = obj;
	struct honk_dataset *ds = dc->ds;
	const struct honk_ynode *it;
	size_t i;
	int err;

	if (n->type != HONK_YSEQ || n->n == 0)
		return honk_yerror(c, n,
				   "expected a non-empty list of versions");
	ds->versions = honk_arena_alloc(c->arena, n->n * sizeof(*ds->versions));
	if (!ds->versions)
		return HONK_ERROR;
	ds->nversions = n->n;
	err = honk_yseq_walk(c, n, version_item, dc);
	for (i = 0, it = n->first; i < ds->nversions; i++, it = it->next) {
		struct honk_version *v = &ds->versions[i];
		const struct honk_ynode *vn = honk_ymap_get(it, "version");

		if (i == 0 || v->version < 0 || ds->versions[i - 1].version < 0)
			continue;
		if (v->version == ds->versions[i - 1].version)
			honk_yerror(c, vn ? vn : it, "duplicate version %lld",
				    (long long)v->version);
		else if (v->version < ds->versions[i - 1].version)
			honk_yerror(
				c, vn ? vn : it,
				"versions must be listed in ascending order: %lld after %lld",
				(long long)v->version,
				(long long)ds->versions[i - 1].version);
	}
	return err;
}

static const struct honk_ykey dataset_keys[] = {
	{ "dataset", HONK_YKEY_REQUIRED, k_d_dataset },
	{ "owner", 0, k_d_owner },
	{ "description", 0, k_d_description },
	{ "compatibility", 0, k_d_compat },
	{ "versions", HONK_YKEY_REQUIRED, k_d_versions },
};

/* ---- consumers -------------------------------------------------------- */

static int k_r_dataset(struct honk_yctx *c, const struct honk_ynode *n,
		       void *obj)
{
	return honk_y_name(c, n, "dataset",
			   &((struct honk_read *)obj)->dataset);
}

static int k_r_version(struct honk_yctx *c, const struct honk_ynode *n,
		       void *obj)
{
	struct honk_read *r = obj;

	r->version_line = n->line;
	r->version_col = n->col;
	return honk_y_int(c, n, 0, 1000000000, &r->version);
}

static int k_r_fields(struct honk_yctx *c, const struct honk_ynode *n,
		      void *obj)
{
	struct honk_read *r = obj;
	size_t i;

	if (honk_y_strlist(c, n, &r->fields, &r->nfields) < 0)
		return HONK_EINVALID;
	if (!r->fields)
		r->fields = honk_arena_alloc(c->arena, sizeof(*r->fields));
	for (i = 0; i < r->nfields; i++) {
		const char *f = r->fields[i];

		/* dotted paths of field names */
		if (honk_name_check("field", f) < 0) {
			const struct honk_ynode *it = n->first;
			size_t j;

			for (j = 0; j < i; j++)
				it = it->next;
			honk_yerror(c, it, "%s", honk_error_last());
		}
	}
	return 0;
}

static const struct honk_ykey read_keys[] = {
	{ "dataset", HONK_YKEY_REQUIRED, k_r_dataset },
	{ "version", HONK_YKEY_REQUIRED, k_r_version },
	{ "fields", 0, k_r_fields },
};

static int read_item(struct honk_yctx *c, const struct honk_ynode *n, size_t i,
		     void *obj)
{
	struct honk_consumer *co = obj;
	struct honk_read *r = &co->reads[i];

	r->line = n->line;
	r->col = n->col;
	r->version = -1;
	return honk_ymap_walk(c, n, "a read", read_keys,
			      sizeof(read_keys) / sizeof(read_keys[0]), r);
}

struct consumer_ctx {
	struct honk_consumer *co;
	const char *expected; /* name from the file path */
};

static int k_c_consumer(struct honk_yctx *c, const struct honk_ynode *n,
			void *obj)
{
	struct consumer_ctx *cc = obj;

	if (honk_y_name(c, n, "consumer", &cc->co->name) < 0)
		return HONK_EINVALID;
	if (strcmp(cc->co->name, cc->expected) != 0)
		return honk_yerror(
			c, n,
			"consumer '%s' does not match its file name '%s.yaml'",
			cc->co->name, cc->expected);
	return 0;
}

static int k_c_owner(struct honk_yctx *c, const struct honk_ynode *n, void *obj)
{
	return honk_y_name(c, n, "owner",
			   &((struct consumer_ctx *)obj)->co->owner);
}

static int k_c_crit(struct honk_yctx *c, const struct honk_ynode *n, void *obj)
{
	int v;

	if (honk_y_enum(c, n, honk_criticality_names, &v) < 0)
		return HONK_EINVALID;
	((struct consumer_ctx *)obj)->co->criticality =
		(enum honk_criticality)v;
	return 0;
}

static int k_c_reads(struct honk_yctx *c, const struct honk_ynode *n, void *obj)
{
	struct honk_consumer *co = ((struct consumer_ctx *)obj)->co;

	if (n->type != HONK_YSEQ || n->n == 0)
		return honk_yerror(c, n, "expected a non-empty list of reads");
	co->reads = honk_arena_alloc(c->arena, n->n * sizeof(*co->reads));
	if (!co->reads)
		return HONK_ERROR;
	co->nreads = n->n;
	return honk_yseq_walk(c, n, read_item, co);
}

static int k_c_produces(struct honk_yctx *c, const struct honk_ynode *n,
			void *obj)
{
	struct honk_consumer *co = ((struct consumer_ctx *)obj)->co;
	const struct honk_ynode *it;
	size_t i = 0;

	if (n->type != HONK_YSEQ)
		return honk_yerror(c, n, "expected a list of datasets");
	co->produces =
		honk_arena_alloc(c->arena, (n->n + 1) * sizeof(*co->produces));
	co->produces_pos =
		honk_arena_alloc(c->arena, (2 * n->n + 1) * sizeof(unsigned));
	if (!co->produces || !co->produces_pos)
		return HONK_ERROR;
	for (it = n->first; it; it = it->next) {
		if (honk_y_name(c, it, "dataset", &co->produces[i]) < 0)
			continue;
		co->produces_pos[2 * i] = it->line;
		co->produces_pos[2 * i + 1] = it->col;
		i++;
	}
	co->nproduces = i;
	return 0;
}

static int k_c_repo(struct honk_yctx *c, const struct honk_ynode *n, void *obj)
{
	struct honk_consumer *co = ((struct consumer_ctx *)obj)->co;
	const char *p;

	if (honk_y_str(c, n, &co->repo) < 0)
		return HONK_EINVALID;
	if (!*co->repo || co->repo[0] == '-')
		return honk_yerror(
			c, n,
			"repo '%s' must be a URL or a path, not an option",
			co->repo);
	for (p = co->repo; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return honk_yerror(
				c, n,
				"repo must not contain control characters");
	return 0;
}

static int k_c_branch(struct honk_yctx *c, const struct honk_ynode *n,
		      void *obj)
{
	struct honk_consumer *co = ((struct consumer_ctx *)obj)->co;

	if (honk_y_str(c, n, &co->branch) < 0)
		return HONK_EINVALID;
	if (!honk_branch_name_valid(co->branch))
		return honk_yerror(c, n, "'%s' is not a valid branch name",
				   co->branch);
	return 0;
}

static int k_c_paths(struct honk_yctx *c, const struct honk_ynode *n, void *obj)
{
	struct honk_consumer *co = ((struct consumer_ctx *)obj)->co;
	const struct honk_ynode *it;
	size_t i;

	if (honk_y_strlist(c, n, &co->paths, &co->npaths) < 0)
		return HONK_EINVALID;
	for (i = 0, it = n->first; i < co->npaths; i++, it = it->next) {
		const char *p = co->paths[i];

		if (!*p || *p == '/' || !strncmp(p, "../", 3) ||
		    strstr(p, "/../") || !strcmp(p, ".."))
			honk_yerror(
				c, it,
				"path pattern '%s' must stay inside the repository",
				p);
	}
	return 0;
}

static int k_c_test(struct honk_yctx *c, const struct honk_ynode *n, void *obj)
{
	struct honk_consumer *co = ((struct consumer_ctx *)obj)->co;

	return honk_y_argv(c, n, &co->test.v, &co->test.n);
}

static int k_c_wave(struct honk_yctx *c, const struct honk_ynode *n, void *obj)
{
	return honk_y_int(c, n, 1, 1000,
			  &((struct consumer_ctx *)obj)->co->wave);
}

static int k_c_auto_merge(struct honk_yctx *c, const struct honk_ynode *n,
			  void *obj)
{
	return honk_y_bool(c, n, &((struct consumer_ctx *)obj)->co->auto_merge);
}

static int k_c_rollout(struct honk_yctx *c, const struct honk_ynode *n,
		       void *obj)
{
	return honk_rollout_cfg_parse(
		c, n, &((struct consumer_ctx *)obj)->co->rollout);
}

static const struct honk_ykey consumer_keys[] = {
	{ "consumer", HONK_YKEY_REQUIRED, k_c_consumer },
	{ "owner", 0, k_c_owner },
	{ "criticality", 0, k_c_crit },
	{ "reads", HONK_YKEY_REQUIRED, k_c_reads },
	{ "produces", 0, k_c_produces },
	{ "repo", 0, k_c_repo },
	{ "branch", 0, k_c_branch },
	{ "paths", 0, k_c_paths },
	{ "test", 0, k_c_test },
	{ "wave", 0, k_c_wave },
	{ "auto_merge", 0, k_c_auto_merge },
	{ "rollout", 0, k_c_rollout },
};

/* ---- files ------------------------------------------------------------ */

/* Parse one catalog file's bytes; *root NULL when it could not be used. */
static int parse_bytes(struct loadctx *l, struct honk_ydoc *doc,
		       const char *path, const char *data, size_t len,
		       const struct honk_ynode **root)
{
	int err;

	*root = NULL;
	l->cat->nfiles++;
	/* bad YAML is a diagnostic; anything else (memory) stops the load */
	if ((err = honk_ydoc_parse(doc, path, data, len, NULL, l->diags)) < 0) {
		if (err == HONK_EINVALID || err == HONK_ELIMIT)
			return HONK_EINVALID;
		l->sys_err = err;
		return err;
	}
	if (!doc->root)
		return honk_diag_add(l->diags, path, 1, 1, "file is empty");
	if (doc->root->type != HONK_YMAP)
		return honk_diag_add(
			l->diags, path, doc->root->line, doc->root->col,
			"expected a mapping at the top of the file");
	*root = doc->root;
	return 0;
}

/* Read a blob, or take the bytes given to honk_catalog_add_file(). */
static int parse_file(struct loadctx *l, struct honk_ydoc *doc,
		      const char *path, const git_oid *blob,
		      const struct honk_ynode **root)
{
	int err;

	*root = NULL;
	if (!blob)
		return parse_bytes(l, doc, path, l->data, l->len, root);
	if (l->job) {
		/* read ahead, with what reading it said */
		err = l->job->read_err;
		if (err == 0)
			return parse_bytes(l, doc, path, l->job->data,
					   l->job->len, root);
	} else {
		honk_buf_reset(&l->blob);
		err = honk_repo_read_blob(&l->blob, l->repo, blob);
	}
	if (err == HONK_ELIMIT)
		return honk_diag_add(
			l->diags, path, 1, 1,
			"file is larger than the limit of %u bytes",
			HONK_YAML_MAX_SIZE);
	if (err < 0) {
		l->sys_err = err;
		return err;
	}
	return parse_bytes(l, doc, path, l->blob.buf, l->blob.len, root);
}

static int is_yaml_path(struct loadctx *l, const char *path, unsigned mode)
{
	size_t len = strlen(path);

	if (len > 4 && !strcmp(path + len - 4, ".yml")) {
		honk_diag_add(l->diags, path, 1, 1,
			      "catalog files end in .yaml, not .yml");
		return 0;
	}
	if (len <= 5 || strcmp(path + len - 5, ".yaml") != 0)
		return 0;
	if (mode == GIT_FILEMODE_LINK) {
		honk_diag_add(l->diags, path, 1, 1,
			      "catalog files must not be symbolic links");
		return 0;
	}
	return mode == GIT_FILEMODE_BLOB ||
	       mode == GIT_FILEMODE_BLOB_EXECUTABLE;
}

/*
 * A dataset's migration ids, <id>.v<from>-v<to>, are names too: an id so
 * long that they cannot be made would stop every detection run, so it is
 * refused here. The longest is from the last but one version to the last.
 */
static void migration_ids_fit(struct honk_yctx *c,
			      const struct honk_ynode *root,
			      const struct honk_dataset *ds)
{
	struct honk_buf id = HONK_BUF_INIT;
	const struct honk_version *a, *b;
	const struct honk_ynode *at;

	if (!ds->id || ds->nversions < 2)
		return;
	a = &ds->versions[ds->nversions - 2];
	b = &ds->versions[ds->nversions - 1];
	if (a->version >= 0 && b->version > a->version &&
	    honk_migration_id(&id, ds->id, (long)a->version,
			      (long)b->version) == HONK_EINVALID) {
		at = honk_ymap_get(root, "dataset");
		honk_yerror(c, at ? at : root,
			    "dataset id too long for its migration ids: %s",
			    honk_error_last());
	}
	honk_buf_release(&id);
}

static int load_dataset(const char *path, const git_oid *blob,
			unsigned int mode, void *payload)
{
	struct loadctx *l = payload;
	struct honk_catalog *cat = l->cat;
	struct honk_ydoc *doc = &l->doc;
	const struct honk_ynode *root;
	struct honk_dataset *ds;
	struct dataset_ctx dc;
	struct honk_yctx c;

	if (!is_yaml_path(l, path, mode))
		return 0;
	if (honk_dataset_id_from_path(&l->tmp, path) < 0) {
		honk_diag_add(l->diags, path, 1, 1, "%s", honk_error_last());
		return 0;
	}
	if (honk_arena_reserve(&cat->arena, &cat->datasets, cat->ndatasets,
			       &l->dcap, sizeof(*cat->datasets)) < 0)
		return HONK_ERROR;
	ds = &cat->datasets[cat->ndatasets];
	memset(ds, 0, sizeof(*ds));
	ds->id = honk_arena_strdup(&cat->arena, l->tmp.buf);
	ds->path = honk_arena_strdup(&cat->arena, path);
	ds->compatibility = HONK_POLICY_UNSET;
	if (!ds->id || !ds->path)
		return HONK_ERROR;
	if (parse_file(l, doc, path, blob, &root) == 0) {
		honk_yctx_init(&c, ds->path, l->diags, &cat->arena);
		dc.l = l;
		dc.ds = ds;
		dc.node = root;
		honk_ymap_walk(&c, root, "a dataset", dataset_keys,
			       sizeof(dataset_keys) / sizeof(dataset_keys[0]),
			       &dc);
		migration_ids_fit(&c, root, ds);
		/* keep it even if broken: consumers referring to it are fine */
		cat->ndatasets++;
	}
	return l->sys_err;
}

static int load_consumer(const char *path, const git_oid *blob,
			 unsigned int mode, void *payload)
{
	struct loadctx *l = payload;
	struct honk_catalog *cat = l->cat;
	struct honk_ydoc *doc = &l->doc;
	const struct honk_ynode *root;
	struct honk_consumer *co;
	struct consumer_ctx cc;
	struct honk_yctx c;
	const char *base;
	size_t blen;

	if (!is_yaml_path(l, path, mode))
		return 0;
	base = strrchr(path, '/') + 1;
	blen = strlen(base) - 5;
	if (!honk_name_valid(base, blen)) {
		char *name = honk_arena_strndup(&cat->arena, base, blen);

		honk_name_check("consumer", name ? name : "");
		honk_diag_add(l->diags, path, 1, 1, "%s", honk_error_last());
		return 0;
	}
	if (honk_arena_reserve(&cat->arena, &cat->consumers, cat->nconsumers,
			       &l->ccap, sizeof(*cat->consumers)) < 0)
		return HONK_ERROR;
	co = &cat->consumers[cat->nconsumers];
	memset(co, 0, sizeof(*co));
	co->path = honk_arena_strdup(&cat->arena, path);
	cc.co = co;
	cc.expected = honk_arena_strndup(&cat->arena, base, blen);
	if (!co->path || !cc.expected)
		return HONK_ERROR;
	co->name = cc.expected;
	if (parse_file(l, doc, path, blob, &root) == 0) {
		co->line = root->line;
		co->col = root->col;
		honk_yctx_init(&c, co->path, l->diags, &cat->arena);
		honk_ymap_walk(&c, root, "a consumer", consumer_keys,
			       sizeof(consumer_keys) / sizeof(consumer_keys[0]),
			       &cc);
		co->name = cc.expected;
		cat->nconsumers++;
	}
	return l->sys_err;
}

static int parse_settings(struct loadctx *l, const char *data, size_t len)
{
	struct honk_catalog *cat = l->cat;
	struct honk_ydoc doc = HONK_YDOC_INIT;
	const struct honk_ynode *root;
	struct honk_yctx c;

	if (parse_bytes(l, &doc, "honk.yaml", data, len, &root) == 0) {
		honk_yctx_init(&c, "honk.yaml", l->diags, &cat->arena);
		honk_ymap_walk(&c, root, "honk.yaml", settings_keys,
			       sizeof(settings_keys) / sizeof(settings_keys[0]),
			       &cat->settings);
	}
	honk_ydoc_release(&doc);
	return l->sys_err;
}

static int load_settings(struct loadctx *l)
{
	int err;

	honk_buf_reset(&l->blob);
	err = honk_snapshot_read(&l->blob, l->snap, "honk.yaml");
	if (err == HONK_ENOTFOUND)
		return honk_diag_add(
			l->diags, "honk.yaml", 1, 1,
			"not a honk catalog: no honk.yaml at the top of the repository");
	if (err == HONK_ELIMIT)
		return honk_diag_add(
			l->diags, "honk.yaml", 1, 1,
			"file is larger than the limit of %u bytes",
			HONK_YAML_MAX_SIZE);
	if (err < 0)
		return l->sys_err = err;
	return parse_settings(l, l->blob.buf, l->blob.len);
}

/* ---- cross-file checks ----------------------------------------------- */

static int cmp_dataset(const void *a, const void *b)
{
	return strcmp(((const struct honk_dataset *)a)->id,
		      ((const struct honk_dataset *)b)->id);
}

static int cmp_consumer(const void *a, const void *b)
{
	const struct honk_consumer *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : strcmp(x->path, y->path);
}

static int key_dataset(const void *key, const void *elem)
{
	return strcmp(key, ((const struct honk_dataset *)elem)->id);
}

static int key_consumer(const void *key, const void *elem)
{
	return strcmp(key, ((const struct honk_consumer *)elem)->name);
}

const struct honk_dataset *honk_catalog_dataset(const struct honk_catalog *cat,
						const char *id)
{
	if (!cat->ndatasets)
		return NULL;
	return bsearch(id, cat->datasets, cat->ndatasets,
		       sizeof(*cat->datasets), key_dataset);
}

const struct honk_consumer *
honk_catalog_consumer(const struct honk_catalog *cat, const char *name)
{
	if (!cat->nconsumers)
		return NULL;
	return bsearch(name, cat->consumers, cat->nconsumers,
		       sizeof(*cat->consumers), key_consumer);
}

const struct honk_version *honk_dataset_version(const struct honk_dataset *ds,
						int64_t version)
{
	size_t i;

	for (i = 0; i < ds->nversions; i++)
		if (ds->versions[i].version == version)
			return &ds->versions[i];
	return NULL;
}

enum honk_policy honk_dataset_policy(const struct honk_catalog *cat,
				     const struct honk_dataset *ds)
{
	return ds->compatibility != HONK_POLICY_UNSET
		       ? ds->compatibility
		       : cat->settings.compatibility;
}

static void check_reads(struct loadctx *l)
{
	struct honk_catalog *cat = l->cat;
	size_t i, j, k;

	for (i = 0; i < cat->nconsumers; i++) {
		const struct honk_consumer *co = &cat->consumers[i];

		if (i > 0 && !strcmp(co->name, cat->consumers[i - 1].name))
			honk_diag_add(l->diags, co->path, co->line, co->col,
				      "consumer '%s' is also defined in %s",
				      co->name, cat->consumers[i - 1].path);
		for (j = 0; j < co->nreads; j++) {
			const struct honk_read *r = &co->reads[j];
			const struct honk_dataset *ds;
			const struct honk_version *v;

			if (!r->dataset || r->version < 0)
				continue;
			ds = honk_catalog_dataset(cat, r->dataset);
			if (!ds) {
				honk_diag_add(
					l->diags, co->path, r->line, r->col,
					"reads dataset '%s', which is not in the catalog",
					r->dataset);
				continue;
			}
			v = honk_dataset_version(ds, r->version);
			if (!v) {
				honk_diag_add(
					l->diags, co->path, r->version_line,
					r->version_col,
					"reads version %lld of '%s', which has no such version",
					(long long)r->version, r->dataset);
				continue;
			}
			for (k = 0; k < r->nfields; k++)
				if (v->schema.nfields &&
				    !honk_schema_find(&v->schema, r->fields[k]))
					honk_diag_add(
						l->diags, co->path, r->line,
						r->col,
						"reads field '%s', which version %lld of '%s' does not have",
						r->fields[k],
						(long long)r->version,
						r->dataset);
		}
		for (j = 0; j < co->nproduces; j++)
			if (!honk_catalog_dataset(cat, co->produces[j]))
				honk_diag_add(
					l->diags, co->path,
					co->produces_pos[2 * j],
					co->produces_pos[2 * j + 1],
					"produces dataset '%s', which is not in the catalog",
					co->produces[j]);
	}
}

/*
 * The `produces` graph: dataset -> dataset through a consumer that reads
 * the first and writes the second. A cycle would make transitive impact
 * endless, so each one is reported once, at the consumer that closes it.
 */
struct edge {
	size_t to;
	size_t consumer;
	size_t produce; /* index into consumer's produces */
};

struct graph {
	size_t *first; /* per dataset: index of first edge (CSR) */
	struct edge *edges;
};

static int build_graph(struct honk_catalog *cat, struct graph *g)
{
	size_t n = cat->ndatasets, i, j, k, m = 0;
	size_t *count = NULL;

	g->first = calloc(n + 1, sizeof(*g->first));
	count = calloc(n + 1, sizeof(*count));
	if (!g->first || !count)
		goto oom;
	for (i = 0; i < cat->nconsumers; i++) {
		const struct honk_consumer *co = &cat->consumers[i];

		for (j = 0; j < co->nreads; j++) {
			const struct honk_dataset *from =
				co->reads[j].dataset
					? honk_catalog_dataset(
						  cat, co->reads[j].dataset)
					: NULL;
			if (from)
				count[from - cat->datasets] += co->nproduces;
		}
	}
	for (i = 0; i < n; i++) {
		g->first[i + 1] = g->first[i] + count[i];
		m += count[i];
	}
	g->edges = malloc((m ? m : 1) * sizeof(*g->edges));
	if (!g->edges)
		goto oom;
	memset(count, 0, (n + 1) * sizeof(*count));
	for (i = 0; i < cat->nconsumers; i++) {
		const struct honk_consumer *co = &cat->consumers[i];

		for (j = 0; j < co->nreads; j++) {
			const struct honk_dataset *from =
				co->reads[j].dataset
					? honk_catalog_dataset(
						  cat, co->reads[j].dataset)
					: NULL;
			size_t f;

			if (!from)
				continue;
			f = (size_t)(from - cat->datasets);
			for (k = 0; k < co->nproduces; k++) {
				const struct honk_dataset *to =
					honk_catalog_dataset(cat,
							     co->produces[k]);
				struct edge *e =
					&g->edges[g->first[f] + count[f]++];

				e->to = to ? (size_t)(to - cat->datasets)
					   : (size_t)-1;
				e->consumer = i;
				e->produce = k;
			}
		}
	}
	free(count);
	return 0;
oom:
	free(count);
	return honk_error_set(HONK_ERROR, "out of memory");
}

static void report_cycle(struct loadctx *l, const struct graph *g,
			 const size_t *stack_edge, size_t depth, size_t start,
			 const struct edge *closing)
{
	struct honk_catalog *cat = l->cat;
	const struct honk_consumer *co = &cat->consumers[closing->consumer];
	struct honk_buf msg = HONK_BUF_INIT;
	size_t i;

	honk_buf_addstr(&msg, "produces makes a cycle: ");
	for (i = start; i < depth; i++) {
		const struct edge *e = &g->edges[stack_edge[i]];

		if (i == start)
			honk_buf_addstr(&msg, cat->datasets[closing->to].id);
		honk_buf_addf(&msg, " -> %s -> %s",
			      cat->consumers[e->consumer].name,
			      cat->datasets[e->to].id);
	}
	if (start == depth)
		honk_buf_addstr(&msg, cat->datasets[closing->to].id);
	honk_buf_addf(&msg, " -> %s -> %s", co->name,
		      cat->datasets[closing->to].id);
	honk_diag_add(l->diags, co->path,
		      co->produces_pos[2 * closing->produce],
		      co->produces_pos[2 * closing->produce + 1], "%s",
		      msg.buf);
	honk_buf_release(&msg);
}

static int check_cycles(struct loadctx *l)
{
	struct honk_catalog *cat = l->cat;
	size_t n = cat->ndatasets, s;
	struct graph g = { NULL, NULL };
	unsigned char *color = NULL; /* 0 new, 1 on stack, 2 done */
	size_t *node = NULL, *next = NULL, *via = NULL, *pos = NULL;
	int err;

	if (!n)
		return 0;
	if ((err = build_graph(cat, &g)) < 0)
		return err;
	color = calloc(n, 1);
	node = malloc(n * sizeof(*node));
	next = malloc(n * sizeof(*next));
	via = malloc(n * sizeof(*via));
	pos = malloc(n * sizeof(*pos));
	if (!color || !node || !next || !via || !pos) {
		err = honk_error_set(HONK_ERROR, "out of memory");
		goto cleanup;
	}
	for (s = 0; s < n; s++) {
		size_t depth = 0;

		if (color[s])
			continue;
		node[0] = s;
		next[0] = g.first[s];
		pos[s] = 0;
		color[s] = 1;
		depth = 1;
		while (depth) {
			size_t u = node[depth - 1];

			if (next[depth - 1] == g.first[u + 1]) {
				color[u] = 2;
				depth--;
				continue;
			}
			{
				size_t ei = next[depth - 1]++;
				const struct edge *e = &g.edges[ei];

				if (e->to == (size_t)-1)
					continue;
				if (color[e->to] == 1) {
					/* path: node[pos[to]] .. u, then e */
					report_cycle(l, &g, via, depth,
						     pos[e->to] + 1, e);
					continue;
				}
				if (color[e->to] == 2)
					continue;
				via[depth] = ei;
				node[depth] = e->to;
				next[depth] = g.first[e->to];
				pos[e->to] = depth;
				color[e->to] = 1;
				depth++;
			}
		}
	}
	err = 0;
cleanup:
	free(color);
	free(node);
	free(next);
	free(via);
	free(pos);
	free(g.first);
	free(g.edges);
	return err;
}

static void check_sorted_datasets(struct loadctx *l)
{
	struct honk_catalog *cat = l->cat;
	size_t i;

	/* ids come from paths, so two files can only collide by case etc.;
	 * datasets/a/b.c.yaml and datasets/a.b/c.yaml are refused earlier. */
	for (i = 1; i < cat->ndatasets; i++)
		if (!strcmp(cat->datasets[i].id, cat->datasets[i - 1].id))
			honk_diag_add(l->diags, cat->datasets[i].path, 1, 1,
				      "dataset '%s' is also defined in %s",
				      cat->datasets[i].id,
				      cat->datasets[i - 1].path);
}

static void loadctx_init(struct loadctx *l, struct honk_catalog *cat,
			 struct honk_repo *repo, struct honk_snapshot *snap,
			 struct honk_diags *diags)
{
	memset(cat, 0, sizeof(*cat));
	memset(l, 0, sizeof(*l));
	l->cat = cat;
	l->repo = repo;
	l->snap = snap;
	l->diags = diags;
	honk_buf_init(&l->blob, HONK_YAML_MAX_SIZE);
	honk_buf_init(&l->tmp, HONK_YAML_MAX_SIZE);
	cat->settings.main = "main";
	cat->settings.compatibility = HONK_POLICY_BACKWARD;
	honk_rollout_cfg_defaults(&cat->settings.rollout);
}

static void loadctx_release(struct loadctx *l)
{
	honk_buf_release(&l->blob);
	honk_buf_release(&l->tmp);
	honk_ydoc_release(&l->doc);
}

/* The checks that span files, once every file is in. */
static int finish(struct loadctx *l)
{
	struct honk_catalog *cat = l->cat;

	if (cat->ndatasets)
		qsort(cat->datasets, cat->ndatasets, sizeof(*cat->datasets),
		      cmp_dataset);
	if (cat->nconsumers)
		qsort(cat->consumers, cat->nconsumers, sizeof(*cat->consumers),
		      cmp_consumer);
	check_sorted_datasets(l);
	check_reads(l);
	return check_cycles(l);
}

struct jobs {
	struct job *v;
	size_t n, cap;
	struct honk_arena arena;
	int consumer; /* set while collecting consumers/ */
};

static int collect(const char *path, const git_oid *blob, unsigned int mode,
		   void *payload)
{
	struct jobs *js = payload;
	struct job *j;

	if (honk_arena_reserve(&js->arena, &js->v, js->n, &js->cap,
			       sizeof(*js->v)) < 0)
		return HONK_ERROR;
	j = &js->v[js->n];
	j->path = honk_arena_strdup(&js->arena, path);
	if (!j->path)
		return HONK_ERROR;
	git_oid_cpy(&j->oid, blob);
	j->mode = mode;
	j->consumer = js->consumer;
	j->data = NULL;
	j->len = 0;
	j->read_err = 0;
	js->n++;
	return 0;
}

#define HONK_LOAD_THREADS 8
#define HONK_LOAD_CHUNK	  32
#define HONK_LOAD_AHEAD	  2048 /* files read but not yet taken, at most */

/*
 * The files are read by one thread and parsed by the others: libgit2
 * serializes readers of a pack on its locks, so parallel readers mostly
 * wait for each other, while parsing scales. The reader publishes how
 * many jobs are read; a worker takes the next chunk once it is.
 */
struct feed {
	struct jobs *jobs;
	pthread_mutex_t mu;
	pthread_cond_t more, room;
	size_t ready; /* jobs[0..ready) are read */
	size_t next;  /* the next job nobody took */
	int threaded;
};

struct worker {
	struct loadctx l;
	struct honk_catalog part;
	struct honk_diags diags;
	struct feed *feed;
	int err;
	char *errmsg;
	pthread_t tid;
};

/* The next chunk of read jobs, [*from, *to); 0 when all are taken. */
static int take(struct feed *f, size_t *from, size_t *to)
{
	size_t n = f->jobs->n;

	if (f->threaded)
		pthread_mutex_lock(&f->mu);
	while (f->next < n && f->threaded &&
	       f->ready < (f->next + HONK_LOAD_CHUNK < n
				   ? f->next + HONK_LOAD_CHUNK
				   : n))
		pthread_cond_wait(&f->more, &f->mu);
	*from = f->next;
	*to = f->next + HONK_LOAD_CHUNK < n ? f->next + HONK_LOAD_CHUNK : n;
	if (!f->threaded && *to > f->ready)
		*to = f->ready;
	f->next = *to;
	if (f->threaded) {
		pthread_cond_signal(&f->room);
		pthread_mutex_unlock(&f->mu);
	}
	return *from < *to;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	size_t from, to, i;

	while (!w->err && take(w->feed, &from, &to)) {
		for (i = from; i < to; i++) {
			struct job *j = &w->feed->jobs->v[i];
			int err;

			w->l.job = j;
			err = j->consumer ? load_consumer(j->path, &j->oid,
							  j->mode, &w->l)
					  : load_dataset(j->path, &j->oid,
							 j->mode, &w->l);
			w->l.job = NULL;
			free(j->data);
			j->data = NULL;
			if (err < 0 && err != HONK_EINVALID) {
				w->err = err;
				w->errmsg = strdup(honk_error_last());
				break;
			}
		}
	}
	return NULL;
}

/* Read job i's blob ahead into the jobs' arena. */
static void read_ahead(struct loadctx *l, struct jobs *js, size_t i,
		       struct honk_buf *buf)
{
	struct job *j = &js->v[i];
	char *copy;

	if (j->mode != GIT_FILEMODE_BLOB &&
	    j->mode != GIT_FILEMODE_BLOB_EXECUTABLE)
		return; /* the loader refuses it without reading */
	honk_buf_reset(buf);
	j->read_err = honk_repo_read_blob(buf, l->repo, &j->oid);
	if (j->read_err < 0)
		return;
	copy = malloc(buf->len + 1);
	if (!copy)
		honk_die_oom(); /* no message would reach whoever reads it */
	memcpy(copy, buf->buf, buf->len);
	j->data = copy;
	j->len = buf->len;
}

static unsigned worker_count(size_t njobs)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	const char *env = getenv("HONK_THREADS");
	int64_t n;

	if (env && honk_parse_int(&n, env, 1, HONK_LOAD_THREADS) == 0)
		return (unsigned)n;
	if (njobs < 512 || ncpu <= 1)
		return 1;
	return ncpu > HONK_LOAD_THREADS ? HONK_LOAD_THREADS : (unsigned)ncpu;
}

/* Move a worker's datasets, consumers, memory and diagnostics into cat. */
static int merge(struct loadctx *l, struct worker *w)
{
	struct honk_catalog *cat = l->cat, *part = &w->part;

	if (part->ndatasets) {
		void *v = honk_arena_grow(&cat->arena, cat->datasets,
					  cat->ndatasets,
					  cat->ndatasets + part->ndatasets,
					  sizeof(*cat->datasets));
		if (!v)
			return HONK_ERROR;
		cat->datasets = v;
		memcpy(cat->datasets + cat->ndatasets, part->datasets,
		       part->ndatasets * sizeof(*part->datasets));
		cat->ndatasets += part->ndatasets;
	}
	if (part->nconsumers) {
		void *v = honk_arena_grow(&cat->arena, cat->consumers,
					  cat->nconsumers,
					  cat->nconsumers + part->nconsumers,
					  sizeof(*cat->consumers));
		if (!v)
			return HONK_ERROR;
		cat->consumers = v;
		memcpy(cat->consumers + cat->nconsumers, part->consumers,
		       part->nconsumers * sizeof(*part->consumers));
		cat->nconsumers += part->nconsumers;
	}
	cat->nfiles += part->nfiles;
	honk_arena_adopt(&cat->arena, &part->arena);
	honk_diags_take(l->diags, &w->diags);
	return 0;
}

static int load_files(struct loadctx *l, struct jobs *js)
{
	struct honk_buf buf = HONK_BUF_INIT;
	struct feed f;
	struct worker *w;
	unsigned n = worker_count(js->n), i, started = 0;
	size_t k;
	int err = 0;

	memset(&f, 0, sizeof(f));
	f.jobs = js;
	honk_buf_init(&buf, HONK_YAML_MAX_SIZE);
	w = calloc(n, sizeof(*w));
	if (!w)
		return honk_error_set(HONK_ERROR, "out of memory");
	for (i = 0; i < n; i++) {
		loadctx_init(&w[i].l, &w[i].part, l->repo, l->snap,
			     &w[i].diags);
		w[i].diags.max = l->diags->max;
		w[i].feed = &f;
	}
	if (n > 1 && pthread_mutex_init(&f.mu, NULL) == 0) {
		int more = pthread_cond_init(&f.more, NULL) == 0;
		int room = more && pthread_cond_init(&f.room, NULL) == 0;

		if (more && !room)
			pthread_cond_destroy(&f.more);
		f.threaded = room;
		for (i = 0; room && i < n; i++) {
			if (pthread_create(&w[i].tid, NULL, work, &w[i]) != 0)
				break;
			started++;
		}
		if (room && !started) {
			pthread_cond_destroy(&f.more);
			pthread_cond_destroy(&f.room);
			f.threaded = 0;
		}
		if (!f.threaded)
			pthread_mutex_destroy(&f.mu);
	}
	for (k = 0; k < js->n; k++) {
		read_ahead(l, js, k, &buf);
		if (f.threaded &&
		    ((k + 1) % HONK_LOAD_CHUNK == 0 || k + 1 == js->n)) {
			pthread_mutex_lock(&f.mu);
			f.ready = k + 1;
			pthread_cond_broadcast(&f.more);
			while (f.ready - f.next > HONK_LOAD_AHEAD)
				pthread_cond_wait(&f.room, &f.mu);
			pthread_mutex_unlock(&f.mu);
		}
	}
	f.ready = js->n;
	if (f.threaded) {
		for (i = 0; i < started; i++)
			pthread_join(w[i].tid, NULL);
		pthread_cond_destroy(&f.more);
		pthread_cond_destroy(&f.room);
		pthread_mutex_destroy(&f.mu);
		f.threaded = 0;
	}
	/* unthreaded, or what the threads left: done here */
	work(&w[0]);
	for (i = 0; i < n; i++) {
		if (w[i].err && !err) {
			err = honk_error_set(w[i].err, "%s",
					     w[i].errmsg ? w[i].errmsg
							 : "loading failed");
		}
		if (merge(l, &w[i]) < 0 && !err)
			err = HONK_ERROR;
		free(w[i].errmsg);
		honk_diags_release(&w[i].diags);
		honk_arena_release(&w[i].part.arena);
		loadctx_release(&w[i].l);
	}
	free(w);
	honk_buf_release(&buf);
	for (k = 0; k < js->n; k++) /* left by a worker that failed */
		free(js->v[k].data);
	return err;
}

/* Collect the named files that are at the snapshot. */
static int collect_paths(struct jobs *js, struct honk_snapshot *snap,
			 const char *const *paths, size_t n)
{
	size_t i;
	int err = 0;

	for (i = 0; i < n && err >= 0; i++) {
		unsigned int mode;
		git_oid oid;

		js->consumer = !strncmp(paths[i], "consumers/", 10);
		if (!js->consumer && strncmp(paths[i], "datasets/", 9))
			continue;
		err = honk_snapshot_entry(&oid, &mode, snap, paths[i]);
		if (err == HONK_ENOTFOUND)
			err = 0;
		else if (err == 0)
			err = collect(paths[i], &oid, mode, js);
	}
	return err;
}

/* Every catalog file at snap (paths NULL), or only the ones named. */
static int load(struct honk_catalog *cat, struct honk_repo *repo,
		struct honk_snapshot *snap, const char *const *paths, size_t n,
		struct honk_diags *diags)
{
	struct jobs js;
	struct loadctx l;
	size_t before = honk_diags_count(diags);
	int err;

	memset(&js, 0, sizeof(js));
	loadctx_init(&l, cat, repo, snap, diags);
	if ((err = load_settings(&l)) < 0 && l.sys_err)
		goto cleanup;
	if (paths) {
		err = collect_paths(&js, snap, paths, n);
	} else if ((err = honk_snapshot_foreach(snap, "datasets/", collect,
						&js)) >= 0) {
		js.consumer = 1;
		err = honk_snapshot_foreach(snap, "consumers/", collect, &js);
	}
	if (err < 0 || (err = load_files(&l, &js)) < 0 ||
	    (err = finish(&l)) < 0)
		goto cleanup;
	err = honk_diags_count(diags) > before ? HONK_EINVALID : 0;
cleanup:
	if (l.sys_err && err >= 0)
		err = l.sys_err;
	honk_arena_release(&js.arena);
	loadctx_release(&l);
	return err;
}

int honk_catalog_load(struct honk_catalog *cat, struct honk_repo *repo,
		      struct honk_snapshot *snap, struct honk_diags *diags)
{
	return load(cat, repo, snap, NULL, 0, diags);
}

int honk_catalog_load_paths(struct honk_catalog *cat, struct honk_repo *repo,
			    struct honk_snapshot *snap,
			    const char *const *paths, size_t n,
			    struct honk_diags *diags)
{
	static const char *const none[1] = { NULL };

	return load(cat, repo, snap, paths ? paths : none, n, diags);
}

int honk_catalog_open(struct honk_catalog *cat, struct honk_snapshot **snap,
		      struct honk_repo *repo, const struct honk_source *src,
		      struct honk_diags *diags)
{
	int err;

	memset(cat, 0, sizeof(*cat));
	if ((err = honk_snapshot_open(snap, repo, src)) < 0)
		return err;
	return honk_catalog_load(cat, repo, *snap, diags);
}

int honk_catalog_parse_files(struct honk_catalog *cat,
			     const struct honk_catalog_file *files, size_t n,
			     struct honk_diags *diags)
{
	struct loadctx l;
	size_t before = honk_diags_count(diags), i;
	int err = 0;

	loadctx_init(&l, cat, NULL, NULL, diags);
	for (i = 0; i < n && err >= 0; i++) {
		const char *p = files[i].path;

		l.data = files[i].data;
		l.len = files[i].len;
		if (!strcmp(p, "honk.yaml"))
			err = parse_settings(&l, l.data, l.len);
		else if (!strncmp(p, "datasets/", 9))
			err = load_dataset(p, NULL, GIT_FILEMODE_BLOB, &l);
		else if (!strncmp(p, "consumers/", 10))
			err = load_consumer(p, NULL, GIT_FILEMODE_BLOB, &l);
	}
	if (err >= 0)
		err = finish(&l);
	if (err >= 0)
		err = honk_diags_count(diags) > before ? HONK_EINVALID : 0;
	loadctx_release(&l);
	return err;
}

void honk_catalog_release(struct honk_catalog *cat)
{
	if (!cat)
		return;
	honk_arena_release(&cat->arena);
	memset(cat, 0, sizeof(*cat));
}
