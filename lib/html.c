/*
 * The portal as one HTML page.
 *
 * What it keeps true: the page needs nothing but itself (inline CSS, no
 * script, no URL the browser could fetch, and a Content-Security-Policy
 * of default-src 'none' in case anything slipped in); every string that
 * comes from the repository goes through honk_html_escape(), names
 * included, although the catalog validates them, because state files
 * and reasons are free text; and the same model gives the same bytes.
 */
#include "html.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "error.h"
#include "graph.h"
#include "banned.h"

/* ---- escaping ---------------------------------------------------------- */

/* The length of the valid UTF-8 sequence at s, or 0. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned c = s[0], need, i, cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		need = 1;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 2;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3;
		cp = c & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i <= need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((need == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (need == 3 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return need + 1;
}

void honk_html_escape(struct honk_buf *out, const char *str)
{
	const unsigned char *s = (const unsigned char *)(str ? str : "");

	while (*s) {
		size_t n;

		switch (*s) {
		case '&':
			honk_buf_addstr(out, "&amp;");
			s++;
			continue;
		case '<':
			honk_buf_addstr(out, "&lt;");
			s++;
			continue;
		case '>':
			honk_buf_addstr(out, "&gt;");
			s++;
			continue;
		case '"':
			honk_buf_addstr(out, "&quot;");
			s++;
			continue;
		case '\'':
			honk_buf_addstr(out, "&#39;");
			s++;
			continue;
		case '\t':
		case '\n':
			honk_buf_addch(out, *s++);
			continue;
		default:
			break;
		}
		n = utf8_len(s);
		if (!n || *s < 0x20 || *s == 0x7f) {
			honk_buf_addstr(out, "\xef\xbf\xbd");
			s++;
			continue;
		}
		honk_buf_add(out, s, n);
		s += n;
	}
}

static void esc(struct honk_buf *out, const char *s)
{
	honk_html_escape(out, s);
}

/* s cut to at most max characters (the last one an ellipsis), escaped. */
static void esc_cut(struct honk_buf *out, const char *s, size_t max)
{
	struct honk_buf t = HONK_BUF_INIT;
	size_t chars = 0, i, cut = 0;

	for (i = 0; s[i]; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80) {
			if (chars == max - 1)
				cut = i;
			chars++;
		}
	if (chars <= max) {
		esc(out, s);
		return;
	}
	honk_buf_add(&t, s, cut);
	esc(out, t.buf);
	honk_buf_addstr(out, "\xe2\x80\xa6");
	honk_buf_release(&t);
}

/* ---- the page ---------------------------------------------------------- */

