/** `path` under the issuer URL, without a doubled slash when the issuer ends in one. */
export function issuerUrl(issuer: string, path: string): string {
  return `${issuer.replace(/\/+$/, '')}${path}`;
}
