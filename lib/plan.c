/*
 * Migration plans: built from the diff and the impact, written as YAML.
 *
 * Only consumers that get a step (breaking or relocate) take part in the
 * wave arithmetic; transitive consumers are listed with the last wave so
 * their owners know when the data under them moves. The YAML is written
 * with the deterministic emitter, keys in the order of DESIGN section 3.4,
 * so a plan that did not change produces the same blob and a proposal
 * is only refreshed when something real changed.
 */
#include "plan.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "names.h"
#include "yaml.h"
#include "banned.h"

void honk_waves_assign(int64_t *waves, const int64_t *pins, size_t n,
		       const struct honk_wave_size *sizes, size_t nsizes)
{
	size_t i, k = 0, placed = 0;

	for (i = 0; i < n; i++) {
		if (pins && pins[i] > 0) {
			waves[i] = pins[i] < (int64_t)nsizes ? pins[i]
							     : (int64_t)nsizes;
			continue;
		}
		/* the first wave whose cumulative size has room for one more */
		while (k < nsizes) {
			uint64_t cap =
				sizes[k].percent
					? ((uint64_t)n *
						   (uint64_t)sizes[k].size +
					   99) / 100
					: (uint64_t)sizes[k].size;

			if (placed < cap || k + 1 == nsizes)
				break;
			k++;
		}
		waves[i] =
			(int64_t)(k < nsizes ? k + 1 : (nsizes ? nsizes : 1));
		placed++;
	}
}

static int rollout_order(const void *pa, const void *pb)
{
	const struct honk_plan_consumer *a = pa, *b = pb;
	int64_t wa = a->consumer->wave ? a->consumer->wave : INT64_MAX;
	int64_t wb = b->consumer->wave ? b->consumer->wave : INT64_MAX;

	if (wa != wb)
		return wa < wb ? -1 : 1;
	if (a->consumer->criticality != b->consumer->criticality)
		return a->consumer->criticality < b->consumer->criticality ? -1
									   : 1;
	return strcmp(a->consumer->name, b->consumer->name);
}

int honk_plan_build(struct honk_plan *plan, const struct honk_catalog *cat,
		    const struct honk_readers *ix,
		    const struct honk_dataset *ds, int64_t from, int64_t to)
{
	const struct honk_version *vf = honk_dataset_version(ds, from);
	const struct honk_version *vt = honk_dataset_version(ds, to);
	const struct honk_rollout_cfg *ro = &cat->settings.rollout;
	struct honk_buf id = HONK_BUF_INIT;
	int64_t *waves = NULL, *pins = NULL;
	size_t i, nsteps = 0;
	int err;

	memset(plan, 0, sizeof(*plan));
	if (!vf || !vt)
		return honk_error_set(HONK_ENOTFOUND, "%s has no version %lld",
				      ds->id, (long long)(vf ? to : from));
	if ((err = honk_migration_id(&id, ds->id, (long)from, (long)to)) < 0)
		return err;
	plan->id = honk_arena_strdup(&plan->arena, id.buf);
	honk_buf_release(&id);
	plan->dataset = ds;
	plan->from = from;
	plan->to = to;
	plan->policy = honk_dataset_policy(cat, ds);
	if ((err = honk_diff_schemas(&plan->diff, &vf->schema, &vt->schema,
				     vf->location, vt->location)) < 0)
		return err;
	plan->breaking = honk_diff_breaking(&plan->diff, plan->policy);
	if ((err = honk_impact_compute(&plan->impact, cat, ix, ds, from, to,
				       0)) < 0)
		return err;
	plan->consumers = honk_arena_alloc(
		&plan->arena, (plan->impact.n + 1) * sizeof(*plan->consumers));
	if (!plan->consumers)
		return HONK_ERROR;
	for (i = 0; i < plan->impact.n; i++) {
		const struct honk_impacted *e = &plan->impact.v[i];
		struct honk_plan_consumer *pc = &plan->consumers[i];

		pc->consumer = e->consumer;
		pc->impact = e->impact;
		pc->fields = e->fields;
		pc->nfields = e->nfields;
		pc->via = e->via;
		if (e->impact != HONK_IMPACT_TRANSITIVE)
			nsteps++;
	}
	plan->nconsumers = plan->impact.n;
	/* the impact lists direct consumers first; order those for rollout */
	qsort(plan->consumers, nsteps, sizeof(*plan->consumers), rollout_order);
	waves = calloc(nsteps + 1, sizeof(*waves));
	pins = calloc(nsteps + 1, sizeof(*pins));
	if (!waves || !pins) {
		free(waves);
		free(pins);
		return honk_error_set(HONK_ERROR, "out of memory");
	}
	for (i = 0; i < nsteps; i++)
		pins[i] = plan->consumers[i].consumer->wave;
	honk_waves_assign(waves, pins, nsteps, ro->waves, ro->nwaves);
	for (i = 0; i < plan->nconsumers; i++)
		plan->consumers[i].wave = i < nsteps ? waves[i]
						     : (int64_t)ro->nwaves;
	free(waves);
	free(pins);
	return 0;
}

