/*
 * Shared command-line handling.
 *
 * Options may come before or after the command, like git's `-C` and
 * kubectl's flags; anything unknown is a usage error (exit 2) with a
 * suggestion. Output is never declared successful before stdout has been
 * flushed and closed without error, so a full disk or a closed pipe is
 * not mistaken for success by a cron job.
 */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "yaml.h"
#include "banned.h"

static const char *const common_long[] = { "rev",   "remote", "no-remote",
					   "json",  "quiet",  "verbose",
					   "color", "help",   "version",
					   NULL };

static int match_long(const char *arg, const char *name, const char **value)
{
	size_t n = strlen(name);

	if (strncmp(arg, name, n) != 0)
		return 0;
	if (arg[n] == '=') {
		*value = arg + n + 1;
		return 1;
	}
	if (arg[n] == '\0') {
		*value = NULL;
		return 1;
	}
	return 0;
}

static int remember(struct honk_opt *o)
{
	const char **v = realloc(o->all, (o->nall + 1) * sizeof(*v));

	if (!v)
		return honk_error_set(HONK_ERROR, "out of memory");
	v[o->nall++] = o->value;
	o->all = v;
	return 0;
}

static int take_arg(int argc, char **argv, int *i, const char *inline_value,
		    const char **out, const char *name)
{
	if (inline_value) {
		*out = inline_value;
		return 0;
	}
	if (*i + 1 >= argc)
		return honk_error_set(HONK_EUSAGE, "option '%s' needs a value",
				      name);
	*out = argv[++*i];
	return 0;
}

static int parse_color(struct honk_cli *cli, const char *v)
{
	if (!v || !strcmp(v, "always"))
		cli->color_mode = HONK_COLOR_ALWAYS;
	else if (!strcmp(v, "never"))
		cli->color_mode = HONK_COLOR_NEVER;
	else if (!strcmp(v, "auto"))
		cli->color_mode = HONK_COLOR_AUTO;
	else
		return honk_error_set(
			HONK_EUSAGE,
			"--color must be auto, always or never, not '%s'", v);
	return 0;
}

static int long_option(struct honk_cli *cli, int argc, char **argv, int *i)
{
	const char *arg = argv[*i] + 2, *v = NULL;
	const char *names[64];
	struct honk_opt *o;
	size_t k = 0;

	if (match_long(arg, "rev", &v))
		return take_arg(argc, argv, i, v, &cli->rev, "--rev");
	if (match_long(arg, "remote", &v))
		return take_arg(argc, argv, i, v, &cli->remote, "--remote");
	if (match_long(arg, "color", &v))
		return parse_color(cli, v);
	if (!strcmp(arg, "no-remote"))
		return cli->no_remote = 1, 0;
	if (!strcmp(arg, "json"))
		return cli->json = 1, 0;
	if (!strcmp(arg, "quiet"))
		return cli->quiet = 1, 0;
	if (!strcmp(arg, "verbose"))
		return cli->verbose = 1, 0;
	if (!strcmp(arg, "help"))
		return cli->help = 1, 0;
	if (!strcmp(arg, "version"))
		return cli->version = 1, 0;
	for (o = cli->opts; o && o->name; o++) {
		if (!match_long(arg, o->name, &v))
			continue;
		if (!o->has_arg) {
			if (v)
				return honk_error_set(
					HONK_EUSAGE,
					"option '--%s' takes no value",
					o->name);
			o->value = "";
			return 0;
		}
		if (take_arg(argc, argv, i, v, &o->value, argv[*i]) < 0)
			return HONK_EUSAGE;
		return remember(o);
	}
	for (k = 0; common_long[k] && k < 32; k++)
		names[k] = common_long[k];
	for (o = cli->opts; o && o->name && k < 63; o++)
		names[k++] = o->name;
	names[k] = NULL;
	{
		char word[64];
		const char *eq = strchr(arg, '=');
		size_t n = eq ? (size_t)(eq - arg) : strlen(arg);
		const char *s;

		if (n >= sizeof(word))
			n = sizeof(word) - 1;
		memcpy(word, arg, n);
		word[n] = '\0';
		s = honk_suggest(word, names);
		if (s)
			return honk_error_set(
				HONK_EUSAGE,
				"unknown option '--%s', did you mean '--%s'?",
				word, s);
		return honk_error_set(HONK_EUSAGE, "unknown option '--%s'",
				      word);
	}
}

