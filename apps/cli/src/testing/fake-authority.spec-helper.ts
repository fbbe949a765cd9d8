import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the fake authority received. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** Parsed JSON body, or the raw text if it was not JSON; undefined when empty. */
  readonly body: unknown;
}

/** What a route answers. `body` is JSON-encoded unless it is a string. */
export interface FakeReply {
  readonly status: number;
  readonly body?: unknown;
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export type FakeRoute = (request: RecordedRequest) => FakeReply | Promise<FakeReply>;

/** A local stand-in for the authority: records every request, answers from registered routes. */
export interface FakeAuthority {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Registers (or replaces) the answer for `METHOD /path`. */
  on(method: string, path: string, route: FakeRoute | FakeReply): void;
  close(): Promise<void>;
}

/** A problem+json reply shaped like the authority's. */
export function problem(status: number, code: string, title: string, detail: string, errors?: { field: string; message: string }[]): FakeReply {
  return {
    status,
    contentType: 'application/problem+json; charset=utf-8',
    body: { type: `urn:revmesh:problem:${code.toLowerCase()}`, title, status, detail, code, ...(errors ? { errors } : {}) },
  };
}

/** Starts a fake authority on 127.0.0.1 (random port). Unknown routes get the authority's 404 problem. */
export async function startFakeAuthority(): Promise<FakeAuthority> {
  const routes = new Map<string, FakeRoute>();
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => {
      let body: unknown;
      if (text !== '') {
        try {
          body = JSON.parse(text);
        } catch {
          body = text;
        }
      }
      const recorded: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body };
      requests.push(recorded);
      const route = routes.get(`${recorded.method} ${recorded.path}`);
      Promise.resolve(route ? route(recorded) : problem(404, 'NOT_FOUND', 'Not found', `Route ${recorded.method}:${recorded.path} not found`)).then(
        (reply) => {
          const payload = typeof reply.body === 'string' ? reply.body : reply.body === undefined ? '' : JSON.stringify(reply.body);
          res.writeHead(reply.status, { 'content-type': reply.contentType ?? 'application/json; charset=utf-8', ...reply.headers });
          res.end(payload);
        },
        (error: unknown) => {
          res.writeHead(500);
          res.end(String(error));
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    on(method, path, route) {
      routes.set(`${method} ${path}`, typeof route === 'function' ? route : () => route);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
