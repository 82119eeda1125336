#!/usr/bin/env bash
# The test command: installs what is missing, builds, runs every test, then builds again with
# AddressSanitizer and UndefinedBehaviorSanitizer and runs every test there too.
set -euo pipefail
cd "$(dirname "$0")/.."
ASAN=1 ./scripts/bootstrap.sh
meson test -C build --print-errorlogs --num-processes 2
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ASAN_OPTIONS=detect_leaks=1 \
    meson test -C build-asan --print-errorlogs --num-processes 2 --timeout-multiplier 4
