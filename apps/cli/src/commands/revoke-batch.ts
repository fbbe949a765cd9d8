import { readFileSync } from 'node:fs';
import type { CommandContext } from '../context';
import { ApiProblemError, UnexpectedResponseError, UsageError } from '../errors';
import { isJsonObject } from '../http/api-types';
import type { InputStream } from '../io/cli-io';
import { listFormat, parseRevocationList, type ListedTarget, type RevocationListFormat } from '../io/revocation-list';
import { clean } from '../output/text';
import { performWrite, type WriteOptions } from '../write/write-kit';

/** Targets per `POST /v1/revocations:batch` (the authority's limit). */
export const MAX_TARGETS_PER_BATCH = 10_000;

/**
 * How long one batch request may take at least, ms: signing and storing 10,000 revocations takes
 * seconds on a busy authority, far more than the default per-request timeout, and a batch given
 * up on too early may still be stored (its ids then never printed). `--timeout` can raise it.
 */
export const MIN_BATCH_TIMEOUT_MS = 120_000;

/** A list file larger than this is the wrong file. */
const MAX_LIST_BYTES = 64 * 1024 * 1024;

interface FromFileOptions extends WriteOptions {
  readonly reason: string;
  /** Default issuer of lines that name none. */
  readonly iss?: string;
  readonly format?: RevocationListFormat;
  /** The incident every batch is linked to. */
  readonly incident?: string;
}

async function readStdin(stdin: InputStream): Promise<string> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of stdin) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    bytes += buffer.length;
    if (bytes > MAX_LIST_BYTES) throw new UsageError(`stdin holds more than ${MAX_LIST_BYTES} bytes: split the list`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function readList(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  if (Buffer.byteLength(text) > MAX_LIST_BYTES) throw new UsageError(`${path} is larger than ${MAX_LIST_BYTES} bytes: split the list`);
  return text;
}

/** The revocations of an accepted batch answer: `[id, target, value]` each. */
function acceptedOf(body: unknown, url: string): { batchId: string; revocations: [string, string, string][] } {
  if (!isJsonObject(body) || typeof body['batch_id'] !== 'string' || !Array.isArray(body['revocations'])) {
    throw new UnexpectedResponseError(`${url} did not answer with a revocation batch`);
  }
  const revocations = body['revocations'].map((r): [string, string, string] => {
    if (!isJsonObject(r) || typeof r['id'] !== 'string') throw new UnexpectedResponseError(`${url} answered a batch revocation without an id`);
    return [r['id'], String(r['target']), String(r['value'])];
  });
  return { batchId: body['batch_id'], revocations };
}

/** `targets[12].iss` → the line of the 12th target of the chunk. */
function lineNotes(error: ApiProblemError, chunk: readonly ListedTarget[], source: string): string[] {
  return (error.problem.errors ?? []).flatMap((e) => {
    const match = /^targets\[(\d+)\]/.exec(e.field);
    const listed = match === null ? undefined : chunk[Number(match[1])];
    return listed === undefined ? [] : [`${source} line ${listed.line}: ${clean(e.field)} ${clean(e.message)}`];
  });
}

/**
 * `revmesh revoke --from-file <file|->`: reads and checks the whole list first (nothing is sent
 * when a line is wrong), then sends it in batches of {@link MAX_TARGETS_PER_BATCH}. Each batch is
 * stored whole or not at all; prints `<id> <target> <value>` per accepted revocation as each batch
 * is accepted. When a batch is refused, the lines at fault are named, and the note says which
 * batches were stored before it and which lines were not.
 */
export async function revokeFromFile(context: CommandContext, options: FromFileOptions, path: string): Promise<void> {
  const source = path === '-' ? 'stdin' : path;
  const text = path === '-' ? await readStdin(context.io.stdin) : readList(path);
  const targets = parseRevocationList(text, options.format ?? listFormat(path === '-' ? '' : path, text), source);
  const chunks: ListedTarget[][] = [];
  for (let i = 0; i < targets.length; i += MAX_TARGETS_PER_BATCH) chunks.push(targets.slice(i, i + MAX_TARGETS_PER_BATCH));

  // The same context, except that batch requests wait longer than the per-request default.
  const timeoutMs = Math.max(context.settings().timeoutMs, MIN_BATCH_TIMEOUT_MS);
  const patient: CommandContext = { ...context, apiFor: (credential) => context.apiFor(credential, timeoutMs) };
  const accepted: { batch_id: string; revocations: unknown }[] = [];
  let stored = 0;
  for (const [n, chunk] of chunks.entries()) {
    let written;
    try {
      written = await performWrite(patient, options, (api, justification) =>
        api.createRevocationBatch(
          {
            targets: chunk.map((t) => {
              const iss = t.iss ?? options.iss;
              return { target: t.target, value: t.value, ...(iss === undefined ? {} : { iss }) };
            }),
            reason: options.reason,
            ...(options.incident === undefined ? {} : { incident: options.incident }),
          },
          justification,
        ),
      );
    } catch (error) {
      const first = chunk[0]!.line;
      const last = chunk[chunk.length - 1]!.line;
      const notes = error instanceof ApiProblemError ? lineNotes(error, chunk, source) : [];
      for (const note of notes) context.output.note(note);
      context.output.note(
        stored === 0
          ? 'Nothing was revoked.'
          : `${stored} revocation(s) of the first ${n} batch(es) were stored (${accepted.map((b) => b.batch_id).join(', ')}); batch ${n + 1} (lines ${first}-${last}) and any after it were not.`,
      );
      throw error;
    }
    if (written.kind !== 'done') throw new UnexpectedResponseError('the authority answered a revocation batch with an approval, which batches never wait for');
    const batch = acceptedOf(written.body, written.url);
    stored += batch.revocations.length;
    accepted.push({ batch_id: batch.batchId, revocations: (written.body as Record<string, unknown>)['revocations'] });
    if (!context.output.json) {
      context.io.stdout.write(batch.revocations.map(([id, target, value]) => `${id}\t${target}\t${clean(value)}\n`).join(''));
    }
  }
  if (context.output.json) context.output.result({ count: stored, batches: accepted }, () => '');
  context.output.note(`${stored} revocation(s) stored in ${accepted.length} batch(es); follow one with: revmesh revocation status <id>`);
}
