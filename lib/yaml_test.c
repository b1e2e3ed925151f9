/*
 * The strict YAML loader, the key-table walker and the emitter.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "yaml.h"
#include "banned.h"

/* Parse text; return the diagnostics as "line:col: msg\n..." (malloc'ed). */
static char *parse(struct honk_ydoc *doc, const char *text, size_t len,
		   const struct honk_yload_opts *opts, int *err)
{
	struct honk_diags d = HONK_DIAGS_INIT;
	struct honk_buf out = HONK_BUF_INIT;
	size_t i;

	*err = honk_ydoc_parse(doc, "f.yaml", text, len, opts, &d);
	honk_diags_sort(&d);
	for (i = 0; i < d.n; i++)
		honk_buf_addf(&out, "%u:%u: %s\n", d.v[i].line, d.v[i].col,
			      d.v[i].msg);
	honk_diags_release(&d);
	return honk_buf_detach(&out, NULL);
}

static void expect_refusal(const char *text, const char *msgs)
{
	struct honk_ydoc doc = HONK_YDOC_INIT;
	int err;
	char *got = parse(&doc, text, strlen(text), NULL, &err);

	assert_int_equal(err, HONK_EINVALID);
	assert_null(doc.root);
	assert_string_equal(got, msgs);
	free(got);
	honk_ydoc_release(&doc);
}

static void tree_has_positions(void **state)
{
	struct honk_ydoc doc = HONK_YDOC_INIT;
	const struct honk_ynode *r, *v;
	int err;
	static const char text[] = "a: 1\nb:\n  - x\n  - 'y'\nc: {d: ~}\n";
	char *msgs = parse(&doc, text, sizeof(text) - 1, NULL, &err);

	(void)state;
	assert_string_equal(msgs, "");
	assert_int_equal(err, 0);
	r = doc.root;
	assert_int_equal(r->type, HONK_YMAP);
	assert_int_equal(r->n, 3);
	v = honk_ymap_get(r, "b");
	assert_int_equal(v->type, HONK_YSEQ);
	assert_int_equal(v->n, 2);
	assert_int_equal(v->line, 3);
	assert_int_equal(v->col, 3);
	assert_string_equal(v->first->next->str, "y");
	assert_true(v->first->next->quoted);
	v = honk_ymap_get(honk_ymap_get(r, "c"), "d");
	assert_true(honk_ynode_is_null(v));
	assert_null(honk_ymap_get(r, "zz"));
	free(msgs);
	honk_ydoc_release(&doc);
}

static void empty_file_has_no_root(void **state)
{
	struct honk_ydoc doc = HONK_YDOC_INIT;
	int err;
	char *msgs = parse(&doc, "", 0, NULL, &err);

	(void)state;
	assert_int_equal(err, 0);
	assert_null(doc.root);
	free(msgs);
	honk_ydoc_release(&doc);
}

static void anchors_aliases_tags_are_refused(void **state)
{
	(void)state;
	expect_refusal("a: &x 1\n", "1:4: anchors are not allowed\n");
	expect_refusal("a: 1\nb: *x\n", "2:4: aliases are not allowed\n");
	expect_refusal("&a [*a]\n",
		       "1:1: anchors are not allowed\n"
		       "1:5: aliases are not allowed\n");
	expect_refusal("a: &a [x, x]\nb: [*a, *a]\n",
		       "1:4: anchors are not allowed\n"
		       "2:5: aliases are not allowed (and more in this file)\n");
	expect_refusal("a: !!str 3\n", "1:4: tags are not allowed\n");
	expect_refusal("a: !custom {b: 1}\n", "1:4: tags are not allowed\n");
}

static void second_document_is_refused(void **state)
{
	(void)state;
	expect_refusal("a: 1\n---\nb: 2\n",
		       "2:1: a file must hold one YAML document, found a second\n");
}

static char *nested(unsigned depth)
{
	char *s = malloc(2 * depth + 2);
	unsigned i;

	for (i = 0; i < depth; i++)
		s[i] = '[';
	for (i = 0; i < depth; i++)
		s[depth + i] = ']';
	s[2 * depth] = '\n';
	s[2 * depth + 1] = '\0';
	return s;
}

