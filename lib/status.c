/*
 * The portal's model: every migration, proposed, approved or under way,
 * with what waits on a person, the deprecation deadlines and the
 * conflicts; and the two decisions people take here, approve and reject.
 *
 * Reading never writes and never fetches: it shows the repository as it
 * is. The decisions write like everything else: by compare-and-swap,
 * with a remote fetched first and pushed after, never forced.
 */
#include "status.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "clock.h"
#include "error.h"
#include "json.h"
#include "names.h"
#include "yaml.h"
#include "banned.h"

#define STATE_REF  "refs/heads/honk/state"
#define PUSH_TRIES 5

static int oom(void)
{
	return honk_error_set(HONK_ERROR, "out of memory");
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

/* main per honk.yaml (read at HEAD, else refs/heads/main). */
static int find_main(struct honk_repo *r, git_oid *out, char **main_name,
		     char **remote)
{
	struct honk_source src = HONK_SOURCE_INIT;
	struct honk_snapshot *head = NULL;
	struct honk_catalog settings = HONK_CATALOG_INIT;
	struct honk_diags d = HONK_DIAGS_INIT;
	struct honk_buf ref = HONK_BUF_INIT;
	int err;

	err = honk_snapshot_open(&head, r, &src);
	if (err == HONK_ENOTFOUND) {
		src.rev = "refs/heads/main";
		err = honk_snapshot_open(&head, r, &src);
	}
	if (err < 0)
		return err;
	err = honk_catalog_load_paths(&settings, r, head, NULL, 0, &d);
	honk_snapshot_free(head);
	if (err < 0) {
		if (err == HONK_EINVALID && d.n)
			honk_error_set(err, "%s:%u:%u: %s", d.v[0].path,
				       d.v[0].line, d.v[0].col, d.v[0].msg);
		goto cleanup;
	}
	if (main_name && !(*main_name = strdup(settings.settings.main))) {
		err = oom();
		goto cleanup;
	}
	if (remote)
		*remote = settings.settings.remote
				  ? strdup(settings.settings.remote)
				  : NULL;
	honk_buf_addf(&ref, "refs/heads/%s", settings.settings.main);
	if ((err = honk_ref_lookup(out, r, ref.buf)) < 0)
		honk_error_set(
			err, "the main branch '%s' (honk.yaml) does not exist",
			settings.settings.main);
cleanup:
	honk_catalog_release(&settings);
	honk_diags_release(&d);
	honk_buf_release(&ref);
	return err;
}

static struct honk_status_mig *mig_for(struct honk_status *s, const char *id)
{
	struct honk_status_mig *m;
	size_t i;

	for (i = 0; i < s->nmigs; i++)
		if (!strcmp(s->migs[i].id, id))
			return &s->migs[i];
	if (honk_arena_reserve(&s->arena, &s->migs, s->nmigs, &s->cmigs,
			       sizeof(*s->migs)) < 0)
		return NULL;
	m = &s->migs[s->nmigs++];
	memset(m, 0, sizeof(*m));
	m->id = honk_arena_strdup(&s->arena, id);
	return m->id ? m : NULL;
}

static int add_conflict(struct honk_status *s, const char *kind,
			const char *fmt, ...) HONK_PRINTF(3, 4);

static int add_conflict(struct honk_status *s, const char *kind,
			const char *fmt, ...)
{
	struct honk_status_conflict *c;
	struct honk_buf b = HONK_BUF_INIT;
	va_list ap;

	if (honk_arena_reserve(&s->arena, &s->conflicts, s->nconflicts,
			       &s->cconflicts, sizeof(*s->conflicts)) < 0)
		return HONK_ERROR;
	va_start(ap, fmt);
	honk_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	c = &s->conflicts[s->nconflicts];
	c->kind = kind;
	c->detail = honk_arena_strdup(&s->arena, b.buf);
	honk_buf_release(&b);
	if (!c->detail)
		return HONK_ERROR;
	s->nconflicts++;
	return 0;
}

/*
 * A plan or state file of migration id (NULL when the file's name names
 * none) that cannot be read: a conflict saying where and why, and the
 * migration marked invalid, so no view passes it off as approved, not
 * started, or anything else it cannot know.
 */
static int mark_invalid(struct honk_status *s, const char *id,
			const char *detail)
{
	struct honk_status_mig *m;

	if (add_conflict(s, "invalid", "%s", detail) < 0)
		return oom();
	if (!id)
		return 0;
	if (!(m = mig_for(s, id)))
		return oom();
	if (!m->invalid)
		m->invalid = s->conflicts[s->nconflicts - 1].detail;
	return 0;
}

/*
 * Keep a parsed plan for the life of s (its address stays). NULL when it
 * cannot be read (*err HONK_EINVALID: the migration is marked invalid) or
 * on error.
 */
static struct honk_planfile *keep_plan(struct honk_status *s, const char *id,
				       const char *path, const char *data,
				       size_t len, int *err)
{
	struct honk_planfile *pf, **v;
	struct honk_diags d = HONK_DIAGS_INIT;
	struct honk_buf msg = HONK_BUF_INIT;

	if (!(pf = malloc(sizeof(*pf)))) {
		*err = oom();
		return NULL;
	}
	*err = honk_planfile_parse(pf, path, data, len, &d);
	if (*err == HONK_EINVALID) {
		if (d.n)
			honk_buf_addf(&msg, "%s:%u:%u: %s", d.v[0].path,
				      d.v[0].line, d.v[0].col, d.v[0].msg);
		else
			honk_buf_addf(&msg, "%s: cannot be read", path);
		if (mark_invalid(s, id, msg.buf) < 0)
			*err = HONK_ERROR;
		honk_buf_release(&msg);
	}
	honk_diags_release(&d);
	if (*err < 0) {
		free(pf);
		return NULL;
	}
	v = realloc(s->plans, (s->nplans + 1) * sizeof(*v));
	if (!v) {
		honk_planfile_release(pf);
		free(pf);
		*err = oom();
		return NULL;
	}
	s->plans = v;
	v[s->nplans++] = pf;
	return pf;
}

struct sjobs;

struct walk {
	struct honk_status *s;
	struct honk_repo *repo;
	struct honk_buf data;
	struct sjobs *jobs;
};

static int on_plan(const char *path, const git_oid *blob, unsigned int mode,
		   void *payload)
{
	struct walk *w = payload;
	const char *name = path + strlen("migrations/");
	size_t len = strlen(name);
	struct honk_status_mig *m;
	struct honk_buf id = HONK_BUF_INIT;

	(void)mode;
	if (strchr(name, '/') || len < 6 || strcmp(name + len - 5, ".yaml") ||
	    !honk_name_valid(name, len - 5))
		return 0;
	/* read later, and only when the state does not say enough */
	honk_buf_add(&id, name, len - 5);
	m = mig_for(w->s, id.buf);
	honk_buf_release(&id);
	if (!m)
		return oom();
	m->phase = "approved";
	git_oid_cpy(&m->plan_blob, blob);
	m->have_plan_blob = 1;
	return 0;
}

struct sjob {
	char *path;
	struct honk_buf data;
	struct honk_mstate st;
	int err;
	char msg[512];
};

struct sjobs {
	struct sjob *v;
	size_t n, cap;
	size_t next; /* the next to parse, under mu */
	int quick;   /* a summary is enough: honk_mstate_scan() first */
	pthread_mutex_t mu;
};

static int on_state(const char *path, const git_oid *blob, unsigned int mode,
		    void *payload)
{
	struct walk *w = payload;
	struct sjobs *q = w->jobs;
	const char *name = path + strlen("state/");
	size_t len = strlen(name);
	struct sjob *j;
	int err;

	(void)mode;
	if (strchr(name, '/') || len < 6 || strcmp(name + len - 5, ".yaml"))
		return 0;
	if (honk_array_reserve(&q->v, q->n, &q->cap, sizeof(*q->v)) < 0)
		return HONK_ERROR;
	j = &q->v[q->n];
	memset(j, 0, sizeof(*j));
	honk_buf_init(&j->data, 0);
	if (!(j->path = strdup(path)))
		return oom();
	q->n++;
	/* one thread reads the blobs; the parsing is shared out */
	if ((err = honk_repo_read_blob(&j->data, w->repo, blob)) < 0)
		return err;
	return 0;
}

static void *parse_states(void *arg)
{
	struct sjobs *q = arg;

	for (;;) {
		struct honk_diags d = HONK_DIAGS_INIT;
		struct sjob *j;
		size_t i;

		pthread_mutex_lock(&q->mu);
		i = q->next++;
		pthread_mutex_unlock(&q->mu);
		if (i >= q->n)
			break;
		j = &q->v[i];
		/* a summary needs no full parse of what honk wrote itself */
		if (q->quick &&
		    honk_mstate_scan(&j->st, j->data.buf, j->data.len)) {
			j->err = 0;
			honk_buf_release(&j->data);
			continue;
		}
		j->err = honk_mstate_parse(&j->st, j->path, j->data.buf,
					   j->data.len, &d);
		if (j->err == HONK_EINVALID && d.n)
			snprintf(j->msg, sizeof(j->msg),
				 "honk/state:%s:%u:%u: %s", d.v[0].path,
				 d.v[0].line, d.v[0].col, d.v[0].msg);
		else if (j->err == HONK_EINVALID)
			snprintf(j->msg, sizeof(j->msg),
				 "honk/state:%s: cannot be read", j->path);
		honk_diags_release(&d);
		honk_buf_release(&j->data);
	}
	return NULL;
}

/* Parse every state file read, on the machine's cores. */
static int take_states(struct honk_status *s, struct sjobs *q)
{
	pthread_t th[4];
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t n = cpus > 1 ? (size_t)(cpus < 4 ? cpus : 4) : 1, k, started = 0;
	int err = 0;

	pthread_mutex_init(&q->mu, NULL);
	if (q->n < 64)
		n = 1;
	for (k = 1; k < n; k++)
		if (pthread_create(&th[k], NULL, parse_states, q) == 0)
			started++;
	parse_states(q);
	for (k = 1; k <= started; k++)
		pthread_join(th[k], NULL);
	pthread_mutex_destroy(&q->mu);
	s->states = calloc(q->n + 1, sizeof(*s->states));
	if (!s->states)
		return oom();
	for (k = 0; k < q->n; k++) {
		struct sjob *j = &q->v[k];

		if (j->err == HONK_EINVALID) {
			/* whose it is, the file's name says: state/<id>.yaml */
			const char *name = j->path + strlen("state/");
			size_t len = strlen(name) - 5;
			char id[HONK_NAME_MAX + 1];
			int named = honk_name_valid(name, len);

			if (named) {
				memcpy(id, name, len);
				id[len] = '\0';
			}
			if (mark_invalid(s, named ? id : NULL, j->msg) < 0)
				err = HONK_ERROR;
		} else if (j->err < 0) {
			err = j->err;
		} else {
			s->states[s->nstates++] = j->st;
			memset(&j->st, 0, sizeof(j->st));
		}
	}
	return err;
}

static void sjobs_release(struct sjobs *q)
{
	size_t k;

	for (k = 0; k < q->n; k++) {
		free(q->v[k].path);
		honk_buf_release(&q->v[k].data);
		honk_mstate_release(&q->v[k].st);
	}
	free(q->v);
}

/* Proposals: honk/propose/<id> branches whose plan is not on main. */
static int load_proposals(struct honk_status *s, struct honk_repo *repo,
			  const git_oid *main)
{
	git_reference_iterator *it = NULL;
	git_reference *ref = NULL;
	struct honk_buf path = HONK_BUF_INIT, data = HONK_BUF_INIT;
	int err = 0;

	if (git_reference_iterator_glob_new(&it, repo->git,
					    "refs/heads/honk/propose/*") < 0)
		return honk_error_git(HONK_ERROR, "cannot list proposals");
	while (!err && git_reference_next(&ref, it) == 0) {
		const char *id = git_reference_name(ref) +
				 strlen("refs/heads/honk/propose/");
		const git_oid *tip = git_reference_target(ref);
		struct honk_snapshot *snap = NULL;
		struct honk_status_mig *m;
		struct honk_planfile *pf;
		git_commit *c = NULL;

		if (!tip || honk_name_check("migration", id) < 0 ||
		    honk_status_find(s, id)) {
			git_reference_free(ref);
			continue; /* approved: the plan on main tells */
		}
		honk_buf_reset(&path);
		honk_buf_reset(&data);
		honk_path_migration(&path, id);
		pf = NULL;
		if (snap_at(&snap, repo, tip) == 0 &&
		    honk_snapshot_read(&data, snap, path.buf) == 0) {
			pf = keep_plan(s, id, path.buf, data.buf, data.len,
				       &err);
			if (err == HONK_EINVALID) {
				err = 0;
				if ((m = mig_for(s, id)))
					m->proposed = 1;
				else
					err = oom();
			}
		}
		if (pf) {
			if (!(m = mig_for(s, id))) {
				err = oom();
			} else {
				m->pf = pf;
				m->phase = "proposed";
				m->proposed = 1;
				m->stale = !git_oid_equal(tip, main) &&
					   git_graph_descendant_of(
						   repo->git, tip, main) != 1;
				if (git_commit_lookup(&c, repo->git, tip) == 0)
					m->since = (int64_t)git_commit_time(c) *
						   1000;
				git_commit_free(c);
			}
		}
		honk_snapshot_free(snap);
		git_reference_free(ref);
	}
	git_reference_iterator_free(it);
	honk_buf_release(&path);
	honk_buf_release(&data);
	return err;
}

/* dataset, from and to from the id "<dataset>.v<from>-v<to>". */
static void id_parts(struct honk_status *s, struct honk_status_mig *m)
{
	const char *v = strrchr(m->id, 'v'), *dash;
	char *end;

	if (!v || v == m->id || v[-1] != '-')
		return;
	dash = v - 1;
	while (dash > m->id && dash[-1] != 'v')
		dash--;
	if (dash - 2 < m->id || dash[-2] != '.')
		return;
	m->dataset = honk_arena_strndup(&s->arena, m->id,
					(size_t)(dash - 2 - m->id));
	m->from = strtoll(dash, &end, 10);
	m->to = strtoll(v + 1, &end, 10);
}

/* Counts, age and what waits on a person, from the state. */
static void summarize(struct honk_status *s, struct honk_status_mig *m)
{
	struct honk_buf w = HONK_BUF_INIT;
	const char *first_wait = NULL;
	size_t i;

	if (m->pf) {
		m->dataset = m->pf->dataset;
		m->from = m->pf->from;
		m->to = m->pf->to;
		m->verdict = m->pf->breaking ? "breaking" : "compatible";
		for (i = 0; i < m->pf->nconsumers; i++) {
			enum honk_impact_class k = m->pf->consumers[i].impact;

			if (k == HONK_IMPACT_BREAKING ||
			    k == HONK_IMPACT_RELOCATE)
				m->total++;
		}
		m->pending = m->total;
	}
	if (!m->pf)
		id_parts(s, m);
	if (m->st) {
		const struct honk_mstate *st = m->st;

		m->phase = honk_phase_names[st->phase];
		if (!m->verdict)
			m->verdict = st->verdict;
		m->wave = st->wave;
		m->waves = st->waves;
		m->reason = st->reason;
		m->gate_manual = st->gate_manual;
		m->since = st->started_at    ? st->started_at
			   : st->approved_at ? st->approved_at
					     : st->finished_at;
		m->total = m->pending = 0;
		for (i = 0; i < st->n; i++) {
			const struct honk_cstate_entry *e = &st->consumers[i];

			if (e->state == HONK_CS_SKIPPED) {
				m->skipped++;
				continue;
			}
			m->total++;
			switch (e->state) {
			case HONK_CS_SUCCEEDED:
				m->succeeded++;
				break;
			case HONK_CS_FAILED:
				m->failed++;
				break;
			case HONK_CS_RUNNING:
				m->running++;
				break;
			case HONK_CS_PAUSED:
				m->paused++;
				break;
			case HONK_CS_ROLLED_BACK:
				m->rolled_back++;
				break;
			default:
				m->pending++;
				if (e->waiting) {
					m->waiting++;
					if (!first_wait)
						first_wait = e->waiting;
				}
			}
		}
		if (!m->dataset && st->id) {
			/* rejected before any plan reached main */
			m->dataset = NULL;
		}
	}
	if (m->proposed)
		honk_buf_addf(&w, "review and approve: honk-status approve %s",
			      m->id);
	else if (!strcmp(m->phase, "paused"))
		honk_buf_addf(&w, "paused%s%s: honk-rollout resume %s",
			      m->reason ? ": " : "", m->reason ? m->reason : "",
			      m->id);
	else if (!strcmp(m->phase, "failed"))
		honk_buf_addf(&w, "failed%s%s: honk-rollout retry or undo %s",
			      m->reason ? ": " : "", m->reason ? m->reason : "",
			      m->id);
	else if (m->gate_manual)
		honk_buf_addf(&w, "wave %lld done: honk-rollout promote %s",
			      (long long)m->wave, m->id);
	else if (m->failed && !honk_phase_terminal(m->st ? m->st->phase
							 : HONK_PHASE_APPROVED))
		honk_buf_addf(&w,
			      "%zu consumer%s failed: honk-rollout retry %s",
			      m->failed, m->failed == 1 ? "" : "s", m->id);
	else if (m->waiting)
		honk_buf_addf(&w, "%zu consumer%s wait%s: %s", m->waiting,
			      m->waiting == 1 ? "" : "s",
			      m->waiting == 1 ? "s" : "", first_wait);
	if (w.len)
		m->waits = honk_arena_strdup(&s->arena, w.buf);
	honk_buf_release(&w);
}

static int live(const struct honk_status_mig *m)
{
	return strcmp(m->phase, "completed") &&
	       strcmp(m->phase, "rolled-back") && strcmp(m->phase, "rejected");
}

static int by_id(const void *a, const void *b)
{
	return strcmp(((const struct honk_status_mig *)a)->id,
		      ((const struct honk_status_mig *)b)->id);
}

struct seen {
	const char *consumer;
	size_t mig;
};

static size_t str_hash(const char *p)
{
	size_t h = 5381;

	while (*p)
		h = h * 33 + (unsigned char)*p++;
	return h;
}

static void note_consumer(struct honk_status *s, struct seen *t, size_t cap,
			  const char *c, size_t mi)
{
	size_t h = str_hash(c) & (cap - 1);

	for (; t[h].consumer; h = (h + 1) & (cap - 1)) {
		if (strcmp(t[h].consumer, c))
			continue;
		if (t[h].mig != mi)
			add_conflict(s, "shared-consumer",
				     "%s is in two live migrations: %s and %s",
				     c, s->migs[t[h].mig].id, s->migs[mi].id);
		return;
	}
	t[h].consumer = c;
	t[h].mig = mi;
}

static void shared_consumers(struct honk_status *s)
{
	struct seen *t;
	size_t i, k, n = 0, cap = 16;

	for (i = 0; i < s->nmigs; i++)
		n += s->migs[i].st   ? s->migs[i].st->n
		     : s->migs[i].pf ? s->migs[i].pf->nconsumers
				     : 0;
	while (cap < 2 * n + 2)
		cap *= 2;
	if (!(t = calloc(cap, sizeof(*t))))
		return;
	for (i = 0; i < s->nmigs; i++) {
		const struct honk_status_mig *m = &s->migs[i];

		if (!live(m))
			continue;
		if (m->st) {
			for (k = 0; k < m->st->n; k++)
				if (m->st->consumers[k].state !=
				    HONK_CS_SKIPPED)
					note_consumer(
						s, t, cap,
						m->st->consumers[k].consumer,
						i);
		} else if (m->pf) {
			for (k = 0; k < m->pf->nconsumers; k++)
				if (m->pf->consumers[k].impact !=
				    HONK_IMPACT_TRANSITIVE)
					note_consumer(
						s, t, cap,
						m->pf->consumers[k].consumer,
						i);
		}
	}
	free(t);
}

static void deadlines_and_conflicts(struct honk_status *s,
				    const struct honk_status_opts *o)
{
	const struct honk_catalog *cat = &s->cat;
	size_t i, j;

	for (i = 0; s->cat_ok && i < cat->nconsumers; i++) {
		const struct honk_consumer *co = &cat->consumers[i];

		for (j = 0; j < co->nreads; j++) {
			const struct honk_dataset *ds =
				honk_catalog_dataset(cat, co->reads[j].dataset);
			const struct honk_version *v =
				ds ? honk_dataset_version(ds,
							  co->reads[j].version)
				   : NULL;
			struct honk_status_deadline *dl;

			if (!v || !v->deprecated)
				continue;
			if (honk_arena_reserve(&s->arena, &s->deadlines,
					       s->ndeadlines, &s->cdeadlines,
					       sizeof(*s->deadlines)) < 0)
				return;
			dl = &s->deadlines[s->ndeadlines++];
			dl->dataset = ds->id;
			dl->version = v->version;
			dl->consumer = co->name;
			dl->deprecated = v->deprecated;
			dl->days_left = v->deprecated_days - o->today;
			if (dl->days_left < 0)
				add_conflict(
					s, "past-deadline",
					"%s still reads %s v%lld, deprecated since %s (%lld days)",
					co->name, ds->id, (long long)v->version,
					v->deprecated,
					(long long)-dl->days_left);
		}
	}
	/* one consumer in two live migrations: one pass, a table of names */
	shared_consumers(s);
	for (i = 0; i < s->nmigs; i++)
		if (s->migs[i].proposed && s->migs[i].stale)
			add_conflict(
				s, "stale-proposal",
				"honk/propose/%s was made on an older main: approving it also brings what main gained since",
				s->migs[i].id);
}

int honk_status_load(struct honk_status *s, struct honk_repo *repo,
		     const struct honk_status_opts *o)
{
	struct honk_snapshot *snap = NULL, *state = NULL;
	struct honk_diags d = HONK_DIAGS_INIT;
	struct sjobs jobs;
	struct walk w;
	git_oid main, tip;
	size_t i;
	int err;

	memset(s, 0, sizeof(*s));
	memset(&w, 0, sizeof(w));
	memset(&jobs, 0, sizeof(jobs));
	w.s = s;
	w.repo = repo;
	honk_buf_init(&w.data, 0);
	if ((err = find_main(repo, &main, NULL, NULL)) < 0 ||
	    (err = snap_at(&snap, repo, &main)) < 0)
		goto cleanup;
	git_oid_tostr(s->main_hex, sizeof(s->main_hex), &main);
	if (o->with_catalog) {
		err = honk_catalog_load(&s->cat, repo, snap, &d);
		if (err == HONK_EINVALID) {
			/* shown as conflicts: the rest of the view still helps
			 */
			for (i = 0; i < d.n && i < 20; i++)
				add_conflict(s,
					     strstr(d.v[i].msg, "cycle")
						     ? "cycle"
						     : "invalid",
					     "%s:%u:%u: %s", d.v[i].path,
					     d.v[i].line, d.v[i].col,
					     d.v[i].msg);
			err = 0;
		} else if (err < 0) {
			goto cleanup;
		} else {
			s->cat_ok = 1;
		}
	}
	if ((err = honk_snapshot_foreach(snap, "migrations/", on_plan, &w)) <
		    0 ||
	    (err = load_proposals(s, repo, &main)) < 0)
		goto cleanup;
	err = honk_ref_lookup(&tip, repo, STATE_REF);
	if (err == 0) {
		w.jobs = &jobs;
		jobs.quick = !o->all_plans;
		/* a view: git fsck checks objects, as git itself does */
		git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
		if ((err = snap_at(&state, repo, &tip)) < 0 ||
		    (err = honk_snapshot_foreach(state, "state/", on_state,
						 &w)) < 0 ||
		    (err = take_states(s, &jobs)) < 0)
			goto cleanup;
	} else if (err != HONK_ENOTFOUND) {
		goto cleanup;
	}
	err = 0;
	for (i = 0; i < s->nstates; i++) {
		struct honk_status_mig *m;

		if (!s->states[i].id)
			continue;
		if (!(m = mig_for(s, s->states[i].id))) {
			err = oom();
			goto cleanup;
		}
		m->st = &s->states[i];
		m->proposed = 0;
	}
	/* plans: those the state does not stand in for, or all when asked */
	for (i = 0; i < s->nmigs; i++) {
		struct honk_status_mig *m = &s->migs[i];
		struct honk_buf path = HONK_BUF_INIT;

		if (!m->have_plan_blob || m->pf || (m->st && !o->all_plans))
			continue;
		honk_buf_reset(&w.data);
		honk_path_migration(&path, m->id);
		if ((err = honk_repo_read_blob(&w.data, repo, &m->plan_blob)) ==
		    0)
			m->pf = keep_plan(s, m->id, path.buf, w.data.buf,
					  w.data.len, &err);
		honk_buf_release(&path);
		if (err == HONK_EINVALID)
			err = 0;
		if (err < 0)
			goto cleanup;
	}
	for (i = 0; i < s->nmigs; i++) {
		struct honk_status_mig *m = &s->migs[i];

		if (!m->phase)
			m->phase = "approved";
		summarize(s, m);
		if (m->invalid) {
			m->phase = "invalid";
			m->waits = "a file of it cannot be read: see conflicts";
		}
	}
	qsort(s->migs, s->nmigs, sizeof(*s->migs), by_id);
	deadlines_and_conflicts(s, o);
cleanup:
	sjobs_release(&jobs);
	honk_snapshot_free(snap);
	honk_snapshot_free(state);
	honk_diags_release(&d);
	honk_buf_release(&w.data);
	if (err < 0)
		honk_status_release(s);
	return err;
}

void honk_status_release(struct honk_status *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->nstates; i++)
		honk_mstate_release(&s->states[i]);
	free(s->states);
	for (i = 0; i < s->nplans; i++) {
		honk_planfile_release(s->plans[i]);
		free(s->plans[i]);
	}
	free(s->plans);
	honk_catalog_release(&s->cat);
	honk_arena_release(&s->arena);
	memset(s, 0, sizeof(*s));
}

