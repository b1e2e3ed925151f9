#!/bin/sh
test_description='honk-gen ID: consumer tests, timeouts, links, paths, hostile rules, remotes'
. "$(dirname "$0")/test-lib.sh"

id=d.t.v1-v2
prop=honk/propose/$id

# make_repo NAME: a bare repository ../NAME.git from the work tree NAME
make_repo() {
	git -C "$1" init -q -b main &&
	git -C "$1" add -A &&
	git -C "$1" commit -q -m "$1" &&
	git clone -q --bare "$1" "$1.git"
}

test_expect_success 'setup: a catalog, a consumer repo with links and files outside its paths' '
	mkdir -p app/sql/lib app/notes &&
	printf "SELECT old_col FROM \`analytics.t_v1\`;\n" >app/sql/q.sql &&
	printf "SELECT old_col FROM \`analytics.t_v1\`;\n" >app/notes/outside.sql &&
	ln -s /etc app/sql/etc &&
	ln -s /etc/passwd app/sql/lib/passwd.sql &&
	printf "#!/bin/sh\necho first line\necho boom >&2\nexit 3\n" >app/test.sh &&
	chmod +x app/test.sh &&
	make_repo app &&
	mkdir -p slow && echo "SELECT old_col;" >slow/q.sql && make_repo slow &&
	mkdir -p far && echo "FROM analytics.t_v1" >far/q.sql && make_repo far &&
	mkdir -p cat/datasets/d cat/consumers &&
	cat >cat/honk.yaml <<-\EOF &&
	honk: 1
	rollout: {waves: [100%], step_timeout: 10m}
	EOF
	cat >cat/datasets/d/t.yaml <<-\EOF &&
	dataset: d.t
	versions:
	  - version: 1
	    location: bq://analytics.t_v1
	    schema:
	      - {name: id, type: int64, required: true}
	      - {name: old_col, type: string}
	  - version: 2
	    location: bq://analytics.t_v2
	    schema:
	      - {name: id, type: int64, required: true}
	      - {name: new_col, type: string, renamed_from: old_col}
	EOF
	cat >cat/consumers/app.yaml <<-\EOF &&
	consumer: app
	reads: [{dataset: d.t, version: 1, fields: [id, old_col]}]
	repo: ../app.git
	paths: ["sql/**"]
	test: [./test.sh]
	EOF
	cat >cat/consumers/slow.yaml <<-\EOF &&
	consumer: slow
	reads: [{dataset: d.t, version: 1, fields: [old_col]}]
	repo: ../slow.git
	test: [sh, -c, "sleep 7377 & sleep 7377"]
	rollout: {step_timeout: 1s}
	EOF
	far=$(pwd)/far.git &&
	cat >cat/consumers/far.yaml <<-EOF &&
	consumer: far
	reads: [{dataset: d.t, version: 1, fields: [id]}]
	repo: file://$far
	EOF
	git -C cat init -q -b main &&
	git -C cat add -A &&
	git -C cat commit -q -m catalog &&
	honk-detect -C cat -q
'

test_expect_success 'a failing test and a hanging one: exit 1, both recorded, nothing left running' '
	test_expect_code 1 honk-gen -C cat $id >out 2>err &&
	grep "validation FAILED" err &&
	grep "^test         app: exited with 3" out &&
	grep "^    | boom" out &&
	grep "^test         slow: timed out after 1s (killed)" out &&
	git -C cat show "$prop:migrations/$id/validation.yaml" >v &&
	grep "^result: failed$" v &&
	grep "^  status: exited with 3$" v &&
	sed -n "/^  log:/,/^  [a-z]*:/p" v >log &&
	grep "first line" log && grep "boom" log &&
	grep "^  status: timed out after 1s (killed)$" v &&
	! pgrep -f "sleep 7377"
'

test_expect_success 'links and files outside paths are left as they were' '
	git -C app.git diff --name-only main honk/$id >changed &&
	echo sql/q.sql >expect &&
	test_cmp expect changed &&
	git -C app.git ls-tree main sql/etc sql/lib/passwd.sql >before &&
	git -C app.git ls-tree honk/$id sql/etc sql/lib/passwd.sql >after &&
	test_cmp before after &&
	grep "^120000 " after &&
	git -C app.git show honk/$id:notes/outside.sql >outside &&
	grep "old_col FROM .analytics.t_v1." outside &&
	git -C app.git show honk/$id:sql/q.sql >q &&
	grep "new_col FROM .analytics.t_v2." q
