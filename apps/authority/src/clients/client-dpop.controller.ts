import { Body, Controller, Get, Header, HttpCode, Inject, Param, Put, Req } from '@nestjs/common';
import { createClientDpopRequirement, type AuthorityCore, type ClientDpopRequirement } from '@revmesh/authority-core';
import { z } from 'zod';
import { auditContextOf, type OperatorRequest } from '../auth/operator-request';
import { AUTHORITY_CORE } from '../core/core.tokens';
import { ZodBodyPipe } from '../validation/zod-body.pipe';
import { ApiOperation } from '../openapi/api-operation.decorator';
import { OBJECT } from '../openapi/schemas';

/** Body of `PUT /v1/clients/:id/dpop` (besides the justification). */
export const clientDpopSchema = z.strictObject({
  /** RFC 9449 §5.2: true, every token request of the client must carry a DPoP proof. */
  dpop_bound_access_tokens: z.boolean({ error: 'must be true or false' }),
});
type ClientDpopBody = z.infer<typeof clientDpopSchema>;

interface ClientDpopView {
  readonly client_id: string;
  readonly dpop_bound_access_tokens: boolean;
}

/**
 * A client's DPoP requirement (`dpop_bound_access_tokens`, RFC 9449 §5.2): when true the token
 * endpoint refuses its requests without a DPoP proof (`invalid_dpop_proof`), so none of its tokens
 * is a bearer token. Read: any operator; write: security-admin with step-up and a justification,
 * audited as `clients.dpop-requirement`. Unknown client: 404.
 */
@Controller('v1/clients')
export class ClientDpopController {
  private readonly requirement: ClientDpopRequirement;

  constructor(@Inject(AUTHORITY_CORE) core: Pick<AuthorityCore, 'store' | 'audit' | 'clock'>) {
    this.requirement = createClientDpopRequirement({ store: core.store, audit: core.audit, clock: core.clock });
  }

  @ApiOperation({ summary: "A client's DPoP requirement", success: { schema: OBJECT } })
  @Get(':clientId/dpop')
  @Header('Cache-Control', 'no-store')
  get(@Param('clientId') clientId: string): ClientDpopView {
    return { client_id: clientId, dpop_bound_access_tokens: this.requirement.get(clientId) };
  }

  @ApiOperation({ summary: "Set a client's DPoP requirement", success: { schema: OBJECT }, problems: ['CONFLICT'] })
  @Put(':clientId/dpop')
  @HttpCode(200)
  set(@Param('clientId') clientId: string, @Body(new ZodBodyPipe(clientDpopSchema)) body: ClientDpopBody, @Req() request: OperatorRequest): ClientDpopView {
    this.requirement.set(clientId, body.dpop_bound_access_tokens, auditContextOf(request));
    return { client_id: clientId, dpop_bound_access_tokens: body.dpop_bound_access_tokens };
  }
}
