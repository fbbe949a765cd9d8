import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors';

/** One profile in config.json. Every field is optional; flags and env vars override each. */
export interface ProfileSettings {
  /** Authority base URL, e.g. `https://authority.example.com`. */
  readonly authority?: string;
  /** Per-request timeout, milliseconds. */
  readonly timeout_ms?: number;
  /** Operator name `login` uses when neither `--username` nor `REVMESH_USERNAME` gives one. */
  readonly username?: string;
}

/** The content of config.json. */
export interface ConfigFile {
  readonly profiles: Readonly<Record<string, ProfileSettings>>;
}

const PROFILE_KEYS: ReadonlySet<string> = new Set(['authority', 'timeout_ms', 'username']);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Validates one profile, naming the offending field; unknown keys are refused so typos do not silently do nothing. */
function parseProfile(path: string, name: string, raw: unknown): ProfileSettings {
  const where = `${path}: profiles.${name}`;
  if (!isObject(raw)) throw new ConfigError(`${where} must be an object`);
  for (const key of Object.keys(raw)) {
    if (!PROFILE_KEYS.has(key)) throw new ConfigError(`${where}.${key} is not a known setting (known: ${[...PROFILE_KEYS].join(', ')})`);
  }
  const { authority, timeout_ms: timeoutMs, username } = raw;
  if (username !== undefined && (typeof username !== 'string' || username.trim() === '')) {
    throw new ConfigError(`${where}.username must be a non-empty string`);
  }
  if (authority !== undefined && typeof authority !== 'string') throw new ConfigError(`${where}.authority must be a URL string`);
  if (timeoutMs !== undefined && !(typeof timeoutMs === 'number' && Number.isInteger(timeoutMs) && timeoutMs > 0)) {
    throw new ConfigError(`${where}.timeout_ms must be a positive whole number of milliseconds`);
  }
  return {
    ...(authority === undefined ? {} : { authority }),
    ...(timeoutMs === undefined ? {} : { timeout_ms: timeoutMs }),
    ...(username === undefined ? {} : { username: username as string }),
  };
}

/**
 * Reads config.json. A missing file is an empty configuration; an unreadable or invalid one is
 * a {@link ConfigError} that names the file and the field.
 */
export function readConfigFile(path: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { profiles: {} };
    throw new ConfigError(`cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${path} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  if (!isObject(raw)) throw new ConfigError(`${path} must hold a JSON object like {"profiles": {"default": {"authority": "https://…"}}}`);
  const profilesRaw = raw['profiles'] ?? {};
  if (!isObject(profilesRaw)) throw new ConfigError(`${path}: "profiles" must be an object keyed by profile name`);
  const profiles: Record<string, ProfileSettings> = {};
  for (const [name, value] of Object.entries(profilesRaw)) profiles[name] = parseProfile(path, name, value);
  return { profiles };
}
