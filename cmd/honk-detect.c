/*
 * honk-detect: schema diffs, consumer impact and the hook gate.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "catalog.h"
#include "check.h"
#include "cli.h"
#include "diag.h"
#include "detect.h"
#include "diff.h"
#include "impact.h"
#include "json.h"
#include "parse.h"
#include "repo.h"
#include "scan.h"
#include "schema.h"
#include "banned.h"

static const char usage[] =
	"usage: honk-detect [-C DIR] [--json] [-q] [-v] [--dry-run] [--full] [--dataset D]...\n"
	"   or: honk-detect [-C DIR] [--rev REV] [--json] [-q] [-v] <command> [<args>]\n"
	"\n"
	"With no command: the detection run. Load the catalog at the main branch,\n"
	"find every consumer on an older version than its dataset's latest, open or\n"
	"refresh one proposal branch honk/propose/<id> per migration.\n"
	"\n"
	"commands:\n"
	"   diff OLD NEW                 classify the changes between two schema files\n"
	"   diff DATASET FROM TO         ... or between two versions of a dataset\n"
	"   impact DATASET[@VERSION]     the consumers a move to the latest version affects\n"
	"   check [--index | REV | OLD..NEW | --pre-receive]\n"
	"                                the gate for hooks and CI: exit 1 when a released\n"
	"                                version was edited or a new one breaks its policy\n"
	"   scan [PATH...]               where consumer code names datasets and their\n"
	"                                locations: the catalog's repos, or these directories\n"
	"\n"
	"options:\n"
	"   -C DIR                      run as if started in DIR\n"
	"   --rev REV                   read the catalog at REV (default HEAD)\n"
	"   --policy POLICY             diff: the compatibility policy (default: the\n"
	"                               dataset's, or backward for files)\n"
	"   --format text|json          diff: the output format (--json is json)\n"
	"   --depth N                   impact: follow produces edges N levels deep\n"
	"   --index                     check: the staged catalog against HEAD\n"
	"   --pre-receive               check: read git's 'old new ref' lines on stdin\n"
	"   --pattern REGEX             scan: also report this PCRE2 pattern (with limits)\n"
	"   --print-names               scan: print the names it looks for and stop\n"
	"   --dry-run                   the run: say what would be proposed, write nothing\n"
	"   --dataset D                 the run: only dataset D (repeatable)\n"
	"   --full                      the run: every dataset, not only what changed\n"
	"                               since the last run\n"
	"   --remote NAME, --no-remote  remote to use (these commands do not fetch)\n"
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
	OPT_POLICY,
	OPT_FORMAT,
	OPT_DEPTH,
	OPT_INDEX,
	OPT_PRE_RECEIVE,
	OPT_DRY_RUN,
	OPT_DATASET,
	OPT_PATTERN,
	OPT_PRINT_NAMES,
	OPT_FULL
};

static struct honk_opt opts[] = {
	HONK_OPT("policy", 0, 1),
	HONK_OPT("format", 0, 1),
	HONK_OPT("depth", 0, 1),
	HONK_OPT("index", 0, 0),
	HONK_OPT("pre-receive", 0, 0),
	HONK_OPT("dry-run", 0, 0),
	HONK_OPT("dataset", 0, 1),
	HONK_OPT("pattern", 0, 1),
	HONK_OPT("print-names", 0, 0),
	HONK_OPT("full", 0, 0),
	HONK_OPT_END,
};

/* Today in days since 1970-01-01; HONK_NOW=YYYY-MM-DD pins it. */
static int64_t today(void)
{
	const char *pin = getenv("HONK_NOW");
	int64_t d;

	if (pin && honk_parse_date(&d, pin) == 0)
		return d;
	return (int64_t)(time(NULL) / 86400);
}

static const char zero_oid[] = "0000000000000000000000000000000000000000";

struct ctx {
	struct honk_cli *cli;
	struct honk_repo *repo;
};

static int usage_error(struct honk_cli *cli, const char *msg)
{
	honk_cli_error(cli, "%s", msg);
	fputs(usage, stderr);
	return HONK_EXIT_USAGE;
}

static int write_buf(struct honk_cli *cli, struct honk_buf *b)
{
	int failed = b->len && fwrite(b->buf, 1, b->len, stdout) != b->len;

	honk_buf_release(b);
	if (failed)
		return honk_cli_fail(cli,
				     honk_error_errno(HONK_ERROR,
						      "cannot write output"));
	return 0;
}

