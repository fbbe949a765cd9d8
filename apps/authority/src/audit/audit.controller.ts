import { Readable } from 'node:stream';
import { Controller, Get, Header, Inject, Query, Req, Res } from '@nestjs/common';
import { MAX_AUDIT_PAGE, type AuthorityCore } from '@revmesh/authority-core';
import type { AuditCheckpoint, AuditEntry } from '@revmesh/contracts';
import { auditContextOf, type OperatorRequest } from '../auth/operator-request';
import { RequireRole } from '../auth/require-role.decorator';
import { AUTHORITY_CORE } from '../core/core.tokens';
import type { HttpReply } from '../http/http-types';
import { parseLimit } from '../http/limit';
import { ProblemException } from '../problems/problem';
import { ApiOperation } from '../openapi/api-operation.decorator';
import { OBJECT } from '../openapi/schemas';

/** `GET /v1/audit` answer. */
export interface AuditPageView {
  /** Entries with `seq > after`, oldest first (contracts' audit entry wire format). */
  readonly entries: readonly AuditEntry[];
  /** Pass as `after` for the next page; null when this page was the last. */
  readonly nextAfter: number | null;
  /** The newest retention checkpoint (entries up to its `upToSeq` were purged), or null. */
  readonly checkpoint: AuditCheckpoint | null;
}

function parseAfter(value: string | undefined): number {
  if (value === undefined || value === '') return 0;
  if (!/^\d{1,15}$/.test(value)) {
    throw new ProblemException('INVALID_REQUEST', 'invalid after', { errors: [{ field: 'after', message: 'must be a whole number (a seq)' }] });
  }
  return Number(value);
}

/**
 * The tamper-evident audit log (security-admin): pages of entries, and the full export as JSON
 * lines that `revmesh audit verify` (contracts' `verifyAuditChain`) checks offline.
 */
@Controller('v1/audit')
@RequireRole('security-admin')
export class AuditController {
  constructor(@Inject(AUTHORITY_CORE) private readonly core: AuthorityCore) {}

  /** `?after=<seq>` (default 0) `&limit=<1..1000>` (default 100). */
  @ApiOperation({ summary: 'Audit log, a page', success: { schema: OBJECT }, problems: ['INVALID_REQUEST'] })
  @Get()
  @Header('Cache-Control', 'no-store')
  list(@Query('after') after?: string, @Query('limit') limit?: string): AuditPageView {
    const size = parseLimit(limit, 100, MAX_AUDIT_PAGE);
    const entries = this.core.audit.list(parseAfter(after), size);
    return {
      entries,
      nextAfter: entries.length === size ? entries[entries.length - 1]!.seq : null,
      checkpoint: this.core.audit.latestCheckpoint(),
    };
  }

  /**
   * `application/x-ndjson`: the newest checkpoint (`{"type":"checkpoint",...}`) if entries were
   * purged, then every entry (`{"type":"entry",...}`) in seq order. The export is a sensitive
   * read: it is audited (`audit.export`) before it starts, so it contains its own entry.
   */
  @ApiOperation({ summary: 'Whole audit log as NDJSON (audited)', success: { contentType: 'application/x-ndjson', schema: { type: 'string' } } })
  @Get('export')
  export(@Req() request: OperatorRequest, @Res() reply: HttpReply): void {
    const entry = this.core.audit.append({ action: 'audit.export', outcome: 'succeeded', target: null, context: auditContextOf(request) });
    const lines = this.core.audit.exportLines();
    const body = Readable.from(
      (function* () {
        for (const line of lines) yield `${JSON.stringify(line)}\n`;
      })(),
    );
    reply
      .header('Content-Type', 'application/x-ndjson; charset=utf-8')
      .header('Cache-Control', 'no-store')
      .header('Content-Disposition', `attachment; filename="revmesh-audit-${entry.seq}.ndjson"`)
      .send(body);
  }
}
