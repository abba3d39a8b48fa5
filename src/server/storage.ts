// Which storage backend a server uses, from its options, and what it reports about it.
import { OptionError } from './errors.js';
import type { Logger } from './log.js';
import type { SyncServerOptions } from './options.js';
import type { Persistence } from './persistence.js';
import { PostgresPersistence, type DependencyState } from './postgres.js';
import { SqlitePersistence } from './sqlite.js';

/** A backend that can tell whether it reaches its database (PostgresPersistence does). */
export interface MonitoredPersistence extends Persistence {
  readonly state: DependencyState;
  check(): Promise<DependencyState>;
  onState(listener: (state: DependencyState) => void): () => void;
}

/** The storage of one server: the backend, and the state of what it depends on. */
export interface Storage {
  persistence: Persistence;
  /** The backend's name (`postgres`, `sqlite`, `custom`) → `up` or `down`. */
  dependencies(): Record<string, DependencyState>;
  /** Present when the backend can be probed: asks it again (the write gate calls it). */
  monitored: MonitoredPersistence | undefined;
  close(): Promise<void>;
}

function isMonitored(p: Persistence): p is MonitoredPersistence {
  const m = p as Partial<MonitoredPersistence>;
  return typeof m.check === 'function' && typeof m.onState === 'function' && typeof m.state === 'string';
}

/**
 * Picks the backend: `persistence` as given, else PostgreSQL when `postgres` is set, else SQLite
 * in `dataDir`. The server owns and closes it in every case.
 */
export function openStorage(opts: SyncServerOptions, logger: Logger): Storage {
  if (opts.redis !== undefined && opts.postgres === undefined && opts.persistence === undefined) {
    throw new OptionError('redis', 'instances that share documents through Redis must share their storage too: set postgres (or persistence)');
  }
  let persistence: Persistence;
  let name: string;
  if (opts.persistence) {
    persistence = opts.persistence;
    name = persistence instanceof PostgresPersistence ? 'postgres' : persistence instanceof SqlitePersistence ? 'sqlite' : 'custom';
  } else if (opts.postgres !== undefined) {
    persistence = new PostgresPersistence(opts.postgres);
    name = 'postgres';
  } else {
    persistence = new SqlitePersistence(opts.dataDir ?? './data');
    name = 'sqlite';
  }
  const monitored = isMonitored(persistence) ? persistence : undefined;
  const unsubscribe = monitored?.onState((state) => logger({ level: state === 'up' ? 'info' : 'error', event: 'dependency', dependency: name, state }));
  return {
    persistence,
    monitored,
    dependencies: () => ({ [name]: monitored?.state ?? 'up' }),
    close: async () => {
      unsubscribe?.();
      await persistence.close();
    },
  };
}
