/*
 * Validation of a migration's SQL in an in-memory SQLite database.
 *
 * One checker decides whether a value fits a field under the SQLite
 * storage contract of sqlgen.h: check_json() for a value in JSON form (a
 * sample, or anything inside a record, array or map column) and
 * check_cell() for a column's SQLite value, which hands JSON columns to
 * check_json(). Samples are refused by the same rules the new table is
 * judged by, so a sample that loads is a value the contract allows.
 *
 * The old rows are read back from the old table right after loading, as
 * self-describing keys (a storage class and the exact value), before any
 * SQL from outside runs; the compat check compares the view's rows with
 * them as sorted multisets. Generated rows depend only on the old schema,
 * the row count and the seed.
 *
 * The transform and compat texts come from review and run as given, so
 * the connection is locked down first: no ATTACH (which also stops VACUUM
 * INTO from writing a file), no extensions, defensive mode, untrusted
 * schema, and a progress handler that interrupts runaway statements.
 */
#include "validate.h"

#include <float.h>
#include <math.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "jsonread.h"
#include "yaml.h"
#include "banned.h"

#define MAX_PROBLEMS 5
#define SHOW_MAX     40

/* base64 */

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64val(char c)
{
	const char *p = c ? strchr(b64, c) : NULL;

	return p ? (int)(p - b64) : -1;
}

/* Decode padded base64 into out (when not NULL); -1 when it is not. */
static int base64_decode(struct honk_buf *out, const char *s, size_t n)
{
	size_t i;

	if (n % 4)
		return -1;
	for (i = 0; i < n; i += 4) {
		int v[4], k, pad = 0;
		unsigned bits;

		for (k = 0; k < 4; k++) {
			if (s[i + k] == '=' && i + 4 == n && k >= 2) {
				v[k] = 0;
				pad++;
				continue;
			}
			if (pad || (v[k] = b64val(s[i + k])) < 0)
				return -1;
		}
		bits = (unsigned)v[0] << 18 | (unsigned)v[1] << 12 |
		       (unsigned)v[2] << 6 | (unsigned)v[3];
		if (out) {
			honk_buf_addch(out, (int)(bits >> 16) & 0xff);
			if (pad < 2)
				honk_buf_addch(out, (int)(bits >> 8) & 0xff);
			if (pad < 1)
				honk_buf_addch(out, (int)bits & 0xff);
		}
	}
	return 0;
}

static void base64_encode(struct honk_buf *out, const unsigned char *p,
			  size_t n)
{
	size_t i;

	for (i = 0; i < n; i += 3) {
		unsigned bits = (unsigned)p[i] << 16;

		if (i + 1 < n)
			bits |= (unsigned)p[i + 1] << 8;
		if (i + 2 < n)
			bits |= p[i + 2];
		honk_buf_addch(out, b64[bits >> 18 & 63]);
		honk_buf_addch(out, b64[bits >> 12 & 63]);
		honk_buf_addch(out, i + 1 < n ? b64[bits >> 6 & 63] : '=');
		honk_buf_addch(out, i + 2 < n ? b64[bits & 63] : '=');
	}
}

/* Strict int64 from a JSON integer's text; -1 when out of range. */
static int parse_i64(const char *s, int64_t *out)
{
	uint64_t v = 0, limit;
	int neg = *s == '-';

	s += neg;
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; *s; s++) {
		unsigned d = (unsigned)(*s - '0');

		if (v > (limit - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (neg)
		*out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	else
		*out = (int64_t)v;
	return 0;
}

/* The checker */

struct chk {
	struct honk_buf path;	    /* "device.os", "tags[1]" */
	struct honk_buf msg;	    /* the first problem, "path: ..." */
	const struct honk_jval *at; /* where it is, in JSON input */
};

static int problem(struct chk *c, const struct honk_jval *at, const char *fmt,
		   ...) HONK_PRINTF(3, 4);

static int problem(struct chk *c, const struct honk_jval *at, const char *fmt,
		   ...)
{
	va_list ap;

	if (c->msg.len)
		return 1;
	if (c->path.len)
		honk_buf_addf(&c->msg, "%s: ", c->path.buf);
	va_start(ap, fmt);
	honk_buf_vaddf(&c->msg, fmt, ap);
	va_end(ap);
	c->at = at;
	return 1;
}

/* Up to SHOW_MAX bytes of s, control characters and quotes escaped. */
static void show_text(struct honk_buf *b, const char *s, size_t n, char quote)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	honk_buf_addch(b, quote);
	for (i = 0; i < n && i < SHOW_MAX; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == (unsigned char)quote)
			honk_buf_addf(b, "%c%c", quote, quote);
		else if (ch < 0x20 || ch == 0x7f)
			honk_buf_addf(b, "\\x%c%c", hex[ch >> 4], hex[ch & 15]);
		else
			honk_buf_addch(b, ch);
	}
	if (n > SHOW_MAX)
		honk_buf_addstr(b, "...");
	honk_buf_addch(b, quote);
}

/* A JSON value as written, shortened: for messages. */
static const char *show_json(struct honk_buf *b, const struct honk_jval *v)
{
	size_t i, n = v->rawlen < SHOW_MAX ? v->rawlen : SHOW_MAX;

	honk_buf_reset(b);
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)v->raw[i];

		honk_buf_addch(b, ch < 0x20 ? '?' : ch);
	}
	if (v->rawlen > SHOW_MAX)
		honk_buf_addstr(b, "...");
	return b->buf;
}

static const char *const json_kinds[] = {
	[HONK_J_NULL] = "null",	      [HONK_J_BOOL] = "a boolean",
	[HONK_J_NUMBER] = "a number", [HONK_J_STRING] = "a string",
	[HONK_J_ARRAY] = "an array",  [HONK_J_OBJECT] = "an object",
};

/* Types the contract stores as JSON text. */
static int is_json_type(enum honk_ftype t)
{
	return t == HONK_T_RECORD || t == HONK_T_ARRAY || t == HONK_T_MAP ||
	       t == HONK_T_UNION;
}

/* "a timestamp", "an int32": what a field's values are. */
static const char *what_of(const struct honk_field *f)
{
	static const char *const whats[] = {
		[HONK_T_BOOLEAN] = "a boolean",
		[HONK_T_INT32] = "an int32",
		[HONK_T_INT64] = "an int64",
		[HONK_T_FLOAT32] = "a float32",
		[HONK_T_FLOAT64] = "a float64",
		[HONK_T_DECIMAL] = "a decimal",
		[HONK_T_STRING] = "a string",
		[HONK_T_BYTES] = "bytes",
		[HONK_T_DATE] = "a date",
		[HONK_T_TIME] = "a time",
		[HONK_T_TIMESTAMP] = "a timestamp",
		[HONK_T_RECORD] = "a record",
		[HONK_T_ARRAY] = "an array",
		[HONK_T_MAP] = "a map",
		[HONK_T_ENUM] = "an enum symbol",
		[HONK_T_UNION] = "a union",
	};
	size_t t = (size_t)f->type;

	return t < sizeof(whats) / sizeof(whats[0]) && whats[t] ? whats[t]
								: "a value";
}

/* The form a text type must have, for messages. */
static const char *form_of(const struct honk_field *f)
{
	switch (f->type) {
	case HONK_T_DATE:
		return " (YYYY-MM-DD)";
	case HONK_T_TIME:
		return " (HH:MM:SS[.ffffff])";
	case HONK_T_TIMESTAMP:
		return " (YYYY-MM-DDTHH:MM:SS[.ffffff] and Z or +hh:mm)";
	default:
		return "";
	}
}

static int text_problem(struct chk *c, const struct honk_jval *at,
			const struct honk_field *f, const char *shown)
{
	struct honk_buf syms = HONK_BUF_INIT;
	size_t i;
	int r;

	if (f->type == HONK_T_ENUM) {
		for (i = 0; i < f->nsymbols && i < 8; i++)
			honk_buf_addf(&syms, "%s%s", i ? ", " : "",
				      f->symbols[i]);
		if (f->nsymbols > 8)
			honk_buf_addstr(&syms, ", ...");
		r = problem(c, at, "%s is not one of %s", shown, syms.buf);
		honk_buf_release(&syms);
		return r;
	}
	if (f->type == HONK_T_DECIMAL && f->precision)
		return problem(c, at, "%s is not a decimal(%lld,%lld)", shown,
			       (long long)f->precision, (long long)f->scale);
	return problem(c, at, "%s is not %s%s", shown, what_of(f), form_of(f));
}

