/*
 * Fuzz target for the scalar parsers every file format shares: integers,
 * durations, dates, wave sizes, state file times, names and branch names.
 * The first input byte picks the parser, the rest (up to a NUL) is the
 * text. Each is held to a promise a second way of working it out can
 * check:
 *
 *   integers     what is accepted is the one decimal spelling of a value
 *                in range ("-0" aside); what is refused is not that
 *   durations    the value is in [0, 365 days] and its canonical spelling
 *                ("1d2h3m4s5ms") reads back to it
 *   dates        the day agrees with gmtime_r(), and with the time
 *                parser reading midnight of that date
 *   wave sizes   a count or a percentage spelled as honk would
 *   times        what is accepted formats back to the same 20 bytes; a
 *                time formatted from 8 input bytes agrees with gmtime_r()
 *                and reads back to the same second
 *   names        the allowlist matches a plain reading of the grammar,
 *                honk_name_valid() and honk_name_check() agree, a valid
 *                name makes valid paths and refs (or, ending in ".lock",
 *                is refused as one), and a dataset id and its file name
 *                convert into each other
 *   branches     what honk takes for a branch name, libgit2 takes too,
 *                and it never starts with '-'
 *
 * Any crash, leak, hang, sanitizer report or broken promise (abort) is a
 * bug.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <git2.h>

#include "buf.h"
#include "clock.h"
#include "error.h"
#include "names.h"
#include "parse.h"
#include "banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MS_PER_DAY (86400LL * 1000)

static void check_error(void)
{
	const char *p = honk_error_last();

	if (!p || !*p)
		abort();
	for (; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			abort();
}

static void fuzz_int(const char *s, uint8_t sel)
{
	static const int64_t ranges[][2] = {
		{ INT64_MIN, INT64_MAX }, { 0, INT32_MAX }, { 1, 100 },
		{ -5, 5 },		  { 0, 0 },	    { 1, 10000000 },
		{ 2, 1 },
	};
	const int64_t *r = ranges[sel % (sizeof(ranges) / sizeof(ranges[0]))];
	char tmp[32];
	int64_t v = 12345;
	int err;

	err = honk_parse_int(&v, s, r[0], r[1]);
	if (err == 0) {
		snprintf(tmp, sizeof(tmp), "%lld", (long long)v);
		if (v < r[0] || v > r[1] ||
		    (strcmp(tmp, s) && strcmp(s, "-0")))
			abort();
		return;
	}
	if (err != HONK_EINVALID || v != 12345)
		abort();
	check_error();
	/* refused: then it is not a number in range spelled as %lld */
	{
		char *end;
		long long w;

		errno = 0;
		w = strtoll(s, &end, 10);
		if (end != s && !*end && !errno && w >= r[0] && w <= r[1]) {
			snprintf(tmp, sizeof(tmp), "%lld", w);
			/* strtoll takes blanks and '+': the spelling tells */
			if (!strcmp(tmp, s))
				abort();
		}
	}
}

static void fuzz_duration(const char *s)
{
	static const struct {
		const char *unit;
		int64_t ms;
	} units[] = {
		{ "d", MS_PER_DAY }, { "h", 3600 * 1000 }, { "m", 60 * 1000 },
		{ "s", 1000 },	     { "ms", 1 },
	};
	struct honk_buf t = HONK_BUF_INIT;
	int64_t v = -1, w = -1, rest;
	size_t i;

	if (honk_parse_duration(&v, s) < 0) {
		check_error();
		return;
	}
	if (v < 0 || v > 365 * MS_PER_DAY)
		abort();
	for (rest = v, i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (rest / units[i].ms)
			honk_buf_addf(&t, "%lld%s",
				      (long long)(rest / units[i].ms),
				      units[i].unit);
		rest %= units[i].ms;
	}
	if (!t.len)
		honk_buf_addstr(&t, "0s");
	if (honk_parse_duration(&w, t.buf) < 0 || w != v)
		abort();
	honk_buf_release(&t);
}

static void fuzz_date(const char *s)
{
	char tmp[32];
	int64_t days = -1, ms = -1;
	int err, terr;
	struct tm tm;
	time_t tt;

	err = honk_parse_date(&days, s);
	snprintf(tmp, sizeof(tmp), "%.20sT00:00:00Z", s);
	terr = strlen(s) <= 20 ? honk_time_parse(&ms, tmp) : HONK_EINVALID;
	if (err < 0) {
		check_error();
		/* the time parser is no more lenient about the date */
		if (terr == 0)
			abort();
		return;
	}
	if (days < 0 || terr != 0 || ms != days * MS_PER_DAY)
		abort();
	tt = (time_t)(days * 86400);
	if (!gmtime_r(&tt, &tm) ||
	    !strftime(tmp, sizeof(tmp), "%Y-%m-%d", &tm) || strcmp(tmp, s))
		abort();
}

static void fuzz_wave_size(const char *s)
{
	char tmp[32];
	int64_t v = 0;
	int pct = -1;

	if (honk_parse_wave_size(&v, &pct, s) < 0) {
		check_error();
		return;
	}
	if (pct == 1 && v >= 1 && v <= 100)
		snprintf(tmp, sizeof(tmp), "%lld%%", (long long)v);
	else if (pct == 0 && v >= 1 && v <= 10000000)
		snprintf(tmp, sizeof(tmp), "%lld", (long long)v);
	else
		abort();
	if (strcmp(tmp, s))
		abort();
}

