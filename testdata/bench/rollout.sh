#!/bin/sh
# The rollout benchmark (the last part of make bench): what honk-rollout
# adds to the steps it runs. A generated catalog of 2,000 consumers that
# read one dataset, rolled out with max_parallel 8, apply /bin/true, no
# verify, health or notify, no retries, the default waves; against
# `seq 2000 | xargs -P8 -n1 /bin/true`, which spawns the same processes
# as widely with nothing recorded. Alternating, BENCH_ROUNDS times, each
# honk run on a fresh state (honk/state deleted first, so it holds only
# the rollout's commits). After each honk run the state on honk/state must
# say completed with every consumer succeeded: every transition is a
# commit there, so that is what a crash at the end would leave.
#
# Medians of wall time and, with GNU time, of CPU time (user + system,
# the children's included: less sensitive than wall time to a busy
# machine), their ratios honk/xargs and the state commits of a run.
# Reports, does not judge: a missed target still exits 0; a failing
# command or a wrong final state exits 1.
#
# Environment:
#   BENCH_ROUNDS             timed runs of each (default 5)
#   BENCH_ROLLOUT_CONSUMERS  consumers (default 2000)
#   BENCH_TIME               GNU time (default /usr/bin/time)
set -u
cd "$(dirname "$0")/../.." || exit 1

LC_ALL=C
export LC_ALL
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY \
	GIT_ALTERNATE_OBJECT_DIRECTORIES GIT_NAMESPACE GIT_CEILING_DIRECTORIES
GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@localhost
GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@localhost
GIT_CONFIG_NOSYSTEM=1
export GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL \
	GIT_CONFIG_NOSYSTEM

rounds=${BENCH_ROUNDS:-5}
n=${BENCH_ROLLOUT_CONSUMERS:-2000}
out=bench-out
repo=$out/rollout
work=$out/rollout-times
rollout=$PWD/honk-rollout
detect=$PWD/honk-detect
id=bench.events.v1-v2
parallel=8
time_bin=${BENCH_TIME:-/usr/bin/time}

die() {
	echo "bench: error: $*" >&2
	exit 1
}

for v in "rounds=$rounds" "consumers=$n"; do
	case "${v#*=}" in
	'' | *[!0-9]*) die "${v%%=*} must be a number, not '${v#*=}'" ;;
	esac
done
test "$rounds" -ge 1 || die "BENCH_ROUNDS must be at least 1"
test "$n" -ge 1 || die "BENCH_ROLLOUT_CONSUMERS must be at least 1"
test -x "$rollout" || die "$rollout not found (build it first: make)"
test -x "$detect" || die "$detect not found (build it first: make)"
test -x /bin/true || die "/bin/true is needed"

# The catalog: one dataset in two versions, n consumers of the first.
echo "bench: generating a catalog of $n consumers of one dataset"
rm -rf "$repo" "$work" && mkdir -p "$work" || exit 1
git init -q -b main "$repo" || die "cannot create $repo"
mkdir -p "$repo/datasets/bench" "$repo/consumers" || exit 1
cat >"$repo/honk.yaml" <<EOF
honk: 1
main: main
rollout:
  max_parallel: $parallel
  retries: 0
  apply: [/bin/true]
EOF
cat >"$repo/datasets/bench/events.yaml" <<'EOF'
dataset: bench.events
owner: team-bench
versions:
  - version: 1
    location: bq://bench.events_v1
    schema:
      - {name: id, type: string, required: true}
      - {name: ts, type: timestamp}
  - version: 2
    location: bq://bench.events_v2
    schema:
      - {name: id, type: string, required: true}
      - {name: ts, type: timestamp}
      - {name: country, type: string}
EOF
awk -v n="$n" -v dir="$repo/consumers" 'BEGIN {
	for (i = 1; i <= n; i++) {
		f = sprintf("%s/c%05d.yaml", dir, i)
		printf "consumer: c%05d\nowner: team-bench\n", i > f
		print "reads:\n  - {dataset: bench.events, version: 1}" > f
		close(f)
	}
}' || die "cannot write the consumers"
git -C "$repo" add -A && git -C "$repo" commit -q -m "bench catalog" ||
	die "cannot commit the catalog"

# The plan, proposed by honk-detect and approved by a merge.
"$detect" -C "$repo" -q >/dev/null 2>"$work/detect.err" ||
	die "honk-detect failed: $(sed -n 1p "$work/detect.err")"
git -C "$repo" merge -q --no-ff -m "approve $id" "honk/propose/$id" ||
	die "cannot merge honk/propose/$id"
steps=$(git -C "$repo" show "main:migrations/$id.yaml" |
	grep -c 'impact: \(breaking\|relocate\)')
test "$steps" -eq "$n" || die "the plan moves $steps consumers, not $n"

