# fish completion for honk-gen

set -l commands validate rewrite

function __honk_gen_proposals
	git for-each-ref --format='%(refname:short)' 'refs/heads/honk/propose/' 2>/dev/null | string replace 'honk/propose/' ''
end

complete -c honk-gen -f
complete -c honk-gen -n "not __fish_seen_subcommand_from $commands" -a validate -d 'Run the validation again and record it'
complete -c honk-gen -n "not __fish_seen_subcommand_from $commands" -a rewrite -d 'Apply rewrite rules to a tree and print the patch'
complete -c honk-gen -n "not __fish_seen_subcommand_from $commands" -a '(__honk_gen_proposals)' -d 'Migration'

complete -c honk-gen -s C -r -a '(__fish_complete_directories)' -d 'Run as if started in DIR'
complete -c honk-gen -l json -d 'Machine-readable output'
complete -c honk-gen -s q -l quiet -d 'No summary on stderr'
complete -c honk-gen -s v -l verbose -d 'Say more on stderr'
complete -c honk-gen -l color -x -a 'auto always never' -d 'Colour output'
complete -c honk-gen -s h -l help -d 'Show the help'
complete -c honk-gen -l version -d 'Show the version'
complete -c honk-gen -l consumer -x -d 'Only this consumer (repeatable)'
complete -c honk-gen -n "not __fish_seen_subcommand_from $commands" -l dialect -x -a 'sqlite postgres bigquery' -d 'An SQL dialect (repeatable)'
complete -c honk-gen -n "not __fish_seen_subcommand_from $commands" -l no-validate -d 'Generate only'
complete -c honk-gen -n "not __fish_seen_subcommand_from $commands" -l dry-run -d 'Say what would be written, write nothing'
complete -c honk-gen -n "not __fish_seen_subcommand_from rewrite" -l remote -x -a '(git remote 2>/dev/null)' -d 'The remote to fetch from and push to'
complete -c honk-gen -n "not __fish_seen_subcommand_from rewrite" -l no-remote -d 'No remote'
complete -c honk-gen -n '__fish_seen_subcommand_from validate' -a '(__honk_gen_proposals)'
complete -c honk-gen -n '__fish_seen_subcommand_from rewrite' -l rules -r -F -d 'The rewrite rules (rewrite.yaml)'
complete -c honk-gen -n '__fish_seen_subcommand_from rewrite' -l write -d 'Also change the files in place'
complete -c honk-gen -n '__fish_seen_subcommand_from rewrite' -a '(__fish_complete_directories)'
