import type { Client } from '@revmesh/authority-core';
import type { OAuthRequest } from '../oauth-request';
import type { TokenResponse } from '../token-response';

/** What a grant handler gets: the request, its form, and the client already authenticated. */
export interface GrantContext {
  readonly request: OAuthRequest;
  readonly form: Readonly<Record<string, string>>;
  readonly client: Client;
}

/**
 * One grant type of the token endpoint. The endpoint reads the form, authenticates the client,
 * then hands the request to the handler whose `grantType` matches; adding a grant is one class
 * and one line in `grants.ts` (the metadata's `grant_types_supported` follows).
 */
export interface GrantHandler {
  /** The `grant_type` value this handler answers. */
  readonly grantType: string;
  /** @throws {OAuthError} for every request it refuses. */
  handle(context: GrantContext): Promise<TokenResponse>;
}

/** Injection token of every {@link GrantHandler}, in `grants.ts` order. */
export const GRANT_HANDLERS = Symbol('GRANT_HANDLERS');