static void fuzz_time_parse(const char *s)
{
	struct honk_buf t = HONK_BUF_INIT;
	int64_t ms = -1;

	if (honk_time_parse(&ms, s) < 0) {
		check_error();
		return;
	}
	if (ms < 0 || ms % 1000 || honk_time_format(&t, ms) < 0 ||
	    strcmp(t.buf, s))
		abort();
	honk_buf_release(&t);
}

static void fuzz_time_format(const uint8_t *data, size_t size)
{
	struct honk_buf t = HONK_BUF_INIT;
	uint64_t u = 0;
	int64_t ms, back = -1;
	size_t i;
	char tmp[32];
	struct tm tm;
	time_t tt;

	for (i = 0; i < 8 && i < size; i++)
		u = u << 8 | data[i];
	ms = (int64_t)u;
	if (size > 8 && data[8] & 1) /* mostly times honk could write */
		ms = (int64_t)(u % (253402300800000ULL + 2000));
	if (honk_time_format(&t, ms) < 0) {
		if (ms >= 0 && ms < 253402300800000LL)
			abort();
		check_error();
		return;
	}
	if (ms < 0 || ms >= 253402300800000LL || t.len != HONK_TIME_LEN)
		abort();
	tt = (time_t)(ms / 1000);
	if (!gmtime_r(&tt, &tm) ||
	    !strftime(tmp, sizeof(tmp), "%Y-%m-%dT%H:%M:%SZ", &tm) ||
	    strcmp(tmp, t.buf))
		abort();
	if (honk_time_parse(&back, t.buf) < 0 || back != ms - ms % 1000)
		abort();
	honk_buf_release(&t);
}

/* The grammar of names.h, read the plain way. */
static int name_ref(const char *s, size_t len)
{
	size_t i;
	int start = 1;

	if (len == 0 || len > HONK_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		char c = s[i];
		int lead = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');

		if (start && !lead)
			return 0;
		if (!start && c == '.') {
			start = 1;
			continue;
		}
		if (!lead && c != '_' && c != '-')
			return 0;
		start = 0;
	}
	return !start;
}

static int git_branch_ok(const char *s)
{
	struct honk_buf ref = HONK_BUF_INIT;
	int valid = 0;

	honk_buf_addf(&ref, "refs/heads/%s", s);
	if (git_reference_name_is_valid(&valid, ref.buf) < 0)
		valid = 0;
	honk_buf_release(&ref);
	return valid;
}

static void fuzz_name(const char *s, const uint8_t *raw, size_t rawlen)
{
	struct honk_buf b = HONK_BUF_INIT;
	size_t len = strlen(s);
	int valid = honk_name_valid(s, len);

	if (valid != name_ref(s, len))
		abort();
	if (honk_name_valid((const char *)raw, rawlen) !=
	    name_ref((const char *)raw, rawlen))
		abort();
	if ((honk_name_check("consumer", s) == 0) != valid)
		abort();
	if (!valid) {
		check_error();
		if (honk_path_migration(&b, s) != HONK_EINVALID ||
		    honk_ref_proposal(&b, s) != HONK_EINVALID ||
		    honk_env_entry(&b, "HONK_CONSUMER", s) != HONK_EINVALID)
			abort();
		honk_buf_release(&b);
		return;
	}
	/* a branch, unless git would refuse it (a name ending in .lock) */
	if (len >= 5 && !strcmp(s + len - 5, ".lock")) {
		if (honk_ref_proposal(&b, s) != HONK_EINVALID ||
		    honk_ref_consumer_branch(&b, s) != HONK_EINVALID)
			abort();
		check_error();
	} else {
		if (honk_ref_proposal(&b, s) < 0 ||
		    strncmp(b.buf, "refs/heads/", 11) ||
		    !honk_branch_name_valid(b.buf + 11) ||
		    !git_branch_ok(b.buf + 11))
			abort();
		if (honk_ref_consumer_branch(&b, s) < 0 ||
		    !honk_branch_name_valid(b.buf + 11) ||
		    !git_branch_ok(b.buf + 11))
			abort();
	}
	if (honk_path_migration(&b, s) < 0 || strstr(b.buf, "..") ||
	    strcmp(b.buf + b.len - 5, ".yaml"))
		abort();
	/* a dataset id and its file name: there and back */
	if (strchr(s, '.')) {
		struct honk_buf id = HONK_BUF_INIT;

		if (honk_path_dataset(&b, s) < 0 ||
		    honk_dataset_id_from_path(&id, b.buf) < 0 ||
		    strcmp(id.buf, s))
			abort();
		honk_buf_release(&id);
	} else if (honk_path_dataset(&b, s) != HONK_EINVALID) {
		abort();
	}
	honk_buf_release(&b);
}

static void fuzz_branch(const char *s)
{
	if (!honk_branch_name_valid(s))
		return;
	if (s[0] == '-' || !git_branch_ok(s))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int inited;
	char *s;

	if (size < 1)
		return 0;
	if (!inited) {
		git_libgit2_init();
		inited = 1;
	}
	s = malloc(size);
	if (!s)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	switch (data[0] % 8) {
	case 0:
		fuzz_int(s, data[0] / 8);
		break;
	case 1:
		fuzz_duration(s);
		break;
	case 2:
		fuzz_date(s);
		break;
	case 3:
		fuzz_wave_size(s);
		break;
	case 4:
		fuzz_time_parse(s);
		break;
	case 5:
		fuzz_time_format(data + 1, size - 1);
		break;
	case 6:
		fuzz_name(s, data + 1, size - 1);
		break;
	case 7:
		fuzz_branch(s);
		break;
	}
	free(s);
	return 0;
}
