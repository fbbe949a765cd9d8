/**
 * The `sub` of a session's access tokens, from the subject token's issuer and `sub`.
 *
 * - A subject of the authority's own tokens keeps its `sub` as it is.
 * - A subject of an external issuer becomes `<issuer>#<sub>`, e.g.
 *   `https://sso.example.com/realms/acme#6f1c…`: two issuers may use the same `sub` for different
 *   people, and the authority's tokens are one issuer scope for every sidecar, so the issuer must
 *   be part of the value. An issuer URL has no fragment (OpenID Connect Discovery §3), so the
 *   first `#` always separates the two parts. Operators revoke such a user's revmesh sessions
 *   with `revmesh revoke sub '<issuer>#<sub>'`; revoking the external `sub` itself (`--iss
 *   <issuer>`) ends their sessions' refresh tokens too (see the sessions service).
 */
export function sessionSubject(subjectIssuer: string, sub: string, ownIssuer: string): string {
  return subjectIssuer === ownIssuer ? sub : `${subjectIssuer}#${sub}`;
}
