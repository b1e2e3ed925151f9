/*
 * SQL generation: one intermediate form for a migration, three renderers.
 *
 * honk_sqlgen_build() decides, field by field, where each column of the
 * new table (transform) and of the compat view comes from and how it is
 * converted; the renderers only spell those decisions in a dialect. So
 * the three dialects cannot disagree about what a migration does, and a
 * decision that is not safe (a narrowing, a nested change, a required
 * value that nothing provides) is made once, as a manual item, never as
 * a silent guess in one renderer.
 *
 * Invariants: every name that reaches the output is quoted by
 * honk_sql_quote_ident() or honk_sql_quote_table(), every literal by
 * put_string(), and every comment by put_comment() (which keeps a comment
 * on its line); the output depends only on the two schemas, the names and
 * the dialect, so the same input gives the same bytes.
 */
#include "sqlgen.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "error.h"
#include "parse.h"
#include "banned.h"

const char *const honk_dialect_names[] = { "sqlite", "postgres", "bigquery",
					   NULL };

int honk_dialect_parse(enum honk_dialect *out, const char *name)
{
	int i;

	for (i = 0; i < HONK_DIALECT__COUNT; i++) {
		if (name && !strcmp(name, honk_dialect_names[i])) {
			*out = (enum honk_dialect)i;
			return 0;
		}
	}
	return honk_error_set(
		HONK_EINVALID,
		"unknown dialect '%s' (sqlite, postgres, bigquery)",
		name ? name : "");
}

/* A sticky writer: the first error is kept, later writes do nothing. */
struct w {
	struct honk_buf *b;
	int err;
};

static void put(struct w *w, const char *s)
{
	if (!w->err)
		w->err = honk_buf_addstr(w->b, s);
}

static void putn(struct w *w, const char *s, size_t n)
{
	if (!w->err)
		w->err = honk_buf_add(w->b, s, n);
}

static void putf(struct w *w, const char *fmt, ...) HONK_PRINTF(2, 3);

static void putf(struct w *w, const char *fmt, ...)
{
	va_list ap;

	if (w->err)
		return;
	va_start(ap, fmt);
	w->err = honk_buf_vaddf(w->b, fmt, ap);
	va_end(ap);
}

static void fail(struct w *w, int code, const char *fmt, ...) HONK_PRINTF(3, 4);

static void fail(struct w *w, int code, const char *fmt, ...)
{
	va_list ap;

	if (w->err)
		return;
	va_start(ap, fmt);
	w->err = honk_error_setv(code, fmt, ap);
	va_end(ap);
}

/* Names, literals, comments */

static void quote_ident_n(struct w *w, const char *s, size_t n,
			  enum honk_dialect d)
{
	char q = d == HONK_DIALECT_BIGQUERY ? '`' : '"';
	size_t i, start = 0;

	putn(w, &q, 1);
	for (i = 0; i < n; i++) {
		if (s[i] == q) {
			putn(w, s + start, i - start);
			put(w, d == HONK_DIALECT_BIGQUERY ? "\\`" : "\"\"");
			start = i + 1;
		} else if (d == HONK_DIALECT_BIGQUERY && s[i] == '\\') {
			putn(w, s + start, i - start);
			put(w, "\\\\");
			start = i + 1;
		}
	}
	putn(w, s + start, n - start);
	putn(w, &q, 1);
}

int honk_sql_quote_ident(struct honk_buf *out, const char *name,
			 enum honk_dialect d)
{
	struct w w = { out, 0 };

	quote_ident_n(&w, name, strlen(name), d);
	return w.err;
}

/* PostgreSQL keeps the last two parts: the schema (if any) and the name. */
static const char *pg_schema(const char *table, size_t *len)
{
	const char *last = strrchr(table, '.'), *p;

	if (!last)
		return NULL;
	for (p = last; p > table && p[-1] != '.'; p--)
		;
	*len = (size_t)(last - p);
	return p;
}

static void quote_table(struct w *w, const char *table, enum honk_dialect d)
{
	const char *schema;
	size_t n;

	if (d != HONK_DIALECT_POSTGRES || !(schema = pg_schema(table, &n))) {
		quote_ident_n(w, table, strlen(table), d);
		return;
	}
	quote_ident_n(w, schema, n, d);
	put(w, ".");
	quote_ident_n(w, schema + n + 1, strlen(schema + n + 1), d);
}

int honk_sql_quote_table(struct honk_buf *out, const char *table,
			 enum honk_dialect d)
{
	struct w w = { out, 0 };

	quote_table(&w, table, d);
	return w.err;
}

/* A string literal: quotes doubled; BigQuery's backslash escapes. */
static void put_string(struct w *w, const char *s, enum honk_dialect d)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;

	put(w, "'");
	for (; *p; p++) {
		if (*p == '\'') {
			put(w, d == HONK_DIALECT_BIGQUERY ? "\\'" : "''");
		} else if (d == HONK_DIALECT_BIGQUERY &&
			   (*p == '\\' || *p < 0x20 || *p == 0x7f)) {
			char e[4] = { '\\', 'x', hex[*p >> 4], hex[*p & 15] };

			if (*p == '\\')
				put(w, "\\\\");
			else if (*p == '\n')
				put(w, "\\n");
			else
				putn(w, e, 4);
		} else {
			putn(w, (const char *)p, 1);
		}
	}
	put(w, "'");
}

/* Comment text on one line: control characters become '?'. */
static void put_comment(struct w *w, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		putn(w, c < 0x20 || c == 0x7f ? "?" : s, 1);
	}
}

/* Tables from locations */

static int part_char(char c, int first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || (!first && c == '-');
}

/* One to three dot-separated parts of [A-Za-z0-9_][A-Za-z0-9_-]*. */
static int table_name_valid(const char *s)
{
	size_t parts = 1;
	int first = 1;

	if (!*s)
		return 0;
	for (; *s; s++) {
		if (*s == '.') {
			if (first)
				return 0;
			parts++;
			first = 1;
			continue;
		}
		if (!part_char(*s, first))
			return 0;
		first = 0;
	}
	return !first && parts <= 3;
}

