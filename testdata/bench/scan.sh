#!/bin/sh
# The scan benchmark (the second half of make bench): honk-detect scan for
# the dataset names of a 500-dataset catalog over a code tree of at least
# 25 MB, against grep -rFw -f and rg -Fw -f with the same names on the same
# tree, alternating, BENCH_ROUNDS times; medians and ratios. Then how fast
# a catastrophically backtracking --pattern becomes an error. Reports, does
# not judge; exits non-zero only when a command fails.
set -u
cd "$(dirname "$0")/../.." || exit 1

rounds=${BENCH_ROUNDS:-5}
out=bench-out
repo=$out/scan-catalog.git
code=$out/code
detect=./honk-detect

die() {
	echo "bench: error: $*" >&2
	exit 1
}

test -x "$detect" || die "$detect not found (build it first: make)"
test -x "$out/gencatalog" || die "run testdata/bench/run.sh first (it builds the generator)"

params="scan-v1 gen=$(cksum <testdata/bench/gencatalog.c)"
if test -f "$out/scan-params" && test "$(cat "$out/scan-params")" = "$params"
then
	echo "bench: reusing $repo and $code"
else
	echo "bench: generating a 500-dataset catalog and a code tree"
	rm -rf "$repo" "$code" || exit 1
	git init -q --bare "$repo" &&
	git -C "$repo" symbolic-ref HEAD refs/heads/main &&
	"$out/gencatalog" --datasets 500 --consumers 100 --seed 7 |
		git -C "$repo" fast-import --quiet || die "cannot build $repo"
	"$detect" -C "$repo" scan --print-names >"$out/names.txt" ||
		die "scan --print-names failed"
	# 2,400 files of SQL-like text, about 11 KB each; one line in 40 names
	# a dataset or one of its locations, as real pipelines do.
	mkdir -p "$code" &&
	awk -v dir="$code" -v names="$out/names.txt" 'BEGIN {
		srand(42)
		while ((getline n < names) > 0) name[nn++] = n
		split("select from where join group order by having limit with as on and or not null case when then else end count sum avg min max distinct partition over row_number user_id track_id ts played_at market country device os revenue plays", w, " ")
		nw = length(w)
		for (f = 0; f < 2400; f++) {
			sub_ = sprintf("%s/team%02d", dir, f % 40)
			if (!(sub_ in made)) { system("mkdir -p " sub_); made[sub_] = 1 }
			file = sprintf("%s/query_%04d.sql", sub_, f)
			for (l = 0; l < 220; l++) {
				line = ""
				for (k = 0; k < 7; k++)
					line = line w[int(rand() * nw) + 1] " "
				if (rand() < 0.025)
					line = line "FROM `" name[int(rand() * nn)] "` t"
				else
					line = line "t" int(rand() * 1000) ".col_" int(rand() * 50)
				print line > file
			}
			close(file)
		}
	}' || die "cannot generate $code"
	printf '%s\n' "$params" >"$out/scan-params"
fi

bytes=$(cat "$code"/*/* | wc -c)
files=$(ls "$code"/*/* | wc -l)
names=$(wc -l <"$out/names.txt")

# run NAME CMD...: time it once (wall seconds), append to $out/NAME.times
run() {
	name=$1
	shift
	t0=$(date +%s%N)
	"$@" >"$out/$name.out" 2>"$out/$name.err"
	rc=$?
	t1=$(date +%s%N)
	# grep exits 1 when nothing matched, which is not a failure here
	if test "$rc" -gt 1; then
		echo "bench: error: '$*' exited with $rc" >&2
		sed -n '1,10p' "$out/$name.err" >&2
		exit 1
	fi
	echo "$t0 $t1" | awk '{ printf "%.4f\n", ($2 - $1) / 1e9 }' >>"$out/$name.times"
}

have_rg=
command -v rg >/dev/null 2>&1 && have_rg=1
test -n "$have_rg" || echo "bench: rg (ripgrep) is missing: no rg row"

