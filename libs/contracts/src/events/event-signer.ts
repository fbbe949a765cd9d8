import { z } from 'zod';
import { envelopeBaseSchema } from './envelope';

/** An Ed25519 public key that signs events (never tokens). */
export const eventSignerJwkSchema = z
  .object({
    kty: z.literal('OKP'),
    crv: z.literal('Ed25519'),
    x: z.string().min(1).max(100),
    kid: z.string().min(1).max(200),
    alg: z.literal('EdDSA').optional(),
    use: z.literal('sig').optional(),
  })
  .strict();
export type EventSignerJwk = z.infer<typeof eventSignerJwkSchema>;

export const EVENT_SIGNER_ANNOUNCED = 'event-signer.announced' as const;
export const EVENT_SIGNER_WITHDRAWN = 'event-signer.withdrawn' as const;

/**
 * Rotation of the event-signing key itself. `announced` introduces the next signer and is
 * signed by a signer the sidecar already trusts, so trust passes along a chain; `withdrawn`
 * removes an old signer after the overlap (signed by a still-trusted signer other than it).
 * Both travel on the keys topic keyed `event-signer:<kid>`.
 */
export const eventSignerAnnouncedV1Schema = envelopeBaseSchema.extend({
  type: z.literal(EVENT_SIGNER_ANNOUNCED),
  version: z.literal(1),
  payload: z.object({ signer: eventSignerJwkSchema, key_set_version: z.number().int().positive() }),
});
export type EventSignerAnnouncedEvent = z.infer<typeof eventSignerAnnouncedV1Schema>;

export const eventSignerWithdrawnV1Schema = envelopeBaseSchema.extend({
  type: z.literal(EVENT_SIGNER_WITHDRAWN),
  version: z.literal(1),
  payload: z.object({ kid: z.string().min(1).max(200), key_set_version: z.number().int().positive() }),
});
export type EventSignerWithdrawnEvent = z.infer<typeof eventSignerWithdrawnV1Schema>;
