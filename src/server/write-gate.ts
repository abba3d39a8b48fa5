// Read-only serving while the storage is unreachable: a change that cannot be stored is refused
// before it is applied, so the loaded documents stay served (to readers, and to writers who
// only read) instead of being closed by a failed append.
import * as Y from 'yjs';
import { CloseCode } from './close-codes.js';
import { closeConn, type Conn } from './connection.js';
import type { Logger } from './log.js';
import { decodeMessage } from './protocol.js';
import type { Room } from './room.js';
import type { Storage } from './storage.js';

/** How often an unreachable storage is asked again, and a reachable one checked, in ms. */
const PROBE_DOWN_MS = 1000;
const PROBE_UP_MS = 5000;

/**
 * Decides, per incoming frame, whether a change may reach its room while the storage is
 * unreachable, and keeps probing the storage (every second while down, every 5 s while up)
 * so that the server turns writable again by itself.
 */
export class WriteGate {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly storage: Storage,
    private readonly logger: Logger,
  ) {
    // Asked at once: a database unreachable from the start shows as down within seconds.
    if (storage.monitored) void storage.monitored.check().finally(() => this.schedule());
  }

  /** Whether changes can be stored now. */
  get writable(): boolean {
    return this.storage.monitored === undefined || this.storage.monitored.state === 'up';
  }

  /**
   * Whether `frame` from `conn` may go to the room. While the storage is down, an update that
   * holds something new from a writer closes it with 4503 (nothing applied; its client keeps the
   * change and sends it again after reconnecting); everything else passes.
   */
  admits(room: Room, conn: Conn, frame: Uint8Array): boolean {
    if (this.writable || conn.right !== 'write' || room.closed) return true;
    let known: boolean;
    try {
      const message = decodeMessage(frame);
      if (message.kind !== 'update') return true;
      known = Y.snapshotContainsUpdate(Y.snapshot(room.doc), message.update);
    } catch {
      return true; // the room refuses what does not decode, with its own close code
    }
    if (known) return true;
    this.logger({ level: 'warn', event: 'client-refused', doc: room.name, conn: conn.id, sub: conn.sub, code: CloseCode.STORAGE_UNAVAILABLE, reason: 'storage unreachable' });
    closeConn(conn, CloseCode.STORAGE_UNAVAILABLE, 'storage unreachable: change refused (not applied), retry later');
    return false;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(
      () => {
        this.storage.monitored!.check().finally(() => this.schedule());
      },
      this.writable ? PROBE_UP_MS : PROBE_DOWN_MS,
    );
    this.timer.unref();
  }
}
