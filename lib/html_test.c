/*
 * The HTML page: escaping, a model full of hostile text that must stay
 * text, one row per migration, the commands for each phase, the graph
 * drawn or left out, and nothing on the page the browser could fetch.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "html.h"
#include "banned.h"

#define HOSTILE "<script>alert(1)</script>\"><img src=x onerror=alert(2)>'&"

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	const char *p;

	for (p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

static void escape(void **state)
{
	struct honk_buf b = HONK_BUF_INIT;

	(void)state;
	honk_html_escape(&b, "a<b>&\"c'd\te\nf");
	assert_string_equal(b.buf, "a&lt;b&gt;&amp;&quot;c&#39;d\te\nf");
	honk_buf_reset(&b);
	/* control characters and broken UTF-8 become U+FFFD; valid stays */
	honk_html_escape(&b, "x\x01y\xff\xc3\xa9\xe2\x82z\xed\xa0\x80");
	assert_string_equal(b.buf, "x\xef\xbf\xbdy\xef\xbf\xbd\xc3\xa9"
				   "\xef\xbf\xbd\xef\xbf\xbdz"
				   "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	honk_buf_reset(&b);
	honk_html_escape(&b, NULL);
	assert_string_equal(b.buf, "");
	honk_buf_release(&b);
}

static struct honk_status_mig migs[] = {
	{ .id = "a.b.v1-v2",
	  .dataset = "a.b",
	  .from = 1,
	  .to = 2,
	  .phase = "proposed",
	  .proposed = 1,
	  .verdict = "breaking",
	  .total = 2,
	  .pending = 2,
	  .waits = "review and approve: honk-status approve a.b.v1-v2" },
	{ .id = "c.d.v3-v4",
	  .dataset = "c.d",
	  .from = 3,
	  .to = 4,
	  .phase = "paused",
	  .verdict = "compatible",
	  .wave = 2,
	  .waves = 3,
	  .total = 4,
	  .succeeded = 1,
	  .failed = 1,
	  .since = 1000,
	  .reason = HOSTILE,
	  .waits = "paused: " HOSTILE ": honk-rollout resume c.d.v3-v4" },
	{ .id = HOSTILE,
	  .phase = "rolling-out",
	  .gate_manual = 1,
	  .total = 1,
	  .succeeded = 1 },
};

static struct honk_status_deadline deadlines[] = {
	{ "c.d", 3, HOSTILE, "2026-12-31", 5 },
	{ "c.d", 2, "old-reader", "2026-01-01", -40 },
};

static struct honk_status_conflict conflicts[] = {
	{ "shared-consumer", HOSTILE },
};

static void model(struct honk_status *s)
{
	memset(s, 0, sizeof(*s));
	memcpy(s->main_hex, "0123456789abcdef0123456789abcdef01234567", 41);
	s->migs = migs;
	s->nmigs = 3;
	s->deadlines = deadlines;
	s->ndeadlines = 2;
	s->conflicts = conflicts;
	s->nconflicts = 1;
}

static void hostile_text_stays_text(void **state)
{
	struct honk_html_opts o = HONK_HTML_OPTS_INIT;
	struct honk_status s;
	struct honk_buf out = HONK_BUF_INIT, again = HONK_BUF_INIT;

	(void)state;
	model(&s);
	o.now = 1000 + 3 * 86400 * 1000LL;
	assert_int_equal(honk_html_render(&out, &s, &o), 0);
	assert_int_equal(strncmp(out.buf, "<!DOCTYPE html>\n", 16), 0);
	assert_null(strstr(out.buf, "<script"));
	assert_null(strstr(out.buf, "<img"));
	assert_true(count(out.buf, "&lt;script&gt;alert(1)&lt;/script&gt;"
				   "&quot;&gt;&lt;img src=x onerror=alert(2)"
				   "&gt;&#39;&amp;") >= 5);
	/* one row per migration, in a table one can select */
	assert_int_equal(count(out.buf, "<table id=\"migrations\">"), 1);
	assert_int_equal(count(out.buf, "<tr class=\"migration\""), 3);
	assert_non_null(strstr(out.buf, "data-migration=\"&lt;script&gt;"));
	/* progress, failures, age, what waits */
	assert_non_null(strstr(out.buf, "style=\"width:25%\"></div></div>1/4"));
	assert_non_null(strstr(out.buf, "<td class=\"num bad\">1</td>"));
	assert_non_null(strstr(out.buf, "<td class=\"num\">3d</td>"));
	assert_non_null(strstr(out.buf, "<td class=\"num\">2/3</td>"));
	/* the commands for each phase */
	assert_non_null(
		strstr(out.buf, "<code>honk-status approve a.b.v1-v2</code>"));
	assert_non_null(strstr(
		out.buf,
		"<code>honk-status reject a.b.v1-v2 --reason &quot;why&quot;</code>"));
	assert_non_null(
		strstr(out.buf, "<code>honk-rollout resume c.d.v3-v4</code>"));
	assert_non_null(
		strstr(out.buf, "<code>honk-rollout promote &lt;script"));
	/* deadlines, the nearest first; the conflict */
	{
		const char *t = strstr(out.buf, "<table id=\"deadlines\">");

		assert_non_null(t);
		assert_true(strstr(t, "old-reader") <
			    strstr(t, "<td class=\"id\">&lt;script"));
	}
	assert_non_null(strstr(out.buf, "-40 (overdue)"));
	assert_non_null(strstr(out.buf, "<td class=\"bad\">shared-consumer"));
	assert_non_null(strstr(out.buf, "default-src 'none'"));
	/* no catalog: no graph, said so */
	assert_non_null(strstr(out.buf, "has errors"));
	/* same model, same bytes */
	assert_int_equal(honk_html_render(&again, &s, &o), 0);
	assert_string_equal(out.buf, again.buf);
	honk_buf_release(&out);
	honk_buf_release(&again);
}

