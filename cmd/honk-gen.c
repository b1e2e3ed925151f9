/*
 * honk-gen: migration code. For now its rewrite engine on its own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "diag.h"
#include "json.h"
#include "rewrite.h"
#include "banned.h"

static const char usage[] =
	"usage: honk-gen [-C DIR] [--json] [-q] [-v] <command> [<args>]\n"
	"\n"
	"commands:\n"
	"   rewrite --rules FILE PATH...  apply rewrite rules to the files below each\n"
	"                                 PATH, in order as sed -E would, and print\n"
	"                                 the patch (symbolic links are not followed,\n"
	"                                 binaries and .git are skipped)\n"
	"\n"
	"options:\n"
	"   -C DIR                      run as if started in DIR\n"
	"   --rules FILE                rewrite: the rules (rewrite.yaml: pattern,\n"
	"                               replace, files)\n"
	"   --write                     rewrite: also change the files in place\n"
	"   --json                      machine-readable output on stdout\n"
	"   -q, --quiet                 no summary on stderr\n"
	"   -v, --verbose               say more on stderr\n"
	"   --color=auto|always|never   colour on a terminal (NO_COLOR honoured)\n"
	"   -h, --help                  show this help\n"
	"   --version                   show the version\n"
	"\n"
	"exit status: 0 ok, 1 found something, 2 usage, 3 invalid input,\n"
	"4 conflict or busy, 5 git, I/O or system error\n";

enum { OPT_RULES, OPT_WRITE };

static struct honk_opt opts[] = {
	HONK_OPT("rules", 0, 1),
	HONK_OPT("write", 0, 0),
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
	err = honk_rules_parse(&rs, opts[OPT_RULES].value, rules.buf, rules.len,
			       &d);
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

static const struct {
	const char *name;
	int (*fn)(struct honk_cli *cli);
	unsigned opt_mask;
} commands[] = {
	{ "rewrite", cmd_rewrite, 1 << OPT_RULES | 1 << OPT_WRITE },
};

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
