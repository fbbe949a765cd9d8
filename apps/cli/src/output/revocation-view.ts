import type { Coverage, CoverageEntry, RevocationView } from '../http/api-types';
import { describeRecord } from './record-view';
import { renderTable } from './table';
import { clean, formatDuration, formatTime } from './text';

const REVOCATION_ORDER = ['id', 'target', 'value', 'reason', 'revoked_at', 'not_after_iat', 'expires_at', 'published', 'published_at'];
const REVOCATION_LABELS: Readonly<Record<string, string>> = {
  revoked_at: 'revoked at',
  not_after_iat: 'denies iat <=',
  expires_at: 'rule expires',
  published_at: 'published at',
};

/** A revocation as aligned `label  value` lines (unknown members included). */
export function renderRevocation(revocation: RevocationView): string {
  return describeRecord(revocation, REVOCATION_ORDER, REVOCATION_LABELS);
}

/** `3 of 3 live instances (2 applied, 1 covered at start)`. */
export function coverageSummary(coverage: Coverage): string {
  const covered = coverage.applied.length + coverage.coveredAtStart.length;
  if (coverage.live === 0) return 'no live sidecar instance has reported to the authority';
  return `${covered} of ${coverage.live} live instances (${coverage.applied.length} applied, ${coverage.coveredAtStart.length} covered at start, ${coverage.pending.length} pending)`;
}

/** Coverage: a summary line, then one row per instance with when it applied the event. */
export function renderCoverage(coverage: Coverage): string {
  const head = `coverage: ${coverage.complete ? 'complete' : 'incomplete'}, ${coverageSummary(coverage)}\n`;
  const row = (entry: CoverageEntry, status: string): string[] => [
    clean(entry.instanceId),
    status,
    formatTime(entry.at),
    status === 'applied' && entry.at !== undefined && coverage.publishedAt !== null ? formatDuration(entry.at - coverage.publishedAt) : '-',
  ];
  const rows = [
    ...coverage.applied.map((e) => row(e, 'applied')),
    ...coverage.coveredAtStart.map((e) => row(e, 'covered at start')),
    ...coverage.pending.map((e) => row(e, 'pending')),
  ];
  return rows.length === 0 ? head : head + renderTable(['instance', 'status', 'at', 'after publish'], rows);
}
