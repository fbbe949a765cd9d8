import { Module } from '@nestjs/common';
import { AdminActionsController } from './admin-actions.controller';

@Module({ controllers: [AdminActionsController] })
export class AdminActionsModule {}
