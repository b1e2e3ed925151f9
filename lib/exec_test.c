/*
 * Unit tests for the process executor: exit statuses and their one-line
 * descriptions, output captured and capped, arguments and environment
 * passed as data and nothing more, timeouts that take the whole process
 * group with them, nothing of a step left running after it, and several
 * threads running commands at once.
 *
 * The test process makes itself a child subreaper, so the processes a
 * command leaves behind are reparented to it and reaped here: "no
 * process of the group is left" can then be checked with kill(-pgid, 0)
 * even where init does not reap orphans.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "exec.h"
#include "banned.h"

#define ARGV(...)                             \
	(const char *const[]){ __VA_ARGS__ }, \
		sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(char *)

static char tmpdir[64];

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void path_in_tmp(char *path, size_t n, const char *name)
{
	snprintf(path, n, "%s/%s", tmpdir, name);
}

static void write_file(const char *name, const char *data, mode_t mode)
{
	char path[128];
	int fd;

	path_in_tmp(path, sizeof(path), name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, strlen(data)), (ssize_t)strlen(data));
	assert_int_equal(close(fd), 0);
}

/* Run argv with the other options of o (NULL: the defaults). */
static int run(struct honk_exec_result *res, const struct honk_exec_opts *o,
	       const char *const *argv, size_t argc)
{
	struct honk_exec_opts d = HONK_EXEC_OPTS_INIT;

	if (o)
		d = *o;
	d.argv = argv;
	d.argc = argc;
	return honk_exec_run(res, &d);
}

static char *describe(const struct honk_exec_result *res)
{
	struct honk_buf b = HONK_BUF_INIT;

	honk_exec_describe(&b, res);
	return honk_buf_detach(&b, NULL);
}

static void assert_described(const struct honk_exec_result *res,
			     const char *want)
{
	char *s = describe(res);

	assert_string_equal(s, want);
	free(s);
}

/*
 * Wait (up to 2 s) until no process of the group is left: orphans of it
 * come to us, the subreaper, and are reaped here.
 */
static int group_gone(pid_t pgid)
{
	int i;

	for (i = 0; i < 200; i++) {
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		if (kill(-pgid, 0) < 0 && errno == ESRCH)
			return 1;
		sleep_ms(10);
	}
	return 0;
}

/* How many lines of text start with prefix. */
static int count_lines(const char *text, const char *prefix)
{
	size_t plen = strlen(prefix);
	const char *p = text, *nl;
	int n = 0;

	while (*p) {
		if (!strncmp(p, prefix, plen))
			n++;
		nl = strchr(p, '\n');
		p = nl ? nl + 1 : p + strlen(p);
	}
	return n;
}

static void test_exit_statuses(void **state)
{
	struct honk_exec_result res;

	(void)state;
	assert_int_equal(run(&res, NULL, ARGV("/bin/true")), 0);
	assert_true(res.pid > 0);
	assert_true(res.exited);
	assert_int_equal(res.status, 0);
	assert_int_equal(res.signal, 0);
	assert_false(res.timed_out);
	assert_int_equal(res.total, 0);
	assert_string_equal(res.tail.buf, "");
	assert_true(honk_exec_succeeded(&res));
	assert_described(&res, "exited with 0");
	honk_exec_result_release(&res);

	assert_int_equal(run(&res, NULL, ARGV("/bin/false")), 0);
	assert_true(res.exited);
	assert_int_equal(res.status, 1);
	assert_false(honk_exec_succeeded(&res));
	assert_described(&res, "exited with 1");
	honk_exec_result_release(&res);

	assert_int_equal(run(&res, NULL, ARGV("sh", "-c", "exit 7")), 0);
	assert_true(res.exited);
	assert_int_equal(res.status, 7);
	assert_described(&res, "exited with 7");
	honk_exec_result_release(&res);

	assert_int_equal(run(&res, NULL, ARGV("sh", "-c", "kill -SEGV $$")), 0);
	assert_false(res.exited);
	assert_int_equal(res.signal, SIGSEGV);
	assert_false(honk_exec_succeeded(&res));
	assert_false(res.timed_out);
	honk_exec_result_release(&res);

	assert_int_equal(run(&res, NULL, ARGV("sh", "-c", "kill -KILL $$")), 0);
	assert_int_equal(res.signal, SIGKILL);
	assert_described(&res, "killed by SIGKILL");
	honk_exec_result_release(&res);
	honk_exec_result_release(NULL);
}

