import { Controller, Get, Header, Inject } from '@nestjs/common';
import type { AuthorityCore, StreamOverview } from '@revmesh/authority-core';
import { AUTHORITY_CORE } from '../core/core.tokens';
import { ApiOperation } from '../openapi/api-operation.decorator';
import { listOf } from '../openapi/schemas';

/**
 * Operators' view of the SSF transmitter (any operator role): every receiver's streams with their
 * delivery backlog, so a receiver that stays down is seen (SETs waiting since long ago, the last
 * push error) without reading the store. Receivers manage their own streams under /ssf/transmitter.
 */
@Controller('v1/ssf/streams')
export class SsfStreamsController {
  constructor(@Inject(AUTHORITY_CORE) private readonly core: AuthorityCore) {}

  @ApiOperation({ summary: "SSF receivers' streams and their delivery backlog", success: { schema: listOf('streams') } })
  @Get()
  @Header('Cache-Control', 'no-store')
  list(): { streams: StreamOverview[] } {
    return { streams: this.core.ssfTransmitter.overview() };
  }
}