void honk_plan_release(struct honk_plan *plan)
{
	if (!plan)
		return;
	honk_diff_release(&plan->diff);
	honk_impact_release(&plan->impact);
	honk_arena_release(&plan->arena);
	memset(plan, 0, sizeof(*plan));
}

static void kv_str(struct honk_ywriter *w, const char *k, const char *v)
{
	honk_yw_str(w, k);
	honk_yw_str(w, v);
}

static void kv_int(struct honk_ywriter *w, const char *k, int64_t v)
{
	honk_yw_str(w, k);
	honk_yw_int(w, v);
}

static void kv_bool(struct honk_ywriter *w, const char *k, int v)
{
	honk_yw_str(w, k);
	honk_yw_bool(w, v);
}

int honk_plan_write(struct honk_buf *out, const struct honk_plan *p)
{
	struct honk_ywriter *w = NULL;
	size_t i, k;
	int err;

	if ((err = honk_yw_new(&w, out)) < 0)
		return err;
	honk_yw_map_begin(w, 0);
	kv_str(w, "migration", p->id);
	kv_str(w, "dataset", p->dataset->id);
	kv_int(w, "from", p->from);
	kv_int(w, "to", p->to);
	kv_str(w, "policy", honk_policy_names[p->policy]);
	kv_str(w, "verdict", p->breaking ? "breaking" : "compatible");
	honk_yw_str(w, "changes");
	honk_yw_seq_begin(w, 0);
	for (i = 0; i < p->diff.n; i++) {
		const struct honk_change *c = &p->diff.v[i];

		honk_yw_map_begin(w, 1);
		kv_str(w, "change", honk_change_names[c->kind]);
		kv_str(w, "path", c->path);
		if (c->to)
			kv_str(w, "to", c->to);
		if (c->symbol)
			kv_str(w, "symbol", c->symbol);
		if (c->from_type) {
			kv_str(w, "from_type", c->from_type);
			kv_str(w, "to_type", c->to_type);
		}
		kv_bool(w, "backward", c->backward);
		kv_bool(w, "forward", c->forward);
		honk_yw_map_end(w);
	}
	honk_yw_seq_end(w);
	honk_yw_str(w, "consumers");
	honk_yw_seq_begin(w, 0);
	for (i = 0; i < p->nconsumers; i++) {
		const struct honk_plan_consumer *c = &p->consumers[i];

		honk_yw_map_begin(w, 1);
		kv_str(w, "consumer", c->consumer->name);
		kv_str(w, "impact", honk_impact_names[c->impact]);
		if (c->nfields) {
			honk_yw_str(w, "fields");
			honk_yw_seq_begin(w, 1);
			for (k = 0; k < c->nfields; k++)
				honk_yw_str(w, c->fields[k]);
			honk_yw_seq_end(w);
		}
		if (c->via)
			kv_str(w, "via", c->via);
		kv_int(w, "wave", c->wave);
		honk_yw_map_end(w);
	}
	honk_yw_seq_end(w);
	honk_yw_str(w, "excluded");
	honk_yw_seq_begin(w, 1);
	honk_yw_seq_end(w);
	honk_yw_str(w, "rollout");
	honk_yw_map_begin(w, 1);
	honk_yw_map_end(w);
	honk_yw_map_end(w);
	err = honk_yw_finish(w);
	honk_yw_free(w);
	return err;
}

