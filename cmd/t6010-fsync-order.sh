#!/bin/sh
test_description='durability: the objects of a proposal or state commit reach the disk before the ref that points at them moves (strace)'
. "$(dirname "$0")/test-lib.sh"

# Each command runs under strace -f -y, which names the file behind each
# descriptor (-y), and testdata/faults/fsync-order.awk reads the trace in
# order:
# an object file (a loose object or a pack and its index, placed under
# objects/ by link or rename from a temporary file, or created there) is
# durable once its content was synced after its last write (fsync of the
# file, or a syncfs) and its directory entry was synced after it was
# placed (fsync of the directory, or a syncfs). Every rename of a ref's
# lock file onto the ref (refs/..., packed-refs) must find every object
# placed before it durable, and its own lock file's content too.
#
# Without strace the script skips itself, unless HONK_TEST_STRACE=required
# (.ci/run, which installs it, sets it): then that is a failure. strace
# needs ptrace; a sandbox that refuses it is handled the same way.

strace_cannot_run() {
	if test "${HONK_TEST_STRACE:-}" = required
	then
		echo "error: $1 (and HONK_TEST_STRACE=required)" >&2
		exit 1
	fi
	test_skip_all "$1"
}

command -v strace >/dev/null 2>&1 || strace_cannot_run "strace is not installed"
strace -f -o /dev/null true 2>/dev/null ||
	strace_cannot_run "strace cannot trace here (ptrace refused?)"

HONK_NOW=2026-11-24
export HONK_NOW
# LeakSanitizer cannot work under ptrace
ASAN_OPTIONS="detect_leaks=0:$ASAN_OPTIONS"
export ASAN_OPTIONS

awk_prog=$HONK_TESTDATA/faults/fsync-order.awk

# traced OUT CMD...: run CMD under strace, the trace in OUT
traced() {
	out=$1
	shift
	strace -f -y -qq -s 256 -o "$out" \
		-e trace=openat,open,creat,write,pwrite64,writev,fsync,fdatasync,sync,syncfs,rename,renameat,renameat2,link,linkat \
		"$@"
}

# check_order TRACE GITDIR: the awk verdict; prints the evidence
check_order() {
	awk -v gitdir="$2" -f "$awk_prog" "$1" >verdict
	status=$?
	cat verdict
	return $status
}

rid=d.t.v1-v2

