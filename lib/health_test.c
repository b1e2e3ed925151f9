/*
 * Unit tests for the health gate: the two output forms and every way
 * output is refused, with the message a person would read; the verdict
 * for each way a run can end, the three outcomes kept apart (a missing
 * metric or a failed command is an error, never unhealthy); the six
 * comparisons at and around their bounds; and real runs of a command
 * through honk_health_run().
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>

#include "arena.h"
#include "buf.h"
#include "error.h"
#include "exec.h"
#include "health.h"
#include "names.h"
#include "banned.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define T(k, op, v)                 \
	{                           \
		k, HONK_CMP_##op, v \
	}

static struct honk_arena arena = HONK_ARENA_INIT;

static int parse_n(struct honk_metrics *m, const char *s, size_t n)
{
	honk_arena_reset(&arena);
	return honk_health_parse(m, &arena, s, n);
}

static int parse(struct honk_metrics *m, const char *s)
{
	return parse_n(m, s, strlen(s));
}

static void expect_ok(const char *s, size_t n, ...)
{
	struct honk_metrics m;
	va_list ap;
	size_t i;

	if (parse(&m, s) != 0)
		fail_msg("refused: %s\n%s", honk_error_last(), s);
	va_start(ap, n);
	assert_int_equal(m.n, n);
	for (i = 0; i < n; i++) {
		const char *key = va_arg(ap, const char *);
		double value = va_arg(ap, double);

		assert_string_equal(m.v[i].key, key);
		if (m.v[i].value != value)
			fail_msg("%s: %.17g, not %.17g", key, m.v[i].value,
				 value);
	}
	va_end(ap);
}

static void expect_error_n(const char *s, size_t n, int code, const char *msg)
{
	struct honk_metrics m = { (struct honk_metric *)&m, 99 };
	int err = parse_n(&m, s, n);

	if (err != code)
		fail_msg("%d, not %d (%s) for: %.*s", err, code,
			 honk_error_last(), (int)n, s);
	assert_null(m.v);
	assert_int_equal(m.n, 0);
	assert_null(strchr(honk_error_last(), '\n'));
	if (msg)
		assert_string_equal(honk_error_last(), msg);
}

static void expect_error(const char *s, const char *msg)
{
	expect_error_n(s, strlen(s), HONK_EINVALID, msg);
}

static void test_lines(void **state)
{
	struct honk_metrics m;

	(void)state;
	expect_ok("cpu=0.5\nlatency_p99_ms=120\n", 2, "cpu", 0.5,
		  "latency_p99_ms", 120.0);
	/* blanks around the key, '=' and the value; tabs; CRLF */
	expect_ok("cpu = 0.5\n  mem\t=\t0.25  \ndisk =1\r\nnet= 2 \r\n", 4,
		  "cpu", 0.5, "mem", 0.25, "disk", 1.0, "net", 2.0);
	/* comments and blank lines */
	expect_ok("# health of the fleet\n\ncpu=0.5\n   \n\t# indented\n"
		  "#cpu=9\n\r\nmem=1\n",
		  2, "cpu", 0.5, "mem", 1.0);
	/* names with dots, dashes, digits */
	expect_ok("db.replica-2.lag_ms=12\n9lives=9\n", 2,
		  "db.replica-2.lag_ms", 12.0, "9lives", 9.0);
	/* output order is kept */
	expect_ok("z=1\na=2\nm=3\n", 3, "z", 1.0, "a", 2.0, "m", 3.0);
	/* the line numbers */
	assert_int_equal(parse(&m, "# x\n\na=1\nb=2\n"), 0);
	assert_int_equal(m.v[0].line, 3);
	assert_int_equal(m.v[1].line, 4);
}

static void test_numbers(void **state)
{
	(void)state;
	expect_ok("a=0\nb=-0\nc=+2\nd=.5\ne=5.\nf=-1e3\ng=1E-3\nh=2.5e+2\n"
		  "i=007\nj=123456789012345678901234567890\n",
		  10, "a", 0.0, "b", -0.0, "c", 2.0, "d", 0.5, "e", 5.0, "f",
		  -1000.0, "g", 0.001, "h", 250.0, "i", 7.0, "j",
		  123456789012345678901234567890.0);
	/* true and false are 1 and 0 */
	expect_ok("up=true\ndegraded=false\n", 2, "up", 1.0, "degraded", 0.0);
	/* the extremes of a double, and underflow to a tiny value */
	expect_ok("a=1.7976931348623157e308\nb=-1.7976931348623157e308\n"
		  "c=4.9e-324\nd=1e-400\n",
		  4, "a", 1.7976931348623157e308, "b", -1.7976931348623157e308,
		  "c", 4.9e-324, "d", 0.0);
}

