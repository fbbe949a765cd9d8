import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';

/**
 * Reads the optional configuration file (`REVMESH_SIDECAR_CONFIG_FILE`): JSON for `.json`, YAML
 * for `.yaml`/`.yml`. Returns the parsed document, unvalidated; throws an `Error` naming the file
 * when it cannot be read or parsed, or is not an object.
 */
export function readConfigFile(path: string, read: (path: string) => string = (p) => readFileSync(p, 'utf8')): Record<string, unknown> {
  const extension = extname(path).toLowerCase();
  if (extension !== '.json' && extension !== '.yaml' && extension !== '.yml') {
    throw new Error(`REVMESH_SIDECAR_CONFIG_FILE=${path}: use a .json, .yaml or .yml file`);
  }
  let text: string;
  try {
    text = read(path);
  } catch (error) {
    throw new Error(`REVMESH_SIDECAR_CONFIG_FILE=${path}: cannot be read (${(error as Error).message})`);
  }
  let document: unknown;
  try {
    document = extension === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new Error(`${path}: is not valid ${extension === '.json' ? 'JSON' : 'YAML'}: ${(error as Error).message}`);
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new Error(`${path}: must hold an object of settings (see the README, "Services in any language")`);
  }
  return document as Record<string, unknown>;
}
