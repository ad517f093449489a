/**
 * Dawn prints its Vulkan loader's complaints (`Warning: vkCreateInstance: Found no
 * drivers!`, with a C++ source location) straight to the process's stderr when Linux has no
 * Vulkan driver, before `init()` can fall back to the CPU. Where no driver is visible, the
 * adapter is first looked for in a child process whose output is captured, so a plain
 * `init()` on such a machine prints only core's one-line fallback note.
 */

/** What the check reads (the real process and file system, or a stand-in in tests). */
export interface ProbeHost {
  readonly platform: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly home: string;
  /** JSON manifests in a folder ([] where it does not exist). */
  listJson(dir: string): readonly string[];
}

/**
 * Whether the Vulkan loader can see an installable client driver (ICD): an explicit
 * `VK_ICD_FILENAMES`/`VK_DRIVER_FILES`/`VK_ADD_DRIVER_FILES`, or a manifest in one of the
 * folders the loader searches on Linux. Other platforms have their own GPU APIs: true.
 */
export function vulkanDriverVisible(h: ProbeHost): boolean {
  if (h.platform !== 'linux') return true;
  if (h.env.VK_ICD_FILENAMES || h.env.VK_DRIVER_FILES || h.env.VK_ADD_DRIVER_FILES) return true;
  const split = (v: string | undefined, dflt: string): string[] => (v || dflt).split(':').filter(Boolean);
  const dirs = [
    ...split(h.env.XDG_CONFIG_DIRS, '/etc/xdg'),
    '/etc',
    h.env.XDG_DATA_HOME || `${h.home}/.local/share`,
    ...split(h.env.XDG_DATA_DIRS, '/usr/local/share:/usr/share'),
  ].map((d) => `${d}/vulkan/icd.d`);
  return dirs.some((d) => h.listJson(d).length > 0);
}

/** The real host (Node only; the modules are loaded lazily so browser bundles never see them). */
function nodeHost(): ProbeHost | null {
  const proc = (
    globalThis as { process?: { platform: string; env: Record<string, string | undefined>; getBuiltinModule?: (id: string) => unknown } }
  ).process;
  const fs = proc?.getBuiltinModule?.('node:fs') as { readdirSync(p: string): string[] } | undefined;
  const os = proc?.getBuiltinModule?.('node:os') as { homedir(): string } | undefined;
  if (!proc || !fs || !os) return null;
  return {
    platform: proc.platform,
    env: proc.env,
    home: os.homedir(),
    listJson: (dir) => {
      try {
        return fs.readdirSync(dir).filter((f) => f.endsWith('.json'));
      } catch {
        return [];
      }
    },
  };
}

/** The child's program: load Dawn from `argv[1]`, ask for an adapter, say whether one came. */
const CHILD =
  "const { create } = await import(process.argv[1]); const a = await create([]).requestAdapter(); process.stdout.write(a ? 'adapter' : " +
    "'none'); process.exit(0);";

/**
 * Null when Dawn may be created in this process; otherwise why there is no adapter (with
 * the first line Dawn printed, captured in a child process). `webgpuUrl` is the resolved
 * `webgpu` module.
 */
export async function quietAdapterProbe(webgpuUrl: string, host: ProbeHost | null = nodeHost()): Promise<string | null> {
  if (!host || vulkanDriverVisible(host)) return null;
  const proc = (globalThis as { process?: { execPath: string; getBuiltinModule?: (id: string) => unknown } }).process;
  const cp = proc?.getBuiltinModule?.('node:child_process') as
    | {
        execFile(
          cmd: string,
          args: string[],
          opts: { timeout: number },
          cb: (err: Error | null, stdout: string, stderr: string) => void,
        ): void;
      }
    | undefined;
  if (!proc || !cp) return null;
  const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve) =>
    cp.execFile(proc.execPath, ['--input-type=module', '-e', CHILD, webgpuUrl], { timeout: 30_000 }, (_err, out, err) =>
      resolve({ stdout: String(out), stderr: String(err) }),
    ),
  );
  if (stdout === 'adapter') return null;
  const dawn = stderr.split('\n').map((l) => l.trim()).find((l) => /^Warning: /.test(l))?.replace(/^Warning: /, '');
  return `no Vulkan driver is installed${dawn ? ` (Dawn: ${dawn})` : ''}`;
}
