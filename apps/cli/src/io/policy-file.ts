import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { PolicyTemplateFileError, resolvePolicyTemplateFiles, type PolicyTemplateFile } from '@revmesh/contracts';
import { parse as parseYaml } from 'yaml';
import { UsageError } from '../errors';
import { isJsonObject } from '../http/api-types';

/** A policy file larger than this is not a policy. */
const MAX_POLICY_BYTES = 1024 * 1024;

/** A policy document as read, with its template files inlined. */
export interface PolicyFileRead {
  readonly document: unknown;
  /** The message templates read from files the policy names (relative to it); empty when none. */
  readonly templateFiles: readonly PolicyTemplateFile[];
}

/**
 * Reads a policy document from a YAML or JSON file (`.json` is parsed as JSON, anything else
 * as YAML, of which JSON is a subset). The output of `revmesh policy show --json`
 * (`{version, policy, …}`) is accepted too: its `policy` member is the document. Validation is
 * the authority's: it names each invalid field (422 POLICY_INVALID). Message templates given as
 * files (`comms.templates.customers: { file: comms/customers.md }`, relative to the policy file)
 * are inlined, so the version the authority stores holds their text.
 *
 * @throws {UsageError} naming the file when it or a template file cannot be read or parsed.
 */
export function readPolicyFile(path: string): PolicyFileRead {
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
  const policy = isJsonObject(document['policy']) && 'version' in document ? document['policy'] : document;
  try {
    const { document: inlined, files } = resolvePolicyTemplateFiles(policy, path);
    return { document: inlined, templateFiles: files };
  } catch (error) {
    if (error instanceof PolicyTemplateFileError) throw new UsageError(`${path}: ${error.message}`, { cause: error });
    throw error;
  }
}
