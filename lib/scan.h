#ifndef HONK_SCAN_H
#define HONK_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "catalog.h"
#include "repo.h"

/*
 * Finding references to datasets in code: a multi-literal matcher (an
 * Aho-Corasick automaton over bytes) finds every dataset id and location
 * in one pass with word boundaries; PCRE2 runs only for patterns people
 * give, with JIT, match and depth limits, and a limit hit is an error.
 */

struct honk_matcher;

/* Build the automaton for n literals (each non-empty). */
int honk_matcher_new(struct honk_matcher **out, const char *const *lits,
		     size_t n);
void honk_matcher_free(struct honk_matcher *m);

/*
 * Call cb for every occurrence of a literal in data[0..len) that stands
 * as a word (no [A-Za-z0-9_] right before or after it). A non-zero return
 * from cb stops the scan.
 */
typedef int (*honk_match_cb)(size_t lit, size_t start, size_t end,
			     void *payload);
int honk_matcher_scan(const struct honk_matcher *m, const char *data,
		      size_t len, honk_match_cb cb, void *payload);

/* A user pattern, compiled with limits. */
struct honk_regex;

int honk_regex_new(struct honk_regex **out, const char *pattern);
void honk_regex_free(struct honk_regex *re);

/*
 * Call cb(start, end) for every match in data. HONK_ELIMIT when the match
 * or depth limit is hit (catastrophic backtracking): an error, never
 * "no match".
 */
int honk_regex_scan(const struct honk_regex *re, const char *data, size_t len,
		    honk_match_cb cb, void *payload);

/* 1 when data looks binary (a NUL in its first 8000 bytes), as git does. */
int honk_is_binary(const char *data, size_t len);

/*
 * Does path match a glob? '*' and '?' stay within a directory, "**"
 * crosses directories, "[...]" is a class.
 */
int honk_glob_match(const char *glob, const char *path);

/* Does any of n globs match path? With none, every path does. */
int honk_globs_match(const char *const *globs, size_t n, const char *path);

/*
 * The scan of code for dataset references (honk-detect scan). The names
 * looked for are every dataset id and every version's location, with and
 * without its "scheme://".
 */
struct honk_hit {
	const char *source; /* the consumer, or the directory given */
	const char *path;   /* inside it */
	size_t line;
	const char *kind;    /* "dataset", "location" or "pattern" */
	const char *dataset; /* "" for a pattern */
	int64_t version;     /* -1 when not a location */
	const char *text;    /* what matched */
};

/* Called for every hit, in file order; non-zero stops the scan. */
typedef int (*honk_hit_cb)(const struct honk_hit *hit, void *payload);

struct honk_scan_opts {
	const char *pattern; /* an extra PCRE2 pattern, or NULL */
	unsigned threads;    /* 0: one per processor */
};

#define HONK_SCAN_OPTS_INIT \
	{                   \
		NULL, 0     \
	}

struct honk_scanner;

int honk_scanner_new(struct honk_scanner **out, const struct honk_catalog *cat,
		     const struct honk_scan_opts *o);
void honk_scanner_free(struct honk_scanner *s);

/* The names looked for, in a stable order. */
size_t honk_scanner_names(const struct honk_scanner *s,
			  const char *const **names);

/*
 * Each consumer's repository (repo, relative to base: the catalog's
 * worktree or git dir) at its branch, from Git objects, within its paths;
 * binaries, symlinks and submodules skipped. A repository that is a URL
 * or cannot be opened is passed to skipped(consumer, why).
 */
int honk_scan_consumers(struct honk_scanner *s, const char *base,
			honk_hit_cb cb, void *payload,
			void (*skipped)(const char *consumer, const char *why,
					void *payload));

/* A directory on disk (".git" skipped, symlinks not followed). */
int honk_scan_dir(struct honk_scanner *s, const char *dir, honk_hit_cb cb,
		  void *payload, size_t *nhits);

/* Is dir (a checkout or a bare repository) some consumer's repo? */
int honk_scan_is_consumer_repo(const struct honk_scanner *s, const char *base,
			       const char *dir);

/* JIT-compile a pcre2_code (8-bit) when that helps: see scan.c. */
void honk_regex_jit(void *code);

#endif
