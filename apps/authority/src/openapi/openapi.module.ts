import { Module } from '@nestjs/common';
import { OpenApiController } from './openapi.controller';
import { RouteRegistry } from './route-registry';

@Module({ controllers: [OpenApiController], providers: [RouteRegistry], exports: [RouteRegistry] })
export class OpenApiModule {}
