/*
 * The strict JSON reader: recursive descent over a byte range, one arena
 * allocation per value, positions as byte offsets from the start.
 *
 * Invariants: the input is checked for valid UTF-8 before parsing, so a
 * string's bytes are UTF-8 and \u escapes add only scalar values (pairs
 * joined, lone surrogates refused); the first error wins and every
 * function returns at once after it; depth never passes
 * HONK_JREAD_MAX_DEPTH, so hostile nesting cannot exhaust the stack.
 */
#include "jsonread.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "banned.h"

struct jparse {
	const char *base, *p, *end;
	struct honk_arena *arena;
	unsigned depth;
	const char *err;
	const char *errat;
};

static int jfail(struct jparse *j, const char *at, const char *msg)
{
	if (!j->err) {
		j->err = msg;
		j->errat = at;
	}
	return -1;
}

static void skip_ws(struct jparse *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' ||
				 *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int hex4(const char *p, const char *end, unsigned *out)
{
	unsigned v = 0;
	int i, h;

	if (end - p < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		if ((h = hexval(p[i])) < 0)
			return -1;
		v = v * 16 + (unsigned)h;
	}
	*out = v;
	return 0;
}

static int put_utf8(struct honk_buf *b, unsigned cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return honk_buf_add(b, u, n);
}

/* The string at j->p (after its opening quote), decoded into b. */
static int jstring(struct jparse *j, struct honk_buf *b)
{
	const char *start = j->p - 1;

	honk_buf_reset(b);
	while (j->p < j->end) {
		unsigned char c = (unsigned char)*j->p;
		unsigned cp, lo;

		if (c == '"') {
			j->p++;
			return 0;
		}
		if (c < 0x20)
			return jfail(j, j->p,
				     "a control character inside a string");
		if (c != '\\') {
			if (honk_buf_addch(b, c) < 0)
				return jfail(j, j->p, "out of memory");
			j->p++;
			continue;
		}
		if (++j->p >= j->end)
			break;
		switch (*j->p) {
		case '"':
		case '\\':
		case '/':
			cp = (unsigned char)*j->p;
			break;
		case 'b':
			cp = '\b';
			break;
		case 'f':
			cp = '\f';
			break;
		case 'n':
			cp = '\n';
			break;
		case 'r':
			cp = '\r';
			break;
		case 't':
			cp = '\t';
			break;
		case 'u':
			if (hex4(j->p + 1, j->end, &cp) < 0)
				return jfail(j, j->p - 1, "a bad \\u escape");
			j->p += 4;
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return jfail(j, j->p - 5,
					     "a lone low surrogate");
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (j->end - j->p < 7 || j->p[1] != '\\' ||
				    j->p[2] != 'u' ||
				    hex4(j->p + 3, j->end, &lo) < 0 ||
				    lo < 0xdc00 || lo > 0xdfff)
					return jfail(j, j->p - 5,
						     "a lone high surrogate");
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				     (lo - 0xdc00);
				j->p += 6;
			}
			break;
		default:
			return jfail(j, j->p - 1, "an unknown escape");
		}
		if (put_utf8(b, cp) < 0)
			return jfail(j, j->p, "out of memory");
		j->p++;
	}
	return jfail(j, start, "a string without its closing quote");
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static struct honk_jval *jvalue(struct jparse *j, struct honk_buf *tmp);

static struct honk_jval *jnew(struct jparse *j, enum honk_jtype t,
			      const char *at)
{
	struct honk_jval *v = honk_arena_alloc(j->arena, sizeof(*v));

	if (!v) {
		jfail(j, at, "out of memory");
		return NULL;
	}
	v->type = t;
	v->col = (unsigned)(at - j->base) + 1;
	v->raw = at;
	return v;
}

static int jnumber(struct jparse *j, struct honk_jval *v)
{
	const char *p = j->p;

	v->integral = 1;
	if (p < j->end && *p == '-')
		p++;
	if (p < j->end && *p == '0')
		p++;
	else if (p < j->end && *p >= '1' && *p <= '9')
		while (p < j->end && is_digit(*p))
			p++;
	else
		return jfail(j, j->p, "not a JSON value");
	if (p < j->end && *p == '.') {
		v->integral = 0;
		if (++p >= j->end || !is_digit(*p))
			return jfail(j, p, "a digit must follow '.'");
		while (p < j->end && is_digit(*p))
			p++;
	}
	if (p < j->end && (*p == 'e' || *p == 'E')) {
		v->integral = 0;
		p++;
		if (p < j->end && (*p == '+' || *p == '-'))
			p++;
		if (p >= j->end || !is_digit(*p))
			return jfail(j, p, "a digit must follow the exponent");
		while (p < j->end && is_digit(*p))
			p++;
	}
	v->str = honk_arena_strndup(j->arena, j->p, (size_t)(p - j->p));
	if (!v->str)
		return jfail(j, j->p, "out of memory");
	v->len = (size_t)(p - j->p);
	j->p = p;
	return 0;
}

static int jword(struct jparse *j, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n) != 0)
		return jfail(j, j->p, "not a JSON value");
	j->p += n;
	return 0;
}

