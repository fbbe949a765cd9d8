import { Module } from '@nestjs/common';
import { ServerMetadata } from '../oauth/metadata/server-metadata';
import { OAuthModule } from '../oauth/oauth.module';
import { WellKnownController } from './well-known.controller';

@Module({ imports: [OAuthModule], controllers: [WellKnownController], providers: [ServerMetadata] })
export class WellKnownModule {}
