import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClientAuthenticationError, ClientExistsError } from '../errors/errors';
import { openStore, type AuthorityStore } from '../store/store';
import { createClientRegistry, type ClientRegistry } from './client-registry';

describe('client registry', () => {
  let dir: string;
  let store: AuthorityStore;
  let clients: ClientRegistry;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'revmesh-clients-'));
    store = openStore({ dataDir: dir });
    clients = createClientRegistry({ store, clock: { now: () => 42 } });
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('registers a client with a 32-byte random secret and stores only its SHA-256', () => {
    const c = clients.register({ clientId: 'svc-a', audiences: ['api-1', 'api-2'], scopes: ['read', 'write'] });
    expect(c).toEqual({
      clientId: 'svc-a',
      clientSecret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      audiences: ['api-1', 'api-2'],
      scopes: ['read', 'write'],
      authMethod: 'client_secret',
      jwks: null,
      jwksUri: null,
      encryptionJwk: null,
      enabled: true,
      createdAt: 42,
      updatedAt: 42,
    });
    const row = store.db.prepare('SELECT * FROM client_secrets').get() as Record<string, unknown>;
    expect(row['secret_sha256']).toEqual(createHash('sha256').update(c.clientSecret).digest());
    const rows = [row, store.db.prepare('SELECT * FROM clients').get()];
    expect(JSON.stringify(rows.flatMap((r) => Object.values(r as object).map(String)))).not.toContain(c.clientSecret);
  });

  it('generates a client_id when none is given, and a different secret each time', () => {
    const a = clients.register({ audiences: ['x'], scopes: [] });
    const b = clients.register({ audiences: ['x'], scopes: [] });
    expect(a.clientId).not.toBe(b.clientId);
    expect(a.clientSecret).not.toBe(b.clientSecret);
  });

  it('rejects a duplicate client_id with ClientExistsError and keeps the first secret valid', () => {
    const first = clients.register({ clientId: 'dup', audiences: ['x'], scopes: [] });
    expect(() => clients.register({ clientId: 'dup', audiences: ['y'], scopes: [] })).toThrow(ClientExistsError);
    expect(clients.authenticate('dup', first.clientSecret).audiences).toEqual(['x']);
  });

  it('authenticates the right secret and rejects a wrong secret or unknown client the same way', () => {
    const c = clients.register({ clientId: 'svc', audiences: ['x'], scopes: ['s'] });
    expect(clients.authenticate('svc', c.clientSecret)).toMatchObject({ clientId: 'svc', scopes: ['s'] });
    expect(() => clients.authenticate('svc', c.clientSecret + 'x')).toThrow(ClientAuthenticationError);
    expect(() => clients.authenticate('nobody', c.clientSecret)).toThrow(ClientAuthenticationError);
    expect(() => clients.authenticate('svc', '')).toThrow(ClientAuthenticationError);
  });

  it('seeds a client idempotently with an operator-chosen secret, and applies a changed secret', () => {
    const seed = { clientId: 'demo', clientSecret: 'first-demo-secret', audiences: ['demo-api'], scopes: ['demo'] };
    clients.ensure(seed);
    clients.ensure(seed);
    expect(store.db.prepare('SELECT COUNT(*) FROM clients').pluck().get()).toBe(1);
    expect(clients.authenticate('demo', 'first-demo-secret').clientId).toBe('demo');
    clients.ensure({ ...seed, clientSecret: 'second-demo-secret' });
    expect(() => clients.authenticate('demo', 'first-demo-secret')).toThrow(ClientAuthenticationError);
    expect(clients.authenticate('demo', 'second-demo-secret').clientId).toBe('demo');
  });

  it('treats malformed registrations as caller bugs (TypeError)', () => {
    expect(() => clients.register({ audiences: [], scopes: [] })).toThrow(TypeError);
    expect(() => clients.register({ clientId: 'has space', audiences: ['x'], scopes: [] })).toThrow(TypeError);
    expect(() => clients.register({ audiences: ['x'], scopes: ['a b'] })).toThrow(TypeError);
  });
});
