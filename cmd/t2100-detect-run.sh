#!/bin/sh
test_description='honk-detect: the detection run opens, refreshes and respects proposals'
. "$(dirname "$0")/test-lib.sh"

HONK_NOW=2026-11-24
export HONK_NOW

proposals() {
	git -C "$1" for-each-ref --format='%(refname:short) %(objectname)' refs/heads/honk/propose/
}

test_expect_success 'setup: the demo catalog' '
	honk_catalog_repo cat "$HONK_TESTDATA/demo/catalog"
'

test_expect_success '--dry-run says what it would propose and writes nothing' '
	git -C cat for-each-ref >before &&
	honk-detect -C cat --dry-run >out 2>err &&
	grep "^would-propose plays.user_plays.v3-v4: compatible: 2 consumers to move (2 breaking), 5 transitive" out &&
	grep "dry run: 5 proposed" err &&
	git -C cat for-each-ref >after &&
	test_cmp before after
'

test_expect_success 'the run opens one proposal per migration and reports deadlines' '
	honk-detect -C cat >out &&
	grep "^overdue       plays.user_plays: retention-model still reads v2, deprecated since 2026-06-30 (147 days overdue)" out &&
	proposals cat | cut -d" " -f1 >names &&
	cat >expect <<-\EOF &&
	honk/propose/charts.top_tracks.v1-v2
	honk/propose/plays.skips.v1-v2
	honk/propose/plays.user_plays.v2-v4
	honk/propose/plays.user_plays.v3-v4
	honk/propose/users.profiles.v1-v2
	EOF
	test_cmp expect names &&
	git -C cat rev-parse --verify -q honk/state
'

test_expect_success 'a proposal is one commit on main holding the plan' '
	test "$(git -C cat rev-parse honk/propose/plays.user_plays.v3-v4^)" = "$(git -C cat rev-parse main)" &&
	git -C cat show honk/propose/plays.user_plays.v3-v4:migrations/plays.user_plays.v3-v4.yaml >plan &&
	grep "^migration: plays.user_plays.v3-v4$" plan &&
	grep "^verdict: compatible$" plan &&
	grep "^- {change: field-renamed, path: ts, to: played_at, backward: true, forward: false}$" plan &&
	grep "^- {consumer: royalty-reports, impact: breaking, fields: \[ts\], wave: 1}$" plan &&
	grep "^- {consumer: payout-engine, impact: transitive, via: royalty.daily, wave: 4}$" plan &&
	git -C cat log -1 --format=%B honk/propose/plays.user_plays.v3-v4 >msg &&
	grep "^Honk-Migration: plays.user_plays.v3-v4$" msg &&
	grep "^Honk-Actor: honk-detect$" msg
'

test_expect_success 'a second run writes nothing and says so' '
	git -C cat for-each-ref >before &&
	honk-detect -C cat >out 2>err &&
	grep "^nothing-new   main: main is still at [0-9a-f]*, as the last run saw it" out &&
	grep "0 proposed, 0 refreshed, 0 unchanged; nothing written" err &&
	honk-detect -C cat --full >out 2>err &&
	grep "^unchanged     plays.user_plays.v3-v4" out &&
	grep "0 proposed, 0 refreshed, 5 unchanged; nothing written" err &&
	git -C cat for-each-ref >after &&
	test_cmp before after
'

test_expect_success 'a person commits to one proposal; main changes under both' '
	git -C cat checkout -q honk/propose/plays.user_plays.v3-v4 &&
	printf "# waves reviewed by team-playback\n" >>cat/migrations/plays.user_plays.v3-v4.yaml &&
	git -C cat commit -q -am "review: waves ok" &&
	git -C cat checkout -q main &&
	person=$(git -C cat rev-parse honk/propose/plays.user_plays.v3-v4) &&
	honkonly=$(git -C cat rev-parse honk/propose/plays.user_plays.v2-v4) &&
	sed "s/fields: \[user_id, ts, ms_played\]/fields: [user_id, ms_played]/" \
		cat/consumers/royalty/royalty-reports.yaml >tmp &&
	mv tmp cat/consumers/royalty/royalty-reports.yaml &&
	sed "s/fields: \[user_id, ts, ms_played\]/fields: [user_id]/" \
		cat/consumers/growth/retention-model.yaml >tmp &&
	mv tmp cat/consumers/growth/retention-model.yaml &&
	git -C cat commit -q -am "consumers read fewer fields" &&
	honk-detect -C cat >out &&
	grep "^incremental   main: 2 datasets can have changed since the last run" out &&
	grep "^unchanged     users.profiles.v1-v2" out &&
	! grep "plays.skips" out &&
	grep "^left-alone    plays.user_plays.v3-v4: a person committed" out &&
	test "$(git -C cat rev-parse honk/propose/plays.user_plays.v3-v4)" = "$person" &&
	grep "^refreshed     plays.user_plays.v2-v4" out &&
	test "$(git -C cat rev-parse honk/propose/plays.user_plays.v2-v4)" != "$honkonly" &&
	test "$(git -C cat rev-parse honk/propose/plays.user_plays.v2-v4^2)" = "$(git -C cat rev-parse main)" &&
	git -C cat merge-base --is-ancestor "$honkonly" honk/propose/plays.user_plays.v2-v4 &&
	git -C cat show honk/propose/plays.user_plays.v2-v4:migrations/plays.user_plays.v2-v4.yaml >plan &&
	grep "{consumer: retention-model, impact: relocate, wave: 1}" plan
