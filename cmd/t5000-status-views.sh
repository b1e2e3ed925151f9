#!/bin/sh
test_description='honk-status graph, export backstage and html, checked by Graphviz, the Backstage catalog model and headless Chromium'
. "$(dirname "$0")/test-lib.sh"

# The outside checkers: Graphviz's dot; node with @backstage/catalog-model
# and yaml (npm ci --prefix testdata/backstage, or a directory holding
# node_modules named by HONK_TEST_BACKSTAGE_PREFIX); Chromium
# (HONK_TEST_CHROMIUM names another binary). Where one is missing the
# script skips itself, unless HONK_TEST_GRAPHVIZ, HONK_TEST_BACKSTAGE or
# HONK_TEST_BROWSER is `required` (.ci/run, which installs them, sets all
# three): then that is a failure.

HONK_NOW=2026-11-24
export HONK_NOW
id=plays.user_plays.v3-v4
bs_prefix=${HONK_TEST_BACKSTAGE_PREFIX:-$HONK_TESTDATA/backstage}

missing=
# cannot_run VAR REASON
cannot_run() {
	if eval "test \"\${$1:-}\" = required"
	then
		echo "error: $2 (and $1=required)" >&2
		exit 1
	fi
	missing="${missing:+$missing; }$2"
}

command -v dot >/dev/null 2>&1 ||
	cannot_run HONK_TEST_GRAPHVIZ "no Graphviz dot"
if ! command -v node >/dev/null 2>&1
then
	cannot_run HONK_TEST_BACKSTAGE "no node"
elif ! node -e '
	for (const m of ["@backstage/catalog-model", "yaml"])
		require.resolve(m, { paths: [process.argv[1]] });' "$bs_prefix" \
	>/dev/null 2>&1
then
	cannot_run HONK_TEST_BACKSTAGE \
		"no @backstage/catalog-model and yaml under $bs_prefix (npm ci --prefix testdata/backstage)"
fi
chromium=
for c in ${HONK_TEST_CHROMIUM:-} chromium chromium-browser
do
	if command -v "$c" >/dev/null 2>&1
	then
		chromium=$(command -v "$c")
		break
	fi
done
test -n "$chromium" || cannot_run HONK_TEST_BROWSER "no chromium"
test -z "$missing" || test_skip_all "$missing"

# browse PROFILE ARGS...: headless Chromium with a fresh profile that can
# reach nothing: every name resolves to nothing and every request goes to
# a proxy on a closed local port, so neither the page nor the browser's
# own background services get anywhere, whatever they try.
browse() {
	rm -rf "$1" &&
	browse_profile=$1 &&
	shift &&
	timeout 120 "$chromium" --headless --no-sandbox --disable-gpu \
		--disable-background-networking --disable-component-update \
		--disable-sync --no-first-run --no-default-browser-check \
		--disable-default-apps --disable-extensions --disable-breakpad \
		--disable-domain-reliability --no-pings \
		--disable-client-side-phishing-detection --metrics-recording-only \
		--disable-features=OptimizationGuideModelDownloading,OptimizationHints,OptimizationHintsFetching,Translate,MediaRouter,AutofillServerCommunication,CertificateTransparencyComponentUpdater \
		"--host-resolver-rules=MAP * ~NOTFOUND" \
		--proxy-server=http://127.0.0.1:9 "--proxy-bypass-list=<-loopback>" \
		--user-data-dir="$browse_profile" "$@"
}

# page_requests NETLOG: the URLs a page asked for. Chromium's net log
# records every URL request; the browser's own carry no initiator ("not an
# origin"), a page's carry its origin ("null" for a file).
page_requests() {
	jq -r '.constants.logEventTypes.URL_REQUEST_START_JOB as $t |
		.events[] | select(.type == $t and .params.url != null and
			.params.initiator != "not an origin") | .params.url' "$1"
}

