#ifndef HONK_HEALTH_H
#define HONK_HEALTH_H

#include <stddef.h>

#include "arena.h"
#include "buf.h"
#include "catalog.h"
#include "exec.h"

/*
 * The health gate of a rollout (DESIGN section 6): what a health command
 * printed, and the verdict its exit and the thresholds give.
 *
 * The output is one of two forms, told apart by its first byte that is
 * not a blank (space, tab, CR, LF): '{' or '[' mean JSON, anything else
 * means lines.
 *
 * Lines: "key=value", one per line, each ended by a newline (a last line
 * without one is refused: a number cut short, "0.9" of "0.95", would
 * otherwise pass for a real one; blanks after the last newline are
 * nothing). Blanks (spaces, tabs) around the key, the '=' and the value
 * are ignored, as is a CR before the newline. Blank lines and lines whose
 * first non-blank byte is '#' are skipped; a comment after a value is not
 * (it makes the value no number).
 *
 * JSON: one object (RFC 8259, read strictly by jsonread.h, so its number
 * grammar holds: no '+', no leading zeros, no ".5") whose values are
 * numbers or booleans; a string, null, array or object as a value is an
 * error naming its key, never skipped, and so is anything after the
 * object but blanks.
 *
 * In both, a key is a metric name by the rule of honk_name_valid()
 * ([a-z0-9][a-z0-9_-]* segments joined by '.', at most 128 bytes: the
 * rule thresholds are written by), a key given twice is an error (which
 * one would count is ambiguous), and a value is a finite number:
 * [+-]digits[.digits][(e|E)[+-]digits] (".5" and "5." too) read in the C
 * locale, at most HONK_HEALTH_NUMBER_MAX bytes; hex, inf, nan and numbers
 * beyond a double's range are refused (one too small for a double reads
 * as 0 or the nearest denormal). "true" and "false" (JSON booleans,
 * or those words as a line's value) count as 1 and 0, so a threshold
 * "== 1" tests a flag. Empty output (or only blank lines and comments)
 * has no metrics and is not an error.
 */

#define HONK_HEALTH_OUTPUT_MAX (1024 * 1024)
#define HONK_HEALTH_NUMBER_MAX 64

struct honk_metric {
	const char *key; /* a valid name */
	double value;	 /* finite */
	unsigned line;	 /* where it was given, 1-based */
};

struct honk_metrics {
	struct honk_metric *v; /* in the order of the output */
	size_t n;
};

/*
 * Parse a health command's output s[0..len) (it may hold NUL bytes,
 * which are refused where they appear) into out, whose keys and array
 * live in arena. On failure out is empty and one line says why, with a
 * line number ("line 3: expected key=value, got 'oops'"; for JSON "line
 * 2, column 9: expected ',' or '}'"), any text from the output quoted
 * with control and non-ASCII bytes escaped: HONK_EINVALID for output that
 * is not one of the two forms, HONK_ELIMIT for more than
 * HONK_HEALTH_OUTPUT_MAX bytes, HONK_ERROR when out of memory.
 */
int honk_health_parse(struct honk_metrics *out, struct honk_arena *arena,
		      const char *s, size_t len);

/*
 * Argo Rollouts' three outcomes, kept apart: healthy (continue),
 * unhealthy (pause or roll back, per on_failure), error (inconclusive:
 * pause, never roll back on it).
 */
enum honk_health_verdict {
	HONK_HEALTH_HEALTHY,
	HONK_HEALTH_UNHEALTHY,
	HONK_HEALTH_ERROR
};

/* "healthy", "unhealthy", "error" */
extern const char *const honk_health_verdict_names[];

/* "<", "<=", ">", ">=", "==", "!=" by enum honk_cmp */
extern const char *const honk_cmp_names[];

/* 1 when value op bound holds. */
int honk_cmp_holds(enum honk_cmp op, double value, double bound);

/*
 * The verdict on one run of the health command, res (from
 * honk_exec_run() with a tail_max of at least HONK_HEALTH_OUTPUT_MAX:
 * output of which only the tail was kept is an error), against the
 * thresholds t[0..nt). Appends to reason one line saying why, without
 * the verdict's name, for people and notify:
 *
 *   error      the command did not start, or it did not exit with 0
 *              within its time ("the health command exited with 2 (last
 *              output: 'db down')", "... timed out after 10s (killed)",
 *              "the health command was killed by SIGKILL"); its output
 *              was more than kept or does not parse ("the output of the
 *              health command does not parse: line 3: ..."); a metric a
 *              threshold names is missing and no threshold fails
 *              ("metric cpu is missing from the output");
 *   unhealthy  it exited with 0, its output parsed and one threshold or
 *              more is not met, every failing one named ("cpu=0.95 is
 *              not < 0.85, mem=0.99 is not <= 0.9"), then any missing
 *              ("; metric disk is missing from the output"): a measured
 *              failure outweighs a missing measure;
 *   healthy    it exited with 0 and every threshold is met ("cpu=0.5 <
 *              0.85"); with no thresholds, exit status 0 alone is healthy
 *              and the output is not read at all.
 *
 * Numbers are written in the fewest digits that read back the same.
 * Returns 0, or HONK_ERROR when out of memory, and then *out is
 * HONK_HEALTH_ERROR all the same.
 */
int honk_health_judge(enum honk_health_verdict *out, struct honk_buf *reason,
		      const struct honk_exec_result *res,
		      const struct honk_threshold *t, size_t nt);

/*
 * Run the health command o (with tail_max raised to
 * HONK_HEALTH_OUTPUT_MAX when lower) and judge it. A command that cannot
 * be run (not found, not executable, cwd missing: honk_exec_run()'s
 * HONK_ENOTFOUND) is HONK_HEALTH_ERROR with its message in the reason
 * ("the health command could not start: cannot run './ops/health.sh':
 * No such file or directory"), and 0 is returned. honk_exec_run()'s other
 * failures, HONK_EUSAGE (an empty argv, a bad env entry: the caller's
 * mistake) and HONK_ERROR (the system's), are returned as they are, with
 * the verdict HONK_HEALTH_ERROR and the same kind of reason.
 */
int honk_health_run(enum honk_health_verdict *out, struct honk_buf *reason,
		    const struct honk_exec_opts *o,
		    const struct honk_threshold *t, size_t nt);

#endif