static const char style[] =
	":root{color-scheme:light;--fg:#1d232b;--muted:#5f6b7a;--line:#d8dee6;"
	"--bg:#f6f8fa;--card:#fff;--ok:#1f7a3a;--warn:#9a6500;--bad:#b03030;"
	"--run:#1f5fa8}\n"
	"*{box-sizing:border-box}\n"
	"body{margin:0;font:14px/1.45 system-ui,-apple-system,\"Segoe UI\","
	"Roboto,\"Helvetica Neue\",Arial,sans-serif;color:var(--fg);"
	"background:var(--bg)}\n"
	"header{padding:16px 24px;background:#1d232b;color:#fff}\n"
	"header h1{margin:0;font-size:20px}\n"
	"header p{margin:4px 0 0;color:#c9d1db}\n"
	"header code{background:#2f3945;color:#fff}\n"
	"main{padding:8px 24px 32px;max-width:1400px}\n"
	"section{background:var(--card);border:1px solid var(--line);"
	"border-radius:6px;margin:16px 0;padding:12px 16px}\n"
	"h2{font-size:16px;margin:0 0 8px}\n"
	"table{border-collapse:collapse;width:100%}\n"
	"th,td{text-align:left;padding:6px 8px;border-bottom:1px solid "
	"var(--line);vertical-align:top}\n"
	"th{font-size:12px;text-transform:uppercase;letter-spacing:.04em;"
	"color:var(--muted)}\n"
	"td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}\n"
	"code,.id{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"
	"\"Liberation Mono\",monospace;font-size:13px}\n"
	"code{background:#eef1f4;border-radius:3px;padding:1px 4px;"
	"white-space:nowrap}\n"
	".sub{color:var(--muted);font-size:12px}\n"
	".phase{display:inline-block;padding:1px 8px;border-radius:10px;"
	"font-size:12px;font-weight:600;background:#eef1f4}\n"
	".phase-completed{background:#e3f3e7;color:var(--ok)}\n"
	".phase-rolling-out,.phase-approved{background:#e3eefb;"
	"color:var(--run)}\n"
	".phase-paused,.phase-proposed{background:#fbf1dc;color:var(--warn)}\n"
	".phase-failed,.phase-rolling-back,.phase-rolled-back{"
	"background:#fbe5e5;color:var(--bad)}\n"
	".phase-rejected{background:#eef1f4;color:var(--muted)}\n"
	".bar{display:inline-block;width:120px;height:10px;background:#e6eaef;"
	"border-radius:5px;overflow:hidden;vertical-align:middle;"
	"margin-right:6px}\n"
	".fill{height:100%;background:var(--ok)}\n"
	".fill.failed{background:var(--bad)}\n"
	".bad{color:var(--bad);font-weight:600}\n"
	".soon{color:var(--warn);font-weight:600}\n"
	".none{color:var(--muted)}\n"
	".graph{overflow:auto;border:1px solid var(--line);border-radius:4px;"
	"background:#fcfdfe}\n"
	".graph text{font-family:system-ui,-apple-system,\"Segoe UI\",Roboto,"
	"Arial,sans-serif}\n"
	".legend{color:var(--muted);font-size:12px;margin:6px 0 0}\n"
	"footer{color:var(--muted);font-size:12px;padding:0 24px 24px}\n";

static void age(struct honk_buf *out, int64_t now, int64_t since)
{
	int64_t d = since ? (now - since) / 1000 : -1;

	if (d < 0)
		honk_buf_addstr(out, "-");
	else if (d < 3600)
		honk_buf_addf(out, "%lldm", (long long)(d / 60));
	else if (d < 86400 * 2)
		honk_buf_addf(out, "%lldh", (long long)(d / 3600));
	else
		honk_buf_addf(out, "%lldd", (long long)(d / 86400));
}

static void migration_row(struct honk_buf *out, const struct honk_status_mig *m,
			  int64_t now)
{
	size_t pct = m->total ? m->succeeded * 100 / m->total : 0;

	honk_buf_addstr(out, "<tr class=\"migration\" data-migration=\"");
	esc(out, m->id);
	honk_buf_addstr(out, "\">\n<td><span class=\"id\">");
	esc(out, m->id);
	honk_buf_addstr(out, "</span>");
	if (m->dataset) {
		honk_buf_addstr(out, "<br><span class=\"sub\">");
		esc(out, m->dataset);
		honk_buf_addf(out, " v%lld &rarr; v%lld", (long long)m->from,
			      (long long)m->to);
		if (m->verdict) {
			honk_buf_addstr(out, ", ");
			esc(out, m->verdict);
		}
		if (m->stale)
			honk_buf_addstr(out, ", stale");
		honk_buf_addstr(out, "</span>");
	}
	honk_buf_addstr(out, "</td>\n<td><span class=\"phase phase-");
	esc(out, m->phase);
	honk_buf_addstr(out, "\">");
	esc(out, m->phase);
	honk_buf_addstr(out, "</span>");
	if (m->reason) {
		honk_buf_addstr(out, "<br><span class=\"sub\">");
		esc(out, m->reason);
		honk_buf_addstr(out, "</span>");
	}
	honk_buf_addstr(out, "</td>\n<td class=\"num\">");
	if (m->waves)
		honk_buf_addf(out, "%lld/%lld", (long long)m->wave,
			      (long long)m->waves);
	else
		honk_buf_addstr(out, "-");
	honk_buf_addf(out,
		      "</td>\n<td><div class=\"bar\" role=\"progressbar\" "
		      "aria-valuemin=\"0\" aria-valuemax=\"%zu\" "
		      "aria-valuenow=\"%zu\"><div class=\"fill%s\" "
		      "style=\"width:%zu%%\"></div></div>%zu/%zu</td>\n",
		      m->total, m->succeeded, m->failed ? " failed" : "", pct,
		      m->succeeded, m->total);
	honk_buf_addf(out, "<td class=\"num%s\">%zu</td>\n",
		      m->failed ? " bad" : "", m->failed);
	honk_buf_addstr(out, "<td class=\"num\">");
	age(out, now, m->since);
	honk_buf_addstr(out, "</td>\n<td>");
	if (m->waits)
		esc(out, m->waits);
	else
		honk_buf_addstr(out, "<span class=\"none\">-</span>");
	honk_buf_addstr(out, "</td>\n</tr>\n");
}

