import { openSealedKey, sealKey } from '../../keys/envelope';
import { translateStoreError, type AuthorityStore } from '../../store/store';
import type { Milliseconds } from '../../time/clock';
import type { StreamConfiguration, TransmitterMetadata } from './transmitter-client';

/** How SETs reach revmesh from a transmitter. */
export type DeliveryMode = 'push' | 'poll';

/** A registered transmitter and revmesh's stream on it (no secret in clear). */
export interface StoredTransmitter {
  readonly id: string;
  readonly configUrl: string;
  readonly issuer: string;
  readonly metadata: TransmitterMetadata;
  readonly clientId: string;
  readonly tokenEndpoint: string;
  readonly scope: string | undefined;
  readonly description: string;
  readonly delivery: DeliveryMode;
  readonly streamId: string | null;
  /** The stream as the transmitter last described it, without its `authorization_header`. */
  readonly stream: StreamConfiguration | null;
  /** `enabled`, `paused`, `disabled` (the transmitter's word), or `created` before the first status. */
  readonly status: string;
  /** When the last verification event arrived, epoch ms. */
  readonly verifiedAt: Milliseconds | null;
  /** When the last SET from it was accepted (applied, ignored, ...), epoch ms; null before any. */
  readonly lastSetAt: Milliseconds | null;
  readonly createdBy: string;
  readonly createdAt: Milliseconds;
  readonly updatedAt: Milliseconds;
}

interface Row {
  last_set_at: number | null;
  id: string;
  config_url: string;
  issuer: string;
  metadata: string;
  client_id: string;
  client_secret_sealed: string;
  token_endpoint: string;
  delivery: DeliveryMode;
  stream_id: string | null;
  stream: string | null;
  push_auth_hash: string | null;
  status: string;
  verified_at: number | null;
  created_by: string;
  created_at: number;
  updated_at: number;
}

/** What `metadata` holds: the transmitter's configuration and revmesh's own registration details. */
interface MetadataColumn {
  readonly configuration: TransmitterMetadata;
  readonly scope?: string;
  readonly description?: string;
}

/** Seal context of a transmitter's receiver client secret (KEK envelope; `rewrapKek` re-wraps it). */
export const receiverSecretSealContext = (id: string) => `ssf-receiver-client-secret:${id}`;

