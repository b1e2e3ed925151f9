#!/bin/sh
set -eu
echo "notify: $HONK_MIGRATION is $HONK_PHASE" >&2
