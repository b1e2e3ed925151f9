#!/bin/sh
# The catalog benchmark (make bench): how long `honk-status lint` and the
# detection run's computation (`honk-detect --dry-run`) take on a large
# catalog, against the floor of reading every catalog blob once with
# `git cat-file --batch`; then the detection run with its writes against
# git writing the same branches, and incremental runs against the full one.
#
# It builds testdata/bench/gencatalog, generates the catalog into the bare
# repository bench-out/catalog.git (kept, and reused while the parameters
# and the generator are unchanged), packs it, then times lint and the floor
# alternately, BENCH_ROUNDS times each after one warm-up run, and reports
# the medians, their ratio and the peak memory. It reports and does not
# judge: a missed target still exits 0; a failing command does not.
#
# Environment:
#   BENCH_DATASETS   datasets in the catalog (default 10000)
#   BENCH_CONSUMERS  consumers in the catalog (default 50000)
#   BENCH_SEED       generator seed (default 1)
#   BENCH_ROUNDS     timed runs of each command (default 5)
#   BENCH_STATUS     the honk-status binary (default ./honk-status)
#   BENCH_TIME       GNU time (default /usr/bin/time)
#   CC               compiler for the generator (default cc)

cd "$(dirname "$0")/../.." || exit 1

LC_ALL=C
export LC_ALL
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY \
	GIT_ALTERNATE_OBJECT_DIRECTORIES GIT_NAMESPACE GIT_CEILING_DIRECTORIES

datasets=${BENCH_DATASETS:-10000}
consumers=${BENCH_CONSUMERS:-50000}
seed=${BENCH_SEED:-1}
rounds=${BENCH_ROUNDS:-5}
status=${BENCH_STATUS:-./honk-status}
detect=${BENCH_DETECT:-./honk-detect}
time_bin=${BENCH_TIME:-/usr/bin/time}
CC=${CC:-cc}

out=bench-out
repo=$out/catalog.git

die() {
	echo "bench: error: $*" >&2
	exit 1
}

for v in "datasets=$datasets" "consumers=$consumers" "seed=$seed" \
	"rounds=$rounds"
do
	case "${v#*=}" in
	'' | *[!0-9]*) die "${v%%=*} must be a number, not '${v#*=}'" ;;
	esac
done
test "$rounds" -ge 1 || die "BENCH_ROUNDS must be at least 1"
test "$datasets" -ge 1 || die "BENCH_DATASETS must be at least 1"
case "$status" in
*/*) ;;
*) status=./$status ;;
esac
test -x "$status" || die "$status not found (build it first: make)"
case "$detect" in
*/*) ;;
*) detect=./$detect ;;
esac
test -x "$detect" || die "$detect not found (build it first: make)"

mkdir -p "$out" || exit 1

# The generator.
echo "bench: building the generator with $CC"
$CC -std=c99 -O2 -Wall -Wextra -o "$out/gencatalog" \
	testdata/bench/gencatalog.c || die "cannot build gencatalog"

# The catalog, unless an identical one is there already.
params="datasets=$datasets consumers=$consumers seed=$seed gen=$(cksum <testdata/bench/gencatalog.c)"
if test -f "$repo/bench-params" &&
	test "$(cat "$repo/bench-params")" = "$params"
then
	echo "bench: reusing $repo"
else
	echo "bench: generating $datasets datasets, $consumers consumers (seed $seed)"
	rm -rf "$repo" "$out/catalog.fi" || exit 1
	git init -q --bare "$repo" &&
	git -C "$repo" symbolic-ref HEAD refs/heads/main ||
		die "cannot create $repo"
	"$out/gencatalog" --datasets "$datasets" --consumers "$consumers" \
		--seed "$seed" >"$out/catalog.fi" || die "gencatalog failed"
	git -C "$repo" fast-import --quiet <"$out/catalog.fi" ||
		die "git fast-import failed"
	rm -f "$out/catalog.fi"
	git -C "$repo" repack -adq || die "git repack failed"
	printf '%s\n' "$params" >"$repo/bench-params" || exit 1
fi

git -C "$repo" ls-tree -r -l main >"$out/tree.txt" ||
	die "cannot list the tree of main"
