/*
 * The dependency graph of a catalog and its renderers.
 *
 * Nodes are datasets (by id) then consumers (by name), so every
 * rendering of one catalog is the same bytes. Edges go the way the
 * catalog states them, from a consumer to a dataset it reads or
 * produces; `down` indexes them the way data flows (a dataset to its
 * readers, a consumer to its products), which is how the tree, the
 * downstream selection and the layout walk. A valid catalog has no
 * produces cycle, but nothing here relies on that: every walk marks what
 * it has seen, so a cycle can neither loop nor blow a tree up.
 */
#include "graph.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "impact.h"
#include "json.h"
#include "banned.h"

#define NONE ((size_t)-1)

const char *const honk_gnode_kind_names[] = { "dataset", "consumer", NULL };
const char *const honk_gedge_kind_names[] = { "reads", "produces", NULL };

static int oom(void)
{
	return honk_error_set(HONK_ERROR, "out of memory");
}

static int not_found(const struct honk_catalog *cat, const char *id)
{
	const char **names = malloc((cat->ndatasets + 1) * sizeof(*names));
	const char *s = NULL;
	size_t i;
	int err;

	if (names) {
		for (i = 0; i < cat->ndatasets; i++)
			names[i] = cat->datasets[i].id;
		names[i] = NULL;
		s = honk_suggest(id, names);
	}
	if (s)
		err = honk_error_set(
			HONK_ENOTFOUND,
			"no dataset '%s' in the catalog; did you mean '%s'?",
			id, s);
	else
		err = honk_error_set(HONK_ENOTFOUND,
				     "no dataset '%s' in the catalog", id);
	free(names);
	return err;
}

/*
 * Which datasets and consumers are in: everything, or what a walk from
 * the start datasets reaches within the depth asked for.
 */
static int select_nodes(unsigned char *din, unsigned char *cin,
			const struct honk_catalog *cat,
			const struct honk_graph_opts *o)
{
	struct honk_readers ix = { NULL, NULL };
	size_t *queue = NULL;
	unsigned *level = NULL;
	size_t head = 0, tail = 0, i, k;
	int err = 0;

	if (!o->dataset && !o->depth) {
		memset(din, 1, cat->ndatasets);
		memset(cin, 1, cat->nconsumers);
		return 0;
	}
	queue = malloc((cat->ndatasets + 1) * sizeof(*queue));
	level = calloc(cat->ndatasets + 1, sizeof(*level));
	if (!queue || !level) {
		err = oom();
		goto cleanup;
	}
	if ((err = honk_readers_build(&ix, cat)) < 0)
		goto cleanup;
	if (o->dataset) {
		const struct honk_dataset *ds =
			honk_catalog_dataset(cat, o->dataset);

		if (!ds) {
			err = not_found(cat, o->dataset);
			goto cleanup;
		}
		queue[tail++] = (size_t)(ds - cat->datasets);
	} else {
		/* the roots: datasets no consumer produces */
		for (i = 0; i < cat->nconsumers; i++)
			for (k = 0; k < cat->consumers[i].nproduces; k++) {
				const struct honk_dataset *ds =
					honk_catalog_dataset(
						cat,
						cat->consumers[i].produces[k]);

				if (ds)
					din[ds - cat->datasets] = 2;
			}
		for (i = 0; i < cat->ndatasets; i++) {
			if (din[i] == 2)
				din[i] = 0;
			else
				queue[tail++] = i;
		}
	}
	for (i = 0; i < tail; i++)
		din[queue[i]] = 1;
	while (head < tail) {
		size_t d = queue[head], r;
		unsigned lv = level[head];

		head++;
		if (o->depth && lv >= o->depth)
			continue;
		for (r = ix.first[d]; r < ix.first[d + 1]; r++) {
			size_t c = ix.v[r].consumer;
			const struct honk_consumer *co = &cat->consumers[c];

			if (cin[c])
				continue;
			cin[c] = 1;
			for (k = 0; k < co->nproduces; k++) {
				const struct honk_dataset *ds =
					honk_catalog_dataset(cat,
							     co->produces[k]);
				size_t p;

				if (!ds)
					continue;
				p = (size_t)(ds - cat->datasets);
				if (din[p])
					continue;
				din[p] = 1;
				level[tail] = lv + 1;
				queue[tail++] = p;
			}
		}
	}
cleanup:
	honk_readers_release(&ix);
	free(queue);
	free(level);
	return err;
}

