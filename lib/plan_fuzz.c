/*
 * Fuzz target for migration plan files: the input is a migrations/<id>.yaml
 * as a proposal branch or main may carry it. It is read strictly; a plan
 * that reads is then given new manual items (honk-gen's own, replacing any
 * earlier ones, people's kept), and what comes out must read again, with
 * the same plan in it (the same id, dataset, versions, consumers and
 * exclusions) and exactly the items expected. Giving the same items a
 * second time must change nothing: the splice is idempotent.
 *
 * Refusals are the expected outcome; a crash, leak, hang or sanitizer
 * report is a bug, and so is a broken promise above, which aborts. So is
 * a diagnostic that is not one line (no control characters, a position
 * inside the file), since diagnostics go to terminals and hook output.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "diag.h"
#include "error.h"
#include "fuzz.h"
#include "plan.h"
#include "banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* honk-gen's items, with strings the emitter must quote or escape */
static const struct honk_plan_manual items[] = {
	{ "transform", "device.os", NULL, "type-narrowed int64 to int32", 1 },
	{ "rewrite", "ts", "royalty-reports",
	  "'ts' is also read from plays.q: \"quoted\" # not a comment", 1 },
	{ "compat", "- x", NULL, "yes", 1 },
	{ NULL, NULL, "a.b", "line one\nline two\ttab \\ back", 1 },
	{ "consumer", "[a]", NULL, "{b: c} &anchor *alias !tag %x @y `z`", 1 },
};
#define NITEMS (sizeof(items) / sizeof(items[0]))

static size_t people(const struct honk_planfile *pf)
{
	size_t i, n = 0;

	for (i = 0; i < pf->nmanual; i++)
		n += !pf->manual[i].by_honk;
	return n;
}

static int str_eq(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* The plan in b is the plan in a, manual items aside. */
static void same_plan(const struct honk_planfile *a,
		      const struct honk_planfile *b)
{
	size_t i, j;

	if (!str_eq(a->id, b->id) || !str_eq(a->dataset, b->dataset) ||
	    a->from != b->from || a->to != b->to || a->policy != b->policy ||
	    a->breaking != b->breaking || a->nconsumers != b->nconsumers ||
	    a->nexcluded != b->nexcluded || a->rollout.set != b->rollout.set)
		abort();
	for (i = 0; i < a->nconsumers; i++) {
		const struct honk_planfile_consumer *x = &a->consumers[i],
						    *y = &b->consumers[i];

		if (!str_eq(x->consumer, y->consumer) ||
		    x->impact != y->impact || x->wave != y->wave ||
		    !str_eq(x->via, y->via) || x->nfields != y->nfields)
			abort();
		for (j = 0; j < x->nfields; j++)
			if (!str_eq(x->fields[j], y->fields[j]))
				abort();
	}
	for (i = 0; i < a->nexcluded; i++)
		if (!str_eq(a->excluded[i].consumer, b->excluded[i].consumer) ||
		    !str_eq(a->excluded[i].reason, b->excluded[i].reason))
			abort();
}

static void splice(const struct honk_planfile *pf, const char *path,
		   const char *data, size_t size, size_t n)
{
	struct honk_diags d = HONK_DIAGS_INIT;
	struct honk_buf one = HONK_BUF_INIT, two = HONK_BUF_INIT;
	struct honk_planfile back;
	size_t i;
	int err;

	err = honk_plan_set_manual(&one, path, data, size, 1, items, n, &d);
	honk_fuzz_check_diags(&d, path, size);
	if (err < 0) {
		/* only a layout it cannot place into is refused */
		if (err != HONK_EINVALID || d.n != 1 ||
		    !strstr(d.v[0].msg, "cannot place manual items"))
			abort();
		goto cleanup;
	}
	if (d.n)
		abort();
	if (honk_planfile_parse(&back, path, one.buf, one.len, &d) != 0)
		abort(); /* what honk writes must read again */
	same_plan(pf, &back);
	if (back.nmanual != people(pf) + n)
		abort();
	for (i = 0; i < n; i++) {
		const struct honk_plan_manual *m =
			&back.manual[back.nmanual - n + i];

		if (!m->by_honk || !str_eq(m->what, items[i].what) ||
		    !str_eq(m->path, items[i].path) ||
		    !str_eq(m->consumer, items[i].consumer) ||
		    !str_eq(m->reason, items[i].reason))
			abort();
	}
	honk_planfile_release(&back);
	/* the same items again: the same bytes */
	if (honk_plan_set_manual(&two, path, one.buf, one.len, 1, items, n,
				 &d) != 0 ||
	    two.len != one.len || memcmp(two.buf, one.buf, one.len))
		abort();
cleanup:
	honk_buf_release(&one);
	honk_buf_release(&two);
	honk_diags_release(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* no directory: the id need not match the file name, so more of the
	 * plan gets read */
	static const char path[] = "fuzz.yaml";
	struct honk_diags d = HONK_DIAGS_INIT;
	struct honk_planfile pf;
	int err;

	err = honk_planfile_parse(&pf, path, (const char *)data, size, &d);
	honk_fuzz_check_diags(&d, path, size);
	if (err == 0) {
		if (d.n || !pf.id || !pf.dataset || pf.from >= pf.to)
			abort();
		splice(&pf, path, (const char *)data, size, NITEMS);
		splice(&pf, path, (const char *)data, size, 0);
		honk_planfile_release(&pf);
	} else if (err != HONK_EINVALID || !honk_diags_count(&d)) {
		abort();
	}
	honk_diags_release(&d);
	return 0;
}
