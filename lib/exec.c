/*
 * The process executor: every command honk runs (rollout steps, health
 * checks, notify hooks, consumer tests) goes through honk_exec_run().
 *
 * honk runs from cron and from Git hooks, with whatever environment they
 * hand it, so nothing of that environment reaches a command by accident:
 * the command is an argv array given to posix_spawn (never a shell),
 * found in the PATH of the environment it will get (absolute elements
 * only), and that environment is a short list kept from honk's plus
 * what the caller adds. The child starts clean: stdin /dev/null, stdout
 * and stderr one pipe, every other descriptor closed, an empty signal
 * mask and every signal at its default (an ignored SIGPIPE in honk must
 * not become one in a shell script).
 *
 * Each command leads a process group of its own. One thread waits on the
 * pipe and on a pidfd of the leader in a single poll() (a waitid() poll
 * every 20 ms where pidfd_open is missing), so a timeout needs neither a
 * signal handler nor a second thread. Past the timeout the group gets
 * SIGTERM (and SIGCONT, so a stopped member can act on it), then SIGKILL
 * after the grace period. When the leader ends, for any reason, the
 * group gets SIGKILL: a step leaves nothing running behind it.
 *
 * Invariants: the leader is reaped on every path once started; the group
 * is signalled only while the leader is unreaped, because its zombie
 * holds the group's id and no other group can take that id meanwhile;
 * output costs O(tail_max) memory however much there is, every buffer
 * being allocated before the command starts; after the leader ends the
 * pipe is read for at most DRAIN_MS, as a process that left the group
 * (setsid) may hold it open forever; no global state, no chdir, no
 * signal disposition is touched, so threads may run commands at once.
 */
#define _GNU_SOURCE /* pipe2, O_PATH, posix_spawn_file_actions_add*_np */
#include "exec.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "banned.h"

#define DEFAULT_PATH "/usr/local/bin:/usr/bin:/bin"
#define DRAIN_MS     500   /* reading what is left after the leader ended */
#define FALLBACK_MS  20	   /* how often to look for the end without pidfd */
#define CHUNK	     16384 /* bytes read from the pipe at a time */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* a + b, b >= 0, INT64_MAX when it would not fit */
static int64_t add_ms(int64_t a, int64_t b)
{
	return b > INT64_MAX - a ? INT64_MAX : a + b;
}

/* Errors that say "this program cannot be run", not "the system failed". */
static int cannot_run(int e)
{
	switch (e) {
	case ENOENT:
	case ENOTDIR:
	case EACCES:
	case EPERM:
	case ENOEXEC:
	case ELOOP:
	case ENAMETOOLONG:
	case EISDIR:
	case ETXTBSY:
	case ELIBBAD:
	case ENODEV:
	case ESTALE:
		return 1;
	default:
		return 0;
	}
}

/* ---- the environment ------------------------------------------------ */

struct env {
	char **v; /* malloc'ed entries, NULL-terminated once built */
	size_t n, cap;
};

static void env_release(struct env *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		free(e->v[i]);
	free(e->v);
	e->v = NULL;
	e->n = e->cap = 0;
}