# How to time a command: GNU time gives CPU time too.
if test -x "$time_bin" && "$time_bin" -f '%e %U %S' -o "$work/time.txt" true \
	2>/dev/null && test -s "$work/time.txt"
then
	have_time=1
else
	have_time=
	echo "bench: $time_bin (GNU time) is missing: wall time only"
fi

# run NAME CMD...: time it once, append "wall-seconds cpu-seconds" (cpu
# "-" without GNU time) to $work/NAME.times
run() {
	name=$1
	shift
	t0=$(date +%s%N)
	if test -n "$have_time"; then
		"$time_bin" -f '%U %S' -o "$work/time.txt" "$@" \
			>"$work/$name.out" 2>"$work/$name.err"
	else
		"$@" >"$work/$name.out" 2>"$work/$name.err"
	fi
	rc=$?
	t1=$(date +%s%N)
	if test "$rc" -ne 0; then
		echo "bench: error: '$*' exited with $rc" >&2
		sed -n '1,10p' "$work/$name.out" "$work/$name.err" >&2
		exit 1
	fi
	cpu=-
	test -n "$have_time" && cpu=$(tail -n 1 "$work/time.txt" | awk '{ print $1 + $2 }')
	echo "$t0 $t1 $cpu" | awk '{ printf "%.4f %s\n", ($2 - $1) / 1e9, $3 }' >>"$work/$name.times"
}

# honk on a fresh state (not timed: deleting the ref); then the check
honk() {
	git -C "$repo" update-ref -d refs/heads/honk/state ||
		die "cannot delete honk/state"
	run honk "$rollout" -C "$repo" -q run
	git -C "$repo" show "refs/heads/honk/state:state/$id.yaml" >"$work/state.yaml" ||
		die "no state/$id.yaml on honk/state after the run"
	grep -q '^phase: completed$' "$work/state.yaml" ||
		die "the state does not say completed: $(grep '^phase:' "$work/state.yaml")"
	ok=$(grep -c 'state: succeeded' "$work/state.yaml")
	test "$ok" -eq "$n" ||
		die "the state says $ok consumers succeeded, not $n"
	git -C "$repo" rev-list --count refs/heads/honk/state >>"$work/commits" ||
		die "cannot count the commits of honk/state"
}

xargs_run() {
	run xargs sh -c "seq $n | xargs -P$parallel -n1 /bin/true"
}

# a warm-up of each, not counted
honk
xargs_run
rm -f "$work/honk.times" "$work/xargs.times" "$work/commits"
i=1
while test "$i" -le "$rounds"; do
	echo "bench: rollout round $i of $rounds"
	honk
	xargs_run
	i=$((i + 1))
done

# median FILE [COLUMN]
median() {
	awk -v c="${2:-1}" '{ print $c }' "$1" | sort -n | awk '{ t[NR] = $1 } END {
		if (NR % 2) print t[(NR + 1) / 2]; else print (t[NR / 2] + t[NR / 2 + 1]) / 2 }'
}

h=$(median "$work/honk.times")
x=$(median "$work/xargs.times")
c=$(median "$work/commits")
waves=$(sed -n 's/^waves: //p' "$work/state.yaml")
echo
printf 'rollout: %s consumers in %s waves, max_parallel %s, apply /bin/true; every run ended completed with %s succeeded\n' \
	"$n" "$waves" "$parallel" "$n"
if test -n "$have_time"; then
	hc=$(median "$work/honk.times" 2)
	xc=$(median "$work/xargs.times" 2)
	printf '\n%-40s %9s %11s\n' command 'median s' 'median CPU s'
	printf '%-40s %9.3f %11.3f\n' "honk-rollout -q run (fresh state)" "$h" "$hc" \
		"seq $n | xargs -P$parallel -n1 /bin/true" "$x" "$xc"
else
	printf '\n%-40s %9s\n' command 'median s'
	printf '%-40s %9.3f\n' "honk-rollout -q run (fresh state)" "$h" \
		"seq $n | xargs -P$parallel -n1 /bin/true" "$x"
fi
echo
echo "$h $x $n" | awk '{
	if ($2 > 0) printf "bench: honk-rollout/xargs ratio %.2f (target <= 1.5)\n", $1 / $2
	printf "bench: per consumer: honk-rollout %.0f us, xargs %.0f us\n", $1 / $3 * 1e6, $2 / $3 * 1e6
}'
if test -n "$have_time"; then
	echo "$hc $xc" | awk '{
		if ($2 > 0) printf "bench: honk-rollout/xargs CPU time ratio %.2f\n", $1 / $2
	}'
fi
printf 'bench: state commits of a run: %s (min %s, max %s) for %s consumers\n' "$c" \
	"$(sort -n "$work/commits" | sed -n 1p)" "$(sort -n "$work/commits" | sed -n '$p')" "$n"
exit 0
