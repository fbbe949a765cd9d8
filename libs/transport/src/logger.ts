/** The logging a transport needs; any structured logger (pino, console wrapper) fits. */
export interface TransportLogger {
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Logs warnings and errors as JSON lines on stderr. */
export const stderrTransportLogger: TransportLogger = {
  warn: (message, fields) => process.stderr.write(JSON.stringify({ level: 'warn', msg: message, ...fields }) + '\n'),
  error: (message, fields) => process.stderr.write(JSON.stringify({ level: 'error', msg: message, ...fields }) + '\n'),
};