static int is_name_start(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static int is_name_char(char c)
{
	return is_name_start(c) || (c >= '0' && c <= '9');
}

/* The length of NAME in "NAME=value", or 0 when entry is not one. */
static size_t entry_name_len(const char *entry)
{
	size_t i;

	if (!is_name_start(entry[0]))
		return 0;
	for (i = 1; is_name_char(entry[i]); i++)
		;
	return entry[i] == '=' ? i : 0;
}

/* Is this variable of honk's passed on to commands? */
static int env_kept(const char *name, size_t len)
{
	static const char *const kept[] = { "PATH", "HOME", "USER",  "LOGNAME",
					    "LANG", "TZ",   "TMPDIR" };
	size_t i;

	if (len > 3 && !memcmp(name, "LC_", 3))
		return 1;
	for (i = 0; i < sizeof(kept) / sizeof(*kept); i++)
		if (strlen(kept[i]) == len && !memcmp(name, kept[i], len))
			return 1;
	return 0;
}

/* The index of the entry named like entry's first len bytes, or e->n. */
static size_t env_find(const struct env *e, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		if (!strncmp(e->v[i], name, len) && e->v[i][len] == '=')
			break;
	return i;
}

/* Add "NAME=value" (NAME len bytes); an entry of that name is replaced
 * when replace is set, else entry is dropped. */
static int env_set(struct env *e, const char *entry, size_t len, int replace)
{
	size_t i = env_find(e, entry, len);
	char *copy;

	if (i < e->n && !replace)
		return 0;
	copy = strdup(entry);
	if (!copy)
		honk_die_oom(); /* not a failure of the step it was to run */
	if (i < e->n) {
		free(e->v[i]);
		e->v[i] = copy;
		return 0;
	}
	if (honk_array_reserve(&e->v, e->n, &e->cap, sizeof(*e->v)) < 0) {
		free(copy);
		return HONK_ERROR;
	}
	e->v[e->n++] = copy;
	return 0;
}

/* The cleaned environment, then the caller's entries (checked before). */
static int env_build(struct env *e, const struct honk_exec_opts *o)
{
	char **p;
	size_t i, len;
	int err;

	for (p = environ; p && *p; p++) {
		len = entry_name_len(*p);
		if (!len || !env_kept(*p, len))
			continue;
		/* of a name honk has twice, the first, as getenv() reads */
		if ((err = env_set(e, *p, len, 0)) < 0)
			return err;
	}
	if ((err = env_set(e, "PATH=" DEFAULT_PATH, 4, 0)) < 0)
		return err;
	for (i = 0; i < o->nenv; i++)
		if ((err = env_set(e, o->env[i], entry_name_len(o->env[i]),
				   1)) < 0)
			return err;
	if (honk_array_reserve(&e->v, e->n, &e->cap, sizeof(*e->v)) < 0)
		return HONK_ERROR;
	e->v[e->n] = NULL;
	return 0;
}

static const char *env_get(const struct env *e, const char *name)
{
	size_t len = strlen(name), i = env_find(e, name, len);

	return i < e->n ? e->v[i] + len + 1 : NULL;
}

/* ---- starting ------------------------------------------------------- */

static int check_opts(const struct honk_exec_opts *o)
{
	const char *s;
	size_t i;

	if (!o->argv || !o->argc)
		return honk_error_set(HONK_EUSAGE, "no command to run");
	for (i = 0; i < o->argc; i++)
		if (!o->argv[i])
			return honk_error_set(HONK_EUSAGE,
					      "argument %zu of the command is "
					      "NULL",
					      i);
	if (!o->argv[0][0])
		return honk_error_set(HONK_EUSAGE, "empty command name");
	if (o->nenv && !o->env)
		return honk_error_set(HONK_EUSAGE, "no environment entries");
	for (i = 0; i < o->nenv; i++) {
		s = o->env[i];
		if (!s)
			return honk_error_set(HONK_EUSAGE,
					      "environment entry %zu is NULL",
					      i);
		/* the name only: the value may be a secret */
		if (!entry_name_len(s))
			return honk_error_set(HONK_EUSAGE,
					      "bad environment entry '%.*s': "
					      "expected NAME=value",
					      (int)strcspn(s, "="), s);
	}
	if (o->timeout_ms < 0 || o->grace_ms < 0)
		return honk_error_set(HONK_EUSAGE,
				      "negative timeout or grace period");
	if (o->tail_max == SIZE_MAX)
		return honk_error_set(HONK_EUSAGE, "output tail too large");
	return 0;
}

static int prepare(posix_spawn_file_actions_t *fa, posix_spawnattr_t *attr,
		   int dirfd, int out)
{
	sigset_t none, all;
	int rc;

	sigemptyset(&none);
	sigfillset(&all);
	if ((rc = posix_spawnattr_setflags(
		     attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
				   POSIX_SPAWN_SETPGROUP)) ||
	    (rc = posix_spawnattr_setsigmask(attr, &none)) ||
	    (rc = posix_spawnattr_setsigdefault(attr, &all)) ||
	    (rc = posix_spawnattr_setpgroup(attr, 0)))
		return rc;
	/*
	 * In this order, so that no descriptor is overwritten before it is
	 * used whichever of 0, 1 and 2 they happen to be (honk may have been
	 * started with some of those closed).
	 */
	if (dirfd >= 0 &&
	    (rc = posix_spawn_file_actions_addfchdir_np(fa, dirfd)))
		return rc;
	if ((rc = posix_spawn_file_actions_adddup2(fa, out, 1)) ||
	    (rc = posix_spawn_file_actions_adddup2(fa, out, 2)) ||
	    (rc = posix_spawn_file_actions_addopen(fa, 0, "/dev/null", O_RDONLY,
						   0)))
		return rc;
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 34)
	/* honk's own descriptors are close-on-exec; this is for those a
	 * library or another thread opened without O_CLOEXEC */
	return posix_spawn_file_actions_addclosefrom_np(fa, 3);
#else
	return 0;
#endif
}

