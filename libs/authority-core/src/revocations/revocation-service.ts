import {
  REVOCATION_ISSUED,
  REVOCATION_TARGET_TYPES,
  revocationKey,
  TRACEPARENT_HEADER,
  type Actor,
  type EventSigningKey,
  type RevocationIssuedEvent,
  type RevocationTarget,
} from '@revmesh/contracts';
import { actorAuditContext, type AuditContext } from '../audit/audit-context';
import type { AuditLog } from '../audit/audit-log';
import { IssuerNotTrustedError, RevocationNotFoundError } from '../errors/errors';
import { signBatchForOutbox, signForOutbox } from '../events/sign-for-outbox';
import type { IssuerRegistry } from '../issuers/issuer-registry';
import type { OutboxStore } from '../outbox/outbox-store';
import { createGroupCommit } from '../store/group-commit';
import { translateStoreError, type AuthorityStore } from '../store/store';
import { timeOrderedId } from '../store/time-ordered-id';
import type { TokenHorizon } from '../tokens/token-horizon';
import { context, SpanStatusCode, trace, type Span, type TracerProvider } from '@opentelemetry/api';
import { ATTR, AUTHORITY_TRACER, SPAN } from '../telemetry/names';
import { activeTraceparent, contextFromTraceparent } from '../telemetry/trace-context';
import { createTraceparent } from '../tracing/traceparent';
import { systemClock, type Clock, type Seconds } from '../time/clock';
import { checkBatch, type RevocationBatch, type RevokeBatchInput } from './revocation-batch';
import {
  DEFAULT_REVOCATION_SKEW_MS,
  MAX_REASON_LENGTH,
  MAX_TARGET_VALUE_LENGTH,
  revocationWindow,
  type Revocation,
  type RevocationStatus,
} from './revocation';

export interface RevokeInput {
  readonly target: RevocationTarget;
  /**
   * The issuer whose tokens the rule targets: a registered, enabled trusted issuer. Undefined (or
   * the authority's own issuer) targets the authority's own tokens.
   */
  readonly iss?: string;
  readonly reason: string;
  readonly actor: Actor;
  /** Incoming W3C `traceparent` to continue, if the request carried one. */
  readonly traceparent?: string;
  /** The operator's audit context; without it, derived from `actor` and `reason`. */
  readonly context?: AuditContext;
  /**
   * Deny tokens issued up to this second (`not_after_iat`) instead of up to the revocation's own
   * second: a received security event ends the tokens issued before that event happened
   * (`event_timestamp`), not those issued since. Never later than the revocation's own second.
   */
  readonly issuedUpTo?: Seconds;
  /**
   * Runs inside the revocation's savepoint, after it and its audit entry are written (e.g. links
   * it to an incident): throwing rolls the revocation back and rejects with that error.
   */
  readonly inTransaction?: (revocation: Revocation) => void;
}