static int add_edge(struct honk_graph *g, size_t *cap,
		    enum honk_gedge_kind kind, size_t from, size_t to,
		    int64_t version, const char *deprecated)
{
	struct honk_gedge *e;

	if (honk_array_reserve(&g->edges, g->nedges, cap, sizeof(*g->edges)) <
	    0)
		return HONK_ERROR;
	e = &g->edges[g->nedges++];
	e->kind = kind;
	e->from = from;
	e->to = to;
	e->version = version;
	e->deprecated = deprecated;
	return 0;
}

/* The node an edge leads to, in the direction data flows. */
static size_t down_node(const struct honk_gedge *e)
{
	return e->kind == HONK_GEDGE_READS ? e->from : e->to;
}

/* The node an edge comes from, in the direction data flows. */
static size_t up_node(const struct honk_gedge *e)
{
	return e->kind == HONK_GEDGE_READS ? e->to : e->from;
}

static int index_down(struct honk_graph *g)
{
	size_t *fill = NULL, i;

	g->down_first = calloc(g->nnodes + 1, sizeof(*g->down_first));
	g->down = malloc((g->nedges + 1) * sizeof(*g->down));
	fill = calloc(g->nnodes + 1, sizeof(*fill));
	if (!g->down_first || !g->down || !fill) {
		free(fill);
		return oom();
	}
	for (i = 0; i < g->nedges; i++)
		fill[up_node(&g->edges[i])]++;
	for (i = 0; i < g->nnodes; i++) {
		g->down_first[i + 1] = g->down_first[i] + fill[i];
		fill[i] = g->down_first[i];
	}
	for (i = 0; i < g->nedges; i++)
		g->down[fill[up_node(&g->edges[i])]++] = i;
	free(fill);
	return 0;
}

int honk_graph_build(struct honk_graph *g, const struct honk_catalog *cat,
		     const struct honk_graph_opts *o)
{
	struct honk_graph_opts defaults = HONK_GRAPH_OPTS_INIT;
	unsigned char *din = NULL, *cin = NULL;
	size_t *dnode = NULL, i, k, ecap = 0;
	int err;

	memset(g, 0, sizeof(*g));
	if (!o)
		o = &defaults;
	din = calloc(cat->ndatasets + 1, 1);
	cin = calloc(cat->nconsumers + 1, 1);
	dnode = malloc((cat->ndatasets + 1) * sizeof(*dnode));
	g->nodes =
		calloc(cat->ndatasets + cat->nconsumers + 1, sizeof(*g->nodes));
	if (!din || !cin || !dnode || !g->nodes) {
		err = oom();
		goto cleanup;
	}
	if ((err = select_nodes(din, cin, cat, o)) < 0)
		goto cleanup;
	for (i = 0; i < cat->ndatasets; i++) {
		struct honk_gnode *n;

		dnode[i] = NONE;
		if (!din[i])
			continue;
		dnode[i] = g->nnodes;
		n = &g->nodes[g->nnodes++];
		n->kind = HONK_GNODE_DATASET;
		n->id = cat->datasets[i].id;
		n->owner = cat->datasets[i].owner;
		n->dataset = &cat->datasets[i];
	}
	for (i = 0; i < cat->nconsumers; i++) {
		const struct honk_consumer *co = &cat->consumers[i];
		size_t me = g->nnodes;
		struct honk_gnode *n;

		if (!cin[i])
			continue;
		n = &g->nodes[g->nnodes++];
		n->kind = HONK_GNODE_CONSUMER;
		n->id = co->name;
		n->owner = co->owner;
		n->consumer = co;
		for (k = 0; k < co->nreads; k++) {
			const struct honk_dataset *ds =
				honk_catalog_dataset(cat, co->reads[k].dataset);
			const struct honk_version *v;
			size_t to;

			if (!ds || (to = dnode[ds - cat->datasets]) == NONE)
				continue;
			v = honk_dataset_version(ds, co->reads[k].version);
			if ((err = add_edge(g, &ecap, HONK_GEDGE_READS, me, to,
					    co->reads[k].version,
					    v ? v->deprecated : NULL)) < 0)
				goto cleanup;
		}
		for (k = 0; k < co->nproduces; k++) {
			const struct honk_dataset *ds =
				honk_catalog_dataset(cat, co->produces[k]);
			size_t to;

			if (!ds || (to = dnode[ds - cat->datasets]) == NONE)
				continue;
			if ((err = add_edge(g, &ecap, HONK_GEDGE_PRODUCES, me,
					    to, 0, NULL)) < 0)
				goto cleanup;
		}
	}
	err = index_down(g);
cleanup:
	free(din);
	free(cin);
	free(dnode);
	if (err < 0)
		honk_graph_release(g);
	return err;
}

