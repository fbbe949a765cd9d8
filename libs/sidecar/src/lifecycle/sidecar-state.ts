/**
 * The sidecar's lifecycle as an explicit transition table (as kafkajs does for transactions):
 * every state change goes through {@link assertTransition}, so an impossible sequence is a loud
 * bug instead of a silent half-state.
 *
 * ```
 * created ──start()──► starting ──readers started──► catching-up ──both caughtUp──► ready
 *                         │  └──────────caughtUp (during start)────────────────────►  │
 *                         └─► failed ◄── a reader stopped before catching up          │
 * any state ──close()──► closed ◄─────────────────────────────────────────────────────┘
 * ```
 * "caughtUp" means both the keys topic and the revocation topic.
 */
export type SidecarState = 'created' | 'starting' | 'catching-up' | 'ready' | 'failed' | 'closed';

const TRANSITIONS: Readonly<Record<SidecarState, readonly SidecarState[]>> = {
  created: ['starting', 'closed'],
  starting: ['catching-up', 'ready', 'failed', 'closed'],
  'catching-up': ['ready', 'failed', 'closed'],
  ready: ['closed'],
  failed: ['closed'],
  closed: [],
};

export function canTransition(from: SidecarState, to: SidecarState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Throws if `from → to` is not in the table; the message names both states. */
export function assertTransition(from: SidecarState, to: SidecarState): void {
  if (!canTransition(from, to)) {
    throw new Error(`revmesh sidecar: illegal state transition ${from} -> ${to} (allowed from ${from}: ${TRANSITIONS[from].join(', ') || 'none'})`);
  }
}
