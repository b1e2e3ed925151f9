/*
 * The code rewrite engine.
 *
 * Rules apply in order, each globally over a file's bytes, the way
 * `sed -E` applies its expressions: ^ and $ match at line boundaries, so
 * a rule that keeps to one line (as renames do) changes exactly what sed
 * would. Bytes are bytes: no UTF-8 decoding, so line endings and invalid
 * UTF-8 pass through untouched.
 *
 * Speed comes from not looking: each rule's pattern is compiled once with
 * JIT, and a literal that every match must contain (found by reading the
 * pattern conservatively) lets a memmem skip the rule for a file that
 * does not contain it. Safety: match and depth limits on every pattern;
 * hitting one is an error naming the rule, never a silent non-match.
 *
 * Invariants: a file is rewritten only when a rule changed it; the walk
 * never follows a symbolic link or enters ".git"; a file is replaced by
 * writing a temporary file beside it and renaming it over.
 */
#define _GNU_SOURCE	      /* memmem */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "rewrite.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <git2.h>
#include <pcre2.h>

#include "batch.h"
#include "error.h"
#include "repo.h"
#include "scan.h"
#include "sha1.h"
#include "yaml.h"
#include "banned.h"

#define MATCH_LIMIT 200000
#define DEPTH_LIMIT 2000
#define FILE_MAX    ((size_t)64 << 20) /* larger files are not rewritten */

struct rule {
	const char *pattern, *replace;
	const char **files;
	size_t nfiles;
	const char **consumers; /* only these consumers' code; NULL: any */
	size_t nconsumers;
	unsigned line, col;
	pcre2_code *code;
	char *literal; /* in every match, or NULL */
	size_t litlen;
	char *word;	  /* the pattern is \bWORD\b, the replacement plain */
	size_t next_same; /* the next rule with the same word, or n */
	size_t replace_len;
};

struct honk_rule_set {
	struct honk_arena arena;
	struct rule *v;
	size_t n, cap;
	const char *path;
	pcre2_match_context *mctx;
	pcre2_match_data *md;
	/* every rule a word rename that no later one can see the output of:
	 * one pass of a multi-word matcher does what the rules in turn do */
	struct honk_matcher *words;
	size_t *first; /* per word of the matcher: its first rule */
};

static int is_word_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

/* ---- the literal a pattern's every match contains ------------------- */

/* Past a group or class starting at p ('(' or '['); NULL if unclosed. */
static const char *skip_group(const char *p)
{
	int depth = 0;

	for (; *p; p++) {
		if (*p == '\\' && p[1]) {
			p++;
		} else if (*p == '[') {
			p++;
			if (*p == '^')
				p++;
			if (*p == ']')
				p++;
			while (*p && *p != ']')
				p += (*p == '\\' && p[1]) ? 2 : 1;
			if (!*p)
				return NULL;
			if (!depth)
				return p + 1;
		} else if (*p == '(') {
			depth++;
		} else if (*p == ')' && --depth == 0) {
			return p + 1;
		}
	}
	return NULL;
}

/* Does a quantifier at p allow zero? How long is it? */
static size_t quantifier(const char *p, int *zero)
{
	const char *q = p;

	*zero = 0;
	if (*q == '?' || *q == '*') {
		*zero = 1;
		q++;
	} else if (*q == '+') {
		q++;
	} else if (*q == '{' && ((q[1] >= '0' && q[1] <= '9') || q[1] == ',')) {
		/* {n}, {n,m}, and {,m}, which newer PCRE2 reads as {0,m} */
		*zero = q[1] == ',' ||
			(q[1] == '0' && (q[2] == ',' || q[2] == '}'));
		while (*q && *q != '}')
			q++;
		if (*q)
			q++;
	} else {
		return 0;
	}
	if (*q == '?' || *q == '+') /* lazy or possessive */
		q++;
	return (size_t)(q - p);
}

/*
 * A literal that every match of the pattern contains, read
 * conservatively: only characters at the top level (not in a group or a
 * class), each either plain or escaped punctuation, form a run; anything
 * else ends it, and a quantifier takes its character out of the run (a
 * '+' keeps it but ends the run). Alternation, inline options, \Q and
 * escapes with arguments give no literal. The longest run wins.
 */
