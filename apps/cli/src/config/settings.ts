import { ConfigError } from '../errors';
import { parseAuthorityUrl, type AuthorityUrl } from './authority-url';
import type { ConfigFile } from './profiles';

/** Per-request timeout when neither flag, env nor profile sets one, ms. */
export const DEFAULT_TIMEOUT_MS = 10_000;
/** Profile used when neither `--profile` nor `REVMESH_PROFILE` names one. */
export const DEFAULT_PROFILE = 'default';

/** The global options as commander parsed them. */
export interface GlobalFlags {
  readonly authority?: string;
  readonly profile?: string;
  readonly json?: boolean;
  /** Milliseconds, already validated by the option parser. */
  readonly timeout?: number;
}

/** Environment variables the CLI reads, by setting. */
export const ENV = {
  authority: 'REVMESH_AUTHORITY_URL',
  profile: 'REVMESH_PROFILE',
  timeout: 'REVMESH_TIMEOUT_MS',
  configDir: 'REVMESH_CONFIG_DIR',
} as const;

/** Settings after precedence: flag > environment > profile file > default. */
export interface Settings {
  readonly profile: string;
  /** Undefined when nothing sets it; commands that talk to the authority then fail with a fix. */
  readonly authority: { readonly url: AuthorityUrl; readonly source: string } | undefined;
  readonly timeoutMs: number;
}

const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

function positiveInt(value: string, source: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n <= 0) {
    throw new ConfigError(`${source} must be a positive whole number of milliseconds, got "${value}"`);
  }
  return n;
}

/**
 * Applies the precedence rules. The profile file is only read through `readConfig`, so a broken
 * config.json does not get in the way of a command whose flags already say everything.
 */
export function resolveSettings(
  flags: GlobalFlags,
  env: Readonly<Record<string, string | undefined>>,
  readConfig: () => ConfigFile,
  configFile: string,
): Settings {
  const profile = flags.profile ?? (env[ENV.profile] || undefined) ?? DEFAULT_PROFILE;
  if (!PROFILE_NAME.test(profile)) {
    throw new ConfigError(`profile name "${profile}" must be 1..64 letters, digits, '.', '_' or '-'`);
  }
  const envAuthority = env[ENV.authority] || undefined;
  const envTimeout = env[ENV.timeout] || undefined;
  const needFile = (flags.authority === undefined && envAuthority === undefined) || (flags.timeout === undefined && envTimeout === undefined);
  const fromFile = needFile ? readConfig().profiles[profile] : undefined;

  let authority: Settings['authority'];
  if (flags.authority !== undefined) authority = { url: parseAuthorityUrl(flags.authority, '--authority'), source: '--authority' };
  else if (envAuthority !== undefined) authority = { url: parseAuthorityUrl(envAuthority, ENV.authority), source: ENV.authority };
  else if (fromFile?.authority !== undefined) {
    const source = `${configFile} (profile "${profile}")`;
    authority = { url: parseAuthorityUrl(fromFile.authority, source), source };
  }

  const timeoutMs =
    flags.timeout ?? (envTimeout === undefined ? undefined : positiveInt(envTimeout, ENV.timeout)) ?? fromFile?.timeout_ms ?? DEFAULT_TIMEOUT_MS;
  return { profile, authority, timeoutMs };
}