function toTransmitter(row: Row): StoredTransmitter {
  const metadata = JSON.parse(row.metadata) as MetadataColumn;
  return {
    id: row.id,
    configUrl: row.config_url,
    issuer: row.issuer,
    metadata: metadata.configuration,
    clientId: row.client_id,
    tokenEndpoint: row.token_endpoint,
    scope: metadata.scope,
    description: metadata.description ?? '',
    delivery: row.delivery,
    streamId: row.stream_id,
    stream: row.stream === null ? null : (JSON.parse(row.stream) as StreamConfiguration),
    status: row.status,
    verifiedAt: row.verified_at,
    lastSetAt: row.last_set_at,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** A stream as stored: the push authorization header is a secret, kept only as a hash. */
export function storableStream(stream: StreamConfiguration): StreamConfiguration {
  const { authorization_header: _secret, ...delivery } = stream.delivery;
  return { ...stream, delivery };
}

export interface NewTransmitterRow {
  readonly id: string;
  readonly configUrl: string;
  readonly metadata: TransmitterMetadata;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly tokenEndpoint: string;
  readonly scope?: string;
  readonly description?: string;
  readonly delivery: DeliveryMode;
  readonly stream: StreamConfiguration;
  readonly pushAuthHash: string | null;
  readonly createdBy: string;
  readonly now: Milliseconds;
}

/** SQLite rows of `ssf_transmitters`; the receiver's client secret sealed with the KEK. */
export interface TransmitterStore {
  insert(row: NewTransmitterRow): void;
  find(id: string): StoredTransmitter | undefined;
  list(): StoredTransmitter[];
  /** The sealed client secret, opened. */
  clientSecret(id: string): string;
  pushAuthHash(id: string): string | null;
  updateStream(id: string, stream: StreamConfiguration, now: Milliseconds): void;
  updateStatus(id: string, status: string, now: Milliseconds): void;
  /** A new push authorization (its hash) and the stream as the transmitter now describes it. */
  updatePushAuthorization(id: string, pushAuthHash: string, stream: StreamConfiguration, now: Milliseconds): void;
  markVerified(id: string, now: Milliseconds): void;
  remove(id: string): boolean;
}

export function createTransmitterStore(store: AuthorityStore, kek: Buffer): TransmitterStore {
  const db = store.db;
  const write = <T>(what: string, run: () => T): T => {
    try {
      return run();
    } catch (error) {
      throw translateStoreError(error, `cannot ${what} SSF transmitters`);
    }
  };
  const insert = db.prepare(
    `INSERT INTO ssf_transmitters (id, config_url, issuer, metadata, client_id, client_secret_sealed, token_endpoint, delivery, stream_id, stream,
       push_auth_hash, status, verified_at, created_by, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'created', NULL, ?, ?, ?)`,
  );
  const lastSet = '(SELECT MAX(received_at) FROM ssf_received_sets s WHERE s.transmitter_id = t.id) AS last_set_at';
  const one = db.prepare<[string], Row>(`SELECT t.*, ${lastSet} FROM ssf_transmitters t WHERE t.id = ?`);
  const all = db.prepare<[], Row>(`SELECT t.*, ${lastSet} FROM ssf_transmitters t ORDER BY t.id`);
  const setStream = db.prepare('UPDATE ssf_transmitters SET stream = ?, updated_at = ? WHERE id = ?');
  const setStatus = db.prepare('UPDATE ssf_transmitters SET status = ?, updated_at = ? WHERE id = ?');
  const setPushAuth = db.prepare('UPDATE ssf_transmitters SET push_auth_hash = ?, stream = ?, updated_at = ? WHERE id = ?');
  const setVerified = db.prepare('UPDATE ssf_transmitters SET verified_at = ?, updated_at = ? WHERE id = ?');
  const del = db.prepare('DELETE FROM ssf_transmitters WHERE id = ?');
  return {
    insert(row) {
      const sealed = JSON.stringify(sealKey(Buffer.from(row.clientSecret, 'utf8'), kek, receiverSecretSealContext(row.id)));
      const metadata: MetadataColumn = {
        configuration: row.metadata,
        ...(row.scope === undefined ? {} : { scope: row.scope }),
        ...(row.description === undefined ? {} : { description: row.description }),
      };
      write('store', () =>
        insert.run(
          row.id,
          row.configUrl,
          row.metadata.issuer,
          JSON.stringify(metadata),
          row.clientId,
          sealed,
          row.tokenEndpoint,
          row.delivery,
          row.stream.stream_id,
          JSON.stringify(storableStream(row.stream)),
          row.pushAuthHash,
          row.createdBy,
          row.now,
          row.now,
        ),
      );
    },
    find(id) {
      const row = write('read', () => one.get(id));
      return row === undefined ? undefined : toTransmitter(row);
    },
    list: () => write('read', () => all.all()).map(toTransmitter),
    clientSecret(id) {
      const row = write('read', () => one.get(id));
      if (row === undefined) throw new TypeError(`no transmitter ${id}`);
      return openSealedKey(JSON.parse(row.client_secret_sealed), kek, receiverSecretSealContext(id)).toString('utf8');
    },
    pushAuthHash: (id) => write('read', () => one.get(id))?.push_auth_hash ?? null,
    updateStream: (id, stream, now) => void write('update', () => setStream.run(JSON.stringify(storableStream(stream)), now, id)),
    updateStatus: (id, status, now) => void write('update', () => setStatus.run(status, now, id)),
    updatePushAuthorization: (id, hash, stream, now) => void write('update', () => setPushAuth.run(hash, JSON.stringify(storableStream(stream)), now, id)),
    markVerified: (id, now) => void write('update', () => setVerified.run(now, now, id)),
    remove: (id) => write('delete', () => del.run(id)).changes > 0,
  };
}
