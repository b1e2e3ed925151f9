/*
 * The dependency graph: which nodes and edges, what is downstream of a
 * dataset and to what depth, each renderer's exact output, the layout,
 * and a cycle that must neither loop nor blow up.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "graph.h"
#include "banned.h"

/*
 * a.src --(v1, deprecated)--> mid-job --> b.mid --> sink-1
 *                               \-> c.out      \-> sink-2
 * sink-2 also reads a.src v2; nobody reads or produces d.lone.
 */
static const char *const files[][2] = {
	{ "honk.yaml", "honk: 1\n" },
	{ "datasets/a/src.yaml",
	  "dataset: a.src\n"
	  "owner: team-a\n"
	  "versions:\n"
	  "  - {version: 1, deprecated: 2026-12-31, schema: [{name: x, type: int64}]}\n"
	  "  - {version: 2, schema: [{name: x, type: int64}]}\n" },
	{ "datasets/b/mid.yaml",
	  "dataset: b.mid\n"
	  "owner: team-b\n"
	  "versions: [{version: 1, schema: [{name: x, type: int64}]}]\n" },
	{ "datasets/c/out.yaml",
	  "dataset: c.out\n"
	  "versions: [{version: 1, schema: [{name: x, type: int64}]}]\n" },
	{ "datasets/d/lone.yaml",
	  "dataset: d.lone\n"
	  "versions: [{version: 1, schema: [{name: x, type: int64}]}]\n" },
	{ "consumers/mid-job.yaml", "consumer: mid-job\n"
				    "owner: team-b\n"
				    "reads: [{dataset: a.src, version: 1}]\n"
				    "produces: [b.mid, c.out]\n" },
	{ "consumers/sink-1.yaml", "consumer: sink-1\n"
				   "reads: [{dataset: b.mid, version: 1}]\n" },
	{ "consumers/sink-2.yaml",
	  "consumer: sink-2\n"
	  "owner: team-s\n"
	  "reads: [{dataset: b.mid, version: 1}, {dataset: a.src, version: 2}]\n" },
};

struct fixture {
	struct honk_catalog cat;
	struct honk_graph g;
	struct honk_buf out;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct honk_catalog_file v[8];
	struct honk_diags d = HONK_DIAGS_INIT;
	size_t i;
	int err;

