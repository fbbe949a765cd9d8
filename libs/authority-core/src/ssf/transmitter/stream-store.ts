import { translateStoreError, type AuthorityStore } from '../../store/store';
import type { Milliseconds } from '../../time/clock';

/** SSF 1.0 §8.1.2 stream states. */
export type StreamStatus = 'enabled' | 'paused' | 'disabled';

/** How SETs reach the receiver. Push carries the receiver's URL and header; poll's URL is ours. */
export type StreamDelivery =
  | { readonly method: 'urn:ietf:rfc:8935'; readonly endpointUrl: string; readonly authorizationHeader?: string }
  | { readonly method: 'urn:ietf:rfc:8936' };

/** The receiver-supplied part of a stream, as stored (JSON in `ssf_out_streams.config`). */
export interface StreamSettings {
  readonly delivery: StreamDelivery;
  /** Absent: nothing requested (a PUT without it deletes it), so only verification and stream-updated flow. */
  readonly eventsRequested?: readonly string[];
  readonly description?: string;
}

/** A stream of a registered receiver. */
export interface StoredStream extends StreamSettings {
  readonly streamId: string;
  /** The OAuth client that owns it: only its tokens see or change it. */
  readonly clientId: string;
  /** The SETs' `aud`: the receiver's client id. */
  readonly aud: string;
  readonly status: StreamStatus;
  readonly statusReason: string | null;
  readonly createdAt: Milliseconds;
  readonly updatedAt: Milliseconds;
}

interface Row {
  stream_id: string;
  client_id: string;
  config: string;
  status: StreamStatus;
  status_reason: string | null;
  created_at: number;
  updated_at: number;
}

interface StoredConfig {
  aud: string;
  delivery: { method: string; endpoint_url?: string; authorization_header?: string };
  events_requested?: string[];
  description?: string;
}

function toStream(row: Row): StoredStream {
  const config = JSON.parse(row.config) as StoredConfig;
  const delivery: StreamDelivery =
    config.delivery.method === 'urn:ietf:rfc:8935'
      ? {
          method: 'urn:ietf:rfc:8935',
          endpointUrl: config.delivery.endpoint_url ?? '',
          ...(config.delivery.authorization_header === undefined ? {} : { authorizationHeader: config.delivery.authorization_header }),
        }
      : { method: 'urn:ietf:rfc:8936' };
  return {
    streamId: row.stream_id,
    clientId: row.client_id,
    aud: config.aud,
    delivery,
    ...(config.events_requested === undefined ? {} : { eventsRequested: config.events_requested }),
    ...(config.description === undefined ? {} : { description: config.description }),
    status: row.status,
    statusReason: row.status_reason,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toConfig(aud: string, settings: StreamSettings): string {
  const { delivery } = settings;
  const config: StoredConfig = {
    aud,
    delivery:
      delivery.method === 'urn:ietf:rfc:8935'
        ? { method: delivery.method, endpoint_url: delivery.endpointUrl, ...(delivery.authorizationHeader === undefined ? {} : { authorization_header: delivery.authorizationHeader }) }
        : { method: delivery.method },
    ...(settings.eventsRequested === undefined ? {} : { events_requested: [...settings.eventsRequested] }),
    ...(settings.description === undefined ? {} : { description: settings.description }),
  };
  return JSON.stringify(config);
}

/**
 * The `ssf_out_streams` table. The push `authorization_header` is stored as given: it only
 * opens the receiver's endpoint to us (every SET is signed anyway), so it is not a key to seal.
 */
export interface StreamStore {
  insert(stream: Omit<StoredStream, 'updatedAt' | 'statusReason'>): void;
  get(streamId: string): StoredStream | undefined;
  listByClient(clientId: string): StoredStream[];
  countByClient(clientId: string): number;
  /** Streams that receive new events: enabled and paused ones (a paused stream holds them). */
  listReceiving(): StoredStream[];
  /** Every stream of every receiver (the operators' view). */
  listAll(): StoredStream[];
  updateSettings(streamId: string, settings: StreamSettings, at: Milliseconds): void;
  updateStatus(streamId: string, status: StreamStatus, reason: string | null, at: Milliseconds): void;
  /** Deletes the stream and (cascade) every SET queued for it. */
  delete(streamId: string): void;
}

export function createStreamStore(store: AuthorityStore): StreamStore {
  const db = store.db;
  const columns = 'stream_id, client_id, config, status, status_reason, created_at, updated_at';
  const insert = db.prepare(`INSERT INTO ssf_out_streams (${columns}) VALUES (?, ?, ?, ?, NULL, ?, ?)`);
  const one = db.prepare<[string], Row>(`SELECT ${columns} FROM ssf_out_streams WHERE stream_id = ?`);
  const byClient = db.prepare<[string], Row>(`SELECT ${columns} FROM ssf_out_streams WHERE client_id = ? ORDER BY created_at, stream_id`);
  const countByClient = db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM ssf_out_streams WHERE client_id = ?');
  const receiving = db.prepare<[], Row>(`SELECT ${columns} FROM ssf_out_streams WHERE status <> 'disabled' ORDER BY created_at, stream_id`);
  const all = db.prepare<[], Row>(`SELECT ${columns} FROM ssf_out_streams ORDER BY created_at, stream_id`);
  const setConfig = db.prepare('UPDATE ssf_out_streams SET config = ?, updated_at = ? WHERE stream_id = ?');
  const setStatus = db.prepare('UPDATE ssf_out_streams SET status = ?, status_reason = ?, updated_at = ? WHERE stream_id = ?');
  const remove = db.prepare('DELETE FROM ssf_out_streams WHERE stream_id = ?');
  const read = <T>(what: string, f: () => T): T => {
    try {
      return f();
    } catch (error) {
      throw translateStoreError(error, `cannot ${what}`);
    }
  };
  return {
    insert(stream) {
      insert.run(stream.streamId, stream.clientId, toConfig(stream.aud, stream), stream.status, stream.createdAt, stream.createdAt);
    },
    get: (streamId) =>
      read('read SSF streams', () => {
        const row = one.get(streamId);
        return row === undefined ? undefined : toStream(row);
      }),
    listByClient: (clientId) => read('read SSF streams', () => byClient.all(clientId).map(toStream)),
    countByClient: (clientId) => read('read SSF streams', () => countByClient.get(clientId)?.n ?? 0),
    listReceiving: () => read('read SSF streams', () => receiving.all().map(toStream)),
    listAll: () => read('read SSF streams', () => all.all().map(toStream)),
    updateSettings(streamId, settings, at) {
      const row = one.get(streamId);
      if (row === undefined) return;
      setConfig.run(toConfig(toStream(row).aud, settings), at, streamId);
    },
    updateStatus(streamId, status, reason, at) {
      setStatus.run(status, reason, at, streamId);
    },
    delete(streamId) {
      remove.run(streamId);
    },
  };
}
