import { closeSync, fstatSync, openSync, readSync, realpathSync } from 'node:fs';
import { dirname, extname, isAbsolute, relative, resolve, sep } from 'node:path';

/**
 * Message templates kept as files beside the policy: a policy repository holds `policy.yaml`
 * and one Markdown file per audience, and the policy names them,
 * `comms.templates.customers: { file: comms/customers.md }`. Every reader of a policy file (the
 * authority at start, `revmesh policy apply`) inlines them with {@link resolvePolicyTemplateFiles}
 * before validation, so a stored policy version holds the text itself: self-contained, audited
 * and diffable like the rest of the policy.
 */

/** Longest message template, characters (inline or from a file). */
export const MAX_COMMS_TEMPLATE_LENGTH = 20_000;

/** A template read from a file: which policy field it fills, and from where. */
export interface PolicyTemplateFile {
  /** The policy field, e.g. `comms.templates.customers`. */
  readonly field: string;
  /** The path as the policy gives it, relative to the policy file's folder, e.g. `comms/customers.md`. */
  readonly file: string;
  /** The file's text, as inlined. */
  readonly text: string;
}

/** A template file reference that cannot be used; nothing was inlined. */
export class PolicyTemplateFileError extends Error {
  override readonly name = 'PolicyTemplateFileError';
  readonly code = 'POLICY_TEMPLATE_FILE' as const;
  constructor(
    /** The policy field holding the reference, e.g. `comms.templates.customers`. */
    readonly field: string,
    /** What is wrong, naming the file. */
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

/** The policy document with every template file inlined, and the files read (empty when none). */
export interface ResolvedPolicyTemplates {
  readonly document: unknown;
  readonly files: readonly PolicyTemplateFile[];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `comms/customers.md` relative to `folder`, checked and read; throws naming `field` and the file. */
function readTemplateFile(field: string, reference: unknown, folder: string): PolicyTemplateFile {
  if (!isObject(reference) || typeof reference['file'] !== 'string' || Object.keys(reference).length !== 1) {
    throw new PolicyTemplateFileError(field, 'must be the template text or { file: <path of a .md file beside the policy> }');
  }
  const file = reference['file'];
  const fail = (reason: string): never => {
    throw new PolicyTemplateFileError(field, `${JSON.stringify(file)} ${reason}`);
  };
  if (file.trim() === '') fail('is empty: name a .md file relative to the policy file');
  // Windows drive or UNC forms are absolute too, wherever this runs.
  if (isAbsolute(file) || /^[a-zA-Z]:[\\/]|^[\\/]/.test(file)) fail('is absolute: give a path relative to the policy file');
  const path = resolve(folder, file);
  const inside = relative(folder, path);
  if (inside === '' || inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) fail('is outside the policy folder');
  if (extname(file).toLowerCase() !== '.md') fail('is not a Markdown file: template files end in .md');

  let fd: number;
  try {
    // A symbolic link must not lead out of the policy folder either.
    const real = realpathSync(path);
    const realInside = relative(realpathSync(folder), real);
    if (realInside.startsWith(`..${sep}`) || realInside === '..' || isAbsolute(realInside)) fail('leads outside the policy folder (a symbolic link)');
    fd = openSync(real, 'r');
  } catch (error) {
    if (error instanceof PolicyTemplateFileError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? fail(`does not exist (looked for ${path})`) : fail(`cannot be read (${path}): ${(error as Error).message}`);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) fail('is not a regular file');
    // UTF-8 takes at most 4 bytes per UTF-16 unit: a longer file cannot fit, whatever it says.
    if (stat.size > MAX_COMMS_TEMPLATE_LENGTH * 4) fail(`is too long (${stat.size} bytes): a template is at most ${MAX_COMMS_TEMPLATE_LENGTH} characters`);
    const bytes = Buffer.alloc(stat.size);
    let read = 0;
    while (read < bytes.length) {
      const n = readSync(fd, bytes, read, bytes.length - read, read);
      if (n === 0) break;
      read += n;
    }
    const text = bytes.subarray(0, read).toString('utf8');
    if (text.length > MAX_COMMS_TEMPLATE_LENGTH) fail(`is too long (${text.length} characters): a template is at most ${MAX_COMMS_TEMPLATE_LENGTH}`);
    return { field, file, text };
  } finally {
    closeSync(fd);
  }
}

/**
 * Inlines the template files a policy document names (`comms.templates.<audience>: { file: … }`),
 * each resolved relative to the folder of the policy file at `policyPath`. The input is not
 * changed; anything else in the document is left for the policy's validation.
 *
 * @throws {PolicyTemplateFileError} naming the field and the file when a reference is not an
 *   object `{ file }`, is absolute or leaves the policy folder (`..`, a symbolic link), does not
 *   end in `.md`, does not exist or cannot be read, or holds more than
 *   {@link MAX_COMMS_TEMPLATE_LENGTH} characters.
 */
export function resolvePolicyTemplateFiles(document: unknown, policyPath: string): ResolvedPolicyTemplates {
  if (!isObject(document) || !isObject(document['comms']) || !isObject(document['comms']['templates'])) return { document, files: [] };
  const comms = document['comms'];
  const templates = comms['templates'] as Record<string, unknown>;
  const folder = dirname(resolve(policyPath));
  const files: PolicyTemplateFile[] = [];
  const inlined: Record<string, unknown> = {};
  for (const [audience, value] of Object.entries(templates)) {
    if (typeof value === 'string' || !isObject(value)) {
      inlined[audience] = value;
      continue;
    }
    const read = readTemplateFile(`comms.templates.${audience}`, value, folder);
    files.push(read);
    inlined[audience] = read.text;
  }
  if (files.length === 0) return { document, files };
  return { document: { ...document, comms: { ...comms, templates: inlined } }, files };
}

/**
 * The policy's field errors with each one about a template read from a file naming that file
 * (`from comms/customers.md: names the unknown placeholder {{whatTodo}}; …`), so the operator
 * knows which file to edit.
 */
export function nameTemplateFiles<E extends { readonly field: string; readonly message: string }>(errors: readonly E[], files: readonly PolicyTemplateFile[]): E[] {
  return errors.map((error) => {
    const from = files.find((f) => f.field === error.field);
    return from === undefined ? error : { ...error, message: `from ${from.file}: ${error.message}` };
  });
}
