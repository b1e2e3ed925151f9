/*
 * Unit tests for the clock, the times of state files and the retry
 * schedule: times round-trip and nothing but honk's own spelling reads
 * back; the backoff stays in its bounds, doubles, stops at its cap, is
 * the same for one seed and spread across seeds, and never overflows.
 * The schedule is a pure function, so nothing here sleeps.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "clock.h"
#include "error.h"
#include "banned.h"

#define DAY_MS (86400LL * 1000)

static void test_clocks(void **state)
{
	struct honk_clock real = HONK_CLOCK_REALTIME;
	int64_t fixed = 1796180908000LL, now, t0;
	struct honk_clock fake = { honk_clock_fixed_ms, &fixed };

	(void)state;
	t0 = (int64_t)time(NULL) * 1000;
	now = honk_clock_now(&real);
	assert_true(now >= t0 - 1000 && now <= t0 + 5000);
	now = honk_clock_now(NULL);
	assert_true(now >= t0 - 1000 && now <= t0 + 5000);
	assert_true(honk_clock_now(&fake) == 1796180908000LL);
	fixed += 250;
	assert_true(honk_clock_now(&fake) == 1796180908250LL);
}

static void expect_format(int64_t ms, const char *want)
{
	struct honk_buf b = HONK_BUF_INIT;

	assert_int_equal(honk_time_format(&b, ms), 0);
	assert_string_equal(b.buf, want);
	assert_int_equal(b.len, HONK_TIME_LEN);
	honk_buf_release(&b);
}

static void test_time_format(void **state)
{
	struct honk_buf b = HONK_BUF_INIT;

	(void)state;
	expect_format(0, "1970-01-01T00:00:00Z");
	expect_format(999, "1970-01-01T00:00:00Z");
	expect_format(1000, "1970-01-01T00:00:01Z");
	expect_format(1796180908000LL, "2026-12-02T03:08:28Z");
	expect_format(1796180908999LL, "2026-12-02T03:08:28Z");
	expect_format(951782400000LL, "2000-02-29T00:00:00Z");
	expect_format(951782400000LL - 1, "2000-02-28T23:59:59Z");
	expect_format(951782400000LL + DAY_MS, "2000-03-01T00:00:00Z");
	expect_format(253402300799999LL, "9999-12-31T23:59:59Z");

	/* outside the range: refused, nothing appended */
	honk_buf_addstr(&b, "x");
	assert_int_equal(honk_time_format(&b, -1), HONK_EUSAGE);
	assert_int_equal(honk_time_format(&b, INT64_MIN), HONK_EUSAGE);
	assert_int_equal(honk_time_format(&b, 253402300800000LL), HONK_EUSAGE);
	assert_int_equal(honk_time_format(&b, INT64_MAX), HONK_EUSAGE);
	assert_string_equal(b.buf, "x");
	/* appends */
	assert_int_equal(honk_time_format(&b, 0), 0);
	assert_string_equal(b.buf, "x1970-01-01T00:00:00Z");
	honk_buf_release(&b);
}

static void expect_parse(const char *s, int64_t want)
{
	int64_t ms = -1;

	if (honk_time_parse(&ms, s) != 0)
		fail_msg("'%s' refused: %s", s, honk_error_last());
	assert_true(ms == want);
}

static void test_time_parse(void **state)
{
	(void)state;
	expect_parse("1970-01-01T00:00:00Z", 0);
	expect_parse("2026-12-02T03:08:28Z", 1796180908000LL);
	expect_parse("2000-02-29T00:00:00Z", 951782400000LL);
	expect_parse("2024-02-29T23:59:59Z", 1709251199000LL);
	expect_parse("9999-12-31T23:59:59Z", 253402300799000LL);
}

static void test_time_round_trip(void **state)
{
	struct honk_buf b = HONK_BUF_INIT;
	int64_t ms, back;

	(void)state;
	/* every few weeks from 1970 to 9999, at an odd time of day */
	for (ms = 0; ms < 253402300800000LL; ms += 23 * DAY_MS + 3723456) {
		honk_buf_reset(&b);
		assert_int_equal(honk_time_format(&b, ms), 0);
		assert_int_equal(honk_time_parse(&back, b.buf), 0);
		assert_true(back == ms / 1000 * 1000);
	}
	/* every day of a leap year and of the years either side */
	for (ms = 946684800000LL; ms < 1009843200000LL; ms += DAY_MS - 1000) {
		honk_buf_reset(&b);
		assert_int_equal(honk_time_format(&b, ms), 0);
		assert_int_equal(honk_time_parse(&back, b.buf), 0);
		assert_true(back == ms / 1000 * 1000);
	}
	honk_buf_release(&b);
}

