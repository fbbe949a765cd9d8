import type { AnonymousRefusalAudit } from '../audit/anonymous-refusals';
import type { AuditLog } from '../audit/audit-log';
import { approvalExecutors } from '../approvals/approval-executors';
import { drillSelfApproval } from '../approvals/drill-self-approval';
import { createApprovalService, type ApprovalService } from '../approvals/approval-service';
import type { ClientLifecycle } from '../clients/client-lifecycle';
import type { CommsService } from '../comms/comms-service';
import type { IncidentService } from '../incidents/incident-service';
import type { KillSwitchService } from '../kill-switch/kill-switch';
import { createOperatorService, type OperatorService } from '../operators/operator-service';
import { createApproverCheck } from '../operators/sponsorships';
import type { PolicyStore } from '../policy/policy-store';
import type { RevocationService } from '../revocations/revocation-service';
import type { RotationService } from '../rotation/rotation-service';
import type { AuthorityStore } from '../store/store';
import type { CoreSettings } from './core-settings';

/** Who may act (operators) and the two-person rule over the drastic actions (approvals). */
export interface GovernancePart {
  readonly approvals: ApprovalService;
  readonly operators: OperatorService;
  close(): void;
}

export function openGovernancePart(
  settings: CoreSettings,
  deps: {
    readonly store: AuthorityStore;
    readonly audit: AuditLog;
    readonly anonymousRefusals: AnonymousRefusalAudit;
    readonly policy: PolicyStore;
    readonly rotations: RotationService;
    readonly revocations: RevocationService;
    readonly killSwitch: KillSwitchService;
    /** Absent: `clients.disable` cannot be submitted. */
    readonly clients?: ClientLifecycle;
    /** Read when an approved action runs (incidents open later): links what it made to its incident. */
    readonly incidents?: () => Pick<IncidentService, 'linkInTransaction' | 'requireLinkable' | 'get'>;
    /** Read when an approved message to customers is sent (communications open later). */
    readonly comms?: () => Pick<CommsService, 'sendApproved'>;
  },
): GovernancePart {
  const { options, clock, logger } = settings;
  const { store, audit, anonymousRefusals, policy, rotations, revocations, killSwitch, clients } = deps;
  const approvals = createApprovalService({
    store,
    audit,
    policy,
    executors: approvalExecutors({ rotations, revocations, killSwitch, policy, operators: () => operatorService, ...(clients === undefined ? {} : { clients: () => clients }), ...(deps.incidents === undefined ? {} : { incidents: deps.incidents }), ...(deps.comms === undefined ? {} : { comms: deps.comms }) }),
    approverCheck: createApproverCheck({ store, policy }),
    ...(deps.incidents === undefined ? {} : { selfApproval: drillSelfApproval(policy, deps.incidents) }),
    clock,
    logger,
  });
  const operatorService = createOperatorService({
    store,
    kek: options.kek,
    issuer: options.issuer,
    policy,
    audit,
    anonymousRefusals,
    clock,
    ...(options.passwordHashCost === undefined ? {} : { passwordHashCost: options.passwordHashCost }),
  });
  const operators: OperatorService = {
    ...operatorService,
    disable(username, context) {
      const disabled = operatorService.disable(username, context);
      // A disabled (perhaps compromised) operator's pending requests must not run in their name
      // when someone approves them later: they are denied with the disabling admin's context.
      const requester = disabled.username.toLowerCase();
      for (const approval of approvals.list('pending', 1000)) {
        if (approval.requestedBy.actor.kind === 'operator' && approval.requestedBy.actor.id.toLowerCase() === requester) {
          approvals.deny(approval.id, { ...context, justification: `requester ${disabled.username} disabled: ${context.justification ?? ''}`.trim() });
        }
      }
      return disabled;
    },
  };
  return { approvals, operators, close: () => approvals.stop() };
}
