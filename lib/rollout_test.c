/*
 * The reconciler with an injected clock: retries wait out their backoff
 * as not-before times in the state, and a run before that time starts
 * nothing, without any test sleeping.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "clock.h"
#include "repo.h"
#include "rollout.h"
#include "state.h"
#include "banned.h"

static char top[4096];

static void sh(const char *fmt, ...)
{
	struct honk_buf cmd = HONK_BUF_INIT;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	honk_buf_vaddf(&cmd, fmt, ap);
	va_end(ap);
	rc = system(cmd.buf);
	if (rc != 0)
		fail_msg("command failed (%d): %s", rc, cmd.buf);
	honk_buf_release(&cmd);
}

static int setup(void **state)
{
	char tmpl[] = "/tmp/honk-rollout-test.XXXXXX";

	(void)state;
	if (!mkdtemp(tmpl))
		return -1;
	snprintf(top, sizeof(top), "%s", tmpl);
	if (chdir(top) < 0)
		return -1;
	setenv("HOME", top, 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("GIT_AUTHOR_NAME", "Test", 1);
	setenv("GIT_AUTHOR_EMAIL", "test@example.com", 1);
	setenv("GIT_COMMITTER_NAME", "Test", 1);
	setenv("GIT_COMMITTER_EMAIL", "test@example.com", 1);
	unsetenv("GIT_DIR");
	setenv("GIT_CEILING_DIRECTORIES", "/tmp", 1);
	/* one consumer whose apply fails the first time only */
	sh("mkdir -p cat/datasets/d cat/consumers cat/ops && cd cat &&"
	   " printf 'honk: 1\\nrollout:\\n  waves: [100%%%%]\\n  retries: 2\\n"
	   "  backoff: 30s\\n  apply: [./ops/apply.sh]\\n' >honk.yaml &&"
	   " printf 'dataset: d.t\\nversions:\\n"
	   "  - {version: 1, schema: [{name: id, type: int64}]}\\n"
	   "  - {version: 2, schema: [{name: id, type: int64}]}\\n'"
	   " >datasets/d/t.yaml &&"
	   " printf 'consumer: c\\nreads: [{dataset: d.t, version: 1}]\\n'"
	   " >consumers/c.yaml &&"
	   " printf '#!/bin/sh\\necho $HONK_ATTEMPT >>%s/tries\\n"
	   "test $HONK_ATTEMPT -ge 2\\n' >ops/apply.sh && chmod +x ops/apply.sh &&"
	   " git init -q -b main && git add -A && git commit -q -m cat &&"
	   " git checkout -q -b honk/propose/d.t.v1-v2 && mkdir migrations &&"
	   " printf 'migration: d.t.v1-v2\\ndataset: d.t\\nfrom: 1\\nto: 2\\n"
	   "consumers:\\n- {consumer: c, impact: relocate, wave: 1}\\n'"
	   " >migrations/d.t.v1-v2.yaml && git add -A && git commit -q -m plan &&"
	   " git checkout -q main && git merge -q --no-ff -m approve"
	   " honk/propose/d.t.v1-v2",
	   top);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (chdir("/") < 0)
		return -1;
	sh("rm -rf '%s'", top);
	return 0;
}

static struct honk_cstate_entry *consumer_c(struct honk_mstate *st,
					    struct honk_repo *r)
{
	struct honk_source src = HONK_SOURCE_INIT;
	struct honk_snapshot *snap = NULL;
	struct honk_buf text = HONK_BUF_INIT;
	struct honk_diags d = HONK_DIAGS_INIT;

	src.rev = "refs/heads/honk/state";
	assert_int_equal(honk_snapshot_open(&snap, r, &src), 0);
	assert_int_equal(
		honk_snapshot_read(&text, snap, "state/d.t.v1-v2.yaml"), 0);
	assert_int_equal(honk_mstate_parse(st, "s", text.buf, text.len, &d), 0);
	honk_snapshot_free(snap);
	honk_buf_release(&text);
	honk_diags_release(&d);
	return honk_mstate_find(st, "c");
}

static void retry_waits_for_its_backoff(void **state)
{
	/* 2026-12-01T00:00:00Z */
	int64_t now = 1795996800000LL;
	struct honk_clock clock = { honk_clock_fixed_ms, &now };
	struct honk_rollout_opts o = HONK_ROLLOUT_OPTS_INIT;
	struct honk_rollout_result res;
	struct honk_repo *r = NULL;
	struct honk_mstate st;
	struct honk_cstate_entry *e;
	int64_t due;

	(void)state;
	assert_int_equal(chdir("cat"), 0);
	assert_int_equal(honk_repo_open(&r), 0);
	o.once = 1;
	o.clock = &clock;
	o.no_remote = 1;
	assert_int_equal(honk_rollout_run(r, &o, NULL, NULL, &res), 0);
	e = consumer_c(&st, r);
	assert_int_equal(e->state, HONK_CS_PENDING);
	assert_int_equal(e->attempts, 1);
	due = honk_not_before(now, 30000, 1, honk_backoff_seed(e->step_id));
	assert_int_equal(e->not_before, due / 1000 * 1000);
	/* equal jitter: between half the base and the base */
	assert_true(e->not_before >= now + 15000 - 1000);
	assert_true(e->not_before <= now + 30000);
	honk_mstate_release(&st);
	/* a second before it is due: nothing starts */
	now = due - 1000;
	assert_int_equal(honk_rollout_run(r, &o, NULL, NULL, &res), 0);
	e = consumer_c(&st, r);
	assert_int_equal(e->attempts, 1);
	assert_int_equal(e->state, HONK_CS_PENDING);
	honk_mstate_release(&st);
	/* due: the second attempt runs and succeeds */
	now = due + 1000;
	assert_int_equal(honk_rollout_run(r, &o, NULL, NULL, &res), 0);
	assert_int_equal(res.completed, 1);
	e = consumer_c(&st, r);
	assert_int_equal(e->state, HONK_CS_SUCCEEDED);
	assert_int_equal(e->attempts, 2);
	assert_int_equal(st.phase, HONK_PHASE_COMPLETED);
	honk_mstate_release(&st);
	sh("test \"$(cat %s/tries | tr '\\n' ' ')\" = '1 2 '", top);
	honk_repo_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(retry_waits_for_its_backoff,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
