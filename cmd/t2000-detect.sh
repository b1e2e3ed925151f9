#!/bin/sh
test_description='honk-detect diff, impact and check (the hook gate)'
. "$(dirname "$0")/test-lib.sh"

schemas=$HONK_TESTDATA/schemas

test_expect_success 'diff: a compatible Avro pair exits 0' '
	honk-detect diff "$schemas/avro/plays-1.avsc" "$schemas/avro/plays-2.avsc" >out &&
	grep "^field-renamed  *ts  *-> played_at  *backward: yes forward: no" out &&
	grep "^type-widened  *ms_played  *int32 -> int64" out &&
	grep "^verdict: compatible under backward (5 changes)" out
'

test_expect_success 'diff: a breaking Avro pair exits 1 and says why' '
	test_expect_code 1 honk-detect diff "$schemas/avro/plays-2.avsc" "$schemas/avro/plays-3.avsc" >out &&
	grep "^enum-symbol-removed  *kind  *podcast .*breaking$" out &&
	grep "^required-added  *device .*breaking$" out &&
	grep "^verdict: breaking under backward (5 of 6 changes)" out
'

test_expect_success 'diff: the verdict follows the policy' '
	honk-detect diff --policy forward "$schemas/avro/plays-2.avsc" "$schemas/avro/plays-3.avsc" >out &&
	grep "^verdict: compatible under forward" out &&
	test_expect_code 1 honk-detect diff --policy full "$schemas/avro/plays-1.avsc" "$schemas/avro/plays-2.avsc" &&
	honk-detect diff --policy none "$schemas/avro/plays-2.avsc" "$schemas/avro/plays-3.avsc" &&
	test_expect_code 2 honk-detect diff --policy sideways "$schemas/avro/plays-1.avsc" "$schemas/avro/plays-2.avsc"
'

test_expect_success 'diff: BigQuery pairs, compatible and breaking' '
	honk-detect diff "$schemas/bigquery/daily-1.json" "$schemas/bigquery/daily-2.json" >out &&
	grep "^field-added  *source.loaded_at  *optional" out &&
	test_expect_code 1 honk-detect diff "$schemas/bigquery/daily-2.json" "$schemas/bigquery/daily-3.json" >out &&
	grep "^required-added  *source.system .*breaking$" out
'

test_expect_success 'diff --json is a stable document' '
	test_expect_code 1 honk-detect diff --json "$schemas/avro/plays-2.avsc" "$schemas/avro/plays-3.avsc" >out.json &&
	jq -e ".verdict == \"breaking\" and .policy == \"backward\" and (.changes | length) == 6" out.json &&
	jq -e ".changes[] | select(.change == \"type-narrowed\") | .path == \"ms_played\" and .from_type == \"int64\" and .breaking" out.json &&
	honk-detect diff --format json "$schemas/avro/plays-1.avsc" "$schemas/avro/plays-2.avsc" | jq -e ".verdict == \"compatible\""
'

test_expect_success 'diff: unmappable schemas are exit 3 with a position' '
	printf "{\"type\": \"record\", \"name\": \"x\", \"fields\": [{\"name\": \"a\", \"type\": [\"int\", \"string\"]}]}\n" >union.avsc &&
	test_expect_code 3 honk-detect diff union.avsc "$schemas/avro/plays-1.avsc" 2>err &&
	grep "^union.avsc:1:[0-9]*: a union of several non-null types cannot be mapped" err &&
	printf "[{\"name\": \"g\", \"type\": \"GEOGRAPHY\"}]\n" >geo.json &&
	test_expect_code 3 honk-detect diff geo.json "$schemas/bigquery/daily-1.json" 2>err &&
	grep "^geo.json:1:[0-9]*: BigQuery type .GEOGRAPHY. cannot be mapped" err &&
	test_expect_code 3 honk-detect diff missing.avsc "$schemas/avro/plays-1.avsc" &&
	test_expect_code 2 honk-detect diff only-one.avsc
'

test_expect_success 'setup: the demo catalog' '
	honk_catalog_repo cat "$HONK_TESTDATA/demo/catalog"
'

test_expect_success 'diff DATASET FROM TO uses the dataset policy and locations' '
	honk-detect -C cat diff plays.user_plays 3 4 >out &&
	grep "^location-changed" out &&
	grep "^verdict: compatible under backward (4 changes)" out &&
	test_expect_code 1 honk-detect -C cat diff --policy forward plays.user_plays 3 4 &&
	test_expect_code 3 honk-detect -C cat diff plays.user_plays 3 9 2>err &&
	grep "has no version 9" err &&
	test_expect_code 3 honk-detect -C cat diff plays.nope 1 2
'

test_expect_success 'impact: direct consumers with the fields that break, then transitive' '
	honk-detect -C cat impact plays.user_plays >out &&
	cat >expect <<-\EOT &&
	CONSUMER                 IMPACT     READS                  WHY
	charts                   breaking   plays.user_plays@3     fields kind, ts
	retention-model          breaking   plays.user_plays@2     fields ms_played, ts
	royalty-reports          breaking   plays.user_plays@3     fields ts
	charts-api               transitive charts.top_tracks@1    via charts.top_tracks (depth 2)
	charts-newsletter        transitive charts.top_tracks@2    via charts.top_tracks (depth 2)
	payout-engine            transitive royalty.daily@1        via royalty.daily (depth 2)
	royalty-dashboard        transitive royalty.daily@1        via royalty.daily (depth 2)
	statements-mailer        transitive royalty.payouts@1      via royalty.payouts (depth 3)
	EOT
	test_cmp expect out