static const char *table_of(struct honk_arena *a, const char *dataset,
			    const struct honk_version *v)
{
	const char *loc = v->location, *scheme;
	struct honk_buf b = HONK_BUF_INIT;
	const char *s, *p;

	if (loc) {
		scheme = strstr(loc, "://");
		if (scheme)
			loc = scheme + 3;
		if (table_name_valid(loc))
			return honk_arena_strdup(a, loc);
	}
	for (p = dataset; *p; p++)
		honk_buf_addch(&b, *p == '.' ? '_' : *p);
	honk_buf_addf(&b, "_v%lld", (long long)v->version);
	s = honk_arena_strndup(a, b.buf, b.len);
	honk_buf_release(&b);
	return s;
}

/* Types */

static int is_nested(enum honk_ftype t)
{
	return t == HONK_T_RECORD || t == HONK_T_ARRAY || t == HONK_T_MAP;
}

static void put_type(struct w *w, const struct honk_field *f,
		     enum honk_dialect d, int ddl);

static void put_bq_decimal(struct w *w, const struct honk_field *f)
{
	int64_t p = f->precision, s = f->scale;

	if (!p)
		put(w, "BIGNUMERIC");
	else if (s <= 9 && p - s <= 29)
		putf(w, "NUMERIC(%lld, %lld)", (long long)p, (long long)s);
	else if (s <= 38 && p - s <= 38)
		putf(w, "BIGNUMERIC(%lld, %lld)", (long long)p, (long long)s);
	else
		fail(w, HONK_EINVALID,
		     "decimal(%lld,%lld) fits neither BigQuery's NUMERIC nor its BIGNUMERIC",
		     (long long)p, (long long)s);
}

/* BigQuery: a field of a STRUCT, NOT NULL only in DDL and never on arrays. */
static void put_bq_member(struct w *w, const char *name,
			  const struct honk_field *f, int ddl)
{
	quote_ident_n(w, name, strlen(name), HONK_DIALECT_BIGQUERY);
	put(w, " ");
	put_type(w, f, HONK_DIALECT_BIGQUERY, ddl);
	if (ddl && f->required && f->type != HONK_T_ARRAY &&
	    f->type != HONK_T_MAP)
		put(w, " NOT NULL");
}

static void put_bq_type(struct w *w, const struct honk_field *f, int ddl)
{
	static const char *const names[] = {
		[HONK_T_BOOLEAN] = "BOOL",    [HONK_T_INT32] = "INT64",
		[HONK_T_INT64] = "INT64",     [HONK_T_FLOAT32] = "FLOAT64",
		[HONK_T_FLOAT64] = "FLOAT64", [HONK_T_STRING] = "STRING",
		[HONK_T_BYTES] = "BYTES",     [HONK_T_DATE] = "DATE",
		[HONK_T_TIME] = "TIME",	      [HONK_T_TIMESTAMP] = "TIMESTAMP",
		[HONK_T_ENUM] = "STRING",
	};
	const struct honk_field *it;
	size_t i;

	switch (f->type) {
	case HONK_T_DECIMAL:
		put_bq_decimal(w, f);
		return;
	case HONK_T_RECORD:
		put(w, "STRUCT<");
		for (i = 0; i < f->nfields; i++) {
			if (i)
				put(w, ", ");
			put_bq_member(w, f->fields[i].name, &f->fields[i], ddl);
		}
		put(w, ">");
		return;
	case HONK_T_ARRAY:
		it = f->items;
		put(w, "ARRAY<");
		if (it &&
		    (it->type == HONK_T_ARRAY || it->type == HONK_T_MAP)) {
			/* no arrays of arrays: each item in a STRUCT */
			put(w, "STRUCT<");
			put_bq_member(w, "item", it, ddl);
			put(w, ">");
		} else if (it) {
			put_type(w, it, HONK_DIALECT_BIGQUERY, ddl);
		}
		put(w, ">");
		return;
	case HONK_T_MAP:
		put(w, ddl ? "ARRAY<STRUCT<`key` STRING NOT NULL, "
			   : "ARRAY<STRUCT<`key` STRING, ");
		if (f->values)
			put_bq_member(w, "value", f->values, ddl);
		put(w, ">>");
		return;
	case HONK_T_UNION:
		put(w, "JSON");
		return;
	default:
		if ((size_t)f->type < sizeof(names) / sizeof(names[0]) &&
		    names[f->type])
			put(w, names[f->type]);
		else
			fail(w, HONK_EINVALID, "type %d has no BigQuery form",
			     (int)f->type);
		return;
	}
}

/* The column's storage type; ddl adds what only a table definition has. */
static void put_type(struct w *w, const struct honk_field *f,
		     enum honk_dialect d, int ddl)
{
	static const char *const sqlite[] = {
		[HONK_T_BOOLEAN] = "INTEGER", [HONK_T_INT32] = "INTEGER",
		[HONK_T_INT64] = "INTEGER",   [HONK_T_FLOAT32] = "REAL",
		[HONK_T_FLOAT64] = "REAL",    [HONK_T_DECIMAL] = "TEXT",
		[HONK_T_STRING] = "TEXT",     [HONK_T_BYTES] = "BLOB",
		[HONK_T_DATE] = "TEXT",	      [HONK_T_TIME] = "TEXT",
		[HONK_T_TIMESTAMP] = "TEXT",  [HONK_T_RECORD] = "TEXT",
		[HONK_T_ARRAY] = "TEXT",      [HONK_T_MAP] = "TEXT",
		[HONK_T_ENUM] = "TEXT",	      [HONK_T_UNION] = "TEXT",
	};
	static const char *const postgres[] = {
		[HONK_T_BOOLEAN] = "BOOLEAN",
		[HONK_T_INT32] = "INTEGER",
		[HONK_T_INT64] = "BIGINT",
		[HONK_T_FLOAT32] = "REAL",
		[HONK_T_FLOAT64] = "DOUBLE PRECISION",
		[HONK_T_STRING] = "TEXT",
		[HONK_T_BYTES] = "BYTEA",
		[HONK_T_DATE] = "DATE",
		[HONK_T_TIME] = "TIME",
		[HONK_T_TIMESTAMP] = "TIMESTAMPTZ",
		[HONK_T_RECORD] = "JSONB",
		[HONK_T_ARRAY] = "JSONB",
		[HONK_T_MAP] = "JSONB",
		[HONK_T_ENUM] = "TEXT",
		[HONK_T_UNION] = "JSONB",
	};
	size_t t = (size_t)f->type;

