import type { EventSignerJwk } from '@revmesh/contracts';
import type { AdminActionLog } from '../admin/admin-actions';
import { KeyInvalidError, KeyUnwrapError } from '../errors/errors';
import { logErrorFields } from '../logging/log-fields';
import type { AuthorityLogger } from '../logging/logger';
import { translateStoreError, type AuthorityStore } from '../store/store';
import type { Clock } from '../time/clock';
import { generateEventSigner, openEventSigner, type OpenedEventSigner } from './signer-material';
import { TRUSTED_SIGNER_STATES, type EventSignerStore } from './signer-store';

/** The authority's event-signing keys, in memory, in step with the `event_signers` table. */
export interface EventSignerRing {
  /**
   * The signer of every event published from now on. Read it at signing time.
   * @throws {KeyInvalidError} before {@link load} (a bug).
   */
  readonly current: OpenedEventSigner;
  /** Public keys sidecars should trust now: announced, active, and those in overlap. */
  trusted(): EventSignerJwk[];
  /** True when events signed by `kid` are still accepted by an up-to-date sidecar. */
  isTrusted(kid: string): boolean;
  /**
   * Opens the active (and announced) signer; generates the first one on first start; with
   * `reset`, replaces every trusted signer by a fresh one (out-of-band recovery).
   * @returns the kids marked compromised by a reset (empty otherwise).
   */
  load(): Promise<{ readonly compromised: readonly string[] }>;
  /** Remembers a signer generated in this process. */
  adopt(signer: OpenedEventSigner): void;
  /** Re-reads states after a committed change. */
  refresh(): void;
  /** The opened signer, if it is announced or active. */
  opened(kid: string): OpenedEventSigner | undefined;
}

export interface EventSignerRingOptions {
  readonly store: AuthorityStore;
  readonly signers: EventSignerStore;
  readonly admin: AdminActionLog;
  readonly kek: Buffer;
  readonly clock: Clock;
  readonly logger: AuthorityLogger;
  /** `REVMESH_EVENT_SIGNER_RESET`: drop every trusted signer and start a new chain. */
  readonly reset: boolean;
}

/** Creates the event-signer ring. Call {@link EventSignerRing.load} before use. */
export function createEventSignerRing(options: EventSignerRingOptions): EventSignerRing {
  const { store, signers, kek, clock, logger } = options;
  const opened = new Map<string, OpenedEventSigner>();
  let currentKid: string | undefined;
  let trusted: EventSignerJwk[] = [];
  const countLiveRevocations = store.db.prepare<[number], { n: number }>(
    'SELECT COUNT(*) AS n FROM revocations WHERE expires_at > ?',
  );

  function refresh(): void {
    const rows = signers.list();
    const trustedRows = rows.filter((row) => TRUSTED_SIGNER_STATES.includes(row.state));
    trusted = trustedRows.map((row) => row.publicJwk);
    const signing = new Set(rows.filter((row) => row.state === 'active' || row.state === 'announced').map((row) => row.kid));
    for (const kid of opened.keys()) if (!signing.has(kid)) opened.delete(kid);
    currentKid = rows.find((row) => row.state === 'active')?.kid;
  }

  async function createFirst(reason: 'first start' | 'reset'): Promise<readonly string[]> {
    const { signer, sealed } = await generateEventSigner(kek);
    const now = clock.now();
    let compromised: string[] = [];
    try {
      store.transaction(() => {
        compromised = signers
          .list()
          .filter((row) => TRUSTED_SIGNER_STATES.includes(row.state))
          .map((row) => row.kid);
        if (reason === 'first start' && signers.inState('active') !== undefined) return;
        for (const kid of compromised) signers.setState(kid, 'compromised', now);
        signers.insert({ kid: signer.kid, publicJwk: signer.publicJwk, sealed, state: 'active' }, now);
        // A new data folder has nothing to re-sign. One migrated from before signed events has
        // unsigned revocations on the topic, and after a reset everything is signed by a
        // compromised key: then the live records are owed (the scheduler re-signs them).
        if (reason === 'first start' && countLiveRevocations.get(now)?.n === 0) signers.markRepublished(signer.kid, now);
        if (reason === 'reset') {
          options.admin.record({
            action: 'event-signers.reset',
            target: signer.kid,
            actor: { kind: 'system', id: 'REVMESH_EVENT_SIGNER_RESET' },
            reason: 'out-of-band reset of the event-signing key',
            at: now,
            details: { compromised },
          });
        }
      });
    } catch (error) {
      logger.error('could not store a new event signer', logErrorFields(error));
      throw translateStoreError(error, 'cannot store the new event signer');
    }
    opened.set(signer.kid, signer);
    if (reason === 'reset') {
      // Deliberately loud: this invalidates every sidecar's trust anchor.
      logger.error(
        'EVENT SIGNER RESET: every previous event signer is now compromised and untrusted. ' +
          'Sidecars reject events from the new signer until redeployed with it as their anchor: ' +
          `set REVMESH_EVENT_SIGNERS='${JSON.stringify([signer.publicJwk])}' on every sidecar, ` +
          'then remove REVMESH_EVENT_SIGNER_RESET from the authority (every start with it set resets again)',
        { newSignerKid: signer.kid, compromised },
      );
    } else {
      logger.info('generated the first event signer', { kid: signer.kid });
    }
    return compromised;
  }

  return {
    get current(): OpenedEventSigner {
      const signer = currentKid === undefined ? undefined : opened.get(currentKid);
      if (signer === undefined) throw new KeyInvalidError('there is no active event signer (the ring is not loaded)');
      return signer;
    },
    trusted: () => trusted,
    isTrusted: (kid) => trusted.some((jwk) => jwk.kid === kid),
    async load() {
      const openRow = async (kid: string): Promise<void> => {
        const sealed = signers.sealed(kid);
        if (sealed === undefined || opened.has(kid)) return;
        try {
          opened.set(kid, await openEventSigner(sealed, kek));
        } catch (error) {
          if (error instanceof KeyUnwrapError) {
            throw new KeyUnwrapError(
              `event signer ${kid} in ${store.path} cannot be decrypted: ${error.message}. ` +
                'Start with the KEK this data folder was created with; nothing was changed',
              { cause: error },
            );
          }
          throw error;
        }
      };
      // Opened before anything else, a reset included: a wrong KEK must fail before any write.
      const active = signers.inState('active');
      if (active !== undefined) await openRow(active.kid);
      let compromised: readonly string[] = [];
      if (options.reset) compromised = await createFirst('reset');
      else if (active === undefined) await createFirst('first start');
      const announced = signers.inState('announced');
      if (announced !== undefined) await openRow(announced.kid);
      refresh();
      return { compromised };
    },
    adopt(signer) {
      opened.set(signer.kid, signer);
    },
    refresh,
    opened: (kid) => opened.get(kid),
  };
}
