// What each CLI command needs beyond tinysync's own dependencies. These packages are optional
// peers of tinysync (a browser app that installs tinysync gets none of them) and dependencies
// of @tinysync/server. The CLI checks them before it loads the server code, so a missing one
// is one message naming what to install, not a stack trace from the module loader.
import { installSpec, SERVER_PACKAGE } from '../core/missing-package.js';

/** The packages `tinysync serve` and `tinysync token` load (PostgreSQL and Redis are checked by the server, on demand). */
export const COMMAND_PACKAGES = {
  serve: ['better-sqlite3', 'ws', 'jose', 'send'],
  token: ['jose'],
} as const;

/** A command that needs optional packages. */
export type PackagedCommand = keyof typeof COMMAND_PACKAGES;

/**
 * The packages of `command` that `resolve` cannot find. `resolve` throws for a missing one;
 * the default resolves from this file, which is where the server code imports them from.
 */
export function missingPackages(command: PackagedCommand, resolve: (name: string) => unknown = (name) => import.meta.resolve(name)): string[] {
  return COMMAND_PACKAGES[command].filter((name) => {
    try {
      resolve(name);
      return false;
    } catch {
      return true;
    }
  });
}

/** What the CLI prints when `missing` (not empty) keeps `command` from running. */
export function missingPackagesMessage(command: PackagedCommand, missing: readonly string[]): string {
  const names = missing.map((n) => `"${n}"`).join(', ');
  return (
    `tinysync ${command} needs the server packages, and ${names} ${missing.length === 1 ? 'is' : 'are'} not installed.\n` +
    `  Install the server package:  npm install ${SERVER_PACKAGE}   (or run it from nothing: npx ${SERVER_PACKAGE} ${command})\n` +
    `  or only what is missing:     npm install ${missing.map(installSpec).join(' ')}\n`
  );
}
