/*
 * The growable buffer behind every string honk builds.
 *
 * Invariants: buf is never NULL, buf[len] == '\0', len < alloc whenever
 * alloc != 0, and len never exceeds max when max is set. A failed grow
 * leaves the buffer untouched, so a caller can report and go on.
 */
#include "buf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "banned.h"

char honk_buf__empty[1];

void honk_buf_init(struct honk_buf *b, size_t max)
{
	b->buf = honk_buf__empty;
	b->len = 0;
	b->alloc = 0;
	b->max = max;
}

void honk_buf_release(struct honk_buf *b)
{
	if (!b)
		return;
	if (b->alloc)
		free(b->buf);
	honk_buf_init(b, b->max);
}

char *honk_buf_detach(struct honk_buf *b, size_t *len)
{
	char *s;

	if (len)
		*len = b->len;
	if (!b->alloc) {
		s = calloc(1, 1);
	} else {
		s = b->buf;
	}
	honk_buf_init(b, b->max);
	return s;
}

int honk_buf_grow(struct honk_buf *b, size_t extra)
{
	size_t want, n;
	char *p;

	if (extra > SIZE_MAX - b->len - 1)
		return honk_error_set(HONK_ELIMIT, "buffer size overflow");
	want = b->len + extra + 1;
	if (b->max && want - 1 > b->max)
		return honk_error_set(HONK_ELIMIT,
				      "larger than the limit of %zu bytes",
				      b->max);
	if (want <= b->alloc)
		return 0;
	n = b->alloc ? b->alloc : 64;
	while (n < want)
		n = n > SIZE_MAX / 2 ? want : n * 2;
	p = realloc(b->alloc ? b->buf : NULL, n);
	if (!p)
		honk_die_oom();
	if (!b->alloc)
		p[0] = '\0';
	b->buf = p;
	b->alloc = n;
	return 0;
}

int honk_buf_add(struct honk_buf *b, const void *data, size_t len)
{
	int err;

	if ((err = honk_buf_grow(b, len)) < 0)
		return err;
	if (len)
		memcpy(b->buf + b->len, data, len);
	b->len += len;
	b->buf[b->len] = '\0';
	return 0;
}

int honk_buf_addstr(struct honk_buf *b, const char *s)
{
	return honk_buf_add(b, s, strlen(s));
}

int honk_buf_addch(struct honk_buf *b, int c)
{
	char ch = (char)c;

	return honk_buf_add(b, &ch, 1);
}

int honk_buf_vaddf(struct honk_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n, err;

	va_copy(cp, ap);
	n = vsnprintf(b->buf + b->len, b->alloc ? b->alloc - b->len : 0, fmt,
		      cp);
	va_end(cp);
	if (n < 0)
		return honk_error_set(HONK_ERROR, "formatting failed");
	if (b->max && (size_t)n > b->max - b->len) {
		if (b->alloc)
			b->buf[b->len] = '\0';
		return honk_error_set(HONK_ELIMIT,
				      "larger than the limit of %zu bytes",
				      b->max);
	}
	if (b->alloc && (size_t)n < b->alloc - b->len) {
		b->len += (size_t)n;
		return 0;
	}
	if ((err = honk_buf_grow(b, (size_t)n)) < 0) {
		if (b->alloc)
			b->buf[b->len] = '\0';
		return err;
	}
	vsnprintf(b->buf + b->len, b->alloc - b->len, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int honk_buf_addf(struct honk_buf *b, const char *fmt, ...)
{
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = honk_buf_vaddf(b, fmt, ap);
	va_end(ap);
	return err;
}

void honk_buf_setlen(struct honk_buf *b, size_t len)
{
	if (!b->alloc)
		return;
	if (len > b->len)
		len = b->len;
	b->len = len;
	b->buf[len] = '\0';
}

void honk_buf_reset(struct honk_buf *b)
{
	honk_buf_setlen(b, 0);
}

int honk_buf_read_file(struct honk_buf *b, const char *path)
{
	char chunk[65536];
	int fd, err = 0;
	ssize_t n;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return honk_error_errno(errno == ENOENT ? HONK_ENOTFOUND
							: HONK_ERROR,
					"cannot open '%s'", path);
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = honk_error_errno(HONK_ERROR, "cannot read '%s'",
					       path);
			break;
		}
		if (n == 0)
			break;
		if ((err = honk_buf_add(b, chunk, (size_t)n)) < 0) {
			if (err == HONK_ELIMIT)
				honk_error_set(
					err,
					"'%s' is larger than the limit of %zu bytes",
					path, b->max);
			break;
		}
	}
	close(fd);
	return err;
}

int honk_array_reserve(void *arrayp, size_t n, size_t *cap, size_t elem)
{
	void **array = arrayp, *v;
	size_t want;

	if (n < *cap)
		return 0;
	want = *cap ? *cap * 2 : 16;
	if (want < *cap || (elem && want > SIZE_MAX / elem))
		return honk_error_set(HONK_ERROR, "out of memory");
	v = realloc(*array, want * elem);
	if (!v)
		return honk_error_set(HONK_ERROR, "out of memory");
	*array = v;
	*cap = want;
	return 0;
}
