#!/bin/sh
test_description='honk-status lint, datasets and consumers: sources, discovery, output'
. "$(dirname "$0")/test-lib.sh"

base="$HONK_TESTDATA/hostile/base"

test_expect_success 'setup: a catalog repository and a bare clone' '
	honk_catalog_repo cat "$base" &&
	git clone -q --bare cat cat.git
'

test_expect_success 'lint: a clean catalog exits 0 and prints nothing' '
	honk-status -C cat lint >out 2>err &&
	test ! -s out &&
	test ! -s err
'

test_expect_success 'lint works from a subdirectory of the worktree' '
	(cd cat/datasets/plays && honk-status lint)
'

test_expect_success 'lint works in a bare repository' '
	honk-status -C cat.git lint &&
	(cd cat.git && honk-status lint)
'

test_expect_success 'lint honours GIT_DIR from another directory' '
	mkdir elsewhere &&
	(cd elsewhere && GIT_DIR=../cat.git honk-status lint) &&
	(cd elsewhere && test_must_fail env GIT_DIR=../nope honk-status lint)
'

test_expect_success 'outside any repository: exit 3 with a message' '
	mkdir -p nowhere &&
	(cd nowhere && GIT_CEILING_DIRECTORIES="$TRASH_DIRECTORY" &&
	 export GIT_CEILING_DIRECTORIES &&
	 test_must_fail honk-status lint 2>../err) &&
	grep "^honk-status: error: " err
'

test_expect_success 'lint reads committed content, not the worktree' '
	echo "garbage: [" >cat/consumers/royalty/royalty-reports.yaml &&
	honk-status -C cat lint &&
	git -C cat checkout -q -- consumers
'

test_expect_success 'lint --index reads what is staged (pre-commit)' '
	printf "consumer: staged\nreads: [{dataset: plays.nope, version: 1}]\n" \
		>cat/consumers/staged.yaml &&
	honk-status -C cat lint &&
	git -C cat add consumers/staged.yaml &&
	test_expect_code 3 honk-status -C cat lint --index >out &&
	echo "consumers/staged.yaml:2:9: reads dataset '"'"'plays.nope'"'"', which is not in the catalog" >expect &&
	test_cmp expect out &&
	git -C cat reset -q &&
	rm cat/consumers/staged.yaml &&
	honk-status -C cat lint --index
'

test_expect_success 'lint --rev reads another revision; a bad rev is exit 3' '
	git -C cat checkout -q -b broken &&
	printf "consumer: royalty-reports\nreads: []\n" \
		>cat/consumers/royalty/royalty-reports.yaml &&
	git -C cat commit -q -am broken &&
	git -C cat checkout -q main &&
	honk-status -C cat lint &&
	test_expect_code 3 honk-status -C cat lint --rev broken >out &&
	grep "royalty-reports.yaml:2:8: expected a non-empty list of reads (at reads)" out &&
	test_expect_code 3 honk-status -C cat --rev no-such-rev lint 2>err &&
	grep "no-such-rev" err
'

test_expect_success 'lint --json: ok, source, files, errors' '
	honk-status -C cat lint --json >out.json &&
	jq -e ".ok == true and .files == 4 and (.errors | length) == 0" out.json &&
	test_expect_code 3 honk-status -C cat lint --rev broken --json >bad.json &&
	jq -e ".ok == false and .errors[0].path == \"consumers/royalty/royalty-reports.yaml\" and .errors[0].line == 2" bad.json
'

test_expect_success 'usage errors exit 2' '
	test_expect_code 2 honk-status lnit 2>err &&
	grep "^usage: honk-status" err &&
	test_expect_code 2 honk-status lnit 2>err &&
	grep "did you mean '"'"'lint'"'"'" err &&
	test_expect_code 2 honk-status lint --jsno 2>err &&
	grep "did you mean '"'"'--json'"'"'" err &&
	test_expect_code 2 honk-status lint --index --rev main &&
	test_expect_code 2 honk-status datasets --index &&
	test_expect_code 2 honk-status --color=sometimes lint
'

test_expect_success '--help and --version exit 0 on stdout' '
	honk-status --help >out && grep "^usage: honk-status" out &&
	honk-status --version >out && grep "^honk-status [0-9]" out
'

test_expect_success 'datasets: a table with versions, consumers, deprecation' '
	HONK_NOW=2026-11-24 honk-status -C cat datasets >out &&
	cat >expect <<-\EOT &&
	DATASET           OWNER          VERSIONS  CONSUMERS  DEPRECATED
	plays.user_plays  team-playback  3,4       1          v3 2026-12-31 (37 days left, 1 consumer)
	royalty.daily     team-royalty   1         0          -
	EOT
	test_cmp expect out
'

test_expect_success 'datasets --json' '
	HONK_NOW=2026-11-24 honk-status -C cat datasets --json >out.json &&
	jq -e "length == 2 and .[0].dataset == \"plays.user_plays\" and .[0].latest == 4 and .[0].versions[0].days_left == 37 and .[0].versions[0].consumers == 1" out.json
'

test_expect_success 'consumers: a table and --json' '
	honk-status -C cat consumers >out &&
	cat >expect <<-\EOT &&
	CONSUMER         OWNER         CRITICALITY  READS               PRODUCES
	royalty-reports  team-royalty  low          plays.user_plays@3  royalty.daily
	EOT
	test_cmp expect out &&
	honk-status -C cat consumers --json >out.json &&
	jq -e ".[0].consumer == \"royalty-reports\" and .[0].reads[0].fields == [\"user_id\",\"ts\"] and .[0].wave == null" out.json
'

test_expect_success 'views refuse an invalid catalog with exit 3' '
	test_expect_code 3 honk-status -C cat datasets --rev broken >out 2>err &&
	test ! -s out &&
	grep "see honk-status lint" err
'

test_expect_success 'a full stdout is an error, not success' '
	if test -w /dev/full; then
		test_expect_code 5 honk-status -C cat datasets >/dev/full 2>err &&
		grep "cannot write output" err
	fi
'

test_expect_success 'lint writes nothing to the repository' '
	git -C cat for-each-ref >refs.before &&
	find cat/.git -type f | sort >files.before &&
	honk-status -C cat lint && honk-status -C cat lint --index &&
	honk-status -C cat datasets >/dev/null &&
	find cat/.git -type f | sort >files.after &&
	git -C cat for-each-ref >refs.after &&
	test_cmp refs.before refs.after &&
	test_cmp files.before files.after
'

test_done
