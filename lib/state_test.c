/*
 * State files: what the writer writes the reader reads back, the same
 * bytes every time, and every malformed file is a diagnostic with its
 * position.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "state.h"
#include "banned.h"

static const char full[] =
	"migration: plays.p.v3-v4\n"
	"phase: paused\n"
	"approved: \"0123456789abcdef0123456789abcdef01234567\"\n"
	"approved_by: A U Thor <a@example.com>\n"
	"approved_at: \"2026-12-01T10:00:00Z\"\n"
	"started_at: \"2026-12-01T10:05:00Z\"\n"
	"wave: 2\n"
	"waves: 3\n"
	"not_before: \"2026-12-01T11:00:00Z\"\n"
	"gate: manual\n"
	"failures: 1\n"
	"health: {wave: 1, result: unhealthy, at: \"2026-12-01T10:30:00Z\", detail: cpu=0.95 is not < 0.85}\n"
	"reason: wave 1 is unhealthy\n"
	"by: B <b@example.com>\n"
	"lease: {holder: host/12/34, until: \"2026-12-01T10:40:00Z\"}\n"
	"consumers:\n"
	"- {consumer: a, wave: 1, state: succeeded, step: apply, attempts: 1, step_id: \"0011223344556677\", started_at: \"2026-12-01T10:05:00Z\", finished_at: \"2026-12-01T10:06:00Z\"}\n"
	"- {consumer: b, wave: 2, state: failed, step: apply, attempts: 3, error: apply exited with 2, tail: boom}\n"
	"- {consumer: c, state: skipped, reason: transitive}\n";

static void round_trip_is_exact(void **state)
{
	struct honk_mstate s, copy;
	struct honk_diags d = HONK_DIAGS_INIT;
	struct honk_buf out = HONK_BUF_INIT, again = HONK_BUF_INIT;

	(void)state;
	assert_int_equal(honk_mstate_parse(&s, "state/plays.p.v3-v4.yaml", full,
					   strlen(full), &d),
			 0);
	assert_int_equal(s.phase, HONK_PHASE_PAUSED);
	assert_int_equal(s.wave, 2);
	assert_true(s.gate_manual);
	assert_int_equal(s.n, 3);
	assert_int_equal(honk_mstate_find(&s, "b")->attempts, 3);
	assert_int_equal(honk_mstate_find(&s, "b")->state, HONK_CS_FAILED);
	assert_string_equal(honk_mstate_find(&s, "c")->reason, "transitive");
	assert_null(honk_mstate_find(&s, "zz"));
	assert_int_equal(honk_mstate_write(&out, &s), 0);
	assert_string_equal(out.buf, full);
	/* a copy owns its strings: the original can go */
	assert_int_equal(honk_mstate_copy(&copy, &s), 0);
	honk_mstate_release(&s);
	assert_int_equal(honk_mstate_write(&again, &copy), 0);
	assert_string_equal(again.buf, full);
	honk_mstate_release(&copy);
	honk_buf_release(&out);
	honk_buf_release(&again);
	honk_diags_release(&d);
}

static void expect_bad(const char *text, const char *want)
{
	struct honk_mstate s;
	struct honk_diags d = HONK_DIAGS_INIT;
	char line[512];

	assert_int_equal(honk_mstate_parse(&s, "state/x.yaml", text,
					   strlen(text), &d),
			 HONK_EINVALID);
	assert_true(d.n >= 1);
	snprintf(line, sizeof(line), "%u:%u: %s", d.v[0].line, d.v[0].col,
		 d.v[0].msg);
	if (!strstr(line, want))
		fail_msg("got '%s', want '%s'", line, want);
	honk_diags_release(&d);
}

