import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeSafetensors } from '@tessera/layers';
import { main } from '../src/index.js';
import { captureIo } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'tessera-trust-'));
const QUICK = ['--model', 'mlp', '--dataset', 'mnist-sample', '--limit', '200', '--batch-size', '50', '--backend', 'cpu'];

async function run(...argv: string[]): Promise<{ code: number; text: string }> {
  const io = captureIo();
  const code = await main(['train', ...argv], io);
  return { code, text: io.text() };
}

const fresh = (name: string): string => join(root, name);
/** The epochs metrics.jsonl records (the final test record has none). */
const jsonl = (dir: string): number[] => readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { epoch?: number }).epoch).filter((e) => e !== undefined);
const deadPid = (): number => Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString());

describe('tessera train: a diverged run (issue 19, case 1)', () => {
  it('exits 1 naming the step and the last good checkpoint; nothing saved holds NaN', async () => {
    const out = fresh('diverged');
    const r = await run('--model', 'mlp', '--dataset', 'mnist-sample', '--limit', '2000', '--epochs', '3', '--backend', 'cpu', '--lr', '1', '--out', out);
    expect(r.code, r.text).toBe(1);
    expect(r.text).toMatch(/error: NonFiniteLossError: training diverged: fit: (the loss became NaN or Infinity at step \d+ \(epoch \d, batch \d+\)|epoch \d \(step \d+\) ended with)/);
    expect(r.text).toMatch(/the last good checkpoint is .*last\.safetensors \(after epoch \d\)/);
    expect(r.text).not.toMatch(/val_accuracy 1\.0000/);
    for (const f of ['last.safetensors', 'best.safetensors']) {
      for (const t of Object.values(decodeSafetensors(readFileSync(join(out, f))).tensors)) expect(Array.from(t.dataSync()).every(Number.isFinite), f).toBe(true);
    }
    expect(existsSync(join(out, 'report.html'))).toBe(false);
    expect(existsSync(join(out, 'run.lock'))).toBe(false);
  });
});

describe('tessera train --resume: resume means resume (issue 19, cases 2 and 4)', () => {
  it('metrics.jsonl is rewound to the checkpoint and stale temp files of a killed save are removed', async () => {
    const out = fresh('rewind');
    expect((await run(...QUICK, '--epochs', '2', '--out', out)).code).toBe(0);
    // A kill after epoch 3's log line but before its checkpoint, and during a save.
    writeFileSync(join(out, 'metrics.jsonl'), `${readFileSync(join(out, 'metrics.jsonl'), 'utf8')}{"epoch":3,"loss":1}\n{"epo`);
    const orphan = `.last.safetensors.${deadPid()}.00112233aabb.tmp`;
    writeFileSync(join(out, orphan), 'partial');
    const r = await run(...QUICK, '--epochs', '3', '--out', out, '--resume');
    expect(r.code, r.text).toBe(0);
    expect(jsonl(out)).toEqual([1, 2, 3]);
    expect(readdirSync(out)).not.toContain(orphan);
    expect(r.text).toMatch(/removed 1 temporary file\(s\) left by an interrupted save/);
  });

  it('changed options are refused with each difference listed; safe ones are recorded with their epoch', async () => {
    const out = fresh('changed');
    expect((await run(...QUICK, '--epochs', '1', '--lr', '0.1', '--seed', '7', '--out', out)).code).toBe(0);
    const before = readFileSync(join(out, 'config.json'), 'utf8');
    const r = await run(...QUICK, '--epochs', '2', '--lr', '5', '--seed', '99', '--optimizer', 'adam', '--out', out, '--resume');
    expect(r.code).toBe(2);
    expect(r.text).toMatch(/--resume: these options differ from the run being resumed/);
    expect(r.text).toMatch(/--lr\s+checkpoint 0\.1\s+given 5/);
    expect(r.text).toMatch(/--optimizer\s+checkpoint sgd\s+given adam/);
    expect(r.text).toMatch(/--seed\s+checkpoint 7\s+given 99/);
    expect(r.text).not.toMatch(/--epochs\s+checkpoint/);
    expect(readFileSync(join(out, 'config.json'), 'utf8')).toBe(before);
    expect((await run('--limit', '300', '--out', out, '--resume')).text).toMatch(/--limit\s+checkpoint 200\s+given 300/);

    // Options left out are the run's own; --epochs may change and is recorded.
    const ok = await run('--epochs', '2', '--lr', '0.1', '--backend', 'cpu', '--out', out, '--resume');
    expect(ok.code, ok.text).toBe(0);
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ model: 'mlp', lr: 0.1, seed: 7, optimizer: 'sgd', limit: 200, batchSize: 50, epochs: 2 });
    expect(config.changes).toEqual([{ option: 'epochs', from: 1, to: 2, epoch: 2 }]);
    expect(config.resumes).toHaveLength(1);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('sgd lr=0.1');
    expect(html).toMatch(/changed on resume[^]*--epochs 1 → 2 from epoch 2/);
  });
});