	switch (d) {
	case HONK_DIALECT_SQLITE:
		if (t < sizeof(sqlite) / sizeof(sqlite[0]) && sqlite[t])
			put(w, sqlite[t]);
		else
			fail(w, HONK_EINVALID, "type %d has no SQLite form",
			     (int)f->type);
		return;
	case HONK_DIALECT_POSTGRES:
		if (f->type == HONK_T_DECIMAL && f->precision)
			putf(w, "NUMERIC(%lld, %lld)", (long long)f->precision,
			     (long long)f->scale);
		else if (f->type == HONK_T_DECIMAL)
			put(w, "NUMERIC");
		else if (t < sizeof(postgres) / sizeof(postgres[0]) &&
			 postgres[t])
			put(w, postgres[t]);
		else
			fail(w, HONK_EINVALID, "type %d has no PostgreSQL form",
			     (int)f->type);
		return;
	default:
		put_bq_type(w, f, ddl);
		return;
	}
}

/* Do two fields have the same storage type in d? */
static int same_storage(const struct honk_field *a, const struct honk_field *b,
			enum honk_dialect d, int *err)
{
	struct honk_buf ba = HONK_BUF_INIT, bb = HONK_BUF_INIT;
	struct w wa = { &ba, 0 }, wb = { &bb, 0 };
	int same;

	put_type(&wa, a, d, 0);
	put_type(&wb, b, d, 0);
	*err = wa.err ? wa.err : wb.err;
	same = !strcmp(ba.buf, bb.buf);
	honk_buf_release(&ba);
	honk_buf_release(&bb);
	return same;
}

/* Values in text form: the storage contract's checks */

static int digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static unsigned num(const char *s, size_t n)
{
	unsigned v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v = v * 10 + (unsigned)(s[i] - '0');
	return v;
}

static int date_fits(const char *s, size_t n)
{
	static const unsigned char mdays[] = { 31, 28, 31, 30, 31, 30,
					       31, 31, 30, 31, 30, 31 };
	unsigned y, m, d, last;

	if (n != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4) ||
	    !digits(s + 5, 2) || !digits(s + 8, 2))
		return 0;
	y = num(s, 4);
	m = num(s + 5, 2);
	d = num(s + 8, 2);
	if (y < 1 || m < 1 || m > 12)
		return 0;
	last = mdays[m - 1];
	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		last = 29;
	return d >= 1 && d <= last;
}

/* HH:MM:SS[.f{1,6}]; returns the length matched, 0 for none. */
static size_t time_len(const char *s, size_t n)
{
	size_t i = 8;

	if (n < 8 || s[2] != ':' || s[5] != ':' || !digits(s, 2) ||
	    !digits(s + 3, 2) || !digits(s + 6, 2) || num(s, 2) > 23 ||
	    num(s + 3, 2) > 59 || num(s + 6, 2) > 59)
		return 0;
	if (i < n && s[i] == '.') {
		size_t f = 0;

		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			f++;
		if (f < 1 || f > 6)
			return 0;
	}
	return i;
}

static int timestamp_fits(const char *s, size_t n)
{
	size_t t;

	if (n < 20 || !date_fits(s, 10) || s[10] != 'T')
		return 0;
	t = time_len(s + 11, n - 11);
	if (!t)
		return 0;
	s += 11 + t;
	n -= 11 + t;
	if (n == 1 && s[0] == 'Z')
		return 1;
	return n == 6 && (s[0] == '+' || s[0] == '-') && s[3] == ':' &&
	       digits(s + 1, 2) && digits(s + 4, 2) && num(s + 1, 2) <= 23 &&
	       num(s + 4, 2) <= 59;
}

static int decimal_fits(const struct honk_field *f, const char *s, size_t n)
{
	size_t i = 0, ip, fp = 0;

	if (i < n && s[i] == '-')
		i++;
	for (ip = 0; i + ip < n && s[i + ip] >= '0' && s[i + ip] <= '9'; ip++)
		;
	if (!ip || (ip > 1 && s[i] == '0'))
		return 0;
	if (ip == 1 && s[i] == '0')
		ip = 0; /* "0.5": no digit before the point counts */
	i += ip ? ip : 1;
	if (i < n) {
		if (s[i] != '.')
			return 0;
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			fp++;
		if (!fp || i != n)
			return 0;
	}
	if (!f->precision)
		return 1;
	return fp <= (size_t)f->scale &&
	       ip <= (size_t)(f->precision - f->scale);
}

int honk_sql_text_fits(const struct honk_field *f, const char *s, size_t len)
{
	size_t i;

	switch (f->type) {
	case HONK_T_DATE:
		return date_fits(s, len);
	case HONK_T_TIME:
		return len > 0 && time_len(s, len) == len;
	case HONK_T_TIMESTAMP:
		return timestamp_fits(s, len);
	case HONK_T_DECIMAL:
		return decimal_fits(f, s, len);
	case HONK_T_ENUM:
		for (i = 0; i < f->nsymbols; i++)
			if (strlen(f->symbols[i]) == len &&
			    !memcmp(f->symbols[i], s, len))
				return 1;
		return 0;
	default:
		return 0;
	}
}

/* A JSON-style number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static int number_text(const char *s)
{
	const char *p = s;
	char *end;
	double v;

	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (*p >= '0' && *p <= '9')
			p++;
	else
		return 0;
	if (*p == '.') {
		if (!(*++p >= '0' && *p <= '9'))
			return 0;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!(*p >= '0' && *p <= '9'))
			return 0;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p)
		return 0;
	v = strtod(s, &end);
	return *end == '\0' && isfinite(v);
}

/* Is the field's default a value of its type? */
static int default_valid(const struct honk_field *f)
{
	const char *v = f->default_value;
	int64_t i;
	double x;

	switch (f->type) {
	case HONK_T_BOOLEAN:
		return !strcmp(v, "true") || !strcmp(v, "false");
	case HONK_T_INT32:
		return honk_parse_int(&i, v, INT32_MIN, INT32_MAX) == 0;
	case HONK_T_INT64:
		return honk_parse_int(&i, v, INT64_MIN, INT64_MAX) == 0;
	case HONK_T_FLOAT32:
		if (!number_text(v))
			return 0;
		x = strtod(v, NULL);
		return x <= FLT_MAX && x >= -FLT_MAX;
	case HONK_T_FLOAT64:
		return number_text(v);
	case HONK_T_STRING:
	case HONK_T_BYTES:
		return 1;
	case HONK_T_DECIMAL:
	case HONK_T_DATE:
	case HONK_T_TIME:
	case HONK_T_TIMESTAMP:
	case HONK_T_ENUM:
		return honk_sql_text_fits(f, v, strlen(v));
	default:
		return 0;
	}
}

