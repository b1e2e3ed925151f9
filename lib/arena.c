/*
 * Bump allocation in large blocks.
 *
 * Blocks form a singly linked list, newest first; a request larger than a
 * quarter block gets a block of its own so the current one is not wasted.
 * Every allocation is zeroed, so structures built here start in their
 * _INIT state without a separate init call. honk_arena_reset() keeps one
 * block for the next use, so parsing thousands of small files in a row
 * costs no allocation per file.
 */
#include "arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "banned.h"

#define BLOCK_SIZE (64 * 1024)
#define ALIGN	   16

struct honk_arena_block {
	struct honk_arena_block *next;
	size_t size, used;
	_Alignas(ALIGN) unsigned char data[];
};

static struct honk_arena_block *new_block(size_t size)
{
	struct honk_arena_block *b = malloc(sizeof(*b) + size);

	if (b) {
		b->next = NULL;
		b->size = size;
		b->used = 0;
	}
	return b;
}

void *honk_arena_alloc(struct honk_arena *a, size_t size)
{
	struct honk_arena_block *b = a->head;
	size_t need;
	void *p;

	if (size > SIZE_MAX - ALIGN)
		honk_die_oom();
	need = (size + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	if (!need)
		need = ALIGN;
	if (need > BLOCK_SIZE / 4) {
		struct honk_arena_block *big = new_block(need);

		if (!big)
			goto oom;
		big->used = need;
		if (b) {
			big->next = b->next;
			b->next = big;
		} else {
			a->head = big;
		}
		a->used += need;
		memset(big->data, 0, need);
		return big->data;
	}
	if (!b || b->size - b->used < need) {
		b = new_block(BLOCK_SIZE);
		if (!b)
			goto oom;
		b->next = a->head;
		a->head = b;
	}
	p = b->data + b->used;
	b->used += need;
	a->used += need;
	memset(p, 0, need);
	return p;
oom:
	/* as a honk_buf: what is built here is never checked piece by piece */
	honk_die_oom();
}

char *honk_arena_strndup(struct honk_arena *a, const char *s, size_t len)
{
	char *p = honk_arena_alloc(a, len + 1);

	if (p && len)
		memcpy(p, s, len);
	return p;
}

char *honk_arena_strdup(struct honk_arena *a, const char *s)
{
	return honk_arena_strndup(a, s, strlen(s));
}

void *honk_arena_grow(struct honk_arena *a, void *old, size_t n, size_t cap,
		      size_t elem)
{
	void *p;

	if (cap && elem > SIZE_MAX / cap)
		honk_die_oom();
	p = honk_arena_alloc(a, cap * elem);
	if (p && n)
		memcpy(p, old, n * elem);
	return p;
}

int honk_arena_reserve(struct honk_arena *a, void *arrayp, size_t n,
		       size_t *cap, size_t elem)
{
	void **array = arrayp, *v;
	size_t want;

	if (n < *cap)
		return 0;
	want = *cap ? *cap * 2 : 16;
	v = honk_arena_grow(a, *array, n, want, elem);
	if (!v)
		return HONK_ERROR;
	*array = v;
	*cap = want;
	return 0;
}

void honk_arena_adopt(struct honk_arena *dst, struct honk_arena *src)
{
	struct honk_arena_block *b;

	if (!src->head)
		return;
	if (!dst->head) {
		dst->head = src->head;
	} else {
		for (b = dst->head; b->next; b = b->next)
			;
		b->next = src->head;
	}
	dst->used += src->used;
	src->head = NULL;
	src->used = 0;
}

void honk_arena_reset(struct honk_arena *a)
{
	struct honk_arena_block *b, *next, *keep = NULL;

	for (b = a->head; b; b = next) {
		next = b->next;
		if (!keep && b->size == BLOCK_SIZE) {
			keep = b;
			continue;
		}
		free(b);
	}
	if (keep) {
		keep->next = NULL;
		keep->used = 0;
	}
	a->head = keep;
	a->used = 0;
}

void honk_arena_release(struct honk_arena *a)
{
	struct honk_arena_block *b, *next;

	if (!a)
		return;
	for (b = a->head; b; b = next) {
		next = b->next;
		free(b);
	}
	a->head = NULL;
	a->used = 0;
}
