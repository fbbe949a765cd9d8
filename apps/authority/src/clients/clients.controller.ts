import { Body, Controller, Get, Header, HttpCode, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { MAX_CLIENT_LIST, type AuthorityCore, type ClientAuthMethod, type ClientRegistration, type DisabledClient } from '@revmesh/authority-core';
import { sendGated } from '../approvals/gated-reply';
import { auditContextOf, type OperatorRequest } from '../auth/operator-request';
import { AUTHORITY_CORE } from '../core/core.tokens';
import type { HttpReply } from '../http/http-types';
import { parseLimit } from '../http/limit';
import { emptySchema } from '../operators/operators.schema';
import { ProblemException } from '../problems/problem';
import { revocationView, type RevocationView } from '../revocations/revocation.view';
import { ZodBodyPipe } from '../validation/zod-body.pipe';
import { clientDetailsView, clientLocation, clientView, issuedSecretView, type ClientView } from './client.view';
import {
  disableClientSchema,
  registerClientSchema,
  rotateSecretSchema,
  type DisableClientBody,
  type RegisterClientBody,
  type RotateSecretBody,
} from './clients.schema';
import { ApiOperation } from '../openapi/api-operation.decorator';
import { clientDetailsViewSchema, clientViewSchema } from '../openapi/view-schemas';
import { OBJECT, PENDING_APPROVAL } from '../openapi/schemas';
import { z } from 'zod';

const AUTH_METHODS: Readonly<Record<string, ClientAuthMethod>> = { client_secret_basic: 'client_secret', private_key_jwt: 'private_key_jwt' };

function parseEnabled(value: string | undefined): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new ProblemException('INVALID_REQUEST', 'invalid enabled', { errors: [{ field: 'enabled', message: 'must be true or false' }] });
}

function parseAuthMethod(value: string | undefined): ClientAuthMethod | undefined {
  if (value === undefined || value === '') return undefined;
  const method = AUTH_METHODS[value];
  if (method === undefined) {
    throw new ProblemException('INVALID_REQUEST', 'invalid auth_method', { errors: [{ field: 'auth_method', message: `must be one of ${Object.keys(AUTH_METHODS).join(', ')}` }] });
  }
  return method;
}

/**
 * Confidential clients of the token endpoint. Reads: any operator; writes: security-admin with
 * step-up and a justification, audited (`clients.create`, `clients.secret-issued`,
 * `clients.rotate-secret`, `clients.disable`, `clients.enable`). A secret leaves the authority
 * once: in the answer that issues it, or only sealed (JWE) to the client's registered key.
 */
@Controller('v1/clients')
export class ClientsController {
  constructor(@Inject(AUTHORITY_CORE) private readonly core: AuthorityCore) {}

  /**
   * Ordered by `client_id`. `?enabled=true|false`, `?auth_method=client_secret_basic|private_key_jwt`,
   * `?after=<client_id>` (the previous page's `next_after`), `?limit=` 1..500, default 50.
   */
  @ApiOperation({ summary: 'OAuth clients', success: { schema: z.object({ clients: z.array(clientViewSchema), next_after: z.string().nullable() }) }, problems: ['INVALID_REQUEST'] })
  @Get()
  @Header('Cache-Control', 'no-store')
  list(
    @Query('enabled') enabled?: string,
    @Query('auth_method') authMethod?: string,
    @Query('after') after?: string,
    @Query('limit') limit?: string,
  ): { clients: ClientView[]; next_after: string | null } {
    const enabledFilter = parseEnabled(enabled);
    const method = parseAuthMethod(authMethod);
    const page = this.core.clients.list({
      limit: parseLimit(limit, 50, MAX_CLIENT_LIST),
      ...(enabledFilter === undefined ? {} : { enabled: enabledFilter }),
      ...(method === undefined ? {} : { authMethod: method }),
      ...(after === undefined || after === '' ? {} : { after }),
    });
    return { clients: page.clients.map(clientView), next_after: page.nextAfter };
  }

  /** One client, with its valid secrets' issue and expiry times (never the secrets). Unknown: 404. */
  @ApiOperation({ summary: 'One client', success: { schema: z.object({ client: clientDetailsViewSchema }) } })
  @Get(':clientId')
  @Header('Cache-Control', 'no-store')
  get(@Param('clientId') clientId: string): { client: ReturnType<typeof clientDetailsView> } {
    return { client: clientDetailsView(this.core.clients.get(clientId)) };
  }