static void test_numbers_refused(void **state)
{
	static const char *const bad[] = {
		"0x10", "0x1p3", "0X1P-2", "inf",     "-inf",	 "infinity",
		"nan",	"NaN",	 "-nan",   "1,5",     "1_000",	 "1e",
		"1e+",	"e5",	 ".",	   "-",	      "+",	 "+-1",
		"--1",	"1.2.3", "1 2",	   "1..2",    "0.5x",	 "x0.5",
		"True", "TRUE",	 "yes",	   "on",      "1%",	 "$1",
		"١",	"1e5.5", ".e1",	   "\"0.5\"", "0.5 # x", "1\v",
	};
	char line[128], msg[256];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(line, sizeof(line), "ok=1\ncpu=%s\n", bad[i]);
		expect_error(line, NULL);
		snprintf(msg, sizeof(msg), "line 2: the value of 'cpu', ");
		if (strncmp(honk_error_last(), msg, strlen(msg)))
			fail_msg("%s: %s", bad[i], honk_error_last());
	}
	expect_error("cpu=0x10\n",
		     "line 1: the value of 'cpu', '0x10', is not a number");
	expect_error(
		"cpu=1e999\n",
		"line 1: the value of 'cpu', '1e999', is beyond the range of a double");
	expect_error("cpu=-1e400\n", "line 1: the value of 'cpu', '-1e400', "
				     "is beyond the range of a double");
	/* at most HONK_HEALTH_NUMBER_MAX bytes */
	memset(line, '1', sizeof(line));
	memcpy(line, "cpu=", 4);
	line[4 + HONK_HEALTH_NUMBER_MAX] = '\n';
	line[5 + HONK_HEALTH_NUMBER_MAX] = '\0';
	expect_ok(line, 1, "cpu", strtod(line + 4, NULL));
	line[4 + HONK_HEALTH_NUMBER_MAX] = '1';
	line[5 + HONK_HEALTH_NUMBER_MAX] = '\n';
	line[6 + HONK_HEALTH_NUMBER_MAX] = '\0';
	expect_error(line,
		     "line 1: the value of 'cpu' is longer than 64 bytes");
}

static void test_lines_refused(void **state)
{
	char key[HONK_NAME_MAX + 8];
	struct honk_metrics m;

	(void)state;
	expect_error("cpu=0.5\noops\n",
		     "line 2: expected key=value, got 'oops'");
	expect_error("cpu 0.5\n", "line 1: expected key=value, got 'cpu 0.5'");
	expect_error("=0.5\n", "line 1: no key before '='");
	expect_error("  = 0.5\n", "line 1: no key before '='");
	expect_error("cpu=\n", "line 1: 'cpu' has no value");
	expect_error("cpu =  \t\n", "line 1: 'cpu' has no value");
	expect_error("cpu=1=2\n",
		     "line 1: the value of 'cpu', '1=2', is not a number");
	expect_error(
		"CPU=1\n",
		"line 1: 'CPU' is not a metric name (lowercase [a-z0-9_-] words joined by '.', at most 128 bytes)");
	expect_error("a..b=1\n", NULL);
	expect_error("a.=1\n", NULL);
	expect_error(".a=1\n", NULL);
	expect_error("_a=1\n", NULL);
	expect_error("-a=1\n", NULL);
	expect_error("a b=1\n", NULL);
	expect_error(
		"caf\xc3\xa9=1\n",
		"line 1: 'caf\\xc3\\xa9' is not a metric name (lowercase [a-z0-9_-] words joined by '.', at most 128 bytes)");
	/* 128 bytes of key is fine, 129 is not */
	memset(key, 'k', HONK_NAME_MAX);
	memcpy(key + HONK_NAME_MAX, "=1\n", 4);
	assert_int_equal(parse(&m, key), 0);
	assert_int_equal(m.n, 1);
	assert_int_equal(strlen(m.v[0].key), HONK_NAME_MAX);
	memset(key, 'k', HONK_NAME_MAX + 1);
	memcpy(key + HONK_NAME_MAX + 1, "=1\n", 4);
	expect_error(key, NULL);
	/* the last line must end with a newline */
	expect_error(
		"cpu=0.5\nmem=0.9",
		"line 2: no newline at the end of the output (was it cut short?)");
	expect_error("cpu=0.5", NULL);
	expect_error("cpu=0.5\n# done", NULL);
	/* but trailing blanks without one are nothing */
	expect_ok("cpu=0.5\n  \t", 1, "cpu", 0.5);
	/* a lone CR is no newline */
	expect_error("cpu=0.5\r", NULL);
	expect_error(
		"cpu=0.5\rmem=1\n",
		"line 1: the value of 'cpu', '0.5\\x0dmem=1', is not a number");
	/* garbage, quoted with its control bytes escaped, cut when long */
	expect_error("\x1b[31mred\x1b[0m\n",
		     "line 1: expected key=value, got '\\x1b[31mred\\x1b[0m'");
	expect_error("it's \\ fine\n",
		     "line 1: expected key=value, got 'it\\x27s \\x5c fine'");
	expect_error(
		"Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor\n",
		"line 1: expected key=value, got 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed...'");
	expect_error("<html><body>502 Bad Gateway</body></html>\n", NULL);
	expect_error("cpu: 0.5\n", NULL);
}

