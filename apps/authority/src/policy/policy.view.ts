import type { PolicyChange, PolicyDocument, PolicyVersion, PolicyVersionChanges, PolicyVersionSource } from '@revmesh/authority-core';

/** Who made a version: an operator (id = username) or the system (defaults, the policy file). */
export interface PolicyActorView {
  readonly kind: PolicyVersion['actor']['kind'];
  readonly id: string;
}

/** `GET /v1/policy` and `PUT /v1/policy`: the policy in force with every default filled in. Times are ISO-8601. */
export interface PolicyView {
  readonly version: number;
  readonly policy: PolicyDocument;
  readonly updatedAt: string;
  readonly updatedBy: PolicyActorView;
  readonly source: PolicyVersionSource;
}

/** One entry of `GET /v1/policy/changelog`. */
export interface PolicyChangelogEntryView {
  readonly version: number;
  readonly at: string;
  readonly actor: PolicyActorView;
  readonly justification: string | null;
  readonly source: PolicyVersionSource;
  /** Each changed field with its old and new value (`null` = absent, i.e. the default). */
  readonly changes: readonly PolicyChange[];
}

const iso = (ms: number): string => new Date(ms).toISOString();

export function policyView(v: PolicyVersion): PolicyView {
  return { version: v.version, policy: v.document, updatedAt: iso(v.createdAt), updatedBy: v.actor, source: v.source };
}

export function policyChangelogEntryView(v: PolicyVersionChanges): PolicyChangelogEntryView {
  return { version: v.version, at: iso(v.createdAt), actor: v.actor, justification: v.justification, source: v.source, changes: v.changes };
}