static char *required_literal(const char *p, size_t *len)
{
	char run[256], best[256], *out;
	size_t nrun = 0, nbest = 0;

	*len = 0;
	if (strchr(p, '|') || strstr(p, "(?") || strstr(p, "\\Q"))
		return NULL;
	while (*p) {
		int lit = -1, zero;
		size_t q;

		if (*p == '\\' && p[1]) {
			char e = p[1];

			/* escapes with arguments, octal and back references */
			if (strchr("xoNpPcgkuQE", e) || (e >= '0' && e <= '9'))
				return NULL;
			if (!((e >= 'a' && e <= 'z') ||
			      (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9')))
				lit = (unsigned char)e;
			p += 2;
		} else if (*p == '(' || *p == '[') {
			if (!(p = skip_group(p)))
				return NULL;
		} else {
			if (!strchr(".^$+*?{}()[]", *p))
				lit = (unsigned char)*p;
			p++;
		}
		q = quantifier(p, &zero);
		p += q;
		if (lit >= 0 && !zero && nrun < sizeof(run))
			run[nrun++] = (char)lit;
		if (nrun > nbest) {
			memcpy(best, run, nrun);
			nbest = nrun;
		}
		if (lit < 0 || q)
			nrun = 0;
	}
	if (!nbest || !(out = malloc(nbest + 1)))
		return NULL;
	memcpy(out, best, nbest);
	out[nbest] = '\0';
	*len = nbest;
	return out;
}

/* ---- rewrite.yaml --------------------------------------------------- */

static int k_pattern(struct honk_yctx *c, const struct honk_ynode *n, void *obj)
{
	struct rule *r = obj;

	r->line = n->line;
	r->col = n->col;
	return honk_y_str(c, n, &r->pattern);
}

static int k_replace(struct honk_yctx *c, const struct honk_ynode *n, void *obj)
{
	return honk_y_str(c, n, &((struct rule *)obj)->replace);
}

static int k_files(struct honk_yctx *c, const struct honk_ynode *n, void *obj)
{
	struct rule *r = obj;

	return honk_y_strlist(c, n, &r->files, &r->nfiles);
}

static int consumer_item(struct honk_yctx *c, const struct honk_ynode *n,
			 size_t i, void *obj)
{
	struct rule *r = obj;

	return honk_y_name(c, n, "consumer", &r->consumers[i]);
}

static int k_consumers(struct honk_yctx *c, const struct honk_ynode *n,
		       void *obj)
{
	struct rule *r = obj;

	if (n->type != HONK_YSEQ)
		return honk_yerror(c, n, "expected a list of consumers");
	r->consumers =
		honk_arena_alloc(c->arena, (n->n + 1) * sizeof(*r->consumers));
	if (!r->consumers)
		return HONK_ERROR;
	r->nconsumers = n->n;
	return honk_yseq_walk(c, n, consumer_item, r);
}

static const struct honk_ykey rule_keys[] = {
	{ "consumers", 0, k_consumers },
	{ "files", 0, k_files },
	{ "pattern", HONK_YKEY_REQUIRED, k_pattern },
	{ "replace", HONK_YKEY_REQUIRED, k_replace },
};

static int rule_item(struct honk_yctx *c, const struct honk_ynode *n, size_t i,
		     void *obj)
{
	struct honk_rule_set *rs = obj;
	struct rule *r;

	(void)i;
	if (honk_arena_reserve(&rs->arena, &rs->v, rs->n, &rs->cap,
			       sizeof(*rs->v)) < 0)
		return HONK_ERROR;
	r = &rs->v[rs->n];
	memset(r, 0, sizeof(*r));
	r->line = n->line;
	r->col = n->col;
	/* kept even when broken: its pattern is still checked */
	rs->n++;
	return honk_ymap_walk(c, n, "a rule", rule_keys,
			      sizeof(rule_keys) / sizeof(rule_keys[0]), r);
}

static int k_rules(struct honk_yctx *c, const struct honk_ynode *n, void *obj)
{
	if (n->type != HONK_YSEQ)
		return honk_yerror(c, n, "expected a list of rules");
	return honk_yseq_walk(c, n, rule_item, obj);
}

static const struct honk_ykey top_keys[] = {
	{ "rules", HONK_YKEY_REQUIRED, k_rules },
};

/* "\bWORD\b" with WORD of [A-Za-z0-9_]: WORD; else NULL. */
static char *word_of(const char *pattern)
{
	size_t len = strlen(pattern), i;
	char *w;

	if (len < 5 || strncmp(pattern, "\\b", 2) ||
	    strcmp(pattern + len - 2, "\\b"))
		return NULL;
	for (i = 2; i < len - 2; i++)
		if (!is_word_char((unsigned char)pattern[i]))
			return NULL;
	if (!(w = malloc(len - 3)))
		return NULL;
	memcpy(w, pattern + 2, len - 4);
	w[len - 4] = '\0';
	return w;
}

struct seen {
	const struct honk_rule_set *rs;
	size_t after; /* a hit of a word some rule after this one has */
	int hit;
};

static int later_word(size_t lit, size_t start, size_t end, void *payload)
{
	struct seen *s = payload;
	size_t k;

	(void)start;
	(void)end;
	for (k = s->rs->first[lit]; k < s->rs->n; k = s->rs->v[k].next_same)
		if (k > s->after)
			return s->hit = 1;
	return 0;
}

/*
 * The one-pass matcher, when every rule is a word rename (\bWORD\b, a
 * replacement without '$') and no replacement holds, as a word, the word
 * of a rule after it (which, applied in turn, would rewrite it again).
 */
static int setup_words(struct honk_rule_set *rs)
{
	const char **lits = NULL;
	size_t i, k, nlits = 0;
	int err = 0;

	for (i = 0; i < rs->n; i++) {
		struct rule *r = &rs->v[i];

		r->next_same = rs->n;
		r->replace_len = strlen(r->replace);
		if (strchr(r->replace, '$') || !(r->word = word_of(r->pattern)))
			return 0;
	}
	lits = malloc(rs->n * sizeof(*lits));
	rs->first = malloc(rs->n * sizeof(*rs->first));
	if (!lits || !rs->first) {
		err = honk_error_set(HONK_ERROR, "out of memory");
		goto cleanup;
	}
	for (i = 0; i < rs->n; i++) {
		/* rules with one word chain from its first */
		for (k = 0; k < nlits && strcmp(lits[k], rs->v[i].word); k++)
			;
		if (k == nlits) {
			lits[nlits] = rs->v[i].word;
			rs->first[nlits++] = i;
		} else {
			size_t j = rs->first[k];

			while (rs->v[j].next_same < rs->n)
				j = rs->v[j].next_same;
			rs->v[j].next_same = i;
		}
	}
	if ((err = honk_matcher_new(&rs->words, lits, nlits)) < 0)
		goto cleanup;
	for (i = 0; i < rs->n && rs->words; i++) {
		struct seen s = { rs, i, 0 };

		honk_matcher_scan(rs->words, rs->v[i].replace,
				  rs->v[i].replace_len, later_word, &s);
		if (s.hit) {
			honk_matcher_free(rs->words);
			rs->words = NULL;
		}
	}
cleanup:
	free(lits);
	return err;
}

void honk_rules_free(struct honk_rule_set *rs)
{
	size_t i;

	if (!rs)
		return;
	for (i = 0; i < rs->n; i++) {
		pcre2_code_free(rs->v[i].code);
		free(rs->v[i].literal);
		free(rs->v[i].word);
	}
	honk_matcher_free(rs->words);
	free(rs->first);
	pcre2_match_data_free(rs->md);
	pcre2_match_context_free(rs->mctx);
	honk_arena_release(&rs->arena);
	free(rs);
}

size_t honk_rules_count(const struct honk_rule_set *rs)
{
	return rs ? rs->n : 0;
}

/* Does a rule apply to the code of consumer (NULL: no consumer's)? */
static int for_consumer(const struct rule *r, const char *consumer)
{
	size_t i;

	if (!r->consumers)
		return 1;
	for (i = 0; consumer && i < r->nconsumers; i++)
		if (r->consumers[i] && !strcmp(r->consumers[i], consumer))
			return 1;
	return 0;
}

int honk_rules_parse(struct honk_rule_set **out, const char *path,
		     const char *data, size_t len, struct honk_diags *diags)
{
	return honk_rules_parse_for(out, path, data, len, NULL, diags);
}

int honk_rules_parse_for(struct honk_rule_set **out, const char *path,
			 const char *data, size_t len, const char *consumer,
			 struct honk_diags *diags)
{
	struct honk_rule_set *rs = calloc(1, sizeof(*rs));
	struct honk_ydoc doc = HONK_YDOC_INIT;
	struct honk_yctx c;
	size_t before = honk_diags_count(diags), i, k, ngroups = 0;
	int err = 0;

	*out = NULL;
	if (!rs)
		return honk_error_set(HONK_ERROR, "out of memory");
	rs->path = honk_arena_strdup(&rs->arena, path);
	if (honk_ydoc_parse(&doc, path, data, len, NULL, diags) < 0)
		goto done;
	if (!doc.root || doc.root->type != HONK_YMAP) {
		honk_diag_add(diags, path, doc.root ? doc.root->line : 1,
			      doc.root ? doc.root->col : 1,
			      "expected a mapping with the key 'rules'");
		goto done;
	}
	honk_yctx_init(&c, rs->path, diags, &rs->arena);
	if (honk_ymap_walk(&c, doc.root, "rewrite rules", top_keys,
			   sizeof(top_keys) / sizeof(top_keys[0]),
			   rs) == HONK_ERROR) {
		err = HONK_ERROR;
		goto done;
	}
	for (i = 0; i < rs->n; i++) {
		struct rule *r = &rs->v[i];
		PCRE2_UCHAR msg[256];
		PCRE2_SIZE off;
		uint32_t groups = 0;
		int code;

		if (!r->pattern || !r->replace)
			continue; /* reported already */
		r->code = pcre2_compile((PCRE2_SPTR)r->pattern,
					PCRE2_ZERO_TERMINATED, PCRE2_MULTILINE,
					&code, &off, NULL);
		if (!r->code) {
			pcre2_get_error_message(code, msg, sizeof(msg));
			honk_diag_add(diags, path, r->line, r->col,
				      "pattern '%s' at offset %zu: %s",
				      r->pattern, (size_t)off,
				      (const char *)msg);
			continue;
		}
		honk_regex_jit(r->code);
		pcre2_pattern_info(r->code, PCRE2_INFO_CAPTURECOUNT, &groups);
		if (groups > ngroups)
			ngroups = groups;
		r->literal = required_literal(r->pattern, &r->litlen);
	}
	/* every rule is checked; those for other consumers then go */
	for (i = k = 0; i < rs->n; i++) {
		if (for_consumer(&rs->v[i], consumer)) {
			rs->v[k++] = rs->v[i];
			continue;
		}
		pcre2_code_free(rs->v[i].code);
		free(rs->v[i].literal);
	}
	rs->n = k;
	if (honk_diags_count(diags) == before && (err = setup_words(rs)) < 0)
		goto done;
	rs->mctx = pcre2_match_context_create(NULL);
	rs->md = pcre2_match_data_create((uint32_t)ngroups + 1, NULL);
	if (!rs->mctx || !rs->md) {
		err = honk_error_set(HONK_ERROR, "out of memory");
		goto done;
	}
	pcre2_set_match_limit(rs->mctx, MATCH_LIMIT);
	pcre2_set_depth_limit(rs->mctx, DEPTH_LIMIT);
done:
	honk_ydoc_release(&doc);
	if (err == 0 && honk_diags_count(diags) > before)
		err = HONK_EINVALID;
	if (err < 0) {
		honk_rules_free(rs);
		return err;
	}
	*out = rs;
	return 0;
}

/* ---- applying ------------------------------------------------------- */

static int applies(const struct rule *r, const char *path)
{
	return honk_globs_match(r->files, r->nfiles, path);
}

static int rule_error(const struct honk_rule_set *rs, const struct rule *r,
		      const char *path, int rc)
{
	PCRE2_UCHAR msg[256];

	if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
	    rc == PCRE2_ERROR_JIT_STACKLIMIT)
		return honk_error_set(
			HONK_ELIMIT,
			"%s:%u:%u: pattern '%s' hit the %s limit on %s: it backtracks catastrophically; make it more specific",
			rs->path, r->line, r->col, r->pattern,
			rc == PCRE2_ERROR_MATCHLIMIT ? "match" : "depth", path);
	pcre2_get_error_message(rc, msg, sizeof(msg));
	return honk_error_set(HONK_EINVALID, "%s:%u:%u: rule '%s' -> '%s': %s",
			      rs->path, r->line, r->col, r->pattern, r->replace,
			      (const char *)msg);
}

static int run_substitute(const struct honk_rule_set *rs, const struct rule *r,
			  const char *src, size_t len, struct honk_buf *dst,
			  PCRE2_SIZE *outlen, uint32_t extra)
{
	*outlen = dst->alloc;
	return pcre2_substitute(r->code, (PCRE2_SPTR)src, len, 0,
				PCRE2_SUBSTITUTE_GLOBAL | extra, rs->md,
				rs->mctx, (PCRE2_SPTR)r->replace,
				PCRE2_ZERO_TERMINATED, (PCRE2_UCHAR *)dst->buf,
				outlen);
}

/* One rule over src into dst; *n substitutions. */
static int substitute(struct honk_buf *dst, size_t *n,
		      const struct honk_rule_set *rs, const struct rule *r,
		      const char *path, const char *src, size_t len)
{
	PCRE2_SIZE outlen;
	int rc;

	*n = 0;
	honk_buf_reset(dst);
	if (honk_buf_grow(dst, len + len / 8 + 64) < 0)
		return HONK_ERROR;
	rc = run_substitute(rs, r, src, len, dst, &outlen,
			    PCRE2_SUBSTITUTE_OVERFLOW_LENGTH);
	if (rc == PCRE2_ERROR_NOMEMORY) {
		/* outlen says how much room it needs */
		if (honk_buf_grow(dst, outlen + 1) < 0)
			return HONK_ERROR;
		rc = run_substitute(rs, r, src, len, dst, &outlen, 0);
	}
	if (rc < 0)
		return rule_error(rs, r, path, rc);
	/* pcre2 wrote the result into the buffer's room */
	dst->len = outlen;
	dst->buf[outlen] = '\0';
	*n = (size_t)rc;
	return 0;
}

struct words_out {
	const struct honk_rule_set *rs;
	const char *path, *data;
	struct honk_buf *out;
	size_t last; /* data[0..last) is in out */
	int changed;
};

static int word_hit(size_t lit, size_t start, size_t end, void *payload)
{
	struct words_out *w = payload;
	const struct rule *r;
	size_t k;

	/* the first rule with this word that applies to the file */
	for (k = w->rs->first[lit]; k < w->rs->n; k = w->rs->v[k].next_same)
		if (applies(&w->rs->v[k], w->path))
			break;
	if (k == w->rs->n || start < w->last)
		return 0; /* no rule here, or inside what was replaced */
	r = &w->rs->v[k];
	if (!w->changed)
		honk_buf_reset(w->out);
	if (honk_buf_add(w->out, w->data + w->last, start - w->last) < 0 ||
	    honk_buf_add(w->out, r->replace, r->replace_len) < 0)
		return HONK_ERROR;
	w->last = end;
	w->changed = 1;
	return 0;
}

static int apply_words(struct honk_buf *out, int *changed,
		       const struct honk_rule_set *rs, const char *path,
		       const char *data, size_t len)
{
	struct words_out w = { rs, path, data, out, 0, 0 };
	int err = honk_matcher_scan(rs->words, data, len, word_hit, &w);

	if (err == 0 && w.changed)
		err = honk_buf_add(out, data + w.last, len - w.last);
	*changed = w.changed && err == 0 &&
		   (out->len != len || memcmp(out->buf, data, len));
	return err < 0 ? err : 0;
}

int honk_rules_apply(struct honk_buf *out, int *changed,
		     const struct honk_rule_set *rs, const char *path,
		     const char *data, size_t len)
{
	struct honk_buf tmp = HONK_BUF_INIT;
	const char *cur = data;
	size_t curlen = len, i, n;
	int err = 0, in_out = 0;

	*changed = 0;
	if (rs->words)
		return apply_words(out, changed, rs, path, data, len);
	for (i = 0; i < rs->n && err >= 0; i++) {
		const struct rule *r = &rs->v[i];
		struct honk_buf *dst = in_out ? &tmp : out;

		if (!applies(r, path) ||
		    (r->literal && !memmem(cur, curlen, r->literal, r->litlen)))
			continue;
		if ((err = substitute(dst, &n, rs, r, path, cur, curlen)) < 0)
			break;
		if (!n)
			continue;
		/* the result feeds the next rule, as in sed */
		cur = dst->buf;
		curlen = dst->len;
		in_out = !in_out;
		*changed = 1;
	}
	if (err >= 0 && *changed && cur != out->buf) {
		honk_buf_reset(out);
		err = honk_buf_add(out, cur, curlen);
	}
	if (err >= 0 && *changed && curlen == len && !memcmp(cur, data, len))
		*changed = 0; /* rules that undo each other */
	honk_buf_release(&tmp);
	return err;
}

/* ---- a directory ---------------------------------------------------- */

/* A directory's scratch file for replacing its files (replace_file). */
struct scratch {
	struct honk_buf dir;  /* the directory it is in, "" when none */
	struct honk_buf path; /* its name */
	int exchange;	      /* 0 unknown, 1 works, -1 not supported */
};

struct walk {
	const struct honk_rule_set *rs;
	const struct honk_rewrite_opts *o;
	honk_rewrite_cb cb;
	void *payload;
	struct honk_buf data, out, shown, patch;
	struct scratch scratch;
};

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Replacing files. A new file per rewrite means a new inode per file,
 * which is most of the cost of rewriting a large tree in place. So each
 * directory gets one scratch file: the new content is written into it
 * and it is exchanged with the file (renameat2 RENAME_EXCHANGE: the name
 * points at the old content or the new, never at neither), and the old
 * inode, now under the scratch name, takes the next file's content.
 * Where exchange is not supported: a temporary file renamed over.
 */
static void scratch_drop(struct scratch *sc)
{
	if (sc->path.len)
		unlink(sc->path.buf);
	honk_buf_reset(&sc->path);
	honk_buf_reset(&sc->dir);
}

static int write_into(const char *path, int flags, const char *data, size_t len,
		      mode_t mode)
{
	int fd = open(path, flags | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0)
		return -1;
	if (honk_write_all(fd, data, len) < 0 || fchmod(fd, mode & 07777) < 0) {
		close(fd);
		return -1;
	}
	return close(fd);
}

static int replace_file(struct scratch *sc, const char *path, const char *data,
			size_t len, mode_t mode)
{
	const char *slash = strrchr(path, '/');
	size_t dlen = slash ? (size_t)(slash - path) : 0;
	struct honk_buf tmp = HONK_BUF_INIT;
	int fd, err = 0;

	if (sc->exchange >= 0) {
		if (sc->dir.len != dlen || memcmp(sc->dir.buf, path, dlen) ||
		    !sc->path.len) {
			scratch_drop(sc);
			honk_buf_add(&sc->dir, path, dlen);
			honk_buf_addf(&sc->path, "%.*s%s.honk-XXXXXX",
				      (int)dlen, path, dlen ? "/" : "");
			fd = mkstemp(sc->path.buf);
			if (fd < 0) {
				err = honk_error_errno(
					HONK_ERROR, "cannot write beside '%s'",
					path);
				honk_buf_reset(&sc->path);
				return err;
			}
			close(fd);
		}
		if (write_into(sc->path.buf, O_TRUNC, data, len, mode) < 0)
			return honk_error_errno(HONK_ERROR, "cannot write '%s'",
						sc->path.buf);
		if (renameat2(AT_FDCWD, sc->path.buf, AT_FDCWD, path,
			      RENAME_EXCHANGE) == 0) {
			sc->exchange = 1;
			return 0;
		}
		if (sc->exchange == 1 || (errno != EINVAL && errno != ENOSYS))
			return honk_error_errno(HONK_ERROR,
						"cannot replace '%s'", path);
		sc->exchange = -1; /* this file system cannot exchange */
		scratch_drop(sc);
	}
	honk_buf_addf(&tmp, "%s.honk-XXXXXX", path);
	fd = mkstemp(tmp.buf);
	if (fd < 0) {
		err = honk_error_errno(HONK_ERROR, "cannot write beside '%s'",
				       path);
		goto cleanup;
	}
	close(fd);
	if (write_into(tmp.buf, O_TRUNC, data, len, mode) < 0) {
		err = honk_error_errno(HONK_ERROR, "cannot write '%s'",
				       tmp.buf);
		unlink(tmp.buf);
		goto cleanup;
	}
	if (rename(tmp.buf, path) < 0) {
		err = honk_error_errno(HONK_ERROR, "cannot replace '%s'", path);
		unlink(tmp.buf);
	}
cleanup:
	honk_buf_release(&tmp);
	return err;
}

/* The lines of data: starts[i] for line i; starts[n] is len. */
static size_t *split_lines(const char *data, size_t len, size_t *n)
{
	const char *p = data, *end = data + len, *nl;
	size_t count = 0, k = 0, *v;

	for (; p < end && (nl = memchr(p, '\n', (size_t)(end - p))); p = nl + 1)
		count++;
	count += p < end; /* a last line without a newline */
	v = malloc((count + 1) * sizeof(*v));
	if (!v)
		return NULL;
	for (p = data; k < count; k++) {
		v[k] = (size_t)(p - data);
		nl = memchr(p, '\n', (size_t)(end - p));
		p = nl ? nl + 1 : end;
	}
	v[count] = len;
	*n = count;
	return v;
}

/* A blob's id as git names it, abbreviated, for a patch's index line. */
static void blob_abbrev(char out[8], const char *data, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	struct honk_sha1 s;
	unsigned char sum[20];
	char hdr[32];
	int i, n = snprintf(hdr, sizeof(hdr), "blob %zu", len);

	honk_sha1_init(&s);
	honk_sha1_update(&s, hdr, (size_t)n + 1); /* with its NUL */
	honk_sha1_update(&s, data, len);
	honk_sha1_final(&s, sum);
	for (i = 0; i < 7; i++)
		out[i] = digits[(sum[i / 2] >> (i % 2 ? 0 : 4)) & 15];
	out[7] = '\0';
}

static void add_line(struct honk_buf *b, char sign, const char *data,
		     const size_t *at, size_t i)
{
	size_t len = at[i + 1] - at[i];

	honk_buf_addch(b, sign);
	honk_buf_add(b, data + at[i], len);
	if (!len || data[at[i] + len - 1] != '\n')
		honk_buf_addstr(b, "\n\\ No newline at end of file\n");
}

static void add_range(struct honk_buf *b, size_t start, size_t count)
{
	if (count == 1)
		honk_buf_addf(b, "%zu", start + 1);
	else
		honk_buf_addf(b, "%zu,%zu", count ? start + 1 : start, count);
}

/*
 * A unified diff for a rewrite that kept every line in its place (same
 * number of lines, each old line against the new one at its index):
 * hunks of the changed lines with three lines of context, merged when
 * their contexts meet, as git prints them. 1 when the line counts differ
 * (the caller diffs in general).
 */
static int line_diff(struct honk_buf *out, const char *shown, mode_t mode,
		     const char *a, size_t alen, const char *b, size_t blen)
{
	size_t na, nb, *la = split_lines(a, alen, &na), *lb = NULL, i, j;
	char ha[8], hb[8];
	int err = 0;

	if (!la || !(lb = split_lines(b, blen, &nb))) {
		err = honk_error_set(HONK_ERROR, "out of memory");
		goto cleanup;
	}
	if (na != nb) {
		err = 1;
		goto cleanup;
	}
	blob_abbrev(ha, a, alen);
	blob_abbrev(hb, b, blen);
	honk_buf_reset(out);
	honk_buf_addf(
		out,
		"diff --git a/%s b/%s\nindex %s..%s %o\n--- a/%s\n+++ b/%s\n",
		shown, shown, ha, hb, (mode & 0111) ? 0100755 : 0100644, shown,
		shown);
#define SAME(k)                                        \
	(la[(k) + 1] - la[k] == lb[(k) + 1] - lb[k] && \
	 !memcmp(a + la[k], b + lb[k], la[(k) + 1] - la[k]))
	for (i = 0; i < na;) {
		size_t first, last, start, end, k;

		if (SAME(i)) {
			i++;
			continue;
		}
		/* a hunk: from this change, through every change whose
		 * context touches the last one's */
		first = last = i;
		for (j = i + 1; j < na && j <= last + 6; j++)
			if (!SAME(j))
				last = j;
		start = first >= 3 ? first - 3 : 0;
		end = last + 4 < na ? last + 4 : na;
		honk_buf_addstr(out, "@@ -");
		add_range(out, start, end - start);
		honk_buf_addstr(out, " +");
		add_range(out, start, end - start);
		honk_buf_addstr(out, " @@\n");
		for (k = start; k < end;) {
			size_t r = k;

			if (SAME(k)) {
				add_line(out, ' ', a, la, k);
				k++;
				continue;
			}
			while (r < end && !SAME(r))
				r++;
			for (j = k; j < r; j++)
				add_line(out, '-', a, la, j);
			for (j = k; j < r; j++)
				add_line(out, '+', b, lb, j);
			k = r;
		}
		i = end;
	}
#undef SAME
cleanup:
	free(la);
	free(lb);
	return err;
}

/* The patch from a to b of a file shown as path. */
static int patch_of(struct honk_buf *out, const char *path, mode_t mode,
		    const char *a, size_t alen, const char *b, size_t blen)
{
	git_patch *patch = NULL;
	git_buf text = GIT_BUF_INIT;
	git_diff_options dopts;
	int err;

	/* lines kept in place: diffed line by line; else by libgit2 */
	if ((err = line_diff(out, path, mode, a, alen, b, blen)) != 1)
		return err;
	git_diff_options_init(&dopts, GIT_DIFF_OPTIONS_VERSION);
	dopts.flags |= GIT_DIFF_FORCE_TEXT;
	if (git_patch_from_buffers(&patch, a, alen, path, b, blen, path,
				   &dopts) < 0 ||
	    git_patch_to_buf(&text, patch) < 0) {
		err = honk_error_git(HONK_ERROR, "cannot diff '%s'", path);
	} else {
		honk_buf_reset(out);
		err = honk_buf_add(out, text.ptr, text.size);
	}
	git_buf_dispose(&text);
	git_patch_free(patch);
	return err;
}

static int one_file(struct walk *w, const char *full, const char *rel,
		    mode_t mode)
{
	int changed, err;

	honk_buf_reset(&w->data);
	err = honk_buf_read_file(&w->data, full);
	if (err == HONK_ELIMIT)
		return 0; /* too large to be code: left as it is */
	if (err < 0)
		return err;
	/* binary: a NUL anywhere (stricter than git's first 8000 bytes:
	 * a file that holds one is never rewritten) */
	if (memchr(w->data.buf, '\0', w->data.len))
		return 0;
	if ((err = honk_rules_apply(&w->out, &changed, w->rs, rel, w->data.buf,
				    w->data.len)) < 0 ||
	    !changed)
		return err;
	honk_buf_reset(&w->shown);
	if (w->o->prefix && *w->o->prefix)
		honk_buf_addf(&w->shown, "%s/", w->o->prefix);
	honk_buf_addf(&w->shown, "%s", rel);
	if ((err = patch_of(&w->patch, w->shown.buf, mode, w->data.buf,
			    w->data.len, w->out.buf, w->out.len)) < 0)
		goto cleanup;
	if (w->o->write && (err = replace_file(&w->scratch, full, w->out.buf,
					       w->out.len, mode)) < 0)
		goto cleanup;
	err = w->cb(w->shown.buf, w->patch.buf, w->patch.len, w->payload);
cleanup:
	return err;
}

static int walk_dir(struct walk *w, struct honk_buf *full, size_t root,
		    unsigned depth)
{
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0, i, at = full->len;
	int err = 0;

	if (depth > 64)
		return honk_error_set(HONK_ELIMIT, "'%s' is nested too deep",
				      full->buf);
	d = opendir(full->buf);
	if (!d)
		return honk_error_errno(HONK_ERROR, "cannot read '%s'",
					full->buf);
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    !strcmp(de->d_name, ".git"))
			continue;
		if (honk_array_reserve(&names, n, &cap, sizeof(*names)) < 0 ||
		    !(names[n] = strdup(de->d_name))) {
			err = honk_error_set(HONK_ERROR, "out of memory");
			break;
		}
		n++;
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof(*names), cmp_name);
	for (i = 0; i < n && err >= 0; i++) {
		struct stat st;

		honk_buf_setlen(full, at);
		honk_buf_addf(full, "/%s", names[i]);
		if (lstat(full->buf, &st) < 0) {
			err = honk_error_errno(HONK_ERROR, "cannot read '%s'",
					       full->buf);
			break;
		}
		/* symbolic links are never followed: not out of the tree */
		if (S_ISDIR(st.st_mode))
			err = walk_dir(w, full, root, depth + 1);
		else if (S_ISREG(st.st_mode))
			err = one_file(w, full->buf, full->buf + root,
				       st.st_mode);
	}
	honk_buf_setlen(full, at);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return err;
}