static void test_describe_texts(void **state)
{
	struct honk_exec_result res;
	struct honk_buf b = HONK_BUF_INIT;

	(void)state;
	memset(&res, 0, sizeof(res));
	honk_buf_init(&res.tail, 0);
	assert_described(&res, "not started");
	assert_false(honk_exec_succeeded(&res));

	res.pid = 42;
	res.signal = SIGSEGV;
	res.core_dumped = 1;
	assert_described(&res, "killed by SIGSEGV (core dumped)");
	res.core_dumped = 0;
	res.signal = 64;
	assert_described(&res, "killed by signal 64");

	res.timed_out = 1;
	res.timeout_ms = 10000;
	res.signal = SIGKILL;
	assert_described(&res, "timed out after 10s (killed)");
	res.timeout_ms = 250;
	res.signal = 0;
	res.exited = 1;
	res.status = 0;
	assert_described(&res, "timed out after 250ms (exited with 0)");
	/* a timed out command did not succeed, even with status 0 */
	assert_false(honk_exec_succeeded(&res));

	/* describe appends */
	honk_buf_addstr(&b, "apply: ");
	honk_exec_describe(&b, &res);
	assert_string_equal(b.buf,
			    "apply: timed out after 250ms (exited with 0)");
	honk_buf_release(&b);
}

static void test_stdout_and_stderr_interleaved(void **state)
{
	struct honk_exec_result res;

	(void)state;
	assert_int_equal(run(&res, NULL,
			     ARGV("sh", "-c",
				  "echo one; echo two >&2; echo three; "
				  "echo four >&2")),
			 0);
	assert_string_equal(res.tail.buf, "one\ntwo\nthree\nfour\n");
	assert_int_equal(res.total, 19);
	assert_int_equal(res.tail.len, 19);
	honk_exec_result_release(&res);
}

static void test_tail_keeps_last_bytes(void **state)
{
	struct honk_exec_opts o = HONK_EXEC_OPTS_INIT;
	struct honk_exec_result res;
	struct honk_buf want = HONK_BUF_INIT;
	size_t i;

	(void)state;
	o.tail_max = 100;
	assert_int_equal(
		run(&res, &o,
		    ARGV("sh", "-c", "head -c 1000000 /dev/zero | tr '\\0' x")),
		0);
	assert_true(honk_exec_succeeded(&res));
	assert_int_equal(res.total, 1000000);
	assert_int_equal(res.tail.len, 100);
	for (i = 0; i < 100; i++)
		assert_int_equal(res.tail.buf[i], 'x');
	assert_int_equal(res.tail.buf[100], '\0');
	honk_exec_result_release(&res);

	/* lines of different lengths wrap the ring at every offset: the
	 * tail is still the output's last bytes, in order */
	for (i = 1; i <= 20000; i++)
		honk_buf_addf(&want, "%zu\n", i);
	o.tail_max = 777;
	assert_int_equal(run(&res, &o, ARGV("seq", "1", "20000")), 0);
	assert_int_equal(res.total, want.len);
	assert_int_equal(res.tail.len, 777);
	assert_memory_equal(res.tail.buf, want.buf + want.len - 777, 777);
	honk_exec_result_release(&res);

	/* output shorter than the cap is all kept */
	o.tail_max = 1 << 20;
	assert_int_equal(run(&res, &o, ARGV("seq", "1", "20000")), 0);
	assert_int_equal(res.tail.len, want.len);
	assert_string_equal(res.tail.buf, want.buf);
	honk_exec_result_release(&res);

	/* no tail at all, still counted */
	o.tail_max = 0;
	assert_int_equal(run(&res, &o, ARGV("seq", "1", "20000")), 0);
	assert_int_equal(res.total, want.len);
	assert_int_equal(res.tail.len, 0);
	assert_string_equal(res.tail.buf, "");
	honk_exec_result_release(&res);
	honk_buf_release(&want);
}

