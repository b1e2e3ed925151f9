# Library for honk's end-to-end tests, in the style of git's t/test-lib.sh.
#
# A test script cmd/tNNNN-name.sh looks like:
#
#	#!/bin/sh
#	test_description='what this script covers'
#	. "$(dirname "$0")/test-lib.sh"
#
#	test_expect_success 'lint accepts a clean catalog' '
#		honk_catalog_repo cat "$HONK_TESTDATA/catalogs/minimal" &&
#		honk-status -C cat lint
#	'
#
#	test_done
#
# Sourcing this file pins the environment (HOME, TZ, LC_ALL, git identity and
# dates, no system or global git config, no inherited GIT_* or HONK_*
# variables), puts the honk binaries first on PATH and changes into a fresh
# trash directory, testdata/trash.<script-name>, which is removed when every
# test passed and kept otherwise.
#
# Each test body is eval'd in the test script's own shell, so variables set
# in one test are seen by the next; the working directory is reset to the
# trash directory before every test. Chain the commands of a body with &&.
#
# A script that cannot run here (a tool it needs is missing) calls
# test_skip_all 'reason' before its first test. What a script starts and
# must stop, a server say, it hands to test_atexit, which runs it however
# the script ends.
#
# Options (after the script name): -v/--verbose shows each test's output,
# -i/--immediate stops at the first failure, -d/--debug keeps the trash
# directory. The same through the environment: HONK_TEST_VERBOSE=1,
# HONK_TEST_IMMEDIATE=1, HONK_TEST_DEBUG=1.
#
# Variables for the tests: HONK_TOP (the source tree), HONK_BUILD_DIR (where
# the binaries are), HONK_TESTDATA ($HONK_TOP/testdata), TRASH_DIRECTORY.

# Where we are: the script that sourced us lives in cmd/.
case "$0" in
*/*) TEST_DIRECTORY=${0%/*} ;;
*) TEST_DIRECTORY=. ;;
esac
TEST_DIRECTORY=$(cd "$TEST_DIRECTORY" && pwd -P) || exit 1
HONK_TOP=$(cd "$TEST_DIRECTORY/.." && pwd -P) || exit 1
HONK_BUILD_DIR=${HONK_BUILD_DIR:-$HONK_TOP}
HONK_BUILD_DIR=$(cd "$HONK_BUILD_DIR" && pwd -P) || {
	echo "error: HONK_BUILD_DIR '$HONK_BUILD_DIR' is not a directory" >&2
	exit 1
}
HONK_TESTDATA=$HONK_TOP/testdata
export HONK_TOP HONK_BUILD_DIR HONK_TESTDATA

test_name=${0##*/}
test_name=${test_name%.sh}

# Options.
test_verbose=${HONK_TEST_VERBOSE:-}
test_immediate=${HONK_TEST_IMMEDIATE:-}
test_debug=${HONK_TEST_DEBUG:-}
for test_arg
do
	case "$test_arg" in
	-v | --verbose) test_verbose=1 ;;
	-i | --immediate) test_immediate=1 ;;
	-d | --debug) test_debug=1 ;;
	-h | --help)
		echo "usage: $0 [-v|--verbose] [-i|--immediate] [-d|--debug]"
		test -n "${test_description:-}" && printf '\n%s\n' "$test_description"
		exit 0
		;;
	*)
		echo "error: unknown option '$test_arg'" >&2
		exit 2
		;;
	esac
done
unset test_arg

# A clean environment: nothing the caller set may leak into a test.
for test_var in $(env | sed -n 's/^\(GIT_[A-Za-z0-9_]*\)=.*/\1/p;
		s/^\(HONK_[A-Za-z0-9_]*\)=.*/\1/p')
do
	case "$test_var" in
	HONK_TOP | HONK_BUILD_DIR | HONK_TESTDATA | HONK_TEST_*) ;;
	*) unset "$test_var" ;;
	esac
done
unset test_var
unset XDG_CONFIG_HOME XDG_CACHE_HOME EDITOR VISUAL PAGER NO_COLOR \
	CDPATH EMAIL
LC_ALL=C
LANG=C
TZ=UTC
TERM=dumb
export LC_ALL LANG TZ TERM

