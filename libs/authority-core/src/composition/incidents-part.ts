import type { AnomalyDetector } from '../anomalies/anomaly-detector';
import type { ApprovalService } from '../approvals/approval-service';
import type { AuditLog } from '../audit/audit-log';
import { RevocationNotFoundError, ApprovalNotFoundError } from '../errors/errors';
import type { KeyEventLog, KeyEventRecord } from '../events/key-event-log';
import type { IncidentWithLinks } from '../incidents/incident-service';
import { createIncidentService, type IncidentService } from '../incidents/incident-service';
import { createIncidentFollowUps, type IncidentFollowUps } from '../incidents/incident-follow-ups';
import { buildIncidentReport, DEFAULT_LATE_AFTER_MS } from '../incidents/incident-report';
import {
  buildIncidentTimeline,
  type ContainingAction,
  type IncidentTimeline,
  type TimelineApproval,
  type TimelineAuditEntry,
  type TimelineSources,
} from '../incidents/incident-timeline';
import type { IncidentReportModel } from '@revmesh/contracts';
import type { BlockedReportLog } from '../reports/blocked-report-log';
import { MISSED_HEARTBEATS_UNTIL_GONE, type InstanceDirectory, type SidecarInstance } from '../reports/instance-directory';
import type { RevocationService } from '../revocations/revocation-service';
import type { AuthorityStore } from '../store/store';
import type { CoreSettings } from './core-settings';

/** Incident records, the actions linked to them, and each incident's timeline and containment. */
export interface IncidentsPart {
  readonly incidents: IncidentService & {
    /**
     * The incident's recorded facts merged into one ordered timeline, its coverage per service
     * and its containment (computed now).
     * @throws {IncidentNotFoundError}
     */
    timeline(id: string): { readonly incident: IncidentWithLinks } & IncidentTimeline;
    /**
     * The post-incident report (computed now), judging every instance alive at some point from the
     * first containing action's acceptance (else the opening) to the resolution (else now), gone
     * since or not. `lateAfterMs` default {@link DEFAULT_LATE_AFTER_MS}.
     * @throws {IncidentNotFoundError}
     */
    report(id: string, options?: { readonly lateAfterMs?: number }): IncidentReportModel;
    /** Follow-ups operators add for the review (audited). */
    readonly followUps: IncidentFollowUps;
  };
}

interface AuditRow {
  seq: number;
  at: number;
  action: string;
  outcome: string;
  target: string | null;
  actor_kind: string;
  actor_id: string;
  role: string | null;
  justification: string | null;
}

