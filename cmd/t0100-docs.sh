#!/bin/sh
test_description='--help, the man pages and the completions agree'
. "$(dirname "$0")/test-lib.sh"

man=$HONK_TOP/man
comp=$HONK_TOP/completions

for prog in honk-status honk-detect honk-gen honk-rollout; do
	test_expect_success "$prog: the commands and options of --help" '
		$prog --help >help.$prog &&
		sed -n "/^commands:/,/^$/p" help.$prog |
			sed -n "s/^   \([a-z][a-z-]*\).*/\1/p" | sort -u >commands.$prog &&
		test_line_count -ge 1 commands.$prog &&
		sed -n "/^options:/,/^$/p" help.$prog | grep -o -- "--[a-z][a-z-]*" |
			sort -u >options.$prog &&
		test_line_count -ge 8 options.$prog
	'

	test_expect_success "$prog: every command is in the man page and the completions" '
		while read c; do
			grep -q "^\*$prog $c\*" "$man/$prog.1.scd" || { echo "man: $c"; return 1; }
			grep -q "$c" "$comp/honk.bash" || { echo "bash: $c"; return 1; }
			grep -q "[[:space:]][^[:space:]]$c:" "$comp/_honk" || { echo "zsh: $c"; return 1; }
			grep -q -- "-a $c " "$comp/$prog.fish" || { echo "fish: $c"; return 1; }
		done <commands.$prog
	'

	test_expect_success "$prog: every long option is in the man page and the completions" '
		while read o; do
			grep -q -- "\*$o\*" "$man/$prog.1.scd" || { echo "man: $o"; return 1; }
			grep -q -- "$o" "$comp/honk.bash" || { echo "bash: $o"; return 1; }
			grep -q -- "$o" "$comp/_honk" || { echo "zsh: $o"; return 1; }
			grep -q -- "-l ${o#--} " "$comp/$prog.fish" || { echo "fish: $o"; return 1; }
		done <options.$prog
	'
done

# DESIGN section 7: honk-status commands documented ahead of their --help.
test_expect_success 'honk-status: graph, export and html are in the man page and the completions' '
	for c in show log approve reject graph export html; do
		grep -q "^\*honk-status $c\*" "$man/honk-status.1.scd" || { echo "man: $c"; return 1; }
		grep -q "[[:space:]][^[:space:]]$c:" "$comp/_honk" || { echo "zsh: $c"; return 1; }
		grep -q -- "-a $c " "$comp/honk-status.fish" || { echo "fish: $c"; return 1; }
	done &&
	for o in --format --depth --output --consumer --reason --actor; do
		grep -q -- "\*$o\*" "$man/honk-status.1.scd" || { echo "man: $o"; return 1; }
		grep -q -- "$o" "$comp/honk.bash" || { echo "bash: $o"; return 1; }
		grep -q -- "$o" "$comp/_honk" || { echo "zsh: $o"; return 1; }
		grep -q -- "-l ${o#--} " "$comp/honk-status.fish" || { echo "fish: $o"; return 1; }
	done
'

