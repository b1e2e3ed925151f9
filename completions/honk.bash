# bash completion for honk-status, honk-detect and honk-gen  -*- shell-script -*-

# What every honk command shares: the words, the common options and their
# values. Returns 0 when it filled COMPREPLY.
_honk_common()
{
	case $prev in
	-C)
		COMPREPLY=($(compgen -d -- "$cur"))
		return 0
		;;
	--rev)
		COMPREPLY=($(compgen -W "$(git for-each-ref --format='%(refname:short)' 2>/dev/null) HEAD" -- "$cur"))
		return 0
		;;
	--remote)
		COMPREPLY=($(compgen -W "$(git remote 2>/dev/null)" -- "$cur"))
		return 0
		;;
	esac
	case $cur in
	--color=*)
		COMPREPLY=($(compgen -W "auto always never" -- "${cur#--color=}"))
		return 0
		;;
	esac
	return 1
}

_honk_words()
{
	_init_completion 2>/dev/null || {
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD-1]}
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
	}
}

_honk_status()
{
	local cur prev words cword
	_honk_words

	local commands="show log approve reject lint datasets consumers"
	local common="-C --rev --remote --no-remote --json -q --quiet -v --verbose --color= -h --help --version"

	_honk_common && return

	local i command=
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		-C | --rev | --remote) ((i++)) ;;
		-*) ;;
		*)
			command=${words[i]}
			break
			;;
		esac
	done

	if [[ -z $command ]]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "$common" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$commands" -- "$cur"))
		fi
		return
	fi
	case $command in
	lint) COMPREPLY=($(compgen -W "--index $common" -- "$cur")) ;;
	log) COMPREPLY=($(compgen -W "--consumer $common" -- "$cur")) ;;
	approve | reject) COMPREPLY=($(compgen -W "--reason --actor $common" -- "$cur")) ;;
	*) COMPREPLY=($(compgen -W "$common" -- "$cur")) ;;
	esac
} &&
	complete -F _honk_status honk-status

_honk_detect()
{
	local cur prev words cword
	_honk_words

	local commands="diff impact check scan"
	local common="-C --rev --remote --no-remote --json -q --quiet -v --verbose --color= -h --help --version"
	local run="--dry-run --full --dataset"

	_honk_common && return
	case $prev in
	--policy)
		COMPREPLY=($(compgen -W "backward forward full none backward_transitive forward_transitive full_transitive" -- "$cur"))
		return
		;;
	--format)
		COMPREPLY=($(compgen -W "text json" -- "$cur"))
		return
		;;
	--depth | --pattern)
		return
		;;
	--dataset)
		COMPREPLY=($(compgen -W "$(git ls-tree -r --name-only HEAD datasets/ 2>/dev/null | sed -n 's|^datasets/\([^/]*\)/\(.*\)\.yaml$|\1.\2|p')" -- "$cur"))
		return
		;;
	esac

	local i command=
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		-C | --rev | --remote | --policy | --format | --depth | --dataset | --pattern) ((i++)) ;;
		-*) ;;
		*)
			command=${words[i]}
			break
			;;
		esac
	done

	if [[ -z $command ]]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "$run $common" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$commands" -- "$cur"))
		fi
		return
	fi
	case $command in
	diff)
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--policy --format $common" -- "$cur"))
		else
			COMPREPLY=($(compgen -f -- "$cur"))
		fi
		;;
	impact) COMPREPLY=($(compgen -W "--depth $common" -- "$cur")) ;;
	check) COMPREPLY=($(compgen -W "--index --pre-receive $common" -- "$cur")) ;;
	scan)
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--pattern --print-names $common" -- "$cur"))
		else
			COMPREPLY=($(compgen -d -- "$cur"))
		fi
		;;
	esac
} &&
	complete -F _honk_detect honk-detect

_honk_gen()
{
	local cur prev words cword
	_honk_words

	local commands="validate rewrite"
	local common="-C --json -q --quiet -v --verbose --color= -h --help --version"
	local generate="--consumer --dialect --no-validate --dry-run --remote --no-remote"

	_honk_common && return
	case $prev in
	--rules)
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	--dialect)
		COMPREPLY=($(compgen -W "sqlite postgres bigquery" -- "$cur"))
		return
		;;
	--consumer)
		COMPREPLY=($(compgen -W "$(git ls-tree -r --name-only HEAD consumers/ 2>/dev/null | sed -n 's|^.*/\([^/]*\)\.yaml$|\1|p')" -- "$cur"))
		return
		;;
	esac

	local i command=
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		-C | --rules | --dialect | --consumer | --remote) ((i++)) ;;
		-*) ;;
		*)
			command=${words[i]}
			break
			;;
		esac
	done

	# proposals: the ids honk-gen takes
	local ids
	ids=$(git for-each-ref --format='%(refname:short)' 'refs/heads/honk/propose/' 2>/dev/null | sed 's|^honk/propose/||')
	if [[ -z $command ]]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "$generate $common" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$commands $ids" -- "$cur"))
		fi
		return
	fi
	case $command in
	rewrite)
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--rules --write --consumer $common" -- "$cur"))
		else
			COMPREPLY=($(compgen -d -- "$cur"))
		fi
		;;
	validate)
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--consumer --remote --no-remote $common" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$ids" -- "$cur"))
		fi
		;;
	*)
		COMPREPLY=($(compgen -W "$generate $common" -- "$cur"))
		;;
	esac
} &&
	complete -F _honk_gen honk-gen
