// The loaded documents of a server: load on first use (shared by concurrent callers), unload
// after the last user left and an idle delay, compacting the log on the way out.
import type { Fanout, FanoutLink } from './fanout.js';
import { Room, type RoomContext } from './room.js';

export class Rooms {
  private readonly loaded = new Map<string, Room>();
  private readonly loading = new Map<string, Promise<Room>>();
  /** Unloads still writing (final compaction): a new load of that name waits for it. */
  private readonly unloading = new Map<string, Promise<void>>();

  /** Each loaded room's link to the other instances (scale-out only). */
  private readonly links = new Map<Room, FanoutLink>();

  constructor(
    private readonly ctx: RoomContext,
    private readonly idleUnloadMs: number,
    private readonly fanout?: Fanout,
  ) {}

  get size(): number {
    return this.loaded.size;
  }

  values(): IterableIterator<Room> {
    return this.loaded.values();
  }

  get(name: string): Room | undefined {
    return this.loaded.get(name);
  }

  /**
   * Returns the loaded room of `name`, loading it first if needed, with one hold taken (give
   * it back with release()). Throws DocumentUnavailableError when the stored log is unreadable;
   * such a document is not kept, so the next caller tries again.
   */
  async acquire(name: string): Promise<Room> {
    for (;;) {
      const room = this.loaded.get(name);
      if (room && !room.closed) {
        room.holds++;
        clearTimeout(room.idleTimer);
        return room;
      }
      const pending = this.loading.get(name);
      if (pending) {
        await pending;
        continue;
      }
      const load = this.load(name);
      this.loading.set(name, load);
      try {
        await load;
      } finally {
        this.loading.delete(name);
      }
    }
  }

  private async load(name: string): Promise<Room> {
    await this.unloading.get(name);
    // Follow the other instances first: whatever they store after this point arrives through
    // the link, whatever before is in the log loaded next (both at once does no harm).
    const link = this.fanout?.follow(name);
    let room: Room;
    try {
      await link?.ready;
      room = await Room.load(name, this.ctx);
    } catch (err) {
      link?.stop();
      throw err;
    }
    if (link) {
      link.deliverTo(room.remote);
      this.links.set(room, link);
    }
    this.loaded.set(name, room);
    this.scheduleUnload(room);
    return room;
  }

  /** Gives back a hold taken by acquire(). */
  release(room: Room): void {
    room.holds--;
    this.scheduleUnload(room);
  }

  /** Starts the idle timer when nobody uses the room (called after a client left). */
  scheduleUnload(room: Room): void {
    if (room.users > 0) return;
    if (room.closed) {
      if (this.loaded.get(room.name) === room) this.loaded.delete(room.name);
      this.unlink(room);
      return;
    }
    clearTimeout(room.idleTimer);
    room.idleTimer = setTimeout(() => this.unload(room), this.idleUnloadMs);
  }

  private unload(room: Room): void {
    if (room.users > 0 || this.loaded.get(room.name) !== room) return;
    this.loaded.delete(room.name);
    const done = this.finish(room)
      .catch((error: unknown) => this.ctx.logger({ level: 'error', event: 'unload-failed', doc: room.name, error }))
      .finally(() => {
        if (this.unloading.get(room.name) === done) this.unloading.delete(room.name);
      });
    this.unloading.set(room.name, done);
  }

  private async finish(room: Room): Promise<void> {
    await room.drain();
    if (!room.closed) await room.run(() => room.compactNow());
    room.shutDown(1001, 'unloaded');
    this.unlink(room);
  }

  private unlink(room: Room): void {
    this.links.get(room)?.stop();
    this.links.delete(room);
  }

  /** Unloads every room now (server shutdown): queued work runs, logs are compacted. */
  async closeAll(): Promise<void> {
    await Promise.allSettled([...this.loading.values()]);
    for (const room of [...this.loaded.values()]) {
      clearTimeout(room.idleTimer);
      this.loaded.delete(room.name);
      this.unloading.set(room.name, this.finish(room));
    }
    await Promise.allSettled([...this.unloading.values()]);
  }
}
