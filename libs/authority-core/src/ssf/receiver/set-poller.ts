import type { AuthorityLogger } from '../../logging/logger';
import type { Milliseconds, Sleep } from '../../time/clock';
import type { PollRequest, PollResponse } from './transmitter-client';
import type { SetRefusalCode } from './set-refusal';

/** What the receiver made of one polled SET: acknowledge it, report it in `setErrs`, or leave it for the next poll. */
export type PolledSetResult = { readonly ack: true } | { readonly err: SetRefusalCode; readonly description: string } | { readonly retry: true };

export interface SetPollerOptions {
  /** One RFC 8936 poll request to the transmitter. */
  readonly poll: (request: PollRequest) => Promise<PollResponse>;
  /** Verifies and applies one SET (never throws: a failure is `retry`). */
  readonly handle: (set: string, jti: string) => Promise<PolledSetResult>;
  /** Pause after a poll that returned nothing, ms. */
  readonly intervalMs: Milliseconds;
  /** `maxEvents` of each request. Default 100. */
  readonly maxEvents?: number;
  readonly sleep: Sleep;
  readonly logger: AuthorityLogger;
  /** Named in log lines. */
  readonly transmitterId: string;
}

/** The outcome of one poll round. */
export interface PollRound {
  readonly received: number;
  readonly moreAvailable: boolean;
}

export interface SetPoller {
  /** Polls in the background until {@link stop}. */
  start(): void;
  stop(): Promise<void>;
  /**
   * One poll: sends the acknowledgements and errors of the previous round (`ack`, `setErrs`),
   * with `returnImmediately`, and handles what comes back. Acknowledgements of this round go with
   * the next request, which the background loop sends at once.
   */
  pollOnce(): Promise<PollRound>;
}

/** Longest pause after failed polls, ms. */
const MAX_BACKOFF_MS = 30_000;

/** An RFC 8936 poller for one stream. */
export function createSetPoller(options: SetPollerOptions): SetPoller {
  const maxEvents = options.maxEvents ?? 100;
  let acks: string[] = [];
  let errs: Record<string, { err: string; description: string }> = {};
  let running: Promise<void> | undefined;
  let abort: AbortController | undefined;
  // One request at a time: a test's pollOnce and the loop must not ack twice.
  let turn: Promise<unknown> = Promise.resolve();

  async function round(): Promise<PollRound> {
    const sentAcks = acks;
    const sentErrs = errs;
    const request: PollRequest = {
      maxEvents,
      returnImmediately: true,
      ...(sentAcks.length === 0 ? {} : { ack: sentAcks }),
      ...(Object.keys(sentErrs).length === 0 ? {} : { setErrs: sentErrs }),
    };
    const response = await options.poll(request);
    // The transmitter has them now; anything handled below goes with the next request.
    acks = acks.slice(sentAcks.length);
    errs = Object.fromEntries(Object.entries(errs).filter(([jti]) => !(jti in sentErrs)));
    let received = 0;
    for (const [jti, set] of Object.entries(response.sets)) {
      received++;
      const result = await options.handle(set, jti);
      if ('ack' in result) acks.push(jti);
      else if ('err' in result) errs[jti] = { err: result.err, description: result.description };
    }
    return { received, moreAvailable: response.moreAvailable === true };
  }

  const pollOnce = (): Promise<PollRound> => {
    const next = turn.then(round, round);
    turn = next.catch(() => undefined);
    return next;
  };

  async function loop(signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      let idle = true;
      try {
        const result = await pollOnce();
        failures = 0;
        idle = result.received === 0 && !result.moreAvailable && acks.length === 0 && Object.keys(errs).length === 0;
      } catch (error) {
        failures++;
        options.logger.warn('ssf poll failed; retrying', { transmitter: options.transmitterId, error: (error as Error).message, failures });
      }
      if (!idle) continue;
      const pause = failures === 0 ? options.intervalMs : Math.min(MAX_BACKOFF_MS, options.intervalMs * 2 ** Math.min(failures, 10));
      await options.sleep(pause, signal).catch(() => undefined);
    }
  }

  return {
    start() {
      if (running !== undefined) return;
      abort = new AbortController();
      running = loop(abort.signal);
    },
    async stop() {
      abort?.abort();
      await running;
      running = undefined;
      await turn;
    },
    pollOnce,
  };
}