static size_t path_push(struct chk *c, const char *name, size_t n)
{
	size_t old = c->path.len;

	if (old)
		honk_buf_addch(&c->path, '.');
	honk_buf_add(&c->path, name, n);
	return old;
}

static int check_json(struct chk *c, const struct honk_field *f,
		      const struct honk_jval *v, struct honk_buf *tmp);

static int check_record(struct chk *c, const struct honk_field *f,
			const struct honk_jval *v, struct honk_buf *tmp)
{
	const struct honk_jval *k, *k2;
	size_t i, old;
	int bad = 0;

	for (k = v->first; k && k->next; k = k->next->next) {
		const struct honk_field *sub = NULL;

		for (i = 0; i < f->nfields; i++)
			if (strlen(f->fields[i].name) == k->len &&
			    !memcmp(f->fields[i].name, k->str, k->len))
				sub = &f->fields[i];
		if (!sub) {
			honk_buf_reset(tmp);
			show_text(tmp, k->str, k->len, '\'');
			return problem(c, k, "unknown field %s", tmp->buf);
		}
		for (k2 = v->first; k2 != k; k2 = k2->next->next)
			if (k2->len == k->len &&
			    !memcmp(k2->str, k->str, k->len))
				return problem(c, k, "field '%s' given twice",
					       sub->name);
		old = path_push(c, sub->name, strlen(sub->name));
		bad = check_json(c, sub, k->next, tmp);
		honk_buf_setlen(&c->path, old);
		if (bad)
			return 1;
	}
	for (i = 0; i < f->nfields; i++) {
		const struct honk_field *sub = &f->fields[i];

		if (!sub->required)
			continue;
		for (k = v->first; k && k->next; k = k->next->next)
			if (strlen(sub->name) == k->len &&
			    !memcmp(sub->name, k->str, k->len))
				break;
		if (!k)
			return problem(c, v, "required field '%s' is missing",
				       sub->name);
	}
	return 0;
}

static int check_json(struct chk *c, const struct honk_field *f,
		      const struct honk_jval *v, struct honk_buf *tmp)
{
	const struct honk_jval *it;
	size_t i, old;
	int64_t iv;
	double x;

	if (v->type == HONK_J_NULL)
		return f->required ? problem(c, v, "null in a required field")
				   : 0;
	switch (f->type) {
	case HONK_T_BOOLEAN:
		if (v->type == HONK_J_BOOL)
			return 0;
		break;
	case HONK_T_INT32:
	case HONK_T_INT64:
		if (v->type != HONK_J_NUMBER)
			break;
		if (!v->integral)
			return problem(c, v, "%s is not an integer",
				       show_json(tmp, v));
		if (parse_i64(v->str, &iv) < 0 ||
		    (f->type == HONK_T_INT32 &&
		     (iv < INT32_MIN || iv > INT32_MAX)))
			return problem(c, v, "%s is out of %s's range",
				       show_json(tmp, v),
				       honk_ftype_names[f->type]);
		return 0;
	case HONK_T_FLOAT32:
	case HONK_T_FLOAT64:
		if (v->type != HONK_J_NUMBER)
			break;
		x = strtod(v->str, NULL);
		if (!isfinite(x) ||
		    (f->type == HONK_T_FLOAT32 && fabs(x) > FLT_MAX))
			return problem(c, v, "%s is out of %s's range",
				       show_json(tmp, v),
				       honk_ftype_names[f->type]);
		return 0;
	case HONK_T_DECIMAL:
	case HONK_T_DATE:
	case HONK_T_TIME:
	case HONK_T_TIMESTAMP:
	case HONK_T_ENUM:
		if (v->type != HONK_J_STRING)
			break;
		if (honk_sql_text_fits(f, v->str, v->len))
			return 0;
		return text_problem(c, v, f, show_json(tmp, v));
	case HONK_T_STRING:
		if (v->type != HONK_J_STRING)
			break;
		if (memchr(v->str, '\0', v->len))
			return problem(c, v, "a string with U+0000 in it");
		return 0;
	case HONK_T_BYTES:
		if (v->type != HONK_J_STRING)
			break;
		if (base64_decode(NULL, v->str, v->len) < 0)
			return problem(c, v, "%s is not base64 (bytes)",
				       show_json(tmp, v));
		return 0;
	case HONK_T_RECORD:
		if (v->type != HONK_J_OBJECT)
			break;
		return check_record(c, f, v, tmp);
	case HONK_T_ARRAY:
		if (v->type != HONK_J_ARRAY)
			break;
		for (it = v->first, i = 0; it && f->items; it = it->next, i++) {
			old = c->path.len;
			honk_buf_addf(&c->path, "[%zu]", i);
			if (check_json(c, f->items, it, tmp))
				return 1;
			honk_buf_setlen(&c->path, old);
		}
		return 0;
	case HONK_T_MAP:
		if (v->type != HONK_J_OBJECT)
			break;
		for (it = v->first; it && it->next && f->values;
		     it = it->next->next) {
			old = c->path.len;
			honk_buf_addch(&c->path, '[');
			show_text(&c->path, it->str, it->len, '"');
			honk_buf_addch(&c->path, ']');
			if (check_json(c, f->values, it->next, tmp))
				return 1;
			honk_buf_setlen(&c->path, old);
		}
		return 0;
	default:
		return 0; /* a union holds any JSON value */
	}
	return problem(c, v, "%s is %s, not %s", show_json(tmp, v),
		       json_kinds[v->type], what_of(f));
}

static const char *const cell_kinds[] = {
	[SQLITE_INTEGER] = "an integer", [SQLITE_FLOAT] = "a real",
	[SQLITE_TEXT] = "a text",	 [SQLITE_BLOB] = "a blob",
	[SQLITE_NULL] = "NULL",
};

/* A double that reads back as itself, and as a real ("1.0"). */
static void show_real(struct honk_buf *b, double x)
{
	char s[40];

	snprintf(s, sizeof(s), "%.17g", x);
	honk_buf_addstr(b, s);
	if (!strpbrk(s, ".eEni"))
		honk_buf_addstr(b, ".0");
}

static void show_blob(struct honk_buf *b, const unsigned char *p, size_t n)
{
	size_t i;

	honk_buf_addstr(b, "x'");
	for (i = 0; i < n && i < SHOW_MAX / 2; i++)
		honk_buf_addf(b, "%02x", p[i]);
	honk_buf_addstr(b, n > SHOW_MAX / 2 ? "...'" : "'");
}

/* A SQLite value as SQL would write it, shortened: for messages. */
static const char *show_cell(struct honk_buf *b, sqlite3_value *v)
{
	honk_buf_reset(b);
	switch (sqlite3_value_type(v)) {
	case SQLITE_INTEGER:
		honk_buf_addf(b, "%lld", (long long)sqlite3_value_int64(v));
		break;
	case SQLITE_FLOAT:
		show_real(b, sqlite3_value_double(v));
		break;
	case SQLITE_TEXT:
		show_text(b, (const char *)sqlite3_value_text(v),
			  (size_t)sqlite3_value_bytes(v), '\'');
		break;
	case SQLITE_BLOB:
		show_blob(b, sqlite3_value_blob(v),
			  (size_t)sqlite3_value_bytes(v));
		break;
	default:
		honk_buf_addstr(b, "NULL");
		break;
	}
	return b->buf;
}

/*
 * Does the SQLite value v of a column fit field f? JSON columns are parsed
 * (into `scratch`) and handed to check_json().
 */
static int check_cell(struct chk *c, const struct honk_field *f,
		      sqlite3_value *v, struct honk_arena *scratch,
		      struct honk_buf *tmp)
{
	int t = sqlite3_value_type(v);
	const char *s, *err;
	size_t n;
	int64_t i;
	double x;
	struct honk_jval *j;
	unsigned col;

