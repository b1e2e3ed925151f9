/*
 * Fuzz target for rewrite rules: the input is a rewrite.yaml; rules that
 * load are applied to a fixed text and to the input itself, paths chosen
 * so globs both match and do not. Limits may stop a pattern (an error);
 * nothing may crash, hang or leak.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rewrite.h"
#include "banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char text[] =
		"SELECT user_id, ts FROM analytics.user_plays_v3\r\n"
		"-- ts col_1 col_10 x_v3 \xff\xfe\n"
		"WHERE ts > 0";
	static const char *const paths[] = { "sql/a.sql", "conf/b.yaml",
					     "README" };
	struct honk_diags d = HONK_DIAGS_INIT;
	struct honk_rule_set *rs = NULL;
	struct honk_buf out = HONK_BUF_INIT;
	size_t i;
	int changed;

	if (honk_rules_parse(&rs, "fuzz.yaml", (const char *)data, size, &d) ==
	    0) {
		for (i = 0; i < 3; i++) {
			honk_rules_apply(&out, &changed, rs, paths[i], text,
					 sizeof(text) - 1);
			honk_rules_apply(&out, &changed, rs, paths[i],
					 (const char *)data, size);
		}
	}
	honk_buf_release(&out);
	honk_rules_free(rs);
	honk_diags_release(&d);
	return 0;
}
