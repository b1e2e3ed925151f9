#!/bin/sh
test_description='--help, the man page and the completions agree'
. "$(dirname "$0")/test-lib.sh"

man=$HONK_TOP/man
comp=$HONK_TOP/completions

test_expect_success 'the commands of --help' '
	honk-status --help >help &&
	sed -n "/^commands:/,/^$/p" help | sed -n "s/^   \([a-z][a-z-]*\).*/\1/p" >commands &&
	test_line_count = 3 commands
'

test_expect_success 'the long options of --help' '
	sed -n "/^options:/,/^$/p" help | grep -o -- "--[a-z][a-z-]*" | sort -u >options &&
	test_line_count -ge 10 options
'

test_expect_success 'every command is in the man page synopsis and the completions' '
	while read c; do
		grep -q "^\*honk-status $c\*" "$man/honk-status.1.scd" || { echo "man: $c"; return 1; }
		grep -q "$c" "$comp/honk.bash" || { echo "bash: $c"; return 1; }
		grep -q "[[:space:]][^[:space:]]$c:" "$comp/_honk" || { echo "zsh: $c"; return 1; }
		grep -q -- "-a $c " "$comp/honk-status.fish" || { echo "fish: $c"; return 1; }
	done <commands
'

test_expect_success 'every long option is in the man page and the completions' '
	while read o; do
		grep -q -- "\*$o\*" "$man/honk-status.1.scd" || { echo "man: $o"; return 1; }
		grep -q -- "$o" "$comp/honk.bash" || { echo "bash: $o"; return 1; }
		grep -q -- "$o" "$comp/_honk" || { echo "zsh: $o"; return 1; }
		grep -q -- "-l ${o#--} " "$comp/honk-status.fish" || { echo "fish: $o"; return 1; }
	done <options
'

test_expect_success 'the generated man pages are up to date with their sources' '
	for src in "$man"/*.scd; do
		page=${src%.scd} &&
		test_path_is_file "$page" &&
		if command -v scdoc >/dev/null 2>&1; then
			scdoc <"$src" >expect &&
			test_cmp expect "$page" || return 1
		fi
	done
'

test_expect_success 'the exit codes are the same in every man page' '
	for page in "$man"/*.1.scd; do
		sed -n "/^# EXIT STATUS/,/^# /p" "$page" >codes &&
		grep -q "^\*5\*" codes &&
		grep -q "git, I/O or system error" codes || return 1
	done
'

if command -v bash >/dev/null 2>&1; then
	test_expect_success 'bash completion offers the commands and --index after lint' '
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
		EOF
		bash complete.bash "$comp/honk.bash" >out &&
		printf "%s\n" "lint datasets consumers" "--index" >expect &&
		test_cmp expect out
	'
fi

test_done
