#ifndef HONK_FUZZ_H
#define HONK_FUZZ_H

/*
 * What the fuzz targets hold every parser's diagnostics to, shared by
 * them (a header: the fuzzers are built from sources, the replays from
 * the library). Any broken promise aborts, which the fuzzer reports.
 */
#include <stdlib.h>
#include <string.h>

#include "diag.h"

/*
 * Each diagnostic is about path, says something, points at a line and a
 * column inside the file (or 0 and 0: all of it), and is one line of
 * text with no control character.
 */
static inline void honk_fuzz_check_diags(const struct honk_diags *d,
					 const char *path, size_t size)
{
	size_t i;
	const char *p;

	for (i = 0; i < d->n; i++) {
		if (strcmp(d->v[i].path, path) || !d->v[i].msg[0])
			abort();
		if (d->v[i].line > size + 1 || d->v[i].col > size + 1 ||
		    (d->v[i].line == 0) != (d->v[i].col == 0))
			abort();
		for (p = d->v[i].msg; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				abort();
	}
}

#endif