/* ---- plan files as people left them ------------------------------------ */

const char *const honk_manual_whats[] = { "transform", "compat", "rewrite",
					  "consumer", NULL };

static const char *const verdicts[] = { "compatible", "breaking", NULL };

static int k_p_migration(struct honk_yctx *c, const struct honk_ynode *n,
			 void *obj)
{
	return honk_y_name(c, n, "migration",
			   &((struct honk_planfile *)obj)->id);
}

static int k_p_dataset(struct honk_yctx *c, const struct honk_ynode *n,
		       void *obj)
{
	return honk_y_name(c, n, "dataset",
			   &((struct honk_planfile *)obj)->dataset);
}

static int k_p_from(struct honk_yctx *c, const struct honk_ynode *n, void *obj)
{
	return honk_y_int(c, n, 0, INT32_MAX,
			  &((struct honk_planfile *)obj)->from);
}

static int k_p_to(struct honk_yctx *c, const struct honk_ynode *n, void *obj)
{
	return honk_y_int(c, n, 0, INT32_MAX,
			  &((struct honk_planfile *)obj)->to);
}

static int k_p_policy(struct honk_yctx *c, const struct honk_ynode *n,
		      void *obj)
{
	int v, err;

	if ((err = honk_y_enum(c, n, honk_policy_names, &v)) == 0)
		((struct honk_planfile *)obj)->policy = (enum honk_policy)v;
	return err;
}

static int k_p_verdict(struct honk_yctx *c, const struct honk_ynode *n,
		       void *obj)
{
	return honk_y_enum(c, n, verdicts,
			   &((struct honk_planfile *)obj)->breaking);
}

/* Changes are for people: honk-gen works from the schemas themselves. */
static int k_ch_change(struct honk_yctx *c, const struct honk_ynode *n,
		       void *obj)
{
	int v;

	(void)obj;
	return honk_y_enum(c, n, honk_change_names, &v);
}

static int k_ch_str(struct honk_yctx *c, const struct honk_ynode *n, void *obj)
{
	const char *s;

	(void)obj;
	if (n->type == HONK_YSCALAR && !n->len)
		return 0; /* the location's path is "" */
	return honk_y_str(c, n, &s);
}

static int k_ch_bool(struct honk_yctx *c, const struct honk_ynode *n, void *obj)
{
	int v;

	(void)obj;
	return honk_y_bool(c, n, &v);
}

static const struct honk_ykey change_keys[] = {
	{ "backward", 0, k_ch_bool },
	{ "change", HONK_YKEY_REQUIRED, k_ch_change },
	{ "forward", 0, k_ch_bool },
	{ "from_type", 0, k_ch_str },
	{ "path", 0, k_ch_str },
	{ "symbol", 0, k_ch_str },
	{ "to", 0, k_ch_str },
	{ "to_type", 0, k_ch_str },
};

static int change_item(struct honk_yctx *c, const struct honk_ynode *n,
		       size_t i, void *obj)
{
	(void)i;
	return honk_ymap_walk(c, n, "a change", change_keys,
			      sizeof(change_keys) / sizeof(change_keys[0]),
			      obj);
}

static int k_p_changes(struct honk_yctx *c, const struct honk_ynode *n,
		       void *obj)
{
	return honk_yseq_walk(c, n, change_item, obj);
}

static int k_pc_consumer(struct honk_yctx *c, const struct honk_ynode *n,
			 void *obj)
{
	struct honk_planfile_consumer *pc = obj;

	pc->line = n->line;
	pc->col = n->col;
	return honk_y_name(c, n, "consumer", &pc->consumer);
}

