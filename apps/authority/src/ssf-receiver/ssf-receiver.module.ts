import { Module } from '@nestjs/common';
import { SsfPushController } from './ssf-push.controller';
import { SsfTransmittersController } from './ssf-transmitters.controller';

/** revmesh as an SSF receiver: transmitters (operator API) and the RFC 8935 push endpoint. */
@Module({ controllers: [SsfTransmittersController, SsfPushController] })
export class SsfReceiverModule {}
