#!/bin/sh
test_description='fault injection: every write, fsync, rename, create and allocation of honk-detect, a rollout step and approve fails in turn, and each ends cleanly'
. "$(dirname "$0")/test-lib.sh"

# testdata/faults/faultinject.so (make tests builds it) is preloaded into
# the command; it counts the calls that change the file system, and fails
# the n-th with EIO. A sweep runs the command once to count (and list)
# the positions, then once per position, each time on a fresh copy of
# the prepared repository, and checks after each:
#
#   - the exit code is 0 (the call did not matter, or libgit2 tried
#     again) or 5 with a message naming the path and the error; never a
#     crash, never another code;
#   - no *.lock is left (honk's flock files, honk-*.lock, stay by design:
#     the clean run below shows they are not held), no temporary file is
#     left in the object directory or in TMPDIR;
#   - git fsck --strict finds nothing;
#   - every ref is at its old value or at its new value, never between
#     (the new value being the commit an uninjected run writes, with the
#     same tree and parents: a commit has its own time; for the
#     rollout's honk/state, whose files record times and step ids, a
#     descendant of the old state);
#   - a clean run afterwards ends where the uninjected run ended.
#
# The allocations of honk's own code fail the same way with the twin
# faultinject-alloc.so (plain builds only: a sanitizer has its own
# allocator); then the message is "out of memory".
#
# HONK_TEST_FAULTS=all (make faults) sweeps every position; otherwise a
# fixed sample: every position outside the object directory (refs,
# locks, reflogs, packs, the index, the worktree, the steps' files) and
# every fifth inside it, every seventh allocation. The counts are
# printed as "# swept ..." lines.

HONK_NOW=2026-11-24
export HONK_NOW

shim=$HONK_BUILD_DIR/testdata/faults/faultinject.so
shim_alloc=$HONK_BUILD_DIR/testdata/faults/faultinject-alloc.so
if ! test -f "$shim" || ! test -f "$shim_alloc"
then
	echo "error: $shim is missing: run make tests" >&2
	exit 1
fi
sanitized=
if grep -q fsanitize "$HONK_BUILD_DIR/BUILD-FLAGS" 2>/dev/null
then
	sanitized=1
	# the shim is loaded before the sanitizer's runtime, on purpose
	ASAN_OPTIONS="verify_asan_link_order=0:$ASAN_OPTIONS"
	export ASAN_OPTIONS
fi
io_kinds=write,fsync,rename,link,create,mkdir
all=${HONK_TEST_FAULTS:-}

: >summary

# run_cmd NAME [VAR=VALUE...]: run the command of NAME in ./w with
# these variables set, its output in ./out and ./err, its exit code in
# $rc
run_cmd() {
	name_=$1
	shift
	rm -rf wtmp && mkdir wtmp &&
	case "$name_" in
	detect) env "$@" TMPDIR="$PWD/wtmp" honk-detect -C w/catalog -q ;;
	rollout) env "$@" TMPDIR="$PWD/wtmp" honk-rollout -C w/catalog run $rid ;;
	approve) env "$@" TMPDIR="$PWD/wtmp" honk-status -C w/catalog approve $aid ;;
	esac >out 2>err
	rc=$?
}

# run_faulted NAME SHIM KINDS N: run_cmd with the N-th call failing (N 0:
# none, every call listed; N -1: none); the shim's log in ./flog. The
# syncs do not reach the disk, for speed (the shim's HONK_FAULT_NOSYNC).
run_faulted() {
	rm -f flog
	case "$4" in
	-1) at=HONK_FAULT_AT= ;;
	0) at=HONK_FAULT_TRACE=1 ;;
	*) at=HONK_FAULT_AT=$4 ;;
	esac
	run_cmd "$1" LD_PRELOAD="$2" HONK_FAULT_KINDS="$3" \
		HONK_FAULT_LOG="$PWD/flog" HONK_FAULT_NOSYNC=1 "$at"
}

# refs DIR: "name id tree parents" of every ref, HEAD's target too
refs() {
	git -C "$1" for-each-ref --format='%(refname) %(objectname) %(tree) %(parent)' &&
	echo "HEAD $(git -C "$1" symbolic-ref HEAD)"
}

# value FILE REF: REF's line in FILE, without the name ("" when absent)
value() {
	sed -n "s|^$2 ||p" "$1"
}