/* Print diagnostics of an invalid input and return exit 3. */
static int invalid(struct honk_cli *cli, struct honk_diags *d, const char *what)
{
	honk_diags_sort(d);
	fflush(stdout);
	honk_diags_print(d, stderr);
	honk_cli_error(cli, "%s has %zu error%s", what, honk_diags_count(d),
		       honk_diags_count(d) == 1 ? "" : "s");
	return HONK_EXIT_INVALID;
}

static int open_repo(struct ctx *c)
{
	int err;

	if (c->repo)
		return 0;
	if ((err = honk_repo_open(&c->repo)) < 0)
		return honk_cli_fail(c->cli, err);
	return 0;
}

/* ---- diff ---- */

static int parse_policy(struct honk_cli *cli, enum honk_policy *out)
{
	size_t i;

	if (!opts[OPT_POLICY].value)
		return 0;
	for (i = 0; honk_policy_names[i]; i++) {
		if (!strcmp(opts[OPT_POLICY].value, honk_policy_names[i])) {
			*out = (enum honk_policy)i;
			return 0;
		}
	}
	honk_cli_error(
		cli,
		"unknown policy '%s' (one of: backward, forward, full, none, backward_transitive, forward_transitive, full_transitive)",
		opts[OPT_POLICY].value);
	return HONK_EXIT_USAGE;
}

static void change_detail(struct honk_buf *b, const struct honk_change *c)
{
	honk_buf_reset(b);
	if (c->to)
		honk_buf_addf(b, "-> %s", c->to);
	else if (c->symbol)
		honk_buf_addf(b, "%s", c->symbol);
	else if (c->from_type)
		honk_buf_addf(b, "%s -> %s", c->from_type, c->to_type);
	else if (c->kind == HONK_FIELD_ADDED || c->kind == HONK_FIELD_REMOVED)
		honk_buf_addstr(b, c->required ? "required" : "optional");
}

static int print_diff(struct honk_cli *cli, const struct honk_diff *d,
		      enum honk_policy policy, const char *what)
{
	struct honk_buf out = HONK_BUF_INIT, detail = HONK_BUF_INIT;
	int breaking = honk_diff_breaking(d, policy), err;
	size_t i, failing = 0;

	for (i = 0; i < d->n; i++)
		failing += honk_change_breaks(&d->v[i], policy);
	if (cli->json) {
		struct honk_json j;

		honk_json_init(&j, &out);
		honk_json_obj_begin(&j);
		honk_json_kv_str(&j, "policy", honk_policy_names[policy]);
		honk_json_kv_str(&j, "verdict",
				 breaking ? "breaking" : "compatible");
		honk_json_key(&j, "changes");
		honk_json_arr_begin(&j);
		for (i = 0; i < d->n; i++) {
			const struct honk_change *c = &d->v[i];

			honk_json_obj_begin(&j);
			honk_json_kv_str(&j, "change",
					 honk_change_names[c->kind]);
			honk_json_kv_str(&j, "path", c->path);
			if (c->to)
				honk_json_kv_str(&j, "to", c->to);
			if (c->symbol)
				honk_json_kv_str(&j, "symbol", c->symbol);
			if (c->from_type) {
				honk_json_kv_str(&j, "from_type", c->from_type);
				honk_json_kv_str(&j, "to_type", c->to_type);
			}
			honk_json_key(&j, "backward");
			honk_json_bool(&j, c->backward);
			honk_json_key(&j, "forward");
			honk_json_bool(&j, c->forward);
			honk_json_key(&j, "breaking");
			honk_json_bool(&j, honk_change_breaks(c, policy));
			honk_json_obj_end(&j);
		}
		honk_json_arr_end(&j);
		honk_json_obj_end(&j);
		honk_buf_addch(&out, '\n');
	} else {
		for (i = 0; i < d->n; i++) {
			const struct honk_change *c = &d->v[i];

			change_detail(&detail, c);
			honk_buf_addf(
				&out,
				"%-20s %-24s %-22s backward: %-3s forward: %-3s%s\n",
				honk_change_names[c->kind],
				*c->path ? c->path : "(location)", detail.buf,
				c->backward ? "yes" : "no",
				c->forward ? "yes" : "no",
				honk_change_breaks(c, policy) ? "  breaking"
							      : "");
		}
		if (breaking)
			honk_buf_addf(
				&out,
				"verdict: breaking under %s (%zu of %zu change%s)\n",
				honk_policy_names[policy], failing, d->n,
				d->n == 1 ? "" : "s");
		else
			honk_buf_addf(
				&out,
				"verdict: compatible under %s (%zu change%s)\n",
				honk_policy_names[policy], d->n,
				d->n == 1 ? "" : "s");
	}
	honk_buf_release(&detail);
	if ((err = write_buf(cli, &out)) != 0)
		return err;
	if (cli->verbose)
		fprintf(stderr, "%s: %s\n", cli->prog, what);
	return breaking ? HONK_EXIT_FOUND : 0;
}