static int k_pc_impact(struct honk_yctx *c, const struct honk_ynode *n,
		       void *obj)
{
	int v, err;

	if ((err = honk_y_enum(c, n, honk_impact_names, &v)) == 0)
		((struct honk_planfile_consumer *)obj)->impact =
			(enum honk_impact_class)v;
	return err;
}

static int k_pc_fields(struct honk_yctx *c, const struct honk_ynode *n,
		       void *obj)
{
	struct honk_planfile_consumer *pc = obj;

	return honk_y_strlist(c, n, &pc->fields, &pc->nfields);
}

static int k_pc_via(struct honk_yctx *c, const struct honk_ynode *n, void *obj)
{
	return honk_y_name(c, n, "dataset",
			   &((struct honk_planfile_consumer *)obj)->via);
}

static int k_pc_wave(struct honk_yctx *c, const struct honk_ynode *n, void *obj)
{
	return honk_y_int(c, n, 1, 1000,
			  &((struct honk_planfile_consumer *)obj)->wave);
}

static const struct honk_ykey pconsumer_keys[] = {
	{ "consumer", HONK_YKEY_REQUIRED, k_pc_consumer },
	{ "fields", 0, k_pc_fields },
	{ "impact", HONK_YKEY_REQUIRED, k_pc_impact },
	{ "via", 0, k_pc_via },
	{ "wave", 0, k_pc_wave },
};

static int pconsumer_item(struct honk_yctx *c, const struct honk_ynode *n,
			  size_t i, void *obj)
{
	struct honk_planfile *pf = obj;
	struct honk_planfile_consumer *pc;
	size_t k;
	int err;

	(void)i;
	if (honk_arena_reserve(&pf->arena, &pf->consumers, pf->nconsumers,
			       &pf->cconsumers, sizeof(*pf->consumers)) < 0)
		return HONK_ERROR;
	pc = &pf->consumers[pf->nconsumers];
	memset(pc, 0, sizeof(*pc));
	pc->line = n->line;
	pc->col = n->col;
	err = honk_ymap_walk(c, n, "a plan's consumer", pconsumer_keys,
			     sizeof(pconsumer_keys) / sizeof(pconsumer_keys[0]),
			     pc);
	if (err < 0 || !pc->consumer)
		return err;
	for (k = 0; k < pf->nconsumers; k++)
		if (!strcmp(pf->consumers[k].consumer, pc->consumer))
			return honk_yerror(c, n,
					   "consumer '%s' is listed twice",
					   pc->consumer);
	pf->nconsumers++;
	return 0;
}

static int k_p_consumers(struct honk_yctx *c, const struct honk_ynode *n,
			 void *obj)
{
	return honk_yseq_walk(c, n, pconsumer_item, obj);
}

static int k_ex_consumer(struct honk_yctx *c, const struct honk_ynode *n,
			 void *obj)
{
	return honk_y_name(c, n, "consumer",
			   &((struct honk_plan_exclusion *)obj)->consumer);
}

static int k_ex_reason(struct honk_yctx *c, const struct honk_ynode *n,
		       void *obj)
{
	return honk_y_str(c, n, &((struct honk_plan_exclusion *)obj)->reason);
}

static const struct honk_ykey exclusion_keys[] = {
	{ "consumer", HONK_YKEY_REQUIRED, k_ex_consumer },
	{ "reason", 0, k_ex_reason },
};

/* An exclusion: a consumer's name, or {consumer, reason}. */
static int exclusion_item(struct honk_yctx *c, const struct honk_ynode *n,
			  size_t i, void *obj)
{
	struct honk_planfile *pf = obj;
	struct honk_plan_exclusion *ex;

	(void)i;
	if (honk_arena_reserve(&pf->arena, &pf->excluded, pf->nexcluded,
			       &pf->cexcluded, sizeof(*pf->excluded)) < 0)
		return HONK_ERROR;
	ex = &pf->excluded[pf->nexcluded];
	memset(ex, 0, sizeof(*ex));
	if (n->type == HONK_YSCALAR) {
		if (honk_y_name(c, n, "consumer", &ex->consumer) < 0)
			return HONK_EINVALID;
	} else if (honk_ymap_walk(c, n, "an exclusion", exclusion_keys,
				  sizeof(exclusion_keys) /
					  sizeof(exclusion_keys[0]),
				  ex) < 0) {
		return HONK_EINVALID;
	}
	pf->nexcluded++;
	return 0;
}

