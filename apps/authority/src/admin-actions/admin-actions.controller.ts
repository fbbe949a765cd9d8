import { Controller, Get, Header, Inject, Query } from '@nestjs/common';
import type { AdminAction, AuthorityCore } from '@revmesh/authority-core';
import { AUTHORITY_CORE } from '../core/core.tokens';
import { parseLimit } from '../http/limit';
import { ApiOperation } from '../openapi/api-operation.decorator';
import { listOf } from '../openapi/schemas';

/** Key-management actions with actor, reason and time (admin). Each is also in the tamper-evident audit log (`/v1/audit`). */
@Controller('v1/admin-actions')
export class AdminActionsController {
  constructor(@Inject(AUTHORITY_CORE) private readonly core: AuthorityCore) {}

  /** Newest first. `?limit=` 1..500, default 50. */
  @ApiOperation({ summary: 'Recent administrative actions', success: { schema: listOf('actions') }, problems: ['INVALID_REQUEST'] })
  @Get()
  @Header('Cache-Control', 'no-store')
  list(@Query('limit') limit?: string): { actions: AdminAction[] } {
    return { actions: this.core.admin.recent(parseLimit(limit)) };
  }
}
