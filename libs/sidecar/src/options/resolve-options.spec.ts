import { createInMemoryTransport } from '@revmesh/test-support';
import type { JSONWebKeySet } from 'jose';
import type { EventSignerJwk } from '@revmesh/contracts';
import { createSidecar } from '../sidecar';
import { resolveSidecarOptions, SIDECAR_DEFAULTS } from './resolve-options';
import type { SidecarOptions } from './sidecar-options';

const JWKS: JSONWebKeySet = {
  keys: [{ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo', kid: 'k1', alg: 'EdDSA' }],
};

/** The RFC 8037 example Ed25519 public key, as an event signer. */
const SIGNER = { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo', kid: 'signer-1' } as const;

const valid = (): SidecarOptions => ({
  issuer: 'https://auth.test',
  audience: 'orders-api',
  keys: { jwks: JWKS },
  eventSigners: [SIGNER],
  transport: createInMemoryTransport(),
});

/** The TypeError message for `options`, which must be invalid. */
function problems(options: unknown): string {
  try {
    resolveSidecarOptions(options as SidecarOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(TypeError);
    return (error as Error).message;
  }
  throw new Error('expected the options to be refused');
}

describe('sidecar options', () => {
  it('applies the documented defaults', () => {
    const resolved = resolveSidecarOptions(valid());
    expect(resolved).toMatchObject({
      algorithms: ['ES256', 'EdDSA'],
      clockToleranceSeconds: 5,
      requiredTyp: 'at+jwt',
      maxTokenBytes: 8192,
      maxTokenLifetimeSeconds: 86_400,
      denyListMaxEntries: 1_000_000,
      heartbeatIntervalMs: 5_000,
      topic: 'revmesh.revocations.v1',
      topics: { revocations: 'revmesh.revocations.v1', keys: 'revmesh.keys.v1', acks: 'revmesh.acks.v1' },
      eventSigners: [SIGNER],
    });
    expect(resolved.clock).toBe(Date.now);
    expect(resolved.instanceId).toMatch(/^[A-Za-z0-9._:-]+$/);
    expect(SIDECAR_DEFAULTS.denyListMaxEntries).toBe(1_000_000);
  });

  it('uses the topic prefix', () => {
    expect(resolveSidecarOptions({ ...valid(), topicPrefix: 'staging.' }).topic).toBe('staging.revocations.v1');
    expect(resolveSidecarOptions({ ...valid(), topicPrefix: 'staging.' }).topics).toEqual({
      revocations: 'staging.revocations.v1',
      keys: 'staging.keys.v1',
      acks: 'staging.acks.v1',
      alerts: 'staging.alerts.v1',
      audit: 'staging.audit.v1',
      snapshots: 'staging.snapshots.v1',
    });
    expect(problems({ ...valid(), topicPrefix: 'bad prefix!' })).toContain('options.topicPrefix');
  });

  it('lists every missing required option, saying what it is', () => {
    const message = problems({ transport: createInMemoryTransport() });
    expect(message).toMatch(/^createSidecar: invalid options\n/);
    expect(message).toContain('options.issuer: is required');
    expect(message).toContain('options.audience: is required');
    expect(message).toContain('options.eventSigners: is required');
    expect(message).not.toContain('options.keys'); // the keys topic is the default
  });

  it('refuses a missing options object', () => {
    expect(problems(undefined)).toContain('createSidecar needs an options object');
  });

  it('names misspelt options', () => {
    expect(problems({ ...valid(), audiance: 'x' })).toContain('options: unknown option "audiance"; check the spelling');
  });

  it('refuses "none" loudly', () => {
    expect(problems({ ...valid(), algorithms: ['ES256', 'none'] })).toContain('options.algorithms.1: REFUSED "none": "none" would accept unsigned tokens');
  });

  it.each(['HS256', 'HS384', 'HS512'])('refuses %s loudly, naming algorithm confusion', (alg) => {
    const message = problems({ ...valid(), algorithms: [alg] });
    expect(message).toContain(`REFUSED "${alg}"`);
    expect(message).toContain('algorithm-confusion');
  });

  it('refuses unknown algorithms and an empty list', () => {
    expect(problems({ ...valid(), algorithms: ['XS1'] })).toContain('unsupported algorithm "XS1"');
    expect(problems({ ...valid(), algorithms: [] })).toContain('at least one algorithm');
  });

  it('bounds the clock tolerance to 300 s', () => {
    expect(resolveSidecarOptions({ ...valid(), clockToleranceSeconds: 300 }).clockToleranceSeconds).toBe(300);
    expect(problems({ ...valid(), clockToleranceSeconds: 301 })).toContain('must be at most 300 seconds');
    expect(problems({ ...valid(), clockToleranceSeconds: -1 })).toContain('options.clockToleranceSeconds');
  });

  it('bounds maxTokenLifetimeSeconds, maxTokenBytes and denyList.maxEntries', () => {
    expect(problems({ ...valid(), maxTokenLifetimeSeconds: 0 })).toContain('options.maxTokenLifetimeSeconds');
    expect(problems({ ...valid(), maxTokenLifetimeSeconds: 31 * 86_400 })).toContain('30 days');
    expect(problems({ ...valid(), maxTokenBytes: 100 })).toContain('options.maxTokenBytes');
    expect(problems({ ...valid(), denyList: { maxEntries: 1.5 } })).toContain('options.denyList.maxEntries');
    expect(problems({ ...valid(), denyList: { maxEntries: 0 } })).toContain('options.denyList.maxEntries');
  });

  it('bounds pendingKeyGraceMs (default 2000 ms)', () => {
    expect(resolveSidecarOptions(valid()).pendingKeyGraceMs).toBe(2_000);
    expect(resolveSidecarOptions({ ...valid(), pendingKeyGraceMs: 0 }).pendingKeyGraceMs).toBe(0);
    expect(problems({ ...valid(), pendingKeyGraceMs: -1 })).toContain('options.pendingKeyGraceMs');
    expect(problems({ ...valid(), pendingKeyGraceMs: 10_001 })).toContain('must be at most 10000 ms');
  });

  it('needs exactly one of transport and brokers', () => {
    const { transport: _transport, ...noTransport } = valid();
    expect(problems(noTransport)).toContain('options.brokers: give either brokers (Kafka host:port list) or transport');
    expect(problems({ ...valid(), brokers: ['127.0.0.1:19092'] })).toContain('not both');
    expect(problems({ ...noTransport, brokers: ['no-port'] })).toContain('options.brokers.0: must be host:port');
    expect(resolveSidecarOptions({ ...noTransport, brokers: ['127.0.0.1:19092'] }).transport).toEqual({ kind: 'brokers', brokers: ['127.0.0.1:19092'] });
  });

  describe('keys', () => {
    it('defaults to the keys topic', () => {
      const { keys: _keys, ...noKeys } = valid();
      expect(resolveSidecarOptions(noKeys).keys).toEqual({ kind: 'kafka' });
      expect(resolveSidecarOptions({ ...valid(), keys: { source: 'kafka' } }).keys).toEqual({ kind: 'kafka' });
      expect(problems({ ...valid(), keys: { source: 'http' } })).toContain("options.keys.source: must be 'kafka'");
      expect(problems({ ...valid(), keys: { source: 'kafka', cooldownMs: 5 } })).toContain('options.keys.cooldownMs: applies only with keys.jwksUrl');
    });

    it('needs exactly one of jwksUrl, jwks and source', () => {
      expect(problems({ ...valid(), keys: {} })).toContain('give exactly one of keys.jwksUrl');
      expect(problems({ ...valid(), keys: { jwks: JWKS, jwksUrl: 'https://a.test/jwks' } })).toContain('give exactly one of keys.jwksUrl');
      expect(problems({ ...valid(), keys: { jwks: JWKS, source: 'kafka' } })).toContain("keys.source: 'kafka'");
    });

    it('accepts https and loopback http, refuses other plain http unless allowInsecureHttp', () => {
      expect(resolveSidecarOptions({ ...valid(), keys: { jwksUrl: 'https://auth.test/jwks' } }).keys).toMatchObject({
        kind: 'remote',
        cooldownMs: 30_000,
        cacheMaxAgeMs: 600_000,
        timeoutMs: 5_000,
      });
      for (const url of ['http://127.0.0.1:8080/jwks', 'http://localhost/jwks', 'http://[::1]:3000/jwks']) {
        expect(resolveSidecarOptions({ ...valid(), keys: { jwksUrl: url } }).keys.kind).toBe('remote');
      }
      expect(problems({ ...valid(), keys: { jwksUrl: 'http://auth.internal/jwks' } })).toContain('options.keys.jwksUrl: must use https:');
      expect(resolveSidecarOptions({ ...valid(), keys: { jwksUrl: 'http://auth.internal/jwks', allowInsecureHttp: true } }).keys.kind).toBe('remote');
      expect(problems({ ...valid(), keys: { jwksUrl: 'not a url' } })).toContain('is not an absolute URL');
      expect(problems({ ...valid(), keys: { jwksUrl: 'ftp://auth.test/jwks' } })).toContain('must be an https: URL');
    });

    it('refuses private or symmetric keys in a static key set', () => {
      expect(problems({ ...valid(), keys: { jwks: { keys: [{ ...JWKS.keys[0], d: 'secret' }] } } })).toContain(
        'options.keys.jwks.keys.0: contains private key material ("d")',
      );
      expect(problems({ ...valid(), keys: { jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } } })).toContain('symmetric ("oct") key');
      expect(problems({ ...valid(), keys: { jwks: { keys: [] } } })).toContain('non-empty array');
    });

    it('refuses remote-only settings with a static key set', () => {
      expect(problems({ ...valid(), keys: { jwks: JWKS, cooldownMs: 5 } })).toContain('options.keys.cooldownMs: applies only with keys.jwksUrl');
    });
  });

  describe('eventSigners', () => {
    it('refuses a private key loudly', () => {
      const message = problems({ ...valid(), eventSigners: [{ ...SIGNER, d: 'nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A' }] });
      expect(message).toContain('options.eventSigners.0: REFUSED: contains private key material ("d")');
      expect(message).toContain('must never leave the authority');
    });

    it('needs at least one Ed25519 public JWK with a kid', () => {
      expect(problems({ ...valid(), eventSigners: [] })).toContain('options.eventSigners: must list at least one trusted event signer');
      expect(problems({ ...valid(), eventSigners: 'k1' })).toContain('options.eventSigners: must be an array');
      expect(problems({ ...valid(), eventSigners: [{ ...SIGNER, crv: 'P-256' }] })).toContain('options.eventSigners.0.crv');
      expect(problems({ ...valid(), eventSigners: [{ ...SIGNER, kid: undefined }] })).toContain('options.eventSigners.0.kid');
      expect(problems({ ...valid(), eventSigners: [{ ...SIGNER, x5c: ['x'] }] })).toContain('unexpected member(s) "x5c"');
      expect(problems({ ...valid(), eventSigners: [{ ...SIGNER, x: 'AAAA' }] })).toContain('options.eventSigners.0.x: is not a valid Ed25519 public key');
      expect(problems({ ...valid(), eventSigners: [SIGNER, { ...SIGNER }] })).toContain('options.eventSigners.1.kid: duplicate kid "signer-1"');
    });

    it('keeps its own copy of the anchors', () => {
      const signers: EventSignerJwk[] = [{ ...SIGNER }];
      const resolved = resolveSidecarOptions({ ...valid(), eventSigners: signers });
      signers[0]!.kid = 'changed';
      signers.push({ ...SIGNER, kid: 'added' });
      expect(resolved.eventSigners).toEqual([SIGNER]);
    });
  });

  it('bounds heartbeatIntervalMs', () => {
    expect(resolveSidecarOptions({ ...valid(), heartbeatIntervalMs: 100 }).heartbeatIntervalMs).toBe(100);
    expect(problems({ ...valid(), heartbeatIntervalMs: 99 })).toContain('options.heartbeatIntervalMs: must be at least 100 ms');
    expect(problems({ ...valid(), heartbeatIntervalMs: 600_001 })).toContain('3 missed heartbeats');
    expect(problems({ ...valid(), heartbeatIntervalMs: 1.5 })).toContain('options.heartbeatIntervalMs: must be a whole number');
  });

  it('checks the shape of injected collaborators', () => {
    expect(problems({ ...valid(), logger: { warn: () => undefined } })).toContain('options.logger: must have debug, info, warn and error methods');
    expect(problems({ ...valid(), clock: 5 })).toContain('options.clock: must be a function');
    expect(problems({ ...valid(), transport: {} })).toContain('options.transport: must be an EventTransport');
    const { createPublisher: _publisher, ...readOnly } = createInMemoryTransport();
    expect(problems({ ...valid(), transport: readOnly })).toContain('options.transport: must be an EventTransport');
    expect(problems({ ...valid(), instanceId: 'has space' })).toContain('options.instanceId');
  });

  it('createSidecar throws the same TypeError', () => {
    expect(() => createSidecar({ ...valid(), algorithms: ['none' as 'ES256'] })).toThrow(TypeError);
  });
});