static int k_p_excluded(struct honk_yctx *c, const struct honk_ynode *n,
			void *obj)
{
	return honk_yseq_walk(c, n, exclusion_item, obj);
}

static int k_p_rollout(struct honk_yctx *c, const struct honk_ynode *n,
		       void *obj)
{
	return honk_rollout_cfg_parse(c, n,
				      &((struct honk_planfile *)obj)->rollout);
}

static int k_m_what(struct honk_yctx *c, const struct honk_ynode *n, void *obj)
{
	int v, err;

	if ((err = honk_y_enum(c, n, honk_manual_whats, &v)) == 0)
		((struct honk_plan_manual *)obj)->what = honk_manual_whats[v];
	return err;
}

static int k_m_path(struct honk_yctx *c, const struct honk_ynode *n, void *obj)
{
	return honk_y_str(c, n, &((struct honk_plan_manual *)obj)->path);
}

static int k_m_consumer(struct honk_yctx *c, const struct honk_ynode *n,
			void *obj)
{
	return honk_y_name(c, n, "consumer",
			   &((struct honk_plan_manual *)obj)->consumer);
}

static int k_m_reason(struct honk_yctx *c, const struct honk_ynode *n,
		      void *obj)
{
	return honk_y_str(c, n, &((struct honk_plan_manual *)obj)->reason);
}

static int k_m_by(struct honk_yctx *c, const struct honk_ynode *n, void *obj)
{
	static const char *const bys[] = { "honk-gen", NULL };
	int v, err;

	if ((err = honk_y_enum(c, n, bys, &v)) == 0)
		((struct honk_plan_manual *)obj)->by_honk = 1;
	return err;
}

static const struct honk_ykey manual_keys[] = {
	{ "by", 0, k_m_by },	 { "consumer", 0, k_m_consumer },
	{ "path", 0, k_m_path }, { "reason", HONK_YKEY_REQUIRED, k_m_reason },
	{ "what", 0, k_m_what },
};

static int manual_item(struct honk_yctx *c, const struct honk_ynode *n,
		       size_t i, void *obj)
{
	struct honk_planfile *pf = obj;
	struct honk_plan_manual *m;

	(void)i;
	if (honk_arena_reserve(&pf->arena, &pf->manual, pf->nmanual,
			       &pf->cmanual, sizeof(*pf->manual)) < 0)
		return HONK_ERROR;
	m = &pf->manual[pf->nmanual];
	memset(m, 0, sizeof(*m));
	if (honk_ymap_walk(c, n, "a manual item", manual_keys,
			   sizeof(manual_keys) / sizeof(manual_keys[0]), m) < 0)
		return HONK_EINVALID;
	pf->nmanual++;
	return 0;
}

static int k_p_manual(struct honk_yctx *c, const struct honk_ynode *n,
		      void *obj)
{
	return honk_yseq_walk(c, n, manual_item, obj);
}

static const struct honk_ykey plan_keys[] = {
	{ "changes", 0, k_p_changes },
	{ "consumers", HONK_YKEY_REQUIRED, k_p_consumers },
	{ "dataset", HONK_YKEY_REQUIRED, k_p_dataset },
	{ "excluded", 0, k_p_excluded },
	{ "from", HONK_YKEY_REQUIRED, k_p_from },
	{ "manual", 0, k_p_manual },
	{ "migration", HONK_YKEY_REQUIRED, k_p_migration },
	{ "policy", 0, k_p_policy },
	{ "rollout", 0, k_p_rollout },
	{ "to", HONK_YKEY_REQUIRED, k_p_to },
	{ "verdict", 0, k_p_verdict },
};

