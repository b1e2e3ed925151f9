#ifndef HONK_JSONSCHEMA_H
#define HONK_JSONSCHEMA_H

#include <stddef.h>

#include "arena.h"
#include "diag.h"
#include "schema.h"

/*
 * Import a JSON Schema (draft-07, as JSON or YAML) whose top is an
 * object. Problems go to diags as path:line:col; HONK_EINVALID then.
 */
int honk_jsonschema_import(struct honk_schema *out, struct honk_arena *arena,
			   const char *path, const char *data, size_t len,
			   struct honk_diags *diags);

#endif
