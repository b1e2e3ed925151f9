#!/bin/sh
test_description='datasets whose versions live in Avro, JSON Schema and BigQuery files'
. "$(dirname "$0")/test-lib.sh"

schemas=$HONK_TESTDATA/schemas

test_expect_success 'setup: a catalog with external schema files' '
	mkdir -p src/datasets/plays src/schemas/plays src/schemas/royalty src/datasets/royalty src/consumers &&
	printf "honk: 1\n" >src/honk.yaml &&
	cp "$schemas/avro/plays-1.avsc" src/schemas/plays/1.avsc &&
	cp "$schemas/avro/plays-2.avsc" src/schemas/plays/2.avsc &&
	cp "$schemas/bigquery/daily-1.json" src/schemas/royalty/1.json &&
	cat >src/datasets/plays/user_plays.yaml <<-\EOF &&
	dataset: plays.user_plays
	versions:
	  - {version: 1, location: bq://a.plays_v1, schema_file: schemas/plays/1.avsc}
	  - {version: 2, location: bq://a.plays_v2, schema_file: schemas/plays/2.avsc}
	EOF
	cat >src/datasets/royalty/daily.yaml <<-\EOF &&
	dataset: royalty.daily
	versions:
	  - {version: 1, schema_file: schemas/royalty/1.json, schema_format: bigquery}
	EOF
	cat >src/consumers/reports.yaml <<-\EOF &&
	consumer: reports
	reads:
	  - {dataset: plays.user_plays, version: 1, fields: [user_id, ts, device.os]}
	  - {dataset: royalty.daily, version: 1, fields: [source.system]}
	EOF
	honk_catalog_repo cat src
'

test_expect_success 'lint reads the schema files from the commit' '
	honk-status -C cat lint &&
	honk-detect -C cat diff plays.user_plays 1 2 >out &&
	grep "^field-renamed  *ts  *-> played_at" out &&
	honk-detect -C cat impact plays.user_plays --json >im.json &&
	jq -e ".consumers[0].impact == \"breaking\" and .consumers[0].fields == [\"ts\"]" im.json
'

test_expect_success 'problems inside a schema file are reported at their position' '
	printf "{\"type\": \"record\", \"name\": \"p\", \"fields\": [{\"name\": \"a\", \"type\": \"decimal\"}]}\n" \
		>cat/schemas/plays/2.avsc &&
	git -C cat commit -q -am "bad schema" &&
	test_expect_code 3 honk-status -C cat lint >out &&
	grep "^schemas/plays/2.avsc:1:[0-9]*: unknown type .decimal." out
'

test_expect_success 'a missing schema file, or one outside the repository' '
	git -C cat rm -q schemas/plays/2.avsc &&
	git -C cat commit -q -m "lost it" &&
	test_expect_code 3 honk-status -C cat lint >out &&
	grep "^datasets/plays/user_plays.yaml:4:[0-9]*: schema file .schemas/plays/2.avsc. does not exist" out &&
	sed "s|schemas/royalty/1.json|../../etc/passwd|" cat/datasets/royalty/daily.yaml >tmp &&
	mv tmp cat/datasets/royalty/daily.yaml &&
	git -C cat commit -q -am "escape" &&
	test_expect_code 3 honk-status -C cat lint >out &&
	grep "must be a relative path inside the repository" out
'

test_expect_success 'a schema file that is a symbolic link is refused' '
	git -C cat reset -q --hard HEAD~2 &&
	ln -sf /etc/passwd cat/schemas/plays/link.avsc &&
	sed "s|schemas/plays/2.avsc|schemas/plays/link.avsc|" cat/datasets/plays/user_plays.yaml >tmp &&
	mv tmp cat/datasets/plays/user_plays.yaml &&
	git -C cat add -A && git -C cat commit -q -m link &&
	test_expect_code 3 honk-status -C cat lint >out &&
	grep "schemas/plays/link.avsc" out
'

test_done