'

test_expect_success 'a consumer at a URL: mirrored, its branch pushed' '
	test_path_is_dir cat/.git/honk/repos/far.git &&
	git -C far.git rev-parse --verify -q honk/$id &&
	git -C far.git show honk/$id:q.sql >q &&
	grep "FROM analytics.t_v2" q &&
	git -C far.git diff main honk/$id >diff &&
	git -C cat show "$prop:migrations/$id/consumers/far.patch" >patch &&
	test_cmp patch diff
'

test_expect_success 'the commands come from main, not from the proposal' '
	git -C cat checkout -q "$prop" &&
	cat >cat/consumers/app.yaml <<-EOF &&
	consumer: app
	reads: [{dataset: d.t, version: 1, fields: [id, old_col]}]
	repo: ../app.git
	paths: ["sql/**"]
	test: [touch, $(pwd)/canary]
	EOF
	git -C cat commit -q -am "a proposal that changes a command" &&
	git -C cat checkout -q main &&
	test_expect_code 1 honk-gen -C cat validate $id >out &&
	grep "^test         app: exited with 3" out &&
	test_path_is_missing canary
'

test_expect_success 'a rule that backtracks catastrophically is an error, nothing written' '
	mkdir -p app2 && (cd app2 && git init -q -b main) &&
	git -C app2 pull -q ../app.git main &&
	printf "%s!\n" aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa >app2/sql/lib/x.sql &&
	git -C app2 add -A && git -C app2 commit -q -m x &&
	git -C app2 push -q ../app.git main &&
	git -C cat show "$prop:migrations/$id/rewrite.yaml" >rules &&
	printf -- "- {pattern: \047(a+)+\$\047, replace: b}\n" >>rules &&
	git -C cat checkout -q "$prop" &&
	cp rules cat/migrations/$id/rewrite.yaml &&
	git -C cat commit -q -am "review: a bad rule" &&
	git -C cat checkout -q main &&
	git -C cat for-each-ref >before.cat &&
	git -C app.git for-each-ref "refs/heads/honk/" >before.app &&
	test_expect_code 3 honk-gen -C cat $id >out 2>err &&
	grep "^honk-gen: error: app: migrations/$id/rewrite.yaml:17:13: pattern .(a+)+\$. hit the match limit on sql/lib/x.sql: it backtracks catastrophically" err &&
	git -C cat for-each-ref >after.cat &&
	git -C app.git for-each-ref "refs/heads/honk/" >after.app &&
	test_cmp before.cat after.cat &&
	test_cmp before.app after.app
'

test_expect_success 'with a remote: follows what others pushed, pushes without force' '
	mkdir seed && cp -R cat/honk.yaml cat/datasets cat/consumers seed/ &&
	git -C cat show main:consumers/app.yaml >seed/consumers/app.yaml &&
	printf "remote: origin\n" >>seed/honk.yaml &&
	make_repo seed && mv seed.git up.git &&
	git clone -q up.git c2 && git clone -q up.git c3 &&
	honk-detect -C c2 -q &&
	git -C up.git rev-parse --verify -q "$prop" &&
	git -C c3 fetch -q && git -C c3 checkout -q "$prop" &&
	echo "# waves look fine" >>c3/migrations/$id.yaml &&
	git -C c3 commit -q -am "review: waves" && git -C c3 push -q origin "$prop" &&
	reviewed=$(git -C c3 rev-parse HEAD) &&
	honk-gen -C c2 --no-validate $id >out &&
	grep "^pushed       $prop: to origin" out &&
	git -C up.git rev-parse "$prop" >after &&
	git -C c2 rev-parse "$prop" >local &&
	test_cmp local after &&
	git -C up.git merge-base --is-ancestor $reviewed "$(cat after)" &&
	git -C up.git show "$prop:migrations/$id.yaml" >plan &&
	grep "^# waves look fine" plan &&
	git -C up.git ls-tree -r --name-only "$prop" >files &&
	grep "^migrations/$id/transform.postgres.sql$" files &&
	git -C up.git fsck --no-progress &&
	honk-gen -C c2 --no-validate $id >again &&
	! grep "^pushed " again
'

test_done