static int jcontainer(struct jparse *j, struct honk_jval *v,
		      struct honk_buf *tmp)
{
	char close = v->type == HONK_J_ARRAY ? ']' : '}';
	struct honk_jval **tail = &v->first;

	if (++j->depth > HONK_JREAD_MAX_DEPTH)
		return jfail(j, j->p, "nested too deeply");
	j->p++;
	skip_ws(j);
	if (j->p < j->end && *j->p == close) {
		j->p++;
		j->depth--;
		return 0;
	}
	for (;;) {
		struct honk_jval *item;

		skip_ws(j);
		if (v->type == HONK_J_OBJECT) {
			struct honk_jval *key;

			if (j->p >= j->end || *j->p != '"')
				return jfail(j, j->p, "expected a key string");
			if (!(key = jnew(j, HONK_J_STRING, j->p)))
				return -1;
			j->p++;
			if (jstring(j, tmp) < 0)
				return -1;
			key->str = honk_arena_strndup(j->arena, tmp->buf,
						      tmp->len);
			key->len = tmp->len;
			key->rawlen = (size_t)(j->p - key->raw);
			if (!key->str)
				return jfail(j, j->p, "out of memory");
			*tail = key;
			tail = &key->next;
			skip_ws(j);
			if (j->p >= j->end || *j->p != ':')
				return jfail(j, j->p, "expected ':'");
			j->p++;
		}
		if (!(item = jvalue(j, tmp)))
			return -1;
		*tail = item;
		tail = &item->next;
		v->count++;
		skip_ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == close) {
			j->p++;
			j->depth--;
			return 0;
		}
		return jfail(j, j->p,
			     v->type == HONK_J_ARRAY ? "expected ',' or ']'"
						     : "expected ',' or '}'");
	}
}

static struct honk_jval *jvalue(struct jparse *j, struct honk_buf *tmp)
{
	struct honk_jval *v;
	int err;

	skip_ws(j);
	if (j->p >= j->end) {
		jfail(j, j->p, "a value is missing");
		return NULL;
	}
	switch (*j->p) {
	case '{':
	case '[':
		if (!(v = jnew(j, *j->p == '{' ? HONK_J_OBJECT : HONK_J_ARRAY,
			       j->p)))
			return NULL;
		err = jcontainer(j, v, tmp);
		break;
	case '"':
		if (!(v = jnew(j, HONK_J_STRING, j->p)))
			return NULL;
		j->p++;
		err = jstring(j, tmp);
		if (!err) {
			v->str = honk_arena_strndup(j->arena, tmp->buf,
						    tmp->len);
			v->len = tmp->len;
			err = v->str ? 0 : jfail(j, j->p, "out of memory");
		}
		break;
	case 't':
	case 'f':
		if (!(v = jnew(j, HONK_J_BOOL, j->p)))
			return NULL;
		v->boolean = *j->p == 't';
		err = jword(j, v->boolean ? "true" : "false");
		break;
	case 'n':
		if (!(v = jnew(j, HONK_J_NULL, j->p)))
			return NULL;
		err = jword(j, "null");
		break;
	default:
		if (!(v = jnew(j, HONK_J_NUMBER, j->p)))
			return NULL;
		err = jnumber(j, v);
		break;
	}
	if (err < 0)
		return NULL;
	v->rawlen = (size_t)(j->p - v->raw);
	return v;
}

