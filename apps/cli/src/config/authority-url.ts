import { ConfigError } from '../errors';

/** A validated authority base URL. */
export interface AuthorityUrl {
  /** As shown to people and stored: no trailing slash. */
  readonly display: string;
  /** Base for `new URL(relative, base)`: always ends with `/`, so a path prefix is kept. */
  readonly base: URL;
  /** True for plain http to a host other than this machine (credentials would cross the network in clear). */
  readonly insecure: boolean;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Parses an authority URL from a flag, env var or profile. Refuses what would leak or confuse:
 * another scheme, user info (a password in the URL would be sent and logged), query or fragment.
 *
 * @param source - where the value came from, named in the error ("--authority", "REVMESH_AUTHORITY_URL", …).
 * @throws {ConfigError} naming the source and the fix.
 */
export function parseAuthorityUrl(value: string, source: string): AuthorityUrl {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${source}: "${value}" is not a URL (expected e.g. https://authority.example.com)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`${source}: the authority URL must start with https:// or http://, got ${url.protocol}//`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new ConfigError(`${source}: remove the user name and password from the authority URL; log in with revmesh login`);
  }
  if (url.search !== '' || url.hash !== '') {
    throw new ConfigError(`${source}: the authority URL must not have a query or fragment`);
  }
  const display = url.href.replace(/\/+$/, '');
  const base = new URL(`${display}/`);
  const insecure = url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname) && !url.hostname.startsWith('127.');
  return { display, base, insecure };
}
