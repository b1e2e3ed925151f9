#ifndef HONK_EXEC_H
#define HONK_EXEC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"

/*
 * Running the commands a catalog names: rollout steps, health checks,
 * notify hooks, consumer test commands. A command is an argv array,
 * never a shell line; data reaches it only through its environment; it
 * runs in a process group of its own, and when it ends or runs out of
 * time the whole group goes with it.
 *
 * The child gets stdin from /dev/null, stdout and stderr on one pipe (so
 * they interleave as written), no other descriptor of honk's, an empty
 * signal mask and every signal at its default (but glibc's two internal
 * real-time signals, 32 and 33, which its posix_spawn leaves ignored).
 *
 * Its environment is cleaned: of honk's own only PATH, HOME, USER,
 * LOGNAME, LANG, LC_*, TZ and TMPDIR are kept (the first of each when a
 * name appears twice); PATH is "/usr/local/bin:/usr/bin:/bin" when honk
 * has none. Everything else (GIT_DIR, GIT_*, LD_PRELOAD, HONK_*, ...) is
 * dropped. The entries of opts.env are then added, each replacing one of
 * the same name; of two with the same name the later wins.
 *
 * Safe to call from several threads at once: no global state, no chdir,
 * no signal handlers. The environment of honk is read during the call,
 * so no thread may change it meanwhile, and the caller must leave its
 * children to it: SIGCHLD not ignored, no waitpid(-1, ...) elsewhere.
 * A command's own process group keeps it out of reach of a terminal's
 * ^C, and should honk die meanwhile the command runs on: stopping steps
 * on a signal is the caller's business.
 */
struct honk_exec_opts {
	/*
	 * argc entries, none NULL. argv[0] with a '/' is the program's path,
	 * relative to cwd when relative; without one it is looked up in the
	 * PATH of the child's environment, whose empty and relative
	 * elements are skipped (never the current directory).
	 */
	const char *const *argv;
	size_t argc;
	const char *cwd; /* NULL: honk's current directory */
	/* "NAME=value" entries, NAME being [A-Za-z_][A-Za-z0-9_]* */
	const char *const *env;
	size_t nenv;
	int64_t timeout_ms; /* 0: none */
	/* at the timeout SIGTERM goes to the group, SIGKILL this much later
	 * (0: SIGKILL at once) */
	int64_t grace_ms;
	size_t tail_max; /* bytes of output kept, the last ones; 0: none */
	/*
	 * -1, or a blocking descriptor (a file, typically) that receives
	 * every byte of output. A failed write stops the logging, not the
	 * command: see log_errno. For a pipe or socket, SIGPIPE is the
	 * caller's to handle, as for any write it makes.
	 */
	int log_fd;
};

#define HONK_EXEC_OPTS_INIT                                \
	{                                                  \
		NULL, 0, NULL, NULL, 0, 0, 2000, 65536, -1 \
	}

struct honk_exec_result {
	pid_t pid;	    /* also the process group's id; 0: not started */
	int exited;	    /* it exited (status is its exit status) */
	int status;	    /* 0..255 */
	int signal;	    /* the signal that ended it, or 0 */
	int core_dumped;    /* along with that signal */
	int timed_out;	    /* it ran out of time and was sent SIGTERM */
	int64_t timeout_ms; /* the limit it ran under (0: none) */
	int64_t elapsed_ms; /* from start until the leader ended, monotonic */
	/* the last tail_max bytes of stdout + stderr (NUL bytes included) */
	struct honk_buf tail;
	size_t total;  /* bytes of output in all */
	int log_errno; /* errno of the failed write to log_fd, or 0 */
};

/*
 * Run one command to its end. out is overwritten (release an earlier
 * result first) and must be released whatever the return.
 *
 * 0 whenever the command was started, whatever became of it: out says
 * how it ended. HONK_EUSAGE for an empty argv, a NULL in it, an empty
 * argv[0], a malformed env entry, a negative timeout or grace period;
 * HONK_ENOTFOUND when argv[0] cannot be found or executed ("cannot run
 * './ops/apply.sh': No such file or directory") or cwd cannot be
 * entered; HONK_ERROR for a failure of the system (no processes left,
 * out of memory). Nothing ran in those cases, and out->pid is 0.
 *
 * An exec that fails after those checks ("Exec format error" for a
 * script without "#!") is HONK_ENOTFOUND too with glibc, whose
 * posix_spawn reports it; where only the child can report it, as POSIX
 * allows (valgrind's emulation), the answer is 0 and exit status 127.
 * Should waiting for a started command fail (never short of a broken
 * system), its group is killed and reaped and the answer is HONK_ERROR.
 *
 * When the group's leader (the command) ends, for any reason, SIGKILL
 * goes to its process group: nothing the command started outlives it
 * unless it left the group (setsid). Output still in the pipe is read
 * then for at most 500 ms, so a process that left the group holding the
 * pipe open cannot hold up the step; what it writes later is lost.
 */
int honk_exec_run(struct honk_exec_result *out, const struct honk_exec_opts *o);

void honk_exec_result_release(struct honk_exec_result *res);

/*
 * Append one line for people: "exited with 0", "exited with 3", "killed
 * by SIGKILL", "killed by SIGSEGV (core dumped)", "timed out after 10s
 * (killed)" (by whichever signal), "timed out after 250ms (exited with
 * 0)" (it handled SIGTERM), "not started".
 */
void honk_exec_describe(struct honk_buf *out,
			const struct honk_exec_result *res);

/* 1 when it exited with 0 within its time, else 0. */
int honk_exec_succeeded(const struct honk_exec_result *res);

#endif
