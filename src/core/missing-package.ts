// The Node-side packages tinysync lists as OPTIONAL peer dependencies (better-sqlite3, ws,
// jose, send, yaml, pg, ioredis): a browser app that installs tinysync gets none of them, so
// the code that needs one must say what to install instead of failing in the module loader.
// Imported only by Node entries (tinysync/file, tinysync/db, the CLI), never by browser code.
import { TinysyncError } from './errors.js';

/** The one package a Node user installs to get every server-side peer at the tested versions. */
export const SERVER_PACKAGE = '@tinysync/server';

/**
 * The install spec of a peer: better-sqlite3's newest major needs Node 22, so a bare
 * `npm install better-sqlite3` on Node 20 would pick a version that does not load.
 */
export function installSpec(name: string): string {
  return name === 'better-sqlite3' ? 'better-sqlite3@12' : name;
}

/**
 * An optional package a feature needs is not installed. `code` is `E_MISSING_PACKAGE`, `path`
 * holds the package name; the message names the npm command that fixes it.
 */
export class MissingPackageError extends TinysyncError {
  override name = 'MissingPackageError';
  readonly packageName: string;
  constructor(packageName: string, feature: string, options?: { cause?: unknown }) {
    super(
      'E_MISSING_PACKAGE',
      `tinysync: ${feature} needs the "${packageName}" package, which is not installed: npm install ${installSpec(packageName)}`,
      [packageName],
      options,
    );
    this.packageName = packageName;
  }
}

/**
 * Whether `err` is the module loader saying that `name` itself (not something it imports) is
 * not installed: ERR_MODULE_NOT_FOUND from `import()`, MODULE_NOT_FOUND from `require()`.
 */
export function isMissing(err: unknown, name: string): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false;
  const message = err instanceof Error ? err.message : '';
  return message.includes(`'${name}'`) || message.includes(`"${name}"`);
}
