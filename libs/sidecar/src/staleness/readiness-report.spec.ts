import { sidecarReadiness } from './readiness-report';
import { createSidecarFixture } from '../testing/sidecar-fixture.spec-helper';
import { authorityHeartbeatEvent } from '@revmesh/test-support';

describe('sidecarReadiness', () => {
  it('is 503 starting before ready, 200 ok once caught up, 503 stale past the bound', async () => {
    const f = await createSidecarFixture({ start: false, sidecar: { staleness: { maxSilenceMs: 1000 } } });
    try {
      expect(sidecarReadiness(f.sidecar.stats())).toMatchObject({ httpStatus: 503, body: { status: 'starting', state: 'created' } });
      await f.sidecar.start();
      await f.sidecar.ready;
      expect(sidecarReadiness(f.sidecar.stats())).toEqual({
        httpStatus: 200,
        body: { status: 'ok', instance_id: f.sidecar.instanceId, state: 'ready', staleness: { age_ms: 0, max_silence_ms: 1000, stale: false } },
      });
      f.clock.advance(1001);
      expect(sidecarReadiness(f.sidecar.stats())).toMatchObject({ httpStatus: 503, body: { status: 'stale', staleness: { stale: true } } });
      await f.publishTo('keys', authorityHeartbeatEvent({ now: f.clock.now() }));
      await f.publishTo('revocations', authorityHeartbeatEvent({ now: f.clock.now() }));
      expect(sidecarReadiness(f.sidecar.stats()).httpStatus).toBe(200);
    } finally {
      await f.sidecar.close();
    }
  });
});
