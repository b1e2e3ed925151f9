/*
 * Strict YAML loading, schema-table walking and deterministic emitting.
 *
 * The loader drives libyaml's event API and builds a tree in an arena.
 * It refuses what honk's formats never need and what makes YAML dangerous
 * to read from a push nobody reviewed: anchors and aliases (libyaml 0.2.5
 * happily builds `&a [*a]`; expansion bombs), explicit tags, more than one
 * document, nesting past max_depth (checked on every start event, so a
 * million '[' cost one error, not a million frames), files past max_size
 * (checked before parsing) and duplicate keys. Syntax errors stop the
 * parse (libyaml cannot resume); everything else is collected.
 *
 * The walker keeps the current key path in a fixed buffer; when a path is
 * too long for it the tail is elided rather than truncated mid-name.
 */
#include "yaml.h"

#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "error.h"
#include "names.h"
#include "parse.h"
#include "banned.h"

/* ---- loading ---------------------------------------------------------- */

struct loader {
	struct honk_ydoc *doc;
	const char *path;
	struct honk_diags *diags;
	unsigned max_depth;
	unsigned depth;
	struct honk_ynode **stack; /* open containers, max_depth deep */
	int failed;
	/* anchors and aliases: the first is reported, the rest counted */
	unsigned anchors, aliases;
	yaml_mark_t first_anchor, first_alias;
};

static void refuse(struct loader *l, const yaml_mark_t *m, int alias)
{
	l->failed = 1;
	if (alias) {
		if (!l->aliases++)
			l->first_alias = *m;
	} else {
		if (!l->anchors++)
			l->first_anchor = *m;
	}
}

static void report_refused(struct loader *l)
{
	if (l->anchors)
		honk_diag_add(l->diags, l->path,
			      (unsigned)l->first_anchor.line + 1,
			      (unsigned)l->first_anchor.column + 1,
			      "anchors are not allowed%s",
			      l->anchors > 1 ? " (and more in this file)" : "");
	if (l->aliases)
		honk_diag_add(l->diags, l->path,
			      (unsigned)l->first_alias.line + 1,
			      (unsigned)l->first_alias.column + 1,
			      "aliases are not allowed%s",
			      l->aliases > 1 ? " (and more in this file)" : "");
}

static int lerr(struct loader *l, const yaml_mark_t *m, const char *msg)
{
	l->failed = 1;
	return honk_diag_add(l->diags, l->path, (unsigned)m->line + 1,
			     (unsigned)m->column + 1, "%s", msg);
}

static struct honk_ynode *new_node(struct loader *l, enum honk_ytype type,
				   const yaml_mark_t *m)
{
	struct honk_ynode *n = honk_arena_alloc(&l->doc->arena, sizeof(*n));

	if (!n)
		return NULL;
	n->type = type;
	n->line = (unsigned)m->line + 1;
	n->col = (unsigned)m->column + 1;
	n->str = "";
	return n;
}

static int key_cmp(const void *pa, const void *pb)
{
	const struct honk_ynode *a = *(const struct honk_ynode *const *)pa;
	const struct honk_ynode *b = *(const struct honk_ynode *const *)pb;
	size_t n = a->len < b->len ? a->len : b->len;
	int c = memcmp(a->str, b->str, n);

	if (c)
		return c;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	/* equal keys: document order, so the later one is reported */
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	return a->col < b->col ? -1 : a->col > b->col;
}

static void check_duplicates(struct loader *l, const struct honk_ynode *map)
{
	const struct honk_ynode **keys;
	const struct honk_ynode *k, *first;
	size_t i = 0;

	if (map->n < 2)
		return;
	keys = malloc(map->n * sizeof(*keys));
	if (!keys)
		return;
	for (k = map->first; k && k->next; k = k->next->next)
		if (k->type == HONK_YSCALAR)
			keys[i++] = k;
	qsort(keys, i, sizeof(*keys), key_cmp);
	/* equal keys sort together, in document order: report each against the
	 * first */
	first = i ? keys[0] : NULL;
	for (size_t j = 1; j < i; j++) {
		const struct honk_ynode *b = keys[j];

		if (first->len != b->len ||
		    memcmp(first->str, b->str, b->len)) {
			first = b;
			continue;
		}
		l->failed = 1;
		honk_diag_add(l->diags, l->path, b->line, b->col,
			      "duplicate key '%s' (first at line %u)", b->str,
			      first->line);
	}
	free(keys);
}