void honk_graph_release(struct honk_graph *g)
{
	if (!g)
		return;
	free(g->nodes);
	free(g->edges);
	free(g->down_first);
	free(g->down);
	memset(g, 0, sizeof(*g));
}

size_t honk_graph_find(const struct honk_graph *g, enum honk_gnode_kind kind,
		       const char *id)
{
	size_t i;

	for (i = 0; i < g->nnodes; i++)
		if (g->nodes[i].kind == kind && !strcmp(g->nodes[i].id, id))
			return i;
	return NONE;
}

/* ---- layout ------------------------------------------------------------ */

struct slot {
	double key;
	size_t row; /* before this sort: keeps the sort stable */
	size_t node;
};

static int by_key(const void *a, const void *b)
{
	const struct slot *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->row < y->row ? -1 : x->row > y->row;
}

/*
 * Reorder one level by the mean row of each node's neighbours on the
 * side given (up: the levels before, else the levels after); a node
 * without any keeps its place.
 */
static void sweep_level(struct honk_graph *g, const size_t *members, size_t n,
			const size_t *up_first, const size_t *up, int use_up,
			struct slot *tmp)
{
	size_t i, k;

	for (i = 0; i < n; i++) {
		size_t node = members[i];
		const struct honk_gnode *me = &g->nodes[node];
		double sum = 0;
		size_t cnt = 0;

		if (use_up) {
			for (k = up_first[node]; k < up_first[node + 1]; k++) {
				const struct honk_gnode *o =
					&g->nodes[up_node(&g->edges[up[k]])];

				if (o->level < me->level) {
					sum += (double)o->row;
					cnt++;
				}
			}
		} else {
			for (k = g->down_first[node];
			     k < g->down_first[node + 1]; k++) {
				const struct honk_gnode *o =
					&g->nodes[down_node(
						&g->edges[g->down[k]])];

				if (o->level > me->level) {
					sum += (double)o->row;
					cnt++;
				}
			}
		}
		tmp[i].key = cnt ? sum / (double)cnt : (double)me->row;
		tmp[i].row = me->row;
		tmp[i].node = node;
	}
	qsort(tmp, n, sizeof(*tmp), by_key);
	for (i = 0; i < n; i++)
		g->nodes[tmp[i].node].row = i;
}