static void put_hex(struct w *w, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;

	for (; *p; p++) {
		char h[2] = { hex[*p >> 4], hex[*p & 15] };

		putn(w, h, 2);
	}
}

/* A float literal that reads as a float: "1" becomes "1.0". */
static void put_float(struct w *w, const char *v)
{
	put(w, v);
	if (!strpbrk(v, ".eE"))
		put(w, ".0");
}

/* The field's default (known valid) as a literal of its type. */
static void put_literal(struct w *w, const struct honk_field *f,
			enum honk_dialect d)
{
	const char *v = f->default_value;
	int pg = d == HONK_DIALECT_POSTGRES, bq = d == HONK_DIALECT_BIGQUERY;

	switch (f->type) {
	case HONK_T_BOOLEAN:
		if (d == HONK_DIALECT_SQLITE)
			put(w, !strcmp(v, "true") ? "1" : "0");
		else
			put(w, !strcmp(v, "true") ? "TRUE" : "FALSE");
		return;
	case HONK_T_INT32:
	case HONK_T_INT64:
	case HONK_T_FLOAT32:
	case HONK_T_FLOAT64:
		if (pg) {
			put(w, "CAST(");
			put(w, v);
			put(w, " AS ");
			put_type(w, f, d, 0);
			put(w, ")");
		} else if (f->type == HONK_T_INT32 || f->type == HONK_T_INT64) {
			put(w, v);
		} else {
			put_float(w, v);
		}
		return;
	case HONK_T_DECIMAL:
		if (pg) {
			put(w, "CAST(");
			put(w, v);
			put(w, " AS ");
			put_type(w, f, d, 0);
			put(w, ")");
			return;
		}
		/* BigQuery: a literal of the type without (p, s) */
		if (bq && f->precision && f->scale <= 9 &&
		    f->precision - f->scale <= 29)
			put(w, "NUMERIC ");
		else if (bq)
			put(w, "BIGNUMERIC ");
		put_string(w, v, d);
		return;
	case HONK_T_BYTES:
		if (d == HONK_DIALECT_SQLITE) {
			put(w, "X'");
			put_hex(w, v);
			put(w, "'");
		} else {
			put(w, pg ? "decode('" : "FROM_HEX('");
			put_hex(w, v);
			put(w, pg ? "', 'hex')" : "')");
		}
		return;
	case HONK_T_DATE:
	case HONK_T_TIME:
	case HONK_T_TIMESTAMP:
		if (d != HONK_DIALECT_SQLITE) {
			put_type(w, f, d, 0);
			put(w, " ");
		}
		put_string(w, v, d);
		return;
	default:
		put_string(w, v, d);
		return;
	}
}

/* NULL of the column's type (a view's column needs one in PG and BQ). */
static void put_null(struct w *w, const struct honk_field *f,
		     enum honk_dialect d)
{
	if (d == HONK_DIALECT_SQLITE) {
		put(w, "NULL");
		return;
	}
	put(w, "CAST(NULL AS ");
	put_type(w, f, d, 0);
	put(w, ")");
}

/* Classification: how the values of one field reach another */

enum step {
	STEP_SAME,   /* every value fits as it is */
	STEP_WIDEN,  /* every value fits after a cast */
	STEP_NARROW, /* the reverse of a widening: some values may not fit */
	STEP_OTHER   /* no safe conversion */
};

static int widens(enum honk_ftype from, enum honk_ftype to)
{
	switch (from) {
	case HONK_T_INT32:
		return to == HONK_T_INT64 || to == HONK_T_FLOAT64;
	case HONK_T_INT64:
	case HONK_T_FLOAT32:
		return to == HONK_T_FLOAT64;
	case HONK_T_STRING:
		return to == HONK_T_BYTES;
	case HONK_T_BYTES:
		return to == HONK_T_STRING;
	default:
		return 0;
	}
}

/* Does decimal b hold every value of decimal a? Unset precision: any. */
static int decimal_holds(const struct honk_field *a, const struct honk_field *b)
{
	if (!b->precision)
		return 1;
	if (!a->precision)
		return 0;
	return b->scale >= a->scale &&
	       b->precision - b->scale >= a->precision - a->scale;
}

struct gen {
	struct honk_sqlgen *g;
	struct honk_buf tmp;
	int err;
};

static const char *keep(struct gen *x, const char *s)
{
	const char *r;

	if (x->err)
		return NULL;
	r = honk_arena_strdup(&x->g->arena, s);
	if (!r)
		x->err = HONK_ERROR;
	return r;
}

static const char *tmpf(struct gen *x, const char *fmt, ...) HONK_PRINTF(2, 3);

/* Format into the arena. */
static const char *tmpf(struct gen *x, const char *fmt, ...)
{
	va_list ap;
	int err;

	honk_buf_reset(&x->tmp);
	va_start(ap, fmt);
	err = honk_buf_vaddf(&x->tmp, fmt, ap);
	va_end(ap);
	if (err < 0 && !x->err)
		x->err = err;
	return keep(x, x->tmp.buf);
}

/* "decimal(10,2)", "union(int64|string)" or the type's name. */
static const char *type_label(struct gen *x, const struct honk_field *f)
{
	struct honk_buf b = HONK_BUF_INIT;
	const char *s;
	size_t i;

	if (f->type == HONK_T_DECIMAL && f->precision)
		return tmpf(x, "decimal(%lld,%lld)", (long long)f->precision,
			    (long long)f->scale);
	if (f->type != HONK_T_UNION)
		return honk_ftype_names[f->type];
	honk_buf_addstr(&b, "union(");
	for (i = 0; i < f->nvariants; i++)
		honk_buf_addf(&b, "%s%s", i ? "|" : "",
			      honk_ftype_names[f->variants[i]]);
	honk_buf_addch(&b, ')');
	s = keep(x, b.buf);
	honk_buf_release(&b);
	return s;
}

