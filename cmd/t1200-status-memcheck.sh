#!/bin/sh
test_description='honk-status, honk-detect and honk-gen under valgrind: no leak, no error (plain builds only)'
. "$(dirname "$0")/test-lib.sh"

# ASan and valgrind do not mix; the sanitizer run checks leaks itself.
if grep -q fsanitize "$HONK_BUILD_DIR/BUILD-FLAGS" 2>/dev/null; then
	echo "# sanitizer build: leaks are checked by LeakSanitizer instead"
	memcheck=
elif command -v valgrind >/dev/null 2>&1; then
	memcheck="valgrind -q --leak-check=full --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99"
else
	echo "valgrind is required for this test (apt-get install valgrind)" >&2
	exit 1
fi

test_expect_success 'setup' '
	honk_catalog_repo cat "$HONK_TESTDATA/demo/catalog" &&
	mkdir -p bad &&
	cp -R "$HONK_TESTDATA/hostile/base/." bad/ &&
	cp -R "$HONK_TESTDATA/hostile/produces-cycle/files/." bad/ &&
	cp -R "$HONK_TESTDATA/hostile/unknown-key-suggest/files/." bad/ &&
	honk_catalog_repo badcat bad
'

if test -n "$memcheck"; then
	test_expect_success 'lint, datasets, consumers on the demo catalog' '
		$memcheck "$HONK_BUILD_DIR/honk-status" -C cat lint &&
		$memcheck "$HONK_BUILD_DIR/honk-status" -C cat datasets --json >/dev/null &&
		$memcheck "$HONK_BUILD_DIR/honk-status" -C cat consumers >/dev/null
	'

	test_expect_success 'lint on a catalog with errors exits 3 with no leak' '
		test_expect_code 3 $memcheck "$HONK_BUILD_DIR/honk-status" -C badcat lint >out &&
		test_line_count = 2 out
	'

	test_expect_success 'usage errors free what they took' '
		test_expect_code 2 $memcheck "$HONK_BUILD_DIR/honk-status" --bogus 2>/dev/null &&
		test_expect_code 2 $memcheck "$HONK_BUILD_DIR/honk-detect" --dataset a --dataset b diff 2>/dev/null
	'

	# (scan --pattern is left out: valgrind cannot follow PCRE2 JIT code and
	# reports its reads as uninitialised; the sanitizer run covers it)
	test_expect_success 'honk-detect: diff, impact, check, scan and the run' '
		$memcheck "$HONK_BUILD_DIR/honk-detect" -C cat diff plays.user_plays 3 4 >/dev/null &&
		test_expect_code 1 $memcheck "$HONK_BUILD_DIR/honk-detect" diff \
			"$HONK_TESTDATA/schemas/avro/plays-2.avsc" "$HONK_TESTDATA/schemas/avro/plays-3.avsc" >/dev/null &&
		$memcheck "$HONK_BUILD_DIR/honk-detect" diff \
			"$HONK_TESTDATA/schemas/bigquery/daily-1.json" "$HONK_TESTDATA/schemas/bigquery/daily-2.json" >/dev/null &&
		$memcheck "$HONK_BUILD_DIR/honk-detect" -C cat impact plays.user_plays --json >/dev/null &&
		$memcheck "$HONK_BUILD_DIR/honk-detect" -C cat check >/dev/null &&
		$memcheck "$HONK_BUILD_DIR/honk-detect" -C cat scan "$HONK_TESTDATA/demo/repos" >/dev/null 2>&1 &&
		$memcheck "$HONK_BUILD_DIR/honk-detect" -C cat -q >/dev/null &&
		$memcheck "$HONK_BUILD_DIR/honk-detect" -C cat -q >/dev/null
	'

	test_expect_success 'honk-detect: an incremental run through the catalog index' '
		printf "# reviewed\n" >>cat/consumers/royalty/royalty-reports.yaml &&
		git -C cat commit -q -am "a note" &&
		$memcheck "$HONK_BUILD_DIR/honk-detect" -C cat >out &&
		grep "^incremental" out
	'

	# word renames only: other rules run PCRE2 JIT code (see above)
	test_expect_success 'honk-gen rewrite, its patch, --write and bad rules' '
		mkdir -p tree/sql && printf "SELECT ts FROM t\n" >tree/sql/a.sql &&
		cat >r.yaml <<-\EOF &&
		rules:
		  - {pattern: '\''\bts\b'\'', replace: played_at}
		EOF
		$memcheck "$HONK_BUILD_DIR/honk-gen" rewrite --rules r.yaml tree >patch &&
		grep "^+SELECT played_at FROM t$" patch &&
		$memcheck "$HONK_BUILD_DIR/honk-gen" --json -q rewrite --rules r.yaml --write tree >/dev/null &&
		grep "^SELECT played_at FROM t$" tree/sql/a.sql &&
		printf "rules:\n  - {pattern: \"(\", replace: x, fils: []}\n" >bad.yaml &&
		test_expect_code 3 $memcheck "$HONK_BUILD_DIR/honk-gen" rewrite --rules bad.yaml tree 2>/dev/null
	'
fi

test_done
