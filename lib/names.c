/*
 * The name allowlist and the only constructors of paths, refs and
 * environment entries that contain names.
 *
 * Invariant: every string these functions produce is made of constant
 * text and validated names. A valid git ref name is not a safe name
 * (`$(id)`, `;rm`, `-rf` are all fine for git), so nothing here trusts
 * git's rules.
 */
#include "names.h"

#include <string.h>

#include "error.h"
#include "banned.h"

static int is_lead(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static int is_body(unsigned char c)
{
	return is_lead(c) || c == '_' || c == '-';
}

int honk_name_valid(const char *s, size_t len)
{
	size_t i;
	int seg_start = 1;

	if (len == 0 || len > HONK_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (seg_start) {
			if (!is_lead(c))
				return 0;
			seg_start = 0;
		} else if (c == '.') {
			seg_start = 1;
		} else if (!is_body(c)) {
			return 0;
		}
	}
	return !seg_start;
}

static void quote_into(char *dst, size_t n, const char *s)
{
	size_t i, o = 0;

	for (i = 0; s[i] && o + 5 < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f || c == '\\' || c == '\'') {
			static const char hex[] = "0123456789abcdef";
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		} else {
			dst[o++] = (char)c;
		}
	}
	if (s[i] && o + 4 <= n) {
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	dst[o] = '\0';
}

int honk_name_check(const char *what, const char *s)
{
	size_t len = strlen(s), i;
	char q[64];
	const char *why = NULL;

	if (honk_name_valid(s, len))
		return 0;
	quote_into(q, sizeof(q), s);
	if (len == 0) {
		return honk_error_set(HONK_EINVALID, "%s name is empty", what);
	} else if (len > HONK_NAME_MAX) {
		return honk_error_set(HONK_EINVALID,
				      "%s name '%s' is longer than %d bytes",
				      what, q, HONK_NAME_MAX);
	}
	for (i = 0; i < len && !why; i++) {
		unsigned char c = (unsigned char)s[i];
		int start = i == 0 || s[i - 1] == '.';

		if (c >= 'A' && c <= 'Z')
			why = "upper-case letters are not allowed";
		else if (start && c == '.')
			why = "empty segment between dots";
		else if (start && !is_lead(c))
			why = "each segment must start with [a-z0-9]";
		else if (!is_body(c) && c != '.')
			why = "only [a-z0-9_-] and '.' between segments are allowed";
	}
	if (!why)
		why = "must not end with '.'";
	return honk_error_set(HONK_EINVALID, "invalid %s name '%s': %s", what,
			      q, why);
}

static int checked(const char *what, const char *name)
{
	return honk_name_check(what, name);
}

int honk_path_dataset(struct honk_buf *out, const char *id)
{
	const char *dot;
	int err;

	if ((err = checked("dataset", id)) < 0)
		return err;
	dot = strchr(id, '.');
	if (!dot)
		return honk_error_set(HONK_EINVALID,
				      "dataset id '%s' must be <domain>.<name>",
				      id);
	honk_buf_reset(out);
	if ((err = honk_buf_addstr(out, "datasets/")) < 0 ||
	    (err = honk_buf_add(out, id, (size_t)(dot - id))) < 0 ||
	    (err = honk_buf_addf(out, "/%s.yaml", dot + 1)) < 0)
		return err;
	return 0;
}

int honk_dataset_id_from_path(struct honk_buf *out, const char *path)
{
	const char *p, *slash, *name;
	size_t dlen, nlen;
	int err;

	if (strncmp(path, "datasets/", 9) != 0)
		goto bad;
	p = path + 9;
	slash = strchr(p, '/');
	if (!slash || strchr(slash + 1, '/'))
		goto bad;
	dlen = (size_t)(slash - p);
	name = slash + 1;
	nlen = strlen(name);
	if (nlen <= 5 || strcmp(name + nlen - 5, ".yaml") != 0)
		goto bad;
	nlen -= 5;
	if (memchr(p, '.', dlen) || !honk_name_valid(p, dlen) ||
	    !honk_name_valid(name, nlen) || dlen + 1 + nlen > HONK_NAME_MAX)
		goto bad;
	honk_buf_reset(out);
	if ((err = honk_buf_add(out, p, dlen)) < 0 ||
	    (err = honk_buf_addch(out, '.')) < 0 ||
	    (err = honk_buf_add(out, name, nlen)) < 0)
		return err;
	return 0;
bad:
	return honk_error_set(
		HONK_EINVALID,
		"dataset file must be datasets/<domain>/<name>.yaml with valid names");
}

static int prefixed(struct honk_buf *out, const char *what, const char *pre,
		    const char *name, const char *post)
{
	int err;

	if ((err = checked(what, name)) < 0)
		return err;
	honk_buf_reset(out);
	return honk_buf_addf(out, "%s%s%s", pre, name, post);
}

int honk_path_migration(struct honk_buf *out, const char *id)
{
	return prefixed(out, "migration", "migrations/", id, ".yaml");
}

/*
 * A branch for a name. A valid name is not always a valid ref name: git
 * refuses a component ending in ".lock", and that is refused here too,
 * as bad input rather than a failure of git's.
 */
static int branch_ref(struct honk_buf *out, const char *pre, const char *id)
{
	size_t len = strlen(id);
	int err;

	if ((err = checked("migration", id)) < 0)
		return err;
	/* the name is one component of the ref: only this rule is left */
	if (len >= 5 && !strcmp(id + len - 5, ".lock"))
		return honk_error_set(
			HONK_EINVALID,
			"migration id '%s' cannot name a git branch (a component must not end in .lock)",
			id);
	return prefixed(out, "migration", pre, id, "");
}

int honk_ref_proposal(struct honk_buf *out, const char *id)
{
	return branch_ref(out, "refs/heads/honk/propose/", id);
}

int honk_ref_consumer_branch(struct honk_buf *out, const char *id)
{
	return branch_ref(out, "refs/heads/honk/", id);
}

int honk_env_entry(struct honk_buf *out, const char *var, const char *value)
{
	int err;

	if ((err = checked("environment", value)) < 0)
		return err;
	honk_buf_reset(out);
	return honk_buf_addf(out, "%s=%s", var, value);
}

int honk_migration_id(struct honk_buf *out, const char *dataset, long from,
		      long to)
{
	int err;

	if ((err = checked("dataset", dataset)) < 0)
		return err;
	if (from < 0 || to < 0)
		return honk_error_set(HONK_EINVALID,
				      "versions must not be negative");
	honk_buf_reset(out);
	if ((err = honk_buf_addf(out, "%s.v%ld-v%ld", dataset, from, to)) < 0)
		return err;
	if (!honk_name_valid(out->buf, out->len))
		return honk_error_set(
			HONK_EINVALID,
			"migration id '%s' is longer than %d bytes", out->buf,
			HONK_NAME_MAX);
	return 0;
}

int honk_branch_name_valid(const char *s)
{
	const char *p, *comp = s;

	if (!*s || *s == '-' || *s == '/' || !strcmp(s, "@"))
		return 0;
	for (p = s;; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '/' || c == '\0') {
			size_t n = (size_t)(p - comp);

			if (n == 0 || comp[0] == '.' ||
			    (n >= 5 && !memcmp(p - 5, ".lock", 5)))
				return 0;
			if (c == '\0')
				break;
			comp = p + 1;
			continue;
		}
		if (c < 0x20 || c == 0x7f || c == ' ' || c == '~' || c == '^' ||
		    c == ':' || c == '?' || c == '*' || c == '[' || c == '\\')
			return 0;
		if (c == '.' && p[1] == '.')
			return 0;
		if (c == '@' && p[1] == '{')
			return 0;
	}
	return p[-1] != '.';
}
