import type { Actor } from '@revmesh/contracts';
import type { Role } from '../operators/roles';

/**
 * Who asks for an action, in what role, why, and from where: what the audit log records with
 * every entry. The HTTP layer builds it from the authenticated operator and the request; the
 * scheduler and startup code use {@link systemAuditContext}.
 */
export interface AuditContext {
  readonly actor: Actor;
  /** The operator's role at the time; null for the system. */
  readonly role: Role | null;
  /** The operator's written justification; null only for the system's own actions. */
  readonly justification: string | null;
  /** The request id (X-Request-Id echoed, or generated); null outside HTTP. */
  readonly requestId: string | null;
  /** The client address of the request; null outside HTTP. */
  readonly sourceAddress: string | null;
}

/** How an audited action ended. `requested` = stored as pending a second person's approval. */
export type AuditOutcome = 'succeeded' | 'denied' | 'failed' | 'requested';

/** The context of what the authority does on its own (scheduler, startup, retention job). */
export function systemAuditContext(id: string, justification: string | null = null): AuditContext {
  return { actor: { kind: 'system', id }, role: null, justification, requestId: null, sourceAddress: null };
}

/**
 * The context of a call that came without one (an older caller, a script): the actor and its
 * stated reason, nothing else known.
 */
export function actorAuditContext(actor: Actor, justification: string | null): AuditContext {
  return { actor: { kind: actor.kind, id: actor.id }, role: null, justification, requestId: null, sourceAddress: null };
}
