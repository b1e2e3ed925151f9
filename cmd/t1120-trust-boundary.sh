#!/bin/sh
test_description='the trust boundary: nothing taken from repository content runs

lint, check, diff, impact, scan, the detection run, honk-status and every
hook read a catalog whose every command is a canary: none may run. A
proposal that turns apply or a consumer test into a canary does not make
honk-gen or honk-rollout run it: commands come from main, and a running
rollout keeps the main commit it pinned.'
. "$(dirname "$0")/test-lib.sh"

HONK_NOW=2026-11-24
export HONK_NOW

C=$TRASH_DIRECTORY
canaries=$C/canary
mkdir -p "$canaries" || exit 1

# no_canary: no canary fired (each one touches a file in $canaries).
no_canary() {
	if test -n "$(ls -A "$canaries")"
	then
		echo "canaries fired:" >&2
		ls -A "$canaries" >&2
		return 1
	fi
}

# What a person's git would run from attributes and config, pointing at
# canaries: in effect (in ~/.gitconfig, which libgit2 reads too) only
# while a honk command runs, so the test's own git commands stay clean.
cp "$HOME/.gitconfig" "$C/plain.gitconfig" || exit 1
cat "$C/plain.gitconfig" - >"$C/drivers.gitconfig" <<EOF || exit 1
[filter "canary"]
	clean = touch $canaries/filter-clean
	smudge = touch $canaries/filter-smudge
	process = touch $canaries/filter-process
	required = false
[diff "canary"]
	textconv = touch $canaries/diff-textconv
	command = touch $canaries/diff-command
[merge "canary"]
	driver = touch $canaries/merge-driver
EOF

# hostile CMD...: run CMD with those drivers configured.
hostile() {
	cp "$C/drivers.gitconfig" "$HOME/.gitconfig" || return 1
	"$@"
	hostile_status_=$?
	cp "$C/plain.gitconfig" "$HOME/.gitconfig" || return 1
	return $hostile_status_
}

# canary_files DIR: the files a repository can carry that some tool
# would execute or obey (hooks, attributes, config, submodules), all
# pointing at canaries named after TAG.
canary_files() {
	mkdir -p "$1/.githooks" &&
	for h in pre-commit pre-receive update post-receive post-merge \
		post-checkout reference-transaction pre-push
	do
		printf "#!/bin/sh\ntouch %s/%s-hook-%s\n" "$canaries" "$2" "$h" \
			>"$1/.githooks/$h" &&
		chmod +x "$1/.githooks/$h" || return 1
	done &&
	printf "* filter=canary diff=canary merge=canary\n*.yaml ident\n" \
		>"$1/.gitattributes" &&
	cat >"$1/.gitconfig" <<-EOF &&
	[core]
		hooksPath = .githooks
		fsmonitor = touch $canaries/$2-fsmonitor
		sshCommand = touch $canaries/$2-ssh
		pager = touch $canaries/$2-pager
	[filter "canary"]
		clean = touch $canaries/$2-config-clean
		smudge = touch $canaries/$2-config-smudge
	[alias]
		status = !touch $canaries/$2-alias
	EOF
	cp "$1/.gitconfig" "$1/.lfsconfig" &&
	cat >"$1/.gitmodules" <<-EOF
	[submodule "evil"]
		path = evil
		url = ext::sh -c touch% $canaries/$2-submodule-url
		update = !touch $canaries/$2-submodule-update
	EOF
}

# git add everything in DIR, a submodule gitlink included, and commit.
commit_all() {
	git -C "$1" add -A &&
	git -C "$1" update-index --add --cacheinfo \
		160000,1111111111111111111111111111111111111111,evil &&
	git -C "$1" commit -q -m "$2"
}

