/**
 * The slice of Fastify's request and reply this app touches. Declared structurally so the app
 * does not import `fastify` itself (it arrives through @nestjs/platform-fastify).
 */
export interface HttpRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body?: unknown;
}

export interface HttpReply {
  status(statusCode: number): this;
  header(name: string, value: string): this;
  send(payload?: unknown): this;
}

/** One header value: the first when repeated, undefined when absent. */
export function headerValue(request: HttpRequest, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
