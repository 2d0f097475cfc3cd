#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Smoke test of vigia-bench (ctest vigia_bench_smoke): every issue #6 mode on a
# small synthetic workload. Fails when a mode exits non-zero, a generated rule
# set (N = 10 ... 10,000) gives any diagnostic, or a --json file is missing.
# Usage: smoke_test.sh path/to/vigia-bench
set -eu
bench=$1
dir=$(mktemp -d "${TMPDIR:-/tmp}/vigia-bench-smoke-XXXXXX")
trap 'rm -rf "$dir"' EXIT

"$bench" gen events --n 3000 --seed 5 --subjects 2000 --out "$dir/events.jsonl"
test "$(wc -l < "$dir/events.jsonl")" -eq 3000
for n in 10 100 1000 10000; do
  "$bench" gen rules --n "$n" --seed 5 --dir "$dir/rules-$n"
done
"$bench" parse --events "$dir/events.jsonl" --rounds 1 --json "$dir/parse-file.json"
"$bench" parse --synthetic 3000 --subjects 2000 --rounds 1 --json "$dir/parse.json"
"$bench" engine --events "$dir/events.jsonl" --rules "$dir/rules-100" --rounds 1 --dedup
"$bench" engine --synthetic 3000 --subjects 2000 --generate-rules 100 --rounds 1 \
  --json "$dir/engine.json"
"$bench" engine --synthetic 3000 --subjects 2000 --rule-counts 10,100,300 --rounds 1 \
  --json "$dir/counts.json"
"$bench" keys --keys 100,1000 --json "$dir/keys.json"
for f in parse-file parse engine counts keys; do
  test -s "$dir/$f.json" || { echo "missing $f.json" >&2; exit 1; }
done
grep -q '"rules": 300' "$dir/counts.json"
echo "vigia-bench smoke: ok"
