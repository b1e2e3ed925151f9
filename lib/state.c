/*
 * Migration state files: read strictly, written deterministically.
 *
 * The reconciler rewrites a whole file per commit, so the writer must be
 * cheap for thousands of consumers (one flow mapping per consumer, keys
 * only when set) and give the same bytes for the same state, so a commit
 * that changes nothing is never made.
 */
#include "state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "error.h"
#include "names.h"
#include "yaml.h"
#include "banned.h"

const char *const honk_phase_names[] = {
	"approved",	"rolling-out", "paused",   "completed", "failed",
	"rolling-back", "rolled-back", "rejected", NULL
};

const char *const honk_cstate_names[] = { "pending", "running", "succeeded",
					  "failed",  "paused",	"rolled-back",
					  "skipped", NULL };

const char *const honk_step_names[] = { "none", "apply", "verify", "rollback",
					NULL };

int honk_phase_terminal(enum honk_phase p)
{
	return p == HONK_PHASE_COMPLETED || p == HONK_PHASE_ROLLED_BACK ||
	       p == HONK_PHASE_REJECTED;
}

int honk_path_state(struct honk_buf *out, const char *id)
{
	int err;

	if ((err = honk_name_check("migration", id)) < 0)
		return err;
	honk_buf_reset(out);
	return honk_buf_addf(out, "state/%s.yaml", id);
}

/* ---- reading ------------------------------------------------------------ */

struct rd {
	struct honk_mstate *s;
	struct honk_cstate_entry *e;
};

static int y_time(struct honk_yctx *c, const struct honk_ynode *n, int64_t *out)
{
	if (n->type != HONK_YSCALAR || honk_ynode_is_null(n))
		return honk_yerror(c, n, "expected a time");
	if (honk_time_parse(out, n->str) < 0)
		return honk_yerror(c, n, "%s", honk_error_last());
	return 0;
}

static int y_count(struct honk_yctx *c, const struct honk_ynode *n,
		   int64_t *out)
{
	return honk_y_int(c, n, 0, INT32_MAX, out);
}

#define STR_KEY(fn, field)                                             \
	static int fn(struct honk_yctx *c, const struct honk_ynode *n, \
		      void *obj)                                       \
	{                                                              \
		return honk_y_str(c, n, &((struct rd *)obj)->field);   \
	}
#define TIME_KEY(fn, field)                                            \
	static int fn(struct honk_yctx *c, const struct honk_ynode *n, \
		      void *obj)                                       \
	{                                                              \
		return y_time(c, n, &((struct rd *)obj)->field);       \
	}
#define COUNT_KEY(fn, field)                                           \
	static int fn(struct honk_yctx *c, const struct honk_ynode *n, \
		      void *obj)                                       \
	{                                                              \
		return y_count(c, n, &((struct rd *)obj)->field);      \
	}

static int k_c_consumer(struct honk_yctx *c, const struct honk_ynode *n,
			void *obj)
{
	return honk_y_name(c, n, "consumer", &((struct rd *)obj)->e->consumer);
}

static int k_c_state(struct honk_yctx *c, const struct honk_ynode *n, void *obj)
{
	int v, err;

	if ((err = honk_y_enum(c, n, honk_cstate_names, &v)) == 0)
		((struct rd *)obj)->e->state = (enum honk_cstate)v;
	return err;
}

static int k_c_step(struct honk_yctx *c, const struct honk_ynode *n, void *obj)
{
	int v, err;

	if ((err = honk_y_enum(c, n, honk_step_names, &v)) == 0)
		((struct rd *)obj)->e->step = (enum honk_step)v;
	return err;
}

static int k_c_step_id(struct honk_yctx *c, const struct honk_ynode *n,
		       void *obj)
{
	return honk_y_name(c, n, "step id", &((struct rd *)obj)->e->step_id);
}

