/*
 * Strict scalar parsing: integers, durations, dates, wave sizes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include "error.h"
#include "parse.h"
#include "banned.h"

static void integers(void **state)
{
	int64_t v;

	(void)state;
	assert_int_equal(honk_parse_int(&v, "0", 0, 10), 0);
	assert_int_equal(v, 0);
	assert_int_equal(honk_parse_int(&v, "-42", -100, 100), 0);
	assert_int_equal(v, -42);
	assert_int_equal(honk_parse_int(&v, "9223372036854775807", 0, INT64_MAX), 0);
	assert_true(v == INT64_MAX);
	assert_int_equal(honk_parse_int(&v, "-9223372036854775808", INT64_MIN, 0), 0);
	assert_true(v == INT64_MIN);
	assert_int_equal(honk_parse_int(&v, "9223372036854775808", 0, INT64_MAX), HONK_EINVALID);
	assert_int_equal(honk_parse_int(&v, "99999999999999999999999", 0, INT64_MAX), HONK_EINVALID);
	assert_int_equal(honk_parse_int(&v, "11", 0, 10), HONK_EINVALID);
	assert_string_equal(honk_error_last(), "'11' is out of range [0, 10]");
	assert_int_equal(honk_parse_int(&v, "007", 0, 10), HONK_EINVALID);
	assert_string_equal(honk_error_last(), "'007' has leading zeros");
	assert_int_equal(honk_parse_int(&v, "+1", 0, 10), HONK_EINVALID);
	assert_int_equal(honk_parse_int(&v, "1x", 0, 10), HONK_EINVALID);
	assert_int_equal(honk_parse_int(&v, " 1", 0, 10), HONK_EINVALID);
	assert_int_equal(honk_parse_int(&v, "", 0, 10), HONK_EINVALID);
	assert_int_equal(honk_parse_int(&v, "-", -1, 10), HONK_EINVALID);
	assert_int_equal(honk_parse_int(&v, "0x10", 0, 100), HONK_EINVALID);
}

static void durations(void **state)
{
	static const struct {
		const char *s;
		int64_t ms;
	} ok[] = { { "0s", 0 },        { "30s", 30000 },     { "10m", 600000 },
		   { "2h", 7200000 },  { "1h30m", 5400000 }, { "500ms", 500 },
		   { "1d", 86400000 }, { "365d", 31536000000LL } };
	static const char *const bad[] = { "", "10", "s", "1x", "-1s", "1.5s",
					   "366d", "1 s", "s1",
					   "99999999999999999999999s", "1h-1m" };
	int64_t v;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(honk_parse_duration(&v, ok[i].s), 0);
		assert_true(v == ok[i].ms);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(honk_parse_duration(&v, bad[i]), HONK_EINVALID);
	honk_parse_duration(&v, "30 seconds");
	assert_string_equal(honk_error_last(),
			    "'30 seconds' is not a duration (expected e.g. 30s, 10m, 2h, 1h30m)");
}

static void dates(void **state)
{
	int64_t d;

	(void)state;
	assert_int_equal(honk_parse_date(&d, "1970-01-01"), 0);
	assert_int_equal(d, 0);
	assert_int_equal(honk_parse_date(&d, "2026-12-31"), 0);
	assert_int_equal(d, 20818);
	assert_int_equal(honk_parse_date(&d, "2024-02-29"), 0);
	assert_int_equal(honk_parse_date(&d, "2026-02-29"), HONK_EINVALID);
	assert_string_equal(honk_error_last(), "'2026-02-29' is not a valid calendar date");
	assert_int_equal(honk_parse_date(&d, "2000-02-29"), 0);
	assert_int_equal(honk_parse_date(&d, "1900-02-29"), HONK_EINVALID);
	assert_int_equal(honk_parse_date(&d, "2026-13-01"), HONK_EINVALID);
	assert_int_equal(honk_parse_date(&d, "2026-00-10"), HONK_EINVALID);
	assert_int_equal(honk_parse_date(&d, "2026-01-00"), HONK_EINVALID);
	assert_int_equal(honk_parse_date(&d, "2026-1-1"), HONK_EINVALID);
	assert_string_equal(honk_error_last(), "'2026-1-1' is not a date (expected YYYY-MM-DD)");
	assert_int_equal(honk_parse_date(&d, "2026-01-01T00:00"), HONK_EINVALID);
	assert_int_equal(honk_parse_date(&d, "next tuesday"), HONK_EINVALID);
}

static void wave_sizes(void **state)
{
	int64_t v;
	int pct;

	(void)state;
	assert_int_equal(honk_parse_wave_size(&v, &pct, "10%"), 0);
	assert_int_equal(v, 10);
	assert_int_equal(pct, 1);
	assert_int_equal(honk_parse_wave_size(&v, &pct, "3"), 0);
	assert_int_equal(v, 3);
	assert_int_equal(pct, 0);
	assert_int_equal(honk_parse_wave_size(&v, &pct, "0"), HONK_EINVALID);
	assert_int_equal(honk_parse_wave_size(&v, &pct, "101%"), HONK_EINVALID);
	assert_int_equal(honk_parse_wave_size(&v, &pct, "%"), HONK_EINVALID);
	assert_int_equal(honk_parse_wave_size(&v, &pct, "10 %"), HONK_EINVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(integers),
		cmocka_unit_test(durations),
		cmocka_unit_test(dates),
		cmocka_unit_test(wave_sizes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
