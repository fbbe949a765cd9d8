import type { EventTransport, RecordHandler, RecordPublisher, TopicReader, TopicReaderOptions } from '@revmesh/transport';

/**
 * An {@link EventTransport} that a breach drill can cut off from the broker and reconnect: while
 * severed, records read are held before the sidecar sees them and publishes (heartbeats,
 * acknowledgements) wait, exactly as for an instance behind a broken network link. Nothing is
 * dropped: on {@link restore} the held records and publishes go through in order, so the
 * instance catches up by itself. Demo only (`REVMESH_DRILL_SWITCH_UNSAFE`).
 */
export interface SeverableTransport extends EventTransport {
  /** Cuts the instance off (idempotent). */
  sever(): void;
  /** Reconnects it; held records and publishes proceed (idempotent). */
  restore(): void;
  readonly severed: boolean;
}

export function severableTransport(inner: EventTransport): SeverableTransport {
  let gate: { promise: Promise<void>; open: () => void } | undefined;
  const passed = (): Promise<void> | undefined => gate?.promise;

  const reader = (options: TopicReaderOptions): TopicReader => {
    const wrapped = inner.createReader(options);
    return {
      get caughtUp() {
        return wrapped.caughtUp;
      },
      start: (handler: RecordHandler) =>
        wrapped.start(async (record) => {
          const wait = passed();
          if (wait !== undefined) await wait;
          await handler(record);
        }),
      lag: () => wrapped.lag(),
      stop: () => wrapped.stop(),
    };
  };

  const publisher = (): RecordPublisher => {
    const wrapped = inner.createPublisher();
    return {
      connect: () => wrapped.connect(),
      async publish(records) {
        const wait = passed();
        if (wait !== undefined) await wait;
        await wrapped.publish(records);
      },
      disconnect: () => wrapped.disconnect(),
    };
  };

  return {
    ensureTopics: (specs) => inner.ensureTopics(specs),
    createPublisher: publisher,
    createReader: reader,
    close: async () => {
      // Release whatever waits, so the sidecar can stop.
      gate?.open();
      gate = undefined;
      await inner.close();
    },
    sever() {
      if (gate !== undefined) return;
      let open!: () => void;
      const promise = new Promise<void>((resolve) => (open = resolve));
      gate = { promise, open };
    },
    restore() {
      gate?.open();
      gate = undefined;
    },
    get severed() {
      return gate !== undefined;
    },
  };
}