COUNT_KEY(k_c_wave, e->wave)
COUNT_KEY(k_c_attempts, e->attempts)
TIME_KEY(k_c_not_before, e->not_before)
TIME_KEY(k_c_started, e->started_at)
TIME_KEY(k_c_finished, e->finished_at)
STR_KEY(k_c_error, e->error)
STR_KEY(k_c_tail, e->tail)
STR_KEY(k_c_waiting, e->waiting)
STR_KEY(k_c_reason, e->reason)

static const struct honk_ykey consumer_keys[] = {
	{ "attempts", 0, k_c_attempts },
	{ "consumer", HONK_YKEY_REQUIRED, k_c_consumer },
	{ "error", 0, k_c_error },
	{ "finished_at", 0, k_c_finished },
	{ "not_before", 0, k_c_not_before },
	{ "reason", 0, k_c_reason },
	{ "started_at", 0, k_c_started },
	{ "state", HONK_YKEY_REQUIRED, k_c_state },
	{ "step", 0, k_c_step },
	{ "step_id", 0, k_c_step_id },
	{ "tail", 0, k_c_tail },
	{ "waiting", 0, k_c_waiting },
	{ "wave", 0, k_c_wave },
};

static int consumer_item(struct honk_yctx *c, const struct honk_ynode *n,
			 size_t i, void *obj)
{
	struct rd *r = obj;
	int err;

	(void)i;
	if (!(r->e = honk_mstate_add(r->s, NULL)))
		return HONK_ERROR;
	err = honk_ymap_walk(c, n, "a consumer's state", consumer_keys,
			     sizeof(consumer_keys) / sizeof(consumer_keys[0]),
			     r);
	if (err == 0 && r->s->n > 1 &&
	    honk_mstate_find(r->s, r->e->consumer) != r->e)
		return honk_yerror(c, n, "consumer '%s' is listed twice",
				   r->e->consumer);
	return err;
}

static int k_consumers(struct honk_yctx *c, const struct honk_ynode *n,
		       void *obj)
{
	return honk_yseq_walk(c, n, consumer_item, obj);
}

static int k_migration(struct honk_yctx *c, const struct honk_ynode *n,
		       void *obj)
{
	return honk_y_name(c, n, "migration", &((struct rd *)obj)->s->id);
}

static int k_phase(struct honk_yctx *c, const struct honk_ynode *n, void *obj)
{
	int v, err;

	if ((err = honk_y_enum(c, n, honk_phase_names, &v)) == 0)
		((struct rd *)obj)->s->phase = (enum honk_phase)v;
	return err;
}

static int k_approved(struct honk_yctx *c, const struct honk_ynode *n,
		      void *obj)
{
	struct rd *r = obj;
	size_t i;

	if (honk_y_str(c, n, &r->s->approved) < 0)
		return HONK_EINVALID;
	for (i = 0; r->s->approved[i]; i++)
		if (!strchr("0123456789abcdef", r->s->approved[i]))
			break;
	if (i != 40 || r->s->approved[i])
		return honk_yerror(c, n,
				   "expected a commit id (40 hex digits)");
	return 0;
}

static int k_verdict(struct honk_yctx *c, const struct honk_ynode *n, void *obj)
{
	static const char *const verdicts[] = { "compatible", "breaking",
						NULL };
	int v, err;

	if ((err = honk_y_enum(c, n, verdicts, &v)) == 0)
		((struct rd *)obj)->s->verdict = verdicts[v];
	return err;
}

static int k_gate(struct honk_yctx *c, const struct honk_ynode *n, void *obj)
{
	static const char *const gates[] = { "manual", NULL };
	int v, err;

	if ((err = honk_y_enum(c, n, gates, &v)) == 0)
		((struct rd *)obj)->s->gate_manual = 1;
	return err;
}

static int k_full(struct honk_yctx *c, const struct honk_ynode *n, void *obj)
{
	return honk_y_bool(c, n, &((struct rd *)obj)->s->full);
}

