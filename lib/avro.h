#ifndef HONK_AVRO_H
#define HONK_AVRO_H

#include <stddef.h>

#include "arena.h"
#include "diag.h"
#include "schema.h"

/* Import an Avro record schema (.avsc); problems go to diags. */
int honk_avro_import(struct honk_schema *out, struct honk_arena *arena,
		     const char *path, const char *data, size_t len,
		     struct honk_diags *diags);

#endif