	if (t == SQLITE_NULL)
		return f->required
			       ? problem(c, NULL, "NULL in a required field")
			       : 0;
	switch (f->type) {
	case HONK_T_BOOLEAN:
		if (t != SQLITE_INTEGER)
			break;
		i = sqlite3_value_int64(v);
		if (i != 0 && i != 1)
			return problem(c, NULL,
				       "%lld is not 0 or 1 (a boolean)",
				       (long long)i);
		return 0;
	case HONK_T_INT32:
		if (t != SQLITE_INTEGER)
			break;
		i = sqlite3_value_int64(v);
		if (i < INT32_MIN || i > INT32_MAX)
			return problem(c, NULL, "%lld is out of int32's range",
				       (long long)i);
		return 0;
	case HONK_T_INT64:
		if (t == SQLITE_INTEGER)
			return 0;
		break;
	case HONK_T_FLOAT32:
	case HONK_T_FLOAT64:
		if (t != SQLITE_FLOAT)
			break;
		x = sqlite3_value_double(v);
		if (f->type == HONK_T_FLOAT32 && !(fabs(x) <= FLT_MAX))
			return problem(c, NULL, "%s is out of float32's range",
				       show_cell(tmp, v));
		return 0;
	case HONK_T_BYTES:
		if (t == SQLITE_BLOB)
			return 0;
		break;
	default:
		if (t != SQLITE_TEXT)
			break;
		s = (const char *)sqlite3_value_text(v);
		n = (size_t)sqlite3_value_bytes(v);
		if (f->type == HONK_T_STRING) {
			if (honk_utf8_valid(s, n) < n)
				return problem(
					c, NULL,
					"%s is not valid UTF-8 (a string)",
					show_cell(tmp, v));
			if (memchr(s, '\0', n))
				return problem(c, NULL,
					       "a string with U+0000 in it");
			return 0;
		}
		if (!is_json_type(f->type)) {
			if (honk_sql_text_fits(f, s, n))
				return 0;
			return text_problem(c, NULL, f, show_cell(tmp, v));
		}
		honk_arena_reset(scratch);
		j = honk_jread(scratch, tmp, s, n, &err, &col);
		if (!j)
			return problem(c, NULL,
				       "%s is not JSON (%s at byte %u)",
				       show_cell(tmp, v), err, col);
		return check_json(c, f, j, tmp);
	}
	return problem(c, NULL, "%s is %s, not %s", show_cell(tmp, v),
		       cell_kinds[t], what_of(f));
}

/* Cells: values to bind */

struct cell {
	int type; /* SQLITE_NULL, _INTEGER, _FLOAT, _TEXT, _BLOB */
	int64_t i;
	double r;
	const char *p;
	size_t n;
};

static int bind_cell(sqlite3_stmt *st, int k, const struct cell *c)
{
	switch (c->type) {
	case SQLITE_INTEGER:
		return sqlite3_bind_int64(st, k, c->i);
	case SQLITE_FLOAT:
		return sqlite3_bind_double(st, k, c->r);
	case SQLITE_TEXT:
		return sqlite3_bind_text64(st, k, c->p, c->n, SQLITE_TRANSIENT,
					   SQLITE_UTF8);
	case SQLITE_BLOB:
		return sqlite3_bind_blob64(st, k, c->n ? c->p : "", c->n,
					   SQLITE_TRANSIENT);
	default:
		return sqlite3_bind_null(st, k);
	}
}

/* Generated rows: every type's edges, in a fixed order */

static const int64_t gen_int32[] = { 0, 1, -1, INT32_MAX, INT32_MIN, 42 };
static const int64_t gen_int64[] = { 0,
				     -1,
				     2147483648LL,
				     -2147483649LL,
				     9007199254740992LL,
				     -9007199254740992LL,
				     1234567890123LL };
static const double gen_float32[] = { 0.0,	1.5,	    -2.25,
				      3.140625, 16777216.0, -0.5 };
static const double gen_float64[] = { 0.0,   0.1,	-1.5,
				      1e300, -2.5e-300, 123456.789 };
static const char *const gen_string[] = {
	"",
	"plain",
	"it's \"quoted\"",
	"back\\slash",
	"line\nbreak\ttab",
	"unicode: \xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x8e\xb5",
};
static const struct {
	const char *p;
	size_t n;
} gen_bytes[] = {
	{ "", 0 },
	{ "\x00\xff", 2 },
	{ "\x00\x01\xfe\xff", 4 },
	{ "Hello", 5 },
};
static const char *const gen_date[] = { "2000-02-29", "1970-01-01",
					"1999-12-31", "2026-12-31",
					"0001-01-01" };
static const char *const gen_time[] = { "00:00:00", "23:59:59", "12:34:56.789",
					"23:59:59.999999" };