GIT_CONFIG_NOSYSTEM=1
GIT_AUTHOR_NAME='A U Thor'
GIT_AUTHOR_EMAIL='author@example.com'
GIT_COMMITTER_NAME='C O Mitter'
GIT_COMMITTER_EMAIL='committer@example.com'
GIT_AUTHOR_DATE='2026-01-01T00:00:00Z'
GIT_COMMITTER_DATE='2026-01-01T00:00:00Z'
GIT_PAGER='cat'
export GIT_CONFIG_NOSYSTEM GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL \
	GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL GIT_AUTHOR_DATE \
	GIT_COMMITTER_DATE GIT_PAGER

# Sanitizer reports abort, so test_must_fail tells a crash from a failure.
ASAN_OPTIONS="abort_on_error=1:fast_unwind_on_malloc=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
LSAN_OPTIONS="suppressions=${HONK_TOP:-$(pwd)}/testdata/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS

# HONK_TEST_WRAP (make memcheck): a directory of wrappers that run each
# honk binary under valgrind, found first.
PATH=${HONK_TEST_WRAP:+$HONK_TEST_WRAP:}$HONK_BUILD_DIR:$PATH
export PATH

# The trash directory. It sits inside the source tree, so repository
# discovery (git's and honk's) must stop before reaching the source tree's
# own repository.
TRASH_DIRECTORY=$HONK_TESTDATA/trash.$test_name
GIT_CEILING_DIRECTORIES=$HONK_TESTDATA
HOME=$TRASH_DIRECTORY
export TRASH_DIRECTORY GIT_CEILING_DIRECTORIES HOME

rm -rf "$TRASH_DIRECTORY" || {
	echo "error: cannot remove old $TRASH_DIRECTORY" >&2
	exit 1
}
mkdir -p "$TRASH_DIRECTORY" && cd "$TRASH_DIRECTORY" || {
	echo "error: cannot create $TRASH_DIRECTORY" >&2
	exit 1
}
# No ~/.gitconfig beyond what the tests need.
git config --global init.defaultBranch main || exit 1

test_count=0
test_success=0
test_failure=0
test_finished=
test_current_=

test_tick_time=1767225600

# Advance the author and committer dates by one minute, for scripts that
# need commits with distinct, still deterministic, times.
test_tick() {
	test_tick_time=$((test_tick_time + 60))
	GIT_AUTHOR_DATE="@$test_tick_time +0000"
	GIT_COMMITTER_DATE="@$test_tick_time +0000"
	export GIT_AUTHOR_DATE GIT_COMMITTER_DATE
}

test_atexit_cmds_=

# test_atexit 'commands': eval the commands when the script ends, at
# test_done or at any exit before it (a test that exits, an error, a
# signal); the last given runs first. Their output shows only with -v.
test_atexit() {
	test_atexit_cmds_="$1
$test_atexit_cmds_"
}

test_atexit_run_() {
	test -n "$test_atexit_cmds_" || return 0
	test_atexit_todo_=$test_atexit_cmds_
	test_atexit_cmds_=
	if test -n "$test_verbose"
	then
		(cd "$TRASH_DIRECTORY" 2>/dev/null; eval "$test_atexit_todo_") </dev/null
	else
		(cd "$TRASH_DIRECTORY" 2>/dev/null; eval "$test_atexit_todo_") </dev/null >/dev/null 2>&1
	fi
	return 0
}

test_at_exit_() {
	test_exit_code_=$?
	test_atexit_run_
	if test -z "$test_finished"
	then
		if test -n "$test_current_"
		then
			echo "not ok $test_count - $test_current_"
			echo "# the test exited the script with code $test_exit_code_"
			if test -s "$TRASH_DIRECTORY/.test-output"
			then
				echo "# output:"
				sed 's/^/# /' "$TRASH_DIRECTORY/.test-output"
			fi
		else
			test_count=$((test_count + 1))
			echo "not ok $test_count - $test_name exited with code $test_exit_code_ before test_done"
		fi
		echo "# trash directory kept: $TRASH_DIRECTORY"
		exit 1
	fi
}
trap 'test_at_exit_' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 141' PIPE
trap 'exit 143' TERM

test_run_() {
	cd "$TRASH_DIRECTORY" || return 1
	if test -n "$test_verbose"
	then
		eval "$1" </dev/null
	else
		{ eval "$1"; } </dev/null >"$TRASH_DIRECTORY/.test-output" 2>&1
	fi
}

