/*
 * The clock, times as state files store them, and the retry schedule.
 *
 * Invariants: a time written by honk_time_format() reads back with
 * honk_time_parse() to the same second, and honk_time_parse() accepts
 * nothing honk_time_format() could not have written, so a state file has
 * one spelling per instant. The backoff is a pure function of its
 * arguments (no global generator, no clock), its arithmetic is done on
 * values already capped, so no argument can make it overflow.
 */
#include "clock.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "error.h"
#include "parse.h"
#include "banned.h"

#define MS_PER_DAY (86400LL * 1000)

int64_t honk_clock_realtime_ms(void *payload)
{
	struct timespec ts;

	(void)payload;
	if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t honk_clock_fixed_ms(void *payload)
{
	return *(const int64_t *)payload;
}

int64_t honk_clock_now(const struct honk_clock *c)
{
	if (!c || !c->now_ms)
		return honk_clock_realtime_ms(NULL);
	return c->now_ms(c->payload);
}

/* Howard Hinnant's civil_from_days, the inverse of honk_days_from_civil. */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* The first instant past the range: 10000-01-01T00:00:00Z. */
static int64_t time_end_ms(void)
{
	return honk_days_from_civil(10000, 1, 1) * MS_PER_DAY;
}

int honk_time_format(struct honk_buf *out, int64_t ms)
{
	int64_t days, secs, y;
	unsigned m, d;
	char s[32];

	if (ms < 0 || ms >= time_end_ms())
		return honk_error_set(
			HONK_EUSAGE,
			"time %lld ms is outside 1970-01-01 to 9999-12-31",
			(long long)ms);
	days = ms / MS_PER_DAY;
	secs = ms % MS_PER_DAY / 1000;
	civil_from_days(days, &y, &m, &d);
	snprintf(s, sizeof(s), "%04d-%02u-%02uT%02d:%02d:%02dZ", (int)y, m, d,
		 (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
	return honk_buf_addstr(out, s);
}

static int digits(const char *s, size_t n, unsigned *out)
{
	unsigned v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return 0;
}

/* 1 when the first max bytes of s (or all of it) are printable ASCII. */
static int printable(const char *s, size_t max)
{
	size_t i;

	for (i = 0; i < max && s[i]; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

int honk_time_parse(int64_t *out_ms, const char *s)
{
	unsigned y, mo, d, h, mi, sec;
	int64_t yy, days;
	unsigned m2, d2;

	if (strlen(s) != HONK_TIME_LEN || s[4] != '-' || s[7] != '-' ||
	    s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z' ||
	    digits(s, 4, &y) < 0 || digits(s + 5, 2, &mo) < 0 ||
	    digits(s + 8, 2, &d) < 0 || digits(s + 11, 2, &h) < 0 ||
	    digits(s + 14, 2, &mi) < 0 || digits(s + 17, 2, &sec) < 0) {
		if (!printable(s, 40))
			return honk_error_set(
				HONK_EINVALID,
				"not a time (expected YYYY-MM-DDTHH:MM:SSZ, in UTC)");
		return honk_error_set(
			HONK_EINVALID,
			"'%.40s' is not a time (expected YYYY-MM-DDTHH:MM:SSZ, in UTC)",
			s);
	}
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
	    mi > 59 || sec > 59)
		goto invalid;
	/* The date is real when it survives the trip to days and back. */
	days = honk_days_from_civil(y, mo, d);
	civil_from_days(days, &yy, &m2, &d2);
	if (yy != (int64_t)y || m2 != mo || d2 != d)
		goto invalid;
	*out_ms =
		days * MS_PER_DAY + ((int64_t)h * 3600 + mi * 60 + sec) * 1000;
	return 0;
invalid:
	return honk_error_set(HONK_EINVALID, "'%s' is not a valid time", s);
}

static uint64_t splitmix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

int64_t honk_backoff_ms(int64_t base_ms, unsigned attempt, uint64_t seed)
{
	int64_t cap, d, half;
	unsigned shift;
	uint64_t r;

	if (base_ms <= 0 || attempt == 0)
		return 0;
	cap = base_ms > HONK_BACKOFF_CAP_MS ? base_ms : HONK_BACKOFF_CAP_MS;
	shift = attempt - 1;
	/* base_ms < cap <= HONK_BACKOFF_CAP_MS < 2^32 here, so base_ms <<
	 * shift cannot overflow while shift < 31. */
	if (base_ms >= cap || shift >= 31 || base_ms > cap >> shift)
		d = cap;
	else
		d = base_ms << shift;
	half = d / 2;
	r = splitmix64(seed ^ splitmix64(attempt));
	return d - half + (int64_t)(r % ((uint64_t)half + 1));
}

int64_t honk_not_before(int64_t now_ms, int64_t base_ms, unsigned attempt,
			uint64_t seed)
{
	int64_t wait = honk_backoff_ms(base_ms, attempt, seed);

	if (now_ms > INT64_MAX - wait)
		return INT64_MAX;
	return now_ms + wait;
}

uint64_t honk_backoff_seed(const char *step_id)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	const unsigned char *p = (const unsigned char *)step_id;

	for (; *p; p++) {
		h ^= *p;
		h *= 0x100000001b3ULL;
	}
	return h;
}
