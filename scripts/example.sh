#!/usr/bin/env bash
# The main job: builds hloc and runs it on the bundled example model (examples/mlp.hlo, a 2-layer
# perceptron). With `hloc compile` available it compiles the model to a shared object and a C
# header, builds examples/main.c against them, runs it (result checked against a C reference)
# and prints the result and the time per call. Until then it runs the furthest step that the
# built hloc offers (it reads `hloc --help`), so this script always does what it says.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/bootstrap.sh
hloc=build/tools/hloc
model=examples/mlp.hlo
out=out/example
mkdir -p "$out"
commands=$("$hloc" --help | sed -n 's/^  \([a-z-]*\) .*/\1/p')
has() { grep -qx "$1" <<<"$commands"; }

if has compile; then
    echo "== hloc compile $model -o $out/mlp.so --header $out/mlp.h --name mlp -O2"
    start=$EPOCHREALTIME
    "$hloc" compile "$model" -o "$out/mlp.so" --header "$out/mlp.h" --name mlp -O2
    awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "compiled in %.2f s\n", b - a }'
    if has inspect; then
        echo "== hloc inspect $out/mlp.so"
        "$hloc" inspect "$out/mlp.so"
    fi
    echo "== cc examples/main.c $out/mlp.so, then run it"
    cc -std=c17 -O2 -Wall -Wextra -Werror -I"$out" examples/main.c "$out/mlp.so" \
        -Wl,-rpath,"$PWD/$out" -lm -o "$out/mlp_main"
    "$out/mlp_main"
elif has run; then
    echo "== hloc run $model --target interp --random (hloc compile is not built yet)"
    start=$EPOCHREALTIME
    "$hloc" run "$model" --target interp --random --output-dir "$out/run"
    awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "ran in %.3f s\n", b - a }'
    echo "inputs and result (.npy): $(cd "$out/run" && ls)"
elif has verify; then
    echo "== hloc verify $model (hloc compile and run are not built yet)"
    "$hloc" verify "$model"
else
    echo "== $model (hloc has no command to read HLO yet: $(echo $commands | tr '\n' ' '))"
    sed -n 's/^HloModule \([^,]*\),.*entry_computation_layout={\(.*\)}$/module \1: \2/p' "$model"
    echo "instructions: $(grep -c ' = ' "$model"), parameters: $(grep -c 'parameter(' "$model")"
fi
