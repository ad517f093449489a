#!/bin/sh
# A/B of CIFAR ResNet-20's conv kernels (scripts/winograd-r20.ts) against a base commit's
# backend-cpu source, alternated on a noisy machine.
# Usage: sh scripts/ab-convs.sh BASE_COMMIT [r18]   (RUNS=7 calls per kernel, ROUNDS=3 alternations)
set -e
cd "$(dirname "$0")/.."
base=$1
esb=$(find ../node_modules/.pnpm -path '*esbuild/bin/esbuild' | head -1)
rm -rf .cache/base-convs && mkdir -p .cache/base-convs
git -C .. archive "$base" packages/backend-cpu/src | tar -x -C .cache/base-convs
common="--bundle --platform=node --format=esm --log-level=error"
$esb scripts/winograd-r20.ts $common --alias:@tessera/backend-cpu=./.cache/base-convs/packages/backend-cpu/src/index.ts --outfile=.cache/convs-base.mjs
$esb scripts/winograd-r20.ts $common --alias:@tessera/backend-cpu=../packages/backend-cpu/src/index.ts --outfile=.cache/convs-new.mjs
i=0
while [ $i -lt "${ROUNDS:-3}" ]; do
  for b in base new; do printf '%-5s ' $b; node .cache/convs-$b.mjs ${RUNS:-7} $2; done
  i=$((i + 1))
done
