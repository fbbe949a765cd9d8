import { AuthorityError } from '../../errors/errors';

/** One invalid member of a stream management request. `field` is a path such as `delivery.endpoint_url`. */
export interface SsfFieldError {
  readonly field: string;
  readonly message: string;
}

/**
 * A stream management request was malformed or asked for something the transmitter does not do
 * (SSF 1.0 §8.1: 400). Nothing was changed.
 */
export class SsfRequestInvalidError extends AuthorityError {
  override readonly name = 'SsfRequestInvalidError';
  readonly code = 'SSF_REQUEST_INVALID' as const;
  constructor(
    message: string,
    readonly errors: readonly SsfFieldError[] = [],
  ) {
    super(message);
  }
}

/** No stream with this id belongs to the calling receiver (SSF 1.0: 404, also for another receiver's stream). */
export class SsfStreamNotFoundError extends AuthorityError {
  override readonly name = 'SsfStreamNotFoundError';
  readonly code = 'SSF_STREAM_NOT_FOUND' as const;
  constructor(readonly streamId: string) {
    super(`no stream ${JSON.stringify(streamId)} for this receiver`);
  }
}

/** The receiver's access token is missing, malformed, expired, revoked or not ours (401). */
export class SsfReceiverUnauthorizedError extends AuthorityError {
  override readonly name = 'SsfReceiverUnauthorizedError';
  readonly code = 'SSF_RECEIVER_UNAUTHORIZED' as const;
}

/** The token is valid but lacks the scope the request needs (403). */
export class SsfReceiverForbiddenError extends AuthorityError {
  override readonly name = 'SsfReceiverForbiddenError';
  readonly code = 'SSF_RECEIVER_FORBIDDEN' as const;
  constructor(readonly requiredScope: string) {
    super(`this request needs the scope ${requiredScope}`);
  }
}

/** The receiver already has as many streams as one receiver may have (SSF 1.0 §8.1.1.1: 409). */
export class SsfStreamConflictError extends AuthorityError {
  override readonly name = 'SsfStreamConflictError';
  readonly code = 'SSF_STREAM_CONFLICT' as const;
}

/** A verification was requested sooner than `min_verification_interval` after the last one (429). */
export class SsfTooManyRequestsError extends AuthorityError {
  override readonly name = 'SsfTooManyRequestsError';
  readonly code = 'SSF_TOO_MANY_REQUESTS' as const;
  constructor(readonly retryAfterSeconds: number) {
    super(`verification requested too often; retry in ${retryAfterSeconds} s`);
  }
}
