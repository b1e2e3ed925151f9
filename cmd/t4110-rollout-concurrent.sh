#!/bin/sh
test_description='honk-rollout: two runners on one migration; four clones of one remote running run, pause and resume at once'
. "$(dirname "$0")/test-lib.sh"

# test-lib.sh lets HONK_TEST_* through; this one is set per command here
unset HONK_TEST_CRASH_AFTER_COMMIT

TMPDIR=$TRASH_DIRECTORY/tmp
export TMPDIR
mkdir -p "$TMPDIR" || exit 1

id=d.t.v1-v2

# count PATTERN FILE: how many lines of FILE match
count() {
	echo $(($(grep -e "$1" "$2" | wc -l)))
}

# now_ms: the time in milliseconds
now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# catalog DIR N ROLLOUT APPLY: a catalog of N consumers of d.t in DIR
# (not yet a repository), honk.yaml's rollout block ROLLOUT (indented),
# ops/apply.sh the text APPLY.
catalog() {
	mkdir -p "$1/datasets/d" "$1/consumers" "$1/ops" &&
	printf "honk: 1\n%s\n" "$3" >"$1/honk.yaml" &&
	cat >"$1/datasets/d/t.yaml" <<-\EOF &&
	dataset: d.t
	versions:
	  - version: 1
	    location: bq://analytics.t_v1
	    schema:
	      - {name: id, type: int64, required: true}
	  - version: 2
	    location: bq://analytics.t_v2
	    schema:
	      - {name: id, type: int64, required: true}
	EOF
	i=1 &&
	while test $i -le $2
	do
		n=$(printf "c%02d" $i) &&
		printf "consumer: %s\nreads: [{dataset: d.t, version: 1}]\n" $n \
			>"$1/consumers/$n.yaml" &&
		i=$((i + 1)) || return 1
	done &&
	printf "%s\n" "$4" >"$1/ops/apply.sh" &&
	chmod +x "$1/ops/apply.sh"
}

# the steps of the first test take two seconds; ten under make memcheck,
# where every honk process runs that much slower
nap=2
test -z "${HONK_TEST_WRAP:-}" || nap=10

test_expect_success 'setup: a migration whose steps take two seconds' '
	catalog one 4 "rollout: {waves: [100%], max_parallel: 2, backoff: 0s, apply: [./ops/apply.sh]}" \
		"#!/bin/sh
echo \"\$HONK_CONSUMER \$HONK_STEP_ID \$HONK_ATTEMPT\" >>$TRASH_DIRECTORY/one.applies
sleep $nap" &&
	git -C one init -q -b main &&
	git -C one add -A &&
	git -C one commit -q -m catalog &&
	honk-detect -C one -q &&
	git -C one merge -q --no-ff -m "approve $id" "honk/propose/$id"
'

test_expect_success 'a second runner exits 4 at once while the first holds the lease' '
	{ honk-rollout -C one run $id >first.out 2>first.err & } &&
	first=$! &&
	test_atexit "kill $first 2>/dev/null" &&
	tries=0 &&
	until git -C one show "honk/state:state/$id.yaml" 2>/dev/null | grep "^lease:" >lease
	do
		tries=$((tries + 1)) &&
		test $tries -lt 200 &&
		sleep 0.05 || {
			echo "the first runner never took the lease" >&2
			return 1
		}
	done &&
	holder=$(sed -n "s/^lease: {holder: \"*\([^\",]*\)\"*,.*/\1/p" lease) &&
	test -n "$holder" &&
	start=$(now_ms) &&
	test_expect_code 4 honk-rollout -C one run $id >second.out 2>second.err &&
	took=$(($(now_ms) - start)) &&
	echo "the second runner took ${took}ms" &&
	# (not timed under make memcheck: valgrind is that slow to start)
	{ test $took -lt 2000 || test -n "${HONK_TEST_WRAP:-}"; } &&
	# it did not wait for the first one to finish
	kill -0 $first &&
	grep "^honk-rollout: error: $id: another runner holds its lease ($holder); retry later\$" second.err &&
	grep "^busy .*$id: another runner holds the lease ($holder)" second.out &&
	# --all: a migration held by another runner is not an error
	honk-rollout -C one run --all >all.out 2>all.err &&
	grep "0 completed, 0 stopped, 0 under way, 1 held by another runner; 0 state commits" all.err &&
	wait $first &&
	git -C one show "honk/state:state/$id.yaml" >state &&
	grep "^phase: completed\$" state &&
	! grep "^lease:" state &&
	grep -c "state: succeeded" state >n && echo 4 >expect && test_cmp expect n &&
	# each step ran once: by the first runner, never by the others
	cut -d" " -f1 one.applies | sort >ran &&
	printf "c%02d\n" 1 2 3 4 >expect &&
	test_cmp expect ran
