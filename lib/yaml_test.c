/*
 * Unit tests for the strict YAML loader, the schema-table walker and the
 * deterministic emitter: what is refused, where it is reported, what the
 * message says, and what a round trip gives back.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "diag.h"
#include "error.h"
#include "yaml.h"
#include "banned.h"

/* ---- helpers ---------------------------------------------------------- */

struct loaded {
	struct honk_ydoc doc;
	struct honk_diags diags;
	int err;
};

static void load_opts(struct loaded *l, const char *data, size_t len,
		      const struct honk_yload_opts *opts)
{
	struct honk_ydoc doc = HONK_YDOC_INIT;
	struct honk_diags diags = HONK_DIAGS_INIT;

	l->doc = doc;
	l->diags = diags;
	l->err = honk_ydoc_parse(&l->doc, "t.yaml", data, len, opts, &l->diags);
	honk_diags_sort(&l->diags);
}

static void load(struct loaded *l, const char *s)
{
	load_opts(l, s, strlen(s), NULL);
}

static void unload(struct loaded *l)
{
	honk_ydoc_release(&l->doc);
	honk_diags_release(&l->diags);
}

static void dump_diags(const struct honk_diags *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		print_message("  %u:%u: %s\n", d->v[i].line, d->v[i].col,
			      d->v[i].msg);
}

/* Assert that diagnostic i is exactly line:col: msg. */
static void diag_is(const struct honk_diags *d, size_t i, unsigned line,
		    unsigned col, const char *msg)
{
	if (i >= d->n) {
		dump_diags(d);
		fail_msg("expected a diagnostic #%zu: %u:%u: %s", i, line, col,
			 msg);
	}
	if (d->v[i].line != line || d->v[i].col != col ||
	    strcmp(d->v[i].msg, msg) != 0) {
		dump_diags(d);
		fail_msg("expected %u:%u: %s", line, col, msg);
	}
	assert_string_equal(d->v[i].path, "t.yaml");
}

/* The input is refused with exactly this one diagnostic. */
static void refused_with(const char *data, size_t len, unsigned line,
			 unsigned col, const char *msg)
{
	struct loaded l;

	load_opts(&l, data, len, NULL);
	assert_int_equal(l.err, HONK_EINVALID);
	assert_null(l.doc.root);
	diag_is(&l.diags, 0, line, col, msg);
	if (l.diags.n != 1) {
		dump_diags(&l.diags);
		fail_msg("expected one diagnostic, got %zu", l.diags.n);
	}
	unload(&l);
}

#define REFUSED(s, line, col, msg) \
	refused_with(s, sizeof(s) - 1, line, col, msg)

static void loaded_ok(struct loaded *l, const char *s)
{
	load(l, s);
	if (l->err) {
		dump_diags(&l->diags);
		fail_msg("refused: %s", s);
	}
	assert_int_equal(l->diags.n, 0);
}

/* ---- loading ---------------------------------------------------------- */

static void test_tree_shape(void **state)
{
	struct loaded l;
	const struct honk_ynode *root, *k, *v, *it;

	(void)state;
	loaded_ok(&l, "name: plays\n"
		      "list:\n"
		      "  - 1\n"
		      "  - \"two\"\n"
		      "map: {k: v}\n"
		      "empty:\n");
	root = l.doc.root;
	assert_non_null(root);
	assert_int_equal(root->type, HONK_YMAP);
	assert_int_equal(root->n, 4);
	assert_int_equal(root->line, 1);
	assert_int_equal(root->col, 1);

	k = root->first;
	assert_int_equal(k->type, HONK_YSCALAR);
	assert_string_equal(k->str, "name");
	assert_int_equal(k->len, 4);
	v = k->next;
	assert_string_equal(v->str, "plays");
	assert_int_equal(v->line, 1);
	assert_int_equal(v->col, 7);
	assert_int_equal(v->quoted, 0);

	v = honk_ymap_get(root, "list");
	assert_non_null(v);
	assert_int_equal(v->type, HONK_YSEQ);
	assert_int_equal(v->n, 2);
	assert_int_equal(v->line, 3);
	assert_int_equal(v->col, 3);
	it = v->first;
	assert_string_equal(it->str, "1");
	assert_int_equal(it->quoted, 0);
	assert_int_equal(it->line, 3);
	assert_int_equal(it->col, 5);
	it = it->next;
	assert_string_equal(it->str, "two");
	assert_int_equal(it->quoted, 1);
	assert_int_equal(it->line, 4);
	assert_int_equal(it->col, 5);
	assert_null(it->next);

	v = honk_ymap_get(root, "map");
	assert_int_equal(v->type, HONK_YMAP);
	assert_int_equal(v->n, 1);
	assert_int_equal(v->line, 5);
	assert_int_equal(v->col, 6);
	assert_string_equal(honk_ymap_get(v, "k")->str, "v");

	v = honk_ymap_get(root, "empty");
	assert_non_null(v);
	assert_true(honk_ynode_is_null(v));
	assert_null(honk_ymap_get(root, "missing"));
	assert_null(honk_ymap_get(root, "nam"));
	assert_null(honk_ymap_get(honk_ymap_get(root, "list"), "1"));
	assert_null(honk_ymap_get(NULL, "x"));
	unload(&l);
}