/* One row of the actions table. */
static void action(struct honk_buf *out, const char *id, const char *what,
		   const char *cmd, const char *tail)
{
	honk_buf_addstr(out, "<tr><td class=\"id\">");
	esc(out, id);
	honk_buf_addstr(out, "</td><td>");
	esc(out, what);
	honk_buf_addstr(out, "</td><td><code>");
	esc(out, cmd);
	honk_buf_addch(out, ' ');
	esc(out, id);
	if (tail) {
		honk_buf_addch(out, ' ');
		esc(out, tail);
	}
	honk_buf_addstr(out, "</code></td></tr>\n");
}

/* What a person can do about m, as the commands that do it. */
static size_t actions(struct honk_buf *out, const struct honk_status_mig *m)
{
	const char *p = m->phase, *id = m->id;
	size_t before = out->len;

	if (!strcmp(p, "proposed")) {
		action(out, id, "review the plan", "honk-status show", NULL);
		action(out, id, "approve: merge the proposal into main",
		       "honk-status approve", NULL);
		action(out, id, "reject it", "honk-status reject",
		       "--reason \"why\"");
	} else if (!strcmp(p, "approved")) {
		action(out, id, "start the rollout now", "honk-rollout run",
		       NULL);
	} else if (!strcmp(p, "rolling-out")) {
		if (m->gate_manual)
			action(out, id, "start the next wave",
			       "honk-rollout promote", NULL);
		if (m->failed)
			action(out, id, "run the failed consumers again",
			       "honk-rollout retry", NULL);
		action(out, id, "hold it", "honk-rollout pause",
		       "--reason \"why\"");
	} else if (!strcmp(p, "paused")) {
		action(out, id, "go on", "honk-rollout resume", NULL);
		action(out, id, "stop and roll back what moved",
		       "honk-rollout abort", "--reason \"why\"");
	} else if (!strcmp(p, "failed")) {
		action(out, id, "run the failed consumers again",
		       "honk-rollout retry", NULL);
		action(out, id, "roll back now", "honk-rollout undo", NULL);
	}
	return out->len != before;
}

static int by_days(const void *a, const void *b)
{
	const struct honk_status_deadline *x =
		*(const struct honk_status_deadline *const *)a;
	const struct honk_status_deadline *y =
		*(const struct honk_status_deadline *const *)b;
	int c;

	if (x->days_left != y->days_left)
		return x->days_left < y->days_left ? -1 : 1;
	if ((c = strcmp(x->dataset, y->dataset)) != 0)
		return c;
	if (x->version != y->version)
		return x->version < y->version ? -1 : 1;
	return strcmp(x->consumer, y->consumer);
}