# test_expect_success 'description' 'body'
test_expect_success() {
	if test $# -ne 2
	then
		echo "error: test_expect_success needs 2 arguments" >&2
		exit 2
	fi
	test_count=$((test_count + 1))
	test_current_=$1
	test_run_ "$2"
	test_status_=$?
	test_current_=
	cd "$TRASH_DIRECTORY" || exit 1
	if test $test_status_ -eq 0
	then
		test_success=$((test_success + 1))
		echo "ok $test_count - $1"
	else
		test_failure=$((test_failure + 1))
		echo "not ok $test_count - $1"
		printf '%s\n' "$2" | sed 's/^/#	/'
		if test -z "$test_verbose" && test -s .test-output
		then
			echo "# output:"
			sed 's/^/# /' .test-output
		fi
		if test -n "$test_immediate"
		then
			test_done
		fi
	fi
	rm -f "$TRASH_DIRECTORY/.test-output"
	return 0
}

# test_must_fail cmd [args...]: cmd must exit non-zero, but not because it
# was not found or was killed by a signal (a crash is never the expected
# failure).
test_must_fail() {
	"$@"
	test_status_=$?
	if test $test_status_ -eq 0
	then
		echo "test_must_fail: command succeeded: $*" >&2
		return 1
	elif test $test_status_ -gt 128
	then
		echo "test_must_fail: died by signal $((test_status_ - 128)): $*" >&2
		return 1
	elif test $test_status_ -eq 127 || test $test_status_ -eq 126
	then
		echo "test_must_fail: command not found or not executable: $*" >&2
		return 1
	fi
	return 0
}

# test_expect_code N cmd [args...]: cmd must exit with exactly N.
test_expect_code() {
	test_want_=$1
	shift
	"$@"
	test_status_=$?
	if test $test_status_ -ne "$test_want_"
	then
		echo "test_expect_code: want exit code $test_want_, got $test_status_: $*" >&2
		return 1
	fi
	return 0
}

# test_cmp expected actual
test_cmp() {
	diff -u "$@"
}

test_path_is_file() {
	test -f "$1" || {
		echo "file $1 does not exist" >&2
		return 1
	}
}

test_path_is_dir() {
	test -d "$1" || {
		echo "directory $1 does not exist" >&2
		return 1
	}
}

test_path_is_missing() {
	test ! -e "$1" || {
		echo "path $1 exists" >&2
		return 1
	}
}

# test_line_count OP N FILE, e.g. test_line_count = 3 out
# test_must_be_empty FILE: FILE exists and is empty
test_must_be_empty() {
	if ! test -f "$1"
	then
		echo "test_must_be_empty: '$1' does not exist"
		return 1
	fi
	if test -s "$1"
	then
		echo "test_must_be_empty: '$1' is not empty:"
		cat "$1"
		return 1
	fi
}

test_line_count() {
	test_lines_=$(wc -l <"$3") &&
	test "$test_lines_" "$1" "$2" || {
		echo "test_line_count: $3 has $test_lines_ lines, want $1 $2" >&2
		return 1
	}
}

# honk_catalog_repo DIR SRC [MESSAGE]: a repository DIR on branch main whose
# one commit holds the content of the directory SRC.
honk_catalog_repo() {
	git init -q -b main "$1" &&
	cp -R "$2/." "$1/" &&
	git -C "$1" add -A &&
	git -C "$1" commit -q --allow-empty -m "${3:-catalog}"
}

# test_skip_all 'reason': run no test, say why ("1..0 # SKIP reason", the
# TAP plan of a skipped script) and pass. Only before the first test.
test_skip_all() {
	if test "$test_count" -ne 0
	then
		echo "error: test_skip_all after $test_count tests" >&2
		exit 2
	fi
	test_finished=1
	test_atexit_run_
	echo "1..0 # SKIP $1"
	cd "$HONK_TOP" || exit 1
	rm -rf "$TRASH_DIRECTORY"
	exit 0
}

test_done() {
	test_atexit_run_
	test_finished=1
	echo "1..$test_count"
	echo "# passed $test_success, failed $test_failure"
	if test $test_failure -ne 0
	then
		echo "# trash directory kept: $TRASH_DIRECTORY"
		exit 1
	fi
	cd "$HONK_TOP" || exit 1
	if test -z "$test_debug"
	then
		rm -rf "$TRASH_DIRECTORY"
	fi
	exit 0
}