static int k_h_result(struct honk_yctx *c, const struct honk_ynode *n,
		      void *obj)
{
	static const char *const results[] = { "healthy", "unhealthy", "error",
					       NULL };
	int v, err;

	if ((err = honk_y_enum(c, n, results, &v)) == 0)
		((struct rd *)obj)->s->health.result = results[v];
	return err;
}

COUNT_KEY(k_h_wave, s->health.wave)
TIME_KEY(k_h_at, s->health.at)
STR_KEY(k_h_detail, s->health.detail)

static const struct honk_ykey health_keys[] = {
	{ "at", 0, k_h_at },
	{ "detail", 0, k_h_detail },
	{ "result", HONK_YKEY_REQUIRED, k_h_result },
	{ "wave", 0, k_h_wave },
};

static int k_health(struct honk_yctx *c, const struct honk_ynode *n, void *obj)
{
	return honk_ymap_walk(c, n, "a health result", health_keys,
			      sizeof(health_keys) / sizeof(health_keys[0]),
			      obj);
}

STR_KEY(k_l_holder, s->lease.holder)
TIME_KEY(k_l_until, s->lease.until)

static const struct honk_ykey lease_keys[] = {
	{ "holder", HONK_YKEY_REQUIRED, k_l_holder },
	{ "until", HONK_YKEY_REQUIRED, k_l_until },
};

static int k_lease(struct honk_yctx *c, const struct honk_ynode *n, void *obj)
{
	return honk_ymap_walk(c, n, "a lease", lease_keys,
			      sizeof(lease_keys) / sizeof(lease_keys[0]), obj);
}

STR_KEY(k_approved_by, s->approved_by)
TIME_KEY(k_approved_at, s->approved_at)
TIME_KEY(k_started_at, s->started_at)
TIME_KEY(k_finished_at, s->finished_at)
COUNT_KEY(k_wave, s->wave)
COUNT_KEY(k_waves, s->waves)
TIME_KEY(k_not_before, s->not_before)
COUNT_KEY(k_failures, s->failures)
TIME_KEY(k_health_next, s->health_next)
STR_KEY(k_reason, s->reason)
STR_KEY(k_by, s->by)

static const struct honk_ykey top_keys[] = {
	{ "approved", 0, k_approved },
	{ "approved_at", 0, k_approved_at },
	{ "approved_by", 0, k_approved_by },
	{ "by", 0, k_by },
	{ "consumers", 0, k_consumers },
	{ "failures", 0, k_failures },
	{ "finished_at", 0, k_finished_at },
	{ "full", 0, k_full },
	{ "gate", 0, k_gate },
	{ "health", 0, k_health },
	{ "health_next", 0, k_health_next },
	{ "lease", 0, k_lease },
	{ "migration", HONK_YKEY_REQUIRED, k_migration },
	{ "not_before", 0, k_not_before },
	{ "phase", HONK_YKEY_REQUIRED, k_phase },
	{ "reason", 0, k_reason },
	{ "started_at", 0, k_started_at },
	{ "verdict", 0, k_verdict },
	{ "wave", 0, k_wave },
	{ "waves", 0, k_waves },
};