int honk_graph_layout(struct honk_graph *g)
{
	size_t *indeg = NULL, *queue = NULL, *up_first = NULL, *up = NULL;
	size_t *lv_first = NULL, *members = NULL, *fill = NULL;
	struct slot *tmp = NULL;
	size_t head = 0, tail = 0, i, k, pass, L;
	int err = 0;

	g->nlevels = g->maxrows = 0;
	if (!g->nnodes)
		return 0;
	indeg = calloc(g->nnodes, sizeof(*indeg));
	queue = malloc(g->nnodes * sizeof(*queue));
	up_first = calloc(g->nnodes + 1, sizeof(*up_first));
	up = malloc((g->nedges + 1) * sizeof(*up));
	members = malloc(g->nnodes * sizeof(*members));
	tmp = malloc(g->nnodes * sizeof(*tmp));
	if (!indeg || !queue || !up_first || !up || !members || !tmp) {
		err = oom();
		goto cleanup;
	}
	/* levels: longest path from the roots (Kahn's order) */
	for (i = 0; i < g->nnodes; i++)
		g->nodes[i].level = g->nodes[i].row = 0;
	for (i = 0; i < g->nedges; i++)
		indeg[down_node(&g->edges[i])]++;
	for (i = 0; i < g->nnodes; i++)
		if (!indeg[i])
			queue[tail++] = i;
	while (head < tail) {
		size_t n = queue[head++];

		for (k = g->down_first[n]; k < g->down_first[n + 1]; k++) {
			size_t c = down_node(&g->edges[g->down[k]]);

			if (g->nodes[c].level < g->nodes[n].level + 1)
				g->nodes[c].level = g->nodes[n].level + 1;
			if (--indeg[c] == 0)
				queue[tail++] = c;
		}
	}
	/* the edges into each node, in the direction data flows */
	for (i = 0; i < g->nedges; i++)
		up_first[down_node(&g->edges[i]) + 1]++;
	for (i = 0; i < g->nnodes; i++)
		up_first[i + 1] += up_first[i];
	fill = malloc((g->nnodes + 1) * sizeof(*fill));
	if (!fill) {
		err = oom();
		goto cleanup;
	}
	memcpy(fill, up_first, g->nnodes * sizeof(*fill));
	for (i = 0; i < g->nedges; i++)
		up[fill[down_node(&g->edges[i])]++] = i;
	/* the members of each level, first in node order */
	for (i = 0; i < g->nnodes; i++)
		if (g->nodes[i].level + 1 > g->nlevels)
			g->nlevels = g->nodes[i].level + 1;
	lv_first = calloc(g->nlevels + 1, sizeof(*lv_first));
	if (!lv_first) {
		err = oom();
		goto cleanup;
	}
	for (i = 0; i < g->nnodes; i++)
		lv_first[g->nodes[i].level + 1]++;
	for (L = 0; L < g->nlevels; L++) {
		if (lv_first[L + 1] > g->maxrows)
			g->maxrows = lv_first[L + 1];
		lv_first[L + 1] += lv_first[L];
	}
	memcpy(fill, lv_first, g->nlevels * sizeof(*fill));
	for (i = 0; i < g->nnodes; i++) {
		g->nodes[i].row =
			fill[g->nodes[i].level] - lv_first[g->nodes[i].level];
		members[fill[g->nodes[i].level]++] = i;
	}
	/* a few barycentre sweeps, down then up */
	for (pass = 0; pass < 4; pass++) {
		int down = !(pass & 1);

		for (L = 0; L < g->nlevels; L++) {
			size_t lv = down ? L : g->nlevels - 1 - L;
			size_t *m = members + lv_first[lv];
			size_t n = lv_first[lv + 1] - lv_first[lv];

			sweep_level(g, m, n, up_first, up, down, tmp);
			for (k = 0; k < n; k++)
				m[k] = tmp[k].node;
		}
	}
cleanup:
	free(indeg);
	free(queue);
	free(up_first);
	free(up);
	free(lv_first);
	free(members);
	free(fill);
	free(tmp);
	return err;
}

/* ---- tree -------------------------------------------------------------- */

static void owner_suffix(struct honk_buf *out, const struct honk_gnode *n)
{
	if (n->owner)
		honk_buf_addf(out, " [%s]", n->owner);
}

struct frame {
	size_t node;
	size_t next;	   /* the next of its down edges to show */
	size_t prefix_len; /* the prefix of its children's lines */
};

/* Print root and what is below it, each node expanded once. */
static int tree_from(struct honk_buf *out, const struct honk_graph *g,
		     size_t root, unsigned char *shown, struct frame *stack,
		     struct honk_buf *prefix)
{
	size_t top = 0;

	honk_buf_addstr(out, g->nodes[root].id);
	owner_suffix(out, &g->nodes[root]);
	honk_buf_addch(out, '\n');
	shown[root] = 1;
	honk_buf_reset(prefix);
	stack[0].node = root;
	stack[0].next = g->down_first[root];
	stack[0].prefix_len = 0;
	top = 1;
	while (top) {
		struct frame *f = &stack[top - 1];
		const struct honk_gedge *e;
		const struct honk_gnode *child;
		size_t c;
		int last;

		if (f->next >= g->down_first[f->node + 1]) {
			top--;
			continue;
		}
		e = &g->edges[g->down[f->next++]];
		last = f->next == g->down_first[f->node + 1];
		c = down_node(e);
		child = &g->nodes[c];
		honk_buf_setlen(prefix, f->prefix_len);
		honk_buf_add(out, prefix->buf, prefix->len);
		honk_buf_addstr(out, last ? "`-- " : "|-- ");
		honk_buf_addstr(out, child->id);
		if (e->kind == HONK_GEDGE_READS) {
			honk_buf_addf(out, " reads v%lld",
				      (long long)e->version);
			if (e->deprecated)
				honk_buf_addf(out, " (deprecated %s)",
					      e->deprecated);
		}
		owner_suffix(out, child);
		if (shown[c] && g->down_first[c] < g->down_first[c + 1]) {
			honk_buf_addstr(out, " (shown above)\n");
			continue;
		}
		honk_buf_addch(out, '\n');
		shown[c] = 1;
		if (g->down_first[c] == g->down_first[c + 1])
			continue;
		honk_buf_addstr(prefix, last ? "    " : "|   ");
		stack[top].node = c;
		stack[top].next = g->down_first[c];
		stack[top].prefix_len = prefix->len;
		top++;
	}
	return 0;
}

