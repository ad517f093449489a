#!/bin/bash
# A/B timing of the whole tree (every @tessera package and the bench) against a base commit,
# for regressions that may come from core as well as a backend: bundles each tree's
# scripts/step.ts from source, then alternates the two per workload.
# Usage: bash scripts/ab-tree.sh BASE_COMMIT [workloads…]   (RUNS=n steps per sample)
set -e
cd "$(dirname "$0")/.."
base=$1; shift
esb=$(find ../node_modules/.pnpm -path '*esbuild/bin/esbuild' | head -1)
rm -rf .cache/tree-base && mkdir -p .cache/tree-base
git -C .. archive "$base" packages bench | tar -x -C .cache/tree-base
bundle() { # $1: tree root (packages/ and bench/ inside), $2: output
  local aliases=()
  for p in $(realpath "$1")/packages/*/; do
    local name; name=$(node -p "require('$p/package.json').name")
    aliases+=("--alias:$name=$(realpath "$p")/src")
  done
  $esb "$1/bench/scripts/step.ts" --bundle --platform=node --format=esm --log-level=error \
    --external:onnxruntime-node --external:@tensorflow/* --external:webgpu --external:sharp \
    "${aliases[@]}" --outfile="$2"
}
bundle .cache/tree-base .cache/step-tree-base.mjs
bundle .. .cache/step-tree-new.mjs
for w in ${@:-mlp-train cnn-train}; do
  for i in 1 2 3; do
    for b in base new; do printf '%-5s ' $b; node .cache/step-tree-$b.mjs "$w" "${RUNS:-100}"; done
  done
done
