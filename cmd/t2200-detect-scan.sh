#!/bin/sh
test_description='honk-detect scan: where consumer code names datasets'
. "$(dirname "$0")/test-lib.sh"

test_expect_success 'setup: the demo with its consumer repositories' '
	HONK_BIN_DIR="$HONK_BUILD_DIR" sh "$HONK_TESTDATA/demo/run.sh" "$TRASH_DIRECTORY/demo" >/dev/null 2>&1
'

test_expect_success 'scan reads each consumer repo from Git objects, within its paths' '
	honk-detect -C demo/catalog scan >out &&
	cat >expect <<-\EOF &&
	charts:config/charts.yaml:2: plays.user_plays (plays.user_plays)
	charts:config/charts.yaml:2: plays.user_plays v3 (bq://analytics.user_plays_v3)
	charts:config/charts.yaml:3: plays.skips (plays.skips)
	charts:config/charts.yaml:3: plays.skips v1 (bq://analytics.skips_v1)
	charts:queries/skips.sql:1: plays.skips v1 (analytics.skips_v1)
	charts:queries/top.sql:3: plays.user_plays v3 (analytics.user_plays_v3)
	royalty-reports:conf/pipeline.yaml:3: plays.user_plays (plays.user_plays)
	royalty-reports:conf/pipeline.yaml:5: plays.user_plays v3 (bq://analytics.user_plays_v3)
	royalty-reports:sql/daily.sql:2: royalty.daily v1 (royalty.daily_v1)
	royalty-reports:sql/daily.sql:6: plays.user_plays v3 (analytics.user_plays_v3)
	royalty-reports:sql/lib/plays.sql:3: plays.user_plays v3 (analytics.user_plays_v3)
	EOF
	test_cmp expect out
'

test_expect_success 'files outside paths, binaries and symlinks out of the tree are left alone' '
	git clone -q demo/royalty-reports.git rr &&
	echo "SELECT * FROM analytics.user_plays_v3" >rr/README.sql &&
	printf "analytics.user_plays_v3\0binary" >rr/sql/blob.sql &&
	ln -s /etc rr/sql/etc &&
	ln -s /etc/passwd rr/sql/passwd.sql &&
	git -C rr add -A && git -C rr commit -q -m "hostile" &&
	git -C rr push -q origin main &&
	honk-detect -C demo/catalog scan >out &&
	! grep "README.sql" out &&
	! grep "blob.sql" out &&
	! grep "etc" out &&
	! grep "passwd" out &&
	grep "^royalty-reports:sql/daily.sql:6:" out
'

test_expect_success 'scan PATH: directories on disk; unknown repos are named' '
	honk-detect -C demo/catalog scan "$HONK_TESTDATA/demo/repos/charts" >out 2>err &&
	grep "/charts:queries/top.sql:3: plays.user_plays v3 (analytics.user_plays_v3)" out &&
	grep "references datasets but is not the repo of any consumer" err &&
	mkdir -p other && echo "FROM analytics.skips_v1" >other/q.sql &&
	(cd demo/catalog && honk-detect scan ../../other) >out 2>err &&
	grep "^../../other:q.sql:1: plays.skips v1" out &&
	grep "^honk-detect: ../../other references datasets" err &&
	(cd demo/catalog && honk-detect scan ../royalty-reports.git) 2>err &&
	! grep "references datasets" err
'

test_expect_success 'scan --json and --print-names' '
	honk-detect -C demo/catalog scan --json >out.json &&
	jq -e "(.hits | length) == 11 and .hits[0].source == \"charts\" and .hits[0].line == 2" out.json &&
	honk-detect -C demo/catalog scan --print-names >names &&
	grep "^plays.user_plays$" names &&
	grep "^bq://analytics.user_plays_v3$" names &&
	grep "^analytics.user_plays_v3$" names
'

test_expect_success 'a pattern with catastrophic backtracking is an error, not a hang' '
	mkdir -p slow && printf "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab\n" >slow/x.txt &&
	test_expect_code 3 honk-detect -C demo/catalog scan --pattern "(a+)+\$" "$PWD/slow" 2>err &&
	grep "slow/x.txt: pattern .(a+)+\\$. hit the match limit: it backtracks catastrophically" err &&
	test_expect_code 3 honk-detect -C demo/catalog scan --pattern "(" "$PWD/slow" 2>err &&
	grep "missing closing parenthesis" err &&
	honk-detect -C demo/catalog scan --pattern "skips_v[0-9]" "$PWD/other" >out 2>/dev/null &&
	grep "other:q.sql:1: plays.skips v1 (analytics.skips_v1)" out &&
	grep "other:q.sql:1: pattern (skips_v1)" out
'

test_done
