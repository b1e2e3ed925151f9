# fish completion for honk-status

set -l commands show log approve reject graph export html lint datasets consumers

# Migration ids: "open", the proposals whose plan is not on HEAD (what
# approve and reject take); "all", also the plans on HEAD and what
# honk/state records.
function __honk_status_ids
    set -l approved (git ls-tree --name-only HEAD migrations/ 2>/dev/null | string replace -rf '^migrations/(.*)\.yaml$' '$1')
    set -l ids (git for-each-ref --format='%(refname:short)' 'refs/heads/honk/propose/' 2>/dev/null | string replace 'honk/propose/' '')
    if test "$argv[1]" = all
        set -a ids $approved (git ls-tree --name-only honk/state state/ 2>/dev/null | string replace -rf '^state/(.*)\.yaml$' '$1')
        printf '%s\n' $ids | sort -u
    else
        for id in $ids
            contains -- $id $approved; or echo $id
        end
    end
end

# true while the command line has COMMAND and no argument after it yet
function __honk_status_first_arg
    set -l words (commandline -opc)
    set -e words[1]
    set -l seen 0
    set -l skip 0
    for w in $words
        if test $skip = 1
            set skip 0
            continue
        end
        switch $w
            case -C --rev --remote --consumer --reason --actor --format --depth -o --output
                set skip 1
            case '-*'
            case '*'
                if test $seen = 1
                    return 1
                end
                test "$w" = "$argv[1]"; or return 1
                set seen 1
        end
    end
    test $seen = 1
end

complete -c honk-status -f
complete -c honk-status -n "not __fish_seen_subcommand_from $commands" -a show -d 'One migration in full, consumer by consumer'
complete -c honk-status -n "not __fish_seen_subcommand_from $commands" -a log -d 'The transitions of a migration, from honk/state'
complete -c honk-status -n "not __fish_seen_subcommand_from $commands" -a approve -d 'Merge the proposal honk/propose/ID into main'
complete -c honk-status -n "not __fish_seen_subcommand_from $commands" -a reject -d 'Delete the proposal and record who and why'
complete -c honk-status -n "not __fish_seen_subcommand_from $commands" -a graph -d 'The dependency graph of datasets and consumers'
complete -c honk-status -n "not __fish_seen_subcommand_from $commands" -a export -d 'The catalog as Backstage entities'
complete -c honk-status -n "not __fish_seen_subcommand_from $commands" -a html -d 'One self-contained HTML dashboard'
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

complete -c honk-status -n '__honk_status_first_arg show' -a '(__honk_status_ids all)' -d Migration
complete -c honk-status -n '__honk_status_first_arg log' -a '(__honk_status_ids all)' -d Migration
complete -c honk-status -n '__fish_seen_subcommand_from log' -l consumer -x -a '(git ls-tree -r --name-only HEAD consumers/ 2>/dev/null | string replace -rf ".*/([^/]*)\.yaml\$" \'$1\')' -d 'Only the transitions of this consumer'
complete -c honk-status -n '__honk_status_first_arg approve' -a '(__honk_status_ids open)' -d Proposal
complete -c honk-status -n '__honk_status_first_arg reject' -a '(__honk_status_ids open)' -d Proposal
complete -c honk-status -n '__fish_seen_subcommand_from approve reject' -l reason -x -d 'Why, for the record'
complete -c honk-status -n '__fish_seen_subcommand_from approve reject' -l actor -x -d 'Who decides: Name <email>'
complete -c honk-status -n '__honk_status_first_arg graph' -a '(git ls-tree -r --name-only HEAD datasets/ 2>/dev/null | string replace -rf "^datasets/([^/]*)/(.*)\.yaml\$" \'$1.$2\')' -d Dataset
complete -c honk-status -n '__fish_seen_subcommand_from graph' -l format -x -a 'tree dot mermaid json' -d 'Output format'
complete -c honk-status -n '__fish_seen_subcommand_from graph' -l depth -x -d 'Levels of edges to follow'
complete -c honk-status -n '__honk_status_first_arg export' -a backstage -d 'Backstage catalog entities'
complete -c honk-status -n '__fish_seen_subcommand_from html' -s o -l output -r -F -d 'Write the page to FILE'
complete -c honk-status -n '__fish_seen_subcommand_from lint' -l index -d 'Read the index (pre-commit hooks)'