static const char *const gen_timestamp[] = {
	"1970-01-01T00:00:00Z",	     "2000-02-29T12:34:56.123456Z",
	"2026-01-01T00:00:00Z",	     "2026-06-01T08:00:00+02:00",
	"1999-12-31T23:59:59-05:30",
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The k-th edge decimal of f, as text in b. */
static void gen_decimal(struct honk_buf *b, const struct honk_field *f,
			size_t k)
{
	static const char *const loose[] = { "0", "-1.5",
					     "12345678901234567890.123456789",
					     "0.001" };
	int64_t ip = f->precision - f->scale, i;

	honk_buf_reset(b);
	if (!f->precision) {
		honk_buf_addstr(b, loose[k % N(loose)]);
		return;
	}
	switch (k % 4) {
	case 0:
		honk_buf_addstr(b, "0");
		return;
	case 1: /* the largest, then the smallest */
	case 2:
		if (k % 4 == 2)
			honk_buf_addch(b, '-');
		if (!ip)
			honk_buf_addch(b, '0');
		for (i = 0; i < ip; i++)
			honk_buf_addch(b, '9');
		if (f->scale)
			honk_buf_addch(b, '.');
		for (i = 0; i < f->scale; i++)
			honk_buf_addch(b, '9');
		return;
	default: /* the least step */
		if (!f->scale) {
			honk_buf_addstr(b, ip ? "1" : "0");
			return;
		}
		honk_buf_addstr(b, "0.");
		for (i = 1; i < f->scale; i++)
			honk_buf_addch(b, '0');
		honk_buf_addch(b, '1');
		return;
	}
}

static size_t gen_count(const struct honk_field *f)
{
	switch (f->type) {
	case HONK_T_BOOLEAN:
		return 2;
	case HONK_T_INT32:
		return N(gen_int32);
	case HONK_T_INT64:
		return N(gen_int64);
	case HONK_T_FLOAT32:
		return N(gen_float32);
	case HONK_T_FLOAT64:
		return N(gen_float64);
	case HONK_T_STRING:
		return N(gen_string);
	case HONK_T_BYTES:
		return N(gen_bytes);
	case HONK_T_DATE:
		return N(gen_date);
	case HONK_T_TIME:
		return N(gen_time);
	case HONK_T_TIMESTAMP:
		return N(gen_timestamp);
	case HONK_T_ENUM:
		return f->nsymbols ? f->nsymbols : 1;
	default:
		return 12; /* decimals and nested values: several shapes */
	}
}

/* Is a value of an optional nested field null at index k? */
static int gen_null(const struct honk_field *f, size_t k)
{
	return !f->required && k % 5 == 4;
}

static void gen_json(struct honk_buf *b, const struct honk_field *f, size_t k,
		     struct honk_buf *tmp);

static void gen_json_scalar(struct honk_buf *b, enum honk_ftype t,
			    const struct honk_field *f, size_t k,
			    struct honk_buf *tmp)
{
	char s[40];

	switch (t) {
	case HONK_T_BOOLEAN:
		honk_buf_addstr(b, k % 2 ? "true" : "false");
		return;
	case HONK_T_INT32:
		honk_buf_addf(b, "%lld",
			      (long long)gen_int32[k % N(gen_int32)]);
		return;
	case HONK_T_INT64:
		honk_buf_addf(b, "%lld",
			      (long long)gen_int64[k % N(gen_int64)]);
		return;
	case HONK_T_FLOAT32:
	case HONK_T_FLOAT64:
		snprintf(s, sizeof(s), "%.17g",
			 t == HONK_T_FLOAT32 ? gen_float32[k % N(gen_float32)]
					     : gen_float64[k % N(gen_float64)]);
		honk_buf_addstr(b, s);
		return;
	case HONK_T_DECIMAL:
		if (!f) {
			honk_buf_addstr(b, "\"0\"");
			return;
		}
		gen_decimal(tmp, f, k);
		honk_jread_quote(b, tmp->buf, tmp->len);
		return;
	case HONK_T_STRING:
		honk_jread_quote(b, gen_string[k % N(gen_string)],
				 strlen(gen_string[k % N(gen_string)]));
		return;
	case HONK_T_BYTES:
		honk_buf_reset(tmp);
		base64_encode(
			tmp,
			(const unsigned char *)gen_bytes[k % N(gen_bytes)].p,
			gen_bytes[k % N(gen_bytes)].n);
		honk_jread_quote(b, tmp->buf, tmp->len);
		return;
	case HONK_T_DATE:
		honk_jread_quote(b, gen_date[k % N(gen_date)], 10);
		return;
	case HONK_T_TIME:
		honk_jread_quote(b, gen_time[k % N(gen_time)],
				 strlen(gen_time[k % N(gen_time)]));
		return;
	case HONK_T_TIMESTAMP:
		honk_jread_quote(b, gen_timestamp[k % N(gen_timestamp)],
				 strlen(gen_timestamp[k % N(gen_timestamp)]));
		return;
	case HONK_T_ENUM:
		if (f && f->nsymbols)
			honk_jread_quote(b, f->symbols[k % f->nsymbols],
					 strlen(f->symbols[k % f->nsymbols]));
		else
			honk_buf_addstr(b, "\"x\"");
		return;
	case HONK_T_RECORD:
	case HONK_T_MAP:
		honk_buf_addstr(b, "{}");
		return;
	case HONK_T_ARRAY:
		honk_buf_addstr(b, "[]");
		return;
	default:
		honk_buf_addstr(b, "null");
		return;
	}
}

static void gen_json(struct honk_buf *b, const struct honk_field *f, size_t k,
		     struct honk_buf *tmp)
{
	size_t i, n;

	switch (f->type) {
	case HONK_T_RECORD:
		honk_buf_addch(b, '{');
		for (i = 0; i < f->nfields; i++) {
			const struct honk_field *sub = &f->fields[i];

			if (i)
				honk_buf_addch(b, ',');
			honk_jread_quote(b, sub->name, strlen(sub->name));
			honk_buf_addch(b, ':');
			if (gen_null(sub, k + i))
				honk_buf_addstr(b, "null");
			else
				gen_json(b, sub, k + i, tmp);
		}
		honk_buf_addch(b, '}');
		return;
	case HONK_T_ARRAY:
		n = k % 3;
		honk_buf_addch(b, '[');
		for (i = 0; i < n && f->items; i++) {
			if (i)
				honk_buf_addch(b, ',');
			if (gen_null(f->items, k + i))
				honk_buf_addstr(b, "null");
			else
				gen_json(b, f->items, k + i, tmp);
		}
		honk_buf_addch(b, ']');
		return;
	case HONK_T_MAP:
		n = k % 3;
		honk_buf_addch(b, '{');
		for (i = 0; i < n && f->values; i++) {
			honk_buf_addf(b, "%s\"k%zu\":", i ? "," : "", i);
			if (gen_null(f->values, k + i))
				honk_buf_addstr(b, "null");
			else
				gen_json(b, f->values, k + i, tmp);
		}
		honk_buf_addch(b, '}');
		return;
	case HONK_T_UNION:
		if (!f->nvariants) {
			honk_buf_addstr(b, "null");
			return;
		}
		gen_json_scalar(b, f->variants[k % f->nvariants], NULL,
				k / f->nvariants, tmp);
		return;
	default:
		gen_json_scalar(b, f->type, f, k, tmp);
		return;
	}
}

/* The k-th generated value of a top-level field; text lives in b. */
static void gen_cell(struct cell *c, const struct honk_field *f, size_t k,
		     struct honk_buf *b, struct honk_buf *tmp)
{
	memset(c, 0, sizeof(*c));
	honk_buf_reset(b);
	switch (f->type) {
	case HONK_T_BOOLEAN:
		c->type = SQLITE_INTEGER;
		c->i = (int64_t)(k % 2);
		return;
	case HONK_T_INT32:
		c->type = SQLITE_INTEGER;
		c->i = gen_int32[k % N(gen_int32)];
		return;
	case HONK_T_INT64:
		c->type = SQLITE_INTEGER;
		c->i = gen_int64[k % N(gen_int64)];
		return;
	case HONK_T_FLOAT32:
		c->type = SQLITE_FLOAT;
		c->r = gen_float32[k % N(gen_float32)];
		return;
	case HONK_T_FLOAT64:
		c->type = SQLITE_FLOAT;
		c->r = gen_float64[k % N(gen_float64)];
		return;
	case HONK_T_BYTES:
		c->type = SQLITE_BLOB;
		c->p = gen_bytes[k % N(gen_bytes)].p;
		c->n = gen_bytes[k % N(gen_bytes)].n;
		return;
	case HONK_T_DECIMAL:
		gen_decimal(b, f, k);
		break;
	case HONK_T_STRING:
		honk_buf_addstr(b, gen_string[k % N(gen_string)]);
		break;
	case HONK_T_DATE:
		honk_buf_addstr(b, gen_date[k % N(gen_date)]);
		break;
	case HONK_T_TIME:
		honk_buf_addstr(b, gen_time[k % N(gen_time)]);
		break;
	case HONK_T_TIMESTAMP:
		honk_buf_addstr(b, gen_timestamp[k % N(gen_timestamp)]);
		break;
	case HONK_T_ENUM:
		honk_buf_addstr(b,
				f->nsymbols ? f->symbols[k % f->nsymbols] : "");
		break;
	default:
		gen_json(b, f, k, tmp);
		break;
	}
	c->type = SQLITE_TEXT;
	c->p = b->buf;
	c->n = b->len;
}

/* The run */

struct run {
	struct honk_validation *out;
	const struct honk_validate_input *in;
	const struct honk_schema *from, *to;
	sqlite3 *db;
	struct honk_buf sql, tmp, tmp2;
	struct honk_arena scratch;
	uint64_t ticks, budget;
	/*
	 * The old rows as keys, read back after loading. Only the fields the
	 * new version carries are compared (compared[i]); the view gives the
	 * others as NULL or their default by design.
	 */
	unsigned char *compared;
	size_t ncompared;
	struct key *keys;
	size_t nkeys;
	struct honk_arena keyarena;
};

struct key {
	const char *p;
	size_t n;
	size_t row; /* 0-based, in rowid order */
	int matched;
};

static int deny_attach(void *payload, int action, const char *a, const char *b,
		       const char *c, const char *d)
{
	(void)payload;
	(void)a;
	(void)b;
	(void)c;
	(void)d;
	return action == SQLITE_ATTACH || action == SQLITE_DETACH ? SQLITE_DENY
								  : SQLITE_OK;
}

/* Called every 1000 VM steps: interrupts past the budget. */
static int progress(void *payload)
{
	struct run *r = payload;

	return ++r->ticks > r->budget;
}

static int db_error(struct run *r, const char *what)
{
	return honk_error_set(HONK_ERROR, "sqlite: %s: %s", what,
			      sqlite3_errmsg(r->db));
}

static int db_open(struct run *r)
{
	int on = 1, off = 0;

	if (sqlite3_open_v2(":memory:", &r->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
			    NULL) != SQLITE_OK)
		return honk_error_set(HONK_ERROR,
				      "sqlite: cannot open a memory database");
	sqlite3_db_config(r->db, SQLITE_DBCONFIG_DEFENSIVE, on, NULL);
	sqlite3_db_config(r->db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, off,
			  NULL);
	sqlite3_limit(r->db, SQLITE_LIMIT_ATTACHED, 0);
	sqlite3_set_authorizer(r->db, deny_attach, NULL);
	sqlite3_progress_handler(r->db, 1000, progress, r);
	return 0;
}

/* Run SQL text from outside; on failure *msg is SQLite's message. */
static int run_text(struct run *r, const char *sql, const char **msg)
{
	char *err = NULL;
	int rc;

	r->ticks = 0;
	rc = sqlite3_exec(r->db, sql, NULL, NULL, &err);
	if (rc == SQLITE_OK)
		return 0;
	honk_buf_reset(&r->tmp);
	if (rc == SQLITE_INTERRUPT)
		honk_buf_addf(&r->tmp,
			      "interrupted: more than %llu steps of work",
			      (unsigned long long)r->budget * 1000);
	else
		honk_buf_addstr(&r->tmp, err ? err : sqlite3_errstr(rc));
	sqlite3_free(err);
	*msg = honk_arena_strdup(&r->out->arena, r->tmp.buf);
	return -1;
}

static struct honk_validate_check *check(struct run *r, const char *name)
{
	struct honk_validate_check *c = &r->out->checks[r->out->nchecks++];

	c->name = name;
	c->passed = 0;
	c->detail = "";
	return c;
}

static void detail(struct run *r, struct honk_validate_check *c,
		   const char *fmt, ...) HONK_PRINTF(3, 4);

static void detail(struct run *r, struct honk_validate_check *c,
		   const char *fmt, ...)
{
	struct honk_buf b = HONK_BUF_INIT;
	va_list ap;
	const char *s;

	va_start(ap, fmt);
	honk_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	s = honk_arena_strdup(&r->out->arena, b.buf);
	c->detail = s ? s : "";
	honk_buf_release(&b);
}

/* "INSERT INTO t (a, b) VALUES (?, ?)" or "SELECT a, b FROM t". */
static int columns_sql(struct run *r, const struct honk_schema *s,
		       const char *table, int insert)
{
	size_t i;
	int err;

	honk_buf_reset(&r->sql);
	honk_buf_addstr(&r->sql, insert ? "INSERT INTO " : "SELECT ");
	if (insert) {
		honk_sql_quote_table(&r->sql, table, HONK_DIALECT_SQLITE);
		honk_buf_addstr(&r->sql, " (");
	}
	for (i = 0; i < s->nfields; i++) {
		if (i)
			honk_buf_addstr(&r->sql, ", ");
		err = honk_sql_quote_ident(&r->sql, s->fields[i].name,
					   HONK_DIALECT_SQLITE);
		if (err < 0)
			return err;
	}
	if (insert) {
		honk_buf_addstr(&r->sql, ") VALUES (");
		for (i = 0; i < s->nfields; i++)
			honk_buf_addstr(&r->sql, i ? ", ?" : "?");
		honk_buf_addstr(&r->sql, ")");
	} else {
		honk_buf_addstr(&r->sql, " FROM ");
		honk_sql_quote_table(&r->sql, table, HONK_DIALECT_SQLITE);
		honk_buf_addstr(&r->sql, " ORDER BY rowid");
	}
	return 0;
}

/* Generated rows, one cell at a time. */
struct rowgen {
	const struct honk_schema *s;
	uint64_t seed;
	size_t *count; /* per field: values given so far */
	struct honk_buf val, tmp;
};

static int rowgen_init(struct rowgen *g, const struct honk_schema *s,
		       uint64_t seed)
{
	g->s = s;
	g->seed = seed;
	honk_buf_init(&g->val, 0);
	honk_buf_init(&g->tmp, 0);
	g->count = calloc(s->nfields + 1, sizeof(*g->count));
	return g->count ? 0 : honk_error_set(HONK_ERROR, "out of memory");
}

static void rowgen_release(struct rowgen *g)
{
	free(g->count);
	honk_buf_release(&g->val);
	honk_buf_release(&g->tmp);
}

/* Field j of row i; its text lives until the next call. */
static void rowgen_cell(struct rowgen *g, size_t i, size_t j, struct cell *c)
{
	const struct honk_field *f = &g->s->fields[j];

	/* NULL in optional fields every sixth row, staggered */
	if (!f->required && (i + j) % 6 == 5) {
		memset(c, 0, sizeof(*c));
		c->type = SQLITE_NULL;
		return;
	}
	gen_cell(c, f, g->count[j]++ + (size_t)(g->seed % gen_count(f)),
		 &g->val, &g->tmp);
}

static int generate(struct run *r, sqlite3_stmt *ins, size_t rows)
{
	struct rowgen g;
	size_t i, j;
	int err;

	if ((err = rowgen_init(&g, r->from, r->in->seed)) < 0)
		return err;
	for (i = 0; i < rows && !err; i++) {
		sqlite3_reset(ins);
		for (j = 0; j < r->from->nfields; j++) {
			struct cell c;

			rowgen_cell(&g, i, j, &c);
			bind_cell(ins, (int)j + 1, &c);
		}
		if (sqlite3_step(ins) != SQLITE_DONE)
			err = db_error(r, "loading a generated row");
	}
	rowgen_release(&g);
	return err;
}

int honk_validate_generated_rows(struct honk_buf *out,
				 const struct honk_schema *s, size_t rows,
				 uint64_t seed)
{
	struct honk_buf line = HONK_BUF_INIT;
	struct rowgen g;
	size_t i, j;
	int err;

	if (s->root || !s->nfields)
		return honk_error_set(
			HONK_EINVALID,
			"rows need a schema of one or more fields");
	if (!rows)
		rows = HONK_VALIDATE_ROWS_DEFAULT;
	if ((err = rowgen_init(&g, s, seed)) < 0)
		return err;
	for (i = 0; i < rows && !err; i++) {
		honk_buf_reset(&line);
		honk_buf_addch(&line, '{');
		for (j = 0; j < s->nfields; j++) {
			const struct honk_field *f = &s->fields[j];
			struct cell c;

			rowgen_cell(&g, i, j, &c);
			if (j)
				honk_buf_addstr(&line, ", ");
			honk_jread_quote(&line, f->name, strlen(f->name));
			honk_buf_addstr(&line, ": ");
			switch (c.type) {
			case SQLITE_INTEGER:
				if (f->type == HONK_T_BOOLEAN)
					honk_buf_addstr(&line,
							c.i ? "true" : "false");
				else
					honk_buf_addf(&line, "%lld",
						      (long long)c.i);
				break;
			case SQLITE_FLOAT:
				honk_buf_addf(&line, "%.17g", c.r);
				break;
			case SQLITE_TEXT:
				if (is_json_type(f->type))
					honk_buf_add(&line, c.p, c.n);
				else
					honk_jread_quote(&line, c.p, c.n);
				break;
			case SQLITE_BLOB:
				honk_buf_addch(&line, '"');
				base64_encode(&line, (const unsigned char *)c.p,
					      c.n);
				honk_buf_addch(&line, '"');
				break;
			default:
				honk_buf_addstr(&line, "null");
				break;
			}
		}
		honk_buf_addstr(&line, "}\n");
		err = honk_buf_add(out, line.buf, line.len);
	}
	honk_buf_release(&line);
	rowgen_release(&g);
	return err;
}

/* A checked sample value as the cell the contract stores. */
static void sample_cell(struct cell *c, const struct honk_field *f,
			const struct honk_jval *v, struct honk_buf *b)
{
	memset(c, 0, sizeof(*c));
	if (v->type == HONK_J_NULL) {
		c->type = SQLITE_NULL;
		return;
	}
	switch (f->type) {
	case HONK_T_BOOLEAN:
		c->type = SQLITE_INTEGER;
		c->i = v->boolean;
		return;
	case HONK_T_INT32:
	case HONK_T_INT64:
		c->type = SQLITE_INTEGER;
		parse_i64(v->str, &c->i);
		return;
	case HONK_T_FLOAT32:
	case HONK_T_FLOAT64:
		c->type = SQLITE_FLOAT;
		c->r = strtod(v->str, NULL);
		return;
	case HONK_T_BYTES:
		honk_buf_reset(b);
		base64_decode(b, v->str, v->len);
		c->type = SQLITE_BLOB;
		c->p = b->buf;
		c->n = b->len;
		return;
	case HONK_T_RECORD:
	case HONK_T_ARRAY:
	case HONK_T_MAP:
	case HONK_T_UNION:
		c->type = SQLITE_TEXT;
		c->p = v->raw;
		c->n = v->rawlen;
		return;
	default:
		c->type = SQLITE_TEXT;
		c->p = v->str;
		c->n = v->len;
		return;
	}
}

/* One sample line: checked field by field, then inserted. */
static void load_line(struct run *r, sqlite3_stmt *ins, const char *line,
		      size_t n, unsigned lineno, struct honk_diags *diags,
		      size_t *bad, size_t *rows)
{
	const char *path = r->in->samples_path ? r->in->samples_path
					       : "samples";
	const struct honk_schema *s = r->from;
	const struct honk_jval **vals = NULL, *k, *obj;
	struct honk_buf *bufs = NULL;
	const char **names = NULL;
	struct chk c;
	const char *err;
	unsigned col;
	size_t i, problems = 0;

	honk_arena_reset(&r->scratch);
	obj = honk_jread(&r->scratch, &r->tmp, line, n, &err, &col);
	if (!obj) {
		honk_diag_add(diags, path, lineno, col, "not JSON: %s", err);
		(*bad)++;
		return;
	}
	if (obj->type != HONK_J_OBJECT) {
		honk_diag_add(diags, path, lineno, obj->col,
			      "a row must be a JSON object, not %s",
			      json_kinds[obj->type]);
		(*bad)++;
		return;
	}
	vals = honk_arena_alloc(&r->scratch, (s->nfields + 1) * sizeof(*vals));
	names = honk_arena_alloc(&r->scratch,
				 (s->nfields + 1) * sizeof(*names));
	bufs = calloc(s->nfields + 1, sizeof(*bufs));
	if (!vals || !names || !bufs) {
		free(bufs);
		honk_diag_add(diags, path, lineno, 1, "out of memory");
		(*bad)++;
		return;
	}
	for (i = 0; i < s->nfields; i++)
		names[i] = s->fields[i].name;
	memset(&c, 0, sizeof(c));
	honk_buf_init(&c.path, 0);
	honk_buf_init(&c.msg, 0);
	for (k = obj->first; k && k->next; k = k->next->next) {
		const char *hint;

		for (i = 0; i < s->nfields; i++)
			if (strlen(s->fields[i].name) == k->len &&
			    !memcmp(s->fields[i].name, k->str, k->len))
				break;
		if (i == s->nfields) {
			honk_buf_reset(&r->tmp);
			show_text(&r->tmp, k->str, k->len, '\'');
			hint = memchr(k->str, '\0', k->len)
				       ? NULL
				       : honk_suggest(k->str, names);
			honk_diag_add(
				diags, path, lineno, k->col,
				"unknown field %s (not in version %lld)%s%s%s",
				r->tmp.buf, (long long)r->in->g->from,
				hint ? ", did you mean '" : "",
				hint ? hint : "", hint ? "'?" : "");
			problems++;
			continue;
		}
		if (vals[i]) {
			honk_diag_add(diags, path, lineno, k->col,
				      "field '%s' given twice", names[i]);
			problems++;
			continue;
		}
		vals[i] = k->next;
		honk_buf_reset(&c.path);
		honk_buf_reset(&c.msg);
		honk_buf_addstr(&c.path, names[i]);
		if (check_json(&c, &s->fields[i], k->next, &r->tmp2)) {
			honk_diag_add(diags, path, lineno,
				      c.at ? c.at->col : k->col, "%s",
				      c.msg.buf);
			problems++;
		}
	}
	for (i = 0; i < s->nfields; i++) {
		if (!vals[i] && s->fields[i].required) {
			honk_diag_add(diags, path, lineno, obj->col,
				      "missing required field '%s'", names[i]);
			problems++;
		}
	}
	if (!problems && !*bad) {
		sqlite3_reset(ins);
		for (i = 0; i < s->nfields; i++) {
			struct cell cl;

			if (!vals[i]) {
				sqlite3_bind_null(ins, (int)i + 1);
				continue;
			}
			sample_cell(&cl, &s->fields[i], vals[i], &bufs[i]);
			bind_cell(ins, (int)i + 1, &cl);
		}
		if (sqlite3_step(ins) != SQLITE_DONE)
			honk_diag_add(diags, path, lineno, 1,
				      "the row does not load: %s",
				      sqlite3_errmsg(r->db));
		else
			(*rows)++;
	}
	if (problems)
		(*bad)++;
	for (i = 0; i < s->nfields; i++)
		honk_buf_release(&bufs[i]);
	free(bufs);
	honk_buf_release(&c.path);
	honk_buf_release(&c.msg);
}

static int load_samples(struct run *r, sqlite3_stmt *ins,
			struct honk_diags *diags, size_t *rows, size_t *nbad)
{
	const char *p = r->in->samples, *end = p + r->in->samples_len;
	const char *path = r->in->samples_path ? r->in->samples_path
					       : "samples";
	unsigned lineno = 0;
	size_t bad = 0, lines = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end, *q;
		size_t n;

		lineno++;
		n = (size_t)(e - p);
		if (n && p[n - 1] == '\r')
			n--;
		for (q = p; q < p + n && (*q == ' ' || *q == '\t'); q++)
			;
		if (q < p + n) {
			if (++lines > HONK_VALIDATE_ROWS_MAX) {
				honk_diag_add(diags, path, lineno, 1,
					      "more than %d rows",
					      HONK_VALIDATE_ROWS_MAX);
				bad++;
				break;
			}
			load_line(r, ins, p, n, lineno, diags, &bad, rows);
		}
		p = nl ? nl + 1 : end;
	}
	if (!lines) {
		honk_diag_add(diags, path, 0, 0, "no rows");
		bad++;
	}
	*nbad = bad;
	return bad ? HONK_EINVALID : 0;
}