int honk_planfile_parse(struct honk_planfile *out, const char *path,
			const char *data, size_t len, struct honk_diags *diags)
{
	struct honk_ydoc doc = HONK_YDOC_INIT;
	struct honk_buf want = HONK_BUF_INIT, file = HONK_BUF_INIT;
	struct honk_yctx c;
	size_t before = honk_diags_count(diags);
	int err = 0;

	memset(out, 0, sizeof(*out));
	out->policy = HONK_POLICY_UNSET;
	out->path = honk_arena_strdup(&out->arena, path);
	if (!out->path)
		return HONK_ERROR;
	if ((err = honk_ydoc_parse(&doc, path, data, len, NULL, diags)) ==
	    HONK_ERROR)
		goto done;
	err = 0;
	if (!doc.root || doc.root->type != HONK_YMAP) {
		if (honk_diags_count(diags) == before)
			honk_diag_add(diags, path,
				      doc.root ? doc.root->line : 1,
				      doc.root ? doc.root->col : 1,
				      "expected a migration plan (a mapping)");
		goto done;
	}
	honk_yctx_init(&c, out->path, diags, &out->arena);
	if (honk_ymap_walk(&c, doc.root, "a migration plan", plan_keys,
			   sizeof(plan_keys) / sizeof(plan_keys[0]),
			   out) == HONK_ERROR) {
		err = HONK_ERROR;
		goto done;
	}
	if (!out->id || !out->dataset || honk_diags_count(diags) > before)
		goto done;
	/* the id is derived, never chosen: it names files and refs */
	if ((err = honk_migration_id(&want, out->dataset, (long)out->from,
				     (long)out->to)) < 0) {
		/* a dataset name near the limit leaves no room for an id */
		if (err == HONK_EINVALID) {
			const struct honk_ynode *m =
				honk_ymap_get(doc.root, "migration");

			honk_diag_add(diags, path, m->line, m->col, "%s",
				      honk_error_last());
			err = 0;
		}
		goto done;
	}
	if (strcmp(want.buf, out->id)) {
		const struct honk_ynode *m =
			honk_ymap_get(doc.root, "migration");

		honk_diag_add(
			diags, path, m->line, m->col,
			"migration '%s' should be '%s' (dataset, from, to)",
			out->id, want.buf);
	} else if ((err = honk_path_migration(&file, out->id)) < 0) {
		goto done;
	} else if (strchr(path, '/') && strcmp(file.buf, path)) {
		const struct honk_ynode *m =
			honk_ymap_get(doc.root, "migration");

		honk_diag_add(diags, path, m->line, m->col,
			      "migration '%s' belongs in %s", out->id,
			      file.buf);
	}
	if (out->from >= out->to) {
		const struct honk_ynode *t = honk_ymap_get(doc.root, "to");

		honk_diag_add(diags, path, t->line, t->col,
			      "to (%lld) must be after from (%lld)",
			      (long long)out->to, (long long)out->from);
	}
done:
	honk_ydoc_release(&doc);
	honk_buf_release(&want);
	honk_buf_release(&file);
	if (err == 0 && honk_diags_count(diags) > before)
		err = HONK_EINVALID;
	if (err < 0)
		honk_planfile_release(out);
	return err;
}

void honk_planfile_release(struct honk_planfile *pf)
{
	if (!pf)
		return;
	honk_arena_release(&pf->arena);
	memset(pf, 0, sizeof(*pf));
}

const struct honk_planfile_consumer *
honk_planfile_consumer(const struct honk_planfile *pf, const char *name)
{
	size_t i;

	for (i = 0; i < pf->nconsumers; i++)
		if (!strcmp(pf->consumers[i].consumer, name))
			return &pf->consumers[i];
	return NULL;
}

const struct honk_plan_exclusion *
honk_planfile_excluded(const struct honk_planfile *pf, const char *name)
{
	size_t i;

	for (i = 0; i < pf->nexcluded; i++)
		if (!strcmp(pf->excluded[i].consumer, name))
			return &pf->excluded[i];
	return NULL;
}

