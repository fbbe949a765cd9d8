import { Module } from '@nestjs/common';
import { SsfConfigurationController } from './ssf-configuration.controller';
import { SsfTransmitterController } from './ssf-transmitter.controller';

/** revmesh as an SSF transmitter: discovery, SET keys, stream management, poll. */
@Module({ controllers: [SsfConfigurationController, SsfTransmitterController] })
export class SsfTransmitterModule {}