static int import_file(struct honk_cli *cli, struct honk_schema *out,
		       struct honk_arena *arena, const char *path,
		       struct honk_diags *d)
{
	struct honk_buf b = HONK_BUF_INIT;
	const struct honk_importer *imp;
	int err;

	honk_buf_init(&b, 8u << 20);
	if ((err = honk_buf_read_file(&b, path)) < 0) {
		honk_buf_release(&b);
		return honk_cli_fail(cli, err == HONK_ENOTFOUND ? HONK_EINVALID
								: err);
	}
	imp = honk_importer_sniff(path, b.buf, b.len);
	if (!imp) {
		honk_buf_release(&b);
		honk_cli_error(cli, "cannot tell the schema format of '%s'",
			       path);
		return HONK_EXIT_INVALID;
	}
	err = imp->import(out, arena, path, b.buf, b.len, d);
	honk_buf_release(&b);
	return err < 0 ? invalid(cli, d, path) : 0;
}

static int cmd_diff(struct ctx *c)
{
	struct honk_cli *cli = c->cli;
	enum honk_policy policy = HONK_POLICY_BACKWARD;
	struct honk_diags d = HONK_DIAGS_INIT;
	struct honk_diff diff = HONK_DIFF_INIT;
	struct honk_arena arena = HONK_ARENA_INIT;
	int code;

	if ((code = parse_policy(cli, &policy)) != 0)
		return code;
	if (opts[OPT_FORMAT].value) {
		if (!strcmp(opts[OPT_FORMAT].value, "json"))
			cli->json = 1;
		else if (strcmp(opts[OPT_FORMAT].value, "text") != 0)
			return usage_error(cli,
					   "--format must be text or json");
	}
	if (cli->nargs == 3) {
		struct honk_schema a, b;

		if ((code = import_file(cli, &a, &arena, cli->args[1], &d)) !=
			    0 ||
		    (code = import_file(cli, &b, &arena, cli->args[2], &d)) !=
			    0)
			goto cleanup;
		if (honk_diff_schemas(&diff, &a, &b, NULL, NULL) < 0) {
			code = honk_cli_fail(cli, HONK_ERROR);
			goto cleanup;
		}
		code = print_diff(cli, &diff, policy, "files");
	} else if (cli->nargs == 4) {
		struct honk_source src = HONK_SOURCE_INIT;
		struct honk_snapshot *snap = NULL;
		struct honk_catalog cat = HONK_CATALOG_INIT;
		const struct honk_dataset *ds;
		const struct honk_version *vf, *vt;
		int64_t from, to;
		int err;

		if (honk_parse_int(&from, cli->args[2], 0, 1000000000) < 0 ||
		    honk_parse_int(&to, cli->args[3], 0, 1000000000) < 0) {
			code = usage_error(cli, honk_error_last());
			goto cleanup;
		}
		if ((code = open_repo(c)) != 0)
			goto cleanup;
		src.rev = cli->rev;
		err = honk_catalog_open(&cat, &snap, c->repo, &src, &d);
		if (err == HONK_EINVALID) {
			code = invalid(cli, &d, "the catalog");
		} else if (err < 0) {
			code = honk_cli_fail(cli, err);
		} else if (!(ds = honk_catalog_dataset(&cat, cli->args[1]))) {
			honk_cli_error(cli, "no dataset '%s' in the catalog",
				       cli->args[1]);
			code = HONK_EXIT_INVALID;
		} else if (!(vf = honk_dataset_version(ds, from)) ||
			   !(vt = honk_dataset_version(ds, to))) {
			honk_cli_error(cli, "%s has no version %lld", ds->id,
				       (long long)(vf ? to : from));
			code = HONK_EXIT_INVALID;
		} else {
			if (!opts[OPT_POLICY].value)
				policy = honk_dataset_policy(&cat, ds);
			if (honk_diff_schemas(&diff, &vf->schema, &vt->schema,
					      vf->location, vt->location) < 0)
				code = honk_cli_fail(cli, HONK_ERROR);
			else
				code = print_diff(cli, &diff, policy, ds->id);
		}
		honk_catalog_release(&cat);
		honk_snapshot_free(snap);
	} else {
		code = usage_error(cli,
				   "diff takes OLD NEW or DATASET FROM TO");
	}
cleanup:
	honk_diff_release(&diff);
	honk_arena_release(&arena);
	honk_diags_release(&d);
	return code;
}

