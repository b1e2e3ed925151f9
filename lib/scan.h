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

#endif