static void append_child(struct honk_ynode *parent, struct honk_ynode *n)
{
	if (parent->last_)
		parent->last_->next = n;
	else
		parent->first = n;
	parent->last_ = n;
}

/* Attach n to the open container (or make it the root). */
static void attach(struct loader *l, struct honk_ynode *n)
{
	struct honk_ynode *parent;

	if (!l->depth) {
		l->doc->root = n;
		return;
	}
	parent = l->stack[l->depth - 1];
	append_child(parent, n);
	if (parent->type == HONK_YSEQ) {
		parent->n++;
	} else {
		/* keys sit at even positions; count a pair at its value */
		if (parent->len % 2 == 0 && n->type != HONK_YSCALAR) {
			yaml_mark_t m = { 0, n->line - 1, n->col - 1 };
			lerr(l, &m, "a mapping key must be a plain scalar");
		}
		if (parent->len % 2 == 1)
			parent->n++;
		parent->len++;
	}
}

static int explicit_tag(const yaml_char_t *tag, int implicit)
{
	return tag && !implicit;
}

static int on_event(struct loader *l, yaml_event_t *e, int *docs)
{
	struct honk_ynode *n;

	switch (e->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (++*docs > 1)
			return lerr(
				l, &e->start_mark,
				"a file must hold one YAML document, found a second");
		return 0;
	case YAML_ALIAS_EVENT:
		refuse(l, &e->start_mark, 1);
		n = new_node(l, HONK_YSCALAR, &e->start_mark);
		if (!n)
			return HONK_ERROR;
		attach(l, n);
		return 0;
	case YAML_SCALAR_EVENT:
		if (e->data.scalar.anchor)
			refuse(l, &e->start_mark, 0);
		if (explicit_tag(e->data.scalar.tag,
				 e->data.scalar.plain_implicit ||
					 e->data.scalar.quoted_implicit))
			lerr(l, &e->start_mark, "tags are not allowed");
		n = new_node(l, HONK_YSCALAR, &e->start_mark);
		if (!n)
			return HONK_ERROR;
		n->len = e->data.scalar.length;
		n->str = honk_arena_strndup(&l->doc->arena,
					    (const char *)e->data.scalar.value,
					    n->len);
		if (!n->str)
			return HONK_ERROR;
		if (memchr(n->str, '\0', n->len))
			lerr(l, &e->start_mark,
			     "NUL characters are not allowed");
		n->quoted = e->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
		attach(l, n);
		return 0;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT: {
		int is_seq = e->type == YAML_SEQUENCE_START_EVENT;
		const yaml_char_t *anchor =
			is_seq ? e->data.sequence_start.anchor
			       : e->data.mapping_start.anchor;
		const yaml_char_t *tag = is_seq ? e->data.sequence_start.tag
						: e->data.mapping_start.tag;
		int implicit = is_seq ? e->data.sequence_start.implicit
				      : e->data.mapping_start.implicit;

		if (l->depth >= l->max_depth) {
			char msg[80];

			snprintf(msg, sizeof(msg),
				 "nesting is deeper than %u levels",
				 l->max_depth);
			lerr(l, &e->start_mark, msg);
			return HONK_ELIMIT;
		}
		if (anchor)
			refuse(l, &e->start_mark, 0);
		if (explicit_tag(tag, implicit))
			lerr(l, &e->start_mark, "tags are not allowed");
		n = new_node(l, is_seq ? HONK_YSEQ : HONK_YMAP, &e->start_mark);
		if (!n)
			return HONK_ERROR;
		attach(l, n);
		l->stack[l->depth++] = n;
		return 0;
	}
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		n = l->stack[--l->depth];
		n->last_ = NULL;
		if (n->type == HONK_YMAP) {
			n->len = 0;
			check_duplicates(l, n);
		}
		return 0;
	default:
		return 0;
	}
}

int honk_ydoc_parse(struct honk_ydoc *doc, const char *path, const char *data,
		    size_t len, const struct honk_yload_opts *opts,
		    struct honk_diags *diags)
{
	struct honk_yload_opts defaults = HONK_YLOAD_OPTS_INIT;
	struct loader l = { 0 };
	yaml_parser_t parser;
	yaml_event_t ev;
	int docs = 0, err = 0, done = 0;