/* Keys: a row as self-describing values, to compare rows as multisets */

static void key_add_value(struct honk_buf *k, const struct honk_field *f,
			  sqlite3_value *v, struct run *r)
{
	int t = sqlite3_value_type(v);
	const char *s, *err;
	struct honk_jval *j;
	unsigned col;
	double x;
	size_t n;

	switch (t) {
	case SQLITE_INTEGER:
		honk_buf_addf(k, "I%lld;", (long long)sqlite3_value_int64(v));
		return;
	case SQLITE_FLOAT:
		x = sqlite3_value_double(v);
		honk_buf_addch(k, 'R');
		honk_buf_add(k, &x, sizeof(x));
		return;
	case SQLITE_TEXT:
	case SQLITE_BLOB:
		s = t == SQLITE_TEXT ? (const char *)sqlite3_value_text(v)
				     : sqlite3_value_blob(v);
		n = (size_t)sqlite3_value_bytes(v);
		if (t == SQLITE_TEXT && is_json_type(f->type)) {
			honk_arena_reset(&r->scratch);
			j = honk_jread(&r->scratch, &r->tmp, s, n, &err, &col);
			if (j) {
				honk_buf_reset(&r->tmp2);
				honk_jread_canon(&r->tmp2, j);
				honk_buf_addf(k, "J%zu:", r->tmp2.len);
				honk_buf_add(k, r->tmp2.buf, r->tmp2.len);
				return;
			}
		}
		honk_buf_addf(k, "%c%zu:", t == SQLITE_TEXT ? 'T' : 'B', n);
		honk_buf_add(k, s ? s : "", n);
		return;
	default:
		honk_buf_addch(k, 'N');
		return;
	}
}