static void test_nul_bytes(void **state)
{
	static const char a[] = "cpu=0.5\nm\0em=1\n";
	static const char b[] = "cpu=0.5\0\n";
	static const char c[] = "cpu=0.5\n\0\n";

	(void)state;
	expect_error_n(
		a, sizeof(a) - 1, HONK_EINVALID,
		"line 2: 'm\\x00em' is not a metric name (lowercase [a-z0-9_-] words joined by '.', at most 128 bytes)");
	expect_error_n(
		b, sizeof(b) - 1, HONK_EINVALID,
		"line 1: the value of 'cpu', '0.5\\x00', is not a number");
	expect_error_n(c, sizeof(c) - 1, HONK_EINVALID,
		       "line 2: expected key=value, got '\\x00'");
}

static void test_duplicates(void **state)
{
	(void)state;
	expect_error("cpu=0.5\nmem=1\ncpu=0.5\n",
		     "line 3: 'cpu' given twice (first on line 1)");
	/* the first key given again is named, whatever the order of keys */
	expect_error("z=1\na=1\nb=1\na=2\nz=2\n",
		     "line 4: 'a' given twice (first on line 2)");
	expect_error("z=1\na=1\nz=2\na=2\n",
		     "line 3: 'z' given twice (first on line 1)");
	expect_error("a=1\na=1\na=1\n",
		     "line 2: 'a' given twice (first on line 1)");
	expect_error("{\"cpu\": 0.5,\n \"cpu\": 0.6}",
		     "line 2: 'cpu' given twice (first on line 1)");
	/* dots make different names */
	expect_ok("a.b=1\nab=2\na-b=3\n", 3, "a.b", 1.0, "ab", 2.0, "a-b", 3.0);
}

static void test_empty(void **state)
{
	struct honk_metrics m = { (struct honk_metric *)&m, 99 };

	(void)state;
	assert_int_equal(parse_n(&m, "", 0), 0);
	assert_int_equal(m.n, 0);
	expect_ok("\n\n", 0);
	expect_ok("   \n\t\n", 0);
	expect_ok("# nothing to say\n", 0);
	expect_ok("{}", 0);
	expect_ok("  {\n}\n", 0);
}

static void test_json(void **state)
{
	(void)state;
	expect_ok("{\"cpu\": 0.5, \"latency_p99_ms\": 120}", 2, "cpu", 0.5,
		  "latency_p99_ms", 120.0);
	expect_ok("\n  {\n    \"cpu\": 0.5,\n    \"up\": true,\n"
		  "    \"degraded\": false,\n    \"n\": -1.5e2\n  }\n\n",
		  4, "cpu", 0.5, "up", 1.0, "degraded", 0.0, "n", -150.0);
	/* a key written with escapes is the name it decodes to */
	expect_ok("{\"\\u0063pu\": 1}", 1, "cpu", 1.0);
	/* no newline needed at the end: the brace closes it */
	expect_ok("{\"a\":1}", 1, "a", 1.0);
}

