/*
 * The scanning engine: literal matching, user patterns, globs.
 *
 * The matcher is a dense Aho-Corasick automaton: a goto/fail trie turned
 * into a full transition table, so the inner loop is one table load per
 * input byte whatever the number of literals. Bytes that occur in no
 * literal share one class, so a row has as many entries as the literals
 * have distinct bytes (plus one), not 256. Each state keeps the longest literal
 * ending there and a link to the next state with an output, so overlapping
 * names are all found. Memory is bounded by the total length of the literals.
 *
 * The scan of code reads a directory's files on one worker per processor,
 * each over a contiguous share of the file list, and hands the hits back
 * in file order, so the output does not depend on the number of workers.
 * Consumer repositories are read from Git objects, never from a checkout:
 * symlinks and submodules are never followed.
 *
 * User patterns go through PCRE2 with a match limit and a depth limit in
 * a match context, JIT-compiled when the platform allows and interpreted
 * otherwise; PCRE2_ERROR_MATCHLIMIT and _DEPTHLIMIT are errors with the
 * pattern named, so a catastrophic pattern fails fast instead of hanging
 * or silently matching nothing.
 */
#include "scan.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "banned.h"

struct honk_matcher {
	uint8_t cls[256]; /* byte -> class; 0 for bytes in no literal */
	size_t ncls;
	uint32_t *next; /* nstates x ncls */
	int32_t *out;	/* per state: literal ending here, or -1 */
	uint32_t *link; /* per state: next state with an output, or 0 */
	size_t *lens;	/* per literal */
	size_t nstates;
};

/* Set on a transition entry whose target state has an output. */
#define HIT_FLAG 0x80000000u


/*
 * JIT-compile a pattern when the platform allows; the interpreter gives
 * the same matches under the same limits. Not under valgrind, which
 * cannot see that JIT code's reads are of initialised memory.
 */
void honk_regex_jit(void *code)
{
	if (!RUNNING_ON_VALGRIND)
		pcre2_jit_compile((pcre2_code *)code, PCRE2_JIT_COMPLETE);
}