static void test_empty_and_null(void **state)
{
	struct loaded l;
	const struct honk_ynode *it;
	static const int is_null[] = { 1, 1, 1, 1, 1, 0, 0, 0, 0 };
	size_t i;

	(void)state;
	loaded_ok(&l, "");
	assert_null(l.doc.root);
	unload(&l);
	loaded_ok(&l, "# only a comment\n");
	assert_null(l.doc.root);
	unload(&l);

	loaded_ok(&l, "- ~\n- null\n- Null\n- NULL\n-\n- ''\n- \"~\"\n"
		      "- nil\n- 'null'\n");
	assert_int_equal(l.doc.root->n, 9);
	for (i = 0, it = l.doc.root->first; it; it = it->next, i++)
		if (honk_ynode_is_null(it) != is_null[i])
			fail_msg("item %zu '%s': is_null should be %d", i,
				 it->str, is_null[i]);
	unload(&l);
}

static void test_anchors_aliases_tags(void **state)
{
	(void)state;
	REFUSED("a: &x 1\n", 1, 4, "anchors are not allowed");
	REFUSED("a: 1\nb: *x\n", 2, 4, "aliases are not allowed");
	REFUSED("a: &m {b: 1}\n", 1, 4, "anchors are not allowed");
	REFUSED("a: !!str 1\n", 1, 4, "tags are not allowed");
	REFUSED("a: !!map {b: 1}\n", 1, 4, "tags are not allowed");
	REFUSED("- !local [1]\n", 1, 3, "tags are not allowed");
	REFUSED("a: 1\n---\nb: 2\n", 2, 1,
		"a file must hold one YAML document, found a second");
}

static void test_self_reference(void **state)
{
	struct loaded l;

	(void)state;
	/* libyaml 0.2.5 builds a cycle from this with its document API */
	load(&l, "&a [*a]\n");
	assert_int_equal(l.err, HONK_EINVALID);
	assert_null(l.doc.root);
	assert_int_equal(l.diags.n, 2);
	diag_is(&l.diags, 0, 1, 1, "anchors are not allowed");
	diag_is(&l.diags, 1, 1, 5, "aliases are not allowed");
	unload(&l);
}

