#!/usr/bin/env bash
# The example as a user runs it: `hloc compile examples/mlp.hlo` to a .so and a header, check the
# .so's NEEDED (libc/libm only, by readelf and by hloc inspect), build examples/main.c against
# the header and run it (it checks the model against a C reference), at -O0 and -O2.
# usage: example.sh HLOC SOURCE_ROOT
set -euo pipefail
hloc=$1 src=$2
tmp=$(mktemp -d /tmp/hloc_example_XXXXXX)
trap 'rm -rf "$tmp"' EXIT
for opt in -O0 -O2; do
    "$hloc" compile "$src/examples/mlp.hlo" -o "$tmp/mlp.so" --header "$tmp/mlp.h" \
        --object "$tmp/mlp.o" --name mlp "$opt"
    test -s "$tmp/mlp.o"
    if command -v readelf >/dev/null; then
        needed=$(readelf -d "$tmp/mlp.so" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort | tr '\n' ' ')
        case "$needed" in
            "" | "libc.so.6 " | "libm.so.6 " | "libc.so.6 libm.so.6 ") ;;
            *) echo "FAIL: mlp.so needs: $needed"; exit 1 ;;
        esac
    fi
    "$hloc" inspect "$tmp/mlp.so" | grep -q "hloc module 'mlp'"
    cc -std=c17 -O2 -Wall -Wextra -Werror -I"$tmp" "$src/examples/main.c" "$tmp/mlp.so" \
        -Wl,-rpath,"$tmp" -lm -o "$tmp/mlp_main"
    out=$("$tmp/mlp_main")
    grep -q "matches the C reference: yes" <<<"$out" || { echo "FAIL ($opt): $out"; exit 1; }
    echo "$opt: ok"
done
