import { Body, Controller, Header, HttpCode, Inject, Post, Req } from '@nestjs/common';
import type { AuthorityCore } from '@revmesh/authority-core';
import { requestOriginOf, type OperatorRequest } from '../auth/operator-request';
import { Public } from '../auth/public.decorator';
import { AUTHORITY_CORE } from '../core/core.tokens';
import { ZodBodyPipe } from '../validation/zod-body.pipe';
import { enrolmentOfferView, loginView, type LoginView } from './operator.view';
import { enrolSchema, enrolStartSchema, type EnrolBody, type EnrolStartBody } from './operators.schema';
import { ApiOperation } from '../openapi/api-operation.decorator';
import { OBJECT, objectWith } from '../openapi/schemas';

/**
 * Enrolment by the person, not the creator: the holder of a one-time enrolment code sets their
 * own password and TOTP. Public (the code is the credential); failures answer 400
 * ENROLMENT_CODE_INVALID, are audited and count towards the address's login throttle.
 */
@Controller('v1/enrol')
export class EnrolmentController {
  constructor(@Inject(AUTHORITY_CORE) private readonly core: AuthorityCore) {}

  /** Step 1: 200 `{username, role, totp: {secret, otpauthUri}, expiresAt}`; each call offers a new secret. */
  @ApiOperation({ summary: 'Start enrolment with a one-time code (returns the TOTP secret)', success: { schema: OBJECT }, problems: ['ENROLMENT_CODE_INVALID', 'OPERATOR_ENROLLED', 'LOGIN_THROTTLED'] })
  @Public()
  @Post('start')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  async start(@Body(new ZodBodyPipe(enrolStartSchema)) body: EnrolStartBody, @Req() request: OperatorRequest) {
    return enrolmentOfferView(await this.core.operators.startEnrolment(body.code, requestOriginOf(request)));
  }

  /**
   * Step 2: the person's password and a current code of the offered secret. 200 with an
   * operator token (as login); the enrolment code is spent. A wrong TOTP code: 401
   * INVALID_CREDENTIALS (the enrolment code stays usable).
   */
  @ApiOperation({ summary: 'Complete enrolment (password + first TOTP) and log in', success: { schema: objectWith('token') }, problems: ['ENROLMENT_CODE_INVALID', 'OPERATOR_ENROLLED', 'INVALID_CREDENTIALS', 'LOGIN_THROTTLED'] })
  @Public()
  @Post()
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  async complete(@Body(new ZodBodyPipe(enrolSchema)) body: EnrolBody, @Req() request: OperatorRequest): Promise<LoginView> {
    return loginView(await this.core.operators.completeEnrolment(body, requestOriginOf(request)));
  }
}
