import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { UsageError } from '../errors';
import { isJsonObject } from '../http/api-types';

/** A policy file larger than this is not a policy. */
const MAX_POLICY_BYTES = 1024 * 1024;

/**
 * Reads a policy document from a YAML or JSON file (`.json` is parsed as JSON, anything else
 * as YAML, of which JSON is a subset). The output of `revmesh policy show --json`
 * (`{version, policy, …}`) is accepted too: its `policy` member is the document. Validation is
 * the authority's: it names each invalid field (422 POLICY_INVALID).
 *
 * @throws {UsageError} naming the file when it cannot be read or parsed.
 */
export function readPolicyFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  if (Buffer.byteLength(text) > MAX_POLICY_BYTES) throw new UsageError(`${path} is larger than ${MAX_POLICY_BYTES} bytes: not a policy file`);
  let document: unknown;
  try {
    document = extname(path).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    const format = extname(path).toLowerCase() === '.json' ? 'JSON' : 'YAML';
    throw new UsageError(`${path} is not valid ${format}: ${(error as Error).message.split('\n')[0]}`, { cause: error });
  }
  if (document === null || document === undefined) document = {};
  if (!isJsonObject(document)) {
    throw new UsageError(`${path} must hold a mapping (the policy document), not ${Array.isArray(document) ? 'a list' : typeof document}`);
  }
  if (isJsonObject(document['policy']) && 'version' in document) return document['policy'];
  return document;
}
