#!/bin/sh
# The soak (make soak): honk-detect, honk-gen, honk-rollout, honk-status
# approve and the overview, run concurrently for SOAK_SECONDS (default 60)
# on one repository, then on two clones of one bare remote; afterwards
# every migration is driven to its end and the invariants are checked:
#
#   - every command ended with an exit code its contract allows (0; 1 for
#     a migration that stopped; 2 for a verb its phase refuses; 4 busy or
#     a ref that kept moving), never 3 or 5, never a crash;
#   - no lost transition: every verb that said it was done has its commit
#     on honk/state, every consumer of a completed migration succeeded and
#     its success is in the history;
#   - no duplicate proposal: each approved plan reached main once;
#   - every repository passes git fsck.
#
#   sh testdata/soak/soak.sh [RUNS]     (SOAK_SECONDS, HONK_BIN_DIR)
set -u

top=$(cd "$(dirname "$0")/../.." && pwd -P)
bin=${HONK_BIN_DIR:-$top}
seconds=${SOAK_SECONDS:-60}
runs=${1:-1}
work=$top/bench-out/soak
PATH=$bin:$PATH
export PATH

GIT_AUTHOR_NAME=Soak GIT_AUTHOR_EMAIL=soak@example.com
GIT_COMMITTER_NAME=Soak GIT_COMMITTER_EMAIL=soak@example.com
GIT_CONFIG_NOSYSTEM=1 TZ=UTC LC_ALL=C
export GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL
export GIT_CONFIG_NOSYSTEM TZ LC_ALL
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE 2>/dev/null || true

die() {
	echo "soak: FAIL: $*" >&2
	exit 1
}

for t in git jq honk-detect honk-gen honk-rollout honk-status; do
	command -v $t >/dev/null 2>&1 || die "$t is needed"
done

# catalog DIR: 6 datasets, each with a v2 that 4 consumers must move to
catalog() {
	mkdir -p "$1/datasets/d" "$1/consumers" "$1/ops" &&
	cat >"$1/honk.yaml" <<-\EOF &&
	honk: 1
	rollout:
	  waves: [1, 100%]
	  max_parallel: 2
	  retries: 1
	  backoff: 0s
	  apply: [./ops/step.sh]
	  verify: [./ops/step.sh]
	  rollback: [./ops/step.sh]
	EOF
	printf '#!/bin/sh\nsleep 0.0$(( $$ %% 9 ))\n' >"$1/ops/step.sh" &&
	chmod +x "$1/ops/step.sh" &&
	for d in a b c e f g; do
		printf 'dataset: d.%s\nversions:\n  - {version: 1, schema: [{name: id, type: int64}]}\n  - {version: 2, schema: [{name: id, type: int64}, {name: x, type: string}]}\n' \
			$d >"$1/datasets/d/$d.yaml" || return 1
		for i in 1 2 3 4; do
			printf 'consumer: %s%s\nreads: [{dataset: d.%s, version: 1}]\n' \
				$d $i $d >"$1/consumers/$d$i.yaml" || return 1
		done
	done &&
	git -C "$1" init -q -b main &&
	git -C "$1" add -A &&
	git -C "$1" commit -q -m catalog
}

# check CODE ALLOWED...: record an exit code the contract does not allow
check() {
	c=$1
	shift
	for a in "$@"; do
		test "$c" = "$a" && return 0
	done
	echo "$c" >>"$work/bad"
}

# loops DIR SECONDS: the commands, each in its own loop, until the time
loops() {
	dir=$1
	end=$(($(date +%s) + $2))
	(while test "$(date +%s)" -lt $end; do
		honk-detect -C "$dir" -q >/dev/null 2>>"$work/err"
		check $? 0 4
	done) &
	(while test "$(date +%s)" -lt $end; do
		for id in $(git -C "$dir" for-each-ref --format='%(refname:lstrip=4)' refs/heads/honk/propose/); do
			honk-gen -C "$dir" -q --no-validate "$id" >/dev/null 2>"$work/gen.err"
			c=$?
			cat "$work/gen.err" >>"$work/err"
			# approved meanwhile: honk-gen works on proposals only
			if test $c -eq 3 && grep -q "is approved" "$work/gen.err"; then
				c=0
			fi
			check $c 0 4
			honk-status -C "$dir" -q approve "$id" >>"$work/approved" 2>>"$work/err"
			check $? 0 2 4
		done
		sleep 0.2
	done) &
	(while test "$(date +%s)" -lt $end; do
		honk-rollout -C "$dir" -q run --all --once >/dev/null 2>>"$work/err"
		check $? 0 1 4
	done) &
	(while test "$(date +%s)" -lt $end; do
		ids=$(git -C "$dir" ls-tree --name-only honk/state state/ 2>/dev/null | sed 's|^state/||; s|\.yaml$||')
		for id in $ids; do
			if honk-rollout -C "$dir" -q pause "$id" --reason soak 2>>"$work/err"; then
				echo "$id paused" >>"$work/verbs.$(basename "$dir")"
			else
				check $? 2 4
			fi
			if honk-rollout -C "$dir" -q resume "$id" 2>>"$work/err"; then
				echo "$id resumed" >>"$work/verbs.$(basename "$dir")"
			else
				check $? 2 4
			fi
		done
		sleep 0.3
	done) &
	(while test "$(date +%s)" -lt $end; do
		ov=$work/ov.$(basename "$dir")
		honk-status -C "$dir" --json >"$ov" 2>>"$work/err"
		c=$?
		check $c 0
		test $c -ne 0 || jq -e .migrations "$ov" >/dev/null ||
			echo "json" >>"$work/bad"
		sleep 0.2
	done) &
	wait
}

