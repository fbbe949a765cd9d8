import type { EpochMillis } from '../internal/units';

/**
 * Events applied while catching up are not acked one by one: the authority counts them covered by
 * the heartbeat's `ready` + `started_at` when `started_at` ≥ their `published_at`. An event
 * published after the start is delivered during catch-up too, but no such rule covers it, so it is
 * acked: any catch-up record whose timestamp (the relay's publish time, the authority's clock, as
 * `published_at`) is at most this long before `started_at`. The margin absorbs the gap between the
 * record timestamp and the `published_at` the authority stores; acking a few events twice over
 * (ack and covered) is harmless, leaving one "pending" for good is not.
 */
export const CATCH_UP_ACK_MARGIN_MS = 10_000;

/** Whether an applied event gets an ack of its own (see {@link CATCH_UP_ACK_MARGIN_MS}). */
export function needsAck(ready: boolean, recordTimestamp: EpochMillis, startedAt: EpochMillis): boolean {
  return ready || recordTimestamp >= startedAt - CATCH_UP_ACK_MARGIN_MS;
}
