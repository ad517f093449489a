import { writeFileSync } from 'node:fs';
import { cpu } from '@tessera/backend-cpu';
import * as T from '@tessera/core';
import type { BackendImpl, BackendPlugin } from '@tessera/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { CASES, type OpCase } from './cases.js';
import { buildChains, describeChain } from './chains.js';
import { checkChain, checkChainCompiled, checkForward, checkGradient, checkGradientVsCpu, checkReference } from './checks.js';
import type { Tolerance, TolerancePreset } from './compare.js';
import { coverageTable, skipMap, type SkipList } from './coverage.js';
import { checkGroupedUpdates } from './grouped.js';
import { checkGroupedSums } from './grouped-sums.js';

/** Options of `runConformance`. */
export interface ConformanceOptions {
  /** The backend under test: a plugin (installed by the kit) or the name of an installed one. */
  readonly backend: BackendPlugin | string;
  /** Ops not to test: names, or `{ op, reason }` (the reason shows in test names and the coverage table). */
  readonly skip?: SkipList;
  /** Overrides of tolerance presets, e.g. `{ transcendental: { rtol: 2e-3, atol: 2e-4 } }`. */
  readonly tolerance?: Partial<Record<TolerancePreset, Tolerance>>;
  /** Number of random op chains (default 50). */
  readonly chains?: number;
  /** Number of random op chains also run as compiled steps (fused) and compared with eager (default 20). */
  readonly compiledChains?: number;
  /** Seed of the random op chains (default 20240601). */
  readonly chainSeed?: number;
  /** Extra cases (e.g. a plugin's custom ops, built with `defineCase`), run like the built-in ones. */
  readonly cases?: readonly OpCase[];
}

const fail = (msg: string | null) => {
  if (msg) expect.fail(msg);
};

let printed = false;

/**
 * Registers the conformance suites (vitest `describe`/`it`) for a backend: forward
 * results vs the CPU reference, float64 finite-difference gradient checks on the CPU,
 * float32 gradients vs the CPU, random op chains, and the coverage table.
 *
 * @example
 * // my-backend/test/conformance.test.ts
 * import { runConformance } from '@tessera/conformance';
 * runConformance({ backend: myBackend(), skip: [{ op: 'erf', reason: 'no erf yet' }] });
 */
export function runConformance(options: ConformanceOptions): void {
  const name = typeof options.backend === 'string' ? options.backend : options.backend.name;
  const skips = skipMap(options.skip);
  let impl: BackendImpl;

  describe(`@tessera/conformance: backend '${name}'`, () => {
    beforeAll(async () => {
      if (typeof options.backend !== 'string') T.use(options.backend);
      if (name !== 'cpu' && !T.backends().includes('cpu')) T.use(cpu());
      if (name === 'cpu' && !T.backends().includes('cpu')) T.use(cpu());
      await T.init({ backends: [name] });
      impl = T.getBackend(name);
      T.getBackend('cpu');
    });

    type Ctx = { skip: (note?: string) => void };
    const caseTest = (title: string, c: OpCase, fn: (ctx: Ctx) => Promise<void> | void, timeout = 60_000) => {
      const reason = skips.get(c.op);
      if (reason) it.skip(`${title} — skipped: ${reason}`, () => {});
      else it(title, fn, timeout);
    };

    const all = [...CASES, ...(options.cases ?? [])];
    describe('forward vs cpu', () => {
      for (const c of all) {
        for (const dtype of c.dtypes) {
          caseTest(`${c.id} [${dtype}]`, c, async (ctx) => {
            if (!impl.dtypes.includes(dtype)) return ctx.skip(`backend '${name}' does not support ${dtype}`);
            const live = () => {
              const m = T.memory().backends[name];
              return `${m?.numTensors ?? 0} tensors, ${m?.numBuffers ?? 0} buffers`;
            };
            const before = live();
            fail(await checkForward(c, name, dtype, options.tolerance));
            // Everything the case made was disposed: nothing may stay alive on the target.
            expect(live(), `${c.id} [${dtype}]: live tensors/buffers on '${name}' after the case`).toBe(before);
          });
        }
      }
    });

    describe('gradients: float64 analytic vs finite differences (cpu)', () => {
      for (const c of all.filter((k) => k.grad)) caseTest(c.id, c, async () => fail(await checkGradient(c, options.tolerance)));
    });

    describe(`gradients: float32 ${name} vs cpu`, () => {
      for (const c of all.filter((k) => k.grad)) caseTest(c.id, c, async () => fail(await checkGradientVsCpu(c, name, options.tolerance)));
    });

    describe(`fused vs unfused reference on ${name}`, () => {
      for (const c of all.filter((k) => k.reference)) {
        // float64 too where the backend has it (the CPU's fused float64 kernels).
        for (const dtype of [...c.dtypes, ...(c.dtypes.includes('float32') ? ['float64' as const] : [])]) {
          caseTest(`${c.id} [${dtype}]`, c, async (ctx) => {
            if (!impl.dtypes.includes(dtype)) return ctx.skip(`backend '${name}' does not support ${dtype}`);
            fail(await checkReference(c, name, dtype, options.tolerance));
          });
        }
      }
    });

    describe('random op chains vs cpu', () => {
      const chains = buildChains(options.chains ?? 50, options.chainSeed ?? 20240601, new Set(skips.keys()));
      for (const chain of chains) {
        it(`${chain.id}: ${describeChain(chain)}`, async () => fail(await checkChain(chain, name, options.tolerance)));
      }
    });

    describe('random op chains: compiled (fused) vs eager', () => {
      const chains = buildChains(options.compiledChains ?? 20, (options.chainSeed ?? 20240601) + 1, new Set(skips.keys()));
      for (const chain of chains) {
        it(`${chain.id}: ${describeChain(chain)}`, async () => fail(await checkChainCompiled(chain, name, options.tolerance)));
      }
    });

    describe('grouped updates: compiled vs eager', () => {
      for (const seed of [1, 2, 3]) {
        it(`seed ${seed}: five parameters and their momenta (then Adam state) updated by one expression each`, async () =>
          fail(await checkGroupedUpdates(name, seed, options.tolerance)));
      }
    });

    describe('grouped sums: compiled vs eager', () => {
      for (const seed of [1, 2]) {
        it(`seed ${seed}: a masked mean (label count, loss sum, their mean as one call where the backend groups sums)`, async () =>
          fail(await checkGroupedSums(name, seed, options.tolerance)));
      }
    });

    describe('coverage', () => {
      it('coverage table', () => {
        const table = coverageTable(options.skip, options.cases);
        const out = process.env.TESSERA_COVERAGE_OUT;
        if (out) writeFileSync(out, `# Conformance coverage: backend '${name}'\n\n${table}`);
        if (!printed) {
          printed = true;
          console.log(`\n@tessera/conformance coverage (backend '${name}')\n\n${table}`);
        }
        expect(table).toContain('| op |');
      });
    });
  });
}