/** Accepts revocations and answers questions about them. */
export interface RevocationService {
  /**
   * Stores a revocation and its `revocation.issued` event in the outbox, atomically (see
   * store/group-commit.ts), then signals the relay. Once the promise resolves the commit is
   * durable and the revocation will be published, even if the process dies right after.
   *
   * Rejects with a `TypeError` for invalid input (a caller bug: the API validates first), with an
   * {@link IssuerNotTrustedError} when `iss` names an issuer not registered or disabled, and
   * with a {@link StoreError} when SQLite fails; nothing of this revocation is stored then.
   */
  revoke(input: RevokeInput): Promise<Revocation>;
  /**
   * Stores many revocations at once, all or nothing: each target gets its own revocation id and
   * `revocation.issued` event, the batch gets one audit entry (`revocations.create-batch`, target
   * the batch id) listing them (more than one, numbered `part`/`parts`, when the list would not
   * fit the audit topic's event size: beyond ~400 ordinary targets), and everything commits in one
   * transaction (one fsync). Once the promise resolves the
   * whole batch is durable and will be published; if it rejects, or the process dies before it
   * resolves, none of it is stored.
   *
   * @throws {RevocationBatchInvalidError} naming every refused target (nothing stored).
   * @throws {RevocationBatchNeedsApprovalError} when a target's type needs a second person under the policy.
   * @throws {TypeError} for an empty or oversized batch, or a bad reason (the API validates first).
   * @throws {StoreError} when SQLite fails; nothing of the batch is stored then.
   */
  revokeBatch(input: RevokeBatchInput): Promise<RevocationBatch>;
  /**
   * The revocation and whether it is published.
   * @throws {RevocationNotFoundError} for an unknown id.
   */
  get(id: string): RevocationStatus;
  /**
   * The highest `not_after_iat` of any `sub` rule for `sub` or `client_id` rule for `clientId`,
   * or undefined if there is none. Token issuance uses it to avoid stamping an `iat` that an
   * existing rule would deny.
   */
  latestNotAfterIat(subjects: { readonly sub: string; readonly clientId: string }): Seconds | undefined;
  /**
   * Re-signs every revocation still live at `now` with the current event signer and queues it
   * again (same payload, new event id). Needed after an event-signer change: the revocations
   * topic is compacted, and a sidecar trusting only the new signer must still find every rule.
   * @returns how many were queued.
   */
  republishLive(now: number): Promise<number>;
}

/** Default lifetime of rules on external issuers' tokens: the sidecar's default `maxTokenLifetimeSeconds`. */
export const DEFAULT_EXTERNAL_TOKEN_LIFETIME_SECONDS: Seconds = 86_400;

export interface RevocationServiceOptions {
  readonly store: AuthorityStore;
  readonly outbox: OutboxStore;
  /** Topic of `revocation.issued` events (`topicNames(prefix).revocations`). */
  readonly topic: string;
  /** Longest access-token lifetime, seconds; bounds how long a rule must live. */
  readonly accessTokenTtlSeconds: Seconds;
  /**
   * The latest expiry of any token the authority already issued: rules on its own tokens live at
   * least until then (a lifetime lowered since cannot resurrect a revoked token). Absent: only
   * `accessTokenTtlSeconds` counts.
   */
  readonly tokenHorizon?: Pick<TokenHorizon, 'current'>;
  /**
   * How long a rule on an external issuer's tokens lives, seconds: their lifetime is not ours to
   * know, so the longest any sidecar accepts (its `maxTokenLifetimeSeconds`, default 1 day).
   * Default {@link DEFAULT_EXTERNAL_TOKEN_LIFETIME_SECONDS}.
   */
  readonly externalTokenLifetimeSeconds?: Seconds;
  /** Extra rule lifetime for verifier clock skew, ms. Default {@link DEFAULT_REVOCATION_SKEW_MS}. */
  readonly skewMs?: number;
  readonly clock?: Clock;
  /** The current event signer; every `revocation.issued` is signed before it enters the outbox. */
  readonly signer: { readonly current: EventSigningKey };
  /** Called after each committed revocation (wakes the outbox relay). */
  readonly onCommitted?: () => void;
  /** Called once per accepted revocation, after its commit (metrics, anomaly signals). Must not throw. */
  readonly onAccepted?: (revocation: Revocation) => void;
  /** Default: the global tracer provider (`@opentelemetry/api`). */
  readonly tracerProvider?: TracerProvider;
  /** The audit log: `revocations.create` is appended in the revocation's own transaction. */
  readonly audit?: AuditLog;
  /**
   * Checks the issuer a revocation names (see {@link IssuerRegistry.revocationIssuer}). Absent:
   * a revocation naming an issuer is refused (`IssuerNotTrustedError`).
   */
  readonly issuers?: Pick<IssuerRegistry, 'revocationIssuer'>;
  /**
   * The approvable action (`revocations.sub`, `revocations.client_id`) a target type needs a
   * second security-admin for under the policy in force, else undefined. Only batches ask:
   * single revocations go through the approval gate in front of this service. Absent: none.
   */
  readonly approvalAction?: (type: RevocationTarget['type']) => string | undefined;
}

