#ifndef HONK_GRAPH_H
#define HONK_GRAPH_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "catalog.h"

/*
 * The catalog's dependency graph (DESIGN section 7, `honk-status graph`):
 * datasets and consumers as nodes; a consumer reads a dataset (at a
 * version) and produces datasets. The whole catalog, or only what is
 * downstream of one dataset, and the renderers: an indented tree,
 * Graphviz DOT, a Mermaid flowchart and JSON.
 */

enum honk_gnode_kind { HONK_GNODE_DATASET, HONK_GNODE_CONSUMER };
extern const char *const honk_gnode_kind_names[];

enum honk_gedge_kind { HONK_GEDGE_READS, HONK_GEDGE_PRODUCES };
extern const char *const honk_gedge_kind_names[];

struct honk_gnode {
	enum honk_gnode_kind kind;
	const char *id;			      /* dataset id or consumer name */
	const char *owner;		      /* NULL: none */
	const struct honk_dataset *dataset;   /* a dataset's node */
	const struct honk_consumer *consumer; /* a consumer's node */
	/* honk_graph_layout(): the column (longest path from a root, in
	 * the direction data flows) and the place in it */
	size_t level, row;
};

/* Always from a consumer to a dataset, as the catalog says it. */
struct honk_gedge {
	enum honk_gedge_kind kind;
	size_t from, to;	/* node indexes: the consumer, the dataset */
	int64_t version;	/* reads: the version read; produces: 0 */
	const char *deprecated; /* reads: that version's deprecation date */
};

struct honk_graph {
	struct honk_gnode *nodes; /* datasets by id, then consumers by name */
	size_t nnodes;
	struct honk_gedge *edges; /* by consumer: its reads, then produces */
	size_t nedges;
	/* per node, the edges that touch it in the direction data flows:
	 * a dataset's readers, a consumer's products (edge indexes) */
	size_t *down_first; /* node i: down[down_first[i] .. [i + 1]) */
	size_t *down;
	size_t nlevels, maxrows; /* after honk_graph_layout() */
};

#define HONK_GRAPH_INIT                            \
	{                                          \
		NULL, 0, NULL, 0, NULL, NULL, 0, 0 \
	}

struct honk_graph_opts {
	const char *dataset; /* NULL: the whole catalog */
	/*
	 * Levels below the dataset (or each root dataset) to keep, 0: all.
	 * Level 1 is the dataset's readers and what they produce, level 2
	 * the readers of those and what they produce, and so on.
	 */
	unsigned depth;
};

#define HONK_GRAPH_OPTS_INIT \
	{                    \
		NULL, 0      \
	}

/*
 * Build the graph of cat (which must outlive it). HONK_ENOTFOUND when
 * o->dataset is not in the catalog.
 */
int honk_graph_build(struct honk_graph *g, const struct honk_catalog *cat,
		     const struct honk_graph_opts *o);
void honk_graph_release(struct honk_graph *g);

/* The node of a dataset or consumer, or (size_t)-1. */
size_t honk_graph_find(const struct honk_graph *g, enum honk_gnode_kind kind,
		       const char *id);

/*
 * Columns for drawing: every node's level (datasets nobody in the graph
 * produces at 0; a node one past the furthest node feeding it, so data
 * flows left to right) and its row in that level, ordered to keep
 * crossing edges few.
 */
int honk_graph_layout(struct honk_graph *g);

/*
 * The renderers; each appends one complete document to out. tree: from
 * each root dataset down through its readers and what they produce
 * (a node met again is not expanded twice). dot: datasets as boxes,
 * consumers as ellipses, an arrow from a consumer to what it reads and
 * produces. mermaid: a `flowchart LR` with ids n0, n1... json: {nodes,
 * edges}, the --json contract.
 */
int honk_graph_tree(struct honk_buf *out, const struct honk_graph *g);
int honk_graph_dot(struct honk_buf *out, const struct honk_graph *g);
int honk_graph_mermaid(struct honk_buf *out, const struct honk_graph *g);
int honk_graph_json(struct honk_buf *out, const struct honk_graph *g);

#endif
