#!/bin/bash
# Runs the bench on a GPU machine without Node or network, from the folder that
# device-bundle.sh filled (node.xz, app.tar.xz, this script), with Debian's Vulkan loader
# debs in ../.gl beside it: bash .gpubench/device-run.sh [bench args...]. Results go to $OUT.
# \`device-run.sh deck [--epochs=10 ...]\` runs scripts/deck-mnist.ts instead (output: $OUT/deck.md).
OUT=${OUT:-/tmp/gpubench-out}; mkdir -p "$OUT"
here=$(cd "$(dirname "$0")" && pwd)
# GPUBENCH_LOCAL=1: a dry run here (no debs unpacked into /, VK_ICD_FILENAMES kept).
if [ -z "${GPUBENCH_LOCAL:-}" ]; then for f in "$here"/../.gl/*.deb; do dpkg -x "$f" /; done; ldconfig; unset VK_ICD_FILENAMES; fi
# node.xz: the node binary (v20, linux-x64); app.tar.xz: bench.mjs (esbuild bundle), probe.mjs,
# deck-mnist.mjs, node_modules/webgpu (index.js, package.json, dist/linux-x64/dawn.node).
rm -rf /tmp/gb; mkdir -p /tmp/gb && python3 - "$here" <<'PY' || exit 3
import lzma, os, shutil, sys, tarfile
here = sys.argv[1]
with lzma.open(os.path.join(here, 'node.xz')) as src, open('/tmp/gb/node', 'wb') as dst:
    shutil.copyfileobj(src, dst)
os.chmod('/tmp/gb/node', 0o755)
tarfile.open(os.path.join(here, 'app.tar.xz')).extractall('/tmp/gb')
PY
cd /tmp/gb || exit 3
{ date -u; nvidia-smi -L; ldconfig -p | grep -i libvulkan; ls -la /usr/local/nvidia/share/vulkan/icd.d /usr/share/vulkan/icd.d /etc/vulkan/icd.d 2>&1; } > "$OUT/env.txt" 2>&1
p=$(timeout 60 ./node probe.mjs 2>&1); echo "default: $p" >> "$OUT/env.txt"
if [ -z "${GPUBENCH_LOCAL:-}" ] && ! echo "$p" | grep -qi nvidia; then
  export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
  p=$(timeout 60 ./node probe.mjs 2>&1); echo "VK_DRIVER_FILES=$VK_DRIVER_FILES: $p" >> "$OUT/env.txt"
fi
cat "$OUT/env.txt"
set -o pipefail
if [ "${1:-}" = deck ]; then
  shift
  timeout 480 ./node deck-mnist.mjs "$@" > "$OUT/deck.md" 2> >(tee "$OUT/log.txt" >&2)
  rc=$?
  cat "$OUT/deck.md"; echo "deck exit $rc"; exit $rc
fi
timeout 480 ./node bench.mjs --json="$OUT/bench.json" "$@" > "$OUT/bench.md" 2> >(tee "$OUT/log.txt" >&2)
rc=$?
cat "$OUT/bench.md"; echo "bench exit $rc"; exit $rc
