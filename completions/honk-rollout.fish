# fish completion for honk-rollout

set -l commands run pause resume retry promote abort undo history
set -l verbs pause resume retry promote abort undo history

# Migrations honk-rollout can start: the plans on main (HEAD).
function __honk_rollout_approved
	git ls-tree --name-only HEAD migrations/ 2>/dev/null | string replace -r -f '^migrations/(.*)\.yaml$' '$1'
end

# Migrations with a state: those the verbs and history take.
function __honk_rollout_started
	git ls-tree --name-only refs/heads/honk/state state/ 2>/dev/null | string replace -r -f '^state/(.*)\.yaml$' '$1'
end

# The consumers of the migration on the line as its state lists them, else
# the catalog's consumers at HEAD.
function __honk_rollout_consumers
	set -l started (__honk_rollout_started)
	set -l names
	for w in (commandline -opc)
		if contains -- $w $started
			set names (git show "refs/heads/honk/state:state/$w.yaml" 2>/dev/null | string replace -r -f '^- \{consumer: ([^,}]*).*' '$1')
			break
		end
	end
	if test (count $names) -eq 0
		set names (git ls-tree -r --name-only HEAD consumers/ 2>/dev/null | string replace -r -f '^.*/([^/]*)\.yaml$' '$1')
	end
	printf '%s\n' $names
end

# A verb still waiting for its migration id.
function __honk_rollout_needs_id
	set -l started (__honk_rollout_started)
	for w in (commandline -opc)
		contains -- $w $started; and return 1
	end
	return 0
end

complete -c honk-rollout -f
complete -c honk-rollout -n "not __fish_seen_subcommand_from $commands" -a run -d 'Start approved migrations and move each consumer over, wave by wave'
complete -c honk-rollout -n "not __fish_seen_subcommand_from $commands" -a pause -d 'Stop starting steps (or hold one consumer)'
complete -c honk-rollout -n "not __fish_seen_subcommand_from $commands" -a resume -d 'Go on after a pause'
complete -c honk-rollout -n "not __fish_seen_subcommand_from $commands" -a retry -d 'Run failed consumers again'
complete -c honk-rollout -n "not __fish_seen_subcommand_from $commands" -a promote -d 'Skip the wait before the next wave'
complete -c honk-rollout -n "not __fish_seen_subcommand_from $commands" -a abort -d 'Stop and roll back what moved'
complete -c honk-rollout -n "not __fish_seen_subcommand_from $commands" -a undo -d 'Roll back now (one consumer, or all)'
complete -c honk-rollout -n "not __fish_seen_subcommand_from $commands" -a history -d 'Every transition, from the log of honk/state'

complete -c honk-rollout -s C -r -a '(__fish_complete_directories)' -d 'Run as if started in DIR'
complete -c honk-rollout -l remote -x -a '(git remote 2>/dev/null)' -d 'The remote to fetch from and push to'
complete -c honk-rollout -l no-remote -d 'No remote'
complete -c honk-rollout -l json -d 'Machine-readable output'
complete -c honk-rollout -s q -l quiet -d 'Nothing but errors (for cron)'
complete -c honk-rollout -s v -l verbose -d 'Say more on stderr'
complete -c honk-rollout -l color -x -a 'auto always never' -d 'Colour output'
complete -c honk-rollout -s h -l help -d 'Show the help'
complete -c honk-rollout -l version -d 'Show the version'

complete -c honk-rollout -n '__fish_seen_subcommand_from run' -a '(__honk_rollout_approved)' -d 'Approved migration'
complete -c honk-rollout -n '__fish_seen_subcommand_from run' -l all -d 'Every approved migration'
complete -c honk-rollout -n '__fish_seen_subcommand_from run' -l once -d 'Do what can be done now, then exit'
complete -c honk-rollout -n "__fish_seen_subcommand_from $verbs; and __honk_rollout_needs_id" -a '(__honk_rollout_started)' -d 'Migration'
complete -c honk-rollout -n '__fish_seen_subcommand_from pause resume retry undo history' -l consumer -x -a '(__honk_rollout_consumers)' -d 'Only this consumer'
complete -c honk-rollout -n '__fish_seen_subcommand_from pause abort undo' -l reason -x -d 'Why, for the record'
complete -c honk-rollout -n '__fish_seen_subcommand_from pause resume retry promote abort undo' -l actor -x -d 'Who did it (default: git config user.name and user.email)'
complete -c honk-rollout -n '__fish_seen_subcommand_from promote' -l full -d 'Every remaining wave at once, no more gates'
