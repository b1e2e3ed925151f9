#!/bin/sh
# The rewrite benchmark (the third part of make bench): honk-gen rewrite
# with 50 rename rules over the code tree of scan.sh (27 MB), in place,
# against sed -E -i and perl -pi with the same 50 expressions on copies
# of the same tree, alternating, BENCH_ROUNDS times. The three results
# must be byte-identical, and honk's patch applied to the original tree
# must give the same again. Medians and ratios; reports, does not judge.
set -u
cd "$(dirname "$0")/../.." || exit 1

rounds=${BENCH_ROUNDS:-5}
out=bench-out
code=$out/code
gen=./honk-gen
work=$out/rewrite

die() {
	echo "bench: error: $*" >&2
	exit 1
}

test -x "$gen" || die "$gen not found (build it first: make)"
test -d "$code" || die "run testdata/bench/scan.sh first (it makes $code)"
command -v perl >/dev/null 2>&1 || die "perl is needed for the comparison"
# \b is ASCII in all three only in the C locale
LC_ALL=C
export LC_ALL

rm -rf "$work" && mkdir -p "$work" || exit 1
# 50 renames of the columns the tree uses: col_N -> column_N
i=0
{
	echo "rules:"
	while test "$i" -lt 50; do
		printf '  - {pattern: '\''\\bcol_%d\\b'\'', replace: column_%d}\n' "$i" "$i"
		i=$((i + 1))
	done
} >"$work/rules.yaml"
sed -n 's/.*pattern: '\''\(.*\)'\'', replace: \(.*\)}$/s\/\1\/\2\/g/p' \
	"$work/rules.yaml" >"$work/sed.script"
sed 's/$/;/' "$work/sed.script" >"$work/perl.script"
test "$(wc -l <"$work/sed.script")" -eq 50 || die "cannot write the sed script"

bytes=$(cat "$code"/*/* | wc -c)
files=$(ls "$code"/*/* | wc -l)

# run NAME CMD...: on a fresh copy of the tree at $work/NAME (the copy is
# not timed), wall seconds appended to $work/NAME.times
run() {
	name=$1
	shift
	rm -rf "${work:?}/$name" && cp -R "$code" "$work/$name" || exit 1
	t0=$(date +%s%N)
	(cd "$work" && "$@") >"$work/$name.out" 2>"$work/$name.err"
	rc=$?
	t1=$(date +%s%N)
	if test "$rc" -ne 0; then
		echo "bench: error: '$*' exited with $rc" >&2
		sed -n '1,10p' "$work/$name.err" >&2
		exit 1
	fi
	echo "$t0 $t1" | awk '{ printf "%.4f\n", ($2 - $1) / 1e9 }' >>"$work/$name.times"
}

round() {
	run honk "$PWD/$gen" -q rewrite --rules rules.yaml --write honk
	run sed sh -c 'find sed -type f -print0 | xargs -0 sed -E -i -f sed.script'
	run perl sh -c 'find perl -type f -print0 | xargs -0 perl -pi perl.script'
	# the engines alone: nothing replaced, everything to one file
	run honk-s "$PWD/$gen" -q rewrite --rules rules.yaml honk-s
	run sed-s sh -c 'find sed-s -type f -print0 | sort -z | xargs -0 sed -E -f sed.script'
	run perl-s sh -c 'find perl-s -type f -print0 | sort -z | xargs -0 perl -p perl.script'
}

round
rm -f "$work"/*.times
i=1
while test "$i" -le "$rounds"; do
	echo "bench: rewrite round $i of $rounds"
	round
	i=$((i + 1))
done

# the same bytes, three ways, and the patch gives them too
diff -r "$work/honk" "$work/sed" >/dev/null || die "honk-gen and sed differ"
diff -r "$work/perl" "$work/sed" >/dev/null || die "perl and sed differ"
rm -rf "$work/applied" && mkdir "$work/applied" &&
	cp -R "$code" "$work/applied/honk" &&
	(cd "$work/applied" &&
		# not inside any repository: paths are taken from here
		GIT_CEILING_DIRECTORIES=$(cd .. && pwd) git apply ../honk.out) ||
	die "honk-gen's patch does not apply"
diff -r "$work/applied/honk" "$work/sed" >/dev/null ||
	die "honk-gen's patch does not give sed's result"
changed=$(diff -rq "$code" "$work/sed" | wc -l)

median() {
	sort -n "$1" | awk '{ t[NR] = $1 } END {
		if (NR % 2) print t[(NR + 1) / 2]; else print (t[NR / 2] + t[NR / 2 + 1]) / 2 }'
}

h=$(median "$work/honk.times")
s=$(median "$work/sed.times")
p=$(median "$work/perl.times")
hs=$(median "$work/honk-s.times")
ss=$(median "$work/sed-s.times")
ps=$(median "$work/perl-s.times")
echo
printf 'code: %s files, %s bytes; 50 rename rules; %s files changed, the same bytes by all three and by the patch\n' \
	"$files" "$bytes" "$changed"
printf '\n%-44s %9s\n' command 'median s'
printf '%-44s %9.3f\n' "honk-gen rewrite --write (in place, +patch)" "$h" \
	"sed -E -i -f (in place, 50 expressions)" "$s" \
	"perl -pi (in place, 50 expressions)" "$p" \
	"honk-gen rewrite (the patch only)" "$hs" \
	"sed -E -f (to stdout)" "$ss" "perl -p (to stdout)" "$ps"
echo
echo "$s $h" | awk '{ if ($2 > 0) printf "bench: sed/honk-gen rewrite ratio, in place %.2f (target >= 5)\n", $1 / $2 }'
echo "$p $h" | awk '{ if ($2 > 0) printf "bench: perl/honk-gen rewrite ratio, in place %.2f (target >= 2)\n", $1 / $2 }'
echo "$ss $hs" | awk '{ if ($2 > 0) printf "bench: sed/honk-gen rewrite ratio, the engines alone %.2f\n", $1 / $2 }'
echo "$ps $hs" | awk '{ if ($2 > 0) printf "bench: perl/honk-gen rewrite ratio, the engines alone %.2f\n", $1 / $2 }'
exit 0
