import { createPublicKey } from 'node:crypto';
import { z } from 'zod';
import { eventSignerJwkSchema, type EventSignerJwk } from '@revmesh/contracts';

/**
 * A JWK Set of event signers, `{ keys: [...] }`: what the authority serves at
 * `/.well-known/revmesh-event-signers.json` and `revmesh event-signers pin` prints.
 */
export interface EventSignerJwkSet {
  readonly keys: readonly EventSignerJwk[];
}

/** The `eventSigners` option: an array of public JWKs, or a JWK Set of them. */
export type EventSignersOption = readonly EventSignerJwk[] | EventSignerJwkSet;

/** JWK members that only a private (or symmetric) key has. */
export const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth', 'priv'];

const SHAPE = 'an array of public Ed25519 JWKs, or a JWK Set { "keys": [...] } as served at /.well-known/revmesh-event-signers.json';
const JWK_SHAPE = '(an event signer is an Ed25519 public JWK: kty "OKP", crv "Ed25519", x, kid)';

/** Where the list of JWKs is in the input: the input itself, or its `keys` member. */
function signerList(input: unknown): { readonly list: unknown; readonly path: readonly (string | number)[] } {
  if (typeof input === 'object' && input !== null && !Array.isArray(input) && 'keys' in input) {
    return { list: (input as { keys: unknown }).keys, path: ['keys'] };
  }
  return { list: input, path: [] };
}

/**
 * Validates the trust anchors and returns them as a fresh array of public JWKs (a caller mutating
 * its input later must not change whom the sidecar trusts). Checked member by member so that a
 * private key gets its own loud message: the generic "unrecognized key" of a strict schema would
 * not say why it matters.
 */
export const eventSignersSchema = z.unknown().transform((input, ctx): EventSignerJwk[] => {
  if (input === undefined) {
    ctx.addIssue({
      code: 'custom',
      message:
        "is required: the public JWK(s) of the authority's event-signing key, e.g. JSON.parse(process.env.REVMESH_EVENT_SIGNERS) with the value `revmesh event-signers pin` prints (every event is checked against them)",
    });
    return z.NEVER;
  }
  const { list, path } = signerList(input);
  if (!Array.isArray(list)) {
    ctx.addIssue({ code: 'custom', path: [...path], message: `must be ${SHAPE}` });
    return z.NEVER;
  }
  if (list.length === 0) {
    ctx.addIssue({ code: 'custom', path: [...path], message: 'must list at least one trusted event signer' });
    return z.NEVER;
  }
  const signers: EventSignerJwk[] = [];
  const kids = new Set<string>();
  list.forEach((jwk: unknown, i) => {
    const at = [...path, i];
    if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) {
      ctx.addIssue({ code: 'custom', path: at, message: 'must be a JWK object { kty: "OKP", crv: "Ed25519", x, kid }' });
      return;
    }
    const secret = PRIVATE_JWK_MEMBERS.find((m) => (jwk as Record<string, unknown>)[m] !== undefined);
    if (secret) {
      ctx.addIssue({
        code: 'custom',
        path: at,
        message: `REFUSED: contains private key material ("${secret}"). The event-signing private key must never leave the authority; pass only the public JWK (kty, crv, x, kid)`,
      });
      return;
    }
    const parsed = eventSignerJwkSchema.safeParse(jwk);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const message = issue.code === 'unrecognized_keys' ? `unexpected member(s) ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}` : issue.message;
        ctx.addIssue({ code: 'custom', path: [...at, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))], message: `${message} ${JWK_SHAPE}` });
      }
      return;
    }
    try {
      createPublicKey({ key: { ...parsed.data }, format: 'jwk' });
    } catch {
      ctx.addIssue({ code: 'custom', path: [...at, 'x'], message: 'is not a valid Ed25519 public key' });
      return;
    }
    if (kids.has(parsed.data.kid)) ctx.addIssue({ code: 'custom', path: [...at, 'kid'], message: `duplicate kid ${JSON.stringify(parsed.data.kid)}` });
    kids.add(parsed.data.kid);
    signers.push(parsed.data);
  });
  return signers;
});