/* ---- impact ---- */

static int cmd_impact(struct ctx *c)
{
	struct honk_cli *cli = c->cli;
	struct honk_source src = HONK_SOURCE_INIT;
	struct honk_snapshot *snap = NULL;
	struct honk_catalog cat = HONK_CATALOG_INIT;
	struct honk_diags d = HONK_DIAGS_INIT;
	struct honk_impact im = HONK_IMPACT_INIT;
	struct honk_buf out = HONK_BUF_INIT, name = HONK_BUF_INIT;
	const struct honk_dataset *ds;
	int64_t from = -1, depth = 0, to;
	const char *at;
	size_t i, k;
	int err, code = 0;

	if (cli->nargs != 2)
		return usage_error(cli, "impact takes DATASET[@VERSION]");
	if (opts[OPT_DEPTH].value &&
	    honk_parse_int(&depth, opts[OPT_DEPTH].value, 1, 1000) < 0)
		return usage_error(cli, honk_error_last());
	at = strchr(cli->args[1], '@');
	honk_buf_add(&name, cli->args[1],
		     at ? (size_t)(at - cli->args[1]) : strlen(cli->args[1]));
	if (at && honk_parse_int(&from, at + 1, 0, 1000000000) < 0) {
		honk_buf_release(&name);
		return usage_error(cli, honk_error_last());
	}
	if ((code = open_repo(c)) != 0)
		goto cleanup;
	src.rev = cli->rev;
	err = honk_catalog_open(&cat, &snap, c->repo, &src, &d);
	if (err == HONK_EINVALID) {
		code = invalid(cli, &d, "the catalog");
		goto cleanup;
	} else if (err < 0) {
		code = honk_cli_fail(cli, err);
		goto cleanup;
	}
	if (!(ds = honk_catalog_dataset(&cat, name.buf))) {
		honk_cli_error(cli, "no dataset '%s' in the catalog", name.buf);
		code = HONK_EXIT_INVALID;
		goto cleanup;
	}
	to = ds->versions[ds->nversions - 1].version;
	if (from >= 0 && !honk_dataset_version(ds, from)) {
		honk_cli_error(cli, "%s has no version %lld", ds->id,
			       (long long)from);
		code = HONK_EXIT_INVALID;
		goto cleanup;
	}
	if ((err = honk_impact_compute(&im, &cat, NULL, ds, from, to,
				       (unsigned)depth)) < 0) {
		code = honk_cli_fail(cli, err);
		goto cleanup;
	}
	if (cli->json) {
		struct honk_json j;

		honk_json_init(&j, &out);
		honk_json_obj_begin(&j);
		honk_json_kv_str(&j, "dataset", ds->id);
		honk_json_kv_int(&j, "to", to);
		honk_json_key(&j, "consumers");
		honk_json_arr_begin(&j);
		for (i = 0; i < im.n; i++) {
			const struct honk_impacted *e = &im.v[i];
			const struct honk_read *r = NULL;

			for (k = 0; k < e->consumer->nreads; k++)
				if (!strcmp(e->consumer->reads[k].dataset,
					    e->dataset))
					r = &e->consumer->reads[k];
			honk_json_obj_begin(&j);
			honk_json_kv_str(&j, "consumer", e->consumer->name);
			honk_json_kv_str(&j, "impact",
					 honk_impact_names[e->impact]);
			honk_json_kv_str(&j, "dataset", e->dataset);
			honk_json_kv_int(&j, "version", e->from);
			honk_json_kv_int(&j, "depth", e->depth);
			if (e->via)
				honk_json_kv_str(&j, "via", e->via);
			honk_json_key(&j, "reads");
			if (r && r->fields) {
				honk_json_arr_begin(&j);
				for (k = 0; k < r->nfields; k++)
					honk_json_str(&j, r->fields[k]);
				honk_json_arr_end(&j);
			} else {
				honk_json_null(&j);
			}
			honk_json_key(&j, "fields");
			honk_json_arr_begin(&j);
			for (k = 0; k < e->nfields; k++)
				honk_json_str(&j, e->fields[k]);
			honk_json_arr_end(&j);
			honk_json_obj_end(&j);
		}
		honk_json_arr_end(&j);
		honk_json_obj_end(&j);
		honk_buf_addch(&out, '\n');
	} else {
		honk_buf_addf(&out, "%-24s %-10s %-22s %s\n", "CONSUMER",
			      "IMPACT", "READS", "WHY");
		for (i = 0; i < im.n; i++) {
			const struct honk_impacted *e = &im.v[i];

			honk_buf_reset(&name);
			honk_buf_addf(&name, "%s@%lld", e->dataset,
				      (long long)e->from);
			honk_buf_addf(&out, "%-24s %-10s %-22s ",
				      e->consumer->name,
				      honk_impact_names[e->impact], name.buf);
			if (e->impact == HONK_IMPACT_TRANSITIVE) {
				honk_buf_addf(&out, "via %s (depth %u)", e->via,
					      e->depth);
			} else if (e->impact == HONK_IMPACT_BREAKING) {
				honk_buf_addstr(&out, "fields ");
				for (k = 0; k < e->nfields; k++)
					honk_buf_addf(&out, "%s%s",
						      k ? ", " : "",
						      e->fields[k]);
				if (!e->fields_declared)
					honk_buf_addstr(
						&out,
						" (fields read not declared: all assumed)");
			} else {
				honk_buf_addf(&out, "moves to v%lld",
					      (long long)to);
			}
			honk_buf_addch(&out, '\n');
		}
	}
	code = write_buf(cli, &out);
cleanup:
	honk_buf_release(&out);
	honk_buf_release(&name);
	honk_impact_release(&im);
	honk_catalog_release(&cat);
	honk_snapshot_free(snap);
	honk_diags_release(&d);
	return code;
}

