#!/bin/sh
test_description='hostile plans, state files and schema files: each is refused with its position and exit code, and nothing is written

Every case in testdata/hostile/plans/ and testdata/hostile/states/ is a
catalog repository: the base catalog of testdata/hostile/base/ and the
files of the group'"'"'s base/ and of the case, in up to three places:

  main/      files on main (the catalog, approved plans)
  proposal/  files of a proposal honk/propose/plays.user_plays.v3-v4 on
             top of main
  state/     files of honk/state
  gen        a script run in the directory holding those three, for inputs
             too large or too odd to keep
  cmd        the command to run in the repository
  code       the exit code it must give
  expect     lines its output (stdout and stderr) must hold, each whole

No case may crash, and none may change a ref: a corrupted state file in
particular is never overwritten. Hostile catalogs (honk.yaml, datasets,
consumers, schema files) are t1100 cases, read by lint.'
. "$(dirname "$0")/test-lib.sh"

HONK_NOW=2026-11-24
export HONK_NOW
hostile=$HONK_TOP/testdata/hostile

# overlay SRC DST: copy the directory SRC over DST when there is one.
overlay() {
	if test -d "$1"
	then
		mkdir -p "$2" && cp -R "$1/." "$2/"
	fi
}

# make_case GROUP CASE: the repository "case" for testdata/hostile/GROUP/CASE.
make_case() {
	g=$hostile/$1
	c=$g/$2
	rm -rf src case &&
	mkdir -p src/main src/proposal src/state &&
	overlay "$hostile/base" src/main &&
	for part in main proposal state
	do
		overlay "$g/base/$part" "src/$part" &&
		overlay "$c/$part" "src/$part" || return 1
	done &&
	if test -f "$c/gen"
	then
		(cd src && . "$c/gen") || return 1
	fi &&
	git init -q -b main case &&
	cp -R src/main/. case/ &&
	git -C case add -A &&
	git -C case commit -q -m "catalog" &&
	if test -n "$(ls -A src/proposal)"
	then
		git -C case checkout -q -b honk/propose/plays.user_plays.v3-v4 &&
		cp -R src/proposal/. case/ &&
		git -C case add -A &&
		git -C case commit -q -m "honk: propose plays.user_plays.v3-v4" &&
		git -C case checkout -q main || return 1
	fi &&
	if test -n "$(ls -A src/state)"
	then
		idx=$TRASH_DIRECTORY/state.index &&
		rm -f "$idx" &&
		GIT_INDEX_FILE=$idx git -C case --work-tree="$TRASH_DIRECTORY/src/state" add -A &&
		tree=$(GIT_INDEX_FILE=$idx git -C case write-tree) &&
		commit=$(git -C case commit-tree -m "honk: state" "$tree") &&
		git -C case update-ref refs/heads/honk/state "$commit" &&
		rm -f "$idx" || return 1
	fi
}

refs() {
	git -C case for-each-ref --format="%(refname) %(objectname)"
}

test_expect_success 'the bases are sound: the plan reads, the state reads' '
	make_case states base &&
	honk-status -C case show plays.user_plays.v3-v4 >out &&
	grep "^plays.user_plays.v3-v4  paused" out &&
	honk-status -C case >out &&
	grep "^plays.user_plays.v3-v4  paused" out
'