awk '$2 == "blob" { print $3 }' "$out/tree.txt" >"$out/blobs.txt" || exit 1
files=$(wc -l <"$out/blobs.txt")
bytes=$(awk '$2 == "blob" { n += $4 } END { print n + 0 }' "$out/tree.txt")
packkb=$(du -sk "$repo/objects/pack" | awk '{ print $1 }')

# How to time a command: GNU time gives wall time and peak RSS.
rm -f "$out/time.txt"
if test -x "$time_bin" && "$time_bin" -f '%e %M' -o "$out/time.txt" true \
	2>/dev/null && test -s "$out/time.txt"
then
	have_rss=1
else
	have_rss=
	echo "bench: $time_bin (GNU time) is missing: wall time only, no peak memory"
fi

now() {
	# Nanoseconds where date has %N, else whole seconds.
	case "$(date +%N)" in
	*[!0-9]* | '') echo "$(date +%s) 1" ;;
	*) echo "$(date +%s%N) 1000000000" ;;
	esac
}

# run NAME CMD...: run it once, append "seconds kilobytes" to $out/NAME.times
# (kilobytes "-" without GNU time). stdin is $stdin.
run() {
	name=$1
	shift
	if test -n "$have_rss"
	then
		"$time_bin" -f '%e %M' -o "$out/time.txt" "$@" \
			<"$stdin" >"$out/$name.out" 2>"$out/$name.err"
		rc=$?
		m=$(tail -n 1 "$out/time.txt")
	else
		t0=$(now)
		"$@" <"$stdin" >"$out/$name.out" 2>"$out/$name.err"
		rc=$?
		t1=$(now)
		m=$(echo "$t0 $t1" | awk '{ printf "%.3f -", ($3 - $1) / $2 }')
	fi
	if test "$rc" -ne 0
	then
		echo "bench: error: '$*' exited with $rc" >&2
		sed -n '1,20p' "$out/$name.out" "$out/$name.err" >&2
		exit 1
	fi
	echo "$m" >>"$out/$name.times"
}

lint() {
	stdin=/dev/null
	run lint "$status" -C "$repo" lint
}

floor() {
	stdin=$out/blobs.txt
	run floor git -C "$repo" cat-file --batch
}

# The detection run's whole computation (read, validate, diff, impact and
# plan every migration) without its writes.
detect() {
	stdin=/dev/null
	run detect "$detect" -C "$repo" --dry-run -q
}

echo "bench: warming up"
rm -f "$out/lint.times" "$out/floor.times" "$out/detect.times"
lint
floor
detect
rm -f "$out/lint.times" "$out/floor.times" "$out/detect.times"

i=1
while test "$i" -le "$rounds"
do
	echo "bench: round $i of $rounds"
	lint
	floor
	detect
	i=$((i + 1))
done

# stats FILE: "median min max peak-kilobytes" of a times file.
stats() {
	sort -n "$1" | awk '
		{ t[NR] = $1; if ($2 != "-" && $2 + 0 > m) m = $2 + 0 }
		END {
			if (NR % 2) med = t[(NR + 1) / 2]
			else med = (t[NR / 2] + t[NR / 2 + 1]) / 2
			printf "%s %s %s %s\n", med, t[1], t[NR], m
		}'
}

lint_stats=$(stats "$out/lint.times")
floor_stats=$(stats "$out/floor.times")
detect_stats=$(stats "$out/detect.times")

echo
printf 'catalog: %s datasets, %s consumers, %s files, %s bytes (pack %s KiB)\n' \
	"$datasets" "$consumers" "$files" "$bytes" "$packkb"
printf '\n%-24s %9s %9s %9s %13s\n' command 'median s' 'min s' 'max s' \
	'peak RSS MiB'
for row in "honk-status lint:$lint_stats" "honk-detect --dry-run:$detect_stats" \
	"git cat-file --batch:$floor_stats"
do
	echo "${row#*:}" | awk -v name="${row%%:*}" -v rss="$have_rss" '{
		mem = rss ? sprintf("%.1f", $4 / 1024) : "n/a"
		printf "%-24s %9.3f %9.3f %9.3f %13s\n", name, $1, $2, $3, mem
	}'
