// The hostile-load benchmark's runs (issue 11, "Proof"): one server in a child process, a
// legitimate writer/reader pair on the attacked document and one on another document, an HTTP
// pinger, first with no attacker, then with one attack class running. Every loop is bounded by
// the phase's time and by a count; traffic stays on 127.0.0.1.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createToken } from 'tinysync/server';
import { Attacker, handshake, LegitPair, memory, ping, type AttackStats, type PairStats } from './hostile-clients.js';
import { awarenessFlood, bigUpdates, EMPTY_UPDATE, failingUpdates, manyStructs, megabyteDocument, message, missingOriginUpdates, seedUpdate, STEP1 } from './hostile-frames.js';

export type ServerKind = 'tinysync' | 'bare';

/** A running server child and the URLs its clients use (tokens included for tinysync). */
export interface Session {
  kind: ServerKind;
  pid: number;
  /** ws URL of `doc` for a legitimate client, the setup writer, a write attacker or a read-only one. */
  url(doc: string, role: 'legitA' | 'legitB' | 'setup' | 'attacker' | 'reader'): string;
  /** URL of the HTTP latency probe: /health, or any path of the bare server. */
  pingUrl: string;
  /** Whether the server process is still running (a crash shows up as timeouts, and here). */
  alive(): boolean;
  close(): void;
}

const SECRET = 'hostile-bench-secret-0123456789abcdef0123';
const ROLES = ['legitA', 'legitB', 'setup', 'attacker', 'reader'] as const;

