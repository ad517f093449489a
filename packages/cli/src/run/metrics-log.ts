import { existsSync, readFileSync } from 'node:fs';
import { writeTextNoFollow } from '@tessera/train/node';

/**
 * Rewrites a run's metrics.jsonl to hold exactly one record per epoch in `epochs` (0-based,
 * the checkpoint's history; records carry 1-based `epoch`), so epochs logged after the
 * checkpoint — a kill between the log line and the save — are not logged twice on resume.
 * Returns how many records were dropped.
 */
export async function rewindMetricsLog(path: string, epochs: readonly number[]): Promise<number> {
  if (!existsSync(path)) return 0;
  const keep = new Set(epochs.map((e) => e + 1));
  const seen = new Set<number>();
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '');
  const kept = lines.filter((l) => {
    let epoch: unknown;
    try {
      epoch = (JSON.parse(l) as { epoch?: unknown }).epoch;
    } catch {
      return false; // a line cut short by a kill
    }
    if (typeof epoch !== 'number' || !keep.has(epoch) || seen.has(epoch)) return false;
    seen.add(epoch);
    return true;
  });
  await writeTextNoFollow(path, kept.map((l) => `${l}\n`).join(''));
  return lines.length - kept.length;
}
