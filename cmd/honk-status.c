/*
 * honk-status: the portal's views of the catalog.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "catalog.h"
#include "cli.h"
#include "diag.h"
#include "json.h"
#include "parse.h"
#include "repo.h"
#include "banned.h"

static const char usage[] =
	"usage: honk-status [-C DIR] [--rev REV] [--json] [-q] [-v] [--color=WHEN] <command> [<args>]\n"
	"\n"
	"commands:\n"
	"   lint [--index | --rev REV]  report every catalog error as path:line:col: message\n"
	"   datasets                    list datasets, versions, deprecations and consumers\n"
	"   consumers                   list consumers and what they read and produce\n"
	"\n"
	"options:\n"
	"   -C DIR                      run as if started in DIR\n"
	"   --rev REV                   read the catalog at REV (default HEAD)\n"
	"   --index                     lint: read the index (for pre-commit hooks)\n"
	"   --remote NAME, --no-remote  remote to use (read commands do not fetch)\n"
	"   --json                      machine-readable output on stdout\n"
	"   -q, --quiet                 no summary on stderr\n"
	"   -v, --verbose               say more on stderr\n"
	"   --color=auto|always|never   colour on a terminal (NO_COLOR honoured)\n"
	"   -h, --help                  show this help\n"
	"   --version                   show the version\n"
	"\n"
	"exit status: 0 ok, 1 found something, 2 usage, 3 invalid input,\n"
	"4 conflict or busy, 5 git, I/O or system error\n";

enum { OPT_INDEX };

static struct honk_opt opts[] = {
	HONK_OPT("index", 0, 0),
	HONK_OPT_END,
};

struct ctx {
	struct honk_cli *cli;
	struct honk_repo *repo;
	struct honk_snapshot *snap;
	struct honk_catalog cat;
	struct honk_diags diags;
};

static int open_catalog(struct ctx *c, int from_index)
{
	struct honk_source src = HONK_SOURCE_INIT;
	int err;

	if ((err = honk_repo_open(&c->repo)) < 0)
		return err;
	if (from_index) {
		src.kind = HONK_SOURCE_INDEX;
	} else {
		src.kind = HONK_SOURCE_REV;
		src.rev = c->cli->rev;
	}
	return honk_catalog_open(&c->cat, &c->snap, c->repo, &src, &c->diags);
}

static void ctx_release(struct ctx *c)
{
	honk_catalog_release(&c->cat);
	honk_diags_release(&c->diags);
	honk_snapshot_free(c->snap);
	honk_repo_free(c->repo);
}

/* End a JSON document with a newline, write it to stdout, free it. */
static int write_json(struct honk_cli *cli, struct honk_buf *b)
{
	int failed;

	honk_buf_addch(b, '\n');
	failed = fwrite(b->buf, 1, b->len, stdout) != b->len;
	honk_buf_release(b);
	if (failed)
		return honk_cli_fail(cli,
				     honk_error_errno(HONK_ERROR,
						      "cannot write output"));
	return 0;
}

static int cmd_lint(struct ctx *c)
{
	struct honk_cli *cli = c->cli;
	struct honk_buf out = HONK_BUF_INIT;
	int from_index = opts[OPT_INDEX].value != NULL;
	int err, code;
	size_t i;

	if (from_index && cli->rev) {
		honk_cli_error(cli,
			       "--index and --rev cannot be used together");
		return HONK_EXIT_USAGE;
	}
	if (cli->nargs > 1) {
		honk_cli_error(cli, "lint takes no arguments");
		return HONK_EXIT_USAGE;
	}
	err = open_catalog(c, from_index);
	if (err < 0 && err != HONK_EINVALID)
		return honk_cli_fail(cli, err);
	honk_diags_sort(&c->diags);
	if (cli->json) {
		struct honk_json j;

		honk_json_init(&j, &out);
		honk_json_obj_begin(&j);
		honk_json_key(&j, "ok");
		honk_json_bool(&j, honk_diags_count(&c->diags) == 0);
		honk_json_kv_str(&j, "source", honk_snapshot_describe(c->snap));
		honk_json_kv_int(&j, "files", (int64_t)c->cat.nfiles);
		honk_json_key(&j, "errors");
		honk_json_arr_begin(&j);
		for (i = 0; i < c->diags.n; i++) {
			const struct honk_diag *d = &c->diags.v[i];

			honk_json_obj_begin(&j);
			honk_json_kv_str(&j, "path", d->path);
			honk_json_kv_int(&j, "line", d->line);
			honk_json_kv_int(&j, "col", d->col);
			honk_json_kv_str(&j, "message", d->msg);
			honk_json_obj_end(&j);
		}
		honk_json_arr_end(&j);
		honk_json_kv_int(&j, "dropped", (int64_t)c->diags.dropped);
		honk_json_obj_end(&j);
		if ((err = write_json(cli, &out)) != 0)
			return err;
	} else {
		honk_diags_print(&c->diags, stdout);
	}
	code = honk_diags_count(&c->diags) ? HONK_EXIT_INVALID : HONK_EXIT_OK;
	if (!cli->quiet && code)
		fprintf(stderr, "%s: %zu error%s in the catalog at %s\n",
			cli->prog, honk_diags_count(&c->diags),
			honk_diags_count(&c->diags) == 1 ? "" : "s",
			honk_snapshot_describe(c->snap));
	else if (cli->verbose)
		fprintf(stderr,
			"%s: %zu files, %zu datasets, %zu consumers: ok\n",
			cli->prog, c->cat.nfiles, c->cat.ndatasets,
			c->cat.nconsumers);
	return code;
}