static int is_word(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

int honk_matcher_new(struct honk_matcher **out, const char *const *lits,
		     size_t n)
{
	struct honk_matcher *m = calloc(1, sizeof(*m));
	uint32_t *fail = NULL, *queue = NULL;
	size_t total = 1, i, cap, head = 0, tail = 0;

	*out = NULL;
	if (!m)
		goto oom;
	for (i = 0; i < n; i++)
		total += strlen(lits[i]);
	if (total > (1u << 24))
		return free(m), honk_error_set(HONK_ELIMIT,
					       "too many names to scan for");
	cap = total;
	m->ncls = 1;
	for (i = 0; i < n; i++) {
		const unsigned char *p = (const unsigned char *)lits[i];

		for (; *p; p++)
			if (!m->cls[*p])
				m->cls[*p] = (uint8_t)m->ncls++;
	}
	m->next = calloc(cap * m->ncls, sizeof(*m->next));
	m->out = malloc(cap * sizeof(*m->out));
	m->link = calloc(cap, sizeof(*m->link));
	m->lens = calloc(n + 1, sizeof(*m->lens));
	fail = calloc(cap, sizeof(*fail));
	queue = malloc(cap * sizeof(*queue));
	if (!m->next || !m->out || !m->link || !m->lens || !fail || !queue)
		goto oom;
	m->nstates = 1;
	m->out[0] = -1;
	/* the trie; 0 in next[] means "no edge" while building */
	for (i = 0; i < n; i++) {
		const unsigned char *p = (const unsigned char *)lits[i];
		uint32_t s = 0;

		m->lens[i] = strlen(lits[i]);
		for (; *p; p++) {
			uint32_t *t =
				&m->next[(size_t)s * m->ncls + m->cls[*p]];

			if (!*t) {
				*t = (uint32_t)m->nstates;
				m->out[m->nstates] = -1;
				m->nstates++;
			}
			s = *t;
		}
		/* two equal literals: the first keeps the state */
		if (m->out[s] < 0)
			m->out[s] = (int32_t)i;
	}
	/* breadth-first: failure links, then the full transition table */
	for (i = 0; i < m->ncls; i++) {
		uint32_t t = m->next[i];

		if (t) {
			fail[t] = 0;
			queue[tail++] = t;
		}
	}
	while (head < tail) {
		uint32_t s = queue[head++];

		m->link[s] = m->out[fail[s]] >= 0 ? fail[s] : m->link[fail[s]];
		for (i = 0; i < m->ncls; i++) {
			uint32_t *t = &m->next[(size_t)s * m->ncls + i];

			if (*t) {
				fail[*t] =
					m->next[(size_t)fail[s] * m->ncls + i];
				queue[tail++] = *t;
			} else {
				*t = m->next[(size_t)fail[s] * m->ncls + i];
			}
		}
	}
	/* the scan loop wants row offsets, and a flag on states with output */
	if ((uint64_t)m->nstates * m->ncls >= HIT_FLAG)
		goto oom;
	for (i = 0; i < m->nstates * m->ncls; i++) {
		uint32_t t = m->next[i];

		m->next[i] = (uint32_t)(t * m->ncls) |
			     (m->out[t] >= 0 || m->link[t] ? HIT_FLAG : 0);
	}
	free(fail);
	free(queue);
	*out = m;
	return 0;
oom:
	free(fail);
	free(queue);
	honk_matcher_free(m);
	return honk_error_set(HONK_ERROR, "out of memory");
}

void honk_matcher_free(struct honk_matcher *m)
{
	if (!m)
		return;
	free(m->next);
	free(m->out);
	free(m->link);
	free(m->lens);
	free(m);
}

int honk_matcher_scan(const struct honk_matcher *m, const char *data,
		      size_t len, honk_match_cb cb, void *payload)
{
	const unsigned char *d = (const unsigned char *)data;
	const uint32_t *next = m->next;
	const uint8_t *cls = m->cls;
	size_t i, ncls = m->ncls;
	uint32_t row = 0; /* the current state times ncls */

	for (i = 0; i < len; i++) {
		uint32_t t = next[row + cls[d[i]]], o;

		row = t & ~HIT_FLAG;
		if (!(t & HIT_FLAG))
			continue;
		o = row / (uint32_t)ncls;
		for (o = m->out[o] >= 0 ? o : m->link[o]; o; o = m->link[o]) {
			size_t lit = (size_t)m->out[o];
			size_t end = i + 1, start = end - m->lens[lit];
			int err;

			if ((start > 0 && is_word(d[start - 1])) ||
			    (end < len && is_word(d[end])))
				continue;
			if ((err = cb(lit, start, end, payload)) != 0)
				return err;
		}
	}
	return 0;
}

struct honk_regex {
	pcre2_code *code;
	pcre2_match_context *mctx;
	pcre2_match_data *md;
	char *pattern;
};

#define MATCH_LIMIT 200000
#define DEPTH_LIMIT 2000

int honk_regex_new(struct honk_regex **out, const char *pattern)
{
	struct honk_regex *re = calloc(1, sizeof(*re));
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE off;
	int code;

	*out = NULL;
	if (!re)
		return honk_error_set(HONK_ERROR, "out of memory");
	re->code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
				 PCRE2_MULTILINE, &code, &off, NULL);
	if (!re->code) {
		pcre2_get_error_message(code, msg, sizeof(msg));
		free(re);
		return honk_error_set(HONK_EINVALID,
				      "pattern '%s' at offset %zu: %s", pattern,
				      (size_t)off, (const char *)msg);
	}
	honk_regex_jit(re->code);
	re->mctx = pcre2_match_context_create(NULL);
	re->md = pcre2_match_data_create_from_pattern(re->code, NULL);
	re->pattern = strdup(pattern);
	if (!re->mctx || !re->md || !re->pattern) {
		honk_regex_free(re);
		return honk_error_set(HONK_ERROR, "out of memory");
	}
	pcre2_set_match_limit(re->mctx, MATCH_LIMIT);
	pcre2_set_depth_limit(re->mctx, DEPTH_LIMIT);
	*out = re;
	return 0;
}

