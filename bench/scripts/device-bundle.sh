#!/bin/bash
# Packs the bench for a GPU machine that has no Node.js and no network (see README.md,
# "Real GPUs"): one esbuild bundle of src/main.ts, the `webgpu` package's JS and its
# linux-x64 dawn.node, and this machine's node binary, xz-compressed (about 30 MB).
# usage: bench/scripts/device-bundle.sh OUTDIR   (run after `pnpm install` and a build)
set -euo pipefail
out=${1:?usage: device-bundle.sh OUTDIR}
bench=$(cd "$(dirname "$0")/.." && pwd)
stage="$out/stage"
rm -rf "$stage"; mkdir -p "$stage/node_modules/webgpu/dist/linux-x64"
esbuild=$(cd "$bench" && node -e "console.log(require.resolve('esbuild/bin/esbuild', { paths: [require.resolve('tsx')] }))")
# webgpu (a native addon) and onnxruntime-node stay external; the banner gives the ESM
# bundle a `require` for the CommonJS parts of tfjs.
"$esbuild" "$bench/src/main.ts" --bundle --platform=node --format=esm --target=node20 --minify \
  --external:webgpu --external:onnxruntime-node --log-level=warning --outfile="$stage/bench.mjs" \
  --banner:js="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);"
# The lecture deck's measure (scripts/deck-mnist.ts; device-run.sh deck [options]).
"$esbuild" "$bench/scripts/deck-mnist.ts" --bundle --platform=node --format=esm --target=node20 --minify \
  --external:webgpu --log-level=warning --outfile="$stage/deck-mnist.mjs" \
  --banner:js="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);"
webgpu=$(readlink -f "$bench/node_modules/webgpu")
cp "$webgpu/index.js" "$webgpu/package.json" "$stage/node_modules/webgpu/"
cp "$webgpu/dist/linux-x64/dawn.node" "$stage/node_modules/webgpu/dist/linux-x64/"
cat > "$stage/probe.mjs" <<'JS'
// Prints the adapter Dawn picks (high-performance), or 'none'.
import { create } from './node_modules/webgpu/index.js';
const gpu = create([]);
const a = await gpu.requestAdapter({ powerPreference: 'high-performance' });
console.log(a ? `adapter: ${a.info.vendor} | ${a.info.architecture} | ${a.info.device} | ${a.info.description}` : 'adapter: none');
process.exit(0);
JS
tar -C "$stage" -cf - bench.mjs deck-mnist.mjs probe.mjs node_modules | xz -9 -T2 > "$out/app.tar.xz"
node=$(command -v node)
if [ ! -f "$out/node.xz" ] || [ "$node" -nt "$out/node.xz" ]; then xz -9 -T2 -c "$node" > "$out/node.xz"; fi
cp "$bench/scripts/device-run.sh" "$out/"
rm -rf "$stage"
ls -la "$out"