int honk_rewrite_dir(const struct honk_rule_set *rs, const char *dir,
		     const struct honk_rewrite_opts *o, honk_rewrite_cb cb,
		     void *payload)
{
	struct honk_rewrite_opts none = HONK_REWRITE_OPTS_INIT;
	struct honk_buf full = HONK_BUF_INIT;
	struct walk w;
	struct stat st;
	int err;

	memset(&w, 0, sizeof(w));
	w.rs = rs;
	w.o = o ? o : &none;
	w.cb = cb;
	w.payload = payload;
	honk_buf_init(&w.data, FILE_MAX);
	honk_buf_init(&w.out, 0);
	honk_buf_init(&w.shown, 0);
	honk_buf_init(&w.patch, 0);
	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		err = honk_error_errno(HONK_EUSAGE, "'%s' is not a directory",
				       dir);
		goto cleanup;
	}
	honk_buf_addf(&full, "%s", dir);
	while (full.len > 1 && full.buf[full.len - 1] == '/')
		honk_buf_setlen(&full, full.len - 1);
	/* the diffs are libgit2's, with or without a repository */
	if (git_libgit2_init() < 0) {
		err = honk_error_git(HONK_ERROR, "cannot initialise libgit2");
		goto cleanup;
	}
	err = walk_dir(&w, &full, full.len + 1, 0);
	scratch_drop(&w.scratch);
	git_libgit2_shutdown();
