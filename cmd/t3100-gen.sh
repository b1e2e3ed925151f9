#!/bin/sh
test_description='honk-gen ID: the migration code on the proposal, consumer branches, validation'
. "$(dirname "$0")/test-lib.sh"

HONK_NOW=2026-11-24
export HONK_NOW
id=plays.user_plays.v3-v4
prop=honk/propose/$id

# refs CATALOG: every ref of the catalog and of both consumer repositories
refs() {
	git -C demo/catalog for-each-ref &&
	git -C demo/charts.git for-each-ref &&
	git -C demo/royalty-reports.git for-each-ref
}

# commit_on_proposal FILE CONTENT-FROM MESSAGE: a person's commit
commit_on_proposal() {
	git -C demo/catalog checkout -q "$prop" &&
	cp "$2" "demo/catalog/$1" &&
	git -C demo/catalog add "$1" &&
	git -C demo/catalog commit -q -m "$3" &&
	git -C demo/catalog checkout -q main
}

test_expect_success 'setup: the demo, detected' '
	sh "$HONK_TESTDATA/demo/run.sh" "$PWD/demo" >/dev/null &&
	honk-detect -C demo/catalog -q &&
	git -C demo/catalog rev-parse --verify -q "$prop"
'

test_expect_success 'an id that is no proposal, or no name, is refused' '
	test_expect_code 3 honk-gen -C demo/catalog plays.user_plays.v1-v9 2>err &&
	grep "no proposal honk/propose/plays.user_plays.v1-v9: run honk-detect first" err &&
	test_expect_code 2 honk-gen -C demo/catalog "x.\$(id)" 2>err &&
	grep "invalid migration name" err
'

test_expect_success '--dry-run says what it would write and writes nothing' '
	refs >before &&
	honk-gen -C demo/catalog --dry-run $id >out 2>err &&
	grep "^would-write  migrations/$id/transform.sqlite.sql: on $prop" out &&
	grep "^would-write  migrations/$id/consumers/charts.patch" out &&
	grep "dry run: $id: " err &&
	refs >after &&
	test_cmp before after
'

test_expect_success 'the run writes every artifact onto the proposal' '
	honk-gen -C demo/catalog $id >out 2>err &&
	cat out &&
	grep "validation passed" err &&
	git -C demo/catalog ls-tree -r --name-only "$prop" -- migrations/ >files &&
	cat >expect <<-EOF &&
	migrations/$id.yaml
	migrations/$id/compat.bigquery.sql
	migrations/$id/compat.postgres.sql
	migrations/$id/compat.sqlite.sql
	migrations/$id/consumers/charts.patch
	migrations/$id/consumers/royalty-reports.patch
	migrations/$id/rewrite.yaml
	migrations/$id/transform.bigquery.sql
	migrations/$id/transform.postgres.sql
	migrations/$id/transform.sqlite.sql
	migrations/$id/validation.yaml
	EOF
	test_cmp expect files &&
	git -C demo/catalog log -1 --format=%B "$prop" >msg &&
	grep "^Honk-Migration: $id$" msg &&
	grep "^Honk-Event: generated$" msg &&
	grep "^Honk-Actor: honk-gen$" msg &&
	test "$(git -C demo/catalog rev-parse "$prop^")" = "$(git -C demo/catalog rev-parse "$prop@{1}")"
'

test_expect_success 'each consumer branch honk/<id> is the patch' '
	for c in charts royalty-reports; do
		git -C demo/$c.git diff main honk/$id >diff.$c &&
		git -C demo/catalog show "$prop:migrations/$id/consumers/$c.patch" >patch.$c &&
		test_cmp patch.$c diff.$c &&
		git -C demo/$c.git log -1 --format=%B honk/$id >msg.$c &&
		grep "^Honk-Consumer: $c$" msg.$c || return 1
	done &&
	grep "^+FROM \`analytics.user_plays_v4\`" patch.charts &&
	grep "^+SELECT DATE(played_at) AS day" patch.charts &&
	grep "^+  plays: {dataset: plays.user_plays, version: 4, location: bq://analytics.user_plays_v4}" patch.charts &&
	grep "^+  version: 4" patch.royalty-reports &&
	grep "^+SELECT user_id, played_at FROM" patch.royalty-reports