	if (!opts)
		opts = &defaults;
	honk_arena_reset(&doc->arena);
	doc->root = NULL;
	if (opts->max_size && len > opts->max_size)
		return honk_diag_add(
			diags, path, 1, 1,
			"file is %zu bytes, larger than the limit of %zu bytes",
			len, opts->max_size);
	l.doc = doc;
	l.path = path;
	l.diags = diags;
	l.max_depth = opts->max_depth ? opts->max_depth : HONK_YAML_MAX_DEPTH;
	l.stack = calloc(l.max_depth, sizeof(*l.stack));
	if (!l.stack)
		return honk_error_set(HONK_ERROR, "out of memory");
	if (!yaml_parser_initialize(&parser)) {
		free(l.stack);
		return honk_error_set(HONK_ERROR, "out of memory");
	}
	yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
	yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
	while (!done) {
		if (!yaml_parser_parse(&parser, &ev)) {
			const yaml_mark_t *m = &parser.problem_mark;

			if (parser.error == YAML_MEMORY_ERROR) {
				err = honk_error_set(HONK_ERROR,
						     "out of memory");
				break;
			}
			l.failed = 1;
			if (parser.error == YAML_READER_ERROR) {
				unsigned line = 1, col = 1;
				size_t i, off = parser.problem_offset;

				for (i = 0; i < off && i < len; i++) {
					if (data[i] == '\n') {
						line++;
						col = 1;
					} else if (((unsigned char)data[i] &
						    0xc0) != 0x80) {
						col++;
					}
				}
				if (parser.problem_value >= 0)
					honk_diag_add(
						diags, path, line, col,
						"%s (#x%02x)", parser.problem,
						(unsigned)parser.problem_value);
				else
					honk_diag_add(diags, path, line, col,
						      "%s", parser.problem);
			} else if (parser.context)
				honk_diag_add(
					diags, path, (unsigned)m->line + 1,
					(unsigned)m->column + 1,
					"%s %s (line %u)", parser.problem,
					parser.context,
					(unsigned)parser.context_mark.line + 1);
			else
				honk_diag_add(diags, path,
					      (unsigned)m->line + 1,
					      (unsigned)m->column + 1, "%s",
					      parser.problem ? parser.problem
							     : "invalid YAML");
			break;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		err = on_event(&l, &ev, &docs);
		yaml_event_delete(&ev);
		if (err == HONK_ELIMIT || err == HONK_ERROR)
			break;
		if (docs > 1)
			break;
		err = 0;
	}
	yaml_parser_delete(&parser);
	free(l.stack);
	report_refused(&l);
	if (err == HONK_ERROR)
		return err;
	if (l.failed) {
		doc->root = NULL;
		return HONK_EINVALID;
	}
	return 0;
}

void honk_ydoc_release(struct honk_ydoc *doc)
{
	if (!doc)
		return;
	honk_arena_release(&doc->arena);
	doc->root = NULL;
}

int honk_ynode_is_null(const struct honk_ynode *n)
{
	return n->type == HONK_YSCALAR && !n->quoted &&
	       (n->len == 0 || !strcmp(n->str, "~") ||
		!strcmp(n->str, "null") || !strcmp(n->str, "Null") ||
		!strcmp(n->str, "NULL"));
}

const struct honk_ynode *honk_ymap_get(const struct honk_ynode *map,
				       const char *key)
{
	const struct honk_ynode *k;

	if (!map || map->type != HONK_YMAP)
		return NULL;
	for (k = map->first; k && k->next; k = k->next->next)
		if (k->type == HONK_YSCALAR && !strcmp(k->str, key))
			return k->next;
	return NULL;
}

/* ---- walking ---------------------------------------------------------- */

void honk_yctx_init(struct honk_yctx *c, const char *path,
		    struct honk_diags *diags, struct honk_arena *arena)
{
	memset(c, 0, sizeof(*c));
	c->path = path;
	c->diags = diags;
	c->arena = arena;
}

static size_t path_push(struct honk_yctx *c, const char *fmt, const char *s,
			size_t i)
{
	size_t old = c->keylen, room = sizeof(c->keypath) - old, n;
	char tmp[32];

	/* already elided: deeper levels add nothing */
	if (old >= 3 && !memcmp(c->keypath + old - 3, "...", 3))
		return old;
	if (fmt[0] == '[') {
		int k = snprintf(tmp, sizeof(tmp), "[%zu]", i);

		s = tmp;
		n = (size_t)k;
	} else {
		n = strlen(s) + (old ? 1 : 0);
	}
	if (n >= room) {
		/* too deep to show: keep what fits, mark the elision */
		if (old + 4 < sizeof(c->keypath)) {
			memcpy(c->keypath + old, "...", 4);
			c->keylen = old + 3;
		}
		return old;
	}
	if (fmt[0] != '[' && old) {
		c->keypath[old] = '.';
		memcpy(c->keypath + old + 1, s, n - 1);
	} else {
		memcpy(c->keypath + old, s, n);
	}
	c->keylen = old + n;
	c->keypath[c->keylen] = '\0';
	return old;
}

static void path_pop(struct honk_yctx *c, size_t old)
{
	c->keylen = old;
	c->keypath[old] = '\0';
}

int honk_yerror(struct honk_yctx *c, const struct honk_ynode *n,
		const char *fmt, ...)
{
	struct honk_buf msg = HONK_BUF_INIT;
	va_list ap;

	c->errors++;
	va_start(ap, fmt);
	honk_buf_vaddf(&msg, fmt, ap);
	va_end(ap);
	if (c->keylen)
		honk_buf_addf(&msg, " (at %s)", c->keypath);
	honk_diag_add(c->diags, c->path, n ? n->line : 1, n ? n->col : 1, "%s",
		      msg.buf);
	honk_buf_release(&msg);
	return HONK_EINVALID;
}

static const char *type_name(const struct honk_ynode *n)
{
	if (n->type == HONK_YMAP)
		return "a mapping";
	if (n->type == HONK_YSEQ)
		return "a list";
	if (honk_ynode_is_null(n))
		return "nothing";
	return "a scalar";
}

/* Optimal string alignment distance, bounded to short words. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t d[33][33];

	if (la > 32 || lb > 32)
		return (size_t)-1;
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++) {
		for (j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1];
			size_t v = d[i - 1][j] + 1;

			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < v)
				v = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[la][lb];
}

const char *honk_suggest(const char *word, const char *const *candidates)
{
	const char *best = NULL;
	size_t best_d = (size_t)-1, len = strlen(word), limit;

	limit = len < 4 ? 1 : len < 8 ? 2 : 3;
	for (; *candidates; candidates++) {
		size_t d = edit_distance(word, *candidates);

		if (d < best_d) {
			best_d = d;
			best = *candidates;
		}
	}
	return best_d <= limit ? best : NULL;
}

static void printable(char *dst, size_t n, const char *s, size_t len)
{
	size_t i, o = 0;

	for (i = 0; i < len && o + 5 < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch < 0x20 || ch == 0x7f || ch == '\'' || ch == '\\') {
			static const char hex[] = "0123456789abcdef";
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[ch >> 4];
			dst[o++] = hex[ch & 15];
		} else {
			dst[o++] = (char)ch;
		}
	}
	if (i < len && o + 4 <= n) {
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	dst[o] = '\0';
}

int honk_ymap_walk(struct honk_yctx *c, const struct honk_ynode *n,
		   const char *what, const struct honk_ykey *keys, size_t nkeys,
		   void *obj)
{
	const char *names[64];
	unsigned char seen[64] = { 0 };
	const struct honk_ynode *k;
	unsigned before = c->errors;
	size_t i;

	if (n->type != HONK_YMAP)
		return honk_yerror(c, n, "expected %s as a mapping, found %s",
				   what, type_name(n));
	if (nkeys > 63)
		return honk_error_set(HONK_ERROR, "key table too large");
	for (i = 0; i < nkeys; i++)
		names[i] = keys[i].name;
	names[nkeys] = NULL;
	for (k = n->first; k && k->next; k = k->next->next) {
		const struct honk_ynode *v = k->next;
		size_t old;

		for (i = 0; i < nkeys; i++)
			if (!strcmp(k->str, keys[i].name) &&
			    strlen(keys[i].name) == k->len)
				break;
		if (i == nkeys) {
			const char *s = honk_suggest(k->str, names);
			char q[64];

			printable(q, sizeof(q), k->str, k->len);
			if (s)
				honk_yerror(
					c, k,
					"unknown key '%s' in %s, did you mean '%s'?",
					q, what, s);
			else
				honk_yerror(c, k, "unknown key '%s' in %s", q,
					    what);
			continue;
		}
		seen[i] = 1;
		old = path_push(c, "", keys[i].name, 0);
		keys[i].fn(c, v, obj);
		path_pop(c, old);
	}
	for (i = 0; i < nkeys; i++)
		if ((keys[i].flags & HONK_YKEY_REQUIRED) && !seen[i])
			honk_yerror(c, n, "missing required key '%s' in %s",
				    keys[i].name, what);
	return c->errors == before ? 0 : HONK_EINVALID;
}

int honk_yseq_walk(struct honk_yctx *c, const struct honk_ynode *n,
		   honk_yitem_fn fn, void *obj)
{
	const struct honk_ynode *it;
	unsigned before = c->errors;
	size_t i = 0;

	if (n->type != HONK_YSEQ)
		return honk_yerror(c, n, "expected a list, found %s",
				   type_name(n));
	for (it = n->first; it; it = it->next, i++) {
		size_t old = path_push(c, "[", NULL, i);

		fn(c, it, i, obj);
		path_pop(c, old);
	}
	return c->errors == before ? 0 : HONK_EINVALID;
}

static int scalar(struct honk_yctx *c, const struct honk_ynode *n,
		  const char *expected)
{
	if (n->type != HONK_YSCALAR || honk_ynode_is_null(n))
		return honk_yerror(c, n, "expected %s, found %s", expected,
				   type_name(n));
	return 0;
}

int honk_y_str(struct honk_yctx *c, const struct honk_ynode *n,
	       const char **out)
{
	int err;

	if ((err = scalar(c, n, "a string")) < 0)
		return err;
	*out = honk_arena_strndup(c->arena, n->str, n->len);
	return *out ? 0 : HONK_ERROR;
}

int honk_y_name(struct honk_yctx *c, const struct honk_ynode *n,
		const char *what, const char **out)
{
	int err;

	if ((err = scalar(c, n, "a name")) < 0)
		return err;
	if (honk_name_check(what, n->str) < 0)
		return honk_yerror(c, n, "%s", honk_error_last());
	*out = honk_arena_strndup(c->arena, n->str, n->len);
	return *out ? 0 : HONK_ERROR;
}

int honk_y_int(struct honk_yctx *c, const struct honk_ynode *n, int64_t min,
	       int64_t max, int64_t *out)
{
	int err;

	if ((err = scalar(c, n, "an integer")) < 0)
		return err;
	if (n->quoted)
		return honk_yerror(
			c, n, "expected an integer, found a quoted string");
	if (honk_parse_int(out, n->str, min, max) < 0)
		return honk_yerror(c, n, "%s", honk_error_last());
	return 0;
}

int honk_y_bool(struct honk_yctx *c, const struct honk_ynode *n, int *out)
{
	static const char *const yes[] = { "true", "True", "TRUE", "yes", "Yes",
					   "YES",  "on",   "On",   "ON",  NULL };
	static const char *const no[] = { "false", "False", "FALSE", "no",
					  "No",	   "NO",    "off",   "Off",
					  "OFF",   NULL };
	size_t i;
	int err;

	if ((err = scalar(c, n, "true or false")) < 0)
		return err;
	if (!n->quoted) {
		for (i = 0; yes[i]; i++)
			if (!strcmp(n->str, yes[i]))
				return *out = 1, 0;
		for (i = 0; no[i]; i++)
			if (!strcmp(n->str, no[i]))
				return *out = 0, 0;
	}
	return honk_yerror(c, n, "expected true or false, found '%s'", n->str);
}

int honk_y_date(struct honk_yctx *c, const struct honk_ynode *n,
		int64_t *out_days)
{
	int err;

	if ((err = scalar(c, n, "a date")) < 0)
		return err;
	if (honk_parse_date(out_days, n->str) < 0)
		return honk_yerror(c, n, "%s", honk_error_last());
	return 0;
}

int honk_y_duration(struct honk_yctx *c, const struct honk_ynode *n,
		    int64_t *out_ms)
{
	int err;

	if ((err = scalar(c, n, "a duration")) < 0)
		return err;
	if (honk_parse_duration(out_ms, n->str) < 0)
		return honk_yerror(c, n, "%s", honk_error_last());
	return 0;
}

int honk_y_enum(struct honk_yctx *c, const struct honk_ynode *n,
		const char *const *choices, int *out)
{
	struct honk_buf list = HONK_BUF_INIT;
	const char *s;
	char q[64];
	int i;

	if (n->type == HONK_YSCALAR && !honk_ynode_is_null(n)) {
		for (i = 0; choices[i]; i++) {
			if (!strcmp(n->str, choices[i])) {
				*out = i;
				return 0;
			}
		}
	}
	/* the list of choices only for the message */
	for (i = 0; choices[i]; i++)
		honk_buf_addf(&list, "%s%s", i ? ", " : "", choices[i]);
	if (n->type != HONK_YSCALAR || honk_ynode_is_null(n)) {
		honk_yerror(c, n, "expected one of %s, found %s", list.buf,
			    type_name(n));
		honk_buf_release(&list);
		return HONK_EINVALID;
	}
	printable(q, sizeof(q), n->str, n->len);
	s = honk_suggest(n->str, choices);
	if (s)
		honk_yerror(
			c, n,
			"unknown value '%s', did you mean '%s'? (one of: %s)",
			q, s, list.buf);
	else
		honk_yerror(c, n, "unknown value '%s' (one of: %s)", q,
			    list.buf);
	honk_buf_release(&list);
	return HONK_EINVALID;
}