static void test_hostile_argv_is_data(void **state)
{
	struct honk_exec_opts o = HONK_EXEC_OPTS_INIT;
	struct honk_exec_result res;
	struct stat st;
	char path[128];

	(void)state;
	write_file("x", "keep me\n", 0644);
	o.cwd = tmpdir;
	assert_int_equal(run(&res, &o,
			     ARGV("/bin/echo", "$(touch canary)", ";rm -rf x",
				  "-rf", "`touch canary`", "*", "a\nb")),
			 0);
	assert_true(honk_exec_succeeded(&res));
	assert_string_equal(res.tail.buf, "$(touch canary) ;rm -rf x -rf "
					  "`touch canary` * a\nb\n");
	honk_exec_result_release(&res);
	path_in_tmp(path, sizeof(path), "canary");
	assert_int_equal(stat(path, &st), -1);
	assert_int_equal(errno, ENOENT);
	path_in_tmp(path, sizeof(path), "x");
	assert_int_equal(stat(path, &st), 0);

	/* a shell given an argument keeps it as data too */
	assert_int_equal(run(&res, &o,
			     ARGV("sh", "-c", "printf '%s\\n' \"$1\"", "sh",
				  "$(touch canary); `touch canary`")),
			 0);
	assert_string_equal(res.tail.buf, "$(touch canary); `touch canary`\n");
	honk_exec_result_release(&res);
	path_in_tmp(path, sizeof(path), "canary");
	assert_int_equal(stat(path, &st), -1);
}

static void test_environment_is_cleaned(void **state)
{
	struct honk_exec_opts o = HONK_EXEC_OPTS_INIT;
	struct honk_exec_result res;
	const char *extra[] = { "HONK_CONSUMER=x", "TZ=Europe/Paris",
				"HONK_TWICE=1", "HONK_TWICE=2" };

	(void)state;
	setenv("GIT_DIR", "/somewhere/.git", 1);
	setenv("GIT_TRACE", "1", 1);
	setenv("HONK_SECRET", "hunter2", 1);
	setenv("TZ", "UTC", 1);
	setenv("LC_TIME", "C", 1);
	setenv("HOME", "/home/honk-test", 1);

	assert_int_equal(run(&res, &o, ARGV("/usr/bin/env")), 0);
	assert_int_equal(count_lines(res.tail.buf, "GIT_"), 0);
	assert_int_equal(count_lines(res.tail.buf, "HONK_"), 0);
	assert_null(strstr(res.tail.buf, "hunter2"));
	assert_int_equal(count_lines(res.tail.buf, "PATH="), 1);
	assert_int_equal(count_lines(res.tail.buf, "TZ=UTC\n"), 1);
	assert_int_equal(count_lines(res.tail.buf, "LC_TIME=C\n"), 1);
	assert_int_equal(count_lines(res.tail.buf, "HOME=/home/honk-test\n"),
			 1);
	honk_exec_result_release(&res);

	/* the caller's entries are added and replace those of a name */
	o.env = extra;
	o.nenv = 4;
	assert_int_equal(run(&res, &o, ARGV("/usr/bin/env")), 0);
	assert_int_equal(count_lines(res.tail.buf, "HONK_CONSUMER=x\n"), 1);
	assert_int_equal(count_lines(res.tail.buf, "TZ="), 1);
	assert_int_equal(count_lines(res.tail.buf, "TZ=Europe/Paris\n"), 1);
	assert_int_equal(count_lines(res.tail.buf, "HONK_TWICE="), 1);
	assert_int_equal(count_lines(res.tail.buf, "HONK_TWICE=2\n"), 1);
	assert_int_equal(count_lines(res.tail.buf, "GIT_DIR="), 0);
	assert_int_equal(count_lines(res.tail.buf, "PATH="), 1);
	honk_exec_result_release(&res);

	unsetenv("GIT_DIR");
	unsetenv("GIT_TRACE");
	unsetenv("HONK_SECRET");
	unsetenv("LC_TIME");
}

