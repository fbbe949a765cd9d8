import {
  appendSignedEvent,
  createInMemoryTransport,
  createRecordingLogger,
  createRecordingMeterProvider,
  createTestEventSigner,
  createTestIssuer,
  revocationEvent,
  type AppendSignedEventOptions,
  type EventSigner,
  type InMemoryTransport,
  type InMemoryTransportOptions,
  type RecordingLogger,
  type RecordingMeterProvider,
  type RevocationEventInput,
  type TestEventSigner,
  type TestIssuer,
} from '@revmesh/test-support';
import { decodeSidecarReport, topicNames, type RevmeshEvent, type RevocationIssuedEvent, type RevocationTarget, type SidecarReport } from '@revmesh/contracts';
import { createSidecar, type Sidecar } from '../sidecar';
import type { SidecarOptions } from '../options/sidecar-options';

/** A fixed start instant (epoch ms), far from 0 like any real clock. */
export const T0 = 1_750_000_000_000;
export const ISSUER = 'https://auth.test';
export const AUDIENCE = 'orders-api';
export const TOPICS = topicNames();
export const TOPIC = TOPICS.revocations;

/** A clock tests move by hand. (The only timers the sidecar arms are for heartbeats and ack batching; tests of those use jest fake timers.) */
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
  /** The event signer the sidecar trusts (its only anchor unless `sidecar.eventSigners` says otherwise). */
  readonly signer: TestEventSigner;
  /** Publishes a signed revocation on the topic and waits until the sidecar has handled it. */
  revoke(target: RevocationTarget, input?: Omit<RevocationEventInput, 'target'>): Promise<RevocationIssuedEvent>;
  /** Signs `event` (default: with `signer`), appends it to the topic it belongs on and waits until the sidecar has handled it. */
  publish(event: RevmeshEvent, by?: EventSigner, options?: AppendSignedEventOptions): Promise<void>;
  /** Signs and appends `event` to the named topic (e.g. a heartbeat, which the authority sends on both). */
  publishTo(topic: 'keys' | 'revocations', event: RevmeshEvent): Promise<void>;
  /** Everything this sidecar published on the acks topic, decoded. */
  reports(): SidecarReport[];
}

export interface FixtureOptions {
  readonly sidecar?: Partial<SidecarOptions>;
  readonly issuerAlg?: 'ES256' | 'EdDSA';
  /** Events already on their topics before `start()`, signed by the fixture's signer. */
  readonly existing?: readonly RevmeshEvent[];
  /** Options of the in-memory transport (e.g. `beforeDeliver`, `beforePublish`). */
  readonly transport?: InMemoryTransportOptions;
  /** Default true: start and await `ready`. */
  readonly start?: boolean;
}

/** The topic an event belongs on. */
export const topicOf = (event: RevmeshEvent): string => (event.type === 'revocation.issued' ? TOPICS.revocations : TOPICS.keys);

/**
 * A sidecar wired to an in-memory transport, a test issuer, a trusted event signer, a manual clock
 * and recording logger/metrics. Keys come from the static JWKS of the issuer unless
 * `sidecar.keys` says otherwise (pass `{ source: 'kafka' }` and publish key events).
 */
export async function createSidecarFixture(options: FixtureOptions = {}): Promise<SidecarFixture> {
  const clock = manualClock();
  const issuer = await createTestIssuer({ issuer: ISSUER, audience: AUDIENCE, clock: clock.now, alg: options.issuerAlg ?? 'ES256' });
  const signer = await createTestEventSigner();
  const transport = createInMemoryTransport(options.transport);
  const logger = createRecordingLogger();
  const meterProvider = createRecordingMeterProvider();
  // Published an hour before the start: part of the backlog a starting sidecar catches up on.
  for (const event of options.existing ?? []) await appendSignedEvent(transport, topicOf(event), event, signer, { timestamp: clock.now() - 3_600_000 });
  const sidecar = createSidecar({
    issuer: ISSUER,
    audience: AUDIENCE,
    keys: { jwks: issuer.jwks },
    eventSigners: [signer.publicJwk],
    transport,
    clock: clock.now,
    logger,
    meterProvider,
    instanceId: 'test-sidecar',
    // A small cap, so tests can reach it (nothing is allocated up front either way).
    denyList: { maxEntries: 10_000 },
    // Tests move the manual clock by hours (token expiry); staleness tests set their own bound.
    staleness: { maxSilenceMs: 86_400_000 },
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
    signer,
    async revoke(target, input = {}) {
      const event = revocationEvent({ now: clock.now(), ...input, target });
      await appendSignedEvent(transport, TOPIC, event, signer);
      await transport.settled();
      return event;
    },
    async publish(event, by = signer, appendOptions = {}) {
      await appendSignedEvent(transport, topicOf(event), event, by, appendOptions);
      await transport.settled();
    },
    async publishTo(topic, event) {
      await appendSignedEvent(transport, TOPICS[topic], event, signer);
      await transport.settled();
    },
    reports: () =>
      transport.records(TOPICS.acks).map((record) => {
        const decoded = decodeSidecarReport(record.value);
        if (!decoded.ok) throw new Error(`the sidecar published an invalid report: ${decoded.message}`);
        return decoded.report;
      }),
  };
}
