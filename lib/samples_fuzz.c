/*
 * Fuzz target for validation samples: the input is a JSON lines file for
 * a fixed version with every type, nested ones included, validated with
 * the generated SQLite transform and compat view. Bad input is reported
 * as diagnostics; nothing may crash, hang or leak, and a sample that
 * loads must pass (the generated SQL is right for every valid row).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "sqlgen.h"
#include "validate.h"
#include "banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char dataset[] =
	"dataset: f.z\n"
	"versions:\n"
	"  - version: 1\n"
	"    schema:\n"
	"      - {name: id, type: string, required: true}\n"
	"      - {name: b, type: boolean}\n"
	"      - {name: i, type: int32}\n"
	"      - {name: l, type: int64}\n"
	"      - {name: f, type: float32}\n"
	"      - {name: d, type: float64}\n"
	"      - {name: n, type: decimal, precision: 6, scale: 2}\n"
	"      - {name: y, type: bytes}\n"
	"      - {name: day, type: date}\n"
	"      - {name: t, type: time}\n"
	"      - {name: ts, type: timestamp}\n"
	"      - {name: e, type: enum, symbols: [a, b]}\n"
	"      - name: r\n"
	"        type: record\n"
	"        fields:\n"
	"          - {name: s, type: string, required: true}\n"
	"          - {name: xs, type: array, items: int64}\n"
	"      - {name: m, type: map, values: {type: bytes}}\n"
	"  - version: 2\n"
	"    schema:\n"
	"      - {name: id, type: bytes, required: true}\n"
	"      - {name: b, type: boolean}\n"
	"      - {name: i, type: float64}\n"
	"      - {name: l, type: int64}\n"
	"      - {name: f, type: float64}\n"
	"      - {name: d, type: float64}\n"
	"      - {name: n, type: decimal, precision: 8, scale: 3}\n"
	"      - {name: y, type: bytes}\n"
	"      - {name: day, type: date}\n"
	"      - {name: t, type: time}\n"
	"      - {name: at, type: timestamp, renamed_from: ts}\n"
	"      - {name: e, type: enum, symbols: [a, b, c]}\n"
	"      - name: r\n"
	"        type: record\n"
	"        fields:\n"
	"          - {name: s, type: string, required: true}\n"
	"          - {name: xs, type: array, items: int64}\n"
	"      - {name: m, type: map, values: {type: bytes}}\n"
	"      - {name: more, type: string, default: x}\n";

static struct {
	struct honk_catalog cat;
	struct honk_sqlgen g;
	struct honk_buf transform, compat;
	int ready;
} fz;

static void setup(void)
{
	struct honk_catalog_file files[2] = {
		{ "honk.yaml", "honk: 1\n", 8 },
		{ "datasets/f/z.yaml", dataset, sizeof(dataset) - 1 },
	};
	struct honk_diags d = HONK_DIAGS_INIT;

	honk_buf_init(&fz.transform, 0);
	honk_buf_init(&fz.compat, 0);
	if (honk_catalog_parse_files(&fz.cat, files, 2, &d) < 0 ||
	    honk_sqlgen_build(&fz.g, &fz.cat.datasets[0], 1, 2) < 0 ||
	    honk_sqlgen_transform(&fz.transform, &fz.g, HONK_DIALECT_SQLITE) <
		    0 ||
	    honk_sqlgen_compat(&fz.compat, &fz.g, HONK_DIALECT_SQLITE) < 0)
		abort();
	honk_diags_release(&d);
	fz.ready = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct honk_validate_input in = HONK_VALIDATE_INPUT_INIT;
	struct honk_validation v;
	struct honk_diags d = HONK_DIAGS_INIT;
	int err;

	if (!fz.ready)
		setup();
	in.g = &fz.g;
	in.transform_sql = fz.transform.buf;
	in.compat_sql = fz.compat.buf;
	in.samples_path = "fuzz.jsonl";
	in.samples = size ? (const char *)data : "";
	in.samples_len = size;
	err = honk_validate_sql(&v, &in, &d);
	if (err == 0 && !v.passed)
		abort(); /* a row that loads must come through */
	if (err != 0 && err != HONK_EINVALID)
		abort();
	honk_validation_release(&v);
	honk_diags_release(&d);
	return 0;
}
