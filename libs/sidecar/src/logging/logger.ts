import { isSpanContextValid, trace } from '@opentelemetry/api';

/** Structured fields attached to a log line. Values must be JSON-serialisable. */
export type LogFields = Readonly<Record<string, unknown>>;

/**
 * The logging the sidecar needs. Any structured logger fits (pino, winston, a console wrapper):
 * `logger.warn(msg, fields)` maps directly onto pino's `logger.warn(fields, msg)` with a
 * two-line adapter.
 */
export interface SidecarLogger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const RANK: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface JsonLoggerOptions {
  /** Lowest level written. Default `'warn'`: a healthy sidecar is silent. */
  readonly level?: LogLevel;
  /** Where each JSON line goes. Default: `process.stderr`. */
  readonly write?: (line: string) => void;
  /** Added to every line, e.g. `{ instance_id }`. */
  readonly base?: LogFields;
}

/**
 * A tiny logger writing one JSON object per line: `{"level":"warn","msg":"...","time":..., ...fields}`.
 * The default when no `logger` option is given. Adds `trace_id`/`span_id` of the active span when
 * there is one. The sidecar never passes a token to its logger (at most its `jti`).
 */
export function createJsonLogger(options: JsonLoggerOptions = {}): SidecarLogger {
  const threshold = RANK[options.level ?? 'warn'];
  const write = options.write ?? ((line: string) => void process.stderr.write(line));
  const base = options.base ?? {};
  const emit = (level: Exclude<LogLevel, 'silent'>, message: string, fields?: LogFields): void => {
    if (RANK[level] < threshold) return;
    let line: string;
    // The active span's ids (when an SDK is registered and a span is active), so a line joins its trace.
    const spanContext = trace.getActiveSpan()?.spanContext();
    const ids = spanContext !== undefined && isSpanContextValid(spanContext) ? { trace_id: spanContext.traceId, span_id: spanContext.spanId } : undefined;
    try {
      line = JSON.stringify({ level, time: new Date().toISOString(), msg: message, ...base, ...ids, ...fields });
    } catch {
      // A field that cannot be serialised (cycle, BigInt) must not make logging throw.
      line = JSON.stringify({ level, time: new Date().toISOString(), msg: message, ...base, fields: '[unserialisable]' });
    }
    write(`${line}\n`);
  };
  return {
    debug: (message, fields) => emit('debug', message, fields),
    info: (message, fields) => emit('info', message, fields),
    warn: (message, fields) => emit('warn', message, fields),
    error: (message, fields) => emit('error', message, fields),
  };
}
