import type { StoredCredential } from './auth/credential';
import { authorizationHeader } from './auth/credential';
import type { AuthorityUrl } from './config/authority-url';
import { parseAuthorityUrl } from './config/authority-url';
import { createCredentialStore, type CredentialStore } from './config/credentials';
import { configPaths, type ConfigPaths } from './config/paths';
import { readConfigFile } from './config/profiles';
import { ENV, resolveSettings, type GlobalFlags, type Settings } from './config/settings';
import { CredentialAuthorityMismatchError, NotLoggedInError, SessionExpiredError, UsageError } from './errors';
import { createAuthorityApi, type AuthorityApi } from './http/authority-api';
import { createAuthorityClient, type AuthorityClient } from './http/authority-client';
import type { CliIo } from './io/cli-io';
import { Output, type RunState } from './output/output';

/** Everything a command needs, resolved lazily so `login` works without a stored credential. */
export interface CommandContext {
  readonly io: CliIo;
  readonly output: Output;
  readonly paths: ConfigPaths;
  /** Profile, authority and timeout after precedence (flag > env > profile file). */
  settings(): Settings;
  /**
   * The authority URL: from settings, else the one the profile's credential was stored for.
   * @throws {UsageError} when nothing names one.
   */
  authority(): AuthorityUrl;
  credentials(): CredentialStore;
  /** A client of {@link authority} sending `authorization` (or nothing); `timeoutMs` overrides the settings' for a slow request. */
  client(authorization?: string, timeoutMs?: number): AuthorityClient;
  /** A client of `authority` (not the configured one: `--url`, or where a credential came from). */
  clientAt(authority: AuthorityUrl, authorization?: string, timeoutMs?: number): AuthorityClient;
  /**
   * The profile's credential, checked: stored, for this authority, not expired.
   * @throws {NotLoggedInError} / {CredentialAuthorityMismatchError} / {SessionExpiredError} / credentials file errors.
   */
  credential(): StoredCredential;
  /** The API, authenticated with the profile's credential (see {@link credential} for the failures). */
  api(): AuthorityApi;
  /** The API, authenticated with `credential` (a renewed session); `timeoutMs` as for {@link client}. */
  apiFor(credential: StoredCredential, timeoutMs?: number): AuthorityApi;
}

/** Builds the context of one command run from the parsed global flags. */
export function createContext(io: CliIo, flags: GlobalFlags, state: RunState): CommandContext {
  state.json = flags.json === true;
  const output = new Output(io.stdout, io.stderr, state);
  const paths = configPaths(io);
  let settings: Settings | undefined;
  let store: CredentialStore | undefined;
  let warnedInsecure = false;

  const context: CommandContext = {
    io,
    output,
    paths,
    settings: () => (settings ??= resolveSettings(flags, io.env, () => readConfigFile(paths.configFile), paths.configFile)),
    credentials: () => (store ??= createCredentialStore(paths.credentialsFile)),
    authority() {
      const resolved = context.settings();
      if (resolved.authority !== undefined) return resolved.authority.url;
      const stored = context.credentials().read(resolved.profile);
      if (stored !== undefined) return parseAuthorityUrl(stored.authority, `${paths.credentialsFile} (profile "${resolved.profile}")`);
      throw new UsageError(
        `no authority URL for profile "${resolved.profile}": pass --authority <url>, set ${ENV.authority}, or add "authority" to the profile in ${paths.configFile}`,
      );
    },
    client: (authorization, timeoutMs) => context.clientAt(context.authority(), authorization, timeoutMs),
    clientAt(authority, authorization, timeoutMs) {
      if (authorization !== undefined && authority.insecure && !warnedInsecure) {
        warnedInsecure = true;
        output.warn(`${authority.display} is plain http to another host: the credential crosses the network unencrypted; use https`);
      }
      return createAuthorityClient({
        authority,
        fetch: io.fetch,
        timeoutMs: timeoutMs ?? context.settings().timeoutMs,
        ...(authorization === undefined ? {} : { authorization }),
      });
    },
    credential() {
      const { profile } = context.settings();
      const authority = context.authority();
      const credential: StoredCredential | undefined = context.credentials().read(profile);
      if (credential === undefined) throw new NotLoggedInError(profile);
      if (parseAuthorityUrl(credential.authority, paths.credentialsFile).display !== authority.display) {
        throw new CredentialAuthorityMismatchError(profile, credential.authority, authority.display);
      }
      const expiresAt = Date.parse(credential.expires_at);
      // Checked here so an ended session is explained without a round trip that would only say 401.
      if (Number.isFinite(expiresAt) && expiresAt <= io.now()) throw new SessionExpiredError(profile, credential.expires_at);
      return credential;
    },
    api: () => context.apiFor(context.credential()),
    apiFor: (credential, timeoutMs) => createAuthorityApi(context.client(authorizationHeader(credential), timeoutMs)),
  };
  return context;
}