void honk_regex_free(struct honk_regex *re)
{
	if (!re)
		return;
	pcre2_match_data_free(re->md);
	pcre2_match_context_free(re->mctx);
	pcre2_code_free(re->code);
	free(re->pattern);
	free(re);
}

int honk_regex_scan(const struct honk_regex *re, const char *data, size_t len,
		    honk_match_cb cb, void *payload)
{
	PCRE2_SIZE start = 0;

	while (start <= len) {
		PCRE2_SIZE *ov;
		int rc = pcre2_match(re->code, (PCRE2_SPTR)data, len, start, 0,
				     re->md, re->mctx),
		    err;

		if (rc == PCRE2_ERROR_NOMATCH)
			return 0;
		if (rc == PCRE2_ERROR_MATCHLIMIT ||
		    rc == PCRE2_ERROR_DEPTHLIMIT ||
		    rc == PCRE2_ERROR_JIT_STACKLIMIT)
			return honk_error_set(
				HONK_ELIMIT,
				"pattern '%s' hit the %s limit: it backtracks catastrophically; make it more specific",
				re->pattern,
				rc == PCRE2_ERROR_MATCHLIMIT ? "match"
							     : "depth");
		if (rc < 0) {
			PCRE2_UCHAR msg[256];

			pcre2_get_error_message(rc, msg, sizeof(msg));
			return honk_error_set(HONK_ERROR, "pattern '%s': %s",
					      re->pattern, (const char *)msg);
		}
		ov = pcre2_get_ovector_pointer(re->md);
		if ((err = cb(0, ov[0], ov[1], payload)) != 0)
			return err;
		start = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
	}
	return 0;
}

int honk_is_binary(const char *data, size_t len)
{
	return memchr(data, '\0', len < 8000 ? len : 8000) != NULL;
}

/*
 * The matcher behind honk_glob_match(). Besides a match (1) and no match
 * (0) it says when trying further along the path cannot help, as git's
 * wildmatch does, so that globs with many stars (from a pushed file) cost
 * a polynomial time, not an exponential one:
 *
 *   GLOB_ABORT_ALL       the path ran out with more than stars left in
 *                        the glob: a later start runs out sooner
 *   GLOB_ABORT_TO_STARS  a '*' met a '/' it may not cross: only a "**"
 *                        further out can get past it
 */
enum { GLOB_ABORT_ALL = -1, GLOB_ABORT_TO_STARS = -2 };

static int glob_match(const char *g, const char *p)
{
	int r;

	for (; *g; g++, p++) {
		if (g[0] == '*' && g[1] == '*') {
			/* "**" and "**" + "/": any number of directories */
			const char *rest = g + 2;

			if (*rest == '/')
				rest++;
			for (;; p++) {
				r = glob_match(rest, p);
				if (r == 1 || r == GLOB_ABORT_ALL)
					return r;
				if (!*p)
					return GLOB_ABORT_ALL;
			}
		}
		if (*g == '*') {
			for (;; p++) {
				r = glob_match(g + 1, p);
				if (r != 0)
					return r;
				if (!*p)
					return GLOB_ABORT_ALL;
				if (*p == '/')
					return GLOB_ABORT_TO_STARS;
			}
		}
		if (!*p)
			return GLOB_ABORT_ALL;
		if (*g == '?') {
			if (*p == '/')
				return 0;
			continue;
		}
		if (*g == '[') {
			const char *c = g + 1;
			int neg = *c == '!' || *c == '^', hit = 0;

			if (neg)
				c++;
			for (; *c && *c != ']'; c++) {
				if (c[1] == '-' && c[2] && c[2] != ']') {
					hit |= *p >= c[0] && *p <= c[2];
					c += 2;
				} else {
					hit |= *p == *c;
				}
			}
			if (!*c)
				return GLOB_ABORT_ALL; /* an open class matches nothing */
			if (hit == neg || *p == '/')
				return 0;
			g = c;
			continue;
		}
		if (*g != *p)
			return 0;
	}
	return !*p;
}

int honk_glob_match(const char *g, const char *p)
{
	return glob_match(g, p) == 1;
}

/* ---- the scan of code ------------------------------------------------- */

