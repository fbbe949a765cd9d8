import type { LoggerService } from '@nestjs/common';
import type { AuthorityLogger } from '@revmesh/authority-core';
import type { TransportLogger } from '@revmesh/transport';
import { JsonLogger, redact } from './json-logger';

function line(message: string, fields?: Readonly<Record<string, unknown>>): string {
  return fields === undefined || Object.keys(fields).length === 0 ? message : `${message} ${JSON.stringify(redact(fields))}`;
}

/**
 * authority-core's and the transport's loggers, writing through the app's Nest logger: as JSON
 * fields when it is the {@link JsonLogger}, else appended to the message.
 */
export function coreLogger(logger: LoggerService, context: string): AuthorityLogger & TransportLogger {
  if (logger instanceof JsonLogger) {
    return {
      debug: (message, fields) => logger.write('debug', message, context, fields),
      info: (message, fields) => logger.write('log', message, context, fields),
      warn: (message, fields) => logger.write('warn', message, context, fields),
      error: (message, fields) => logger.write('error', message, context, fields),
    };
  }
  return {
    debug: (message, fields) => logger.debug?.(line(message, fields), context),
    info: (message, fields) => logger.log(line(message, fields), context),
    warn: (message, fields) => logger.warn(line(message, fields), context),
    error: (message, fields) => logger.error(line(message, fields), undefined, context),
  };
}
