import { createRecordingLogger, createTestEventSigner } from '@revmesh/test-support';
import { loadDemoApiConfig } from './demo-api-config';
import { EVENT_SIGNERS_PATH, fetchEventSigners, parseEventSigners } from './event-signers';

const ENV = { KAFKA_BROKERS: '127.0.0.1:19092', AUTHORITY_URL: 'http://127.0.0.1:8080/' };

describe('demo-api event signers', () => {
  it('reads REVMESH_EVENT_SIGNERS as a JSON array or a JWKS', async () => {
    const signer = await createTestEventSigner();
    expect(loadDemoApiConfig({ ...ENV, REVMESH_EVENT_SIGNERS: JSON.stringify([signer.publicJwk]) }).eventSigners).toEqual([signer.publicJwk]);
    expect(loadDemoApiConfig({ ...ENV, REVMESH_EVENT_SIGNERS: JSON.stringify({ keys: [signer.publicJwk] }) }).eventSigners).toEqual([signer.publicJwk]);
    expect(loadDemoApiConfig(ENV).eventSigners).toBeUndefined();
  });

  it('refuses a private key, a non-Ed25519 key and junk, listing them with the other problems', async () => {
    const signer = await createTestEventSigner();
    const privateJwk = await signer.privateJwk();
    expect(() => loadDemoApiConfig({ ...ENV, REVMESH_EVENT_SIGNERS: JSON.stringify([privateJwk]) })).toThrow(
      'REVMESH_EVENT_SIGNERS[0] contains private key material ("d")',
    );
    expect(() => parseEventSigners(JSON.stringify([{ ...signer.publicJwk, crv: 'P-256' }]), 'X')).toThrow('X[0] is not an Ed25519 public JWK: crv');
    expect(() => parseEventSigners('{nope', 'X')).toThrow('X is not JSON');
    expect(() => parseEventSigners('[]', 'X')).toThrow('non-empty');
    const message = (() => {
      try {
        loadDemoApiConfig({ AUTHORITY_URL: 'nope', REVMESH_EVENT_SIGNERS: '{}' });
      } catch (error) {
        return (error as Error).message;
      }
      return '';
    })();
    expect(message).toContain('KAFKA_BROKERS');
    expect(message).toContain('REVMESH_EVENT_SIGNERS must be a non-empty JSON array');
  });

  it('falls back to fetching the authority once, with a trust-on-first-use warning', async () => {
    const signer = await createTestEventSigner();
    const logger = createRecordingLogger();
    const fetch = jest.fn(async () => new Response(JSON.stringify({ keys: [signer.publicJwk] }), { status: 200 }));
    const signers = await fetchEventSigners({ authorityUrl: 'http://127.0.0.1:8080', logger, fetch: fetch as unknown as typeof globalThis.fetch });
    expect(signers).toEqual([signer.publicJwk]);
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(fetch.mock.calls[0]).toEqual([`http://127.0.0.1:8080${EVENT_SIGNERS_PATH}`, expect.anything()]);
    expect(logger.at('warn')).toEqual([expect.objectContaining({ message: expect.stringContaining('trust on first use'), fields: { url: expect.any(String), kids: [signer.kid] } })]);
  });

  it('retries while the authority is unreachable, but not on an answer it does not like', async () => {
    const signer = await createTestEventSigner();
    const logger = createRecordingLogger();
    let calls = 0;
    const flaky = (async () => {
      if (++calls < 3) throw new TypeError('fetch failed');
      return new Response(JSON.stringify([signer.publicJwk]));
    }) as unknown as typeof fetch;
    expect(await fetchEventSigners({ authorityUrl: 'http://a', logger, fetch: flaky, retryDelayMs: 1 })).toEqual([signer.publicJwk]);
    expect(calls).toBe(3);

    const notFound = (async () => new Response('no', { status: 404 })) as unknown as typeof fetch;
    await expect(fetchEventSigners({ authorityUrl: 'http://a', logger, fetch: notFound })).rejects.toThrow('answered 404; set REVMESH_EVENT_SIGNERS instead');
    const down = (async () => {
      throw new TypeError('fetch failed');
    }) as unknown as typeof fetch;
    await expect(fetchEventSigners({ authorityUrl: 'http://a', logger, fetch: down, attempts: 2, retryDelayMs: 1 })).rejects.toThrow('could not fetch');
  });
});
