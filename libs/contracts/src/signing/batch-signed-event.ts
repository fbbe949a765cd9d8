import { createHash, verify as verifySignature } from 'node:crypto';
import { CompactSign, decodeProtectedHeader } from 'jose';
import type { CryptoKey, KeyObject } from 'jose' with { 'resolution-mode': 'import' };
import { decodeEvent, encodeEvent } from '../events/codec';
import type { RevmeshEvent } from '../events/event';
import { EVENT_JWS_ALG, signEvent, type EventSignerTrust, type EventSigningKey, type OpenedEvent } from './signed-event';
import { asNodeKeyObject, COMPACT_JWS } from './node-key-object';

/**
 * Batch signing: when the authority publishes many events at once (a batch of revocations, the
 * live state republished after a topic loss or a signer rotation), ONE Ed25519 signature covers
 * them all. The signed payload is the root of a Merkle tree (RFC 9162 §2.1: leaf
 * `SHA-256(0x00 ‖ event bytes)`, node `SHA-256(0x01 ‖ left ‖ right)`) over the events' exact
 * bytes, and each event's record carries the batch's JWS, its own bytes, its index and its
 * inclusion proof:
 *
 * ```text
 * <JWS: typ revmesh-event-batch+jws, payload {"root":"<b64url>","size":n}> ~ <b64url event> ~ <index> ~ <proof hashes, b64url, '.'-separated>
 * ```
 *
 * A reader checks the signature once per batch (the JWS is the same string in every record; its
 * verification is remembered) and one proof per record (a few hashes). Everything after the
 * signature stays per event: schema, replay (`REPLAY` by event id) and stale-key checks. A record
 * whose event was altered, or swapped with another batch's, fails its proof against the signed
 * root: `SIGNATURE_INVALID`.
 */
export const EVENT_BATCH_JWS_TYP = 'revmesh-event-batch+jws';
/** Separates the parts of a batch-signed record (never in a compact JWS). */
export const EVENT_BATCH_SEPARATOR = '~';
/** Most events one batch signature covers. */
export const MAX_EVENT_BATCH = 100_000;

const LEAF = Buffer.from([0]);
const NODE = Buffer.from([1]);
const sha256 = (...parts: Buffer[]): Buffer => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
};
const leafHash = (bytes: Buffer): Buffer => sha256(LEAF, bytes);
const nodeHash = (left: Buffer, right: Buffer): Buffer => sha256(NODE, left, right);

/** The largest power of two below `n` (n ≥ 2). */
const split = (n: number): number => 2 ** Math.floor(Math.log2(n - 1));

/** Root of the tree over `leaves[from, to)`, with every leaf's audit path appended to `paths`. */
function build(leaves: readonly Buffer[], from: number, to: number, paths: Buffer[][]): Buffer {
  if (to - from === 1) return leaves[from]!;
  const k = split(to - from);
  const left = build(leaves, from, from + k, paths);
  const right = build(leaves, from + k, to, paths);
  for (let i = from; i < from + k; i++) paths[i]!.push(right);
  for (let i = from + k; i < to; i++) paths[i]!.push(left);
  return nodeHash(left, right);
}

