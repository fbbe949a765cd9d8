import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { nameTemplateFiles, PolicyTemplateFileError, resolvePolicyTemplateFiles, type PolicyTemplateFile } from '@revmesh/contracts';
import { parseDocument } from 'yaml';
import { PolicyInvalidError } from '../errors/errors';
import type { PolicyDocument } from './policy-document';
import { validatePolicy, type PolicyLimits } from './policy-validation';

/** A policy file, read and validated. */
export interface LoadedPolicyFile {
  /** The path as given (shown in errors and logs). */
  readonly path: string;
  readonly document: PolicyDocument;
  /**
   * Hex SHA-256 of the file's bytes, and of each template file it names (their paths and texts)
   * when it names any: a new version is stored only when it changes.
   */
  readonly sha256: string;
}

type PolicyFormat = 'yaml' | 'json';

function formatOf(path: string): PolicyFormat | undefined {
  const ext = extname(path).toLowerCase();
  return ext === '.yaml' || ext === '.yml' ? 'yaml' : ext === '.json' ? 'json' : undefined;
}

/**
 * Parses a policy text. YAML is read as YAML 1.2 (so `no` is a string, not false) with
 * duplicate keys refused; an empty YAML file means "all defaults".
 *
 * @throws {PolicyInvalidError} naming `source` and the line of a syntax error.
 */
export function parsePolicyText(text: string, format: PolicyFormat, source: string): unknown {
  if (format === 'json') {
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new PolicyInvalidError(source, [{ field: '(syntax)', message: `is not valid JSON: ${(error as Error).message}` }]);
    }
  }
  const document = parseDocument(text, { version: '1.2', uniqueKeys: true, prettyErrors: true });
  const [first] = document.errors;
  if (first !== undefined) {
    // prettyErrors: the first line already says "... at line 2, column 1:".
    const summary = (first.message.split('\n')[0] ?? '').replace(/:$/, '');
    throw new PolicyInvalidError(source, [{ field: '(syntax)', message: `is not valid YAML: ${summary}` }]);
  }
  return document.toJS({ maxAliasCount: 100 }) ?? {};
}

/**
 * Reads and validates a policy file: YAML (`.yaml`, `.yml`) or JSON (`.json`) by extension.
 * Message templates given as files (`comms.templates.customers: { file: comms/customers.md }`,
 * relative to the policy file) are inlined first, so the document holds their text.
 * Errors name the file by its base name and the field, e.g.
 * `policy.yaml: approvals.windowSeconds: must be at least 60`, and a template file's errors name
 * that file too.
 *
 * @throws {PolicyInvalidError} when the file or a template file cannot be read, parsed or validated.
 */
export function loadPolicyFile(path: string, limits: PolicyLimits): LoadedPolicyFile {
  const source = basename(path);
  const format = formatOf(path);
  if (format === undefined) {
    throw new PolicyInvalidError(source, [{ field: '(file)', message: 'must end in .yaml, .yml or .json' }]);
  }
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new PolicyInvalidError(source, [{ field: '(file)', message: `cannot be read (${path}): ${(error as Error).message}` }]);
  }
  let resolved: { document: unknown; files: readonly PolicyTemplateFile[] };
  try {
    resolved = resolvePolicyTemplateFiles(parsePolicyText(bytes.toString('utf8'), format, source), path);
  } catch (error) {
    if (error instanceof PolicyTemplateFileError) throw new PolicyInvalidError(source, [{ field: error.field, message: error.reason }]);
    throw error;
  }
  let document: PolicyDocument;
  try {
    document = validatePolicy(resolved.document, limits, source);
  } catch (error) {
    if (error instanceof PolicyInvalidError && resolved.files.length > 0) throw new PolicyInvalidError(error.source, nameTemplateFiles(error.errors, resolved.files));
    throw error;
  }
  return { path, document, sha256: hashOf(bytes, resolved.files) };
}

/** The policy file's bytes, then each template file's path and text (length-prefixed, so no two inputs collide). */
function hashOf(bytes: Buffer, files: readonly PolicyTemplateFile[]): string {
  const hash = createHash('sha256').update(bytes);
  for (const { file, text } of files) {
    for (const part of [file, text]) hash.update(`\n${Buffer.byteLength(part)}:`).update(part);
  }
  return hash.digest('hex');
}
