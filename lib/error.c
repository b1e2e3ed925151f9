/*
 * Error reporting for the library.
 *
 * Every failing function stores a single line describing what went wrong
 * and returns a negative HONK_E* code. Callers either act on the code or
 * propagate it; the binaries print honk_error_last() once, at the top.
 * The message lives in a per-thread buffer so worker threads do not
 * clobber each other's diagnostics.
 */
#include "error.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <git2.h>

#include "banned.h"

#define HONK_ERROR_MAX 1024

static __thread char last_error[HONK_ERROR_MAX];

int honk_error_setv(int code, const char *fmt, va_list ap)
{
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
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
	size_t len = strlen(last_error);

	if (suffix && *suffix && len < sizeof(last_error) - 1)
		snprintf(last_error + len, sizeof(last_error) - len, ": %s",
			 suffix);
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