# refs_moved NAME: the refs in ./now that are neither at their old value
# (NAME.before) nor at their new one (NAME.after: the same tree and
# parents, as a commit has its own time), as "REF NOW"; for the
# rollout's honk/state, "descends REF OLD NOW" (ids; OLD - for none) for
# the caller to check
refs_moved() {
	awk -v name="$1" '
	function rest(s) { sub(/^[^ ]* /, "", s); return s }
	FILENAME == ARGV[1] { old[$1] = rest($0); names[$1] = 1; next }
	FILENAME == ARGV[2] { new[$1] = rest($0); names[$1] = 1; next }
	{ now[$1] = rest($0); names[$1] = 1 }
	END {
		for (r in names) {
			if (now[r] == old[r])
				continue
			if (now[r] == "" || new[r] == "") {
				print r, now[r]
				continue
			}
			if (name == "rollout" && r == "refs/heads/honk/state") {
				split(old[r], o, " ")
				split(now[r], cur, " ")
				print "descends", r, old[r] == "" ? "-" : o[1], cur[1]
				continue
			}
			a = now[r]; sub(/^[^ ]* /, "", a)
			b = new[r]; sub(/^[^ ]* /, "", b)
			if (a != b)
				print r, now[r]
		}
	}' "$1.before" "$1.after" now
}

# problem N WHAT: note what position N did wrong
problem() {
	printf '%s %s: %s\n' "$name" "$1" "$2" >>problems
	if test -s flog
	then
		sed -n 's/^fault: /    fault: /p' flog >>problems
	fi
	if test -s err
	then
		sed 's/^/    stderr: /' err | head -n 5 >>problems
	fi
}

# check N FIRED KIND: everything the header says, after position N
check() {
	n=$1
	fired=$2
	case "$rc" in
	0) ;;
	5)
		test -n "$fired" || problem $n "exit 5, but nothing failed"
		msg=$(grep ': error: ' err | tail -n 1)
		case "$3" in
		alloc)
			case "$msg" in
			*"out of memory"* | *"Out of memory"* | *"Cannot allocate memory"*) ;;
			*) problem $n "exit 5 without 'out of memory'" ;;
			esac
			;;
		*)
			case "$msg" in
			*"Input/output error"*) ;;
			*) problem $n "exit 5 without the error (Input/output error)" ;;
			esac
			case "$msg" in
			*\'*/*\'*) ;;
			*) problem $n "exit 5 without a path" ;;
			esac
			;;
		esac
		;;
	*)
		problem $n "exit code $rc"
		;;
	esac
	left=$(find w wtmp \( -name '*.lock' ! -name 'honk-*.lock' -o \
		-path '*/objects/*' -name 'tmp_*' -o -path 'wtmp/*' \) \
		-print -prune | sed 's/^/ /' | tr -d '\n')
	test -z "$left" || problem $n "left behind:$left"
	if ! git -C w/catalog fsck --strict --no-progress --no-dangling >fsck 2>&1 ||
		test -s fsck
	then
		problem $n "git fsck: $(head -n 3 fsck | tr '\n' ' ')"
	fi
	refs w/catalog >now || problem $n "cannot list the refs"
	refs_moved "$name" >moved
	while read ref cur
	do
		case "$ref" in
		descends)
			# "descends REF OLD NOW": on top of the old state
			set -- $cur
			test "$2" = - ||
			git -C w/catalog merge-base --is-ancestor $2 $3 ||
			problem $n "$1 is at $3, which is not on top of $2"
			;;
		*)
			problem $n "$ref is at '$cur', neither its old value nor its new one"
			;;
		esac
	done <moved
	# after an exit 0 the work is done, as without the fault
	if test "$rc" -eq 0
	then
		final_ok || problem $n "exit 0, but not what an uninjected run leaves"
	fi
	# a clean run ends where the uninjected run ended
	run_faulted "$name" "$shim" write -1
	test "$rc" -eq 0 || problem $n "the clean run after it exits $rc"
	final_ok || problem $n "the clean run after it does not end as the uninjected run"
}

# final_ok: does w hold what the uninjected run left (state/... and the
# proposals' trees; main's tree and a clean worktree after approve; the
# migration completed after the rollout)?
final_ok() {
	refs w/catalog >final &&
	case "$name" in
	rollout)
		git -C w/catalog show honk/state:state/$rid.yaml >st &&
		grep "^phase: completed$" st &&
		test "$(value final refs/heads/main)" = "$(value rollout.after refs/heads/main)"
		;;
	*)
		cut -d' ' -f1,3 final >final.trees &&
		cut -d' ' -f1,3 "$name.after" >after.trees &&
		cmp -s final.trees after.trees &&
		git -C w/catalog status --porcelain >dirty &&
		test_must_be_empty dirty
		;;
	esac >/dev/null 2>&1
}

