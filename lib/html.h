#ifndef HONK_HTML_H
#define HONK_HTML_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "status.h"

/*
 * `honk-status html`: the portal as one self-contained HTML page, built
 * from the overview's model (struct honk_status, the catalog at main
 * included): the migrations (table#migrations, one row each), the
 * deprecation deadlines, the conflicts, the commands that move each
 * migration on, and the dependency graph drawn as inline SVG.
 *
 * Self-contained: inline CSS only, no script, no font, image, style or
 * frame from anywhere, and a Content-Security-Policy that forbids the
 * browser to fetch anything. Every text that comes from the repository
 * is escaped, so a description or a reason cannot add markup.
 */

struct honk_html_opts {
	int64_t now;		/* ms: ages, and the time on the page */
	size_t max_graph_nodes; /* draw the graph up to this many nodes */
};

#define HONK_HTML_MAX_GRAPH_NODES 500

#define HONK_HTML_OPTS_INIT                  \
	{                                    \
		0, HONK_HTML_MAX_GRAPH_NODES \
	}

int honk_html_render(struct honk_buf *out, const struct honk_status *s,
		     const struct honk_html_opts *o);

/*
 * Append s as HTML text or attribute value: & < > " ' as entities,
 * control characters and invalid UTF-8 as U+FFFD.
 */
void honk_html_escape(struct honk_buf *out, const char *s);

#endif
