#ifndef HONK_SCHEMA_H
#define HONK_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "diag.h"
#include "yaml.h"

/*
 * The schema model every format maps onto (DESIGN section 3.2): a list of
 * fields, each with a type from a closed set; records nest fields, arrays
 * have an item type, maps a value type, enums symbols.
 */

enum honk_ftype {
	HONK_T_BOOLEAN,
	HONK_T_INT32,
	HONK_T_INT64,
	HONK_T_FLOAT32,
	HONK_T_FLOAT64,
	HONK_T_DECIMAL,
	HONK_T_STRING,
	HONK_T_BYTES,
	HONK_T_DATE,
	HONK_T_TIME,
	HONK_T_TIMESTAMP,
	HONK_T_RECORD,
	HONK_T_ARRAY,
	HONK_T_MAP,
	HONK_T_ENUM,
	HONK_T__COUNT,
	/*
	 * Past the honk format's closed set, for imported schemas only: a
	 * JSON Schema type list such as [array, object, string] (the types
	 * in variants, none with structure of its own).
	 */
	HONK_T_UNION = HONK_T__COUNT + 1
};

/*
 * Type names, indexed by enum honk_ftype. NULL at HONK_T__COUNT ends the
 * honk format's types; "union" follows it, for messages only.
 */
extern const char *const honk_ftype_names[];

struct honk_field {
	const char *name; /* NULL for an array's items or a map's values */
	enum honk_ftype type;
	int required;
	const char *default_value; /* scalar text, NULL when none */
	const char *renamed_from;
	const char *description;
	struct honk_field *fields; /* record */
	size_t nfields;
	struct honk_field *items;  /* array */
	struct honk_field *values; /* map */
	const char **symbols;	   /* enum */
	size_t nsymbols;
	enum honk_ftype *variants; /* union: its types, sorted, distinct */
	size_t nvariants;
	int64_t precision, scale; /* decimal; 0 when unset */
	unsigned line, col;
};

/*
 * A schema is a record's fields; a schema whose top is another type (a
 * JSON Schema that is a map, say) has `root` set instead.
 */
struct honk_schema {
	struct honk_field *fields;
	size_t nfields;
	struct honk_field *root;
};

/*
 * Map a honk-format field list (a YAML sequence of field mappings) onto
 * the model, reporting every problem through c. Strings live in c->arena.
 */
int honk_schema_from_yaml(struct honk_schema *out, struct honk_yctx *c,
			  const struct honk_ynode *n);

/* Report every field whose name repeats an earlier one's; HONK_EINVALID. */
int honk_fields_unique(struct honk_yctx *c, const struct honk_field *v,
		       size_t n);

/*
 * Find a field by dotted path ("device.os"); array items are entered
 * transparently ("tags.x" looks inside an array of records).
 */
const struct honk_field *honk_schema_find(const struct honk_schema *s,
					  const char *path);

/*
 * Importers turn an external schema file into the model. The registry
 * maps a format name ("honk", later "avro", "jsonschema", "bigquery") and
 * file extensions onto one; a format without an importer is an error with
 * a position, never silently skipped.
 */
struct honk_importer {
	const char *format;
	const char *const *extensions;
	int (*import)(struct honk_schema *out, struct honk_arena *arena,
		      const char *path, const char *data, size_t len,
		      struct honk_diags *diags);
};

/* The known schema_format names, NULL-terminated. */
extern const char *const honk_schema_formats[];

/* The importer for a format name, or by the path's extension when NULL. */
const struct honk_importer *honk_importer_find(const char *format,
					       const char *path);

/*
 * The importer for a file given on the command line: a JSON list is a
 * BigQuery schema, an Avro record says so, otherwise by extension.
 */
const struct honk_importer *honk_importer_sniff(const char *path,
						const char *data, size_t len);

#endif
