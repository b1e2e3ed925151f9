/*
 * honk-rollout: the fleet layer. A reconciler that rolls approved
 * migrations out in waves, and the verbs people use on them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "clock.h"
#include "json.h"
#include "names.h"
#include "repo.h"
#include "rollout.h"
#include "banned.h"

static const char usage[] =
	"usage: honk-rollout [-C DIR] [--json] [-q] [-v] <command> [<args>]\n"
	"\n"
	"commands:\n"
	"   run [ID...|--all] [--once]    the reconciler: start approved migrations and\n"
	"                                 move each consumer over, wave by wave, until\n"
	"                                 done, stopped or waiting on a person\n"
	"   pause ID [--consumer C]       stop starting steps (or hold one consumer)\n"
	"   resume ID [--consumer C]      go on after a pause\n"
	"   retry ID [--consumer C]       run failed consumers again\n"
	"   promote ID [--full]           skip the wait before the next wave (--full:\n"
	"                                 every remaining wave at once, no more gates)\n"
	"   abort ID                      stop and roll back what moved\n"
	"   undo ID [--consumer C]        roll back now (one consumer, or all)\n"
	"   history ID [--consumer C]     every transition, from honk/state's log\n"
	"\n"
	"options:\n"
	"   -C DIR                      run as if started in DIR\n"
	"   --all                       run: every approved migration (the default)\n"
	"   --once                      run: do what can be done now, then exit (cron)\n"
	"   --consumer C                the verb applies to consumer C only\n"
	"   --reason R                  the verbs: why, for the record\n"
	"   --full                      promote: all remaining waves\n"
	"   --actor NAME                who did it (default: git config user.name\n"
	"                               and user.email)\n"
	"   --remote NAME, --no-remote  fetch before, push after (default: honk.yaml's)\n"
	"   --json                      machine-readable output on stdout\n"
	"   -q, --quiet                 nothing but errors (for cron)\n"
	"   -v, --verbose               say more on stderr\n"
	"   --color=auto|always|never   colour on a terminal (NO_COLOR honoured)\n"
	"   -h, --help                  show this help\n"
	"   --version                   show the version\n"
	"\n"
	"exit status: 0 ok, 1 found something, 2 usage, 3 invalid input,\n"
	"4 conflict or busy, 5 git, I/O or system error\n";

enum { OPT_ALL, OPT_ONCE, OPT_CONSUMER, OPT_REASON, OPT_FULL, OPT_ACTOR };

static struct honk_opt opts[] = {
	HONK_OPT("all", 0, 0),
	HONK_OPT("once", 0, 0),
	HONK_OPT("consumer", 0, 1),
	HONK_OPT("reason", 0, 1),
	HONK_OPT("full", 0, 0),
	HONK_OPT("actor", 0, 1),
	HONK_OPT_END,
};

struct out {
	struct honk_cli *cli;
	struct honk_buf buf;
	struct honk_json j;
	int tty; /* a progress line on stderr */
	int progress_shown;
};

static void clear_progress(struct out *o)
{
	if (o->progress_shown) {
		fputs("\r\033[K", stderr);
		o->progress_shown = 0;
	}
}

static void on_event(const char *event, const char *mig, const char *consumer,
		     const char *detail, void *payload)
{
	struct out *o = payload;

	if (!strcmp(event, "progress")) {
		if (o->tty && !o->cli->quiet && !o->cli->json) {
			fprintf(stderr, "\r\033[K%s: %s", mig, detail);
			o->progress_shown = 1;
		}
		return;
	}
	if (!strcmp(event, "waiting") && !mig) {
		if (o->cli->verbose)
			fprintf(stderr,
				"%s: waiting %s for the next due step\n",
				o->cli->prog, detail);
		return;
	}
	if (!strcmp(event, "invalid") && !o->cli->json) {
		clear_progress(o);
		fflush(stdout);
		fprintf(stderr, "%s: error: %s\n", o->cli->prog, detail);
		return;
	}
	if (o->cli->json) {
		honk_json_obj_begin(&o->j);
		honk_json_kv_str(&o->j, "event", event);
		honk_json_kv_str(&o->j, "migration", mig);
		honk_json_kv_str(&o->j, "consumer", consumer);
		honk_json_kv_str(&o->j, "detail", detail);
		honk_json_obj_end(&o->j);
		return;
	}
	if (o->cli->quiet)
		return;
	clear_progress(o);
	printf("%-13s %s%s%s: %s\n", event, mig ? mig : "", consumer ? " " : "",
	       consumer ? consumer : "", detail);
	fflush(stdout);
}