	assert_non_null(f);
	for (i = 0; i < 8; i++) {
		v[i].path = files[i][0];
		v[i].data = files[i][1];
		v[i].len = strlen(files[i][1]);
	}
	err = honk_catalog_parse_files(&f->cat, v, 8, &d);
	if (d.n)
		fail_msg("%s:%u:%u: %s", d.v[0].path, d.v[0].line, d.v[0].col,
			 d.v[0].msg);
	assert_int_equal(err, 0);
	honk_diags_release(&d);
	honk_buf_init(&f->out, 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	honk_graph_release(&f->g);
	honk_catalog_release(&f->cat);
	honk_buf_release(&f->out);
	free(f);
	return 0;
}

static void build(struct fixture *f, const char *dataset, unsigned depth)
{
	struct honk_graph_opts o = HONK_GRAPH_OPTS_INIT;

	o.dataset = dataset;
	o.depth = depth;
	honk_graph_release(&f->g);
	assert_int_equal(honk_graph_build(&f->g, &f->cat, &o), 0);
	honk_buf_reset(&f->out);
}

/* The node ids, space-separated, in order. */
static const char *ids(struct fixture *f)
{
	static char s[512];
	size_t i, n = 0;

	s[0] = '\0';
	for (i = 0; i < f->g.nnodes; i++)
		n += (size_t)snprintf(s + n, sizeof(s) - n, "%s%s",
				      i ? " " : "", f->g.nodes[i].id);
	return s;
}

static void whole_catalog(void **state)
{
	struct fixture *f = *state;

	build(f, NULL, 0);
	assert_string_equal(ids(f),
			    "a.src b.mid c.out d.lone mid-job sink-1 sink-2");
	assert_int_equal(f->g.nodes[0].kind, HONK_GNODE_DATASET);
	assert_int_equal(f->g.nodes[4].kind, HONK_GNODE_CONSUMER);
	assert_null(f->g.nodes[2].owner);
	/* mid-job: read, 2 produces; sink-1: 1 read; sink-2: 2 reads */
	assert_int_equal(f->g.nedges, 6);
	assert_int_equal(f->g.edges[0].kind, HONK_GEDGE_READS);
	assert_int_equal(f->g.edges[0].from, 4);
	assert_int_equal(f->g.edges[0].to, 0);
	assert_string_equal(f->g.edges[0].deprecated, "2026-12-31");
	assert_int_equal(f->g.edges[1].kind, HONK_GEDGE_PRODUCES);
	assert_null(f->g.edges[5].deprecated);
	assert_int_equal(honk_graph_find(&f->g, HONK_GNODE_CONSUMER, "sink-2"),
			 6);
	assert_int_equal(honk_graph_find(&f->g, HONK_GNODE_DATASET, "sink-2"),
			 (size_t)-1);
}

static void downstream_and_depth(void **state)
{
	struct fixture *f = *state;
	struct honk_graph_opts o = HONK_GRAPH_OPTS_INIT;

	build(f, "b.mid", 0);
	assert_string_equal(ids(f), "b.mid sink-1 sink-2");
	/* sink-2 also reads a.src, which is not downstream: no edge */
	assert_int_equal(f->g.nedges, 2);

	build(f, "a.src", 1);
	assert_string_equal(ids(f), "a.src b.mid c.out mid-job sink-2");
	build(f, "a.src", 2);
	assert_string_equal(ids(f), "a.src b.mid c.out mid-job sink-1 sink-2");
	/* depth from every root without a dataset */
	build(f, NULL, 1);
	assert_string_equal(ids(f), "a.src b.mid c.out d.lone mid-job sink-2");

	o.dataset = "a.srx";
	honk_graph_release(&f->g);
	assert_int_equal(honk_graph_build(&f->g, &f->cat, &o), HONK_ENOTFOUND);
	assert_string_equal(
		honk_error_last(),
		"no dataset 'a.srx' in the catalog; did you mean 'a.src'?");
}

static void tree(void **state)
{
	struct fixture *f = *state;

	build(f, NULL, 0);
	assert_int_equal(honk_graph_tree(&f->out, &f->g), 0);
	assert_string_equal(
		f->out.buf,
		"a.src [team-a]\n"
		"|-- mid-job reads v1 (deprecated 2026-12-31) [team-b]\n"
		"|   |-- b.mid [team-b]\n"
		"|   |   |-- sink-1 reads v1\n"
		"|   |   `-- sink-2 reads v1 [team-s]\n"
		"|   `-- c.out\n"
		"`-- sink-2 reads v2 [team-s]\n"
		"d.lone\n");

	build(f, "b.mid", 0);
	assert_int_equal(honk_graph_tree(&f->out, &f->g), 0);
	assert_string_equal(f->out.buf, "b.mid [team-b]\n"
					"|-- sink-1 reads v1\n"
					"`-- sink-2 reads v1 [team-s]\n");
}

static void dot(void **state)
{
	struct fixture *f = *state;

	build(f, "a.src", 1);
	assert_int_equal(honk_graph_dot(&f->out, &f->g), 0);
	assert_non_null(strstr(f->out.buf, "digraph honk {\n"));
	assert_non_null(strstr(
		f->out.buf,
		"\t\"dataset:a.src\" [shape=box, label=\"a.src\\nteam-a\\nv1 deprecated 2026-12-31\", tooltip=\"dataset a.src, owner team-a\"];\n"));
	assert_non_null(strstr(
		f->out.buf,
		"\t\"dataset:c.out\" [shape=box, label=\"c.out\", tooltip=\"dataset c.out, owner unknown\"];\n"));
	assert_non_null(strstr(
		f->out.buf,
		"\t\"consumer:mid-job\" [shape=ellipse, label=\"mid-job\\nteam-b\", tooltip=\"consumer mid-job, owner team-b\"];\n"));
	assert_non_null(strstr(
		f->out.buf,
		"\t\"dataset:a.src\" -> \"consumer:mid-job\" [dir=back, label=\"reads v1 (deprecated 2026-12-31)\", style=dashed, color=\"#b03030\", fontcolor=\"#b03030\"];\n"));
	assert_non_null(strstr(
		f->out.buf,
		"\t\"consumer:mid-job\" -> \"dataset:b.mid\" [label=\"produces\"];\n"));
	assert_non_null(strstr(
		f->out.buf,
		"\t\"dataset:a.src\" -> \"consumer:sink-2\" [dir=back, label=\"reads v2\"];\n"));
	assert_string_equal(f->out.buf + f->out.len - 2, "}\n");
}

static void mermaid(void **state)
{
	struct fixture *f = *state;

	build(f, "b.mid", 0);
	assert_int_equal(honk_graph_mermaid(&f->out, &f->g), 0);
	assert_string_equal(f->out.buf, "flowchart LR\n"
					"    n0[\"b.mid<br/>team-b\"]\n"
					"    n1([\"sink-1\"])\n"
					"    n2([\"sink-2<br/>team-s\"])\n"
					"    n0 ---|reads v1| n1\n"
					"    n0 ---|reads v1| n2\n");
	build(f, "a.src", 1);
	assert_int_equal(honk_graph_mermaid(&f->out, &f->g), 0);
	assert_non_null(strstr(
		f->out.buf, "    n0 -.-|reads v1, deprecated 2026-12-31| n3\n"
			    "    n3 -->|produces| n1\n"));
}

static void json(void **state)
{
	struct fixture *f = *state;

	build(f, "b.mid", 0);
	assert_int_equal(honk_graph_json(&f->out, &f->g), 0);
	assert_string_equal(
		f->out.buf,
		"{\"nodes\":[{\"id\":\"b.mid\",\"kind\":\"dataset\",\"owner\":\"team-b\"},"
		"{\"id\":\"sink-1\",\"kind\":\"consumer\",\"owner\":null},"
		"{\"id\":\"sink-2\",\"kind\":\"consumer\",\"owner\":\"team-s\"}],"
		"\"edges\":[{\"from\":\"sink-1\",\"to\":\"b.mid\",\"kind\":\"reads\",\"version\":1,\"deprecated\":null},"
		"{\"from\":\"sink-2\",\"to\":\"b.mid\",\"kind\":\"reads\",\"version\":1,\"deprecated\":null}]}\n");
}

static void layout(void **state)
{
	struct fixture *f = *state;
	size_t i, j;

	build(f, NULL, 0);
	assert_int_equal(honk_graph_layout(&f->g), 0);
	/* a.src 0, mid-job 1, b.mid 2, sink-2 3 (it reads b.mid too) */
	assert_int_equal(f->g.nodes[0].level, 0);
	assert_int_equal(f->g.nodes[3].level, 0);
	assert_int_equal(f->g.nodes[4].level, 1);
	assert_int_equal(f->g.nodes[1].level, 2);
	assert_int_equal(f->g.nodes[6].level, 3);
	assert_int_equal(f->g.nlevels, 4);
	assert_int_equal(f->g.maxrows, 2);
	for (i = 0; i < f->g.nnodes; i++) {
		/* datasets on even levels, consumers on odd ones */
		assert_int_equal(f->g.nodes[i].level % 2,
				 f->g.nodes[i].kind == HONK_GNODE_CONSUMER);
		assert_true(f->g.nodes[i].row < f->g.maxrows);
		for (j = i + 1; j < f->g.nnodes; j++)
			assert_false(f->g.nodes[i].level ==
					     f->g.nodes[j].level &&
				     f->g.nodes[i].row == f->g.nodes[j].row);
	}
}

/* A catalog that slipped a cycle past lint, built by hand. */
static void cycle_neither_loops_nor_grows(void **state)
{
	struct honk_dataset ds[2];
	struct honk_consumer co[2];
	struct honk_read r1 = { "x.a", 1, NULL, 0, 0, 0, 0, 0 };
	struct honk_read r2 = { "x.b", 1, NULL, 0, 0, 0, 0, 0 };
	const char *p1[] = { "x.b" }, *p2[] = { "x.a" };
	struct honk_catalog cat;
	struct honk_graph g = HONK_GRAPH_INIT;
	struct honk_graph_opts o = HONK_GRAPH_OPTS_INIT;
	struct honk_buf out = HONK_BUF_INIT;

	(void)state;
	memset(&cat, 0, sizeof(cat));
	memset(ds, 0, sizeof(ds));
	memset(co, 0, sizeof(co));
	ds[0].id = "x.a";
	ds[1].id = "x.b";
	co[0].name = "c1";
	co[0].reads = &r1;
	co[0].nreads = 1;
	co[0].produces = p1;
	co[0].nproduces = 1;
	co[1].name = "c2";
	co[1].reads = &r2;
	co[1].nreads = 1;
	co[1].produces = p2;
	co[1].nproduces = 1;
	cat.datasets = ds;
	cat.ndatasets = 2;
	cat.consumers = co;
	cat.nconsumers = 2;

	assert_int_equal(honk_graph_build(&g, &cat, NULL), 0);
	assert_int_equal(g.nnodes, 4);
	assert_int_equal(honk_graph_tree(&out, &g), 0);
	assert_string_equal(out.buf, "x.a\n"
				     "`-- c1 reads v1\n"
				     "    `-- x.b\n"
				     "        `-- c2 reads v1\n"
				     "            `-- x.a (shown above)\n");
	assert_int_equal(honk_graph_layout(&g), 0);
	honk_graph_release(&g);

	o.dataset = "x.b";
	assert_int_equal(honk_graph_build(&g, &cat, &o), 0);
	assert_int_equal(g.nnodes, 4);
	honk_graph_release(&g);
	honk_graph_release(&g); /* released twice: harmless */
	honk_buf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(whole_catalog, setup, teardown),
		cmocka_unit_test_setup_teardown(downstream_and_depth, setup,
						teardown),
		cmocka_unit_test_setup_teardown(tree, setup, teardown),
		cmocka_unit_test_setup_teardown(dot, setup, teardown),
		cmocka_unit_test_setup_teardown(mermaid, setup, teardown),
		cmocka_unit_test_setup_teardown(json, setup, teardown),
		cmocka_unit_test_setup_teardown(layout, setup, teardown),
		cmocka_unit_test(cycle_neither_loops_nor_grows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