int honk_graph_tree(struct honk_buf *out, const struct honk_graph *g)
{
	unsigned char *shown = calloc(g->nnodes + 1, 1);
	unsigned char *fed = calloc(g->nnodes + 1, 1);
	struct frame *stack = malloc((g->nnodes + 1) * sizeof(*stack));
	struct honk_buf prefix = HONK_BUF_INIT;
	size_t i;
	int err = 0;

	if (!shown || !fed || !stack) {
		err = oom();
		goto cleanup;
	}
	for (i = 0; i < g->nedges; i++)
		fed[down_node(&g->edges[i])] = 1;
	/* roots first; then whatever a cycle kept out of reach */
	for (i = 0; i < g->nnodes; i++)
		if (!fed[i] && !shown[i])
			tree_from(out, g, i, shown, stack, &prefix);
	for (i = 0; i < g->nnodes; i++)
		if (!shown[i])
			tree_from(out, g, i, shown, stack, &prefix);
cleanup:
	honk_buf_release(&prefix);
	free(shown);
	free(fed);
	free(stack);
	return err;
}

/* ---- dot --------------------------------------------------------------- */

/* Text inside a DOT quoted string: backslash and quote escaped. */
static void dot_text(struct honk_buf *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			honk_buf_addch(out, '\\');
		honk_buf_addch(out, (unsigned char)*s < 0x20 ? ' ' : *s);
	}
}

static void dot_id(struct honk_buf *out, const struct honk_gnode *n)
{
	honk_buf_addf(out, "\"%s:", honk_gnode_kind_names[n->kind]);
	dot_text(out, n->id);
	honk_buf_addch(out, '"');
}

int honk_graph_dot(struct honk_buf *out, const struct honk_graph *g)
{
	size_t i, k;

	honk_buf_addstr(
		out,
		"// honk-status graph: datasets are boxes, consumers ellipses;\n"
		"// an arrow goes from a consumer to each dataset it reads (the\n"
		"// version on it, dashed when that version is deprecated) and\n"
		"// to each dataset it produces. Columns follow the data.\n"
		"digraph honk {\n"
		"\tgraph [rankdir=LR, fontname=\"Helvetica\"];\n"
		"\tnode [fontname=\"Helvetica\", fontsize=10];\n"
		"\tedge [fontname=\"Helvetica\", fontsize=9];\n");
	for (i = 0; i < g->nnodes; i++) {
		const struct honk_gnode *n = &g->nodes[i];

		honk_buf_addch(out, '\t');
		dot_id(out, n);
		honk_buf_addf(out, " [shape=%s, label=\"",
			      n->kind == HONK_GNODE_DATASET ? "box"
							    : "ellipse");
		dot_text(out, n->id);
		if (n->owner) {
			honk_buf_addstr(out, "\\n");
			dot_text(out, n->owner);
		}
		for (k = 0; n->dataset && k < n->dataset->nversions; k++) {
			const struct honk_version *v = &n->dataset->versions[k];

			if (!v->deprecated)
				continue;
			honk_buf_addf(out, "\\nv%lld deprecated ",
				      (long long)v->version);
			dot_text(out, v->deprecated);
		}
		honk_buf_addf(out, "\", tooltip=\"%s ",
			      honk_gnode_kind_names[n->kind]);
		dot_text(out, n->id);
		honk_buf_addstr(out, ", owner ");
		dot_text(out, n->owner ? n->owner : "unknown");
		honk_buf_addstr(out, "\"];\n");
	}
	for (i = 0; i < g->nedges; i++) {
		const struct honk_gedge *e = &g->edges[i];

		honk_buf_addch(out, '\t');
		if (e->kind == HONK_GEDGE_READS) {
			/* written the way data flows for the layout; drawn
			 * with the arrow at the dataset */
			dot_id(out, &g->nodes[e->to]);
			honk_buf_addstr(out, " -> ");
			dot_id(out, &g->nodes[e->from]);
			honk_buf_addf(out, " [dir=back, label=\"reads v%lld",
				      (long long)e->version);
			if (e->deprecated) {
				honk_buf_addstr(out, " (deprecated ");
				dot_text(out, e->deprecated);
				honk_buf_addch(out, ')');
			}
			honk_buf_addch(out, '"');
			if (e->deprecated)
				honk_buf_addstr(
					out,
					", style=dashed, color=\"#b03030\", fontcolor=\"#b03030\"");
			honk_buf_addstr(out, "];\n");
		} else {
			dot_id(out, &g->nodes[e->from]);
			honk_buf_addstr(out, " -> ");
			dot_id(out, &g->nodes[e->to]);
			honk_buf_addstr(out, " [label=\"produces\"];\n");
		}
	}
	return honk_buf_addstr(out, "}\n");
}