const struct honk_status_mig *honk_status_find(const struct honk_status *s,
					       const char *id)
{
	size_t i;

	for (i = 0; i < s->nmigs; i++)
		if (!strcmp(s->migs[i].id, id))
			return &s->migs[i];
	return NULL;
}

/* ---- JSON ------------------------------------------------------------------
 */

static void json_time(struct honk_json *j, const char *key, int64_t ms)
{
	struct honk_buf t = HONK_BUF_INIT;

	honk_json_key(j, key);
	if (ms && honk_time_format(&t, ms) == 0)
		honk_json_str(j, t.buf);
	else
		honk_json_null(j);
	honk_buf_release(&t);
}

static void mig_json(struct honk_json *j, const struct honk_status_mig *m)
{
	honk_json_kv_str(j, "id", m->id);
	honk_json_kv_str(j, "dataset", m->dataset);
	honk_json_kv_int(j, "from", m->from);
	honk_json_kv_int(j, "to", m->to);
	honk_json_kv_str(j, "phase", m->phase);
	honk_json_kv_str(j, "invalid", m->invalid);
	honk_json_kv_str(j, "verdict", m->verdict);
	honk_json_kv_int(j, "wave", m->wave);
	honk_json_kv_int(j, "waves", m->waves);
	honk_json_key(j, "progress");
	honk_json_obj_begin(j);
	honk_json_kv_int(j, "succeeded", (int64_t)m->succeeded);
	honk_json_kv_int(j, "total", (int64_t)m->total);
	honk_json_kv_int(j, "running", (int64_t)m->running);
	honk_json_kv_int(j, "pending", (int64_t)m->pending);
	honk_json_kv_int(j, "failed", (int64_t)m->failed);
	honk_json_kv_int(j, "paused", (int64_t)m->paused);
	honk_json_kv_int(j, "rolled_back", (int64_t)m->rolled_back);
	honk_json_kv_int(j, "skipped", (int64_t)m->skipped);
	honk_json_obj_end(j);
	json_time(j, "since", m->since);
	honk_json_kv_str(j, "reason", m->reason);
	honk_json_kv_str(j, "waits", m->waits);
	honk_json_key(j, "stale");
	honk_json_bool(j, m->stale);
}

