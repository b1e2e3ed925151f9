/*
 * Error reporting for the library.
 *
 * Every failing function stores a single line describing what went wrong
 * and returns a negative HONK_E* code. Callers either act on the code or
 * propagate it; the binaries print honk_error_last() once, at the top.
 * The message lives in a per-thread buffer so worker threads do not
 * clobber each other's diagnostics.
 *
 * A message often quotes input (a key, a value, a line of a command's
 * output), and input is hostile: the message is kept one line of text by
 * escaping every control character in it, so nothing quoted can start a
 * line of its own (a forged "path:line:col: ..." in hook output) or send
 * escape sequences to the terminal of whoever reads it.
 */
#define _GNU_SOURCE /* nftw's FTW_PHYS */
#include "error.h"

#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <git2.h>

#include "banned.h"

#define HONK_ERROR_MAX 1024

static __thread char last_error[HONK_ERROR_MAX];

size_t honk_error_escape(char *dst, size_t n, const char *src)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	if (!n)
		return 0;
	for (; *src; src++) {
		unsigned char c = (unsigned char)*src;

		if (c >= 0x20 && c != 0x7f) {
			if (o + 1 >= n)
				break;
			dst[o++] = (char)c;
			continue;
		}
		if (o + 4 >= n)
			break;
		dst[o++] = '\\';
		dst[o++] = 'x';
		dst[o++] = hex[c >> 4];
		dst[o++] = hex[c & 15];
	}
	dst[o] = '\0';
	return o;
}

int honk_error_setv(int code, const char *fmt, va_list ap)
{
	char tmp[HONK_ERROR_MAX];

	/* the arguments may quote last_error: format aside, then keep */
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	honk_error_escape(last_error, sizeof(last_error), tmp);
	return code;
}

int honk_error_set(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	honk_error_setv(code, fmt, ap);
	va_end(ap);
	return code;
}

static int append(int code, const char *suffix)
{
	char tmp[HONK_ERROR_MAX];
	size_t len = strlen(last_error);

	if (suffix && *suffix && len < sizeof(tmp) - 1) {
		memcpy(tmp, last_error, len);
		snprintf(tmp + len, sizeof(tmp) - len, ": %s", suffix);
		honk_error_escape(last_error, sizeof(last_error), tmp);
	}
	return code;
}

int honk_error_errno(int code, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	honk_error_setv(code, fmt, ap);
	va_end(ap);
	return append(code, strerror(saved));
}

int honk_error_git(int code, const char *fmt, ...)
{
	const git_error *e = git_error_last();
	va_list ap;

	va_start(ap, fmt);
	honk_error_setv(code, fmt, ap);
	va_end(ap);
	return append(code, e && e->message ? e->message : "unknown git error");
}

static const char *program = "honk";

void honk_error_program(const char *prog)
{
	program = prog;
}

static pthread_mutex_t cleanup_mu = PTHREAD_MUTEX_INITIALIZER;
static struct honk_cleanup *armed;

void honk_cleanup_arm(struct honk_cleanup *c, const char *path, int dir)
{
	c->path = path;
	c->dir = dir;
	c->prev = NULL;
	pthread_mutex_lock(&cleanup_mu);
	c->next = armed;
	if (armed)
		armed->prev = c;
	armed = c;
	pthread_mutex_unlock(&cleanup_mu);
}

void honk_cleanup_disarm(struct honk_cleanup *c)
{
	if (!c->path)
		return;
	pthread_mutex_lock(&cleanup_mu);
	if (c->prev)
		c->prev->next = c->next;
	else
		armed = c->next;
	if (c->next)
		c->next->prev = c->prev;
	pthread_mutex_unlock(&cleanup_mu);
	c->path = NULL;
}

static int remove_entry(const char *path, const struct stat *st, int flag,
			struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

void honk_remove_tree(const char *path)
{
	nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void honk_die_oom(void)
{
	/* nothing may allocate here: write(2), then exit's handlers */
	ssize_t w = write(2, program, strlen(program));
	struct honk_cleanup *c;
	int locked;

	w = write(2, ": error: out of memory\n", 23);
	(void)w;
	/* another thread may hold the list (and be dying too): best effort */
	locked = pthread_mutex_trylock(&cleanup_mu) == 0;
	for (c = armed; c; c = c->next) {
		if (c->dir)
			honk_remove_tree(c->path);
		else
			unlink(c->path);
	}
	armed = NULL;
	if (locked)
		pthread_mutex_unlock(&cleanup_mu);
	exit(HONK_EXIT_SYSTEM);
}

const char *honk_error_last(void)
{
	return last_error[0] ? last_error : "unknown error";
}

void honk_error_clear(void)
{
	last_error[0] = '\0';
}

int honk_error_exit_code(int code)
{
	switch (code) {
	case HONK_OK:
		return HONK_EXIT_OK;
	case HONK_EINVALID:
	case HONK_ELIMIT:
	case HONK_ENOTFOUND:
		return HONK_EXIT_INVALID;
	case HONK_ECONFLICT:
	case HONK_EBUSY:
		return HONK_EXIT_CONFLICT;
	case HONK_EUSAGE:
		return HONK_EXIT_USAGE;
	default:
		return HONK_EXIT_SYSTEM;
	}
}
