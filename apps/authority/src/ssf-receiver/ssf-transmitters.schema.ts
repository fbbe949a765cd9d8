import { TRANSMITTER_ID_PATTERN } from '@revmesh/authority-core';
import { z } from 'zod';

/** Body of `POST /v1/ssf/transmitters`. Strict: an unknown field is an error. */
export const addTransmitterSchema = z.strictObject({
  id: z.string().regex(TRANSMITTER_ID_PATTERN, 'must be 1..63 lower-case letters, digits, ".", "_" or "-", e.g. keycloak'),
  config_url: z.url({ message: "must be the transmitter's SSF configuration URL, e.g. https://sso.example.com/realms/acme/.well-known/ssf-configuration" }).max(2048),
  client_id: z.string().min(1).max(256),
  client_secret: z.string().min(1).max(4096),
  scope: z.string().min(1).max(1024).optional(),
  token_endpoint: z.url().max(2048).optional(),
  delivery: z.enum(['push', 'poll']).default('push'),
  description: z.string().max(500).optional(),
});
export type AddTransmitterBody = z.infer<typeof addTransmitterSchema>;

/** Body of `POST /v1/ssf/transmitters/:id/status`: what the transmitter should do with the stream's SETs. */
export const streamStatusSchema = z.strictObject({
  status: z.enum(['enabled', 'paused', 'disabled'], { error: 'must be enabled, paused (SETs held) or disabled (SETs dropped)' }),
  reason: z.string().min(1).max(500).optional(),
});
export type StreamStatusBody = z.infer<typeof streamStatusSchema>;
