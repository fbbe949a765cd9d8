import { context, isSpanContextValid, propagation, ROOT_CONTEXT, trace, TraceFlags, type Context, type SpanContext } from '@opentelemetry/api';
import { isValidTraceparent, TRACEPARENT_HEADER } from '@revmesh/contracts';
import { createTraceparent } from '../tracing/traceparent';

/** W3C `traceparent` of a span context. */
export function formatTraceparent(sc: SpanContext): string {
  return `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED ? '01' : '00'}`;
}

/**
 * The `traceparent` to store with an outbox row: the active span's context (injected with the
 * registered propagator), or, with no active span (no SDK, or a call outside a request), the
 * generated one of {@link createTraceparent} continuing `fallbackParent`.
 */
export function activeTraceparent(fallbackParent?: string): string {
  const active = context.active();
  const span = trace.getSpan(active);
  if (span !== undefined && isSpanContextValid(span.spanContext())) {
    const carrier: Record<string, string> = {};
    propagation.inject(active, carrier);
    const injected = carrier[TRACEPARENT_HEADER];
    // No global propagator registered (API only): format it ourselves, same W3C header.
    return injected !== undefined && isValidTraceparent(injected) ? injected : formatTraceparent(span.spanContext());
  }
  return createTraceparent(fallbackParent);
}

/** The context a stored `traceparent` denotes (a remote parent) on top of `base`, or `base` itself. */
export function contextFromTraceparent(header: string | undefined, base: Context = ROOT_CONTEXT): Context {
  if (header === undefined || !isValidTraceparent(header)) return base;
  const sc: SpanContext = {
    traceId: header.slice(3, 35),
    spanId: header.slice(36, 52),
    traceFlags: parseInt(header.slice(53, 55), 16),
    isRemote: true,
  };
  return isSpanContextValid(sc) ? trace.setSpanContext(base, sc) : base;
}

/** `trace_id` / `span_id` of the active span, for log lines; empty when none. */
export function activeTraceFields(): { trace_id?: string; span_id?: string } {
  const span = trace.getSpan(context.active());
  if (span === undefined) return {};
  const sc = span.spanContext();
  return isSpanContextValid(sc) ? { trace_id: sc.traceId, span_id: sc.spanId } : {};
}
