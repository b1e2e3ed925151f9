/*
 * The gate for hooks and CI: compare a catalog with its base.
 *
 * A version present in both is released: any change to its schema or
 * its location is a finding ("edited in place"). A version only in the
 * new catalog must keep the dataset's policy against its predecessor, or
 * against every earlier version for the transitive policies. Findings are
 * placed at the version's position in the new file, as path:line:col.
 */
#include "check.h"

#include <string.h>

#include "diff.h"
#include "error.h"
#include "banned.h"

static void summarize(struct honk_buf *b, const struct honk_diff *d,
		      enum honk_policy policy, int only_breaking)
{
	size_t i, shown = 0;

	for (i = 0; i < d->n && shown < 3; i++) {
		const struct honk_change *ch = &d->v[i];

		if (only_breaking && !honk_change_breaks(ch, policy))
			continue;
		honk_buf_addf(b, "%s%s %s", shown ? ", " : "",
			      honk_change_names[ch->kind],
			      *ch->path ? ch->path : "(location)");
		if (ch->to)
			honk_buf_addf(b, " -> %s", ch->to);
		if (ch->symbol)
			honk_buf_addf(b, " (%s)", ch->symbol);
		shown++;
	}
	if (i < d->n)
		honk_buf_addstr(b, ", ...");
}

int honk_check_catalogs(const struct honk_catalog *base,
			const struct honk_catalog *head,
			struct honk_diags *findings)
{
	struct honk_buf msg = HONK_BUF_INIT;
	size_t i, k;
	int err = 0;

	for (i = 0; i < head->ndatasets; i++) {
		const struct honk_dataset *ds = &head->datasets[i];
		const struct honk_dataset *old =
			base ? honk_catalog_dataset(base, ds->id) : NULL;
		enum honk_policy policy = honk_dataset_policy(head, ds);

		for (k = 0; k < ds->nversions; k++) {
			const struct honk_version *v = &ds->versions[k];
			const struct honk_version *was =
				old ? honk_dataset_version(old, v->version)
				    : NULL;
			struct honk_diff d = HONK_DIFF_INIT;
			int64_t against = -1;
			int r;

			if (was) {
				/* released: any change to its schema or
				 * location */
				if (honk_diff_schemas(&d, &was->schema,
						      &v->schema, was->location,
						      v->location) < 0) {
					err = HONK_ERROR;
					break;
				}
				if (d.n) {
					honk_buf_reset(&msg);
					summarize(&msg, &d, policy, 0);
					honk_diag_add(
						findings, ds->path, v->line,
						v->col,
						"version %lld of %s is released and was edited in place: %s",
						(long long)v->version, ds->id,
						msg.buf);
				}
				honk_diff_release(&d);
				continue;
			}
			r = honk_version_check(ds, k, policy, &against);
			if (r < 0) {
				err = r;
				break;
			}
			if (!r)
				continue;
			if (honk_diff_schemas(
				    &d,
				    &honk_dataset_version(ds, against)->schema,
				    &v->schema, NULL, NULL) < 0) {
				err = HONK_ERROR;
				break;
			}
			honk_buf_reset(&msg);
			summarize(&msg, &d, policy, 1);
			honk_diag_add(
				findings, ds->path, v->line, v->col,
				"new version %lld of %s breaks version %lld under %s: %s",
				(long long)v->version, ds->id,
				(long long)against, honk_policy_names[policy],
				msg.buf);
			honk_diff_release(&d);
		}
	}
	honk_buf_release(&msg);
	return err;
}
