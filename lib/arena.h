#ifndef HONK_ARENA_H
#define HONK_ARENA_H

#include <stddef.h>

/*
 * A bump allocator for data that lives exactly as long as its owner: a
 * parsed YAML document, a loaded catalog. Everything is freed at once by
 * honk_arena_release(); nothing is freed individually.
 */
struct honk_arena_block;

struct honk_arena {
	struct honk_arena_block *head;
	size_t used; /* bytes handed out, for limits and reports */
};

#define HONK_ARENA_INIT \
	{               \
		NULL, 0 \
	}

/* Zeroed memory, aligned for any object; never NULL: out of memory ends
 * the process (honk_die_oom()). */
void *honk_arena_alloc(struct honk_arena *a, size_t size);

/* A NUL-terminated copy of s[0..len). */
char *honk_arena_strndup(struct honk_arena *a, const char *s, size_t len);
char *honk_arena_strdup(struct honk_arena *a, const char *s);

/* Grow an arena array: copy the old n elements into a new array of cap. */
void *honk_arena_grow(struct honk_arena *a, void *old, size_t n, size_t cap,
		      size_t elem);

/*
 * Make room for one more element in an arena array: when n == *cap, the
 * array *(void **)arrayp moves to a new one twice the size (at least 16).
 */
int honk_arena_reserve(struct honk_arena *a, void *arrayp, size_t n,
		       size_t *cap, size_t elem);

/* Move src's memory into dst (pointers into it stay valid); src is empty. */
void honk_arena_adopt(struct honk_arena *dst, struct honk_arena *src);

/* Forget every allocation but keep one block for reuse. */
void honk_arena_reset(struct honk_arena *a);

void honk_arena_release(struct honk_arena *a);

#endif
