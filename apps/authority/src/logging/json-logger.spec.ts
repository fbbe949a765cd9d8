import { context, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { coreLogger } from './core-logger';
import { JsonLogger, redact } from './json-logger';

describe('JsonLogger', () => {
  const lines: string[] = [];
  const logger = new JsonLogger('revmesh-authority', ['error', 'warn', 'log', 'debug'], (line) => void lines.push(line));
  const manager = new AsyncLocalStorageContextManager();
  beforeAll(() => context.setGlobalContextManager(manager.enable()));
  afterAll(() => context.disable());
  beforeEach(() => (lines.length = 0));

  it('writes one JSON object per line with trace_id and span_id when a span is active', () => {
    const sc = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED };
    context.with(trace.setSpanContext(context.active(), sc), () => coreLogger(logger, 'Test').info('hello', { n: 1 }));
    logger.log('no span', 'Ctx');
    const [a, b] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(a).toMatchObject({ level: 'info', context: 'Test', msg: 'hello', n: 1, trace_id: sc.traceId, span_id: sc.spanId });
    expect(b).toMatchObject({ level: 'info', context: 'Ctx', msg: 'no span' });
    expect(b).not.toHaveProperty('trace_id');
  });

  it('redacts credentials and key material by field name and by shape', () => {
    const jwt = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLWJ5dGVz';
    coreLogger(logger, 'Test').warn(`token ${jwt} leaked? Bearer abcdefghijklmnop`, {
      authorization: 'Basic Zm9vOmJhcg==',
      client_secret: 's3cret',
      kek: 'kkkk',
      jwk: { kty: 'EC', d: 'private-scalar', x: 'pub' },
      pem: '-----BEGIN PRIVATE KEY-----\nMIGH\n-----END PRIVATE KEY-----',
    });
    const text = lines.join('\n');
    for (const secret of [jwt, 'abcdefghijklmnop', 'Zm9vOmJhcg==', 's3cret', 'kkkk', 'private-scalar', 'MIGH']) expect(text).not.toContain(secret);
    expect(JSON.parse(lines[0]!)).toMatchObject({ jwk: { x: 'pub', d: '[REDACTED]' } });
  });

  it('redact leaves ordinary values alone', () => {
    expect(redact({ target_type: 'jti', count: 3, list: ['a'] })).toEqual({ target_type: 'jti', count: 3, list: ['a'] });
  });
});
