#ifndef HONK_ROLLOUT_H
#define HONK_ROLLOUT_H

#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "repo.h"

/*
 * The fleet layer (DESIGN section 6): a reconciler that moves every
 * consumer of an approved migration over, a wave at a time, and the
 * verbs people use on it. State lives in state/<id>.yaml on honk/state;
 * every transition is a commit there, by compare-and-swap.
 */

struct honk_rollout_opts {
	const char *const *ids; /* these migrations; NULL: every approved one */
	size_t nids;
	int once;	    /* do what can be done now, never wait */
	const char *remote; /* NULL: honk.yaml's */
	int no_remote;
	const struct honk_clock *clock; /* NULL: the real one */
	int64_t group_ms; /* transitions this close share a commit (default 20)
			   */
};

#define HONK_ROLLOUT_OPTS_INIT               \
	{                                    \
		NULL, 0, 0, NULL, 0, NULL, 0 \
	}

/*
 * What happened: event is "started", "running", "succeeded", "retry",
 * "failed", "wave", "health", "paused", "completed", "rolling-back",
 * "rolled-back", "waiting", "busy", "notify", "lease-lost", "progress".
 * consumer may be NULL.
 */
typedef void (*honk_rollout_cb)(const char *event, const char *migration,
				const char *consumer, const char *detail,
				void *payload);

struct honk_rollout_result {
	size_t commits; /* state commits made */
	size_t busy;	/* migrations another runner holds */
	size_t stopped; /* paused, failed or rolled back: exit 1 */
	size_t completed;
	size_t active; /* still under way (waiting, or --once) */
};

/*
 * Run the reconciler until every selected migration is completed,
 * stopped, or waits on something only a person or time can change
 * (with once: until nothing more can be done now). HONK_EBUSY when a
 * migration named in ids is another runner's (its lease is held).
 */
int honk_rollout_run(struct honk_repo *repo, const struct honk_rollout_opts *o,
		     honk_rollout_cb cb, void *payload,
		     struct honk_rollout_result *res);

/* The verbs. */
enum honk_verb {
	HONK_VERB_PAUSE,
	HONK_VERB_RESUME,
	HONK_VERB_RETRY,
	HONK_VERB_PROMOTE,
	HONK_VERB_ABORT,
	HONK_VERB_UNDO
};

struct honk_verb_opts {
	enum honk_verb verb;
	const char *id;
	const char *consumer; /* --consumer, where the verb takes one */
	const char *reason;
	const char *actor; /* "Name <email>"; NULL: git config's */
	int full;	   /* promote --full */
	const char *remote;
	int no_remote;
	const struct honk_clock *clock;
};

/*
 * Apply a verb to a migration's state, by compare-and-swap (fetched,
 * pushed, retried with a remote). HONK_ENOTFOUND for a migration with
 * no state yet, HONK_EUSAGE for a verb its phase does not allow, with a
 * message saying why. *detail receives what changed.
 */
int honk_rollout_verb(struct honk_repo *repo, const struct honk_verb_opts *o,
		      struct honk_buf *detail);

/*
 * The history of a migration (or one consumer of it): every commit of
 * honk/state that names it, oldest first, as cb(when, actor, subject,
 * body) calls.
 */
typedef int (*honk_history_cb)(int64_t when_ms, const char *actor,
			       const char *commit, const char *message,
			       void *payload);

int honk_rollout_history(struct honk_repo *repo, const char *id,
			 const char *consumer, honk_history_cb cb,
			 void *payload);

/*
 * The history as people read it (time, commit, actor, then what
 * happened, indented) or as JSON ({migration, commits: [{time, commit,
 * actor, subject, lines}], logs: [{path, log}]}); with a consumer, also
 * the whole output of each of its steps (logs/<id>/<consumer>/ on
 * honk/state).
 */
int honk_rollout_history_render(struct honk_buf *out, struct honk_repo *repo,
				const char *id, const char *consumer,
				int json);

#endif
