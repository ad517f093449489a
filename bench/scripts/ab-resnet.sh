#!/bin/sh
# A/B timing of the ResNet workloads (scripts/resnet-profile.ts, kernels unwrapped) against a
# base commit on a noisy machine: bundles the script twice (workspace source vs. the base
# commit's core, layers and backend-cpu source) and alternates the two.
# Usage: sh scripts/ab-resnet.sh BASE_COMMIT [r18|r20 …]   (RUNS=5 by default)
set -e
cd "$(dirname "$0")/.."
base=$1; shift
esb=$(find ../node_modules/.pnpm -path '*esbuild/bin/esbuild' | head -1)
rm -rf .cache/base-resnet && mkdir -p .cache/base-resnet
git -C .. archive "$base" packages/core/src packages/layers/src packages/backend-cpu/src | tar -x -C .cache/base-resnet
alias_to() {
  echo "--alias:@tessera/core=$1/packages/core/src/index.ts --alias:@tessera/layers=$1/packages/layers/src/index.ts --alias:@tessera/backend-cpu=$1/packages/backend-cpu/src/index.ts"
}
# models and optim are bundled from source too, so they share the aliased core.
common="--bundle --platform=node --format=esm --log-level=error --alias:@tessera/models=../packages/models/src/index.ts --alias:@tessera/optim=../packages/optim/src/index.ts"
$esb scripts/resnet-profile.ts $common $(alias_to ./.cache/base-resnet) --outfile=.cache/resnet-base.mjs
$esb scripts/resnet-profile.ts $common $(alias_to ..) --outfile=.cache/resnet-new.mjs
for w in ${@:-r18 r20}; do
  for i in 1 2; do
    for b in base new; do printf '%-5s ' $b; TESSERA_PROFILE=0 node .cache/resnet-$b.mjs $w ${RUNS:-5}; done
  done
done