int honk_mstate_parse(struct honk_mstate *out, const char *path,
		      const char *data, size_t len, struct honk_diags *diags)
{
	struct honk_ydoc doc = HONK_YDOC_INIT;
	struct honk_buf file = HONK_BUF_INIT;
	struct honk_yctx c;
	struct rd r;
	size_t before = honk_diags_count(diags);
	int err = 0;

	memset(out, 0, sizeof(*out));
	r.s = out;
	r.e = NULL;
	if ((err = honk_ydoc_parse(&doc, path, data, len, NULL, diags)) ==
	    HONK_ERROR)
		goto done;
	err = 0;
	if (!doc.root || doc.root->type != HONK_YMAP) {
		if (honk_diags_count(diags) == before)
			honk_diag_add(
				diags, path, doc.root ? doc.root->line : 1,
				doc.root ? doc.root->col : 1,
				"expected a migration's state (a mapping)");
		goto done;
	}
	honk_yctx_init(&c, path, diags, &out->arena);
	if (honk_ymap_walk(&c, doc.root, "a migration's state", top_keys,
			   sizeof(top_keys) / sizeof(top_keys[0]),
			   &r) == HONK_ERROR) {
		err = HONK_ERROR;
		goto done;
	}
	/* read from honk/state: the file is the one its migration names */
	if (out->id && strchr(path, '/') &&
	    (err = honk_path_state(&file, out->id)) == 0 &&
	    strcmp(file.buf, path)) {
		const struct honk_ynode *m =
			honk_ymap_get(doc.root, "migration");

		honk_diag_add(diags, path, m->line, m->col,
			      "migration '%s' belongs in %s", out->id,
			      file.buf);
	}
done:
	honk_buf_release(&file);
	honk_ydoc_release(&doc);
	if (err == 0 && honk_diags_count(diags) > before)
		err = HONK_EINVALID;
	if (err < 0)
		honk_mstate_release(out);
	return err;
}

/* ---- writing ------------------------------------------------------------ */

static void kv_str(struct honk_ywriter *w, const char *k, const char *v)
{
	if (!v)
		return;
	honk_yw_str(w, k);
	honk_yw_str(w, v);
}

static void kv_int(struct honk_ywriter *w, const char *k, int64_t v)
{
	honk_yw_str(w, k);
	honk_yw_int(w, v);
}

static void kv_time(struct honk_ywriter *w, const char *k, int64_t ms)
{
	struct honk_buf t = HONK_BUF_INIT;

	if (!ms || honk_time_format(&t, ms) < 0)
		return;
	honk_yw_str(w, k);
	honk_yw_str(w, t.buf);
	honk_buf_release(&t);
}

int honk_mstate_write(struct honk_buf *out, const struct honk_mstate *s)
{
	struct honk_ywriter *w = NULL;
	size_t i;
	int err;

	if ((err = honk_yw_new(&w, out)) < 0)
		return err;
	honk_yw_map_begin(w, 0);
	kv_str(w, "migration", s->id);
	kv_str(w, "phase", honk_phase_names[s->phase]);
	kv_str(w, "verdict", s->verdict);
	kv_str(w, "approved", s->approved);
	kv_str(w, "approved_by", s->approved_by);
	kv_time(w, "approved_at", s->approved_at);
	kv_time(w, "started_at", s->started_at);
	kv_time(w, "finished_at", s->finished_at);
	if (s->waves) {
		kv_int(w, "wave", s->wave);
		kv_int(w, "waves", s->waves);
	}
	kv_time(w, "not_before", s->not_before);
	if (s->gate_manual)
		kv_str(w, "gate", "manual");
	if (s->full) {
		honk_yw_str(w, "full");
		honk_yw_bool(w, 1);
	}
	if (s->failures)
		kv_int(w, "failures", s->failures);
	if (s->health.result) {
		honk_yw_str(w, "health");
		honk_yw_map_begin(w, 1);
		if (s->health.wave)
			kv_int(w, "wave", s->health.wave);
		kv_str(w, "result", s->health.result);
		kv_time(w, "at", s->health.at);
		kv_str(w, "detail", s->health.detail);
		honk_yw_map_end(w);
	}
	kv_time(w, "health_next", s->health_next);
	kv_str(w, "reason", s->reason);
	kv_str(w, "by", s->by);
	if (s->lease.holder) {
		honk_yw_str(w, "lease");
		honk_yw_map_begin(w, 1);
		kv_str(w, "holder", s->lease.holder);
		kv_time(w, "until", s->lease.until);
		honk_yw_map_end(w);
	}
	honk_yw_str(w, "consumers");
	honk_yw_seq_begin(w, s->n == 0);
	for (i = 0; i < s->n; i++) {
		const struct honk_cstate_entry *e = &s->consumers[i];

		honk_yw_map_begin(w, 1);
		kv_str(w, "consumer", e->consumer);
		if (e->wave)
			kv_int(w, "wave", e->wave);
		kv_str(w, "state", honk_cstate_names[e->state]);
		if (e->step)
			kv_str(w, "step", honk_step_names[e->step]);
		if (e->attempts)
			kv_int(w, "attempts", e->attempts);
		kv_str(w, "step_id", e->step_id);
		kv_time(w, "not_before", e->not_before);
		kv_time(w, "started_at", e->started_at);
		kv_time(w, "finished_at", e->finished_at);
		kv_str(w, "waiting", e->waiting);
		kv_str(w, "reason", e->reason);
		kv_str(w, "error", e->error);
		kv_str(w, "tail", e->tail);
		honk_yw_map_end(w);
	}
	honk_yw_seq_end(w);
	honk_yw_map_end(w);
	err = honk_yw_finish(w);
	honk_yw_free(w);
	return err;
}

