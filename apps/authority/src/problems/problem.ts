/**
 * RFC 9457 problem details, the error format of every route except `/oauth/token` (which
 * answers in RFC 6749's format). `code` is stable: clients switch on it, never on `title` or
 * `detail`.
 */
export const PROBLEM_TYPES = {
  INVALID_REQUEST: { status: 400, title: 'The request is invalid' },
  MALFORMED_BODY: { status: 400, title: 'The request body cannot be parsed' },
  UNAUTHORIZED: { status: 401, title: 'Authentication required' },
  INVALID_CREDENTIALS: { status: 401, title: 'The credentials are not valid' },
  STEP_UP_REQUIRED: { status: 401, title: 'A fresh second factor is required' },
  JUSTIFICATION_REQUIRED: { status: 400, title: 'A justification is required' },
  FORBIDDEN: { status: 403, title: 'Your role does not allow this' },
  SELF_APPROVAL: { status: 403, title: 'A request cannot be approved by the person who made it' },
  APPROVER_SPONSORED: { status: 403, title: 'The requester created or raised your account too recently for you to approve' },
  ENROLMENT_CODE_INVALID: { status: 400, title: 'The enrolment code is unknown, expired or already used' },
  OPERATOR_ENROLLED: { status: 409, title: 'The operator is enrolled already' },
  BOOTSTRAP_DONE: { status: 409, title: 'An administrator already exists' },
  BOOTSTRAP_DISABLED: { status: 403, title: 'Bootstrap is not enabled on this authority' },
  OPERATOR_EXISTS: { status: 409, title: 'An operator with this name exists' },
  APPROVAL_NOT_PENDING: { status: 409, title: 'The approval request is no longer pending' },
  APPROVAL_EXPIRED: { status: 409, title: 'The approval request has expired' },
  POLICY_INVALID: { status: 422, title: 'The policy is not valid' },
  ISSUER_NOT_TRUSTED: { status: 422, title: 'The issuer is not a registered, enabled trusted issuer' },
  ISSUER_EXISTS: { status: 409, title: 'This issuer is registered already' },
  SSF_TRANSMITTER_FAILED: { status: 502, title: 'The SSF transmitter (or its OpenID provider) did not do what was asked' },
  BATCH_INVALID: { status: 422, title: 'Targets of the batch are refused; nothing was stored' },
  BATCH_NEEDS_APPROVAL: { status: 422, title: 'Targets of the batch need a second security-admin; nothing was stored' },
  INCIDENT_UNKNOWN: { status: 422, title: 'The incident named by the request does not exist' },
  INCIDENT_CLOSED: { status: 409, title: 'The incident is resolved: nothing more can be linked to it' },
  INCIDENT_TRANSITION_REFUSED: { status: 409, title: 'The incident cannot move to that status from its current one' },
  INCIDENT_LINK_TARGET_UNKNOWN: { status: 422, title: 'The action to link does not exist' },
  COMMS_TEXT_CHANGED: { status: 409, title: 'The message is no longer the text that was previewed or approved' },
  COMMS_NO_WEBHOOK: { status: 409, title: "No webhook of the policy's comms.webhooks takes this audience" },
  COMMS_WEBHOOK_UNUSABLE: { status: 409, title: "A webhook of this audience lacks its URL or secret in the authority's environment" },
  LOGIN_THROTTLED: { status: 429, title: 'Too many failed logins' },
  NOT_FOUND: { status: 404, title: 'Not found' },
  METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed' },
  CONFLICT: { status: 409, title: 'Conflict' },
  KEY_STATE_CONFLICT: { status: 409, title: 'The key is not in a state that allows this' },
  ROLLBACK_TARGET_REVOKED: { status: 409, title: 'A rollback cannot re-activate a revoked key' },
  ROTATION_IN_PROGRESS: { status: 409, title: 'A rotation is already in progress' },
  ROTATION_NOT_ROLLBACKABLE: { status: 409, title: 'This rotation cannot be rolled back' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'The request body is too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported content type' },
  TOO_MANY_REQUESTS: { status: 429, title: 'Too many requests' },
  STORE_UNAVAILABLE: { status: 503, title: 'The authority cannot store anything right now; retry later' },
  SNAPSHOT_UNAVAILABLE: { status: 503, title: 'The authority cannot publish a snapshot right now' },
  INTERNAL: { status: 500, title: 'Internal error' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ProblemCode = keyof typeof PROBLEM_TYPES;

/** One invalid field of a request body. `field` is a path such as `target` or `audiences[0]`. */
export interface FieldError {
  readonly field: string;
  readonly message: string;
  /** Zero-based position of the item at fault in a batch request (`targets[index]`). */
  readonly index?: number;
}

/** The JSON body of an `application/problem+json` response. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: ProblemCode;
  readonly instance?: string;
  readonly errors?: readonly FieldError[];
  /** Problem-specific members (RFC 9457 §3.2), e.g. `kid` and `current_state` of a key conflict. */
  readonly [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

/** `type` URI of a code: a URN, since there is no documentation site to dereference yet. */
export function problemType(code: ProblemCode): string {
  return `urn:revmesh:problem:${code.toLowerCase().replace(/_/g, '-')}`;
}

/** Thrown by guards, pipes and controllers; rendered by the problem filter. */
export class ProblemException extends Error {
  override readonly name = 'ProblemException';
  readonly status: number;
  constructor(
    readonly code: ProblemCode,
    readonly detail: string,
    readonly extra: {
      readonly errors?: readonly FieldError[];
      readonly headers?: Readonly<Record<string, string>>;
      /** Extension members added to the body; never overriding the standard ones. */
      readonly extensions?: Readonly<Record<string, string | number | boolean | null>>;
    } = {},
  ) {
    super(detail);
    this.status = PROBLEM_TYPES[code].status;
  }

  toProblem(instance?: string): Problem {
    return {
      ...this.extra.extensions,
      type: problemType(this.code),
      title: PROBLEM_TYPES[this.code].title,
      status: this.status,
      detail: this.detail,
      code: this.code,
      ...(instance === undefined ? {} : { instance }),
      ...(this.extra.errors === undefined ? {} : { errors: this.extra.errors }),
    };
  }
}
