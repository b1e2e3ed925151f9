/*
 * The health gate: reading what a health command printed and judging a
 * run of it against the thresholds.
 *
 * The output comes from a script nobody here reviewed, so it is read as
 * hostile: its size is capped before anything is looked at, reading it
 * costs no more than sorting its keys (duplicates are found that way,
 * not by comparing every pair) and judging it one pass per threshold,
 * numbers are checked against a grammar before strtod() sees them, and
 * any of its bytes that reach a message are quoted with control and
 * non-ASCII bytes escaped, so a reason stays one line of plain text
 * whatever the command wrote.
 *
 * Invariants of a parse that succeeded: every key is a valid name, given
 * once; every value is finite. The verdict keeps Argo Rollouts' three
 * outcomes apart: a run that says nothing reliable is an error, never
 * unhealthy (which may roll back) and never healthy.
 */
#include "health.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "jsonread.h"
#include "names.h"
#include "banned.h"

const char *const honk_health_verdict_names[] = { "healthy", "unhealthy",
						  "error" };

const char *const honk_cmp_names[] = { "<", "<=", ">", ">=", "==", "!=" };

/* Bytes of output quoted in a message, at most. */
#define QUOTE_MAX 60

int honk_cmp_holds(enum honk_cmp op, double value, double bound)
{
	switch (op) {
	case HONK_CMP_LT:
		return value < bound;
	case HONK_CMP_LE:
		return value <= bound;
	case HONK_CMP_GT:
		return value > bound;
	case HONK_CMP_GE:
		return value >= bound;
	case HONK_CMP_EQ:
		return value == bound;
	case HONK_CMP_NE:
		return value != bound;
	}
	return 0;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * s[0..len) as text for a message, into dst (which holds
 * QUOTE_MAX * 4 + 4 bytes at least): bytes outside printable ASCII, '\\'
 * and '\'' as \xNN, "..." when cut.
 */
static void quote_into(char *dst, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	for (i = 0; i < len && i < QUOTE_MAX; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c >= 0x7f || c == '\\' || c == '\'') {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		} else {
			dst[o++] = (char)c;
		}
	}
	if (i < len) {
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	dst[o] = '\0';
}

#define QUOTE_BUF (QUOTE_MAX * 4 + 4)

enum { NUM_OK, NUM_SYNTAX, NUM_LONG, NUM_RANGE };

/* A value: a number by the grammar of health.h, "true" or "false". */
static int parse_number(double *out, const char *s, size_t n)
{
	char tmp[HONK_HEALTH_NUMBER_MAX + 1];
	size_t i = 0, mantissa = 0;
	char *end;
	double v;

	if (n == 4 && !memcmp(s, "true", 4)) {
		*out = 1;
		return NUM_OK;
	}
	if (n == 5 && !memcmp(s, "false", 5)) {
		*out = 0;
		return NUM_OK;
	}
	if (n > HONK_HEALTH_NUMBER_MAX)
		return NUM_LONG;
	if (i < n && (s[i] == '+' || s[i] == '-'))
		i++;
	for (; i < n && is_digit(s[i]); i++)
		mantissa++;
	if (i < n && s[i] == '.')
		for (i++; i < n && is_digit(s[i]); i++)
			mantissa++;
	if (!mantissa)
		return NUM_SYNTAX;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i == n || !is_digit(s[i]))
			return NUM_SYNTAX;
		while (i < n && is_digit(s[i]))
			i++;
	}
	if (i != n)
		return NUM_SYNTAX;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	v = strtod(tmp, &end);
	if (end != tmp + n)
		return NUM_SYNTAX;
	if (!isfinite(v))
		return NUM_RANGE;
	*out = v;
	return NUM_OK;
}

