import { createHash } from 'node:crypto';
import { CompactSign, compactVerify, decodeProtectedHeader } from 'jose';
import { z } from 'zod';
import { canonicalJson } from '../audit/canonical-json';
import { EVENT_JWS_ALG, type EventSignerTrust, type EventSigningKey } from '../signing/signed-event';

/**
 * A signed snapshot of the live deny state, published on the snapshot topic as chunk records
 * (the rule body cut into pieces that fit a Kafka record) followed by ONE manifest record: a
 * compact JWS by the event-signing key over the manifest, which names the SHA-256 of every
 * chunk. Checking the one signature and the chunk hashes authenticates the whole snapshot; a
 * chunk that is missing, cut short or altered fails its hash.
 *
 * `typ` keeps a manifest from ever being taken for an event (`revmesh-event+jws`) or an audit
 * checkpoint, and an event for a manifest.
 */
export const SNAPSHOT_JWS_TYP = 'revmesh-snapshot+jws';

/** Record key of the manifest: compaction keeps the latest one. */
export const SNAPSHOT_MANIFEST_KEY = 'snapshot';

/**
 * Record key of chunk `index` (the snapshot's `seq` is in the value): compaction keeps the latest
 * chunk per index, so superseded snapshots clean themselves up. A reader reads in offset order and
 * keeps chunks by (`seq`, index), so a newer snapshot's chunks never mix with an older one's.
 */
export function snapshotChunkKey(index: number): string {
  return `snapshot:chunk:${index}`;
}

/** Default chunk size, bytes: well under Kafka's default 1 MiB record limit. */
export const DEFAULT_SNAPSHOT_CHUNK_BYTES = 512 * 1024;

const CHUNK_MAGIC = 'RMSC';
const CHUNK_HEADER_BYTES = 24;
const offsetsSchema = z.record(z.string().regex(/^\d+$/), z.string().regex(/^\d+$/));
const sha256Schema = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'must be a base64url SHA-256');

/** What a manifest states. Times are epoch ms; offsets are per partition, decimal strings (the next offset NOT covered). */
export const snapshotManifestSchema = z.strictObject({
  format: z.literal('revmesh-snapshot'),
  version: z.literal(1),
  /** Grows with every snapshot the authority publishes: a reader takes the highest and never goes back. */
  seq: z.number().int().positive(),
  created_at: z.number().int().positive(),
  /**
   * Read just after the topic offsets: every record below `offsets` was created (CreateTime, the
   * authority's clock) at or before this instant, and the records of a topic deleted and recreated
   * after it are newer. Readers use it to notice such a topic (see the sidecar's snapshot tail).
   */
  covered_at: z.number().int().positive(),
  /** The topics the offsets belong to (the prefix is part of the name). */
  topics: z.strictObject({ revocations: z.string().min(1), keys: z.string().min(1) }),
  /**
   * Per partition, the first offset NOT covered: the snapshot holds every live rule published
   * below it (and possibly some published after, which a reader applies again, harmlessly).
   */
  offsets: z.strictObject({ revocations: offsetsSchema, keys: offsetsSchema }),
  /** The highest `key_set_version` the authority had published when the snapshot was taken. */
  key_set_version: z.number().int().nonnegative(),
  /** Rules in the body. */
  rules: z.number().int().nonnegative(),
  /** Bytes of the body (all chunks together). */
  bytes: z.number().int().nonnegative(),
  /** SHA-256 (base64url) of each chunk's data, in order. */
  chunks: z.array(sha256Schema).max(1_000_000),
});
export type SnapshotManifest = z.infer<typeof snapshotManifestSchema>;

/** Why a snapshot was refused. Stable: sidecars count refusals by these values. */
export type SnapshotRefusalReason =
  /** Not a manifest or chunk record at all, or a manifest that breaks its schema. */
  | 'MALFORMED'
  /** Signed by an untrusted key, or the signature does not verify. */
  | 'FORGED'
  /** A chunk is missing, cut short or altered, or the body does not parse. */
  | 'TRUNCATED'
  /** Older than (or the same as) a snapshot the reader already holds or has seen. */
  | 'OLD'
  /** Its offsets do not match the topics as they are now (a topic recreated since, or another prefix). */
  | 'TOPIC_MISMATCH';

