import { z } from 'zod';

/**
 * What sidecars report back to the authority on the acks topic (keyed by instance id). Reports
 * are not signed (sidecars hold no signing key); the authority validates them and treats them
 * as claims about coverage, never as commands.
 */
export const SIDECAR_HEARTBEAT = 'sidecar.heartbeat' as const;
export const SIDECAR_ACK = 'sidecar.ack' as const;

const reportBase = z.object({
  instance_id: z.string().min(1).max(200),
  /** Epoch ms at the sidecar. */
  sent_at: z.number().int().positive(),
  /** Highest key-set version the sidecar holds (0 before it holds any key). */
  key_set_version: z.number().int().nonnegative(),
});

/** Sent on start and every heartbeat interval; an instance silent for 3 intervals counts as gone. */
export const sidecarHeartbeatV1Schema = reportBase.extend({
  type: z.literal(SIDECAR_HEARTBEAT),
  version: z.literal(1),
  started_at: z.number().int().positive(),
  ready: z.boolean(),
  /** Audiences the service accepts: lets the authority show coverage per audience. */
  audiences: z.array(z.string().min(1).max(256)).max(50),
  heartbeat_interval_ms: z.number().int().positive(),
  /**
   * Optional, added within version 1 (an older authority drops it, an older sidecar leaves it
   * out): how the instance stands with its staleness bound when it sends the heartbeat. `stale`:
   * it has heard nothing signed by the authority within its bound; `policy`: what its routes do
   * then unless a route overrides it (`fail-open-UNSAFE` keeps accepting tokens it cannot check
   * against revocations); `fail_open_accepted`: tokens fail-open routes accepted while stale,
   * since it started (non-zero means some route runs fail-open, whatever the default).
   */
  staleness: z
    .object({
      stale: z.boolean(),
      policy: z.enum(['fail-closed', 'fail-open-UNSAFE']),
      fail_open_accepted: z.number().int().nonnegative(),
    })
    .optional(),
});
export type SidecarHeartbeat = z.infer<typeof sidecarHeartbeatV1Schema>;

/** One applied event (revocation, key change, signer change). */
export const sidecarAckV1Schema = reportBase.extend({
  type: z.literal(SIDECAR_ACK),
  version: z.literal(1),
  event_id: z.string().uuid(),
  event_type: z.string().min(1).max(100),
  /** Epoch ms at the sidecar. */
  applied_at: z.number().int().positive(),
  /**
   * Acks of a `revocation.issued` only (optional, added within version 1: an older authority
   * drops it, an older sidecar leaves it out). Requests this instance accepted with a token the
   * revocation denies (same target and issuer scope; `iat` at or before `not_after_iat` for
   * sub/client_id/sid/jkt) whose accept time (sidecar clock) is after the revocation's
   * `revoked_at` (authority clock), counted from the sidecar's bounded accept log when it
   * applied the revocation. `0` means none were seen; absent means not counted. A lower bound
   * when the log had already dropped accepts from after `revoked_at` (see the sidecar's
   * `acceptLog` defaults); accepts after the ack cannot happen on this instance, which then denies.
   */
  accepted_after_revocation: z.number().int().nonnegative().optional(),
});
export type SidecarAck = z.infer<typeof sidecarAckV1Schema>;

export const SIDECAR_BLOCKED = 'sidecar.blocked' as const;

/**
 * Rejected verifications aggregated over one reporting window (sent with the heartbeat when
 * non-empty). Feeds the authority's anomaly signals: revoked tokens still being presented, one
 * `jti` showing up at many instances or addresses, auth-failure spikes. Never carries a token,
 * only its `jti` (an identifier, not a credential).
 */
export const sidecarBlockedV1Schema = reportBase.extend({
  type: z.literal(SIDECAR_BLOCKED),
  version: z.literal(1),
  window_start: z.number().int().positive(),
  window_end: z.number().int().positive(),
  /** Every verification result in the window, by code (`ok` included) — the failure-rate baseline. */
  results: z.record(z.string().max(64), z.number().int().nonnegative()),
  /** Revoked tokens presented in the window (capped, most frequent first). */
  revoked: z
    .array(
      z.object({
        code: z.enum(['TOKEN_REVOKED', 'KEY_REVOKED']),
        jti: z.string().max(512).nullable(),
        revocation_id: z.string().max(100).nullable(),
        kid: z.string().max(200).nullable(),
        count: z.number().int().positive(),
        /** Client addresses seen presenting it (capped), when the adapter knows them. */
        addresses: z.array(z.string().max(100)).max(20),
      }),
    )
    .max(500),
});
export type SidecarBlocked = z.infer<typeof sidecarBlockedV1Schema>;

export const sidecarReportSchema = z.discriminatedUnion('type', [sidecarHeartbeatV1Schema, sidecarAckV1Schema, sidecarBlockedV1Schema]);
export type SidecarReport = z.infer<typeof sidecarReportSchema>;

export type ReportDecodeResult =
  | { readonly ok: true; readonly report: SidecarReport }
  | { readonly ok: false; readonly message: string };

/** Parses a report read from the acks topic. Never throws. */
export function decodeSidecarReport(bytes: Buffer | string | null | undefined): ReportDecodeResult {
  if (bytes === null || bytes === undefined || bytes.length === 0) return { ok: false, message: 'empty report' };
  if (bytes.length > 16 * 1024) return { ok: false, message: 'report too large' };
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString());
  } catch {
    return { ok: false, message: 'report is not JSON' };
  }
  const parsed = sidecarReportSchema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    return { ok: false, message: `${first?.path.join('.') || '(root)'}: ${first?.message ?? 'invalid'}` };
  }
  return { ok: true, report: parsed.data };
}

export function encodeSidecarReport(report: SidecarReport): Buffer {
  return Buffer.from(JSON.stringify(sidecarReportSchema.parse(report)));
}
