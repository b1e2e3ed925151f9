#ifndef HONK_REWRITE_H
#define HONK_REWRITE_H

#include <stddef.h>

#include "arena.h"
#include "buf.h"
#include "diag.h"
#include "repo.h"

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
 *       consumers: [charts]       # only these consumers' code; absent: all
 */
struct honk_rule_set;

/*
 * Parse and compile the rules of a rewrite.yaml (path is for messages).
 * Every problem, a pattern that does not compile included, goes to diags
 * with its position; HONK_EINVALID when there was any.
 */
int honk_rules_parse(struct honk_rule_set **out, const char *path,
		     const char *data, size_t len, struct honk_diags *diags);

/*
 * The same, keeping only the rules for one consumer's code: those without
 * `consumers:` and those naming it (consumer NULL: only the former).
 * Every rule is checked either way.
 */
int honk_rules_parse_for(struct honk_rule_set **out, const char *path,
			 const char *data, size_t len, const char *consumer,
			 struct honk_diags *diags);
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

/*
 * Rewrite a branch from Git objects, without a worktree: every regular
 * file of the branch's tree within paths (globs; none: every file), the
 * same skips as honk_rewrite_dir (symbolic links and submodules are never
 * followed). When the rules change anything, target gets a commit whose
 * tree is the branch's with the new files: on the branch tip, or, when
 * target exists, a merge of the tip into it, so target only moves
 * forward; by compare-and-swap (HONK_ECONFLICT when it moved meanwhile).
 * A target that holds that tree already is left as it is. cb gets each
 * changed file's patch in path order (what `git diff BRANCH TARGET`
 * shows); *out (may be NULL) receives target's commit, zero when the
 * rules change nothing. Whether a person's commits on target may be
 * built upon is the caller's to decide.
 */
struct honk_rewrite_branch_opts {
	const char *branch;	  /* refs/heads/<branch> is read */
	const char *const *paths; /* the consumer's paths */
	size_t npaths;
	const char *target;  /* the ref written, e.g. refs/heads/honk/<id> */
	const char *message; /* of the commit */
	int dry_run;	     /* patches only: nothing is written */
};

int honk_rewrite_branch(git_oid *out, const struct honk_rule_set *rs,
			struct honk_repo *repo,
			const struct honk_rewrite_branch_opts *o,
			honk_rewrite_cb cb, void *payload);

#endif