  /**
   * 201 with `Location`; the client (flat, as RFC 7591 answers) plus `client_secret` shown once,
   * or `client_secret_jwe` when it registered `encryption_jwk`, or neither for private_key_jwt.
   * 409 CONFLICT when the id is taken.
   */
  @ApiOperation({ summary: 'Register a client', success: [{ status: 201, schema: OBJECT }, PENDING_APPROVAL], problems: ['CONFLICT'] })
  @Post()
  @Header('Cache-Control', 'no-store')
  async register(@Body(new ZodBodyPipe(registerClientSchema)) body: RegisterClientBody, @Req() request: OperatorRequest, @Res() reply: HttpReply): Promise<void> {
    const base = { ...(body.client_id === undefined ? {} : { clientId: body.client_id }), audiences: body.audiences, scopes: body.scopes };
    const registration: ClientRegistration =
      body.jwks !== undefined
        ? { ...base, jwks: body.jwks }
        : body.jwks_uri !== undefined
          ? { ...base, jwksUri: body.jwks_uri }
          : { ...base, ...(body.encryption_jwk === undefined ? {} : { encryptionJwk: body.encryption_jwk }) };
    const issued = await this.core.clientLifecycle.register(registration, auditContextOf(request));
    reply
      .status(201)
      .header('Location', clientLocation(issued.client.clientId))
      .send({ ...clientView(issued.client), ...(issued.secret === undefined ? {} : issuedSecretView(issued.secret)) });
  }

  /**
   * A new secret (shown once, or sealed); the current one keeps working `overlap_seconds` more
   * (default the policy's `clients.secretOverlapSeconds`, at most `clients.maxSecretOverlapSeconds`),
   * then only the new one does. 409 CLIENT_AUTH_METHOD_CONFLICT for a private_key_jwt client.
   */
  @ApiOperation({ summary: "Rotate a client's secret (with an overlap)", success: { schema: OBJECT }, problems: ['CONFLICT'] })
  @Post(':clientId/rotate-secret')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  async rotateSecret(@Param('clientId') clientId: string, @Body(new ZodBodyPipe(rotateSecretSchema)) body: RotateSecretBody, @Req() request: OperatorRequest) {
    const max = this.core.securityPolicy.current().clients.maxSecretOverlapSeconds;
    if (body.overlap_seconds !== undefined && body.overlap_seconds > max) {
      throw new ProblemException('INVALID_REQUEST', 'overlap_seconds is beyond the policy', {
        errors: [{ field: 'overlap_seconds', message: `must be at most ${max} (the policy's clients.maxSecretOverlapSeconds)` }],
      });
    }
    const rotation = await this.core.clientLifecycle.rotateSecret(clientId, body.overlap_seconds === undefined ? {} : { overlapSeconds: body.overlap_seconds }, auditContextOf(request));
    return {
      ...clientView(rotation.client),
      ...issuedSecretView(rotation.secret),
      overlap_seconds: rotation.overlapSeconds,
      previous_secret_expires_at: new Date(rotation.previousExpiresAt).toISOString(),
    };
  }

  /**
   * Disables the client (no new token) and revokes its tokens by `client_id`, pushed to every
   * sidecar: 200 `{client, revocation}`. Behind a second security-admin when the policy lists
   * `clients.disable` in `approvals.requiredFor` (the default): 202 `{status:'pending-approval'}`.
   * Unknown client: 404 before any approval is requested.
   */
  @ApiOperation({ summary: 'Disable a client (and revoke its tokens)', success: [{ status: 200, schema: OBJECT }, PENDING_APPROVAL], problems: ['CONFLICT', 'INCIDENT_UNKNOWN', 'INCIDENT_CLOSED'] })
  @Post(':clientId/disable')
  async disable(
    @Param('clientId') clientId: string,
    @Body(new ZodBodyPipe(disableClientSchema)) body: DisableClientBody,
    @Req() request: OperatorRequest,
    @Res() reply: HttpReply,
  ): Promise<void> {
    this.core.clients.get(clientId);
    if (body.incident !== undefined) this.core.incidents.requireLinkable(body.incident);
    const context = auditContextOf(request);
    const outcome = await this.core.approvals.submit<DisabledClient>({
      action: 'clients.disable',
      target: clientId,
      params: { clientId, reason: body.reason ?? context.justification ?? 'client disabled', ...(body.incident === undefined ? {} : { incident: body.incident }) },
      context,
    });
    sendGated(reply, outcome, (result) => ({ status: 200, body: disabledView(result), location: clientLocation(clientId) }));
  }

  /** Enables the client again: new tokens work; those revoked stay revoked. */
  @ApiOperation({ summary: 'Enable a client', success: { schema: z.object({ client: clientViewSchema }) } })
  @Post(':clientId/enable')
  @HttpCode(200)
  enable(@Param('clientId') clientId: string, @Body(new ZodBodyPipe(emptySchema)) _body: unknown, @Req() request: OperatorRequest): { client: ClientView } {
    return { client: clientView(this.core.clientLifecycle.enable(clientId, auditContextOf(request))) };
  }
}

function disabledView(result: DisabledClient): { client: ClientView; revocation: RevocationView } {
  return { client: clientView(result.client), revocation: revocationView(result.revocation) };
}