struct needle {
	const char *text;
	const char *dataset;
	int64_t version; /* -1: the dataset id itself */
};

struct honk_scanner {
	const struct honk_catalog *cat;
	struct honk_scan_opts o;
	struct needle *needles;
	const char **names;
	size_t nneedles;
	struct honk_matcher *m;
};

/*
 * What one worker needs: its own regex (PCRE2 match data is not shared),
 * the hits it found (kept in its arena until delivered in file order),
 * and the position bookkeeping of the file at hand.
 */
struct worker {
	struct honk_scanner *s;
	struct honk_regex *re;
	struct honk_arena arena;
	struct honk_hit *hits;
	size_t nhits, cap;
	const char *source, *path, *data;
	size_t line, line_at;
	const char *last_ds; /* "bq://x" also holds "x": one hit per line */
	size_t last_line;
	int64_t last_version;
	int err;
	char errmsg[512];
	/* the files of a directory scan this worker owns */
	char **files;
	size_t first, last;
	size_t rel;
	pthread_t tid;
};

static int add_needle(struct honk_scanner *s, size_t *cap, const char *text,
		      const char *dataset, int64_t version)
{
	if (!text || !*text)
		return 0;
	if (s->nneedles == *cap) {
		size_t c = *cap ? *cap * 2 : 64;
		struct needle *v = realloc(s->needles, c * sizeof(*v));

		if (!v)
			return honk_error_set(HONK_ERROR, "out of memory");
		s->needles = v;
		*cap = c;
	}
	s->needles[s->nneedles].text = text;
	s->needles[s->nneedles].dataset = dataset;
	s->needles[s->nneedles].version = version;
	s->nneedles++;
	return 0;
}

int honk_scanner_new(struct honk_scanner **out, const struct honk_catalog *cat,
		     const struct honk_scan_opts *o)
{
	struct honk_scan_opts defaults = HONK_SCAN_OPTS_INIT;
	struct honk_scanner *s = calloc(1, sizeof(*s));
	struct honk_regex *probe = NULL;
	size_t cap = 0, i, k;
	int err = 0;

	*out = NULL;
	if (!s)
		return honk_error_set(HONK_ERROR, "out of memory");
	s->cat = cat;
	s->o = o ? *o : defaults;
	for (i = 0; i < cat->ndatasets && !err; i++) {
		const struct honk_dataset *ds = &cat->datasets[i];

		err = add_needle(s, &cap, ds->id, ds->id, -1);
		for (k = 0; k < ds->nversions && !err; k++) {
			const char *loc = ds->versions[k].location;
			const char *bare = loc ? strstr(loc, "://") : NULL;

			err = add_needle(s, &cap, loc, ds->id,
					 ds->versions[k].version);
			if (!err && bare && bare[3])
				err = add_needle(s, &cap, bare + 3, ds->id,
						 ds->versions[k].version);
		}
	}
	if (!err) {
		s->names = calloc(s->nneedles + 1, sizeof(*s->names));
		if (!s->names)
			err = honk_error_set(HONK_ERROR, "out of memory");
	}
	for (i = 0; !err && i < s->nneedles; i++)
		s->names[i] = s->needles[i].text;
	if (!err)
		err = honk_matcher_new(&s->m, s->names, s->nneedles);
	/* a bad pattern is reported now, not by every worker */
	if (!err && s->o.pattern &&
	    (err = honk_regex_new(&probe, s->o.pattern)) == 0)
		honk_regex_free(probe);
	if (err < 0) {
		honk_scanner_free(s);
		return err;
	}
	*out = s;
	return 0;
}

void honk_scanner_free(struct honk_scanner *s)
{
	if (!s)
		return;
	honk_matcher_free(s->m);
	free(s->needles);
	free(s->names);
	free(s);
}

size_t honk_scanner_names(const struct honk_scanner *s,
			  const char *const **names)
{
	*names = s->names;
	return s->nneedles;
}

static size_t line_of(struct worker *w, size_t off)
{
	const char *p = w->data + w->line_at, *end = w->data + off;

	while (p < end && (p = memchr(p, '\n', (size_t)(end - p)))) {
		w->line++;
		p++;
	}
	w->line_at = off;
	return w->line;
}

