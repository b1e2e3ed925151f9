/*
 * Fuzz target for the YAML loader and the catalog validator.
 *
 * The first input byte picks which catalog file the rest of the input
 * becomes (honk.yaml, a dataset, a consumer); a small valid catalog is
 * loaded beside it so cross-file checks run too. Any crash, leak, hang or
 * sanitizer report is a bug; diagnostics are the expected outcome.
 */
#include <stddef.h>
#include <stdint.h>

#include "catalog.h"
#include "diag.h"
#include "banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char base_settings[] = "honk: 1\n";
static const char base_dataset[] =
	"dataset: plays.user_plays\n"
	"versions:\n"
	"  - version: 3\n"
	"    schema:\n"
	"      - {name: user_id, type: string, required: true}\n"
	"      - {name: ts, type: timestamp}\n"
	"  - version: 4\n"
	"    schema:\n"
	"      - {name: user_id, type: string, required: true}\n"
	"      - {name: played_at, type: timestamp, renamed_from: ts}\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const paths[] = { "honk.yaml",
					     "datasets/plays/other.yaml",
					     "consumers/team/fuzz.yaml" };
	struct honk_catalog_file files[3];
	struct honk_catalog cat = HONK_CATALOG_INIT;
	struct honk_diags diags = HONK_DIAGS_INIT;
	size_t n = 0;

	if (size < 1)
		return 0;
	if (data[0] % 3 != 0) {
		files[n].path = "honk.yaml";
		files[n].data = base_settings;
		files[n++].len = sizeof(base_settings) - 1;
	}
	files[n].path = "datasets/plays/user_plays.yaml";
	files[n].data = base_dataset;
	files[n++].len = sizeof(base_dataset) - 1;
	files[n].path = paths[data[0] % 3];
	files[n].data = (const char *)data + 1;
	files[n++].len = size - 1;
	honk_catalog_parse_files(&cat, files, n, &diags);
	honk_diags_sort(&diags);
	honk_diags_release(&diags);
	honk_catalog_release(&cat);
	return 0;
}