'

test_expect_success 'setup: a bare remote that refuses forced pushes, four clones' '
	git init -q --bare -b main origin.git &&
	git -C origin.git config receive.denyNonFastForwards true &&
	git -C origin.git config receive.denyDeletes true &&
	git -C origin.git config core.logAllRefUpdates always &&
	catalog seed 12 "remote: origin
rollout:
  waves: [3, 100%]
  max_parallel: 2
  retries: 2
  backoff: 0s
  apply: [./ops/apply.sh]" \
		"#!/bin/sh
# a second apply of the same consumer while one runs is an overlap
locks=$TRASH_DIRECTORY/locks
if ! mkdir \"\$locks/\$HONK_CONSUMER\" 2>/dev/null
then
	echo \"\$HONK_CONSUMER \$HONK_STEP_ID \$HONK_ATTEMPT\" >>$TRASH_DIRECTORY/overlaps
fi
echo \"\$HONK_CONSUMER \$HONK_STEP_ID \$HONK_ATTEMPT\" >>$TRASH_DIRECTORY/applies
sleep 0.4
rmdir \"\$locks/\$HONK_CONSUMER\" 2>/dev/null
exit 0" &&
	mkdir locks &&
	: >overlaps &&
	: >applies &&
	git -C seed init -q -b main &&
	git -C seed add -A &&
	git -C seed commit -q -m catalog &&
	git -C seed remote add origin "$TRASH_DIRECTORY/origin.git" &&
	git -C seed push -q origin main &&
	honk-detect -C seed -q &&
	git -C origin.git rev-parse --verify -q "honk/propose/$id" &&
	git -C seed fetch -q origin &&
	git -C seed merge -q --no-ff -m "approve $id" "origin/honk/propose/$id" &&
	git -C seed push -q origin main &&
	for c in A B C D
	do
		git clone -q origin.git $c || return 1
	done &&
	git -C origin.git rev-parse honk/state >state.before
'

# runner CLONE: run --all until told to stop; every exit status recorded
runner() {
	while ! test -f stop
	do
		honk-rollout -C $1 run --all >>$1.out 2>>$1.err
		echo "run $?" >>$1.codes
		sleep 0.05
	done
}

# verbs CLONE N PAUSE: pause then resume, N times, PAUSE seconds apart;
# each with a reason of its own, recorded with its exit status
verbs() {
	v=0
	while test $v -lt $2
	do
		for verb in pause resume
		do
			honk-rollout -C $1 $verb $id --actor "$1 <$1@example.com>" \
				--reason "$1-$verb-$v" >>$1.out 2>$1.err.last
			echo "$verb $1-$verb-$v $?" >>$1.codes
			cat $1.err.last >>$1.err
			sleep $3
		done
		v=$((v + 1))
	done
}