static int number_error(int why, unsigned line, const char *key, const char *s,
			size_t n)
{
	char q[QUOTE_BUF];

	quote_into(q, s, n);
	switch (why) {
	case NUM_LONG:
		return honk_error_set(
			HONK_EINVALID,
			"line %u: the value of '%s' is longer than %d bytes",
			line, key, HONK_HEALTH_NUMBER_MAX);
	case NUM_RANGE:
		return honk_error_set(
			HONK_EINVALID,
			"line %u: the value of '%s', '%s', is beyond the range of a double",
			line, key, q);
	default:
		return honk_error_set(
			HONK_EINVALID,
			"line %u: the value of '%s', '%s', is not a number",
			line, key, q);
	}
}

static int key_error(unsigned line, const char *s, size_t n)
{
	char q[QUOTE_BUF];

	quote_into(q, s, n);
	return honk_error_set(
		HONK_EINVALID,
		"line %u: '%s' is not a metric name (lowercase [a-z0-9_-] words joined by '.', at most %d bytes)",
		line, q, HONK_NAME_MAX);
}

struct collect {
	struct honk_metrics *out;
	struct honk_arena *arena;
	size_t cap;
};

static int add_metric(struct collect *c, const char *key, size_t n,
		      double value, unsigned line)
{
	struct honk_metric *m;

	if (honk_arena_reserve(c->arena, &c->out->v, c->out->n, &c->cap,
			       sizeof(*c->out->v)) < 0)
		return HONK_ERROR;
	m = &c->out->v[c->out->n];
	if (!(m->key = honk_arena_strndup(c->arena, key, n)))
		return HONK_ERROR;
	m->value = value;
	m->line = line;
	c->out->n++;
	return 0;
}

static int parse_lines(struct collect *c, const char *s, size_t len)
{
	size_t pos = 0;
	unsigned lineno = 0;

	while (pos < len) {
		const char *line = s + pos, *nl, *eq;
		size_t n, b = 0, e, kb, ke, vb;
		double v;
		int why, err;

		nl = memchr(line, '\n', len - pos);
		n = nl ? (size_t)(nl - line) : len - pos;
		pos += n + (nl != NULL);
		lineno++;
		e = n;
		if (nl && e && line[e - 1] == '\r')
			e--;
		while (b < e && is_blank(line[b]))
			b++;
		while (e > b && is_blank(line[e - 1]))
			e--;
		if (b == e)
			continue;
		if (!nl)
			return honk_error_set(
				HONK_EINVALID,
				"line %u: no newline at the end of the output (was it cut short?)",
				lineno);
		if (line[b] == '#')
			continue;
		eq = memchr(line + b, '=', e - b);
		if (!eq) {
			char q[QUOTE_BUF];

			quote_into(q, line + b, e - b);
			return honk_error_set(
				HONK_EINVALID,
				"line %u: expected key=value, got '%s'", lineno,
				q);
		}
		kb = b;
		ke = (size_t)(eq - line);
		vb = ke + 1;
		while (ke > kb && is_blank(line[ke - 1]))
			ke--;
		while (vb < e && is_blank(line[vb]))
			vb++;
		if (ke == kb)
			return honk_error_set(HONK_EINVALID,
					      "line %u: no key before '='",
					      lineno);
		if (!honk_name_valid(line + kb, ke - kb))
			return key_error(lineno, line + kb, ke - kb);
		if (vb == e)
			return honk_error_set(HONK_EINVALID,
					      "line %u: '%.*s' has no value",
					      lineno, (int)(ke - kb),
					      line + kb);
		why = parse_number(&v, line + vb, e - vb);
		if (why != NUM_OK) {
			char key[HONK_NAME_MAX + 1];

			memcpy(key, line + kb, ke - kb);
			key[ke - kb] = '\0';
			return number_error(why, lineno, key, line + vb,
					    e - vb);
		}
		if ((err = add_metric(c, line + kb, ke - kb, v, lineno)) < 0)
			return err;
	}
	return 0;
}

/*
 * Advance *from to byte off of s, counting the lines passed into *line
 * and keeping in *line_start where the current one starts: called with
 * growing offsets, it is linear over a whole parse.
 */