int honk_status_json(struct honk_buf *out, const struct honk_status *s)
{
	struct honk_json j;
	size_t i;

	honk_json_init(&j, out);
	honk_json_obj_begin(&j);
	honk_json_kv_str(&j, "main", s->main_hex);
	honk_json_key(&j, "migrations");
	honk_json_arr_begin(&j);
	for (i = 0; i < s->nmigs; i++) {
		honk_json_obj_begin(&j);
		mig_json(&j, &s->migs[i]);
		honk_json_obj_end(&j);
	}
	honk_json_arr_end(&j);
	honk_json_key(&j, "deadlines");
	honk_json_arr_begin(&j);
	for (i = 0; i < s->ndeadlines; i++) {
		const struct honk_status_deadline *d = &s->deadlines[i];

		honk_json_obj_begin(&j);
		honk_json_kv_str(&j, "dataset", d->dataset);
		honk_json_kv_int(&j, "version", d->version);
		honk_json_kv_str(&j, "consumer", d->consumer);
		honk_json_kv_str(&j, "deprecated", d->deprecated);
		honk_json_kv_int(&j, "days_left", d->days_left);
		honk_json_obj_end(&j);
	}
	honk_json_arr_end(&j);
	honk_json_key(&j, "conflicts");
	honk_json_arr_begin(&j);
	for (i = 0; i < s->nconflicts; i++) {
		honk_json_obj_begin(&j);
		honk_json_kv_str(&j, "kind", s->conflicts[i].kind);
		honk_json_kv_str(&j, "detail", s->conflicts[i].detail);
		honk_json_obj_end(&j);
	}
	honk_json_arr_end(&j);
	honk_json_obj_end(&j);
	return honk_buf_addch(out, '\n');
}

