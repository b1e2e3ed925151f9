#!/bin/sh
# The charts repository's own test: every query names a dataset table.
set -eu
for q in queries/*.sql; do
	grep -q 'analytics\.' "$q" || { echo "$q: no dataset table" >&2; exit 1; }
done
echo "charts: queries ok"
