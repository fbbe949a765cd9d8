import { z } from 'zod';
import type { ClientLifecycle } from '../clients/client-lifecycle';
import type { KillSwitchService } from '../kill-switch/kill-switch';
import type { OperatorService } from '../operators/operator-service';
import { addSecurityAdminParamsSchema, operatorParamsSchema, raiseRoleParamsSchema } from '../operators/operator-privilege-params';
import type { PolicyStore } from '../policy/policy-store';
import type { ApprovableAction } from '../policy/policy-document';
import { IncidentClosedError, IncidentUnknownError } from '../errors/errors';
import type { IncidentLinkKind } from '../incidents/incident';
import type { IncidentService } from '../incidents/incident-service';
import type { CommsCustomersParams, CommsService } from '../comms/comms-service';
import type { RevocationService } from '../revocations/revocation-service';
import type { RotationService } from '../rotation/rotation-service';
import type { ApprovalExecutor } from './approval-gate';

// The params each approvable action is submitted with. They are validated again when the
// action runs, because a pending request's params come back from the database.
const reason = z.string().min(1);

/** `keys.compromise`: the key to revoke at once. */
export const compromiseParamsSchema = z.strictObject({ kid: z.string().min(1), reason, incident: z.string().min(1).optional() });
/** `rotations.rollback`: the rotation to undo, and what becomes of the key it promoted. */
export const rollbackParamsSchema = z.strictObject({
  rotationId: z.string().min(1),
  reason,
  newKeyState: z.enum(['retired', 'revoked']).optional(),
});
/** `revocations.client_id` / `revocations.sub`: the value to revoke (the type is the action's). */
export const revocationParamsSchema = z.strictObject({
  value: z.string().min(1),
  /** The trusted external issuer targeted; absent for the authority's own tokens. */
  iss: z.string().min(1).optional(),
  reason,
  /** W3C traceparent of the request that asked, continued by the revocation's spans. */
  traceparent: z.string().optional(),
  /** The incident it is made for: the approval belongs to it, and the revocation is linked when it runs. */
  incident: z.string().min(1).optional(),
});
/** `clients.disable`: the client to disable, and the reason its `client_id` revocation carries. */
export const clientDisableParamsSchema = z.strictObject({
  clientId: z.string().min(1),
  reason,
  /** The incident it is made for (a drill's cleanup): the approval belongs to it; the disabling is not a containing action. */
  incident: z.string().min(1).optional(),
});
const killSwitchScopeSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('global') }),
  z.strictObject({ kind: z.literal('audience'), audience: z.string().min(1) }),
]);
/** `kill-switch.engage`: exactly {@link KillSwitchService.engage}'s input. */
export const killSwitchEngageParamsSchema = z.strictObject({
  scope: killSwitchScopeSchema,
  issuedAtOrBefore: z.number().optional(),
  lockdown: z.boolean(),
  /** The incident it is made for: linked (by the seq of its audit entry) when it runs. */
  incident: z.string().min(1).optional(),
});
/** `kill-switch.lift`: the scope to lift. */
export const killSwitchLiftParamsSchema = z.strictObject({
  scope: killSwitchScopeSchema,
  /** The incident it is made for (a drill's cleanup): the approval belongs to it; lifting is not linked. */
  incident: z.string().min(1).optional(),
});

/** `policy.update`: the whole new policy document (validated by the policy store when it runs). */
export const policyUpdateParamsSchema = z.strictObject({ policy: z.unknown() });