int honk_status_show_json(struct honk_buf *out, const struct honk_status *s,
			  const struct honk_status_mig *m)
{
	struct honk_json j;
	size_t i;

	(void)s;
	honk_json_init(&j, out);
	honk_json_obj_begin(&j);
	mig_json(&j, m);
	if (m->st) {
		honk_json_kv_str(&j, "approved", m->st->approved);
		honk_json_kv_str(&j, "approved_by", m->st->approved_by);
		honk_json_kv_str(&j, "by", m->st->by);
		json_time(&j, "approved_at", m->st->approved_at);
		json_time(&j, "finished_at", m->st->finished_at);
		honk_json_key(&j, "health");
		if (m->st->health.result) {
			honk_json_obj_begin(&j);
			honk_json_kv_int(&j, "wave", m->st->health.wave);
			honk_json_kv_str(&j, "result", m->st->health.result);
			json_time(&j, "at", m->st->health.at);
			honk_json_kv_str(&j, "detail", m->st->health.detail);
			honk_json_obj_end(&j);
		} else {
			honk_json_null(&j);
		}
	}
	honk_json_key(&j, "consumers");
	honk_json_arr_begin(&j);
	if (m->st) {
		for (i = 0; i < m->st->n; i++) {
			const struct honk_cstate_entry *e =
				&m->st->consumers[i];

			honk_json_obj_begin(&j);
			honk_json_kv_str(&j, "consumer", e->consumer);
			honk_json_kv_int(&j, "wave", e->wave);
			honk_json_kv_str(&j, "state",
					 honk_cstate_names[e->state]);
			honk_json_kv_int(&j, "attempts", e->attempts);
			honk_json_kv_str(&j, "step",
					 e->step ? honk_step_names[e->step]
						 : NULL);
			honk_json_kv_str(&j, "error", e->error);
			honk_json_kv_str(&j, "waiting", e->waiting);
			honk_json_kv_str(&j, "reason", e->reason);
			json_time(&j, "finished_at", e->finished_at);
			honk_json_obj_end(&j);
		}
	} else if (m->pf) {
		for (i = 0; i < m->pf->nconsumers; i++) {
			const struct honk_planfile_consumer *c =
				&m->pf->consumers[i];

			honk_json_obj_begin(&j);
			honk_json_kv_str(&j, "consumer", c->consumer);
			honk_json_kv_int(&j, "wave", c->wave);
			honk_json_kv_str(&j, "state",
					 c->impact == HONK_IMPACT_TRANSITIVE
						 ? "skipped"
						 : "pending");
			honk_json_kv_str(&j, "impact",
					 honk_impact_names[c->impact]);
			honk_json_obj_end(&j);
		}
	}
	honk_json_arr_end(&j);
	honk_json_obj_end(&j);
	return honk_buf_addch(out, '\n');
}

