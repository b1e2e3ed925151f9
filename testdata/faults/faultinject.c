/*
 * A fault injector for honk's tests, loaded with LD_PRELOAD.
 *
 * It counts the calls that change the file system (write, fsync,
 * rename, link, unlink, creating a file or a directory) and, built with
 * -DFAULT_ALLOC, the allocations of honk's own code; it makes the n-th
 * of them fail once, as a disk or a kernel would, and lets every other
 * call through. A sweep runs a command once to count the positions,
 * then once per position with the fault there.
 *
 *   HONK_FAULT_AT=n       fail the n-th counted call (1-based); unset:
 *                         count only
 *   HONK_FAULT_KINDS=k,.. what is counted: write, fsync, rename, link,
 *                         unlink, create, mkdir, alloc (default: all
 *                         but unlink and alloc)
 *   HONK_FAULT_ERRNO=E    EIO (default) or ENOSPC, for what is not an
 *                         allocation (that fails with ENOMEM)
 *   HONK_FAULT_STICKY=1   fail the n-th call and every later one (a disk
 *                         that stays full)
 *   HONK_FAULT_NOSYNC=1   fsync and its kin are counted but do not reach
 *                         the disk (a sweep runs the command hundreds of
 *                         times; what it checks is what a failing call
 *                         does, cmd/t6010-fsync-order.sh checks the syncs)
 *   HONK_FAULT_TRACE=1    log every counted call, failed or not, as
 *                           call: 12 write(fd 5 '/r/.git/x.lock')
 *   HONK_FAULT_LOG=file   appended to: the call that was failed (with
 *                         its path, read from /proc/self/fd for a file
 *                         descriptor) and, at exit, the count per kind:
 *                           fault: 12 write(fd 5 '/r/.git/x.lock'): ...
 *                           count: write 20 fsync 9 ... total 41 fired 1
 *
 * Only the process whose pid was seen when the library was loaded
 * counts: a child that inherits the library before it execs (honk's
 * executor cleans the environment, so LD_PRELOAD does not reach a step)
 * passes every call through.
 *
 * Calls are counted where they enter the C library through its dynamic
 * symbols: what glibc does inside itself (stdio's buffered writes,
 * mkstemp's open) is not seen, so the wrappers for mkstemp and mkdtemp
 * count those as one create or mkdir.
 *
 * Allocations are counted only when the caller is the program itself
 * (honk's lib/ and cmd/, linked statically): failing malloc inside the
 * C library, libgit2, libyaml or PCRE2 tests their handling of it, not
 * honk's, and glibc aborts on some of them by design. The allocating
 * wrappers call glibc's __libc_malloc family directly, so the library
 * needs no dlsym for them; an AddressSanitizer build has an allocator
 * of its own, so the alloc build is for plain builds only.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

enum kind { K_WRITE, K_FSYNC, K_RENAME, K_LINK, K_UNLINK, K_CREATE, K_MKDIR,
	    K_ALLOC, K_N };

static const char *const kind_names[K_N] = { "write",  "fsync",	 "rename",
					     "link",   "unlink", "create",
					     "mkdir",  "alloc" };

static pid_t owner;
static int enabled[K_N];
static long fault_at; /* 0: count only */
static int sticky;
static int nosync;
static int trace;
static int fault_errno = EIO;
static char log_path[4096];
static long counts[K_N];
static long total;
static int fired;
static int ready;

/* the program's load address, and the caller of the allocation being
 * counted (alloc build only) */
static uintptr_t self_base;
static __thread const void *alloc_caller;

static ssize_t (*real_write)(int, const void *, size_t);
static int (*real_open)(const char *, int, ...);

#define REAL(name)                                                             \
	static __typeof__(name) *real;                                         \
	if (!real)                                                             \
	real = (__typeof__(name) *)dlsym(RTLD_NEXT, #name)

/* ---- logging, without anything that is counted ----------------------- */

static void log_line(const char *line)
{
	int fd;

	if (!log_path[0] || !real_open || !real_write)
		return;
	fd = real_open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
		       0644);
	if (fd < 0)
		return;
	real_write(fd, line, strlen(line));
	close(fd);
}

static void fd_path(char *out, size_t size, int fd)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, out, size - 1);
	if (n < 0)
		n = 0;
	out[n] = '\0';
}

/* ---- the counter -------------------------------------------------------- */

