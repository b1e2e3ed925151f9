#ifndef HONK_CLOCK_H
#define HONK_CLOCK_H

#include <stdint.h>

#include "buf.h"

/*
 * Time for the rollout: the clock the reconciler reads (injected, so
 * tests set the time instead of sleeping), the times honk's state files
 * store, and when a failed step may be tried again.
 *
 * Times are milliseconds since 1970-01-01T00:00:00Z, wall-clock, as
 * int64_t: not-before times are written into state files and read back
 * by another run, maybe on another host, so a monotonic clock would not
 * do.
 */

struct honk_clock {
	int64_t (*now_ms)(void *payload);
	void *payload;
};

/* CLOCK_REALTIME in milliseconds (payload unused). */
int64_t honk_clock_realtime_ms(void *payload);

/* The time *(const int64_t *)payload: a clock a test sets by hand. */
int64_t honk_clock_fixed_ms(void *payload);

#define HONK_CLOCK_REALTIME                  \
	{                                    \
		honk_clock_realtime_ms, NULL \
	}

/* c->now_ms(c->payload); the real clock when c is NULL. */
int64_t honk_clock_now(const struct honk_clock *c);

/*
 * RFC 3339 in UTC to the second, the one form honk writes and reads:
 * "2026-12-02T03:08:28Z". Years 1970 to 9999.
 */
#define HONK_TIME_LEN 20

/*
 * Append ms as "YYYY-MM-DDTHH:MM:SSZ", the milliseconds dropped (rounded
 * down). HONK_EUSAGE when ms is before 1970 or after 9999-12-31T23:59:59Z.
 */
int honk_time_format(struct honk_buf *out, int64_t ms);

/*
 * Read back exactly that form: 20 bytes, 'T' and 'Z' in capitals, a real
 * calendar date (February 29th only in leap years), hours 00..23, minutes
 * and seconds 00..59 (no leap second). Fractions of a second, offsets
 * (even "+00:00"), blanks and trailing text are refused with
 * HONK_EINVALID. *out_ms is a whole number of seconds times 1000.
 */
int honk_time_parse(int64_t *out_ms, const char *s);

/*
 * Retries (DESIGN section 6): exponential backoff with "equal jitter".
 *
 * The wait before retry number attempt (1: the wait after the first
 * failure) is d = base_ms * 2^(attempt - 1), capped at the larger of
 * HONK_BACKOFF_CAP_MS and base_ms (so a configured backoff above an hour
 * is honoured, just not doubled), and the result lies in
 * [d - d/2, d]: half of d fixed, the other half drawn uniformly from a
 * pseudo-random sequence (splitmix64) of seed and attempt. The same seed
 * gives the same schedule, so a step's waits are reproducible across
 * runs and hosts: seed with honk_backoff_seed(step id).
 *
 * base_ms <= 0 or attempt 0 gives 0. Never overflows, for any base_ms and
 * attempt.
 */
#define HONK_BACKOFF_CAP_MS (3600LL * 1000)

int64_t honk_backoff_ms(int64_t base_ms, unsigned attempt, uint64_t seed);

/* now_ms + honk_backoff_ms(...), saturating at INT64_MAX. */
int64_t honk_not_before(int64_t now_ms, int64_t base_ms, unsigned attempt,
			uint64_t seed);

/* A seed from a step id (64-bit FNV-1a of its bytes). */
uint64_t honk_backoff_seed(const char *step_id);

#endif
