import { connect } from 'node:net';
import { createInMemoryTransport, createRecordingLogger, createTestEventSigner } from '@revmesh/test-support';
import type { DemoApiConfig } from '../config/demo-api-config';
import { loadDemoApiConfig } from '../config/demo-api-config';
import { createDemoApi, type DemoApi } from '../demo-api';
import { DEFAULT_SERVER_LIMITS } from './server-limits';

const BASE = { KAFKA_BROKERS: '127.0.0.1:19092', AUTHORITY_URL: 'http://127.0.0.1:8080' };

/** Sends headers declaring `declared` body bytes, then only `sent`; resolves with what came back and when the server closed. */
function slowBody(port: number, declared: number, sent: number): Promise<{ response: string; afterMs: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let response = '';
    const socket = connect({ host: '127.0.0.1', port }, () =>
      socket.write(`POST /v1/hello HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${declared}\r\n\r\n${'a'.repeat(sent)}`),
    );
    socket.on('data', (chunk: Buffer) => (response += chunk.toString()));
    socket.on('close', () => resolve({ response, afterMs: Date.now() - started }));
    socket.on('error', reject);
  });
}

describe('demo-api HTTP server limits', () => {
  let api: DemoApi | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  it('answers 408 and closes a request whose body stops short of its Content-Length, within the request timeout', async () => {
    const config: DemoApiConfig = {
      ...loadDemoApiConfig({ ...BASE, PORT: '0', REVMESH_HTTP_REQUEST_TIMEOUT_MS: '1000', REVMESH_HTTP_HEADERS_TIMEOUT_MS: '1000' }),
      instanceId: 'limits-test',
    };
    const signer = await createTestEventSigner();
    api = createDemoApi(config, { eventSigners: [signer.publicJwk], transport: createInMemoryTransport(), logger: createRecordingLogger() });
    await api.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = api.app.server.address() as { port: number };
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => slowBody(port, 100, 6)));
    for (const { response, afterMs } of outcomes) {
      expect(response).toMatch(/^HTTP\/1\.1 408/);
      // 1 s plus at most one deadline check (every second), with slack for a loaded machine.
      expect(afterMs).toBeLessThan(4000);
    }
  });

  it('reads the limits from REVMESH_HTTP_*, defaulting to the authority’s, and refuses a header timeout above the request timeout', () => {
    expect(loadDemoApiConfig(BASE).http).toEqual(DEFAULT_SERVER_LIMITS);
    expect(loadDemoApiConfig({ ...BASE, REVMESH_HTTP_MAX_CONNECTIONS: '64' }).http?.maxConnections).toBe(64);
    expect(() => loadDemoApiConfig({ ...BASE, REVMESH_HTTP_REQUEST_TIMEOUT_MS: '2000', REVMESH_HTTP_HEADERS_TIMEOUT_MS: '3000' })).toThrow(
      /REVMESH_HTTP_HEADERS_TIMEOUT_MS: must not exceed REVMESH_HTTP_REQUEST_TIMEOUT_MS/,
    );
    expect(() => loadDemoApiConfig({ ...BASE, REVMESH_HTTP_REQUEST_TIMEOUT_MS: '10' })).toThrow(/REVMESH_HTTP_REQUEST_TIMEOUT_MS/);
  });
});