/* ---- check ---- */

/* One side of a check: a catalog at a source, possibly absent (no base). */
struct side {
	struct honk_snapshot *snap;
	struct honk_catalog cat;
	struct honk_diags diags;
	int loaded;
};

static void side_release(struct side *s)
{
	honk_catalog_release(&s->cat);
	honk_snapshot_free(s->snap);
	honk_diags_release(&s->diags);
	memset(s, 0, sizeof(*s));
}

static int side_open(struct ctx *c, struct side *s,
		     const struct honk_source *src)
{
	int err;

	memset(s, 0, sizeof(*s));
	s->diags.max = HONK_DIAGS_MAX_DEFAULT;
	err = honk_catalog_open(&s->cat, &s->snap, c->repo, src, &s->diags);
	s->loaded = err == 0 || err == HONK_EINVALID;
	return err;
}

/* Check head (a rev, or the index) against base (a rev or NULL = none). */
static int check_one(struct ctx *c, const struct honk_source *head_src,
		     const char *base_rev, const char *only_branch,
		     struct honk_diags *findings, int *invalid_seen)
{
	struct side base, head;
	struct honk_source bsrc = HONK_SOURCE_INIT;
	int err;

	memset(&base, 0, sizeof(base));
	err = side_open(c, &head, head_src);
	if (err < 0 && err != HONK_EINVALID) {
		side_release(&head);
		return err;
	}
	if (only_branch && strcmp(only_branch, head.cat.settings.main) != 0) {
		side_release(&head);
		return 0;
	}
	if (err == HONK_EINVALID) {
		honk_diags_take(findings, &head.diags);
		*invalid_seen = 1;
		side_release(&head);
		return 0;
	}
	if (base_rev) {
		bsrc.rev = base_rev;
		err = side_open(c, &base, &bsrc);
		if (err < 0 && err != HONK_EINVALID && err != HONK_ENOTFOUND) {
			side_release(&head);
			side_release(&base);
			return err;
		}
	}
	err = honk_check_catalogs(base.loaded ? &base.cat : NULL, &head.cat,
				  findings);
	side_release(&base);
	side_release(&head);
	return err;
}