export function openIncidentsPart(
  settings: CoreSettings,
  deps: {
    readonly store: AuthorityStore;
    readonly audit: AuditLog;
    readonly revocations: RevocationService;
    readonly approvals: ApprovalService;
    readonly instances: InstanceDirectory;
    readonly anomalies: AnomalyDetector;
    readonly blockedReports: BlockedReportLog;
    readonly keyEvents: KeyEventLog;
  },
): IncidentsPart {
  const { clock } = settings;
  const { store, audit, revocations, approvals, instances, anomalies, blockedReports, keyEvents } = deps;
  const service = createIncidentService({ store, audit, clock });
  const { dialect } = store.db;
  // The incident's own entries, its actions' (by id as target), rotations' (by rotation_id) and kill switches' (by seq).
  const auditOf = store.db.prepare<[string, string, string, string], AuditRow>(
    `SELECT seq, at, action, outcome, target, actor_kind, actor_id, role, justification FROM audit_log
      WHERE target = ?
         OR target IN ${dialect.jsonArrayValues('?', 'text')}
         OR (action IN ('keys.rotate', 'rotations.rollback') AND ${dialect.jsonField('details', 'rotation_id', 'text')} IN ${dialect.jsonArrayValues('?', 'text')})
         OR seq IN ${dialect.jsonArrayValues('?', 'integer')}
      ORDER BY seq`,
  );

  // A kill switch is linked by the seq of its engagement's audit entry, which names its scope and key-set version.
  const engagement = store.db.prepare<[number], { target: string | null; at: number; version: number | null }>(
    `SELECT target, at, ${dialect.jsonField('details', 'key_set_version', 'integer')} AS version FROM audit_log WHERE seq = ? AND action = 'kill-switch.engage'`,
  );
  const eventAt = store.db.prepare<[number], { event_id: string }>('SELECT event_id FROM key_events WHERE key_set_version = ?');

  /** A key event's coverage among the live instances the action affects. */
  const keyEventCoverage = (event: KeyEventRecord | undefined, live: readonly SidecarInstance[], audience: string | null) =>
    event === undefined
      ? null
      : instances.coverageAmong(
          { eventId: event.eventId, publishedAt: event.publishedAt, keySetVersion: event.version },
          audience === null ? live : live.filter((i) => i.audiences.includes(audience)),
        );

  function keyContaining(incident: IncidentWithLinks, live: readonly SidecarInstance[]): ContainingAction[] {
    const compromises = incident.links
      .filter((l) => l.kind === 'key-compromise')
      .map((l) => {
        const event = keyEvents.latest(l.actionId, 'revoked');
        return { kind: 'key-compromise' as const, actionId: l.actionId, audience: null, acceptedAt: event?.createdAt ?? l.linkedAt, coverage: keyEventCoverage(event, live, null) };
      });
    const switches = incident.links
      .filter((l) => l.kind === 'kill-switch')
      .flatMap((l) => {
        const row = engagement.get(Number(l.actionId));
        if (row === undefined) return [];
        const audience = row.target?.startsWith('aud:') === true ? row.target.slice('aud:'.length) : null;
        const eventId = row.version === null ? undefined : eventAt.get(row.version)?.event_id;
        const event = eventId === undefined ? undefined : keyEvents.get(eventId);
        return [{ kind: 'kill-switch' as const, actionId: l.actionId, audience, acceptedAt: row.at, coverage: keyEventCoverage(event, live, audience) }];
      });
    return [...compromises, ...switches];
  }

  /** Instances alive at some point between `from` and `end` (3 missed heartbeats mark the end of one). */
  const aliveDuring = (from: number, end: number): SidecarInstance[] =>
    instances
      .all()
      .filter((i) => i.firstSeenAt <= end && i.lastHeartbeatAt + MISSED_HEARTBEATS_UNTIL_GONE * i.heartbeatIntervalMs > from)
      .sort((a, b) => a.instanceId.localeCompare(b.instanceId));

  /** The incident's recorded facts; `population` picks the instances judged (default: live now). */
  function sources(id: string, population?: (incident: IncidentWithLinks, end: number) => SidecarInstance[]): TimelineSources {
    const incident = service.get(id);
    const now = clock.now();
    const ids = (kind: string) => incident.links.filter((l) => l.kind === kind).map((l) => l.actionId);
    const byTarget = incident.links.filter((l) => l.kind !== 'rotation' && l.kind !== 'kill-switch').map((l) => l.actionId);
    const auditEntries: TimelineAuditEntry[] = auditOf
      .all(id, JSON.stringify(byTarget), JSON.stringify(ids('rotation')), JSON.stringify(ids('kill-switch').map(Number)))
      .map((r) => ({
        seq: r.seq,
        at: r.at,
        action: r.action,
        outcome: r.outcome,
        target: r.target,
        actor: { kind: r.actor_kind as 'operator', id: r.actor_id },
        role: r.role,
        justification: r.justification,
      }));
    const linkedApprovals: TimelineApproval[] = ids('approval').flatMap((approvalId) => {
      try {
        const a = approvals.get(approvalId);
        return [{ id: a.id, action: a.action, state: a.state, requestedAt: a.requestedAt, requestedBy: a.requestedBy.actor.id, decidedAt: a.decidedAt, decidedBy: a.decidedBy?.id ?? null }];
      } catch (error) {
        if (error instanceof ApprovalNotFoundError) return [];
        throw error;
      }
    });
    const end = incident.status === 'resolved' ? incident.updatedAt : now;
    const live = population === undefined ? instances.live(now) : population(incident, end);
    const containing: ContainingAction[] = ids('revocation').flatMap((revocationId) => {
      try {
        const status = revocations.get(revocationId);
        const coverage = status.eventId === null ? null : instances.coverageAmong({ eventId: status.eventId, publishedAt: status.publishedAt }, live);
        return [{ kind: 'revocation' as const, actionId: revocationId, audience: null, acceptedAt: status.revokedAt, coverage }];
      } catch (error) {
        // Expired and pruned: it no longer needs containing.
        if (error instanceof RevocationNotFoundError) return [];
        throw error;
      }
    });
    containing.push(...keyContaining(incident, live));
    const alerts = anomalies
      .list()
      .filter((a) => a.lastSeen >= incident.createdAt && a.firstSeen <= end)
      .map((a) => ({ alertId: a.alertId, kind: a.kind, severity: a.severity, summary: a.summary, firstSeen: a.firstSeen, count: a.count }));
    const blocked = blockedReports.matching({ revocationIds: new Set(ids('revocation')), kids: new Set(ids('key-compromise')) });
    return { incident, now, audit: auditEntries, approvals: linkedApprovals, containing, live, alerts, blocked };
  }

  function timeline(id: string): { readonly incident: IncidentWithLinks } & IncidentTimeline {
    const gathered = sources(id);
    return { incident: gathered.incident, ...buildIncidentTimeline(gathered) };
  }

  const followUps = createIncidentFollowUps({ store, audit, clock });

  function report(id: string, options: { readonly lateAfterMs?: number } = {}): IncidentReportModel {
    // Judged: the instances alive at some point after the first containing action was accepted
    // (one that stopped before it had nothing to apply), else after the opening, until the end.
    const opened = sources(id, (incident, end) => aliveDuring(incident.createdAt, end));
    const from = opened.containing.length === 0 ? opened.incident.createdAt : Math.min(...opened.containing.map((c) => c.acceptedAt));
    const gathered = from === opened.incident.createdAt ? opened : sources(id, (_incident, end) => aliveDuring(from, end));
    const liveNow = new Set(instances.live(gathered.now).map((i) => i.instanceId));
    return buildIncidentReport({
      sources: gathered,
      timeline: buildIncidentTimeline(gathered),
      followUps: followUps.list(id),
      liveNow,
      lateAfterMs: options.lateAfterMs ?? DEFAULT_LATE_AFTER_MS,
    });
  }

  return { incidents: { ...service, timeline, report, followUps } };
}