/* The next value of a key as SQL would write it; NULL at the end. */
static const char *key_show(struct honk_buf *b, const char **p, const char *end)
{
	const char *s = *p, *colon;
	size_t n;
	double x;

	honk_buf_reset(b);
	if (s >= end)
		return NULL;
	switch (*s++) {
	case 'I':
		colon = memchr(s, ';', (size_t)(end - s));
		honk_buf_add(b, s, (size_t)(colon - s));
		*p = colon + 1;
		return b->buf;
	case 'R':
		memcpy(&x, s, sizeof(x));
		show_real(b, x);
		*p = s + sizeof(x);
		return b->buf;
	case 'N':
		honk_buf_addstr(b, "NULL");
		*p = s;
		return b->buf;
	default:
		n = (size_t)strtoull(s, (char **)&colon, 10);
		colon++;
		if (s[-1] == 'B')
			show_blob(b, (const unsigned char *)colon, n);
		else
			show_text(b, colon, n, '\'');
		*p = colon + n;
		return b->buf;
	}
}

static int cmp_key(const void *pa, const void *pb)
{
	const struct key *a = pa, *b = pb;
	size_t n = a->n < b->n ? a->n : b->n;
	int c = memcmp(a->p, b->p, n);

	if (c)
		return c;
	if (a->n != b->n)
		return a->n < b->n ? -1 : 1;
	return a->row < b->row ? -1 : a->row > b->row;
}

/*
 * Read every row of stmt (columns mapped by cols[i] to schema s's field
 * i) as keys into *keys.
 */
static int read_keys(struct run *r, sqlite3_stmt *st,
		     const struct honk_schema *s, const int *cols,
		     struct key **keys, size_t *nkeys, struct honk_arena *arena)
{
	struct honk_buf k = HONK_BUF_INIT;
	size_t cap = 0, i;
	int rc, err = 0;

	*keys = NULL;
	*nkeys = 0;
	r->ticks = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct key *e;

		honk_buf_reset(&k);
		for (i = 0; i < s->nfields; i++)
			if (r->compared[i])
				key_add_value(&k, &s->fields[i],
					      sqlite3_column_value(st, cols[i]),
					      r);
		if ((err = honk_array_reserve(keys, *nkeys, &cap,
					      sizeof(**keys))) < 0)
			break;
		e = &(*keys)[*nkeys];
		e->p = honk_arena_strndup(arena, k.buf, k.len);
		e->n = k.len;
		e->row = (*nkeys)++;
		e->matched = 0;
		if (!e->p) {
			err = HONK_ERROR;
			break;
		}
	}
	if (!err && rc != SQLITE_DONE)
		err = -2; /* an SQL error: the caller reports it */
	honk_buf_release(&k);
	return err;
}