/* 0 when the child may execute path (relative to dirfd), else an errno. */
static int executable(int dirfd, const char *path)
{
	struct stat st;

	if (fstatat(dirfd, path, &st, 0) < 0)
		return errno;
	if (!S_ISREG(st.st_mode))
		return EACCES; /* what execve() says of a directory */
	if (faccessat(dirfd, path, X_OK, AT_EACCESS) < 0)
		return errno;
	return 0;
}

/*
 * The program argv[0] names: itself when it holds a '/' (relative to the
 * child's directory), else the first executable file of that name in an
 * absolute element of the child's PATH. execvp() would try empty and
 * relative elements too, which runs whatever lies in the working
 * directory. Looked up here, not by trying posix_spawn() on each
 * candidate, because not every system reports a failed exec through it.
 */
static int find_program(struct honk_buf *path, const char *name,
			const struct env *env, int dirfd)
{
	const char *p, *end;
	int rc = ENOENT, e, err;

	if (strchr(name, '/')) {
		if (!(rc = executable(dirfd, name)))
			return honk_buf_addstr(path, name);
	} else {
		for (p = env_get(env, "PATH"); p; p = *end ? end + 1 : NULL) {
			end = p + strcspn(p, ":");
			if (*p != '/')
				continue;
			honk_buf_reset(path);
			if ((err = honk_buf_add(path, p, (size_t)(end - p))) <
				    0 ||
			    (err = honk_buf_addch(path, '/')) < 0 ||
			    (err = honk_buf_addstr(path, name)) < 0)
				return err;
			if (!(e = executable(AT_FDCWD, path->buf)))
				return 0;
			/* as execvp(): "found but not executable" wins */
			if (e == EACCES)
				rc = EACCES;
		}
	}
	errno = rc;
	return honk_error_errno(cannot_run(rc) ? HONK_ENOTFOUND : HONK_ERROR,
				"cannot run '%s'", name);
}

static int open_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	errno = ENOSYS;
	return -1;
#endif
}

/* ---- waiting -------------------------------------------------------- */

struct run {
	struct honk_exec_result *res;
	const char *name;
	pid_t pid;
	int out;   /* the pipe's read end; -1 after end of file */
	int pidfd; /* -1: look with waitid() every FALLBACK_MS */
	int lost;  /* someone else reaped the leader: its pid is not ours */
	int log_fd;
	char *ring; /* the last cap bytes of output from ring[start] on */
	size_t cap, start, len;
};

static void keep_tail(struct run *r, const char *p, size_t n)
{
	size_t at, first;

	if (!r->cap)
		return;
	if (n >= r->cap) {
		memcpy(r->ring, p + n - r->cap, r->cap);
		r->start = 0;
		r->len = r->cap;
		return;
	}
	at = (r->start + r->len) % r->cap;
	first = n < r->cap - at ? n : r->cap - at;
	memcpy(r->ring + at, p, first);
	memcpy(r->ring, p + first, n - first);
	if (r->len + n > r->cap) {
		r->start = (r->start + r->len + n - r->cap) % r->cap;
		r->len = r->cap;
	} else {
		r->len += n;
	}
}

static void write_log(struct run *r, const char *p, size_t n)
{
	ssize_t w;

	while (r->log_fd >= 0 && n) {
		w = write(r->log_fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			r->res->log_errno = w < 0 ? errno : EIO;
			r->log_fd = -1;
			return;
		}
		p += w;
		n -= (size_t)w;
	}
}