static int open_repo(struct honk_cli *cli, struct honk_repo **repo)
{
	int err = honk_repo_open(repo);

	return err < 0 ? honk_cli_fail(cli, err) : 0;
}

static int cmd_run(struct honk_cli *cli)
{
	struct honk_rollout_opts ro = HONK_ROLLOUT_OPTS_INIT;
	struct honk_rollout_result res;
	struct honk_repo *repo = NULL;
	struct out o;
	int err, code, i;

	memset(&o, 0, sizeof(o));
	o.cli = cli;
	honk_buf_init(&o.buf, 0);
	o.tty = isatty(2) && honk_cli_color(cli, stderr) >= 0 && isatty(2);
	if (opts[OPT_ALL].value && cli->nargs > 1) {
		honk_cli_error(cli, "run takes IDs or --all, not both");
		return HONK_EXIT_USAGE;
	}
	for (i = 1; i < cli->nargs; i++)
		if (honk_name_check("migration", cli->args[i]) < 0) {
			honk_cli_error(cli, "%s", honk_error_last());
			return HONK_EXIT_USAGE;
		}
	if ((code = open_repo(cli, &repo)) != 0)
		return code;
	ro.ids = cli->nargs > 1 ? (const char *const *)cli->args + 1 : NULL;
	ro.nids = cli->nargs > 1 ? (size_t)cli->nargs - 1 : 0;
	ro.once = opts[OPT_ONCE].value != NULL;
	ro.remote = cli->remote;
	ro.no_remote = cli->no_remote;
	if (cli->json) {
		honk_json_init(&o.j, &o.buf);
		honk_json_obj_begin(&o.j);
		honk_json_key(&o.j, "events");
		honk_json_arr_begin(&o.j);
	}
	err = honk_rollout_run(repo, &ro, on_event, &o, &res);
	clear_progress(&o);
	if (cli->json) {
		honk_json_arr_end(&o.j);
		honk_json_key(&o.j, "commits");
		honk_json_int(&o.j, (int64_t)res.commits);
		honk_json_key(&o.j, "completed");
		honk_json_int(&o.j, (int64_t)res.completed);
		honk_json_key(&o.j, "stopped");
		honk_json_int(&o.j, (int64_t)res.stopped);
		honk_json_key(&o.j, "active");
		honk_json_int(&o.j, (int64_t)res.active);
		honk_json_key(&o.j, "busy");
		honk_json_int(&o.j, (int64_t)res.busy);
		honk_json_obj_end(&o.j);
		honk_buf_addch(&o.buf, '\n');
		if (fwrite(o.buf.buf, 1, o.buf.len, stdout) != o.buf.len)
			err = err < 0 ? err
				      : honk_error_errno(HONK_ERROR,
							 "cannot write output");
	}
	if (err < 0) {
		code = honk_cli_fail(cli, err);
	} else {
		if (!cli->quiet && !cli->json)
			fprintf(stderr,
				"%s: %zu completed, %zu stopped, %zu under way, %zu held by another runner; %zu state commit%s\n",
				cli->prog, res.completed, res.stopped,
				res.active, res.busy, res.commits,
				res.commits == 1 ? "" : "s");
		code = res.stopped ? HONK_EXIT_FOUND : 0;
	}
	honk_buf_release(&o.buf);
	honk_repo_free(repo);
	return code;
}

static int do_verb(struct honk_cli *cli, enum honk_verb verb)
{
	struct honk_verb_opts vo;
	struct honk_repo *repo = NULL;
	struct honk_buf detail = HONK_BUF_INIT;
	int err, code;

	memset(&vo, 0, sizeof(vo));
	if (cli->nargs != 2) {
		honk_cli_error(cli, "%s takes one migration id", cli->args[0]);
		return HONK_EXIT_USAGE;
	}
	if (honk_name_check("migration", cli->args[1]) < 0 ||
	    (opts[OPT_CONSUMER].value &&
	     honk_name_check("consumer", opts[OPT_CONSUMER].value) < 0)) {
		honk_cli_error(cli, "%s", honk_error_last());
		return HONK_EXIT_USAGE;
	}
	vo.verb = verb;
	vo.id = cli->args[1];
	vo.consumer = opts[OPT_CONSUMER].value;
	vo.reason = opts[OPT_REASON].value;
	vo.actor = opts[OPT_ACTOR].value;
	vo.full = opts[OPT_FULL].value != NULL;
	vo.remote = cli->remote;
	vo.no_remote = cli->no_remote;
	if ((code = open_repo(cli, &repo)) != 0)
		return code;
	err = honk_rollout_verb(repo, &vo, &detail);
	if (err < 0) {
		code = honk_cli_fail(cli, err);
	} else {
		code = 0;
		if (cli->json) {
			struct honk_buf b = HONK_BUF_INIT;
			struct honk_json j;

			honk_json_init(&j, &b);
			honk_json_obj_begin(&j);
			honk_json_kv_str(&j, "migration", vo.id);
			honk_json_kv_str(&j, "verb", cli->args[0]);
			honk_json_kv_str(&j, "consumer", vo.consumer);
			honk_json_kv_str(&j, "detail", detail.buf);
			honk_json_obj_end(&j);
			honk_buf_addch(&b, '\n');
			fwrite(b.buf, 1, b.len, stdout);
			honk_buf_release(&b);
		} else if (!cli->quiet) {
			printf("%s: %s\n", vo.id, detail.buf);
		}
	}
	honk_buf_release(&detail);
	honk_repo_free(repo);
	return code;
}