static int short_options(struct honk_cli *cli, int argc, char **argv, int *i)
{
	const char *p = argv[*i] + 1;

	for (; *p; p++) {
		struct honk_opt *o;

		switch (*p) {
		case 'q':
			cli->quiet = 1;
			continue;
		case 'v':
			cli->verbose = 1;
			continue;
		case 'h':
			cli->help = 1;
			continue;
		case 'C':
			return take_arg(argc, argv, i, p[1] ? p + 1 : NULL,
					&cli->dir, "-C");
		default:
			break;
		}
		for (o = cli->opts; o && o->name; o++) {
			if (o->short_name != *p)
				continue;
			if (!o->has_arg) {
				o->value = "";
				break;
			}
			if (take_arg(argc, argv, i, p[1] ? p + 1 : NULL,
				     &o->value, argv[*i]) < 0)
				return HONK_EUSAGE;
			return remember(o);
		}
		if (!o || !o->name)
			return honk_error_set(HONK_EUSAGE,
					      "unknown option '-%c'", *p);
	}
	return 0;
}

int honk_cli_parse(struct honk_cli *cli, int argc, char **argv,
		   struct honk_opt *opts)
{
	const char *prog = cli->prog;
	int i, err, only_args = 0;

	memset(cli, 0, sizeof(*cli));
	cli->prog = prog;
	cli->opts = opts;
	cli->args = calloc((size_t)argc + 1, sizeof(*cli->args));
	if (!cli->args)
		honk_die_oom();
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (only_args || a[0] != '-' || !a[1]) {
			cli->args[cli->nargs++] = argv[i];
			continue;
		}
		if (!strcmp(a, "--")) {
			only_args = 1;
			continue;
		}
		err = a[1] == '-' ? long_option(cli, argc, argv, &i)
				  : short_options(cli, argc, argv, &i);
		if (err < 0)
			return err;
	}
	return 0;
}

int honk_cli_start(struct honk_cli *cli, const char *prog, int argc,
		   char **argv, struct honk_opt *opts, const char *usage)
{
	cli->prog = prog;
	honk_error_program(prog);
	if (honk_cli_parse(cli, argc, argv, opts) < 0) {
		honk_cli_error(cli, "%s", honk_error_last());
		fputs(usage, stderr);
		return honk_cli_exit(cli, HONK_EXIT_USAGE);
	}
	if (cli->help) {
		fputs(usage, stdout);
		return honk_cli_exit(cli, 0);
	}
	if (cli->version) {
		printf("%s %s\n", prog, HONK_VERSION);
		return honk_cli_exit(cli, 0);
	}
	return -1;
}

int honk_cli_command(const struct honk_cli *cli, const char *const *names,
		     size_t n, const char *usage)
{
	const char *list[32], *s;
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(cli->args[0], names[i]))
			return (int)i;
	for (i = 0; i < n && i < 31; i++)
		list[i] = names[i];
	list[i] = NULL;
	s = honk_suggest(cli->args[0], list);
	if (s)
		honk_cli_error(cli, "unknown command '%s', did you mean '%s'?",
			       cli->args[0], s);
	else
		honk_cli_error(cli, "unknown command '%s'", cli->args[0]);
	fputs(usage, stderr);
	return -1;
}

int honk_cli_enter(struct honk_cli *cli)
{
	if (cli->dir && chdir(cli->dir) < 0)
		return honk_error_errno(HONK_ERROR, "cannot change to '%s'",
					cli->dir);
	return 0;
}

int honk_cli_color(const struct honk_cli *cli, FILE *f)
{
	const char *nc;

	if (cli->color_mode == HONK_COLOR_ALWAYS)
		return 1;
	if (cli->color_mode == HONK_COLOR_NEVER)
		return 0;
	nc = getenv("NO_COLOR");
	if (nc && *nc)
		return 0;
	nc = getenv("TERM");
	if (nc && !strcmp(nc, "dumb"))
		return 0;
	return isatty(fileno(f));
}

void honk_cli_error(const struct honk_cli *cli, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: error: ", cli->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int honk_cli_fail(const struct honk_cli *cli, int err)
{
	honk_cli_error(cli, "%s", honk_error_last());
	return honk_error_exit_code(err);
}

int honk_cli_exit(const struct honk_cli *cli, int code)
{
	struct honk_opt *o;
	int failed = fflush(stdout) != 0 || ferror(stdout);

	failed |= fclose(stdout) != 0;
	free(cli->args);
	for (o = cli->opts; o && o->name; o++) {
		free(o->all);
		o->all = NULL;
		o->nall = 0;
	}
	if (failed && errno != EPIPE) {
		fprintf(stderr, "%s: error: cannot write output: %s\n",
			cli->prog, strerror(errno));
		return HONK_EXIT_SYSTEM;
	}
	if (failed)
		return HONK_EXIT_SYSTEM;
	return code;
}

int honk_cli_opts_apply(const struct honk_cli *cli, const struct honk_opt *opts,
			unsigned mask, const char *what)
{
	size_t o;

	for (o = 0; opts[o].name; o++) {
		if (opts[o].value && !(mask & (1u << o))) {
			honk_cli_error(cli, "--%s does not apply to %s",
				       opts[o].name, what);
			return HONK_EXIT_USAGE;
		}
	}
	return 0;
}
