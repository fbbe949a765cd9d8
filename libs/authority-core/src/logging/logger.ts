/**
 * The logging surface authority-core needs. The app adapts its own logger (NestJS) to it;
 * `fields` are structured context, never secrets.
 */
export interface AuthorityLogger {
  debug(message: string, fields?: Readonly<Record<string, unknown>>): void;
  info(message: string, fields?: Readonly<Record<string, unknown>>): void;
  warn(message: string, fields?: Readonly<Record<string, unknown>>): void;
  error(message: string, fields?: Readonly<Record<string, unknown>>): void;
}

/** Discards everything. The default, so a library used without a logger stays quiet. */
export const silentLogger: AuthorityLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
