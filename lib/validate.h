#ifndef HONK_VALIDATE_H
#define HONK_VALIDATE_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "buf.h"
#include "diag.h"
#include "schema.h"
#include "sqlgen.h"

/*
 * Validation of a migration's SQL (DESIGN section 5), in an in-memory
 * SQLite database:
 *
 *   load        create the old table (honk_sqlgen_table, sqlite) and fill
 *               it with the samples, or with rows generated from the old
 *               schema
 *   transform   run the transform text as given
 *   new-schema  the new table has exactly the new schema's columns, in
 *               order, as many rows as were loaded, and every value fits
 *               its field under the SQLite storage contract of sqlgen.h
 *   compat      run the compat text; the view gives back the old rows, as
 *               multisets (order does not matter; a value equals another
 *               only with the same storage class and the same value, REALs
 *               bit for bit, JSON compared with object keys sorted);
 *               old fields the new version does not carry (the view gives
 *               them as NULL or their default by design) are left out of
 *               the comparison, and the detail names them
 *
 * A check that cannot run because one it needs failed is recorded as
 * failed with "not run: ..." (transform needs load; new-schema and compat
 * need transform). The texts may have been edited by a person in review,
 * so they run as given, with guards: no ATTACH (so no file is written or
 * read), no extension loading, defensive mode, and a bound on the work a
 * statement may do.
 *
 * Samples are JSON lines: each non-empty line one object whose keys are
 * the old version's top-level field names, values in the JSON forms of
 * the storage contract (bytes as base64, decimals, dates, times and
 * timestamps as strings; a missing key is NULL). A line that is not JSON,
 * an unknown key, a value that does not fit its field (the same checker
 * as new-schema) or a missing required field is reported as
 * `samples_path:line:col: message` and the result is HONK_EINVALID.
 *
 * Generated rows are a pure function of the old schema, the row count
 * and the seed: they walk every type's edges (NULL in optional fields
 * every few rows, int32's limits, int64 values past 2^31 and negative,
 * floats with fractions, strings with quotes, backslashes, newlines and
 * non-ASCII, empty strings, bytes with 0x00 and 0xff, 2000-02-29, times
 * with fractions, timestamps with offsets, every enum symbol, records,
 * arrays of 0 to 2 items, maps). int64 values stay within +-2^53, where
 * the int64 -> float64 widening is exact; samples past it show the loss.
 */

struct honk_validate_input {
	const struct honk_sqlgen *g; /* names; schemas when from/to are NULL */
	const struct honk_schema *from, *to; /* NULL: g's */
	/* the sqlite dialect texts to run */
	const char *transform_sql, *compat_sql;
	/* optional JSON lines for the old version; NULL samples: generate */
	const char *samples_path;
	const char *samples;
	size_t samples_len;
	size_t generated_rows; /* 0: HONK_VALIDATE_ROWS_DEFAULT, at most _MAX */
	uint64_t seed;	       /* for generated rows */
};

#define HONK_VALIDATE_ROWS_DEFAULT 32
#define HONK_VALIDATE_ROWS_MAX	   1000000

#define HONK_VALIDATE_INPUT_INIT                                  \
	{                                                         \
		NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, 0 \
	}

struct honk_validate_check {
	const char *name; /* "load", "transform", "new-schema", "compat" */
	int passed;
	/* one line, or a few lines naming the first problems */
	const char *detail;
};

struct honk_validation {
	struct honk_arena arena;
	size_t rows;	    /* rows loaded into the old table */
	const char *source; /* "generated" or the samples path */
	struct honk_validate_check *checks; /* in the order above */
	size_t nchecks;
	int passed; /* every check passed */
};

#define HONK_VALIDATION_INIT    \
	{                       \
		HONK_ARENA_INIT \
	}

/*
 * Run the checks above. Returns 0 when they ran (see out->passed),
 * HONK_EINVALID when the samples are bad (every problem in diags, which
 * must be given with samples; out then has "load" failed and the other
 * checks "not run"), HONK_EUSAGE for input that is missing, HONK_ERROR
 * when SQLite or memory fails. Release *out whatever the result.
 */
int honk_validate_sql(struct honk_validation *out,
		      const struct honk_validate_input *in,
		      struct honk_diags *diags);
void honk_validation_release(struct honk_validation *v);

/*
 * The rows validation generates for schema s (rows 0: the default), as
 * JSON lines in the samples format, appended to out: a record of what
 * was tested, and a start for a samples file. Same arguments, same bytes.
 */
int honk_validate_generated_rows(struct honk_buf *out,
				 const struct honk_schema *s, size_t rows,
				 uint64_t seed);

#endif
