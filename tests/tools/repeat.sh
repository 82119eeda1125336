#!/usr/bin/env bash
# `hloc run --repeat N`: N timed runs of one compiled module, for HLO text (JIT, cpu and cpu-aot,
# and interp) and for a .so from `hloc compile`: one 'run K: T ms' line per run in order, then
# 'time: N runs, min A ms, median B ms, max C ms' with A <= B <= C, and the same outputs as a
# single run. Bad counts are usage errors.
# usage: repeat.sh HLOC DATA_DIR
set -uo pipefail
hloc=$1 data=$2
model=$data/cases/model_mlp/model.hlo
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
tmp=$(mktemp -d /tmp/hloc_repeat_XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# check_times OUTPUT N: the per-run lines and the summary.
check_times() {
    local out=$1 n=$2 k
    local runs
    runs=$(grep -cE '^run [0-9]+: [0-9]+\.[0-9]{3} ms$' <<<"$out")
    [ "$runs" = "$n" ] || fail "$n runs expected, $runs 'run K' lines in: $out"
    for ((k = 1; k <= n; k++)); do
        grep -qE "^run $k: " <<<"$out" || fail "no line for run $k"
    done
    local summary
    summary=$(grep -E '^time: ' <<<"$out")
    local re="^time: $n runs?, min ([0-9.]+) ms, median ([0-9.]+) ms, max ([0-9.]+) ms$"
    if [[ $summary =~ $re ]]; then
        awk -v a="${BASH_REMATCH[1]}" -v b="${BASH_REMATCH[2]}" -v c="${BASH_REMATCH[3]}" \
            'BEGIN { exit !(a <= b && b <= c && a > 0) }' || fail "min <= median <= max: $summary"
    else
        fail "summary line: '$summary'"
    fi
}

for tgt in cpu cpu-aot interp; do
    out=$("$hloc" run "$model" --target "$tgt" --random -o "$tmp/$tgt.3" --repeat 3) ||
        { fail "$tgt --repeat 3 exit status $?"; continue; }
    check_times "$out" 3
    "$hloc" run "$model" --target "$tgt" --random -o "$tmp/$tgt.1" >/dev/null || fail "$tgt single run"
    cmp -s "$tmp/$tgt.3/out0.npy" "$tmp/$tgt.1/out0.npy" || fail "$tgt: repeated run gives other outputs"
done

"$hloc" compile "$model" -o "$tmp/mlp.so" || fail "compile exit status $?"
out=$("$hloc" run "$tmp/mlp.so" --random -o "$tmp/so.5" --repeat 5) || fail "so --repeat 5 exit status $?"
check_times "$out" 5
"$hloc" run "$tmp/mlp.so" --random -o "$tmp/so.1" >/dev/null || fail "so single run"
cmp -s "$tmp/so.5/out0.npy" "$tmp/so.1/out0.npy" || fail ".so: repeated run gives other outputs"
out=$("$hloc" run "$tmp/mlp.so" --random -o "$tmp/so.1b") || fail "so single run"
grep -q '^time:' <<<"$out" && fail "a run without --repeat prints no times"

for bad in 0 -1 x 1.5 ""; do
    "$hloc" run "$model" --random -o "$tmp/bad" --repeat "$bad" >/dev/null 2>&1
    rc=$?
    [ "$rc" = 2 ] || fail "--repeat '$bad' should be a usage error (2), got $rc"
done
"$hloc" run "$model" --random -o "$tmp/bad" --repeat >/dev/null 2>&1
[ $? = 2 ] || fail "--repeat without a value should be a usage error"

[ "$fails" = 0 ] && echo "repeat: all checks passed"
exit $((fails > 0))
