import { createRequire } from 'node:module';
import { StoreError } from '../errors/errors';
import type { SqlConnection, SqlDialect, SqlRunResult, SqlStatement } from './sql-connection';
import { numberPlaceholders, type NumberedSql } from './sql-placeholders';

/** PostgreSQL's spelling of {@link SqlDialect}. JSON stays text in the schema (as in SQLite) and is cast where read. */
export const POSTGRES_DIALECT: SqlDialect = {
  greatest: (a, b) => `GREATEST(${a}, ${b})`,
  jsonArrayValues: (json, type) =>
    `(SELECT value${type === 'integer' ? '::bigint' : ''} FROM jsonb_array_elements_text(CAST(${json} AS jsonb)) AS elements (value))`,
  indexedBy: () => '',
  autoincrementCounter: (table) => `SELECT seq FROM autoincrement_counters WHERE name = '${table}'`,
  jsonField: (column, field, type) => (type === 'integer' ? `(CAST(${column} AS jsonb) ->> '${field}')::bigint` : `(CAST(${column} AS jsonb) ->> '${field}')`),
};

/**
 * Key of the advisory lock every write transaction takes (`pg_advisory_xact_lock`): PostgreSQL's
 * equivalent of SQLite's `BEGIN IMMEDIATE`, so that authorities sharing one database write one
 * at a time and the audit hash chain, the outbox order and every compare-and-set never fork.
 * Other advisory locks of revmesh must use other keys. ("rvms" in ASCII.)
 */
export const STORE_WRITE_LOCK_KEY = 0x72766d73;

/** Connection settings. */
export interface PostgresConnectionOptions {
  /** `postgres://user:password@host:port/database?...` (libpq's URI form; its query parameters apply). */
  readonly url: string;
  /** Longest a statement may run (waiting for the write lock included) before PostgreSQL cancels it, ms. */
  readonly statementTimeoutMs: number;
  /** Longest connecting may take, ms (rounded up to whole seconds: libpq's unit). */
  readonly connectTimeoutMs: number;
}

/** An error PostgreSQL reported, with its SQLSTATE as `code` (e.g. `23505` for a unique violation). */
export class PostgresError extends Error {
  override readonly name = 'PostgresError';
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/** The part of the `libpq` package (node-postgres' native binding) this engine uses. */
/** `PQtransactionStatus` of a connection that is gone (PQTRANS_UNKNOWN). */
const CONNECTION_BAD = 4;

export interface Libpq {
  connectSync(conninfo: string): void;
  exec(sql: string): void;
  prepare(name: string, sql: string, count: number): void;
  execPrepared(name: string, params: (string | null)[]): void;
  resultStatus(): string;
  transactionStatus(): number;
  resultErrorMessage(): string;
  resultErrorFields(): { readonly sqlState?: string } | undefined;
  errorMessage(): string;
  ntuples(): number;
  nfields(): number;
  fname(column: number): string;
  ftype(column: number): number;
  getvalue(row: number, column: number): string;
  getisnull(row: number, column: number): boolean;
  cmdTuples(): string;
  finish(): void;
}

/**
 * Clients finished but kept reachable for a moment: the binding's `finish()` closes its libuv
 * poll handle asynchronously (`uv_close`) while that handle lives inside the native object, so a
 * garbage collection before the event loop's close phase would free it mid-close and abort the
 * process (libuv's `uv__finish_close` assertion). A timer runs after that phase.
 */
const finishing = new Set<Libpq>();

/** `client.finish()`, keeping `client` alive until libuv has closed its handle. */
export function finishClient(client: Libpq): void {
  client.finish();
  finishing.add(client);
  setTimeout(() => finishing.delete(client), 50).unref();
}

function loadLibpq(): new () => Libpq {
  try {
    return createRequire(__filename)('libpq') as new () => Libpq;
  } catch (error) {
    throw new StoreError(
      'PostgreSQL support needs the optional libpq binding, which is not installed: install libpq-dev (apt-get install libpq-dev) and run npm ci, ' +
        `or leave REVMESH_DATABASE_URL unset to use SQLite (${String(error)})`,
      { cause: error },
    );
  }
}

/** The URL without its password, for messages and `AuthorityStore.path`. */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://(unparseable URL)';
  }
}

type Converter = (text: string) => unknown;
const toNumber: Converter = (text) => Number(text);
// Booleans come back as SQLite gives them (1/0): repositories read flags as integers.
const toFlag: Converter = (text) => (text === 't' ? 1 : 0);
const toBuffer: Converter = (text) => Buffer.from(text.slice(2), 'hex');
const asText: Converter = (text) => text;
/** Result conversion by type OID: int2, int4, int8, oid, float4, float8, numeric, bool, bytea; everything else is text. */
const CONVERTERS = new Map<number, Converter>([
  [20, toNumber],
  [21, toNumber],
  [23, toNumber],
  [26, toNumber],
  [700, toNumber],
  [701, toNumber],
  [1700, toNumber],
  [16, toFlag],
  [17, toBuffer],
]);

