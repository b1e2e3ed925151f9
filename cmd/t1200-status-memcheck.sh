#!/bin/sh
test_description='honk-status under valgrind: no leak, no error (plain builds only)'
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
		test_expect_code 2 $memcheck "$HONK_BUILD_DIR/honk-status" --bogus 2>/dev/null
	'
fi

test_done