static void test_time_refused(void **state)
{
	static const char *const bad[] = {
		"",
		"2026-12-02",
		"2026-12-02T03:08:28",
		"2026-12-02T03:08:28Zx",
		"2026-12-02T03:08:28Z ",
		" 2026-12-02T03:08:28Z",
		"2026-12-02 03:08:28Z",
		"2026-12-02t03:08:28Z",
		"2026-12-02T03:08:28z",
		"2026-12-02T03:08:28+00:00",
		"2026-12-02T03:08:28-05:00",
		"2026-12-02T03:08:28.5Z",
		"2026-12-02T03:08:28.000Z",
		"2026-12-2T03:08:28Z",
		"2026-1-02T03:08:28Z",
		"+026-12-02T03:08:28Z",
		"2026-12-02T3:08:28Z",
		"2026-12-02T03:08:2xZ",
		"2026/12/02T03:08:28Z",
		"2026-00-02T03:08:28Z",
		"2026-13-02T03:08:28Z",
		"2026-12-00T03:08:28Z",
		"2026-12-32T03:08:28Z",
		"2026-04-31T03:08:28Z",
		"2026-02-29T03:08:28Z",
		"2100-02-29T03:08:28Z",
		"1900-02-28T03:08:28Z",
		"1969-12-31T23:59:59Z",
		"0000-01-01T00:00:00Z",
		"2026-12-02T24:00:00Z",
		"2026-12-02T23:60:00Z",
		"2026-12-02T23:59:60Z",
		"2026-12-02T03:08:28\nZ",
	};
	int64_t ms;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ms = 42;
		if (honk_time_parse(&ms, bad[i]) != HONK_EINVALID)
			fail_msg("'%s' accepted", bad[i]);
		assert_true(ms == 42);
		assert_null(strchr(honk_error_last(), '\n'));
	}
	honk_time_parse(&ms, "2026-13-02T03:08:28Z");
	assert_string_equal(honk_error_last(),
			    "'2026-13-02T03:08:28Z' is not a valid time");
	honk_time_parse(&ms, "2026-12-02T03:08:28+00:00");
	assert_string_equal(
		honk_error_last(),
		"'2026-12-02T03:08:28+00:00' is not a time (expected YYYY-MM-DDTHH:MM:SSZ, in UTC)");
}

static void test_backoff_bounds(void **state)
{
	uint64_t seed;
	unsigned a;

	(void)state;
	for (seed = 0; seed < 200; seed++) {
		for (a = 1; a <= 12; a++) {
			int64_t d = 1000LL << (a - 1);
			int64_t w = honk_backoff_ms(1000, a, seed * 7919);

			assert_true(w >= d - d / 2);
			assert_true(w <= d);
		}
	}
	/* an odd d: the fixed half is the larger one */
	for (seed = 0; seed < 200; seed++) {
		int64_t w = honk_backoff_ms(3, 1, seed);

		assert_true(w >= 2 && w <= 3);
	}
	/* 1 ms: no room for jitter */
	assert_true(honk_backoff_ms(1, 1, 99) == 1);
}

static void test_backoff_zero(void **state)
{
	(void)state;
	assert_true(honk_backoff_ms(0, 1, 1) == 0);
	assert_true(honk_backoff_ms(0, 63, 1) == 0);
	assert_true(honk_backoff_ms(-1000, 3, 1) == 0);
	assert_true(honk_backoff_ms(INT64_MIN, 3, 1) == 0);
	assert_true(honk_backoff_ms(30000, 0, 1) == 0);
}

static void test_backoff_doubles(void **state)
{
	int64_t lo[8], hi[8];
	unsigned a;
	uint64_t seed;

	(void)state;
	for (a = 1; a < 8; a++) {
		lo[a] = INT64_MAX;
		hi[a] = 0;
		for (seed = 0; seed < 2000; seed++) {
			int64_t w = honk_backoff_ms(30000, a, seed);

			if (w < lo[a])
				lo[a] = w;
			if (w > hi[a])
				hi[a] = w;
		}
	}
	for (a = 1; a < 8; a++) {
		int64_t d = 30000LL << (a - 1);

		/* the extremes are reached, or all but */
		assert_true(lo[a] >= d / 2 && lo[a] <= d / 2 + d / 100);
		assert_true(hi[a] <= d && hi[a] >= d - d / 100);
		if (a > 1) {
			assert_true(lo[a] > lo[a - 1]);
			assert_true(hi[a] > hi[a - 1]);
		}
	}
}

static void test_backoff_cap(void **state)
{
	uint64_t seed;
	unsigned a;

	(void)state;
	/* 30 s doubles past an hour at attempt 9 (7680 s) */
	for (seed = 0; seed < 100; seed++) {
		for (a = 9; a < 80; a++) {
			int64_t w = honk_backoff_ms(30000, a, seed);

			assert_true(w >= HONK_BACKOFF_CAP_MS / 2);
			assert_true(w <= HONK_BACKOFF_CAP_MS);
		}
		assert_true(honk_backoff_ms(30000, 8, seed) <= 3840000);
	}
	/* exactly at the cap */
	for (seed = 0; seed < 100; seed++)
		assert_true(honk_backoff_ms(HONK_BACKOFF_CAP_MS / 4, 3, seed) >=
				    HONK_BACKOFF_CAP_MS / 2 &&
			    honk_backoff_ms(HONK_BACKOFF_CAP_MS / 4, 3, seed) <=
				    HONK_BACKOFF_CAP_MS);
	/* a base above the cap is honoured, not doubled */
	for (seed = 0; seed < 100; seed++) {
		for (a = 1; a < 10; a++) {
			int64_t w = honk_backoff_ms(2 * HONK_BACKOFF_CAP_MS, a,
						    seed);

			assert_true(w >= HONK_BACKOFF_CAP_MS);
			assert_true(w <= 2 * HONK_BACKOFF_CAP_MS);
		}
	}
}

