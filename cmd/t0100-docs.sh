#!/bin/sh
test_description='--help, the man pages and the completions agree'
. "$(dirname "$0")/test-lib.sh"

man=$HONK_TOP/man
comp=$HONK_TOP/completions

for prog in honk-status honk-detect honk-gen; do
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
	for page in "$man"/*.1.scd; do
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
		COMP_WORDS=(honk-detect "")
		COMP_CWORD=1
		_honk_detect
		echo "${COMPREPLY[*]}"
		COMP_WORDS=(honk-detect diff --policy f)
		COMP_CWORD=3
		_honk_detect
		echo "${COMPREPLY[*]}"
		EOF
		bash complete.bash "$comp/honk.bash" >out &&
		printf "%s\n" "show log approve reject lint datasets consumers" "--index" \
			"diff impact check scan" \
			"forward full forward_transitive full_transitive" >expect &&
		test_cmp expect out
	'
fi

test_done