static void test_billion_laughs(void **state)
{
	struct honk_buf b = HONK_BUF_INIT;
	struct loaded l;
	size_t i;
	int j;

	(void)state;
	honk_buf_addstr(
		&b, "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
	for (j = 1; j < 10; j++)
		honk_buf_addf(
			&b,
			"a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n",
			j, j, j - 1, j - 1, j - 1, j - 1, j - 1, j - 1, j - 1,
			j - 1, j - 1);
	load_opts(&l, b.buf, b.len, NULL);
	assert_int_equal(l.err, HONK_EINVALID);
	assert_null(l.doc.root);
	/* the first anchor and the first alias, the rest counted: nothing
	 * is expanded and the report does not grow with the bomb */
	assert_int_equal(l.diags.n, 2);
	diag_is(&l.diags, 0, 1, 5,
		"anchors are not allowed (and more in this file)");
	diag_is(&l.diags, 1, 2, 10,
		"aliases are not allowed (and more in this file)");
	for (i = 0; i < l.diags.n; i++)
		assert_non_null(strstr(l.diags.v[i].msg, "are not allowed"));
	unload(&l);
	honk_buf_release(&b);
}

static void nested(struct honk_buf *b, unsigned depth)
{
	unsigned i;

	honk_buf_reset(b);
	for (i = 0; i < depth; i++)
		honk_buf_addch(b, '[');
	honk_buf_addch(b, 'x');
	for (i = 0; i < depth; i++)
		honk_buf_addch(b, ']');
	honk_buf_addch(b, '\n');
}

static void test_depth_limit(void **state)
{
	struct honk_buf b = HONK_BUF_INIT;
	struct honk_yload_opts opts = HONK_YLOAD_OPTS_INIT;
	const struct honk_ynode *n;
	struct loaded l;
	unsigned i;

	(void)state;
	nested(&b, 64);
	load_opts(&l, b.buf, b.len, NULL);
	assert_int_equal(l.err, 0);
	for (i = 0, n = l.doc.root; n->type == HONK_YSEQ; n = n->first)
		i++;
	assert_int_equal(i, 64);
	assert_string_equal(n->str, "x");
	assert_int_equal(n->col, 65);
	unload(&l);

	nested(&b, 65);
	refused_with(b.buf, b.len, 1, 65, "nesting is deeper than 64 levels");

	/* block mappings count the same way */
	honk_buf_reset(&b);
	for (i = 0; i < 65; i++)
		honk_buf_addf(&b, "%*sk%u:\n", (int)i, "", i);
	refused_with(b.buf, b.len, 65, 65, "nesting is deeper than 64 levels");
	b.len = 0;
	for (i = 0; i < 64; i++)
		honk_buf_addf(&b, "%*sk%u:\n", (int)i, "", i);
	load_opts(&l, b.buf, b.len, NULL);
	assert_int_equal(l.err, 0);
	unload(&l);

	/* a huge run of '[' costs one error, not one per level */
	honk_buf_reset(&b);
	for (i = 0; i < 200000; i++)
		honk_buf_addch(&b, '[');
	refused_with(b.buf, b.len, 1, 65, "nesting is deeper than 64 levels");

	/* the cap is an option */
	opts.max_depth = 2;
	nested(&b, 3);
	load_opts(&l, b.buf, b.len, &opts);
	assert_int_equal(l.err, HONK_EINVALID);
	diag_is(&l.diags, 0, 1, 3, "nesting is deeper than 2 levels");
	unload(&l);
	honk_buf_release(&b);
}

static void test_size_limit(void **state)
{
	struct honk_yload_opts opts = HONK_YLOAD_OPTS_INIT;
	struct loaded l;

	(void)state;
	opts.max_size = 10;
	load_opts(&l, "a: 1234567", 10, &opts);
	assert_int_equal(l.err, 0);
	assert_string_equal(honk_ymap_get(l.doc.root, "a")->str, "1234567");
	unload(&l);

	load_opts(&l, "a: 12345678", 11, &opts);
	assert_int_equal(l.err, HONK_EINVALID);
	assert_null(l.doc.root);
	assert_int_equal(l.diags.n, 1);
	diag_is(&l.diags, 0, 1, 1,
		"file is 11 bytes, larger than the limit of 10 bytes");
	unload(&l);
}

static void test_duplicate_keys(void **state)
{
	struct loaded l;

	(void)state;
	REFUSED("x: 1\ny: 2\nx: 3\n", 3, 1,
		"duplicate key 'x' (first at line 1)");
	REFUSED("a:\n  b: 1\n  c: 2\n  b: 3\n", 4, 3,
		"duplicate key 'b' (first at line 2)");
	REFUSED("{k: 1, k: 2}\n", 1, 8, "duplicate key 'k' (first at line 1)");

	/* every repeat is reported against the first occurrence */
	load(&l, "x: 1\ny: 2\nx: 3\nz: 0\nx: 4\n");
	assert_int_equal(l.err, HONK_EINVALID);
	assert_int_equal(l.diags.n, 2);
	diag_is(&l.diags, 0, 3, 1, "duplicate key 'x' (first at line 1)");
	diag_is(&l.diags, 1, 5, 1, "duplicate key 'x' (first at line 1)");
	unload(&l);

	/* same text, different quoting: still the same key */
	REFUSED("a: 1\n'a': 2\n", 2, 1, "duplicate key 'a' (first at line 1)");
	/* keys in different maps do not clash; prefixes are not equal */
	loaded_ok(&l, "a: {x: 1}\nb: {x: 2}\nab: 3\nx: 4\n");
	unload(&l);
}

static void test_bad_bytes(void **state)
{
	(void)state;
	REFUSED("a: 1\nb: \xff\n", 2, 4, "invalid leading UTF-8 octet (#xff)");
	REFUSED("a: 1\nb: caf\xc3(\n", 2, 8,
		"invalid trailing UTF-8 octet (#x28)");
	REFUSED("a: 1\nb: x\0y\n", 2, 5,
		"control characters are not allowed (#x00)");
	REFUSED("k: \"\xc3\xa9\x01\"\n", 1, 6,
		"control characters are not allowed (#x01)");
	/* NUL smuggled through an escape */
	REFUSED("a: \"x\\0y\"\n", 1, 4, "NUL characters are not allowed");
}

static void test_non_scalar_keys(void **state)
{
	(void)state;
	REFUSED("? [a]\n: 1\n", 1, 3, "a mapping key must be a plain scalar");
	REFUSED("{[a]: 1}\n", 1, 2, "a mapping key must be a plain scalar");
	REFUSED("? {a: 1}\n: 1\n", 1, 3,
		"a mapping key must be a plain scalar");
}

static void test_syntax_errors(void **state)
{
	(void)state;
	REFUSED("a: 1\nb: [1, 2\nc: 3\n", 3, 2,
		"did not find expected ',' or ']' while parsing a flow sequence (line 2)");
	REFUSED("a: 1\n  b: 2\n", 2, 4,
		"mapping values are not allowed in this context");
	REFUSED("a:\n\tb: 1\n", 2, 1,
		"found character that cannot start any token while scanning for the next token (line 2)");
	REFUSED("a: 'open\n", 2, 1,
		"found unexpected end of stream while scanning a quoted scalar (line 1)");
}

static void test_valid_utf8_kept(void **state)
{
	struct loaded l;

	(void)state;
	loaded_ok(&l, "d: \"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8e\xb5\"\n");
	assert_string_equal(honk_ymap_get(l.doc.root, "d")->str,
			    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8e\xb5");
	unload(&l);
}

/* ---- walking ---------------------------------------------------------- */

struct cfg {
	const char *name;
	int64_t count;
	int required;
	int criticality;
	const char **tags;
	size_t ntags;
	const char **cmd;
	size_t ncmd;
};

static const char *const criticalities[] = { "low", "medium", "high", NULL };

static int k_name(struct honk_yctx *c, const struct honk_ynode *n, void *obj)
{
	return honk_y_name(c, n, "consumer", &((struct cfg *)obj)->name);
}

static int k_count(struct honk_yctx *c, const struct honk_ynode *n, void *obj)
{
	return honk_y_int(c, n, 0, 100, &((struct cfg *)obj)->count);
}

static int k_required(struct honk_yctx *c, const struct honk_ynode *n,
		      void *obj)
{
	return honk_y_bool(c, n, &((struct cfg *)obj)->required);
}

static int k_criticality(struct honk_yctx *c, const struct honk_ynode *n,
			 void *obj)
{
	return honk_y_enum(c, n, criticalities,
			   &((struct cfg *)obj)->criticality);
}

static int k_tags(struct honk_yctx *c, const struct honk_ynode *n, void *obj)
{
	struct cfg *cfg = obj;

	return honk_y_strlist(c, n, &cfg->tags, &cfg->ntags);
}

static int k_apply(struct honk_yctx *c, const struct honk_ynode *n, void *obj)
{
	struct cfg *cfg = obj;

	return honk_y_argv(c, n, &cfg->cmd, &cfg->ncmd);
}

static const struct honk_ykey cfg_keys[] = {
	{ "name", HONK_YKEY_REQUIRED, k_name },
	{ "count", 0, k_count },
	{ "required", 0, k_required },
	{ "criticality", 0, k_criticality },
	{ "tags", 0, k_tags },
	{ "apply", 0, k_apply },
};

struct walked {
	struct loaded l;
	struct honk_arena arena;
	struct honk_diags diags;
	struct honk_yctx c;
	struct cfg cfg;
	int err;
};

static void walk(struct walked *w, const char *s)
{
	struct honk_arena arena = HONK_ARENA_INIT;
	struct honk_diags diags = HONK_DIAGS_INIT;

	memset(&w->cfg, 0, sizeof(w->cfg));
	w->arena = arena;
	w->diags = diags;
	loaded_ok(&w->l, s);
	honk_yctx_init(&w->c, "t.yaml", &w->diags, &w->arena);
	w->err = honk_ymap_walk(&w->c, w->l.doc.root, "a consumer", cfg_keys,
				sizeof(cfg_keys) / sizeof(cfg_keys[0]),
				&w->cfg);
	honk_diags_sort(&w->diags);
}

static void unwalk(struct walked *w)
{
	unload(&w->l);
	honk_diags_release(&w->diags);
	honk_arena_release(&w->arena);
}

/* The walk fails with exactly one diagnostic. */
static void walk_refused(const char *s, unsigned line, unsigned col,
			 const char *msg)
{
	struct walked w;

	walk(&w, s);
	assert_int_equal(w.err, HONK_EINVALID);
	assert_int_equal(w.c.errors, 1);
	diag_is(&w.diags, 0, line, col, msg);
	if (w.diags.n != 1) {
		dump_diags(&w.diags);
		fail_msg("expected one diagnostic, got %zu", w.diags.n);
	}
	unwalk(&w);
}

static void test_walk_ok(void **state)
{
	struct walked w;

	(void)state;
	walk(&w, "name: royalty-reports\n"
		 "count: 7\n"
		 "required: yes\n"
		 "criticality: high\n"
		 "tags: [a, 'b c', \"3\"]\n"
		 "apply: [./ops/apply.sh, --dry-run]\n");
	assert_int_equal(w.err, 0);
	assert_int_equal(w.diags.n, 0);
	assert_int_equal(w.c.errors, 0);
	assert_string_equal(w.cfg.name, "royalty-reports");
	assert_true(w.cfg.count == 7);
	assert_int_equal(w.cfg.required, 1);
	assert_int_equal(w.cfg.criticality, 2);
	assert_int_equal(w.cfg.ntags, 3);
	assert_string_equal(w.cfg.tags[0], "a");
	assert_string_equal(w.cfg.tags[1], "b c");
	assert_string_equal(w.cfg.tags[2], "3");
	assert_int_equal(w.cfg.ncmd, 2);
	assert_string_equal(w.cfg.cmd[0], "./ops/apply.sh");
	assert_string_equal(w.cfg.cmd[1], "--dry-run");
	/* results live in the context's arena, not in the document */
	unload(&w.l);
	assert_string_equal(w.cfg.name, "royalty-reports");
	assert_string_equal(w.cfg.cmd[0], "./ops/apply.sh");
	honk_diags_release(&w.diags);
	honk_arena_release(&w.arena);
}

static void test_walk_unknown_key(void **state)
{
	(void)state;
	walk_refused(
		"name: x\nrequierd: true\n", 2, 1,
		"unknown key 'requierd' in a consumer, did you mean 'required'?");
	walk_refused(
		"name: x\ncriticallity: low\n", 2, 1,
		"unknown key 'criticallity' in a consumer, did you mean 'criticality'?");
	walk_refused("name: x\nzzz: 1\n", 2, 1,
		     "unknown key 'zzz' in a consumer");
	/* a case difference is still an unknown key */
	walk_refused("name: x\nName: y\n", 2, 1,
		     "unknown key 'Name' in a consumer, did you mean 'name'?");
	/* hostile key text is escaped in the message */
	walk_refused("name: x\n\"it's\\n\": 1\n", 2, 1,
		     "unknown key 'it\\x27s\\x0a' in a consumer");
}

static void test_walk_all_errors_reported(void **state)
{
	struct walked w;

	(void)state;
	walk(&w, "count: \"3\"\nrequierd: maybe\ncriticality: hihg\n");
	assert_int_equal(w.err, HONK_EINVALID);
	assert_int_equal(w.c.errors, 4);
	assert_int_equal(w.diags.n, 4);
	diag_is(&w.diags, 0, 1, 1, "missing required key 'name' in a consumer");
	diag_is(&w.diags, 1, 1, 8,
		"expected an integer, found a quoted string (at count)");
	diag_is(&w.diags, 2, 2, 1,
		"unknown key 'requierd' in a consumer, did you mean 'required'?");
	diag_is(&w.diags, 3, 3, 14,
		"unknown value 'hihg', did you mean 'high'? (one of: low, medium, high) (at criticality)");
	unwalk(&w);
}

static void test_walk_not_a_map(void **state)
{
	struct walked w;

	(void)state;
	loaded_ok(&w.l, "- a\n- b\n");
	{
		struct honk_arena arena = HONK_ARENA_INIT;
		struct honk_diags diags = HONK_DIAGS_INIT;

		w.arena = arena;
		w.diags = diags;
	}
	honk_yctx_init(&w.c, "t.yaml", &w.diags, &w.arena);
	assert_int_equal(honk_ymap_walk(&w.c, w.l.doc.root, "a consumer",
					cfg_keys, 6, &w.cfg),
			 HONK_EINVALID);
	diag_is(&w.diags, 0, 1, 1,
		"expected a consumer as a mapping, found a list");
	unwalk(&w);
}

static void test_typed_int(void **state)
{
	struct walked w;

	(void)state;
	walk(&w, "name: x\ncount: 100\n");
	assert_int_equal(w.err, 0);
	assert_true(w.cfg.count == 100);
	unwalk(&w);
	walk_refused("name: x\ncount: \"3\"\n", 2, 8,
		     "expected an integer, found a quoted string (at count)");
	walk_refused("name: x\ncount: '3'\n", 2, 8,
		     "expected an integer, found a quoted string (at count)");
	walk_refused("name: x\ncount: 101\n", 2, 8,
		     "'101' is out of range [0, 100] (at count)");
	walk_refused("name: x\ncount: 3.0\n", 2, 8,
		     "'3.0' is not an integer (at count)");
	walk_refused("name: x\ncount: 0x10\n", 2, 8,
		     "'0x10' has leading zeros (at count)");
	walk_refused("name: x\ncount:\n", 2, 7,
		     "expected an integer, found nothing (at count)");
	walk_refused("name: x\ncount: [1]\n", 2, 8,
		     "expected an integer, found a list (at count)");
}

static void test_typed_bool(void **state)
{
	static const char *const yes[] = { "true", "True", "yes", "on", "ON" };
	static const char *const no[] = { "false", "FALSE", "no", "off",
					  "Off" };
	char doc[64];
	struct walked w;
	size_t i;

	(void)state;
	for (i = 0; i < 5; i++) {
		snprintf(doc, sizeof(doc), "name: x\nrequired: %s\n", yes[i]);
		walk(&w, doc);
		assert_int_equal(w.err, 0);
		assert_int_equal(w.cfg.required, 1);
		unwalk(&w);
		snprintf(doc, sizeof(doc), "name: x\nrequired: %s\n", no[i]);
		walk(&w, doc);
		w.cfg.required = 7;
		w.err = honk_ymap_walk(&w.c, w.l.doc.root, "a consumer",
				       cfg_keys, 6, &w.cfg);
		assert_int_equal(w.err, 0);
		assert_int_equal(w.cfg.required, 0);
		unwalk(&w);
	}
	walk_refused("name: x\nrequired: maybe\n", 2, 11,
		     "expected true or false, found 'maybe' (at required)");
	walk_refused("name: x\nrequired: \"true\"\n", 2, 11,
		     "expected true or false, found 'true' (at required)");
	walk_refused("name: x\nrequired: 1\n", 2, 11,
		     "expected true or false, found '1' (at required)");
	walk_refused("name: x\nrequired: ~\n", 2, 11,
		     "expected true or false, found nothing (at required)");
}

static void test_typed_enum_and_name(void **state)
{
	(void)state;
	walk_refused(
		"name: x\ncriticality: hihg\n", 2, 14,
		"unknown value 'hihg', did you mean 'high'? (one of: low, medium, high) (at criticality)");
	walk_refused(
		"name: x\ncriticality: critical\n", 2, 14,
		"unknown value 'critical' (one of: low, medium, high) (at criticality)");
	walk_refused(
		"name: x\ncriticality: {a: 1}\n", 2, 14,
		"expected one of low, medium, high, found a mapping (at criticality)");
	walk_refused(
		"name: -rf\n", 1, 7,
		"invalid consumer name '-rf': each segment must start with [a-z0-9] (at name)");
	walk_refused(
		"name: \"$(id)\"\n", 1, 7,
		"invalid consumer name '$(id)': each segment must start with [a-z0-9] (at name)");
	walk_refused("name: ''\n", 1, 7, "consumer name is empty (at name)");
}

static void test_typed_strlist(void **state)
{
	struct walked w;

	(void)state;
	walk(&w, "name: x\ntags: []\n");
	assert_int_equal(w.err, 0);
	assert_int_equal(w.cfg.ntags, 0);
	assert_non_null(w.cfg.tags);
	unwalk(&w);
	walk_refused("name: x\ntags: a\n", 2, 7,
		     "expected a list of strings, found a scalar (at tags)");
	walk_refused("name: x\ntags: [a, [b]]\n", 2, 11,
		     "expected a string, found a list (at tags[1])");
	walk_refused("name: x\ntags:\n  - a\n  - b\n  -\n", 5, 4,
		     "expected a string, found nothing (at tags[2])");
}

static void test_typed_argv(void **state)
{
	struct walked w;

	(void)state;
	walk(&w, "name: x\napply: make test && echo \"$HONK_CONSUMER\"\n");
	assert_int_equal(w.err, 0);
	assert_int_equal(w.cfg.ncmd, 3);
	assert_string_equal(w.cfg.cmd[0], "/bin/sh");
	assert_string_equal(w.cfg.cmd[1], "-c");
	assert_string_equal(w.cfg.cmd[2],
			    "make test && echo \"$HONK_CONSUMER\"");
	unwalk(&w);

	walk(&w, "name: x\napply: [make, test]\n");
	assert_int_equal(w.err, 0);
	assert_int_equal(w.cfg.ncmd, 2);
	assert_string_equal(w.cfg.cmd[0], "make");
	unwalk(&w);

	walk_refused("name: x\napply: []\n", 2, 8,
		     "a command must not be empty (at apply)");
	walk_refused(
		"name: x\napply:\n", 2, 7,
		"expected a command (a list or a string), found nothing (at apply)");
	walk_refused(
		"name: x\napply: {run: x}\n", 2, 8,
		"expected a command (a list or a string), found a mapping (at apply)");
	walk_refused("name: x\napply: [make, {a: b}]\n", 2, 15,
		     "expected a string, found a mapping (at apply[1])");
	/* nothing to run is refused, not run as a success */
	walk_refused("name: x\napply: \"\"\n", 2, 8,
		     "a command must not be empty (at apply)");
	walk_refused("name: x\napply: \" \\t \"\n", 2, 8,
		     "a command must not be empty (at apply)");
	walk_refused("name: x\napply: [\"\", x]\n", 2, 9,
		     "a command's program must not be empty (at apply)");
	walk(&w, "name: x\napply: [printf, \"\"]\n");
	assert_int_equal(w.err, 0);
	unwalk(&w);
}

/* versions: [ {schema: [str...]} ... ] */
static int k_schema_item(struct honk_yctx *c, const struct honk_ynode *n,
			 size_t i, void *obj)
{
	const char *s;

	(void)i;
	(void)obj;
	return honk_y_str(c, n, &s);
}

static int k_schema(struct honk_yctx *c, const struct honk_ynode *n, void *obj)
{
	return honk_yseq_walk(c, n, k_schema_item, obj);
}

static const struct honk_ykey version_keys[] = {
	{ "schema", HONK_YKEY_REQUIRED, k_schema },
};

static int k_version(struct honk_yctx *c, const struct honk_ynode *n, size_t i,
		     void *obj)
{
	(void)i;
	return honk_ymap_walk(c, n, "a version", version_keys, 1, obj);
}

static int k_versions(struct honk_yctx *c, const struct honk_ynode *n,
		      void *obj)
{
	return honk_yseq_walk(c, n, k_version, obj);
}

static const struct honk_ykey top_keys[] = {
	{ "versions", HONK_YKEY_REQUIRED, k_versions },
};

static void test_key_path(void **state)
{
	struct honk_arena arena = HONK_ARENA_INIT;
	struct honk_diags diags = HONK_DIAGS_INIT;
	struct honk_yctx c;
	struct loaded l;

	(void)state;
	loaded_ok(&l, "versions:\n"
		      "  - schema: [a]\n"
		      "  - schema:\n"
		      "      - {x: 1}\n"
		      "      - b\n"
		      "  - {}\n"
		      "  - 3\n");
	honk_yctx_init(&c, "t.yaml", &diags, &arena);
	assert_int_equal(honk_ymap_walk(&c, l.doc.root, "a dataset", top_keys,
					1, NULL),
			 HONK_EINVALID);
	assert_int_equal(diags.n, 3);
	diag_is(&diags, 0, 4, 9,
		"expected a string, found a mapping (at versions[1].schema[0])");
	diag_is(&diags, 1, 6, 5,
		"missing required key 'schema' in a version (at versions[2])");
	diag_is(&diags, 2, 7, 5,
		"expected a version as a mapping, found a scalar (at versions[3])");
	/* the path is unwound after the walk */
	assert_int_equal(c.keylen, 0);
	assert_string_equal(c.keypath, "");

	/* errors at the top carry no suffix */
	honk_yerror(&c, l.doc.root, "custom %d", 42);
	assert_int_equal(diags.n, 4);
	assert_string_equal(diags.v[3].msg, "custom 42");
	assert_int_equal(c.errors, 4);
	unload(&l);
	honk_diags_release(&diags);
	honk_arena_release(&arena);
}

#define LONG_KEY "a_rather_long_key_name_that_takes_up_most_of_a_line_000000"

static int k_deep(struct honk_yctx *c, const struct honk_ynode *n, void *obj);

static const struct honk_ykey deep_keys[] = {
	{ LONG_KEY, 0, k_deep },
};

static int k_deep(struct honk_yctx *c, const struct honk_ynode *n, void *obj)
{
	const char *s;

	if (n->type == HONK_YMAP)
		return honk_ymap_walk(c, n, "a level", deep_keys, 1, obj);
	return honk_y_str(c, n, &s);
}

static void test_key_path_elided(void **state)
{
	struct honk_arena arena = HONK_ARENA_INIT;
	struct honk_diags diags = HONK_DIAGS_INIT;
	struct honk_buf b = HONK_BUF_INIT, want = HONK_BUF_INIT;
	struct honk_yctx c;
	struct loaded l;
	unsigned i;

	(void)state;
	/* eight levels of 59-byte keys do not fit the 256-byte key path */
	for (i = 0; i < 8; i++)
		honk_buf_addf(&b, "%*s" LONG_KEY ":\n", (int)(2 * i), "");
	honk_buf_addf(&b, "%*s- x\n", (int)(2 * i), "");
	loaded_ok(&l, b.buf);
	honk_yctx_init(&c, "t.yaml", &diags, &arena);
	assert_int_equal(honk_ymap_walk(&c, l.doc.root, "a level", deep_keys, 1,
					NULL),
			 HONK_EINVALID);
	assert_int_equal(diags.n, 1);
	/* whole names only, then the elision mark */
	honk_buf_addstr(&want, "expected a string, found a list (at " LONG_KEY);
	for (i = 1; i < 4; i++)
		honk_buf_addstr(&want, "." LONG_KEY);
	honk_buf_addstr(&want, "...)");
	assert_string_equal(diags.v[0].msg, want.buf);
	assert_int_equal(c.keylen, 0);
	unload(&l);
	honk_diags_release(&diags);
	honk_arena_release(&arena);
	honk_buf_release(&b);
	honk_buf_release(&want);
}

static void test_suggest(void **state)
{
	static const char *const keys[] = { "name",	   "required",
					    "default",	   "renamed_from",
					    "description", NULL };
	static const char *const types[] = { "string", "int32", "int64",
					     "bytes", NULL };

	(void)state;
	assert_string_equal(honk_suggest("requierd", keys), "required");
	assert_string_equal(honk_suggest("requried", keys), "required");
	assert_string_equal(honk_suggest("nmae", keys), "name");
	assert_string_equal(honk_suggest("nam", keys), "name");
	assert_string_equal(honk_suggest("defualt", keys), "default");
	assert_string_equal(honk_suggest("renamedfrom", keys), "renamed_from");
	assert_string_equal(honk_suggest("strng", types), "string");
	assert_string_equal(honk_suggest("int33", types), "int32");
	assert_null(honk_suggest("zzz", keys));
	assert_null(honk_suggest("ab", keys));
	assert_null(honk_suggest("", keys));
	assert_null(honk_suggest("completely-different", keys));
	assert_null(honk_suggest(
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", keys));
}

/* ---- emitting --------------------------------------------------------- */

static void emit_small(struct honk_buf *out)
{
	struct honk_ywriter *w = NULL;

	assert_int_equal(honk_yw_new(&w, out), 0);
	honk_yw_map_begin(w, 0);
	honk_yw_str(w, "migration");
	honk_yw_str(w, "plays.user_plays.v3-v4");
	honk_yw_str(w, "from");
	honk_yw_int(w, 3);
	honk_yw_str(w, "auto_merge");
	honk_yw_bool(w, 0);
	honk_yw_str(w, "note");
	honk_yw_null(w);
	honk_yw_str(w, "changes");
	honk_yw_seq_begin(w, 0);
	honk_yw_map_begin(w, 1);
	honk_yw_str(w, "path");
	honk_yw_str(w, "ts");
	honk_yw_map_end(w);
	honk_yw_str(w, "yes");
	honk_yw_seq_end(w);
	honk_yw_str(w, "fields");
	honk_yw_seq_begin(w, 1);
	honk_yw_str(w, "user_id");
	honk_yw_int(w, -1);
	honk_yw_seq_end(w);
	honk_yw_map_end(w);
	assert_int_equal(honk_yw_finish(w), 0);
	honk_yw_free(w);
}

static void test_emit_deterministic(void **state)
{
	struct honk_buf a = HONK_BUF_INIT, b = HONK_BUF_INIT;

	(void)state;
	emit_small(&a);
	assert_string_equal(a.buf, "migration: plays.user_plays.v3-v4\n"
				   "from: 3\n"
				   "auto_merge: false\n"
				   "note: null\n"
				   "changes:\n"
				   "- {path: ts}\n"
				   "- \"yes\"\n"
				   "fields: [user_id, -1]\n");
	emit_small(&b);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.buf, b.buf, a.len);
	honk_buf_release(&a);
	honk_buf_release(&b);
}

static void test_emit_round_trip(void **state)
{
	static const char *const strs[] = {
		"3",	      "yes",	     "",      "~",
		"2026-01-01", "null",	     "true",  "NO",
		"y",	      "-1",	     "1.5",   "0x1f",
		"12:30",      ".inf",	     "-.inf", ".NaN",
		"-.5",	      "<<",	     "=",     "plain",
		"a b",	      "x: y",	     "#c",    "- a",
		" lead",      "caf\xc3\xa9", "'q'",   "multi\nline",
	};
	size_t n = sizeof(strs) / sizeof(strs[0]), i;
	struct honk_buf out = HONK_BUF_INIT;
	struct honk_arena arena = HONK_ARENA_INIT;
	struct honk_diags diags = HONK_DIAGS_INIT;
	struct honk_ywriter *w = NULL;
	const struct honk_ynode *it;
	struct honk_yctx c;
	struct loaded l;

	(void)state;
	assert_int_equal(honk_yw_new(&w, &out), 0);
	honk_yw_seq_begin(w, 0);
	for (i = 0; i < n; i++)
		honk_yw_str(w, strs[i]);
	honk_yw_int(w, 42);
	honk_yw_bool(w, 1);
	honk_yw_null(w);
	honk_yw_seq_end(w);
	assert_int_equal(honk_yw_finish(w), 0);
	honk_yw_free(w);

	loaded_ok(&l, out.buf);
	honk_yctx_init(&c, "t.yaml", &diags, &arena);
	assert_int_equal(l.doc.root->n, n + 3);
	for (i = 0, it = l.doc.root->first; i < n; i++, it = it->next) {
		const char *s = NULL;

		assert_int_equal(it->type, HONK_YSCALAR);
		assert_string_equal(it->str, strs[i]);
		assert_false(honk_ynode_is_null(it));
		if (i < 19 && !it->quoted)
			fail_msg("'%s' was written unquoted:\n%s", strs[i],
				 out.buf);
		if (honk_y_str(&c, it, &s) < 0)
			fail_msg("'%s' does not read back as a string",
				 strs[i]);
		assert_string_equal(s, strs[i]);
	}
	/* the typed values come back as their types */
	{
		int64_t v = 0;
		int bv = 0;

		assert_int_equal(honk_y_int(&c, it, 0, 100, &v), 0);
		assert_true(v == 42);
		it = it->next;
		assert_int_equal(honk_y_bool(&c, it, &bv), 0);
		assert_int_equal(bv, 1);
		it = it->next;
		assert_true(honk_ynode_is_null(it));
	}
	/* and a quoted "3" is not an integer */
	{
		int64_t v = 0;

		assert_int_equal(honk_y_int(&c, l.doc.root->first, 0, 10, &v),
				 HONK_EINVALID);
	}
	unload(&l);
	honk_diags_release(&diags);
	honk_arena_release(&arena);
	honk_buf_release(&out);
}

static void test_emit_limit(void **state)
{
	struct honk_buf out;
	struct honk_ywriter *w = NULL;
	int i;

	(void)state;
	honk_buf_init(&out, 16);
	assert_int_equal(honk_yw_new(&w, &out), 0);
	honk_yw_seq_begin(w, 0);
	for (i = 0; i < 100; i++)
		honk_yw_str(w, "a longer string than the limit");
	honk_yw_seq_end(w);
	assert_int_equal(honk_yw_finish(w), HONK_ELIMIT);
	assert_true(out.len <= 16);
	honk_yw_free(w);
	honk_buf_release(&out);
	honk_yw_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tree_shape),
		cmocka_unit_test(test_empty_and_null),
		cmocka_unit_test(test_anchors_aliases_tags),
		cmocka_unit_test(test_self_reference),
		cmocka_unit_test(test_billion_laughs),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_size_limit),
		cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_bad_bytes),
		cmocka_unit_test(test_non_scalar_keys),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_valid_utf8_kept),
		cmocka_unit_test(test_walk_ok),
		cmocka_unit_test(test_walk_unknown_key),
		cmocka_unit_test(test_walk_all_errors_reported),
		cmocka_unit_test(test_walk_not_a_map),
		cmocka_unit_test(test_typed_int),
		cmocka_unit_test(test_typed_bool),
		cmocka_unit_test(test_typed_enum_and_name),
		cmocka_unit_test(test_typed_strlist),
		cmocka_unit_test(test_typed_argv),
		cmocka_unit_test(test_key_path),
		cmocka_unit_test(test_key_path_elided),
		cmocka_unit_test(test_suggest),
		cmocka_unit_test(test_emit_deterministic),
		cmocka_unit_test(test_emit_round_trip),
		cmocka_unit_test(test_emit_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