cleanup:
	honk_buf_release(&full);
	honk_buf_release(&w.data);
	honk_buf_release(&w.out);
	honk_buf_release(&w.shown);
	honk_buf_release(&w.patch);
	honk_buf_release(&w.scratch.dir);
	honk_buf_release(&w.scratch.path);
	return err;
}

/* ---- a branch, from Git objects ------------------------------------- */

struct branch_walk {
	const struct honk_rule_set *rs;
	const struct honk_rewrite_branch_opts *o;
	struct honk_repo *repo;
	honk_rewrite_cb cb;
	void *payload;
	struct honk_buf data, out, patch;
	struct honk_tree_update *ups;
	size_t nups, cap;
	struct honk_arena arena; /* the updates' paths and contents */
};

static int branch_file(const char *path, const git_oid *blob, unsigned int mode,
		       void *payload)
{
	struct branch_walk *w = payload;
	struct honk_tree_update *u;
	int changed, err;

	/* regular files only: links and submodules are never followed */
	if ((mode != GIT_FILEMODE_BLOB &&
	     mode != GIT_FILEMODE_BLOB_EXECUTABLE) ||
	    !honk_globs_match(w->o->paths, w->o->npaths, path))
		return 0;
	honk_buf_reset(&w->data);
	err = honk_repo_read_blob(&w->data, w->repo, blob);
	if (err == HONK_ELIMIT)
		return 0;
	if (err < 0 || memchr(w->data.buf, '\0', w->data.len))
		return err < 0 ? err : 0;
	if ((err = honk_rules_apply(&w->out, &changed, w->rs, path, w->data.buf,
				    w->data.len)) < 0 ||
	    !changed)
		return err;
	if ((err = patch_of(&w->patch, path, mode, w->data.buf, w->data.len,
			    w->out.buf, w->out.len)) < 0)
		return err;
	if (honk_array_reserve(&w->ups, w->nups, &w->cap, sizeof(*w->ups)) < 0)
		return HONK_ERROR;
	u = &w->ups[w->nups];
	u->path = honk_arena_strdup(&w->arena, path);
	u->data = honk_arena_strndup(&w->arena, w->out.buf, w->out.len);
	u->len = w->out.len;
	u->remove = 0;
	if (!u->path || !u->data)
		return honk_error_set(HONK_ERROR, "out of memory");
	w->nups++;
	return w->cb ? w->cb(path, w->patch.buf, w->patch.len, w->payload) : 0;
}

