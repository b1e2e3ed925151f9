#ifndef HONK_BIGQUERY_H
#define HONK_BIGQUERY_H

#include <stddef.h>

#include "arena.h"
#include "diag.h"
#include "schema.h"

/* Import a BigQuery JSON table schema; problems go to diags. */
int honk_bigquery_import(struct honk_schema *out, struct honk_arena *arena,
			 const char *path, const char *data, size_t len,
			 struct honk_diags *diags);

#endif