/** What `submit` takes as `params` for each approvable action. */
export interface ApprovalParams {
  'keys.compromise': z.infer<typeof compromiseParamsSchema>;
  'rotations.rollback': z.infer<typeof rollbackParamsSchema>;
  'revocations.client_id': z.infer<typeof revocationParamsSchema>;
  'revocations.sub': z.infer<typeof revocationParamsSchema>;
  'clients.disable': z.infer<typeof clientDisableParamsSchema>;
  'kill-switch.engage': z.infer<typeof killSwitchEngageParamsSchema>;
  'kill-switch.lift': z.infer<typeof killSwitchLiftParamsSchema>;
  'policy.update': z.infer<typeof policyUpdateParamsSchema>;
  'operators.add-security-admin': z.infer<typeof addSecurityAdminParamsSchema>;
  'operators.raise-role': z.infer<typeof raiseRoleParamsSchema>;
  'operators.enable': z.infer<typeof operatorParamsSchema>;
  'operators.reset-second-factor': z.infer<typeof operatorParamsSchema>;
  'comms.customers': CommsCustomersParams;
}

/** Params that do not match their schema: a bug or an edited row, never run. */
function parse<T>(schema: z.ZodType<T>, action: ApprovableAction, params: unknown): T {
  const result = schema.safeParse(params);
  if (!result.success) {
    throw new TypeError(`invalid params for ${action}: ${result.error.issues.map((i) => `${i.path.join('.') || '(params)'}: ${i.message}`).join('; ')}`);
  }
  return result.data;
}

export interface ApprovalExecutorServices {
  readonly rotations: Pick<RotationService, 'compromise' | 'rollback'>;
  readonly revocations: Pick<RevocationService, 'revoke'>;
  /** Absent until the kill switch is wired: its actions then have no executor. */
  readonly killSwitch?: Pick<KillSwitchService, 'engage' | 'lift'>;
  /** Read when an action runs. Absent: `clients.disable` has no executor. */
  readonly clients?: () => Pick<ClientLifecycle, 'disable'>;
  /** Absent: `policy.update` has no executor. */
  readonly policy?: Pick<PolicyStore, 'update'>;
  /**
   * The operator service, read when an action runs (it may be created after the approvals).
   * Absent: the `operators.*` privilege changes have no executor.
   */
  readonly operators?: () => Pick<OperatorService, 'add' | 'setRole' | 'enable' | 'resetSecondFactor'>;
  /** Read when an action runs (incidents open after the approvals). Absent: actions are not linked to incidents. */
  readonly incidents?: () => Pick<IncidentService, 'linkInTransaction' | 'requireLinkable'>;
  /** Read when an action runs (communications open after the approvals). Absent: `comms.customers` has no executor. */
  readonly comms?: () => Pick<CommsService, 'sendApproved'>;
}

/**
 * How each approvable action runs, as the requester: their actor is the one recorded by the
 * service that acts (the approver is recorded on the approval and in its audit entry).
 */
