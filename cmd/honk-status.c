/*
 * honk-status: the portal's views of the catalog.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backstage.h"
#include "buf.h"
#include "catalog.h"
#include "cli.h"
#include "diag.h"
#include "graph.h"
#include "html.h"
#include "json.h"
#include "names.h"
#include "parse.h"
#include "repo.h"
#include "rollout.h"
#include "status.h"
#include "clock.h"
#include "banned.h"

static const char usage[] =
	"usage: honk-status [-C DIR] [--json] [-q] [-v] [--color=WHEN]\n"
	"   or: honk-status [-C DIR] [--rev REV] [--json] [-q] [-v] [--color=WHEN] <command> [<args>]\n"
	"\n"
	"With no command: the overview. Every migration with its phase, wave,\n"
	"progress, failures and age, what waits on a person, datasets whose\n"
	"consumers still read deprecated versions, and the conflicts.\n"
	"\n"
	"commands:\n"
	"   show ID                     one migration: each consumer's wave, state,\n"
	"                               attempts, last error; the health figures\n"
	"   log ID [--consumer C]       its transitions from honk/state's history (and\n"
	"                               the consumer's step logs)\n"
	"   approve ID                  merge the proposal honk/propose/ID into main\n"
	"   reject ID --reason R        delete the proposal and record who and why\n"
	"   lint [--index | --rev REV]  report every catalog error as path:line:col: message\n"
	"   datasets                    list datasets, versions, deprecations and consumers\n"
	"   consumers                   list consumers and what they read and produce\n"
	"   graph [DATASET] [--format F] [--depth N]\n"
	"                               the dependency graph (of what is downstream of\n"
	"                               DATASET): F is tree (default), dot, mermaid or json\n"
	"   export backstage            the catalog as Backstage entities (YAML)\n"
	"   html [-o FILE]              the overview as one self-contained HTML page\n"
	"\n"
	"options:\n"
	"   -C DIR                      run as if started in DIR\n"
	"   --rev REV                   read the catalog at REV (default HEAD)\n"
	"   --index                     lint: read the index (for pre-commit hooks)\n"
	"   --consumer C                log: one consumer, with its step logs\n"
	"   --reason R                  approve, reject: why, for the record\n"
	"   --actor NAME                approve, reject: who (default: git config\n"
	"                               user.name and user.email)\n"
	"   --format F                  graph: tree, dot, mermaid or json\n"
	"   --depth N                   graph: levels below DATASET (0: all)\n"
	"   -o, --output FILE           html: write FILE (atomically), not stdout\n"
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

enum {
	OPT_INDEX,
	OPT_CONSUMER,
	OPT_REASON,
	OPT_ACTOR,
	OPT_FORMAT,
	OPT_DEPTH,
	OPT_OUTPUT
};

static struct honk_opt opts[] = {
	HONK_OPT("index", 0, 0),
	HONK_OPT("consumer", 0, 1),
	HONK_OPT("reason", 0, 1),
	HONK_OPT("actor", 0, 1),
	HONK_OPT("format", 0, 1),   /* graph */
	HONK_OPT("depth", 0, 1),    /* graph */
	HONK_OPT("output", 'o', 1), /* html */
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

/* Write b to stdout and free it. */
static int write_out(struct honk_cli *cli, struct honk_buf *b)
{
	int failed = fwrite(b->buf, 1, b->len, stdout) != b->len;

	honk_buf_release(b);
	if (failed)
		return honk_cli_fail(cli,
				     honk_error_errno(HONK_ERROR,
						      "cannot write output"));
	return 0;
}

/* End a JSON document with a newline, write it to stdout, free it. */
static int write_json(struct honk_cli *cli, struct honk_buf *b)
{
	honk_buf_addch(b, '\n');
	return write_out(cli, b);
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
static int open_view(struct ctx *c)
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
	return 0;
}

