import { createRecordingLogger } from '@revmesh/test-support';
import type { SidecarMetrics } from '../telemetry/sidecar-metrics';
import { createGuardedDenyList } from './guarded-deny-list';

const T0 = 1_750_000_000_000;

describe('guarded deny list', () => {
  it('logs one error per overflow episode (counting every eviction), and one warning when it is over', () => {
    let now = T0;
    const logger = createRecordingLogger();
    const evicted: string[] = [];
    const metrics = { liveEviction: (type: string) => evicted.push(type) } as unknown as SidecarMetrics;
    const denyList = createGuardedDenyList({ maxEntries: 1, maxTokenLifetimeSeconds: 3600, clock: () => now, logger, metrics });
    const rule = (value: string) => ({ revocationId: `r-${value}`, target: { type: 'sub' as const, value }, notAfterIat: T0 / 1000, expiresAt: now + 60_000 });
    denyList.apply(rule('a'));
    denyList.apply(rule('b'));
    denyList.apply(rule('c'));
    expect(evicted).toEqual(['sub', 'sub']);
    const errors = () => logger.entries.filter((e) => e.level === 'error');
    expect(errors()).toHaveLength(1);
    expect(errors()[0]).toMatchObject({ message: expect.stringContaining('DENY_LIST_OVERFLOW'), fields: { fix: expect.stringContaining('denyList.maxEntries') } });
    expect(denyList.isOverflowing()).toBe(true);
    now += 61_000;
    expect(denyList.isOverflowing()).toBe(false);
    expect(denyList.isOverflowing()).toBe(false);
    expect(logger.entries.filter((e) => e.level === 'warn')).toHaveLength(1);
  });
});
