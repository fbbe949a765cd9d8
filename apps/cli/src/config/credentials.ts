import { closeSync, fstatSync, openSync, readFileSync, unlinkSync } from 'node:fs';
import { parseStoredCredential, type StoredCredential } from '../auth/credential';
import { CredentialsInsecureError, CredentialsInvalidError } from '../errors';
import { PRIVATE_FILE_MODE, writeFileAtomic } from './private-files';

/** Layout version of credentials.json, bumped if the layout ever changes incompatibly. */
const FILE_VERSION = 1;

/** credentials.json: `{ "version": 1, "profiles": { "<name>": <credential> } }`. */
interface CredentialsFile {
  readonly version: typeof FILE_VERSION;
  readonly profiles: Readonly<Record<string, StoredCredential>>;
}

/** Reads, writes and forgets the credential of each profile. */
export interface CredentialStore {
  readonly path: string;
  /**
   * The profile's credential, or undefined when there is none.
   * @throws {CredentialsInsecureError} when the file is readable by group/others or owned by someone else.
   * @throws {CredentialsInvalidError} when the file cannot be parsed.
   */
  read(profile: string): StoredCredential | undefined;
  /** Stores (replaces) the profile's credential, keeping the other profiles'. */
  save(profile: string, credential: StoredCredential): void;
  /** Forgets the profile's credential; false if there was none. Deletes the file when it empties. */
  remove(profile: string): boolean;
}

export interface CredentialStoreOptions {
  /** Default `process.platform`; on Windows, POSIX modes mean nothing and are not checked. */
  readonly platform?: NodeJS.Platform;
  /** Default `process.getuid()`; the file must belong to this user. */
  readonly uid?: number;
}

function octal(mode: number): string {
  return (mode & 0o777).toString(8).padStart(4, '0');
}

/** Creates the store for `path` (normally `<config dir>/credentials.json`). */
export function createCredentialStore(path: string, options: CredentialStoreOptions = {}): CredentialStore {
  const platform = options.platform ?? process.platform;
  const uid = options.uid ?? process.getuid?.();

  /** Reads the file; `checkPrivate` is false only when about to overwrite it with a private copy. */
  function load(checkPrivate: boolean): CredentialsFile | undefined {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new CredentialsInvalidError(`cannot open ${path}: ${(error as Error).message}`, { cause: error });
    }
    let text: string;
    try {
      // fstat on the opened descriptor: the file checked is the file read.
      const stat = fstatSync(fd);
      if (checkPrivate && platform !== 'win32') {
        if ((stat.mode & 0o077) !== 0) {
          throw new CredentialsInsecureError(
            path,
            `${path} has mode ${octal(stat.mode)}: group or others can read or change it, so it is not used`,
            `make it private with: chmod 600 ${path} (and log in again if others may have read it)`,
          );
        }
        if (uid !== undefined && stat.uid !== uid) {
          throw new CredentialsInsecureError(
            path,
            `${path} belongs to user id ${stat.uid}, not to you (${uid}), so it is not used`,
            `remove it and log in again: rm ${path}`,
          );
        }
      }
      text = readFileSync(fd, 'utf8');
    } finally {
      closeSync(fd);
    }
    return parseFile(text);
  }

  function parseFile(text: string): CredentialsFile {
    const broken = (why: string) =>
      new CredentialsInvalidError(`${path}: ${why}; remove it (rm ${path}) and log in again`);
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      throw broken('not valid JSON');
    }
    if (typeof raw !== 'object' || raw === null) throw broken('not a JSON object');
    const { version, profiles } = raw as Record<string, unknown>;
    if (version !== FILE_VERSION) throw broken(`unknown layout version ${JSON.stringify(version)}`);
    if (typeof profiles !== 'object' || profiles === null || Array.isArray(profiles)) throw broken('"profiles" is not an object');
    const parsed: Record<string, StoredCredential> = {};
    for (const [name, value] of Object.entries(profiles)) {
      const entry = parseStoredCredential(value);
      if (entry.kind === 'invalid') throw broken(`profile "${name}": ${entry.why}`);
      // An obsolete kind (the old admin key) is dropped: that profile reads as "not logged in".
      if (entry.kind === 'credential') parsed[name] = entry.credential;
    }
    return { version: FILE_VERSION, profiles: parsed };
  }

  /** File-system failures (EACCES, ENOSPC, read-only home) as a credentials error naming the file, not a crash. */
  function guarded<T>(action: string, work: () => T): T {
    try {
      return work();
    } catch (error) {
      if (error instanceof CredentialsInvalidError || error instanceof CredentialsInsecureError) throw error;
      throw new CredentialsInvalidError(`cannot ${action} ${path}: ${(error as Error).message}`, { cause: error });
    }
  }

  function write(profiles: Readonly<Record<string, StoredCredential>>): void {
    const file: CredentialsFile = { version: FILE_VERSION, profiles };
    guarded('write', () => writeFileAtomic(path, `${JSON.stringify(file, null, 2)}\n`, PRIVATE_FILE_MODE));
  }

  return {
    path,
    read(profile) {
      return load(true)?.profiles[profile];
    },
    save(profile, credential) {
      write({ ...load(false)?.profiles, [profile]: credential });
    },
    remove(profile) {
      const current = load(false);
      if (current?.profiles[profile] === undefined) return false;
      const { [profile]: _removed, ...rest } = current.profiles;
      if (Object.keys(rest).length === 0) guarded('delete', () => unlinkSync(path));
      else write(rest);
      return true;
    },
  };
}