/* The symbols of a missing from b, as "x, y"; NULL when none. */
static const char *symbols_missing(struct gen *x, const struct honk_field *a,
				   const struct honk_field *b)
{
	struct honk_buf s = HONK_BUF_INIT;
	const char *r = NULL;
	size_t i, j;

	for (i = 0; i < a->nsymbols; i++) {
		for (j = 0; j < b->nsymbols; j++)
			if (!strcmp(a->symbols[i], b->symbols[j]))
				break;
		if (j == b->nsymbols)
			honk_buf_addf(&s, "%s%s", s.len ? ", " : "",
				      a->symbols[i]);
	}
	if (s.len)
		r = keep(x, s.buf);
	honk_buf_release(&s);
	return r;
}

/*
 * A record, array or map against another of the same type: NULL when
 * nothing that touches the data changed, else a description of the first
 * change ("device.os: type-widened int32 to int64, and 1 more").
 */
static const char *nested_change(struct gen *x, const struct honk_field *a,
				 const struct honk_field *b)
{
	struct honk_diff d = HONK_DIFF_INIT;
	struct honk_schema sa = { NULL, 0, NULL }, sb = { NULL, 0, NULL };
	struct honk_field fa = *a, fb = *b;
	const struct honk_change *first = NULL;
	size_t i, more = 0;
	const char *r = NULL;
	int err;

	sa.root = &fa;
	sb.root = &fb;
	if ((err = honk_diff_schemas(&d, &sa, &sb, NULL, NULL)) < 0) {
		x->err = err;
		goto cleanup;
	}
	for (i = 0; i < d.n; i++) {
		const struct honk_change *c = &d.v[i];

		if (c->kind == HONK_DESCRIPTION_CHANGED ||
		    c->kind == HONK_DEFAULT_CHANGED)
			continue;
		if (first)
			more++;
		else
			first = c;
	}
	if (!first)
		goto cleanup;
	honk_buf_reset(&x->tmp);
	honk_buf_addf(&x->tmp, "%s%s%s: %s", b->name,
		      first->path[0] && first->path[0] != '[' &&
				      first->path[0] != '{'
			      ? "."
			      : "",
		      first->path, honk_change_names[first->kind]);
	if (first->kind == HONK_FIELD_RENAMED)
		honk_buf_addf(&x->tmp, " to %s", first->to);
	if (first->from_type)
		honk_buf_addf(&x->tmp, " %s to %s", first->from_type,
			      first->to_type);
	if (first->symbol)
		honk_buf_addf(&x->tmp, " %s", first->symbol);
	if (more)
		honk_buf_addf(&x->tmp, ", and %zu more", more);
	r = keep(x, x->tmp.buf);
	if (!r)
		goto cleanup;
	r = tmpf(x, "a change inside %s %s needs a nested conversion (%s)",
		 honk_ftype_names[b->type], b->name, r);
cleanup:
	honk_diff_release(&d);
	return r;
}

static int same_variants(const struct honk_field *a, const struct honk_field *b)
{
	return a->type == HONK_T_UNION && b->type == HONK_T_UNION &&
	       a->nvariants == b->nvariants &&
	       !memcmp(a->variants, b->variants,
		       a->nvariants * sizeof(*a->variants));
}

/*
 * How values of field a reach field b. For NARROW, *what names what may
 * not fit ("int64 to int32", "enum symbols x, y"); for OTHER, *what is
 * the reason there is no safe conversion.
 */
static enum step classify(struct gen *x, const struct honk_field *a,
			  const struct honk_field *b, const char **why)
{
	const char *ta, *tb, *s;

	*why = NULL;
	if (a->type == HONK_T_UNION || b->type == HONK_T_UNION) {
		if (same_variants(a, b))
			return STEP_SAME;
		*why = tmpf(x, "type changed from %s to %s: no safe conversion",
			    type_label(x, a), type_label(x, b));
		return STEP_OTHER;
	}
	ta = type_label(x, a);
	tb = type_label(x, b);
	if (a->type == b->type) {
		switch (a->type) {
		case HONK_T_RECORD:
		case HONK_T_ARRAY:
		case HONK_T_MAP:
			*why = nested_change(x, a, b);
			return *why ? STEP_OTHER : STEP_SAME;
		case HONK_T_ENUM:
			s = symbols_missing(x, a, b);
			if (!s)
				return STEP_SAME;
			*why = tmpf(x, "enum symbols %s", s);
			return STEP_NARROW;
		case HONK_T_DECIMAL:
			if (a->precision == b->precision &&
			    a->scale == b->scale)
				return STEP_SAME;
			if (decimal_holds(a, b))
				return STEP_WIDEN;
			if (decimal_holds(b, a)) {
				*why = tmpf(x, "%s to %s", ta, tb);
				return STEP_NARROW;
			}
			*why = tmpf(
				x,
				"type changed from %s to %s: values may not fit",
				ta, tb);
			return STEP_OTHER;
		default:
			return STEP_SAME;
		}
	}
	if (widens(a->type, b->type))
		return STEP_WIDEN;
	if (widens(b->type, a->type)) {
		*why = tmpf(x, "%s to %s", ta, tb);
		return STEP_NARROW;
	}
	if ((a->type == HONK_T_INT32 || a->type == HONK_T_INT64) &&
	    b->type == HONK_T_FLOAT32)
		*why = tmpf(
			x,
			"%s to float32: a float32 holds integers exactly only up to 2^24",
			ta);
	else
		*why = tmpf(x, "type changed from %s to %s: no safe conversion",
			    ta, tb);
	return STEP_OTHER;
}

static void add_manual(struct gen *x, const char *what, const char *path,
		       const char *reason)
{
	struct honk_sqlgen *g = x->g;
	struct honk_manual *v;

	if (x->err)
		return;
	v = honk_arena_grow(&g->arena, g->manual, g->nmanual, g->nmanual + 1,
			    sizeof(*v));
	if (!v) {
		x->err = HONK_ERROR;
		return;
	}
	g->manual = v;
	v[g->nmanual].what = what;
	v[g->nmanual].path = path;
	v[g->nmanual].reason = reason;
	g->nmanual++;
}

