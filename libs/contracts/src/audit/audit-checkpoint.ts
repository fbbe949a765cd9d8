import { CompactSign, compactVerify, decodeProtectedHeader } from 'jose';
import { z } from 'zod';
import { EVENT_JWS_ALG, type EventSignerTrust, type EventSigningKey } from '../signing/signed-event';
import { canonicalJson } from './canonical-json';

/** `typ` of a checkpoint's JWS: never confusable with an event (`revmesh-event+jws`). */
export const AUDIT_CHECKPOINT_JWS_TYP = 'revmesh-audit-checkpoint+jws';

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** What a checkpoint states: every entry up to `upToSeq` was purged, and the last one hashed to `lastHash`. */
export const auditCheckpointBodySchema = z.strictObject({
  /** Seq of the last purged entry; the first remaining entry has `upToSeq + 1`. */
  upToSeq: z.number().int().nonnegative(),
  /** Hash of entry `upToSeq`: the `prevHash` the first remaining entry must carry. */
  lastHash: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits (SHA-256)'),
  /** When the purge ran, epoch ms. */
  at: z.number().int().nonnegative(),
  /** How many entries that purge removed. */
  count: z.number().int().nonnegative(),
});
export type AuditCheckpointBody = z.infer<typeof auditCheckpointBodySchema>;

/**
 * A retention checkpoint, as exported (first line, `"type":"checkpoint"`). `signature` is a
 * compact JWS by the authority's event signer over the canonical JSON of the other four fields,
 * so the purged prefix of the chain is vouched for by a key, not only by the data that follows.
 */
export const auditCheckpointSchema = auditCheckpointBodySchema.extend({
  signature: z.string().regex(COMPACT_JWS, 'must be a compact JWS'),
});
export type AuditCheckpoint = z.infer<typeof auditCheckpointSchema>;

function bodyOf(checkpoint: AuditCheckpointBody): AuditCheckpointBody {
  return { upToSeq: checkpoint.upToSeq, lastHash: checkpoint.lastHash, at: checkpoint.at, count: checkpoint.count };
}

/** Signs a checkpoint with an event-signing key (EdDSA). */
export async function signAuditCheckpoint(body: AuditCheckpointBody, key: EventSigningKey): Promise<AuditCheckpoint> {
  const checked = auditCheckpointBodySchema.parse(bodyOf(body));
  const signature = await new CompactSign(Buffer.from(canonicalJson(checked), 'utf8'))
    .setProtectedHeader({ alg: EVENT_JWS_ALG, typ: AUDIT_CHECKPOINT_JWS_TYP, kid: key.kid })
    .sign(key.privateKey);
  return { ...checked, signature };
}

/**
 * Whether the signature's payload states exactly the checkpoint's fields (no key needed): a
 * checkpoint edited after signing fails here. Whether the signature is genuine needs the key:
 * {@link verifyAuditCheckpointSignature}.
 */
export function auditCheckpointMatchesSignature(checkpoint: AuditCheckpoint): boolean {
  const payload = checkpoint.signature.split('.')[1];
  if (payload === undefined) return false;
  return Buffer.from(payload, 'base64url').toString('utf8') === canonicalJson(bodyOf(checkpoint));
}

export type CheckpointSignatureResult =
  | { readonly ok: true; readonly signerKid: string }
  | { readonly ok: false; readonly detail: string };

/** Checks a checkpoint's signature against trusted event signers, and that it signs these fields. Never throws. */
export async function verifyAuditCheckpointSignature(
  checkpoint: AuditCheckpoint,
  trust: EventSignerTrust,
): Promise<CheckpointSignatureResult> {
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(checkpoint.signature);
  } catch (error) {
    return { ok: false, detail: `unreadable checkpoint signature: ${(error as Error).message}` };
  }
  if (header.alg !== EVENT_JWS_ALG || header.typ !== AUDIT_CHECKPOINT_JWS_TYP || typeof header.kid !== 'string') {
    return { ok: false, detail: `checkpoint signature must have alg ${EVENT_JWS_ALG}, typ ${AUDIT_CHECKPOINT_JWS_TYP} and a kid` };
  }
  const key = trust.publicKeyFor(header.kid);
  if (key === undefined) return { ok: false, detail: `checkpoint signed by unknown key ${JSON.stringify(header.kid)}` };
  try {
    await compactVerify(checkpoint.signature, key, { algorithms: [EVENT_JWS_ALG] });
  } catch {
    return { ok: false, detail: `checkpoint signature by ${header.kid} does not verify` };
  }
  if (!auditCheckpointMatchesSignature(checkpoint)) return { ok: false, detail: 'checkpoint fields differ from what was signed' };
  return { ok: true, signerKid: header.kid };
}
