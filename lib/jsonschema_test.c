/*
 * The JSON Schema importer and the diff, against Wikimedia's event
 * schemas (testdata/corpora/wikimedia-event-primary) and their stated
 * ground truth: two consecutive versions with the same major number
 * differ only by added optional fields, added enum values and
 * documentation, and are backward compatible; the pairs the project
 * exempted from that rule (jsonschema-tools.yaml) must show the change
 * the rule forbids.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "diff.h"
#include "jsonschema.h"
#include "banned.h"

#define CORPUS "testdata/corpora/wikimedia-event-primary/jsonschema"

struct version {
	char *file;
	int major, minor, patch;
};

static int cmp_version(const void *pa, const void *pb)
{
	const struct version *a = pa, *b = pb;

	if (a->major != b->major)
		return a->major - b->major;
	if (a->minor != b->minor)
		return a->minor - b->minor;
	return a->patch - b->patch;
}

static int load(struct honk_schema *out, struct honk_arena *arena,
		const char *path)
{
	struct honk_buf b = HONK_BUF_INIT;
	struct honk_diags d = HONK_DIAGS_INIT;
	int err;

	assert_int_equal(honk_buf_read_file(&b, path), 0);
	err = honk_jsonschema_import(out, arena, path, b.buf, b.len, &d);
	if (err) {
		honk_diags_sort(&d);
		honk_diags_print(&d, stdout);
	}
	honk_diags_release(&d);
	honk_buf_release(&b);
	return err;
}

/* The titles and versions jsonschema-tools exempts from the rule. */
static const char *const exempt[] = {
	"fragment/http/1.2.0", "mediawiki/client/error/1.1.0",
	"fragment/mediawiki/state/change/page/1.2.0",
	"mediawiki/page/change/1.2.0", NULL
};

static int is_exempt(const char *title, const struct version *v)
{
	char id[600];
	size_t i;

	snprintf(id, sizeof(id), "%s/%d.%d.%d", title, v->major, v->minor,
		 v->patch);
	for (i = 0; exempt[i]; i++)
		if (!strcmp(id, exempt[i]))
			return 1;
	return 0;
}

/*
 * Files honk refuses, by design, with the reason: YAML anchors and
 * aliases are never loaded. (network_error has one version: no pair.)
 */
static const struct {
	const char *file, *message;
} refusals[] = {
	{ "w3c/reportingapi/network_error/1.0.0.yaml",
	  "177:11: anchors are not allowed" },
};

static const char *refusal(const char *file)
{
	size_t i, len = strlen(file);

	for (i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		size_t l = strlen(refusals[i].file);

		if (len > l && !strcmp(file + len - l, refusals[i].file))
			return refusals[i].message;
	}
	return NULL;
}

/* Import a file that must be refused; the first message must match. */
static void expect_refused(const char *path, const char *message)
{
	struct honk_buf b = HONK_BUF_INIT, want = HONK_BUF_INIT;
	struct honk_diags d = HONK_DIAGS_INIT;
	struct honk_arena arena = HONK_ARENA_INIT;
	struct honk_schema s;

	assert_int_equal(honk_buf_read_file(&b, path), 0);
	assert_int_equal(honk_jsonschema_import(&s, &arena, path, b.buf, b.len,
						&d),
			 HONK_EINVALID);
	honk_diags_sort(&d);
	assert_true(d.n > 0);
	honk_buf_addf(&want, "%u:%u: %s", d.v[0].line, d.v[0].col, d.v[0].msg);
	assert_string_equal(want.buf, message);
	honk_diags_release(&d);
	honk_arena_release(&arena);
	honk_buf_release(&want);
	honk_buf_release(&b);
}

/* What the rule allows between minor versions. */
static int allowed(const struct honk_change *c)
{
	switch (c->kind) {
	case HONK_FIELD_ADDED:
		return !c->required;
	case HONK_ENUM_SYMBOL_ADDED:
	case HONK_DESCRIPTION_CHANGED:
	case HONK_DEFAULT_CHANGED:
		return 1;
	default:
		return 0;
	}
}

struct totals {
	unsigned titles, files, pairs, majors, exempt_pairs, refused;
};