'

test_expect_success 'the plan says what honk left for a person' '
	git -C demo/catalog show "$prop:migrations/$id.yaml" >plan &&
	grep "^manual:" plan &&
	grep "{what: consumer, path: kind, consumer: charts, reason: .reads ..kind.., which gains the symbol ..audiobook.. in v4: check that its code handles it., by: honk-gen}" plan
'

test_expect_success 'validation ran the SQL and each consumer test' '
	git -C demo/catalog show "$prop:migrations/$id/validation.yaml" >v &&
	grep "^result: passed$" v &&
	grep "^  source: generated$" v &&
	grep "{check: compat, result: passed, detail: \"32 of 32 rows given back\"}" v &&
	grep "^- consumer: charts$" v &&
	grep "^- consumer: royalty-reports$" v &&
	test $(grep -c "^  result: passed$" v) -eq 3 &&
	grep "^  status: exited with 0$" v
'

test_expect_success 'a second run writes nothing' '
	refs >before &&
	honk-gen -C demo/catalog $id >out 2>err &&
	grep "^unchanged    $prop: nothing new to write" out &&
	grep "^reused       migrations/$id/validation.yaml" out &&
	refs >after &&
	test_cmp before after
'

test_expect_success 'honk-detect leaves the generated proposal as it is' '
	git -C demo/catalog rev-parse "$prop" >before &&
	honk-detect -C demo/catalog --full >out &&
	grep "^unchanged     $id: honk/propose/$id is up to date" out &&
	git -C demo/catalog rev-parse "$prop" >after &&
	test_cmp before after
'

test_expect_success '--json reports the events and the result' '
	honk-gen -C demo/catalog --json $id >json &&
	jq -e ".migration == \"$id\" and .validation == \"passed\" and .commit == null" json &&
	jq -e ".events | map(select(.event == \"unchanged\")) | length == 1" json
'

test_expect_success 'rules a person adds in review are kept and applied' '
	git -C demo/catalog show "$prop:migrations/$id/rewrite.yaml" >rules &&
	cat >>rules <<-\EOF &&
	- pattern: '"'"'\bkind = .song.'"'"'
	  replace: kind IN ('"'"'song'"'"', '"'"'audiobook'"'"')
	  consumers: [charts]
	EOF
	commit_on_proposal migrations/$id/rewrite.yaml rules "review: audiobooks count as songs" &&
	honk-gen -C demo/catalog $id >out &&
	grep "^kept         migrations/$id/rewrite.yaml: edited in review" out &&
	git -C demo/catalog show "$prop:migrations/$id/rewrite.yaml" >now &&
	test_cmp rules now &&
	git -C demo/charts.git diff main honk/$id >diff &&
	grep "^+WHERE kind IN (.song., .audiobook.)" diff &&
	git -C demo/catalog show "$prop:migrations/$id/consumers/charts.patch" >patch &&
	test_cmp patch diff &&
	git -C demo/charts.git rev-list main..honk/$id >commits &&
	test_line_count = 2 commits
'

test_expect_success 'a wrong transform planted in review fails validation, clearly' '
	git -C demo/catalog show "$prop:migrations/$id/transform.sqlite.sql" >t &&
	sed "s/\"ts\" AS \"played_at\"/\"ms_played\" AS \"played_at\"/" t >wrong &&
	! cmp t wrong &&
	commit_on_proposal migrations/$id/transform.sqlite.sql wrong "review: a wrong rename" &&
	test_expect_code 1 honk-gen -C demo/catalog validate $id >out 2>err &&
	grep "validation FAILED" err &&
	grep "^check        new-schema: failed: .*played_at" out &&
	git -C demo/catalog show "$prop:migrations/$id/validation.yaml" >v &&
	grep "^result: failed$" v &&
	git -C demo/catalog log -1 --format=%B "$prop" >msg &&
	grep "^Honk-Event: validated$" msg &&
	test_expect_code 1 honk-gen -C demo/catalog $id >out &&
	grep "^kept         migrations/$id/transform.sqlite.sql" out
'

test_done
