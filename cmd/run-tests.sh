#!/bin/sh
# Run honk's tests from the top of the source tree (make check does this):
#
#   lib/*_test          cmocka unit tests; every test case counts
#   lib/*_fuzz-replay   each fuzz target over its corpus testdata/fuzz/<name>/;
#                       one count per target
#   cmd/t*.sh           end-to-end scripts; every "ok"/"not ok" line counts;
#                       a script that skips itself ("1..0 # SKIP why",
#                       test_skip_all) passes with 0
#
# Prints one line per item, the output of every item that failed, and last a
# summary line "N passed, N failed". Exits non-zero when anything failed or
# when nothing ran. Arguments, if any, name the items to run instead of all.

LC_ALL=C
export LC_ALL
CMOCKA_MESSAGE_OUTPUT=STDOUT
export CMOCKA_MESSAGE_OUTPUT
# Sanitizer reports abort instead of exiting 1, so a crash is a failure.
ASAN_OPTIONS="abort_on_error=1:fast_unwind_on_malloc=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
LSAN_OPTIONS="suppressions=${HONK_TOP:-$(pwd)}/testdata/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS

if ! test -f cmd/test-lib.sh
then
	echo "run-tests: run me from the top of the honk source tree" >&2
	exit 2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/honk-tests.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

passed=0
failed=0
ran=0
: >"$tmp/failures"

# record ITEM NPASS NFAIL: count an item's results; keep its output when it
# failed.
record() {
	ran=$((ran + 1))
	passed=$((passed + $2))
	failed=$((failed + $3))
	if test "$3" -eq 0
	then
		printf 'PASS %s (%d)\n' "$1" "$2"
	else
		printf 'FAIL %s (%d passed, %d failed)\n' "$1" "$2" "$3"
		{
			printf '\n--- %s\n' "$1"
			cat "$tmp/out"
		} >>"$tmp/failures"
	fi
}

# sum PATTERN: the sum of the numbers that the sed expression PATTERN picks
# out of $tmp/out (0 when there are none).
sum() {
	sed -n "$1" "$tmp/out" | awk '{ n += $1 } END { print n + 0 }'
}

# HONK_TEST_RUNNER (make memcheck): a command the unit tests and the fuzz
# replays run under.
run_unit() {
	$HONK_TEST_RUNNER "./$1" >"$tmp/out" 2>&1
	status=$?
	p=$(sum 's/^\[  PASSED  \] \([0-9][0-9]*\) test(s)\..*/\1/p')
	f=$(sum 's/^\[  FAILED  \] \([0-9][0-9]*\) test(s),.*/\1/p')
	if test "$status" -ne 0 && test "$f" -eq 0
	then
		echo "(exit status $status)" >>"$tmp/out"
		f=1
	elif ! grep -q '^\[  PASSED  \]' "$tmp/out" &&
		! grep -q '^\[  FAILED  \]' "$tmp/out"
	then
		echo "(no cmocka summary in the output)" >>"$tmp/out"
		f=1
	fi
	record "$1" "$p" "$f"
}

run_fuzz() {
	name=${1##*/}
	name=${name%-replay}
	corpus=testdata/fuzz/$name
	if test -d "$corpus"
	then
		$HONK_TEST_RUNNER "./$1" "$corpus" >"$tmp/out" 2>&1
	else
		# No corpus yet: the empty input still gets run.
		$HONK_TEST_RUNNER "./$1" >"$tmp/out" 2>&1
	fi
	status=$?
	if test "$status" -eq 0
	then
		record "$1" 1 0
	else
		echo "(exit status $status)" >>"$tmp/out"
		record "$1" 0 1
	fi
}

run_script() {
	sh "$1" >"$tmp/out" 2>&1
	status=$?
	p=$(grep -c '^ok [0-9]' "$tmp/out")
	f=$(grep -c '^not ok [0-9]' "$tmp/out")
	if test "$status" -ne 0 && test "$f" -eq 0
	then
		echo "(exit status $status)" >>"$tmp/out"
		f=1
	elif test "$p" -eq 0 && test "$f" -eq 0 &&
		why=$(sed -n 's/^1\.\.0 # SKIP //p' "$tmp/out") &&
		test -n "$why"
	then
		ran=$((ran + 1))
		printf 'SKIP %s (%s)\n' "$1" "$why"
		return
	fi
	record "$1" "$p" "$f"
}

run_item() {
	case "$1" in
	lib/*_test) run_unit "$1" ;;
	lib/*_fuzz-replay) run_fuzz "$1" ;;
	cmd/t*.sh) run_script "$1" ;;
	*)
		echo "run-tests: do not know how to run '$1'" >&2
		printf '%s\n' "unknown test item" >"$tmp/out"
		record "$1" 0 1
		;;
	esac
}

if test $# -gt 0
then
	for item
	do
		run_item "${item#./}"
	done
else
	for item in lib/*_test lib/*_fuzz-replay cmd/t[0-9]*.sh
	do
		test -f "$item" || continue
		run_item "$item"
	done
fi

if test -s "$tmp/failures"
then
	cat "$tmp/failures"
	echo
fi
if test "$ran" -eq 0
then
	echo "run-tests: no tests found (run 'make tests' first?)" >&2
fi
echo "$passed passed, $failed failed"
test "$failed" -eq 0 && test "$ran" -gt 0