test_expect_success 'setup: a catalog whose every command is a canary' '
	sh "$HONK_TESTDATA/demo/run.sh" "$C/a" >/dev/null &&
	git clone -q --bare a/catalog a/server.git &&
	cat >a/server.git/hooks/pre-receive <<-EOF &&
	#!/bin/sh
	exec "$HONK_BUILD_DIR/honk-detect" check --pre-receive
	EOF
	chmod +x a/server.git/hooks/pre-receive &&
	git clone -q a/server.git a/work &&
	cat >a/work/honk.yaml <<-EOF &&
	honk: 1
	main: main
	compatibility: backward
	rollout:
	  waves: [1, 100%]
	  apply: [touch, $canaries/apply]
	  verify: touch $canaries/verify-sh
	  rollback: [touch, $canaries/rollback]
	  health:
	    command: touch $canaries/health-sh
	    thresholds: {cpu: "< 0.85"}
	  notify: [touch, $canaries/notify]
	EOF
	for f in apply verify rollback health notify
	do
		printf "#!/bin/sh\ntouch %s/ops-%s\n" "$canaries" $f \
			>a/work/ops/$f.sh || return 1
	done &&
	sed -e "s|^test: .*|test: [touch, $canaries/test-royalty-reports]|" \
		a/work/consumers/royalty/royalty-reports.yaml >tmp &&
	printf "rollout: {apply: \"touch %s/consumer-apply-sh\", verify: [touch, %s/consumer-verify]}\n" \
		"$canaries" "$canaries" >>tmp &&
	mv tmp a/work/consumers/royalty/royalty-reports.yaml &&
	sed -e "s|^test: .*|test: \"touch $canaries/test-charts-sh\"|" \
		a/work/consumers/charts/charts.yaml >tmp &&
	mv tmp a/work/consumers/charts/charts.yaml &&
	grep "^test: \\[touch, /" a/work/consumers/royalty/royalty-reports.yaml &&
	grep "^test: \"touch /" a/work/consumers/charts/charts.yaml &&
	mkdir -p a/work/schemas/plays a/work/migrations/plays.skips.v1-v2 &&
	cat >a/work/schemas/plays/1.avsc <<-EOF &&
	{"type": "record", "name": "p", "doc": "\$(touch $canaries/schema-doc)",
	 "fields": [{"name": "a", "type": "string", "doc": "\`touch $canaries/schema-field\`"},
	            {"name": "b", "type": ["null", "long"], "default": null}]}
	EOF
	cat >a/work/schemas/plays/2.avsc <<-EOF &&
	{"type": "record", "name": "p", "doc": "; touch $canaries/schema-doc2",
	 "fields": [{"name": "a", "type": "string"}]}
	EOF
	cat >a/work/datasets/plays/canary.yaml <<-EOF &&
	dataset: plays.canary
	description: "\$(touch $canaries/description) \`touch $canaries/description2\`"
	versions:
	  - {version: 1, location: "bq://x;touch $canaries/location", schema_file: schemas/plays/1.avsc}
	  - {version: 2, location: "bq://y|touch $canaries/location2", schema_file: schemas/plays/2.avsc}
	EOF
	cat >a/work/migrations/plays.skips.v1-v2/rewrite.yaml <<-EOF &&
	rules:
	  - {pattern: "(?C1)skips", replacement: "\$(touch $canaries/rewrite)", files: ["**"]}
	EOF
	cat >a/work/migrations/plays.skips.v1-v2.yaml <<-EOF &&
	migration: plays.skips.v1-v2
	dataset: plays.skips
	from: 1
	to: 2
	consumers:
	- {consumer: charts, impact: breaking, fields: [skipped_at_ms], wave: 1}
	rollout: {apply: [touch, $canaries/plan-apply], notify: "touch $canaries/plan-notify-sh"}
	EOF
	canary_files a/work catalog &&
	commit_all a/work "canaries everywhere" &&
	no_canary
'

test_expect_success 'a consumer repository carries canaries too' '
	git clone -q a/royalty-reports.git rr &&
	canary_files rr consumer &&
	commit_all rr "consumer canaries" &&
	git -C rr push -q origin main &&
	no_canary
'

test_expect_success 'the pre-receive gate (check --pre-receive) runs none' '
	hostile git -C a/work push -q origin main 2>err &&
	no_canary &&
	git -C a/work rev-parse HEAD >expect &&
	git -C a/server.git rev-parse main >actual &&
	test_cmp expect actual
'

