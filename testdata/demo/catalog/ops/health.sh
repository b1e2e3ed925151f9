#!/bin/sh
# Health figures after a wave, as key=value lines.
set -eu
echo "cpu=0.42"
echo "latency_p99_ms=180"