/*
 * Count a call of kind k; 1 when it is the one to fail. what names the
 * call for the log: "write(fd 5 '/path')".
 */
static int hit(enum kind k, const char *fn, int fd, const char *path)
{
	long n;
	int fail;
	char line[8192], where[4096];

	if (!ready || !enabled[k] || getpid() != owner)
		return 0;
	__atomic_add_fetch(&counts[k], 1, __ATOMIC_SEQ_CST);
	n = __atomic_add_fetch(&total, 1, __ATOMIC_SEQ_CST);
	fail = fault_at && (n == fault_at || (n > fault_at && sticky));
	if (!fail && !trace)
		return 0;
	if (k == K_ALLOC) {
		/* the caller as an offset into the program, for addr2line */
		snprintf(line, sizeof(line), "%s: %ld %s(+0x%lx)\n",
			 fail ? "fault" : "call", n, fn,
			 (unsigned long)((uintptr_t)alloc_caller - self_base));
	} else {
		char what[4200];

		if (fd >= 0) {
			fd_path(where, sizeof(where), fd);
			snprintf(what, sizeof(what), "fd %d '%s'", fd, where);
		} else {
			snprintf(what, sizeof(what), "'%s'", path ? path : "");
		}
		snprintf(line, sizeof(line), "%s: %ld %s(%s)%s%s\n",
			 fail ? "fault" : "call", n, fn, what, fail ? ": " : "",
			 fail ? strerror(fault_errno) : "");
	}
	if (fail)
		__atomic_store_n(&fired, 1, __ATOMIC_SEQ_CST);
	log_line(line);
	return fail;
}

#ifdef FAULT_ALLOC
/* The program's own executable segments: allocations made from there. */
struct range {
	uintptr_t lo, hi;
};
static struct range self_text[8];
static size_t nself;

static int find_self(struct dl_phdr_info *info, size_t size, void *data)
{
	int i;

	(void)size;
	(void)data;
	/* the first object is the program */
	self_base = info->dlpi_addr;
	for (i = 0; i < info->dlpi_phnum && nself < 8; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
			continue;
		self_text[nself].lo = info->dlpi_addr + ph->p_vaddr;
		self_text[nself].hi =
			self_text[nself].lo + ph->p_memsz;
		nself++;
	}
	return 1;
}

static int from_self(const void *caller)
{
	uintptr_t a = (uintptr_t)caller;
	size_t i;

	for (i = 0; i < nself; i++)
		if (a >= self_text[i].lo && a < self_text[i].hi) {
			alloc_caller = caller;
			return 1;
		}
	return 0;
}

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);

void *malloc(size_t size)
{
	if (from_self(__builtin_return_address(0)) &&
	    hit(K_ALLOC, "malloc", -1, NULL)) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_malloc(size);
}

void *calloc(size_t n, size_t size)
{
	if (from_self(__builtin_return_address(0)) &&
	    hit(K_ALLOC, "calloc", -1, NULL)) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_calloc(n, size);
}

void *realloc(void *p, size_t size)
{
	if (from_self(__builtin_return_address(0)) &&
	    hit(K_ALLOC, "realloc", -1, NULL)) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_realloc(p, size);
}
#endif

/* ---- set up and report -------------------------------------------------- */

static void report(void)
{
	char line[512];
	size_t off = 0;
	int k;

	if (getpid() != owner)
		return;
	off += (size_t)snprintf(line + off, sizeof(line) - off, "count:");
	for (k = 0; k < K_N; k++)
		if (enabled[k])
			off += (size_t)snprintf(line + off, sizeof(line) - off,
						" %s %ld", kind_names[k],
						counts[k]);
	snprintf(line + off, sizeof(line) - off, " total %ld fired %d\n",
		 total, fired);
	log_line(line);
}