'

test_expect_success 'a plan merged into main is approved and not proposed again' '
	git -C cat merge -q --no-edit honk/propose/users.profiles.v1-v2 &&
	honk-detect -C cat --full >out &&
	grep "^approved      users.profiles.v1-v2: already on main" out &&
	! grep "^proposed      users.profiles" out
'

test_expect_success '--dataset limits the run; an unknown one is exit 3' '
	honk-detect -C cat --dataset plays.skips --dry-run >out &&
	grep "plays.skips.v1-v2" out &&
	! grep "plays.user_plays" out &&
	test_expect_code 3 honk-detect -C cat --dataset plays.nope 2>err &&
	grep "not in the catalog" err
'

test_expect_success 'a held lock is exit 4 at once' '
	if command -v flock >/dev/null 2>&1; then
		flock cat/.git/honk-detect.lock sleep 3 &
		sleep 0.5 &&
		test_expect_code 4 honk-detect -C cat 2>err &&
		grep "is held" err &&
		wait
	fi
'

test_expect_success 'an invalid catalog at main is exit 3 with positions' '
	honk_catalog_repo bad "$HONK_TESTDATA/hostile/base" &&
	printf "consumer: x\nreads: []\n" >bad/consumers/x.yaml &&
	git -C bad add -A && git -C bad commit -q -m broken &&
	test_expect_code 3 honk-detect -C bad 2>err &&
	grep "^consumers/x.yaml:2:8: expected a non-empty list of reads" err &&
	test_path_is_missing bad/.git/refs/heads/honk
'

test_expect_success '8 concurrent runs: one proposal per migration, exits 0 or 4, fsck clean' '
	honk_catalog_repo race "$HONK_TESTDATA/demo/catalog" &&
	for i in 1 2 3 4 5 6 7 8; do
		( honk-detect -C race -q >/dev/null 2>&1; echo $? >rc.$i ) &
	done &&
	wait &&
	cat rc.* | sort | uniq -c &&
	! grep -v "^[04]$" rc.* &&
	grep -l "^0$" rc.* &&
	proposals race | cut -d" " -f1 >names &&
	test_line_count = 5 names &&
	honk-detect -C race --full >out 2>err &&
	grep "5 unchanged; nothing written" err &&
	git -C race fsck --no-progress 2>&1 | (! grep -v "^dangling")
'

test_expect_success 'incremental: a changed producer reaches the plans upstream of it' '
	sed "s/criticality: medium/criticality: low/" cat/consumers/royalty/royalty-dashboard.yaml >tmp &&
	mv tmp cat/consumers/royalty/royalty-dashboard.yaml &&
	git -C cat commit -q -am "dashboard is low" &&
	honk-detect -C cat --dry-run >out &&
	grep "^incremental   main: 3 datasets can have changed since the last run" out &&
	grep "plays.user_plays.v3-v4" out &&
	! grep "plays.skips" out
'

test_expect_success 'incremental: a change to honk.yaml looks at everything' '
	printf "honk: 1\nrollout: {waves: [2, 100%%]}\n" >cat/honk.yaml &&
	git -C cat commit -q -am "two waves" &&
	honk-detect -C cat >out &&
	! grep "^incremental" out &&
	grep "^refreshed     plays.skips.v1-v2" out
'

# After an incremental run, a full run on a copy must find nothing to do:
# the same plans, and the same catalog index on honk/state.
same_as_full() {
	rm -rf full && cp -R inc full &&
	honk-detect -C full --full >full.out 2>full.err &&
	grep "^honk-detect: 0 proposed, 0 refreshed, [0-9]* unchanged; nothing written" full.err &&
	test "$(git -C inc rev-parse honk/state:index)" = "$(git -C full rev-parse honk/state:index)"
}

