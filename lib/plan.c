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