/* Join two reasons with "; " (either may be NULL). */
static const char *also(struct gen *x, const char *a, const char *b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	return tmpf(x, "%s; %s", a, b);
}

static const struct honk_field *by_name(const struct honk_field *v, size_t n,
					const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].name && !strcmp(v[i].name, name))
			return &v[i];
	return NULL;
}

/* The old field that new field b is filled from, as honk_diff pairs them. */
static const struct honk_field *source_of(const struct honk_schema *from,
					  const struct honk_schema *to,
					  const struct honk_field *b)
{
	const struct honk_field *a =
		by_name(from->fields, from->nfields, b->name);

	if (!a && b->renamed_from &&
	    !by_name(to->fields, to->nfields, b->renamed_from))
		a = by_name(from->fields, from->nfields, b->renamed_from);
	return a;
}

/* The new field that carries old field a, the same pairing seen back. */
static const struct honk_field *carrier_of(const struct honk_schema *from,
					   const struct honk_schema *to,
					   const struct honk_field *a)
{
	const struct honk_field *b = by_name(to->fields, to->nfields, a->name);
	size_t i;

	if (b)
		return b;
	for (i = 0; i < to->nfields; i++) {
		b = &to->fields[i];
		if (b->renamed_from && !strcmp(b->renamed_from, a->name) &&
		    !by_name(from->fields, from->nfields, b->name))
			return b;
	}
	return NULL;
}

/*
 * Fill one column: field f written from src (NULL: none). `forward` is
 * the transform, where what is not safe is manual; the compat view
 * instead casts a narrowing back and only notes it (its rows came
 * through the transform, or are new rows old readers could not have
 * read in any case).
 */
static void fill(struct gen *x, struct honk_sqlcol *c,
		 const struct honk_field *f, const struct honk_field *src,
		 int forward, int64_t src_version)
{
	const char *what = forward ? "transform" : "compat";
	const char *manual = NULL, *note = NULL, *why;
	int has_default = f->default_value != NULL;
	int default_ok = has_default && !is_nested(f->type) &&
			 f->type != HONK_T_UNION && default_valid(f);

	memset(c, 0, sizeof(*c));
	c->field = f;
	c->source = src;
	if (has_default && !default_ok)
		why = tmpf(x, "default '%s' is not a valid %s",
			   f->default_value, type_label(x, f));
	else
		why = NULL;
	if (!src) {
		if (default_ok) {
			c->conv = HONK_SQL_DEFAULT;
			if (!forward)
				note = tmpf(
					x,
					"not in version %lld: always the default",
					(long long)src_version);
		} else {
			c->conv = HONK_SQL_NULL;
			if (f->required)
				manual = also(
					x,
					forward ? tmpf(x,
						       "required field added without a default: old rows have no value")
						: tmpf(x,
						       "required, and not in version %lld: no value to give",
						       (long long)src_version),
					why);
			else if (why)
				manual = why;
			else if (!forward)
				note = tmpf(x,
					    "not in version %lld: always NULL",
					    (long long)src_version);
		}
		goto done;
	}
	switch (classify(x, src, f, &why)) {
	case STEP_SAME:
		c->conv = HONK_SQL_COPY;
		break;
	case STEP_WIDEN:
		c->conv = HONK_SQL_CAST;
		break;
	case STEP_NARROW:
		if (forward) {
			c->conv = HONK_SQL_COPY;
			manual =
				src->type == HONK_T_ENUM
					? tmpf(x,
					       "%s removed: rows holding them have no value",
					       why)
					: tmpf(x,
					       "type narrowed from %s: values may not fit",
					       why);
		} else {
			c->conv = src->type == HONK_T_ENUM ? HONK_SQL_COPY
							   : HONK_SQL_CAST;
			note = src->type == HONK_T_ENUM
				       ? tmpf(x,
					      "%s are new in version %lld: old readers may meet them",
					      why, (long long)src_version)
				       : tmpf(x,
					      "narrows %s: new values may not fit",
					      why);
		}
		break;
	default:
		c->conv = HONK_SQL_COPY;
		manual = why;
		break;
	}
	if (f->required && !src->required) {
		if (default_ok) {
			c->coalesce = 1;
			note = also(
				x, note,
				tmpf(x,
				     "NULL in version %lld becomes the default",
				     (long long)src_version));
		} else if (forward) {
			manual = also(
				x, manual,
				has_default
					? tmpf(x,
					       "optional in version %lld, required now, and its default '%s' is not a valid %s",
					       (long long)src_version,
					       f->default_value,
					       type_label(x, f))
					: tmpf(x,
					       "optional in version %lld, required now, no default: rows where it is NULL have no value",
					       (long long)src_version));
		} else {
			note = also(
				x, note,
				tmpf(x,
				     "optional in version %lld: new rows may leave it NULL",
				     (long long)src_version));
		}
	}
done:
	c->manual = manual;
	c->note = note;
	if (manual)
		add_manual(x, what, f->name, manual);
}

static int table_form(const struct honk_dataset *ds,
		      const struct honk_version *v)
{
	if (v->schema.root)
		return honk_error_set(
			HONK_EINVALID,
			"version %lld of %s is not a record at its top: it has no table form",
			(long long)v->version, ds->id);
	if (!v->schema.nfields)
		return honk_error_set(HONK_EINVALID,
				      "version %lld of %s has no fields",
				      (long long)v->version, ds->id);
	return 0;
}

