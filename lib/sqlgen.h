#ifndef HONK_SQLGEN_H
#define HONK_SQLGEN_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "buf.h"
#include "catalog.h"
#include "schema.h"

/*
 * SQL for a migration (DESIGN section 5): the transform that fills
 * version `to` of a dataset from version `from`, and the compat view that
 * presents `to` in the shape of `from` for readers not yet migrated. One
 * intermediate form (struct honk_sqlgen) is built from the two schemas;
 * three renderers write it as SQLite, PostgreSQL or BigQuery text.
 *
 * Tables. A version's table is its location without "scheme://" when
 * what remains is one to three dot-separated parts, each of
 * [A-Za-z0-9_][A-Za-z0-9_-]* ("bq://analytics.user_plays_v3" gives
 * analytics.user_plays_v3, "project.dataset.table" stays whole);
 * anything else (a path such as "s3://bucket/x/", no location) gives
 * "<dataset id, '.' as '_'>_v<N>". When both versions name the same
 * table the new one is "<table>_v<to>" and a manual item says that
 * moving it into place is left to a person. The compat view is the old
 * table's name with "_compat". Quoting: SQLite one double-quoted
 * identifier for the whole name ("analytics.user_plays_v3"); PostgreSQL
 * the last two parts as "schema"."table" (the transform then starts with
 * CREATE SCHEMA IF NOT EXISTS); BigQuery one backtick-quoted name. Every
 * column is quoted, with the quote character inside doubled (BigQuery:
 * backslash-escaped), so odd names from imported schemas are safe.
 *
 * Storage, per dialect and type (required adds NOT NULL in all three):
 *
 *   type       sqlite (STRICT)        postgres           bigquery
 *   boolean    INTEGER 0/1 (CHECK)    BOOLEAN            BOOL
 *   int32      INTEGER (CHECK range)  INTEGER            INT64
 *   int64      INTEGER                BIGINT             INT64
 *   float32    REAL                   REAL               FLOAT64
 *   float64    REAL                   DOUBLE PRECISION   FLOAT64
 *   decimal    TEXT                   NUMERIC(p,s)       NUMERIC(p,s) or
 *                                     (NUMERIC unset)    BIGNUMERIC(p,s)
 *   string     TEXT                   TEXT               STRING
 *   bytes      BLOB                   BYTEA              BYTES
 *   date       TEXT                   DATE               DATE
 *   time       TEXT                   TIME               TIME
 *   timestamp  TEXT                   TIMESTAMPTZ        TIMESTAMP
 *   enum       TEXT (CHECK symbols)   TEXT (CHECK)       STRING
 *   record     TEXT, a JSON object    JSONB              STRUCT<...>
 *   array      TEXT, a JSON array     JSONB              ARRAY<...>
 *   map        TEXT, a JSON object    JSONB              ARRAY<STRUCT<key
 *                                                         STRING, value T>>
 *   union      TEXT, any JSON value   JSONB              JSON
 *
 * BigQuery has no arrays of arrays: an array whose items are arrays or
 * maps holds STRUCT<item T> instead, and an ARRAY column is never
 * NOT NULL (BigQuery stores a missing array as an empty one). A decimal
 * goes to NUMERIC(p,s) when it fits (scale <= 9, p - s <= 29), else to
 * BIGNUMERIC(p,s) (scale <= 38, p - s <= 38); one that fits neither is
 * refused with HONK_EINVALID; an unset precision is BIGNUMERIC.
 *
 * The SQLite storage contract, which validation checks value by value:
 *
 *   boolean    integer 0 or 1
 *   int32      integer in [-2^31, 2^31 - 1];  int64: integer
 *   float32    real, finite, |x| <= FLT_MAX;  float64: real
 *   decimal    text -?(0|[1-9][0-9]*)(\.[0-9]+)?, at most `precision`
 *              digits with at most `scale` after the point (when set)
 *   string     text, valid UTF-8 without U+0000
 *   bytes      blob
 *   date       text YYYY-MM-DD, a real calendar date (0001..9999)
 *   time       text HH:MM:SS[.f], 1 to 6 fraction digits
 *   timestamp  text YYYY-MM-DDTHH:MM:SS[.f] then Z or +hh:mm / -hh:mm
 *   enum       text, one of the symbols
 *   record     text holding a JSON object: keys are field names, each
 *              value (or a missing key, for an optional field) fits the
 *              field as JSON: booleans true/false, integers as numbers
 *              without fraction or exponent, floats as numbers, decimals,
 *              dates, times, timestamps and enum symbols as strings in
 *              the forms above, bytes as base64 strings, records as
 *              objects, arrays as arrays, maps as objects; null only
 *              where the field is optional
 *   array      text holding a JSON array of items in that form
 *   map        text holding a JSON object of values in that form
 *   union      text holding any JSON value
 *
 * Conversions. Each new field is filled from the old field of the same
 * name, else from the one its renamed_from names (when the new schema
 * does not also keep that name), as honk_diff_schemas() pairs them:
 *
 *   same type, or enum symbols added   the column as it is
 *   int32->int64, int32/int64->float64, float32->float64, string<->bytes,
 *   a decimal gaining digits on both sides of the point
 *                                      the dialect's cast (none when the
 *                                      storage type is the same)
 *   added with a default               the default as a typed literal
 *   added, optional, no default        NULL
 *   optional -> required               COALESCE(column, default); without
 *                                      a default the column, manual
 *   anything else: narrowing, int->float32 (exact only to 2^24), another
 *   type, enum symbols removed, any change inside a record, array or map,
 *   a union, a required field added without default, a default that is
 *   not a value of its type
 *                                      manual: the column unchanged, or
 *                                      NULL when there is none, so the
 *                                      database fails loudly on values
 *                                      that do not fit
 *
 * The compat view gives each old field from the new field that carries
 * it with the reverse conversion: a widening's cast back (int64 -> int32
 * and the like, with a note: new values may not fit), the old default or
 * NULL for a field the new version dropped; an old required field with
 * no source and no default is manual, as is every case the table above
 * calls manual. A note (symbols the old version lacks, a column that new
 * rows may leave NULL, a cast back) is a "-- honk: note:" comment; it
 * needs no one's action but says what old readers may meet.
 *
 * Nothing is guessed: what cannot be done safely becomes a struct
 * honk_manual and a "-- honk: manual: <reason>" comment on its column.
 *
 * Output is deterministic (same input, same bytes), LF line ends, one
 * column per line, a header comment naming the dataset, the versions and
 * the dialect, and a final newline. The transform fills the new table
 * only while it is empty (INSERT ... WHERE NOT EXISTS (SELECT 1 FROM
 * new)), so running it twice adds nothing the second time; SQLite and
 * PostgreSQL get it inside BEGIN/COMMIT (BigQuery allows no CREATE TABLE
 * in a transaction). SQLite's STRICT tables need
 * SQLite 3.37 or later; PostgreSQL's string literals assume
 * standard_conforming_strings (the default since 9.1). A fallback table
 * name is unqualified: BigQuery then needs a default dataset.
 */