static int load_for_view(struct ctx *c)
{
	int code = open_view(c);

	if (code)
		return code;
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

/* ---- the portal ---- */

static int64_t now_ms(void)
{
	return honk_clock_now(NULL);
}

static int load_status(struct ctx *c, struct honk_status *s, int all_plans)
{
	struct honk_status_opts o;
	int err;

	if ((err = honk_repo_open(&c->repo)) < 0)
		return honk_cli_fail(c->cli, err);
	o.today = today();
	o.now = now_ms();
	o.with_catalog = 1;
	o.all_plans = all_plans;
	if ((err = honk_status_load(s, c->repo, &o)) < 0)
		return honk_cli_fail(c->cli, err);
	return 0;
}

static const char *phase_color(const char *phase)
{
	if (!strcmp(phase, "completed"))
		return "\033[32m";
	if (!strcmp(phase, "paused") || !strcmp(phase, "proposed"))
		return "\033[33m";
	if (!strcmp(phase, "failed") || !strcmp(phase, "rolling-back") ||
	    !strcmp(phase, "rolled-back") || !strcmp(phase, "invalid"))
		return "\033[31m";
	if (!strcmp(phase, "rolling-out"))
		return "\033[36m";
	return "";
}

static void age(char *out, size_t n, int64_t since)
{
	int64_t d = since ? (now_ms() - since) / 1000 : -1;

	if (d < 0)
		snprintf(out, n, "-");
	else if (d < 3600)
		snprintf(out, n, "%lldm", (long long)(d / 60));
	else if (d < 86400 * 2)
		snprintf(out, n, "%lldh", (long long)(d / 3600));
	else
		snprintf(out, n, "%lldd", (long long)(d / 86400));
}

static int no_rev(struct ctx *c)
{
	if (!c->cli->rev)
		return 0;
	honk_cli_error(
		c->cli,
		"--rev does not apply to %s: it reads main, the proposals and honk/state",
		c->cli->nargs ? c->cli->args[0] : "the overview");
	return HONK_EXIT_USAGE;
}

/*
 * Each file the view could not read, on stderr as an error: the view is
 * still printed (the rest of it helps), but the exit status is 3.
 */
static int report_invalid(struct ctx *c, const struct honk_status *s)
{
	size_t i;
	int code = 0;

	for (i = 0; i < s->nconflicts; i++) {
		if (strcmp(s->conflicts[i].kind, "invalid"))
			continue;
		honk_cli_error(c->cli, "%s", s->conflicts[i].detail);
		code = HONK_EXIT_INVALID;
	}
	return code;
}

static int cmd_overview(struct ctx *c)
{
	struct honk_status s;
	struct honk_buf out = HONK_BUF_INIT, tmp = HONK_BUF_INIT;
	int color = honk_cli_color(c->cli, stdout), code;
	size_t i;

	if (c->cli->nargs) {
		honk_cli_error(c->cli, "unknown command '%s'", c->cli->args[0]);
		return HONK_EXIT_USAGE;
	}
	if ((code = no_rev(c)) != 0 || (code = load_status(c, &s, 0)) != 0)
		return code;
	if (c->cli->json) {
		honk_status_json(&out, &s);
		if (fwrite(out.buf, 1, out.len, stdout) != out.len)
			code = HONK_EXIT_SYSTEM;
		else
			code = report_invalid(c, &s);
		honk_status_release(&s);
		honk_buf_release(&out);
		return code;
	}
	if (!s.nmigs) {
		printf("no migrations: honk-detect proposes them\n");
	} else {
		struct table t = { HONK_BUF_INIT, { 0 }, 0 };

		table_cell(&t, 0, "MIGRATION", 0);
		table_cell(&t, 1, "PHASE", 0);
		table_cell(&t, 2, "WAVE", 0);
		table_cell(&t, 3, "PROGRESS", 0);
		table_cell(&t, 4, "FAILED", 0);
		table_cell(&t, 5, "AGE", 0);
		table_cell(&t, 6, "WAITS ON A PERSON", 1);
		for (i = 0; i < s.nmigs; i++) {
			const struct honk_status_mig *m = &s.migs[i];
			char a[32];

			table_cell(&t, 0, m->id, 0);
			honk_buf_reset(&tmp);
			honk_buf_addf(&tmp, "%s%s%s",
				      color ? phase_color(m->phase) : "",
				      m->phase,
				      color && *phase_color(m->phase)
					      ? "\033[0m"
					      : "");
			table_cell(&t, 1, tmp.buf, 0);
			honk_buf_reset(&tmp);
			if (m->waves)
				honk_buf_addf(&tmp, "%lld/%lld",
					      (long long)m->wave,
					      (long long)m->waves);
			else
				honk_buf_addstr(&tmp, "-");
			table_cell(&t, 2, tmp.buf, 0);
			honk_buf_reset(&tmp);
			honk_buf_addf(&tmp, "%zu/%zu", m->succeeded, m->total);
			table_cell(&t, 3, tmp.buf, 0);
			honk_buf_reset(&tmp);
			honk_buf_addf(&tmp, "%zu", m->failed);
			table_cell(&t, 4, tmp.buf, 0);
			age(a, sizeof(a), m->since);
			table_cell(&t, 5, a, 0);
			table_cell(&t, 6, m->waits ? m->waits : "-", 1);
		}
		if (table_print(&t, color) < 0)
			code = HONK_EXIT_SYSTEM;
	}
	if (s.ndeadlines) {
		struct table t = { HONK_BUF_INIT, { 0 }, 0 };

		printf("\n");
		table_cell(&t, 0, "DEPRECATED", 0);
		table_cell(&t, 1, "STILL READ BY", 0);
		table_cell(&t, 2, "DEADLINE", 0);
		table_cell(&t, 3, "DAYS LEFT", 1);
		for (i = 0; i < s.ndeadlines; i++) {
			const struct honk_status_deadline *d = &s.deadlines[i];

			honk_buf_reset(&tmp);
			honk_buf_addf(&tmp, "%s@%lld", d->dataset,
				      (long long)d->version);
			table_cell(&t, 0, tmp.buf, 0);
			table_cell(&t, 1, d->consumer, 0);
			table_cell(&t, 2, d->deprecated, 0);
			honk_buf_reset(&tmp);
			honk_buf_addf(&tmp, "%lld", (long long)d->days_left);
			table_cell(&t, 3, tmp.buf, 1);
		}
		if (table_print(&t, color) < 0)
			code = HONK_EXIT_SYSTEM;
	}
	if (s.nconflicts) {
		printf("\n%sCONFLICTS%s\n", color ? "\033[1m" : "",
		       color ? "\033[0m" : "");
		for (i = 0; i < s.nconflicts; i++)
			printf("%s%-16s%s %s\n", color ? "\033[31m" : "",
			       s.conflicts[i].kind, color ? "\033[0m" : "",
			       s.conflicts[i].detail);
	}
	if (code == 0)
		code = report_invalid(c, &s);
	honk_status_release(&s);
	honk_buf_release(&tmp);
	return code;
}

static int need_id(struct ctx *c)
{
	if (no_rev(c))
		return HONK_EXIT_USAGE;
	if (c->cli->nargs != 2) {
		honk_cli_error(c->cli, "%s takes one migration id",
			       c->cli->args[0]);
		return HONK_EXIT_USAGE;
	}
	if (honk_name_check("migration", c->cli->args[1]) < 0) {
		honk_cli_error(c->cli, "%s", honk_error_last());
		return HONK_EXIT_USAGE;
	}
	return 0;
}

static int cmd_show(struct ctx *c)
{
	struct honk_status s;
	struct honk_buf out = HONK_BUF_INIT, tmp = HONK_BUF_INIT;
	const struct honk_status_mig *m;
	int code, color = honk_cli_color(c->cli, stdout);
	size_t i;

	if ((code = need_id(c)) != 0 || (code = load_status(c, &s, 1)) != 0)
		return code;
	if (!(m = honk_status_find(&s, c->cli->args[1]))) {
		honk_status_release(&s);
		return honk_cli_fail(
			c->cli,
			honk_error_set(
				HONK_ENOTFOUND,
				"no migration %s: not proposed, approved or rolled out",
				c->cli->args[1]));
	}
	if (m->invalid) {
		/* its plan or state cannot be read: nothing to show is true */
		honk_cli_error(c->cli, "%s", m->invalid);
		honk_status_release(&s);
		return HONK_EXIT_INVALID;
	}
	if (c->cli->json) {
		honk_status_show_json(&out, &s, m);
		if (fwrite(out.buf, 1, out.len, stdout) != out.len)
			code = HONK_EXIT_SYSTEM;
		goto done;
	}
	printf("%s  %s%s%s", m->id, color ? phase_color(m->phase) : "",
	       m->phase, color && *phase_color(m->phase) ? "\033[0m" : "");
	if (m->waves)
		printf("  wave %lld/%lld", (long long)m->wave,
		       (long long)m->waves);
	printf("  %zu/%zu succeeded, %zu failed, %zu running\n", m->succeeded,
	       m->total, m->failed, m->running);
	if (m->dataset)
		printf("%s v%lld -> v%lld (%s)\n", m->dataset,
		       (long long)m->from, (long long)m->to,
		       m->verdict ? m->verdict : "?");
	if (m->st && m->st->approved_by)
		printf("approved by %s, main pinned at %.12s\n",
		       m->st->approved_by, m->st->approved);
	if (m->reason)
		printf("reason: %s\n", m->reason);
	if (m->st && m->st->by)
		printf("last decided by %s\n", m->st->by);
	if (m->waits)
		printf("waits on a person: %s\n", m->waits);
	if (m->st && m->st->health.result)
		printf("health after wave %lld: %s: %s\n",
		       (long long)m->st->health.wave, m->st->health.result,
		       m->st->health.detail ? m->st->health.detail : "");
	printf("\n");
	{
		struct table t = { HONK_BUF_INIT, { 0 }, 0 };

		table_cell(&t, 0, "CONSUMER", 0);
		table_cell(&t, 1, "WAVE", 0);
		table_cell(&t, 2, "STATE", 0);
		table_cell(&t, 3, "ATTEMPTS", 0);
		table_cell(&t, 4, "LAST ERROR / WAITING / WHY", 1);
		if (m->st) {
			for (i = 0; i < m->st->n; i++) {
				const struct honk_cstate_entry *e =
					&m->st->consumers[i];
				const char *why = e->error     ? e->error
						  : e->waiting ? e->waiting
						  : e->reason  ? e->reason
							       : "-";

				table_cell(&t, 0, e->consumer, 0);
				honk_buf_reset(&tmp);
				if (e->wave)
					honk_buf_addf(&tmp, "%lld",
						      (long long)e->wave);
				else
					honk_buf_addstr(&tmp, "-");
				table_cell(&t, 1, tmp.buf, 0);
				table_cell(&t, 2, honk_cstate_names[e->state],
					   0);
				honk_buf_reset(&tmp);
				honk_buf_addf(&tmp, "%lld",
					      (long long)e->attempts);
				table_cell(&t, 3, tmp.buf, 0);
				table_cell(&t, 4, why, 1);
			}
		} else if (m->pf) {
			for (i = 0; i < m->pf->nconsumers; i++) {
				const struct honk_planfile_consumer *pc =
					&m->pf->consumers[i];

				table_cell(&t, 0, pc->consumer, 0);
				honk_buf_reset(&tmp);
				honk_buf_addf(&tmp, "%lld",
					      (long long)pc->wave);
				table_cell(&t, 1, tmp.buf, 0);
				table_cell(&t, 2,
					   pc->impact == HONK_IMPACT_TRANSITIVE
						   ? "skipped"
						   : "pending",
					   0);
				table_cell(&t, 3, "0", 0);
				table_cell(&t, 4, honk_impact_names[pc->impact],
					   1);
			}
		}
		if (table_print(&t, color) < 0)
			code = HONK_EXIT_SYSTEM;
	}
done:
	honk_status_release(&s);
	honk_buf_release(&out);
	honk_buf_release(&tmp);
	return code;
}

static int cmd_log(struct ctx *c)
{
	struct honk_buf out = HONK_BUF_INIT;
	int err, code;

	if ((code = need_id(c)) != 0)
		return code;
	if ((err = honk_repo_open(&c->repo)) < 0)
		return honk_cli_fail(c->cli, err);
	err = honk_rollout_history_render(&out, c->repo, c->cli->args[1],
					  opts[OPT_CONSUMER].value,
					  c->cli->json);
	if (err < 0) {
		honk_buf_release(&out);
		return honk_cli_fail(c->cli, err);
	}
	code = fwrite(out.buf, 1, out.len, stdout) == out.len
		       ? 0
		       : HONK_EXIT_SYSTEM;
	honk_buf_release(&out);
	return code;
}

static int decision(struct ctx *c, int approve)
{
	struct honk_decision_opts o;
	struct honk_buf detail = HONK_BUF_INIT;
	int err, code;

	if ((code = need_id(c)) != 0)
		return code;
	if ((err = honk_repo_open(&c->repo)) < 0)
		return honk_cli_fail(c->cli, err);
	memset(&o, 0, sizeof(o));
	o.id = c->cli->args[1];
	o.reason = opts[OPT_REASON].value;
	o.actor = opts[OPT_ACTOR].value;
	o.remote = c->cli->remote;
	o.no_remote = c->cli->no_remote;
	o.now = now_ms();
	err = approve ? honk_status_approve(c->repo, &o, &detail)
		      : honk_status_reject(c->repo, &o, &detail);
	if (err < 0) {
		honk_buf_release(&detail);
		return honk_cli_fail(c->cli, err);
	}
	if (c->cli->json) {
		struct honk_buf b = HONK_BUF_INIT;
		struct honk_json j;

		honk_json_init(&j, &b);
		honk_json_obj_begin(&j);
		honk_json_kv_str(&j, "migration", o.id);
		honk_json_kv_str(&j, "decision",
				 approve ? "approved" : "rejected");
		honk_json_kv_str(&j, "detail", detail.buf);
		honk_json_obj_end(&j);
		honk_buf_addch(&b, '\n');
		code = fwrite(b.buf, 1, b.len, stdout) == b.len
			       ? 0
			       : HONK_EXIT_SYSTEM;
		honk_buf_release(&b);
	} else if (!c->cli->quiet) {
		printf("%s\n", detail.buf);
	}
	honk_buf_release(&detail);
	return code;
}

static int cmd_approve(struct ctx *c)
{
	return decision(c, 1);
}

static int cmd_reject(struct ctx *c)
{
	return decision(c, 0);
}

/* ---- graph, export backstage, html ---- */

static int cmd_graph(struct ctx *c)
{
	static const char *const formats[] = { "tree", "dot", "mermaid", "json",
					       NULL };
	struct honk_graph_opts o = HONK_GRAPH_OPTS_INIT;
	struct honk_graph g = HONK_GRAPH_INIT;
	struct honk_buf out = HONK_BUF_INIT;
	const char *fmt = opts[OPT_FORMAT].value;
	int64_t depth = 0;
	int f, err, code;

	if (!fmt)
		fmt = c->cli->json ? "json" : "tree";
	for (f = 0; formats[f] && strcmp(formats[f], fmt); f++)
		;
	if (!formats[f] || (c->cli->json && f != 3)) {
		honk_cli_error(
			c->cli,
			formats[f]
				? "--json is --format json, not %s"
				: "--format must be tree, dot, mermaid or json, not '%s'",
			fmt);
		return HONK_EXIT_USAGE;
	}
	if (opts[OPT_DEPTH].value &&
	    honk_parse_int(&depth, opts[OPT_DEPTH].value, 0, 1000000) < 0) {
		honk_cli_error(c->cli, "--depth: %s", honk_error_last());
		return HONK_EXIT_USAGE;
	}
	if (c->cli->nargs > 2) {
		honk_cli_error(c->cli, "graph takes at most one dataset");
		return HONK_EXIT_USAGE;
	}
	if (c->cli->nargs == 2) {
		if (honk_name_check("dataset", c->cli->args[1]) < 0) {
			honk_cli_error(c->cli, "%s", honk_error_last());
			return HONK_EXIT_USAGE;
		}
		o.dataset = c->cli->args[1];
	}
	o.depth = (unsigned)depth;
	if ((code = open_view(c)) != 0)
		return code;
	if ((err = honk_graph_build(&g, &c->cat, &o)) < 0)
		return honk_cli_fail(c->cli, err);
	switch (f) {
	case 0:
		err = honk_graph_tree(&out, &g);
		break;
	case 1:
		err = honk_graph_dot(&out, &g);
		break;
	case 2:
		err = honk_graph_mermaid(&out, &g);
		break;
	default:
		err = honk_graph_json(&out, &g);
	}
	honk_graph_release(&g);
	if (err < 0) {
		honk_buf_release(&out);
		return honk_cli_fail(c->cli, err);
	}
	return write_out(c->cli, &out);
}

static int cmd_export(struct ctx *c)
{
	struct honk_buf out = HONK_BUF_INIT;
	int err, code;

	if (c->cli->nargs != 2 || strcmp(c->cli->args[1], "backstage")) {
		honk_cli_error(c->cli,
			       "export takes one format: export backstage");
		return HONK_EXIT_USAGE;
	}
	if (c->cli->json) {
		honk_cli_error(c->cli, "export backstage writes YAML; "
				       "--json does not apply");
		return HONK_EXIT_USAGE;
	}
	if ((code = open_view(c)) != 0)
		return code;
	if ((err = honk_backstage_export(&out, &c->cat)) < 0) {
		honk_buf_release(&out);
		return honk_cli_fail(c->cli, err);
	}
	return write_out(c->cli, &out);
}

static int cmd_html(struct ctx *c)
{
	struct honk_html_opts o = HONK_HTML_OPTS_INIT;
	struct honk_status s;
	struct honk_buf out = HONK_BUF_INIT;
	const char *path = opts[OPT_OUTPUT].value;
	int err, code;

	if (c->cli->nargs != 1) {
		honk_cli_error(c->cli, "html takes no arguments");
		return HONK_EXIT_USAGE;
	}
	if (c->cli->json || c->cli->rev) {
		honk_cli_error(c->cli,
			       "%s does not apply to html (the page "
			       "shows main)",
			       c->cli->json ? "--json" : "--rev");
		return HONK_EXIT_USAGE;
	}
	if (path && !*path) {
		honk_cli_error(c->cli, "--output needs a file name");
		return HONK_EXIT_USAGE;
	}
	if ((code = load_status(c, &s, 0)) != 0)
		return code;
	o.now = now_ms();
	err = honk_html_render(&out, &s, &o);
	honk_status_release(&s);
	if (err < 0) {
		honk_buf_release(&out);
		return honk_cli_fail(c->cli, err);
	}
	if (!path)
		return write_out(c->cli, &out);
	err = honk_file_write_atomic(path, out.buf, out.len);
	honk_buf_release(&out);
	if (err < 0)
		return honk_cli_fail(c->cli, err);
	if (c->cli->verbose)
		fprintf(stderr, "%s: wrote %s\n", c->cli->prog, path);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(struct ctx *c);
	unsigned opt_mask;
} commands[] = {
	{ "show", cmd_show, 0 },
	{ "log", cmd_log, 1u << OPT_CONSUMER },
	{ "approve", cmd_approve, 1u << OPT_REASON | 1u << OPT_ACTOR },
	{ "reject", cmd_reject, 1u << OPT_REASON | 1u << OPT_ACTOR },
	{ "lint", cmd_lint, 1u << OPT_INDEX },
	{ "datasets", cmd_datasets, 0 },
	{ "consumers", cmd_consumers, 0 },
	{ "graph", cmd_graph, 1u << OPT_FORMAT | 1u << OPT_DEPTH },
	{ "export", cmd_export, 0 },
	{ "html", cmd_html, 1u << OPT_OUTPUT },
};

int main(int argc, char **argv)
{
	struct honk_cli cli;
	struct ctx c;
	const char *names[16];
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
		if ((code = honk_cli_opts_apply(&cli, opts, 0,
						"the overview")) != 0)
			return honk_cli_exit(&cli, code);
		if ((err = honk_cli_enter(&cli)) < 0)
			return honk_cli_exit(&cli, honk_cli_fail(&cli, err));
		code = cmd_overview(&c);
		ctx_release(&c);
		return honk_cli_exit(&cli, code);
	}
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
	code = commands[i].fn(&c);
	ctx_release(&c);
	return honk_cli_exit(&cli, code);
}
