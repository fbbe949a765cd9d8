// The public surface of authority-core: what apps/authority needs, and the types its
// signatures mention. Everything else (store internals, relay factory, envelope) stays private.
export { openAuthorityCore, type AuthorityCore, type AuthorityCoreOptions, type RelayOptions } from './authority-core';
export {
  AudienceNotAllowedError,
  AuthorityError,
  ClientAuthenticationError,
  ClientExistsError,
  EventInvalidError,
  KeyInvalidError,
  KeyUnwrapError,
  MigrationError,
  RevocationNotFoundError,
  ScopeNotAllowedError,
  SigningError,
  StoreError,
  type AuthorityErrorCode,
} from './errors/errors';
export {
  CLIENT_ID_PATTERN,
  MAX_AUDIENCE_LENGTH,
  SCOPE_TOKEN_PATTERN,
  type Client,
  type ClientRegistration,
  type ClientRegistry,
  type RegisteredClient,
} from './clients/client-registry';
export { secretsEqual } from './crypto/constant-time';
export type { PublicSigningJwk, SigningAlg, SigningKey, SigningKeys } from './keys/signing-keys';
export type { AuthorityLogger } from './logging/logger';
export type { BackoffOptions } from './outbox/backoff';
export type { OutboxRelay, OutboxRelayState, OutboxRelayStatus } from './outbox/outbox-relay';
export type { OutboxEntry, OutboxStore } from './outbox/outbox-store';
export {
  MAX_REASON_LENGTH,
  MAX_TARGET_VALUE_LENGTH,
  type Revocation,
  type RevocationStatus,
} from './revocations/revocation';
export type { RevocationService, RevokeInput } from './revocations/revocation-service';
export type { AuthorityStore } from './store/store';
export type { Clock, Milliseconds, Seconds, Sleep } from './time/clock';
export type { AccessTokenClaims, ClientCredentialsRequest, IssuedToken, TokenIssuer } from './tokens/token-issuer';