static int deadlines(struct honk_buf *out, const struct honk_status *s)
{
	const struct honk_status_deadline **v;
	size_t i;

	honk_buf_addstr(out, "<section id=\"deadlines-section\">\n"
			     "<h2>Deprecation deadlines</h2>\n");
	if (!s->ndeadlines) {
		honk_buf_addstr(out, "<p class=\"none\">No consumer reads a "
				     "deprecated version.</p>\n</section>\n");
		return 0;
	}
	if (!(v = malloc(s->ndeadlines * sizeof(*v))))
		return honk_error_set(HONK_ERROR, "out of memory");
	for (i = 0; i < s->ndeadlines; i++)
		v[i] = &s->deadlines[i];
	qsort(v, s->ndeadlines, sizeof(*v), by_days);
	honk_buf_addstr(out,
			"<table id=\"deadlines\">\n<thead><tr><th>Dataset</th>"
			"<th class=\"num\">Version</th><th>Still read by</th>"
			"<th>Deadline</th><th class=\"num\">Days left</th>"
			"</tr></thead>\n<tbody>\n");
	for (i = 0; i < s->ndeadlines; i++) {
		const struct honk_status_deadline *d = v[i];
		const char *cls = d->days_left < 0     ? " bad"
				  : d->days_left <= 30 ? " soon"
						       : "";

		honk_buf_addstr(out, "<tr><td class=\"id\">");
		esc(out, d->dataset);
		honk_buf_addf(out,
			      "</td><td class=\"num\">v%lld</td>"
			      "<td class=\"id\">",
			      (long long)d->version);
		esc(out, d->consumer);
		honk_buf_addstr(out, "</td><td>");
		esc(out, d->deprecated);
		honk_buf_addf(out,
			      "</td><td class=\"num%s\">%lld%s</td></tr>\n",
			      cls, (long long)d->days_left,
			      d->days_left < 0 ? " (overdue)" : "");
	}
	honk_buf_addstr(out, "</tbody>\n</table>\n</section>\n");
	free(v);
	return 0;
}

static void conflicts(struct honk_buf *out, const struct honk_status *s)
{
	size_t i;

	honk_buf_addstr(out, "<section id=\"conflicts-section\">\n"
			     "<h2>Conflicts</h2>\n");
	if (!s->nconflicts) {
		honk_buf_addstr(out,
				"<p class=\"none\">None.</p>\n</section>\n");
		return;
	}
	honk_buf_addstr(out, "<table id=\"conflicts\">\n<thead><tr><th>Kind"
			     "</th><th>Detail</th></tr></thead>\n<tbody>\n");
	for (i = 0; i < s->nconflicts; i++) {
		honk_buf_addstr(out, "<tr><td class=\"bad\">");
		esc(out, s->conflicts[i].kind);
		honk_buf_addstr(out, "</td><td>");
		esc(out, s->conflicts[i].detail);
		honk_buf_addstr(out, "</td></tr>\n");
	}
	honk_buf_addstr(out, "</tbody>\n</table>\n</section>\n");
}

/* ---- the graph as SVG -------------------------------------------------- */

#define NODE_W	  200
#define NODE_H	  38
#define COL_W	  280 /* NODE_W and the gap the edges cross */
#define ROW_H	  54
#define MARGIN	  12
#define LABEL_MAX 28

static long node_x(const struct honk_gnode *n)
{
	return MARGIN + (long)n->level * COL_W;
}

static long node_y(const struct honk_gnode *n, const size_t *lvsize,
		   size_t maxrows)
{
	/* each column centred on the tallest */
	return MARGIN + (long)n->row * ROW_H +
	       (long)(maxrows - lvsize[n->level]) * ROW_H / 2;
}

/* A cubic Bezier coordinate at t = 3/4 (integers: same bytes anywhere). */
static long bezier(long p0, long p1, long p2, long p3)
{
	return (p0 + 9 * p1 + 27 * p2 + 27 * p3) / 64;
}