# png_size FILE: "WIDTHxHEIGHT" of a PNG, after checking its signature.
png_size() {
	test "$(od -An -tx1 -N8 "$1" | tr -d ' \n')" = 89504e470d0a1a0a &&
	od -An -tu1 -j16 -N8 "$1" |
		awk '{ printf "%dx%d\n", (($1 * 256 + $2) * 256 + $3) * 256 + $4,
			(($5 * 256 + $6) * 256 + $7) * 256 + $8 }'
}

test_expect_success 'the demo: detected, one migration approved and rolled out' '
	sh "$HONK_TESTDATA/demo/run.sh" "$PWD/demo" >/dev/null &&
	honk-detect -C demo/catalog -q &&
	git -C demo/catalog merge -q --no-ff -m approve "honk/propose/$id" &&
	honk-rollout -C demo/catalog run >out 2>err &&
	grep "^completed     $id" out &&
	honk-status -C demo/catalog datasets --json >datasets.json &&
	honk-status -C demo/catalog consumers --json >consumers.json &&
	honk-status -C demo/catalog --json >status.json &&
	nd=$(jq length datasets.json) &&
	nc=$(jq length consumers.json) &&
	nreads=$(jq "[.[].reads | length] | add" consumers.json) &&
	nprod=$(jq "[.[].produces | length] | add" consumers.json) &&
	nmig=$(jq ".migrations | length" status.json) &&
	test "$nd" -eq 6 && test "$nc" -eq 10 && test "$nmig" -ge 2 &&
	jq -e ".migrations[] | select(.id == \"$id\") | .phase == \"completed\"" status.json
'

test_expect_success 'graph --format dot: Graphviz draws it, one node per dataset and consumer' '
	honk-status -C demo/catalog graph --format dot >g.dot &&
	dot -Tsvg g.dot >g.svg 2>dot.err &&
	test ! -s dot.err &&
	grep "<svg" g.svg &&
	test "$(grep -c "^	\"[^\"]*\" \[" g.dot)" -eq $((nd + nc)) &&
	test "$(grep -c "class=\"node\"" g.svg)" -eq $((nd + nc)) &&
	test "$(grep -c " -> " g.dot)" -eq $((nreads + nprod)) &&
	test "$(grep -c "class=\"edge\"" g.svg)" -eq $((nreads + nprod)) &&
	jq -r ".[].dataset" datasets.json >ds &&
	while read d; do
		test "$(grep -c "^	\"dataset:$d\" \[shape=box, " g.dot)" -eq 1 ||
		return 1
	done <ds &&
	jq -r ".[].consumer" consumers.json >cs &&
	while read c; do
		test "$(grep -c "^	\"consumer:$c\" \[shape=ellipse, " g.dot)" -eq 1 ||
		return 1
	done <cs &&
	grep "^	\"dataset:plays.user_plays\" \[shape=box, label=\"plays.user_plays\\\\nteam-playback\\\\nv2 deprecated 2026-06-30\\\\nv3 deprecated 2026-12-31\", tooltip=\"dataset plays.user_plays, owner team-playback\"\];$" g.dot &&
	grep "^	\"dataset:plays.user_plays\" -> \"consumer:royalty-reports\" \[dir=back, label=\"reads v3 (deprecated 2026-12-31)\", style=dashed" g.dot &&
	grep "^	\"consumer:royalty-reports\" -> \"dataset:royalty.daily\" \[label=\"produces\"\];$" g.dot
'

test_expect_success 'graph --format mermaid: safe ids, one node per dataset and consumer' '
	honk-status -C demo/catalog graph --format mermaid >g.mmd &&
	test "$(sed -n 1p g.mmd)" = "flowchart LR" &&
	grep -E "^    n[0-9]+(\[\"|\(\[\")" g.mmd >nodes &&
	test_line_count = $((nd + nc)) nodes &&
	sed -E "s/^    (n[0-9]+).*/\1/" nodes | sort -u >ids &&
	test_line_count = $((nd + nc)) ids &&
	grep -E "^    n[0-9]+ (---|-\.-|-->)\|[^|]+\| n[0-9]+$" g.mmd >edges &&
	test_line_count = $((nreads + nprod)) edges &&
	test "$(wc -l <g.mmd)" -eq $((1 + nd + nc + nreads + nprod)) &&
	grep "^    n[0-9]*\[\"plays.user_plays<br/>team-playback\"\]$" g.mmd &&
	grep -- "-.-|reads v3, deprecated 2026-12-31|" g.mmd
