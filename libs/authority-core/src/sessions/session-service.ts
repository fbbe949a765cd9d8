import { randomUUID } from 'node:crypto';
import type { Actor } from '@revmesh/contracts';
import type { JWTPayload } from 'jose';
import type { AnomalyDetector } from '../anomalies/anomaly-detector';
import { systemAuditContext, type AuditContext } from '../audit/audit-context';
import type { AuditLog } from '../audit/audit-log';
import type { Client } from '../clients/client-registry';
import { checkRefreshTokenBinding, isPublicClient, refreshTokenJkt, type DpopBinding } from '../dpop/dpop-token-binding';
import { IntrospectionNotAllowedError, SessionGrantRefusedError, SessionNotFoundError } from '../errors/errors';
import type { AuthorityLogger } from '../logging/logger';
import type { RequestOrigin } from '../operators/operator-service';
import type { PolicySource } from '../policy/policy-document';
import type { Revocation } from '../revocations/revocation';
import type { RevocationService } from '../revocations/revocation-service';
import type { AuthorityStore } from '../store/store';
import type { AuthorityMetrics } from '../telemetry/authority-metrics';
import type { Clock, Seconds } from '../time/clock';
import type { AccessTokenClaims, ActorClaim, TokenIssuer } from '../tokens/token-issuer';
import { ExternalTokenError, unverifiedIssuer, type ExternalTokenVerifier } from './external-token-verifier';
import { newRefreshToken, refreshTokenDigest } from './refresh-token';
import { SELF_ISSUER, type ExchangeRule } from './session-policy';
import type { SessionFilter, SessionRecord, SessionStore } from './session-store';
import { sessionSubject } from './session-subject';
import { deniableClaimsOf, type DenyRuleLookup, type TokenStatusEvaluator } from './token-status';

/** RFC 8693 §3 token type URIs. */
export const TOKEN_TYPE_ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
export const TOKEN_TYPE_JWT = 'urn:ietf:params:oauth:token-type:jwt';
/** Token types accepted as `subject_token_type` / `actor_token_type`. */
export const EXCHANGEABLE_TOKEN_TYPES: readonly string[] = [TOKEN_TYPE_ACCESS_TOKEN, TOKEN_TYPE_JWT];

/** Audit actions of sessions. */
export const SESSION_AUDIT = {
  create: 'sessions.create',
  end: 'sessions.end',
  reuse: 'sessions.refresh-token-reuse',
} as const;

/** What a token exchange asks (RFC 8693 §2.1), after client authentication. */
export interface TokenExchangeRequest {
  readonly client: Client;
  readonly subjectToken: string;
  readonly subjectTokenType: string;
  readonly actorToken?: string;
  readonly actorTokenType?: string;
  /** `audience`, or RFC 8707 `resource` (one value; the same if both are sent). */
  readonly audience?: string;
  /** Space-delimited; each must be one of the client's scopes. Default: all of them. */
  readonly scope?: string;
  readonly requestedTokenType?: string;
  readonly origin: RequestOrigin;
  /** The request's DPoP key (`DpopTokenBinding.bind`): the access token is bound to it (`cnf.jkt`). */
  readonly dpop?: DpopBinding;
}

/** A session's new tokens (token exchange, refresh). */
export interface SessionTokens {
  readonly accessToken: string;
  /** `DPoP` when the access token is bound to the request's DPoP key. */
  readonly tokenType: 'Bearer' | 'DPoP';
  readonly expiresIn: Seconds;
  readonly scope: string;
  readonly refreshToken: string;
  readonly sid: string;
  readonly claims: AccessTokenClaims;
}

/** An RFC 7662 answer: `{active: false}` and nothing else, or the active token's claims. */
export type Introspection = { readonly active: false } | ({ readonly active: true; readonly token_type: string } & Readonly<Record<string, unknown>>);

