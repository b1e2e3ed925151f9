#ifndef HONK_CLI_H
#define HONK_CLI_H

#include <stdio.h>

#include "error.h"

/*
 * What every binary shares (DESIGN section 8): the common options, the
 * `prog: error: ...` diagnostics, colour decisions and a checked exit.
 * This module may print (it serves main() only); no other lib/ module does.
 */

enum { HONK_COLOR_AUTO, HONK_COLOR_ALWAYS, HONK_COLOR_NEVER };

/* A command-specific option: --name[=VALUE] or -c. */
struct honk_opt {
	const char *name;
	char short_name;
	int has_arg;
	const char *value; /* set when given: the (last) argument, or "" */
	const char **all;  /* every argument given, for repeatable options */
	size_t nall;
};

#define HONK_OPT(name, short_name, has_arg)              \
	{                                                \
		name, short_name, has_arg, NULL, NULL, 0 \
	}
#define HONK_OPT_END HONK_OPT(NULL, 0, 0)

struct honk_cli {
	const char *prog;
	const char *dir;    /* -C */
	const char *rev;    /* --rev */
	const char *remote; /* --remote */
	int no_remote;
	int json, quiet, verbose, help, version;
	int color_mode;
	char **args; /* positional arguments, the command first */
	int nargs;
	struct honk_opt *opts; /* command options, terminated by name NULL */
};

/*
 * Parse argv: common options anywhere, command options from `opts`,
 * "--" ends options. HONK_EUSAGE with a message on a bad option.
 */
int honk_cli_parse(struct honk_cli *cli, int argc, char **argv,
		   struct honk_opt *opts);

/*
 * The index of cli->args[0] in names[0..n), or -1 after reporting it as
 * an unknown command (with a suggestion) and printing usage on stderr.
 */
int honk_cli_command(const struct honk_cli *cli, const char *const *names,
		     size_t n, const char *usage);

/*
 * Parse argv for prog and handle what every command does the same way:
 * a usage error (exit 2), --help (usage on stdout), --version. Returns -1
 * when the command should go on, else the exit status to return (after
 * honk_cli_exit() has run).
 */
int honk_cli_start(struct honk_cli *cli, const char *prog, int argc,
		   char **argv, struct honk_opt *opts, const char *usage);

/*
 * Every command option given must be in mask (bit i: opts[i]); else
 * report "--name does not apply to WHAT" and return HONK_EXIT_USAGE.
 */
int honk_cli_opts_apply(const struct honk_cli *cli, const struct honk_opt *opts,
			unsigned mask, const char *what);

/* Apply -C (chdir, as git does). */
int honk_cli_enter(struct honk_cli *cli);

/* Should output to `f` be coloured? (--color, NO_COLOR, a terminal.) */
int honk_cli_color(const struct honk_cli *cli, FILE *f);

/* `prog: error: msg` on stderr. */
void honk_cli_error(const struct honk_cli *cli, const char *fmt, ...)
	HONK_PRINTF(2, 3);

/*
 * Report a library failure (honk_error_last()) and return the exit code
 * for it.
 */
int honk_cli_fail(const struct honk_cli *cli, int err);

/* Flush and close stdout; exit code 5 with a message when that fails. */
int honk_cli_exit(const struct honk_cli *cli, int code);

#endif