/* Views need a valid catalog; report like lint and stop otherwise. */
static int load_for_view(struct ctx *c)
{
	int err = open_catalog(c, 0);

	if (err == HONK_EINVALID) {
		honk_diags_sort(&c->diags);
		fflush(stdout);
		honk_diags_print(&c->diags, stderr);
		honk_cli_error(
			c->cli,
			"the catalog at %s has %zu error%s (see honk-status lint)",
			honk_snapshot_describe(c->snap),
			honk_diags_count(&c->diags),
			honk_diags_count(&c->diags) == 1 ? "" : "s");
		return HONK_EXIT_INVALID;
	}
	if (err < 0)
		return honk_cli_fail(c->cli, err);
	if (c->cli->nargs > 1) {
		honk_cli_error(c->cli, "%s takes no arguments",
			       c->cli->args[0]);
		return HONK_EXIT_USAGE;
	}
	return 0;
}

/* Today in days since 1970-01-01; HONK_NOW=YYYY-MM-DD pins it. */
static int64_t today(void)
{
	const char *pin = getenv("HONK_NOW");
	int64_t d;

	if (pin && honk_parse_date(&d, pin) == 0)
		return d;
	return (int64_t)(time(NULL) / 86400);
}

static size_t count_readers(const struct honk_catalog *cat, const char *id,
			    int64_t version)
{
	size_t i, j, n = 0;

	for (i = 0; i < cat->nconsumers; i++)
		for (j = 0; j < cat->consumers[i].nreads; j++)
			if (cat->consumers[i].reads[j].version == version &&
			    !strcmp(cat->consumers[i].reads[j].dataset, id)) {
				n++;
				break;
			}
	return n;
}

/* A table: rows of cells, printed with columns padded to fit. */
struct table {
	struct honk_buf cells; /* cells separated by \t, rows by \n */
	size_t width[8];
	size_t ncols;
};

static void table_cell(struct table *t, size_t col, const char *s, int last)
{
	size_t len = strlen(s);

	if (col < 8 && len > t->width[col])
		t->width[col] = len;
	if (col + 1 > t->ncols)
		t->ncols = col + 1;
	honk_buf_addstr(&t->cells, s);
	honk_buf_addch(&t->cells, last ? '\n' : '\t');
}

static int table_print(struct table *t, int color)
{
	const char *p = t->cells.buf;
	int header = 1;

	while (*p) {
		size_t col = 0;

		if (header && color)
			fputs("\033[1m", stdout);
		for (;;) {
			const char *end = p + strcspn(p, "\t\n");
			int last = *end == '\n' || !*end;

			fwrite(p, 1, (size_t)(end - p), stdout);
			if (!last)
				fprintf(stdout, "%*s  ",
					(int)(t->width[col] -
					      (size_t)(end - p)),
					"");
			p = *end ? end + 1 : end;
			col++;
			if (last)
				break;
		}
		if (header && color)
			fputs("\033[0m", stdout);
		fputc('\n', stdout);
		header = 0;
	}
	honk_buf_release(&t->cells);
	return ferror(stdout) ? -1 : 0;
}

