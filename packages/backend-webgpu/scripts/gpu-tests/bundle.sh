#!/bin/bash
# Bundles the WebGPU test files with the vitest shim into one .mjs for a GPU machine with
# no node_modules (carry it with bench/scripts/device-bundle.sh's node.xz and the webgpu
# package): packages/backend-webgpu/scripts/gpu-tests/bundle.sh OUT.mjs
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
esbuild=$(cd "$here/../../../../bench" && node -e "console.log(require.resolve('esbuild/bin/esbuild', { paths: [require.resolve('tsx')] }))")
"$esbuild" "$here/main.ts" --bundle --platform=node --format=esm --target=node20 \
  --alias:vitest="$here/vitest-shim.ts" --external:webgpu --ignore-annotations --log-level=warning --outfile="${1:?usage: bundle.sh OUT.mjs}" \
  --banner:js="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);"
