import { Body, Controller, Get, Header, Inject, Put, Query, Req, Res } from '@nestjs/common';
import { PolicyInvalidError, type AuthorityCore } from '@revmesh/authority-core';
import { sendGated } from '../approvals/gated-reply';
import { auditContextOf, type OperatorRequest } from '../auth/operator-request';
import { RequireRole } from '../auth/require-role.decorator';
import { AUTHORITY_CORE } from '../core/core.tokens';
import type { HttpReply } from '../http/http-types';
import { parseLimit } from '../http/limit';
import { ProblemException } from '../problems/problem';
import { ZodBodyPipe } from '../validation/zod-body.pipe';
import { updatePolicySchema, type UpdatePolicyBody } from './policy.schema';
import { policyChangelogEntryView, policyView, type PolicyChangelogEntryView, type PolicyView } from './policy.view';
import { ApiOperation } from '../openapi/api-operation.decorator';
import { OBJECT, listOf, PENDING_APPROVAL } from '../openapi/schemas';

/**
 * The security policy (policy as code): read it and its history (viewer), replace it
 * (security-admin, audited as `policy.update` with the justification). A change applies to the
 * next token and the next scheduler tick, without a restart.
 */
@Controller('v1/policy')
export class PolicyController {
  constructor(@Inject(AUTHORITY_CORE) private readonly core: AuthorityCore) {}

  /** The policy in force, every default filled in, with its version and author. */
  @ApiOperation({ summary: 'The security policy in force', success: { schema: OBJECT } })
  @Get()
  @RequireRole('viewer')
  @Header('Cache-Control', 'no-store')
  get(): PolicyView {
    return policyView(this.core.securityPolicy.currentVersion());
  }

  /**
   * Replaces the whole policy (fields left out take their defaults) and answers the new version;
   * 202 pending approval when the policy in force puts `policy.update` behind a second
   * security-admin (the default, so one admin cannot switch the two-person rule off).
   * 422 `POLICY_INVALID` with `errors: [{field, message}]`, field paths as in the policy file
   * (e.g. `approvals.windowSeconds`); nothing is stored or queued then.
   */
  @ApiOperation({ summary: 'Replace the security policy', success: [{ status: 200, schema: OBJECT }, PENDING_APPROVAL], problems: ['POLICY_INVALID'] })
  @Put()
  @RequireRole('security-admin')
  @Header('Cache-Control', 'no-store')
  async update(@Body(new ZodBodyPipe(updatePolicySchema)) body: UpdatePolicyBody, @Req() request: OperatorRequest, @Res() reply: HttpReply): Promise<void> {
    try {
      this.core.securityPolicy.validate(body.policy);
    } catch (error) {
      if (error instanceof PolicyInvalidError) {
        throw new ProblemException('POLICY_INVALID', `invalid ${error.errors.map((e) => e.field).join(', ')}`, { errors: error.errors });
      }
      throw error;
    }
    const outcome = await this.core.approvals.submit<{ version: number }>({
      action: 'policy.update',
      target: null,
      params: { policy: body.policy },
      context: auditContextOf(request),
    });
    sendGated(reply, outcome, () => ({ status: 200, body: policyView(this.core.securityPolicy.currentVersion()) }));
  }

  /** Every version, newest first, each with its changed fields. `?limit=` 1..500, default 50. */
  @ApiOperation({ summary: 'Policy versions', success: { schema: listOf('versions') }, problems: ['INVALID_REQUEST'] })
  @Get('changelog')
  @RequireRole('viewer')
  @Header('Cache-Control', 'no-store')
  changelog(@Query('limit') limit?: string): { versions: PolicyChangelogEntryView[] } {
    return { versions: this.core.securityPolicy.changelog(parseLimit(limit)).map(policyChangelogEntryView) };
  }
}
