/*
 * Fuzz target for the health command's output: the input is what the
 * command printed. It is parsed, then judged twice, as the output of a
 * run that exited with 0 against a few thresholds and of one that
 * exited with 1. Refusals are the expected outcome; a crash, leak, hang
 * or sanitizer report is a bug, and so is a broken promise of health.h,
 * which aborts: a metric with an invalid key, a value that is not
 * finite, a key given twice, a failure that leaves metrics behind, a
 * message or reason that is not one line of printable ASCII.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "error.h"
#include "exec.h"
#include "health.h"
#include "names.h"
#include "banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct honk_threshold thresholds[] = {
	{ "cpu", HONK_CMP_LT, 0.85 },
	{ "latency_p99_ms", HONK_CMP_LE, 500 },
	{ "up", HONK_CMP_EQ, 1 },
	{ "a.b", HONK_CMP_NE, 0 },
};

static void check_line(const char *s)
{
	if (!*s)
		abort();
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			abort();
}

static void check_metrics(const struct honk_metrics *m)
{
	size_t i, j;

	for (i = 0; i < m->n; i++) {
		if (!honk_name_valid(m->v[i].key, strlen(m->v[i].key)) ||
		    !isfinite(m->v[i].value) || !m->v[i].line ||
		    (i && m->v[i].line < m->v[i - 1].line))
			abort();
		/* quadratic: only for inputs of the fuzzer's usual sizes */
		for (j = 0; m->n <= 2000 && j < i; j++)
			if (!strcmp(m->v[i].key, m->v[j].key))
				abort();
	}
}

static void judge(const uint8_t *data, size_t size, int status)
{
	struct honk_exec_result res;
	struct honk_buf reason = HONK_BUF_INIT;
	enum honk_health_verdict v;

	memset(&res, 0, sizeof(res));
	honk_buf_init(&res.tail, 0);
	if (honk_buf_add(&res.tail, data, size) < 0)
		abort();
	res.pid = 1;
	res.exited = 1;
	res.status = status;
	res.total = size;
	if (honk_health_judge(&v, &reason, &res, thresholds,
			      sizeof(thresholds) / sizeof(thresholds[0])) < 0)
		abort();
	if (status && v != HONK_HEALTH_ERROR)
		abort();
	check_line(reason.buf);
	honk_buf_release(&reason);
	honk_exec_result_release(&res);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct honk_arena arena = HONK_ARENA_INIT;
	struct honk_metrics m;
	int err;

	err = honk_health_parse(&m, &arena, (const char *)data, size);
	if (err == 0) {
		check_metrics(&m);
	} else {
		if (m.v || m.n || (err != HONK_EINVALID && err != HONK_ELIMIT))
			abort();
		check_line(honk_error_last());
	}
	honk_arena_release(&arena);
	judge(data, size, 0);
	judge(data, size, 1);
	return 0;
}
