#!/bin/sh
test_description='honk-status: the overview, show, log, approve and reject'
. "$(dirname "$0")/test-lib.sh"

HONK_NOW=2026-11-24
export HONK_NOW
id=plays.user_plays.v3-v4

test_expect_success 'setup: the demo, detected and generated' '
	sh "$HONK_TESTDATA/demo/run.sh" "$PWD/demo" >/dev/null &&
	honk-detect -C demo/catalog -q &&
	honk-gen -C demo/catalog -q $id >/dev/null
'

test_expect_success 'the overview lists the proposals and what waits on a person' '
	honk-status -C demo/catalog >out &&
	grep "^$id  *proposed  *-  *0/2  *0 .*review and approve: honk-status approve $id" out &&
	grep "^plays.user_plays@2  *retention-model  *2026-06-30  *-147$" out &&
	grep "^past-deadline  *retention-model still reads plays.user_plays v2" out &&
	honk-status -C demo/catalog --json >j &&
	jq -e ".migrations | length == 5" j &&
	jq -e ".migrations[] | select(.id == \"$id\") | .phase == \"proposed\" and .progress.total == 2 and .progress.succeeded == 0" j &&
	jq -e "[.conflicts[] | select(.kind == \"past-deadline\")] | length == 1" j
'

test_expect_success 'approve merges the proposal into main; the rollout takes it as approved' '
	git -C demo/catalog rev-parse main >before &&
	honk-status -C demo/catalog approve $id --reason "reviewed by playback" >out &&
	grep "^merged honk/propose/$id into main as [0-9a-f]*$" out &&
	git -C demo/catalog rev-parse main^1 >parent &&
	test_cmp before parent &&
	git -C demo/catalog rev-parse main^2 >p2 &&
	git -C demo/catalog rev-parse honk/propose/$id >tip &&
	test_cmp tip p2 &&
	git -C demo/catalog log -1 --format=%B main >msg &&
	grep "^Honk-Event: approved$" msg &&
	grep "^Honk-Actor: C O Mitter <committer@example.com>$" msg &&
	git -C demo/catalog status --porcelain >dirty &&
	test_must_be_empty dirty &&
	honk-status -C demo/catalog approve $id >out &&
	grep "is approved already" out &&
	honk-rollout -C demo/catalog run $id >out &&
	grep "^started       $id: approved in" out &&
	grep "^waiting       $id royalty-reports: honk/$id is not merged" out
'

test_expect_success 'a partial rollout: the overview, show and --json say where it stands' '
	git -C demo/royalty-reports.git update-ref refs/heads/main honk/$id &&
	honk-rollout -C demo/catalog run $id >out &&
	grep "^succeeded     $id royalty-reports" out &&
	grep "^waiting       $id charts: honk/$id is not merged into main in ../charts.git" out &&
	honk-status -C demo/catalog >ov &&
	grep "^$id  *rolling-out  *2/2  *1/2  *0 .*1 consumer waits: honk/$id is not merged into main in ../charts.git" ov &&
	honk-status -C demo/catalog show $id >show &&
	grep "^$id  rolling-out  wave 2/2  1/2 succeeded, 0 failed, 0 running$" show &&
	grep "^royalty-reports  *1  *succeeded  *1  *-$" show &&
	grep "^charts  *2  *pending  *0  *honk/$id is not merged" show &&
	grep "^charts-api  *-  *skipped" show &&
	honk-status -C demo/catalog show $id --json >sj &&
	jq -e ".phase == \"rolling-out\" and .wave == 2 and .waves == 2" sj &&
	jq -e ".progress.succeeded == 1 and .progress.total == 2 and .progress.pending == 1" sj &&
	jq -e "[.consumers[] | select(.state == \"skipped\")] | length == 5" sj &&
	jq -e ".consumers[] | select(.consumer == \"royalty-reports\") | .attempts == 1 and .state == \"succeeded\"" sj &&
	jq -e ".health.result == \"healthy\" and .health.wave == 1" sj &&
	honk-status -C demo/catalog --json >j &&
	jq -e ".migrations[] | select(.id == \"$id\") | .phase == \"rolling-out\" and .wave == 2 and .progress.succeeded == 1" j
'

test_expect_success 'log shows the transitions, and a consumer s step logs' '
	honk-status -C demo/catalog log $id >log &&
	grep "royalty-reports: succeeded: attempt 1" log &&
	grep "charts: waiting: honk/$id is not merged" log &&
	honk-status -C demo/catalog log $id --consumer royalty-reports >lc &&
	grep "royalty-reports: running: wave 1, attempt 1" lc &&
	! grep "charts:" lc
'

test_expect_success 'reject removes the branch and leaves the record; detect leaves it alone' '
	other=plays.skips.v1-v2 &&
	test_expect_code 2 honk-status -C demo/catalog reject $other 2>err &&
	grep "reject needs --reason" err &&
	honk-status -C demo/catalog reject $other --reason "skips are going away" >out &&
	grep "honk/propose/$other deleted" out &&
	test_must_fail git -C demo/catalog rev-parse --verify -q honk/propose/$other &&
	git -C demo/catalog show honk/state:state/$other.yaml >st &&
	grep "^phase: rejected$" st &&
	grep "^reason: skips are going away$" st &&
	grep "^by: C O Mitter <committer@example.com>$" st &&
	honk-detect -C demo/catalog --full >out &&
	grep "^rejected      $other: rejected by C O Mitter <committer@example.com>: skips are going away" out &&
	test_must_fail git -C demo/catalog rev-parse --verify -q honk/propose/$other &&
	honk-status -C demo/catalog --json >j &&
	jq -e ".migrations[] | select(.id == \"$other\") | .phase == \"rejected\"" j &&
	test_expect_code 2 honk-status -C demo/catalog reject $id --reason late 2>err &&
	grep "is approved" err
'

test_expect_success 'approve and reject against a remote that moved meanwhile: no force' '
	git clone -q --bare demo/catalog origin.git &&
	git -C origin.git config receive.denyNonFastForwards true &&
	git -C origin.git config receive.denyDeletes false &&
	git clone -q origin.git a && git clone -q origin.git b &&
	printf "remote: origin\n" >>b/honk.yaml &&
	git -C b commit -q -am "honk.yaml: a remote" && git -C b push -q origin main &&
	git -C a fetch -q origin "+refs/heads/honk/*:refs/heads/honk/*" &&
	printf "# a note\n" >>b/consumers/growth/retention-model.yaml &&
	git -C b commit -q -am "a note from b" && git -C b push -q origin main &&
	moved=$(git -C origin.git rev-parse main) &&
	honk-status -C a approve plays.user_plays.v2-v4 --remote origin >out &&
	grep "pushed to origin" out &&
	git -C origin.git merge-base --is-ancestor $moved main &&
	git -C origin.git show main:migrations/plays.user_plays.v2-v4.yaml >/dev/null &&
	git -C origin.git log -1 --format=%B main >msg &&
	grep "^Honk-Event: approved$" msg &&
	printf "# another\n" >>b/consumers/growth/listening-habits.yaml &&
	git -C b pull -q && git -C b commit -q -am "another from b" && git -C b push -q origin main &&
	honk-status -C a reject users.profiles.v1-v2 --reason "not now" --remote origin >out &&
	test_must_fail git -C origin.git rev-parse --verify -q honk/propose/users.profiles.v1-v2 &&
	git -C origin.git show honk/state:state/users.profiles.v1-v2.yaml >st &&
	grep "^phase: rejected$" st &&
	git -C origin.git fsck --no-progress
'

test_done