int honk_y_strlist(struct honk_yctx *c, const struct honk_ynode *n,
		   const char ***out, size_t *nout)
{
	const struct honk_ynode *it;
	const char **v;
	size_t i = 0;
	int bad = 0;

	if (n->type != HONK_YSEQ)
		return honk_yerror(c, n, "expected a list of strings, found %s",
				   type_name(n));
	v = honk_arena_alloc(c->arena, (n->n + 1) * sizeof(*v));
	if (!v)
		return HONK_ERROR;
	for (it = n->first; it; it = it->next, i++) {
		size_t old = path_push(c, "[", NULL, i);

		if (honk_y_str(c, it, &v[i]) < 0)
			bad = 1;
		path_pop(c, old);
	}
	if (bad)
		return HONK_EINVALID;
	*out = v;
	*nout = n->n;
	return 0;
}

int honk_y_argv(struct honk_yctx *c, const struct honk_ynode *n,
		const char ***out, size_t *nout)
{
	const char **v;
	int err;

	if (n->type == HONK_YSEQ) {
		if ((err = honk_y_strlist(c, n, out, nout)) < 0)
			return err;
		if (*nout == 0)
			return honk_yerror(c, n, "a command must not be empty");
		if (!(*out)[0][0])
			return honk_yerror(c, n->first,
					   "a command's program must not be empty");
		return 0;
	}
	if ((err = scalar(c, n, "a command (a list or a string)")) < 0)
		return err;
	/* "/bin/sh -c ''" would succeed doing nothing: a rollback that is not */
	if (!n->str[strspn(n->str, " \t\r\n")])
		return honk_yerror(c, n, "a command must not be empty");
	v = honk_arena_alloc(c->arena, 4 * sizeof(*v));
	if (!v)
		return HONK_ERROR;
	v[0] = "/bin/sh";
	v[1] = "-c";
	v[2] = honk_arena_strndup(c->arena, n->str, n->len);
	if (!v[2])
		return HONK_ERROR;
	*out = v;
	*nout = 3;
	return 0;
}