static void test_json_refused(void **state)
{
	struct honk_metrics m;
	char big[256];

	(void)state;
	expect_error("{\"cpu\": 0.5, \"status\": \"ok\"}",
		     "line 1: the value of 'status' is a string, not a number");
	expect_error("{\"cpu\": \"0.5\"}",
		     "line 1: the value of 'cpu' is a string, not a number");
	expect_error("{\n\"cpu\": null}",
		     "line 2: the value of 'cpu' is null, not a number");
	expect_error("{\"cpu\": [0.5]}",
		     "line 1: the value of 'cpu' is an array, not a number");
	expect_error("{\"cpu\": {\"avg\": 0.5}}",
		     "line 1: the value of 'cpu' is an object, not a number");
	expect_error("[{\"cpu\": 0.5}]",
		     "expected one JSON object, not an array");
	expect_error("[]", "expected one JSON object, not an array");
	expect_error("{\"CPU\": 0.5}", NULL);
	expect_error("{\"\": 0.5}", NULL);
	expect_error(
		"{\"cpu\": 1e999}",
		"line 1: the value of 'cpu', '1e999', is beyond the range of a double");
	/* JSON's own grammar: no NaN, no hex, no leading zeros, no '+' */
	expect_error("{\"cpu\": NaN}", "line 1, column 9: not a JSON value");
	expect_error("{\"cpu\": 0x10}", NULL);
	expect_error("{\"cpu\": 007}", NULL);
	expect_error("{\"cpu\": +1}", NULL);
	/* broken JSON, with where */
	expect_error("{\n  \"cpu\": 0.5\n  \"mem\": 1\n}",
		     "line 3, column 3: expected ',' or '}'");
	expect_error("{\"cpu\": 0.5,}",
		     "line 1, column 13: expected a key string");
	expect_error("{\"cpu\": 0.5", "line 1, column 12: expected ',' or '}'");
	expect_error("{\"cpu\": 0.5}\n{\"mem\": 1}\n",
		     "line 2, column 1: text after the value");
	expect_error("{\"cpu\": 0.5} trailing", NULL);
	expect_error("{\"c\xffpu\": 0.5}", "line 1, column 4: not valid UTF-8");
	/* a duplicate in JSON too */
	expect_error("{\"a\": 1, \"a\": 1}",
		     "line 1: 'a' given twice (first on line 1)");
	/* lines after a JSON object, or JSON after lines */
	expect_error("{}\ncpu=1\n", NULL);
	expect_error("cpu=1\n{\"mem\": 1}\n", NULL);
	/* nesting past the reader's depth is an error, not a crash */
	memset(big, '[', sizeof(big));
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(parse(&m, big), HONK_EINVALID);
	assert_non_null(strstr(honk_error_last(), "nested too deeply"));
}

static void test_huge(void **state)
{
	struct honk_metrics m;
	char *s = malloc(HONK_HEALTH_OUTPUT_MAX + 2), key[32];
	size_t n = 0, k = 0;

	(void)state;
	assert_non_null(s);
	/* 1 MiB exactly of distinct metrics: parsed, in order */
	while (n + 16 < HONK_HEALTH_OUTPUT_MAX)
		n += (size_t)snprintf(s + n, 32, "m%zu=%zu\n", k, k), k++;
	while (n < HONK_HEALTH_OUTPUT_MAX - 1)
		s[n++] = '#';
	s[n++] = '\n';
	assert_int_equal(n, HONK_HEALTH_OUTPUT_MAX);
	assert_int_equal(parse_n(&m, s, n), 0);
	assert_int_equal(m.n, k);
	snprintf(key, sizeof(key), "m%zu", k - 1);
	assert_string_equal(m.v[k - 1].key, key);
	assert_true(m.v[12345].value == 12345);
	/* one byte more is too much */
	s[n] = '\n';
	expect_error_n(s, n + 1, HONK_ELIMIT,
		       "the output is larger than 1 MiB (1048577 bytes)");
	/* a duplicate among them all, at the very end */
	memcpy(s + n - 7, "\nm7=1\n\n", 7);
	expect_error_n(s, n, HONK_EINVALID, NULL);
	assert_non_null(strstr(honk_error_last(),
			       "'m7' given twice (first on line 8)"));
	/* 1 MiB of one JSON object */
	n = 0;
	s[n++] = '{';
	for (k = 0; n + 24 < HONK_HEALTH_OUTPUT_MAX; k++)
		n += (size_t)snprintf(s + n, 32, "%s\"m%zu\":%zu", k ? "," : "",
				      k, k);
	s[n++] = '}';
	assert_int_equal(parse_n(&m, s, n), 0);
	assert_int_equal(m.n, k);
	free(s);
}

