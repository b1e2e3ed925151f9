#!/bin/sh
# The portal benchmark (the last part of make bench): the honk-status
# overview (--json) over 1,000 approved migrations and 50,000 consumer
# states, against the floor of reading the same 1,000 state blobs of
# honk/state once with `git cat-file --batch`.
#
# It builds the bare repository bench-out/status.git with git plumbing
# only (hash-object, mktree, commit-tree, update-ref): a small catalog on
# main with one approved plan per migration (migrations/<id>.yaml, as
# honk-detect writes them), and an orphan honk/state branch holding
# state/<id>.yaml for each (as honk-rollout writes them) in a mix of
# phases: completed, rolling-out, paused, failed, rolling-back,
# rolled-back. The repository is kept and reused while the parameters and
# this script are unchanged. It checks that honk-status reads every state
# (show on one of each phase, then the overview's counts with jq), times
# the overview and the floor alternately, BENCH_ROUNDS times each after
# one warm-up run, and reports the medians and their ratio. It reports and
# does not judge: a missed target still exits 0; a failing command or a
# wrong count does not.
#
# Environment:
#   BENCH_MIGRATIONS  approved migrations (default 1000)
#   BENCH_CONSUMERS   consumers in each migration's state (default 50)
#   BENCH_ROUNDS      timed runs of each command (default 5)
#   BENCH_STATUS      the honk-status binary (default ./honk-status)
#   BENCH_TIME        GNU time (default /usr/bin/time)

cd "$(dirname "$0")/../.." || exit 1

LC_ALL=C
export LC_ALL
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY \
	GIT_ALTERNATE_OBJECT_DIRECTORIES GIT_NAMESPACE GIT_CEILING_DIRECTORIES
GIT_CONFIG_NOSYSTEM=1
GIT_AUTHOR_NAME=bench
GIT_AUTHOR_EMAIL=bench@localhost
GIT_COMMITTER_NAME=bench
GIT_COMMITTER_EMAIL=bench@localhost
GIT_AUTHOR_DATE="2026-11-01T09:00:00Z"
GIT_COMMITTER_DATE="2026-11-01T09:00:00Z"
export GIT_CONFIG_NOSYSTEM GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL \
	GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL GIT_AUTHOR_DATE GIT_COMMITTER_DATE
# deadlines are counted from a fixed day
HONK_NOW=2026-11-24
export HONK_NOW

migrations=${BENCH_MIGRATIONS:-1000}
per=${BENCH_CONSUMERS:-50}
rounds=${BENCH_ROUNDS:-5}
status=${BENCH_STATUS:-./honk-status}
time_bin=${BENCH_TIME:-/usr/bin/time}

out=bench-out
repo=$out/status.git
gen=$out/status-files

die() {
	echo "bench: error: $*" >&2
	exit 1
}

for v in "migrations=$migrations" "consumers=$per" "rounds=$rounds"; do
	case "${v#*=}" in
	'' | *[!0-9]*) die "${v%%=*} must be a number, not '${v#*=}'" ;;
	esac