/* ---- the decisions
 * ------------------------------------------------------------ */

static int actor_sig(git_signature **out, struct honk_repo *repo,
		     const char *actor, int64_t now)
{
	const char *lt, *gt;
	struct honk_buf name = HONK_BUF_INIT, mail = HONK_BUF_INIT;
	int err = 0;

	if (!actor)
		return honk_repo_signature(out, repo);
	lt = strchr(actor, '<');
	gt = lt ? strchr(lt, '>') : NULL;
	if (!lt || !gt || lt == actor)
		return honk_error_set(
			HONK_EUSAGE, "--actor must be 'Name <email>', not '%s'",
			actor);
	honk_buf_add(&name, actor, (size_t)(lt - actor));
	while (name.len && name.buf[name.len - 1] == ' ')
		honk_buf_setlen(&name, name.len - 1);
	honk_buf_add(&mail, lt + 1, (size_t)(gt - lt - 1));
	if (git_signature_new(out, name.buf, mail.buf, (git_time_t)(now / 1000),
			      0) < 0)
		err = honk_error_git(HONK_EUSAGE, "bad --actor '%s'", actor);
	honk_buf_release(&name);
	honk_buf_release(&mail);
	return err;
}

/* The catalog's main is checked out here: it must be clean to move. */
static int checked_out_main(struct honk_repo *repo, const char *mainref,
			    int *yes)
{
	git_reference *head = NULL;
	git_status_list *st = NULL;
	git_status_options so;
	int err = 0;

	*yes = 0;
	if (git_repository_is_bare(repo->git) ||
	    git_reference_lookup(&head, repo->git, "HEAD") < 0)
		return 0;
	if (git_reference_type(head) == GIT_REFERENCE_SYMBOLIC &&
	    !strcmp(git_reference_symbolic_target(head), mainref)) {
		*yes = 1;
		git_status_options_init(&so, GIT_STATUS_OPTIONS_VERSION);
		so.flags = GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
		if (git_status_list_new(&st, repo->git, &so) < 0)
			err = honk_error_git(HONK_ERROR,
					     "cannot read the worktree");
		else if (git_status_list_entrycount(st))
			err = honk_error_set(
				HONK_ECONFLICT,
				"%s is checked out here with changes: commit or stash them first",
				mainref + strlen("refs/heads/"));
	}
	git_status_list_free(st);
	git_reference_free(head);
	return err;
}

