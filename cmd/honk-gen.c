/*
 * honk-gen: migration code for a proposal (SQL, compatibility views,
 * consumer rewrites), validated; and the rewrite engine on its own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "diag.h"
#include "gen.h"
#include "json.h"
#include "names.h"
#include "repo.h"
#include "rewrite.h"
#include "sqlgen.h"
#include "banned.h"

static const char usage[] =
	"usage: honk-gen [-C DIR] [--json] [-q] [-v] [--dry-run] [--no-validate]\n"
	"                [--consumer C]... [--dialect D]... ID\n"
	"   or: honk-gen [-C DIR] [--json] [-q] [-v] <command> [<args>]\n"
	"\n"
	"With a migration ID: write the migration code onto the proposal branch\n"
	"honk/propose/<ID> (transform and compatibility SQL, rewrite rules, a patch\n"
	"per consumer, validation.yaml), commit each consumer's change on honk/<ID>\n"
	"in its repository, and validate: the SQL in SQLite, each consumer's test\n"
	"command in a checkout of its branch. Exit 1 when validation fails.\n"
	"\n"
	"commands:\n"
	"   validate ID                   run the validation again on the artifacts as\n"
	"                                 the proposal has them, and record it\n"
	"   rewrite --rules FILE PATH...  apply rewrite rules to the files below each\n"
	"                                 PATH, in order as sed -E would, and print\n"
	"                                 the patch (symbolic links are not followed,\n"
	"                                 binaries and .git are skipped)\n"
	"\n"
	"options:\n"
	"   -C DIR                      run as if started in DIR\n"
	"   --consumer C                ID: only consumer C (repeatable); rewrite: also\n"
	"                               the rules for C's code\n"
	"   --dialect D                 ID: sqlite, postgres or bigquery (repeatable;\n"
	"                               default all three; sqlite is always written)\n"
	"   --no-validate               ID: generate only\n"
	"   --dry-run                   ID: say what would be written, write nothing,\n"
	"                               run no command\n"
	"   --rules FILE                rewrite: the rules (rewrite.yaml: pattern,\n"
	"                               replace, files, consumers)\n"
	"   --write                     rewrite: also change the files in place\n"
	"   --remote NAME, --no-remote  ID, validate: the remote to fetch from and push\n"
	"                               to (default: honk.yaml's remote)\n"
	"   --json                      machine-readable output on stdout\n"
	"   -q, --quiet                 no summary on stderr\n"
	"   -v, --verbose               say more on stderr\n"
	"   --color=auto|always|never   colour on a terminal (NO_COLOR honoured)\n"
	"   -h, --help                  show this help\n"
	"   --version                   show the version\n"
	"\n"
	"exit status: 0 ok, 1 found something, 2 usage, 3 invalid input,\n"
	"4 conflict or busy, 5 git, I/O or system error\n";

enum {
	OPT_RULES,
	OPT_WRITE,
	OPT_CONSUMER,
	OPT_DIALECT,
	OPT_NO_VALIDATE,
	OPT_DRY_RUN
};

static struct honk_opt opts[] = {
	HONK_OPT("rules", 0, 1),
	HONK_OPT("write", 0, 0),
	HONK_OPT("consumer", 0, 1),
	HONK_OPT("dialect", 0, 1),
	HONK_OPT("no-validate", 0, 0),
	HONK_OPT("dry-run", 0, 0),
	HONK_OPT_END,
};

struct out {
	struct honk_cli *cli;
	struct honk_buf buf;
	struct honk_json j;
	size_t files;
	int failed;
};

/* Patches go out as they come: a large rewrite is not held in memory. */
static int emit(const char *path, const char *patch, size_t len, void *payload)
{
	struct out *o = payload;

	o->files++;
	if (o->cli->json) {
		honk_json_obj_begin(&o->j);
		honk_json_kv_str(&o->j, "path", path);
		honk_json_kv_str(&o->j, "patch", patch);
		honk_json_obj_end(&o->j);
		if (fwrite(o->buf.buf, 1, o->buf.len, stdout) != o->buf.len)
			o->failed = 1;
		honk_buf_reset(&o->buf);
	} else if (len && fwrite(patch, 1, len, stdout) != len) {
		o->failed = 1;
	}
	if (o->failed)
		return honk_error_errno(HONK_ERROR, "cannot write output");
	return 0;
}