'

test_expect_success 'impact: a version, a depth bound, relocate-only consumers, --json' '
	honk-detect -C cat impact plays.user_plays@3 --depth 1 --json >out.json &&
	jq -e "[.consumers[].consumer] == [\"charts\", \"royalty-reports\"]" out.json &&
	honk-detect -C cat impact users.profiles --json >profiles.json &&
	jq -e "[.consumers[] | [.consumer, .impact]] == [[\"onboarding-funnel\", \"relocate\"], [\"statements-mailer\", \"relocate\"]]" profiles.json &&
	honk-detect -C cat impact plays.skips --json >skips.json &&
	jq -e ".consumers[0].consumer == \"charts\" and .consumers[0].impact == \"breaking\" and .consumers[0].reads == null" skips.json &&
	test_expect_code 2 honk-detect -C cat impact plays.user_plays@x
'

# A catalog repository to push to, guarded by the gate.
test_expect_success 'setup: a bare catalog with check --pre-receive as its hook' '
	git clone -q --bare cat server.git &&
	cat >server.git/hooks/pre-receive <<-EOF &&
	#!/bin/sh
	exec "$HONK_BUILD_DIR/honk-detect" check --pre-receive
	EOF
	chmod +x server.git/hooks/pre-receive &&
	git clone -q server.git work
'

test_expect_success 'check REV and OLD..NEW on a compatible new version' '
	cat >>work/datasets/plays/skips.yaml <<-\EOF &&
	  - version: 3
	    location: bq://analytics.skips_v3
	    schema:
	      - {name: user_id, type: string, required: true}
	      - {name: track_id, type: string, required: true}
	      - {name: skipped_at_ms, type: int64}
	      - {name: reason, type: enum, symbols: [user, autoplay, error, offline], default: user}
	EOF
	git -C work commit -q -am "skips v3" &&
	honk-detect -C work check &&
	honk-detect -C work check HEAD~1..HEAD &&
	git -C work push -q origin main
'

test_expect_success 'the pre-receive gate rejects a breaking new version; the pusher sees why' '
	cat >>work/datasets/plays/skips.yaml <<-\EOF &&
	  - version: 4
	    location: bq://analytics.skips_v4
	    schema:
	      - {name: user_id, type: string, required: true}
	      - {name: track_id, type: string, required: true}
	      - {name: skipped_at_ms, type: int32}
	EOF
	git -C work commit -q -am "skips v4" &&
	test_expect_code 1 honk-detect -C work check >out &&
	grep "^datasets/plays/skips.yaml:[0-9]*:5: new version 4 of plays.skips breaks version 3 under backward: type-narrowed skipped_at_ms" out &&
	test_must_fail git -C work push origin main 2>err &&
	grep "remote: datasets/plays/skips.yaml:[0-9]*:5: new version 4 of plays.skips breaks version 3" err &&
	git -C work reset -q --hard HEAD~1
'

test_expect_success 'the pre-receive gate rejects a released version edited in place' '
	sed "s/skipped_at_ms, type: int32}/skipped_at_ms, type: int64}/" \
		work/datasets/plays/skips.yaml >tmp && mv tmp work/datasets/plays/skips.yaml &&
	git -C work commit -q -am "edit v1 in place" &&
	test_must_fail git -C work push origin main 2>err &&
	grep "remote: datasets/plays/skips.yaml:[0-9]*:5: version 1 of plays.skips is released and was edited in place: type-widened skipped_at_ms" err &&
	git -C work reset -q --hard origin/main
'

test_expect_success 'the gate lets other branches through and refuses an invalid catalog' '
	git -C work checkout -q -b feature &&
	printf "consumer: broken\nreads: []\n" >work/consumers/broken.yaml &&
	git -C work add consumers/broken.yaml &&
	git -C work commit -q -m broken &&
	git -C work push -q origin feature &&
	test_must_fail git -C work push origin feature:main 2>err &&
	grep "remote: consumers/broken.yaml:2:8: expected a non-empty list of reads" err &&
	git -C work checkout -q main
'

test_expect_success 'check --index is the same gate in a pre-commit hook' '
	cat >work/.git/hooks/pre-commit <<-EOF &&
	#!/bin/sh
	exec "$HONK_BUILD_DIR/honk-detect" check --index
	EOF
	chmod +x work/.git/hooks/pre-commit &&
	sed "s/type: enum, symbols: \[user, autoplay, error, offline\]/type: enum, symbols: [user]/" \
		work/datasets/plays/skips.yaml >tmp && mv tmp work/datasets/plays/skips.yaml &&
	git -C work add datasets/plays/skips.yaml &&
	test_must_fail git -C work commit -q -m "shrink v3" 2>err &&
	grep "version 3 of plays.skips is released and was edited in place: enum-symbol-removed reason" err &&
	git -C work checkout -q HEAD -- datasets &&
	echo "# a comment" >>work/datasets/plays/skips.yaml &&
	git -C work commit -q -am "a comment is fine"
'

test_expect_success 'check --json and usage errors' '
	honk-detect -C work check --json | jq -e ".ok == true and .findings == []" &&
	test_expect_code 2 honk-detect -C work check --index HEAD &&
	test_expect_code 2 honk-detect -C work impact plays.skips --policy full
'

test_done