for group in plans states
do
	for dir in "$hostile/$group"/*/
	do
		name=$(basename "$dir")
		test -f "$dir/cmd" || continue
		test_expect_success "hostile $group: $name" '
			make_case $group "$name" &&
			refs >before &&
			set -- $(cat "$dir/cmd") &&
			cmd=$1 &&
			shift &&
			test_expect_code "$(cat "$dir/code")" \
				"$cmd" -C case "$@" >out 2>&1 &&
			cat out &&
			while IFS= read -r line
			do
				grep -Fx -e "$line" out || {
					echo "missing: $line"
					return 1
				}
			done <"$dir/expect" &&
			refs >after &&
			test_cmp before after
		'
	done
done

test_expect_success 'a runner leaves a corrupted state as it is and rolls the others out' '
	make_case states unknown-key &&
	git -C case rev-parse honk/state:state/plays.user_plays.v3-v4.yaml >before &&
	cat >>case/datasets/royalty/daily.yaml <<-\EOF &&
	  - version: 2
	    location: bq://royalty.daily_v2
	    schema:
	      - {name: user_id, type: string, required: true}
	      - {name: plays, type: int64}
	EOF
	printf "consumer: payouts\nreads: [{dataset: royalty.daily, version: 1}]\n" \
		>case/consumers/royalty/payouts.yaml &&
	sed "s|apply: .*|apply: [\"true\"]|" case/honk.yaml >tmp &&
	mv tmp case/honk.yaml &&
	git -C case add -A &&
	git -C case commit -q -m "royalty.daily v2" &&
	honk-detect -C case -q &&
	git -C case merge -q --no-ff -m approve honk/propose/royalty.daily.v1-v2 &&
	test_expect_code 3 honk-rollout -C case run >out 2>err &&
	cat out err &&
	grep "^honk-rollout: error: honk/state:state/plays.user_plays.v3-v4.yaml:7:1: unknown key .wav. in a migration.s state, did you mean .wave.?$" err &&
	grep "^honk-rollout: error: 1 migration could not be rolled out (see above)$" err &&
	grep "^completed  *royalty.daily.v1-v2" out &&
	git -C case show honk/state:state/royalty.daily.v1-v2.yaml >st &&
	grep "^phase: completed$" st &&
	git -C case rev-parse honk/state:state/plays.user_plays.v3-v4.yaml >after &&
	test_cmp before after &&
	git -C case log --format=%B honk/state >log &&
	! grep "Honk-Migration: plays.user_plays.v3-v4" log
'

test_expect_success 'the detection run does not propose a migration whose state cannot be read' '
	make_case states unknown-key &&
	git -C case rm -q migrations/plays.user_plays.v3-v4.yaml &&
	git -C case commit -q -m "the plan is not approved after all" &&
	git -C case rev-parse honk/state:state/plays.user_plays.v3-v4.yaml >before &&
	honk-detect -C case >out 2>err &&
	cat out err &&
	grep "^left-alone  *plays.user_plays.v3-v4: its state cannot be read (honk/state:state/plays.user_plays.v3-v4.yaml:7:1: unknown key .wav. in a migration.s state, did you mean .wave.?); honk-detect does not propose it until a person fixes it$" out &&
	test_must_fail git -C case rev-parse --verify -q honk/propose/plays.user_plays.v3-v4 &&
	git -C case rev-parse honk/state:state/plays.user_plays.v3-v4.yaml >after &&
	test_cmp before after
'

test_expect_success 'diff of hostile schema files, one per format: exit 3 with positions' '
	cp "$hostile/schema-avro-recursive/files/schemas/e.avsc" rec.avsc &&
	cp "$hostile/schema-jsonschema-recursive-ref/files/schemas/e.json" ref.json &&
	cp "$hostile/schema-bigquery-malformed/files/schemas/e.json" bq.json &&
	printf "{\"type\": \"record\", \"name\": \"x\", \"fields\": [{\"name\": \"a\", \"type\": \"long\"}]}\n" >ok.avsc &&
	test_expect_code 3 honk-detect diff ok.avsc rec.avsc >out 2>err &&
	grep "^rec.avsc:3:37: recursive type .node. cannot be mapped$" err &&
	grep "^honk-detect: error: rec.avsc has 1 error$" err &&
	test_expect_code 3 honk-detect diff ref.json ok.avsc >out 2>err &&
	grep "^ref.json:7:19: \$ref .#/definitions/a. is recursive or nested deeper than 32 (at loop)$" err &&
	grep "^honk-detect: error: ref.json has 2 errors$" err &&
	test_expect_code 3 honk-detect diff --format json ok.avsc bq.json >out 2>err &&
	grep "^bq.json:3:3: a RECORD needs its .fields.$" err &&
	grep "^honk-detect: error: bq.json has 3 errors$" err
'

test_done
