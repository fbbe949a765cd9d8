import type { IncidentTimelineEntryWire } from '@revmesh/contracts';

/** Epoch ms → ISO 8601 UTC (`-` when absent): one time zone for everyone reading the report. */
export function isoTime(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString();
}

/** A duration in the unit a reviewer reads best: `42 ms`, `3.25 s`, `12.5 min`, `5.2 h` (`-` when absent). */
export function duration(ms: number | null): string {
  if (ms === null) return '-';
  const abs = Math.abs(ms);
  if (abs < 1000) return `${ms} ms`;
  if (abs < 120_000) return `${(ms / 1000).toFixed(2)} s`;
  if (abs < 7_200_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/** One line saying what a timeline entry records (plain text: the caller escapes it for its format). */
export function describeEntry(entry: IncidentTimelineEntryWire): string {
  switch (entry.type) {
    case 'audit':
      return `${entry.action} (${entry.outcome}) by ${entry.actor.kind} ${entry.actor.id}${entry.target === null ? '' : ` on ${entry.target}`}`;
    case 'approval.requested':
      return `approval ${entry.approval_id} requested for ${entry.action} by ${entry.by}`;
    case 'approval.decided':
      return `approval ${entry.approval_id} for ${entry.action} decided (${entry.state}) by ${entry.by}`;
    case 'event.published':
      return `${entry.kind} ${entry.action_id} published (event ${entry.event_id})`;
    case 'instance.applied':
      return `${entry.instance_id} applied ${entry.kind} ${entry.action_id}`;
    case 'alert':
      return `alert ${entry.kind} (${entry.severity}): ${entry.summary}${entry.count > 1 ? ` ×${entry.count}` : ''}`;
    case 'blocked':
      return `${entry.instance_id} rejected the revoked credential ${entry.count}× (${entry.code})`;
  }
}