interface RevocationRow {
  id: string;
  target_type: RevocationTarget['type'];
  target_value: string;
  iss: string | null;
  reason: string;
  actor_kind: Actor['kind'];
  actor_id: string;
  revoked_at: number;
  not_after_iat: number;
  expires_at: number;
  published_at: number | null;
  event_id?: string | null;
}

function checkInput(input: RevokeInput): void {
  const { target, reason } = input;
  if (!(REVOCATION_TARGET_TYPES as readonly string[]).includes(target.type)) {
    throw new TypeError(`target.type must be one of ${REVOCATION_TARGET_TYPES.join(', ')}`);
  }
  if (target.value.length === 0 || target.value.length > MAX_TARGET_VALUE_LENGTH) {
    throw new TypeError(`target.value must be 1..${MAX_TARGET_VALUE_LENGTH} characters`);
  }
  if (reason.length === 0 || reason.length > MAX_REASON_LENGTH) {
    throw new TypeError(`reason must be 1..${MAX_REASON_LENGTH} characters`);
  }
  if (input.issuedUpTo !== undefined && !Number.isInteger(input.issuedUpTo)) throw new TypeError('issuedUpTo must be an integer (epoch seconds)');
}

function toRevocation(row: RevocationRow): Revocation {
  return {
    id: row.id,
    target: { type: row.target_type, value: row.target_value },
    ...(row.iss === null ? {} : { iss: row.iss }),
    reason: row.reason,
    actor: { kind: row.actor_kind, id: row.actor_id },
    revokedAt: row.revoked_at,
    notAfterIat: row.not_after_iat,
    expiresAt: row.expires_at,
  };
}

/** The `revocation.issued` event of a revocation. `issuedAt` is when this copy is published. */
function issuedEvent(revocation: Revocation, issuedAt: number): RevocationIssuedEvent {
  return {
    id: timeOrderedId(),
    type: REVOCATION_ISSUED,
    version: 1,
    issued_at: issuedAt,
    actor: revocation.actor,
    payload: {
      revocation_id: revocation.id,
      target: revocation.target,
      ...(revocation.iss === undefined ? {} : { iss: revocation.iss }),
      revoked_at: revocation.revokedAt,
      not_after_iat: revocation.notAfterIat,
      expires_at: revocation.expiresAt,
      reason: revocation.reason,
    },
  };
}

/** `[revocation id, event id, target type, value, iss?]`: one revocation of a batch in its audit entry. */
type AuditRow = readonly string[];

function auditRow(revocation: Revocation, eventId: string): AuditRow {
  const row = [revocation.id, eventId, revocation.target.type, revocation.target.value];
  return revocation.iss === undefined ? row : [...row, revocation.iss];
}

/**
 * Most bytes of revocation rows in one audit entry of a batch: its signed copy on the audit
 * topic must stay under the event size limit (contracts' MAX_EVENT_BYTES, 64 KiB) with room for
 * the rest of the entry (reason, justification, hashes) and the event envelope.
 */
export const MAX_BATCH_AUDIT_ROW_BYTES = 40 * 1024;

/**
 * Splits a batch's rows into the fewest audit entries whose rows fit {@link MAX_BATCH_AUDIT_ROW_BYTES}:
 * one entry for a batch of ordinary targets up to ~400, more (parts 1..n, same batch id as target)
 * for bigger batches or long values.
 */
function auditParts(rows: readonly AuditRow[]): AuditRow[][] {
  const parts: AuditRow[][] = [[]];
  let bytes = 0;
  for (const row of rows) {
    const size = Buffer.byteLength(JSON.stringify(row)) + 1;
    if (bytes + size > MAX_BATCH_AUDIT_ROW_BYTES && parts[parts.length - 1]!.length > 0) {
      parts.push([]);
      bytes = 0;
    }
    parts[parts.length - 1]!.push(row);
    bytes += size;
  }
  return parts;
}