static int svg(struct honk_buf *out, struct honk_graph *g)
{
	size_t *lvsize, i;
	long w, h;

	if (honk_graph_layout(g) < 0)
		return HONK_ERROR;
	if (!(lvsize = calloc(g->nlevels + 1, sizeof(*lvsize))))
		return honk_error_set(HONK_ERROR, "out of memory");
	for (i = 0; i < g->nnodes; i++)
		lvsize[g->nodes[i].level]++;
	w = 2 * MARGIN + (long)(g->nlevels ? g->nlevels - 1 : 0) * COL_W +
	    NODE_W;
	h = 2 * MARGIN + (long)(g->maxrows ? g->maxrows - 1 : 0) * ROW_H +
	    NODE_H;
	honk_buf_addf(out,
		      "<div class=\"graph\">\n<svg id=\"graph\" "
		      "width=\"%ld\" height=\"%ld\" viewBox=\"0 0 %ld %ld\" "
		      "style=\"max-width:100%%;min-width:%ldpx;height:auto\" "
		      "role=\"img\" aria-label=\"the dependency graph: %zu "
		      "nodes, %zu edges\">\n",
		      w, h, w, h, w * 3 / 5, g->nnodes, g->nedges);
	honk_buf_addstr(
		out,
		"<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" "
		"refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" "
		"orient=\"auto\"><path d=\"M0 0L10 5L0 10z\" fill=\"#3d8b40\"/>"
		"</marker></defs>\n");
	/* edges first, so the nodes cover their ends */
	for (i = 0; i < g->nedges; i++) {
		const struct honk_gedge *e = &g->edges[i];
		const struct honk_gnode *a, *b;
		long x1, y1, x2, y2, dx;

		/* drawn the way data flows: dataset, reader, product */
		a = &g->nodes[e->kind == HONK_GEDGE_READS ? e->to : e->from];
		b = &g->nodes[e->kind == HONK_GEDGE_READS ? e->from : e->to];
		x1 = node_x(a) + NODE_W;
		y1 = node_y(a, lvsize, g->maxrows) + NODE_H / 2;
		x2 = node_x(b);
		y2 = node_y(b, lvsize, g->maxrows) + NODE_H / 2;
		dx = (x2 - x1) / 2 > 40 ? (x2 - x1) / 2 : 40;
		honk_buf_addf(out,
			      "<path d=\"M%ld %ldC%ld %ld %ld %ld %ld %ld\" "
			      "fill=\"none\" ",
			      x1, y1, x1 + dx, y1, x2 - dx, y2, x2, y2);
		if (e->kind == HONK_GEDGE_PRODUCES) {
			honk_buf_addstr(out, "stroke=\"#3d8b40\" "
					     "stroke-width=\"1.5\" "
					     "marker-end=\"url(#arrow)\">"
					     "<title>");
			esc(out, b->id);
			honk_buf_addstr(out, " produced by ");
			esc(out, a->id);
			honk_buf_addstr(out, "</title></path>\n");
			continue;
		}
		honk_buf_addf(out,
			      "stroke=\"%s\" stroke-width=\"1.2\"%s><title>",
			      e->deprecated ? "#b03030" : "#7b8794",
			      e->deprecated ? " stroke-dasharray=\"5 4\"" : "");
		esc(out, b->id);
		honk_buf_addf(out, " reads ");
		esc(out, a->id);
		honk_buf_addf(out, " v%lld", (long long)e->version);
		if (e->deprecated) {
			honk_buf_addstr(out, ", deprecated ");
			esc(out, e->deprecated);
		}
		/* the version near the reader, where the lines part */
		honk_buf_addf(out,
			      "</title></path>\n<text x=\"%ld\" y=\"%ld\" "
			      "font-size=\"10\" text-anchor=\"middle\" "
			      "fill=\"%s\">v%lld</text>\n",
			      bezier(x1, x1 + dx, x2 - dx, x2),
			      bezier(y1, y1, y2, y2) - 3,
			      e->deprecated ? "#b03030" : "#5f6b7a",
			      (long long)e->version);
	}
	for (i = 0; i < g->nnodes; i++) {
		const struct honk_gnode *n = &g->nodes[i];
		int ds = n->kind == HONK_GNODE_DATASET;
		long x = node_x(n), y = node_y(n, lvsize, g->maxrows);

		honk_buf_addf(out, "<g class=\"node %s\"><title>%s ",
			      ds ? "dataset" : "consumer",
			      ds ? "dataset" : "consumer");
		esc(out, n->id);
		honk_buf_addstr(out, ", owner ");
		esc(out, n->owner ? n->owner : "unknown");
		honk_buf_addf(out,
			      "</title><rect x=\"%ld\" y=\"%ld\" width=\"%d\" "
			      "height=\"%d\" rx=\"%d\" fill=\"%s\" "
			      "stroke=\"%s\"/>",
			      x, y, NODE_W, NODE_H, ds ? 3 : NODE_H / 2,
			      ds ? "#e8f1fb" : "#eaf5eb",
			      ds ? "#3b6ea5" : "#3d8b40");
		honk_buf_addf(out,
			      "<text x=\"%ld\" y=\"%ld\" font-size=\"12\" "
			      "text-anchor=\"middle\" fill=\"#1d232b\">",
			      x + NODE_W / 2, y + 16);
		esc_cut(out, n->id, LABEL_MAX);
		honk_buf_addf(
			out,
			"</text><text x=\"%ld\" y=\"%ld\" font-size=\"10\" "
			"text-anchor=\"middle\" fill=\"#5f6b7a\">",
			x + NODE_W / 2, y + 30);
		esc_cut(out, n->owner ? n->owner : "no owner", LABEL_MAX + 4);
		honk_buf_addstr(out, "</text></g>\n");
	}
	honk_buf_addstr(out, "</svg>\n</div>\n");
	free(lvsize);
	return 0;
}