/*
 * While the worktree follows main, <gitdir>/honk-follow holds "OLD NEW
 * REF": a checkout that fails half-way (a full disk) leaves it, and the
 * next approve finishes the checkout. The worktree was clean
 * at OLD (approve refuses otherwise), so what differs there is what the
 * failed checkout wrote.
 */
static void follow_path(struct honk_buf *b, struct honk_repo *repo)
{
	honk_buf_reset(b);
	honk_buf_addf(b, "%shonk-follow", git_repository_path(repo->git));
}

/* The paths of a diff, for a checkout limited to them. */
static int delta_path(const git_diff_delta *delta, float progress,
		      void *payload)
{
	struct honk_buf *b = payload;

	(void)progress;
	honk_buf_add(b, delta->new_file.path, strlen(delta->new_file.path) + 1);
	return 0;
}

/*
 * Check out what changed from base to HEAD, over what is there: safely
 * (the worktree holds base), or by force for the paths that changed
 * only (what a checkout cut short left half-written), never another.
 */
static int checkout_over(struct honk_repo *repo, const git_oid *base_id,
			 int force, const char *mref)
{
	git_checkout_options co;
	git_commit *old = NULL, *cur = NULL;
	git_tree *base = NULL, *to = NULL;
	git_diff *diff = NULL;
	struct honk_buf names = HONK_BUF_INIT;
	char **paths = NULL;
	size_t n = 0, off;
	int err = 0;

	git_checkout_options_init(&co, GIT_CHECKOUT_OPTIONS_VERSION);
	co.checkout_strategy = GIT_CHECKOUT_SAFE;
	/* what the worktree holds now: the tree main pointed at */
	if (git_commit_lookup(&old, repo->git, base_id) == 0 &&
	    git_commit_tree(&base, old) == 0)
		co.baseline = base;
	if (force && base) {
		git_oid head;

		if (git_reference_name_to_id(&head, repo->git, mref) < 0 ||
		    git_commit_lookup(&cur, repo->git, &head) < 0 ||
		    git_commit_tree(&to, cur) < 0 ||
		    git_diff_tree_to_tree(&diff, repo->git, base, to, NULL) <
			    0 ||
		    git_diff_foreach(diff, delta_path, NULL, NULL, NULL,
				     &names) < 0) {
			err = honk_error_git(HONK_ERROR,
					     "cannot compare %s with its base",
					     mref);
			goto cleanup;
		}
		for (off = 0; off < names.len; off += strlen(names.buf + off) + 1)
			n++;
		if (!(paths = calloc(n + 1, sizeof(*paths)))) {
			err = honk_error_set(HONK_ERROR, "out of memory");
			goto cleanup;
		}
		for (off = 0, n = 0; off < names.len;
		     off += strlen(names.buf + off) + 1)
			paths[n++] = names.buf + off;
		co.paths.strings = paths;
		co.paths.count = n;
		co.checkout_strategy = GIT_CHECKOUT_FORCE |
				       GIT_CHECKOUT_DISABLE_PATHSPEC_MATCH;
		if (!n)
			goto cleanup; /* nothing changed: nothing to finish */
	}
	if (git_checkout_head(repo->git, &co) < 0)
		err = honk_error_git(
			HONK_ERROR,
			"%s moved (that stands), but the worktree '%s' could not follow; run honk-status approve again to finish",
			mref + strlen("refs/heads/"),
			git_repository_workdir(repo->git));
cleanup:
	free(paths);
	honk_buf_release(&names);
	git_diff_free(diff);
	git_tree_free(to);
	git_commit_free(cur);
	git_tree_free(base);
	git_commit_free(old);
	return err;
}

/*
 * Finish a checkout a failed approve left half-done, when main
 * is still where it moved it and still checked out here; a marker that
 * no longer applies is dropped.
 */
static int finish_follow(struct honk_repo *repo)
{
	struct honk_buf path = HONK_BUF_INIT, text = HONK_BUF_INIT;
	git_reference *head = NULL;
	git_oid old, new, now;
	char ref[256];
	int err = 0;

	follow_path(&path, repo);
	if (honk_buf_read_file(&text, path.buf) < 0)
		goto cleanup; /* none */
	if (text.len > 82 + sizeof(ref) - 1 || text.len < 83 ||
	    text.buf[40] != ' ' || text.buf[81] != ' ' ||
	    git_oid_fromstrn(&old, text.buf, 40) < 0 ||
	    git_oid_fromstrn(&new, text.buf + 41, 40) < 0)
		goto drop;
	memcpy(ref, text.buf + 82, text.len - 82);
	ref[text.len - 82] = '\0';
	ref[strcspn(ref, "\n")] = '\0';
	if (strncmp(ref, "refs/heads/", 11) ||
	    git_repository_head(&head, repo->git) < 0 ||
	    strcmp(git_reference_name(head), ref) ||
	    honk_ref_lookup(&now, repo, ref) < 0 || !git_oid_equal(&now, &new))
		goto drop;
	if ((err = checkout_over(repo, &old, 1, ref)) < 0)
		goto cleanup;
drop:
	if (unlink(path.buf) < 0 && !err)
		err = honk_error_errno(HONK_ERROR, "cannot remove '%s'",
				       path.buf);
cleanup:
	git_reference_free(head);
	honk_buf_release(&path);
	honk_buf_release(&text);
	return err;
}

/*
 * Move main from expected to target; when it is checked out here, the
 * index and worktree follow, as git merge leaves them.
 */
