import type { LoggerService, LogLevel as NestLogLevel } from '@nestjs/common';
import { activeTraceFields } from '@revmesh/authority-core';

/** Field names whose values are credentials or key material: never written, whatever the caller passes. */
const SECRET_FIELD = /^(authorization|proxy-authorization|cookie|set-cookie|x-admin-key|x-revmesh-admin-key|client_secret|clientsecret|secret|password|access_token|refresh_token|id_token|token|assertion|kek|admin_?key|private_?key|privatekey|pem|d|p|q|dp|dq|qi|k)$/i;

/** Compact JWS/JWT, PEM blocks and bearer credentials inside free text. */
const SECRET_TEXT: readonly [RegExp, string][] = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, '[REDACTED PEM]'],
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, '[REDACTED JWT]'],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, '$1 [REDACTED]'],
];

export function redactText(text: string): string {
  let out = text;
  for (const [pattern, replacement] of SECRET_TEXT) out = out.replace(pattern, replacement);
  return out;
}

/** A copy of `value` with secret-named fields replaced and secret-looking strings masked. */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object' || depth > 6) return value;
  if (Buffer.isBuffer(value)) return '[REDACTED BYTES]';
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) out[key] = SECRET_FIELD.test(key) ? '[REDACTED]' : redact(v, depth + 1);
  return out;
}

const LEVEL_NAMES: Record<NestLogLevel, string> = { fatal: 'fatal', error: 'error', warn: 'warn', log: 'info', debug: 'debug', verbose: 'trace' };

/**
 * Nest's logger as JSON lines (one object per line, to stdout; errors to stderr), with the active
 * span's `trace_id` / `span_id` on every line and secrets redacted. authority-core's structured
 * fields arrive through {@link JsonLogger.write} as real JSON fields.
 */
export class JsonLogger implements LoggerService {
  private enabled: Set<NestLogLevel>;

  constructor(
    private readonly service: string,
    levels: readonly NestLogLevel[],
    private readonly out: (line: string, level: NestLogLevel) => void = (line, level) =>
      (level === 'error' || level === 'fatal' ? process.stderr : process.stdout).write(`${line}\n`),
  ) {
    this.enabled = new Set(levels);
  }

  setLogLevels(levels: NestLogLevel[]): void {
    this.enabled = new Set(levels);
  }

  /** One structured line. */
  write(level: NestLogLevel, message: string, context?: string, fields?: Readonly<Record<string, unknown>>, stack?: string): void {
    if (!this.enabled.has(level)) return;
    const line: Record<string, unknown> = {
      time: new Date().toISOString(),
      level: LEVEL_NAMES[level],
      service: this.service,
      ...(context === undefined ? {} : { context }),
      msg: redactText(message),
      ...activeTraceFields(),
      ...(fields === undefined ? {} : (redact(fields) as Record<string, unknown>)),
      ...(stack === undefined ? {} : { stack: redactText(stack) }),
    };
    let text: string;
    try {
      text = JSON.stringify(line);
    } catch {
      text = JSON.stringify({ time: line['time'], level: line['level'], service: this.service, msg: redactText(message), note: 'fields not serialisable' });
    }
    this.out(text, level);
  }

  private nest(level: NestLogLevel, message: unknown, params: unknown[]): void {
    // Nest passes the context last; anything else is extra data.
    const context = typeof params[params.length - 1] === 'string' ? (params.pop() as string) : undefined;
    const text = message instanceof Error ? message.message : typeof message === 'string' ? message : JSON.stringify(redact(message));
    const stack = level === 'error' && typeof params[0] === 'string' ? (params.shift() as string) : message instanceof Error ? message.stack : undefined;
    this.write(level, text, context, params.length > 0 ? { data: params } : undefined, stack);
  }

  log(message: unknown, ...params: unknown[]): void {
    this.nest('log', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.nest('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.nest('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.nest('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.nest('verbose', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.nest('fatal', message, params);
  }
}