test_expect_success 'two clones run --all while two pause and resume, all at once' '
	rm -f stop &&
	{ runner A & } && a=$! &&
	{ runner B & } && b=$! &&
	# the verbs once the rollout has begun
	tries=0 &&
	until git -C origin.git cat-file -e "honk/state:state/$id.yaml" 2>/dev/null
	do
		tries=$((tries + 1)) &&
		test $tries -lt 200 &&
		sleep 0.05 || {
			echo "the rollout never began" >&2
			touch stop
			return 1
		}
	done &&
	{ verbs C 6 0.3 & } && c=$! &&
	{ verbs D 5 0.4 & } && d=$! &&
	test_atexit "touch \"$TRASH_DIRECTORY/stop\"; kill $a $b $c $d 2>/dev/null" &&
	wait $c && wait $d &&
	touch stop &&
	wait $a && wait $b &&
	cat A.codes B.codes C.codes D.codes &&
	# what each command said: run 0 (done or held by another), 1 (paused),
	# 4 (busy); a verb 0, 2 (refused: not in a phase it applies to) or 4
	! grep -v -e "^run [014]\$" A.codes B.codes &&
	! grep -v -e "^pause [A-D]-pause-[0-9]* [024]\$" -e "^resume [A-D]-resume-[0-9]* [024]\$" C.codes D.codes &&
	! grep -h "error:" C.err D.err | grep -v -e ": cannot pause: it is \(paused\|completed\)\$" \
		-e ": cannot resume: it is \(rolling-out\|completed\), not paused\$" \
		-e ": cannot resume: it is completed\$" \
		-e "kept moving; run again later\$" &&
	# the rest, from one clone
	phase= &&
	tries=0 &&
	while test $tries -lt 5
	do
		git -C A fetch -q origin &&
		git -C A show "origin/honk/state:state/$id.yaml" >state &&
		phase=$(sed -n "s/^phase: //p" state) &&
		case "$phase" in
		completed) break ;;
		paused) honk-rollout -C A resume $id --actor "A <A@example.com>" --reason A-resume-end >>A.out ;;
		*) honk-rollout -C A run --all >>A.out 2>>A.err ;;
		esac
		tries=$((tries + 1))
	done &&
	test "$phase" = completed
'

test_expect_success 'every verb that said it was done is on the remote, once; no other' '
	git -C origin.git log --format=%B honk/state >log &&
	cat C.codes D.codes >verbs &&
	# some verb came while the rollout ran (under make memcheck the
	# rollout may be over first)
	{ grep " 0\$" verbs || test -n "${HONK_TEST_WRAP:-}"; } &&
	while read verb token status
	do
		n=$(count "^Reason: $token\$" log)
		if test "$status" = 0
		then
			test "$n" = 1 || { echo "$verb $token: done, $n times on the remote" >&2; return 1; }
		else
			test "$n" = 0 || { echo "$verb $token: refused, yet $n times on the remote" >&2; return 1; }
		fi
	done <verbs &&
	# and no other pause or resume
	test $(count "^Honk-Event: paused\$" log) -eq $(count "^pause .* 0\$" verbs) &&
	test $(count "^Honk-Event: resumed\$" log) -eq \
		$(($(count "^resume .* 0\$" verbs) + $(count "^Reason: A-resume-end\$" log)))
'

test_expect_success 'every consumer succeeded once, each with its running and succeeded events' '
	git -C origin.git show "honk/state:state/$id.yaml" >state &&
	grep "^phase: completed\$" state &&
	! grep "^lease:" state &&
	sed -n "s/^- {consumer: \(c[0-9]*\), wave: [0-9]*, state: \([a-z-]*\),.*/\1 \2/p" state >states &&
	i=1 && : >expect &&
	while test $i -le 12
	do
		printf "c%02d succeeded\n" $i >>expect &&
		i=$((i + 1))
	done &&
	test_cmp expect states &&
	git -C origin.git log --format=%B honk/state >log &&
	sed -n "s/^$id \(c[0-9]*\): succeeded: .*/\1 succeeded/p" log | sort >once &&
	test_cmp expect once &&
	git clone -q origin.git E &&
	git -C E branch -q honk/state origin/honk/state &&
	for c in $(cut -d" " -f1 expect)
	do
		honk-rollout -C E history $id --consumer $c >h.$c &&
		grep "^    $id $c: running: " h.$c >/dev/null &&
		grep "^    $id $c: succeeded: " h.$c >/dev/null || {
			echo "history of $c:" >&2
			cat h.$c >&2
			return 1
		}
	done
'

