import { Module } from '@nestjs/common';
import { EventSignersController } from './event-signers.controller';

@Module({ controllers: [EventSignersController] })
export class EventSignersModule {}
