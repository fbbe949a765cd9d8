import { Inject, Injectable, type FactoryProvider } from '@nestjs/common';
import { createDpopTokenBinding, DpopProofError, type AuthorityCore, type Client, type DpopBinding, type DpopTokenBinding } from '@revmesh/authority-core';
import type { AuthorityConfig } from '../../config/config';
import { AUTHORITY_CONFIG, AUTHORITY_CORE } from '../../core/core.tokens';
import { issuerUrl } from '../../well-known/issuer-url';
import { OAuthError } from '../oauth-error';
import type { OAuthRequest } from '../oauth-request';

/** Injection token of the core's {@link DpopTokenBinding}. */
export const DPOP_TOKEN_BINDING = Symbol('DPOP_TOKEN_BINDING');

/** One binding per process: its proof replay cache is per authority instance. */
export const dpopTokenBindingProvider: FactoryProvider<DpopTokenBinding> = {
  provide: DPOP_TOKEN_BINDING,
  inject: [AUTHORITY_CORE, AUTHORITY_CONFIG],
  useFactory: (core: Pick<AuthorityCore, 'store' | 'clock'>, config: Pick<AuthorityConfig, 'dpop'>) =>
    createDpopTokenBinding({
      store: core.store,
      clock: core.clock,
      ...(config.dpop === undefined ? {} : { maxProofAgeSeconds: config.dpop.maxProofAgeSeconds }),
      ...(config.dpop?.nonceSecret === undefined ? {} : { nonce: { secret: config.dpop.nonceSecret } }),
    }),
};

/** The token endpoint's answer to a refused DPoP proof: 400 `invalid_dpop_proof`, or `use_dpop_nonce` with `DPoP-Nonce`. */
export function dpopOAuthError(error: DpopProofError): OAuthError {
  return new OAuthError(error.oauthError, error.message, 400, error.nonce === undefined ? {} : { 'DPoP-Nonce': error.nonce });
}

const asList = (value: string | string[] | undefined): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/**
 * The token endpoint's DPoP step (RFC 9449 §5), for every grant before it issues: reads the
 * `DPoP` header, checks the proof against this endpoint's public URL (the issuer's, so a proxy in
 * front does not matter) and returns the key to bind the tokens to. Grants pass `jkt` on to the
 * token issuer (`cnf.jkt`, `token_type: DPoP`) and, for public clients, to the refresh-token family.
 */
@Injectable()
export class DpopProofStep {
  private readonly tokenUrl: string;

  constructor(
    @Inject(DPOP_TOKEN_BINDING) private readonly binding: DpopTokenBinding,
    @Inject(AUTHORITY_CONFIG) config: Pick<AuthorityConfig, 'issuer'>,
  ) {
    this.tokenUrl = issuerUrl(config.issuer, '/oauth/token');
  }

  /**
   * @returns the binding, or undefined for a request without a proof (a bearer token).
   * @throws {OAuthError} `invalid_dpop_proof` (400), or `use_dpop_nonce` (400, `DPoP-Nonce` header).
   */
  async bind(request: OAuthRequest, client: Pick<Client, 'clientId'>): Promise<DpopBinding | undefined> {
    try {
      return await this.binding.bind({ proofs: asList(request.headers['dpop']), method: request.method, url: this.tokenUrl, clientId: client.clientId });
    } catch (error) {
      throw error instanceof DpopProofError ? dpopOAuthError(error) : error;
    }
  }
}
