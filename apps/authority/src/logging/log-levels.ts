import type { LogLevel as NestLogLevel } from '@nestjs/common';
import type { LogLevel } from '../config/config.variables';

/** Nest levels enabled by each REVMESH_LOG_LEVEL (Nest calls "info" `log`). */
export function nestLogLevels(level: LogLevel): NestLogLevel[] {
  const order: Record<LogLevel, NestLogLevel[]> = {
    error: ['fatal', 'error'],
    warn: ['fatal', 'error', 'warn'],
    info: ['fatal', 'error', 'warn', 'log'],
    debug: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
  };
  return order[level];
}