static int check_load(struct run *r, struct honk_diags *diags)
{
	struct honk_validate_check *c = check(r, "load");
	sqlite3_stmt *ins = NULL, *sel = NULL;
	size_t rows = 0, bad = 0, i;
	int *cols = NULL;
	int err;

	honk_buf_reset(&r->sql);
	if ((err = honk_sqlgen_table(&r->sql, r->from, r->in->g->from_table,
				     HONK_DIALECT_SQLITE)) < 0)
		return err;
	if (sqlite3_exec(r->db, r->sql.buf, NULL, NULL, NULL) != SQLITE_OK) {
		detail(r, c, "creating %s: %s", r->in->g->from_table,
		       sqlite3_errmsg(r->db));
		return 0;
	}
	if ((err = columns_sql(r, r->from, r->in->g->from_table, 1)) < 0)
		return err;
	if (sqlite3_prepare_v2(r->db, r->sql.buf, -1, &ins, NULL) != SQLITE_OK)
		return db_error(r, "preparing the load");
	r->ticks = 0;
	if (sqlite3_exec(r->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		err = db_error(r, "BEGIN");
		goto cleanup;
	}
	if (r->in->samples) {
		err = load_samples(r, ins, diags, &rows, &bad);
		if (err == HONK_EINVALID)
			detail(r, c, "%zu bad row%s in %s", bad,
			       bad == 1 ? "" : "s", r->out->source);
	} else {
		rows = r->in->generated_rows ? r->in->generated_rows
					     : HONK_VALIDATE_ROWS_DEFAULT;
		if (rows > HONK_VALIDATE_ROWS_MAX)
			rows = HONK_VALIDATE_ROWS_MAX;
		err = generate(r, ins, rows);
	}
	if (sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK &&
	    !err)
		err = db_error(r, "COMMIT");
	if (err)
		goto cleanup;
	r->out->rows = rows;

	/* read the old rows back, before any text from outside runs */
	cols = calloc(r->from->nfields + 1, sizeof(*cols));
	if (!cols) {
		err = honk_error_set(HONK_ERROR, "out of memory");
		goto cleanup;
	}
	for (i = 0; i < r->from->nfields; i++)
		cols[i] = (int)i;
	if ((err = columns_sql(r, r->from, r->in->g->from_table, 0)) < 0)
		goto cleanup;
	if (sqlite3_prepare_v2(r->db, r->sql.buf, -1, &sel, NULL) !=
	    SQLITE_OK) {
		err = db_error(r, "reading the old rows");
		goto cleanup;
	}
	err = read_keys(r, sel, r->from, cols, &r->keys, &r->nkeys,
			&r->keyarena);
	if (err == -2)
		err = db_error(r, "reading the old rows");
	if (err)
		goto cleanup;
	c->passed = 1;
	if (r->in->samples)
		detail(r, c, "%zu row%s from %s", rows, rows == 1 ? "" : "s",
		       r->out->source);
	else
		detail(r, c, "%zu generated row%s", rows, rows == 1 ? "" : "s");
cleanup:
	free(cols);
	sqlite3_finalize(ins);
	sqlite3_finalize(sel);
	return err;
}

/* The columns a statement gives, mapped onto schema s: problems to b. */
static size_t map_columns(sqlite3_stmt *st, const struct honk_schema *s,
			  int64_t version, int *cols, struct honk_buf *b,
			  const char *what)
{
	int n = sqlite3_column_count(st), j;
	size_t i, problems = 0;
	int in_order = n == (int)s->nfields;

	for (i = 0; i < s->nfields; i++) {
		cols[i] = -1;
		for (j = 0; j < n; j++)
			if (!strcmp(sqlite3_column_name(st, j),
				    s->fields[i].name))
				cols[i] = j;
		if (cols[i] != (int)i)
			in_order = 0;
		if (cols[i] < 0) {
			honk_buf_addf(b, "%s%s has no column '%s'",
				      b->len ? "\n" : "", what,
				      s->fields[i].name);
			problems++;
		}
	}
	for (j = 0; j < n; j++) {
		for (i = 0; i < s->nfields; i++)
			if (!strcmp(sqlite3_column_name(st, j),
				    s->fields[i].name))
				break;
		if (i == s->nfields) {
			honk_buf_addf(
				b,
				"%s%s has a column '%s' that version %lld does not",
				b->len ? "\n" : "", what,
				sqlite3_column_name(st, j), (long long)version);
			problems++;
		}
	}
	if (!problems && !in_order) {
		honk_buf_addf(b,
			      "%s%s's columns are not in version %lld's order",
			      b->len ? "\n" : "", what, (long long)version);
		problems++;
	}
	return problems;
}

static int check_new_schema(struct run *r)
{
	struct honk_validate_check *c = check(r, "new-schema");
	const struct honk_schema *s = r->to;
	struct honk_buf b = HONK_BUF_INIT;
	sqlite3_stmt *st = NULL;
	size_t problems = 0, rows = 0, i, shown;
	int *cols = NULL, rc, err = 0;
	struct chk k;

	memset(&k, 0, sizeof(k));
	honk_buf_init(&k.path, 0);
	honk_buf_init(&k.msg, 0);
	honk_buf_reset(&r->sql);
	honk_buf_addstr(&r->sql, "SELECT * FROM ");
	honk_sql_quote_table(&r->sql, r->in->g->to_table, HONK_DIALECT_SQLITE);
	honk_buf_addstr(&r->sql, " ORDER BY rowid");
	if (sqlite3_prepare_v2(r->db, r->sql.buf, -1, &st, NULL) != SQLITE_OK) {
		detail(r, c, "%s", sqlite3_errmsg(r->db));
		goto cleanup;
	}
	cols = calloc(s->nfields + 1, sizeof(*cols));
	if (!cols) {
		err = honk_error_set(HONK_ERROR, "out of memory");
		goto cleanup;
	}
	problems = map_columns(st, s, r->in->g->to, cols, &b, "the new table");
	shown = 0;
	r->ticks = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		rows++;
		for (i = 0; i < s->nfields; i++) {
			if (cols[i] < 0)
				continue;
			honk_buf_reset(&k.path);
			honk_buf_reset(&k.msg);
			honk_buf_addstr(&k.path, s->fields[i].name);
			if (!check_cell(&k, &s->fields[i],
					sqlite3_column_value(st, cols[i]),
					&r->scratch, &r->tmp))
				continue;
			problems++;
			if (shown++ < MAX_PROBLEMS)
				honk_buf_addf(&b, "%srow %zu: %s",
					      b.len ? "\n" : "", rows,
					      k.msg.buf);
		}
	}
	if (rc != SQLITE_DONE) {
		detail(r, c, "reading the new table: %s",
		       sqlite3_errmsg(r->db));
		goto cleanup;
	}
	if (rows != r->out->rows) {
		honk_buf_addf(&b, "%s%zu row%s in the new table for %zu loaded",
			      b.len ? "\n" : "", rows, rows == 1 ? "" : "s",
			      r->out->rows);
		problems++;
	}
	if (shown > MAX_PROBLEMS)
		honk_buf_addf(&b, "\nand %zu more", shown - MAX_PROBLEMS);
	if (problems) {
		detail(r, c, "%s", b.buf);
		goto cleanup;
	}
	c->passed = 1;
	detail(r, c, "%zu row%s, every value fits version %lld", rows,
	       rows == 1 ? "" : "s", (long long)r->in->g->to);
cleanup:
	honk_buf_release(&k.path);
	honk_buf_release(&k.msg);
	honk_buf_release(&b);
	free(cols);
	sqlite3_finalize(st);
	return err;
}

/* The fields left out of the comparison, named after the detail. */
static void not_compared(struct run *r, struct honk_validate_check *c)
{
	struct honk_buf b = HONK_BUF_INIT;
	size_t i, n = 0;

	honk_buf_addf(&b, "%s; not compared, not in version %lld: ", c->detail,
		      (long long)r->in->g->to);
	for (i = 0; i < r->from->nfields; i++)
		if (!r->compared[i])
			honk_buf_addf(&b, "%s%s", n++ ? ", " : "",
				      r->from->fields[i].name);
	detail(r, c, "%s", b.buf);
	honk_buf_release(&b);
}