size_t honk_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	static const unsigned mins[] = { 0, 0x80, 0x800, 0x10000 };

	while (i < n) {
		unsigned c = p[i], need, cp, k;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			need = 1;
		else if (c >= 0xe0 && c <= 0xef)
			need = 2;
		else if (c >= 0xf0 && c <= 0xf4)
			need = 3;
		else
			return i;
		if (n - i <= need)
			return i;
		cp = c & (0x3fu >> need);
		for (k = 1; k <= need; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return i;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if (cp < mins[need] || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return i;
		i += need + 1;
	}
	return n;
}

/*
 * Parse s[0..n) as one JSON value. On failure NULL, with *err and *col
 * (1-based) saying what and where.
 */
struct honk_jval *honk_jread(struct honk_arena *a, struct honk_buf *tmp,
			     const char *s, size_t n, const char **err,
			     unsigned *col)
{
	struct jparse j = { s, s, s + n, a, 0, NULL, NULL };
	size_t ok = honk_utf8_valid(s, n);
	struct honk_jval *v;

	if (ok < n) {
		*err = "not valid UTF-8";
		*col = (unsigned)ok + 1;
		return NULL;
	}
	v = jvalue(&j, tmp);
	if (v) {
		skip_ws(&j);
		if (j.p < j.end) {
			jfail(&j, j.p, "text after the value");
			v = NULL;
		}
	}
	if (!v) {
		*err = j.err;
		*col = (unsigned)(j.errat - s) + 1;
	}
	return v;
}

void honk_jread_quote(struct honk_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	honk_buf_addch(b, '"');
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			honk_buf_addch(b, '\\');
			honk_buf_addch(b, c);
		} else if (c < 0x20) {
			honk_buf_addf(b, "\\u00%c%c", hex[c >> 4], hex[c & 15]);
		} else {
			honk_buf_addch(b, c);
		}
	}
	honk_buf_addch(b, '"');
}

static int cmp_pair(const void *pa, const void *pb)
{
	const struct honk_jval *a = *(const struct honk_jval *const *)pa;
	const struct honk_jval *b = *(const struct honk_jval *const *)pb;
	size_t n = a->len < b->len ? a->len : b->len;
	int c = memcmp(a->str, b->str, n);

	if (c)
		return c;
	return a->len < b->len ? -1 : a->len > b->len;
}

int honk_jread_canon(struct honk_buf *b, const struct honk_jval *v)
{
	const struct honk_jval *it, **keys;
	size_t i;
	int err = 0;

	switch (v->type) {
	case HONK_J_NULL:
		return honk_buf_addstr(b, "null");
	case HONK_J_BOOL:
		return honk_buf_addstr(b, v->boolean ? "true" : "false");
	case HONK_J_NUMBER:
		return honk_buf_add(b, v->str, v->len);
	case HONK_J_STRING:
		honk_jread_quote(b, v->str, v->len);
		return 0;
	case HONK_J_ARRAY:
		honk_buf_addch(b, '[');
		for (it = v->first, i = 0; it && !err; it = it->next, i++) {
			if (i)
				honk_buf_addch(b, ',');
			err = honk_jread_canon(b, it);
		}
		honk_buf_addch(b, ']');
		return err;
	default:
		keys = malloc((v->count + 1) * sizeof(*keys));
		if (!keys)
			return honk_error_set(HONK_ERROR, "out of memory");
		for (it = v->first, i = 0; it && it->next; it = it->next->next)
			keys[i++] = it;
		qsort(keys, i, sizeof(*keys), cmp_pair);
		honk_buf_addch(b, '{');
		for (size_t k = 0; k < i && !err; k++) {
			if (k)
				honk_buf_addch(b, ',');
			honk_jread_quote(b, keys[k]->str, keys[k]->len);
			honk_buf_addch(b, ':');
			err = honk_jread_canon(b, keys[k]->next);
		}
		honk_buf_addch(b, '}');
		free(keys);
		return err;
	}
}