static int cmd_pause(struct honk_cli *cli)
{
	return do_verb(cli, HONK_VERB_PAUSE);
}

static int cmd_resume(struct honk_cli *cli)
{
	return do_verb(cli, HONK_VERB_RESUME);
}

static int cmd_retry(struct honk_cli *cli)
{
	return do_verb(cli, HONK_VERB_RETRY);
}

static int cmd_promote(struct honk_cli *cli)
{
	return do_verb(cli, HONK_VERB_PROMOTE);
}

static int cmd_abort(struct honk_cli *cli)
{
	return do_verb(cli, HONK_VERB_ABORT);
}

static int cmd_undo(struct honk_cli *cli)
{
	return do_verb(cli, HONK_VERB_UNDO);
}

/* ---- history ---- */

static int cmd_history(struct honk_cli *cli)
{
	struct honk_repo *repo = NULL;
	struct honk_buf out = HONK_BUF_INIT;
	int err, code;

	if (cli->nargs != 2) {
		honk_cli_error(cli, "history takes one migration id");
		return HONK_EXIT_USAGE;
	}
	if ((code = open_repo(cli, &repo)) != 0)
		return code;
	err = honk_rollout_history_render(&out, repo, cli->args[1],
					  opts[OPT_CONSUMER].value, cli->json);
	if (err < 0)
		code = honk_cli_fail(cli, err);
	else
		code = fwrite(out.buf, 1, out.len, stdout) == out.len
			       ? 0
			       : honk_cli_fail(cli,
					       honk_error_errno(
						       HONK_ERROR,
						       "cannot write output"));
	honk_buf_release(&out);
	honk_repo_free(repo);
	return code;
}

#define VERB (1u << OPT_REASON | 1u << OPT_ACTOR)

static const struct {
	const char *name;
	int (*fn)(struct honk_cli *cli);
	unsigned opt_mask;
} commands[] = {
	{ "run", cmd_run, 1u << OPT_ALL | 1u << OPT_ONCE },
	{ "pause", cmd_pause, VERB | 1u << OPT_CONSUMER },
	{ "resume", cmd_resume, VERB | 1u << OPT_CONSUMER },
	{ "retry", cmd_retry, VERB | 1u << OPT_CONSUMER },
	{ "promote", cmd_promote, VERB | 1u << OPT_FULL },
	{ "abort", cmd_abort, VERB },
	{ "undo", cmd_undo, VERB | 1u << OPT_CONSUMER },
	{ "history", cmd_history, 1u << OPT_CONSUMER },
};

int main(int argc, char **argv)
{
	struct honk_cli cli;
	const char *names[sizeof(commands) / sizeof(commands[0])];
	size_t i;
	int k, err, code;

	if ((code = honk_cli_start(&cli, "honk-rollout", argc, argv, opts,
				   usage)) >= 0)
		return code;
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		names[i] = commands[i].name;
	if ((k = honk_cli_command(&cli, names, i, usage)) < 0)
		return honk_cli_exit(&cli, HONK_EXIT_USAGE);
	i = (size_t)k;
	if ((code = honk_cli_opts_apply(&cli, opts, commands[i].opt_mask,
					commands[i].name)) != 0)
		return honk_cli_exit(&cli, code);
	if ((err = honk_cli_enter(&cli)) < 0)
		return honk_cli_exit(&cli, honk_cli_fail(&cli, err));
	return honk_cli_exit(&cli, commands[i].fn(&cli));
}