static int keep(struct worker *w, size_t line, const char *kind,
		const char *dataset, int64_t version, const char *text,
		size_t tlen)
{
	struct honk_hit *h;

	if (honk_arena_reserve(&w->arena, &w->hits, w->nhits, &w->cap,
			       sizeof(*w->hits)) < 0)
		return HONK_ERROR;
	h = &w->hits[w->nhits++];
	h->source = w->source;
	h->path = w->path;
	h->line = line;
	h->kind = kind;
	h->dataset = dataset;
	h->version = version;
	h->text = honk_arena_strndup(&w->arena, text, tlen);
	return h->text ? 0 : HONK_ERROR;
}

static int on_literal(size_t lit, size_t start, size_t end, void *payload)
{
	struct worker *w = payload;
	const struct needle *n = &w->s->needles[lit];
	size_t line = line_of(w, start);

	(void)end;
	if (w->last_ds == n->dataset && w->last_line == line &&
	    w->last_version == n->version)
		return 0;
	w->last_ds = n->dataset;
	w->last_line = line;
	w->last_version = n->version;
	return keep(w, line, n->version >= 0 ? "location" : "dataset",
		    n->dataset, n->version, n->text, strlen(n->text));
}

static int on_pattern(size_t lit, size_t start, size_t end, void *payload)
{
	struct worker *w = payload;

	(void)lit;
	return keep(w, line_of(w, start), "pattern", "", -1, w->data + start,
		    end - start > 80 ? 80 : end - start);
}

static int scan_bytes(struct worker *w, const char *path, const char *data,
		      size_t len)
{
	int err;

	if (honk_is_binary(data, len))
		return 0;
	w->path = honk_arena_strdup(&w->arena, path);
	if (!w->path)
		return HONK_ERROR;
	w->data = data;
	w->line = 1;
	w->line_at = 0;
	w->last_ds = NULL;
	if ((err = honk_matcher_scan(w->s->m, data, len, on_literal, w)) != 0)
		return err;
	if (w->re) {
		w->line = 1;
		w->line_at = 0;
		if ((err = honk_regex_scan(w->re, data, len, on_pattern, w)) <
		    0) {
			char why[512];

			snprintf(why, sizeof(why), "%s", honk_error_last());
			return honk_error_set(err, "%s/%s: %s", w->source, path,
					      why);
		}
	}
	return 0;
}

static int worker_init(struct worker *w, struct honk_scanner *s,
		       const char *source)
{
	memset(w, 0, sizeof(*w));
	w->s = s;
	w->source = source;
	if (s->o.pattern)
		return honk_regex_new(&w->re, s->o.pattern);
	return 0;
}

static void worker_release(struct worker *w)
{
	honk_regex_free(w->re);
	honk_arena_release(&w->arena);
	w->hits = NULL;
	w->nhits = w->cap = 0;
}

/* Hand the worker's hits to the caller, in the order found. */
static int deliver(struct worker *w, honk_hit_cb cb, void *payload)
{
	size_t i;
	int err;

	for (i = 0; i < w->nhits; i++)
		if ((err = cb(&w->hits[i], payload)) != 0)
			return err;
	return 0;
}

struct tree_scan {
	struct worker *w;
	git_repository *git;
	const struct honk_consumer *co;
	struct honk_buf blob;
};

static int scan_tree_file(const char *path, const git_oid *blob,
			  unsigned int mode, void *payload)
{
	struct tree_scan *t = payload;
	struct honk_repo r;
	int err;

	/* symlinks are never followed, submodules never entered */
	if (mode != GIT_FILEMODE_BLOB && mode != GIT_FILEMODE_BLOB_EXECUTABLE)
		return 0;
	if (!honk_globs_match(t->co->paths, t->co->npaths, path))
		return 0;
	r.git = t->git;
	honk_buf_reset(&t->blob);
	err = honk_repo_read_blob(&t->blob, &r, blob);
	if (err == HONK_ELIMIT)
		return 0; /* larger than the cap: not code anyone greps */
	if (err < 0)
		return err;
	return scan_bytes(t->w, path, t->blob.buf, t->blob.len);
}