/* ---- mermaid ----------------------------------------------------------- */

/* Text in a Mermaid label: its entity codes for what would end it. */
static void mermaid_text(struct honk_buf *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '"':
			honk_buf_addstr(out, "#quot;");
			break;
		case '<':
			honk_buf_addstr(out, "#lt;");
			break;
		case '>':
			honk_buf_addstr(out, "#gt;");
			break;
		case '|':
			honk_buf_addstr(out, "#124;");
			break;
		case '#':
			honk_buf_addstr(out, "#35;");
			break;
		default:
			honk_buf_addch(out,
				       (unsigned char)*s < 0x20 ? ' ' : *s);
		}
	}
}

int honk_graph_mermaid(struct honk_buf *out, const struct honk_graph *g)
{
	size_t i;

	honk_buf_addstr(out, "flowchart LR\n");
	for (i = 0; i < g->nnodes; i++) {
		const struct honk_gnode *n = &g->nodes[i];
		int ds = n->kind == HONK_GNODE_DATASET;

		honk_buf_addf(out, "    n%zu%s\"", i, ds ? "[" : "([");
		mermaid_text(out, n->id);
		if (n->owner) {
			honk_buf_addstr(out, "<br/>");
			mermaid_text(out, n->owner);
		}
		honk_buf_addf(out, "\"%s\n", ds ? "]" : "])");
	}
	for (i = 0; i < g->nedges; i++) {
		const struct honk_gedge *e = &g->edges[i];

		if (e->kind == HONK_GEDGE_READS) {
			honk_buf_addf(out, "    n%zu %s|reads v%lld", e->to,
				      e->deprecated ? "-.-" : "---",
				      (long long)e->version);
			if (e->deprecated) {
				honk_buf_addstr(out, ", deprecated ");
				mermaid_text(out, e->deprecated);
			}
			honk_buf_addf(out, "| n%zu\n", e->from);
		} else {
			honk_buf_addf(out, "    n%zu -->|produces| n%zu\n",
				      e->from, e->to);
		}
	}
	return 0;
}

/* ---- json -------------------------------------------------------------- */

int honk_graph_json(struct honk_buf *out, const struct honk_graph *g)
{
	struct honk_json j;
	size_t i;

	honk_json_init(&j, out);
	honk_json_obj_begin(&j);
	honk_json_key(&j, "nodes");
	honk_json_arr_begin(&j);
	for (i = 0; i < g->nnodes; i++) {
		const struct honk_gnode *n = &g->nodes[i];

		honk_json_obj_begin(&j);
		honk_json_kv_str(&j, "id", n->id);
		honk_json_kv_str(&j, "kind", honk_gnode_kind_names[n->kind]);
		honk_json_kv_str(&j, "owner", n->owner);
		honk_json_obj_end(&j);
	}
	honk_json_arr_end(&j);
	honk_json_key(&j, "edges");
	honk_json_arr_begin(&j);
	for (i = 0; i < g->nedges; i++) {
		const struct honk_gedge *e = &g->edges[i];

		honk_json_obj_begin(&j);
		honk_json_kv_str(&j, "from", g->nodes[e->from].id);
		honk_json_kv_str(&j, "to", g->nodes[e->to].id);
		honk_json_kv_str(&j, "kind", honk_gedge_kind_names[e->kind]);
		honk_json_key(&j, "version");
		if (e->kind == HONK_GEDGE_READS)
			honk_json_int(&j, e->version);
		else
			honk_json_null(&j);
		honk_json_kv_str(&j, "deprecated", e->deprecated);
		honk_json_obj_end(&j);
	}
	honk_json_arr_end(&j);
	honk_json_obj_end(&j);
	return honk_buf_addch(out, '\n');
}
