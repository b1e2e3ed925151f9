/*
 * Fuzz target for the schema importers (Avro, JSON Schema, BigQuery,
 * honk) and the diff: the first byte picks the importer, the rest is the
 * file; a successfully imported schema is then diffed against itself
 * (which must find nothing) and against a fixed schema.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "diff.h"
#include "schema.h"
#include "banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const formats[] = { "avro", "jsonschema", "bigquery",
					       "honk" };
	static const char fixed[] =
		"[{\"name\": \"a\", \"type\": \"STRING\"},"
		" {\"name\": \"b\", \"type\": \"RECORD\", \"fields\":"
		" [{\"name\": \"c\", \"type\": \"INT64\"}]}]";
	struct honk_arena arena = HONK_ARENA_INIT;
	struct honk_diags diags = HONK_DIAGS_INIT;
	struct honk_schema s, other;
	const struct honk_importer *imp, *bq;

	if (size < 1)
		return 0;
	imp = honk_importer_find(formats[data[0] % 4], NULL);
	bq = honk_importer_find("bigquery", NULL);
	if (imp && bq &&
	    imp->import(&s, &arena, "fuzz", (const char *)data + 1, size - 1,
			&diags) == 0 &&
	    bq->import(&other, &arena, "fixed", fixed, sizeof(fixed) - 1,
		       &diags) == 0) {
		struct honk_diff d = HONK_DIFF_INIT;

		if (honk_diff_schemas(&d, &s, &s, NULL, NULL) == 0 && d.n)
			abort(); /* a schema must not differ from itself */
		honk_diff_release(&d);
		honk_diff_schemas(&d, &other, &s, NULL, NULL);
		honk_diff_release(&d);
	}
	honk_diags_release(&diags);
	honk_arena_release(&arena);
	return 0;
}