static int move_main(struct honk_repo *repo, const char *mref,
		     const git_oid *target, const git_oid *expected,
		     int worktree, const char *why)
{
	struct honk_buf path = HONK_BUF_INIT, mark = HONK_BUF_INIT;
	char a[GIT_OID_HEXSZ + 1], b[GIT_OID_HEXSZ + 1];
	int err;

	if (worktree) {
		/* before the ref moves: a checkout cut short is finished */
		follow_path(&path, repo);
		honk_buf_addf(&mark, "%s %s %s\n",
			      git_oid_tostr(a, sizeof(a), expected),
			      git_oid_tostr(b, sizeof(b), target), mref);
		if ((err = honk_file_write_atomic(path.buf, mark.buf,
						  mark.len)) < 0)
			goto cleanup;
	}
	err = honk_ref_update(repo, mref, target, expected, why);
	if (err == 0 && worktree)
		err = checkout_over(repo, expected, 0, mref);
	if (worktree) {
		git_oid now;

		/* kept only for a checkout cut short after the ref moved */
		if (err == 0 || honk_ref_lookup(&now, repo, mref) < 0 ||
		    !git_oid_equal(&now, target))
			unlink(path.buf);
	}
cleanup:
	honk_buf_release(&path);
	honk_buf_release(&mark);
	return err;
}

static int remote_of(const struct honk_decision_opts *o, const char *cfg,
		     char **out)
{
	*out = NULL;
	if (o->no_remote || (!o->remote && !cfg))
		return 0;
	*out = strdup(o->remote ? o->remote : cfg);
	return *out ? 0 : oom();
}

int honk_status_approve(struct honk_repo *repo,
			const struct honk_decision_opts *o,
			struct honk_buf *detail)
{
	struct honk_buf pref = HONK_BUF_INIT, mref = HONK_BUF_INIT,
			msg = HONK_BUF_INIT, path = HONK_BUF_INIT,
			spec = HONK_BUF_INIT;
	char *main_name = NULL, *cfg_remote = NULL, *remote = NULL;
	git_signature *sig = NULL;
	int err, tries;

	if ((err = honk_name_check("migration", o->id)) < 0 ||
	    (err = honk_ref_proposal(&pref, o->id)) < 0 ||
	    (err = honk_path_migration(&path, o->id)) < 0)
		goto cleanup;
	{
		git_oid ignored;

		if ((err = find_main(repo, &ignored, &main_name, &cfg_remote)) <
			    0 ||
		    (err = remote_of(o, cfg_remote, &remote)) < 0 ||
		    (err = actor_sig(&sig, repo, o->actor, o->now)) < 0)
			goto cleanup;
	}
	honk_buf_addf(&mref, "refs/heads/%s", main_name);
	if ((err = finish_follow(repo)) < 0)
		goto cleanup;
	for (tries = 0; tries < PUSH_TRIES; tries++) {
		struct honk_snapshot *ms = NULL;
		git_commit *mc = NULL, *pc = NULL;
		git_index *idx = NULL;
		git_tree *tree = NULL;
		git_oid m, p, tree_id, made;
		const git_commit *parents[2];
		unsigned int mode;
		int worktree;

		if (remote &&
		    ((err = honk_remote_fetch(repo, remote, NULL, 0)) < 0 ||
		     (err = honk_ref_follow(repo, remote, pref.buf)) < 0))
			break;
		if ((err = honk_ref_lookup(&m, repo, mref.buf)) < 0)
			break;
		if (remote) {
			struct honk_buf tr = HONK_BUF_INIT;
			git_oid theirs;

			/* main as the remote has it, when ours is behind */
			honk_buf_addf(&tr, "refs/remotes/%s/%s", remote,
				      main_name);
			if (honk_ref_lookup(&theirs, repo, tr.buf) == 0 &&
			    !git_oid_equal(&theirs, &m) &&
			    git_graph_descendant_of(repo->git, &theirs, &m) ==
				    1) {
				if ((err = checked_out_main(repo, mref.buf,
							    &worktree)) < 0 ||
				    (err = move_main(
					     repo, mref.buf, &theirs, &m,
					     worktree,
					     "honk: follow the remote")) < 0) {
					honk_buf_release(&tr);
					break;
				}
				git_oid_cpy(&m, &theirs);
			}
			honk_buf_release(&tr);
		}
		if ((err = snap_at(&ms, repo, &m)) < 0)
			break;
		err = honk_snapshot_entry(&p, &mode, ms, path.buf);
		honk_snapshot_free(ms);
		if (err == 0) {
			honk_buf_addf(detail,
				      "%s is approved already: %s is on %s",
				      o->id, path.buf, main_name);
			break;
		}
		if ((err = honk_ref_lookup(&p, repo, pref.buf)) < 0) {
			if (err == HONK_ENOTFOUND)
				honk_error_set(
					err,
					"no proposal honk/propose/%s to approve",
					o->id);
			break;
		}
		if ((err = checked_out_main(repo, mref.buf, &worktree)) < 0)
			break;
		if (git_commit_lookup(&mc, repo->git, &m) < 0 ||
		    git_commit_lookup(&pc, repo->git, &p) < 0 ||
		    git_merge_commits(&idx, repo->git, mc, pc, NULL) < 0) {
			err = honk_error_git(HONK_ERROR, "cannot merge %s",
					     pref.buf);
			goto next;
		}
		if (git_index_has_conflicts(idx)) {
			err = honk_error_set(
				HONK_ECONFLICT,
				"honk/propose/%s conflicts with %s: merge it by hand",
				o->id, main_name);
			goto next;
		}
		honk_buf_reset(&msg);
		honk_buf_addf(&msg,
			      "Merge honk/propose/%s: approve %s\n\n%s%s"
			      "Honk-Migration: %s\nHonk-Event: approved\n"
			      "Honk-Actor: %s <%s>\n",
			      o->id, o->id, o->reason ? o->reason : "",
			      o->reason ? "\n\n" : "", o->id, sig->name,
			      sig->email);
		parents[0] = mc;
		parents[1] = pc;
		if (git_index_write_tree_to(&tree_id, idx, repo->git) < 0 ||
		    git_tree_lookup(&tree, repo->git, &tree_id) < 0 ||
		    git_commit_create(&made, repo->git, NULL, sig, sig, NULL,
				      msg.buf, tree, 2, parents) < 0) {
			err = honk_error_git(HONK_ERROR, "cannot merge %s",
					     pref.buf);
			goto next;
		}
		err = move_main(repo, mref.buf, &made, &m, worktree,
				"honk: approve");
		if (err == 0 && remote) {
			honk_buf_reset(&spec);
			honk_buf_addf(&spec, "%s:%s", mref.buf, mref.buf);
			{
				const char *specs[1] = { spec.buf };

				err = honk_remote_push(repo, remote, specs, 1);
			}
			if (err == HONK_ECONFLICT) {
				/* main moved there: undo ours, merge again */
				move_main(repo, mref.buf, &m, &made, worktree,
					  "honk: the remote moved");
			}
		}
		if (err == 0) {
			char hex[8];

			git_oid_tostr(hex, sizeof(hex), &made);
			honk_buf_addf(
				detail,
				"merged honk/propose/%s into %s as %s%s%s",
				o->id, main_name, hex,
				remote ? ", pushed to " : "",
				remote ? remote : "");
		}
next:
		git_tree_free(tree);
		git_index_free(idx);
		git_commit_free(mc);
		git_commit_free(pc);
		if (err != HONK_ECONFLICT || !remote)
			break;
	}
	if (err == HONK_ECONFLICT && remote && tries == PUSH_TRIES)
		err = honk_error_set(err,
				     "%s kept moving on '%s'; run again later",
				     main_name, remote);
cleanup:
	git_signature_free(sig);
	free(main_name);
	free(cfg_remote);
	free(remote);
	honk_buf_release(&pref);
	honk_buf_release(&mref);
	honk_buf_release(&msg);
	honk_buf_release(&path);
	honk_buf_release(&spec);
	return err;
}

