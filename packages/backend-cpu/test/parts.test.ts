import { describe, expect, it } from 'vitest';
import { gemmPart } from '../src/wasm/threads.js';
import { CONV_FIELDS, GEMM_FIELDS, PART, PART_OFFSETS, WINOGRAD_FIELDS, partWords, type PartArgs } from '../src/wasm/parts.js';
import { CTRL } from '../src/wasm/worker-loop.js';
import { POOL_PARAMS } from '../src/wasm/pooling-module.js';

// The part records: each kind's field list orders its words once; `partWords` packs a
// record in that order and the drivers read field f at `PART_OFFSETS.kind.f`.

/** A record whose every field holds a distinct value. */
function distinct<F extends readonly string[]>(fields: F): PartArgs<F> {
  return Object.fromEntries(fields.map((f, i) => [f, 1000 + 7 * i])) as PartArgs<F>;
}

describe('part records', () => {
  const kinds = [
    ['gemm', PART.GEMM, GEMM_FIELDS],
    ['conv', PART.CONV, CONV_FIELDS],
    ['wino', PART.WINOGRAD, WINOGRAD_FIELDS],
  ] as const;

  for (const [name, kind, fields] of kinds) {
    it(`${name}: partWords packs the kind, then every field where PART_OFFSETS.${name} reads it back`, () => {
      const args = distinct(fields);
      const words = partWords(kind, fields, args);
      expect(words.length).toBe(1 + fields.length);
      expect(words[0]).toBe(kind);
      const at = PART_OFFSETS[name] as Record<string, number>;
      expect(Object.keys(at).sort()).toEqual([...fields].sort());
      for (const f of fields) expect(words[at[f]], f).toBe((args as Record<string, number>)[f]);
      // Within a part's table row (kind word + arguments).
      expect(words.length).toBeLessThanOrEqual(CTRL.ARGS);
    });
  }

  it('field names are unique per kind, and a pooling call fits a table row', () => {
    for (const fields of [GEMM_FIELDS, CONV_FIELDS, WINOGRAD_FIELDS, POOL_PARAMS]) expect(new Set(fields).size).toBe(fields.length);
    expect(3 + POOL_PARAMS.length).toBeLessThanOrEqual(CTRL.ARGS);
  });

  it("gemmPart packs a GEMM job's fields by name, accumulate as 0/1", () => {
    const job = { M: 2, N: 3, K: 4, a: 8, ars: 4, acs: 1, b: 40, brs: 3, bcs: 1, c: 88, ldc: 3, accumulate: true };
    const words = gemmPart(job);
    const at = PART_OFFSETS.gemm;
    expect(words[0]).toBe(PART.GEMM);
    expect([words[at.M], words[at.N], words[at.K], words[at.a], words[at.c], words[at.ldc]]).toEqual([2, 3, 4, 8, 88, 3]);
    expect(words[at.accumulate]).toBe(1);
    expect(gemmPart({ ...job, accumulate: false })[at.accumulate]).toBe(0);
  });
});