# settle DIR: every migration to its end (resume what was left paused)
settle() {
	n=0
	while test $n -lt 60; do
		honk-detect -C "$1" -q >/dev/null 2>&1
		for id in $(git -C "$1" for-each-ref --format='%(refname:lstrip=4)' refs/heads/honk/propose/); do
			honk-status -C "$1" -q approve "$id" >/dev/null 2>&1
		done
		for id in $(git -C "$1" ls-tree --name-only honk/state state/ 2>/dev/null | sed 's|^state/||; s|\.yaml$||'); do
			honk-rollout -C "$1" -q resume "$id" >/dev/null 2>&1
		done
		honk-rollout -C "$1" -q run --all >/dev/null 2>&1
		honk-status -C "$1" --json >"$work/final.json" || die "the overview fails"
		left=$(jq '[.migrations[] | select(.phase != "completed")] | length' "$work/final.json")
		total=$(jq '.migrations | length' "$work/final.json")
		test "$left" -eq 0 && test "$total" -eq 6 && return 0
		n=$((n + 1))
	done
	die "$left of $total migrations did not complete"
}

# invariants DIR VERBS...: what must hold once everything settled
invariants() {
	dir=$1
	shift
	git -C "$dir" fsck --no-progress --strict >/dev/null 2>&1 || die "$dir: git fsck"
	git -C "$dir" log --format=%B honk/state >"$work/history"
	for id in $(jq -r '.migrations[].id' "$work/final.json"); do
		honk-status -C "$dir" show "$id" --json >"$work/show.json" || die "show $id"
		jq -e '[.consumers[] | select(.state != "succeeded" and .state != "skipped")] | length == 0' \
			"$work/show.json" >/dev/null || die "$id: a consumer did not succeed"
		for c in $(jq -r '.consumers[] | select(.state == "succeeded") | .consumer' "$work/show.json"); do
			honk-rollout -C "$dir" history "$id" --consumer "$c" >"$work/h" 2>/dev/null ||
				die "$id $c: no history"
			grep -q "$c: succeeded" "$work/h" || die "$id $c: its success is not in the history"
		done
		added=$(git -C "$dir" log --first-parent --diff-filter=A --format=%H main -- "migrations/$id.yaml" | wc -l)
		test "$added" -eq 1 || die "$id: its plan reached main $added times"
	done
	for v in "$@"; do
		test -f "$v" || continue
		want=$(grep -c " paused$" "$v")
		have=$(grep -c "^Honk-Event: paused$" "$work/history")
		test "$have" -ge "$want" || die "$(basename "$v"): $want pauses said done, $have on honk/state"
		want=$(grep -c " resumed$" "$v")
		have=$(grep -c "^Honk-Event: resumed$" "$work/history")
		test "$have" -ge "$want" || die "$(basename "$v"): $want resumes said done, $have on honk/state"
	done
}

run=1
while test $run -le "$runs"; do
	rm -rf "$work" && mkdir -p "$work" || exit 1
	: >"$work/bad"
	# one repository
	catalog "$work/one" || die "cannot make the catalog"
	loops "$work/one" "$seconds"
	settle "$work/one"
	invariants "$work/one" "$work/verbs.one"
	# two clones of one bare remote, never forced
	catalog "$work/seed" || die "cannot make the catalog"
	printf 'remote: origin\n' >>"$work/seed/honk.yaml"
	git -C "$work/seed" commit -q -am remote
	git clone -q --bare "$work/seed" "$work/origin.git"
	git -C "$work/origin.git" config receive.denyNonFastForwards true
	git clone -q "$work/origin.git" "$work/x"
	git clone -q "$work/origin.git" "$work/y"
	loops "$work/x" "$((seconds / 2))" &
	loops "$work/y" "$((seconds / 2))" &
	wait
	settle "$work/x"
	git -C "$work/y" fetch -q origin
	invariants "$work/x" "$work/verbs.x" "$work/verbs.y"
	git -C "$work/origin.git" fsck --no-progress --strict >/dev/null 2>&1 || die "origin: git fsck"
	if test -s "$work/bad"; then
		sort "$work/bad" | uniq -c >&2
		tail -n 20 "$work/err" >&2
		die "commands ended with exit codes their contract does not allow"
	fi
	echo "soak: run $run of $runs: every invariant holds"
	run=$((run + 1))
done