static int cmd_check(struct ctx *c)
{
	struct honk_cli *cli = c->cli;
	struct honk_diags findings = HONK_DIAGS_INIT;
	struct honk_source head = HONK_SOURCE_INIT;
	struct honk_buf range = HONK_BUF_INIT;
	int err = 0, code, invalid_seen = 0;
	int index = opts[OPT_INDEX].value != NULL;
	int pre = opts[OPT_PRE_RECEIVE].value != NULL;

	if (index + pre + (cli->nargs > 1) > 1 || cli->nargs > 2)
		return usage_error(
			cli,
			"check takes one of --index, REV, OLD..NEW or --pre-receive");
	if ((code = open_repo(c)) != 0)
		return code;
	if (index) {
		head.kind = HONK_SOURCE_INDEX;
		err = check_one(c, &head, "HEAD", NULL, &findings,
				&invalid_seen);
	} else if (pre) {
		char line[512];

		while (!err && fgets(line, sizeof(line), stdin)) {
			char old[64], new[64], ref[400];
			const char *branch;

			if (sscanf(line, "%63s %63s %399s", old, new, ref) != 3)
				continue;
			if (!strcmp(new, zero_oid) ||
			    strncmp(ref, "refs/heads/", 11))
				continue;
			branch = ref + 11;
			head.rev = new;
			err = check_one(c, &head,
					strcmp(old, zero_oid) ? old : NULL,
					branch, &findings, &invalid_seen);
		}
	} else {
		const char *arg = cli->nargs > 1
					  ? cli->args[1]
					  : (cli->rev ? cli->rev : "HEAD");
		const char *dots = strstr(arg, "..");

		if (dots) {
			honk_buf_add(&range, arg, (size_t)(dots - arg));
			head.rev = dots + 2;
			err = check_one(c, &head, range.buf, NULL, &findings,
					&invalid_seen);
		} else {
			honk_buf_addf(&range, "%s^", arg);
			head.rev = arg;
			err = check_one(c, &head, range.buf, NULL, &findings,
					&invalid_seen);
		}
	}
	honk_buf_release(&range);
	if (err < 0) {
		honk_diags_release(&findings);
		return honk_cli_fail(cli, err);
	}
	honk_diags_sort(&findings);
	if (cli->json) {
		struct honk_buf out = HONK_BUF_INIT;
		struct honk_json j;
		size_t i;

		honk_json_init(&j, &out);
		honk_json_obj_begin(&j);
		honk_json_key(&j, "ok");
		honk_json_bool(&j, findings.n == 0);
		honk_json_key(&j, "findings");
		honk_json_arr_begin(&j);
		for (i = 0; i < findings.n; i++) {
			honk_json_obj_begin(&j);
			honk_json_kv_str(&j, "path", findings.v[i].path);
			honk_json_kv_int(&j, "line", findings.v[i].line);
			honk_json_kv_int(&j, "col", findings.v[i].col);
			honk_json_kv_str(&j, "message", findings.v[i].msg);
			honk_json_obj_end(&j);
		}
		honk_json_arr_end(&j);
		honk_json_obj_end(&j);
		honk_buf_addch(&out, '\n');
		if ((code = write_buf(cli, &out)) != 0) {
			honk_diags_release(&findings);
			return code;
		}
	} else {
		/* in a hook, stderr is what reaches the pusher */
		honk_diags_print(&findings, pre ? stderr : stdout);
	}
	code = invalid_seen ? HONK_EXIT_INVALID
	       : findings.n ? HONK_EXIT_FOUND
			    : 0;
	if (code && !cli->quiet)
		fprintf(stderr, "%s: %zu finding%s: %s\n", cli->prog,
			honk_diags_count(&findings),
			honk_diags_count(&findings) == 1 ? "" : "s",
			invalid_seen
				? "the catalog is invalid"
				: "released versions must not change, new ones must keep their policy");
	honk_diags_release(&findings);
	return code;
}

/* ---- scan ---- */

struct scan_out {
	struct honk_cli *cli;
	struct honk_buf out;
	struct honk_json j;
	size_t hits;
};