/* One read from the pipe; at its end the pipe is closed. */
static int read_output(struct run *r)
{
	char chunk[CHUNK];
	ssize_t n;

	n = read(r->out, chunk, sizeof(chunk));
	if (n < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return 0;
		return honk_error_errno(
			HONK_ERROR, "cannot read the output of '%s'", r->name);
	}
	if (!n) {
		close(r->out);
		r->out = -1;
		return 0;
	}
	r->res->total += (size_t)n;
	write_log(r, chunk, (size_t)n);
	keep_tail(r, chunk, (size_t)n);
	return 0;
}

/* Has the leader ended? It is left a zombie, so its pid stays ours. */
static int leader_ended(struct run *r, int *ended)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, (id_t)r->pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0) {
		if (errno == EINTR)
			return 0;
		r->lost = errno == ECHILD;
		return honk_error_errno(HONK_ERROR, "cannot wait for '%s'",
					r->name);
	}
	*ended = si.si_pid != 0;
	return 0;
}

/* Only while the leader is not reaped: then the group's id is its. */
static void signal_group(struct run *r, int sig)
{
	kill(-r->pid, sig);
}

static int poll_ms(int64_t ms)
{
	return ms < 0 ? -1 : ms > INT_MAX ? INT_MAX : (int)ms;
}

/* Until the leader ends, reading output, signalling at the deadlines. */
static int wait_leader(struct run *r, const struct honk_exec_opts *o,
		       int64_t start)
{
	int64_t now, wait, deadline = INT64_MAX, kill_at = INT64_MAX;
	struct pollfd fds[2];
	int n, nfds, at_out, at_pidfd, err, ended = 0;

	if (o->timeout_ms)
		deadline = add_ms(start, o->timeout_ms);
	for (;;) {
		now = now_ms();
		if (!r->res->timed_out && now >= deadline) {
			/* not "timed out" when it ended just in time */
			if ((err = leader_ended(r, &ended)) < 0)
				return err;
			if (ended)
				return 0;
			r->res->timed_out = 1;
			signal_group(r, SIGTERM);
			signal_group(r, SIGCONT);
			kill_at = add_ms(now, o->grace_ms);
		}
		if (now >= kill_at) {
			signal_group(r, SIGKILL);
			kill_at = INT64_MAX;
		}
		wait = r->res->timed_out ? kill_at : deadline;
		wait = wait == INT64_MAX ? -1 : wait - now;
		if (r->pidfd < 0 && (wait < 0 || wait > FALLBACK_MS))
			wait = FALLBACK_MS;

		nfds = 0;
		at_out = at_pidfd = -1;
		if (r->out >= 0) {
			fds[nfds].fd = r->out;
			fds[nfds].events = POLLIN;
			at_out = nfds++;
		}
		if (r->pidfd >= 0) {
			fds[nfds].fd = r->pidfd;
			fds[nfds].events = POLLIN;
			at_pidfd = nfds++;
		}
		n = poll(fds, (nfds_t)nfds, poll_ms(wait));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return honk_error_errno(
				HONK_ERROR, "cannot wait for '%s'", r->name);
		}
		if (at_out >= 0 && fds[at_out].revents &&
		    (err = read_output(r)) < 0)
			return err;
		if (at_pidfd < 0 || fds[at_pidfd].revents) {
			if ((err = leader_ended(r, &ended)) < 0)
				return err;
			if (ended)
				return 0;
		}
	}
}

static int reap(struct run *r)
{
	int status;

	while (waitpid(r->pid, &status, 0) < 0) {
		if (errno == EINTR)
			continue;
		r->lost = errno == ECHILD;
		return honk_error_errno(HONK_ERROR, "cannot wait for '%s'",
					r->name);
	}
	if (WIFEXITED(status)) {
		r->res->exited = 1;
		r->res->status = WEXITSTATUS(status);
	} else if (WIFSIGNALED(status)) {
		r->res->signal = WTERMSIG(status);
#ifdef WCOREDUMP
		r->res->core_dumped = !!WCOREDUMP(status);
#endif
	}
	return 0;
}

/* What the group wrote before it went, for DRAIN_MS at most. */
static int drain(struct run *r)
{
	int64_t now, until = add_ms(now_ms(), DRAIN_MS);
	struct pollfd pfd;
	int n, err;

	while (r->out >= 0 && (now = now_ms()) < until) {
		pfd.fd = r->out;
		pfd.events = POLLIN;
		n = poll(&pfd, 1, poll_ms(until - now));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return honk_error_errno(HONK_ERROR,
						"cannot read the output of "
						"'%s'",
						r->name);
		if (!n)
			break;
		if ((err = read_output(r)) < 0)
			return err;
	}
	return 0;
}