test_expect_success 'incremental runs end where a full run would' '
	honk_catalog_repo inc "$HONK_TESTDATA/demo/catalog" &&
	honk-detect -C inc >out &&
	git -C inc cat-file -p honk/state:index/readers/plays/user_plays >readers &&
	grep "^consumers/royalty/royalty-reports.yaml plays.user_plays royalty.daily$" readers &&

	cat >>inc/consumers/growth/onboarding-funnel.yaml <<-\EOF &&
	  - {dataset: plays.user_plays, version: 3, fields: [user_id]}
	EOF
	git -C inc commit -q -am "funnel reads plays" &&
	honk-detect -C inc >out &&
	grep "^incremental   main: " out &&
	grep "^refreshed     plays.user_plays.v3-v4" out &&
	same_as_full &&

	mkdir -p "inc/consumers/team a%b" &&
	printf "consumer: odd-one\nowner: team-x\nreads:\n  - {dataset: royalty.daily, version: 1}\n  - {dataset: users.profiles, version: 1}\n" \
		>"inc/consumers/team a%b/odd-one.yaml" &&
	git -C inc add -A && git -C inc commit -q -m "a consumer in an odd folder" &&
	honk-detect -C inc >out &&
	grep "^incremental   main: " out &&
	same_as_full &&
	git -C inc cat-file -p honk/state:index/readers/users/profiles >readers &&
	grep "^consumers/team%20a%25b/odd-one.yaml royalty.daily,users.profiles -$" readers &&

	git -C inc rm -q consumers/charts/charts-newsletter.yaml &&
	git -C inc commit -q -m "newsletter is gone" &&
	honk-detect -C inc >out &&
	grep "^incremental   main: " out &&
	same_as_full &&

	sed "s/^produces: .*/produces: []/" inc/consumers/royalty/royalty-reports.yaml >tmp &&
	mv tmp inc/consumers/royalty/royalty-reports.yaml &&
	git -C inc commit -q -am "reports produce nothing" &&
	honk-detect -C inc >out &&
	grep "^incremental   main: " out &&
	same_as_full &&
	test_must_fail git -C inc cat-file -e honk/state:index/producers/royalty/daily &&

	cat >>inc/datasets/users/profiles.yaml <<-\EOF &&
	  - version: 3
	    location: bq://users.profiles_v3
	    schema:
	      - {name: user_id, type: string, required: true}
	      - {name: country, type: string}
	EOF
	git -C inc commit -q -am "profiles v3" &&
	honk-detect -C inc >out &&
	grep "^incremental   main: " out &&
	grep "^proposed      users.profiles.v1-v3" out &&
	same_as_full
'

test_expect_success 'a state without an index, or another run on it, means a full run' '
	printf "# note\n" >>inc/consumers/growth/onboarding-funnel.yaml &&
	git -C inc commit -q -am "a note" &&
	# another writer drops the index: the next run is full and rebuilds it
	GIT_INDEX_FILE=$PWD/state.index git -C inc read-tree honk/state &&
	GIT_INDEX_FILE=$PWD/state.index git -C inc rm -q -r --cached index &&
	tree=$(GIT_INDEX_FILE=$PWD/state.index git -C inc write-tree) &&
	c=$(echo "no index" | git -C inc commit-tree "$tree" -p honk/state) &&
	git -C inc update-ref refs/heads/honk/state "$c" &&
	honk-detect -C inc >out &&
	! grep "^incremental" out &&
	git -C inc cat-file -e honk/state:index/format &&
	same_as_full &&
	# a damaged shard: the same
	printf "# funnel\n" >>inc/consumers/growth/onboarding-funnel.yaml &&
	git -C inc commit -q -am "another note" &&
	bad=$(printf "garbage-without-fields\n" | git -C inc hash-object -w --stdin) &&
	rm -f state.index &&
	GIT_INDEX_FILE=$PWD/state.index git -C inc read-tree honk/state &&
	GIT_INDEX_FILE=$PWD/state.index git -C inc update-index \
		--cacheinfo "100644,$bad,index/readers/users/profiles" &&
	tree=$(GIT_INDEX_FILE=$PWD/state.index git -C inc write-tree) &&
	c=$(echo "damaged" | git -C inc commit-tree "$tree" -p honk/state) &&
	git -C inc update-ref refs/heads/honk/state "$c" &&
	git -C inc cat-file -p honk/state:index/readers/users/profiles | grep garbage &&
	honk-detect -C inc >out &&
	! grep "^incremental" out &&
	! git -C inc cat-file -p honk/state:index/readers/users/profiles | grep garbage &&
	same_as_full
'

test_done
