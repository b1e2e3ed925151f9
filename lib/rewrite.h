#ifndef HONK_REWRITE_H
#define HONK_REWRITE_H

#include <stddef.h>

#include "arena.h"
#include "buf.h"
#include "diag.h"

/*
 * The code rewrite engine (DESIGN section 5): rules of a PCRE2 pattern,
 * a replacement and file globs, applied in order to each file, as
 * `sed -E -e s/P1/R1/g -e s/P2/R2/g ...` would apply them.
 *
 * rewrite.yaml:
 *
 *   rules:
 *     - pattern: '\bts\b'          # PCRE2; ^ and $ match at every line
 *       replace: played_at         # $1, ${name}: groups; $$: a dollar
 *       files: [sql/top.sql]      # globs (* ? [..] **); absent: every file
 */
struct honk_rule_set;

/*
 * Parse and compile the rules of a rewrite.yaml (path is for messages).
 * Every problem, a pattern that does not compile included, goes to diags
 * with its position; HONK_EINVALID when there was any.
 */
int honk_rules_parse(struct honk_rule_set **out, const char *path,
		     const char *data, size_t len, struct honk_diags *diags);
void honk_rules_free(struct honk_rule_set *rs);

/* How many rules. */
size_t honk_rules_count(const struct honk_rule_set *rs);

/*
 * Apply every rule whose globs match path to data; out receives the new
 * content (unset when *changed is 0). A pattern that hits its match or
 * depth limit is HONK_ELIMIT naming the rule, never "no match"; a bad
 * replacement is HONK_EINVALID.
 */
int honk_rules_apply(struct honk_buf *out, int *changed,
		     const struct honk_rule_set *rs, const char *path,
		     const char *data, size_t len);

/*
 * Rewrite a directory: every regular file below dir (".git" skipped,
 * symbolic links never followed, files holding a NUL byte skipped as
 * binary, files over 64 MiB left alone), in path order; for
 * each file the rules change, cb gets its path (prefix joined with the
 * path below dir) and the unified diff from the old content to the new.
 * With write set, the file is also replaced (atomically).
 */
typedef int (*honk_rewrite_cb)(const char *path, const char *patch, size_t len,
			       void *payload);

struct honk_rewrite_opts {
	int write;
	const char *prefix; /* shown before each path; "" or NULL: none */
};

#define HONK_REWRITE_OPTS_INIT \
	{                      \
		0, NULL        \
	}

int honk_rewrite_dir(const struct honk_rule_set *rs, const char *dir,
		     const struct honk_rewrite_opts *o, honk_rewrite_cb cb,
		     void *payload);

#endif
