# fish completion for honk-gen

set -l commands rewrite

complete -c honk-gen -f
complete -c honk-gen -n "not __fish_seen_subcommand_from $commands" -a rewrite -d 'Apply rewrite rules to a tree and print the patch'

complete -c honk-gen -s C -r -a '(__fish_complete_directories)' -d 'Run as if started in DIR'
complete -c honk-gen -l json -d 'Machine-readable output'
complete -c honk-gen -s q -l quiet -d 'No summary on stderr'
complete -c honk-gen -s v -l verbose -d 'Say more on stderr'
complete -c honk-gen -l color -x -a 'auto always never' -d 'Colour output'
complete -c honk-gen -s h -l help -d 'Show the help'
complete -c honk-gen -l version -d 'Show the version'
complete -c honk-gen -n '__fish_seen_subcommand_from rewrite' -l rules -r -F -d 'The rewrite rules (rewrite.yaml)'
complete -c honk-gen -n '__fish_seen_subcommand_from rewrite' -l write -d 'Also change the files in place'
complete -c honk-gen -n '__fish_seen_subcommand_from rewrite' -a '(__fish_complete_directories)'