static int cmd_rewrite(struct honk_cli *cli)
{
	struct honk_rewrite_opts ro = HONK_REWRITE_OPTS_INIT;
	struct honk_buf rules = HONK_BUF_INIT;
	struct honk_diags d = HONK_DIAGS_INIT;
	struct honk_rule_set *rs = NULL;
	struct out o;
	int err, code = 0, i;

	memset(&o, 0, sizeof(o));
	o.cli = cli;
	if (!opts[OPT_RULES].value || cli->nargs < 2) {
		honk_cli_error(cli, "rewrite needs --rules FILE and a PATH");
		fputs(usage, stderr);
		return HONK_EXIT_USAGE;
	}
	if ((err = honk_buf_read_file(&rules, opts[OPT_RULES].value)) < 0) {
		code = honk_cli_fail(cli, err);
		goto cleanup;
	}
	if (opts[OPT_CONSUMER].nall > 1) {
		honk_cli_error(cli, "rewrite takes one --consumer");
		code = HONK_EXIT_USAGE;
		goto cleanup;
	}
	err = honk_rules_parse_for(&rs, opts[OPT_RULES].value, rules.buf,
				   rules.len, opts[OPT_CONSUMER].value, &d);
	if (err == HONK_EINVALID) {
		honk_diags_sort(&d);
		honk_diags_print(&d, stderr);
		honk_cli_error(cli, "%s has %zu error%s", opts[OPT_RULES].value,
			       honk_diags_count(&d),
			       honk_diags_count(&d) == 1 ? "" : "s");
		code = HONK_EXIT_INVALID;
		goto cleanup;
	} else if (err < 0) {
		code = honk_cli_fail(cli, err);
		goto cleanup;
	}
	ro.write = opts[OPT_WRITE].value != NULL;
	if (cli->json) {
		honk_json_init(&o.j, &o.buf);
		honk_json_arr_begin(&o.j);
	}
	for (i = 1; i < cli->nargs && err >= 0; i++) {
		ro.prefix = strcmp(cli->args[i], ".") ? cli->args[i] : NULL;
		err = honk_rewrite_dir(rs, cli->args[i], &ro, emit, &o);
	}
	if (err < 0) {
		fflush(stdout);
		code = honk_cli_fail(cli, err);
		goto cleanup;
	}
	if (cli->json) {
		honk_json_arr_end(&o.j);
		honk_buf_addch(&o.buf, '\n');
		if (fwrite(o.buf.buf, 1, o.buf.len, stdout) != o.buf.len) {
			code = honk_cli_fail(
				cli, honk_error_errno(HONK_ERROR,
						      "cannot write output"));
			goto cleanup;
		}
	}
	if (!cli->quiet)
		fprintf(stderr, "%s: %zu rule%s, %zu file%s %s\n", cli->prog,
			honk_rules_count(rs),
			honk_rules_count(rs) == 1 ? "" : "s", o.files,
			o.files == 1 ? "" : "s",
			ro.write ? "rewritten" : "would change");
cleanup:
	honk_rules_free(rs);
	honk_diags_release(&d);
	honk_buf_release(&rules);
	honk_buf_release(&o.buf);
	return code;
}

/* ---- generation ---- */

struct gen_out {
	struct honk_cli *cli;
	struct honk_buf out;
	struct honk_json j;
	size_t wrote, kept, failed, invalid;
};

static void on_event(const char *event, const char *subject, const char *detail,
		     int ok, void *payload)
{
	struct gen_out *go = payload;

	if (!strcmp(event, "wrote") || !strcmp(event, "removed") ||
	    !strcmp(event, "would-write") || !strcmp(event, "would-remove"))
		go->wrote++;
	else if (!strcmp(event, "kept"))
		go->kept++;
	else if (!strcmp(event, "invalid"))
		go->invalid++;
	if (!ok && strcmp(event, "invalid"))
		go->failed++;
	if (go->cli->json) {
		honk_json_obj_begin(&go->j);
		honk_json_kv_str(&go->j, "event", event);
		honk_json_kv_str(&go->j, "subject", subject);
		honk_json_kv_str(&go->j, "detail", detail);
		honk_json_key(&go->j, "ok");
		honk_json_bool(&go->j, ok);
		honk_json_obj_end(&go->j);
	} else if (!strcmp(event, "invalid")) {
		fprintf(stderr, "%s\n", detail);
	} else if (!strcmp(event, "manual") && !go->cli->verbose) {
		/* in the plan; -v shows them */
	} else {
		const char *nl = strchr(detail, '\n');

		honk_buf_addf(&go->out, "%-12s %s: %.*s\n", event, subject,
			      nl ? (int)(nl - detail) : (int)strlen(detail),
			      detail);
		/* a failed test's log, indented */
		while (nl && *++nl) {
			const char *end = strchr(nl, '\n');
			int len = end ? (int)(end - nl) : (int)strlen(nl);

			honk_buf_addf(&go->out, "    | %.*s\n", len, nl);
			nl = end;
		}
	}
}

static int write_out(struct honk_cli *cli, const struct honk_buf *b)
{
	if (b->len && fwrite(b->buf, 1, b->len, stdout) != b->len)
		return honk_cli_fail(cli,
				     honk_error_errno(HONK_ERROR,
						      "cannot write output"));
	return 0;
}

