import { UnexpectedResponseError } from '../errors';

/** A JSON object from the authority. Members the CLI does not know are kept and shown, not dropped. */
export type JsonObject = Readonly<Record<string, unknown>>;

/** Whether `value` is a JSON object (not an array, not null). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `GET /v1/revocations/:id` and the `POST` answer. Times: `*_at` epoch ms, `not_after_iat` epoch s. */
export interface RevocationView extends JsonObject {
  readonly id: string;
  readonly target?: string;
  readonly value?: string;
  readonly reason?: string;
  readonly revoked_at?: number;
  readonly not_after_iat?: number;
  readonly expires_at?: number;
  readonly published?: boolean;
  readonly published_at?: number | null;
}

/** Narrows an answer to a revocation; only `id` is required, the rest is shown when present. */
export function asRevocation(body: unknown, url: string): RevocationView {
  if (!isJsonObject(body) || typeof body['id'] !== 'string') {
    throw new UnexpectedResponseError(`${url} did not answer with a revocation (no "id")`);
  }
  return body as RevocationView;
}

/** One instance in a coverage answer. */
export interface CoverageEntry {
  readonly instanceId: string;
  /** When it applied the event (applied) or started (covered at start); epoch ms. */
  readonly at: number | undefined;
}

/** `GET /v1/revocations/:id/coverage`, normalised. */
export interface Coverage {
  readonly publishedAt: number | null;
  /** Live instances the authority counts. */
  readonly live: number;
  /** Acknowledged applying the event. */
  readonly applied: readonly CoverageEntry[];
  /** Started (and caught up) after the event was published, so they hold it without an ack. */
  readonly coveredAtStart: readonly CoverageEntry[];
  /** Live, but neither: not yet known to enforce it. */
  readonly pending: readonly CoverageEntry[];
  readonly complete: boolean;
}

function entries(raw: unknown, timeKeys: readonly string[]): CoverageEntry[] {
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((item): CoverageEntry[] => {
    if (typeof item === 'string') return [{ instanceId: item, at: undefined }];
    if (!isJsonObject(item)) return [];
    const id = item['instance_id'] ?? item['id'] ?? item['instance'];
    if (typeof id !== 'string') return [];
    const time = timeKeys.map((k) => item[k]).find((v): v is number => typeof v === 'number');
    return [{ instanceId: id, at: time }];
  });
}

/**
 * Normalises a coverage answer. Instances may be listed as ids or as objects
 * (`{instance_id, applied_at}`, `{instance_id, started_at}`); `live_instances` may be a count
 * or a list. Only `complete` is required.
 */
export function asCoverage(body: unknown, url: string): Coverage {
  if (!isJsonObject(body) || typeof body['complete'] !== 'boolean') {
    throw new UnexpectedResponseError(`${url} did not answer with coverage (no boolean "complete")`);
  }
  const applied = entries(body['applied'], ['applied_at', 'at']);
  const coveredAtStart = entries(body['covered_at_start'], ['started_at', 'ready_at', 'at']);
  // A pending instance has applied nothing yet: no time to show, whatever else it reports.
  const pending = entries(body['pending'], []);
  const liveRaw = body['live_instances'];
  const live =
    typeof liveRaw === 'number' ? liveRaw : Array.isArray(liveRaw) ? liveRaw.length : applied.length + coveredAtStart.length + pending.length;
  const publishedAt = typeof body['published_at'] === 'number' ? body['published_at'] : null;
  return { publishedAt, live, applied, coveredAtStart, pending, complete: body['complete'] };
}

/**
 * The list inside a list answer: the body itself if it is an array, else its first member named
 * in `keys` that is an array (`{"keys": […]}`, `{"instances": […]}`).
 */
export function listIn(body: unknown, keys: readonly string[], url: string): readonly unknown[] {
  if (Array.isArray(body)) return body;
  if (isJsonObject(body)) {
    for (const key of keys) {
      const value = body[key];
      if (Array.isArray(value)) return value;
    }
  }
  throw new UnexpectedResponseError(`${url} did not answer with a list (expected an array or ${keys.map((k) => `"${k}"`).join(' / ')})`);
}

/** The approval states the authority reports (`executing`: approved, the action is running). */
export const APPROVAL_STATES = ['pending', 'executing', 'executed', 'denied', 'expired', 'failed'] as const;
export type ApprovalState = (typeof APPROVAL_STATES)[number];

/** `GET /v1/approvals/:id` (times ISO 8601); only `id` and `state` are required, the rest is shown when present. */
export interface ApprovalView extends JsonObject {
  readonly id: string;
  readonly state: string;
  readonly action?: string;
  readonly target?: string | null;
  readonly expiresAt?: string;
  readonly decidedBy?: unknown;
  readonly decisionJustification?: string | null;
  readonly result?: unknown;
  readonly error?: string | null;
}

/** Narrows an answer to an approval. */
export function asApproval(body: unknown, url: string): ApprovalView {
  if (!isJsonObject(body) || typeof body['id'] !== 'string' || typeof body['state'] !== 'string') {
    throw new UnexpectedResponseError(`${url} did not answer with an approval (no "id" / "state")`);
  }
  return body as ApprovalView;
}

/** The approval in an answer that wraps it (`{approval: …}`), or the answer itself. */
export function approvalIn(body: unknown, url: string): ApprovalView {
  return asApproval(isJsonObject(body) && isJsonObject(body['approval']) ? body['approval'] : body, url);
}

/** A write's answer when the policy put it behind a second security-admin: 202 `{status: 'pending-approval', approval}`. */
export function pendingApprovalIn(status: number, body: unknown, url: string): ApprovalView | undefined {
  if (status !== 202 || !isJsonObject(body) || body['status'] !== 'pending-approval') return undefined;
  return approvalIn(body, url);
}
