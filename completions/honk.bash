# bash completion for honk-status, honk-detect, honk-gen and honk-rollout  -*- shell-script -*-

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

# Migration ids. "open": the proposals whose plan is not on HEAD yet (what
# approve and reject take); "all": also the plans on HEAD and what
# honk/state records.
_honk_status_ids()
{
	{
		git ls-tree --name-only HEAD migrations/ 2>/dev/null | sed -n 's|^migrations/\(.*\)\.yaml$|approved \1|p'
		[[ $1 == all ]] && git ls-tree --name-only honk/state state/ 2>/dev/null | sed -n 's|^state/\(.*\)\.yaml$|approved \1|p'
		git for-each-ref --format='%(refname:short)' 'refs/heads/honk/propose/' 2>/dev/null | sed 's|^honk/propose/|proposed |'
	} | awk -v all="$1" '
		$1 == "approved" { seen[$2] = 1; if (all == "all") print $2; next }
		!($2 in seen) { print $2 }' | sort -u
}

_honk_status()
{
	local cur prev words cword
	_honk_words

	local commands="show log approve reject graph export html lint datasets consumers"
	local common="-C --rev --remote --no-remote --json -q --quiet -v --verbose --color= -h --help --version"

	_honk_common && return
	case $prev in
	--format)
		COMPREPLY=($(compgen -W "tree dot mermaid json" -- "$cur"))
		return
		;;
	--consumer)
		COMPREPLY=($(compgen -W "$(git ls-tree -r --name-only HEAD consumers/ 2>/dev/null | sed -n 's|^.*/\([^/]*\)\.yaml$|\1|p')" -- "$cur"))
		return
		;;
	-o | --output)
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	--depth | --reason | --actor)
		return
		;;
	esac

	local i command= nargs=0
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		-C | --rev | --remote | --consumer | --reason | --actor | --format | --depth | -o | --output) ((i++)) ;;
		-*) ;;
		*)
			if [[ -z $command ]]; then
				command=${words[i]}
			else
				((nargs++))
			fi
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
	# the options of the command, and what its first argument can be
	local opts= args=
	case $command in
	show) args=$(_honk_status_ids all) ;;
	log)
		opts="--consumer"
		args=$(_honk_status_ids all)
		;;
	approve | reject)
		opts="--reason --actor"
		args=$(_honk_status_ids open)
		;;
	graph)
		opts="--format --depth"
		args=$(git ls-tree -r --name-only HEAD datasets/ 2>/dev/null | sed -n 's|^datasets/\([^/]*\)/\(.*\)\.yaml$|\1.\2|p')
		;;
	export) args=backstage ;;
	html) opts="-o --output" ;;
	lint) opts="--index" ;;
	esac
	((nargs)) && args=
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts $common" -- "$cur"))
	else
		COMPREPLY=($(compgen -W "$args" -- "$cur"))
	fi
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


# Migrations honk-rollout can start: the plans on main (HEAD).
_honk_rollout_approved()
{
	git ls-tree --name-only HEAD migrations/ 2>/dev/null |
		sed -n 's|^migrations/\(.*\)\.yaml$|\1|p'
}

# Migrations with a state: those the verbs and history take.
_honk_rollout_started()
{
	git ls-tree --name-only refs/heads/honk/state state/ 2>/dev/null |
		sed -n 's|^state/\(.*\)\.yaml$|\1|p'
}

# The consumers of migration $1 as its state lists them, else the
# catalog's consumers at HEAD.
_honk_rollout_consumers()
{
	local names=
	if [[ -n $1 ]]; then
		names=$(git show "refs/heads/honk/state:state/$1.yaml" 2>/dev/null |
			sed -n 's/^- {consumer: \([^,}]*\).*/\1/p')
	fi
	if [[ -z $names ]]; then
		names=$(git ls-tree -r --name-only HEAD consumers/ 2>/dev/null | sed -n 's|^.*/\([^/]*\)\.yaml$|\1|p')
	fi
	echo "$names"
}

_honk_rollout()
{
	local cur prev words cword
	_honk_words

	local commands="run pause resume retry promote abort undo history"
	local common="-C --remote --no-remote --json -q --quiet -v --verbose --color= -h --help --version"

	COMPREPLY=()
	_honk_common && return

	local i command= id=
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		-C | --remote | --consumer | --reason | --actor) ((i++)) ;;
		-*) ;;
		*)
			if [[ -z $command ]]; then
				command=${words[i]}
			elif [[ -z $id ]]; then
				id=${words[i]}
			fi
			;;
		esac
	done

	case $prev in
	--consumer)
		COMPREPLY=($(compgen -W "$(_honk_rollout_consumers "$id")" -- "$cur"))
		return
		;;
	--reason | --actor)
		return
		;;
	esac

	if [[ -z $command ]]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "$common" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$commands" -- "$cur"))
		fi
		return
	fi
	local opts
	case $command in
	run) opts="--all --once" ;;
	pause | undo) opts="--consumer --reason --actor" ;;
	resume | retry) opts="--consumer --actor" ;;
	promote) opts="--full --actor" ;;
	abort) opts="--reason --actor" ;;
	history) opts="--consumer" ;;
	*) return ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts $common" -- "$cur"))
	elif [[ $command == run ]]; then
		COMPREPLY=($(compgen -W "$(_honk_rollout_approved)" -- "$cur"))
	elif [[ -z $id ]]; then
		COMPREPLY=($(compgen -W "$(_honk_rollout_started)" -- "$cur"))
	fi
} &&
	complete -F _honk_rollout honk-rollout