static void depth_is_capped(void **state)
{
	struct honk_ydoc doc = HONK_YDOC_INIT;
	char *ok = nested(64), *deep = nested(65), *msgs;
	int err;

	(void)state;
	msgs = parse(&doc, ok, strlen(ok), NULL, &err);
	assert_int_equal(err, 0);
	assert_string_equal(msgs, "");
	free(msgs);
	msgs = parse(&doc, deep, strlen(deep), NULL, &err);
	assert_int_equal(err, HONK_EINVALID);
	assert_string_equal(msgs, "1:65: nesting is deeper than 64 levels\n");
	free(msgs);
	free(ok);
	free(deep);
	honk_ydoc_release(&doc);
}

static void size_is_capped_before_parsing(void **state)
{
	struct honk_yload_opts o = HONK_YLOAD_OPTS_INIT;
	struct honk_ydoc doc = HONK_YDOC_INIT;
	char *msgs;
	int err;

	(void)state;
	o.max_size = 8;
	msgs = parse(&doc, "a: 123456\n", 10, &o, &err);
	assert_int_equal(err, HONK_EINVALID);
	assert_string_equal(msgs, "1:1: file is 10 bytes, larger than the limit of 8 bytes\n");
	free(msgs);
	honk_ydoc_release(&doc);
}

static void duplicate_keys_are_refused(void **state)
{
	(void)state;
	expect_refusal("a: 1\nb: 2\na: 3\n",
		       "3:1: duplicate key 'a' (first at line 1)\n");
	expect_refusal("x: {k: 1, k: 2}\n",
		       "1:11: duplicate key 'k' (first at line 1)\n");
}

static void bad_bytes_have_positions(void **state)
{
	struct honk_ydoc doc = HONK_YDOC_INIT;
	char *msgs;
	int err;

	(void)state;
	msgs = parse(&doc, "a: 1\nb: x\xff\n", 10, NULL, &err);
	assert_int_equal(err, HONK_EINVALID);
	assert_string_equal(msgs, "2:5: invalid leading UTF-8 octet (#xff)\n");
	free(msgs);
	msgs = parse(&doc, "a: b\0c\n", 7, NULL, &err);
	assert_int_equal(err, HONK_EINVALID);
	assert_string_equal(msgs, "1:5: control characters are not allowed (#x00)\n");
	free(msgs);
	honk_ydoc_release(&doc);
}

static void keys_must_be_scalars_and_syntax_errors_stop(void **state)
{
	(void)state;
	expect_refusal("? [a]\n: 1\n", "1:3: a mapping key must be a plain scalar\n");
	expect_refusal("a: [1, 2\n",
		       "2:1: did not find expected ',' or ']' while parsing a flow sequence (line 1)\n");
}

/* ---- walker ---- */

struct thing {
	const char *name;
	int64_t count;
	int flag;
	int color;
	const char **tags;
	size_t ntags;
	const char **cmd;
	size_t ncmd;
};

static const char *const colors[] = { "red", "green", "blue", NULL };

static int k_name(struct honk_yctx *c, const struct honk_ynode *n, void *o)
{
	return honk_y_name(c, n, "thing", &((struct thing *)o)->name);
}

static int k_count(struct honk_yctx *c, const struct honk_ynode *n, void *o)
{
	return honk_y_int(c, n, 0, 10, &((struct thing *)o)->count);
}

static int k_flag(struct honk_yctx *c, const struct honk_ynode *n, void *o)
{
	return honk_y_bool(c, n, &((struct thing *)o)->flag);
}

static int k_color(struct honk_yctx *c, const struct honk_ynode *n, void *o)
{
	return honk_y_enum(c, n, colors, &((struct thing *)o)->color);
}

static int k_tags(struct honk_yctx *c, const struct honk_ynode *n, void *o)
{
	struct thing *t = o;

	return honk_y_strlist(c, n, &t->tags, &t->ntags);
}

static int k_cmd(struct honk_yctx *c, const struct honk_ynode *n, void *o)
{
	struct thing *t = o;

	return honk_y_argv(c, n, &t->cmd, &t->ncmd);
}

static const struct honk_ykey keys[] = {
	{ "name", HONK_YKEY_REQUIRED, k_name },
	{ "count", 0, k_count },
	{ "required", 0, k_flag },
	{ "color", 0, k_color },
	{ "tags", 0, k_tags },
	{ "command", 0, k_cmd },
};

