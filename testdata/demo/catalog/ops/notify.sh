#!/bin/sh
# Called on pause, failure, rollback and completion: what and why.
set -eu
echo "notify: $HONK_MIGRATION: $HONK_EVENT${HONK_REASON:+: $HONK_REASON}" >&2
