import { Module } from '@nestjs/common';
import { SsfConfigurationController } from './ssf-configuration.controller';
import { SsfStreamsController } from './ssf-streams.controller';
import { SsfTransmitterController } from './ssf-transmitter.controller';

/** revmesh as an SSF transmitter: discovery, SET keys, stream management, poll; the operators' overview. */
@Module({ controllers: [SsfConfigurationController, SsfTransmitterController, SsfStreamsController] })
export class SsfTransmitterModule {}
