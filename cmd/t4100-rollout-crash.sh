#!/bin/sh
test_description='honk-rollout run killed with SIGKILL after each state commit, in turn, and run again'
. "$(dirname "$0")/test-lib.sh"

# test-lib.sh lets HONK_TEST_* through; this one is set per command here
unset HONK_TEST_CRASH_AFTER_COMMIT

# What a killed run leaves in TMPDIR (the checkout its commands ran in)
# goes with the trash directory.
TMPDIR=$TRASH_DIRECTORY/tmp
export TMPDIR
mkdir -p "$TMPDIR" || exit 1

id=d.t.v1-v2
applies=$TRASH_DIRECTORY/applies

# project REPO: where the migration stands, without times, lease holders
# or anything else a run on another day would write differently (a lease
# or a wait still held shows as such); its consumers' lines also into
# REPO.consumers, with their step ids as a sixth field.
project() {
	git -C "$1" show "honk/state:state/$id.yaml" >"$1.state" &&
	sed -n -e "/^phase: /p" -e "/^wave: /p" -e "/^waves: /p" \
		-e "/^failures: /p" \
		-e "s/^\(not_before\|gate\|full\|reason\|lease\|health_next\):.*/\1/p" \
		-e "s/^health: {wave: \([0-9]*\), result: \([a-z]*\),.*/health: \1 \2/p" \
		"$1.state" &&
	sed -n "s/^- {consumer: \([^,]*\), wave: \([0-9]*\), state: \([a-z-]*\), step: \([a-z]*\), attempts: \([0-9]*\), step_id: \"*\([0-9a-f]*\)\"*,.*/\1 \2 \3 \4 \5 \6/p" \
		"$1.state" >"$1.consumers" &&
	test_line_count = 20 "$1.consumers" &&
	cut -d" " -f1-5 "$1.consumers"
}

# check_applies REPO: every consumer's apply ran at least once, at most
# attempts + 1 times, never with an attempt number past its attempts,
# and always with the step id its state records.
check_applies() {
	awk '
	FNR == NR { att[$1] = $5; sid[$1] = $6; next }
	{
		n[$1]++
		if (!($1 in att)) { print "apply ran for an unknown consumer: " $0; bad = 1; next }
		if ($2 != sid[$1]) { print $1 ": HONK_STEP_ID " $2 ", the state says " sid[$1]; bad = 1 }
		if ($3 + 0 < 1 || $3 + 0 > att[$1] + 0) { print $1 ": HONK_ATTEMPT " $3 " with attempts " att[$1]; bad = 1 }
	}
	END {
		for (c in att) {
			if (n[c] + 0 < 1) { print c ": its apply never ran"; bad = 1 }
			if (n[c] + 0 > att[c] + 1) { print c ": apply ran " n[c] " times, attempts " att[c]; bad = 1 }
		}
		exit bad
	}' "$1.consumers" "$applies"
}

# check_repo REPO: the repository is sound (fsck --strict: every check of
# a plain fsck and more; objects nothing points at are no fault) and no
# lock is left behind.
check_repo() {
	git -C "$1" fsck --strict --no-progress --no-dangling >"$1.fsck" 2>&1 &&
	test_must_be_empty_ "$1.fsck" &&
	(cd "$1" && find .git -name "*.lock" | sort) >"$1.locks" &&
	test_cmp locks.before "$1.locks"
}

test_must_be_empty_() {
	test ! -s "$1" || {
		echo "$1 is not empty:" >&2
		cat "$1" >&2
		return 1
	}
}