static void reverse(char *p, size_t n)
{
	char c;
	size_t i;

	for (i = 0; i < n / 2; i++) {
		c = p[i];
		p[i] = p[n - 1 - i];
		p[n - 1 - i] = c;
	}
}

/* The ring, put in order, becomes the result's tail. */
static void hand_over_tail(struct run *r)
{
	struct honk_buf *tail = &r->res->tail;
	size_t alloc = r->cap + 1;
	char *p;

	if (!r->ring || !r->len)
		return;
	if (r->start) {
		reverse(r->ring, r->start);
		reverse(r->ring + r->start, r->len - r->start);
		reverse(r->ring, r->len);
	}
	r->ring[r->len] = '\0';
	/* results are kept (a rollout's every step): no room to spare */
	if (r->len < r->cap && (p = realloc(r->ring, r->len + 1))) {
		r->ring = p;
		alloc = r->len + 1;
	}
	/* malloc'ed, len < alloc, NUL-terminated: a honk_buf's own */
	tail->buf = r->ring;
	tail->len = r->len;
	tail->alloc = alloc;
	r->ring = NULL;
}

/* Start the program at path: r->pid and r->out, the pipe's read end. */
static int spawn(struct run *r, const char *path, char *const *argv,
		 char *const *envp, int dirfd)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	int fa_ready = 0, attr_ready = 0, pipefd[2] = { -1, -1 };
	int rc, err = 0;

	if (pipe2(pipefd, O_CLOEXEC) < 0 ||
	    fcntl(pipefd[0], F_SETFL, O_NONBLOCK) < 0) {
		err = honk_error_errno(HONK_ERROR, "cannot create a pipe");
		goto cleanup;
	}
	if ((rc = posix_spawn_file_actions_init(&fa)) == 0)
		fa_ready = 1;
	if (!rc && (rc = posix_spawnattr_init(&attr)) == 0)
		attr_ready = 1;
	if (!rc)
		rc = prepare(&fa, &attr, dirfd, pipefd[1]);
	if (rc) {
		errno = rc;
		err = honk_error_errno(HONK_ERROR, "cannot prepare to run '%s'",
				       r->name);
		goto cleanup;
	}
	rc = posix_spawn(&r->pid, path, &fa, &attr, argv, envp);
	if (rc) {
		r->pid = 0;
		errno = rc;
		err = honk_error_errno(cannot_run(rc) ? HONK_ENOTFOUND
						      : HONK_ERROR,
				       "cannot run '%s'", r->name);
		goto cleanup;
	}
	r->out = pipefd[0];
	pipefd[0] = -1;

cleanup:
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	if (attr_ready)
		posix_spawnattr_destroy(&attr);
	if (fa_ready)
		posix_spawn_file_actions_destroy(&fa);
	return err;
}

/* ---- the whole ------------------------------------------------------ */

