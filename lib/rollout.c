/*
 * The reconciler: read the state, do the next thing, commit, repeat.
 *
 * Invariants:
 *  - Write-ahead: a step is recorded as running (with its attempt) in a
 *    commit on honk/state before it is started, so a runner killed at
 *    any instant leaves state that says what may have run. A consumer
 *    found running with nobody running it is run again as the same
 *    attempt, with the same HONK_STEP_ID (a hash of the migration, the
 *    consumer, the step and the pinned commit): a step runs at least
 *    once, at most attempts + 1 times.
 *  - Group commit: what finishes close together (group_ms) shares one
 *    commit, and one commit can record the next steps as running, so a
 *    wave of thousands of consumers is not thousands of serial commits.
 *  - Every commit is a compare-and-swap on honk/state. When it fails
 *    (a verb, another migration's runner, honk-detect wrote meanwhile),
 *    the state is read again and what this runner knows (results of its
 *    steps, the steps it has in flight) is applied again on top; the
 *    decisions are made afresh. With a remote the same happens when a
 *    push is refused: fetch, follow, apply again, push; never force.
 *  - One runner per migration: a lease in the state, taken and renewed
 *    by those commits. A lease held by a process that is gone on this
 *    host is taken over at once; one from another host is honoured
 *    until it expires. A runner that finds its lease taken stops
 *    starting steps for that migration.
 *  - What runs comes from the pinned commit: the main commit the rollout
 *    started at; its plan, catalog and commands, whatever main does
 *    later.
 */
#define _GNU_SOURCE /* O_TMPFILE */
#include "rollout.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "batch.h"
#include "catalog.h"
#include "clock.h"
#include "crepo.h"
#include "error.h"
#include "exec.h"
#include "health.h"
#include "json.h"
#include "names.h"
#include "plan.h"
#include "sha1.h"
#include "state.h"
#include "yaml.h"
#include "banned.h"

#define STATE_REF  "refs/heads/honk/state"
#define PUSH_TRIES 5
#define LEASE_MS   (10 * 60 * 1000)
#define TAIL_LINES 20
#define LOG_MAX	   ((size_t)1 << 20)

/* ---- small things -------------------------------------------------------- */