test_expect_success 'the generated man pages are up to date with their sources' '
	for src in "$man"/*.scd; do
		page=${src%.scd} &&
		test_path_is_file "$page" &&
		if command -v scdoc >/dev/null 2>&1; then
			# scdoc stamps the day it ran into .TH; compare the rest.
			scdoc <"$src" >expect.raw &&
			sed "/^\\.TH /d" expect.raw >expect &&
			sed "/^\\.TH /d" "$page" >actual &&
			test_cmp expect actual || return 1
		fi
	done
'

test_expect_success 'the exit codes are the same in every man page' '
	for page in "$man"/*.1.scd "$man"/honk.7.scd; do
		awk "/^# /{on = (\$0 == \"# EXIT STATUS\")} on" "$page" >codes.$$ &&
		awk "/^# /{on = (\$0 == \"# EXIT STATUS\")} on" "$man/honk-status.1.scd" >want &&
		test_line_count -ge 12 want &&
		test_cmp want codes.$$ || return 1
	done
'

if command -v bash >/dev/null 2>&1; then
	test_expect_success 'bash completion offers the commands and their options' '
		cat >complete.bash <<-\EOF &&
		. "$1"
		COMP_WORDS=(honk-status "")
		COMP_CWORD=1
		_honk_status
		echo "${COMPREPLY[*]}"
		COMP_WORDS=(honk-status lint --in)
		COMP_CWORD=2
		_honk_status
		echo "${COMPREPLY[*]}"
		COMP_WORDS=(honk-status graph --format "")
		COMP_CWORD=3
		_honk_status
		echo "${COMPREPLY[*]}"
		COMP_WORDS=(honk-status reject x --r)
		COMP_CWORD=3
		_honk_status
		echo "${COMPREPLY[*]}"
		COMP_WORDS=(honk-detect "")
		COMP_CWORD=1
		_honk_detect
		echo "${COMPREPLY[*]}"
		COMP_WORDS=(honk-detect diff --policy f)
		COMP_CWORD=3
		_honk_detect
		echo "${COMPREPLY[*]}"
		COMP_WORDS=(honk-rollout "")
		COMP_CWORD=1
		_honk_rollout
		echo "${COMPREPLY[*]}"
		COMP_WORDS=(honk-rollout promote --f)
		COMP_CWORD=2
		_honk_rollout
		echo "${COMPREPLY[*]}"
		COMP_WORDS=(honk-rollout run --o)
		COMP_CWORD=2
		_honk_rollout
		echo "${COMPREPLY[*]}"
		EOF
		bash complete.bash "$comp/honk.bash" >out &&
		printf "%s\n" "show log approve reject graph export html lint datasets consumers" \
			"--index" "tree dot mermaid json" "--reason --rev --remote" "diff impact check scan" \
			"forward full forward_transitive full_transitive" \
			"run pause resume retry promote abort undo history" "--full" \
			"--once" >expect &&
		test_cmp expect out
	'

	test_expect_success 'bash completion offers honk-rollout its migrations and consumers' '
		git init -q comp &&
		mkdir comp/migrations comp/consumers &&
		echo "migration: a.b.v1-v2" >comp/migrations/a.b.v1-v2.yaml &&
		mkdir comp/migrations/a.b.v1-v2 &&
		echo "-- sql" >comp/migrations/a.b.v1-v2/transform.sqlite.sql &&
		echo "consumer: c1" >comp/consumers/c1.yaml &&
		git -C comp add -A &&
		git -C comp commit -q -m "a plan" &&
		blob=$(printf "migration: x.y.v1-v2\nphase: paused\nconsumers:\n- {consumer: c9, wave: 1, state: pending}\n" |
			git -C comp hash-object -w --stdin) &&
		tree=$(printf "100644 blob %s\tx.y.v1-v2.yaml\n" "$blob" | git -C comp mktree) &&
		tree=$(printf "040000 tree %s\tstate\n" "$tree" | git -C comp mktree) &&
		commit=$(git -C comp commit-tree -m "a state" "$tree") &&
		git -C comp update-ref refs/heads/honk/state "$commit" &&
		cat >complete-rollout.bash <<-\EOF &&
		. "$1"
		COMP_WORDS=(honk-rollout run "")
		COMP_CWORD=2
		_honk_rollout
		echo "${COMPREPLY[*]}"
		COMP_WORDS=(honk-rollout pause "")
		COMP_CWORD=2
		_honk_rollout
		echo "${COMPREPLY[*]}"
		COMP_WORDS=(honk-rollout pause x.y.v1-v2 --consumer "")
		COMP_CWORD=4
		_honk_rollout
		echo "${COMPREPLY[*]}"
		COMP_WORDS=(honk-rollout history --consumer "")
		COMP_CWORD=3
		_honk_rollout
		echo "${COMPREPLY[*]}"
		EOF
		(cd comp && bash ../complete-rollout.bash "$comp/honk.bash") >out &&
		printf "%s\n" a.b.v1-v2 x.y.v1-v2 c9 c1 >expect &&
		test_cmp expect out
	'
fi

if command -v fish >/dev/null 2>&1; then
	test_expect_success 'fish completion offers the commands and their options' '
		cat >complete.fish <<-\EOF &&
		source $argv[1]
		complete -C "honk-status " | cut -f1 | sort | string join " "
		complete -C "honk-status graph --format " | cut -f1 | sort | string join " "
		complete -C "honk-status export " | cut -f1 | string join " "
		exit 0
		EOF
		fish complete.fish "$comp/honk-status.fish" >out &&
		printf "%s\n" "approve consumers datasets export graph html lint log reject show" \
			"dot json mermaid tree" "backstage" >expect &&
		test_cmp expect out
	'
fi

test_done
