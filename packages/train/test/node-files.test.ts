import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { directoryWriter, fileSink, removeStaleTempFiles } from '../src/node.js';

/** The id of a process that has exited. */
function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString());
}

describe('run files on disk (issue 19, cases 2 and 3)', () => {
  it('temporary files left by a save killed midway are removed on the next start; a live writer’s are kept', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-tmp-'));
    // What writeFileAtomic leaves when its process dies between open and rename.
    const orphan = `.last.safetensors.${deadPid()}.0123456789ab.tmp`;
    const live = `.best.safetensors.${process.ppid}.ba9876543210.tmp`;
    writeFileSync(join(dir, orphan), 'partial');
    writeFileSync(join(dir, live), 'in progress');
    await directoryWriter(dir)('last.safetensors', new Uint8Array([1, 2, 3]));
    expect(readdirSync(dir).sort()).toEqual([live, 'last.safetensors'].sort());
    expect(await removeStaleTempFiles(dir)).toEqual([]);
  });

  it('fileSink never appends through a symbolic link', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-link-'));
    const target = join(dir, 'elsewhere.txt');
    writeFileSync(target, 'precious\n');
    symlinkSync(target, join(dir, 'metrics.jsonl'));
    await expect(fileSink(join(dir, 'metrics.jsonl'))('{"epoch":1}')).rejects.toThrow(/metrics\.jsonl is a symbolic link; tessera does not write through links/);
    expect(readFileSync(target, 'utf8')).toBe('precious\n');
    await fileSink(join(dir, 'plain.jsonl'))('{"epoch":1}');
    expect(existsSync(join(dir, 'plain.jsonl'))).toBe(true);
  });
});
