import { eventSignerJwkSchema, type EventSignerJwk } from '@revmesh/contracts';
import { UnexpectedResponseError } from '../errors';
import { isJsonObject } from '../http/api-types';
import { clean } from '../output/text';

/** Environment variable of the sidecar (and demo-api) the pinned value goes into. */
export const EVENT_SIGNERS_ENV = 'REVMESH_EVENT_SIGNERS';

/** The value to pin: a JWK Set of the event signers, with nothing but their public members. */
export interface PinnedSigners {
  readonly keys: readonly EventSignerJwk[];
}

/**
 * The value a sidecar pins (`eventSigners` / `REVMESH_EVENT_SIGNERS`) from the authority's
 * `/.well-known/revmesh-event-signers.json` answer. Stricter than the sidecar itself: a key that is
 * not an Ed25519 public JWK makes the whole answer suspect, so nothing is printed then.
 *
 * @throws {UnexpectedResponseError} naming `source` and the first bad key.
 */
export function pinnedSignersOf(body: unknown, source: string): PinnedSigners {
  const keys = isJsonObject(body) ? body['keys'] : undefined;
  if (!Array.isArray(keys) || keys.length === 0) {
    throw new UnexpectedResponseError(`${clean(source)} is not a JWK Set of event signers (no non-empty "keys" list); is this a revmesh authority?`);
  }
  return {
    keys: keys.map((jwk: unknown, i) => {
      const parsed = eventSignerJwkSchema.safeParse(jwk);
      if (!parsed.success) {
        throw new UnexpectedResponseError(
          `${clean(source)}: keys[${i}] is not an Ed25519 public JWK (kty "OKP", crv "Ed25519", x, kid, nothing private); nothing to pin`,
        );
      }
      return parsed.data;
    }),
  };
}

/** The pinned value as one line of JSON, e.g. for `export REVMESH_EVENT_SIGNERS='…'`. */
export function pinnedValue(signers: PinnedSigners): string {
  return JSON.stringify(signers);
}
