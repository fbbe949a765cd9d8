import type { SidecarBlocked } from '@revmesh/contracts';
import type { Clock, EpochMillis } from '../internal/units';
import type { VerifyResult } from '../verify/verify-result';

/** The contract's caps (contracts `sidecar-report.ts`). */
const CONTRACT_MAX_REVOKED = 500;
const CONTRACT_MAX_ADDRESSES = 20;
const MAX_ADDRESS_LENGTH = 100;
const MAX_JTI_LENGTH = 512;

export interface BlockedAggregatorOptions {
  readonly instanceId: string;
  readonly clock: Clock;
  /** Distinct revoked tokens kept per window; further ones are only counted in `results`. At most 500. */
  readonly maxEntries: number;
  /** Distinct addresses kept per revoked token. At most 20. */
  readonly maxAddresses: number;
}

/** Where a verification came from, as the HTTP adapter knows it. */
export interface VerifyContext {
  /** The client address (e.g. `request.ip`). Reported for revoked tokens only. */
  readonly address?: string;
}

/**
 * Aggregates verification results over one reporting window for the `sidecar.blocked` report:
 * counts by result code (`ok` included) and the revoked tokens presented (by `jti`/revocation/
 * `kid`, with client addresses). Memory is bounded by `maxEntries` × `maxAddresses`. Never holds
 * a token, only its `jti`.
 */
export interface BlockedAggregator {
  record(result: VerifyResult, jti: string | undefined, context: VerifyContext | undefined): void;
  /** The window's report, or undefined when nothing was verified; starts a new window. */
  drain(keySetVersion: number): SidecarBlocked | undefined;
  /** Entries held in the current window (tests, stats). */
  readonly size: number;
  /** Revoked-token entries not kept because the window was full (since creation). */
  readonly overflowed: number;
}

interface RevokedEntry {
  readonly code: 'TOKEN_REVOKED' | 'KEY_REVOKED';
  readonly jti: string | null;
  readonly revocationId: string | null;
  readonly kid: string | null;
  count: number;
  readonly addresses: Set<string>;
}

const ms = (value: number): number => Math.max(1, Math.trunc(value));

export function createBlockedAggregator(options: BlockedAggregatorOptions): BlockedAggregator {
  const maxEntries = Math.min(options.maxEntries, CONTRACT_MAX_REVOKED);
  const maxAddresses = Math.min(options.maxAddresses, CONTRACT_MAX_ADDRESSES);
  let windowStart: EpochMillis = options.clock();
  let results = new Map<string, number>();
  let revoked = new Map<string, RevokedEntry>();
  let overflowed = 0;

  return {
    record(result, jti, context) {
      const code = result.ok ? 'ok' : result.code;
      results.set(code, (results.get(code) ?? 0) + 1);
      if (result.ok || (result.code !== 'TOKEN_REVOKED' && result.code !== 'KEY_REVOKED')) return;
      const entry = {
        code: result.code,
        jti: jti === undefined ? null : jti.slice(0, MAX_JTI_LENGTH),
        revocationId: result.code === 'TOKEN_REVOKED' ? result.revocationId.slice(0, 100) : null,
        kid: result.code === 'KEY_REVOKED' ? result.kid.slice(0, 200) : null,
      };
      const key = JSON.stringify([entry.code, entry.jti, entry.revocationId, entry.kid]);
      let held = revoked.get(key);
      if (held === undefined) {
        if (revoked.size >= maxEntries) {
          overflowed++;
          return;
        }
        held = { ...entry, count: 0, addresses: new Set() };
        revoked.set(key, held);
      }
      held.count++;
      const address = context?.address;
      if (typeof address === 'string' && address.length > 0 && held.addresses.size < maxAddresses) {
        held.addresses.add(address.slice(0, MAX_ADDRESS_LENGTH));
      }
    },
    drain(keySetVersion) {
      const now = options.clock();
      const start = windowStart;
      windowStart = now;
      if (results.size === 0) return undefined;
      const entries = [...revoked.values()].sort((a, b) => b.count - a.count);
      const report: SidecarBlocked = {
        type: 'sidecar.blocked',
        version: 1,
        instance_id: options.instanceId,
        sent_at: ms(now),
        key_set_version: keySetVersion,
        window_start: ms(start),
        window_end: ms(Math.max(now, start)),
        results: Object.fromEntries(results),
        revoked: entries.map((e) => ({
          code: e.code,
          jti: e.jti,
          revocation_id: e.revocationId,
          kid: e.kid,
          count: e.count,
          addresses: [...e.addresses],
        })),
      };
      results = new Map();
      revoked = new Map();
      return report;
    },
    get size() {
      return revoked.size;
    },
    get overflowed() {
      return overflowed;
    },
  };
}