export function approvalExecutors(services: ApprovalExecutorServices): Partial<Record<ApprovableAction, ApprovalExecutor>> {
  const { rotations, revocations, killSwitch, policy, operators, clients, incidents, comms } = services;
  /**
   * Links what an approved action made to the incident it was requested for, in the action's
   * transaction. An incident resolved (or gone) meanwhile does not stop the approved action: the
   * approval, which names the incident, stays in its timeline.
   */
  const linkTo =
    <T>(incident: string | undefined, requester: Parameters<ApprovalExecutor>[1], links: (made: T) => readonly { readonly kind: IncidentLinkKind; readonly actionId: string }[]) =>
    (made: T): void => {
      if (incident === undefined || incidents === undefined) return;
      const service = incidents();
      try {
        service.requireLinkable(incident);
      } catch (error) {
        if (error instanceof IncidentClosedError || error instanceof IncidentUnknownError) return;
        throw error;
      }
      service.linkInTransaction(incident, links(made), requester);
    };
  const revoke =
    (action: 'revocations.client_id' | 'revocations.sub', type: 'client_id' | 'sub'): ApprovalExecutor =>
    async (params, requester) => {
      const p = parse(revocationParamsSchema, action, params);
      return revocations.revoke({
        target: { type, value: p.value },
        ...(p.iss === undefined ? {} : { iss: p.iss }),
        reason: p.reason,
        actor: requester.actor,
        context: requester,
        ...(p.traceparent === undefined ? {} : { traceparent: p.traceparent }),
        inTransaction: linkTo<{ readonly id: string }>(p.incident, requester, (revocation) => [{ kind: 'revocation', actionId: revocation.id }]),
      });
    };
  return {
    'keys.compromise': async (params, requester) => {
      const p = parse(compromiseParamsSchema, 'keys.compromise', params);
      return rotations.compromise(p.kid, {
        actor: requester.actor,
        reason: p.reason,
        context: requester,
        inTransaction: linkTo<string>(p.incident, requester, (rotationId) => [
          { kind: 'key-compromise', actionId: p.kid },
          { kind: 'rotation', actionId: rotationId },
        ]),
      });
    },
    'rotations.rollback': async (params, requester) => {
      const p = parse(rollbackParamsSchema, 'rotations.rollback', params);
      return rotations.rollback(p.rotationId, {
        actor: requester.actor,
        reason: p.reason,
        context: requester,
        ...(p.newKeyState === undefined ? {} : { newKeyState: p.newKeyState }),
      });
    },
    'revocations.client_id': revoke('revocations.client_id', 'client_id'),
    'revocations.sub': revoke('revocations.sub', 'sub'),
    ...(clients === undefined
      ? {}
      : {
          'clients.disable': async (params, requester) => {
            const p = parse(clientDisableParamsSchema, 'clients.disable', params);
            return clients().disable(p.clientId, p.reason, requester);
          },
        }),
    ...(policy === undefined
      ? {}
      : {
          'policy.update': async (params, requester) => {
            const version = policy.update(parse(policyUpdateParamsSchema, 'policy.update', params).policy, requester);
            // The approval's result names the version the change became.
            return { version: version.version, source: version.source, createdAt: version.createdAt };
          },
        }),
    ...(operators === undefined
      ? {}
      : {
          // Results hold the operator as shown, never an enrolment code: approvals are readable by
          // every viewer. The code is issued afterwards (POST /v1/operators/:username/enrolment).
          'operators.add-security-admin': async (params, requester) => {
            const p = parse(addSecurityAdminParamsSchema, 'operators.add-security-admin', params);
            return { operator: operators().add({ username: p.username, role: 'security-admin' }, requester, { issueCode: false }).operator };
          },
          'operators.raise-role': async (params, requester) => {
            const p = parse(raiseRoleParamsSchema, 'operators.raise-role', params);
            return { operator: operators().setRole(p.username, p.role, requester) };
          },
          'operators.enable': async (params, requester) => ({
            operator: operators().enable(parse(operatorParamsSchema, 'operators.enable', params).username, requester),
          }),
          'operators.reset-second-factor': async (params, requester) => ({
            operator: operators().resetSecondFactor(parse(operatorParamsSchema, 'operators.reset-second-factor', params).username, requester),
          }),
        }),
    // The approved text is sent as it is, and only while the incident still renders to it.
    ...(comms === undefined ? {} : { 'comms.customers': async (params, requester, approver) => comms().sendApproved(params, requester, approver) }),
    ...(killSwitch === undefined
      ? {}
      : {
          'kill-switch.engage': async (params, requester) => {
            const p = parse(killSwitchEngageParamsSchema, 'kill-switch.engage', params);
            return killSwitch.engage(
              {
                scope: p.scope,
                lockdown: p.lockdown,
                ...(p.issuedAtOrBefore === undefined ? {} : { issuedAtOrBefore: p.issuedAtOrBefore }),
                inTransaction: linkTo<number>(p.incident, requester, (seq) => [{ kind: 'kill-switch', actionId: String(seq) }]),
              },
              requester,
            );
          },
          'kill-switch.lift': async (params, requester) => killSwitch.lift(parse(killSwitchLiftParamsSchema, 'kill-switch.lift', params).scope, requester),
        }),
  };
}