__attribute__((constructor)) static void setup(void)
{
	const char *s;
	int k;

	owner = getpid();
	real_write = (ssize_t(*)(int, const void *, size_t))dlsym(RTLD_NEXT,
								  "write");
	real_open = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open");
	s = getenv("HONK_FAULT_LOG");
	if (s && strlen(s) < sizeof(log_path))
		memcpy(log_path, s, strlen(s) + 1);
	s = getenv("HONK_FAULT_KINDS");
	for (k = 0; k < K_N; k++)
		enabled[k] = !s && k != K_UNLINK && k != K_ALLOC;
	while (s && *s) {
		size_t len = strcspn(s, ",");

		for (k = 0; k < K_N; k++)
			if (strlen(kind_names[k]) == len &&
			    !strncmp(s, kind_names[k], len))
				enabled[k] = 1;
		s += len + (s[len] == ',');
	}
#ifndef FAULT_ALLOC
	enabled[K_ALLOC] = 0;
#else
	dl_iterate_phdr(find_self, NULL);
#endif
	s = getenv("HONK_FAULT_AT");
	fault_at = s ? strtol(s, NULL, 10) : 0;
	if (fault_at < 0)
		fault_at = 0;
	s = getenv("HONK_FAULT_ERRNO");
	if (s && !strcmp(s, "ENOSPC"))
		fault_errno = ENOSPC;
	s = getenv("HONK_FAULT_STICKY");
	sticky = s && *s == '1';
	s = getenv("HONK_FAULT_NOSYNC");
	nosync = s && *s == '1';
	s = getenv("HONK_FAULT_TRACE");
	trace = s && *s == '1';
	atexit(report);
	ready = 1;
}

/* ---- the calls ---------------------------------------------------------- */

#define FAIL(ret)                                                              \
	do {                                                                   \
		errno = fault_errno;                                           \
		return ret;                                                    \
	} while (0)