/* ---- in memory ------------------------------------------------------------
 */

void honk_mstate_release(struct honk_mstate *s)
{
	if (!s)
		return;
	honk_arena_release(&s->arena);
	memset(s, 0, sizeof(*s));
}

const char *honk_mstate_str(struct honk_mstate *s, const char *str)
{
	return str ? honk_arena_strdup(&s->arena, str) : NULL;
}

struct honk_cstate_entry *honk_mstate_add(struct honk_mstate *s,
					  const char *consumer)
{
	struct honk_cstate_entry *e;

	if (honk_arena_reserve(&s->arena, &s->consumers, s->n, &s->cap,
			       sizeof(*s->consumers)) < 0)
		return NULL;
	e = &s->consumers[s->n++];
	memset(e, 0, sizeof(*e));
	if (consumer && !(e->consumer = honk_mstate_str(s, consumer))) {
		s->n--;
		return NULL;
	}
	return e;
}

struct honk_cstate_entry *honk_mstate_find(const struct honk_mstate *s,
					   const char *consumer)
{
	size_t i;

	for (i = 0; consumer && i < s->n; i++)
		if (s->consumers[i].consumer &&
		    !strcmp(s->consumers[i].consumer, consumer))
			return &s->consumers[i];
	return NULL;
}

int honk_mstate_copy(struct honk_mstate *dst, const struct honk_mstate *src)
{
	size_t i;

#define DUP(f)                                                          \
	do {                                                            \
		if (src->f && !(dst->f = honk_mstate_str(dst, src->f))) \
			goto oom;                                       \
	} while (0)
	memset(dst, 0, sizeof(*dst));
	*dst = *src;
	memset(&dst->arena, 0, sizeof(dst->arena));
	dst->consumers = NULL;
	dst->n = dst->cap = 0;
	DUP(id);
	DUP(verdict);
	DUP(approved);
	DUP(approved_by);
	DUP(health.result);
	DUP(health.detail);
	DUP(reason);
	DUP(by);
	DUP(lease.holder);
	for (i = 0; i < src->n; i++) {
		const struct honk_cstate_entry *a = &src->consumers[i];
		struct honk_cstate_entry *b = honk_mstate_add(dst, NULL);

		if (!b)
			goto oom;
		*b = *a;
		DUP(consumers[i].consumer);
		DUP(consumers[i].step_id);
		DUP(consumers[i].error);
		DUP(consumers[i].tail);
		DUP(consumers[i].waiting);
		DUP(consumers[i].reason);
	}
#undef DUP
	return 0;
oom:
	honk_mstate_release(dst);
	return honk_error_set(HONK_ERROR, "out of memory");
}

/* ---- a quick read of what honk itself wrote -------------------------------
 */

