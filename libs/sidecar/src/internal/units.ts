/**
 * Unit aliases. They change nothing at runtime; they make every duration and instant in a
 * signature say its unit, because mixing JWT seconds with JavaScript milliseconds is the
 * classic off-by-1000 bug of token code.
 */

/** A duration in milliseconds. */
export type Milliseconds = number;

/** A duration in seconds (the unit of JWT `iat`/`exp`/`nbf` arithmetic). */
export type Seconds = number;

/** An instant as Unix epoch milliseconds (what `Date.now()` returns). */
export type EpochMillis = number;

/** An instant as Unix epoch seconds (what JWT `iat`/`exp`/`nbf` carry). */
export type EpochSeconds = number;

/** Returns the current time as epoch milliseconds. Injectable so tests never sleep. */
export type Clock = () => EpochMillis;