int honk_sqlgen_build(struct honk_sqlgen *out, const struct honk_dataset *ds,
		      int64_t from, int64_t to)
{
	const struct honk_version *vf, *vt;
	struct gen x;
	size_t i;
	int err;

	memset(out, 0, sizeof(*out));
	vf = honk_dataset_version(ds, from);
	vt = honk_dataset_version(ds, to);
	if (!vf || !vt)
		return honk_error_set(HONK_ENOTFOUND, "%s has no version %lld",
				      ds->id, (long long)(vf ? to : from));
	if (from == to)
		return honk_error_set(
			HONK_EINVALID,
			"a migration of %s needs two versions, not %lld twice",
			ds->id, (long long)from);
	if ((err = table_form(ds, vf)) < 0 || (err = table_form(ds, vt)) < 0)
		return err;

	x.g = out;
	x.err = 0;
	honk_buf_init(&x.tmp, 0);
	out->dataset = keep(&x, ds->id);
	out->from = from;
	out->to = to;
	out->from_schema = &vf->schema;
	out->to_schema = &vt->schema;
	out->from_table = table_of(&out->arena, ds->id, vf);
	out->to_table = table_of(&out->arena, ds->id, vt);
	if (!out->dataset || !out->from_table || !out->to_table) {
		err = HONK_ERROR;
		goto cleanup;
	}
	if (!strcmp(out->from_table, out->to_table)) {
		const char *same = out->from_table;

		out->to_table = tmpf(&x, "%s_v%lld", same, (long long)to);
		add_manual(
			&x, "transform", "",
			tmpf(&x,
			     "versions %lld and %lld share the table %s: the transform writes %s; moving it into place is left to a person",
			     (long long)from, (long long)to, same,
			     out->to_table ? out->to_table : ""));
	}
	out->compat_view = tmpf(&x, "%s_compat", out->from_table);
	if (!x.err && !strcmp(out->compat_view, out->to_table)) {
		err = honk_error_set(
			HONK_EINVALID,
			"the compat view of %s would be its new table %s",
			ds->id, out->to_table);
		goto cleanup;
	}

	out->ntransform = vt->schema.nfields;
	out->transform = honk_arena_alloc(
		&out->arena, out->ntransform * sizeof(*out->transform));
	out->ncompat = vf->schema.nfields;
	out->compat = honk_arena_alloc(&out->arena,
				       out->ncompat * sizeof(*out->compat));
	if (!out->transform || !out->compat) {
		err = HONK_ERROR;
		goto cleanup;
	}
	for (i = 0; i < out->ntransform; i++) {
		const struct honk_field *b = &vt->schema.fields[i];

		fill(&x, &out->transform[i], b,
		     source_of(&vf->schema, &vt->schema, b), 1, from);
	}
	for (i = 0; i < out->ncompat; i++) {
		const struct honk_field *a = &vf->schema.fields[i];

		fill(&x, &out->compat[i], a,
		     carrier_of(&vf->schema, &vt->schema, a), 0, to);
	}
	err = x.err;
cleanup:
	if (x.err && !err)
		err = x.err;
	if (err == HONK_ERROR)
		honk_error_set(HONK_ERROR, "out of memory");
	honk_buf_release(&x.tmp);
	return err;
}

void honk_sqlgen_release(struct honk_sqlgen *g)
{
	if (!g)
		return;
	honk_arena_release(&g->arena);
	memset(g, 0, sizeof(*g));
}

/* Rendering */

static void put_column_def(struct w *w, const struct honk_field *f,
			   enum honk_dialect d)
{
	size_t i;

	put(w, "  ");
	quote_ident_n(w, f->name, strlen(f->name), d);
	put(w, " ");
	put_type(w, f, d, 1);
	if (f->required &&
	    !(d == HONK_DIALECT_BIGQUERY &&
	      (f->type == HONK_T_ARRAY || f->type == HONK_T_MAP)))
		put(w, " NOT NULL");
	if (d == HONK_DIALECT_BIGQUERY)
		return;
	if (f->type == HONK_T_ENUM) {
		put(w, " CHECK (");
		quote_ident_n(w, f->name, strlen(f->name), d);
		put(w, " IN (");
		for (i = 0; i < f->nsymbols; i++) {
			if (i)
				put(w, ", ");
			put_string(w, f->symbols[i], d);
		}
		put(w, "))");
	} else if (d == HONK_DIALECT_SQLITE && f->type == HONK_T_BOOLEAN) {
		put(w, " CHECK (");
		quote_ident_n(w, f->name, strlen(f->name), d);
		put(w, " IN (0, 1))");
	} else if (d == HONK_DIALECT_SQLITE && f->type == HONK_T_INT32) {
		put(w, " CHECK (");
		quote_ident_n(w, f->name, strlen(f->name), d);
		put(w, " BETWEEN -2147483648 AND 2147483647)");
	}
}

static void put_table(struct w *w, const struct honk_schema *s,
		      const char *table, enum honk_dialect d)
{
	size_t i;

	if (s->root || !s->nfields) {
		fail(w, HONK_EINVALID,
		     "a table needs a schema of one or more fields");
		return;
	}
	put(w, "CREATE TABLE IF NOT EXISTS ");
	quote_table(w, table, d);
	put(w, " (\n");
	for (i = 0; i < s->nfields; i++) {
		put_column_def(w, &s->fields[i], d);
		put(w, i + 1 < s->nfields ? ",\n" : "\n");
	}
	put(w, d == HONK_DIALECT_SQLITE ? ") STRICT;\n" : ");\n");
}

int honk_sqlgen_table(struct honk_buf *out, const struct honk_schema *s,
		      const char *table, enum honk_dialect d)
{
	struct w w = { out, 0 };

	put_table(&w, s, table, d);
	return w.err;
}

/* The cast of expression e from field a's type to field b's. */
static void put_cast(struct w *w, const struct honk_field *a,
		     const struct honk_field *b, const struct honk_buf *e,
		     enum honk_dialect d)
{
	int err = 0;

	if (same_storage(a, b, d, &err) || err) {
		if (err && !w->err)
			w->err = err;
		putn(w, e->buf, e->len);
		return;
	}
	if (d == HONK_DIALECT_POSTGRES && a->type == HONK_T_STRING &&
	    b->type == HONK_T_BYTES) {
		put(w, "convert_to(");
		putn(w, e->buf, e->len);
		put(w, ", 'UTF8')");
		return;
	}
	if (d == HONK_DIALECT_POSTGRES && a->type == HONK_T_BYTES &&
	    b->type == HONK_T_STRING) {
		put(w, "convert_from(");
		putn(w, e->buf, e->len);
		put(w, ", 'UTF8')");
		return;
	}
	put(w, "CAST(");
	putn(w, e->buf, e->len);
	put(w, " AS ");
	put_type(w, b, d, 0);
	put(w, ")");
}

/* One item of a SELECT list: the expression and, when needed, AS. */
static void put_select_item(struct w *w, const struct honk_sqlcol *c,
			    enum honk_dialect d, int last)
{
	const struct honk_field *f = c->field;
	struct honk_buf src = HONK_BUF_INIT, e = HONK_BUF_INIT;
	struct w ws = { &src, 0 }, we = { &e, 0 };

