#!/bin/sh
set -eu
echo "verify: $HONK_CONSUMER reads $HONK_DATASET v$HONK_TO"
