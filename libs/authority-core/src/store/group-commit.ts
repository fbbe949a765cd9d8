import { storeUnavailableReason } from './store-availability';
import { translateStoreError, type AuthorityStore } from './store';

/**
 * Group commit: units of work submitted during one turn of the event loop are written in one
 * transaction, each inside its own savepoint.
 *
 * Why: a durable commit waits for an fsync (~0.3–2 ms on typical disks). One transaction per
 * revocation caps the authority at a few thousand revocations per second whatever the CPU;
 * sharing one fsync among every request that arrived together keeps the power-loss guarantee
 * and removes that cap. The group commits with {@link AuthorityStore.transactionSyncedLater}, so
 * the event loop does not wait for that fsync either (SQLite: it runs on libuv's pool, one for
 * the groups that committed meanwhile; see wal-sync.ts for why that is as durable as FULL).
 *
 * Each unit is all-or-nothing on its own (its savepoint is rolled back if it throws, and only
 * its promise rejects); if the commit itself fails, every unit of the group rejects and
 * nothing of the group is stored. A promise resolves, and `onCommitted` runs, only after the
 * commit is on disk; if that flush fails, every unit of the group rejects (its work may be lost)
 * and the store refuses writes until the authority restarts.
 */
export interface GroupCommit {
  /** Runs `work` (synchronous, store calls only) in the next group transaction. */
  submit<T>(work: () => T): Promise<T>;
}

interface Pending {
  readonly work: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

export interface GroupCommitOptions {
  /** Called once after each group that committed at least one unit, once it is on disk (it wakes the outbox relay). */
  readonly onCommitted?: () => void;
}

export function createGroupCommit(store: AuthorityStore, options: GroupCommitOptions = {}): GroupCommit {
  let pending: Pending[] = [];
  let scheduled = false;

  function flush(): void {
    const group = pending;
    pending = [];
    scheduled = false;
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    let durable: Promise<void>;
    try {
      ({ durable } = store.transactionSyncedLater(() => {
        for (const unit of group) {
          try {
            // A nested transaction is a SAVEPOINT: a throwing unit rolls back alone.
            outcomes.push({ ok: true, value: store.db.transaction(unit.work) });
          } catch (error) {
            // A full or read-only disk fails the whole group (SQLite may already have rolled the
            // transaction back): rethrown, the store reports it and every unit gets the same answer.
            if (storeUnavailableReason(error) !== undefined) throw error;
            outcomes.push({ ok: false, error: translateStoreError(error, 'write failed') });
          }
        }
      }));
    } catch (error) {
      for (const unit of group) unit.reject(error);
      return;
    }
    // A unit that failed in its savepoint wrote nothing: its answer does not wait for the disk.
    group.forEach((unit, i) => {
      const outcome = outcomes[i];
      if (!outcome?.ok) unit.reject(outcome?.error);
    });
    if (!outcomes.some((o) => o.ok)) {
      // Nothing of this group is stored; a failed flush is the store's to report, not theirs.
      durable.catch(() => undefined);
      return;
    }
    durable.then(
      () => {
        group.forEach((unit, i) => {
          const outcome = outcomes[i];
          if (outcome?.ok) unit.resolve(outcome.value);
        });
        options.onCommitted?.();
      },
      (error: unknown) => {
        group.forEach((unit, i) => {
          if (outcomes[i]?.ok) unit.reject(error);
        });
      },
    );
  }

  return {
    submit<T>(work: () => T): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        pending.push({ work, resolve: resolve as (value: unknown) => void, reject });
        if (!scheduled) {
          scheduled = true;
          // setImmediate runs after the current batch of I/O callbacks: every request whose body
          // arrived in this poll phase joins the same group.
          setImmediate(flush);
        }
      });
    },
  };
}