struct list {
	struct thing v[4];
};

static int item(struct honk_yctx *c, const struct honk_ynode *n, size_t i,
		void *o)
{
	struct list *l = o;

	return honk_ymap_walk(c, n, "a thing", keys, 6, &l->v[i]);
}

static char *walk(const char *text, struct list *l, struct honk_arena *arena)
{
	struct honk_ydoc doc = HONK_YDOC_INIT;
	struct honk_diags d = HONK_DIAGS_INIT;
	struct honk_buf out = HONK_BUF_INIT;
	struct honk_yctx c;
	size_t i;

	memset(l, 0, sizeof(*l));
	assert_int_equal(honk_ydoc_parse(&doc, "f.yaml", text, strlen(text),
					 NULL, &d),
			 0);
	honk_yctx_init(&c, "f.yaml", &d, arena);
	honk_yseq_walk(&c, doc.root, item, l);
	honk_diags_sort(&d);
	for (i = 0; i < d.n; i++)
		honk_buf_addf(&out, "%u:%u: %s\n", d.v[i].line, d.v[i].col,
			      d.v[i].msg);
	honk_diags_release(&d);
	honk_ydoc_release(&doc);
	return honk_buf_detach(&out, NULL);
}

static void walker_maps_values(void **state)
{
	struct honk_arena arena = HONK_ARENA_INIT;
	struct list l;
	char *msgs = walk("- name: a.b\n  count: 7\n  required: yes\n"
			  "  color: blue\n  tags: [x, y]\n  command: make test\n"
			  "- {name: c, command: [ls, -l]}\n",
			  &l, &arena);

	(void)state;
	assert_string_equal(msgs, "");
	assert_string_equal(l.v[0].name, "a.b");
	assert_int_equal(l.v[0].count, 7);
	assert_int_equal(l.v[0].flag, 1);
	assert_int_equal(l.v[0].color, 2);
	assert_int_equal(l.v[0].ntags, 2);
	assert_string_equal(l.v[0].tags[1], "y");
	assert_int_equal(l.v[0].ncmd, 3);
	assert_string_equal(l.v[0].cmd[0], "/bin/sh");
	assert_string_equal(l.v[0].cmd[1], "-c");
	assert_string_equal(l.v[0].cmd[2], "make test");
	assert_int_equal(l.v[1].ncmd, 2);
	assert_string_equal(l.v[1].cmd[1], "-l");
	free(msgs);
	honk_arena_release(&arena);
}

static void walker_reports_everything_with_key_paths(void **state)
{
	struct honk_arena arena = HONK_ARENA_INIT;
	struct list l;
	char *msgs = walk("- name: ok\n  requierd: true\n"
			  "- name: '-rf'\n  count: \"3\"\n  color: bleu\n"
			  "- count: 11\n  required: maybe\n  tags: x\n  command: []\n",
			  &l, &arena);

	(void)state;
	assert_string_equal(msgs,
			    "2:3: unknown key 'requierd' in a thing, did you mean 'required'? (at [0])\n"
			    "3:9: invalid thing name '-rf': each segment must start with [a-z0-9] (at [1].name)\n"
			    "4:10: expected an integer, found a quoted string (at [1].count)\n"
			    "5:10: unknown value 'bleu', did you mean 'blue'? (one of: red, green, blue) (at [1].color)\n"
			    "6:3: missing required key 'name' in a thing (at [2])\n"
			    "6:10: '11' is out of range [0, 10] (at [2].count)\n"
			    "7:13: expected true or false, found 'maybe' (at [2].required)\n"
			    "8:9: expected a list of strings, found a scalar (at [2].tags)\n"
			    "9:12: a command must not be empty (at [2].command)\n");
	free(msgs);
	honk_arena_release(&arena);
}

static void suggestions_are_close_only(void **state)
{
	static const char *const words[] = { "required", "renamed_from",
					     "description", "fields", NULL };

	(void)state;
	assert_string_equal(honk_suggest("requierd", words), "required");
	assert_string_equal(honk_suggest("feilds", words), "fields");
	assert_string_equal(honk_suggest("descripton", words), "description");
	assert_null(honk_suggest("owner", words));
	assert_null(honk_suggest("x", words));
}

