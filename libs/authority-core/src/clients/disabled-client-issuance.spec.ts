import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAuthorityCore, type AuthorityCore } from '../authority-core';
import { ClientAuthenticationError } from '../errors/errors';

/**
 * The race between a token request and a disable: a client disabled while its token is being
 * signed (here: while the issuer waits past its own client_id rule's second) does not get it.
 */
describe('a client disabled during issuance', () => {
  let dir: string;
  let core: AuthorityCore;
  let now: number;
  let duringSleep: () => void;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'revmesh-disable-race-'));
    now = Date.UTC(2030, 0, 1, 12, 0, 0, 400);
    duringSleep = () => undefined;
    core = await openAuthorityCore({
      dataDir: dir,
      kek: randomBytes(32),
      issuer: 'https://authority.test',
      accessTokenTtlSeconds: 300,
      topicPrefix: 'test.',
      clock: { now: () => now },
      sleep: async (ms) => {
        duringSleep();
        now += ms;
      },
    });
  });
  afterEach(() => {
    core.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gets no token, though it authenticated before the disable; an enabled client still does', async () => {
    const secret = core.clients.register({ clientId: 'svc', audiences: ['api'], scopes: [] }).clientSecret;
    // A client_id rule in this very second makes the issuer wait for the next one.
    await core.revocations.revoke({ target: { type: 'client_id', value: 'svc' }, reason: 'earlier', actor: { kind: 'system', id: 'test' } });
    const client = core.clients.authenticate('svc', secret);
    duringSleep = () => void core.clients.setEnabled('svc', false);
    await expect(core.tokens.issueClientCredentials(client, {})).rejects.toMatchObject({ reason: 'disabled' });
    await expect(core.tokens.issueClientCredentials(client, {})).rejects.toThrow(ClientAuthenticationError);

    duringSleep = () => undefined;
    core.clients.setEnabled('svc', true);
    await expect(core.tokens.issueClientCredentials(core.clients.authenticate('svc', secret), {})).resolves.toMatchObject({ claims: { client_id: 'svc' } });
  });
});
