#!/bin/sh
# Point one consumer at the new dataset version. Idempotent per step id.
set -eu
echo "apply: $HONK_CONSUMER moves $HONK_DATASET v$HONK_FROM -> v$HONK_TO (wave $HONK_WAVE, attempt $HONK_ATTEMPT, step $HONK_STEP_ID)"