static int tree_of_commit(git_oid *out, struct honk_repo *r, const git_oid *c)
{
	git_commit *commit = NULL;

	if (git_commit_lookup(&commit, r->git, c) < 0)
		return honk_error_git(HONK_ERROR, "cannot read a commit");
	git_oid_cpy(out, git_commit_tree_id(commit));
	git_commit_free(commit);
	return 0;
}

static void note_outcome(size_t i, const char *refname, const git_oid *target,
			 int err, void *payload)
{
	(void)i;
	(void)refname;
	(void)target;
	*(int *)payload = err;
}

int honk_rewrite_branch(git_oid *out, const struct honk_rule_set *rs,
			struct honk_repo *repo,
			const struct honk_rewrite_branch_opts *o,
			honk_rewrite_cb cb, void *payload)
{
	struct honk_source src = HONK_SOURCE_INIT;
	struct honk_snapshot *snap = NULL;
	struct honk_buf rev = HONK_BUF_INIT;
	struct branch_walk w;
	git_oid tip, cur, made, t_made, t_cur;
	int err, have, outcome = 0;

	memset(&w, 0, sizeof(w));
	w.rs = rs;
	w.o = o;
	w.repo = repo;
	w.cb = cb;
	w.payload = payload;
	honk_buf_init(&w.data, FILE_MAX);
	if (out)
		memset(out, 0, sizeof(*out));
	honk_buf_addf(&rev, "refs/heads/%s", o->branch);
	src.rev = rev.buf;
	if ((err = honk_snapshot_open(&snap, repo, &src)) < 0)
		goto cleanup;
	git_oid_cpy(&tip, honk_snapshot_commit(snap));
	if ((err = honk_snapshot_foreach(snap, "", branch_file, &w)) < 0 ||
	    !w.nups || o->dry_run)
		goto cleanup;
	err = honk_ref_lookup(&cur, repo, o->target);
	if (err < 0 && err != HONK_ENOTFOUND)
		goto cleanup;
	have = err == 0;
	/* built in a batch: nothing is written when it is there already */
	if ((err = honk_batch_begin(repo)) < 0)
		goto cleanup;
	err = have ? honk_repo_commit_merge(&made, repo, o->target, &cur, &tip,
					    w.ups, w.nups, o->message, NULL)
		   : honk_repo_commit_onto(&made, repo, o->target, NULL, &tip,
					   w.ups, w.nups, o->message, NULL);
	if (err == 0 && have &&
	    (err = tree_of_commit(&t_made, repo, &made)) == 0 &&
	    (err = tree_of_commit(&t_cur, repo, &cur)) == 0 &&
	    git_oid_equal(&t_made, &t_cur)) {
		honk_batch_abort(repo); /* target has it already */
		if (out)
			git_oid_cpy(out, &cur);
		goto cleanup;
	}
	if (err < 0) {
		honk_batch_abort(repo);
		goto cleanup;
	}
	if ((err = honk_batch_commit(repo, note_outcome, &outcome)) == 0)
		err = outcome;
	if (err == 0 && out)
		git_oid_cpy(out, &made);
cleanup:
	honk_snapshot_free(snap);
	honk_buf_release(&rev);
	honk_buf_release(&w.data);
	honk_buf_release(&w.out);
	honk_buf_release(&w.patch);
	free(w.ups);
	honk_arena_release(&w.arena);
	return err;
}
