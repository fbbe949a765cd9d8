import { exportSPKI, SignJWT } from 'jose';
import { createTestIssuer, type TestClaims, type TestIssuer } from './test-issuer';

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

/** Decodes a compact JWS's payload (no verification). */
export function decodeTokenPayload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** An `alg: none` token (empty signature) carrying `issuer`'s default claims plus `claims`. */
export function unsignedToken(issuer: TestIssuer, claims: TestClaims = {}, header: TestClaims = {}): string {
  return `${b64url({ alg: 'none', typ: 'at+jwt', ...header })}.${b64url({ ...issuer.defaultClaims(), ...claims })}.`;
}

/** The same token with one byte of its signature changed. */
export function tamperSignature(token: string): string {
  const [header, payload, signature = ''] = token.split('.');
  const first = signature[0] === 'A' ? 'B' : 'A';
  return `${header}.${payload}.${first}${signature.slice(1)}`;
}

/** The token with its payload replaced by `claims` merged over the original, keeping the now-invalid signature. */
export function tamperPayload(token: string, claims: TestClaims): string {
  const [header, payload, signature] = token.split('.');
  const original = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  return `${header}.${b64url({ ...original, ...claims })}.${signature}`;
}

/**
 * The classic algorithm-confusion forgery: an HS256 token whose HMAC secret is the issuer's
 * *public* key (PEM), with the issuer's `kid`. A verifier that lets the token pick the algorithm
 * and feeds the public key to HMAC accepts it.
 */
export async function algorithmConfusionToken(issuer: TestIssuer, claims: TestClaims = {}): Promise<string> {
  const secret = new TextEncoder().encode(await exportSPKI(issuer.publicKey));
  return new SignJWT({ ...issuer.defaultClaims(), ...claims })
    .setProtectedHeader({ alg: 'HS256', kid: issuer.kid, typ: 'at+jwt' })
    .sign(secret);
}

/** A token with `issuer`'s name, `kid` and algorithm, signed by a different key (an impostor's). */
export async function wrongKeyToken(issuer: TestIssuer, claims: TestClaims = {}): Promise<string> {
  const impostor = await createTestIssuer({
    issuer: issuer.issuer,
    alg: issuer.alg as NonNullable<Parameters<typeof createTestIssuer>[0]>['alg'],
    kid: issuer.kid,
  });
  return impostor.sign({ ...issuer.defaultClaims(), ...claims });
}
