#ifndef HONK_PARSE_H
#define HONK_PARSE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Strict parsers for the scalars of honk's file formats. Each takes the
 * whole string: no leading blanks, no trailing garbage, no silent wrap.
 * On failure they return HONK_EINVALID with a message that names what was
 * expected (without the position, which the caller knows).
 */

/* A decimal integer in [min, max]; "+", leading zeros ("007") refused. */
int honk_parse_int(int64_t *out, const char *s, int64_t min, int64_t max);

/*
 * A duration: one or more <number><unit> with units ms, s, m, h, d, as in
 * "30s", "10m", "1h30m". Result in milliseconds, at most 365 days.
 */
int honk_parse_duration(int64_t *out_ms, const char *s);

/* A calendar date YYYY-MM-DD; result in days since 1970-01-01. */
int honk_parse_date(int64_t *out_days, const char *s);

/* Days since 1970-01-01 for a valid y-m-d. */
int64_t honk_days_from_civil(int64_t y, unsigned m, unsigned d);

/* A percentage "10%" (1..100) or a count ("3", >= 1). */
int honk_parse_wave_size(int64_t *out, int *is_percent, const char *s);

#endif