	if (c->source)
		quote_ident_n(&ws, c->source->name, strlen(c->source->name), d);
	switch (c->conv) {
	case HONK_SQL_COPY:
		putn(&we, src.buf, src.len);
		break;
	case HONK_SQL_CAST:
		put_cast(&we, c->source, f, &src, d);
		break;
	case HONK_SQL_DEFAULT:
		put_literal(&we, f, d);
		break;
	default:
		put_null(&we, f, d);
		break;
	}
	if (c->coalesce && c->source) {
		struct honk_buf inner = HONK_BUF_INIT;
		struct w wi = { &inner, 0 };

		putn(&wi, e.buf, e.len);
		honk_buf_reset(&e);
		put(&we, "COALESCE(");
		putn(&we, inner.buf, inner.len);
		put(&we, ", ");
		put_literal(&we, f, d);
		put(&we, ")");
		if (wi.err && !we.err)
			we.err = wi.err;
		honk_buf_release(&inner);
	}
	if (ws.err && !w->err)
		w->err = ws.err;
	if (we.err && !w->err)
		w->err = we.err;
	put(w, "  ");
	putn(w, e.buf, e.len);
	/* an alias unless the expression is the column of the same name */
	honk_buf_reset(&src);
	ws.err = 0;
	quote_ident_n(&ws, f->name, strlen(f->name), d);
	if (ws.err && !w->err)
		w->err = ws.err;
	if (strcmp(e.buf, src.buf) != 0) {
		put(w, " AS ");
		putn(w, src.buf, src.len);
	}
	if (!last)
		put(w, ",");
	if (c->manual) {
		put(w, " -- honk: manual: ");
		put_comment(w, c->manual);
	} else if (c->note) {
		put(w, " -- honk: note: ");
		put_comment(w, c->note);
	}
	put(w, "\n");
	honk_buf_release(&src);
	honk_buf_release(&e);
}

/* guard: only while that table is empty (a transform run twice adds
 * nothing the second time) */
static void put_select(struct w *w, const struct honk_sqlcol *v, size_t n,
		       const char *table, const char *guard,
		       enum honk_dialect d)
{
	size_t i;

	put(w, "SELECT\n");
	for (i = 0; i < n; i++)
		put_select_item(w, &v[i], d, i + 1 == n);
	put(w, "FROM ");
	quote_table(w, table, d);
	if (guard) {
		put(w, "\nWHERE NOT EXISTS (SELECT 1 FROM ");
		quote_table(w, guard, d);
		put(w, ")");
	}
	put(w, ";\n");
}

static void put_manual_count(struct w *w, const struct honk_sqlgen *g,
			     const char *what)
{
	size_t i, n = 0;

	for (i = 0; i < g->nmanual; i++)
		n += !strcmp(g->manual[i].what, what);
	if (!n)
		return;
	putf(w, "-- %zu manual item%s: see \"honk: manual\" below\n", n,
	     n == 1 ? "" : "s");
	for (i = 0; i < g->nmanual; i++) {
		if (strcmp(g->manual[i].what, what) || g->manual[i].path[0])
			continue;
		put(w, "-- honk: manual: ");
		put_comment(w, g->manual[i].reason);
		put(w, "\n");
	}
}

int honk_sqlgen_transform(struct honk_buf *out, const struct honk_sqlgen *g,
			  enum honk_dialect d)
{
	struct w w = { out, 0 };
	const char *schema;
	size_t i, n;

	putf(&w, "-- honk transform: %s version %lld to %lld (%s)\n",
	     g->dataset, (long long)g->from, (long long)g->to,
	     honk_dialect_names[d]);
	put(&w, "-- fills ");
	quote_table(&w, g->to_table, d);
	put(&w, " from ");
	quote_table(&w, g->from_table, d);
	put(&w, "\n");
	put_manual_count(&w, g, "transform");
	put(&w, "\n");
	if (d != HONK_DIALECT_BIGQUERY)
		put(&w, "BEGIN;\n\n");
	if (d == HONK_DIALECT_POSTGRES &&
	    (schema = pg_schema(g->to_table, &n))) {
		put(&w, "CREATE SCHEMA IF NOT EXISTS ");
		quote_ident_n(&w, schema, n, d);
		put(&w, ";\n\n");
	}
	put_table(&w, g->to_schema, g->to_table, d);
	put(&w, "\nINSERT INTO ");
	quote_table(&w, g->to_table, d);
	put(&w, " (\n");
	for (i = 0; i < g->ntransform; i++) {
		const char *name = g->transform[i].field->name;

		put(&w, "  ");
		quote_ident_n(&w, name, strlen(name), d);
		put(&w, i + 1 < g->ntransform ? ",\n" : "\n");
	}
	put(&w, ")\n");
	put_select(&w, g->transform, g->ntransform, g->from_table, g->to_table,
		   d);
	if (d != HONK_DIALECT_BIGQUERY)
		put(&w, "\nCOMMIT;\n");
	return w.err;
}

int honk_sqlgen_compat(struct honk_buf *out, const struct honk_sqlgen *g,
		       enum honk_dialect d)
{
	struct w w = { out, 0 };

	putf(&w,
	     "-- honk compat: %s version %lld in the shape of version %lld (%s)\n",
	     g->dataset, (long long)g->to, (long long)g->from,
	     honk_dialect_names[d]);
	put(&w, "-- for readers of ");
	quote_table(&w, g->from_table, d);
	put(&w, " not yet moved to ");
	quote_table(&w, g->to_table, d);
	put(&w, "\n");
	put_manual_count(&w, g, "compat");
	put(&w, "\n");
	if (d == HONK_DIALECT_SQLITE) {
		put(&w, "DROP VIEW IF EXISTS ");
		quote_table(&w, g->compat_view, d);
		put(&w, ";\nCREATE VIEW ");
	} else {
		put(&w, "CREATE OR REPLACE VIEW ");
	}
	quote_table(&w, g->compat_view, d);
	put(&w, " AS\n");
	put_select(&w, g->compat, g->ncompat, g->to_table, NULL, d);
	return w.err;
}
