import {
  appendRevocation,
  createInMemoryTransport,
  createRecordingLogger,
  createRecordingMeterProvider,
  createTestIssuer,
  revocationEvent,
  type InMemoryTransport,
  type RecordingLogger,
  type RecordingMeterProvider,
  type RevocationEventInput,
  type TestIssuer,
} from '@revmesh/test-support';
import { topicNames, type RevocationIssuedEvent, type RevocationTarget } from '@revmesh/contracts';
import { createSidecar, type Sidecar } from '../sidecar';
import type { SidecarOptions } from '../options/sidecar-options';

/** A fixed start instant (epoch ms). Not 0: lru-cache treats a 0 start time as "no TTL". */
export const T0 = 1_750_000_000_000;
export const ISSUER = 'https://auth.test';
export const AUDIENCE = 'orders-api';
export const TOPIC = topicNames().revocations;

/** A clock tests move by hand; nothing in the sidecar sleeps or arms timers. */
export interface ManualClock {
  readonly now: () => number;
  advance(ms: number): void;
}

export function manualClock(start = T0): ManualClock {
  let t = start;
  return {
    now: () => t,
    advance: (ms) => {
      t += ms;
    },
  };
}

export interface SidecarFixture {
  readonly sidecar: Sidecar;
  readonly issuer: TestIssuer;
  readonly transport: InMemoryTransport;
  readonly clock: ManualClock;
  readonly logger: RecordingLogger;
  readonly meterProvider: RecordingMeterProvider;
  /** Publishes a revocation on the topic and waits until the sidecar has handled it. */
  revoke(target: RevocationTarget, input?: Omit<RevocationEventInput, 'target'>): Promise<RevocationIssuedEvent>;
}

export interface FixtureOptions {
  readonly sidecar?: Partial<SidecarOptions>;
  readonly issuerAlg?: 'ES256' | 'EdDSA';
  /** Revocations already on the topic before `start()`. */
  readonly existing?: readonly RevocationIssuedEvent[];
  /** Default true: start and await `ready`. */
  readonly start?: boolean;
}

/** A sidecar wired to an in-memory transport, a test issuer, a manual clock and recording logger/metrics. */
export async function createSidecarFixture(options: FixtureOptions = {}): Promise<SidecarFixture> {
  const clock = manualClock();
  const issuer = await createTestIssuer({ issuer: ISSUER, audience: AUDIENCE, clock: clock.now, alg: options.issuerAlg ?? 'ES256' });
  const transport = createInMemoryTransport();
  const logger = createRecordingLogger();
  const meterProvider = createRecordingMeterProvider();
  for (const event of options.existing ?? []) appendRevocation(transport, TOPIC, event);
  const sidecar = createSidecar({
    issuer: ISSUER,
    audience: AUDIENCE,
    keys: { jwks: issuer.jwks },
    transport,
    clock: clock.now,
    logger,
    meterProvider,
    instanceId: 'test-sidecar',
    // The default (1M) preallocates ~45 MB and takes ~0.2 s per sidecar; tests need far less.
    denyList: { maxEntries: 10_000 },
    ...options.sidecar,
  });
  if (options.start !== false) {
    await sidecar.start();
    await sidecar.ready;
  }
  return {
    sidecar,
    issuer,
    transport,
    clock,
    logger,
    meterProvider,
    async revoke(target, input = {}) {
      const event = revocationEvent({ now: clock.now(), ...input, target });
      appendRevocation(transport, TOPIC, event);
      await transport.settled();
      return event;
    },
  };
}