int honk_exec_run(struct honk_exec_result *out, const struct honk_exec_opts *o)
{
	struct run r = { 0 };
	struct env env = { NULL, 0, 0 };
	struct honk_buf path = HONK_BUF_INIT;
	char **argv = NULL;
	int dirfd = -1;
	int64_t start;
	size_t i;
	int err, rc;

	memset(out, 0, sizeof(*out));
	honk_buf_init(&out->tail, 0);
	r.res = out;
	r.out = r.pidfd = -1;
	if ((err = check_opts(o)) < 0)
		return err;
	r.name = o->argv[0];
	r.log_fd = o->log_fd;
	out->timeout_ms = o->timeout_ms;

	if (env_build(&env, o) < 0)
		honk_die_oom(); /* its only failure; not the step's */
	argv = calloc(o->argc + 1, sizeof(*argv));
	r.cap = o->tail_max;
	r.ring = r.cap ? malloc(r.cap + 1) : NULL;
	if (!argv || (r.cap && !r.ring))
		honk_die_oom(); /* not a failure of the step it was to run */
	for (i = 0; i < o->argc; i++)
		argv[i] = (char *)o->argv[i];

	/* opened here, so that a missing directory is told apart from a
	 * missing program, and the lookup sees what the child will */
	if (o->cwd &&
	    (dirfd = open(o->cwd, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
		err = honk_error_errno(cannot_run(errno) ? HONK_ENOTFOUND
							 : HONK_ERROR,
				       "cannot enter '%s'", o->cwd);
		goto cleanup;
	}
	if ((err = find_program(&path, r.name, &env,
				dirfd >= 0 ? dirfd : AT_FDCWD)) < 0)
		goto cleanup;

	start = now_ms();
	if ((err = spawn(&r, path.buf, argv, env.v, dirfd)) < 0)
		goto cleanup;
	out->pid = r.pid;
	/* ENOSYS before Linux 5.3, EPERM under some seccomp filters: the
	 * waitid() poll is as correct, only slower to notice the end */
	r.pidfd = open_pidfd(r.pid);

	err = wait_leader(&r, o, start);
	out->elapsed_ms = now_ms() - start;
	if (!r.lost) {
		/* the leader's zombie holds the group's id: the group goes */
		signal_group(&r, SIGKILL);
		if ((rc = reap(&r)) < 0 && !err)
			err = rc;
	}
	if (!err)
		err = drain(&r);
	hand_over_tail(&r);

cleanup:
	if (r.out >= 0)
		close(r.out);
	if (r.pidfd >= 0)
		close(r.pidfd);
	if (dirfd >= 0)
		close(dirfd);
	free(r.ring);
	free(argv);
	honk_buf_release(&path);
	env_release(&env);
	return err;
}

void honk_exec_result_release(struct honk_exec_result *res)
{
	if (!res)
		return;
	honk_buf_release(&res->tail);
}

int honk_exec_succeeded(const struct honk_exec_result *res)
{
	return res->pid && res->exited && res->status == 0 && !res->timed_out;
}

#define SIG(s)        \
	{             \
		s, #s \
	}

static const char *signal_name(int sig)
{
	static const struct {
		int sig;
		const char *name;
	} names[] = {
		SIG(SIGHUP),	SIG(SIGINT),  SIG(SIGQUIT),  SIG(SIGILL),
		SIG(SIGTRAP),	SIG(SIGABRT), SIG(SIGBUS),   SIG(SIGFPE),
		SIG(SIGKILL),	SIG(SIGUSR1), SIG(SIGSEGV),  SIG(SIGUSR2),
		SIG(SIGPIPE),	SIG(SIGALRM), SIG(SIGTERM),  SIG(SIGCHLD),
		SIG(SIGCONT),	SIG(SIGSTOP), SIG(SIGTSTP),  SIG(SIGTTIN),
		SIG(SIGTTOU),	SIG(SIGURG),  SIG(SIGXCPU),  SIG(SIGXFSZ),
		SIG(SIGVTALRM), SIG(SIGPROF), SIG(SIGWINCH), SIG(SIGSYS),
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(*names); i++)
		if (names[i].sig == sig)
			return names[i].name;
	return NULL;
}

static void describe_duration(struct honk_buf *out, int64_t ms)
{
	if (ms % 1000 == 0)
		honk_buf_addf(out, "%llds", (long long)(ms / 1000));
	else
		honk_buf_addf(out, "%lldms", (long long)ms);
}

void honk_exec_describe(struct honk_buf *out,
			const struct honk_exec_result *res)
{
	const char *name;

	if (!res->pid) {
		honk_buf_addstr(out, "not started");
	} else if (res->timed_out) {
		honk_buf_addstr(out, "timed out after ");
		describe_duration(out, res->timeout_ms);
		if (res->exited)
			honk_buf_addf(out, " (exited with %d)", res->status);
		else
			honk_buf_addstr(out, " (killed)");
	} else if (res->exited) {
		honk_buf_addf(out, "exited with %d", res->status);
	} else if (res->signal) {
		name = signal_name(res->signal);
		if (name)
			honk_buf_addf(out, "killed by %s", name);
		else
			honk_buf_addf(out, "killed by signal %d", res->signal);
		if (res->core_dumped)
			honk_buf_addstr(out, " (core dumped)");
	} else {
		honk_buf_addstr(out, "ended");
	}
}