ssize_t write(int fd, const void *buf, size_t n)
{
	REAL(write);
	if (hit(K_WRITE, "write", fd, NULL))
		FAIL(-1);
	return real(fd, buf, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	REAL(pwrite);
	if (hit(K_WRITE, "pwrite", fd, NULL))
		FAIL(-1);
	return real(fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t off)
{
	REAL(pwrite64);
	if (hit(K_WRITE, "pwrite64", fd, NULL))
		FAIL(-1);
	return real(fd, buf, n, off);
}

ssize_t writev(int fd, const struct iovec *iov, int n)
{
	REAL(writev);
	if (hit(K_WRITE, "writev", fd, NULL))
		FAIL(-1);
	return real(fd, iov, n);
}

ssize_t pwritev(int fd, const struct iovec *iov, int n, off_t off)
{
	REAL(pwritev);
	if (hit(K_WRITE, "pwritev", fd, NULL))
		FAIL(-1);
	return real(fd, iov, n, off);
}

int fsync(int fd)
{
	REAL(fsync);
	if (hit(K_FSYNC, "fsync", fd, NULL))
		FAIL(-1);
	if (nosync && getpid() == owner)
		return fcntl(fd, F_GETFD) < 0 ? -1 : 0;
	return real(fd);
}

int fdatasync(int fd)
{
	REAL(fdatasync);
	if (hit(K_FSYNC, "fdatasync", fd, NULL))
		FAIL(-1);
	if (nosync && getpid() == owner)
		return fcntl(fd, F_GETFD) < 0 ? -1 : 0;
	return real(fd);
}

int syncfs(int fd)
{
	REAL(syncfs);
	if (hit(K_FSYNC, "syncfs", fd, NULL))
		FAIL(-1);
	if (nosync && getpid() == owner)
		return fcntl(fd, F_GETFD) < 0 ? -1 : 0;
	return real(fd);
}

void sync(void)
{
	REAL(sync);
	/* sync cannot fail; it is counted, never failed */
	hit(K_FSYNC, "sync", -1, NULL);
	if (!nosync || getpid() != owner)
		real();
}

int rename(const char *from, const char *to)
{
	REAL(rename);
	if (hit(K_RENAME, "rename", -1, to))
		FAIL(-1);
	return real(from, to);
}

int renameat(int fd1, const char *from, int fd2, const char *to)
{
	REAL(renameat);
	if (hit(K_RENAME, "renameat", -1, to))
		FAIL(-1);
	return real(fd1, from, fd2, to);
}

int renameat2(int fd1, const char *from, int fd2, const char *to,
	      unsigned flags)
{
	REAL(renameat2);
	if (hit(K_RENAME, "renameat2", -1, to))
		FAIL(-1);
	return real(fd1, from, fd2, to, flags);
}

int link(const char *from, const char *to)
{
	REAL(link);
	if (hit(K_LINK, "link", -1, to))
		FAIL(-1);
	return real(from, to);
}

int linkat(int fd1, const char *from, int fd2, const char *to, int flags)
{
	REAL(linkat);
	if (hit(K_LINK, "linkat", -1, to))
		FAIL(-1);
	return real(fd1, from, fd2, to, flags);
}

int symlink(const char *target, const char *path)
{
	REAL(symlink);
	if (hit(K_LINK, "symlink", -1, path))
		FAIL(-1);
	return real(target, path);
}

int symlinkat(const char *target, int fd, const char *path)
{
	REAL(symlinkat);
	if (hit(K_LINK, "symlinkat", -1, path))
		FAIL(-1);
	return real(target, fd, path);
}

int unlink(const char *path)
{
	REAL(unlink);
	if (hit(K_UNLINK, "unlink", -1, path))
		FAIL(-1);
	return real(path);
}

int unlinkat(int fd, const char *path, int flags)
{
	REAL(unlinkat);
	if (hit(K_UNLINK, "unlinkat", -1, path))
		FAIL(-1);
	return real(fd, path, flags);
}

int mkdir(const char *path, mode_t mode)
{
	REAL(mkdir);
	if (hit(K_MKDIR, "mkdir", -1, path))
		FAIL(-1);
	return real(path, mode);
}

int mkdirat(int fd, const char *path, mode_t mode)
{
	REAL(mkdirat);
	if (hit(K_MKDIR, "mkdirat", -1, path))
		FAIL(-1);
	return real(fd, path, mode);
}

char *mkdtemp(char *tmpl)
{
	REAL(mkdtemp);
	if (hit(K_MKDIR, "mkdtemp", -1, tmpl))
		FAIL(NULL);
	return real(tmpl);
}

int mkstemp(char *tmpl)
{
	REAL(mkstemp);
	if (hit(K_CREATE, "mkstemp", -1, tmpl))
		FAIL(-1);
	return real(tmpl);
}

int mkostemp(char *tmpl, int flags)
{
	REAL(mkostemp);
	if (hit(K_CREATE, "mkostemp", -1, tmpl))
		FAIL(-1);
	return real(tmpl, flags);
}

int mkstemps(char *tmpl, int suffixlen)
{
	REAL(mkstemps);
	if (hit(K_CREATE, "mkstemps", -1, tmpl))
		FAIL(-1);
	return real(tmpl, suffixlen);
}

int mkostemps(char *tmpl, int suffixlen, int flags)
{
	REAL(mkostemps);
	if (hit(K_CREATE, "mkostemps", -1, tmpl))
		FAIL(-1);
	return real(tmpl, suffixlen, flags);
}

/* open and its kin: only a call that may create a file (O_CREAT, or an
 * unnamed O_TMPFILE, whose bits include O_DIRECTORY's) is counted */
#define CREATES(flags)                                                         \
	(((flags) & O_CREAT) || ((flags) & O_TMPFILE) == O_TMPFILE)
#define OPEN_MODE(flags, mode)                                                 \
	do {                                                                   \
		if (CREATES(flags)) {                       \
			va_list ap;                                            \
			va_start(ap, flags);                                   \
			mode = va_arg(ap, int);                                \
			va_end(ap);                                            \
		}                                                              \
	} while (0)

int open(const char *path, int flags, ...)
{
	int mode = 0;

	REAL(open);
	OPEN_MODE(flags, mode);
	if (CREATES(flags) && hit(K_CREATE, "open", -1, path))
		FAIL(-1);
	return real(path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
	int mode = 0;

	REAL(open64);
	OPEN_MODE(flags, mode);
	if (CREATES(flags) && hit(K_CREATE, "open64", -1, path))
		FAIL(-1);
	return real(path, flags, mode);
}

int openat(int dirfd, const char *path, int flags, ...)
{
	int mode = 0;

	REAL(openat);
	OPEN_MODE(flags, mode);
	if (CREATES(flags) && hit(K_CREATE, "openat", -1, path))
		FAIL(-1);
	return real(dirfd, path, flags, mode);
}

int openat64(int dirfd, const char *path, int flags, ...)
{
	int mode = 0;

	REAL(openat64);
	OPEN_MODE(flags, mode);
	if (CREATES(flags) && hit(K_CREATE, "openat64", -1, path))
		FAIL(-1);
	return real(dirfd, path, flags, mode);
}

int creat(const char *path, mode_t mode)
{
	REAL(creat);
	if (hit(K_CREATE, "creat", -1, path))
		FAIL(-1);
	return real(path, mode);
}

int creat64(const char *path, mode_t mode)
{
	REAL(creat64);
	if (hit(K_CREATE, "creat64", -1, path))
		FAIL(-1);
	return real(path, mode);
}