test_expect_success 'the remote moved by fast-forwards only; no apply overlapped or ran too often' '
	git -C origin.git fsck --no-progress --no-dangling >fsck 2>&1 &&
	test_line_count = 0 fsck &&
	git -C origin.git rev-list honk/state >all &&
	git -C origin.git rev-list --first-parent honk/state >first &&
	test_cmp all first &&
	git -C origin.git merge-base --is-ancestor "$(cat state.before)" honk/state &&
	# every update of honk/state on the remote went from the last value
	# to a descendant of it
	log=origin.git/logs/refs/heads/honk/state &&
	test -s $log &&
	prev= &&
	while read old new rest
	do
		if test -n "$prev" && test "$old" != "$prev"
		then
			echo "honk/state moved from $old, but it was at $prev" >&2
			return 1
		fi &&
		case $old in
		0000000000000000000000000000000000000000) ;;
		*) git -C origin.git merge-base --is-ancestor $old $new || {
			echo "honk/state went from $old to $new: not a fast-forward" >&2
			return 1
		} ;;
		esac &&
		prev=$new || return 1
	done <$log &&
	test "$prev" = "$(git -C origin.git rev-parse honk/state)" &&
	test_line_count = 0 overlaps &&
	# at least once, at most attempts + 1 times
	sed -n "s/^- {consumer: \(c[0-9]*\), .* attempts: \([0-9]*\),.*/\1 \2/p" state >attempts &&
	test_line_count = 12 attempts &&
	awk "
	FNR == NR { att[\$1] = \$2; next }
	{ n[\$1]++ }
	END {
		for (c in att) {
			print c, n[c] + 0, att[c]
			if (n[c] + 0 < 1 || n[c] > att[c] + 1)
				bad = 1
		}
		exit bad
	}" attempts applies
'

test_expect_success 'a runner that read an old state and lost the push does not write it over the completed one' '
	catalog late 2 "remote: origin
rollout: {waves: [100%], max_parallel: 1, backoff: 0s, apply: [./ops/apply.sh]}" \
		"#!/bin/sh
echo \"\$HONK_CONSUMER \$HONK_STEP_ID\" >>$TRASH_DIRECTORY/late.applies" &&
	: >late.applies &&
	git init -q --bare late.git &&
	git -C late init -q -b main &&
	git -C late add -A &&
	git -C late commit -q -m catalog &&
	git -C late remote add origin "$TRASH_DIRECTORY/late.git" &&
	git -C late push -q origin main &&
	honk-detect -C late -q &&
	git -C late fetch -q origin &&
	git -C late merge -q --no-ff -m "approve $id" "origin/honk/propose/$id" &&
	git -C late push -q origin main &&
	git clone -q late.git lateB &&
	# B starts, records a step running, and dies before pushing it
	test_expect_code 137 env HONK_TEST_CRASH_AFTER_COMMIT=2 \
		honk-rollout -C lateB run $id >/dev/null 2>&1 &&
	git -C lateB push -q origin honk/state &&
	# A reads that state (a lease of a dead runner, a step running) and
	# takes the lease over; its commit waits on a lock meanwhile
	git clone -q late.git lateA &&
	git -C lateA branch -q honk/state origin/honk/state &&
	: >lateA/.git/refs/heads/honk/state.lock &&
	{ honk-rollout -C lateA run $id >a.out 2>a.err & } &&
	a=$! &&
	test_atexit "kill $a 2>/dev/null" &&
	sleep 0.5 &&
	# B finishes the rollout and pushes it first
	honk-rollout -C lateB run $id >/dev/null &&
	git -C late.git show "honk/state:state/$id.yaml" >done &&
	grep "^phase: completed\$" done &&
	cp late.applies applies.before &&
	rm lateA/.git/refs/heads/honk/state.lock &&
	wait $a &&
	# A pushed its lease on the old state: refused; A reads the
	# completed state and writes nothing over it
	git -C late.git show "honk/state:state/$id.yaml" >after &&
	test_cmp done after &&
	# and started no step: it had nothing left to start
	test_cmp applies.before late.applies
'

test_done
