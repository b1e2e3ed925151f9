/*
 * Unit tests for the strict scalar parsers: integers, durations, dates
 * and wave sizes, with the refusals people hit when they edit files.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "error.h"
#include "parse.h"
#include "banned.h"

#define SENTINEL INT64_C(0x5a5a5a5a)

static void int_ok(const char *s, int64_t min, int64_t max, int64_t want)
{
	int64_t v = SENTINEL;

	if (honk_parse_int(&v, s, min, max) != 0)
		fail_msg("'%s' refused: %s", s, honk_error_last());
	assert_true(v == want);
}

static void int_bad(const char *s, int64_t min, int64_t max, const char *msg)
{
	int64_t v = SENTINEL;

	assert_int_equal(honk_parse_int(&v, s, min, max), HONK_EINVALID);
	assert_true(v == SENTINEL);
	assert_string_equal(honk_error_last(), msg);
}

static void test_int_valid(void **state)
{
	(void)state;
	int_ok("0", 0, 10, 0);
	int_ok("-0", -1, 1, 0);
	int_ok("7", 0, 10, 7);
	int_ok("10", 0, 10, 10);
	int_ok("-5", -10, 10, -5);
	int_ok("9223372036854775807", INT64_MIN, INT64_MAX, INT64_MAX);
	int_ok("-9223372036854775808", INT64_MIN, INT64_MAX, INT64_MIN);
}

static void test_int_syntax(void **state)
{
	(void)state;
	int_bad("", 0, 10, "'' is not an integer");
	int_bad("-", 0, 10, "'-' is not an integer");
	int_bad("+5", 0, 10, "'+5' is not an integer");
	int_bad(" 5", 0, 10, "' 5' is not an integer");
	int_bad("5 ", 0, 10, "'5 ' is not an integer");
	int_bad("5x", 0, 10, "'5x' is not an integer");
	int_bad("1.0", 0, 10, "'1.0' is not an integer");
	int_bad("0x10", 0, 100, "'0x10' has leading zeros");
	int_bad("1e3", 0, 10000, "'1e3' is not an integer");
	int_bad("--1", -10, 10, "'--1' is not an integer");
	int_bad("007", 0, 10, "'007' has leading zeros");
	int_bad("00", 0, 10, "'00' has leading zeros");
	int_bad("-01", -10, 10, "'-01' has leading zeros");
}

static void test_int_range(void **state)
{
	(void)state;
	int_bad("11", 0, 10, "'11' is out of range [0, 10]");
	int_bad("-1", 0, 10, "'-1' is out of range [0, 10]");
	int_bad("-11", -10, 10, "'-11' is out of range [-10, 10]");
	/* one past the int64 bounds overflows rather than wraps */
	int_bad("9223372036854775808", INT64_MIN, INT64_MAX,
		"'9223372036854775808' is out of range "
		"[-9223372036854775808, 9223372036854775807]");
	int_bad("-9223372036854775809", INT64_MIN, INT64_MAX,
		"'-9223372036854775809' is out of range "
		"[-9223372036854775808, 9223372036854775807]");
	int_bad("18446744073709551616", 0, INT64_MAX,
		"'18446744073709551616' is out of range [0, 9223372036854775807]");
	int_bad("99999999999999999999999999", 0, 5,
		"'99999999999999999999999999' is out of range [0, 5]");
	/* INT64_MIN is only reachable when the range allows it */
	int_bad("-9223372036854775808", -5, 5,
		"'-9223372036854775808' is out of range [-5, 5]");
	int_bad("9223372036854775807", 0, 100,
		"'9223372036854775807' is out of range [0, 100]");
}

static void dur_ok(const char *s, int64_t want)
{
	int64_t v = SENTINEL;

	if (honk_parse_duration(&v, s) != 0)
		fail_msg("'%s' refused: %s", s, honk_error_last());
	assert_true(v == want);
}

static void dur_bad(const char *s)
{
	char want[512];
	int64_t v = SENTINEL;

	assert_int_equal(honk_parse_duration(&v, s), HONK_EINVALID);
	assert_true(v == SENTINEL);
	snprintf(want, sizeof(want),
		 "'%s' is not a duration (expected e.g. 30s, 10m, 2h, 1h30m)",
		 s);
	assert_string_equal(honk_error_last(), want);
}

static void dur_long(const char *s)
{
	char want[512];
	int64_t v = SENTINEL;

	assert_int_equal(honk_parse_duration(&v, s), HONK_EINVALID);
	assert_true(v == SENTINEL);
	snprintf(want, sizeof(want), "duration '%s' is longer than 365 days",
		 s);
	assert_string_equal(honk_error_last(), want);
}

static void test_duration_valid(void **state)
{
	(void)state;
	dur_ok("30s", 30000);
	dur_ok("10m", 600000);
	dur_ok("2h", 7200000);
	dur_ok("1h30m", 5400000);
	dur_ok("500ms", 500);
	dur_ok("0s", 0);
	dur_ok("1d", 86400000);
	dur_ok("1m1ms", 60001);
	dur_ok("2h3m4s5ms", 7384005);
	dur_ok("365d", INT64_C(365) * 86400000);
	dur_ok("8760h", INT64_C(365) * 86400000);
}