test_expect_success 'setup: the demo; a catalog of 40 datasets (a batch that is a pack); a migration of two consumers, approved' '
	sh "$HONK_TESTDATA/demo/run.sh" "$PWD/demo" >/dev/null &&
	mkdir -p big/datasets/d big/consumers &&
	printf "honk: 1\n" >big/honk.yaml &&
	i=1 &&
	while test $i -le 40
	do
		cat >big/datasets/d/t$i.yaml <<-EOF &&
		dataset: d.t$i
		versions:
		  - {version: 1, location: bq://a.t${i}_v1, schema: [{name: id, type: int64}]}
		  - {version: 2, location: bq://a.t${i}_v2, schema: [{name: id, type: int64}, {name: x, type: string}]}
		EOF
		printf "consumer: c$i\nreads: [{dataset: d.t$i, version: 1}]\n" >big/consumers/c$i.yaml &&
		i=$((i + 1)) || return 1
	done &&
	git -C big init -q -b main &&
	git -C big add -A &&
	git -C big commit -q -m catalog &&
	mkdir -p roll/datasets/d roll/consumers roll/ops &&
	printf "honk: 1\nrollout:\n  waves: [1, 100%%]\n  retries: 0\n  apply: [./ops/apply.sh]\n" >roll/honk.yaml &&
	cat >roll/datasets/d/t.yaml <<-\EOF &&
	dataset: d.t
	versions:
	  - {version: 1, location: bq://a.t_v1, schema: [{name: id, type: int64}]}
	  - {version: 2, location: bq://a.t_v2, schema: [{name: id, type: int64}]}
	EOF
	for c in c1 c2
	do
		printf "consumer: $c\nreads: [{dataset: d.t, version: 1}]\n" >roll/consumers/$c.yaml || return 1
	done &&
	printf "#!/bin/sh\necho \"apply \$HONK_CONSUMER\"\n" >roll/ops/apply.sh &&
	chmod +x roll/ops/apply.sh &&
	git -C roll init -q -b main &&
	git -C roll add -A &&
	git -C roll commit -q -m catalog &&
	honk-detect -C roll -q &&
	git -C roll merge -q --no-ff -m "approve $rid" honk/propose/$rid
'

test_expect_success 'honk-detect: the proposals and the state, loose objects' '
	traced detect.trace honk-detect -C demo/catalog -q >/dev/null &&
	check_order detect.trace "$PWD/demo/catalog/.git" &&
	grep "^ref refs/heads/honk/propose/plays.user_plays.v3-v4: " verdict &&
	grep "^ref refs/heads/honk/state: " verdict &&
	grep "^checked 6 ref updates" verdict
'

test_expect_success 'honk-detect: 40 proposals in one batch, written as a pack' '
	traced big.trace honk-detect -C big -q >/dev/null &&
	check_order big.trace "$PWD/big/.git" &&
	grep "^object .*/objects/pack/pack-[0-9a-f]*\.pack: " verdict &&
	grep "^object .*/objects/pack/pack-[0-9a-f]*\.idx: " verdict &&
	grep "^checked 41 ref updates" verdict
'

test_expect_success 'honk-rollout run: every state commit' '
	traced rollout.trace honk-rollout -C roll run $rid >out &&
	grep "^completed     $rid" out &&
	check_order rollout.trace "$PWD/roll/.git" &&
	grep "^ref refs/heads/honk/state: " verdict >states &&
	test_line_count -ge 2 states
'

test_expect_success 'honk-status approve: the merge on main' '
	traced approve.trace honk-status -C demo/catalog approve plays.user_plays.v3-v4 >out &&
	check_order approve.trace "$PWD/demo/catalog/.git" &&
	grep "^ref refs/heads/main: " verdict
'

test_expect_success 'the check fails a ref that moves before its objects are synced' '
	cat >bad.trace <<-EOF &&
	7 openat(AT_FDCWD</r>, "/r/.git/objects/tmp_obj_1", O_RDWR|O_CREAT|O_EXCL|O_CLOEXEC, 0444) = 4</r/.git/objects/tmp_obj_1>
	7 write(4</r/.git/objects/tmp_obj_1>, "x", 1) = 1
	7 link("/r/.git/objects/tmp_obj_1", "/r/.git/objects/ab/cdef") = 0
	7 openat(AT_FDCWD</r>, "/r/.git/refs/heads/x.lock", O_RDWR|O_CREAT|O_EXCL|O_CLOEXEC, 0666) = 4</r/.git/refs/heads/x.lock>
	7 write(4</r/.git/refs/heads/x.lock>, "abcdef\n", 7) = 7
	7 fsync(4</r/.git/refs/heads/x.lock>) = 0
	7 rename("/r/.git/refs/heads/x.lock", "/r/.git/refs/heads/x") = 0
	EOF
	test_must_fail check_order bad.trace /r/.git &&
	grep "^NOT SYNCED: /r/.git/objects/ab/cdef (content) before refs/heads/x" verdict &&
	sed "s|^7 link|7 fsync(4</r/.git/objects/tmp_obj_1>) = 0\n&|" bad.trace >half.trace &&
	test_must_fail check_order half.trace /r/.git &&
	grep "^NOT SYNCED: /r/.git/objects/ab/cdef (directory entry) before refs/heads/x" verdict &&
	! grep "(content)" verdict &&
	sed "s|^7 openat(AT_FDCWD</r>, \"/r/.git/refs|7 syncfs(5</r/.git>) = 0\n&|" half.trace >good.trace &&
	check_order good.trace /r/.git &&
	grep "^checked 1 ref updates" verdict
'

test_done