/* ---- emitter ---- */

static void emitter_is_deterministic_and_quotes_ambiguous_strings(void **state)
{
	static const char *const tricky[] = { "3", "yes", "", "~", "null",
					      "2026-01-01", "-1", ".5", "on",
					      "a: b", "#x", NULL };
	struct honk_buf out = HONK_BUF_INIT;
	struct honk_ywriter *w = NULL;
	struct honk_ydoc doc = HONK_YDOC_INIT;
	struct honk_diags d = HONK_DIAGS_INIT;
	const struct honk_ynode *seq, *it;
	size_t i;

	(void)state;
	assert_int_equal(honk_yw_new(&w, &out), 0);
	honk_yw_map_begin(w, 0);
	honk_yw_str(w, "migration");
	honk_yw_str(w, "plays.user_plays.v3-v4");
	honk_yw_str(w, "from");
	honk_yw_int(w, 3);
	honk_yw_str(w, "auto");
	honk_yw_bool(w, 0);
	honk_yw_str(w, "none");
	honk_yw_null(w);
	honk_yw_str(w, "fields");
	honk_yw_seq_begin(w, 1);
	honk_yw_str(w, "ts");
	honk_yw_str(w, "user_id");
	honk_yw_seq_end(w);
	honk_yw_str(w, "tricky");
	honk_yw_seq_begin(w, 0);
	for (i = 0; tricky[i]; i++)
		honk_yw_str(w, tricky[i]);
	honk_yw_seq_end(w);
	honk_yw_map_end(w);
	assert_int_equal(honk_yw_finish(w), 0);
	honk_yw_free(w);
	assert_string_equal(out.buf,
			    "migration: plays.user_plays.v3-v4\n"
			    "from: 3\n"
			    "auto: false\n"
			    "none: null\n"
			    "fields: [ts, user_id]\n"
			    "tricky:\n"
			    "- \"3\"\n"
			    "- \"yes\"\n"
			    "- \"\"\n"
			    "- \"~\"\n"
			    "- \"null\"\n"
			    "- \"2026-01-01\"\n"
			    "- \"-1\"\n"
			    "- \".5\"\n"
			    "- \"on\"\n"
			    "- 'a: b'\n"
			    "- '#x'\n");
	/* and it reads back as strings */
	assert_int_equal(honk_ydoc_parse(&doc, "out", out.buf, out.len, NULL, &d), 0);
	seq = honk_ymap_get(doc.root, "tricky");
	for (i = 0, it = seq->first; tricky[i]; i++, it = it->next) {
		assert_string_equal(it->str, tricky[i]);
		assert_true(it->quoted);
	}
	honk_ydoc_release(&doc);
	honk_diags_release(&d);
	honk_buf_release(&out);
}

static void emitter_output_is_bounded(void **state)
{
	struct honk_buf out = HONK_BUF_INIT;
	struct honk_ywriter *w = NULL;
	int i;

	(void)state;
	honk_buf_init(&out, 64);
	assert_int_equal(honk_yw_new(&w, &out), 0);
	honk_yw_seq_begin(w, 0);
	for (i = 0; i < 100; i++)
		honk_yw_str(w, "a long enough string to overflow the limit");
	honk_yw_seq_end(w);
	assert_int_not_equal(honk_yw_finish(w), 0);
	honk_yw_free(w);
	assert_true(out.len <= 64);
	honk_buf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tree_has_positions),
		cmocka_unit_test(empty_file_has_no_root),
		cmocka_unit_test(anchors_aliases_tags_are_refused),
		cmocka_unit_test(second_document_is_refused),
		cmocka_unit_test(depth_is_capped),
		cmocka_unit_test(size_is_capped_before_parsing),
		cmocka_unit_test(duplicate_keys_are_refused),
		cmocka_unit_test(bad_bytes_have_positions),
		cmocka_unit_test(keys_must_be_scalars_and_syntax_errors_stop),
		cmocka_unit_test(walker_maps_values),
		cmocka_unit_test(walker_reports_everything_with_key_paths),
		cmocka_unit_test(suggestions_are_close_only),
		cmocka_unit_test(emitter_is_deterministic_and_quotes_ambiguous_strings),
		cmocka_unit_test(emitter_output_is_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
