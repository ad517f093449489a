#!/bin/sh
# Per-kernel A/B of backend-cpu against a base commit: bundles scripts/kernel-times.ts twice
# (workspace source vs. the base commit's backend-cpu source) and alternates them, printing
# the step's total and the kernels whose line matches GREP (a grep -E pattern; default all).
# On a shared machine whole steps drown in other jobs; one kernel's min CPU time does not.
# Usage: sh scripts/ab-kernels.sh BASE_COMMIT WORKLOAD [ROUNDS]   (RUNS=n steps per sample)
set -e
cd "$(dirname "$0")/.."
base=$1; w=$2; rounds=${3:-3}
esb=$(find ../node_modules/.pnpm -path '*esbuild/bin/esbuild' | head -1)
rm -rf .cache/kbase && mkdir -p .cache/kbase
git -C .. archive "$base" packages/backend-cpu/src | tar -x -C .cache/kbase
for b in base new; do
  src=../packages/backend-cpu/src/index.ts
  [ $b = base ] && src=./.cache/kbase/packages/backend-cpu/src/index.ts
  $esb scripts/kernel-times.ts --bundle --platform=node --format=esm --log-level=warning --external:onnxruntime-node \
    --alias:@tessera/backend-cpu=$src --outfile=.cache/kernels-$b.mjs
done
i=0
while [ $i -lt "$rounds" ]; do
  for b in base new; do
    echo "== $b"
    node .cache/kernels-$b.mjs "$w" "${RUNS:-30}" | grep -E "per step|${GREP:-.}" | head -${LINES_MAX:-12}
  done
  i=$((i + 1))
done
