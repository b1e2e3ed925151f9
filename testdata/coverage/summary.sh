#!/bin/sh
# Line and branch coverage of lib/ (the library, not its tests or fuzz
# targets) from the .gcda files a --coverage build's test run left:
# one line per source file, then the totals. Run from the top of the tree.
#
# A branch counts as covered when it was taken at least once (gcov -b's
# "Taken at least once"); a line when it was executed.

LC_ALL=C
export LC_ALL

ls lib/*.gcda >/dev/null 2>&1 || {
	echo "coverage: no lib/*.gcda: build with --coverage and run the tests first" >&2
	exit 1
}
gcov -b -n -o lib lib/*.gcda 2>/dev/null |
awk '
/^File / {
	f = $2; gsub(/\047/, "", f)
	keep = f ~ /^lib\/[a-z0-9_]+\.c$/ && f !~ /_test\.c$/ && f !~ /_fuzz\.c$/ &&
		f != "lib/fuzz_main.c" && !(f in seen)
	if (keep)
		seen[f] = 1
	next
}
keep && /^Lines executed:/ {
	split($0, a, /[:% ]+/)
	# "Lines executed:85.00% of 200"
	n = $NF; p = a[3]
	lines[f] = n; lhit[f] = p * n / 100
	next
}
keep && /^Taken at least once:/ {
	n = $NF; split($0, a, /[:%]/); p = a[2]
	br[f] = n; bhit[f] = p * n / 100
	next
}
END {
	for (f in seen) {
		tl += lines[f]; th += lhit[f]; tb += br[f]; tbh += bhit[f]
		printf "%-24s lines %6.2f%% of %5d   branches %6.2f%% of %5d\n", f,
			lines[f] ? 100 * lhit[f] / lines[f] : 0, lines[f],
			br[f] ? 100 * bhit[f] / br[f] : 0, br[f] | "sort"
	}
	close("sort")
	printf "lib/ total: lines %.2f%% of %d, branches %.2f%% of %d\n",
		tl ? 100 * th / tl : 0, tl, tb ? 100 * tbh / tb : 0, tb
}'
