import type { RevocationTargetType } from '@revmesh/contracts';
import type { AuthorityClient, AuthorityResponse } from './authority-client';

/** Paths of the authority API the CLI drives, relative to the authority URL. */
export const API_PATHS = {
  revocations: 'v1/revocations',
  revocation: (id: string) => `v1/revocations/${encodeURIComponent(id)}`,
  coverage: (id: string) => `v1/revocations/${encodeURIComponent(id)}/coverage`,
  instances: 'v1/instances',
  keys: 'v1/keys',
  keyCalendar: 'v1/keys/calendar',
  keyRotate: 'v1/keys/rotate',
  keyCompromise: (kid: string) => `v1/keys/${encodeURIComponent(kid)}/compromise`,
  rotation: (id: string) => `v1/rotations/${encodeURIComponent(id)}`,
  rotationRollback: (id: string) => `v1/rotations/${encodeURIComponent(id)}/rollback`,
  eventSignerRotate: 'v1/event-signers/rotate',
} as const;

/** `POST /v1/revocations`. */
export interface CreateRevocationInput {
  readonly target: RevocationTargetType;
  readonly value: string;
  readonly reason: string;
}

/** `POST /v1/rotations/:id/rollback`. */
export interface RollbackInput {
  readonly reason: string;
  /** What the key being rolled back from becomes; the authority's default is `retired`. */
  readonly newKeyState?: 'retired' | 'revoked';
}

/** One method per authority operation; bodies are returned as parsed, to be narrowed by the caller. */
export interface AuthorityApi {
  createRevocation(input: CreateRevocationInput): Promise<AuthorityResponse>;
  getRevocation(id: string): Promise<AuthorityResponse>;
  getCoverage(id: string): Promise<AuthorityResponse>;
  listInstances(): Promise<AuthorityResponse>;
  listKeys(): Promise<AuthorityResponse>;
  keyCalendar(): Promise<AuthorityResponse>;
  rotateKeys(reason: string): Promise<AuthorityResponse>;
  compromiseKey(kid: string, reason: string): Promise<AuthorityResponse>;
  rollbackRotation(id: string, input: RollbackInput): Promise<AuthorityResponse>;
  getRotation(id: string): Promise<AuthorityResponse>;
  rotateEventSigner(reason: string): Promise<AuthorityResponse>;
}

/** Binds the operations to a client. */
export function createAuthorityApi(client: AuthorityClient): AuthorityApi {
  return {
    createRevocation: (input) => client.request('POST', API_PATHS.revocations, input),
    getRevocation: (id) => client.request('GET', API_PATHS.revocation(id)),
    getCoverage: (id) => client.request('GET', API_PATHS.coverage(id)),
    listInstances: () => client.request('GET', API_PATHS.instances),
    listKeys: () => client.request('GET', API_PATHS.keys),
    keyCalendar: () => client.request('GET', API_PATHS.keyCalendar),
    rotateKeys: (reason) => client.request('POST', API_PATHS.keyRotate, { reason }),
    compromiseKey: (kid, reason) => client.request('POST', API_PATHS.keyCompromise(kid), { reason }),
    rollbackRotation: (id, input) =>
      client.request('POST', API_PATHS.rotationRollback(id), {
        reason: input.reason,
        ...(input.newKeyState === undefined ? {} : { new_key_state: input.newKeyState }),
      }),
    getRotation: (id) => client.request('GET', API_PATHS.rotation(id)),
    rotateEventSigner: (reason) => client.request('POST', API_PATHS.eventSignerRotate, { reason }),
  };
}
