/**
 * A drop of folders as the files of an image folder (`{ path, blob }` for
 * `imageFolderFromFiles`): one dropped folder holds one subfolder per class; several
 * dropped folders are the classes themselves.
 */
import type { data } from 'tessera';

type FolderFile = data.FolderFile;

/** The parts of the File and Directory Entries API a drop gives (`webkitGetAsEntry()`). */
export interface DropEntry {
  readonly name: string;
  readonly isFile: boolean;
  readonly isDirectory: boolean;
  /** Files: the File. */
  file?(ok: (f: File) => void, fail: (e: unknown) => void): void;
  /** Directories: a reader whose `readEntries` gives the children in chunks, then an empty one. */
  createReader?(): { readEntries(ok: (entries: DropEntry[]) => void, fail: (e: unknown) => void): void };
}

async function children(dir: DropEntry): Promise<DropEntry[]> {
  const reader = dir.createReader!();
  const out: DropEntry[] = [];
  for (;;) {
    const chunk = await new Promise<DropEntry[]>((ok, fail) => reader.readEntries(ok, fail));
    if (chunk.length === 0) return out;
    out.push(...chunk);
  }
}

async function walk(entry: DropEntry, path: string, out: FolderFile[]): Promise<void> {
  if (entry.isFile) {
    const blob = await new Promise<File>((ok, fail) => entry.file!(ok, fail));
    out.push({ path, blob });
  } else if (entry.isDirectory) {
    for (const c of await children(entry)) await walk(c, `${path}/${c.name}`, out);
  }
}

/** The files of the dropped entries, each with its path below the image folder (`cat/1.png`). */
export async function filesOfDrop(entries: readonly DropEntry[]): Promise<FolderFile[]> {
  const dirs = entries.filter((e) => e.isDirectory);
  const out: FolderFile[] = [];
  if (dirs.length === 1 && entries.length === 1) {
    for (const c of await children(dirs[0])) await walk(c, c.name, out);
  } else {
    for (const e of entries) await walk(e, e.name, out);
  }
  return out;
}
