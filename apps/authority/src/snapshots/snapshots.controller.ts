import { Body, Controller, Get, Header, HttpCode, Inject, Post, Req } from '@nestjs/common';
import type { SnapshotSummary } from '@revmesh/authority-core';
import { auditContextOf, type OperatorRequest } from '../auth/operator-request';
import type { SnapshotHandle } from '../core/core.module';
import { SNAPSHOTS } from '../core/core.tokens';
import { ProblemException } from '../problems/problem';
import { reasonBodySchema, type ReasonBody } from '../validation/reason-body.schema';
import { ZodBodyPipe } from '../validation/zod-body.pipe';
import { ApiOperation } from '../openapi/api-operation.decorator';
import { OBJECT } from '../openapi/schemas';

/** A published snapshot as the API shows it. */
export interface SnapshotView {
  readonly seq: number;
  readonly rules: number;
  readonly bytes: number;
  readonly chunks: number;
  readonly offsets: SnapshotSummary['offsets'];
  readonly created_at: number;
  readonly duration_ms: number;
}

const view = (s: SnapshotSummary): SnapshotView => ({
  seq: s.seq,
  rules: s.rules,
  bytes: s.bytes,
  chunks: s.chunks,
  offsets: s.offsets,
  created_at: s.createdAt,
  duration_ms: s.durationMs,
});

/**
 * Signed snapshots of the live deny state, which starting sidecars load instead of replaying the
 * revocations topic (see README "Signed snapshots and cold start"). The authority publishes one
 * every REVMESH_SNAPSHOT_INTERVAL_MS; an operator can ask for one now, e.g. before starting many
 * sidecars after a burst of revocations.
 */
@Controller('v1/snapshots')
export class SnapshotsController {
  constructor(@Inject(SNAPSHOTS) private readonly snapshots: SnapshotHandle) {}

  /** The last snapshot this authority published since it started (viewer); 404 when none. */
  @ApiOperation({ summary: 'The latest signed snapshot published', success: { schema: OBJECT }, problems: ['NOT_FOUND'] })
  @Get('latest')
  @Header('Cache-Control', 'no-store')
  latest(): SnapshotView {
    const last = this.snapshots.publisher?.last();
    if (last === undefined) throw new ProblemException('NOT_FOUND', 'no snapshot published since the authority started');
    return view(last);
  }

  /** Publishes a snapshot now (security-admin, justification), audited `snapshots.publish`. 201. 503 without a broker to publish to. */
  @ApiOperation({ summary: 'Publish a signed snapshot now', success: { schema: OBJECT }, problems: ['SNAPSHOT_UNAVAILABLE'] })
  @Post()
  @HttpCode(201)
  async publish(@Body(new ZodBodyPipe(reasonBodySchema)) _body: ReasonBody, @Req() request: OperatorRequest): Promise<SnapshotView> {
    const publisher = this.snapshots.publisher;
    if (publisher === undefined) throw new ProblemException('SNAPSHOT_UNAVAILABLE', 'this authority has no broker it can inspect, so it publishes no snapshots');
    try {
      return view(await publisher.publishNow(auditContextOf(request)));
    } catch (error) {
      // Audited as failed by the publisher; the broker is the usual cause.
      throw new ProblemException('SNAPSHOT_UNAVAILABLE', `the snapshot could not be published: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