done
echo
echo "$lint_stats $floor_stats" | awk '{
	if ($5 > 0) printf "bench: lint/cat-file ratio %.2f (target <= 3)\n", $1 / $5
	else printf "bench: lint/cat-file ratio n/a, the floor took no measurable time (target <= 3)\n"
}'
echo "$detect_stats $floor_stats" | awk '{
	if ($5 > 0) printf "bench: detect --dry-run/cat-file ratio %.2f (target <= 3)\n", $1 / $5
}'

# The detection run for real, once (it writes a proposal per migration and
# the catalog index); against git writing the same branches, as durably
# (core.fsync=reference), into a copy holding the same objects. Then
# incremental runs, each after one dataset file changed.
echo
echo "bench: full detection run with its writes (once), then incremental ones"
rm -rf "$out/detect.git" "$out/git.git" || exit 1
cp -R "$repo" "$out/detect.git" && cp -R "$repo" "$out/git.git" || exit 1
rm -f "$out/full.times" "$out/git-refs.times" "$out/incr.times"
stdin=/dev/null
run full "$detect" -C "$out/detect.git" -q
proposals=$(git -C "$out/detect.git" for-each-ref refs/heads/honk/propose | wc -l)
git -C "$out/detect.git" for-each-ref \
	--format='create %(refname) %(objectname)' refs/heads/honk/ >"$out/refs.txt" &&
cp "$out/detect.git"/objects/pack/* "$out/git.git/objects/pack/" 2>/dev/null
stdin=$out/refs.txt
run git-refs git -C "$out/git.git" -c core.fsync=reference update-ref --stdin
stdin=/dev/null
f=$(git -C "$out/detect.git" ls-tree -r --name-only main datasets/ | sed -n 100p)
GIT_INDEX_FILE=$PWD/$out/detect.index
export GIT_INDEX_FILE
i=1
while test "$i" -le 3
do
	rm -f "$GIT_INDEX_FILE"
	git -C "$out/detect.git" read-tree main &&
	git -C "$out/detect.git" show "main:$f" |
		sed "0,/^description:.*/s//description: edited $i/" >"$out/edited.yaml" &&
	blob=$(git -C "$out/detect.git" hash-object -w "$PWD/$out/edited.yaml") &&
	git -C "$out/detect.git" update-index --cacheinfo "100644,$blob,$f" &&
	tree=$(git -C "$out/detect.git" write-tree) &&
	commit=$(GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@localhost \
		GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@localhost \
		git -C "$out/detect.git" commit-tree "$tree" -p main -m "edit $f ($i)") &&
	git -C "$out/detect.git" update-ref refs/heads/main "$commit" ||
		die "cannot edit $f"
	unset GIT_INDEX_FILE
	run incr "$detect" -C "$out/detect.git" -q
	GIT_INDEX_FILE=$PWD/$out/detect.index
	export GIT_INDEX_FILE
	i=$((i + 1))
done
unset GIT_INDEX_FILE
grep -q "^incremental " "$out/incr.out" ||
	die "the last run after one edit was not incremental"
full_stats=$(stats "$out/full.times")
git_stats=$(stats "$out/git-refs.times")
incr_stats=$(stats "$out/incr.times")
echo
printf '%-32s %9s %13s\n' command 'median s' 'peak RSS MiB'
for row in "honk-detect (full, writes):$full_stats" \
	"git update-ref --stdin:$git_stats" \
	"honk-detect (incremental):$incr_stats"
do
	echo "${row#*:}" | awk -v name="${row%%:*}" -v rss="$have_rss" '{
		mem = rss ? sprintf("%.1f", $4 / 1024) : "n/a"
		printf "%-32s %9.3f %13s\n", name, $1, mem
	}'
done
echo "($proposals proposal branches written; the incremental runs follow one edit of $f each)"
echo
echo "$full_stats $git_stats" | awk '{
	if ($5 > 0) printf "bench: full run (read, plan, write %s branches and the index)/git update-ref writing the same branches ratio %.2f\n", "'"$proposals"'", $1 / $5
}'
echo "$incr_stats $full_stats" | awk '{
	if ($5 > 0) printf "bench: incremental/full ratio %.3f (target <= 0.05)\n", $1 / $5
}'
echo "$incr_stats $detect_stats" | awk '{
	if ($5 > 0) printf "bench: incremental/full computation (--dry-run) ratio %.3f\n", $1 / $5
}'
exit 0
