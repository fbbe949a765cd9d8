import { SIDECAR_BLOCKED, type SidecarBlocked } from '@revmesh/contracts';
import { createBlockedReportLog } from './blocked-report-log';

const report = (instance_id: string, revoked: SidecarBlocked['revoked']): SidecarBlocked => ({
  type: SIDECAR_BLOCKED,
  version: 1,
  instance_id,
  sent_at: 2000,
  key_set_version: 3,
  window_start: 1000,
  window_end: 2000,
  results: { ok: 10, TOKEN_REVOKED: 2 },
  revoked,
});

describe('blocked report log', () => {
  it('keeps each revoked presentation, found by revocation id or by a revoked kid', () => {
    const log = createBlockedReportLog();
    log.record(
      report('a', [
        { code: 'TOKEN_REVOKED', jti: 'j1', revocation_id: 'rev-1', kid: 'k1', count: 2, addresses: [] },
        { code: 'KEY_REVOKED', jti: 'j2', revocation_id: null, kid: 'k-bad', count: 1, addresses: [] },
      ]),
    );
    log.record(report('b', [{ code: 'TOKEN_REVOKED', jti: 'j3', revocation_id: 'rev-2', kid: 'k1', count: 5, addresses: [] }]));
    expect(log.matching({ revocationIds: new Set(['rev-1']) }).map((p) => [p.instanceId, p.jti, p.count])).toEqual([['a', 'j1', 2]]);
    expect(log.matching({ kids: new Set(['k-bad']) }).map((p) => p.jti)).toEqual(['j2']);
    // A token merely signed by the key (TOKEN_REVOKED) is not a presentation of the revoked key.
    expect(log.matching({ kids: new Set(['k1']) })).toEqual([]);
  });

  it('is bounded: the oldest presentations go first', () => {
    const log = createBlockedReportLog(2);
    for (const id of ['r1', 'r2', 'r3']) log.record(report('a', [{ code: 'TOKEN_REVOKED', jti: id, revocation_id: id, kid: null, count: 1, addresses: [] }]));
    expect(log.matching({ revocationIds: new Set(['r1', 'r2', 'r3']) }).map((p) => p.jti)).toEqual(['r2', 'r3']);
  });
});
