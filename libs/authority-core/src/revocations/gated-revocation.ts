import type { RevocationTarget } from '@revmesh/contracts';
import type { ApprovableAction } from '../policy/policy-document';
import type { PolicyStore } from '../policy/policy-store';

/**
 * The approvable action a revocation of `type` needs a second security-admin for under the
 * policy in force (`revocations.sub`, `revocations.client_id` when listed in
 * `approvals.requiredFor`), or undefined when it needs none.
 */
export function gatedRevocationAction(policy: Pick<PolicyStore, 'current'>, type: RevocationTarget['type']): ApprovableAction | undefined {
  const action = type === 'sub' ? 'revocations.sub' : type === 'client_id' ? 'revocations.client_id' : undefined;
  return action !== undefined && policy.current().approvals.requiredFor.includes(action) ? action : undefined;
}