test_expect_success 'setup: an approved migration of 20 consumers in 3 waves' '
	mkdir -p cat/datasets/d cat/consumers cat/ops &&
	cat >cat/honk.yaml <<-\EOF &&
	honk: 1
	rollout:
	  waves: [2, 50%, 100%]
	  max_parallel: 4
	  retries: 2
	  backoff: 0s
	  step_timeout: 1m
	  apply: [./ops/apply.sh]
	  verify: [./ops/verify.sh]
	  health:
	    command: [./ops/health.sh]
	    thresholds: {cpu: "< 0.85"}
	EOF
	cat >cat/datasets/d/t.yaml <<-\EOF &&
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
	for i in 01 02 03 04 05 06 07 08 09 10 11 12 13 14 15 16 17 18 19 20
	do
		printf "consumer: c%s\nreads: [{dataset: d.t, version: 1}]\n" $i \
			>cat/consumers/c$i.yaml || return 1
	done &&
	# c04 (wave 2) and c13 (wave 3) fail their first attempt: retries too
	# are crossed by the kills
	cat >cat/ops/apply.sh <<-EOF &&
	#!/bin/sh
	echo "\$HONK_CONSUMER \$HONK_STEP_ID \$HONK_ATTEMPT" >>"$applies"
	case "\$HONK_CONSUMER/\$HONK_ATTEMPT" in
	c04/1 | c13/1) echo "not this time" >&2; exit 1 ;;
	esac
	echo applied
	EOF
	printf "#!/bin/sh\nexit 0\n" >cat/ops/verify.sh &&
	printf "#!/bin/sh\necho cpu=0.25\n" >cat/ops/health.sh &&
	chmod +x cat/ops/apply.sh cat/ops/verify.sh cat/ops/health.sh &&
	git -C cat init -q -b main &&
	git -C cat add -A &&
	git -C cat commit -q -m catalog &&
	honk-detect -C cat -q &&
	git -C cat merge -q --no-ff -m "approve $id" "honk/propose/$id" &&
	git -C cat show "main:migrations/$id.yaml" >plan &&
	grep -c "wave: 1}" plan >n && echo 2 >expect && test_cmp expect n &&
	grep -c "wave: 2}" plan >n && echo 8 >expect && test_cmp expect n &&
	grep -c "wave: 3}" plan >n && echo 10 >expect && test_cmp expect n &&
	(cd cat && find .git -name "*.lock" | sort) >locks.before
'

test_expect_success 'an uninterrupted run: what every crashed run must end at' '
	cp -R cat whole &&
	: >"$applies" &&
	before=$(git -C whole rev-list --count honk/state) &&
	honk-rollout -C whole run >out 2>err &&
	after=$(git -C whole rev-list --count honk/state) &&
	K=$((after - before)) &&
	grep "; $K state commits\$" err &&
	project whole >expect.projection &&
	cat >expect.head <<-\EOF &&
	phase: completed
	wave: 3
	waves: 3
	health: 3 healthy
	EOF
	head -n 4 expect.projection >head &&
	test_cmp expect.head head &&
	test_line_count = 24 expect.projection &&
	awk "\$3 == \"succeeded\" && \$4 == \"apply\"" whole.consumers >ok &&
	test_line_count = 20 ok &&
	grep "^c04 2 succeeded apply 2 " whole.consumers &&
	grep "^c13 3 succeeded apply 2 " whole.consumers &&
	check_applies whole &&
	test_line_count = 22 "$applies" &&
	check_repo whole &&
	test "$K" -ge 6 &&
	echo "$K" >K
'

test_expect_success 'killed after each commit in turn, then run again: the same end' '
	K=$(cat K) &&
	k=1 crashed=0 survived=0 &&
	while test $k -le $((3 * K))
	do
		rm -rf c c.* &&
		cp -R cat c &&
		: >"$applies" &&
		status=0 &&
		HONK_TEST_CRASH_AFTER_COMMIT=$k honk-rollout -C c run \
			>out.$k 2>err.$k || status=$? &&
		if test $status -eq 137
		then
			crashed=$((crashed + 1))
		elif test $status -eq 0
		then
			# a run with fewer than k commits is never killed: every
			# boundary of this run was crossed by the earlier ones
			made=$(sed -n "s/.*; \([0-9]*\) state commits*\$/\1/p" err.$k) &&
			test -n "$made" && test "$made" -lt $k || {
				echo "k=$k: not killed, though it made $made commits" >&2
				return 1
			}
			survived=$((survived + 1))
		else
			echo "k=$k: exit $status, want 137 (SIGKILL)" >&2
			cat err.$k >&2
			return 1
		fi &&
		honk-rollout -C c run >again.$k 2>again-err.$k || {
			echo "k=$k: the run after the kill failed" >&2
			cat again-err.$k >&2
			return 1
		} &&
		project c >projection &&
		test_cmp expect.projection projection &&
		check_applies c &&
		check_repo c || {
			echo "k=$k: see above" >&2
			return 1
		}
		if test $status -eq 0 && test $k -gt $K
		then
			break
		fi
		k=$((k + 1))
	done &&
	echo "$crashed runs killed, $survived not (k = 1..$k, K = $K)" &&
	test $k -gt $K && test $crashed -ge $((K / 2))
'

test_expect_success 'a run killed twice in a row still ends the same' '
	rm -rf c c.* &&
	cp -R cat c &&
	: >"$applies" &&
	test_expect_code 137 env HONK_TEST_CRASH_AFTER_COMMIT=3 honk-rollout -C c run >out 2>&1 &&
	test_expect_code 137 env HONK_TEST_CRASH_AFTER_COMMIT=2 honk-rollout -C c run >out 2>&1 &&
	honk-rollout -C c run >out 2>&1 &&
	project c >projection &&
	test_cmp expect.projection projection &&
	check_repo c
'

test_done