/* A run of the health command that exited with status, having written
 * out. */
static void fake_run(struct honk_exec_result *r, int status, const char *out)
{
	memset(r, 0, sizeof(*r));
	honk_buf_init(&r->tail, 0);
	r->pid = 4242;
	r->exited = 1;
	r->status = status;
	honk_buf_addstr(&r->tail, out);
	r->total = r->tail.len;
}

static void expect_verdict(const struct honk_exec_result *r,
			   const struct honk_threshold *t, size_t nt,
			   enum honk_health_verdict want, const char *reason)
{
	struct honk_buf b = HONK_BUF_INIT;
	enum honk_health_verdict v = (enum honk_health_verdict)99;

	assert_int_equal(honk_health_judge(&v, &b, r, t, nt), 0);
	if (v != want)
		fail_msg("%s, not %s: %s", honk_health_verdict_names[v],
			 honk_health_verdict_names[want], b.buf);
	if (reason)
		assert_string_equal(b.buf, reason);
	assert_true(b.len > 0);
	assert_null(strchr(b.buf, '\n'));
	honk_buf_release(&b);
}

static void judge_output(int status, const char *out,
			 const struct honk_threshold *t, size_t nt,
			 enum honk_health_verdict want, const char *reason)
{
	struct honk_exec_result r;

	fake_run(&r, status, out);
	expect_verdict(&r, t, nt, want, reason);
	honk_exec_result_release(&r);
}

static const struct honk_threshold gate[] = { T("cpu", LT, 0.85),
					      T("latency_p99_ms", LT, 500) };

static void test_judge_healthy(void **state)
{
	(void)state;
	judge_output(0, "cpu=0.5\nlatency_p99_ms=120\nother=1\n", gate, 2,
		     HONK_HEALTH_HEALTHY,
		     "cpu=0.5 < 0.85, latency_p99_ms=120 < 500");
	judge_output(0, "{\"latency_p99_ms\": 499.9, \"cpu\": 0.1}", gate, 2,
		     HONK_HEALTH_HEALTHY,
		     "cpu=0.1 < 0.85, latency_p99_ms=499.9 < 500");
	/* no thresholds: exit 0 is healthy, the output is not read */
	judge_output(0, "", NULL, 0, HONK_HEALTH_HEALTHY,
		     "the health command exited with 0 (no thresholds)");
	judge_output(0, "all good, nothing to parse here", NULL, 0,
		     HONK_HEALTH_HEALTHY, NULL);
}

static void test_judge_unhealthy(void **state)
{
	static const struct honk_threshold three[] = { T("cpu", LT, 0.85),
						       T("mem", LE, 0.9),
						       T("up", EQ, 1) };

	(void)state;
	judge_output(0, "cpu=0.95\nlatency_p99_ms=120\n", gate, 2,
		     HONK_HEALTH_UNHEALTHY, "cpu=0.95 is not < 0.85");
	/* every failing metric is named, in the order of the thresholds */
	judge_output(
		0, "up=false\nmem=0.99\ncpu=0.95\n", three, 3,
		HONK_HEALTH_UNHEALTHY,
		"cpu=0.95 is not < 0.85, mem=0.99 is not <= 0.9, up=0 is not == 1");
	/* a failure outweighs a missing metric, which is named too */
	judge_output(
		0, "cpu=0.95\n", three, 3, HONK_HEALTH_UNHEALTHY,
		"cpu=0.95 is not < 0.85; metrics mem, up are missing from the output");
	judge_output(
		0, "cpu=0.95\nup=1\n", three, 3, HONK_HEALTH_UNHEALTHY,
		"cpu=0.95 is not < 0.85; metric mem is missing from the output");
	/* numbers in the fewest digits that read back the same */
	judge_output(0, "cpu=0.30000000000000004\n", three, 1,
		     HONK_HEALTH_HEALTHY, "cpu=0.30000000000000004 < 0.85");
	judge_output(0, "cpu=1e20\n", three, 1, HONK_HEALTH_UNHEALTHY,
		     "cpu=1e+20 is not < 0.85");
	{
		static const char *const numbers[][2] = {
			{ "500", "500" },
			{ "120.0", "120" },
			{ "123456789", "123456789" },
			{ "1e16", "10000000000000000" },
			{ "1.5e16", "15000000000000000" },
			{ "1e17", "1e+17" },
			{ "0.1", "0.1" },
			{ "-0", "-0" },
			{ "0.0001", "0.0001" },
			{ "1e-7", "1e-07" },
			{ "4.9e-324", "5e-324" },
			{ "9007199254740993", "9007199254740992" },
			{ "1.7976931348623157e308", "1.7976931348623157e+308" },
		};
		struct honk_threshold t = T("x", GT, 1e300);
		char out[64], want[128];
		size_t i;

		for (i = 0; i < ARRAY_SIZE(numbers); i++) {
			snprintf(out, sizeof(out), "x=%s\n", numbers[i][0]);
			snprintf(want, sizeof(want), "x=%s is not > 1e+300",
				 numbers[i][1]);
			judge_output(0, out, &t, 1,
				     i == ARRAY_SIZE(numbers) - 1
					     ? HONK_HEALTH_HEALTHY
					     : HONK_HEALTH_UNHEALTHY,
				     i == ARRAY_SIZE(numbers) - 1 ? NULL
								  : want);
		}
	}
}

