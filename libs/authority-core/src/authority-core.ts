import { revocationTopicSpec, topicNames, type TopicSpec } from '@revmesh/contracts';
import type { EventTransport, RecordPublisher } from '@revmesh/transport';
import { createClientRegistry, type ClientRegistry } from './clients/client-registry';
import { loadSigningKeys, type SigningKeys } from './keys/signing-keys';
import { silentLogger, type AuthorityLogger } from './logging/logger';
import { createOutboxRelay, type OutboxRelay, type OutboxRelayOptions } from './outbox/outbox-relay';
import { createOutboxStore, type OutboxStore } from './outbox/outbox-store';
import { createWakeSignal } from './outbox/wake-signal';
import { createRevocationService, type RevocationService } from './revocations/revocation-service';
import { openStore, type AuthorityStore } from './store/store';
import { realSleep, systemClock, type Clock, type Milliseconds, type Seconds, type Sleep } from './time/clock';
import { createTokenIssuer, type TokenIssuer } from './tokens/token-issuer';

export interface AuthorityCoreOptions {
  /** Folder of the SQLite database. */
  readonly dataDir: string;
  /** Key-encryption key, exactly 32 bytes. */
  readonly kek: Buffer;
  /** Issuer URL (`iss`). */
  readonly issuer: string;
  /** Access-token lifetime, seconds (1..86400). */
  readonly accessTokenTtlSeconds: Seconds;
  /** Prefix of every topic name (see contracts' `topicNames`). */
  readonly topicPrefix: string;
  /** Extra lifetime of revocation rules for verifier clock skew, ms. Default 60 s. */
  readonly revocationSkewMs?: Milliseconds;
  readonly clock?: Clock;
  readonly sleep?: Sleep;
  readonly logger?: AuthorityLogger;
}

/** Options of {@link AuthorityCore.createRelay}; the rest comes from the core. */
export type RelayOptions = Omit<OutboxRelayOptions, 'outbox' | 'topics' | 'wake' | 'publisher' | 'transport'> & {
  readonly transport: Pick<EventTransport, 'ensureTopics'>;
  readonly publisher: RecordPublisher;
};

/** Everything the authority does, without HTTP. One per process. */
export interface AuthorityCore {
  readonly store: AuthorityStore;
  readonly keys: SigningKeys;
  readonly clients: ClientRegistry;
  readonly tokens: TokenIssuer;
  readonly revocations: RevocationService;
  readonly outbox: OutboxStore;
  /** Topics the authority publishes to, with their creation configs. */
  readonly topics: { readonly revocations: TopicSpec };
  /** A relay for this core's outbox, woken by every committed revocation. */
  createRelay(options: RelayOptions): OutboxRelay;
  /** Closes the database. Stop the relay first. */
  close(): void;
}

/**
 * Opens the store (running migrations), loads or creates the signing key, and wires the
 * services together.
 *
 * @throws {KeyUnwrapError} when `kek` does not open the stored signing key; the database is
 *   closed and nothing in it has changed.
 * @throws {StoreError} / {MigrationError} when the database cannot be opened or migrated.
 */
export async function openAuthorityCore(options: AuthorityCoreOptions): Promise<AuthorityCore> {
  const clock = options.clock ?? systemClock;
  const sleep = options.sleep ?? realSleep;
  const logger = options.logger ?? silentLogger;
  const topic = topicNames(options.topicPrefix).revocations;
  const store = openStore({ dataDir: options.dataDir, clock });
  try {
    const keys = await loadSigningKeys({ store, kek: options.kek, clock, logger });
    const wake = createWakeSignal(sleep);
    const outbox = createOutboxStore(store);
    const revocations = createRevocationService({
      store,
      outbox,
      topic,
      accessTokenTtlSeconds: options.accessTokenTtlSeconds,
      ...(options.revocationSkewMs === undefined ? {} : { skewMs: options.revocationSkewMs }),
      clock,
      onCommitted: () => wake.notify(),
    });
    const tokens = createTokenIssuer({
      issuer: options.issuer,
      keys,
      revocations,
      accessTokenTtlSeconds: options.accessTokenTtlSeconds,
      clock,
      sleep,
    });
    const clients = createClientRegistry({ store, clock });
    const topics = { revocations: revocationTopicSpec(topic) };
    return {
      store,
      keys,
      clients,
      tokens,
      revocations,
      outbox,
      topics,
      createRelay: (relay) =>
        createOutboxRelay({ clock, sleep, logger, ...relay, outbox, wake, topics: [topics.revocations] }),
      close: () => store.close(),
    };
  } catch (error) {
    store.close();
    throw error;
  }
}
