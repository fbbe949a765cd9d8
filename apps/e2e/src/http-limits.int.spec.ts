import { connect, type Socket } from 'node:net';
import { startAuthority, type AuthorityHandle } from './support/authority-process';
import { uniquePrefix } from './support/wait';

/** Opens a connection, sends a request declaring `declared` body bytes but only `sent`, and waits for the server's answer or close. */
function slowBody(url: string, declared: number, sent: number): Promise<{ socket: Socket; ended: Promise<{ response: string; afterMs: number }> }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => {
      const started = Date.now();
      socket.write(`POST /oauth/token HTTP/1.1\r\nhost: ${hostname}\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: ${declared}\r\n\r\n${'a'.repeat(sent)}`);
      let response = '';
      socket.on('data', (chunk: Buffer) => (response += chunk.toString()));
      const ended = new Promise<{ response: string; afterMs: number }>((done) => socket.on('close', () => done({ response, afterMs: Date.now() - started })));
      resolve({ socket, ended });
    });
    socket.on('error', reject);
  });
}

/** Slow clients cannot hold the authority's connections (and file handles) open. */
describe('HTTP server limits of the authority', () => {
  let authority: AuthorityHandle;
  beforeAll(async () => {
    authority = await startAuthority({
      brokers: process.env['KAFKA_BROKERS']!,
      topicPrefix: uniquePrefix('httplimits'),
      extraEnv: { REVMESH_HTTP_REQUEST_TIMEOUT_MS: '1500', REVMESH_HTTP_HEADERS_TIMEOUT_MS: '1000' },
    });
  });
  afterAll(async () => {
    await authority.process.stop();
  });

  it('answers 408 and closes a request whose body stops short of its Content-Length, within the request timeout', async () => {
    const clients = await Promise.all(Array.from({ length: 20 }, () => slowBody(authority.url, 100, 6)));
    const outcomes = await Promise.all(clients.map((c) => c.ended));
    for (const { response, afterMs } of outcomes) {
      expect(response).toMatch(/^HTTP\/1\.1 408/);
      // Node checks deadlines every second: 1.5 s plus at most one check interval, with slack for a loaded machine.
      expect(afterMs).toBeLessThan(5000);
    }
    // The server still serves.
    const health = await fetch(`${authority.url}/healthz`);
    expect(health.status).toBe(200);
  });

  it('closes a connection that never finishes its headers', async () => {
    const { hostname, port } = new URL(authority.url);
    const closed = await new Promise<number>((resolve, reject) => {
      const started = Date.now();
      const socket = connect({ host: hostname, port: Number(port) }, () => socket.write('GET /healthz HTTP/1.1\r\nhost: x\r\n'));
      socket.on('close', () => resolve(Date.now() - started));
      socket.on('error', reject);
      socket.resume();
    });
    expect(closed).toBeLessThan(5000);
  });
});