static void check_title(const char *dir, const char *title, struct totals *t)
{
	struct version v[64];
	size_t n = 0, i;
	DIR *d = opendir(dir);
	struct dirent *e;

	assert_non_null(d);
	while ((e = readdir(d))) {
		int ma, mi, pa;
		char tail[8];

		if (sscanf(e->d_name, "%d.%d.%d.%7s", &ma, &mi, &pa, tail) !=
			    4 ||
		    strcmp(tail, "yaml") != 0)
			continue;
		assert_true(n < 64);
		v[n].file = malloc(strlen(dir) + strlen(e->d_name) + 2);
		assert_non_null(v[n].file);
		snprintf(v[n].file, strlen(dir) + strlen(e->d_name) + 2,
			 "%s/%s", dir, e->d_name);
		v[n].major = ma;
		v[n].minor = mi;
		v[n].patch = pa;
		n++;
	}
	closedir(d);
	if (!n)
		return;
	t->titles++;
	qsort(v, n, sizeof(v[0]), cmp_version);
	for (i = 0; i < n; i++) {
		struct honk_arena arena = HONK_ARENA_INIT;
		struct honk_schema s;

		t->files++;
		if (refusal(v[i].file)) {
			expect_refused(v[i].file, refusal(v[i].file));
			t->refused++;
			continue;
		}
		if (load(&s, &arena, v[i].file) != 0)
			fail_msg("%s does not import", v[i].file);
		honk_arena_release(&arena);
	}
	for (i = 1; i < n; i++) {
		struct honk_arena arena = HONK_ARENA_INIT;
		struct honk_diff diff = HONK_DIFF_INIT;
		struct honk_schema a, b;
		size_t k, forbidden = 0;

		if (refusal(v[i - 1].file) || refusal(v[i].file))
			continue;
		assert_int_equal(load(&a, &arena, v[i - 1].file), 0);
		assert_int_equal(load(&b, &arena, v[i].file), 0);
		assert_int_equal(honk_diff_schemas(&diff, &a, &b, NULL, NULL),
				 0);
		for (k = 0; k < diff.n; k++)
			if (!allowed(&diff.v[k]))
				forbidden++;
		if (v[i].major != v[i - 1].major) {
			t->majors++; /* declared breaking: nothing to hold */
		} else if (is_exempt(title, &v[i])) {
			t->exempt_pairs++;
			if (!forbidden)
				fail_msg(
					"%s: exempted pair shows no forbidden change",
					v[i].file);
		} else {
			t->pairs++;
			for (k = 0; k < diff.n; k++)
				if (!allowed(&diff.v[k]))
					fail_msg(
						"%s -> %s: %s at '%s' is not allowed between minor versions",
						v[i - 1].file, v[i].file,
						honk_change_names[diff.v[k].kind],
						diff.v[k].path);
			if (honk_diff_breaking(&diff, HONK_POLICY_BACKWARD))
				fail_msg("%s: breaking under backward",
					 v[i].file);
		}
		honk_diff_release(&diff);
		honk_arena_release(&arena);
	}
	for (i = 0; i < n; i++)
		free(v[i].file);
}

static void walk(const char *dir, const char *title, struct totals *t)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char sub[1024], subtitle[512];

	assert_non_null(d);
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || strstr(e->d_name, ".yaml"))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name);
		snprintf(subtitle, sizeof(subtitle), "%s%s%s", title,
			 *title ? "/" : "", e->d_name);
		check_title(sub, subtitle, t);
		walk(sub, subtitle, t);
	}
	closedir(d);
}

static void corpus_matches_the_ground_truth(void **state)
{
	struct totals t = { 0, 0, 0, 0, 0, 0 };

	(void)state;
	walk(CORPUS, "", &t);
	print_message(
		"corpus: %u titles, %u files (%u refused), %u minor pairs, %u exempt pairs, %u major bumps\n",
		t.titles, t.files, t.refused, t.pairs, t.exempt_pairs,
		t.majors);
	assert_int_equal(t.files, 83);
	assert_int_equal(t.refused, 1);
	assert_int_equal(t.exempt_pairs, 4);
	/* every pair of minor versions, recentchange's included */
	assert_int_equal(t.pairs, 11);
}

static void page_change_drops_performer_requiredness(void **state)
{
	struct honk_arena arena = HONK_ARENA_INIT;
	struct honk_diff diff = HONK_DIFF_INIT;
	struct honk_schema a, b;
	size_t k;
	int seen = 0;

	(void)state;
	assert_int_equal(load(&a, &arena,
			      CORPUS "/mediawiki/page/change/1.1.0.yaml"),
			 0);
	assert_int_equal(load(&b, &arena,
			      CORPUS "/mediawiki/page/change/1.2.0.yaml"),
			 0);
	assert_int_equal(honk_diff_schemas(&diff, &a, &b, NULL, NULL), 0);
	for (k = 0; k < diff.n; k++)
		if (diff.v[k].kind == HONK_REQUIRED_REMOVED &&
		    !strcmp(diff.v[k].path, "performer"))
			seen = 1;
	assert_true(seen);
	honk_diff_release(&diff);
	honk_arena_release(&arena);
}

/* A list of several types is a union of them; with structure, refused. */
static void type_lists_are_unions(void **state)
{
	static const char ok[] =
		"type: object\n"
		"properties:\n"
		"  p: {type: [array, object, string], additionalProperties: true}\n"
		"  q: {type: [integer, 'null', string]}\n";
	static const char bad[] = "type: object\n"
				  "properties:\n"
				  "  p:\n"
				  "    type: [array, object]\n"
				  "    properties: {x: {type: string}}\n";
	struct honk_diags d = HONK_DIAGS_INIT;
	struct honk_arena arena = HONK_ARENA_INIT;
	struct honk_schema s;

	(void)state;
	assert_int_equal(honk_jsonschema_import(&s, &arena, "ok.yaml", ok,
						sizeof(ok) - 1, &d),
			 0);
	assert_int_equal(s.nfields, 2);
	assert_int_equal(s.fields[0].type, HONK_T_UNION);
	assert_int_equal(s.fields[0].nvariants, 3);
	assert_int_equal(s.fields[0].variants[0], HONK_T_STRING);
	assert_int_equal(s.fields[0].variants[1], HONK_T_RECORD);
	assert_int_equal(s.fields[0].variants[2], HONK_T_ARRAY);
	assert_int_equal(s.fields[1].type, HONK_T_UNION);
	assert_int_equal(s.fields[1].nvariants, 2);
	assert_false(s.fields[1].required);
	assert_int_equal(honk_jsonschema_import(&s, &arena, "bad.yaml", bad,
						sizeof(bad) - 1, &d),
			 HONK_EINVALID);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.v[0].line, 5);
	assert_non_null(
		strstr(d.v[0].msg,
		       "a union of types with 'properties' cannot be mapped"));
	honk_diags_release(&d);
	honk_arena_release(&arena);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(corpus_matches_the_ground_truth),
		cmocka_unit_test(type_lists_are_unions),
		cmocka_unit_test(page_change_drops_performer_requiredness),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