round() {
	run scan "$detect" -C "$repo" scan -q "$PWD/$code"
	run grep grep -rFw -f "$out/names.txt" "$code"
	if test -n "$have_rg"; then
		run rg rg --no-config -Fw -f "$out/names.txt" "$code"
	fi
}

rm -f "$out/scan.times" "$out/grep.times" "$out/rg.times"
round
rm -f "$out/scan.times" "$out/grep.times" "$out/rg.times"
i=1
while test "$i" -le "$rounds"; do
	echo "bench: scan round $i of $rounds"
	round
	i=$((i + 1))
done

median() {
	sort -n "$1" | awk '{ t[NR] = $1 } END {
		if (NR % 2) print t[(NR + 1) / 2]; else print (t[NR / 2] + t[NR / 2 + 1]) / 2 }'
}

s=$(median "$out/scan.times")
g=$(median "$out/grep.times")
echo
printf 'code: %s files, %s bytes; %s names (dataset ids and locations)\n' "$files" "$bytes" "$names"
printf 'hits: honk-detect %s, grep %s lines' "$(wc -l <"$out/scan.out")" "$(wc -l <"$out/grep.out")"
test -n "$have_rg" && printf ', rg %s lines' "$(wc -l <"$out/rg.out")"
printf '\n\n%-28s %9s\n' command 'median s'
printf '%-28s %9.3f\n' "honk-detect scan" "$s" "grep -rFw -f" "$g"
if test -n "$have_rg"; then
	r=$(median "$out/rg.times")
	printf '%-28s %9.3f\n' "rg -Fw -f" "$r"
fi
echo
echo "$s $g" | awk '{ if ($2 > 0) printf "bench: scan/grep ratio %.2f (target <= 1)\n", $1 / $2 }'
if test -n "$have_rg"; then
	echo "$s $r" | awk '{ if ($2 > 0) printf "bench: scan/rg ratio %.2f (target <= 1)\n", $1 / $2 }'
fi

# A user pattern that backtracks catastrophically on a 64 KB line: the
# match limit must turn it into an error (exit 3), fast. Timed against the
# same scan with a plain pattern, alternating: the difference is what the
# pattern costs before it is stopped.
mkdir -p "$out/slow" &&
awk 'BEGIN { s = ""; for (i = 0; i < 65536; i++) s = s "a"; print s "b" }' \
	>"$out/slow/x.txt" || die "cannot write $out/slow"
rm -f "$out/backtrack.times" "$out/plain.times"
i=0
while test "$i" -le "$rounds"; do
	for kind in backtrack plain; do
		pat='(a+)+$'
		test "$kind" = plain && pat='zzz'
		t0=$(date +%s%N)
		"$detect" -C "$repo" scan --pattern "$pat" "$PWD/$out/slow" \
			>/dev/null 2>"$out/$kind.err"
		rc=$?
		t1=$(date +%s%N)
		want=3
		test "$kind" = plain && want=0
		test "$rc" -eq "$want" || die "scan --pattern '$pat' exited $rc, not $want"
		# the first round warms up
		test "$i" -eq 0 ||
			echo "$t0 $t1" | awk '{ printf "%.4f\n", ($2 - $1) / 1e9 }' >>"$out/$kind.times"
	done
	i=$((i + 1))
done
grep -q "hit the match limit" "$out/backtrack.err" ||
	die "the backtracking pattern did not report the match limit"
b=$(median "$out/backtrack.times")
p=$(median "$out/plain.times")
printf 'bench: catastrophic pattern on a 64 KB line: exit 3 in %.3f s, the same scan with a plain pattern %.3f s: the pattern costs %.3f s before it is stopped (target < 0.05)\n' "$b" "$p" "$(echo "$b $p" | awk '{ d = $1 - $2; print d < 0 ? 0 : d }')"
exit 0