static void repo_path(struct honk_buf *out, const char *base, const char *repo)
{
	if (repo[0] == '/')
		honk_buf_addstr(out, repo);
	else
		honk_buf_addf(out, "%s%s%s", base,
			      *base && base[strlen(base) - 1] == '/' ? "" : "/",
			      repo);
}

int honk_scan_consumers(struct honk_scanner *s, const char *base,
			honk_hit_cb cb, void *payload,
			void (*skipped)(const char *consumer, const char *why,
					void *payload))
{
	size_t i;
	int err = 0;

	for (i = 0; i < s->cat->nconsumers && !err; i++) {
		const struct honk_consumer *co = &s->cat->consumers[i];
		struct honk_buf path = HONK_BUF_INIT, rev = HONK_BUF_INIT;
		struct honk_source src = HONK_SOURCE_INIT;
		struct honk_snapshot *snap = NULL;
		struct tree_scan t;
		struct honk_repo r;
		struct worker w;
		git_repository *g = NULL;

		if (!co->repo)
			continue;
		if (strstr(co->repo, "://") || strchr(co->repo, '@')) {
			skipped(co->name,
				"a remote URL: only local repositories are scanned",
				payload);
			continue;
		}
		repo_path(&path, base, co->repo);
		if (git_repository_open_ext(&g, path.buf,
					    GIT_REPOSITORY_OPEN_NO_SEARCH,
					    NULL) < 0) {
			skipped(co->name, "its repository cannot be opened",
				payload);
			honk_buf_release(&path);
			continue;
		}
		r.git = g;
		if (co->branch) {
			honk_buf_addf(&rev, "refs/heads/%s", co->branch);
			src.rev = rev.buf;
		}
		if ((err = worker_init(&w, s, co->name)) < 0) {
			git_repository_free(g);
			honk_buf_release(&path);
			break;
		}
		if (honk_snapshot_open(&snap, &r, &src) < 0) {
			skipped(co->name, honk_error_last(), payload);
		} else {
			memset(&t, 0, sizeof(t));
			t.w = &w;
			t.git = g;
			t.co = co;
			err = honk_snapshot_foreach(snap, "", scan_tree_file,
						    &t);
			honk_buf_release(&t.blob);
			if (!err)
				err = deliver(&w, cb, payload);
		}
		honk_snapshot_free(snap);
		worker_release(&w);
		git_repository_free(g);
		honk_buf_release(&path);
		honk_buf_release(&rev);
	}
	return err;
}

struct file_list {
	char **v;
	size_t n, cap;
};

/* Every regular file under dir, in readdir order per directory. */
static int list_files(struct file_list *fl, struct honk_buf *dir)
{
	DIR *d = opendir(dir->buf);
	struct dirent *e;
	size_t base = dir->len;
	int err = 0;

	if (!d)
		return honk_error_errno(HONK_ERROR, "cannot read '%s'",
					dir->buf);
	while (!err && (e = readdir(d))) {
		struct stat st;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    !strcmp(e->d_name, ".git"))
			continue;
		honk_buf_setlen(dir, base);
		honk_buf_addf(dir, "/%s", e->d_name);
		if (lstat(dir->buf, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			err = list_files(fl, dir);
		} else if (S_ISREG(st.st_mode)) {
			if (fl->n == fl->cap) {
				size_t c = fl->cap ? fl->cap * 2 : 256;
				char **v = realloc(fl->v, c * sizeof(*v));

				if (!v) {
					err = honk_error_set(HONK_ERROR,
							     "out of memory");
					break;
				}
				fl->v = v;
				fl->cap = c;
			}
			if (!(fl->v[fl->n] = strdup(dir->buf))) {
				err = honk_error_set(HONK_ERROR,
						     "out of memory");
				break;
			}
			fl->n++;
		}
	}
	closedir(d);
	honk_buf_setlen(dir, base);
	return err;
}