static void test_judge_error(void **state)
{
	struct honk_exec_result r;
	char *big;

	(void)state;
	/* a metric a threshold names is missing: an error, not unhealthy */
	judge_output(0, "cpu=0.5\n", gate, 2, HONK_HEALTH_ERROR,
		     "metric latency_p99_ms is missing from the output");
	judge_output(
		0, "", gate, 2, HONK_HEALTH_ERROR,
		"metrics cpu, latency_p99_ms are missing from the output (it has no metrics)");
	judge_output(
		0, "# nothing yet\n", gate, 1, HONK_HEALTH_ERROR,
		"metric cpu is missing from the output (it has no metrics)");
	/* output that does not parse */
	judge_output(
		0, "cpu=0.5\nlatency_p99_ms=fast\n", gate, 2, HONK_HEALTH_ERROR,
		"the output of the health command does not parse: line 2: the value of 'latency_p99_ms', 'fast', is not a number");
	judge_output(
		0, "{\"cpu\": 0.5, \"latency_p99_ms\": \"12ms\"}", gate, 2,
		HONK_HEALTH_ERROR,
		"the output of the health command does not parse: line 1: the value of 'latency_p99_ms' is a string, not a number");
	judge_output(
		0, "cpu=0.5\ncpu=0.9\nlatency_p99_ms=1\n", gate, 2,
		HONK_HEALTH_ERROR,
		"the output of the health command does not parse: line 2: 'cpu' given twice (first on line 1)");
	judge_output(
		0, "cpu=0.5\nlatency_p99_ms=1", gate, 2, HONK_HEALTH_ERROR,
		"the output of the health command does not parse: line 2: no newline at the end of the output (was it cut short?)");
	/* exit 2, whatever it printed */
	judge_output(
		2, "cpu=0.5\nlatency_p99_ms=1\n", gate, 2, HONK_HEALTH_ERROR,
		"the health command exited with 2 (last output: 'latency_p99_ms=1')");
	judge_output(
		1, "cannot reach prometheus\n\n  \n", NULL, 0,
		HONK_HEALTH_ERROR,
		"the health command exited with 1 (last output: 'cannot reach prometheus')");
	judge_output(3, "", gate, 2, HONK_HEALTH_ERROR,
		     "the health command exited with 3");
	judge_output(
		3, "\x1b]0;pwned\x07\r\n", gate, 2, HONK_HEALTH_ERROR,
		"the health command exited with 3 (last output: '\\x1b]0;pwned\\x07')");

	/* timed out, killed by SIGTERM */
	fake_run(&r, 0, "cpu=0.5\nlatency_p99_ms=1\n");
	r.exited = 0;
	r.signal = SIGTERM;
	r.timed_out = 1;
	r.timeout_ms = 10000;
	expect_verdict(
		&r, gate, 2, HONK_HEALTH_ERROR,
		"the health command timed out after 10s (killed) (last output: 'latency_p99_ms=1')");
	/* timed out, but handled SIGTERM and exited with 0 */
	r.exited = 1;
	r.signal = 0;
	expect_verdict(
		&r, gate, 2, HONK_HEALTH_ERROR,
		"the health command timed out after 10s (exited with 0) (last output: 'latency_p99_ms=1')");
	/* even with no thresholds */
	expect_verdict(&r, NULL, 0, HONK_HEALTH_ERROR, NULL);
	/* killed */
	r.exited = 0;
	r.timed_out = 0;
	r.signal = SIGKILL;
	honk_buf_reset(&r.tail);
	expect_verdict(&r, gate, 2, HONK_HEALTH_ERROR,
		       "the health command was killed by SIGKILL");
	r.signal = SIGSEGV;
	r.core_dumped = 1;
	expect_verdict(
		&r, NULL, 0, HONK_HEALTH_ERROR,
		"the health command was killed by SIGSEGV (core dumped)");
	/* not started */
	r.pid = 0;
	expect_verdict(&r, NULL, 0, HONK_HEALTH_ERROR,
		       "the health command did not start");
	honk_exec_result_release(&r);

	/* only a tail of the output was kept */
	fake_run(&r, 0, "cpu=0.5\nlatency_p99_ms=1\n");
	r.total = 70000;
	expect_verdict(
		&r, gate, 2, HONK_HEALTH_ERROR,
		"only the last 25 of the 70000 bytes the health command wrote were kept");
	r.total = HONK_HEALTH_OUTPUT_MAX + 1;
	expect_verdict(
		&r, gate, 2, HONK_HEALTH_ERROR,
		"the output of the health command is larger than 1 MiB (1048577 bytes)");
	honk_exec_result_release(&r);

	/* more than 1 MiB, all of it kept */
	big = malloc(HONK_HEALTH_OUTPUT_MAX + 10);
	assert_non_null(big);
	memset(big, '\n', HONK_HEALTH_OUTPUT_MAX + 9);
	big[HONK_HEALTH_OUTPUT_MAX + 9] = '\0';
	fake_run(&r, 0, big);
	free(big);
	expect_verdict(
		&r, gate, 2, HONK_HEALTH_ERROR,
		"the output of the health command is larger than 1 MiB (1048585 bytes)");
	honk_exec_result_release(&r);
}