static int cmd_datasets(struct ctx *c)
{
	const struct honk_catalog *cat = &c->cat;
	struct honk_buf out = HONK_BUF_INIT, tmp = HONK_BUF_INIT;
	int64_t now = today();
	size_t i, k;
	int code;

	if ((code = load_for_view(c)) != 0)
		return code;
	if (c->cli->json) {
		struct honk_json j;

		honk_json_init(&j, &out);
		honk_json_arr_begin(&j);
		for (i = 0; i < cat->ndatasets; i++) {
			const struct honk_dataset *ds = &cat->datasets[i];

			honk_json_obj_begin(&j);
			honk_json_kv_str(&j, "dataset", ds->id);
			honk_json_kv_str(&j, "owner", ds->owner);
			honk_json_kv_str(&j, "description", ds->description);
			honk_json_kv_str(
				&j, "compatibility",
				honk_policy_names[honk_dataset_policy(cat, ds)]);
			honk_json_kv_str(&j, "path", ds->path);
			honk_json_kv_int(
				&j, "latest",
				ds->versions[ds->nversions - 1].version);
			honk_json_key(&j, "versions");
			honk_json_arr_begin(&j);
			for (k = 0; k < ds->nversions; k++) {
				const struct honk_version *v = &ds->versions[k];

				honk_json_obj_begin(&j);
				honk_json_kv_int(&j, "version", v->version);
				honk_json_kv_str(&j, "location", v->location);
				honk_json_kv_str(&j, "deprecated",
						 v->deprecated);
				if (v->deprecated) {
					honk_json_kv_int(&j, "days_left",
							 v->deprecated_days -
								 now);
				}
				honk_json_kv_int(
					&j, "consumers",
					(int64_t)count_readers(cat, ds->id,
							       v->version));
				honk_json_obj_end(&j);
			}
			honk_json_arr_end(&j);
			honk_json_obj_end(&j);
		}
		honk_json_arr_end(&j);
		return write_json(c->cli, &out);
	} else {
		struct table t = { HONK_BUF_INIT, { 0 }, 0 };

		table_cell(&t, 0, "DATASET", 0);
		table_cell(&t, 1, "OWNER", 0);
		table_cell(&t, 2, "VERSIONS", 0);
		table_cell(&t, 3, "CONSUMERS", 0);
		table_cell(&t, 4, "DEPRECATED", 1);
		for (i = 0; i < cat->ndatasets; i++) {
			const struct honk_dataset *ds = &cat->datasets[i];
			size_t readers = 0;

			table_cell(&t, 0, ds->id, 0);
			table_cell(&t, 1, ds->owner ? ds->owner : "-", 0);
			honk_buf_reset(&tmp);
			for (k = 0; k < ds->nversions; k++) {
				honk_buf_addf(
					&tmp, "%s%lld", k ? "," : "",
					(long long)ds->versions[k].version);
				readers += count_readers(
					cat, ds->id, ds->versions[k].version);
			}
			table_cell(&t, 2, tmp.buf, 0);
			honk_buf_reset(&tmp);
			honk_buf_addf(&tmp, "%zu", readers);
			table_cell(&t, 3, tmp.buf, 0);
			honk_buf_reset(&tmp);
			for (k = 0; k < ds->nversions; k++) {
				const struct honk_version *v = &ds->versions[k];
				int64_t left = v->deprecated_days - now;

				if (!v->deprecated)
					continue;
				honk_buf_addf(
					&tmp,
					"%sv%lld %s (%lld day%s %s, %zu consumer%s)",
					tmp.len ? "; " : "",
					(long long)v->version, v->deprecated,
					(long long)(left < 0 ? -left : left),
					(left == 1 || left == -1) ? "" : "s",
					left < 0 ? "overdue" : "left",
					count_readers(cat, ds->id, v->version),
					count_readers(cat, ds->id,
						      v->version) == 1
						? ""
						: "s");
			}
			table_cell(&t, 4, tmp.len ? tmp.buf : "-", 1);
		}
		honk_buf_release(&tmp);
		return table_print(&t, honk_cli_color(c->cli, stdout)) < 0
			       ? HONK_EXIT_SYSTEM
			       : 0;
	}
}