export type OpenedSnapshotManifest =
  | { readonly ok: true; readonly manifest: SnapshotManifest; readonly signerKid: string }
  | { readonly ok: false; readonly reason: SnapshotRefusalReason; readonly message: string };

export interface SnapshotRecord {
  readonly key: string;
  readonly value: Buffer;
}

export interface SignSnapshotInput {
  readonly seq: number;
  readonly createdAt: number;
  readonly coveredAt: number;
  readonly topics: SnapshotManifest['topics'];
  readonly offsets: SnapshotManifest['offsets'];
  readonly keySetVersion: number;
  readonly ruleCount: number;
  /** The rule body (`encodeSnapshotRules`). */
  readonly body: Buffer;
  /** Default {@link DEFAULT_SNAPSHOT_CHUNK_BYTES}. */
  readonly chunkBytes?: number;
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('base64url');

/**
 * Cuts a snapshot body into chunk records and signs its manifest. Publish the records in the
 * order returned (chunks, then the manifest), so a reader meets the manifest only after every
 * chunk it names.
 */
export async function signSnapshot(input: SignSnapshotInput, key: EventSigningKey): Promise<{ manifest: SnapshotManifest; records: SnapshotRecord[] }> {
  const chunkBytes = input.chunkBytes ?? DEFAULT_SNAPSHOT_CHUNK_BYTES;
  if (!Number.isInteger(chunkBytes) || chunkBytes < 1024) throw new TypeError('signSnapshot: chunkBytes must be an integer ≥ 1024');
  const count = Math.max(1, Math.ceil(input.body.length / chunkBytes));
  const records: SnapshotRecord[] = [];
  const hashes: string[] = [];
  for (let index = 0; index < count; index++) {
    const data = input.body.subarray(index * chunkBytes, Math.min(input.body.length, (index + 1) * chunkBytes));
    const value = Buffer.allocUnsafe(CHUNK_HEADER_BYTES + data.length);
    value.write(CHUNK_MAGIC, 0, 'ascii');
    value.writeUInt32LE(1, 4);
    value.writeDoubleLE(input.seq, 8);
    value.writeUInt32LE(index, 16);
    value.writeUInt32LE(count, 20);
    data.copy(value, CHUNK_HEADER_BYTES);
    records.push({ key: snapshotChunkKey(index), value });
    hashes.push(sha256(data));
  }
  const manifest = snapshotManifestSchema.parse({
    format: 'revmesh-snapshot',
    version: 1,
    seq: input.seq,
    created_at: input.createdAt,
    covered_at: input.coveredAt,
    topics: input.topics,
    offsets: input.offsets,
    key_set_version: input.keySetVersion,
    rules: input.ruleCount,
    bytes: input.body.length,
    chunks: hashes,
  } satisfies SnapshotManifest);
  const jws = await new CompactSign(Buffer.from(canonicalJson(manifest), 'utf8'))
    .setProtectedHeader({ alg: EVENT_JWS_ALG, typ: SNAPSHOT_JWS_TYP, kid: key.kid })
    .sign(key.privateKey);
  records.push({ key: SNAPSHOT_MANIFEST_KEY, value: Buffer.from(jws, 'ascii') });
  return { manifest, records };
}

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
/** A manifest names one hash per chunk; 1M chunks of hashes is about 45 MB of JWS, the most anyone needs. */
const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;

/** Checks a manifest record's signature against the trusted signers, then its schema. Never throws. */
export async function openSnapshotManifest(value: Buffer | null | undefined, trust: EventSignerTrust): Promise<OpenedSnapshotManifest> {
  if (value === null || value === undefined || value.length === 0) return { ok: false, reason: 'MALFORMED', message: 'manifest has no value' };
  if (value.length > MAX_MANIFEST_BYTES) return { ok: false, reason: 'MALFORMED', message: `manifest is ${value.length} bytes` };
  const text = value.toString('latin1');
  if (!COMPACT_JWS.test(text)) return { ok: false, reason: 'MALFORMED', message: 'manifest is not a compact JWS' };
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(text);
  } catch (error) {
    return { ok: false, reason: 'MALFORMED', message: `unreadable manifest header: ${(error as Error).message}` };
  }
  if (header.alg !== EVENT_JWS_ALG || header.typ !== SNAPSHOT_JWS_TYP || typeof header.kid !== 'string') {
    return { ok: false, reason: 'FORGED', message: `manifest JWS must have alg ${EVENT_JWS_ALG}, typ ${SNAPSHOT_JWS_TYP} and a kid` };
  }
  const key = trust.publicKeyFor(header.kid);
  if (key === undefined) return { ok: false, reason: 'FORGED', message: `manifest signed by untrusted key ${JSON.stringify(header.kid)}` };
  let payload: Uint8Array;
  try {
    ({ payload } = await compactVerify(text, key, { algorithms: [EVENT_JWS_ALG] }));
  } catch {
    return { ok: false, reason: 'FORGED', message: `manifest signature by ${header.kid} does not verify` };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(payload).toString('utf8'));
  } catch (error) {
    return { ok: false, reason: 'MALFORMED', message: `manifest is not JSON: ${(error as Error).message}` };
  }
  const parsed = snapshotManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    return { ok: false, reason: 'MALFORMED', message: `manifest ${first?.path.join('.') ?? ''}: ${first?.message ?? 'invalid'}` };
  }
  return { ok: true, manifest: parsed.data, signerKid: header.kid };
}