int honk_status_reject(struct honk_repo *repo,
		       const struct honk_decision_opts *o,
		       struct honk_buf *detail)
{
	struct honk_buf pref = HONK_BUF_INIT, spath = HONK_BUF_INIT,
			ppath = HONK_BUF_INIT, text = HONK_BUF_INIT,
			msg = HONK_BUF_INIT, spec = HONK_BUF_INIT,
			who = HONK_BUF_INIT;
	char *main_name = NULL, *cfg_remote = NULL, *remote = NULL;
	git_signature *sig = NULL;
	int err, tries;

	if (!o->reason || !*o->reason)
		return honk_error_set(
			HONK_EUSAGE,
			"reject needs --reason: say why, for the record");
	if ((err = honk_name_check("migration", o->id)) < 0 ||
	    (err = honk_ref_proposal(&pref, o->id)) < 0 ||
	    (err = honk_path_state(&spath, o->id)) < 0 ||
	    (err = honk_path_migration(&ppath, o->id)) < 0)
		goto cleanup;
	{
		git_oid m;
		struct honk_snapshot *ms = NULL;
		unsigned int mode;
		git_oid blob;

		if ((err = find_main(repo, &m, &main_name, &cfg_remote)) < 0 ||
		    (err = remote_of(o, cfg_remote, &remote)) < 0 ||
		    (err = actor_sig(&sig, repo, o->actor, o->now)) < 0)
			goto cleanup;
		if (remote &&
		    (err = honk_remote_fetch(repo, remote, NULL, 0)) < 0)
			goto cleanup;
		if ((err = snap_at(&ms, repo, &m)) < 0)
			goto cleanup;
		err = honk_snapshot_entry(&blob, &mode, ms, ppath.buf);
		honk_snapshot_free(ms);
		if (err == 0) {
			err = honk_error_set(
				HONK_EUSAGE,
				"%s is approved (%s is on %s): stop its rollout with honk-rollout abort %s",
				o->id, ppath.buf, main_name, o->id);
			goto cleanup;
		}
	}
	honk_buf_addf(&who, "%s <%s>", sig->name, sig->email);
	for (tries = 0; tries < PUSH_TRIES * 2; tries++) {
		struct honk_snapshot *ss = NULL;
		struct honk_tree_update up;
		struct honk_mstate st;
		git_oid tip, p;
		int have_tip, have_p;

		if (remote &&
		    ((err = honk_ref_follow(repo, remote, STATE_REF)) < 0 ||
		     (err = honk_ref_follow(repo, remote, pref.buf)) < 0))
			break;
		err = honk_ref_lookup(&p, repo, pref.buf);
		if (err < 0 && err != HONK_ENOTFOUND)
			break;
		have_p = err == 0;
		err = honk_ref_lookup(&tip, repo, STATE_REF);
		if (err < 0 && err != HONK_ENOTFOUND)
			break;
		have_tip = err == 0;
		honk_buf_reset(&text);
		err = have_tip && snap_at(&ss, repo, &tip) == 0
			      ? honk_snapshot_read(&text, ss, spath.buf)
			      : HONK_ENOTFOUND;
		honk_snapshot_free(ss);
		if (err == 0) {
			struct honk_diags d = HONK_DIAGS_INIT;

			err = honk_mstate_parse(&st, spath.buf, text.buf,
						text.len, &d);
			honk_diags_release(&d);
			if (err == 0 && st.phase != HONK_PHASE_REJECTED)
				err = honk_error_set(
					HONK_EUSAGE,
					"%s is %s: stop it with honk-rollout abort %s",
					o->id, honk_phase_names[st.phase],
					o->id);
			else if (err == 0 && !have_p)
				honk_buf_addf(detail, "%s is rejected already",
					      o->id);
			honk_mstate_release(&st);
			if (err < 0 || !have_p)
				break;
		} else if (err != HONK_ENOTFOUND) {
			break;
		} else if (!have_p) {
			err = honk_error_set(
				HONK_ENOTFOUND,
				"no proposal honk/propose/%s to reject", o->id);
			break;
		}
		/* the record first: a crash after it leaves a rejection */
		memset(&st, 0, sizeof(st));
		st.id = honk_mstate_str(&st, o->id);
		st.phase = HONK_PHASE_REJECTED;
		st.by = honk_mstate_str(&st, who.buf);
		st.reason = honk_mstate_str(&st, o->reason);
		st.finished_at = o->now;
		honk_buf_reset(&text);
		err = honk_mstate_write(&text, &st);
		honk_mstate_release(&st);
		if (err < 0)
			break;
		honk_buf_reset(&msg);
		honk_buf_addf(&msg,
			      "honk: %s rejected\n\nReason: %s\n\n"
			      "Honk-Migration: %s\nHonk-Event: rejected\n"
			      "Honk-Actor: %s\n",
			      o->id, o->reason, o->id, who.buf);
		up.path = spath.buf;
		up.data = text.buf;
		up.len = text.len;
		up.remove = 0;
		err = honk_repo_commit(NULL, repo, STATE_REF,
				       have_tip ? &tip : NULL, &up, 1, msg.buf,
				       NULL);
		if (err == HONK_ECONFLICT)
			continue;
		if (err < 0)
			break;
		if ((err = honk_ref_update(repo, pref.buf, NULL, &p,
					   "honk: rejected")) < 0)
			break;
		if (remote) {
			const char *specs[2];

			honk_buf_reset(&spec);
			honk_buf_addf(&spec, ":%s", pref.buf);
			specs[0] = STATE_REF ":" STATE_REF;
			specs[1] = spec.buf;
			err = honk_remote_push(repo, remote, specs, 2);
			if (err == HONK_ECONFLICT)
				continue;
			if (err < 0)
				break;
		}
		honk_buf_addf(
			detail,
			"honk/propose/%s deleted; the rejection is on honk/state",
			o->id);
		break;
	}
cleanup:
	git_signature_free(sig);
	free(main_name);
	free(cfg_remote);
	free(remote);
	honk_buf_release(&pref);
	honk_buf_release(&spath);
	honk_buf_release(&ppath);
	honk_buf_release(&text);
	honk_buf_release(&msg);
	honk_buf_release(&spec);
	honk_buf_release(&who);
	return err;
}
