// dbsync's register / isregistered: invites (tokens with right `register`) and the admin key,
// against a real server; the credentials a device keeps open its documents.
import { createToken } from 'tinysync/server';
import { credentialsFor, forgetRegistration, isRegistered, register, type CredentialStorage } from 'tinysync/browser';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, connectClient, startServer, synced } from '../server/helpers.js';

afterEach(cleanup);

const SECRET = 'registration-test-secret-0123456789abcdef';

function storage(): CredentialStorage & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v), removeItem: (k) => void data.delete(k) };
}

/** Whether a WebSocket client with this token gets the document synced, or is refused. */
async function opens(url: string, doc: string, token: string): Promise<boolean> {
  const c = connectClient(url, encodeURIComponent(doc), { token });
  const refused = new Promise<boolean>((r) => c.provider.on('connection-close', () => r(false)));
  return Promise.race([synced(c).then(() => true), refused]);
}

describe('register and isRegistered', () => {
  it('a device registers with an invite (no admin key on the device), keeps the credentials, and they open its documents', async () => {
    const { server, http } = await startServer({ secret: SECRET });
    const invite = await createToken({ secret: SECRET, prefix: 'team-a/', right: 'register', grant: 'write', ttl: '1h', sub: 'invited-by-ops' });
    const store = storage();
    expect(isRegistered(http, { storage: store })).toBe(false);

    const creds = await register(server.url, { inviteToken: invite }, { storage: store }); // the ws:// sync URL works too
    expect(creds).toMatchObject({ server: http, prefix: 'team-a/', right: 'write' });
    expect(isRegistered(http, { storage: store })).toBe(true);
    expect(credentialsFor(`${http}/`, { storage: store })).toEqual(creds);
    expect(await opens(server.url, 'team-a/board', creds.token)).toBe(true);
    expect(await opens(server.url, 'team-b/board', creds.token)).toBe(false);

    // The invite itself opens nothing, and it is used up.
    expect(await opens(server.url, 'team-a/board', invite)).toBe(false);
    expect((await fetch(`${http}/docs/team-a%2Fboard`, { headers: { Authorization: `Bearer ${invite}` } })).status).toBe(403);
    await expect(register(http, { inviteToken: invite }, { storage: storage() })).rejects.toMatchObject({ name: 'AuthError', code: 'E_AUTH' });

    forgetRegistration(http, { storage: store });
    expect(isRegistered(http, { storage: store })).toBe(false);
  });

  it('an invite cannot be widened: scope inside it, right up to its grant', async () => {
    const { http } = await startServer({ secret: SECRET });
    const invite = (opts: { doc: string } | { prefix: string }, grant: 'read' | 'write') => createToken({ secret: SECRET, ...opts, right: 'register', grant });
    const refused = async (inviteToken: string, opts: Parameters<typeof register>[2]) =>
      register(http, { inviteToken }, { storage: storage(), ...opts }).then(() => 'accepted', (e: { code: string }) => e.code);
    expect(await refused(await invite({ prefix: 'team-a/' }, 'write'), { prefix: 'team-' })).toBe('E_AUTH');
    expect(await refused(await invite({ prefix: 'team-a/' }, 'write'), { doc: 'team-b/x' })).toBe('E_AUTH');
    expect(await refused(await invite({ doc: 'board' }, 'write'), { prefix: 'board' })).toBe('E_AUTH');
    expect(await refused(await invite({ doc: 'board' }, 'read'), { right: 'write' })).toBe('E_AUTH');
    const narrow = await register(http, { inviteToken: await invite({ prefix: 'team-a/' }, 'write') }, { storage: storage(), doc: 'team-a/one', right: 'read' });
    expect(narrow).toMatchObject({ doc: 'team-a/one', right: 'read' });
    const readOnly = await register(http, { inviteToken: await invite({ doc: 'board' }, 'read') }, { storage: storage() });
    expect(readOnly).toMatchObject({ doc: 'board', right: 'read' });
    // A read or write token is not an invite.
    const write = await createToken({ secret: SECRET, prefix: '', right: 'write' });
    expect(await refused(write, {})).toBe('E_AUTH');
  });

  it('the admin key still registers; without either the server answers 401; expired credentials do not count', async () => {
    const { http } = await startServer({ secret: SECRET, adminKey: 'admin-key-2' });
    const store = storage();
    await expect(register(http, { adminKey: 'wrong' }, { storage: store })).rejects.toMatchObject({ code: 'E_AUTH' });
    expect(isRegistered(http, { storage: store })).toBe(false);
    const creds = await register(http, { adminKey: 'admin-key-2' }, { storage: store, doc: 'x' });
    expect(creds).toMatchObject({ doc: 'x', right: 'write' });
    expect(isRegistered(http, { storage: store })).toBe(true);
    expect(isRegistered('http://127.0.0.1:1', { storage: store })).toBe(false); // another server
    store.setItem([...store.data.keys()][0]!, JSON.stringify({ ...creds, expiresAt: new Date(Date.now() - 1000).toISOString() }));
    expect(isRegistered(http, { storage: store })).toBe(false);
    store.setItem([...store.data.keys()][0]!, '{not json');
    expect(isRegistered(http, { storage: store })).toBe(false);
    await expect(register('http://127.0.0.1:1', { adminKey: 'k' }, { storage: store })).rejects.toMatchObject({ name: 'NetworkError' });
  });
});
