// Crash-safe replacement of a file's contents: the text goes to a temporary file next to it,
// is fsynced, then renamed over the target (rename is atomic on POSIX file systems), and the
// directory is fsynced so the rename itself survives a power cut. A reader, or a process
// killed at any instant, sees either the old file or the new one, never a mix.
//
// The replacement is the same file to its user: it keeps the target's permission bits (a 0600
// file of secrets never becomes world-readable) and its owner where the process may set it; a
// symlink is written through, to its real target, and stays a link. The temporary file has a
// random name and is created exclusively, so a file or link planted in advance at its path is
// never followed or overwritten.
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fchmodSync,
  fchownSync,
  fstatSync,
  fsyncSync,
  openSync,
  readlinkSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
  type Stats,
} from 'node:fs';
import { open, readdir, readlink, realpath, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

const errno = (e: unknown): string | undefined => (e as NodeJS.ErrnoException).code;

/**
 * The temporary path a write to `target` (a real path, see realTarget) uses: in the same
 * directory (rename cannot cross devices), named by our pid (see removeStaleTemps) and a random
 * part that nobody can guess in advance.
 */
export function tempPathFor(target: string): string {
  return `${target}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
}

// Linux gives up on a chain of links after 40 (ELOOP); so do we for dangling ones.
const MAX_LINKS = 40;

/**
 * The file a write to `file` must replace: `file` with every symlink resolved, so that writing
 * through a link updates its target and the link stays a link. A dangling link resolves to the
 * path it names (the write creates that file); a path that does not exist is itself.
 */
export async function realTarget(file: string): Promise<string> {
  for (let links = 0; ; links++) {
    try {
      return await realpath(file);
    } catch (e) {
      if (errno(e) !== 'ENOENT' || links === MAX_LINKS) throw e;
    }
    try {
      file = resolve(dirname(file), await readlink(file));
    } catch {
      return file; // not a link, or nothing there: the write creates it
    }
  }
}

/** The synchronous twin of realTarget, for process exit. */
export function realTargetSync(file: string): string {
  for (let links = 0; ; links++) {
    try {
      return realpathSync.native(file);
    } catch (e) {
      if (errno(e) !== 'ENOENT' || links === MAX_LINKS) throw e;
    }
    try {
      file = resolve(dirname(file), readlinkSync(file));
    } catch {
      return file;
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errno(e) === 'EPERM';
  }
}

/**
 * Removes the temporary files that killed processes left next to `file`'s real target (see
 * tempPathFor; the older `<pid>.<n>.tmp` names match too).
 */
export async function removeStaleTemps(file: string): Promise<void> {
  let names: string[];
  try {
    file = await realTarget(file);
    names = await readdir(dirname(file));
  } catch {
    return;
  }
  const base = basename(file);
  for (const name of names) {
    if (!name.startsWith(`${base}.`) || !name.endsWith('.tmp')) continue;
    const m = /^\.(\d+)\.[0-9a-f]+\.tmp$/.exec(name.slice(base.length));
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

/** The file's stat, or undefined when it does not exist. */
async function statOrNothing(file: string): Promise<Stats | undefined> {
  try {
    return await stat(file);
  } catch (e) {
    if (errno(e) === 'ENOENT') return undefined;
    throw e;
  }
}

/** The synchronous twin of statOrNothing. */
function statOrNothingSync(file: string): Stats | undefined {
  try {
    return statSync(file);
  } catch (e) {
    if (errno(e) === 'ENOENT') return undefined;
    throw e;
  }
}

/** The file's current stamp, or undefined when it does not exist. */
export async function currentStamp(file: string): Promise<Stamp | undefined> {
  const st = await statOrNothing(file);
  return st && stampOf(st);
}

/** The synchronous twin of currentStamp, for process exit. */
export function currentStampSync(file: string): Stamp | undefined {
  const st = statOrNothingSync(file);
  return st && stampOf(st);
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

// Setting an owner other than ourselves needs root (or CAP_CHOWN); some file systems (FAT)
// refuse modes and owners altogether. Neither is a reason to lose the write.
async function ifPermitted(op: Promise<void>): Promise<void> {
  try {
    await op;
  } catch (e) {
    if (errno(e) !== 'EPERM') throw e;
  }
}

function ifPermittedSync(op: () => void): void {
  try {
    op();
  } catch (e) {
    if (errno(e) !== 'EPERM') throw e;
  }
}

// The temporary file is created with the target's permission bits (less the umask), so it is
// never more open than the target, then given them exactly; a new file gets the umask's mode.
// The owner goes first: chown clears the set-id bits.
const createMode = (before: Stats | undefined): number => (before ? before.mode & 0o777 : 0o666);
const MODE_BITS = 0o7777;

async function keepOwnerAndMode(handle: FileHandle, before: Stats): Promise<void> {
  const now = await handle.stat();
  if (now.uid !== before.uid || now.gid !== before.gid) await ifPermitted(handle.chown(before.uid, before.gid));
  await ifPermitted(handle.chmod(before.mode & MODE_BITS));
}

function keepOwnerAndModeSync(fd: number, before: Stats): void {
  const now = fstatSync(fd);
  if (now.uid !== before.uid || now.gid !== before.gid) ifPermittedSync(() => fchownSync(fd, before.uid, before.gid));
  ifPermittedSync(() => fchmodSync(fd, before.mode & MODE_BITS));
}

/**
 * Atomically replaces `file` with `text` through the temporary file `tmp` (tempPathFor); returns
 * the new file's stamp. `file` should be a real path (realTarget): a link would be replaced by a
 * regular file. The new file keeps the old one's permission bits and, where permitted, owner.
 */
export async function writeAtomic(file: string, text: string, tmp: string): Promise<Stamp> {
  const before = await statOrNothing(file);
  // Exclusive: fails on anything already at `tmp` (which is then not ours to remove).
  const handle = await open(tmp, 'wx', createMode(before));
  try {
    try {
      if (before) await keepOwnerAndMode(handle, before);
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
  const before = statOrNothingSync(file);
  const fd = openSync(tmp, 'wx', createMode(before));
  try {
    try {
      if (before) keepOwnerAndModeSync(fd, before);
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