test_expect_success 'check: REV, OLD..NEW, --index run none' '
	hostile honk-detect -C a/work check &&
	hostile honk-detect -C a/work check HEAD &&
	hostile honk-detect -C a/work check HEAD~1..HEAD &&
	hostile honk-detect -C a/server.git check main~1..main &&
	printf "  - {version: 3, location: \"bq://z&&touch %s/loc3\", schema_file: schemas/plays/2.avsc}\n" \
		"$canaries" >>a/work/datasets/plays/canary.yaml &&
	git -C a/work add datasets/plays/canary.yaml &&
	hostile honk-detect -C a/work check --index &&
	no_canary
'

test_expect_success 'lint (HEAD, --index, --rev) runs none' '
	hostile honk-status -C a/work lint &&
	hostile honk-status -C a/work lint --index &&
	hostile honk-status -C a/work lint --rev HEAD~1 &&
	hostile honk-status -C a/server.git lint --json >out &&
	no_canary
'

test_expect_success 'diff of files and of versions runs none' '
	hostile honk-detect -C a/work diff schemas/plays/1.avsc schemas/plays/2.avsc >out ||
	test $? -eq 1 &&
	hostile honk-detect -C a/work diff plays.canary 1 2 >out ||
	test $? -eq 1 &&
	hostile honk-detect -C a/work diff plays.user_plays 3 4 --json >out ||
	test $? -eq 1 &&
	no_canary
'

test_expect_success 'impact runs none' '
	hostile honk-detect -C a/work impact plays.user_plays >out &&
	hostile honk-detect -C a/work impact plays.canary@1 --depth 3 >out &&
	hostile honk-detect -C a/server.git impact plays.skips --json >out &&
	no_canary
'

test_expect_success 'scan of the catalog repositories and of paths runs none' '
	hostile honk-detect -C a/catalog scan >out &&
	hostile honk-detect -C a/work scan "$C/rr" "$C/a/work" >out &&
	hostile honk-detect -C a/work scan --pattern "(?C1)user_plays" "$C/rr" >out &&
	no_canary
'

test_expect_success 'the detection run and honk-status run none' '
	hostile honk-detect -C a/server.git >out &&
	git -C a/server.git rev-parse --verify honk/propose/plays.user_plays.v3-v4 &&
	hostile honk-status -C a/server.git >out &&
	hostile honk-status -C a/server.git --json >out &&
	hostile honk-status -C a/server.git show plays.skips.v1-v2 >out &&
	hostile honk-status -C a/server.git show plays.user_plays.v3-v4 --json >out &&
	hostile honk-status -C a/server.git datasets >out &&
	hostile honk-status -C a/server.git consumers --json >out &&
	test_expect_code 3 hostile honk-status -C a/server.git log plays.skips.v1-v2 2>err &&
	grep "no history for plays.skips.v1-v2" err &&
	no_canary
'

# The second half: commands come from main, and from the commit pinned
# when a rollout started. Main's commands here are real (they log to
# $C/ran, so the test sees they did run); a proposal and a later main
# commit turn them into canaries.
test_expect_success 'setup: a catalog whose commands log what they do' '
	sh "$HONK_TESTDATA/demo/run.sh" "$C/b" >/dev/null &&
	cat >b/catalog/honk.yaml <<-EOF &&
	honk: 1
	main: main
	compatibility: backward
	rollout:
	  waves: [1, 100%]
	  wave_gap: manual
	  retries: 0
	  apply: [sh, -c, "echo apply \$HONK_CONSUMER >>$C/ran"]
	  verify: "echo verify \$HONK_CONSUMER >>$C/ran"
	  rollback: [sh, -c, "echo rollback \$HONK_CONSUMER >>$C/ran"]
	  health:
	    command: [sh, -c, "echo health >>$C/ran; echo cpu=0.1"]
	    thresholds: {cpu: "< 0.85"}
	  notify: [sh, -c, "echo notify \$HONK_EVENT >>$C/ran"]
	EOF
	for f in royalty/royalty-reports charts/charts
	do
		sed "s|^test: .*|test: [sh, -c, \"echo test \$HONK_CONSUMER >>$C/ran\"]|" \
			b/catalog/consumers/$f.yaml >tmp &&
		mv tmp b/catalog/consumers/$f.yaml || return 1
	done &&
	git -C b/catalog commit -q -am "commands that log" &&
	honk-status -C b/catalog lint &&
	hostile honk-detect -C b/catalog -q &&
	git -C b/catalog rev-parse --verify honk/propose/users.profiles.v1-v2 &&
	no_canary
