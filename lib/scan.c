/*
 * The scanning engine: literal matching, user patterns, globs.
 *
 * The matcher is a dense Aho-Corasick automaton: a goto/fail trie turned
 * into a full transition table, so the inner loop is one table load per
 * input byte whatever the number of literals. Bytes that occur in no
 * literal share one class, so a row has as many entries as the literals
 * have distinct bytes (plus one), not 256. Each state keeps the longest literal ending there and a link
 * to the next state with an output, so overlapping names are all found.
 * Memory is bounded by the total length of the literals.
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

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "banned.h"

struct honk_matcher {
	uint8_t cls[256]; /* byte -> class; 0 for bytes in no literal */
	size_t ncls;
	uint32_t *next;   /* nstates x ncls */
	int32_t *out;     /* per state: literal ending here, or -1 */
	uint32_t *link;   /* per state: next state with an output, or 0 */
	size_t *lens;     /* per literal */
	size_t nstates;
};

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
		return free(m), honk_error_set(HONK_ELIMIT, "too many names to scan for");
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
			uint32_t *t = &m->next[(size_t)s * m->ncls + m->cls[*p]];

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
				fail[*t] = m->next[(size_t)fail[s] * m->ncls + i];
				queue[tail++] = *t;
			} else {
				*t = m->next[(size_t)fail[s] * m->ncls + i];
			}
		}
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
	uint32_t s = 0;

	for (i = 0; i < len; i++) {
		uint32_t o;

		s = next[(size_t)s * ncls + cls[d[i]]];
		if (m->out[s] < 0 && !m->link[s])
			continue;
		for (o = m->out[s] >= 0 ? s : m->link[s]; o; o = m->link[o]) {
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
	/* JIT when available; the interpreter otherwise, limits either way */
	pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE);
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
				     re->md, re->mctx), err;

		if (rc == PCRE2_ERROR_NOMATCH)
			return 0;
		if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
		    rc == PCRE2_ERROR_JIT_STACKLIMIT)
			return honk_error_set(HONK_ELIMIT,
					      "pattern '%s' hit the %s limit: it backtracks catastrophically; make it more specific",
					      re->pattern,
					      rc == PCRE2_ERROR_MATCHLIMIT ? "match" : "depth");
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

int honk_glob_match(const char *g, const char *p)
{
	for (; *g; g++, p++) {
		if (g[0] == '*' && g[1] == '*') {
			/* "**" and "**" + "/": any number of directories */
			const char *rest = g + 2;

			if (*rest == '/')
				rest++;
			for (;; p++) {
				if (honk_glob_match(rest, p))
					return 1;
				if (!*p)
					return 0;
			}
		}
		if (*g == '*') {
			for (;; p++) {
				if (honk_glob_match(g + 1, p))
					return 1;
				if (!*p || *p == '/')
					return 0;
			}
		}
		if (!*p)
			return 0;
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
			if (!*c || hit == neg || *p == '/')
				return 0;
			g = c;
			continue;
		}
		if (*g != *p)
			return 0;
	}
	return !*p;
}
