#!/bin/sh
# A/B timing of backend-cpu against a base commit on a noisy machine: bundles
# scripts/step.ts twice (workspace source vs. the base commit's backend-cpu source),
# then alternates the two per workload. Usage: sh scripts/ab.sh BASE_COMMIT [workloads…]
set -e
cd "$(dirname "$0")/.."
base=$1; shift
esb=$(find ../node_modules/.pnpm -path '*esbuild/bin/esbuild' | head -1)
rm -rf .cache/base && mkdir -p .cache/base
git -C .. archive "$base" packages/backend-cpu/src | tar -x -C .cache/base
$esb scripts/step.ts --bundle --platform=node --format=esm --log-level=warning --external:onnxruntime-node --alias:@tessera/backend-cpu=./.cache/base/packages/backend-cpu/src/index.ts --outfile=.cache/step-base.mjs
$esb scripts/step.ts --bundle --platform=node --format=esm --log-level=warning --external:onnxruntime-node --alias:@tessera/backend-cpu=../packages/backend-cpu/src/index.ts --outfile=.cache/step-new.mjs
for w in ${@:-cnn-infer cnn-train mlp-train matmul-1024}; do
  for i in 1 2; do
    for b in base new; do printf '%-5s ' $b; node .cache/step-$b.mjs $w ${RUNS:-15}; done
  done
done
