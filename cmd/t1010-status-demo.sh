#!/bin/sh
test_description='the demo catalog: clean, and what the views show of it'
. "$(dirname "$0")/test-lib.sh"

test_expect_success 'make demo builds the catalog and consumer repositories' '
	HONK_BIN_DIR="$HONK_BUILD_DIR" sh "$HONK_TESTDATA/demo/run.sh" "$TRASH_DIRECTORY/demo" >out 2>&1 &&
	grep "17 files, 6 datasets, 10 consumers: ok" out &&
	git -C demo/royalty-reports.git rev-parse --verify -q main &&
	git -C demo/charts.git rev-parse --verify -q main
'

test_expect_success 'lint exits 0 on the demo, also from a bare clone' '
	honk-status -C demo/catalog lint &&
	git clone -q --bare demo/catalog demo.git &&
	honk-status -C demo.git lint
'

test_expect_success 'the deprecated versions and their readers' '
	HONK_NOW=2026-11-24 honk-status -C demo/catalog datasets --json >ds.json &&
	jq -e ".[] | select(.dataset == \"plays.user_plays\") | .versions[0].days_left == -147 and .versions[1].consumers == 2" ds.json &&
	jq -e "length == 6" ds.json
'

test_expect_success 'consumers: three teams, transitive produces edges' '
	honk-status -C demo/catalog consumers --json >co.json &&
	jq -e "length == 10" co.json &&
	jq -e "[.[].owner] | unique == [\"team-charts\", \"team-growth\", \"team-royalty\"]" co.json &&
	jq -e ".[] | select(.consumer == \"royalty-reports\") | .produces == [\"royalty.daily\"] and .repo == \"../royalty-reports.git\"" co.json
'

test_done
