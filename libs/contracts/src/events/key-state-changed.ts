import { z } from 'zod';
import { envelopeBaseSchema } from './envelope';

/**
 * Lifecycle of a token-signing key. The allowed moves live in the authority's transition
 * table; sidecars only need to know what each state means for verification:
 *
 * | state      | signs new tokens | verifies tokens |
 * | ---------- | ---------------- | --------------- |
 * | `pending`  | no               | no: pre-published standby, held by sidecars so a promotion needs no fetch; its tokens are refused (`KEY_NOT_ACTIVE`) |
 * | `active`   | yes              | yes |
 * | `retiring` | no               | yes |
 * | `retired`  | no               | no (removed) |
 * | `revoked`  | no               | no: every token it signed is rejected with `KEY_REVOKED` |
 */
export const KEY_STATES = ['pending', 'active', 'retiring', 'retired', 'revoked'] as const;
export type KeyState = (typeof KEY_STATES)[number];

/** A public JWK as published on the keys topic. Private members are refused by the schema. */
export const publicJwkSchema = z
  .object({
    kty: z.enum(['EC', 'OKP']),
    crv: z.enum(['P-256', 'Ed25519']),
    x: z.string().min(1).max(200),
    y: z.string().min(1).max(200).optional(),
    kid: z.string().min(1).max(200),
    alg: z.enum(['ES256', 'EdDSA']),
    use: z.literal('sig').optional(),
  })
  .strict();
export type PublicJwk = z.infer<typeof publicJwkSchema>;

export const KEY_STATE_CHANGED = 'key.state-changed' as const;

/**
 * The current state of one token-signing key. Published on the compacted keys topic keyed by
 * `kid`, so the latest state per key survives. `key_set_version` increases by one with every key
 * event the authority publishes; a sidecar ignores an event for a kid whose version is not newer
 * than the one it holds (an old signed event replayed into Kafka cannot resurrect a revoked key).
 */
export const keyStateChangedV1Schema = envelopeBaseSchema.extend({
  type: z.literal(KEY_STATE_CHANGED),
  version: z.literal(1),
  payload: z.object({
    kid: z.string().min(1).max(200),
    state: z.enum(KEY_STATES),
    public_jwk: publicJwkSchema,
    key_set_version: z.number().int().positive(),
    changed_at: z.number().int().positive(),
    /** Earliest time the key may be removed: when the longest-lived token it signed has expired. Epoch ms. */
    retire_after: z.number().int().positive().nullable(),
    rotation_id: z.string().min(1).max(100).nullable(),
    reason: z.string().max(1000).nullable(),
  }),
});
export type KeyStateChangedEvent = z.infer<typeof keyStateChangedV1Schema>;