static int graph(struct honk_buf *out, const struct honk_status *s,
		 const struct honk_html_opts *o)
{
	struct honk_graph g = HONK_GRAPH_INIT;
	int err;

	honk_buf_addstr(out, "<section id=\"graph-section\">\n"
			     "<h2>Dependency graph</h2>\n");
	if (!s->cat_ok) {
		honk_buf_addstr(
			out, "<p class=\"none\">The catalog at main has "
			     "errors (see the conflicts, and "
			     "<code>honk-status lint</code>): no graph.</p>\n"
			     "</section>\n");
		return 0;
	}
	if ((err = honk_graph_build(&g, &s->cat, NULL)) < 0)
		return err;
	if (g.nnodes > o->max_graph_nodes) {
		honk_buf_addf(
			out,
			"<p>%zu datasets and consumers: more than this "
			"page draws. <code>honk-status graph --format dot "
			"| dot -Tsvg &gt;graph.svg</code> draws them all; "
			"<code>honk-status graph DATASET</code> shows "
			"what is downstream of one.</p>\n</section>\n",
			g.nnodes);
		honk_graph_release(&g);
		return 0;
	}
	err = svg(out, &g);
	honk_buf_addstr(
		out,
		"<p class=\"legend\">Boxes are datasets, rounded ones consumers. "
		"A grey line joins a dataset to a consumer that reads it (the "
		"version on it; red and dashed: a deprecated version); a green "
		"arrow goes from a consumer to a dataset it produces.</p>\n"
		"</section>\n");
	honk_graph_release(&g);
	return err;
}