/** Starts `kind` in a child process (bench/hostile-server.mjs) and resolves once it listens. */
export async function startSession(kind: ServerKind): Promise<Session> {
  const script = fileURLToPath(new URL('./hostile-server.mjs', import.meta.url));
  const dataDir = mkdtempSync(join(tmpdir(), 'tinysync-hostile-'));
  const module = fileURLToPath(new URL('../dist/server.js', import.meta.url));
  const args = kind === 'tinysync' ? [script, kind, module, dataDir, SECRET] : [script, kind];
  // stderr is kept, not shown: the bare server prints every update it fails to apply.
  const proc: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const m = /\{"port":(\d+)\}/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    proc.on('exit', (code) => reject(new Error(`${kind} server exited with ${code} before listening: ${stderr}`)));
  });
  const tokens: Record<string, string> = {};
  if (kind === 'tinysync') {
    for (const role of ROLES) tokens[role] = await createToken({ secret: SECRET, prefix: '', right: role === 'reader' ? 'read' : 'write', sub: role, ttl: '1h' });
  }
  const base = `ws://127.0.0.1:${port}/sync`;
  return {
    kind,
    pid: proc.pid!,
    url: (doc, role) => (kind === 'tinysync' ? `${base}/${doc}?token=${tokens[role]}` : `${base}/${doc}`),
    pingUrl: kind === 'tinysync' ? `http://127.0.0.1:${port}/health` : `http://127.0.0.1:${port}/ping`,
    alive: () => proc.exitCode === null && proc.signalCode === null,
    close: () => {
      proc.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Sends `frames` to `doc` as the setup writer and resolves once the server has handled them all. */
async function setupWrite(session: Session, doc: string, frames: Uint8Array[]): Promise<void> {
  let answers = 0;
  let answered = () => {};
  const ws = await handshake(session.url(doc, 'setup'), (data) => {
    if (data[0] === 0 && data[1] === 1 && ++answers === 2) answered();
  });
  for (const f of frames) await new Promise<void>((resolve) => ws.send(f, () => resolve()));
  // The server handles a connection's frames in order: the answer to a step 1 sent after them
  // means they were all taken in.
  const done = new Promise<void>((resolve) => (answered = resolve));
  ws.send(STEP1);
  await done;
  ws.terminate();
}

/** One attack class: what the attacked document holds first, and the attack itself. */
export interface AttackClass {
  name: string;
  /** Content of the attacked document before the quiet phase. */
  setup(session: Session, doc: string): Promise<void>;
  /** Runs until `stopped()` or its own bound; `victims` are the legitimate clients' awareness ids. */
  attack(session: Session, doc: string, stopped: () => boolean, victims: number[]): Promise<AttackStats[]>;
}

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Clients per class-2 update. Yjs's cost of such an update grows about quadratically (issue 11:
 * 300 KB stalled a server 9.5 s, and each later small frame ~100 ms); 10,000 clients (~120 KB)
 * took ~2 s in plain Yjs here, enough to show the effect within the benchmark's time budget.
 */
export const MISSING_ORIGIN_CLIENTS = 10_000;

/** Issue 11's five attack classes, with their bounds. */
export function attackClasses(): AttackClass[] {
  const seed = message(0, 2, seedUpdate());
  const failing = failingUpdates(200, 1000);
  const missing = missingOriginUpdates(MISSING_ORIGIN_CLIENTS, 20);
  const big = bigUpdates(100, 500_000);
  const structs = manyStructs(120_000, 10_000);
  const megabyteDoc = megabyteDocument();
  return [
    {
      name: '1 updates failing halfway through apply',
      setup: (s, doc) => setupWrite(s, doc, [seed]),
      async attack(s, doc, stopped) {
        const a = new Attacker(s.url(doc, 'attacker'), { maxConnections: 600 });
        for (let i = 0; i < 600 && !stopped(); i++) {
          if (!(await a.send(failing[i % failing.length]!))) break;
          await tick(5); // the attacker's pace, the same against both servers
        }
        a.close();
        return [a.stats];
      },
    },
    {
      name: `2 updates with missing origins (${MISSING_ORIGIN_CLIENTS.toLocaleString('en-US')} clients, ${Math.round(missing.big.length / 1000)} KB, then ${missing.small[0]!.length}-byte follow-ups)`,
      setup: (s, doc) => setupWrite(s, doc, [seed]),
      async attack(s, doc, stopped) {
        const a = new Attacker(s.url(doc, 'attacker'), { maxConnections: 100 });
        await a.send(missing.big);
        for (const f of missing.small) {
          if (stopped() || !(await a.send(f))) break;
          await tick(50);
        }
        a.close();
        return [a.stats];
      },
    },
    {
      name: '3 awareness flood (~1 MB states, 20,000 ids, others’ ids)',
      setup: (s, doc) => setupWrite(s, doc, [seed]),
      async attack(s, doc, stopped, victims) {
        const a = new Attacker(s.url(doc, 'attacker'), { maxConnections: 200 });
        for (let i = 0; i < 150 && !stopped(); i++) {
          if (!(await a.send(awarenessFlood(i, victims)))) break;
          await tick(5);
        }
        a.close();
        return [a.stats];
      },
    },
    {
      name: '4 never-reading step-1 flood, and a slow reader under 100 × 500 KB',
      setup: (s, doc) => setupWrite(s, doc, megabyteDoc),
      async attack(s, doc, stopped) {
        const flooder = new Attacker(s.url(doc, 'attacker'), { paused: true, maxConnections: 100 });
        const slow = new Attacker(s.url(doc, 'attacker'), { paused: true, maxConnections: 100 });
        const writer = new Attacker(s.url(doc, 'attacker'), { maxConnections: 10 });
        await Promise.all([
          (async () => {
            for (let i = 0; i < 1000 && !stopped(); i++) if (!(await flooder.send(STEP1))) break;
          })(),
          (async () => {
            for (let i = 0; i < 20 && !stopped(); i++) {
              if (!(await slow.send(STEP1))) break;
              await tick(500); // under the step-1 rate limit: only its not reading is hostile
            }
          })(),
          (async () => {
            for (const f of big) if (stopped() || !(await writer.send(f))) break;
          })(),
        ]);
        for (const a of [flooder, slow, writer]) a.close();
        return [flooder.stats, slow.stats, writer.stats];
      },
    },
    {
      name: '5 read-only client: empty 5-byte updates on a 120k-struct document',
      setup: (s, doc) => setupWrite(s, doc, structs),
      async attack(s, doc, stopped) {
        const a = new Attacker(s.url(doc, 'reader'), { maxConnections: 100 });
        for (let i = 0; i < 3000 && !stopped(); i++) if (!(await a.send(EMPTY_UPDATE))) break;
        a.close();
        return [a.stats];
      },
    },
  ];
}

/** What one phase measured. */
export interface PhaseResult {
  same: number[];
  other: number[];
  http: number[];
  peakRss: number;
  serverAlive: boolean;
  pairs: { same: PairStats; other: PairStats };
  attack: AttackStats[];
}

const PACE_MS = 20;

/** Runs `fn` every PACE_MS (or right after the previous run when slower) until `stopped()`. */
async function paced(stopped: () => boolean, fn: () => Promise<unknown>): Promise<void> {
  while (!stopped()) {
    const t0 = performance.now();
    await fn();
    const wait = PACE_MS - (performance.now() - t0);
    if (wait > 0) await tick(wait);
  }
}

/**
 * Measures for `ms`: round trips of both pairs (write on A, seen on B), HTTP probe times and
 * the server's peak RSS (VmHWM: since the process started) at the end, while `attack` runs.
 */
export async function runPhase(
  session: Session,
  pairs: { same: LegitPair; other: LegitPair },
  ms: number,
  attack?: (stopped: () => boolean) => Promise<AttackStats[]>,
): Promise<PhaseResult> {
  const end = performance.now() + ms;
  const stopped = () => performance.now() >= end;
  const from = { same: pairs.same.samples.length, other: pairs.other.samples.length };
  const before = { same: { ...pairs.same.stats, closes: { ...pairs.same.stats.closes } }, other: { ...pairs.other.stats, closes: { ...pairs.other.stats.closes } } };
  const http: number[] = [];
  const [, , , attackStats] = await Promise.all([
    paced(stopped, () => pairs.same.roundTrip()),
    paced(stopped, () => pairs.other.roundTrip()),
    paced(stopped, async () => http.push(await ping(session.pingUrl))),
    attack ? attack(stopped) : Promise.resolve([]),
  ]);
  const delta = (now: PairStats, then: PairStats): PairStats => ({
    timeouts: now.timeouts - then.timeouts,
    reconnects: now.reconnects - then.reconnects,
    peerErrors: now.peerErrors - then.peerErrors,
    closes: Object.fromEntries(Object.entries(now.closes).map(([code, n]) => [code, n - (then.closes[Number(code)] ?? 0)]).filter(([, n]) => n !== 0)),
  });
  return {
    same: pairs.same.samples.slice(from.same),
    other: pairs.other.samples.slice(from.other),
    http,
    serverAlive: session.alive(),
    peakRss: session.alive() ? memory(session.pid).peak : Number.NaN,
    pairs: { same: delta(pairs.same.stats, before.same), other: delta(pairs.other.stats, before.other) },
    attack: attackStats,
  };
}

/** One server under one attack class: a quiet phase, then the attacked phase, in one process. */
export async function runClass(kind: ServerKind, cls: AttackClass, index: number, phaseMs: number): Promise<{ quiet: PhaseResult; attacked: PhaseResult }> {
  const session = await startSession(kind);
  const doc = `attacked-${index}`;
  const pairs = {
    same: new LegitPair(session.url(doc, 'legitA'), session.url(doc, 'legitB'), `same${index}`),
    other: new LegitPair(session.url(`other-${index}`, 'legitA'), session.url(`other-${index}`, 'legitB'), `other${index}`),
  };
  try {
    await cls.setup(session, doc);
    await pairs.same.connect();
    await pairs.other.connect();
    const quiet = await runPhase(session, pairs, phaseMs);
    const attacked = await runPhase(session, pairs, phaseMs, (stopped) => cls.attack(session, doc, stopped, pairs.same.awarenessIds));
    return { quiet, attacked };
  } finally {
    pairs.same.close();
    pairs.other.close();
    session.close();
  }
}
