/*
 * Collected diagnostics.
 *
 * Messages are formatted once, when added, and owned by the list. The list
 * is bounded: past `max` entries only a count is kept, and printing ends
 * with a line saying how many more there were. A diagnostic is one line:
 * control characters in its path or message (which quote input) are
 * escaped as honk_error_escape() does.
 */
#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "banned.h"

/* A malloc'd copy of s as one line; NULL when out of memory. */
static char *one_line(const char *s)
{
	size_t len = strlen(s), i, n;
	char *out;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			break;
	if (i == len)
		return strdup(s);
	n = 4 * len + 1;
	if (!(out = malloc(n)))
		return NULL;
	honk_error_escape(out, n, s);
	return out;
}

static int grow(struct honk_diags *d)
{
	size_t cap = d->alloc ? d->alloc * 2 : 16;
	struct honk_diag *v = realloc(d->v, cap * sizeof(*v));

	if (!v)
		return -1;
	d->v = v;
	d->alloc = cap;
	return 0;
}

int honk_diag_add(struct honk_diags *d, const char *path, unsigned line,
		  unsigned col, const char *fmt, ...)
{
	struct honk_buf msg = HONK_BUF_INIT;
	struct honk_diag *e;
	va_list ap;

	if (d->max && d->n >= d->max) {
		d->dropped++;
		return HONK_EINVALID;
	}
	if (d->n == d->alloc && grow(d) < 0) {
		d->dropped++;
		return HONK_EINVALID;
	}
	va_start(ap, fmt);
	honk_buf_vaddf(&msg, fmt, ap);
	va_end(ap);
	e = &d->v[d->n];
	e->path = one_line(path ? path : "");
	e->msg = one_line(msg.buf);
	honk_buf_release(&msg);
	if (!e->path || !e->msg) {
		free(e->path);
		free(e->msg);
		d->dropped++;
		return HONK_EINVALID;
	}
	e->line = line;
	e->col = col;
	d->n++;
	return HONK_EINVALID;
}

size_t honk_diags_count(const struct honk_diags *d)
{
	return d->n + d->dropped;
}

static int cmp(const void *pa, const void *pb)
{
	const struct honk_diag *a = pa, *b = pb;
	int c = strcmp(a->path, b->path);

	if (c)
		return c;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->col != b->col)
		return a->col < b->col ? -1 : 1;
	return strcmp(a->msg, b->msg);
}

void honk_diags_sort(struct honk_diags *d)
{
	size_t i, o;

	if (d->n < 2)
		return;
	qsort(d->v, d->n, sizeof(*d->v), cmp);
	for (i = 1, o = 1; i < d->n; i++) {
		if (!cmp(&d->v[o - 1], &d->v[i])) {
			free(d->v[i].path);
			free(d->v[i].msg);
			continue;
		}
		d->v[o++] = d->v[i];
	}
	d->n = o;
}

int honk_diags_print(const struct honk_diags *d, FILE *out)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		const struct honk_diag *e = &d->v[i];

		if (e->line)
			fprintf(out, "%s:%u:%u: %s\n", e->path, e->line, e->col,
				e->msg);
		else
			fprintf(out, "%s: %s\n", e->path, e->msg);
	}
	if (d->dropped)
		fprintf(out, "... and %zu more\n", d->dropped);
	return ferror(out) ? -1 : 0;
}

void honk_diags_release(struct honk_diags *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->n; i++) {
		free(d->v[i].path);
		free(d->v[i].msg);
	}
	free(d->v);
	d->v = NULL;
	d->n = d->alloc = d->dropped = 0;
}

void honk_diags_take(struct honk_diags *dst, struct honk_diags *src)
{
	size_t i;

	for (i = 0; i < src->n; i++) {
		struct honk_diag *e = &src->v[i];

		if ((dst->max && dst->n >= dst->max) ||
		    (dst->n == dst->alloc && grow(dst) < 0)) {
			free(e->path);
			free(e->msg);
			dst->dropped++;
			continue;
		}
		dst->v[dst->n++] = *e;
	}
	dst->dropped += src->dropped;
	free(src->v);
	src->v = NULL;
	src->n = src->alloc = src->dropped = 0;
}
