#!/bin/sh
# Build the demo: a catalog repository and two consumer repositories in a
# scratch directory, then show what honk-status sees. Run by `make demo`.
#
#   sh testdata/demo/run.sh [SCRATCH]    (default: ./demo-catalog)
#
# Binaries come from $HONK_BIN_DIR (default: the top of the source tree).
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd -P)
demo=$top/testdata/demo
scratch=${1:-$top/demo-catalog}
bin=${HONK_BIN_DIR:-$top}

# Deterministic commits that do not depend on the user's git setup.
GIT_AUTHOR_NAME="Demo Author"
GIT_AUTHOR_EMAIL="demo@example.com"
GIT_COMMITTER_NAME="Demo Author"
GIT_COMMITTER_EMAIL="demo@example.com"
GIT_AUTHOR_DATE="2026-11-01T09:00:00Z"
GIT_COMMITTER_DATE="2026-11-01T09:00:00Z"
GIT_CONFIG_NOSYSTEM=1
export GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL
export GIT_AUTHOR_DATE GIT_COMMITTER_DATE GIT_CONFIG_NOSYSTEM
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE 2>/dev/null || true

rm -rf "$scratch"
mkdir -p "$scratch"

# The consumer repositories, bare, as a hosting platform would hold them.
for name in royalty-reports charts; do
	work=$scratch/.work-$name
	mkdir -p "$work"
	cp -R "$demo/repos/$name/." "$work/"
	git -C "$work" init -q -b main
	git -C "$work" add -A
	git -C "$work" commit -q -m "$name: initial import"
	git clone -q --bare "$work" "$scratch/$name.git"
	rm -rf "$work"
done

# The catalog.
git init -q -b main "$scratch/catalog"
cp -R "$demo/catalog/." "$scratch/catalog/"
git -C "$scratch/catalog" add -A
git -C "$scratch/catalog" commit -q -m "catalog: datasets, consumers and settings"

echo "demo: catalog in $scratch/catalog"
echo
echo "\$ honk-status lint"
"$bin/honk-status" -C "$scratch/catalog" lint -v
echo
echo "\$ honk-status datasets"
HONK_NOW=${HONK_NOW:-2026-11-24} "$bin/honk-status" -C "$scratch/catalog" datasets
echo
echo "\$ honk-status consumers"
"$bin/honk-status" -C "$scratch/catalog" consumers
