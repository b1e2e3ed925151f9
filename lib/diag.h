#ifndef HONK_DIAG_H
#define HONK_DIAG_H

#include <stddef.h>
#include <stdio.h>

#include "error.h"

/*
 * Diagnostics about input files: `path:line:col: message`, 1-based, as
 * compilers print them. A list collects every problem of a run so users
 * fix them all at once; it keeps at most `max` (later ones are counted,
 * not stored) so a hostile file cannot make it grow without bound.
 */
struct honk_diag {
	char *path;
	unsigned line, col; /* 0 when the problem is the file as a whole */
	char *msg;
};

struct honk_diags {
	struct honk_diag *v;
	size_t n, alloc, max;
	size_t dropped;
};

#define HONK_DIAGS_MAX_DEFAULT 1000
#define HONK_DIAGS_INIT                               \
	{                                             \
		NULL, 0, 0, HONK_DIAGS_MAX_DEFAULT, 0 \
	}

/* Add one; returns HONK_EINVALID (so callers can `return honk_diag_add(...)`).
 */
int honk_diag_add(struct honk_diags *d, const char *path, unsigned line,
		  unsigned col, const char *fmt, ...) HONK_PRINTF(5, 6);

/* Total reported, including the ones dropped past max. */
size_t honk_diags_count(const struct honk_diags *d);

/* Sort by path, line, column, message; drop exact repeats. */
void honk_diags_sort(struct honk_diags *d);

/* Print each as `path:line:col: message` (or `path: message`). */
int honk_diags_print(const struct honk_diags *d, FILE *out);

/* Move every entry of src to the end of dst (dst's bound applies). */
void honk_diags_take(struct honk_diags *dst, struct honk_diags *src);

void honk_diags_release(struct honk_diags *d);

#endif