/*
 * The scanner below reads the state files honk_mstate_write() makes, one
 * line at a time, for views that need a summary of thousands of them.
 * It accepts only that canonical shape: a block mapping of one-line
 * scalars and flow mappings, then one flow mapping per consumer, each
 * on its line, scalars plain, single-quoted or double-quoted without
 * escapes. Anything else (a file a person wrote, a multi-line tail) is
 * left to the full parser: the scanner says so and the caller parses.
 */
struct scan {
	struct honk_mstate *s;
	const char *p, *end;
};

/* A scalar at *p up to one of stop (or the end): its text in the arena. */
static const char *scan_scalar(struct honk_mstate *s, const char **pp,
			       const char *end, const char *stop)
{
	const char *p = *pp, *q;
	char *out, *o;

	if (p < end && *p == '\'') {
		size_t doubled = 0;

		for (q = p + 1; q < end; q++) {
			if (*q != '\'')
				continue;
			if (q + 1 < end && q[1] == '\'') {
				q++;
				doubled++;
				continue;
			}
			break;
		}
		if (q >= end || (q + 1 < end && !strchr(stop, q[1])))
			return NULL;
		out = honk_arena_alloc(&s->arena, (size_t)(q - p));
		if (!out)
			return NULL;
		for (o = out, p++; p < q; p++) {
			*o++ = *p;
			if (*p == '\'')
				p++; /* '' is one quote */
		}
		*o = '\0';
		(void)doubled;
		*pp = q + 1;
		return out;
	}
	if (p < end && *p == '"') {
		for (q = p + 1; q < end && *q != '"'; q++)
			if (*q == '\\')
				return NULL; /* escapes: the full parser */
		if (q >= end || (q + 1 < end && !strchr(stop, q[1])))
			return NULL;
		*pp = q + 1;
		return honk_arena_strndup(&s->arena, p + 1,
					  (size_t)(q - p - 1));
	}
	if (p >= end || strchr("&*!|>%@`{[\"'#", *p))
		return NULL;
	for (q = p; q < end; q++) {
		if (*q == stop[0] || (stop[1] && *q == stop[1]))
			break;
		if (*q == '#' && q[-1] == ' ')
			return NULL; /* a comment: the full parser */
	}
	if (q == p || q[-1] == ' ' || q[-1] == '\t')
		return NULL;
	*pp = q;
	return honk_arena_strndup(&s->arena, p, (size_t)(q - p));
}

static int scan_enum(const char *v, const char *const *names)
{
	int i;

	for (i = 0; v && names[i]; i++)
		if (!strcmp(v, names[i]))
			return i;
	return -1;
}

static int scan_int(const char *v, int64_t *out)
{
	int64_t n = 0;

	if (!v || !*v || (*v == '0' && v[1]))
		return 0;
	for (; *v; v++) {
		if (*v < '0' || *v > '9' || n > INT32_MAX / 10)
			return 0;
		n = n * 10 + (*v - '0');
	}
	*out = n;
	return 1;
}

/* One consumer's flow mapping: "{consumer: a, wave: 1, state: ...}". */
static int scan_consumer(struct honk_mstate *s, const char *p, const char *end)
{
	struct honk_cstate_entry *e = honk_mstate_add(s, NULL);
	int st;

	if (!e || p >= end || *p != '{' || end[-1] != '}')
		return 0;
	p++;
	end--;
	while (p < end) {
		const char *k = p, *v;
		size_t klen;

		while (p < end && *p != ':')
			p++;
		if (p + 1 >= end || p[1] != ' ')
			return 0;
		klen = (size_t)(p - k);
		p += 2;
		if (!(v = scan_scalar(s, &p, end, ",}")))
			return 0;
		if (klen == 8 && !memcmp(k, "consumer", 8)) {
			if (!honk_name_valid(v, strlen(v)))
				return 0;
			e->consumer = v;
		} else if (klen == 5 && !memcmp(k, "state", 5)) {
			if ((st = scan_enum(v, honk_cstate_names)) < 0)
				return 0;
			e->state = (enum honk_cstate)st;
		} else if (klen == 4 && !memcmp(k, "wave", 4)) {
			if (!scan_int(v, &e->wave))
				return 0;
		} else if (klen == 8 && !memcmp(k, "attempts", 8)) {
			if (!scan_int(v, &e->attempts))
				return 0;
		} else if (klen == 7 && !memcmp(k, "waiting", 7)) {
			e->waiting = v;
		}
		if (p < end) {
			if (p + 1 >= end || p[0] != ',' || p[1] != ' ')
				return 0;
			p += 2;
		}
	}
	return e->consumer != NULL;
}