static int print_hit(const struct honk_hit *h, void *payload)
{
	struct scan_out *so = payload;

	so->hits++;
	if (so->cli->json) {
		honk_json_obj_begin(&so->j);
		honk_json_kv_str(&so->j, "source", h->source);
		honk_json_kv_str(&so->j, "path", h->path);
		honk_json_kv_int(&so->j, "line", (int64_t)h->line);
		honk_json_kv_str(&so->j, "kind", h->kind);
		honk_json_kv_str(&so->j, "dataset", h->dataset);
		if (h->version >= 0)
			honk_json_kv_int(&so->j, "version", h->version);
		honk_json_kv_str(&so->j, "match", h->text);
		honk_json_obj_end(&so->j);
	} else if (!*h->dataset) {
		honk_buf_addf(&so->out, "%s:%s:%zu: %s (%s)\n", h->source,
			      h->path, h->line, h->kind, h->text);
	} else if (h->version >= 0) {
		honk_buf_addf(&so->out, "%s:%s:%zu: %s v%lld (%s)\n", h->source,
			      h->path, h->line, h->dataset,
			      (long long)h->version, h->text);
	} else {
		honk_buf_addf(&so->out, "%s:%s:%zu: %s (%s)\n", h->source,
			      h->path, h->line, h->dataset, h->text);
	}
	return 0;
}

static void print_skipped(const char *consumer, const char *why, void *payload)
{
	struct scan_out *so = payload;

	fprintf(stderr, "%s: %s: not scanned: %s\n", so->cli->prog, consumer,
		why);
}

static int cmd_scan(struct ctx *c)
{
	struct honk_cli *cli = c->cli;
	struct honk_source src = HONK_SOURCE_INIT;
	struct honk_scan_opts o = HONK_SCAN_OPTS_INIT;
	struct honk_snapshot *snap = NULL;
	struct honk_catalog cat = HONK_CATALOG_INIT;
	struct honk_diags d = HONK_DIAGS_INIT;
	struct honk_scanner *sc = NULL;
	struct scan_out so;
	const char *base;
	int err, code = 0, i;

	memset(&so, 0, sizeof(so));
	so.cli = cli;
	if ((code = open_repo(c)) != 0)
		return code;
	src.rev = cli->rev;
	err = honk_catalog_open(&cat, &snap, c->repo, &src, &d);
	if (err == HONK_EINVALID) {
		code = invalid(cli, &d, "the catalog");
		goto cleanup;
	} else if (err < 0) {
		code = honk_cli_fail(cli, err);
		goto cleanup;
	}
	o.pattern = opts[OPT_PATTERN].value;
	if ((err = honk_scanner_new(&sc, &cat, &o)) < 0) {
		code = honk_cli_fail(cli, err);
		goto cleanup;
	}
	if (opts[OPT_PRINT_NAMES].value) {
		const char *const *names;
		size_t n = honk_scanner_names(sc, &names), k;

		for (k = 0; k < n; k++)
			honk_buf_addf(&so.out, "%s\n", names[k]);
		code = write_buf(cli, &so.out);
		goto cleanup;
	}
	if (cli->json) {
		honk_json_init(&so.j, &so.out);
		honk_json_obj_begin(&so.j);
		honk_json_key(&so.j, "hits");
		honk_json_arr_begin(&so.j);
	}
	base = git_repository_workdir(c->repo->git);
	if (!base)
		base = git_repository_path(c->repo->git);
	if (cli->nargs > 1) {
		for (i = 1; i < cli->nargs && !err; i++) {
			size_t n = 0;

			err = honk_scan_dir(sc, cli->args[i], print_hit, &so,
					    &n);
			if (!err && n && !cli->quiet &&
			    !honk_scan_is_consumer_repo(sc, base, cli->args[i]))
				fprintf(stderr,
					"%s: %s references datasets but is not the repo of any consumer in the catalog\n",
					cli->prog, cli->args[i]);
		}
	} else {
		err = honk_scan_consumers(sc, base, print_hit, &so,
					  print_skipped);
	}
	if (err < 0) {
		code = honk_cli_fail(cli, err);
		goto cleanup;
	}
	if (cli->json) {
		honk_json_arr_end(&so.j);
		honk_json_obj_end(&so.j);
		honk_buf_addch(&so.out, '\n');
	}
	code = write_buf(cli, &so.out);
	if (!code && cli->verbose)
		fprintf(stderr, "%s: %zu references\n", cli->prog, so.hits);
cleanup:
	honk_buf_release(&so.out);
	honk_scanner_free(sc);
	honk_catalog_release(&cat);
	honk_snapshot_free(snap);
	honk_diags_release(&d);
	return code;
}

/* ---- the detection run ---- */

struct run_out {
	struct honk_cli *cli;
	struct honk_buf out;
	struct honk_json j;
	size_t proposed, refreshed, unchanged, invalid;
};