/* ---- emitting --------------------------------------------------------- */

struct honk_ywriter {
	yaml_emitter_t em;
	struct honk_buf *dst;
	int err;
	int started;
};

static int write_handler(void *data, unsigned char *buffer, size_t size)
{
	struct honk_ywriter *w = data;

	if (honk_buf_add(w->dst, buffer, size) < 0) {
		w->err = HONK_ELIMIT;
		return 0;
	}
	return 1;
}

static void emit(struct honk_ywriter *w, yaml_event_t *e, int ok)
{
	if (w->err)
		return;
	if (!ok || !yaml_emitter_emit(&w->em, e)) {
		if (!w->err)
			w->err = honk_error_set(HONK_ERROR, "YAML emitter: %s",
						w->em.problem
							? w->em.problem
							: "out of memory");
	}
}

int honk_yw_new(struct honk_ywriter **out, struct honk_buf *dst)
{
	struct honk_ywriter *w = calloc(1, sizeof(*w));
	yaml_event_t e;

	if (!w || !yaml_emitter_initialize(&w->em)) {
		free(w);
		return honk_error_set(HONK_ERROR, "out of memory");
	}
	w->dst = dst;
	yaml_emitter_set_output(&w->em, write_handler, w);
	yaml_emitter_set_unicode(&w->em, 1);
	yaml_emitter_set_width(&w->em, -1);
	yaml_emitter_set_indent(&w->em, 2);
	yaml_emitter_set_break(&w->em, YAML_LN_BREAK);
	emit(w, &e, yaml_stream_start_event_initialize(&e, YAML_UTF8_ENCODING));
	emit(w, &e,
	     yaml_document_start_event_initialize(&e, NULL, NULL, NULL, 1));
	*out = w;
	return 0;
}

