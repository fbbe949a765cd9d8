import { DEFAULT_POLICY, type PolicyDocument } from '../policy/policy-document';
import { IncidentNotFoundError } from '../errors/errors';
import type { Approval } from './approval-gate';
import { drillSelfApproval } from './drill-self-approval';

const approval = (params: unknown) => ({ id: 'a1', action: 'keys.compromise', params }) as unknown as Approval;
const policyWith = (allowSelfApproval: boolean) => ({ current: (): PolicyDocument => ({ ...DEFAULT_POLICY, drills: { ...DEFAULT_POLICY.drills, allowSelfApproval } }) });
const incidents = () => ({
  get: (id: string) => {
    if (id === 'gone') throw new IncidentNotFoundError(id);
    return { kind: id.startsWith('drill') ? ('drill' as const) : ('incident' as const) } as never;
  },
});

describe('drillSelfApproval', () => {
  it('allows the requester to approve a request made for a drill incident when the policy says so', () => {
    expect(drillSelfApproval(policyWith(true), incidents)(approval({ kid: 'k', incident: 'drill-1' }))).toBe('drill');
  });

  it('refuses for a real incident, an unknown one, no incident, or with the switch off (the default)', () => {
    const allowed = drillSelfApproval(policyWith(true), incidents);
    expect(allowed(approval({ kid: 'k', incident: 'inc-1' }))).toBeUndefined();
    expect(allowed(approval({ kid: 'k', incident: 'gone' }))).toBeUndefined();
    expect(allowed(approval({ kid: 'k' }))).toBeUndefined();
    expect(DEFAULT_POLICY.drills.allowSelfApproval).toBe(false);
    expect(drillSelfApproval(policyWith(false), incidents)(approval({ kid: 'k', incident: 'drill-1' }))).toBeUndefined();
  });
});
