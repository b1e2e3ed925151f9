#ifndef HONK_YAML_H
#define HONK_YAML_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "buf.h"
#include "diag.h"

/*
 * YAML for honk's files: a strict loader into a small document tree, a
 * schema-table walker that maps that tree onto C structs, and a
 * deterministic emitter.
 *
 * Loading rules (DESIGN section 3): one document per file; anchors,
 * aliases and explicit tags refused; nesting depth and file size capped;
 * duplicate keys refused; every problem reported as path:line:col (1-based)
 * into a honk_diags list, all of them, not just the first.
 */

enum honk_ytype { HONK_YSCALAR = 1, HONK_YSEQ, HONK_YMAP };

struct honk_ynode {
	enum honk_ytype type;
	unsigned line, col;	  /* 1-based */
	unsigned quoted;	  /* scalar written quoted or as a block */
	const char *str;	  /* scalar text, NUL-terminated */
	size_t len;		  /* scalar length (may contain no NUL) */
	size_t n;		  /* items of a sequence, pairs of a map */
	struct honk_ynode *first; /* children; a map alternates key, value */
	struct honk_ynode *next;
	struct honk_ynode *last_; /* for appending while loading */
};

#define HONK_YAML_MAX_SIZE  (8u << 20)
#define HONK_YAML_MAX_DEPTH 64

struct honk_yload_opts {
	size_t max_size;
	unsigned max_depth;
};

#define HONK_YLOAD_OPTS_INIT                            \
	{                                               \
		HONK_YAML_MAX_SIZE, HONK_YAML_MAX_DEPTH \
	}

struct honk_ydoc {
	struct honk_arena arena;
	const struct honk_ynode *root; /* NULL for an empty file */
};

#define HONK_YDOC_INIT                \
	{                             \
		HONK_ARENA_INIT, NULL \
	}

/*
 * Parse data[0..len) read from `path` (used in messages only). Problems go
 * to `diags` and the result is HONK_EINVALID; HONK_ERROR only for memory.
 */
int honk_ydoc_parse(struct honk_ydoc *doc, const char *path, const char *data,
		    size_t len, const struct honk_yload_opts *opts,
		    struct honk_diags *diags);
void honk_ydoc_release(struct honk_ydoc *doc);

/* A plain scalar that YAML 1.1 reads as null: "", "~", "null". */
int honk_ynode_is_null(const struct honk_ynode *n);

/* Value of `key` in a map node, or NULL. */
const struct honk_ynode *honk_ymap_get(const struct honk_ynode *map,
				       const char *key);

/*
 * The walker. A context carries the file, the diagnostics, the arena that
 * owns what the walk produces, and the key path of the node being looked
 * at ("versions[1].schema[0]"), which every message ends with.
 */
struct honk_yctx {
	const char *path;
	struct honk_diags *diags;
	struct honk_arena *arena;
	char keypath[256];
	size_t keylen;
	unsigned errors;
};

void honk_yctx_init(struct honk_yctx *c, const char *path,
		    struct honk_diags *diags, struct honk_arena *arena);

/* Report a problem at n, with the current key path appended. */
int honk_yerror(struct honk_yctx *c, const struct honk_ynode *n,
		const char *fmt, ...) HONK_PRINTF(3, 4);

enum { HONK_YKEY_REQUIRED = 1 };

typedef int (*honk_ykey_fn)(struct honk_yctx *c, const struct honk_ynode *n,
			    void *obj);

struct honk_ykey {
	const char *name;
	unsigned flags;
	honk_ykey_fn fn;
};

/*
 * Walk a map against a key table: unknown keys are reported with a
 * did-you-mean suggestion, missing required keys at the map, and each
 * known key's value handed to its function with the key path extended.
 * Returns HONK_EINVALID if anything in the map was reported.
 */
int honk_ymap_walk(struct honk_yctx *c, const struct honk_ynode *n,
		   const char *what, const struct honk_ykey *keys, size_t nkeys,
		   void *obj);

typedef int (*honk_yitem_fn)(struct honk_yctx *c, const struct honk_ynode *n,
			     size_t i, void *obj);

/* Walk a sequence, extending the key path with [i]. */
int honk_yseq_walk(struct honk_yctx *c, const struct honk_ynode *n,
		   honk_yitem_fn fn, void *obj);

/* Typed values; each reports its own error at n. Strings go into c->arena. */
int honk_y_str(struct honk_yctx *c, const struct honk_ynode *n,
	       const char **out);
int honk_y_name(struct honk_yctx *c, const struct honk_ynode *n,
		const char *what, const char **out);
int honk_y_int(struct honk_yctx *c, const struct honk_ynode *n, int64_t min,
	       int64_t max, int64_t *out);
int honk_y_bool(struct honk_yctx *c, const struct honk_ynode *n, int *out);
int honk_y_date(struct honk_yctx *c, const struct honk_ynode *n,
		int64_t *out_days);
int honk_y_duration(struct honk_yctx *c, const struct honk_ynode *n,
		    int64_t *out_ms);
/* One of choices (NULL-terminated); *out is its index. */
int honk_y_enum(struct honk_yctx *c, const struct honk_ynode *n,
		const char *const *choices, int *out);
/* A sequence of strings. */
int honk_y_strlist(struct honk_yctx *c, const struct honk_ynode *n,
		   const char ***out, size_t *nout);
/* A command: an argv sequence, or a string meaning ["/bin/sh", "-c", s]. */
int honk_y_argv(struct honk_yctx *c, const struct honk_ynode *n,
		const char ***out, size_t *nout);

/*
 * The closest of candidates (NULL-terminated) to word, or NULL when none
 * is close enough to be a likely typo.
 */
const char *honk_suggest(const char *word, const char *const *candidates);

/*
 * The emitter: block style, keys in the order the caller writes them,
 * strings quoted whenever a YAML 1.1 reader would take them for something
 * else ("3", "yes", "~", "2026-01-01"), LF line ends. Same calls, same
 * bytes. Errors are sticky: check honk_yw_finish() once.
 */
struct honk_ywriter;

int honk_yw_new(struct honk_ywriter **out, struct honk_buf *dst);
void honk_yw_free(struct honk_ywriter *w);
void honk_yw_map_begin(struct honk_ywriter *w, int flow);
void honk_yw_map_end(struct honk_ywriter *w);
void honk_yw_seq_begin(struct honk_ywriter *w, int flow);
void honk_yw_seq_end(struct honk_ywriter *w);
void honk_yw_str(struct honk_ywriter *w, const char *s);
void honk_yw_int(struct honk_ywriter *w, int64_t v);
void honk_yw_bool(struct honk_ywriter *w, int v);
void honk_yw_null(struct honk_ywriter *w);
/* Ends the document; returns 0 or the first error. */
int honk_yw_finish(struct honk_ywriter *w);

#endif