static void test_bad_environment_entries(void **state)
{
	struct honk_exec_opts o = HONK_EXEC_OPTS_INIT;
	struct honk_exec_result res;
	const char *bad[] = { "NOEQUALS", "1X=a", "A-B=c", "=x", "", " A=b" };
	const char *secret[] = { "OK=1", "BAD-NAME=hunter2" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		o.env = &bad[i];
		o.nenv = 1;
		assert_int_equal(run(&res, &o, ARGV("/bin/true")), HONK_EUSAGE);
		assert_int_equal(res.pid, 0);
		assert_non_null(
			strstr(honk_error_last(), "bad environment entry"));
		honk_exec_result_release(&res);
	}
	/* the message names the variable, never shows its value */
	o.env = secret;
	o.nenv = 2;
	assert_int_equal(run(&res, &o, ARGV("/bin/true")), HONK_EUSAGE);
	assert_string_equal(honk_error_last(),
			    "bad environment entry 'BAD-NAME': expected "
			    "NAME=value");
	honk_exec_result_release(&res);
}

static void test_path_lookup(void **state)
{
	struct honk_exec_opts o = HONK_EXEC_OPTS_INIT;
	struct honk_exec_result res;
	const char *path_env[] = { "PATH=/nonexistent:/usr/bin:/bin" };
	const char *no_path[] = { "PATH=/nonexistent" };
	const char *rel_path[] = { "PATH=:.:bin" };
	char *saved = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
	char dir[128];

	(void)state;
	/* honk without PATH: the default one */
	unsetenv("PATH");
	assert_int_equal(run(&res, &o, ARGV("env")), 0);
	assert_true(honk_exec_succeeded(&res));
	assert_int_equal(count_lines(res.tail.buf,
				     "PATH=/usr/local/bin:/usr/bin:/bin\n"),
			 1);
	honk_exec_result_release(&res);
	if (saved) {
		setenv("PATH", saved, 1);
		free(saved);
	}

	/* the child's PATH is searched, in order */
	o.env = path_env;
	o.nenv = 1;
	assert_int_equal(run(&res, &o, ARGV("sh", "-c", "echo found")), 0);
	assert_string_equal(res.tail.buf, "found\n");
	honk_exec_result_release(&res);
	o.env = no_path;
	assert_int_equal(run(&res, &o, ARGV("true")), HONK_ENOTFOUND);
	assert_string_equal(honk_error_last(),
			    "cannot run 'true': No such file or directory");
	assert_int_equal(res.pid, 0);
	honk_exec_result_release(&res);

	/* empty and relative elements never mean the current directory */
	path_in_tmp(dir, sizeof(dir), "bin");
	assert_int_equal(mkdir(dir, 0755), 0);
	write_file("mytool", "#!/bin/sh\necho ran\n", 0755);
	write_file("bin/mytool", "#!/bin/sh\necho ran\n", 0755);
	o.env = rel_path;
	o.cwd = tmpdir;
	assert_int_equal(run(&res, &o, ARGV("mytool")), HONK_ENOTFOUND);
	honk_exec_result_release(&res);
	/* while a path with a '/' is relative to cwd */
	assert_int_equal(run(&res, &o, ARGV("./mytool")), 0);
	assert_string_equal(res.tail.buf, "ran\n");
	honk_exec_result_release(&res);
	assert_int_equal(run(&res, &o, ARGV("bin/mytool")), 0);
	assert_string_equal(res.tail.buf, "ran\n");
	honk_exec_result_release(&res);
}

static void test_cwd(void **state)
{
	struct honk_exec_opts o = HONK_EXEC_OPTS_INIT;
	struct honk_exec_result res;
	char real[PATH_MAX], want[PATH_MAX + 64], missing[128];

	(void)state;
	assert_non_null(realpath(tmpdir, real));
	snprintf(want, sizeof(want), "%s\n", real);
	o.cwd = tmpdir;
	assert_int_equal(run(&res, &o, ARGV("/bin/pwd")), 0);
	assert_string_equal(res.tail.buf, want);
	honk_exec_result_release(&res);

	path_in_tmp(missing, sizeof(missing), "no-such-dir");
	o.cwd = missing;
	assert_int_equal(run(&res, &o, ARGV("/bin/pwd")), HONK_ENOTFOUND);
	snprintf(want, sizeof(want),
		 "cannot enter '%s': No such file or directory", missing);
	assert_string_equal(honk_error_last(), want);
	assert_int_equal(res.pid, 0);
	honk_exec_result_release(&res);
}