static void *scan_files(void *arg)
{
	struct worker *w = arg;
	struct honk_buf file = HONK_BUF_INIT;
	size_t i;

	honk_buf_init(&file, 64u << 20);
	for (i = w->first; i < w->last && !w->err; i++) {
		honk_buf_reset(&file);
		if (honk_buf_read_file(&file, w->files[i]) < 0)
			continue; /* vanished or over 64 MiB: not code */
		w->err =
			scan_bytes(w, w->files[i] + w->rel, file.buf, file.len);
		if (w->err)
			snprintf(w->errmsg, sizeof(w->errmsg), "%s",
				 honk_error_last());
	}
	honk_buf_release(&file);
	return NULL;
}

int honk_scan_dir(struct honk_scanner *s, const char *dir, honk_hit_cb cb,
		  void *payload, size_t *nhits)
{
	struct file_list fl = { NULL, 0, 0 };
	struct honk_buf path = HONK_BUF_INIT;
	struct worker *w = NULL;
	size_t i, nw, started = 0;
	long ncpu;
	int err;

	*nhits = 0;
	honk_buf_addstr(&path, dir);
	while (path.len > 1 && path.buf[path.len - 1] == '/')
		honk_buf_setlen(&path, path.len - 1);
	err = list_files(&fl, &path);
	if (err < 0)
		goto cleanup;
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	nw = s->o.threads ? s->o.threads : ncpu > 0 ? (size_t)ncpu : 1;
	if (nw > 16)
		nw = 16;
	if (nw > fl.n / 16 + 1)
		nw = fl.n / 16 + 1; /* a few files are not worth a thread */
	w = calloc(nw, sizeof(*w));
	if (!w) {
		err = honk_error_set(HONK_ERROR, "out of memory");
		goto cleanup;
	}
	/* contiguous shares, so the hits come back in file order */
	for (i = 0; i < nw && !err; i++) {
		err = worker_init(&w[i], s, dir);
		w[i].files = fl.v;
		w[i].first = fl.n * i / nw;
		w[i].last = fl.n * (i + 1) / nw;
		w[i].rel = path.len + 1;
	}
	if (err < 0)
		goto cleanup;
	if (nw == 1) {
		scan_files(&w[0]);
	} else {
		for (i = 0; i < nw; i++) {
			if (pthread_create(&w[i].tid, NULL, scan_files,
					   &w[i]) != 0)
				break;
			started++;
		}
		for (i = started; i < nw; i++)
			scan_files(&w[i]);
		for (i = 0; i < started; i++)
			pthread_join(w[i].tid, NULL);
	}
	for (i = 0; i < nw && !err; i++) {
		if (w[i].err) {
			err = honk_error_set(w[i].err, "%s", w[i].errmsg);
			break;
		}
		*nhits += w[i].nhits;
		err = deliver(&w[i], cb, payload);
	}
cleanup:
	for (i = 0; w && i < nw; i++)
		worker_release(&w[i]);
	free(w);
	for (i = 0; i < fl.n; i++)
		free(fl.v[i]);
	free(fl.v);
	honk_buf_release(&path);
	return err;
}

int honk_scan_is_consumer_repo(const struct honk_scanner *s, const char *base,
			       const char *dir)
{
	char *want = realpath(dir, NULL);
	size_t i;
	int found = 0;

	for (i = 0; want && i < s->cat->nconsumers && !found; i++) {
		const char *repo = s->cat->consumers[i].repo;
		struct honk_buf p = HONK_BUF_INIT;
		char *have;

		if (!repo)
			continue;
		repo_path(&p, base, repo);
		have = realpath(p.buf, NULL);
		if (have) {
			size_t n = strlen(have);

			/* the repo itself, or a checkout whose .git it is */
			found = !strcmp(have, want) ||
				(n > 5 && !strcmp(have + n - 5, "/.git") &&
				 !strncmp(have, want, n - 5) && !want[n - 5]);
		}
		free(have);
		honk_buf_release(&p);
	}
	free(want);
	return found;
}

int honk_globs_match(const char *const *globs, size_t n, const char *path)
{
	size_t i;

	if (!n)
		return 1;
	for (i = 0; i < n; i++)
		if (honk_glob_match(globs[i], path))
			return 1;
	return 0;
}
