import { KILL_SWITCH_CHANGED, killSwitchKey, type Actor, type KillSwitchChangedEvent } from '@revmesh/contracts';
import type { AuditContext } from '../audit/audit-context';
import type { AuditLog } from '../audit/audit-log';
import { KillSwitchNotEngagedError } from '../errors/errors';
import type { EventSignerRing } from '../event-signers/event-signer-ring';
import type { KeyEventDraft, KeyEventLog } from '../events/key-event-log';
import { silentLogger, type AuthorityLogger } from '../logging/logger';
import { translateStoreError, type AuthorityStore } from '../store/store';
import type { Clock, Milliseconds, Seconds } from '../time/clock';
import type { KillSwitchScope, KillSwitchService, KillSwitchState } from './kill-switch';

/** What the token issuer asks on every token: the newest cut that applies to an audience. */
export interface KillSwitchCuts {
  /**
   * The highest `not_after_iat` (seconds) of the global switch and of `audience`'s, or undefined
   * when neither was ever engaged. A token for `audience` must have an `iat` above it.
   */
  notAfterIat(audience: string): Seconds | undefined;
}

/** The kill switch as authority-core wires it. */
export interface KillSwitchController extends KillSwitchService, KillSwitchCuts {
  /**
   * Re-publishes every scope whose latest event was signed by an earlier event signer (after a
   * signer switch or reset), so the compacted keys topic carries it with a signature every
   * sidecar accepts. Call inside nothing: it takes the key event log's lock itself.
   * @returns how many scopes were re-published.
   */
  republishStale(actor: Actor): Promise<number>;
  /** Re-publishes every scope, engaged or lifted (after the keys topic was deleted or truncated). */
  republishAll(actor: Actor): Promise<number>;
}

export interface KillSwitchServiceOptions {
  readonly store: AuthorityStore;
  /** Every change is an event on the keys topic, numbered by `key_set_version` like key events. */
  readonly log: KeyEventLog;
  readonly signers: Pick<EventSignerRing, 'current'>;
  readonly clock: Clock;
  /** Engage and lift are audited in the transaction that makes the change. Optional until the audit log exists. */
  readonly audit?: AuditLog;
  readonly logger?: AuthorityLogger;
}

interface Row {
  scope: string;
  audience: string | null;
  issued_at_or_before: number;
  not_after_iat: number;
  lockdown: 0 | 1;
  engaged_at: number;
  engaged_by_kind: Actor['kind'];
  engaged_by_id: string;
  lifted_at: number | null;
  lifted_by_kind: Actor['kind'] | null;
  lifted_by_id: string | null;
}

/** The row key of a scope; also what audit entries and errors name. */
export function scopeLabel(scope: KillSwitchScope): string {
  return scope.kind === 'global' ? 'global' : `aud:${scope.audience}`;
}

function scopeOf(row: Row): KillSwitchScope {
  return row.audience === null ? { kind: 'global' } : { kind: 'audience', audience: row.audience };
}

function toState(row: Row): KillSwitchState {
  return {
    scope: scopeOf(row),
    issuedAtOrBefore: row.issued_at_or_before,
    lockdown: row.lockdown === 1,
    engagedAt: row.engaged_at,
    engagedBy: row.engaged_by_id,
    liftedAt: row.lifted_at,
    liftedBy: row.lifted_by_id,
  };
}

function assertScope(scope: KillSwitchScope): void {
  if (scope.kind === 'global') return;
  if (scope.kind !== 'audience' || typeof scope.audience !== 'string' || scope.audience.length === 0 || scope.audience.length > 256) {
    throw new TypeError('kill switch scope must be { kind: "global" } or { kind: "audience", audience: 1..256 characters }');
  }
}

/**
 * Creates the kill switch. A scope's cut only ever moves forward (engaging again never
 * re-admits a token an earlier engage rejected), and only a lift ends a lockdown (engaging
 * again without `lockdown` keeps a running one).
 */
