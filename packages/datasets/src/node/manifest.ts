import { readFileSync } from 'node:fs';
import { dirname, extname, isAbsolute, join } from 'node:path';
import { DataError } from '@tessera/core';

/** One manifest entry: an absolute path, a class name, and where it was written (1-based line or list index). */
export interface ManifestRow {
  readonly path: string;
  readonly label: string;
  readonly line: number;
}

function unquote(s: string): string {
  const t = s.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1).replace(/""/g, '"') : t;
}

function csvRows(text: string, file: string): { path: string; label: string; line: number }[] {
  const rows: { path: string; label: string; line: number }[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    if (raw.trim() === '') return;
    const comma = raw.lastIndexOf(',');
    if (comma < 0) throw new DataError(`${file}: line ${i + 1} ('${raw}') is not 'path,label'; write one image a line as path,label.`);
    const path = unquote(raw.slice(0, comma));
    const label = unquote(raw.slice(comma + 1));
    if (i === 0 && path === 'path' && label === 'label') return;
    if (path === '' || label === '') throw new DataError(`${file}: line ${i + 1} ('${raw}') has an empty path or label.`);
    rows.push({ path, label, line: i + 1 });
  });
  return rows;
}

function jsonRows(text: string, file: string): { path: string; label: string; line: number }[] {
  let list: unknown;
  try {
    list = JSON.parse(text);
  } catch (e) {
    throw new DataError(`${file}: is not valid JSON (${(e as Error).message}).`);
  }
  if (!Array.isArray(list)) throw new DataError(`${file}: must be a JSON list of { "path": …, "label": … } (got ${typeof list}).`);
  return list.map((item: unknown, i) => {
    const o = item as { path?: unknown; label?: unknown } | null;
    if (typeof o?.path !== 'string' || o.path === '' || typeof o.label !== 'string' || o.label === '') {
      throw new DataError(`${file}: entry ${i + 1} is not { "path": string, "label": string } (got ${JSON.stringify(item)}).`);
    }
    return { path: o.path, label: o.label, line: i + 1 };
  });
}

/**
 * Reads a manifest: `.json` is a list of `{ path, label }`, anything else is CSV lines
 * `path,label`. Relative paths are resolved against the manifest's folder.
 */
export function readManifest(file: string): ManifestRow[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new DataError(`${file}: cannot be read (${(e as Error).message}).`);
  }
  const rows = extname(file).toLowerCase() === '.json' ? jsonRows(text, file) : csvRows(text, file);
  if (rows.length === 0)
    throw new DataError(`${file}: lists no images; write one image a line as path,label (or a JSON list of { path, label }).`);
  const base = dirname(file);
  return rows.map((r) => ({ ...r, path: isAbsolute(r.path) ? r.path : join(base, r.path) }));
}