int honk_mstate_scan(struct honk_mstate *out, const char *data, size_t len)
{
	const char *p = data, *end = data + len, *eol;
	int in_consumers = 0, have_phase = 0, v;

	memset(out, 0, sizeof(*out));
	for (; p < end; p = eol + 1) {
		const char *k = p, *val;
		size_t klen;

		if (!(eol = memchr(p, '\n', (size_t)(end - p))))
			goto full;
		if (in_consumers) {
			if (eol - p < 4 || memcmp(p, "- ", 2) ||
			    !scan_consumer(out, p + 2, eol))
				goto full;
			continue;
		}
		while (p < eol && *p != ':')
			p++;
		if (p == eol || k == p || *k == ' ' || *k == '-')
			goto full;
		klen = (size_t)(p - k);
		if (klen == 9 && !memcmp(k, "consumers", 9)) {
			if (p + 1 == eol) {
				in_consumers = 1;
				continue;
			}
			if (eol - p != 4 || memcmp(p, ": []", 4))
				goto full;
			continue;
		}
		if (p + 1 >= eol || p[1] != ' ')
			goto full;
		p += 2;
		/* flow mappings of the top level: not needed for a summary */
		if (*p == '{') {
			if (eol[-1] != '}')
				goto full;
			continue;
		}
		if (!(val = scan_scalar(out, &p, eol, "\n")))
			goto full;
#define IS(name) (klen == sizeof(name) - 1 && !memcmp(k, name, klen))
		if (IS("migration")) {
			if (!honk_name_valid(val, strlen(val)))
				goto full;
			out->id = val;
		} else if (IS("phase")) {
			if ((v = scan_enum(val, honk_phase_names)) < 0)
				goto full;
			out->phase = (enum honk_phase)v;
			have_phase = 1;
		} else if (IS("verdict")) {
			out->verdict = !strcmp(val, "breaking") ? "breaking"
				       : !strcmp(val, "compatible")
					       ? "compatible"
					       : NULL;
			if (!out->verdict)
				goto full;
		} else if (IS("wave")) {
			if (!scan_int(val, &out->wave))
				goto full;
		} else if (IS("waves")) {
			if (!scan_int(val, &out->waves))
				goto full;
		} else if (IS("failures")) {
			if (!scan_int(val, &out->failures))
				goto full;
		} else if (IS("gate")) {
			if (strcmp(val, "manual"))
				goto full;
			out->gate_manual = 1;
		} else if (IS("started_at")) {
			if (honk_time_parse(&out->started_at, val) < 0)
				goto full;
		} else if (IS("approved_at")) {
			if (honk_time_parse(&out->approved_at, val) < 0)
				goto full;
		} else if (IS("reason")) {
			out->reason = val;
		} else if (IS("approved") || IS("approved_by") ||
			   IS("finished_at") || IS("not_before") ||
			   IS("health_next") || IS("by") || IS("full")) {
			/* not part of a summary */
		} else {
			goto full;
		}
#undef IS
	}
	if (!out->id || !have_phase)
		goto full;
	return 1;
full:
	honk_mstate_release(out);
	return 0;
}
