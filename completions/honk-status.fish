# fish completion for honk-status

set -l commands show log approve reject lint datasets consumers

complete -c honk-status -f
complete -c honk-status -n "not __fish_seen_subcommand_from $commands" -a show -d 'One migration, each consumer with its state'
complete -c honk-status -n "not __fish_seen_subcommand_from $commands" -a log -d 'Its transitions from the history of honk/state'
complete -c honk-status -n "not __fish_seen_subcommand_from $commands" -a approve -d 'Merge the proposal into main'
complete -c honk-status -n "not __fish_seen_subcommand_from $commands" -a reject -d 'Delete the proposal, recording who and why'
complete -c honk-status -n "not __fish_seen_subcommand_from $commands" -a lint -d 'Report every catalog error as path:line:col: message'
complete -c honk-status -n "not __fish_seen_subcommand_from $commands" -a datasets -d 'List datasets, versions, deprecations and consumers'
complete -c honk-status -n "not __fish_seen_subcommand_from $commands" -a consumers -d 'List consumers and what they read and produce'

complete -c honk-status -s C -r -a '(__fish_complete_directories)' -d 'Run as if started in DIR'
complete -c honk-status -l rev -r -a '(git for-each-ref --format="%(refname:short)" 2>/dev/null) HEAD' -d 'Read the catalog at REV'
complete -c honk-status -l remote -r -a '(git remote 2>/dev/null)' -d 'Remote to use'
complete -c honk-status -l no-remote -d 'Use no remote'
complete -c honk-status -l json -d 'Machine-readable output'
complete -c honk-status -s q -l quiet -d 'No summary on stderr'
complete -c honk-status -s v -l verbose -d 'Say more on stderr'
complete -c honk-status -l color -x -a 'auto always never' -d 'Colour output'
complete -c honk-status -s h -l help -d 'Show the help'
complete -c honk-status -l version -d 'Show the version'
complete -c honk-status -n '__fish_seen_subcommand_from lint' -l index -d 'Read the index (pre-commit hooks)'
complete -c honk-status -n '__fish_seen_subcommand_from log' -l consumer -x -d 'One consumer, with its step logs'
complete -c honk-status -n '__fish_seen_subcommand_from approve reject' -l reason -x -d 'Why, for the record'
complete -c honk-status -n '__fish_seen_subcommand_from approve reject' -l actor -x -d 'Who: Name <email>'
