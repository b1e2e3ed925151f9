#ifndef HONK_BUF_H
#define HONK_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "error.h"

/*
 * A growable byte buffer. `buf` is never NULL and always NUL-terminated,
 * so it can be handed to string functions at any time. `max` (0 = no
 * limit besides memory) bounds `len`; growing past it fails with
 * HONK_ELIMIT and leaves the buffer as it was.
 */
struct honk_buf {
	char *buf;
	size_t len;
	size_t alloc;
	size_t max;
};

extern char honk_buf__empty[];

#define HONK_BUF_INIT                    \
	{                                \
		honk_buf__empty, 0, 0, 0 \
	}

void honk_buf_init(struct honk_buf *b, size_t max);
void honk_buf_release(struct honk_buf *b);

/* Hand the contents to the caller (malloc'ed, NUL-terminated); b is reset. */
char *honk_buf_detach(struct honk_buf *b, size_t *len);

int honk_buf_grow(struct honk_buf *b, size_t extra);
int honk_buf_add(struct honk_buf *b, const void *data, size_t len);
int honk_buf_addstr(struct honk_buf *b, const char *s);
int honk_buf_addch(struct honk_buf *b, int c);
int honk_buf_addf(struct honk_buf *b, const char *fmt, ...) HONK_PRINTF(2, 3);
int honk_buf_vaddf(struct honk_buf *b, const char *fmt, va_list ap);
void honk_buf_setlen(struct honk_buf *b, size_t len);
void honk_buf_reset(struct honk_buf *b);

/*
 * Make room for one more element in a malloc'ed array: when n == *cap,
 * *(void **)arrayp is reallocated to twice the size (at least 16).
 * HONK_ERROR ("out of memory") when it cannot be; the array is intact.
 */
int honk_array_reserve(void *arrayp, size_t n, size_t *cap, size_t elem);

/* Read a whole file; fails with HONK_ELIMIT past b->max. */
int honk_buf_read_file(struct honk_buf *b, const char *path);

#endif
