#!/bin/sh
test_description='the test harness itself'
. "$(dirname "$0")/test-lib.sh"

test_expect_success 'the environment is pinned' '
	test "$HOME" = "$TRASH_DIRECTORY" &&
	test "$TZ" = UTC &&
	test "$LC_ALL" = C &&
	test "$GIT_CONFIG_NOSYSTEM" = 1 &&
	test -z "${GIT_DIR+set}" &&
	test "$(pwd -P)" = "$TRASH_DIRECTORY"
'

test_expect_success 'the trash directory is outside any repository' '
	test_must_fail git rev-parse --git-dir 2>err
'

test_expect_success 'test_must_fail accepts a failing command' '
	test_must_fail false
'

test_expect_success 'test_must_fail rejects success, crashes and typos' '
	! test_must_fail true 2>err &&
	grep "command succeeded" err &&
	! test_must_fail sh -c "kill -SEGV \$\$" 2>err &&
	grep "died by signal" err &&
	! test_must_fail no-such-command-honk 2>err &&
	grep "not found" err
'

test_expect_success 'test_expect_code checks the exact code' '
	test_expect_code 0 true &&
	test_expect_code 1 false &&
	test_expect_code 3 sh -c "exit 3" &&
	! test_expect_code 2 sh -c "exit 3" 2>err &&
	grep "want exit code 2, got 3" err
'

test_expect_success 'test_cmp compares files' '
	printf "a\nb\n" >expect &&
	printf "a\nb\n" >actual &&
	test_cmp expect actual &&
	printf "a\nc\n" >actual &&
	! test_cmp expect actual >diff &&
	grep "^-b" diff &&
	grep "^+c" diff
'

test_expect_success 'variables set in one test reach the next' '
	harness_value=42
'

test_expect_success 'and the directory is reset' '
	test "$harness_value" = 42 &&
	mkdir sub &&
	cd sub
'

test_expect_success 'honk_catalog_repo commits a directory on main' '
	mkdir -p src/datasets/plays &&
	echo "honk: 1" >src/honk.yaml &&
	echo "dataset: plays.user_plays" >src/datasets/plays/user_plays.yaml &&
	honk_catalog_repo cat src &&
	test "$(git -C cat symbolic-ref HEAD)" = refs/heads/main &&
	git -C cat ls-tree -r --name-only main >actual &&
	printf "%s\n" datasets/plays/user_plays.yaml honk.yaml >expect &&
	test_cmp expect actual &&
	git -C cat log -1 --format="%an <%ae> %ad" --date=iso-strict >actual &&
	echo "A U Thor <author@example.com> 2026-01-01T00:00:00+00:00" >expect &&
	test_cmp expect actual
'

test_expect_success 'test_tick moves the dates forward' '
	test_tick &&
	git -C cat commit -q --allow-empty -m second &&
	git -C cat log -1 --format=%cd --date=iso-strict >actual &&
	echo 2026-01-01T00:01:00+00:00 >expect &&
	test_cmp expect actual
'

test_expect_success 'the binaries come first on PATH (after the memcheck wrappers)' '
	first=${PATH%%:*} &&
	if test -n "${HONK_TEST_WRAP:-}"
	then
		test "$first" = "$HONK_TEST_WRAP" &&
		rest=${PATH#*:} &&
		first=${rest%%:*}
	fi &&
	test "$first" = "$HONK_BUILD_DIR"
'

# sub_script NAME <BODY: sub/cmd/NAME.sh, a script in a tree of its own
# (copies of test-lib.sh and run-tests.sh) whose tests are BODY.
sub_script() {
	mkdir -p sub/cmd sub/testdata &&
	cp "$HONK_TOP/cmd/test-lib.sh" "$HONK_TOP/cmd/run-tests.sh" sub/cmd/ &&
	{
		echo "test_description=\"a script inside the harness test\"" &&
		echo ". \"\$(dirname \"\$0\")/test-lib.sh\"" &&
		cat
	} >"sub/cmd/$1.sh"
}

test_expect_success 'test_skip_all passes with no test and says why' '
	sub_script t9000-skip <<-\EOF &&
	test_skip_all "no frobnicator here"
	test_expect_success never false
	test_done
	EOF
	(cd sub && sh cmd/t9000-skip.sh) >out 2>&1 &&
	echo "1..0 # SKIP no frobnicator here" >expect &&
	test_cmp expect out &&
	test_path_is_missing sub/testdata/trash.t9000-skip &&
	(cd sub && sh cmd/run-tests.sh cmd/t9000-skip.sh) >out &&
	printf "%s\n" "SKIP cmd/t9000-skip.sh (no frobnicator here)" \
		"0 passed, 0 failed" >expect &&
	test_cmp expect out
'

test_expect_success 'test_atexit runs at test_done, the last given first' '
	sub_script t9001-atexit <<-EOF &&
	test_atexit "echo first >>\"$TRASH_DIRECTORY/ran\""
	test_atexit "echo second >>\"$TRASH_DIRECTORY/ran\""
	test_expect_success one true
	test_done
	EOF
	(cd sub && sh cmd/t9001-atexit.sh) >out 2>&1 &&
	printf "%s\n" second first >expect &&
	test_cmp expect ran
'

test_expect_success 'test_atexit runs when a test exits the script' '
	sub_script t9002-atexit <<-EOF &&
	test_atexit "echo cleaned >>\"$TRASH_DIRECTORY/ran2\""
	test_expect_success "one that exits" "exit 7"
	test_done
	EOF
	test_expect_code 1 sh -c "cd sub && sh cmd/t9002-atexit.sh" >out 2>&1 &&
	grep "^not ok 1 - one that exits" out &&
	echo cleaned >expect &&
	test_cmp expect ran2
'

test_done