void honk_yw_free(struct honk_ywriter *w)
{
	if (!w)
		return;
	yaml_emitter_delete(&w->em);
	free(w);
}

void honk_yw_map_begin(struct honk_ywriter *w, int flow)
{
	yaml_event_t e;

	emit(w, &e,
	     yaml_mapping_start_event_initialize(
		     &e, NULL, NULL, 1,
		     flow ? YAML_FLOW_MAPPING_STYLE
			  : YAML_BLOCK_MAPPING_STYLE));
}

void honk_yw_map_end(struct honk_ywriter *w)
{
	yaml_event_t e;

	emit(w, &e, yaml_mapping_end_event_initialize(&e));
}

void honk_yw_seq_begin(struct honk_ywriter *w, int flow)
{
	yaml_event_t e;

	emit(w, &e,
	     yaml_sequence_start_event_initialize(
		     &e, NULL, NULL, 1,
		     flow ? YAML_FLOW_SEQUENCE_STYLE
			  : YAML_BLOCK_SEQUENCE_STYLE));
}

void honk_yw_seq_end(struct honk_ywriter *w)
{
	yaml_event_t e;

	emit(w, &e, yaml_sequence_end_event_initialize(&e));
}

/* Would a YAML 1.1 reader resolve this plain scalar to a non-string? */
static int needs_quotes(const char *s)
{
	static const char *const special[] = {
		"~",	 "null",  "Null",  "NULL", "true", "True", "TRUE",
		"false", "False", "FALSE", "yes",  "Yes",  "YES",  "no",
		"No",	 "NO",	  "on",	   "On",   "ON",   "off",  "Off",
		"OFF",	 "y",	  "Y",	   "n",	   "N",	   ".nan", ".NaN",
		".NAN",	 "<<",	  "=",	   NULL
	};
	static const char *const inf[] = { ".inf", ".Inf", ".INF", NULL };
	const char *p = s;
	size_t i;

	if (!*s)
		return 1;
	for (i = 0; special[i]; i++)
		if (!strcmp(s, special[i]))
			return 1;
	if (*p == '-' || *p == '+')
		p++;
	for (i = 0; inf[i]; i++)
		if (!strcmp(p, inf[i]))
			return 1;
	if (*p == '.')
		p++;
	/* numbers, dates, times, sexagesimals: anything starting with a digit
	 */
	return *p >= '0' && *p <= '9';
}

