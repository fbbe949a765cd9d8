import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span, type TextMapGetter } from '@opentelemetry/api';
import { TRACER_NAME } from './names';

/** Reads W3C trace context (`traceparent`, `tracestate`) from a record's headers. */
export const recordHeaderGetter: TextMapGetter<Readonly<Record<string, string>>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const direct = carrier[key];
    if (direct !== undefined) return direct;
    const lower = key.toLowerCase();
    for (const name of Object.keys(carrier)) if (name.toLowerCase() === lower) return carrier[name];
    return undefined;
  },
};

/** The publisher's context carried by a record (the root context when it carries none). */
export function extractRecordContext(headers: Readonly<Record<string, string>>): Context {
  return propagation.extract(ROOT_CONTEXT, headers, recordHeaderGetter);
}

const tracer = () => trace.getTracer(TRACER_NAME);

/**
 * Runs `fn` inside a CONSUMER span `name` whose parent is the record's context. With no SDK
 * registered the API's no-op tracer makes this nearly free.
 */
export async function withConsumerSpan<T>(
  name: string,
  headers: Readonly<Record<string, string>>,
  attributes: Attributes,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = extractRecordContext(headers);
  const span = tracer().startSpan(name, { kind: SpanKind.CONSUMER, attributes }, parent);
  try {
    return await context.with(trace.setSpan(parent, span), () => fn(span));
  } catch (error) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR });
    throw error;
  } finally {
    span.end();
  }
}

/** Records an already finished span (a sampled rejected verification) under the active context. */
export function recordFinishedSpan(name: string, startTime: number, attributes: Attributes, error: boolean): void {
  const span = tracer().startSpan(name, { kind: SpanKind.INTERNAL, startTime, attributes });
  if (error) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}
