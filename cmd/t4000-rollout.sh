#!/bin/sh
test_description='honk-rollout run: waves, health gates, notify, pause and resume, rollback, retries, timeouts'
. "$(dirname "$0")/test-lib.sh"

HONK_NOW=2026-11-24
export HONK_NOW
id=d.t.v1-v2

# catalog DIR N ROLLOUT: a catalog of N consumers c01..cN reading d.t v1,
# with ROLLOUT as honk.yaml's rollout block and ops/ scripts that log to
# $TRASH_DIRECTORY/log, approved (the proposal merged into main)
catalog() {
	mkdir -p "$1/datasets/d" "$1/consumers" "$1/ops" &&
	printf "honk: 1\nrollout:\n%s" "$3" >"$1/honk.yaml" &&
	cat >"$1/datasets/d/t.yaml" <<-\EOF &&
	dataset: d.t
	versions:
	  - {version: 1, location: bq://a.t_v1, schema: [{name: id, type: int64}]}
	  - {version: 2, location: bq://a.t_v2, schema: [{name: id, type: int64}]}
	EOF
	i=1 &&
	while test $i -le "$2"; do
		c=$(printf c%02d $i) &&
		printf "consumer: %s\nreads: [{dataset: d.t, version: 1}]\n" $c \
			>"$1/consumers/$c.yaml" &&
		i=$((i + 1)) || return 1
	done &&
	for s in apply verify rollback notify; do
		printf "#!/bin/sh\necho \"$s \$HONK_CONSUMER \$HONK_ATTEMPT \$HONK_STEP_ID \$HONK_EVENT \$HONK_REASON\" >>%s/log\n" \
			"$TRASH_DIRECTORY" >"$1/ops/$s.sh" || return 1
	done &&
	printf "#!/bin/sh\ncat %s/metrics\n" "$TRASH_DIRECTORY" >"$1/ops/health.sh" &&
	chmod +x "$1"/ops/*.sh &&
	git -C "$1" init -q -b main &&
	git -C "$1" add -A &&
	git -C "$1" commit -q -m catalog &&
	honk-detect -C "$1" -q &&
	git -C "$1" merge -q --no-ff -m "approve $id" "honk/propose/$id"
}

state() {
	git -C "$1" show "honk/state:state/$id.yaml"
}

test_expect_success 'the demo: approve, run, every wave done, every transition on honk/state' '
	sh "$HONK_TESTDATA/demo/run.sh" "$PWD/demo" >/dev/null &&
	honk-detect -C demo/catalog -q &&
	git -C demo/catalog merge -q --no-ff -m "approve" honk/propose/plays.user_plays.v3-v4 &&
	honk-rollout -C demo/catalog run >out 2>err &&
	grep "^started       plays.user_plays.v3-v4: approved in" out &&
	grep "^succeeded     plays.user_plays.v3-v4 royalty-reports: attempt 1" out &&
	grep "^succeeded     plays.user_plays.v3-v4 charts: attempt 1" out &&
	grep "^health        plays.user_plays.v3-v4: wave 1: healthy: cpu=0.42 < 0.85" out &&
	grep "^completed     plays.user_plays.v3-v4" out &&
	grep "1 completed, 0 stopped" err &&
	git -C demo/catalog show honk/state:state/plays.user_plays.v3-v4.yaml >st &&
	grep "^phase: completed$" st &&
	! grep "^lease:" st &&
	honk-rollout -C demo/catalog history plays.user_plays.v3-v4 >h &&
	grep "royalty-reports: running: wave 1, attempt 1" h &&
	grep "charts: succeeded: attempt 1" h &&
	grep "completed: every wave done" h &&
	git -C demo/catalog log --format=%B honk/state >msgs &&
	grep "^Honk-Migration: plays.user_plays.v3-v4$" msgs &&
	grep "^Honk-Consumer: charts$" msgs &&
	grep "^Honk-Event: succeeded$" msgs &&
	grep "^Honk-Actor: honk-rollout$" msgs &&
	honk-rollout -C demo/catalog history plays.user_plays.v3-v4 --consumer charts >hc &&
	grep "^==> logs/plays.user_plays.v3-v4/charts/1-apply.log <==" hc &&
	grep "^apply: charts moves plays.user_plays v3 -> v4" hc
'

test_expect_success 'a run with nothing to do writes nothing' '
	git -C demo/catalog rev-parse honk/state >before &&
	honk-rollout -C demo/catalog run >out 2>err &&
	git -C demo/catalog rev-parse honk/state >after &&
	test_cmp before after
'

test_expect_success 'wave_gap: manual waits after a wave; promote starts the next' '
	catalog pm 3 "  waves: [1, 100%]
  wave_gap: manual
  apply: [./ops/apply.sh]
" &&
	: >log &&
	honk-rollout -C pm run $id >out &&
	grep "^waiting  *$id: wave 1 done; honk-rollout promote $id starts wave 2" out &&
	test $(grep -c "^apply " log) -eq 1 &&
	state pm >st &&
	grep "^gate: manual$" st &&
	honk-rollout -C pm run $id >out &&
	test $(grep -c "^apply " log) -eq 1 &&
	honk-rollout -C pm promote $id >out &&
	grep "$id: the wait after wave 1 skipped" out &&
	honk-rollout -C pm run $id >out &&
	grep "^wave  *$id: wave 2 of 2" out &&
	grep "^completed  *$id" out &&
	test $(grep -c "^apply " log) -eq 3 &&
	state pm >st &&
	grep "^phase: completed$" st &&
	! grep "^gate:" st
'

test_expect_success 'an unhealthy wave pauses (exit 1) and notifies; fixed, resume finishes' '
	printf "cpu=0.95\nlatency_p99_ms=100\n" >metrics &&
	catalog hl 3 "  waves: [1, 100%]
  retries: 0
  apply: [./ops/apply.sh]
  health:
    command: [./ops/health.sh]
    thresholds: {cpu: \"< 0.85\", latency_p99_ms: \"< 500\"}
  notify: [./ops/notify.sh]
" &&
	: >log &&
	test_expect_code 1 honk-rollout -C hl run $id >out &&
	grep "^paused        $id: wave 1 is unhealthy: cpu=0.95 is not < 0.85" out &&
	state hl >st &&
	grep "^phase: paused$" st &&
	grep "^reason: .wave 1 is unhealthy: cpu=0.95 is not < 0.85" st &&
	grep "^notify    paused wave 1 is unhealthy: cpu=0.95 is not < 0.85" log &&
	test $(grep -c "^apply " log) -eq 1 &&
	printf "cpu=0.5\nlatency_p99_ms=100\n" >metrics &&
	honk-rollout -C hl resume $id --reason "cpu fixed" >out &&
	grep "$id: resumed at wave 1" out &&
	honk-rollout -C hl run $id >out &&
	grep "^completed     $id" out &&
	test $(grep -c "^apply " log) -eq 3 &&
	grep "^notify    completed" log &&
	git -C hl log --format=%B honk/state >msgs &&
	grep "^Honk-Event: resumed$" msgs &&
	grep "^Reason: cpu fixed$" msgs &&
	grep "^Honk-Actor: C O Mitter <committer@example.com>$" msgs
'

test_expect_success 'a health command that fails or hangs pauses, never rolls back' '
	printf "#!/bin/sh\nexit 2\n" >h2 &&
	catalog e 2 "  waves: [1, 100%]
  retries: 0
  on_failure: rollback
  step_timeout: 1s
  apply: [./ops/apply.sh]
  rollback: [./ops/rollback.sh]
  health:
    command: [sh, -c, \"exit 2\"]
" &&
	: >log &&
	test_expect_code 1 honk-rollout -C e run $id >out &&
	grep "^paused        $id: the health check of wave 1 was inconclusive: the health command exited with 2" out &&
	! grep "^rollback" log &&
	catalog hang 2 "  waves: [1, 100%]
  retries: 0
  on_failure: rollback
  step_timeout: 1s
  apply: [./ops/apply.sh]
  rollback: [./ops/rollback.sh]
  health:
    command: [sh, -c, \"sleep 7379\"]
" &&
	: >log &&
	test_expect_code 1 honk-rollout -C hang run $id >out &&
	grep "^paused        $id: the health check of wave 1 was inconclusive: .*timed out after 1s" out &&
	! grep "^rollback" log &&
	! pgrep -f "sleep 7379"
'

test_expect_success 'on_failure rollback: the wave that failed rolls back, last first' '
	catalog rb 6 "  waves: [3, 100%]
  max_parallel: 1
  retries: 0
  on_failure: rollback
  apply: [sh, -c, \"test \$HONK_CONSUMER != c05\"]
  rollback: [./ops/rollback.sh]
  notify: [./ops/notify.sh]
" &&
	: >log &&
	test_expect_code 1 honk-rollout -C rb run $id >out &&
	grep "^failed        $id c05: attempt 1: apply exited with 1" out &&
	grep "^rolling-back  $id: 1 consumer failed (max_failures 0)" out &&
	grep "^rolled-back   $id:" out &&
	grep "^rollback " log | cut -d" " -f2 >order &&
	printf "c04\nc03\nc02\nc01\n" >expect &&
	test_cmp expect order &&
	state rb >st &&
	grep "^phase: rolled-back$" st &&
	grep "consumer: c05, wave: 2, state: failed" st &&
	grep "consumer: c06, wave: 2, state: pending" st &&
	grep "consumer: c01, wave: 1, state: rolled-back" st &&
	grep "^notify    rolling-back" log &&
	grep "^notify    rolled-back" log
'

test_expect_success 'a step that fails twice then succeeds: succeeded, 3 attempts' '
	catalog rt 1 "  waves: [100%]
  retries: 2
  backoff: 0s
  apply: [./ops/flaky.sh]
" &&
	printf "#!/bin/sh\nn=\$(cat %s/count 2>/dev/null || echo 0)\nn=\$((n + 1))\necho \$n >%s/count\necho \"try \$n \$HONK_ATTEMPT \$HONK_STEP_ID\" >>%s/log\ntest \$n -ge 3\n" \
		"$TRASH_DIRECTORY" "$TRASH_DIRECTORY" "$TRASH_DIRECTORY" >rt/ops/flaky.sh &&
	chmod +x rt/ops/flaky.sh &&
	git -C rt add ops/flaky.sh && git -C rt commit -q -m flaky &&
	: >log && rm -f count &&
	honk-rollout -C rt run $id >out &&
	grep "^retry         $id c01: attempt 1 failed: apply exited with 1; again in 0s" out &&
	grep "^retry         $id c01: attempt 2 failed" out &&
	grep "^succeeded     $id c01: attempt 3" out &&
	state rt >st &&
	grep "consumer: c01, wave: 1, state: succeeded, step: apply, attempts: 3" st &&
	cut -d" " -f3 log >attempts &&
	printf "1\n2\n3\n" >expect &&
	test_cmp expect attempts &&
	test $(cut -d" " -f4 log | sort -u | wc -l) -eq 1
'

test_expect_success 'a step past step_timeout is killed with its whole group' '
	catalog to 1 "  waves: [100%]
  retries: 0
  step_timeout: 1s
  apply: [sh, -c, \"sleep 7378 & sleep 7378\"]
" &&
	test_expect_code 1 honk-rollout -C to run $id >out &&
	grep "^failed        $id c01: attempt 1: apply timed out after 1s (killed)" out &&
	! pgrep -f "sleep 7378"
'

test_expect_success 'names reach commands only through the environment' '
	mkdir -p n/datasets/rm-rf n/consumers n/ops &&
	printf "honk: 1\nrollout:\n  waves: [100%%]\n  apply: [./ops/show.sh]\n" >n/honk.yaml &&
	cat >n/datasets/rm-rf/x--no-preserve-root.yaml <<-\EOF &&
	dataset: rm-rf.x--no-preserve-root
	versions:
	  - {version: 1, schema: [{name: id, type: int64}]}
	  - {version: 2, schema: [{name: id, type: int64}]}
	EOF
	printf "consumer: 0--exec-touch-canary\nreads: [{dataset: rm-rf.x--no-preserve-root, version: 1}]\n" \
		>n/consumers/0--exec-touch-canary.yaml &&
	printf "#!/bin/sh\necho \"\$# \$HONK_CONSUMER \$HONK_MIGRATION \$HONK_DATASET\" >%s/args\n" \
		"$TRASH_DIRECTORY" >n/ops/show.sh &&
	chmod +x n/ops/show.sh &&
	git -C n init -q -b main && git -C n add -A && git -C n commit -q -m n &&
	honk-detect -C n -q &&
	git -C n merge -q --no-ff -m approve honk/propose/rm-rf.x--no-preserve-root.v1-v2 &&
	honk-rollout -C n run >out &&
	echo "0 0--exec-touch-canary rm-rf.x--no-preserve-root.v1-v2 rm-rf.x--no-preserve-root" >expect &&
	test_cmp expect args &&
	test_path_is_missing canary &&
	test_path_is_missing n/canary
'

test_expect_success 'code branches: a step waits for its merge; auto_merge merges it' '
	sh "$HONK_TESTDATA/demo/run.sh" "$PWD/cb" >/dev/null &&
	printf "auto_merge: true\n" >>cb/catalog/consumers/charts/charts.yaml &&
	git -C cb/catalog commit -q -am "charts: honk may merge" &&
	honk-detect -C cb/catalog -q &&
	honk-gen -C cb/catalog -q plays.user_plays.v3-v4 >/dev/null &&
	git -C cb/catalog merge -q --no-ff -m approve honk/propose/plays.user_plays.v3-v4 &&
	honk-rollout -C cb/catalog run >out 2>err &&
	grep "^waiting       plays.user_plays.v3-v4 royalty-reports: honk/plays.user_plays.v3-v4 is not merged into main in ../royalty-reports.git" out &&
	grep "0 completed, 0 stopped, 1 under way" err &&
	git -C cb/catalog show honk/state:state/plays.user_plays.v3-v4.yaml >st &&
	grep "consumer: royalty-reports, wave: 1, state: pending, waiting: honk/plays.user_plays.v3-v4 is not merged" st &&
	git -C cb/royalty-reports.git update-ref refs/heads/main honk/plays.user_plays.v3-v4 &&
	main=$(git -C cb/charts.git rev-parse main) &&
	honk-rollout -C cb/catalog run >out &&
	grep "^succeeded     plays.user_plays.v3-v4 royalty-reports" out &&
	grep "^merged        plays.user_plays.v3-v4 charts: honk/plays.user_plays.v3-v4 into main in ../charts.git" out &&
	grep "^completed     plays.user_plays.v3-v4" out &&
	git -C cb/charts.git merge-base --is-ancestor honk/plays.user_plays.v3-v4 main &&
	git -C cb/charts.git merge-base --is-ancestor $main main
'

test_expect_success 'a plan that cannot be used stops only its migration (exit 3)' '
	catalog bad 2 "  waves: [100%]
  apply: [./ops/apply.sh]
" &&
	git -C bad checkout -q -b other &&
	mkdir -p bad/migrations &&
	printf "migration: d.t.v1-v2\ndataset: d.t\nfrom: 1\nto: 2\nconsumers: [{consumer: c01, impact: breaking, wave: 1}]\n" \
		>bad/migrations/d.t.v1-v2.yaml &&
	printf "migration: d.t.v1-v3\ndataset: d.t\nfrom: 1\nto: 3\nconsumers: [{consumer: c01, impact: braking}]\n" \
		>bad/migrations/d.t.v1-v3.yaml &&
	git -C bad add -A && git -C bad commit -q -m "a broken plan" &&
	git -C bad checkout -q main && git -C bad merge -q --no-ff -m broken other &&
	test_expect_code 3 honk-rollout -C bad run --all >out 2>err &&
	grep "^honk-rollout: error: migrations/d.t.v1-v3.yaml:5:37: unknown value .braking., did you mean .breaking.?" err &&
	grep "1 migration could not be rolled out" err &&
	grep "^completed     d.t.v1-v2" out
'

test_expect_success 'wave_gap manual waits for promote; promote starts the next wave' '
	catalog g 3 "  waves: [1, 100%]
  wave_gap: manual
  apply: [./ops/apply.sh]
" &&
	honk-rollout -C g run >out &&
	grep "^waiting       $id: wave 1 done; honk-rollout promote $id starts wave 2" out &&
	state g >st && grep "^gate: manual$" st &&
	honk-rollout -C g run >out &&
	! grep "^running" out &&
	honk-rollout -C g promote $id >out &&
	grep "the wait after wave 1 skipped" out &&
	honk-rollout -C g run >out &&
	grep "^wave          $id: wave 2 of 2" out &&
	grep "^completed     $id" out
'

test_expect_success 'undo of one consumer of a completed migration; a failed undo pauses, retry redoes only it' '
	catalog u 3 "  waves: [100%]
  apply: [./ops/apply.sh]
  rollback: [sh, -c, \"test \$HONK_CONSUMER != c02\"]
" &&
	honk-rollout -C u run >out &&
	grep "^completed     $id" out &&
	honk-rollout -C u undo $id --consumer c01 --reason "bad numbers" >out &&
	grep "c01 to be rolled back now" out &&
	honk-rollout -C u run >out &&
	grep "^rolled-back   $id c01" out &&
	grep "^completed     $id" out &&
	state u >st &&
	grep "consumer: c01, wave: 1, state: rolled-back" st &&
	grep "consumer: c03, wave: 1, state: succeeded" st &&
	honk-rollout -C u undo $id --consumer c02 >out &&
	test_expect_code 1 honk-rollout -C u run >out &&
	grep "^failed        $id c02: the rollback of c02 failed" out &&
	state u >st &&
	grep "^phase: paused$" st &&
	honk-rollout -C u retry $id --consumer c02 >out &&
	test_expect_code 1 honk-rollout -C u run >out &&
	grep "^failed        $id c02: the rollback of c02 failed" out &&
	state u >st &&
	grep "consumer: c03, wave: 1, state: succeeded" st &&
	! grep "^rolling-back  *$id: " out
'

test_expect_success 'the plan s own wave sizes decide the waves' '
	catalog pw 4 "  waves: [100%]
  apply: [./ops/apply.sh]
" &&
	git -C pw checkout -q -b edit &&
	sed "s/^rollout: {}$/rollout: {waves: [1, 2, 100%]}/" pw/migrations/$id.yaml >tmp &&
	mv tmp pw/migrations/$id.yaml &&
	git -C pw commit -q -am "review: three waves" &&
	git -C pw checkout -q main && git -C pw merge -q --no-ff -m waves edit &&
	honk-rollout -C pw run >out &&
	state pw >st &&
	grep "^waves: 3$" st &&
	grep "consumer: c01, wave: 1," st &&
	grep "consumer: c02, wave: 2," st &&
	grep "consumer: c04, wave: 3," st
'

test_expect_success 'verbs refuse what their phase does not allow' '
	test_expect_code 2 honk-rollout -C hl pause $id 2>err &&
	grep "cannot pause: it is completed" err &&
	test_expect_code 3 honk-rollout -C hl pause nope.x.v1-v2 2>err &&
	grep "nope.x.v1-v2 has not started" err &&
	test_expect_code 2 honk-rollout -C hl pause "\$(id)" 2>err
'

test_done