static int generate(struct honk_cli *cli, const char *id, int validate_only)
{
	struct honk_gen_opts o = HONK_GEN_OPTS_INIT;
	struct honk_gen_result res;
	struct honk_repo *repo = NULL;
	struct gen_out go;
	size_t i;
	int err, code = 0;

	memset(&go, 0, sizeof(go));
	memset(&res, 0, sizeof(res));
	go.cli = cli;
	honk_buf_init(&go.out, 0);
	if (honk_name_check("migration", id) < 0) {
		honk_cli_error(cli, "%s", honk_error_last());
		return HONK_EXIT_USAGE;
	}
	if (cli->rev) {
		honk_cli_error(
			cli,
			"honk-gen reads the proposal and main; --rev does not apply");
		return HONK_EXIT_USAGE;
	}
	o.id = id;
	o.consumers = opts[OPT_CONSUMER].all;
	o.nconsumers = opts[OPT_CONSUMER].nall;
	for (i = 0; i < opts[OPT_DIALECT].nall; i++) {
		enum honk_dialect d;

		if (honk_dialect_parse(&d, opts[OPT_DIALECT].all[i]) < 0) {
			honk_cli_error(cli, "%s", honk_error_last());
			return HONK_EXIT_USAGE;
		}
		o.dialects |= 1u << d;
	}
	o.no_validate = opts[OPT_NO_VALIDATE].value != NULL;
	o.dry_run = opts[OPT_DRY_RUN].value != NULL;
	o.validate_only = validate_only;
	o.remote = cli->remote;
	o.no_remote = cli->no_remote;
	if ((err = honk_repo_open(&repo)) < 0)
		return honk_cli_fail(cli, err);
	if (cli->json) {
		honk_json_init(&go.j, &go.out);
		honk_json_obj_begin(&go.j);
		honk_json_kv_str(&go.j, "migration", id);
		honk_json_key(&go.j, "events");
		honk_json_arr_begin(&go.j);
	}
	err = honk_gen_run(repo, &o, on_event, &go, &res);
	if (err < 0) {
		if (!cli->json)
			write_out(cli, &go.out);
		fflush(stdout);
		code = honk_cli_fail(cli, err);
		goto cleanup;
	}
	if (cli->json) {
		honk_json_arr_end(&go.j);
		honk_json_key(&go.j, "validation");
		honk_json_str(&go.j, !res.validated ? "skipped"
				     : res.failed   ? "failed"
						    : "passed");
		honk_json_key(&go.j, "manual");
		honk_json_int(&go.j, (int64_t)res.nmanual);
		honk_json_key(&go.j, "commit");
		honk_json_str(&go.j, *res.commit ? res.commit : NULL);
		honk_json_obj_end(&go.j);
		honk_buf_addch(&go.out, '\n');
	}
	if ((code = write_out(cli, &go.out)) != 0)
		goto cleanup;
	if (!cli->quiet)
		fprintf(stderr,
			"%s: %s%s: %zu file%s %s%s, %zu manual item%s, validation %s\n",
			cli->prog, o.dry_run ? "dry run: " : "", id, go.wrote,
			go.wrote == 1 ? "" : "s",
			o.dry_run ? "to write" : "written",
			go.kept ? " (people's edits kept)" : "", res.nmanual,
			res.nmanual == 1 ? "" : "s",
			!res.validated ? "skipped"
			: res.failed   ? "FAILED"
				       : "passed");
	code = res.failed ? HONK_EXIT_FOUND : 0;
cleanup:
	honk_repo_free(repo);
	honk_buf_release(&go.out);
	return code;
}

static int cmd_validate(struct honk_cli *cli)
{
	if (cli->nargs != 2) {
		honk_cli_error(cli, "validate takes one migration id");
		fputs(usage, stderr);
		return HONK_EXIT_USAGE;
	}
	return generate(cli, cli->args[1], 1);
}

static const struct {
	const char *name;
	int (*fn)(struct honk_cli *cli);
	unsigned opt_mask;
} commands[] = {
	{ "rewrite", cmd_rewrite,
	  1 << OPT_RULES | 1 << OPT_WRITE | 1 << OPT_CONSUMER },
	{ "validate", cmd_validate, 1 << OPT_CONSUMER },
};

#define GEN_OPTS                                                          \
	(1u << OPT_CONSUMER | 1u << OPT_DIALECT | 1u << OPT_NO_VALIDATE | \
	 1u << OPT_DRY_RUN)

int main(int argc, char **argv)
{
	struct honk_cli cli;
	const char *names[4];
	size_t i;
	int k, err, code;

	if ((code = honk_cli_start(&cli, "honk-gen", argc, argv, opts,
				   usage)) >= 0)
		return code;
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		names[i] = commands[i].name;
	/* a name that is no command is a migration id */
	if (cli.nargs == 1 && strcmp(cli.args[0], "rewrite") &&
	    strcmp(cli.args[0], "validate") && strchr(cli.args[0], '.')) {
		if ((code = honk_cli_opts_apply(&cli, opts, GEN_OPTS,
						"generation")) != 0)
			return honk_cli_exit(&cli, code);
		if ((err = honk_cli_enter(&cli)) < 0)
			return honk_cli_exit(&cli, honk_cli_fail(&cli, err));
		return honk_cli_exit(&cli, generate(&cli, cli.args[0], 0));
	}
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
