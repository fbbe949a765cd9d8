/** One captured log call. */
export interface LogEntry {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

/** A logger (`{ debug, info, warn, error }(message, fields)`) that keeps every entry, for assertions. */
export interface RecordingLogger {
  debug(message: string, fields?: Readonly<Record<string, unknown>>): void;
  info(message: string, fields?: Readonly<Record<string, unknown>>): void;
  warn(message: string, fields?: Readonly<Record<string, unknown>>): void;
  error(message: string, fields?: Readonly<Record<string, unknown>>): void;
  readonly entries: readonly LogEntry[];
  /** Entries at `level`. */
  at(level: LogEntry['level']): LogEntry[];
}

export function createRecordingLogger(): RecordingLogger {
  const entries: LogEntry[] = [];
  const log = (level: LogEntry['level']) => (message: string, fields: Readonly<Record<string, unknown>> = {}) =>
    void entries.push({ level, message, fields });
  return {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    entries,
    at: (level) => entries.filter((e) => e.level === level),
  };
}