static void position(const char *s, size_t *from, unsigned *line,
		     size_t *line_start, size_t off)
{
	for (; *from < off; (*from)++) {
		if (s[*from] == '\n') {
			(*line)++;
			*line_start = *from + 1;
		}
	}
}

static const char *const json_kinds[] = {
	"null", "a boolean", "a number", "a string", "an array", "an object"
};

static int parse_json(struct collect *c, const char *s, size_t len)
{
	struct honk_arena scratch = HONK_ARENA_INIT;
	struct honk_buf tmp = HONK_BUF_INIT;
	const struct honk_jval *obj, *k;
	const char *jerr = NULL;
	unsigned col = 1, line = 1;
	size_t from = 0, line_start = 0, off;
	int ret = 0;

	obj = honk_jread(&scratch, &tmp, s, len, &jerr, &col);
	if (!obj) {
		if (jerr && !strcmp(jerr, "out of memory")) {
			ret = honk_error_set(HONK_ERROR, "out of memory");
			goto cleanup;
		}
		off = col ? col - 1 : 0;
		position(s, &from, &line, &line_start, off < len ? off : len);
		ret = honk_error_set(HONK_EINVALID, "line %u, column %zu: %s",
				     line, off - line_start + 1,
				     jerr ? jerr : "not JSON");
		goto cleanup;
	}
	if (obj->type != HONK_J_OBJECT) {
		ret = honk_error_set(HONK_EINVALID,
				     "expected one JSON object, not %s",
				     json_kinds[obj->type]);
		goto cleanup;
	}
	for (k = obj->first; k && k->next; k = k->next->next) {
		const struct honk_jval *v = k->next;
		double value = 0;
		int why;

		position(s, &from, &line, &line_start, (size_t)(k->raw - s));
		if (!honk_name_valid(k->str, k->len)) {
			ret = key_error(line, k->str, k->len);
			goto cleanup;
		}
		if (v->type == HONK_J_BOOL) {
			value = v->boolean;
		} else if (v->type == HONK_J_NUMBER) {
			why = parse_number(&value, v->str, v->len);
			if (why != NUM_OK) {
				ret = number_error(why, line, k->str, v->str,
						   v->len);
				goto cleanup;
			}
		} else {
			ret = honk_error_set(
				HONK_EINVALID,
				"line %u: the value of '%s' is %s, not a number",
				line, k->str, json_kinds[v->type]);
			goto cleanup;
		}
		if ((ret = add_metric(c, k->str, k->len, value, line)) < 0)
			goto cleanup;
	}

cleanup:
	honk_buf_release(&tmp);
	honk_arena_release(&scratch);
	return ret;
}

/* By key, then by place in the output (one array, so pointers order). */
static int cmp_metric(const void *pa, const void *pb)
{
	const struct honk_metric *a = *(const struct honk_metric *const *)pa;
	const struct honk_metric *b = *(const struct honk_metric *const *)pb;
	int c = strcmp(a->key, b->key);

	if (c)
		return c;
	return a < b ? -1 : a > b;
}

static int check_duplicates(const struct honk_metrics *m)
{
	const struct honk_metric **p, *dup = NULL, *first = NULL;
	size_t i;

	if (m->n < 2)
		return 0;
	if (!(p = malloc(m->n * sizeof(*p))))
		return honk_error_set(HONK_ERROR, "out of memory");
	for (i = 0; i < m->n; i++)
		p[i] = &m->v[i];
	qsort(p, m->n, sizeof(*p), cmp_metric);
	/* Of the keys given twice, the one whose second time comes first. */
	for (i = 1; i < m->n; i++) {
		if (strcmp(p[i - 1]->key, p[i]->key))
			continue;
		if (i >= 2 && !strcmp(p[i - 2]->key, p[i]->key))
			continue;
		if (!dup || p[i] < dup) {
			dup = p[i];
			first = p[i - 1];
		}
	}
	free(p);
	if (!dup)
		return 0;
	return honk_error_set(HONK_EINVALID,
			      "line %u: '%s' given twice (first on line %u)",
			      dup->line, dup->key, first->line);
}

