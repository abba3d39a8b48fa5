// What a write keeps of the file it replaces: its mode, its owner (where the process may set
// it), and a symlink as a symlink, written through to its real target; and the temporary file
// is created exclusively, never through something planted at its path.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { close, flush, trackFile } from 'tinysync/file';
// Not reachable through the public API: the temporary path is random.
import { writeAtomic, writeAtomicSync } from '../../src/persist/atomic-write.js';

let dir: string;
const opened: object[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tinysync-atomic-'));
});
afterEach(async () => {
  for (const data of opened.splice(0)) await close(data, { discard: true }).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

async function open<T extends object>(path: string, initial: T): Promise<T> {
  const data = await trackFile(path, initial, { onError: (e) => expect.fail(e.message) });
  opened.push(data);
  return data;
}

const modeOf = (path: string): number => statSync(path).mode & 0o7777;
const isRoot = process.getuid?.() === 0;

describe('the mode and owner of the file are kept', () => {
  for (const mode of [0o600, 0o640, 0o444]) {
    it(`a ${mode.toString(8)} file stays ${mode.toString(8)} after writes`, async () => {
      const path = join(dir, 'secrets.json');
      writeFileSync(path, '{"token":"a"}');
      chmodSync(path, mode);
      const data = await open(path, { token: '' });
      data.token = 'b';
      await flush(data);
      data.token = 'c';
      await flush(data);
      expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ token: 'c' });
      expect(modeOf(path).toString(8)).toBe(mode.toString(8));
    });
  }

  it('a new file gets the mode any new file gets: 0666 less the umask', async () => {
    const umask = process.umask(0o002); // a shared-group umask: new files are group-writable
    try {
      const probe = join(dir, 'probe');
      writeFileSync(probe, '');
      const path = join(dir, 'new.json');
      await open(path, { a: 1 });
      expect(modeOf(probe).toString(8)).toBe('664');
      expect(modeOf(path).toString(8)).toBe('664');
    } finally {
      process.umask(umask);
    }
  });

  it.skipIf(!isRoot)('the owner and group are kept (a root process can set them)', async () => {
    const path = join(dir, 'owned.yaml');
    writeFileSync(path, 'n: 0\n');
    chownSync(path, 4242, 4343);
    const data = await open(path, { n: 0 });
    data.n = 1;
    await flush(data);
    expect(readFileSync(path, 'utf8')).toBe('n: 1\n');
    const { uid, gid } = statSync(path);
    expect({ uid, gid }).toEqual({ uid: 4242, gid: 4343 });
  });

  it.skipIf(!isRoot)('the synchronous write at exit keeps them too', () => {
    const path = join(dir, 'exit.json');
    writeFileSync(path, '{}');
    chownSync(path, 4242, 4343);
    chmodSync(path, 0o600);
    writeAtomicSync(path, '{"n":1}', `${path}.tmp`);
    const { uid, gid } = statSync(path);
    expect({ uid, gid, mode: modeOf(path).toString(8) }).toEqual({ uid: 4242, gid: 4343, mode: '600' });
  });
});

describe('a symlink stays a symlink', () => {
  it('its real target gets the data; the link and the directory holding it are unchanged', async () => {
    // links/config.json -> ../real/config.json (relative, as dotfile managers make them)
    mkdirSync(join(dir, 'real'));
    mkdirSync(join(dir, 'links'));
    const target = join(dir, 'real', 'config.json');
    const link = join(dir, 'links', 'config.json');
    writeFileSync(target, '{"theme":"dark"}');
    chmodSync(target, 0o600);
    symlinkSync('../real/config.json', link);
    const data = await open(link, { theme: '' });
    data.theme = 'light';
    await flush(data);
    data.theme = 'blue'; // a second write: the stamp of the real target is what it compares
    await flush(data);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe('../real/config.json');
    expect(JSON.parse(readFileSync(target, 'utf8'))).toEqual({ theme: 'blue' });
    expect(modeOf(target).toString(8)).toBe('600');
    expect(readdirSync(join(dir, 'links'))).toEqual(['config.json']);
    expect(readdirSync(join(dir, 'real'))).toEqual(['config.json']);
  });

  it('a chain of links is followed to its end', async () => {
    const target = join(dir, 'target.yaml');
    writeFileSync(target, 'n: 0\n');
    symlinkSync(target, join(dir, 'one.yaml'));
    symlinkSync('one.yaml', join(dir, 'two.yaml'));
    const data = await open(join(dir, 'two.yaml'), { n: 0 });
    data.n = 2;
    await flush(data);
    expect(readFileSync(target, 'utf8')).toBe('n: 2\n');
    expect(lstatSync(join(dir, 'one.yaml')).isSymbolicLink() && lstatSync(join(dir, 'two.yaml')).isSymbolicLink()).toBe(true);
  });

  it('a dangling link: the file it names is created', async () => {
    const link = join(dir, 'state.json');
    symlinkSync('data/state.json', link);
    mkdirSync(join(dir, 'data'));
    await open(link, { created: true });
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'data', 'state.json'), 'utf8'))).toEqual({ created: true });
  });

  it("the temporary files a killed writer left next to the link's target are removed at open", async () => {
    mkdirSync(join(dir, 'real'));
    const target = join(dir, 'real', 'state.json');
    writeFileSync(target, '{}');
    symlinkSync(target, join(dir, 'state.json'));
    const dead = spawnSync(process.execPath, ['-e', '']).pid!; // exited: its pid names nobody
    writeFileSync(`${target}.${dead}.0123456789ab.tmp`, '{"torn":');
    await open(join(dir, 'state.json'), {});
    expect(readdirSync(join(dir, 'real'))).toEqual(['state.json']);
  });
});

describe('the temporary file is created exclusively', () => {
  it('something already at its path is neither followed nor overwritten: the write fails', async () => {
    const path = join(dir, 'data.json');
    const victim = join(dir, 'victim');
    writeFileSync(path, '{"v":1}');
    writeFileSync(victim, 'precious');
    const tmp = `${path}.planted.tmp`;
    symlinkSync(victim, tmp);
    await expect(writeAtomic(path, '{"v":2}', tmp)).rejects.toMatchObject({ code: 'EEXIST' });
    expect(() => writeAtomicSync(path, '{"v":2}', tmp)).toThrow(expect.objectContaining({ code: 'EEXIST' }));
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(readFileSync(path, 'utf8')).toBe('{"v":1}');
    expect(lstatSync(tmp).isSymbolicLink()).toBe(true); // not ours: left alone
  });
});
