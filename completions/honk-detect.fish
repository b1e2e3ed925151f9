# fish completion for honk-detect

set -l commands diff impact check scan

complete -c honk-detect -f
complete -c honk-detect -n "not __fish_seen_subcommand_from $commands" -a diff -d 'Classify the changes between two schemas or two dataset versions'
complete -c honk-detect -n "not __fish_seen_subcommand_from $commands" -a impact -d 'The consumers a move to the latest version affects'
complete -c honk-detect -n "not __fish_seen_subcommand_from $commands" -a check -d 'The gate for hooks and CI'
complete -c honk-detect -n "not __fish_seen_subcommand_from $commands" -a scan -d 'Where consumer code names datasets'

complete -c honk-detect -s C -r -a '(__fish_complete_directories)' -d 'Run as if started in DIR'
complete -c honk-detect -l rev -r -a '(git for-each-ref --format="%(refname:short)" 2>/dev/null) HEAD' -d 'Read the catalog at REV'
complete -c honk-detect -l remote -r -a '(git remote 2>/dev/null)' -d 'Remote to use'
complete -c honk-detect -l no-remote -d 'Use no remote'
complete -c honk-detect -l json -d 'Machine-readable output'
complete -c honk-detect -s q -l quiet -d 'No summary on stderr'
complete -c honk-detect -s v -l verbose -d 'Say more on stderr'
complete -c honk-detect -l color -x -a 'auto always never' -d 'Colour output'
complete -c honk-detect -s h -l help -d 'Show the help'
complete -c honk-detect -l version -d 'Show the version'
complete -c honk-detect -n '__fish_seen_subcommand_from diff' -l policy -x -a 'backward forward full none backward_transitive forward_transitive full_transitive' -d 'Compatibility policy'
complete -c honk-detect -n '__fish_seen_subcommand_from diff' -l format -x -a 'text json' -d 'Output format'
complete -c honk-detect -n '__fish_seen_subcommand_from diff' -F
complete -c honk-detect -n '__fish_seen_subcommand_from impact' -l depth -x -d 'Levels of produces edges'
complete -c honk-detect -n '__fish_seen_subcommand_from check' -l index -d 'The staged catalog against HEAD'
complete -c honk-detect -n '__fish_seen_subcommand_from check' -l pre-receive -d 'Read pre-receive lines on stdin'
complete -c honk-detect -n "not __fish_seen_subcommand_from $commands" -l dry-run -d 'Say what the run would propose; write nothing'
complete -c honk-detect -n "not __fish_seen_subcommand_from $commands" -l dataset -x -d 'Only this dataset (repeatable)'
complete -c honk-detect -n '__fish_seen_subcommand_from scan' -l pattern -x -d 'Also report this PCRE2 pattern'
complete -c honk-detect -n '__fish_seen_subcommand_from scan' -l print-names -d 'Print the names looked for'
complete -c honk-detect -n '__fish_seen_subcommand_from scan' -a '(__fish_complete_directories)'
complete -c honk-detect -n "not __fish_seen_subcommand_from $commands" -l full -d 'Every dataset, not only what changed since the last run'
