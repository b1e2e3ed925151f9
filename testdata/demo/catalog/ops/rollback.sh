#!/bin/sh
set -eu
echo "rollback: $HONK_CONSUMER back to $HONK_DATASET v$HONK_FROM"
