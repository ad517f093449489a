/**
 * The part of vitest's API the WebGPU test files use (describe/it/hooks/expect), for
 * running them on a machine that has a GPU but no node_modules: `bundle.sh` bundles the
 * test files with esbuild, aliasing 'vitest' to this file; `run()` executes them in order.
 */
import { isDeepStrictEqual } from 'node:util';

type Fn = (ctx: { skip: (note?: string) => void }) => unknown;
interface Test { readonly name: string; readonly fn: Fn | null; readonly timeout: number }
interface Suite {
  readonly name: string;
  readonly items: (Test | Suite)[];
  readonly before: (() => unknown)[];
  readonly after: (() => unknown)[];
}

const root: Suite = { name: '', items: [], before: [], after: [] };
let current = root;

export function describe(name: string, body: () => void): void {
  const s: Suite = { name, items: [], before: [], after: [] };
  current.items.push(s);
  const parent = current;
  current = s;
  try {
    body();
  } finally {
    current = parent;
  }
}
describe.skipIf = (cond: boolean) => (name: string, body: () => void) =>
  cond ? current.items.push({ name: `${name} (skipped)`, fn: null, timeout: 0 }) : describe(name, body);

export function it(name: string, fn: Fn, timeout = 600_000): void {
  current.items.push({ name, fn, timeout });
}
it.skip = (name: string, _fn?: Fn) => void current.items.push({ name, fn: null, timeout: 0 });
export const test = it;
export const beforeAll = (fn: () => unknown): void => void current.before.push(fn);
export const afterAll = (fn: () => unknown): void => void current.after.push(fn);

class Skip extends Error {}

function fail(msg: string): never {
  throw new Error(msg);
}
const show = (v: unknown): string => {
  try {
    return JSON.stringify(v)?.slice(0, 300) ?? String(v);
  } catch {
    return String(v);
  }
};

function matchers(actual: unknown, label?: string) {
  const m = (ok: boolean, what: string) => ok || fail(`${label ? `${label}: ` : ''}expected ${show(actual)} ${what}`);
  return {
    toBe: (e: unknown) => m(Object.is(actual, e), `to be ${show(e)}`),
    toEqual: (e: unknown) => m(isDeepStrictEqual(actual, e), `to equal ${show(e)}`),
    toMatchObject: (e: Record<string, unknown>) =>
      m(
        Object.entries(e).every(([k, v]) => isDeepStrictEqual((actual as Record<string, unknown>)[k], v)),
        `to match ${show(e)}`,
      ),
    toContain: (e: unknown) => m((actual as { includes(x: unknown): boolean }).includes(e), `to contain ${show(e)}`),
    toBeGreaterThan: (e: number) => m((actual as number) > e, `to be > ${e}`),
    toBeGreaterThanOrEqual: (e: number) => m((actual as number) >= e, `to be >= ${e}`),
    toBeLessThan: (e: number) => m((actual as number) < e, `to be < ${e}`),
    toBeLessThanOrEqual: (e: number) => m((actual as number) <= e, `to be <= ${e}`),
    toBeCloseTo: (e: number, digits = 2) => m(Math.abs((actual as number) - e) < 10 ** -digits / 2, `to be close to ${e}`),
    toBeTruthy: () => m(Boolean(actual), 'to be truthy'),
  };
}
export function expect(actual: unknown, label?: string) {
  return matchers(actual, label);
}
expect.fail = (msg: string): never => fail(msg);

const count = (s: Suite): number => s.items.reduce((n, i) => n + ('items' in i ? count(i) : i.fn ? 1 : 0), 0);

/** Runs every registered test in order; prints failures and a summary; returns the counts. */
export async function run(log: (line: string) => void): Promise<{ passed: number; failed: number; skipped: number }> {
  const counts = { passed: 0, failed: 0, skipped: 0 };
  async function visit(s: Suite, path: string): Promise<void> {
    try {
      for (const b of s.before) await b();
    } catch (e) {
      const n = count(s);
      counts.failed += n;
      log(`FAIL ${path || '(root)'}: a beforeAll hook failed, ${n} tests not run: ${(e as Error).message.split('\n')[0]}`);
      return;
    }
    for (const item of s.items) {
      const name = path ? `${path} > ${item.name}` : item.name;
      if ('items' in item) {
        await visit(item, name);
        continue;
      }
      if (!item.fn) {
        counts.skipped++;
        continue;
      }
      try {
        await item.fn({ skip: () => { throw new Skip(); } });
        counts.passed++;
      } catch (e) {
        if (e instanceof Skip) counts.skipped++;
        else {
          counts.failed++;
          log(`FAIL ${name}: ${(e as Error).message.split('\n').slice(0, 4).join(' | ')}`);
        }
      }
    }
    for (const a of s.after) await a();
  }
  await visit(root, '');
  return counts;
}
