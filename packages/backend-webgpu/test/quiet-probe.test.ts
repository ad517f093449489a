import { describe, expect, it } from 'vitest';
import { quietAdapterProbe, vulkanDriverVisible, type ProbeHost } from '../src/quiet-probe.js';

const host = (over: Partial<ProbeHost> & { files?: Record<string, string[]> } = {}): ProbeHost => ({
  platform: 'linux',
  env: {},
  home: '/home/u',
  listJson: (dir) => over.files?.[dir] ?? [],
  ...over,
});

/** A stand-in for the `webgpu` module, as a data: URL the child process imports. */
const fakeDawn = (adapter: boolean): string =>
  `data:text/javascript,${encodeURIComponent(`export function create() { return { requestAdapter: async () => { console.error('Warning: fake loader: no drivers\\n    at Loader.cpp:1'); return ${adapter ? '{}' : 'null'}; } }; }`)}`;

describe('quiet WebGPU probe', () => {
  it('sees a Vulkan driver where the loader would: env variables, or a manifest in its search folders', () => {
    expect(vulkanDriverVisible(host())).toBe(false);
    expect(vulkanDriverVisible(host({ files: { '/usr/share/vulkan/icd.d': ['nvidia_icd.json'] } }))).toBe(true);
    expect(vulkanDriverVisible(host({ files: { '/etc/vulkan/icd.d': ['lvp_icd.x86_64.json'] } }))).toBe(true);
    expect(vulkanDriverVisible(host({ files: { '/home/u/.local/share/vulkan/icd.d': ['x.json'] } }))).toBe(true);
    expect(vulkanDriverVisible(host({ env: { XDG_DATA_DIRS: '/nix/share' }, files: { '/nix/share/vulkan/icd.d': ['x.json'], '/usr/share/vulkan/icd.d': [] } }))).toBe(true);
    expect(vulkanDriverVisible(host({ env: { VK_ICD_FILENAMES: '/usr/lib/chromium/vk_swiftshader_icd.json' } }))).toBe(true);
    expect(vulkanDriverVisible(host({ platform: 'darwin' }))).toBe(true);
  });

  it('does not start a child process where a driver is visible', async () => {
    expect(await quietAdapterProbe('data:text/javascript,throw new Error("must not run")', host({ platform: 'win32' }))).toBeNull();
  });

  it("without a visible driver, asks a child process and keeps Dawn's warning out of this process's stderr", async () => {
    const why = await quietAdapterProbe(fakeDawn(false), host());
    expect(why).toBe('no Vulkan driver is installed (Dawn: fake loader: no drivers)');
    expect(await quietAdapterProbe(fakeDawn(true), host())).toBeNull();
  });
});
