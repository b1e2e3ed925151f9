#ifndef HONK_ERROR_H
#define HONK_ERROR_H

#include <stdarg.h>
#include <stddef.h>

/*
 * Library functions return 0 on success or a negative code. Only the codes a
 * caller acts on have names; everything else is HONK_ERROR. The failing
 * function leaves one line for honk_error_last().
 */
enum {
	HONK_OK = 0,
	HONK_ERROR = -1,     /* git, I/O, system: exit 5 */
	HONK_ENOTFOUND = -2, /* a file, rev or entry is not there */
	HONK_EINVALID = -3,  /* bad input: catalog, YAML, schema (exit 3) */
	HONK_ECONFLICT = -4, /* a ref moved under us, a push was rejected (exit
				4) */
	HONK_EBUSY = -5,     /* a lock or lease is held elsewhere (exit 4) */
	HONK_ELIMIT = -6,    /* a size or depth cap was hit (exit 3) */
	HONK_EUSAGE = -7 /* the caller asked for something impossible (exit 2)
			  */
};

/* Exit codes shared by every binary (DESIGN section 8). */
enum {
	HONK_EXIT_OK = 0,
	HONK_EXIT_FOUND = 1,
	HONK_EXIT_USAGE = 2,
	HONK_EXIT_INVALID = 3,
	HONK_EXIT_CONFLICT = 4,
	HONK_EXIT_SYSTEM = 5
};

#if defined(__GNUC__)
#define HONK_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define HONK_PRINTF(f, a)
#endif

/* Record the message for the last error and return code, for `return`. */
int honk_error_set(int code, const char *fmt, ...) HONK_PRINTF(2, 3);
int honk_error_setv(int code, const char *fmt, va_list ap);

/* Like honk_error_set(), with ": strerror(errno)" appended. */
int honk_error_errno(int code, const char *fmt, ...) HONK_PRINTF(2, 3);

/* Like honk_error_set(), with libgit2's last message appended. */
int honk_error_git(int code, const char *fmt, ...) HONK_PRINTF(2, 3);

/*
 * Copy src into dst (n bytes, the NUL included) as one line of text:
 * each control character (newline, tab, escape, DEL, ...) becomes
 * "\\xNN". Cut before a character or escape that does not fit. Returns
 * the length written. Every message kept by honk_error_set() and
 * honk_diag_add() goes through it.
 */
size_t honk_error_escape(char *dst, size_t n, const char *src);

/* The message of the last failure in this thread; never NULL. */
const char *honk_error_last(void);

void honk_error_clear(void);

/*
 * Out of memory where the caller cannot be trusted to notice (a buffer
 * grown for a path, a message, a file's text): say so and exit 5, as
 * git's xmalloc dies. What a command writes is crash-safe, so stopping
 * here leaves every ref at its old or its new value; the lock files and
 * temporary directories armed below are removed first.
 */
void honk_die_oom(void) __attribute__((noreturn));

/*
 * A lock or temporary file or directory this process made, removed by
 * honk_die_oom() if it ends the process while the entry is armed: a run
 * that dies leaves no lock behind for the next. The caller owns the
 * entry and its path, which must live until it is disarmed; arming
 * allocates nothing. Thread-safe.
 */
struct honk_cleanup {
	struct honk_cleanup *prev, *next;
	const char *path;
	int dir; /* remove the directory and what is in it */
};

/* Remove path and all below it, never following a link; best effort. */
void honk_remove_tree(const char *path);

void honk_cleanup_arm(struct honk_cleanup *c, const char *path, int dir);
void honk_cleanup_disarm(struct honk_cleanup *c);

/* The name honk_die_oom() gives (the binary's). */
void honk_error_program(const char *prog);

/* Map a HONK_E* code onto the exit status of DESIGN section 8. */
int honk_error_exit_code(int code);

#endif
