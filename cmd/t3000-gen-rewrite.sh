#!/bin/sh
test_description='honk-gen rewrite: the engine on a tree, its patch, its limits'
. "$(dirname "$0")/test-lib.sh"

test_expect_success 'setup: a consumer tree with things to leave alone' '
	mkdir -p tree/sql/lib tree/conf tree/.git outside &&
	printf "SELECT user_id, ts\nFROM analytics.user_plays_v3\nWHERE ts > 0\n" >tree/sql/daily.sql &&
	printf -- "-- ts is the play time\r\nSELECT ts FROM t\r\n" >tree/sql/lib/crlf.sql &&
	printf "table: analytics.user_plays_v3\nfield: ts\n" >tree/conf/pipe.yaml &&
	printf "field: ts\n" >tree/conf/run.yaml && chmod 755 tree/conf/run.yaml &&
	printf "ts analytics.user_plays_v3\n" >tree/README &&
	printf "ts\0analytics.user_plays_v3\n" >tree/sql/blob.sql &&
	printf "ts analytics.user_plays_v3\n" >tree/.git/config &&
	printf "ts analytics.user_plays_v3\n" >outside/secret.sql &&
	ln -s /etc tree/sql/etc &&
	ln -s ../../outside/secret.sql tree/sql/linked.sql &&
	cp -R tree pristine &&
	cat >rules.yaml <<-\EOF
	rules:
	  - pattern: '\''\bts\b'\''
	    replace: played_at
	    files: ["sql/**/*.sql", "conf/*.yaml"]
	  - pattern: '\''analytics\.user_plays_v3\b'\''
	    replace: analytics.user_plays_v4
	    files: ["sql/**"]
	EOF
'

test_expect_success 'the patch changes what the rules say, only there' '
	honk-gen rewrite --rules rules.yaml tree >patch 2>err &&
	grep "2 rules, 4 files would change" err &&
	grep "^diff --git" patch >files &&
	cat >expect <<-\EOF &&
	diff --git a/tree/conf/pipe.yaml b/tree/conf/pipe.yaml
	diff --git a/tree/conf/run.yaml b/tree/conf/run.yaml
	diff --git a/tree/sql/daily.sql b/tree/sql/daily.sql
	diff --git a/tree/sql/lib/crlf.sql b/tree/sql/lib/crlf.sql
	EOF
	test_cmp expect files &&
	grep "^+FROM analytics.user_plays_v4$" patch &&
	grep "^+field: played_at$" patch &&
	! grep "^+table: analytics.user_plays_v4" patch &&
	diff -r --no-dereference pristine tree
'

test_expect_success 'git apply of the patch gives what --write writes' '
	rm -rf applied && mkdir applied && cp -R pristine applied/tree &&
	(cd applied && GIT_CEILING_DIRECTORIES=$TRASH_DIRECTORY git apply ../patch) &&
	honk-gen -q rewrite --rules rules.yaml --write tree >patch2 &&
	test_cmp patch patch2 &&
	diff -r --no-dereference applied/tree tree &&
	printf "SELECT user_id, played_at\nFROM analytics.user_plays_v4\nWHERE played_at > 0\n" >expect &&
	test_cmp expect tree/sql/daily.sql &&
	printf -- "-- played_at is the play time\r\nSELECT played_at FROM t\r\n" >expect &&
	test_cmp expect tree/sql/lib/crlf.sql &&
	# each file keeps its mode; nothing of the rewrite is left behind
	test -x tree/conf/run.yaml && test ! -x tree/conf/pipe.yaml &&
	test -z "$(find tree -name "*.honk-*")"
'

test_expect_success 'links, binaries, .git and what is outside stay as they were' '
	test -L tree/sql/etc && test "$(readlink tree/sql/etc)" = /etc &&
	test -L tree/sql/linked.sql &&
	test_cmp pristine/sql/blob.sql tree/sql/blob.sql &&
	test_cmp pristine/.git/config tree/.git/config &&
	test_cmp pristine/README tree/README &&
	printf "ts analytics.user_plays_v3\n" >expect &&
	test_cmp expect outside/secret.sql &&
	honk-gen -q rewrite --rules rules.yaml tree >again &&
	test ! -s again
'

test_expect_success '--json: one object per changed file' '
	rm -rf tree && cp -R pristine tree &&
	honk-gen --json -q rewrite --rules rules.yaml tree >out.json &&
	if command -v jq >/dev/null 2>&1; then
		jq -r ".[].path" out.json >paths &&
		printf "tree/conf/pipe.yaml\ntree/conf/run.yaml\ntree/sql/daily.sql\ntree/sql/lib/crlf.sql\n" >expect &&
		test_cmp expect paths &&
		jq -r ".[2].patch" out.json | grep "^+FROM analytics.user_plays_v4$"
	fi
'

test_expect_success 'a catastrophic rule is an error, not a hang; bad rules have positions' '
	printf "rules:\n  - {pattern: '\''(a+)+\$'\'', replace: x}\n" >slow.yaml &&
	mkdir -p slow && awk "BEGIN { s = \"\"; for (i = 0; i < 5000; i++) s = s \"a\"; print s \"b\" }" >slow/x.txt &&
	test_expect_code 3 honk-gen rewrite --rules slow.yaml slow 2>err &&
	grep "slow.yaml:2:15: pattern .(a+)+\\$. hit the match limit on x.txt: it backtracks catastrophically" err &&
	printf "rules:\n  - {pattern: \"a(\", replace: b, file: [x]}\n" >bad.yaml &&
	test_expect_code 3 honk-gen rewrite --rules bad.yaml slow 2>err &&
	grep "^bad.yaml:2:15: pattern .a(. at offset 2: missing closing parenthesis" err &&
	grep "^bad.yaml:2:33: unknown key .file. in a rule, did you mean .files.?" err &&
	grep "bad.yaml has 2 errors" err
'

test_expect_success 'usage errors are exit 2; a rules file that is not there, 3' '
	test_expect_code 2 honk-gen rewrite tree 2>err &&
	grep "rewrite needs --rules FILE and a PATH" err &&
	test_expect_code 2 honk-gen rewrite --rules rules.yaml 2>err &&
	test_expect_code 2 honk-gen rewrit --rules rules.yaml tree 2>err &&
	test_expect_code 2 honk-gen rewrite --rules rules.yaml nowhere 2>err &&
	grep "nowhere" err &&
	test_expect_code 3 honk-gen rewrite --rules missing.yaml tree 2>err &&
	grep "missing.yaml" err
'

test_done