int honk_html_render(struct honk_buf *out, const struct honk_status *s,
		     const struct honk_html_opts *opts)
{
	struct honk_html_opts defaults = HONK_HTML_OPTS_INIT;
	const struct honk_html_opts *o = opts ? opts : &defaults;
	struct honk_buf acts = HONK_BUF_INIT, t = HONK_BUF_INIT;
	size_t i, waiting = 0, live = 0;
	int err;

	for (i = 0; i < s->nmigs; i++) {
		const char *p = s->migs[i].phase;

		if (s->migs[i].waits)
			waiting++;
		if (strcmp(p, "completed") && strcmp(p, "rolled-back") &&
		    strcmp(p, "rejected"))
			live++;
	}
	honk_buf_addstr(
		out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
		     "<meta charset=\"utf-8\">\n"
		     "<meta http-equiv=\"Content-Security-Policy\" "
		     "content=\"default-src 'none'; style-src 'unsafe-inline'; "
		     "img-src 'none'; base-uri 'none'; form-action 'none'\">\n"
		     "<meta name=\"referrer\" content=\"no-referrer\">\n"
		     "<meta name=\"viewport\" content=\"width=device-width, "
		     "initial-scale=1\">\n"
		     "<meta name=\"generator\" content=\"honk-status html\">\n"
		     "<title>honk status</title>\n<style>\n");
	honk_buf_addstr(out, style);
	honk_buf_addstr(out, "</style>\n</head>\n<body>\n<header>\n"
			     "<h1>honk status</h1>\n<p>main at <code>");
	honk_buf_addf(out, "%.12s", s->main_hex);
	honk_buf_addf(out,
		      "</code> &middot; %zu migration%s, %zu live &middot; "
		      "%zu waiting on a person &middot; %zu conflict%s</p>\n"
		      "</header>\n<main>\n",
		      s->nmigs, s->nmigs == 1 ? "" : "s", live, waiting,
		      s->nconflicts, s->nconflicts == 1 ? "" : "s");

	honk_buf_addstr(
		out,
		"<section id=\"overview\">\n<h2>Migrations</h2>\n"
		"<table id=\"migrations\">\n<thead><tr><th>Migration</th>"
		"<th>Phase</th><th class=\"num\">Wave</th><th>Progress</th>"
		"<th class=\"num\">Failed</th><th class=\"num\">Age</th>"
		"<th>Waits on a person</th></tr></thead>\n<tbody>\n");
	for (i = 0; i < s->nmigs; i++) {
		migration_row(out, &s->migs[i], o->now);
		actions(&acts, &s->migs[i]);
	}
	honk_buf_addstr(out, "</tbody>\n</table>\n");
	if (!s->nmigs)
		honk_buf_addstr(out, "<p class=\"none\">No migrations: "
				     "<code>honk-detect</code> proposes "
				     "them.</p>\n");
	honk_buf_addstr(out, "</section>\n");

	honk_buf_addstr(out, "<section id=\"actions-section\">\n"
			     "<h2>What you can do</h2>\n");
	if (acts.len) {
		honk_buf_addstr(out,
				"<table id=\"actions\">\n<thead><tr><th>"
				"Migration</th><th>To</th><th>Run</th></tr>"
				"</thead>\n<tbody>\n");
		honk_buf_add(out, acts.buf, acts.len);
		honk_buf_addstr(out, "</tbody>\n</table>\n");
	} else {
		honk_buf_addstr(out, "<p class=\"none\">Nothing waits on a "
				     "person.</p>\n");
	}
	honk_buf_addstr(out, "</section>\n");

	if ((err = deadlines(out, s)) < 0)
		goto cleanup;
	conflicts(out, s);
	if ((err = graph(out, s, o)) < 0)
		goto cleanup;

	honk_buf_addstr(out, "</main>\n<footer>Written by honk-status html");
	if (o->now > 0 && honk_time_format(&t, o->now) == 0)
		honk_buf_addf(out, " at %s", t.buf);
	honk_buf_addstr(out, ". One file: no script, nothing fetched."
			     "</footer>\n</body>\n</html>\n");
	err = out->len ? 0 : HONK_ERROR;
cleanup:
	honk_buf_release(&acts);
	honk_buf_release(&t);
	return err;
}