int honk_health_parse(struct honk_metrics *out, struct honk_arena *arena,
		      const char *s, size_t len)
{
	struct collect c = { out, arena, 0 };
	size_t i = 0;
	int err;

	out->v = NULL;
	out->n = 0;
	if (len > HONK_HEALTH_OUTPUT_MAX)
		return honk_error_set(
			HONK_ELIMIT,
			"the output is larger than 1 MiB (%zu bytes)", len);
	while (i < len && (is_blank(s[i]) || s[i] == '\r' || s[i] == '\n'))
		i++;
	if (i < len && (s[i] == '{' || s[i] == '['))
		err = parse_json(&c, s, len);
	else
		err = parse_lines(&c, s, len);
	if (!err)
		err = check_duplicates(out);
	if (err < 0) {
		out->v = NULL;
		out->n = 0;
	}
	return err;
}

/*
 * v in the fewest significant digits that read back as v, without an
 * exponent below 1e17 ("500", not "5e+02").
 */
static void format_number(char *dst, size_t n, double v)
{
	const char *e;
	int p;
	long x;

	for (p = 1; p < 17; p++) {
		snprintf(dst, n, "%.*g", p, v);
		if (strtod(dst, NULL) == v)
			break;
	}
	snprintf(dst, n, "%.*g", p, v);
	if ((e = strchr(dst, 'e')) && (x = strtol(e + 1, NULL, 10)) >= p &&
	    x < 17)
		snprintf(dst, n, "%.*g", (int)x + 1, v);
}

/* " (last output: '...')" for the last line of output that is not blank. */
static void add_last_line(struct honk_buf *reason, const struct honk_buf *tail)
{
	const char *s = tail->buf;
	size_t e = tail->len, b;
	char q[QUOTE_BUF];

	while (e &&
	       (is_blank(s[e - 1]) || s[e - 1] == '\n' || s[e - 1] == '\r'))
		e--;
	if (!e)
		return;
	for (b = e; b && s[b - 1] != '\n'; b--)
		;
	while (b < e && is_blank(s[b]))
		b++;
	quote_into(q, s + b, e - b);
	honk_buf_addf(reason, " (last output: '%s')", q);
}

static const struct honk_metric *find_metric(const struct honk_metrics *m,
					     const char *key)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (!strcmp(m->v[i].key, key))
			return &m->v[i];
	return NULL;
}

static void add_missing(struct honk_buf *reason, const struct honk_metrics *m,
			const struct honk_threshold *t, size_t nt,
			size_t nmissing)
{
	size_t i, k = 0;

	honk_buf_addstr(reason, nmissing == 1 ? "metric " : "metrics ");
	for (i = 0; i < nt; i++) {
		if (find_metric(m, t[i].key))
			continue;
		honk_buf_addf(reason, "%s%s", k++ ? ", " : "", t[i].key);
	}
	honk_buf_addstr(reason, nmissing == 1 ? " is missing from the output"
					      : " are missing from the output");
	if (!m->n)
		honk_buf_addstr(reason, " (it has no metrics)");
}

static void add_comparison(struct honk_buf *reason, const char *sep,
			   const struct honk_metric *m,
			   const struct honk_threshold *t, int holds)
{
	char a[32], b[32];

	format_number(a, sizeof(a), m->value);
	format_number(b, sizeof(b), t->value);
	honk_buf_addf(reason, "%s%s=%s %s%s %s", sep, t->key, a,
		      holds ? "" : "is not ", honk_cmp_names[t->op], b);
}

