#!/usr/bin/env bash
# The AOT side of the command line: `hloc inspect` on the fixture modules (and, once `hloc
# compile` is built, the compile → inspect → link examples/main.c → run path: example.sh's).
# usage: cli.sh HLOC FIXTURE.so PLAIN.so
set -uo pipefail
hloc=$1 fixture=$2 plain=$3
fails=0
check() { # description, command...: the command must succeed
    local what=$1; shift
    if ! "$@"; then echo "FAIL: $what"; fails=$((fails + 1)); fi
}
out=$("$hloc" inspect "$fixture") || { echo "FAIL: inspect exit status $?"; fails=$((fails + 1)); }
for want in "hloc module 'fixture' (ABI version 3)" "target: x86_64-unknown-linux-gnu generic" \
    "cpu features: 64bit,cx8,sse,sse2" "this CPU: has every feature" \
    "entry: fixture(2 parameters, 2 results, options)" "1   greater                  s32[2]" \
    "scratch: 32 bytes"; do
    check "inspect prints '$want'" grep -qF "$want" <<<"$out"
done
# (a sanitizer build adds its runtimes to the fixture's NEEDED)
check "inspect prints the NEEDED libraries" grep -q "^  needs: lib" <<<"$out"
err=$("$hloc" inspect "$plain" 2>&1 >/dev/null); rc=$?
check "inspect of a plain .so fails with 1 (got $rc)" test "$rc" = 1
check "and says why: $err" grep -qF "not an hloc module (no hloc_module_info symbol)" <<<"$err"
"$hloc" inspect >/dev/null 2>&1; rc=$?
check "inspect without a file is a usage error (got $rc)" test "$rc" = 2
err=$("$hloc" inspect /nonexistent.so 2>&1); rc=$?
check "inspect of a missing file fails: $err" test "$rc" = 1
# hloc compile's command-line errors (its success path is aot-example's and aot-e2e's)
tmp=$(mktemp -d /tmp/hloc_cli_XXXXXX)
trap 'rm -rf "$tmp"' EXIT
printf 'HloModule m\nENTRY e {\n  p = f32[2] parameter(0)\n  ROOT r = f32[2] add(p, q)\n}\n' >"$tmp/bad.hlo"
printf 'HloModule m\nENTRY e {\n  ROOT p = f32[2] parameter(0)\n}\n' >"$tmp/ok.hlo"
expect() { # exit status, expected stderr text, hloc arguments...
    local want=$1 text=$2; shift 2
    local err rc
    err=$("$hloc" "$@" 2>&1 >/dev/null); rc=$?
    check "hloc $* exits $want (got $rc)" test "$rc" = "$want"
    check "hloc $* says '$text' (said: $err)" grep -qF -- "$text" <<<"$err"
}
expect 2 "missing -o FILE.so" compile "$tmp/ok.hlo"
expect 2 "missing MODEL" compile -o "$tmp/x.so"
expect 2 "--name '1x' is not a C identifier" compile "$tmp/ok.hlo" -o "$tmp/x.so" --name 1x
expect 2 "unknown option '-O7'" compile "$tmp/ok.hlo" -o "$tmp/x.so" -O7
expect 2 "more than one MODEL" compile "$tmp/ok.hlo" "$tmp/ok.hlo" -o "$tmp/x.so"
expect 1 "bad.hlo:4:26: error: operand 'q' is not defined" compile "$tmp/bad.hlo" -o "$tmp/x.so"
printf 'HloModule m\nENTRY e {\n  p = f32[2] parameter(0)\n  ROOT r = f32[2] custom-call(p), custom_call_target="my_fn"\n}\n' >"$tmp/cc.hlo"
expect 1 "cc.hlo:4:8: " compile "$tmp/cc.hlo" -o "$tmp/x.so"
expect 1 "unknown cpu 'bogus': LLVM does not know it" compile "$tmp/ok.hlo" -o "$tmp/x.so" --cpu bogus
# a 32-bit CPU LLVM knows is named as one (LLVM would have stopped with a fatal error)
expect 1 "cpu 'i686' has no 64-bit mode" compile "$tmp/ok.hlo" -o "$tmp/x.so" --cpu i686
expect 1 "/nonexistent.hlo" compile /nonexistent.hlo -o "$tmp/x.so"
expect 1 "link failed" compile "$tmp/ok.hlo" -o "$tmp/no/such/dir/x.so"
check "no .so is left after failures" test ! -e "$tmp/x.so"
check "compile --help" "$hloc" compile --help >/dev/null
check "compile with --dump-dir creates it" "$hloc" compile "$tmp/ok.hlo" -o "$tmp/ok.so" \
    --dump-dir "$tmp/dump/a" --dump-llvm --name ok
check "the dump has the optimized IR" test -s "$tmp/dump/a/ok.ir-with-opt.ll"
check "and the module after the pass pipeline" ls "$tmp/dump/a/"*after_optimizations.txt
expect 1 "nosuchpass" compile "$tmp/ok.hlo" -o "$tmp/x.so" --passes=dce,nosuchpass
check "compile --passes=dce" "$hloc" compile "$tmp/ok.hlo" -o "$tmp/ok.so" --passes=dce

# hloc run MODEL.so: inputs from the metadata, through the runtime; the same inputs through the
# evaluator give the same outputs (to float rounding; compared byte-exactly for integers below)
src=${HLOC_TEST_DATA:?}/..
check "compile the int_arith case" "$hloc" compile "$src/data/cases/int_arith/model.hlo" \
    -o "$tmp/ia.so" --name ia
check "run ia.so --random" "$hloc" run "$tmp/ia.so" --random --seed 7 --output-dir "$tmp/so"
n_in=$(ls "$tmp/so"/in*.npy | wc -l)
ins=()
for ((k = 0; k < n_in; k++)); do ins+=(--input "$tmp/so/in$k.npy"); done
check "run the HLO on the evaluator with those inputs" "$hloc" run \
    "$src/data/cases/int_arith/model.hlo" --target interp "${ins[@]}" --output-dir "$tmp/interp"
for f in "$tmp/interp"/out*.npy; do
    check "$(basename "$f") of the .so equals the evaluator's" cmp -s "$f" "$tmp/so/$(basename "$f")"
done
check "int_arith has outputs" test -s "$tmp/so/out0.npy"
expect 2 "--target does not apply to a compiled MODEL.so" run "$tmp/ia.so" --target cpu --random \
    --output-dir "$tmp/so"
expect 1 "takes $n_in input arrays" run "$tmp/ia.so" --input "$tmp/so/in0.npy" --output-dir "$tmp/so"
expect 1 "not an hloc module" run "$plain" --random --output-dir "$tmp/so"

# the runtime's public headers stand alone, in C and (where installed) C++
inc=${HLOC_TEST_DATA:?}/../../include
for h in hloc/runtime.h hloc/abi.h; do
    check "$h compiles on its own as C17" cc -std=c17 -Wall -Wextra -Wpedantic -Werror \
        -fsyntax-only -I"$inc" -x c "$inc/$h"
    if command -v c++ >/dev/null; then
        check "$h compiles on its own as C++17" c++ -std=c++17 -Wall -Wextra -Wpedantic -Werror \
            -fsyntax-only -I"$inc" -x c++ "$inc/$h"
    fi
done
[ "$fails" = 0 ] && echo "all checks passed"
exit $((fails > 0))
