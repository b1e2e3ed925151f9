#ifndef HONK_JSONREAD_H
#define HONK_JSONREAD_H

#include <stddef.h>

#include "arena.h"
#include "buf.h"

/*
 * A strict JSON reader (RFC 8259) for data people hand in, such as
 * validation samples: one value into a small tree that keeps each value's
 * column and text as written, so a problem can be reported where it is.
 * Invalid UTF-8, control characters in strings, lone surrogates, leading
 * zeros, trailing commas and text after the value are refused; nesting is
 * capped at HONK_JREAD_MAX_DEPTH. Duplicate keys are kept (the caller
 * decides what they mean).
 */

#define HONK_JREAD_MAX_DEPTH 64

enum honk_jtype {
	HONK_J_NULL,
	HONK_J_BOOL,
	HONK_J_NUMBER,
	HONK_J_STRING,
	HONK_J_ARRAY,
	HONK_J_OBJECT
};

struct honk_jval {
	enum honk_jtype type;
	unsigned col;	 /* 1-based byte column in the text parsed */
	int boolean;	 /* HONK_J_BOOL */
	int integral;	 /* HONK_J_NUMBER: no fraction, no exponent */
	const char *raw; /* the value as written */
	size_t rawlen;
	/* HONK_J_STRING: decoded, NUL-terminated (may hold U+0000 too);
	 * HONK_J_NUMBER: its text */
	char *str;
	size_t len;
	/* children: an array's items; an object's keys (strings) and values
	 * alternating */
	struct honk_jval *first, *next;
	size_t count; /* items, or key-value pairs */
};

/*
 * Parse s[0..n) as one JSON value into arena (tmp: scratch space). On
 * failure NULL, with *err saying what and *col (1-based) where.
 */
struct honk_jval *honk_jread(struct honk_arena *arena, struct honk_buf *tmp,
			     const char *s, size_t n, const char **err,
			     unsigned *col);

/* Append v as canonical JSON: no blanks, object keys sorted bytewise. */
int honk_jread_canon(struct honk_buf *out, const struct honk_jval *v);

/* Append s[0..n) as a JSON string literal, escaping only what must be. */
void honk_jread_quote(struct honk_buf *out, const char *s, size_t n);

/* The length of the longest valid UTF-8 prefix of s[0..n). */
size_t honk_utf8_valid(const char *s, size_t n);

#endif
