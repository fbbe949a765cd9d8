import type { VerifyFailure, VerifyFailureCode } from '../verify/verify-result';

/**
 * Every code a {@link SidecarError} can carry: the token rejection codes (thrown only by the
 * framework adapters that must throw, like the Nest guard) and the lifecycle failures.
 *
 * Caller mistakes (bad options, calling `start()` twice) are `TypeError`s instead, as in jose:
 * they are bugs to fix, not conditions to handle.
 */
export type SidecarErrorCode = VerifyFailureCode | 'START_FAILED' | 'CLOSED';

/** Base class of every error the sidecar raises on purpose. Branch on `code`, not on the class. */
export class SidecarError extends Error {
  override readonly name: string = 'SidecarError';
  readonly code: SidecarErrorCode;

  constructor(code: SidecarErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/**
 * A request's token was rejected. Thrown by `RevmeshGuard` (NestJS): Nest's default exception
 * filter turns any error with `statusCode` and `message` into that HTTP status.
 */
export class TokenRejectedError extends SidecarError {
  override readonly name = 'TokenRejectedError';
  declare readonly code: VerifyFailureCode;
  /** HTTP status to answer with (401 for token problems, 503/500 for the sidecar's own state). */
  readonly statusCode: number;
  /** The verification failure, including `revocationId` for `TOKEN_REVOKED`. */
  readonly failure: VerifyFailure;

  constructor(failure: VerifyFailure, statusCode: number) {
    super(failure.code, failure.message);
    this.failure = failure;
    this.statusCode = statusCode;
  }
}

/** `start()` could not begin reading the revocation topic (broker unreachable, topic missing...). `cause` holds the transport error. */
export class SidecarStartError extends SidecarError {
  override readonly name = 'SidecarStartError';
  declare readonly code: 'START_FAILED';

  constructor(message: string, options?: { cause?: unknown }) {
    super('START_FAILED', message, options);
  }
}

/** The sidecar was closed: rejects `ready` if it was not ready yet. */
export class SidecarClosedError extends SidecarError {
  override readonly name = 'SidecarClosedError';
  declare readonly code: 'CLOSED';

  constructor(message = 'the sidecar was closed') {
    super('CLOSED', message);
  }
}
