import { Body, Controller, Header, HttpCode, Inject, Post, Req } from '@nestjs/common';
import type { ClientRegistry } from '@revmesh/authority-core';
import { auditContextOf, type OperatorRequest } from '../auth/operator-request';
import { CLIENT_REGISTRY } from '../core/core.tokens';
import { ZodBodyPipe } from '../validation/zod-body.pipe';
import { registerClientSchema, type RegisterClientBody } from './clients.schema';

export interface RegisteredClientResponse {
  readonly client_id: string;
  /** Shown once, never again: only its hash is stored. */
  readonly client_secret: string;
  readonly audiences: readonly string[];
  readonly scopes: readonly string[];
}

/** Confidential clients of the token endpoint (admin). */
@Controller('v1/clients')
export class ClientsController {
  constructor(@Inject(CLIENT_REGISTRY) private readonly clients: ClientRegistry) {}

  @Post()
  @HttpCode(201)
  @Header('Cache-Control', 'no-store')
  register(@Body(new ZodBodyPipe(registerClientSchema)) body: RegisterClientBody, @Req() request: OperatorRequest): RegisteredClientResponse {
    // Audited as `clients.create` and `clients.secret-issued` (the secret is in this answer).
    const client = this.clients.register(
      {
        ...(body.client_id === undefined ? {} : { clientId: body.client_id }),
        audiences: body.audiences,
        scopes: body.scopes,
      },
      auditContextOf(request),
    );
    return {
      client_id: client.clientId,
      client_secret: client.clientSecret,
      audiences: client.audiences,
      scopes: client.scopes,
    };
  }
}
