// Room-level test doubles for the path-rule tests: an in-memory log, fake connections that
// record what the room sends and how it closes them, and tracked replicas bound to a Y.Doc
// the way the browser store binds them, whose updates are fed to the room as sync frames.
import * as encoding from 'lib0/encoding';
import { track } from 'tinysync';
import { bind } from 'tinysync/crdt';
import { compilePathRules, DEFAULT_LIMITS, type Persistence } from 'tinysync/server';
import type WebSocket from 'ws';
import * as Y from 'yjs';
import type { Conn } from '../../src/server/connection.js';
import { Room } from '../../src/server/room.js';

/** An in-memory Persistence whose logs a test can read. */
export function memoryStore(): Persistence & { logs: Map<string, Uint8Array[]> } {
  const logs = new Map<string, Uint8Array[]>();
  let seq = 0;
  return {
    logs,
    load: (doc) => ({ updates: [...(logs.get(doc) ?? [])], lastSeq: seq }),
    append: (doc, update) => {
      logs.set(doc, [...(logs.get(doc) ?? []), update]);
      return ++seq;
    },
    compact: (doc, snapshot) => void logs.set(doc, [snapshot]),
    close: () => {},
  };
}

export interface FakeConn {
  conn: Conn;
  sent: Uint8Array[];
  closedWith: { code: number; reason: string } | undefined;
}

let nextConn = 1;
/** A connection with `right` (a writer by default), restricted to `paths` (for `sub`) when given. */
export function fakeConn(room: Room, paths?: string[], sub = 'alice', right: 'read' | 'write' = 'write'): FakeConn {
  const fake: FakeConn = { conn: undefined as unknown as Conn, sent: [], closedWith: undefined };
  const ws = {
    OPEN: 1,
    get readyState() {
      return fake.closedWith ? 3 : 1;
    },
    send: (frame: Uint8Array) => fake.sent.push(frame),
    close: (code: number, reason: string) => (fake.closedWith = { code, reason }),
  } as unknown as WebSocket;
  const rules = paths === undefined ? undefined : compilePathRules(paths, sub);
  fake.conn = { id: nextConn++, ws, doc: room.name, right, sub, rules, awarenessIds: new Set(), closed: false, alive: true } as Conn;
  return fake;
}

export function openRoom(store: Persistence, name = 'doc'): Promise<Room> {
  return Room.load(name, { persistence: store, logger: () => {}, compactAfterUpdates: 100_000, limits: DEFAULT_LIMITS });
}

/** A y-websocket sync frame carrying one update. */
export function updateFrame(update: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 0);
  encoding.writeVarUint(e, 2);
  encoding.writeVarUint8Array(e, update);
  return encoding.toUint8Array(e);
}

/** A tracked tree bound to its own Y.Doc, loaded from the room's state. */
export interface Replica<T> {
  data: T;
  doc: Y.Doc;
  /** Runs `mutate` and returns the updates it produced (one per transaction). */
  edit(mutate: (data: T) => void): Uint8Array[];
}

export function replica<T extends object>(room: Room, initial: T = {} as T): Replica<T> {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, room.encodeState());
  const data = track(initial);
  bind(data, doc);
  return {
    data,
    doc,
    edit(mutate) {
      const updates: Uint8Array[] = [];
      const collect = (u: Uint8Array) => updates.push(u);
      doc.on('update', collect);
      try {
        mutate(data);
      } finally {
        doc.off('update', collect);
      }
      return updates;
    },
  };
}

/** Sends `updates` from `fake` and waits for the room; returns how the connection was closed, if it was. */
export async function send(room: Room, fake: FakeConn, updates: Uint8Array[]): Promise<FakeConn['closedWith']> {
  for (const u of updates) room.receive(fake.conn, updateFrame(u));
  await room.drain();
  return fake.closedWith;
}

/** The room's tree as plain JSON. */
export function treeOf(room: Room): unknown {
  return room.doc.getMap('tinysync').toJSON();
}
