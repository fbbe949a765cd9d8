import { Body, Controller, Get, Header, HttpCode, Inject, Logger, Post, Req } from '@nestjs/common';
import { secretsEqual, type AuthorityCore } from '@revmesh/authority-core';
import type { AuthorityConfig } from '../config/config';
import { AUTHORITY_CORE, AUTHORITY_CONFIG } from '../core/core.tokens';
import { headerValue } from '../http/http-types';
import { ProblemException } from '../problems/problem';
import { ZodBodyPipe } from '../validation/zod-body.pipe';
import { auditAnonymousRefusal } from '../auth/audit-refusal';
import { principalOf, requestOriginOf, type OperatorRequest } from '../auth/operator-request';
import { Public } from '../auth/public.decorator';
import { RequireRole } from '../auth/require-role.decorator';
import { SessionRoute } from '../auth/session-route.decorator';
import { createdOperatorView, invitedOperatorView, loginView, type EnrolmentCodeView, type LoginView, type OperatorView } from './operator.view';
import { bootstrapSchema, loginSchema, stepUpSchema, type LoginBody, type StepUpBody } from './operators.schema';
import { ApiOperation } from '../openapi/api-operation.decorator';
import { objectWith } from '../openapi/schemas';

/** Bootstrap, login, step-up, logout and "who am I". */
@Controller('v1')
export class AuthController {
  private readonly logger = new Logger('AuthController');

  constructor(
    @Inject(AUTHORITY_CORE) private readonly core: AuthorityCore,
    @Inject(AUTHORITY_CONFIG) private readonly config: AuthorityConfig,
  ) {}

  /**
   * Creates the first security-admin (REVMESH_BOOTSTRAP_TOKEN as Bearer): with a password,
   * enrolled at once (201 with the TOTP secret); without one, as an enrolment code for that
   * person (201 `{operator, enrolment}`), allowed while fewer than the policy's
   * `operators.bootstrapAdmins` were bootstrapped, so the initial admins can approve each
   * other. Token first, then the body, then the count: nobody without the token learns anything.
   */
  @ApiOperation({ summary: 'Create an initial security-admin with REVMESH_BOOTSTRAP_TOKEN', description: 'Authorization: Bearer <REVMESH_BOOTSTRAP_TOKEN>.', body: { contentType: 'application/json', schema: bootstrapSchema }, success: { schema: objectWith('operator') }, problems: ['BOOTSTRAP_DISABLED', 'UNAUTHORIZED', 'BOOTSTRAP_DONE', 'INVALID_REQUEST', 'OPERATOR_EXISTS'], security: [{ operatorToken: [] }] })
  @Public()
  @Post('bootstrap')
  @HttpCode(201)
  @Header('Cache-Control', 'no-store')
  async bootstrap(
    @Body() body: unknown,
    @Req() request: OperatorRequest,
  ): Promise<{ operator: OperatorView; totp: { secret: string; otpauthUri: string } } | { operator: OperatorView; enrolment: EnrolmentCodeView | null }> {
    const origin = requestOriginOf(request);
    // Within the budget every unauthenticated route shares: anyone can call this.
    const refuse = (reason: string): void =>
      auditAnonymousRefusal(this.core, this.logger, {
        action: 'operators.bootstrap',
        target: null,
        context: { actor: { kind: 'system', id: 'bootstrap' }, role: null, justification: null, ...origin },
        details: { reason },
      });
    const expected = this.config.bootstrapToken;
    if (expected === undefined) {
      refuse('bootstrap disabled');
      throw new ProblemException('BOOTSTRAP_DISABLED', 'set REVMESH_BOOTSTRAP_TOKEN on the authority to enable bootstrap');
    }
    const match = /^Bearer +(\S+) *$/i.exec(headerValue(request, 'authorization') ?? '');
    // Hash-then-compare: constant time whatever the presented token.
    if (match === null || !secretsEqual(match[1] ?? '', expected)) {
      refuse('wrong bootstrap token');
      throw new ProblemException('UNAUTHORIZED', 'send REVMESH_BOOTSTRAP_TOKEN as "Authorization: Bearer <token>"', {
        headers: { 'WWW-Authenticate': 'Bearer realm="revmesh-bootstrap"' },
      });
    }
    const input = new ZodBodyPipe(bootstrapSchema).transform(body);
    // Without a password: one of the initial security-admins, who enrols with the code.
    if (input.password === undefined) return invitedOperatorView(this.core.operators.bootstrapEnrolment({ username: input.username }, origin));
    return createdOperatorView(await this.core.operators.bootstrap({ username: input.username, password: input.password }, origin));
  }

  /** Password + TOTP → operator token. Every failure is the same 401; throttled → 429 with Retry-After. */
  @ApiOperation({ summary: 'Log in (password + TOTP) → operator token', success: { schema: objectWith('token') }, problems: ['INVALID_CREDENTIALS', 'LOGIN_THROTTLED'] })
  @Public()
  @Post('login')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  async login(@Body(new ZodBodyPipe(loginSchema)) body: LoginBody, @Req() request: OperatorRequest): Promise<LoginView> {
    return loginView(await this.core.operators.login(body, requestOriginOf(request)));
  }

  /** A fresh second factor for the current session (write actions need one). */
  @ApiOperation({ summary: 'Fresh second factor → new operator token', success: { schema: objectWith('token') }, problems: ['INVALID_CREDENTIALS', 'LOGIN_THROTTLED'] })
  @SessionRoute()
  @RequireRole('viewer')
  @Post('login/step-up')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  async stepUp(@Body(new ZodBodyPipe(stepUpSchema)) body: StepUpBody, @Req() request: OperatorRequest): Promise<LoginView> {
    return loginView(await this.core.operators.stepUp(principalOf(request), body.totp, requestOriginOf(request)));
  }

  /** Ends the session: this token and every other of the session stop working. */
  @ApiOperation({ summary: 'End this operator session', success: { status: 204 } })
  @SessionRoute()
  @RequireRole('viewer')
  @Post('logout')
  @HttpCode(204)
  logout(@Req() request: OperatorRequest): void {
    this.core.operators.logout(principalOf(request), requestOriginOf(request));
  }

  @ApiOperation({ summary: 'Who this token belongs to', success: { schema: objectWith('username', 'role') } })
  @Get('me')
  @Header('Cache-Control', 'no-store')
  me(@Req() request: OperatorRequest): { username: string; role: string; authTime: string; sessionExpiresAt: string } {
    const principal = principalOf(request);
    return {
      username: principal.username,
      role: principal.role,
      authTime: new Date(principal.authTime).toISOString(),
      sessionExpiresAt: new Date(principal.sessionExpiresAt).toISOString(),
    };
  }
}
