#!/bin/sh
test_description='honk-detect with a remote: fetch first, push proposals, retry, never force'
. "$(dirname "$0")/test-lib.sh"

HONK_NOW=2026-11-24
export HONK_NOW

remote_proposals() {
	git -C server.git for-each-ref --format='%(refname:short) %(objectname)' refs/heads/honk/propose/
}

test_expect_success 'setup: a bare catalog and two clones of it' '
	honk_catalog_repo src "$HONK_TESTDATA/demo/catalog" &&
	git clone -q --bare src server.git &&
	git clone -q server.git one &&
	git clone -q server.git two
'

test_expect_success 'a run with --remote pushes every proposal and the state' '
	honk-detect -C one --remote origin >out &&
	grep "^proposed      plays.user_plays.v3-v4" out &&
	remote_proposals | cut -d" " -f1 >names &&
	test_line_count = 5 names &&
	git -C server.git rev-parse --verify -q honk/state
'

test_expect_success 'another clone sees them: nothing to write, nothing pushed' '
	remote_proposals >before &&
	honk-detect -C two --remote origin --full >out 2>err &&
	grep "0 proposed, 0 refreshed, 5 unchanged; nothing written" err &&
	remote_proposals >after &&
	test_cmp before after
'

test_expect_success 'honk.yaml names the remote; --no-remote stays local' '
	printf "remote: origin\n" >>one/honk.yaml &&
	git -C one commit -q -am "remote: origin" &&
	git -C one push -q origin main &&
	sed "s/fields: \[user_id, ts, ms_played\]/fields: [user_id, ms_played]/" \
		one/consumers/royalty/royalty-reports.yaml >tmp &&
	mv tmp one/consumers/royalty/royalty-reports.yaml &&
	git -C one commit -q -am "reports read fewer fields" &&
	before=$(git -C server.git rev-parse honk/propose/plays.user_plays.v3-v4) &&
	honk-detect -C one --no-remote --full >out &&
	test "$(git -C server.git rev-parse honk/propose/plays.user_plays.v3-v4)" = "$before"
'

test_expect_success 'the remote main counts, not a clone that is behind it' '
	git -C one push -q origin main &&
	honk-detect -C two --remote origin --full >out &&
	grep "^refreshed     plays.user_plays.v3-v4" out &&
	test "$(git -C server.git rev-parse honk/propose/plays.user_plays.v3-v4)" != "$before" &&
	test "$(git -C server.git rev-parse honk/propose/plays.user_plays.v3-v4^2)" = "$(git -C server.git rev-parse main)" &&
	git -C server.git merge-base --is-ancestor "$before" honk/propose/plays.user_plays.v3-v4
'

test_expect_success 'a branch a person pushed to is left alone from every clone' '
	git -C one fetch -q &&
	git -C one checkout -q -b review origin/honk/propose/plays.skips.v1-v2 &&
	printf "# reviewed\n" >>one/migrations/plays.skips.v1-v2.yaml &&
	git -C one commit -q -am review &&
	git -C one push -q origin review:honk/propose/plays.skips.v1-v2 &&
	git -C one checkout -q main &&
	reviewed=$(git -C server.git rev-parse honk/propose/plays.skips.v1-v2) &&
	honk-detect -C two --remote origin --full >out &&
	grep "^left-alone    plays.skips.v1-v2" out &&
	test "$(git -C server.git rev-parse honk/propose/plays.skips.v1-v2)" = "$reviewed"
'

test_expect_success 'two clones at once: one proposal per migration, exits 0 or 4, fsck clean' '
	honk_catalog_repo src2 "$HONK_TESTDATA/demo/catalog" &&
	git clone -q --bare src2 race.git &&
	git clone -q race.git a && git clone -q race.git b &&
	( honk-detect -C a --remote origin -q >/dev/null 2>&1; echo $? >rc.a ) &
	( honk-detect -C b --remote origin -q >/dev/null 2>&1; echo $? >rc.b ) &
	wait &&
	! grep -v "^[04]$" rc.a rc.b &&
	git -C race.git for-each-ref refs/heads/honk/propose/ >refs &&
	test_line_count = 5 refs &&
	honk-detect -C a --remote origin --full -q >/dev/null 2>err;
	honk-detect -C b --remote origin --full 2>err >/dev/null &&
	grep "5 unchanged; nothing written" err &&
	git -C race.git fsck --no-progress 2>&1 | (! grep -v "^dangling")
'

test_expect_success 'an unknown remote is an error before anything is written' '
	test_expect_code 3 honk-detect -C two --remote nowhere 2>err &&
	grep "no remote named .nowhere." err
'

test_done