static void scalar_event(struct honk_ywriter *w, const char *s, int quote)
{
	yaml_event_t e;

	emit(w, &e,
	     yaml_scalar_event_initialize(
		     &e, NULL, NULL, (yaml_char_t *)(uintptr_t)s,
		     (int)strlen(s), !quote, 1,
		     quote ? YAML_DOUBLE_QUOTED_SCALAR_STYLE
			   : YAML_ANY_SCALAR_STYLE));
}

void honk_yw_str(struct honk_ywriter *w, const char *s)
{
	scalar_event(w, s, needs_quotes(s));
}

void honk_yw_int(struct honk_ywriter *w, int64_t v)
{
	char tmp[32];

	snprintf(tmp, sizeof(tmp), "%lld", (long long)v);
	scalar_event(w, tmp, 0);
}

void honk_yw_bool(struct honk_ywriter *w, int v)
{
	scalar_event(w, v ? "true" : "false", 0);
}

void honk_yw_null(struct honk_ywriter *w)
{
	scalar_event(w, "null", 0);
}

int honk_yw_finish(struct honk_ywriter *w)
{
	yaml_event_t e;

	emit(w, &e, yaml_document_end_event_initialize(&e, 1));
	emit(w, &e, yaml_stream_end_event_initialize(&e));
	if (!w->err && !yaml_emitter_flush(&w->em))
		w->err =
			honk_error_set(HONK_ERROR, "YAML emitter flush failed");
	return w->err;
}
