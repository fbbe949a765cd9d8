import { setTimeout as delay } from 'node:timers/promises';

/** A duration or instant in milliseconds (instants are Unix epoch ms). */
export type Milliseconds = number;
/** A duration or instant in whole seconds (instants are Unix epoch seconds, as in JWT `iat`). */
export type Seconds = number;

/** Where authority-core reads the time. Injected so tests control it instead of sleeping. */
export interface Clock {
  /** Current time, Unix epoch milliseconds. */
  now(): Milliseconds;
}

/** The wall clock. */
export const systemClock: Clock = { now: () => Date.now() };

/**
 * Waits `ms`, or less if `signal` aborts. Never rejects: an aborted sleep simply ends early,
 * so callers check their own state afterwards instead of catching.
 */
export type Sleep = (ms: Milliseconds, signal?: AbortSignal) => Promise<void>;

/** {@link Sleep} on real timers. */
export const realSleep: Sleep = async (ms, signal) => {
  if (signal?.aborted) return;
  try {
    await delay(ms, undefined, { signal });
  } catch (error) {
    if (signal?.aborted) return;
    throw error;
  }
};
