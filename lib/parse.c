/*
 * Strict scalar parsing: integers, durations, dates, wave sizes.
 *
 * Input comes from files people edit and from pushes nobody reviewed, so
 * nothing here is lenient: the whole string must be consumed, ranges are
 * checked before any arithmetic can overflow, and every refusal says what
 * form was expected.
 */
#include "parse.h"

#include <string.h>

#include "error.h"
#include "banned.h"

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int honk_parse_int(int64_t *out, const char *s, int64_t min, int64_t max)
{
	const char *p = s;
	int neg = 0;
	uint64_t v = 0, limit;

	if (*p == '-') {
		neg = 1;
		p++;
	}
	if (!is_digit(*p))
		return honk_error_set(HONK_EINVALID, "'%s' is not an integer",
				      s);
	if (p[0] == '0' && p[1] != '\0')
		return honk_error_set(HONK_EINVALID, "'%s' has leading zeros",
				      s);
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; is_digit(*p); p++) {
		unsigned d = (unsigned)(*p - '0');

		if (v > (limit - d) / 10)
			return honk_error_set(
				HONK_EINVALID,
				"'%s' is out of range [%lld, %lld]", s,
				(long long)min, (long long)max);
		v = v * 10 + d;
	}
	if (*p)
		return honk_error_set(HONK_EINVALID, "'%s' is not an integer",
				      s);
	if (neg) {
		int64_t r = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN
							 : -(int64_t)v;
		if (r < min || r > max)
			goto range;
		*out = r;
	} else {
		if ((int64_t)v < min || (int64_t)v > max)
			goto range;
		*out = (int64_t)v;
	}
	return 0;
range:
	return honk_error_set(HONK_EINVALID,
			      "'%s' is out of range [%lld, %lld]", s,
			      (long long)min, (long long)max);
}

#define MAX_DURATION_MS (365LL * 24 * 3600 * 1000)

int honk_parse_duration(int64_t *out_ms, const char *s)
{
	const char *p = s;
	int64_t total = 0;

	if (!*p)
		goto bad;
	while (*p) {
		int64_t n = 0, unit;

		if (!is_digit(*p))
			goto bad;
		for (; is_digit(*p); p++) {
			if (n > MAX_DURATION_MS)
				goto range;
			n = n * 10 + (*p - '0');
		}
		if (p[0] == 'm' && p[1] == 's') {
			unit = 1;
			p += 2;
		} else if (*p == 's') {
			unit = 1000;
			p++;
		} else if (*p == 'm') {
			unit = 60 * 1000;
			p++;
		} else if (*p == 'h') {
			unit = 3600 * 1000;
			p++;
		} else if (*p == 'd') {
			unit = 24 * 3600 * 1000;
			p++;
		} else {
			goto bad;
		}
		if (n > MAX_DURATION_MS / unit)
			goto range;
		total += n * unit;
		if (total > MAX_DURATION_MS)
			goto range;
	}
	*out_ms = total;
	return 0;
bad:
	return honk_error_set(
		HONK_EINVALID,
		"'%s' is not a duration (expected e.g. 30s, 10m, 2h, 1h30m)",
		s);
range:
	return honk_error_set(HONK_EINVALID,
			      "duration '%s' is longer than 365 days", s);
}

int64_t honk_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	/* Howard Hinnant's days_from_civil, proleptic Gregorian. */
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static unsigned days_in_month(int64_t y, unsigned m)
{
	static const unsigned dim[] = { 31, 28, 31, 30, 31, 30,
					31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : dim[m - 1];
}

int honk_parse_date(int64_t *out_days, const char *s)
{
	int64_t y;
	unsigned m, d;
	int i;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		goto bad;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !is_digit(s[i]))
			goto bad;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
	    (s[3] - '0');
	m = (unsigned)((s[5] - '0') * 10 + (s[6] - '0'));
	d = (unsigned)((s[8] - '0') * 10 + (s[9] - '0'));
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
		return honk_error_set(HONK_EINVALID,
				      "'%s' is not a valid calendar date", s);
	*out_days = honk_days_from_civil(y, m, d);
	return 0;
bad:
	return honk_error_set(HONK_EINVALID,
			      "'%s' is not a date (expected YYYY-MM-DD)", s);
}

int honk_parse_wave_size(int64_t *out, int *is_percent, const char *s)
{
	size_t n = strlen(s);
	char tmp[32];
	int err;

	if (n > 0 && n < sizeof(tmp) && s[n - 1] == '%') {
		memcpy(tmp, s, n - 1);
		tmp[n - 1] = '\0';
		if ((err = honk_parse_int(out, tmp, 1, 100)) < 0)
			return honk_error_set(
				err,
				"wave size '%s' must be a count or a percentage 1%%..100%%",
				s);
		*is_percent = 1;
		return 0;
	}
	if ((err = honk_parse_int(out, s, 1, 10000000)) < 0)
		return honk_error_set(
			err,
			"wave size '%s' must be a count or a percentage 1%%..100%%",
			s);
	*is_percent = 0;
	return 0;
}