struct cmp_case {
	enum honk_cmp op;
	int below, at, above;
};

static void test_comparisons(void **state)
{
	static const struct cmp_case cases[] = {
		{ HONK_CMP_LT, 1, 0, 0 }, { HONK_CMP_LE, 1, 1, 0 },
		{ HONK_CMP_GT, 0, 0, 1 }, { HONK_CMP_GE, 0, 1, 1 },
		{ HONK_CMP_EQ, 0, 1, 0 }, { HONK_CMP_NE, 1, 0, 1 },
	};
	static const double bounds[] = { 0.85, 0, -3, 500, 1e-300, 1e300 };
	size_t i, j, k;
	char out[128], want[256], v[32];

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		for (j = 0; j < ARRAY_SIZE(bounds); j++) {
			double b = bounds[j];
			/* the doubles either side, and further off */
			double vals[] = { nextafter(b, -INFINITY),
					  b,
					  nextafter(b, INFINITY),
					  b - fabs(b) - 1,
					  b,
					  b + fabs(b) + 1 };
			int holds[] = { cases[i].below, cases[i].at,
					cases[i].above, cases[i].below,
					cases[i].at,	cases[i].above };
			struct honk_threshold t = { "x", cases[i].op, b };

			for (k = 0; k < ARRAY_SIZE(vals); k++) {
				assert_int_equal(honk_cmp_holds(cases[i].op,
								vals[k], b),
						 holds[k]);
				/* and through the output and the verdict */
				snprintf(v, sizeof(v), "%.17g", vals[k]);
				snprintf(out, sizeof(out), "x=%s\n", v);
				judge_output(0, out, &t, 1,
					     holds[k] ? HONK_HEALTH_HEALTHY
						      : HONK_HEALTH_UNHEALTHY,
					     NULL);
			}
		}
	}
	/* the reasons, one per operator */
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct honk_threshold t = { "cpu", cases[i].op, 0.85 };

		snprintf(want, sizeof(want), "cpu=0.85 %s%s 0.85",
			 cases[i].at ? "" : "is not ", honk_cmp_names[i]);
		judge_output(0, "cpu=0.85\n", &t, 1,
			     cases[i].at ? HONK_HEALTH_HEALTHY
					 : HONK_HEALTH_UNHEALTHY,
			     want);
	}
	/* -0 equals 0 */
	assert_true(honk_cmp_holds(HONK_CMP_EQ, -0.0, 0.0));
	/* true and false against == 1 */
	{
		struct honk_threshold t = T("up", EQ, 1);

		judge_output(0, "up=true\n", &t, 1, HONK_HEALTH_HEALTHY,
			     "up=1 == 1");
		judge_output(0, "{\"up\": false}", &t, 1, HONK_HEALTH_UNHEALTHY,
			     "up=0 is not == 1");
	}
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(honk_health_verdict_names[HONK_HEALTH_HEALTHY],
			    "healthy");
	assert_string_equal(honk_health_verdict_names[HONK_HEALTH_UNHEALTHY],
			    "unhealthy");
	assert_string_equal(honk_health_verdict_names[HONK_HEALTH_ERROR],
			    "error");
	assert_string_equal(honk_cmp_names[HONK_CMP_LT], "<");
	assert_string_equal(honk_cmp_names[HONK_CMP_LE], "<=");
	assert_string_equal(honk_cmp_names[HONK_CMP_GT], ">");
	assert_string_equal(honk_cmp_names[HONK_CMP_GE], ">=");
	assert_string_equal(honk_cmp_names[HONK_CMP_EQ], "==");
	assert_string_equal(honk_cmp_names[HONK_CMP_NE], "!=");
}