'

test_expect_success 'a proposal that turns apply and test into canaries: honk-gen runs the tests of main' '
	p=honk/propose/plays.user_plays.v3-v4 &&
	git -C b/catalog checkout -q $p &&
	cat >b/catalog/honk.yaml <<-EOF &&
	honk: 1
	main: main
	rollout:
	  waves: [1, 100%]
	  apply: [touch, $canaries/proposal-apply]
	  verify: touch $canaries/proposal-verify-sh
	  rollback: [touch, $canaries/proposal-rollback]
	  health: {command: [touch, $canaries/proposal-health]}
	  notify: "touch $canaries/proposal-notify-sh"
	EOF
	sed "s|^test: .*|test: [touch, $canaries/proposal-test-royalty-reports]|" \
		b/catalog/consumers/royalty/royalty-reports.yaml >tmp &&
	mv tmp b/catalog/consumers/royalty/royalty-reports.yaml &&
	sed "s|^test: .*|test: \"touch $canaries/proposal-test-charts-sh\"|" \
		b/catalog/consumers/charts/charts.yaml >tmp &&
	mv tmp b/catalog/consumers/charts/charts.yaml &&
	sed "s|^rollout: {}|rollout: {apply: [touch, $canaries/proposal-plan-apply]}|" \
		b/catalog/migrations/plays.user_plays.v3-v4.yaml >tmp &&
	mv tmp b/catalog/migrations/plays.user_plays.v3-v4.yaml &&
	canary_files b/catalog proposal &&
	commit_all b/catalog "a person turns every command into a canary" &&
	git -C b/catalog checkout -q main &&
	: >ran &&
	hostile honk-gen -C b/catalog plays.user_plays.v3-v4 >out &&
	grep "^test  *royalty-reports: exited with 0" out &&
	grep "^test  *charts: exited with 0" out &&
	sort ran >actual &&
	printf "test charts\ntest royalty-reports\n" >expect &&
	test_cmp expect actual &&
	hostile honk-gen -C b/catalog validate plays.user_plays.v3-v4 >out &&
	no_canary
'

test_expect_success 'the rollout of another plan runs the commands of the main commit it pinned' '
	: >ran &&
	hostile honk-status -C b/catalog approve users.profiles.v1-v2 &&
	hostile honk-rollout -C b/catalog run >out &&
	grep "^waiting  *users.profiles.v1-v2: wave 1 done" out &&
	printf "apply onboarding-funnel\nverify onboarding-funnel\nhealth\n" >expect &&
	test_cmp expect ran &&
	no_canary &&
	! grep plays.user_plays.v3-v4 out
'

test_expect_success 'main turning apply into a canary later does not change a running rollout' '
	sed -e "s|^  apply: .*|  apply: [touch, $canaries/later-main-apply]|" \
	    -e "s|^  verify: .*|  verify: touch $canaries/later-main-verify-sh|" \
	    -e "s|^    command: .*|    command: [touch, $canaries/later-main-health]|" \
	    -e "s|^  notify: .*|  notify: [touch, $canaries/later-main-notify]|" \
		b/catalog/honk.yaml >tmp &&
	mv tmp b/catalog/honk.yaml &&
	git -C b/catalog commit -q -am "apply changes after the rollout started" &&
	: >ran &&
	hostile honk-rollout -C b/catalog promote users.profiles.v1-v2 &&
	hostile honk-rollout -C b/catalog run >out &&
	grep "^completed  *users.profiles.v1-v2" out &&
	printf "apply statements-mailer\nverify statements-mailer\nhealth\nnotify completed\n" >expect &&
	test_cmp expect ran &&
	no_canary
'

test_done
