#!/bin/sh
# make memcheck: the whole test suite with every honk binary, unit test
# and fuzz replay under valgrind's memcheck. Each process writes its own
# log; valgrind runs with -q, so a log with anything in it is an error or
# a leak (definite or indirect). Prints the suite's summary, then
# "memcheck: N processes, N with errors or leaks", and those logs; exits
# 1 when the suite failed or any process had an error or a leak. (A log
# may also hold valgrind's own warnings, "--PID-- WARNING: unhandled
# syscall" for pidfd_open, which honk's executor does without: those are
# not honk's.)
#
# Left out: the fault sweep (its injector is preloaded, which valgrind
# does not take), the strace test (one ptrace at a time) and t1200, which
# runs valgrind itself. MEMCHECK_JOBS scripts run at once (the cores).

LC_ALL=C
export LC_ALL
top=$(pwd -P)
if grep -q fsanitize BUILD-FLAGS 2>/dev/null; then
	echo "memcheck: a sanitizer build; build without SANITIZE" >&2
	exit 2
fi
command -v valgrind >/dev/null 2>&1 || {
	echo "memcheck: valgrind is required (apt-get install valgrind)" >&2
	exit 2
}
work=$(mktemp -d "${TMPDIR:-/tmp}/honk-memcheck.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
mkdir "$work/bin" "$work/logs"

vg="valgrind -q --leak-check=full --show-leak-kinds=definite,indirect"
vg="$vg --errors-for-leak-kinds=definite,indirect --num-callers=30"
vg="$vg --suppressions=$top/testdata/memcheck/valgrind.supp"
vg="$vg --log-file=$work/logs/%p.log"
for p in honk-detect honk-gen honk-rollout honk-status; do
	printf '#!/bin/sh\nexec %s %s "$@"\n' "$vg" "$top/$p" >"$work/bin/$p"
	chmod +x "$work/bin/$p"
done
HONK_TEST_WRAP=$work/bin
HONK_TEST_RUNNER=$vg
export HONK_TEST_WRAP HONK_TEST_RUNNER

items=
for item in lib/*_test lib/*_fuzz-replay cmd/t[0-9]*.sh; do
	case "$item" in
	cmd/t1200-* | cmd/t6000-* | cmd/t6010-*) continue ;;
	esac
	test -f "$item" && items="$items $item"
done

jobs=${MEMCHECK_JOBS:-$(nproc 2>/dev/null || echo 2)}
k=0
for item in $items; do
	echo "$item" >>"$work/shard.$((k % jobs))"
	k=$((k + 1))
done
k=0
while test $k -lt "$jobs"; do
	if test -f "$work/shard.$k"; then
		# shellcheck disable=SC2046
		sh cmd/run-tests.sh $(cat "$work/shard.$k") >"$work/out.$k" 2>&1 &
	fi
	k=$((k + 1))
done
wait
cat "$work"/out.* | grep -E '^(PASS|FAIL|SKIP) '
cat "$work"/out.* | grep -vE '^(PASS|FAIL|SKIP) |^[0-9]+ passed, [0-9]+ failed$'
cat "$work"/out.* | awk '/^[0-9]+ passed, [0-9]+ failed$/ { p += $1; f += $3 }
	END { printf "%d passed, %d failed\n", p, f; exit f > 0 }'
suite=$?

n=$(ls "$work/logs" | wc -l)
bad=0
for log in "$work"/logs/*.log; do
	grep -q '^==[0-9]*== ' "$log" || continue
	bad=$((bad + 1))
	echo "--- $log"
	head -n 60 "$log"
done
echo "memcheck: $n processes, $bad with errors or leaks"
test "$suite" -eq 0 && test "$bad" -eq 0
