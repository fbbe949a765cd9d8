/**
 * Injection tokens for the authority-core services and the config. Symbols, not classes:
 * authority-core is framework-free and exposes interfaces, which have no runtime identity.
 */
export const AUTHORITY_CONFIG = Symbol('AUTHORITY_CONFIG');
export const CLIENT_REGISTRY = Symbol('CLIENT_REGISTRY');
export const TOKEN_ISSUER = Symbol('TOKEN_ISSUER');
export const REVOCATION_SERVICE = Symbol('REVOCATION_SERVICE');
export const SIGNING_KEYS = Symbol('SIGNING_KEYS');
export const OUTBOX = Symbol('OUTBOX');
export const OUTBOX_RELAY = Symbol('OUTBOX_RELAY');
/** The whole authority core, for the key-management routes that span several of its services. */
export const AUTHORITY_CORE = Symbol('AUTHORITY_CORE');
/** The acks-topic consumer (its state shows in /healthz). */
export const ACKS_CONSUMER = Symbol('ACKS_CONSUMER');
/** Which topics sidecars read are missing or lost on the broker right now (readiness). */
export const TOPIC_HEALTH = Symbol('TOPIC_HEALTH');
/** The signed-snapshot publisher (a handle: there is none without a broker to inspect). */
export const SNAPSHOTS = Symbol('SNAPSHOTS');