static void on_event(const char *event, const char *id, const char *detail,
		     void *payload)
{
	struct run_out *ro = payload;

	if (!strcmp(event, "proposed") || !strcmp(event, "would-propose"))
		ro->proposed++;
	else if (!strcmp(event, "refreshed") || !strcmp(event, "would-refresh"))
		ro->refreshed++;
	else if (!strcmp(event, "unchanged"))
		ro->unchanged++;
	else if (!strcmp(event, "invalid"))
		ro->invalid++;
	if (ro->cli->json) {
		honk_json_obj_begin(&ro->j);
		honk_json_kv_str(&ro->j, "event", event);
		honk_json_kv_str(&ro->j, "id", id);
		honk_json_kv_str(&ro->j, "detail", detail);
		honk_json_obj_end(&ro->j);
	} else if (!strcmp(event, "invalid")) {
		fflush(stdout);
		fprintf(stderr, "%s:%s\n", id, detail);
	} else {
		honk_buf_addf(&ro->out, "%-13s %s: %s\n", event, id, detail);
	}
}

static int cmd_run(struct ctx *c)
{
	struct honk_cli *cli = c->cli;
	struct honk_detect_opts o = HONK_DETECT_OPTS_INIT;
	struct run_out ro;
	int err, wrote = 0, code;

	memset(&ro, 0, sizeof(ro));
	ro.cli = cli;
	honk_buf_init(&ro.out, 0);
	if (cli->nargs)
		return usage_error(cli, "the detection run takes no arguments");
	if (cli->rev)
		return usage_error(
			cli,
			"the detection run reads the main branch; --rev does not apply");
	if ((code = open_repo(c)) != 0)
		return code;
	o.dry_run = opts[OPT_DRY_RUN].value != NULL;
	o.full = opts[OPT_FULL].value != NULL;
	o.remote = cli->remote;
	o.no_remote = cli->no_remote;
	o.datasets = opts[OPT_DATASET].all;
	o.ndatasets = opts[OPT_DATASET].nall;
	o.today = today();
	if (cli->json) {
		honk_json_init(&ro.j, &ro.out);
		honk_json_obj_begin(&ro.j);
		honk_json_key(&ro.j, "events");
		honk_json_arr_begin(&ro.j);
	}
	err = honk_detect_run(c->repo, &o, on_event, &ro, &wrote);
	if (cli->json) {
		honk_json_arr_end(&ro.j);
		honk_json_key(&ro.j, "wrote");
		honk_json_bool(&ro.j, wrote);
		honk_json_obj_end(&ro.j);
		honk_buf_addch(&ro.out, '\n');
	}
	if (err < 0) {
		honk_buf_release(&ro.out);
		if (ro.invalid)
			honk_error_set(
				err,
				"the catalog at main has %zu error%s (see honk-status lint)",
				ro.invalid, ro.invalid == 1 ? "" : "s");
		return honk_cli_fail(cli, err);
	}
	if ((code = write_buf(cli, &ro.out)) != 0)
		return code;
	if (!cli->quiet)
		fprintf(stderr,
			"%s: %s%zu proposed, %zu refreshed, %zu unchanged%s\n",
			cli->prog, o.dry_run ? "dry run: " : "", ro.proposed,
			ro.refreshed, ro.unchanged,
			o.dry_run ? ""
			: wrote	  ? ""
				  : "; nothing written");
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(struct ctx *c);
	int opt_mask; /* the command options it takes */
} commands[] = {
	{ "diff", cmd_diff, 1 << OPT_POLICY | 1 << OPT_FORMAT },
	{ "impact", cmd_impact, 1 << OPT_DEPTH },
	{ "check", cmd_check, 1 << OPT_INDEX | 1 << OPT_PRE_RECEIVE },
	{ "scan", cmd_scan, 1 << OPT_PATTERN | 1 << OPT_PRINT_NAMES },
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
	c.cli = &cli;
	if ((code = honk_cli_start(&cli, "honk-detect", argc, argv, opts,
				   usage)) >= 0)
		return code;
	if (!cli.nargs) {
		if ((code = honk_cli_opts_apply(&cli, opts,
						1u << OPT_DRY_RUN |
							1u << OPT_DATASET |
							1u << OPT_FULL,
						"the detection run")) != 0)
			return honk_cli_exit(&cli, code);
		if ((err = honk_cli_enter(&cli)) < 0)
			return honk_cli_exit(&cli, honk_cli_fail(&cli, err));
		code = cmd_run(&c);
		honk_repo_free(c.repo);
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
	honk_repo_free(c.repo);
	return honk_cli_exit(&cli, code);
}