/** Sessions (RFC 8693 token exchange, rotating refresh tokens) and the standard token endpoints. */
export interface SessionService {
  /**
   * Exchanges a user's token of a trusted issuer (or of this authority) for a session: a new
   * `sid`, an access token (the user's `sub`, the client, `act` for an actor token) and a
   * refresh token.
   * @throws {SessionGrantRefusedError} `unauthorized_client` when no policy rule lets this client
   *   exchange that issuer's tokens, `invalid_target` for an audience no rule allows,
   *   `invalid_grant` for a subject/actor token that does not verify or is not active,
   *   `invalid_request`, `invalid_scope`.
   */
  exchange(request: TokenExchangeRequest): Promise<SessionTokens>;
  /**
   * Rotates a refresh token: the old one is spent, a new one and a new access token are issued.
   * A spent token presented within `sessions.reuseGraceSeconds` of its rotation gets tokens too
   * (concurrent requests); after that it is reuse, and the whole session is revoked (its refresh
   * tokens, and its access tokens by a `sid` revocation every sidecar applies), with an alert.
   * @throws {SessionGrantRefusedError} `invalid_grant` (unknown, spent, other client's, ended,
   *   idle or expired session), `invalid_scope` for a scope beyond the session's.
   */
  refresh(request: { readonly client: Client; readonly refreshToken: string; readonly scope?: string; readonly origin: RequestOrigin; readonly dpop?: DpopBinding }): Promise<SessionTokens>;
  /**
   * RFC 7009: a client revokes one of its own tokens. A refresh token ends its session (and,
   * by a `sid` revocation, the session's access tokens); an access token is revoked by its
   * `jti`, audited as the client's action. Anything else (unknown, already revoked, expired,
   * another client's) changes nothing, and the caller answers 200 all the same.
   * @returns what was done, for logs and tests.
   */
  revokeToken(request: {
    readonly client: Client;
    readonly token: string;
    readonly tokenTypeHint?: string;
    readonly origin: RequestOrigin;
  }): Promise<'session-ended' | 'access-token-revoked' | 'nothing'>;
  /**
   * RFC 7662: whether a token is active, from the state the sidecars enforce.
   * @throws {IntrospectionNotAllowedError} when the policy does not list the client.
   */
  introspect(request: { readonly client: Client; readonly token: string; readonly tokenTypeHint?: string; readonly audience?: string }): Promise<Introspection>;
  /** Sessions, newest first. */
  list(filter: SessionFilter): SessionRecord[];
  /** @throws {SessionNotFoundError} */
  get(sid: string): SessionRecord;
  /**
   * Revokes a session as an operator: a `sid` revocation (published to every sidecar, audited
   * with `context`), which also ends its refresh tokens.
   * @throws {SessionNotFoundError}
   */
  revoke(sid: string, reason: string, actor: Actor, context: AuditContext, traceparent?: string): Promise<Revocation>;
  /**
   * Ends the sessions a just-accepted revocation covers (a `sid`, `sub`, `client_id`, `jkt` rule,
   * or a `sub` rule of an external issuer). Called after every revocation's commit; never throws.
   */
  onRevocationAccepted(revocation: Revocation): void;
}

export interface SessionServiceOptions {
  readonly ownIssuer: string;
  readonly store: AuthorityStore;
  readonly sessions: SessionStore;
  readonly tokens: Pick<TokenIssuer, 'issueSessionToken'>;
  readonly tokenStatus: TokenStatusEvaluator;
  readonly external: ExternalTokenVerifier;
  readonly rules: DenyRuleLookup;
  readonly revocations: Pick<RevocationService, 'revoke'>;
  readonly anomalies: Pick<AnomalyDetector, 'onRefreshTokenReuse'>;
  readonly audit: AuditLog;
  readonly policy: PolicySource;
  readonly clock: Clock;
  readonly metrics?: Pick<AuthorityMetrics, 'tokenIssued' | 'refreshTokenReuseDetected'>;
  readonly logger?: AuthorityLogger;
}

const refuse = (code: SessionGrantRefusedError['oauthError'], message: string): SessionGrantRefusedError => new SessionGrantRefusedError(code, message);

