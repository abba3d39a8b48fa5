#!/usr/bin/env node
// The `tinysync` command: `serve` runs the sync server until SIGINT/SIGTERM, `token` prints a
// signed access token.
// The server code is loaded with import() only after the packages it needs are found: they are
// optional peers of tinysync, so `npx tinysync serve` in a browser app that has only tinysync
// prints what to install (exit 1) instead of the module loader's stack trace.
import { parseCli } from './cli-args.js';
import { TinysyncError } from '../core/index.js';
import { missingPackages, missingPackagesMessage } from './server-packages.js';

async function main(): Promise<number> {
  const cli = parseCli(process.argv.slice(2), process.env);
  if (cli.command === 'help') {
    process.stdout.write(cli.text);
    return 0;
  }
  const missing = missingPackages(cli.command);
  if (missing.length > 0) {
    process.stderr.write(missingPackagesMessage(cli.command, missing));
    return 1;
  }
  if (cli.command === 'token') {
    const { createToken } = await import('./tokens.js');
    process.stdout.write(`${await createToken(cli.options)}\n`);
    return 0;
  }
  const { createSyncServer } = await import('./server.js');
  const server = await createSyncServer(cli.options);
  if (cli.options.secret === undefined) {
    process.stderr.write(
      '\n  !!! tinysync: NO SECRET SET — this server is OPEN: anyone who can reach it can read and write every document.\n' +
        '  !!! Set TINYSYNC_SECRET (or --secret-file PATH) to require signed tokens.\n\n',
    );
  }
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) process.exit(1); // a second signal: do not wait any longer
      stopping = true;
      process.stderr.write(`tinysync: ${signal}, closing (flushing documents, closing clients with 1001)\n`);
      server.close().then(resolve, (err: unknown) => {
        process.stderr.write(`tinysync: error while closing: ${String(err)}\n`);
        process.exit(1);
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return 0;
}

// Exit only once stdout has taken every log line (pipes are written asynchronously).
const exit = (code: number) => process.stdout.write('', () => process.exit(code));

main().then(exit, (err: unknown) => {
  process.stderr.write(`${err instanceof TinysyncError ? err.message : `tinysync: ${String(err)}`}\n`);
  exit(2);
});