static void test_backoff_deterministic(void **state)
{
	uint64_t seed = honk_backoff_seed("plays.user_plays.v3-v4/charts");
	int64_t first[20];
	unsigned a;

	(void)state;
	for (a = 1; a < 20; a++)
		first[a] = honk_backoff_ms(1000, a, seed);
	for (a = 1; a < 20; a++)
		assert_true(honk_backoff_ms(1000, a, seed) == first[a]);
	/* pinned, so a change of the schedule is a visible decision */
	assert_true(honk_backoff_seed("") == 0xcbf29ce484222325ULL);
	assert_true(honk_backoff_seed("a") == 0xaf63dc4c8601ec8cULL);
	assert_true(honk_backoff_seed("plays.user_plays.v3-v4/charts/apply") ==
		    0xcde4dae493e23baeULL);
}

static void test_backoff_spread(void **state)
{
	enum { N = 4000 };
	static int64_t w[N];
	int64_t sum = 0;
	size_t i, distinct = 0, low = 0;
	char seen[2001];

	(void)state;
	memset(seen, 0, sizeof(seen));
	/* attempt 2 of a 1 s base: d = 2000, waits in [1000, 2000] */
	for (i = 0; i < N; i++) {
		w[i] = honk_backoff_ms(1000, 2, honk_backoff_seed("step") + i);
		assert_true(w[i] >= 1000 && w[i] <= 2000);
		if (!seen[w[i]]++)
			distinct++;
		if (w[i] < 1500)
			low++;
		sum += w[i];
	}
	/* 1001 values, 4000 draws: nearly all seen, halves balanced */
	assert_true(distinct > 900);
	assert_true(low > N * 4 / 10 && low < N * 6 / 10);
	assert_true(sum / N > 1450 && sum / N < 1550);
	/* neighbouring seeds and attempts are not in step */
	assert_true(honk_backoff_ms(1000000, 1, 1) !=
		    honk_backoff_ms(1000000, 1, 2));
	assert_true(honk_backoff_ms(1000000, 1, 1) * 2 !=
		    honk_backoff_ms(1000000, 2, 1));
}

static void test_backoff_no_overflow(void **state)
{
	static const unsigned attempts[] = { 1,	      2,  31, 32, 33,
					     62,      63, 64, 65, UINT_MAX - 1,
					     UINT_MAX };
	static const int64_t bases[] = { 1,
					 999,
					 HONK_BACKOFF_CAP_MS - 1,
					 HONK_BACKOFF_CAP_MS,
					 HONK_BACKOFF_CAP_MS + 1,
					 INT64_MAX / 2,
					 INT64_MAX - 1,
					 INT64_MAX };
	size_t i, j;
	uint64_t seed;

	(void)state;
	for (i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
		int64_t cap = bases[i] > HONK_BACKOFF_CAP_MS
				      ? bases[i]
				      : HONK_BACKOFF_CAP_MS;

		for (j = 0; j < sizeof(attempts) / sizeof(attempts[0]); j++) {
			for (seed = 0; seed < 50; seed++) {
				int64_t w = honk_backoff_ms(bases[i],
							    attempts[j], ~seed);

				assert_true(w > 0);
				assert_true(w <= cap);
				assert_true(w >= cap - cap / 2 ||
					    attempts[j] < 32);
			}
		}
	}
	assert_true(honk_backoff_ms(INT64_MAX, 63, 0) >= INT64_MAX / 2);
}

static void test_not_before(void **state)
{
	int64_t now = 1796180908000LL, w;

	(void)state;
	w = honk_backoff_ms(30000, 2, 7);
	assert_true(honk_not_before(now, 30000, 2, 7) == now + w);
	assert_true(honk_not_before(now, 0, 2, 7) == now);
	assert_true(honk_not_before(INT64_MAX - 10, 30000, 1, 7) == INT64_MAX);
	assert_true(honk_not_before(INT64_MAX, INT64_MAX, 63, 7) == INT64_MAX);
	assert_true(honk_not_before(0, INT64_MAX, 63, 7) ==
		    honk_backoff_ms(INT64_MAX, 63, 7));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clocks),
		cmocka_unit_test(test_time_format),
		cmocka_unit_test(test_time_parse),
		cmocka_unit_test(test_time_round_trip),
		cmocka_unit_test(test_time_refused),
		cmocka_unit_test(test_backoff_bounds),
		cmocka_unit_test(test_backoff_zero),
		cmocka_unit_test(test_backoff_doubles),
		cmocka_unit_test(test_backoff_cap),
		cmocka_unit_test(test_backoff_deterministic),
		cmocka_unit_test(test_backoff_spread),
		cmocka_unit_test(test_backoff_no_overflow),
		cmocka_unit_test(test_not_before),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
