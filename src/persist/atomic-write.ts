// Crash-safe replacement of a file's contents: the text goes to a temporary file next to it,
// is fsynced, then renamed over the target (rename is atomic on POSIX file systems), and the
// directory is fsynced so the rename itself survives a power cut. A reader, or a process
// killed at any instant, sees either the old file or the new one, never a mix.
import { closeSync, fsyncSync, openSync, renameSync, statSync, unlinkSync, writeFileSync, type Stats } from 'node:fs';
import { open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

let seq = 0;

/** The temporary path a write uses: in the same directory (rename cannot cross devices). */
export function tempPathFor(file: string): string {
  return `${file}.${process.pid}.${++seq}.tmp`;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the temporary files that killed processes left next to `file` (see tempPathFor). */
export async function removeStaleTemps(file: string): Promise<void> {
  const base = basename(file);
  let names: string[];
  try {
    names = await readdir(dirname(file));
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(`${base}.`) || !name.endsWith('.tmp')) continue;
    const m = /^\.(\d+)\.\d+\.tmp$/.exec(name.slice(base.length));
    const pid = m ? Number(m[1]) : undefined;
    if (pid === undefined || pid === process.pid || alive(pid)) continue;
    await unlink(join(dirname(file), name)).catch(() => undefined);
  }
}

/** What identifies the version of a file we wrote or read: changed by any other writer. */
export interface Stamp {
  mtimeMs: number;
  size: number;
  ino: number;
}

/** The stamp of a stat result. */
export function stampOf(st: Stats): Stamp {
  return { mtimeMs: st.mtimeMs, size: st.size, ino: st.ino };
}

/** Whether two stamps name the same version (both absent counts as the same: no file). */
export function sameStamp(a: Stamp | undefined, b: Stamp | undefined): boolean {
  if (!a || !b) return a === b;
  return a.mtimeMs === b.mtimeMs && a.size === b.size && a.ino === b.ino;
}

/** The file's current stamp, or undefined when it does not exist. */
export async function currentStamp(file: string): Promise<Stamp | undefined> {
  try {
    return stampOf(await stat(file));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** The synchronous twin of currentStamp, for process exit. */
export function currentStampSync(file: string): Stamp | undefined {
  try {
    return stampOf(statSync(file));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some file systems refuse fsync on a directory; the rename is still atomic there.
  }
}

/** Atomically replaces `file` with `text`; returns the new file's stamp. */
export async function writeAtomic(file: string, text: string, tmp: string): Promise<Stamp> {
  try {
    const handle = await open(tmp, 'w', 0o644);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, file);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  await syncDir(dirname(file));
  return stampOf(await stat(file));
}

/** The synchronous twin of writeAtomic, for process exit (no more event loop turns). */
export function writeAtomicSync(file: string, text: string, tmp: string): Stamp {
  try {
    const fd = openSync(tmp, 'w', 0o644);
    try {
      writeFileSync(fd, text, 'utf8');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
    throw e;
  }
  try {
    const fd = openSync(dirname(file), 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // as in syncDir
  }
  return stampOf(statSync(file));
}