static int run(enum honk_health_verdict *v, struct honk_buf *reason,
	       const char *script, const struct honk_threshold *t, size_t nt)
{
	const char *argv[] = { "/bin/sh", "-c", script };
	struct honk_exec_opts o = HONK_EXEC_OPTS_INIT;

	o.argv = argv;
	o.argc = 3;
	o.timeout_ms = 20000;
	return honk_health_run(v, reason, &o, t, nt);
}

static void test_run(void **state)
{
	struct honk_buf b = HONK_BUF_INIT;
	enum honk_health_verdict v;
	struct honk_exec_opts o = HONK_EXEC_OPTS_INIT;
	const char *argv[] = { "./no/such/health.sh" };

	(void)state;
	assert_int_equal(
		run(&v, &b, "echo cpu=0.5; echo latency_p99_ms=9", gate, 2), 0);
	assert_int_equal(v, HONK_HEALTH_HEALTHY);
	assert_string_equal(b.buf, "cpu=0.5 < 0.85, latency_p99_ms=9 < 500");

	honk_buf_reset(&b);
	assert_int_equal(run(&v, &b, "echo '{\"cpu\": 0.9}'", gate, 1), 0);
	assert_int_equal(v, HONK_HEALTH_UNHEALTHY);
	assert_string_equal(b.buf, "cpu=0.9 is not < 0.85");

	honk_buf_reset(&b);
	assert_int_equal(
		run(&v, &b, "echo cpu=0.5; echo oops >&2; exit 2", gate, 1), 0);
	assert_int_equal(v, HONK_HEALTH_ERROR);
	assert_string_equal(
		b.buf,
		"the health command exited with 2 (last output: 'oops')");

	/* more output than exec keeps by default: tail_max is raised */
	honk_buf_reset(&b);
	assert_int_equal(run(&v, &b,
			     "i=0; while [ $i -lt 8000 ]; do "
			     "echo \"metric.number-$i=$i\"; i=$((i+1)); done; "
			     "echo cpu=0.25",
			     gate, 1),
			 0);
	assert_int_equal(v, HONK_HEALTH_HEALTHY);
	assert_string_equal(b.buf, "cpu=0.25 < 0.85");

	/* not found: an error verdict, not a failure of the call */
	honk_buf_reset(&b);
	o.argv = argv;
	o.argc = 1;
	assert_int_equal(honk_health_run(&v, &b, &o, gate, 1), 0);
	assert_int_equal(v, HONK_HEALTH_ERROR);
	assert_string_equal(
		b.buf,
		"the health command could not start: cannot run './no/such/health.sh': No such file or directory");

	/* the caller's mistake is returned */
	honk_buf_reset(&b);
	o.argc = 0;
	assert_int_equal(honk_health_run(&v, &b, &o, gate, 1), HONK_EUSAGE);
	assert_int_equal(v, HONK_HEALTH_ERROR);
	assert_true(b.len > 0);
	honk_buf_release(&b);
}

static int teardown(void **state)
{
	(void)state;
	honk_arena_release(&arena);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_numbers_refused),
		cmocka_unit_test(test_lines_refused),
		cmocka_unit_test(test_nul_bytes),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_json_refused),
		cmocka_unit_test(test_huge),
		cmocka_unit_test(test_judge_healthy),
		cmocka_unit_test(test_judge_unhealthy),
		cmocka_unit_test(test_judge_error),
		cmocka_unit_test(test_comparisons),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_run),
	};

	return cmocka_run_group_tests(tests, NULL, teardown);
}