/** A chunk record, parsed (its data not yet checked against any manifest). */
export interface SnapshotChunk {
  readonly seq: number;
  readonly index: number;
  readonly count: number;
  readonly data: Buffer;
}

/** Parses a chunk record; undefined when the value is not one. */
export function parseSnapshotChunk(value: Buffer | null | undefined): SnapshotChunk | undefined {
  if (value === null || value === undefined || value.length < CHUNK_HEADER_BYTES) return undefined;
  if (value.toString('ascii', 0, 4) !== CHUNK_MAGIC || value.readUInt32LE(4) !== 1) return undefined;
  const seq = value.readDoubleLE(8);
  const index = value.readUInt32LE(16);
  const count = value.readUInt32LE(20);
  if (!Number.isSafeInteger(seq) || seq < 1 || index >= count) return undefined;
  return { seq, index, count, data: value.subarray(CHUNK_HEADER_BYTES) };
}

export type AssembledSnapshot = { readonly ok: true; readonly body: Buffer } | { readonly ok: false; readonly reason: 'TRUNCATED'; readonly message: string };

/** Puts a snapshot's body back together from its chunks, checking every hash and the total size. */
export function assembleSnapshot(manifest: SnapshotManifest, chunks: ReadonlyMap<number, Buffer>): AssembledSnapshot {
  const parts: Buffer[] = [];
  for (const [index, expected] of manifest.chunks.entries()) {
    const data = chunks.get(index);
    if (data === undefined) return { ok: false, reason: 'TRUNCATED', message: `snapshot ${manifest.seq}: chunk ${index} of ${manifest.chunks.length} is missing` };
    if (sha256(data) !== expected) return { ok: false, reason: 'TRUNCATED', message: `snapshot ${manifest.seq}: chunk ${index} does not match its hash` };
    parts.push(data);
  }
  const body = Buffer.concat(parts);
  if (body.length !== manifest.bytes) return { ok: false, reason: 'TRUNCATED', message: `snapshot ${manifest.seq}: ${body.length} bytes, manifest says ${manifest.bytes}` };
  return { ok: true, body };
}
