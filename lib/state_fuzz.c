/*
 * Fuzz target for migration state files: the input is a state/<id>.yaml
 * as the honk/state branch may carry it (written by any honk, or by
 * anyone who can push there). It is read strictly; a state that reads is
 * written, and what honk writes must read back to the same state and
 * write the same bytes again: the file has one spelling per state. A copy
 * of the state writes the same bytes too. Read from honk/state, the same
 * text is accepted as state/<id>.yaml of the migration it names, and as
 * no other file.
 *
 * Refusals are the expected outcome; a crash, leak, hang or sanitizer
 * report is a bug, and so is a broken promise above, which aborts. So is
 * a diagnostic that is not one line (no control characters, a position
 * inside the file), since diagnostics go to terminals and hook output.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "diag.h"
#include "error.h"
#include "fuzz.h"
#include "state.h"
#include "banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void write_or_abort(struct honk_buf *out, const struct honk_mstate *s)
{
	honk_buf_reset(out);
	if (honk_mstate_write(out, s) != 0)
		abort();
}

/* The text as state/<id>.yaml, and as another migration's file. */
static void check_paths(const struct honk_mstate *s, const uint8_t *data,
			size_t size)
{
	struct honk_diags d = HONK_DIAGS_INIT;
	struct honk_buf path = HONK_BUF_INIT;
	struct honk_mstate t;
	const char *other = strcmp(s->id, "a.b") ? "state/a.b.yaml"
						 : "state/a.c.yaml";

	if (honk_path_state(&path, s->id) != 0 ||
	    honk_mstate_parse(&t, path.buf, (const char *)data, size, &d) != 0)
		abort();
	honk_mstate_release(&t);
	if (honk_mstate_parse(&t, other, (const char *)data, size, &d) !=
		    HONK_EINVALID ||
	    d.n != 1 || !strstr(d.v[0].msg, "belongs in"))
		abort();
	honk_fuzz_check_diags(&d, other, size);
	honk_buf_release(&path);
	honk_diags_release(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* no directory: the file need not be the one its migration names */
	static const char path[] = "fuzz.yaml";
	struct honk_diags d = HONK_DIAGS_INIT;
	struct honk_mstate s, back, copy;
	struct honk_buf one = HONK_BUF_INIT, two = HONK_BUF_INIT;
	int err;

	err = honk_mstate_parse(&s, path, (const char *)data, size, &d);
	honk_fuzz_check_diags(&d, path, size);
	if (err != 0) {
		if (err != HONK_EINVALID || !honk_diags_count(&d))
			abort();
		goto cleanup;
	}
	if (d.n || !s.id)
		abort();
	check_paths(&s, data, size);
	write_or_abort(&one, &s);
	if (honk_mstate_parse(&back, path, one.buf, one.len, &d) != 0)
		abort(); /* what honk writes must read again */
	write_or_abort(&two, &back);
	if (two.len != one.len || memcmp(two.buf, one.buf, one.len))
		abort();
	if (back.n != s.n || strcmp(back.id, s.id) || back.phase != s.phase)
		abort();
	honk_mstate_release(&back);
	if (honk_mstate_copy(&copy, &s) != 0)
		abort();
	honk_mstate_release(&s);
	write_or_abort(&two, &copy);
	if (two.len != one.len || memcmp(two.buf, one.buf, one.len))
		abort();
	honk_mstate_release(&copy);
cleanup:
	honk_buf_release(&one);
	honk_buf_release(&two);
	honk_diags_release(&d);
	return 0;
}