static int64_t real_now(void *payload)
{
	struct timespec ts;

	(void)payload;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int oom(void)
{
	return honk_error_set(HONK_ERROR, "out of memory");
}

/* The start time of a process (clock ticks since boot), 0 if unknown. */
static unsigned long long proc_start(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long v = 0;
	ssize_t n;
	int fd, field;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* after the command's closing parenthesis, field 3 on */
	if (!(p = strrchr(buf, ')')))
		return 0;
	p++;
	for (field = 2; *p && field < 22; p++)
		if (*p == ' ')
			field++;
	while (*p >= '0' && *p <= '9')
		v = v * 10 + (unsigned long long)(*p++ - '0');
	return v;
}

/* "host/pid/start": who holds a lease. */
static void holder_of(char *out, size_t n)
{
	char host[256];

	if (gethostname(host, sizeof(host)) < 0)
		snprintf(host, sizeof(host), "unknown");
	host[sizeof(host) - 1] = '\0';
	snprintf(out, n, "%s/%ld/%llu", host, (long)getpid(),
		 proc_start(getpid()));
}

/* A lease holder on this host whose process is gone. */
static int holder_dead(const char *holder)
{
	char host[256], me[256];
	long pid;
	unsigned long long start;

	if (sscanf(holder, "%255[^/]/%ld/%llu", host, &pid, &start) != 3)
		return 0;
	if (gethostname(me, sizeof(me)) < 0)
		return 0;
	me[sizeof(me) - 1] = '\0';
	if (strcmp(host, me))
		return 0;
	if (kill((pid_t)pid, 0) < 0 && errno == ESRCH)
		return 1;
	/* the pid lives on in another process */
	return proc_start((pid_t)pid) != start;
}

/* HONK_STEP_ID: the same for a step however often it is run. */
static void step_id(char out[17], const char *id, const char *consumer,
		    const char *step, const char *pinned)
{
	static const char digits[] = "0123456789abcdef";
	struct honk_sha1 s;
	unsigned char sum[20];
	int i;

	honk_sha1_init(&s);
	honk_sha1_update(&s, "honk step\n", 10);
	honk_sha1_update(&s, id, strlen(id) + 1);
	honk_sha1_update(&s, consumer, strlen(consumer) + 1);
	honk_sha1_update(&s, step, strlen(step) + 1);
	honk_sha1_update(&s, pinned, strlen(pinned) + 1);
	honk_sha1_final(&s, sum);
	for (i = 0; i < 8; i++) {
		out[2 * i] = digits[sum[i] >> 4];
		out[2 * i + 1] = digits[sum[i] & 15];
	}
	out[16] = '\0';
}

/* The last lines of an output tail, for the state file. */
static void last_lines(struct honk_buf *out, const struct honk_buf *tail)
{
	size_t end = tail->len, start, lines = 0;

	if (end && tail->buf[end - 1] == '\n')
		end--;
	start = end;
	while (start > 0) {
		if (tail->buf[start - 1] == '\n' && ++lines == TAIL_LINES)
			break;
		start--;
	}
	if (end - start > 4096)
		start = end - 4096;
	honk_buf_reset(out);
	honk_buf_add(out, tail->buf + start, end - start);
}

/* ---- a migration ------------------------------------------------------------
 */

enum job_kind { JOB_STEP, JOB_ROLLBACK, JOB_HEALTH, JOB_NOTIFY };

struct mig;

struct job {
	struct mig *m;
	enum job_kind kind;
	size_t ci; /* consumer index into m->plan (steps) */
	int64_t attempt, wave;
	char step_id[17];
	char event[24];			  /* notify: what happened */
	char consumer[HONK_NAME_MAX + 1]; /* notify: the consumer, if one */
	struct honk_buf reason;		  /* notify: why */
	/* the outcome */
	int done, ok, started;
	enum honk_step failed_step;
	struct honk_buf status, tail, log;
	int health; /* JOB_HEALTH: enum honk_health_outcome */
	int gate;   /* JOB_HEALTH: the check that closes a wave */
	pthread_t th;
	struct job *next;
};

/* A consumer the plan moves, with what runs for it. */
struct pcons {
	const struct honk_consumer *co;
	int64_t wave;
	struct honk_rollout_cfg cfg; /* merged: honk.yaml, plan, consumer */
};

/* A result not yet committed. */
struct fact {
	enum job_kind kind;
	size_t ci;
	char consumer[HONK_NAME_MAX + 1];
	int64_t attempt, wave;
	int ok;
	enum honk_step failed_step;
	char *status, *tail, *log;
	size_t loglen;
	int health, gate;
	char *health_detail;
	int64_t at;
	struct fact *next;
};

struct event {
	char *consumer; /* NULL: the migration */
	char *what;
	char *detail;
};

struct mig {
	char *id;
	int wanted;   /* named on the command line */
	int broken;   /* its plan or catalog cannot be used: left alone */
	int finished; /* its state is terminal: only counted */
	int acted;    /* this run committed something of it */
	int busy;     /* another runner's */
	int lost;     /* the lease went to another runner meanwhile */
	int have_pin; /* pinned, catalog and plan loaded */
	git_oid pinned;
	char pinned_hex[GIT_OID_HEXSZ + 1];
	struct honk_catalog cat; /* at the pinned commit */
	struct honk_planfile pf;
	const struct honk_dataset *ds;
	struct honk_rollout_cfg cfg; /* migration-wide: honk.yaml + plan */
	struct pcons *plan;	     /* steps, in rollout order */
	size_t nplan;
	int64_t nwaves;
	char *checkout;		 /* the pinned tree, where commands run */
	struct honk_cleanup *gone; /* its removal, should the run die */
	struct honk_mstate base; /* state/<id>.yaml at r->tip */
	int have_base;
	int approved;	       /* its plan is on main */
	struct honk_mstate st; /* where things stand, as this runner sees it */
	size_t *eidx; /* plan index -> index into st.consumers, or SIZE_MAX */
	char *merged; /* per plan index: its code branch is merged */
	int have_state;
	int dirty;
	int inflight; /* step jobs */
	int health_inflight;
	struct fact *facts;
	struct event *ev;
	size_t nev, cev;
	struct job *launch;		/* decided; queued once committed */
	struct job *ready, *ready_tail; /* recorded running, waiting for a slot
					 */
	size_t nready;
	struct flight {
		size_t ci;
		int64_t attempt, started;
		enum honk_step step;
		char step_id[17];
	} * fl; /* steps in flight */
	size_t nfl, cfl;
	int notify_pending;
	char notify_event[24];
	char *notify_reason;
	char notify_consumer[HONK_NAME_MAX + 1];
};

struct runner {
	struct honk_repo *repo;
	const struct honk_rollout_opts *o;
	honk_rollout_cb cb;
	void *payload;
	struct honk_rollout_result *res;
	const struct honk_clock *clock;
	struct honk_clock real;
	char holder[512];
	char *remote;
	git_oid main;
	git_oid tip; /* honk/state as last read */
	int have_tip;
	struct mig *migs;
	size_t nmigs;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct job *done; /* finished jobs, not yet collected */
	size_t running;	  /* jobs started, not collected */
	int crash_at;	  /* testing: SIGKILL after this many commits */
};

static int64_t now_of(const struct runner *r)
{
	return r->clock->now_ms(r->clock->payload);
}

static void say(struct runner *r, const char *event, const char *mig,
		const char *consumer, const char *fmt, ...) HONK_PRINTF(5, 6);

static void say(struct runner *r, const char *event, const char *mig,
		const char *consumer, const char *fmt, ...)
{
	struct honk_buf b = HONK_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	honk_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	if (r->cb)
		r->cb(event, mig, consumer, b.buf, r->payload);
	honk_buf_release(&b);
}

/* Record an event for the next commit's message (and tell the caller). */
static void note(struct runner *r, struct mig *m, const char *consumer,
		 const char *what, const char *fmt, ...) HONK_PRINTF(5, 6);

static void note(struct runner *r, struct mig *m, const char *consumer,
		 const char *what, const char *fmt, ...)
{
	struct honk_buf b = HONK_BUF_INIT;
	struct event *e;
	va_list ap;

	va_start(ap, fmt);
	honk_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	(void)r;
	if (honk_array_reserve(&m->ev, m->nev, &m->cev, sizeof(*m->ev)) == 0) {
		e = &m->ev[m->nev++];
		e->consumer = consumer ? strdup(consumer) : NULL;
		e->what = strdup(what);
		e->detail = honk_buf_detach(&b, NULL);
	}
	honk_buf_release(&b);
}

static void drop_events(struct mig *m)
{
	size_t i;

	for (i = 0; i < m->nev; i++) {
		free(m->ev[i].consumer);
		free(m->ev[i].what);
		free(m->ev[i].detail);
	}
	m->nev = 0;
}

/* Overlay the keys set in src onto dst. */
static void overlay(struct honk_rollout_cfg *dst,
		    const struct honk_rollout_cfg *src)
{
	unsigned s = src->set;

	if (s & HONK_RO_WAVES) {
		dst->waves = src->waves;
		dst->nwaves = src->nwaves;
	}
	if (s & HONK_RO_MAX_PARALLEL)
		dst->max_parallel = src->max_parallel;
	if (s & HONK_RO_MAX_FAILURES)
		dst->max_failures = src->max_failures;
	if (s & HONK_RO_RETRIES)
		dst->retries = src->retries;
	if (s & HONK_RO_BACKOFF)
		dst->backoff_ms = src->backoff_ms;
	if (s & HONK_RO_STEP_TIMEOUT)
		dst->step_timeout_ms = src->step_timeout_ms;
	if (s & HONK_RO_WAVE_GAP) {
		dst->wave_gap_ms = src->wave_gap_ms;
		dst->wave_gap_manual = src->wave_gap_manual;
	}
	if (s & HONK_RO_ON_FAILURE)
		dst->on_failure = src->on_failure;
	if (s & HONK_RO_APPLY)
		dst->apply = src->apply;
	if (s & HONK_RO_VERIFY)
		dst->verify = src->verify;
	if (s & HONK_RO_ROLLBACK)
		dst->rollback = src->rollback;
	if (s & HONK_RO_HEALTH)
		dst->health = src->health;
	if (s & HONK_RO_NOTIFY)
		dst->notify = src->notify;
	dst->set |= s;
}

static int plan_order(const void *pa, const void *pb)
{
	const struct pcons *a = pa, *b = pb;

	if (a->wave != b->wave)
		return a->wave < b->wave ? -1 : 1;
	if (a->co->criticality != b->co->criticality)
		return a->co->criticality < b->co->criticality ? -1 : 1;
	return strcmp(a->co->name, b->co->name);
}

static int snap_at(struct honk_snapshot **out, struct honk_repo *r,
		   const git_oid *commit)
{
	struct honk_source src = HONK_SOURCE_INIT;
	char hex[GIT_OID_HEXSZ + 1];

	git_oid_tostr(hex, sizeof(hex), commit);
	src.rev = hex;
	return honk_snapshot_open(out, r, &src);
}

/* The commit that brought path onto main (first parents), and its author. */
static int approver(struct runner *r, const char *path, git_oid *out,
		    git_signature **who)
{
	git_commit *c = NULL, *next = NULL;
	git_oid at;
	size_t steps;
	int err = 0;

	git_oid_cpy(&at, &r->main);
	git_oid_cpy(out, &at);
	if (git_commit_lookup(&c, r->repo->git, &at) < 0)
		return honk_error_git(HONK_ERROR, "cannot read main");
	for (steps = 0; steps < 100000; steps++) {
		git_tree *tree = NULL;
		git_tree_entry *e = NULL;
		int has;

		if (git_commit_parentcount(c) == 0)
			break;
		if (git_commit_parent(&next, c, 0) < 0) {
			err = honk_error_git(HONK_ERROR, "cannot read main");
			break;
		}
		has = git_commit_tree(&tree, next) == 0 &&
		      git_tree_entry_bypath(&e, tree, path) == 0;
		git_tree_entry_free(e);
		git_tree_free(tree);
		if (!has)
			break;
		git_commit_free(c);
		c = next;
		next = NULL;
	}
	git_commit_free(next);
	if (!err) {
		git_oid_cpy(out, git_commit_id(c));
		err = git_signature_dup(who, git_commit_author(c)) < 0
			      ? honk_error_git(HONK_ERROR,
					       "cannot read a commit")
			      : 0;
	}
	git_commit_free(c);
	return err;
}

/*
 * Load what the pinned commit says: catalog, plan, the merged settings,
 * the consumers in rollout order; and a checkout of it to run commands
 * in.
 */
static int load_pinned(struct runner *r, struct mig *m)
{
	struct honk_snapshot *snap = NULL;
	struct honk_diags d = HONK_DIAGS_INIT;
	struct honk_buf path = HONK_BUF_INIT, text = HONK_BUF_INIT;
	const char *tmp = getenv("TMPDIR");
	char dir[4096];
	size_t i, k;
	int err;

	if (m->have_pin)
		return 0;
	git_oid_fromstr(&m->pinned, m->st.approved);
	git_oid_tostr(m->pinned_hex, sizeof(m->pinned_hex), &m->pinned);
	if ((err = snap_at(&snap, r->repo, &m->pinned)) < 0) {
		if (err == HONK_ENOTFOUND)
			honk_error_set(
				err,
				"honk/state:state/%s.yaml: the approved commit %s is not in this repository",
				m->id, m->pinned_hex);
		goto cleanup;
	}
	if ((err = honk_catalog_load(&m->cat, r->repo, snap, &d)) < 0) {
		if (err == HONK_EINVALID)
			honk_error_set(
				err,
				"%s: the catalog at the pinned commit %.12s is invalid (honk-status lint --rev %.12s)",
				m->id, m->pinned_hex, m->pinned_hex);
		goto cleanup;
	}
	if ((err = honk_path_migration(&path, m->id)) < 0 ||
	    (err = honk_snapshot_read(&text, snap, path.buf)) < 0 ||
	    (err = honk_planfile_parse(&m->pf, path.buf, text.buf, text.len,
				       &d)) < 0) {
		if (err == HONK_EINVALID && d.n)
			honk_error_set(err, "%s:%u:%u: %s", d.v[0].path,
				       d.v[0].line, d.v[0].col, d.v[0].msg);
		goto cleanup;
	}
	m->ds = honk_catalog_dataset(&m->cat, m->pf.dataset);
	m->cfg = m->cat.settings.rollout;
	overlay(&m->cfg, &m->pf.rollout);
	m->plan = calloc(m->pf.nconsumers + 1, sizeof(*m->plan));
	if (!m->plan) {
		err = oom();
		goto cleanup;
	}
	for (i = 0; i < m->pf.nconsumers; i++) {
		const struct honk_planfile_consumer *pc = &m->pf.consumers[i];
		const struct honk_consumer *co;
		struct pcons *p;

		if ((pc->impact != HONK_IMPACT_BREAKING &&
		     pc->impact != HONK_IMPACT_RELOCATE) ||
		    honk_planfile_excluded(&m->pf, pc->consumer))
			continue;
		if (!(co = honk_catalog_consumer(&m->cat, pc->consumer)))
			continue;
		p = &m->plan[m->nplan++];
		p->co = co;
		p->wave = pc->wave > 0 ? pc->wave : 1;
		p->cfg = m->cfg;
		overlay(&p->cfg, &co->rollout);
		if (p->wave > m->nwaves)
			m->nwaves = p->wave;
	}
	if (m->pf.rollout.set & HONK_RO_WAVES) {
		/* the plan's own wave sizes: waves computed again from them,
		 * a consumer's pinned wave first, then criticality, name */
		int64_t *waves = calloc(m->nplan + 1, sizeof(*waves));
		int64_t *pins = calloc(m->nplan + 1, sizeof(*pins));

		if (!waves || !pins) {
			free(waves);
			free(pins);
			err = oom();
			goto cleanup;
		}
		for (i = 0; i < m->nplan; i++)
			m->plan[i].wave = m->plan[i].co->wave
						  ? m->plan[i].co->wave
						  : INT32_MAX;
		qsort(m->plan, m->nplan, sizeof(*m->plan), plan_order);
		for (i = 0; i < m->nplan; i++)
			pins[i] = m->plan[i].co->wave;
		honk_waves_assign(waves, pins, m->nplan, m->cfg.waves,
				  m->cfg.nwaves);
		for (i = 0; i < m->nplan; i++)
			m->plan[i].wave = waves[i];
		free(waves);
		free(pins);
	}
	qsort(m->plan, m->nplan, sizeof(*m->plan), plan_order);
	/* waves numbered 1..n without holes */
	for (i = 0, k = 0; i < m->nplan; i++) {
		if (i == 0 || m->plan[i].wave != m->plan[i - 1].wave)
			k++;
		m->plan[i].wave = (int64_t)k;
	}
	m->nwaves = (int64_t)k;
	snprintf(dir, sizeof(dir), "%s/honk-rollout.XXXXXX",
		 tmp && *tmp == '/' ? tmp : "/tmp");
	/* the migrations' array moves as it grows: the entry does not */
	if (!m->gone && !(m->gone = calloc(1, sizeof(*m->gone)))) {
		err = oom();
		goto cleanup;
	}
	if (!mkdtemp(dir)) {
		err = honk_error_errno(
			HONK_ERROR,
			"cannot make a directory for %s's commands at '%s'",
			m->id, dir);
		goto cleanup;
	}
	honk_cleanup_arm(m->gone, dir, 1);
	if ((err = honk_repo_export(r->repo, &m->pinned, dir)) < 0 ||
	    !(m->checkout = strdup(dir))) {
		honk_cleanup_disarm(m->gone);
		honk_remove_tree(dir);
		if (err == 0)
			err = oom();
		goto cleanup;
	}
	honk_cleanup_disarm(m->gone);
	honk_cleanup_arm(m->gone, m->checkout, 1);
	m->have_pin = 1;
cleanup:
	honk_snapshot_free(snap);
	honk_diags_release(&d);
	honk_buf_release(&path);
	honk_buf_release(&text);
	return err;
}

static struct pcons *pcons_of(struct mig *m, const char *name, size_t *at)
{
	size_t i;

	for (i = 0; i < m->nplan; i++)
		if (!strcmp(m->plan[i].co->name, name)) {
			if (at)
				*at = i;
			return &m->plan[i];
		}
	return NULL;
}

/* The state entry of plan[ci], or NULL. */
static struct honk_cstate_entry *ent(struct mig *m, size_t ci)
{
	return m->eidx && m->eidx[ci] != (size_t)-1
		       ? &m->st.consumers[m->eidx[ci]]
		       : NULL;
}

static size_t name_hash(const char *s)
{
	size_t h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h;
}

/* Index st's entries by plan position: one pass, not a search per use. */
static int index_state(struct mig *m)
{
	size_t cap = 16, i, *slots;

	while (cap < 2 * (m->st.n + 1))
		cap *= 2;
	free(m->eidx);
	m->eidx = malloc((m->nplan + 1) * sizeof(*m->eidx));
	slots = malloc(cap * sizeof(*slots));
	if (!m->eidx || !slots) {
		free(slots);
		return oom();
	}
	for (i = 0; i < cap; i++)
		slots[i] = (size_t)-1;
	for (i = 0; i < m->st.n; i++) {
		size_t h = name_hash(m->st.consumers[i].consumer) & (cap - 1);

		while (slots[h] != (size_t)-1)
			h = (h + 1) & (cap - 1);
		slots[h] = i;
	}
	for (i = 0; i < m->nplan; i++) {
		const char *name = m->plan[i].co->name;
		size_t h = name_hash(name) & (cap - 1);

		m->eidx[i] = (size_t)-1;
		for (; slots[h] != (size_t)-1; h = (h + 1) & (cap - 1))
			if (!strcmp(m->st.consumers[slots[h]].consumer, name)) {
				m->eidx[i] = slots[h];
				break;
			}
	}
	free(slots);
	return 0;
}

/* A new state for an approved migration: every consumer, waves, pending. */
static int start_state(struct runner *r, struct mig *m)
{
	struct honk_buf path = HONK_BUF_INIT, who = HONK_BUF_INIT;
	git_signature *sig = NULL;
	git_oid intro;
	char hex[GIT_OID_HEXSZ + 1];
	size_t i;
	int err;

	if ((err = honk_path_migration(&path, m->id)) < 0 ||
	    (err = approver(r, path.buf, &intro, &sig)) < 0)
		goto cleanup;
	memset(&m->st, 0, sizeof(m->st));
	git_oid_tostr(hex, sizeof(hex), &r->main);
	honk_buf_addf(&who, "%s <%s>", sig->name, sig->email);
	m->st.id = honk_mstate_str(&m->st, m->id);
	m->st.phase = HONK_PHASE_ROLLING_OUT;
	m->st.approved = honk_mstate_str(&m->st, hex);
	m->st.approved_by = honk_mstate_str(&m->st, who.buf);
	m->st.approved_at = (int64_t)sig->when.time * 1000;
	m->st.started_at = now_of(r);
	m->have_state = 1;
	if ((err = load_pinned(r, m)) < 0)
		goto cleanup;
	m->st.wave = m->nplan ? 1 : 0;
	m->st.waves = m->nwaves;
	m->st.verdict = m->pf.breaking ? "breaking" : "compatible";
	for (i = 0; i < m->nplan; i++) {
		struct honk_cstate_entry *e =
			honk_mstate_add(&m->st, m->plan[i].co->name);

		if (!e) {
			err = oom();
			goto cleanup;
		}
		e->wave = m->plan[i].wave;
		e->state = HONK_CS_PENDING;
	}
	/* the rest are listed so their owners know */
	for (i = 0; i < m->pf.nconsumers; i++) {
		const struct honk_planfile_consumer *pc = &m->pf.consumers[i];
		const struct honk_plan_exclusion *ex =
			honk_planfile_excluded(&m->pf, pc->consumer);
		struct honk_cstate_entry *e;
		struct honk_buf why = HONK_BUF_INIT;

		if (pcons_of(m, pc->consumer, NULL))
			continue;
		if (!(e = honk_mstate_add(&m->st, pc->consumer))) {
			err = oom();
			goto cleanup;
		}
		e->state = HONK_CS_SKIPPED;
		if (ex)
			honk_buf_addf(&why, "excluded%s%s",
				      ex->reason ? ": " : "",
				      ex->reason ? ex->reason : "");
		else if (pc->impact == HONK_IMPACT_TRANSITIVE)
			honk_buf_addf(&why, "transitive via %s: no step",
				      pc->via ? pc->via : "a produced dataset");
		else if (!honk_catalog_consumer(&m->cat, pc->consumer))
			honk_buf_addstr(
				&why,
				"not in the catalog at the pinned commit");
		else
			honk_buf_addstr(&why, "no step");
		e->reason = honk_mstate_str(&m->st, why.buf);
		honk_buf_release(&why);
	}
	m->dirty = 1;
	note(r, m, NULL, "started",
	     "approved in %.12s by %s; main pinned at %.12s; %zu consumer%s in %lld wave%s",
	     git_oid_tostr_s(&intro), m->st.approved_by, hex, m->nplan,
	     m->nplan == 1 ? "" : "s", (long long)m->nwaves,
	     m->nwaves == 1 ? "" : "s");
cleanup:
	git_signature_free(sig);
	honk_buf_release(&path);
	honk_buf_release(&who);
	return err;
}

/* ---- jobs: commands run on threads of their own ------------------------- */

struct jobctx {
	struct runner *r;
	struct job *j;
};

/* The environment of a command of m, for consumer p (may be NULL). */
static int build_env(struct honk_buf env[11], const char *vals[11], size_t *n,
		     const struct mig *m, const struct pcons *p,
		     const struct job *j, const char *phase, const char *step)
{
	char from[24], to[24], wave[24], attempt[24];
	int err = 0;

	*n = 0;
	snprintf(from, sizeof(from), "%lld", (long long)m->pf.from);
	snprintf(to, sizeof(to), "%lld", (long long)m->pf.to);
	snprintf(wave, sizeof(wave), "%lld", (long long)j->wave);
	snprintf(attempt, sizeof(attempt), "%lld", (long long)j->attempt);
#define ENV(name, v)                                                        \
	do {                                                                \
		if (!err && (err = honk_env_entry(&env[*n], name, v)) == 0) \
			vals[*n] = env[*n].buf, (*n)++;                     \
	} while (0)
	ENV("HONK_MIGRATION", m->id);
	ENV("HONK_DATASET", m->pf.dataset);
	ENV("HONK_FROM", from);
	ENV("HONK_TO", to);
	ENV("HONK_PHASE", phase);
	if (j->wave)
		ENV("HONK_WAVE", wave);
	if (p) {
		ENV("HONK_CONSUMER", p->co->name);
		ENV("HONK_ATTEMPT", attempt);
		ENV("HONK_STEP_ID", step);
	}
#undef ENV
	/* a path honk made itself; a free text a person wrote, as data */
	if (!err) {
		honk_buf_reset(&env[*n]);
		honk_buf_addf(&env[*n], "HONK_CATALOG=%s", m->checkout);
		vals[*n] = env[*n].buf;
		(*n)++;
	}
	if (!err && j->kind == JOB_NOTIFY) {
		honk_buf_reset(&env[*n]);
		honk_buf_addf(&env[*n], "HONK_EVENT=%s", j->event);
		vals[*n] = env[*n].buf;
		(*n)++;
		if (*j->consumer &&
		    (err = honk_env_entry(&env[*n], "HONK_CONSUMER",
					  j->consumer)) == 0) {
			vals[*n] = env[*n].buf;
			(*n)++;
		}
	}
	return err;
}

/* Run one command; the outcome into j (status, tail, log). */
static int run_cmd(struct runner *r, struct job *j, const struct pcons *p,
		   const struct honk_argv *argv, const char *phase,
		   const char *sid, int64_t timeout)
{
	struct honk_exec_opts eo = HONK_EXEC_OPTS_INIT;
	struct honk_exec_result er;
	struct honk_buf env[12];
	const char *vals[12];
	char logpath[4096];
	const char *tmp = getenv("TMPDIR");
	size_t n = 0, i;
	int fd, err, ok = 0;

	(void)r;
	memset(&er, 0, sizeof(er));
	for (i = 0; i < 12; i++)
		honk_buf_init(&env[i], 0);
	/* the step's output, in a file with no name (none is left behind) */
	fd = open(tmp && *tmp == '/' ? tmp : "/tmp",
		  O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0) {
		/* a file system without O_TMPFILE: named for an instant */
		struct honk_cleanup gone = { 0 };

		snprintf(logpath, sizeof(logpath), "%s/honk-step.XXXXXX",
			 tmp && *tmp == '/' ? tmp : "/tmp");
		fd = mkstemp(logpath);
		if (fd >= 0) {
			honk_cleanup_arm(&gone, logpath, 0);
			unlink(logpath);
			honk_cleanup_disarm(&gone);
		}
	}
	if ((err = build_env(env, vals, &n, j->m, p, j, phase, sid)) < 0)
		goto cleanup;
	if (j->kind == JOB_NOTIFY && j->reason.len) {
		honk_buf_reset(&env[n]);
		honk_buf_addstr(&env[n], "HONK_REASON=");
		for (i = 0; i < j->reason.len; i++) {
			unsigned char c = (unsigned char)j->reason.buf[i];

			honk_buf_addch(&env[n], c < 0x20 ? ' ' : c);
		}
		vals[n] = env[n].buf;
		n++;
	}
	eo.argv = argv->v;
	eo.argc = argv->n;
	eo.cwd = j->m->checkout;
	eo.env = vals;
	eo.nenv = n;
	eo.timeout_ms = timeout;
	eo.log_fd = fd;
	err = honk_exec_run(&er, &eo);
	honk_buf_reset(&j->status);
	if (err == 0) {
		ok = honk_exec_succeeded(&er);
		honk_buf_addf(&j->status, "%s ", phase);
		honk_exec_describe(&j->status, &er);
		last_lines(&j->tail, &er.tail);
	} else {
		/* it could not start: a failure of the step, said as such */
		honk_buf_addf(&j->status, "%s: %s", phase, honk_error_last());
		err = 0;
	}
	if (fd >= 0 && lseek(fd, 0, SEEK_SET) == 0) {
		char buf[65536];
		ssize_t got;

		honk_buf_addf(&j->log, "$ %s (%s)\n", phase, j->status.buf);
		while (j->log.len < LOG_MAX &&
		       (got = read(fd, buf, sizeof(buf))) > 0)
			honk_buf_add(&j->log, buf,
				     (size_t)got < LOG_MAX - j->log.len
					     ? (size_t)got
					     : LOG_MAX - j->log.len);
	}
cleanup:
	if (fd >= 0)
		close(fd);
	honk_exec_result_release(&er);
	for (i = 0; i < 12; i++)
		honk_buf_release(&env[i]);
	return err < 0 ? err : ok;
}

static void *job_main(void *arg)
{
	struct jobctx *jc = arg;
	struct runner *r = jc->r;
	struct job *j = jc->j;
	struct mig *m = j->m;
	const struct pcons *p = j->kind == JOB_STEP || j->kind == JOB_ROLLBACK
					? &m->plan[j->ci]
					: NULL;
	char sid[17];
	int ok;

	free(jc);
	switch (j->kind) {
	case JOB_STEP:
		ok = run_cmd(r, j, p, &p->cfg.apply, "apply", j->step_id,
			     p->cfg.step_timeout_ms);
		j->failed_step = HONK_STEP_APPLY;
		if (ok == 1 && p->cfg.verify.n) {
			struct honk_buf first = HONK_BUF_INIT;

			honk_buf_add(&first, j->log.buf, j->log.len);
			honk_buf_reset(&j->log);
			step_id(sid, m->id, p->co->name, "verify",
				m->pinned_hex);
			ok = run_cmd(r, j, p, &p->cfg.verify, "verify", sid,
				     p->cfg.step_timeout_ms);
			j->failed_step = HONK_STEP_VERIFY;
			/* both outputs in the log */
			honk_buf_add(&first, j->log.buf, j->log.len);
			honk_buf_reset(&j->log);
			honk_buf_add(&j->log, first.buf, first.len);
			honk_buf_release(&first);
		}
		j->ok = ok == 1;
		break;
	case JOB_ROLLBACK:
		ok = run_cmd(r, j, p, &p->cfg.rollback, "rollback", j->step_id,
			     p->cfg.step_timeout_ms);
		j->failed_step = HONK_STEP_ROLLBACK;
		j->ok = ok == 1;
		break;
	case JOB_HEALTH: {
		struct honk_exec_opts eo = HONK_EXEC_OPTS_INIT;
		struct honk_buf env[12];
		const char *vals[12];
		enum honk_health_verdict v = HONK_HEALTH_ERROR;
		size_t n = 0, i;

		for (i = 0; i < 12; i++)
			honk_buf_init(&env[i], 0);
		if (build_env(env, vals, &n, m, NULL, j, "health", NULL) == 0) {
			eo.argv = m->cfg.health.command.v;
			eo.argc = m->cfg.health.command.n;
			eo.cwd = m->checkout;
			eo.env = vals;
			eo.nenv = n;
			eo.timeout_ms = m->cfg.step_timeout_ms;
			if (honk_health_run(&v, &j->status, &eo,
					    m->cfg.health.thresholds,
					    m->cfg.health.nthresholds) < 0) {
				v = HONK_HEALTH_ERROR;
				honk_buf_addstr(&j->status, honk_error_last());
			}
		} else {
			honk_buf_addstr(&j->status, honk_error_last());
		}
		for (i = 0; i < 12; i++)
			honk_buf_release(&env[i]);
		j->health = (int)v;
		j->ok = v == HONK_HEALTH_HEALTHY;
		break;
	}
	case JOB_NOTIFY:
		ok = run_cmd(r, j, NULL, &m->cfg.notify, "notify", NULL,
			     m->cfg.step_timeout_ms);
		j->ok = ok == 1;
		break;
	}
	pthread_mutex_lock(&r->mu);
	j->done = 1;
	j->next = r->done;
	r->done = j;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

static void job_free(struct job *j)
{
	if (!j)
		return;
	honk_buf_release(&j->reason);
	honk_buf_release(&j->status);
	honk_buf_release(&j->tail);
	honk_buf_release(&j->log);
	free(j);
}

static struct job *job_new(struct mig *m, enum job_kind kind)
{
	struct job *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	j->m = m;
	j->kind = kind;
	honk_buf_init(&j->reason, 0);
	honk_buf_init(&j->status, 0);
	honk_buf_init(&j->tail, 0);
	honk_buf_init(&j->log, 0);
	return j;
}

static int job_start(struct runner *r, struct job *j)
{
	struct jobctx *jc = malloc(sizeof(*jc));
	int e;

	if (!jc)
		return oom();
	jc->r = r;
	jc->j = j;
	pthread_mutex_lock(&r->mu);
	r->running++;
	pthread_mutex_unlock(&r->mu);
	if ((e = pthread_create(&j->th, NULL, job_main, jc)) != 0) {
		free(jc);
		pthread_mutex_lock(&r->mu);
		r->running--;
		pthread_mutex_unlock(&r->mu);
		errno = e;
		return honk_error_errno(HONK_ERROR, "cannot start a thread");
	}
	j->started = 1;
	if (j->kind == JOB_STEP || j->kind == JOB_ROLLBACK) {
		struct mig *m = j->m;

		if (honk_array_reserve(&m->fl, m->nfl, &m->cfl,
				       sizeof(*m->fl)) == 0) {
			struct flight *fl = &m->fl[m->nfl++];

			fl->ci = j->ci;
			fl->attempt = j->attempt;
			fl->started = now_of(r);
			fl->step = j->kind == JOB_STEP ? HONK_STEP_APPLY
						       : HONK_STEP_ROLLBACK;
			memcpy(fl->step_id, j->step_id, sizeof(fl->step_id));
		}
		m->inflight++;
	} else if (j->kind == JOB_HEALTH)
		j->m->health_inflight++;
	return 0;
}

/* ---- facts: results waiting for a commit -----------------------------------
 */

static void fact_free(struct fact *f)
{
	if (!f)
		return;
	free(f->status);
	free(f->tail);
	free(f->log);
	free(f->health_detail);
	free(f);
}

static void drop_facts(struct mig *m)
{
	while (m->facts) {
		struct fact *f = m->facts;

		m->facts = f->next;
		fact_free(f);
	}
}

static int pump(struct runner *r, struct mig *m);
static void unqueue(struct mig *m);

/* A finished job becomes a fact of its migration (notify: just said). */
static void collect(struct runner *r, struct job *j)
{
	struct mig *m = j->m;
	struct fact *f, **tail;

	pthread_join(j->th, NULL);
	pthread_mutex_lock(&r->mu);
	r->running--;
	pthread_mutex_unlock(&r->mu);
	if (j->kind == JOB_STEP || j->kind == JOB_ROLLBACK) {
		size_t i;

		m->inflight--;
		for (i = 0; i < m->nfl; i++)
			if (m->fl[i].ci == j->ci) {
				m->fl[i] = m->fl[--m->nfl];
				break;
			}
		/* a slot is free: the next step recorded running starts, but
		 * not after a failure, which may stop the migration: that
		 * waits for the commit that decides */
		if (!m->lost && j->ok)
			pump(r, m);
	} else if (j->kind == JOB_HEALTH) {
		m->health_inflight--;
	}
	if (j->kind == JOB_NOTIFY) {
		say(r, "notify", m->id, NULL, "%s: %s", j->event,
		    j->status.buf);
		job_free(j);
		return;
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		job_free(j);
		return; /* run again after a crash-like loss: at least once */
	}
	f->kind = j->kind;
	f->ci = j->ci;
	if (j->kind != JOB_HEALTH)
		snprintf(f->consumer, sizeof(f->consumer), "%s",
			 m->plan[j->ci].co->name);
	f->attempt = j->attempt;
	f->wave = j->wave;
	f->ok = j->ok;
	f->failed_step = j->failed_step;
	f->status = strdup(j->status.buf);
	f->tail = strdup(j->tail.buf);
	f->health = j->health;
	f->gate = j->gate;
	f->at = now_of(r);
	if (j->log.len) {
		f->loglen = j->log.len;
		f->log = honk_buf_detach(&j->log, NULL);
	}
	/* in the order they finished */
	for (tail = &m->facts; *tail; tail = &(*tail)->next)
		;
	*tail = f;
	job_free(j);
}

/* ---- applying what is known onto a state ------------------------------------
 */

static void set_str(struct mig *m, const char **field, const char *v)
{
	*field = honk_mstate_str(&m->st, v);
}

static void ask_notify(struct mig *m, const char *event, const char *consumer,
		       const char *reason)
{
	m->notify_pending = 1;
	snprintf(m->notify_event, sizeof(m->notify_event), "%s", event);
	free(m->notify_reason);
	m->notify_reason = reason ? strdup(reason) : NULL;
	snprintf(m->notify_consumer, sizeof(m->notify_consumer), "%s",
		 consumer ? consumer : "");
}

/* Stop on a failure, per on_failure: pause, or roll back. */
static void on_failure(struct runner *r, struct mig *m, const char *why,
		       int can_roll_back)
{
	if (can_roll_back && m->cfg.on_failure == HONK_ON_FAILURE_ROLLBACK) {
		m->st.phase = HONK_PHASE_ROLLING_BACK;
		set_str(m, &m->st.reason, why);
		note(r, m, NULL, "rolling-back", "%s", why);
		ask_notify(m, "rolling-back", NULL, why);
	} else {
		m->st.phase = HONK_PHASE_PAUSED;
		set_str(m, &m->st.reason, why);
		note(r, m, NULL, "paused", "%s", why);
		ask_notify(m, "paused", NULL, why);
	}
}

static void apply_fact(struct runner *r, struct mig *m, const struct fact *f)
{
	struct honk_cstate_entry *e;
	const struct pcons *p;
	struct honk_buf why = HONK_BUF_INIT;

	if (f->kind == JOB_HEALTH) {
		const char *v = honk_health_verdict_names[f->health];

		if (m->st.phase != HONK_PHASE_ROLLING_OUT ||
		    m->st.wave != f->wave)
			return; /* the migration moved on meanwhile */
		/* only the check after a wave closes it */
		if (f->gate)
			m->st.health.wave = f->wave;
		m->st.health.result = honk_mstate_str(&m->st, v);
		m->st.health.at = f->at;
		set_str(m, &m->st.health.detail, f->status);
		m->st.health_next = m->cfg.health.interval_ms
					    ? f->at + m->cfg.health.interval_ms
					    : 0;
		note(r, m, NULL, "health", "wave %lld: %s: %s",
		     (long long)f->wave, v, f->status);
		if (f->health == HONK_HEALTH_UNHEALTHY) {
			honk_buf_addf(&why, "wave %lld is unhealthy: %s",
				      (long long)f->wave, f->status);
			on_failure(r, m, why.buf, 1);
		} else if (f->health == HONK_HEALTH_ERROR) {
			honk_buf_addf(
				&why,
				"the health check of wave %lld was inconclusive: %s",
				(long long)f->wave, f->status);
			on_failure(r, m, why.buf, 0);
		}
		honk_buf_release(&why);
		return;
	}
	e = f->ci < m->nplan ? ent(m, f->ci) : NULL;
	p = f->ci < m->nplan ? &m->plan[f->ci] : NULL;
	if (!e || !p || e->state != HONK_CS_RUNNING ||
	    e->attempts != f->attempt)
		return; /* someone changed it meanwhile: theirs stands */
	e->finished_at = f->at;
	e->not_before = 0;
	if (f->kind == JOB_ROLLBACK) {
		if (f->ok) {
			e->state = HONK_CS_ROLLED_BACK;
			e->error = NULL;
			e->tail = NULL;
			note(r, m, e->consumer, "rolled-back", "%s", f->status);
		} else {
			e->state = HONK_CS_FAILED;
			set_str(m, &e->error, f->status);
			set_str(m, &e->tail, f->tail);
			honk_buf_addf(&why, "the rollback of %s failed: %s",
				      e->consumer, f->status);
			/* the whole rollback stops there; an undo of one
			 * consumer pauses the migration for a person */
			m->st.phase = m->st.phase == HONK_PHASE_ROLLING_BACK
					      ? HONK_PHASE_FAILED
					      : HONK_PHASE_PAUSED;
			set_str(m, &m->st.reason, why.buf);
			note(r, m, e->consumer, "failed", "%s", why.buf);
			ask_notify(m, "failed", e->consumer, why.buf);
		}
		honk_buf_release(&why);
		return;
	}
	if (f->ok) {
		e->state = HONK_CS_SUCCEEDED;
		e->error = NULL;
		e->tail = NULL;
		note(r, m, e->consumer, "succeeded", "attempt %lld: %s",
		     (long long)f->attempt, f->status);
		return;
	}
	set_str(m, &e->error, f->status);
	set_str(m, &e->tail, f->tail);
	if (f->attempt < p->cfg.retries + 1) {
		e->state = HONK_CS_PENDING;
		e->not_before = honk_not_before(f->at, p->cfg.backoff_ms,
						(unsigned)f->attempt,
						honk_backoff_seed(e->step_id));
		note(r, m, e->consumer, "retry",
		     "attempt %lld failed: %s; again in %llds",
		     (long long)f->attempt, f->status,
		     (long long)((e->not_before - f->at + 999) / 1000));
		return;
	}
	e->state = HONK_CS_FAILED;
	m->st.failures++;
	note(r, m, e->consumer, "failed", "attempt %lld: %s",
	     (long long)f->attempt, f->status);
	if (m->st.phase == HONK_PHASE_ROLLING_OUT &&
	    m->st.failures > m->cfg.max_failures) {
		honk_buf_addf(
			&why,
			"%lld consumer%s failed (max_failures %lld); last: %s: %s",
			(long long)m->st.failures,
			m->st.failures == 1 ? "" : "s",
			(long long)m->cfg.max_failures, e->consumer, f->status);
		on_failure(r, m, why.buf, 1);
	} else {
		ask_notify(m, "failed", e->consumer, f->status);
	}
	honk_buf_release(&why);
}

/*
 * The state as it now stands: base (honk/state's, or NULL), the steps in
 * flight marked running, the facts applied on top.
 */
static int rebuild(struct runner *r, struct mig *m,
		   const struct honk_mstate *base)
{
	const struct fact *f;
	size_t i;
	int err;

	drop_events(m);
	m->notify_pending = 0;
	honk_mstate_release(&m->st);
	if (base) {
		if ((err = honk_mstate_copy(&m->st, base)) < 0)
			return err;
		m->have_state = 1;
	} else {
		m->have_state = 0;
		return 0;
	}
	if (m->have_pin && (err = index_state(m)) < 0)
		return err;
	/* what this runner has in flight is running, whatever base says */
	for (i = 0; i < m->nfl; i++) {
		const struct flight *fl = &m->fl[i];
		struct honk_cstate_entry *e = ent(m, fl->ci);

		if (!e)
			continue;
		e->state = HONK_CS_RUNNING;
		e->step = fl->step;
		e->attempts = fl->attempt;
		e->started_at = fl->started;
		set_str(m, &e->step_id, fl->step_id);
	}
	{
		const struct job *q;

		for (q = m->ready; q; q = q->next) {
			struct honk_cstate_entry *e = ent(m, q->ci);

			if (!e)
				continue;
			e->state = HONK_CS_RUNNING;
			e->step = q->kind == JOB_ROLLBACK ? HONK_STEP_ROLLBACK
							  : HONK_STEP_APPLY;
			e->attempts = q->attempt;
			set_str(m, &e->step_id, q->step_id);
		}
	}
	for (f = m->facts; f; f = f->next)
		apply_fact(r, m, f);
	m->dirty = m->facts != NULL;
	return 0;
}

/* ---- consumers' code branches
 * ------------------------------------------------ */

/* Did validation.yaml at the pinned commit pass consumer's test (or has none)?
 */
static int checks_passed(struct runner *r, struct mig *m, const char *consumer,
			 struct honk_buf *why)
{
	struct honk_snapshot *snap = NULL;
	struct honk_buf path = HONK_BUF_INIT, text = HONK_BUF_INIT;
	struct honk_ydoc doc = HONK_YDOC_INIT;
	struct honk_diags d = HONK_DIAGS_INIT;
	const struct honk_ynode *list, *it;
	int ok = 1;

	honk_buf_addf(&path, "migrations/%s/validation.yaml", m->id);
	if (snap_at(&snap, r->repo, &m->pinned) == 0 &&
	    honk_snapshot_read(&text, snap, path.buf) == 0 &&
	    honk_ydoc_parse(&doc, path.buf, text.buf, text.len, NULL, &d) ==
		    0 &&
	    doc.root && doc.root->type == HONK_YMAP &&
	    (list = honk_ymap_get(doc.root, "consumers")) &&
	    list->type == HONK_YSEQ) {
		for (it = list->first; it; it = it->next) {
			const struct honk_ynode *c =
				honk_ymap_get(it, "consumer");
			const struct honk_ynode *res =
				honk_ymap_get(it, "result");

			if (it->type != HONK_YMAP || !c || !c->str ||
			    strcmp(c->str, consumer))
				continue;
			if (!res || !res->str || strcmp(res->str, "passed")) {
				ok = 0;
				honk_buf_addf(why, "its test failed in %s",
					      path.buf);
			}
		}
	}
	honk_ydoc_release(&doc);
	honk_diags_release(&d);
	honk_snapshot_free(snap);
	honk_buf_release(&path);
	honk_buf_release(&text);
	return ok;
}

/* Merge honk/<id> into the consumer's branch, by compare-and-swap. */
static int auto_merge(struct runner *r, struct mig *m, struct honk_crepo *cr,
		      const git_oid *tip, const git_oid *honk, const char *bref)
{
	git_commit *ours = NULL, *theirs = NULL;
	git_index *idx = NULL;
	git_tree *tree = NULL;
	git_signature *sig = NULL;
	git_oid tree_id, made;
	struct honk_buf msg = HONK_BUF_INIT;
	const git_commit *parents[2];
	int err = 0, ff;

	ff = git_graph_descendant_of(cr->repo.git, honk, tip);
	if (ff == 1) {
		err = honk_ref_update(&cr->repo, bref, honk, tip,
				      "honk: merge (fast-forward)");
		goto push;
	}
	if (git_commit_lookup(&ours, cr->repo.git, tip) < 0 ||
	    git_commit_lookup(&theirs, cr->repo.git, honk) < 0 ||
	    git_merge_commits(&idx, cr->repo.git, ours, theirs, NULL) < 0) {
		err = honk_error_git(HONK_ERROR, "cannot merge honk/%s", m->id);
		goto cleanup;
	}
	if (git_index_has_conflicts(idx)) {
		err = honk_error_set(
			HONK_ECONFLICT,
			"honk/%s conflicts with %s: merge it by hand", m->id,
			cr->branch);
		goto cleanup;
	}
	if (git_index_write_tree_to(&tree_id, idx, cr->repo.git) < 0 ||
	    git_tree_lookup(&tree, cr->repo.git, &tree_id) < 0 ||
	    honk_repo_signature(&sig, r->repo) < 0) {
		err = honk_error_git(HONK_ERROR, "cannot merge honk/%s", m->id);
		goto cleanup;
	}
	honk_buf_addf(&msg,
		      "honk: merge honk/%s into %s\n\n"
		      "Honk-Migration: %s\nHonk-Consumer: %s\n"
		      "Honk-Event: merged\nHonk-Actor: honk-rollout\n",
		      m->id, cr->branch, m->id, cr->co->name);
	parents[0] = ours;
	parents[1] = theirs;
	if (git_commit_create(&made, cr->repo.git, NULL, sig, sig, NULL,
			      msg.buf, tree, 2, parents) < 0) {
		err = honk_error_git(HONK_ERROR, "cannot merge honk/%s", m->id);
		goto cleanup;
	}
	err = honk_ref_update(&cr->repo, bref, &made, tip, "honk: merge");
push:
	if (err == 0)
		err = honk_crepo_push(cr, bref);
cleanup:
	git_signature_free(sig);
	git_tree_free(tree);
	git_index_free(idx);
	git_commit_free(ours);
	git_commit_free(theirs);
	honk_buf_release(&msg);
	return err;
}

static void wait_on(struct runner *r, struct mig *m,
		    struct honk_cstate_entry *e, const char *why)
{
	if (e->waiting && !strcmp(e->waiting, why))
		return;
	set_str(m, &e->waiting, why);
	m->dirty = 1;
	note(r, m, e->consumer, "waiting", "%s", why);
}

/*
 * May consumer ci's step start? Its code change, when honk-gen made one
 * (honk/<id> in its repository), must be merged into its branch first;
 * with auto_merge honk merges it, once its checks passed. 1: yes.
 */
static int code_ready(struct runner *r, struct mig *m, size_t ci,
		      struct honk_cstate_entry *e)
{
	const struct honk_consumer *co = m->plan[ci].co;
	struct honk_crepo cr;
	struct honk_buf ref = HONK_BUF_INIT, bref = HONK_BUF_INIT,
			why = HONK_BUF_INIT;
	git_oid honk, tip;
	int err, ready = 0;

	if (!co->repo || (m->merged && m->merged[ci]))
		return 1;
	if (!m->merged && !(m->merged = calloc(m->nplan + 1, 1)))
		return 0;
	if (honk_crepo_open(&cr, r->repo, co, m->id, 0) < 0) {
		wait_on(r, m, e, honk_error_last());
		return 0;
	}
	honk_ref_consumer_branch(&ref, m->id);
	honk_buf_addf(&bref, "refs/heads/%s", cr.branch);
	err = honk_ref_lookup(&honk, &cr.repo, ref.buf);
	if (err == HONK_ENOTFOUND) {
		ready = 1; /* no code change to wait for */
	} else if (err < 0 || honk_ref_lookup(&tip, &cr.repo, bref.buf) < 0) {
		wait_on(r, m, e, honk_error_last());
	} else if (git_oid_equal(&tip, &honk) ||
		   git_graph_descendant_of(cr.repo.git, &tip, &honk) == 1) {
		ready = 1;
	} else if (!co->auto_merge) {
		honk_buf_addf(&why, "honk/%s is not merged into %s in %s",
			      m->id, cr.branch, co->repo);
		wait_on(r, m, e, why.buf);
	} else if (!checks_passed(r, m, co->name, &why)) {
		honk_buf_addf(&why, ": honk/%s is not merged", m->id);
		wait_on(r, m, e, why.buf);
	} else if (auto_merge(r, m, &cr, &tip, &honk, bref.buf) < 0) {
		wait_on(r, m, e, honk_error_last());
	} else {
		note(r, m, co->name, "merged", "honk/%s into %s in %s", m->id,
		     cr.branch, co->repo);
		m->dirty = 1;
		ready = 1;
	}
	if (ready) {
		m->merged[ci] = 1;
		if (e->waiting) {
			e->waiting = NULL;
			m->dirty = 1;
		}
	}
	honk_crepo_close(&cr);
	honk_buf_release(&ref);
	honk_buf_release(&bref);
	honk_buf_release(&why);
	return ready;
}

/* ---- deciding what to do next ----------------------------------------------
 */

static int in_flight(const struct mig *m, size_t ci)
{
	size_t i;

	for (i = 0; i < m->nfl; i++)
		if (m->fl[i].ci == ci)
			return 1;
	return 0;
}

/* Queue a job to start once the commit that records it is written. */
static int plan_job(struct mig *m, struct job *j)
{
	if (!j)
		return oom();
	j->next = m->launch;
	m->launch = j;
	return 0;
}

static void drop_launch(struct mig *m)
{
	while (m->launch) {
		struct job *j = m->launch;

		m->launch = j->next;
		job_free(j);
	}
}

static int queued(const struct mig *m, size_t ci)
{
	const struct job *j;

	for (j = m->ready; j; j = j->next)
		if (j->ci == ci)
			return 1;
	return 0;
}

static int launch_planned(struct mig *m, size_t ci)
{
	const struct job *j;

	for (j = m->launch; j; j = j->next)
		if ((j->kind == JOB_STEP || j->kind == JOB_ROLLBACK) &&
		    j->ci == ci)
			return 1;
	return 0;
}

/* Start (or start again) consumer ci's step: recorded running first. */
static int dispatch(struct runner *r, struct mig *m, size_t ci,
		    enum job_kind kind, int again)
{
	const struct pcons *p = &m->plan[ci];
	struct honk_cstate_entry *e = ent(m, ci);
	struct job *j = job_new(m, kind);
	char sid[17];

	if (!j)
		return oom();
	step_id(sid, m->id, p->co->name,
		kind == JOB_ROLLBACK ? "rollback" : "apply", m->pinned_hex);
	if (!again) {
		if (kind == JOB_STEP)
			e->attempts++;
		e->state = HONK_CS_RUNNING;
		e->step = kind == JOB_ROLLBACK ? HONK_STEP_ROLLBACK
					       : HONK_STEP_APPLY;
		e->started_at = now_of(r);
		e->finished_at = 0;
		e->not_before = 0;
		e->waiting = NULL;
		set_str(m, &e->step_id, sid);
		m->dirty = 1;
		note(r, m, e->consumer,
		     kind == JOB_ROLLBACK ? "rolling-back" : "running",
		     "wave %lld, attempt %lld", (long long)e->wave,
		     (long long)e->attempts);
	}
	j->ci = ci;
	j->attempt = e->attempts;
	j->wave = e->wave;
	memcpy(j->step_id, sid, sizeof(sid));
	return plan_job(m, j);
}

static int wave_done(const struct mig *m, int64_t w)
{
	size_t i;

	for (i = 0; i < m->st.n; i++) {
		const struct honk_cstate_entry *e = &m->st.consumers[i];

		if (e->wave && e->wave <= w &&
		    (e->state == HONK_CS_PENDING ||
		     e->state == HONK_CS_RUNNING || e->state == HONK_CS_PAUSED))
			return 0;
	}
	return 1;
}

/* The earliest time something timed becomes due (0: none). */
static void due(int64_t *next, int64_t t)
{
	if (t && (!*next || t < *next))
		*next = t;
}

static int decide_rollout(struct runner *r, struct mig *m, int64_t now,
			  int64_t *next)
{
	int64_t w = m->st.wave;
	size_t i, slots;
	int err;

	if (!m->nplan || w == 0) {
		m->st.phase = HONK_PHASE_COMPLETED;
		m->st.finished_at = now;
		m->dirty = 1;
		note(r, m, NULL, "completed", "no consumer has a step");
		ask_notify(m, "completed", NULL, "no consumer has a step");
		return 0;
	}
	if (m->st.full)
		w = m->st.wave = m->st.waves;
	if (wave_done(m, w) && !m->inflight) {
		int gated = m->cfg.health.command.n && !m->st.full;

		/* failures past the limit stop the wave from closing, even
		 * when they came while the migration was paused */
		if (m->st.failures > m->cfg.max_failures) {
			struct honk_buf why = HONK_BUF_INIT;

			honk_buf_addf(
				&why,
				"%lld consumer%s failed (max_failures %lld): retry or undo them",
				(long long)m->st.failures,
				m->st.failures == 1 ? "" : "s",
				(long long)m->cfg.max_failures);
			on_failure(r, m, why.buf, 1);
			m->dirty = 1;
			honk_buf_release(&why);
			return 0;
		}

		if (gated && !(m->st.health.wave == w && m->st.health.result &&
			       !strcmp(m->st.health.result, "healthy"))) {
			struct job *j;

			if (m->health_inflight || launch_planned(m, (size_t)-1))
				return 0;
			if (!(j = job_new(m, JOB_HEALTH)))
				return oom();
			j->ci = (size_t)-1;
			j->wave = w;
			j->gate = 1;
			return plan_job(m, j);
		}
		if (w >= m->st.waves) {
			m->st.phase = HONK_PHASE_COMPLETED;
			m->st.finished_at = now;
			m->st.not_before = 0;
			m->dirty = 1;
			note(r, m, NULL, "completed",
			     "every wave done; %lld failed",
			     (long long)m->st.failures);
			ask_notify(m, "completed", NULL, "every wave done");
			return 0;
		}
		if (!m->st.not_before && !m->st.gate_manual) {
			if (m->cfg.wave_gap_manual && !m->st.full) {
				m->st.gate_manual = 1;
				note(r, m, NULL, "waiting",
				     "wave %lld done; honk-rollout promote %s starts wave %lld",
				     (long long)w, m->id, (long long)w + 1);
			} else {
				m->st.not_before = now + m->cfg.wave_gap_ms;
				if (m->cfg.wave_gap_ms)
					note(r, m, NULL, "waiting",
					     "wave %lld done; wave %lld after the gap",
					     (long long)w, (long long)w + 1);
			}
			m->dirty = 1;
		}
		if (m->st.gate_manual)
			return 0;
		if (now < m->st.not_before) {
			due(next, m->st.not_before);
			return 0;
		}
		w = ++m->st.wave;
		m->st.not_before = 0;
		m->st.health_next = m->cfg.health.interval_ms
					    ? now + m->cfg.health.interval_ms
					    : 0;
		m->dirty = 1;
		note(r, m, NULL, "wave", "wave %lld of %lld", (long long)w,
		     (long long)m->st.waves);
	}
	/* steps found running with nobody running them: again, same attempt */
	for (i = 0; i < m->nplan; i++) {
		struct honk_cstate_entry *e = ent(m, i);

		if (e && e->state == HONK_CS_RUNNING && !in_flight(m, i) &&
		    !queued(m, i) && !launch_planned(m, i)) {
			say(r, "resumed", m->id, e->consumer,
			    "found running with no runner: attempt %lld again",
			    (long long)e->attempts);
			if ((err = dispatch(r, m, i,
					    e->step == HONK_STEP_ROLLBACK
						    ? JOB_ROLLBACK
						    : JOB_STEP,
					    1)) < 0)
				return err;
		}
	}
	/* steps are recorded running a window ahead of the free slots, so a
	 * slot is filled again without waiting for a commit */
	slots = 2 * (size_t)(m->cfg.max_parallel > 0 ? m->cfg.max_parallel : 1);
	for (i = 0; i < m->nplan; i++) {
		struct honk_cstate_entry *e = ent(m, i);

		if (e && e->state == HONK_CS_RUNNING && slots)
			slots--;
	}
	for (i = 0; i < m->nplan && slots; i++) {
		struct honk_cstate_entry *e = ent(m, i);

		if (!e || e->state != HONK_CS_PENDING || e->wave > w)
			continue;
		if (e->step == HONK_STEP_ROLLBACK)
			continue; /* an undo waits for decide_undo */
		if (e->not_before > now) {
			due(next, e->not_before);
			continue;
		}
		if (!code_ready(r, m, i, e))
			continue;
		if ((err = dispatch(r, m, i, JOB_STEP, 0)) < 0)
			return err;
		slots--;
	}
	/* the periodic health check while a wave is under way */
	if (m->cfg.health.command.n && m->cfg.health.interval_ms &&
	    !m->st.full && !m->health_inflight && m->inflight) {
		if (!m->st.health_next) {
			m->st.health_next = now + m->cfg.health.interval_ms;
			m->dirty = 1;
		} else if (now >= m->st.health_next) {
			struct job *j = job_new(m, JOB_HEALTH);

			if (!j)
				return oom();
			j->ci = (size_t)-1;
			j->wave = w;
			if ((err = plan_job(m, j)) < 0)
				return err;
		}
		due(next, m->st.health_next);
	}
	return 0;
}

/*
 * Rollbacks, one at a time, last first: every consumer that moved when
 * the whole migration rolls back, else only those an undo names.
 */
static int decide_rollback(struct runner *r, struct mig *m, int64_t now)
{
	size_t i;
	int whole = m->st.phase == HONK_PHASE_ROLLING_BACK;

	/* steps under way finish first */
	if (m->inflight || m->launch || m->ready)
		return 0;
	for (i = m->nplan; i-- > 0;) {
		struct honk_cstate_entry *e = ent(m, i);

		if (!e)
			continue;
		if (e->state == HONK_CS_RUNNING &&
		    (whole || e->step == HONK_STEP_ROLLBACK)) {
			say(r, "resumed", m->id, e->consumer,
			    "found running with no runner: attempt %lld again",
			    (long long)e->attempts);
			return dispatch(r, m, i,
					e->step == HONK_STEP_ROLLBACK
						? JOB_ROLLBACK
						: JOB_STEP,
					1);
		}
		if ((whole && e->state == HONK_CS_SUCCEEDED) ||
		    (e->state == HONK_CS_PENDING &&
		     e->step == HONK_STEP_ROLLBACK)) {
			if (!m->plan[i].cfg.rollback.n) {
				e->state = HONK_CS_FAILED;
				set_str(m, &e->error, "no rollback command");
				m->st.phase = HONK_PHASE_FAILED;
				set_str(m, &m->st.reason,
					"cannot roll back: no rollback command in honk.yaml");
				m->dirty = 1;
				note(r, m, e->consumer, "failed",
				     "no rollback command");
				ask_notify(m, "failed", e->consumer,
					   "no rollback command");
				return 0;
			}
			return dispatch(r, m, i, JOB_ROLLBACK, 0);
		}
	}
	if (whole) {
		m->st.phase = HONK_PHASE_ROLLED_BACK;
		m->st.finished_at = now;
		m->dirty = 1;
		note(r, m, NULL, "rolled-back",
		     "every consumer that moved is back");
		ask_notify(m, "rolled-back", NULL, m->st.reason);
	}
	return 0;
}

/* Take or renew the lease; 0 when this runner may act on m. */
static int lease(struct runner *r, struct mig *m, int64_t now)
{
	const char *h = m->st.lease.holder;

	if (h && strcmp(h, r->holder) && m->st.lease.until > now &&
	    !holder_dead(h)) {
		if (!m->busy)
			say(r, "busy", m->id, NULL,
			    "another runner holds the lease (%s) until it expires",
			    h);
		if (m->nfl)
			m->lost = 1;
		m->busy = 1;
		return HONK_EBUSY;
	}
	if (h && strcmp(h, r->holder))
		note(r, m, NULL, "lease", "taken over from %s, %s", h,
		     m->st.lease.until <= now ? "expired" : "gone");
	if (!h || strcmp(h, r->holder) ||
	    m->st.lease.until - now < LEASE_MS / 2) {
		set_str(m, &m->st.lease.holder, r->holder);
		m->st.lease.until = now + LEASE_MS;
		m->dirty = 1;
	}
	m->busy = 0;
	return 0;
}

/* A migration that is done holds no lease and waits for nothing. */
static void finish(struct mig *m)
{
	if (!honk_phase_terminal(m->st.phase))
		return;
	m->st.lease.holder = NULL;
	m->st.lease.until = 0;
	m->st.health_next = 0;
	m->st.not_before = 0;
}

static int decide_phase(struct runner *r, struct mig *m, int64_t now,
			int64_t *next)
{
	int err;

	switch (m->st.phase) {
	case HONK_PHASE_APPROVED:
		m->st.phase = HONK_PHASE_ROLLING_OUT;
		m->dirty = 1;
		/* fall through */
	case HONK_PHASE_ROLLING_OUT:
		if ((err = decide_rollback(r, m, now)) < 0 || m->launch)
			return err;
		return decide_rollout(r, m, now, next);
	case HONK_PHASE_PAUSED:
	case HONK_PHASE_FAILED:
		/* only what a person asked for: an undo */
		return decide_rollback(r, m, now);
	case HONK_PHASE_ROLLING_BACK:
		return decide_rollback(r, m, now);
	default:
		return 0;
	}
}

static int decide(struct runner *r, struct mig *m, int64_t now, int64_t *next)
{
	int err;

	drop_launch(m);
	if (!m->have_state || honk_phase_terminal(m->st.phase) ||
	    lease(r, m, now) < 0) {
		/* done, or another runner's now: start nothing more for it */
		while (m->ready) {
			struct job *j = m->ready;

			m->ready = j->next;
			job_free(j);
		}
		m->ready_tail = NULL;
		m->nready = 0;
		return 0;
	}
	if ((err = load_pinned(r, m)) < 0 || (err = index_state(m)) < 0)
		return err;
	if (m->st.phase != HONK_PHASE_ROLLING_OUT &&
	    m->st.phase != HONK_PHASE_APPROVED)
		unqueue(m);
	err = decide_phase(r, m, now, next);
	finish(m);
	/* steps under way: the lease is renewed before it runs out */
	if (m->nfl && m->st.lease.holder)
		due(next, m->st.lease.until - LEASE_MS / 2);
	return err;
}

/* ---- committing ---------------------------------------------------------- */

struct msg {
	struct honk_buf subject, body, trailers;
	size_t n;
};

static void trailer_once(struct honk_buf *t, const char *key, const char *v)
{
	struct honk_buf line = HONK_BUF_INIT;

	honk_buf_addf(&line, "%s: %s\n", key, v);
	if (!strstr(t->buf, line.buf))
		honk_buf_add(t, line.buf, line.len);
	honk_buf_release(&line);
}

static void message(struct runner *r, struct honk_buf *out, const char *actor)
{
	struct honk_buf body = HONK_BUF_INIT, tr = HONK_BUF_INIT;
	const struct event *only = NULL;
	size_t i, k, n = 0, nm = 0;
	const struct mig *one = NULL;

	for (i = 0; i < r->nmigs; i++) {
		const struct mig *m = &r->migs[i];

		if (!m->dirty || m->broken)
			continue;
		nm++;
		one = m;
		trailer_once(&tr, "Honk-Migration", m->id);
		for (k = 0; k < m->nev; k++) {
			const struct event *e = &m->ev[k];

			n++;
			only = e;
			honk_buf_addf(&body, "%s%s%s: %s: %s\n", m->id,
				      e->consumer ? " " : "",
				      e->consumer ? e->consumer : "", e->what,
				      e->detail);
		}
	}
	for (i = 0; i < r->nmigs; i++)
		for (k = 0; k < r->migs[i].nev; k++)
			if (r->migs[i].dirty && !r->migs[i].broken &&
			    r->migs[i].ev[k].consumer)
				trailer_once(&tr, "Honk-Consumer",
					     r->migs[i].ev[k].consumer);
	for (i = 0; i < r->nmigs; i++)
		for (k = 0; k < r->migs[i].nev; k++)
			if (r->migs[i].dirty && !r->migs[i].broken)
				trailer_once(&tr, "Honk-Event",
					     r->migs[i].ev[k].what);
	trailer_once(&tr, "Honk-Actor", actor);
	honk_buf_reset(out);
	if (n == 1 && nm == 1)
		honk_buf_addf(out, "honk: %s%s%s %s\n\n", one->id,
			      only->consumer ? " " : "",
			      only->consumer ? only->consumer : "", only->what);
	else if (nm == 1)
		honk_buf_addf(out, "honk: %s: %zu transition%s\n\n", one->id, n,
			      n == 1 ? "" : "s");
	else
		honk_buf_addf(out,
			      "honk: %zu transitions in %zu migrations\n\n", n,
			      nm);
	if (n)
		honk_buf_add(out, body.buf, body.len);
	else
		honk_buf_addstr(out, "The lease renewed.\n");
	honk_buf_addch(out, '\n');
	honk_buf_add(out, tr.buf, tr.len);
	honk_buf_release(&body);
	honk_buf_release(&tr);
}

/* Commit every dirty state; HONK_ECONFLICT when honk/state moved. */
static int commit_all(struct runner *r)
{
	struct honk_tree_update *ups = NULL;
	struct honk_buf *texts = NULL, msg = HONK_BUF_INIT;
	struct honk_buf *paths = NULL;
	size_t i, n = 0, cap = 0, nt = 0;
	git_oid made;
	int err = 0;

	for (i = 0; i < r->nmigs; i++)
		cap += r->migs[i].dirty && !r->migs[i].broken ? 1 : 0;
	if (!cap)
		return 0;
	for (i = 0; i < r->nmigs; i++) {
		const struct fact *f;

		for (f = r->migs[i].facts; f; f = f->next)
			cap += f->log != NULL;
	}
	ups = calloc(cap, sizeof(*ups));
	texts = calloc(cap, sizeof(*texts));
	paths = calloc(cap, sizeof(*paths));
	if (!ups || !texts || !paths) {
		err = oom();
		goto cleanup;
	}
	for (i = 0; i < r->nmigs && !err; i++) {
		struct mig *m = &r->migs[i];
		const struct fact *f;

		/* a broken one's file is a person's now: never written over */
		if (!m->dirty || m->broken)
			continue;
		honk_buf_init(&texts[nt], 0);
		honk_buf_init(&paths[nt], 0);
		if ((err = honk_path_state(&paths[nt], m->id)) < 0 ||
		    (err = honk_mstate_write(&texts[nt], &m->st)) < 0)
			break;
		ups[n].path = paths[nt].buf;
		ups[n].data = texts[nt].buf;
		ups[n].len = texts[nt].len;
		n++;
		nt++;
		/* the whole output of each step, where people can read it */
		for (f = m->facts; f; f = f->next) {
			if (!f->log)
				continue;
			honk_buf_init(&paths[nt], 0);
			honk_buf_addf(&paths[nt], "logs/%s/%s/%lld-%s.log",
				      m->id, f->consumer, (long long)f->attempt,
				      f->kind == JOB_ROLLBACK ? "rollback"
							      : "apply");
			ups[n].path = paths[nt].buf;
			ups[n].data = f->log;
			ups[n].len = f->loglen;
			n++;
			nt++;
		}
	}
	if (err < 0)
		goto cleanup;
	message(r, &msg, "honk-rollout");
	err = honk_repo_commit(&made, r->repo, STATE_REF,
			       r->have_tip ? &r->tip : NULL, ups, n, msg.buf,
			       NULL);
	if (err < 0)
		goto cleanup;
	git_oid_cpy(&r->tip, &made);
	r->have_tip = 1;
	r->res->commits++;
	for (i = 0; i < r->nmigs; i++) {
		struct mig *m = &r->migs[i];

		if (!m->dirty || m->broken)
			continue;
		honk_mstate_release(&m->base);
		if ((err = honk_mstate_copy(&m->base, &m->st)) < 0)
			break;
		m->have_base = 1;
	}
	if (r->crash_at && (int)r->res->commits == r->crash_at)
		raise(SIGKILL); /* testing: a crash at this boundary */
cleanup:
	for (i = 0; i < nt; i++) {
		honk_buf_release(&texts[i]);
		honk_buf_release(&paths[i]);
	}
	free(texts);
	free(paths);
	free(ups);
	honk_buf_release(&msg);
	return err;
}

/* Start queued steps while the migration has free slots. */
static int pump(struct runner *r, struct mig *m)
{
	int64_t limit = m->cfg.max_parallel > 0 ? m->cfg.max_parallel : 1;
	int err = 0;

	while (m->ready && m->inflight < limit && !err) {
		struct job *j = m->ready;

		m->ready = j->next;
		if (!m->ready)
			m->ready_tail = NULL;
		m->nready--;
		j->next = NULL;
		if ((err = job_start(r, j)) < 0)
			job_free(j);
	}
	return err;
}

/*
 * Steps recorded running but not started, when the migration may no
 * longer start them (paused, lease lost): back to pending, as if never
 * dispatched.
 */
static void unqueue(struct mig *m)
{
	struct job *keep = NULL, **tail = &keep;

	m->ready_tail = NULL;
	m->nready = 0;
	while (m->ready) {
		struct job *j = m->ready;
		struct honk_cstate_entry *e = ent(m, j->ci);

		m->ready = j->next;
		j->next = NULL;
		if (j->kind == JOB_ROLLBACK) {
			/* a rollback goes on whatever the phase */
			*tail = j;
			tail = &j->next;
			m->ready_tail = j;
			m->nready++;
			continue;
		}
		if (e && e->state == HONK_CS_RUNNING &&
		    e->attempts == j->attempt) {
			e->state = HONK_CS_PENDING;
			if (e->attempts > 0)
				e->attempts--;
			e->started_at = 0;
			m->dirty = 1;
		}
		job_free(j);
	}
	m->ready = keep;
}

/* After a commit is written (and pushed): what it held is settled. */
static int settled(struct runner *r)
{
	size_t i;
	int err = 0;

	for (i = 0; i < r->nmigs; i++) {
		struct mig *m = &r->migs[i];

		size_t k;

		if (!m->dirty && !m->launch)
			continue;
		if (m->broken) {
			/* nothing of it was written: nothing to tell or start */
			drop_events(m);
			drop_facts(m);
			drop_launch(m);
			m->dirty = 0;
			continue;
		}
		m->acted |= m->dirty;
		/* what the commit made durable, told */
		for (k = 0; k < m->nev; k++)
			say(r, m->ev[k].what, m->id, m->ev[k].consumer, "%s",
			    m->ev[k].detail);
		drop_events(m);
		m->dirty = 0;
		drop_facts(m);
		/* the steps recorded running can start now, as slots allow;
		 * the launch list was built last first */
		{
			struct job *rev = NULL;

			while (m->launch) {
				struct job *j = m->launch;

				m->launch = j->next;
				j->next = rev;
				rev = j;
			}
			while (rev && !err) {
				struct job *j = rev;

				rev = j->next;
				j->next = NULL;
				if (j->kind == JOB_STEP ||
				    j->kind == JOB_ROLLBACK) {
					if (m->ready_tail)
						m->ready_tail->next = j;
					else
						m->ready = j;
					m->ready_tail = j;
					m->nready++;
				} else if ((err = job_start(r, j)) < 0) {
					job_free(j);
				}
			}
			while (rev) {
				struct job *j = rev;

				rev = j->next;
				job_free(j);
			}
			if (!err)
				err = pump(r, m);
		}
		if (m->notify_pending && !err) {
			m->notify_pending = 0;
			if (m->cfg.notify.n) {
				struct job *j = job_new(m, JOB_NOTIFY);

				if (!j) {
					err = oom();
					break;
				}
				snprintf(j->event, sizeof(j->event), "%s",
					 m->notify_event);
				snprintf(j->consumer, sizeof(j->consumer), "%s",
					 m->notify_consumer);
				j->wave = m->st.wave;
				honk_buf_addstr(&j->reason,
						m->notify_reason
							? m->notify_reason
							: "");
				if ((err = job_start(r, j)) < 0)
					job_free(j);
			}
		}
	}
	return err;
}

/* ---- reading honk/state
 * ------------------------------------------------------ */

static int read_tip(struct runner *r)
{
	struct honk_snapshot *snap = NULL;
	struct honk_buf path = HONK_BUF_INIT, text = HONK_BUF_INIT;
	struct honk_diags d = HONK_DIAGS_INIT;
	git_oid tip;
	size_t i;
	int err;

	err = honk_ref_lookup(&tip, r->repo, STATE_REF);
	if (err == HONK_ENOTFOUND) {
		r->have_tip = 0;
		for (i = 0; i < r->nmigs; i++) {
			honk_mstate_release(&r->migs[i].base);
			r->migs[i].have_base = 0;
		}
		return 0;
	}
	if (err < 0)
		return err;
	if (r->have_tip && git_oid_equal(&tip, &r->tip))
		return 0;
	git_oid_cpy(&r->tip, &tip);
	r->have_tip = 1;
	if ((err = snap_at(&snap, r->repo, &tip)) < 0)
		return err;
	for (i = 0; i < r->nmigs && !err; i++) {
		struct mig *m = &r->migs[i];

		honk_mstate_release(&m->base);
		m->have_base = 0;
		honk_buf_reset(&text);
		if ((err = honk_path_state(&path, m->id)) < 0)
			break;
		err = honk_snapshot_read(&text, snap, path.buf);
		if (err == HONK_ENOTFOUND) {
			err = 0;
			continue;
		}
		if (err < 0)
			break;
		err = honk_mstate_parse(&m->base, path.buf, text.buf, text.len,
					&d);
		if (err == HONK_EINVALID) {
			/*
			 * A state that cannot be read is left as it is, for a
			 * person: this migration stops here (it is never taken
			 * for not started, which would write a fresh state over
			 * the file), the others go on.
			 */
			if (d.n)
				honk_error_set(err, "honk/state:%s:%u:%u: %s",
					       d.v[0].path, d.v[0].line,
					       d.v[0].col, d.v[0].msg);
			if (!m->broken) {
				say(r, "invalid", m->id, NULL, "%s",
				    honk_error_last());
				m->broken = 1;
			}
			m->dirty = 0;
			drop_launch(m);
			drop_events(m);
			honk_diags_release(&d);
			err = 0;
		} else if (err == 0) {
			m->have_base = 1;
		}
	}
	honk_snapshot_free(snap);
	honk_buf_release(&path);
	honk_buf_release(&text);
	honk_diags_release(&d);
	return err;
}

/* ---- the run
 * ------------------------------------------------------------------ */

struct list_ctx {
	struct honk_buf *names;
	size_t n;
};

static int list_plan(const char *path, const git_oid *blob, unsigned int mode,
		     void *payload)
{
	struct list_ctx *lc = payload;
	const char *name = path + strlen("migrations/");
	size_t len = strlen(name);

	(void)blob;
	(void)mode;
	if (strchr(name, '/') || len < 6 || strcmp(name + len - 5, ".yaml") ||
	    !honk_name_valid(name, len - 5))
		return 0;
	honk_buf_add(lc->names, name, len - 5);
	honk_buf_addch(lc->names, '\n');
	lc->n++;
	return 0;
}

static int find_main(struct runner *r, struct honk_snapshot **snap)
{
	struct honk_source src = HONK_SOURCE_INIT;
	struct honk_snapshot *head = NULL;
	struct honk_catalog settings = HONK_CATALOG_INIT;
	struct honk_diags d = HONK_DIAGS_INIT;
	struct honk_buf ref = HONK_BUF_INIT;
	int err;

	err = honk_snapshot_open(&head, r->repo, &src);
	if (err == HONK_ENOTFOUND) {
		src.rev = "refs/heads/main";
		err = honk_snapshot_open(&head, r->repo, &src);
	}
	if (err < 0)
		return err;
	err = honk_catalog_load_paths(&settings, r->repo, head, NULL, 0, &d);
	honk_snapshot_free(head);
	if (err < 0) {
		if (err == HONK_EINVALID && d.n)
			honk_error_set(err, "%s:%u:%u: %s", d.v[0].path,
				       d.v[0].line, d.v[0].col, d.v[0].msg);
		goto cleanup;
	}
	if (!r->o->no_remote && (r->o->remote || settings.settings.remote)) {
		if (!(r->remote = strdup(r->o->remote
						 ? r->o->remote
						 : settings.settings.remote))) {
			err = oom();
			goto cleanup;
		}
		if ((err = honk_remote_fetch(r->repo, r->remote, NULL, 0)) < 0)
			goto cleanup;
		honk_buf_addf(&ref, "refs/remotes/%s/%s", r->remote,
			      settings.settings.main);
		if (honk_ref_lookup(&r->main, r->repo, ref.buf) == 0)
			goto found;
		honk_buf_reset(&ref);
	}
	honk_buf_addf(&ref, "refs/heads/%s", settings.settings.main);
	if ((err = honk_ref_lookup(&r->main, r->repo, ref.buf)) < 0) {
		honk_error_set(
			err, "the main branch '%s' (honk.yaml) does not exist",
			settings.settings.main);
		goto cleanup;
	}
found:
	err = snap_at(snap, r->repo, &r->main);
cleanup:
	honk_catalog_release(&settings);
	honk_diags_release(&d);
	honk_buf_release(&ref);
	return err;
}

static void mig_release(struct mig *m)
{
	drop_events(m);
	free(m->ev);
	drop_facts(m);
	drop_launch(m);
	while (m->ready) {
		struct job *j = m->ready;

		m->ready = j->next;
		job_free(j);
	}
	free(m->fl);
	free(m->eidx);
	free(m->merged);
	free(m->notify_reason);
	honk_mstate_release(&m->st);
	honk_mstate_release(&m->base);
	honk_planfile_release(&m->pf);
	honk_catalog_release(&m->cat);
	free(m->plan);
	if (m->gone)
		honk_cleanup_disarm(m->gone);
	free(m->gone);
	if (m->checkout) {
		honk_remove_tree(m->checkout);
		free(m->checkout);
	}
	free(m->id);
}

/* Select the migrations: those named, or every plan on main. */
static int select_migs(struct runner *r, struct honk_snapshot *main_snap)
{
	struct honk_buf names = HONK_BUF_INIT, path = HONK_BUF_INIT;
	struct list_ctx lc = { &names, 0 };
	size_t i, k;
	char *p, *nl;
	int err;

	if ((err = honk_snapshot_foreach(main_snap, "migrations/", list_plan,
					 &lc)) < 0)
		goto cleanup;
	r->migs = calloc((r->o->ids ? r->o->nids : lc.n) + 1, sizeof(*r->migs));
	if (!r->migs) {
		err = oom();
		goto cleanup;
	}
	if (r->o->ids) {
		for (i = 0; i < r->o->nids; i++) {
			struct mig *m = &r->migs[r->nmigs];
			unsigned int mode;
			git_oid blob;

			if ((err = honk_name_check("migration", r->o->ids[i])) <
			    0)
				goto cleanup;
			for (k = 0; k < r->nmigs; k++)
				if (!strcmp(r->migs[k].id, r->o->ids[i]))
					break;
			if (k < r->nmigs)
				continue;
			m->id = strdup(r->o->ids[i]);
			if (!m->id) {
				err = oom();
				goto cleanup;
			}
			r->nmigs++;
			m->wanted = 1;
			honk_path_migration(&path, m->id);
			m->approved = honk_snapshot_entry(&blob, &mode,
							  main_snap,
							  path.buf) == 0;
		}
	} else {
		for (p = names.buf; *p; p = nl + 1) {
			struct mig *m = &r->migs[r->nmigs];

			nl = strchr(p, '\n');
			if (!(m->id = strndup(p, (size_t)(nl - p)))) {
				err = oom();
				goto cleanup;
			}
			m->approved = 1;
			r->nmigs++;
		}
	}
cleanup:
	honk_buf_release(&names);
	honk_buf_release(&path);
	return err;
}

/* Wait for a job to finish (or until deadline_mono, 0: forever). */
static void wait_jobs(struct runner *r, int64_t deadline_mono)
{
	struct timespec ts;

	pthread_mutex_lock(&r->mu);
	while (!r->done && r->running) {
		if (deadline_mono) {
			int64_t left = deadline_mono - mono_ms();
			struct timespec now;

			if (left <= 0)
				break;
			clock_gettime(CLOCK_REALTIME, &now);
			ts.tv_sec = now.tv_sec + left / 1000;
			ts.tv_nsec = now.tv_nsec + (left % 1000) * 1000000;
			if (ts.tv_nsec >= 1000000000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000;
			}
			if (pthread_cond_timedwait(&r->cv, &r->mu, &ts) ==
			    ETIMEDOUT)
				break;
		} else {
			pthread_cond_wait(&r->cv, &r->mu);
		}
	}
	pthread_mutex_unlock(&r->mu);
}

static int collect_done(struct runner *r)
{
	struct job *list;
	int any = 0;

	pthread_mutex_lock(&r->mu);
	list = r->done;
	r->done = NULL;
	pthread_mutex_unlock(&r->mu);
	while (list) {
		struct job *j = list;

		list = j->next;
		collect(r, j);
		any = 1;
	}
	return any;
}

static void sleep_ms(int64_t ms)
{
	struct timespec ts;

	if (ms <= 0)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void progress(struct runner *r)
{
	size_t i, k;

	for (i = 0; i < r->nmigs; i++) {
		const struct mig *m = &r->migs[i];
		size_t ok = 0, run = 0, bad = 0, total = 0;

		if (!m->have_state)
			continue;
		for (k = 0; k < m->st.n; k++) {
			enum honk_cstate s = m->st.consumers[k].state;

			if (s == HONK_CS_SKIPPED)
				continue;
			total++;
			ok += s == HONK_CS_SUCCEEDED;
			run += s == HONK_CS_RUNNING;
			bad += s == HONK_CS_FAILED;
		}
		say(r, "progress", m->id, NULL,
		    "%s, wave %lld/%lld: %zu/%zu succeeded, %zu running, %zu failed",
		    honk_phase_names[m->st.phase], (long long)m->st.wave,
		    (long long)m->st.waves, ok, total, run, bad);
	}
}

/*
 * Results must go into a commit now: a migration is about to run out of
 * steps recorded running, or something other than a success happened.
 */
static int must_commit(const struct runner *r)
{
	size_t i;

	for (i = 0; i < r->nmigs; i++) {
		const struct mig *m = &r->migs[i];
		const struct fact *f;

		if (!m->facts)
			continue;
		if (m->nready <
		    (size_t)(m->cfg.max_parallel > 0 ? m->cfg.max_parallel : 1))
			return 1;
		for (f = m->facts; f; f = f->next)
			if (f->kind != JOB_STEP || !f->ok)
				return 1;
	}
	return 0;
}

/* Publish the last commit with a remote: push; refused: fetch, follow. */
static int publish(struct runner *r)
{
	struct honk_buf spec = HONK_BUF_INIT;
	const char *specs[1];
	int err;

	honk_buf_addf(&spec, "%s:%s", STATE_REF, STATE_REF);
	specs[0] = spec.buf;
	err = honk_remote_push(r->repo, r->remote, specs, 1);
	honk_buf_release(&spec);
	if (err == 0)
		return 0;
	if (err != HONK_ECONFLICT)
		return err;
	if ((err = honk_remote_fetch(r->repo, r->remote, NULL, 0)) < 0 ||
	    (err = honk_ref_follow(r->repo, r->remote, STATE_REF)) < 0)
		return err;
	return HONK_ECONFLICT;
}

int honk_rollout_run(struct honk_repo *repo, const struct honk_rollout_opts *o,
		     honk_rollout_cb cb, void *payload,
		     struct honk_rollout_result *res)
{
	struct honk_snapshot *main_snap = NULL;
	struct runner r;
	const char *crash = getenv("HONK_TEST_CRASH_AFTER_COMMIT");
	int64_t group = o->group_ms > 0 ? o->group_ms : 20;
	size_t i, conflicts = 0;
	int err;

	memset(&r, 0, sizeof(r));
	memset(res, 0, sizeof(*res));
	r.repo = repo;
	r.o = o;
	r.cb = cb;
	r.payload = payload;
	r.res = res;
	r.real.now_ms = real_now;
	r.clock = o->clock ? o->clock : &r.real;
	r.crash_at = crash ? (int)strtol(crash, NULL, 10) : 0;
	holder_of(r.holder, sizeof(r.holder));
	pthread_mutex_init(&r.mu, NULL);
	pthread_cond_init(&r.cv, NULL);
	if ((err = find_main(&r, &main_snap)) < 0 ||
	    (err = select_migs(&r, main_snap)) < 0)
		goto cleanup;
	if (r.remote && (err = honk_ref_follow(repo, r.remote, STATE_REF)) < 0)
		goto cleanup;
	for (;;) {
		int64_t now, next = 0;
		int launched = 0;

		if ((err = read_tip(&r)) < 0)
			break;
		now = now_of(&r);
		for (i = 0; i < r.nmigs && err >= 0; i++) {
			struct mig *m = &r.migs[i];

			if (m->broken)
				continue;
			/* done, and nothing of ours pending: nothing to decide
			 */
			if (m->have_base &&
			    honk_phase_terminal(m->base.phase) && !m->facts &&
			    !m->nfl && !m->ready) {
				/*
				 * What an earlier pass decided on an older
				 * state (a lease taken, a step to start again)
				 * was refused with its push: base stands.
				 */
				m->finished = 1;
				m->dirty = 0;
				drop_events(m);
				drop_launch(m);
				continue;
			}
			m->finished = 0;
			if ((err = rebuild(&r, m,
					   m->have_base ? &m->base : NULL)) < 0)
				break;
			if (!m->have_state && m->approved)
				err = start_state(&r, m);
			else if (!m->have_state && m->wanted && !m->busy)
				err = honk_error_set(
					HONK_ENOTFOUND,
					"%s is not approved: migrations/%s.yaml is not on main",
					m->id, m->id);
			if (err >= 0)
				err = decide(&r, m, now, &next);
			if (err == HONK_EINVALID || err == HONK_ENOTFOUND) {
				/* this one cannot go on; the others can */
				say(&r, "invalid", m->id, NULL, "%s",
				    honk_error_last());
				m->broken = 1;
				m->dirty = 0;
				drop_launch(m);
				drop_events(m);
				err = 0;
				continue;
			}
			launched |= m->launch != NULL;
		}
		if (err < 0)
			break;
		err = commit_all(&r);
		if (err == HONK_EBUSY && conflicts < 200) {
			/* another writer holds honk/state's lock: a moment */
			sleep_ms(10 + (int64_t)(conflicts % 10) * 10);
			err = HONK_ECONFLICT;
		}
		if (err == HONK_ECONFLICT) {
			if (++conflicts > 1000) {
				err = honk_error_set(
					HONK_ECONFLICT,
					"honk/state kept moving; run again later");
				break;
			}
			continue; /* read again, apply again */
		}
		if (err < 0)
			break;
		if (r.remote && honk_ref_unpushed(repo, r.remote, STATE_REF) &&
		    (err = publish(&r)) < 0) {
			if (err == HONK_ECONFLICT &&
			    ++conflicts <= PUSH_TRIES * 20)
				continue;
			break;
		}
		if ((err = settled(&r)) < 0)
			break;
		if (launched)
			progress(&r);
		/*
		 * Gather what finishes close together into one commit: wait
		 * while every migration with results still has a window of
		 * steps to start, up to group ms after the first result.
		 */
		if (r.running) {
			int64_t first = 0;

			if (!collect_done(&r)) {
				int64_t wake = 0;

				/* --once still waits for its steps, and keeps
				 * their lease meanwhile */
				if (next)
					wake = mono_ms() + (next - now_of(&r));
				wait_jobs(&r, wake > 0 ? wake : 0);
				collect_done(&r);
			}
			first = mono_ms();
			while (r.running && !must_commit(&r) &&
			       mono_ms() - first < group) {
				wait_jobs(&r, first + group);
				collect_done(&r);
			}
			continue;
		}
		if (collect_done(&r) || launched)
			continue;
		if (next && !o->once) {
			int64_t left = next - now_of(&r);

			say(&r, "waiting", NULL, NULL, "%llds",
			    (long long)(left > 0 ? (left + 999) / 1000 : 0));
			sleep_ms(left > 0 ? left : 0);
			continue;
		}
		break;
	}
	/* what is still running is waited for: never left behind */
	while (r.running) {
		wait_jobs(&r, 0);
		collect_done(&r);
	}
	for (i = 0; i < r.nmigs; i++) {
		const struct mig *m = &r.migs[i];

		if (m->busy) {
			res->busy++;
			continue;
		}
		/* done before this run: told only when asked for by name */
		if (m->finished && !m->wanted && !m->acted)
			continue;
		if (!m->have_state && !m->finished)
			continue;
		switch (m->finished ? m->base.phase : m->st.phase) {
		case HONK_PHASE_COMPLETED:
			res->completed++;
			break;
		case HONK_PHASE_PAUSED:
		case HONK_PHASE_FAILED:
		case HONK_PHASE_ROLLED_BACK:
			res->stopped++;
			break;
		default:
			res->active++;
		}
	}
	if (err == 0) {
		size_t broken = 0;

		for (i = 0; i < r.nmigs; i++)
			broken += r.migs[i].broken;
		if (broken)
			err = honk_error_set(
				HONK_EINVALID,
				"%zu migration%s could not be rolled out (see above)",
				broken, broken == 1 ? "" : "s");
	}
	if (err == 0 && o->ids) {
		for (i = 0; i < r.nmigs; i++)
			if (r.migs[i].busy) {
				err = honk_error_set(
					HONK_EBUSY,
					"%s: another runner holds its lease (%s); retry later",
					r.migs[i].id,
					r.migs[i].st.lease.holder
						? r.migs[i].st.lease.holder
						: "?");
				break;
			}
	}
	if (err == 0)
		progress(&r);
cleanup:
	while (r.running) {
		wait_jobs(&r, 0);
		collect_done(&r);
	}
	for (i = 0; i < r.nmigs; i++)
		mig_release(&r.migs[i]);
	free(r.migs);
	free(r.remote);
	honk_snapshot_free(main_snap);
	pthread_mutex_destroy(&r.mu);
	pthread_cond_destroy(&r.cv);
	return err;
}

/* ---- the verbs
 * ------------------------------------------------------------------ */

static int verb_error(const char *id, const char *what, const char *fmt, ...)
	HONK_PRINTF(3, 4);

static int verb_error(const char *id, const char *what, const char *fmt, ...)
{
	struct honk_buf b = HONK_BUF_INIT;
	va_list ap;
	int err;

	va_start(ap, fmt);
	honk_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	err = honk_error_set(HONK_EUSAGE, "%s: cannot %s: %s", id, what, b.buf);
	honk_buf_release(&b);
	return err;
}

static const char *const verb_names[] = { "pause",   "resume", "retry",
					  "promote", "abort",  "undo" };
static const char *const verb_events[] = { "paused",   "resumed", "retried",
					   "promoted", "aborted", "undone" };

/* Change st as the verb says; detail says what changed. */
static int apply_verb(struct honk_mstate *st, const struct honk_verb_opts *o,
		      const char *actor, int64_t now, struct honk_buf *detail,
		      struct honk_buf *who)
{
	const char *name = verb_names[o->verb];
	struct honk_cstate_entry *e = NULL;
	size_t i, n = 0;

	if (o->consumer && !(e = honk_mstate_find(st, o->consumer)))
		return honk_error_set(HONK_ENOTFOUND, "%s has no consumer '%s'",
				      st->id, o->consumer);
	if (honk_phase_terminal(st->phase) &&
	    !(o->verb == HONK_VERB_UNDO && st->phase == HONK_PHASE_COMPLETED))
		return verb_error(st->id, name, "it is %s",
				  honk_phase_names[st->phase]);
	switch (o->verb) {
	case HONK_VERB_PAUSE:
		if (e) {
			if (e->state != HONK_CS_PENDING)
				return verb_error(
					st->id, name,
					"%s is %s (only a pending consumer can be paused; pause the migration to stop the next steps)",
					e->consumer,
					honk_cstate_names[e->state]);
			e->state = HONK_CS_PAUSED;
			e->reason = honk_mstate_str(st, o->reason);
			honk_buf_addf(detail, "%s paused", e->consumer);
			break;
		}
		if (st->phase != HONK_PHASE_ROLLING_OUT &&
		    st->phase != HONK_PHASE_APPROVED)
			return verb_error(st->id, name, "it is %s",
					  honk_phase_names[st->phase]);
		st->phase = HONK_PHASE_PAUSED;
		st->reason = honk_mstate_str(st, o->reason ? o->reason
							   : "paused by hand");
		honk_buf_addf(detail, "paused at wave %lld",
			      (long long)st->wave);
		break;
	case HONK_VERB_RESUME:
		if (e) {
			if (e->state != HONK_CS_PAUSED)
				return verb_error(st->id, name, "%s is %s",
						  e->consumer,
						  honk_cstate_names[e->state]);
			e->state = HONK_CS_PENDING;
			e->reason = NULL;
			honk_buf_addf(detail, "%s resumed", e->consumer);
			break;
		}
		if (st->phase != HONK_PHASE_PAUSED)
			return verb_error(st->id, name, "it is %s, not paused",
					  honk_phase_names[st->phase]);
		st->phase = HONK_PHASE_ROLLING_OUT;
		st->reason = NULL;
		honk_buf_addf(detail, "resumed at wave %lld",
			      (long long)st->wave);
		break;
	case HONK_VERB_RETRY:
		for (i = 0; i < st->n; i++) {
			struct honk_cstate_entry *c = &st->consumers[i];

			if ((e && c != e) || c->state != HONK_CS_FAILED)
				continue;
			c->state = HONK_CS_PENDING;
			c->not_before = 0;
			if (c->step != HONK_STEP_ROLLBACK) {
				c->attempts = 0;
				if (st->failures > 0)
					st->failures--;
			}
			honk_buf_addf(detail, "%s%s", n ? ", " : "",
				      c->consumer);
			honk_buf_addf(who, "%s\n", c->consumer);
			n++;
			if (c->step == HONK_STEP_ROLLBACK &&
			    st->phase == HONK_PHASE_FAILED)
				st->phase = HONK_PHASE_ROLLING_BACK;
		}
		if (!n)
			return verb_error(st->id, name, "%s",
					  e ? "that consumer has not failed"
					    : "no consumer has failed");
		honk_buf_addstr(detail, n == 1 ? " again" : ": again");
		if (st->phase == HONK_PHASE_PAUSED ||
		    st->phase == HONK_PHASE_FAILED) {
			st->phase = HONK_PHASE_ROLLING_OUT;
			st->reason = NULL;
		}
		break;
	case HONK_VERB_PROMOTE:
		if (st->phase != HONK_PHASE_ROLLING_OUT)
			return verb_error(st->id, name, "it is %s",
					  honk_phase_names[st->phase]);
		/*
		 * The wait is over as of now. Not 0: the runner would take a
		 * wave with no wait recorded for one whose wait is still to
		 * be decided, and set the manual gate again.
		 */
		st->gate_manual = 0;
		st->not_before = now > 1000 ? now : 1000;
		if (o->full) {
			st->full = 1;
			honk_buf_addstr(
				detail,
				"every remaining wave at once, no more gates");
		} else {
			honk_buf_addf(detail,
				      "the wait after wave %lld skipped",
				      (long long)st->wave);
		}
		break;
	case HONK_VERB_ABORT:
	case HONK_VERB_UNDO:
		if (e && o->verb == HONK_VERB_UNDO) {
			if (e->state != HONK_CS_SUCCEEDED &&
			    e->state != HONK_CS_FAILED)
				return verb_error(st->id, name,
						  "%s is %s: nothing to undo",
						  e->consumer,
						  honk_cstate_names[e->state]);
			e->state = HONK_CS_PENDING;
			e->step = HONK_STEP_ROLLBACK;
			e->not_before = 0;
			e->reason = honk_mstate_str(st, o->reason);
			/* not done any more: the runner carries the undo out */
			if (st->phase == HONK_PHASE_COMPLETED) {
				st->phase = HONK_PHASE_ROLLING_OUT;
				st->finished_at = 0;
			}
			honk_buf_addf(detail, "%s to be rolled back now",
				      e->consumer);
			break;
		}
		if (st->phase == HONK_PHASE_ROLLING_BACK)
			return verb_error(st->id, name,
					  "it is rolling back already");
		st->phase = HONK_PHASE_ROLLING_BACK;
		st->reason = honk_mstate_str(st, o->reason ? o->reason
						 : o->verb == HONK_VERB_ABORT
							 ? "aborted by hand"
							 : "undone by hand");
		honk_buf_addstr(detail,
				"rolling back every consumer that moved");
		break;
	}
	st->by = honk_mstate_str(st, actor);
	return 0;
}

int honk_rollout_verb(struct honk_repo *repo, const struct honk_verb_opts *o,
		      struct honk_buf *detail)
{
	struct honk_rollout_opts ro = HONK_ROLLOUT_OPTS_INIT;
	struct honk_rollout_result res;
	struct honk_snapshot *main_snap = NULL, *snap = NULL;
	struct honk_buf path = HONK_BUF_INIT, text = HONK_BUF_INIT,
			msg = HONK_BUF_INIT, actor = HONK_BUF_INIT,
			who = HONK_BUF_INIT;
	struct honk_tree_update up;
	struct honk_diags d = HONK_DIAGS_INIT;
	struct runner r;
	git_signature *sig = NULL;
	git_oid tip;
	int err, tries;

	memset(&r, 0, sizeof(r));
	memset(&res, 0, sizeof(res));
	ro.remote = o->remote;
	ro.no_remote = o->no_remote;
	r.repo = repo;
	r.o = &ro;
	r.res = &res;
	if ((err = honk_path_state(&path, o->id)) < 0)
		return err;
	if (o->actor) {
		honk_buf_addstr(&actor, o->actor);
	} else if ((err = honk_repo_signature(&sig, repo)) == 0) {
		honk_buf_addf(&actor, "%s <%s>", sig->name, sig->email);
	} else {
		goto cleanup;
	}
	if ((err = find_main(&r, &main_snap)) < 0)
		goto cleanup;
	for (tries = 0; tries < PUSH_TRIES * 4; tries++) {
		struct honk_mstate st;

		if (r.remote &&
		    (err = honk_ref_follow(repo, r.remote, STATE_REF)) < 0)
			break;
		/* a try before may have left its state text here */
		honk_buf_reset(&text);
		err = honk_ref_lookup(&tip, repo, STATE_REF);
		if (err == 0 && (err = snap_at(&snap, repo, &tip)) == 0)
			err = honk_snapshot_read(&text, snap, path.buf);
		honk_snapshot_free(snap);
		snap = NULL;
		if (err == HONK_ENOTFOUND) {
			honk_error_set(
				err,
				"%s has not started: its rollout begins with honk-rollout run %s",
				o->id, o->id);
			break;
		}
		if (err < 0)
			break;
		if ((err = honk_mstate_parse(&st, path.buf, text.buf, text.len,
					     &d)) < 0) {
			if (err == HONK_EINVALID)
				honk_error_set(err, "honk/state:%s:%u:%u: %s",
					       d.v[0].path, d.v[0].line,
					       d.v[0].col, d.v[0].msg);
			break;
		}
		honk_buf_reset(detail);
		honk_buf_reset(&who);
		if ((err = apply_verb(&st, o, actor.buf,
				      honk_clock_now(o->clock), detail,
				      &who)) == 0) {
			honk_buf_reset(&text);
			err = honk_mstate_write(&text, &st);
		}
		honk_mstate_release(&st);
		if (err < 0)
			break;
		honk_buf_reset(&msg);
		honk_buf_addf(
			&msg,
			"honk: %s %s%s%s\n\n%s\n%s%s%s\nHonk-Migration: %s\n",
			o->id, verb_events[o->verb], o->consumer ? " " : "",
			o->consumer ? o->consumer : "", detail->buf,
			o->reason ? "Reason: " : "", o->reason ? o->reason : "",
			o->reason ? "\n" : "", o->id);
		if (o->consumer)
			honk_buf_addf(&msg, "Honk-Consumer: %s\n", o->consumer);
		else {
			/* a verb on many consumers names each */
			const char *p = who.buf, *nl;

			for (; (nl = strchr(p, '\n')); p = nl + 1)
				honk_buf_addf(&msg, "Honk-Consumer: %.*s\n",
					      (int)(nl - p), p);
		}
		honk_buf_addf(&msg, "Honk-Event: %s\nHonk-Actor: %s\n",
			      verb_events[o->verb], actor.buf);
		up.path = path.buf;
		up.data = text.buf;
		up.len = text.len;
		up.remove = 0;
		err = honk_repo_commit(NULL, repo, STATE_REF, &tip, &up, 1,
				       msg.buf, NULL);
		if (err == HONK_EBUSY) {
			/* another writer holds honk/state's lock: a moment */
			sleep_ms(20 * (tries + 1));
			continue;
		}
		if (err == HONK_ECONFLICT)
			continue;
		if (err < 0 || !r.remote)
			break;
		if ((err = publish(&r)) != HONK_ECONFLICT)
			break;
	}
	if (err == HONK_ECONFLICT)
		err = honk_error_set(err,
				     "honk/state kept moving; run again later");
cleanup:
	git_signature_free(sig);
	honk_snapshot_free(main_snap);
	honk_diags_release(&d);
	honk_buf_release(&path);
	honk_buf_release(&text);
	honk_buf_release(&msg);
	honk_buf_release(&actor);
	honk_buf_release(&who);
	free(r.remote);
	return err;
}

/* ---- history
 * ------------------------------------------------------------------------ */

static const char *trailer(const char *msg, const char *key, char *out,
			   size_t n)
{
	const char *p = msg;
	size_t k = strlen(key);

	while ((p = strstr(p, key))) {
		if ((p == msg || p[-1] == '\n') && p[k] == ':' &&
		    p[k + 1] == ' ') {
			size_t len = strcspn(p + k + 2, "\n");

			snprintf(out, n, "%.*s", (int)len, p + k + 2);
			return out;
		}
		p += k;
	}
	return NULL;
}

int honk_rollout_history(struct honk_repo *repo, const char *id,
			 const char *consumer, honk_history_cb cb,
			 void *payload)
{
	struct honk_buf mkey = HONK_BUF_INIT, ckey = HONK_BUF_INIT;
	git_revwalk *walk = NULL;
	git_oid tip, oid;
	int err, found = 0;

	if ((err = honk_name_check("migration", id)) < 0 ||
	    (consumer && (err = honk_name_check("consumer", consumer)) < 0))
		return err;
	if ((err = honk_ref_lookup(&tip, repo, STATE_REF)) < 0) {
		if (err == HONK_ENOTFOUND)
			honk_error_set(err,
				       "no history: honk/state does not exist");
		return err;
	}
	honk_buf_addf(&mkey, "\nHonk-Migration: %s\n", id);
	if (consumer)
		honk_buf_addf(&ckey, "\nHonk-Consumer: %s\n", consumer);
	if (git_revwalk_new(&walk, repo->git) < 0 ||
	    git_revwalk_push(walk, &tip) < 0) {
		err = honk_error_git(HONK_ERROR, "cannot walk honk/state");
		goto cleanup;
	}
	git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE);
	while (git_revwalk_next(&oid, walk) == 0) {
		git_commit *c = NULL;
		const char *m;
		char actor[512], hex[GIT_OID_HEXSZ + 1];

		if (git_commit_lookup(&c, repo->git, &oid) < 0) {
			err = honk_error_git(HONK_ERROR,
					     "cannot read a commit");
			break;
		}
		m = git_commit_message(c);
		if (strstr(m, mkey.buf) && (!consumer || strstr(m, ckey.buf))) {
			found = 1;
			if (!trailer(m, "Honk-Actor", actor, sizeof(actor)))
				snprintf(actor, sizeof(actor), "%s",
					 git_commit_author(c)->name);
			git_oid_tostr(hex, sizeof(hex), &oid);
			err = cb((int64_t)git_commit_time(c) * 1000, actor, hex,
				 m, payload);
		}
		git_commit_free(c);
		if (err)
			break;
	}
	if (!err && !found)
		err = honk_error_set(HONK_ENOTFOUND,
				     "no history for %s%s%s on honk/state", id,
				     consumer ? " " : "",
				     consumer ? consumer : "");
cleanup:
	git_revwalk_free(walk);
	honk_buf_release(&mkey);
	honk_buf_release(&ckey);
	return err;
}

struct render {
	struct honk_buf *out;
	struct honk_json j;
	int json;
	struct honk_repo *repo;
};

static int render_commit(int64_t when, const char *actor, const char *commit,
			 const char *message, void *payload)
{
	struct render *h = payload;
	struct honk_buf t = HONK_BUF_INIT, subject = HONK_BUF_INIT;
	const char *body = strstr(message, "\n\n"), *p, *end;

	honk_time_format(&t, when);
	honk_buf_add(&subject, message, strcspn(message, "\n"));
	if (h->json) {
		honk_json_obj_begin(&h->j);
		honk_json_kv_str(&h->j, "time", t.buf);
		honk_json_kv_str(&h->j, "commit", commit);
		honk_json_kv_str(&h->j, "actor", actor);
		honk_json_kv_str(&h->j, "subject", subject.buf);
		honk_json_key(&h->j, "lines");
		honk_json_arr_begin(&h->j);
	} else {
		honk_buf_addf(h->out, "%s  %.7s  %s\n", t.buf, commit, actor);
	}
	/* the body's lines, without the trailers */
	for (p = body ? body + 2 : ""; *p; p = end + (*end == '\n')) {
		struct honk_buf line = HONK_BUF_INIT;

		end = strchr(p, '\n');
		if (!end)
			end = p + strlen(p);
		if (!strncmp(p, "Honk-", 5))
			break;
		if (end > p) {
			honk_buf_add(&line, p, (size_t)(end - p));
			if (h->json)
				honk_json_str(&h->j, line.buf);
			else
				honk_buf_addf(h->out, "    %s\n", line.buf);
		}
		honk_buf_release(&line);
	}
	if (h->json) {
		honk_json_arr_end(&h->j);
		honk_json_obj_end(&h->j);
	}
	honk_buf_release(&t);
	honk_buf_release(&subject);
	return 0;
}

static int render_log(const char *path, const git_oid *blob, unsigned int mode,
		      void *payload)
{
	struct render *h = payload;
	struct honk_buf data = HONK_BUF_INIT;
	int err;

	(void)mode;
	if ((err = honk_repo_read_blob(&data, h->repo, blob)) < 0)
		return err;
	if (h->json) {
		honk_json_obj_begin(&h->j);
		honk_json_kv_str(&h->j, "path", path);
		honk_json_kv_str(&h->j, "log", data.buf);
		honk_json_obj_end(&h->j);
	} else {
		honk_buf_addf(h->out, "\n==> %s <==\n", path);
		honk_buf_add(h->out, data.buf, data.len);
		if (data.len && data.buf[data.len - 1] != '\n')
			honk_buf_addch(h->out, '\n');
	}
	honk_buf_release(&data);
	return 0;
}

int honk_rollout_history_render(struct honk_buf *out, struct honk_repo *repo,
				const char *id, const char *consumer, int json)
{
	struct render h;
	int err;

	memset(&h, 0, sizeof(h));
	h.out = out;
	h.json = json;
	h.repo = repo;
	if (json) {
		honk_json_init(&h.j, out);
		honk_json_obj_begin(&h.j);
		honk_json_kv_str(&h.j, "migration", id);
		honk_json_key(&h.j, "commits");
		honk_json_arr_begin(&h.j);
	}
	err = honk_rollout_history(repo, id, consumer, render_commit, &h);
	if (json) {
		honk_json_arr_end(&h.j);
		honk_json_key(&h.j, "logs");
		honk_json_arr_begin(&h.j);
	}
	if (err == 0 && consumer) {
		struct honk_source src = HONK_SOURCE_INIT;
		struct honk_snapshot *snap = NULL;
		struct honk_buf dir = HONK_BUF_INIT;

		src.rev = STATE_REF;
		honk_buf_addf(&dir, "logs/%s/%s/", id, consumer);
		if ((err = honk_snapshot_open(&snap, repo, &src)) == 0)
			err = honk_snapshot_foreach(snap, dir.buf, render_log,
						    &h);
		honk_snapshot_free(snap);
		honk_buf_release(&dir);
	}
	if (json) {
		honk_json_arr_end(&h.j);
		honk_json_obj_end(&h.j);
		honk_buf_addch(out, '\n');
	}
	return err;
}
