import type { IncidentService } from '../incidents/incident-service';
import type { PolicySource } from '../policy/policy-document';
import type { Approval } from './approval-gate';

/** The incident an approvable action's params name (`incident`), if any. */
function incidentOf(params: unknown): string | undefined {
  if (typeof params !== 'object' || params === null) return undefined;
  const incident = (params as { incident?: unknown }).incident;
  return typeof incident === 'string' ? incident : undefined;
}

/**
 * The policy's `drills.allowSelfApproval`: a request made for an incident of kind `drill` may be
 * approved by its requester (answers `drill`, which the audit entry records); any other request,
 * or any request while the switch is off, may not (undefined). Read at decision time, so turning
 * the switch off stops pending drill requests from being self-approved.
 */
export function drillSelfApproval(policy: PolicySource, incidents: () => Pick<IncidentService, 'get'>): (approval: Approval) => string | undefined {
  return (approval) => {
    if (!policy.current().drills.allowSelfApproval) return undefined;
    const id = incidentOf(approval.params);
    if (id === undefined) return undefined;
    try {
      return incidents().get(id).kind === 'drill' ? 'drill' : undefined;
    } catch {
      // An unknown incident is no drill.
      return undefined;
    }
  };
}
