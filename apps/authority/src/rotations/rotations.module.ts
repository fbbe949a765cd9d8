import { Module } from '@nestjs/common';
import { RotationsController } from './rotations.controller';

@Module({ controllers: [RotationsController] })
export class RotationsModule {}