function grantedScope(client: Client, requested: string | undefined, ceiling: readonly string[]): string {
  if (requested === undefined) return ceiling.join(' ');
  const asked = [...new Set(requested.split(' ').filter((s) => s.length > 0))];
  const beyond = asked.filter((s) => !ceiling.includes(s));
  if (beyond.length > 0) throw refuse('invalid_scope', `scope not allowed for client ${client.clientId}: ${beyond.join(' ')}`);
  return asked.join(' ');
}

/** A client's audit context at the token endpoints: the client is the actor. */
function clientContext(clientId: string, origin: RequestOrigin, justification: string): AuditContext {
  return { actor: { kind: 'client', id: clientId }, role: null, justification, requestId: origin.requestId, sourceAddress: origin.sourceAddress };
}

export function createSessionService(options: SessionServiceOptions): SessionService {
  const { ownIssuer, store, sessions, tokens, tokenStatus, external, rules, revocations, anomalies, audit, policy, clock } = options;
  const issuerName = (iss: string): string => (iss === ownIssuer ? SELF_ISSUER : iss);

  /** The subject or actor token's verified claims and issuer. */
  async function verifiedToken(token: string, tokenType: string | undefined, role: 'subject_token' | 'actor_token'): Promise<{ iss: string; payload: JWTPayload }> {
    if (tokenType === undefined) throw refuse('invalid_request', `${role}_type is required with ${role}`);
    if (!EXCHANGEABLE_TOKEN_TYPES.includes(tokenType)) {
      throw refuse('invalid_request', `${role}_type must be one of ${EXCHANGEABLE_TOKEN_TYPES.join(', ')}`);
    }
    const iss = unverifiedIssuer(token);
    if (iss === undefined) throw refuse('invalid_grant', `${role} is not a JWT with an iss`);
    if (iss === ownIssuer) {
      const status = await tokenStatus.status(token);
      if (!status.active) throw refuse('invalid_grant', `${role} is not active (${status.reason})`);
      return { iss, payload: status.claims as unknown as JWTPayload };
    }
    let payload: JWTPayload;
    try {
      payload = await external.verify(token, iss);
    } catch (error) {
      if (error instanceof ExternalTokenError) throw refuse('invalid_grant', `${role}: ${error.message}`);
      throw error;
    }
    // The deny rules revmesh holds on that issuer's tokens, as its sidecars apply them.
    const denied = rules.firstMatch(iss, deniableClaimsOf(payload), clock.now());
    if (denied !== undefined) throw refuse('invalid_grant', `${role} was revoked`);
    return { iss, payload };
  }

  function allowedRules(clientId: string, issuers: readonly string[]): ExchangeRule[] {
    return policy
      .current()
      .tokenExchange.rules.filter((rule) => rule.clients.includes(clientId) && issuers.every((iss) => rule.issuers.includes(issuerName(iss))));
  }

  function actorClaim(iss: string, payload: JWTPayload): ActorClaim {
    const clientId = typeof payload['client_id'] === 'string' ? payload['client_id'] : typeof payload['azp'] === 'string' ? payload['azp'] : undefined;
    const inner = payload['act'];
    return {
      sub: sessionSubject(iss, payload.sub ?? '', ownIssuer),
      ...(clientId === undefined ? {} : { client_id: clientId }),
      ...(typeof inner === 'object' && inner !== null && typeof (inner as ActorClaim).sub === 'string' ? { act: inner as ActorClaim } : {}),
    };
  }

  async function sessionToken(session: SessionRecord, scope: string, grant: string, dpop: DpopBinding | undefined): Promise<Omit<SessionTokens, 'refreshToken'>> {
    const issued = await tokens.issueSessionToken({
      sub: session.sub,
      clientId: session.clientId,
      audience: session.audience,
      scope,
      sid: session.sid,
      ...(session.act === null ? {} : { act: session.act }),
      lifetimeSeconds: policy.current().sessions.accessTokenLifetimeSeconds,
      ...(dpop === undefined ? {} : { jkt: dpop.jkt }),
    });
    options.metrics?.tokenIssued(grant, 'access');
    options.metrics?.tokenIssued(grant, 'refresh');
    return { accessToken: issued.accessToken, tokenType: issued.tokenType, expiresIn: issued.expiresIn, scope: issued.scope, sid: session.sid, claims: issued.claims };
  }

  /** Ends a session and revokes its access tokens everywhere (`sid`), as `actor`. */
  async function endWithAccessTokens(session: SessionRecord, reason: 'client-revoked' | 'refresh-token-reuse', actor: Actor, context: AuditContext, why: string): Promise<void> {
    const now = clock.now();
    const ended = store.transaction(() => {
      const first = sessions.end(session.sid, reason, now);
      if (first) {
        audit.append({
          action: reason === 'refresh-token-reuse' ? SESSION_AUDIT.reuse : SESSION_AUDIT.end,
          outcome: 'succeeded',
          target: session.sid,
          context,
          details: { reason, clientId: session.clientId, sub: session.sub },
        });
      }
      return first;
    });
    if (!ended) return;
    await revocations.revoke({ target: { type: 'sid', value: session.sid }, reason: why, actor, context });
  }

  /** The end a session has reached by time (idle, absolute), or undefined. */
  function timedOut(session: SessionRecord, now: number): 'idle' | 'expired' | undefined {
    if (now >= session.expiresAt) return 'expired';
    if (now >= session.lastUsedAt + policy.current().sessions.idleSeconds * 1000) return 'idle';
    return undefined;
  }

  const service: SessionService = {
    async exchange(request) {
      const { client } = request;
      if (request.requestedTokenType !== undefined && request.requestedTokenType !== TOKEN_TYPE_ACCESS_TOKEN) {
        throw refuse('invalid_request', `requested_token_type must be ${TOKEN_TYPE_ACCESS_TOKEN}`);
      }
      if ((request.actorToken === undefined) !== (request.actorTokenType === undefined)) {
        throw refuse('invalid_request', 'actor_token and actor_token_type go together');
      }
      // Policy first on the claimed issuers (cheap, no network): a client that may not exchange
      // anything learns nothing about the tokens it sent.
      const subjectIss = unverifiedIssuer(request.subjectToken);
      const actorIss = request.actorToken === undefined ? undefined : unverifiedIssuer(request.actorToken);
      if (subjectIss === undefined) throw refuse('invalid_grant', 'subject_token is not a JWT with an iss');
      if (request.actorToken !== undefined && actorIss === undefined) throw refuse('invalid_grant', 'actor_token is not a JWT with an iss');
      const candidates = allowedRules(client.clientId, actorIss === undefined ? [subjectIss] : [subjectIss, actorIss]);
      if (candidates.length === 0) {
        throw refuse('unauthorized_client', `client ${client.clientId} may not exchange tokens of ${issuerName(subjectIss)}${actorIss === undefined ? '' : ` with an actor of ${issuerName(actorIss)}`} (policy tokenExchange.rules)`);
      }
      const audience = request.audience ?? candidates[0]!.audiences[0]!;
      if (!candidates.some((rule) => rule.audiences.includes(audience))) {
        throw refuse('invalid_target', `client ${client.clientId} may not exchange tokens for audience ${JSON.stringify(audience)}`);
      }
      const scope = grantedScope(client, request.scope, client.scopes);
      const subject = await verifiedToken(request.subjectToken, request.subjectTokenType, 'subject_token');
      const actor = request.actorToken === undefined ? undefined : await verifiedToken(request.actorToken, request.actorTokenType, 'actor_token');

      const now = clock.now();
      const { absoluteSeconds } = policy.current().sessions;
      const session: SessionRecord = {
        sid: randomUUID(),
        clientId: client.clientId,
        sub: sessionSubject(subject.iss, subject.payload.sub ?? '', ownIssuer),
        subjectIssuer: subject.iss,
        subject: subject.payload.sub ?? '',
        act: actor === undefined ? null : actorClaim(actor.iss, actor.payload),
        audience,
        scope,
        // RFC 9449 §5: a public client's refresh tokens are bound to its DPoP key.
        jkt: refreshTokenJkt({ isPublic: isPublicClient(client) }, request.dpop) ?? null,
        createdAt: now,
        lastUsedAt: now,
        expiresAt: now + absoluteSeconds * 1000,
        endedAt: null,
        endReason: null,
      };
      const refresh = newRefreshToken();
      store.transaction(() => {
        sessions.create(session, refresh.digest);
        audit.append({
          action: SESSION_AUDIT.create,
          outcome: 'succeeded',
          target: session.sid,
          context: clientContext(client.clientId, request.origin, 'token exchange'),
          details: { sub: session.sub, subjectIssuer: session.subjectIssuer, audience, scope, ...(session.act === null ? {} : { act: session.act.sub }) },
        });
      });
      return { ...(await sessionToken(session, scope, 'token-exchange', request.dpop)), refreshToken: refresh.token };
    },

    async refresh(request) {
      const { client } = request;
      const digest = refreshTokenDigest(request.refreshToken);
      const record = digest === undefined ? undefined : sessions.refreshToken(digest);
      if (digest === undefined || record === undefined) throw refuse('invalid_grant', 'unknown refresh token');
      const session = sessions.session(record.sid);
      // A token bound to another client is refused without a word about it (RFC 6749 §6).
      if (session === undefined || session.clientId !== client.clientId) throw refuse('invalid_grant', 'unknown refresh token');
      const now = clock.now();
      const { reuseGraceSeconds } = policy.current().sessions;
      if (record.usedAt !== null && now - record.usedAt > reuseGraceSeconds * 1000) {
        // Reuse: someone else holds a copy of a spent token. End the family, everywhere.
        options.logger?.warn('refresh token reuse: session revoked', {
          event: 'refresh_token_reuse',
          sid: session.sid,
          client_id: session.clientId,
          // The replay's address; the rotation it follows was this long before (a race is milliseconds).
          source_address: request.origin.sourceAddress,
          since_rotation_ms: now - record.usedAt,
        });
        anomalies.onRefreshTokenReuse({ sid: session.sid, clientId: session.clientId, sub: session.sub });
        options.metrics?.refreshTokenReuseDetected(session.clientId);
        await endWithAccessTokens(
          session,
          'refresh-token-reuse',
          { kind: 'system', id: 'refresh-token-reuse' },
          systemAuditContext('refresh-token-reuse', `a refresh token of session ${session.sid} was replayed ${Math.round((now - record.usedAt) / 1000)} s after its rotation`),
          'refresh token reuse detected',
        );
        throw refuse('invalid_grant', 'refresh token was already used; the session is revoked');
      }
      if (session.endedAt !== null || record.revokedAt !== null) throw refuse('invalid_grant', 'the session has ended');
      if (sessions.isCovered(session, now)) {
        sessions.end(session.sid, 'revoked', now);
        throw refuse('invalid_grant', 'the session has ended');
      }
      const end = timedOut(session, now);
      if (end !== undefined) {
        sessions.end(session.sid, end, now);
        throw refuse('invalid_grant', end === 'idle' ? 'the session was idle too long' : 'the session has reached its absolute lifetime');
      }
      const scope = grantedScope(client, request.scope, session.scope.split(' ').filter((s) => s.length > 0));
      checkRefreshTokenBinding(session.jkt, request.dpop);
      const successor = newRefreshToken();
      // Within the grace window a spent token gets a successor of its own (a concurrent request).
      if (!sessions.rotate(record.digest, successor.digest, session.sid, now, true)) throw refuse('invalid_grant', 'unknown refresh token');
      return { ...(await sessionToken(session, scope, 'refresh_token', request.dpop)), refreshToken: successor.token };
    },

    async revokeToken(request) {
      const { client } = request;
      const digest = request.tokenTypeHint === 'access_token' ? undefined : refreshTokenDigest(request.token);
      if (digest !== undefined) {
        const record = sessions.refreshToken(digest);
        const session = record === undefined ? undefined : sessions.session(record.sid);
        if (session === undefined || session.clientId !== client.clientId || session.endedAt !== null) return 'nothing';
        await endWithAccessTokens(
          session,
          'client-revoked',
          { kind: 'client', id: client.clientId },
          clientContext(client.clientId, request.origin, 'token revocation (RFC 7009)'),
          'refresh token revoked by its client',
        );
        return 'session-ended';
      }
      if (refreshTokenDigest(request.token) !== undefined) return 'nothing';
      const status = await tokenStatus.status(request.token);
      if (!status.active || status.claims.client_id !== client.clientId) return 'nothing';
      await revocations.revoke({
        target: { type: 'jti', value: status.claims.jti },
        reason: 'access token revoked by its client',
        actor: { kind: 'client', id: client.clientId },
        context: clientContext(client.clientId, request.origin, 'token revocation (RFC 7009)'),
      });
      return 'access-token-revoked';
    },

    async introspect(request) {
      if (!policy.current().introspection.clients.includes(request.client.clientId)) throw new IntrospectionNotAllowedError(request.client.clientId);
      const digest = request.tokenTypeHint === 'access_token' ? undefined : refreshTokenDigest(request.token);
      if (digest !== undefined) {
        // A refresh token is shown only to the client it belongs to (resource servers never hold one).
        const record = sessions.refreshToken(digest);
        const session = record === undefined ? undefined : sessions.session(record.sid);
        const now = clock.now();
        if (record === undefined || session === undefined || session.clientId !== request.client.clientId) return { active: false };
        if (record.usedAt !== null || record.revokedAt !== null || session.endedAt !== null || timedOut(session, now) !== undefined) return { active: false };
        const idleEnd = session.lastUsedAt + policy.current().sessions.idleSeconds * 1000;
        return {
          active: true,
          token_type: 'refresh_token',
          iss: ownIssuer,
          sub: session.sub,
          aud: session.audience,
          client_id: session.clientId,
          sid: session.sid,
          iat: Math.floor(record.issuedAt / 1000),
          exp: Math.floor(Math.min(session.expiresAt, idleEnd) / 1000),
          ...(session.scope.length > 0 ? { scope: session.scope } : {}),
        };
      }
      if (refreshTokenDigest(request.token) !== undefined) return { active: false };
      const status = await tokenStatus.status(request.token, request.audience === undefined ? {} : { audience: request.audience });
      if (!status.active) return { active: false };
      const cnf = status.claims['cnf'];
      return { ...status.claims, active: true, token_type: typeof cnf === 'object' && cnf !== null ? 'DPoP' : 'Bearer' };
    },

    list: (filter) => sessions.list(filter),

    get(sid) {
      const session = sessions.session(sid);
      if (session === undefined) throw new SessionNotFoundError(sid);
      return session;
    },

    async revoke(sid, reason, actor, context, traceparent) {
      service.get(sid);
      return revocations.revoke({ target: { type: 'sid', value: sid }, reason, actor, context, ...(traceparent === undefined ? {} : { traceparent }) });
    },

    onRevocationAccepted(revocation) {
      try {
        const ended = sessions.endCovered(revocation, clock.now());
        if (ended.length > 0) {
          options.logger?.info('sessions ended by a revocation', { event: 'sessions_ended', revocation_id: revocation.id, sessions: ended.length });
        }
        // A rule on an external issuer's subject matches its tokens, not the authority's tokens of
        // the sessions started from them (their sub is issuer-scoped): end those by sid too.
        if (revocation.iss !== undefined) {
          for (const sid of ended) {
            revocations
              .revoke({
                target: { type: 'sid', value: sid },
                reason: `subject revoked at its issuer (revocation ${revocation.id})`,
                actor: { kind: 'system', id: 'sessions' },
                context: systemAuditContext('sessions', `revocation ${revocation.id} ended the session`),
              })
              .catch((error: unknown) => options.logger?.error('cannot revoke the access tokens of an ended session', { sid, error: String(error) }));
          }
        }
      } catch (error) {
        // Not lost: the refresh grant checks the rules itself, and the sweep at the next open ends them.
        options.logger?.error('cannot end the sessions of a revocation', { revocation_id: revocation.id, error: String(error) });
      }
    },
  };
  return service;
}