describe('tessera train: a run directory belongs to one run (issue 19, case 3)', () => {
  it('a finished run is refused without --resume or --force, untouched; --force replaces it', async () => {
    const out = fresh('finished');
    expect((await run(...QUICK, '--epochs', '1', '--out', out)).code).toBe(0);
    const best = readFileSync(join(out, 'best.safetensors'));
    const r = await run(...QUICK, '--epochs', '1', '--lr', '0.01', '--out', out);
    expect(r.code).toBe(2);
    expect(r.text).toMatch(/--out .*finished already holds a run \(config\.json, metrics\.jsonl, last\.safetensors, best\.safetensors, report\.html\); continue it with --resume, replace it with --force/);
    expect(readFileSync(join(out, 'best.safetensors')).equals(best)).toBe(true);
    expect(jsonl(out)).toEqual([1]);
    const f = await run(...QUICK, '--epochs', '1', '--lr', '0.01', '--out', out, '--force');
    expect(f.code, f.text).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).lr).toBe(0.01);
    expect(jsonl(out)).toEqual([1]);
    expect((await run('--out', out, '--resume', '--force')).text).toMatch(/--resume and --force contradict each other/);
  });

  it('two trains into one --out at once: the second is refused while the first runs', async () => {
    const out = fresh('concurrent');
    const first = run(...QUICK, '--epochs', '2', '--out', out);
    // Up to a minute: on a loaded machine the first run may take seconds to start and take the lock.
    for (let i = 0; i < 6000 && !existsSync(join(out, 'run.lock')); i++) await new Promise((r) => setTimeout(r, 10));
    const second = await run(...QUICK, '--epochs', '2', '--out', out, '--force');
    expect(second.code).toBe(2);
    expect(second.text).toMatch(new RegExp(`is in use by another tessera run \\(pid ${process.pid} on ${hostname()}, started .*: tessera train`));
    expect((await first).code).toBe(0);
    expect(jsonl(out)).toEqual([1, 2]);
  });

  it('a lock left by a dead process is taken over; a live one on this host is not', async () => {
    const out = fresh('stale');
    mkdirSync(out);
    writeFileSync(join(out, 'run.lock'), JSON.stringify({ pid: deadPid(), hostname: hostname(), started: '2026-01-01T00:00:00Z', command: ['tessera', 'train'] }));
    const r = await run(...QUICK, '--epochs', '1', '--out', out);
    expect(r.code, r.text).toBe(0);
    expect(r.text).toMatch(/taking over the lock of a run that is no longer running \(pid \d+, started 2026-01-01T00:00:00Z\)/);
    expect(existsSync(join(out, 'run.lock'))).toBe(false);
    writeFileSync(join(out, 'run.lock'), JSON.stringify({ pid: process.ppid, hostname: hostname(), started: 'x', command: ['tessera', 'train'] }));
    expect((await run(...QUICK, '--out', out, '--resume')).text).toMatch(/is in use by another tessera run \(pid \d+/);
  });

  it('run files that are symbolic links are refused, and nothing is written through them', async () => {
    const out = fresh('links');
    mkdirSync(out);
    const target = join(root, 'precious.txt');
    writeFileSync(target, 'precious');
    symlinkSync(target, join(out, 'metrics.jsonl'));
    const r = await run(...QUICK, '--epochs', '1', '--out', out);
    expect(r.code).toBe(2);
    expect(r.text).toMatch(/metrics\.jsonl is a symbolic link; tessera never writes run files through links/);
    expect(readFileSync(target, 'utf8')).toBe('precious');
  });
});

describe('tessera train: bad --out and --seed are clear errors (issue 19, case 5)', () => {
  it('--out onto a file, an empty --out, an unwritable place: a message, exit 2, no stack trace', async () => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'x');
    const cases: [string, RegExp][] = [
      [file, /--out .*a-file is a file, not a directory/],
      ['', /--out must name a directory, not an empty string/],
      [join(file, 'run'), /--out .*a-file\/run: cannot create the run directory \(ENOTDIR: a parent is a file\)/],
      ['/sys/tessera-run', /--out \/sys\/tessera-run: cannot create the run directory \((EPERM|EACCES|EROFS)/],
    ];
    for (const [out, msg] of cases) {
      const r = await run(...QUICK, '--out', out);
      expect(r.code, out).toBe(2);
      expect(r.text, out).toMatch(msg);
      expect(r.text, out).not.toMatch(/\n\s+at /);
    }
  });

  it.skipIf(process.getuid?.() === 0)('a read-only directory is a clear error (skipped as root, who may write anywhere)', async () => {
    const dir = fresh('read-only');
    mkdirSync(dir);
    chmodSync(dir, 0o555);
    const r = await run(...QUICK, '--out', dir);
    expect(r.code).toBe(2);
    expect(r.text).toMatch(/cannot create the lock file .*\(EACCES\); choose a writable run directory/);
  });

  it('--seed outside the uint32 range is rejected instead of wrapping to another seed', async () => {
    for (const seed of ['4294967296', '-1']) {
      const r = await run(`--seed=${seed}`);
      expect(r.code).toBe(2);
      expect(r.text).toMatch(new RegExp(`--seed must be an integer in \\[0, 4294967295\\] but got '${seed}'`));
    }
  });
});
