import { Body, Controller, Get, Header, HttpCode, Inject, Param, Post, Req } from '@nestjs/common';
import type { AuthorityCore } from '@revmesh/authority-core';
import { auditContextOf, type OperatorRequest } from '../auth/operator-request';
import { RequireRole } from '../auth/require-role.decorator';
import { AUTHORITY_CORE } from '../core/core.tokens';
import { ZodBodyPipe } from '../validation/zod-body.pipe';
import { createdOperatorView, operatorView, type OperatorView } from './operator.view';
import { addOperatorSchema, emptySchema, type AddOperatorBody } from './operators.schema';

/** Operator accounts (security-admin only). */
@RequireRole('security-admin')
@Controller('v1/operators')
export class OperatorsController {
  constructor(@Inject(AUTHORITY_CORE) private readonly core: AuthorityCore) {}

  @Get()
  list(): { operators: OperatorView[] } {
    return { operators: this.core.operators.list().map(operatorView) };
  }

  /** 201 with the TOTP enrolment, shown this once; 409 OPERATOR_EXISTS. */
  @Post()
  @HttpCode(201)
  @Header('Cache-Control', 'no-store')
  async add(
    @Body(new ZodBodyPipe(addOperatorSchema)) body: AddOperatorBody,
    @Req() request: OperatorRequest,
  ): Promise<{ operator: OperatorView; totp: { secret: string; otpauthUri: string } }> {
    return createdOperatorView(await this.core.operators.add(body, auditContextOf(request)));
  }

  /** Disables the operator and ends its sessions at once. */
  @Post(':username/disable')
  @HttpCode(200)
  disable(
    @Param('username') username: string,
    @Body(new ZodBodyPipe(emptySchema)) _body: unknown,
    @Req() request: OperatorRequest,
  ): { operator: OperatorView } {
    return { operator: operatorView(this.core.operators.disable(username, auditContextOf(request))) };
  }
}