static void test_cannot_run(void **state)
{
	struct honk_exec_opts o = HONK_EXEC_OPTS_INIT;
	struct honk_exec_result res;
	char *s;
	int rc;

	(void)state;
	assert_int_equal(run(&res, &o, ARGV("./nope")), HONK_ENOTFOUND);
	assert_string_equal(honk_error_last(),
			    "cannot run './nope': No such file or directory");
	assert_int_equal(res.pid, 0);
	s = describe(&res);
	assert_string_equal(s, "not started");
	free(s);
	honk_exec_result_release(&res);

	assert_int_equal(run(&res, &o, ARGV("/nonexistent/apply.sh", "x")),
			 HONK_ENOTFOUND);
	assert_string_equal(honk_error_last(),
			    "cannot run '/nonexistent/apply.sh': No such file "
			    "or directory");
	honk_exec_result_release(&res);

	assert_int_equal(run(&res, &o, ARGV("honk-no-such-command")),
			 HONK_ENOTFOUND);
	assert_string_equal(honk_error_last(),
			    "cannot run 'honk-no-such-command': No such file "
			    "or directory");
	honk_exec_result_release(&res);

	/* not executable; executable without "#!": never handed to a shell */
	o.cwd = tmpdir;
	write_file("plain.sh", "echo ran\n", 0644);
	assert_int_equal(run(&res, &o, ARGV("./plain.sh")), HONK_ENOTFOUND);
	assert_string_equal(honk_error_last(),
			    "cannot run './plain.sh': Permission denied");
	honk_exec_result_release(&res);
	write_file("noshebang.sh", "echo shell-ran-me\n", 0755);
	rc = run(&res, &o, ARGV("./noshebang.sh"));
	if (rc == 0) {
		/* a system that reports a failed exec only through the
		 * child's exit status, as valgrind's emulation of glibc's
		 * posix_spawn does */
		assert_true(res.exited);
		assert_int_not_equal(res.status, 0);
	} else {
		assert_int_equal(rc, HONK_ENOTFOUND);
		assert_string_equal(honk_error_last(),
				    "cannot run './noshebang.sh': Exec format "
				    "error");
	}
	assert_null(strstr(res.tail.buf, "shell-ran-me"));
	honk_exec_result_release(&res);
	/* a directory */
	assert_int_equal(run(&res, &o, ARGV("/")), HONK_ENOTFOUND);
	honk_exec_result_release(&res);
}

static void test_usage_errors(void **state)
{
	struct honk_exec_opts o = HONK_EXEC_OPTS_INIT;
	struct honk_exec_result res;
	const char *with_null[] = { "/bin/echo", NULL };

	(void)state;
	assert_int_equal(honk_exec_run(&res, &o), HONK_EUSAGE);
	assert_string_equal(honk_error_last(), "no command to run");
	assert_int_equal(res.pid, 0);
	honk_exec_result_release(&res);

	o.argv = with_null;
	o.argc = 0;
	assert_int_equal(honk_exec_run(&res, &o), HONK_EUSAGE);
	o.argc = 2;
	assert_int_equal(honk_exec_run(&res, &o), HONK_EUSAGE);
	assert_string_equal(honk_error_last(),
			    "argument 1 of the command is NULL");
	assert_int_equal(run(&res, &o, ARGV("")), HONK_EUSAGE);
	assert_string_equal(honk_error_last(), "empty command name");

	o.timeout_ms = -1;
	assert_int_equal(run(&res, &o, ARGV("/bin/true")), HONK_EUSAGE);
	o.timeout_ms = 0;
	o.grace_ms = -5;
	assert_int_equal(run(&res, &o, ARGV("/bin/true")), HONK_EUSAGE);
	o.grace_ms = 0;
	o.nenv = 1;
	assert_int_equal(run(&res, &o, ARGV("/bin/true")), HONK_EUSAGE);
	honk_exec_result_release(&res);
}