static void bad_files_are_diagnosed(void **state)
{
	(void)state;
	expect_bad("migration: x\nphase: pased\n",
		   "2:8: unknown value 'pased', did you mean 'paused'?");
	expect_bad(
		"migration: x\nphase: paused\nconsumers: [{consumer: a, state: ok}]\n",
		"3:34: unknown value 'ok'");
	expect_bad("migration: x\nphase: paused\napproved: 12ab\n",
		   "3:11: expected a commit id (40 hex digits)");
	expect_bad(
		"migration: x\nphase: paused\nstarted_at: 2026-12-01T10:00:00\n",
		"3:13: '2026-12-01T10:00:00' is not a time");
	expect_bad(
		"migration: x\nphase: paused\nconsumers: [{consumer: a, state: pending}, {consumer: a, state: pending}]\n",
		"consumer 'a' is listed twice");
	expect_bad("migration: '$(id)'\nphase: paused\n",
		   "1:12: invalid migration name '$(id)'");
	expect_bad("phase: paused\nwaev: 1\n", "unknown key 'waev'");
	expect_bad("migration: y\nphase: paused\n",
		   "1:12: migration 'y' belongs in state/y.yaml");
}
/* The quick read agrees with the full parser on every field it fills. */
static void scan_agrees_with_parse(void **state)
{
	static const char *const files[] = {
		full,
		"migration: a.b.v1-v2\nphase: rolling-out\nverdict: breaking\nwave: 1\nwaves: 2\n"
		"reason: 'it''s: paused, by \"x\"'\n"
		"consumers:\n- {consumer: c, wave: 1, state: pending, waiting: honk/a.b.v1-v2 is not merged into main in ../c.git}\n"
		"- {consumer: d, wave: 2, state: failed, attempts: 2, error: apply exited with 2, tail: 'x, y}'}\n",
		"migration: a.b.v1-v2\nphase: completed\nconsumers: []\n",
	};
	static const char *const refused[] = {
		/* not the shape honk writes: the full parser reads these */
		"migration: a.b.v1-v2\nphase: paused\nreason: \"a\\nb\"\nconsumers: []\n",
		"migration: a.b.v1-v2\nphase: paused\nreason: a # b\nconsumers: []\n",
		"migration: a.b.v1-v2\nphase: paused\nconsumers:\n  - {consumer: c, state: pending}\n",
		"migration: a.b.v1-v2\nphase: paused\nconsumers:\n- consumer: c\n  state: pending\n",
		"migration: a.b.v1-v2\nphase: nope\nconsumers: []\n",
		"phase: paused\nconsumers: []\n",
		"migration: a.b.v1-v2\nphase: paused\nconsumers: []",
	};
	struct honk_diags d = HONK_DIAGS_INIT;
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct honk_mstate a, b;

		assert_int_equal(honk_mstate_parse(&a, "s", files[i],
						   strlen(files[i]), &d),
				 0);
		assert_int_equal(
			honk_mstate_scan(&b, files[i], strlen(files[i])), 1);
		assert_string_equal(a.id, b.id);
		assert_int_equal(a.phase, b.phase);
		assert_int_equal(a.wave, b.wave);
		assert_int_equal(a.waves, b.waves);
		assert_int_equal(a.gate_manual, b.gate_manual);
		assert_int_equal(a.started_at, b.started_at);
		if (a.reason || b.reason)
			assert_string_equal(a.reason, b.reason);
		if (a.verdict || b.verdict)
			assert_string_equal(a.verdict, b.verdict);
		assert_int_equal(a.n, b.n);
		for (k = 0; k < a.n; k++) {
			assert_string_equal(a.consumers[k].consumer,
					    b.consumers[k].consumer);
			assert_int_equal(a.consumers[k].state,
					 b.consumers[k].state);
			assert_int_equal(a.consumers[k].wave,
					 b.consumers[k].wave);
			assert_int_equal(a.consumers[k].attempts,
					 b.consumers[k].attempts);
			if (a.consumers[k].waiting || b.consumers[k].waiting)
				assert_string_equal(a.consumers[k].waiting,
						    b.consumers[k].waiting);
		}
		honk_mstate_release(&a);
		honk_mstate_release(&b);
	}
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		struct honk_mstate b;

		if (honk_mstate_scan(&b, refused[i], strlen(refused[i])))
			fail_msg("scanned what it must leave to the parser: %s",
				 refused[i]);
	}
	honk_diags_release(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip_is_exact),
		cmocka_unit_test(bad_files_are_diagnosed),
		cmocka_unit_test(scan_agrees_with_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
