#!/bin/sh
# honk-status lint on hostile catalogs: every case in testdata/hostile/
# exits 3, prints exactly its expected diagnostics, does not crash and
# writes nothing to the repository.

. "$(dirname "$0")/test-lib.sh"

hostile="$HONK_TOP/testdata/hostile"

# Build the repository for one case: the base catalog, the case's files
# over it, then its gen script (for inputs too large or too odd to keep).
make_case() {
	rm -rf "case" &&
	mkdir "case" &&
	cp -R "$hostile/base/." "case/" &&
	if test -d "$hostile/$1/files"; then
		cp -R "$hostile/$1/files/." "case/"
	fi &&
	if test -f "$hostile/$1/gen"; then
		(cd "case" && . "$hostile/$1/gen")
	fi &&
	git -C "case" init -q -b main &&
	git -C "case" add -A &&
	git -C "case" commit -q -m "case $1"
}

repo_state() {
	git -C "case" for-each-ref --format='%(refname) %(objectname)' &&
	git -C "case" count-objects -v | grep -v '^size' &&
	git -C "case" status --porcelain
}

test_expect_success 'the base catalog is clean' '
	make_case base &&
	honk-status -C case lint >out 2>err &&
	test ! -s out
'

for dir in "$hostile"/*/; do
	name=$(basename "$dir")
	# base is the catalog every case starts from; groups of cases for
	# other file types (plans/, states/) belong to t1110
	test "$name" = base && continue
	test -f "$dir/expect" || continue
	test_expect_success "hostile: $name" '
		make_case "$name" &&
		repo_state >before &&
		test_expect_code 3 honk-status -C case lint >actual 2>err &&
		test_cmp "$hostile/$name/expect" actual &&
		grep "^honk-status: [0-9]* errors* in the catalog" err &&
		repo_state >after &&
		test_cmp before after
	'
done

test_expect_success 'hostile: --json reports the same errors' '
	make_case duplicate-key &&
	test_expect_code 3 honk-status -C case lint --json >out.json &&
	grep "\"ok\":false" out.json &&
	grep "duplicate key" out.json
'

test_done