static void test_timeout_kills_the_group(void **state)
{
	struct honk_exec_opts o = HONK_EXEC_OPTS_INIT;
	struct honk_exec_result res;
	int64_t t0;

	(void)state;
	o.timeout_ms = 200;
	t0 = wall_ms();
	assert_int_equal(
		run(&res, &o, ARGV("sh", "-c", "sleep 1000 & sleep 1000")), 0);
	assert_true(wall_ms() - t0 < 1500);
	assert_true(res.timed_out);
	assert_false(res.exited);
	assert_true(res.signal == SIGTERM || res.signal == SIGKILL);
	assert_true(res.elapsed_ms >= 200);
	assert_false(honk_exec_succeeded(&res));
	assert_described(&res, "timed out after 200ms (killed)");
	assert_true(group_gone(res.pid));
	honk_exec_result_release(&res);
}

static void test_timeout_term_ignored_then_killed(void **state)
{
	struct honk_exec_opts o = HONK_EXEC_OPTS_INIT;
	struct honk_exec_result res;

	(void)state;
	o.timeout_ms = 100;
	o.grace_ms = 200;
	assert_int_equal(
		run(&res, &o,
		    ARGV("sh", "-c", "trap '' TERM; echo ready; sleep 1000")),
		0);
	assert_true(res.timed_out);
	assert_int_equal(res.signal, SIGKILL);
	assert_true(res.elapsed_ms >= 300);
	assert_true(res.elapsed_ms < 1500);
	assert_string_equal(res.tail.buf, "ready\n");
	assert_true(group_gone(res.pid));
	honk_exec_result_release(&res);

	/* a command that exits on SIGTERM in its own way */
	o.grace_ms = 5000;
	assert_int_equal(run(&res, &o,
			     ARGV("sh", "-c",
				  "trap 'echo bye; exit 0' TERM; "
				  "sleep 1000 & wait")),
			 0);
	assert_true(res.timed_out);
	assert_true(res.exited);
	assert_int_equal(res.status, 0);
	assert_true(res.elapsed_ms < 1500);
	assert_string_equal(res.tail.buf, "bye\n");
	assert_false(honk_exec_succeeded(&res));
	assert_described(&res, "timed out after 100ms (exited with 0)");
	assert_true(group_gone(res.pid));
	honk_exec_result_release(&res);
}

static void test_nothing_outlives_the_leader(void **state)
{
	struct honk_exec_result res;
	int64_t t0;

	(void)state;
	t0 = wall_ms();
	assert_int_equal(
		run(&res, NULL,
		    ARGV("sh", "-c", "sleep 1000 & echo left; exit 0")),
		0);
	/* well under the 500 ms the pipe may be read for: the background
	 * sleep, holding the pipe, was killed with the group */
	assert_true(wall_ms() - t0 < 400);
	assert_true(honk_exec_succeeded(&res));
	assert_string_equal(res.tail.buf, "left\n");
	assert_true(group_gone(res.pid));
	honk_exec_result_release(&res);
}

static void test_escaped_process_cannot_hold_the_step(void **state)
{
	struct honk_exec_opts o = HONK_EXEC_OPTS_INIT;
	struct honk_exec_result res;
	int64_t t0, ms;
	long pid;

	(void)state;
	/* setsid leaves the group, the sleep keeps the pipe open; the
	 * leader ends once the sleep has left */
	o.cwd = tmpdir;
	t0 = wall_ms();
	assert_int_equal(run(&res, &o,
			     ARGV("sh", "-c",
				  "setsid sh -c 'echo $$ >pid; exec sleep 5' & "
				  "while ! test -s pid; do sleep 0.01; done; "
				  "cat pid")),
			 0);
	ms = wall_ms() - t0;
	assert_true(ms >= 400);
	assert_true(ms < 1500);
	assert_true(honk_exec_succeeded(&res));
	assert_int_equal(sscanf(res.tail.buf, "%ld", &pid), 1);
	assert_int_equal(kill((pid_t)pid, SIGKILL), 0);
	assert_int_equal(waitpid((pid_t)pid, NULL, 0), (pid_t)pid);
	honk_exec_result_release(&res);
}