static void write_manual(struct honk_ywriter *w,
			 const struct honk_plan_manual *m)
{
	honk_yw_map_begin(w, 1);
	if (m->what)
		kv_str(w, "what", m->what);
	if (m->path)
		kv_str(w, "path", m->path);
	if (m->consumer)
		kv_str(w, "consumer", m->consumer);
	kv_str(w, "reason", m->reason);
	if (m->by_honk)
		kv_str(w, "by", "honk-gen");
	honk_yw_map_end(w);
}

/*
 * The length of the line break at data[off], as libyaml reads breaks
 * (its line numbers are what we are given): "\r\n", a lone "\r", "\n",
 * NEL, LS and PS; 0 when there is none.
 */
static size_t line_break(const char *data, size_t len, size_t off)
{
	const unsigned char *p = (const unsigned char *)data + off;
	size_t left = len - off;

	if (p[0] == '\r')
		return left > 1 && p[1] == '\n' ? 2 : 1;
	if (p[0] == '\n')
		return 1;
	if (p[0] == 0xc2 && left > 1 && p[1] == 0x85)
		return 2;
	if (p[0] == 0xe2 && left > 2 && p[1] == 0x80 &&
	    (p[2] == 0xa8 || p[2] == 0xa9))
		return 3;
	return 0;
}

/* The byte offset where line (1-based) starts, or len past the end. */
static size_t line_start(const char *data, size_t len, unsigned line)
{
	size_t off = 0, brk;

	while (line > 1) {
		if (off >= len)
			return len;
		if ((brk = line_break(data, len, off))) {
			off += brk;
			line--;
		} else {
			off++;
		}
	}
	return off;
}

int honk_plan_set_manual(struct honk_buf *out, const char *path,
			 const char *data, size_t len, int keep_people,
			 const struct honk_plan_manual *items, size_t n,
			 struct honk_diags *diags)
{
	struct honk_planfile old;
	struct honk_ydoc doc = HONK_YDOC_INIT;
	struct honk_ywriter *w = NULL;
	struct honk_buf block = HONK_BUF_INIT;
	const struct honk_ynode *k, *prev = NULL;
	size_t cut = len, resume = len, i, count = 0;
	unsigned lastline = 0;
	int err;

	if ((err = honk_planfile_parse(&old, path, data, len, diags)) < 0)
		return err;
	if ((err = honk_ydoc_parse(&doc, path, data, len, NULL, diags)) < 0)
		goto cleanup;
	/* the `manual` pair's lines, up to the next top-level key */
	for (k = doc.root->first; k; k = k->next->next) {
		if (k->col != 1 || (prev && k->line <= lastline)) {
			err = honk_diag_add(
				diags, path, k->line, k->col,
				"cannot place manual items: the plan's top-level keys must each start a line");
			goto cleanup;
		}
		lastline = k->line;
		if (prev && !strcmp(prev->str, "manual"))
			resume = line_start(data, len, k->line);
		prev = k;
		if (!strcmp(k->str, "manual"))
			cut = line_start(data, len, k->line);
	}
	honk_buf_reset(out);
	honk_buf_add(out, data, cut);
	if (resume < len)
		honk_buf_add(out, data + resume, len - resume);
	if (out->len && out->buf[out->len - 1] != '\n')
		honk_buf_addch(out, '\n');
	if ((err = honk_yw_new(&w, &block)) < 0)
		goto cleanup;
	honk_yw_map_begin(w, 0);
	honk_yw_str(w, "manual");
	honk_yw_seq_begin(w, 0);
	for (i = 0; keep_people && i < old.nmanual; i++) {
		if (old.manual[i].by_honk)
			continue;
		write_manual(w, &old.manual[i]);
		count++;
	}
	for (i = 0; i < n; i++, count++)
		write_manual(w, &items[i]);
	honk_yw_seq_end(w);
	honk_yw_map_end(w);
	if ((err = honk_yw_finish(w)) < 0)
		goto cleanup;
	if (count)
		err = honk_buf_add(out, block.buf, block.len);
cleanup:
	honk_yw_free(w);
	honk_buf_release(&block);
	honk_ydoc_release(&doc);
	honk_planfile_release(&old);
	return err;
}
