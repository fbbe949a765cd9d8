import { Body, Controller, Get, HttpCode, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { issuerUrlProblem, type AuthorityCore } from '@revmesh/authority-core';
import { auditContextOf, type OperatorRequest } from '../auth/operator-request';
import type { AuthorityConfig } from '../config/config';
import { AUTHORITY_CONFIG, AUTHORITY_CORE } from '../core/core.tokens';
import type { HttpReply } from '../http/http-types';
import { emptySchema } from '../operators/operators.schema';
import { ProblemException } from '../problems/problem';
import { ZodBodyPipe } from '../validation/zod-body.pipe';
import { issuerLocation, issuerView, type IssuerView } from './issuer.view';
import { addIssuerSchema, type AddIssuerBody } from './issuers.schema';
import { ApiOperation } from '../openapi/api-operation.decorator';
import { PENDING_APPROVAL } from '../openapi/schemas';
import { issuerListSchema, issuerResponseSchema } from '../openapi/view-schemas';

/**
 * Trusted external issuers (OpenID providers) whose tokens revocations may target (`iss` of
 * `POST /v1/revocations`). Reads: any operator; writes: security-admin, with step-up and a
 * justification, audited (`issuers.create`, `issuers.enable`, `issuers.disable`). Sidecars are
 * told to trust an issuer by their own configuration (`issuers` option), not by this registry.
 */
@Controller('v1/issuers')
export class IssuersController {
  constructor(
    @Inject(AUTHORITY_CORE) private readonly core: AuthorityCore,
    @Inject(AUTHORITY_CONFIG) private readonly config: AuthorityConfig,
  ) {}

  @ApiOperation({ summary: 'Trusted external issuers', success: { schema: issuerListSchema } })
  @Get()
  list(): { issuers: IssuerView[] } {
    return { issuers: this.core.issuers.list().map(issuerView) };
  }

  /** One issuer; its URL percent-encoded as the last path segment. Unknown: 404 problem. */
  @ApiOperation({ summary: 'One trusted issuer', success: { schema: issuerResponseSchema } })
  @Get(':issuer')
  get(@Param('issuer') issuer: string): { issuer: IssuerView } {
    return { issuer: issuerView(this.core.issuers.get(issuer)) };
  }

  /** 201 with `Location`; 409 ISSUER_EXISTS; 400 naming `issuer` for a URL that cannot be an issuer. */
  @ApiOperation({ summary: 'Trust an external issuer', success: [{ status: 201, schema: issuerResponseSchema }, PENDING_APPROVAL], problems: ['ISSUER_EXISTS'] })
  @Post()
  add(@Body(new ZodBodyPipe(addIssuerSchema)) body: AddIssuerBody, @Req() request: OperatorRequest, @Res() reply: HttpReply): void {
    const own = issuerUrlProblem(body.issuer, this.config.issuer);
    if (own) throw new ProblemException('INVALID_REQUEST', `issuer ${own}`, { errors: [{ field: 'issuer', message: own }] });
    const added = this.core.issuers.add({ issuer: body.issuer, ...(body.description === undefined ? {} : { description: body.description }) }, auditContextOf(request));
    reply.status(201).header('Location', issuerLocation(added.issuer)).send({ issuer: issuerView(added) });
  }

  /** A disabled issuer cannot be named by a new revocation; its past revocations stay in force. */
  @ApiOperation({ summary: 'Stop trusting an issuer', success: { schema: issuerResponseSchema } })
  @Post(':issuer/disable')
  @HttpCode(200)
  disable(@Param('issuer') issuer: string, @Body(new ZodBodyPipe(emptySchema)) _body: unknown, @Req() request: OperatorRequest): { issuer: IssuerView } {
    return { issuer: issuerView(this.core.issuers.setEnabled(issuer, false, auditContextOf(request))) };
  }

  @ApiOperation({ summary: 'Trust an issuer again', success: { schema: issuerResponseSchema } })
  @Post(':issuer/enable')
  @HttpCode(200)
  enable(@Param('issuer') issuer: string, @Body(new ZodBodyPipe(emptySchema)) _body: unknown, @Req() request: OperatorRequest): { issuer: IssuerView } {
    return { issuer: issuerView(this.core.issuers.setEnabled(issuer, true, auditContextOf(request))) };
  }
}