static void test_log_fd(void **state)
{
	struct honk_exec_opts o = HONK_EXEC_OPTS_INIT;
	struct honk_exec_result res;
	struct honk_buf want = HONK_BUF_INIT, got = HONK_BUF_INIT;
	char path[128];
	size_t i;

	(void)state;
	for (i = 1; i <= 50000; i++)
		honk_buf_addf(&want, "%zu\n", i);
	path_in_tmp(path, sizeof(path), "step.log");
	o.log_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(o.log_fd >= 0);
	o.tail_max = 10;
	assert_int_equal(run(&res, &o, ARGV("seq", "1", "50000")), 0);
	assert_int_equal(res.log_errno, 0);
	assert_int_equal(res.total, want.len);
	assert_int_equal(res.tail.len, 10);
	assert_int_equal(close(o.log_fd), 0);
	assert_int_equal(honk_buf_read_file(&got, path), 0);
	assert_int_equal(got.len, want.len);
	assert_memory_equal(got.buf, want.buf, want.len);
	honk_exec_result_release(&res);

	/* a log that cannot be written: the step runs all the same */
	o.log_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(o.log_fd >= 0);
	o.tail_max = 1 << 20;
	assert_int_equal(run(&res, &o, ARGV("seq", "1", "50000")), 0);
	assert_int_equal(res.log_errno, EBADF);
	assert_true(honk_exec_succeeded(&res));
	assert_string_equal(res.tail.buf, want.buf);
	close(o.log_fd);
	honk_exec_result_release(&res);
	honk_buf_release(&got);
	honk_buf_release(&want);
}

static void test_child_starts_clean(void **state)
{
	struct honk_exec_result res;
	sigset_t block, old;
	void (*old_pipe)(int);
	unsigned long long blocked, ignored;
	int leak;

	(void)state;
	/* an ignored SIGPIPE and a blocked SIGTERM in honk */
	old_pipe = signal(SIGPIPE, SIG_IGN);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	/* and a descriptor opened without O_CLOEXEC */
	leak = open("/dev/null", O_RDONLY);
	assert_true(leak >= 0);

	assert_int_equal(
		run(&res, NULL,
		    ARGV("grep", "-E", "^Sig(Ign|Blk):", "/proc/self/status")),
		0);
	assert_int_equal(sscanf(res.tail.buf, "SigBlk: %llx SigIgn: %llx",
				&blocked, &ignored),
			 2);
	assert_int_equal(blocked, 0);
	/* signals 1 to 31; glibc's posix_spawn leaves its own two
	 * real-time signals (32 and 33) ignored, which no program sees */
	assert_int_equal(ignored & 0x7fffffffULL, 0);
	honk_exec_result_release(&res);

	/* ls's own descriptor for the directory is the only other one */
	assert_int_equal(run(&res, NULL, ARGV("ls", "/proc/self/fd")), 0);
	assert_string_equal(res.tail.buf, "0\n1\n2\n3\n");
	honk_exec_result_release(&res);

	assert_int_equal(run(&res, NULL,
			     ARGV("readlink", "/proc/self/fd/0",
				  "/proc/self/fd/1", "/proc/self/fd/2")),
			 0);
	assert_int_equal(strncmp(res.tail.buf, "/dev/null\npipe:[", 16), 0);
	{
		/* stdout and stderr: one pipe */
		char *one = strchr(res.tail.buf, '\n') + 1;
		char *two = strchr(one, '\n') + 1;

		assert_int_equal(strlen(one), 2 * strlen(two));
		assert_memory_equal(one, two, strlen(two));
	}
	honk_exec_result_release(&res);

	/* its own process group */
	assert_int_equal(run(&res, NULL,
			     ARGV("sh", "-c",
				  "read -r pid comm state ppid pgrp rest "
				  "</proc/$$/stat; echo $pgrp")),
			 0);
	assert_int_equal(strtol(res.tail.buf, NULL, 10), res.pid);
	honk_exec_result_release(&res);

	close(leak);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	signal(SIGPIPE, old_pipe);
}

