// What an `npm install` put into a folder, read from npm's own record of it
// (node_modules/.package-lock.json): every package with its install-script flag, the packages
// one package pulls in, and their size on disk.
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One installed package. */
export interface InstalledPackage {
  name: string;
  /** Its folder, relative to the install root (`node_modules/a/node_modules/b`). */
  path: string;
  version: string;
  /** npm's flag for a preinstall/install/postinstall script (or a binding.gyp). */
  hasInstallScript: boolean;
}

/** An install, measured. */
export interface Footprint {
  packages: InstalledPackage[];
  /** Bytes of every file under node_modules. */
  bytes: number;
  /** The root package and everything it pulls in (dependencies, installed optional and peer ones). */
  closure: InstalledPackage[];
  /** Bytes of the closure's folders (each without its nested node_modules). */
  closureBytes: number;
}

interface LockEntry {
  version?: string;
  name?: string;
  link?: boolean;
  hasInstallScript?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

/** The packages npm installed under `dir` (its hidden lockfile, written by every install). */
export function lockedPackages(dir: string): Map<string, LockEntry> {
  const lock = JSON.parse(readFileSync(join(dir, 'node_modules/.package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  return new Map(Object.entries(lock.packages).filter(([path, entry]) => path.startsWith('node_modules/') && !entry.link));
}

const nameOf = (path: string) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);

/** Bytes of the files under `path`, leaving out `skip` folder names. */
function size(path: string, skip: string[] = []): number {
  const st = lstatSync(path);
  if (!st.isDirectory()) return st.size;
  let total = 0;
  for (const entry of readdirSync(path)) if (!skip.includes(entry)) total += size(join(path, entry));
  return total;
}

/** Measures the install in `dir`; `root` is the package whose closure is measured apart. */
export function installFootprint(dir: string, root: string): Footprint {
  const locked = lockedPackages(dir);
  const pkg = (path: string): InstalledPackage => ({
    name: nameOf(path),
    path,
    version: locked.get(path)!.version ?? '',
    hasInstallScript: locked.get(path)!.hasInstallScript === true,
  });
  // Node's lookup: the requiring package's own node_modules, then each folder above it.
  const resolve = (from: string, name: string): string | undefined => {
    for (let base = from; ; ) {
      const candidate = `${base}/node_modules/${name}`;
      if (locked.has(candidate)) return candidate;
      const up = base.lastIndexOf('/node_modules/');
      if (up < 0) break;
      base = base.slice(0, up);
    }
    return locked.has(`node_modules/${name}`) ? `node_modules/${name}` : undefined;
  };
  const closure = new Set<string>();
  const visit = (path: string) => {
    if (closure.has(path)) return;
    closure.add(path);
    const entry = locked.get(path)!;
    for (const name of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies, ...entry.peerDependencies })) {
      const found = resolve(path, name);
      if (found) visit(found);
    }
  };
  visit(`node_modules/${root}`);
  return {
    packages: [...locked.keys()].map(pkg),
    bytes: size(join(dir, 'node_modules')),
    closure: [...closure].map(pkg),
    closureBytes: [...closure].reduce((sum, path) => sum + size(join(dir, path), ['node_modules']), 0),
  };
}
