#!/bin/sh
# Health figures after a wave, as key=value lines.
set -eu
echo "cpu=${DEMO_CPU:-0.42}"
echo "latency_p99_ms=${DEMO_LATENCY:-180}"