/** Creates the revocation service. */
export function createRevocationService(options: RevocationServiceOptions): RevocationService {
  const { store, outbox, topic, accessTokenTtlSeconds } = options;
  const clock = options.clock ?? systemClock;
  const skewMs = options.skewMs ?? DEFAULT_REVOCATION_SKEW_MS;
  const externalLifetime = options.externalTokenLifetimeSeconds ?? DEFAULT_EXTERNAL_TOKEN_LIFETIME_SECONDS;
  if (!Number.isInteger(externalLifetime) || externalLifetime < 1) throw new TypeError('externalTokenLifetimeSeconds must be a positive integer');
  if (!Number.isInteger(accessTokenTtlSeconds) || accessTokenTtlSeconds < 1) {
    throw new TypeError('accessTokenTtlSeconds must be a positive integer');
  }
  const db = store.db;
  const insert = db.prepare(
    `INSERT INTO revocations (id, target_type, target_value, iss, reason, actor_kind, actor_id, revoked_at, not_after_iat, expires_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const selectOne = db.prepare<[string], RevocationRow>(
    `SELECT r.id, r.target_type, r.target_value, r.iss, r.reason, r.actor_kind, r.actor_id, r.revoked_at, r.not_after_iat,
            r.expires_at, o.published_at, o.event_id
     FROM revocations r LEFT JOIN outbox o ON o.revocation_id = r.id
     WHERE r.id = ?`,
  );
  // Two single-range lookups rather than one OR, so each is an index-only MAX.
  /** Resolves once the previous `revoke` has handed its write to the group commit (or failed). */
  let inOrder: Promise<void> = Promise.resolve();
  const group = createGroupCommit(store, options.onCommitted === undefined ? {} : { onCommitted: options.onCommitted });
  const latestFor = db.prepare<[string, string], { latest: number | null }>(
    // Rules of external issuers never hold back the authority's own tokens.
    'SELECT MAX(not_after_iat) AS latest FROM revocations WHERE target_type = ? AND target_value = ? AND iss IS NULL',
  );
  const livePage = db.prepare<[number, number, number], RevocationRow & { rowid: number }>(
    `SELECT rowid, id, target_type, target_value, iss, reason, actor_kind, actor_id, revoked_at, not_after_iat, expires_at,
            NULL AS published_at
     FROM revocations WHERE expires_at > ? AND rowid > ? ORDER BY rowid LIMIT ?`,
  );

  const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(AUTHORITY_TRACER);

  /** The checked `iss` of a new revocation (undefined: the authority's own tokens). */
  const targetIssuer = (iss: string | undefined): string | undefined => {
    if (iss === undefined) return undefined;
    if (options.issuers === undefined) throw new IssuerNotTrustedError(iss, 'unknown');
    return options.issuers.revocationIssuer(iss);
  };

  /** A new revocation accepted at `revokedAt`, and its (unsigned) event. */
  function newRevocation(
    target: RevocationTarget,
    iss: string | undefined,
    reason: string,
    actor: Actor,
    revokedAt: number,
    issuedUpTo?: Seconds,
  ): { revocation: Revocation; event: RevocationIssuedEvent } {
    const window =
      iss === undefined
        ? revocationWindow(revokedAt, accessTokenTtlSeconds, skewMs, options.tokenHorizon?.current())
        : revocationWindow(revokedAt, externalLifetime, skewMs);
    const { expiresAt } = window;
    const notAfterIat = issuedUpTo === undefined ? window.notAfterIat : Math.min(window.notAfterIat, issuedUpTo);
    const revocation: Revocation = {
      id: timeOrderedId(),
      target: { type: target.type, value: target.value },
      ...(iss === undefined ? {} : { iss }),
      reason,
      actor: { kind: actor.kind, id: actor.id },
      revokedAt,
      notAfterIat,
      expiresAt,
    };
    return { revocation, event: issuedEvent(revocation, revokedAt) };
  }

  /** Inserts a revocation and its outbox row. Synchronous: call it inside a group-commit unit. */
  function write(revocation: Revocation, eventId: string, value: Buffer, traceparent: string): void {
    insert.run(
      revocation.id,
      revocation.target.type,
      revocation.target.value,
      revocation.iss ?? null,
      revocation.reason,
      revocation.actor.kind,
      revocation.actor.id,
      revocation.revokedAt,
      revocation.notAfterIat,
      revocation.expiresAt,
    );
    outbox.append(
      {
        eventId,
        revocationId: revocation.id,
        record: { topic, key: revocationKey(revocation.target, revocation.iss), value, headers: { [TRACEPARENT_HEADER]: traceparent } },
      },
      revocation.revokedAt,
    );
  }

  /**
   * Waits for `signing`, then submits `unit(signed)` to the group commit, and resolves once it is
   * durable. Signatures may complete out of order; units still enter the outbox in call order
   * (what a caller issuing two revocations in a row expects to see published).
   */
  async function commitInOrder<S, R>(signing: Promise<S>, unit: (signed: S) => R): Promise<R> {
    signing.catch(() => undefined); // awaited below, after the previous call's turn
    const previous = inOrder;
    let release!: () => void;
    inOrder = new Promise<void>((resolve) => (release = resolve));
    let committed: Promise<R>;
    try {
      await previous;
      const signed = await signing;
      committed = group.submit(() => unit(signed));
    } finally {
      release();
    }
    return committed;
  }

  async function accept(input: RevokeInput, traceparent: string): Promise<Revocation> {
    checkInput(input);
    const iss = targetIssuer(input.iss);
    const { revocation, event } = newRevocation(input.target, iss, input.reason, input.actor, clock.now(), input.issuedUpTo);
    // Signed before the transaction (jose is async, a SQLite transaction is not): the outbox
    // stores the exact signed bytes. A contract violation fails here, before anything is written.
    await commitInOrder(signForOutbox(event, options.signer.current), (value) => {
      write(revocation, event.id, value, traceparent);
      // Same savepoint as the revocation and its outbox row: all three commit, or none.
      options.audit?.append({
        action: 'revocations.create',
        outcome: 'succeeded',
        target: revocation.id,
        context: input.context ?? actorAuditContext(revocation.actor, revocation.reason),
        details: {
          targetType: revocation.target.type,
          targetValue: revocation.target.value,
          ...(iss === undefined ? {} : { iss }),
          reason: revocation.reason,
          notAfterIat: revocation.notAfterIat,
          expiresAt: revocation.expiresAt,
          eventId: event.id,
        },
      });
      input.inTransaction?.(revocation);
    });
    options.onAccepted?.(revocation);
    return revocation;
  }

  async function acceptBatch(input: RevokeBatchInput, traceparent: string): Promise<RevocationBatch> {
    const issuers = checkBatch(input, { issuer: targetIssuer, approvalAction: (type) => options.approvalAction?.(type) });
    const batchId = timeOrderedId();
    // One clock reading: every revocation of the batch is accepted at the same instant.
    const revokedAt = clock.now();
    const made = input.targets.map(({ target }, i) => newRevocation(target, issuers[i], input.reason, input.actor, revokedAt));
    const signer = options.signer.current;
    const revocations = made.map((m) => m.revocation);
    const parts = auditParts(made.map(({ revocation, event }) => auditRow(revocation, event.id)));
    // One signature for the whole batch (a Merkle root; each record carries its inclusion proof).
    await commitInOrder(signBatchForOutbox(made.map(({ event }) => event), signer), (values) => {
      made.forEach(({ revocation, event }, i) => write(revocation, event.id, values[i]!, traceparent));
      // The batch's audit entries, in its savepoint: the batch and its audit record commit together.
      parts.forEach((part, i) =>
        options.audit?.append({
          action: 'revocations.create-batch',
          outcome: 'succeeded',
          target: batchId,
          context: input.context ?? actorAuditContext(input.actor, input.reason),
          details: { part: i + 1, parts: parts.length, count: revocations.length, reason: input.reason, revokedAt, revocations: part },
        }),
      );
      input.inTransaction?.({ batchId, revocations });
    });
    for (const revocation of revocations) options.onAccepted?.(revocation);
    return { batchId, revocations };
  }

  /**
   * Runs an accept under its own span, child of the caller's span (the HTTP request); the outbox
   * row stores this span's context, so the relay's publish span (and every sidecar's apply span)
   * continues the trace. With no active span (no HTTP instrumentation), the caller's
   * `traceparent` is the parent.
   */
  function inSpan<R>(targetType: string, incoming: string | undefined, run: (traceparent: string) => Promise<R>, done: (span: Span, result: R) => void): Promise<R> {
    const active = context.active();
    const parent = trace.getSpan(active) === undefined ? contextFromTraceparent(incoming, active) : active;
    return tracer.startActiveSpan(SPAN.revocationAccept, { attributes: { [ATTR.targetType]: targetType } }, parent, async (span) => {
      try {
        const result = await run(activeTraceparent(incoming));
        done(span, result);
        return result;
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    });
  }

  return {
    revoke(input) {
      return inSpan(String(input.target?.type), input.traceparent, (traceparent) => accept(input, traceparent), (span, revocation) =>
        span.setAttribute(ATTR.revocationId, revocation.id),
      );
    },

    revokeBatch(input) {
      return inSpan('batch', input.traceparent, (traceparent) => acceptBatch(input, traceparent), (span, batch) =>
        span.setAttribute(ATTR.revocationId, batch.batchId),
      );
    },

    get(id) {
      let row: RevocationRow | undefined;
      try {
        row = selectOne.get(id);
      } catch (error) {
        throw translateStoreError(error, 'cannot read revocations');
      }
      if (row === undefined) throw new RevocationNotFoundError(id);
      return {
        ...toRevocation(row),
        published: row.published_at !== null,
        publishedAt: row.published_at,
        eventId: row.event_id ?? null,
      };
    },

    async republishLive(now) {
      let after = 0;
      let queued = 0;
      for (;;) {
        const rows = livePage.all(now, after, 500);
        if (rows.length === 0) return queued;
        after = rows[rows.length - 1]!.rowid;
        const page = rows.map((row) => {
          const revocation = toRevocation(row);
          return { revocation, event: issuedEvent(revocation, now) };
        });
        // One signature per page of up to 500 (a Merkle root; each record carries its inclusion proof).
        const values = await signBatchForOutbox(page.map(({ event }) => event), options.signer.current);
        const signed = page.map((entry, i) => ({ ...entry, value: values[i]! }));
        store.transaction(() => {
          for (const { revocation, event, value } of signed) {
            // No revocation_id: the row that announced the revocation first stays its publication record.
            outbox.append(
              {
                eventId: event.id,
                record: {
                  topic,
                  key: revocationKey(revocation.target, revocation.iss),
                  value,
                  headers: { [TRACEPARENT_HEADER]: createTraceparent() },
                },
              },
              now,
            );
          }
        });
        queued += signed.length;
        options.onCommitted?.();
      }
    },

    latestNotAfterIat({ sub, clientId }) {
      try {
        const a = latestFor.get('sub', sub)?.latest ?? null;
        const b = latestFor.get('client_id', clientId)?.latest ?? null;
        if (a === null && b === null) return undefined;
        return Math.max(a ?? -Infinity, b ?? -Infinity);
      } catch (error) {
        throw translateStoreError(error, 'cannot read revocations');
      }
    },
  };
}
