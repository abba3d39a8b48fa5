// Child Node processes for the crash, exit and server tests. Children cannot import the
// TypeScript sources, so they load the built package: `dist/` (built by `npm test` before vitest), or the
// directory named by TINYSYNC_DIST.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = fileURLToPath(new URL('../', import.meta.url));

/** The file: URL of a built entry (`file`, `tasks`, `index`), or a clear error when not built. */
export function distModule(entry: 'file' | 'tasks' | 'index' | 'extend' | 'diff' | 'react' | 'db'): string {
  const dir = process.env.TINYSYNC_DIST ?? join(repo, 'dist');
  const path = join(dir, `${entry}.js`);
  if (!existsSync(path)) throw new Error(`${path} is missing: run "npx vite build" first (npm test does)`);
  return pathToFileURL(path).href;
}

export interface Child {
  proc: ChildProcess;
  /** Complete stdout lines so far. */
  lines: string[];
  /** Resolves with the first line (already seen or coming) that matches. */
  line(match: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

/** Starts `node <script> ...args` with `env` added; stdout is split into lines. */
export function startChild(script: URL, args: string[], env: Record<string, string>): Child {
  const proc = spawn(process.execPath, [fileURLToPath(script), ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let rest = '';
  let err = '';
  proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop()!;
    lines.push(...parts);
    for (const w of waiters) w();
  });
  proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (code, signal) => {
      for (const w of waiters) w();
      resolve({ code, signal });
    }),
  );
  const line = (match: (line: string) => boolean, timeoutMs = 10_000) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const found = lines.find(match);
        if (found !== undefined) done(() => resolve(found));
        else if (proc.exitCode !== null || proc.signalCode !== null) done(() => reject(new Error(`child exited before the expected line; stderr: ${err}`)));
      };
      const timer = setTimeout(() => done(() => reject(new Error(`no expected line from the child in ${timeoutMs} ms; stderr: ${err}`))), timeoutMs);
      const done = (fn: () => void) => {
        clearTimeout(timer);
        waiters.delete(check);
        fn();
      };
      waiters.add(check);
      check();
    });
  return { proc, lines, line, exited, stderr: () => err };
}

/** The first positive `port` in a JSON line of the child's stdout (how a server says it listens). */
export async function listeningPort(child: Child, timeoutMs?: number): Promise<number> {
  return portIn(await child.line((l) => portIn(l) !== undefined, timeoutMs))!;
}

function portIn(line: string): number | undefined {
  try {
    const port = (JSON.parse(line) as { port?: unknown }).port;
    return typeof port === 'number' && port > 0 ? port : undefined;
  } catch {
    return undefined;
  }
}
