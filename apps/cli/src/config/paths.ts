import { join } from 'node:path';
import type { CliIo } from '../io/cli-io';

/** Profiles: `{ "profiles": { "<name>": { "authority": "https://…", "timeout_ms": 10000 } } }`. */
export const CONFIG_FILE = 'config.json';
/** Stored credentials, one per profile; mode 0600 in a 0700 directory. */
export const CREDENTIALS_FILE = 'credentials.json';

/** The files the CLI keeps between runs. */
export interface ConfigPaths {
  readonly dir: string;
  readonly configFile: string;
  readonly credentialsFile: string;
}

/**
 * Chooses the config directory: `REVMESH_CONFIG_DIR`, else `$XDG_CONFIG_HOME/revmesh`, else
 * `~/.config/revmesh`. Tests inject `io.configDir`, which wins over all of them.
 */
export function configPaths(io: Pick<CliIo, 'env' | 'homeDir' | 'configDir'>): ConfigPaths {
  const xdg = io.env['XDG_CONFIG_HOME'];
  const dir =
    io.configDir ??
    (io.env['REVMESH_CONFIG_DIR'] || (xdg ? join(xdg, 'revmesh') : join(io.homeDir, '.config', 'revmesh')));
  return { dir, configFile: join(dir, CONFIG_FILE), credentialsFile: join(dir, CREDENTIALS_FILE) };
}