function toParameter(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
      // libpq passes parameters as C strings: a NUL would silently cut the text short. Refused
      // here so nothing is ever stored truncated (the HTTP layer refuses NUL before this).
      if (value.includes('\u0000')) throw new TypeError('cannot bind a text holding a NUL character to a PostgreSQL parameter');
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`cannot bind ${value} to a PostgreSQL parameter`);
      return String(value);
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? '1' : '0';
  }
  if (value instanceof Uint8Array) return `\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
  throw new TypeError(`cannot bind a ${typeof value} to a PostgreSQL parameter`);
}

/**
 * Opens one synchronous PostgreSQL connection (libpq). Statements are prepared on the server
 * once, at their first run, and kept for the life of the connection.
 *
 * @throws {StoreError} when the binding is missing or the server cannot be reached or refuses.
 */
export function postgresConnection(options: PostgresConnectionOptions): SqlConnection {
  const Client = loadLibpq();
  const where = redactDatabaseUrl(options.url);
  let conninfo: string;
  try {
    const given = new URL(options.url).searchParams;
    // Appended, not set through URLSearchParams: re-serializing would turn %20 into +, which libpq does not decode.
    const extra = [
      ...(given.has('connect_timeout') ? [] : [`connect_timeout=${Math.max(1, Math.ceil(options.connectTimeoutMs / 1000))}`]),
      ...(given.has('application_name') ? [] : ['application_name=revmesh-authority']),
    ];
    conninfo = extra.length === 0 ? options.url : `${options.url}${options.url.includes('?') ? '&' : '?'}${extra.join('&')}`;
  } catch (error) {
    throw new StoreError(`REVMESH_DATABASE_URL is not a valid URL (${where})`, { cause: error });
  }
  const connect = (): Libpq => {
    const fresh = new Client();
    try {
      fresh.connectSync(conninfo);
    } catch (error) {
      const message = `cannot connect to PostgreSQL at ${where}: ${error instanceof Error ? error.message.trim() : String(error)}`;
      // SQLSTATE 08001: the store is unavailable (readiness fails, writes answer 503), not broken.
      throw new StoreError(message, { cause: new PostgresError(message, '08001') });
    }
    return fresh;
  };
  let client = connect();
  /** Bumped by every reconnection: statements prepared on an older connection are prepared again. */
  let generation = 0;

  let open = true;
  let depth = 0;
  let statements = 0;

  /** Throws the last command's error, if it failed. */
  const check = (sql: string): void => {
    const status = client.resultStatus();
    if (status === 'PGRES_COMMAND_OK' || status === 'PGRES_TUPLES_OK' || status === 'PGRES_EMPTY_QUERY') return;
    const message = (client.resultErrorMessage() || client.errorMessage() || status).trim();
    // A lost connection has no SQLSTATE of its own: 08006 (connection failure).
    const code = client.resultErrorFields()?.sqlState ?? (client.transactionStatus() === CONNECTION_BAD ? '08006' : undefined);
    throw new PostgresError(`${message} (in: ${sql.length > 200 ? `${sql.slice(0, 200)}…` : sql})`, code);
  };
  const settings = `SET statement_timeout = ${Math.max(0, Math.floor(options.statementTimeoutMs))}; SET client_min_messages = warning`;
  /**
   * Before a statement outside a transaction: a connection the server or the network dropped is
   * opened again (a restarted server, a failover), so the store recovers on its own. Inside a
   * transaction the statement fails instead, and with it the transaction.
   */
  const ensureConnected = (): void => {
    if (!open) throw new StoreError('the PostgreSQL connection is closed');
    if (depth > 0 || client.transactionStatus() !== CONNECTION_BAD) return;
    finishClient(client);
    client = connect();
    generation++;
    client.exec(settings);
    check(settings);
  };
  const exec = (sql: string): void => {
    ensureConnected();
    client.exec(sql);
    check(sql);
  };
  exec(settings);

  const rows = (mode: 'object' | 'pluck' | 'raw'): unknown[] => {
    const count = client.ntuples();
    const fields = client.nfields();
    const names: string[] = [];
    const converters: Converter[] = [];
    for (let c = 0; c < fields; c++) {
      names.push(client.fname(c));
      converters.push(CONVERTERS.get(client.ftype(c)) ?? asText);
    }
    const cell = (r: number, c: number): unknown => (client.getisnull(r, c) ? null : converters[c]!(client.getvalue(r, c)));
    const out: unknown[] = new Array(count);
    for (let r = 0; r < count; r++) {
      if (mode === 'pluck') out[r] = cell(r, 0);
      else if (mode === 'raw') {
        const row: unknown[] = new Array(fields);
        for (let c = 0; c < fields; c++) row[c] = cell(r, c);
        out[r] = row;
      } else {
        const row: Record<string, unknown> = {};
        for (let c = 0; c < fields; c++) row[names[c]!] = cell(r, c);
        out[r] = row;
      }
    }
    return out;
  };

  const prepare = <P extends unknown[] | object = unknown[], R = unknown>(sql: string): SqlStatement<P, R> => {
    const numbered: NumberedSql = numberPlaceholders(sql);
    const name = `s${++statements}`;
    let preparedIn = -1;
    let mode: 'object' | 'pluck' | 'raw' = 'object';
    const bind = (args: readonly unknown[]): (string | null)[] => {
      if (numbered.names === undefined) return args.map(toParameter);
      const named = (args[0] ?? {}) as Record<string, unknown>;
      return numbered.names.map((key) => {
        if (!(key in named)) throw new RangeError(`missing named parameter "${key}"`);
        return toParameter(named[key]);
      });
    };
    const execute = (args: readonly unknown[]): void => {
      const params = bind(args);
      ensureConnected();
      if (preparedIn !== generation) {
        client.prepare(name, numbered.text, numbered.count);
        check(sql);
        preparedIn = generation;
      }
      client.execPrepared(name, params);
      check(sql);
    };
    const statement: SqlStatement<P, R> = {
      run: (...args): SqlRunResult => {
        execute(args);
        return { changes: Number(client.cmdTuples()) || 0 };
      },
      get: (...args) => {
        execute(args);
        return client.ntuples() === 0 ? undefined : (rows(mode)[0] as R);
      },
      all: (...args) => {
        execute(args);
        return rows(mode) as R[];
      },
      iterate: (...args) => {
        execute(args);
        return (rows(mode) as R[])[Symbol.iterator]();
      },
      pluck(toggle = true) {
        mode = toggle ? 'pluck' : 'object';
        return this;
      },
      raw(toggle = true) {
        mode = toggle ? 'raw' : 'object';
        return this;
      },
    };
    return statement;
  };

  /**
   * The depth whose savepoint (`sp<depth>`) completed but is not released yet. Its RELEASE is sent
   * with the next savepoint of that depth (the group commit's next unit) in one round trip, or
   * made unnecessary by the enclosing RELEASE, COMMIT or ROLLBACK, which cover it. Until then the
   * statements that follow run inside it, which changes nothing: it is never rolled back to.
   */
  let releaseDue: number | undefined;
  const transaction = <T>(fn: () => T, relaxed: boolean): T => {
    if (depth > 0) {
      if (relaxed) return transaction(fn, false);
      const savepoint = `sp${depth}`;
      exec(`${releaseDue === depth ? `RELEASE SAVEPOINT ${savepoint}; ` : ''}SAVEPOINT ${savepoint}`);
      releaseDue = undefined;
      depth++;
      try {
        const result = fn();
        // Also covers a savepoint nested in this one that is still due.
        releaseDue = depth - 1;
        return result;
      } catch (error) {
        releaseDue = undefined;
        exec(`ROLLBACK TO SAVEPOINT ${savepoint}; RELEASE SAVEPOINT ${savepoint}`);
        throw error;
      } finally {
        depth--;
      }
    }
    // READ COMMITTED (the default): each statement sees every commit made before it, so reads
    // after the lock see everything the previous holder wrote.
    exec(`BEGIN; ${relaxed ? 'SET LOCAL synchronous_commit = off; ' : ''}SELECT pg_advisory_xact_lock(${STORE_WRITE_LOCK_KEY})`);
    depth = 1;
    releaseDue = undefined;
    try {
      const result = fn();
      if (typeof (result as { then?: unknown } | null)?.then === 'function') {
        throw new TypeError('a transaction function cannot return a promise: it must be synchronous');
      }
      exec('COMMIT');
      return result;
    } catch (error) {
      if (open) {
        try {
          exec('ROLLBACK');
        } catch {
          // The connection is gone; the server rolls back on its own.
        }
      }
      throw error;
    } finally {
      depth = 0;
      releaseDue = undefined;
    }
  };

  return {
    engine: 'postgres',
    dialect: POSTGRES_DIALECT,
    get inTransaction() {
      return depth > 0;
    },
    prepare,
    exec,
    transaction: (fn) => transaction(fn, false),
    relaxedTransaction: (fn) => transaction(fn, true),
    close: () => {
      if (!open) return;
      open = false;
      finishClient(client);
    },
  };
}
