import * as T from '@tessera/core';
import { CASES, type OpCase } from './cases.js';

/** A skipped op and why. */
export interface SkipEntry {
  readonly op: string;
  readonly reason: string;
}

/** `skip` as given to `runConformance`: op names or `{ op, reason }`. */
export type SkipList = readonly (string | SkipEntry)[];

/** Normalises a skip list to op → reason. */
export function skipMap(skip: SkipList = []): Map<string, string> {
  return new Map(skip.map((s) => (typeof s === 'string' ? [s, 'skipped (no reason given)'] : [s.op, s.reason])));
}

/** Primitive ops (names in `primitiveDefs`) and built-in elementwise ops (`elementwiseDefs`) that no case covers. */
export function missingPrimitives(): string[] {
  const covered = new Set(CASES.map((c) => c.op));
  return [...Object.keys(T.primitiveDefs), ...Object.keys(T.elementwiseDefs)].filter((op) => !covered.has(op));
}

/** One row of the coverage table. */
export interface CoverageRow {
  readonly op: string;
  /** `expression`: a built-in elementwise op (no kernel needed: the backend's `elementwise` runs it). */
  readonly kind: 'primitive' | 'expression' | 'composite' | 'plugin';
  /** Number of forward cases (0: missing). */
  readonly forwardCases: number;
  /** Number of cases whose gradients are checked. */
  readonly backwardCases: number;
  /** Why there is no gradient check, where there is none. */
  readonly backwardNote: string;
  /** Forward dtypes covered. */
  readonly dtypes: readonly string[];
  /** Reason, where the op is skipped. */
  readonly skipped?: string;
}

/** The coverage rows: every primitive (in `primitiveDefs` order), then the composites. */
export function coverageRows(skip: SkipList = [], extra: readonly OpCase[] = []): CoverageRow[] {
  const skips = skipMap(skip);
  const all = [...CASES, ...extra];
  const prims = [...Object.keys(T.primitiveDefs), ...Object.keys(T.elementwiseDefs)];
  const builtIn = new Set(CASES.map((c) => c.op));
  const composites = [...new Set(all.map((c) => c.op).filter((op) => !prims.includes(op)))];
  const kindOf = (op: string) =>
    (op in T.primitiveDefs
      ? 'primitive'
      : op in T.elementwiseDefs
      ? 'expression'
      : builtIn.has(op)
      ? 'composite'
      : 'plugin') as CoverageRow['kind'];
  return [...prims, ...composites].map((op) => [op, kindOf(op)] as const).map(([op, kind]) => {
    const cs = all.filter((c) => c.op === op);
    const def = T.getOpDef(op) as { nonDifferentiable?: true } | undefined;
    const back = cs.filter((c) => c.grad).length;
    const backwardNote =
      cs.length === 0
        ? 'missing'
        : back > 0
          ? ''
          : def?.nonDifferentiable
            ? 'non-differentiable'
            : op === 'maxPool2dBackward'
              ? 'core has no 2nd-order maxPool gradient'
              : 'no float input';
    return {
      op,
      kind,
      forwardCases: cs.length,
      backwardCases: back,
      backwardNote,
      dtypes: [...new Set(cs.flatMap((c) => c.dtypes))],
      skipped: skips.get(op),
    };
  });
}

/**
 * The coverage table as markdown: per op, forward cases, gradient checks (float64
 * finite differences on the CPU and float32 target-vs-CPU) and dtypes. Primitives without
 * a case are listed as missing.
 */
export function coverageTable(skip: SkipList = [], extra: readonly OpCase[] = []): string {
  const rows = coverageRows(skip, extra);
  const missing = rows.filter((r) => (r.kind === 'primitive' || r.kind === 'expression') && r.forwardCases === 0).map((r) => r.op);
  const lines = [
    '| op | kind | forward | backward | dtypes | status |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map((r) => {
      const fwd = r.forwardCases ? `✓ ${r.forwardCases}` : '✗ missing';
      const bwd = r.backwardCases ? `✓ ${r.backwardCases}` : r.backwardNote === 'missing' ? '✗ missing' : `— (${r.backwardNote})`;
      const dt = r.dtypes.join(', ') + (r.backwardCases ? ' (+ float64 grad)' : '');
      return `| ${r.op} | ${r.kind} | ${fwd} | ${bwd} | ${dt || '—'} | ` +
        `${r.skipped ? `skipped: ${r.skipped}` : r.forwardCases ? 'checked' : 'MISSING'} |`;
    }),
  ];
  const nPrim = rows.filter((r) => r.kind === 'primitive').length;
  const nExpr = rows.filter((r) => r.kind === 'expression').length;
  const nComp = rows.filter((r) => r.kind === 'composite').length;
  const summary =
    `${CASES.length + extra.length} cases; ${nPrim + nExpr - missing.length}/${nPrim + nExpr} primitives (${nPrim}) and elementwise ops ` +
      `(${nExpr}, expressions) and ${nComp} composites covered. ` +
    `Missing primitives: ${missing.length ? missing.join(', ') : 'none'}.`;
  return `${lines.join('\n')}\n\n${summary}\n`;
}