/** The root `proof` leads to from `leaf` at `index` of a tree of `size` leaves (RFC 9162 §2.1.3.2), or undefined when the proof cannot fit. */
function rootFromProof(leaf: Buffer, index: number, size: number, proof: readonly Buffer[]): Buffer | undefined {
  if (index >= size) return undefined;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return undefined;
    if ((fn & 1) === 1 || fn === sn) {
      r = nodeHash(p, r);
      if ((fn & 1) === 0) {
        while ((fn & 1) === 0 && fn !== 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn === 0 ? r : undefined;
}

/**
 * Signs events as one batch; returns one record value per event, in order. A single event gets a
 * plain signed event (`signEvent`), which every reader already understands.
 */
export async function signEventBatch(events: readonly RevmeshEvent[], key: EventSigningKey): Promise<Buffer[]> {
  if (events.length <= 1) return Promise.all(events.map((event) => signEvent(event, key)));
  if (events.length > MAX_EVENT_BATCH) throw new TypeError(`signEventBatch: at most ${MAX_EVENT_BATCH} events per batch, got ${events.length}`);
  const bytes = events.map((event) => encodeEvent(event));
  const paths: Buffer[][] = bytes.map(() => []);
  const root = build(bytes.map(leafHash), 0, bytes.length, paths);
  const jws = await new CompactSign(Buffer.from(JSON.stringify({ root: root.toString('base64url'), size: bytes.length }), 'utf8'))
    .setProtectedHeader({ alg: EVENT_JWS_ALG, typ: EVENT_BATCH_JWS_TYP, kid: key.kid })
    .sign(key.privateKey);
  return bytes.map((event, i) =>
    Buffer.from([jws, event.toString('base64url'), String(i), paths[i]!.map((hash) => hash.toString('base64url')).join('.')].join(EVENT_BATCH_SEPARATOR), 'ascii'),
  );
}

const B64URL = /^[A-Za-z0-9_-]*$/;
const SHA256_B64URL = /^[A-Za-z0-9_-]{43}$/;


/** A batch signature already checked: its root and size, and the key it verified against. */
interface VerifiedBatch {
  readonly root: Buffer;
  readonly size: number;
  readonly key: CryptoKey | KeyObject;
}
/** Batch signatures checked recently, by JWS string (oldest forgotten first): the check runs once per batch. */
const verifiedBatches = new Map<string, VerifiedBatch>();
const VERIFIED_BATCHES_LIMIT = 256;

type Refusal = Extract<OpenedEvent, { ok: false }>;
const refuse = (reason: Refusal['reason'], message: string, signerKid?: string): Refusal => ({ ok: false, reason, message, ...(signerKid === undefined ? {} : { signerKid }) });

/** The batch's signature, checked once and then remembered while the same key is trusted for its kid. */
function verifiedBatch(jws: string, trust: EventSignerTrust): { batch: VerifiedBatch; kid: string } | Refusal {
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(jws);
  } catch (error) {
    return refuse('MALFORMED_JWS', `unreadable batch JWS header: ${(error as Error).message}`);
  }
  if (header.alg !== EVENT_JWS_ALG || header.typ !== EVENT_BATCH_JWS_TYP) {
    return refuse('SIGNATURE_INVALID', `batch JWS must have alg ${EVENT_JWS_ALG} and typ ${EVENT_BATCH_JWS_TYP}, got alg ${String(header.alg)} typ ${String(header.typ)}`);
  }
  const kid = typeof header.kid === 'string' ? header.kid : undefined;
  const key = kid === undefined ? undefined : trust.publicKeyFor(kid);
  if (kid === undefined || key === undefined) return refuse('UNKNOWN_SIGNER', `event batch signed by untrusted key ${JSON.stringify(kid)}`, kid);
  const known = verifiedBatches.get(jws);
  // Remembered only for the very key it verified against: a signer replaced or withdrawn since is checked again.
  if (known !== undefined && known.key === key) return { batch: known, kid };
  if (header.crit !== undefined || header.b64 !== undefined) return refuse('SIGNATURE_INVALID', `event batch from ${kid}: critical or b64 header parameters are not accepted`, kid);
  const payloadEnd = jws.lastIndexOf('.');
  let verified: boolean;
  try {
    const publicKey = asNodeKeyObject(key);
    verified =
      publicKey.asymmetricKeyType === 'ed25519' &&
      verifySignature(null, Buffer.from(jws.slice(0, payloadEnd), 'latin1'), publicKey, Buffer.from(jws.slice(payloadEnd + 1), 'base64url'));
  } catch {
    verified = false;
  }
  if (!verified) return refuse('SIGNATURE_INVALID', `event batch from ${kid}: signature does not verify`, kid);
  let claims: { root?: unknown; size?: unknown };
  try {
    claims = JSON.parse(Buffer.from(jws.slice(jws.indexOf('.') + 1, payloadEnd), 'base64url').toString('utf8')) as typeof claims;
  } catch {
    return refuse('SIGNATURE_INVALID', `event batch from ${kid}: unreadable payload`, kid);
  }
  const { root, size } = claims;
  if (typeof root !== 'string' || !SHA256_B64URL.test(root) || typeof size !== 'number' || !Number.isInteger(size) || size < 2 || size > MAX_EVENT_BATCH) {
    return refuse('SIGNATURE_INVALID', `event batch from ${kid}: payload must be {root, size}`, kid);
  }
  const batch: VerifiedBatch = { root: Buffer.from(root, 'base64url'), size, key };
  if (verifiedBatches.size >= VERIFIED_BATCHES_LIMIT) verifiedBatches.delete(verifiedBatches.keys().next().value!);
  verifiedBatches.set(jws, batch);
  return { batch, kid };
}

/**
 * Opens one record of a signed batch (the text of a record containing {@link EVENT_BATCH_SEPARATOR}):
 * the batch signature (once per batch), this event's inclusion proof against the signed root,
 * then the event itself. Never throws.
 */
export function openBatchSignedEventText(text: string, trust: EventSignerTrust): OpenedEvent {
  const parts = text.split(EVENT_BATCH_SEPARATOR);
  if (parts.length !== 4) return refuse('MALFORMED_JWS', 'batch-signed event must have 4 parts');
  const [jws, event, indexText, proofText] = parts as [string, string, string, string];
  if (!COMPACT_JWS.test(jws) || !B64URL.test(event) || !/^(0|[1-9]\d{0,5})$/.test(indexText) || !/^([A-Za-z0-9_-]{43}(\.[A-Za-z0-9_-]{43})*)?$/.test(proofText)) {
    return refuse('MALFORMED_JWS', 'batch-signed event is malformed');
  }
  const checked = verifiedBatch(jws, trust);
  if ('ok' in checked) return checked;
  const { batch, kid } = checked;
  const bytes = Buffer.from(event, 'base64url');
  const proof = proofText === '' ? [] : proofText.split('.').map((hash) => Buffer.from(hash, 'base64url'));
  const root = rootFromProof(leafHash(bytes), Number(indexText), batch.size, proof);
  if (root === undefined || !root.equals(batch.root)) return refuse('SIGNATURE_INVALID', `event from ${kid}: not a member of the signed batch (inclusion proof fails)`, kid);
  const decoded = decodeEvent(bytes);
  if (!decoded.ok) return { ...decoded, signerKid: kid };
  return { ok: true, event: decoded.event, signerKid: kid };
}