'

test_expect_success 'graph --format json (and --json): nodes and edges' '
	honk-status -C demo/catalog graph --format json >g.json &&
	honk-status -C demo/catalog graph --json >g2.json &&
	test_cmp g.json g2.json &&
	jq -e ".nodes | length == $((nd + nc))" g.json &&
	jq -e "[.nodes[] | select(.kind == \"dataset\")] | length == $nd" g.json &&
	jq -e "[.edges[] | select(.kind == \"reads\")] | length == $nreads" g.json &&
	jq -e "[.edges[] | select(.kind == \"produces\")] | length == $nprod" g.json &&
	jq -e "([.nodes[] | select(.kind == \"consumer\") | .id]) as \$c |
		([.nodes[] | select(.kind == \"dataset\") | .id]) as \$d |
		all(.edges[]; (.from | IN(\$c[])) and (.to | IN(\$d[])))" g.json &&
	jq -e ".edges[] | select(.from == \"charts\" and .to == \"plays.user_plays\") |
		.version == 3 and .deprecated == \"2026-12-31\"" g.json &&
	jq -e "all(.nodes[]; keys == [\"id\", \"kind\", \"owner\"])" g.json
'

test_expect_success 'graph DATASET [--depth N]: what is downstream, as a tree' '
	honk-status -C demo/catalog graph royalty.daily >tree &&
	cat >expect <<-\EOF &&
	royalty.daily [team-royalty]
	|-- payout-engine reads v1 [team-royalty]
	|   `-- royalty.payouts [team-royalty]
	|       |-- royalty-dashboard reads v1 [team-royalty]
	|       `-- statements-mailer reads v1 [team-royalty]
	`-- royalty-dashboard reads v1 [team-royalty]
	EOF
	test_cmp expect tree &&
	honk-status -C demo/catalog graph plays.user_plays --depth 1 --json >d1.json &&
	jq -r "[.nodes[].id] | join(\" \")" d1.json >ids &&
	echo "charts.top_tracks plays.user_plays royalty.daily charts listening-habits retention-model royalty-reports" >expect &&
	test_cmp expect ids &&
	honk-status -C demo/catalog graph plays.user_plays --format dot --depth 2 >d2.dot &&
	dot -Tsvg d2.dot >/dev/null &&
	test_expect_code 3 honk-status -C demo/catalog graph plays.user_play 2>err &&
	grep "did you mean .plays.user_plays." err &&
	test_expect_code 2 honk-status -C demo/catalog graph --format svg &&
	test_expect_code 2 honk-status -C demo/catalog graph --depth -1 &&
	test_expect_code 2 honk-status -C demo/catalog graph a.b c.d &&
	test_expect_code 2 honk-status -C demo/catalog graph "\$(x)" &&
	test_expect_code 2 honk-status -C demo/catalog datasets --depth 1
'

validate() {
	HONK_BACKSTAGE_PREFIX=$bs_prefix node "$HONK_TESTDATA/backstage/validate.js" "$@"
}

test_expect_success 'export backstage: the Backstage catalog model accepts every entity' '
	honk-status -C demo/catalog export backstage >entities.yaml &&
	validate entities.yaml >v.out &&
	echo "validate.js: $((nd + nc)) entities ($nc Component, $nd Resource), 0 errors" >expect &&
	test_cmp expect v.out &&
	test "$(grep -c "^---$" entities.yaml)" -eq $((nd + nc)) &&
	honk-status -C demo/catalog export backstage >again.yaml &&
	cmp entities.yaml again.yaml &&
	test_expect_code 2 honk-status -C demo/catalog export &&
	test_expect_code 2 honk-status -C demo/catalog export backstage --json
'

test_expect_success 'the validator refuses what Backstage would refuse' '
	sed "s/^  name: royalty.daily$/  name: royalty.daily-/" entities.yaml >bad.yaml &&
	test_expect_code 1 validate bad.yaml >v.out &&
	grep "metadata.name. is not valid" v.out &&
	sed "/^  lifecycle: production$/d" entities.yaml >bad.yaml &&
	test_expect_code 1 validate bad.yaml >v.out &&
	grep "must have required property .lifecycle." v.out &&
	sed "s/^  - component:charts-api$/  - component:nobody/" entities.yaml >bad.yaml &&
	test_expect_code 1 validate bad.yaml >v.out &&
	grep "component:nobody: no such entity in the stream" v.out &&
	printf "apiVersion: backstage.io/v1alpha1\nkind: Resource\nmetadata: {name: x}\nspec: {type: dataset, owner: on}\n" >bad.yaml &&
	test_expect_code 1 validate bad.yaml >v.out &&
	grep "reads differently as YAML 1.1 and 1.2" v.out
'

test_expect_success 'export backstage: names Backstage refuses, no owner, awkward text' '
	long=a123456789b123456789c123456789d123456789e123456789f123456789g123456789 &&
	mkdir -p odd/datasets/raw odd/consumers &&
	echo "honk: 1" >odd/honk.yaml &&
	cat >odd/datasets/raw/clicks_.yaml <<-\EOF &&
	dataset: raw.clicks_
	description: "key: value # not a comment\n- not a list\nyes, no, on, ~, 2026-01-01, 0x1F \"q\" '\''s'\''"
	versions: [{version: 1, schema: [{name: x, type: int64}]}]
	EOF
	printf "dataset: raw.%s\nowner: team-raw_\nversions: [{version: 1, schema: [{name: x, type: int64}]}]\n" \
		$long >odd/datasets/raw/$long.yaml &&
	printf "consumer: %s-\nreads: [{dataset: raw.clicks_, version: 1}]\nproduces: [raw.%s]\n" \
		$long $long >odd/consumers/$long-.yaml &&
	honk_catalog_repo oddcat odd &&
	honk-status -C oddcat lint &&
	honk-status -C oddcat export backstage >odd.yaml &&
	validate odd.yaml >v.out &&
	echo "validate.js: 3 entities (1 Component, 2 Resource), 0 errors" >expect &&
	test_cmp expect v.out &&
	grep "^  title: raw.clicks_$" odd.yaml &&
	grep "^  owner: group:unknown$" odd.yaml &&
	grep "^  owner: group:team-raw-[0-9a-f]\{8\}$" odd.yaml
'

test_expect_success 'html: one self-contained page; -o writes it atomically' '
	honk-status -C demo/catalog html -o "$PWD/page.html" &&
	test_path_is_file page.html &&
	test_path_is_missing page.html.lock &&
	honk-status -C demo/catalog html >stdout.html &&
	sed "/^<footer>/d" page.html >a && sed "/^<footer>/d" stdout.html >b &&
	test_cmp a b &&
	! grep -Ei "(src|href|srcset|action|poster|data|background)[[:space:]]*=[[:space:]]*[\"'\'']?[[:space:]]*(https?:|//)" page.html &&
	! grep -Ei "@import|url\([[:space:]]*[\"'\'']?[[:space:]]*(https?:|//)" page.html &&
	! grep -Ei "<(script|link|iframe|frame|object|embed|img|image|use|audio|video|source|base)[[:space:]>]" page.html &&
	grep "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src '\''none'\''; style-src '\''unsafe-inline'\''" page.html &&
	grep "<table id=\"migrations\">" page.html &&
	grep "<code>honk-status approve plays.skips.v1-v2</code>" page.html &&
	grep "<svg id=\"graph\"" page.html &&
	test_expect_code 2 honk-status -C demo/catalog html --json &&
	test_expect_code 2 honk-status -C demo/catalog html extra &&
	test_expect_code 2 honk-status -C demo/catalog html --depth 1
'

test_expect_success 'html: the network check sees a page that does fetch' '
	cat >fetching.html <<-\EOF &&
	<!DOCTYPE html><html><head><meta charset="utf-8"><title>control</title>
	<style>@import url("http://honk-test.invalid/a.css");</style></head>
	<body><img src="http://honk-test.invalid/x.png" alt=""></body></html>
	EOF
	browse control --log-net-log="$PWD/control.json" \
		--net-log-capture-mode=Everything --dump-dom \
		"file://$PWD/fetching.html" >control.dom 2>control.err &&
	grep "<title>control</title>" control.dom &&
	page_requests control.json >urls &&
	grep "^http://honk-test.invalid/x.png$" urls &&
	grep "^http://honk-test.invalid/a.css$" urls
'

test_expect_success 'html: Chromium renders it, a screenshot, one row per migration, no request' '
	browse shot --window-size=1280,2000 --screenshot="$PWD/shot.png" \
		--log-net-log="$PWD/net.json" --net-log-capture-mode=Everything \
		--dump-dom "file://$PWD/page.html" >dom.html 2>shot.err &&
	test "$(png_size shot.png)" = 1280x2000 &&
	test "$(wc -c <shot.png)" -gt 30000 &&
	page_requests net.json >urls &&
	test_line_count = 0 urls &&
	jq -e ".events | length > 0" net.json &&
	grep "<title>honk status</title>" dom.html &&
	sed -n "/<table id=\"migrations\">/,/<\/table>/p" dom.html >table &&
	test "$(grep -o "<tr class=\"migration\"" table | wc -l)" -eq "$nmig" &&
	test "$(grep -o "<tr[ >]" table | wc -l)" -eq $((nmig + 1)) &&
	test "$(grep -o "<tr class=\"migration\"" dom.html | wc -l)" -eq "$nmig" &&
	grep "data-migration=\"$id\"" table &&
	test "$(grep -o "<g class=\"node " dom.html | wc -l)" -eq $((nd + nc))
'

test_expect_success 'html: a hostile reason stays text, in the page and in the browser' '
	bad="<img src=http://honk-test.invalid/r.png onerror=alert(1)><script>document.title=1</script>\"'\''&" &&
	honk-status -C demo/catalog reject plays.skips.v1-v2 --reason "$bad" &&
	honk-status -C demo/catalog --json >status2.json &&
	jq -e ".migrations[] | select(.id == \"plays.skips.v1-v2\") | .phase == \"rejected\"" status2.json &&
	nmig2=$(jq ".migrations | length" status2.json) &&
	honk-status -C demo/catalog html -o "$PWD/hostile.html" &&
	grep "&lt;img src=http://honk-test.invalid/r.png onerror=alert(1)&gt;&lt;script&gt;document.title=1&lt;/script&gt;&quot;&#39;&amp;" hostile.html &&
	! grep -Ei "<(script|img)[[:space:]>]" hostile.html &&
	browse hostile --log-net-log="$PWD/hostile.json" \
		--net-log-capture-mode=Everything --dump-dom \
		"file://$PWD/hostile.html" >hostile.dom 2>hostile.err &&
	grep "<title>honk status</title>" hostile.dom &&
	! grep -Ei "<(script|img)[[:space:]>]" hostile.dom &&
	grep "&lt;script&gt;document.title=1&lt;/script&gt;" hostile.dom &&
	test "$(grep -o "<tr class=\"migration\"" hostile.dom | wc -l)" -eq "$nmig2" &&
	page_requests hostile.json >urls &&
	test_line_count = 0 urls
'

test_done