done
test "$rounds" -ge 1 || die "BENCH_ROUNDS must be at least 1"
test "$migrations" -ge 1 || die "BENCH_MIGRATIONS must be at least 1"
test "$per" -ge 10 || die "BENCH_CONSUMERS must be at least 10"
case "$status" in
*/*) ;;
*) status=./$status ;;
esac
test -x "$status" || die "$status not found (build it first: make)"
command -v jq >/dev/null 2>&1 || die "jq is needed to check the overview"
mkdir -p "$out" || exit 1

# mktree_dir DIR: hash every file of DIR into the repository and
# print the tree holding them (names as they are, sorted by mktree).
mktree_dir() {
	(cd "$1" && ls) >"$out/names.$$" || return 1
	sed "s|^|$PWD/$1/|" "$out/names.$$" |
		git --git-dir="$repo" hash-object -w --stdin-paths >"$out/oids.$$" ||
		return 1
	paste "$out/oids.$$" "$out/names.$$" |
		awk -F '\t' '{ printf "100644 blob %s\t%s\n", $1, $2 }' |
		git --git-dir="$repo" mktree
	rc=$?
	rm -f "$out/names.$$" "$out/oids.$$"
	return $rc
}

params="status-v1 migrations=$migrations consumers=$per script=$(cksum <testdata/bench/status.sh)"
if test -f "$repo/bench-params" &&
	test "$(cat "$repo/bench-params")" = "$params"
then
	echo "bench: reusing $repo"
else
	echo "bench: generating $migrations migrations with $per consumers each"
	rm -rf "$repo" "$gen" || exit 1
	git init -q --bare "$repo" &&
	git --git-dir="$repo" symbolic-ref HEAD refs/heads/main ||
		die "cannot create $repo"
	mkdir -p "$gen/top" "$gen/datasets" "$gen/consumers" \
		"$gen/migrations" "$gen/state" || exit 1

	# The catalog on main: small; the plans stand on their own.
	cat >"$gen/top/honk.yaml" <<-\EOF
	honk: 1
	main: main
	compatibility: backward
	rollout:
	  waves: [1, 10%, 50%, 100%]
	  apply: [./ops/apply.sh]
	EOF
	for d in 0 1 2; do
		cat >"$gen/datasets/d$d.yaml" <<-EOF
		dataset: bench.d$d
		owner: team-bench
		versions:
		  - version: 1
		    location: bq://bench.d${d}_v1
		    deprecated: 2027-01-31
		    schema:
		      - {name: id, type: string, required: true}
		      - {name: ts, type: timestamp}
		  - version: 2
		    location: bq://bench.d${d}_v2
		    schema:
		      - {name: id, type: string, required: true}
		      - {name: played_at, type: timestamp, renamed_from: ts}
		EOF
		cat >"$gen/consumers/reader-$d.yaml" <<-EOF
		consumer: reader-$d
		owner: team-bench
		reads:
		  - {dataset: bench.d$d, version: 1, fields: [id, ts]}
		EOF
	done

	# One plan and one state per migration, in the formats honk-detect
	# and honk-rollout write (man honk.yaml(5), lib/plan.c, lib/state.c).
	# Migration m is bench.d<m/50>.v<m%50+1>-v<m%50+2>; its consumers are
	# c<m*per+k>, all different; the last fifth are transitive (skipped in
	# the state). Its phase is set by m % 20. The expected counts go to
	# expect.txt for the check below.
	awk -v n="$migrations" -v per="$per" -v dir="$gen" '
	function t(s) { return sprintf("\"2026-11-%02dT%02d:%02d:%02dZ\"", 2 + int(s / 86400) % 27, int(s / 3600) % 24, int(s / 60) % 60, s % 60) }
	function hex(x, w,   s) { s = ""; while (length(s) < w) { x = (x * 69069 + 12345) % 2147483648; s = s sprintf("%08x", x) } return substr(s, 1, w) }
	BEGIN {
		direct = per - int(per / 5)
		for (m = 0; m < n; m++) {
			ds = sprintf("bench.d%d", int(m / 50))
			from = m % 50 + 1
			id = sprintf("%s.v%d-v%d", ds, from, from + 1)
			r = m % 20
			phase = r < 12 ? "completed" : r < 15 ? "rolling-out" : r == 15 ? "paused" : r == 16 ? "failed" : r == 17 ? "rolling-back" : r == 18 ? "rolled-back" : "completed"
			wave = phase == "completed" ? 4 : phase == "rolling-out" ? 3 : phase == "paused" ? 1 : 2

			f = dir "/migrations/" id ".yaml"
			printf "migration: %s\ndataset: %s\nfrom: %d\nto: %d\npolicy: backward\nverdict: breaking\n", id, ds, from, from + 1 > f
			printf "changes:\n- {change: location-changed, path: \"\", backward: true, forward: true}\n" > f
			printf "- {change: field-renamed, path: ts, to: played_at, backward: true, forward: false}\n" > f
			printf "consumers:\n" > f

			s = dir "/state/" id ".yaml"
			base = m * 3600
			printf "migration: %s\nphase: %s\nverdict: breaking\napproved: \"%s\"\napproved_by: A U Thor <author@example.com>\n", id, phase, hex(m + 1, 40) > s
			printf "approved_at: %s\nstarted_at: %s\n", t(base), t(base + 60) > s
			if (phase == "completed" || phase == "rolled-back")
				printf "finished_at: %s\n", t(base + 1800) > s
			printf "wave: %d\nwaves: 4\n", wave > s
			if (phase == "failed" || phase == "rolling-back" || phase == "rolled-back")
				printf "failures: 2\n" > s
			if (phase == "paused")
				printf "health: {wave: 1, result: unhealthy, at: %s, detail: cpu=0.95 is not < 0.85}\n", t(base + 300) > s
			else
				printf "health: {wave: %d, result: healthy, at: %s, detail: \x27cpu=0.42 < 0.85, latency_p99_ms=180 < 500\x27}\n", phase == "completed" ? wave : wave - 1, t(base + 300) > s
			if (phase == "paused")
				printf "reason: \x27wave 1 is unhealthy: cpu=0.95 is not < 0.85\x27\n" > s
			else if (phase == "failed" || phase == "rolling-back" || phase == "rolled-back")
				printf "reason: \"2 consumers failed, more than max_failures (0)\"\n" > s
			if (phase == "rolling-out" || phase == "rolling-back")
				printf "lease: {holder: bench-host/4242/1700000000, until: %s}\n", t(base + 900) > s
			printf "consumers:\n" > s

			for (k = 0; k < per; k++) {
				c = sprintf("c%06d", m * per + k)
				cw = k == 0 ? 1 : k < 5 ? 2 : k < 23 ? 3 : 4
				if (k >= direct) {
					printf "- {consumer: %s, impact: transitive, via: bench.t%d, wave: 4}\n", c, m > f
					printf "- {consumer: %s, state: skipped, reason: \x27transitive via bench.t%d: no step\x27}\n", c, m > s
					skipped++
					continue
				}
				printf "- {consumer: %s, impact: %s, %swave: %d}\n", c, k % 3 ? "breaking" : "relocate", k % 3 ? "fields: [ts], " : "", cw > f
				total++
				if (phase == "completed")
					st = "succeeded"
				else if (phase == "rolled-back")
					st = cw <= wave ? "rolled-back" : "pending"
				else if (cw != wave)
					st = cw < wave ? "succeeded" : "pending"
				else if (phase == "rolling-out")
					st = k % 4 == 0 ? "running" : k % 4 == 1 ? "succeeded" : "pending"
				else if (phase == "paused")
					st = "succeeded"
				else if (k < 3)
					st = "failed"
				else if (phase == "rolling-back")
					st = k == 3 ? "running" : "rolled-back"
				else
					st = "succeeded"
				count[st]++
				sid = hex(m * per + k + 17, 16)
				if (st == "pending")
					printf "- {consumer: %s, wave: %d, state: pending}\n", c, cw > s
				else if (st == "running")
					printf "- {consumer: %s, wave: %d, state: running, step: %s, attempts: 1, step_id: \"%s\", started_at: %s}\n", c, cw, phase == "rolling-back" ? "rollback" : "apply", sid, t(base + 600) > s
				else if (st == "succeeded")
					printf "- {consumer: %s, wave: %d, state: succeeded, step: apply, attempts: 1, step_id: \"%s\", started_at: %s, finished_at: %s}\n", c, cw, sid, t(base + 120 + k), t(base + 180 + k) > s
				else if (st == "failed")
					printf "- {consumer: %s, wave: %d, state: failed, step: apply, attempts: 3, step_id: \"%s\", started_at: %s, finished_at: %s, error: apply exited with 1, tail: \x27ERROR: relation \"t\" does not exist\x27}\n", c, cw, sid, t(base + 400), t(base + 460) > s
				else
					printf "- {consumer: %s, wave: %d, state: rolled-back, step: rollback, attempts: 1, step_id: \"%s\", started_at: %s, finished_at: %s}\n", c, cw, sid, t(base + 400), t(base + 900) > s
			}
			printf "excluded: []\nrollout: {}\n" > f
			close(f)
			close(s)
			phases[phase]++
		}
		e = dir "/expect.txt"
		printf "migrations %d\ntotal %d\nskipped %d\nsucceeded %d\nrunning %d\nfailed %d\nrolled_back %d\npending %d\n", n, total, skipped, count["succeeded"], count["running"], count["failed"], count["rolled-back"], count["pending"] > e
		for (p in phases)
			printf "phase %s %d\n", p, phases[p] > e
		close(e)
	}' || die "cannot generate the plans and states"

	# main: the catalog and the plans, in one commit.
	datasets=$(mktree_dir "$gen/datasets") &&
	consumers=$(mktree_dir "$gen/consumers") &&
	plans=$(mktree_dir "$gen/migrations") &&
	honk=$(git --git-dir="$repo" hash-object -w "$gen/top/honk.yaml") &&
	bench=$(printf '040000 tree %s\tbench\n' "$datasets" |
		git --git-dir="$repo" mktree) &&
	root=$(printf '100644 blob %s\thonk.yaml\n040000 tree %s\tdatasets\n040000 tree %s\tconsumers\n040000 tree %s\tmigrations\n' \
		"$honk" "$bench" "$consumers" "$plans" | git --git-dir="$repo" mktree) &&
	main=$(echo "catalog and $migrations approved plans" |
		git --git-dir="$repo" commit-tree "$root") &&
	git --git-dir="$repo" update-ref refs/heads/main "$main" "" ||
		die "cannot write main"
	# honk/state: an orphan branch holding state/<id>.yaml.
	states=$(mktree_dir "$gen/state") &&
	sroot=$(printf '040000 tree %s\tstate\n' "$states" |
		git --git-dir="$repo" mktree) &&
	scommit=$(printf 'honk: %s migrations under way\n\nHonk-Event: bench\nHonk-Actor: bench\n' \
		"$migrations" | git --git-dir="$repo" commit-tree "$sroot") &&
	git --git-dir="$repo" update-ref refs/heads/honk/state "$scommit" "" ||
		die "cannot write honk/state"
	git --git-dir="$repo" repack -adq || die "git repack failed"
	cp "$gen/expect.txt" "$repo/bench-expect" &&
	rm -rf "$gen" &&
	printf '%s\n' "$params" >"$repo/bench-params" || exit 1
fi

# The floor reads exactly the state blobs.
git --git-dir="$repo" ls-tree -r honk/state state/ |
	awk '{ print $3 }' >"$out/status-blobs.txt" || die "cannot list honk/state"
nblobs=$(wc -l <"$out/status-blobs.txt")
test "$nblobs" -eq "$migrations" ||
	die "honk/state holds $nblobs states, not $migrations"
bytes=$(git --git-dir="$repo" cat-file --batch-check='%(objectsize)' \
	<"$out/status-blobs.txt" | awk '{ n += $1 } END { print n + 0 }')

# honk-status reads every state: show one of each phase.
for m in 0 12 15 16 17 18; do
	test "$m" -lt "$migrations" || continue
	id=$(printf 'bench.d%d.v%d-v%d' $((m / 50)) $((m % 50 + 1)) $((m % 50 + 2)))
	"$status" -C "$repo" show "$id" --json >"$out/status-show.json" ||
		die "honk-status show $id failed"
	want=$(git --git-dir="$repo" show "honk/state:state/$id.yaml" |
		sed -n 's/^phase: //p')
	got=$(jq -r .phase "$out/status-show.json")
	test "$got" = "$want" || die "show $id: phase $got, not $want"
	got=$(jq '.consumers | length' "$out/status-show.json")
	test "$got" -eq "$per" || die "show $id: $got consumers, not $per"
done

# How to time a command: GNU time gives wall time and peak RSS.
rm -f "$out/time.txt"
if test -x "$time_bin" && "$time_bin" -f '%e %M' -o "$out/time.txt" true \
	2>/dev/null && test -s "$out/time.txt"
then
	have_rss=1
else
	have_rss=
	echo "bench: $time_bin (GNU time) is missing: no peak memory"
fi

# run NAME CMD...: run it once with stdin $stdin, append "seconds
# kilobytes cpu-seconds" to $out/NAME.times: wall time from date +%N
# (finer than GNU time's hundredths); peak RSS and user+system time from
# GNU time, "-" without it. CPU time says what the command costs when
# other work shares the machine and wall times spread.
run() {
	name=$1
	shift
	t0=$(date +%s%N)
	if test -n "$have_rss"
	then
		"$time_bin" -f '%M %U %S' -o "$out/time.txt" "$@" \
			<"$stdin" >"$out/$name.out" 2>"$out/$name.err"
		rc=$?
	else
		"$@" <"$stdin" >"$out/$name.out" 2>"$out/$name.err"
		rc=$?
	fi
	t1=$(date +%s%N)
	if test "$rc" -ne 0
	then
		echo "bench: error: '$*' exited with $rc" >&2
		sed -n '1,20p' "$out/$name.err" >&2
		exit 1
	fi
	m="- - -"
	test -n "$have_rss" && m=$(tail -n 1 "$out/time.txt")
	echo "$t0 $t1 $m" | awk '{
		cpu = $4 == "-" ? "-" : sprintf("%.2f", $4 + $5)
		printf "%.4f %s %s\n", ($2 - $1) / 1e9, $3, cpu
	}' >>"$out/$name.times"
}

overview() {
	stdin=/dev/null
	run overview "$status" -C "$repo" --json
}

floor() {
	stdin=$out/status-blobs.txt
	run state-floor git --git-dir="$repo" cat-file --batch
}

echo "bench: warming up"
rm -f "$out/overview.times" "$out/state-floor.times"
overview
floor
rm -f "$out/overview.times" "$out/state-floor.times"

# The overview's JSON: every migration, with the right counts.
sum() {
	jq "[.migrations[].progress.$1] | add" "$out/overview.out"
}
expect() {
	sed -n "s/^$1 //p" "$repo/bench-expect"
}
got=$(jq '.migrations | length' "$out/overview.out")
test "$got" -eq "$(expect migrations)" ||
	die "the overview lists $got migrations, not $(expect migrations)"
for k in total skipped succeeded running failed rolled_back pending; do
	got=$(sum $k)
	test "$got" -eq "$(expect $k)" ||
		die "the overview counts $got $k consumers, not $(expect $k)"
done
sed -n 's/^phase //p' "$repo/bench-expect" | while read -r phase n; do
	got=$(jq --arg p "$phase" '[.migrations[] | select(.phase == $p)] | length' \
		"$out/overview.out")
	test "$got" -eq "$n" || die "the overview has $got $phase, not $n"
done || exit 1
got=$(jq '[.migrations[] | select(.dataset == null or .verdict != "breaking")] | length' \
	"$out/overview.out")
test "$got" -eq 0 || die "the overview has $got migrations without their plan"
got=$(jq '.conflicts | length' "$out/overview.out")
test "$got" -eq 0 || die "the overview reports $got conflicts, not 0"
got=$(jq '[.migrations[] | select(.waits != null)] | length' "$out/overview.out")
echo "bench: the overview lists $(expect migrations) migrations with their plans, $(expect total) consumers to move and $(expect skipped) skipped, as written; $got wait on a person"

i=1
while test "$i" -le "$rounds"
do
	echo "bench: status round $i of $rounds"
	overview
	floor
	i=$((i + 1))
done

# median: of the numbers on stdin ("-" when there are none)
median() {
	sort -n | awk '$1 != "-" { t[++n] = $1 }
		END {
			if (!n) print "-"
			else if (n % 2) print t[(n + 1) / 2]
			else print (t[n / 2] + t[n / 2 + 1]) / 2
		}'
}

# stats FILE: "median min max peak-kilobytes median-cpu" of a times file.
stats() {
	printf '%s %s %s %s %s\n' "$(cut -d ' ' -f 1 "$1" | median)" \
		"$(cut -d ' ' -f 1 "$1" | sort -n | head -n 1)" \
		"$(cut -d ' ' -f 1 "$1" | sort -n | tail -n 1)" \
		"$(awk '$2 != "-" && $2 + 0 > m { m = $2 + 0 } END { print m + 0 }' "$1")" \
		"$(cut -d ' ' -f 3 "$1" | median)"
}

o=$(stats "$out/overview.times")
f=$(stats "$out/state-floor.times")
echo
printf 'honk/state: %s migrations, %s consumer states, %s bytes of state/*.yaml\n' \
	"$migrations" "$((migrations * per))" "$bytes"
printf '\n%-28s %9s %9s %9s %11s %13s\n' command 'median s' 'min s' 'max s' \
	'median cpu' 'peak RSS MiB'
for row in "honk-status --json:$o" "git cat-file --batch:$f"
do
	echo "${row#*:}" | awk -v name="${row%%:*}" -v rss="$have_rss" '{
		mem = rss ? sprintf("%.1f", $4 / 1024) : "n/a"
		cpu = $5 == "-" ? "n/a" : sprintf("%.2f", $5)
		printf "%-28s %9.3f %9.3f %9.3f %11s %13s\n", name, $1, $2, $3, cpu, mem
	}'
done
echo
echo "$o $f" | awk '{
	if ($6 > 0) printf "bench: overview/cat-file ratio %.2f (target <= 3)\n", $1 / $6
	else printf "bench: overview/cat-file ratio n/a, the floor took no measurable time (target <= 3)\n"
	if ($5 != "-" && $10 != "-" && $10 > 0)
		printf "bench: overview/cat-file CPU time ratio %.2f\n", $5 / $10
}'
exit 0
