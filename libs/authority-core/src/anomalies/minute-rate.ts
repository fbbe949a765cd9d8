import type { Milliseconds } from '../time/clock';

/** Occurrences in the last minute against the mean per minute of the hour before. */
export interface MinuteRateSample {
  /** Occurrences within the last 60 s, this one included. */
  readonly lastMinute: number;
  /**
   * Mean per minute over the previous hour (minutes without occurrences count as 0), leaving out
   * the last two minutes, which overlap the sliding window.
   */
  readonly baselinePerMinute: number;
}

/** Counts occurrences of one signal for a rate-over-baseline anomaly. Memory: one minute of times, an hour of counters. */
export interface MinuteRate {
  record(now: Milliseconds): MinuteRateSample;
}

export function createMinuteRate(): MinuteRate {
  const times: number[] = [];
  const perMinute = new Map<number, number>();
  return {
    record(now) {
      times.push(now);
      while (times.length > 0 && now - times[0]! >= 60_000) times.shift();
      const minute = Math.floor(now / 60_000);
      perMinute.set(minute, (perMinute.get(minute) ?? 0) + 1);
      let total = 0;
      for (const [m, n] of perMinute) {
        if (m < minute - 60) perMinute.delete(m);
        else if (m < minute - 1) total += n;
      }
      return { lastMinute: times.length, baselinePerMinute: total / 60 };
    },
  };
}