static int cmd_consumers(struct ctx *c)
{
	const struct honk_catalog *cat = &c->cat;
	struct honk_buf out = HONK_BUF_INIT, tmp = HONK_BUF_INIT;
	size_t i, k, f;
	int code;

	if ((code = load_for_view(c)) != 0)
		return code;
	if (c->cli->json) {
		struct honk_json j;

		honk_json_init(&j, &out);
		honk_json_arr_begin(&j);
		for (i = 0; i < cat->nconsumers; i++) {
			const struct honk_consumer *co = &cat->consumers[i];

			honk_json_obj_begin(&j);
			honk_json_kv_str(&j, "consumer", co->name);
			honk_json_kv_str(&j, "owner", co->owner);
			honk_json_kv_str(
				&j, "criticality",
				honk_criticality_names[co->criticality]);
			honk_json_kv_str(&j, "path", co->path);
			honk_json_key(&j, "reads");
			honk_json_arr_begin(&j);
			for (k = 0; k < co->nreads; k++) {
				const struct honk_read *r = &co->reads[k];

				honk_json_obj_begin(&j);
				honk_json_kv_str(&j, "dataset", r->dataset);
				honk_json_kv_int(&j, "version", r->version);
				honk_json_key(&j, "fields");
				if (!r->fields) {
					honk_json_null(&j);
				} else {
					honk_json_arr_begin(&j);
					for (f = 0; f < r->nfields; f++)
						honk_json_str(&j, r->fields[f]);
					honk_json_arr_end(&j);
				}
				honk_json_obj_end(&j);
			}
			honk_json_arr_end(&j);
			honk_json_key(&j, "produces");
			honk_json_arr_begin(&j);
			for (k = 0; k < co->nproduces; k++)
				honk_json_str(&j, co->produces[k]);
			honk_json_arr_end(&j);
			honk_json_kv_str(&j, "repo", co->repo);
			honk_json_key(&j, "wave");
			if (co->wave)
				honk_json_int(&j, co->wave);
			else
				honk_json_null(&j);
			honk_json_obj_end(&j);
		}
		honk_json_arr_end(&j);
		return write_json(c->cli, &out);
	} else {
		struct table t = { HONK_BUF_INIT, { 0 }, 0 };

		table_cell(&t, 0, "CONSUMER", 0);
		table_cell(&t, 1, "OWNER", 0);
		table_cell(&t, 2, "CRITICALITY", 0);
		table_cell(&t, 3, "READS", 0);
		table_cell(&t, 4, "PRODUCES", 1);
		for (i = 0; i < cat->nconsumers; i++) {
			const struct honk_consumer *co = &cat->consumers[i];

			table_cell(&t, 0, co->name, 0);
			table_cell(&t, 1, co->owner ? co->owner : "-", 0);
			table_cell(&t, 2,
				   honk_criticality_names[co->criticality], 0);
			honk_buf_reset(&tmp);
			for (k = 0; k < co->nreads; k++)
				honk_buf_addf(&tmp, "%s%s@%lld", k ? "," : "",
					      co->reads[k].dataset,
					      (long long)co->reads[k].version);
			table_cell(&t, 3, tmp.buf, 0);
			honk_buf_reset(&tmp);
			for (k = 0; k < co->nproduces; k++)
				honk_buf_addf(&tmp, "%s%s", k ? "," : "",
					      co->produces[k]);
			table_cell(&t, 4, tmp.len ? tmp.buf : "-", 1);
		}
		honk_buf_release(&tmp);
		return table_print(&t, honk_cli_color(c->cli, stdout)) < 0
			       ? HONK_EXIT_SYSTEM
			       : 0;
	}
}

static const struct {
	const char *name;
	int (*fn)(struct ctx *c);
} commands[] = {
	{ "lint", cmd_lint },
	{ "datasets", cmd_datasets },
	{ "consumers", cmd_consumers },
};

int main(int argc, char **argv)
{
	struct honk_cli cli;
	struct ctx c;
	const char *names[8];
	int k;
	size_t i;
	int err, code;

	memset(&c, 0, sizeof(c));
	c.diags.max = HONK_DIAGS_MAX_DEFAULT;
	c.cli = &cli;
	if ((code = honk_cli_start(&cli, "honk-status", argc, argv, opts,
				   usage)) >= 0)
		return code;
	if (!cli.nargs) {
		fputs(usage, stderr);
		return honk_cli_exit(&cli, HONK_EXIT_USAGE);
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		names[i] = commands[i].name;
	if ((k = honk_cli_command(&cli, names, i, usage)) < 0)
		return honk_cli_exit(&cli, HONK_EXIT_USAGE);
	i = (size_t)k;
	if (opts[OPT_INDEX].value && strcmp(commands[i].name, "lint") != 0) {
		honk_cli_error(&cli, "--index only applies to lint");
		return honk_cli_exit(&cli, HONK_EXIT_USAGE);
	}
	if ((err = honk_cli_enter(&cli)) < 0)
		return honk_cli_exit(&cli, honk_cli_fail(&cli, err));
	code = commands[i].fn(&c);
	ctx_release(&c);
	return honk_cli_exit(&cli, code);
}