export function createKillSwitchService(options: KillSwitchServiceOptions): KillSwitchController {
  const { store, log, signers, clock } = options;
  const logger = options.logger ?? silentLogger;
  const db = store.db;
  const selectAll = db.prepare<[], Row>('SELECT * FROM kill_switches ORDER BY scope');
  const selectOne = db.prepare<[string], Row>('SELECT * FROM kill_switches WHERE scope = ?');
  const selectCut = db.prepare<[string], { cut: number | null }>(
    `SELECT MAX(not_after_iat) AS cut FROM kill_switches WHERE scope = 'global' OR scope = ?`,
  );
  const upsert = db.prepare(
    `INSERT INTO kill_switches (scope, audience, issued_at_or_before, not_after_iat, lockdown, engaged_at, engaged_by_kind,
                                engaged_by_id, lifted_at, lifted_by_kind, lifted_by_id)
     VALUES (@scope, @audience, @issued_at_or_before, @not_after_iat, @lockdown, @engaged_at, @engaged_by_kind,
             @engaged_by_id, @lifted_at, @lifted_by_kind, @lifted_by_id)
     ON CONFLICT (scope) DO UPDATE SET
       issued_at_or_before = excluded.issued_at_or_before, not_after_iat = excluded.not_after_iat,
       lockdown = excluded.lockdown, engaged_at = excluded.engaged_at, engaged_by_kind = excluded.engaged_by_kind,
       engaged_by_id = excluded.engaged_by_id, lifted_at = excluded.lifted_at, lifted_by_kind = excluded.lifted_by_kind,
       lifted_by_id = excluded.lifted_by_id`,
  );
  const read = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (error) {
      throw translateStoreError(error, 'cannot read kill switches');
    }
  };

  function draftOf(row: Row, actor: Actor): KeyEventDraft {
    const scope = scopeOf(row);
    return {
      subject: 'kill-switch',
      kid: killSwitchKey(scope),
      state: row.lifted_at === null ? 'engaged' : 'lifted',
      rotationId: null,
      recordKey: killSwitchKey(scope),
      build: ({ id, version, now }): KillSwitchChangedEvent => ({
        id,
        type: KILL_SWITCH_CHANGED,
        version: 1,
        issued_at: now,
        actor,
        payload: {
          scope,
          not_after_iat: row.not_after_iat,
          lockdown: row.lockdown === 1,
          key_set_version: version,
          engaged_at: row.engaged_at,
          engaged_by: { kind: row.engaged_by_kind, id: row.engaged_by_id },
          lifted_at: row.lifted_at,
          lifted_by: row.lifted_by_kind === null || row.lifted_by_id === null ? null : { kind: row.lifted_by_kind, id: row.lifted_by_id },
        },
      }),
    };
  }

  /** Writes `row`, publishes it and audits `action`, all in one transaction. */
  async function change(
    row: Row,
    action: 'kill-switch.engage' | 'kill-switch.lift',
    context: AuditContext,
    inTransaction?: (auditSeq: number) => void,
  ): Promise<KillSwitchState> {
    await log.commit([draftOf(row, context.actor)], (_now, events) => {
      upsert.run(row);
      const entry = options.audit?.append({
        action,
        outcome: 'succeeded',
        target: row.scope,
        context,
        details: {
          lockdown: row.lockdown === 1,
          issued_at_or_before: new Date(row.issued_at_or_before).toISOString(),
          not_after_iat: row.not_after_iat,
          key_set_version: events[0]?.version ?? null,
        },
      });
      if (entry !== undefined) inTransaction?.(entry.seq);
    });
    const state = toState(row);
    logger.warn(action === 'kill-switch.engage' ? 'kill switch engaged' : 'kill switch lifted', {
      scope: row.scope,
      lockdown: state.lockdown,
      not_after_iat: row.not_after_iat,
      actor: context.actor.id,
    });
    return state;
  }


  /** Re-signs the rows `which` picks; the rows do not change, only their signature (and key_set_version). */
  function republish(actor: Actor, which: (row: Row) => boolean): Promise<number> {
    return log.exclusive(async () => {
      const rows = read(() => selectAll.all()).filter(which);
      if (rows.length === 0) return 0;
      await log.commit(
        rows.map((row) => draftOf(row, actor)),
        () => undefined,
      );
      return rows.length;
    });
  }

  return {
    async engage(input, context) {
      assertScope(input.scope);
      return log.exclusive(async () => {
        const now: Milliseconds = clock.now();
        const cut = input.issuedAtOrBefore ?? now;
        if (!Number.isInteger(cut) || cut <= 0) throw new TypeError('issuedAtOrBefore must be a positive integer (epoch ms)');
        if (cut > now) throw new TypeError('issuedAtOrBefore must not be in the future');
        const label = scopeLabel(input.scope);
        const held = read(() => selectOne.get(label));
        const stillLocked = held !== undefined && held.lifted_at === null && held.lockdown === 1;
        const issuedAtOrBefore = Math.max(cut, held?.issued_at_or_before ?? 0);
        const row: Row = {
          scope: label,
          audience: input.scope.kind === 'global' ? null : input.scope.audience,
          issued_at_or_before: issuedAtOrBefore,
          not_after_iat: Math.floor(issuedAtOrBefore / 1000),
          lockdown: input.lockdown || stillLocked ? 1 : 0,
          engaged_at: now,
          engaged_by_kind: context.actor.kind,
          engaged_by_id: context.actor.id,
          lifted_at: null,
          lifted_by_kind: null,
          lifted_by_id: null,
        };
        return change(row, 'kill-switch.engage', context, input.inTransaction);
      });
    },

    async lift(scope, context) {
      assertScope(scope);
      return log.exclusive(async () => {
        const label = scopeLabel(scope);
        const held = read(() => selectOne.get(label));
        if (held === undefined || held.lifted_at !== null) throw new KillSwitchNotEngagedError(label);
        const row: Row = { ...held, lockdown: 0, lifted_at: clock.now(), lifted_by_kind: context.actor.kind, lifted_by_id: context.actor.id };
        return change(row, 'kill-switch.lift', context);
      });
    },

    list: () => read(() => selectAll.all().map(toState)),

    notAfterIat: (audience) => read(() => selectCut.get(`aud:${audience}`)?.cut ?? undefined),

    republishStale(actor) {
      return republish(actor, (row) => log.latest(killSwitchKey(scopeOf(row)))?.signerKid !== signers.current.kid);
    },
    republishAll(actor) {
      return republish(actor, () => true);
    },
  };
}