static void test_duration_syntax(void **state)
{
	(void)state;
	dur_bad("");
	dur_bad("10");
	dur_bad("s");
	dur_bad("1x");
	dur_bad("-1s");
	dur_bad("+1s");
	dur_bad("1.5s");
	dur_bad(" 1s");
	dur_bad("1s ");
	dur_bad("1 s");
	dur_bad("1S");
	dur_bad("1h30");
	dur_bad("h1");
	dur_bad("1mm");
	dur_bad("manual");
}

static void test_duration_range(void **state)
{
	(void)state;
	dur_long("366d");
	dur_long("8761h");
	dur_long("364d25h");
	dur_long("31536000001ms");
	dur_long("99999999999999999999999999999999s");
	dur_long("99999999999999999999999999999999999999999ms");
}

static void date_ok(const char *s, int64_t want)
{
	int64_t v = SENTINEL;

	if (honk_parse_date(&v, s) != 0)
		fail_msg("'%s' refused: %s", s, honk_error_last());
	assert_true(v == want);
}

static void date_bad(const char *s, int format)
{
	char want[256];
	int64_t v = SENTINEL;

	assert_int_equal(honk_parse_date(&v, s), HONK_EINVALID);
	assert_true(v == SENTINEL);
	if (format)
		snprintf(want, sizeof(want),
			 "'%s' is not a date (expected YYYY-MM-DD)", s);
	else
		snprintf(want, sizeof(want),
			 "'%s' is not a valid calendar date", s);
	assert_string_equal(honk_error_last(), want);
}

static void test_date_valid(void **state)
{
	(void)state;
	date_ok("1970-01-01", 0);
	date_ok("1970-01-02", 1);
	date_ok("2000-01-01", 10957);
	date_ok("2000-02-29", 11016);
	date_ok("2024-02-29", 19782);
	date_ok("2026-01-01", 20454);
	date_ok("2026-12-31", 20818);
	date_ok("9999-12-31", 2932896);
	assert_true(honk_days_from_civil(2000, 3, 1) == 11017);
	assert_true(honk_days_from_civil(1969, 12, 31) == -1);
}

static void test_date_calendar(void **state)
{
	(void)state;
	date_bad("2023-02-29", 0);
	date_bad("2100-02-29", 0);
	date_bad("2026-13-01", 0);
	date_bad("2026-00-10", 0);
	date_bad("2026-01-00", 0);
	date_bad("2026-01-32", 0);
	date_bad("2026-04-31", 0);
	date_bad("1969-12-31", 0);
}

static void test_date_format(void **state)
{
	(void)state;
	date_bad("", 1);
	date_bad("2026-1-01", 1);
	date_bad("2026-01-1", 1);
	date_bad("26-01-01", 1);
	date_bad("2026/01/01", 1);
	date_bad("2026-01-01T00:00", 1);
	date_bad("2026-01-01 ", 1);
	date_bad("20260-1-01", 1);
	date_bad("2026-0a-01", 1);
	date_bad("+026-01-01", 1);
	date_bad("01-01-2026", 1);
}

static void test_wave_size(void **state)
{
	int64_t v = SENTINEL;
	int pct = -1;
	size_t i;
	static const char *const bad[] = {
		"0",	"0%",	"101%",	    "%",
		"",	"-1",	"-5%",	    "10 %",
		"1.5%", "+3",	"03",	    "3x",
		"%10",	"10%%", "10000001", "1111111111111111111111111111111%",
	};

	(void)state;
	assert_int_equal(honk_parse_wave_size(&v, &pct, "10%"), 0);
	assert_true(v == 10);
	assert_int_equal(pct, 1);
	assert_int_equal(honk_parse_wave_size(&v, &pct, "3"), 0);
	assert_true(v == 3);
	assert_int_equal(pct, 0);
	assert_int_equal(honk_parse_wave_size(&v, &pct, "100%"), 0);
	assert_true(v == 100 && pct == 1);
	assert_int_equal(honk_parse_wave_size(&v, &pct, "1%"), 0);
	assert_true(v == 1 && pct == 1);
	assert_int_equal(honk_parse_wave_size(&v, &pct, "1"), 0);
	assert_true(v == 1 && pct == 0);
	assert_int_equal(honk_parse_wave_size(&v, &pct, "10000000"), 0);
	assert_true(v == 10000000 && pct == 0);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char want[256];

		v = SENTINEL;
		pct = -1;
		if (honk_parse_wave_size(&v, &pct, bad[i]) != HONK_EINVALID)
			fail_msg("wave size '%s' accepted", bad[i]);
		assert_true(v == SENTINEL);
		assert_int_equal(pct, -1);
		snprintf(
			want, sizeof(want),
			"wave size '%s' must be a count or a percentage 1%%..100%%",
			bad[i]);
		assert_string_equal(honk_error_last(), want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_int_valid),
		cmocka_unit_test(test_int_syntax),
		cmocka_unit_test(test_int_range),
		cmocka_unit_test(test_duration_valid),
		cmocka_unit_test(test_duration_syntax),
		cmocka_unit_test(test_duration_range),
		cmocka_unit_test(test_date_valid),
		cmocka_unit_test(test_date_calendar),
		cmocka_unit_test(test_date_format),
		cmocka_unit_test(test_wave_size),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