enum honk_dialect {
	HONK_DIALECT_SQLITE,
	HONK_DIALECT_POSTGRES,
	HONK_DIALECT_BIGQUERY,
	HONK_DIALECT__COUNT
};

/* "sqlite", "postgres", "bigquery", NULL; indexed by enum honk_dialect. */
extern const char *const honk_dialect_names[];

/* The dialect named; HONK_EINVALID (listing the names) for another. */
int honk_dialect_parse(enum honk_dialect *out, const char *name);

/* What cannot be done safely: never guessed, marked for a person. */
struct honk_manual {
	const char *what;   /* "transform" or "compat" */
	const char *path;   /* the top-level field, "" for the table */
	const char *reason; /* one line */
};

enum honk_sqlconv {
	HONK_SQL_COPY,	  /* the source column as it is */
	HONK_SQL_CAST,	  /* the source cast to the column's type */
	HONK_SQL_DEFAULT, /* no source: the column's default, typed */
	HONK_SQL_NULL	  /* no source, no default: NULL */
};

/*
 * One column written: a field of the new version (transform) or of the
 * old one (compat), with where its value comes from.
 */
struct honk_sqlcol {
	const struct honk_field *field;	 /* the column written */
	const struct honk_field *source; /* the column read; NULL if none */
	enum honk_sqlconv conv;
	int coalesce;	    /* COALESCE(expr, field's default) */
	const char *manual; /* the reason a person must look; NULL if none */
	const char *note;   /* what readers may meet; NULL if nothing */
};

struct honk_sqlgen {
	struct honk_arena arena;
	const char *dataset; /* the dataset id */
	int64_t from, to;
	/* point into the dataset, which must outlive this */
	const struct honk_schema *from_schema, *to_schema;
	/* unquoted, e.g. "analytics.user_plays_v3" */
	const char *from_table, *to_table;
	const char *compat_view;       /* from_table + "_compat" */
	struct honk_sqlcol *transform; /* one per new top-level field */
	size_t ntransform;
	struct honk_sqlcol *compat; /* one per old top-level field */
	size_t ncompat;
	struct honk_manual *manual; /* transform's first, each in field order */
	size_t nmanual;
};

#define HONK_SQLGEN_INIT        \
	{                       \
		HONK_ARENA_INIT \
	}

/*
 * Build the intermediate form for ds from version `from` to version `to`
 * (to < from is allowed: a rollback's SQL). HONK_ENOTFOUND when a version
 * is missing; HONK_EINVALID when from == to, or a schema has no table
 * form (no fields, or a top that is not a record). The form points into
 * ds, which must outlive it. Release *out whatever the result.
 */
int honk_sqlgen_build(struct honk_sqlgen *out, const struct honk_dataset *ds,
		      int64_t from, int64_t to);
void honk_sqlgen_release(struct honk_sqlgen *g);

/* The transform text in dialect d, appended to out. */
int honk_sqlgen_transform(struct honk_buf *out, const struct honk_sqlgen *g,
			  enum honk_dialect d);

/* The compat view text in dialect d, appended to out. */
int honk_sqlgen_compat(struct honk_buf *out, const struct honk_sqlgen *g,
		       enum honk_dialect d);

/*
 * CREATE TABLE IF NOT EXISTS for schema s as `table` (unquoted, dotted),
 * one statement ending ";\n", appended to out. PostgreSQL's schema is not
 * created here (the transform does that).
 */
int honk_sqlgen_table(struct honk_buf *out, const struct honk_schema *s,
		      const char *table, enum honk_dialect d);

/* Append name quoted as one identifier of dialect d. */
int honk_sql_quote_ident(struct honk_buf *out, const char *name,
			 enum honk_dialect d);

/* Append a dotted table name quoted as dialect d wants it (see above). */
int honk_sql_quote_table(struct honk_buf *out, const char *table,
			 enum honk_dialect d);

/*
 * 1 when s[0..len) is the SQLite storage contract's text for field f of
 * type date, time, timestamp, decimal (within f's precision and scale)
 * or enum (one of f's symbols); 0 otherwise, and for other types.
 */
int honk_sql_text_fits(const struct honk_field *f, const char *s, size_t len);

#endif