static void judge_metrics(enum honk_health_verdict *out,
			  struct honk_buf *reason, const struct honk_metrics *m,
			  const struct honk_threshold *t, size_t nt)
{
	size_t i, nfailing = 0, nmissing = 0, k = 0;
	const struct honk_metric *mv;

	for (i = 0; i < nt; i++) {
		if (!(mv = find_metric(m, t[i].key)))
			nmissing++;
		else if (!honk_cmp_holds(t[i].op, mv->value, t[i].value))
			nfailing++;
	}
	if (nfailing) {
		*out = HONK_HEALTH_UNHEALTHY;
		for (i = 0; i < nt; i++) {
			mv = find_metric(m, t[i].key);
			if (mv &&
			    !honk_cmp_holds(t[i].op, mv->value, t[i].value))
				add_comparison(reason, k++ ? ", " : "", mv,
					       &t[i], 0);
		}
		if (nmissing) {
			honk_buf_addstr(reason, "; ");
			add_missing(reason, m, t, nt, nmissing);
		}
	} else if (nmissing) {
		*out = HONK_HEALTH_ERROR;
		add_missing(reason, m, t, nt, nmissing);
	} else {
		*out = HONK_HEALTH_HEALTHY;
		for (i = 0; i < nt; i++)
			add_comparison(reason, i ? ", " : "",
				       find_metric(m, t[i].key), &t[i], 1);
	}
}

int honk_health_judge(enum honk_health_verdict *out, struct honk_buf *reason,
		      const struct honk_exec_result *res,
		      const struct honk_threshold *t, size_t nt)
{
	struct honk_arena arena = HONK_ARENA_INIT;
	struct honk_metrics m;
	int err;

	*out = HONK_HEALTH_ERROR;
	if (!res->pid) {
		honk_buf_addstr(reason, "the health command did not start");
		return 0;
	}
	if (!honk_exec_succeeded(res)) {
		honk_buf_addstr(reason, "the health command ");
		if (!res->exited && !res->timed_out && res->signal)
			honk_buf_addstr(reason, "was ");
		honk_exec_describe(reason, res);
		add_last_line(reason, &res->tail);
		return 0;
	}
	if (!nt) {
		*out = HONK_HEALTH_HEALTHY;
		honk_buf_addstr(
			reason,
			"the health command exited with 0 (no thresholds)");
		return 0;
	}
	if (res->total > HONK_HEALTH_OUTPUT_MAX) {
		honk_buf_addf(
			reason,
			"the output of the health command is larger than 1 MiB (%zu bytes)",
			res->total);
		return 0;
	}
	if (res->total > res->tail.len) {
		honk_buf_addf(
			reason,
			"only the last %zu of the %zu bytes the health command wrote were kept",
			res->tail.len, res->total);
		return 0;
	}
	err = honk_health_parse(&m, &arena, res->tail.buf, res->tail.len);
	if (err == HONK_ERROR) {
		honk_buf_addstr(reason, "out of memory");
		goto cleanup;
	}
	if (err < 0) {
		honk_buf_addf(
			reason,
			"the output of the health command does not parse: %s",
			honk_error_last());
		err = 0;
		goto cleanup;
	}
	judge_metrics(out, reason, &m, t, nt);

cleanup:
	honk_arena_release(&arena);
	return err;
}

int honk_health_run(enum honk_health_verdict *out, struct honk_buf *reason,
		    const struct honk_exec_opts *o,
		    const struct honk_threshold *t, size_t nt)
{
	struct honk_exec_opts opts = *o;
	struct honk_exec_result res;
	int err;

	*out = HONK_HEALTH_ERROR;
	if (opts.tail_max < HONK_HEALTH_OUTPUT_MAX)
		opts.tail_max = HONK_HEALTH_OUTPUT_MAX;
	err = honk_exec_run(&res, &opts);
	if (err == HONK_ENOTFOUND) {
		honk_buf_addf(reason, "the health command could not start: %s",
			      honk_error_last());
		err = 0;
	} else if (err < 0) {
		honk_buf_addf(reason, "the health command could not start: %s",
			      honk_error_last());
	} else {
		err = honk_health_judge(out, reason, &res, t, nt);
	}
	honk_exec_result_release(&res);
	return err;
}
