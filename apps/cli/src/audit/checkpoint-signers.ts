import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { verifyAuditCheckpointSignature, type AuditCheckpoint, type EventSignerTrust } from '@revmesh/contracts';
import { UsageError } from '../errors';
import { isJsonObject } from '../http/api-types';

/** Where the authority publishes the event signers it uses now (public, no credential). */
export const EVENT_SIGNERS_PATH = '.well-known/revmesh-event-signers.json';

/** What checking a checkpoint's signature came to. */
export type CheckpointSignatureCheck =
  | { readonly kind: 'verified'; readonly kid: string }
  /** Signed by a key not in the set (a signer withdrawn since, or a forgery): cannot be told apart here. */
  | { readonly kind: 'unknown-signer'; readonly kid: string | null }
  | { readonly kind: 'invalid'; readonly detail: string };

/**
 * The trust of a JWK Set of event signers (`{keys: [{kty: 'OKP', crv: 'Ed25519', x, kid}]}`),
 * as the authority publishes it. Keys that are not Ed25519 public keys are skipped.
 *
 * @throws {UsageError} naming `source` when it is not a JWK Set.
 */
export function signerTrustOf(body: unknown, source: string): EventSignerTrust & { readonly kids: readonly string[] } {
  if (!isJsonObject(body) || !Array.isArray(body['keys'])) throw new UsageError(`${source} is not a JWK Set (no "keys" list)`);
  const keys = new Map<string, KeyObject>();
  for (const jwk of body['keys']) {
    if (!isJsonObject(jwk) || jwk['kty'] !== 'OKP' || jwk['crv'] !== 'Ed25519' || typeof jwk['x'] !== 'string' || typeof jwk['kid'] !== 'string') continue;
    try {
      keys.set(jwk['kid'], createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk['x'] }, format: 'jwk' }));
    } catch {
      // Not a usable key: it vouches for nothing.
    }
  }
  return { publicKeyFor: (kid) => keys.get(kid), kids: [...keys.keys()] };
}

/** Reads a JWK Set of event signers from a file (`--signers`). */
export function readSignerFile(path: string): EventSignerTrust & { readonly kids: readonly string[] } {
  let body: unknown;
  try {
    body = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read the event signers in ${path}: ${(error as Error).message}`, { cause: error });
  }
  return signerTrustOf(body, path);
}

/** The `kid` in a compact JWS's protected header, if readable. */
function kidOf(jws: string): string | null {
  try {
    const header = JSON.parse(Buffer.from(jws.split('.')[0] ?? '', 'base64url').toString('utf8')) as unknown;
    return isJsonObject(header) && typeof header['kid'] === 'string' ? header['kid'] : null;
  } catch {
    return null;
  }
}

/** Checks that a retention checkpoint was signed by one of `trust`'s event signers. */
export async function checkCheckpointSignature(checkpoint: AuditCheckpoint, trust: EventSignerTrust): Promise<CheckpointSignatureCheck> {
  const kid = kidOf(checkpoint.signature);
  if (kid === null || trust.publicKeyFor(kid) === undefined) return { kind: 'unknown-signer', kid };
  const result = await verifyAuditCheckpointSignature(checkpoint, trust);
  return result.ok ? { kind: 'verified', kid: result.signerKid } : { kind: 'invalid', detail: result.detail };
}
