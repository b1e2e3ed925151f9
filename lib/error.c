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
#include "error.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

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