# sweep NAME SHIM KINDS EVERY: count the positions of NAME's command
# (the repository prepared in NAME.base), then fail each in turn (all,
# or the sample: every position outside objects/ and every EVERY-th).
sweep() {
	name=$1
	: >problems
	rm -rf w && cp -a "$name.base" w &&
	refs w/catalog >"$name.before" &&
	run_faulted "$name" "$2" "$3" 0 &&
	test "$rc" -eq 0 || {
		echo "the uninjected run failed ($rc):" && cat err
		return 1
	}
	refs w/catalog >"$name.after" &&
	mv flog "$name.trace" &&
	total=$(sed -n 's/^count: .* total \([0-9]*\) .*/\1/p' "$name.trace") &&
	test -n "$total" || return 1
	# a run that is not deterministic (the rollout's threads) may have
	# a few more
	test "$name" = rollout && total=$((total + 3))
	swept=0
	n=1
	while test $n -le "$total"
	do
		if test -z "$all" && test $((n % $4)) -ne 1
		then
			# outside the sample unless outside objects/
			case "$3 $(sed -n "s/^call: $n //p" "$name.trace")" in
			alloc* | */objects/*)
				n=$((n + 1))
				continue
				;;
			esac
		fi
		rm -rf w && cp -a "$name.base" w &&
		run_faulted "$name" "$2" "$3" $n &&
		fired=$(grep '^fault: ' flog) || fired=
		check $n "$fired" "$3"
		swept=$((swept + 1))
		n=$((n + 1))
	done
	echo "# swept $swept of $total positions of $name ($3): $(sed -n 's/^count: //p' "$name.trace")" |
	tee -a summary
	if test -s problems
	then
		cat problems
		return 1
	fi
}

rid=d.t.v1-v2
aid=plays.user_plays.v3-v4

test_expect_success 'setup: the demo; a one-consumer migration, approved; the demo detected' '
	mkdir detect.base rollout.base approve.base &&
	sh "$HONK_TESTDATA/demo/run.sh" "$PWD/detect.base" >/dev/null &&
	cp -a detect.base/. approve.base/ &&
	honk-detect -C approve.base/catalog -q &&
	c=rollout.base/catalog &&
	mkdir -p $c/datasets/d $c/consumers $c/ops &&
	printf "honk: 1\nrollout:\n  waves: [100%%]\n  retries: 0\n  apply: [./ops/apply.sh]\n" >$c/honk.yaml &&
	cat >$c/datasets/d/t.yaml <<-\EOF &&
	dataset: d.t
	versions:
	  - {version: 1, location: bq://a.t_v1, schema: [{name: id, type: int64}]}
	  - {version: 2, location: bq://a.t_v2, schema: [{name: id, type: int64}]}
	EOF
	printf "consumer: c01\nreads: [{dataset: d.t, version: 1}]\n" >$c/consumers/c01.yaml &&
	printf "#!/bin/sh\necho \"apply \$HONK_CONSUMER\"\n" >$c/ops/apply.sh &&
	chmod +x $c/ops/apply.sh &&
	git -C $c init -q -b main &&
	git -C $c add -A &&
	git -C $c commit -q -m catalog &&
	honk-detect -C $c -q &&
	git -C $c merge -q --no-ff -m "approve $rid" honk/propose/$rid
'

test_expect_success 'honk-detect on the demo: every write position' '
	sweep detect "$shim" $io_kinds 5
'

test_expect_success 'honk-rollout run, one consumer: every write position' '
	sweep rollout "$shim" $io_kinds 5
'

test_expect_success 'honk-status approve: every write position' '
	sweep approve "$shim" $io_kinds 5
'

# (and not on a --coverage build: libgcov, linked into the program,
# allocates as it writes its counts at exit)
if test -z "$sanitized" && ! grep -q -e --coverage "$HONK_BUILD_DIR/BUILD-FLAGS" 2>/dev/null
then
	test_expect_success 'honk-detect on the demo: every allocation of honk' '
		sweep detect "$shim_alloc" alloc 7
	'

	test_expect_success 'honk-rollout run: every allocation of honk' '
		sweep rollout "$shim_alloc" alloc 7
	'

	test_expect_success 'honk-status approve: every allocation of honk' '
		sweep approve "$shim_alloc" alloc 7
	'
fi

cat summary
test_done