static void no_migrations(void **state)
{
	struct honk_status s;
	struct honk_buf out = HONK_BUF_INIT;

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_int_equal(honk_html_render(&out, &s, NULL), 0);
	assert_int_equal(count(out.buf, "<tr class=\"migration\""), 0);
	assert_non_null(strstr(out.buf, "No migrations"));
	assert_non_null(strstr(out.buf, "Nothing waits on a person"));
	assert_non_null(strstr(out.buf, "No consumer reads a deprecated"));
	honk_buf_release(&out);
}

static void graph_drawn_or_left_out(void **state)
{
	static const char *const files[][2] = {
		{ "honk.yaml", "honk: 1\n" },
		{ "datasets/a/src.yaml",
		  "dataset: a.src\n"
		  "versions: [{version: 1, deprecated: 2026-12-31, schema: [{name: x, type: int64}]}]\n" },
		{ "datasets/b/out.yaml",
		  "dataset: b.out\n"
		  "versions: [{version: 1, schema: [{name: x, type: int64}]}]\n" },
		{ "consumers/a-very-long-consumer-name-that-does-not-fit.yaml",
		  "consumer: a-very-long-consumer-name-that-does-not-fit\n"
		  "owner: team-x\n"
		  "reads: [{dataset: a.src, version: 1}]\n"
		  "produces: [b.out]\n" },
	};
	struct honk_catalog_file v[4];
	struct honk_diags d = HONK_DIAGS_INIT;
	struct honk_html_opts o = HONK_HTML_OPTS_INIT;
	struct honk_status s;
	struct honk_buf out = HONK_BUF_INIT;
	size_t i;

	(void)state;
	memset(&s, 0, sizeof(s));
	for (i = 0; i < 4; i++) {
		v[i].path = files[i][0];
		v[i].data = files[i][1];
		v[i].len = strlen(files[i][1]);
	}
	assert_int_equal(honk_catalog_parse_files(&s.cat, v, 4, &d), 0);
	s.cat_ok = 1;
	assert_int_equal(honk_html_render(&out, &s, &o), 0);
	assert_int_equal(count(out.buf, "<svg id=\"graph\""), 1);
	assert_int_equal(count(out.buf, "<g class=\"node dataset\">"), 2);
	assert_int_equal(count(out.buf, "<g class=\"node consumer\">"), 1);
	/* a read of a deprecated version is dashed; a product has an arrow */
	assert_int_equal(count(out.buf, "stroke-dasharray"), 1);
	assert_int_equal(count(out.buf, "marker-end=\"url(#arrow)\""), 1);
	/* a long name is cut on the drawing, whole in its tooltip */
	assert_non_null(
		strstr(out.buf, ">a-very-long-consumer-name-t\xe2\x80\xa6<"));
	assert_non_null(strstr(
		out.buf,
		"<title>consumer a-very-long-consumer-name-that-does-not-fit, owner team-x</title>"));
	assert_null(strstr(out.buf, "<script"));
	/* nothing to fetch */
	assert_null(strstr(out.buf, "src="));
	assert_null(strstr(out.buf, "href="));
	assert_null(strstr(out.buf, "http:"));
	assert_null(strstr(out.buf, "https:"));
	assert_null(strstr(out.buf, "@import"));
	assert_null(strstr(out.buf, "url(h"));

	honk_buf_reset(&out);
	o.max_graph_nodes = 2;
	assert_int_equal(honk_html_render(&out, &s, &o), 0);
	assert_null(strstr(out.buf, "<svg"));
	assert_non_null(strstr(out.buf, "3 datasets and consumers: more than"));
	honk_buf_release(&out);
	honk_diags_release(&d);
	honk_catalog_release(&s.cat);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(escape),
		cmocka_unit_test(hostile_text_stays_text),
		cmocka_unit_test(no_migrations),
		cmocka_unit_test(graph_drawn_or_left_out),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
