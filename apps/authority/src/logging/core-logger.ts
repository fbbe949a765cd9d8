import type { LoggerService } from '@nestjs/common';
import type { AuthorityLogger } from '@revmesh/authority-core';
import type { TransportLogger } from '@revmesh/transport';

function line(message: string, fields?: Readonly<Record<string, unknown>>): string {
  return fields === undefined || Object.keys(fields).length === 0 ? message : `${message} ${JSON.stringify(fields)}`;
}

/** authority-core's and the transport's loggers, writing through the app's Nest logger. */
export function coreLogger(logger: LoggerService, context: string): AuthorityLogger & TransportLogger {
  return {
    debug: (message, fields) => logger.debug?.(line(message, fields), context),
    info: (message, fields) => logger.log(line(message, fields), context),
    warn: (message, fields) => logger.warn(line(message, fields), context),
    error: (message, fields) => logger.error(line(message, fields), undefined, context),
  };
}