/* "ts: '2026-01-01T00:00:00Z' became NULL; kind: ..." for two keys. */
static void describe_change(struct run *r, struct honk_buf *b,
			    const struct key *old, const struct key *now)
{
	const char *p = old->p, *pe = old->p + old->n;
	const char *q = now->p, *qe = now->p + now->n;
	struct honk_buf a = HONK_BUF_INIT, c = HONK_BUF_INIT;
	size_t i, shown = 0;

	for (i = 0; i < r->from->nfields; i++) {
		const char *p0 = p, *q0 = q;

		if (!r->compared[i])
			continue;
		if (!key_show(&a, &p, pe) || !key_show(&c, &q, qe))
			break;
		if ((size_t)(p - p0) == (size_t)(q - q0) &&
		    !memcmp(p0, q0, (size_t)(p - p0)))
			continue;
		if (shown++ == 3) {
			honk_buf_addstr(b, "; ...");
			break;
		}
		honk_buf_addf(b, "%s%s: %s became %s", shown > 1 ? "; " : "",
			      r->from->fields[i].name, a.buf, c.buf);
	}
	honk_buf_release(&a);
	honk_buf_release(&c);
}

static int check_compat(struct run *r)
{
	struct honk_validate_check *c = check(r, "compat");
	struct honk_buf b = HONK_BUF_INIT, sel = HONK_BUF_INIT;
	struct honk_arena arena = HONK_ARENA_INIT;
	struct key *view = NULL;
	size_t nview = 0, i, j, missing = 0;
	const struct key *first_old = NULL, *first_new = NULL;
	sqlite3_stmt *st = NULL;
	const char *msg;
	int *cols = NULL, err = 0;

	if (run_text(r, r->in->compat_sql, &msg) < 0) {
		c->detail = msg ? msg : "";
		goto cleanup;
	}
	honk_buf_addstr(&sel, "SELECT * FROM ");
	honk_sql_quote_table(&sel, r->in->g->compat_view, HONK_DIALECT_SQLITE);
	if (sqlite3_prepare_v2(r->db, sel.buf, -1, &st, NULL) != SQLITE_OK) {
		detail(r, c, "%s", sqlite3_errmsg(r->db));
		goto cleanup;
	}
	cols = calloc(r->from->nfields + 1, sizeof(*cols));
	if (!cols) {
		err = honk_error_set(HONK_ERROR, "out of memory");
		goto cleanup;
	}
	if (map_columns(st, r->from, r->in->g->from, cols, &b, "the view")) {
		detail(r, c, "%s", b.buf);
		goto cleanup;
	}
	err = read_keys(r, st, r->from, cols, &view, &nview, &arena);
	if (err == -2) {
		err = 0;
		detail(r, c, "reading the view: %s", sqlite3_errmsg(r->db));
		goto cleanup;
	}
	if (err)
		goto cleanup;

	/* multisets: sort both, walk them together */
	if (r->nkeys)
		qsort(r->keys, r->nkeys, sizeof(*r->keys), cmp_key);
	if (nview)
		qsort(view, nview, sizeof(*view), cmp_key);
	for (i = j = 0; i < r->nkeys && j < nview;) {
		struct key a = r->keys[i], v = view[j];
		int d;

		a.row = v.row = 0;
		d = cmp_key(&a, &v);
		if (!d) {
			r->keys[i++].matched = 1;
			view[j++].matched = 1;
		} else if (d < 0) {
			i++;
		} else {
			j++;
		}
	}
	for (i = 0; i < r->nkeys; i++) {
		if (!r->keys[i].matched) {
			missing++;
			if (!first_old || r->keys[i].row < first_old->row)
				first_old = &r->keys[i];
		}
	}
	for (i = 0; i < nview; i++)
		if (!view[i].matched &&
		    (!first_new || view[i].row < first_new->row))
			first_new = &view[i];
	if (!missing && nview == r->nkeys) {
		c->passed = 1;
		detail(r, c, "%zu of %zu rows given back", r->nkeys, r->nkeys);
		if (r->ncompared < r->from->nfields)
			not_compared(r, c);
		goto cleanup;
	}
	if (missing)
		honk_buf_addf(&b, "%zu of %zu rows not given back", missing,
			      r->nkeys);
	if (nview != r->nkeys)
		honk_buf_addf(&b, "%sthe view has %zu row%s for %zu",
			      b.len ? "; " : "", nview, nview == 1 ? "" : "s",
			      r->nkeys);
	if (first_old && first_new) {
		honk_buf_addf(&b, "; first, row %zu: ", first_old->row + 1);
		describe_change(r, &b, first_old, first_new);
	} else if (first_old) {
		honk_buf_addf(&b, "; first missing: row %zu",
			      first_old->row + 1);
	}
	detail(r, c, "%s", b.buf);
cleanup:
	sqlite3_finalize(st);
	free(cols);
	free(view);
	honk_arena_release(&arena);
	honk_buf_release(&b);
	honk_buf_release(&sel);
	return err;
}

int honk_validate_sql(struct honk_validation *out,
		      const struct honk_validate_input *in,
		      struct honk_diags *diags)
{
	struct run r;
	struct honk_validate_check *c;
	const char *msg = NULL;
	int err = 0, loaded, transformed = 0;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (!in || !in->g || !in->transform_sql || !in->compat_sql ||
	    (in->samples && !diags))
		return honk_error_set(
			HONK_EUSAGE,
			"validation needs the generated form, both SQL texts, and diags for samples");
	memset(&r, 0, sizeof(r));
	r.out = out;
	r.in = in;
	r.from = in->from ? in->from : in->g->from_schema;
	r.to = in->to ? in->to : in->g->to_schema;
	if (!r.from || !r.to)
		return honk_error_set(HONK_EUSAGE,
				      "validation needs both schemas");
	honk_buf_init(&r.sql, 0);
	honk_buf_init(&r.tmp, 0);
	honk_buf_init(&r.tmp2, 0);
	out->checks = honk_arena_alloc(&out->arena, 4 * sizeof(*out->checks));
	out->source = in->samples ? honk_arena_strdup(&out->arena,
						      in->samples_path
							      ? in->samples_path
							      : "samples")
				  : "generated";
	if (!out->checks || !out->source) {
		err = honk_error_set(HONK_ERROR, "out of memory");
		goto cleanup;
	}
	r.compared = calloc(r.from->nfields + 1, 1);
	if (!r.compared) {
		err = honk_error_set(HONK_ERROR, "out of memory");
		goto cleanup;
	}
	for (i = 0; i < r.from->nfields; i++) {
		const struct honk_sqlcol *sc = NULL;
		size_t j;

		for (j = 0; j < in->g->ncompat; j++)
			if (!strcmp(in->g->compat[j].field->name,
				    r.from->fields[i].name))
				sc = &in->g->compat[j];
		r.compared[i] = !sc || sc->source;
		r.ncompared += r.compared[i];
	}
	if ((err = db_open(&r)) < 0)
		goto cleanup;
	/* loading: a generous bound; the texts: one that grows with the rows */
	r.budget = UINT64_MAX / 2;
	err = check_load(&r, diags);
	r.budget = 10000 + (uint64_t)out->rows * 100;
	loaded = !err && out->checks[0].passed;
	if (err && err != HONK_EINVALID)
		goto cleanup;

	c = check(&r, "transform");
	if (!loaded) {
		c->detail = "not run: load failed";
	} else if (run_text(&r, in->transform_sql, &msg) < 0) {
		c->detail = msg ? msg : "";
	} else {
		c->passed = transformed = 1;
		c->detail = "ran";
	}
	if (!transformed) {
		msg = loaded ? "not run: transform failed"
			     : "not run: load failed";
		check(&r, "new-schema")->detail = msg;
		check(&r, "compat")->detail = msg;
	} else {
		int e2;

		if ((e2 = check_new_schema(&r)) < 0 ||
		    (e2 = check_compat(&r)) < 0) {
			err = e2;
			goto cleanup;
		}
	}
	out->passed = 1;
	for (i = 0; i < out->nchecks; i++)
		out->passed &= out->checks[i].passed;
cleanup:
	if (err && err != HONK_EINVALID)
		out->passed = 0;
	if (r.db)
		sqlite3_close(r.db);
	free(r.keys);
	free(r.compared);
	honk_arena_release(&r.keyarena);
	honk_arena_release(&r.scratch);
	honk_buf_release(&r.sql);
	honk_buf_release(&r.tmp);
	honk_buf_release(&r.tmp2);
	if (err == HONK_EINVALID)
		honk_error_set(HONK_EINVALID, "%s: bad samples", out->source);
	return err;
}

void honk_validation_release(struct honk_validation *v)
{
	if (!v)
		return;
	honk_arena_release(&v->arena);
	memset(v, 0, sizeof(*v));
}
