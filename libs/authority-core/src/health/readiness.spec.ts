import { evaluateReadiness, type ReadinessInputs } from './readiness';

const NOW = 1_800_000_000_000;
const healthy: ReadinessInputs = {
  now: NOW,
  store: { writable: true, freeBytes: 10 * 1024 ** 3, lastWriteFailure: undefined },
  relay: { state: 'running', published: 10, consecutiveFailures: 0 },
  outbox: { count: 0, oldestCreatedAt: null },
  acks: 'connected',
};

describe('evaluateReadiness', () => {
  it('is ok when every part works', () => {
    expect(evaluateReadiness(healthy)).toEqual({ status: 'ok', reasons: [] });
  });

  it('is degraded, with one reason each, while revocations are stored but do not reach Kafka', () => {
    const readiness = evaluateReadiness({
      ...healthy,
      relay: { state: 'running', published: 10, consecutiveFailures: 4 },
      outbox: { count: 7, oldestCreatedAt: NOW - 45_000 },
      acks: 'connecting',
      missingTopics: ['p.revocations.v1'],
    });
    expect(readiness.status).toBe('degraded');
    expect(readiness.reasons.map((r) => r.component)).toEqual(['broker', 'outbox', 'topics', 'acks']);
    expect(readiness.reasons[1]?.message).toBe('7 event(s) not on Kafka yet, the oldest for 45 s (bound 30 s)');
  });

  it('does not call a young backlog or one failed attempt degraded', () => {
    const readiness = evaluateReadiness({ ...healthy, relay: { state: 'running', published: 1, consecutiveFailures: 1 }, outbox: { count: 3, oldestCreatedAt: NOW - 2000 } });
    expect(readiness.status).toBe('ok');
  });

  it('is failing, store first, when the store cannot write', () => {
    const readiness = evaluateReadiness({
      ...healthy,
      relay: { state: 'running', published: 1, consecutiveFailures: 5 },
      store: { writable: false, freeBytes: 0, lastWriteFailure: { at: NOW - 1000, reason: 'disk full' } },
    });
    expect(readiness.status).toBe('failing');
    expect(readiness.reasons[0]).toEqual({ component: 'store', status: 'failing', message: 'the last write failed (disk full); writes answer 503 until one succeeds' });
    expect(evaluateReadiness({ ...healthy, store: { writable: false, freeBytes: 1024 * 1024, lastWriteFailure: undefined } }).reasons[0]?.message).toBe(
      'only 1.0 MiB free in the data folder; writes will fail soon',
    );
  });
});