/* honk started with some of 0, 1 and 2 closed: the pipe may be one */
static void test_standard_descriptors_closed(void **state)
{
	struct honk_exec_opts o = HONK_EXEC_OPTS_INIT;
	struct honk_exec_result res1, res2;
	int saved_in, saved_out, rc1, rc2;

	(void)state;
	saved_in = dup(0);
	saved_out = dup(1);
	assert_true(saved_in >= 0 && saved_out >= 0);
	close(0);
	close(1);
	rc1 = run(&res1, NULL,
		  ARGV("sh", "-c", "echo out; echo err >&2; cat; echo end"));
	o.cwd = tmpdir;
	rc2 = run(&res2, &o, ARGV("sh", "-c", "echo out; echo err >&2; cat"));
	dup2(saved_in, 0);
	dup2(saved_out, 1);
	close(saved_in);
	close(saved_out);

	assert_int_equal(rc1, 0);
	assert_string_equal(res1.tail.buf, "out\nerr\nend\n");
	assert_int_equal(rc2, 0);
	assert_string_equal(res2.tail.buf, "out\nerr\n");
	honk_exec_result_release(&res1);
	honk_exec_result_release(&res2);
}

struct job {
	pthread_t thread;
	char tag[32], env[48], want[96];
	int rc;
	struct honk_exec_result res;
};

static void *run_job(void *arg)
{
	struct job *j = arg;
	struct honk_exec_opts o = HONK_EXEC_OPTS_INIT;
	const char *env[1];

	env[0] = j->env;
	o.env = env;
	o.nenv = 1;
	o.timeout_ms = 5000;
	j->rc = run(&j->res, &o,
		    ARGV("sh", "-c",
			 "echo \"start $TAG\"; sleep 0.1; echo \"end $TAG\" "
			 ">&2"));
	return NULL;
}

static void test_threads(void **state)
{
	struct job jobs[6];
	size_t i;

	(void)state;
	for (i = 0; i < 6; i++) {
		snprintf(jobs[i].tag, sizeof(jobs[i].tag), "job-%zu", i);
		snprintf(jobs[i].env, sizeof(jobs[i].env), "TAG=%s",
			 jobs[i].tag);
		snprintf(jobs[i].want, sizeof(jobs[i].want),
			 "start %s\nend %s\n", jobs[i].tag, jobs[i].tag);
		assert_int_equal(pthread_create(&jobs[i].thread, NULL, run_job,
						&jobs[i]),
				 0);
	}
	for (i = 0; i < 6; i++)
		assert_int_equal(pthread_join(jobs[i].thread, NULL), 0);
	for (i = 0; i < 6; i++) {
		assert_int_equal(jobs[i].rc, 0);
		assert_true(honk_exec_succeeded(&jobs[i].res));
		assert_string_equal(jobs[i].res.tail.buf, jobs[i].want);
		honk_exec_result_release(&jobs[i].res);
	}
}

static int setup(void **state)
{
	(void)state;
	/* orphans of the commands come to us: see group_gone() */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		return -1;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/honk-exec-test.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	static const char *const files[] = {
		"x",	    "canary",	    "mytool",	"bin/mytool",
		"plain.sh", "noshebang.sh", "step.log", "pid",
	};
	char path[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(files) / sizeof(*files); i++) {
		path_in_tmp(path, sizeof(path), files[i]);
		unlink(path);
	}
	path_in_tmp(path, sizeof(path), "bin");
	rmdir(path);
	return rmdir(tmpdir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_statuses),
		cmocka_unit_test(test_describe_texts),
		cmocka_unit_test(test_stdout_and_stderr_interleaved),
		cmocka_unit_test(test_tail_keeps_last_bytes),
		cmocka_unit_test(test_hostile_argv_is_data),
		cmocka_unit_test(test_environment_is_cleaned),
		cmocka_unit_test(test_bad_environment_entries),
		cmocka_unit_test(test_path_lookup),
		cmocka_unit_test(test_cwd),
		cmocka_unit_test(test_cannot_run),
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_timeout_kills_the_group),
		cmocka_unit_test(test_timeout_term_ignored_then_killed),
		cmocka_unit_test(test_nothing_outlives_the_leader),
		cmocka_unit_test(test_escaped_process_cannot_hold_the_step),
		cmocka_unit_test(test_log_fd),
		cmocka_unit_test(test_child_starts_clean),
		cmocka_unit_test(test_standard_descriptors_closed),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
